/**
 * Schema migrations under the plan engine: the migration Job's exact spec and its place in the
 * graph, the restore point before it in production (none in staging), the compatibility rule as a
 * table of real plans with their exact messages and exit codes, and the "undo a migration" settings
 * planned back in; the two refusals the issue names also through `npm run plan` itself, a process of
 * its own (every other case runs planCli, the function that process runs, here).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_DEADLINE_SECONDS, releaseId } from "../components/blue-green-service";
import { colorRecord, migrationInstances, nextRecord, restoreCut, schemaStep, unknownOutgoingLine, type ColorRecord } from "../components/migrations";
import { IDENTITY_OUTPUT } from "../components/identity-record";
import { databaseInstanceIdentifier } from "../lib/stack-name";
import { restorePointExpiryKey, restorePointTarget, takenAt } from "../components/restore-point";
import { COLORS, type Color } from "../lib/delivery";
import type { ServiceConfig } from "../config/services";
import { planChanges } from "../plan/changes";
import { planCli } from "../scripts/plan";
import { planProcess, planProcessAsync } from "./support/compiled";
import { skipProcesses } from "./support/timing";
import { loadConfigFor } from "./support/config";
import { evaluatePlan } from "../policies/evaluate";
import { validateKubernetesObject } from "./support/k8s-schema";
import { byUrn, govCloudSets, input, named, ofType, planStack, type Plan } from "./support/plan";
import { scratchFile } from "./support/scratch";

const SKIP_PROCESSES = skipProcesses("tests/migrations.test.ts", "the two refusals through npm run plan as a process of its own (the whole table runs in-process)");

const S = "launchpad:services.api.releases";
/** `--set` lines for one color's release. */
function release(color: "blue" | "green", r: { image?: string; migrate?: boolean; version: number; supports: [number, number] }): string[] {
    return [
        ...(r.image !== undefined ? [`${S}.${color}.image=${r.image}`] : []),
        ...(r.migrate === true ? [`${S}.${color}.migrate={command: ["./migrate", "up"]}`] : []),
        `${S}.${color}.schema={version: ${r.version}, supports: [${r.supports[0]}, ${r.supports[1]}]}`,
    ];
}

/** The outputs a stack's last update left: its schema record (and the live color it served). */
function previous(version: number, liveColor?: "blue" | "green", colors?: Partial<Record<Color, ColorRecord>>): Record<string, unknown> {
    return {
        schemaVersions: { api: { version, migrations: [], ...(colors !== undefined ? { colors } : {}) } },
        ...(liveColor !== undefined ? { liveServices: { api: { service: "api", color: liveColor } } } : {}),
    };
}

/** A release a color ran before this update, different from the one its config gives it now. */
type Ran = { readonly image: string; readonly supports: readonly [number, number] | null };
/** The release id the record gives a replaced release: any id that is not the configured one. */
const OLD_ID = "0ld0ld0ld0";

/**
 * What the record says each color ran at the last completed update: `ran` for a color this update
 * replaces, the configured release (its real id) for one it keeps.
 */
async function ranBefore(stack: string, sets: readonly string[], ran: Partial<Record<Color, Ran>> = {}): Promise<Partial<Record<Color, ColorRecord>>> {
    const service = (await loadConfigFor(stack, sets)).services[0];
    return Object.fromEntries(COLORS.map((c) => {
        const r = ran[c];
        return [c, r !== undefined ? { releaseId: OLD_ID, image: r.image, supports: r.supports } : colorRecord(service, c)];
    }));
}

