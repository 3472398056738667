import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
    BACKUP_PLAN_TAG_KEY,
    BackupPlan,
    backupPlanName,
    backupPlanProblems,
    backupPlanRules,
    DR_DRILL_SUBNET_CIDRS,
    DR_DRILL_VPC_CIDR,
    drDrillSecurityGroupArgs,
    drDrillSubnetArgs,
    drDrillVpcArgs,
    drRestoreTestingPlanArgs,
    drRestoreTestingSelectionArgs,
    pitrDaysProblem,
    rdsInstancesPattern,
    rdsRestoreMetadataOverrides,
    restoreTestingName,
    restoreTestingPlanArgs,
    restoreTestingSelectionArgs,
    selectionArgs,
    tierSchedule,
    vaultLockBounds,
} from "../components/backup-plan";
import { loadConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { safetyFor, TIERS } from "../config/tier";
import { BACKUP_TIERS, PITR_MAX_DAYS, RETENTION_DAYS } from "../lib/retention";
import { govCloudSets, input, named, ofType, planProgram, planStack, type Plan } from "./support/plan";
import { valueOf } from "./support/values";

const STACKS = ["staging", "production"] as const;

function program() {
    const c = loadConfig();
    const b = new BackupPlan("bp", {
        safety: c.safety,
        tags: c.tags,
        planName: backupPlanName(c.identifier),
        region: c.region,
        drRegion: c.drRegion,
        weeklyDay: c.backup.weeklyDay,
        drRestoreDrill: { dbInstanceArn: "db-instance-arn" },
    });
    return {
        vaultName: b.vaultName,
        vaultArn: b.vaultArn,
        drVaultArn: b.drVaultArn,
        planId: b.planId,
        selectionTagKey: b.selectionTagKey,
        selectionTagValue: b.selectionTagValue,
        restoreTestingPlanName: b.restoreTestingPlanName,
    };
}

const PROGRAM = program;
/** One plan per stack and `--set` overrides, shared by the tests of this file. */
function plan(stack: string): Promise<Plan> {
    return planProgram(PROGRAM, stack);
}

const rule = (ruleName: string, schedule: string, days: number, continuous = false) => ({
    ruleName,
    targetVaultName: "v",
    schedule,
    scheduleExpressionTimezone: "Etc/UTC",
    startWindow: 60,
    completionWindow: 1440,
    enableContinuousBackup: continuous,
    lifecycle: { deleteAfter: days },
    copyActions: [{ destinationVaultArn: "arn:dr", lifecycle: { deleteAfter: days } }],
});

describe("restore drill metadata overrides", () => {
    it("restore into the database's subnet group, behind its security groups (a JSON list); no parameter group, so a snapshot of an older major restores with its own family's default (RestoreDBInstanceFromDBSnapshot takes no EngineVersion: botocore rds; USER_RestoreFromSnapshot)", async () => {
        const o = rdsRestoreMetadataOverrides({ subnetGroupName: "db-subnets", securityGroupIds: ["sg-1", pulumi.output("sg-2")] });
        expect(Object.keys(o)).toEqual(["dbSubnetGroupName", "vpcSecurityGroupIds"]);
        expect(await valueOf(o)).toEqual({
            dbSubnetGroupName: "db-subnets",
            vpcSecurityGroupIds: '["sg-1","sg-2"]',
        });
    });

    it("are passed to the drill's RDS selection as they are given", async () => {
        const p = await planProgram(() => {
            const c = loadConfig();
            new BackupPlan("bp", {
                safety: c.safety,
                tags: c.tags,
                planName: backupPlanName(c.identifier),
                region: c.region,
                drRegion: c.drRegion,
                restoreMetadataOverrides: rdsRestoreMetadataOverrides({ subnetGroupName: "db-subnets", securityGroupIds: ["sg-db"] }),
            });
        }, "staging");
        expect(named(p, "bp-restore-testing-database").inputs.restoreMetadataOverrides).toEqual({
            dbSubnetGroupName: "db-subnets",
            vpcSecurityGroupIds: '["sg-db"]',
        });
    });
});

describe("the stack's restore drill", () => {
    it.each(STACKS)("%s: restores where the verify step can reach it, with the database's own subnet group and security group", async (stack) => {
        const p = await planStack(stack);
        const db = (child: string) => named(p, `launchpad-${stack}-database-${child}`).state;
        expect(named(p, `launchpad-${stack}-backup-plan-restore-testing-database`).inputs.restoreMetadataOverrides).toEqual({
            dbSubnetGroupName: db("subnets").name,
            vpcSecurityGroupIds: JSON.stringify([db("sg").id]),
        });
    });

    it.each(STACKS)("%s: drills the DR vault's copies of the database in the DR region, into the DR drill's own subnet group and security group", async (stack) => {
        const p = await planStack(stack);
        const bp = (child: string) => named(p, `launchpad-${stack}-backup-plan-${child}`);
        expect(bp("dr-restore-testing").inputs.recoveryPointSelection).toEqual({
            algorithm: "LATEST_WITHIN_WINDOW",
            includeVaults: [bp("dr-vault").state.arn],
            recoveryPointTypes: ["SNAPSHOT"],
            selectionWindowDays: 7,
        });
        expect(bp("dr-restore-testing-database").inputs).toMatchObject({
            protectedResourceArns: [named(p, `launchpad-${stack}-database-instance`).state.arn],
            restoreMetadataOverrides: { dbSubnetGroupName: bp("dr-drill-subnets").state.name, vpcSecurityGroupIds: JSON.stringify([bp("dr-drill-sg").state.id]) },
            region: "us-west-2",
        });
        // The recovery metrics job reads the DR drill's jobs in the DR region.
        const env = (named(p, `launchpad-${stack}-logical-backup-recovery-metrics`).inputs as { spec: { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value: unknown }[] }[] } } } } } }).spec.jobTemplate.spec.template.spec.containers[0].env;
        // Production's replicated automated backups share the one DR_REGION.
        const replicated = ofType(p, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication").map((r) => ({ name: "DR_BACKUPS_ARN", value: r.state.id }));
        expect(replicated).toHaveLength(stack === "production" ? 1 : 0);
        expect(env.filter((e) => e.name.startsWith("DR_"))).toEqual([
            { name: "DR_REGION", value: "us-west-2" },
            ...replicated,
            { name: "DR_RESTORE_TESTING_PLAN_ARN", value: bp("dr-restore-testing").state.arn },
        ]);
    });
});

