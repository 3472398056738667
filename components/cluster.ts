/**
 * Cluster: where the application's Kubernetes resources go.
 *
 * Either an EKS cluster Launchpad owns (control plane with envelope-encrypted secrets and full
 * control-plane logging, one managed node group per private subnet's zone, the IAM OIDC provider for
 * service-account roles), or, when `launchpad:cluster.kubeconfig` is set, an existing cluster reached
 * through that kubeconfig and no EKS resources at all: `EksCluster` and `ExistingCluster`. Either way
 * it is a `KubernetesTarget`: one `@pulumi/kubernetes` Provider that every Kubernetes resource uses,
 * the stack's namespace, and what the cluster provides.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isOfflinePlan, type ClusterAccess, type ClusterProvides, type EksClusterConfig, type ExistingClusterConfig, type NodeGroupConfig, type Safety } from "../config";
import { deployerAccessList, hasDataLayer } from "../config/cluster";
import { awsPartition } from "../config/region";
import type { IdentityScope } from "./identity-record";
import { APP_LABELS } from "../lib/delivery";
import { READINESS_GATE_INJECT_LABEL } from "../lib/kubernetes";
import { accessEntrySuffix, managedPolicyArn, servicePrincipalPolicy } from "../lib/iam";
import { encryptionKey } from "../lib/kms";
import { parse as parseYaml } from "yaml";
import { childTags, type Tags } from "../lib/tags";
import { addonVersion, addonVersions, eksAddonArgs, VPC_CNI_NETWORK_POLICY } from "./eks-addon";
import { namespacePolicies, type NetworkPolicyInputs } from "./network-policy";
import { serviceAccountRole } from "./irsa";

/** Control-plane logs land here; EKS would otherwise create it with no retention limit. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

export interface KubeconfigParts {
    readonly clusterName: string;
    readonly endpoint: string;
    readonly certificateAuthority: string;
    readonly region: string;
}

/** A kubeconfig that authenticates with `aws eks get-token` (the AWS CLI), as the EKS docs describe. */
export function buildKubeconfig(p: KubeconfigParts): object {
    const ctx = `aws-${p.clusterName}`;
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: ctx, cluster: { server: p.endpoint, "certificate-authority-data": p.certificateAuthority } }],
        contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
        "current-context": ctx,
        users: [{
            name: ctx,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "aws",
                    args: ["eks", "get-token", "--cluster-name", p.clusterName, "--region", p.region, "--output", "json"],
                    interactiveMode: "Never",
                },
            },
        }],
    };
}

/**
 * Labels of the application namespace: Pod Security "restricted" is enforced, not just warned.
 * With the AWS Load Balancer Controller (`albReadinessGates`), its webhook injects a readiness gate
 * into each pod created here while a TargetGroupBinding's Service selects it (both colors' preview
 * Services, through the `alb` Ingress's weighted action: blue-green-service.ts albForwardAction),
 * so such a pod counts as ready only once its ALB target is healthy and a rollout never leaves the
 * target group without a healthy target (controller v3.5.0 docs/deploy/pod_readiness_gate.md).
 */
export function namespaceLabels(namespace: string, albReadinessGates = false): Record<string, string> {
    return {
        [APP_LABELS.name]: namespace,
        [APP_LABELS.managedBy]: "pulumi",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        ...(albReadinessGates ? { [READINESS_GATE_INJECT_LABEL]: "enabled" } : {}),
    };
}

/**
 * EKS access policies by access level: cluster-wide, and limited to namespaces. Names and ARNs
 * (`arn:aws:eks::aws:cluster-access-policy/<name>`) from the EKS user guide, awsdocs/amazon-eks-user-guide
 * latest/ug/manage-access/k8s-access/access-policy-reference.adoc (snapshot 1ccc2ead): AmazonEKSAdminPolicy's
 * scope "is typically one or more Kubernetes namespaces" (:20), AmazonEKSClusterAdminPolicy's "the
 * cluster" (:125); Edit and View serve either scope. A role ARN with a path is accepted
 * (grant-k8s-access.adoc:205, unlike the aws-auth ConfigMap).
 */
export const ACCESS_POLICIES = {
    admin: { cluster: "AmazonEKSClusterAdminPolicy", namespace: "AmazonEKSAdminPolicy" },
    edit: { cluster: "AmazonEKSEditPolicy", namespace: "AmazonEKSEditPolicy" },
    view: { cluster: "AmazonEKSViewPolicy", namespace: "AmazonEKSViewPolicy" },
} as const;

/**
 * An access policy association is replaced delete-first. A change of its scope (namespaces added or
 * removed, or cluster to namespaces with the same policy: edit, view) replaces it (`access_scope` is
 * ForceNew), and one principal holds one association per policy: created first, the new one is
 * AssociateAccessPolicy on the pair the old one holds, which EKS takes as a change of scope ("If you
 * later want to change the scope of an associated access policy, run the previous command again with
 * the new scope": awsdocs/amazon-eks-user-guide 4d52b4d0 latest/ug/manage-access/k8s-access/grant-k8s-access.adoc),
 * and the old one's delete, DisassociateAccessPolicy by cluster, principal and policy
 * (terraform-provider-aws internal/service/eks/access_policy_association.go at 01f43111,
 * resourceAccessPolicyAssociationDelete; its id is `cluster#principal#policy`, the same for both), then
 * removes it: the principal is left with no access while the state says it has it.
 */
