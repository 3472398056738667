/**
 * The cluster platform baseline of an EKS stack: what the stack's own objects need from the
 * cluster. Exact inputs per stack; versions come from lib/versions.ts, which names their sources.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration";
import { Pod } from "kubernetes-models/v1/Pod";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { albIngressAnnotations } from "../components/blue-green-service";
import * as pulumi from "@pulumi/pulumi";
import { addonVersions, isVerifiedAddonPin } from "../components/eks-addon";
import { BALANCING_IGNORED_EKS_LABELS, clusterAutoscalerPolicy, clusterAutoscalerValues, containerLogGroupName, fluentBitPolicy, loadBalancerControllerCrds, loadBalancerControllerPolicy, PARSED_CRDS_FILE, parseVendoredCrds, PLATFORM_SERVICE_ACCOUNTS } from "../components/platform";
import { REPO_ROOT } from "../plan/engine";
import { summarize } from "../plan/render";
import { CHART_VALUE_KEYS, CLUSTER_AUTOSCALER_IMAGE_TAGS, EKS_ADDON_VERSIONS, HELM_CHARTS, LOAD_BALANCER_CONTROLLER_CRD_FILES, type EksAddonName } from "../lib/versions";
import { validateKubernetesObject } from "./support/k8s-schema";
import { byUrn, govCloudSets, input, named, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";

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
        // The plan's line shows each version; an unpinned one is not a version yet, and says so.
        const shown = (addon: EksAddonName) => (isVerifiedAddonPin(minor, addon) ? `version=${pins[addon]}` : `version=resolved at deploy (EKS's default for ${minor})`);
        expect(ofType(p, "aws:eks/addon:Addon").map((a) => [input(a, "addonName"), summarize(a).split("  ")[0]])).toEqual(
            ofType(p, "aws:eks/addon:Addon").map((a) => [input(a, "addonName"), shown(input(a, "addonName") as EksAddonName)]));
        expect(summarize(named(p, `${name}-coredns`))).toBe(`version=${pins.coredns}  dependsOn=${named(p, `${name}-coredns`).dependsOn.length}`);
        expect(summarize(named(p, `${name}-aws-ebs-csi-driver`)).split("  ")[0]).toBe(`version=resolved at deploy (EKS's default for ${minor})`);
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
        // The controller's emptyDir socket-dir (aws-ebs-csi-driver chart templates/controller/deployment.yaml) must not pin its node (aws-ebs-csi-driver#1589).
        expect(JSON.parse(input(ebs, "configurationValues") as string)).toEqual({ controller: { podAnnotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes": "socket-dir" } } });
        for (const a of addons.filter((x) => x !== ebs)) expect(input(a, "configurationValues")).toBeUndefined();
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
        // The controller also after its chart's CRDs, which Launchpad applies (below).
        const crds = loadBalancerControllerCrds().map((crd) => named(p, `${name}-lbc-crd-${crd.metadata.name}`).urn);
        expect(Object.fromEntries(releases.map((r) => [r.name, r.dependsOn]))).toEqual({
            [`${name}-lbc`]: [...nodes, ...account(`${name}-lbc`, `${name}-lbc-policy-0`), ...crds],
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
            podMutatorWebhookConfig: { failurePolicy: "Fail" },
            objectSelector: { matchLabels: { "launchpad.dev/role": "workload" } },
            podDisruptionBudget: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
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
            podDisruptionBudget: { enabled: true, maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
            podAnnotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes": "tmp" },
            securityContext: restricted,
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } }, topologyKey: "kubernetes.io/hostname" } }] } },
            // The stacks' nodes stay under 100 (maxSize plus 2 surge nodes per zone): the README's defaults.
            resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
        }));
        expect(named(p, `${name}-autoscaler`).inputs).toEqual(release("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler", {
            cloudProvider: "aws",
            awsRegion: "us-east-1",
            autoDiscovery: { clusterName: `launchpad-${stack}` },
            image: { tag: minor === "1.36" ? "v1.36.1" : "v1.35.2" },
            rbac: { serviceAccount: { create: false, name: "cluster-autoscaler" } },
            extraArgs: {
                "balance-similar-node-groups": true,
                expander: "least-waste",
                "skip-nodes-with-system-pods": false,
                "balancing-ignore-label_1": "eks.amazonaws.com/nodegroup-image",
                "balancing-ignore-label_2": "eks.amazonaws.com/sourceLaunchTemplateId",
                "balancing-ignore-label_3": "eks.amazonaws.com/sourceLaunchTemplateVersion",
            },
            containerSecurityContext: restricted,
            resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
        }));
        expect(named(p, `${name}-fluent-bit`).inputs).toEqual(release("aws-for-fluent-bit", "0.2.0", "https://aws.github.io/eks-charts", {
            serviceAccount: { create: false, name: "aws-for-fluent-bit" },
            priorityClassName: "system-node-critical",
            cloudWatchLogs: {
                enabled: true,
                region: "us-east-1",
                logGroupName: `/aws/eks/launchpad-${stack}/containers/unknown`,
                logGroupTemplate: `/aws/eks/launchpad-${stack}/containers/$kubernetes['namespace_name']`,
                logStreamTemplate: "$kubernetes['pod_name'].$kubernetes['container_name']",
                autoCreateGroup: true,
                logRetentionDays: retention,
                extraOutputs: "Retry_Limit 5",
            },
            firehose: { enabled: false },
            kinesis: { enabled: false },
            elasticsearch: { enabled: false },
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        }));
        // The controller's values are asserted exactly in "runs the load balancer controller …" above;
        // Helm installs none of its CRDs (Launchpad applies them, "the load balancer controller's CRDs" below).
        expect(named(p, `${name}-lbc`).inputs).toEqual({ ...release("aws-load-balancer-controller", "3.5.0", "https://aws.github.io/eks-charts", input(named(p, `${name}-lbc`), "values") as Record<string, unknown>), skipCrds: true });
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
            extraOutputs: "Retry_Limit 5",
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
            // The kubelet's readiness success (200 to 399), not the controller's default 200: a 204 readiness answer is a healthy target.
            "alb.ingress.kubernetes.io/success-codes": "200-399",
            "alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=30",
            // The live color (staging green, production blue) takes all traffic; both target groups exist (components/blue-green-service.ts albForwardAction).
            "alb.ingress.kubernetes.io/actions.api-colors": stack === "staging"
                ? '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"api-blue","servicePort":"http","weight":0},{"serviceName":"api-green","servicePort":"http","weight":100}]}}'
                : '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"api-blue","servicePort":"http","weight":100},{"serviceName":"api-green","servicePort":"http","weight":0}]}}',
        });
        expect(input(ingress, "spec.tls")).toEqual([{ hosts: [input(ingress, "spec.rules.0.host")] }]);
        expect(ingress.dependsOn[0]).toBe(named(p, `${name}-lbc`).urn);
    });

    it("sends only the colors' serving pods to the controller's pod webhook, which refuses them while it cannot answer (controller v3.5.0 docs/deploy/pod_readiness_gate.md, Recommended settings: failurePolicy Fail with an objectSelector)", async () => {
        const p = await plan;
        const values = input(named(p, `${name}-lbc`), "values") as { podMutatorWebhookConfig: unknown; objectSelector: { matchLabels: Record<string, string> }; webhookNamespaceSelectors?: unknown };
        // What the chart makes of the two values (vendored templates/webhook.yaml at the pinned commit):
        // the mpod webhook's failurePolicy, and its objectSelector after the chart's own exclusion.
        const template = readFileSync(join(REPO_ROOT, "vendor", "aws-load-balancer-controller", "templates", "webhook.yaml"), "utf8");
        const mpod = template.slice(0, template.indexOf("name: quicid.elbv2.k8s.aws"));
        expect(mpod).toContain("failurePolicy: {{ .Values.podMutatorWebhookConfig.failurePolicy }}\n  name: mpod.elbv2.k8s.aws\n");
        expect(mpod).toContain("  objectSelector:\n    matchExpressions:\n    - key: app.kubernetes.io/name\n      operator: NotIn\n");
        expect(mpod).toContain("    matchLabels:\n    {{- toYaml .Values.objectSelector.matchLabels | nindent 6 }}\n");
        expect(values.podMutatorWebhookConfig).toEqual({ failurePolicy: "Fail" });
        // Unset: the chart would give it to the Fail-only quicid webhook as well (webhook.yaml:71-80).
        expect(values.webhookNamespaceSelectors).toBeUndefined();
        const selected = (labels: Record<string, string>) => labels["app.kubernetes.io/name"] !== "aws-load-balancer-controller" && Object.entries(values.objectSelector.matchLabels).every(([k, v]) => labels[k] === v);
        // Every pod template of the namespace where gates are injected, by kind: selected or not.
        const templates = p.resources.filter((r) => /^kubernetes:(apps\/v1:Deployment|batch\/v1:Job|batch\/v1:CronJob)$/.test(r.type) && input(r, "metadata.namespace") === `launchpad-${stack}`);
        const byKind: Record<string, boolean[]> = {};
        for (const r of templates) {
            const labels = (input(r, r.type.endsWith("CronJob") ? "spec.jobTemplate.spec.template.metadata.labels" : "spec.template.metadata.labels") ?? {}) as Record<string, string>;
            (byKind[r.type.split(":").pop() ?? ""] ??= []).push(selected(labels));
        }
        // Jobs: the two smoke gates and the database grants; CronJobs: the logical backup's dump, verify, recovery metrics and drill check.
        expect(byKind).toEqual({ Deployment: [true, true], Job: [false, false, false], CronJob: [false, false, false, false] });
    });

    it("starts both colors' pods only once the controller's webhook serves: each Deployment depends on its release (controller v3.5.0 docs/deploy/pod_readiness_gate.md, gates injected at pod creation only)", async () => {
        const p = await plan;
        expect(input(named(p, `launchpad-${stack}-cluster-namespace`), "metadata.labels")).toMatchObject({ "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" });
        for (const color of ["blue", "green"]) {
            expect(named(p, `launchpad-${stack}-api-${color}`).dependsOn).toContain(named(p, `${name}-lbc`).urn);
        }
    });
});

/** True when `from` depends on `to`, directly or through other resources (explicit `dependsOn` and inputs). */
function dependsOn(plan: Plan, from: PlannedResource, to: PlannedResource): boolean {
    const seen = new Set<string>();
    const stack = [...from.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop() as string;
        if (urn === to.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...byUrn(plan, urn).dependencies);
    }
    return false;
}

