/**
 * The second `pulumi up`, offline: what changes between two plans of one stack (the config deployed
 * and the config proposed), resource by resource, and which changes replace a resource instead of
 * updating it, each with the provider source that says so.
 *
 * A replacement is judged as the engine would: refused when the resource is protected (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, "unable to replace resource ... marked for protection");
 * delete-first or create-first as the program's `deleteBeforeReplace` says, else as the provider
 * asks (below). Every type the stacks create has a rule (tests/replace-rules.test.ts); a changed input
 * of a type without one is reported as a change whose kind `pulumi preview` decides, never guessed to
 * be an update. Before a delete-first replacement the engine replaces, delete-first, what that
 * replacement would replace (`dependentReplacements`, pulumi/pulumi step_generator.go
 * `calculateDependentReplacements`), and so does this.
 *
 * Offline limits: a secret's value shows as "[secret]" in both plans, so a change of it alone is not
 * seen; values the cloud computes are the mocks'; an in-place update's new outputs (a launch
 * template's next version) are not followed, only a replacement's.
 */
import { parameterGroupFamily } from "../components/database";
import awsTable from "../vendor/provider-force-new/aws.json";
import grafanaTable from "../vendor/provider-force-new/grafana.json";
import randomTable from "../vendor/provider-force-new/random.json";
import { KUBECONFIG_PATH } from "../config/schema";
import { JOB_IMMUTABLE_SPEC_FIELDS } from "../lib/workload";
import type { Plan, PlannedResource } from "./engine";
import { configPath, parseSet } from "./stack-config";
import type { Json } from "./values";

/**
 * A ForceNew the provider decides from the values, not from the change alone (a `CustomizeDiff`).
 * `removed`: the value was set and is now unset; `changedFromSet`: a set value changes;
 * `jsonUidChanged`: the `uid` inside a JSON string changes; `unmodelled`: read in the source, not
 * evaluated here (the program sets none of these inputs).
 */
export interface ConditionalReplace {
    readonly path: string;
    readonly when: "removed" | "changedFromSet" | "jsonUidChanged" | "unmodelled";
    /** What the provider source says, for the reader. */
    readonly by: string;
}

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
    /** ForceNew decided from the values. @default - none */
    readonly conditional?: readonly ConditionalReplace[];
}

const K8S_DIFF = "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties";
const K8S_NAMED = "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff: a named object keeping its name and namespace is deleteBeforeReplace";
/** `.metadata.name` and `.metadata.namespace` replace every Kubernetes object (diff.go metadataForceNewProperties). */
const K8S_IDENTITY = ["metadata.name", "metadata.namespace"];

function k8s(paths: readonly string[]): ReplaceRule {
    return { paths: [...K8S_IDENTITY, ...paths], source: K8S_DIFF, nameInput: "metadata.name", deleteFirstWhenNamed: K8S_NAMED };
}

/** One provider's vendored table (vendor/provider-force-new/<provider>.json, read from the provider's source; SOURCE.md). */
interface ForceNewTable {
    readonly upstream: string;
    /** Replacing on a change of `region` (terraform-provider-aws v6), but for the global types. */
    readonly region?: { readonly path: string; readonly source: string; readonly globalTypes: readonly string[] };
    /** The input the bridge autonames, which makes a replacement delete-first when the program sets it. */
    readonly autoName?: { readonly input: string; readonly source: string };
    readonly types: Readonly<Record<string, {
        readonly file: string;
        readonly commit: string;
        readonly framework?: boolean;
        /** Pulumi input path to the upstream attribute it is (`cidrBlock` to `cidr_block`). */
        readonly forceNew: Readonly<Record<string, string>>;
        readonly conditional?: readonly { readonly path: string; readonly when: string; readonly by: string }[];
        readonly named?: boolean;
        readonly nameInput?: string;
        readonly deleteFirstWhenNamed?: string;
    }>>;
}

const CONDITIONS = new Set(["removed", "changedFromSet", "jsonUidChanged", "unmodelled"]);

/** The replace rules of one vendored table, keyed by Pulumi type token. */
export function rulesFromTable(table: ForceNewTable): Record<string, ReplaceRule> {
    return Object.fromEntries(Object.entries(table.types).map(([type, t]) => {
        const regional = table.region !== undefined && !table.region.globalTypes.includes(type);
        const conditional = (t.conditional ?? []).map((c): ConditionalReplace => {
            if (!CONDITIONS.has(c.when)) throw new Error(`${type}: conditional when: received ${JSON.stringify(c.when)}; expected one of ${[...CONDITIONS].join(", ")}`);
            return { path: c.path, when: c.when as ConditionalReplace["when"], by: c.by };
        });
        const nameInput = t.nameInput ?? (t.named === true ? table.autoName?.input : undefined);
        const deleteFirstWhenNamed = t.deleteFirstWhenNamed ?? (t.named === true ? table.autoName?.source : undefined);
        const rule: ReplaceRule = {
            paths: [...Object.keys(t.forceNew), ...(regional ? [table.region?.path ?? "region"] : [])],
            source: `${table.upstream} ${t.file} at ${t.commit} (${t.framework === true ? "RequiresReplace" : "ForceNew"})`,
            ...(nameInput !== undefined ? { nameInput } : {}),
            ...(deleteFirstWhenNamed !== undefined ? { deleteFirstWhenNamed } : {}),
            ...(conditional.length > 0 ? { conditional } : {}),
        };
        return [type, rule];
    }));
}

