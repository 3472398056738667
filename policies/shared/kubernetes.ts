/**
 * Kubernetes names of the platform's controllers that the program writes and the deployability
 * preflight reads: one spelling for both. Kept inside the policy pack's folder, which is published
 * alone; the program imports it as `lib/kubernetes`.
 */

/**
 * The service-account annotation EKS's pod identity webhook reads to give a pod an IAM role (IRSA):
 * aws/amazon-eks-pod-identity-webhook README "eks.amazonaws.com/role-arn".
 */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/**
 * The namespace label the AWS Load Balancer Controller's pod webhook selects to inject ALB readiness
 * gates (controller docs/deploy/pod_readiness_gate.md: `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`).
 */
export const READINESS_GATE_INJECT_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

/**
 * The annotation that makes pulumi-kubernetes replace a Job that is not complete on the next update
 * (provider/pkg/metadata/annotations.go `AnnotationReplaceUnready`; provider.go `Diff`: the live Job
 * is read and, unless its `Complete` condition is true, replaced, deleted first when the name stays).
 * The migration and gate Jobs carry it; the deploy's preflight (scripts/unfinished-jobs.ts) finds the
 * running Jobs an update would replace by it.
 */
export const REPLACE_UNREADY_ANNOTATION = "pulumi.com/replaceUnready";

/**
 * The pod annotations a pod asks to be scraped with: the `prometheus.io/*` convention that the
 * Prometheus chart's own `kubernetes-pods` job reads too (prometheus-community/helm-charts
 * charts/prometheus/values.yaml, chart 29.27.0), so a cluster's own Prometheus finds the same pods.
 * The one spelling: the pods that set them (BlueGreenService, the Pushgateway), the scrape job that
 * reads them back (observability/scrape-config.ts) and the NetworkPolicy preflight (policies/pod-traffic.ts).
 */
export const SCRAPE_ANNOTATIONS = { scrape: "prometheus.io/scrape", port: "prometheus.io/port", path: "prometheus.io/path" } as const;
