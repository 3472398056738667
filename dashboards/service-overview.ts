/**
 * Service overview, one service at a time (`$service`, `$color`): traffic, errors, latency, and
 * saturation per color (CPU, memory, requests in flight, database pool, queue depth).
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { CADVISOR_METRICS, KSM_METRICS } from "../observability/catalogue";
import { ksmName } from "./blue-green";
import { appSelector, dashboard, grafanaUids, promTarget, timeseries, type DashboardContext } from "./common";

/** Panel ids, for the alerts' links (dashboards/alert-panels.ts). */
export const SERVICE_PANELS = { requestRate: 1, errorRatio: 2, latency: 3, cpu: 4, inFlight: 5, memory: 6, database: 7, queue: 8 } as const;

/**
 * A cAdvisor metric per color: cAdvisor has no `color` label, so each container series is joined
 * through kube-state-metrics' `kube_pod_labels` (pod labels allowed in `metricLabelsAllowlist`), of
 * the Deployment's pods only: a load-test Job's pod carries the app and color too, and an hour's
 * soak of its CPU would read as the color's.
 */
export function perColor(metric: string, rate: boolean): string {
    const color = ksmName("label", SELECTOR_LABELS.color);
    const app = ksmName("label", SELECTOR_LABELS.app);
    const role = ksmName("label", ROLE_LABEL);
    const series = `${metric}{namespace="$namespace", container!="", container!="POD"}`;
    const value = rate ? `rate(${series}[$__rate_interval])` : series;
    const labels = `max by (namespace, pod, ${color}) (${KSM_METRICS.podLabels}{namespace="$namespace", ${app}="$service", ${color}=~"$color", ${role}="${ROLES.workload}"})`;
    return `sum by (${color}) (${value} * on (namespace, pod) group_left (${color}) ${labels})`;
}

export function serviceOverview(ctx: DashboardContext): Dashboard {
    const { metrics: m, stack } = ctx;
    const sel = appSelector(m);
    const by = m.colorLabel;
    const P = SERVICE_PANELS;
    const rate = (extra: string) => `rate(${m.requestsTotal}{${sel}${extra}}[$__rate_interval])`;
    const quantile = (q: number) =>
        `histogram_quantile(${q}, sum by (${by}, le) (rate(${m.requestDurationSeconds}_bucket{${sel}}[$__rate_interval])))`;
    // A healthy color has no 5xx series at all: its zero rate stands in, so the panel shows 0, not "No data".
    const errors = `(sum by (${by}) (${rate(`, ${m.statusLabel}=~"5.."`)}) or sum by (${by}) (${rate("")}) * 0)`;
    const color = ksmName("label", SELECTOR_LABELS.color);
    const d = dashboard(grafanaUids(ctx.identifier).dashboards.service, `Launchpad ${stack}: service overview`, ctx)
        .withPanel(timeseries(P.requestRate, "Request rate by color", "reqps", 0, 0).withTarget(promTarget("A", `sum by (${by}) (${rate("")})`, `{{${by}}}`)))
        .withPanel(
            timeseries(P.errorRatio, "Error ratio (5xx) by color", "percentunit", 12, 0).withTarget(
                promTarget("A", `${errors} / sum by (${by}) (${rate("")})`, `{{${by}}}`),
            ),
        )
        .withPanel(
            timeseries(P.latency, "Latency p50 / p95 / p99 by color", "s", 0, 8, 24)
                .withTarget(promTarget("A", quantile(0.5), `p50 {{${by}}}`))
                .withTarget(promTarget("B", quantile(0.95), `p95 {{${by}}}`))
                .withTarget(promTarget("C", quantile(0.99), `p99 {{${by}}}`)),
        )
        .withPanel(
            timeseries(P.inFlight, "Requests in flight by color", "short", 12, 16).withTarget(
                promTarget("A", `sum by (${by}) (${m.requestsInFlight}{${sel}}) or on() vector(0)`, `{{${by}}}`),
            ),
        )
        .withPanel(
            timeseries(P.database, "Database: pool connections in use and maximum, failed connections", "short", 0, 24)
                .withTarget(promTarget("A", `sum by (${by}) (${m.dbPoolConnectionsInUse}{${sel}}) or on() vector(0)`, `in use {{${by}}}`))
                .withTarget(promTarget("B", `sum by (${by}) (${m.dbPoolConnectionsMax}{${sel}})`, `max {{${by}}}`))
                .withTarget(promTarget("C", `sum by (${by}) (increase(${m.dbConnectionErrorsTotal}{${sel}}[$__rate_interval])) or on() vector(0)`, `failed {{${by}}}`)),
        )
        .withPanel(
            timeseries(P.queue, "Queue depth", "short", 12, 24).withTarget(
                promTarget("A", `sum by (queue) (${m.queueDepth}{${sel}}) or on() vector(0)`, "{{queue}}"),
            ),
        );
    if (ctx.containerMetrics) {
        d.withPanel(timeseries(P.cpu, "CPU by color, cores", "short", 0, 16).withTarget(promTarget("A", perColor(CADVISOR_METRICS.cpuSeconds, true), `{{${color}}}`)))
            .withPanel(timeseries(P.memory, "Memory (working set) by color", "bytes", 0, 32).withTarget(promTarget("A", perColor(CADVISOR_METRICS.memoryWorkingSet, false), `{{${color}}}`)));
    }
    return d.build();
}
