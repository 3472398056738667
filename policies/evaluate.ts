/**
 * Runs the pack's policies without the Pulumi CLI, against an offline plan (`plan/engine.ts`) or a
 * saved `--json` plan: resource policies on every planned resource (type, inputs as props,
 * options with `protect`, provider, URN, name), stack policies on the whole set (parents,
 * dependencies and property dependencies linked). Arguments are built the way the CLI's analyzer
 * builds them, so one policy object serves both.
 *
 * Dependencies are what the CLI gives stack policies: every direct dependency the program's
 * register request carried, explicit and from inputs (pulumi/pulumi
 * `pkg/resource/deploy/step_generator.go`, `AnalyzeResources`: `Dependencies: v.Dependencies`;
 * pulumi-policy `sdk/nodejs/policy/server.ts`: `r.getDependenciesList()`). A document saved before
 * the plan recorded `dependencies` falls back to its explicit `dependsOn`.
 *
 * A component's props are what the CLI gives: its inputs to resource policies (`Analyze`,
 * `Properties: inputs`), its registered outputs, never its inputs, to stack policies (pulumi/pulumi
 * v3.248.0 `pkg/resource/deploy/step_generator.go` `AnalyzeResources`, `Properties: v.Outputs`, which
 * for a component are exactly what `registerOutputs` sent: step_executor.go
 * `executeRegisterResourceOutputs`). So a stack policy that reads a value a component takes but does
 * not register fails here as it would under the CLI.
 *
 * Differences from the CLI, on purpose and visible: a custom resource's props are the planned
 * inputs (the CLI's stack policies see outputs), to which stack policies get the two outputs they
 * match resources by when the inputs lack them: an AWS resource's `arn` and a Kubernetes object's
 * generated `metadata.name`, from the plan's (mocked) `arn` and `id`. Secret values show as
 * `"[secret]"`, which lets the secrets policy see them (see `policies/secrets.ts`).
 */
import type { PolicyPackConfig, PolicyProviderResource, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { SECRET_TEXT } from "../plan/values";
import { POLICIES } from "./all";
import { packConfigPath, readPackConfig, resolvePolicyConfig, type ResolvedPolicy } from "./config";
import { isKubernetesObjectType, rec, type LaunchpadPolicy, type Level } from "./lib";
import { copyData } from "./shared/data";

/** One resource as the offline plan records it (the `--json` shape; extra fields are ignored). */
export interface PlanResourceLike {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string | null;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** URNs of explicit `dependsOn`. @default [] */
    readonly dependsOn?: readonly string[];
    /** URNs of every direct dependency, explicit and from inputs. @default - `dependsOn` */
    readonly dependencies?: readonly string[];
    /** Per input, the URNs it was taken from. @default {} */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** False for a component. @default - not said (a hand-built fixture) */
    readonly custom?: boolean;
    /**
     * A component's registered outputs, which the CLI's stack policies see instead of its inputs;
     * null for a custom resource. @default - none: a document saved before the plan recorded them,
     * or a hand-built fixture, whose component shows its inputs
     */
    readonly registeredOutputs?: Readonly<Record<string, unknown>> | null;
    /** The (mocked) provider id. @default none */
    readonly id?: string | null;
    /** The (mocked) ARN. @default none */
    readonly arn?: string | null;
    /** @default false */
    readonly protect?: boolean;
    /** The provider's URN. @default none */
    readonly provider?: string | null;
    /** @default {} */
    readonly options?: {
        readonly ignoreChanges?: readonly string[];
        readonly deleteBeforeReplace?: boolean;
        readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    };
}

export interface PlanLike {
    readonly stack: string;
    readonly resources: readonly PlanResourceLike[];
}

export interface Violation {
    readonly policy: string;
    readonly level: Level;
    /** The resource in violation; the stack's URN when a stack policy names none. */
    readonly urn: string;
    readonly message: string;
}

/**
 * A policy's `notApplicable()`: thrown once per policy and resource it does not apply to (thousands
 * per plan) and always caught here, so it records no stack: capturing them took about a fifth of an
 * evaluation's time.
 */
class NotApplicable extends Error {
    constructor(reason?: string) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        super(reason);
        Error.stackTraceLimit = limit;
    }
}

/** `"5m"`, `"1h30m"`, `"90s"` as seconds (Pulumi's custom-timeout strings). */
function seconds(text: string | undefined): number {
    if (text === undefined) return 0;
    let total = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as "h" | "m" | "s"];
    return total;
}

