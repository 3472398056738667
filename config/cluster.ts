/**
 * `launchpad:cluster`: the EKS cluster Launchpad creates, or an existing cluster's kubeconfig and
 * what that cluster provides.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { contains, DOCUMENTATION_RANGES, isPrivate, parseCidr, type Cidr } from "../lib/cidr";
import { accessEntrySuffix } from "../lib/iam";
import { NOT_PUBLIC_CLASSES, openToTheWorld, publicAddresses, WORLD_PREFIX, worldThreshold } from "../lib/ip-range";
import { eksLeftSupport } from "../lib/support-calendar";
import { DEFAULT_KUBERNETES_VERSION, EKS_VERSIONS, eksVersion, eksVersionsInStandardSupport, pinnedKubernetesVersions } from "../lib/versions";
import { describeValue } from "./errors";
import { either, fieldOf, isSet, type ConfigInput, type Show } from "./input";
import { buildExistingNetwork, cidrProblem, type ExistingNetworkConfig, type RawNetwork } from "./network";

/** Control-plane log types EKS can ship to CloudWatch. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** What an EKS access entry grants: `admin`, `edit` or `view` (EKS access policies). */
export const CLUSTER_ACCESS_LEVELS = ["admin", "edit", "view"] as const;
export type ClusterAccessLevel = (typeof CLUSTER_ACCESS_LEVELS)[number];

const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IAM_ROLE_ARN_RE = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const k8sName = z.string().max(63).regex(K8S_NAME_RE, { error: "expected a DNS-1123 label (lower-case letters, digits, '-')" });
/** A Kubernetes object name that is a DNS-1123 subdomain (IngressClass): dot-separated labels, at most 253 characters. */
export const k8sSubdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')" });

const publicCidr = z.string().check((ctx) => {
    const problem = cidrProblem(ctx.value, "203.0.113.0/24");
    if (problem !== undefined) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
    }
});

/**
 * ipaddr.js's table of IPv4 special-purpose ranges (`IPv4.prototype.SpecialRanges`, what its
 * `range()` reads: unspecified, broadcast, multicast, linkLocal, loopback, carrierGradeNat, private,
 * reserved, as102/as112), as blocks. Read from the library, not retyped; the typings do not declare it.
 */
const SPECIAL_RANGES: readonly { readonly name: string; readonly block: Cidr }[] = Object.entries(
    (ipaddr.IPv4.prototype as unknown as { SpecialRanges: Record<string, [ipaddr.IPv4, number][]> }).SpecialRanges,
).flatMap(([name, blocks]) => blocks.map(([address, bits]) => ({ name, block: parseCidr(`${address.toString()}/${bits}`) as Cidr })));

/**
 * The classes of {@link SPECIAL_RANGES} that are not on the public internet (the Wikipedia table of
 * reserved addresses the EKS guide links to lists each); AS112's anycast block is globally routed and
 * left out. The policy pack's list (lib/ip-range.ts NOT_PUBLIC_CLASSES, which the world's measure
 * leaves uncounted), RFC 1918 aside: a private range has a problem of its own here.
 */
const NOT_PUBLIC: ReadonlySet<string> = new Set(NOT_PUBLIC_CLASSES.ipv4.filter((c) => c !== "private"));

/**
 * The special-purpose range a block lies wholly inside, or undefined. The public endpoint's CIDRs
 * "cannot include reserved addresses" (EKS user guide, awsdocs/amazon-eks-user-guide 4d52b4d0
 * latest/ug/clusters/cluster-endpoint.adoc), so EKS refuses such a block at `pulumi up`. Only a block
 * wholly inside one is refused here (0.0.0.0/0, EKS's own default, includes reserved addresses too);
 * RFC 1918 and the documentation ranges have rules of their own (the private-range problem, the
 * placeholders a real run refuses).
 */
