/**
 * The suites a local `npm test` leaves to CI=true and to a named script, to stay near its one minute
 * on 2 cores (README, Tests); each skip is said loudly, once per file, and counted as skipped.
 *
 * - Timing (`npm run test:timing`, LAUNCHPAD_TIMING_TEST=1): the suites that drive real local
 *   servers in real time: the load runner's stages and the server-side judgement's polls, the gate's
 *   and the load test's wait for a target that drops their SYNs, curl's retries while a Pushgateway
 *   moves, dump.sh's deadlines against servers that never answer. Mostly waiting, a worker idle for
 *   seconds at a time.
 * - Processes (`npm run test:processes`, LAUNCHPAD_PROCESS_TEST=1): the program as a process of its
 *   own (`node scripts/compiled.cjs plan`, the esbuild bundle it builds once a run, deploy's hold
 *   step run by bash), where a process starts Node.js, loads the SDK and plans again (1 to 2
 *   CPU-seconds each), and the backup scripts run by bash against stand-ins (dump.sh's deadlines,
 *   signals and failure pushes; dr-metrics.sh against a stub aws that starts python3 for every
 *   call). What the program decides is also checked in-process, which a local run keeps; exit codes,
 *   the framing of stdout and stderr and the scripts' own logic are checked only there: after
 *   changing scripts/db/ or a workflow step, run it.
 * - Pack (`npm run test:pack`, LAUNCHPAD_PACK_TEST=1): the policy pack under `@pulumi/policy`'s own
 *   analyzer server, fed both stacks' plans (tests/policy-preview.test.ts, about 19 CPU-seconds), and
 *   the pack packed and installed as `pulumi policy publish` would (tests/policy-pack-publish.test.ts).
 *   The policies' verdicts on every plan are checked in-process by the offline evaluator, which a
 *   local run keeps; after changing policies/, run it.
 */
import { IN_CI } from "./db-tools";

/** True when a local run leaves `what` of `file` to `script` (unless `flag`=1), said loudly. */
function skipLocally(flag: string, script: string, why: string, file: string, what: string): boolean {
    if (IN_CI || process.env[flag] === "1") return false;
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** ${file}: SKIPPING ${what} (${why}).\n` +
        `Run them with: npm run ${script}   (CI=true always runs them)\n${bar}\n`);
    return true;
}

/**
 * True when `file`'s real-time suites (`what`) are to be skipped: a local run without
 * LAUNCHPAD_TIMING_TEST=1, said loudly. Called once at the top of the file, for `describe.skipIf`.
 */
export function skipTiming(file: string, what: string): boolean {
    return skipLocally("LAUNCHPAD_TIMING_TEST", "test:timing", "slow: real local servers in real time", file, what);
}

/**
 * True when `file`'s suites that run the program as a process of its own (`what`) are to be
 * skipped: a local run without LAUNCHPAD_PROCESS_TEST=1, said loudly. Called once at the top of
 * the file, for `describe.skipIf`.
 */
export function skipProcesses(file: string, what: string): boolean {
    return skipLocally("LAUNCHPAD_PROCESS_TEST", "test:processes", "slow: a process of its own each, Node.js and a plan or bash and its tools", file, what);
}

/**
 * True when `file`'s suites that run the policy pack under its analyzer server or the npm pack
 * (`what`) are to be skipped: a local run without LAUNCHPAD_PACK_TEST=1, said loudly.
 */
export function skipPack(file: string, what: string): boolean {
    return skipLocally("LAUNCHPAD_PACK_TEST", "test:pack", "slow: the pack under @pulumi/policy's analyzer server, both stacks planned again", file, what);
}
