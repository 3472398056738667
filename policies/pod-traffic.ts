/**
 * Deployability preflight for NetworkPolicies, beside policies/deployability.ts and in its style:
 * - `preflight-network-policy-enforced`: a NetworkPolicy nothing enforces is false comfort, so each
 *   one needs an implementation: the plan's VPC CNI add-on with network policy enabled
 *   (configurationValues `enableNetworkPolicy: "true"`, the EKS user guide's key), or an existing
 *   cluster that declares it enforces them (`launchpad:cluster.provides.networkPolicy`).
 * - `preflight-network-policy-admits`: the plan's own traffic still flows under its policies. Read
 *   from the plan, not from the builders that wrote the policies (components/network-policy.ts):
 *   - an Ingress's backends are reached by its load balancer: for an `alb` Ingress on the plan's own
 *     VPC, from the subnets the AWS Load Balancer Controller picks for its scheme (tags
 *     `kubernetes.io/role/elb` / `kubernetes.io/role/internal-elb`, controller v3.5.0
 *     docs/deploy/subnet_discovery.md) with target type `ip`, or from the nodes' subnets with
 *     `instance`; a LoadBalancer Service the controller takes from its NLB's (`nlbSources`), another
 *     from the nodes' subnets; on an existing cluster, from the
 *     sources it declares (`provides.networkPolicy.ingressFrom`);
 *   - a pod that is given a Service's in-cluster URL (`http://<svc>.<ns>.svc...`, or the short
 *     `http://<svc>.<ns>` and `http://<svc>` its DNS search list completes, in its command,
 *     args, env values or a ConfigMap it mounts: the gates' `--target`, the load gate's spec, every
 *     PUSHGATEWAY_URL) reaches that Service from its own pods;
 *   - a managed scraper (aws:amp/scraper:Scraper) reaches, from its subnets (AMP user guide,
 *     AMP-collector.html: an ENI per subnet given, through which it scrapes), the pods and Services
 *     its scrape configuration keeps; without one, pods and Services annotated `prometheus.io/scrape`
 *     are scraped by a Prometheus in the VPC (the plan's VPC CIDR) or, on an existing cluster, from
 *     the sources it declares (`provides.networkPolicy.scrapeFrom`).
 *   Each such Service's pods must be admitted, on the container port the Service's port targets, by
 *   the policies of their namespace (Kubernetes NetworkPolicy semantics: a pod no policy selects for
 *   Ingress is open; a selected one takes the union of the selecting policies' rules). A pod source
 *   must be named by a selector: an ipBlock is for addresses outside the cluster (Kubernetes docs,
 *   "ipBlock ... cluster-external IPs"), whatever a given plugin does with pod addresses.
 * Helm charts' Services and pods are not in the plan: the charts the stack installs are described
 * in CHART_SERVICES, from their templates and values.
 */
import type { PolicyResource } from "@pulumi/policy";
import { byKind, charts, chartName, ingressClassOf, ingressServiceNames, INGRESS_CONTROLLER_CHARTS, LBC_SERVICE_CLASS, NLB_TARGET_TYPE, namespaceOf, nameOf, ofType, podLabelsOf, podTemplateOf, TYPES, who } from "./deployability";
import { arr, known, labelsOf, listText, num, podSpecOf, rec, stringEntries, strs, text, type LaunchpadStackPolicy } from "./lib";
import { contains, parseCidr, type Cidr } from "./shared/cidr";
import { ALB_ACTIONS, APP_LABELS, ROLE_LABEL, SELECTOR_LABELS } from "./shared/delivery";
import { SCRAPE_ANNOTATIONS } from "./shared/kubernetes";
import { labelSelectorMatches, selectsEverything } from "./shared/selector";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SCRAPER = "aws:amp/scraper:Scraper";
const VPC = "aws:ec2/vpc:Vpc";

/**
 * Whether a resource is in the stack's own region: not one whose own `region` input names another
 * region than its provider's (the DR restore drill's isolated network, components/backup-plan.ts),
 * which holds neither the cluster, its Prometheus nor its load balancers' clients.
 */
function inHomeRegion(r: PolicyResource): boolean {
    const own = known(() => r.props.region);
    const home: unknown = r.provider?.props.region;
    return !(typeof own === "string" && typeof home === "string" && own !== home);
}

/** The CIDRs of the plan's VPCs in the stack's own region. */
function homeVpcCidrs(resources: readonly PolicyResource[]): string[] {
    return ofType(resources, VPC)
        .filter(inHomeRegion)
        .map((v) => text(v.props.cidrBlock))
        .filter((c): c is string => c !== undefined);
}
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const SCRAPE_ANNOTATION = SCRAPE_ANNOTATIONS.scrape;
const SCRAPE_PORT_ANNOTATION = SCRAPE_ANNOTATIONS.port;
/** The AWS Load Balancer Controller's subnet discovery tags by scheme (controller v3.5.0 docs/deploy/subnet_discovery.md). */
const ELB_ROLE_TAGS = { "internet-facing": "kubernetes.io/role/elb", internal: "kubernetes.io/role/internal-elb" } as const;
/** An NLB's scheme, `internal` when not given (controller docs/guide/service/annotations.md, lb-scheme). */
const NLB_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";
/** The deprecated `"true"`/`"false"` form of the same (same doc, lb-internal), read when the scheme annotation is absent. */
const NLB_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";
/** A Service's NLB target group attributes (same doc), where `preserve_client_ip.enabled=true` keeps the client's address. */
const NLB_TARGET_GROUP_ATTRIBUTES = "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes";

