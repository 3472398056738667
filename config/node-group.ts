/**
 * `launchpad:nodeGroup`: the EKS managed node group's instances, sizes and capacity type.
 */
import { z } from "zod";
import type { Show } from "./input";

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
        "Managed node group in the private subnets. instanceTypes: one CPU architecture (default [\"t3.large\"]); " +
        "minSize and desiredSize 0..450, maxSize 1..450, min <= desired <= max (default 2, minSize, 4); diskSizeGb: " +
        "20..16384 (default 50); capacityType: \"ON_DEMAND\" or \"SPOT\" (default \"ON_DEMAND\").",
});

export type RawNodeGroup = z.output<typeof nodeGroupSchema>;

export interface NodeGroupConfig {
    readonly instanceTypes: readonly string[];
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly diskSizeGb: number;
    readonly capacityType: "ON_DEMAND" | "SPOT";
    /** Derived from the instance types' CPU architecture. */
    readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";
}

/** Graviton families carry a `g` after the generation digit (m7g, c7gn, r8g, t4g); `a1` is the first Graviton. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^([a-z]+\d+g[a-z]*|a1)\./.test(instanceType);
}

/** Sizes in order, and one CPU architecture (a node group has one AMI type). */
export function nodeGroupProblems(ng: RawNodeGroup | undefined, show: Show): string[] {
    const out: string[] = [];
    if (ng === undefined) {
        return out;
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

export function buildNodeGroup(ng: RawNodeGroup): NodeGroupConfig {
    return {
        instanceTypes: [...ng.instanceTypes],
        minSize: ng.minSize,
        desiredSize: ng.desiredSize ?? ng.minSize,
        maxSize: ng.maxSize,
        diskSizeGb: ng.diskSizeGb,
        capacityType: ng.capacityType,
        amiType: ng.instanceTypes.every(isArmInstanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
    };
}
