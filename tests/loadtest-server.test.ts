/**
 * Server-side judgement (`loadtest/server.ts`): the pure rules as tables, then the queries against a
 * REAL Prometheus (Debian's `prometheus`, started here on 127.0.0.1 with its own scrape config)
 * scraping a local exporter this test controls: a flat and a growing memory series, a restart, a
 * database connection gauge, a Job pod that must not count, and the app's request metrics through
 * a spike with a bad spell of known length (the server-side recovery time).
 *
 * The real-server suite takes about a minute, so it runs under CI=true (.ci/run) and `npm run test:prometheus`; a local `npm test` skips it with a
 * loud message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SERVER_BOUNDS, resolveScenario } from "../loadtest/profile";
import { parser } from "@prometheus-io/lezer-promql";
import { dbConnectionsQuery, dbTrendQuery, judgeDbConnections, judgeDbTrend, judgeMemory, judgeRestarts, judgeServer, judgeServerRecovery, memoryQuery, podSelector, recoveryQueries, restartsQuery, serverRecoverySeconds, slopePerSecond, usersEndMs, type Sample } from "../loadtest/server";
import { deployedProducers, metricCatalogue, SCRAPE_INTERVAL_SECONDS } from "../observability/catalogue";
import { alertContext } from "../observability/alerts";
import { scrapeConfiguration } from "../observability/scrape-config";
import { parse } from "yaml";
import { ampSigner, prometheusGet } from "../scripts/prometheus";
import { validSigV4 } from "./support/sigv4-verifier";
import { runSpec, upperBound, type LoadtestSummary, type RunSpec } from "../loadtest/main";
import { parseThresholds } from "../loadtest/thresholds";
import type { Scenario } from "../loadtest/profile";
import { parseConfig } from "../config";
import { stackConfigFor } from "../plan/engine";
import { IN_CI, which } from "./support/db-tools";
import { closedPort, startServer, type TestServer } from "./support/http-server";
import { TEST_APP_METRICS, twoUserScenario } from "./support/loadtest-run";

const MIB = 1024 * 1024;
const APP = TEST_APP_METRICS;
const bounds = { ...DEFAULT_SERVER_BOUNDS, warmupSeconds: 60, maxMemorySlopeMiBPerHour: 32 };

describe("the rules, on samples", () => {
    it("slope: least squares, per second", () => {
        expect(slopePerSecond([[0, 5], [10, 25], [20, 45]])).toBe(2);
        expect(slopePerSecond([[0, 5], [10, 5]])).toBe(0);
        expect(slopePerSecond([[0, 5]])).toBeNull();
        expect(slopePerSecond([[3, 5], [3, 6]])).toBeNull();
    });

    const series = (perSecond: number, from = 0, to = 600): Sample[] => Array.from({ length: (to - from) / 15 + 1 }, (_, i) => [from + i * 15, 300 * MIB + perSecond * i * 15] as const);

    it.each([
        { name: "flat after warm-up: no leak", samples: series(0), ok: true, value: 0 },
        { name: "growing 64 MiB/h: a leak", samples: series((64 * MIB) / 3600), ok: false, value: 64 },
        { name: "growing 16 MiB/h: within 32", samples: series((16 * MIB) / 3600), ok: true, value: 16 },
        {
            name: "a steep warm-up then flat: the warm-up is left out",
            samples: [...Array.from({ length: 4 }, (_, i) => [i * 15, 100 * MIB + i * 50 * MIB] as const), ...series(0, 60, 600)],
            ok: true,
            value: 0,
        },
    ])("memory: $name", ({ samples, ok, value }) => {
        const f = judgeMemory({ "api-blue-5d8f7c9b6-abcde": samples }, 0, bounds);
        expect([f.ok, f.value]).toEqual([ok, value]);
    });

    it("memory per pod: a pod the HPA adds mid-run is no leak (a sum of the pods would read it as one), a leaking pod is named", () => {
        const flat = series(0);
        // A second pod from 300 s on, with its own steep warm-up then flat: summed, the color would grow ~400 MiB in
        // 5 minutes, which is 4,800 MiB/h.
        const added = [[300, 100 * MIB], [315, 250 * MIB], [330, 300 * MIB], ...series(0, 360, 600)] as Sample[];
        expect(judgeMemory({ "api-blue-5d8f7c9b6-abcde": flat, "api-blue-5d8f7c9b6-klmno": added }, 0, bounds)).toMatchObject({ ok: true, value: 0 });
        const leaking = series((64 * MIB) / 3600);
        expect(judgeMemory({ "api-blue-5d8f7c9b6-abcde": flat, "api-blue-5d8f7c9b6-klmno": leaking }, 0, bounds)).toEqual({
            check: "memory-slope",
            ok: false,
            value: 64,
            bound: 32,
            detail: "working set slope 64 MiB/h in pod api-blue-5d8f7c9b6-klmno, the steepest of 2 pod(s), over 37 samples after warm-up (bound 32 MiB/h): a leak",
        });
    });

    it("memory and pool per pod: a pod replaced or added minutes before the end is not judged on its few samples; a leak in the pods seen longest still fails", () => {
        // A soak's hour after warm-up (3600..7200 s, samples every 15 s). A pod the autoscaler adds (or a drain
        // replaces) at 6600 s: after its own 300 s warm-up, 5 minutes of a working set still filling, +6 MiB.
        const soak = { ...bounds, warmupSeconds: 300 };
        const hour = series(0, 3600, 7200);
        const late = Array.from({ length: 21 }, (_, i) => [6900 + i * 15, 250 * MIB + i * 0.3 * MIB] as const) as Sample[];
        const lateAll = [[6600, 150 * MIB], [6750, 240 * MIB], ...late] as Sample[];
        expect(judgeMemory({ "api-blue-5d8f7c9b6-abcde": hour, "api-blue-5d8f7c9b6-klmno": lateAll }, 3600, soak)).toEqual({
            check: "memory-slope",
            ok: true,
            value: 0,
            bound: 32,
            detail: "working set slope 0 MiB/h in pod api-blue-5d8f7c9b6-abcde, the steepest of 2 pod(s), over 221 samples after warm-up (bound 32 MiB/h); 1 pod(s) seen after warm-up for under half the longest span not judged",
        });
        // The hour's pod leaking 64 MiB/h: still a leak.
        const leaking = series((64 * MIB) / 3600, 3600, 7200);
        expect(judgeMemory({ "api-blue-5d8f7c9b6-abcde": leaking, "api-blue-5d8f7c9b6-klmno": lateAll }, 3600, soak)).toMatchObject({ ok: false, value: 64 });
        // The late pod alone (the color's only pod): judged on what there is.
        expect(judgeMemory({ "api-blue-5d8f7c9b6-klmno": lateAll }, 3600, soak)).toMatchObject({ ok: false, value: 72 });
        // Its pool filling lazily under load, +2 connections in those 5 minutes: no pool instability either.
        const conns = (samples: readonly Sample[], f: (i: number) => number): Sample[] => samples.map(([t], i) => [t, f(i)] as const);
        expect(judgeDbTrend({ "api-blue-5d8f7c9b6-abcde": conns(hour, () => 10), "api-blue-5d8f7c9b6-klmno": conns(lateAll, (i) => 5 + Math.floor(i / 8)) }, 3600, soak)).toMatchObject({ ok: true, value: 0 });
    });

    it("memory with no sample after warm-up fails: a leak check that saw nothing proves nothing", () => {
        expect(judgeMemory({ "api-blue-5d8f7c9b6-abcde": [[0, 1], [30, 2]] }, 0, bounds)).toMatchObject({ ok: false, value: null, detail: "no memory samples after the 60 s warm-up (2 in all): the leak check cannot hold without them" });
        expect(judgeMemory({}, 0, bounds)).toMatchObject({ ok: false, value: null, detail: "no memory samples after the 60 s warm-up (0 in all): the leak check cannot hold without them" });
    });

    it("the soak's leak window: up to the end of its last stage with users, since a falling tail hides a leak", async () => {
        expect(usersEndMs(resolveScenario("soak", undefined, "/health/ready").stages)).toBe(65 * 60_000);
        expect(usersEndMs([{ durationMs: 60_000, target: 10 }, { durationMs: 60_000, target: 0 }, { durationMs: 60_000, target: 5 }])).toBe(180_000);
        expect(usersEndMs([{ durationMs: 60_000, target: 0 }])).toBe(0);
        // A pod leaking 64 MiB/h for an hour after its warm-up, then 200 MiB lower as its users leave (the last 5 minutes).
        const ranges: Record<string, string>[] = [];
        const prometheus = (path: string, params: Readonly<Record<string, string>>) => {
            if (path.endsWith("query_range")) ranges.push({ ...params });
            const [from, to, step] = [Number(params.start), Number(params.end), Number(params.step)];
            const values = Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step)
                .map((t) => [t, String(300 * MIB + ((64 * MIB) / 3600) * (t - 1000) - (t > 4900 ? 200 * MIB : 0))]);
            const result = path.endsWith("query_range") ? [{ metric: { pod: "api-blue-5d8f7c9b6-abcde" }, values }] : [{ metric: {}, value: [to, "0"] }];
            return Promise.resolve({ status: 200, body: JSON.stringify({ status: "success", data: { resultType: "matrix", result } }) });
        };
        const target = { prometheus, namespace: "ns", service: "api", color: "blue" };
        const soakBounds = { ...bounds, dbConnectionsQuery: "sum(x)" };
        const windowed = await judgeServer(target, 1000, 5200, soakBounds, { until: 4900 });
        expect(ranges[0].end).toBe("4900");
        expect(windowed[0]).toMatchObject({ check: "memory-slope", ok: false, value: 64 });
        // Over the whole run, the drop pulls the fitted slope under the bound: the leak passes.
        const whole = await judgeServer(target, 1000, 5200, soakBounds, true);
        expect(whole[0]).toMatchObject({ check: "memory-slope", ok: true });
    });

    it("the soak's pool: connections growing after warm-up fail, a pod the HPA adds does not, a configured query is one series", () => {
        const conn = (perHour: number, from = 0, to = 600, base = 10): Sample[] => Array.from({ length: (to - from) / 15 + 1 }, (_, i) => [from + i * 15, base + (perHour / 3600) * i * 15] as const);
        expect(judgeDbTrend({ "api-blue-5d8f7c9b6-abcde": conn(0) }, 0, bounds)).toMatchObject({ check: "db-connections-trend", ok: true, value: 0 });
        // A pool far under maxDbConnections (100) that leaks 12 connections an hour: the peak bound never sees it.
        expect(judgeDbTrend({ "api-blue-5d8f7c9b6-abcde": conn(12) }, 0, bounds)).toEqual({
            check: "db-connections-trend",
            ok: false,
            value: 12,
            bound: 4,
            detail: "database connections grew 12 per hour in pod api-blue-5d8f7c9b6-abcde after warm-up, over 37 samples (bound 4): the pool is not stable",
        });
        expect(judgeDbConnections(conn(12), "q", bounds)).toMatchObject({ ok: true });
        // A second pod from 300 s, its pool filling as it warms up: per pod, no growth (summed, +10 in 5 minutes).
        const added = [[300, 0], [315, 5], [330, 10], ...conn(0, 360, 600)] as Sample[];
        expect(judgeDbTrend({ "api-blue-5d8f7c9b6-abcde": conn(0), "api-blue-5d8f7c9b6-klmno": added }, 0, bounds)).toMatchObject({ ok: true, value: 0 });
        expect(judgeDbTrend({ "": conn(12) }, 0, bounds).detail).toBe("database connections grew 12 per hour after warm-up, over 37 samples (bound 4): the pool is not stable");
        expect(judgeDbTrend({}, 0, bounds)).toMatchObject({ ok: false, value: null });
        expect(dbTrendQuery(DEFAULT_SERVER_BOUNDS, APP, "ns", "api", "blue")).toBe('sum by (pod) (db_pool_connections_in_use{namespace="ns", service="api", color="blue"})');
        expect(dbTrendQuery({ ...DEFAULT_SERVER_BOUNDS, dbConnectionsQuery: "sum(pg_stat_activity_count)" }, APP, "ns", "api", "blue")).toBe("sum(pg_stat_activity_count)");
    });

    it("restarts and database connections against their bounds", () => {
        expect(judgeRestarts(0, bounds)).toMatchObject({ ok: true, value: 0 });
        expect(judgeRestarts(1, bounds)).toMatchObject({ ok: false, detail: "1 container restart(s) during the run (bound 0)" });
        expect(judgeRestarts(null, bounds)).toMatchObject({ ok: false, value: null });
        expect(judgeDbConnections([[0, 10], [15, 40], [30, 12]], "q", { ...bounds, maxDbConnections: 40 })).toMatchObject({ ok: true, value: 40 });
        expect(judgeDbConnections([[0, 10], [15, 41]], "q", { ...bounds, maxDbConnections: 40 })).toMatchObject({ ok: false, value: 41 });
        expect(judgeDbConnections([], "q", bounds)).toMatchObject({ ok: false, detail: "no samples of q" });
    });

    it.each([
        { name: "never over its bounds: recovered at once", p95: [[100, 0.05], [101, 0.05]], err: [[100, 0], [101, 0]], want: 0 },
        { name: "p95 over 0.2 s until 103, errors until 104: the later one counts", p95: [[100, 0.5], [103, 0.3], [104, 0.1], [105, 0.1]], err: [[100, 0.2], [104, 0.05], [105, 0]], want: 4 },
        { name: "still over at the end: not recovered", p95: [[100, 0.05], [101, 0.5]], err: [], want: null },
        { name: "samples before the spike do not count", p95: [[90, 9], [100, 0.05]], err: [[90, 1]], want: 0 },
        { name: "no sample at all: not recovered", p95: [], err: [], want: null },
    ] as { name: string; p95: Sample[]; err: Sample[]; want: number | null }[])("server-side spike recovery: $name", ({ p95, err, want }) => {
        expect(serverRecoverySeconds(p95, err, 100, 0.2, 0.01)).toBe(want);
    });

    it("server-side spike recovery is dated by the scrape the last bad figures came from, not by the evaluation that still shows them", () => {
        // Scrapes every 30 s at 95, 125, 155, 185: the interval ending at 125 was bad, the one ending at 155 good. Each
        // evaluation (1 s steps) shows the interval ending at the latest scrape before it, so 125..154 still read bad.
        const evaluations = Array.from({ length: 90 }, (_, i) => 100 + i);
        const scrapedAt = (t: number): number => 95 + 30 * Math.floor((t - 95) / 30);
        const p95: Sample[] = evaluations.map((t) => [t, scrapedAt(t) <= 125 ? 0.5 : 0.05]);
        const scraped: Sample[] = evaluations.map((t) => [t, scrapedAt(t)]);
        expect(serverRecoverySeconds(p95, [], 100, 0.2, 0.01, scraped)).toBe(25);
        // Without the scrape times, the last bad evaluation (154): a scrape interval late.
        expect(serverRecoverySeconds(p95, [], 100, 0.2, 0.01)).toBe(54);
        // A bad scrape before the spike's start reads as 0, not negative.
        expect(serverRecoverySeconds([[100, 0.5], [101, 0.05]], [], 100, 0.2, 0.01, [[100, 80], [101, 101]])).toBe(0);
    });

    it("server-side spike recovery reads a `<=` threshold as `<=`: a p95 or error ratio at the bound itself holds", () => {
        // histogram_quantile lands on a bucket's upper bound whenever the rank ends a bucket: 0.2 s exactly.
        const p95: Sample[] = [[100, 0.5], [101, 0.5], [102, 0.2], [103, 0.2]];
        expect(serverRecoverySeconds(p95, [], 100, { value: 0.2, inclusive: true }, undefined)).toBe(1);
        expect(serverRecoverySeconds(p95, [], 100, 0.2, undefined)).toBeNull();
        expect(serverRecoverySeconds([], [[100, 0.01], [101, 0.01]], 100, undefined, { value: 0.01, inclusive: true })).toBe(0);
        expect(serverRecoverySeconds([], [[100, 0.01], [101, 0.01]], 100, undefined, { value: 0.01, inclusive: false })).toBeNull();
    });

    it.each([
        // k6-docs testing-guides/api-load-testing.md writes ["p(95)<200", "p(95)<50"]: the client judges both, so the server's p95 is held to 50 ms.
        [["p(95)<200", "p(95)<50"], ["rate<0.05", "rate<0.01"], 0.05, 0.01],
        [["p(95)<=200"], ["rate<=0.01"], { value: 0.2, inclusive: true }, { value: 0.01, inclusive: true }],
        // At one value `<` is the tighter; other percentiles and operators set no p95 bound.
        [["p(95)<=200", "p(95)<200", "p(99)<100", "p(95)>10"], ["rate<=0.01", "rate<0.01"], 0.2, 0.01],
        [["p(99)<100"], ["rate>0.5"], undefined, undefined],
    ] as const)("the spike's server bounds are the tightest of the scenario's thresholds: %j %j", (duration, failed, p95, errors) => {
        const thresholds = parseThresholds({ http_req_duration: duration, http_req_failed: failed });
        expect(upperBound(thresholds, (t) => t.aggregation.method === "p" && t.aggregation.percentile === 95, 1000)).toEqual(p95);
        expect(upperBound(thresholds, (t) => t.aggregation.method === "rate")).toEqual(errors);
    });

    it("server-side spike recovery against its bound", () => {
        expect(judgeServerRecovery(4, { ...bounds, maxRecoverySeconds: 5 })).toMatchObject({ ok: true, detail: "the server's own p95 and 5xx ratio held again 4 s after the spike (bound 5 s)" });
        expect(judgeServerRecovery(6, { ...bounds, maxRecoverySeconds: 5 }).ok).toBe(false);
        expect(judgeServerRecovery(null, bounds).ok).toBe(false);
    });

    it("every query is PromQL that lezer-promql parses without an error node", () => {
        const sel = podSelector("launchpad-staging", "api", "blue");
        const q = recoveryQueries(APP, "launchpad-staging", "api", "blue");
        const db = dbConnectionsQuery(DEFAULT_SERVER_BOUNDS, APP, "launchpad-staging", "api", "blue");
        for (const expr of [memoryQuery(sel), restartsQuery(sel, 3600), q.p95, q.errors, q.scraped, db, dbTrendQuery(DEFAULT_SERVER_BOUNDS, APP, "launchpad-staging", "api", "blue") ?? ""]) {
            const errors: string[] = [];
            parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError) errors.push(`${expr} @${n.from}`); } });
            expect(errors).toEqual([]);
        }
        expect(q.errors).toBe('sum(irate(http_requests_total{namespace="launchpad-staging", service="api", color="blue", code=~"5.."}[120s])) / sum(irate(http_requests_total{namespace="launchpad-staging", service="api", color="blue"}[120s]))');
        expect(q.scraped).toBe('max(timestamp(http_requests_total{namespace="launchpad-staging", service="api", color="blue"}))');
    });

    it("every metric the judgement reads is in the catalogue, from a producer staging deploys, with only labels that producer attaches", () => {
        // Checked as tests/catalogue.test.ts checks the rules and panels: the queries as a staging run sends them.
        const config = parseConfig((({ project, stack, values, secretKeys }) => ({ project, stack, values, secretKeys, offlinePlan: true }))(stackConfigFor({ stack: "staging" })));
        const m = config.observability.metrics;
        const ctx = alertContext(config);
        const catalogue = metricCatalogue(m);
        const deployed = deployedProducers({ data: ctx.data !== undefined, containerMetrics: ctx.containerMetrics });
        const sel = podSelector(config.cluster.namespace, "api", "green");
        const q = recoveryQueries(m, config.cluster.namespace, "api", "green");
        const found: string[] = [];
        const problems: string[] = [];
        for (const expr of [memoryQuery(sel), restartsQuery(sel, 3600), dbConnectionsQuery(DEFAULT_SERVER_BOUNDS, m, config.cluster.namespace, "api", "green"), dbTrendQuery(DEFAULT_SERVER_BOUNDS, m, config.cluster.namespace, "api", "green") ?? "", q.p95, q.errors, q.scraped]) {
            parser.parse(expr).iterate({
                enter: (n) => {
                    if (n.type.name !== "VectorSelector") return;
                    const id = n.node.getChild("Identifier");
                    const metric = id === null ? "" : expr.slice(id.from, id.to);
                    const labels: string[] = [];
                    n.node.getChild("LabelMatchers")?.cursor().iterate((l) => { if (l.type.name === "LabelName") labels.push(expr.slice(l.from, l.to)); });
                    found.push(metric);
                    const spec = catalogue[metric];
                    if (spec === undefined) return void problems.push(`${metric} is not in the catalogue`);
                    if (!deployed.has(spec.producer)) problems.push(`${metric}'s producer ${spec.producer} is not deployed in staging`);
                    const foreign = labels.filter((l) => !spec.labels.includes(l));
                    if (foreign.length > 0) problems.push(`${metric} has no label ${foreign.join(", ")}`);
                },
            });
        }
        expect(problems).toEqual([]);
        expect([...new Set(found)].sort()).toEqual(["container_memory_working_set_bytes", "db_pool_connections_in_use", "http_request_duration_seconds_bucket", "http_requests_total", "kube_pod_container_status_restarts_total"]);
    });

    it("the recovery queries' range holds at least two of the stack's scrapes, which rate() and irate() need", () => {
        // The scrape interval is the one the scraper is configured with, not a copy of it.
        const metrics = parseConfig((({ project, stack, values, secretKeys }) => ({ project, stack, values, secretKeys, offlinePlan: true }))(stackConfigFor({ stack: "staging" }))).observability.metrics;
        expect((parse(scrapeConfiguration("launchpad-staging", metrics)) as { global: { scrape_interval: string } }).global.scrape_interval).toBe(`${SCRAPE_INTERVAL_SECONDS}s`);
        const q = recoveryQueries(APP, "launchpad-staging", "api", "blue");
        const ranges = [q.p95, q.errors].flatMap((e) => [...e.matchAll(/\[(\d+)s\]/g)].map((m) => Number(m[1])));
        expect(ranges.length).toBe(3);
        expect(ranges.every((r) => r >= 2 * SCRAPE_INTERVAL_SECONDS)).toBe(true);
    });

    it("database connections: by default the color's pool gauge of the application's metric contract, a metric every stack produces", () => {
        // The stack deploys no postgres_exporter (RDS has no Prometheus endpoint): a pg_stat_activity_count default had
        // no producer, so every server-judged run failed "no samples". The app's pool gauge is in the catalogue as "app".
        const metrics = parseConfig((({ project, stack, values, secretKeys }) => ({ project, stack, values, secretKeys, offlinePlan: true }))(stackConfigFor({ stack: "staging" }))).observability.metrics;
        const db = dbConnectionsQuery(DEFAULT_SERVER_BOUNDS, metrics, "launchpad-staging", "api", "green");
        expect(db).toBe('sum(db_pool_connections_in_use{namespace="launchpad-staging", service="api", color="green"})');
        expect(metricCatalogue(metrics)[metrics.dbPoolConnectionsInUse]).toMatchObject({ producer: "app" });
        expect(dbConnectionsQuery({ ...DEFAULT_SERVER_BOUNDS, dbConnectionsQuery: "sum(pg_stat_activity_count)" }, metrics, "ns", "api", "green")).toBe("sum(pg_stat_activity_count)");
    });

    it("selects a color's Deployment pods, not its Job pods", () => {
        const re = new RegExp(`^${/pod=~"([^"]+)"/.exec(podSelector("ns", "api", "green"))?.[1]}$`);
        expect(["api-green-5d8f7c9b6-abcde", "api-green-7c9b6d8f-x1y2z"].every((p) => re.test(p))).toBe(true);
        expect(["api-green-gate-abc12-xyz12", "api-green-migrate-0123456789-ab12c", "api-blue-5d8f7c9b6-abcde", "api-green-5d8f7c9b6-abcde-extra"].some((p) => re.test(p))).toBe(false);
        // The load gate's Job pod (`<svc>-<color>-load-<id>-<suffix>`) and an operator's run (`<svc>-<color>-loadtest-<scenario>-<suffix>`).
        expect(["api-green-load-0123456789-ab12c", "api-green-loadtest-spike-ab12c", "api-green-loadtest-load-ab12c"].some((p) => re.test(p))).toBe(false);
    });
});

/**
 * The app's own request metrics for api/green, as counters of time since the start: 100 fast
 * (10 ms) 200s a second throughout, and during the spike's bad spell [SPIKE_AT, SPIKE_AT + BAD_FOR]
 * 50 more a second, each a slow (500 ms) 500. Prometheus derives p95 and the 5xx ratio from them.
 */
