/**
 * Thresholds written as k6 writes them: per metric, a list of `aggregation operator value`
 * expressions, e.g. `http_req_duration: ["p(95)<200"]`, `http_req_failed: ["rate<0.01"]`.
 *
 * The grammar is k6's own (grafana/k6 `metrics/thresholds_parser.go`, `parseThresholdExpression`):
 * operators `>`, `>=`, `<=`, `<`, `==`, `===`, `!=`, scanned in that file's order; a trend takes
 * `avg`, `min`, `max`, `med` or `p(N)` with 0 <= N <= 100 (`parseThresholdAggregationMethod`
 * refuses NaN and values outside 0..100; k6 docs "Thresholds": "a number between 0.0 and 100"), a
 * rate takes `rate` (`metrics/metric_type.go` `supportedAggregationMethods`). Of k6's built-in
 * metrics the suite measures two: `http_req_duration` (a trend, in ms) and `http_req_failed` (a
 * rate of failed requests). Two rules are stricter than k6's: the value is the grammar's
 * `digit+ ("." digit+)?` (k6's code takes anything Go's ParseFloat does, such as "1e3"), and a
 * rate's value is at most 1 (k6 accepts `rate<50`, which can never fail).
 */
import { parseDuration } from "./duration";

export const THRESHOLD_METRICS = ["http_req_duration", "http_req_failed"] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

/**
 * k6 also takes `{ threshold, abortOnFail, delayAbortEval }` (k6-docs using-k6/thresholds.md, "Abort a
 * test when a threshold is crossed"; grafana/k6 metrics/thresholds.go `thresholdConfig`). Without
 * `abortOnFail` (or with it false) the object is its expression and nothing else: k6 reads
 * `delayAbortEval` only to delay an abort, and writes such a threshold back as the bare string
 * (`thresholdConfig.MarshalJSON`), so that form is accepted (`nonAbortingExpression`). The runner
 * judges thresholds per stage and over the run, and never stops a run on one, so `abortOnFail: true`
 * is refused by name rather than accepted and ignored.
 */
export const THRESHOLD_OBJECT_FORM = "expected the expression as a string, such as \"p(95)<200\", or k6's { threshold } form without abortOnFail: abortOnFail is not supported, as the runner never stops a run on a threshold (a run ends with its stages, or on the server-side watch)";

const OBJECT_KEYS = ["threshold", "abortOnFail", "delayAbortEval"];

/**
 * The expression of k6's object form when it does not abort (`{ threshold }`, `abortOnFail: false`,
 * a `delayAbortEval` k6 would parse and not use), undefined for anything else.
 */
export function nonAbortingExpression(v: unknown): string | undefined {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    const delay = o.delayAbortEval;
    const delayOk = delay === undefined || (typeof delay === "string" && parseDuration(delay) !== undefined) || (typeof delay === "number" && Number.isFinite(delay) && delay >= 0);
    const ok = Object.keys(o).every((k) => OBJECT_KEYS.includes(k)) && typeof o.threshold === "string" && (o.abortOnFail === undefined || o.abortOnFail === false) && delayOk;
    return ok ? (o.threshold as string) : undefined;
}

/** Longer operators first: `<=` must not be read as `<` followed by `=200`. */
const OPERATORS = ["<=", "<", ">=", ">", "===", "==", "!="] as const;
export type Operator = (typeof OPERATORS)[number];

const TREND_METHODS = ["avg", "min", "max", "med"] as const;
export type Aggregation = { readonly method: (typeof TREND_METHODS)[number] | "rate" } | { readonly method: "p"; readonly percentile: number };

export interface Threshold {
    readonly metric: ThresholdMetric;
    /** The expression as written. */
    readonly source: string;
    readonly aggregation: Aggregation;
    readonly operator: Operator;
    readonly value: number;
}

const FLOAT = /^\d+(\.\d+)?$/;

