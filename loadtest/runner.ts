/**
 * The stage runner: executes a scenario's k6-style stages against a target and reports per stage.
 *
 * Model: closed (k6 `ramping-vus`). The number of virtual users moves linearly through each stage
 * from the previous stage's target to this one's; each user sends one request (a check picked by
 * weight), waits for the whole answer, thinks `thinkTimeMs`, and goes again. A user above the
 * current count finishes its request and its think time (k6's iteration, which k6's
 * `gracefulRampDown`, 30 s by default, lets finish: `lib/executor/ramping_vus.go`), then stops;
 * k6 would interrupt one longer than that, this runner lets it run to the request's timeout. Every
 * figure of a request counts in the stage in which it started.
 *
 * Memory is bounded whatever the duration: per stage, fixed counters and one `LatencyHistogram`
 * (~8 KiB); the spike recovery keeps one window's histogram and two numbers.
 *
 * Termination: no request starts after the last stage ends, or after `signal` aborts; those in
 * flight end within `timeoutMs`.
 */
import { performance } from "node:perf_hooks";
import { resolveCheck, type ResolvedCheck } from "../smoke/policy";
import { checkUrl, FAILURE_KINDS, parseTarget, probe, redactCredentials, TARGET_EXPECTED, type FailureKind, type Outcome } from "../smoke/runner";
import { openClient, type Prepared } from "../smoke/transport";
import { LatencyHistogram } from "./histogram";
import type { Scenario } from "./profile";
import { evaluate, parseThresholds, type Aggregation, type Threshold, type ThresholdResult } from "./thresholds";

export interface Percentiles {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
}

export interface Figures {
    readonly requests: number;
    readonly failures: number;
    readonly errorRate: number;
    /** Requests started per second of the span. */
    readonly reqPerSec: number;
    /** Kinds with no failure are left out. */
    readonly errorsByKind: Readonly<Partial<Record<FailureKind, number>>>;
    /** Within 1% of the exact nearest-rank values (`./histogram`), ms, to the microsecond. */
    readonly latencyMs: Percentiles;
    readonly thresholds: readonly ThresholdResult[];
    /** Every threshold holds. */
    readonly ok: boolean;
}

export interface StageReport extends Figures {
    /** 1-based, as the report prints it. */
    readonly stage: number;
    readonly duration: string;
    /** Users at the stage's start and end. */
    readonly fromUsers: number;
    readonly toUsers: number;
}

export interface Recovery {
    /** The stage whose jump is the spike (1-based). */
    readonly spikeStage: number;
    /** Milliseconds from the run's start to the spike stage's start. */
    readonly spikeStartMs: number;
    /**
     * Seconds from the spike's start to the end of its last window that broke a threshold (0 when
     * none did); null when the last window with requests still broke one: not recovered. Windows
     * are by answer time; the last one, up to the last stage's end, also takes the answers that
     * come after it.
     */
    readonly seconds: number | null;
    readonly windowMs: number;
    /**
     * The error rate during the spike: failed over sent requests that started in the spike's stages
     * (the jump, and the stages after it that hold at least its users); null when none was sent.
     */
    readonly errorRate: number | null;
    /** Those stages, 1-based, first and last. */
    readonly spikeStages: readonly [number, number];
}

/** The spike's stages (0-based, first and last): the jump, then every stage that keeps its users. */
export function spikeSpan(stages: readonly { readonly target: number }[], spike: number): [number, number] {
    let last = spike;
    while (last + 1 < stages.length && stages[last + 1].target >= stages[spike].target) last++;
    return [spike, last];
}

export interface RunReport {
    readonly scenario: string;
    readonly model: "closed";
    readonly target: string;
    readonly stages: readonly StageReport[];
    readonly overall: Figures;
    /** The first stage whose thresholds fail, or null when every stage held. */
    readonly breakingPoint: { readonly stage: number; readonly users: number } | null;
    /** Spike scenario only. */
    readonly recovery: Recovery | null;
    readonly elapsedMs: number;
}

/** Counters of one span (a stage, the run, a recovery window). */
class Tally {
    requests = 0;
    failures = 0;
    readonly byKind = new Map<FailureKind, number>();
    readonly latency = new LatencyHistogram();

    add(o: Outcome): void {
        this.requests++;
        if (o.failure !== undefined) {
            this.failures++;
            this.byKind.set(o.failure, (this.byKind.get(o.failure) ?? 0) + 1);
        }
        if (o.latencyMs !== undefined) {
            this.latency.record(o.latencyMs);
        }
    }

    reset(): void {
        this.requests = 0;
        this.failures = 0;
        this.byKind.clear();
        this.latency.reset();
    }

    judge(thresholds: readonly Threshold[]): ThresholdResult[] {
        const h = this.latency;
        const duration = (a: Aggregation): number | null =>
            a.method === "p" ? h.quantile(a.percentile)
            : a.method === "med" ? h.quantile(50)
            : a.method === "avg" ? h.mean()
            : a.method === "min" ? (h.count === 0 ? null : h.min)
            : a.method === "max" ? (h.count === 0 ? null : h.max)
            : null;
        return evaluate(thresholds, { duration, failedRate: this.requests === 0 ? null : this.failures / this.requests });
    }

