/**
 * Network: one VPC with a public and a private subnet per AZ, an internet gateway, NAT gateways per
 * the tier's layout, route tables, a locked-down default security group and VPC flow logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../config";
import { SUBNET_PLAN_BITS } from "../config/network";
import { awsPartition } from "../config/region";
import { type Cidr, formatCidr, parseCidr, subnet } from "../lib/cidr";
import { servicePrincipalPolicy } from "../lib/iam";
import { childTags, type Tags } from "../lib/tags";

export interface NetworkArgs {
    readonly config: NetworkConfig;
    /** Base tags for every child; each child adds its own `Name`. */
    readonly tags: Tags;
    /** Days CloudWatch keeps the VPC flow logs (from the tier). */
    readonly flowLogRetentionDays: number;
}

export interface SubnetPlan {
    /** One per AZ, in AZ order: large blocks for nodes and pods (the VPC CNI gives pods VPC addresses). */
    readonly private: readonly string[];
    /** One per AZ, in AZ order: small blocks for load balancers and NAT gateways. */
    readonly public: readonly string[];
}

/** Most AZs a plan supports: private subnets use eighths 0..5 of the VPC. */
export const MAX_AZS = 6;

/** Why {@link planSubnets} cannot plan `vpcCidr` over `azCount` AZs, or undefined when it can. */
export function subnetPlanProblem(vpcCidr: string, azCount: number): string | undefined {
    if (parseCidr(vpcCidr) === undefined) {
        return `cidr: received ${JSON.stringify(vpcCidr)}; expected an IPv4 CIDR such as 10.0.0.0/16`;
    }
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
        return `azCount: received ${azCount}; expected a whole number from 1 to ${MAX_AZS}`;
    }
    return undefined;
}

/**
 * Carves the VPC into eight equal blocks: private subnet `i` is block `i`; block 6 stays free for
 * growth (e.g. dedicated database subnets); block 7 is split in eight again for the public subnets.
 * A /16 gives /19 private and /22 public subnets; a /20 gives /23 and /26.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
    const problem = subnetPlanProblem(vpcCidr, azCount);
    if (problem !== undefined) {
        throw new RangeError(problem);
    }
    const vpc = parseCidr(vpcCidr) as Cidr;
    const publicBlock = subnet(vpc, SUBNET_PLAN_BITS, 7);
    const azs = [...Array(azCount).keys()];
    return {
        private: azs.map((i) => formatCidr(subnet(vpc, SUBNET_PLAN_BITS, i))),
        public: azs.map((i) => formatCidr(subnet(publicBlock, SUBNET_PLAN_BITS, i))),
    };
}

/**
 * Which NAT gateway each AZ's private route table uses. `single`: all use NAT 0 (in AZ 0);
 * `perAz`: each AZ its own, so a zone outage cuts only that zone's egress.
 */
export function natAssignments(mode: NetworkConfig["natGateways"], azCount: number): { natCount: number; natForAz: readonly number[] } {
    const azs = [...Array(azCount).keys()];
    return mode === "perAz" ? { natCount: azCount, natForAz: azs } : { natCount: 1, natForAz: azs.map(() => 0) };
}

/**
 * Zones whose subnets EKS refuses for a cluster, by zone ID (a zone's name maps to a different ID in
 * each account): awsdocs/amazon-eks-user-guide 4d52b4d0 latest/ug/networking/network-reqs.adoc, "The
 * subnets can't reside in the following Availability Zones" (us-east-1 `use1-az3`, us-west-1
 * `usw1-az2`, ca-central-1 `cac1-az3`). Every private subnet is the cluster's (EksCluster), so such a
 * zone among the first `azCount` would fail the first `pulumi up` at CreateCluster.
 */
export const EKS_REFUSED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"] as const;