const RESTRICTED = {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const DATABASE_ENV = ["host", "port", "database", "username", "password", "engine"];

/** The restore point before the first recorded migration, 3 to 4 (restore-point.ts restorePointStep). */
const SNAPSHOT_3_TO_4 = "launchpad-production-db-pre-api-green-v3-to-v4";

// Production, blue live on 1.4.2 (old code, runs 3 and the additive 4); green 1.5.0 migrates to 4.
const EXPAND = [...release("blue", { version: 3, supports: [3, 4] }), ...release("green", { migrate: true, version: 4, supports: [4, 5] })];

// Green (idle) ran 1.4.1 before, which runs against 3 and 4: its pods keep running until green rolls.
const PRODUCTION_BEFORE: Before = { version: 3, live: "blue", ran: { green: { image: "ghcr.io/acme/api:1.4.1", supports: [3, 4] } } };

/**
 * One plan per stack, config and previous record for the tests that only read it (a plan with
 * previous outputs is not in the harness's cache): the first block's tests, the policy pack's and
 * the first run of the re-run tests that go on from its outputs. The re-run of the same record
 * ("outputs not written") plans twice on purpose and does not use it.
 */
const afterRecord = new Map<string, Promise<Plan>>();
function planAfter(stack: string, sets: readonly string[], b: Before): Promise<Plan> {
    const key = JSON.stringify([stack, sets, b]);
    let p = afterRecord.get(key);
    if (p === undefined) {
        p = before(stack, sets, b).then((prev) => planStack(stack, sets, { previousOutputs: prev }));
        afterRecord.set(key, p);
    }
    return p;
}

describe("the migration Job and its restore point (production, green migrates 3 -> 4 while blue serves)", () => {
    // One plan for the whole block: every test reads it, none changes it.
    const plan = (): Promise<Plan> => planAfter("production", EXPAND, PRODUCTION_BEFORE);
    const prefix = "launchpad-production-api";

    it("reads the schema record through the one reference to the stack's own previous outputs, the release history's", async () => {
        expect(ofType(await plan(), "pulumi:pulumi:StackReference").map((r) => r.name).sort()).toEqual(["launchpad-production-history", "launchpad-production-promotion-source"]);
    });

    it("runs the release's command once, named by its release id, with the database Secret, a deadline, no retry and a restricted pod", async () => {
        const p = await plan();
        const config = await loadConfigFor("production", EXPAND);
        const service = config.services[0];
        const id = releaseId(service, "green");
        const job = named(p, `${prefix}-green-migrate`);
        expect(input(job, "metadata")).toEqual({
            name: `api-green-migrate-${id}`,
            namespace: "launchpad-production",
            labels: {
                app: "api",
                color: "green",
                "app.kubernetes.io/name": "api",
                "app.kubernetes.io/instance": "api-green",
                "app.kubernetes.io/version": "1.5.0",
                "app.kubernetes.io/component": "server",
                "app.kubernetes.io/part-of": "launchpad",
                "app.kubernetes.io/managed-by": "pulumi",
                "launchpad.dev/role": "schema-migration",
            },
            annotations: {
                "pulumi.com/replaceUnready": "true",
                "launchpad.dev/release-id": id,
                "launchpad.dev/image": "ghcr.io/acme/api:1.5.0",
                "launchpad.dev/schema-version": "4",
            },
        });
        expect(input(job, "spec.backoffLimit")).toBe(0);
        expect(input(job, "spec.activeDeadlineSeconds")).toBe(MIGRATION_DEADLINE_SECONDS);
        expect(input(job, "spec.template.spec.restartPolicy")).toBe("Never");
        expect(input(job, "spec.template.spec.automountServiceAccountToken")).toBe(false);
        const containers = input(job, "spec.template.spec.containers") as Record<string, unknown>[];
        expect(containers).toHaveLength(1);
        expect(containers[0].name).toBe("migrate");
        expect(containers[0].image).toBe("ghcr.io/acme/api:1.5.0");
        expect(containers[0].command).toEqual(["./migrate", "up"]);
        expect(containers[0].securityContext).toEqual(RESTRICTED);
        const secret = named(p, "launchpad-production-database-connection");
        const secretName = input(secret, "metadata.name");
        expect(containers[0].env).toEqual([
            { name: "LOG_LEVEL", value: "warn" },
            ...DATABASE_ENV.map((key) => ({ name: `DATABASE_${key.toUpperCase()}`, valueFrom: { secretKeyRef: { name: secretName, key } } })),
            // It connects as the app does, verifying the server against the bundle its init container fetched.
            { name: "DATABASE_TLS_MODE", value: "VERIFY_IDENTITY" },
            { name: "DATABASE_CA_FILE", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" },
        ]);
        expect((input(job, "spec.template.spec.initContainers") as { name: string; command: string[] }[]).map((c) => [c.name, c.command])).toEqual([["db-ca", ["bash", "/scripts/ca-fetch.sh"]]]);
        expect(job.options.customTimeouts).toEqual({ create: `${MIGRATION_DEADLINE_SECONDS + 300}s`, update: `${MIGRATION_DEADLINE_SECONDS + 300}s` });
        expect(() => validateKubernetesObject(job)).not.toThrow();
    });

    it("comes after the restore point, and before the green Deployment and gate; the live Service does not change", async () => {
        const p = await plan();
        const job = named(p, `${prefix}-green-migrate`);
        const snapshot = named(p, `${prefix}-green-restore-point`);
        // The master user's Secret, the grants Job and the CA fetch ConfigMap by dependsOn, never an input taken from them
        // (components/database-client.ts DatabaseClient: a delete-first replacement of either would replace the Job too).
        const named2 = [named(p, "launchpad-production-database-connection").urn, named(p, "launchpad-production-database-grants-job").urn, named(p, `${prefix}-db-ca-fetch`).urn];
        expect(job.dependsOn).toEqual([...named2, snapshot.urn]);
        // Each Deployment waits for the application user's Secret and the grants Job instead, and for the
        // load balancer controller (its pods' ALB readiness gates: components/platform.ts).
        const lbc = named(p, "launchpad-production-platform-lbc").urn;
        const app = [named(p, "launchpad-production-database-app-connection").urn, named(p, "launchpad-production-database-grants-job").urn, named(p, `${prefix}-db-ca-fetch`).urn];
        expect(named(p, `${prefix}-green`).dependsOn).toEqual([...app, job.urn, lbc]);
        expect(named(p, `${prefix}-green-gate`).dependsOn).toContain(job.urn);
        // The live color's objects neither wait for nor change with green's migration.
        expect(named(p, `${prefix}-blue`).dependsOn).toEqual([...app, lbc]);
        const base = await planStack("production", [], {});
        const liveNow = named(p, `${prefix}-live`);
        const liveBefore = named(base, `${prefix}-live`);
        expect(liveNow.inputs).toEqual(liveBefore.inputs);
        expect(liveNow.dependsOn.map((u) => byUrn(p, u).name)).toEqual([`${prefix}-blue`, `${prefix}-blue-gate`]);
        expect(ofType(p, "kubernetes:batch/v1:Job").map((r) => r.name).sort()).toEqual([`${prefix}-blue-gate`, `${prefix}-green-gate`, `${prefix}-green-migrate`, "launchpad-production-database-grants-job"]);
    });

    it("takes a manual snapshot named after the schema step (3 to 4, the record's first), of the stack's database, kept when Pulumi drops it", async () => {
        const p = await plan();
        const id = releaseId((await loadConfigFor("production", EXPAND)).services[0], "green");
        const snapshot = named(p, `${prefix}-green-restore-point`);
        const db = named(p, "launchpad-production-database-instance");
        expect(snapshot.type).toBe("aws:rds/snapshot:Snapshot");
        expect(input(snapshot, "dbSnapshotIdentifier")).toBe(SNAPSHOT_3_TO_4);
        expect(input(snapshot, "dbInstanceIdentifier")).toBe(input(db, "identifier"));
        expect(input(snapshot, "tags")).toMatchObject({
            Name: SNAPSHOT_3_TO_4,
            "launchpad.dev/release-id": id,
            "launchpad.dev/schema-version": "4",
            "launchpad.dev/point-in-time": "2026-12-02T00:00:00Z",
        });
        expect(snapshot.options.retainOnDelete).toBe(true);
        expect(snapshot.options.customTimeouts).toEqual({ create: "60m" });
        // A re-run keeps the time of the run that took it (the record reads it back from the snapshot's state).
        expect(snapshot.options.ignoreChanges).toEqual(['tags["launchpad.dev/point-in-time"]']);
        expect(ofType(p, "aws:rds/snapshot:Snapshot")).toHaveLength(1);
    });

    it("expires the snapshot after the tier's retention: a one-time EventBridge Scheduler call of RDS DeleteDBSnapshot, with a role that may delete only restore points", async () => {
        const p = await plan();
        const snapshot = named(p, `${prefix}-green-restore-point`);
        const schedule = named(p, `${prefix}-green-restore-point-expiry`);
        expect(schedule.type).toBe("aws:scheduler/schedule:Schedule");
        // LAUNCHPAD_TODAY is 2026-12-02: production keeps point-in-time recovery 35 days.
        expect(input(schedule, "scheduleExpression")).toBe("at(2027-01-06T00:00:00)");
        expect(input(schedule, "scheduleExpressionTimezone")).toBe("UTC");
        expect(input(schedule, "actionAfterCompletion")).toBe("DELETE");
        // Named after the snapshot (its identifier names the stack's instance), so one per restore point in the account.
        expect(input(schedule, "name")).toBe(`restore-point-expiry-green-${restorePointExpiryKey(SNAPSHOT_3_TO_4, "api", "green")}-api`);
        expect(input(schedule, "name")).toMatch(/^restore-point-expiry-green-[0-9a-f]{10}-api$/);
        const role = named(p, "launchpad-production-schema-restore-point-expiry");
        expect(input(schedule, "target")).toEqual({
            arn: "arn:aws:scheduler:::aws-sdk:rds:deleteDBSnapshot",
            roleArn: role.state.arn,
            input: JSON.stringify({ DbSnapshotIdentifier: SNAPSHOT_3_TO_4 }),
            retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86400 },
        });
        // It outlives its release in config, as the snapshot does, and waits for it.
        expect(schedule.options.retainOnDelete).toBe(true);
        expect(schedule.options.ignoreChanges).toEqual(["scheduleExpression"]);
        expect(schedule.dependsOn).toEqual([snapshot.urn]);
        const trust = JSON.parse(input(role, "assumeRolePolicy") as string) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
        const account = trust.Statement[0].Condition.StringEquals["aws:SourceAccount"];
        expect(account).toMatch(/^\d{12}$/);
        expect(trust).toEqual({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: ["sts:AssumeRole"], Condition: { StringEquals: { "aws:SourceAccount": account } } }],
        });
        const policy = JSON.parse(input(named(p, "launchpad-production-schema-restore-point-expiry-delete"), "policy") as string) as { Statement: { Action: string[]; Resource: string[] }[] };
        // The restore points of this instance, and of one restored from it (database.restore renames it -r<hash>).
        expect(policy.Statement).toEqual([{
            Effect: "Allow",
            Action: ["rds:DeleteDBSnapshot"],
            Resource: [`arn:aws:rds:us-east-1:${account}:snapshot:launchpad-production-db-pre-*`, `arn:aws:rds:us-east-1:${account}:snapshot:launchpad-production-db-r*-pre-*`],
        }]);
    });

    // ARNs carry the partition: `arn:${Partition}:rds:...` (Service Authorization Reference, Amazon
    // RDS resource types) and the universal target `arn:aws-cn:scheduler:::aws-sdk:service:apiAction`
    // on the China Regions' copy of the Scheduler guide (docs.amazonaws.cn managing-targets-universal).
    it("in GovCloud, names the partition in the universal target and in the role's snapshot patterns, or nothing would ever expire", async () => {
        const gov = govCloudSets("production");
        const p = await planAfter("production", [...EXPAND, ...gov], PRODUCTION_BEFORE);
        const target = input(named(p, `${prefix}-green-restore-point-expiry`), "target") as { arn: string };
        expect(target.arn).toBe("arn:aws-us-gov:scheduler:::aws-sdk:rds:deleteDBSnapshot");
        const policy = JSON.parse(input(named(p, "launchpad-production-schema-restore-point-expiry-delete"), "policy") as string) as { Statement: { Resource: string[] }[] };
        const account = policy.Statement[0].Resource[0].split(":")[4];
        expect(policy.Statement[0].Resource).toEqual([
            `arn:aws-us-gov:rds:us-gov-west-1:${account}:snapshot:launchpad-production-db-pre-*`,
            `arn:aws-us-gov:rds:us-gov-west-1:${account}:snapshot:launchpad-production-db-r*-pre-*`,
        ]);
    });

    it("shows the current and next version, the restore point and its point-in-time timestamp in the outputs and the plan's log", async () => {
        const p = await plan();
        const id = releaseId((await loadConfigFor("production", EXPAND)).services[0], "green");
        const snapshotId = SNAPSHOT_3_TO_4;
        const summary = (p.outputs.schemaMigrations as Record<string, unknown>).api;
        expect(summary).toEqual({
            current: 3,
            target: 4,
            migration: { color: "green", releaseId: id, version: 4 },
            restorePoint: { snapshot: snapshotId, time: "2026-12-02T00:00:00Z" },
            undo: [
                `launchpad:database.restore.snapshot=${snapshotId}`,
                "launchpad:services.api.activeColor=blue",
                `launchpad:services.api.releases.green=${JSON.stringify({ image: "ghcr.io/acme/api:1.4.2", env: { LOG_LEVEL: "warn" }, schema: { version: 3, supports: [3, 4] } })}`,
            ],
            // Green migrated while idle: the settings alone undo it (after the switch to green they need a rollback first: tests/migrations-docs.test.ts).
            undoFirst: null,
        });
        const service = (await loadConfigFor("production", EXPAND)).services[0];
        expect((p.outputs.schemaVersions as Record<string, unknown>).api).toEqual({
            version: 4,
            migrations: [{ color: "green", releaseId: id, image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, toVersion: 4, at: "2026-12-02T00:00:00Z", restorePoint: { snapshot: snapshotId, time: "2026-12-02T00:00:00Z" } }],
            // What each color runs once this update completed: the next migration's outgoing releases.
            colors: {
                blue: { releaseId: releaseId(service, "blue"), image: "ghcr.io/acme/api:1.4.2", supports: [3, 4] },
                green: { releaseId: id, image: "ghcr.io/acme/api:1.5.0", supports: [4, 5] },
            },
        });
        expect(p.log).toContain(`info: schema api: version 3 -> 4 (releases.green migrates); restore point ${snapshotId} (point in time 2026-12-02T00:00:00Z)`);
    });

    it("the undo settings it prints plan cleanly: the database from that snapshot, traffic on blue, version 3 again", async () => {
        const p = await plan();
        const undo = ((p.outputs.schemaMigrations as Record<string, { undo: string[] }>).api).undo;
        const file = scratchFile("launchpad-undo-", "outputs.json", JSON.stringify({ schemaVersions: p.outputs.schemaVersions, liveServices: p.outputs.liveServices }));
        const r = await planCli(["--stack", "production", "--json", "--previous-outputs", file, ...EXPAND.flatMap((s) => ["--set", s]), ...undo.flatMap((s) => ["--set", s])]);
        expect(r.stderr).not.toContain("Invalid configuration");
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as { resources: { name: string; type: string; inputs: Record<string, unknown> }[]; outputs: Record<string, unknown> };
        const db = doc.resources.find((x) => x.name === "launchpad-production-database-instance");
        const snapshotId = (undo[0] ?? "").split("=")[1];
        expect(db?.inputs.snapshotIdentifier).toBe(snapshotId);
        expect(doc.resources.filter((x) => x.type === "aws:rds/snapshot:Snapshot" || x.name.endsWith("-migrate"))).toEqual([]);
        // The restore point's schedule, still pending, must still be allowed to delete it from the restored stack.
        const policy = JSON.parse(doc.resources.find((x) => x.name === "launchpad-production-schema-restore-point-expiry-delete")?.inputs.policy as string) as { Statement: { Resource: string[] }[] };
        const allowed = policy.Statement[0].Resource.map((arn) => new RegExp(`^${arn.split(":snapshot:")[1].replace(/\*/g, ".*")}$`));
        expect(allowed.some((re) => re.test(snapshotId))).toBe(true);
        expect(String(db?.inputs.identifier)).toMatch(/^launchpad-production-db-r[0-9a-f]{8}$/);
        expect(allowed.some((re) => re.test(`${String(db?.inputs.identifier)}-pre-api-blue-0123456789`))).toBe(true);
        expect((doc.outputs.schemaMigrations as Record<string, unknown>).api).toMatchObject({ current: 3, target: 3, migration: null });
    });
});

