/**
 * The inputs of the data layer's AWS resources (RDS, AWS Backup, S3, KMS, CloudWatch Logs) as the AWS
 * APIs and the provider's own validators hold them: one sourced rule list per resource type; a type
 * of these services with no rule fails tests/aws-api.test.ts, so a new kind cannot slip past.
 * Physical names and their lengths are tests/support/physical-names.ts's, not repeated here.
 *
 * Two kinds of source. The AWS API references and user guides, for what the service refuses. And
 * hashicorp/terraform-provider-aws, which @pulumi/aws 7.48.0 bridges: its validators run at Pulumi's
 * Check, before any AWS call (pulumi-terraform-bridge pkg/pf/tfbridge/provider_check.go
 * validateResourceConfig calls the provider's ValidateResourceConfig), so a value they refuse fails
 * `pulumi preview` itself. Provider files are cited by path and the commit the search index holds.
 */
import { PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES, weeklyWindowMinutes, windowMinutes, windowsOverlap } from "../../config/database";
import type { Plan, PlannedResource } from "./plan";

/** One constraint on one resource type. */
export interface AwsApiRule {
    readonly type: string;
    /** What is checked, as a test names it. */
    readonly rule: string;
    /** Where the constraint comes from. */
    readonly source: string;
    /** The problem with `r`'s inputs, or undefined; `plan` for rules that look at another resource. */
    readonly check: (r: PlannedResource, plan: Plan) => string | undefined;
}

/** The services whose every resource type needs a rule. */
export const RULED_SERVICES = ["aws:rds/", "aws:backup/", "aws:s3/", "aws:kms/", "aws:cloudwatch/logGroup:"] as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const json = (v: unknown): string => JSON.stringify(v);
/** A string input as it is, anything else as JSON. */
const text = (v: unknown): string => (typeof v === "string" ? v : json(v));

/** `arn:<partition>:<service>:<region>:...` -> region ("" for global ARNs). */
export function arnRegion(arn: unknown): string | undefined {
    const parts = typeof arn === "string" ? arn.split(":") : [];
    return parts.length >= 6 && parts[0] === "arn" ? parts[3] : undefined;
}

/** The region a resource is created in: its own `region` input, else the stack's AWS provider's. */
export function regionOf(r: PlannedResource, plan: Plan): string {
    if (typeof r.inputs.region === "string") {
        return r.inputs.region;
    }
    const provider = plan.resources.find((p) => p.type === "pulumi:providers:aws");
    return text(provider?.inputs.region ?? "");
}

/** The planned resources of a type. */
const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((x) => x.type === type);

/** The S3 bucket a bucket setting names, by the bucket name the provider reports. */
function bucketNamed(plan: Plan, name: unknown): PlannedResource | undefined {
    return ofType(plan, "aws:s3/bucket:Bucket").find((b) => b.state.bucket === name || b.id === name);
}

/** A bucket's versioning status, from its BucketVersioning setting. */
function versioningOf(plan: Plan, bucketName: unknown): unknown {
    return ofType(plan, "aws:s3/bucketVersioning:BucketVersioning").find((v) => v.inputs.bucket === bucketName)?.inputs.versioningConfiguration;
}

/** A KMS key ARN `field` names is in the resource's own region: KMS keys are regional. */
function keyInRegion(type: string, field: string, where: (r: PlannedResource, plan: Plan) => string = regionOf): AwsApiRule {
    return {
        type,
        rule: `${field} is a KMS key in the resource's region`,
        source: "AWS KMS Developer Guide, overview \"AWS KMS keys are Regional\" (a key is used only in the Region that holds it; multi-Region keys aside, and none is created)",
        check: (r, plan) => {
            const value = field.split(".").reduce<unknown>((v, k) => obj(v)[k], r.inputs);
            const want = where(r, plan);
            return value === undefined || arnRegion(value) === want ? undefined : `${json(value)} is not in ${want}`;
        },
    };
}

/** A bucket setting is sent to the bucket's own region (S3 answers another region with PermanentRedirect). */
function settingInBucketRegion(type: string): AwsApiRule {
    return {
        type,
        rule: "is applied in the region of the bucket it names",
        source: "Amazon S3 API Reference, ErrorResponses: PermanentRedirect / AuthorizationHeaderMalformed for a request sent to a region other than the bucket's",
        check: (r, plan) => {
            const bucket = bucketNamed(plan, r.inputs.bucket);
            if (bucket === undefined) {
                return `names ${json(r.inputs.bucket)}, no bucket of the plan`;
            }
            return regionOf(r, plan) === regionOf(bucket, plan) ? undefined : `sent to ${regionOf(r, plan)}, the bucket is in ${regionOf(bucket, plan)}`;
        },
    };
}

