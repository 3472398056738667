/** Blue/green: which color is live, ready replicas per color, and the last smoke gate per color. */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { PUSH_JOBS } from "../observability/alerts";
import { dashboard, grafanaUids, promTarget, stat, timeseries, type DashboardContext } from "./common";

/** kube-state-metrics exposes labels and annotations as `label_<name>` with non-alphanumerics as `_`. */
export function ksmName(kind: "label" | "annotation", name: string): string {
    return `${kind}_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

export function blueGreen(ctx: DashboardContext): Dashboard {
    const { stack, metrics: m } = ctx;
    const gate = (metric: string, extra = "") => `${metric}{job="${PUSH_JOBS.smoke}"${extra}}`;
    const role = ksmName("label", ROLE_LABEL);
    const color = ksmName("label", SELECTOR_LABELS.color);
    const app = ksmName("label", SELECTOR_LABELS.app);
    // The live color is where the traffic goes: the live Service carries nothing else that names it
    // (a color switch changes its selector only), and kube-state-metrics does not export selectors.
    const byColor = `sum by (${m.serviceLabel}, ${m.colorLabel}) (rate(${m.requestsTotal}[5m]))`;
    const byService = `sum by (${m.serviceLabel}) (rate(${m.requestsTotal}[5m]))`;
    return dashboard(grafanaUids(stack).dashboards.blueGreen, `Launchpad ${stack}: blue/green`, stack)
        .withPanel(
            stat(1, "Traffic share per color (the live color takes it all)", "percentunit", 0, 0, 12).withTarget(
                promTarget(stack, "A", `${byColor} / on (${m.serviceLabel}) group_left ${byService}`, `{{${m.serviceLabel}}} {{${m.colorLabel}}}`),
            ),
        )
        .withPanel(
            stat(2, "Last gate result (1 passed, 0 failed)", "none", 12, 0, 12).withTarget(
                promTarget(stack, "A", `max by (service, color) (${gate("launchpad_smoke_gate_passed")})`, "{{service}} {{color}}"),
            ),
        )
        .withPanel(
            timeseries(3, "Ready replicas per color", "short", 0, 4).withTarget(
                promTarget(
                    stack,
                    "A",
                    `sum by (${app}, ${color}) (kube_deployment_status_replicas_ready * on (namespace, deployment) group_left (${app}, ${color}) kube_deployment_labels{${role}="${ROLES.workload}"})`,
                    `{{${app}}} {{${color}}}`,
                ),
            ),
        )
        .withPanel(
            timeseries(4, "Gate latency p50 / p95 / p99", "s", 12, 4)
                .withTarget(promTarget(stack, "A", `max by (service, color) (${gate("launchpad_smoke_gate_latency_seconds", ', quantile="0.5"')})`, "p50 {{service}} {{color}}"))
                .withTarget(promTarget(stack, "B", `max by (service, color) (${gate("launchpad_smoke_gate_latency_seconds", ', quantile="0.95"')})`, "p95 {{service}} {{color}}"))
                .withTarget(promTarget(stack, "C", `max by (service, color) (${gate("launchpad_smoke_gate_latency_seconds", ', quantile="0.99"')})`, "p99 {{service}} {{color}}")),
        )
        .withPanel(
            timeseries(5, "Gate error ratio and requests", "percentunit", 0, 12)
                .withTarget(promTarget(stack, "A", `max by (service, color) (${gate("launchpad_smoke_gate_error_ratio")})`, "errors {{service}} {{color}}"))
                .withTarget(promTarget(stack, "B", `max by (service, color) (${gate("launchpad_smoke_gate_requests_total")})`, "requests {{service}} {{color}}")),
        )
        .withPanel(
            stat(6, "Time since the last gate run", "s", 12, 12, 12).withTarget(
                promTarget(stack, "A", `time() - max by (service, color) (${gate("launchpad_smoke_gate_last_run_timestamp_seconds")})`, "{{service}} {{color}}"),
            ),
        )
        .build();
}
