import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { AVAILABILITY_ZONES_QUERY, Network, SUBNET_ROLE_TAGS, azNameAt, flowLogArgs, flowLogWritePolicy, subnetArgs } from "../components/network";
import { input, named, ofType, planProgram, planStack } from "./support/plan";

describe("network, staging", () => {
    it("spreads one public and one private subnet over each of the two AZs, with the planned CIDRs", async () => {
        const plan = await planStack("staging");
        // The stack's network; the DR drill's subnets (components/backup-plan.ts) are in the DR region.
        const subnets = ofType(plan, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-network-")).map((s) => [s.name, input(s, "cidrBlock"), input(s, "availabilityZone")]);
        expect(subnets).toEqual([
            ["launchpad-staging-network-public-0", "10.20.224.0/22", "us-east-1a"],
            ["launchpad-staging-network-public-1", "10.20.228.0/22", "us-east-1b"],
            ["launchpad-staging-network-private-0", "10.20.0.0/19", "us-east-1a"],
            ["launchpad-staging-network-private-1", "10.20.32.0/19", "us-east-1b"],
        ]);
    });

    it("shares one NAT gateway: every private route goes through it", async () => {
        const plan = await planStack("staging");
        const nats = ofType(plan, "aws:ec2/natGateway:NatGateway");
        expect(nats.map((n) => n.name)).toEqual(["launchpad-staging-network-nat-0"]);
        expect(input(nats[0], "subnetId")).toBe(plan.outputs.publicSubnetIds && (plan.outputs.publicSubnetIds as string[])[0]);
        const routes = ["launchpad-staging-network-private-default-route-0", "launchpad-staging-network-private-default-route-1"].map((n) => named(plan, n));
        const natIds = routes.map((r) => input(r, "natGatewayId"));
        expect(new Set(natIds).size).toBe(1);
        expect(natIds[0]).toMatch(/^nat-[0-9a-f]{17}$/);
        expect(ofType(plan, "aws:ec2/eip:Eip")).toHaveLength(1);
    });
});

describe("network, production", () => {
    // In the offline plan's account us-east-1c is use1-az3 (plan/mocks.ts), a zone EKS refuses
    // (network-reqs.adoc): the third AZ is us-east-1d.
    it("uses three AZs EKS accepts, with the planned CIDRs", async () => {
        const plan = await planStack("production");
        const network = ofType(plan, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-network-"));
        const subnets = network.map((s) => [input(s, "cidrBlock"), input(s, "availabilityZone"), input(s, "tags.tier")]);
        expect(subnets).toEqual([
            ["10.10.224.0/22", "us-east-1a", "public"],
            ["10.10.228.0/22", "us-east-1b", "public"],
            ["10.10.232.0/22", "us-east-1d", "public"],
            ["10.10.0.0/19", "us-east-1a", "private"],
            ["10.10.32.0/19", "us-east-1b", "private"],
            ["10.10.64.0/19", "us-east-1d", "private"],
        ]);
        expect(plan.outputs.availabilityZones).toEqual(["us-east-1a", "us-east-1b", "us-east-1d"]);
        // Each subnet's zone ID is the one the zone query named for its zone: none is use1-az3.
        expect(network.map((s) => s.state.availabilityZoneId)).toEqual(["use1-az1", "use1-az2", "use1-az4", "use1-az1", "use1-az2", "use1-az4"]);
    });

    it("gives each AZ its own NAT gateway, in that AZ's public subnet, used by that AZ's private route", async () => {
        const plan = await planStack("production");
        const nats = ofType(plan, "aws:ec2/natGateway:NatGateway");
        expect(nats).toHaveLength(3);
        expect(nats.map((n) => input(n, "subnetId"))).toEqual(plan.outputs.publicSubnetIds);
        const routeTargets = [0, 1, 2].map((i) => input(named(plan, `launchpad-production-network-private-default-route-${i}`), "natGatewayId"));
        expect(new Set(routeTargets).size).toBe(3);
        expect(ofType(plan, "aws:ec2/eip:Eip").map((e) => input(e, "domain"))).toEqual(["vpc", "vpc", "vpc"]);
    });

    it("sends flow logs for all traffic to a log group kept for the tier's retention", async () => {
        const plan = await planStack("production");
        const flow = named(plan, "launchpad-production-network-flow-log");
        const group = named(plan, "launchpad-production-network-flow-logs");
        expect(input(group, "retentionInDays")).toBe(365);
        expect(input(flow, "trafficType")).toBe("ALL");
        expect(input(flow, "logDestinationType")).toBe("cloud-watch-logs");
        expect(input(flow, "logDestination")).toMatch(/^arn:aws:logs:us-east-1:123456789012:log-group:launchpad-production-network-flow-logs-[0-9a-f]{7}$/);
    });
});

describe("network child specs (pure builders the constructor delegates to)", () => {
    it("tags public subnets for internet-facing and private ones for internal load balancers, and maps no public IP", () => {
        expect(subnetArgs("public", "vpc-1", "10.0.224.0/22", "us-east-1a", { project: "p" }, "n-public-us-east-1a")).toEqual({
            vpcId: "vpc-1",
            cidrBlock: "10.0.224.0/22",
            availabilityZone: "us-east-1a",
            mapPublicIpOnLaunch: false,
            tags: { project: "p", "kubernetes.io/role/elb": "1", tier: "public", Name: "n-public-us-east-1a" },
        });
        expect(subnetArgs("private", "vpc-1", "10.0.0.0/19", "us-east-1b", {}, "n-private-us-east-1b").tags).toEqual({ "kubernetes.io/role/internal-elb": "1", tier: "private", Name: "n-private-us-east-1b" });
        expect(SUBNET_ROLE_TAGS.private).toEqual({ "kubernetes.io/role/internal-elb": "1", tier: "private" });
    });

    it("asks only for regular AZs and logs all traffic every minute", () => {
        expect(AVAILABILITY_ZONES_QUERY).toEqual({ filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }], excludeZoneIds: ["use1-az3", "usw1-az2", "cac1-az3"] });
        expect(flowLogArgs("vpc-1", "arn:logs", "arn:role", { Name: "n-flow-log" })).toEqual({
            vpcId: "vpc-1",
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: "arn:logs",
            iamRoleArn: "arn:role",
            maxAggregationInterval: 60,
            tags: { Name: "n-flow-log" },
        });
    });

    // VPC User Guide, flow-logs-iam-role.html: the role "must include at least" CreateLogGroup,
    // CreateLogStream, PutLogEvents, DescribeLogGroups and DescribeLogStreams; the group exists, so
    // not CreateLogGroup. DescribeLogGroups has no resource type in the Service Authorization
    // Reference: "*" only (tests/iam-reference.test.ts checks every document against it).
    it("lets the flow log role write into its one group and look it up, as the VPC User Guide's role lists", () => {
        const group = "arn:aws:logs:eu-west-1:111122223333:log-group:launchpad-staging-network-flow-logs-1a2b3c";
        expect(flowLogWritePolicy(group)).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [group, `${group}:*`] },
                { Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: ["*"] },
            ],
        });
    });
});

