/**
 * `launchpad:network`: the VPC Launchpad creates for its EKS cluster, or the existing cluster's VPC
 * where the data layer goes.
 */
import { z } from "zod";
import { formatCidr, isPrivate, parseCidr, size, subnet } from "../lib/cidr";
import type { Show } from "./input";
import { eniLimitTable, ENI_LIMITS_SOURCE, instanceTypeCatalogue, nodeAddressCeiling, UPDATE_SURGE_NODES_PER_ZONE, type EniLimits, type NodeAddresses, type RawNodeGroup } from "./node-group";
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
        "VPC layout. cidr: private /16../20 (default 10.0.0.0/16), each zone's private subnet 1/8 of it, with room " +
        "for the zone's nodes and pods (see nodeGroup), and each zone's public subnet 1/64 of it, with 8 free addresses for each " +
        "internet-facing \"alb\" Ingress of services besides a NAT gateway (a /20 holds 7); azCount: 2..6 (default 2); natGateways: " +
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

/**
 * The subnet plan's split: the VPC in 2^3 equal blocks, private subnet `i` being block `i`
 * (components/network.ts `planSubnets`, which takes it from here so the rule below judges the
 * subnets the stack makes).
 */
export const SUBNET_PLAN_BITS = 3;

/**
 * Addresses AWS keeps in every subnet: "The first four IP addresses and the last IP address in each
 * subnet CIDR block are not available for your use" (Amazon VPC User Guide, subnet sizing,
 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
 */
export const AWS_RESERVED_PER_SUBNET = 5;

/** Usable addresses of each zone's private subnet in `vpcCidr` (all alike), with its first one for messages. */
export function privateSubnetRoom(vpcCidr: string): { readonly cidr: string; readonly usable: number } | undefined {
    const vpc = parseCidr(vpcCidr);
    if (vpc === undefined) {
        return undefined;
    }
    const block = subnet(vpc, SUBNET_PLAN_BITS, 0);
    return { cidr: formatCidr(block), usable: size(block) - AWS_RESERVED_PER_SUBNET };
}

/**
 * What a load balancer needs of each subnet it uses: "verify that each subnet for your load balancer
 * has a CIDR block with at least a /27 bitmask (for example, 10.0.0.0/27) and has at least 8 free IP
 * addresses" (awsdocs/elb-application-load-balancers-user-guide 01db3bf0
 * doc_source/application-load-balancers.md, "Subnets for Your Load Balancer"); the AWS Load Balancer
 * Controller leaves out a subnet with fewer than 8 available (kubernetes-sigs/aws-load-balancer-controller
 * 225f4456 pkg/networking/subnet_resolver.go `defaultMinimalAvailableIPAddressCount = 8`;
 * docs/deploy/subnet_discovery.md line 57), so a load balancer with no such subnet in a zone is not made there.
 */
export const LOAD_BALANCER_SUBNET = { maxPrefix: 27, freeAddresses: 8 } as const;

/** Zone `0`'s public subnet in `vpcCidr` (all alike: the VPC's last eighth split in eight again, components/network.ts `planSubnets`). */
export function publicSubnetRoom(vpcCidr: string): { readonly cidr: string; readonly prefix: number; readonly usable: number } | undefined {
    const vpc = parseCidr(vpcCidr);
    if (vpc === undefined) {
        return undefined;
    }
    const block = subnet(subnet(vpc, SUBNET_PLAN_BITS, 7), SUBNET_PLAN_BITS, 0);
    return { cidr: formatCidr(block), prefix: block.prefix, usable: size(block) - AWS_RESERVED_PER_SUBNET };
}

/**
 * Whether each zone's public subnet can hold the stack's internet-facing load balancers (the
 * controller puts them in the subnets tagged `kubernetes.io/role/elb`, the public ones) with a NAT
 * gateway: a /27 or larger, and 8 free addresses for each load balancer
 * ({@link LOAD_BALANCER_SUBNET}) besides the NAT gateway's one private address (zone 0 has one in
 * both NAT layouts). Counted like the internal load balancers in the private subnets (privateSubnetTenants).
 */
