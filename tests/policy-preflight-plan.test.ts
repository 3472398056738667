/**
 * The deployability preflight on saved plans (`npm run policy -- --plan`): the committed staging
 * plan, platform baseline included, passes; each edit of issue 11's list is caught with
 * exit 3, naming the object. And a saved plan is judged exactly as `npm run plan -- --policy`
 * judges the same plan: the document carries what the preflight reads (dependencies, ARNs, ids).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Violation } from "../policies/evaluate";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { checkSaved, savedPlan, type DocResource, type PlanDocument } from "./support/saved-plan";
import { scratchDir } from "./support/scratch";

const dir = scratchDir("launchpad-preflight-");
// Every resource below is under the Environment component: the engine qualifies the type by the whole chain.
const STAGING = "urn:pulumi:staging::launchpad::launchpad:environment:Environment$";
const URNS = {
    ingress: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:networking.k8s.io/v1:Ingress::launchpad-staging-api-ingress`,
    pushgateway: `${STAGING}launchpad:observability:Observability$kubernetes:helm.sh/v3:Release::launchpad-staging-observability-pushgateway`,
    blueHpa: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:autoscaling/v2:HorizontalPodAutoscaler::launchpad-staging-api-blue-hpa`,
    greenHpa: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:autoscaling/v2:HorizontalPodAutoscaler::launchpad-staging-api-green-hpa`,
    blue: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:apps/v1:Deployment::launchpad-staging-api-blue`,
    dumpSa: `${STAGING}launchpad:backup:LogicalBackup$kubernetes:core/v1:ServiceAccount::launchpad-staging-logical-backup-dump-sa`,
    vpcCni: `${STAGING}launchpad:cluster:Cluster$aws:eks/addon:Addon::launchpad-staging-cluster-vpc-cni`,
    namespace: `${STAGING}launchpad:cluster:Cluster$kubernetes:core/v1:Namespace::launchpad-staging-cluster-namespace`,
    nodes: `${STAGING}launchpad:cluster:Cluster$aws:eks/nodeGroup:NodeGroup::launchpad-staging-cluster-nodes`,
    nodes1: `${STAGING}launchpad:cluster:Cluster$aws:eks/nodeGroup:NodeGroup::launchpad-staging-cluster-nodes-1`,
    autoscaler: `${STAGING}launchpad:platform:Platform$kubernetes:helm.sh/v3:Release::launchpad-staging-platform-autoscaler`,
    lbc: `${STAGING}launchpad:platform:Platform$kubernetes:helm.sh/v3:Release::launchpad-staging-platform-lbc`,
};

let base: PlanDocument;
beforeAll(async () => {
    base = await savedPlan("staging");
});

/** The base with `edit` applied, saved, and checked by `npm run policy -- --plan <file> --json`. */
const check = (edit?: (doc: PlanDocument) => void) => checkSaved(base, dir, edit);

const byUrn = (doc: PlanDocument, urn: string): DocResource => {
    const r = doc.resources.find((x) => x.urn === urn);
    if (r === undefined) throw new Error(`no ${urn} in the plan`);
    return r;
};
const withoutChart = (chart: string) => (doc: PlanDocument) => {
    doc.resources = doc.resources.filter((r) => r.inputs.chart !== chart);
};
const mandatory = (policy: string, urn: string, message: string): Violation => ({ policy, level: "mandatory", urn, message });

describe("the committed staging plan", () => {
    it("has the Pushgateway's release depend on the Namespace through its namespace input", () => {
        expect(byUrn(base, URNS.pushgateway).dependencies).toContain(URNS.namespace);
    });
});

