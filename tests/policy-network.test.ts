import { describe, expect, it } from "vitest";
import { eksControlPlaneLogging, eksPublicEndpointRestricted, eksSecretsEncryption, noWorldIngress } from "../policies/network";
import { resource, violations, withInput } from "./support/policy";

/** An application security group: ingress from another security group only. */
const SG = resource("aws:ec2/securityGroup:SecurityGroup", "app-sg", {
    ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: ["sg-0123"] }],
    egress: [],
});
/** A load balancer's security group, open to the world on 80 and 443 only. */
const LB_SG = resource("aws:ec2/securityGroup:SecurityGroup", "web-lb-sg", {
    ingress: [
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
    ],
});

describe("no-world-ingress", () => {
    it("passes an application group and a load balancer's 80/443", async () => {
        expect(await violations(noWorldIngress, SG)).toEqual([]);
        expect(await violations(noWorldIngress, LB_SG)).toEqual([]);
    });

    it("an application group open to the world", async () => {
        expect(await violations(noWorldIngress, withInput(SG, "ingress", [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }]))).toEqual([
            "Security group app-sg admits tcp 22 from 0.0.0.0/0: only a load balancer's security group may be open to the world, on 80 and 443; restrict the source to known CIDRs or security groups.",
        ]);
    });

    it("a load balancer open to the world beyond 80/443", async () => {
        expect(await violations(noWorldIngress, withInput(LB_SG, "ingress", [{ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }]))).toEqual([
            "Security group web-lb-sg admits all traffic from ::/0: only 80 and 443 over tcp may be open to the world on a load balancer; restrict the source to known CIDRs or security groups.",
        ]);
    });

    it("a standalone ingress rule (aws.vpc.SecurityGroupIngressRule) open to the world", async () => {
        const rule = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-anywhere", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" });
        expect(await violations(noWorldIngress, rule)).toEqual([
            "Security group rule db-from-anywhere admits tcp 5432 from 0.0.0.0/0: only a load balancer's security group may be open to the world, on 80 and 443; restrict the source to known CIDRs or security groups.",
        ]);
    });

    // Issue 13: CIDRs were compared as text, so these spellings of "everyone" got through.
    it.each([
        { name: "two halves of IPv4", cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"], ipv6CidrBlocks: [], open: "0.0.0.0/1 and 128.0.0.0/1" },
        { name: "four quarters and a private range", cidrBlocks: ["10.0.0.0/8", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"], ipv6CidrBlocks: [], open: "10.0.0.0/8, 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2 and 192.0.0.0/2" },
        { name: "IPv6 everything spelled ::0/0", cidrBlocks: [], ipv6CidrBlocks: ["::0/0"], open: "::0/0" },
        { name: "IPv6 everything spelled 0:0:0:0:0:0:0:0/0", cidrBlocks: [], ipv6CidrBlocks: ["0:0:0:0:0:0:0:0/0"], open: "0:0:0:0:0:0:0:0/0" },
        { name: "IPv6 halves", cidrBlocks: [], ipv6CidrBlocks: ["::/1", "8000::/1"], open: "::/1 and 8000::/1" },
        { name: "host bits set on the world", cidrBlocks: ["1.2.3.4/0"], ipv6CidrBlocks: [], open: "1.2.3.4/0" },
    ])("an application group open to everyone through $name", async ({ cidrBlocks, ipv6CidrBlocks, open }) => {
        const rule = { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks, ipv6CidrBlocks };
        expect(await violations(noWorldIngress, withInput(SG, "ingress", [rule]))).toEqual([
            `Security group app-sg admits tcp 22 from ${open}: only a load balancer's security group may be open to the world, on 80 and 443; restrict the source to known CIDRs or security groups.`,
        ]);
    });

    // "The world" is more public addresses than a /8 of IPv4 or a /32 of IPv6, counted over the rule's
    // union with private and special-purpose ranges left out (policies/shared/ip-range.ts WORLD_PREFIX):
    // before, only a union covering every address was refused, and 0.0.0.0/1 (half the internet) passed.
    it.each([
        { name: "0.0.0.0/1 alone", cidrBlocks: ["0.0.0.0/1"], ipv6CidrBlocks: [], open: "0.0.0.0/1" },
        { name: "0.0.0.0/2 and 64.0.0.0/2", cidrBlocks: ["0.0.0.0/2", "64.0.0.0/2"], ipv6CidrBlocks: [], open: "0.0.0.0/2 and 64.0.0.0/2" },
        { name: "two public /8s, each allowed alone", cidrBlocks: ["3.0.0.0/8", "52.0.0.0/8"], ipv6CidrBlocks: [], open: "3.0.0.0/8 and 52.0.0.0/8" },
        { name: "a public /7", cidrBlocks: ["52.0.0.0/7"], ipv6CidrBlocks: [], open: "52.0.0.0/7" },
        { name: "::/1", cidrBlocks: [], ipv6CidrBlocks: ["::/1"], open: "::/1" },
        { name: "2000::/3 (all global unicast)", cidrBlocks: [], ipv6CidrBlocks: ["2000::/3"], open: "2000::/3" },
        { name: "two IPv6 /32s", cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["2600::/32", "2a00::/32"], open: "2600::/32 and 2a00::/32" },
    ])("an application group open to the world through $name", async ({ cidrBlocks, ipv6CidrBlocks, open }) => {
        const rule = { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks, ipv6CidrBlocks };
        expect(await violations(noWorldIngress, withInput(SG, "ingress", [rule]))).toEqual([
            `Security group app-sg admits tcp 22 from ${open}: only a load balancer's security group may be open to the world, on 80 and 443; restrict the source to known CIDRs or security groups.`,
        ]);
    });

    it.each([
        { name: "10.0.0.0/8 (RFC 1918)", cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: [] },
        { name: "every private and special-purpose range together", cidrBlocks: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3"], ipv6CidrBlocks: ["fc00::/7", "fe80::/10"] },
        { name: "a public /16", cidrBlocks: ["52.94.0.0/16"], ipv6CidrBlocks: [] },
        { name: "one public /8 exactly", cidrBlocks: ["3.0.0.0/8"], ipv6CidrBlocks: [] },
        { name: "a public /8 with private ranges beside it", cidrBlocks: ["3.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10"], ipv6CidrBlocks: [] },
        { name: "one IPv6 /32", cidrBlocks: [], ipv6CidrBlocks: ["2600::/32"] },
    ])("passes sources of at most a /8's worth of public IPv4 (a /32's of IPv6): $name", async ({ cidrBlocks, ipv6CidrBlocks }) => {
        const rule = { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks, ipv6CidrBlocks };
        expect(await violations(noWorldIngress, withInput(SG, "ingress", [rule]))).toEqual([]);
    });

    it("a LoadBalancer Service whose source ranges are half the internet", async () => {
        const svc = resource("kubernetes:core/v1:Service", "web-admin", { metadata: { name: "admin" }, spec: { type: "LoadBalancer", ports: [{ port: 8080 }], loadBalancerSourceRanges: ["128.0.0.0/1"] } });
        expect(await violations(noWorldIngress, svc)).toEqual([
            "Service admin exposes tcp 8080 to 128.0.0.0/1: only 80 and 443 may be public; set spec.loadBalancerSourceRanges or serve it on 80 and 443.",
        ]);
    });

    it("a LoadBalancer Service with no source ranges on a port other than 80/443", async () => {
        const svc = resource("kubernetes:core/v1:Service", "web-admin", { metadata: { name: "admin" }, spec: { type: "LoadBalancer", ports: [{ port: 443 }, { port: 8080, protocol: "TCP" }] } });
        expect(await violations(noWorldIngress, svc)).toEqual([
            "Service admin exposes tcp 8080 to 0.0.0.0/0: only 80 and 443 may be public; set spec.loadBalancerSourceRanges or serve it on 80 and 443.",
        ]);
        expect(await violations(noWorldIngress, withInput(svc, "spec.loadBalancerSourceRanges", ["198.51.100.0/24"]))).toEqual([]);
    });
});

/** An EKS cluster as the Cluster component builds it. */
const EKS = resource("aws:eks/cluster:Cluster", "eks", {
    encryptionConfig: { provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" }, resources: ["secrets"] },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/25"] },
});
const ALLOWED = { allowedCidrs: ["203.0.113.0/24"] };

describe("EKS", () => {
    it("passes a compliant cluster on every EKS policy", async () => {
        expect(await violations(eksSecretsEncryption, EKS)).toEqual([]);
        expect(await violations(eksControlPlaneLogging, EKS)).toEqual([]);
        expect(await violations(eksPublicEndpointRestricted, EKS, ALLOWED)).toEqual([]);
    });

    it("eks-secrets-encryption: no encryption config", async () => {
        expect(await violations(eksSecretsEncryption, withInput(EKS, "encryptionConfig", undefined))).toEqual([
            'EKS cluster eks does not encrypt Secrets: set encryptionConfig { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } }.',
        ]);
    });

    it("eks-control-plane-logging: audit and authenticator logs off", async () => {
        expect(await violations(eksControlPlaneLogging, withInput(EKS, "enabledClusterLogTypes", ["api", "controllerManager", "scheduler"]))).toEqual([
            "EKS cluster eks does not log audit and authenticator: add them to enabledClusterLogTypes.",
        ]);
    });

    it("eks-public-endpoint-restricted: open to the world", async () => {
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.publicAccessCidrs", ["0.0.0.0/0"]), ALLOWED)).toEqual([
            "EKS cluster eks admits 0.0.0.0/0 to its public API endpoint: limit vpcConfig.publicAccessCidrs to 203.0.113.0/24 (the pack's allowedCidrs for this stack).",
        ]);
    });

    it.each([
        { cidrs: ["203.0.113.0/25", "203.0.113.128/25"], outside: [] },
        // Host bits set: the firewall admits the whole /24, which the allow-list holds.
        { cidrs: ["203.0.113.7/24"], outside: [] },
        { cidrs: ["203.0.112.0/23"], outside: ["203.0.112.0/23"] },
        { cidrs: ["::/0"], outside: ["::/0"] },
        { cidrs: ["not-a-cidr"], outside: ["not-a-cidr"] },
    ])("eks-public-endpoint-restricted: judges $cidrs by the addresses, not the text", async ({ cidrs, outside }) => {
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.publicAccessCidrs", cidrs), ALLOWED)).toEqual(outside.length === 0 ? [] : [
            `EKS cluster eks admits ${outside.join(", ")} to its public API endpoint: limit vpcConfig.publicAccessCidrs to 203.0.113.0/24 (the pack's allowedCidrs for this stack).`,
        ]);
    });

    it.each([
        { cidrs: ["0.0.0.0/1"], world: "more public IPv4 addresses than a /8 holds" },
        { cidrs: ["0.0.0.0/2", "64.0.0.0/2"], world: "more public IPv4 addresses than a /8 holds" },
        { cidrs: ["2000::/3"], world: "more public IPv6 addresses than a /32 holds" },
        { cidrs: ["0.0.0.0/0"], world: "the whole address space" },
    ])("eks-public-endpoint-restricted: $cidrs is the world even when the pack's allowedCidrs hold it", async ({ cidrs, world }) => {
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.publicAccessCidrs", cidrs), { allowedCidrs: ["0.0.0.0/0", "::/0"] })).toEqual([
            `EKS cluster eks admits ${cidrs.join(" and ")} to its public API endpoint, ${world}: the world, though the pack's allowedCidrs hold them; limit allowedCidrs and vpcConfig.publicAccessCidrs to the deploy runners' egress CIDRs, together at most a /8's worth of public IPv4 addresses and a /32's of IPv6.`,
        ]);
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.publicAccessCidrs", ["52.94.0.0/16"]), { allowedCidrs: ["0.0.0.0/0"] })).toEqual([]);
    });

    it("eks-public-endpoint-restricted: public with no CIDR list is EKS's 0.0.0.0/0", async () => {
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.publicAccessCidrs", undefined), ALLOWED)).toEqual([
            "EKS cluster eks has a public API endpoint open to the world: limit vpcConfig.publicAccessCidrs to 203.0.113.0/24 (the pack's allowedCidrs for this stack).",
        ]);
    });

    it("eks-public-endpoint-restricted: with no allow-list only a private endpoint passes", async () => {
        expect(await violations(eksPublicEndpointRestricted, EKS)).toEqual([
            "EKS cluster eks admits 203.0.113.0/25 to its public API endpoint: set vpcConfig.endpointPublicAccess: false.",
        ]);
        expect(await violations(eksPublicEndpointRestricted, withInput(EKS, "vpcConfig.endpointPublicAccess", false))).toEqual([]);
    });
});
