/**
 * npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]
 *
 * Switches the live color through the Pulumi Automation API: sets `launchpad:activeColor` (or the
 * one service's `activeColor`), then runs an update with the policy pack, targeted at exactly what a
 * switch changes: the live Service(s) (the selector) and, where `idleReplicas` differs from
 * `replicas`, both colors' HorizontalPodAutoscalers (`minReplicas` follows the active color).
 *
 * Before any config changes it checks, from the stack's state, that the target color's gate Job for
 * the release it runs now succeeded; a refusal names what failed and the fix. `--dry-run` prints the
 * switch and the targeted list and changes nothing.
 *
 * Exit codes: 0 switched (or already live, or a dry run); 2 bad arguments, a name the stack does not
 * have, or config the update would refuse (a placeholder or an unset required secret:
 * config/placeholders.ts); 1 a precondition failed (nothing changed) or the update failed (the config
 * already names the new color: run `pulumi up` again, or roll back).
 */
import { ConfigError, parseConfig, type ServiceConfig } from "../config";
import { OBJECT_KEYS } from "../config/schema";
import * as fs from "node:fs";
import * as path from "node:path";
import { releaseId } from "../components/blue-green-service";
import { ANNOTATIONS, COLORS, ROLE_LABEL, ROLES, SELECTOR_LABELS, type Color } from "../lib/delivery";
import { REPO_ROOT } from "../plan/engine";
import { failed, parseFlags, runMain, type CliResult } from "./cli";

const USAGE = "usage: npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]";

/** The part of an Automation API `Stack` the rollback uses, so tests can hand in a fake. */
export interface RollbackStack {
    getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
    setConfig(key: string, value: { value: string; secret?: boolean }, path?: boolean): Promise<void>;
    removeConfig(key: string, path?: boolean): Promise<void>;
    exportStack(): Promise<{ deployment: { resources?: readonly StateResource[] } }>;
    up(opts: RollbackUpOptions): Promise<{ summary: { result: string } }>;
}

/** The subset of the Automation API's `UpOptions` a rollback passes (automation/stack.ts in pulumi/pulumi). */
export interface RollbackUpOptions {
    target: string[];
    targetDependents: boolean;
    /** The policy pack runs on the targeted update too: a rollback never skips it. */
    policyPacks: string[];
    policyPackConfigs: string[];
    onOutput: (out: string) => void;
}

interface StateMetadata {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
}

export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly inputs?: { readonly metadata?: StateMetadata };
    readonly outputs?: { readonly metadata?: StateMetadata; readonly status?: { readonly succeeded?: number; readonly failed?: number } };
}

export interface RollbackDeps {
    /** Selects the stack in the project at `workDir` (a `LocalWorkspace`). */
    selectStack(stackName: string, workDir: string): Promise<RollbackStack>;
    /** Where `pulumi up`'s own output goes. @default - discarded */
    onOutput?: (out: string) => void;
}


const PROJECT = "launchpad";

/**
 * The stack's services as the program resolves them, from the stack's own config, validated as the
 * real run the targeted update is: a placeholder or an unset required secret fails here, before any
 * config changes, with the command that fixes it (the update's program would refuse it anyway).
 */
async function servicesOf(stack: RollbackStack, stackName: string): Promise<readonly ServiceConfig[]> {
    const all = await stack.getAllConfig();
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [key, v] of Object.entries(all)) {
        const name = key.slice(key.indexOf(":") + 1);
        values[key] = key.startsWith("launchpad:") && OBJECT_KEYS.has(name) ? JSON.parse(v.value) : v.value;
        if (v.secret === true) {
            secretKeys.add(key);
        }
    }
    return parseConfig({ project: PROJECT, stack: stackName, values, secretKeys, env: { GRAFANA_AUTH: process.env.GRAFANA_AUTH } }).services;
}

