/**
 * The load verdict in promotion: staging reports a release load-verified when its load gate Job
 * (`performance.loadGate`) completed there, as the stack's state records it,
 * and production's rule, with `launchpad:promotion.requireLoad`, admits by staging's verification
 * only such releases. Rule table on `admit`, then end to end through the offline plans.
 */
import { describe, expect, it } from "vitest";
import { gateRunId, loadGateId, releaseId } from "../components/blue-green-service";
import { admit, type VerifiedReleases } from "../components/promotion";
import { ConfigError, parseConfig } from "../config";
import { ANNOTATIONS, PROMOTION } from "../lib/delivery";
import { deployedConfig } from "./support/deployed";
import { evaluatePlan } from "../policies/evaluate";
import { bundleLoadtestRunner } from "../loadtest/bundle";
import type { RunSpec } from "../loadtest/main";
import { named, ofType, planStack } from "./support/plan";

const IMAGE = "ghcr.io/launchpad-test/api:1.4.2"; // production's live image under deployedConfig
const verified = (load: boolean): VerifiedReleases => ({ api: [{ color: "blue", image: IMAGE, releaseId: "r0", ...(load ? { load: "pass" as const } : {}) }] });
const history = { api: [{ color: "blue" as const, image: IMAGE, releaseId: "r0", time: "2026-11-01T10:00:00.000Z" }] };

describe("the promotion rule table with the load verdict", () => {
    const { values, secretKeys } = deployedConfig("production");
    const services = parseConfig({ project: "launchpad", stack: "production", values, secretKeys, env: { GRAFANA_AUTH: "x" } }).services;

    it.each([
        { name: "load not required: smoke verification admits", v: verified(false), h: {}, allow: false, requireLoad: false, rule: PROMOTION.verified },
        { name: "load required and passed in staging: admitted", v: verified(true), h: {}, allow: false, requireLoad: true, rule: PROMOTION.verified },
        { name: "load required, never passed load in staging: refused", v: verified(false), h: {}, allow: false, requireLoad: true, rule: undefined },
        { name: "load required, staging unreachable: refused", v: undefined, h: {}, allow: false, requireLoad: true, rule: undefined },
        { name: "load required, never passed, but production ran it before (a rollback): history admits", v: verified(false), h: history, allow: false, requireLoad: true, rule: PROMOTION.history },
        { name: "load required, never passed, break glass on", v: verified(false), h: {}, allow: true, requireLoad: true, rule: PROMOTION.unverifiedAllowed },
    ])("$name", ({ v, h, allow, requireLoad, rule }) => {
        expect(admit(services, v, h, allow, requireLoad).map((a) => [a.service, a.rule])).toEqual([["api", rule]]);
    });
});