/**
 * Regular AZs only: opt-in zones (Local Zones, Wavelength) lack services EKS and RDS need; a regular
 * AZ's opt-in status is always `opt-in-not-required` (EC2 API, AvailabilityZone.optInStatus).
 *
 * No `state` filter: it matches a zone's current state (`available`, `unavailable`, `constrained`:
 * botocore ec2 2016-11-15 AvailabilityZone.State), so a zone in trouble would leave the list and move
 * every later subnet to another zone on the next `pulumi up`, a replacement (`availability_zone` is
 * ForceNew, vendor/provider-force-new/aws.json). The provider sorts the answer by zone name
 * (terraform-provider-aws internal/service/ec2/ec2_availability_zones_data_source.go), so without it
 * subnet `i` keeps its zone whatever the zones' health. The zones EKS refuses ({@link EKS_REFUSED_ZONE_IDS})
 * are left out by ID (`excludeZoneIds`: the provider drops them after sorting, same file), a fixed
 * list, so the answer still does not change from one run to the next.
 */
export const AVAILABILITY_ZONES_QUERY = {
    filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    excludeZoneIds: [...EKS_REFUSED_ZONE_IDS],
};

/**
 * The tags that tell the AWS Load Balancer Controller where each kind of load balancer goes:
 * `kubernetes.io/role/elb` (internet-facing) and `kubernetes.io/role/internal-elb` (internal), value
 * `1` or empty (controller v3.5.0 docs/deploy/subnet_discovery.md, the two tag tables). The
 * `kubernetes.io/cluster/<name>` tag is optional: a subnet without one is not filtered out ("Subnet Filtering").
 */
export const SUBNET_ROLE_TAGS = {
    public: { "kubernetes.io/role/elb": "1", tier: "public" },
    private: { "kubernetes.io/role/internal-elb": "1", tier: "private" },
} as const;

export type SubnetKind = keyof typeof SUBNET_ROLE_TAGS;

/** A subnet of `kind` in one AZ, named after its AZ; no public IPs on launch, even in a public subnet. */
export function subnetArgs(kind: SubnetKind, vpcId: pulumi.Input<string>, cidrBlock: string, availabilityZone: pulumi.Input<string>, tags: Tags, tagName: pulumi.Input<string>): aws.ec2.SubnetArgs {
    return {
        vpcId,
        cidrBlock,
        availabilityZone,
        mapPublicIpOnLaunch: false,
        tags: childTags(tags, tagName, SUBNET_ROLE_TAGS[kind]),
    };
}

/** The VPC flow log: all traffic, into its log group, aggregated every minute. */
export function flowLogArgs(vpcId: pulumi.Input<string>, logDestination: pulumi.Input<string>, iamRoleArn: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.ec2.FlowLogArgs {
    return {
        vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination,
        iamRoleArn,
        maxAggregationInterval: 60,
        tags,
    };
}

/** What the Network's child-creating steps share. */
interface NetworkContext {
    readonly parent: Network;
    readonly name: string;
    readonly tags: Tags;
    readonly vpc: aws.ec2.Vpc;
}

/**
 * The name of the region's `i`-th regular AZ by name (`zones`: the AVAILABILITY_ZONES_QUERY result), failing
 * against the Network when the region has fewer than `azCount`: known only once the query resolves.
 */
export function azNameAt(zones: pulumi.Output<string[]>, i: number, azCount: number, owner: pulumi.Resource): pulumi.Output<string> {
    return zones.apply((names) => {
        if (names.length <= i) {
            throw new pulumi.ResourceError(`launchpad:network.azCount is ${azCount} but the region has ${names.length} AZs available (regular zones, less those EKS refuses: ${EKS_REFUSED_ZONE_IDS.join(", ")})`, owner);
        }
        return names[i];
    });
}

/** The region's available AZs and how many the config asks for. */
interface AzContext {
    readonly names: pulumi.Output<string[]>;
    readonly azCount: number;
}

/** Subnet `i` of `kind` for each block, each in AZ `i`. */
function subnets(ctx: NetworkContext, kind: SubnetKind, cidrs: readonly string[], zones: AzContext): aws.ec2.Subnet[] {
    const { parent, name } = ctx;
    const az = (i: number): pulumi.Output<string> => azNameAt(zones.names, i, zones.azCount, parent);
    return cidrs.map((cidrBlock, i) => new aws.ec2.Subnet(`${name}-${kind}-${i}`,
        subnetArgs(kind, ctx.vpc.id, cidrBlock, az(i), ctx.tags, pulumi.interpolate`${name}-${kind}-${az(i)}`), { parent }));
}

/** One public route table, its default route to the internet gateway, and its associations. */
function publicRouting(ctx: NetworkContext, igw: aws.ec2.InternetGateway, publicSubnets: readonly aws.ec2.Subnet[]): void {
    const { parent, name, tags } = ctx;
    const routeTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: ctx.vpc.id, tags: childTags(tags, `${name}-public-rt`) }, { parent });
    new aws.ec2.Route(`${name}-public-default-route`, { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, { parent });
    publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { subnetId: s.id, routeTableId: routeTable.id }, { parent }));
}

