/**
 * The plan as people read it (a resource tree with each resource's key settings, counts by type,
 * outputs) and as machines read it (one JSON document).
 */
import { placeholderLine, type Placeholder } from "../config/placeholders";
import { ANNOTATIONS, SELECTOR_LABELS } from "../lib/delivery";
import { VPC_CNI_NETWORK_POLICY_MINIMUM } from "../lib/versions";
import type { Plan, PlannedResource } from "./engine";
import { unresolvedAddonMinor } from "./mocks";
import type { Json } from "./values";

type Inputs = Record<string, Json>;
/** What a summary may read besides the resource's own inputs. */
export interface SummaryContext {
    /** Each planned subnet's zone, by its (mocked) id: a node group's inputs name subnets, not zones. */
    readonly subnetZones: ReadonlyMap<string, string>;
}
type Summary = (i: Inputs, ctx: SummaryContext) => (string | undefined)[];

const str = (v: Json | undefined): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));
const kv = (k: string, v: Json | undefined): string | undefined => (v === undefined || v === null ? undefined : `${k}=${str(v)}`);
const obj = (v: Json | undefined): Inputs => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** The settings a reviewer checks first, per resource type. */
const SUMMARIES: Record<string, Summary> = {
    "pulumi:providers:aws": (i) => [kv("region", i.region)],
    "pulumi:providers:kubernetes": (i) => [kv("kubeconfig", i.kubeconfig)],
    "aws:ec2/vpc:Vpc": (i) => [kv("cidr", i.cidrBlock)],
    "aws:ec2/subnet:Subnet": (i) => [kv("cidr", i.cidrBlock), kv("az", i.availabilityZone)],
    "aws:ec2/natGateway:NatGateway": (i) => [kv("subnet", i.subnetId)],
    "aws:ec2/route:Route": (i) => [kv("dest", i.destinationCidrBlock), kv("via", i.natGatewayId ?? i.gatewayId)],
    "aws:ec2/flowLog:FlowLog": (i) => [kv("traffic", i.trafficType), kv("to", i.logDestinationType)],
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (i) => [`rules=${list(i.ingress).length + list(i.egress).length}`],
    "aws:ec2/launchTemplate:LaunchTemplate": (i) => [kv("imdsTokens", obj(i.metadataOptions).httpTokens)],
    "aws:cloudwatch/logGroup:LogGroup": (i) => [kv("name", i.name), i.retentionInDays !== undefined ? `retention=${str(i.retentionInDays)}d` : "retention=never-expires"],
    "aws:kms/key:Key": (i) => [kv("rotation", i.enableKeyRotation), kv("deletionWindowDays", i.deletionWindowInDays)],
    "aws:kms/alias:Alias": (i) => [kv("name", i.name)],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) => [kv("policy", str(i.policyArn)?.split("/").pop())],
    "aws:eks/cluster:Cluster": (i) => {
        const vpc = obj(i.vpcConfig);
        return [
            kv("name", i.name),
            kv("version", i.version),
            `publicEndpoint=${vpc.endpointPublicAccess === true ? str(vpc.publicAccessCidrs) : "off"}`,
            `logs=${list(i.enabledClusterLogTypes).length}`,
            kv("deletionProtection", i.deletionProtection),
        ];
    },
    "aws:eks/nodeGroup:NodeGroup": (i, ctx) => {
        const s = obj(i.scalingConfig);
        const zones = [...new Set(list(i.subnetIds).map((id) => (typeof id === "string" ? ctx.subnetZones.get(id) : undefined) ?? "?"))];
        return [kv("zone", zones.join(",")), kv("instances", list(i.instanceTypes).map(str).join(",")), `size=${str(s.minSize)}..${str(s.maxSize)} (desired ${str(s.desiredSize)})`, kv("capacity", i.capacityType), kv("ami", i.amiType)];
    },
    // The version a reviewer checks first; one with no verified pin is EKS's default, read at deploy time.
    // Network policy on the VPC CNI: the version that can enforce it, checked once EKS resolves its default.
    "aws:eks/addon:Addon": (i) => {
        const minor = typeof i.addonVersion === "string" ? unresolvedAddonMinor(i.addonVersion) : undefined;
        const min = VPC_CNI_NETWORK_POLICY_MINIMUM;
        const networkPolicy = typeof i.configurationValues === "string" && /"enableNetworkPolicy"\s*:\s*"true"/.test(i.configurationValues)
            ? [`networkPolicy=on (needs v${min.major}.${min.minor}.${min.patch}-eksbuild.${min.build} or later${minor !== undefined ? ", checked when resolved" : ""})`]
            : [];
        return [minor !== undefined ? `version=resolved at deploy (EKS's default for ${minor})` : kv("version", i.addonVersion), ...networkPolicy];
    },
    "kubernetes:core/v1:Namespace": (i) => [kv("name", obj(i.metadata).name)],
    "pulumi:pulumi:StackReference": (i) => [kv("stack", i.name)],
    "aws:rds/snapshot:Snapshot": (i) => [kv("snapshot", i.dbSnapshotIdentifier), kv("of", i.dbInstanceIdentifier)],
    "kubernetes:batch/v1:Job": (i) => [kv("name", obj(i.metadata).name)],
    // A live Service: the color it selects and the promotion rule that admitted that color's release.
    "kubernetes:core/v1:Service": (i) => [kv("selects", obj(obj(i.spec).selector)[SELECTOR_LABELS.color]), kv("promotion", obj(obj(i.metadata).annotations)[ANNOTATIONS.promotion])],
};

