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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Show } from "./input";
import type { Safety } from "./tier";

export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

export const nodeGroupSchema = z.strictObject({
    /** EC2 instance types of the managed node group: in the Cluster Autoscaler's catalogue, run by the standard AL2023 AMI, of one CPU architecture, vCPU count and memory ({@link instanceTypeProblems}). */
    instanceTypes: z.array(z.string().regex(INSTANCE_TYPE_RE, { error: "expected an EC2 instance type such as \"m6i.large\"" })).min(1).default(["t3.large"]),
    // 450: "Nodes per managed node group | 450" (EKS user guide, service-quotas, same page as the
    // endpoint CIDRs' 40 in config/cluster.ts). A per-group quota; the sizes here are totals over the
    // zones' groups, so capping the total at it is stricter than EKS, never looser.
    minSize: z.int().min(0).max(450).default(2),
    desiredSize: z.int().min(0).max(450).optional(),
    maxSize: z.int().min(1).max(450).default(4),
    diskSizeGb: z.int().min(20).max(16384).default(50),
    capacityType: z.enum(CAPACITY_TYPES).default("ON_DEMAND"),
}).meta({
    description:
        "Managed node groups, one per AZ of the private subnets, alike but for their zone. instanceTypes: EC2 " +
        "types in the Cluster Autoscaler's catalogue that the standard AL2023 AMI runs (no GPU, mac, g5g, g3, g4, " +
        "inf, p or a1 type), all of one CPU architecture, vCPU count and memory (default [\"t3.large\"]); " +
        "minSize, desiredSize, maxSize: totals over all zones, each a " +
        "multiple of network.azCount (split evenly, one share per zone's group); minSize and desiredSize 0..450, " +
        "maxSize 1..450, min <= desired <= max (default 2, minSize, 4); the tier sets the fewest nodes per zone " +
        "(production: 1); each zone's private subnet must have room for its share at desiredSize, and at maxSize plus " +
        "an update's 2 surge nodes, each node of the largest instance type taking its ENIs' addresses, as many ENIs " +
        "as its max pods need (max pods: the ENI formula, capped by managed node groups at 110 below 30 vCPUs, 250 " +
        "from 30; t3.large 36, m6i.xlarge 60, m5.4xlarge 120), besides what else the stack puts there (a /20 network.cidr over 2 zones " +
        "allows 22 t3.large); diskSizeGb: 20..16384 (default 50); capacityType: \"ON_DEMAND\" or \"SPOT\" (default " +
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

/** One EC2 instance type as the Cluster Autoscaler knows it. */
export interface Ec2InstanceType {
    readonly vcpu: number;
    readonly memoryMb: number;
    readonly gpu: number;
    readonly architecture: "amd64" | "arm64";
}

/**
 * The Cluster Autoscaler's own EC2 catalogue, `vendor/cluster-autoscaler/ec2_instance_types.go`
 * (verbatim, vendor/cluster-autoscaler/SOURCE.md). A managed node group's Auto Scaling group is
 * planned from its first instance type: cluster-autoscaler/cloudprovider/aws/README.md at
 * cluster-autoscaler-1.36.1, lines 185-198 ("Each Auto Scaling Group should be composed of instance
 * types that provide approximately equal capacity ... only the first instance type found will be
 * used") and 344-346 ("the instance types should have the same amount of RAM and number of CPU
 * cores, since this is fundamental to CA's scaling calculations").
 */
export const INSTANCE_TYPE_CATALOGUE_SOURCE = "kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/ec2_instance_types.go @ cluster-autoscaler-1.36.1";

const ENTRY_RE = /^\t"([^"]+)": \{\n\t\tInstanceType: "([^"]+)",\n\t\tVCPU: +(\d+),\n\t\tMemoryMb: +(\d+),\n\t\tGPU: +(\d+),\n\t\tArchitecture: "(amd64|arm64)",\n\t\},$/gm;

/**
 * Reads the generated Go map (`go generate` output, one layout per entry). Throws when any entry
 * does not read, so a changed layout in a new copy fails loudly rather than shrinking the catalogue.
 */
export function parseInstanceTypeCatalogue(goSource: string): ReadonlyMap<string, Ec2InstanceType> {
    const out = new Map<string, Ec2InstanceType>();
    for (const m of goSource.matchAll(ENTRY_RE)) {
        const [, key, name, vcpu, memoryMb, gpu, architecture] = m as unknown as [string, string, string, string, string, string, "amd64" | "arm64"];
        if (key !== name) {
            throw new Error(`ec2_instance_types.go: entry ${key} names ${name}`);
        }
        out.set(key, { vcpu: Number(vcpu), memoryMb: Number(memoryMb), gpu: Number(gpu), architecture });
    }
    const declared = goSource.match(/^\t\tInstanceType: /gm)?.length ?? 0;
    if (out.size === 0 || out.size !== declared) {
        throw new Error(`ec2_instance_types.go: read ${out.size} of ${declared} entries; the vendored file's layout changed`);
    }
    return out;
}

let catalogue: { readonly types: ReadonlyMap<string, Ec2InstanceType>; readonly updated: string } | undefined;

function loadCatalogue(): NonNullable<typeof catalogue> {
    if (catalogue === undefined) {
        const source = readFileSync(join(__dirname, "..", "vendor", "cluster-autoscaler", "ec2_instance_types.go"), "utf8");
        catalogue = { types: parseInstanceTypeCatalogue(source), updated: /^var StaticListLastUpdateTime = "([^"]+)"$/m.exec(source)?.[1] ?? "unknown" };
    }
    return catalogue;
}