export function specialPurposeRange(text: string): string | undefined {
    const cidr = parseCidr(text);
    if (cidr === undefined || isPrivate(cidr) || DOCUMENTATION_RANGES.some((r) => contains(r, cidr))) {
        return undefined;
    }
    return SPECIAL_RANGES.find((r) => NOT_PUBLIC.has(r.name) && contains(r.block, cidr))?.name;
}

/** One IAM principal's access to the cluster's Kubernetes API. */
export const clusterAccessSchema = z.strictObject({
    principalArn: z.string().regex(IAM_ROLE_ARN_RE, { error: "expected an IAM role ARN such as \"arn:aws:iam::111122223333:role/deploy\"" }),
    access: z.enum(CLUSTER_ACCESS_LEVELS),
    /** Limit the access to these namespaces. @default - the whole cluster */
    namespaces: z.array(k8sName).min(1).optional(),
});

/**
 * One source of traffic an existing cluster's NetworkPolicies must admit, as the policies name it: a
 * namespace (its pods, by the `kubernetes.io/metadata.name` label Kubernetes sets on every namespace)
 * or an IPv4 CIDR (an `ipBlock`).
 */
export const trafficSourceSchema = z.strictObject({
    namespace: k8sName.optional(),
    cidr: z.string().check((ctx) => {
        const problem = cidrProblem(ctx.value, "10.0.0.0/16");
        if (problem !== undefined) ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
    }).optional(),
}).check((ctx) => {
    if ((ctx.value.namespace === undefined) === (ctx.value.cidr === undefined)) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: "expected exactly one of { namespace: <namespace> } or { cidr: <IPv4 CIDR> }" });
    }
});

/**
 * An existing cluster whose network plugin enforces NetworkPolicies (Calico, Cilium, the VPC CNI with
 * `enableNetworkPolicy`), and where the traffic the stack's own policies admit comes from: Launchpad
 * knows neither on a cluster it did not build.
 */
export const networkPolicyProvidesSchema = z.strictObject({
    /** Where the ingress controller's or load balancer's requests to the services' pods come from. @default [] */
    ingressFrom: z.array(trafficSourceSchema).default([]),
    /** Where the team's Prometheus (observability.prometheusUrl) scrapes the pods from. @default [] */
    scrapeFrom: z.array(trafficSourceSchema).default([]),
});

/** What an existing cluster provides that the stack's objects need (the preflight trusts this declaration). */
export const clusterProvidesSchema = z.strictObject({
    /** Ingress classes with a controller running. */
    ingressClasses: z.array(k8sSubdomain).default([]),
    /** StorageClass names that exist. */
    storageClasses: z.array(k8sName).default([]),
    /** A default StorageClass exists (a PVC without a class binds). */
    defaultStorageClass: z.boolean().default(false),
    /** The resource metrics API (metrics-server or equivalent) serves HPAs. */
    metricsApi: z.boolean().default(false),
    /** The team's Prometheus scrapes the kubelets' cAdvisor (`container_*` metrics): the CPU and memory panels need it. */
    containerMetrics: z.boolean().default(false),
    /**
     * The cluster enforces NetworkPolicies, and where their sources are: the stack then gets the same
     * default-deny ingress policies as on Launchpad's EKS (components/network-policy.ts).
     * @default - not enforced: the stack creates no NetworkPolicy (one the cluster ignores is false comfort)
     */
    networkPolicy: networkPolicyProvidesSchema.optional(),
});

export const ENDPOINT_ACCESS = ["private", "public"] as const;

