import { afterAll, describe, expect, it } from "vitest";
import { accessPolicyAssociation, buildKubeconfig, controlPlaneLogGroupName, eksClusterArgs, kubeconfigServer, namespaceLabels, NODE_POLICIES, nodeGroupArgs, nodeGroupChildName, nodeGroupUpdateTimeout, nodeLaunchTemplateArgs, VPC_CNI_SERVICE_ACCOUNT } from "../components/cluster";
import { isVerifiedAddonPin } from "../components/eks-addon";
import { ADDON_SERVICE_ACCOUNTS } from "../policies/deployability";
import { EKS_ADDON_VERSIONS } from "../lib/versions";
import { CONNECTION_SECRET_KEYS, CONNECTION_TLS_KEYS } from "../components/database";
import { parseConfig } from "../config";
import { alertContext } from "../observability/alerts";
import { planChanges } from "../plan/changes";
import { summarize, subnetZones, type SummaryContext } from "../plan/render";
import { SECRET_PLACEHOLDER } from "../plan/stack-config";
import { govCloudSets, input, named, ofType, planStack, type Plan } from "./support/plan";
import { stagingConfig, tempProject } from "./support/project";
import { EXISTING_NETWORK } from "./support/config";
import { evaluatePlan } from "../policies/evaluate";
import { packConfigPath } from "../policies/config";

const K8S_PROVIDER = "pulumi:providers:kubernetes";

function urnOfName(plan: Plan, name: string): string {
    return named(plan, name).urn;
}

