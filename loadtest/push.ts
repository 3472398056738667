/**
 * The verdict pushed to the Pushgateway, by the conventions of the smoke gate (`smoke/push.ts`):
 * one job, a grouping key of DNS labels, a PUT that replaces the group, gauges per figure. The
 * job and the metric names are the producer catalogue's (observability/catalogue.ts).
 */
import { LOADTEST_METRICS, LOADTEST_PUSH_JOB } from "../observability/catalogue";
import { pushMetrics as put } from "../smoke/push";
import type { RunReport } from "./runner";
import type { Verdict } from "./verdict";

/** `<gateway>/metrics/job/launchpad-loadtest/service/<service>/color/<color>/scenario/<scenario>`. */
export function loadtestPushUrl(gateway: string, service: string, color: string, scenario: string): string {
    return `${gateway.replace(/\/+$/, "")}/metrics/job/${LOADTEST_PUSH_JOB}/service/${service}/color/${color}/scenario/${scenario}`;
}

const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? "NaN" : String(v));

/** The run as Prometheus text exposition (format 0.0.4). */
export function renderLoadtestMetrics(run: RunReport, verdict: Verdict, timestampSeconds: number): string {
    const m = LOADTEST_METRICS;
    const q = (v: number | null): string => (v === null ? "NaN" : num(v / 1000));
    const gauge = (name: string, help: string, ...lines: string[]): string[] => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines];
    return [
        ...gauge(m.lastRunTimestamp, "Unix time at which the performance run last finished.", `${m.lastRunTimestamp} ${num(timestampSeconds)}`),
        ...gauge(m.passed, "1 when the last performance run passed, else 0.", `${m.passed} ${verdict.verdict === "pass" ? 1 : 0}`),
        ...gauge(
            m.latency,
            "Latency percentiles of the last run (log-linear buckets, within 1% of nearest-rank).",
            `${m.latency}{quantile="0.5"} ${q(run.overall.latencyMs.p50)}`,
            `${m.latency}{quantile="0.95"} ${q(run.overall.latencyMs.p95)}`,
            `${m.latency}{quantile="0.99"} ${q(run.overall.latencyMs.p99)}`,
        ),
        ...gauge(m.errorRatio, "Failed over sent requests in the last run.", `${m.errorRatio} ${num(run.overall.errorRate)}`),
        `# HELP ${m.requestsTotal} Requests of the last run.`,
        `# TYPE ${m.requestsTotal} counter`,
        `${m.requestsTotal} ${run.overall.requests}`,
        ...gauge(m.breakingPointUsers, "Users of the first stage that broke a threshold; NaN when none did.", `${m.breakingPointUsers} ${num(run.breakingPoint?.users)}`),
        ...gauge(m.recoverySeconds, "Spike: seconds until the thresholds held again; NaN otherwise.", `${m.recoverySeconds} ${num(run.recovery?.seconds)}`),
        ...gauge(m.spikeErrorRatio, "Spike: failed over sent requests in the spike's stages; NaN otherwise.", `${m.spikeErrorRatio} ${num(run.recovery?.errorRate)}`),
        "",
    ].join("\n");
}

export { put as pushMetrics };