/** Each planned subnet's zone by id, for {@link SummaryContext}. */
export function subnetZones(resources: readonly PlannedResource[]): Map<string, string> {
    const zones = new Map<string, string>();
    for (const r of resources) {
        const { id } = r.state;
        const zone = r.inputs.availabilityZone;
        if (r.type === "aws:ec2/subnet:Subnet" && typeof id === "string" && typeof zone === "string") zones.set(id, zone);
    }
    return zones;
}

export function summarize(r: PlannedResource, ctx: SummaryContext = { subnetZones: new Map() }): string {
    const parts = (SUMMARIES[r.type]?.(r.inputs, ctx) ?? []).filter((p): p is string => p !== undefined);
    if (r.options.id !== undefined) parts.push("[read]");
    if (r.protect) parts.push("[protect]");
    if (r.dependsOn.length > 0) parts.push(`dependsOn=${r.dependsOn.length}`);
    if (r.options.ignoreChanges) parts.push(`ignoreChanges=${r.options.ignoreChanges.join(",")}`);
    return parts.join("  ");
}

/** Counts by type, most common first, then by name. */
export function countsByType(resources: readonly PlannedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function renderTree(plan: Plan): string {
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [
        `Offline plan for ${plan.project}/${plan.stack}: ${plan.resources.length} resources (mocked: nothing was created or read in the cloud)`,
        "",
    ];
    const ctx: SummaryContext = { subnetZones: subnetZones(plan.resources) };
    const walk = (r: PlannedResource, prefix: string, last: boolean, root: boolean): void => {
        const summary = summarize(r, ctx);
        lines.push(`${root ? "" : `${prefix}${last ? "└─ " : "├─ "}`}${r.type}  ${r.name}${summary ? `  ${summary}` : ""}`);
        const kids = children.get(r.urn) ?? [];
        const next = root ? "" : `${prefix}${last ? "   " : "│  "}`;
        kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
    };
    for (const r of children.get(null) ?? []) walk(r, "", true, true);

    lines.push("", "Resources by type:");
    for (const [type, n] of countsByType(plan.resources)) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
    return `${lines.join("\n")}\n\n${renderPlaceholders(plan.stack, plan.placeholders)}`;
}

/**
 * The "Set before the first deploy" section: each placeholder, why a real run refuses it, and the
 * command that replaces it. docs/operations.md shows production's (tests/placeholders.test.ts keeps it equal).
 */
export function renderPlaceholders(stack: string, placeholders: readonly Placeholder[]): string {
    if (placeholders.length === 0) {
        return "Set before the first deploy: nothing (no placeholder left)\n";
    }
    const n = placeholders.length;
    const lines = [`Set before the first deploy: ${n} placeholder${n === 1 ? "" : "s"}, which a real pulumi preview or up of ${stack} refuses`];
    for (const p of placeholders) {
        lines.push(`  ${placeholderLine(p)}`, `    ${p.fix}`);
    }
    return `${lines.join("\n")}\n`;
}

/** The `--json` document as an object (`--policy` adds its `policy` key). */
export function jsonDocument(plan: Plan): { stack: string; resources: object[]; outputs: Record<string, Json>; placeholders: readonly Placeholder[] } {
    return {
        stack: plan.stack,
        resources: plan.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            inputs: r.inputs,
            dependsOn: r.dependsOn,
            protect: r.protect,
            provider: r.provider,
            custom: r.custom,
            options: r.options,
            dependencies: r.dependencies,
            propertyDependencies: r.propertyDependencies,
            id: r.id,
            arn: r.arn,
            // Last, so the keys before it keep their order for readers of older documents.
            registeredOutputs: r.registeredOutputs,
        })),
        outputs: plan.outputs,
        placeholders: plan.placeholders.map((p) => ({ key: p.key, kind: p.kind, value: p.value, reason: p.reason, fix: p.fix })),
    };
}

/** The `--json` document: exactly this, on stdout, nothing else. */
export function renderJson(plan: Plan, extra: Record<string, unknown> = {}): string {
    return `${JSON.stringify({ ...jsonDocument(plan), ...extra }, null, 2)}\n`;
}