describe("Network, args it cannot plan", () => {
    it.each([
        [{ cidr: "10.0.0.1/16", azCount: 2 }, 'Network net: cidr: received "10.0.0.1/16"; expected an IPv4 CIDR such as 10.0.0.0/16'],
        [{ cidr: "10.0.0.0/16", azCount: 7 }, "Network net: azCount: received 7; expected a whole number from 1 to 6"],
    ])("%j fails as a ResourceError of the component (named in the message), not a RangeError of planSubnets", async (config, message) => {
        const program = () => {
            new Network("net", { config, tags: {} } as unknown as ConstructorParameters<typeof Network>[1]);
            return {};
        };
        await expect(planProgram(program, "staging")).rejects.toThrow(message);
    });

    it("names AZ i from the region's list, and fails against the Network when the region has fewer AZs than azCount", async () => {
        const program = (i: number) => () => {
            const owner = new pulumi.ComponentResource("launchpad:network:Network", "net", {});
            return { az: azNameAt(pulumi.output(["us-east-1a", "us-east-1b"]), i, 3, owner) };
        };
        await expect(planProgram(program(1), "staging")).resolves.toMatchObject({ outputs: { az: "us-east-1b" } });
        await expect(planProgram(program(2), "staging")).rejects.toThrow("launchpad:network.azCount is 3 but the region has 2 AZs available (regular zones, less those EKS refuses: use1-az3, usw1-az2, cac1-az3)");
    });
});
