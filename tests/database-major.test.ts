/**
 * A major engine version upgrade (components/database.ts `majorUpgradeSettings`,
 * components/identity-record.ts): refused where RDS would refuse it, before anything moves, in every
 * tier; a skipped major warned with the live check; a restore point RDS takes itself in every tier.
 */
import { describe, expect, it } from "vitest";
import { databaseMajorUpgrade, engineVersionStepProblems, engineVersionStepWarnings, IDENTITY_OUTPUT, type StackIdentity } from "../components/identity-record";
import { MAJOR_UPGRADE_DOCS } from "../lib/support-calendar";
import { majorUpgradeSettings } from "../components/database";
import { ConfigError } from "../config";
import { TODAY_ENV } from "../config/clock";
import { planChanges } from "../plan/changes";
import { safetyFor, TIERS } from "../config/tier";
import { frozen, named, planStack, type Plan } from "./support/plan";

const PG = ["launchpad:database.engine=postgres"];

/**
 * Staging's postgres 16 to 17 update over the recorded 16, planned once for the two tests that read it,
 * frozen (planStack's cache keeps no plan with previous outputs).
 */
let upgradePlan: Promise<Plan> | undefined;
const upgradeTo17 = (): Promise<Plan> => (upgradePlan ??= planStack("staging", [...PG, 'launchpad:database.engineVersion="16"'])
    .then((before) => planStack("staging", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: before.outputs }))
    .then(frozen));

const DOWNGRADE = `launchpad:database.engineVersion: received "16"; expected "17" or a later major: the database runs postgres 17 (the stack's recorded identity), ` +
    `and RDS never downgrades an engine ("After the upgrade is complete, you can't revert to the previous version of the database engine", RDS User Guide, USER_UpgradeDBInstance.PostgreSQL), ` +
    `so ModifyDBInstance would refuse it mid-update; to go back, restore the snapshot RDS took before the upgrade into a new instance (launchpad:database.restore { snapshot }) (${MAJOR_UPGRADE_DOCS})`;

function identity(engine: string, engineMajor: string | undefined, instance = "launchpad-staging-db"): StackIdentity {
    return { database: { engine, name: "app", username: "launchpad_admin", instance, restored: false, ...(engineMajor !== undefined ? { engineMajor } : {}) } };
}

describe("the step rules, from the recorded identity", () => {
    it.each([
        // [engine, recorded, new, refused, upgrade]
        ["postgres", "17", "16", true, false],
        ["postgres", "16", "17", false, true],
        ["postgres", "17", "17", false, false],
        ["mysql", "8.4", "8.0", true, false],
        ["mysql", "8.0", "8.4", false, true],
    ] as const)("%s %s to %s: refused %s, applied immediately %s", (engine, was, now, refused, upgrade) => {
        expect(engineVersionStepProblems(identity(engine, was), identity(engine, now)).length > 0).toBe(refused);
        expect(databaseMajorUpgrade(identity(engine, was), identity(engine, now))).toBe(upgrade);
    });

    it("nothing to compare: a first update, a restore into a new instance, another engine", () => {
        const cases: [StackIdentity, StackIdentity][] = [
            [{}, identity("postgres", "16")],
            [identity("postgres", "17"), identity("postgres", "16", "launchpad-staging-db-r1a2b3c4")],
            [identity("mysql", "8.4"), identity("postgres", "16")],
        ];
        for (const [was, now] of cases) {
            expect(engineVersionStepProblems(was, now)).toEqual([]);
            expect(databaseMajorUpgrade(was, now)).toBe(false);
        }
    });

    it("a record without the major (updated before it was kept) is refused nothing and applied immediately once: it may be the upgrade", () => {
        expect(engineVersionStepProblems(identity("mysql", undefined), identity("mysql", "8.4"))).toEqual([]);
        expect(databaseMajorUpgrade(identity("mysql", undefined), identity("mysql", "8.4"))).toBe(true);
    });

    it("says so in the preview, since any other instance change in that update is applied immediately too", async () => {
        const deployed = (await planStack("staging")).outputs;
        const identityOf = deployed[IDENTITY_OUTPUT] as StackIdentity;
        const legacy = { ...deployed, [IDENTITY_OUTPUT]: { ...identityOf, database: { ...identityOf.database, engineMajor: undefined } } };
        const p = await planStack("staging", [], { previousOutputs: legacy });
        expect(p.log.filter((l) => l.includes("records no engine major yet"))).toEqual([
            expect.stringContaining("this update applies the database instance's changes immediately, not at the maintenance window"),
        ]);
        const recorded = await planStack("staging", [], { previousOutputs: deployed });
        expect(recorded.log.filter((l) => l.includes("records no engine major yet"))).toEqual([]);
    });

    it("a skipped major is a warning naming the live ValidUpgradeTarget check (the RDS User Guide's table is per source minor, not vendored)", () => {
        expect(engineVersionStepWarnings(identity("postgres", "14"), identity("postgres", "16"))).toEqual([
            "launchpad:database.engineVersion: postgres 14 to 16 skips a major version; RDS offers only some such upgrades directly, per source minor: " +
            `check with aws rds describe-db-engine-versions --engine postgres --engine-version <version> --query 'DBEngineVersions[].ValidUpgradeTarget' before pulumi up (${MAJOR_UPGRADE_DOCS})`,
        ]);
        expect(engineVersionStepWarnings(identity("postgres", "16"), identity("postgres", "17"))).toEqual([]);
        expect(engineVersionStepWarnings(identity("mysql", "8.0"), identity("mysql", "8.4"))).toEqual([]);
    });
});

