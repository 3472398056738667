/**
 * The data layer's AWS inputs as the AWS APIs and the provider's validators check them (issue 13,
 * class 2: config refuses what AWS would refuse; issue 11: the first real `pulumi up`): every RDS,
 * AWS Backup, S3, KMS and CloudWatch Logs resource of both stacks against the sourced rules of
 * tests/support/aws-api.ts, for the committed stacks and, on production (which has every data-layer
 * type staging has), for the extremes config accepts: smallest and largest storage, PostgreSQL,
 * Object Lock days, the weekly copy on Monday, windows at the edge of what the backup schedule
 * allows, another DR region. A rule that could never fail proves nothing, so each is also shown
 * refusing one hand-made break of the production plan.
 */
import { describe, expect, it } from "vitest";
import { AWS_API_RULES, awsApiProblems, unruledAwsTypes } from "./support/aws-api";
import { named, planStack, type Plan } from "./support/plan";

const STACKS = ["staging", "production"] as const;

/** Config values at the edges of what `launchpad:database` and `launchpad:backup` accept. */
const EXTREMES: readonly { readonly what: string; readonly sets: readonly string[] }[] = [
    { what: "the smallest storage and its smallest ceiling", sets: ["launchpad:database.allocatedStorageGb=20", "launchpad:database.maxAllocatedStorageGb=22"] },
    { what: "the largest storage with a ceiling RDS allows", sets: ["launchpad:database.allocatedStorageGb=59578", "launchpad:database.maxAllocatedStorageGb=65536"] },
    { what: "PostgreSQL (its parameters, log exports and family)", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'] },
    { what: "Object Lock for one day", sets: ["launchpad:backup.objectLockDays=1"] },
    { what: "Object Lock for ten years", sets: ["launchpad:backup.objectLockDays=3650"] },
    { what: "the weekly copy on Monday", sets: ["launchpad:backup.weeklyDay=1"] },
    { what: "windows at the edge of the backup schedule", sets: ["launchpad:database.backupWindow=03:30-04:00", "launchpad:database.maintenanceWindow=sat:07:00-sat:07:30"] },
    { what: "another DR region (which region pairs RDS replicates between is not checked: no current table found)", sets: ["launchpad:drRegion=eu-west-1"] },
];

describe.each(STACKS)("%s: every data-layer AWS resource as the API checks it", (stack) => {
    it("each RDS, AWS Backup, S3, KMS and CloudWatch Logs type has a sourced rule", async () => {
        expect(unruledAwsTypes(await planStack(stack))).toEqual([]);
    });

    it("the committed stack breaks no rule", async () => {
        expect(awsApiProblems(await planStack(stack))).toEqual([]);
    });
});

// Production has every data-layer type staging has, and more (Vault Locks, DR replication): the
// extremes are planned there only, to keep the suite's time down.
describe("production at the extremes config accepts", () => {
    it.each(EXTREMES)("with $what, no rule is broken", async ({ sets }) => {
        expect(awsApiProblems(await planStack("production", sets))).toEqual([]);
    });
});

/** The committed plan with one resource's inputs edited, as a hand edit of a saved plan would be. */
function edited(plan: Plan, name: string, edit: (inputs: Record<string, unknown>) => void): Plan {
    const copy = structuredClone(plan);
    edit(named(copy, name).inputs);
    return copy;
}

/** Each problem without its trailing ` [<source>]`, for exact comparison. */
const brief = (problems: readonly string[]): string[] => problems.map((p) => p.slice(0, p.lastIndexOf(" [")));

describe("each rule refuses a hand-made break of the production plan", () => {
    const p = "launchpad-production";
    const BREAKS: readonly { readonly what: string; readonly name: string; readonly edit: (i: Record<string, unknown>) => void; readonly problem: string }[] = [
        {
            what: "restore testing selection by ARN wildcard and condition at once (the refused shape)",
            name: `${p}-backup-plan-restore-testing-database`,
            edit: (i) => { i.protectedResourceArns = ["*"]; },
            problem: `${p}-backup-plan-restore-testing-database (aws:backup/restoreTestingSelection:RestoreTestingSelection): exactly one of protectedResourceArns and protectedResourceConditions: both are set`,
        },
        {
            what: "Performance Insights on db.t4g.micro MySQL",
            name: `${p}-database-instance`,
            edit: (i) => { i.instanceClass = "db.t4g.micro"; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): Performance Insights only on a class the engine has it on: mysql on db.t4g.micro`,
        },
        {
            what: "Database Insights Advanced mode with 7 days of Performance Insights",
            name: `${p}-database-instance`,
            edit: (i) => { i.databaseInsightsMode = "advanced"; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): databaseInsightsMode advanced needs Performance Insights kept 465 days; standard at least 7: advanced with 7 days`,
        },
        {
            what: "a Performance Insights retention of 94 days",
            name: `${p}-database-instance`,
            edit: (i) => { i.performanceInsightsRetentionPeriod = 94; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): performanceInsightsRetentionPeriod is 7, 731 or 31 x 1..23 months: 94`,
        },
        {
            what: "36 days of automated backups",
            name: `${p}-database-instance`,
            edit: (i) => { i.backupRetentionPeriod = 36; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): backupRetentionPeriod is 0..35: 36`,
        },
        {
            what: "a storage ceiling under 110%",
            name: `${p}-database-instance`,
            edit: (i) => { i.maxAllocatedStorage = 210; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): gp3 allocatedStorage is 20..65536 GiB, maxAllocatedStorage 10% above it and at most 65536: ceiling 210 GiB for 200 GiB`,
        },
        {
            what: "a PostgreSQL log type on MySQL",
            name: `${p}-database-instance`,
            edit: (i) => { i.enabledCloudwatchLogsExports = ["error", "postgresql"]; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): enabledCloudwatchLogsExports are log types of the engine: ["postgresql"] for mysql`,
        },
        {
            what: "a parameter group of the previous major version",
            name: `${p}-database-params`,
            edit: (i) => { i.family = "mysql8.0"; },
            problem: `${p}-database-instance (aws:rds/instance:Instance): its parameter group's family is the instance's engine and major version: family "mysql8.0" for mysql 8.4`,
        },
        {
            what: "a static MySQL parameter sent immediate",
            name: `${p}-database-params`,
            edit: (i) => { (i.parameters as Record<string, unknown>[]).push({ name: "innodb_buffer_pool_instances", value: "4", applyMethod: "immediate" }); },
            problem: `${p}-database-params (aws:rds/parameterGroup:ParameterGroup): every parameter exists for the engine, and \`immediate\` only on a dynamic one: innodb_buffer_pool_instances is not a known mysql parameter`,
        },
        {
            what: "DR backups under a key of the primary region",
            name: `${p}-database-dr-backups`,
            edit: (i) => { i.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/e5bfd186-676c-4281-a48a-828bef509ac9"; },
            problem: `${p}-database-dr-backups (aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication): kmsKeyId is a KMS key in the resource's region: "arn:aws:kms:us-east-1:123456789012:key/e5bfd186-676c-4281-a48a-828bef509ac9" is not in us-west-2`,
        },
        {
            what: "a daily copy kept 20 days in the locked DR vault",
            name: `${p}-backup-plan-plan`,
            edit: (i) => { ((i.rules as Record<string, unknown>[])[1].copyActions as Record<string, unknown>[])[0].lifecycle = { deleteAfter: 20 }; },
            problem: `${p}-backup-plan-plan (aws:backup/plan:Plan): every recovery point and copy is kept within the Vault Lock of the vault it lands in: daily copy: 20 days in vault ${p}-dr, locked to 30..2557`,
        },
        {
            what: "a continuous rule kept 36 days",
            name: `${p}-backup-plan-plan`,
            edit: (i) => { (i.rules as Record<string, unknown>[])[0].lifecycle = { deleteAfter: 36 }; },
            problem: `${p}-backup-plan-plan (aws:backup/plan:Plan): a continuous rule keeps 1..35 days and moves nothing to cold storage: continuous: {"deleteAfter":36}`,
        },
        {
            what: "a 30-minute start window",
            name: `${p}-backup-plan-plan`,
            edit: (i) => { (i.rules as Record<string, unknown>[])[2].startWindow = 30; },
            problem: `${p}-backup-plan-plan (aws:backup/plan:Plan): startWindow at least 60 minutes; schedules at most hourly (AWS cron, six fields): weekly: startWindow 30`,
        },
        {
            what: "a Vault Lock changeable for 2 days",
            name: `${p}-backup-plan-vault-lock`,
            edit: (i) => { i.changeableForDays = 2; },
            problem: `${p}-backup-plan-vault-lock (aws:backup/vaultLockConfiguration:VaultLockConfiguration): changeableForDays is at least 3, and minRetentionDays <= maxRetentionDays: changeableForDays 2`,
        },
        {
            what: "a 200-hour validation window",
            name: `${p}-backup-plan-restore-testing-database`,
            edit: (i) => { i.validationWindowHours = 200; },
            problem: `${p}-backup-plan-restore-testing-database (aws:backup/restoreTestingSelection:RestoreTestingSelection): name and validation window the provider accepts: validationWindowHours 200`,
        },
        {
            what: "a 31-day KMS deletion window",
            name: `${p}-database-key`,
            edit: (i) => { i.deletionWindowInDays = 31; },
            problem: `${p}-database-key (aws:kms/key:Key): deletionWindowInDays is 7..30; a rotation period, if set, 90..2560: deletionWindowInDays 31`,
        },
        {
            what: "a log retention of 366 days",
            name: `${p}-database-log-error`,
            edit: (i) => { i.retentionInDays = 366; },
            problem: `${p}-database-log-error (aws:cloudwatch/logGroup:LogGroup): retentionInDays is a value CloudWatch Logs accepts: 366`,
        },
        {
            what: "an STANDARD_IA transition at 29 days",
            name: `${p}-backup-storage-bucket-lifecycle`,
            edit: (i) => { ((i.rules as Record<string, unknown>[])[1].transitions as Record<string, unknown>[])[0].days = 29; },
            problem: `${p}-backup-storage-bucket-lifecycle (aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration): each rule has a filter and an id of at most 255; IA transitions at 30 days or later; expiration after every transition; ExpiredObjectDeleteMarker never with Days: weekly-expire-84d: STANDARD_IA at 29 days`,
        },
        {
            what: "a replica key in the source bucket's region",
            name: `${p}-backup-storage-replication`,
            edit: (i) => { ((i.rules as Record<string, unknown>[])[0].destination as Record<string, unknown>).encryptionConfiguration = { replicaKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/5aa17942-34f7-4b73-a93a-c7e53405eff9" }; },
            problem: `${p}-backup-storage-replication (aws:s3/bucketReplicationConfig:BucketReplicationConfig): versioning on both buckets; Object Lock on the destination when the source has it; replica key in the destination's region; RTC 15 minutes with metrics; a filtered rule says what happens to delete markers: replica key "arn:aws:kms:us-east-1:123456789012:key/5aa17942-34f7-4b73-a93a-c7e53405eff9" not in us-west-2`,
        },
        {
            what: "a bucket setting sent to the other region",
            name: `${p}-backup-storage-replica-versioning`,
            edit: (i) => { delete i.region; },
            problem: `${p}-backup-storage-replica-versioning (aws:s3/bucketVersioning:BucketVersioning): is applied in the region of the bucket it names: sent to us-east-1, the bucket is in us-west-2`,
        },
    ];

    it.each(BREAKS)("$what", async ({ name, edit, problem }) => {
        expect(brief(awsApiProblems(edited(await planStack("production"), name, edit)))).toEqual([problem]);
    });

    it("every rule names its source", () => {
        expect(AWS_API_RULES.filter((r) => r.source.length < 40).map((r) => `${r.type}: ${r.rule}`)).toEqual([]);
    });
});