const CRD_PATCH = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch";

/**
 * Helm installs a chart's crds/ directory on the first install only and never upgrades or deletes
 * them (Helm docs, chart best practices, "Custom Resource Definitions"); the controller chart's README
 * applies them with kubectl for that reason. Launchpad applies the pinned chart's CRDs itself
 * (components/platform.ts createLoadBalancerControllerCrds says why as Patch resources, retained).
 */
describe("the load balancer controller's CRDs, parsed", () => {
    it("vendor/aws-load-balancer-controller/crds.json, what the program reads, is the vendored YAML files parsed", () => {
        const json: unknown = JSON.parse(readFileSync(PARSED_CRDS_FILE, "utf8"));
        expect(json, "crds.json differs from the chart's crds/ files: run npm run vendor:crds").toEqual(parseVendoredCrds());
        expect(loadBalancerControllerCrds()).toEqual(json);
    });
});

describe.each(STACKS)("the load balancer controller's CRDs, $stack", ({ stack }) => {
    const name = `launchpad-${stack}-platform`;
    const plan = planStack(stack);

    it("applies exactly the CRDs of the pinned chart's crds/ files, unchanged but for the force and Established annotations", async () => {
        const p = await plan;
        // The vendored files, read here independently of the component's reader.
        const vendored = LOAD_BALANCER_CONTROLLER_CRD_FILES.flatMap((file) => readFileSync(join(REPO_ROOT, "vendor", "aws-load-balancer-controller", "crds", file), "utf8")
            .split(/^---$/m).map((doc) => parse(doc) as { metadata: { name: string; annotations: Record<string, string> } } | null)
            .filter((doc) => doc !== null));
        expect(vendored.map((crd) => crd.metadata.name)).toEqual([
            "albtargetcontrolconfigs.elbv2.k8s.aws",
            "globalaccelerators.aga.k8s.aws",
            "ingressclassparams.elbv2.k8s.aws",
            "targetgroupbindings.elbv2.k8s.aws",
            "listenerruleconfigurations.gateway.k8s.aws",
            "loadbalancerconfigurations.gateway.k8s.aws",
            "targetgroupconfigurations.gateway.k8s.aws",
        ]);
        const patches = ofType(p, CRD_PATCH);
        expect(patches.map((r) => r.name).sort()).toEqual(vendored.map((crd) => `${name}-lbc-crd-${crd.metadata.name}`).sort());
        for (const crd of vendored) {
            const patch = named(p, `${name}-lbc-crd-${crd.metadata.name}`);
            expect(patch.inputs).toEqual({
                ...crd,
                metadata: { ...crd.metadata, annotations: { ...crd.metadata.annotations, "pulumi.com/patchForce": "true", "pulumi.com/waitFor": "condition=Established" } },
            });
            expect(patch.provider).toBe(named(p, `${name}-lbc`).provider);
        }
    });

    it("the release skips Helm's CRD install and waits for every CRD: its chart renders an IngressClassParams (templates/ingressclass.yaml, ingressClassParams.create defaults to true)", async () => {
        const p = await plan;
        const release = named(p, `${name}-lbc`);
        expect(input(release, "skipCrds")).toBe(true);
        expect((chartDefaults("aws-load-balancer-controller").ingressClassParams as { create: unknown }).create).toBe(true);
        expect(input(release, "values.ingressClassParams")).toBeUndefined();
        for (const patch of ofType(p, CRD_PATCH)) {
            expect(release.dependsOn).toContain(patch.urn);
        }
        // The other pinned charts ship no CRD at their pinned commits: Helm installs none through them either.
        const others = ofType(p, "kubernetes:helm.sh/v3:Release").filter((r) => r.urn !== release.urn);
        expect(others.map((r) => [r.name, input(r, "skipCrds")]).filter(([, skip]) => skip !== undefined)).toEqual([]);
    });

    it("orders CRDs, controller, Ingress and colors on update, the reverse on destroy, where the CRDs are retained (deleting a CRD deletes every object of its kind)", async () => {
        const p = await plan;
        const release = named(p, `${name}-lbc`);
        const dependents = [named(p, `launchpad-${stack}-api-ingress`), named(p, `launchpad-${stack}-api-blue`), named(p, `launchpad-${stack}-api-green`)];
        for (const patch of ofType(p, CRD_PATCH)) {
            expect(patch.options.retainOnDelete).toBe(true);
            expect(patch.protect).toBe(false);
            // Created before, deleted (here: dropped from the state) after the release and everything on it.
            expect(dependsOn(p, release, patch)).toBe(true);
            for (const r of [release, ...dependents]) {
                expect(dependsOn(p, r, patch)).toBe(true);
                expect(dependsOn(p, patch, r)).toBe(false);
            }
        }
        for (const r of dependents) {
            expect(dependsOn(p, r, release)).toBe(true);
        }
    });
});

