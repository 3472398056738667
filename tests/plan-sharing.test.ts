/**
 * The suite's shared plans (plan/engine.ts sharePlans, turned on for every worker by
 * tests/support/share-plans.ts): identical requests get one frozen plan; anything whose answer can
 * change between two calls, or that a test plans twice on purpose, is planned each time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runPlan, sharedPlanKey, sharePlans, type PlanOptions } from "../plan/engine";

describe("shared plans", () => {
    afterEach(() => sharePlans(true));

    it("identical requests share one plan, frozen: a caller cannot change what the next one sees", async () => {
        const a = await runPlan({ stack: "staging" });
        const b = await runPlan({ stack: "staging", sets: [], secretSets: [] });
        expect(b).toBe(a);
        expect(Object.isFrozen(a.resources[0].inputs)).toBe(true);
        expect(() => (a.resources as unknown as unknown[]).push({})).toThrow(TypeError);
    });

    it("a failure is shared as well", async () => {
        const bad = { stack: "staging", sets: ["launchpad:nodeGroup.maxSize=0"] };
        const first = await runPlan(bad).catch((e: unknown) => e);
        expect(first).toBeInstanceOf(Error);
        expect(await runPlan(bad).catch((e: unknown) => e)).toBe(first);
    });

    it("off, every request is planned afresh, to the same plan; back on, the plans kept are shared again", async () => {
        const a = await runPlan({ stack: "staging" });
        sharePlans(false);
        const fresh = await runPlan({ stack: "staging" });
        expect(fresh).not.toBe(a);
        expect(fresh).toEqual(a);
        sharePlans(true);
        expect(await runPlan({ stack: "staging" })).toBe(a);
    });

    const program = (): void => undefined;
    it.each<[string, Partial<PlanOptions>]>([
        ["a program of its own", { program }],
        ["another repository root", { root: "/tmp/elsewhere" }],
        ["previous outputs (a re-run is planned again on purpose)", { previousOutputs: {} }],
        ["a reference cache (its reads and writes are the point)", { referenceCache: { read: () => undefined, write: () => undefined } }],
        ["looked-up stack outputs", { stackOutputs: () => undefined }],
        ["recorded untargeted state", { untargeted: () => undefined }],
    ])("%s: never shared", (_, extra) => {
        expect(sharedPlanKey({ stack: "staging", ...extra })).toBeUndefined();
    });

    it("the key tells apart the stack, each set, each secret set, a preview and the run's day", () => {
        const base = sharedPlanKey({ stack: "staging" });
        expect(sharedPlanKey({ stack: "staging", sets: [], secretSets: [] })).toBe(base);
        const others = [
            sharedPlanKey({ stack: "production" }),
            sharedPlanKey({ stack: "staging", sets: ["launchpad:nodeGroup.maxSize=8"] }),
            sharedPlanKey({ stack: "staging", secretSets: ["launchpad:nodeGroup.maxSize=8"] }),
            sharedPlanKey({ stack: "staging", preview: true }),
        ];
        const day = process.env.LAUNCHPAD_TODAY;
        process.env.LAUNCHPAD_TODAY = "2026-12-03";
        try {
            others.push(sharedPlanKey({ stack: "staging" }));
        } finally {
            process.env.LAUNCHPAD_TODAY = day;
        }
        expect(new Set([base, ...others]).size).toBe(6);
    });
});