// --- Enforcement ------------------------------------------------------------------------------

/** True when a VPC CNI add-on's configuration values turn network policy on (a JSON object; `"true"`, or true). */
function enablesNetworkPolicy(addon: PolicyResource): boolean {
    const raw = text(addon.props.configurationValues);
    if (raw === undefined) return false;
    try {
        const v: unknown = rec(JSON.parse(raw) as unknown).enableNetworkPolicy;
        return v === "true" || v === true;
    } catch {
        return false;
    }
}

/** What an existing cluster declares about NetworkPolicies (`provides.networkPolicy`), or undefined when it declares nothing. */
function declaredNetworkPolicy(resources: readonly PolicyResource[]): { ingressFrom: unknown[]; scrapeFrom: unknown[] } | undefined {
    const declared = ofType(resources, TYPES.cluster).map((c) => rec(c.props.provides).networkPolicy).find((d) => d !== undefined && d !== null);
    return declared === undefined ? undefined : { ingressFrom: arr(rec(declared).ingressFrom), scrapeFrom: arr(rec(declared).scrapeFrom) };
}

export const preflightNetworkPolicyEnforced: LaunchpadStackPolicy = {
    name: "preflight-network-policy-enforced",
    description: "Every NetworkPolicy has an implementation that enforces it: the plan's VPC CNI add-on with network policy enabled (configurationValues enableNetworkPolicy \"true\"), or an existing cluster that declares it enforces them (provides.networkPolicy).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const policies = ofType(args.resources, NETWORK_POLICY);
        if (policies.length === 0 || declaredNetworkPolicy(args.resources) !== undefined) return;
        const cni = ofType(args.resources, TYPES.addon).filter((a) => text(a.props.addonName) === "vpc-cni");
        if (cni.some(enablesNetworkPolicy)) return;
        const why = cni.length > 0
            ? `the VPC CNI add-on ${cni[0].name} does not enable network policy (its configurationValues have no enableNetworkPolicy "true"), so it admits all traffic whatever the policy says: set configurationValues to {"enableNetworkPolicy":"true"} (EKS user guide, "Restrict Pod network traffic with Kubernetes network policies")`
            : "the plan installs no VPC CNI add-on and the existing cluster does not declare that it enforces NetworkPolicies: declare it in launchpad:cluster.provides.networkPolicy if its network plugin does, or create no NetworkPolicy";
        for (const p of policies) report(`${who(p)} is enforced by nothing: ${why}.`, p.urn);
    },
};

// --- Chart Services ----------------------------------------------------------------------------

/** A Service a chart renders, and its pods as far as policies see them. */
export interface ChartService {
    readonly service: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly podAnnotations: Readonly<Record<string, string>>;
    readonly serviceAnnotations: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string; readonly port: number; readonly containerPort: number; readonly containerPortName: string }[];
}

/** A value as Helm's `default` reads it: an empty string is no value. */
function given(v: unknown): string | undefined {
    const t = text(v);
    return t === "" ? undefined : t;
}

/** A chart's fullname: `fullnameOverride`, else the release when it contains the chart's name, else `<release>-<chart>` (both charts' _helpers.tpl). */
function fullname(release: string, chart: string, values: Record<string, unknown>): string {
    const override = given(values.fullnameOverride);
    if (override !== undefined) return override;
    const name = given(values.nameOverride) ?? chart;
    return release.includes(name) ? release : `${release}-${name}`;
}

/**
 * The charts the stack installs in its namespace, rendered as far as their Service and pods go:
 * - prometheus-pushgateway 2.15.0 (vendor/prometheus-pushgateway): pod labels `selectorLabels`
 *   (name, instance) plus `podLabels`, `podAnnotations`; container port `metrics` 9091
 *   (templates/_helpers.tpl); Service port `service.portName`/`service.port` to `service.targetPort`
 *   (values.yaml: http, 9091, 9091);
 * - kube-state-metrics 8.4.0 (vendor/kube-state-metrics): pod labels name, instance
 *   (charts/kube-state-metrics/templates/_helpers.tpl `selectorLabels`) plus `podLabels`; container
 *   port `http` `service.port` (templates/deployment.yaml, default 8080); the Service annotated
 *   `prometheus.io/scrape` when `prometheusScrape` (values.yaml default true).
 */
export const CHART_SERVICES: Readonly<Record<string, (release: string, values: Record<string, unknown>) => ChartService>> = {
    "prometheus-pushgateway": (release, v) => {
        const svc = rec(v.service);
        return {
            service: fullname(release, "prometheus-pushgateway", v),
            podLabels: { [APP_LABELS.name]: given(v.nameOverride) ?? "prometheus-pushgateway", [APP_LABELS.instance]: release, ...stringEntries(v.podLabels) },
            podAnnotations: stringEntries(v.podAnnotations),
            serviceAnnotations: stringEntries(svc.annotations),
            ports: [{ name: text(svc.portName) ?? "http", port: num(svc.port) ?? 9091, containerPort: 9091, containerPortName: "metrics" }],
        };
    },
    "kube-state-metrics": (release, v) => {
        const port = num(rec(v.service).port) ?? 8080;
        const serviceAnnotations: Record<string, string> = v.prometheusScrape === false ? {} : { [SCRAPE_ANNOTATION]: "true" };
        return {
            service: fullname(release, "kube-state-metrics", v),
            podLabels: { [APP_LABELS.name]: given(v.nameOverride) ?? "kube-state-metrics", [APP_LABELS.instance]: release, ...stringEntries(v.podLabels) },
            podAnnotations: stringEntries(v.podAnnotations),
            serviceAnnotations,
            ports: [{ name: "http", port, containerPort: port, containerPortName: "http" }],
        };
    },
};