/**
 * Helm merges a release's values into the chart's values.yaml and renders only what its templates
 * read: a key the chart does not have is dropped without a word. So every path Launchpad sets must
 * be a key of the pinned chart's values.yaml (vendor/<chart>/, verbatim at the pinned commit,
 * SOURCE.md), of the chart's type where the chart gives a default.
 */
type Kind = "object" | "array" | "string" | "number" | "boolean" | "null";
const kindOf = (v: unknown): Kind => (Array.isArray(v) ? "array" : v === null || v === undefined ? "null" : (typeof v as Kind));

/** A vendored chart's values.yaml, parsed. */
function chartDefaults(dir: string): Record<string, unknown> {
    return parse(readFileSync(join(REPO_ROOT, "vendor", dir, "values.yaml"), "utf8")) as Record<string, unknown>;
}

/**
 * Maps a chart hands whole to Kubernetes (`toYaml`) or to the command line: below them the keys are
 * Kubernetes' or the program's, checked by `check` against that, not the chart. Each names the
 * template line that renders it (read at the vendored commit).
 */
interface FreeForm {
    readonly template: string;
    readonly check: (value: unknown, stack: { readonly minor: string }) => void;
}

/** A container with these fields, validated against the Kubernetes schema (kubernetes-models). */
function validContainer(fields: Record<string, unknown>): void {
    new Pod({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i", ...fields }] } }).validate();
}

/** Flags the autoscaler defines at a release (vendor/cluster-autoscaler/flags-<release>.go) and their kinds. */
function autoscalerFlags(release: string): Map<string, Kind> {
    const source = readFileSync(join(REPO_ROOT, "vendor", "cluster-autoscaler", `flags-${release}.go`), "utf8");
    const flags = new Map<string, Kind>();
    for (const m of source.matchAll(/\b(?:p?flag\.(\w+)|(multiStringFlag))\("([a-z0-9-]+)"/g)) {
        const type = m[1] ?? "String";
        flags.set(m[3], type === "Bool" ? "boolean" : /^(Int|Int64|Float64|Duration)$/.test(type) ? (type === "Duration" ? "string" : "number") : "string");
    }
    return flags;
}

const FREE_FORM: Readonly<Record<string, Readonly<Record<string, FreeForm>>>> = {
    "aws-load-balancer-controller": {
        resources: { template: "templates/deployment.yaml:253-254 (the controller container)", check: (v) => validContainer({ resources: v }) },
        // Rendered only with replicaCount > 1, which Launchpad sets (2).
        podDisruptionBudget: {
            template: "templates/pdb.yaml:1,12 (`if and .Values.podDisruptionBudget (gt (int .Values.replicaCount) 1)`; the map is the spec)",
            check: (v) => new PodDisruptionBudget({ metadata: { name: "p" }, spec: { selector: { matchLabels: { a: "b" } }, ...(v as object) } }).validate(),
        },
        // values.yaml has `matchLabels:` with no default; the map becomes the pod webhook's objectSelector.matchLabels.
        "objectSelector.matchLabels": {
            template: "templates/webhook.yaml:45-47 (`toYaml .Values.objectSelector.matchLabels` into the mpod webhook's objectSelector)",
            check: (v) => new MutatingWebhookConfiguration({
                metadata: { name: "aws-load-balancer-webhook" },
                webhooks: [{ name: "mpod.elbv2.k8s.aws", clientConfig: {}, sideEffects: "None", admissionReviewVersions: ["v1"], objectSelector: { matchLabels: v as Record<string, string> } }],
            }).validate(),
        },
    },
    "metrics-server": {
        resources: { template: "templates/deployment.yaml:104-105", check: (v) => validContainer({ resources: v }) },
        // The pod template's annotations; its one local volume is the emptyDir `tmp` (templates/deployment.yaml:142-144).
        podAnnotations: {
            template: "templates/deployment.yaml:31-34",
            check: (v) => {
                new Pod({ metadata: { name: "p", annotations: v as Record<string, string> }, spec: { containers: [{ name: "c", image: "i" }] } }).validate();
                expect((v as Record<string, string>)["cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"]).toBe("tmp");
            },
        },
        securityContext: { template: "templates/deployment.yaml:60-61 (the container's)", check: (v) => validContainer({ securityContext: v }) },
        affinity: {
            template: "templates/deployment.yaml:166-169 (`toYaml .Values.affinity` into the pod spec's affinity)",
            check: (v) => new Pod({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }], affinity: v as object } }).validate(),
        },
    },
    "cluster-autoscaler": {
        resources: { template: "templates/deployment.yaml:296-297", check: (v) => validContainer({ resources: v }) },
        containerSecurityContext: { template: "templates/deployment.yaml:298-300", check: (v) => validContainer({ securityContext: v }) },
        // `--{{ $key | mustRegexFind "^[^_]+" }}={{ $value }}`: `<flag>_<n>` repeats a flag.
        extraArgs: {
            template: "templates/deployment.yaml:136-142",
            check: (v, { minor }) => {
                const release = CLUSTER_AUTOSCALER_IMAGE_TAGS[minor].replace(/^v/, "");
                const flags = autoscalerFlags(release);
                for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
                    const flag = key.replace(/_.*$/, "");
                    expect([key, flags.get(flag)], `--${flag} at cluster-autoscaler ${release}`).toEqual([key, kindOf(value)]);
                }
            },
        },
    },
    "aws-for-fluent-bit": {
        resources: { template: "templates/daemonset.yaml:60-61", check: (v) => validContainer({ resources: v }) },
    },
};

