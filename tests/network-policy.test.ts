/**
 * The application namespace's NetworkPolicies (components/network-policy.ts): the builders' exact
 * inputs per committed stack and on an existing cluster, the policies they make, their place in the
 * plan (beside the Namespace, valid networking.k8s.io/v1 objects), and the VPC CNI add-on that
 * enforces them on Launchpad's EKS.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eksAddonArgs, VPC_CNI_NETWORK_POLICY } from "../components/eks-addon";
import { EKS_ADDON_VERSIONS, vpcCniNetworkPolicyProblem } from "../lib/versions";
import { eksNetworkPolicyInputs, existingNetworkPolicyInputs, EXPORTER_POD_LABELS, namespacePolicies, type NetworkPolicyInputs } from "../components/network-policy";
import type { LaunchpadConfig } from "../config";
import { loadConfigFor, problemsOf } from "./support/config";
import { validateKubernetesObject } from "./support/k8s-schema";
import { input, named, ofType, planStack } from "./support/plan";
import { stagingConfig, tempProject } from "./support/project";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const inputsOf = (c: LaunchpadConfig): NetworkPolicyInputs => eksNetworkPolicyInputs({ network: c.network, services: c.services, backend: c.observability.backend });

describe("eksNetworkPolicyInputs: the sources, from config alone", () => {
    // staging: 10.20.0.0/16 over 2 AZs; production: 10.10.0.0/16 over 3 (Pulumi.<stack>.yaml; components/network.ts planSubnets).
    it("staging: the internet-facing ALB from the public subnets, the AMP scraper from the private ones", async () => {
        expect(inputsOf(await loadConfigFor("staging"))).toEqual({
            services: [{ name: "api", port: 8080, exposedFrom: [{ cidr: "10.20.224.0/22" }, { cidr: "10.20.228.0/22" }] }],
            scrapeFrom: [{ cidr: "10.20.0.0/19" }, { cidr: "10.20.32.0/19" }],
        });
    });

    it("production: the same over its three zones", async () => {
        expect(inputsOf(await loadConfigFor("production"))).toEqual({
            services: [{ name: "api", port: 8080, exposedFrom: [{ cidr: "10.10.224.0/22" }, { cidr: "10.10.228.0/22" }, { cidr: "10.10.232.0/22" }] }],
            scrapeFrom: [{ cidr: "10.10.0.0/19" }, { cidr: "10.10.32.0/19" }, { cidr: "10.10.64.0/19" }],
        });
    });

    it("an internal ALB sends from the private subnets (its discovery tag kubernetes.io/role/internal-elb); a team Prometheus scrapes from the VPC", async () => {
        const c = await loadConfigFor("staging", ["launchpad:services.api.expose.ingress.scheme=internal", "launchpad:observability.prometheusUrl=https://prometheus.internal.example.com"]);
        expect(inputsOf(c)).toEqual({
            services: [{ name: "api", port: 8080, exposedFrom: [{ cidr: "10.20.0.0/19" }, { cidr: "10.20.32.0/19" }] }],
            scrapeFrom: [{ cidr: "10.20.0.0/16" }],
        });
    });

    it("a service exposed by nothing has no load balancer source", async () => {
        const c = await loadConfigFor("staging", ["launchpad:services.api.expose={\"type\":\"ClusterIP\"}"]);
        expect(inputsOf(c).services).toEqual([{ name: "api", port: 8080, exposedFrom: [] }]);
    });
});

describe("existingNetworkPolicyInputs: the sources the cluster declares", () => {
    it("the ingress sources for exposed services only, the scrape source for all", async () => {
        const services = (await loadConfigFor("staging", ['launchpad:services.worker={"releases":{"blue":{"image":"ghcr.io/acme/worker:1.0.0"},"green":{"image":"ghcr.io/acme/worker:1.0.1"}}}'])).services;
        expect(existingNetworkPolicyInputs({ declared: { ingressFrom: [{ namespace: "ingress-nginx" }], scrapeFrom: [{ cidr: "10.0.0.0/16" }] }, services })).toEqual({
            services: [{ name: "api", port: 8080, exposedFrom: [{ namespace: "ingress-nginx" }] }, { name: "worker", port: 8080, exposedFrom: [] }],
            scrapeFrom: [{ cidr: "10.0.0.0/16" }],
        });
    });
});

describe("namespacePolicies", () => {
    const inputs: NetworkPolicyInputs = {
        services: [{ name: "api", port: 8080, exposedFrom: [{ cidr: "10.20.224.0/22" }] }, { name: "worker", port: 9000, exposedFrom: [] }],
        scrapeFrom: [{ namespace: "monitoring" }],
    };

    it("denies ingress by default, then admits each real source on its port only", () => {
        expect(namespacePolicies(inputs)).toEqual([
            { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] }, afterAllows: true },
            {
                name: "api-serving",
                afterAllows: false,
                spec: {
                    podSelector: { matchLabels: { app: "api", "launchpad.dev/role": "workload" } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        { from: [{ ipBlock: { cidr: "10.20.224.0/22" } }], ports: [{ protocol: "TCP", port: 8080 }] },
                        { from: [{ podSelector: { matchLabels: { app: "api" }, matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["smoke-gate", "loadtest"] }] } }], ports: [{ protocol: "TCP", port: 8080 }] },
                        // Two services: each one's serving pods reach the other's port.
                        { from: [{ podSelector: { matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["workload"] }] } }], ports: [{ protocol: "TCP", port: 8080 }] },
                        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
                    ],
                },
            },
            {
                name: "worker-serving",
                afterAllows: false,
                spec: {
                    podSelector: { matchLabels: { app: "worker", "launchpad.dev/role": "workload" } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        { from: [{ podSelector: { matchLabels: { app: "worker" }, matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["smoke-gate", "loadtest"] }] } }], ports: [{ protocol: "TCP", port: 9000 }] },
                        { from: [{ podSelector: { matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["workload"] }] } }], ports: [{ protocol: "TCP", port: 9000 }] },
                        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9000 }] },
                    ],
                },
            },
            {
                name: "pushgateway",
                afterAllows: false,
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": "pushgateway" } },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [
                                { podSelector: { matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["smoke-gate", "loadtest"] }] } },
                                { podSelector: { matchLabels: { "app.kubernetes.io/name": "launchpad-db-backup" } } },
                            ],
                            ports: [{ protocol: "TCP", port: 9091 }],
                        },
                        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9091 }] },
                    ],
                },
            },
            {
                name: "kube-state-metrics",
                afterAllows: false,
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": "kube-state-metrics" } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8080 }] }],
                },
            },
        ]);
    });

    it("with no scrape source, kube-state-metrics admits nothing (an empty from would admit everyone)", () => {
        const ksm = namespacePolicies({ ...inputs, scrapeFrom: [] }).find((p) => p.name === "kube-state-metrics");
        expect(ksm?.spec.ingress).toEqual([]);
    });
});

describe("the committed stacks' plans", () => {
    it.each(["staging", "production"])("%s: four NetworkPolicies in the application namespace, each taking it from the Namespace, each valid networking.k8s.io/v1", async (stack) => {
        const p = await planStack(stack);
        const policies = ofType(p, NETPOL);
        const built = namespacePolicies(inputsOf(await loadConfigFor(stack)));
        expect(policies.map((r) => r.name).sort()).toEqual(built.map((b) => `launchpad-${stack}-cluster-netpol-${b.name}`).sort());
        expect(built.map((b) => b.name)).toEqual(["default-deny-ingress", "api-serving", "pushgateway", "kube-state-metrics"]);
        for (const b of built) expect(input(named(p, `launchpad-${stack}-cluster-netpol-${b.name}`), "spec")).toEqual(b.spec);
        const namespace = named(p, `launchpad-${stack}-cluster-namespace`);
        // The deny only once every allow exists: a live pod never sees the deny without its allow.
        const deny = named(p, `launchpad-${stack}-cluster-netpol-default-deny-ingress`);
        expect([...deny.dependsOn].sort()).toEqual(policies.filter((r) => r !== deny).map((r) => r.urn).sort());
        for (const r of policies) {
            expect(input(r, "metadata.namespace")).toBe(`launchpad-${stack}`);
            expect(r.dependencies).toContain(namespace.urn);
            expect(() => validateKubernetesObject(r)).not.toThrow();
        }
    });

    it("enables network policy on the VPC CNI add-on, with the EKS user guide's key and string value", async () => {
        const p = await planStack("staging");
        expect(input(named(p, "launchpad-staging-cluster-vpc-cni"), "configurationValues")).toBe('{"enableNetworkPolicy":"true"}');
        expect(JSON.parse(VPC_CNI_NETWORK_POLICY)).toEqual({ enableNetworkPolicy: "true" });
    });
});

describe("the exporters' pod labels the policies select", () => {
    // The charts' selectorLabels, vendored at their pins (vendor/<chart>/templates/_helpers.tpl):
    // name from `<chart>.name` (the chart's name unless nameOverride), instance the release's name.
    const helpers = (chart: string): string => readFileSync(join(__dirname, "..", "vendor", chart, "templates", "_helpers.tpl"), "utf8");
    it.each([
        ["prometheus-pushgateway", "launchpad-staging-observability-pushgateway", EXPORTER_POD_LABELS.pushgateway],
        ["kube-state-metrics", "launchpad-staging-observability-kube-state-metrics", EXPORTER_POD_LABELS.kubeStateMetrics],
    ] as const)("%s: the template's selectorLabels, with the planned release's name and no nameOverride or selectorOverride", async (chart, release, labels) => {
        const t = helpers(chart);
        expect(t).toContain(`define "${chart}.name" -}}\n{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-"`);
        expect(t).toMatch(new RegExp(`define "${chart}\\.selectorLabels" -?}}\\n(?:\\{\\{- if \\.Values\\.selectorOverride }}\\n\\{\\{ toYaml \\.Values\\.selectorOverride }}\\n\\{\\{- else }}\\n)?app\\.kubernetes\\.io/name: \\{\\{ include "${chart}\\.name" \\. }}\\napp\\.kubernetes\\.io/instance: \\{\\{ \\.Release\\.Name }}\\n`));
        const r = named(await planStack("staging"), release);
        const values = input(r, "values") as Record<string, unknown>;
        expect([values.nameOverride, values.selectorOverride]).toEqual([undefined, undefined]);
        expect(labels).toEqual({ "app.kubernetes.io/name": input(r, "chart"), "app.kubernetes.io/instance": input(r, "name") });
    });
});

describe("the AMP scraper's subnets", () => {
    // AMP API Reference, API_EksConfiguration: subnetIds "Maximum number of 5 items"; a sixth is refused by CreateScraper.
    it("six AZs: the scraper gets the first five private subnets, and the scrape rule admits exactly those five", async () => {
        // In us-east-2: us-east-1 has six zones but one is use1-az3, which EKS refuses (components/network.ts EKS_REFUSED_ZONE_IDS).
        const sets = ["aws:region=us-east-2", "launchpad:network.azCount=6", "launchpad:nodeGroup={minSize: 6, desiredSize: 6, maxSize: 12}"];
        const p = await planStack("staging", sets);
        const privateSubnets = ofType(p, "aws:ec2/subnet:Subnet").filter((r) => /-private-\d$/.test(r.name));
        expect(privateSubnets).toHaveLength(6);
        const scraper = ofType(p, "aws:amp/scraper:Scraper");
        expect(scraper).toHaveLength(1);
        const given = input(scraper[0], "source.eks.subnetIds") as string[];
        expect(given).toHaveLength(5);
        expect(given).toEqual(privateSubnets.filter((r) => !r.name.endsWith("-5")).map((r) => r.id));
        const cidrsGiven = privateSubnets.filter((r) => given.includes(r.id as string)).map((r) => ({ cidr: input(r, "cidrBlock") }));
        expect(inputsOf(await loadConfigFor("staging", sets)).scrapeFrom).toEqual(cidrsGiven);
    });
});

describe("an existing cluster", () => {
    const KUBECONFIG = { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" };
    const PROVIDES = { ingressClasses: ["alb"], defaultStorageClass: true, metricsApi: true };
    const silent = tempProject("shop", stagingConfig({ "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: PROVIDES } }));
    const declared = tempProject("shop", stagingConfig({
        "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: { ...PROVIDES, networkPolicy: { ingressFrom: [{ namespace: "ingress-nginx" }], scrapeFrom: [{ cidr: "10.0.0.0/16" }] } } },
        "launchpad:services": { web: { releases: { blue: { image: "ghcr.io/launchpad-test/web:1.0.0" }, green: { image: "ghcr.io/launchpad-test/web:1.0.1" } }, expose: { ingress: { host: "web.example.org", className: "nginx" } } } },
        "launchpad:observability": { prometheusUrl: "https://prometheus.shop.example.org" },
    }));
    afterAll(() => {
        silent.dispose();
        declared.dispose();
    });

    it("that declares no enforcement gets no NetworkPolicy: a policy it ignores would be false comfort", async () => {
        const p = await planStack("shop", [], { root: silent.root });
        expect(ofType(p, NETPOL)).toEqual([]);
    });

    it("that declares it gets the policies, admitting the sources it names", async () => {
        const p = await planStack("shop", [], { root: declared.root });
        expect(ofType(p, NETPOL).map((r) => input(r, "metadata.name")).sort()).toEqual(["default-deny-ingress", "kube-state-metrics", "pushgateway", "web-serving"]);
        expect(input(named(p, "launchpad-shop-cluster-netpol-web-serving"), "spec.ingress")).toEqual([
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
            { from: [{ podSelector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "launchpad.dev/role", operator: "In", values: ["smoke-gate", "loadtest"] }] } }], ports: [{ protocol: "TCP", port: 8080 }] },
            { from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
    });
});

describe("the VPC CNI version that can enforce them (v1.19.3, the first with network policy agent v1.2.0, aws-network-policy-agent 88497bf; EKS's own floor is v1.14.0-eksbuild.3)", () => {
    it.each([
        ["v1.19.3-eksbuild.1", undefined],
        ["v1.19.4-eksbuild.1", undefined],
        ["v1.21.1-eksbuild.7", undefined],
        ["v2.0.0-eksbuild.1", undefined],
        // v1.19.2 ships agent v1.1.6 (amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml at v1.19.2), without the fix.
        // It and v1.14.0-eksbuild.3 do enforce policies (EKS's floor): the message must not say they cannot.
        ["v1.19.2-eksbuild.5", "vpc-cni v1.19.2-eksbuild.5 is too old for Launchpad's NetworkPolicies: they need v1.19.3-eksbuild.1 or later (network policy agent v1.2.0: no dropped replies at pod startup; lib/versions.ts VPC_CNI_NETWORK_POLICY_MINIMUM)"],
        ["v1.14.0-eksbuild.3", "vpc-cni v1.14.0-eksbuild.3 is too old for Launchpad's NetworkPolicies: they need v1.19.3-eksbuild.1 or later (network policy agent v1.2.0: no dropped replies at pod startup; lib/versions.ts VPC_CNI_NETWORK_POLICY_MINIMUM)"],
        ["v1.13.4-eksbuild.1", "vpc-cni v1.13.4-eksbuild.1 is too old for Launchpad's NetworkPolicies: they need v1.19.3-eksbuild.1 or later (network policy agent v1.2.0: no dropped replies at pod startup; lib/versions.ts VPC_CNI_NETWORK_POLICY_MINIMUM)"],
        // The offline plan's stand-in for a version EKS resolves at deploy: checked once resolved.
        ["eks-default-for-1.36", undefined],
    ])("%s", (version, problem) => {
        expect(vpcCniNetworkPolicyProblem(version)).toBe(problem);
    });

    it("every vpc-cni value lib/versions.ts pins (used or for reference) is new enough", () => {
        for (const pins of Object.values(EKS_ADDON_VERSIONS)) expect(vpcCniNetworkPolicyProblem(pins["vpc-cni"])).toBeUndefined();
    });

    it("eksAddonArgs passes configuration values through, and leaves them out when none are given", () => {
        const base = { clusterName: "c", addonName: "vpc-cni" as const, addonVersion: "v1.21.1-eksbuild.7", tags: {} };
        expect(eksAddonArgs({ ...base, configurationValues: VPC_CNI_NETWORK_POLICY }).configurationValues).toBe('{"enableNetworkPolicy":"true"}');
        expect("configurationValues" in eksAddonArgs(base)).toBe(false);
    });
});

describe("launchpad:cluster.provides.networkPolicy: each source is a namespace or a CIDR, and the errors say which", () => {
    const problems = (networkPolicy: unknown): readonly string[] => problemsOf({
        project: "launchpad",
        stack: "shop",
        secretKeys: new Set<string>(),
        offlinePlan: true,
        values: {
            "aws:region": "us-east-1",
            "launchpad:tier": "staging",
            "launchpad:drRegion": "us-west-2",
            "launchpad:cluster": { kubeconfig: "apiVersion: v1", provides: { networkPolicy } },
            "launchpad:services": { web: { releases: { blue: { image: "ghcr.io/launchpad-test/web:1.0.0" }, green: { image: "ghcr.io/launchpad-test/web:1.0.1" } } } },
        },
    }).filter((p) => p.includes("networkPolicy"));
    const key = "launchpad:cluster.provides.networkPolicy.ingressFrom[0]";

    it.each([
        [{ ingressFrom: [{ namespace: "ingress-nginx" }], scrapeFrom: [{ cidr: "10.0.0.0/16" }] }, []],
        [{ ingressFrom: [{ cidr: "10.0.0.1/16" }] }, [`${key}.cidr: received "10.0.0.1/16"; expected an IPv4 CIDR with its network address (host bits zero), such as "10.0.0.0/16"`]],
        [{ ingressFrom: [{ namespace: "Bad_NS" }] }, [`${key}.namespace: received "Bad_NS"; expected a DNS-1123 label (lower-case letters, digits, '-')`]],
        [{ ingressFrom: [{}] }, [`${key}: received {}; expected exactly one of { namespace: <namespace> } or { cidr: <IPv4 CIDR> }`]],
        [{ ingressFrom: [{ namespace: "a", cidr: "10.0.0.0/8" }] }, [`${key}: received {"namespace":"a","cidr":"10.0.0.0/8"}; expected exactly one of { namespace: <namespace> } or { cidr: <IPv4 CIDR> }`]],
    ] as const)("%j", (networkPolicy, expected) => {
        expect(problems(networkPolicy)).toEqual(expected);
    });
});
