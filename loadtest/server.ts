/**
 * Server-side judgement from the stack's Prometheus: what the client cannot see. For the target
 * color's pods over the run: each pod's memory working set slope after warm-up (a leak), container
 * restarts, and the database's open connections (the pool stays bounded, and over a soak stable).
 *
 * Metric sources: cAdvisor's `container_memory_working_set_bytes` (what the kubelet evicts on),
 * kube-state-metrics' `kube_pod_container_status_restarts_total`, and for database connections the
 * application's own pool gauge (`observability.metrics.dbPoolConnectionsInUse`, a producer every
 * stack has: the stack runs no postgres_exporter, and RDS exposes no Prometheus endpoint) unless
 * `performance.server.dbConnectionsQuery` names another query. Queries go through
 * Prometheus's HTTP API (`/api/v1/query_range`, `/api/v1/query`; docs: prometheus.io/docs/prometheus/latest/querying/api/).
 */
import { CADVISOR_METRICS, KSM_CONTAINER_METRICS, SCRAPE_INTERVAL_SECONDS } from "../observability/catalogue";
import type { ServerBounds } from "./profile";
import type { PrometheusGet } from "../scripts/prometheus";

/**
 * A color's pods: `<service>-<color>-<replicaset hash>-<suffix>`, not its gate, load or migration Job
 * pods. The kubelet labels cAdvisor's series `pod`, `namespace` and `container`, and gives the pod's own
 * cgroup (the sum of its containers) `container=""` (kubernetes/kubernetes pkg/kubelet/server/server.go
 * `containerPrometheusLabelsFunc`): `container!=""` keeps a pod from counting twice, `container!="POD"`
 * drops a runtime's sandbox container where it reports one. kube-state-metrics' per-container series
 * carry the same three labels (catalogue KSM_CONTAINER_METRICS).
 */
export function podSelector(namespace: string, service: string, color: string): string {
    return `namespace="${namespace}", pod=~"${service}-${color}-[a-z0-9]{5,10}-[a-z0-9]{5}", container!="", container!="POD"`;
}

/**
 * Per pod: the HPA may add pods to the color during a run, and a sum would read each one as a leak.
 * Within a pod, one series per container name (`max by (pod, container)`): a restarted container
 * is a new cgroup, so a new series (labels `id`, `name`: kubelet `containerPrometheusLabelsFunc`),
 * and the kubelet's cAdvisor endpoint writes explicit timestamps (since Kubernetes 1.18:
 * prometheus-operator/kube-prometheus#695), which Prometheus never marks stale ("only the 5 minute
 * threshold is applied", prometheus.io querying/basics.md "Staleness"; the scrape job here keeps
 * AWS's default `honor_timestamps`). For five minutes after a restart the dead container's last
 * value stays beside the new one, and a sum doubles the pod's working set: a step a soak's slope
 * reads as a leak.
 */
export function memoryQuery(selector: string): string {
    return `sum by (pod) (max by (pod, container) (${CADVISOR_METRICS.memoryWorkingSet}{${selector}}))`;
}

/**
 * No `or vector(0)`: a color with running pods always has the series (0 when nothing restarted), so
 * no series means kube-state-metrics is not scraped or the color ran no pods, and must not read as
 * "no restart".
 */
export function restartsQuery(selector: string, seconds: number): string {
    return `sum(increase(${KSM_CONTAINER_METRICS.restartsTotal}{${selector}}[${Math.max(1, Math.ceil(seconds))}s]))`;
}

export type Sample = readonly [seconds: number, value: number];

/** Least-squares slope of the samples, per second; null with fewer than two distinct times. */
export function slopePerSecond(samples: readonly Sample[]): number | null {
    const n = samples.length;
    if (n < 2) return null;
    const mt = samples.reduce((a, [t]) => a + t, 0) / n;
    const mv = samples.reduce((a, [, v]) => a + v, 0) / n;
    let num = 0;
    let den = 0;
    for (const [t, v] of samples) {
        num += (t - mt) * (v - mv);
        den += (t - mt) ** 2;
    }
    return den === 0 ? null : num / den;
}

