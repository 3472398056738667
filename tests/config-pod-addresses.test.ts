/**
 * Each zone's private subnet has room for the addresses its node group's pods take. The VPC CNI gives
 * every pod a subnet address and, with its default WARM_ENI_TARGET=1, holds a node's ENIs whole, as
 * many as the node's max pods need (the ENI formula, capped by the managed node group at 110 below 30
 * vCPUs), IPv4Limit addresses each, numbers read from the CNI's own table
 * (vendor/amazon-vpc-cni/vpc_ip_resource_limit.go, aws/amazon-vpc-cni-k8s at b5218838).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../config";
import { AWS_RESERVED_PER_SUBNET, LOAD_BALANCER_SUBNET, podAddressProblems, privateSubnetRoom, privateSubnetTenants, publicSubnetProblems, publicSubnetRoom } from "../config/network";
import { eniLimitTable, instanceTypeCatalogue, MANAGED_NODE_GROUP_MAX_PODS, nodeAddressCeiling, nodeGroupSchema, parseEniLimits, standardAmiRefusal } from "../config/node-group";
import { internalLoadBalancerCount, internetFacingLoadBalancerCount, type RawService } from "../config/services";
import { VPC_CNI_NETWORK_POLICY } from "../components/eks-addon";
import { planSubnets } from "../components/network";
import { REPO_ROOT } from "../plan/engine";
import { loadConfigFor, problemsOf } from "./support/config";
import { MINIMAL_SERVICES, REQUIRED_CONFIG } from "./support/project";

const VENDOR = join(REPO_ROOT, "vendor", "amazon-vpc-cni");
const GO_SOURCE = readFileSync(join(VENDOR, "vpc_ip_resource_limit.go"), "utf8");
const show = (value: unknown): string => JSON.stringify(value);

function input(values: Record<string, unknown>): ConfigInput {
    return { project: "launchpad", stack: "staging", values: { ...REQUIRED_CONFIG, ...values }, secretKeys: new Set(), now: new Date("2026-12-02T00:00:00Z") };
}

/** The staging stack of REQUIRED_CONFIG with this VPC and node group (two zones unless told). */
function stack(cidr: string, nodeGroup: Record<string, unknown>, more: Record<string, unknown> = {}): ConfigInput {
    return input({ "launchpad:network": { cidr, azCount: 2 }, "launchpad:nodeGroup": { instanceTypes: ["t3.large"], minSize: 2, ...nodeGroup }, ...more });
}

/** Every problem of the rule's two keys, with the other rules' problems left out. */
function addressProblems(config: ConfigInput): readonly string[] {
    return problemsOf(config).filter((p) => p.includes("usable addresses"));
}

// What a /20 over two zones leaves, as the messages state it: a /23 private subnet (512 - 5 = 507),
// less the EKS control plane (16), RDS and a restore drill (2) and the AMP scraper (1): 488, so 13
// t3.large nodes of 36 (3 ENIs x 12: vpc_ip_resource_limit.go "t3.large" ENILimit 3, IPv4Limit 12).
const SLASH_20_T3 =
    "each of the 2 zones' private subnets (a /23 such as 10.0.0.0/23, 1/8 of launchpad:network.cidr \"10.0.0.0/20\") has 507 usable addresses, " +
    "19 of them for EKS control plane 16, RDS instance and restore drill 2, AMP scraper 1, leaving 488: room for 13 t3.large nodes of 36 addresses " +
    "(3 of its 3 ENIs x 12 IPv4 each: the VPC CNI, at its default WARM_ENI_TARGET=1, attaches whole ENIs until they address the node's max pods, " +
    "35 = 3 x (12 - 1) + 2, the ENI formula, under the managed node group's cap of 110 for 2 vCPUs; aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go @ b5218838)";
const WAYS = (field: string): string => `ways out: a larger launchpad:network.cidr (each step down in prefix doubles the subnets), a smaller launchpad:nodeGroup.${field}, or instance types with fewer addresses`;