    figures(thresholds: readonly Threshold[], spanMs: number): Figures {
        const results = this.judge(thresholds);
        const us = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
        const byKind: Partial<Record<FailureKind, number>> = {};
        for (const k of FAILURE_KINDS) {
            const n = this.byKind.get(k);
            if (n !== undefined) byKind[k] = n;
        }
        return {
            requests: this.requests,
            failures: this.failures,
            errorRate: this.requests === 0 ? 0 : this.failures / this.requests,
            reqPerSec: spanMs > 0 ? Math.round((this.requests * 1_000_000) / spanMs) / 1000 : 0,
            errorsByKind: byKind,
            latencyMs: { p50: us(this.latency.quantile(50)), p95: us(this.latency.quantile(95)), p99: us(this.latency.quantile(99)) },
            thresholds: results,
            ok: results.every((r) => r.ok),
        };
    }
}

/** Where the schedule stands at `t` ms into the run. */
export interface Position {
    /** 0-based stage, or -1 once every stage is over. */
    readonly stage: number;
    /** Users wanted now (k6 ramping-vus: linear within the stage; see `schedule`). */
    readonly users: number;
}

/**
 * The stage and user count at `t` ms: a pure function of the schedule, tested on its own. As k6's
 * ramping-vus steps (grafana/k6 `lib/executor/ramping_vus.go`, `getRawExecutionSteps`): a ramp up
 * adds user n when the line reaches n (rounded down), a ramp down stops a user "on the next
 * unscaled VU's time", when the line reaches the count below it (rounded up). One difference: the
 * first stage starts from 0 users, as k6 with `startVUs: 0` (its default is 1).
 */
export function schedule(stages: readonly { readonly durationMs: number; readonly target: number }[], t: number): Position {
    let from = 0;
    let start = 0;
    for (const [i, s] of stages.entries()) {
        if (t < start + s.durationMs) {
            const line = from + (s.target - from) * ((t - start) / s.durationMs);
            return { stage: i, users: s.target >= from ? Math.floor(line) : Math.ceil(line) };
        }
        from = s.target;
        start += s.durationMs;
    }
    return { stage: -1, users: 0 };
}

/**
 * The order checks are picked in: smooth weighted round robin (as nginx balances upstreams), so
 * weights 3 and 1 give A A B A rather than A A A B, and the mix holds over any short span.
 */
export function weightedOrder(weights: readonly number[]): number[] {
    const total = weights.reduce((a, b) => a + b, 0);
    const current = weights.map(() => 0);
    const out: number[] = [];
    for (let n = 0; n < total; n++) {
        let best = 0;
        for (let i = 0; i < weights.length; i++) {
            current[i] += weights[i];
            if (current[i] > current[best]) best = i;
        }
        current[best] -= total;
        out.push(best);
    }
    return out;
}

/** The spike: the stage with the largest jump up in users (the first such). */
export function spikeStage(stages: readonly { readonly target: number }[]): number {
    let best = -1;
    let jump = 0;
    stages.forEach((s, i) => {
        const j = s.target - (i === 0 ? 0 : stages[i - 1].target);
        if (j > jump) {
            jump = j;
            best = i;
        }
    });
    return best;
}

/**
 * The run's time: the schedule, think times and ticks read it; request timeouts and latencies stay
 * in real time. A faster clock runs an hour's schedule in a minute (bench/loadtest.bench.ts soaks
 * that way).
 */
