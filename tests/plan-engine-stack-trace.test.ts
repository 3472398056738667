/**
 * plan/engine.ts `noStackTraces`: while a plan runs, the SDK's `Resource.stackTrace` (resource.js,
 * called once by every resource's constructor for its source position) answers `[]` without
 * capturing a stack. The SDK's own function, called at the same moment, gives the same `[]`: the
 * engine's `Error.prepareStackTrace` leaves no frames in `.stack` for it to parse. Outside a plan the
 * SDK's function is back, and finds frames again.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect, it } from "vitest";
import { runPlan } from "../plan/engine";

type StackTraceOf = (skip: number) => unknown[];
const holder = pulumi.Resource as unknown as { stackTrace: StackTraceOf };

it("answers [] during a plan, as the SDK's own Resource.stackTrace does then, and puts the SDK's back after", async () => {
    const sdk = holder.stackTrace;
    // Outside a plan the SDK's function finds this test's frames: the replacement skips real work.
    expect(sdk.call(pulumi.Resource, 0).length).toBeGreaterThan(0);
    const seen: { replaced?: boolean; light?: unknown[]; sdk?: unknown[] } = {};
    const plan = await runPlan({
        stack: "staging",
        program: () => {
            seen.replaced = holder.stackTrace !== sdk;
            seen.light = holder.stackTrace(4);
            seen.sdk = sdk.call(pulumi.Resource, 4);
            new pulumi.ComponentResource("launchpad:test:Probe", "probe");
        },
    });
    expect(seen).toEqual({ replaced: true, light: [], sdk: [] });
    expect(plan.resources.map((r) => r.type)).toContain("launchpad:test:Probe");
    expect(holder.stackTrace).toBe(sdk);
});
