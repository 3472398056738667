/**
 * The `pulumi up` that fails midway, and the one after it, under the offline engine: a resource's
 * create fails as its provider fails it, and the plan says what the program got to register and
 * which stack outputs it sent. What is Launchpad's here is the graph (what waits for what) and the
 * records (the schema record and the release history are stack outputs); what is the engine's and
 * the providers' is cited per case:
 *
 * - pulumi-kubernetes fails a Job's create on its `Failed` condition (provider/pkg/await/job.go
 *   `jobInitAwaiter`, checker/job/check.go `jobComplete`: BackoffLimitExceeded, DeadlineExceeded)
 *   and a Deployment's on its rollout (provider/pkg/await/deployment.go), returning the object as a
 *   partial failure (provider.go `Create`: "successfully created, but ... failed to fully
 *   initialize"), which the engine keeps with `initErrors` (pkg/resource/deploy/step.go).
 * - The engine then starts no new step and reports the failure to the program; the Node SDK rejects
 *   the resource's URN and outputs, so a resource that `dependsOn` it is never registered. The
 *   Stack's outputs are resolved all together (sdk/nodejs/runtime/stack.ts `Stack.initialize`,
 *   `massage`): one rejected output, and the SDK registers none (an empty map, from its `finally`),
 *   or never gets there while a dependent waits. Either way the stack keeps the outputs of its last
 *   completed update: the root Stack's same step keeps its old outputs (pkg/resource/deploy/step.go
 *   `SameStep.Apply`), and after an errored deployment the engine lays the outputs it received over
 *   the old ones (step_executor.go `executeRegisterResourceOutputs`, `finalizingStackOutputs && errored`).
 * - The next `pulumi up` reads those outputs again (the record the failed run was checked
 *   against), and each failed Job is replaced and runs again: `pulumi.com/replaceUnready` makes
 *   pulumi-kubernetes' Diff replace a Job whose live object is not Ready, delete-first since the
 *   name stays (provider.go `Diff`: `deleteBeforeReplace` when the new name equals the old).
 */
import { describe, expect, it } from "vitest";
import { PlanError, runPlan, type PlanOptions } from "../plan/engine";
import { named } from "./support/plan";
import { EXPAND, PREVIOUS } from "./support/expand-migration";

// Production, blue live on 1.4.2 (runs 3 and 4); green's new release migrates to 4.
const PREFIX = "launchpad-production-api";

/** The failed plan's partial result; fails the test if the plan did not fail. */
async function failedPlan(opts: PlanOptions): Promise<{ errors: readonly string[]; registered: readonly string[]; stackOutputs: Record<string, unknown> | undefined }> {
    const e = await runPlan(opts).then(() => new Error("the plan succeeded"), (x: unknown) => x);
    if (!(e instanceof PlanError) || e.partial === undefined) throw e;
    return { errors: e.errors, ...e.partial };
}

const failing = (name: string, error: string): PlanOptions["failedCreates"] => (_type, n) => (n === name ? error : undefined);

describe("an update whose production migration fails (green migrates 3 -> 4 while blue serves)", () => {
    const JOB_FAILED = "resource was successfully created, but the Kubernetes API server reported that it failed to fully initialize or become live: [BackoffLimitExceeded] Job has reached the specified backoff limit";

    /** The stack outputs the failed update sent: none, or an empty map, so nothing replaces the previous ones. */
    const sent = (outputs: Record<string, unknown> | undefined): string[] => Object.keys(outputs ?? {});

    it.each([
        { what: "the migration Job fails: the restore point was taken; green's Deployment and gate never register (its pods keep the old release, no gate runs)", fails: `${PREFIX}-green-migrate`, reached: [`${PREFIX}-green-restore-point`, `${PREFIX}-green-migrate`], never: [`${PREFIX}-green`, `${PREFIX}-green-gate`] },
        { what: "the restore point fails (its snapshot past the create timeout): the migration Job never registers, so nothing migrates", fails: `${PREFIX}-green-restore-point`, reached: [`${PREFIX}-green-restore-point`], never: [`${PREFIX}-green-migrate`, `${PREFIX}-green`, `${PREFIX}-green-gate`] },
        { what: "green's rollout fails after the migration: its gate never registers", fails: `${PREFIX}-green`, reached: [`${PREFIX}-green-migrate`, `${PREFIX}-green`], never: [`${PREFIX}-green-gate`] },
    ])("$what; blue and the live Service are untouched, and the stack's outputs stay the previous update's", async ({ fails, reached, never }) => {
        const r = await failedPlan({ stack: "production", sets: EXPAND, previousOutputs: PREVIOUS, failedCreates: failing(fails, JOB_FAILED) });
        expect(r.errors.some((e) => e.includes(JOB_FAILED))).toBe(true);
        for (const name of [...reached, `${PREFIX}-blue`, `${PREFIX}-blue-gate`, `${PREFIX}-live`]) expect(r.registered).toContain(name);
        for (const name of never) expect(r.registered).not.toContain(name);
        // Neither the schema record nor the release history moves: the next update reads the old ones.
        expect(sent(r.stackOutputs)).toEqual([]);
    });

    it("the retry with the same config reads the same record and plans the same migration, Job and restore point", async () => {
        await failedPlan({ stack: "production", sets: EXPAND, previousOutputs: PREVIOUS, failedCreates: failing(`${PREFIX}-green-migrate`, JOB_FAILED) });
        const retry = await runPlan({ stack: "production", sets: EXPAND, previousOutputs: PREVIOUS });
        expect(retry.log).toContain("info: schema api: version 3 -> 4 (releases.green migrates); restore point launchpad-production-db-pre-api-green-v3-to-v4 (point in time 2026-12-02T00:00:00Z)");
        const job = named(retry, `${PREFIX}-green-migrate`);
        // replaceUnready is what makes the retry run the failed Job again rather than wait on it.
        expect((job.inputs.metadata as { annotations: Record<string, string> }).annotations["pulumi.com/replaceUnready"]).toBe("true");
        expect((retry.outputs.schemaVersions as Record<string, { version: number }>).api.version).toBe(4);
    });
});

describe("an update whose smoke gate fails", () => {
    const GATE_FAILED = "resource was successfully created, but the Kubernetes API server reported that it failed to fully initialize or become live: [BackoffLimitExceeded] Job has reached the specified backoff limit";

    it("staging switching to blue in the same update: the live Service never registers, so traffic stays on green, and the release never enters the history", async () => {
        const r = await failedPlan({ stack: "staging", sets: ["launchpad:services.api.activeColor=blue"], failedCreates: failing("launchpad-staging-api-blue-gate", GATE_FAILED) });
        expect(r.registered).toContain("launchpad-staging-api-blue");
        expect(r.registered).not.toContain("launchpad-staging-api-live");
        expect(Object.keys(r.stackOutputs ?? {})).toEqual([]);
    });

    it("production, the idle color's gate: the live Service registers unchanged, and no verified release or history entry is written", async () => {
        const r = await failedPlan({ stack: "production", failedCreates: failing(`${PREFIX}-green-gate`, GATE_FAILED) });
        expect(r.registered).toContain(`${PREFIX}-live`);
        expect(Object.keys(r.stackOutputs ?? {})).toEqual([]);
    });
});
