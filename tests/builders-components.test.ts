/**
 * Exported pure builders of the delivery components around BlueGreenService (restore points, the
 * schema guard, promotion, the release history, alert routing), called directly (issue 16: "delegates
 * to exported builders that tests call directly"). Until now each was exercised only through whole
 * plans. One describe per builder: exact values for a meaningful input and one edge case, with the
 * rule of the real service it follows, and the stack outputs built from stand-ins for the components
 * they read. Pure calls: no plan.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { envHash, releaseId, type BlueGreenService } from "../components/blue-green-service";
import { deliveryOutputs, environmentOutputs } from "../components/environment";
import {
    MAX_RECORDED_MIGRATIONS,
    SCHEMA_RECORD_OUTPUT,
    assertSchemaRule,
    nextRecord,
    outgoingReleases,
    pendingStep,
    previousRecord,
    recordedRestorePoints,
    schemaProblems,
    summaryLine,
    undoSettings,
    usesSchema,
    type MigrationRecord,
    type SchemaStep,
} from "../components/migrations";
import { muteTimingName, routing } from "../components/observability";
import { breakGlassWarning, promotionProblem, unverifiedReleases } from "../components/promotion";
import { LIVE_SERVICES_OUTPUT, historyImages, historyOutput, liveWhenStarted, revertedImages, type ReleaseHistory } from "../components/release-history";
import { restorePointExpiry, restorePointExpiryPolicy, restorePointIdentifier, restorePointStep, restorePointTime } from "../components/restore-point";
import { ConfigError, type ServiceConfig } from "../config";
import { loadConfigFor, serviceFor } from "./support/config";
import { valueOf } from "./support/values";



let api: ServiceConfig;
/** api whose green release migrates the schema from 3 to 4, blue supporting [3, 4]. */
let migrating: ServiceConfig;

beforeAll(async () => {
    api = await serviceFor("staging", "api");
    migrating = {
        ...api,
        releases: {
            blue: { ...api.releases.blue, schema: { version: 3, supports: [3, 4] } },
            green: { ...api.releases.green, migrate: { image: api.releases.green.image, command: ["./migrate", "up"] }, schema: { version: 4, supports: [4, 4] } },
        },
    };
});

describe("restorePointIdentifier (the manual RDS snapshot taken before a migration)", () => {
    it("is <db>-pre-<service>-<color>-<step> (a release id in restore points recorded before steps)", () => {
        expect(restorePointIdentifier("launchpad-production-db", "api", "green", "v3-to-v4")).toBe("launchpad-production-db-pre-api-green-v3-to-v4");
        expect(restorePointIdentifier("launchpad-production-db", "api", "green", "0a1b2c3d4e")).toBe("launchpad-production-db-pre-api-green-0a1b2c3d4e");
    });

    it.each<{ why: string; step: Pick<SchemaStep, "current" | "migration" | "standing">; name: string | undefined }>([
        { why: "a stack's first migration: from no version", step: { current: undefined, migration: { color: "green", releaseId: "r4", image: "i", version: 4 }, standing: [] }, name: "none-to-v4" },
        { why: "a version with no migration recorded yet", step: { current: 3, migration: { color: "green", releaseId: "r4", image: "i", version: 4 }, standing: [] }, name: "v3-to-v4" },
        { why: "after the newest recorded migration (so a re-run at the same version is a new snapshot)", step: { current: 4, migration: { color: "blue", releaseId: "r5", image: "i", version: 4 }, standing: [{ color: "green", releaseId: "0a1b2c3d4e", image: "i", fromVersion: 3, toVersion: 4, at: "2026-12-02T05:04:03Z" }] }, name: "v4-to-v4-after-0a1b2c3d4e" },
        { why: "no migration this update: no step", step: { current: 4, migration: undefined, standing: [] }, name: undefined },
    ])("pendingStep / restorePointStep: $why", ({ step, name }) => {
        expect(pendingStep(step)).toBe(name);
    });

    it("restorePointStep: from, to, and the newest recorded migration when there is one", () => {
        expect(restorePointStep(undefined, 1, undefined)).toBe("none-to-v1");
        expect(restorePointStep(4, 5, "0a1b2c3d4e")).toBe("v4-to-v5-after-0a1b2c3d4e");
    });

    // RDS CreateDBSnapshot DBSnapshotIdentifier: 1-255 letters, digits or hyphens; first a letter;
    // "Can't end with a hyphen or contain two consecutive hyphens".
    it("never holds two consecutive hyphens, never ends with one and stays within 255 characters", () => {
        expect(restorePointIdentifier("db--x", "api", "blue", "id-")).toBe("db-x-pre-api-blue-id");
        const long = restorePointIdentifier("d".repeat(250), "api", "blue", "0a1b2c3d4e");
        expect(long.length).toBeLessThanOrEqual(255);
        expect(long.endsWith("-")).toBe(false);
        expect(restorePointIdentifier("d".repeat(249), "api", "blue", "x")).toBe(`${"d".repeat(249)}-pre-a`);
    });
});