/** One service exposed each way the load balancer counts tell apart: (a) none, (b) an internet-facing and (c) an internal "alb" Ingress, (d) a LoadBalancer Service, (e) an internal and (g) an internet-facing Ingress of another class, (f) an internal Ingress of the default class. */
const EXPOSURES: Record<string, RawService> = (() => {
    const base = MINIMAL_SERVICES.web as unknown as RawService;
    const svc = (expose: object): RawService => ({ ...base, expose } as RawService);
    return {
        a: svc({ type: "ClusterIP" }),
        b: svc({ type: "ClusterIP", ingress: { host: "b.example.com", className: "alb", path: "/", scheme: "internet-facing" } }),
        c: svc({ type: "ClusterIP", ingress: { host: "c.example.com", className: "alb", path: "/", scheme: "internal" } }),
        d: svc({ type: "LoadBalancer" }),
        e: svc({ type: "ClusterIP", ingress: { host: "e.example.com", className: "nginx", path: "/", scheme: "internal" } }),
        f: svc({ type: "ClusterIP", ingress: { host: "f.example.com", path: "/", scheme: "internal" } }),
        g: svc({ type: "ClusterIP", ingress: { host: "g.example.com", className: "nginx", path: "/", scheme: "internet-facing" } }),
    };
})();

