/**
 * Deployability preflight: for every Kubernetes object in the plan, what the cluster must provide
 * for it is provided by the plan itself, or declared by the existing-cluster config. A plan can be
 * perfectly valid and still never become ready: an Ingress no controller serves, a claim no storage
 * class binds, an HPA with no metrics API, an object created before its namespace, a pod reading a
 * Secret key nobody writes, a role its service account cannot assume, a chart that moves. Each
 * policy below is one of those gaps, checked offline without a cloud account; each violation names
 * the object and what it lacks.
 *
 * Stack policies, because each gap is between two resources (or a resource and the cluster). Under
 * the CLI a stack policy that reads a value unknown during preview is skipped with an advisory
 * ("can't run policy ... during preview"; pulumi-policy `sdk/nodejs/policy/server.ts`), so the checks
 * are split by gap: an unknown in one does not hide the others. The offline plan has no unknowns.
 *
 * What the cluster provides:
 * - the plan's own resources: Helm charts (the provider tables below), EKS add-ons, StorageClasses,
 *   IngressClasses, Namespaces, Secrets, ConfigMaps, ServiceAccounts, IAM roles, the OIDC provider;
 * - on an existing cluster, the `launchpad:cluster:Cluster` component's `provides` (ingress classes,
 *   storage classes, whether one is the default, whether the metrics API is served), declared in
 *   config. The offline plan reads it from the component's inputs; under the CLI a stack policy sees a
 *   component's registered outputs (`pkg/resource/deploy/step_generator.go`, `AnalyzeResources`), so
 *   the component must register `provides` as an output too (`registerOutputs`).
 *
 * Dependencies are every direct dependency, explicit or from an input, as the CLI gives them to
 * stack policies (see `policies/evaluate.ts`); an object depends on its Namespace directly or
 * through another resource.
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { arr, ingressBackendsOf, isKubernetesObjectType, known, UNSEEN, isWorkloadType, labelsOf, listText, LONG_RUNNING_KINDS, podReferences, podSpecOf, policyDocument, rec, strs, text, type IngressBackend, type LaunchpadStackPolicy, type PodReference } from "./lib";
import { parseAlbAction, weightProblem } from "./shared/alb";
import { ALB_ACTIONS, APP_LABELS } from "./shared/delivery";
import { IRSA_ROLE_ANNOTATION, READINESS_GATE_INJECT_LABEL } from "./shared/kubernetes";
import { labelSelectorRequirements, meets, requirements, serviceSelects, type LabelRequirement } from "./shared/selector";

// --- Provider tables --------------------------------------------------------------------------

/** Ingress controllers shipped as Helm charts: the controller they run and the IngressClass they create. */
export const INGRESS_CONTROLLER_CHARTS: Readonly<Record<string, { readonly controller: string; readonly ingressClass: (values: Record<string, unknown>) => { name: string; isDefault: boolean } | undefined }>> = {
    // aws/eks-charts stable/aws-load-balancer-controller: `ingressClass: alb`, `createIngressClassResource: true`,
    // `ingressClassConfig.default: false`; the IngressClass's controller is `ingress.k8s.aws/alb`.
    "aws-load-balancer-controller": {
        controller: "ingress.k8s.aws/alb",
        ingressClass: (v) => (v.createIngressClassResource === false ? undefined : { name: text(v.ingressClass) ?? "alb", isDefault: rec(v.ingressClassConfig).default === true }),
    },
    // kubernetes/ingress-nginx: `controller.ingressClassResource` {name: nginx, enabled: true, default: false}.
    "ingress-nginx": {
        controller: "k8s.io/ingress-nginx",
        ingressClass: (v) => {
            const c = rec(rec(v.controller).ingressClassResource);
            return c.enabled === false ? undefined : { name: text(c.name) ?? "nginx", isDefault: c.default === true };
        },
    },
};

/** The aggregated APIs an HPA reads, and what serves each (a chart, or an EKS add-on). */
export const METRICS_API_PROVIDERS: Readonly<Record<MetricsApi, { readonly charts: readonly string[]; readonly addons: readonly string[] }>> = {
    "metrics.k8s.io": { charts: ["metrics-server"], addons: ["metrics-server"] },
    "custom.metrics.k8s.io": { charts: ["prometheus-adapter"], addons: [] },
    "external.metrics.k8s.io": { charts: ["keda"], addons: [] },
};
type MetricsApi = "metrics.k8s.io" | "custom.metrics.k8s.io" | "external.metrics.k8s.io";

/** EKS add-ons that take an IRSA role (`serviceAccountRoleArn`), and the service account each runs as. */
export const ADDON_SERVICE_ACCOUNTS: Readonly<Record<string, { readonly namespace: string; readonly name: string }>> = {
    "aws-ebs-csi-driver": { namespace: "kube-system", name: "ebs-csi-controller-sa" },
    "aws-efs-csi-driver": { namespace: "kube-system", name: "efs-csi-controller-sa" },
    "vpc-cni": { namespace: "kube-system", name: "aws-node" },
};

/** CSI provisioners and what installs their driver. The in-tree EBS provisioner is migrated to the EBS CSI driver. */
export const CSI_DRIVERS: Readonly<Record<string, { readonly addon: string; readonly chart: string }>> = {
    "ebs.csi.aws.com": { addon: "aws-ebs-csi-driver", chart: "aws-ebs-csi-driver" },
    "kubernetes.io/aws-ebs": { addon: "aws-ebs-csi-driver", chart: "aws-ebs-csi-driver" },
    "efs.csi.aws.com": { addon: "aws-efs-csi-driver", chart: "aws-efs-csi-driver" },
};

/**
 * Helm charts that create PersistentVolumeClaims, and the value paths that say so, so a chart's
 * claim is checked like a plain one. A storage class of `-` means `storageClassName: ""` (the
 * charts' convention); an existing claim means the chart creates none.
 */
export const CHART_VOLUME_CLAIMS: Readonly<Record<string, { readonly enabled: string; readonly storageClass: string; readonly existingClaim: string }>> = {
    "prometheus-pushgateway": { enabled: "persistentVolume.enabled", storageClass: "persistentVolume.storageClass", existingClaim: "persistentVolume.existingClaim" },
};

/** Namespaces every cluster has: objects in them need no Namespace resource. */
export const BUILT_IN_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Built-in kinds that live outside namespaces. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "Namespace", "Node", "PersistentVolume", "StorageClass", "IngressClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "APIService", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration",
]);

const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const DEFAULT_INGRESS_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
// The EKS pod identity webhook's default token audience, the same in every partition (aws-cn too,
// not sts.amazonaws.com.cn: eksctl-io/eksctl#1910, fixed by #1912 "OIDC provider and AssumeRolePolicy use sts.amazonaws.com").
const STS_AUDIENCE = "sts.amazonaws.com";
const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";

export const TYPES = {
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    pv: "kubernetes:core/v1:PersistentVolume",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    ingressClass: "kubernetes:networking.k8s.io/v1:IngressClass",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    addon: "aws:eks/addon:Addon",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    subnet: "aws:ec2/subnet:Subnet",
    role: "aws:iam/role:Role",
    oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    cluster: "launchpad:cluster:Cluster",
} as const;

// --- Reading the plan -------------------------------------------------------------------------

/** A nested value by dotted path. */
function at(obj: Record<string, unknown>, path: string): unknown {
    let cur: unknown = obj;
    for (const p of path.split(".")) cur = rec(cur)[p];
    return cur;
}