describe("EKS cluster, staging", () => {
    it("creates the control plane with private and restricted public endpoint, all logs and KMS envelope encryption", async () => {
        const plan = await planStack("staging");
        const eks = named(plan, "launchpad-staging-cluster-eks");
        const key = named(plan, "launchpad-staging-cluster-secrets-key");
        expect(eks.inputs).toEqual({
            name: "launchpad-staging",
            version: "1.36",
            roleArn: named(plan, "launchpad-staging-cluster-cluster-role").state.arn,
            vpcConfig: {
                subnetIds: plan.outputs.privateSubnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            },
            enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            encryptionConfig: { provider: { keyArn: key.state.arn }, resources: ["secrets"] },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: false,
            tags: {
                project: "launchpad",
                environment: "staging",
                "managed-by": "pulumi",
                "cost-center": "platform",
                owner: "team-platform",
                Name: "launchpad-staging-cluster-eks",
            },
        });
        expect(eks.dependsOn).toEqual([
            urnOfName(plan, "launchpad-staging-cluster-control-plane-logs"),
            urnOfName(plan, "launchpad-staging-cluster-cluster-policy"),
        ]);
    });

    it("pre-creates the control-plane log group EKS writes to, with the tier's retention", async () => {
        const plan = await planStack("staging");
        const group = named(plan, "launchpad-staging-cluster-control-plane-logs");
        expect(input(group, "name")).toBe(controlPlaneLogGroupName("launchpad-staging"));
        expect(input(group, "name")).toBe("/aws/eks/launchpad-staging/cluster");
        expect(input(group, "retentionInDays")).toBe(30);
    });

    it("rotates the secrets key and keeps staging destroyable", async () => {
        const plan = await planStack("staging");
        const key = named(plan, "launchpad-staging-cluster-secrets-key");
        expect(input(key, "enableKeyRotation")).toBe(true);
        expect(input(key, "deletionWindowInDays")).toBe(7);
        expect(key.protect).toBe(false);
    });

    it("runs one managed node group per zone, each in its zone's private subnet with half the configured totals, IMDSv2 only (autoscaler cloudprovider/aws/README.md: an ASG per AZ for EBS volumes)", async () => {
        const plan = await planStack("staging");
        const groups = ofType(plan, "aws:eks/nodeGroup:NodeGroup");
        expect(groups.map((g) => g.name)).toEqual(["launchpad-staging-cluster-nodes", "launchpad-staging-cluster-nodes-1"]);
        const subnets = plan.outputs.privateSubnetIds as string[];
        expect(subnets).toHaveLength(2);
        groups.forEach((nodes, zone) => {
            expect(input(nodes, "subnetIds")).toEqual([subnets[zone]]);
            // Totals 2/2/4 (Pulumi.staging.yaml) over 2 zones.
            expect(input(nodes, "scalingConfig")).toEqual({ minSize: 1, desiredSize: 1, maxSize: 2 });
            expect(input(nodes, "instanceTypes")).toEqual(["t3.large"]);
            expect(input(nodes, "capacityType")).toBe("ON_DEMAND");
            expect(input(nodes, "amiType")).toBe("AL2023_x86_64_STANDARD");
            expect(input(nodes, "clusterName")).toBe("launchpad-staging");
            expect(input(nodes, "tags.Name")).toBe(nodes.name);
            // Up to 2 nodes a zone: 2 x 16 + 2 x 15 + 15 minutes (nodeGroupUpdateTimeout).
            expect(nodes.options).toEqual({ ignoreChanges: ["scalingConfig.desiredSize"], customTimeouts: { update: "77m" } });
            expect(nodes.dependsOn).toEqual([
                urnOfName(plan, "launchpad-staging-cluster-node-AmazonEKSWorkerNodePolicy"),
                urnOfName(plan, "launchpad-staging-cluster-node-AmazonEC2ContainerRegistryPullOnly"),
                urnOfName(plan, "launchpad-staging-cluster-vpc-cni"),
                // Zone 1 after zone 0: one zone's nodes roll at a time ("node groups per zone", below).
                ...groups.slice(0, zone).slice(-1).map((g) => g.urn),
            ]);
        });
        const template = named(plan, "launchpad-staging-cluster-node-template");
        expect(input(template, "metadataOptions")).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(input(template, "blockDeviceMappings")).toEqual([
            { deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ]);
    });

    it("registers the cluster's OIDC issuer for IAM roles for service accounts", async () => {
        const plan = await planStack("staging");
        const oidc = named(plan, "launchpad-staging-cluster-oidc");
        const eks = named(plan, "launchpad-staging-cluster-eks");
        const issuer = (eks.state.identities as { oidcs: { issuer: string }[] }[])[0].oidcs[0].issuer;
        expect(issuer).toMatch(/^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
        expect(input(oidc, "url")).toBe(issuer);
        expect(input(oidc, "clientIdLists")).toEqual(["sts.amazonaws.com"]);
        expect(plan.outputs.oidcProviderArn).toBe(oidc.state.arn);
    });

    it("creates the stack's namespace with Pod Security 'restricted' enforced", async () => {
        const plan = await planStack("staging");
        const ns = ofType(plan, "kubernetes:core/v1:Namespace");
        expect(ns.map((n) => input(n, "metadata"))).toEqual([{ name: "launchpad-staging", labels: namespaceLabels("launchpad-staging", true) }]);
        expect(namespaceLabels("launchpad-staging")["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        // The load balancer controller's webhook adds a target-health readiness gate to pods created here.
        expect(namespaceLabels("launchpad-staging", true)["elbv2.k8s.aws/pod-readiness-gate-inject"]).toBe("enabled");
        expect(namespaceLabels("launchpad-staging")).not.toHaveProperty("elbv2.k8s.aws/pod-readiness-gate-inject");
        expect(plan.outputs.namespace).toBe("launchpad-staging");
    });
});

/**
 * The VPC CNI through IRSA, as the EKS user guide recommends (awsdocs/amazon-eks-user-guide,
 * latest/ug/networking/eks-networking-add-ons.adoc, "Configure Amazon VPC CNI plugin to use IRSA":
 * a role for kube-system:aws-node with AmazonEKS_CNI_Policy; Step 3, remove that policy from the node
 * role), created before the nodes as pulumi-eks does (nodes/nodegroup.ts: the node group depends on
 * `core.vpcCni`; the add-on's create waits for ACTIVE, terraform-provider-aws waitAddonCreated).
 */
describe.each([
    { stack: "staging", minor: "1.36" },
    { stack: "production", minor: "1.35" },
] as const)("the VPC CNI through IRSA, $stack", ({ stack, minor }) => {
    const name = `launchpad-${stack}-cluster`;
    const plan = planStack(stack);
    const tags = (child: string) => ({ project: "launchpad", environment: stack, "managed-by": "pulumi", "cost-center": "platform", owner: "team-platform", Name: child });

    it("gives aws-node its own role: AmazonEKS_CNI_Policy, trusted by exactly kube-system:aws-node through the cluster's OIDC provider", async () => {
        const p = await plan;
        const oidc = named(p, `${name}-oidc`);
        const issuer = String(input(oidc, "url")).replace(/^https:\/\//, "");
        const role = named(p, `${name}-vpc-cni-role`);
        expect(Object.keys(role.inputs).sort()).toEqual(["assumeRolePolicy", "tags"]);
        expect(JSON.parse(String(input(role, "assumeRolePolicy")))).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: oidc.state.arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:kube-system:aws-node", [`${issuer}:aud`]: "sts.amazonaws.com" } },
            }],
        });
        expect(VPC_CNI_SERVICE_ACCOUNT).toEqual({ namespace: "kube-system", name: "aws-node" });
        // The self-contained policy pack keeps its own copy: the preflight checks this trust against it.
        expect(ADDON_SERVICE_ACCOUNTS["vpc-cni"]).toEqual(VPC_CNI_SERVICE_ACCOUNT);
        expect(input(role, "tags")).toEqual(tags(`${name}-vpc-cni-role`));
        const grants = p.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && input(r, "role") === role.state.name);
        expect(grants.map((g) => [g.name, g.inputs])).toEqual([
            [`${name}-vpc-cni-policy-0`, { role: role.state.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }],
        ]);
        expect(p.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && input(r, "role") === role.state.id)).toEqual([]);
    });

    it("hands the role to the vpc-cni add-on, pinned for the cluster's version, once the role's policy is attached", async () => {
        const p = await plan;
        const addon = named(p, `${name}-vpc-cni`);
        expect(addon.parent).toBe(named(p, name).urn);
        expect(addon.inputs).toEqual({
            clusterName: `launchpad-${stack}`,
            addonName: "vpc-cni",
            // No vpc-cni pin could be read from AWS for 1.36 or re-read for 1.35 (lib/versions.ts EKS_ADDON_UNVERIFIED): EKS's default, mocked offline.
            addonVersion: isVerifiedAddonPin(minor, "vpc-cni") ? EKS_ADDON_VERSIONS[minor]["vpc-cni"] : `eks-default-for-${minor}`,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            serviceAccountRoleArn: named(p, `${name}-vpc-cni-role`).state.arn,
            // Network policy on: the namespace's NetworkPolicies are enforced (components/eks-addon.ts VPC_CNI_NETWORK_POLICY).
            configurationValues: '{"enableNetworkPolicy":"true"}',
            tags: tags(`${name}-vpc-cni`),
        });
        expect(input(addon, "addonVersion")).toBe(stack === "production" ? "eks-default-for-1.35" : "eks-default-for-1.36");
        expect(addon.dependsOn).toEqual([urnOfName(p, `${name}-vpc-cni-policy-0`)]);
        // It takes the cluster's name from the cluster: created once the control plane is.
        expect(addon.dependencies).toContain(urnOfName(p, `${name}-eks`));
    });

    it("creates the add-on before the node groups, and every zone's group after it; the node role has no CNI policy", async () => {
        const p = await plan;
        const groups = ofType(p, "aws:eks/nodeGroup:NodeGroup");
        const addon = named(p, `${name}-vpc-cni`);
        expect(groups.length).toBeGreaterThanOrEqual(2);
        for (const nodes of groups) {
            expect(nodes.dependsOn).toContain(addon.urn);
        }
        // Nothing the add-on waits for, however indirectly, is the node group.
        const seen = new Set<string>();
        const walk = (urn: string): void => {
            if (seen.has(urn)) return;
            seen.add(urn);
            for (const d of p.resources.find((r) => r.urn === urn)?.dependencies ?? []) walk(d);
        };
        walk(addon.urn);
        expect(groups.filter((nodes) => seen.has(nodes.urn))).toEqual([]);
        expect(seen.has(urnOfName(p, `${name}-vpc-cni-role`))).toBe(true);
        const nodeRole = named(p, `${name}-node-role`);
        const nodeGrants = p.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && input(r, "role") === nodeRole.state.name);
        expect(nodeGrants.map((g) => input(g, "policyArn"))).toEqual([
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        ]);
        expect(NODE_POLICIES).not.toContain("AmazonEKS_CNI_Policy");
        expect(p.resources.filter((r) => input(r, "policyArn") === "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy").map((r) => r.name)).toEqual([`${name}-vpc-cni-policy-0`]);
    });
});