/** URNs of the live Services of `names`, from the stack's state. */
export function liveServiceUrns(resources: readonly StateResource[], names: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        const labels = r.inputs?.metadata?.labels ?? {};
        if (r.type === "kubernetes:core/v1:Service" && labels[ROLE_LABEL] === ROLES.live && names.includes(labels[SELECTOR_LABELS.app])) {
            out.set(labels[SELECTOR_LABELS.app], r.urn);
        }
    }
    return out;
}

const other = (c: Color): Color => (c === "blue" ? "green" : "blue");

const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const JOB_TYPE = "kubernetes:batch/v1:Job";

const labelsOf = (r: StateResource): Readonly<Record<string, string>> => r.inputs?.metadata?.labels ?? {};

/**
 * URNs of the colors' HorizontalPodAutoscalers whose `minReplicas` a switch changes: both colors of
 * each moving service whose `idleReplicas` differs from `replicas`, none otherwise.
 */
export function hpaUrns(resources: readonly StateResource[], moving: readonly ServiceConfig[]): string[] {
    const resized = new Set(moving.filter((s) => s.idleReplicas !== s.replicas).map((s) => s.name));
    return resources.filter((r) => r.type === HPA_TYPE && resized.has(labelsOf(r)[SELECTOR_LABELS.app])).map((r) => r.urn);
}

/**
 * Why the target color cannot take traffic, from the stack's state: its gate Job for the release it
 * runs now (the release id in the Job's annotation) is missing or has not succeeded. Undefined: fine.
 */
export function gateProblem(resources: readonly StateResource[], service: ServiceConfig, target: Color, stackName: string): string | undefined {
    const id = releaseId(service, target);
    const jobs = resources.filter((r) => r.type === JOB_TYPE && labelsOf(r)[SELECTOR_LABELS.app] === service.name && labelsOf(r)[SELECTOR_LABELS.color] === target && labelsOf(r)[ROLE_LABEL] === ROLES.gate);
    const job = jobs.find((r) => r.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId] === id);
    const fix = `run \`pulumi up --stack ${stackName}\` so the gate tests ${service.name}'s ${target} release (${JSON.stringify(service.releases[target].image)}), or roll back to a color whose gate passed`;
    if (job === undefined) {
        const seen = jobs.map((r) => r.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId]).filter((x) => x !== undefined);
        return `${service.name}: no gate Job of the ${target} color for its release ${id} in the stack's state` +
            `${seen.length > 0 ? ` (the state has release ${seen.join(", ")})` : ""}: ${fix}`;
    }
    const succeeded = job.outputs?.status?.succeeded ?? 0;
    return succeeded >= 1 ? undefined : `${service.name}: the ${target} color's gate Job for release ${id} has not succeeded (status.succeeded ${succeeded}, status.failed ${job.outputs?.status?.failed ?? 0}): ${fix}`;
}

/** The policy pack and this stack's pack config, as the deploy workflow passes them. */
export function policyOptions(root: string, stackName: string): Pick<RollbackUpOptions, "policyPacks" | "policyPackConfigs"> {
    const config = path.join(root, "policies", "config", `${stackName}.json`);
    return { policyPacks: [path.join(root, "policies")], policyPackConfigs: fs.existsSync(config) ? [config] : [] };
}

