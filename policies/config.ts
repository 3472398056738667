/**
 * The pack's per-stack configuration: `policies/config/<stack>.json`, in the format the Pulumi CLI
 * takes with `--policy-pack-config` (`{ "<policy>": { "enforcementLevel"?, ...properties } }`),
 * so the CLI pack and the offline evaluator read the same file.
 *
 * Each policy's `configSchema` declares its properties and defaults. The CLI fills in the defaults
 * and validates each policy's settings against its schema, wrapped as `{ type: "object",
 * properties, required }` with no `additionalProperties` (pulumi/pulumi
 * pkg/resource/analyzer/config.go, `ReconcilePolicyPackConfig`, `convertSchema`): a setting no
 * schema declares, or a policy name the pack does not have, passes the CLI silently.
 * `resolvePolicyConfig` does the same offline, for the subset of JSON Schema the pack uses, refuses
 * those two as well (so a typo cannot turn a rule off unseen: every pull request's offline plan
 * runs it), and reports every problem at once.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { Level, LaunchpadPolicy } from "./lib";
import { rec } from "./lib";

export const PACK_CONFIG_DIR = join(__dirname, "config");

/** The pack config file of a stack. */
export function packConfigPath(stack: string): string {
    return join(PACK_CONFIG_DIR, `${stack}.json`);
}

/** The pack's configuration is malformed or does not fit the policies' schemas: exit code 2. */
export class PolicyConfigError extends Error {
    constructor(readonly source: string, readonly problems: readonly string[]) {
        super(`Invalid policy pack configuration in ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
    }
}

/** No pack config for the stack: a usage problem, exit code 1. */
export class MissingPolicyConfigError extends Error {
    constructor(readonly path: string) {
        super(`no policy pack configuration at ${path}: every stack needs one (see docs/policies.md)`);
        this.name = "MissingPolicyConfigError";
    }
}

/** Reads a pack config file; throws `MissingPolicyConfigError` or `PolicyConfigError` (not JSON / not an object). */
export function readPackConfig(path: string): PolicyPackConfig {
    if (!existsSync(path)) {
        throw new MissingPolicyConfigError(path);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
        throw new PolicyConfigError(path, [`not JSON: ${(e as Error).message}`]);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        throw new PolicyConfigError(path, ["expected an object of policy name to settings"]);
    }
    return doc as PolicyPackConfig;
}

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

function typeOk(value: unknown, type: string): boolean {
    switch (type) {
        case "integer":
            return Number.isInteger(value);
        case "number":
            return typeof value === "number" && Number.isFinite(value);
        case "array":
            return Array.isArray(value);
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        case "null":
            return value === null;
        default:
            return typeof value === type;
    }
}

/** Problems of `value` against the JSON Schema subset the pack's schemas use. */
export function schemaProblems(value: unknown, schema: PolicyConfigJSONSchema, at: string): string[] {
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length > 0 && !types.some((t) => typeOk(value, t))) {
        return [`${at}: received ${JSON.stringify(value)}; expected ${types.join(" or ")}`];
    }
    const out: string[] = [];
    if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
        out.push(`${at}: received ${JSON.stringify(value)}; expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: received ${value}; expected >= ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) out.push(`${at}: received ${value}; expected <= ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${at}: received ${value.length} items; expected at least ${schema.minItems}`);
        const items = schema.items;
        if (items !== undefined && typeof items === "object" && !Array.isArray(items)) {
            value.forEach((v, i) => out.push(...schemaProblems(v, items, `${at}[${i}]`)));
        }
    }
    return out;
}

export interface ResolvedPolicy {
    readonly level: Level | "disabled";
    /** The policy's properties: schema defaults, then the file's values. */
    readonly config: Record<string, unknown>;
}

/**
 * Every policy's effective level and config under `pack`, as the CLI computes them: the file's
 * `enforcementLevel` (or a bare level string) over the policy's own, `all` over both; schema
 * defaults under the file's properties; `remediate` counts as mandatory (no policy remediates).
 * Unknown policies and properties are errors here (the CLI ignores them), so a typo cannot
 * silently turn a rule off.
 */
export function resolvePolicyConfig(policies: readonly LaunchpadPolicy[], pack: PolicyPackConfig, source: string): Map<string, ResolvedPolicy> {
    const problems: string[] = [];
    const known = new Set(policies.map((p) => p.name));
    for (const name of Object.keys(pack)) {
        if (name !== "all" && !known.has(name)) problems.push(`${name}: no such policy (known: ${[...known].join(", ")})`);
    }
    const levelOf = (v: unknown, at: string): Level | "disabled" | undefined => {
        if (v === undefined) return undefined;
        if (!(LEVELS as readonly unknown[]).includes(v)) {
            problems.push(`${at}: received ${JSON.stringify(v)}; expected one of ${LEVELS.join(", ")}`);
            return undefined;
        }
        return v === "remediate" ? "mandatory" : (v as Level | "disabled");
    };
    const all = levelOf(typeof pack.all === "string" ? pack.all : rec(pack.all).enforcementLevel, "all");
    const out = new Map<string, ResolvedPolicy>();
    for (const p of policies) {
        const entry = pack[p.name];
        const settings = typeof entry === "string" ? {} : rec(entry);
        const level = levelOf(typeof entry === "string" ? entry : settings.enforcementLevel, `${p.name}.enforcementLevel`) ?? all ?? p.enforcementLevel;
        const props = p.configSchema?.properties ?? {};
        const config: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(props)) {
            if (typeof schema === "object" && schema.default !== undefined) config[key] = structuredClone(schema.default);
        }
        for (const [key, value] of Object.entries(settings)) {
            if (key === "enforcementLevel") continue;
            const schema = props[key];
            if (schema === undefined) {
                problems.push(`${p.name}.${key}: no such setting (known: ${Object.keys(props).join(", ") || "none"})`);
                continue;
            }
            const found = typeof schema === "object" ? schemaProblems(value, schema, `${p.name}.${key}`) : [];
            problems.push(...found);
            if (found.length === 0) config[key] = value;
        }
        for (const key of p.configSchema?.required ?? []) {
            if (config[key] === undefined) problems.push(`${p.name}.${key}: required`);
        }
        out.set(p.name, { level, config });
    }
    if (problems.length > 0) {
        throw new PolicyConfigError(source, problems);
    }
    return out;
}
