/**
 * `launchpad:network`: the VPC Launchpad creates for its EKS cluster, or the existing cluster's VPC
 * where the data layer goes.
 */
import { z } from "zod";
import { isPrivate, parseCidr } from "../lib/cidr";
import type { Show } from "./input";
import { NAT_MODES, safetyFor, type NatMode, type Safety, type Tier } from "./tier";

/** Four dotted numbers and a prefix, whatever their values: tells a host address from nonsense. */
const CIDR_SHAPE_RE = /^\d+\.\d+\.\d+\.\d+\/\d+$/;

/** Says what is wrong with a CIDR text: malformed, or a host address where the network address belongs. */
export function cidrProblem(value: string, example: string): string | undefined {
    if (parseCidr(value)) {
        return undefined;
    }
    return CIDR_SHAPE_RE.test(value)
        ? `expected an IPv4 CIDR with its network address (host bits zero), such as "${example}"`
        : `expected an IPv4 CIDR such as "${example}"`;
}

const vpcCidr = z.string().check((ctx) => {
    const value = ctx.value;
    const parsed = parseCidr(value);
    const problem = cidrProblem(value, "10.20.0.0/16");
    if (problem !== undefined) {
        ctx.issues.push({ code: "custom", input: value, message: problem });
    } else if (parsed && (!isPrivate(parsed) || parsed.prefix < 16 || parsed.prefix > 20)) {
        ctx.issues.push({
            code: "custom",
            input: value,
            message: "expected a private (RFC 1918) block of size /16 to /20",
        });
    }
});

const AWS_ID = (prefix: string, example: string) =>
    z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), { error: `expected an id such as "${example}"` });

/** A VPC Launchpad does not own (an existing cluster's): where the database and its drills go. */
export const existingNetworkSchema = z.strictObject({
    vpcId: AWS_ID("vpc", "vpc-0a1b2c3d4e5f60718"),
    /** Private subnets in at least two AZs: the DB subnet group and the restore drills use them. */
    privateSubnetIds: z.array(AWS_ID("subnet", "subnet-0a1b2c3d4e5f60718")).min(2),
    /** The security group of the cluster's nodes (so of its pods' traffic): admitted to the database. */
    nodeSecurityGroupId: AWS_ID("sg", "sg-0a1b2c3d4e5f60718"),
    /** The cluster's IAM OIDC provider: the backup jobs' service accounts assume their roles through it. */
    oidcProviderArn: z.string().regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/[^\s]+$/, { error: "expected an IAM OIDC provider ARN such as \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE\"" }),
});

export const networkSchema = z.strictObject({
    /** VPC CIDR; subnets are carved from it by `planSubnets`. */
    cidr: vpcCidr.default("10.0.0.0/16"),
    /** Availability zones to spread subnets and nodes over. */
    azCount: z.int().min(2).max(6).default(2),
    /** `single`: one NAT gateway shared by all AZs; `perAz`: one per AZ. Defaults from the tier. */
    natGateways: z.enum(NAT_MODES).optional(),
    /** With `launchpad:cluster.kubeconfig`: the existing cluster's VPC, for the data layer. @default - no data layer on an existing cluster */
    existing: existingNetworkSchema.optional(),
}).meta({
    description:
        "VPC layout. cidr: private /16../20 (default 10.0.0.0/16); azCount: 2..6 (default 2); natGateways: " +
        "\"single\" or \"perAz\" (default from the tier; production requires \"perAz\"); existing: with " +
        "cluster.kubeconfig, the existing cluster's VPC { vpcId, privateSubnetIds, nodeSecurityGroupId, " +
        "oidcProviderArn } where the database and its backups go (default none: no data layer).",
});

export type RawNetwork = z.output<typeof networkSchema>;

export interface NetworkConfig {
    readonly cidr: string;
    readonly azCount: number;
    readonly natGateways: NatMode;
}

/** An existing cluster's VPC: where Launchpad puts the database, its backups and drills. */
export interface ExistingNetworkConfig {
    readonly vpcId: string;
    readonly privateSubnetIds: readonly string[];
    readonly nodeSecurityGroupId: string;
    readonly oidcProviderArn: string;
}

/** The tier decides which NAT layouts are allowed. */
export function networkProblems(net: RawNetwork | undefined, tier: Tier | undefined, show: Show): string[] {
    if (tier === undefined || net?.natGateways === undefined) {
        return [];
    }
    const allowed = safetyFor(tier).allowedNatGateways;
    if (!allowed.includes(net.natGateways)) {
        return [`launchpad:network.natGateways: received ${show(net.natGateways, "launchpad:network")}; expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")} in a ${tier} stack: one NAT gateway per AZ keeps egress up when a zone fails`];
    }
    return [];
}

export function buildNetwork(net: RawNetwork, safety: Pick<Safety, "defaultNatGateways">): NetworkConfig {
    return { cidr: net.cidr, azCount: net.azCount, natGateways: net.natGateways ?? safety.defaultNatGateways };
}

export function buildExistingNetwork(existing: NonNullable<RawNetwork["existing"]>): ExistingNetworkConfig {
    return { ...existing, privateSubnetIds: [...existing.privateSubnetIds] };
}