export function publicSubnetProblems(net: Pick<RawNetwork, "cidr">, internetFacingLoadBalancers: number, show: Show): string[] {
    const room = publicSubnetRoom(net.cidr);
    if (room === undefined || internetFacingLoadBalancers === 0) {
        return [];
    }
    const key = "launchpad:network.cidr";
    const what = `each zone's public subnet (a /${room.prefix} such as ${room.cidr}, 1/64 of it)`;
    if (room.prefix > LOAD_BALANCER_SUBNET.maxPrefix) {
        return [`${key}: received ${show(net.cidr, "launchpad:network")}; expected a block whose public subnets are /${LOAD_BALANCER_SUBNET.maxPrefix} or larger: ${what} is smaller than a load balancer's subnet may be (ELB user guide, "Subnets for Your Load Balancer")`];
    }
    const nat = 1;
    const needed = nat + LOAD_BALANCER_SUBNET.freeAddresses * internetFacingLoadBalancers;
    if (needed > room.usable) {
        const fits = Math.floor((room.usable - nat) / LOAD_BALANCER_SUBNET.freeAddresses);
        return [`${key}: received ${show(net.cidr, "launchpad:network")}; expected a block whose public subnets hold ${internetFacingLoadBalancers} internet-facing load balancers ("alb" Ingresses of launchpad:services), 8 free addresses each, and a NAT gateway: ` +
            `${what} has ${room.usable} usable addresses, ${needed} needed, room for ${fits} (ELB user guide, "Subnets for Your Load Balancer": at least 8 free addresses; the load balancer controller leaves out a subnet with fewer); ` +
            `ways out: a larger launchpad:network.cidr (each step down in prefix doubles the subnets), or fewer internet-facing Ingresses`];
    }
    return [];
}

/** Something besides the nodes that takes addresses in every zone's private subnet. */
export interface SubnetTenant {
    readonly what: string;
    readonly addresses: number;
}

/** What the stack puts in the private subnets besides its nodes (read by {@link privateSubnetTenants}). */
export interface PrivateSubnetUse {
    /** The stack creates its RDS instance there (its subnet group is the private subnets), with AWS Backup restore drills. */
    readonly database: boolean;
    /** An AMP managed scraper of the cluster: one ENI in each of its subnets (components/observability.ts `scraperSubnets`). */
    readonly ampScraper: boolean;
    /** Load balancers the AWS Load Balancer Controller puts in the private subnets: internal Ingresses and LoadBalancer Services. */
    readonly internalLoadBalancers: number;
}

/**
 * Per zone, what else takes private addresses, each counted as if in the one zone (the worst zone):
 * - the EKS control plane's ENIs: "The subnets must each have at least six IP addresses for use by
 *   Amazon EKS. However, we recommend at least 16 IP addresses" (awsdocs/amazon-eks-user-guide 4d52b4d0
 *   latest/ug/networking/network-reqs.adoc line 77; every private subnet is the cluster's,
 *   components/cluster.ts): the recommended 16, as a control plane update may place new ENIs before
 *   removing the old ones;
 * - RDS: the instance (or its Multi-AZ standby, always in another zone) and a restore drill's
 *   instance, which AWS Backup restores into the same subnet group (components/backup-plan.ts
 *   `rdsRestoreMetadataOverrides`): two that may share a zone;
 * - the AMP scraper: one ENI in each of its subnets;
 * - each internal load balancer: the controller leaves out a subnet with fewer than 8 free addresses
 *   (kubernetes-sigs/aws-load-balancer-controller 225f4456 docs/deploy/subnet_discovery.md line 57),
 *   and an NLB's scheme is `internal` unless annotated (docs/guide/service/annotations.md line 651).
 * No VPC endpoint is made (the private subnets reach AWS through the NAT gateways).
 */
export function privateSubnetTenants(use: PrivateSubnetUse): SubnetTenant[] {
    return [
        { what: "EKS control plane", addresses: 16 },
        ...(use.database ? [{ what: "RDS instance and restore drill", addresses: 2 }] : []),
        ...(use.ampScraper ? [{ what: "AMP scraper", addresses: 1 }] : []),
        ...(use.internalLoadBalancers > 0 ? [{ what: `${use.internalLoadBalancers} internal load balancer${use.internalLoadBalancers === 1 ? "" : "s"}`, addresses: 8 * use.internalLoadBalancers }] : []),
    ];
}

/**
 * Whether each zone's private subnet has room for its node group's addresses: its nodes at
 * desiredSize, and at maxSize plus the update surge ({@link UPDATE_SURGE_NODES_PER_ZONE}), each node
 * taking {@link nodeAddressCeiling} of the largest of its instance types (the ENIs ipamd attaches
 * for the max pods the node runs), besides the `tenants`.
 *
 * Both are errors. desiredSize: the first `pulumi up` would start nodes whose pods cannot get an
 * address. maxSize: the Cluster Autoscaler would add nodes, under load, whose pods never start
 * ("failed to assign an IP address to container"); a smaller maxSize is always a way out, and a
 * bound that is only reached at the worst moment is the one that must hold. A type the VPC CNI's
 * table or the autoscaler's catalogue does not know is left out rather than guessed: every type the
 * catalogue holds and the AMI runs is in the table at these copies (tests/config-pod-addresses.test.ts),
 * and a type outside the catalogue is refused on its own (`instanceTypeProblems`, config/node-group.ts).
 */
