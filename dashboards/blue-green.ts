/** Blue/green: which color is live, ready replicas per color, and the last smoke gate per color. */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { KSM_METRICS, ksmLabel, PUSH_JOBS, SMOKE_METRICS } from "../observability/catalogue";
import { dashboard, grafanaUids, promTarget, pushedSelector, stat, timeseries, trafficShare, type DashboardContext } from "./common";

/** Panel ids, for the alerts' links (dashboards/alert-panels.ts). */
export const BLUE_GREEN_PANELS = { trafficShare: 1, gate: 2, replicas: 3, gateLatency: 4, gateErrors: 5, gateAge: 6 } as const;

/** kube-state-metrics exposes labels and annotations as `label_<name>` with non-alphanumerics as `_`. */
export function ksmName(kind: "label" | "annotation", name: string): string {
    return kind === "label" ? ksmLabel(name) : `annotation_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

export function blueGreen(ctx: DashboardContext): Dashboard {
    const { stack, metrics: m } = ctx;
    const gate = (metric: string, quantile?: string) => pushedSelector(ctx, metric, PUSH_JOBS.smoke, quantile !== undefined ? [`quantile="${quantile}"`] : []);
    const role = ksmName("label", ROLE_LABEL);
    const color = ksmName("label", SELECTOR_LABELS.color);
    const app = ksmName("label", SELECTOR_LABELS.app);
    const P = BLUE_GREEN_PANELS;
    // The live color is where the traffic goes: the live Service carries nothing else that names it
    // (a color switch changes its selector only), and kube-state-metrics does not export selectors.
    return dashboard(grafanaUids(ctx.identifier).dashboards.blueGreen, `Launchpad ${stack}: blue/green`, ctx)
        .withPanel(
            stat(P.trafficShare, "Traffic share per color (the live color takes it all)", "percentunit", 0, 0, 12).withTarget(
                promTarget("A", trafficShare(m, "5m"), `{{${m.serviceLabel}}} {{${m.colorLabel}}}`),
            ),
        )
        .withPanel(
            stat(P.gate, "Last gate result (1 passed, 0 failed)", "none", 12, 0, 12).withTarget(
                promTarget("A", `max by (service, color) (${gate(SMOKE_METRICS.passed)})`, "{{service}} {{color}}"),
            ),
        )
        .withPanel(
            timeseries(P.replicas, "Ready replicas per color", "short", 0, 4).withTarget(
                promTarget(
                    "A",
                    `sum by (${app}, ${color}) (${KSM_METRICS.deploymentReplicasReady}{namespace="$namespace"} * on (namespace, deployment) group_left (${app}, ${color}) ${KSM_METRICS.deploymentLabels}{namespace="$namespace", ${role}="${ROLES.workload}"})`,
                    `{{${app}}} {{${color}}}`,
                ),
            ),
        )
        .withPanel(
            timeseries(P.gateLatency, "Gate latency p50 / p95 / p99", "s", 12, 4)
                .withTarget(promTarget("A", `max by (service, color) (${gate(SMOKE_METRICS.latency, "0.5")})`, "p50 {{service}} {{color}}"))
                .withTarget(promTarget("B", `max by (service, color) (${gate(SMOKE_METRICS.latency, "0.95")})`, "p95 {{service}} {{color}}"))
                .withTarget(promTarget("C", `max by (service, color) (${gate(SMOKE_METRICS.latency, "0.99")})`, "p99 {{service}} {{color}}")),
        )
        .withPanel(
            timeseries(P.gateErrors, "Gate error ratio and requests", "percentunit", 0, 12)
                .withTarget(promTarget("A", `max by (service, color) (${gate(SMOKE_METRICS.errorRatio)})`, "errors {{service}} {{color}}"))
                .withTarget(promTarget("B", `max by (service, color) (${gate(SMOKE_METRICS.requestsTotal)})`, "requests {{service}} {{color}}")),
        )
        .withPanel(
            stat(P.gateAge, "Time since the last gate run", "s", 12, 12, 12).withTarget(
                promTarget("A", `time() - max by (service, color) (${gate(SMOKE_METRICS.lastRunTimestamp)})`, "{{service}} {{color}}"),
            ),
        )
        .build();
}
