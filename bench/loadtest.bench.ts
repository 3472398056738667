/**
 * npm run bench:loadtest [-- --seconds N] [--users N] [--speed N]
 *
 * Two measurements of the performance runner (`loadtest/runner.ts`), against the gate benchmark's
 * local server (`smoke-server.ts`, its own process, 10 ms service time so the server, not the client,
 * sets the pace):
 *
 * 1. The stage engine against autocannon at equal concurrency: one stage holding `--users` users
 *    with no think time, and autocannon with as many connections, each for `--seconds`; req/s and
 *    p95 side by side (autocannon's p95 nearest-rank over its per-response times; the runner's from
 *    its log-linear buckets, within 1%).
 * 2. Memory over the users' soak (the default `soak` scenario: 5 min up to 50 users, an hour at 50
 *    with 1 s of think time, 5 min down) simulated in fast time: the same scenario, stages, think
 *    time and checks, on a clock `--speed` times faster than real (`fastClock`; 60 by default: the
 *    70 minutes in 70 s), against an instant server. Requests and their latencies are real, so the
 *    hour's worth of requests (about 180,000) is sent, and the schedule's lookups, ramps and windows
 *    run over the whole hour of run time. The heap (after a forced GC) is sampled every real second
 *    while it runs: it must stay flat, since a stage keeps counters, not samples.
 *
 * Reports, never asserts: exit 0 whatever the numbers (1 for a refused flag). Needs `--expose-gc` for the heap figures
 * (the npm script passes it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { resolveScenario, type Scenario } from "../loadtest/profile";
import { fastClock, runScenario } from "../loadtest/runner";
import { nearestRank } from "../smoke/runner";
import { failed, parseFlags, type CliResult } from "../scripts/cli";

const ROOT = path.resolve(__dirname, "..");

function startServer(delayMs: number): Promise<{ url: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join("bench", "smoke-server.ts"), String(delayMs)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.on("error", reject);
        child.stdout?.on("data", (c: Buffer) => {
            out += c.toString();
            if (out.includes("\n")) resolve({ url: out.split("\n")[0].trim(), child });
        });
    });
}

const hold = (users: number, seconds: number, thinkTimeMs = 0): Scenario => ({
    name: "load",
    model: "closed",
    // A 1 ms ramp, then the hold: the engine's figures are the hold stage's.
    stages: [{ duration: "1ms", durationMs: 1, target: users }, { duration: `${seconds}s`, durationMs: seconds * 1000, target: users }],
    thinkTimeMs,
    checks: [{ path: "/", method: "GET", expectStatus: 200, weight: 1 }],
    thresholds: { http_req_failed: ["rate<1"] },
    timeoutMs: 10_000,
    mustHoldUsers: users,
    recoveryWindowMs: 1000,
});

async function autocannonRun(url: string, connections: number, seconds: number): Promise<{ rps: number; p95: number }> {
    const latencies: number[] = [];
    const instance = autocannon({ url, connections, duration: seconds, timeout: 10 });
    instance.on("response", (_c, _s, _b, ms) => latencies.push(ms));
    await instance;
    return { rps: latencies.length / seconds, p95: nearestRank(Float64Array.from(latencies).sort(), 95) };
}

const heapMiB = (): number => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().heapUsed / 2 ** 20;
};

const USAGE = "usage: npm run bench:loadtest -- [--seconds N] [--users N] [--speed N]";

/**
 * The flags, each a whole number of at least 1, or the result to exit with: `--help` the usage, exit 0;
 * anything else refused, exit 1, in one line with the usage (node:util's parseArgs threw with its
 * stack, and `--seconds ten` ran as NaN).
 */
export function benchLoadtestArgs(argv: readonly string[]): { seconds: number; users: number; speed: number } | CliResult {
    const parsed = parseFlags(argv, { seconds: { type: "string", default: "10" }, users: { type: "string", default: "50" }, speed: { type: "string", default: "60" } }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const keys = ["seconds", "users", "speed"] as const;
    const bad = keys.filter((k) => !/^[1-9][0-9]{0,5}$/.test(parsed.flags[k]));
    if (bad.length > 0) {
        return failed(1, `${bad.map((k) => `--${k}: received ${JSON.stringify(parsed.flags[k])}; expected a whole number from 1 to 999999`).join("\n")}\n${USAGE}\n`);
    }
    const [seconds, users, speed] = keys.map((k) => Number(parsed.flags[k]));
    return { seconds, users, speed };
}

async function main(): Promise<void> {
    const args = benchLoadtestArgs(process.argv.slice(2));
    if ("code" in args) {
        process.stdout.write(args.stdout);
        process.stderr.write(args.stderr);
        process.exitCode = args.code;
        return;
    }
    const { seconds, users, speed } = args;

    const paced = await startServer(10);
    try {
        const ac = await autocannonRun(paced.url, users, seconds);
        const run = await runScenario(hold(users, seconds), paced.url);
        const st = run.stages[1];
        console.log(`engine vs autocannon, ${users} users/connections, ${seconds} s, 10 ms service time:`);
        console.log(`  autocannon  ${ac.rps.toFixed(0).padStart(7)} req/s  p95 ${ac.p95.toFixed(1)} ms`);
        console.log(`  runner      ${st.reqPerSec.toFixed(0).padStart(7)} req/s  p95 ${(st.latencyMs.p95 ?? Number.NaN).toFixed(1)} ms  (ratio ${(st.reqPerSec / ac.rps).toFixed(2)}x)`);
    } finally {
        paced.child.kill();
    }

    const instant = await startServer(0);
    try {
        const soak = resolveScenario("soak", undefined, "/");
        const scheduleMs = soak.stages.reduce((n, st) => n + st.durationMs, 0);
        const samples: number[] = [];
        const before = heapMiB();
        const timer = setInterval(() => samples.push(heapMiB()), 1000);
        const start = performance.now();
        // Ticks of 100 ms real time: the user count still follows each 5-minute ramp in 3,000 steps.
        const run = await runScenario(soak, instant.url, { clock: fastClock(speed), tickMs: 100 * speed });
        clearInterval(timer);
        const after = heapMiB();
        const half = Math.floor(samples.length / 2);
        const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        console.log(`soak in fast time: the users' soak (${soak.stages.map((st) => `${st.duration} to ${st.target}`).join(", ")}; think ${soak.thinkTimeMs} ms), ` +
            `${(run.elapsedMs / 60_000).toFixed(1)} min of its clock (schedule ${(scheduleMs / 60_000).toFixed(0)} min) in ${((performance.now() - start) / 1000).toFixed(1)} s at ${speed}x: ` +
            `${run.overall.requests} requests (an hour at 50 users with 1 s of think time sends ~180,000)`);
        console.log(`  per stage: ${run.stages.map((st) => `${st.requests} requests`).join(", ")}`);
        console.log(`  heap MiB after GC: before ${before.toFixed(1)}, first half avg ${avg(samples.slice(0, half)).toFixed(1)}, second half avg ${avg(samples.slice(half)).toFixed(1)}, after ${after.toFixed(1)}`);
        console.log(`  samples: ${samples.map((s) => s.toFixed(1)).join(" ")}`);
    } finally {
        instant.child.kill();
    }
}

if (require.main === module) {
    void main();
}