describe("backup plan builders (pure)", () => {
    it("builds a continuous 35-day rule and one rule per retention tier, each copied to the DR vault", () => {
        expect(backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr" })).toEqual([
            rule("continuous", "cron(0 5 ? * * *)", 35, true),
            rule("daily", "cron(0 5 ? * * *)", 30),
            rule("weekly", "cron(0 5 ? * SUN *)", 84),
            rule("monthly", "cron(0 5 1 * ? *)", 366),
            rule("yearly", "cron(0 5 1 1 ? *)", 2557),
        ]);
    });

    // The users' targets are calendar spans (daily 30 d, weekly 12 w, monthly 12 m, yearly 7 y);
    // AWS Backup's DeleteAfterDays and S3's Expiration Days count whole days from the copy's
    // creation. For every day a copy can be taken over a full leap cycle and more (2024 to 2032),
    // the tier's days reach the same date that many months or years later: 12 months after
    // 2028-02-01 is 366 days, 7 years after 2028-01-01 is 2557.
    it("each tier keeps a copy at least its calendar span, whatever day it was taken (leap days included)", () => {
        const span: Record<(typeof BACKUP_TIERS)[number], (d: Date) => Date> = {
            daily: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 30)),
            weekly: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 12 * 7)),
            monthly: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 12, d.getUTCDate())),
            yearly: (d) => new Date(Date.UTC(d.getUTCFullYear() + 7, d.getUTCMonth(), d.getUTCDate())),
        };
        const short: string[] = [];
        const needed = Object.fromEntries(BACKUP_TIERS.map((t) => [t, 0]));
        for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2033, 0, 1); t += 86_400_000) {
            const taken = new Date(t);
            for (const tier of BACKUP_TIERS) {
                const days = Math.round((span[tier](taken).getTime() - t) / 86_400_000);
                needed[tier] = Math.max(needed[tier], days);
                if (days > RETENTION_DAYS[tier]) short.push(`${tier} ${taken.toISOString().slice(0, 10)}: ${days} > ${RETENTION_DAYS[tier]}`);
            }
        }
        expect(short).toEqual([]);
        // And no more than that: the longest span of each tier is exactly its retention.
        expect(needed).toEqual(RETENTION_DAYS);
    });

    it.each([[1, "MON"], [3, "WED"], [6, "SAT"], [7, "SUN"]])("runs the weekly rule on ISO weekday %i as %s", (day, name) => {
        expect(tierSchedule("weekly", day)).toBe(`cron(0 5 ? * ${name} *)`);
    });

    it("bounds Vault Lock so no rule's job fails: min <= 30 days, max >= 2557 days", () => {
        expect(vaultLockBounds(backupPlanRules({ vaultName: "v", drVaultArn: "d" }))).toEqual({ minRetentionDays: 30, maxRetentionDays: 2557 });
    });

    it.each([
        ["launchpad-staging_restore_drill", "launchpad_staging_restore_drill"],
        ["a.b--c  d", "a_b_c_d"],
        ["-lead-and-trail-", "lead_and_trail"],
        ["x".repeat(60), "x".repeat(50)],
        [`${"y".repeat(49)}-z`, "y".repeat(49)],
    ])("names a restore testing plan from %j as %j", (text, expected) => {
        expect(restoreTestingName(text)).toBe(expected);
    });

    it("always yields 1 to 50 letters, digits and underscores, or refuses text with none", () => {
        expect(() => restoreTestingName("--")).toThrow('restoreTestingName: received "--"; expected text with at least one letter or digit');
        fc.assert(fc.property(fc.string({ maxLength: 120 }).filter((s) => /[A-Za-z0-9]/.test(s)), (s) => /^[A-Za-z0-9](?:[A-Za-z0-9_]{0,48}[A-Za-z0-9])?$/.test(restoreTestingName(s))));
    });

    it("names the plan and the selection tag value after project and stack", () => {
        expect(backupPlanName("launchpad-staging")).toBe("launchpad-staging");
        expect(BACKUP_PLAN_TAG_KEY).toBe("backup-plan");
    });

    it("reports every bad arg with the value received and what is allowed", () => {
        expect(backupPlanProblems({ planName: "bad name!", region: "us-east-1", drRegion: "us-east-1", weeklyDay: 8 })).toEqual([
            `planName: received "bad name!"; expected 2 to 47 letters, digits, '-' or '_'`,
            'drRegion: received "us-east-1"; expected a region other than the primary region (us-east-1)',
            "weeklyDay: received 8; expected an ISO weekday, 1 (Monday) to 7 (Sunday)",
        ]);
        expect(backupPlanProblems({ planName: "launchpad-production", region: "us-east-1", drRegion: "us-west-2" })).toEqual([]);
    });

    // AWS Backup Developer Guide, point-in-time-recovery-retention-period.html: "The minimum retention
    // period is 1 day. The maximum retention period is 35 days", and "greater than the backup frequency
    // to avoid ... EXPIRED state" (the continuous rule runs daily). The builder used to cap 36 at 35.
    const PITR_RANGE = (days: number) => `backupRetentionDays: received ${days}; expected a whole number of days from 2 (more than the continuous rule's daily frequency) to 35 (the most AWS Backup keeps a continuous backup)`;

    it.each([0, 1, 36, 7.5])("refuses a continuous retention of %s days, as arg problem and in the builder, instead of capping it", (days) => {
        expect(pitrDaysProblem(days)).toBe(PITR_RANGE(days));
        expect(backupPlanProblems({ planName: "launchpad-staging", region: "us-east-1", drRegion: "us-west-2", safety: { backupRetentionDays: days } })).toEqual([PITR_RANGE(days)]);
        expect(() => backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr", pitrDays: days })).toThrow(new RangeError(PITR_RANGE(days)));
    });

    it.each(TIERS)("%s keeps point-in-time recovery for a number of days AWS Backup accepts for its continuous rule", (tier) => {
        const days = safetyFor(tier).backupRetentionDays;
        expect(pitrDaysProblem(days)).toBeUndefined();
        expect(backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr", pitrDays: days })[0]).toMatchObject({ ruleName: "continuous", enableContinuousBackup: true, lifecycle: { deleteAfter: days } });
    });
});