/** NAT gateway `k` (with its EIP) in public subnet `k`. */
function natGateways(ctx: NetworkContext, count: number, igw: aws.ec2.InternetGateway, publicSubnets: readonly aws.ec2.Subnet[]): { eip: aws.ec2.Eip; gw: aws.ec2.NatGateway }[] {
    const { parent, name, tags } = ctx;
    return [...Array(count).keys()].map((k) => {
        // A NAT gateway's EIP needs the VPC attached to an internet gateway first (AWS docs).
        const eip = new aws.ec2.Eip(`${name}-nat-eip-${k}`, { domain: "vpc", tags: childTags(tags, `${name}-nat-eip-${k}`) }, { parent, dependsOn: [igw] });
        const gw = new aws.ec2.NatGateway(`${name}-nat-${k}`, {
            allocationId: eip.id,
            subnetId: publicSubnets[k].id,
            connectivityType: "public",
            tags: childTags(tags, `${name}-nat-${k}`),
        }, { parent, dependsOn: [igw] });
        return { eip, gw };
    });
}

/** Per AZ: a private route table whose default route goes to that AZ's NAT gateway (`natForAz`). */
function privateRouting(ctx: NetworkContext, privateSubnets: readonly aws.ec2.Subnet[], nats: readonly aws.ec2.NatGateway[], natForAz: readonly number[]): void {
    const { parent, name, tags } = ctx;
    privateSubnets.forEach((s, i) => {
        const rt = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: ctx.vpc.id, tags: childTags(tags, `${name}-private-rt-${i}`) }, { parent });
        new aws.ec2.Route(`${name}-private-default-route-${i}`, {
            routeTableId: rt.id,
            destinationCidrBlock: "0.0.0.0/0",
            natGatewayId: nats[natForAz[i]].id,
        }, { parent });
        new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: s.id, routeTableId: rt.id }, { parent });
    });
}