/** The bridged providers' vendored tables (vendor/provider-force-new/). */
const BRIDGED_TABLES: readonly ForceNewTable[] = [awsTable, grafanaTable, randomTable];

/**
 * The replace rules of every type the stacks create: the bridged providers' from their vendored
 * tables (vendor/provider-force-new/, each read from the provider's source at the stored commit),
 * Kubernetes' and the Helm release's from pulumi-kubernetes' own Diff.
 */
export const REPLACE_RULES: Readonly<Record<string, ReplaceRule>> = {
    ...Object.fromEntries(BRIDGED_TABLES.flatMap((t) => Object.entries(rulesFromTable(t)))),
    // pulumi-kubernetes diff.go (commit 94977969): only these kinds have a forceNew table; every
    // other kind replaces for its name and namespace alone.
    "kubernetes:apps/v1:Deployment": k8s(["spec.selector"]),
    "kubernetes:batch/v1:Job": k8s(["spec.completions", "spec.parallelism", "spec.selector", "spec.template"]),
    // Without the provider's enableSecretMutable / enableConfigMapMutable (Launchpad sets neither).
    "kubernetes:core/v1:Secret": k8s(["type", "stringData", "data"]),
    "kubernetes:core/v1:ConfigMap": k8s(["data", "binaryData"]),
    "kubernetes:core/v1:Service": k8s(["spec.clusterIP"]),
    "kubernetes:storage.k8s.io/v1:StorageClass": k8s(["parameters", "provisioner"]),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": k8s(["roleRef"]),
    // Not in the forceNew table (policy/v1beta1 only; rbac lists the bindings, not the roles).
    "kubernetes:policy/v1:PodDisruptionBudget": k8s([]),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8s([]),
    "kubernetes:batch/v1:CronJob": k8s([]),
    "kubernetes:networking.k8s.io/v1:Ingress": k8s([]),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s([]),
    "kubernetes:core/v1:ServiceAccount": k8s([]),
    "kubernetes:core/v1:Namespace": k8s([]),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": k8s([]),
    // A Patch resource replaces for its name and namespace only (provider.go Diff: "Patch resources
    // can be updated in place for all other properties"). The CRDs are retained, so a replacement
    // never deletes one (components/platform.ts).
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch": { ...k8s([]), source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff (Patch resources: forceNewFields .metadata.name, .metadata.namespace)" },
    // A release is upgraded in place for a new chart version or values; never delete-first
    // (helm_release.go Diff: `DeleteBeforeReplace: false`).
    "kubernetes:helm.sh/v3:Release": { paths: ["name", "namespace"], source: "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go Diff (forceNewFields)" },
};

/**
 * Types in the plans with no physical resource of their own, so no replace rule: the Stack, stack
 * references (a read of another stack's outputs), the providers (configuration; a changed provider
 * input is reported as a change `pulumi preview` decides, by the provider's DiffConfig) and
 * Launchpad's components.
 */
export const NO_PHYSICAL_RESOURCE: ReadonlySet<string> = new Set([
    "pulumi:pulumi:Stack",
    "pulumi:pulumi:StackReference",
    "pulumi:providers:aws",
    "pulumi:providers:grafana",
    "pulumi:providers:kubernetes",
    "launchpad:backup-plan:BackupPlan",
    "launchpad:backup-storage:BackupStorage",
    "launchpad:backup:LogicalBackup",
    "launchpad:cluster:Cluster",
    "launchpad:database:Database",
    "launchpad:database:DatabaseGrants",
    "launchpad:delivery:BlueGreenService",
    "launchpad:delivery:Promotion",
    "launchpad:delivery:SchemaGuard",
    "launchpad:environment:Environment",
    "launchpad:loadtest:LoadtestAccess",
    "launchpad:network:Network",
    "launchpad:observability:Observability",
    "launchpad:platform:Platform",
    "launchpad:storage:SecureBucket",
]);

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
    /**
     * The replaced resources whose new outputs (id, ARN, ...) some of `paths` take: unknown until
     * they exist, so changed. Absent when no input waits on a replacement.
     */
    readonly after?: readonly string[];
    /**
     * Set when the engine replaces this resource, delete-first, before the delete-first replacement of
     * these (by name), because an input it takes from them, made unknown, replaces it or its provider
     * is replaced with them ({@link dependentReplacements}): its kind is then `replace`, its order
     * `delete-first`, whatever its own inputs do. Absent otherwise.
     */
    readonly dependentOf?: readonly string[];
    /**
     * Set when it takes an input from these delete-first replacements but no rule here says whether
     * that replaces it (`replacedOnceUnknown` undecided): `pulumi preview` shows it; if it is replaced,
     * it is deleted first. Absent otherwise.
     */
    readonly mayBeDependentOf?: readonly string[];
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

const isSet = (v: Json | undefined): boolean => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

/** Whether a value-dependent ForceNew holds between the two plans. */
function conditionHolds(c: ConditionalReplace, before: PlannedResource, after: PlannedResource): boolean {
    const [was, is] = [inputAt(before, c.path), inputAt(after, c.path)];
    if (c.when === "removed") return isSet(was) && !isSet(is);
    if (c.when === "changedFromSet") return isSet(was) && JSON.stringify(was) !== JSON.stringify(is);
    if (c.when === "jsonUidChanged") {
        const uid = (v: Json | undefined): unknown => {
            try {
                return typeof v === "string" ? (JSON.parse(v) as { uid?: unknown }).uid : undefined;
            } catch {
                return undefined;
            }
        };
        return uid(was) !== uid(is);
    }
    return false;
}