describe("the migration in staging", () => {
    it("runs the Job without a restore point: staging takes none", async () => {
        const p = await planStack("staging", [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { migrate: true, version: 4, supports: [4, 5] })], { previousOutputs: previous(3) });
        expect(ofType(p, "aws:rds/snapshot:Snapshot")).toEqual([]);
        const job = named(p, "launchpad-staging-api-blue-migrate");
        const named2 = [named(p, "launchpad-staging-database-connection").urn, named(p, "launchpad-staging-database-grants-job").urn, named(p, "launchpad-staging-api-db-ca-fetch").urn];
        expect(job.dependsOn).toEqual(named2);
        const app = [named(p, "launchpad-staging-database-app-connection").urn, named(p, "launchpad-staging-database-grants-job").urn, named(p, "launchpad-staging-api-db-ca-fetch").urn];
        expect(named(p, "launchpad-staging-api-blue").dependsOn).toEqual([...app, job.urn, named(p, "launchpad-staging-platform-lbc").urn]);
        expect((p.outputs.schemaMigrations as Record<string, { restorePoint: unknown; undo: unknown }>).api).toMatchObject({ current: 3, target: 4, restorePoint: null, undo: [] });
    });

    it("a restore replaces the migration Job, so the migration runs again on the restored database (a Job's template is force-new); a database never restored changes no Job", async () => {
        const sets = [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { migrate: true, version: 4, supports: [4, 5] })];
        const restore = 'launchpad:database.restore={sourceInstance: launchpad-staging-db, time: "2026-11-01T10:00:00Z"}';
        const before = await planStack("staging", sets, { previousOutputs: previous(3) });
        const restored = await planStack("staging", [...sets, restore], { previousOutputs: previous(3) });
        const annotations = (p: Plan) => (named(p, "launchpad-staging-api-blue-migrate").inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
        expect(annotations(before)).not.toHaveProperty(["launchpad.dev/restored-database"]);
        const instance = named(restored, "launchpad-staging-database-instance").inputs.identifier as string;
        expect(instance).toMatch(/^launchpad-staging-db-r[0-9a-f]{8}$/);
        expect(annotations(restored)["launchpad.dev/restored-database"]).toBe(instance);
        const job = planChanges(before, restored).find((c) => c.name === "launchpad-staging-api-blue-migrate");
        expect(job).toMatchObject({ kind: "replace", order: "delete-first", replacedBy: ["spec.template.metadata.annotations.launchpad.dev/restored-database"] });
        // Another origin is another instance: the Job runs again on that one too.
        const again = await planStack("staging", [...sets, 'launchpad:database.restore={sourceInstance: launchpad-staging-db, time: "2026-11-02T10:00:00Z"}'], { previousOutputs: previous(3) });
        expect(planChanges(restored, again).find((c) => c.name === "launchpad-staging-api-blue-migrate")).toMatchObject({ kind: "replace" });
    });
});

describe("which migration Jobs run again on a restored database (migrationInstances)", () => {
    const sets = [...release("green", { migrate: true, version: 4, supports: [4, 5] }), ...release("blue", { migrate: true, version: 5, supports: [4, 5] })];
    const entry = (service: ServiceConfig, color: Color, toVersion: number, instance?: string) => ({
        color, releaseId: releaseId(service, color), image: service.releases[color].image, fromVersion: toVersion - 1, toVersion, at: "2026-11-20T10:00:00Z", ...(instance !== undefined ? { instance } : {}),
    });

    it("never restored: no Job names an instance, so none runs again", async () => {
        const api = (await loadConfigFor("staging", sets)).services[0];
        expect(migrationInstances(api, { standing: [entry(api, "green", 4)] }, undefined)).toEqual({});
    });

    it("restored: only the release whose migration the restore undid (no longer standing) runs again there; one the restored database holds keeps its Job", async () => {
        const api = (await loadConfigFor("staging", sets)).services[0];
        // A restore to a time between green's 3 -> 4 and blue's 4 -> 5: blue's is undone (not standing).
        expect(migrationInstances(api, { standing: [entry(api, "green", 4)] }, "launchpad-staging-db-r1a2b3c4d")).toEqual({ [releaseId(api, "blue")]: "launchpad-staging-db-r1a2b3c4d" });
        // Once it ran there, the record names that instance: the same value, so the next update runs nothing again.
        const step = schemaStep(api, { version: 4, migrations: [entry(api, "green", 4)] }, undefined, undefined);
        const after = nextRecord(step, true, "2026-12-02T00:00:00Z", undefined, undefined, "launchpad-staging-db-r1a2b3c4d");
        expect(after.migrations.at(-1)).toMatchObject({ releaseId: releaseId(api, "blue"), instance: "launchpad-staging-db-r1a2b3c4d" });
        expect(migrationInstances(api, { standing: after.migrations }, "launchpad-staging-db-r1a2b3c4d")).toEqual({ [releaseId(api, "blue")]: "launchpad-staging-db-r1a2b3c4d" });
        // Another restore that holds both keeps both Jobs as they are; one that undoes blue's again runs it on the new instance.
        expect(migrationInstances(api, { standing: after.migrations }, "launchpad-staging-db-r99999999")).toEqual({ [releaseId(api, "blue")]: "launchpad-staging-db-r1a2b3c4d" });
        expect(migrationInstances(api, { standing: [entry(api, "green", 4)] }, "launchpad-staging-db-r99999999")).toEqual({ [releaseId(api, "blue")]: "launchpad-staging-db-r99999999" });
    });
});

/**
 * Both colors declare a migration and both are recorded (blue 3 -> 4, then green 4 -> 5): the
 * database is at 5, and blue's tool knows only up to 4. A change the release id does not carry must
 * not run either Job again: a Job's `.spec.template` is force-new (pulumi-kubernetes
 * provider/pkg/provider/diff.go `job`, at 94977969), and the engine leaves the ignored paths out of
 * the diff (pulumi/pulumi v3.259.0 step_generator.go `processIgnoreChanges`).
 */