/**
 * Keys a chart's templates read that its values.yaml only documents in a comment (or not at all):
 * each with the template line that reads it, at the vendored commit.
 */
const TEMPLATE_ONLY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "aws-load-balancer-controller": {},
    "metrics-server": {},
    "cluster-autoscaler": {},
    "aws-for-fluent-bit": {
        priorityClassName: "templates/daemonset.yaml:33-34 (values.yaml:292 has it commented out)",
        "cloudWatchLogs.extraOutputs": "templates/configmap.yaml:160-162 (values.yaml:136 has it commented out, under cloudWatchLogs)",
    },
};

/** Every path of `values` that is not a key of the chart, or of another type than the chart's default. */
function unknownPaths(dir: string, values: Record<string, unknown>, minor: string): string[] {
    const problems: string[] = [];
    const walk = (ours: Record<string, unknown>, theirs: Record<string, unknown>, prefix: string): void => {
        for (const [key, value] of Object.entries(ours)) {
            const path = `${prefix}${key}`;
            const free = FREE_FORM[dir][path];
            if (free !== undefined) {
                expect(key in theirs, `${dir} values.yaml has no ${path}`).toBe(true);
                free.check(value, { minor });
                continue;
            }
            if (!(key in theirs)) {
                if (TEMPLATE_ONLY[dir][path] !== undefined && kindOf(value) !== "object") {
                    continue;
                }
                problems.push(`${path}: not in values.yaml`);
                continue;
            }
            const chart = theirs[key];
            if (kindOf(value) === "object" && kindOf(chart) === "object") {
                walk(value as Record<string, unknown>, chart as Record<string, unknown>, `${path}.`);
            } else if (kindOf(chart) !== "null" && kindOf(chart) !== kindOf(value)) {
                problems.push(`${path}: ${kindOf(value)}, the chart's default is ${kindOf(chart)}`);
            } else if (kindOf(value) === "object") {
                problems.push(`${path}: a map where the chart has no default (not in FREE_FORM)`);
            }
        }
    };
    walk(values, chartDefaults(dir), "");
    return problems;
}