const RDS_API = "Amazon RDS API Reference, CreateDBInstance";
/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** Log types each engine exports to CloudWatch Logs. */
const LOG_TYPES: Readonly<Record<string, readonly string[]>> = {
    mysql: ["audit", "error", "general", "slowquery", "iam-db-auth-error"],
    postgres: ["postgresql", "upgrade", "iam-db-auth-error"],
};
/**
 * Parameters the program sets, and whether the engine changes them without a restart; `immediate`
 * is refused for a static one ("cannot use immediate apply method for static parameter").
 * MySQL: MySQL 8.4 Reference Manual 7.1.5 "Server System Variable Reference", column Dynamic.
 * PostgreSQL: log_min_duration_statement is a `superuser`-context setting (PostgreSQL 17 docs,
 * runtime-config-logging), changed by a reload; rds.force_ssl is only ever sent `pending-reboot`,
 * which RDS accepts for any parameter, so its dynamism is not claimed.
 */
const PARAMETERS: Readonly<Record<string, Readonly<Record<string, boolean | undefined>>>> = {
    mysql: { require_secure_transport: true, slow_query_log: true, long_query_time: true, log_output: true },
    postgres: { "rds.force_ssl": undefined, log_min_duration_statement: true },
};
/** The Vault Lock of the vault named `vault`, if the plan locks it. */
function lockOf(plan: Plan, vault: string): PlannedResource | undefined {
    return ofType(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").find((l) => l.inputs.backupVaultName === vault);
}

/** `days` outside the lock of `vault`, if it has one. */
function outsideLock(plan: Plan, vault: string, days: unknown): string | undefined {
    const lock = lockOf(plan, vault);
    if (lock === undefined) {
        return undefined;
    }
    const { minRetentionDays: min, maxRetentionDays: max } = lock.inputs;
    return typeof days === "number" && typeof min === "number" && typeof max === "number" && (days < min || days > max)
        ? `${days} days in vault ${vault}, locked to ${min}..${max}`
        : undefined;
}

export const AWS_API_RULES: readonly AwsApiRule[] = [
    // RDS instance.
    {
        type: "aws:rds/instance:Instance",
        rule: "backupRetentionPeriod is 0..35",
        source: `${RDS_API}, BackupRetentionPeriod: "Must be a value from 0 to 35"`,
        check: (r) => (typeof r.inputs.backupRetentionPeriod === "number" && r.inputs.backupRetentionPeriod >= 0 && r.inputs.backupRetentionPeriod <= 35 ? undefined : json(r.inputs.backupRetentionPeriod)),
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "monitoringInterval is 0, 1, 5, 10, 15, 30 or 60, with a monitoring role when not 0",
        source: `${RDS_API}, MonitoringInterval: "Valid Values: 0 | 1 | 5 | 10 | 15 | 30 | 60"; a MonitoringRoleArn needs an interval other than 0`,
        check: (r) => {
            const i = r.inputs.monitoringInterval ?? 0;
            if (![0, 1, 5, 10, 15, 30, 60].includes(i as number)) return json(i);
            return i !== 0 && r.inputs.monitoringRoleArn === undefined ? "interval without a monitoringRoleArn" : undefined;
        },
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "performanceInsightsRetentionPeriod is 7, 731 or 31 x 1..23 months",
        source: `${RDS_API}, PerformanceInsightsRetentionPeriod: "7, month * 31, where month is a number of months from 1-23, 731 ... If you specify a retention period such as 94, which isn't a valid value, RDS issues an error"`,
        check: (r) => {
            const d = r.inputs.performanceInsightsRetentionPeriod;
            if (d === undefined) return undefined;
            const ok = typeof d === "number" && (d === 7 || d === 731 || (d % 31 === 0 && d / 31 >= 1 && d / 31 <= 23));
            return ok ? undefined : json(d);
        },
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "databaseInsightsMode advanced needs Performance Insights kept 465 days; standard at least 7",
        source: "RDS User Guide, USER_DatabaseInsights.TurningOnAdvanced (\"The retention period must be 15 months for the Advanced mode\", create-db-instance --performance-insights-retention-period 465) and USER_DatabaseInsights.TurningOnStandard (\"The retention period must be at least 7 days\")",
        check: (r) => {
            const mode = r.inputs.databaseInsightsMode;
            const days = r.inputs.performanceInsightsRetentionPeriod as number | undefined;
            if (mode === "advanced") return r.inputs.performanceInsightsEnabled === true && days !== undefined && days >= 465 ? undefined : `advanced with ${json(days)} days`;
            return mode === undefined || mode === "standard" ? undefined : json(mode);
        },
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "Performance Insights only on a class the engine has it on",
        source: "RDS User Guide, USER_DatabaseInsights.Engines: RDS for MySQL \"isn't supported for the following instance classes: db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro, db.t4g.small\"; RDS for PostgreSQL \"N/A\"",
        check: (r) => (r.inputs.performanceInsightsEnabled === true && ((PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES as Readonly<Record<string, readonly string[] | undefined>>)[text(r.inputs.engine)] ?? []).includes(text(r.inputs.instanceClass))
            ? `${text(r.inputs.engine)} on ${text(r.inputs.instanceClass)}`
            : undefined),
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "gp3 allocatedStorage is 20..65536 GiB, maxAllocatedStorage 10% above it and at most 65536",
        source: `${RDS_API}, AllocatedStorage (MySQL, PostgreSQL, General Purpose SSD: "Must be an integer from 20 to 65536"); RDS User Guide USER_PIOPS.Autoscaling ("at least 10% more than the currently allocated storage")`,
        check: (r) => {
            const a = r.inputs.allocatedStorage as number;
            const m = r.inputs.maxAllocatedStorage as number | undefined;
            if (r.inputs.storageType !== "gp3" || !(a >= 20 && a <= 65536)) return `${json(r.inputs.storageType)} ${a} GiB`;
            return m === undefined || (m >= Math.ceil((a * 11) / 10) && m <= 65536) ? undefined : `ceiling ${m} GiB for ${a} GiB`;
        },
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "no gp3 IOPS or throughput below 400 GiB",
        source: "RDS User Guide, CHAP_Storage (gp3 storage): for Db2, MariaDB, MySQL and PostgreSQL, IOPS and throughput can be provisioned only at 400 GiB or more; below it the baseline applies",
        check: (r) => ((r.inputs.iops !== undefined || r.inputs.storageThroughput !== undefined) && (r.inputs.allocatedStorage as number) < 400 ? "iops or storageThroughput below 400 GiB" : undefined),
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "enabledCloudwatchLogsExports are log types of the engine",
        source: `${RDS_API}, EnableCloudwatchLogsExports; RDS User Guide USER_LogAccess.Procedural.UploadtoCloudWatch (MySQL: audit, error, general, slowquery, iam-db-auth-error; PostgreSQL: postgresql, upgrade, iam-db-auth-error)`,
        check: (r) => {
            const bad = list(r.inputs.enabledCloudwatchLogsExports).filter((t) => !(LOG_TYPES[text(r.inputs.engine)] ?? []).includes(String(t)));
            return bad.length === 0 ? undefined : `${json(bad)} for ${text(r.inputs.engine)}`;
        },
    },
    {
        type: "aws:rds/instance:Instance",
        rule: "backup and maintenance windows are at least 30 minutes and do not overlap",
        source: `${RDS_API}, PreferredBackupWindow and PreferredMaintenanceWindow: "Must be at least 30 minutes", "Must not conflict with the preferred maintenance window"`,
        check: (r) => {
            const b = text(r.inputs.backupWindow);
            const m = text(r.inputs.maintenanceWindow);
            // The window arithmetic config/database.ts owns (and tests); the limits are the API's.
            if (windowMinutes(b) < 30 || weeklyWindowMinutes(m) < 30) return `${b} / ${m}`;
            return windowsOverlap(b, m) ? `${b} overlaps ${m}` : undefined;
        },
    },
    keyInRegion("aws:rds/instance:Instance", "kmsKeyId"),
    keyInRegion("aws:rds/instance:Instance", "performanceInsightsKmsKeyId"),
    {
        type: "aws:rds/instance:Instance",
        rule: "its parameter group's family is the instance's engine and major version",
        source: "Amazon RDS API Reference, CreateDBParameterGroup, DBParameterGroupFamily: a group \"can be applied only to a DB instance running a database engine and engine version compatible with that DB parameter group family\" (families mysql8.0, mysql8.4, postgres<major>)",
        check: (r, plan) => {
            const groups = ofType(plan, "aws:rds/parameterGroup:ParameterGroup").filter((g) => g.state.name === r.inputs.parameterGroupName || g.id === r.inputs.parameterGroupName);
            if (groups.length !== 1) return `parameterGroupName ${json(r.inputs.parameterGroupName)} is not one group of the plan`;
            const version = text(r.inputs.engineVersion).split(".");
            const want = r.inputs.engine === "mysql" ? `mysql${version[0]}.${version[1]}` : `postgres${version[0]}`;
            return groups[0].inputs.family === want ? undefined : `family ${json(groups[0].inputs.family)} for ${text(r.inputs.engine)} ${text(r.inputs.engineVersion)}`;
        },
    },
    {
        type: "aws:rds/subnetGroup:SubnetGroup",
        rule: "its subnets cover at least two availability zones",
        source: "Amazon RDS API Reference, CreateDBSubnetGroup: DBSubnetGroupDoesNotCoverEnoughAZs, \"Subnets in the DB subnet group should cover at least two Availability Zones\"",
        check: (r, plan) => {
            const ids = list(r.inputs.subnetIds);
            const subnets = ofType(plan, "aws:ec2/subnet:Subnet").filter((s) => ids.includes(s.id));
            // An existing network's subnets are not in the plan: nothing to judge here.
            if (subnets.length === 0) return undefined;
            const zones = new Set(subnets.map((s) => s.inputs.availabilityZone));
            return subnets.length === ids.length && zones.size >= 2 ? undefined : `${ids.length} subnets in ${json([...zones])}`;
        },
    },
    // RDS parameter group.
    {
        type: "aws:rds/parameterGroup:ParameterGroup",
        rule: "every parameter exists for the engine, and `immediate` only on a dynamic one",
        source: "MySQL 8.4 Reference Manual 7.1.5 \"Server System Variable Reference\" (Dynamic column); PostgreSQL 17 docs runtime-config-logging; RDS User Guide USER_WorkingWithParamGroups (static parameters apply only with pending-reboot)",
        check: (r) => {
            const engine = text(r.inputs.family).startsWith("mysql") ? "mysql" : "postgres";
            for (const p of list(r.inputs.parameters).map(obj)) {
                const name = String(p.name);
                if (!(name in PARAMETERS[engine])) return `${name} is not a known ${engine} parameter`;
                if (p.applyMethod === "immediate" && PARAMETERS[engine][name] !== true) return `${name} is not known to be dynamic, sent immediate`;
            }
            return undefined;
        },
    },
    // RDS automated backups replicated to another region.
    keyInRegion("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "kmsKeyId"),
    {
        type: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        rule: "replicates to a region other than the source instance's",
        source: "Amazon RDS API Reference, StartDBInstanceAutomatedBackupsReplication: \"Enables replication of automated backups to a different AWS Region\"; KmsKeyId \"in the destination AWS Region\"",
        check: (r, plan) => (arnRegion(r.inputs.sourceDbInstanceArn) === regionOf(r, plan) ? `source and destination are both ${regionOf(r, plan)}` : undefined),
    },
    // AWS Backup.
    keyInRegion("aws:backup/vault:Vault", "kmsKeyArn"),
    {
        type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        rule: "changeableForDays is at least 3, and minRetentionDays <= maxRetentionDays",
        source: "terraform-provider-aws internal/service/backup/vault_lock_configuration.go (changeable_for_days validation.IntAtLeast(3)); AWS Backup API PutBackupVaultLockConfiguration, ChangeableForDays \"minimum value is 3\"",
        check: (r) => {
            const { changeableForDays: c, minRetentionDays: min, maxRetentionDays: max } = r.inputs;
            if (c !== undefined && !((c as number) >= 3)) return `changeableForDays ${json(c)}`;
            return typeof min === "number" && typeof max === "number" && min > max ? `min ${min} > max ${max}` : undefined;
        },
    },
    {
        type: "aws:backup/plan:Plan",
        rule: "rule names and target vault names the provider accepts",
        source: "terraform-provider-aws internal/service/backup/plan.go @01f43111 (rule_name ^[0-9A-Za-z_.-]+$ 1..50; target_vault_name ^[0-9A-Za-z_-]+$ 2..50)",
        check: (r) => {
            for (const rule of list(r.inputs.rules).map(obj)) {
                if (!/^[0-9A-Za-z_.-]{1,50}$/.test(String(rule.ruleName))) return `ruleName ${json(rule.ruleName)}`;
                if (!/^[0-9A-Za-z_-]{2,50}$/.test(String(rule.targetVaultName))) return `targetVaultName ${json(rule.targetVaultName)}`;
            }
            return undefined;
        },
    },
    {
        type: "aws:backup/plan:Plan",
        rule: "startWindow at least 60 minutes; schedules at most hourly (AWS cron, six fields)",
        source: "AWS Backup API Reference, BackupRuleInput: StartWindowMinutes \"If this value is included, it must be at least 60 minutes to avoid errors\"; ScheduleExpression a cron expression in UTC; AWS Backup Developer Guide, creating a backup plan (backup frequency at least one hour)",
        check: (r) => {
            for (const rule of list(r.inputs.rules).map(obj)) {
                if (rule.startWindow !== undefined && !((rule.startWindow as number) >= 60)) return `${String(rule.ruleName)}: startWindow ${json(rule.startWindow)}`;
                if (!/^cron\(\d{1,2} \S+ \S+ \S+ \S+ \S+\)$/.test(String(rule.schedule))) return `${String(rule.ruleName)}: schedule ${json(rule.schedule)}`;
            }
            return undefined;
        },
    },
    {
        type: "aws:backup/plan:Plan",
        rule: "a continuous rule keeps 1..35 days and moves nothing to cold storage",
        source: "AWS Backup Developer Guide, point-in-time-recovery-retention-period: \"The minimum retention period is 1 day. The maximum retention period is 35 days\"",
        check: (r) => {
            for (const rule of list(r.inputs.rules).map(obj).filter((x) => x.enableContinuousBackup === true)) {
                const lc = obj(rule.lifecycle);
                if (!((lc.deleteAfter as number) >= 1 && (lc.deleteAfter as number) <= 35) || lc.moveToColdStorageAfterDays !== undefined) return `${String(rule.ruleName)}: ${json(lc)}`;
            }
            return undefined;
        },
    },
    {
        type: "aws:backup/plan:Plan",
        rule: "every recovery point and copy is kept within the Vault Lock of the vault it lands in",
        source: "AWS Backup Developer Guide, vault-lock: a backup or copy job whose retention is below the lock's minimum or above its maximum fails",
        check: (r, plan) => {
            for (const rule of list(r.inputs.rules).map(obj)) {
                const own = outsideLock(plan, String(rule.targetVaultName), obj(rule.lifecycle).deleteAfter);
                if (own !== undefined) return `${String(rule.ruleName)}: ${own}`;
                for (const copy of list(rule.copyActions).map(obj)) {
                    const vault = String(copy.destinationVaultArn).split(":backup-vault:")[1];
                    const copied = outsideLock(plan, vault, obj(copy.lifecycle).deleteAfter);
                    if (copied !== undefined) return `${String(rule.ruleName)} copy: ${copied}`;
                }
            }
            return undefined;
        },
    },
    {
        type: "aws:backup/selection:Selection",
        rule: "selects by tags or by resources",
        source: "AWS Backup CreateBackupSelection error \"Invalid backup selection. Either 'ListOfTags' or 'Resources' section must be non-empty.\" (quoted in ministryofjustice/modernisation-platform-terraform-baselines PR #90)",
        check: (r) => (list(r.inputs.selectionTags).length > 0 || list(r.inputs.resources).length > 0 ? undefined : "neither selectionTags nor resources"),
    },
    {
        type: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
        rule: "name, start window, selection window and vaults the provider accepts",
        source: "terraform-provider-aws internal/service/backup/restore_testing_plan.go @108f85fd (name ^[0-9A-Za-z_]+$ 1..50, start_window_hours 0..168, selection_window_days 1..365, include_vaults ARNs or \"*\"); AWS Backup API RestoreTestingRecoveryPointType CONTINUOUS | SNAPSHOT",
        check: (r) => {
            const sel = obj(r.inputs.recoveryPointSelection);
            if (!/^[0-9A-Za-z_]{1,50}$/.test(text(r.inputs.name))) return `name ${json(r.inputs.name)}`;
            if (r.inputs.startWindowHours !== undefined && !((r.inputs.startWindowHours as number) >= 0 && (r.inputs.startWindowHours as number) <= 168)) return `startWindowHours ${json(r.inputs.startWindowHours)}`;
            if (sel.selectionWindowDays !== undefined && !((sel.selectionWindowDays as number) >= 1 && (sel.selectionWindowDays as number) <= 365)) return `selectionWindowDays ${json(sel.selectionWindowDays)}`;
            if (!list(sel.includeVaults).every((v) => v === "*" || arnRegion(v) !== undefined)) return `includeVaults ${json(sel.includeVaults)}`;
            return list(sel.recoveryPointTypes).every((t) => t === "CONTINUOUS" || t === "SNAPSHOT") ? undefined : `recoveryPointTypes ${json(sel.recoveryPointTypes)}`;
        },
    },
    {
        type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
        rule: "exactly one of protectedResourceArns and protectedResourceConditions",
        source: "terraform-provider-aws internal/service/backup/restore_testing_selection.go @00a35305, ConfigValidators: resourcevalidator.ExactlyOneOf(protected_resource_arns, protected_resource_conditions); run at Check by pulumi-terraform-bridge pkg/pf/tfbridge/provider_check.go",
        check: (r) => {
            const arns = r.inputs.protectedResourceArns !== undefined;
            const conditions = r.inputs.protectedResourceConditions !== undefined;
            return arns !== conditions ? undefined : arns ? "both are set" : "neither is set";
        },
    },
    {
        type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
        rule: "name and validation window the provider accepts",
        source: "terraform-provider-aws internal/service/backup/restore_testing_selection.go @00a35305 (name ^[0-9A-Za-z_]+$ 1..50, validation_window_hours int64validator.Between(1, 168))",
        check: (r) => {
            if (!/^[0-9A-Za-z_]{1,50}$/.test(text(r.inputs.name))) return `name ${json(r.inputs.name)}`;
            const h = r.inputs.validationWindowHours;
            return h === undefined || ((h as number) >= 1 && (h as number) <= 168) ? undefined : `validationWindowHours ${json(h)}`;
        },
    },
    // KMS.
    {
        type: "aws:kms/key:Key",
        rule: "deletionWindowInDays is 7..30; a rotation period, if set, 90..2560",
        source: "terraform-provider-aws internal/service/kms/key.go (deletion_window_in_days validation.IntBetween(7, 30)); AWS KMS API ScheduleKeyDeletion PendingWindowInDays 7..30, EnableKeyRotation RotationPeriodInDays 90..2560",
        check: (r) => {
            const d = r.inputs.deletionWindowInDays;
            if (!((d as number) >= 7 && (d as number) <= 30)) return `deletionWindowInDays ${json(d)}`;
            const p = r.inputs.rotationPeriodInDays;
            return p === undefined || ((p as number) >= 90 && (p as number) <= 2560) ? undefined : `rotationPeriodInDays ${json(p)}`;
        },
    },
    {
        type: "aws:kms/alias:Alias",
        rule: "the name begins alias/ and not alias/aws/",
        source: "AWS KMS API Reference, CreateAlias, AliasName: \"must begin with alias/ followed by a name\" and \"cannot begin with alias/aws/\" (reserved for AWS managed keys)",
        check: (r) => (/^alias\/(?!aws\/)[A-Za-z0-9/_-]{1,250}$/.test(text(r.inputs.name)) ? undefined : json(r.inputs.name)),
    },
    // CloudWatch Logs.
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        rule: "retentionInDays is a value CloudWatch Logs accepts",
        source: "Amazon CloudWatch Logs API Reference, PutRetentionPolicy, retentionInDays: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        check: (r) => (r.inputs.retentionInDays === undefined || (LOG_RETENTION_DAYS as readonly unknown[]).includes(r.inputs.retentionInDays) ? undefined : json(r.inputs.retentionInDays)),
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        rule: "a KMS key, if set, is in the group's region and its policy admits logs.<region>.amazonaws.com",
        source: "Amazon CloudWatch Logs User Guide, encrypt-log-data-kms: the key must be in the log group's Region and its key policy must allow the logs.<region>.amazonaws.com service principal",
        check: (r, plan) => {
            if (r.inputs.kmsKeyId === undefined) return undefined;
            const region = regionOf(r, plan);
            if (arnRegion(r.inputs.kmsKeyId) !== region) return `${json(r.inputs.kmsKeyId)} is not in ${region}`;
            const key = ofType(plan, "aws:kms/key:Key").find((k) => k.state.arn === r.inputs.kmsKeyId);
            return key !== undefined && text(key.inputs.policy ?? "").includes(`"logs.${region}.amazonaws.com"`) ? undefined : `the key's policy does not name logs.${region}.amazonaws.com`;
        },
    },
    // S3.
    {
        type: "aws:s3/bucket:Bucket",
        rule: "a bucket with Object Lock is versioned",
        source: "Amazon S3 User Guide, object-lock: \"S3 Object Lock works only in buckets that have S3 Versioning enabled\"",
        check: (r, plan) => (r.inputs.objectLockEnabled !== true || obj(versioningOf(plan, r.state.bucket ?? r.id)).status === "Enabled" ? undefined : "Object Lock without versioning"),
    },
    settingInBucketRegion("aws:s3/bucketVersioning:BucketVersioning"),
    settingInBucketRegion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    settingInBucketRegion("aws:s3/bucketPolicy:BucketPolicy"),
    settingInBucketRegion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    settingInBucketRegion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
    settingInBucketRegion("aws:s3/bucketLogging:BucketLogging"),
    settingInBucketRegion("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"),
    settingInBucketRegion("aws:s3/bucketReplicationConfig:BucketReplicationConfig"),
    {
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        rule: "sseAlgorithm AES256, aws:kms or aws:kms:dsse; a KMS key in the bucket's region",
        source: "Amazon S3 API Reference, ServerSideEncryptionByDefault (SSEAlgorithm AES256 | aws:kms | aws:kms:dsse); AWS KMS keys are Regional",
        check: (r, plan) => {
            for (const rule of list(r.inputs.rules).map(obj)) {
                const d = obj(rule.applyServerSideEncryptionByDefault);
                if (!["AES256", "aws:kms", "aws:kms:dsse"].includes(String(d.sseAlgorithm))) return `sseAlgorithm ${json(d.sseAlgorithm)}`;
                if (d.kmsMasterKeyId !== undefined && arnRegion(d.kmsMasterKeyId) !== regionOf(r, plan)) return `key ${json(d.kmsMasterKeyId)} outside ${regionOf(r, plan)}`;
            }
            return undefined;
        },
    },
    {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        rule: "the policy is JSON of at most 20 KB",
        source: "Amazon S3 User Guide, bucket policies: \"Bucket policies are limited to 20 KB in size\"",
        check: (r) => {
            const policy = text(r.inputs.policy);
            try {
                JSON.parse(policy);
            } catch {
                return "not JSON";
            }
            return Buffer.byteLength(policy) <= 20 * 1024 ? undefined : `${Buffer.byteLength(policy)} bytes`;
        },
    },
    {
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        rule: "names a bucket of the plan",
        source: "Amazon S3 API Reference, PutPublicAccessBlock: Bucket, the name of an existing bucket (NoSuchBucket otherwise)",
        check: (r, plan) => (bucketNamed(plan, r.inputs.bucket) === undefined ? json(r.inputs.bucket) : undefined),
    },
    {
        type: "aws:s3/bucketVersioning:BucketVersioning",
        rule: "status Enabled or Suspended",
        source: "Amazon S3 API Reference, VersioningConfiguration Status: Enabled | Suspended",
        check: (r) => (["Enabled", "Suspended"].includes(String(obj(r.inputs.versioningConfiguration).status)) ? undefined : json(r.inputs.versioningConfiguration)),
    },
    {
        type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        rule: "on a bucket created with Object Lock; mode GOVERNANCE or COMPLIANCE; a positive number of days",
        source: "Amazon S3 API Reference, PutObjectLockConfiguration (the bucket must have Object Lock enabled) and DefaultRetention (Mode GOVERNANCE | COMPLIANCE; Days a positive integer, not with Years)",
        check: (r, plan) => {
            if (bucketNamed(plan, r.inputs.bucket)?.inputs.objectLockEnabled !== true) return "the bucket has no Object Lock";
            const d = obj(obj(r.inputs.rule).defaultRetention);
            if (!["GOVERNANCE", "COMPLIANCE"].includes(String(d.mode))) return `mode ${json(d.mode)}`;
            return Number.isInteger(d.days) && (d.days as number) > 0 && d.years === undefined ? undefined : json(d);
        },
    },
    {
        type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        rule: "each rule has a filter and an id of at most 255; IA transitions at 30 days or later; expiration after every transition; ExpiredObjectDeleteMarker never with Days",
        source: "Amazon S3 API Reference, LifecycleRule (ID up to 255 characters; Filter), Transition (STANDARD_IA/ONEZONE_IA need objects 30 days old) and LifecycleExpiration (\"ExpiredObjectDeleteMarker cannot be specified with Days or Date\"); S3 User Guide lifecycle-transition-general-considerations",
        check: (r) => {
            for (const rule of list(r.inputs.rules).map(obj)) {
                const id = String(rule.id);
                if (rule.filter === undefined || id.length > 255) return `${id}: no filter or a long id`;
                const exp = obj(rule.expiration);
                if (exp.expiredObjectDeleteMarker === true && exp.days !== undefined) return `${id}: ExpiredObjectDeleteMarker with Days`;
                for (const t of list(rule.transitions).map(obj)) {
                    if (["STANDARD_IA", "ONEZONE_IA"].includes(String(t.storageClass)) && (t.days as number) < 30) return `${id}: ${String(t.storageClass)} at ${json(t.days)} days`;
                    if (exp.days !== undefined && (exp.days as number) <= (t.days as number)) return `${id}: expires at ${json(exp.days)}, transitions at ${json(t.days)}`;
                }
            }
            return undefined;
        },
    },
    {
        type: "aws:s3/bucketLogging:BucketLogging",
        rule: "the target bucket is in the same region, has no Object Lock default retention and is encrypted with SSE-S3",
        source: "Amazon S3 User Guide, ServerLogs / enable-server-access-logging: the destination bucket must be in the same Region and account, must not have a default retention period configuration, and server access log delivery supports only SSE-S3 default encryption on it",
        check: (r, plan) => {
            const target = bucketNamed(plan, r.inputs.targetBucket);
            if (target === undefined) return `target ${json(r.inputs.targetBucket)} is no bucket of the plan`;
            if (regionOf(target, plan) !== regionOf(r, plan)) return "target in another region";
            const name = target.state.bucket ?? target.id;
            if (ofType(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").some((l) => l.inputs.bucket === name)) return "target has a default retention";
            const sse = ofType(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((e) => e.inputs.bucket === name);
            const algorithms = list(sse?.inputs.rules).map((x) => obj(obj(x).applyServerSideEncryptionByDefault).sseAlgorithm);
            return algorithms.every((a) => a === "AES256") ? undefined : `target encrypted with ${json(algorithms)}`;
        },
    },
    {
        type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        rule: "versioning on both buckets; Object Lock on the destination when the source has it; replica key in the destination's region; RTC 15 minutes with metrics; a filtered rule says what happens to delete markers",
        source: "Amazon S3 User Guide, replication-requirements (versioning on source and destination; \"If the source bucket has S3 Object Lock enabled, the destination buckets must also have S3 Object Lock enabled\"; the replica KMS key in the destination's Region); S3 API ReplicationTime/Metrics (Minutes 15, RTC needs Metrics) and ReplicationRule (DeleteMarkerReplication with Filter)",
        check: (r, plan) => {
            const source = bucketNamed(plan, r.inputs.bucket);
            if (obj(versioningOf(plan, r.inputs.bucket)).status !== "Enabled") return "source not versioned";
            for (const rule of list(r.inputs.rules).map(obj)) {
                const dest = obj(rule.destination);
                const destName = String(dest.bucket).replace(/^arn:[^:]+:s3:::/, "");
                const target = bucketNamed(plan, destName);
                if (target === undefined) return `destination ${destName} is no bucket of the plan`;
                if (obj(versioningOf(plan, destName)).status !== "Enabled") return "destination not versioned";
                if (source?.inputs.objectLockEnabled === true && target.inputs.objectLockEnabled !== true) return "destination without Object Lock";
                const key = obj(dest.encryptionConfiguration).replicaKmsKeyId;
                if (obj(obj(rule.sourceSelectionCriteria).sseKmsEncryptedObjects).status === "Enabled" && arnRegion(key) !== regionOf(target, plan)) return `replica key ${json(key)} not in ${regionOf(target, plan)}`;
                const rtc = obj(dest.replicationTime);
                if (rtc.status === "Enabled" && (obj(rtc.time).minutes !== 15 || obj(dest.metrics).status !== "Enabled")) return `RTC ${json(rtc)} metrics ${json(dest.metrics)}`;
                if (rule.filter !== undefined && rule.deleteMarkerReplication === undefined) return "filter without deleteMarkerReplication";
            }
            return undefined;
        },
    },
];

/** `<resource> (<type>): <rule>: <problem> [<source>]` for every rule a resource of the plan breaks. */
export function awsApiProblems(plan: Plan): string[] {
    const out: string[] = [];
    for (const r of plan.resources) {
        for (const rule of AWS_API_RULES.filter((x) => x.type === r.type)) {
            const problem = rule.check(r, plan);
            if (problem !== undefined) {
                out.push(`${r.name} (${r.type}): ${rule.rule}: ${problem} [${rule.source}]`);
            }
        }
    }
    return out;
}

/** Types of the ruled services in the plan with no rule. */
export function unruledAwsTypes(plan: Plan): string[] {
    const ruled = new Set(AWS_API_RULES.map((r) => r.type));
    return [...new Set(plan.resources.map((r) => r.type))].filter((t) => RULED_SERVICES.some((s) => t.startsWith(s)) && !ruled.has(t)).sort();
}