// --- Targets ----------------------------------------------------------------------------------

/** Pods behind a Service port: their labels, who runs them, and the container port the Service's port reaches. */
interface TargetPods {
    readonly labels: Readonly<Record<string, string>>;
    readonly owner: string;
    readonly port: { readonly number: number; readonly name?: string };
}

/** A Service of the namespace, planned or a chart's: its name, annotations, ports, and the pods behind each port. */
interface ServiceView {
    readonly namespace: string;
    readonly name: string;
    readonly urn: string;
    readonly annotations: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string | undefined; readonly port: number; readonly pods: readonly TargetPods[] }[];
}

function containerPorts(w: PolicyResource): { number: number; name?: string }[] {
    const pod = podSpecOf(w.type, w.props) ?? {};
    return arr(pod.containers).flatMap((c) => arr(rec(c).ports)).map(rec).flatMap((p) => {
        const n = num(p.containerPort);
        return n === undefined ? [] : [{ number: n, ...(text(p.name) !== undefined ? { name: text(p.name) } : {}) }];
    });
}

function workloads(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => podSpecOf(r.type, r.props) !== undefined);
}

/** Every Service in the plan, and every chart's, with the pods its ports reach. */
function serviceViews(resources: readonly PolicyResource[]): ServiceView[] {
    const pods = workloads(resources);
    const planned = ofType(resources, TYPES.service).map((svc): ServiceView => {
        const spec = rec(svc.props.spec);
        const selector = stringEntries(spec.selector);
        const selected = Object.keys(selector).length === 0 ? [] : pods.filter((w) => namespaceOf(w) === namespaceOf(svc) && Object.entries(selector).every(([k, v]) => podLabelsOf(w)[k] === v));
        return {
            namespace: namespaceOf(svc),
            name: nameOf(svc),
            urn: svc.urn,
            annotations: labelsOf(svc.props, "annotations"),
            ports: arr(spec.ports).map(rec).flatMap((p) => {
                const port = num(p.port);
                if (port === undefined) return [];
                const target: unknown = p.targetPort ?? port;
                return [{
                    name: text(p.name),
                    port,
                    pods: selected.flatMap((w): TargetPods[] => {
                        const c = containerPorts(w).find((cp) => (typeof target === "number" ? cp.number === target : cp.name === target || String(cp.number) === target));
                        const number = c?.number ?? (typeof target === "number" ? target : undefined);
                        return number === undefined ? [] : [{ labels: podLabelsOf(w), owner: who(w), port: { number, ...(c?.name !== undefined ? { name: c.name } : {}) } }];
                    }),
                }];
            }),
        };
    });
    const rendered = charts(resources).flatMap((c): ServiceView[] => {
        const render = CHART_SERVICES[chartName(c)];
        if (render === undefined) return [];
        const s = render(text(c.props.name) ?? c.name, rec(c.props.values));
        return [{
            namespace: namespaceOf(c),
            name: s.service,
            urn: c.urn,
            annotations: s.serviceAnnotations,
            ports: s.ports.map((p) => ({ name: p.name, port: p.port, pods: [{ labels: s.podLabels, owner: who(c), port: { number: p.containerPort, name: p.containerPortName } }] })),
        }];
    });
    return [...planned, ...rendered];
}

// --- Sources ----------------------------------------------------------------------------------

/** Where traffic comes from: pods of a namespace (labels unknown for a declared namespace), or addresses. */
type Source =
    | { readonly kind: "pods"; readonly namespace: string; readonly labels: Readonly<Record<string, string>> | undefined; readonly what: string }
    | { readonly kind: "addresses"; readonly cidrs: readonly string[]; readonly what: string };

/** An existing cluster's declared sources as Sources; empty when it declares none. */
function declaredSources(list: readonly unknown[], what: string): Source[] {
    return list.map(rec).flatMap((p): Source[] => {
        const ns = text(p.namespace);
        if (ns !== undefined) return [{ kind: "pods", namespace: ns, labels: undefined, what: `${what} (namespace ${ns})` }];
        const cidr = text(p.cidr);
        return cidr === undefined ? [] : [{ kind: "addresses", cidrs: [cidr], what: `${what} (${cidr})` }];
    });
}

function subnetCidrs(resources: readonly PolicyResource[], pick: (s: PolicyResource) => boolean): string[] {
    return ofType(resources, TYPES.subnet).filter(pick).map((s) => text(s.props.cidrBlock)).filter((c): c is string => c !== undefined);
}

/** The CIDRs of the subnets a resource's property takes (its property dependencies: ids are not known in a preview). */
function dependencyCidrs(r: PolicyResource, property: string): string[] {
    const subnets = (r.propertyDependencies[property] ?? []).filter((d) => d.type === TYPES.subnet);
    return [...new Set(subnets.map((d) => text(d.props.cidrBlock)).filter((c): c is string => c !== undefined))];
}

/** The node groups' subnets' CIDRs. */
function nodeCidrs(resources: readonly PolicyResource[]): string[] {
    return [...new Set(ofType(resources, TYPES.nodeGroup).flatMap((n) => dependencyCidrs(n, "subnetIds")))];
}

