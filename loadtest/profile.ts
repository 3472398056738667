/**
 * Performance profiles: per service, staging only, the four scenarios of the users' performance
 * plan as k6 describes a test (k6 `options.stages`, `sleep()` think time, `options.thresholds`),
 * plus the server-side bounds judged from Prometheus.
 *
 * Config: `launchpad:services.<svc>.performance`. Every field is optional; a scenario given replaces
 * only the fields it sets of that scenario's default (`DEFAULT_SCENARIOS`).
 */
import { z } from "zod";
import { cliNumber } from "../config/input";
import { HTTP_METHODS } from "../smoke/policy";
import { DURATION_EXPECTED, parseDuration } from "./duration";
import { nonAbortingExpression, parseThreshold, parseThresholds, THRESHOLD_EXPECTED, THRESHOLD_METRICS, THRESHOLD_OBJECT_FORM, type Threshold, type ThresholdMetric } from "./thresholds";

export const SCENARIOS = ["load", "stress", "soak", "spike"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Re-exported: the stage durations are this config's. */
export { DURATION_EXPECTED, parseDuration } from "./duration";

/** The most virtual users one stage may ask for: one runner pod's sockets, well under its file limit. */
export const MAX_TARGET = 5_000;
/** The longest scenario, so every run ends by itself. */
export const MAX_SCENARIO_MS = 4 * 3_600_000;

/** A JSON number is milliseconds, as k6 reads it (grafana/k6 lib/types/types.go `Duration.UnmarshalJSON`): kept as its text, which reads the same. */
const duration = z.preprocess((v) => (typeof v === "number" ? String(v) : v), z.string({ error: DURATION_EXPECTED }).check((ctx) => {
    if (parseDuration(ctx.value) === undefined) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: DURATION_EXPECTED });
    }
}));

const stageSchema = z.strictObject({
    /** How long the ramp to `target` takes (k6 duration). */
    duration,
    /** Virtual users at the stage's end; the count moves linearly from the previous stage's target (0 at first). */
    target: z.int().min(0).max(MAX_TARGET),
});

const status = z.int().min(100).max(599);

const weightedCheckSchema = z.strictObject({
    /** Shown in the report. @default "<method> <path>" */
    name: z.string().min(1).max(100).optional(),
    path: z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/, { error: "expected an absolute URL path such as \"/api/items\"" }),
    method: z.enum(HTTP_METHODS).default("GET"),
    /** Status (or statuses) that count as success. @default 200 */
    expectStatus: z.union([status, z.array(status).min(1)]).default(200),
    /** Text the body must contain. @default - any body */
    bodyContains: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    /** Share of the iterations: a check of weight 3 runs three times as often as one of weight 1. @default 1 */
    weight: z.int().min(1).max(1000).default(1),
});

const isObjectForm = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v) && "threshold" in v;

/** Each item a k6 expression, or k6's object form that does not abort, read as its expression (`nonAbortingExpression`). */
const thresholdList = (metric: ThresholdMetric) =>
    z.array(z.preprocess((v) => nonAbortingExpression(v) ?? v, z.string({ error: (issue) => (isObjectForm(issue.input) ? THRESHOLD_OBJECT_FORM : undefined) }).check((ctx) => {
        if (typeof parseThreshold(metric, ctx.value) === "string") {
            ctx.issues.push({ code: "custom", input: ctx.value, message: THRESHOLD_EXPECTED[metric] });
        }
    }))).min(1);

export const thresholdsSchema = z.strictObject({
    http_req_duration: thresholdList("http_req_duration").optional(),
    http_req_failed: thresholdList("http_req_failed").optional(),
});

