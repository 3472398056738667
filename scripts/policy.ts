/**
 * npm run policy -- --plan <plan.json> --stack <name> [--json] [--config <pack-config.json>]
 *
 * Evaluates the policy pack against a saved `npm run plan -- --json` document: one CI saved, or one
 * edited by hand to try a change. The rules are those of the stack the caller names with `--stack`,
 * never of whatever the document says: its committed pack config, `policies/config/<stack>.json`
 * (the file `pulumi preview --policy-pack-config` takes), unless `--config` names another. A
 * document of another stack (its `stack` field and every URN agree on it) is refused, so a plan
 * rewritten to look like staging's is not judged by staging's rules. The plan itself carries every
 * input the policies read, so neither the program nor Pulumi.<stack>.yaml is needed.
 *
 * Output as `npm run plan -- --policy`: the violation report, or with `--json` the plan document
 * with `"policy": {"violations": [...]}`. Exit codes: 0 no mandatory violation; 3 a mandatory
 * violation; 2 invalid policy pack config; 1 anything else (bad arguments, unreadable plan).
 */
import { readFileSync } from "node:fs";
import { MissingPolicyConfigError, PolicyConfigError } from "../policies/config";
import { evaluatePlan, hasMandatory, POLICY_EXIT_CODE, renderViolations, type PlanLike } from "../policies/evaluate";
import { failed, parseFlags, runMain, type CliResult } from "./cli";

const USAGE = "usage: npm run policy -- --plan <plan.json> --stack <name> [--json] [--config <pack-config.json>]";

/** Deepest nesting a plan's inputs reach (Kubernetes pod specs: about 15); deeper is not a plan npm run plan wrote. */
export const MAX_PLAN_DEPTH = 64;
/** Problems listed for one document, at most: the rest are counted. */
const MAX_PROBLEMS = 20;