/** `kubernetes:apps/v1:Deployment` -> `Deployment`. */
export function kindOf(type: string): string {
    return type.split(":").pop() ?? type;
}

export function nameOf(r: PolicyResource): string {
    return text(rec(r.props.metadata).name) ?? r.name;
}

/** The namespace a namespaced object (or a Helm chart) goes to: its own, else its provider's default, else `default`. */
export function namespaceOf(r: PolicyResource): string {
    const own: unknown = isChart(r) ? r.props.namespace : rec(r.props.metadata).namespace;
    return text(own) ?? text(r.provider?.props.namespace) ?? "default";
}

function isNamespaced(r: PolicyResource): boolean {
    return isChart(r) || (isKubernetesObjectType(r.type) && !CLUSTER_SCOPED_KINDS.has(kindOf(r.type)));
}

/** `Deployment launchpad-staging/api-blue`, `StorageClass gp3`, `Helm release pushgateway (chart prometheus-pushgateway)`. */
export function who(r: PolicyResource): string {
    if (isChart(r)) return `Helm ${r.type === TYPES.helmChart ? "chart" : "release"} ${text(r.props.name) ?? r.name} (chart ${text(r.props.chart) ?? "?"})`;
    return isNamespaced(r) ? `${kindOf(r.type)} ${namespaceOf(r)}/${nameOf(r)}` : `${kindOf(r.type)} ${nameOf(r)}`;
}

export function isChart(r: PolicyResource): boolean {
    return r.type === TYPES.helmRelease || r.type === TYPES.helmChart;
}

/** A chart's name without its repository: `eks/aws-load-balancer-controller`, `oci://.../metrics-server` -> the last segment. */
export function chartName(r: PolicyResource): string {
    return (text(r.props.chart) ?? "").split("/").pop() ?? "";
}

export function charts(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter(isChart);
}

function addonNames(resources: readonly PolicyResource[]): Set<string> {
    return new Set(resources.filter((r) => r.type === TYPES.addon).map((r) => text(r.props.addonName) ?? ""));
}

export function ofType(resources: readonly PolicyResource[], ...types: string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

export function byKind(resources: readonly PolicyResource[], kind: string): PolicyResource[] {
    return resources.filter((r) => isKubernetesObjectType(r.type) && kindOf(r.type) === kind);
}

/** What an existing cluster declares it provides (`launchpad:cluster:Cluster`'s `provides`); all empty when nothing is declared. */
export interface DeclaredProvides {
    readonly ingressClasses: readonly string[];
    readonly storageClasses: readonly string[];
    readonly defaultStorageClass: boolean;
    readonly metricsApi: boolean;
}

export function declaredProvides(resources: readonly PolicyResource[]): DeclaredProvides {
    const all = ofType(resources, TYPES.cluster).map((c) => rec(c.props.provides));
    return {
        ingressClasses: all.flatMap((p) => strs(p.ingressClasses)),
        storageClasses: all.flatMap((p) => strs(p.storageClasses)),
        defaultStorageClass: all.some((p) => p.defaultStorageClass === true),
        metricsApi: all.some((p) => p.metricsApi === true),
    };
}

/**
 * The IAM OIDC providers an existing cluster declares (`launchpad:network.existing.oidcProviderArn`,
 * recorded on the `launchpad:cluster:Cluster` component): its IRSA roles trust that provider, which
 * the plan does not create.
 */
export function declaredOidcProviders(resources: readonly PolicyResource[]): string[] {
    return ofType(resources, TYPES.cluster).map((c) => text(c.props.oidcProviderArn)).filter((a): a is string => a !== undefined);
}

/** Every resource `r` depends on, directly or through others. */
function dependencyClosure(r: PolicyResource): Set<string> {
    const seen = new Set<string>();
    const stack = [...r.dependencies];
    while (stack.length > 0) {
        const d = stack.pop() as PolicyResource;
        if (seen.has(d.urn)) continue;
        seen.add(d.urn);
        stack.push(...d.dependencies);
    }
    return seen;
}

// --- Ingress ----------------------------------------------------------------------------------

interface IngressClassOffer {
    readonly isDefault: boolean;
}

/**
 * Every ingress class with a controller (charts' own classes, planned IngressClasses a planned
 * controller serves, declared ones), and the controller charts the plan installs.
 */
function ingressClasses(resources: readonly PolicyResource[]): { offered: Map<string, IngressClassOffer>; controllerCharts: Set<string> } {
    const offered = new Map<string, IngressClassOffer>();
    const controllers = new Set<string>();
    const controllerCharts = new Set<string>();
    for (const c of charts(resources)) {
        const entry = INGRESS_CONTROLLER_CHARTS[chartName(c)];
        if (entry === undefined) continue;
        controllers.add(entry.controller);
        controllerCharts.add(chartName(c));
        const cls = entry.ingressClass(rec(c.props.values));
        if (cls !== undefined) offered.set(cls.name, { isDefault: cls.isDefault });
    }
    for (const ic of byKind(resources, "IngressClass")) {
        if (controllers.has(text(rec(ic.props.spec).controller) ?? "")) {
            offered.set(nameOf(ic), { isDefault: labelsOf(ic.props, "annotations")[DEFAULT_INGRESS_CLASS_ANNOTATION] === "true" });
        }
    }
    for (const name of declaredProvides(resources).ingressClasses) {
        if (!offered.has(name)) offered.set(name, { isDefault: false });
    }
    return { offered, controllerCharts };
}

/** The fix for a class nobody provides: the chart whose default class it is, installed or not. */
function ingressFix(cls: string, installed: ReadonlySet<string>): string {
    const chart = Object.entries(INGRESS_CONTROLLER_CHARTS).find(([, e]) => e.ingressClass({})?.name === cls);
    if (chart === undefined) return "install a controller for it";
    return installed.has(chart[0])
        ? `let the ${chart[0]} chart create the IngressClass, or add an IngressClass ${cls} with spec.controller ${chart[1].controller}`
        : `install its controller (the ${chart[0]} chart provides ${cls})`;
}

export const preflightIngressController: LaunchpadStackPolicy = {
    name: "preflight-ingress-controller",
    description: "Every Ingress's class has a controller: a controller chart in the plan, or a class the existing cluster declares.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
        const { offered, controllerCharts } = ingressClasses(args.resources);
        const known = [...offered.keys()].sort();
        const available = known.length > 0
            ? `available: ${listText(known)}`
            : controllerCharts.size > 0 ? "the plan's ingress controllers create no IngressClass" : "the plan installs no ingress controller and the existing cluster declares no class";
        for (const ing of byKind(args.resources, "Ingress")) {
            const cls = text(rec(ing.props.spec).ingressClassName) ?? labelsOf(ing.props, "annotations")["kubernetes.io/ingress.class"];
            if (cls === undefined) {
                if (![...offered.values()].some((o) => o.isDefault)) {
                    report(`${who(ing)} names no ingress class and no IngressClass is the default, so no controller serves it: set spec.ingressClassName (${available}).`, ing.urn);
                }
                continue;
            }
            if (!offered.has(cls)) {
                report(`${who(ing)} uses ingress class ${cls}, which no controller in the plan or the existing cluster provides (${available}): ${ingressFix(cls, controllerCharts)}, or declare it in the cluster's provides.ingressClasses.`, ing.urn);
            }
        }
    },
};

