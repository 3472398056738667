/**
 * The NetworkPolicy preflight (policies/pod-traffic.ts) on saved plans (`npm run policy -- --plan`):
 * the committed staging plan passes; an edit that drops an allow rule, narrows one, or takes the
 * enforcement away is caught with exit 3, naming the Service, the port and the source (or the
 * policy nothing enforces). And on an existing cluster: the sources it declares, or the gap when it
 * declares none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies, type Violation } from "../policies/evaluate";
import { POD_TRAFFIC_POLICIES } from "../policies/pod-traffic";
import type { Json } from "../plan/values";
import { planStack } from "./support/plan";
import { checkSaved, savedPlan, type DocResource, type PlanDocument } from "./support/saved-plan";
import { EXISTING_NETWORK } from "./support/config";
import { stagingConfig, tempProject } from "./support/project";
import { scratchDir } from "./support/scratch";

interface Rule {
    from: Record<string, unknown>[];
    ports: { protocol: string; port: number }[];
}

const dir = scratchDir("launchpad-pod-traffic-");
const STAGING = "urn:pulumi:staging::launchpad::launchpad:environment:Environment$";
const NETPOL = `${STAGING}launchpad:cluster:Cluster$kubernetes:networking.k8s.io/v1:NetworkPolicy::launchpad-staging-cluster-netpol-`;
const URNS = {
    bluePreview: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:core/v1:Service::launchpad-staging-api-blue-preview`,
    greenPreview: `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:core/v1:Service::launchpad-staging-api-green-preview`,
    pushgateway: `${STAGING}launchpad:observability:Observability$kubernetes:helm.sh/v3:Release::launchpad-staging-observability-pushgateway`,
    kubeStateMetrics: `${STAGING}launchpad:observability:Observability$kubernetes:helm.sh/v3:Release::launchpad-staging-observability-kube-state-metrics`,
};
const ALB = "the load balancer of Ingress launchpad-staging/api (internet-facing: the subnets tagged kubernetes.io/role/elb, 10.20.224.0/22 and 10.20.228.0/22)";

let base: PlanDocument;
beforeAll(async () => {
    base = await savedPlan("staging");
});

/** The base with `edit` applied, saved and checked by `npm run policy -- --plan <file> --json`: the exit code and this file's two policies' violations. */
async function check(edit?: (doc: PlanDocument) => void): Promise<{ code: number; violations: Violation[] }> {
    const r = await checkSaved(base, dir, edit);
    return { code: r.code, violations: r.violations.filter((v) => v.policy.startsWith("preflight-network-policy")) };
}

/** The ingress rules of NetworkPolicy `name` in the edited document. */
const rulesOf = (doc: PlanDocument, name: string): Rule[] => {
    const r = doc.resources.find((x) => x.urn === `${NETPOL}${name}`);
    if (r === undefined) throw new Error(`no NetworkPolicy ${name} in the plan`);
    return (r.inputs.spec as { ingress: Rule[] }).ingress;
};
const vpcCni = (doc: PlanDocument): DocResource => {
    const r = doc.resources.find((x) => x.type === "aws:eks/addon:Addon" && x.inputs.addonName === "vpc-cni");
    if (r === undefined) throw new Error("no vpc-cni add-on in the plan");
    return r;
};
const admits = (urn: string, message: string): Violation => ({ policy: "preflight-network-policy-admits", level: "mandatory", urn, message });
const gap = (target: string, source: string, pods: string, port: number, rule: string) =>
    `${target} is reached by ${source}, but no NetworkPolicy of namespace launchpad-staging admits that to the pods of ${pods} on container port ${port}: add an ingress rule from ${rule} on port ${port} to a policy that selects them.`;
// In plan order: the default deny last, once the allows exist.
const POLICY_NAMES = ["kube-state-metrics", "pushgateway", "api-serving", "default-deny-ingress"];

