/**
 * What the AMP managed scraper collects, as the Prometheus scrape configuration it takes, and the
 * cluster permissions it needs (AWS's documented `aps-collector-role` for the user
 * `aps-collector-user`). The scraper reaches targets through Kubernetes service discovery, never
 * cluster DNS: it runs outside the cluster, in the VPC. Its fields are those of AWS's default scraper
 * configuration (`aws amp get-default-scraper-configuration`, vendored in vendor/amp-scraper/ from
 * the AWS provider's acceptance test that creates a scraper with it), and no other: `honor_labels`,
 * role pod, node and endpoints discovery, `keep` on the namespace (as AWS's apiserver job does,
 * rather than discovery's `namespaces`, which no AWS configuration shows the scraper taking) and
 * AWS's own cAdvisor job (tests/prometheus-scrape-config.test.ts holds every field to that file).
 */
import { stringify } from "yaml";
import type { AppMetricsConfig } from "../config";
import { SELECTOR_LABELS } from "../lib/delivery";
import { SCRAPE_ANNOTATIONS } from "../lib/kubernetes";
import { SCRAPE_INTERVAL_SECONDS, SCRAPE_JOBS } from "./catalogue";

/** The Kubernetes user AWS's manual set-up maps the scraper's service-linked role to, bound to `aps-collector-role`. */
export const SCRAPER_USER = "aps-collector-user";

/** Service names the Helm releases get (their charts' `fullnameOverride`), which the scraper keeps. */
export const EXPORTER_SERVICES = { kubeStateMetrics: "kube-state-metrics", pushgateway: "pushgateway" } as const;

/**
 * The pod scrape annotations (`prometheus.io/*`), owned by policies/shared/kubernetes.ts so the
 * NetworkPolicy preflight reads the same spelling; the pods that set them and the job below that
 * reads them back take them from here.
 */
export { SCRAPE_ANNOTATIONS };

/** The annotations asking for a scrape of `port`, at `path` when given (else the job's default, /metrics). */
export function scrapeAnnotations(port: number, path?: string): Record<string, string> {
    return {
        [SCRAPE_ANNOTATIONS.scrape]: "true",
        [SCRAPE_ANNOTATIONS.port]: String(port),
        ...(path !== undefined ? { [SCRAPE_ANNOTATIONS.path]: path } : {}),
    };
}

/**
 * A pod label or annotation as the label Kubernetes service discovery gives it:
 * `__meta_kubernetes_pod_<kind>_<name>`, the name with every character outside [a-zA-Z0-9_] made
 * `_` (prometheus/prometheus discovery/kubernetes/pod.go, `podLabelPrefix` / `podAnnotationPrefix`
 * + `strutil.SanitizeLabelName`).
 */
