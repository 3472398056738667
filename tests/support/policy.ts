/**
 * Policy tests build the validation arguments by hand (as pulumi-policy-aws's tests do): a fixture
 * resource in the plan's shape, run through the same code the offline evaluator uses, with the
 * policy's config resolved from its schema defaults plus the test's overrides.
 */
import { resolvePolicyConfig } from "../../policies/config";
import { runResourcePolicy, runStackPolicy, type PlanResourceLike } from "../../policies/evaluate";
import type { LaunchpadPolicy } from "../../policies/lib";

export const STACK = "production";
const PROJECT = "launchpad";

/** A planned resource with a URN in the plan's format. */
export function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<Omit<PlanResourceLike, "type" | "name" | "inputs">> = {}): PlanResourceLike {
    return { urn: `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`, type, name, inputs, dependsOn: [], protect: false, provider: null, parent: null, ...extra };
}

/** A policy's config: schema defaults, then `settings` (validated against the schema). */
export function configOf(policy: LaunchpadPolicy, settings: Record<string, unknown> = {}): Record<string, unknown> {
    const resolved = resolvePolicyConfig([policy], { [policy.name]: settings }, "test");
    return resolved.get(policy.name)?.config ?? {};
}

/** The messages a resource policy reports for one resource. */
export function violations(policy: LaunchpadPolicy, r: PlanResourceLike, settings: Record<string, unknown> = {}, providerRegion?: string): Promise<string[]> {
    const provider = providerRegion === undefined ? undefined : { type: "pulumi:providers:aws", props: { region: providerRegion }, urn: "urn:pulumi:production::launchpad::pulumi:providers:aws::aws", name: "aws" };
    return runResourcePolicy(policy, r, configOf(policy, settings), provider);
}

/** The messages (with the URN each names) a stack policy reports for a set of resources. */
export function stackViolations(policy: LaunchpadPolicy, resources: readonly PlanResourceLike[], settings: Record<string, unknown> = {}): Promise<{ message: string; urn?: string }[]> {
    return runStackPolicy(policy, resources, configOf(policy, settings));
}

/** A deep copy of `base` with `path` (dotted, numeric parts index arrays) set to `value`, or removed when undefined. */
export function withInput(base: PlanResourceLike, path: string, value: unknown): PlanResourceLike {
    const inputs = structuredClone(base.inputs) as Record<string, unknown>;
    const parts = path.split(".");
    let cur: Record<string, unknown> = inputs;
    for (const p of parts.slice(0, -1)) {
        cur[p] ??= {};
        cur = cur[p] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (value === undefined) delete cur[last];
    else cur[last] = value;
    return { ...base, inputs };
}