export interface ServerFinding {
    readonly check: "memory-slope" | "restarts" | "db-connections" | "db-connections-trend" | "spike-recovery";
    readonly ok: boolean;
    /** The measured figure, null when Prometheus had none. */
    readonly value: number | null;
    readonly bound: number;
    readonly detail: string;
}

const MIB = 1024 * 1024;

/**
 * The steepest least-squares slope among the series, each after its own first sample plus the
 * warm-up (a pod the HPA added mid-run warms up then), of the series seen after warm-up for at
 * least half as long as the longest. A least-squares slope's standard error is σ/√Σ(t - t̄)², about
 * σ·√12/(√n·T) over n samples spread across T: with the working set's few MiB of GC noise, a pod
 * added or replaced (the autoscaler, a drain) five minutes before the window ends reads ±40 MiB/h on
 * noise alone, over the 32 MiB/h bound, where an hour's pod reads ±1. A leak grows in every pod that
 * serves, so the pods seen longest still show it.
 */
function steepestAfterWarmup(series: Readonly<Record<string, readonly Sample[]>>, runStart: number, warmupSeconds: number): { steepest?: { pod: string; slope: number; samples: number }; all: number; short: number } {
    let all = 0;
    const afterWarmup = Object.entries(series).map(([pod, samples]) => {
        all += samples.length;
        const first = Math.max(runStart, Math.min(...samples.map(([t]) => t)));
        const after = samples.filter(([t]) => t >= first + warmupSeconds);
        return { pod, after, span: after.length === 0 ? 0 : after[after.length - 1][0] - after[0][0] };
    });
    const longest = Math.max(0, ...afterWarmup.map((s) => s.span));
    let steepest: { pod: string; slope: number; samples: number } | undefined;
    let short = 0;
    for (const { pod, after, span } of afterWarmup) {
        if (2 * span < longest) {
            short++;
            continue;
        }
        const slope = slopePerSecond(after);
        if (slope !== null && (steepest === undefined || slope > steepest.slope)) steepest = { pod, slope, samples: after.length };
    }
    return { steepest, all, short };
}

/** The detail's note of the pods left out by `steepestAfterWarmup`. */
const shortNote = (short: number): string => (short === 0 ? "" : `; ${short} pod(s) seen after warm-up for under half the longest span not judged`);

/**
 * The leak rule: after warm-up, no pod's working set grows faster than the bound, MiB per hour. Each
 * pod warms up from its own first sample (a pod the HPA added mid-run fills its caches then too); the
 * figure is the steepest pod's slope, since a leak grows in every pod that serves.
 */
export function judgeMemory(pods: Readonly<Record<string, readonly Sample[]>>, runStart: number, bounds: ServerBounds): ServerFinding {
    const bound = bounds.maxMemorySlopeMiBPerHour;
    const { steepest, all, short } = steepestAfterWarmup(pods, runStart, bounds.warmupSeconds);
    if (steepest === undefined) {
        return { check: "memory-slope", ok: false, value: null, bound, detail: `no memory samples after the ${bounds.warmupSeconds} s warm-up (${all} in all): the leak check cannot hold without them` };
    }
    const perHour = (steepest.slope * 3600) / MIB;
    const value = Math.round(perHour * 100) / 100;
    const count = Object.keys(pods).length;
    return {
        check: "memory-slope",
        ok: perHour <= bound,
        value,
        bound,
        detail: `working set slope ${value} MiB/h in pod ${steepest.pod}, the steepest of ${count} pod(s), over ${steepest.samples} samples after warm-up (bound ${bound} MiB/h)${shortNote(short)}${perHour > bound ? ": a leak" : ""}`,
    };
}