/** How deep `value` nests, counted without recursion (a hostile document must not overflow the stack). */
function depthOf(value: unknown, limit: number): number {
    let deepest = 0;
    const stack: [unknown, number][] = [[value, 0]];
    while (stack.length > 0) {
        const [v, d] = stack.pop() as [unknown, number];
        deepest = Math.max(deepest, d);
        if (deepest > limit) return deepest;
        if (v !== null && typeof v === "object") for (const child of Object.values(v)) stack.push([child, d + 1]);
    }
    return deepest;
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isStrList = (v: unknown): boolean => Array.isArray(v) && v.every(isStr);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const shown = (v: unknown): string => {
    // A field left out is said so: JSON has no `undefined`, and the document never held that word.
    if (v === undefined) return "nothing (the field is missing)";
    const text = JSON.stringify(v) ?? typeof v;
    return text.length > 240 ? `${text.slice(0, 237)}...` : text;
};

/** Problems of one planned resource's fields (the `--json` shape), each `resources[i].<field>: received ...; expected ...`. */
function resourceProblems(res: Record<string, unknown>, at: string, stack: string | undefined): string[] {
    const out: string[] = [];
    const field = (name: string, ok: boolean, expected: string): void => {
        if (!ok) out.push(`${at}.${name}: received ${shown(res[name])}; expected ${expected}`);
    };
    field("type", isStr(res.type) && res.type !== "", "a resource type");
    field("name", isStr(res.name) && res.name !== "", "a resource name");
    field("inputs", isObj(res.inputs), "an object");
    if (isStr(res.type) && isStr(res.name) && stack !== undefined) {
        // The URN names the stack, the type and the name: a plan cannot be moved to another stack's rules by its `stack` field alone.
        const m = isStr(res.urn) ? /^urn:pulumi:([^:]+)::([^:]+)::(.+)::(.+)$/.exec(res.urn) : null;
        const ok = m !== null && m[1] === stack && m[3].split("$").pop() === res.type && m[4] === res.name;
        field("urn", ok, `urn:pulumi:${stack}::<project>::<parent types$>${res.type}::${res.name} (the stack, type and name of this document)`);
    } else {
        field("urn", isStr(res.urn), "a URN");
    }
    const optional = (name: string, ok: (v: unknown) => boolean, expected: string): void => field(name, res[name] === undefined || ok(res[name]), expected);
    optional("parent", (v) => v === null || isStr(v), "a URN or null");
    optional("provider", (v) => v === null || isStr(v), "a URN or null");
    optional("id", (v) => v === null || isStr(v), "a string or null");
    optional("arn", (v) => v === null || isStr(v), "a string or null");
    optional("protect", (v) => typeof v === "boolean", "true or false");
    optional("custom", (v) => typeof v === "boolean", "true or false");
    optional("dependsOn", isStrList, "a list of URNs");
    optional("dependencies", isStrList, "a list of URNs");
    optional("propertyDependencies", (v) => isObj(v) && Object.values(v).every(isStrList), "an object of input name to a list of URNs");
    // A component's registered outputs replace its props for the stack policies (policies/evaluate.ts): only a component has them.
    optional("registeredOutputs", (v) => (v === null ? res.custom !== false : isObj(v) && res.custom === false), "null for a custom resource, an object (its registered outputs) for a component (custom false)");
    optional("options", (v) => {
        if (!isObj(v)) return false;
        const t = v.customTimeouts;
        return (v.ignoreChanges === undefined || isStrList(v.ignoreChanges))
            && (v.deleteBeforeReplace === undefined || typeof v.deleteBeforeReplace === "boolean")
            && (t === undefined || (isObj(t) && Object.values(t).every(isStr)));
    }, "an object of resource options (ignoreChanges: a list of strings, deleteBeforeReplace: true or false, customTimeouts: strings)");
    return out;
}

/**
 * The path of the first number in `v` that is not finite (a literal such as 1e400, which JSON.parse
 * reads as Infinity and no engine writes), or undefined. Policies read such a value as missing (the
 * retention policy said "(unset) days" of 1e400), so the document is refused instead.
 */
function nonFinitePath(v: unknown, path = ""): string | undefined {
    if (typeof v === "number") return Number.isFinite(v) ? undefined : path;
    if (v === null || typeof v !== "object") return undefined;
    for (const [k, x] of Object.entries(v)) {
        const found = nonFinitePath(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
        if (found !== undefined) return found;
    }
    return undefined;
}

/**
 * Problems with a document that should be a `--json` plan; empty when it is one. Every field the
 * evaluator reads is checked for its type, so a hand-edited plan fails here with a message rather
 * than crashing a policy or being judged with violations that name the wrong thing.
 */
export function planDocumentProblems(doc: unknown): string[] {
    if (!isObj(doc)) return ["expected a JSON object from npm run plan -- --json"];
    // Before anything reads or prints a value (JSON.stringify and structuredClone recurse).
    if (depthOf(doc, MAX_PLAN_DEPTH + 3) > MAX_PLAN_DEPTH + 3) {
        const i = Array.isArray(doc.resources) ? doc.resources.findIndex((r) => depthOf(r, MAX_PLAN_DEPTH + 1) > MAX_PLAN_DEPTH + 1) : -1;
        return [`${i >= 0 ? `resources[${i}]` : "the document"}: received values nested deeper than ${MAX_PLAN_DEPTH} levels; expected a plan as npm run plan -- --json writes it`];
    }
    const out: string[] = [];
    // The name picks policies/config/<stack>.json: a path in it must not pick another file.
    const stackOk = isStr(doc.stack) && /^[A-Za-z0-9_.-]+$/.test(doc.stack) && !doc.stack.startsWith(".");
    if (!stackOk) out.push(`stack: received ${shown(doc.stack)}; expected the stack's name`);
    if (!Array.isArray(doc.resources)) {
        out.push("resources: expected a list");
    } else {
        const seen = new Map<string, number>();
        doc.resources.forEach((r: unknown, i) => {
            if (!isObj(r)) {
                out.push(`resources[${i}]: expected urn, type, name (strings) and inputs (an object)`);
                return;
            }
            out.push(...resourceProblems(r, `resources[${i}]`, stackOk ? (doc.stack as string) : undefined));
            for (const key of ["inputs", "registeredOutputs"] as const) {
                const infinite = nonFinitePath(r[key]);
                if (infinite !== undefined) out.push(`resources[${i}].${key}${infinite}: received a number too large for a float64 (JSON.parse reads it as Infinity); expected a finite number, as npm run plan -- --json writes`);
            }
            if (isStr(r.urn)) {
                const first = seen.get(r.urn);
                if (first !== undefined) out.push(`resources[${i}].urn: received the URN of resources[${first}]; expected each resource once`);
                else seen.set(r.urn, i);
            }
        });
        // The stack policies link each resource to its parent by URN (policies/evaluate.ts): a parent
        // not in the plan would be dropped without a word, and the resource read as a root. The engine
        // never writes one (a child registers with its parent's URN, which it has only once the parent
        // registered).
        doc.resources.forEach((r: unknown, i) => {
            if (isObj(r) && isStr(r.parent) && !seen.has(r.parent)) {
                out.push(`resources[${i}].parent: received ${shown(r.parent)}; expected the URN of a resource in this plan, or null`);
            }
        });
    }
    return out.length > MAX_PROBLEMS ? [...out.slice(0, MAX_PROBLEMS), `... and ${out.length - MAX_PROBLEMS} more`] : out;
}

/** The whole command as a function of its arguments, so tests run it in-process. */
export async function policyCli(argv: readonly string[]): Promise<CliResult> {
    const parsed = parseFlags(argv, {
        plan: { type: "string", short: "p" },
        stack: { type: "string", short: "s" },
        json: { type: "boolean", default: false },
        config: { type: "string" },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const args = parsed.flags;
    if (args.plan === undefined || args.stack === undefined) {
        const missing = [args.plan === undefined ? "--plan" : undefined, args.stack === undefined ? "--stack" : undefined].filter((f) => f !== undefined);
        return failed(1, `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required (the rules are the named stack's, never the document's)\n${USAGE}\n`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(args.plan, "utf8"));
    } catch (e) {
        // Nesting deep enough to exhaust JSON.parse's stack is no plan either; never a stack trace.
        const why = e instanceof RangeError ? "nested too deeply to be a plan" : (e as Error).message;
        return failed(1, `error: cannot read the plan ${args.plan}: ${why}\n`);
    }
    const problems = planDocumentProblems(doc);
    if (problems.length > 0) {
        return failed(1, `error: ${args.plan} is not a plan document:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    }
    const plan = doc as PlanLike & Record<string, unknown>;
    if (plan.stack !== args.stack) {
        return failed(1, `error: ${args.plan} is a plan of stack ${JSON.stringify(plan.stack)}, not ${JSON.stringify(args.stack)}: it is judged only by the rules of the stack it was planned for\n`);
    }
    try {
        const violations = await evaluatePlan(plan, args.config);
        const code = hasMandatory(violations) ? POLICY_EXIT_CODE : 0;
        const stdout = args.json
            ? `${JSON.stringify({ ...plan, policy: { violations } }, null, 2)}\n`
            : `Policy check of ${args.plan} (stack ${plan.stack}, ${plan.resources.length} resources)\n\n${renderViolations(violations)}`;
        return { code, stdout, stderr: "" };
    } catch (e) {
        if (e instanceof PolicyConfigError) {
            return failed(2, `${e.message}\n`);
        }
        if (e instanceof MissingPolicyConfigError) {
            return failed(1, `error: ${e.message}\n`);
        }
        // A document that passed the checks above but still breaks a policy: the reason, not a trace.
        return failed(1, `error: the policies could not judge ${args.plan}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
}

if (require.main === module) {
    runMain(policyCli);
}