/** The name the program gives `r` through the rule's `nameInput`, or undefined when it names none. */
function programName(rule: ReplaceRule, r: PlannedResource): string | undefined {
    const name = rule.nameInput !== undefined ? inputAt(r, rule.nameInput) : undefined;
    return typeof name === "string" ? name : undefined;
}

/** Whether the replacement keeps the name the rule's `nameInput` holds (both unset counts as kept). */
function keepsName(rule: ReplaceRule, before: PlannedResource, after: PlannedResource): boolean {
    return rule.nameInput !== undefined && JSON.stringify(inputAt(before, rule.nameInput)) === JSON.stringify(inputAt(after, rule.nameInput));
}

/** Delete-first or create-first, as the engine decides: the program's option, else the provider's ask. */
function replaceOrder(rule: ReplaceRule, before: PlannedResource, after: PlannedResource): "delete-first" | "create-first" {
    if (after.options.deleteBeforeReplace !== undefined) {
        return after.options.deleteBeforeReplace ? "delete-first" : "create-first";
    }
    const named = rule.deleteFirstWhenNamed !== undefined && programName(rule, after) !== undefined;
    // pulumi-kubernetes asks for delete-first only when the name stays; the bridge whenever the program names it.
    return named && (keepsName(rule, before, after) || rule.source !== K8S_DIFF) ? "delete-first" : "create-first";
}

/** Types whose names are global, not per region (S3 bucket names: the S3 User Guide, "Bucket naming rules"). */
const GLOBAL_NAMES: ReadonlySet<string> = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);

const DB_DELETED_FIRST = "the database is deleted before its replacement exists: its data, and the source a restore reads";

/** The start of every hazard that says the engine refuses the change. */
const REFUSED = "the engine refuses it";
const PROTECTED = `${REFUSED}: the resource is protected (pulumi/pulumi pkg/resource/deploy/step_generator.go: "unable to replace resource ... marked for protection")`;

/**
 * A replaced backup vault's old one must go: AWS Backup deletes only an empty vault (AWS Backup API
 * Reference, DeleteBackupVault: "A vault can be deleted only if it is empty"), which `forceDestroy`
 * makes it by deleting its recovery points first (@pulumi/aws 7 backup/vault.d.ts).
 */
const VAULT_EMPTIED = "the old vault's recovery points are deleted with it (forceDestroy), so every backup in it is lost";
const VAULT_NOT_EMPTY = "AWS Backup deletes only an empty vault (DeleteBackupVault): deleting the old one fails while it holds recovery points";

/** Why a replacement fails or loses something in a real `pulumi up`; undefined when it does neither. */
function replaceHazard(rule: ReplaceRule, before: PlannedResource, after: PlannedResource, order: "delete-first" | "create-first"): string | undefined {
    if (before.protect && after.protect) {
        return PROTECTED;
    }
    if (after.type === "aws:backup/vault:Vault") {
        return before.inputs.forceDestroy === true ? VAULT_EMPTIED : VAULT_NOT_EMPTY;
    }
    const name = programName(rule, after);
    const keptName = name !== undefined && keepsName(rule, before, after);
    const moved = inputAt(before, awsTable.region.path) !== inputAt(after, awsTable.region.path);
    if (moved && after.type === "aws:rds/instance:Instance") {
        return `the database is created anew, empty, in ${JSON.stringify(inputAt(after, awsTable.region.path))}, and the old one is deleted with its data at the end of the update`;
    }
    // A name is the region's own, so the new resource in another region does not meet the old one's; S3 bucket names are global.
    if (order === "create-first" && keptName && rule.source !== K8S_DIFF && (!moved || GLOBAL_NAMES.has(after.type))) {
        return `the new resource is created under the old one's name ${JSON.stringify(name)} while the old one exists: the cloud refuses it ("already exists"), nothing is lost`;
    }
    if (order === "delete-first" && after.type === "aws:rds/instance:Instance") {
        return DB_DELETED_FIRST;
    }
    if (after.type === "aws:eks/cluster:Cluster" && order === "delete-first") {
        return before.inputs.deletionProtection === true ? EKS_PROTECTED_DELETE_FIRST : EKS_DELETE_FIRST;
    }
    return undefined;
}

/**
 * A replaced EKS cluster the program names is replaced delete-first (the bridge's
 * nameRequiresDeleteBeforeReplace), so the engine's walk ({@link dependentReplacements}) first deletes
 * what would be replaced with it: the node groups (`cluster_name` ForceNew) and the Kubernetes
 * provider, whose `kubeconfig` and `clusterIdentifier` are the cluster's (pulumi-kubernetes
 * provider.go DiffConfig replaces for an unknown kubeconfig), and with the provider every Kubernetes
 * object; all are created again, in the new cluster, as the program registers them. The same ARN
 * changes nothing there: those resources are recreated, not diffed (step_generator.go "recreating").
 * With deletion protection (production's tier) the delete then fails (@pulumi/aws eks/cluster.d.ts
 * `deletionProtection`), after the walk's deletions.
 */