describe("restorePointTime / restorePointExpiry (the point-in-time side and the expiry schedule)", () => {
    it("the time is the run's second in ISO-8601 UTC with a Z, milliseconds dropped", () => {
        expect(restorePointTime(new Date("2026-12-02T05:04:03.999Z"))).toBe("2026-12-02T05:04:03Z");
    });

    // EventBridge Scheduler one-time schedules: "at(yyyy-mm-ddThh:mm:ss)", no time zone suffix
    // (the zone is ScheduleExpressionTimezone). User Guide, schedule-types.html "One-time schedules".
    it("the expiry is a one-time at() expression `days` later, with no zone suffix and no milliseconds", () => {
        expect(restorePointExpiry(new Date("2026-12-02T05:04:03.500Z"), 7)).toBe("at(2026-12-09T05:04:03)");
        expect(restorePointExpiry(new Date("2026-12-30T23:00:00Z"), 2)).toBe("at(2027-01-01T23:00:00)");
    });
});

describe("restorePointExpiryPolicy (the role the scheduler deletes restore points with)", () => {
    it("allows DeleteDBSnapshot on this stack's restore points only, before and after a restore renamed the instance", () => {
        expect(restorePointExpiryPolicy("aws", "eu-west-1", "111122223333", "launchpad-production-db")).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Action: ["rds:DeleteDBSnapshot"],
                Resource: [
                    "arn:aws:rds:eu-west-1:111122223333:snapshot:launchpad-production-db-pre-*",
                    "arn:aws:rds:eu-west-1:111122223333:snapshot:launchpad-production-db-r*-pre-*",
                ],
            }],
        });
    });

    it("names the stack's partition: a pattern spelled arn:aws: matches no GovCloud snapshot", () => {
        const resources = (restorePointExpiryPolicy("aws-us-gov", "us-gov-west-1", "111122223333", "launchpad-production-db") as { Statement: { Resource: string[] }[] }).Statement[0].Resource;
        expect(resources).toEqual([
            "arn:aws-us-gov:rds:us-gov-west-1:111122223333:snapshot:launchpad-production-db-pre-*",
            "arn:aws-us-gov:rds:us-gov-west-1:111122223333:snapshot:launchpad-production-db-r*-pre-*",
        ]);
    });

    // RDS snapshot ARN format (Service Authorization Reference, Amazon RDS resource types:
    // arn:${Partition}:rds:${Region}:${Account}:snapshot:${SnapshotName}): every identifier the
    // stack names its restore points with matches one of the two patterns.
    it("every restore point name the stack makes, on the instance or a restored one, matches a Resource pattern", () => {
        const resources = (restorePointExpiryPolicy("aws", "eu-west-1", "111122223333", "launchpad-production-db") as { Statement: { Resource: string[] }[] }).Statement[0].Resource;
        const matches = (arn: string) => resources.some((p) => new RegExp(`^${p.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`).test(arn));
        for (const db of ["launchpad-production-db", "launchpad-production-db-r0a1b2c"]) {
            expect(matches(`arn:aws:rds:eu-west-1:111122223333:snapshot:${restorePointIdentifier(db, "api", "green", "0a1b2c3d4e")}`)).toBe(true);
        }
        expect(matches("arn:aws:rds:eu-west-1:111122223333:snapshot:other-stack-db-pre-api-green-0a1b2c3d4e")).toBe(false);
    });
});

