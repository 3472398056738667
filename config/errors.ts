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

/** Config path of a schema issue: the full key, then `.field` and `[index]` parts. */
export function issuePath(path: readonly PropertyKey[]): string {
    let out = "";
    for (const part of path) {
        if (typeof part === "number") {
            out += `[${part}]`;
        } else {
            out += out === "" ? String(part) : `.${String(part)}`;
        }
    }
    return out;
}

/** A value as it appears in a message: JSON, shortened, or `[secret]`. */
export function describeValue(value: unknown, secret = false): string {
    if (value === undefined) {
        return "nothing (the key is not set)";
    }
    if (secret) {
        return "[secret]";
    }
    // A password in a URL's user info (`https://user:pass@host`) is never echoed, secret config or not.
    const text = (JSON.stringify(value) ?? typeof value).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"]*@/gi, "$1***@");
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