describe("a change the release id does not carry runs no recorded migration again (MIGRATION_JOB_IGNORE_CHANGES)", () => {
    const blueFirst = [...release("blue", { migrate: true, version: 4, supports: [3, 5] }), ...release("green", { version: 4, supports: [3, 5] })];
    const both = [...release("blue", { migrate: true, version: 4, supports: [3, 5] }), ...release("green", { migrate: true, version: 5, supports: [4, 5] })];
    async function recorded(extra: readonly string[]): Promise<{ before: Plan; after: Plan }> {
        const first = await planStack("production", blueFirst, { previousOutputs: previous(3) });
        const before = await planStack("production", both, { previousOutputs: { ...first.outputs } });
        expect((before.outputs.schemaVersions as Record<string, { version: number; migrations: unknown[] }>).api).toMatchObject({ version: 5, migrations: [{ color: "blue", toVersion: 4 }, { color: "green", toVersion: 5 }] });
        const after = await planStack("production", [...both, ...extra], { previousOutputs: { ...before.outputs } });
        return { before, after };
    }
    const migrateJobs = ["launchpad-production-api-blue-migrate", "launchpad-production-api-green-migrate"];

    it("the service's resources: the Deployments update, neither migration Job is replaced (it was: blue's 4 tool ran on 5 and failed the update)", async () => {
        const { before, after } = await recorded(["launchpad:services.api.resources.limits.memory=2Gi"]);
        expect((after.outputs.schemaMigrations as Record<string, { migration: unknown }>).api.migration).toBeNull();
        const changes = planChanges(before, after);
        expect(changes.filter((c) => migrateJobs.includes(c.name))).toEqual([]);
        expect(changes.find((c) => c.name === "launchpad-production-api-blue")).toMatchObject({ kind: "update" });
        for (const name of migrateJobs) expect(named(after, name).options.ignoreChanges).toEqual(["spec.template.spec", "spec.template.metadata.labels"]);
    });

    it("a new release still replaces its color's Job by name, and the pod template's annotations (a restore's re-run) are still compared", async () => {
        const { before, after } = await recorded([`${S}.green.image=ghcr.io/acme/api:1.5.1`]);
        const green = planChanges(before, after).filter((c) => migrateJobs.includes(c.name));
        expect(green.map((c) => [c.name, c.kind, c.replacedBy.includes("metadata.name")])).toEqual([["launchpad-production-api-green-migrate", "replace", true]]);
        expect(named(after, "launchpad-production-api-green-migrate").options.ignoreChanges).not.toContain("spec.template.metadata.annotations");
    });
});

describe("a restore that undoes a migration whose release stays declared (production)", () => {
    // Green migrates 3 -> 4 and goes live; blue's new release migrates again at 4; the restore goes
    // back to blue's restore point, and blue keeps its release, so its migration is to run again.
    it("runs it once on the restored instance, after a new snapshot of that instance the record names; the next update changes nothing", async () => {
        const stack = "production";
        const greenMigrates = [...release("blue", { version: 3, supports: [3, 4] }), ...release("green", { migrate: true, version: 4, supports: [4, 5] })];
        const first = await planStack(stack, greenMigrates, { previousOutputs: previous(3, "blue") });
        const live = await planStack(stack, [...greenMigrates, "launchpad:services.api.activeColor=green"], { previousOutputs: { ...first.outputs } });
        const blueMigrates = [...release("green", { migrate: true, version: 4, supports: [4, 5] }), ...release("blue", { image: "ghcr.io/acme/api:1.5.1", migrate: true, version: 4, supports: [4, 5] }), "launchpad:services.api.activeColor=green"];
        const migrated = await planStack(stack, blueMigrates, { previousOutputs: { ...live.outputs } });
        type Entry = { releaseId: string; instance?: string; restorePoint: { snapshot: string } };
        const entries = (p: Plan) => (p.outputs.schemaVersions as Record<string, { migrations: Entry[] }>).api.migrations;
        const restoring = [...blueMigrates, `launchpad:database.restore.snapshot=${entries(migrated)[1].restorePoint.snapshot}`];
        const restored = await planStack(stack, restoring, { previousOutputs: { ...migrated.outputs } });
        const instance = named(restored, "launchpad-production-database-instance").inputs.identifier as string;
        expect(instance).toMatch(/^launchpad-production-db-r[0-9a-f]{8}$/);
        const ours = (a: Plan, b: Plan) => planChanges(a, b).filter((c) => /-api-(blue|green)-(migrate|restore-point)/.test(c.name)).map((c) => [c.name, c.kind, c.replacedBy]);
        // A new snapshot, of the restored instance: aws_db_snapshot's db_instance_identifier and
        // db_snapshot_identifier are ForceNew (terraform-provider-aws internal/service/rds/snapshot.go),
        // and its expiry schedule's name (internal/service/scheduler/schedule.go); green's stay.
        expect(ours(migrated, restored)).toEqual([
            ["launchpad-production-api-blue-restore-point", "replace", ["dbInstanceIdentifier", "dbSnapshotIdentifier"]],
            ["launchpad-production-api-blue-restore-point-expiry", "replace", ["name"]],
            ["launchpad-production-api-blue-migrate", "replace", ["spec.template.metadata.annotations.launchpad.dev/restored-database"]],
        ]);
        const snapshot = named(restored, "launchpad-production-api-blue-restore-point").inputs;
        expect(snapshot.dbInstanceIdentifier).toBe(instance);
        // The record names that snapshot and the instance the migration ran on.
        expect(entries(restored).map((e) => [e.releaseId, e.instance, e.restorePoint.snapshot])).toEqual([
            [entries(migrated)[0].releaseId, undefined, entries(migrated)[0].restorePoint.snapshot],
            [entries(migrated)[1].releaseId, instance, snapshot.dbSnapshotIdentifier],
        ]);
        const after = await planStack(stack, restoring, { previousOutputs: { ...restored.outputs } });
        expect(after.log).toContain("info: schema api: version 4, no migration");
        expect(ours(restored, after)).toEqual([]);
    }, 120_000);
});

describe("no migration", () => {
    it.each(["staging", "production"])("%s as committed: no Job but the gates and the grants, no snapshot, an empty schema record", async (stack) => {
        const p = await planStack(stack);
        expect(ofType(p, "kubernetes:batch/v1:Job").map((r) => r.name).sort()).toEqual([`launchpad-${stack}-api-blue-gate`, `launchpad-${stack}-api-green-gate`, `launchpad-${stack}-database-grants-job`]);
        expect(ofType(p, "aws:rds/snapshot:Snapshot")).toEqual([]);
        // The release history's reference to the stack itself, and production's to staging; no schema record's.
        expect(ofType(p, "pulumi:pulumi:StackReference").map((r) => r.name).sort()).toEqual(stack === "production" ? ["launchpad-production-history", "launchpad-production-promotion-source"] : ["launchpad-staging-history"]);
        // An empty record, which the next update reads as none (migrations.ts keptRecord).
        expect(p.outputs.schemaVersions).toEqual({});
    });

    it("releases that drop their schema contracts keep the stack's record (without what each color ran), so a later contract is checked against it (found by audit14)", async () => {
        const migration = { releaseId: "0ld0ld0ld0", color: "green", image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, version: 4, at: "2026-11-30T10:00:00Z", restorePoint: { snapshot: SNAPSHOT_3_TO_4, time: "2026-11-30T10:00:00Z" } };
        const last = { schemaVersions: { api: { version: 4, migrations: [migration], colors: { blue: { releaseId: "0ld0ld0ld1", image: "ghcr.io/acme/api:1.4.2", supports: [4, 5] } } } } };
        const p = await planStack("staging", [], { previousOutputs: last });
        expect(p.outputs.schemaVersions).toEqual({ api: { version: 4, migrations: [migration] } });
        // Without the record, this contract (the current version 4 outside [3, 3]) would plan as a first one.
        const r = await staging([...release("green", { version: 3, supports: [3, 3] }), ...release("blue", { version: 3, supports: [3, 3] })], p.outputs);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("launchpad:services.api.releases.blue.schema.supports: received [3,3]; expected a range that includes the current schema version 4");
    });

    // The guard, and the expiry role with it, exists only while a release declares migrate or
    // schema (components/environment.ts); the snapshot and its schedule are retainOnDelete, so the
    // role the schedule runs as must be too, or the schedule runs as a deleted role and the manual
    // snapshot never expires (pulumi/pulumi v3.259.0 pkg/resource/deploy/step.go DeleteStep.Apply:
    // a retained resource's delete calls no provider).
    it("releases that drop their schema contracts leave the restore point, its schedule and the role the schedule runs as in AWS", async () => {
        const migrated = await planAfter("production", EXPAND, PRODUCTION_BEFORE);
        const dropped = await planStack("production", [], { previousOutputs: { ...migrated.outputs } });
        const gone = ["launchpad-production-api-green-restore-point", "launchpad-production-api-green-restore-point-expiry", "launchpad-production-schema-restore-point-expiry", "launchpad-production-schema-restore-point-expiry-delete"];
        expect(planChanges(migrated, dropped).filter((c) => gone.includes(c.name)).map((c) => [c.name, c.kind]).sort()).toEqual(gone.map((n) => [n, "delete"]).sort());
        expect(gone.map((n) => [n, named(migrated, n).options.retainOnDelete])).toEqual(gone.map((n) => [n, true]));
    });

    it("a schema contract without migrate: the record is read and kept, nothing runs", async () => {
        const p: Plan = await planStack("production", [...release("blue", { version: 3, supports: [3, 4] }), ...release("green", { version: 3, supports: [3, 4] })], { previousOutputs: previous(3, "blue") });
        expect(p.resources.filter((r) => r.name.endsWith("-migrate") || r.type === "aws:rds/snapshot:Snapshot")).toEqual([]);
        const service = (await loadConfigFor("production", [...release("blue", { version: 3, supports: [3, 4] }), ...release("green", { version: 3, supports: [3, 4] })])).services[0];
        expect((p.outputs.schemaVersions as Record<string, unknown>).api).toEqual({ version: 3, migrations: [], colors: { blue: colorRecord(service, "blue"), green: colorRecord(service, "green") } });
    });
});

