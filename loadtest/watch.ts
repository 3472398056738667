/**
 * Server-side checks DURING the run: while the stages run, Prometheus is polled at a fixed interval
 * for the target color's restarts and database connections (and, for the soak, its largest pod's
 * working set, printed only), one progress line per poll. A check that has already failed for good
 * stops the run: a restart counted since the run's start cannot be uncounted, nor can a connection
 * peak over its bound, so a one-hour soak need not run on to say so. The memory slope is not judged
 * here (it needs the whole window); the after-run judgement (`./server`, `judgeServer`) stays.
 *
 * A poll that fails (Prometheus unreachable, a query refused) is a warning, and the after-run
 * judgement decides. A check with no series yet decides nothing either: the first scrape of a
 * series may come late. Memory: each poll's figures are printed and dropped; nothing accumulates.
 */
import { setTimeout as delay } from "node:timers/promises";
import { CADVISOR_METRICS, SCRAPE_INTERVAL_SECONDS } from "../observability/catalogue";
import type { PrometheusGet } from "../scripts/prometheus";
import type { ServerBounds } from "./profile";
import { judgeDbConnections, judgeRestarts, podSelector, queryRange, queryScalar, restartsQuery, type ServerFinding } from "./server";

/**
 * Seconds between polls: the stack's scrape interval (observability/scrape-config.ts); polling
 * faster reads the same samples again.
 */
export const WATCH_INTERVAL_SECONDS = SCRAPE_INTERVAL_SECONDS;

/** One poll's figures; null where Prometheus has no series yet. */
export interface PollFigures {
    /** Container restarts of the color's pods since the run's start. */
    readonly restarts: number | null;
    /** The peak of the connection query since the previous poll. */
    readonly dbConnections: number | null;
    /** The largest pod's working set, bytes (soak only). */
    readonly memoryBytes?: number | null;
}

/** The queries a poll runs, at `at` (Unix seconds) and since `from`; a fake in the unit tests. */
export interface WatchQueries {
    poll(from: number, at: number): Promise<PollFigures>;
}

/**
 * The stack's Prometheus, with the after-run judgement's own queries: restarts as `restartsQuery`
 * over [start, at], connections as the range query over [from, at] at the after-run step, so a
 * peak between two polls is seen as the final judgement would see it.
 */
export function prometheusQueries(o: { prometheus: PrometheusGet; namespace: string; service: string; color: string; start: number; stepSeconds: number; dbQuery: string | undefined; memory: boolean }): WatchQueries {
    const selector = podSelector(o.namespace, o.service, o.color);
    return {
        async poll(from, at) {
            const [restarts, db, memory] = await Promise.all([
                queryScalar(o.prometheus, restartsQuery(selector, at - o.start), at),
                o.dbQuery === undefined ? Promise.resolve(null) : queryRange(o.prometheus, o.dbQuery, from, at, o.stepSeconds).then((s) => (s.length === 0 ? null : Math.max(...s.map(([, v]) => v)))),
                o.memory ? queryScalar(o.prometheus, `max(${CADVISOR_METRICS.memoryWorkingSet}{${selector}})`, at) : Promise.resolve(undefined),
            ]);
            // Whole restarts, as `judgeRestarts` counts them (increase() extrapolates: one restart may read 1.03).
            return { restarts: restarts === null ? null : Math.round(restarts), dbConnections: db, ...(memory !== undefined ? { memoryBytes: memory } : {}) };
        },
    };
}

/** The finding that fails for good on this poll's figures, if any: restarts first, then connections. */
export function earlyStop(p: PollFigures, bounds: ServerBounds, dbQuery: string | undefined): ServerFinding | undefined {
    // The after-run judgements themselves, on this poll's figures; "no series yet" decides nothing.
    const findings = [
        p.restarts !== null ? judgeRestarts(p.restarts, bounds) : undefined,
        p.dbConnections !== null && dbQuery !== undefined ? judgeDbConnections([[0, p.dbConnections]], dbQuery, bounds) : undefined,
    ];
    return findings.find((f) => f !== undefined && !f.ok);
}

const fig = (v: number | null | undefined): string => (v === null || v === undefined ? "no series yet" : String(Math.round(v * 100) / 100));

/** The progress line of one poll. */
export function progressLine(n: number, elapsedSeconds: number, totalSeconds: number, p: PollFigures, bounds: ServerBounds): string {
    const parts = [`restarts ${fig(p.restarts)} (bound ${bounds.maxRestarts})`, `db connections ${fig(p.dbConnections)} (bound ${bounds.maxDbConnections})`];
    if (p.memoryBytes !== undefined) parts.push(`largest pod working set ${p.memoryBytes === null ? "no series yet" : `${(p.memoryBytes / (1024 * 1024)).toFixed(1)} MiB`}`);
    return `poll ${n} at ${Math.round(elapsedSeconds)} s of ${Math.round(totalSeconds)} s: ${parts.join(", ")}`;
}

export interface EarlyStop {
    /** Seconds from the run's start to the poll that stopped it. */
    readonly atSeconds: number;
    readonly finding: ServerFinding;
}

export interface WatchOptions {
    /** The run's start, Unix seconds. */
    readonly start: number;
    /** The scenario's stages, seconds, for the progress lines. */
    readonly totalSeconds: number;
    readonly bounds: ServerBounds;
    /** The connection query, undefined when there is none (the after-run judgement reports it). */
    readonly dbQuery: string | undefined;
    /** Seconds between polls. @default WATCH_INTERVAL_SECONDS */
    readonly intervalSeconds?: number;
    /** Aborted when the run is over: the watch stops polling. */
    readonly done: AbortSignal;
    /** A progress line or a warning, as it happens. */
    readonly line: (text: string) => void;
    /** Unix seconds now. @default - the wall clock */
    readonly now?: () => number;
    /** Waits `ms`, or less when `signal` aborts. @default - a timer */
    readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Node's own abortable timer; an abort ends the wait early instead of failing it. */
function timer(ms: number, signal: AbortSignal): Promise<void> {
    return delay(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Polls at start + k × interval (a slow poll does not shift the next ones; a slot missed while a poll
 * ran is skipped) until `done` aborts, or a check fails for good: then that finding, for the caller
 * to stop the run.
 */
export async function watchRun(q: WatchQueries, o: WatchOptions): Promise<EarlyStop | undefined> {
    const interval = o.intervalSeconds ?? WATCH_INTERVAL_SECONDS;
    const now = o.now ?? ((): number => Date.now() / 1000);
    const sleep = o.sleep ?? timer;
    let slot = 0;
    let from = o.start;
    for (let n = 1; ; n++) {
        slot = Math.max(slot + 1, Math.floor((now() - o.start) / interval) + 1);
        const next = o.start + slot * interval;
        await sleep(Math.max(0, (next - now()) * 1000), o.done);
        if (o.done.aborted) return undefined;
        const at = now();
        let p: PollFigures;
        try {
            p = await q.poll(from, at);
        } catch (e) {
            o.line(`warning: poll ${n} at ${Math.round(at - o.start)} s: Prometheus did not answer (${(e as Error).message}); the after-run judgement decides`);
            continue;
        }
        // The run ended while this poll ran: the after-run judgement sees the same figures.
        if (o.done.aborted) return undefined;
        from = at;
        o.line(progressLine(n, at - o.start, o.totalSeconds, p, o.bounds));
        const finding = earlyStop(p, o.bounds, o.dbQuery);
        if (finding !== undefined) return { atSeconds: Math.round(at - o.start), finding };
    }
}