describe.each(STACKS)("the four platform charts' values against the pinned charts' values.yaml (vendor/), $stack", ({ stack, minor }) => {
    const name = `launchpad-${stack}-platform`;
    const plan = planStack(stack);

    it.each([
        ["aws-load-balancer-controller", "lbc"],
        ["metrics-server", "metrics-server"],
        ["cluster-autoscaler", "autoscaler"],
        ["aws-for-fluent-bit", "fluent-bit"],
    ] as const)("%s: every value path Launchpad sets is one of the chart's, of the chart's type", async (dir, role) => {
        const values = input(named(await plan, `${name}-${role}`), "values") as Record<string, unknown>;
        expect(unknownPaths(dir, values, minor)).toEqual([]);
    });

    it("the autoscaler ignores, when balancing the zones' groups, the labels EKS adds that differ during a rolling update", async () => {
        const extraArgs = input(named(await plan, `${name}-autoscaler`), "values.extraArgs") as Record<string, unknown>;
        expect(Object.entries(extraArgs).filter(([k]) => k.startsWith("balancing-ignore-label")).map(([, v]) => v)).toEqual([...BALANCING_IGNORED_EKS_LABELS]);
        // Not already ignored by the AWS comparator (processors/nodegroupset/aws_nodegroups.go) nor the basic set.
        expect(BALANCING_IGNORED_EKS_LABELS).not.toContain("eks.amazonaws.com/nodegroup");
    });
});

