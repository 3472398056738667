/**
 * npm run bench:loadtest [-- --seconds N] [--users N] [--soak-seconds N]
 *
 * Two measurements of the performance runner (`loadtest/runner.ts`), against the gate benchmark's
 * local server (`smoke-server.ts`, its own process, 10 ms service time so the server, not the client,
 * sets the pace):
 *
 * 1. The stage engine against autocannon at equal concurrency: one stage holding `--users` users
 *    with no think time, and autocannon with as many connections, each for `--seconds`; req/s and
 *    p95 side by side (autocannon's p95 nearest-rank over its per-response times; the runner's from
 *    its log-linear buckets, within 1%).
 * 2. Memory over a soak's worth of requests in fast time: the users' soak is 50 users for an hour
 *    with 1 s of think time, about 180,000 requests; here 50 users without think time against an
 *    instant server send as many in well under a minute. The heap (after a forced GC) is sampled
 *    every second while it runs: it must stay flat, since a stage keeps counters, not samples.
 *
 * Reports, never asserts: exit 0 whatever the numbers. Needs `--expose-gc` for the heap figures
 * (the npm script passes it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { Scenario } from "../loadtest/profile";
import { runScenario } from "../loadtest/runner";
import { nearestRank } from "../smoke/runner";

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

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, users: { type: "string", default: "50" }, "soak-seconds": { type: "string", default: "30" } } });
    const seconds = Number(values.seconds);
    const users = Number(values.users);
    const soakSeconds = Number(values["soak-seconds"]);

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
        const samples: number[] = [];
        const before = heapMiB();
        const timer = setInterval(() => samples.push(heapMiB()), 1000);
        const start = performance.now();
        const run = await runScenario(hold(50, soakSeconds), instant.url);
        clearInterval(timer);
        const after = heapMiB();
        const half = Math.floor(samples.length / 2);
        const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        console.log(`soak in fast time: ${run.overall.requests} requests from 50 users in ${((performance.now() - start) / 1000).toFixed(1)} s (the users' one-hour soak sends ~180,000)`);
        console.log(`  heap MiB after GC: before ${before.toFixed(1)}, first half avg ${avg(samples.slice(0, half)).toFixed(1)}, second half avg ${avg(samples.slice(half)).toFixed(1)}, after ${after.toFixed(1)}`);
        console.log(`  samples: ${samples.map((s) => s.toFixed(1)).join(" ")}`);
    } finally {
        instant.child.kill();
    }
}

void main();