describe("end to end: staging's load gate and production's requireLoad", () => {
    const LOAD_GATE = 'launchpad:services.api.performance={"loadGate":true}';

    it("staging with the load gate marks each release whose load Job completed (the mocks complete every Job, as pulumi-kubernetes returns one only then)", async () => {
        const staging = await planStack("staging", [LOAD_GATE]);
        const api = (staging.outputs.verifiedReleases as unknown as VerifiedReleases).api;
        expect(api.map((r) => [r.color, r.image, r.load])).toEqual([["blue", "ghcr.io/acme/api:1.4.2", "pass"], ["green", "ghcr.io/acme/api:1.5.0", "pass"]]);
        const off = await planStack("staging");
        expect((off.outputs.verifiedReleases as unknown as VerifiedReleases).api.map((r) => r.load)).toEqual([undefined, undefined]);
    });

    it("per color: a ConfigMap with the runner and the load scenario's spec, and a Job after the smoke gate, waited for as long as its deadline; every policy passes", async () => {
        const staging = await planStack("staging", [LOAD_GATE]);
        const jobs = ofType(staging, "kubernetes:batch/v1:Job").filter((j) => j.name.endsWith("-load"));
        expect(jobs.map((j) => j.name)).toEqual(["launchpad-staging-api-blue-load", "launchpad-staging-api-green-load"]);
        for (const [color, job] of [["blue", jobs[0]], ["green", jobs[1]]] as const) {
            const meta = job.inputs.metadata as { name: string; annotations: Record<string, string> };
            expect(meta.name).toMatch(new RegExp(`^api-${color}-load-[0-9a-f]{10}$`));
            expect(meta.annotations["pulumi.com/replaceUnready"]).toBe("true");
            expect(job.dependsOn).toContain(named(staging, `launchpad-staging-api-${color}-gate`).urn);
            expect(job.dependsOn).toContain(named(staging, `launchpad-staging-api-${color}-load-spec`).urn);
            const spec = job.inputs.spec as { backoffLimit: number; activeDeadlineSeconds: number; ttlSecondsAfterFinished?: number };
            // The default load scenario: 15 minutes of stages, a 10 s request timeout, five minutes to start and report.
            // The Job's deadline is twice that: a run a drain takes away late still gets a whole rerun (lib/workload.ts retriedRunDeadlines).
            expect([spec.backoffLimit, spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished]).toEqual([0, 2 * (15 * 60 + 10 + 300), undefined]);
            // pulumi-kubernetes waits 10 minutes for a Job unless told otherwise (provider/pkg/await/job.go): the deadline plus two minutes.
            expect(job.options.customTimeouts).toEqual({ create: `${2 * (15 * 60 + 10 + 300) + 120}s`, update: `${2 * (15 * 60 + 10 + 300) + 120}s` });
            const cm = named(staging, `launchpad-staging-api-${color}-load-spec`);
            // Its Prometheus URL waits for the stack's AMP scraper, whose create waits until it is ACTIVE
            // (terraform-provider-aws internal/service/amp/scraper.go waitScraperCreated): a first up's
            // load gate run before then found no series of its pods and failed (loadtest/server.ts).
            expect(cm.dependencies).toContain(named(staging, "launchpad-staging-observability-scraper").urn);
            const data = cm.inputs.data as Record<string, string>;
            expect((cm.inputs.metadata as { name: string }).name).toBe(meta.name);
            expect(data["runner.cjs"]).toBe(bundleLoadtestRunner());
            const run = JSON.parse(data["spec.json"]) as RunSpec;
            expect([run.target, run.image, run.scenario.name]).toEqual([`http://api-${color}.launchpad-staging.svc.cluster.local:80`, color === "blue" ? "ghcr.io/acme/api:1.4.2" : "ghcr.io/acme/api:1.5.0", "load"]);
            expect(run.pushgateway).toMatch(/^http:\/\/.+\.launchpad-staging\.svc\.cluster\.local:9091$/);
        }
        expect(await evaluatePlan(staging)).toEqual([]);
    });

    it("a new database connection (a restore) replaces the load gate Job as it does the smoke gate's: both templates carry the connection's digest", async () => {
        // A Job's .spec.template is force-new (pulumi-kubernetes provider/pkg/provider/diff.go `job`): a new digest runs the load again.
        const RESTORE = 'launchpad:database.restore={sourceInstance: launchpad-staging-db, time: "2026-11-01T10:00:00Z"}';
        const digest = (plan: Awaited<ReturnType<typeof planStack>>, name: string): unknown =>
            (named(plan, name).inputs.spec as { template: { metadata: { annotations: Record<string, unknown> } } }).template.metadata.annotations[ANNOTATIONS.databaseConnection];
        const before = await planStack("staging", [LOAD_GATE]);
        const restored = await planStack("staging", [LOAD_GATE, RESTORE]);
        for (const color of ["blue", "green"] as const) {
            const [load, gate] = [`launchpad-staging-api-${color}-load`, `launchpad-staging-api-${color}-gate`];
            expect(digest(before, load)).toMatch(/^[0-9a-f]{10}$/);
            expect(digest(before, load)).toBe(digest(before, gate));
            expect(digest(restored, load)).toBe(digest(restored, gate));
            expect(digest(restored, load)).not.toBe(digest(before, load));
        }
    });

    it("the load gate's id follows the release, the pods and the load scenario: each change is a new run", () => {
        const { values, secretKeys } = deployedConfig("staging");
        const api = (sets: Record<string, unknown>) => parseConfig({ project: "launchpad", stack: "staging", values: { ...values, ...sets }, secretKeys, env: { GRAFANA_AUTH: "x" } }).services[0];
        const services = values["launchpad:services"] as Record<string, Record<string, unknown>>;
        const withPerf = (performance: unknown, more: Record<string, unknown> = {}) => api({ "launchpad:services": { ...services, api: { ...services.api, ...more, performance } } });
        const base = withPerf({ loadGate: true });
        const faster = withPerf({ loadGate: true, scenarios: { load: { thinkTimeMs: 500 } } });
        const bigger = withPerf({ loadGate: true }, { resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } } });
        const ctx = { project: "launchpad", zoneSpread: "ScheduleAnyway" } as const;
        expect(loadGateId(base, "blue", ctx)).toMatch(/^[0-9a-f]{10}$/);
        expect(loadGateId(base, "blue", ctx)).not.toBe(loadGateId(base, "green", ctx));
        expect(loadGateId(faster, "blue", ctx)).not.toBe(loadGateId(base, "blue", ctx));
        // The scenario is not part of the release: the smoke gate and the Deployment stay as they are.
        expect(releaseId(faster, "blue")).toBe(releaseId(base, "blue"));
        expect(gateRunId(faster, "blue", ctx)).toBe(gateRunId(base, "blue", ctx));
        // New resources are the same release on other pods: the load gate runs again on them.
        expect(releaseId(bigger, "blue")).toBe(releaseId(base, "blue"));
        expect(loadGateId(bigger, "blue", ctx)).not.toBe(loadGateId(base, "blue", ctx));
    });

    it("production with requireLoad makes live an image staging load-verified, and refuses one staging never ran the load gate for", async () => {
        const gated = await planStack("staging", [LOAD_GATE]);
        const ok = await planStack("production", ["launchpad:promotion.requireLoad=true", "launchpad:activeColor=green"], { stackOutputs: (name) => (name === "organization/launchpad/staging" ? gated.outputs : undefined) });
        expect(ok.log).toEqual([]);
        const ungated = await planStack("staging");
        const refusal = await planStack("production", ["launchpad:promotion.requireLoad=true", "launchpad:activeColor=green"], { stackOutputs: (name) => (name === "organization/launchpad/staging" ? ungated.outputs : undefined) }).then(() => undefined, (e: unknown) => e);
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as ConfigError).problems).toEqual([
            'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:1.5.0"; expected an image whose smoke gate and load scenario passed in stack "organization/launchpad/staging" ' +
            '(it verified no release of api), an image this stack made live before (this stack\'s release history has none), or launchpad:promotion.allowUnverified set to true',
        ]);
    });

    it("a load verdict cannot come from config: performance.loadPassed is no longer a key", () => {
        const { values, secretKeys } = deployedConfig("staging");
        const perf = { ...(values["launchpad:services"] as Record<string, unknown>) };
        expect(() => parseConfig({ project: "launchpad", stack: "staging", values: { ...values, "launchpad:services": { ...perf, api: { ...(perf.api as object), performance: { loadPassed: ["ghcr.io/acme/api:1.5.0"] } } } }, secretKeys, env: { GRAFANA_AUTH: "x" } })).toThrow(/loadPassed/);
    });
});