export const clusterSchema = z.strictObject({
    /**
     * Kubernetes minor version of the EKS control plane and node group. Which versions are accepted
     * follows the EKS calendar on the day of the run (`clusterVersionProblems`, `lib/versions.ts`); past
     * standard support only the recorded one is kept, with a warning (`lib/support-calendar.ts`).
     */
    version: z
        // YAML reads an unquoted 1.30 as the number 1.3: say how to write it.
        .string({ error: "expected a string such as \"1.36\" (quote it: unquoted YAML reads 1.30 as the number 1.3)" })
        .regex(/^1\.\d{2}$/, { error: "expected a Kubernetes minor version such as \"1.36\"" })
        .default(DEFAULT_KUBERNETES_VERSION),
    /**
     * Who can reach the API endpoint: "private" (from inside the VPC only: the deploy runners must
     * run there) or "public" (also from `endpointPublicAccessCidrs`, the runners' egress CIDRs).
     */
    endpointAccess: z.enum(ENDPOINT_ACCESS).default("private"),
    /**
     * CIDRs allowed to reach the public API endpoint; only with `endpointAccess: public`. At most 40:
     * "Public endpoint access CIDR ranges per cluster | 40 | No" (not adjustable; EKS user guide,
     * service-quotas, https://docs.amazonaws.cn/en_us/eks/latest/userguide/service-quotas.html).
     */
    endpointPublicAccessCidrs: z.array(publicCidr).max(40).default([]),
    /** IAM roles with access to the Kubernetes API (EKS access entries); the deploy role must be an admin. */
    access: z.array(clusterAccessSchema).max(100).default([]),
    /** Control-plane log types shipped to CloudWatch. */
    logTypes: z.array(z.enum(EKS_LOG_TYPES)).default([...EKS_LOG_TYPES]),
    /** Application namespace; defaults to the stack identifier (`<project>-<stack>` or `launchpad:namePrefix`) so stacks sharing a cluster never collide. */
    namespace: k8sName.optional(),
    /** Kubeconfig of an existing cluster (secret). When set, no EKS resources are created. */
    kubeconfig: z.string().min(1).optional(),
    /** With `kubeconfig`: what the existing cluster provides. @default - nothing declared */
    provides: clusterProvidesSchema.optional(),
}).meta({
    description:
        "EKS control plane. version: Kubernetes minor version in EKS standard support on the day of the run, per " +
        "the EKS version calendar in lib/versions.ts; past it, the minor the stack's recorded identity runs is kept with a " +
        `warning, never chosen (default ${JSON.stringify(DEFAULT_KUBERNETES_VERSION)}); endpointAccess: "private" (the API from ` +
        "inside the VPC only: deploy runners run there) or \"public\" (also from endpointPublicAccessCidrs, the " +
        "runners' egress CIDRs) (default \"private\"); endpointPublicAccessCidrs: public CIDRs (not RFC 1918, nor inside a reserved range such as 100.64.0.0/10; together at most a /8's worth of public addresses, more is the world) " +
        "allowed to reach the public API endpoint (default []); access: IAM roles with Kubernetes API access as EKS " +
        "access entries, [{ principalArn, access: \"admin\", \"edit\" or \"view\", namespaces (default the whole " +
        "cluster) }], at least one cluster-wide admin, the deploy role (default []); logTypes: control-plane logs " +
        "(default all five); namespace: the application namespace, never \"default\" or \"kube-*\" (default " +
        "\"<project>-<stack>\"); kubeconfig (secret): use an existing cluster instead of creating EKS, with " +
        "provides: what it already runs { ingressClasses, storageClasses, defaultStorageClass, metricsApi, " +
        "containerMetrics (the team's Prometheus scrapes cAdvisor: the CPU and memory panels), networkPolicy (the cluster " +
        "enforces NetworkPolicies: { ingressFrom, scrapeFrom }, each a list of { namespace } or { cidr } sources) } (default nothing).",
});

export type RawCluster = z.output<typeof clusterSchema>;

interface ClusterCommon {
    /** Application namespace, one per stack. */
    readonly namespace: string;
}

/** One IAM role's access to the Kubernetes API, as an EKS access entry. */
export interface ClusterAccess {
    readonly principalArn: string;
    readonly access: ClusterAccessLevel;
    /** Undefined: the whole cluster. */
    readonly namespaces: readonly string[] | undefined;
}