/** What some traffic reaches: a Service's port (or a pod's, for a scrape by pod), and the pods behind it. */
interface Target {
    /** `port 80 of Service launchpad-staging/api-blue`, for messages. */
    readonly what: string;
    readonly urn: string;
    readonly namespace: string;
    readonly pods: readonly TargetPods[];
}

/** One flow of the plan's own traffic. */
interface Flow {
    readonly source: Source;
    readonly target: Target;
}

/** The ports of Service `ns/name` (only `port` when given) as targets; none for a Service the plan lacks (preflight-ingress-backends' concern). */
function serviceTargets(services: readonly ServiceView[], namespace: string, name: string, port: number | undefined): Target[] {
    const svc = services.find((s) => s.namespace === namespace && s.name === name);
    if (svc === undefined) return [];
    return svc.ports.filter((p) => port === undefined || p.port === port).map((p) => ({
        what: `port ${p.name ?? p.port} (${p.port}) of Service ${namespace}/${name}`,
        urn: svc.urn,
        namespace,
        pods: p.pods,
    }));
}

/**
 * A load balancer's scheme as the controller decides it: the scheme annotation, else (a Service)
 * the deprecated `aws-load-balancer-internal`, else the chart's `defaultLoadBalancerScheme`
 * (`--default-load-balancer-scheme`), else `internal`, for an ALB as for an NLB (controller
 * docs/guide/ingress/annotations.md: scheme, default `internal`; pkg/service/model_build_load_balancer.go
 * buildLoadBalancerScheme and its legacy annotation; docs/deploy/configurations.md).
 */
function schemeOf(annotation: string | undefined, legacyInternal: string | undefined, values: Record<string, unknown>): keyof typeof ELB_ROLE_TAGS {
    const pick = (v: string | undefined): keyof typeof ELB_ROLE_TAGS | undefined => (v === "internal" || v === "internet-facing" ? v : undefined);
    const legacy = legacyInternal === undefined ? undefined : legacyInternal.toLowerCase() === "false" ? "internet-facing" : "internal";
    return pick(annotation) ?? legacy ?? pick(text(values.defaultLoadBalancerScheme)) ?? "internal";
}

/**
 * True when the planned AWS Load Balancer Controller makes the NLB of a LoadBalancer Service: its
 * class is the controller's, or it has none and the controller's Service webhook (the chart's
 * `enableServiceMutatorWebhook`, default true: "makes all new services of type LoadBalancer reconciled
 * by the lb controller", eks-charts stable/aws-load-balancer-controller README.md) gives it that class, as policies/deployability.ts
 * `ipTargetServices` counts it for readiness gates.
 */
function takesService(svc: PolicyResource, values: Record<string, unknown>): boolean {
    const cls = text(rec(svc.props.spec).loadBalancerClass);
    return cls === LBC_SERVICE_CLASS || (cls === undefined && values.enableServiceMutatorWebhook !== false);
}

/**
 * Where a controller's NLB sends from (controller pkg/service/model_build_target_group.go at 225f4456):
 * with `ip` targets (the Service's annotation, else the chart's `defaultTargetType`, else `instance`)
 * the client's address is not kept unless `preserve_client_ip.enabled=true` (buildPreserveClientIPFlag),
 * so requests and health checks come from the NLB's own addresses, in the subnets of its scheme
 * (`schemeOf`; placed by the same discovery tags as an ALB); kept, they come from the clients (`loadBalancerSourceRanges`, else the VPC for an internal
 * NLB, else anywhere: getDefaultIPSourceRanges); `instance` targets reach the pods through the nodes.
 */
function nlbSources(resources: readonly PolicyResource[], svc: PolicyResource, values: Record<string, unknown>, what: string): Source[] {
    const annotations = labelsOf(svc.props, "annotations");
    const scheme = schemeOf(annotations[NLB_SCHEME], annotations[NLB_INTERNAL], values);
    if ((annotations[NLB_TARGET_TYPE] ?? text(values.defaultTargetType) ?? "instance") !== "ip") {
        const nodes = nodeCidrs(resources);
        return [{ kind: "addresses", cidrs: nodes, what: `${what} (target type instance, through the nodes: their subnets, ${listText(nodes)})` }];
    }
    if (/(^|,)\s*preserve_client_ip\.enabled=true\s*(,|$)/.test(annotations[NLB_TARGET_GROUP_ATTRIBUTES] ?? "")) {
        const ranges = strs(rec(svc.props.spec).loadBalancerSourceRanges);
        const cidrs = ranges.length > 0 ? ranges : scheme === "internal" ? homeVpcCidrs(resources) : ["0.0.0.0/0"];
        return [{ kind: "addresses", cidrs, what: `${what} (client addresses preserved: ${listText(cidrs)})` }];
    }
    const tag = ELB_ROLE_TAGS[scheme];
    const cidrs = subnetCidrs(resources, (s) => rec(s.props.tags)[tag] !== undefined);
    return [{ kind: "addresses", cidrs, what: `${what} (an NLB, ${scheme}: the subnets tagged ${tag}, ${listText(cidrs)})` }];
}