export async function rollback(argv: readonly string[], deps: RollbackDeps): Promise<CliResult> {
    const parsed = parseFlags(argv, { stack: { type: "string" }, service: { type: "string" }, to: { type: "string" }, "dry-run": { type: "boolean" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const args = parsed.flags;
    if (args.stack === undefined) {
        return failed(2, `--stack is required\n${USAGE}\n`);
    }
    if (args.to !== undefined && !(COLORS as readonly string[]).includes(args.to)) {
        return failed(2, `--to: received ${JSON.stringify(args.to)}; expected one of "blue", "green"\n`);
    }
    const to = args.to as Color | undefined;

    const stack = await deps.selectStack(args.stack, REPO_ROOT);
    let services: readonly ServiceConfig[];
    try {
        services = await servicesOf(stack, args.stack);
    } catch (e) {
        if (e instanceof ConfigError) {
            return failed(2, `${e.message}\n`);
        }
        throw e;
    }
    const chosen = args.service === undefined ? services : services.filter((s) => s.name === args.service);
    if (chosen.length === 0) {
        return failed(2, `--service: received ${JSON.stringify(args.service)}; expected one of ${services.map((s) => JSON.stringify(s.name)).join(", ")}\n`);
    }
    const colors = new Set(chosen.map((s) => s.activeColor));
    if (to === undefined && colors.size > 1) {
        const now = chosen.map((s) => `${s.name}: ${s.activeColor}`).join(", ");
        return failed(2, `the services are live on different colors (${now}); name --service or --to\n`);
    }
    const target: Color = to ?? other(chosen[0].activeColor);
    const moving = chosen.filter((s) => s.activeColor !== target);
    if (moving.length === 0) {
        return { code: 0, stdout: `${chosen.map((s) => s.name).join(", ")}: already live on ${target}; nothing to do\n`, stderr: "" };
    }

    const state = await stack.exportStack();
    const resources = state.deployment.resources ?? [];
    const urns = liveServiceUrns(resources, moving.map((s) => s.name));
    const missing = moving.filter((s) => !urns.has(s.name)).map((s) => s.name);
    if (missing.length > 0) {
        return failed(1, `no live Service for ${missing.join(", ")} in stack ${args.stack}'s state: deploy it with pulumi up first\n`);
    }
    // Every precondition before any config is written: a refusal leaves the stack as it was.
    const problems = moving.map((s) => gateProblem(resources, s, target, args.stack as string)).filter((p): p is string => p !== undefined);
    if (problems.length > 0) {
        return failed(1, `refused before any change: the ${target} color cannot take traffic\n${problems.map((p) => `  - ${p}\n`).join("")}`);
    }
    const targets = [...urns.values(), ...hpaUrns(resources, moving)];
    const lines = moving.map((s) => `${s.name}: ${s.activeColor} -> ${target}`);
    if (args["dry-run"] === true) {
        return { code: 0, stdout: `${lines.join("\n")}\ndry run: nothing changed; the targeted update would be:\n${targets.map((u) => `  ${u}\n`).join("")}`, stderr: "" };
    }

    if (args.service !== undefined) {
        await stack.setConfig(`launchpad:services.${args.service}.activeColor`, { value: target }, true);
    } else {
        await stack.setConfig("launchpad:activeColor", { value: target });
        // Every service follows the stack-wide color again.
        for (const s of services) {
            await stack.removeConfig(`launchpad:services.${s.name}.activeColor`, true);
        }
    }
    try {
        const result = await stack.up({ target: targets, targetDependents: false, ...policyOptions(REPO_ROOT, args.stack), onOutput: deps.onOutput ?? (() => undefined) });
        if (result.summary.result !== "succeeded") {
            throw new Error(`the update ended with result "${result.summary.result}"`);
        }
    } catch (e) {
        return {
            code: 1,
            stdout: `${lines.join("\n")}\n`,
            stderr: `the targeted update of the live Service(s) failed: ${(e as Error).message}\nthe stack's config now names ${target}; run \`pulumi up --stack ${args.stack}\` again, or roll back to the previous color\n`,
        };
    }
    return {
        code: 0,
        stdout: `${lines.join("\n")}\nswitched, with the policy pack: ${targets.join(", ")}\n` +
            `commit Pulumi.${args.stack}.yaml: it now names the live color, and a deploy from an older copy would switch back\n`,
        stderr: "",
    };
}

if (require.main === module) {
    runMain(async (argv) => {
        // Loaded here only: the Automation API drives the Pulumi CLI, which tests never need.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return rollback(argv, {
            selectStack: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }),
            onOutput: (out) => process.stderr.write(out),
        });
    });
}
