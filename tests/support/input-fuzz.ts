/**
 * Generated mutations of the committed stack files, and the judgement of what the config stage
 * makes of them (tests/input-fuzz.test.ts): exit 0, or exit 2 with every problem in the one
 * format (`<key>: received <value>; expected <allowed>`), never a crash, never a secret in clear.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError, parseConfig } from "../../config";
import { decodeConfig, encodeConfig } from "../../config/load";
import { REPO_ROOT } from "../../plan/engine";
import { loadStackConfig, PlanInputError, SECRET_PLACEHOLDER } from "../../plan/stack-config";
import { scratchDir } from "./scratch";

export type Path = readonly (string | number)[];

/** One edit of a stack file's `config:` tree. */
export type Mutation =
    | { readonly kind: "replace"; readonly at: number; readonly value: unknown }
    | { readonly kind: "nudge"; readonly at: number; readonly how: number; readonly text: string }
    | { readonly kind: "addKey"; readonly at: number; readonly key: string; readonly value: unknown }
    | { readonly kind: "delete"; readonly at: number }
    | { readonly kind: "secure"; readonly at: number }
    | { readonly kind: "renameTop"; readonly at: number; readonly key: string };

/** Text the messages must never contain unless the input did: the input's strings are kept free of them. */
export const BAD_WORDS = ["undefined", "[object Object]", "NaN"] as const;

const clean = (s: string): boolean => !BAD_WORDS.some((w) => s.includes(w)) && !s.includes(SECRET_MARK);

/** Strings of every kind a hand-edited YAML file may hold. */
const text: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom("", " ", "\t", "0", "-1", "true", "null", "~", "*", "0.0.0.0/0", "::/0", "sun:04:00-sun:05:00", "03:00-03:30", "* * * * *", "1.36", "8.4", "db.t4g.medium", "arn:aws:iam::111122223333:role/x", "https://example.com", "kube-system", "a".repeat(64), "🙂", "ℌ", "\u0000", "é", "a\nb", "${x}", "{{x}}"),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.integer({ min: 1, max: 70_000 }).map((n) => "x".repeat(n)),
).filter(clean);

/** A plain YAML value: scalars of every type, with out-of-range numbers. */
const scalar: fc.Arbitrary<unknown> = fc.oneof(
    text,
    fc.constantFrom(0, -1, 1, 2, 0.5, -0.5, 1e300, -1e300, 2 ** 53 + 2, 65_536, 1_000_000, 11, 64, 3600),
    fc.integer({ min: -1000, max: 100_000 }),
    fc.double({ noNaN: true, noDefaultInfinity: false }),
    fc.boolean(),
    fc.constant(null),
);

/** A key an object might be given: a typo of a field, a member of Object.prototype, unicode, a dotted key. */
const key: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom("enabled", "image", "secure", "Port", "replica", "constructor", "__proto__", "toString", "a.b", "a[0]", "x y", "🙂", "launchpad:tier", "", " "),
    fc.string({ minLength: 1, maxLength: 10 }),
).filter(clean);

function nest(depth: number, leaf: unknown, asList: boolean): unknown {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = asList ? [v] : { n: v };
    return v;
}

/** Any value, including lists, objects and deep nesting. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.constantFrom([], {}, [null], [{}], [[]]) },
    { weight: 2, arbitrary: fc.array(scalar, { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, scalar, { maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 300 }), scalar, fc.boolean()).map(([d, l, list]) => nest(d, l, list)) },
);

/** Top-level keys a user may mistype or invent. */
const topKey: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom("launchpd:tier", "Launchpad:tier", "aws:regoin", "grafana:auth", "grafana:urls", "launchpad:", "launchpad:tiers", "pulumi:template", "tier", "launchpad:network.cidr", "aws:", ":tier", "launchpad:constructor", "launchpad:__proto__"),
    fc.tuple(fc.constantFrom("launchpad:", "aws:", "grafana:", "kubernetes:", ""), fc.string({ minLength: 1, maxLength: 10 })).map(([ns, k]) => `${ns}${k}`),
).filter(clean);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: anyValue }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("nudge" as const), at: fc.nat(), how: fc.nat(), text }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("addKey" as const), at: fc.nat(), key, value: anyValue }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("secure" as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("renameTop" as const), at: fc.nat(), key: topKey }) },
);

