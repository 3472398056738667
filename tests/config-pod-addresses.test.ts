/**
 * Each zone's private subnet has room for the addresses its node group's pods take. The VPC CNI gives
 * every pod a subnet address and, with its default WARM_ENI_TARGET=1, holds a node's ENIs whole, so a
 * node takes ENILimit x IPv4Limit addresses, numbers read from the CNI's own table
 * (vendor/amazon-vpc-cni/vpc_ip_resource_limit.go, aws/amazon-vpc-cni-k8s at b5218838).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../config";
import { AWS_RESERVED_PER_SUBNET, podAddressProblems, privateSubnetRoom, privateSubnetTenants } from "../config/network";
import { eniLimitTable, instanceTypeCatalogue, nodeAddressCeiling, nodeGroupSchema, parseEniLimits, standardAmiRefusal } from "../config/node-group";
import { internalLoadBalancerCount, type RawService } from "../config/services";
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
// less the EKS control plane (6), RDS and a restore drill (2) and the AMP scraper (1): 498, so 13
// t3.large nodes of 36 (3 ENIs x 12: vpc_ip_resource_limit.go "t3.large" ENILimit 3, IPv4Limit 12).
const SLASH_20_T3 =
    "each of the 2 zones' private subnets (a /23 such as 10.0.0.0/23, 1/8 of launchpad:network.cidr \"10.0.0.0/20\") has 507 usable addresses, " +
    "9 of them for EKS control plane 6, RDS instance and restore drill 2, AMP scraper 1, leaving 498: room for 13 t3.large nodes of 36 addresses " +
    "(3 ENIs x 12 IPv4 each, every ENI full under the VPC CNI's default WARM_ENI_TARGET=1; aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go @ b5218838)";
const WAYS = (field: string): string => `ways out: a larger launchpad:network.cidr (each step down in prefix doubles the subnets), a smaller launchpad:nodeGroup.${field}, or instance types with fewer addresses`;

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

describe("what one node takes: every ENI full", () => {
    it("rests on the add-on's defaults: the stack's vpc-cni configuration sets no WARM_*, MINIMUM_IP_TARGET nor prefix delegation", () => {
        // Setting any of them changes how many addresses a node holds: revisit nodeAddressCeiling (config/node-group.ts) first.
        expect(JSON.parse(VPC_CNI_NETWORK_POLICY)).toEqual({ enableNetworkPolicy: "true" });
    });

    it("matches the CNI's own example and its max-pods formula", () => {
        // docs/eni-and-ip-target.md (b5218838), first table: t3.small, WARM_ENI_TARGET 1, 5 pods: 3 ENIs,
        // 9 secondary addresses ("3,3,3"), so with each ENI's primary address 12, the node's whole allowance.
        expect(nodeAddressCeiling(eniLimitTable().get("t3.small"))).toBe(3 + 9);
        // misc/eni-max-pods.txt (b5218838): "t3.large 35" = 3 * (12 - 1) + 2: at max pods every ENI is attached.
        const t3 = eniLimitTable().get("t3.large");
        expect(t3 !== undefined && t3.enis * (t3.ipv4PerEni - 1) + 2).toBe(35);
        expect(nodeAddressCeiling(t3)).toBe(36);
        expect(nodeAddressCeiling(undefined)).toBeUndefined();
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
            { what: "EKS control plane", addresses: 6 },
            { what: "RDS instance and restore drill", addresses: 2 },
            { what: "AMP scraper", addresses: 1 },
            { what: "2 internal load balancers", addresses: 16 },
        ]);
        expect(privateSubnetTenants({ database: false, ampScraper: false, internalLoadBalancers: 0 })).toEqual([{ what: "EKS control plane", addresses: 6 }]);
    });

    it("counts internal \"alb\" Ingresses and LoadBalancer Services as internal load balancers, not internet-facing or other classes' Ingresses", () => {
        const base = MINIMAL_SERVICES.web as unknown as RawService;
        const svc = (expose: object): RawService => ({ ...base, expose } as RawService);
        expect(internalLoadBalancerCount({
            a: svc({ type: "ClusterIP" }),
            b: svc({ type: "ClusterIP", ingress: { host: "b.example.com", className: "alb", path: "/", scheme: "internet-facing" } }),
            c: svc({ type: "ClusterIP", ingress: { host: "c.example.com", className: "alb", path: "/", scheme: "internal" } }),
            d: svc({ type: "LoadBalancer" }),
            e: svc({ type: "ClusterIP", ingress: { host: "e.example.com", className: "nginx", path: "/", scheme: "internal" } }),
            f: svc({ type: "ClusterIP", ingress: { host: "f.example.com", path: "/", scheme: "internal" } }),
        })).toBe(2);
    });
});

describe("config refuses a node group its zone's private subnet cannot address", () => {
    it("refuses a /20 with 450 t3.large, naming the numbers and the ways out", () => {
        expect(addressProblems(stack("10.0.0.0/20", { maxSize: 450 }))).toEqual([
            `launchpad:nodeGroup.maxSize: received 450; expected at most 22 (13 nodes per zone, 2 of them kept for a node group update's surge): ${SLASH_20_T3}; ` +
                `227 nodes a zone at maxSize during an update would need 8172, and the Cluster Autoscaler would add nodes whose pods get no address; ${WAYS("maxSize")}`,
        ]);
    });

    it("accepts the default /16 with 450 t3.large: 225 nodes a zone and the surge's 2 are 227 x 36 = 8172 of the 8178 left", () => {
        expect(problemsOf(stack("10.0.0.0/16", { maxSize: 450 }))).toEqual([]);
        // The defaults themselves: network.cidr 10.0.0.0/16 over 2 zones, t3.large.
        expect(problemsOf(input({ "launchpad:nodeGroup": { maxSize: 450 } }))).toEqual([]);
    });

    it("refuses that same /16 once an internal load balancer takes its 8 addresses (8170 left: 226 nodes)", () => {
        const services = { web: { ...MINIMAL_SERVICES.web, expose: { type: "LoadBalancer" } } };
        expect(addressProblems(stack("10.0.0.0/16", { maxSize: 450 }, { "launchpad:services": services }))).toEqual([
            expect.stringMatching(/^launchpad:nodeGroup\.maxSize: received 450; expected at most 448 \(226 nodes per zone, .* has 8187 usable addresses, 17 of them for EKS control plane 6, RDS instance and restore drill 2, AMP scraper 1, 1 internal load balancer 8, leaving 8170: room for 226 t3\.large nodes/),
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

describe("the config reference", () => {
    it("gives the numbers the rule computes", () => {
        const description = String(nodeGroupSchema.meta()?.description);
        const t3 = nodeAddressCeiling(eniLimitTable().get("t3.large"));
        const m6i = nodeAddressCeiling(eniLimitTable().get("m6i.xlarge"));
        expect(description).toContain(`(VPC CNI limits: t3.large ${t3}, m6i.xlarge ${m6i})`);
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
        const perNode = Math.max(...config.nodeGroup.instanceTypes.map((t) => nodeAddressCeiling(eniLimitTable().get(t)) ?? 0));
        expect(room?.usable).toBe(8187);
        expect((maxSize / zones + 2) * perNode).toBeLessThan(8187 - 9);
    });
});