describe.each(STACKS)("AWS Backup (%s)", (stack) => {
    const production = stack === "production";
    const planName = `launchpad-${stack}`;

    it("creates a KMS-encrypted vault in the stack's region and one in the DR region", async () => {
        const p = await plan(stack);
        const vault = named(p, "bp-vault");
        const dr = named(p, "bp-dr-vault");
        expect(vault.inputs).toEqual({
            name: planName,
            kmsKeyArn: named(p, "bp-vault-key").state.arn,
            forceDestroy: !production,
            tags: { project: "launchpad", environment: stack, "managed-by": "pulumi", "cost-center": "platform", owner: "team-platform", Name: "bp-vault" },
        });
        expect(input(dr, "name")).toBe(`${planName}-dr`);
        expect(input(dr, "region")).toBe("us-west-2");
        expect(input(dr, "kmsKeyArn")).toBe(named(p, "bp-dr-vault-key").state.arn);
        expect(named(p, "bp-dr-vault-key").state.arn).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\//);
        expect(input(named(p, "bp-dr-vault-key"), "region")).toBe("us-west-2");
        expect(dr.state.arn).toBe(`arn:aws:backup:us-west-2:123456789012:backup-vault:${planName}-dr`);
        expect(ofType(p, "aws:kms/key:Key").map((k) => [k.name, input(k, "enableKeyRotation"), input(k, "deletionWindowInDays")])).toEqual([
            ["bp-vault-key", true, production ? 30 : 7],
            ["bp-dr-vault-key", true, production ? 30 : 7],
        ]);
    });

    it("plans the continuous and tiered rules into the primary vault, copying to the DR vault ARN", async () => {
        const p = await plan(stack);
        const backupPlan = named(p, "bp-plan");
        expect(input(backupPlan, "name")).toBe(planName);
        const drVaultArn = named(p, "bp-dr-vault").state.arn as string;
        // Point-in-time recovery as long as the database's own retention (7 in staging, 35 in production):
        // AWS Backup sets the instance's retention to its rule's, so the two must agree.
        const pitr = production ? 35 : 7;
        expect(input(backupPlan, "rules")).toEqual(backupPlanRules({ vaultName: planName, drVaultArn, weeklyDay: 7, pitrDays: pitr }));
        expect(input(backupPlan, "rules")).toEqual([
            { ...rule("continuous", "cron(0 5 ? * * *)", pitr, true), targetVaultName: planName, copyActions: [{ destinationVaultArn: drVaultArn, lifecycle: { deleteAfter: pitr } }] },
            { ...rule("daily", "cron(0 5 ? * * *)", 30), targetVaultName: planName, copyActions: [{ destinationVaultArn: drVaultArn, lifecycle: { deleteAfter: 30 } }] },
            { ...rule("weekly", "cron(0 5 ? * SUN *)", 84), targetVaultName: planName, copyActions: [{ destinationVaultArn: drVaultArn, lifecycle: { deleteAfter: 84 } }] },
            { ...rule("monthly", "cron(0 5 1 * ? *)", 366), targetVaultName: planName, copyActions: [{ destinationVaultArn: drVaultArn, lifecycle: { deleteAfter: 366 } }] },
            { ...rule("yearly", "cron(0 5 1 1 ? *)", 2557), targetVaultName: planName, copyActions: [{ destinationVaultArn: drVaultArn, lifecycle: { deleteAfter: 2557 } }] },
        ]);
    });

    it("selects the region's RDS instances tagged backup-plan = the plan name, with the backup role: a resource type, so the Region's service opt-in does not apply (AWS Backup API UpdateRegionSettings; devguide assigning-resources-json, Selection by resource type)", async () => {
        const p = await plan(stack);
        const selection = named(p, "bp-selection");
        expect(selection.inputs).toEqual({
            name: `${planName}-rds-tagged`,
            planId: named(p, "bp-plan").state.id,
            iamRoleArn: named(p, "bp-role").state.arn,
            resources: ["arn:aws:rds:us-east-1:123456789012:db:*"],
            conditions: [{ stringEquals: [{ key: "aws:ResourceTag/backup-plan", value: planName }] }],
        });
        expect(selection.dependsOn).toEqual([named(p, "bp-AWSBackupServiceRolePolicyForBackup").urn, named(p, "bp-AWSBackupServiceRolePolicyForRestores").urn]);
        // Create first (the engine's default): the new selection exists before the tag-only one,
        // `<plan>-by-tag`, is deleted, so no backup falls due while the plan selects nothing.
        expect(selection.options.deleteBeforeReplace).toBeFalsy();
        expect(selection.inputs.name).not.toBe(`${planName}-by-tag`);
        expect(p.outputs.selectionTagKey).toBe("backup-plan");
        expect(p.outputs.selectionTagValue).toBe(planName);
    });

    it("gives AWS Backup a role with the managed backup and restore policies", async () => {
        const p = await plan(stack);
        expect(JSON.parse(input(named(p, "bp-role"), "assumeRolePolicy") as string)).toEqual({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: ["sts:AssumeRole"] }],
        });
        expect(ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs)).toEqual([
            { role: named(p, "bp-role").state.id, policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" },
            { role: named(p, "bp-role").state.id, policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores" },
        ]);
    });

    it(`${production ? "locks both vaults in compliance mode with bounds no job violates" : "does not lock the vaults, so pulumi destroy works"}`, async () => {
        const p = await plan(stack);
        const locks = ofType(p, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        expect(locks.map((l) => [l.name, l.inputs])).toEqual(production
            ? [
                ["bp-vault-lock", { backupVaultName: planName, minRetentionDays: 30, maxRetentionDays: 2557, changeableForDays: 3 }],
                ["bp-dr-vault-lock", { backupVaultName: `${planName}-dr`, minRetentionDays: 30, maxRetentionDays: 2557, changeableForDays: 3, region: "us-west-2" }],
            ]
            : []);
    });

    it("drills a restore of the database's latest snapshot monthly, with a validation window", async () => {
        const p = await plan(stack);
        const drillName = `launchpad_${stack}_restore_drill`;
        expect(named(p, "bp-restore-testing").inputs).toEqual({
            name: drillName,
            scheduleExpression: "cron(0 6 15 * ? *)",
            scheduleExpressionTimezone: "Etc/UTC",
            startWindowHours: 8,
            recoveryPointSelection: {
                algorithm: "LATEST_WITHIN_WINDOW",
                includeVaults: [named(p, "bp-vault").state.arn],
                recoveryPointTypes: ["SNAPSHOT"],
                selectionWindowDays: 7,
            },
            tags: { project: "launchpad", environment: stack, "managed-by": "pulumi", "cost-center": "platform", owner: "team-platform", Name: "bp-restore-testing" },
        });
        expect(named(p, "bp-restore-testing-database").inputs).toEqual({
            name: `launchpad_${stack}_database`,
            restoreTestingPlanName: drillName,
            protectedResourceType: "RDS",
            iamRoleArn: named(p, "bp-role").state.arn,
            protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/backup-plan", value: planName }] },
            validationWindowHours: 4,
        });
        expect(p.outputs.restoreTestingPlanName).toBe(drillName);
    });

    it("keeps the DR drill's network isolated and in the DR region: no internet gateway, NAT or route table of its own; every DR drill child in us-west-2", async () => {
        const p = await plan(stack);
        const dr = p.resources.filter((r) => /^bp-dr-(drill|restore-testing)/.test(r.name));
        expect(dr.map((r) => [r.type, r.name]).sort()).toEqual([
            ["aws:backup/restoreTestingPlan:RestoreTestingPlan", "bp-dr-restore-testing"],
            ["aws:backup/restoreTestingSelection:RestoreTestingSelection", "bp-dr-restore-testing-database"],
            ["aws:ec2/securityGroup:SecurityGroup", "bp-dr-drill-sg"],
            ["aws:ec2/subnet:Subnet", "bp-dr-drill-subnet-0"],
            ["aws:ec2/subnet:Subnet", "bp-dr-drill-subnet-1"],
            ["aws:ec2/vpc:Vpc", "bp-dr-drill-vpc"],
            ["aws:rds/subnetGroup:SubnetGroup", "bp-dr-drill-subnets"],
        ].sort());
        expect(dr.map((r) => r.inputs.region)).toEqual(dr.map(() => "us-west-2"));
        expect([...ofType(p, "aws:ec2/internetGateway:InternetGateway"), ...ofType(p, "aws:ec2/natGateway:NatGateway"), ...ofType(p, "aws:ec2/routeTable:RouteTable")]).toEqual([]);
        // Two zones of the DR region.
        expect(ofType(p, "aws:ec2/subnet:Subnet").map((s) => input(s, "availabilityZone"))).toEqual(["us-west-2a", "us-west-2b"]);
    });

    it("lets the DR drill decrypt the DR vault's copies: the copy is re-encrypted with the DR vault's key (cross-region-backup.html), whose policy is KMS's default (IAM decides), and the drill's role has AWSBackupServiceRolePolicyForRestores (kms:Decrypt and CreateGrant through RDS: vendor/aws-managed-policies)", async () => {
        const p = await plan(stack);
        const key = named(p, "bp-dr-vault-key");
        expect([input(key, "region"), input(key, "policy")]).toEqual(["us-west-2", undefined]);
        expect(input(named(p, "bp-dr-vault"), "kmsKeyArn")).toBe(key.state.arn);
        const role = named(p, "bp-role").state.arn;
        expect(input(named(p, "bp-dr-restore-testing-database"), "iamRoleArn")).toBe(role);
        expect(input(named(p, "bp-AWSBackupServiceRolePolicyForRestores"), "policyArn")).toBe("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores");
        const managed = JSON.parse(readFileSync(join(REPO_ROOT, "vendor", "aws-managed-policies", "AWSBackupServiceRolePolicyForRestores.json"), "utf8")) as { document: { Statement: { Sid: string; Action: string[]; Resource: string; Condition?: Record<string, Record<string, unknown>> }[] } };
        const kms = managed.document.Statement.find((st) => st.Sid === "KMSPermissions");
        expect(kms?.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]));
        expect([kms?.Resource, kms?.Condition?.StringLike["kms:ViaService"]]).toEqual(["*", expect.arrayContaining(["rds.*.amazonaws.com"])]);
    });

    it("exports the vaults and the plan", async () => {
        const p = await plan(stack);
        expect(p.outputs).toEqual({
            vaultName: planName,
            vaultArn: `arn:aws:backup:us-east-1:123456789012:backup-vault:${planName}`,
            drVaultArn: `arn:aws:backup:us-west-2:123456789012:backup-vault:${planName}-dr`,
            planId: named(p, "bp-plan").state.id,
            selectionTagKey: "backup-plan",
            selectionTagValue: planName,
            restoreTestingPlanName: `launchpad_${stack}_restore_drill`,
        });
    });

    it(`protects keys, vaults and locks ${production ? "in production" : "nowhere in staging"}`, async () => {
        const p = await plan(stack);
        expect(p.resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual(
            production ? ["bp-dr-vault", "bp-dr-vault-key", "bp-dr-vault-lock", "bp-vault", "bp-vault-key", "bp-vault-lock"] : [],
        );
    });
});