/** What each metric accepts, for the error messages. */
export const THRESHOLD_EXPECTED: Readonly<Record<ThresholdMetric, string>> = {
    http_req_duration: "expected `<avg|min|max|med|p(N)> <op> <ms>` with <op> one of <, <=, >, >=, ==, ===, != and 0 <= N <= 100, such as \"p(95)<200\"",
    http_req_failed: "expected `rate <op> <0..1>` with <op> one of <, <=, >, >=, ==, ===, !=, such as \"rate<0.01\"",
};

/** Parses one expression of a metric; a string is the reason it does not parse. */
export function parseThreshold(metric: ThresholdMetric, expression: string): Threshold | string {
    const op = OPERATORS.find((o) => expression.includes(o));
    if (op === undefined) {
        return THRESHOLD_EXPECTED[metric];
    }
    const at = expression.indexOf(op);
    const left = expression.slice(0, at).trim();
    const right = expression.slice(at + op.length).trim();
    if (!FLOAT.test(right)) {
        return THRESHOLD_EXPECTED[metric];
    }
    const value = Number(right);
    let aggregation: Aggregation;
    if (metric === "http_req_failed") {
        if (left !== "rate" || value > 1) {
            return THRESHOLD_EXPECTED[metric];
        }
        aggregation = { method: "rate" };
    } else {
        const p = /^p\((\d+(\.\d+)?)\)$/.exec(left);
        if (p !== null) {
            const percentile = Number(p[1]);
            if (!(percentile >= 0 && percentile <= 100)) {
                return THRESHOLD_EXPECTED[metric];
            }
            aggregation = { method: "p", percentile };
        } else if ((TREND_METHODS as readonly string[]).includes(left)) {
            aggregation = { method: left as (typeof TREND_METHODS)[number] };
        } else {
            return THRESHOLD_EXPECTED[metric];
        }
    }
    return { metric, source: expression, aggregation, operator: op, value };
}

/** What a threshold is judged on: a trend of latencies and the rate of failed requests. */
export interface MetricValues {
    /** The trend's aggregate, null when no request has a latency. */
    readonly duration: (a: Aggregation) => number | null;
    /** Failed / sent, null when nothing was sent. */
    readonly failedRate: number | null;
}

export function compare(actual: number, op: Operator, value: number): boolean {
    switch (op) {
        case "<":
            return actual < value;
        case "<=":
            return actual <= value;
        case ">":
            return actual > value;
        case ">=":
            return actual >= value;
        case "==":
        case "===":
            return actual === value;
        case "!=":
            return actual !== value;
    }
}

export interface ThresholdResult {
    readonly metric: ThresholdMetric;
    readonly expression: string;
    /** The measured aggregate (ms for durations, 0..1 for the rate), null when nothing was measured. */
    readonly actual: number | null;
    /** Nothing measured fails: a run that sent nothing proves nothing. */
    readonly ok: boolean;
}

export function evaluate(thresholds: readonly Threshold[], values: MetricValues): ThresholdResult[] {
    return thresholds.map((t) => {
        const actual = t.metric === "http_req_failed" ? values.failedRate : values.duration(t.aggregation);
        return { metric: t.metric, expression: t.source, actual, ok: actual !== null && compare(actual, t.operator, t.value) };
    });
}

/** Parses every expression of a thresholds map (validated already: a bad one throws). */
export function parseThresholds(map: Readonly<Partial<Record<ThresholdMetric, readonly string[]>>>): Threshold[] {
    return THRESHOLD_METRICS.flatMap((metric) =>
        (map[metric] ?? []).map((e: unknown) => {
            const expression = typeof e === "string" ? e : nonAbortingExpression(e);
            const t = expression !== undefined ? parseThreshold(metric, expression) : THRESHOLD_OBJECT_FORM;
            if (typeof t === "string") {
                throw new RangeError(`thresholds.${metric}: received ${JSON.stringify(e)}; ${t}`);
            }
            return t;
        }),
    );
}