/** The vendored catalogue, read once. */
export function instanceTypeCatalogue(): ReadonlyMap<string, Ec2InstanceType> {
    return loadCatalogue().types;
}

/**
 * The catalogue's `StaticListLastUpdateTime`. The running autoscaler also asks EC2 for its types
 * (`--aws-use-static-instance-list` false, its default: cloudprovider/aws/aws_cloud_provider.go,
 * BuildAWS, at cluster-autoscaler-1.36.1) and falls back on this list, so a type newer than it is
 * refused here though the autoscaler could plan it: it waits for the next image pin's copy.
 */
export function instanceTypeCatalogueUpdated(): string {
    return loadCatalogue().updated;
}

/** Graviton per the catalogue's `Architecture` (false for a type it does not know: that is refused on its own). */
export function isArmInstanceType(instanceType: string): boolean {
    return instanceTypeCatalogue().get(instanceType)?.architecture === "arm64";
}

/** One instance type's network interface limits as the VPC CNI reads them. */
export interface EniLimits {
    /** `ENILimit`: network interfaces ipamd may attach (its `GetENILimit`). */
    readonly enis: number;
    /** `IPv4Limit`: IPv4 addresses per interface, its primary address included (its `GetIPv4Limit`). */
    readonly ipv4PerEni: number;
}

/**
 * The VPC CNI's own table of each instance type's ENI and IPv4 limits,
 * `vendor/amazon-vpc-cni/vpc_ip_resource_limit.go` (verbatim, vendor/amazon-vpc-cni/SOURCE.md): the
 * numbers ipamd allocates by (pkg/vpc/vpc.go `GetENILimit`, `GetIPv4Limit`, read by
 * pkg/awsutils/awsutils.go `GetENILimit`, `GetENIIPv4Limit`).
 */
export const ENI_LIMITS_SOURCE = "aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go @ b5218838";

// Only the two leading fields of each entry: the rest (network cards, hypervisor) is not read, and
// anchoring on the entry's first lines keeps the scan of the 400 KB file to one cheap pass.
const ENI_ENTRY_RE = /^\t"([^"]+)": \{\n\t\tENILimit: +(\d+),\n\t\tIPv4Limit: +(\d+),$/gm;

/**
 * Reads the generated Go map (`go generate` output). Throws when any entry does not read, so a
 * changed layout in a new copy fails loudly rather than dropping types.
 */