describe("npm run policy -- --plan: the preflight on the staging plan with the platform", () => {
    it("passes: exit 0, no violation of any policy", async () => {
        expect(await check()).toEqual({ code: 0, violations: [] });
    });

    it("catches an Ingress without a controller (the AWS Load Balancer Controller chart removed): exit 3", async () => {
        expect(await check(withoutChart("aws-load-balancer-controller"))).toEqual({
            code: 3,
            violations: [mandatory("preflight-ingress-controller", URNS.ingress, "Ingress launchpad-staging/api uses ingress class alb, which no controller in the plan or the existing cluster provides (the plan installs no ingress controller and the existing cluster declares no class): install its controller (the aws-load-balancer-controller chart provides alb), or declare it in the cluster's provides.ingressClasses.")],
        });
    });

    it("catches the alb Ingress's weighted action naming a Service the plan lacks, and a weight past 999: exit 3", async () => {
        const key = "alb.ingress.kubernetes.io/actions.api-colors";
        const result = await check((doc) => {
            const annotations = (byUrn(doc, URNS.ingress).inputs.metadata as { annotations: Record<string, string> }).annotations;
            annotations[key] = annotations[key].replace('"api-green"', '"api-gren"').replace('"weight":100', '"weight":1000');
        });
        const at = "Ingress launchpad-staging/api rule api.staging.example.com path / (action api-colors, port use-annotation)";
        expect(result).toEqual({
            code: 3,
            violations: [
                // An action with a weight ELB refuses changes no listener rule (policies/shared/alb.ts):
                // ingress-weights-follow-live leaves it to the preflight rather than judge weights
                // the load balancer never gets.
                mandatory("preflight-ingress-backends", URNS.ingress, `${at}: forwardConfig.targetGroups[1] weight: received 1000; expected an integer from 0 to 999.`),
                mandatory("preflight-ingress-backends", URNS.ingress, `${at}: forwardConfig.targetGroups[1] forwards to Service launchpad-staging/api-gren, which the plan does not create: create it in namespace launchpad-staging or name one the plan has.`),
            ],
        });
    });

    // The controller's Action.validate runs before it builds any target group (enhanced_backend_builder.go
    // buildActionViaAnnotation; config_types.go TargetGroupTuple.validate): the whole action is refused, and
    // ingress-weights-follow-live leaves it to the preflight, as it leaves a weight ELB refuses.
    it("catches a target group naming both a Service and a target group, which the controller refuses whole: exit 3", async () => {
        const key = "alb.ingress.kubernetes.io/actions.api-colors";
        const result = await check((doc) => {
            const annotations = (byUrn(doc, URNS.ingress).inputs.metadata as { annotations: Record<string, string> }).annotations;
            annotations[key] = annotations[key].replace('"serviceName":"api-green"', '"serviceName":"api-green","targetGroupName":"legacy"');
        });
        const at = "Ingress launchpad-staging/api rule api.staging.example.com path / (action api-colors, port use-annotation)";
        expect(result).toEqual({
            code: 3,
            violations: [
                mandatory("preflight-ingress-backends", URNS.ingress, `${at}: forwardConfig.targetGroups[1] is refused by the load balancer controller (either serviceName or targetGroupARN/targetGroupName can be specified): keep the Service or the target group.`),
            ],
        });
    });

    it("catches a PVC without a class (the Pushgateway's claim asking for the default, gp3 no longer the default): exit 3", async () => {
        const result = await check((doc) => {
            const gp3 = doc.resources.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass");
            (gp3?.inputs.metadata as { annotations: Record<string, string> }).annotations = {};
            // The plan's claim names gp3 (components/observability.ts): take the name away, as an existing cluster's would be.
            delete (byUrn(doc, URNS.pushgateway).inputs.values as { persistentVolume: Record<string, unknown> }).persistentVolume.storageClass;
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-storage-class", URNS.pushgateway, 'Helm release pushgateway (chart prometheus-pushgateway) creates a PersistentVolumeClaim (persistentVolume.enabled) that asks for the default storage class, and there is none: mark a StorageClass storageclass.kubernetes.io/is-default-class: "true", declare the cluster\'s provides.defaultStorageClass, or set storageClassName (available: gp3).')],
        });
    });

    it("catches an HPA without metrics-server (the chart removed): exit 3, both colors' HPAs", async () => {
        const message = (color: string) => `HorizontalPodAutoscaler launchpad-staging/api-${color} scales on cpu, which needs the metrics.k8s.io API, and nothing in the plan or the existing cluster serves it: install the metrics-server chart or the metrics-server EKS add-on, or declare the cluster's provides.metricsApi.`;
        expect(await check(withoutChart("metrics-server"))).toEqual({
            code: 3,
            violations: [mandatory("preflight-metrics-api", URNS.blueHpa, message("blue")), mandatory("preflight-metrics-api", URNS.greenHpa, message("green"))],
        });
    });

    it("catches a Helm release not depending on the Namespace: exit 3", async () => {
        const result = await check((doc) => {
            const pushgateway = byUrn(doc, URNS.pushgateway);
            pushgateway.dependencies = pushgateway.dependencies.filter((u) => u !== URNS.namespace);
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-namespace", URNS.pushgateway, "Helm release pushgateway (chart prometheus-pushgateway) is in namespace launchpad-staging but does not depend on its Namespace (launchpad-staging-cluster-namespace), so it may be created before the namespace exists and deleted after it: take namespace from the Namespace's metadata.name, or add the Namespace to dependsOn.")],
        });
    });

    it("catches a color's Deployment not depending on the load balancer controller, whose webhook gives its pods their ALB readiness gate at creation only (controller v3.5.0 docs/deploy/pod_readiness_gate.md): exit 3", async () => {
        expect(byUrn(base, URNS.blue).dependencies).toContain(URNS.lbc);
        const result = await check((doc) => {
            const blue = byUrn(doc, URNS.blue);
            blue.dependencies = blue.dependencies.filter((u) => u !== URNS.lbc);
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-readiness-gate-controller", URNS.blue, "Deployment launchpad-staging/api-blue's pods are ip targets through Service launchpad-staging/api-blue (a backend of Ingress launchpad-staging/api) in namespace launchpad-staging, where the controller's pod webhook injects readiness gates, but it does not depend on Helm release aws-load-balancer-controller (chart aws-load-balancer-controller): a pod created before the controller's webhook serves is refused (failurePolicy Fail; it is added at pod creation only), so the rollout waits on a controller nothing orders it after. Add the release to dependsOn.")],
        });
    });

    // Controller v3.5.0 docs/deploy/pod_readiness_gate.md, "Recommended settings": failurePolicy Fail
    // combined with an explicit objectSelector; the chart renders both into the mpod webhook
    // (eks-charts@5239609 stable/aws-load-balancer-controller/templates/webhook.yaml:22, :36-48).
    it("catches the pod webhook failing closed without its objectSelector: exit 3, every chart, Job and CronJob of the namespace named (refused while the controller is down)", async () => {
        const values = byUrn(base, URNS.lbc).inputs.values as Record<string, unknown>;
        expect([values.podMutatorWebhookConfig, values.objectSelector]).toEqual([{ failurePolicy: "Fail" }, { matchLabels: { "launchpad.dev/role": "workload" } }]);
        const result = await check((doc) => {
            delete (byUrn(doc, URNS.lbc).inputs.values as Record<string, unknown>).objectSelector;
        });
        const inNamespace = (r: DocResource) => (r.type === "kubernetes:helm.sh/v3:Release" ? r.inputs.namespace : (r.inputs.metadata as { namespace?: string }).namespace) === "launchpad-staging";
        const releases = base.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && inNamespace(r));
        const named = base.resources.filter((r) => /^kubernetes:batch\/v1:(Job|CronJob)$/.test(r.type) && inNamespace(r));
        expect(releases.map((r) => r.inputs.chart)).toEqual(["kube-state-metrics", "prometheus-pushgateway"]);
        expect(named.map((r) => r.type.split(":").pop()).sort()).toEqual(["CronJob", "CronJob", "CronJob", "CronJob", "Job", "Job", "Job"]);
        expect(result.code).toBe(3);
        expect(result.violations.map((v) => [v.policy, v.urn])).toEqual([...releases, ...named].map((r) => ["preflight-readiness-gate-controller", r.urn]));
        expect(result.violations[0].message).toMatch(/^Helm release kube-state-metrics \(chart kube-state-metrics\) runs its pods in namespace launchpad-staging, where the controller's pod webhook, with failurePolicy Fail and no objectSelector, receives every pod: while the controller is down each of them is refused\./);
        expect(result.violations[2].message).toMatch(/'s pods run to completion and need no readiness gate, but they are sent to the controller's pod webhook in namespace launchpad-staging \(objectSelector: none\) with failurePolicy Fail: while the controller is down every one of them is refused\./);
    });

    it("catches a pod webhook objectSelector the colors' pods do not carry: exit 3, both Deployments named (their pods would never get a readiness gate)", async () => {
        const result = await check((doc) => {
            (byUrn(doc, URNS.lbc).inputs.values as Record<string, unknown>).objectSelector = { matchLabels: { "launchpad.dev/role": "serving" } };
        });
        const message = (color: string) => `Deployment launchpad-staging/api-${color}'s pods are ip targets through Service launchpad-staging/api-${color} (a backend of Ingress launchpad-staging/api) in namespace launchpad-staging, where the controller's pod webhook injects readiness gates, but its objectSelector (launchpad.dev/role=serving) does not select their labels: they never get a readiness gate, so a rollout can end the old pods before the new ones are healthy targets. Label the pod template to match the chart's objectSelector, or widen the selector.`;
        expect(result).toEqual({
            code: 3,
            violations: [
                mandatory("preflight-readiness-gate-controller", URNS.blue, message("blue")),
                mandatory("preflight-readiness-gate-controller", URNS.blue.replace("api-blue", "api-green"), message("green")),
            ],
        });
    });

    it("catches a secretKeyRef to a missing key of the application user's database connection Secret: exit 3", async () => {
        const result = await check((doc) => {
            const container = ((byUrn(doc, URNS.blue).inputs.spec as { template: { spec: { containers: { env: { name: string; valueFrom?: { secretKeyRef: { key: string } } }[] }[] } } }).template.spec.containers[0]);
            const password = container.env.find((e) => e.name === "DATABASE_PASSWORD");
            if (password?.valueFrom === undefined) throw new Error("api-blue reads no DATABASE_PASSWORD");
            password.valueFrom.secretKeyRef.key = "passwd";
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-pod-references", URNS.blue, "Deployment launchpad-staging/api-blue reads key passwd of Secret launchpad-staging/database-app-connection (container app env DATABASE_PASSWORD), which it does not have (it has database, engine, host, password, port and username): name an existing key, add it to the Secret, or mark the reference optional.")],
        });
    });

    it("catches an IRSA trust for the wrong service account (the dump role trusting the verify job's): exit 3", async () => {
        const result = await check((doc) => {
            const role = doc.resources.find((r) => r.name === "launchpad-staging-logical-backup-dump-role");
            if (role === undefined) throw new Error("no dump role in the plan");
            role.inputs.assumeRolePolicy = String(role.inputs.assumeRolePolicy).replace(":launchpad-staging-logical-backup-dump\"", ":launchpad-staging-logical-backup-verify\"");
        });
        const oidc = base.resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider")?.arn ?? "";
        const issuer = oidc.split(":oidc-provider/")[1];
        const subject = "system:serviceaccount:launchpad-staging:launchpad-staging-logical-backup-dump";
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-irsa-trust", URNS.dumpSa, `ServiceAccount launchpad-staging/launchpad-staging-logical-backup-dump (annotation eks.amazonaws.com/role-arn) assumes role launchpad-staging-logical-backup-dump-role, whose trust policy does not let exactly ${subject} assume it through the cluster's OIDC provider (it trusts system:serviceaccount:launchpad-staging:launchpad-staging-logical-backup-verify): allow sts:AssumeRoleWithWebIdentity for Federated ${oidc} with StringEquals ${issuer}:sub = ${subject} and ${issuer}:aud = sts.amazonaws.com, and nothing broader.`)],
        });
    });
});

