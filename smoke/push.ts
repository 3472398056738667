/**
 * Optional push of a run's result to a Prometheus Pushgateway, for the dashboards and alerts. The
 * metric names come from the producer catalogue (observability/catalogue.ts), which they read too.
 */
import { PUSH_JOBS, SMOKE_METRICS } from "../observability/catalogue";
import type { SmokeSummary } from "./runner";
import { exchange } from "./transport";

/** The Pushgateway job every gate run pushes under. */
export const PUSH_JOB = PUSH_JOBS.smoke;

/** The metric names the dashboards and alerts query, exactly: the producer catalogue's. */
export { SMOKE_METRICS };

/** Service and Kubernetes names allowed in the grouping key: DNS-1123 labels need no URL escaping. */
const LABEL_VALUE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isGroupingValue(value: string): boolean {
    return value.length <= 63 && LABEL_VALUE.test(value);
}

/** `<gateway>/metrics/job/launchpad-smoke-gate/service/<service>/color/<color>`. */
export function pushUrl(gateway: string, service: string, color: string): string {
    return `${gateway.replace(/\/+$/, "")}/metrics/job/${PUSH_JOB}/service/${service}/color/${color}`;
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : "NaN");

/**
 * The run as Prometheus text exposition (format 0.0.4). Figures are the smoke phase's; `passed` is
 * the whole verdict (load phase included). A latency that could not be measured is NaN, which
 * Prometheus stores and alert rules can test for.
 */
export function renderMetrics(summary: SmokeSummary, timestampSeconds: number): string {
    const m = SMOKE_METRICS;
    const q = (v: number | null): string => (v === null ? "NaN" : num(v / 1000));
    return [
        `# HELP ${m.lastRunTimestamp} Unix time at which the smoke gate last finished.`,
        `# TYPE ${m.lastRunTimestamp} gauge`,
        `${m.lastRunTimestamp} ${num(timestampSeconds)}`,
        `# HELP ${m.passed} 1 when the last smoke gate run passed, else 0.`,
        `# TYPE ${m.passed} gauge`,
        `${m.passed} ${summary.verdict === "pass" ? 1 : 0}`,
        `# HELP ${m.latency} Nearest-rank latency percentiles of the last run's measured requests.`,
        // A gauge per quantile rather than a summary: the run computes exact percentiles once and has no sum or count to go with them.
        `# TYPE ${m.latency} gauge`,
        `${m.latency}{quantile="0.5"} ${q(summary.latencyMs.p50)}`,
        `${m.latency}{quantile="0.95"} ${q(summary.latencyMs.p95)}`,
        `${m.latency}{quantile="0.99"} ${q(summary.latencyMs.p99)}`,
        `# HELP ${m.errorRatio} Failed over measured requests in the last run.`,
        `# TYPE ${m.errorRatio} gauge`,
        `${m.errorRatio} ${num(summary.errorRate)}`,
        `# HELP ${m.requestsTotal} Measured requests of the last run.`,
        `# TYPE ${m.requestsTotal} counter`,
        `${m.requestsTotal} ${summary.requests}`,
        "",
    ].join("\n");
}

/** How long a push may take: the gate's verdict is already known, so a slow gateway must not hold the Job. */
export const PUSH_TIMEOUT_MS = 5_000;

/** An error's own message; for an AggregateError (several addresses tried), its first attempt's. */
function errorMessage(e: unknown): string {
    if (e instanceof AggregateError && e.errors.length > 0) {
        return errorMessage(e.errors[0]);
    }
    return e instanceof Error ? e.message : String(e);
}

/**
 * PUTs the metrics (replacing the group's previous ones) over a one-off connection. Returns
 * undefined on success, else a sentence saying what went wrong; never throws.
 */
export async function pushMetrics(url: string, body: string): Promise<string | undefined> {
    try {
        const res = await exchange(new URL(url), {
            method: "PUT",
            headers: { "content-type": "text/plain; version=0.0.4" },
            body,
            timeoutMs: PUSH_TIMEOUT_MS,
            readBody: true,
        });
        const text = (res.body ?? "").trim();
        if (res.status < 200 || res.status >= 300) {
            return `push to ${url} failed: HTTP ${res.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`;
        }
        return undefined;
    } catch (e) {
        return `push to ${url} failed: ${errorMessage(e)}`;
    }
}