export function parseEniLimits(goSource: string): ReadonlyMap<string, EniLimits> {
    const out = new Map<string, EniLimits>();
    for (const m of goSource.matchAll(ENI_ENTRY_RE)) {
        out.set(m[1], { enis: Number(m[2]), ipv4PerEni: Number(m[3]) });
    }
    const declared = goSource.match(/^\t\tENILimit: /gm)?.length ?? 0;
    if (out.size === 0 || out.size !== declared) {
        throw new Error(`vpc_ip_resource_limit.go: read ${out.size} of ${declared} entries; the vendored file's layout changed`);
    }
    return out;
}

let eniLimits: ReadonlyMap<string, EniLimits> | undefined;

/** The vendored VPC CNI table, read once, on first use (only stacks with a node group of their own ask). */
export function eniLimitTable(): ReadonlyMap<string, EniLimits> {
    eniLimits ??= parseEniLimits(readFileSync(join(__dirname, "..", "vendor", "amazon-vpc-cni", "vpc_ip_resource_limit.go"), "utf8"));
    return eniLimits;
}

/**
 * The managed node group's cap on a node's max pods. A managed node group whose launch template
 * names no AMI (components/cluster.ts `nodeLaunchTemplateArgs`) writes the node's max pods itself
 * (for AL2023, into the NodeConfig it puts in the user data: eksctl-io/eksctl#8037), and "managed
 * node groups enforce a maximum number on the value of maxPods. For instances with less than 30
 * vCPUs, the maximum number is 110" (awsdocs/amazon-eks-user-guide 4d52b4d0
 * latest/ug/nodes/create-managed-node-group.adoc line 23); "for all other instances the maximum
 * number is 250. This maximum number is applied whether prefix delegation is enabled or not"
 * (latest/ug/networking/eks-networking-add-ons.adoc line 2493; awsdocs/amazon-eks-user-guide#663:
 * an m5a.4xlarge node group "always limits to 110", not its 234). At exactly 30 vCPUs the two
 * pages differ (the old max-pods-calculator.sh, awslabs/amazon-eks-ami templates/al2/runtime at
 * b2289030^, gives 250 only above 30): 250 is taken there, the larger, so the rule never allows
 * nodes that take more addresses than it counts.
 */
export const MANAGED_NODE_GROUP_MAX_PODS = { vcpusForHigh: 30, low: 110, high: 250 } as const;

/** What one node of a type runs and takes from its subnet ({@link nodeAddressCeiling}). */
export interface NodeAddresses {
    /** The node's max pods: the ENI formula, or the managed node group's cap when lower. */
    readonly maxPods: number;
    /** The ENI formula, `enis x (ipv4PerEni - 1) + 2`: nodeadm's own max pods (CalcMaxPods). */
    readonly eniMaxPods: number;
    /** The managed node group's cap for the type's vCPUs ({@link MANAGED_NODE_GROUP_MAX_PODS}). */
    readonly cap: number;
    /** ENIs ipamd attaches at most: enough for max pods, never more than the type's. */
    readonly enis: number;
    /** Their addresses, each ENI whole: `enis x ipv4PerEni`. */
    readonly addresses: number;
}