describe("usesSchema / outgoingReleases (when the schema guard reads a record, and what runs during a migration)", () => {
    it("a service uses the schema record only when a release declares migrate or schema", () => {
        expect(usesSchema(api)).toBe(false);
        expect(usesSchema(migrating)).toBe(true);
        // A schema contract alone (no migration) is read too: the rule checks it against the recorded version.
        expect(usesSchema({ ...api, releases: { ...api.releases, blue: { ...api.releases.blue, schema: { version: 3, supports: [3, 3] } } } })).toBe(true);
    });

    it("no record: nothing ran on a first deploy; unknown when the stack ran the service before", () => {
        expect(outgoingReleases(migrating, undefined, false)).toEqual([]);
        expect(outgoingReleases(migrating, undefined, true)).toBeUndefined();
        expect(outgoingReleases(migrating, { version: 3, migrations: [] }, true)).toBeUndefined();
    });

    it("a recorded color whose release this update replaces is outgoing; one it keeps is not", () => {
        const record = {
            version: 3,
            migrations: [],
            colors: {
                blue: { releaseId: releaseId(migrating, "blue"), image: migrating.releases.blue.image, supports: [3, 4] as [number, number] },
                green: { releaseId: "old-green", image: "ghcr.io/acme/api:1.4.9", supports: [3, 3] as [number, number] },
            },
        };
        expect(outgoingReleases(migrating, record, true)).toEqual([{ color: "green", releaseId: "old-green", image: "ghcr.io/acme/api:1.4.9", supports: [3, 3] }]);
    });
});