describe("the walk refuses what Helm would drop", () => {
    it("a misspelt key, a key of another type, and an unknown autoscaler flag", () => {
        expect(unknownPaths("aws-load-balancer-controller", { clusterName: "c", vpcID: "vpc-1", replicaCount: "2" }, "1.36")).toEqual([
            "vpcID: not in values.yaml",
            "replicaCount: string, the chart's default is number",
        ]);
        expect(unknownPaths("aws-for-fluent-bit", { cloudWatchLogs: { logRetentionDays: 30, logGroupTemplates: "x" } }, "1.36")).toEqual(["cloudWatchLogs.logGroupTemplates: not in values.yaml"]);
        expect(() => unknownPaths("cluster-autoscaler", { extraArgs: { "balance-similar-nodegroups": true } }, "1.36")).toThrow("--balance-similar-nodegroups at cluster-autoscaler 1.36.1");
        expect(() => unknownPaths("cluster-autoscaler", { extraArgs: { "skip-nodes-with-system-pods": "false" } }, "1.35")).toThrow("--skip-nodes-with-system-pods at cluster-autoscaler 1.35.2");
        expect(() => unknownPaths("metrics-server", { resources: { requests: { cpu: [1] } } }, "1.36")).toThrow();
    });

    // A template-only key is no key of the vendored values.yaml, only a comment naming it.
    it("template-only keys are only comments in values.yaml", () => {
        for (const [dir, keys] of Object.entries(TEMPLATE_ONLY)) {
            const text = readFileSync(join(REPO_ROOT, "vendor", dir, "values.yaml"), "utf8");
            for (const key of Object.keys(keys)) {
                // A nested key ("cloudWatchLogs.extraOutputs") is commented out inside its parent's block
                // (up to the next top-level key); a top-level one at the start of a line.
                const [parent, child] = key.includes(".") ? key.split(".") : [undefined, key];
                const lines = text.split("\n");
                const from = parent === undefined ? -1 : lines.indexOf(`${parent}:`);
                const to = lines.findIndex((line, i) => i > from && parent !== undefined && /^\S/.test(line));
                const block = parent === undefined ? lines : lines.slice(from + 1, to);
                const section = (parent === undefined ? chartDefaults(dir) : chartDefaults(dir)[parent] ?? {}) as Record<string, unknown>;
                expect(child in section, `${dir} ${key}`).toBe(false);
                expect(block.some((line) => new RegExp(parent === undefined ? `^# ${child}:` : `^ +# ${child}:`).test(line)), `${dir} ${key} commented out`).toBe(true);
            }
        }
    });

    it("reads the flags' kinds from the vendored flags.go", () => {
        const flags = autoscalerFlags("1.36.1");
        expect([flags.get("balance-similar-node-groups"), flags.get("expander"), flags.get("balancing-ignore-label"), flags.get("skip-nodes-with-system-pods")]).toEqual(["boolean", "string", "string", "boolean"]);
    });
});

