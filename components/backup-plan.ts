/**
 * AWS Backup: a KMS-encrypted vault in the stack's region and one in the DR region, one plan with a
 * continuous (point-in-time) rule and daily/weekly/monthly/yearly snapshot rules, each copied to the
 * DR vault, resources selected by tag, Vault Lock where the tier asks for it, and a monthly restore
 * drill (AWS Backup restore testing) that restores the database's latest snapshot so AWS records
 * how long a real restore takes. The drill's data is checked by the logical backup's drill check
 * (components/logical-backup.ts `restoreDrill`, scripts/db/drill-check.sh), which puts its verdict
 * to AWS Backup within RESTORE_VALIDATION_WINDOW_HOURS. With `drRestoreDrill`, a second drill in the
 * DR region restores the DR vault's copy of the database into a small isolated network of its own
 * there: the copies a region failure would restore from (docs/runbooks/region-failure.md) are
 * restore-tested too.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Safety } from "../config";
import { managedPolicyArn, servicePrincipalPolicy } from "../lib/iam";
import { BACKUP_HOUR_UTC, RESTORE_TEST_SCHEDULE, RESTORE_TEST_START_WINDOW_HOURS, START_WINDOW_MINUTES } from "../lib/backup-schedule";
import { BACKUP_TIERS, PITR_MAX_DAYS, RETENTION_DAYS, type BackupTier } from "../lib/retention";
import { awsPartition } from "../config/region";
import { partitionAndAccount } from "../lib/aws-caller";
import { encryptionKey } from "../lib/kms";
import { childTags, type Tags } from "../lib/tags";
import { AVAILABILITY_ZONES_QUERY } from "./network";

export interface BackupPlanArgs {
    readonly safety: BackupPlanSafety;
    /** Base tags for every taggable child; each adds its own `Name`. */
    readonly tags: Tags;
    /**
     * Name of the plan and the primary vault (the DR vault adds `-dr`), and the value of the
     * `BACKUP_PLAN_TAG_KEY` tag that selects resources: use `backupPlanName(identifier)`.
     */
    readonly planName: string;
    /** The stack's region: the primary vault's (and the provider's) region. */
    readonly region: string;
    /** Where the copies go; must differ from `region`. */
    readonly drRegion: string;
    /**
     * ISO weekday (1 = Monday .. 7 = Sunday) of the weekly backup, as `launchpad:backup.weeklyDay`.
     * @default 7 (Sunday)
     */
    readonly weeklyDay?: number;
    /**
     * Restore metadata the drill uses instead of what AWS Backup infers from the recovery point:
     * build it with {@link rdsRestoreMetadataOverrides} from the Database.
     * @default - none: AWS Backup infers the restore settings, e.g. the default VPC, where neither
     *   the drill check (scripts/db/drill-check.sh) nor anything else of the stack can reach the
     *   restored instance, so every drill's validation fails
     */
    readonly restoreMetadataOverrides?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * The DR drill: a monthly restore test, in `drRegion`, of the DR vault's copies of this database.
     * @default - none: the DR vault's copies are never restored until a region failure needs them
     */
    readonly drRestoreDrill?: DrRestoreDrillArgs;
}

/** What the DR drill restores. */
export interface DrRestoreDrillArgs {
    /** ARN of the database whose copies the DR vault holds: the copies' protected resource. */
    readonly dbInstanceArn: pulumi.Input<string>;
}

/** The tag key AWS Backup selects resources by; the value is the plan's name. */
export const BACKUP_PLAN_TAG_KEY = "backup-plan";

/** The plan name (and selection tag value) of a stack: its identifier (lib/stack-name.ts), `launchpad-staging`. */
export function backupPlanName(identifier: string): string {
    return identifier;
}

/** Minutes a job may run: a daily job must end before the next one starts. */
export const COMPLETION_WINDOW_MINUTES = 24 * 60;

/**
 * Vault Lock in compliance mode becomes immutable after this many days (3 is AWS's minimum): the
 * window to remove a lock set by mistake.
 */
export const VAULT_LOCK_CHANGEABLE_DAYS = 3;

const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

/** The AWS cron expression (six fields, UTC) of each tier: weekly on `weeklyDay`, monthly on the 1st, yearly on 1 January. */
export function tierSchedule(tier: BackupTier, weeklyDay = 7): string {
    const h = BACKUP_HOUR_UTC;
    switch (tier) {
        case "daily":
            return `cron(0 ${h} ? * * *)`;
        case "weekly":
            return `cron(0 ${h} ? * ${WEEKDAYS[weeklyDay - 1]} *)`;
        case "monthly":
            return `cron(0 ${h} 1 * ? *)`;
        case "yearly":
            return `cron(0 ${h} 1 1 ? *)`;
    }
}