describe("npm run policy -- --plan: the VPC CNI's IRSA role (issue 11: no AWS permission through the node role)", () => {
    it("passes the committed role: AmazonEKS_CNI_Policy trusted by exactly kube-system:aws-node", async () => {
        const addon = byUrn(base, URNS.vpcCni);
        const role = base.resources.find((r) => r.arn === addon.inputs.serviceAccountRoleArn);
        expect(role?.name).toBe("launchpad-staging-cluster-vpc-cni-role");
        expect(String(role?.inputs.assumeRolePolicy)).toContain(":sub\":\"system:serviceaccount:kube-system:aws-node\"");
        expect(await check()).toEqual({ code: 0, violations: [] });
    });

    it("catches the role trusting another kube-system account (the EBS driver's): exit 3, the add-on named", async () => {
        const result = await check((doc) => {
            const role = doc.resources.find((r) => r.name === "launchpad-staging-cluster-vpc-cni-role");
            if (role === undefined) throw new Error("no vpc-cni role in the plan");
            role.inputs.assumeRolePolicy = String(role.inputs.assumeRolePolicy).replace(":kube-system:aws-node\"", ":kube-system:ebs-csi-controller-sa\"");
        });
        const oidc = base.resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider")?.arn ?? "";
        const issuer = oidc.split(":oidc-provider/")[1];
        const subject = "system:serviceaccount:kube-system:aws-node";
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-irsa-trust", URNS.vpcCni, `EKS add-on vpc-cni (service account kube-system/aws-node) assumes role launchpad-staging-cluster-vpc-cni-role, whose trust policy does not let exactly ${subject} assume it through the cluster's OIDC provider (it trusts system:serviceaccount:kube-system:ebs-csi-controller-sa): allow sts:AssumeRoleWithWebIdentity for Federated ${oidc} with StringEquals ${issuer}:sub = ${subject} and ${issuer}:aud = sts.amazonaws.com, and nothing broader.`)],
        });
    });
});