describe("EKS cluster, production", () => {
    it("turns on protect, deletion protection and long retention from the tier alone", async () => {
        const plan = await planStack("production");
        expect(named(plan, "launchpad-production-cluster-secrets-key").protect).toBe(true);
        expect(input(named(plan, "launchpad-production-cluster-secrets-key"), "deletionWindowInDays")).toBe(30);
        expect(input(named(plan, "launchpad-production-cluster-eks"), "deletionProtection")).toBe(true);
        expect(input(named(plan, "launchpad-production-cluster-control-plane-logs"), "retentionInDays")).toBe(365);
        const clusterUrn = named(plan, "launchpad-production-cluster").urn;
        // The cluster too: its replacement would first delete every node group and Kubernetes object (plan/changes.ts dependentReplacements).
        expect(plan.resources.filter((r) => r.protect && r.parent === clusterUrn).map((r) => r.name).sort()).toEqual(["launchpad-production-cluster-eks", "launchpad-production-cluster-secrets-key"]);
        expect(named(await planStack("staging"), "launchpad-staging-cluster-eks").protect).toBe(false);
    });

    it("splits the production stack's node totals over its three zones' groups", async () => {
        const plan = await planStack("production");
        const groups = ofType(plan, "aws:eks/nodeGroup:NodeGroup");
        expect(groups.map((g) => g.name)).toEqual(["launchpad-production-cluster-nodes", "launchpad-production-cluster-nodes-1", "launchpad-production-cluster-nodes-2"]);
        expect(groups.map((g) => input(g, "subnetIds"))).toEqual((plan.outputs.privateSubnetIds as string[]).map((id) => [id]));
        for (const nodes of groups) {
            // Totals 3/3/12 (Pulumi.production.yaml) over 3 zones: a node in every zone at least.
            expect(input(nodes, "scalingConfig")).toEqual({ minSize: 1, desiredSize: 1, maxSize: 4 });
            expect(input(nodes, "instanceTypes")).toEqual(["m6i.xlarge", "m6a.xlarge"]);
        }
        expect(input(named(plan, "launchpad-production-cluster-node-template"), "blockDeviceMappings.0.ebs.volumeSize")).toBe(100);
    });

    it("picks the Graviton AMI when every instance type is Graviton", async () => {
        const plan = await planStack("staging", ["launchpad:nodeGroup.instanceTypes=[m7g.large, m6g.large]"]);
        expect(ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((g) => input(g, "amiType"))).toEqual(["AL2023_ARM_64_STANDARD", "AL2023_ARM_64_STANDARD"]);
    });

    it("gives the zones' groups the same inputs but subnet and Name, so the autoscaler balances them (autoscaler FAQ.md: a custom label opts a group out; aws-eks-best-practices cluster-autoscaler.adoc \"EBS Volumes\": identical except AZ)", async () => {
        const plan = await planStack("production");
        const [first, ...others] = ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((g) => ({ ...g.inputs, subnetIds: undefined, tags: { ...(g.inputs.tags as Record<string, unknown>), Name: undefined } }));
        expect(others).toHaveLength(2);
        for (const other of others) {
            expect(other).toEqual(first);
        }
        expect(first).not.toHaveProperty("labels");
    });

    it("makes the API endpoint private when the stack says so, and then admits no CIDR", async () => {
        const plan = await planStack("staging", ["launchpad:cluster.endpointAccess=private", "launchpad:cluster.endpointPublicAccessCidrs=[]"]);
        expect(input(named(plan, "launchpad-staging-cluster-eks"), "vpcConfig")).toEqual({
            subnetIds: plan.outputs.privateSubnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: false,
        });
    });
});