export const ACCESS_POLICY_DELETE_BEFORE_REPLACE = true;

/** The access policy association of one access entry: policy ARN and scope. */
export function accessPolicyAssociation(a: ClusterAccess, partition = "aws"): { policyArn: string; accessScope: { type: "cluster" | "namespace"; namespaces?: string[] } } {
    const scoped = a.namespaces !== undefined;
    const policy = ACCESS_POLICIES[a.access][scoped ? "namespace" : "cluster"];
    return {
        policyArn: `arn:${partition}:eks::aws:cluster-access-policy/${policy}`,
        accessScope: scoped ? { type: "namespace", namespaces: [...(a.namespaces ?? [])] } : { type: "cluster" },
    };
}

/** The role a caller acts as: `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`, STS GetCallerIdentity's `Arn` for a role session. */
const ASSUMED_ROLE_RE = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
/** An access entry's role: `arn:<partition>:iam::<account>:role/<path/><role>` (config/cluster.ts allows a path). */
const ROLE_ARN_RE = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * Whether `principalArn` (an access entry's role) is the role the caller `callerArn` acts as. The
 * session's ARN names the role without its path (EKS: "The username in returned access entry will
 * not include the path: arn:aws:sts::012345678910:assumed-role/devToolingOperator/{{SessionName}}",
 * aws/containers-roadmap#185), and a role's name alone identifies it in its account: "IAM user,
 * group, role, and policy names must be unique within the account. Names are not distinguished by
 * case" (IAM API reference, CreateRole `RoleName`). So partition, account and name, the name case-insensitively.
 */
export function isCallerRole(callerArn: string, principalArn: string): boolean {
    const caller = ASSUMED_ROLE_RE.exec(callerArn);
    const role = ROLE_ARN_RE.exec(principalArn);
    return caller !== null && role !== null && caller[1] === role[1] && caller[2] === role[2] && caller[3].toLowerCase() === role[3].toLowerCase();
}

/**
 * What `cluster.access` lacks for the principal running this `pulumi up` (`update`) or `pulumi
 * preview`, or undefined. EKS grants the cluster's creator nothing (`bootstrapClusterCreatorAdminPermissions:
 * false`), so an update run by a role without a cluster-wide admin entry creates the cluster and then
 * fails every Kubernetes object Unauthorized: its Provider reads the API's schema once, when
 * configured, and a failure there marks the cluster unreachable for the whole run
 * (pulumi/pulumi-kubernetes v4.32.0+ provider/pkg/provider/provider.go, Configure: `getResources`,
 * then "configured Kubernetes cluster is unreachable" from Create). A preview only reads: any entry
 * (the preview roles' `view`) is enough, and none is a warning, since a preview of an unreachable
 * cluster shows its objects from their inputs.
 */
export function deployerAccessProblem(callerArn: string, access: readonly ClusterAccess[], update: boolean): string | undefined {
    const mine = access.filter((a) => isCallerRole(callerArn, a.principalArn));
    if (update && !mine.some((a) => a.access === "admin" && a.namespaces === undefined)) {
        const admins = access.filter((a) => a.access === "admin" && a.namespaces === undefined).map((a) => a.principalArn);
        return `launchpad:cluster.access: received cluster-wide admins ${JSON.stringify(admins)}, none of them the role pulumi up runs as (${callerArn}); ` +
            `expected a { principalArn: <that role's ARN>, access: admin } entry, or pulumi up run as a listed admin (the deploy role): the cluster grants its creator nothing ` +
            `(bootstrapClusterCreatorAdminPermissions: false), so every Kubernetes object of this update would fail Unauthorized`;
    }
    if (!update && mine.length === 0) {
        return `launchpad:cluster.access: received no entry for the role this preview runs as (${callerArn}); expected one (view is enough): without it the preview cannot read the cluster and shows its Kubernetes objects from their inputs`;
    }
    return undefined;
}

/**
 * Refuses a `pulumi up` run by a principal that may not deploy to Launchpad's EKS cluster
 * ({@link deployerAccessProblem}), warns of such a `pulumi preview`. The program (index.ts) awaits it
 * before it registers anything, so a refused update creates nothing at all: the engine registers no
 * resource the program has not sent, and the SDK sends none before the program's own code does
 * (@pulumi/pulumi v3.248.0 cmd/run/run.js `runProgram`: "exported top level async functions",
 * `return await invokeResult`). A check inside the Environment would gate only what waits on it, while
 * the VPC, the database, the keys and the buckets register in parallel. A `RunError`, as `ConfigError`
 * is: the CLI prints the message alone (cmd/run/run.js, "Always hide the stack for RunErrors").
 *
 * STS is asked through the default AWS provider, the program's own not existing yet: it reads the
 * same `aws:region` and the same credentials (config/schema.ts refuses any other `aws:*` key), and
 * the engine registers it in the stack's state as a provider, its inputs the stack's `aws:*` config
 * (pulumi/pulumi pkg/resource/deploy/source_eval.go `defaultProviders.handleRequest`,
 * `newRegisterDefaultProviderEvent`): a provider entry, nothing in AWS.
 *
 * Nothing to check on an existing cluster (its kubeconfig says who deploys), nor in the offline plan,
 * whose caller is the mocks' stand-in (plan/mocks.ts `launchpad-plan`): the check is left to the real run.
 */
export async function deployerPreflight(cluster: EksClusterConfig | ExistingClusterConfig): Promise<void> {
    const access = deployerAccessList(cluster);
    if (access === undefined || isOfflinePlan()) {
        return;
    }
    const update = !pulumi.runtime.isDryRun();
    const { arn } = await aws.getCallerIdentity({});
    const problem = deployerAccessProblem(arn, access, update);
    if (problem !== undefined && update) {
        throw new pulumi.RunError(problem);
    }
    if (problem !== undefined) {
        await pulumi.log.warn(problem);
    }
}

/** The API server URL of a kubeconfig's current context: an existing cluster's identity for the Provider. */
export function kubeconfigServer(kubeconfig: string): string {
    return kubeconfigServerOf(kubeconfig) ?? "existing-cluster";
}

/** What of the stack's identity (components/identity-record.ts) a kind of cluster brings. */
export interface ClusterIdentity {
    readonly scope: IdentityScope;
    /**
     * The API server the stack's Kubernetes objects go to, read from a kubeconfig.
     * @default - none recorded: Launchpad's own EKS cluster, whose Provider is identified by its ARN
     */
    readonly server?: pulumi.Output<string | undefined>;
}

/** What Launchpad's EKS declares to the preflight: nothing, since its platform is in the plan. An existing cluster declares `cluster.provides`. */
export const EKS_PROVIDES: ClusterProvides = { ingressClasses: [], storageClasses: [], defaultStorageClass: false, metricsApi: false, containerMetrics: false };

/** Launchpad's own EKS cluster brings a network, a data layer and a Kubernetes minor (`launchpad:cluster.version`). */
export function eksClusterIdentity(cluster: EksClusterConfig): ClusterIdentity {
    return { scope: { database: true, network: true, clusterVersion: cluster.version } };
}

/** An existing cluster brings its API server (read from its kubeconfig), and a data layer only with `network.existing`. */
export function existingClusterIdentity(cluster: ExistingClusterConfig): ClusterIdentity {
    return { scope: { database: hasDataLayer(cluster), network: false }, server: cluster.kubeconfig.apply(kubeconfigServerOf) };
}

/**
 * The API server URL a kubeconfig names, or undefined when it names none (the offline plan's stand-in
 * for a secret it cannot decrypt): what the stack's identity records (components/identity-record.ts).
 */
export function kubeconfigServerOf(kubeconfig: string): string | undefined {
    const parsed: unknown = parseYaml(kubeconfig);
    const doc = (parsed !== null && typeof parsed === "object" ? parsed : {}) as { "current-context"?: string; contexts?: { name: string; context?: { cluster?: string } }[]; clusters?: { name: string; cluster?: { server?: string } }[] };
    const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
    const cluster = doc.clusters?.find((c) => c.name === ctx?.context?.cluster) ?? doc.clusters?.[0];
    return typeof cluster?.cluster?.server === "string" ? cluster.cluster.server : undefined;
}

/**
 * Managed policies the nodes' role needs (kubelet, image pulls). Not the VPC CNI's
 * `AmazonEKS_CNI_Policy`: that goes to the aws-node service account through IRSA
 * ({@link VPC_CNI_SERVICE_ACCOUNT}), as the EKS user guide recommends (awsdocs/amazon-eks-user-guide,
 * latest/ug/networking/eks-networking-add-ons.adoc, "Configure Amazon VPC CNI plugin to use IRSA",
 * Step 3 "Remove the CNI policy from the node IAM role").
 */
export const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"] as const;

/** The service account the VPC CNI add-on's aws-node DaemonSet runs as (same user guide section, Step 1). */
export const VPC_CNI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-node" } as const;

export interface EksParts {
    readonly kubeconfig: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly nodeRoleArn: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** What the Kubernetes API needs before any object goes in: nodes to run on, access for the deployer. */
    readonly apiReady: pulumi.Resource[];
    /** One per zone, in zone order: {@link nodeGroupChildName}. */
    readonly nodeGroups: aws.eks.NodeGroup[];
}

/** Where the stack's Kubernetes objects go, whichever cluster that is: the one thing the rest of the stack asks of it. */
export interface KubernetesTarget {
    /** The Provider every Kubernetes resource of the stack must use. */
    readonly provider: k8s.Provider;
    /** The application namespace's name, read from the Namespace resource: using it makes an object depend on the Namespace. */
    readonly namespace: pulumi.Output<string>;
    /** Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** What the cluster brings beyond the plan's own resources (the deployability preflight reads it). */
    readonly provides: ClusterProvides;
}

/**
 * Both kinds of cluster register as this one type: the state keeps one cluster component whichever
 * kind a stack uses, and the deployability preflight finds it (and its `provides`) by this type.
 */
export const CLUSTER_TYPE = "launchpad:cluster:Cluster";

/** The Provider and the application Namespace on a cluster reached through `kubeconfig`. */
function kubernetesTarget(
    parent: pulumi.ComponentResource,
    name: string,
    args: { kubeconfig: pulumi.Output<string>; clusterIdentifier: pulumi.Input<string>; apiReady: pulumi.Resource[]; namespace: string; albReadinessGates: boolean; namespaceChecked?: pulumi.Output<unknown>; networkPolicies?: NetworkPolicyInputs },
): { provider: k8s.Provider; namespace: pulumi.Output<string> } {
    const provider = new k8s.Provider(`${name}-k8s`, {
        kubeconfig: args.kubeconfig,
        // Only a change of this identity replaces the Provider (and so every Kubernetes object):
        // a new node group or a rotated token in the kubeconfig is an update. pulumi-kubernetes
        // provider/pkg/provider/provider.go, DiffConfig: an updated clusterIdentifier is a replace;
        // an unchanged, set one clears every other replacement (kubeconfig included).
        clusterIdentifier: args.clusterIdentifier,
    }, { parent, dependsOn: args.apiReady });
    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
        // Registered only once the name is checked: a new name replaces the Namespace delete-first.
        metadata: { name: args.namespaceChecked !== undefined ? args.namespaceChecked.apply(() => args.namespace) : args.namespace, labels: namespaceLabels(args.namespace, args.albReadinessGates) },
    }, { parent, provider });
    // In the namespace by its Namespace's name, so each depends on it (preflight-namespace); the
    // default deny after the allows (NamespacePolicy.afterAllows).
    const policies = args.networkPolicies !== undefined ? namespacePolicies(args.networkPolicies) : [];
    const allows: k8s.networking.v1.NetworkPolicy[] = [];
    for (const p of [...policies.filter((x) => !x.afterAllows), ...policies.filter((x) => x.afterAllows)]) {
        const policy = new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${p.name}`, {
            metadata: { name: p.name, namespace: ns.metadata.name, labels: { [APP_LABELS.managedBy]: "pulumi" } },
            spec: p.spec,
        }, { parent, provider, ...(p.afterAllows ? { dependsOn: [...allows] } : {}) });
        if (!p.afterAllows) allows.push(policy);
    }
    return { provider, namespace: ns.metadata.name };
}

export interface EksClusterParts {
    readonly config: Pick<EksClusterConfig, "version" | "endpointAccess" | "endpointPublicAccessCidrs" | "logTypes">;
    readonly clusterName: string;
    readonly roleArn: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string[]>;
    readonly secretsKeyArn: pulumi.Input<string>;
    readonly deletionProtection: boolean;
    readonly tags: Record<string, pulumi.Input<string>>;
}

/**
 * The control plane: private endpoint always, public only when config says so and then only for
 * its CIDRs; every log type config lists; secrets envelope-encrypted under the cluster's key.
 */
export function eksClusterArgs(p: EksClusterParts): aws.eks.ClusterArgs {
    const isPublic = p.config.endpointAccess === "public";
    return {
        name: p.clusterName,
        version: p.config.version,
        roleArn: p.roleArn,
        vpcConfig: {
            subnetIds: p.subnetIds,
            endpointPrivateAccess: true,
            // Private: the API is reachable from inside the VPC only (deploy runners run there).
            endpointPublicAccess: isPublic,
            publicAccessCidrs: isPublic ? [...p.config.endpointPublicAccessCidrs] : undefined,
        },
        enabledClusterLogTypes: [...p.config.logTypes],
        encryptionConfig: { provider: { keyArn: p.secretsKeyArn }, resources: ["secrets"] },
        // Access is config (`cluster.access`), creator included: an implicit creator entry would
        // collide with the deploy role's listed one ("access entry already in use").
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
        // Standard support only: extended support costs six times as much and must be chosen on purpose.
        upgradePolicy: { supportType: "STANDARD" },
        deletionProtection: p.deletionProtection,
        tags: p.tags,
    };
}

/** Cluster inputs a second `pulumi up` leaves as created (see `EksCluster`): its subnets, in the zones it was created in. */
export const CLUSTER_IGNORE_CHANGES = ["vpcConfig.subnetIds"] as const;

/** The nodes' launch template (child `${name}-node-template`): encrypted gp3 root volume, IMDSv2 only. */
export function nodeLaunchTemplateArgs(clusterName: string, diskSizeGb: number, tags: Tags, name: string): aws.ec2.LaunchTemplateArgs {
    return {
        description: `Nodes of EKS cluster ${clusterName}`,
        blockDeviceMappings: [{
            deviceName: "/dev/xvda",
            ebs: { volumeSize: diskSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        }],
        // IMDSv2 only, one hop: pods cannot borrow the node's role and must use IRSA. What reads IMDS
        // from a pod's own network copes: aws-node and kube-proxy run on the host network; the load
        // balancer controller, the autoscaler and Fluent Bit are given their region (and VPC) in
        // values (components/platform.ts); the EBS CSI driver "will fall back to using the Kubernetes
        // API" (its controller has CSI_NODE_NAME for that), whose node pods then count one ENI in a
        // Nitro node's shared attachment slots (kubernetes-sigs/aws-ebs-csi-driver 429e202e
        // docs/install.md, "Kubernetes Metadata"): a few volumes too many, beyond the twenty-odd a
        // node could attach, where the stack makes one (the Pushgateway's).
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        tagSpecifications: ["instance", "volume"].map((resourceType) => ({
            resourceType,
            tags: childTags(tags, `${name}-node`),
        })),
        tags: childTags(tags, `${name}-node-template`),
    };
}

/**
 * Child name of zone `zone`'s node group. Zone 0 keeps the name the single cross-zone group had, so
 * an existing stack's state entry carries over; it is replaced all the same (its subnets cannot change
 * in place: terraform-provider-aws internal/service/eks/node_group.go, `subnet_ids` is ForceNew).
 */
export function nodeGroupChildName(name: string, zone: number): string {
    return zone === 0 ? `${name}-nodes` : `${name}-nodes-${zone}`;
}

export interface NodeGroupParts {
    readonly clusterName: pulumi.Input<string>;
    readonly version: pulumi.Input<string>;
    readonly nodeRoleArn: pulumi.Input<string>;
    /**
     * One zone's private subnet, alone: a managed node group's Auto Scaling group spans every subnet
     * it is given (awsdocs/amazon-eks-user-guide latest/ug/nodes/managed-node-groups.adoc), and the
     * autoscaler must know which group adds a node in which zone.
     */
    readonly subnetIds: pulumi.Input<string[]>;
    readonly launchTemplateId: pulumi.Input<string>;
    readonly launchTemplateVersion: pulumi.Input<string>;
    readonly tags: Record<string, pulumi.Input<string>>;
}

/**
 * How EKS rolls a zone's group when its Kubernetes version, AMI release or launch template version
 * changes (a `launchpad:cluster.version` step; any change of the node launch template, whose latest
 * version every group follows; an AMI release applied with `aws eks update-nodegroup-version`):
 * awsdocs/amazon-eks-user-guide latest/ug/nodes/managed-node-update-behavior.adoc.
 *
 * - `updateStrategy: "DEFAULT"`: "It creates new nodes before terminating the old ones, so that the
 *   available capacity is maintained", launched "in the same Availability Zone as those that are
 *   being upgraded" (scale up phase). MINIMAL terminates first: a zone's only node would be gone
 *   while its pods wait, the Pushgateway, whose EBS volume cannot leave the zone, and in production
 *   the colors' pods that `DoNotSchedule` keeps in it. Written out, not left to the API's default.
 * - `maxUnavailable: 1`: one node of the zone drained at a time, the guide's default ("The default
 *   value is one node"). A count: the guide says how it is used ("randomly selects a node that needs to
 *   be upgraded, up to the maximum unavailable") and nothing of how a percentage of a zone's one to
 *   a few nodes rounds. Each node's pods must leave within 15 minutes or the update fails with
 *   `PodEvictionFailure`; a color's PodDisruptionBudget lets one pod go at a time, the next once its
 *   replacement is Ready, so the fewer nodes drain together, the fewer of a color's pods share those
 *   15 minutes (the zones' groups are also updated one after another: `EksCluster`).
 */
export const NODE_GROUP_UPDATE_CONFIG = { maxUnavailable: 1, updateStrategy: "DEFAULT" } as const;

/** Minutes Launchpad allows the scale up phase's new nodes to be Ready; the user guide gives no bound. */
export const NODE_LAUNCH_ALLOWANCE_MINUTES = 15;

/**
 * Pulumi's wait for a zone's group update (`customTimeouts.update`): long enough for EKS to give its
 * own verdict, from the user guide's limits (managed-node-update-behavior.adoc): each old node, at most
 * the zone's `maxSize`, drained within 15 minutes or `PodEvictionFailure`, then 60 seconds before it
 * is terminated; the scale down phase's removals of the surge (a one-zone group's: "twice the number of
 * Availability Zones", 2), each terminated after at most 15 minutes of evictions ("terminated regardless",
 * managed-node-groups.adoc); and {@link NODE_LAUNCH_ALLOWANCE_MINUTES} for the new nodes. Without it the
 * wait ends at terraform-provider-aws's 60 minutes (internal/service/eks/node_group.go, `Timeouts.Update`)
 * while EKS goes on, and the update is reported failed whatever EKS then decides.
 */
export function nodeGroupUpdateTimeout(ng: Pick<NodeGroupConfig, "perZone">): string {
    const surge = 2;
    return `${ng.perZone.maxSize * (15 + 1) + surge * 15 + NODE_LAUNCH_ALLOWANCE_MINUTES}m`;
}

/**
 * One zone's managed node group: config's instance types and capacity, the zone's share of the bounds;
 * rolled one node at a time, new nodes first ({@link NODE_GROUP_UPDATE_CONFIG}); node repair on.
 * Every zone's group gets the same arguments but its subnet and Name tag, and no label of its own:
 * the autoscaler balances only groups whose nodes look alike (`--balance-similar-node-groups`;
 * kubernetes/autoscaler cluster-autoscaler/FAQ.md, "I'm running cluster with nodes in multiple zones
 * for HA purposes": a custom label opts a group out), and the EKS
 * best-practices guide asks for groups "configured with identical settings except for different
 * availability zones" (aws/aws-eks-best-practices latest/bpg/autoscaling/cluster-autoscaler.adoc, "EBS Volumes").
 */
export function nodeGroupArgs(ng: NodeGroupConfig, p: NodeGroupParts): aws.eks.NodeGroupArgs {
    return {
        clusterName: p.clusterName,
        version: p.version,
        nodeRoleArn: p.nodeRoleArn,
        subnetIds: p.subnetIds,
        instanceTypes: [...ng.instanceTypes],
        capacityType: ng.capacityType,
        amiType: ng.amiType,
        scalingConfig: { minSize: ng.perZone.minSize, desiredSize: ng.perZone.desiredSize, maxSize: ng.perZone.maxSize },
        updateConfig: { ...NODE_GROUP_UPDATE_CONFIG },
        nodeRepairConfig: { enabled: true },
        launchTemplate: { id: p.launchTemplateId, version: p.launchTemplateVersion },
        tags: p.tags,
    };
}

export interface EksClusterArgs {
    readonly config: EksClusterConfig;
    /**
     * Resolves once the namespace may be registered under its name (the stack's identity check,
     * components/identity-record.ts): a refused change then registers no Namespace at all.
     * @default - registered at once
     */
    readonly namespaceChecked?: pulumi.Output<unknown>;
    readonly nodeGroup: NodeGroupConfig;
    /** EKS cluster name: fixed (not auto-named) because the control-plane log group is named after it. */
    readonly clusterName: string;
    readonly region: string;
    /** The tier's switches the cluster reads: protection and deletion window of its key, log retention, deletion protection. */
    readonly safety: Pick<Safety, "protect" | "kmsDeletionWindowDays" | "logRetentionDays" | "deletionProtection">;
    readonly tags: Tags;
    /** Private subnets for the control-plane ENIs. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The same subnets one by one, in zone order: one node group in each (`nodeGroup.zones` of them). */
    readonly zoneSubnetIds: readonly pulumi.Input<string>[];
    /**
     * The application namespace's NetworkPolicies (components/network-policy.ts), which the VPC CNI
     * add-on enforces. @default - none
     */
    readonly networkPolicies?: NetworkPolicyInputs;
}

/** Launchpad's own EKS cluster and, on it, the Provider and the application namespace. */
export class EksCluster extends pulumi.ComponentResource implements KubernetesTarget, Omit<EksParts, "apiReady"> {
    public readonly provider: k8s.Provider;
    public readonly namespace: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provides: ClusterProvides;
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly nodeRoleArn: pulumi.Output<string>;
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    public readonly nodeGroups: aws.eks.NodeGroup[];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const provides = EKS_PROVIDES;
        super(CLUSTER_TYPE, name, { provides }, opts);
        this.provides = provides;
        const { apiReady, nodeGroups, ...parts } = this.createEks(name, args, args.config);
        this.nodeGroups = nodeGroups;
        ({
            kubeconfig: this.kubeconfig,
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            endpoint: this.endpoint,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuerUrl: this.oidcIssuerUrl,
            nodeRoleArn: this.nodeRoleArn,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
        } = parts);
        ({ provider: this.provider, namespace: this.namespace } = kubernetesTarget(this, name, {
            kubeconfig: parts.kubeconfig,
            clusterIdentifier: parts.clusterArn,
            apiReady,
            namespace: args.config.namespace,
            // The AWS Load Balancer Controller runs here (components/platform.ts).
            albReadinessGates: true,
            namespaceChecked: args.namespaceChecked,
            networkPolicies: args.networkPolicies,
        }));
        this.registerOutputs({ provides, namespace: this.namespace, ...parts });
    }

    /**
     * The EKS control plane, the VPC CNI, the node groups and the access entries, in that order (the
     * order of their registration), and the kubeconfig that reaches them.
     */
    private createEks(name: string, args: EksClusterArgs, config: EksClusterConfig): EksParts {
        // AWS managed policies and EKS access policies are ARNs of the region's partition: the EKS user
        // guide writes them `{arn-aws}iam::aws:policy/...`, `{arn-aws}eks::aws:cluster-access-policy/...`,
        // its `{arn-aws}` being the partition's ARN prefix (latest/ug/attributes.txt: `region.arn`).
        const partition = awsPartition(args.region);
        const { cluster, oidc } = this.createControlPlane(name, args, config, partition);
        const vpcCni = this.createVpcCni(name, args, cluster.name, oidc);
        const { nodeRole, nodes } = this.createNodeGroups(name, args, cluster, vpcCni, partition);
        const access = this.createAccess(name, args, config, cluster.name);
        // Nothing of the node groups is in the kubeconfig: replacing nodes must not replace the
        // Provider. The Provider depends on every zone's nodes and the access instead (see the constructor).
        const kubeconfig = pulumi
            .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
            .apply(([clusterName, endpoint, ca]) =>
                JSON.stringify(buildKubeconfig({ clusterName, endpoint, certificateAuthority: ca.data ?? "", region: args.region })),
            );
        return {
            kubeconfig: pulumi.secret(kubeconfig),
            clusterName: cluster.name,
            clusterArn: cluster.arn,
            endpoint: cluster.endpoint,
            oidcProviderArn: oidc.arn,
            oidcIssuerUrl: oidc.url,
            nodeRoleArn: nodeRole.arn,
            clusterSecurityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
            apiReady: [...nodes, ...access],
            nodeGroups: nodes,
        };
    }

    /** The secrets key, the control-plane log group, the cluster role, the cluster and its OIDC provider. */
    private createControlPlane(name: string, args: EksClusterArgs, config: EksClusterConfig, partition: string): { cluster: aws.eks.Cluster; oidc: aws.iam.OpenIdConnectProvider } {
        const { tags, safety } = args;
        const parent = { parent: this };
        const secretsKey = encryptionKey(`${name}-secrets-key`, {
            description: `Envelope encryption of Kubernetes secrets in EKS cluster ${args.clusterName}`,
            alias: `alias/${args.clusterName}-eks-secrets`,
        }, { parent: this, safety, tags });

        const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane-logs`, {
            name: controlPlaneLogGroupName(args.clusterName),
            retentionInDays: safety.logRetentionDays,
            tags: childTags(tags, `${name}-control-plane-logs`),
        }, parent);

        const clusterRole = new aws.iam.Role(`${name}-cluster-role`, {
            assumeRolePolicy: JSON.stringify(servicePrincipalPolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])),
            tags: childTags(tags, `${name}-cluster-role`),
        }, parent);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, {
            role: clusterRole.name,
            policyArn: managedPolicyArn("AmazonEKSClusterPolicy", partition),
        }, parent);

        const cluster = new aws.eks.Cluster(`${name}-eks`, eksClusterArgs({
            config,
            clusterName: args.clusterName,
            roleArn: clusterRole.arn,
            subnetIds: args.privateSubnetIds,
            secretsKeyArn: secretsKey.arn,
            deletionProtection: safety.deletionProtection,
            tags: childTags(tags, `${name}-eks`),
        }), {
            parent: this,
            // The log group is found by name and the role's policy must outlive the cluster on delete.
            dependsOn: [logGroup, clusterPolicy],
            // Its replacement is delete-first (the program names it), and before that delete the engine
            // deletes everything that takes an input from it: the node groups and, through the Kubernetes
            // provider, every object on the cluster (plan/changes.ts dependentReplacements). A protected
            // resource's replacement is refused before any of that (pulumi/pulumi
            // pkg/resource/deploy/step_generator.go: "unable to replace resource ... marked for protection",
            // checked before calculateDependentReplacements), where EKS deletion protection would only
            // refuse the cluster's own delete, after its dependents were gone.
            protect: safety.protect,
            // The subnets it was created with: EKS takes new ones only in the zones it was created in
            // ("All subnets that you add must be in the same set of AZs as originally provided when you
            // created the cluster": awsdocs/amazon-eks-user-guide 4d52b4d0 latest/ug/networking/network-reqs.adoc),
            // so a zone added (`network.azCount`) would fail UpdateClusterConfig. Its node group needs
            // none of the cluster's subnets ("you can also deploy nodes ... to subnets that you didn't
            // specify when you created the cluster", same page, node-subnet-reqs).
            ignoreChanges: [...CLUSTER_IGNORE_CHANGES],
        });

        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: cluster.identities.apply((ids) => ids[0].oidcs?.[0]?.issuer ?? ""),
            clientIdLists: ["sts.amazonaws.com"],
            tags: childTags(tags, `${name}-oidc`),
        }, parent);
        return { cluster, oidc };
    }

    /** The node role and one managed node group per zone, each after the previous zone's. */
    private createNodeGroups(name: string, args: EksClusterArgs, cluster: aws.eks.Cluster, vpcCni: aws.eks.Addon, partition: string): { nodeRole: aws.iam.Role; nodes: aws.eks.NodeGroup[] } {
        const { tags, nodeGroup: ng } = args;
        const parent = { parent: this };
        const nodeRole = new aws.iam.Role(`${name}-node-role`, {
            assumeRolePolicy: JSON.stringify(servicePrincipalPolicy("ec2.amazonaws.com")),
            tags: childTags(tags, `${name}-node-role`),
        }, parent);
        const nodePolicies = NODE_POLICIES.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, {
            role: nodeRole.name,
            policyArn: managedPolicyArn(policy, partition),
        }, parent));

        if (args.zoneSubnetIds.length !== ng.zones) {
            throw new pulumi.ResourceError(`${args.zoneSubnetIds.length} private subnets for ${ng.zones} zones' node groups: one subnet per zone (launchpad:network.azCount)`, this);
        }
        const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-node-template`, nodeLaunchTemplateArgs(args.clusterName, ng.diskSizeGb, tags, name), parent);

        // One group per zone: with one Auto Scaling group across zones, the autoscaler cannot add a
        // node in the zone of a pending pod's EBS volume (the Pushgateway's), "rather than relying on
        // the cloud provider choosing a zone for a new node in a multi-zone node group"
        // (kubernetes/autoscaler cluster-autoscaler/FAQ.md, "I have a couple of pending pods, but there
        // was no scale-up?"; cloudprovider/aws/README.md: "an ASG-per-AZ while enabling
        // --balance-similar-node-groups"; the EKS user guide's managed-node-groups.adoc says the same).
        const nodes: aws.eks.NodeGroup[] = [];
        for (const zone of [...Array(ng.zones).keys()]) {
            nodes.push(new aws.eks.NodeGroup(nodeGroupChildName(name, zone), nodeGroupArgs(ng, {
                clusterName: cluster.name,
                version: cluster.version,
                nodeRoleArn: nodeRole.arn,
                subnetIds: pulumi.all([args.zoneSubnetIds[zone]]),
                launchTemplateId: launchTemplate.id,
                launchTemplateVersion: launchTemplate.latestVersion.apply(String),
                tags: childTags(tags, nodeGroupChildName(name, zone)),
            }), {
                parent: this,
                // Nodes cannot join before their role can, nor get pod IPs before aws-node runs with
                // its IRSA role (the node role has no CNI policy); on delete both must outlive the nodes.
                // And after the previous zone's group: a version or launch template change then rolls
                // one zone at a time, so a color's PodDisruptionBudget is not shared by nodes draining
                // in every zone at once within EKS's 15 minutes per node (NODE_GROUP_UPDATE_CONFIG); the
                // scale down phase's removals, which no budget holds back ("Pod disruption budgets aren't
                // respected when ... reducing the desired node count": managed-node-groups.adoc), take
                // at most one zone's pods at once; and a group that fails stops the update before the
                // next zone's nodes are touched.
                dependsOn: [...nodePolicies, vpcCni, ...nodes.slice(-1)],
                // The cluster autoscaler owns the current size; config sets only its bounds.
                ignoreChanges: ["scalingConfig.desiredSize"],
                customTimeouts: { update: nodeGroupUpdateTimeout(ng) },
            }));
        }
        return { nodeRole, nodes };
    }

    /**
     * The VPC CNI add-on with its own IRSA role (`AmazonEKS_CNI_Policy`, trusted by kube-system:aws-node
     * only), created before the nodes: "before compute", as pulumi-eks does (nodejs/eks/nodes/nodegroup.ts,
     * createNodeGroupV2: the node group depends on `core.vpcCni`) and terraform-aws-modules/eks
     * (`aws_eks_addon.before_compute`). The create waits for ACTIVE (terraform-provider-aws
     * internal/service/eks, waitAddonCreated: CREATING and DEGRADED pending, ACTIVE target), so
     * pulumi-eks's ordering shows the add-on gets there with no node; OVERWRITE adopts the aws-node
     * EKS installed with the cluster.
     */
    private createVpcCni(name: string, args: EksClusterArgs, clusterName: pulumi.Output<string>, oidc: aws.iam.OpenIdConnectProvider): aws.eks.Addon {
        const addonName = "vpc-cni";
        const cni = serviceAccountRole(this, `${name}-${addonName}`, {
            oidcProviderArn: oidc.arn,
            oidcIssuerUrl: oidc.url,
            namespace: VPC_CNI_SERVICE_ACCOUNT.namespace,
            serviceAccountName: VPC_CNI_SERVICE_ACCOUNT.name,
            policyArns: [managedPolicyArn("AmazonEKS_CNI_Policy", awsPartition(args.region))],
            tags: args.tags,
        });
        addonVersions(args.config.version, this);
        return new aws.eks.Addon(`${name}-${addonName}`, eksAddonArgs({
            clusterName,
            addonName,
            addonVersion: addonVersion(this, args.config.version, addonName),
            serviceAccountRoleArn: cni.role.arn,
            configurationValues: VPC_CNI_NETWORK_POLICY,
            tags: childTags(args.tags, `${name}-${addonName}`),
        }), { parent: this, dependsOn: [...cni.ready] });
    }

    /** An access entry and its policy association per `cluster.access` principal. */
    private createAccess(name: string, args: EksClusterArgs, config: EksClusterConfig, clusterName: pulumi.Output<string>): aws.eks.AccessPolicyAssociation[] {
        return config.access.map((a) => {
            const child = `${name}-access-${accessEntrySuffix(a.principalArn)}`;
            const entry = new aws.eks.AccessEntry(child, {
                clusterName,
                principalArn: a.principalArn,
                type: "STANDARD",
                tags: childTags(args.tags, child),
            }, { parent: this });
            return new aws.eks.AccessPolicyAssociation(`${child}-policy`, {
                clusterName,
                principalArn: entry.principalArn,
                ...accessPolicyAssociation(a, awsPartition(args.region)),
            }, { parent: this, deleteBeforeReplace: ACCESS_POLICY_DELETE_BEFORE_REPLACE });
        });
    }
}

export interface ExistingClusterArgs {
    readonly config: ExistingClusterConfig;
    /**
     * Resolves once the namespace and the cluster may be registered (the stack's identity check,
     * components/identity-record.ts): a refused change then registers no Namespace and no Provider at all.
     * @default - registered at once
     */
    readonly namespaceChecked?: pulumi.Output<unknown>;
    /**
     * The application namespace's NetworkPolicies, given only when the cluster declares it enforces them
     * (`cluster.provides.networkPolicy`). @default - none
     */
    readonly networkPolicies?: NetworkPolicyInputs;
}

/** A team's existing cluster, reached through its kubeconfig: no cloud resources, only the Provider and the namespace. */
export class ExistingCluster extends pulumi.ComponentResource implements KubernetesTarget {
    public readonly provider: k8s.Provider;
    public readonly namespace: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provides: ClusterProvides;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const provides = args.config.provides;
        // The declared OIDC provider the data layer's IRSA roles trust: the deployability preflight reads it here (policies/deployability.ts declaredOidcProviders).
        const oidc = args.config.network?.oidcProviderArn;
        super(CLUSTER_TYPE, name, { provides, ...(oidc !== undefined ? { oidcProviderArn: oidc } : {}) }, opts);
        this.provides = provides;
        this.kubeconfig = args.config.kubeconfig;
        ({ provider: this.provider, namespace: this.namespace } = kubernetesTarget(this, name, {
            kubeconfig: this.kubeconfig,
            // Registered only once the stack's identity check passed, which compares this server with the
            // recorded one (identity-record.ts): another cluster then registers no provider to replace the old one.
            clusterIdentifier: pulumi.all([this.kubeconfig, args.namespaceChecked]).apply(([k]) => kubeconfigServer(k)),
            apiReady: [],
            namespace: args.config.namespace,
            albReadinessGates: false,
            namespaceChecked: args.namespaceChecked,
            networkPolicies: args.networkPolicies,
        }));
        // What the preflight reads of this component must be among its registered outputs: a real run's
        // stack policies see a component's outputs only, which registerOutputs replaces whole (pulumi/pulumi
        // pkg/resource/deploy/step_generator.go AnalyzeResources, `Properties: v.Outputs`; step_executor.go
        // executeRegisterResourceOutputs, "Unconditionally set the resource's outputs to what was provided").
        this.registerOutputs({ provides, ...(oidc !== undefined ? { oidcProviderArn: oidc } : {}), namespace: this.namespace, kubeconfig: this.kubeconfig });
    }
}