/**
 * The most addresses one node of `limits` (with `vcpus`) takes from its subnet (undefined limits:
 * a type the CNI's table does not know).
 *
 * Max pods is what the node runs: nodeadm's `CalcMaxPods` is the ENI formula, "# of ENI on default
 * network card * (# of IPv4 per ENI - 1) + 2" (awslabs/amazon-eks-ami 81fec2e8
 * nodeadm/internal/kubelet/eni_max_pods.go), and the managed node group caps it
 * ({@link MANAGED_NODE_GROUP_MAX_PODS}); no prefix delegation, no custom max pods here.
 *
 * The addresses: the stack sets neither WARM_IP_TARGET, MINIMUM_IP_TARGET nor prefix delegation
 * (the vpc-cni add-on's only configuration is `enableNetworkPolicy`, components/eks-addon.ts), so
 * ipamd runs with WARM_ENI_TARGET=1 and attaches ENIs whole, every secondary address of each
 * (`IPv4Limit - 1`, awsutils.go GetENIIPv4Limit) with it. It adds one while fewer than an ENI's
 * worth are free, but not once its addresses reach the node's max pods, which it reads from the
 * Node's pod capacity (aws/amazon-vpc-cni-k8s b5218838 pkg/ipamd/ipamd.go
 * `isDatastorePoolTooLow`: "If max pods has been reached, pool is not too low"; nodeInit,
 * `node.Status.Capacity.Pods()`). So a node holds at most `ceil(maxPods / (IPv4Limit - 1))` ENIs,
 * each with its primary address too: every ENI when max pods is the ENI formula (t3.large: 3 x
 * 12 = 36), fewer when the cap is lower (m5.4xlarge, 16 vCPUs: 110 pods, 4 of its 8 ENIs, 120).
 * The CNI's own example (docs/eni-and-ip-target.md, first table: a t3.small with 5 pods holding 3
 * ENIs and 9 secondary addresses) shows a busy node there long before it is full.
 */
export function nodeAddressCeiling(limits: EniLimits | undefined, vcpus: number): NodeAddresses | undefined {
    if (limits === undefined) {
        return undefined;
    }
    const perEni = limits.ipv4PerEni - 1;
    const eniMaxPods = limits.enis * perEni + 2;
    const cap = vcpus >= MANAGED_NODE_GROUP_MAX_PODS.vcpusForHigh ? MANAGED_NODE_GROUP_MAX_PODS.high : MANAGED_NODE_GROUP_MAX_PODS.low;
    const maxPods = Math.min(eniMaxPods, cap);
    const enis = perEni > 0 ? Math.min(limits.enis, Math.ceil(maxPods / perEni)) : limits.enis;
    return { maxPods, eniMaxPods, cap, enis, addresses: enis * limits.ipv4PerEni };
}

/**
 * Nodes a zone's group may run above its maxSize while EKS updates it: the update's scale-up
 * phase "increments the Auto Scaling Group's maximum size and desired size by the larger of ...
 * Up to twice the number of Availability Zones that the Auto Scaling group is deployed in; The
 * maximum unavailable of upgrade" (awsdocs/amazon-eks-user-guide 4d52b4d0
 * latest/ug/nodes/managed-node-update-behavior.adoc, lines 33-35). Each group spans one zone and
 * its maxUnavailable is 1 (components/cluster.ts NODE_GROUP_UPDATE_CONFIG): two nodes.
 */
export const UPDATE_SURGE_NODES_PER_ZONE = 2;

/** Edit distance (insertions, deletions, substitutions), for suggesting the name meant. */
function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
        }
        prev = row;
    }
    return prev[b.length];
}

/** Up to three catalogue names nearest to `name`, nearest first, then by name. */
export function nearestInstanceTypes(name: string, known: Iterable<string> = instanceTypeCatalogue().keys()): string[] {
    return [...known]
        .map((k) => [k, editDistance(name, k)] as const)
        .sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
        .slice(0, 3)
        .map(([k]) => k);
}

function describeSize(name: string, t: Ec2InstanceType): string {
    return `${name} ${t.vcpu} vCPU, ${t.memoryMb} MiB`;
}

/**
 * Why the node group's AMI (AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD) cannot run a known
 * type, or undefined. awsdocs/amazon-eks-user-guide latest/ug/nodes/choosing-instance-type.adoc
 * (mainline 4d52b4d05e3478582e7d10a73cbd9ba9194dd5f7), lines 23-26: "All Amazon EKS AMIs don't
 * currently support the g5g and mac families"; "Arm and non-accelerated Amazon EKS AMIs don't
 * support the g3, g4, inf, and p families"; "AL2023 doesn't support A1 instances". Any other GPU
 * type too: only the accelerated AMIs carry the NVIDIA driver (eks-optimized-ami.adoc, "Amazon EKS
 * optimized accelerated Amazon Linux AMIs"), while the autoscaler's template node of a GPU type has
 * `nvidia.com/gpu` capacity (cluster-autoscaler/cloudprovider/aws/aws_manager.go line 285 at
 * cluster-autoscaler-1.36.1): it would add nodes for a GPU pod that never offer one.
 */
