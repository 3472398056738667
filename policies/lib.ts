/**
 * What every policy module shares: the policy shapes with a required enforcement level, the tier
 * setting, small readers for untyped props, and the Kubernetes pod-spec walk.
 *
 * Only types and pure helpers live here. Nothing in `policies/` except `index.ts` constructs a
 * `PolicyPack` (its constructor starts the analyzer's gRPC server), so tests and the offline
 * evaluator import these modules freely.
 */
import type { EnforcementLevel, PolicyConfigSchema, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** The two levels Launchpad uses: mandatory blocks `pulumi preview`/`up` and the offline plan (exit 3). */
export type Level = Extract<EnforcementLevel, "mandatory" | "advisory">;

/** A resource policy with its level stated, never left to the pack's default. */
export interface LaunchpadResourcePolicy extends ResourceValidationPolicy {
    readonly enforcementLevel: Level;
}

/** A stack policy with its level stated. */
export interface LaunchpadStackPolicy extends StackValidationPolicy {
    readonly enforcementLevel: Level;
}

export type LaunchpadPolicy = LaunchpadResourcePolicy | LaunchpadStackPolicy;

export const TIERS = ["staging", "production"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * The `tier` property of every tier-dependent policy's config. The default is production, so a
 * stack whose pack config forgets the tier gets the strictest rules rather than the loosest.
 */
export const TIER_PROPERTY = {
    tier: {
        type: "string",
        enum: [...TIERS],
        default: "production",
        description: "The stack's tier (launchpad:tier): production turns on the production-only rules.",
    },
} as const satisfies PolicyConfigSchema["properties"];

export interface TierConfig {
    readonly tier: Tier;
}

/**
 * The policy runtime's error for a value a preview cannot know yet (a computed output of a resource
 * not created yet, or an input made from one): its props proxy throws it on the read, and its
 * server then reports the whole policy as an advisory "can't run policy ... during preview"
 * (@pulumi/policy 1.21.0 proxy.js `unknownCheckingProxy`, server.js `analyze`/`analyzeStack`). An
 * unknown never reads as undefined. Internal to the package, hence not in its .d.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: abstract new (...args: never[]) => Error };

/** What a policy passes `known` as `ifUnknown` to tell a value the preview does not know yet from an absent one. */
export const UNSEEN = Symbol("unknown in this preview");

/**
 * `read()`, or `ifUnknown` (undefined) when it reads a value the preview cannot know. Only for finding which
 * resources belong together (a bucket's settings by its name): a stack policy that let one such
 * read throw would be skipped for the whole stack. A value a policy judges is read plainly, so an
 * unknown one still skips the policy with the runtime's note rather than pass or fail unseen.
 */
export function known<U = undefined>(read: () => unknown, ifUnknown?: U): unknown {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return ifUnknown;
        throw e;
    }
}

/** True when `dependent`'s input `field` was taken from `target` (the program's recorded property dependency; the CLI passes them to stack policies). */
export function takenFrom(dependent: PolicyResource, field: string, target: PolicyResource): boolean {
    return (dependent.propertyDependencies[field] ?? []).some((d) => d.urn === target.urn);
}

/** A non-empty string, else undefined. */
export function text(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** A record view of an untyped value (props are plain JSON once deserialized). */
export function rec(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * An IAM policy document as the plan and the CLI hold it, JSON text, or already an object; undefined
 * when the text is not JSON (a policy then judges the document as one it cannot read).
 */
export function policyDocument(policy: unknown): { readonly doc: unknown } | undefined {
    if (typeof policy !== "string") return { doc: policy };
    try {
        return { doc: JSON.parse(policy) as unknown };
    } catch {
        return undefined;
    }
}

/**
 * A boolean input as the provider reads it: `true`/`false`, or their text (`"true"`, `"False"`, `"1"`,
 * as Go's `strconv.ParseBool` reads it, which Pulumi's Terraform bridge uses to coerce a string into a
 * boolean field). Anything else is undefined. Policies compare `flag(x) === true`, so a boolean sent
 * as text is judged as the boolean it becomes, never waved through because it is not `true`.
 */
export function flag(v: unknown): boolean | undefined {
    if (typeof v === "boolean") return v;
    if (typeof v !== "string") return undefined;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
    return undefined;
}

/**
 * A boolean input whose `true` is the risk (`publiclyAccessible`, `privileged`), judged failing
 * closed: unset (undefined or null) is the provider's default, false; a value `flag` reads is that
 * boolean; anything else (`1`, `"yes"`, an object) is taken as true, since the pack cannot tell
 * whether the provider or the API server would coerce it to true or refuse it.
 */
export function risky(v: unknown): boolean {
    return v !== undefined && v !== null && flag(v) !== false;
}

/** A number input as the provider reads it: a number, or its decimal text (`"3"`). Anything else is undefined. */
export function num(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
}

export function arr(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

export function strs(v: unknown): string[] {
    return arr(v).filter((x): x is string => typeof x === "string");
}

/** `a, b and c` for messages. */
export function listText(items: readonly string[]): string {
    return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * The region an AWS resource lives in: its own `region` input (aws 7 allows one per resource), else
 * its provider's ("The effective Region is the value of the top-level region argument if configured
 * or the Region defined in the provider configuration", terraform-provider-aws contributor guide,
 * https://hashicorp.github.io/terraform-provider-aws/enhanced-region-support). A stack policy sees
 * outputs, where an unset `region` is computed: in a preview of a create it may not be known yet,
 * and is then the provider's too, rather than a read that skips the whole policy.
 */
export function regionOf(props: Record<string, unknown>, provider: { props: Record<string, unknown> } | undefined): string | undefined {
    const own = known(() => props.region);
    if (typeof own === "string" && own.length > 0) return own;
    const fromProvider = provider?.props.region;
    return typeof fromProvider === "string" && fromProvider.length > 0 ? fromProvider : undefined;
}

/** The region inside an ARN (`arn:aws:backup:us-west-2:...`), or undefined. */
export function arnRegion(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" && parts[3] !== "" ? parts[3] : undefined;
}

// --- Kubernetes -------------------------------------------------------------------------------

/**
 * True for a Kubernetes object the provider creates as such (`kubernetes:<group>/<version>:<Kind>`):
 * not a Helm release or chart, a YAML or kustomize group, a `...List` or a `...Patch` (which
 * changes an object that already exists).
 */
export function isKubernetesObjectType(type: string): boolean {
    const [pkg, module, kind] = type.split(":");
    if (pkg !== "kubernetes" || module === undefined || kind === undefined || !module.includes("/")) return false;
    const group = module.split("/")[0];
    return !["helm.sh", "yaml", "kustomize"].includes(group) && !kind.endsWith("List") && !kind.endsWith("Patch");
}

/** Kinds that run pods, and where each keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Kinds that run long-lived pods: probes apply to these, not to Jobs that run to completion. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
]);

export function isWorkloadType(type: string): boolean {
    return type in POD_SPEC_PATHS;
}

/**
 * The pod spec of the resource a resource policy is looking at, or undefined for other kinds. Reads
 * `args.props` only for a workload: the offline evaluator copies a resource's props on first read,
 * per policy (policies/evaluate.ts), and most resources run no pods.
 */
export function podSpecOfResource(args: { readonly type: string; readonly props: Record<string, unknown> }): Record<string, unknown> | undefined {
    return isWorkloadType(args.type) ? podSpecOf(args.type, args.props) : undefined;
}

/** The pod spec of a workload's props, or undefined for other kinds. */
export function podSpecOf(type: string, props: Record<string, unknown>): Record<string, unknown> | undefined {
    const path = POD_SPEC_PATHS[type];
    if (path === undefined) return undefined;
    let cur: unknown = props;
    for (const p of path) cur = rec(cur)[p];
    return rec(cur);
}

export interface ContainerRef {
    /** `container app` or `init container fetch`, for messages. */
    readonly label: string;
    readonly init: boolean;
    readonly spec: Record<string, unknown>;
}

/** Every container and init container of a pod spec. */
export function containersOf(podSpec: Record<string, unknown>): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const [key, init] of [["initContainers", true], ["containers", false]] as const) {
        for (const c of arr(podSpec[key])) {
            const spec = rec(c);
            const name = typeof spec.name === "string" ? spec.name : "?";
            out.push({ label: `${init ? "init container" : "container"} ${name}`, init, spec });
        }
    }
    return out;
}

/** One object a pod spec reads by name (policies deployability `pod-references-resolve`, secrets `database-master-jobs-only`). */
export interface PodReference {
    readonly kind: "Secret" | "ConfigMap" | "ServiceAccount";
    readonly name: string;
    /** `optional: true` on the reference: the pod starts without the object. */
    readonly optional: boolean;
    /** Keys the reference reads; empty for a whole object (envFrom, a volume without items). */
    readonly keys: readonly string[];
    /** Where in the pod spec, for messages: `container app env DATABASE_PASSWORD`. */
    readonly where: string;
}

/** Every reference a pod spec makes by name: env and envFrom, secret, configMap and projected volumes, the service account. */
export function podReferences(pod: Record<string, unknown>): PodReference[] {
    const out: PodReference[] = [];
    const push = (kind: PodReference["kind"], ref: Record<string, unknown>, nameKey: string, keys: string[], where: string) => {
        const name = text(ref[nameKey]);
        if (name !== undefined) out.push({ kind, name, optional: ref.optional === true, keys, where });
    };
    for (const c of containersOf(pod)) {
        for (const e of arr(c.spec.env).map(rec)) {
            const from = rec(e.valueFrom);
            const where = `${c.label} env ${text(e.name) ?? "?"}`;
            for (const [field, kind] of [["secretKeyRef", "Secret"], ["configMapKeyRef", "ConfigMap"]] as const) {
                const ref = rec(from[field]);
                if (Object.keys(ref).length > 0) push(kind, ref, "name", strs([ref.key]), where);
            }
        }
        for (const e of arr(c.spec.envFrom).map(rec)) {
            if (Object.keys(rec(e.secretRef)).length > 0) push("Secret", rec(e.secretRef), "name", [], `${c.label} envFrom`);
            if (Object.keys(rec(e.configMapRef)).length > 0) push("ConfigMap", rec(e.configMapRef), "name", [], `${c.label} envFrom`);
        }
    }
    const itemKeys = (v: Record<string, unknown>) => strs(arr(v.items).map((i) => rec(i).key));
    for (const v of arr(pod.volumes).map(rec)) {
        const where = `volume ${text(v.name) ?? "?"}`;
        if (Object.keys(rec(v.secret)).length > 0) push("Secret", rec(v.secret), "secretName", itemKeys(rec(v.secret)), where);
        if (Object.keys(rec(v.configMap)).length > 0) push("ConfigMap", rec(v.configMap), "name", itemKeys(rec(v.configMap)), where);
        for (const s of arr(rec(v.projected).sources).map(rec)) {
            if (Object.keys(rec(s.secret)).length > 0) push("Secret", rec(s.secret), "name", itemKeys(rec(s.secret)), where);
            if (Object.keys(rec(s.configMap)).length > 0) push("ConfigMap", rec(s.configMap), "name", itemKeys(rec(s.configMap)), where);
        }
    }
    const sa = text(pod.serviceAccountName) ?? text(pod.serviceAccount);
    if (sa !== undefined && sa !== "default") out.push({ kind: "ServiceAccount", name: sa, optional: false, keys: [], where: "serviceAccountName" });
    return out;
}

/** One `service` backend of an Ingress: where it is (`defaultBackend`, `rule <host> path <path>`), the Service's name and its `port`. */
export interface IngressBackend {
    readonly where: string;
    readonly name: string | undefined;
    readonly port: Record<string, unknown>;
}

/** Every `service` backend of an Ingress (its default backend and each rule's paths), in spec order. */
export function ingressBackendsOf(props: Record<string, unknown>): IngressBackend[] {
    const spec = rec(props.spec);
    const one = (where: string, b: Record<string, unknown>): IngressBackend[] => {
        const svc = rec(b.service);
        return Object.keys(svc).length === 0 ? [] : [{ where, name: text(svc.name), port: rec(svc.port) }];
    };
    return [
        ...one("defaultBackend", rec(spec.defaultBackend)),
        ...arr(spec.rules).map(rec).flatMap((r) => arr(rec(r.http).paths).map(rec).flatMap((p) => one(`rule ${text(r.host) ?? "*"} path ${text(p.path) ?? "/"}`, rec(p.backend)))),
    ];
}

/** A Kubernetes object's labels or annotations. */
export function labelsOf(props: Record<string, unknown>, field: "labels" | "annotations" = "labels"): Record<string, string> {
    return stringEntries(rec(props.metadata)[field]);
}

/** The string-valued entries of an object (labels, annotations, a chart's `podLabels`); nothing else. */
export function stringEntries(v: unknown): Record<string, string> {
    return Object.fromEntries(Object.entries(rec(v)).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Kind and name for messages: `Deployment web-blue`, falling back to the Pulumi resource name. */
export function k8sName(type: string, props: Record<string, unknown>, resourceName: string): string {
    const kind = type.split(":").pop() ?? type;
    const name = rec(props.metadata).name;
    return `${kind} ${typeof name === "string" ? name : resourceName}`;
}

/** The resources of one type in a stack. */
export function resourcesOfType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