describe("schemaProblems (the expand/contract rule for one update)", () => {
    const step = (over: Partial<SchemaStep> = {}): SchemaStep => ({
        service: "api", current: 3, migration: { color: "green", releaseId: "r-green", image: "ghcr.io/acme/api:1.5.0", version: 4 }, target: 4, standing: [], outgoing: [], ...over,
    });

    it("a migration to a version the other color supports passes", () => {
        expect(schemaProblems(migrating, step())).toEqual([]);
    });

    it("a migration the other color does not support names the key, the version and the two-step way out", () => {
        const narrow = { ...migrating, releases: { ...migrating.releases, blue: { ...migrating.releases.blue, schema: { version: 3, supports: [3, 3] as [number, number] } } } };
        const problems = schemaProblems(narrow, step());
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^launchpad:services\.api\.releases\.green\.schema\.version: received 4; expected a version every release running during and after the migration supports: /);
        expect(problems[0]).toContain("Two steps: expand first");
    });

    it("an outgoing release that does not support the target version is a problem", () => {
        const problems = schemaProblems(migrating, step({ outgoing: [{ color: "green", releaseId: "old", image: "ghcr.io/acme/api:1.4.9", supports: [3, 3] }] }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain("Two steps: first deploy on green a release without migrate");
    });
});

describe("nextRecord / recordedRestorePoints / summaryLine / undoSettings (the record the update leaves)", () => {
    const rp = { snapshot: "launchpad-production-db-pre-api-green-r4", time: "2026-12-02T05:04:03Z" };
    const m3: MigrationRecord = { color: "blue", releaseId: "r3", image: "ghcr.io/acme/api:1.4.2", fromVersion: 2, toVersion: 3, at: "2026-11-01T00:00:00Z" };
    const step: SchemaStep = { service: "api", current: 3, migration: { color: "green", releaseId: "r4", image: "ghcr.io/acme/api:1.5.0", version: 4 }, target: 4, standing: [m3], outgoing: [] };

    it("a migration whose Job succeeded is appended with its restore point and the version moves", () => {
        expect(nextRecord(step, true, "2026-12-02T05:04:03Z", rp)).toEqual({
            version: 4,
            migrations: [m3, { color: "green", releaseId: "r4", image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, toVersion: 4, at: "2026-12-02T05:04:03Z", restorePoint: rp }],
        });
    });

    it("a migration that did not run leaves the version and the migrations as they stood", () => {
        expect(nextRecord(step, false, "2026-12-02T05:04:03Z", rp)).toEqual({ version: 3, migrations: [m3] });
    });

    it("the record keeps the newest MAX_RECORDED_MIGRATIONS migrations (a stack output must stay small)", () => {
        const standing = Array.from({ length: MAX_RECORDED_MIGRATIONS }, (_, i): MigrationRecord => ({ ...m3, releaseId: `r${i}` }));
        const next = nextRecord({ ...step, standing }, true, "t");
        expect(next.migrations).toHaveLength(MAX_RECORDED_MIGRATIONS);
        expect(next.migrations[0].releaseId).toBe("r1");
        expect(next.migrations.at(-1)?.releaseId).toBe("r4");
    });

    it("the standing migrations' restore points by release id", () => {
        expect(recordedRestorePoints({ standing: [m3, { ...m3, releaseId: "r4", restorePoint: rp }] })).toEqual({ r4: rp.snapshot });
    });

    it("the summary line names the versions, the migrating color and the restore point", () => {
        expect(summaryLine("api", { current: 3, target: 4, migration: { color: "green", releaseId: "r4", version: 4 }, restorePoint: rp, undo: [], undoFirst: null }))
            .toBe("schema api: version 3 -> 4 (releases.green migrates); restore point launchpad-production-db-pre-api-green-r4 (point in time 2026-12-02T05:04:03Z)");
        expect(summaryLine("api", { current: null, target: null, migration: null, restorePoint: null, undo: [], undoFirst: null })).toBe("schema api: no recorded version, no migration");
    });

    it("undo: restore the snapshot, move traffic to the other color, give the migrated color the other release; nothing without a restore point", () => {
        const done: MigrationRecord = { ...m3, color: "green", restorePoint: rp };
        expect(undoSettings(api, done, { image: "ghcr.io/acme/api:1.4.2" })).toEqual([
            "launchpad:database.restore.snapshot=launchpad-production-db-pre-api-green-r4",
            "launchpad:services.api.activeColor=blue",
            'launchpad:services.api.releases.green={"image":"ghcr.io/acme/api:1.4.2"}',
        ]);
        expect(undoSettings(api, m3, {})).toEqual([]);
    });
});

describe("assertSchemaRule / previousRecord (the rule's error and the record's source)", () => {
    it("throws every problem as one config error naming the stack (exit 2), and nothing without problems", () => {
        expect(() => assertSchemaRule("production", [])).not.toThrow();
        let error: unknown;
        try { assertSchemaRule("production", ["a: received 1; expected 2", "b: received 3; expected 4"]); } catch (e) { error = e; }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual(["a: received 1; expected 2", "b: received 3; expected 4"]);
    });

    it("reads the schema record and the live services from the stack's own previous outputs, by their output names", async () => {
        const asked: string[] = [];
        const ref = { getOutput: (n: string) => { asked.push(n); return pulumi.output({ name: n }); } } as unknown as pulumi.StackReference;
        const { record, liveServices } = previousRecord(ref);
        expect(asked).toEqual([SCHEMA_RECORD_OUTPUT, LIVE_SERVICES_OUTPUT]);
        expect([SCHEMA_RECORD_OUTPUT, LIVE_SERVICES_OUTPUT]).toEqual(["schemaVersions", "liveServices"]);
        expect(await valueOf(record)).toEqual({ name: "schemaVersions" });
        expect(await valueOf(liveServices)).toEqual({ name: "liveServices" });
    });
});

describe("historyImages / revertedImages / liveWhenStarted / historyOutput (the release history)", () => {
    const history: ReleaseHistory = {
        api: [
            { color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: "g2", time: "2026-12-02T00:00:00Z" },
            { color: "blue", image: "ghcr.io/acme/api:1.6.0", releaseId: "b2", time: "2026-12-01T00:00:00Z", reverted: "2026-12-02T00:00:00Z" },
            { color: "blue", image: "ghcr.io/acme/api:1.4.2", releaseId: "b1", time: "2026-11-01T00:00:00Z" },
            { color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: "g1", time: "2026-10-01T00:00:00Z" },
        ],
    };

    it("images made live and kept, newest first, without repeats; reverted ones apart", () => {
        expect(historyImages(history, "api")).toEqual(["ghcr.io/acme/api:1.5.0", "ghcr.io/acme/api:1.4.2"]);
        expect(revertedImages(history, "api")).toEqual(["ghcr.io/acme/api:1.6.0"]);
        expect(historyImages(history, "web")).toEqual([]);
    });

    it("an image reverted once but kept live another time is not counted as reverted", () => {
        const again: ReleaseHistory = { api: [{ ...history.api[1], reverted: undefined, releaseId: "b3" }, ...history.api] };
        expect(revertedImages(again, "api")).toEqual([]);
    });

    it("the release live when the update started is the newest entry; none before a first update", () => {
        expect(liveWhenStarted(history, "api")?.releaseId).toBe("g2");
        expect(liveWhenStarted({}, "api")).toBeUndefined();
    });

    it("the output is a Pulumi secret exactly when a service's config is secret (its env hashes are then hashes of secrets)", async () => {
        expect(await pulumi.isSecret(historyOutput(pulumi.output(history), [api]))).toBe(false);
        expect(await pulumi.isSecret(historyOutput(pulumi.output(history), [api, { ...api, name: "web", fromSecret: true }]))).toBe(true);
    });
});

describe("unverifiedReleases / promotionProblem / breakGlassWarning (production's promotion rule)", () => {
    it("a live image staging verified, or this stack made live before, is admitted; another is not", () => {
        const live = api.releases[api.activeColor].image;
        expect(unverifiedReleases([api], { api: [{ color: "green", image: live, releaseId: "x" }] })).toEqual([]);
        expect(unverifiedReleases([api], {}, { api: [{ color: "green", image: live, releaseId: "x", time: "t" }] })).toEqual([]);
        expect(unverifiedReleases([api], { api: [{ color: "blue", image: "ghcr.io/acme/api:1.4.2", releaseId: "y" }] })).toEqual([
            { service: "api", color: "green", image: live, verified: ["ghcr.io/acme/api:1.4.2"], history: [], reverted: [] },
        ]);
    });

    it("with requireLoad, a verification without a passed load scenario does not count", () => {
        const live = api.releases[api.activeColor].image;
        expect(unverifiedReleases([api], { api: [{ color: "green", image: live, releaseId: "x" }] }, {}, true)).toHaveLength(1);
        expect(unverifiedReleases([api], { api: [{ color: "green", image: live, releaseId: "x", load: "pass" }] }, {}, true)).toEqual([]);
    });

    it("the config error line has the project's `<key>: received <value>; expected <allowed>` shape", () => {
        const u = { service: "api", color: "green" as const, image: "ghcr.io/acme/api:1.5.0", verified: ["ghcr.io/acme/api:1.4.2"], history: [], reverted: ["ghcr.io/acme/api:1.6.0"] };
        expect(promotionProblem(u, "staging")).toBe(
            'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:1.5.0"; expected an image whose smoke gate passed in stack "staging" ' +
            '(verified there: "ghcr.io/acme/api:1.4.2"), an image this stack made live before (this stack\'s release history has none; ' +
            'switched back from, so not counted: "ghcr.io/acme/api:1.6.0"), or launchpad:promotion.allowUnverified set to true');
        expect(promotionProblem({ ...u, verified: [] }, "staging", true)).toContain('expected an image whose smoke gate and load scenario passed in stack "staging" (it verified no release of api)');
    });

    it("break glass warns with the service, the color, the image and the source stack", () => {
        expect(breakGlassWarning({ service: "api", color: "blue", image: "i:1", verified: [], history: [], reverted: [] }, "staging"))
            .toBe('launchpad:promotion.allowUnverified is true: api goes live on blue with "i:1", which stack "staging" has not verified and this stack never made live');
    });
});

describe("routing / muteTimingName (alert receivers and the maintenance mute timing)", () => {
    it("pages go to PagerDuty, else Slack, else e-mail; tickets to Slack, else e-mail, else PagerDuty", () => {
        expect(routing({ emailAddresses: ["a@example.com"], slack: true, pagerDuty: true })).toEqual({ page: "pagerduty", ticket: "slack", receivers: ["pagerduty", "slack", "email"] });
        expect(routing({ emailAddresses: ["a@example.com"], slack: false, pagerDuty: false })).toEqual({ page: "email", ticket: "email", receivers: ["email"] });
        expect(routing({ emailAddresses: [], slack: false, pagerDuty: true })).toEqual({ page: "pagerduty", ticket: "pagerduty", receivers: ["pagerduty"] });
        expect(routing({ emailAddresses: ["a@example.com"], slack: true, pagerDuty: false })).toEqual({ page: "slack", ticket: "slack", receivers: ["slack", "email"] });
    });

    it("the mute timing is named <project>-<stack>-maintenance, under the stack's Grafana prefix", () => {
        expect(muteTimingName("launchpad-production")).toBe("launchpad-production-maintenance");
    });
});

describe("deliveryOutputs / environmentOutputs (the stack outputs other stacks and scripts read)", () => {
    /** A BlueGreenService as deliveryOutputs reads it: its live Service and color, what rolled out, what it verified. */
    const fakeService = (rolledOutId: string | undefined) => ({
        liveServiceName: pulumi.output("api"),
        liveColor: pulumi.output("green" as const),
        rolledOut: { blue: pulumi.output(undefined), green: pulumi.output(rolledOutId === undefined ? undefined : { releaseId: rolledOutId, image: "i" }) },
        rolledOutPod: { blue: pulumi.output(undefined), green: pulumi.output({ ports: "p" }) },
        verifiedReleases: pulumi.output([{ color: "green" as const, image: api.releases.green.image, releaseId: releaseId(api, "green") }]),
    }) as unknown as BlueGreenService;

    it("records the live release first in the history, the live Service and color, and the verified releases, under their output names", async () => {
        const config = { ...(await loadConfigFor("staging")), services: [api] };
        const before = process.env.LAUNCHPAD_TODAY;
        process.env.LAUNCHPAD_TODAY = "2026-12-02";
        try {
            const outputs = deliveryOutputs([fakeService(releaseId(api, "green"))], config, { api: [{ color: "blue", image: api.releases.blue.image, releaseId: "b1", time: "2026-11-01T00:00:00Z" }] });
            expect(Object.keys(outputs).sort()).toEqual(["liveServices", "releaseHistory", "verifiedReleases"]);
            const history = await valueOf(outputs.releaseHistory as pulumi.Output<ReleaseHistory>);
            expect(history.api.map((e) => [e.color, e.releaseId, e.time])).toEqual([["green", releaseId(api, "green"), "2026-12-02T00:00:00.000Z"], ["blue", "b1", "2026-11-01T00:00:00Z"]]);
            // envDigest is recorded only where it is not the plain hash (plain config here); pod is the state's.
            expect(history.api[0]).toEqual({ color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: releaseId(api, "green"), envHash: envHash(api, "green"), pod: { ports: "p" }, time: "2026-12-02T00:00:00.000Z" });
            expect(await valueOf(outputs.liveServices)).toEqual({ api: { service: "api", color: "green" } });
            expect(await valueOf(outputs.verifiedReleases)).toEqual({ api: [{ color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: releaseId(api, "green") }] });
        } finally {
            if (before === undefined) delete process.env.LAUNCHPAD_TODAY; else process.env.LAUNCHPAD_TODAY = before;
        }
    });

    it("a live color whose Deployment in the state runs another release records nothing new (a targeted update left it)", async () => {
        const config = { ...(await loadConfigFor("staging")), services: [api] };
        const previous: ReleaseHistory = { api: [{ color: "blue", image: api.releases.blue.image, releaseId: "b1", time: "2026-11-01T00:00:00Z" }] };
        const history = await valueOf(deliveryOutputs([fakeService("an-older-release")], config, previous).releaseHistory as pulumi.Output<ReleaseHistory>);
        expect(history.api.map((e) => e.releaseId)).toEqual(["b1"]);
    });

    it("the environment's outputs: tier, regions, namespace, kubeconfig and the cluster's own; no data or observability keys without them", async () => {
        const config = await loadConfigFor("staging");
        const outputs = environmentOutputs(config, { cluster: { namespace: pulumi.output("apps"), kubeconfig: pulumi.secret("kc") }, outputs: { clusterName: "c" } } as unknown as Parameters<typeof environmentOutputs>[1]);
        expect(Object.keys(outputs).sort()).toEqual(["clusterName", "drRegion", "kubeconfig", "namespace", "region", "tier"]);
        expect([outputs.tier, outputs.region, outputs.drRegion]).toEqual([config.tier, config.region, config.drRegion]);
        expect(await valueOf(outputs.namespace)).toBe("apps");
        // The kubeconfig holds the cluster's credentials: it stays a secret in the outputs.
        expect(await pulumi.isSecret(outputs.kubeconfig as pulumi.Output<unknown>)).toBe(true);
    });
});