export const scenarioSchema = z.strictObject({
    /** k6 ramping-vus stages. @default the scenario's (see DEFAULT_SCENARIOS) */
    stages: z.array(stageSchema).min(1).max(100).optional(),
    /** Pause of each virtual user between its requests, ms (k6 `sleep`). @default 1000 */
    thinkTimeMs: z.int().min(0).max(60_000).optional(),
    /** What the users request, mixed by weight. @default one GET of the readiness path */
    checks: z.array(weightedCheckSchema).min(1).max(50).optional(),
    /** k6 thresholds. @default {"http_req_duration": ["p(95)<200"], "http_req_failed": ["rate<0.01"]} */
    thresholds: thresholdsSchema.optional(),
    /** Per-request timeout, ms. @default 10000 */
    timeoutMs: z.int().min(100).max(120_000).optional(),
    /**
     * Stress only: the verdict fails when a stage at or under this many users breaks the thresholds.
     * @default 100 (the users' "system handles 100 concurrent users")
     */
    mustHoldUsers: z.int().min(1).max(MAX_TARGET).optional(),
    /** Spike only: the window, ms, in which recovery is judged (a window whose p95 and error rate hold). @default 1000 */
    recoveryWindowMs: z.int().min(100).max(60_000).optional(),
});

export const serverBoundsSchema = z.strictObject({
    /** Memory samples of a pod's first this many seconds in the run are left out of its leak slope (JIT, caches, pools filling). @default 300 */
    warmupSeconds: z.int().min(0).max(3_600).optional(),
    /** A leak: a pod of the target color has its memory working set grow faster than this, MiB per hour, after warm-up. @default 32 */
    maxMemorySlopeMiBPerHour: cliNumber(z.number().min(0).max(1_000_000)).optional(),
    /** Container restarts of the target color allowed during a run. @default 0 */
    maxRestarts: z.int().min(0).max(1_000).optional(),
    /** Most database connections allowed at any sample of the run (the pool stays bounded). @default 100 */
    maxDbConnections: z.int().min(1).max(100_000).optional(),
    /**
     * Soak only: the color's database connections may grow at most this many per hour after warm-up
     * (the users' "connection pool stable": a leaked connection stays in use, so a leak climbs).
     * @default 4
     */
    maxDbConnectionsSlopePerHour: cliNumber(z.number().min(0).max(100_000)).optional(),
    /**
     * PromQL for the database connections the run is judged on, when they are counted elsewhere (a
     * postgres_exporter's `sum(pg_stat_activity_count)`, say: the stack deploys none, and RDS has no
     * Prometheus endpoint).
     * @default - the target color's pool: the sum over its pods of the application's
     * `launchpad:observability.metrics.dbPoolConnectionsInUse` gauge
     */
    dbConnectionsQuery: z.string().min(1).optional(),
    /** Spike: most seconds from the spike's start until p95 and error rate hold again. @default 60 */
    maxRecoverySeconds: z.int().min(0).max(3_600).optional(),
});

export const performanceSchema = z.strictObject({
    /** Overrides of the four scenarios, by name. @default - the users' four scenarios as they are */
    scenarios: z.strictObject({ load: scenarioSchema.optional(), stress: scenarioSchema.optional(), soak: scenarioSchema.optional(), spike: scenarioSchema.optional() }).optional(),
    /** Server-side bounds judged from Prometheus. @default - the defaults of each bound */
    server: serverBoundsSchema.optional(),
    /**
     * Run the `load` scenario as a Pulumi-managed Job per color and release, after its smoke gate, so
     * a release's load verdict is in the stack's state: a release whose load Job completed is reported
     * with `load: "pass"` in `verifiedReleases` (what production's `promotion.requireLoad` reads). It
     * holds `pulumi up` for the scenario's length (about 16 minutes by default) when a release changes.
     * On, the load scenario must ask at least the users' plan (`LOAD_GATE_FLOOR`): its pass admits releases to production.
     * @default false
     */
    loadGate: z.boolean().optional(),
});

export type RawScenario = z.output<typeof scenarioSchema>;
export type RawPerformance = z.output<typeof performanceSchema>;

export interface Stage {
    /** As written, for the report. */
    readonly duration: string;
    readonly durationMs: number;
    readonly target: number;
}

export interface WeightedCheck {
    readonly name?: string;
    readonly path: string;
    readonly method: (typeof HTTP_METHODS)[number];
    readonly expectStatus: number | readonly number[];
    readonly bodyContains?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly weight: number;
}

