/**
 * The application namespace's NetworkPolicies: ingress is denied by default, then admitted from
 * exactly the sources the stack's own traffic comes from. Pure builders (the tests call them); the
 * cluster component creates the objects beside the Namespace (components/cluster.ts).
 *
 * Who reaches a pod of the namespace, and so what is allowed:
 * - a service's serving pods, on its `port`: its load balancer (an `alb` Ingress with target type `ip`
 *   sends from the ALB's own addresses, in the subnets the controller picks for the Ingress's scheme;
 *   a LoadBalancer Service's internal NLB from its own addresses in the private subnets), its smoke gate and load-test Jobs
 *   (pods of the same `app` with role `smoke-gate` or `loadtest`), and the metrics scrape (the pods
 *   ask for it on `port`: BlueGreenService's scrape annotations);
 * - the Pushgateway, on 9091: the Jobs that push (gates, load tests, the logical backup's dump,
 *   verify and recovery-metrics Jobs) and the scrape;
 * - kube-state-metrics, on 8080: the scrape.
 * Every rule names the pods' container port, the port a policy sees once a Service has translated
 * its own (80 here); the EKS guide's consideration that a Service's port equal its container port
 * concerns rules towards a Service's ClusterIP (the policy controller adds that address to the
 * PolicyEndpoint: aws/aws-network-policy-agent#166), which ingress-only policies do not have.
 * Kubelet probes need no rule: the VPC CNI's network policy agent always admits the pod's own node
 * (aws/aws-network-policy-agent pkg/fwruleprocessor/fw_rule_processor.go, "Traffic from the local
 * node should always be allowed ... kubelet liveness/readiness probes are never blocked", c8619c05),
 * as Kubernetes asks of every implementation (concepts/services-networking/network-policies: traffic
 * to and from the node where a Pod is running is always allowed).
 *
 * Egress stays open, on purpose: the pods reach STS (IRSA), S3, RDS, the RDS CA bundle's URL and
 * cluster DNS, and the VPC CNI's policies are IP-based (ipBlock), so an egress allow-list would have
 * to name AWS's public endpoint ranges, which change, or open 0.0.0.0/0 on 443 and admit everything
 * that matters anyway. Half a restriction would be false comfort; docs/architecture.md says so.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { NetworkConfig, ServiceConfig } from "../config";
import type { NetworkPolicyProvides, TrafficSource } from "../config/cluster";
import { APP_LABELS, ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { LOGICAL_BACKUP_APP } from "../lib/workload";
import { EXPORTER_SERVICES } from "../observability/scrape-config";
import { isAlbIngress } from "./blue-green-service";
import { planSubnets } from "./network";
import { PUSHGATEWAY_PORT, scraperSubnets } from "./observability";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;

/** kube-state-metrics' `http` port: its chart's `service.port` default (vendor/kube-state-metrics values.yaml `service.port: 8080`). */
export const KUBE_STATE_METRICS_PORT = 8080;

/**
 * The charts' pod labels: `app.kubernetes.io/name` (the chart's name: no `nameOverride` is set) and
 * `app.kubernetes.io/instance` (the release's name), their `selectorLabels` (prometheus-pushgateway
 * 2.15.0 templates/_helpers.tpl; kube-state-metrics 8.4.0 templates/_helpers.tpl, `selectorOverride`
 * unset: both vendored at their pins, vendor/<chart>/templates).
 */
export const EXPORTER_POD_LABELS = {
    pushgateway: { [APP_LABELS.name]: "prometheus-pushgateway", [APP_LABELS.instance]: EXPORTER_SERVICES.pushgateway },
    kubeStateMetrics: { [APP_LABELS.name]: "kube-state-metrics", [APP_LABELS.instance]: EXPORTER_SERVICES.kubeStateMetrics },
} as const;

/** The label Kubernetes sets on every namespace to its name (the NamespaceDefaultLabelName feature, GA in 1.22). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Where some traffic comes from, in terms a NetworkPolicy can name. */
export type TrafficPeer = { readonly cidr: string } | { readonly namespace: string };

/** One service of the stack, as its policy needs it. */
export interface PolicyService {
    readonly name: string;
    /** The pods' port (`services.<name>.port`): traffic, health checks and the scrape. */
    readonly port: number;
    /** Where its load balancer's requests come from; empty when it is not exposed. */
    readonly exposedFrom: readonly TrafficPeer[];
}