/** Load balancers: Ingress backends and LoadBalancer Services. */
function loadBalancerFlows(resources: readonly PolicyResource[], services: readonly ServiceView[], declared: ReturnType<typeof declaredNetworkPolicy>): Flow[] {
    // The plan's own network; an existing cluster with a data layer plans subnets too, the DR drill's, in another region.
    const ownVpc = ofType(resources, TYPES.subnet).some(inHomeRegion);
    const nodes = nodeCidrs(resources);
    const out: Flow[] = [];
    const add = (sources: readonly Source[], namespace: string, service: string): void => {
        for (const target of serviceTargets(services, namespace, service, undefined)) for (const source of sources) out.push({ source, target });
    };
    const declaredFrom = (what: string): Source[] => {
        const list = declaredSources(declared?.ingressFrom ?? [], what);
        // Nothing declared: a source no rule can name, so the gap is reported.
        return list.length > 0 ? list : [{ kind: "addresses", cidrs: [], what: `${what}, which the existing cluster declares no source for (provides.networkPolicy.ingressFrom)` }];
    };
    // Which planned controller serves each class: the AWS Load Balancer Controller's ALB, or another chart's pods.
    const controllers = new Map<string, PolicyResource>();
    for (const c of charts(resources)) {
        const cls = INGRESS_CONTROLLER_CHARTS[chartName(c)]?.ingressClass(rec(c.props.values));
        if (cls !== undefined) controllers.set(cls.name, c);
    }
    for (const ing of byKind(resources, "Ingress")) {
        const annotations = labelsOf(ing.props, "annotations");
        const what = `the load balancer of ${who(ing)}`;
        const controller = controllers.get(ingressClassOf(ing) ?? "");
        // Per backend: the ALB's target type is the Service's annotation, else the Ingress's, else the
        // chart's default (controller docs/guide/ingress/annotations.md, target-type on "Ingress,Service";
        // as policies/deployability.ts ipTargetServices reads it).
        let sourcesFor: (service: string) => Source[];
        if (controller === undefined) {
            // No planned controller: an existing cluster's (declared), or none (preflight-ingress-controller's to report).
            if (ownVpc) continue;
            const declaredList = declaredFrom(what);
            sourcesFor = () => declaredList;
        } else if (chartName(controller) !== "aws-load-balancer-controller") {
            const pods: Source[] = [{ kind: "pods", namespace: namespaceOf(controller), labels: undefined, what: `the ingress controller of ${who(ing)} (${who(controller)}, namespace ${namespaceOf(controller)})` }];
            sourcesFor = () => pods;
        } else {
            const values = rec(controller.props.values);
            const scheme = schemeOf(annotations[ALB_ACTIONS.schemeAnnotation], undefined, values);
            const tag = ELB_ROLE_TAGS[scheme];
            const cidrs = subnetCidrs(resources, (s) => rec(s.props.tags)[tag] !== undefined);
            const albSources: Source[] = [{ kind: "addresses", cidrs, what: `${what} (${scheme}: the subnets tagged ${tag}, ${listText(cidrs)})` }];
            const nodeSources: Source[] = [{ kind: "addresses", cidrs: nodes, what: `${what} (target type instance, through the nodes: their subnets, ${listText(nodes)})` }];
            sourcesFor = (service) => {
                const own = services.find((v) => v.namespace === namespaceOf(ing) && v.name === service)?.annotations[ALB_ACTIONS.targetTypeAnnotation];
                return (own ?? annotations[ALB_ACTIONS.targetTypeAnnotation] ?? text(values.defaultTargetType) ?? "instance") === "ip" ? albSources : nodeSources;
            };
        }
        for (const service of new Set(ingressServiceNames(ing))) add(sourcesFor(service), namespaceOf(ing), service);
    }
    const lbc = charts(resources).find((c) => chartName(c) === "aws-load-balancer-controller");
    for (const svc of ofType(resources, TYPES.service).filter((s) => rec(s.props.spec).type === "LoadBalancer")) {
        const what = `the load balancer of ${who(svc)}`;
        const sources = !ownVpc ? declaredFrom(what) : lbc !== undefined && takesService(svc, rec(lbc.props.values))
            ? nlbSources(resources, svc, rec(lbc.props.values), what)
            : [{ kind: "addresses" as const, cidrs: nodes, what: `${what} (through the nodes: their subnets, ${listText(nodes)})` }];
        add(sources, namespaceOf(svc), nameOf(svc));
    }
    return out;
}

/**
 * A URL whose host may be a Service's in-cluster name: `<svc>.<ns>.svc[.cluster.local]`, or the short
 * `<svc>.<ns>` and `<svc>` that a pod's DNS search list completes (`search <namespace>.svc.cluster.local
 * svc.cluster.local cluster.local`: kubernetes.io concepts/services-networking/dns-pod-service, "a
 * query for just data may be expanded to data.test.svc.cluster.local"), the host ending there (not
 * `api.example.com`). Groups: scheme, service, namespace (none: the pod's own), `.svc` when written, port.
 */
const SERVICE_URL = /\b(https?):\/\/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(\.svc(?:\.cluster\.local)?)?)?\.?(?::(\d+))?(?![-a-z0-9.])/g;