/**
 * Whether an AWS Backup rule (`cron(minutes hours day-of-month month day-of-week year)`, UTC) fires at
 * `date`. croner reads it in 7-part mode with a seconds field in front; AWS's `?` ("no specific
 * value") becomes `*`, which croner reads the same way when the other day field is set. Day-of-week
 * numbers differ (AWS 1 = Sunday, croner 0 = Sunday), so only names are taken.
 */
function awsCronFires(schedule: string, date: Date): boolean {
    let cron = CRONS.get(schedule);
    if (cron === undefined) {
        const fields = /^cron\((.+)\)$/.exec(schedule)?.[1].split(" ") ?? [];
        if (fields.length !== 6 || /\d/.test(fields[4])) {
            throw new Error(`awsCronFires: ${schedule} is not a six-field AWS cron with a day-of-week name or wildcard`);
        }
        cron = new Cron(["0", ...fields.map((f) => (f === "?" ? "*" : f))].join(" "), { paused: true, timezone: "UTC", mode: "7-part" });
        CRONS.set(schedule, cron);
    }
    const key = `${schedule} ${date.getTime()}`;
    let fires = FIRES.get(key);
    if (fires === undefined) {
        fires = cron.match(date);
        FIRES.set(key, fires);
    }
    return fires;
}
const CRONS = new Map<string, Cron>();
const FIRES = new Map<string, boolean>();

