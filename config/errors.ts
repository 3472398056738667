/**
 * Turns schema issues into messages of one shape:
 *
 *     <key>: received <value>; expected <what is allowed>
 *
 * so a user can fix every problem of a stack in one pass. Secret paths never echo their value.
 */
import * as pulumi from "@pulumi/pulumi";
import type { core } from "zod";

/**
 * Thrown by `loadConfig`: carries every problem of the stack's config at once. A `RunError`, so the
 * Pulumi CLI prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    readonly problems: readonly string[];

    constructor(stack: string, problems: readonly string[]) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/**
 * Config path of a schema issue: the full key, then `.field` and `[index]` parts. A field that would
 * not read as one (empty, blank, with a dot, bracket, quote or control character) is quoted as
 * `pulumi config set --path` takes it, `["a b"]`: `network. ` named no field a user could find.
 */
export function issuePath(path: readonly PropertyKey[]): string {
    let out = "";
    for (const part of path) {
        if (typeof part === "number") {
            out += `[${part}]`;
        } else if (out === "") {
            out = String(part);
        } else {
            const field = String(part);
            out += /^[^\s.[\]"\\\u0000-\u001f\u007f]+$/u.test(field) ? `.${field}` : `[${JSON.stringify(field)}]`;
        }
    }
    return out;
}

/** Marks a non-finite number inside the JSON text of a value, for `describeValue` to unquote. */
const NON_FINITE_MARK = "@@launchpad-non-finite@@";

function yamlNonFinite(n: number): string {
    return Number.isNaN(n) ? ".nan" : n > 0 ? ".inf" : "-.inf";
}

/** A value as it appears in a message: JSON (infinities and NaN as YAML's `.inf`, `.nan`), shortened, or `[secret]`. */
export function describeValue(value: unknown, secret = false): string {
    if (value === undefined) {
        return "nothing (the key is not set)";
    }
    if (secret) {
        return "[secret]";
    }
    // A password in a URL's user info (`https://user:pass@host`) is never echoed, secret config or not.
    // JSON has no infinity or NaN (it would print `null`): shown as YAML spells them, as the stack file did.
    const json = JSON.stringify(value, (_, v: unknown) => typeof v === "number" && !Number.isFinite(v) ? `${NON_FINITE_MARK}${yamlNonFinite(v)}` : v);
    const text = (json ?? typeof value)
        .replace(new RegExp(`"${NON_FINITE_MARK}([^"]*)"`, "g"), "$1")
        // Anchored on "://", not on the scheme: a scheme pattern tried at every position of a long word scans to its
        // end each time (a 40 KB text took 4 s, 1 MB about 40 min). Whatever precedes "://", its user info is hidden.
        .replace(/:\/\/[^/?#@\s"]*@/g, "://***@");
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
    string: "a string",
    int: "an integer",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "an object (a YAML mapping)",
    record: "a map of strings (a YAML mapping)",
};

function bound(issue: core.$ZodIssueTooSmall | core.$ZodIssueTooBig, min: boolean): string {
    const limit = min ? (issue as core.$ZodIssueTooSmall).minimum : (issue as core.$ZodIssueTooBig).maximum;
    const op = min ? (issue.inclusive === false ? ">" : ">=") : issue.inclusive === false ? "<" : "<=";
    switch (issue.origin) {
        case "array":
            return min ? `a list of at least ${limit} item${limit === 1 ? "" : "s"}` : `a list of at most ${limit} items`;
        case "string":
            return min ? `at least ${limit} character${limit === 1 ? "" : "s"}` : `at most ${limit} characters`;
        default:
            return `${issue.origin === "int" || issue.origin === "number" ? "a number" : "a value"} ${op} ${limit}`;
    }
}

/** What is allowed, for one issue. */
export function expectation(issue: core.$ZodIssue, allowedFields: (path: readonly PropertyKey[]) => string[]): string {
    switch (issue.code) {
        case "invalid_type":
            // A schema's own wording wins over the generic one (zod's generic text starts "Invalid input").
            return issue.message.startsWith("Invalid input") ? `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}` : issue.message;
        case "invalid_value":
            return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return `expected ${bound(issue, true)}`;
        case "too_big":
            return `expected ${bound(issue, false)}`;
        case "unrecognized_keys":
            return `expected no such field (allowed: ${allowedFields(issue.path).join(", ")})`;
        case "invalid_key": {
            // A key pattern's own wording (a service name) wins; map keys otherwise only have a length.
            const inner = issue.issues.find((i) => i.code === "invalid_format");
            return inner !== undefined ? inner.message : "expected a non-empty key of at most 128 characters";
        }
        default:
            // Custom checks and regex formats carry the schema's own wording.
            return issue.message;
    }
}

/** One config key being parsed: its name, its schema, and the paths whose values are secrets. */
export interface KeyContext {
    readonly key: string;
    readonly schema: unknown;
    /** Config paths set as secrets (`launchpad:alerting.slackWebhookUrl`): no value under one is echoed. */
    readonly secretPaths: readonly string[];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur = root;
    for (const part of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[part];
    }
    return cur;
}

/** `path` is one of `roots` or a field or element inside one (`a.b`, `a[0]` under `a`), as `pulumi config set --path` spells paths. */
export function isUnder(path: string, roots: readonly string[]): boolean {
    return roots.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
}

/**
 * The fields an object schema allows at `path` inside it, through wrappers (`.optional()`,
 * `.default()`, pipes), map values (`services.<name>`) and list items (`smoke.checks[0]`).
 */
function fieldsOf(schema: unknown, path: readonly PropertyKey[]): string[] {
    type Def = { type?: string; innerType?: Node; in?: Node; valueType?: Node; element?: Node; shape?: Record<string, Node> };
    type Node = { _zod?: { def?: Def } };
    const unwrap = (n: Node | undefined): Node | undefined => {
        const def = n?._zod?.def;
        const inner = def?.innerType ?? (def?.type === "pipe" ? def.in : undefined);
        return inner !== undefined ? unwrap(inner) : n;
    };
    let node = unwrap(schema as Node);
    for (const part of path) {
        const def = node?._zod?.def;
        node = unwrap(def?.type === "record" ? def.valueType : def?.type === "array" ? def.element : def?.shape?.[String(part)]);
    }
    return Object.keys(node?._zod?.def?.shape ?? {});
}

/**
 * Messages for one key's schema issues. `secret`: the stack holds the key as a secret. The runtime
 * marks only the whole key, not which value inside it is secret, so no value inside it is echoed.
 */
/**
 * One bound per side of a value: an integer field's own maximum and the safe-integer maximum zod's
 * int implies both fail for 1e20, which read as two problems for one value; the tighter one says it all.
 */
function tightestBounds(issues: readonly core.$ZodIssue[]): core.$ZodIssue[] {
    const path = (i: core.$ZodIssue): string => JSON.stringify(i.path.map(String));
    return issues.filter((i) => !issues.some((j) => j !== i && path(j) === path(i) && (
        (i.code === "too_big" && j.code === "too_big" && Number(j.maximum) < Number(i.maximum)) ||
        (i.code === "too_small" && j.code === "too_small" && Number(j.minimum) > Number(i.minimum)))));
}

export function keyProblems(ctx: KeyContext, value: unknown, issues: readonly core.$ZodIssue[], secret: boolean): string[] {
    const out: string[] = [];
    const hidden = (p: string): boolean => secret || isUnder(p, ctx.secretPaths);
    for (const issue of tightestBounds(issues)) {
        const fullPath: PropertyKey[] = [ctx.key, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            for (const field of issue.keys) {
                const p = issuePath([...fullPath, field]);
                const allowed = expectation(issue, () => fieldsOf(ctx.schema, issue.path));
                out.push(`${p}: received ${describeValue(valueAt(value, [...issue.path, field]), hidden(p))}; ${allowed}`);
            }
            continue;
        }
        if (issue.code === "invalid_key") {
            // The map key itself is wrong: name the map and show the key, not the value under it.
            const p = issuePath(fullPath.slice(0, -1));
            out.push(`${p}: received the key ${describeValue(fullPath[fullPath.length - 1], hidden(p))}; ${expectation(issue, () => [])}`);
            continue;
        }
        const p = issuePath(fullPath);
        const received = valueAt(value, issue.path);
        const what = received === undefined && issue.code === "invalid_type" ? "nothing (required)" : describeValue(received, hidden(p));
        out.push(`${p}: received ${what}; ${expectation(issue, () => [])}`);
    }
    return out;
}

/**
 * Names of JavaScript's object members (`constructor`, `__proto__`, `toString`, ...). The program keeps
 * services, tags, env and headers in plain objects keyed by name: a service named `constructor` read
 * Object.prototype's function where its release history should be (the plan crashed with "before is
 * not iterable"), and a key `__proto__` vanished from the parsed map without a word. Refused as keys
 * anywhere in the config, with the usual message; no such name is one a Kubernetes object needs.
 */
const OBJECT_MEMBERS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export function memberKeyProblems(value: unknown, path: readonly PropertyKey[]): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => memberKeyProblems(v, [...path, i]));
    if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value)) return [];
    return Object.keys(value).flatMap((k) => OBJECT_MEMBERS.has(k)
        ? [`${issuePath([...path, k])}: received the key ${JSON.stringify(k)}; expected a name that is not a member of JavaScript's Object.prototype (constructor, __proto__, toString, valueOf, ...): the program keeps these maps as plain objects`]
        : memberKeyProblems((value as Record<string, unknown>)[k], [...path, k]));
}