/** A port reference as the controller reads it: a number, or a numeric string (intstr.Parse), is a port number; any other string is a port name. */
function portRef(v: unknown): { number: number } | { name: string } | undefined {
    if (typeof v === "number") return { number: v };
    if (typeof v !== "string" || v === "") return undefined;
    return /^\d+$/.test(v) ? { number: Number(v) } : { name: v };
}

/** What is wrong with a Service reference `name`/`port` in namespace `ns`; undefined when the plan has that Service and port. */
function serviceProblem(services: ReadonlyMap<string, PolicyResource>, ns: string, name: string, port: { number: number } | { name: string } | undefined): string | undefined {
    const svc = services.get(`${ns}/${name}`);
    if (svc === undefined) return `Service ${ns}/${name}, which the plan does not create`;
    if (port === undefined) return `Service ${ns}/${name} without a port`;
    const ports = arr(rec(svc.props.spec).ports).map(rec);
    const found = "name" in port ? ports.some((p) => p.name === port.name) : ports.some((p) => p.port === port.number);
    const shown = "name" in port ? `port ${port.name}` : `port ${port.number}`;
    return found ? undefined : `${shown} of Service ${ns}/${name}, which it does not have (it has ${listText(ports.map((p) => text(p.name) ?? String(p.port)))})`;
}

/**
 * The problems of one `use-annotation` backend: the action annotation exists, parses, has a shape
 * the controller's Action.validate takes, and its forward target groups name Services of the plan
 * with integer weights 0..999 (each weighted when there are several), as Action.validate and loadBackendServices require
 * (pkg/ingress/config_types.go:86-135, :173-205; enhanced_backend_builder.go:271-300, where a
 * missing Service among several target groups fails the whole Ingress).
 */
function actionProblems(ing: PolicyResource, b: IngressBackend, services: ReadonlyMap<string, PolicyResource>): string[] {
    const key = `${ALB_ACTIONS.annotationPrefix}${b.name ?? ""}`;
    const raw = labelsOf(ing.props, "annotations")[key];
    const at = `${who(ing)} ${b.where} (action ${b.name ?? "?"}, port ${ALB_ACTIONS.useAnnotation})`;
    if (raw === undefined) return [`${at} has no annotation ${key}: add the action, or route to a Service by its port.`];
    const action = parseAlbAction(raw);
    if (action.kind === "not-json") return [`${at}: annotation ${key} is not JSON (${action.error}): write the action as JSON.`];
    if (action.kind === "unknown-type") return [`${at}: annotation ${key} has type ${JSON.stringify(action.type)}; expected "forward", "fixed-response" or "redirect".`];
    if (action.kind === "refused") return [`${at}: annotation ${key} is refused by the load balancer controller (${action.reason}): fix the action's shape.`];
    if (action.kind !== "forward") return [];
    const { groups } = action;
    if (groups.length === 0) return [`${at}: annotation ${key} forwards to no target group: list forwardConfig.targetGroups.`];
    const out: string[] = [];
    const ns = namespaceOf(ing);
    groups.forEach((g, i) => {
        const tg = `forwardConfig.targetGroups[${i}]`;
        const weight = weightProblem(g, groups.length);
        if (weight === "missing") out.push(`${at}: ${tg} has no weight, which every target group needs when there are several: set weight (0 to ${ALB_ACTIONS.maxWeight}).`);
        if (weight === "invalid") out.push(`${at}: ${tg} weight: received ${JSON.stringify(g.weight)}; expected an integer from 0 to ${ALB_ACTIONS.maxWeight}.`);
        if (g.external) {
            // A Service beside the target group: refused whole (a group alone, or a Service with no port, is reported below).
            if (g.refused !== undefined) out.push(`${at}: ${tg} is refused by the load balancer controller (${g.refused}): keep the Service or the target group.`);
            return;
        }
        if (g.serviceName === undefined) {
            out.push(`${at}: ${tg} names no serviceName (nor targetGroupARN/targetGroupName): name a Service of the plan.`);
            return;
        }
        const problem = serviceProblem(services, ns, g.serviceName, portRef(g.servicePort));
        if (problem !== undefined) out.push(`${at}: ${tg} forwards to ${problem}: create it in namespace ${ns} or name one the plan has.`);
    });
    return out;
}

export const preflightIngressBackends: LaunchpadStackPolicy = {
    name: "preflight-ingress-backends",
    description: "Every Ingress backend reaches a Service of the plan, in the Ingress's namespace, by a port it has; a `use-annotation` backend (AWS Load Balancer Controller) has its action annotation, valid JSON whose forward target groups name such Services with integer weights 0..999.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const services = new Map(ofType(args.resources, TYPES.service).map((s) => [`${namespaceOf(s)}/${nameOf(s)}`, s]));
        for (const ing of byKind(args.resources, "Ingress")) {
            for (const b of ingressBackendsOf(ing.props)) {
                if (b.port.name === ALB_ACTIONS.useAnnotation) {
                    for (const p of actionProblems(ing, b, services)) report(p, ing.urn);
                    continue;
                }
                const problem = b.name === undefined ? "a Service with no name" : serviceProblem(services, namespaceOf(ing), b.name, portRef(b.port.name ?? b.port.number));
                if (problem !== undefined) report(`${who(ing)} ${b.where} routes to ${problem}: create it in namespace ${namespaceOf(ing)} or route to one the plan has.`, ing.urn);
            }
        }
    },
};

// --- ALB readiness gates ----------------------------------------------------------------------

/** The AWS Load Balancer Controller's chart, its IngressClass controller and its pod webhook's namespace label (chart templates/webhook.yaml, mpod). */
const LBC_CHART = "aws-load-balancer-controller";
const LBC_INGRESS_CONTROLLER = "ingress.k8s.aws/alb";
const ALB_TARGET_TYPE = ALB_ACTIONS.targetTypeAnnotation;
export const NLB_TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";
export const LBC_SERVICE_CLASS = "service.k8s.aws/nlb";

/**
 * Whom the controller's pod webhook (`mpod.elbv2.k8s.aws`) mutates, as the chart's
 * templates/webhook.yaml renders it from the release's values: namespaces by
 * `webhookNamespaceSelectors`, else the `elbv2.k8s.aws/pod-readiness-gate-inject In (enabled)`
 * label; pods by `objectSelector.matchExpressions`/`matchLabels` (the controller's own pods never);
 * nothing when `enablePodReadinessGateInject` is false (templates/deployment.yaml
 * `--enable-pod-readiness-gate-inject`).
 */
function podWebhookScope(values: Record<string, unknown>): { namespace: (labels: Record<string, string>) => boolean; pod: (labels: Record<string, string>) => boolean } | undefined {
    if (values.enablePodReadinessGateInject === false) return undefined;
    const nsRequirements = requirements(values.webhookNamespaceSelectors);
    const namespace = nsRequirements.length > 0 ? nsRequirements : [{ key: READINESS_GATE_INJECT_LABEL, operator: "In", values: ["enabled"] }];
    const objectSelector = rec(values.objectSelector);
    const podRequirements: LabelRequirement[] = [
        { key: APP_LABELS.name, operator: "NotIn", values: [LBC_CHART] },
        // The chart renders matchLabels from values, where a YAML number or boolean is a label's text.
        ...labelSelectorRequirements({ matchLabels: Object.fromEntries(Object.entries(rec(objectSelector.matchLabels)).map(([k, v]) => [k, String(v)])), matchExpressions: objectSelector.matchExpressions }),
    ];
    return {
        namespace: (labels) => namespace.every((r) => meets(labels, r)),
        pod: (labels) => podRequirements.every((r) => meets(labels, r)),
    };
}

