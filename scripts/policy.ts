/**
 * npm run policy -- --plan <plan.json> [--json] [--config <pack-config.json>]
 *
 * Evaluates the policy pack against a saved `npm run plan -- --json` document: one CI saved, or one
 * edited by hand to try a change. The stack's rules come from the stack named in the document:
 * its committed pack config, `policies/config/<stack>.json` (the file `pulumi preview
 * --policy-pack-config` takes), unless `--config` names another. The plan itself carries every
 * input the policies read, so neither the program nor Pulumi.<stack>.yaml is needed.
 *
 * Output as `npm run plan -- --policy`: the violation report, or with `--json` the plan document
 * with `"policy": {"violations": [...]}`. Exit codes: 0 no mandatory violation; 3 a mandatory
 * violation; 2 invalid policy pack config; 1 anything else (bad arguments, unreadable plan).
 */
import { readFileSync } from "node:fs";
import { MissingPolicyConfigError, PolicyConfigError } from "../policies/config";
import { evaluatePlan, hasMandatory, POLICY_EXIT_CODE, renderViolations, type PlanLike } from "../policies/evaluate";
import { failed, parseFlags, runMain, unexpected, type CliResult } from "./cli";

const USAGE = "usage: npm run policy -- --plan <plan.json> [--json] [--config <pack-config.json>]";

/** Problems with a document that should be a `--json` plan; empty when it is one. */
export function planDocumentProblems(doc: unknown): string[] {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return ["expected a JSON object from npm run plan -- --json"];
    const d = doc as Record<string, unknown>;
    const out: string[] = [];
    // The name picks policies/config/<stack>.json: a path in it must not pick another file.
    if (typeof d.stack !== "string" || !/^[A-Za-z0-9_.-]+$/.test(d.stack) || d.stack.startsWith(".")) out.push(`stack: received ${JSON.stringify(d.stack)}; expected the stack's name`);
    if (!Array.isArray(d.resources)) {
        out.push("resources: expected a list");
    } else {
        d.resources.forEach((r, i) => {
            const res = r as Record<string, unknown> | null;
            if (res === null || typeof res !== "object" || typeof res.urn !== "string" || typeof res.type !== "string" || typeof res.name !== "string" || res.inputs === null || typeof res.inputs !== "object") {
                out.push(`resources[${i}]: expected urn, type, name (strings) and inputs (an object)`);
            }
        });
    }
    return out;
}

/** The whole command as a function of its arguments, so tests run it in-process. */
export async function policyCli(argv: readonly string[]): Promise<CliResult> {
    const parsed = parseFlags(argv, {
        plan: { type: "string", short: "p" },
        json: { type: "boolean", default: false },
        config: { type: "string" },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const args = parsed.flags;
    if (args.plan === undefined) {
        return failed(1, `--plan is required\n${USAGE}\n`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(args.plan, "utf8"));
    } catch (e) {
        return failed(1, `error: cannot read the plan ${args.plan}: ${(e as Error).message}\n`);
    }
    const problems = planDocumentProblems(doc);
    if (problems.length > 0) {
        return failed(1, `error: ${args.plan} is not a plan document:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    }
    const plan = doc as PlanLike & Record<string, unknown>;
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
        return unexpected(e);
    }
}

if (require.main === module) {
    runMain(policyCli);
}
