/**
 * What a rollback's targeted update records. The real engine recomputes every stack output from the
 * program, but hands the program, for each resource outside the targets, the state it recorded,
 * whatever config now declares (pulumi/pulumi pkg/resource/deploy/step_generator.go:
 * `isImplicitlyTargetedResource` (the root Stack) and `NewUntargetedSameStep` with the old state).
 * The checked-out config may be ahead of what ran (a merge whose deploy is waiting or failed): the
 * outputs a rollback writes (releaseHistory, verifiedReleases, schemaVersions) must name only what
 * the state shows ran. Planned with the plan engine's `untargeted` answers from the previous plan.
 */
import { describe, expect, it } from "vitest";
import { appliedPodShape, podShape, recordedPodShape, releaseId } from "../components/blue-green-service";
import { colorsAfter, type ServiceSchemaRecord } from "../components/migrations";
import { inPlaceRollWarnings, RELEASE_HISTORY_OUTPUT, stackPodDatabase, type ReleaseHistory } from "../components/release-history";
import { runPlan, type Plan } from "../plan/engine";
import { hpaUrns, liveServiceUrns, weightedIngressUrns } from "../scripts/rollback";
import type { StateResource } from "../scripts/state";
import { loadConfigFor } from "./support/config";
import { planStack } from "./support/plan";

const WEB = "launchpad:services.web";
/** Staging with a second service, web, live on green like api. */
const TWO_SERVICES = [
    `${WEB}={port: 8080, replicas: 2, expose: {type: ClusterIP}, releases: {blue: {image: "ghcr.io/acme/web:1.0.0"}, green: {image: "ghcr.io/acme/web:1.1.0"}}, smoke: {checks: [{path: /health/ready}]}}`,
];

const asState = (plan: Plan): StateResource[] => plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs, outputs: r.state }));

/**
 * `npm run rollback`'s targeted update of `moving` to `to`, planned from `before` (the last update's
 * plan: its outputs are the previous outputs, its resources the state) with config `sets`: the
 * targets are the rollback's own list (scripts/rollback.ts), every other resource keeps its state.
 */
async function targetedRollback(stack: string, before: Plan, sets: readonly string[], moving: readonly string[], to: "blue" | "green"): Promise<Plan> {
    const state = asState(before);
    const services = (await loadConfigFor(stack, sets)).services.filter((s) => moving.includes(s.name));
    const history = before.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
    const targets = new Set([...liveServiceUrns(state, moving).values(), ...weightedIngressUrns(state, moving), ...hpaUrns(state, services, to, history)]);
    return runPlan({
        stack,
        sets: [...sets, ...moving.map((m) => `launchpad:services.${m}.activeColor=${to}`)],
        previousOutputs: { ...before.outputs },
        untargeted: (type, name) => {
            const r = before.resources.find((x) => x.type === type && x.name === name);
            if (r === undefined) {
                // Not in the state and not targeted: a skipped create, no outputs (step.go NewSkippedCreateStep).
                return type.startsWith("pulumi:providers:") ? undefined : {};
            }
            return targets.has(r.urn) ? undefined : { ...r.state, ...(r.id !== null ? { id: r.id } : {}) };
        },
    });
}

describe("a targeted rollback records only what ran (staging: api and web, both live on green)", () => {
    // Merged but not deployed: web's idle blue gets 2.0.0, and a new smoke policy (allowed on the live
    // color: no new release id, only new gate Job names, blue-green-service.ts gateJobId).
    const AHEAD = [...TWO_SERVICES, `${WEB}.releases.blue.image=ghcr.io/acme/web:2.0.0`, `${WEB}.smoke.requests=50`];

    it("api rolls back to blue; web's releases the config has but the cluster never ran are neither verified nor recorded", async () => {
        const before = await planStack("staging", TWO_SERVICES);
        const web = (await loadConfigFor("staging", TWO_SERVICES)).services.find((s) => s.name === "web");
        const webAhead = (await loadConfigFor("staging", AHEAD)).services.find((s) => s.name === "web");
        if (web === undefined || webAhead === undefined) throw new Error("web is not in the config");
        const api = (await loadConfigFor("staging", TWO_SERVICES)).services[0];
        // The test's premise: the config ahead changes blue's release id, and green's gate run only (the policy).
        expect(releaseId(webAhead, "blue")).not.toBe(releaseId(web, "blue"));
        expect(releaseId(webAhead, "green")).toBe(releaseId(web, "green"));
        expect(webAhead.smoke).not.toEqual(web.smoke);

        const plan = await targetedRollback("staging", before, AHEAD, ["api"], "blue");
        // The switch itself: api's live Service selects blue.
        expect(plan.resources.find((r) => r.name === "launchpad-staging-api-live")?.inputs.spec).toMatchObject({ selector: { color: "blue" } });
        // web's gate Jobs in the state ran 1.0.0 and 1.1.0: those are what staging verified, not 2.0.0
        // (production's promotion rule reads this output).
        const verified = plan.outputs.verifiedReleases as Record<string, { color: string; image: string; releaseId: string }[]>;
        expect(verified.web).toEqual([
            { color: "blue", image: "ghcr.io/acme/web:1.0.0", releaseId: releaseId(web, "blue") },
            { color: "green", image: "ghcr.io/acme/web:1.1.0", releaseId: releaseId(web, "green") },
        ]);
        // api went live on blue (recorded); web's green Deployment still runs the release recorded before.
        const history = plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
        expect(history.web).toEqual((before.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).web);
        expect(history.web.map((e) => e.releaseId)).toEqual([releaseId(web, "green")]);
        expect(history.api.map((e) => [e.color, e.releaseId])).toEqual([["blue", releaseId(api, "blue")], ["green", releaseId(api, "green")]]);
    });
});

