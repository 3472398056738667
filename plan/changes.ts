/**
 * The second `pulumi up`, offline: what changes between two plans of one stack (the config deployed
 * and the config proposed), resource by resource, and which changes replace a resource instead of
 * updating it, each with the provider source that says so.
 *
 * A replacement is judged as the engine would: refused when the resource is protected (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, "unable to replace resource ... marked for protection");
 * delete-first or create-first as the program's `deleteBeforeReplace` says, else as the provider
 * asks (below). Only the rules listed here are known: a changed input of another type is reported as
 * a change whose kind `pulumi preview` decides, never guessed to be an update.
 *
 * Offline limits: a secret's value shows as "[secret]" in both plans, so a change of it alone is not
 * seen; values the cloud computes are the mocks'.
 */
import { parameterGroupFamily } from "../components/database";
import type { Plan, PlannedResource } from "./engine";
import type { Json } from "./values";

/** Inputs whose change replaces a resource of one type, and where the provider says so. */
export interface ReplaceRule {
    /** Input paths (`spec.selector`, `engine`): a change at or under one replaces the resource. */
    readonly paths: readonly string[];
    /** The provider source the paths are read from. */
    readonly source: string;
    /**
     * The input naming the physical resource when the program sets it. A replacement of a resource so
     * named is delete-first unless the program says otherwise: the provider asks for it (see
     * `deleteFirstWhenNamed`), and create-first would collide with the old one's name.
     * @default - the resource is never named by the program
     */
    readonly nameInput?: string;
    /** Why a named replacement is delete-first, for the reader. @default - create-first */
    readonly deleteFirstWhenNamed?: string;
}

const K8S_DIFF = "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties";
const K8S_NAMED = "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff: a named object keeping its name and namespace is deleteBeforeReplace";
/** `.metadata.name` and `.metadata.namespace` replace every Kubernetes object (diff.go metadataForceNewProperties). */
const K8S_IDENTITY = ["metadata.name", "metadata.namespace"];

function k8s(paths: readonly string[]): ReplaceRule {
    return { paths: [...K8S_IDENTITY, ...paths], source: K8S_DIFF, nameInput: "metadata.name", deleteFirstWhenNamed: K8S_NAMED };
}

/**
 * The replace rules of the types whose changes users make (image, env, replicas, resources, the
 * database's size and version, node types, EKS version, tags, chart pins, thresholds). Each list is
 * the provider's, read at the version noted, not a guess.
 */
export const REPLACE_RULES: Readonly<Record<string, ReplaceRule>> = {
    // ForceNew in hashicorp/terraform-provider-aws internal/service/rds/instance.go (the stored
    // version, commit 552c0468): `identifier` is not among them since v5 (an in-place rename,
    // hashicorp/terraform-provider-aws PR #32687); instance_class, allocated_storage,
    // max_allocated_storage, engine_version, backup_retention_period, multi_az are updates.
    "aws:rds/instance:Instance": {
        paths: ["engine", "dbName", "username", "kmsKeyId", "storageEncrypted", "snapshotIdentifier", "restoreToPointInTime",
            "availabilityZone", "characterSetName", "timezone"],
        source: "hashicorp/terraform-provider-aws internal/service/rds/instance.go (ForceNew)",
        nameInput: "identifier",
        deleteFirstWhenNamed: "pulumi/pulumi-aws PR #6437 (`identifier` auto-named) and pulumi-terraform-bridge pkg/tfbridge/provider.go nameRequiresDeleteBeforeReplace",
    },
    // hashicorp/terraform-provider-aws internal/service/eks/node_group.go (commit 012e0a32): the
    // launch template's version, the scaling config and `version` are updates.
    "aws:eks/nodeGroup:NodeGroup": {
        paths: ["amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "launchTemplate.id", "launchTemplate.name",
            "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds"],
        source: "hashicorp/terraform-provider-aws internal/service/eks/node_group.go (ForceNew)",
    },
    // hashicorp/terraform-provider-aws internal/service/rds/parameter_group.go and subnet_group.go
    // (stored versions): a parameter group's description and family are ForceNew, a subnet group's
    // description and subnets are updates.
    "aws:rds/parameterGroup:ParameterGroup": {
        paths: ["name", "namePrefix", "family", "description"],
        source: "hashicorp/terraform-provider-aws internal/service/rds/parameter_group.go (ForceNew)",
    },
    "aws:rds/subnetGroup:SubnetGroup": {
        paths: ["name", "namePrefix"],
        source: "hashicorp/terraform-provider-aws internal/service/rds/subnet_group.go (ForceNew)",
    },
    // hashicorp/terraform-provider-aws internal/service/logs/group.go (a v6 version, commit 0073593e):
    // retention and the KMS key are updates.
    "aws:cloudwatch/logGroup:LogGroup": {
        paths: ["name", "namePrefix", "logGroupClass"],
        source: "hashicorp/terraform-provider-aws internal/service/logs/group.go (ForceNew)",
    },
    "kubernetes:apps/v1:Deployment": k8s(["spec.selector"]),
    "kubernetes:batch/v1:Job": k8s(["spec.completions", "spec.parallelism", "spec.selector", "spec.template"]),
    // Without the provider's enableSecretMutable / enableConfigMapMutable (Launchpad sets neither).
    "kubernetes:core/v1:Secret": k8s(["type", "stringData", "data"]),
    "kubernetes:core/v1:ConfigMap": k8s(["data", "binaryData"]),
    "kubernetes:core/v1:Service": k8s(["spec.clusterIP"]),
    "kubernetes:storage.k8s.io/v1:StorageClass": k8s(["parameters", "provisioner"]),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": k8s(["roleRef"]),
    // Not in the forceNew table (policy/v1beta1 only): in-place updates but for the identity.
    "kubernetes:policy/v1:PodDisruptionBudget": k8s([]),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8s([]),
    "kubernetes:batch/v1:CronJob": k8s([]),
    "kubernetes:networking.k8s.io/v1:Ingress": k8s([]),
    "kubernetes:core/v1:ServiceAccount": k8s([]),
    "kubernetes:core/v1:Namespace": k8s([]),
    // grafana/terraform-provider-grafana internal/resources/grafana/resource_alerting_rule_group.go
    // (HEAD 3f9621f47): thresholds are in `rules`, an update.
    "grafana:alerting/ruleGroup:RuleGroup": { paths: ["name", "folderUid"], source: "grafana/terraform-provider-grafana internal/resources/grafana/resource_alerting_rule_group.go (ForceNew)" },
    // A release is upgraded in place for a new chart version or values; never delete-first
    // (helm_release.go Diff: `DeleteBeforeReplace: false`).
    "kubernetes:helm.sh/v3:Release": { paths: ["name", "namespace"], source: "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go Diff (forceNewFields)" },
};