/**
 * AWS Backup with several rules of one plan due in the same window: "If you have a backup plan with
 * multiple rules and the time frames of the two rules overlap, AWS Backup optimizes the backup and
 * takes a backup for the rule with the longer retention time. The optimization takes into account the
 * full start window" (AWS Backup Developer Guide, plan-options-and-configuration.html, "Backup rules",
 * Note); "When two rules would execute at the same time, AWS Backup selects one ... if a copy rule is
 * attached to a conflicting schedule rule, the copy rule will only run if the schedule rule has run"
 * (understanding-backup-plan-summaries.html, "How multiple rules are merged"). So on a day several
 * rules are due, one recovery point is kept, for the longest retention, and only the chosen rule's
 * copy action runs. Whether the continuous rule counts among them is not said there (its schedule is
 * "for maintenance and sync", not a snapshot: point-in-time-recovery-retention-period.html, Tip), so
 * both readings are checked.
 */
function chosenRule(rules: readonly PlanRuleLike[], date: Date, continuousCompetes: boolean): PlanRuleLike | undefined {
    const due = rules.filter((r) => (continuousCompetes || !r.enableContinuousBackup) && awsCronFires(r.schedule, date));
    return due.reduce<PlanRuleLike | undefined>((best, r) => (best === undefined || r.lifecycle.deleteAfter > best.lifecycle.deleteAfter ? r : best), undefined);
}
type PlanRuleLike = ReturnType<typeof backupPlanRules>[number];