const EKS_DELETE_FIRST = "the cluster is deleted before its replacement exists, and before it everything the engine replaces with it (its dependents below: the node groups and, through the Kubernetes provider, every Kubernetes object): nothing runs until they are created again in the new cluster";
const EKS_PROTECTED_DELETE_FIRST = "the cluster's deletion protection fails its delete, but only after the engine has deleted, delete-first, everything it replaces with the cluster (its dependents below: the node groups and, through the Kubernetes provider, every Kubernetes object): the update stops with all of them gone from the live cluster";

/**
 * A Job's spec fields the API server refuses to change on an existing Job, which pulumi-kubernetes,
 * replacing a Job only for its own forceNew paths (the Job rule above), sends as an update
 * (lib/workload.ts `JOB_IMMUTABLE_SPEC_FIELDS`). `completions`, `selector` and `template` are immutable too, but replaced.
 */
const JOB_IMMUTABLE_SPEC = JOB_IMMUTABLE_SPEC_FIELDS.map((f) => `spec.${f}`);

/**
 * Why an in-place update fails in a real `pulumi up`; undefined when it does not. An RDS engine
 * version in another parameter group family is a major upgrade: the provider sends
 * `AllowMajorVersionUpgrade` only as the program sets it (terraform-provider-aws
 * internal/service/rds/instance.go, resourceInstanceUpdate), and RDS refuses the modification
 * without it; and unless it is applied immediately RDS holds it for the maintenance window while the
 * replaced parameter group, still the instance's, is deleted at the end of the update
 * (InvalidDBParameterGroupState). components/database.ts `majorUpgradeSettings` sets both. A Job's
 * immutable spec field (`JOB_IMMUTABLE_SPEC`) changed in place is refused by the API server.
 */
function updateHazard(before: PlannedResource, after: PlannedResource, paths: readonly string[]): string | undefined {
    if (after.type === "kubernetes:batch/v1:Job") {
        const immutable = JOB_IMMUTABLE_SPEC.filter((f) => paths.some((p) => under(p, f)));
        return immutable.length === 0 ? undefined
            : `the API server refuses a change of ${immutable.join(", ")} on an existing Job (field is immutable: kubernetes pkg/apis/batch/validation ValidateJobSpecUpdate), ` +
                `which pulumi-kubernetes sends as an update (a Job is replaced only for ${(REPLACE_RULES[after.type]?.paths ?? []).join(", ")}): this update fails. ` +
                "Give the Job a new name with the change (a new Job), or delete it first";
    }
    if (after.type !== "aws:rds/instance:Instance") {
        return undefined;
    }
    const family = (r: PlannedResource): string | undefined => {
        const engine = r.inputs.engine;
        const version = r.inputs.engineVersion;
        return (engine === "mysql" || engine === "postgres") && typeof version === "string" ? parameterGroupFamily(engine, version) : undefined;
    };
    const [from, to] = [family(before), family(after)];
    if (from === undefined || to === undefined || from === to || before.inputs.engine !== after.inputs.engine) {
        return undefined;
    }
    if (after.inputs.allowMajorVersionUpgrade !== true) {
        return `${from} to ${to} is a major version upgrade, which RDS refuses without AllowMajorVersionUpgrade (the instance does not set it): this update fails`;
    }
    return after.inputs.applyImmediately !== true
        ? `${from} to ${to} is a major version upgrade not applied immediately: RDS holds it for the maintenance window, and deleting the replaced parameter group, which the instance still uses, fails (InvalidDBParameterGroupState)`
        : undefined;
}

/** Input paths of `after` that wait on replaced resources, and the names of those resources. */
interface Pending {
    readonly paths: readonly string[];
    readonly after: readonly string[];
}

/** One resource present in both plans: its changes, classified. */
function resourceChange(before: PlannedResource, after: PlannedResource, pending: Pending): ResourceChange | undefined {
    const ignored = (p: string): boolean => (after.options.ignoreChanges ?? []).some((i) => under(p, i));
    const paths = [...new Set([...changedPaths(before.inputs, after.inputs), ...pending.paths])].filter((p) => !ignored(p)).sort();
    if (paths.length === 0) {
        return undefined;
    }
    const waits = pending.paths.some((p) => paths.includes(p));
    const base = { urn: after.urn, type: after.type, name: after.name, paths, ...(waits ? { after: pending.after } : {}) };
    const rule = REPLACE_RULES[after.type];
    if (rule === undefined) {
        return { ...base, kind: "change", replacedBy: [] };
    }
    const conditional = (rule.conditional ?? []).filter((c) => paths.some((p) => under(p, c.path)) && conditionHolds(c, before, after));
    // The program's replaceOnChanges turns a matching change into a replacement (pulumi/pulumi step_generator.go applyReplaceOnChanges).
    const replaceOnChanges = after.options.replaceOnChanges ?? [];
    const replacedBy = paths.filter((p) => rule.paths.some((r) => under(p, r)) || conditional.some((c) => under(p, c.path)) || replaceOnChanges.some((r) => under(p, r)));
    if (replacedBy.length === 0) {
        const hazard = updateHazard(before, after, paths);
        return { ...base, kind: "update", replacedBy, source: rule.source, ...(hazard !== undefined ? { hazard } : {}) };
    }
    const order = replaceOrder(rule, before, after);
    const hazard = replaceHazard(rule, before, after, order);
    return { ...base, kind: "replace", replacedBy, source: rule.source, order, ...(hazard !== undefined ? { hazard } : {}) };
}