/** The labels of the pods a workload creates (its pod template's), or of a bare Pod. */
export function podLabelsOf(w: PolicyResource): Record<string, string> {
    return labelsOf(podTemplateOf(w));
}

/** The pod template of a workload (a CronJob's Job's), or a bare Pod itself. */
export function podTemplateOf(w: PolicyResource): Record<string, unknown> {
    const spec = rec(w.props.spec);
    return kindOf(w.type) === "Pod" ? w.props : kindOf(w.type) === "CronJob" ? rec(rec(rec(spec.jobTemplate).spec).template) : rec(spec.template);
}

/** The Services an Ingress routes to, by name: its backends, and a `use-annotation` backend's forward target groups. */
export function ingressServiceNames(ing: PolicyResource): string[] {
    const annotations = labelsOf(ing.props, "annotations");
    return ingressBackendsOf(ing.props).flatMap((b) => {
        if (b.port.name !== ALB_ACTIONS.useAnnotation) return b.name === undefined ? [] : [b.name];
        const action = parseAlbAction(annotations[`${ALB_ACTIONS.annotationPrefix}${b.name ?? ""}`] ?? "{}");
        return action.kind === "forward" ? action.groups.flatMap((g) => (g.serviceName === undefined ? [] : [g.serviceName])) : [];
    });
}

/** An Ingress's class: `spec.ingressClassName`, else the legacy annotation; undefined for the default class. */
export function ingressClassOf(ing: PolicyResource): string | undefined {
    return text(rec(ing.props.spec).ingressClassName) ?? labelsOf(ing.props, "annotations")["kubernetes.io/ingress.class"];
}

/** True when the Service's selector (non-empty: an empty one selects no pod) matches the labels (policies/shared/selector.ts). */
export function selects(svc: PolicyResource, labels: Readonly<Record<string, string>>): boolean {
    return serviceSelects(rec(svc.props.spec).selector, labels);
}

/**
 * The Services of `namespace` whose pods the controller registers as `ip` targets, each with what
 * makes it one: a backend (direct, or a forward action's target group) of an Ingress of the
 * controller's class, or a LoadBalancer Service the controller takes (no other class). The target
 * type is the Service's or the Ingress's annotation, else the chart's `defaultTargetType`, else
 * `instance` (controller docs/guide/ingress/annotations.md, target-type "Ingress,Service";
 * docs/deploy/configurations.md `--default-target-type`).
 */
function ipTargetServices(resources: readonly PolicyResource[], namespace: string, controllerValues: Record<string, unknown>): Map<PolicyResource, string> {
    const services = new Map(ofType(resources, TYPES.service).filter((s) => namespaceOf(s) === namespace).map((s) => [nameOf(s), s]));
    const defaultType = text(controllerValues.defaultTargetType) ?? "instance";
    const own = INGRESS_CONTROLLER_CHARTS[LBC_CHART].ingressClass(controllerValues);
    const classes = new Set<string>([
        ...(own !== undefined ? [own.name] : []),
        ...byKind(resources, "IngressClass").filter((ic) => text(rec(ic.props.spec).controller) === LBC_INGRESS_CONTROLLER).map(nameOf),
    ]);
    const out = new Map<PolicyResource, string>();
    for (const ing of byKind(resources, "Ingress").filter((i) => namespaceOf(i) === namespace)) {
        const annotations = labelsOf(ing.props, "annotations");
        const cls = ingressClassOf(ing);
        if (cls === undefined || !classes.has(cls)) continue;
        for (const name of ingressServiceNames(ing)) {
            const svc = services.get(name);
            const type = svc === undefined ? undefined : labelsOf(svc.props, "annotations")[ALB_TARGET_TYPE] ?? annotations[ALB_TARGET_TYPE] ?? defaultType;
            if (svc !== undefined && type === "ip" && !out.has(svc)) out.set(svc, `a backend of ${who(ing)}`);
        }
    }
    for (const svc of services.values()) {
        const spec = rec(svc.props.spec);
        const cls = text(spec.loadBalancerClass);
        if (spec.type !== "LoadBalancer" || (cls !== undefined && cls !== LBC_SERVICE_CLASS) || out.has(svc)) continue;
        if ((labelsOf(svc.props, "annotations")[NLB_TARGET_TYPE] ?? defaultType) === "ip") out.set(svc, "a LoadBalancer Service of the controller");
    }
    return out;
}

/** The pod webhook's failurePolicy as the chart renders it (templates/webhook.yaml:22, values.yaml default `Ignore`). */
function podWebhookFailurePolicy(values: Record<string, unknown>): string {
    return text(rec(values.podMutatorWebhookConfig).failurePolicy) ?? "Ignore";
}