describe("a lower major is refused before anything moves, in every tier (RDS User Guide: no revert after an upgrade)", () => {
    it.each(["staging", "production"])("%s: postgres 17 recorded, 16 asked: the exact config error", async (stack) => {
        const previous = (await planStack(stack, [...PG, 'launchpad:database.engineVersion="17"'])).outputs;
        const err: unknown = await planStack(stack, [...PG, 'launchpad:database.engineVersion="16"'], { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([DOWNGRADE]);
    });

    it("a skipped major plans, with the warning in the plan's log", async () => {
        const previous = (await planStack("staging", [...PG, 'launchpad:database.engineVersion="14"'])).outputs;
        const p = await planStack("staging", [...PG, 'launchpad:database.engineVersion="16"'], { previousOutputs: previous });
        expect(p.log.filter((l) => l.includes("skips a major version"))).toHaveLength(1);
        expect(named(p, "launchpad-staging-database-instance").inputs).toMatchObject({ applyImmediately: true });
    });
});

describe("the restore point before a major upgrade is RDS's own", () => {
    // "Amazon RDS takes two DB snapshots during the upgrade process if your backup retention period is
    // greater than 0. The first DB snapshot is of the DB instance before any upgrade changes have been
    // made" (RDS User Guide, USER_UpgradeDBInstance.PostgreSQL; USER_UpgradeDBInstance.MySQL says the same,
    // awsdocs/amazon-rds-user-guide doc_source/). Every tier keeps automated backups, so it is always taken.
    it.each(TIERS)("%s keeps automated backups (backup retention above 0)", (tier) => {
        expect(safetyFor(tier).backupRetentionDays).toBeGreaterThan(0);
    });

    it("production's upgrade: the instance keeps its 35-day retention and upgrades in this update", async () => {
        const previous = (await planStack("production", [...PG, 'launchpad:database.engineVersion="16"'])).outputs;
        const p = await planStack("production", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: previous });
        expect(named(p, "launchpad-production-database-instance").inputs).toMatchObject({ backupRetentionPeriod: 35, allowMajorVersionUpgrade: true, applyImmediately: true, engineVersion: "17" });
    });

    it("the builder: allowed always, immediate only when asked", () => {
        expect(majorUpgradeSettings(undefined)).toEqual({ allowMajorVersionUpgrade: true, applyImmediately: false });
        expect(majorUpgradeSettings(true)).toEqual({ allowMajorVersionUpgrade: true, applyImmediately: true });
    });
});

describe("the update after the upgrade: applyImmediately flips back, and nothing else on the instance changes", () => {
    // The provider's resourceInstanceUpdate (pulumi/terraform-provider-aws 0c2894b8,
    // internal/service/rds/instance.go) skips ModifyDBInstance only for the attributes its
    // HasChangesExcept names, and apply_immediately is not one: this update calls ModifyDBInstance with
    // ApplyImmediately=false and the unchanged DeletionProtection it always sets, and waits for
    // `available`. Deletion protection "ignores the apply immediately setting" (RDS User Guide,
    // Overview.DBInstance.Modifying), so nothing is queued. The cost is this one visible update.
    it("postgres 16 to 17, then the next update over the recorded 17: the instance's only change is applyImmediately", async () => {
        const upgrade = await upgradeTo17();
        const next = await planStack("staging", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: upgrade.outputs });
        const changes = planChanges(upgrade, next);
        expect(changes.find((c) => c.name === "launchpad-staging-database-instance")).toMatchObject({ kind: "update", paths: ["applyImmediately"] });
        expect(changes.find((c) => c.name === "launchpad-staging-database-params")).toBeUndefined();
        expect(named(next, "launchpad-staging-database-instance").inputs).toMatchObject({ applyImmediately: false, allowMajorVersionUpgrade: true, engineVersion: "17" });
    });

    it("names no option group in any update, so the provider never sends OptionGroupName (option_group_name: optional, computed, sent only on change)", async () => {
        const previous = (await planStack("staging", ['launchpad:database.engineVersion="8.4"'])).outputs;
        for (const p of [await planStack("staging"), await planStack("staging", [], { previousOutputs: previous })]) {
            expect(Object.keys(named(p, "launchpad-staging-database-instance").inputs)).not.toContain("optionGroupName");
        }
    });
});