export interface NetworkPolicyInputs {
    readonly services: readonly PolicyService[];
    /** Where the metrics scrape comes from; empty when nothing scrapes the namespace. */
    readonly scrapeFrom: readonly TrafficPeer[];
}

/** One NetworkPolicy of the namespace: its name (also the child's role) and spec. */
export interface NamespacePolicy {
    readonly name: string;
    readonly spec: k8s.types.input.networking.v1.NetworkPolicySpec;
    /**
     * Created only once every other policy exists (and deleted first): a pod the deny selects before
     * its allow exists admits nothing, so on a running stack the live pods would drop the ALB's
     * requests and health checks for that moment. Each pod's allows are in one policy of their own,
     * complete when it is created.
     */
    readonly afterAllows: boolean;
}

function peer(p: TrafficPeer): Peer {
    return "cidr" in p ? { ipBlock: { cidr: p.cidr } } : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } } };
}

function tcp(port: number): { protocol: string; port: number }[] {
    return [{ protocol: "TCP", port }];
}

/** A rule from `from` on `port`; none when there is no source (an empty `from` would admit everyone). */
function rule(from: readonly Peer[], port: number): Rule[] {
    return from.length === 0 ? [] : [{ from: [...from], ports: tcp(port) }];
}

/** Pods of this namespace with role `roles` (and, given, of one service). */
function rolePods(roles: readonly string[], app?: string): Peer {
    return {
        podSelector: {
            ...(app !== undefined ? { matchLabels: { [SELECTOR_LABELS.app]: app } } : {}),
            matchExpressions: [{ key: ROLE_LABEL, operator: "In", values: [...roles] }],
        },
    };
}

/** The Jobs that test a service's color: its smoke gates and load tests (loadtest/job.ts, the load gate). */
const TESTERS = [ROLES.gate, ROLES.loadtest];

/**
 * Every policy of the namespace, in a fixed order: default-deny ingress first, then one per service
 * and one per exporter. A policy only adds what it admits (NetworkPolicies are additive), so
 * the deny holds for any pod no allow selects.
 */
export function namespacePolicies(p: NetworkPolicyInputs): NamespacePolicy[] {
    const scrape = p.scrapeFrom.map(peer);
    return [
        // An empty podSelector selects every pod; Ingress with no rule admits nothing.
        { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] }, afterAllows: true },
        ...p.services.map((s): NamespacePolicy => ({
            name: `${s.name}-serving`,
            afterAllows: false,
            spec: {
                podSelector: { matchLabels: { [SELECTOR_LABELS.app]: s.name, [ROLE_LABEL]: ROLES.workload } },
                policyTypes: ["Ingress"],
                ingress: [
                    ...rule(s.exposedFrom.map(peer), s.port),
                    ...rule([rolePods(TESTERS, s.name)], s.port),
                    // The stack's services call each other (an env URL, or the app's own code, which no
                    // plan can read): every serving pod of the namespace, once there is another service.
                    ...(p.services.length > 1 ? rule([rolePods([ROLES.workload])], s.port) : []),
                    ...rule(scrape, s.port),
                ],
            },
        })),
        {
            name: EXPORTER_SERVICES.pushgateway,
            afterAllows: false,
            spec: {
                podSelector: { matchLabels: { ...EXPORTER_POD_LABELS.pushgateway } },
                policyTypes: ["Ingress"],
                ingress: [
                    ...rule([rolePods(TESTERS), { podSelector: { matchLabels: { [APP_LABELS.name]: LOGICAL_BACKUP_APP } } }], PUSHGATEWAY_PORT),
                    ...rule(scrape, PUSHGATEWAY_PORT),
                ],
            },
        },
        {
            name: EXPORTER_SERVICES.kubeStateMetrics,
            afterAllows: false,
            spec: {
                podSelector: { matchLabels: { ...EXPORTER_POD_LABELS.kubeStateMetrics } },
                policyTypes: ["Ingress"],
                ingress: rule(scrape, KUBE_STATE_METRICS_PORT),
            },
        },
    ];
}

const cidrs = (list: readonly string[]): TrafficPeer[] => list.map((cidr) => ({ cidr }));