/** One generated case: a committed stack, one to three edits of it, and the secret paths set in clear where the CLI decrypts. */
export const stackCase = fc.record({
    stack: fc.constantFrom("staging", "production"),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    /** Also set a secret-only leaf (SECRET_PATHS) as plain text. */
    plainSecret: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("slackWebhookUrl" as const, "pagerDutyIntegrationKey" as const) }),
});
export type StackCase = typeof stackCase extends fc.Arbitrary<infer T> ? T : never;

/** The committed stack file's `config:` section. */
export function committedConfig(stack: string): Record<string, unknown> {
    const doc = parseYaml(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return doc.config;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Every node's path in `config`: each top-level key and everything under it, depth first. */
export function nodePaths(config: unknown, prefix: Path = []): Path[] {
    const out: Path[] = [];
    const children: [string | number, unknown][] = Array.isArray(config) ? config.map((v, i) => [i, v]) : isRecord(config) ? Object.entries(config) : [];
    for (const [k, v] of children) {
        out.push([...prefix, k], ...nodePaths(v, [...prefix, k]));
    }
    return out;
}

function parentOf(root: Record<string, unknown>, path: Path): Record<string | number, unknown> | unknown[] {
    let cur: unknown = root;
    for (const part of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[part];
    return cur as Record<string | number, unknown>;
}

function define(container: Record<string | number, unknown> | unknown[], k: string | number, value: unknown): void {
    Object.defineProperty(container, k, { value, writable: true, enumerable: true, configurable: true });
}

/** Text in a generated secure leaf: the decrypted value a real run would read, never to be printed. */
export const SECRET_MARK = "Zk7secretQ";

/** `config` with the mutations applied, in order (each picks its node among those there now). */
export function mutate(config: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
    const root = structuredClone(config);
    for (const m of mutations) {
        const paths = nodePaths(root);
        if (paths.length === 0) continue;
        const path = paths[m.at % paths.length];
        const parent = parentOf(root, path);
        const last = path[path.length - 1];
        const current = (parent as Record<string | number, unknown>)[last];
        switch (m.kind) {
            case "replace":
                define(parent, last, structuredClone(m.value));
                break;
            case "nudge":
                define(parent, last, nudged(current, m.how, m.text));
                break;
            case "addKey":
                if (isRecord(current)) define(current, m.key, structuredClone(m.value));
                else if (Array.isArray(current)) current.push(structuredClone(m.value));
                else define(parent, last, { [m.key]: structuredClone(m.value) });
                break;
            case "delete":
                if (Array.isArray(parent)) parent.splice(last as number, 1);
                else delete (parent as Record<string, unknown>)[last];
                break;
            case "secure":
                // A ciphertext where the CLI would decrypt one: `secure:` holds text only.
                define(parent, last, { secure: `v1:${Buffer.from(`${SECRET_MARK}${JSON.stringify(current ?? null)}`).toString("base64")}` });
                break;
            case "renameTop": {
                const top = path[0] as string;
                const value = root[top];
                delete root[top];
                define(root, m.key, value);
                break;
            }
        }
    }
    return root;
}

/**
 * A value of the same type near `v`, so the config often still parses and the edge reaches the
 * rules and builds: a number at or past a bound, a text changed at its end, a flipped boolean.
 */
export function nudged(v: unknown, how: number, extra: string): unknown {
    if (typeof v === "number") {
        const options = [0, -v, v + 1, v - 1, v * 2, v * 1000, v / 2, Math.floor(v / 3), v + 0.5, 2 ** 31];
        return options[how % options.length];
    }
    if (typeof v === "string") {
        const options = [`${v}${extra}`, `${extra}${v}`, v.toUpperCase(), v.slice(0, Math.max(0, v.length - 1 - (how % 4))), v.repeat(2 + (how % 40)), ` ${v} `, v.replace(/[0-9]/g, String(how % 10)), `${v}-${v}`, ""];
        return options[how % options.length];
    }
    if (typeof v === "boolean") return !v;
    if (Array.isArray(v)) {
        const list = v as unknown[];
        const options = [[], [...list, ...list], list.slice(1), [...list].reverse(), [...list, list[0]]];
        return structuredClone(options[how % options.length]);
    }
    if (isRecord(v)) {
        const entries = Object.entries(v);
        const options = [{}, Object.fromEntries(entries.slice(1)), Object.fromEntries(entries.map(([k, x]) => [`${k}${extra}`, x])), Object.fromEntries(entries.map(([k, x]) => [k.toUpperCase(), x]))];
        return structuredClone(options[how % options.length]);
    }
    return v;
}

/** The outcome of the config stage for one stack file. */
export type Outcome =
    | { readonly kind: "accepted"; readonly warnings: readonly string[] }
    | { readonly kind: "refused"; readonly problems: readonly string[]; readonly message: string }
    | { readonly kind: "usage"; readonly message: string }
    | { readonly kind: "crash"; readonly error: unknown };

/**
 * A stack file's config through the config stage as a real `pulumi up` runs it: the file read as the
 * CLI reads it (`loadStackConfig`), every secure leaf decrypted to text holding SECRET_MARK (the
 * offline plan would hide it behind a stand-in), the runtime's string encoding and back
 * (`encodeConfig`/`decodeConfig`, as `readRuntimeConfig` reads it), then `parseConfig`.
 */
export function configStage(stack: string, fileText: string): Outcome {
    const root = scratchDir("launchpad-fuzz-");
    writeFileSync(join(root, "Pulumi.yaml"), readFileSync(join(REPO_ROOT, "Pulumi.yaml")));
    writeFileSync(join(root, `Pulumi.${stack}.yaml`), fileText);
    try {
        const sc = loadStackConfig({ root, stack });
        const decrypted = reveal(sc.values);
        const { values, secretKeys } = decodeConfig(encodeConfig(decrypted, sc.secretKeys));
        const config = parseConfig({ project: sc.project, stack, values, secretKeys, secretPaths: sc.secretPaths, offlinePlan: true, env: {}, now: new Date("2026-12-02T12:00:00Z") });
        return { kind: "accepted", warnings: config.warnings };
    } catch (e) {
        if (e instanceof ConfigError) return { kind: "refused", problems: e.problems, message: e.message };
        if (e instanceof PlanInputError) return { kind: "usage", message: e.message };
        return { kind: "crash", error: e };
    }
}

/** Each offline stand-in replaced by a distinct decrypted text. */
function reveal(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
    let n = 0;
    const walk = (v: unknown): unknown => {
        if (v === SECRET_PLACEHOLDER) return `https://hooks.example.com/${SECRET_MARK}${n++}`;
        if (Array.isArray(v)) return v.map(walk);
        if (isRecord(v)) {
            const out: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v)) define(out, k, walk(x));
            return out;
        }
        return v;
    };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) define(out, k, walk(v));
    return out;
}