/** Launchpad creates and owns an EKS cluster. */
export interface EksClusterConfig extends ClusterCommon {
    readonly mode: "eks";
    readonly version: string;
    readonly endpointAccess: "private" | "public";
    readonly endpointPublicAccessCidrs: readonly string[];
    readonly logTypes: readonly string[];
    readonly access: readonly ClusterAccess[];
}

/** What an existing cluster provides to the stack's objects (declared, not checked live). */
export interface ClusterProvides {
    readonly ingressClasses: readonly string[];
    readonly storageClasses: readonly string[];
    readonly defaultStorageClass: boolean;
    readonly metricsApi: boolean;
    readonly containerMetrics: boolean;
    /** Undefined: the cluster does not enforce NetworkPolicies (or does not say so). */
    readonly networkPolicy?: NetworkPolicyProvides;
}

/** An existing cluster's traffic source, as declared: a namespace or a CIDR. */
export type TrafficSource = z.output<typeof trafficSourceSchema>;
export type NetworkPolicyProvides = z.output<typeof networkPolicyProvidesSchema>;

/** The team brings its own cluster: no EKS resources, the Provider uses this kubeconfig. */
export interface ExistingClusterConfig extends ClusterCommon {
    readonly mode: "existing";
    readonly kubeconfig: pulumi.Output<string>;
    readonly provides: ClusterProvides;
    /** Undefined: the stack has no data layer (no database, no backups). */
    readonly network: ExistingNetworkConfig | undefined;
}

/**
 * The EKS version must be one EKS offers, released on the day of the run, with pinned add-ons, per the
 * calendar in `lib/versions.ts`. One past standard support that Launchpad can still build is left to
 * the identity check (a stack may keep the minor it runs, never choose it: lib/support-calendar.ts);
 * one it cannot build is refused here. A default that has aged out is reported too (the calendar, and
 * so the default, needs updating). A key held as a secret gets no reason: the reason would tell its value apart.
 */
export function clusterVersionProblems(input: ConfigInput, today: string): string[] {
    const out: string[] = [];
    const clusterKey = "launchpad:cluster";
    const version = fieldOf(clusterSchema.shape.version, input, clusterKey, "version");
    if (version !== undefined) {
        const secret = input.secretKeys.has(clusterKey);
        const allowed = eksVersionsInStandardSupport(today);
        const row = eksVersion(version);
        const pinned = pinnedKubernetesVersions().includes(version);
        // An existing cluster (kubeconfig) installs no add-ons: its version is not read.
        const existing = fieldOf(clusterSchema.shape.kubeconfig, input, clusterKey, "kubeconfig") !== undefined;
        // Past standard support, a version Launchpad can build is judged where the stack's recorded
        // identity is known (components/identity-record.ts supportCalendarChecks): kept, a warning;
        // chosen, refused. What never depends on the record (no such minor, not yet released) is refused here.
        const judgedOnRecord = row !== undefined && today >= row.endOfStandardSupport && (pinned || existing);
        if (!judgedOnRecord && (row === undefined || !allowed.includes(version))) {
            const received = isSet(input, clusterKey, "version") ? describeValue(version, secret) : `nothing (the default is ${JSON.stringify(version)})`;
            const why = secret
                ? ""
                : row === undefined
                  ? ` (EKS offers no Kubernetes ${version}: its calendar lists ${EKS_VERSIONS.map((v) => v.version).join(", ")})`
                  : today < row.released
                    ? ` (${version} is not released on EKS until ${row.released})`
                    : ` (${eksLeftSupport(row)})`;
            out.push(`${clusterKey}.version: received ${received}; expected a version in EKS standard support on ${today}: ${either(allowed)}${why}`);
        } else if (!pinned && !existing) {
            const received = isSet(input, clusterKey, "version") ? describeValue(version, secret) : `nothing (the default is ${JSON.stringify(version)})`;
            const pinned = allowed.filter((v) => pinnedKubernetesVersions().includes(v));
            out.push(`${clusterKey}.version: received ${received}; expected a version with pinned EKS add-ons and Cluster Autoscaler image (lib/versions.ts): ${either(pinned)}`);
        }
    }
    return out;
}