export interface Clock {
    /** Milliseconds, monotonic. */
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Real time. */
export const REAL_TIME: Clock = { now: () => performance.now(), sleep };

/** Time `speed` times faster than real: `now` advances `speed` ms per real ms, `sleep(ms)` sleeps `ms / speed`. */
export function fastClock(speed: number): Clock {
    const origin = performance.now();
    return { now: () => (performance.now() - origin) * speed, sleep: (ms) => sleep(ms / speed) };
}

export interface RunOptions {
    /** How often the user count is adjusted, ms of the run's clock. @default 100 */
    readonly tickMs?: number;
    /** @default REAL_TIME */
    readonly clock?: Clock;
    /** Stops the run early (the server-side watch's verdict): no request starts after it aborts. @default - the run ends with its last stage */
    readonly signal?: AbortSignal;
}

/** Runs `scenario` against `target`. Never throws for the target's failures: they are counted. */
export async function runScenario(scenario: Scenario, target: string, options: RunOptions = {}): Promise<RunReport> {
    const base = parseTarget(target);
    if (base === undefined) {
        throw new TypeError(`target: received ${JSON.stringify(redactCredentials(target))}; ${TARGET_EXPECTED}`);
    }
    const tickMs = options.tickMs ?? 100;
    const thresholds = parseThresholds(scenario.thresholds);
    const checks: ResolvedCheck[] = scenario.checks.map((c) => resolveCheck(c));
    const order = weightedOrder(scenario.checks.map((c) => c.weight));
    const maxUsers = Math.max(...scenario.stages.map((s) => s.target));
    const client = openClient(base, Math.max(1, maxUsers));
    const prepared: Prepared[] = checks.map((c) => client.prepare(new URL(checkUrl(target, c.path)), { method: c.method, headers: c.headers, body: c.body }));

    const stageTallies = scenario.stages.map(() => new Tally());
    const overall = new Tally();
    const spike = scenario.name === "spike" ? spikeStage(scenario.stages) : -1;
    const spikeStartMs = scenario.stages.slice(0, Math.max(spike, 0)).reduce((n, s) => n + s.durationMs, 0);
    // The window of the last stage's end: answers that arrive after it (the requests in flight when
    // the stages end) count in it, never in a window of their own, whose handful of answers could
    // otherwise declare a recovery that the run never saw.
    const lastWindow = Math.max(0, Math.ceil((scenario.stages.reduce((n, s) => n + s.durationMs, 0) - spikeStartMs) / scenario.recoveryWindowMs) - 1);
    const win = new Tally();
    let winIndex = 0;
    let lastBadEnd: number | null = null;
    let lastWindowBad = false;
    const closeWindow = (): void => {
        if (win.requests > 0) {
            lastWindowBad = !win.judge(thresholds).every((r) => r.ok);
            if (lastWindowBad) lastBadEnd = (winIndex + 1) * scenario.recoveryWindowMs;
        }
        win.reset();
    };

    const clock = options.clock ?? REAL_TIME;
    const start = clock.now();
    const now = (): number => clock.now() - start;
    let pick = 0;
    let wanted = 0;
    let over = false;
    const alive: boolean[] = [];
    const users: Promise<void>[] = [];

    const user = async (id: number): Promise<void> => {
        alive[id] = true;
        try {
            while (!over && id < wanted) {
                const at = now();
                // The schedule's count now, not the last tick's `wanted`, which lags a drop by up to
                // tickMs: k6 stops a VU at its step's own time (ramping_vus.go getRawExecutionSteps).
                const { stage, users: scheduled } = schedule(scenario.stages, at);
                if (stage < 0 || id >= scheduled) break;
                const c = order[pick++ % order.length];
                const o = await probe(client, prepared[c], checks[c], scenario.timeoutMs);
                stageTallies[stage].add(o);
                overall.add(o);
                if (spike >= 0) {
                    const t = now() - spikeStartMs;
                    if (t >= 0) {
                        const w = Math.min(Math.floor(t / scenario.recoveryWindowMs), lastWindow);
                        if (w !== winIndex) {
                            closeWindow();
                            winIndex = w;
                        }
                        win.add(o);
                    }
                }
                if (scenario.thinkTimeMs > 0 && !over) await clock.sleep(scenario.thinkTimeMs);
            }
        } finally {
            alive[id] = false;
        }
    };

    try {
        for (;;) {
            const pos = schedule(scenario.stages, now());
            if (pos.stage < 0 || options.signal?.aborted === true) break;
            wanted = pos.users;
            for (let id = 0; id < wanted; id++) {
                if (alive[id] !== true) users.push(user(id));
            }
            await clock.sleep(tickMs);
        }
        over = true;
        wanted = 0;
        await Promise.all(users);
    } finally {
        client.close();
    }
    const elapsedMs = now();
    if (spike >= 0) closeWindow();

    let from = 0;
    const stages: StageReport[] = scenario.stages.map((s, i) => {
        const r: StageReport = { stage: i + 1, duration: s.duration, fromUsers: from, toUsers: s.target, ...stageTallies[i].figures(thresholds, s.durationMs) };
        from = s.target;
        return r;
    });
    const broken = stages.find((s) => s.requests > 0 && !s.ok);
    const span = spike < 0 ? undefined : spikeSpan(scenario.stages, spike);
    const during = span === undefined ? [] : stages.slice(span[0], span[1] + 1);
    const sent = during.reduce((n, st) => n + st.requests, 0);
    return {
        scenario: scenario.name,
        model: "closed",
        target: redactCredentials(target),
        stages,
        overall: overall.figures(thresholds, elapsedMs),
        breakingPoint: broken === undefined ? null : { stage: broken.stage, users: Math.max(broken.fromUsers, broken.toUsers) },
        recovery: span === undefined ? null : {
            spikeStage: spike + 1,
            spikeStartMs,
            seconds: lastWindowBad ? null : (lastBadEnd ?? 0) / 1000,
            windowMs: scenario.recoveryWindowMs,
            errorRate: sent === 0 ? null : during.reduce((n, st) => n + st.failures, 0) / sent,
            spikeStages: [span[0] + 1, span[1] + 1],
        },
        elapsedMs: Math.round(elapsedMs),
    };
}