/** Every leaf of a JSON value with its path, `prefix` first. */
function leaves(value: Json | undefined, prefix: string): [string, Json][] {
    if (value !== null && typeof value === "object") {
        return Array.isArray(value)
            ? value.flatMap((v, i) => leaves(v, `${prefix}[${i}]`))
            : Object.entries(value).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`));
    }
    return value === undefined ? [] : [[prefix, value]];
}

/**
 * Outputs a provider computes that name a resource; what a replacement makes unknown. A Kubernetes
 * object's `metadata.uid` is the API server's, new for every object it creates.
 */
const IDENTIFYING_OUTPUT = /(^id$|Id$|^arn$|Arn$|[eE]ndpoint$|[aA]ddress$|^name$|Name$|[uU]rl$|^uid$)/;
/** Outputs that name what the resource shares with others (the account, the zone), which stay. */
const SHARED_OUTPUT = /^(ownerId|accountId|hostedZoneId|availabilityZoneId)$/;
const SECRET = "[secret]";

/**
 * What a replaced resource's dependents can no longer know in a preview: its id and ARN, and the
 * identifying outputs the provider computes (not the inputs it echoes back), as the old plan
 * recorded them; and whether its computed outputs include a secret (a random password's result).
 */
function unknownAfterReplace(before: PlannedResource, after: PlannedResource): { values: readonly string[]; secret: boolean } {
    const inputs = new Set(leaves(after.inputs, "").map(([, v]) => v));
    const outputs = leaves(before.state, "").filter(([path]) => {
        const key = path.split(/[.[]/).filter((p) => p !== "").pop() ?? "";
        return IDENTIFYING_OUTPUT.test(key) && !SHARED_OUTPUT.test(key);
    });
    const values = [before.id, before.arn, ...outputs.map(([, v]) => v)]
        .filter((v): v is string => typeof v === "string" && v.length >= 8 && v !== SECRET && !inputs.has(v));
    const secret = leaves(before.state, "").some(([, v]) => v === SECRET) && !inputs.has(SECRET);
    return { values: [...new Set(values)], secret };
}

/** The inputs of `r` taken from a replaced resource's outputs, by the register request's property dependencies. */
function pendingOn(r: PlannedResource, replaced: ReadonlyMap<string, { name: string; values: readonly string[]; secret: boolean }>): Pending {
    const paths = new Set<string>();
    const names = new Set<string>();
    for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
        for (const urn of urns) {
            const gone = replaced.get(urn);
            if (gone === undefined) continue;
            let traced = false;
            for (const [path, value] of leaves(r.inputs[prop], `.${prop}`)) {
                if (typeof value !== "string") continue;
                // A secret hides which of its leaves came from the replaced resource: the property as a whole,
                // when the replaced resource has secret outputs or computed identifying ones (a restored
                // instance's address, wrapped as a secret in the connection Secret's stringData).
                const hit = gone.values.some((v) => value.includes(v)) ? path.slice(1) : (gone.secret || gone.values.length > 0) && value === SECRET ? prop : undefined;
                if (hit !== undefined) {
                    traced = true;
                    paths.add(hit);
                    names.add(gone.name);
                }
            }
            // Nor can a value made from a secret output and shown in clear (the connection settings' digest on
            // the pods' template, components/database.ts connectionDigest) be traced: the property as a whole.
            if (!traced && gone.secret) {
                paths.add(prop);
                names.add(gone.name);
            }
        }
    }
    return { paths: [...paths], after: [...names].sort() };
}

/**
 * The engine's walk before a delete-first replacement (pulumi/pulumi pkg/resource/deploy/step_generator.go
 * `calculateDependentReplacements`, called from `generateStepsFromDiff` when the replacement is
 * delete-before-replace; read at 1b5949891b3c, with pkg/resource/graph/dependency_graph.go): before it deletes the old resource, the engine deletes, and later creates
 * again, every resource that would be replaced by that deletion. It scans the old state's resources
 * after the root in their order (graph `DependingOn`), skipping those already registered in this update,
 * and puts one in the replace set, which starts as the root alone, when:
 * - its provider is in the set (a resource of a replaced provider goes with it), or its `deletedWith`
 *   is (the plans record no `deletedWith`: the program sets none);
 * - else, for a custom resource, when some top-level input whose property dependencies (only those:
 *   `dependsOn` is never followed) name a member of the set, made wholly unknown, makes its provider's
 *   `Diff` of the old inputs against them say "replace" ({@link replacedOnceUnknown}), after the
 *   resource's `replaceOnChanges` (`applyReplaceOnChanges`: the DR restore drill's selection sets it).
 * Each is deleted first, the root's dependents in reverse order, and created again when the program
 * registers it ("recreating"): a replacement, delete-first, whatever its own diff says. A protected one
 * stops the update ("unable to replace resource ... as part of replacing ... marked for protection").
 */
const DEPENDENT_WALK = "pulumi/pulumi pkg/resource/deploy/step_generator.go calculateDependentReplacements";

/**
 * pulumi-kubernetes provider.go `DiffConfig`: an unknown `kubeconfig`, `context` or `cluster` replaces
 * the provider ("We can't tell for sure if a computed value has changed, so we make the conservative
 * choice and force a replacement"), and so does an updated `clusterIdentifier`, which an unknown one is.
 */
const K8S_PROVIDER_REPLACING = ["kubeconfig", "context", "cluster", "clusterIdentifier"];

/** Whether a bridged type is a Plugin Framework resource (its table's `framework`). */
function frameworkResource(type: string): boolean {
    return BRIDGED_TABLES.some((t) => t.types[type]?.framework === true);
}

/**
 * What `r`'s provider says when its top-level inputs `unknown` are made unknown and the rest kept
 * (the old inputs on both sides, as the engine's walk sends them): `replace`, `keep` (an update or
 * nothing), or `undecided` when no rule here reads it (then `pulumi preview` tells).
 *
 * - Kubernetes (pulumi-kubernetes provider.go `Diff`, at 94977969, and pulumi/pulumi sdk properties.go `MapRepl`): `propMapToUnstructured` keeps an unknown as the
 *   `resource.Computed` struct (`MapRepl` returns `v.Input()`), which `inputPatch` marshals as an
 *   object with a single `Element` key, so the JSON merge patch against the old inputs deletes every key
 *   the old value had and `convertPatchToDiff` -> `addPatchValueToDiff` records a DELETE at each
 *   (`<input>.<key>`; the new input there is missing, not Computed); each matches a force-new path at
 *   or above it (`openapi.PatchPropertiesChanged` on the patch's slice): DELETE_REPLACE. An old value
 *   that is not an object is replaced whole: an UPDATE at the input, force-new only when the input
 *   itself is. Paths in `ignoreChanges` are dropped from the diff. `metadata` always has a `name`
 *   (the program's, or Check's autoname, `metadata.AssignNameIfAutonamable`), so an unknown `metadata`
 *   always replaces. Every force-new path here is at most two deep, so none lies below `<input>.<key>`.
 * - The Helm release (helm_release.go `Diff`): an unknown maps to null, an UPDATE of the input itself,
 *   force-new for `name` and `namespace` only.
 * - Bridged SDKv2 resources (pulumi-terraform-bridge pkg/tfbridge/provider.go `Diff` -> the SDK's
 *   PlanResourceChange): an unknown ForceNew attribute is RequiresNew, an unknown block whose ForceNew
 *   attributes are nested is not (pkg/tests/diff_test/detailed_diff_unknown_test.go
 *   `TestUnknownCollectionForceNewDetailedDiff`, at 59de6c66: "list force new"/"unknown collection"
 *   replaces, "list property force new"/"unknown collection" updates). A CustomizeDiff ForceNew reads
 *   the unknown value itself: undecided.
 * - Plugin Framework resources: `RequiresReplace` marks a planned value unequal to the state, an
 *   unknown one too (terraform-plugin-framework stringplanmodifier/requires_replace_if.go at 5e09c690: "Do not
 *   replace if the plan and state values are equal"), and the bridge keeps it ("!plannedVal.IsKnown()",
 *   pkg/pf/tfbridge/provider_diff.go `checkRequiresReplace`); the tables hold top-level paths only.
 * - The Kubernetes provider: {@link K8S_PROVIDER_REPLACING}. Another provider, or a type with no rule:
 *   undecided. A stack reference is a read, never replaced.
 */
export function replacedOnceUnknown(r: PlannedResource, unknown: readonly string[]): "replace" | "keep" | "undecided" {
    const ignored = (p: string): boolean => (r.options.ignoreChanges ?? []).some((i) => under(p, i));
    if (r.type === "pulumi:providers:kubernetes") {
        return unknown.some((p) => K8S_PROVIDER_REPLACING.includes(p)) ? "replace" : "keep";
    }
    if (r.type === "pulumi:pulumi:StackReference") {
        return "keep";
    }
    const rule = REPLACE_RULES[r.type];
    if (rule === undefined) {
        return "undecided";
    }
    if (r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release") {
        const replaces = unknown.some((p) => {
            const old = p === "metadata" ? { name: "", ...asObject(r.inputs.metadata) } : r.inputs[p];
            const deleted = old !== null && typeof old === "object" && !Array.isArray(old) ? Object.keys(old).map((k) => `${p}.${k}`) : [p];
            return deleted.some((d) => !ignored(d) && rule.paths.some((f) => under(d, f)));
        });
        return replaces ? "replace" : "keep";
    }
    const top = unknown.filter((p) => !ignored(p));
    if (top.some((p) => rule.paths.includes(p) || (r.options.replaceOnChanges ?? []).some((c) => under(c, p) || under(p, c)))) {
        return "replace";
    }
    const conditional = (rule.conditional ?? []).some((c) => top.some((p) => under(c.path, p)));
    const nestedInFramework = frameworkResource(r.type) && rule.paths.some((f) => top.some((p) => under(f, p)));
    return conditional || nestedInFramework ? "undecided" : "keep";
}

function asObject(v: Json | undefined): Record<string, Json> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** A resource the walk takes with a delete-first replacement, and why. */
export interface Dependent {
    /** The top-level inputs made unknown whose provider's Diff replaces it; empty when its provider is replaced. */
    readonly keys: readonly string[];
    /** False when the provider's verdict is not modelled here (`undecided`, or through such a resource). */
    readonly certain: boolean;
}

/**
 * The engine's dependent walk ({@link DEPENDENT_WALK}) for the delete-first replacement of `root`, over
 * the old plan's custom resources in order (`old`); `registered` are the URNs this update registered
 * before the root, which the engine skips. The resources it replaces, delete-first, by URN, in order.
 */
export function dependentReplacements(old: readonly PlannedResource[], root: string, registered: ReadonlySet<string>): Map<string, Dependent> {
    const out = new Map<string, Dependent>();
    const certain = new Set([root]);
    const possible = new Set([root]);
    const start = old.findIndex((r) => r.urn === root);
    for (const r of old.slice(start + 1)) {
        if (!r.custom || registered.has(r.urn)) continue;
        if (r.provider !== null && possible.has(r.provider)) {
            const sure = certain.has(r.provider);
            out.set(r.urn, { keys: [], certain: sure });
            (sure ? [certain, possible] : [possible]).forEach((s) => s.add(r.urn));
            continue;
        }
        const on = (set: ReadonlySet<string>): string[] => Object.keys(r.inputs).filter((p) => (r.propertyDependencies[p] ?? []).some((u) => set.has(u))).sort();
        const [sureKeys, maybeKeys] = [on(certain), on(possible)];
        if (sureKeys.length > 0 && replacedOnceUnknown(r, sureKeys) === "replace") {
            out.set(r.urn, { keys: sureKeys, certain: true });
            certain.add(r.urn);
            possible.add(r.urn);
        } else if (maybeKeys.length > 0 && replacedOnceUnknown(r, maybeKeys) !== "keep") {
            out.set(r.urn, { keys: maybeKeys, certain: false });
            possible.add(r.urn);
        }
    }
    return out;
}

/**
 * Every resource whose inputs differ between `before` (what is deployed) and `after` (the proposed
 * config), in `after`'s order, then the deleted ones. Custom resources only: components have no
 * provider. A replaced resource's new id, ARN and computed names are unknown until it exists, so an
 * input taken from them changes too, and replaces its resource when ForceNew (a VPC's subnets for
 * its id), as `pulumi preview` shows it; not from a replacement the engine refuses (protect), which
 * stops the update there.
 */
export function planChanges(before: Plan, after: Plan): ResourceChange[] {
    const olds = withEffectiveRegion(before).filter((r) => r.custom);
    const old = new Map(olds.map((r) => [r.urn, r]));
    const replaced = new Map<string, { name: string; values: readonly string[]; secret: boolean }>();
    // The dependents of each delete-first replacement so far (dependentReplacements), by URN: whose, and how sure.
    const condemned = new Map<string, { of: string[]; keys: string[]; certain: boolean }>();
    const registered = new Set<string>();
    const out: ResourceChange[] = [];
    for (const r of withEffectiveRegion(after).filter((x) => x.custom)) {
        registered.add(r.urn);
        const o = old.get(r.urn);
        if (o === undefined) {
            out.push({ urn: r.urn, type: r.type, name: r.name, kind: "create", paths: [], replacedBy: [] });
            continue;
        }
        old.delete(r.urn);
        const own = resourceChange(o, r, pendingOn(r, replaced));
        const dependent = condemned.get(r.urn);
        const change = dependent === undefined ? own : withDependent(own, o, r, dependent);
        if (change === undefined) continue;
        out.push(change);
        const refused = change.hazard?.startsWith(REFUSED) === true;
        if (change.kind === "replace" && !refused) replaced.set(r.urn, { name: r.name, ...unknownAfterReplace(o, r) });
        // A resource the walk already took is created again, not diffed: no walk of its own (step_generator.go "recreating").
        if (own?.kind === "replace" && own.order === "delete-first" && !refused && dependent?.certain !== true) {
            for (const [urn, d] of dependentReplacements(olds, r.urn, registered)) {
                const seen = condemned.get(urn);
                if (seen?.certain === true) continue;
                condemned.set(urn, { of: [...(seen?.of ?? []), r.name], keys: [...new Set([...(seen?.keys ?? []), ...d.keys])].sort(), certain: d.certain });
            }
        }
    }
    for (const r of old.values()) {
        const hazard = r.protect ? "the engine refuses it: the resource is protected" : undefined;
        out.push({ urn: r.urn, type: r.type, name: r.name, kind: "delete", paths: [], replacedBy: [], ...(hazard !== undefined ? { hazard } : {}) });
    }
    return out;
}

/**
 * A resource the engine's walk replaces with a delete-first replacement: a replacement, delete-first,
 * whatever its own inputs do (`certain`); else its own change, marked as one `pulumi preview` decides.
 */
function withDependent(own: ResourceChange | undefined, before: PlannedResource, after: PlannedResource, dependent: { of: readonly string[]; keys: readonly string[]; certain: boolean }): ResourceChange {
    const base = { urn: after.urn, type: after.type, name: after.name, paths: own?.paths ?? [], ...(own?.after !== undefined ? { after: own.after } : {}) };
    if (!dependent.certain) {
        const kind = own?.kind === "replace" || own?.kind === "change" ? own.kind : "change";
        return { ...own, ...base, kind, replacedBy: own?.replacedBy ?? [], mayBeDependentOf: dependent.of };
    }
    const rule = REPLACE_RULES[after.type];
    const hazard = dependentHazard(before, dependent.of) ?? own?.hazard;
    return {
        ...base,
        kind: "replace",
        replacedBy: [...new Set([...(own?.replacedBy ?? []), ...dependent.keys])].sort(),
        source: dependent.keys.length > 0 && rule !== undefined ? `${DEPENDENT_WALK}; ${rule.source}` : DEPENDENT_WALK,
        order: "delete-first",
        dependentOf: dependent.of,
        ...(hazard !== undefined ? { hazard } : {}),
    };
}

/**
 * What a dependent's deletion, before the replacement it goes with, stops or loses: for what serves
 * (pods, their Service and Ingress, the nodes, the database) and a Job, which runs again when created.
 */
const DEPENDENT_HAZARDS: Readonly<Record<string, (of: string) => string>> = {
    "kubernetes:apps/v1:Deployment": (of) => `its pods are deleted before ${of} is replaced and come back only when the Deployment is created again after it: nothing of it serves in between`,
    "kubernetes:core/v1:Service": (of) => `the Service is deleted before ${of} is replaced and created again after it: nothing reaches its pods in between`,
    "kubernetes:networking.k8s.io/v1:Ingress": (of) => `the Ingress is deleted before ${of} is replaced, and with it the load balancer the controller made for it: nothing reaches the service until it is created again`,
    "kubernetes:batch/v1:Job": (of) => `the Job is deleted before ${of} is replaced and created again after it, so it runs again (a migration Job runs its migrations again)`,
    "aws:eks/nodeGroup:NodeGroup": (of) => `its nodes are deleted before ${of} is replaced, with every pod they run, and created again after it`,
    "aws:rds/instance:Instance": () => DB_DELETED_FIRST,
};

/** Why a dependent's delete-first replacement fails or stops something; undefined when it does neither. */
function dependentHazard(before: PlannedResource, of: readonly string[]): string | undefined {
    const names = of.join(", ");
    if (before.protect) {
        return `${REFUSED}: the resource is protected and would be replaced with ${names} (${DEPENDENT_WALK}: "unable to replace resource ... as part of replacing ... marked for protection"): the update stops there`;
    }
    return DEPENDENT_HAZARDS[before.type]?.(names);
}

/**
 * The plan's resources with each regional AWS resource's `region` as the provider has it: its own
 * input, else its provider's, which pulumi-aws fills in before Check (pulumi/pulumi-aws
 * provider/region.go applyRegion). So a new `aws:region` shows as what it is, a replacement of every
 * regional resource (the table's `region` rule), not as a change of the provider alone.
 */
function withEffectiveRegion(plan: Plan): PlannedResource[] {
    const providerRegion = new Map(plan.resources.filter((r) => r.type === "pulumi:providers:aws" && typeof r.inputs.region === "string").map((r) => [r.urn, r.inputs.region]));
    return plan.resources.map((r) => {
        const region = r.provider !== null ? providerRegion.get(r.provider) : undefined;
        const regional = REPLACE_RULES[r.type]?.paths.includes(awsTable.region.path) === true;
        return regional && region !== undefined && r.inputs.region === undefined ? { ...r, inputs: { ...r.inputs, region } } : r;
    });
}

/** The changes as text, one line each. */
export function renderChanges(changes: readonly ResourceChange[]): string {
    if (changes.length === 0) {
        return "changes: none\n";
    }
    const lines = ["changes:"];
    for (const c of changes) {
        const because = c.replacedBy.length > 0 ? ` because ${c.replacedBy.join(", ")}` : "";
        const what = c.kind === "replace"
            ? `replace (${c.order})${because}`
            : c.kind === "change" ? `change${c.paths.length > 0 ? ` ${c.paths.join(", ")}` : ""}${c.mayBeDependentOf === undefined ? " (no replace rule for this type: read pulumi preview)" : ""}`
                : c.kind === "update" ? `update ${c.paths.join(", ")}` : c.kind;
        const waits = c.after !== undefined ? ` (known after the replacement of ${c.after.join(", ")})` : "";
        const dependent = c.dependentOf !== undefined
            ? ` (a dependent of ${c.dependentOf.join(", ")}: replaced with it)`
            : c.mayBeDependentOf !== undefined ? ` (a dependent of ${c.mayBeDependentOf.join(", ")}: may be replaced with it, delete-first; read pulumi preview)` : "";
        lines.push(`  ${c.type} ${c.name}: ${what}${waits}${dependent}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * One `warning:` line for each `--set-secret`: both plans read a secret as "[secret]", so its change
 * alone shows nothing (the offline limit above). An existing cluster's kubeconfig says what a real
 * change of it does: another API server is another `clusterIdentifier`, which replaces the Kubernetes
 * provider and so every object it manages (components/cluster.ts; `@pulumi/kubernetes` provider.d.ts:
 * "the provider will _only_ be replaced when `clusterIdentifier` changes").
 */
export function secretOverrideWarnings(secretSets: readonly string[], project: string): string {
    return secretSets.map((text) => {
        const { key, path } = parseSet(text, project, "--set-secret");
        const at = configPath(key, path);
        const consequence = at === KUBECONFIG_PATH
            ? "; a kubeconfig for another API server replaces the Kubernetes provider (its clusterIdentifier) and with it every Kubernetes object of the stack: each is created in the new cluster and deleted from the old one"
            : "";
        return `warning: --changes cannot compare ${at}: a secret reads "[secret]" in both plans, so its change alone shows nothing here${consequence}\n`;
    }).join("");
}

/** One `warning:` line for each change a real `pulumi up` refuses or pays for; empty when there is none. */
export function changeWarnings(changes: readonly ResourceChange[]): string {
    return changes.filter((c) => c.hazard !== undefined).map((c) => `warning: ${c.kind} of ${c.name}: ${c.hazard}\n`).join("");
}