function optionsOf(r: PlanResourceLike): PolicyResourceOptions {
    const t = r.options?.customTimeouts;
    return {
        protect: r.protect ?? false,
        ignoreChanges: [...(r.options?.ignoreChanges ?? [])],
        deleteBeforeReplace: r.options?.deleteBeforeReplace,
        aliases: [],
        customTimeouts: { createSeconds: seconds(t?.create), updateSeconds: seconds(t?.update), deleteSeconds: seconds(t?.delete) },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

/** The CLI's type test: the class's registered Pulumi type. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const t = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t === type;
}

// A copy per call, as the policy server deserializes the props afresh for every validation: a policy
// that mutates its props must not change what the next one sees. Plain data, so a plain copy (about
// a third of structuredClone's time on a plan's inputs).
const props = (r: PlanResourceLike): Record<string, unknown> => copyData(r.inputs) as Record<string, unknown>;

/**
 * Runs one resource policy on one resource and returns its messages, in order. `config` is the
 * policy's resolved config (schema defaults plus the stack's settings).
 */
export async function runResourcePolicy(policy: LaunchpadPolicy, resource: PlanResourceLike, config: Record<string, unknown> = {}, provider?: PolicyProviderResource): Promise<string[]> {
    if (!("validateResource" in policy) || policy.validateResource === undefined) return [];
    // As the policy server does before it builds any args (@pulumi/policy 1.21 server.js, "Fast check
    // to see if the policy isn't applicable"): one validation function made by validateResourceOfType
    // carries its class's type, and a resource of another type never reaches it.
    const only = Array.isArray(policy.validateResource) ? undefined : (policy.validateResource as { __pulumiType?: unknown }).__pulumiType;
    if (typeof only === "string" && only !== "" && only !== resource.type) return [];
    const messages: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        // Args of its own for each validation, props copied on first read: a validation that looks at
        // the type first (`validateResourceOfType`, `podSpecOfResource`) never copies the props of a
        // resource it does not apply to.
        let copy: Record<string, unknown> | undefined;
        const p = (): Record<string, unknown> => (copy ??= props(resource));
        const args: ResourceValidationArgs = {
            type: resource.type,
            get props() {
                return p();
            },
            urn: resource.urn,
            name: resource.name,
            opts: optionsOf(resource),
            ...(provider ? { provider } : {}),
            stackTags: new Map(),
            isType: (cls) => isTypeOf(resource.type, cls),
            asType: <T extends import("@pulumi/pulumi").Resource, A>(cls: new (name: string, args: A, ...rest: never[]) => T) =>
                (isTypeOf(resource.type, cls) ? p() : undefined) as never,
            getConfig: <T extends object>() => structuredClone(config) as T,
            notApplicable: (reason?: string): never => {
                throw new NotApplicable(reason);
            },
        };
        try {
            await validate(args, (message) => messages.push(message));
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    }
    return messages;
}

/**
 * A stack policy's props: a component's registered outputs when the plan recorded them; else the
 * inputs, plus the outputs the CLI would show that policies match resources by, when the inputs
 * lack them: `arn`, and a Kubernetes object's generated name (its id is `<namespace>/<name>` or `<name>`).
 */
function stackProps(r: PlanResourceLike): Record<string, unknown> {
    if (r.custom !== true && r.registeredOutputs !== undefined && r.registeredOutputs !== null) return copyData(r.registeredOutputs) as Record<string, unknown>;
    const p = props(r);
    if (typeof r.arn === "string" && p.arn === undefined) p.arn = r.arn;
    if (typeof r.id === "string" && isKubernetesObjectType(r.type)) {
        const metadata = rec(p.metadata);
        if (metadata.name === undefined) p.metadata = { ...metadata, name: r.id.split("/").pop() };
    }
    return p;
}

/** Builds the stack policies' view: every resource with its parent, dependencies and property dependencies linked. */
export function policyResources(resources: readonly PlanResourceLike[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = resources.map((r) => {
        const p = stackProps(r);
        const pr: PolicyResource = {
            type: r.type,
            props: p,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: (cls) => (isTypeOf(r.type, cls) ? p : undefined) as never,
        };
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) out[i].parent = parent;
        const linked = (urns: readonly string[]) => urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
        out[i].dependencies = linked(r.dependencies ?? r.dependsOn ?? []);
        out[i].propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, linked(urns)]));
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        if (provider) out[i].provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
    });
    return out;
}