/** Plans staging through the CLI with a previous record; returns the exit code, the document and the problems. */
async function staging(sets: readonly string[], prev: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = scratchFile("launchpad-schema-", "outputs.json", JSON.stringify(prev));
    const r = await planCli(["--stack", "staging", "--previous-outputs", file, ...sets.flatMap((s) => ["--set", s])]);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

const problem = (text: string) => `Invalid configuration for stack "staging" (1 problem):\n  - ${text}\n`;

/**
 * The stack's last outputs for a row: `ran` names what a color this update replaces ran before (the
 * other colors ran what their config gives them); `record: "none"` is a first deploy (no outputs at
 * all), `"without colors"` a record written before Launchpad kept what each color ran.
 */
interface Before { readonly version: number; readonly live: Color; readonly ran?: Partial<Record<Color, Ran>>; readonly record?: "none" | "without colors" }

async function before(stack: string, sets: readonly string[], b: Before): Promise<Record<string, unknown>> {
    if (b.record === "none") return {};
    return previous(b.version, b.live, b.record === "without colors" ? undefined : await ranBefore(stack, sets, b.ran));
}

const EXPAND_BLUE = [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { migrate: true, version: 4, supports: [4, 5] })];
const CONTRACT_BLUE = [...release("green", { version: 4, supports: [4, 5] }), ...release("blue", { image: "ghcr.io/acme/api:1.5.1", migrate: true, version: 5, supports: [4, 5] })];