/**
 * Rules across the cluster's and the network's fields: the kubeconfig held as a secret, who can
 * reach and use the cluster, what an existing one brings, and a namespace of the stack's own.
 */
export function clusterProblems(c: RawCluster | undefined, net: RawNetwork | undefined, secretKeys: ReadonlySet<string>, show: Show): string[] {
    const out: string[] = [];
    if (c === undefined) {
        return out;
    }
    const key = "launchpad:cluster";
    if (c.kubeconfig !== undefined && !secretKeys.has(key)) {
        out.push("launchpad:cluster.kubeconfig: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:cluster.kubeconfig < kubeconfig.yaml`");
    }
    if (c.kubeconfig === undefined) {
        if (c.endpointAccess === "public" && c.endpointPublicAccessCidrs.length === 0) {
            out.push(`${key}.endpointPublicAccessCidrs: received []; expected the egress CIDRs of whoever runs pulumi (the deploy runners) when endpointAccess is "public", or endpointAccess "private" with runners inside the VPC`);
        }
        c.endpointPublicAccessCidrs.forEach((text, i) => {
            const cidr = parseCidr(text);
            if (cidr !== undefined && isPrivate(cidr)) {
                out.push(`${key}.endpointPublicAccessCidrs[${i}]: received ${show(text, key)}; expected a public CIDR: EKS refuses a private range on the public endpoint (reach the API from inside the VPC with endpointAccess "private")`);
            }
            const special = specialPurposeRange(text);
            if (special !== undefined) {
                out.push(`${key}.endpointPublicAccessCidrs[${i}]: received ${show(text, key)}; expected a public CIDR: it lies in a special-purpose range (${special}), and EKS refuses reserved addresses on the public endpoint`);
            }
        });
        // The world, by the policy pack's measure (lib/ip-range.ts openToTheWorld, the same function the
        // no-world-ingress and eks-public-endpoint-restricted policies judge by): 0.0.0.0/1 alone is half the internet.
        if (openToTheWorld(c.endpointPublicAccessCidrs).includes("ipv4")) {
            const admitted = publicAddresses(c.endpointPublicAccessCidrs, "ipv4");
            out.push(`${key}.endpointPublicAccessCidrs: received ${show(c.endpointPublicAccessCidrs, key)}; expected CIDRs that together admit at most a /${WORLD_PREFIX.ipv4}'s worth of public IPv4 addresses (${worldThreshold("ipv4")}), the deploy runners' egress CIDRs: these admit ${admitted}, the world to the cluster's API`);
        }
        // Our own rule (whether EKS refuses a repeat is not documented): an entry inside an earlier one
        // admits nothing new, takes one of the 40 places, and usually hides a typo in the other.
        const parsed = c.endpointPublicAccessCidrs.map(parseCidr);
        parsed.forEach((cidr, i) => {
            const first = cidr === undefined ? -1 : parsed.findIndex((o, j) => j < i && o !== undefined && contains(o, cidr));
            if (first >= 0) {
                out.push(`${key}.endpointPublicAccessCidrs[${i}]: received ${show(c.endpointPublicAccessCidrs[i], key)}; expected a CIDR no earlier entry covers (endpointPublicAccessCidrs[${first}] is ${show(c.endpointPublicAccessCidrs[first], key)}): it admits nothing new`);
            }
        });
        if (c.endpointAccess === "private" && c.endpointPublicAccessCidrs.length > 0) {
            out.push(`${key}.endpointAccess: received "private" with endpointPublicAccessCidrs ${show(c.endpointPublicAccessCidrs, key)}; expected "public" to admit those CIDRs, or no CIDRs`);
        }
        // The creator gets no implicit admin (bootstrapClusterCreatorAdminPermissions is off, so its
        // entry cannot collide with a listed one): someone listed must be able to deploy.
        if (!c.access.some((a) => a.access === "admin" && a.namespaces === undefined)) {
            out.push(`${key}.access: received ${c.access.length === 0 ? "[]" : show(c.access, key)}; expected a cluster-wide { principalArn: <the deploy role's ARN>, access: admin } entry: without it nobody can create the stack's Kubernetes objects`);
        }
        const seen = new Set<string>();
        // Each entry is the child `<cluster>-access-<suffix>`: one suffix twice is one URN twice, which
        // the Pulumi engine refuses ("Duplicate resource URN", pulumi/pulumi step_generator.go generateURN).
        const bySuffix = new Map<string, string>();
        c.access.forEach((a, i) => {
            const suffix = accessEntrySuffix(a.principalArn);
            const other = bySuffix.get(suffix);
            if (seen.has(a.principalArn)) {
                out.push(`${key}.access[${i}].principalArn: received ${show(a.principalArn, key)} a second time; expected one entry per principal (EKS allows one access entry per principal)`);
            } else if (other !== undefined) {
                out.push(`${key}.access[${i}].principalArn: received ${show(a.principalArn, key)}, whose access entry would be named "access-${suffix}" as ${show(other, key)}'s is; expected role names that differ in more than case and the characters + = , . @ _`);
            }
            seen.add(a.principalArn);
            bySuffix.set(suffix, other ?? a.principalArn);
        });
        if (c.provides !== undefined) {
            out.push(`${key}.provides: received ${show(c.provides, key)}; expected nothing: it declares what an existing cluster (cluster.kubeconfig) provides, while Launchpad installs the EKS cluster's platform itself`);
        }
        if (net?.existing !== undefined) {
            out.push(`launchpad:network.existing: received ${show(net.existing, "launchpad:network")}; expected nothing without cluster.kubeconfig: Launchpad creates the VPC of its own EKS cluster`);
        }
    }
    const namespace = c.namespace;
    if (namespace !== undefined && (namespace === "default" || namespace.startsWith("kube-"))) {
        out.push(`launchpad:cluster.namespace: received ${show(namespace, "launchpad:cluster")}; expected a namespace of the stack's own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace`);
    }
    return out;
}