/** Runs one stack policy on a set of resources; returns `[message, urn?]` pairs in order. */
export async function runStackPolicy(policy: LaunchpadPolicy, resources: readonly PlanResourceLike[] | PolicyResource[], config: Record<string, unknown> = {}): Promise<{ message: string; urn?: string }[]> {
    if (!("validateStack" in policy)) return [];
    const list = resources.length > 0 && "dependencies" in resources[0] ? (resources as PolicyResource[]) : policyResources(resources as readonly PlanResourceLike[]);
    const out: { message: string; urn?: string }[] = [];
    const args: StackValidationArgs = {
        resources: list,
        stackTags: new Map(),
        getConfig: <T extends object>() => structuredClone(config) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    try {
        await policy.validateStack(args, (message, urn) => out.push(urn === undefined ? { message } : { message, urn }));
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
    }
    return out;
}

/** The config the evaluator adds for every policy that declares it: how the plan shows secrets. */
function withPlanFacts(config: Record<string, unknown>, policy: LaunchpadPolicy): Record<string, unknown> {
    const declared = policy.configSchema?.properties ?? {};
    return "secretPlaceholder" in declared && config.secretPlaceholder === undefined ? { ...config, secretPlaceholder: SECRET_TEXT } : config;
}

/**
 * Every violation of the pack in `plan` under the stack's pack config: resource policies in pack
 * order per resource, then stack policies. Disabled policies do not run. Throws
 * `PolicyConfigError` when `packConfig` does not fit the policies' schemas.
 */
export async function evaluatePolicies(plan: PlanLike, packConfig: PolicyPackConfig, opts: { source?: string; policies?: readonly LaunchpadPolicy[] } = {}): Promise<Violation[]> {
    const policies = opts.policies ?? POLICIES;
    const resolved = resolvePolicyConfig(policies, packConfig, opts.source ?? `the ${plan.stack} policy config`);
    const active = policies
        .map((p) => ({ p, r: resolved.get(p.name) as ResolvedPolicy }))
        .filter((x): x is { p: LaunchpadPolicy; r: ResolvedPolicy & { level: Level } } => x.r.level !== "disabled");
    const stackUrn = plan.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? `urn:pulumi:${plan.stack}::unknown::pulumi:pulumi:Stack::unknown`;
    const linked = policyResources(plan.resources);
    const violations: Violation[] = [];
    for (const [i, resource] of plan.resources.entries()) {
        for (const { p, r } of active) {
            for (const message of await runResourcePolicy(p, resource, withPlanFacts(r.config, p), linked[i].provider)) {
                violations.push({ policy: p.name, level: r.level, urn: resource.urn, message });
            }
        }
    }
    for (const { p, r } of active) {
        for (const v of await runStackPolicy(p, linked, withPlanFacts(r.config, p))) {
            violations.push({ policy: p.name, level: r.level, urn: v.urn ?? stackUrn, message: v.message });
        }
    }
    return violations;
}

/**
 * Evaluates `plan` under its stack's committed pack config (`policies/config/<stack>.json`) or the
 * file at `configPath`. Throws `MissingPolicyConfigError` or `PolicyConfigError`.
 */
export async function evaluatePlan(plan: PlanLike, configPath: string = packConfigPath(plan.stack)): Promise<Violation[]> {
    return evaluatePolicies(plan, readPackConfig(configPath), { source: configPath });
}

/** The exit code of a plan with these violations: 3 when any is mandatory. */
export const POLICY_EXIT_CODE = 3;

/** True when any violation blocks: the CLIs exit 3. */
export function hasMandatory(violations: readonly Violation[]): boolean {
    return violations.some((v) => v.level === "mandatory");
}

/** The human report: a count line, then each violation, mandatory first. */
export function renderViolations(violations: readonly Violation[]): string {
    const mandatory = violations.filter((v) => v.level === "mandatory");
    const advisory = violations.filter((v) => v.level === "advisory");
    const lines = [`Policies: ${violations.length} violation${violations.length === 1 ? "" : "s"} (${mandatory.length} mandatory, ${advisory.length} advisory)`];
    for (const v of [...mandatory, ...advisory]) {
        lines.push(`  [${v.level}] ${v.policy}  ${v.urn}`, `      ${v.message}`);
    }
    return `${lines.join("\n")}\n`;
}
