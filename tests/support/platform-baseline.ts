/**
 * A SYNTHETIC platform baseline for saved-plan tests of the deployability preflight, per the
 * platform contract of issue 11 (the `launchpad:platform:Platform` component being built in
 * parallel): the EKS add-ons (vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver with its IRSA
 * role), the default `gp3` StorageClass, and pinned Helm charts for the AWS Load Balancer
 * Controller, metrics-server, cluster-autoscaler and aws-for-fluent-bit, each with an explicit
 * ServiceAccount (the charts get `serviceAccount.create: false`), IRSA roles for those that call AWS.
 *
 * It is idempotent: each part is added only when the plan lacks it (an add-on by name, a chart by
 * chart name, the StorageClass by name), so once the real platform is in the committed stacks this
 * helper adds nothing and can be dropped.
 *
 * One part is not platform: the observability charts take their namespace as a plain config
 * string, so they do not depend on the Namespace (a `preflight-namespace` gap of the committed
 * stacks). Until observability takes it from the Namespace, the baseline adds that dependency to
 * every Helm release of a planned, non-built-in namespace that lacks it.
 */
import { serviceAccountTrustPolicy } from "../../components/logical-backup";

/** The `npm run plan -- --json` document, as far as the baseline reads and writes it. */
export interface PlanDocument {
    stack: string;
    resources: DocResource[];
    [key: string]: unknown;
}

export interface DocResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    inputs: Record<string, unknown>;
    dependsOn: string[];
    protect: boolean;
    provider: string | null;
    custom: boolean;
    options: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    id: string | null;
    arn: string | null;
}

const ACCOUNT = "123456789012";
const BUILT_IN = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** The pinned charts of the contract: namespace kube-system, a ServiceAccount each, an IRSA role for those that call AWS. */
export const BASELINE_CHARTS = [
    { chart: "aws-load-balancer-controller", version: "1.13.0", repo: "https://aws.github.io/eks-charts", serviceAccount: "aws-load-balancer-controller", irsa: true },
    { chart: "metrics-server", version: "3.12.2", repo: "https://kubernetes-sigs.github.io/metrics-server/", serviceAccount: "metrics-server", irsa: false },
    { chart: "cluster-autoscaler", version: "9.46.6", repo: "https://kubernetes.github.io/autoscaler", serviceAccount: "cluster-autoscaler", irsa: true },
    { chart: "aws-for-fluent-bit", version: "0.1.35", repo: "https://aws.github.io/eks-charts", serviceAccount: "aws-for-fluent-bit", irsa: true },
] as const;

export const BASELINE_ADDONS = ["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"] as const;

function one(doc: PlanDocument, type: string): DocResource {
    const found = doc.resources.filter((r) => r.type === type);
    if (found.length !== 1) throw new Error(`the platform baseline needs exactly one ${type} in the plan, found ${found.length}`);
    return found[0];
}

/**
 * `doc` (not changed) with the synthetic platform added where the plan lacks it. Needs an EKS
 * plan: one Environment, one AWS and one Kubernetes provider, one OIDC provider.
 */