const SPIKE_AT = 4;
const BAD_FOR = 5;
function appMetrics(t: number): string[] {
    const ok = 100 * t;
    const bad = 50 * Math.min(Math.max(t - SPIKE_AT, 0), BAD_FOR);
    const sel = 'namespace="launchpad-staging",service="api",color="green"';
    return [
        `http_requests_total{${sel},code="200"} ${ok}`,
        `http_requests_total{${sel},code="500"} ${bad}`,
        `http_request_duration_seconds_bucket{${sel},le="0.05"} ${ok}`,
        `http_request_duration_seconds_bucket{${sel},le="1"} ${ok + bad}`,
        `http_request_duration_seconds_bucket{${sel},le="+Inf"} ${ok + bad}`,
        `http_request_duration_seconds_count{${sel}} ${ok + bad}`,
        `http_request_duration_seconds_sum{${sel}} ${ok * 0.01 + bad * 0.5}`,
    ];
}

const PROMETHEUS = which("prometheus");
const RUN = IN_CI || process.env.LAUNCHPAD_PROMETHEUS_TEST === "1";
if (!RUN) {
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** loadtest-server: SKIPPING the real-Prometheus suite (about a minute). Run it with \`npm run test:prometheus\`; CI runs it.\n${bar}\n`);
}