export function podAddressProblems(net: Pick<RawNetwork, "cidr" | "azCount">, ng: RawNodeGroup, tenants: readonly SubnetTenant[], show: Show): string[] {
    const room = privateSubnetRoom(net.cidr);
    const table = eniLimitTable();
    const catalogue = instanceTypeCatalogue();
    const sized = ng.instanceTypes
        .map((t) => {
            const limits = table.get(t);
            const vcpus = catalogue.get(t)?.vcpu;
            return { type: t, limits, vcpus, node: vcpus === undefined ? undefined : nodeAddressCeiling(limits, vcpus) };
        })
        .filter((x): x is { type: string; limits: EniLimits; vcpus: number; node: NodeAddresses } => x.node !== undefined && x.limits !== undefined && x.vcpus !== undefined)
        .sort((a, b) => b.node.addresses - a.node.addresses);
    if (room === undefined || sized.length === 0) {
        return [];
    }
    const { type, limits, vcpus, node: { addresses, maxPods, eniMaxPods, cap, enis } } = sized[0];
    const taken = tenants.reduce((sum, t) => sum + t.addresses, 0);
    const free = room.usable - taken;
    const fits = Math.max(0, Math.floor(free / addresses));
    const zones = net.azCount;
    const subnetText = `each of the ${zones} zones' private subnets (a /${parseCidr(room.cidr)?.prefix ?? "?"} such as ${room.cidr}, 1/8 of launchpad:network.cidr ${show(net.cidr, "launchpad:network")}) has ${room.usable} usable addresses, ` +
        `${taken} of them for ${tenants.map((t) => `${t.what} ${t.addresses}`).join(", ")}, leaving ${free}: room for ${fits} ${type} node${fits === 1 ? "" : "s"} of ${addresses} addresses ` +
        `(${enis} of its ${limits.enis} ENIs x ${limits.ipv4PerEni} IPv4 each: the VPC CNI, at its default WARM_ENI_TARGET=1, attaches whole ENIs until they address the node's max pods, ` +
        (maxPods === eniMaxPods
            ? `${maxPods} = ${limits.enis} x (${limits.ipv4PerEni} - 1) + 2, the ENI formula, under the managed node group's cap of ${cap} for ${vcpus} vCPUs`
            : `${maxPods}, the managed node group's cap for ${vcpus} vCPUs, under the ENI formula's ${eniMaxPods}`) +
        `; ${ENI_LIMITS_SOURCE})`;
    const ways = (field: string): string => `ways out: a larger launchpad:network.cidr (each step down in prefix doubles the subnets), a smaller launchpad:nodeGroup.${field}, or instance types with fewer addresses`;
    const out: string[] = [];
    // Unset, desiredSize is minSize (buildNodeGroup): the problem is then minSize's.
    const [desiredField, desired] = ng.desiredSize !== undefined ? ["desiredSize", ng.desiredSize] : ["minSize", ng.minSize];
    const desiredPerZone = Math.ceil(desired / zones);
    if (desiredPerZone > fits) {
        out.push(`launchpad:nodeGroup.${desiredField}: received ${show(desired, "launchpad:nodeGroup")}; expected at most ${fits * zones} (${fits} nodes per zone): ${subnetText}; ${desiredPerZone} nodes a zone would need ${desiredPerZone * addresses} from the first pulumi up; ${ways(desiredField)}`);
    }
    const maxPerZone = Math.ceil(ng.maxSize / zones) + UPDATE_SURGE_NODES_PER_ZONE;
    if (maxPerZone > fits) {
        const allowed = Math.max(0, fits - UPDATE_SURGE_NODES_PER_ZONE) * zones;
        out.push(`launchpad:nodeGroup.maxSize: received ${show(ng.maxSize, "launchpad:nodeGroup")}; expected ${allowed > 0 ? `at most ${allowed}` : "a larger network"} (${fits} nodes per zone, ${UPDATE_SURGE_NODES_PER_ZONE} of them kept for a node group update's surge): ${subnetText}; ` +
            `${maxPerZone} nodes a zone at maxSize during an update would need ${maxPerZone * addresses}, and the Cluster Autoscaler would add nodes whose pods get no address; ${ways("maxSize")}`);
    }
    return out;
}
