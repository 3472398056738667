/**
 * What every Launchpad dashboard shares: the data sources by fixed uid, panel sizes, the one way
 * to make a PromQL or CloudWatch target (each with its `refId`: the SDK sets none), and fixed uids.
 */
import { DashboardBuilder, type Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { MetricsQueryBuilder } from "@grafana/grafana-foundation-sdk/cloudwatch";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import type { AppMetricsConfig, ThresholdsConfig } from "../config";

/** Fixed uids of a stack's Grafana objects, so dashboards and rules can name them. */
export function grafanaUids(stack: string) {
    return {
        folder: `launchpad-${stack}`,
        prometheus: `launchpad-${stack}-prometheus`,
        cloudwatch: `launchpad-${stack}-cloudwatch`,
        dashboards: {
            service: `launchpad-${stack}-service`,
            blueGreen: `launchpad-${stack}-blue-green`,
            database: `launchpad-${stack}-database`,
            backups: `launchpad-${stack}-backups`,
        },
    } as const;
}

export interface DashboardContext {
    readonly stack: string;
    readonly region: string;
    readonly metrics: AppMetricsConfig;
    readonly thresholds: ThresholdsConfig;
    /** The RDS instance, where the stack has one. */
    readonly dbInstanceIdentifier?: string;
}

export const prometheusRef = (stack: string) => ({ type: "prometheus", uid: grafanaUids(stack).prometheus });
export const cloudwatchRef = (stack: string) => ({ type: "cloudwatch", uid: grafanaUids(stack).cloudwatch });

/** A PromQL target with its refId and data source. */
export function promTarget(stack: string, refId: string, expr: string, legend: string): DataqueryBuilder {
    return new DataqueryBuilder().refId(refId).datasource(prometheusRef(stack)).expr(expr).legendFormat(legend).range();
}

/** A CloudWatch metric target with its refId and data source. */
export function cloudwatchTarget(ctx: DashboardContext, refId: string, namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string): MetricsQueryBuilder {
    return new MetricsQueryBuilder()
        .refId(refId)
        .datasource(cloudwatchRef(ctx.stack))
        .region(ctx.region)
        .namespace(namespace)
        .metricName(metricName)
        .dimensions(dimensions)
        .statistic(statistic)
        .period("300")
        .matchExact(true);
}

/** A time series panel at a grid position (24 columns; 8 rows high). */
export function timeseries(id: number, title: string, unit: string, x: number, y: number, w = 12): TimeseriesPanel {
    return new TimeseriesPanel().id(id).title(title).unit(unit).gridPos({ x, y, w, h: 8 });
}

/** A stat panel at a grid position (4 rows high). */
export function stat(id: number, title: string, unit: string, x: number, y: number, w = 6): StatPanel {
    return new StatPanel().id(id).title(title).unit(unit).gridPos({ x, y, w, h: 4 });
}

/** A dashboard with the shared defaults: UTC, last 6 hours, refresh every minute, tagged launchpad. */
export function dashboard(uid: string, title: string, stack: string): DashboardBuilder {
    return new DashboardBuilder(title).uid(uid).tags(["launchpad", stack]).timezone("utc").time({ from: "now-6h", to: "now" }).refresh("1m").readonly();
}

/** The JSON the Grafana provider takes (`configJson`). */
export function toConfigJson(d: Dashboard): string {
    return JSON.stringify(d);
}
