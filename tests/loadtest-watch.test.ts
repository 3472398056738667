/**
 * The server-side watch during a run (`loadtest/watch.ts`): poll scheduling and the early-stop
 * decision on a fake clock and a fake querier (no timer, no network), then the runner's own stop on
 * a local server. The same watch against a real Prometheus is in tests/loadtest-server.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SERVER_BOUNDS, type Scenario } from "../loadtest/profile";
import { runScenario } from "../loadtest/runner";
import { judge } from "../loadtest/verdict";
import { earlyStop, progressLine, watchRun, WATCH_INTERVAL_SECONDS, type PollFigures, type WatchQueries } from "../loadtest/watch";
import { startServer, type TestServer } from "./support/http-server";
import { twoUserScenario } from "./support/loadtest-run";

const bounds = { ...DEFAULT_SERVER_BOUNDS, maxRestarts: 0, maxDbConnections: 40 };
const T0 = 1_000_000;

/** A clock that moves only when the watch sleeps or a poll "takes" time; `done` aborts at `end`. */
function fakeRun(end: number, pollTakes = 0, answers: (i: number, from: number, at: number) => PollFigures | Error = () => ({ restarts: 0, dbConnections: 5 })) {
    let t = T0;
    const done = new AbortController();
    const calls: { from: number; at: number }[] = [];
    const lines: string[] = [];
    const queries: WatchQueries = {
        poll(from, at) {
            calls.push({ from: from - T0, at: at - T0 });
            t += pollTakes;
            const a = answers(calls.length, from - T0, at - T0);
            return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
        },
    };
    const sleep = (ms: number): Promise<void> => {
        t = Math.min(t + ms / 1000, end);
        if (t >= end) done.abort();
        return Promise.resolve();
    };
    const run = (intervalSeconds?: number) => watchRun(queries, { start: T0, totalSeconds: end - T0, bounds, dbQuery: "q", done: done.signal, line: (l) => lines.push(l), now: () => t, sleep, ...(intervalSeconds !== undefined ? { intervalSeconds } : {}) });
    return { run, calls, lines };
}

describe("poll scheduling", () => {
    it("polls every 30 s by default, on the run's clock, until the run is done", async () => {
        const w = fakeRun(T0 + 100);
        await expect(w.run()).resolves.toBeUndefined();
        expect(WATCH_INTERVAL_SECONDS).toBe(30);
        // Each poll reads connections since the previous one, and restarts since the run's start.
        expect(w.calls).toEqual([{ from: 0, at: 30 }, { from: 30, at: 60 }, { from: 60, at: 90 }]);
        expect(w.lines).toEqual([
            "poll 1 at 30 s of 100 s: restarts 0 (bound 0), db connections 5 (bound 40)",
            "poll 2 at 60 s of 100 s: restarts 0 (bound 0), db connections 5 (bound 40)",
            "poll 3 at 90 s of 100 s: restarts 0 (bound 0), db connections 5 (bound 40)",
        ]);
    });

    it("a slow poll does not shift the next ones; a slot missed while one ran is skipped", async () => {
        const slow = fakeRun(T0 + 100, 7);
        await slow.run();
        expect(slow.calls.map((c) => c.at)).toEqual([30, 60, 90]);
        const slower = fakeRun(T0 + 100, 35);
        await slower.run();
        // The first poll ends at 65 s: the 60 s slot is gone, the next is 90 s.
        expect(slower.calls.map((c) => c.at)).toEqual([30, 90]);
    });

    it("a poll Prometheus does not answer is a warning, and the watch goes on", async () => {
        const w = fakeRun(T0 + 70, 0, (i) => (i === 1 ? new Error("fetch failed") : { restarts: 0, dbConnections: null }));
        await expect(w.run(30)).resolves.toBeUndefined();
        expect(w.lines).toEqual([
            "warning: poll 1 at 30 s: Prometheus did not answer (fetch failed); the after-run judgement decides",
            "poll 2 at 60 s of 70 s: restarts 0 (bound 0), db connections no series yet (bound 40)",
        ]);
        // The failed poll's span is read again by the next one.
        expect(w.calls).toEqual([{ from: 0, at: 30 }, { from: 0, at: 60 }]);
    });

    it("stops at the first poll that sees a check failed for good, with the finding", async () => {
        const w = fakeRun(T0 + 3600, 0, (i) => ({ restarts: i >= 3 ? 1 : 0, dbConnections: 5 }));
        await expect(w.run(30)).resolves.toEqual({ atSeconds: 90, finding: { check: "restarts", ok: false, value: 1, bound: 0, detail: "1 container restart(s) during the run (bound 0)" } });
        expect(w.calls).toHaveLength(3);
        expect(w.lines.at(-1)).toBe("poll 3 at 90 s of 3600 s: restarts 1 (bound 0), db connections 5 (bound 40)");
    });
});