/** The one shape of a problem: `<where>: received <value>; expected <allowed>`, on one line. */
export const PROBLEM = /^\S[^\n]*?: received [^\n]+; expected [^\n]+$/;

/** What is wrong with an outcome, by the property; empty when it holds. */
export function judge(outcome: Outcome): string[] {
    switch (outcome.kind) {
        case "crash":
            return [`crash: ${outcome.error instanceof Error ? (outcome.error.stack ?? outcome.error.message) : String(outcome.error)}`];
        case "usage":
            return [`a stack file's content read as a usage error (exit 1): ${outcome.message}`];
        case "accepted":
            return lines(outcome.warnings, false);
        case "refused":
            return [...lines(outcome.problems, true), ...(outcome.problems.length === 0 ? ["refused with no problem"] : [])];
    }
}

function lines(texts: readonly string[], problems: boolean): string[] {
    const out: string[] = [];
    for (const t of texts) {
        if (problems && !PROBLEM.test(t)) out.push(`not in the problem format: ${t.slice(0, 300)}`);
        for (const w of BAD_WORDS) if (t.includes(w)) out.push(`${JSON.stringify(w)} in: ${t.slice(0, 300)}`);
        if (t.includes(SECRET_MARK)) out.push(`a secret in clear: ${t.slice(0, 300)}`);
    }
    return out;
}

/** The stack file of a case, as YAML. */
export function caseFile(c: StackCase): string {
    const config = mutate(committedConfig(c.stack), c.mutations);
    if (c.plainSecret !== undefined) {
        const alerting = isRecord(config["launchpad:alerting"]) ? config["launchpad:alerting"] : {};
        define(alerting, c.plainSecret, "https://hooks.example.com/plain");
        define(config, "launchpad:alerting", alerting);
    }
    return stringify({ config }, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** A case of one same-type edit: most still parse, so the edge reaches the program's builds. */
export const nudgeCase = fc.record({
    stack: fc.constantFrom("staging", "production"),
    mutations: fc.array(fc.record({ kind: fc.constant("nudge" as const), at: fc.nat(), how: fc.nat(), text }), { minLength: 1, maxLength: 2 }),
    plainSecret: fc.constant(undefined),
});