describe("the logical backups' client follows the configured major, never older than the server (pg_dump refuses a newer server)", () => {
    it("during and after postgres 16 to 17 both jobs run the 17 image, which dumps a 16 server and restores into 17", async () => {
        const p = await upgradeTo17();
        const images = p.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob")
            .flatMap((r) => JSON.stringify(r.inputs).match(/public\.ecr\.aws\/docker\/library\/postgres:[0-9.]+/g) ?? []);
        expect([...new Set(images)]).toEqual(["public.ecr.aws/docker/library/postgres:17.11"]);
    });
});

describe("a stack on MySQL 8.0, which config no longer accepts, recorded before the identity kept the major", () => {
    it("moves to 8.4 in one update: the parameter group replaced create-first, the instance upgraded at once, no hazard", async () => {
        // Planned on a day 8.0 was still in standard support (it left on 2026-07-31, lib/versions.ts).
        const today = process.env[TODAY_ENV];
        process.env[TODAY_ENV] = "2026-07-01";
        const before = await planStack("staging", ['launchpad:database.engineVersion="8.0"']).finally(() => {
            process.env[TODAY_ENV] = today;
        });
        const recorded = before.outputs.identity as StackIdentity;
        const legacyDb = Object.fromEntries(Object.entries(recorded.database ?? {}).filter(([k]) => k !== "engineMajor"));
        const after = await planStack("staging", ['launchpad:database.engineVersion="8.4"'], { previousOutputs: { ...before.outputs, identity: { ...recorded, database: legacyDb } } });
        const changes = planChanges(before, after);
        expect(changes.find((c) => c.name === "launchpad-staging-database-params")).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["family"] });
        const instance = changes.find((c) => c.name === "launchpad-staging-database-instance");
        expect(instance).toMatchObject({ kind: "update", paths: ["applyImmediately", "engineVersion", "parameterGroupName"] });
        expect(instance?.hazard).toBeUndefined();
        expect((after.outputs.identity as StackIdentity).database?.engineMajor).toBe("8.4");
    });
});