/** The object selector of the pod webhook in the words of a message: the chart's own exclusion and the release's values. */
function objectSelectorText(values: Record<string, unknown>): string {
    const objectSelector = rec(values.objectSelector);
    const parts = [
        ...requirements(objectSelector.matchExpressions).map((r) => `${r.key} ${r.operator}${r.values.length > 0 ? ` (${r.values.join(", ")})` : ""}`),
        // A label value is text; anything else (a hand-edited plan) is shown as JSON, never "[object Object]".
        ...Object.entries(rec(objectSelector.matchLabels)).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`),
    ];
    return parts.length > 0 ? parts.join(", ") : "none";
}

export const preflightReadinessGateController: LaunchpadStackPolicy = {
    name: "preflight-readiness-gate-controller",
    description: `Every long-running workload whose pods are ALB/NLB ip targets, in a namespace the controller's pod webhook selects (by default labelled ${READINESS_GATE_INJECT_LABEL}=enabled), is selected by the webhook's objectSelector and depends on the AWS Load Balancer Controller's release (its webhook gives a pod its readiness gate only when the pod is created); with failurePolicy Fail, no Job's, CronJob's or (without an objectSelector) chart's pod of such a namespace is sent to the webhook.`,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        // Controller v3.5.0 docs/deploy/pod_readiness_gate.md: the gate is injected "only during pod
        // creation", into pods of a labelled namespace that a Service with a TargetGroupBinding selects,
        // ip targets only. "FailurePolicy": with Ignore (the default > v2.11) a pod created while no
        // controller answers is let through without a gate, and a rollout of it can end the old pods
        // before the new ones are healthy targets; with Fail it is refused until the controller
        // answers ("prevent the launch of any pods in labeled namespaces"). "Recommended settings":
        // Fail combined with an explicit objectSelector. So: a target pod the objectSelector leaves
        // out never gets a gate; with Fail, a pod the webhook has nothing to give (a Job's) is
        // refused whenever the controller is down, so the objectSelector must leave it out. A
        // controller the plan does not install (an existing cluster's) cannot be read, so only a
        // planned one is checked.
        const controllers = charts(args.resources).filter((c) => chartName(c) === LBC_CHART);
        if (controllers.length === 0) return;
        const values = rec(controllers[0].props.values);
        const scope = podWebhookScope(values);
        if (scope === undefined) return;
        const failurePolicy = podWebhookFailurePolicy(values);
        const selectorText = objectSelectorText(values);
        const injected = ofType(args.resources, TYPES.namespace).filter((n) => scope.namespace(labelsOf(n.props))).map(nameOf);
        for (const ns of injected) {
            const targets = ipTargetServices(args.resources, ns, values);
            // A chart's pods are rendered by Helm, unseen here: only when the objectSelector adds
            // nothing to the chart's own exclusion is it certain that they all go to the webhook.
            if (failurePolicy === "Fail" && selectorText === "none") {
                for (const chart of charts(args.resources).filter((c) => namespaceOf(c) === ns && !controllers.includes(c))) {
                    report(
                        `${who(chart)} runs its pods in namespace ${ns}, where the controller's pod webhook, with failurePolicy Fail and no objectSelector, receives every pod: ` +
                            "while the controller is down each of them is refused. Set the chart's objectSelector to the pods that are targets (controller docs/deploy/pod_readiness_gate.md, Recommended settings: failurePolicy Fail combined with an explicit objectSelector).",
                        chart.urn,
                    );
                }
            }
            for (const w of args.resources.filter((r) => isWorkloadType(r.type) && namespaceOf(r) === ns)) {
                const labels = podLabelsOf(w);
                if (!LONG_RUNNING_KINDS.has(w.type) && w.type !== "kubernetes:core/v1:Pod") {
                    // A Job's or CronJob's pods run to completion: a gate gives them nothing.
                    if (failurePolicy === "Fail" && scope.pod(labels)) {
                        report(
                            `${who(w)}'s pods run to completion and need no readiness gate, but they are sent to the controller's pod webhook in namespace ${ns} (objectSelector: ${selectorText}) with failurePolicy Fail: ` +
                                "while the controller is down every one of them is refused. Narrow the chart's objectSelector to the pods that are targets (controller docs/deploy/pod_readiness_gate.md, Recommended settings: failurePolicy Fail combined with an explicit objectSelector).",
                            w.urn,
                        );
                    }
                    continue;
                }
                const by = [...targets].filter(([svc]) => selects(svc, labels));
                if (by.length === 0) continue;
                const via = listText(by.map(([svc, why]) => `Service ${ns}/${nameOf(svc)} (${why})`));
                if (!scope.pod(labels)) {
                    report(
                        `${who(w)}'s pods are ip targets through ${via} in namespace ${ns}, where the controller's pod webhook injects readiness gates, but its objectSelector (${selectorText}) does not select their labels: ` +
                            "they never get a readiness gate, so a rollout can end the old pods before the new ones are healthy targets. Label the pod template to match the chart's objectSelector, or widen the selector.",
                        w.urn,
                    );
                    continue;
                }
                const closure = dependencyClosure(w);
                if (controllers.some((c) => closure.has(c.urn))) continue;
                report(
                    `${who(w)}'s pods are ip targets through ${via} in namespace ${ns}, where the controller's pod webhook injects readiness gates, but it does not depend on ${who(controllers[0])}: ` +
                        (failurePolicy === "Fail"
                            ? "a pod created before the controller's webhook serves is refused (failurePolicy Fail; it is added at pod creation only), so the rollout waits on a controller nothing orders it after. Add the release to dependsOn."
                            : "a pod created before the controller's webhook serves gets no readiness gate (it is added at pod creation only, and the webhook lets pods through while it is down), so a rollout can end the old pods before the new ones are healthy targets. Add the release to dependsOn."),
                    w.urn,
                );
            }
        }
    },
};

// --- Storage ----------------------------------------------------------------------------------

interface ClaimRequest {
    readonly owner: PolicyResource;
    /** The claim, as the subject of a message: `PersistentVolumeClaim ns/data`, `StatefulSet ns/db volumeClaimTemplate data`, `Helm release ... creates a PersistentVolumeClaim (...) that`. */
    readonly what: string;
    /** The requested class; undefined asks for the default; "" asks for none. */
    readonly storageClass: string | undefined;
}

/** Every claim the plan makes: plain PVCs, StatefulSets' claim templates, the PVCs charts create. */
function claims(resources: readonly PolicyResource[]): ClaimRequest[] {
    const out: ClaimRequest[] = [];
    for (const r of resources) {
        if (r.type === TYPES.pvc) {
            const sc = rec(r.props.spec).storageClassName;
            out.push({ owner: r, what: who(r), storageClass: typeof sc === "string" ? sc : undefined });
        } else if (r.type === TYPES.statefulSet) {
            for (const t of arr(rec(r.props.spec).volumeClaimTemplates).map(rec)) {
                const sc = rec(t.spec).storageClassName;
                out.push({ owner: r, what: `${who(r)} volumeClaimTemplate ${text(rec(t.metadata).name) ?? "?"}`, storageClass: typeof sc === "string" ? sc : undefined });
            }
        } else if (isChart(r)) {
            const entry = CHART_VOLUME_CLAIMS[chartName(r)];
            const values = rec(r.props.values);
            if (entry === undefined || at(values, entry.enabled) !== true || text(at(values, entry.existingClaim)) !== undefined) continue;
            const sc = text(at(values, entry.storageClass));
            out.push({ owner: r, what: `${who(r)} creates a PersistentVolumeClaim (${entry.enabled}) that`, storageClass: sc === "-" ? "" : sc });
        }
    }
    return out;
}