export interface PlanRuleParts {
    /** Name of the vault the rules write to. */
    readonly vaultName: pulumi.Input<string>;
    /** ARN of the DR vault every recovery point is copied to. */
    readonly drVaultArn: pulumi.Input<string>;
    /** ISO weekday of the weekly rule. @default 7 */
    readonly weeklyDay?: number;
    /**
     * Days the continuous rule keeps point-in-time recovery. AWS Backup sets the RDS instance's own
     * backup retention to this once it manages the instance (and RDS then refuses any other value, so
     * the Database sets it at creation only: components/database.ts `AWS_BACKUP_OWNED_INPUTS`); it
     * equals the tier's `backupRetentionDays`, what the Database creates the instance with.
     * {@link pitrDaysProblem} says which values AWS Backup refuses; the builder throws on them.
     * @default PITR_MAX_DAYS (35, the most either service allows)
     */
    readonly pitrDays?: number;
}

/** The plan's rules, as `aws.backup.Plan` takes them. */
export interface PlanRule {
    readonly ruleName: string;
    readonly targetVaultName: pulumi.Input<string>;
    readonly schedule: string;
    readonly scheduleExpressionTimezone: "Etc/UTC";
    readonly startWindow: number;
    readonly completionWindow: number;
    readonly enableContinuousBackup: boolean;
    readonly lifecycle: { readonly deleteAfter: number };
    readonly copyActions: { readonly destinationVaultArn: pulumi.Input<string>; readonly lifecycle: { readonly deleteAfter: number } }[];
}

/**
 * One continuous rule (point-in-time recovery for `pitrDays`, 2 to `PITR_MAX_DAYS`) and
 * one snapshot rule per retention tier, each recovery point copied to the DR vault with the same
 * retention. All start at the same hour: when rules of one plan fall due together AWS Backup "takes a
 * backup for the rule with the longer retention time" over "the full start window" (AWS Backup
 * Developer Guide, plan-options-and-configuration.html), so a 1 January backup is kept 7 years
 * without four snapshots being taken. Only that rule's copy action runs ("the copy rule will only run
 * if the schedule rule has run", understanding-backup-plan-summaries.html), which is why every rule
 * carries its own copy with its own retention. No cold storage: RDS snapshots cannot move to it.
 */
export function backupPlanRules(p: PlanRuleParts): PlanRule[] {
    const pitrDays = p.pitrDays ?? PITR_MAX_DAYS;
    const problem = pitrDaysProblem(pitrDays);
    if (problem !== undefined) {
        throw new RangeError(problem);
    }
    const rule = (ruleName: string, schedule: string, days: number, continuous: boolean): PlanRule => ({
        ruleName,
        targetVaultName: p.vaultName,
        schedule,
        scheduleExpressionTimezone: "Etc/UTC",
        startWindow: START_WINDOW_MINUTES,
        completionWindow: COMPLETION_WINDOW_MINUTES,
        enableContinuousBackup: continuous,
        lifecycle: { deleteAfter: days },
        copyActions: [{ destinationVaultArn: p.drVaultArn, lifecycle: { deleteAfter: days } }],
    });
    return [
        rule("continuous", tierSchedule("daily"), pitrDays, true),
        ...BACKUP_TIERS.map((tier) => rule(tier, tierSchedule(tier, p.weeklyDay), RETENTION_DAYS[tier], false)),
    ];
}

/**
 * Vault Lock bounds that never fail a job of these rules: AWS Backup rejects a backup or copy whose
 * retention is below the minimum or above the maximum, so the minimum is the shortest retention
 * (30 days, daily) and the maximum the longest (2557 days, yearly).
 */
export function vaultLockBounds(rules: readonly Pick<PlanRule, "lifecycle">[]): { minRetentionDays: number; maxRetentionDays: number } {
    const days = rules.map((r) => r.lifecycle.deleteAfter);
    return { minRetentionDays: Math.min(...days), maxRetentionDays: Math.max(...days) };
}

/** Longest restore testing plan or selection name AWS Backup accepts. */
export const RESTORE_TESTING_NAME_MAX = 50;

/**
 * A restore testing plan or selection name from any text: AWS Backup allows only letters, digits
 * and underscores, 1 to 50 of them. Other characters become `_`, runs collapse, ends are trimmed.
 */
