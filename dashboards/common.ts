/**
 * What every Launchpad dashboard shares: the data sources by fixed uid, panel sizes, the one way
 * to make a PromQL or CloudWatch target (each with its `refId`: the SDK sets none), and fixed uids.
 */
import {
    AnnotationQueryBuilder,
    DashboardBuilder,
    DatasourceVariableBuilder,
    QueryVariableBuilder,
    VariableRefresh,
    type Dashboard,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { MetricsQueryBuilder } from "@grafana/grafana-foundation-sdk/cloudwatch";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import type { AppMetricsConfig, DbEngine, ThresholdsConfig } from "../config";
import { PUSH_JOBS, SMOKE_METRICS } from "../observability/catalogue";

/**
 * Grafana's longest uid, for folders, data sources, dashboards and rules alike: grafana/grafana
 * pkg/util/shortid_generator.go `IsShortUIDTooLong` refuses more than 40 characters.
 */
export const GRAFANA_MAX_UID_LENGTH = 40;

/**
 * Fixed uids of a stack's Grafana objects, so dashboards and rules can name them: the stack's
 * identifier, `<project>-<stack>` (lib/stack-name.ts `stackIdentifier`, the one owner of that
 * prefix), and a role.
 */
export function grafanaUids(identifier: string) {
    return {
        folder: identifier,
        prometheus: `${identifier}-prometheus`,
        cloudwatch: `${identifier}-cloudwatch`,
        dashboards: {
            service: `${identifier}-service`,
            blueGreen: `${identifier}-blue-green`,
            database: `${identifier}-database`,
            backups: `${identifier}-backups`,
        },
    } as const;
}

export interface DashboardContext {
    /** The stack's name, as titles show it. */
    readonly stack: string;
    /** The stack's identifier, `<project>-<stack>` (lib/stack-name.ts): the prefix of every Grafana uid (`grafanaUids`). */
    readonly identifier: string;
    /** The application namespace: the `$namespace` variable's default. */
    readonly namespace: string;
    /**
     * The Prometheus is shared (`observability.prometheusUrl`): its jobs attach `namespace` to the
     * pushed series too, and other stacks push the same job names, so the pushed-metric panels and
     * the gate annotations also select `namespace="$namespace"` (as the alerts select the stack's).
     * @default false (the stack's own AMP workspace: pushed series carry no namespace)
     */
    readonly sharedPrometheus?: boolean;
    readonly region: string;
    readonly metrics: AppMetricsConfig;
    readonly thresholds: ThresholdsConfig;
    /** The RDS instance, where the stack has one. */
    readonly dbInstanceIdentifier?: string;
    /**
     * The stack's AWS Backup vault (`AlertContext.data.backupVaultName`), required with
     * `dbInstanceIdentifier`: the AWS/Backup panels select its jobs.
     * @default - none: a stack without a database has no backups dashboard
     */
    readonly backupVaultName?: string;
    /**
     * The database engine (`AlertContext.data.engine`): PostgreSQL's database dashboard adds the
     * transaction ID panel.
     * @default - no engine-specific panel
     */
    readonly dbEngine?: DbEngine;
    /** cAdvisor is scraped: the CPU and memory panels exist. */
    readonly containerMetrics: boolean;
    /** Automated backups are replicated to the DR region: the DR lag is plotted. */
    readonly drReplication: boolean;
    /**
     * The plugin type of the stack's Prometheus data source (`prometheusDatasourceType`): the
     * `$datasource` variable lists data sources of this type only.
     * @default "prometheus"
     */
    readonly prometheusType?: string;
}

/**
 * The plugin of Amazon Managed Service for Prometheus in Grafana. SigV4 on the core Prometheus
 * data source is deprecated: Amazon Managed Grafana 12 removed it and migrates such data sources to
 * this plugin, and Grafana 13 migrates them on startup (`prometheusTypeMigration`), after which a
 * data source declared as `prometheus` would differ on every `pulumi up` (Grafana docs,
 * datasources/prometheus/configure/aws-authentication; Amazon Managed Grafana User Guide,
 * prometheus-manually-adding; grafana.com/docs/plugins/grafana-amazonprometheus-datasource: same
 * `jsonData` keys, `sigV4Auth`, `sigV4AuthType`, `sigV4Region`, `httpMethod`). The Grafana provider
 * itself warns on the old form (grafana/terraform-provider-grafana
 * internal/resources/grafana/resource_data_source.go `checkDeprecatedPrometheusAuth`), and its `type`
 * is not ForceNew: a stack that had the old type has its data source updated in place, same uid.
 */
export const AMP_DATASOURCE_TYPE = "grafana-amazonprometheus-datasource";

/** The plugin type of the stack's Prometheus data source: AMP's plugin when queries are SigV4-signed. */
export function prometheusDatasourceType(sigV4: boolean): string {
    return sigV4 ? AMP_DATASOURCE_TYPE : "prometheus";
}

export const cloudwatchRef = (identifier: string) => ({ type: "cloudwatch", uid: grafanaUids(identifier).cloudwatch });

/**
 * What panels query: the `$datasource` variable, which defaults to the stack's Prometheus. By uid
 * alone: the data source's type is the variable's (core Prometheus or AMP's plugin).
 */
export const DATASOURCE_VARIABLE = { uid: "${datasource}" } as const;

/** A PromQL target with its refId, on the `$datasource` variable. */
export function promTarget(refId: string, expr: string, legend: string): DataqueryBuilder {
    return new DataqueryBuilder().refId(refId).datasource(DATASOURCE_VARIABLE).expr(expr).legendFormat(legend).range();
}

/** The application's label selector for the chosen namespace, service and colors. */
export function appSelector(m: AppMetricsConfig): string {
    return `namespace="$namespace", ${m.serviceLabel}="$service", ${m.colorLabel}=~"$color"`;
}

/**
 * A pushed group's series (`job` and `matchers`), in `$namespace` where the Prometheus is shared
 * (`DashboardContext.sharedPrometheus`).
 */
export function pushedSelector(ctx: Pick<DashboardContext, "sharedPrometheus">, metric: string, job: string, matchers: readonly string[] = []): string {
    return `${metric}{${[`job="${job}"`, ...matchers, ...((ctx.sharedPrometheus ?? false) ? ['namespace="$namespace"'] : [])].join(", ")}}`;
}

/**
 * The `$datasource` (any Prometheus, the stack's by default), `$namespace` (the stack's by
 * default: a shared Prometheus lists other stacks' and teams' namespaces too, and Grafana would
 * otherwise pick the first), `$service` and `$color` variables, each read from the application's
 * request counter.
 */
export function variables(ctx: Pick<DashboardContext, "stack" | "identifier" | "namespace" | "metrics" | "prometheusType">): (DatasourceVariableBuilder | QueryVariableBuilder)[] {
    const { stack, metrics: m } = ctx;
    const query = (name: string, label: string, expr: string) =>
        new QueryVariableBuilder(name).label(label).datasource(DATASOURCE_VARIABLE).query(expr).refresh(VariableRefresh.OnTimeRangeChanged);
    return [
        new DatasourceVariableBuilder("datasource").label("Data source").type(ctx.prometheusType ?? "prometheus")
            .current({ text: `Launchpad ${stack} Prometheus`, value: grafanaUids(ctx.identifier).prometheus }),
        query("namespace", "Namespace", `label_values(${m.requestsTotal}, namespace)`).current({ text: ctx.namespace, value: ctx.namespace }),
        query("service", "Service", `label_values(${m.requestsTotal}{namespace="$namespace"}, ${m.serviceLabel})`),
        query("color", "Color", `label_values(${m.requestsTotal}{namespace="$namespace", ${m.serviceLabel}="$service"}, ${m.colorLabel})`)
            .multi(true).includeAll(true).allValue(".*"),
    ];
}

/** Traffic share of each color of each service. */
export function trafficShare(m: AppMetricsConfig, window: string, offset = ""): string {
    const rate = `rate(${m.requestsTotal}{namespace="$namespace"}[${window}]${offset})`;
    return `sum by (${m.serviceLabel}, ${m.colorLabel}) (${rate}) / on (${m.serviceLabel}) group_left sum by (${m.serviceLabel}) (${rate})`;
}

/**
 * How recent a gate verdict's `last_run_timestamp` must be at an annotation step for the step to
 * mark it: two of the annotations' 60 s steps, so that at least one step falls after the scrape
 * (30 s, SCRAPE_INTERVAL_SECONDS) that brought the push in.
 */
export const GATE_ANNOTATION_WINDOW_SECONDS = 120;

/**
 * Annotations: each gate verdict (a `last_run_timestamp` of the smoke gate's push less than
 * GATE_ANNOTATION_WINDOW_SECONDS old at the step, passed or failed) and each color switch (a color
 * taking most of a service's traffic, which it did not five minutes earlier: the live Service's
 * selector is all that moves, and nothing exports it). The verdict's age, not `changes()` of its
 * timestamp: a color's first gate run creates its series, and `changes()` of a series that has a
 * single value is 0 (prometheus/prometheus docs/querying/functions.md, `changes()`: "returns the
 * number of times its value has changed within the provided time range"), so the first verdict of
 * each service and color went unmarked (tests/gate-annotations.test.ts, on promtool's engine).
 */
export function deliveryAnnotations(ctx: Pick<DashboardContext, "metrics" | "sharedPrometheus">): AnnotationQueryBuilder[] {
    const m = ctx.metrics;
    const gate = (metric: string) => pushedSelector(ctx, metric, PUSH_JOBS.smoke);
    const verdict = (passed: 0 | 1) =>
        `(${gate(SMOKE_METRICS.passed)} == ${passed}) and on (service, color) (time() - ${gate(SMOKE_METRICS.lastRunTimestamp)} < ${GATE_ANNOTATION_WINDOW_SECONDS})`;
    const annotation = (name: string, color: string, expr: string, title: string) =>
        new AnnotationQueryBuilder().name(name).datasource(DATASOURCE_VARIABLE).enable(true).iconColor(color).expr(expr).titleFormat(title).step("60s");
    return [
        annotation("Gate passed", "green", verdict(1), "Gate passed: {{service}} {{color}}"),
        annotation("Gate failed", "red", verdict(0), "Gate failed: {{service}} {{color}}"),
        annotation(
            "Color switch",
            "blue",
            `(${trafficShare(m, "2m")} > 0.5) unless (${trafficShare(m, "2m", " offset 5m")} > 0.5)`,
            `Switch: {{${m.serviceLabel}}} to {{${m.colorLabel}}}`,
        ),
    ];
}

/** A CloudWatch metric target with its refId and data source. */
export function cloudwatchTarget(ctx: DashboardContext, refId: string, namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string): MetricsQueryBuilder {
    return new MetricsQueryBuilder()
        .refId(refId)
        .datasource(cloudwatchRef(ctx.identifier))
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

/**
 * A dashboard with the shared defaults: UTC, last 6 hours, refresh every minute, tagged launchpad,
 * the data source, namespace, service and color variables, and the delivery annotations.
 */
export function dashboard(uid: string, title: string, ctx: DashboardContext): DashboardBuilder {
    const { stack } = ctx;
    const d = new DashboardBuilder(title).uid(uid).tags(["launchpad", stack]).timezone("utc").time({ from: "now-6h", to: "now" }).refresh("1m").readonly();
    for (const v of variables(ctx)) {
        d.withVariable(v);
    }
    return d.annotations(deliveryAnnotations(ctx));
}

/** The JSON the Grafana provider takes (`configJson`). */
export function toConfigJson(d: Dashboard): string {
    return JSON.stringify(d);
}