describe("rules due together (AWS Backup keeps one backup, of the longest retention, and runs only its copy action)", () => {
    const days = (year: number): Date[] => Array.from({ length: 366 }, (_, i) => new Date(Date.UTC(year, 0, 1 + i, 5, 0))).filter((d) => d.getUTCFullYear() === year);

    it("reads AWS cron as AWS Backup does: the weekly rule fires on its weekday, monthly on the 1st, yearly on 1 January only", () => {
        const at = (iso: string) => new Date(`${iso}T05:00:00Z`);
        expect(["2027-01-03", "2027-01-04"].map((d) => awsCronFires(tierSchedule("weekly"), at(d)))).toEqual([true, false]);
        expect(["2027-02-01", "2027-02-02"].map((d) => awsCronFires(tierSchedule("monthly"), at(d)))).toEqual([true, false]);
        expect(["2027-01-01", "2027-02-01"].map((d) => awsCronFires(tierSchedule("yearly"), at(d)))).toEqual([true, false]);
        expect(awsCronFires(tierSchedule("daily"), new Date("2027-01-03T06:00:00Z"))).toBe(false);
    });

    it("every snapshot rule copies to the DR vault for its own retention, so whichever is chosen, its copy keeps that retention", () => {
        for (const r of backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr" })) {
            expect(r.copyActions).toEqual([{ destinationVaultArn: "arn:dr", lifecycle: { deleteAfter: r.lifecycle.deleteAfter } }]);
        }
    });

    it.each([2027, 2028])("in %i, on every weekly day setting, each due tier's retention is kept in both vaults, and no weekly, monthly or yearly snapshot gives way to the continuous rule", (year) => {
        const broken: string[] = [];
        for (const weeklyDay of [1, 2, 3, 4, 5, 6, 7]) {
            for (const pitrDays of [7, PITR_MAX_DAYS]) {
                const rules = backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr", weeklyDay, pitrDays });
                for (const date of days(year)) {
                    const dueTiers = BACKUP_TIERS.filter((t) => awsCronFires(tierSchedule(t, weeklyDay), date));
                    for (const continuousCompetes of [false, true]) {
                        const chosen = chosenRule(rules, date, continuousCompetes);
                        const kept = Math.min(chosen?.lifecycle.deleteAfter ?? 0, chosen?.copyActions[0].lifecycle.deleteAfter ?? 0);
                        const short = dueTiers.filter((t) => kept < RETENTION_DAYS[t]);
                        const lostSnapshot = dueTiers.some((t) => t !== "daily") && chosen?.enableContinuousBackup !== false;
                        if (!dueTiers.includes("daily") || short.length > 0 || lostSnapshot) {
                            broken.push(`${date.toISOString().slice(0, 10)} weeklyDay ${weeklyDay} pitrDays ${pitrDays} continuousCompetes ${continuousCompetes}: due ${dueTiers.join("+")}, kept ${kept} days by ${chosen?.ruleName ?? "none"}`);
                        }
                    }
                }
            }
        }
        expect(broken).toEqual([]);
    });

    it("keeps a copy for 7 years on 1 January, 12 months on every 1st, and 12 weeks once every week", () => {
        const rules = backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr" });
        const kept = (d: Date) => chosenRule(rules, d, true)?.lifecycle.deleteAfter ?? 0;
        const year = days(2027);
        expect(year.filter((d) => kept(d) >= RETENTION_DAYS.yearly).map((d) => d.toISOString().slice(0, 10))).toEqual(["2027-01-01"]);
        expect(year.filter((d) => kept(d) >= RETENTION_DAYS.monthly)).toHaveLength(12);
        for (let i = 0; i + 7 <= year.length; i++) {
            expect(year.slice(i, i + 7).some((d) => kept(d) >= RETENTION_DAYS.weekly)).toBe(true);
        }
    });
});

