/**
 * npm run plan -- --stack <staging|production> [--json] [--policy] [--changes] [--set <key>=<value> ...] [--set-secret <key>=<value> ...] [--previous-outputs <file.json>]
 *
 * `--set` overrides a value as plain text (`pulumi config set --path`); `--set-secret` as a secret
 * (`pulumi config set --secret --path`): the plan sees it as the CLI would, never its text.
 *
 * `--previous-outputs` gives the stack's last outputs (`pulumi stack output --json --show-secrets`),
 * which the program reads back through a reference to its own stack: the schema record. Without it
 * the plan is a first update, except that the support calendar, which cannot tell a kept version from
 * a chosen one without the record, warns instead of refusing (docs/operations.md).
 *
 * `--changes` also plans the stack file without the overrides and lists what the overrides change,
 * resource by resource: updated or replaced, by which provider rule (`plan/changes.ts`); a
 * replacement the engine refuses or that would lose data is a `warning:` line on stderr. In JSON,
 * the document's `changes`.
 *
 * `--policy` evaluates the policy pack on the plan (`policies/evaluate.ts`) under the stack's pack
 * config, `policies/config/<stack>.json`: violations follow the tree, or go in the JSON document as
 * `"policy": {"violations": [...]}`.
 *
 * The plan ends with "Set before the first deploy": the placeholders a real run refuses
 * (`config/placeholders.ts`), each with the command that replaces it; offline they are no error.
 *
 * Exit codes: 0 planned (and no mandatory violation); 3 a mandatory policy violation; 2 invalid
 * config, stack or policy pack (every problem on stderr, nothing on stdout); 1 anything else (bad
 * arguments, unknown stack, a promotion source stack with no stack file, the program failed).
 */
import * as fs from "node:fs";
import { ConfigError } from "../config";
import * as path from "node:path";
import { changeWarnings, planChanges, renderChanges, secretOverrideWarnings } from "../plan/changes";
import { runPlan, PlanError, REPO_ROOT, type ReferenceCache } from "../plan/engine";
import { bundleProgramId, fileReferenceCache } from "../plan/reference-cache";
import { renderJson, renderTree } from "../plan/render";
import { PlanInputError } from "../plan/stack-config";
import { failed, parseStackConfigFlags, runMain, unexpected, type CliResult } from "./cli";
import { MissingPolicyConfigError, PolicyConfigError } from "../policies/config";

const USAGE = "usage: npm run plan -- --stack <staging|production> [--json] [--policy] [--changes] [--set <key>=<value> ...] [--set-secret <key>=<value> ...] [--previous-outputs <file.json>]";

export type { CliResult };

/**
 * The whole command as a function of its arguments, so tests run it in-process too. `referenceCache`
 * keeps plain plans' outputs between runs (the precompiled CLI's own, below).
 */
export async function planCli(argv: readonly string[], referenceCache?: ReferenceCache): Promise<CliResult> {
    const parsed = parseStackConfigFlags(argv, {
        json: { type: "boolean", default: false },
        policy: { type: "boolean", default: false },
        changes: { type: "boolean", default: false },
        "set-secret": { type: "string", multiple: true, default: [] },
        "previous-outputs": { type: "string" },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const { stack, sets, flags: args } = parsed.args;
    try {
        const previousOutputs = args["previous-outputs"] !== undefined ? readPreviousOutputs(args["previous-outputs"]) : undefined;
        const plan = await runPlan({ stack, sets, secretSets: args["set-secret"], previousOutputs, referenceCache });
        const changes = args.changes ? planChanges(await runPlan({ stack, previousOutputs, referenceCache }), plan) : undefined;
        const notes = `${plan.log.length > 0 ? `${plan.log.join("\n")}\n` : ""}${changes !== undefined ? `${changeWarnings(changes)}${secretOverrideWarnings(args["set-secret"], plan.project)}` : ""}`;
        const tree = changes !== undefined ? `${renderTree(plan)}\n${renderChanges(changes)}` : renderTree(plan);
        const extra = changes !== undefined ? { changes } : {};
        if (!args.policy) {
            return { code: 0, stdout: args.json ? renderJson(plan, extra) : tree, stderr: notes };
        }
        // Loaded only for --policy: @pulumi/policy and the pack add to every plain plan's start-up.
        const { evaluatePlan, hasMandatory, POLICY_EXIT_CODE, renderViolations } = await import("../policies/evaluate");
        const violations = await evaluatePlan(plan);
        const code = hasMandatory(violations) ? POLICY_EXIT_CODE : 0;
        const stdout = args.json ? renderJson(plan, { ...extra, policy: { violations } }) : `${tree}\n${renderViolations(violations)}`;
        return { code, stdout, stderr: notes };
    } catch (e) {
        if (e instanceof ConfigError || e instanceof PolicyConfigError) {
            return failed(2, `${e.message}\n`);
        }
        if (e instanceof PlanInputError || e instanceof PlanError || e instanceof MissingPolicyConfigError) {
            return failed(1, `error: ${e.message}\n`);
        }
        return unexpected(e);
    }
}

/** `pulumi stack output --json --show-secrets` of the stack's last update: what its self-reference reads (the schema record). */
function readPreviousOutputs(file: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PlanInputError(`--previous-outputs ${file}: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new PlanInputError(`--previous-outputs ${file}: expected a JSON object of stack outputs (pulumi stack output --json)`);
    }
    return parsed as Record<string, unknown>;
}

/** Defined by scripts/compiled.cjs in the bundle it builds: this code then runs as one precompiled program. */
declare const __LAUNCHPAD_BUNDLE__: boolean | undefined;

/**
 * The precompiled CLI keeps plain plans' outputs beside its bundle: production's plan reads
 * staging's from the last staging plan of the same program, config and day instead of planning
 * staging again. Only there is the program one file whose bytes identify it.
 */
function bundledReferenceCache(): ReferenceCache | undefined {
    const bundle = require.main?.filename;
    if (typeof __LAUNCHPAD_BUNDLE__ !== "boolean" || bundle === undefined) {
        return undefined;
    }
    const programId = bundleProgramId(bundle, REPO_ROOT);
    return programId === undefined ? undefined : fileReferenceCache(path.join(path.dirname(bundle), "references"), programId);
}

if (require.main === module) {
    runMain((argv) => planCli(argv, bundledReferenceCache()));
}