/**
 * `restarts` is `increase()`, which Prometheus extrapolates to the window's ends
 * (prometheus/prometheus promql/functions.go `extrapolatedRate`: the sampled delta times the
 * window over the sampled span, never less than the delta), so one restart may read 1.2. Restarts
 * are whole: rounded, and a counted restart stays at least 1.
 */
export function judgeRestarts(measured: number | null, bounds: ServerBounds): ServerFinding {
    const restarts = measured === null ? null : Math.round(measured);
    const ok = restarts !== null && restarts <= bounds.maxRestarts;
    return { check: "restarts", ok, value: restarts, bound: bounds.maxRestarts, detail: restarts === null ? `no ${KSM_CONTAINER_METRICS.restartsTotal} series for the color's pods over the run: kube-state-metrics is not scraped, or the color ran no pods` : `${restarts} container restart(s) during the run (bound ${bounds.maxRestarts})` };
}

export function judgeDbConnections(samples: readonly Sample[], query: string, bounds: ServerBounds): ServerFinding {
    if (samples.length === 0) {
        return { check: "db-connections", ok: false, value: null, bound: bounds.maxDbConnections, detail: `no samples of ${query}` };
    }
    const peak = Math.max(...samples.map(([, v]) => v));
    return { check: "db-connections", ok: peak <= bounds.maxDbConnections, value: peak, bound: bounds.maxDbConnections, detail: `at most ${peak} database connection(s) (bound ${bounds.maxDbConnections})` };
}

/**
 * The soak's pool rule: after warm-up, the color's connections grow at most the bound per hour. A
 * peak bound alone never catches a leak in pools smaller than it; a leaked connection stays in use,
 * so the count climbs however small the pool.
 */
export function judgeDbTrend(series: Readonly<Record<string, readonly Sample[]>>, runStart: number, bounds: ServerBounds): ServerFinding {
    const bound = bounds.maxDbConnectionsSlopePerHour;
    const { steepest, all, short } = steepestAfterWarmup(series, runStart, bounds.warmupSeconds);
    if (steepest === undefined) {
        return { check: "db-connections-trend", ok: false, value: null, bound, detail: `no database connection samples after the ${bounds.warmupSeconds} s warm-up (${all} in all): the pool's stability cannot be judged without them` };
    }
    const perHour = steepest.slope * 3600;
    const value = Math.round(perHour * 100) / 100;
    const where = steepest.pod === "" ? "" : ` in pod ${steepest.pod}`;
    return { check: "db-connections-trend", ok: perHour <= bound, value, bound, detail: `database connections grew ${value} per hour${where} after warm-up, over ${steepest.samples} samples (bound ${bound})${shortNote(short)}${perHour > bound ? ": the pool is not stable" : ""}` };
}

/**
 * The pool rule's query: per pod for the application's gauge (the HPA may add pods, each with its own
 * pool, and a sum would read that as growth), or the configured query as it is (one series).
 */
export function dbTrendQuery(bounds: ServerBounds, m: AppMetrics | undefined, namespace: string, service: string, color: string): string | undefined {
    return bounds.dbConnectionsQuery ?? (m === undefined ? undefined : `sum by (pod) (${m.dbPoolConnectionsInUse}{${appSelector(m, namespace, service, color)}})`);
}

/** The application's metrics the suite reads, as `launchpad:observability.metrics` names them. */
export interface AppMetrics {
    readonly requestsTotal: string;
    readonly requestDurationSeconds: string;
    readonly dbPoolConnectionsInUse: string;
    readonly statusLabel: string;
    readonly serviceLabel: string;
    readonly colorLabel: string;
}

/**
 * A color's series of the application's metrics. The namespace too (the scrape attaches it, see
 * observability/scrape-config.ts): a Prometheus that also scrapes another stack sees the same
 * service and color there.
 */
function appSelector(m: AppMetrics, namespace: string, service: string, color: string): string {
    return `namespace="${namespace}", ${m.serviceLabel}="${service}", ${m.colorLabel}="${color}"`;
}