/** Fields of `launchpad:cluster` that configure the EKS cluster Launchpad creates: an existing cluster reads none of them. */
const EKS_ONLY_FIELDS = ["version", "endpointAccess", "endpointPublicAccessCidrs", "access", "logTypes"] as const;

/**
 * With `cluster.kubeconfig`, the EKS-only settings the stack still sets, said once: Launchpad creates
 * no cluster, VPC or access entries there (components/environment.ts), so they change nothing, and a
 * team copying a committed stack file would otherwise believe that `access` grants its roles the
 * existing cluster. `network.natGateways` too (`cidr` and `azCount` carry Pulumi.yaml defaults, so
 * whether the stack set them is not known here).
 */
export function existingClusterWarnings(input: ConfigInput): string[] {
    const ignored = ignoredWithExistingCluster(input);
    return ignored.length === 0 ? [] : [
        `${ignored.join(", ")} ${ignored.length === 1 ? "is" : "are"} ignored with launchpad:cluster.kubeconfig: ` +
        `${ignored.length === 1 ? "it configures" : "they configure"} the EKS cluster and VPC Launchpad creates, and an existing cluster gets neither ` +
        `(access to it is granted in the cluster itself): remove ${ignored.length === 1 ? "it" : "them"} from the stack`,
    ];
}

/**
 * The settings a stack with `cluster.kubeconfig` still sets that only Launchpad's own EKS cluster and
 * VPC read (`launchpad:cluster.access`, ...); none without a kubeconfig. A placeholder in one of them
 * is not refused: nothing reads it, and the warning says to remove it.
 */
export function ignoredWithExistingCluster(input: ConfigInput): string[] {
    const key = "launchpad:cluster";
    if (fieldOf(clusterSchema.shape.kubeconfig, input, key, "kubeconfig") === undefined) {
        return [];
    }
    return [
        ...EKS_ONLY_FIELDS.filter((f) => isSet(input, key, f)).map((f) => `${key}.${f}`),
        ...(isSet(input, "launchpad:network", "natGateways") ? ["launchpad:network.natGateways"] : []),
    ];
}

