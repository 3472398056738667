/**
 * What the AMP managed scraper collects, as the Prometheus scrape configuration it takes, and the
 * cluster permissions it needs (AWS's documented `aps-collector-role` for the user
 * `aps-collector-user`). The scraper reaches targets through Kubernetes service discovery, never
 * cluster DNS: it runs outside the cluster, in the VPC. The fields used below beyond plain scrape
 * jobs (`honor_labels`, `bearer_token_file`, a cAdvisor job through the API server's node proxy)
 * all appear in the AWS provider's own `aws.amp.Scraper` example (@pulumi/aws amp/scraper.d.ts).
 */
import { stringify } from "yaml";
import type { AppMetricsConfig } from "../config";
import { SELECTOR_LABELS } from "../lib/delivery";

/** The Kubernetes user the scraper's service-linked role is mapped to (an EKS access entry). */
export const SCRAPER_USER = "aps-collector-user";

/** Service names the Helm releases get (their charts' `fullnameOverride`), which the scraper keeps. */
export const EXPORTER_SERVICES = { kubeStateMetrics: "kube-state-metrics", pushgateway: "pushgateway" } as const;

/** Pod label value to Prometheus label name: Kubernetes SD's `__meta_kubernetes_pod_label_<name>`. */
function podLabel(name: string): string {
    return `__meta_kubernetes_pod_label_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

function endpointsJob(job: string, namespace: string, service: string, honorLabels: boolean): Record<string, unknown> {
    return {
        job_name: job,
        honor_labels: honorLabels,
        kubernetes_sd_configs: [{ role: "endpoints", namespaces: { names: [namespace] } }],
        relabel_configs: [
            { source_labels: ["__meta_kubernetes_service_name"], regex: service, action: "keep" },
            { source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: "http|metrics", action: "keep" },
        ],
    };
}

/**
 * The scrape configuration: the application's pods (opted in with `prometheus.io/scrape: "true"`),
 * their `app` and `color` labels attached as the service and color labels; kube-state-metrics;
 * the Pushgateway (its pushed `job` and grouping labels kept: `honor_labels`); cAdvisor through the
 * API server for container CPU and memory.
 */
export function scrapeConfiguration(namespace: string, metrics: AppMetricsConfig): string {
    const config = {
        global: { scrape_interval: "30s" },
        scrape_configs: [
            {
                job_name: "kubernetes-pods",
                kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
                relabel_configs: [
                    { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: "keep" },
                    { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", target_label: "__metrics_path__", action: "replace" },
                    {
                        source_labels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
                        regex: "([^:]+)(?::\\d+)?;(\\d+)",
                        replacement: "$1:$2",
                        target_label: "__address__",
                        action: "replace",
                    },
                    { source_labels: [podLabel(SELECTOR_LABELS.app)], target_label: metrics.serviceLabel, action: "replace" },
                    { source_labels: [podLabel(SELECTOR_LABELS.color)], target_label: metrics.colorLabel, action: "replace" },
                    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace", action: "replace" },
                    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod", action: "replace" },
                ],
            },
            endpointsJob("kube-state-metrics", namespace, EXPORTER_SERVICES.kubeStateMetrics, true),
            endpointsJob("pushgateway", namespace, EXPORTER_SERVICES.pushgateway, true),
            {
                job_name: "kubernetes-cadvisor",
                scheme: "https",
                tls_config: { ca_file: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", insecure_skip_verify: true },
                bearer_token_file: "/var/run/secrets/kubernetes.io/serviceaccount/token",
                kubernetes_sd_configs: [{ role: "node" }],
                relabel_configs: [
                    { target_label: "__address__", replacement: "kubernetes.default.svc:443" },
                    { source_labels: ["__meta_kubernetes_node_name"], regex: "(.+)", target_label: "__metrics_path__", replacement: "/api/v1/nodes/$1/proxy/metrics/cadvisor" },
                ],
            },
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

/** The scraper's role ARN as an access entry takes it: the service-linked role's path removed. */
export function accessEntryPrincipal(roleArn: string): string {
    return roleArn.replace(/:role\/.*\/(AWSServiceRoleForAmazonPrometheusScraper_[^/]+)$/, ":role/$1");
}
