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

    it("passes ranges that leave addresses out, whatever their size", async () => {
        const rule = { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/2"], ipv6CidrBlocks: ["2001:db8::/32"] };
        expect(await violations(noWorldIngress, withInput(SG, "ingress", [rule]))).toEqual([]);
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
