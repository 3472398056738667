/**
 * The suites that drive real local servers in real time: the load runner's stages and the server-side
 * judgement's polls, the gate's and the load test's wait for a target that drops their SYNs, curl's
 * retries while a Pushgateway moves. Mostly waiting (a worker idle for seconds at a time), about 20
 * s of the two workers between them, which put a local `npm test` past its one minute on 2 cores. They
 * run under CI=true and with LAUNCHPAD_TIMING_TEST=1 (`npm run test:timing`); a local `npm test`
 * skips them with a loud message, once per file, and counts them as skipped.
 */
import { IN_CI } from "./db-tools";

const RUN_TIMING = IN_CI || process.env.LAUNCHPAD_TIMING_TEST === "1";

/**
 * True when `file`'s real-time suites (`what`) are to be skipped: a local run without
 * LAUNCHPAD_TIMING_TEST=1, said loudly. Called once at the top of the file, for `describe.skipIf`.
 */
export function skipTiming(file: string, what: string): boolean {
    if (RUN_TIMING) return false;
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** ${file}: SKIPPING ${what} (slow: real local servers in real time).\n` +
        `Run them with: npm run test:timing   (CI=true always runs them)\n${bar}\n`);
    return true;
}