export function podMetaLabel(kind: "label" | "annotation", name: string): string {
    return `__meta_kubernetes_pod_${kind}_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Keeps the targets of `namespace` only (a namespace name is a DNS label: no regex metacharacter but `-`, literal here). */
function inNamespace(namespace: string): Record<string, unknown> {
    return { source_labels: ["__meta_kubernetes_namespace"], regex: namespace, action: "keep" };
}

function endpointsJob(job: string, namespace: string, service: string, honorLabels: boolean): Record<string, unknown> {
    return {
        job_name: job,
        honor_labels: honorLabels,
        kubernetes_sd_configs: [{ role: "endpoints" }],
        relabel_configs: [
            inNamespace(namespace),
            { source_labels: ["__meta_kubernetes_service_name"], regex: service, action: "keep" },
            { source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: "http|metrics", action: "keep" },
        ],
    };
}

/**
 * cAdvisor through the API server's node proxy, as AWS's default scraper configuration scrapes it
 * (its `cadvisor` job, vendor/amp-scraper/default-scrape-configuration.yaml). Every node's target
 * has the same address, so the node's labels (`labelmap`, e.g. `kubernetes_io_hostname`) are what
 * tell the nodes' `up` and node-level series apart: without them N nodes write one `up` series and
 * a node whose kubelet stops answering is never "down". No `tls_config`: AWS's job has none, and a
 * `ca_file` the scraper lacks makes Prometheus drop the whole job ("unable to load specified CA cert").
 */
export function cadvisorJob(): Record<string, unknown> {
    return {
        job_name: SCRAPE_JOBS.cadvisor,
        scheme: "https",
        authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
        kubernetes_sd_configs: [{ role: "node" }],
        relabel_configs: [
            { action: "labelmap", regex: "__meta_kubernetes_node_label_(.+)" },
            { replacement: "kubernetes.default.svc:443", target_label: "__address__" },
            { source_labels: ["__meta_kubernetes_node_name"], regex: "(.+)", target_label: "__metrics_path__", replacement: "/api/v1/nodes/$1/proxy/metrics/cadvisor" },
        ],
    };
}

/**
 * The scrape configuration: the application's pods (opted in with SCRAPE_ANNOTATIONS),
 * their `app` and `color` labels attached as the service and color labels; kube-state-metrics;
 * the Pushgateway (its pushed `job` and grouping labels kept: `honor_labels`); cAdvisor through the
 * API server for container CPU and memory.
 */
export function scrapeConfiguration(namespace: string, metrics: AppMetricsConfig): string {
    const config = {
        global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s` },
        scrape_configs: [
            {
                job_name: SCRAPE_JOBS.pods,
                kubernetes_sd_configs: [{ role: "pod" }],
                relabel_configs: [
                    inNamespace(namespace),
                    { source_labels: [podMetaLabel("annotation", SCRAPE_ANNOTATIONS.scrape)], regex: "true", action: "keep" },
                    // Only pods that run: a pod discovery still lists with its IP once it is over (a
                    // Failed pod, evicted or shut down with its node, stays until garbage-collected;
                    // prometheus/prometheus#10755) or before its app starts (Pending in its init
                    // container) would be a target down for as long, or, its IP given to another pod,
                    // that pod's metrics under this one's service and color. As the prometheus
                    // chart's kubernetes-pods job drops them (prometheus-community/helm-charts
                    // charts/prometheus/values.yaml at 8935825).
                    { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Pending|Succeeded|Failed", action: "drop" },
                    { source_labels: [podMetaLabel("annotation", SCRAPE_ANNOTATIONS.path)], regex: "(.+)", target_label: "__metrics_path__", action: "replace" },
                    {
                        source_labels: ["__address__", podMetaLabel("annotation", SCRAPE_ANNOTATIONS.port)],
                        regex: "([^:]+)(?::\\d+)?;(\\d+)",
                        replacement: "$1:$2",
                        target_label: "__address__",
                        action: "replace",
                    },
                    { source_labels: [podMetaLabel("label", SELECTOR_LABELS.app)], target_label: metrics.serviceLabel, action: "replace" },
                    { source_labels: [podMetaLabel("label", SELECTOR_LABELS.color)], target_label: metrics.colorLabel, action: "replace" },
                    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace", action: "replace" },
                    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod", action: "replace" },
                ],
            },
            endpointsJob(SCRAPE_JOBS.kubeStateMetrics, namespace, EXPORTER_SERVICES.kubeStateMetrics, true),
            endpointsJob(SCRAPE_JOBS.pushgateway, namespace, EXPORTER_SERVICES.pushgateway, true),
            cadvisorJob(),
        ],
    };
    return stringify(config, { lineWidth: 0 });
}

/** AWS's documented ClusterRole for the managed scraper. */
export const SCRAPER_CLUSTER_ROLE_RULES = [
    { apiGroups: [""], resources: ["nodes", "nodes/proxy", "nodes/metrics", "services", "endpoints", "pods", "ingresses", "configmaps"], verbs: ["describe", "get", "list", "watch"] },
    { apiGroups: ["extensions", "networking.k8s.io"], resources: ["ingresses/status", "ingresses"], verbs: ["describe", "get", "list", "watch"] },
    { apiGroups: ["metrics.eks.amazonaws.com"], resources: ["kcm/metrics", "ksh/metrics"], verbs: ["get"] },
    { nonResourceURLs: ["/metrics"], verbs: ["get"] },
];