describe("npm run policy -- --plan: the alb Ingress's weights follow the live Service", () => {
    it("catches the node groups spanning both zones, as the single group did before one per zone (kubernetes/autoscaler cluster-autoscaler/FAQ.md): exit 3, each group named", async () => {
        const result = await check((doc) => {
            const groups = [byUrn(doc, URNS.nodes), byUrn(doc, URNS.nodes1)];
            const subnetIds = groups.flatMap((g) => g.inputs.subnetIds as string[]);
            const subnets = groups.flatMap((g) => g.propertyDependencies.subnetIds);
            for (const g of groups) {
                g.inputs.subnetIds = subnetIds;
                g.propertyDependencies.subnetIds = subnets;
            }
        });
        const message = (name: string) => `Node group ${name} spans 2 zones (us-east-1a and us-east-1b) and Helm release cluster-autoscaler (chart cluster-autoscaler) scales it, while claims of storage class gp3 bind zonal EBS volumes: the autoscaler cannot choose the zone of a node it adds to a multi-zone group, so a pod bound to its volume's zone can stay Pending. Make one node group per zone, each with that zone's subnets only.`;
        expect(result).toEqual({
            code: 3,
            violations: [
                mandatory("preflight-zonal-volumes", URNS.nodes, message("launchpad-staging-cluster-nodes")),
                mandatory("preflight-zonal-volumes", URNS.nodes1, message("launchpad-staging-cluster-nodes-1")),
            ],
        });
    });

    it("catches the autoscaler not balancing the zones' node groups: exit 3", async () => {
        const result = await check((doc) => {
            delete (byUrn(doc, URNS.autoscaler).inputs.values as { extraArgs: Record<string, unknown> }).extraArgs["balance-similar-node-groups"];
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("preflight-zonal-volumes", URNS.autoscaler, "Helm release cluster-autoscaler (chart cluster-autoscaler) scales 2 node groups while claims of storage class gp3 bind zonal EBS volumes, without balance-similar-node-groups: set values.extraArgs.balance-similar-node-groups: true, so it adds nodes to the zones' groups evenly.")],
        });
    });

    it("catches the weights flipped to the idle color without the live Service's selector: exit 3", async () => {
        const key = "alb.ingress.kubernetes.io/actions.api-colors";
        const result = await check((doc) => {
            const annotations = (byUrn(doc, URNS.ingress).inputs.metadata as { annotations: Record<string, string> }).annotations;
            annotations[key] = annotations[key].replace('"weight":0', '"weight":X').replace('"weight":100', '"weight":0').replace('"weight":X', '"weight":100');
        });
        expect(result).toEqual({
            code: 3,
            violations: [mandatory("ingress-weights-follow-live", URNS.ingress, "Ingress api action api-colors weights api's colors api-blue 100, api-green 0, but live Service api selects green: give the green Service all the weight and the other 0, as a color switch sets them.")],
        });
    });
});

describe("a saved plan is judged as the plan it was saved from", () => {
    it.each(["staging", "production"])("%s: npm run policy -- --plan reports what npm run plan -- --policy reports", async (stack) => {
        const planned = await planCli(["--stack", stack, "--json", "--policy"]);
        const { policy, ...doc } = JSON.parse(planned.stdout) as PlanDocument & { policy: unknown };
        const file = join(dir, `${stack}.json`);
        writeFileSync(file, JSON.stringify(doc));
        const saved = await policyCli(["--plan", file, "--stack", stack, "--json"]);
        expect(saved.code).toBe(planned.code);
        expect((JSON.parse(saved.stdout) as { policy: unknown }).policy).toEqual(policy);
    });
});