describe("the early-stop decision", () => {
    it.each([
        { name: "all within bounds: go on", p: { restarts: 0, dbConnections: 40 }, want: undefined },
        { name: "no series yet: go on (the after-run judgement decides)", p: { restarts: null, dbConnections: null }, want: undefined },
        { name: "a restart over the bound: stop", p: { restarts: 1, dbConnections: 5 }, want: "1 container restart(s) during the run (bound 0)" },
        { name: "connections over the bound: stop", p: { restarts: 0, dbConnections: 41 }, want: "at most 41 database connection(s) (bound 40)" },
        { name: "an extrapolated increase() of one restart (1.03): stop, counted whole", p: { restarts: 1.03, dbConnections: 5 }, want: "1 container restart(s) during the run (bound 0)" },
        { name: "an extrapolated increase() under half a restart: no restart", p: { restarts: 0.3, dbConnections: 5 }, want: undefined },
        { name: "both: the restart is named", p: { restarts: 2, dbConnections: 41 }, want: "2 container restart(s) during the run (bound 0)" },
    ] as { name: string; p: PollFigures; want: string | undefined }[])("$name", ({ p, want }) => {
        expect(earlyStop(p, bounds, "q")?.detail).toBe(want);
    });

    it("restarts within a configured bound go on; connections without a query decide nothing", () => {
        expect(earlyStop({ restarts: 2, dbConnections: 0 }, { ...bounds, maxRestarts: 2 }, "q")).toBeUndefined();
        expect(earlyStop({ restarts: 0, dbConnections: 999 }, bounds, undefined)).toBeUndefined();
    });

    it("the soak's progress line carries the largest pod's working set", () => {
        expect(progressLine(4, 120.4, 3600, { restarts: 0, dbConnections: 12, memoryBytes: 312.5 * 1024 * 1024 }, bounds)).toBe("poll 4 at 120 s of 3600 s: restarts 0 (bound 0), db connections 12 (bound 40), largest pod working set 312.5 MiB");
    });
});

describe("the runner stops when told", () => {
    const servers: TestServer[] = [];
    afterEach(async () => {
        await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    it("an aborted signal ends a 60 s run at once (within a tick and the requests in flight); stages it never reached are not judged", async () => {
        const server = await startServer((_req, res) => res.end("ok"));
        servers.push(server);
        const scenario: Scenario = {
            ...twoUserScenario("stress", [{ duration: "100ms", durationMs: 100, target: 2 }, { duration: "30s", durationMs: 30_000, target: 2 }, { duration: "30s", durationMs: 30_000, target: 2 }]),
            thinkTimeMs: 20,
            mustHoldUsers: 10,
        };
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 500);
        const run = await runScenario(scenario, server.url, { signal: stop.signal });
        expect(run.elapsedMs).toBeLessThan(10_000);
        expect(run.stages[1].requests).toBeGreaterThan(0);
        expect(run.stages[2].requests).toBe(0);
        // Judged as a full run, the unreached stage reads as "nothing measured"; stopped early, it is left out.
        // (Stage 1, 100 ms of ramp, may see no request either on the runner's 100 ms tick.)
        expect(judge(scenario, run, DEFAULT_SERVER_BOUNDS, null).reasons.filter((r) => !r.startsWith("stage 1 "))).toEqual([
            'stage 3 (2→2 users, within mustHoldUsers 10): http_req_duration "p(95)<5000" failed (nothing measured)',
            'stage 3 (2→2 users, within mustHoldUsers 10): http_req_failed "rate<0.5" failed (nothing measured)',
        ]);
        expect(judge(scenario, run, DEFAULT_SERVER_BOUNDS, null, true)).toEqual({ verdict: "pass", reasons: [] });
    });
});