/** A scenario with every default filled in, as the runner takes it (and the Job's JSON carries it). */
export interface Scenario {
    readonly name: ScenarioName;
    /**
     * Closed model (k6 ramping-vus): each virtual user sends a request, waits for its answer, thinks,
     * and goes again; a slow server therefore gets fewer requests, which is how users behave.
     */
    readonly model: "closed";
    readonly stages: readonly Stage[];
    readonly thinkTimeMs: number;
    readonly checks: readonly WeightedCheck[];
    /** Raw k6 expressions per metric, kept as written so the Job's JSON is the config. */
    readonly thresholds: Readonly<Partial<Record<ThresholdMetric, readonly string[]>>>;
    readonly timeoutMs: number;
    readonly mustHoldUsers: number;
    readonly recoveryWindowMs: number;
}

export interface ServerBounds {
    readonly warmupSeconds: number;
    readonly maxMemorySlopeMiBPerHour: number;
    readonly maxRestarts: number;
    readonly maxDbConnections: number;
    readonly maxDbConnectionsSlopePerHour: number;
    /** @default - the color's pool gauge (`loadtest/server.ts` `dbConnectionsQuery`) */
    readonly dbConnectionsQuery?: string;
    readonly maxRecoverySeconds: number;
}

export const DEFAULT_SERVER_BOUNDS: ServerBounds = {
    warmupSeconds: 300,
    maxMemorySlopeMiBPerHour: 32,
    maxRestarts: 0,
    maxDbConnections: 100,
    maxDbConnectionsSlopePerHour: 4,
    maxRecoverySeconds: 60,
};

/** The users' targets: p95 under 200 ms, under 1% errors. */
export const DEFAULT_THRESHOLDS = { http_req_duration: ["p(95)<200"], http_req_failed: ["rate<0.01"] } as const;

const stages = (...s: [string, number][]): RawScenario["stages"] => s.map(([d, target]) => ({ duration: d, target }));

/** The users' performance plan, scenario by scenario. */
export const DEFAULT_SCENARIOS: Readonly<Record<ScenarioName, RawScenario>> = {
    // 10 -> 50 -> 100 users with think time, each level held.
    load: { stages: stages(["1m", 10], ["3m", 10], ["1m", 50], ["3m", 50], ["1m", 100], ["5m", 100], ["1m", 0]) },
    // Up by 100 users every 5 minutes to 600: the first stage that breaks a threshold is the breaking point.
    stress: {
        stages: stages(
            ["2m", 100], ["3m", 100], ["2m", 200], ["3m", 200], ["2m", 300], ["3m", 300],
            ["2m", 400], ["3m", 400], ["2m", 500], ["3m", 500], ["2m", 600], ["3m", 600], ["2m", 0],
        ),
    },
    // 50 users for an hour: the leak and pool checks need the length.
    soak: { stages: stages(["5m", 50], ["1h", 50], ["5m", 0]) },
    // From 10 users to 200 in 10 seconds, held, then back: errors during the spike, time to recover.
    spike: { stages: stages(["1m", 10], ["10s", 200], ["3m", 200], ["10s", 10], ["3m", 10], ["10s", 0]) },
};

/** The scenario with its defaults; `readinessPath` is the default check. */
export function resolveScenario(name: ScenarioName, raw: RawScenario | undefined, readinessPath: string): Scenario {
    const base = DEFAULT_SCENARIOS[name];
    const s = { ...base, ...raw };
    return {
        name,
        model: "closed",
        stages: (s.stages ?? []).map((st) => ({ duration: st.duration, durationMs: parseDuration(st.duration) ?? 0, target: st.target })),
        thinkTimeMs: s.thinkTimeMs ?? 1000,
        checks: (s.checks ?? [{ path: readinessPath, method: "GET", expectStatus: 200, weight: 1 }]).map((c) => ({ ...c })),
        thresholds: { ...(s.thresholds ?? DEFAULT_THRESHOLDS) },
        timeoutMs: s.timeoutMs ?? 10_000,
        mustHoldUsers: s.mustHoldUsers ?? 100,
        recoveryWindowMs: s.recoveryWindowMs ?? 1000,
    };
}

export function resolveServerBounds(raw: RawPerformance["server"]): ServerBounds {
    return { ...DEFAULT_SERVER_BOUNDS, ...raw };
}