describe("CHART_VALUE_KEYS of the four platform charts", () => {
    it.each([
        ["aws-load-balancer-controller", CHART_VALUE_KEYS.awsLoadBalancerController],
        ["metrics-server", CHART_VALUE_KEYS.metricsServer],
        ["cluster-autoscaler", CHART_VALUE_KEYS.clusterAutoscaler],
        ["aws-for-fluent-bit", CHART_VALUE_KEYS.fluentBit],
    ] as const)("%s: names keys of the pinned chart's values.yaml", (dir, keys) => {
        const defaults = chartDefaults(dir);
        const has = (path: string): boolean => {
            let node: unknown = defaults;
            for (const key of path.split(".")) {
                if (kindOf(node) !== "object" || !(key in (node as object))) {
                    return false;
                }
                node = (node as Record<string, unknown>)[key];
            }
            return true;
        };
        const paths = [keys.serviceAccountName, keys.serviceAccountAnnotations, keys.image.repository, keys.image.tag, keys.resources, keys.podSecurityContext, keys.containerSecurityContext];
        expect(paths.filter((path) => !has(path))).toEqual([]);
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

describe("a stack in another partition (AWS GovCloud)", () => {
    // Every ARN carries its partition, and each partition has its own IAM: a policy naming arn:aws:...
    // resources matches nothing in aws-us-gov, and a commercial managed policy ARN does not exist there.
    // The load balancer controller publishes a policy per partition (kubernetes-sigs/aws-load-balancer-controller
    // docs/install/iam_policy_us-gov.json at v3.5.0; vendor/aws-load-balancer-controller/SOURCE.md).
    // The mocks answer ARNs in the region's partition, as AWS does, so any arn:aws: left is the program's.
    it.each(["staging", "production"])("%s: no ARN the program writes names the commercial partition; the controller gets its GovCloud policy", async (stack) => {
        const p = await planStack(stack, govCloudSets(stack));
        expect(JSON.stringify(p.resources.map((r) => r.inputs)).match(/arn:aws:[^"\\]*/g) ?? []).toEqual([]);
        const name = `launchpad-${stack}-platform`;
        expect(JSON.parse(String(input(named(p, `${name}-lbc-policy`), "policy")))).toEqual(JSON.parse(readFileSync(join(REPO_ROOT, "vendor", "aws-load-balancer-controller", "iam-policy-us-gov.json"), "utf8")));
        expect(input(named(p, `${name}-ebs-csi-policy-0`), "policyArn")).toBe("arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    });

    it("a partition whose controller policy is not vendored is refused, naming the file to copy", () => {
        expect(() => loadBalancerControllerPolicy("aws-iso")).toThrow(/received partition "aws-iso"; expected one of aws, aws-us-gov, aws-cn, aws-eusc .*iam_policy_<partition>\.json/);
    });
});