/** The stack uses a team's existing cluster (`cluster.kubeconfig`) instead of creating EKS: the raw config's fork, asked here only. */
export function usesExistingCluster(c: RawCluster): boolean {
    return c.kubeconfig !== undefined;
}

/** The stack has a data layer: its own EKS cluster's VPC, or an existing cluster with `network.existing`. */
export function hasDatabase(c: RawCluster, net: RawNetwork | undefined): boolean {
    return c.kubeconfig === undefined || net?.existing !== undefined;
}

/**
 * `hasDatabase` on the built config: the one answer the alerts, the dashboards and the tools read
 * (the Environment's data placement is undefined exactly when this is false).
 */
export function hasDataLayer(cluster: EksClusterConfig | ExistingClusterConfig): boolean {
    return cluster.mode === "eks" || cluster.network !== undefined;
}

/**
 * cAdvisor is scraped, so the CPU and memory panels have data: by the managed scraper Launchpad gives
 * its own EKS cluster with an AMP backend, or by the team's Prometheus where an existing cluster
 * declares it (`cluster.provides.containerMetrics`).
 */
export function scrapesContainerMetrics(cluster: EksClusterConfig | ExistingClusterConfig, backend: { readonly kind: "amp" | "prometheus" }): boolean {
    return cluster.mode === "eks" ? backend.kind === "amp" : cluster.provides.containerMetrics;
}

/**
 * The stack gets an Amazon Managed Service for Prometheus workspace (its `prometheusQueryUrl` output):
 * its own EKS cluster without `observability.prometheusUrl`, whose managed scraper feeds it
 * (components/observability.ts). An existing cluster gets none, so without `prometheusUrl` it has no
 * Prometheus at all: no `pulumi up` makes one.
 */
export function createsAmpWorkspace(cluster: EksClusterConfig | ExistingClusterConfig, backend: { readonly kind: "amp" | "prometheus" }): boolean {
    return cluster.mode === "eks" && backend.kind === "amp";
}

/** The stack creates an EKS cluster whose API endpoint is public: what `eks-public-endpoint-restricted` judges. */
export function hasPublicEksEndpoint(cluster: EksClusterConfig | ExistingClusterConfig): boolean {
    return cluster.mode === "eks" && cluster.endpointAccess === "public";
}

/**
 * The access entries the principal running `pulumi up` is checked against (components/cluster.ts
 * `deployerPreflight`): Launchpad's own EKS cluster's, which grants its creator nothing; none on an
 * existing cluster, whose kubeconfig says who deploys.
 */
export function deployerAccessList(cluster: EksClusterConfig | ExistingClusterConfig): readonly ClusterAccess[] | undefined {
    return cluster.mode === "eks" ? cluster.access : undefined;
}

/** `identifier`: the stack identifier (lib/stack-name.ts `stackIdentifier`), the default namespace. */
export function buildCluster(c: RawCluster, net: RawNetwork, identifier: string): EksClusterConfig | ExistingClusterConfig {
    const namespace = c.namespace ?? identifier;
    return c.kubeconfig !== undefined
        ? {
              mode: "existing",
              namespace,
              kubeconfig: pulumi.secret(c.kubeconfig),
              provides: clusterProvidesSchema.parse(c.provides ?? {}),
              network: net.existing === undefined ? undefined : buildExistingNetwork(net.existing),
          }
        : {
              mode: "eks",
              namespace,
              version: c.version,
              endpointAccess: c.endpointAccess,
              endpointPublicAccessCidrs: Object.freeze([...c.endpointPublicAccessCidrs]),
              logTypes: Object.freeze([...c.logTypes]),
              access: c.access.map((a) => ({ principalArn: a.principalArn, access: a.access, namespaces: a.namespaces === undefined ? undefined : [...a.namespaces] })),
          };
}