export function withPlatformBaseline(input: PlanDocument): PlanDocument {
    const doc = structuredClone(input);
    const env = one(doc, "launchpad:environment:Environment");
    const aws = one(doc, "pulumi:providers:aws");
    const k8s = one(doc, "pulumi:providers:kubernetes");
    const oidc = one(doc, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    const oidcArn = oidc.arn ?? "";
    const issuerUrl = String(oidc.inputs.url);
    const [, stack, project] = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(env.urn) ?? [];
    const tags = (name: string) => ({ ...(oidc.inputs.tags as Record<string, string>), Name: name });

    // The same URN rule as the engine: a child's type is qualified by its parent's.
    const add = (parent: DocResource, type: string, name: string, inputs: Record<string, unknown>, extra: Partial<DocResource> = {}): DocResource => {
        const qualified = `${parent.urn.split("::")[2].split("$").pop() ?? ""}$${type}`;
        const r: DocResource = {
            urn: `urn:pulumi:${stack}::${project}::${qualified}::${name}`,
            type, name, parent: parent.urn, inputs,
            dependsOn: [], protect: false, provider: null, custom: true, options: {},
            dependencies: [], propertyDependencies: {}, id: null, arn: null,
            ...extra,
        };
        doc.resources.push(r);
        return r;
    };

    const platform = doc.resources.find((r) => r.type === "launchpad:platform:Platform")
        ?? add(env, "launchpad:platform:Platform", `${env.name}-platform`, {}, { custom: false });
    const irsaRole = (name: string, namespace: string, serviceAccount: string): DocResource => {
        const roleName = `${platform.name}-${name}`;
        return add(platform, "aws:iam/role:Role", roleName, {
            assumeRolePolicy: JSON.stringify(serviceAccountTrustPolicy(oidcArn, issuerUrl, namespace, serviceAccount)),
            tags: tags(roleName),
        }, { provider: aws.urn, dependencies: [oidc.urn], propertyDependencies: { assumeRolePolicy: [oidc.urn] }, id: roleName, arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}` });
    };

    const addonNames = new Set(doc.resources.filter((r) => r.type === "aws:eks/addon:Addon").map((r) => r.inputs.addonName));
    const clusterName = one(doc, "aws:eks/cluster:Cluster").inputs.name;
    for (const addonName of BASELINE_ADDONS.filter((a) => !addonNames.has(a))) {
        const role = addonName === "aws-ebs-csi-driver" ? irsaRole("ebs-csi-role", "kube-system", "ebs-csi-controller-sa") : undefined;
        const name = `${platform.name}-${addonName}`;
        add(platform, "aws:eks/addon:Addon", name, {
            addonName, clusterName, tags: tags(name),
            ...(role !== undefined ? { serviceAccountRoleArn: role.arn } : {}),
        }, { provider: aws.urn, dependencies: role !== undefined ? [role.urn] : [], arn: `arn:aws:eks:us-east-1:${ACCOUNT}:addon/${String(clusterName)}/${addonName}/00000000` });
    }

    const storageClasses = doc.resources.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass");
    if (!storageClasses.some((r) => (r.inputs.metadata as { name?: string } | undefined)?.name === "gp3")) {
        add(platform, "kubernetes:storage.k8s.io/v1:StorageClass", `${platform.name}-gp3`, {
            apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
            metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" },
            volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Delete",
        }, { provider: k8s.urn, id: "gp3" });
    }

    const releases = doc.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const c of BASELINE_CHARTS.filter((x) => !releases.some((r) => r.inputs.chart === x.chart))) {
        const role = c.irsa ? irsaRole(`${c.chart}-role`, "kube-system", c.serviceAccount) : undefined;
        const sa = add(platform, "kubernetes:core/v1:ServiceAccount", `${platform.name}-${c.chart}-sa`, {
            apiVersion: "v1", kind: "ServiceAccount",
            metadata: { name: c.serviceAccount, namespace: "kube-system", ...(role !== undefined ? { annotations: { "eks.amazonaws.com/role-arn": role.arn } } : {}) },
        }, { provider: k8s.urn, dependencies: role !== undefined ? [role.urn] : [], id: `kube-system/${c.serviceAccount}` });
        add(platform, "kubernetes:helm.sh/v3:Release", `${platform.name}-${c.chart}`, {
            name: c.chart, chart: c.chart, version: c.version, namespace: "kube-system", repositoryOpts: { repo: c.repo }, atomic: true,
            values: { serviceAccount: { create: false, name: c.serviceAccount }, ...(c.chart === "aws-load-balancer-controller" ? { clusterName, ingressClass: "alb" } : {}) },
        }, { provider: k8s.urn, dependencies: [sa.urn], id: `kube-system/${c.chart}` });
    }

    // Not platform: the observability releases' missing Namespace dependency (see the file comment).
    const namespaces = new Map(doc.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((n) => [(n.inputs.metadata as { name?: string }).name, n.urn]));
    for (const r of doc.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        const ns = namespaces.get(r.inputs.namespace as string);
        if (ns !== undefined && !BUILT_IN.includes(r.inputs.namespace as string) && !r.dependencies.includes(ns)) {
            r.dependencies = [...r.dependencies, ns].sort();
            r.propertyDependencies = { ...r.propertyDependencies, namespace: [ns] };
        }
    }
    return doc;
}