describe.runIf(RUN)("judgeServer against a real Prometheus", () => {
    const NS = "launchpad-staging";
    let dir: string;
    let exporter: TestServer;
    let prometheus: ChildProcess;
    let url: string;
    let t0: number;
    let restartAt = Number.POSITIVE_INFINITY;
    let ordersRestarts = 0;

    beforeAll(async () => {
        if (PROMETHEUS === undefined) {
            throw new Error("prometheus not found; CI must install it: apt-get install -y prometheus");
        }
        t0 = Date.now() / 1000;
        exporter = await startServer((_req, res) => {
            const t = Date.now() / 1000 - t0;
            const pod = (name: string) => `namespace="${NS}",pod="${name}",container="api"`;
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end([
                `container_memory_working_set_bytes{${pod("api-blue-5d8f7c9b6-abcde")}} ${200 * MIB}`,
                // A second blue pod, flat at 300 MiB, that the HPA "adds" with the restart: no leak, though the sum jumps.
                ...(Date.now() > restartAt ? [`container_memory_working_set_bytes{${pod("api-blue-5d8f7c9b6-klmno")}} ${300 * MIB}`] : []),
                `container_memory_working_set_bytes{${pod("api-green-5d8f7c9b6-fghij")}} ${Math.round(200 * MIB + t * MIB)}`,
                // A Job pod of the same color growing fast: it must not count.
                `container_memory_working_set_bytes{${pod("api-blue-gate-abc12-xyz12")}} ${Math.round(100 * MIB + t * 50 * MIB)}`,
                // cart/blue's one pod, flat at 200 MiB, whose container restarts: as the kubelet's cAdvisor
                // endpoint writes them, a new cgroup (`id`, `name`) and explicit timestamps, so Prometheus
                // never marks the dead container's series stale and keeps it for its 5-minute lookback.
                ...(Date.now() > restartAt ? [] : [`container_memory_working_set_bytes{${pod("cart-blue-5d8f7c9b6-abcde").replace('"api"', '"cart"')},id="/kubepods/burstable/pod1/aaa",name="aaa"} ${200 * MIB} ${Date.now()}`]),
                ...(Date.now() > restartAt ? [`container_memory_working_set_bytes{${pod("cart-blue-5d8f7c9b6-abcde").replace('"api"', '"cart"')},id="/kubepods/burstable/pod1/bbb",name="bbb"} ${200 * MIB} ${Date.now()}`] : []),
                `kube_pod_container_status_restarts_total{${pod("api-blue-5d8f7c9b6-abcde")}} 0`,
                // The restart comes after Prometheus's third scrape, so its scrapes see the counter before and after.
                `kube_pod_container_status_restarts_total{${pod("api-green-5d8f7c9b6-fghij")}} ${Date.now() > restartAt ? 1 : 0}`,
                // The pool gauge of the app's metric contract, per pod: blue holds 5 + 7, green 3; production's blue
                // (another namespace, as a shared Prometheus sees it) must not count.
                `db_pool_connections_in_use{namespace="${NS}",service="api",color="blue",pod="api-blue-5d8f7c9b6-abcde"} 5`,
                `db_pool_connections_in_use{namespace="${NS}",service="api",color="blue",pod="api-blue-5d8f7c9b6-klmno"} 7`,
                `db_pool_connections_in_use{namespace="${NS}",service="api",color="green",pod="api-green-5d8f7c9b6-fghij"} 3`,
                'db_pool_connections_in_use{namespace="launchpad-production",service="api",color="blue",pod="api-blue-6f7d8c9b5-pqrst"} 90',
                `pg_stat_activity_count{datname="app",state="active"} 30`,
                // The watch's run: orders/green's restart counter the test bumps mid-run; orders/blue stays healthy.
                `kube_pod_container_status_restarts_total{${pod("orders-green-5d8f7c9b6-qrstu")}} ${ordersRestarts}`,
                `kube_pod_container_status_restarts_total{${pod("orders-blue-5d8f7c9b6-vwxyz")}} 0`,
                `db_pool_connections_in_use{namespace="${NS}",service="orders",color="green",pod="orders-green-5d8f7c9b6-qrstu"} 4`,
                `db_pool_connections_in_use{namespace="${NS}",service="orders",color="blue",pod="orders-blue-5d8f7c9b6-vwxyz"} 4`,
                ...appMetrics(Date.now() / 1000 - t0),
                "",
            ].join("\n"));
        });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-prom-"));
        const port = await closedPort();
        url = `http://127.0.0.1:${port}`;
        fs.writeFileSync(path.join(dir, "prometheus.yml"), [
            "global: { scrape_interval: 1s, evaluation_interval: 1s }",
            "scrape_configs:",
            "  - job_name: exporter",
            "    honor_labels: true",
            `    static_configs: [{ targets: ["${new URL(exporter.url).host}"] }]`,
            "",
        ].join("\n"));
        prometheus = spawn(PROMETHEUS, [
            `--config.file=${path.join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${path.join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
        ], { stdio: "ignore" });
        // Count scrapes rather than wait fixed times: a busy machine starts Prometheus and its first scrape late.
        const scrapes = async (): Promise<number> => {
            // Not up yet: no answer, or "Service Unavailable" (503, text) while Prometheus starts.
            const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="exporter"}[10m])')}`)
                .then((x) => (x.ok ? (x.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>) : undefined))
                .catch(() => undefined);
            return Number(r?.data?.result?.[0]?.value[1] ?? 0);
        };
        const until = async (n: number): Promise<void> => {
            for (let i = 0; i < 300 && (await scrapes()) < n; i++) await new Promise((r) => setTimeout(r, 100));
        };
        // Three scrapes before the restart, eight after: points on both sides, and for a slope after the 2 s warm-up.
        await until(3);
        restartAt = Date.now();
        await until(11);
    }, 60_000);

    afterAll(async () => {
        prometheus?.kill("SIGTERM");
        await exporter?.close();
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    const serverBounds = { ...DEFAULT_SERVER_BOUNDS, warmupSeconds: 2, maxDbConnections: 20 };

    it("a flat working set is no leak; no restart; connections within bounds", async () => {
        const end = Date.now() / 1000;
        const findings = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "blue", metrics: APP }, t0, end, serverBounds, true);
        expect(findings.map((f) => [f.check, f.ok])).toEqual([["memory-slope", true], ["restarts", true], ["db-connections", true], ["db-connections-trend", true]]);
        expect(findings[0]).toMatchObject({ value: 0, detail: expect.stringContaining("the steepest of 2 pod(s)") as unknown });
        // The blue pool's two pods, 5 + 7, not production's 90 nor green's 3.
        expect(findings[2]).toMatchObject({ value: 12, detail: "at most 12 database connection(s) (bound 20)" });
    });

    it("a container restart is no leak: the dead container's series, kept by its explicit timestamps, does not add to the pod's working set", async () => {
        const end = Date.now() / 1000;
        const [memory] = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "cart", color: "blue", metrics: APP }, t0, end, serverBounds, true);
        // Summed, the pod read 200 MiB then 400 MiB from the restart on: thousands of MiB/h.
        expect(memory).toMatchObject({ check: "memory-slope", ok: true, value: 0 });
    });

    it("a working set growing 1 MiB/s is a leak (3,600 MiB/h), and the restart is seen", async () => {
        const end = Date.now() / 1000;
        const findings = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "green", metrics: APP }, t0, end, serverBounds, true);
        expect(findings.map((f) => [f.check, f.ok])).toEqual([["memory-slope", false], ["restarts", false], ["db-connections", true], ["db-connections-trend", true]]);
        // Scrapes land within the second, so the measured slope is near, not at, 3,600 MiB/h.
        expect(findings[0].value).toBeGreaterThan(3_000);
        expect(findings[0].value).toBeLessThan(4_200);
        expect(findings[1].value).toBeGreaterThanOrEqual(1);
        expect(findings[2].value).toBe(3);
    });

    it("through a workspace stand-in that checks every SigV4 signature (as AMP does) in front of this Prometheus: the same leak and restart verdicts", async () => {
        const credentials = { accessKeyId: "ASIALAUNCHPADTEST", secretAccessKey: "launchpad-test-secret-key", sessionToken: "launchpad-test-session-token" };
        const verdicts: boolean[] = [];
        // Forwards the request as received (the signer's canonical query string) to the real Prometheus.
        const workspace = await startServer((req, res) => {
            void validSigV4(req, credentials, "eu-west-1").then(async (valid) => {
                verdicts.push(valid);
                if (!valid) {
                    res.writeHead(403, { "content-type": "application/json" });
                    res.end(JSON.stringify({ message: "signature mismatch" }));
                    return;
                }
                const upstream = await fetch(`${url}${(req.url ?? "/").replace(/^\/workspaces\/ws-1/, "")}`);
                res.writeHead(upstream.status, { "content-type": "application/json" });
                res.end(await upstream.text());
            });
        });
        try {
            const signed = prometheusGet({ url: `${workspace.url}/workspaces/ws-1/`, sigV4Region: "eu-west-1" }, ampSigner("eu-west-1", credentials));
            const end = Date.now() / 1000;
            const findings = await judgeServer({ prometheus: signed, namespace: NS, service: "api", color: "green", metrics: APP }, t0, end, serverBounds, true);
            expect(findings.map((f) => [f.check, f.ok])).toEqual([["memory-slope", false], ["restarts", false], ["db-connections", true], ["db-connections-trend", true]]);
            expect(findings[0].value).toBeGreaterThan(3_000);
            expect(findings[1].value).toBeGreaterThanOrEqual(1);
            // Memory, restarts, the connections peak and their trend per pod.
            expect(verdicts.length).toBe(4);
            expect(verdicts.every((v) => v)).toBe(true);
            // A wrong key never reaches Prometheus.
            await expect(judgeServer({ prometheus: prometheusGet({ url: `${workspace.url}/workspaces/ws-1/`, sigV4Region: "eu-west-1" }, ampSigner("eu-west-1", { ...credentials, secretAccessKey: "wrong" })), namespace: NS, service: "api", color: "green", metrics: APP }, t0, end, serverBounds, true))
                .rejects.toThrow("Prometheus /api/v1/query_range failed: HTTP 403: signature mismatch");
        } finally {
            await workspace.close();
        }
    });

    it("spike recovery: the server's own p95 and 5xx ratio, between scrapes, hold again within a scrape of the 5 s bad spell's end", async () => {
        // Two scrapes after the bad spell: the one that still counts its last bad requests, and one with good figures.
        const spikeStart = t0 + SPIKE_AT;
        while (Date.now() / 1000 < spikeStart + BAD_FOR + 3) await new Promise((r) => setTimeout(r, 250));
        const end = Date.now() / 1000;
        const spike = { metrics: APP, start: spikeStart, p95BoundSeconds: 0.2, errorBound: 0.01 };
        const findings = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "green", metrics: APP }, t0, end, { ...serverBounds, maxRecoverySeconds: 60 }, false, spike);
        const recovery = findings.find((f) => f.check === "spike-recovery");
        // The last bad requests are counted by the first scrape at or after the bad spell's end (scrapes every 1 s).
        expect(recovery?.ok).toBe(true);
        expect(recovery?.value).toBeGreaterThanOrEqual(BAD_FOR);
        expect(recovery?.value).toBeLessThanOrEqual(BAD_FOR + 1.5);
        const strict = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "green", metrics: APP }, t0, end, { ...serverBounds, maxRecoverySeconds: 3 }, false, spike);
        expect(strict.find((f) => f.check === "spike-recovery")?.ok).toBe(false);
    }, 90_000);

    it("a spike scenario of hours: the recovery queries stay under Prometheus' 11,000 points per series (web/api/v1/api.go queryRange)", async () => {
        // A 4 h run whose spike came 3.5 h before its end: at 1 s steps, 12,600 points, which Prometheus refuses
        // ("exceeded maximum resolution of 11,000 points per timeseries"), and the whole server judgement was lost.
        const spikeEnd = t0 + SPIKE_AT + BAD_FOR;
        while (Date.now() / 1000 < spikeEnd + 3) await new Promise((r) => setTimeout(r, 250));
        const end = Date.now() / 1000;
        const spike = { metrics: APP, start: end - 12_600, p95BoundSeconds: 0.2, errorBound: 0.01 };
        const findings = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "green", metrics: APP }, end - 14_400, end, { ...serverBounds, maxRecoverySeconds: 60 }, false, spike);
        const recovery = findings.find((f) => f.check === "spike-recovery");
        // Recovered by the bad spell's end, read on a grid of 2 s steps (12,600 / 11,000, rounded up) that
        // starts at the query's own start, not at the spell's end: the first point read as recovered is
        // within a step of it on either side (a run on 2026-12-07 read it 1.04 s before, within the step).
        expect(recovery?.value).toBeGreaterThanOrEqual(spikeEnd - spike.start - 2);
        expect(recovery?.value).toBeLessThanOrEqual(spikeEnd - spike.start + 4);
    }, 90_000);

    it("the connection bound is judged on the configured query when one is set, and on the pool otherwise", async () => {
        const end = Date.now() / 1000;
        const target = { prometheus: prometheusGet({ url }), namespace: NS, service: "api", color: "blue", metrics: APP };
        const configured = await judgeServer(target, t0, end, { ...serverBounds, dbConnectionsQuery: "sum(pg_stat_activity_count)" }, false);
        expect(configured.map((f) => [f.check, f.ok, f.value])).toEqual([["restarts", true, 0], ["db-connections", false, 30]]);
        const pool = await judgeServer(target, t0, end, { ...serverBounds, maxDbConnections: 10 }, false);
        expect(pool.map((f) => [f.check, f.ok, f.value])).toEqual([["restarts", true, 0], ["db-connections", false, 12]]);
    });

    it("a color with no pods in Prometheus fails every check: no series is not \"no restart\"", async () => {
        const end = Date.now() / 1000;
        const findings = await judgeServer({ prometheus: prometheusGet({ url }), namespace: NS, service: "worker", color: "blue", metrics: APP }, t0, end, serverBounds, true);
        expect(findings.map((f) => [f.check, f.ok, f.value])).toEqual([["memory-slope", false, null], ["restarts", false, null], ["db-connections", false, null], ["db-connections-trend", false, null]]);
    });

    describe("the watch during the run", () => {
        let app: TestServer;
        beforeAll(async () => {
            app = await startServer((_req, res) => res.end("ok"));
        });
        afterAll(async () => {
            await app?.close();
        });
        const scenario = (seconds: number): Scenario => twoUserScenario("load", [{ duration: "1s", durationMs: 1_000, target: 2 }, { duration: `${seconds - 1}s`, durationMs: (seconds - 1) * 1_000, target: 2 }]);
        const spec = (color: string, seconds: number): RunSpec => ({ service: "orders", color, namespace: NS, target: app.url, image: "ghcr.io/acme/orders:1.0.0", scenario: scenario(seconds), server: serverBounds, prometheus: { url }, appMetrics: APP });
        const summaryOf = (stdout: string): LoadtestSummary => JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "") as LoadtestSummary;
        const POLL = /^poll \d+ at \d+ s of (60|6) s: restarts (0|no series yet) \(bound 0\), db connections (4|no series yet) \(bound 20\)$/;

        it("a restart mid-run stops a 60 s run within seconds, with a failing verdict that says so", async () => {
            const lines: string[] = [];
            const bump = setTimeout(() => { ordersRestarts = 1; }, 3_000);
            const t = Date.now();
            const r = await runSpec(spec("green", 60), true, { watchIntervalSeconds: 2, progress: (l) => lines.push(l) });
            clearTimeout(bump);
            const s = summaryOf(r.stdout);
            // Bump at 3 s, Prometheus scrapes every 1 s, the watch polls every 2 s: a stop by about 6 s; 30 s allows a busy machine.
            expect(Date.now() - t).toBeLessThan(30_000);
            expect(s.run.elapsedMs).toBeLessThan(30_000);
            expect(r.code).toBe(1);
            expect(s.verdict).toBe("fail");
            expect(s.stoppedEarly?.finding).toEqual({ check: "restarts", ok: false, value: 1, bound: 0, detail: "1 container restart(s) during the run (bound 0)" });
            expect(s.reasons).toEqual([
                `stopped early, ${s.stoppedEarly?.atSeconds} s into 60 s of stages, by the server-side watch: 1 container restart(s) during the run (bound 0)`,
                "server: 1 container restart(s) during the run (bound 0)",
            ]);
            expect(s.stoppedEarly?.atSeconds).toBeGreaterThanOrEqual(3);
            expect(lines.at(-1)).toBe(`poll ${lines.length} at ${s.stoppedEarly?.atSeconds} s of 60 s: restarts 1 (bound 0), db connections 4 (bound 20)`);
            expect(lines.slice(0, -1).every((l) => POLL.test(l))).toBe(true);
        }, 60_000);

        it("a healthy color runs every stage, a progress line per poll, and passes", async () => {
            const lines: string[] = [];
            const r = await runSpec(spec("blue", 6), true, { watchIntervalSeconds: 2, progress: (l) => lines.push(l) });
            const s = summaryOf(r.stdout);
            expect([r.code, s.verdict, s.reasons, s.stoppedEarly]).toEqual([0, "pass", [], null]);
            expect(s.run.elapsedMs).toBeGreaterThanOrEqual(6_000);
            expect(lines.length).toBeGreaterThanOrEqual(2);
            expect(lines.filter((l) => !POLL.test(l))).toEqual([]);
            expect(s.server?.map((f) => [f.check, f.ok, f.value])).toEqual([["restarts", true, 0], ["db-connections", true, 4]]);
        }, 60_000);
    });
});