// An AWS managed policy's ARN carries the partition ("arn:aws-us-gov:iam::aws:policy/...": IAM User
// Guide, reference_identifiers.html, ARNs; the partition of the stack's region, config/region.ts awsPartition).
describe("a GovCloud stack (the partition comes from the region, never spelled aws)", () => {
    it("attaches AWS Backup's managed policies under the stack's partition, and selects the region's RDS instances there", async () => {
        const p = await planStack("staging", govCloudSets("staging"));
        const role = named(p, "launchpad-staging-backup-plan-role");
        const attached = ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => input(a, "role") === role.state.name).map((a) => input(a, "policyArn"));
        expect(attached).toEqual([
            "arn:aws-us-gov:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws-us-gov:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        ]);
        expect(input(named(p, "launchpad-staging-backup-plan-selection"), "resources")).toEqual(["arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:*"]);
    });
});

describe("backup plan child specs (pure builders the constructor delegates to)", () => {
    it("selects RDS instances by resource type AND the plan's tag (Conditions are AND, ListOfTags would be OR: botocore backup BackupSelection)", () => {
        expect(selectionArgs("lp", "plan-1", "arn:role", rdsInstancesPattern("aws", "eu-west-1", "111122223333"))).toEqual({
            name: "lp-rds-tagged",
            planId: "plan-1",
            iamRoleArn: "arn:role",
            resources: ["arn:aws:rds:eu-west-1:111122223333:db:*"],
            conditions: [{ stringEquals: [{ key: "aws:ResourceTag/backup-plan", value: "lp" }] }],
        });
    });

    it("writes the RDS pattern as a prefix, the one wildcard the API allows (botocore backup BackupSelection.Resources: the asterisk must appear at the end)", () => {
        const pattern = rdsInstancesPattern("aws-us-gov", "us-gov-west-1", "111122223333");
        expect(pattern).toBe("arn:aws-us-gov:rds:us-gov-west-1:111122223333:db:*");
        expect(pattern.indexOf("*")).toBe(pattern.length - 1);
    });

    it("drills the DR vault in the DR region on the primary drill's schedule, under its own name (restore testing is regional)", () => {
        expect(drRestoreTestingPlanArgs("lp-x", "us-west-2", "arn:dr-vault", { Name: "d" })).toEqual({
            name: "lp_x_dr_restore_drill",
            scheduleExpression: "cron(0 6 15 * ? *)",
            scheduleExpressionTimezone: "Etc/UTC",
            startWindowHours: 8,
            recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: ["arn:dr-vault"], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 7 },
            region: "us-west-2",
            tags: { Name: "d" },
        });
        // The longest plan name (47): still 50 characters, still apart from the primary drill's.
        const longest = "p".repeat(47);
        expect([restoreTestingPlanArgs(longest, "v", {}).name, drRestoreTestingPlanArgs(longest, "r", "v", {}).name]).toEqual([`${longest}_re`, `${longest}_dr`]);
    });

    it("restores the database's copies by its ARN into the DR network, with no parameter group and no validation window (nothing can reach it to validate)", async () => {
        const args = drRestoreTestingSelectionArgs("lp-x", "us-west-2", "dr_drill", "arn:role", "arn:aws:rds:us-east-1:1:db:lp-x-db", { subnetGroupName: "dr-subnets", securityGroupId: "sg-dr" });
        expect({ ...args, restoreMetadataOverrides: undefined }).toEqual({
            name: "lp_x_dr_database",
            restoreTestingPlanName: "dr_drill",
            protectedResourceType: "RDS",
            iamRoleArn: "arn:role",
            protectedResourceArns: ["arn:aws:rds:us-east-1:1:db:lp-x-db"],
            restoreMetadataOverrides: undefined,
            region: "us-west-2",
        });
        expect(await valueOf(args.restoreMetadataOverrides)).toEqual({ dbSubnetGroupName: "dr-subnets", vpcSecurityGroupIds: '["sg-dr"]' });
        expect(args).not.toHaveProperty("validationWindowHours");
    });

    it("builds an isolated DR network: a /24 VPC, two /26 subnets in two zones (a DB subnet group needs two AZs: botocore rds CreateDBSubnetGroup), a security group with no rule either way", () => {
        expect(drDrillVpcArgs("us-west-2", { Name: "v" })).toEqual({ cidrBlock: "10.254.0.0/24", enableDnsHostnames: true, enableDnsSupport: true, region: "us-west-2", tags: { Name: "v" } });
        expect(DR_DRILL_SUBNET_CIDRS.every((c) => c.startsWith("10.254.0.") && c.endsWith("/26"))).toBe(true);
        expect(DR_DRILL_VPC_CIDR).toBe("10.254.0.0/24");
        expect([drDrillSubnetArgs(0, "us-west-2", "vpc-1", "us-west-2a", {}), drDrillSubnetArgs(1, "us-west-2", "vpc-1", "us-west-2b", {})]).toEqual([
            { vpcId: "vpc-1", cidrBlock: "10.254.0.0/26", availabilityZone: "us-west-2a", mapPublicIpOnLaunch: false, region: "us-west-2", tags: {} },
            { vpcId: "vpc-1", cidrBlock: "10.254.0.64/26", availabilityZone: "us-west-2b", mapPublicIpOnLaunch: false, region: "us-west-2", tags: {} },
        ]);
        expect(drDrillSecurityGroupArgs("us-west-2", "vpc-1", {})).toMatchObject({ vpcId: "vpc-1", ingress: [], egress: [], region: "us-west-2" });
    });

    it("drills monthly on the latest snapshot of the primary vault, restoring every tagged RDS instance", () => {
        expect(restoreTestingPlanArgs("lp-x", "arn:vault", { Name: "d" })).toEqual({
            name: "lp_x_restore_drill",
            scheduleExpression: "cron(0 6 15 * ? *)",
            scheduleExpressionTimezone: "Etc/UTC",
            startWindowHours: 8,
            recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: ["arn:vault"], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 7 },
            tags: { Name: "d" },
        });
        expect(restoreTestingSelectionArgs("lp-x", "drill", "arn:role", { dbSubnetGroupName: "subnets" })).toEqual({
            name: "lp_x_database",
            restoreTestingPlanName: "drill",
            protectedResourceType: "RDS",
            iamRoleArn: "arn:role",
            protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/backup-plan", value: "lp-x" }] },
            validationWindowHours: 4,
            restoreMetadataOverrides: { dbSubnetGroupName: "subnets" },
        });
    });
});