describe("cluster access as config (EKS access entries)", () => {
    it("gives each listed role an access entry and an access policy of its level, the creator nothing implicit", async () => {
        const plan = await planStack("staging");
        const entries = ofType(plan, "aws:eks/accessEntry:AccessEntry").filter((r) => r.name.startsWith("launchpad-staging-cluster-"));
        expect(entries.map((e) => [e.name, input(e, "principalArn"), input(e, "type"), input(e, "clusterName")])).toEqual([
            ["launchpad-staging-cluster-access-launchpad-staging-deploy", "arn:aws:iam::111122223333:role/launchpad-staging-deploy", "STANDARD", "launchpad-staging"],
            ["launchpad-staging-cluster-access-launchpad-staging-preview", "arn:aws:iam::111122223333:role/launchpad-staging-preview", "STANDARD", "launchpad-staging"],
        ]);
        const policies = ofType(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
        expect(policies.map((p) => [p.name, input(p, "principalArn"), input(p, "policyArn"), input(p, "accessScope")])).toEqual([
            ["launchpad-staging-cluster-access-launchpad-staging-deploy-policy", "arn:aws:iam::111122223333:role/launchpad-staging-deploy", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", { type: "cluster" }],
            ["launchpad-staging-cluster-access-launchpad-staging-preview-policy", "arn:aws:iam::111122223333:role/launchpad-staging-preview", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", { type: "cluster" }],
        ]);
    });

    it("maps levels and namespaces to the EKS access policies (docs: access-policy-permissions)", () => {
        const arn = "arn:aws:iam::111122223333:role/r";
        expect(accessPolicyAssociation({ principalArn: arn, access: "admin", namespaces: undefined })).toEqual({ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } });
        expect(accessPolicyAssociation({ principalArn: arn, access: "admin", namespaces: ["a"] })).toEqual({ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy", accessScope: { type: "namespace", namespaces: ["a"] } });
        expect(accessPolicyAssociation({ principalArn: arn, access: "edit", namespaces: ["a", "b"] })).toEqual({ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", accessScope: { type: "namespace", namespaces: ["a", "b"] } });
        expect(accessPolicyAssociation({ principalArn: arn, access: "view", namespaces: undefined })).toEqual({ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "cluster" } });
    });

    it("makes the Kubernetes provider wait for the nodes and every access policy", async () => {
        const plan = await planStack("staging");
        const provider = named(plan, "launchpad-staging-cluster-k8s");
        expect(provider.dependsOn).toEqual([
            urnOfName(plan, "launchpad-staging-cluster-nodes"),
            urnOfName(plan, "launchpad-staging-cluster-nodes-1"),
            urnOfName(plan, "launchpad-staging-cluster-access-launchpad-staging-deploy-policy"),
            urnOfName(plan, "launchpad-staging-cluster-access-launchpad-staging-preview-policy"),
        ]);
    });
});

describe("a stack in another partition", () => {
    // config/region.ts accepts the AWS GovCloud (US) regions; IAM and EKS name their managed policies in
    // the partition's ARNs (the EKS user guide's `{arn-aws}`, latest/ug/attributes.txt `region.arn`).
    it("names the cluster's and nodes' managed policies and the access policies in that partition", async () => {
        const plan = await planStack("staging", govCloudSets("staging"));
        const cluster = plan.resources.filter((r) => r.name.startsWith("launchpad-staging-cluster-"));
        const arns = cluster.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" || r.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r) => String(input(r, "policyArn")));
        expect(arns.sort()).toEqual([
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            "arn:aws-us-gov:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws-us-gov:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws-us-gov:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]);
        // The flow logs' role takes the partition of the provider's region too (config/region.ts awsPartition).
        const trust = JSON.parse(String(input(named(plan, "launchpad-staging-network-flow-logs-role"), "assumeRolePolicy"))) as { Statement: { Condition: { ArnLike: Record<string, string> } }[] };
        expect(trust.Statement[0].Condition.ArnLike["aws:SourceArn"]).toBe("arn:aws-us-gov:ec2:us-gov-west-1:123456789012:vpc-flow-log/*");
    });
});

describe("a zone added to the network", () => {
    // EKS takes new cluster subnets only in the zones the cluster was created in (network-reqs.adoc:
    // "All subnets that you add must be in the same set of AZs as originally provided"), and nodes may
    // run in subnets the cluster does not list (same page, node-subnet-reqs).
    it("leaves the cluster's subnets as created and adds the zone's node group", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:network.azCount=3", "launchpad:nodeGroup={minSize: 3, maxSize: 6}"]);
        expect(input(named(after, "launchpad-staging-cluster-eks"), "vpcConfig.subnetIds")).toHaveLength(3);
        const changes = planChanges(before, after);
        expect(changes.filter((c) => c.name === "launchpad-staging-cluster-eks")).toEqual([]);
        expect(changes.filter((c) => c.type === "aws:eks/nodeGroup:NodeGroup").map((c) => [c.name, c.kind])).toEqual([["launchpad-staging-cluster-nodes-2", "create"]]);
    });
});

describe("a change of a principal's access scope keeps its access", () => {
    // One principal holds one association per policy: AssociateAccessPolicy on a pair already held
    // changes its scope (grant-k8s-access.adoc: "run the previous command again with the new scope"),
    // and the old resource's delete is DisassociateAccessPolicy by cluster, principal and policy
    // (terraform-provider-aws internal/service/eks/access_policy_association.go, resourceAccessPolicyAssociationDelete).
    // Created first, the new association would be removed by the old one's delete.
    const preview = "launchpad-staging-cluster-access-launchpad-staging-preview-policy";
    const access = (previewScope: string): string =>
        `launchpad:cluster.access=[{principalArn: "arn:aws:iam::111122223333:role/launchpad-staging-deploy", access: admin}, {principalArn: "arn:aws:iam::111122223333:role/launchpad-staging-preview", access: view${previewScope}}]`;

    it.each([
        ["cluster-wide to one namespace", "", ", namespaces: [launchpad-staging]"],
        ["a namespace added", ", namespaces: [launchpad-staging]", ", namespaces: [launchpad-staging, tools]"],
    ])("%s: the association is replaced delete-first, its policy unchanged, and nothing else moves", async (_what, was, is) => {
        const before = await planStack("staging", [access(was)]);
        const after = await planStack("staging", [access(is)]);
        expect(input(named(after, preview), "policyArn")).toBe(input(named(before, preview), "policyArn"));
        const changes = planChanges(before, after);
        expect(changes.map((c) => [c.name, c.kind, c.order])).toEqual([[preview, "replace", "delete-first"]]);
        expect(changes[0].replacedBy.every((p) => p.startsWith("accessScope"))).toBe(true);
    });
});

describe("the Kubernetes provider", () => {
    it("is identified by the cluster's ARN, and changed node group inputs or a third zone's group leave its inputs as they are (that its kubeconfig holds nothing of the node groups is the next test's)", async () => {
        const plan = await planStack("staging");
        const provider = named(plan, "launchpad-staging-cluster-k8s");
        // pulumi-kubernetes replaces a Provider (and every object it manages) only when clusterIdentifier changes (provider.d.ts).
        expect(input(provider, "clusterIdentifier")).toBe(named(plan, "launchpad-staging-cluster-eks").state.arn);
        const other = await planStack("staging", ["launchpad:nodeGroup.instanceTypes=[m6i.large]"]);
        expect(named(other, "launchpad-staging-cluster-nodes").inputs).not.toEqual(named(plan, "launchpad-staging-cluster-nodes").inputs);
        expect(named(other, "launchpad-staging-cluster-nodes-1").inputs).not.toEqual(named(plan, "launchpad-staging-cluster-nodes-1").inputs);
        expect(named(other, "launchpad-staging-cluster-k8s").inputs).toEqual(provider.inputs);
        // A third zone adds a node group, and the Provider (so every Kubernetes object) stays as it is.
        const threeZones = await planStack("staging", ["launchpad:network.azCount=3", "launchpad:nodeGroup={minSize: 3, maxSize: 6}"]);
        expect(ofType(threeZones, "aws:eks/nodeGroup:NodeGroup").map((g) => g.name)).toEqual(["launchpad-staging-cluster-nodes", "launchpad-staging-cluster-nodes-1", "launchpad-staging-cluster-nodes-2"]);
        expect(named(threeZones, "launchpad-staging-cluster-k8s").inputs).toEqual(provider.inputs);
    });

    it("takes no input, nor does any Kubernetes object, from a node group, directly or through another resource's outputs", async () => {
        // The offline plan gives a node group the same id whatever its inputs, so comparing two plans'
        // inputs cannot show what a real replacement does: a new group (auto-named) has a new id and
        // ARN, unknown in the preview, and every input computed from them changes with it. What the
        // plan can show is that no Kubernetes object and not the Provider has such an input: no node
        // group is among the resources its inputs are computed from (propertyDependencies), followed
        // through those resources' own inputs. Explicit dependsOn (the Provider and the charts wait
        // for the nodes) orders, but never changes or replaces anything.
        const plan = await planStack("staging");
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        const groups = new Set(ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((g) => g.urn));
        expect(groups.size).toBe(2);
        const fromInputs = (urn: string): Set<string> => {
            const seen = new Set<string>();
            const stack = Object.values(byUrn.get(urn)?.propertyDependencies ?? {}).flat();
            while (stack.length > 0) {
                const u = stack.pop() as string;
                if (seen.has(u)) continue;
                seen.add(u);
                stack.push(...Object.values(byUrn.get(u)?.propertyDependencies ?? {}).flat());
            }
            return seen;
        };
        const kubernetes = plan.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes");
        expect(kubernetes.map((r) => r.type)).toEqual(expect.arrayContaining(["pulumi:providers:kubernetes", "kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release", "kubernetes:apps/v1:Deployment", "kubernetes:networking.k8s.io/v1:Ingress"]));
        expect(kubernetes.filter((r) => [...fromInputs(r.urn)].some((u) => groups.has(u))).map((r) => r.name)).toEqual([]);
        // The walk does reach the cluster through the Provider's kubeconfig: it follows inputs, not only names.
        expect(fromInputs(named(plan, "launchpad-staging-cluster-k8s").urn)).toContain(named(plan, "launchpad-staging-cluster-eks").urn);
    });

    it("identifies an existing cluster by its API server URL", () => {
        const kubeconfig = "apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: https://a.example}\n- name: b\n  cluster: {server: https://b.example}\ncontexts:\n- name: ctx\n  context: {cluster: b, user: u}\ncurrent-context: ctx\n";
        expect(kubeconfigServer(kubeconfig)).toBe("https://b.example");
    });

    for (const stack of ["staging", "production"]) {
        it(`is the one used by every Kubernetes resource (${stack}), and its kubeconfig is secret`, async () => {
            const plan = await planStack(stack);
            const providers = ofType(plan, K8S_PROVIDER);
            expect(providers.map((p) => p.name)).toEqual([`launchpad-${stack}-cluster-k8s`]);
            const k8sResources = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
            expect(k8sResources.length).toBeGreaterThan(0);
            expect(k8sResources.map((r) => r.provider)).toEqual(k8sResources.map(() => providers[0].urn));
            expect(input(providers[0], "kubeconfig")).toBe("[secret]");
            expect(plan.outputs.kubeconfig).toBe("[secret]");
        });
    }

    it("builds a kubeconfig that authenticates with aws eks get-token", () => {
        expect(buildKubeconfig({ clusterName: "c1", endpoint: "https://x.example", certificateAuthority: "Q0E=", region: "eu-west-1" })).toEqual({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "aws-c1", cluster: { server: "https://x.example", "certificate-authority-data": "Q0E=" } }],
            contexts: [{ name: "aws-c1", context: { cluster: "aws-c1", user: "aws-c1" } }],
            "current-context": "aws-c1",
            users: [{
                name: "aws-c1",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", "c1", "--region", "eu-west-1", "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            }],
        });
    });
});

describe("an existing cluster from launchpad:cluster.kubeconfig", () => {
    const project = tempProject("platform", stagingConfig({
        "launchpad:cluster": { kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" }, namespace: "shop-api" },
    }));
    afterAll(() => project.dispose());
    const plan = planStack("platform", [], { root: project.root });

    it("creates no EKS resources and no network", async () => {
        const p = await plan;
        expect(p.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
        const delivery = named(p, "launchpad-platform-web").urn;
        expect(p.resources.filter((r) => r.parent !== delivery).map((r) => r.type)).toEqual([
            "pulumi:pulumi:Stack",
            "launchpad:environment:Environment",
            // The stack's release history, read back from its own previous outputs.
            "pulumi:pulumi:StackReference",
            "pulumi:providers:aws",
            // Observability on a cluster Launchpad does not own: no AMP (no EKS to scrape), the two
            // exporters for the team's Prometheus, and no Grafana (this stack sets no grafana:url).
            "launchpad:observability:Observability",
            "launchpad:delivery:BlueGreenService",
            // Registered once its props (what the cluster provides) resolve; no Platform here.
            "launchpad:cluster:Cluster",
            K8S_PROVIDER,
            "kubernetes:core/v1:Namespace",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:helm.sh/v3:Release",
        ]);
        // The service still ships blue/green, without database settings: there is no database here.
        expect(p.resources.filter((r) => r.parent === delivery)).toHaveLength(12);
        const env = input(named(p, "launchpad-platform-web-blue"), "spec.template.spec.containers") as { env: unknown[] }[];
        expect(env[0].env).toEqual([]);
    });

    it("says plainly that it has no data layer, and declares that the cluster provides nothing", async () => {
        const p = await plan;
        expect(p.log).toEqual(["warning: no data layer: an existing cluster (launchpad:cluster.kubeconfig) without launchpad:network.existing gets no database, no backups and no restore drills"]);
        expect(input(named(p, "launchpad-platform-cluster"), "provides")).toEqual({ ingressClasses: [], storageClasses: [], defaultStorageClass: false, metricsApi: false, containerMetrics: false });
    });

    it("points the Provider at the secret kubeconfig and never shows it", async () => {
        const p = await plan;
        const provider = ofType(p, K8S_PROVIDER)[0];
        expect(input(provider, "kubeconfig")).toBe("[secret]");
        expect(input(ofType(p, "kubernetes:core/v1:Namespace")[0], "metadata.name")).toBe("shop-api");
        expect(ofType(p, "kubernetes:core/v1:Namespace")[0].provider).toBe(provider.urn);
        expect(p.outputs).toEqual({
            tier: "staging",
            region: "us-east-1",
            drRegion: "us-west-2",
            namespace: "shop-api",
            kubeconfig: "[secret]",
            // No data layer: the identity is the namespace alone (components/identity-record.ts).
            identity: { namespace: "shop-api" },
            pushgatewayUrl: "http://pushgateway.shop-api.svc.cluster.local:9091",
            // A first update: no previous outputs, so the history holds the live release alone.
            releaseHistory: { web: [{ color: "blue", image: "ghcr.io/launchpad-test/web:1.0.0", releaseId: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown, envHash: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown, pod: expect.any(Object) as unknown, time: "2026-12-02T00:00:00.000Z" }] },
            liveServices: { web: { service: "web", color: "blue" } },
            // No release migrates: an empty record, never undefined (commit eb493e5, components/migrations.ts).
            schemaVersions: {},
            verifiedReleases: { web: [
                { color: "blue", image: "ghcr.io/launchpad-test/web:1.0.0", releaseId: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown },
                { color: "green", image: "ghcr.io/launchpad-test/web:1.0.1", releaseId: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown },
            ] },
        });
        expect(JSON.stringify(p)).not.toContain(SECRET_PLACEHOLDER);
    });
});

describe("AWS provider", () => {
    it("is explicit, in the stack's region, and used by every AWS resource", async () => {
        const plan = await planStack("production");
        const providers = ofType(plan, "pulumi:providers:aws");
        expect(providers.map((p) => [p.name, input(p, "region")])).toEqual([["launchpad-production-aws", "us-east-1"]]);
        const awsResources = plan.resources.filter((r) => r.type.startsWith("aws:"));
        // The DR drill's children (components/backup-plan.ts) use the same provider, their own `region` naming the DR region.
        expect(awsResources).toHaveLength(144);
        expect(new Set(awsResources.map((r) => r.provider))).toEqual(new Set([providers[0].urn]));
    });
});

describe("an existing cluster with launchpad:network.existing: a real data layer", () => {
    const existing = EXISTING_NETWORK;
    const project = tempProject("shared", stagingConfig({
        "launchpad:cluster": {
            kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" },
            namespace: "shop-api",
            provides: { ingressClasses: ["nginx"], defaultStorageClass: true, metricsApi: true },
        },
        "launchpad:network": { existing },
    }));
    afterAll(() => project.dispose());
    const plan = planStack("shared", [], { root: project.root });

    it("puts the database in the declared VPC and subnets, open to the nodes' security group", async () => {
        const p = await plan;
        expect(p.log).toEqual([]);
        // No VPC in the stack's region: the only one is the DR restore drill's, in the DR region.
        expect(ofType(p, "aws:ec2/vpc:Vpc").map((v) => [v.name, input(v, "region")])).toEqual([["launchpad-shared-backup-plan-dr-drill-vpc", "us-west-2"]]);
        expect(ofType(p, "aws:eks/cluster:Cluster")).toEqual([]);
        expect(input(named(p, "launchpad-shared-database-subnets"), "subnetIds")).toEqual(existing.privateSubnetIds);
        expect(input(named(p, "launchpad-shared-database-sg"), "vpcId")).toBe(existing.vpcId);
        expect((input(named(p, "launchpad-shared-database-sg"), "ingress") as { securityGroups: string[] }[]).map((r) => r.securityGroups)).toEqual([[existing.nodeSecurityGroupId]]);
    });

    it("backs it up and drills restores like an EKS stack, the dump jobs assuming roles through the declared OIDC provider", async () => {
        const p = await plan;
        expect(p.outputs).toMatchObject({ databaseIdentifier: "launchpad-shared-db", backupVault: "launchpad-shared", restoreTestingPlan: "launchpad_shared_restore_drill" });
        const trust = JSON.parse(String(input(named(p, "launchpad-shared-logical-backup-dump-role"), "assumeRolePolicy"))) as { Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[] };
        expect(trust.Statement[0].Principal.Federated).toBe(existing.oidcProviderArn);
        expect(trust.Statement[0].Condition.StringEquals).toEqual({
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:shop-api:launchpad-shared-logical-backup-dump",
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
        });
    });

    it("connects the services to that database by default", async () => {
        const p = await plan;
        const env = (input(named(p, "launchpad-shared-web-blue"), "spec.template.spec.containers") as { env: { name: string }[] }[])[0].env.map((e) => e.name);
        expect(env.filter((n) => n.startsWith("DATABASE_"))).toEqual([...CONNECTION_SECRET_KEYS, ...CONNECTION_TLS_KEYS].map((k) => `DATABASE_${k.toUpperCase()}`));
    });

    it("gives the alerts their data-layer rules too (the database's identifier)", () => {
        const config = parseConfig({
            project: "launchpad",
            stack: "shared",
            values: stagingConfig({ "launchpad:cluster": { kubeconfig: "apiVersion: v1" }, "launchpad:network": { existing } }),
            secretKeys: new Set(["launchpad:cluster"]),
            offlinePlan: true,
        });
        expect(alertContext(config).data?.dbInstanceIdentifier).toBe("launchpad-shared-db");
    });

    it("records what the cluster was declared to provide, for the deployability preflight", async () => {
        const p = await plan;
        expect(input(named(p, "launchpad-shared-cluster"), "provides")).toEqual({ ingressClasses: ["nginx"], storageClasses: [], defaultStorageClass: true, metricsApi: true, containerMetrics: false });
    });

    // Issue 11 items 8 and 9: this stack's plan passes the pack like the committed ones. The
    // Provider's clusterIdentifier is the kubeconfig's API server (kubeconfigServer), so a secret as
    // the kubeconfig is (pulumi-kubernetes only compares it: provider/pkg/provider/provider.go
    // DiffConfig); the dump jobs' IRSA roles trust the declared OIDC provider, not one of the plan.
    it("passes every policy of the pack offline, the deployability preflight included (the staging tier's pack config)", async () => {
        expect(await evaluatePlan(await plan, packConfigPath("staging"))).toEqual([]);
    });
});

describe("EKS child specs (pure builders the constructor delegates to)", () => {
    const config = { version: "1.33", endpointAccess: "public", endpointPublicAccessCidrs: ["203.0.113.0/24"], logTypes: ["api", "audit"] } as const;
    const parts = { config, clusterName: "lp", roleArn: "arn:role", subnetIds: ["s-1", "s-2"], secretsKeyArn: "arn:key", deletionProtection: true, tags: { Name: "lp-eks" } };

    it("opens the public endpoint only to config's CIDRs, and not at all when private", () => {
        expect(eksClusterArgs(parts)).toEqual({
            name: "lp",
            version: "1.33",
            roleArn: "arn:role",
            vpcConfig: { subnetIds: ["s-1", "s-2"], endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
            enabledClusterLogTypes: ["api", "audit"],
            encryptionConfig: { provider: { keyArn: "arn:key" }, resources: ["secrets"] },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: true,
            tags: { Name: "lp-eks" },
        });
        expect(eksClusterArgs({ ...parts, config: { ...config, endpointAccess: "private" } }).vpcConfig).toEqual({
            subnetIds: ["s-1", "s-2"], endpointPrivateAccess: true, endpointPublicAccess: false, publicAccessCidrs: undefined,
        });
    });

    it("gives nodes an encrypted gp3 root volume and IMDSv2 with one hop", () => {
        expect(nodeLaunchTemplateArgs("lp", 50, { project: "p" }, "c")).toEqual({
            description: "Nodes of EKS cluster lp",
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            tagSpecifications: [
                { resourceType: "instance", tags: { project: "p", Name: "c-node" } },
                { resourceType: "volume", tags: { project: "p", Name: "c-node" } },
            ],
            tags: { project: "p", Name: "c-node-template" },
        });
    });

    it("sizes a zone's node group with its share of config's totals and rolls it one node at a time, new nodes first (EKS user guide managed-node-update-behavior.adoc: updateConfig's default of one node, the DEFAULT strategy creates before it terminates)", () => {
        const ng = { instanceTypes: ["m7g.large"], minSize: 6, desiredSize: 9, maxSize: 18, zones: 3, perZone: { minSize: 2, desiredSize: 3, maxSize: 6 }, diskSizeGb: 50, capacityType: "ON_DEMAND", amiType: "AL2023_ARM_64_STANDARD" } as const;
        expect(nodeGroupArgs(ng, { clusterName: "lp", version: "1.33", nodeRoleArn: "arn:node", subnetIds: ["s-1"], launchTemplateId: "lt-1", launchTemplateVersion: "4", tags: { Name: "lp-nodes" } })).toEqual({
            clusterName: "lp",
            version: "1.33",
            nodeRoleArn: "arn:node",
            subnetIds: ["s-1"],
            instanceTypes: ["m7g.large"],
            capacityType: "ON_DEMAND",
            amiType: "AL2023_ARM_64_STANDARD",
            scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
            updateConfig: { maxUnavailable: 1, updateStrategy: "DEFAULT" },
            nodeRepairConfig: { enabled: true },
            launchTemplate: { id: "lt-1", version: "4" },
            tags: { Name: "lp-nodes" },
        });
    });
});

describe("node groups per zone", () => {
    it("waits for a zone's update as long as EKS may take to decide it: 16 minutes per node of the zone's maxSize, 15 per surge node removed, 15 to launch (EKS user guide managed-node-update-behavior.adoc: 15 minutes of evictions then PodEvictionFailure, 60 s before termination; not terraform-provider-aws's 60-minute default)", async () => {
        expect(nodeGroupUpdateTimeout({ perZone: { minSize: 1, desiredSize: 1, maxSize: 4 } })).toBe("109m");
        expect(nodeGroupUpdateTimeout({ perZone: { minSize: 0, desiredSize: 0, maxSize: 1 } })).toBe("61m");
        const plan = await planStack("production");
        // Totals 3/3/12 over 3 zones (Pulumi.production.yaml): 4 nodes a zone at most.
        expect(ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((g) => g.options.customTimeouts)).toEqual([{ update: "109m" }, { update: "109m" }, { update: "109m" }]);
    });

    it("keeps the single group's child name for zone 0, so an existing stack's state entry carries over", () => {
        expect([0, 1, 2].map((zone) => nodeGroupChildName("c", zone))).toEqual(["c-nodes", "c-nodes-1", "c-nodes-2"]);
    });

    it("updates the zones' groups one after another, each after the previous zone's, so a version or launch template change drains one zone at a time (EKS user guide managed-node-update-behavior.adoc: a node's pods must leave within 15 minutes, PodEvictionFailure otherwise)", async () => {
        const plan = await planStack("production");
        const groups = ofType(plan, "aws:eks/nodeGroup:NodeGroup");
        expect(groups.map((g) => g.name)).toEqual(["launchpad-production-cluster-nodes", "launchpad-production-cluster-nodes-1", "launchpad-production-cluster-nodes-2"]);
        const groupUrns = new Set(groups.map((g) => g.urn));
        // Each group waits for exactly one other: the previous zone's (the engine runs a step only
        // after its dependencies' steps, so the updates, like the creates, go one zone after another).
        expect(groups.map((g) => g.dependsOn.filter((u) => groupUrns.has(u)))).toEqual([[], [groups[0].urn], [groups[1].urn]]);
        // What else they wait for is the same for every zone: the node role's grants and the CNI.
        const others = groups.map((g) => g.dependsOn.filter((u) => !groupUrns.has(u)));
        expect(others[1]).toEqual(others[0]);
        expect(others[2]).toEqual(others[0]);
        expect(others[0]).toContain(urnOfName(plan, "launchpad-production-cluster-vpc-cni"));
    });

    it("gives each zone's group that zone's private subnet alone: its subnetIds depend on that subnet only", async () => {
        const plan = await planStack("production");
        const subnets = [0, 1, 2].map((i) => named(plan, `launchpad-production-network-private-${i}`));
        expect(ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((g) => g.propertyDependencies.subnetIds)).toEqual(subnets.map((s) => [s.urn]));
    });

    it("shows each group's zone in the plan, read from its subnet; a subnet the plan does not create shows as ?", async () => {
        const plan = await planStack("production");
        const groups = ofType(plan, "aws:eks/nodeGroup:NodeGroup");
        const zoneOf = (g: (typeof groups)[number], ctx?: SummaryContext) => summarize(g, ctx).split("  ")[0];
        const ctx = { subnetZones: subnetZones(plan.resources) };
        expect(groups.map((g) => zoneOf(g, ctx))).toEqual(["zone=us-east-1a", "zone=us-east-1b", "zone=us-east-1d"]);
        expect(zoneOf(groups[0])).toBe("zone=?");
    });
});