export const preflightStorageClass: LaunchpadStackPolicy = {
    name: "preflight-storage-class",
    description: "Every PersistentVolumeClaim (plain, a StatefulSet's, a chart's) names a storage class that exists, or there is a default one; a planned class's CSI driver is installed.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const declared = declaredProvides(args.resources);
        const planned = new Map(byKind(args.resources, "StorageClass").map((sc) => [nameOf(sc), sc]));
        const defaults = [...planned.values()].filter((sc) => labelsOf(sc.props, "annotations")[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true");
        const addons = addonNames(args.resources);
        const chartNames = new Set(charts(args.resources).map(chartName));
        const hasVolumes = ofType(args.resources, TYPES.pv).length > 0;
        const known = [...new Set([...planned.keys(), ...declared.storageClasses])].sort();
        const available = known.length > 0 ? `available: ${listText(known)}` : "the plan creates no StorageClass and the existing cluster declares none";
        for (const c of claims(args.resources)) {
            const subject = c.what;
            if (c.storageClass === "") {
                if (!hasVolumes) report(`${subject} asks for no storage class (storageClassName ""), so it binds only to a pre-provisioned PersistentVolume, and the plan has none: name a storage class (${available}).`, c.owner.urn);
                continue;
            }
            let cls: PolicyResource | undefined;
            if (c.storageClass === undefined) {
                if (defaults.length === 0 && !declared.defaultStorageClass) {
                    report(`${subject} asks for the default storage class, and there is none: mark a StorageClass ${DEFAULT_STORAGE_CLASS_ANNOTATION}: "true", declare the cluster's provides.defaultStorageClass, or set storageClassName (${available}).`, c.owner.urn);
                    continue;
                }
                cls = defaults[0];
            } else {
                cls = planned.get(c.storageClass);
                if (cls === undefined && !declared.storageClasses.includes(c.storageClass)) {
                    report(`${subject} uses storage class ${c.storageClass}, which neither the plan nor the existing cluster provides (${available}): create the StorageClass or declare it in the cluster's provides.storageClasses.`, c.owner.urn);
                    continue;
                }
            }
            const provisioner = cls === undefined ? undefined : text(cls.props.provisioner);
            const driver = provisioner === undefined ? undefined : CSI_DRIVERS[provisioner];
            if (cls !== undefined && driver !== undefined && !addons.has(driver.addon) && !chartNames.has(driver.chart)) {
                report(`${subject} uses storage class ${nameOf(cls)}, which provisions through ${provisioner}, and nothing in the plan installs that CSI driver: add the ${driver.addon} EKS add-on (or the ${driver.chart} chart).`, c.owner.urn);
            }
        }
    },
};

// --- Zonal volumes and node groups ------------------------------------------------------------

/** Provisioners whose volumes live in one availability zone (an EBS volume attaches only in its zone). */
export const ZONAL_PROVISIONERS: readonly string[] = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

/** The node autoscaler chart whose scale-ups this policy is about, and its balancing flag. */
const CLUSTER_AUTOSCALER_CHART = "cluster-autoscaler";
const BALANCE_FLAG = "balance-similar-node-groups";

/** Names of the planned storage classes of zonal provisioners that the plan's claims use (directly or as the default). */
function zonalClassesClaimed(resources: readonly PolicyResource[]): string[] {
    const planned = new Map(byKind(resources, "StorageClass").map((sc) => [nameOf(sc), sc]));
    const defaults = [...planned.values()].filter((sc) => labelsOf(sc.props, "annotations")[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true");
    const out = new Set<string>();
    for (const c of claims(resources)) {
        const cls = c.storageClass === undefined ? defaults[0] : c.storageClass === "" ? undefined : planned.get(c.storageClass);
        if (cls !== undefined && ZONAL_PROVISIONERS.includes(text(cls.props.provisioner) ?? "")) out.add(nameOf(cls));
    }
    return [...out].sort();
}

/**
 * The zones a node group's subnets are in, read from the subnets of the plan its `subnetIds` come
 * from; where one is not a planned subnet with a known zone, each subnet id counts as a zone of its own.
 * The ids are counted, not read, first: a planned subnet's id is unknown in a preview before it
 * exists, and reading it skipped the whole policy there.
 */
function nodeGroupZones(ng: PolicyResource): string[] {
    const subnets = (ng.propertyDependencies.subnetIds ?? []).filter((d) => d.type === TYPES.subnet);
    const zones = subnets.map((s) => text(s.props.availabilityZone)).filter((z): z is string => z !== undefined);
    // The whole list is unknown when the program builds it in one Output (`pulumi.all([...])`,
    // components/cluster.ts): it is then made of the subnets it was taken from.
    const list = known((): unknown => ng.props.subnetIds, UNSEEN);
    const count = list === UNSEEN ? subnets.length : arr(list).length;
    if (subnets.length === count && zones.length === count) return [...new Set(zones)].sort();
    if (list === UNSEEN) return [`its subnets (not known yet)`];
    return Array.from({ length: count }, (_, i) => text(known((): unknown => arr(ng.props.subnetIds)[i])) ?? `subnet ${i + 1} (id not known yet)`);
}

export const preflightZonalVolumes: LaunchpadStackPolicy = {
    name: "preflight-zonal-volumes",
    description: "Where the Cluster Autoscaler scales EKS node groups and a claim binds a zonal (EBS) volume, each node group is in one zone and the autoscaler balances them.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        // kubernetes/autoscaler cluster-autoscaler/FAQ.md, "I have a couple of pending pods, but there was
        // no scale-up?": a pod bound to a zonal volume needs a node in that zone, and the autoscaler cannot
        // choose the zone of a node it adds to a multi-zone group; cloudprovider/aws/README.md: "an
        // ASG-per-AZ while enabling --balance-similar-node-groups" (the EKS user guide's
        // managed-node-groups.adoc says the same for managed node groups).
        const autoscaler = charts(args.resources).find((c) => chartName(c) === CLUSTER_AUTOSCALER_CHART);
        const groups = ofType(args.resources, TYPES.nodeGroup);
        const classes = zonalClassesClaimed(args.resources);
        if (autoscaler === undefined || groups.length === 0 || classes.length === 0) return;
        const volumes = `claims of storage class ${listText(classes)} bind zonal EBS volumes`;
        for (const ng of groups) {
            const zones = nodeGroupZones(ng);
            if (zones.length > 1) {
                report(`Node group ${ng.name} spans ${zones.length} zones (${listText(zones)}) and ${who(autoscaler)} scales it, while ${volumes}: the autoscaler cannot choose the zone of a node it adds to a multi-zone group, so a pod bound to its volume's zone can stay Pending. Make one node group per zone, each with that zone's subnets only.`, ng.urn);
            }
        }
        const flag = rec(autoscaler.props.values).extraArgs === undefined ? undefined : rec(rec(autoscaler.props.values).extraArgs)[BALANCE_FLAG];
        if (groups.length > 1 && flag !== true && flag !== "true") {
            report(`${who(autoscaler)} scales ${groups.length} node groups while ${volumes}, without ${BALANCE_FLAG}: set values.extraArgs.${BALANCE_FLAG}: true, so it adds nodes to the zones' groups evenly.`, autoscaler.urn);
        }
    },
};

// --- Metrics API ------------------------------------------------------------------------------

/** The APIs an HPA's metrics need (autoscaling/v1 and a v2 HPA without metrics scale on CPU). */
function metricsApisOf(hpa: PolicyResource): Map<MetricsApi, string[]> {
    const spec = rec(hpa.props.spec);
    const out = new Map<MetricsApi, string[]>();
    const add = (api: MetricsApi, metric: string) => out.set(api, [...(out.get(api) ?? []), metric]);
    const metrics = arr(spec.metrics).map(rec);
    if (metrics.length === 0) add("metrics.k8s.io", "cpu");
    for (const m of metrics) {
        const type = text(m.type) ?? "";
        const source = rec(m[type.charAt(0).toLowerCase() + type.slice(1)]);
        const name = text(source.name) ?? text(rec(source.metric).name) ?? type;
        if (type === "Resource" || type === "ContainerResource") add("metrics.k8s.io", name);
        else if (type === "Pods" || type === "Object") add("custom.metrics.k8s.io", name);
        else if (type === "External") add("external.metrics.k8s.io", name);
    }
    return out;
}

export const preflightMetricsApi: LaunchpadStackPolicy = {
    name: "preflight-metrics-api",
    description: "Every HorizontalPodAutoscaler has the metrics API its metrics need: metrics-server (chart or EKS add-on) for resource metrics, or the existing cluster declares it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const chartNames = new Set(charts(args.resources).map(chartName));
        const addons = addonNames(args.resources);
        const served = (api: MetricsApi): boolean =>
            METRICS_API_PROVIDERS[api].charts.some((c) => chartNames.has(c)) ||
            METRICS_API_PROVIDERS[api].addons.some((a) => addons.has(a)) ||
            (api === "metrics.k8s.io" && declaredProvides(args.resources).metricsApi);
        for (const hpa of byKind(args.resources, "HorizontalPodAutoscaler")) {
            for (const [api, metrics] of metricsApisOf(hpa)) {
                if (served(api)) continue;
                const { charts: cs, addons: as } = METRICS_API_PROVIDERS[api];
                const install = [...cs.map((c) => `the ${c} chart`), ...as.map((a) => `the ${a} EKS add-on`)];
                const declare = api === "metrics.k8s.io" ? ", or declare the cluster's provides.metricsApi" : "";
                report(`${who(hpa)} scales on ${listText(metrics)}, which needs the ${api} API, and nothing in the plan or the existing cluster serves it: install ${install.join(" or ")}${declare}.`, hpa.urn);
            }
        }
    },
};

// --- Namespaces -------------------------------------------------------------------------------

export const preflightNamespace: LaunchpadStackPolicy = {
    name: "preflight-namespace",
    description: "Every namespaced object (Helm releases by their namespace) is in a built-in namespace, or in a Namespace of the plan it depends on.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = new Map(ofType(args.resources, TYPES.namespace).map((n) => [nameOf(n), n]));
        for (const r of args.resources) {
            if (!isNamespaced(r)) continue;
            const ns = namespaceOf(r);
            // helm install --create-namespace: the release makes its own.
            if (BUILT_IN_NAMESPACES.includes(ns) || (isChart(r) && r.props.createNamespace === true)) continue;
            const namespace = namespaces.get(ns);
            if (namespace === undefined) {
                report(`${who(r)} is in namespace ${ns}, which is neither built in nor created by the plan: add a Namespace ${ns} and take the namespace from its metadata.name.`, r.urn);
            } else if (!dependencyClosure(r).has(namespace.urn)) {
                const field = isChart(r) ? "namespace" : "metadata.namespace";
                report(`${who(r)} is in namespace ${ns} but does not depend on its Namespace (${namespace.name}), so it may be created before the namespace exists and deleted after it: take ${field} from the Namespace's metadata.name, or add the Namespace to dependsOn.`, r.urn);
            }
        }
    },
};