/** Every text a pod is given: its containers' command, args and env values, and the data of the ConfigMaps it mounts or reads. */
function podTexts(w: PolicyResource, configMaps: ReadonlyMap<string, PolicyResource>): string[] {
    const pod = podSpecOf(w.type, w.props) ?? {};
    const containers = [...arr(pod.initContainers), ...arr(pod.containers)].map(rec);
    const ns = namespaceOf(w);
    const mapNames = [
        ...arr(pod.volumes).map((v) => text(rec(rec(v).configMap).name)),
        ...containers.flatMap((c) => arr(c.envFrom).map((e) => text(rec(rec(e).configMapRef).name))),
    ].filter((n): n is string => n !== undefined);
    // An env value a preview does not know yet is left out: env values are where the program hands
    // a pod computed AWS outputs (a bucket's generated name, an endpoint), never a Service's in-cluster
    // URL, whose names pulumi-kubernetes knows in a preview; read plainly, the dump job's bucket
    // skipped the whole policy there. Command, args and ConfigMap data are read plainly: an unknown
    // one (the load gate's spec, made with the AMP endpoint) may hold a URL, so the policy waits.
    return [
        ...containers.flatMap((c) => [...strs(c.command), ...strs(c.args)]),
        ...containers.flatMap((c) => arr(c.env).map((e) => known((): unknown => rec(e).value)).filter((v): v is string => typeof v === "string")),
        ...mapNames.flatMap((n) => Object.values(rec(configMaps.get(`${ns}/${n}`)?.props.data)).filter((v): v is string => typeof v === "string")),
    ];
}

/** Pods that are given a Service's in-cluster URL reach it. */
function urlFlows(resources: readonly PolicyResource[], services: readonly ServiceView[]): Flow[] {
    const configMaps = new Map(ofType(resources, TYPES.configMap).map((c) => [`${namespaceOf(c)}/${nameOf(c)}`, c]));
    const out: Flow[] = [];
    for (const w of workloads(resources)) {
        const seen = new Set<string>();
        for (const t of podTexts(w, configMaps)) {
            for (const m of t.matchAll(SERVICE_URL)) {
                const [, scheme, name, namespace = namespaceOf(w), svc, given] = m;
                const port = given !== undefined ? Number(given) : scheme === "https" ? 443 : 80;
                const key = `${namespace}/${name}:${port}`;
                if (seen.has(key)) continue;
                seen.add(key);
                const written = svc !== undefined ? `${scheme}://${name}.${namespace}.svc...:${port}` : m[0];
                const source: Source = { kind: "pods", namespace: namespaceOf(w), labels: podLabelsOf(w), what: `the pods of ${who(w)} (given ${written})` };
                // A short host that names no Service of that namespace is not one (serviceTargets finds none).
                for (const target of serviceTargets(services, namespace, name, port)) out.push({ source, target });
            }
        }
    }
    return out;
}

/** One relabel step of a scrape job, as far as keep rules and the target's port go. */
interface Relabel {
    readonly sourceLabels: readonly string[];
    readonly regex: string | undefined;
    readonly action: string | undefined;
    readonly targetLabel: string | undefined;
}

function unquote(v: string): string {
    const t = v.trim();
    return t.startsWith('"') ? (JSON.parse(t) as string) : t;
}

/**
 * The jobs of a scrape configuration as observability/scrape-config.ts writes it (yaml's stringify:
 * two-space indents, one `- job_name:` per job): each job's discovery role and relabel steps. The
 * policy pack carries no YAML parser; a line shape it does not know leaves the step out.
 */
function scrapeJobs(config: string): { role: string; relabels: Relabel[] }[] {
    const jobs: { role: string; relabels: Relabel[] }[] = [];
    let step: { sourceLabels: string[]; regex?: string; action?: string; targetLabel?: string } | undefined;
    let inSources = false;
    const flush = (): void => {
        if (step !== undefined) jobs[jobs.length - 1]?.relabels.push({ sourceLabels: step.sourceLabels, regex: step.regex, action: step.action, targetLabel: step.targetLabel });
        step = undefined;
    };
    for (const line of config.split("\n")) {
        const t = line.trim();
        if (/^- job_name:/.test(t) && line.startsWith("  - ")) {
            flush();
            jobs.push({ role: "", relabels: [] });
            continue;
        }
        const role = /^- role: (\S+)$/.exec(t);
        if (role !== null && jobs.length > 0 && jobs[jobs.length - 1].role === "") jobs[jobs.length - 1].role = role[1];
        if (/^- source_labels:$/.test(t) || /^- (action|target_label|regex|replacement):/.test(t)) {
            flush();
            step = { sourceLabels: [] };
        }
        if (step === undefined) continue;
        if (/^(- )?source_labels:$/.test(t)) { inSources = true; continue; }
        const kv = /^(?:- )?(regex|action|target_label): (.*)$/.exec(t);
        if (kv !== null) {
            inSources = false;
            if (kv[1] === "regex") step.regex = unquote(kv[2]);
            if (kv[1] === "action") step.action = unquote(kv[2]);
            if (kv[1] === "target_label") step.targetLabel = unquote(kv[2]);
            continue;
        }
        if (inSources && t.startsWith("- ")) step.sourceLabels.push(t.slice(2));
    }
    flush();
    return jobs;
}

/** A Prometheus relabel regex matches the whole value (it is anchored). */
function fullMatch(regex: string | undefined, value: string): boolean {
    try {
        return new RegExp(`^(?:${regex ?? "(.*)"})$`).test(value);
    } catch {
        return false;
    }
}