describe("a targeted rollback records the pod template the live Deployment runs, not config's (staging)", () => {
    // Merged, not deployed: a pod-only change (a new CPU request), which rolls whichever color is live.
    const AHEAD = ["launchpad:services.api.resources.requests.cpu=500m"];

    it("rolls back to blue with the change in config: blue's entry keeps the shape its Deployment was applied with, so the update that rolls it still warns", async () => {
        const before = await planStack("staging");
        const [was, ahead] = [(await loadConfigFor("staging")).services[0], (await loadConfigFor("staging", AHEAD)).services[0]];
        // The test's premise: the change is pod-only (same release) and changes blue's pod template.
        expect(releaseId(ahead, "blue")).toBe(releaseId(was, "blue"));
        expect(podShape(ahead, "blue").resources).not.toBe(podShape(was, "blue").resources);
        // The state's blue Deployment records its applied shape.
        const blue = before.resources.find((r) => r.name === "launchpad-staging-api-blue" && r.type === "kubernetes:apps/v1:Deployment");
        expect(recordedPodShape((blue?.state.metadata as { annotations?: Record<string, string> } | undefined)?.annotations)).toEqual(appliedPodShape(was, "blue", stackPodDatabase(await loadConfigFor("staging"))));

        const plan = await targetedRollback("staging", before, AHEAD, ["api"], "blue");
        const history = plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
        expect(history.api[0]).toMatchObject({ color: "blue", releaseId: releaseId(was, "blue"), pod: appliedPodShape(was, "blue", stackPodDatabase(await loadConfigFor("staging"))) });
        // The next full update, from that history, rolls blue's pods under live traffic: it says so.
        expect(inPlaceRollWarnings([{ ...ahead, activeColor: "blue" }], history)).toEqual([
            "service api: blue was live when this update started and its pods roll in place under live traffic, same release: the pod template's resources (launchpad:services.api.resources) changes. " +
            "No gate runs before live traffic reaches the new pods; only their readiness probe and the rollout (maxUnavailable 0) guard them. These settings are service-wide, so the idle color cannot take them first",
        ]);
    });
});

describe("a targeted rollback records no migration it did not run (production)", () => {
    const R = "launchpad:services.api.releases";
    // Deployed: blue (live) migrated the database to 3; green runs against 3 and 4.
    const RAN = [`${R}.blue.migrate={command: ["./migrate", "up"]}`, `${R}.blue.schema={version: 3, supports: [3, 4]}`, `${R}.green.schema={version: 3, supports: [3, 4]}`];
    // Merged, not deployed: blue's next migration, to 4 (allowed on the live color: same image and env).
    const AHEAD = [...RAN.slice(0, 1), `${R}.blue.schema={version: 4, supports: [3, 4]}`, RAN[2]];

    it("rolls back to green; the record stays at 3, blue's next migration unrecorded, blue's color as it ran", async () => {
        const before = await runPlan({ stack: "production", sets: RAN });
        type Record3 = { api: ServiceSchemaRecord };
        const was = before.outputs.schemaVersions as unknown as Record3;
        expect(was.api.version).toBe(3);
        const plan = await targetedRollback("production", before, AHEAD, ["api"], "green");
        expect(plan.resources.find((r) => r.name === "launchpad-production-api-live")?.inputs.spec).toMatchObject({ selector: { color: "green" } });
        const now = plan.outputs.schemaVersions as unknown as Record3;
        expect(now.api).toEqual(was.api);
        // Nor does the summary the runbook reads name a migration or a restore point of this update.
        expect(plan.outputs.schemaMigrations).toMatchObject({ api: { current: 3, target: 3, migration: null, restorePoint: null } });
    });
});

describe("colorsAfter: the schema record's colors after an update", () => {
    const api = async () => (await loadConfigFor("production", ["launchpad:services.api.releases.blue.schema={version: 3, supports: [3, 4]}"])).services[0];
    const old = (id: string): ServiceSchemaRecord => ({ version: 3, migrations: [], colors: { blue: { releaseId: id, image: "ghcr.io/acme/api:1.3.0", supports: [3, 3] }, green: { releaseId: id, image: "ghcr.io/acme/api:1.3.0", supports: [3, 3] } } });

    it("both Deployments run config's releases: config's", async () => {
        const s = await api();
        expect(colorsAfter(s, { blue: releaseId(s, "blue"), green: releaseId(s, "green") }, old("0ld0ld0ld0"))).toEqual({
            blue: { releaseId: releaseId(s, "blue"), image: s.releases.blue.image, supports: [3, 4] },
            green: { releaseId: releaseId(s, "green"), image: s.releases.green.image, supports: null },
        });
    });

    it("green's Deployment kept an older release (a targeted update): the record's green", async () => {
        const s = await api();
        expect(colorsAfter(s, { blue: releaseId(s, "blue"), green: "0ld0ld0ld0" }, old("0ld0ld0ld0"))).toEqual({
            blue: { releaseId: releaseId(s, "blue"), image: s.releases.blue.image, supports: [3, 4] },
            green: { releaseId: "0ld0ld0ld0", image: "ghcr.io/acme/api:1.3.0", supports: [3, 3] },
        });
    });

    it("green kept an older release the record does not know: no colors (the rule warns once)", async () => {
        const s = await api();
        expect(colorsAfter(s, { blue: releaseId(s, "blue"), green: "0ld0ld0ld0" }, undefined)).toBeUndefined();
    });
});
