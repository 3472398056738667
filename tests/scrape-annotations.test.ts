/**
 * The pod scrape annotations have one owner (SCRAPE_ANNOTATIONS, policies/shared/kubernetes.ts, which observability/scrape-config.ts re-exports) and
 * the two sides agree: what a planned pod sets is what the scrape job's relabelling reads back.
 * Checked by running the planned `kubernetes-pods` job's relabel_configs over the labels Prometheus's
 * Kubernetes discovery gives the planned pod, with Prometheus's own rules:
 * - discovery (prometheus/prometheus discovery/kubernetes/pod.go): one target per container port,
 *   `__address__` = `<pod IP>:<port>`; each pod label and annotation as
 *   `__meta_kubernetes_pod_label_<name>` / `__meta_kubernetes_pod_annotation_<name>`, the name through
 *   `strutil.SanitizeLabelName` (every character outside [a-zA-Z0-9_] becomes `_`);
 * - relabelling (model/relabel/relabel.go): source values joined with `;`, the regex anchored at both
 *   ends, default regex `(.*)`, replacement `$1`, action `replace`; `keep` drops a target whose
 *   value does not match, `drop` one whose value matches; `replace` writes only when it matches.
 * The sanitizing is written here from that source, not taken from the module under test.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pushgatewayValues, PUSHGATEWAY_PORT } from "../components/observability";
import { ROLE_LABEL, ROLES } from "../lib/delivery";
import { input, named, ofType, planStack } from "./support/plan";

interface RelabelConfig {
    readonly source_labels?: readonly string[];
    readonly separator?: string;
    readonly regex?: string;
    readonly target_label?: string;
    readonly replacement?: string;
    readonly action?: string;
}

const POD_IP = "10.20.1.7";

/** The labels Kubernetes discovery gives one container port of a pod. */
function discovered(labels: Record<string, string>, annotations: Record<string, string>, containerPort: number): Map<string, string> {
    const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");
    return new Map([
        ["__address__", `${POD_IP}:${containerPort}`],
        ["__metrics_path__", "/metrics"],
        ["__meta_kubernetes_namespace", "launchpad-staging"],
        ["__meta_kubernetes_pod_name", "api-blue-5c4f"],
        ["__meta_kubernetes_pod_phase", "Running"],
        ...Object.entries(labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${sanitize(k)}`, v] as [string, string]),
        ...Object.entries(annotations).map(([k, v]) => [`__meta_kubernetes_pod_annotation_${sanitize(k)}`, v] as [string, string]),
    ]);
}

/** The target's labels after relabelling, or undefined when a rule drops it. Only the actions the job uses. */
function relabel(target: ReadonlyMap<string, string>, rules: readonly RelabelConfig[]): Map<string, string> | undefined {
    const out = new Map(target);
    for (const r of rules) {
        const value = (r.source_labels ?? []).map((l) => out.get(l) ?? "").join(r.separator ?? ";");
        const match = new RegExp(`^(?:${r.regex ?? "(.*)"})$`).exec(value);
        const action = r.action ?? "replace";
        if (action === "keep") {
            if (match === null) {
                return undefined;
            }
        } else if (action === "drop") {
            if (match !== null) {
                return undefined;
            }
        } else if (action === "replace") {
            if (match !== null && r.target_label !== undefined) {
                out.set(r.target_label, (r.replacement ?? "$1").replace(/\$\{?(\d+)\}?/g, (_, i: string) => match[Number(i)] ?? ""));
            }
        } else {
            throw new Error(`relabel action ${action} is not simulated here`);
        }
    }
    return out;
}

describe("the pod scrape annotations, written by the pods and read by the scrape job", async () => {
    // A metrics path other than the default, so the path rule is seen to read the pod's annotation.
    const plan = await planStack("staging", ["services.api.metricsPath=/internal/metrics"]);
    const config = parse(String(input(named(plan, "launchpad-staging-observability-scraper"), "scrapeConfiguration"))) as { scrape_configs: { job_name: string; relabel_configs: RelabelConfig[] }[] };
    const podsJob = config.scrape_configs.find((j) => j.job_name === "kubernetes-pods");
    const workloads = ofType(plan, "kubernetes:apps/v1:Deployment").filter((d) => (input(d, "spec.template.metadata.labels") as Record<string, string>)[ROLE_LABEL] === ROLES.workload);

    it("every color's pods are scraped at the service's port and metrics path, with its service and color labels", () => {
        expect(podsJob).toBeDefined();
        expect(workloads.map((d) => d.name).sort()).toEqual(["launchpad-staging-api-blue", "launchpad-staging-api-green"]);
        for (const d of workloads) {
            const labels = input(d, "spec.template.metadata.labels") as Record<string, string>;
            const annotations = input(d, "spec.template.metadata.annotations") as Record<string, string>;
            const [port] = input(d, "spec.template.spec.containers.0.ports") as { containerPort: number }[];
            const target = relabel(discovered(labels, annotations, port.containerPort), podsJob?.relabel_configs ?? []);
            expect(target?.get("__address__")).toBe(`${POD_IP}:8080`);
            expect(target?.get("__metrics_path__")).toBe("/internal/metrics");
            expect([target?.get("service"), target?.get("color")]).toEqual(["api", labels.color]);
        }
    });

    it("a pod without the annotations is not scraped, and a Pushgateway that asks for it is, at its port", () => {
        const [d] = workloads;
        const labels = input(d, "spec.template.metadata.labels") as Record<string, string>;
        expect(relabel(discovered(labels, {}, 8080), podsJob?.relabel_configs ?? [])).toBeUndefined();
        const pushgateway = pushgatewayValues(true).podAnnotations as Record<string, string>;
        const target = relabel(discovered({}, pushgateway, PUSHGATEWAY_PORT), podsJob?.relabel_configs ?? []);
        expect(target?.get("__address__")).toBe(`${POD_IP}:${PUSHGATEWAY_PORT}`);
        expect(target?.get("__metrics_path__")).toBe("/metrics");
        expect(pushgatewayValues(false).podAnnotations).toBeUndefined();
    });
});
