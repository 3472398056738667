/**
 * EKS managed add-ons: the pinned versions (lib/versions.ts) and the one way an add-on is declared,
 * shared by the two components that create them. The cluster creates the VPC CNI before its nodes
 * (a node gets pod IPs only once aws-node runs with the CNI role); the platform creates the rest
 * after the nodes (coredns and the EBS CSI controller are Deployments, whose pods need a node).
 *
 * A building block, not a component: each add-on is a child of whichever component needs it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AUTOSCALER_ANNOTATIONS } from "../lib/workload";
import { EKS_ADDON_NAMES, EKS_ADDON_UNVERIFIED, EKS_ADDON_VERSIONS, vpcCniNetworkPolicyProblem, type EksAddonName } from "../lib/versions";

/** Add-ons the cluster creates with itself, before any node (components/cluster.ts). */
export const BEFORE_NODES_ADDONS: readonly EksAddonName[] = ["vpc-cni"];

/** Add-ons the platform creates once the nodes exist (components/platform.ts). */
export const AFTER_NODES_ADDONS: readonly EksAddonName[] = EKS_ADDON_NAMES.filter((a) => !BEFORE_NODES_ADDONS.includes(a));

/** The pinned add-on versions for a Kubernetes minor; fails loudly for a minor with no pins. */
export function addonVersions(kubernetesVersion: string, component?: pulumi.Resource): Readonly<Record<EksAddonName, string>> {
    const pins = EKS_ADDON_VERSIONS[kubernetesVersion];
    if (pins === undefined) {
        throw new pulumi.ResourceError(`no EKS add-on versions are pinned for Kubernetes ${kubernetesVersion} (lib/versions.ts EKS_ADDON_VERSIONS has ${Object.keys(EKS_ADDON_VERSIONS).join(", ")})`, component);
    }
    return pins;
}

/** True when the pinned add-on version was read as an exact EKS add-on version for that minor (lib/versions.ts). */
export function isVerifiedAddonPin(kubernetesVersion: string, addon: EksAddonName): boolean {
    return !EKS_ADDON_UNVERIFIED.some((u) => u.version === kubernetesVersion && u.addon === addon);
}

export interface EksAddonParts {
    readonly clusterName: pulumi.Input<string>;
    readonly addonName: EksAddonName;
    readonly addonVersion: pulumi.Input<string>;
    /** The IRSA role of the add-on's service account. @default - none: the add-on needs no AWS permission */
    readonly serviceAccountRoleArn?: pulumi.Input<string>;
    /** The add-on's configuration values, JSON its configuration schema accepts. @default - the add-on's defaults */
    readonly configurationValues?: string;
    readonly tags: Record<string, pulumi.Input<string>>;
}

/**
 * The VPC CNI's configuration: network policy enforcement on, so the namespace's NetworkPolicies
 * (components/network-policy.ts) are enforced rather than ignored. The key and its string value are
 * the EKS user guide's (awsdocs/amazon-eks-user-guide latest/ug/networking/eks-networking-add-ons.adoc
 * at 4d52b4d0, "Step 4: Configure your cluster to use Kubernetes network policies", Amazon EKS add-on:
 * `{ "enableNetworkPolicy": "true" }`), the aws-vpc-cni chart's value of that name, which turns on
 * the `amazon-vpc-cni` ConfigMap's `enable-network-policy-controller` (aws/amazon-vpc-cni-k8s
 * charts/aws-vpc-cni/templates/configmap.yaml at 224bcaab), the guide's self-managed switch. A
 * string there too: the chart's values.yaml declares `enableNetworkPolicy: "false"` (line 126 at
 * b5218838, v1.23.1) and quotes it into the ConfigMap. The add-on's configuration schema itself
 * (DescribeAddonConfiguration) cannot be read offline; where users quote it, its switches are
 * strings of format boolean, not JSON booleans (aws/amazon-vpc-cni-k8s#3059, the `env` entries of
 * v1.18.6-eksbuild.1's schema). Standard mode (the default `NETWORK_POLICY_ENFORCING_MODE`):
 * a new pod is open until its policies are programmed, moments after it starts; strict mode would
 * deny every pod of the cluster, CoreDNS and the platform's controllers included, until a policy
 * admits its traffic (same page, "Step 1"), which is the cluster owner's decision, not this stack's.
 */
export const VPC_CNI_NETWORK_POLICY = JSON.stringify({ enableNetworkPolicy: "true" });

/**
 * The EBS CSI driver's configuration: its controller's pods let the Cluster Autoscaler remove their
 * node. The controller mounts an emptyDir, `socket-dir` (its CSI socket; the driver's chart
 * templates/controller/deployment.yaml, kubernetes-sigs/aws-ebs-csi-driver at 4e4928da), and the
 * autoscaler never scales down a node under a pod with an emptyDir that the pod does not name in
 * `safe-to-evict-local-volumes` (skip-nodes-with-local-storage defaults to true:
 * vendor/cluster-autoscaler/flags-1.36.1.go): after a scale-up, the node that caught a controller pod
 * would stay, and cost, for good (kubernetes-sigs/aws-ebs-csi-driver#1589). The add-on takes
 * `controller.podAnnotations` since v1.19.0-eksbuild.1 (same thread), "Annotations applied to the
 * controller pod" in its configuration schema (as quoted in aws/containers-roadmap#2582); the socket
 * is recreated by the pod that replaces this one, and the controller's PodDisruptionBudget still
 * bounds the eviction. CoreDNS is left alone: its add-on's schema had no pod annotations
 * (aws-ia/terraform-aws-eks-blueprints-addons#238) and no source here shows it mounting an emptyDir.
 */
export const EBS_CSI_CONFIGURATION = JSON.stringify({ controller: { podAnnotations: { [AUTOSCALER_ANNOTATIONS.safeToEvictLocalVolumes]: "socket-dir" } } });

/** One managed add-on, adopting what EKS itself installed on a new cluster. */
export function eksAddonArgs(p: EksAddonParts): aws.eks.AddonArgs {
    return {
        clusterName: p.clusterName,
        addonName: p.addonName,
        addonVersion: p.addonVersion,
        // EKS installs vpc-cni, coredns and kube-proxy itself on a new cluster: adopt them.
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        ...(p.serviceAccountRoleArn !== undefined ? { serviceAccountRoleArn: p.serviceAccountRoleArn } : {}),
        ...(p.configurationValues !== undefined ? { configurationValues: p.configurationValues } : {}),
        tags: p.tags,
    };
}

/**
 * The version to ask for: the pin when a source gave it exactly, else the one EKS itself names the
 * default for this Kubernetes version (DescribeAddonVersions), which a preview shows.
 */
export function addonVersion(parent: pulumi.Resource, kubernetesVersion: string, addonName: EksAddonName): pulumi.Input<string> {
    const version = isVerifiedAddonPin(kubernetesVersion, addonName)
        ? pulumi.output(addonVersions(kubernetesVersion, parent)[addonName])
        : aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion }, { parent }).version;
    if (addonName !== "vpc-cni") return version;
    // Checked once known: a resolved default too old to enforce the namespace's NetworkPolicies fails the preview.
    return version.apply((v) => {
        const problem = vpcCniNetworkPolicyProblem(v);
        if (problem !== undefined) throw new pulumi.ResourceError(problem, parent);
        return v;
    });
}