function metaName(name: string): string {
    return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** The Kubernetes service discovery labels of a pod or a Service endpoint that keep rules read. */
function keeps(job: { relabels: readonly Relabel[] }, meta: Readonly<Record<string, string>>): boolean {
    return job.relabels.filter((r) => r.action === "keep").every((r) => fullMatch(r.regex, r.sourceLabels.map((l) => meta[l] ?? "").join(";")));
}

/** The pods of a workload scraped at `port` (a scrape by pod, not through a Service). */
function podTarget(w: PolicyResource, port: number): Target {
    const c = containerPorts(w).find((cp) => cp.number === port);
    return { what: `port ${port} of the pods of ${who(w)}, scraped by pod,`, urn: w.urn, namespace: namespaceOf(w), pods: [{ labels: podLabelsOf(w), owner: who(w), port: { number: port, ...(c?.name !== undefined ? { name: c.name } : {}) } }] };
}

/** A chart's pods scraped by their annotations (`podAnnotations` with a port). */
function chartPodTargets(resources: readonly PolicyResource[]): Target[] {
    return charts(resources).flatMap((c) => {
        const render = CHART_SERVICES[chartName(c)];
        if (render === undefined) return [];
        const s = render(text(c.props.name) ?? c.name, rec(c.props.values));
        const port = Number(s.podAnnotations[SCRAPE_PORT_ANNOTATION]);
        if (s.podAnnotations[SCRAPE_ANNOTATION] !== "true" || !Number.isInteger(port)) return [];
        const named = s.ports.find((p) => p.containerPort === port);
        return [{ what: `port ${port} of the pods of ${who(c)}, scraped by pod,`, urn: c.urn, namespace: namespaceOf(c), pods: [{ labels: s.podLabels, owner: who(c), port: { number: port, ...(named !== undefined ? { name: named.containerPortName } : {}) } }] }];
    });
}

/** What the managed scrapers reach, or without one, a Prometheus that finds its targets by annotation. */
function scrapeFlows(resources: readonly PolicyResource[], services: readonly ServiceView[], declared: ReturnType<typeof declaredNetworkPolicy>): Flow[] {
    const out: Flow[] = [];
    const scrapers = ofType(resources, SCRAPER);
    for (const scraper of scrapers) {
        const cidrs = dependencyCidrs(scraper, "source");
        const source: Source = { kind: "addresses", cidrs, what: `the managed scraper ${scraper.name} (its subnets, ${listText(cidrs)})` };
        for (const job of scrapeJobs(text(scraper.props.scrapeConfiguration) ?? "")) {
            if (job.role === "pod") {
                // The port: the annotation the job moves into __address__.
                const portLabel = job.relabels.find((r) => r.targetLabel === "__address__")?.sourceLabels.find((l) => l.startsWith("__meta_kubernetes_pod_annotation_"));
                for (const w of workloads(resources)) {
                    const meta: Record<string, string> = { __meta_kubernetes_namespace: namespaceOf(w) };
                    for (const [k, v] of Object.entries(stringEntries(rec(podTemplateOf(w).metadata).annotations))) meta[`__meta_kubernetes_pod_annotation_${metaName(k)}`] = v;
                    for (const [k, v] of Object.entries(podLabelsOf(w))) meta[`__meta_kubernetes_pod_label_${metaName(k)}`] = v;
                    if (!keeps(job, meta)) continue;
                    const ports = portLabel !== undefined && meta[portLabel] !== undefined ? [Number(meta[portLabel])] : containerPorts(w).map((p) => p.number);
                    for (const port of ports) out.push({ source, target: podTarget(w, port) });
                }
            }
            if (job.role === "endpoints") {
                for (const svc of services) {
                    for (const p of svc.ports) {
                        const meta = { __meta_kubernetes_namespace: svc.namespace, __meta_kubernetes_service_name: svc.name, __meta_kubernetes_endpoint_port_name: p.name ?? "" };
                        if (keeps(job, meta)) out.push(...serviceTargets(services, svc.namespace, svc.name, p.port).map((target) => ({ source, target })));
                    }
                }
            }
        }
    }
    if (scrapers.length > 0) return out;
    const targets: Target[] = [
        ...workloads(resources).flatMap((w) => {
            const a = stringEntries(rec(podTemplateOf(w).metadata).annotations);
            const port = Number(a[SCRAPE_PORT_ANNOTATION]);
            return a[SCRAPE_ANNOTATION] === "true" && Number.isInteger(port) ? [podTarget(w, port)] : [];
        }),
        ...chartPodTargets(resources),
        ...services.filter((s) => s.annotations[SCRAPE_ANNOTATION] === "true").flatMap((s) => serviceTargets(services, s.namespace, s.name, undefined)),
    ];
    if (targets.length === 0) return out;
    // A Prometheus of the team's: inside the plan's VPC, or where the existing cluster says.
    const vpc = homeVpcCidrs(resources);
    const declaredList = declaredSources(declared?.scrapeFrom ?? [], "the team's Prometheus");
    const sources: Source[] = vpc.length > 0
        ? [{ kind: "addresses", cidrs: vpc, what: `a Prometheus in the VPC (${listText(vpc)})` }]
        : declaredList.length > 0 ? declaredList : [{ kind: "addresses", cidrs: [], what: "the team's Prometheus, which the existing cluster declares no source for (provides.networkPolicy.scrapeFrom)" }];
    for (const target of targets) for (const source of sources) out.push({ source, target });
    return out;
}

// --- Admission --------------------------------------------------------------------------------

type Selector = Record<string, unknown>;

/** A label selector (matchLabels and matchExpressions) against labels; an empty selector selects everything (policies/shared/selector.ts). */
function selectorMatches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
    return labelSelectorMatches(rec(selector), labels);
}

/** True when a policy rule's ports let a TCP connection to the container port through (none listed: all). */
function portAdmitted(ports: unknown, port: { readonly number: number; readonly name?: string }): boolean {
    const list = arr(ports).map(rec);
    if (list.length === 0) return true;
    return list.some((p) => {
        if ((text(p.protocol) ?? "TCP") !== "TCP") return false;
        const v: unknown = p.port;
        if (v === undefined) return true;
        if (typeof v === "number") return port.number === v || (num(p.endPort) !== undefined && port.number >= v && port.number <= (num(p.endPort) ?? v));
        return typeof v === "string" && (v === port.name || v === String(port.number));
    });
}

