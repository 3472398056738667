/**
 * The delivery config's contract: bad services, colors, images and smoke thresholds are refused by
 * `npm run plan` with exit code 2 and exact messages, and production makes live only what the
 * staging stack's gates verified (the StackReference answered by staging's own offline plan).
 */
import { describe, expect, it } from "vitest";
import { promotionSourceWarnings } from "../config/promotion";
import { runPlan } from "../plan/engine";
import { planCli, type CliResult } from "../scripts/plan";
import { named, ofType, planStack } from "./support/plan";
import { stagingConfig, tempProject } from "./support/project";

function plan(stack: string, ...sets: string[]): Promise<CliResult> {
    return planCli(["--stack", stack, ...sets.flatMap((s) => ["--set", s])]);
}

function refused(stack: string, ...problems: string[]): CliResult {
    const n = problems.length;
    return { code: 2, stdout: "", stderr: `Invalid configuration for stack "${stack}" (${n} problem${n === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}\n`).join("")}` };
}

const IMAGE = 'expected an image reference such as "ghcr.io/acme/api:1.4.2" or "ghcr.io/acme/api@sha256:<64 hex digits>"';
const SERVICES = "expected at least one service: a map of service name to its settings (port, releases, smoke, ...)";

describe("bad delivery config is refused with exit code 2 and an exact message", () => {
    it.each([
        { name: "an unknown stack-wide color", stack: "staging", sets: ["launchpad:activeColor=purple"], problem: 'launchpad:activeColor: received "purple"; expected one of "blue", "green"' },
        { name: "an unknown color for one service", stack: "staging", sets: ["launchpad:services.api.activeColor=red"], problem: 'launchpad:services.api.activeColor: received "red"; expected one of "blue", "green"' },
        { name: "a release without an image", stack: "staging", sets: ["launchpad:services.api.releases.green={env: {A: b}}"], problem: `launchpad:services.api.releases.green.image: received nothing (required); ${IMAGE}` },
        { name: "an image that is no reference", stack: "staging", sets: ["launchpad:services.api.releases.blue.image=Acme API"], problem: `launchpad:services.api.releases.blue.image: received "Acme API"; ${IMAGE}` },
        {
            name: "`latest` in production",
            stack: "production",
            sets: ["launchpad:services.api.releases.green.image=ghcr.io/acme/api:latest"],
            problem: 'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:latest"; expected a digest (@sha256:...) or a tag other than "latest" in a production stack: a mutable tag can change under a verified release',
        },
        {
            name: "an untagged image in production (it pulls latest)",
            stack: "production",
            sets: ["launchpad:services.api.releases.blue.image=ghcr.io/acme/api"],
            problem: 'launchpad:services.api.releases.blue.image: received "ghcr.io/acme/api"; expected a digest (@sha256:...) or a tag other than "latest" in a production stack: a mutable tag can change under a verified release',
        },
        { name: "empty services", stack: "staging", sets: ["launchpad:services={}"], problem: `launchpad:services: received {}; ${SERVICES}` },
        { name: "a service name that is no DNS label", stack: "staging", sets: ["launchpad:services.API_v2={releases: {blue: {image: a/b:1}, green: {image: a/b:2}}}"], problem: 'launchpad:services: received the key "API_v2"; expected a service name: a lower-case DNS label of at most 32 characters, starting with a letter' },
        { name: "an error-rate budget above 100%", stack: "staging", sets: ["launchpad:services.api.smoke.thresholds.errorRate=1.5"], problem: "launchpad:services.api.smoke.thresholds.errorRate: received 1.5; expected a number <= 1" },
        { name: "a zero error-rate budget (no release could pass)", stack: "staging", sets: ["launchpad:services.api.smoke.thresholds.errorRate=0"], problem: "launchpad:services.api.smoke.thresholds.errorRate: received 0; expected a number > 0" },
        { name: "a p95 of zero", stack: "staging", sets: ["launchpad:services.api.smoke.thresholds.p95Ms=0"], problem: "launchpad:services.api.smoke.thresholds.p95Ms: received 0; expected a number >= 1" },
        { name: "a p99 below the p95", stack: "staging", sets: ["launchpad:services.api.smoke.thresholds.p95Ms=250", "launchpad:services.api.smoke.thresholds.p99Ms=200"], problem: "launchpad:services.api.smoke.thresholds.p99Ms: received 200; expected a number >= p95Ms (250)" },
        { name: "a production p95 looser than the product's target", stack: "production", sets: ["launchpad:services.api.smoke.thresholds.p95Ms=250"], problem: "launchpad:services.api.smoke.thresholds.p95Ms: received 250; expected at most 200 in a production stack (the product's p95 target)" },
        { name: "a production error budget looser than the product's target", stack: "production", sets: ["launchpad:services.api.smoke.thresholds.errorRate=0.05"], problem: "launchpad:services.api.smoke.thresholds.errorRate: received 0.05; expected at most 0.01 in a production stack (the product's error-rate target)" },
        { name: "a load profile in production", stack: "production", sets: ["launchpad:services.api.smoke.load={users: 10, durationSeconds: 5}"], problem: 'launchpad:services.api.smoke.load: received {"users":10,"durationSeconds":5}; expected no load profile in a production stack: the candidate shares the production database' },
        { name: "one replica in production", stack: "production", sets: ["launchpad:services.api.replicas=1"], problem: "launchpad:services.api.replicas: received 1; expected at least 2 in a production stack: one pod cannot survive a node drain" },
        {
            name: "an idle color smaller than the live one in production (every rollback and promote would be refused)",
            stack: "production",
            sets: ["launchpad:services.api.idleReplicas=1"],
            problem: "launchpad:services.api.idleReplicas: received 1; expected at least replicas (3) in a production stack: a rollback or npm run promote switches only to a color fully available at the live replica count, so a smaller idle color would refuse every switch, the urgent rollback included",
        },
        { name: "an autoscaling ceiling below the replicas", stack: "staging", sets: ["launchpad:services.api.autoscaling.maxReplicas=1"], problem: "launchpad:services.api.autoscaling.maxReplicas: received 1; expected a number >= replicas and idleReplicas (2)" },
        { name: "requests above limits", stack: "staging", sets: ["launchpad:services.api.resources.requests.memory=1Gi"], problem: 'launchpad:services.api.resources.requests.memory: received "1Gi"; expected at most the limit ("512Mi")' },
        { name: "a DATABASE_ variable the database Secret provides", stack: "staging", sets: ["launchpad:services.api.env.DATABASE_HOST=db.local"], problem: 'launchpad:services.api.env.DATABASE_HOST: received "db.local"; expected no DATABASE_* variable while connectDatabase is true: those come from the database\'s Secret and TLS settings' },
        { name: "a request body on a GET check (the runner's own validator speaks)", stack: "staging", sets: ["launchpad:services.api.smoke.checks=[{path: /orders, body: x}]"], problem: 'launchpad:services.api.smoke.checks[0].body: received "x"; expected no body with method "GET" (HTTP gives a GET or HEAD body no meaning, and servers may refuse it)' },
        { name: "a production stack promoting from itself", stack: "production", sets: ["launchpad:promotion.fromStack=production"], problem: 'launchpad:promotion.fromStack: received "production"; expected a stack other than "production" itself, whose smoke gates verify releases before this one makes them live' },
    ])("$name", async ({ stack, sets, problem }) => {
        expect(await plan(stack, ...sets)).toEqual(refused(stack, problem));
    });

    it("reports a missing services key as required", async () => {
        const withoutServices = Object.fromEntries(Object.entries(stagingConfig()).filter(([k]) => k !== "launchpad:services"));
        const project = tempProject("s", withoutServices);
        try {
            await expect(runPlan({ stack: "s", root: project.root })).rejects.toThrow(
                `Invalid configuration for stack "s" (1 problem):\n  - launchpad:services: received nothing (required); ${SERVICES}`,
            );
        } finally {
            project.dispose();
        }
    });
});

/**
 * A promotion source named without a stack file in the project (a typo, `stagin`): the backend may
 * still hold such a stack, so config does not refuse it, but every plan and preview warns.
 */
describe("a promotion source with no stack file here: a warning, not a config problem", () => {
    const WARNING = 'launchpad:promotion.fromStack: stack "stagin" has no Pulumi.stagin.yaml in this project (its stack files are for production, staging): ' +
        "pulumi preview and pulumi up read its verified releases from the backend and fail if it holds no such stack, and the offline plan cannot read it; check the name";

    it.each<[string, string, readonly string[] | undefined, boolean]>([
        ["a short name with a file", "staging", ["production", "staging"], false],
        ["a short name without one", "stagin", ["production", "staging"], true],
        ["this project's project/stack without one", "launchpad/stagin", ["production", "staging"], true],
        ["this organization and project's full name without one", "acme/launchpad/stagin", ["production", "staging"], true],
        ["another project's stack (its files are elsewhere)", "acme/web/staging-eu", ["production", "staging"], false],
        ["files unknown", "stagin", undefined, false],
    ])("%s", (_, fromStack, files, warns) => {
        const warnings = promotionSourceWarnings({ fromStack, allowUnverified: false, requireLoad: false }, "launchpad", files);
        expect(warnings).toHaveLength(warns ? 1 : 0);
    });

    it("is logged by the program's config load, as in pulumi preview: the plan with the source's outputs given warns once", async () => {
        const staging = { ...(await planStack("staging")).outputs };
        const p = await runPlan({ stack: "production", sets: ["launchpad:promotion.fromStack=stagin"], stackOutputs: (name) => (name === "organization/launchpad/stagin" ? staging : undefined) });
        expect(p.log).toEqual([`warning: ${WARNING}`]);
    });
});

describe("promotion: production makes live only releases staging verified", () => {
    it("reads staging's verified releases through a StackReference answered by staging's offline plan", async () => {
        const staging = await planStack("staging");
        expect(staging.outputs.verifiedReleases).toEqual({
            api: [
                { color: "blue", image: "ghcr.io/acme/api:1.4.2", releaseId: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown },
                { color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: expect.stringMatching(/^[0-9a-f]{10}$/) as unknown },
            ],
        });
        const production = await planStack("production");
        expect(ofType(production, "launchpad:delivery:Promotion").map((r) => r.name)).toEqual(["launchpad-production-promotion"]);
        // The plan shows the reference as a read of the staging stack: nothing is created.
        const ref = named(production, "launchpad-production-promotion-source");
        expect([ref.name, ref.inputs, ref.options, ref.custom]).toEqual(["launchpad-production-promotion-source", { name: "organization/launchpad/staging" }, { id: "organization/launchpad/staging" }, true]);
        expect((ref.state.outputs as Record<string, unknown>).verifiedReleases).toEqual(staging.outputs.verifiedReleases);
        expect(ofType(staging, "launchpad:delivery:Promotion")).toEqual([]);
        expect(production.log).toEqual([]);
    });

    it("refuses to make live an image staging has not verified, naming what it did verify", async () => {
        expect(await plan("production", "launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0")).toEqual(refused(
            "production",
            'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:1.6.0"; expected an image whose smoke gate passed in stack "organization/launchpad/staging" (verified there: "ghcr.io/acme/api:1.4.2", "ghcr.io/acme/api:1.5.0"), an image this stack made live before (this stack\'s release history has none), or launchpad:promotion.allowUnverified set to true',
        ));
    });

    it("lets an unverified image onto the idle color: only the live one must be verified", async () => {
        const r = await plan("production", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0");
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
    });

    it("lets break glass through with a warning in the plan", async () => {
        const r = await plan("production", "launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0", "launchpad:promotion.allowUnverified=true");
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('warning: launchpad:promotion.allowUnverified is true: api goes live on green with "ghcr.io/acme/api:1.6.0", which stack "organization/launchpad/staging" has not verified and this stack never made live\n');
    });
});