/** A service is reached from outside the namespace only through an Ingress or a LoadBalancer Service. */
const exposed = (s: ServiceConfig): boolean => s.expose.ingress !== undefined || s.expose.type === "LoadBalancer";

/**
 * What the policies admit on Launchpad's EKS, from config alone (every CIDR is the subnet plan's,
 * known before any resource; the VPC CNI add-on enforces them: components/cluster.ts):
 * - an `alb` Ingress's ALB lives in the subnets the controller discovers for its scheme, by the
 *   `kubernetes.io/role/elb` (internet-facing: the public subnets) or `kubernetes.io/role/internal-elb`
 *   (internal: the private ones) tag (components/network.ts SUBNET_ROLE_TAGS), and with target type
 *   `ip` it sends to the pod from its own address there, health checks included;
 * - a LoadBalancer Service gets the controller's NLB (its Service webhook gives the Service the
 *   controller's class: components/platform.ts), internal (the controller's default scheme, which no
 *   config key changes) with the chart's `ip` targets and so without the client's address: its
 *   requests and health checks come from the NLB's own addresses in the `internal-elb` subnets, the
 *   private ones (aws-load-balancer-controller pkg/service/model_build_target_group.go
 *   buildPreserveClientIPFlag; docs/guide/service/annotations.md, lb-scheme);
 * - the AMP managed scraper scrapes through network interfaces in the subnets it is given (the private
 *   ones, at most five: components/observability.ts `scraperSubnets`; AMP user guide, AMP-collector.html: a collector
 *   "creates an Elastic Network Interface (ENI) per subnet specified when creating the scraper" and
 *   "scrapes the metrics through these ENIs"); a team Prometheus (`observability.prometheusUrl`)
 *   scrapes from wherever it runs, which Launchpad does not know: the VPC's CIDR. Pod addresses are
 *   VPC addresses, so a Prometheus in a peered VPC or behind a Transit Gateway reaches them too, and
 *   is not admitted (docs/architecture.md says so; no config key names its source on this cluster).
 * The private subnets are also the nodes' and so the pods' (the VPC CNI gives pods VPC addresses), so
 * the scrape and LoadBalancer rules admit any pod's address on those ports: IP-based policies cannot
 * tell the scraper's interfaces from pods in the same subnets (docs/architecture.md, Network policies).
 */
export function eksNetworkPolicyInputs(c: {
    readonly network: NetworkConfig;
    readonly services: readonly ServiceConfig[];
    readonly backend: { readonly kind: "amp" | "prometheus" };
}): NetworkPolicyInputs {
    const subnets = planSubnets(c.network.cidr, c.network.azCount);
    // Another Ingress class has no controller on Launchpad's EKS (preflight-ingress-controller refuses it).
    const fromLoadBalancer = (s: ServiceConfig): string[] => [...new Set([
        ...(isAlbIngress(s) ? (s.expose.ingress?.scheme === "internal" ? subnets.private : subnets.public) : []),
        ...(s.expose.type === "LoadBalancer" ? subnets.private : []),
    ])];
    return {
        services: c.services.map((s) => ({ name: s.name, port: s.port, exposedFrom: cidrs(fromLoadBalancer(s)) })),
        scrapeFrom: c.backend.kind === "amp" ? cidrs(scraperSubnets(subnets.private)) : [{ cidr: c.network.cidr }],
    };
}

/**
 * What the policies admit on an existing cluster that enforces them: the sources it declares
 * (`cluster.provides.networkPolicy`), a declared scrape source whether or not `prometheusUrl` names
 * the Prometheus that scrapes from it (the pods are annotated for a team's Prometheus either way:
 * components/observability.ts).
 */
export function existingNetworkPolicyInputs(c: { readonly declared: NetworkPolicyProvides; readonly services: readonly ServiceConfig[] }): NetworkPolicyInputs {
    // The schema holds exactly one of the two (config/cluster.ts trafficSourceSchema).
    const peers = (list: readonly TrafficSource[]): TrafficPeer[] => list.map((p) => (p.cidr !== undefined ? { cidr: p.cidr } : { namespace: p.namespace ?? "" }));
    return {
        services: c.services.map((s) => ({ name: s.name, port: s.port, exposedFrom: exposed(s) ? peers(c.declared.ingressFrom) : [] })),
        scrapeFrom: peers(c.declared.scrapeFrom),
    };
}