export function standardAmiRefusal(instanceType: string, spec: Ec2InstanceType): string | undefined {
    const family = instanceType.slice(0, instanceType.indexOf("."));
    if (family === "g5g" || family.startsWith("mac")) {
        return "EKS AMIs do not support the g5g and mac families";
    }
    if (family === "a1") {
        return "AL2023, the node group's AMI, does not support A1 instances (Graviton2 or later only)";
    }
    if (/^(g3|g4|inf|p\d)/.test(family)) {
        return "non-accelerated EKS AMIs, the node group's, do not support the g3, g4, inf and p families";
    }
    if (spec.gpu > 0) {
        return `${instanceType} has ${spec.gpu} GPU${spec.gpu === 1 ? "" : "s"} and the node group's standard AMI has no NVIDIA driver`;
    }
    return undefined;
}

/**
 * Every instance type in the catalogue and one the standard AMI runs ({@link standardAmiRefusal});
 * all of one architecture (one AMI type per node group); and all of the first type's vCPU and
 * memory, since the autoscaler plans every node as the first (README lines cited at
 * {@link INSTANCE_TYPE_CATALOGUE_SOURCE}).
 */
export function instanceTypeProblems(instanceTypes: readonly string[], show: Show): string[] {
    const key = "launchpad:nodeGroup";
    const known = instanceTypeCatalogue();
    const out: string[] = [];
    const specs: [string, Ec2InstanceType][] = [];
    instanceTypes.forEach((t, i) => {
        const spec = known.get(t);
        const refusal = spec === undefined ? undefined : standardAmiRefusal(t, spec);
        if (spec === undefined) {
            out.push(`${key}.instanceTypes[${i}]: received ${show(t, key)}; expected an EC2 instance type in the catalogue of the Cluster Autoscaler (vendor/cluster-autoscaler/ec2_instance_types.go, updated ${instanceTypeCatalogueUpdated()}), such as ${nearestInstanceTypes(t, known.keys()).map((n) => JSON.stringify(n)).join(", ")}`);
        } else if (refusal !== undefined) {
            out.push(`${key}.instanceTypes[${i}]: received ${show(t, key)}; expected an instance type the node group's AMI (AL2023_*_STANDARD) runs: ${refusal} (EKS user guide, choosing-instance-type.adoc)`);
        } else {
            specs.push([t, spec]);
        }
    });
    const arm = specs.filter(([, s]) => s.architecture === "arm64");
    if (arm.length > 0 && arm.length < specs.length) {
        out.push(`${key}.instanceTypes: received ${show(instanceTypes, key)}; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type`);
    } else if (specs.length > 1) {
        const [firstName, first] = specs[0];
        const differ = specs.filter(([, s]) => s.vcpu !== first.vcpu || s.memoryMb !== first.memoryMb);
        if (differ.length > 0) {
            out.push(`${key}.instanceTypes: received ${show(instanceTypes, key)}; expected instance types of one size, since the Cluster Autoscaler plans every node of a group as its first type (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md): ${describeSize(firstName, first)} but ${differ.map(([n, s]) => describeSize(n, s)).join("; ")}`);
        }
    }
    return out;
}

/** What the sizes are checked against: the zones they are split over and the tier's fewest nodes per zone. */
export interface NodeGroupZones {
    /** `launchpad:network.azCount`; undefined when it did not parse or no node group is made (existing cluster). */
    readonly azCount: number | undefined;
    readonly safety: Pick<Safety, "minNodesPerZone"> | undefined;
}

/**
 * Sizes in order, each a whole share per zone and at least the tier's fewest nodes per zone, and
 * instance types the autoscaler knows, of one architecture and one size ({@link instanceTypeProblems}).
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
    out.push(...instanceTypeProblems(ng.instanceTypes, show));
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