/** The query the connection bound is judged on: the configured one, else the color's pool in use. */
export function dbConnectionsQuery(bounds: ServerBounds, m: AppMetrics, namespace: string, service: string, color: string): string {
    return bounds.dbConnectionsQuery ?? `sum(${m.dbPoolConnectionsInUse}{${appSelector(m, namespace, service, color)}})`;
}

/**
 * The range of the recovery queries: four scrape intervals. irate() reads only the last two samples
 * in it, so the range adds no lag; it only has to hold two samples, also when a scrape is missed. A
 * range of one scrape interval (the 30 s these queries had, with the stack's 30 s scrapes) holds
 * one sample and gives no value at all.
 */
export const RECOVERY_RANGE_SECONDS = 4 * SCRAPE_INTERVAL_SECONDS;

/**
 * The color's p95 in seconds and its 5xx ratio between each pod's last two scrapes (`irate`:
 * "based on the last two data points", prometheus/prometheus docs/querying/functions.md), and
 * `scraped`, the time of the latest of those scrapes (`timestamp()`: "the timestamp of each of the
 * samples", same page), which dates the figures the others give at an evaluation time.
 */
export function recoveryQueries(m: AppMetrics, namespace: string, service: string, color: string): { p95: string; errors: string; scraped: string } {
    const sel = appSelector(m, namespace, service, color);
    const r = `${RECOVERY_RANGE_SECONDS}s`;
    return {
        p95: `histogram_quantile(0.95, sum by (le) (irate(${m.requestDurationSeconds}_bucket{${sel}}[${r}])))`,
        errors: `sum(irate(${m.requestsTotal}{${sel}, ${m.statusLabel}=~"5.."}[${r}])) / sum(irate(${m.requestsTotal}{${sel}}[${r}]))`,
        scraped: `max(timestamp(${m.requestsTotal}{${sel}}))`,
    };
}

/**
 * An upper bound a scenario's threshold sets: a number is `< value` (the users' `p(95)<200`,
 * `rate<0.01`); `inclusive` is a `<=` threshold's, which the value itself meets.
 */
export type Bound = number | { readonly value: number; readonly inclusive: boolean };

/** `v` within the bound, as the threshold's own operator reads it (loadtest/thresholds.ts `compare`). */
export function holds(v: number, b: Bound): boolean {
    return typeof b === "number" ? v < b : b.inclusive ? v <= b.value : v < b.value;
}

/**
 * Seconds from the spike's start until the server's own p95 and 5xx ratio are back within bounds
 * for good (0 when none broke them), or null when the last evaluation still breaks one, or there is
 * none. A missing error sample (no traffic between two scrapes) breaks nothing.
 *
 * The figures at an evaluation time are those of the scrape interval that ended at the latest
 * scrape before it (`scraped`): the server recovered by that scrape, so the reading is that scrape's
 * time, not the evaluation's (which comes up to a scrape interval later, when the next scrape shows
 * good figures). Without a `scraped` sample there, the evaluation time. The reading is therefore at
 * most one scrape interval after the real recovery, never before it.
 */
export function serverRecoverySeconds(p95: readonly Sample[], errors: readonly Sample[], spikeStart: number, p95BoundSeconds: Bound | undefined, errorBound: Bound | undefined, scraped: readonly Sample[] = []): number | null {
    const bad = new Map<number, boolean>();
    for (const [t, v] of p95) if (t >= spikeStart) bad.set(t, (bad.get(t) ?? false) || (p95BoundSeconds !== undefined && !holds(v, p95BoundSeconds)));
    for (const [t, v] of errors) if (t >= spikeStart) bad.set(t, (bad.get(t) ?? false) || (errorBound !== undefined && !holds(v, errorBound)));
    const times = [...bad.keys()].sort((a, b) => a - b);
    if (times.length === 0 || bad.get(times[times.length - 1]) === true) {
        return null;
    }
    const lastBad = times.filter((t) => bad.get(t) === true).at(-1);
    if (lastBad === undefined) {
        return 0;
    }
    const at = new Map(scraped);
    const when = Math.min(lastBad, at.get(lastBad) ?? lastBad);
    return Math.max(0, Math.round((when - spikeStart) * 10) / 10);
}