/**
 * The least a load gate's scenario may ask: the users' load plan (100 users held 5 minutes, 1 s of
 * think time, p95 under 200 ms, under 1% errors). The gate's pass is what production's
 * `promotion.requireLoad` admits a release on, and the scenario is staging config a change can edit:
 * without a floor, one stage of 1 user, or `rate<=1`, would "pass load" for any image.
 */
export const LOAD_GATE_FLOOR = { users: 100, heldMs: 5 * 60_000, thinkTimeMs: 1000, p95Ms: 200, errorRate: 0.01 } as const;

/** `actual op value` bounds the figure from above at least as tightly as `< limit`. */
const atMost = (t: Threshold, limit: number): boolean => (t.operator === "<" && t.value <= limit) || (t.operator === "<=" && t.value < limit);

/**
 * Where the load gate's scenario (`performance.loadGate`) asks less than the users' load plan
 * (`LOAD_GATE_FLOOR`), as `<key>: received <value>; expected <allowed>`. A stricter scenario (more
 * users, longer holds, less think time, tighter thresholds) passes.
 */
export function loadGateProblems(key: string, s: Scenario): string[] {
    const f = LOAD_GATE_FLOOR;
    const why = "performance.loadGate is on, and its pass admits a release to production (launchpad:promotion.requireLoad)";
    const out: string[] = [];
    let from = 0;
    let held = 0;
    for (const st of s.stages) {
        if (from >= f.users && st.target >= f.users) held += st.durationMs;
        from = st.target;
    }
    if (held < f.heldMs) {
        out.push(`${key}.stages: received ${s.stages.map((st) => `${st.duration}→${st.target}`).join(", ")}; expected at least ${f.users} users held for 5m in all, as the users' load plan (${why})`);
    }
    if (s.thinkTimeMs > f.thinkTimeMs) {
        out.push(`${key}.thinkTimeMs: received ${s.thinkTimeMs}; expected at most ${f.thinkTimeMs}, as the users' load plan (${why})`);
    }
    const parsed = parseThresholds(s.thresholds);
    const latency = parsed.some((t) => t.metric === "http_req_duration" && (t.aggregation.method === "max" || (t.aggregation.method === "p" && t.aggregation.percentile >= 95)) && atMost(t, f.p95Ms));
    if (!latency) {
        out.push(`${key}.thresholds.http_req_duration: received ${JSON.stringify(s.thresholds.http_req_duration ?? [])}; expected a bound at least as strict as "p(95)<${f.p95Ms}" (p(N) with N >= 95, or max, under ${f.p95Ms} ms), as the users' load plan (${why})`);
    }
    if (!parsed.some((t) => t.metric === "http_req_failed" && atMost(t, f.errorRate))) {
        out.push(`${key}.thresholds.http_req_failed: received ${JSON.stringify(s.thresholds.http_req_failed ?? [])}; expected a bound at least as strict as "rate<${f.errorRate}", as the users' load plan (${why})`);
    }
    s.checks.forEach((c, i) => {
        const statuses = typeof c.expectStatus === "number" ? [c.expectStatus] : c.expectStatus;
        if (statuses.some((st) => st >= 500)) {
            out.push(`${key}.checks[${i}].expectStatus: received ${JSON.stringify(c.expectStatus)}; expected no 5xx status counted as success (${why})`);
        }
    });
    return out;
}

/** Rules across a scenario's fields, as `<key>: received <value>; expected <allowed>`. */
export function scenarioProblems(key: string, s: Scenario): string[] {
    const out: string[] = [];
    const total = s.stages.reduce((n, st) => n + st.durationMs, 0);
    if (total > MAX_SCENARIO_MS) {
        out.push(`${key}.stages: received ${s.stages.map((st) => st.duration).join(" + ")}; expected at most 4h in all, so every run ends by itself`);
    }
    if (total === 0) {
        out.push(`${key}.stages: received stages of no duration; expected at least one stage longer than 0s`);
    }
    if (s.stages.every((st) => st.target === 0)) {
        out.push(`${key}.stages: received no stage with users; expected at least one stage whose target is over 0`);
    }
    if (THRESHOLD_METRICS.every((m) => (s.thresholds[m] ?? []).length === 0)) {
        out.push(`${key}.thresholds: received {}; expected at least one threshold (e.g. http_req_duration: ["p(95)<200"])`);
    }
    return out;
}
