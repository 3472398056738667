/**
 * The one test harness: every test that needs resources plans through the offline plan engine
 * (`plan/engine.ts`), the same code `npm run plan` runs. No test builds its own mocks.
 */
import { deepFreeze } from "../../lib/freeze";
import { runPlan, type Plan, type PlanOptions, type PlannedResource, type Program } from "../../plan/engine";

export type { Plan, PlannedResource };

const cache = new Map<string, Promise<Plan>>();

/** Shared plans are frozen: a test that mutated one would change what the next test (or file) sees. */
export const frozen = deepFreeze;

/**
 * Config sets that give the stack file's two cluster access principals (deploy, preview) in
 * `partition`: IAM roles of the commercial partition do not exist in another one, and config refuses them.
 */
export function accessPrincipalSets(stack: string, partition: string): string[] {
    return ["deploy", "preview"].map((role, i) => `launchpad:cluster.access[${i}].principalArn=arn:${partition}:iam::111122223333:role/launchpad-${stack}-${role}`);
}

/** Config sets that move a committed stack into AWS GovCloud (US): the region, its DR region, the access principals. */
export function govCloudSets(stack: string): string[] {
    return ["aws:region=us-gov-west-1", "launchpad:drRegion=us-gov-east-1", ...accessPrincipalSets(stack, "aws-us-gov")];
}

/** Plans a stack (with optional `--set` overrides); identical requests in one file share the result. */
export function planStack(stack: string, sets: readonly string[] = [], extra: Omit<PlanOptions, "stack" | "sets"> = {}): Promise<Plan> {
    if (extra.program !== undefined || extra.root !== undefined || extra.stackOutputs !== undefined || extra.previousOutputs !== undefined) {
        return runPlan({ stack, sets, ...extra });
    }
    const key = JSON.stringify([stack, sets, extra.secretSets ?? [], extra.preview ?? false]);
    let p = cache.get(key);
    if (p === undefined) {
        p = runPlan({ stack, sets, ...extra }).then(frozen);
        cache.set(key, p);
    }
    return p;
}

const programCache = new WeakMap<Program, Map<string, Promise<Plan>>>();

/**
 * Plans `program` (one component under test, say) with a stack's config and overrides; identical
 * requests share one plan, so a file's tests can each assert on the same plan.
 */
export function planProgram(program: Program, stack: string, sets: readonly string[] = []): Promise<Plan> {
    let plans = programCache.get(program);
    if (plans === undefined) {
        plans = new Map();
        programCache.set(program, plans);
    }
    const key = JSON.stringify([stack, sets]);
    let p = plans.get(key);
    if (p === undefined) {
        p = runPlan({ stack, sets, program }).then(frozen);
        plans.set(key, p);
    }
    return p;
}

/** Every resource of a type, in registration order. */
export function ofType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The one resource with this name; fails the test when there is none or several. */
export function named(plan: Plan, name: string): PlannedResource {
    const found = plan.resources.filter((r) => r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one resource named ${name}, found ${found.length}: ${plan.resources.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

/** The resource with this URN. */
export function byUrn(plan: Plan, urn: string): PlannedResource {
    const r = plan.resources.find((x) => x.urn === urn);
    if (r === undefined) {
        throw new Error(`no resource with URN ${urn}`);
    }
    return r;
}

/** A nested input by dotted path (`vpcConfig.subnetIds`). */
export function input(r: PlannedResource, path: string): unknown {
    let cur: unknown = r.inputs;
    for (const part of path.split(".")) {
        cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[part] : undefined;
    }
    return cur;
}

/** Counts by type, as a plain object for exact `toEqual` assertions. */
export function typeCounts(plan: Plan): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of plan.resources) {
        out[r.type] = (out[r.type] ?? 0) + 1;
    }
    return out;
}
