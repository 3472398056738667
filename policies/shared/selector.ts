/**
 * Whether a selector selects a pod's labels, as Kubernetes decides it: one owner for every policy
 * that asks (delivery, deployability, pod-traffic). Kept inside the policy pack's folder, which is
 * published alone, and self-contained.
 *
 * Two kinds of selector, with opposite empty cases:
 * - A LabelSelector (`matchLabels` and `matchExpressions`, ANDed; a NetworkPolicy's `podSelector`, a
 *   webhook's `objectSelector`): empty selects every object, as kubernetes/apimachinery
 *   pkg/apis/meta/v1/helpers.go `LabelSelectorAsSelector` turns no requirement into
 *   `labels.Everything()` (v0.33.2), each `matchLabels` pair into an Equals requirement, each
 *   `matchExpressions` entry into its operator's.
 * - A Service's `spec.selector` (a plain map of labels): empty or absent is "no selector", and the
 *   Service selects no pod: kubernetes/kubernetes pkg/controller/endpoint/endpoints_controller.go
 *   `syncService` skips a Service whose selector is nil ("services without a selector receive no
 *   endpoints from this controller"), and an empty map is omitted from the JSON (`omitempty`), so nil.
 */

/** One requirement of a LabelSelector: `{ key, operator, values }`. */
export interface LabelRequirement {
    readonly key: string;
    readonly operator: string;
    readonly values: readonly string[];
}

function record(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

/**
 * One requirement against labels, as kubernetes/apimachinery pkg/labels/selector.go
 * `Requirement.Matches` (commit 8140f573): In needs the key with one of the values; NotIn holds
 * when the key is absent or its value is none of them; Exists needs the key; DoesNotExist its
 * absence. Any other operator matches nothing (a LabelSelector has only these four; the API server
 * refuses another).
 */
export function meets(labels: Readonly<Record<string, string>>, r: LabelRequirement): boolean {
    // Not Object.hasOwn (ES2022): the CLI type-checks the pack, with its own typescript, at ts-node's
    // `target: "ES2020"` (@pulumi/pulumi cmd/run-policy-pack/run.js), whose lib has none (eslint.config.mjs
    // POLICY_PACK_LIB_RULES; tests/policy-pack-publish.test.ts installs and loads it as the CLI would).
    const v = Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined;
    switch (r.operator) {
        case "In": return v !== undefined && r.values.includes(v);
        case "NotIn": return v === undefined || !r.values.includes(v);
        case "Exists": return v !== undefined;
        case "DoesNotExist": return v === undefined;
        default: return false;
    }
}

/** A `matchExpressions` list (or a chart's list of requirements) as requirements; string values only. */
export function requirements(v: unknown): LabelRequirement[] {
    return list(v).map(record).map((e) => ({
        key: typeof e.key === "string" ? e.key : "",
        operator: typeof e.operator === "string" ? e.operator : "",
        values: list(e.values).filter((x): x is string => typeof x === "string"),
    }));
}

/** A LabelSelector's requirements: each string `matchLabels` pair as In of its one value, then `matchExpressions`. */
export function labelSelectorRequirements(selector: Readonly<Record<string, unknown>>): LabelRequirement[] {
    return [
        ...Object.entries(record(selector.matchLabels)).flatMap(([key, v]) => (typeof v === "string" ? [{ key, operator: "In", values: [v] }] : [])),
        ...requirements(selector.matchExpressions),
    ];
}

/** True when the LabelSelector has no requirement at all: it selects every object (`labels.Everything()`). */
export function selectsEverything(selector: Readonly<Record<string, unknown>>): boolean {
    return Object.keys(record(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
}

/** True when the LabelSelector (present; an empty one selects everything) selects the labels. */
export function labelSelectorMatches(selector: Readonly<Record<string, unknown>>, labels: Readonly<Record<string, string>>): boolean {
    return labelSelectorRequirements(selector).every((r) => meets(labels, r));
}

/** True when a Service's `spec.selector` selects the labels: a non-empty map, every pair among them. Empty or absent: no pod. */
export function serviceSelects(selector: unknown, labels: Readonly<Record<string, unknown>>): boolean {
    const pairs = Object.entries(record(selector));
    return pairs.length > 0 && pairs.every(([k, v]) => typeof v === "string" && Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === v);
}
