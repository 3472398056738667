/**
 * Network: one VPC with a public and a private subnet per AZ, an internet gateway, NAT gateways per
 * the tier's layout, route tables, a locked-down default security group and VPC flow logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../config";
import { formatCidr, parseCidr, subnet } from "../lib/cidr";
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

/**
 * Carves the VPC into eight equal blocks: private subnet `i` is block `i`; block 6 stays free for
 * growth (e.g. dedicated database subnets); block 7 is split in eight again for the public subnets.
 * A /16 gives /19 private and /22 public subnets; a /20 gives /23 and /26.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) {
        throw new RangeError(`not a CIDR: ${vpcCidr}`);
    }
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
        throw new RangeError(`azCount must be 1..${MAX_AZS}, got ${azCount}`);
    }
    const publicBlock = subnet(vpc, 3, 7);
    const azs = [...Array(azCount).keys()];
    return {
        private: azs.map((i) => formatCidr(subnet(vpc, 3, i))),
        public: azs.map((i) => formatCidr(subnet(publicBlock, 3, i))),
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

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly availabilityZones: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    public readonly natPublicIps: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:network:Network", name, {}, opts);
        const { config, tags } = args;
        const parent = { parent: this };
        const plan = planSubnets(config.cidr, config.azCount);
        const nat = natAssignments(config.natGateways, config.azCount);

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: config.cidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: childTags(tags, `${name}-vpc`),
        }, parent);

        // The default security group admits all traffic between its members; nothing should use it.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, {
            vpcId: vpc.id,
            ingress: [],
            egress: [],
            tags: childTags(tags, `${name}-default-sg`),
        }, parent);

        // Opt-in zones (Local Zones, Wavelength) lack services EKS and RDS need.
        const zones = aws.getAvailabilityZonesOutput({
            state: "available",
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
        }, parent);
        const azName = (i: number): pulumi.Output<string> =>
            zones.names.apply((names) => {
                if (names.length <= i) {
                    throw new pulumi.ResourceError(`launchpad:network.azCount is ${config.azCount} but the region has ${names.length} AZs available`, this);
                }
                return names[i];
            });

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: childTags(tags, `${name}-igw`) }, parent);

        const publicSubnets = plan.public.map((cidrBlock, i) => new aws.ec2.Subnet(`${name}-public-${i}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: azName(i),
            mapPublicIpOnLaunch: false,
            tags: childTags(tags, pulumi.interpolate`${name}-public-${azName(i)}`, { "kubernetes.io/role/elb": "1", tier: "public" }),
        }, parent));
        const privateSubnets = plan.private.map((cidrBlock, i) => new aws.ec2.Subnet(`${name}-private-${i}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: azName(i),
            mapPublicIpOnLaunch: false,
            tags: childTags(tags, pulumi.interpolate`${name}-private-${azName(i)}`, { "kubernetes.io/role/internal-elb": "1", tier: "private" }),
        }, parent));

        const publicRouteTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: childTags(tags, `${name}-public-rt`) }, parent);
        new aws.ec2.Route(`${name}-public-default-route`, { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
        publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { subnetId: s.id, routeTableId: publicRouteTable.id }, parent));

        const natGateways = [...Array(nat.natCount).keys()].map((k) => {
            // A NAT gateway's EIP needs the VPC attached to an internet gateway first (AWS docs).
            const eip = new aws.ec2.Eip(`${name}-nat-eip-${k}`, { domain: "vpc", tags: childTags(tags, `${name}-nat-eip-${k}`) }, { parent: this, dependsOn: [igw] });
            const gw = new aws.ec2.NatGateway(`${name}-nat-${k}`, {
                allocationId: eip.id,
                subnetId: publicSubnets[k].id,
                connectivityType: "public",
                tags: childTags(tags, `${name}-nat-${k}`),
            }, { parent: this, dependsOn: [igw] });
            return { eip, gw };
        });

        privateSubnets.forEach((s, i) => {
            const rt = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: vpc.id, tags: childTags(tags, `${name}-private-rt-${i}`) }, parent);
            new aws.ec2.Route(`${name}-private-default-route-${i}`, {
                routeTableId: rt.id,
                destinationCidrBlock: "0.0.0.0/0",
                natGatewayId: natGateways[nat.natForAz[i]].gw.id,
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: s.id, routeTableId: rt.id }, parent);
        });

        const flowLogGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
            retentionInDays: args.flowLogRetentionDays,
            tags: childTags(tags, `${name}-flow-logs`),
        }, parent);
        const flowLogRole = new aws.iam.Role(`${name}-flow-logs-role`, {
            assumeRolePolicy: JSON.stringify(servicePrincipalPolicy("vpc-flow-logs.amazonaws.com")),
            tags: childTags(tags, `${name}-flow-logs-role`),
        }, parent);
        new aws.iam.RolePolicy(`${name}-flow-logs-policy`, {
            role: flowLogRole.id,
            policy: flowLogGroup.arn.apply((arn) => JSON.stringify(flowLogWritePolicy(arn))),
        }, parent);
        new aws.ec2.FlowLog(`${name}-flow-log`, {
            vpcId: vpc.id,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: flowLogGroup.arn,
            iamRoleArn: flowLogRole.arn,
            maxAggregationInterval: 60,
            tags: childTags(tags, `${name}-flow-log`),
        }, parent);

        this.vpcId = vpc.id;
        this.vpcCidr = vpc.cidrBlock;
        this.availabilityZones = pulumi.all(plan.private.map((_, i) => azName(i)));
        this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
        this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
        this.natPublicIps = pulumi.all(natGateways.map((n) => n.eip.publicIp));
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

/** The least a flow log needs to write into its one log group. */
export function flowLogWritePolicy(logGroupArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroupArn, `${logGroupArn}:*`],
        }],
    };
}