/** Types whose inputs are tags alone when only tags change: every AWS type takes them in place. */
const TAG_INPUTS = new Set(["tags", "tagSpecifications"]);
const TAGS_SOURCE = "hashicorp/terraform-provider-aws internal/tags: `tags` is never ForceNew";

export type ChangeKind = "create" | "update" | "replace" | "delete" | "change";

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /**
     * `update` and `replace` by a known rule; `change` when the type has no rule here and
     * `pulumi preview` decides between them.
     */
    readonly kind: ChangeKind;
    /** Changed input paths, sorted (`spec.template.spec.containers[0].image`). */
    readonly paths: readonly string[];
    /** For a replacement: the changed paths that force it. */
    readonly replacedBy: readonly string[];
    /** The provider source of the rule applied. */
    readonly source?: string;
    /** For a replacement: delete the old resource first, or create the new one first. */
    readonly order?: "delete-first" | "create-first";
    /** What goes wrong with this change in a real `pulumi up`, said plainly; none when it is safe. */
    readonly hazard?: string;
}

/** Changed leaf paths between two JSON values (arrays by index), sorted. */
export function changedPaths(before: Json | undefined, after: Json | undefined, prefix = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) {
        return [];
    }
    const isObject = (v: Json | undefined): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => changedPaths(before[k], after[k], prefix === "" ? k : `${prefix}.${k}`));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        return before.flatMap((v, i) => changedPaths(v, after[i], `${prefix}[${i}]`));
    }
    return [prefix];
}

/** Whether `path` is `rule` or lies under it. */
function under(path: string, rule: string): boolean {
    return path === rule || path.startsWith(`${rule}.`) || path.startsWith(`${rule}[`);
}

function inputAt(r: PlannedResource, path: string): Json | undefined {
    let cur: Json | undefined = r.inputs;
    for (const part of path.split(".")) {
        cur = cur !== null && typeof cur === "object" && !Array.isArray(cur) ? cur[part] : undefined;
    }
    return cur;
}

/** Delete-first or create-first, as the engine decides: the program's option, else the provider's ask. */
function replaceOrder(rule: ReplaceRule, before: PlannedResource, after: PlannedResource): "delete-first" | "create-first" {
    if (after.options.deleteBeforeReplace !== undefined) {
        return after.options.deleteBeforeReplace ? "delete-first" : "create-first";
    }
    const named = rule.nameInput !== undefined && rule.deleteFirstWhenNamed !== undefined && typeof inputAt(after, rule.nameInput) === "string";
    // pulumi-kubernetes asks for delete-first only when the name stays; the bridge whenever the program names it.
    const sameName = rule.nameInput !== undefined && JSON.stringify(inputAt(before, rule.nameInput)) === JSON.stringify(inputAt(after, rule.nameInput));
    return named && (sameName || rule.source !== K8S_DIFF) ? "delete-first" : "create-first";
}

