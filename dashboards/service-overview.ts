/** Service overview, one service at a time (`service` variable): traffic, errors, latency by color, saturation. */
import { QueryVariableBuilder, VariableRefresh, type Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboard, grafanaUids, promTarget, prometheusRef, timeseries, type DashboardContext } from "./common";

export function serviceOverview(ctx: DashboardContext): Dashboard {
    const { metrics: m, stack } = ctx;
    const sel = `${m.serviceLabel}="$service"`;
    const by = m.colorLabel;
    const rate = (extra: string) => `rate(${m.requestsTotal}{${sel}${extra}}[$__rate_interval])`;
    const quantile = (q: number) =>
        `histogram_quantile(${q}, sum by (${by}, le) (rate(${m.requestDurationSeconds}_bucket{${sel}}[$__rate_interval])))`;
    return dashboard(grafanaUids(stack).dashboards.service, `Launchpad ${stack}: service overview`, stack)
        .withVariable(
            new QueryVariableBuilder("service")
                .label("Service")
                .datasource(prometheusRef(stack))
                .query(`label_values(${m.requestsTotal}, ${m.serviceLabel})`)
                .refresh(VariableRefresh.OnTimeRangeChanged),
        )
        .withPanel(timeseries(1, "Request rate by color", "reqps", 0, 0).withTarget(promTarget(stack, "A", `sum by (${by}) (${rate("")})`, `{{${by}}}`)))
        .withPanel(
            timeseries(2, "Error ratio (5xx) by color", "percentunit", 12, 0).withTarget(
                promTarget(stack, "A", `sum by (${by}) (${rate(`, ${m.statusLabel}=~"5.."`)}) / sum by (${by}) (${rate("")})`, `{{${by}}}`),
            ),
        )
        .withPanel(
            timeseries(3, "Latency p50 / p95 / p99 by color", "s", 0, 8, 24)
                .withTarget(promTarget(stack, "A", quantile(0.5), `p50 {{${by}}}`))
                .withTarget(promTarget(stack, "B", quantile(0.95), `p95 {{${by}}}`))
                .withTarget(promTarget(stack, "C", quantile(0.99), `p99 {{${by}}}`)),
        )
        .withPanel(
            timeseries(4, "Saturation: CPU of the service's pods, cores", "short", 0, 16).withTarget(
                promTarget(stack, "A", `sum by (${by}) (rate(container_cpu_usage_seconds_total{container!="", pod=~"$service-.*"}[$__rate_interval]))`, `{{${by}}}`),
            ),
        )
        .withPanel(
            timeseries(5, "Saturation: requests in flight by route", "short", 12, 16).withTarget(
                promTarget(stack, "A", `topk(10, sum by (${m.routeLabel}) (${rate("")}))`, `{{${m.routeLabel}}}`),
            ),
        )
        .build();
}
