/**
 * The cluster platform baseline of an EKS stack: what the stack's own objects need from the
 * cluster. Exact inputs per stack; versions come from lib/versions.ts, which names their sources.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { albIngressAnnotations } from "../components/blue-green-service";
import * as pulumi from "@pulumi/pulumi";
import { addonVersions, isVerifiedAddonPin } from "../components/eks-addon";
import { clusterAutoscalerPolicy, clusterAutoscalerValues, containerLogGroupName, fluentBitPolicy, PLATFORM_SERVICE_ACCOUNTS } from "../components/platform";
import { REPO_ROOT } from "../plan/engine";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, EKS_ADDON_VERSIONS, HELM_CHARTS, type EksAddonName } from "../lib/versions";
import { validateKubernetesObject } from "./support/k8s-schema";
import { input, named, ofType, planStack, type Plan } from "./support/plan";

const STACKS = [
    { stack: "staging", retention: 30, minor: "1.36" },
    { stack: "production", retention: 365, minor: "1.35" },
] as const;

const TAGS = { project: "launchpad", "managed-by": "pulumi", "cost-center": "platform", owner: "team-platform" };

function trustOf(plan: Plan, role: string): { sub: string; aud: string; federated: string } {
    const doc = JSON.parse(String(input(named(plan, role), "assumeRolePolicy"))) as { Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[] };
    const cond = doc.Statement[0].Condition.StringEquals;
    const key = (suffix: string) => Object.keys(cond).find((k) => k.endsWith(suffix)) ?? "";
    return { sub: cond[key(":sub")], aud: cond[key(":aud")], federated: doc.Statement[0].Principal.Federated };
}

describe.each(STACKS)("the platform baseline, $stack", ({ stack, retention, minor }) => {
    const name = `launchpad-${stack}-platform`;
    const plan = planStack(stack);
    const tags = (child: string) => ({ ...TAGS, environment: stack, Name: child });

    it("adopts coredns and kube-proxy and installs the EBS CSI driver as EKS add-ons, pinned for the cluster's version, after every zone's nodes (vpc-cni is the cluster's, before them)", async () => {
        const p = await plan;
        // Every zone's node group: one per private subnet.
        const nodes = ofType(p, "aws:eks/nodeGroup:NodeGroup").map((g) => g.urn);
        expect(nodes).toHaveLength((p.outputs.privateSubnetIds as string[]).length);
        const pins = EKS_ADDON_VERSIONS[minor];
        // A pin no source gave as an exact EKS add-on version is EKS's own default for the minor (mocked offline).
        const version = (addon: EksAddonName) => (isVerifiedAddonPin(minor, addon) ? pins[addon] : `eks-default-for-${minor}`);
        const platformUrn = named(p, name).urn;
        const addons = ofType(p, "aws:eks/addon:Addon").filter((a) => a.parent === platformUrn);
        expect(addons.map((a) => [a.name, input(a, "addonName"), input(a, "addonVersion")]).sort()).toEqual([
            [`${name}-aws-ebs-csi-driver`, "aws-ebs-csi-driver", version("aws-ebs-csi-driver")],
            [`${name}-coredns`, "coredns", version("coredns")],
            [`${name}-kube-proxy`, "kube-proxy", version("kube-proxy")],
        ]);
        expect(version("aws-ebs-csi-driver")).toBe(`eks-default-for-${minor}`);
        expect([version("coredns"), version("kube-proxy")]).toEqual([pins.coredns, pins["kube-proxy"]]);
        // Every add-on of the plan: these three and the cluster's vpc-cni.
        expect(ofType(p, "aws:eks/addon:Addon").map((a) => input(a, "addonName")).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
        // The driver's controller calls EC2 as soon as it runs: it also waits for its role's policy.
        expect(Object.fromEntries(addons.map((a) => [a.name, a.dependsOn]))).toEqual({
            [`${name}-aws-ebs-csi-driver`]: [...nodes, named(p, `${name}-ebs-csi-policy-0`).urn],
            [`${name}-coredns`]: [...nodes],
            [`${name}-kube-proxy`]: [...nodes],
        });
        for (const a of addons) {
            expect(input(a, "clusterName")).toBe(`launchpad-${stack}`);
            expect(input(a, "resolveConflictsOnCreate")).toBe("OVERWRITE");
            expect(input(a, "tags")).toEqual(tags(a.name));
        }
        const ebs = named(p, `${name}-aws-ebs-csi-driver`);
        expect(input(ebs, "serviceAccountRoleArn")).toBe(named(p, `${name}-ebs-csi-role`).state.arn);
        expect(trustOf(p, `${name}-ebs-csi-role`).sub).toBe("system:serviceaccount:kube-system:ebs-csi-controller-sa");
        expect(input(named(p, `${name}-ebs-csi-policy-0`), "policyArn")).toBe("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    });

    it("makes gp3 the default, encrypted StorageClass once the driver is there", async () => {
        const p = await plan;
        const sc = named(p, `${name}-gp3`);
        validateKubernetesObject(sc);
        expect(sc.inputs).toEqual({
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: "Delete",
        });
        expect(sc.dependsOn).toEqual([named(p, `${name}-aws-ebs-csi-driver`).urn]);
        expect(ofType(p, "kubernetes:storage.k8s.io/v1:StorageClass")).toHaveLength(1);
    });

    it("installs four pinned charts in kube-system, atomically, after every zone's nodes, their IRSA accounts and grants (Fluent Bit also after its log groups)", async () => {
        const p = await plan;
        // Every zone's node group: one per private subnet.
        const nodes = ofType(p, "aws:eks/nodeGroup:NodeGroup").map((g) => g.urn);
        expect(nodes).toHaveLength((p.outputs.privateSubnetIds as string[]).length);
        const releases = ofType(p, "kubernetes:helm.sh/v3:Release").filter((r) => r.name.startsWith(name));
        expect(releases.map((r) => [r.name, input(r, "chart"), input(r, "version"), input(r, "repositoryOpts.repo"), input(r, "namespace"), input(r, "atomic")]).sort()).toEqual([
            [`${name}-autoscaler`, "cluster-autoscaler", HELM_CHARTS.clusterAutoscaler.version, "https://kubernetes.github.io/autoscaler", "kube-system", true],
            [`${name}-fluent-bit`, "aws-for-fluent-bit", HELM_CHARTS.fluentBit.version, "https://aws.github.io/eks-charts", "kube-system", true],
            [`${name}-lbc`, "aws-load-balancer-controller", HELM_CHARTS.awsLoadBalancerController.version, "https://aws.github.io/eks-charts", "kube-system", true],
            [`${name}-metrics-server`, "metrics-server", HELM_CHARTS.metricsServer.version, "https://kubernetes-sigs.github.io/metrics-server/", "kube-system", true],
        ]);
        const logGroups = ofType(p, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.startsWith(`${name}-logs-`)).map((g) => g.urn);
        expect(logGroups).toHaveLength(2);
        // A chart whose pods name an IRSA account waits for the account (a pod naming a missing one is
        // refused) and the role's grants; Fluent Bit also for the log groups it writes to (it would
        // create a missing one itself).
        const account = (prefix: string, grant: string) => [named(p, `${prefix}-sa`).urn, named(p, grant).urn];
        expect(Object.fromEntries(releases.map((r) => [r.name, r.dependsOn]))).toEqual({
            [`${name}-lbc`]: [...nodes, ...account(`${name}-lbc`, `${name}-lbc-policy-0`)],
            [`${name}-autoscaler`]: [...nodes, ...account(`${name}-autoscaler`, `${name}-autoscaler-policy`)],
            [`${name}-fluent-bit`]: [...nodes, ...account(`${name}-fluent-bit`, `${name}-fluent-bit-policy`), ...logGroups],
            [`${name}-metrics-server`]: [...nodes],
        });
    });

    it("runs the load balancer controller for this VPC and region, with its vendored IAM policy through IRSA", async () => {
        const p = await plan;
        expect(input(named(p, `${name}-lbc`), "values")).toEqual({
            clusterName: `launchpad-${stack}`,
            region: "us-east-1",
            vpcId: p.outputs.vpcId,
            replicaCount: 2,
            serviceAccount: { create: false, name: "aws-load-balancer-controller" },
            ingressClass: "alb",
            createIngressClassResource: true,
            defaultTargetType: "ip",
            serviceMutatorWebhookConfig: { failurePolicy: "Ignore" },
            podDisruptionBudget: { maxUnavailable: 1 },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        });
        const vendored = readFileSync(join(REPO_ROOT, "vendor", "aws-load-balancer-controller", "iam-policy.json"), "utf8");
        expect(JSON.parse(String(input(named(p, `${name}-lbc-policy`), "policy")))).toEqual(JSON.parse(vendored));
        expect(input(named(p, `${name}-lbc-policy-0`), "policyArn")).toBe(named(p, `${name}-lbc-policy`).state.arn);
        expect(trustOf(p, `${name}-lbc-role`)).toEqual({
            sub: "system:serviceaccount:kube-system:aws-load-balancer-controller",
            aud: "sts.amazonaws.com",
            federated: p.outputs.oidcProviderArn,
        });
        const sa = named(p, `${name}-lbc-sa`);
        validateKubernetesObject(sa);
        expect(input(sa, "metadata")).toEqual({
            name: PLATFORM_SERVICE_ACCOUNTS.loadBalancerController,
            namespace: "kube-system",
            labels: {},
            annotations: { "eks.amazonaws.com/role-arn": named(p, `${name}-lbc-role`).state.arn },
        });
    });

    it("gives each of the four charts exactly these inputs (keys of each chart's values.yaml at the pinned version)", async () => {
        const p = await plan;
        // The restricted container context every platform chart's own container gets (lib/pod-security.ts).
        const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
        const release = (chart: string, version: string, repo: string, values: Record<string, unknown>) =>
            ({ name: chart, namespace: "kube-system", chart, version, repositoryOpts: { repo }, values, atomic: true, compat: "true" });
        expect(named(p, `${name}-metrics-server`).inputs).toEqual(release("metrics-server", "3.13.1", "https://kubernetes-sigs.github.io/metrics-server/", {
            replicas: 2,
            podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
            securityContext: restricted,
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        }));
        expect(named(p, `${name}-autoscaler`).inputs).toEqual(release("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler", {
            cloudProvider: "aws",
            awsRegion: "us-east-1",
            autoDiscovery: { clusterName: `launchpad-${stack}` },
            image: { tag: minor === "1.36" ? "v1.36.1" : "v1.35.2" },
            rbac: { serviceAccount: { create: false, name: "cluster-autoscaler" } },
            extraArgs: { "balance-similar-node-groups": true, expander: "least-waste", "skip-nodes-with-system-pods": false },
            containerSecurityContext: restricted,
            resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
        }));
        expect(named(p, `${name}-fluent-bit`).inputs).toEqual(release("aws-for-fluent-bit", "0.2.0", "https://aws.github.io/eks-charts", {
            serviceAccount: { create: false, name: "aws-for-fluent-bit" },
            cloudWatchLogs: {
                enabled: true,
                region: "us-east-1",
                logGroupName: `/aws/eks/launchpad-${stack}/containers/unknown`,
                logGroupTemplate: `/aws/eks/launchpad-${stack}/containers/$kubernetes['namespace_name']`,
                logStreamTemplate: "$kubernetes['pod_name'].$kubernetes['container_name']",
                autoCreateGroup: true,
                logRetentionDays: retention,
            },
            firehose: { enabled: false },
            kinesis: { enabled: false },
            elasticsearch: { enabled: false },
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        }));
        // The controller's values are asserted exactly in "runs the load balancer controller …" above.
        expect(named(p, `${name}-lbc`).inputs).toEqual(release("aws-load-balancer-controller", "3.5.0", "https://aws.github.io/eks-charts", input(named(p, `${name}-lbc`), "values") as Record<string, unknown>));
    });

    it("scales the node group with the Cluster Autoscaler of the cluster's minor, allowed to resize only this cluster's groups", async () => {
        const p = await plan;
        expect(input(named(p, `${name}-autoscaler`), "values")).toMatchObject({
            cloudProvider: "aws",
            awsRegion: "us-east-1",
            autoDiscovery: { clusterName: `launchpad-${stack}` },
            image: { tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[minor] },
            rbac: { serviceAccount: { create: false, name: "cluster-autoscaler" } },
        });
        const policy = JSON.parse(String(input(named(p, `${name}-autoscaler-policy`), "policy"))) as { Statement: { Action: string[]; Condition?: unknown }[] };
        expect(policy).toEqual(clusterAutoscalerPolicy(`launchpad-${stack}`));
        // Resizing needs the cluster's auto-discovery tag on the group, with any value (the key is
        // what auto-discovery matches: cluster-autoscaler/cloudprovider/aws/README.md).
        expect(policy.Statement[1].Action).toContain("autoscaling:SetDesiredCapacity");
        expect(policy.Statement[1].Condition).toEqual({ Null: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/launchpad-${stack}`]: "false" } });
        expect(policy.Statement[0].Condition).toBeUndefined();
        expect(trustOf(p, `${name}-autoscaler-role`).sub).toBe("system:serviceaccount:kube-system:cluster-autoscaler");
    });

    it("ships container logs to one log group per namespace with the tier's retention", async () => {
        const p = await plan;
        const groups = ofType(p, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.startsWith(`${name}-logs-`));
        expect(groups.map((g) => [input(g, "name"), input(g, "retentionInDays")])).toEqual([
            [`/aws/eks/launchpad-${stack}/containers/launchpad-${stack}`, retention],
            [`/aws/eks/launchpad-${stack}/containers/kube-system`, retention],
        ]);
        expect(input(named(p, `${name}-fluent-bit`), "values.cloudWatchLogs")).toEqual({
            enabled: true,
            region: "us-east-1",
            logGroupName: containerLogGroupName(`launchpad-${stack}`, "unknown"),
            logGroupTemplate: `/aws/eks/launchpad-${stack}/containers/$kubernetes['namespace_name']`,
            logStreamTemplate: "$kubernetes['pod_name'].$kubernetes['container_name']",
            autoCreateGroup: true,
            logRetentionDays: retention,
        });
        expect(JSON.parse(String(input(named(p, `${name}-fluent-bit-policy`), "policy")))).toEqual(fluentBitPolicy(`arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/launchpad-${stack}/containers/`));
        expect(trustOf(p, `${name}-fluent-bit-role`).sub).toBe("system:serviceaccount:kube-system:aws-for-fluent-bit");
    });

    it("puts the service behind an ALB: pod targets, HTTPS with a redirect, the readiness health check, a drain delay; after the controller", async () => {
        const p = await plan;
        const ingress = named(p, `launchpad-${stack}-api-ingress`);
        validateKubernetesObject(ingress);
        expect(input(ingress, "metadata.annotations")).toEqual({
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
            "alb.ingress.kubernetes.io/ssl-redirect": "443",
            "alb.ingress.kubernetes.io/healthcheck-path": "/health/ready",
            "alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=30",
            // The live color (staging green, production blue) takes all traffic; both target groups exist (components/blue-green-service.ts albForwardAction).
            "alb.ingress.kubernetes.io/actions.api-colors": stack === "staging"
                ? '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"api-blue","servicePort":"http","weight":0},{"serviceName":"api-green","servicePort":"http","weight":100}]}}'
                : '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"api-blue","servicePort":"http","weight":100},{"serviceName":"api-green","servicePort":"http","weight":0}]}}',
        });
        expect(input(ingress, "spec.tls")).toEqual([{ hosts: [input(ingress, "spec.rules.0.host")] }]);
        expect(ingress.dependsOn[0]).toBe(named(p, `${name}-lbc`).urn);
    });
});

describe("the ALB Ingress from config", () => {
    it("takes the scheme and an ACM certificate when the service names them", async () => {
        const p = await planStack("staging", [
            "launchpad:services.api.expose.ingress.scheme=internal",
            "launchpad:services.api.expose.ingress.certificateArn=arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        ]);
        expect(input(named(p, "launchpad-staging-api-ingress"), "metadata.annotations")).toMatchObject({
            "alb.ingress.kubernetes.io/scheme": "internal",
            "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        });
    });

    it("creates a LoadBalancer live Service only after the controller, whose webhook gives it the controller's class; a ClusterIP one does not wait", async () => {
        const lb = await planStack("staging", ["launchpad:services.api.expose={type: LoadBalancer}"]);
        const live = named(lb, "launchpad-staging-api-live");
        expect(input(live, "spec.type")).toBe("LoadBalancer");
        expect(live.dependsOn).toContain(named(lb, "launchpad-staging-platform-lbc").urn);
        const clusterIp = await planStack("staging");
        expect(named(clusterIp, "launchpad-staging-api-live").dependsOn).not.toContain(named(clusterIp, "launchpad-staging-platform-lbc").urn);
    });

    it("adds no ALB annotations to a service without an Ingress", () => {
        expect(albIngressAnnotations({ expose: { type: "ClusterIP" } } as Parameters<typeof albIngressAnnotations>[0])).toEqual({});
    });
});

describe("pins the platform cannot do without", () => {
    it("a Kubernetes minor with no add-on pins fails as a ResourceError naming what is pinned", () => {
        const pinned = Object.keys(EKS_ADDON_VERSIONS).join(", ");
        expect(() => addonVersions("1.20")).toThrow(pulumi.ResourceError);
        expect(() => addonVersions("1.20")).toThrow(`no EKS add-on versions are pinned for Kubernetes 1.20 (lib/versions.ts EKS_ADDON_VERSIONS has ${pinned})`);
    });

    it("a Kubernetes minor with no autoscaler image fails as a ResourceError naming what is pinned", () => {
        const a = { clusterName: "c", region: "us-east-1", kubernetesVersion: "1.20" };
        const pinned = Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ");
        expect(() => clusterAutoscalerValues(a)).toThrow(pulumi.ResourceError);
        expect(() => clusterAutoscalerValues(a)).toThrow(`no Cluster Autoscaler image is pinned for Kubernetes 1.20 (lib/versions.ts CLUSTER_AUTOSCALER_IMAGE_TAGS has ${pinned})`);
    });

    it("a pinned minor gets its autoscaler image tag", () => {
        const [minor, tag] = Object.entries(CLUSTER_AUTOSCALER_IMAGE_TAGS)[0];
        expect(clusterAutoscalerValues({ clusterName: "c", region: "us-east-1", kubernetesVersion: minor })).toMatchObject({ image: { tag }, autoDiscovery: { clusterName: "c" }, awsRegion: "us-east-1" });
    });
});