/** Why a replacement fails or loses something in a real `pulumi up`; undefined when it does neither. */
function replaceHazard(rule: ReplaceRule, before: PlannedResource, after: PlannedResource, order: "delete-first" | "create-first"): string | undefined {
    if (before.protect && after.protect) {
        return "the engine refuses it: the resource is protected (pulumi/pulumi pkg/resource/deploy/step_generator.go: \"unable to replace resource ... marked for protection\")";
    }
    const name = rule.nameInput !== undefined ? inputAt(after, rule.nameInput) : undefined;
    const sameName = name !== undefined && typeof name === "string" && JSON.stringify(inputAt(before, rule.nameInput ?? "")) === JSON.stringify(name);
    if (order === "create-first" && sameName && rule.source !== K8S_DIFF) {
        return `the new resource is created under the old one's name ${JSON.stringify(name)} while the old one exists: the cloud refuses it ("already exists"), nothing is lost`;
    }
    if (order === "delete-first" && after.type === "aws:rds/instance:Instance") {
        return "the database is deleted before its replacement exists: its data, and the source a restore reads";
    }
    return undefined;
}

/**
 * Why an in-place update fails in a real `pulumi up`; undefined when it does not. An RDS engine
 * version in another parameter group family is a major upgrade: the provider sends
 * `AllowMajorVersionUpgrade` only as the program sets it (terraform-provider-aws
 * internal/service/rds/instance.go, resourceInstanceUpdate), Launchpad does not, and RDS refuses the
 * modification without it.
 */
function updateHazard(before: PlannedResource, after: PlannedResource): string | undefined {
    if (after.type !== "aws:rds/instance:Instance") {
        return undefined;
    }
    const family = (r: PlannedResource): string | undefined => {
        const engine = r.inputs.engine;
        const version = r.inputs.engineVersion;
        return (engine === "mysql" || engine === "postgres") && typeof version === "string" ? parameterGroupFamily(engine, version) : undefined;
    };
    const [from, to] = [family(before), family(after)];
    return from !== undefined && to !== undefined && from !== to && before.inputs.engine === after.inputs.engine
        ? `${from} to ${to} is a major version upgrade, which RDS refuses without AllowMajorVersionUpgrade (the instance does not set it): this update fails, and a major upgrade is no config change today`
        : undefined;
}

/** One resource present in both plans: its changes, classified. */
function resourceChange(before: PlannedResource, after: PlannedResource): ResourceChange | undefined {
    const paths = changedPaths(before.inputs, after.inputs).filter((p) => !(after.options.ignoreChanges ?? []).some((i) => under(p, i)));
    if (paths.length === 0) {
        return undefined;
    }
    const base = { urn: after.urn, type: after.type, name: after.name, paths };
    const rule = REPLACE_RULES[after.type];
    if (rule === undefined) {
        const tagsOnly = after.type.startsWith("aws:") && paths.every((p) => TAG_INPUTS.has(p.split(/[.[]/)[0]));
        return tagsOnly ? { ...base, kind: "update", replacedBy: [], source: TAGS_SOURCE } : { ...base, kind: "change", replacedBy: [] };
    }
    const replacedBy = paths.filter((p) => rule.paths.some((r) => under(p, r)));
    if (replacedBy.length === 0) {
        const hazard = updateHazard(before, after);
        return { ...base, kind: "update", replacedBy, source: rule.source, ...(hazard !== undefined ? { hazard } : {}) };
    }
    const order = replaceOrder(rule, before, after);
    const hazard = replaceHazard(rule, before, after, order);
    return { ...base, kind: "replace", replacedBy, source: rule.source, order, ...(hazard !== undefined ? { hazard } : {}) };
}

/**
 * Every resource whose inputs differ between `before` (what is deployed) and `after` (the proposed
 * config), in `after`'s order, then the deleted ones. Custom resources only: components have no
 * provider.
 */
export function planChanges(before: Plan, after: Plan): ResourceChange[] {
    const old = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const out: ResourceChange[] = [];
    for (const r of after.resources.filter((x) => x.custom)) {
        const o = old.get(r.urn);
        if (o === undefined) {
            out.push({ urn: r.urn, type: r.type, name: r.name, kind: "create", paths: [], replacedBy: [] });
            continue;
        }
        old.delete(r.urn);
        const change = resourceChange(o, r);
        if (change !== undefined) out.push(change);
    }
    for (const r of old.values()) {
        const hazard = r.protect ? "the engine refuses it: the resource is protected" : undefined;
        out.push({ urn: r.urn, type: r.type, name: r.name, kind: "delete", paths: [], replacedBy: [], ...(hazard !== undefined ? { hazard } : {}) });
    }
    return out;
}

/** The changes as text, one line each. */
export function renderChanges(changes: readonly ResourceChange[]): string {
    if (changes.length === 0) {
        return "changes: none\n";
    }
    const lines = ["changes:"];
    for (const c of changes) {
        const what = c.kind === "replace"
            ? `replace (${c.order}) because ${c.replacedBy.join(", ")}`
            : c.kind === "change" ? `change ${c.paths.join(", ")} (no replace rule for this type: read pulumi preview)` : c.kind === "update" ? `update ${c.paths.join(", ")}` : c.kind;
        lines.push(`  ${c.type} ${c.name}: ${what}`);
    }
    return `${lines.join("\n")}\n`;
}

/** One `warning:` line for each change a real `pulumi up` refuses or pays for; empty when there is none. */
export function changeWarnings(changes: readonly ResourceChange[]): string {
    return changes.filter((c) => c.hazard !== undefined).map((c) => `warning: ${c.kind} of ${c.name}: ${c.hazard}\n`).join("");
}
