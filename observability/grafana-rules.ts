/**
 * The alerts as Grafana-managed rule groups (`grafana.alerting.RuleGroup` args).
 *
 * Each rule is three nodes, as Grafana's own editor builds them: A, the query (PromQL on the
 * stack's Prometheus data source); B, a `reduce` expression taking A to
 * one number per series; C, a `threshold` expression on B, the rule's `condition`. Expressions run
 * on the `__expr__` data source. Every `model` is a JSON string, as the provider requires.
 *
 * The models' fields are the ones Grafana's server-side expressions read (grafana/grafana):
 * - reduce, pkg/expr/commands.go `UnmarshalReduceCommand`: `expression` (the refId reduced),
 *   `reducer` (`last`), `settings.mode` (`dropNN` drops NaN and null); `ReduceCommand.Execute`
 *   passes an instant query's Number through unchanged, so B is A's value per series.
 * - threshold, pkg/expr/threshold.go `UnmarshalThresholdCommand`: `expression` and exactly one
 *   `conditions[].evaluator` of `type` `gt` or `lt` with `params: [threshold]`.
 * - `noDataState` (`OK`, `Alerting`) and `execErrState` (`Error`, `OK`):
 *   pkg/services/ngalert/models/alert_rule.go `NoDataStateFromString`, `ErrStateFromString`.
 */
import type * as grafana from "@pulumiverse/grafana";
import { createHash } from "node:crypto";
import type { AlertDefinition, AlertGroup } from "./alerts";
import { alertAnnotations, alertLabels } from "./prometheus-rules";

/** Grafana's expression data source. */
export const EXPRESSION_DATASOURCE_UID = "__expr__";

export interface GrafanaRuleTargets {
    readonly stack: string;
    readonly folderUid: string;
    readonly prometheusUid: string;
    /**
     * The plugin type of that data source (dashboards/common.ts `prometheusDatasourceType`).
     * @default "prometheus"
     */
    readonly prometheusType?: string;
    /**
     * The dashboard panel that shows an alert's query, by alert name: Grafana links the alert to it
     * through the `__dashboardUid__` and `__panelId__` annotations.
     */
    readonly panelOf: (alertName: string) => { readonly dashboardUid: string; readonly panelId: number } | undefined;
    /**
     * A heartbeat contact point receives `severity=none`. Without one the Watchdog is left out: it
     * always fires, and the default route would bring it to people at every repeat interval.
     * @default false
     */
    readonly heartbeat?: boolean;
}

type RuleArgs = grafana.types.input.alerting.RuleGroupRule;
type DataArgs = grafana.types.input.alerting.RuleGroupRuleData;

/** A stable rule uid (Grafana allows 40 characters): the stack and the alert name, hashed. */
export function ruleUid(stack: string, name: string): string {
    return `lp-${createHash("sha256").update(`${stack}/${name}`).digest("hex").slice(0, 20)}`;
}

/**
 * Grafana's `$value` is every node's value as text: templates read node B's number instead,
 * `$values.B.Value` (grafana/grafana docs/sources/alerting/alerting-rules/templates/reference.md,
 * "$values" and "$value"; the `humanize*` functions the summaries pipe it to are listed there too).
 */
export function grafanaTemplate(text: string): string {
    return text.replace(/\$value\b(?!s)/g, "$values.B.Value");
}

function queryNode(alert: AlertDefinition, t: GrafanaRuleTargets): DataArgs {
    return {
        refId: "A",
        datasourceUid: t.prometheusUid,
        queryType: "",
        relativeTimeRange: { from: 600, to: 0 },
        model: JSON.stringify({
            refId: "A",
            datasource: { type: t.prometheusType ?? "prometheus", uid: t.prometheusUid },
            expr: alert.query,
            instant: true,
            range: false,
            intervalMs: 60000,
            maxDataPoints: 43200,
        }),
    };
}

function expressionNode(refId: string, model: Record<string, unknown>): DataArgs {
    return {
        refId,
        datasourceUid: EXPRESSION_DATASOURCE_UID,
        queryType: "",
        relativeTimeRange: { from: 0, to: 0 },
        model: JSON.stringify({ refId, datasource: { type: "__expr__", uid: EXPRESSION_DATASOURCE_UID }, ...model }),
    };
}

/**
 * What a failed evaluation (the data source unreachable, its query refused) makes of a rule.
 * `Error`: Grafana sends a `DatasourceError` alert that keeps the rule's labels and renames only
 * `alertname` (pkg/services/ngalert/schedule/compat.go `errorAlert`), so it reaches the rule's
 * route: the failure pages or tickets like the alert would. The Watchdog (severity `none`) alone
 * gets `OK` (pkg/services/ngalert/state/state.go `resultError`: `OkErrState` -> `resultNormal`):
 * with `Error` its `DatasourceError` would keep pinging the heartbeat while Grafana cannot read
 * Prometheus, and the dead man's switch would never trip on the data source's death.
 */
export function execErrState(alert: AlertDefinition): "Error" | "OK" {
    return alert.severity === "none" ? "OK" : "Error";
}

export function grafanaRule(alert: AlertDefinition, t: GrafanaRuleTargets): RuleArgs {
    const panel = t.panelOf(alert.name);
    const annotations = {
        ...Object.fromEntries(Object.entries(alertAnnotations(alert)).map(([k, v]) => [k, grafanaTemplate(v)])),
        ...(panel !== undefined ? { __dashboardUid__: panel.dashboardUid, __panelId__: String(panel.panelId) } : {}),
    };
    return {
        uid: ruleUid(t.stack, alert.name),
        name: alert.name,
        for: alert.for,
        condition: "C",
        noDataState: alert.noData,
        execErrState: execErrState(alert),
        labels: alertLabels(alert, t.stack),
        annotations,
        isPaused: false,
        datas: [
            queryNode(alert, t),
            expressionNode("B", { type: "reduce", expression: "A", reducer: "last", settings: { mode: "dropNN" } }),
            expressionNode("C", {
                type: "threshold",
                expression: "B",
                conditions: [{ evaluator: { type: alert.op === ">" ? "gt" : "lt", params: [alert.threshold] } }],
            }),
        ],
    };
}

/** One RuleGroup's args per alert group, in the stack's folder. */
export function grafanaRuleGroups(groups: readonly AlertGroup[], t: GrafanaRuleTargets): grafana.alerting.RuleGroupArgs[] {
    return groups.map((g) => ({
        name: g.name,
        folderUid: t.folderUid,
        intervalSeconds: g.intervalSeconds,
        rules: g.alerts.filter((a) => a.severity !== "none" || (t.heartbeat ?? false)).map((a) => grafanaRule(a, t)),
    }));
}