// --- Pod references ---------------------------------------------------------------------------

/** A Secret's or ConfigMap's keys; undefined when the plan shows a whole map as one secret (keys unknown). */
function keysOf(r: PolicyResource): Set<string> | undefined {
    const fields = r.type === TYPES.secret ? ["data", "stringData"] : ["data", "binaryData"];
    const keys = new Set<string>();
    for (const f of fields) {
        const v: unknown = r.props[f];
        if (v === undefined || v === null) continue;
        if (typeof v !== "object" || Array.isArray(v)) return undefined;
        for (const k of Object.keys(v)) keys.add(k);
    }
    // The token controller fills these in (kubernetes.io/service-account-token Secrets).
    if (r.props.type === "kubernetes.io/service-account-token") for (const k of ["token", "ca.crt", "namespace"]) keys.add(k);
    return keys;
}

const REFERENCE_TYPES = { Secret: TYPES.secret, ConfigMap: TYPES.configMap, ServiceAccount: TYPES.serviceAccount } as const;

export const preflightPodReferences: LaunchpadStackPolicy = {
    name: "preflight-pod-references",
    description: "Every Secret, ConfigMap (and key) and ServiceAccount a pod spec names (env valueFrom, envFrom, volumes, serviceAccountName) is in the plan, in the pod's namespace, unless the reference is optional.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const objects = new Map<string, PolicyResource>();
        for (const r of ofType(args.resources, ...Object.values(REFERENCE_TYPES))) objects.set(`${r.type}|${namespaceOf(r)}|${nameOf(r)}`, r);
        for (const w of args.resources) {
            const pod = podSpecOf(w.type, w.props);
            if (pod === undefined) continue;
            const ns = namespaceOf(w);
            // One message per object: what is missing, and every place that reads it.
            const grouped = new Map<string, PodReference[]>();
            // An `optional: true` reference may go unresolved.
            for (const ref of podReferences(pod).filter((r) => !r.optional)) {
                const key = `${ref.kind}|${ref.name}`;
                grouped.set(key, [...(grouped.get(key) ?? []), ref]);
            }
            for (const refs of grouped.values()) {
                const { kind, name } = refs[0];
                const target = objects.get(`${REFERENCE_TYPES[kind]}|${ns}|${name}`);
                const places = listText([...new Set(refs.map((r) => r.where))]);
                if (target === undefined) {
                    const optional = kind === "ServiceAccount" ? "" : ", or mark the reference optional";
                    report(`${who(w)} reads ${kind} ${name} (${places}), which the plan does not create in namespace ${ns}: create it in the plan${optional}.`, w.urn);
                    continue;
                }
                const keys = kind === "ServiceAccount" ? undefined : keysOf(target);
                if (keys === undefined) continue;
                const missing = [...new Set(refs.flatMap((r) => r.keys))].filter((k) => !keys.has(k));
                if (missing.length > 0) {
                    const readers = listText([...new Set(refs.filter((r) => r.keys.some((k) => missing.includes(k))).map((r) => r.where))]);
                    report(`${who(w)} reads key${missing.length === 1 ? "" : "s"} ${listText(missing)} of ${kind} ${ns}/${name} (${readers}), which it does not have (it has ${keys.size > 0 ? listText([...keys].sort()) : "no keys"}): name an existing key, add it to the ${kind}, or mark the reference optional.`, w.urn);
                }
            }
        }
    },
};

// --- IRSA -------------------------------------------------------------------------------------

interface Statement {
    readonly Effect?: unknown;
    readonly Action?: unknown;
    readonly Principal?: unknown;
    readonly Condition?: unknown;
}

function oneOrMany(v: unknown): string[] {
    return typeof v === "string" ? [v] : strs(v);
}

/** The statements of a trust policy (a JSON string under both the plan and the CLI), or undefined when it is not one. */
function statementsOf(policy: unknown): Statement[] | undefined {
    const parsed = policyDocument(policy);
    if (parsed === undefined) return undefined;
    const s = rec(parsed.doc).Statement;
    if (s === undefined) return undefined;
    return (Array.isArray(s) ? s : [s]).map((x) => rec(x) as Statement);
}

/** `oidc.eks.<region>.amazonaws.com/id/<ID>` from an OIDC provider's ARN. */
function issuerOf(oidcArn: string): string {
    return oidcArn.split(":oidc-provider/").pop() ?? oidcArn;
}

/**
 * Why a trust policy does not let exactly `subject` assume the role through one of `providers`,
 * or undefined when it does: every web-identity statement names a planned provider and holds
 * StringEquals `<issuer>:sub` = `subject` (one value) and `<issuer>:aud` = `sts.amazonaws.com`.
 */
export function trustProblem(policy: unknown, providers: readonly string[], subject: string): string | undefined {
    const statements = statementsOf(policy);
    if (statements === undefined) return "its assume-role policy is not a policy document";
    const web = statements.filter((s) => s.Effect === "Allow" && oneOrMany(s.Action).some((a) => a === WEB_IDENTITY_ACTION || a === "sts:*" || a === "*"));
    if (web.length === 0) return "it has no sts:AssumeRoleWithWebIdentity statement";
    const grants: string[] = [];
    let exact = true;
    for (const s of web) {
        const federated = oneOrMany(rec(s.Principal).Federated);
        const provider = federated.find((f) => providers.includes(f));
        if (provider === undefined) {
            grants.push(`Federated ${federated.length > 0 ? federated.join(", ") : "(none)"}, not this cluster's OIDC provider`);
            exact = false;
            continue;
        }
        const issuer = issuerOf(provider);
        const cond = rec(s.Condition);
        const equals = rec(cond.StringEquals);
        const subs = oneOrMany(equals[`${issuer}:sub`]);
        const auds = oneOrMany(equals[`${issuer}:aud`]);
        const loose = Object.entries(cond).filter(([op, v]) => op !== "StringEquals" && rec(v)[`${issuer}:sub`] !== undefined).map(([op, v]) => `${op} ${oneOrMany(rec(v)[`${issuer}:sub`]).join(", ")}`);
        const parts: string[] = [];
        if (loose.length > 0) parts.push(...loose);
        if (subs.length === 0 && loose.length === 0) parts.push("any service account (no StringEquals :sub)");
        if (subs.length > 0) parts.push(subs.join(", "));
        if (auds.length !== 1 || auds[0] !== STS_AUDIENCE) parts.push(auds.length === 0 ? "no :aud condition" : `aud ${auds.join(", ")}`);
        grants.push(parts.join(" with "));
        if (loose.length > 0 || subs.length !== 1 || subs[0] !== subject || auds.length !== 1 || auds[0] !== STS_AUDIENCE) exact = false;
    }
    return exact ? undefined : `it trusts ${listText(grants)}`;
}