/** True when an ipBlock admits every address of `cidr` (inside `cidr`, not in an `except`). */
function blockAdmits(block: Record<string, unknown>, cidr: Cidr): boolean {
    const outer = parseCidr(text(block.cidr) ?? "");
    if (outer === undefined || !contains(outer, cidr)) return false;
    return !strs(block.except).some((e) => {
        const ex = parseCidr(e);
        return ex !== undefined && (contains(ex, cidr) || contains(cidr, ex));
    });
}

/** True when one `from` peer admits the source (for addresses, the one CIDR `cidr`). */
function peerAdmits(peer: Record<string, unknown>, policyNamespace: string, source: Source, namespaceLabels: (ns: string) => Record<string, string>, cidr: Cidr | undefined): boolean {
    if (source.kind === "addresses") return peer.ipBlock !== undefined && cidr !== undefined && blockAdmits(rec(peer.ipBlock), cidr);
    if (peer.ipBlock !== undefined) return false;
    const podSelector = peer.podSelector === undefined ? undefined : rec(peer.podSelector);
    const namespaceOk = peer.namespaceSelector === undefined ? source.namespace === policyNamespace : selectorMatches(rec(peer.namespaceSelector), namespaceLabels(source.namespace));
    if (!namespaceOk) return false;
    if (podSelector === undefined) return true;
    // A declared namespace's pods have unknown labels: only a selector of every pod admits them.
    return source.labels === undefined ? selectsEverything(podSelector) : selectorMatches(podSelector, source.labels);
}

/**
 * Whether the namespace's policies admit the source to one pod at its container port: a pod no
 * policy selects for Ingress is open; else some rule of a selecting policy must admit both the
 * source and the port (NetworkPolicies are additive). For addresses, every CIDR of the source.
 */
function admitted(policies: readonly PolicyResource[], namespace: string, pod: TargetPods, source: Source, namespaceLabels: (ns: string) => Record<string, string>): boolean {
    const selecting = policies.filter((p) => {
        const spec = rec(p.props.spec);
        const types = strs(spec.policyTypes);
        return namespaceOf(p) === namespace && (types.length === 0 || types.includes("Ingress")) && selectorMatches(rec(spec.podSelector), pod.labels);
    });
    if (selecting.length === 0) return true;
    const rules = selecting.flatMap((p) => arr(rec(p.props.spec).ingress).map((r) => ({ rule: rec(r), ns: namespaceOf(p) })));
    const one = (cidr: Cidr | undefined): boolean => rules.some(({ rule, ns }) => {
        if (!portAdmitted(rule.ports, pod.port)) return false;
        const from = arr(rule.from).map(rec);
        return from.length === 0 || from.some((peer) => peerAdmits(peer, ns, source, namespaceLabels, cidr));
    });
    if (source.kind === "pods") return one(undefined);
    const cidrs = source.cidrs.map(parseCidr);
    return cidrs.length > 0 && cidrs.every((c) => c !== undefined && one(c));
}

function sourceText(source: Source): string {
    if (source.kind === "addresses") return source.cidrs.length > 0 ? `an ipBlock for each of ${listText(source.cidrs)}` : "the source (declare it first)";
    const labels = source.labels === undefined ? "" : ` podSelector ${Object.entries(source.labels).filter(([k]) => k === SELECTOR_LABELS.app || k === ROLE_LABEL || k === APP_LABELS.name).map(([k, v]) => `${k}=${v}`).join(",")}`;
    return `namespace ${source.namespace}${labels}`;
}

export const preflightNetworkPolicyAdmits: LaunchpadStackPolicy = {
    name: "preflight-network-policy-admits",
    description: "Every Service (or scraped pod) the plan's own traffic reaches (Ingress and LoadBalancer load balancers, pods given a Service's in-cluster URL, the metrics scrape) has its pods admitted by their namespace's NetworkPolicies, from that source, on the container port.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const policies = ofType(args.resources, NETWORK_POLICY);
        if (policies.length === 0) return;
        const declared = declaredNetworkPolicy(args.resources);
        const services = serviceViews(args.resources);
        const planned = new Map(ofType(args.resources, TYPES.namespace).map((n) => [nameOf(n), stringEntries(rec(n.props.metadata).labels)]));
        const namespaceLabels = (ns: string): Record<string, string> => ({ ...planned.get(ns), [NAMESPACE_NAME_LABEL]: ns });
        const flows = [...loadBalancerFlows(args.resources, services, declared), ...urlFlows(args.resources, services), ...scrapeFlows(args.resources, services, declared)];
        const said = new Set<string>();
        for (const { source, target } of flows) {
            for (const pod of target.pods) {
                if (admitted(policies, target.namespace, pod, source, namespaceLabels)) continue;
                const message = `${target.what} is reached by ${source.what}, but no NetworkPolicy of namespace ${target.namespace} admits that to the pods of ${pod.owner} on container port ${pod.port.number}: ` +
                    `add an ingress rule from ${sourceText(source)} on port ${pod.port.number} to a policy that selects them.`;
                if (said.has(message)) continue;
                said.add(message);
                report(message, target.urn);
            }
        }
    },
};

export const POD_TRAFFIC_POLICIES = [preflightNetworkPolicyEnforced, preflightNetworkPolicyAdmits] as const;