/** VPC flow logs into a log group kept `retentionDays`, written by a role that may write only there. */
function flowLogs(ctx: NetworkContext, retentionDays: number): void {
    const { parent, name, tags } = ctx;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
        retentionInDays: retentionDays,
        tags: childTags(tags, `${name}-flow-logs`),
    }, { parent });
    const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
    const region = aws.getRegionOutput({}, { parent }).region;
    const role = new aws.iam.Role(`${name}-flow-logs-role`, {
        // The partition of the provider's region, by the one derivation (config/region.ts awsPartition).
        assumeRolePolicy: pulumi.all([region, account]).apply(([r, a]) => JSON.stringify(flowLogsTrustPolicy(awsPartition(r), r, a))),
        tags: childTags(tags, `${name}-flow-logs-role`),
    }, { parent });
    const writePolicy = new aws.iam.RolePolicy(`${name}-flow-logs-policy`, {
        role: role.id,
        policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogWritePolicy(arn))),
    }, { parent });
    // After the policy: the provider retries CreateFlowLogs only while the role cannot be assumed
    // ("Unable to assume given IAM role", terraform-provider-aws internal/service/ec2/vpc_flow_log.go
    // resourceLogFlowCreate); a role without its policy yet is accepted, and the first records fail to deliver.
    new aws.ec2.FlowLog(`${name}-flow-log`, flowLogArgs(ctx.vpc.id, logGroup.arn, role.arn, childTags(tags, `${name}-flow-log`)), { parent, dependsOn: [writePolicy] });
}

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly availabilityZones: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** The same, one Output per AZ in AZ order: an input taken from one depends on that subnet alone (a node group per zone). */
    public readonly privateSubnetIdsByZone: pulumi.Output<string>[];
    public readonly natPublicIps: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:network:Network", name, {}, opts);
        const { config, tags } = args;
        const parent = { parent: this };
        const problem = subnetPlanProblem(config.cidr, config.azCount);
        if (problem !== undefined) {
            throw new pulumi.ResourceError(`Network ${name}: ${problem}`, this);
        }
        const plan = planSubnets(config.cidr, config.azCount);
        const nat = natAssignments(config.natGateways, config.azCount);

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: config.cidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: childTags(tags, `${name}-vpc`),
        }, parent);
        const ctx: NetworkContext = { parent: this, name, tags, vpc };
        // The default security group admits all traffic between its members; nothing should use it.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: childTags(tags, `${name}-default-sg`) }, parent);

        const zones = aws.getAvailabilityZonesOutput(AVAILABILITY_ZONES_QUERY, parent);
        const azs: AzContext = { names: zones.names, azCount: config.azCount };

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: childTags(tags, `${name}-igw`) }, parent);
        const publicSubnets = subnets(ctx, "public", plan.public, azs);
        const privateSubnets = subnets(ctx, "private", plan.private, azs);
        publicRouting(ctx, igw, publicSubnets);
        const nats = natGateways(ctx, nat.natCount, igw, publicSubnets);
        privateRouting(ctx, privateSubnets, nats.map((n) => n.gw), nat.natForAz);
        flowLogs(ctx, args.flowLogRetentionDays);

        this.vpcId = vpc.id;
        this.vpcCidr = vpc.cidrBlock;
        this.availabilityZones = pulumi.all(plan.private.map((_, i) => azNameAt(zones.names, i, config.azCount, this)));
        this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
        this.privateSubnetIdsByZone = privateSubnets.map((s) => s.id);
        this.privateSubnetIds = pulumi.all(this.privateSubnetIdsByZone);
        this.natPublicIps = pulumi.all(nats.map((n) => n.eip.publicIp));
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            availabilityZones: this.availabilityZones,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            natPublicIps: this.natPublicIps,
        });
    }
}

/**
 * The flow-log role's trust: the flow-logs service, only for flow logs of this account and region.
 * The VPC User Guide recommends exactly these keys for this role (flow-logs-iam-role, "We recommend
 * that you use the aws:SourceAccount and aws:SourceArn condition keys": StringEquals on the account
 * owning the flow log, ArnLike on `arn:aws:ec2:region:account_id:vpc-flow-log/flow-log-id`, the id
 * replaceable by `*`; awsdocs/amazon-vpc-user-guide a16ab76e doc_source/flow-logs-cwl.md:64-75). `*`
 * here: the role exists before the flow log it serves, so the id is not known yet.
 */
export function flowLogsTrustPolicy(partition: string, region: string, accountId: string): object {
    return servicePrincipalPolicy("vpc-flow-logs.amazonaws.com", undefined, {
        StringEquals: { "aws:SourceAccount": accountId },
        ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*` },
    });
}

/**
 * The least a flow log needs to write into its one log group. The VPC User Guide's role
 * (flow-logs-iam-role.html: "must include at least" CreateLogGroup, CreateLogStream, PutLogEvents,
 * DescribeLogGroups, DescribeLogStreams on "*") less CreateLogGroup, since the group exists: the
 * service looks its group up with DescribeLogGroups, which the Service Authorization Reference
 * (CloudWatch Logs) gives no resource type: `*` is its only resource, not one group's ARN.
 */
export function flowLogWritePolicy(logGroupArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroupArn, `${logGroupArn}:*`],
        }, {
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups"],
            Resource: ["*"],
        }],
    };
}