export function judgeServerRecovery(seconds: number | null, bounds: ServerBounds): ServerFinding {
    return {
        check: "spike-recovery",
        ok: seconds !== null && seconds <= bounds.maxRecoverySeconds,
        value: seconds,
        bound: bounds.maxRecoverySeconds,
        detail: seconds === null ? "the server's own p95 or 5xx ratio was still over its bound at the end of the run" : `the server's own p95 and 5xx ratio held again ${seconds} s after the spike (bound ${bounds.maxRecoverySeconds} s)`,
    };
}

interface PromResponse {
    readonly status: string;
    readonly error?: string;
    readonly data?: { readonly resultType: string; readonly result: readonly { readonly metric?: Readonly<Record<string, string>>; readonly values?: readonly [number, string][]; readonly value?: [number, string] }[] };
}

/** One API call through the run's query function (plain, or SigV4-signed for AMP: scripts/prometheus.ts). */
async function api(get: PrometheusGet, path: string, params: Record<string, string>): Promise<PromResponse> {
    const answer = await get(path, params);
    let body: PromResponse & { message?: string };
    try {
        body = JSON.parse(answer.body) as typeof body;
    } catch {
        throw new Error(`Prometheus ${path} failed: HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    }
    if (body.status !== "success") {
        // AMP refuses a request it cannot authorise with `{"message": ...}` (403), not Prometheus' `error`.
        throw new Error(`Prometheus ${path} failed: HTTP ${answer.status}: ${body.error ?? body.message ?? answer.body.slice(0, 200)}`);
    }
    return body;
}

const samplesOf = (values: readonly [number, string][] | undefined): Sample[] =>
    (values ?? []).map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v));

/** A range query's single series (summed queries have one), as samples. */
export async function queryRange(get: PrometheusGet, query: string, start: number, end: number, stepSeconds: number): Promise<Sample[]> {
    const body = await api(get, "/api/v1/query_range", rangeParams(query, start, end, stepSeconds));
    return samplesOf(body.data?.result[0]?.values);
}

/**
 * The most steps a range query may span: Prometheus refuses more ("exceeded maximum resolution of
 * 11,000 points per timeseries", prometheus/prometheus web/api/v1/api.go `queryRange`: `end.Sub(start)/step > 11000`).
 */
export const MAX_RANGE_POINTS = 11_000;

/**
 * A range query's parameters on a grid that ends at `end` itself: Prometheus evaluates at start,
 * start + step, ... up to end (querying/api.md "Range queries"), so a grid counted from `start` could
 * stop up to a step before `end` and miss the latest scrape (the one that shows a spike's recovery).
 */
function rangeParams(query: string, start: number, end: number, stepSeconds: number): Record<string, string> {
    const from = end - Math.floor((end - start) / stepSeconds) * stepSeconds;
    return { query, start: String(from), end: String(end), step: String(stepSeconds) };
}

/** A range query's series by the value of `label` (a `sum by (label)` query), as samples. */
export async function queryRangeBy(get: PrometheusGet, query: string, label: string, start: number, end: number, stepSeconds: number): Promise<Record<string, Sample[]>> {
    const body = await api(get, "/api/v1/query_range", rangeParams(query, start, end, stepSeconds));
    return Object.fromEntries((body.data?.result ?? []).map((r) => [r.metric?.[label] ?? "", samplesOf(r.values)]));
}

export async function queryScalar(get: PrometheusGet, query: string, at: number): Promise<number | null> {
    const body = await api(get, "/api/v1/query", { query, time: String(at) });
    const v = body.data?.result[0]?.value;
    return v === undefined ? null : Number(v[1]);
}

export interface ServerTarget {
    /** The stack's Prometheus API: `prometheusGet` of scripts/prometheus.ts (signed for AMP). */
    readonly prometheus: PrometheusGet;
    readonly namespace: string;
    readonly service: string;
    readonly color: string;
    /** The application's metric names. @default - none: the connection bound needs `dbConnectionsQuery` then */
    readonly metrics?: AppMetrics;
}

/** The spike's start (Unix seconds) and the bounds its recovery is judged on, from the scenario's thresholds. */
export interface SpikeJudgement {
    readonly metrics: AppMetrics;
    readonly start: number;
    readonly p95BoundSeconds: Bound | undefined;
    readonly errorBound: Bound | undefined;
}

/**
 * Milliseconds from a run's start to the end of its last stage that ends with users: the final ramp
 * to 0 after it (users leaving, buffers freed) is no part of a leak's window, and a falling tail
 * would pull the fitted slope down (with the default soak, a 30 MiB drop in its last 5 minutes
 * hides about 12 MiB/h of the 32 MiB/h bound).
 */
export function usersEndMs(stages: readonly { readonly durationMs: number; readonly target: number }[]): number {
    let end = 0;
    let t = 0;
    for (const s of stages) {
        t += s.durationMs;
        if (s.target > 0) end = t;
    }
    return end;
}

/**
 * Judges the run's span [start, end] (Unix seconds). `leak` asks for the memory-slope check (the
 * soak; shorter runs have too few samples after warm-up to say anything), over the whole span, or
 * up to `leak.until` (the end of the stages with users: `usersEndMs`); `spike`, for the server's own
 * recovery (the client measures its own too).
 */
export async function judgeServer(t: ServerTarget, start: number, end: number, bounds: ServerBounds, leak: boolean | { readonly until: number }, spike?: SpikeJudgement): Promise<ServerFinding[]> {
    const selector = podSelector(t.namespace, t.service, t.color);
    const step = Math.max(1, Math.round((end - start) / 500));
    const out: ServerFinding[] = [];
    const until = typeof leak === "boolean" ? end : Math.min(end, leak.until);
    if (leak !== false) {
        out.push(judgeMemory(await queryRangeBy(t.prometheus, memoryQuery(selector), "pod", start, until, Math.max(1, Math.round((until - start) / 500))), start, bounds));
    }
    out.push(judgeRestarts(await queryScalar(t.prometheus, restartsQuery(selector, end - start), end), bounds));
    const db = t.metrics === undefined ? bounds.dbConnectionsQuery : dbConnectionsQuery(bounds, t.metrics, t.namespace, t.service, t.color);
    if (db === undefined) {
        out.push({ check: "db-connections", ok: false, value: null, bound: bounds.maxDbConnections, detail: "no query for the database connections: the run's spec names no application metrics and performance.server.dbConnectionsQuery is not set" });
    } else {
        out.push(judgeDbConnections(await queryRange(t.prometheus, db, start, end, step), db, bounds));
        // The soak: the pool stays stable, over the same window as the memory (its stages with users).
        const trend = dbTrendQuery(bounds, t.metrics, t.namespace, t.service, t.color) ?? db;
        if (leak !== false) out.push(judgeDbTrend(await queryRangeBy(t.prometheus, trend, "pod", start, until, Math.max(1, Math.round((until - start) / 500))), start, bounds));
    }
    if (spike !== undefined) {
        const q = recoveryQueries(spike.metrics, t.namespace, t.service, t.color);
        // 1 s steps over the spike: each scrape's figures are seen within a second of it. Coarser past
        // MAX_RANGE_POINTS, which Prometheus refuses (a spike scenario may run up to 4 h).
        const spikeStep = Math.max(1, Math.ceil((end - spike.start) / MAX_RANGE_POINTS));
        const [p95, errors, scraped] = await Promise.all([q.p95, q.errors, q.scraped].map((query) => queryRange(t.prometheus, query, spike.start, end, spikeStep)));
        out.push(judgeServerRecovery(serverRecoverySeconds(p95, errors, spike.start, spike.p95BoundSeconds, spike.errorBound, scraped), bounds));
    }
    return out;
}