describe("npm run policy -- --plan: the NetworkPolicy preflight on the staging plan", () => {
    it("passes: exit 0, no violation", async () => {
        expect(await check()).toEqual({ code: 0, violations: [] });
    });

    it("catches the VPC CNI add-on without network policy enabled: each policy is enforced by nothing, exit 3", async () => {
        const why = 'the VPC CNI add-on launchpad-staging-cluster-vpc-cni does not enable network policy (its configurationValues have no enableNetworkPolicy "true"), so it admits all traffic whatever the policy says: set configurationValues to {"enableNetworkPolicy":"true"} (EKS user guide, "Restrict Pod network traffic with Kubernetes network policies")';
        expect(await check((doc) => void delete vpcCni(doc).inputs.configurationValues)).toEqual({
            code: 3,
            violations: POLICY_NAMES.map((n) => ({ policy: "preflight-network-policy-enforced", level: "mandatory", urn: `${NETPOL}${n}`, message: `NetworkPolicy launchpad-staging/${n} is enforced by nothing: ${why}.` })),
        });
    });

    it("catches enableNetworkPolicy \"false\" the same way", async () => {
        const r = await check((doc) => void (vpcCni(doc).inputs.configurationValues = '{"enableNetworkPolicy":"false"}'));
        expect([r.code, r.violations.map((v) => v.policy)]).toEqual([3, POLICY_NAMES.map(() => "preflight-network-policy-enforced")]);
    });

    it("catches a dropped smoke-gate rule: each preview Service, port and gate Job named, exit 3", async () => {
        expect(await check((doc) => void rulesOf(doc, "api-serving").splice(1, 1))).toEqual({
            code: 3,
            violations: (["blue", "green"] as const).map((c) => admits(c === "blue" ? URNS.bluePreview : URNS.greenPreview, gap(
                `port http (80) of Service launchpad-staging/api-${c}`,
                `the pods of Job launchpad-staging/api-${c}-gate-${c === "blue" ? "b121b3a9b3" : "c2514e9503"} (given http://api-${c}.launchpad-staging.svc...:80)`,
                `Deployment launchpad-staging/api-${c}`, 8080,
                "namespace launchpad-staging podSelector app=api,app.kubernetes.io/name=api,launchpad.dev/role=smoke-gate",
            ))),
        });
    });

    it("catches the ALB rule dropped, or narrowed to one of its two subnets: exit 3", async () => {
        const expected = {
            code: 3,
            violations: (["blue", "green"] as const).map((c) => admits(c === "blue" ? URNS.bluePreview : URNS.greenPreview, gap(
                `port http (80) of Service launchpad-staging/api-${c}`, ALB, `Deployment launchpad-staging/api-${c}`, 8080, "an ipBlock for each of 10.20.224.0/22 and 10.20.228.0/22",
            ))),
        };
        expect(await check((doc) => void rulesOf(doc, "api-serving").splice(0, 1))).toEqual(expected);
        expect(await check((doc) => void rulesOf(doc, "api-serving")[0].from.splice(1, 1))).toEqual(expected);
    });

    it("catches the rule on the Service's port (80) instead of the container port the pods listen on (8080): the load balancer, the gates and the scrape, exit 3", async () => {
        const r = await check((doc) => {
            for (const rule of rulesOf(doc, "api-serving")) rule.ports = [{ protocol: "TCP", port: 80 }];
        });
        expect(r.code).toBe(3);
        expect(r.violations.map((v) => v.message.split(", but ")[0])).toEqual([
            `port http (80) of Service launchpad-staging/api-blue is reached by ${ALB}`,
            `port http (80) of Service launchpad-staging/api-green is reached by ${ALB}`,
            "port http (80) of Service launchpad-staging/api-blue is reached by the pods of Job launchpad-staging/api-blue-gate-b121b3a9b3 (given http://api-blue.launchpad-staging.svc...:80)",
            "port http (80) of Service launchpad-staging/api-green is reached by the pods of Job launchpad-staging/api-green-gate-c2514e9503 (given http://api-green.launchpad-staging.svc...:80)",
            "port 8080 of the pods of Deployment launchpad-staging/api-blue, scraped by pod, is reached by the managed scraper launchpad-staging-observability-scraper (its subnets, 10.20.0.0/19 and 10.20.32.0/19)",
            "port 8080 of the pods of Deployment launchpad-staging/api-green, scraped by pod, is reached by the managed scraper launchpad-staging-observability-scraper (its subnets, 10.20.0.0/19 and 10.20.32.0/19)",
        ]);
    });

    it("catches the Pushgateway closed to the Jobs that push: every backup CronJob and gate Job named, exit 3", async () => {
        const r = await check((doc) => void rulesOf(doc, "pushgateway").splice(0, 1));
        const backup = "namespace launchpad-staging podSelector app.kubernetes.io/name=launchpad-db-backup";
        const gate = "namespace launchpad-staging podSelector app=api,app.kubernetes.io/name=api,launchpad.dev/role=smoke-gate";
        const target = "port http (9091) of Service launchpad-staging/pushgateway";
        const pods = "Helm release pushgateway (chart prometheus-pushgateway)";
        const given = (w: string) => `the pods of ${w} (given http://pushgateway.launchpad-staging.svc...:9091)`;
        expect(r).toEqual({
            code: 3,
            violations: [
                admits(URNS.pushgateway, gap(target, given("CronJob launchpad-staging/launchpad-staging-logical-backup-metrics"), pods, 9091, backup)),
                admits(URNS.pushgateway, gap(target, given("CronJob launchpad-staging/launchpad-staging-logical-backup-verify-c3f0edf2"), pods, 9091, backup)),
                admits(URNS.pushgateway, gap(target, given("CronJob launchpad-staging/launchpad-staging-logical-backup-dump-52604fb2"), pods, 9091, backup)),
                admits(URNS.pushgateway, gap(target, given("Job launchpad-staging/api-blue-gate-b121b3a9b3"), pods, 9091, gate)),
                admits(URNS.pushgateway, gap(target, given("Job launchpad-staging/api-green-gate-c2514e9503"), pods, 9091, gate)),
            ],
        });
    });

    it("catches kube-state-metrics closed to the managed scraper: exit 3", async () => {
        expect(await check((doc) => void rulesOf(doc, "kube-state-metrics").splice(0))).toEqual({
            code: 3,
            violations: [admits(URNS.kubeStateMetrics, gap(
                "port http (8080) of Service launchpad-staging/kube-state-metrics",
                "the managed scraper launchpad-staging-observability-scraper (its subnets, 10.20.0.0/19 and 10.20.32.0/19)",
                "Helm release kube-state-metrics (chart kube-state-metrics)", 8080, "an ipBlock for each of 10.20.0.0/19 and 10.20.32.0/19",
            ))],
        });
    });

    it("with the load gate (staging's performance.loadGate): its Jobs, given the preview Service in their run spec, are named too", async () => {
        const withGate = await checkSaved(await savedPlan("staging", ['launchpad:services.api.performance={"loadGate":true}']), dir, (doc) => void rulesOf(doc, "api-serving").splice(1, 1));
        expect(withGate.code).toBe(3);
        expect(withGate.violations.filter((v) => v.policy === "preflight-network-policy-admits").map((v) => v.message.split(", but ")[0])).toEqual([
            "port http (80) of Service launchpad-staging/api-blue is reached by the pods of Job launchpad-staging/api-blue-gate-b121b3a9b3 (given http://api-blue.launchpad-staging.svc...:80)",
            "port http (80) of Service launchpad-staging/api-green is reached by the pods of Job launchpad-staging/api-green-gate-c2514e9503 (given http://api-green.launchpad-staging.svc...:80)",
            "port http (80) of Service launchpad-staging/api-blue is reached by the pods of Job launchpad-staging/api-blue-load-b27da5e1e5 (given http://api-blue.launchpad-staging.svc...:80)",
            "port http (80) of Service launchpad-staging/api-green is reached by the pods of Job launchpad-staging/api-green-load-930142e6c1 (given http://api-green.launchpad-staging.svc...:80)",
        ]);
    });

    // The controller's Service webhook gives a LoadBalancer Service its NLB, with the chart's ip
    // targets: requests and health checks come from the NLB's subnets, internal unless annotated
    // (aws-load-balancer-controller pkg/service/model_build_target_group.go, docs/guide/service/annotations.md lb-scheme).
    it("a LoadBalancer Service: its NLB's subnets by scheme, so an internet-facing NLB (public subnets) is a gap the private subnets do not cover: exit 3", async () => {
        const lb = await savedPlan("staging", ['launchpad:services.api.expose={"type":"LoadBalancer"}']);
        const live = `${STAGING}launchpad:delivery:BlueGreenService$kubernetes:core/v1:Service::launchpad-staging-api-live`;
        expect((await checkSaved(lb, dir)).violations.filter((v) => v.policy.startsWith("preflight-network-policy"))).toEqual([]);
        const internetFacing = await checkSaved(lb, dir, (doc) => {
            const svc = doc.resources.find((r) => r.urn === live);
            if (svc === undefined) throw new Error("no live Service in the plan");
            const metadata = svc.inputs.metadata as { annotations?: Record<string, string> };
            metadata.annotations = { ...metadata.annotations, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" };
        });
        expect(internetFacing.code).toBe(3);
        expect(internetFacing.violations.filter((v) => v.policy.startsWith("preflight-network-policy"))).toEqual([admits(live, gap(
            "port http (80) of Service launchpad-staging/api",
            "the load balancer of Service launchpad-staging/api (an NLB, internet-facing: the subnets tagged kubernetes.io/role/elb, 10.20.224.0/22 and 10.20.228.0/22)",
            "Deployment launchpad-staging/api-green", 8080, "an ipBlock for each of 10.20.224.0/22 and 10.20.228.0/22",
        ))]);
    });

    // The controller's default scheme is internal, for an ALB as for an NLB (aws-load-balancer-controller
    // docs/guide/ingress/annotations.md, scheme): an Ingress without the annotation sends from the private subnets.
    it("an Ingress without a scheme annotation gets an internal ALB: with the scrape rule (the private subnets) gone, its gap is named, exit 3", async () => {
        const r = await check((doc) => {
            rulesOf(doc, "api-serving").splice(2, 1);
            const ing = doc.resources.find((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress");
            if (ing === undefined) throw new Error("no Ingress in the plan");
            delete (ing.inputs.metadata as { annotations: Record<string, string> }).annotations["alb.ingress.kubernetes.io/scheme"];
        });
        expect(r.code).toBe(3);
        expect(r.violations.map((v) => v.message.split(", but ")[0]).filter((m) => m.includes("Ingress"))).toEqual((["blue", "green"] as const).map((c) =>
            `port http (80) of Service launchpad-staging/api-${c} is reached by the load balancer of Ingress launchpad-staging/api (internal: the subnets tagged kubernetes.io/role/internal-elb, 10.20.0.0/19 and 10.20.32.0/19)`));
    });

    // A backend Service's own target-type annotation wins over the Ingress's (aws-load-balancer-controller
    // docs/guide/ingress/annotations.md: target-type applies to "Ingress,Service").
    it("a preview Service annotated target-type ip behind an Ingress that says instance is reached from the ALB's subnets, not the nodes'", async () => {
        const r = await check((doc) => {
            rulesOf(doc, "api-serving").splice(2, 1);
            for (const x of doc.resources) {
                const metadata = x.inputs.metadata as { annotations?: Record<string, string> } | undefined;
                if (x.type === "kubernetes:networking.k8s.io/v1:Ingress" && metadata !== undefined) metadata.annotations = { ...metadata.annotations, "alb.ingress.kubernetes.io/target-type": "instance" };
                if ((x.urn === URNS.bluePreview || x.urn === URNS.greenPreview) && metadata !== undefined) metadata.annotations = { ...metadata.annotations, "alb.ingress.kubernetes.io/target-type": "ip" };
            }
        });
        // Only the scrape's gaps: the ALB's public subnets are admitted by the load balancer rule.
        expect(r.violations.map((v) => v.message.split(", but ")[0]).filter((m) => m.includes("Ingress"))).toEqual([]);
        expect(r.violations.length).toBe(2);
    });

    // A pod's DNS search list completes `api-blue` and `api-blue.launchpad-staging` to the Service's
    // name (kubernetes.io concepts/services-networking/dns-pod-service), so such a URL is a call too.
    it("catches a dropped gate rule when the gate is given the short http://api-blue or http://api-blue.launchpad-staging: exit 3", async () => {
        const shorten = (target: (c: string) => string) => (doc: PlanDocument) => {
            rulesOf(doc, "api-serving").splice(1, 1);
            for (const r of doc.resources.filter((x) => /-api-(blue|green)-gate$/.test(x.name))) {
                const container = (r.inputs.spec as { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0];
                container.command = container.command.map((a) => a.replace(/^http:\/\/api-(blue|green)\.launchpad-staging\.svc\.cluster\.local:80$/, (_, c: string) => target(c)));
            }
        };
        for (const target of [(c: string) => `http://api-${c}`, (c: string) => `http://api-${c}.launchpad-staging:80/`]) {
            const r = await check(shorten(target));
            expect(r.code).toBe(3);
            expect(r.violations.map((v) => v.message.split(", but ")[0])).toEqual((["blue", "green"] as const).map((c) =>
                `port http (80) of Service launchpad-staging/api-${c} is reached by the pods of Job launchpad-staging/api-${c}-gate-${c === "blue" ? "b121b3a9b3" : "c2514e9503"} (given ${target(c).replace(/\/$/, "")})`));
        }
    });

    it("a short host that names no Service of the namespace (http://api-blue.example.com, http://localhost:8080) is not a call", async () => {
        expect(await check((doc) => {
            for (const r of doc.resources.filter((x) => /-api-(blue|green)-gate$/.test(x.name))) {
                const container = (r.inputs.spec as { template: { spec: { containers: { command: string[]; args?: string[] }[] } } }).template.spec.containers[0];
                container.args = ["http://api-blue.example.com", "http://localhost:8080", "https://api-green.launchpad-staging.svc.example.org"];
            }
        })).toEqual({ code: 0, violations: [] });
    });

    it("a pod no policy selects is open: dropping the default deny and kube-state-metrics' policy leaves it reachable", async () => {
        expect(await check((doc) => {
            doc.resources = doc.resources.filter((r) => r.urn !== `${NETPOL}default-deny-ingress` && r.urn !== `${NETPOL}kube-state-metrics`);
        })).toEqual({ code: 0, violations: [] });
    });
});

describe("on an existing cluster, the sources it declares", () => {
    const KUBECONFIG = { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" };
    const project = (networkPolicy: Record<string, unknown>, prometheusUrl = true, dataLayer = false) => tempProject("shop", stagingConfig({
        "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: { ingressClasses: ["nginx"], defaultStorageClass: true, metricsApi: true, networkPolicy } },
        "launchpad:services": { web: { releases: { blue: { image: "ghcr.io/launchpad-test/web:1.0.0" }, green: { image: "ghcr.io/launchpad-test/web:1.0.1" } }, expose: { ingress: { host: "web.example.org", className: "nginx" } } } },
        ...(prometheusUrl ? { "launchpad:observability": { prometheusUrl: "https://prometheus.shop.example.org" } } : {}),
        ...(dataLayer ? { "launchpad:network": { existing: EXISTING_NETWORK } } : {}),
    }));
    const declared = project({ ingressFrom: [{ namespace: "ingress-nginx" }], scrapeFrom: [{ namespace: "monitoring" }] });
    const noUrl = project({ ingressFrom: [{ cidr: "10.0.0.0/16" }], scrapeFrom: [{ namespace: "monitoring" }] }, false);
    const silent = project({});
    // A data layer brings the DR restore drill's VPC and subnets (components/backup-plan.ts), in the DR region.
    const silentWithData = project({}, true, true);
    afterAll(() => {
        declared.dispose();
        noUrl.dispose();
        silent.dispose();
        silentWithData.dispose();
    });
    const violations = async (root: string) => evaluatePolicies(await planStack("shop", [], { root }), {}, { policies: POD_TRAFFIC_POLICIES });

    it("declared: enforced by the cluster, and the ingress controller's and Prometheus' namespaces admitted", async () => {
        expect(await violations(declared.root)).toEqual([]);
    });

    it("declared without observability.prometheusUrl: the pods are annotated for a Prometheus all the same, and the declared one is admitted", async () => {
        expect(await violations(noUrl.root)).toEqual([]);
    });

    it("declared with no source: the live Service's load balancer and every scrape target are reported as gaps", async () => {
        const v = await violations(silent.root);
        expect(v.every((x) => x.policy === "preflight-network-policy-admits")).toBe(true);
        expect([...new Set(v.map((x) => x.message.split(", but ")[0]))]).toEqual([
            "port http (80) of Service launchpad-shop/web is reached by the load balancer of Ingress launchpad-shop/web, which the existing cluster declares no source for (provides.networkPolicy.ingressFrom)",
            "port 8080 of the pods of Deployment launchpad-shop/web-blue, scraped by pod, is reached by the team's Prometheus, which the existing cluster declares no source for (provides.networkPolicy.scrapeFrom)",
            "port 8080 of the pods of Deployment launchpad-shop/web-green, scraped by pod, is reached by the team's Prometheus, which the existing cluster declares no source for (provides.networkPolicy.scrapeFrom)",
            "port 9091 of the pods of Helm release pushgateway (chart prometheus-pushgateway), scraped by pod, is reached by the team's Prometheus, which the existing cluster declares no source for (provides.networkPolicy.scrapeFrom)",
            "port http (8080) of Service launchpad-shop/kube-state-metrics is reached by the team's Prometheus, which the existing cluster declares no source for (provides.networkPolicy.scrapeFrom)",
        ]);
    });

    it("declared with no source and a data layer: the DR restore drill's subnets, in the DR region, are not a VPC of the stack's, so the same gaps are reported", async () => {
        const [withData, without] = await Promise.all([violations(silentWithData.root), violations(silent.root)]);
        expect(withData.map((x) => x.message)).toEqual(without.map((x) => x.message));
        expect(withData.some((x) => x.message.startsWith("port http (80) of Service launchpad-shop/web is reached by the load balancer of Ingress launchpad-shop/web, which the existing cluster declares no source for"))).toBe(true);
    });
});

describe("a second service that calls the first", () => {
    // `web` reaches `api` by its short name (kubernetes.io concepts/services-networking/dns-pod-service: the
    // pod's search list expands `api` to api.<namespace>.svc.cluster.local), as a platform engineer adding a
    // service writes it. Without a rule for it, the first `up` with the policies would cut the call.
    const sets = ["launchpad:services.web={port: 8080, env: {API_URL: \"http://api:80\"}, releases: {blue: {image: ghcr.io/acme/web:1.0.0}, green: {image: ghcr.io/acme/web:1.0.0}}}"];
    const violations = async (edit?: (p: Awaited<ReturnType<typeof planStack>>) => Awaited<ReturnType<typeof planStack>>) => {
        const p = await planStack("staging", sets);
        return evaluatePolicies(edit === undefined ? p : edit(p), {}, { policies: POD_TRAFFIC_POLICIES });
    };

    it("is admitted: every serving pod of the namespace reaches every service's port, once there are two", async () => {
        expect(await violations()).toEqual([]);
        const p = await planStack("staging", sets);
        const serving = p.resources.find((r) => r.name === "launchpad-staging-cluster-netpol-api-serving");
        expect((serving?.inputs.spec as unknown as { ingress: Rule[] }).ingress).toContainEqual({
            from: [{ podSelector: { matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["workload"] }] } }],
            ports: [{ protocol: "TCP", port: 8080 }],
        });
    });

    it("without that rule, the preflight names the call (exit 3 under `npm run policy`)", async () => {
        const dropWorkloads = (p: Awaited<ReturnType<typeof planStack>>) => ({
            ...p,
            resources: p.resources.map((r) => {
                if (r.name !== "launchpad-staging-cluster-netpol-api-serving") return r;
                const spec = r.inputs.spec as unknown as { ingress: Rule[] };
                const ingress = spec.ingress.filter((x) => !JSON.stringify(x.from).includes('"workload"'));
                return { ...r, inputs: { ...r.inputs, spec: { ...spec, ingress } as unknown as Json } };
            }),
        });
        const v = await violations(dropWorkloads);
        expect(v.length).toBeGreaterThan(0);
        expect(v.every((x) => x.policy === "preflight-network-policy-admits")).toBe(true);
        expect(v.map((x) => x.message).join("\n")).toMatch(/Service launchpad-staging\/api\b.*web-(blue|green)/);
    });
});

describe("a Prometheus of the team's in the stack's VPC (observability.prometheusUrl, no managed scraper)", () => {
    it("is the only VPC source: the DR restore drill's VPC, in the DR region (components/backup-plan.ts), holds no Prometheus", async () => {
        const p = await planStack("staging", ["launchpad:observability.prometheusUrl=https://prometheus.internal.example.com"]);
        const vpcs = p.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc").map((r) => [r.name, r.inputs.cidrBlock, r.inputs.region]);
        expect(vpcs).toEqual([["launchpad-staging-network-vpc", "10.20.0.0/16", undefined], ["launchpad-staging-backup-plan-dr-drill-vpc", "10.254.0.0/24", "us-west-2"]]);
        expect(await evaluatePolicies(p, {}, { policies: POD_TRAFFIC_POLICIES })).toEqual([]);
        // The same VPC moved into the stack's region would be a source its policies do not admit.
        const moved = { ...p, resources: p.resources.map((r) => (r.name === "launchpad-staging-backup-plan-dr-drill-vpc" ? { ...r, inputs: { ...r.inputs, region: "us-east-1" } } : r)) };
        const violations = await evaluatePolicies(moved, {}, { policies: POD_TRAFFIC_POLICIES });
        expect(violations.length).toBeGreaterThan(0);
        expect(violations.every((v) => v.message.includes("a Prometheus in the VPC (10.20.0.0/16 and 10.254.0.0/24)"))).toBe(true);
    });
});