export function restoreTestingName(text: string): string {
    const out = text.replace(/[^A-Za-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "").slice(0, RESTORE_TESTING_NAME_MAX).replace(/_$/, "");
    if (out === "") {
        throw new RangeError(`restoreTestingName: received ${JSON.stringify(text)}; expected text with at least one letter or digit`);
    }
    return out;
}

/** The drill restores the latest snapshot of the last week (a failed daily backup does not stop it). */
export const RESTORE_TEST_SELECTION_WINDOW_DAYS = 7;
/**
 * Hours AWS Backup keeps the restored database for validation, at most: the drill check
 * (scripts/db/drill-check.sh, every 30 minutes) connects to it, checks the critical tables and puts
 * its verdict, and AWS Backup then deletes it ("Once the optional validation completes or the
 * validation window closes, AWS Backup deletes the resources": AWS Backup Developer Guide,
 * restore-testing.html). Both scripts read it (RESTORE_VALIDATION_WINDOW_HOURS in their env).
 */
export const RESTORE_VALIDATION_WINDOW_HOURS = 4;

/** Where a drill's restored RDS instance goes: the database's own subnet group and security group. */
export interface RdsRestoreTarget {
    readonly subnetGroupName: pulumi.Input<string>;
    readonly securityGroupIds: pulumi.Input<string>[];
}

/**
 * The restore drill's RDS metadata overrides, so the restored instance lands in the database's
 * private subnets, behind its security group (which admits the cluster, where the drill check,
 * scripts/db/drill-check.sh, connects from), instead of what AWS Backup would infer (the default
 * VPC, which a Launchpad account may not have).
 *
 * Keys are the overridable RDS instance metadata of "Restore testing inferred metadata",
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html
 * (key names are not case sensitive there); `vpcSecurityGroupIds` is a JSON list in a string, as
 * `RestoreMetadataOverrides` is a map of strings (`aws.backup.RestoreTestingSelection`).
 *
 * No `dbParameterGroupName`: a restore keeps the snapshot's engine version (RestoreDBInstanceFromDBSnapshot
 * takes no EngineVersion: botocore rds 2014-10-31 service-2.json at 0e6e2404), and a DB instance's
 * parameter group must be of its engine version's family (botocore ModifyDBInstance,
 * DBParameterGroupName: "Must be in the same DB parameter group family as the DB instance"). The
 * database's group follows its current major (components/database.ts), so the first drill after a
 * major upgrade that picks a snapshot of the older major (one taken before the upgrade, within
 * RESTORE_TEST_SELECTION_WINDOW_DAYS) would ask RDS for the newer family's group and fail. Without
 * it "The default DB parameter group is associated with the restored instance" (RDS User Guide,
 * USER_RestoreFromSnapshot, "Parameter group considerations"), the default of the snapshot's own
 * family, which RDS provides in every Region. The drill check verifies TLS from its side
 * (scripts/db/drill-check.sh), so the database group's "TLS required" is not what it relies on.
 */
export function rdsRestoreMetadataOverrides(t: RdsRestoreTarget): Record<string, pulumi.Input<string>> {
    return {
        dbSubnetGroupName: t.subnetGroupName,
        vpcSecurityGroupIds: pulumi.all(t.securityGroupIds).apply((ids) => JSON.stringify(ids)),
    };
}

/**
 * Why AWS Backup would not keep a continuous (point-in-time) backup `days` days; undefined when it
 * would. "The minimum retention period is 1 day. The maximum retention period is 35 days", and it
 * must be "greater than the backup frequency to avoid a scenario where the recovery point transitions
 * to EXPIRED state" (AWS Backup Developer Guide, point-in-time-recovery-retention-period.html): the
 * continuous rule runs daily, so 2 to 35. RDS refuses a backup retention over 35 too, and the instance
 * takes the same number (`PlanRuleParts.pitrDays`).
 */
export function pitrDaysProblem(days: number): string | undefined {
    return Number.isInteger(days) && days >= 2 && days <= PITR_MAX_DAYS
        ? undefined
        : `backupRetentionDays: received ${days}; expected a whole number of days from 2 (more than the continuous rule's daily frequency) to ${PITR_MAX_DAYS} (the most AWS Backup keeps a continuous backup)`;
}

/** Problems with the args, each naming the value received and what is allowed. */
export function backupPlanProblems(args: Pick<BackupPlanArgs, "planName" | "region" | "drRegion" | "weeklyDay"> & { readonly safety?: Pick<BackupPlanSafety, "backupRetentionDays"> }): string[] {
    const out: string[] = [];
    // A vault name is 2..50 of letters, digits, '-' and '_'; the DR vault adds "-dr".
    if (!/^[A-Za-z0-9_-]{2,47}$/.test(args.planName)) {
        out.push(`planName: received ${JSON.stringify(args.planName)}; expected 2 to 47 letters, digits, '-' or '_'`);
    }
    if (args.region === args.drRegion) {
        out.push(`drRegion: received ${JSON.stringify(args.drRegion)}; expected a region other than the primary region (${args.region})`);
    }
    if (args.weeklyDay !== undefined && !(Number.isInteger(args.weeklyDay) && args.weeklyDay >= 1 && args.weeklyDay <= 7)) {
        out.push(`weeklyDay: received ${args.weeklyDay}; expected an ISO weekday, 1 (Monday) to 7 (Sunday)`);
    }
    const pitr = args.safety === undefined ? undefined : pitrDaysProblem(args.safety.backupRetentionDays);
    if (pitr !== undefined) {
        out.push(pitr);
    }
    return out;
}

/** The tier's switches BackupPlan reads. */
type BackupPlanSafety = Pick<Safety, "protect" | "kmsDeletionWindowDays" | "forceDestroy" | "backupRetentionDays" | "vaultLock">;

/**
 * Every RDS DB instance of the account in `region`: a resource-type assignment, as a prefix pattern
 * (the API allows `*` only at the end: botocore backup BackupSelection.Resources, vendor/botocore-models).
 */
export function rdsInstancesPattern(partition: string, region: string, accountId: string): string {
    return `arn:${partition}:rds:${region}:${accountId}:db:*`;
}

/**
 * The selection: the RDS instances tagged `BACKUP_PLAN_TAG_KEY: <planName>`. A resource type AND a tag
 * condition, not the tag alone: "If resource assignments are only based on tags, then service opt-in
 * settings are applied", while an explicitly assigned resource type "will be included in the backup even
 * if the opt-in is not enabled" (botocore backup UpdateRegionSettings, vendor/botocore-models; AWS Backup
 * Developer Guide, assigning-resources-json.html, "Selection by resource type"). So a fresh account, or
 * one whose RDS opt-in is off in this region, still gets backups, with no account-wide RegionSettings
 * that two stacks of one account would fight over. `Resources` and `Conditions` combine with AND
 * (same page: "those in Resources combined using a Boolean OR and those in Conditions combined with a
 * Boolean AND"; `ListOfTags` would be OR), so other stacks' instances stay out.
 */
/**
 * The selection's name. Not the tag-only selection's `<plan>-by-tag`: a selection cannot be updated,
 * so the change of shape replaces it, and under another name the replacement is created before the
 * old one is deleted (the engine's default: pulumi/pulumi pkg/resource/deploy/step_generator.go
 * replaces create-before-delete unless `deleteBeforeReplace`; a kept name would need delete-first, since
 * CreateBackupSelection may raise AlreadyExistsException), so the plan is never without a selection
 * and no backup falls due into a gap.
 */
export function selectionName(planName: string): string {
    return `${planName}-rds-tagged`;
}

export function selectionArgs(planName: string, planId: pulumi.Input<string>, iamRoleArn: pulumi.Input<string>, rdsInstances: pulumi.Input<string>): aws.backup.SelectionArgs {
    return {
        name: selectionName(planName),
        planId,
        iamRoleArn,
        resources: [rdsInstances],
        conditions: [{ stringEquals: [{ key: `aws:ResourceTag/${BACKUP_PLAN_TAG_KEY}`, value: planName }] }],
    };
}

/** The monthly restore drill: the latest snapshot of the last week in the primary vault. */
export function restoreTestingPlanArgs(planName: string, vaultArn: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.backup.RestoreTestingPlanArgs {
    return {
        name: restoreTestingName(`${planName}_restore_drill`),
        scheduleExpression: RESTORE_TEST_SCHEDULE,
        scheduleExpressionTimezone: "Etc/UTC",
        startWindowHours: RESTORE_TEST_START_WINDOW_HOURS,
        recoveryPointSelection: {
            algorithm: "LATEST_WITHIN_WINDOW",
            includeVaults: [vaultArn],
            // Snapshots: what a restore after losing the instance (or the region, from a copy) starts from.
            recoveryPointTypes: ["SNAPSHOT"],
            selectionWindowDays: RESTORE_TEST_SELECTION_WINDOW_DAYS,
        },
        tags,
    };
}

/** What the drill restores: every RDS instance carrying this plan's tag. */
export function restoreTestingSelectionArgs(
    planName: string,
    restoreTestingPlanName: pulumi.Input<string>,
    iamRoleArn: pulumi.Input<string>,
    restoreMetadataOverrides: BackupPlanArgs["restoreMetadataOverrides"],
): aws.backup.RestoreTestingSelectionArgs {
    return {
        name: restoreTestingName(`${planName}_database`),
        restoreTestingPlanName,
        protectedResourceType: "RDS",
        iamRoleArn,
        // Every RDS instance carrying this plan's tag, selected by the condition alone. The AWS API
        // would take `protectedResourceArns: ["*"]` with it too, but the provider refuses both at
        // preview: terraform-provider-aws internal/service/backup/restore_testing_selection.go
        // (ConfigValidators: ExactlyOneOf protected_resource_arns, protected_resource_conditions),
        // run by Pulumi's Check (pulumi-terraform-bridge pkg/pf/tfbridge/provider_check.go).
        protectedResourceConditions: { stringEquals: [{ key: `aws:ResourceTag/${BACKUP_PLAN_TAG_KEY}`, value: planName }] },
        validationWindowHours: RESTORE_VALIDATION_WINDOW_HOURS,
        restoreMetadataOverrides,
    };
}

/**
 * The DR drill's VPC: a /24 that is never peered, routed or given a gateway, so any private range
 * would do; this one stays clear of the stack VPC's default (10.0.0.0/16) and the examples' ranges,
 * should a recovery stack (docs/runbooks/region-failure.md) ever peer with it.
 */
export const DR_DRILL_VPC_CIDR = "10.254.0.0/24";
/**
 * Its two subnets, one per zone: "DB subnet groups must contain at least one subnet in at least two
 * AZs in the Amazon Web Services Region" (botocore rds CreateDBSubnetGroup). /26: RDS needs a few
 * addresses per restored instance, and nothing else ever runs here.
 */
export const DR_DRILL_SUBNET_CIDRS = ["10.254.0.0/26", "10.254.0.64/26"] as const;

/**
 * The DR drill's network, all in `drRegion`: a VPC with DNS (an RDS endpoint is a name), no internet
 * gateway, no NAT and no route but the VPC's local one, so nothing reaches the restored instance and
 * it reaches nothing; a security group with no rule at all, neither in nor out. RDS restores a
 * snapshot into "the default virtual private cloud (VPC), DB subnet group, and VPC security group
 * ... unless you choose different ones" (RDS User Guide, USER_RestoreFromSnapshot, "Security group
 * considerations"), and AWS Backup's restore test "will not be successful" where "the default VPC or
 * subnet has been deleted and no metadata override has been input" (AWS Backup Developer Guide,
 * restore-testing-inferred-metadata.html): a DR Region need not have a default VPC, so the stack
 * brings its own.
 */
export function drDrillVpcArgs(drRegion: string, tags: Record<string, pulumi.Input<string>>): aws.ec2.VpcArgs {
    return { cidrBlock: DR_DRILL_VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, region: drRegion, tags };
}

/** Subnet `i` of the DR drill's network, in zone `availabilityZone` of `drRegion`: private, no public addresses. */
export function drDrillSubnetArgs(i: 0 | 1, drRegion: string, vpcId: pulumi.Input<string>, availabilityZone: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.ec2.SubnetArgs {
    return { vpcId, cidrBlock: DR_DRILL_SUBNET_CIDRS[i], availabilityZone, mapPublicIpOnLaunch: false, region: drRegion, tags };
}

/** The restored instance's security group: no ingress and no egress (explicit empty lists remove the default allow-all egress). */
export function drDrillSecurityGroupArgs(drRegion: string, vpcId: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.ec2.SecurityGroupArgs {
    return {
        description: "DR restore drill: the restored instance, reachable by nothing",
        vpcId,
        ingress: [],
        egress: [],
        region: drRegion,
        tags,
    };
}

/**
 * The DR drill: monthly, in `drRegion`, the latest snapshot of the last week in the DR vault (the
 * copies the plan's copy actions write). AWS Backup restore testing is regional (a plan's
 * `IncludeVaults` are vaults of its own Region), hence a second plan rather than a second vault in
 * the first. Same schedule as the primary drill: the Regions are independent, and one
 * `drillDueSeconds` serves both alerts. Copies of continuous backups are snapshots ("the copied
 * recovery point (backup) becomes a snapshot (periodic) backup", recov-point-create-a-copy), so
 * `SNAPSHOT` covers every copy.
 */
export function drRestoreTestingPlanArgs(planName: string, drRegion: string, drVaultArn: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.backup.RestoreTestingPlanArgs {
    return { ...restoreTestingPlanArgs(planName, drVaultArn, tags), name: restoreTestingName(`${planName}_dr_restore_drill`), region: drRegion };
}

/**
 * What the DR drill restores: the database's copies, named by the database's ARN (the copies'
 * protected resource is the source instance, in the primary Region; its tags are not something the
 * DR Region's restore testing is documented to read, so no tag condition), into the DR network.
 * That the selection matches a copy by its source's ARN is read from the API's model (a recovery
 * point names the resource it backs up, `ResourceArn`, and a copy also its source vault,
 * `SourceBackupVaultArn`: botocore backup RecoveryPointByBackupVault), not from a sentence of the
 * docs: the first run confirms it, and LaunchpadDrRestoreDrillNotSucceeded pages if no run ever
 * restores anything.
 *
 * - Decrypting. A cross-Region copy is re-encrypted "using the customer managed key of your
 *   destination vault" (AWS Backup Developer Guide, cross-region-backup.html), the DR vault's key,
 *   whose policy is KMS's default (lib/kms.ts: the account's IAM policies decide). The role is the
 *   plan's: `AWSBackupServiceRolePolicyForRestores` allows kms:Decrypt, GenerateDataKey, ReEncrypt*
 *   and DescribeKey on any key through `rds.*.amazonaws.com`, and CreateGrant for AWS resources
 *   (vendor/aws-managed-policies), which the restored instance's grant on that key needs.
 * - Overrides. The DR subnet group and security group. No parameter group: RDS then uses "the
 *   default DB parameter group" of the snapshot's family (USER_RestoreFromSnapshot), which RDS has
 *   in every Region, while the database's own exists only in the primary Region. No option group:
 *   AWS Backup copies RDS snapshots across Regions with the default option group
 *   (cross-region-backup.html, "Amazon RDS"), and the database uses the default.
 * - No validation window: nothing can reach the restored instance to validate it (isolated network,
 *   another Region from the cluster), so AWS Backup deletes it once the restore completes. What this
 *   drill proves is that the copy decrypts and restores to a running instance; the data itself is
 *   checked by the primary drill (scripts/db/drill-check.sh).
 */
export function drRestoreTestingSelectionArgs(
    planName: string,
    drRegion: string,
    restoreTestingPlanName: pulumi.Input<string>,
    iamRoleArn: pulumi.Input<string>,
    dbInstanceArn: pulumi.Input<string>,
    target: Pick<RdsRestoreTarget, "subnetGroupName"> & { readonly securityGroupId: pulumi.Input<string> },
): aws.backup.RestoreTestingSelectionArgs {
    return {
        name: restoreTestingName(`${planName}_dr_database`),
        restoreTestingPlanName,
        protectedResourceType: "RDS",
        iamRoleArn,
        protectedResourceArns: [dbInstanceArn],
        restoreMetadataOverrides: rdsRestoreMetadataOverrides({ subnetGroupName: target.subnetGroupName, securityGroupIds: [target.securityGroupId] }),
        region: drRegion,
    };
}

/**
 * The DR selection is replaced, delete-first, when the database's ARN changes (a restore into a new
 * identifier, docs/runbooks/README.md), never updated: the provider's Update calls
 * UpdateRestoreTestingSelection only when `iam_role_arn`, `protected_resource_conditions`,
 * `restore_metadata_overrides` or `validation_window_hours` differ, so a change of
 * `protected_resource_arns` alone is recorded in the state and never sent, and the drill keeps
 * selecting the old instance (terraform-provider-aws internal/service/backup/restore_testing_selection.go
 * `Update`; hashicorp/terraform-provider-aws#48316, open). Delete-first: the name is the program's,
 * and the selection holds no data.
 */
export const DR_SELECTION_REPLACED_ON_NEW_ARN = { replaceOnChanges: ["protectedResourceArns"], deleteBeforeReplace: true };

/** What the BackupPlan's child-creating steps share. */
interface PlanContext {
    readonly parent: BackupPlan;
    readonly name: string;
    readonly args: BackupPlanArgs;
    /** The provider's partition and account: the managed policies' and the RDS instance pattern's ARNs. */
    readonly partitionAndAccount: pulumi.Output<[string, string]>;
}

/** A vault (child `${name}-${role}`) under its own key, protected like the data. */
function vault(ctx: PlanContext, role: string, vaultName: string, region: string | undefined): aws.backup.Vault {
    const { parent, name, args: { safety, tags } } = ctx;
    const key = encryptionKey(`${name}-${role}-key`, { description: `Recovery points in AWS Backup vault ${vaultName}`, ...(region !== undefined ? { region } : {}) }, { parent, safety, tags });
    return new aws.backup.Vault(`${name}-${role}`, {
        name: vaultName,
        kmsKeyArn: key.arn,
        // Staging: `pulumi destroy` deletes the recovery points with the vault.
        forceDestroy: safety.forceDestroy,
        region,
        tags: childTags(tags, `${name}-${role}`),
    }, { parent, protect: safety.protect });
}

/** Compliance-mode Vault Lock on both vaults once the grace period ends: nobody, root included, deletes recovery points early. */
function vaultLocks(ctx: PlanContext, rules: readonly PlanRule[], vaults: readonly (readonly [string, aws.backup.Vault, string | undefined])[]): void {
    const bounds = vaultLockBounds(rules);
    for (const [role, v, region] of vaults) {
        new aws.backup.VaultLockConfiguration(`${ctx.name}-${role}-lock`, {
            backupVaultName: v.name,
            ...bounds,
            changeableForDays: VAULT_LOCK_CHANGEABLE_DAYS,
            region,
        }, { parent: ctx.parent, protect: ctx.args.safety.protect });
    }
}

/** The role AWS Backup assumes, with the two managed policies for backups and restores. */
function serviceRole(ctx: PlanContext): { role: aws.iam.Role; policies: aws.iam.RolePolicyAttachment[] } {
    const { parent, name } = ctx;
    const role = new aws.iam.Role(`${name}-role`, {
        assumeRolePolicy: JSON.stringify(servicePrincipalPolicy("backup.amazonaws.com")),
        tags: childTags(ctx.args.tags, `${name}-role`),
    }, { parent });
    const policies = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map((policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-${policy}`, {
            role: role.name,
            policyArn: ctx.partitionAndAccount.apply(([partition]) => managedPolicyArn(`service-role/${policy}`, partition)),
        }, { parent }));
    return { role, policies };
}

/** The DR drill (children `${name}-dr-drill-*` and `${name}-dr-restore-testing*`): its isolated network, plan and selection, all in `drRegion`. */
function drRestoreDrill(ctx: PlanContext, drVault: aws.backup.Vault, role: aws.iam.Role, policies: readonly aws.iam.RolePolicyAttachment[], drill: DrRestoreDrillArgs): aws.backup.RestoreTestingPlan {
    const { parent, name, args: { tags, planName, drRegion } } = ctx;
    const tagged = (child: string) => childTags(tags, `${name}-${child}`);
    const vpc = new aws.ec2.Vpc(`${name}-dr-drill-vpc`, drDrillVpcArgs(drRegion, tagged("dr-drill-vpc")), { parent });
    // The stack network's zone query (regular zones: no opt-in Local or Wavelength Zone), in the DR region.
    const zones = aws.getAvailabilityZonesOutput({ ...AVAILABILITY_ZONES_QUERY, region: drRegion }, { parent });
    const subnets = ([0, 1] as const).map((i) => {
        const zone = zones.names.apply((names) => {
            if (names.length <= i) {
                throw new pulumi.ResourceError(`launchpad:drRegion: received ${JSON.stringify(drRegion)}, which has ${names.length} regular Availability Zones available; expected a region with at least 2 (a DB subnet group needs two)`, parent);
            }
            return names[i];
        });
        return new aws.ec2.Subnet(`${name}-dr-drill-subnet-${i}`, drDrillSubnetArgs(i, drRegion, vpc.id, zone, tagged(`dr-drill-subnet-${i}`)), { parent });
    });
    const subnetGroup = new aws.rds.SubnetGroup(`${name}-dr-drill-subnets`, {
        description: `DR restore drill of ${planName}: isolated subnets`,
        subnetIds: subnets.map((s) => s.id),
        region: drRegion,
        tags: tagged("dr-drill-subnets"),
    }, { parent });
    const sg = new aws.ec2.SecurityGroup(`${name}-dr-drill-sg`, drDrillSecurityGroupArgs(drRegion, vpc.id, tagged("dr-drill-sg")), { parent });
    const plan = new aws.backup.RestoreTestingPlan(`${name}-dr-restore-testing`, drRestoreTestingPlanArgs(planName, drRegion, drVault.arn, tagged("dr-restore-testing")), { parent });
    new aws.backup.RestoreTestingSelection(`${name}-dr-restore-testing-database`,
        drRestoreTestingSelectionArgs(planName, drRegion, plan.name, role.arn, drill.dbInstanceArn, { subnetGroupName: subnetGroup.name, securityGroupId: sg.id }),
        { parent, dependsOn: [...policies], ...DR_SELECTION_REPLACED_ON_NEW_ARN });
    return plan;
}

export class BackupPlan extends pulumi.ComponentResource {
    public readonly vaultName: pulumi.Output<string>;
    public readonly vaultArn: pulumi.Output<string>;
    public readonly drVaultName: pulumi.Output<string>;
    public readonly drVaultArn: pulumi.Output<string>;
    public readonly planId: pulumi.Output<string>;
    public readonly planArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    /** Tag key and value a resource carries to be backed up by this plan (and restore-tested if a database). */
    public readonly selectionTagKey: string;
    public readonly selectionTagValue: string;
    public readonly restoreTestingPlanName: pulumi.Output<string>;
    /** The drill's restore testing plan: scripts/db/drill-check.sh validates its restore jobs, scripts/db/dr-metrics.sh reads their outcome. */
    public readonly restoreTestingPlanArn: pulumi.Output<string>;
    /** The DR drill's restore testing plan, in `drRegion`: scripts/db/dr-metrics.sh reads its outcome. Undefined without `drRestoreDrill`. */
    public readonly drRestoreTestingPlanArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:backup-plan:BackupPlan", name, {}, opts);
        const problems = backupPlanProblems(args);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`invalid BackupPlan args:\n  - ${problems.join("\n  - ")}`, this);
        }
        const { tags, planName } = args;
        const ctx: PlanContext = { parent: this, name, args, partitionAndAccount: partitionAndAccount(this, awsPartition(args.region)) };
        const primary = vault(ctx, "vault", planName, undefined);
        const dr = vault(ctx, "dr-vault", `${planName}-dr`, args.drRegion);
        const rules = backupPlanRules({ vaultName: primary.name, drVaultArn: dr.arn, weeklyDay: args.weeklyDay, pitrDays: args.safety.backupRetentionDays });
        if (args.safety.vaultLock) {
            vaultLocks(ctx, rules, [["vault", primary, undefined], ["dr-vault", dr, args.drRegion]]);
        }
        const { role, policies } = serviceRole(ctx);
        const plan = new aws.backup.Plan(`${name}-plan`, {
            name: planName,
            rules: rules.map((r) => ({ ...r, copyActions: [...r.copyActions] })),
            tags: childTags(tags, `${name}-plan`),
        }, { parent: this });
        const rdsInstances = ctx.partitionAndAccount.apply(([partition, accountId]) => rdsInstancesPattern(partition, args.region, accountId));
        new aws.backup.Selection(`${name}-selection`, selectionArgs(planName, plan.id, role.arn, rdsInstances), { parent: this, dependsOn: policies });
        const drill = new aws.backup.RestoreTestingPlan(`${name}-restore-testing`, restoreTestingPlanArgs(planName, primary.arn, childTags(tags, `${name}-restore-testing`)), { parent: this });
        new aws.backup.RestoreTestingSelection(`${name}-restore-testing-database`,
            restoreTestingSelectionArgs(planName, drill.name, role.arn, args.restoreMetadataOverrides), { parent: this, dependsOn: policies });
        const drDrill = args.drRestoreDrill !== undefined ? drRestoreDrill(ctx, dr, role, policies, args.drRestoreDrill) : undefined;

        this.vaultName = primary.name;
        this.vaultArn = primary.arn;
        this.drVaultName = dr.name;
        this.drVaultArn = dr.arn;
        this.planId = plan.id;
        this.planArn = plan.arn;
        this.roleArn = role.arn;
        this.selectionTagKey = BACKUP_PLAN_TAG_KEY;
        this.selectionTagValue = planName;
        this.restoreTestingPlanName = drill.name;
        this.restoreTestingPlanArn = drill.arn;
        this.drRestoreTestingPlanArn = drDrill?.arn;
        this.registerOutputs({
            vaultName: this.vaultName,
            vaultArn: this.vaultArn,
            drVaultName: this.drVaultName,
            drVaultArn: this.drVaultArn,
            planId: this.planId,
            planArn: this.planArn,
            roleArn: this.roleArn,
            selectionTagKey: this.selectionTagKey,
            selectionTagValue: this.selectionTagValue,
            restoreTestingPlanName: this.restoreTestingPlanName,
            restoreTestingPlanArn: this.restoreTestingPlanArn,
            drRestoreTestingPlanArn: this.drRestoreTestingPlanArn,
        });
    }
}