interface IrsaUser {
    readonly resource: PolicyResource;
    readonly description: string;
    /** The role's ARN, or undefined when a preview does not know it yet (a role created in this run). */
    readonly roleArn: string | undefined;
    /** The input the ARN is given in, to find the role by the dependency the program recorded. */
    readonly field: string;
    readonly namespace: string;
    readonly serviceAccount: string;
}

/** The planned role an IRSA user takes: by ARN, or, while the ARN is unknown (a role this preview creates), the one role its input was taken from. */
function roleOf(u: IrsaUser, roles: readonly PolicyResource[], byArn: ReadonlyMap<string, PolicyResource>): PolicyResource | undefined {
    if (u.roleArn !== undefined) return byArn.get(u.roleArn);
    const taken = (u.resource.propertyDependencies[u.field] ?? []).filter((d) => roles.includes(d));
    return taken.length === 1 ? taken[0] : undefined;
}

export const preflightIrsaTrust: LaunchpadStackPolicy = {
    name: "preflight-irsa-trust",
    description: "Every IAM role a service account assumes (eks.amazonaws.com/role-arn, an EKS add-on's serviceAccountRoleArn) is in the plan and trusts exactly that namespace:name through the cluster's OIDC provider (the plan's, or the one the existing cluster declares).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        // A role created in this run has no ARN yet in a preview: found by the dependency instead,
        // since reading its ARN (or the annotation made from it) skipped the whole policy there.
        const roles = ofType(args.resources, TYPES.role);
        const byArn = new Map(roles.flatMap((r) => {
            const arn = text(known((): unknown => r.props.arn));
            return arn === undefined ? [] : [[arn, r] as const];
        }));
        const planned = ofType(args.resources, TYPES.oidcProvider).map((p) => text(p.props.arn)).filter((a): a is string => a !== undefined);
        const providers = [...planned, ...declaredOidcProviders(args.resources)];
        const users: IrsaUser[] = [];
        const arnOf = (read: () => unknown, read2: (v: unknown) => string | undefined): string | undefined | typeof UNSEEN => {
            const v = known(read, UNSEEN);
            return v === UNSEEN ? UNSEEN : read2(v);
        };
        for (const sa of ofType(args.resources, TYPES.serviceAccount)) {
            const roleArn = arnOf(() => rec(rec(sa.props.metadata).annotations)[IRSA_ROLE_ANNOTATION], (v) => (typeof v === "string" ? v : undefined));
            if (roleArn !== undefined) users.push({ resource: sa, description: `${who(sa)} (annotation ${IRSA_ROLE_ANNOTATION})`, roleArn: roleArn === UNSEEN ? undefined : roleArn, field: "metadata", namespace: namespaceOf(sa), serviceAccount: nameOf(sa) });
        }
        for (const addon of ofType(args.resources, TYPES.addon)) {
            const roleArn = arnOf(() => addon.props.serviceAccountRoleArn, text);
            if (roleArn === undefined) continue;
            const name = text(addon.props.addonName) ?? addon.name;
            const sa = ADDON_SERVICE_ACCOUNTS[name] as { namespace: string; name: string } | undefined;
            const shown = roleArn === UNSEEN ? "(its ARN not known yet)" : roleArn;
            if (sa === undefined) {
                report(`EKS add-on ${name} takes role ${shown}, but the preflight does not know which service account the add-on runs as, so it cannot check the role's trust: add the add-on to ADDON_SERVICE_ACCOUNTS in policies/deployability.ts.`, addon.urn);
                continue;
            }
            users.push({ resource: addon, description: `EKS add-on ${name} (service account ${sa.namespace}/${sa.name})`, roleArn: roleArn === UNSEEN ? undefined : roleArn, field: "serviceAccountRoleArn", namespace: sa.namespace, serviceAccount: sa.name });
        }
        for (const u of users) {
            const role = roleOf(u, roles, byArn);
            const subject = `system:serviceaccount:${u.namespace}:${u.serviceAccount}`;
            if (role === undefined) {
                report(`${u.description} assumes role ${u.roleArn ?? "(its ARN not known yet)"}, which the plan does not create, so its trust cannot be checked: create the role in the plan, trusting ${subject} through the cluster's OIDC provider.`, u.resource.urn);
                continue;
            }
            if (providers.length === 0) {
                report(`${u.description} assumes role ${role.name} through IRSA, but the plan has no IAM OIDC provider for the cluster and the existing cluster declares none: add an aws.iam.OpenIdConnectProvider for the cluster's issuer, or declare the existing cluster's in launchpad:network.existing.oidcProviderArn.`, u.resource.urn);
                continue;
            }
            const problem = trustProblem(role.props.assumeRolePolicy, providers, subject);
            if (problem !== undefined) {
                const issuer = issuerOf(providers[0]);
                report(
                    `${u.description} assumes role ${role.name}, whose trust policy does not let exactly ${subject} assume it through the cluster's OIDC provider (${problem}): ` +
                        `allow ${WEB_IDENTITY_ACTION} for Federated ${providers[0]} with StringEquals ${issuer}:sub = ${subject} and ${issuer}:aud = ${STS_AUDIENCE}, and nothing broader.`,
                    u.resource.urn,
                );
            }
        }
    },
};

// --- Helm -------------------------------------------------------------------------------------

/** One exact SemVer 2 version (an optional leading `v`): no ranges, no wildcards. */
const EXACT_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export const preflightHelmPinned: LaunchpadStackPolicy = {
    name: "preflight-helm-pinned",
    description: "Every Helm release installs one exact chart version from a named repository (repositoryOpts.repo or an oci:// chart); a local chart is pinned by the repository itself.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const c of charts(args.resources)) {
            const chart = text(c.props.chart) ?? "";
            if (/^(\.{0,2}\/)/.test(chart)) continue;
            const gaps: string[] = [];
            const fixes: string[] = [];
            const version: unknown = c.props.version;
            if (typeof version !== "string" || version === "" || !EXACT_VERSION.test(version)) {
                gaps.push(typeof version === "string" && version !== "" ? `version ${JSON.stringify(version)} is not one exact chart version` : "it has no version");
                fixes.push("set version to one chart release (say 1.2.3)");
            }
            if (!chart.startsWith("oci://") && text(rec(c.props.repositoryOpts).repo) === undefined) {
                gaps.push("it names no chart repository");
                fixes.push("set repositoryOpts.repo (or use an oci:// chart) rather than a repository alias of the machine that runs pulumi");
            }
            if (gaps.length > 0) report(`${who(c)} is not pinned: ${gaps.join(" and ")}: ${fixes.join("; ")}.`, c.urn);
        }
    },
};

export const DEPLOYABILITY_POLICIES = [
    preflightIngressController,
    preflightIngressBackends,
    preflightReadinessGateController,
    preflightStorageClass,
    preflightZonalVolumes,
    preflightMetricsApi,
    preflightNamespace,
    preflightPodReferences,
    preflightIrsaTrust,
    preflightHelmPinned,
] as const;