describe("the vendored VPC CNI limits", () => {
    const source = readFileSync(join(VENDOR, "SOURCE.md"), "utf8");

    it("is the blob SOURCE.md names", () => {
        const blob = /\| blob \| ([0-9a-f]{40}) \|/.exec(source)?.[1];
        const bytes = readFileSync(join(VENDOR, "vpc_ip_resource_limit.go"));
        expect(blob).toBe(createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"));
        expect(source).toContain(`| sha256 of the copy | ${createHash("sha256").update(bytes).digest("hex")} |`);
    });

    it("reads every entry, with the file's ENILimit and IPv4Limit", () => {
        const table = parseEniLimits(GO_SOURCE);
        // Counted independently: each map key line of the generated file.
        expect(table.size).toBe(GO_SOURCE.match(/^\t"[^"]+": \{$/gm)?.length);
        expect(table.size).toBe(1391);
        // vpc_ip_resource_limit.go: "t3.large" 3, 12; "t3.small" 3, 4; "m6i.xlarge" 4, 15; "m5.24xlarge" 15, 50.
        expect(table.get("t3.large")).toEqual({ enis: 3, ipv4PerEni: 12 });
        expect(table.get("t3.small")).toEqual({ enis: 3, ipv4PerEni: 4 });
        expect(table.get("m6i.xlarge")).toEqual({ enis: 4, ipv4PerEni: 15 });
        expect(table.get("m5.24xlarge")).toEqual({ enis: 15, ipv4PerEni: 50 });
        expect(eniLimitTable().get("t3.large")).toEqual({ enis: 3, ipv4PerEni: 12 });
    });

    it("refuses a copy whose layout it cannot read whole, rather than a shorter table", () => {
        const changed = GO_SOURCE.replace('\t"t3.large": {\n\t\tENILimit:                3,', '\t"t3.large": {\n\t\tENILimit: 3, // moved');
        expect(changed).not.toBe(GO_SOURCE);
        expect(() => parseEniLimits(changed)).toThrow(/read 1390 of 1391 entries; the vendored file's layout changed/);
    });

    it("knows every type the autoscaler's catalogue holds and the node group's AMI runs, so none escapes the rule", () => {
        const table = eniLimitTable();
        const missing = [...instanceTypeCatalogue()].filter(([t, s]) => standardAmiRefusal(t, s) === undefined && !table.has(t)).map(([t]) => t);
        expect(missing).toEqual([]);
    });
});

/** What a node of `type` takes, with its vCPUs from the autoscaler's catalogue. */
function ceiling(type: string): ReturnType<typeof nodeAddressCeiling> {
    return nodeAddressCeiling(eniLimitTable().get(type), instanceTypeCatalogue().get(type)?.vcpu ?? Number.NaN);
}

describe("what one node takes: the ENIs its max pods need, each full", () => {
    it("rests on the add-on's defaults: the stack's vpc-cni configuration sets no WARM_*, MINIMUM_IP_TARGET nor prefix delegation", () => {
        // Setting any of them changes how many addresses a node holds: revisit nodeAddressCeiling (config/node-group.ts) first.
        expect(JSON.parse(VPC_CNI_NETWORK_POLICY)).toEqual({ enableNetworkPolicy: "true" });
    });

    it("matches the CNI's own example and nodeadm's max-pods formula: every ENI, when max pods is the ENI formula", () => {
        // docs/eni-and-ip-target.md (b5218838), first table: t3.small, WARM_ENI_TARGET 1, 5 pods: 3 ENIs,
        // 9 secondary addresses ("3,3,3"), so with each ENI's primary address 12, the node's whole allowance.
        expect(ceiling("t3.small")?.addresses).toBe(3 + 9);
        // awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go (81fec2e8) calculateStandardMaxPods:
        // DefaultMaxENIs * (Ipv4AddressesPerInterface - 1) + 2; misc/eni-max-pods.txt (b5218838) "t3.large 35".
        expect(ceiling("t3.large")).toEqual({ maxPods: 35, eniMaxPods: 35, cap: 110, enis: 3, addresses: 36 });
        expect(ceiling("m6i.xlarge")).toEqual({ maxPods: 58, eniMaxPods: 58, cap: 110, enis: 4, addresses: 60 });
        expect(nodeAddressCeiling(undefined, 2)).toBeUndefined();
    });

    it("counts only the ENIs that address the managed node group's capped max pods (110 below 30 vCPUs, 250 from 30)", () => {
        // EKS user guide create-managed-node-group.adoc line 23 and eks-networking-add-ons.adoc line 2493;
        // awsdocs/amazon-eks-user-guide#663: an m5a.4xlarge managed node "always limits to 110", not 234.
        expect(MANAGED_NODE_GROUP_MAX_PODS).toEqual({ vcpusForHigh: 30, low: 110, high: 250 });
        // m5.4xlarge: 16 vCPUs, 8 ENIs x 30 (vpc_ip_resource_limit.go); ipamd stops adding ENIs once their
        // 29 secondary addresses each reach max pods (ipamd.go isDatastorePoolTooLow): ceil(110 / 29) = 4.
        expect(ceiling("m5.4xlarge")).toEqual({ maxPods: 110, eniMaxPods: 234, cap: 110, enis: 4, addresses: 120 });
        // m5.24xlarge: 96 vCPUs, 15 ENIs x 50: 737 by the formula, 250 by the cap, ceil(250 / 49) = 6 ENIs.
        expect(ceiling("m5.24xlarge")).toEqual({ maxPods: 250, eniMaxPods: 737, cap: 250, enis: 6, addresses: 300 });
        // The same limits judged at 29 and 30 vCPUs: the cap's edge (250 taken at exactly 30, the larger reading).
        const limits = { enis: 8, ipv4PerEni: 30 };
        expect(nodeAddressCeiling(limits, 29)?.maxPods).toBe(110);
        expect(nodeAddressCeiling(limits, 30)?.maxPods).toBe(234);
    });

    it("never counts more than the type's ENIs nor fewer than max pods need", () => {
        for (const [type, spec] of instanceTypeCatalogue()) {
            const limits = eniLimitTable().get(type);
            const node = nodeAddressCeiling(limits, spec.vcpu);
            if (limits === undefined || node === undefined) continue;
            expect(node.enis).toBeLessThanOrEqual(limits.enis);
            expect(node.addresses).toBe(node.enis * limits.ipv4PerEni);
            // Enough secondary addresses for every pod the node admits (the host-network ones need none).
            expect(node.enis * (limits.ipv4PerEni - 1) >= node.maxPods || node.enis === limits.enis).toBe(true);
        }
    });
});

describe("the private subnets' room", () => {
    it.each([
        ["10.0.0.0/16", "10.0.0.0/19", 8192 - 5],
        ["10.0.0.0/20", "10.0.0.0/23", 512 - 5],
        ["172.16.0.0/18", "172.16.0.0/21", 2048 - 5],
    ])("%s: private subnets like %s with %i usable addresses, the subnets the Network makes", (cidr, first, usable) => {
        expect(privateSubnetRoom(cidr)).toEqual({ cidr: first, usable });
        expect(planSubnets(cidr, 2).private[0]).toBe(first);
        expect(AWS_RESERVED_PER_SUBNET).toBe(5);
    });

    it("counts what else the stack puts there", () => {
        expect(privateSubnetTenants({ database: true, ampScraper: true, internalLoadBalancers: 2 })).toEqual([
            { what: "EKS control plane", addresses: 16 },
            { what: "RDS instance and restore drill", addresses: 2 },
            { what: "AMP scraper", addresses: 1 },
            { what: "2 internal load balancers", addresses: 16 },
        ]);
        expect(privateSubnetTenants({ database: false, ampScraper: false, internalLoadBalancers: 0 })).toEqual([{ what: "EKS control plane", addresses: 16 }]);
    });

    it("counts internal \"alb\" Ingresses and LoadBalancer Services as internal load balancers, not internet-facing or other classes' Ingresses", () => {
        expect(internalLoadBalancerCount(EXPOSURES)).toBe(2);
    });
});

describe("config refuses a node group its zone's private subnet cannot address", () => {
    it("refuses a /20 with 450 t3.large, naming the numbers and the ways out", () => {
        expect(addressProblems(stack("10.0.0.0/20", { maxSize: 450 }))).toEqual([
            `launchpad:nodeGroup.maxSize: received 450; expected at most 22 (13 nodes per zone, 2 of them kept for a node group update's surge): ${SLASH_20_T3}; ` +
                `227 nodes a zone at maxSize during an update would need 8172, and the Cluster Autoscaler would add nodes whose pods get no address; ${WAYS("maxSize")}`,
        ]);
    });

    it("accepts the default /16 with 448 t3.large: 224 nodes a zone and the surge's 2 are 226 x 36 = 8136 of the 8168 left; the managed node group's quota of 450 needs 227 x 36 = 8172", () => {
        expect(problemsOf(stack("10.0.0.0/16", { maxSize: 448 }))).toEqual([]);
        // The defaults themselves: network.cidr 10.0.0.0/16 over 2 zones, t3.large.
        expect(problemsOf(input({ "launchpad:nodeGroup": { maxSize: 448 } }))).toEqual([]);
        expect(addressProblems(input({ "launchpad:nodeGroup": { maxSize: 450 } }))).toEqual([
            expect.stringMatching(/^launchpad:nodeGroup\.maxSize: received 450; expected at most 448 \(226 nodes per zone, .* has 8187 usable addresses, 19 of them for EKS control plane 16, RDS instance and restore drill 2, AMP scraper 1, leaving 8168: room for 226 t3\.large nodes/),
        ]);
    });

    it("refuses that same /16 at 448 once five internal load balancers take their 8 addresses each (8128 left: 225 nodes)", () => {
        const services = Object.fromEntries(["a", "b", "c", "d", "e"].map((n) => [n, { ...MINIMAL_SERVICES.web, expose: { type: "LoadBalancer" } }]));
        expect(addressProblems(stack("10.0.0.0/16", { maxSize: 448 }, { "launchpad:services": services }))).toEqual([
            expect.stringMatching(/^launchpad:nodeGroup\.maxSize: received 448; expected at most 446 \(225 nodes per zone, .* has 8187 usable addresses, 59 of them for EKS control plane 16, RDS instance and restore drill 2, AMP scraper 1, 5 internal load balancers 40, leaving 8128: room for 225 t3\.large nodes/),
        ]);
    });

    it("holds exactly at the /20's edge: maxSize 22 accepted, 24 refused", () => {
        expect(problemsOf(stack("10.0.0.0/20", { maxSize: 22 }))).toEqual([]);
        expect(addressProblems(stack("10.0.0.0/20", { maxSize: 24 }))).toEqual([
            `launchpad:nodeGroup.maxSize: received 24; expected at most 22 (13 nodes per zone, 2 of them kept for a node group update's surge): ${SLASH_20_T3}; ` +
                `14 nodes a zone at maxSize during an update would need 504, and the Cluster Autoscaler would add nodes whose pods get no address; ${WAYS("maxSize")}`,
        ]);
    });

    it("refuses a desiredSize that cannot start, under its own key, or minSize's when desiredSize is unset", () => {
        const desired = `expected at most 26 (13 nodes per zone): ${SLASH_20_T3}; 14 nodes a zone would need 504 from the first pulumi up;`;
        expect(addressProblems(stack("10.0.0.0/20", { minSize: 2, desiredSize: 28, maxSize: 28 }))).toEqual([
            `launchpad:nodeGroup.desiredSize: received 28; ${desired} ${WAYS("desiredSize")}`,
            expect.stringMatching(/^launchpad:nodeGroup\.maxSize: received 28; expected at most 22 /),
        ]);
        expect(addressProblems(stack("10.0.0.0/20", { minSize: 28, maxSize: 28 }))[0]).toBe(`launchpad:nodeGroup.minSize: received 28; ${desired} ${WAYS("minSize")}`);
    });

    it("counts a large type by the max pods its managed nodes run: m5.4xlarge at 110 pods takes 120 addresses, not its 8 ENIs' 240", () => {
        // 498 left a zone / 120 = 4 nodes: 2 a zone at maxSize plus the surge's 2. Counting every ENI (240)
        // would leave room for 2, refusing even maxSize 2.
        expect(problemsOf(stack("10.0.0.0/20", { instanceTypes: ["m5.4xlarge"], maxSize: 4 }))).toEqual([]);
        expect(addressProblems(stack("10.0.0.0/20", { instanceTypes: ["m5.4xlarge"], maxSize: 6 }))).toEqual([
            "launchpad:nodeGroup.maxSize: received 6; expected at most 4 (4 nodes per zone, 2 of them kept for a node group update's surge): " +
                "each of the 2 zones' private subnets (a /23 such as 10.0.0.0/23, 1/8 of launchpad:network.cidr \"10.0.0.0/20\") has 507 usable addresses, " +
                "19 of them for EKS control plane 16, RDS instance and restore drill 2, AMP scraper 1, leaving 488: room for 4 m5.4xlarge nodes of 120 addresses " +
                "(4 of its 8 ENIs x 30 IPv4 each: the VPC CNI, at its default WARM_ENI_TARGET=1, attaches whole ENIs until they address the node's max pods, " +
                "110, the managed node group's cap for 16 vCPUs, under the ENI formula's 234; aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go @ b5218838); " +
                `5 nodes a zone at maxSize during an update would need 600, and the Cluster Autoscaler would add nodes whose pods get no address; ${WAYS("maxSize")}`,
        ]);
    });

    it("judges several instance types by the one with the most addresses", () => {
        // m5.large: 3 ENIs x 10 = 30 (vpc_ip_resource_limit.go), same 2 vCPU and 8 GiB as t3.large: 498 / 30 = 16 a zone.
        expect(problemsOf(stack("10.0.0.0/20", { instanceTypes: ["m5.large"], maxSize: 28 }))).toEqual([]);
        expect(addressProblems(stack("10.0.0.0/20", { instanceTypes: ["m5.large", "t3.large"], maxSize: 28 }))).toEqual([
            expect.stringMatching(/^launchpad:nodeGroup\.maxSize: received 28; expected at most 22 .* room for 13 t3\.large nodes of 36 addresses/),
        ]);
    });

    it("does not apply to an existing cluster: Launchpad plans no subnet and runs no node group there", () => {
        const values = {
            "launchpad:cluster": { kubeconfig: "apiVersion: v1" },
            "launchpad:observability": { prometheusUrl: "https://prometheus.example.com" },
            "launchpad:network": { cidr: "10.0.0.0/20" },
            "launchpad:nodeGroup": { maxSize: 450 },
        };
        expect(addressProblems({ ...input(values), secretKeys: new Set(["launchpad:cluster"]) })).toEqual([]);
    });

    it("is a pure function of the network, the node group and the tenants", () => {
        const ng = nodeGroupSchema.parse({ maxSize: 24 });
        const tenants = privateSubnetTenants({ database: false, ampScraper: false, internalLoadBalancers: 0 });
        // 501 left / 36 = 13: the same edge with only the control plane's 6.
        expect(podAddressProblems({ cidr: "10.0.0.0/20", azCount: 2 }, ng, tenants, show)).toHaveLength(1);
        expect(podAddressProblems({ cidr: "10.0.0.0/20", azCount: 2 }, nodeGroupSchema.parse({ maxSize: 22 }), tenants, show)).toEqual([]);
    });
});

/** `count` services, each with an "alb" Ingress of `scheme` on a host of its own. */
function albServices(count: number, scheme: "internet-facing" | "internal" = "internet-facing"): Record<string, unknown> {
    return Object.fromEntries([...Array(count).keys()].map((i) => [`web${i}`, { ...MINIMAL_SERVICES.web, expose: { ingress: { host: `web${i}.launchpad-test.dev`, className: "alb", scheme } } }]));
}

function publicProblems(config: ConfigInput): readonly string[] {
    return problemsOf(config).filter((p) => p.includes("public subnet"));
}

describe("the public subnets' room for internet-facing load balancers", () => {
    it.each([
        // ELB user guide, "Subnets for Your Load Balancer": "at least a /27 bitmask": every VPC config allows (/16 to /20) gives /22 to /26.
        ["10.0.0.0/16", "10.0.224.0/22", 1024 - 5],
        ["10.0.0.0/20", "10.0.14.0/26", 64 - 5],
    ])("%s: public subnets like %s with %i usable addresses, the subnets the Network makes, at least a /27", (cidr, first, usable) => {
        const room = publicSubnetRoom(cidr);
        expect(room).toEqual({ cidr: first, prefix: Number(first.split("/")[1]), usable });
        expect(planSubnets(cidr, 2).public[0]).toBe(first);
        expect(room?.prefix).toBeLessThanOrEqual(LOAD_BALANCER_SUBNET.maxPrefix);
    });

    it("counts internet-facing \"alb\" Ingresses only", () => {
        expect(internetFacingLoadBalancerCount(EXPOSURES)).toBe(1);
    });

    it("refuses a /20 with 8 internet-facing Ingresses (1 + 8 x 8 = 65 of the /26's 59), accepts 7 (57)", () => {
        expect(problemsOf(input({ "launchpad:network": { cidr: "10.0.0.0/20" }, "launchpad:services": albServices(7) }))).toEqual([]);
        expect(publicProblems(input({ "launchpad:network": { cidr: "10.0.0.0/20" }, "launchpad:services": albServices(8) }))).toEqual([
            "launchpad:network.cidr: received \"10.0.0.0/20\"; expected a block whose public subnets hold 8 internet-facing load balancers (\"alb\" Ingresses of launchpad:services), 8 free addresses each, and a NAT gateway: " +
                "each zone's public subnet (a /26 such as 10.0.14.0/26, 1/64 of it) has 59 usable addresses, 65 needed, room for 7 (ELB user guide, \"Subnets for Your Load Balancer\": at least 8 free addresses; the load balancer controller leaves out a subnet with fewer); " +
                "ways out: a larger launchpad:network.cidr (each step down in prefix doubles the subnets), or fewer internet-facing Ingresses",
        ]);
        // Internal ones go to the private subnets, counted there.
        expect(publicProblems(input({ "launchpad:network": { cidr: "10.0.0.0/20" }, "launchpad:services": albServices(8, "internal") }))).toEqual([]);
        expect(publicProblems(input({ "launchpad:network": { cidr: "10.0.0.0/19" }, "launchpad:services": albServices(8) }))).toEqual([]);
    });

    it("refuses a public subnet smaller than a /27 (a pure function: the config schema allows no such VPC)", () => {
        // A /21's public subnets are /27s: the smallest allowed; a /22's are /28s.
        expect(publicSubnetProblems({ cidr: "10.0.0.0/21" }, 1, show)).toEqual([]);
        expect(publicSubnetProblems({ cidr: "10.0.0.0/22" }, 1, show)).toEqual([
            "launchpad:network.cidr: received \"10.0.0.0/22\"; expected a block whose public subnets are /27 or larger: each zone's public subnet (a /28 such as 10.0.3.128/28, 1/64 of it) is smaller than a load balancer's subnet may be (ELB user guide, \"Subnets for Your Load Balancer\")",
        ]);
        expect(publicSubnetProblems({ cidr: "10.0.0.0/22" }, 0, show)).toEqual([]);
    });
});

describe("the config reference", () => {
    it("gives the numbers the rule computes", () => {
        const description = String(nodeGroupSchema.meta()?.description);
        expect(description).toContain(`t3.large ${ceiling("t3.large")?.addresses}, m6i.xlarge ${ceiling("m6i.xlarge")?.addresses}, m5.4xlarge ${ceiling("m5.4xlarge")?.addresses})`);
        expect(description).toContain("(a /20 network.cidr over 2 zones allows 22 t3.large)");
        expect(problemsOf(input({ "launchpad:network": { cidr: "10.0.0.0/20" }, "launchpad:nodeGroup": { maxSize: 22 } }))).toEqual([]);
        expect(addressProblems(input({ "launchpad:network": { cidr: "10.0.0.0/20" }, "launchpad:nodeGroup": { maxSize: 24 } }))).toHaveLength(1);
    });
});

describe("the committed stacks", () => {
    it.each([
        // staging: 10.20.0.0/16 over 2 zones, t3.large, maxSize 4: 2 + 2 nodes a zone of the 227 that fit.
        ["staging", 2, 4],
        // production: 10.10.0.0/16 over 3 zones, m6i.xlarge/m6a.xlarge (4 ENIs x 15 = 60), maxSize 12: 4 + 2 of 136.
        ["production", 3, 12],
    ])("%s passes with room to spare", async (name, zones, maxSize) => {
        const config = await loadConfigFor(name);
        expect([config.network.azCount, config.nodeGroup.maxSize]).toEqual([zones, maxSize]);
        const room = privateSubnetRoom(config.network.cidr);
        const perNode = Math.max(...config.nodeGroup.instanceTypes.map((t) => ceiling(t)?.addresses ?? 0));
        expect(room?.usable).toBe(8187);
        expect((maxSize / zones + 2) * perNode).toBeLessThan(8187 - 9);
    });
});