// Staging: green is live. v4 adds a column (expand), v5 drops the old one (contract). Blue's old
// release (`ran.blue`) keeps its pods until blue's Deployment rolls, after the migration Job.
const COMPATIBILITY = [
    {
        name: "expand allowed: blue migrates to 4, which green's code (live) and blue's outgoing release both run against",
        sets: EXPAND_BLUE,
        prev: { version: 3, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.4.1", supports: [3, 4] } } } as Before,
        code: 0,
        stderr: "info: schema api: version 3 -> 4 (releases.blue migrates)",
    },
    {
        name: "contract refused while the old code runs on green",
        sets: [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { image: "ghcr.io/acme/api:1.5.1", migrate: true, version: 5, supports: [4, 5] })],
        prev: { version: 4, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.5.1", supports: [4, 5] } } } as Before,
        code: 2,
        stderr: problem('launchpad:services.api.releases.blue.schema.version: received 5; expected a version every release running during and after the migration supports: ' +
            'releases.green (live, "ghcr.io/acme/api:1.5.0") supports [3, 4], releases.blue (idle, "ghcr.io/acme/api:1.5.1") supports [4, 5]. ' +
            "Two steps: expand first (a migration to a version releases.green also supports, adding only what the new code needs), " +
            "then contract after the old code is gone (once releases.green runs a release whose schema.supports includes 5)"),
    },
    {
        name: "contract allowed once both colors support it: green's release, and the one blue runs until it rolls",
        sets: CONTRACT_BLUE,
        prev: { version: 4, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.5.1", supports: [4, 5] } } } as Before,
        code: 0,
        stderr: "info: schema api: version 4 -> 5 (releases.blue migrates)",
    },
    {
        name: "contract refused while blue's outgoing release, whose pods run until blue rolls after the Job, does not support it",
        sets: CONTRACT_BLUE,
        prev: { version: 4, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.4.2", supports: [3, 4] } } } as Before,
        code: 2,
        stderr: problem(`launchpad:services.api.releases.blue.schema.version: received 5; expected a version every release running during and after the migration supports: ` +
            `releases.blue still runs "ghcr.io/acme/api:1.4.2" (release ${OLD_ID}, as the stack's last completed update left it) until its Deployment rolls after the migration, and that release supports [3, 4]. ` +
            `Two steps: first deploy on blue a release without migrate whose schema.supports includes both 4 and 5 (releases.green's, "ghcr.io/acme/api:1.5.0", supports [4, 5]), then add the migration in a second update`),
    },
    {
        name: "expand refused while blue's outgoing release declares no schema contract",
        sets: EXPAND_BLUE,
        prev: { version: 3, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.4.0", supports: null } } } as Before,
        code: 2,
        stderr: problem(`launchpad:services.api.releases.blue.schema.version: received 4; expected a version every release running during and after the migration supports: ` +
            `releases.blue still runs "ghcr.io/acme/api:1.4.0" (release ${OLD_ID}, as the stack's last completed update left it) until its Deployment rolls after the migration, and that release declares no schema contract (assumed to support no other version). ` +
            `Two steps: first deploy on blue a release without migrate whose schema.supports includes both 3 and 4 (releases.green's, "ghcr.io/acme/api:1.5.0", supports [3, 4]), then add the migration in a second update`),
    },
    {
        name: "expand refused while green's pods still run the release this update replaces (its contract widened to [3, 4] only now)",
        sets: EXPAND_BLUE,
        prev: { version: 3, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.4.1", supports: [3, 4] }, green: { image: "ghcr.io/acme/api:1.5.0", supports: [3, 3] } } } as Before,
        code: 2,
        stderr: problem(`launchpad:services.api.releases.blue.schema.version: received 4; expected a version every release running during and after the migration supports: ` +
            `releases.green still runs "ghcr.io/acme/api:1.5.0" (release ${OLD_ID}, as the stack's last completed update left it) until its Deployment rolls in this update, and that release supports [3, 3]. ` +
            "Two steps: first deploy the new releases.green without the migration, then add the migration in a second update"),
    },
    {
        // The plan's graph: blue's Deployment does not depend on green's migration Job, so blue's new
        // pods start beside it, on version 3 (and stay there if the Job fails). Found by audit14.
        name: "expand refused while the other color's new release, rolling beside the migration, does not support the current version",
        sets: [...release("green", { migrate: true, version: 4, supports: [3, 4] }), ...release("blue", { image: "ghcr.io/acme/api:1.6.0", version: 4, supports: [4, 5] })],
        prev: { version: 3, live: "green", ran: { green: { image: "ghcr.io/acme/api:1.5.0", supports: [3, 4] }, blue: { image: "ghcr.io/acme/api:1.4.2", supports: [3, 4] } } } as Before,
        code: 2,
        stderr: problem(`launchpad:services.api.releases.blue.schema.supports: received [4,5]; expected a range that includes the current schema version 3 as well as 4: ` +
            `releases.blue (idle, "ghcr.io/acme/api:1.6.0") replaces "ghcr.io/acme/api:1.4.2" in this update and rolls beside releases.green's migration, not after it, ` +
            `so its pods may start on version 3 (and stay on it if the migration fails). ` +
            `Two steps: first the migration with releases.blue left on "ghcr.io/acme/api:1.4.2", then the new releases.blue in a second update`),
    },
    {
        name: "expand allowed beside the other color's new release when it supports both the current version and the new one",
        sets: [...release("green", { migrate: true, version: 4, supports: [3, 4] }), ...release("blue", { image: "ghcr.io/acme/api:1.6.0", version: 4, supports: [3, 5] })],
        prev: { version: 3, live: "green", ran: { green: { image: "ghcr.io/acme/api:1.5.0", supports: [3, 4] }, blue: { image: "ghcr.io/acme/api:1.4.2", supports: [3, 4] } } } as Before,
        code: 0,
        stderr: "info: schema api: version 3 -> 4 (releases.green migrates)",
    },
    {
        name: "first deploy: nothing runs before, so nothing outgoing",
        sets: EXPAND_BLUE,
        prev: { version: 0, live: "green", record: "none" } as Before,
        code: 0,
        stderr: "info: schema api: no recorded version -> 4 (releases.blue migrates)",
    },
    {
        name: "a record written before Launchpad kept what each color ran: the outgoing release is not checked this once",
        sets: EXPAND_BLUE,
        prev: { version: 3, live: "green", record: "without colors" } as Before,
        code: 0,
        stderr: "info: schema api: version 3 -> 4 (releases.blue migrates)",
    },
    {
        name: "a migration while the other color declares no contract",
        sets: release("blue", { migrate: true, version: 4, supports: [4, 5] }),
        prev: { version: 3, live: "green", ran: { blue: { image: "ghcr.io/acme/api:1.4.1", supports: [3, 4] } } } as Before,
        code: 2,
        stderr: problem('launchpad:services.api.releases.green.schema: received nothing; expected a schema contract whose supports includes 4: releases.blue migrates to 4 while releases.green (live, "ghcr.io/acme/api:1.5.0") runs, ' +
            "and a release without schema.supports is assumed to support no other version. " +
            "Two steps: expand first (a migration to a version releases.green also supports, adding only what the new code needs), " +
            "then contract after the old code is gone (once releases.green runs a release whose schema.supports includes 4)"),
    },
    {
        name: "rollback refused: green goes live again, but its release does not support the current version 5",
        sets: [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { version: 5, supports: [4, 5] })],
        prev: { version: 5, live: "blue" } as Before,
        code: 2,
        stderr: problem('launchpad:services.api.activeColor: received "green"; expected a color whose release supports the current schema version 5: ' +
            'releases.green (live, "ghcr.io/acme/api:1.5.0") supports [3, 4]. Undo the migration first (docs/runbooks/database-corruption.md, "Undo a migration": ' +
            "restore to the restore point before version 5), or give green a release whose schema.supports includes 5"),
    },
    {
        name: "both colors migrating in one update",
        sets: [...release("green", { migrate: true, version: 4, supports: [4, 5] }), ...release("blue", { migrate: true, version: 4, supports: [4, 5] })],
        prev: { version: 3, live: "green" } as Before,
        code: 2,
        stderr: problem("launchpad:services.api.releases: received migrations in both blue and green; expected one migration per update: " +
            "deploy one color's migration, then the other's, so the plan can check each against the release that keeps running"),
    },
];

describe("the compatibility rule, in staging with green live", () => {
    it.each(COMPATIBILITY)("$name (exit $code)", async ({ sets, prev, code, stderr }) => {
        const r = await staging(sets, await before("staging", sets, prev));
        expect(r.code).toBe(code);
        // Refused: exactly the problem, and nothing on stdout. Planned: the plan's schema line among its notes.
        expect(r.code === 2 ? r.stderr : r.stderr.split("\n").find((l) => l.startsWith("info: schema api:"))).toBe(stderr);
        expect(r.code === 2 ? r.stdout : "").toBe("");
        // A plan that cannot check the outgoing release says so, and only that one.
        const warning = `warning: ${unknownOutgoingLine("api", "blue")}`;
        expect(r.stderr.split("\n").includes(warning)).toBe(prev.record === "without colors");
    });

    it("a refused migration registers no Job (the rule gates its inputs)", async () => {
        await expect(planStack("staging", [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { migrate: true, version: 5, supports: [5, 5] })], { previousOutputs: previous(4, "green") }))
            .rejects.toThrow(/releases\.blue\.schema\.version: received 5/);
    });

    it("a migration already recorded does not run again; the record's version stands", async () => {
        const sets = [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { migrate: true, version: 4, supports: [4, 5] })];
        const service = (await loadConfigFor("staging", sets)).services[0];
        const id = releaseId(service, "blue");
        const record = { version: 4, migrations: [{ color: "blue" as const, releaseId: id, image: "ghcr.io/acme/api:1.4.2", fromVersion: 3, toVersion: 4, at: "2026-12-01T00:00:00Z" }] };
        expect(schemaStep(service, record)).toEqual({ service: "api", current: 4, migration: undefined, target: 4, standing: record.migrations });
    });
});

/**
 * A `pulumi up` that fails past its migration Job (at the gate, say) leaves the stack's outputs as
 * they were: the Node SDK sends every stack output in one RegisterResourceOutputs once they all
 * resolved (pulumi/pulumi sdk/nodejs/runtime/resource.ts `registerResourceOutputs`), and a failed
 * resource rejects its outputs, so none is sent; outputs that were sent are merged over the old ones
 * when the update errs (pkg/resource/deploy/step_executor.go `executeRegisterResourceOutputs`,
 * finalized in deployment_executor.go). Either way the re-run's verdict is the first run's.
 */
describe("the re-run after an update that failed past its migration", () => {
    const allowed = COMPATIBILITY[0];
    const refused = COMPATIBILITY.find((c) => c.name.startsWith("expand refused"));

    it("outputs not written: the re-run reads the record the first run read, and is allowed as it was", async () => {
        const prev = await before("staging", allowed.sets, allowed.prev);
        const first = await planStack("staging", allowed.sets, { previousOutputs: prev });
        const rerun = await planStack("staging", allowed.sets, { previousOutputs: prev });
        const line = (p: Plan) => p.log.filter((l) => l.startsWith("info: schema api:"));
        expect(line(first)).toEqual(["info: schema api: version 3 -> 4 (releases.blue migrates)"]);
        expect(line(rerun)).toEqual(line(first));
        expect(named(rerun, "launchpad-staging-api-blue-migrate").inputs).toEqual(named(first, "launchpad-staging-api-blue-migrate").inputs);
    });

    it("outputs not written, a refused first run: the re-run is refused with the same problem", async () => {
        expect(refused).toBeDefined();
        const r = refused as (typeof COMPATIBILITY)[number];
        const prev = await before("staging", r.sets, r.prev);
        const first = await staging(r.sets, prev);
        const rerun = await staging(r.sets, prev);
        expect(first).toEqual({ code: 2, stdout: "", stderr: r.stderr });
        expect(rerun).toEqual(first);
    });

    it("outputs written although the update failed: the migration and blue's new release are recorded, nothing is pending", async () => {
        const first = await planAfter("staging", allowed.sets, allowed.prev);
        const written = { schemaVersions: first.outputs.schemaVersions, liveServices: first.outputs.liveServices };
        const rerun = await planStack("staging", allowed.sets, { previousOutputs: written });
        expect(rerun.log).toContain("info: schema api: version 4, no migration");
        expect(rerun.log.some((l) => l.includes("does not say which release"))).toBe(false);
    });

    it("once it completed, the record carries on: green's old release refuses the contract until the two steps the message names are taken", async () => {
        const outputs = (p: Plan) => ({ schemaVersions: p.outputs.schemaVersions, liveServices: p.outputs.liveServices });
        const first = await planAfter("staging", allowed.sets, allowed.prev);
        const service = (await loadConfigFor("staging", allowed.sets)).services[0];
        expect((first.outputs.schemaVersions as Record<string, { colors: unknown }>).api.colors).toEqual({ blue: colorRecord(service, "blue"), green: colorRecord(service, "green") });
        // Blue goes live; then green, idle, still on 1.5.0 (supports [3, 4]), is to contract to 5.
        const switched = [...allowed.sets, "launchpad:services.api.activeColor=blue"];
        const live = await planStack("staging", switched, { previousOutputs: outputs(first) });
        expect(live.log).toContain("info: schema api: version 4, no migration");
        const blue = [...release("blue", { migrate: true, version: 4, supports: [4, 5] }), "launchpad:services.api.activeColor=blue"];
        const contract = [...release("green", { image: "ghcr.io/acme/api:1.5.2", migrate: true, version: 5, supports: [4, 5] }), ...blue];
        await expect(planStack("staging", contract, { previousOutputs: outputs(live) })).rejects.toThrow(
            `launchpad:services.api.releases.green.schema.version: received 5; expected a version every release running during and after the migration supports: ` +
            `releases.green still runs "ghcr.io/acme/api:1.5.0" (release ${releaseId(service, "green")}, as the stack's last completed update left it) until its Deployment rolls after the migration, and that release supports [3, 4]. ` +
            `Two steps: first deploy on green a release without migrate whose schema.supports includes both 4 and 5 (releases.blue's, "ghcr.io/acme/api:1.4.2", supports [4, 5]), then add the migration in a second update`);
        // Step one: the new code on green without migrate; step two: the migration.
        const stepOne = await planStack("staging", [...release("green", { image: "ghcr.io/acme/api:1.5.2", version: 4, supports: [4, 5] }), ...blue], { previousOutputs: outputs(live) });
        expect(stepOne.log).toContain("info: schema api: version 4, no migration");
        const stepTwo = await planStack("staging", contract, { previousOutputs: outputs(stepOne) });
        expect(stepTwo.log).toContain("info: schema api: version 4 -> 5 (releases.green migrates)");
    });
});

/**
 * The `pulumi up` after one that failed past its restore point, with a fixed release: a new release
 * id, so a new migration Job (pulumi-kubernetes provider.go Diff: `.metadata.name` is a force-new
 * field; the names differ, so create-first). The restore point must stay the snapshot taken before
 * the first attempt, which may have changed the schema: aws_db_snapshot's only ForceNew inputs are
 * db_snapshot_identifier and db_instance_identifier (terraform-provider-aws
 * internal/service/rds/snapshot.go, where Update changes tags only), so with both unchanged the
 * engine updates it in place, and its point-in-time tag stays the first run's (ignoreChanges:
 * pulumi/pulumi pkg/resource/deploy/step_generator.go, processIgnoreChanges).
 */
describe("a fixed release after an update that failed past its restore point", () => {
    const prefix = "launchpad-production-api";
    const FIXED = [...EXPAND, `${S}.green.image=ghcr.io/acme/api:1.5.1`];
    const snapshotOf = (p: Plan) => named(p, `${prefix}-green-restore-point`);

    it("outputs not written: the fixed release keeps the first attempt's snapshot and schedule; only its Job is new", async () => {
        const first = await planAfter("production", EXPAND, PRODUCTION_BEFORE);
        const fixed = await planAfter("production", FIXED, PRODUCTION_BEFORE);
        const service = (await loadConfigFor("production", FIXED)).services[0];
        expect(releaseId(service, "green")).not.toBe(releaseId((await loadConfigFor("production", EXPAND)).services[0], "green"));
        for (const path of ["dbSnapshotIdentifier", "dbInstanceIdentifier"]) {
            expect(input(snapshotOf(fixed), path)).toBe(input(snapshotOf(first), path));
        }
        expect(input(snapshotOf(fixed), "dbSnapshotIdentifier")).toBe(SNAPSHOT_3_TO_4);
        // Its tags follow the release that now migrates (an update in place).
        expect(input(snapshotOf(fixed), "tags")).toMatchObject({ Name: SNAPSHOT_3_TO_4, "launchpad.dev/release-id": releaseId(service, "green") });
        const schedule = (p: Plan) => named(p, `${prefix}-green-restore-point-expiry`);
        expect(input(schedule(fixed), "name")).toBe(input(schedule(first), "name"));
        expect(input(schedule(fixed), "target")).toEqual(input(schedule(first), "target"));
        const job = (p: Plan) => input(named(p, `${prefix}-green-migrate`), "metadata.name");
        expect(job(fixed)).toBe(`api-green-migrate-${releaseId(service, "green")}`);
        expect(job(fixed)).not.toBe(job(first));
        // The record takes the migration with that restore point.
        expect((fixed.outputs.schemaMigrations as Record<string, { restorePoint: unknown }>).api.restorePoint).toEqual({ snapshot: SNAPSHOT_3_TO_4, time: "2026-12-02T00:00:00Z" });
    });

    it("once an update completed, the next migration of that color, even at the same version, takes a new snapshot", async () => {
        const first = await planAfter("production", EXPAND, PRODUCTION_BEFORE);
        const written = { schemaVersions: first.outputs.schemaVersions, liveServices: first.outputs.liveServices };
        const id = releaseId((await loadConfigFor("production", EXPAND)).services[0], "green");
        const again = await planStack("production", [...EXPAND, `${S}.green.image=ghcr.io/acme/api:1.5.2`], { previousOutputs: written });
        expect(again.log).toContain(`info: schema api: version 4 -> 4 (releases.green migrates); restore point launchpad-production-db-pre-api-green-v4-to-v4-after-${id} (point in time 2026-12-02T00:00:00Z)`);
        // The first one stays as recorded (its undo settings still name it).
        expect(((again.outputs.schemaVersions as Record<string, { migrations: { restorePoint?: { snapshot: string } }[] }>).api.migrations).map((m) => m.restorePoint?.snapshot))
            .toEqual([SNAPSHOT_3_TO_4, `launchpad-production-db-pre-api-green-v4-to-v4-after-${id}`]);
    });

    it("a migration recorded with a snapshot named after its release id keeps that snapshot and its schedule's name", async () => {
        const id = releaseId((await loadConfigFor("production", EXPAND)).services[0], "green");
        const old = `launchpad-production-db-pre-api-green-${id}`;
        const prev = await before("production", EXPAND, PRODUCTION_BEFORE);
        const record = { version: 4, migrations: [{ color: "green", releaseId: id, image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, toVersion: 4, at: "2026-11-30T08:00:00Z", restorePoint: { snapshot: old, time: "2026-11-30T08:00:00Z" } }] };
        const p = await planStack("production", EXPAND, { previousOutputs: { ...prev, schemaVersions: { api: { ...(prev.schemaVersions as Record<string, object>).api, ...record } } } });
        expect(p.log).toContain("info: schema api: version 4, no migration");
        expect(input(snapshotOf(p), "dbSnapshotIdentifier")).toBe(old);
        expect(input(named(p, `${prefix}-green-restore-point-expiry`), "name")).toBe(`restore-point-expiry-green-${id}-api`);
    });
});

describe("undo settings that name a restore point past the tier's retention", () => {
    // Its schedule runs 35 days after the run that took it (restorePointExpiry, the same run date as
    // the point-in-time tag); LAUNCHPAD_TODAY is 2026-12-02.
    type Record_ = { migrations: { restorePoint: { snapshot: string; time: string } }[] };
    async function nextWith(time: string): Promise<Plan> {
        const first = await planAfter("production", EXPAND, PRODUCTION_BEFORE);
        const record = structuredClone(first.outputs.schemaVersions) as unknown as Record<string, Record_>;
        record.api.migrations[0].restorePoint.time = time;
        return planStack("production", EXPAND, { previousOutputs: { schemaVersions: record, liveServices: first.outputs.liveServices } });
    }
    it("warns once it expired: the schedule deleted the snapshot the undo names", async () => {
        const p = await nextWith("2026-10-28T00:00:00Z");
        expect((p.outputs.schemaMigrations as Record<string, { undo: string[] }>).api.undo).toContain(`launchpad:database.restore.snapshot=${SNAPSHOT_3_TO_4}`);
        expect(p.log.filter((l) => l.startsWith("warning: schema api:"))).toEqual([
            `warning: schema api: the undo settings name the restore point ${SNAPSHOT_3_TO_4}, which expired at 2026-12-02T00:00:00Z (the tier's 35 days after 2026-10-28T00:00:00Z) ` +
                "unless its schedule was deleted to keep it; the point-in-time window no longer reaches that time either. Check that the snapshot exists before a restore names it",
        ]);
    });
    it("says nothing while it is kept (a second before its day)", async () => {
        const p = await nextWith("2026-10-28T00:00:01Z");
        expect(p.log.filter((l) => l.startsWith("warning: schema api:"))).toEqual([]);
    });
});

describe("the restore point's time after a re-run", () => {
    // First run at 10:15:03 took the snapshot, the migration ran, the gate failed; the re-run at 11:02:40
    // finds the snapshot in its state with the first run's tag (ignoreChanges kept it), and records that.
    it.each<{ state: Record<string, string> | undefined; recorded: string; why: string }>([
        { state: { Name: "x", "launchpad.dev/point-in-time": "2026-12-01T10:15:03Z" }, recorded: "2026-12-01T10:15:03Z", why: "the snapshot's own time, not the re-run's" },
        { state: { Name: "x" }, recorded: "2026-12-01T11:02:40Z", why: "a snapshot taken before the tag existed: this run's time" },
        { state: undefined, recorded: "2026-12-01T11:02:40Z", why: "no snapshot state yet (a preview): this run's time" },
    ])("$why", ({ state, recorded }) => {
        expect(takenAt(state, "2026-12-01T11:02:40Z")).toBe(recorded);
    });
});

describe("the restore point a color's snapshot is (restorePointTarget)", () => {
    const STEP = "v4-to-v5-after-0123456789";
    it.each([
        { why: "a migration not yet recorded: a new name after the instance it runs against now and its schema step", recorded: undefined, snapshot: `launchpad-production-db-r1a2b3c4d-pre-api-green-${STEP}`, instance: "launchpad-production-db-r1a2b3c4d" },
        { why: "a recorded migration after a restore renamed the instance: its snapshot and the instance it was taken of", recorded: "launchpad-production-db-pre-api-green-v3-to-v4", snapshot: "launchpad-production-db-pre-api-green-v3-to-v4", instance: "launchpad-production-db" },
        { why: "a migration recorded before restore points were named after steps: its snapshot, named after its release id, and its instance", recorded: "launchpad-production-db-pre-api-green-0123456789", snapshot: "launchpad-production-db-pre-api-green-0123456789", instance: "launchpad-production-db" },
        { why: "a recorded name of another color (a malformed record): a new name", recorded: "launchpad-production-db-pre-api-blue-0123456789", snapshot: `launchpad-production-db-r1a2b3c4d-pre-api-green-${STEP}`, instance: "launchpad-production-db-r1a2b3c4d" },
    ])("$why", ({ recorded, snapshot, instance }) => {
        expect(restorePointTarget(recorded, "launchpad-production-db-r1a2b3c4d", "launchpad-production-db-r1a2b3c4d", "api", "green", STEP)).toEqual({ snapshot, instance });
    });

    it("its expiry schedule keeps a release-id name where the snapshot has one (so its date), and is named after the snapshot otherwise", () => {
        expect(restorePointExpiryKey("launchpad-production-db-pre-api-green-0123456789", "api", "green")).toBe("0123456789");
        const step = restorePointExpiryKey("launchpad-production-db-pre-api-green-v3-to-v4", "api", "green");
        expect(step).toMatch(/^[0-9a-f]{10}$/);
        // Another stack's (or a restored instance's) snapshot of the same step: another schedule.
        expect(restorePointExpiryKey("launchpad-production-eu-db-pre-api-green-v3-to-v4", "api", "green")).not.toBe(step);
        expect(restorePointExpiryKey("launchpad-production-db-r1a2b3c4d-pre-api-green-v3-to-v4", "api", "green")).not.toBe(step);
    });
});

describe("a restore that names a recorded restore point", () => {
    const sets = [...release("green", { version: 3, supports: [3, 4] }), ...release("blue", { version: 3, supports: [3, 4] })];
    const rp = { snapshot: "launchpad-staging-db-pre-api-blue-0123456789", time: "2026-12-01T10:15:03Z" };
    const record = {
        version: 4,
        migrations: [
            { color: "green" as const, releaseId: "aaaaaaaaaa", image: "ghcr.io/acme/api:1.4.0", fromVersion: 2, toVersion: 3, at: "2026-11-20T09:00:00Z" },
            { color: "blue" as const, releaseId: "0123456789", image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, toVersion: 4, at: rp.time, restorePoint: rp },
        ],
    };

    it.each([
        { form: "its snapshot", restore: { kind: "snapshot" as const, snapshot: rp.snapshot } },
        { form: "its point-in-time timestamp", restore: { kind: "pointInTime" as const, sourceInstance: "launchpad-staging-db", time: rp.time } },
    ])("by $form: the version before it is current again, and the migrations after it are undone", async ({ restore }) => {
        const service = (await loadConfigFor("staging", sets)).services[0];
        expect(schemaStep(service, record, restore)).toEqual({ service: "api", current: 3, migration: undefined, target: 3, standing: [record.migrations[0]] });
    });

    it("any other restore leaves the record's version", async () => {
        const service = (await loadConfigFor("staging", sets)).services[0];
        expect(schemaStep(service, record, { kind: "snapshot", snapshot: "some-other-snapshot" })).toMatchObject({ current: 4, target: 4 });
    });
});

// docs/runbooks/database-corruption.md A: the database restored to T, just before the corruption. A
// migration whose update started after T is not in the restored database (RDS restores the instance
// as it was at T), so its releases are checked against the version before it, as for a restore point.
describe("a point-in-time restore to a time of its own", () => {
    const rp = { snapshot: "launchpad-production-db-pre-api-green-v3-to-v4", time: "2026-11-20T09:00:00Z" };
    const record = { api: { version: 4, migrations: [{ color: "green" as const, releaseId: "0123456789", image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, toVersion: 4, at: rp.time, restorePoint: rp }] } };
    const restore = (time: string) => ({ kind: "pointInTime" as const, sourceInstance: "launchpad-production-db", time });
    const restored = (time: string) => databaseInstanceIdentifier("launchpad-production", restore(time));
    const sets = [...release("blue", { version: 4, supports: [3, 4] }), ...release("green", { version: 4, supports: [3, 4] }), "launchpad:promotion.allowUnverified=true"];

    it("in the update that performs it (the recorded instance is not yet the restore's), undoes each migration whose update started after its time", async () => {
        const before = "2026-11-19T12:00:00Z";
        expect(restoreCut(restore(before), record, "launchpad-production-db", restored(before))).toEqual({ time: before });
        const service = (await loadConfigFor("production", sets)).services[0];
        expect(schemaStep(service, record.api, restore(before), true, before)).toMatchObject({ current: 3, target: 3, standing: [] });
        // A time after the migration's update started keeps it.
        expect(schemaStep(service, record.api, restore("2026-11-21T00:00:00Z"), true, "2026-11-21T00:00:00Z")).toMatchObject({ current: 4, standing: record.api.migrations });
    });

    it("undoes none once performed (the key stays for the database's life, and later migrations stand), for \"latest\", or without a recorded instance", () => {
        const before = "2026-11-19T12:00:00Z";
        expect(restoreCut(restore(before), record, restored(before), restored(before))).toBeUndefined();
        expect(restoreCut(restore("latest"), record, "launchpad-production-db", restored("latest"))).toBeUndefined();
        expect(restoreCut(restore(before), record, undefined, restored(before))).toBeUndefined();
    });

    it("the production plan checks the releases against the restored version, read from the stack's recorded instance", async () => {
        const identity = (await planStack("production")).outputs[IDENTITY_OUTPUT];
        const set = `launchpad:database.restore={sourceInstance: launchpad-production-db, time: "2026-11-19T12:00:00Z"}`;
        const p = await planStack("production", [...sets, set], { previousOutputs: { schemaVersions: record, [IDENTITY_OUTPUT]: identity } });
        expect(p.log.filter((l) => l.startsWith("info: schema "))).toEqual(["info: schema api: version 3, no migration"]);
        await expect(planStack("production", [...release("blue", { version: 4, supports: [4, 4] }), ...release("green", { version: 4, supports: [4, 4] }), "launchpad:promotion.allowUnverified=true", set], { previousOutputs: { schemaVersions: record, [IDENTITY_OUTPUT]: identity } }))
            .rejects.toThrow(/expected a range that includes the current schema version 3/);
    });
});

describe("config", () => {
    it.each([
        { sets: [`${S}.blue.migrate={command: ["./migrate"]}`], problem: 'launchpad:services.api.releases.blue.migrate: received {"command":["./migrate"]}; expected schema: { version, supports: [min, max] } next to it, so the plan can check the migration against the other color' },
        { sets: [`${S}.blue.schema={version: 2, supports: [3, 4]}`], problem: "launchpad:services.api.releases.blue.schema.version: received 2; expected a version within supports [3, 4]: a release must run against the schema it migrates to" },
        { sets: [`${S}.blue.schema={version: 4, supports: [5, 3]}`], problem: "launchpad:services.api.releases.blue.schema.supports: received [5,3]; expected [min, max] with min <= max" },
    ])("refuses $sets with its exact message (exit 2)", async ({ sets, problem: text }) => {
        const r = await planCli(["--stack", "staging", ...sets.flatMap((s) => ["--set", s])]);
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(problem(text));
    });

    it("defaults the migration image to the release's own and keeps the command", async () => {
        const config = await loadConfigFor("staging", EXPAND);
        expect(config.services[0].releases.green.migrate).toEqual({ command: ["./migrate", "up"], image: "ghcr.io/acme/api:1.5.0" });
        expect(config.services[0].releases.green.schema).toEqual({ version: 4, supports: [4, 5] });
        expect(config.services[0].releases.blue.migrate).toBeUndefined();
    });
});

describe("the policy pack with a migration", () => {
    it.each([
        { stack: "production", sets: EXPAND, prev: PRODUCTION_BEFORE },
        { stack: "staging", sets: EXPAND_BLUE, prev: COMPATIBILITY[0].prev },
    ])("$stack: the migration Job and restore point pass every policy, the deployability preflight included (staging: the Job alone)", async ({ stack, sets, prev }) => {
        const p = await planAfter(stack, sets, prev);
        expect(p.resources.some((r) => r.name.endsWith("-migrate"))).toBe(true);
        expect(await evaluatePlan(p)).toEqual([]);
    });
});

describe.skipIf(SKIP_PROCESSES)("under the real entry point, `npm run plan` (node scripts/compiled.cjs plan, a process of its own)", () => {
    // Build the bundle once, before the processes that run side by side would race to build it.
    beforeAll(() => {
        const help = planProcess(["--help"]);
        if (help.status !== 0) throw new Error(`building the plan bundle failed:\n${help.stderr}`);
    }, 200_000);
    const previousFile = (outputs: Record<string, unknown>): string => scratchFile("launchpad-schema-", "outputs.json", JSON.stringify(outputs));

    // The two refusals the issue names (contract while the old code runs, rollback to an incompatible color); the whole table,
    // these two included, runs in-process above with the same expectations.
    it.concurrent.for(COMPATIBILITY.filter((c) => c.name.startsWith("contract refused while the old code") || c.name.startsWith("rollback refused")))("$name: exit 2, exactly the problem on stderr, nothing on stdout", { timeout: 200_000 }, async ({ sets, prev, stderr }, { expect }) => {
        const r = await planProcessAsync(["--stack", "staging", "--previous-outputs", previousFile(await before("staging", sets, prev)), ...sets.flatMap((s) => ["--set", s])]);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(stderr);
    });
});
