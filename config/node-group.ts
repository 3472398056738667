/**
 * `launchpad:nodeGroup`: the EKS managed node groups' instances, sizes and capacity type.
 *
 * One managed node group per availability zone (components/cluster.ts), all alike but for their
 * subnet: the Cluster Autoscaler can then add a node in the zone of a pod's EBS volume, which it
 * cannot do with one Auto Scaling group spanning zones (kubernetes/autoscaler
 * cluster-autoscaler/cloudprovider/aws/README.md, "Common Notes and gotchas": "an ASG-per-AZ while
 * enabling --balance-similar-node-groups"; cluster-autoscaler/FAQ.md, "I have a couple of pending
 * pods, but there was no scale-up?"). The sizes in config are the cluster's totals, as they were with
 * one group, split evenly over the zones.
 */
import { z } from "zod";
import type { Show } from "./input";
import type { Safety } from "./tier";

export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

export const nodeGroupSchema = z.strictObject({
    /** EC2 instance types of the managed node group, all of one CPU architecture. */
    instanceTypes: z.array(z.string().regex(INSTANCE_TYPE_RE, { error: "expected an EC2 instance type such as \"m6i.large\"" })).min(1).default(["t3.large"]),
    minSize: z.int().min(0).max(450).default(2),
    desiredSize: z.int().min(0).max(450).optional(),
    maxSize: z.int().min(1).max(450).default(4),
    diskSizeGb: z.int().min(20).max(16384).default(50),
    capacityType: z.enum(CAPACITY_TYPES).default("ON_DEMAND"),
}).meta({
    description:
        "Managed node groups, one per AZ of the private subnets, alike but for their zone. instanceTypes: one CPU " +
        "architecture (default [\"t3.large\"]); minSize, desiredSize, maxSize: totals over all zones, each a " +
        "multiple of network.azCount (split evenly, one share per zone's group); minSize and desiredSize 0..450, " +
        "maxSize 1..450, min <= desired <= max (default 2, minSize, 4); the tier sets the fewest nodes per zone " +
        "(production: 1); diskSizeGb: 20..16384 (default 50); capacityType: \"ON_DEMAND\" or \"SPOT\" (default " +
        "\"ON_DEMAND\").",
});

export type RawNodeGroup = z.output<typeof nodeGroupSchema>;

/** Bounds of one zone's node group. */
export interface ZoneScaling {
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
}

export interface NodeGroupConfig {
    readonly instanceTypes: readonly string[];
    /** Totals over all zones, as configured. */
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    /** Zones, so node groups: one per private subnet (`launchpad:network.azCount`). */
    readonly zones: number;
    /** Each zone's group: the totals divided by `zones`. */
    readonly perZone: ZoneScaling;
    readonly diskSizeGb: number;
    readonly capacityType: "ON_DEMAND" | "SPOT";
    /** Derived from the instance types' CPU architecture. */
    readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";
}

/** Graviton families carry a `g` after the generation digit (m7g, c7gn, r8g, t4g); `a1` is the first Graviton. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^([a-z]+\d+g[a-z]*|a1)\./.test(instanceType);
}

/** What the sizes are checked against: the zones they are split over and the tier's fewest nodes per zone. */
export interface NodeGroupZones {
    /** `launchpad:network.azCount`; undefined when it did not parse or no node group is made (existing cluster). */
    readonly azCount: number | undefined;
    readonly safety: Pick<Safety, "minNodesPerZone"> | undefined;
}

/**
 * Sizes in order, each a whole share per zone and at least the tier's fewest nodes per zone, and one
 * CPU architecture (a node group has one AMI type).
 */
export function nodeGroupProblems(ng: RawNodeGroup | undefined, show: Show, zones?: NodeGroupZones): string[] {
    const out: string[] = [];
    if (ng === undefined) {
        return out;
    }
    const azCount = zones?.azCount;
    if (azCount !== undefined) {
        const sizes: [string, number | undefined][] = [["minSize", ng.minSize], ["desiredSize", ng.desiredSize], ["maxSize", ng.maxSize]];
        for (const [field, value] of sizes) {
            if (value !== undefined && value % azCount !== 0) {
                out.push(`launchpad:nodeGroup.${field}: received ${show(value, "launchpad:nodeGroup")}; expected a multiple of launchpad:network.azCount (${azCount}): the total is split evenly over one node group per zone`);
            }
        }
        const perZone = zones?.safety?.minNodesPerZone ?? 0;
        if (ng.minSize < perZone * azCount) {
            out.push(`launchpad:nodeGroup.minSize: received ${show(ng.minSize, "launchpad:nodeGroup")}; expected at least ${perZone * azCount} in this tier (${perZone} node${perZone === 1 ? "" : "s"} per zone, launchpad:network.azCount ${azCount})`);
        }
    }
    if (ng.minSize > ng.maxSize) {
        out.push(`launchpad:nodeGroup.minSize: received ${show(ng.minSize, "launchpad:nodeGroup")}; expected a number <= launchpad:nodeGroup.maxSize (${show(ng.maxSize, "launchpad:nodeGroup")})`);
    } else if (ng.desiredSize !== undefined && (ng.desiredSize < ng.minSize || ng.desiredSize > ng.maxSize)) {
        out.push(`launchpad:nodeGroup.desiredSize: received ${show(ng.desiredSize, "launchpad:nodeGroup")}; expected a number from launchpad:nodeGroup.minSize (${show(ng.minSize, "launchpad:nodeGroup")}) to launchpad:nodeGroup.maxSize (${show(ng.maxSize, "launchpad:nodeGroup")})`);
    }
    const arm = ng.instanceTypes.filter(isArmInstanceType);
    if (arm.length > 0 && arm.length < ng.instanceTypes.length) {
        out.push(`launchpad:nodeGroup.instanceTypes: received ${show(ng.instanceTypes, "launchpad:nodeGroup")}; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type`);
    }
    return out;
}

/** The typed node groups: totals as configured, and each of the `zones` groups' share (checked whole by {@link nodeGroupProblems}). */
export function buildNodeGroup(ng: RawNodeGroup, zones: number): NodeGroupConfig {
    const desiredSize = ng.desiredSize ?? ng.minSize;
    return {
        instanceTypes: [...ng.instanceTypes],
        minSize: ng.minSize,
        desiredSize,
        maxSize: ng.maxSize,
        zones,
        perZone: { minSize: ng.minSize / zones, desiredSize: desiredSize / zones, maxSize: ng.maxSize / zones },
        diskSizeGb: ng.diskSizeGb,
        capacityType: ng.capacityType,
        amiType: ng.instanceTypes.every(isArmInstanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
    };
}
