/**
 * Database: the application's RDS instance (MySQL or PostgreSQL) and everything that keeps its data
 * safe and private.
 *
 * Private subnets only, behind its own security group that admits only the cluster; encrypted at rest
 * with a customer-managed key (storage, Performance Insights, exported logs) and in transit (TLS
 * required by the parameter group); point-in-time recovery for the tier's retention, replicated to
 * the DR region where the tier asks for it; and the connection settings of the master user and of
 * the application's own user (data access only: components/database-grants.ts) in Kubernetes
 * Secrets, never in config, outputs or the plan. Every safety switch is read from `Safety`.
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConfig, RestoreConfig, Safety } from "../config";
import type { DbEngine } from "../config/database";
import { awsPartition } from "../config/region";
import { partitionAndAccount } from "../lib/aws-caller";
import { APP_LABELS, DATABASE_SECRETS } from "../lib/delivery";
import { managedPolicyArn, servicePrincipalPolicy } from "../lib/iam";
import { encryptionKey } from "../lib/kms";
import { scramSalt, scramSha256Verifier } from "../lib/scram";
import { databaseInstanceIdentifier, rdsInstanceIdentifierProblem } from "../lib/stack-name";
import { childTags, type Tags } from "../lib/tags";
import { rdsMajorOf } from "../lib/versions";
import { BACKUP_PLAN_TAG_KEY } from "./backup-plan";

export interface DatabaseArgs {
    /** Engine, size, windows, and an optional restore source. */
    readonly config: DatabaseConfig;
    /** The tier's safety switches: retention, Multi-AZ, protection, final snapshot, DR replication. */
    readonly safety: DatabaseSafety;
    /** Base tags for every AWS child; each child adds its own `Name`. */
    readonly tags: Tags;
    /**
     * The stack's resource prefix, e.g. `launchpad-staging`. The DB instance is named
     * `<identifier>-db` (see {@link databaseInstanceIdentifier}).
     */
    readonly identifier: string;
    /** The AWS Backup plan that must select this database: it is tagged `backup-plan: <backupPlanName>`. */
    readonly backupPlanName: string;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets in at least two AZs (an RDS subnet group needs two). No public subnet is ever used. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /**
     * The only security groups admitted on the engine's port, e.g. the EKS cluster security group,
     * which covers the nodes and (with the VPC CNI) the pods. At least one.
     */
    readonly clientSecurityGroupIds: pulumi.Input<string>[];
    /** Region of the stack's AWS provider: names the log-delivery principal in the key policy. */
    readonly region: string;
    /** Where automated backups are replicated when `safety.replicateBackupsToDr` is on. */
    readonly drRegion: string;
    /** The Provider every Kubernetes resource of the stack uses. */
    readonly k8sProvider: k8s.Provider;
    /** Namespace of the connection Secret (the application's). */
    readonly namespace: pulumi.Input<string>;
    /**
     * This update raises the engine's major version over the one the stack recorded
     * (components/identity-record.ts `databaseMajorUpgrade`): the instance applies it immediately.
     * @default false
     */
    readonly majorUpgrade?: pulumi.Input<boolean>;
}

/** The tag that puts a resource in the backup plan `planName`, as `{ key, value }`. */
export function backupPlanTag(planName: string): { readonly key: typeof BACKUP_PLAN_TAG_KEY; readonly value: string } {
    return { key: BACKUP_PLAN_TAG_KEY, value: planName };
}

/** Port each engine listens on. */
export const DB_PORTS: Readonly<Record<DbEngine, number>> = { mysql: 3306, postgres: 5432 };

/**
 * Logs each engine exports to CloudWatch: errors and slow queries (MySQL, which needs
 * `log_output=FILE`), the server log and major-version-upgrade log (PostgreSQL).
 */
export const LOG_EXPORTS: Readonly<Record<DbEngine, readonly string[]>> = {
    mysql: ["error", "slowquery"],
    postgres: ["postgresql", "upgrade"],
};

/** Seconds between enhanced-monitoring samples (OS metrics). */
export const MONITORING_INTERVAL_SECONDS = 60;

/** Days Performance Insights keeps its data: 7 is the free tier. */
export const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;

/**
 * CloudWatch Database Insights mode, named rather than left to RDS. Performance Insights reached its
 * end of life in 2026 as a console and a price, not as an API: "The Performance Insights API will
 * continue to exist with no pricing changes ... If you take no action, DB instances using Performance
 * Insights will default to using the Standard mode of Database Insights" (RDS User Guide,
 * USER_PerfInsights.Overview.Engines, notice dated 2026-06-30; the Aurora User Guide's later notice
 * moves the date to 2026-07-31 and adds "Your CloudFormation templates, Terraform configurations, and
 * deployment scripts will continue to work"). So enabling it on a new instance is still accepted.
 * Standard mode takes Performance Insights with "at least 7 days" of retention
 * (USER_DatabaseInsights.TurningOnStandard); Advanced mode wants 15 months
 * (USER_DatabaseInsights.TurningOnAdvanced), and "By default, RDS enables Database Insights in
 * Advanced mode" (USER_PerfInsights.Overview, 2026), so the 7-day retention is not left to a default
 * it does not fit.
 */
export const DATABASE_INSIGHTS_MODE = "standard";

/**
 * The client setting that verifies the server, not only encrypts: the certificate must chain to the
 * RDS CA bundle of the stack's partition (config/region.ts `rdsCaBundleUrl`) and name the host
 * connected to. libpq's `sslmode=verify-full` (its default `prefer` verifies nothing: PostgreSQL
 * docs, libpq "SSL Support", the sslmode table); MySQL clients' `ssl-mode=VERIFY_IDENTITY` (RDS User
 * Guide, mysql-ssl-connections; MariaDB's client spells it `--ssl-verify-server-cert`). What the
 * logical dumps use (scripts/db/dump.sh), and what a service should.
 */
export const TLS_VERIFY_MODES: Readonly<Record<DbEngine, string>> = { postgres: "verify-full", mysql: "VERIFY_IDENTITY" };

/**
 * Kubernetes Secret (in the stack's namespace) holding the master user's connection settings: what
 * the migration Jobs, the logical dumps and the grants Job connect with (schema changes, full reads,
 * users). Its name predates the application's own user and is kept: a migration Job's pod template
 * names it, and a Job's template is force-new (pulumi-kubernetes provider/pkg/provider/diff.go `job`),
 * so a new name would replace every migration Job in the state and run each migration again.
 */
export const CONNECTION_SECRET_NAME = DATABASE_SECRETS.master;

/**
 * Kubernetes Secret (in the stack's namespace) holding the application user's connection settings
 * (`launchpad:database.appUsername`, data access only: components/database-grants.ts): what the
 * services' Deployments read. Same keys as {@link CONNECTION_SECRET_NAME}.
 */
export const APP_CONNECTION_SECRET_NAME = DATABASE_SECRETS.app;

/**
 * Keys of the connection Secret, all secret: the database connection contract, each reaching a
 * service's pods as `DATABASE_<KEY>`. The server requires TLS (`parameterGroupParameters`); how the
 * client verifies it is the rest of the contract, {@link CONNECTION_TLS_KEYS}.
 */
export const CONNECTION_SECRET_KEYS = ["host", "port", "database", "username", "password", "engine"] as const;

/**
 * The extra key of the application user's Secret on PostgreSQL: the password's SCRAM-SHA-256 verifier
 * (lib/scram.ts), which the grants Job sends in place of the password so that the password never
 * reaches the server, nor its log, in clear. Not one of {@link CONNECTION_SECRET_KEYS}: no service
 * gets it (components/database-client.ts `databaseEnv`), and it leaves {@link connectionDigest} alone
 * (it changes only with the password, the user or the instance, which are in the digest already).
 * MySQL has none: the server rewrites a password-bearing statement before it logs it (MySQL manual,
 * "Passwords and Logging").
 */
export const APP_PASSWORD_VERIFIER_KEY = "password_scram_sha256";

/**
 * Directory of the RDS CA bundle in a pod that connects to the database: an emptyDir the `db-ca` init
 * container fills (components/database-client.ts) and the app container mounts read-only.
 */
export const DATABASE_CA_DIR = "/etc/launchpad/database-ca";

/** The RDS CA bundle (PEM) in that directory, the partition's `rdsCaBundleUrl` (config/region.ts). */
export const DATABASE_CA_FILE = `${DATABASE_CA_DIR}/rds-ca-bundle.pem`;

/**
 * The verifying half of the connection contract, each reaching the pods as `DATABASE_<KEY>` beside
 * the Secret's keys: `tls_mode`, the engine's {@link TLS_VERIFY_MODES} value, and `ca_file`,
 * {@link DATABASE_CA_FILE}. Plain values in the pod spec, not Secret keys: neither is secret (one is
 * the engine's constant, the other a fixed path), the path must match the mount beside it in the same
 * pod spec, and a reviewer or a policy can read both in the plan, where a Secret's keys show as
 * `[secret]`.
 */
export const CONNECTION_TLS_KEYS = ["tls_mode", "ca_file"] as const;

/** The values of {@link CONNECTION_TLS_KEYS} for an engine. */
export function connectionTlsSettings(engine: DbEngine): Readonly<Record<(typeof CONNECTION_TLS_KEYS)[number], string>> {
    return { tls_mode: TLS_VERIFY_MODES[engine], ca_file: DATABASE_CA_FILE };
}

/** Special characters allowed in the generated passwords (master and application user): printable ASCII except `/`, `@`, `"`, space (RDS forbids them) and quotes/backslash. */
export const PASSWORD_SPECIAL_CHARS = "!#$%&*()-_=+[]{}<>:?.,^~";

/** Length of the generated master password (RDS allows 8 to 41 for MySQL, 8 to 128 for PostgreSQL: botocore CreateDBInstance MasterUserPassword). */
export const PASSWORD_LENGTH = 32;

/** The log group RDS writes an exported log to; created beforehand so it carries retention and encryption. */
export function rdsLogGroupName(instanceIdentifier: string, logType: string): string {
    return `/aws/rds/instance/${instanceIdentifier}/${logType}`;
}

/** Parameter group family of an engine version: `mysql8.0` for 8.0 or 8.0.40, `postgres16` for 16 or 16.4. */
export function parameterGroupFamily(engine: DbEngine, engineVersion: string): string {
    const parts = engineVersion.split(".");
    return engine === "mysql" ? `mysql${parts[0]}.${parts[1] ?? "0"}` : `postgres${parts[0]}`;
}

export interface DbParameter {
    readonly name: string;
    readonly value: string;
    readonly applyMethod: "immediate" | "pending-reboot";
}

/**
 * Parameters of the instance's parameter group: TLS required for every connection
 * (`require_secure_transport=1` for MySQL, `rds.force_ssl=1` for PostgreSQL) and slow-query logging
 * (over one second) for the CloudWatch log exports.
 *
 * `1`, not `ON`: an instance's parameter group takes the boolean as `0`/`1` (RDS User Guide,
 * mysql-ssl-connections.require-ssl: "For MySQL 8.4 and lower, the require_secure_transport parameter
 * is set to 0 (OFF) by default. You can set the require_secure_transport parameter to 1 (ON)"; DB
 * instances report `1` where clusters report `ON`, prowler-cloud/prowler#4116), and the provider
 * compares the value as RDS returns it, case and spelling included: `ON` would diff on every update.
 */
export function parameterGroupParameters(engine: DbEngine): DbParameter[] {
    if (engine === "mysql") {
        return [
            { name: "require_secure_transport", value: "1", applyMethod: "immediate" },
            { name: "slow_query_log", value: "1", applyMethod: "immediate" },
            { name: "long_query_time", value: "1", applyMethod: "immediate" },
            // CloudWatch exports read the log files; TABLE output would export nothing.
            { name: "log_output", value: "FILE", applyMethod: "immediate" },
        ];
    }
    return [
        // pending-reboot, not immediate, although the parameter is dynamic: "The rds.force_ssl
        // parameter default value is 1 (on) for RDS for PostgreSQL version 15 and later" (RDS User
        // Guide, PostgreSQL.Concepts.General.SSL; 0 in 14), and RDS reports a parameter it was never asked to change as
        // `pending-reboot` and ignores a request that changes only the apply method, so `immediate`
        // would diff on every update: "AWS sets the default `applyMethod` for this parameter to
        // `pending-reboot` ... This configuration attempts to change _only_ the `applyMethod` ...
        // which is not allowed by AWS", fixed by "Explicitly set the `applyMethod` to match AWS's
        // default value" (@pulumi/aws 7.48.0 rds/parameterGroup.d.ts, "Example of Problematic
        // Configuration"; hashicorp/terraform-provider-aws#44280; crossplane-contrib/provider-upjet-aws#2182:
        // "For a parameter it has not been asked to modify, AWS reports ApplyMethod: pending-reboot").
        // ModifyDBParameterGroup accepts pending-reboot "for both dynamic and static parameters"
        // (RDS API Reference), and the group is in place before the instance starts, so nothing waits.
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
        { name: "log_min_duration_statement", value: "1000", applyMethod: "immediate" },
    ];
}

/** The restore arguments of `aws.rds.Instance`. */
export interface RestoreArgs {
    /** Restore from the source's point-in-time backups. @default - not a point-in-time restore */
    readonly restoreToPointInTime?: {
        /** The source instance. @default - the source is `sourceDbInstanceAutomatedBackupsArn` */
        readonly sourceDbInstanceIdentifier?: string;
        /** The source's replicated automated backups (`arn:...:auto-backup:...`). @default - the source is `sourceDbInstanceIdentifier` */
        readonly sourceDbInstanceAutomatedBackupsArn?: string;
        /** The point in time, ISO 8601 UTC. @default - `useLatestRestorableTime` */
        readonly restoreTime?: string;
        /** Restore the latest restorable time. @default - `restoreTime` */
        readonly useLatestRestorableTime?: boolean;
    };
    /** Restore from this snapshot. @default - not a snapshot restore */
    readonly snapshotIdentifier?: string;
}

/**
 * Where the instance's data comes from: nothing (a fresh, empty database), a point in time of a
 * source instance (`time` an ISO-8601 UTC time, or `latest` for the latest restorable time), or a
 * DB snapshot. A source that is an automated-backup ARN (`arn:...:auto-backup:...`, e.g. backups
 * replicated to the DR region) is restored through `sourceDbInstanceAutomatedBackupsArn`.
 */
export function restoreArgs(restore: RestoreConfig | undefined): RestoreArgs {
    if (restore === undefined) {
        return {};
    }
    if (restore.kind === "snapshot") {
        return { snapshotIdentifier: restore.snapshot };
    }
    const source = /^arn:[^:]+:rds:[^:]*:\d*:auto-backup:/.test(restore.sourceInstance)
        ? { sourceDbInstanceAutomatedBackupsArn: restore.sourceInstance }
        : { sourceDbInstanceIdentifier: restore.sourceInstance };
    const when = restore.time === "latest" ? { useLatestRestorableTime: true } : { restoreTime: restore.time };
    return { restoreToPointInTime: { ...source, ...when } };
}

/**
 * A replaced instance is created first and the old one deleted last, never the reverse. The provider
 * would delete first: `identifier` is an auto-named field (pulumi/pulumi-aws PR #6437, merged 2026-06-15,
 * before the pinned 7.48.0; provider/resources_test.go `TestRdsInstanceIdentifierAutonaming`), and a replacement of a
 * resource whose auto-named field the program sets is delete-before-replace (pulumi-terraform-bridge
 * pkg/tfbridge/provider.go `Diff`, `nameRequiresDeleteBeforeReplace`). Delete-first would drop the
 * data (staging keeps no final snapshot nor automated backups) and the very instance a restore reads
 * from, and in production stop at deletion protection before anything is restored. An explicit
 * false overrides the provider (pulumi/pulumi pkg/resource/deploy/step_generator.go). A replacement
 * under the same identifier then fails with DBInstanceAlreadyExists instead, with the data intact.
 */
export const INSTANCE_DELETE_BEFORE_REPLACE = false;

/**
 * The instance's log groups are replaced create-first, like the instance: a restore renames them
 * with it (`/aws/rds/instance/<new identifier>/<log>`), and the provider would delete the old ones
 * first (a set `name`: pulumi-terraform-bridge `nameRequiresDeleteBeforeReplace`), before the restore
 * starts, while the old instance still runs and exports to them: its logs, the incident's included,
 * would be gone although production keeps that instance for the postmortem, and RDS would go on
 * writing to a group it creates itself, unencrypted and never expiring, which staging then leaves
 * behind. Create-first, the old groups are deleted after the old instance (dependsOn), in the update
 * that deletes it (the runbooks' "Finish the old instance"). Only the name replaces them, and a new
 * name never collides.
 */
export const LOG_GROUP_DELETE_BEFORE_REPLACE = false;

/** How long `pulumi up` waits on the instance: the RTO target is an hour, a restore may take longer. */
export const INSTANCE_TIMEOUTS = { create: "4h", update: "2h", delete: "2h" } as const;

/**
 * Instance inputs Pulumi must not diff once a restored database exists: only `kmsKeyId`. RDS
 * restores keep the source's encryption key (the restore APIs take no key), so a source encrypted
 * with another key would otherwise be replaced on every `up`. To move the data onto this stack's
 * key, copy the snapshot with it (`aws rds copy-db-snapshot --kms-key-id`) and restore from the copy.
 *
 * The restore source itself is deliberately diffed: it is what makes a new restore value replace
 * the instance (the provider forces a new instance for it) instead of renaming the old one in place
 * (a changed `identifier` alone is a rename). A fresh database ignores nothing of its own (AWS Backup's
 * inputs aside: {@link instanceIgnoreChanges}).
 */
export function restoreIgnoreChanges(restore: RestoreConfig | undefined): string[] {
    return restore === undefined ? [] : ["kmsKeyId"];
}

/**
 * Instance inputs AWS Backup owns once the plan's `continuous` rule (components/backup-plan.ts) manages
 * the instance's automated backups: its retention and its backup window. Pulumi sets both when it
 * creates the instance and never sends them again.
 *
 * - AWS Backup changes them: "If a customer has a CFN stack with AWS::RDS::DBCluster or
 *   AWS::RDS::DBInstance that specifies PreferredBackupWindow or BackupRetentionPeriod, and the
 *   customer then turns on AWS Backup to manage PITR backups ... the CFN stack will be marked as in
 *   drift" (aws-cloudformation/cloudformation-coverage-roadmap#2167, open, filed by an AWS employee for a
 *   customer), with the plan's role: `AWSBackupServiceRolePolicyForBackup` allows `rds:ModifyDBInstance`
 *   on `arn:aws:rds:*:*:db:*` (Sid RDSModifyPermissions, vendor/aws-managed-policies).
 * - RDS then refuses another value: "InvalidParameterValue: Your RDS instance ... is associated with
 *   an AWS Backup resource with id arn:aws:backup:...:recovery-point:continuous:db-.... You can leave
 *   BackupRetentionPeriod blank, or you can specify it only with the current value"
 *   (crossplane-contrib/provider-aws#1356), and PreferredBackupWindow "is read only when AWS Backup
 *   is enabled" (crossplane-contrib/provider-aws#1406, tested against a real instance). That
 *   controller no longer sends either while `AwsBackupRecoveryPointArn` is set (provider-aws
 *   pkg/controller/rds/dbinstance/setup.go, "AWS Backup takes ownership of BackupRetentionPeriod and
 *   PreferredBackupWindow if it is in use", commit 1aab0f25 of 2026-02-25).
 * - The provider sends each only when it differs from the state (terraform-provider-aws
 *   internal/service/rds/instance.go `dbInstancePopulateModify`: `d.HasChange("backup_window")`,
 *   `d.HasChange("backup_retention_period")`). So without this, the first `pulumi up --refresh` (or
 *   `up` after a `pulumi refresh`) once AWS Backup has moved the window would ask RDS for the
 *   configured window and fail on the database, and a changed tier retention would fail the same way
 *   until AWS Backup had applied the plan's new retention ("The change in retention period will take
 *   effect when the next backup is completed", AWS Backup Developer Guide,
 *   point-in-time-recovery-retention-period).
 *
 * The retention still follows the tier: the `continuous` rule keeps `backupRetentionDays`
 * (`BackupPlan` refuses any other), and AWS Backup applies it to the instance. A changed
 * `launchpad:database.backupWindow` applies to a new instance only (docs/data-protection.md).
 */
export const AWS_BACKUP_OWNED_INPUTS = ["backupRetentionPeriod", "backupWindow"] as const;

/** Every input of the instance Pulumi does not diff: AWS Backup's, and a restored instance's key. */
export function instanceIgnoreChanges(restore: RestoreConfig | undefined): string[] {
    return [...AWS_BACKUP_OWNED_INPUTS, ...restoreIgnoreChanges(restore)];
}

const SNAPSHOT_ID_RE = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/;

/**
 * Identifier of the snapshot RDS takes when the instance is deleted: `<instance>-final-<suffix>`,
 * the suffix random (`@pulumi/random`) so a second deletion never collides with an earlier snapshot.
 * Throws a RangeError when the result is not a valid DB snapshot identifier.
 */
export function finalSnapshotIdentifier(instanceIdentifier: string, suffix: string): string {
    const id = `${instanceIdentifier}-final-${suffix}`;
    if (!SNAPSHOT_ID_RE.test(id)) {
        throw new RangeError(`final snapshot identifier ${JSON.stringify(id)} is invalid: expected 1 to 255 letters, digits or single hyphens, starting with a letter and not ending with a hyphen`);
    }
    return id;
}

/** What happens on deletion: a final snapshot when the tier asks for one, else none. */
export function finalSnapshotSettings(takeFinalSnapshot: boolean, identifier: pulumi.Input<string> | undefined): {
    skipFinalSnapshot: boolean;
    finalSnapshotIdentifier: pulumi.Input<string> | undefined;
} {
    return takeFinalSnapshot
        ? { skipFinalSnapshot: false, finalSnapshotIdentifier: identifier }
        : { skipFinalSnapshot: true, finalSnapshotIdentifier: undefined };
}

export interface KeyPolicyParts {
    readonly partition: string;
    readonly accountId: string;
    readonly region: string;
    /** The stack's resource prefix (`DatabaseArgs.identifier`): its database is `<identifier>-db` or, restored, `<identifier>-db-r<hash>`. */
    readonly identifier: string;
}

/**
 * Policy of the database key: the account administers and uses it through IAM (RDS and Performance
 * Insights work through the caller's grants), and CloudWatch Logs may use it for the log groups of
 * this stack's database only, under each name it has had: `<identifier>-db` and every restored
 * `<identifier>-db-r<hash>` (lib/stack-name.ts), as {@link monitoringTrustPolicy} admits both. Not
 * the current instance's alone: a restore keeps this key (the restored instance is encrypted with the
 * source's) and, in production, the old instance and its log groups, which it goes on writing to until
 * it is finished (docs/runbooks/README.md); and a log group's events stay under the key they were
 * written with, "CloudWatch Logs will need permissions for the key whenever that data is accessed"
 * (CloudWatch Logs API Reference, DisassociateKmsKey). Narrowed to the new name, the incident's logs
 * of the old instance could no longer be read, nor new ones written.
 */
export function databaseKeyPolicy(p: KeyPolicyParts): object {
    const fresh = databaseInstanceIdentifier(p.identifier);
    const logGroups = (instance: string) => `arn:${p.partition}:logs:${p.region}:${p.accountId}:log-group:${rdsLogGroupName(instance, "*")}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${p.partition}:iam::${p.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "CloudWatchLogsForThisInstance",
                Effect: "Allow",
                Principal: { Service: `logs.${p.region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: {
                    ArnLike: {
                        "kms:EncryptionContext:aws:logs:arn": [logGroups(fresh), logGroups(`${fresh}-r*`)],
                    },
                },
            },
        ],
    };
}

export interface ConnectionParts {
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly database: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
    readonly engine: DbEngine;
}

/** The connection Secret's `stringData`: every value a secret, so none shows in the plan or the state. */
export function connectionSettings(p: ConnectionParts): Record<(typeof CONNECTION_SECRET_KEYS)[number], pulumi.Output<string>> {
    return {
        host: pulumi.secret(p.host),
        port: pulumi.secret(pulumi.output(p.port).apply(String)),
        database: pulumi.secret(p.database),
        username: pulumi.secret(p.username),
        password: pulumi.secret(p.password),
        engine: pulumi.secret(p.engine),
    };
}

function subnetCountProblem(ids: readonly unknown[]): string | undefined {
    return ids.length < 2 ? `privateSubnetIds: received ${ids.length} subnet(s); expected subnets in at least two AZs (an RDS subnet group needs two)` : undefined;
}

/**
 * Every problem with the arguments that can be seen before anything is created, in one list: no
 * client security group (nothing could reach the database), fewer than two private subnets when the
 * ids are already known.
 */
export function databaseArgsProblems(args: Pick<DatabaseArgs, "clientSecurityGroupIds" | "privateSubnetIds">, instanceIdentifier: string): string[] {
    const out: string[] = [];
    // Checked here, against the component, so the final snapshot's name (built from it inside an
    // apply, `finalSnapshotIdentifier`) can never fail there without a resource to report it on.
    const identifierProblem = rdsInstanceIdentifierProblem(instanceIdentifier);
    if (identifierProblem !== undefined) {
        out.push(identifierProblem);
    }
    if (args.clientSecurityGroupIds.length === 0) {
        out.push("clientSecurityGroupIds: received none; expected at least one security group (e.g. the EKS cluster security group), or nothing could reach the database");
    }
    const subnets = args.privateSubnetIds;
    if (Array.isArray(subnets)) {
        const problem = subnetCountProblem(subnets);
        if (problem !== undefined) {
            out.push(problem);
        }
    }
    return out;
}

/** The child resources' arguments, from the stack's database settings and the tier. */
type DatabaseSafety = Pick<Safety, "protect" | "kmsDeletionWindowDays" | "logRetentionDays" | "multiAz" | "backupRetentionDays"
    | "keepAutomatedBackups" | "deletionProtection" | "finalSnapshot" | "replicateBackupsToDr">;

/** The master password, and the application user's (the same spec: RDS-safe special characters only, every class present). */
export const MASTER_PASSWORD_SPEC = {
    length: PASSWORD_LENGTH,
    special: true,
    overrideSpecial: PASSWORD_SPECIAL_CHARS,
    minLower: 1,
    minUpper: 1,
    minNumeric: 1,
} as const;

/** The instance's security group: the engine's port from `clientSecurityGroupIds` only, no egress. */
export function securityGroupArgs(engine: DbEngine, instanceIdentifier: string, vpcId: pulumi.Input<string>, clientSecurityGroupIds: pulumi.Input<string>[], tags: Record<string, pulumi.Input<string>>): aws.ec2.SecurityGroupArgs {
    const port = DB_PORTS[engine];
    return {
        description: `RDS instance ${instanceIdentifier}: the engine port from the cluster only`,
        vpcId,
        ingress: [{
            description: `${engine} from the cluster`,
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            securityGroups: clientSecurityGroupIds,
        }],
        // The database opens no connections.
        egress: [],
        tags,
    };
}

/** The parameter group: the engine version's family, TLS required, slow-query log. */
export function parameterGroupArgs(config: Pick<DatabaseConfig, "engine" | "engineVersion">, instanceIdentifier: string, tags: Tags, childName: string): aws.rds.ParameterGroupArgs {
    return {
        description: `RDS instance ${instanceIdentifier}: TLS required, slow-query log`,
        family: parameterGroupFamily(config.engine, config.engineVersion),
        parameters: parameterGroupParameters(config.engine),
        tags: childTags(tags, childName),
    };
}

/** A log group RDS exports `logType` to, created first so it is encrypted and expires. */
export function logGroupArgs(instanceIdentifier: string, logType: string, retentionInDays: number, kmsKeyId: pulumi.Input<string>, tags: Record<string, pulumi.Input<string>>): aws.cloudwatch.LogGroupArgs {
    return { name: rdsLogGroupName(instanceIdentifier, logType), retentionInDays, kmsKeyId, tags };
}

export interface InstanceParts {
    readonly config: DatabaseConfig;
    readonly safety: Pick<DatabaseSafety, "multiAz" | "backupRetentionDays" | "keepAutomatedBackups" | "deletionProtection">;
    readonly tags: Tags;
    readonly instanceIdentifier: string;
    /** The instance is tagged into this AWS Backup plan. */
    readonly backupPlanName: string;
    /** Encrypts storage and Performance Insights. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The master password (a secret). */
    readonly password: pulumi.Input<string>;
    /** Names and ids of the sibling children the instance is placed in and watched by. */
    readonly siblings: {
        readonly subnetGroupName: pulumi.Input<string>;
        readonly securityGroupId: pulumi.Input<string>;
        readonly parameterGroupName: pulumi.Input<string>;
        readonly monitoringRoleArn: pulumi.Input<string>;
    };
    readonly finalSnapshot: ReturnType<typeof finalSnapshotSettings>;
    /** This update raises the engine's major version (see {@link majorUpgradeSettings}). @default false */
    readonly majorUpgrade?: pulumi.Input<boolean>;
}

/**
 * How a change of the engine's major version reaches RDS: in place, immediately, with the new
 * family's parameter group in the same request. Checked against the RDS API model (botocore
 * 0e6e2404, `botocore/data/rds/2014-10-31/service-2.json`, ModifyDBInstanceMessage; "botocore
 * ModifyDBInstance" below) and the provider's update (a v5 `internal/service/rds/instance.go`,
 * pulumi/terraform-provider-aws 0c2894b8 `resourceInstanceUpdate`, the newest copy the search index
 * holds; pulumi-aws 7.48 bridges a v6 one, not readable here):
 *
 * - One request. The provider builds one ModifyDBInstance from every changed attribute: EngineVersion
 *   with `AllowMajorVersionUpgrade` when `engine_version` changed, DBParameterGroupName when
 *   `parameter_group_name` did, ApplyImmediately as set. RDS needs exactly that: "For major version
 *   upgrades, if a nondefault DB parameter group is currently in use, a new DB parameter group in the
 *   DB parameter group family for the new engine version must be specified", and a parameter group
 *   "Must be in the same DB parameter group family as the DB instance" (botocore ModifyDBInstance,
 *   EngineVersion and DBParameterGroupName). The new group exists first (its family is ForceNew, the
 *   group is auto-named, so Pulumi replaces it create-first) and the old one is deleted at the end of
 *   the update, after the instance has let go of it.
 * - The wait. The provider returns only when `waitDBInstanceAvailableSDKv2` has seen the instance
 *   `available` three polls running after a one-minute delay, `upgrading` being a pending state, within
 *   INSTANCE_TIMEOUTS.update. So the old group is deleted after the upgrade, not during it.
 * - `allowMajorVersionUpgrade: true` always: "Major version upgrades must be allowed when specifying a
 *   value for the EngineVersion parameter that's a different major version" (botocore ModifyDBInstance).
 *   The provider sends it only with an `engine_version` change, and a change of the flag alone sends
 *   nothing (`HasChangesExcept("allow_major_version_upgrade", ...)`: "should not trigger
 *   ModifyDBInstance"). A major still only moves when `launchpad:database.engineVersion` does.
 * - `applyImmediately` only for the update that raises the major. Without it RDS holds the upgrade for
 *   the maintenance window ("the change is applied during the next maintenance window unless the
 *   ApplyImmediately parameter is enabled", botocore EngineVersion) while Pulumi deletes the old group
 *   the instance still uses at the end of this update (InvalidDBParameterGroupState). With it, "the
 *   modifications in this request and any pending modifications" are applied now (botocore
 *   ApplyImmediately): a change left pending for the maintenance window goes too, which is why the
 *   runbook checks `PendingModifiedValues` first.
 * - The next update sets it back to false, and that is a visible update of the instance: the provider's
 *   `HasChangesExcept` list does not name `apply_immediately`, so it sends a ModifyDBInstance carrying
 *   ApplyImmediately=false and the unchanged DeletionProtection (which it always sets: "Always set
 *   this"), then waits as above. It queues nothing: deletion protection "ignores the apply immediately
 *   setting" (RDS User Guide, Overview.DBInstance.Modifying, settings table; awsdocs/amazon-rds-user-guide
 *   f2e9ed35), and the upgrade emptied the pending queue. It cannot be skipped safely: ignoring the
 *   input would keep `true` in the state, and every later change would then skip the maintenance window.
 * - No option group. The instance never names one, so it uses its engine version's default group and
 *   the provider never sends OptionGroupName (`option_group_name` is optional and computed, sent only
 *   when it changes); RDS documents a new option group as the caller's job only for a custom group
 *   ("If your DB instance uses a custom option group, sometimes Amazon RDS can't automatically assign a
 *   new option group ... when you upgrade to a new major version", USER_UpgradeDBInstance.Oracle.OGPG,
 *   same commit). That RDS moves `default:mysql-8-0` to `default:mysql-8-4` itself is not verified here
 *   against a live upgrade; the runbook reads the instance's option group afterwards.
 * - After the upgrade the new group's static parameters wait for a reboot: "the actual parameter changes
 *   are not applied until you reboot the instance ... the DB instance isn't rebooted automatically"
 *   (botocore DBParameterGroupName); the runbook reboots once if the group shows `pending-reboot`. Were
 *   an upgrade ever left pending, the provider keeps `engine_version` at the configured value while RDS
 *   reports the old one (`compareActualEngineVersion`; `engine_version_actual` has the running one).
 *
 * The outage is the upgrade's own: RDS upgrades a Multi-AZ instance's primary and standby together
 * ("you experience an outage until the upgrade is complete", RDS User Guide USER_UpgradeDBInstance.MySQL
 * and .PostgreSQL), so this update is run in a planned window (docs/operations.md, "Upgrading the
 * database engine's major version"). RDS snapshots the instance before the upgrade when its backup
 * retention is above 0 (same pages), which every tier's `backupRetentionDays` is.
 */
export function majorUpgradeSettings(majorUpgrade: pulumi.Input<boolean> | undefined): Pick<aws.rds.InstanceArgs, "allowMajorVersionUpgrade" | "applyImmediately"> {
    return { allowMajorVersionUpgrade: true, applyImmediately: majorUpgrade ?? false };
}

/**
 * Whether RDS upgrades the instance's minor version by itself: when `engineVersion` names only the
 * major (`"17"`, `"8.4"`), and not when it names a minor (`"17.6"`, `"8.4.3"`). RDS then applies new
 * minors "automatically to the DB instance during the maintenance window" (botocore 0e6e2404
 * `rds/2014-10-31/service-2.json`, CreateDBInstance AutoMinorVersionUpgrade), and the provider keeps
 * a major-only `engine_version` as configured when it reads the newer minor back ("old=\"1.3\",
 * new=\"1.3.27\" will not trigger a set", terraform-provider-aws `internal/service/rds`
 * `compareActualEngineVersion`). A named minor is not a prefix of the one RDS moved to: a refresh
 * stores the running minor, and the next update sends the configured, older one, which RDS refuses
 * ("InvalidParameterCombination: Cannot upgrade postgres from 13.15 to 13.13",
 * hashicorp/terraform-provider-aws#39579, open; its fix for aws_db_instance, PR #49496 of
 * 2026-08-14, is unmerged). So a stack that names a minor owns it: RDS keeps it until the config
 * names another, which is then an update at the maintenance window.
 */
export function autoMinorVersionUpgrade(engine: DbEngine, engineVersion: string): boolean {
    return rdsMajorOf(engine, engineVersion) === engineVersion;
}

/**
 * The RDS instance: gp3, encrypted under the instance key (storage, Performance Insights), private,
 * IAM authentication, the tier's Multi-AZ, retention and deletion protection, logs exported, enhanced
 * monitoring, tagged for the backup plan. On a restore the user and database come from the source.
 */
export function instanceArgs(p: InstanceParts): aws.rds.InstanceArgs {
    const { config, safety } = p;
    const restoring = config.restore !== undefined;
    return {
        identifier: p.instanceIdentifier,
        engine: config.engine,
        engineVersion: config.engineVersion,
        instanceClass: config.instanceClass,
        allocatedStorage: config.allocatedStorageGb,
        maxAllocatedStorage: config.maxAllocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: p.kmsKeyArn,
        // From the source on a restore.
        dbName: restoring ? undefined : config.name,
        username: restoring ? undefined : config.username,
        password: p.password,
        port: DB_PORTS[config.engine],
        dbSubnetGroupName: p.siblings.subnetGroupName,
        vpcSecurityGroupIds: [p.siblings.securityGroupId],
        parameterGroupName: p.siblings.parameterGroupName,
        publiclyAccessible: false,
        iamDatabaseAuthenticationEnabled: true,
        multiAz: safety.multiAz,
        backupRetentionPeriod: safety.backupRetentionDays,
        backupWindow: config.backupWindow,
        maintenanceWindow: config.maintenanceWindow,
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: !safety.keepAutomatedBackups,
        deletionProtection: safety.deletionProtection,
        skipFinalSnapshot: p.finalSnapshot.skipFinalSnapshot,
        finalSnapshotIdentifier: p.finalSnapshot.finalSnapshotIdentifier,
        autoMinorVersionUpgrade: autoMinorVersionUpgrade(config.engine, config.engineVersion),
        ...majorUpgradeSettings(p.majorUpgrade),
        enabledCloudwatchLogsExports: [...LOG_EXPORTS[config.engine]],
        databaseInsightsMode: DATABASE_INSIGHTS_MODE,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: p.kmsKeyArn,
        performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
        monitoringInterval: MONITORING_INTERVAL_SECONDS,
        monitoringRoleArn: p.siblings.monitoringRoleArn,
        ...restoreArgs(config.restore),
        tags: childTags(p.tags, p.instanceIdentifier, { [BACKUP_PLAN_TAG_KEY]: p.backupPlanName }),
    };
}

/** The Kubernetes Secret the application reads its connection settings from. */
export function connectionSecretArgs(namespace: pulumi.Input<string>, stringData: Record<string, pulumi.Input<string>>, name: string = CONNECTION_SECRET_NAME): k8s.core.v1.SecretArgs {
    return {
        metadata: {
            name,
            namespace,
            labels: { [APP_LABELS.component]: "database", [APP_LABELS.managedBy]: "pulumi" },
        },
        type: "Opaque",
        stringData,
    };
}

/** What the Database's child-creating steps share. */
interface DatabaseContext {
    readonly parent: Database;
    readonly name: string;
    readonly args: DatabaseArgs;
    readonly instanceIdentifier: string;
    /** The partition (the region's, config/region.ts) and account (asked of AWS once) the stack deploys to, for the key policy and the monitoring trust. */
    readonly partitionAndAccount: pulumi.Output<[string, string]>;
}

/** The instance's customer-managed key (child `${name}-key`, alias `alias/<instance>`), usable by CloudWatch Logs for its log groups. */
function instanceKey(ctx: DatabaseContext): aws.kms.Key {
    const { parent, name, args, instanceIdentifier } = ctx;
    return encryptionKey(`${name}-key`, {
        description: `Encryption at rest of RDS instance ${instanceIdentifier} (storage, Performance Insights, logs)`,
        policy: ctx.partitionAndAccount.apply(([p, accountId]) =>
            JSON.stringify(databaseKeyPolicy({ partition: p, accountId, region: args.region, identifier: args.identifier }))),
        alias: `alias/${instanceIdentifier}`,
    }, { parent, safety: args.safety, tags: args.tags });
}

/** The subnet group of the private subnets (at least two, checked when they resolve) and the security group. */
function isolation(ctx: DatabaseContext): { subnetGroup: aws.rds.SubnetGroup; securityGroup: aws.ec2.SecurityGroup } {
    const { parent, name, args, instanceIdentifier } = ctx;
    // Known ids were checked by databaseArgsProblems; ids known only later are checked when they resolve.
    const subnetIds = pulumi.output(args.privateSubnetIds).apply((ids) => {
        const problem = subnetCountProblem(ids);
        if (problem !== undefined) {
            throw new pulumi.ResourceError(`Database ${name}: ${problem}`, parent);
        }
        return ids;
    });
    const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, {
        description: `Private subnets of RDS instance ${instanceIdentifier}`,
        subnetIds,
        tags: childTags(args.tags, `${name}-subnets`),
    }, { parent });
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`,
        securityGroupArgs(args.config.engine, instanceIdentifier, args.vpcId, args.clientSecurityGroupIds, childTags(args.tags, `${name}-sg`)), { parent });
    return { subnetGroup, securityGroup };
}

/**
 * The enhanced-monitoring role's trust: RDS monitoring, only for this stack's instances in this
 * account. The RDS User Guide recommends exactly these keys for this role (USER_Monitoring.OS.Enabling,
 * "Protecting against the confused deputy problem": StringLike aws:SourceArn
 * `arn:aws:rds:Region:my-account-id:db:dbname`, StringEquals aws:SourceAccount; awsdocs/amazon-rds-user-guide
 * f2e9ed35 doc_source/USER_Monitoring.OS.Enabling.md:143-174; the live page still says so, quoted in
 * terraform-aws-modules/terraform-aws-rds#604, 2025-06-30). That archived example names the principal
 * `rds.amazonaws.com`, but the section is about this role, whose principal the same page's "RDS -
 * Enhanced Monitoring" use case makes `monitoring.rds.amazonaws.com` (:50). Two names: the fresh instance and any
 * restored one (`<identifier>-db-r<hash>`, lib/stack-name.ts), since a restore keeps the instance it
 * replaces running, still monitored with this role, until someone deletes it.
 */
export function monitoringTrustPolicy(partition: string, region: string, accountId: string, identifier: string): object {
    const db = (id: string) => `arn:${partition}:rds:${region}:${accountId}:db:${id}`;
    return servicePrincipalPolicy("monitoring.rds.amazonaws.com", undefined, {
        StringLike: { "aws:SourceArn": [db(databaseInstanceIdentifier(identifier)), db(`${databaseInstanceIdentifier(identifier)}-r*`)] },
        StringEquals: { "aws:SourceAccount": accountId },
    });
}

/** The enhanced-monitoring role and its one managed policy. */
function enhancedMonitoring(ctx: DatabaseContext): { role: aws.iam.Role; policy: aws.iam.RolePolicyAttachment } {
    const { parent, name, args } = ctx;
    const role = new aws.iam.Role(`${name}-monitoring-role`, {
        assumeRolePolicy: ctx.partitionAndAccount.apply(([p, accountId]) =>
            JSON.stringify(monitoringTrustPolicy(p, args.region, accountId, args.identifier))),
        tags: childTags(args.tags, `${name}-monitoring-role`),
    }, { parent });
    const policy = new aws.iam.RolePolicyAttachment(`${name}-monitoring-policy`, {
        role: role.name,
        policyArn: ctx.partitionAndAccount.apply(([partition]) => managedPolicyArn("service-role/AmazonRDSEnhancedMonitoringRole", partition)),
    }, { parent });
    return { role, policy };
}

/** The final-snapshot settings; with a new suffix whenever what the instance is created from changes, i.e. with every new instance. */
function finalSnapshot(ctx: DatabaseContext): ReturnType<typeof finalSnapshotSettings> {
    const { parent, name, args, instanceIdentifier } = ctx;
    const suffix = args.safety.finalSnapshot
        ? new random.RandomId(`${name}-final-snapshot-suffix`, {
            byteLength: 4,
            keepers: { instance: instanceIdentifier, source: JSON.stringify(args.config.restore ?? null) },
        }, { parent })
        : undefined;
    return finalSnapshotSettings(args.safety.finalSnapshot, suffix?.hex.apply((s) => finalSnapshotIdentifier(instanceIdentifier, s)));
}

/**
 * Snapshots and transaction logs replicated to the DR region under a key there: a point-in-time
 * restore is possible in the DR region. Deleting this deletes the replicated backups, so it is
 * protected like the database.
 */
function drBackups(ctx: DatabaseContext, instance: aws.rds.Instance): aws.rds.InstanceAutomatedBackupsReplication {
    const { parent, name, args, instanceIdentifier } = ctx;
    const drKey = encryptionKey(`${name}-dr-key`, {
        region: args.drRegion,
        description: `Replicated automated backups of RDS instance ${instanceIdentifier} (from ${args.region})`,
        alias: `alias/${instanceIdentifier}-dr`,
    }, { parent, safety: args.safety, tags: args.tags });
    return new aws.rds.InstanceAutomatedBackupsReplication(`${name}-dr-backups`, {
        region: args.drRegion,
        sourceDbInstanceArn: instance.arn,
        kmsKeyId: drKey.arn,
        retentionPeriod: args.safety.backupRetentionDays,
    }, { parent, protect: args.safety.protect });
}

/**
 * The RDS instance, with what it needs first: its log groups (else RDS creates them itself,
 * unencrypted and kept forever), its enhanced-monitoring role with the policy attached, and its
 * generated master password (a secret everywhere).
 */
function rdsInstance(ctx: DatabaseContext, key: aws.kms.Key, siblings: Omit<InstanceParts["siblings"], "monitoringRoleArn">): { instance: aws.rds.Instance; masterPassword: pulumi.Output<string> } {
    const { parent, name, args, instanceIdentifier } = ctx;
    const { config, safety } = args;
    const monitoring = enhancedMonitoring(ctx);
    const logGroups = LOG_EXPORTS[config.engine].map((logType) =>
        new aws.cloudwatch.LogGroup(`${name}-log-${logType}`, logGroupArgs(instanceIdentifier, logType, safety.logRetentionDays, key.arn, childTags(args.tags, `${name}-log-${logType}`)), { parent, deleteBeforeReplace: LOG_GROUP_DELETE_BEFORE_REPLACE }));
    const masterPassword = pulumi.secret(new random.RandomPassword(`${name}-master-password`, MASTER_PASSWORD_SPEC, { parent }).result);
    const instance = new aws.rds.Instance(`${name}-instance`, instanceArgs({
        config,
        safety,
        tags: args.tags,
        instanceIdentifier,
        backupPlanName: args.backupPlanName,
        kmsKeyArn: key.arn,
        password: masterPassword,
        siblings: { ...siblings, monitoringRoleArn: monitoring.role.arn },
        finalSnapshot: finalSnapshot(ctx),
        majorUpgrade: args.majorUpgrade,
    }), {
        parent,
        protect: safety.protect,
        dependsOn: [...logGroups, monitoring.policy],
        ignoreChanges: instanceIgnoreChanges(config.restore),
        deleteBeforeReplace: INSTANCE_DELETE_BEFORE_REPLACE,
        // A restore of a large database, or a Multi-AZ conversion, outlasts the provider's 40-minute default.
        customTimeouts: INSTANCE_TIMEOUTS,
    });
    return { instance, masterPassword };
}

/**
 * A digest of the connection settings (10 hex digits of SHA-256 over them, key by key): a new value
 * exactly when the connection Secret's data changes (a restore's host, a rotated password). In clear
 * on the pods' template; the settings include the generated master password ({@link PASSWORD_LENGTH}
 * random characters), which no search over a 40-bit digest can recover. Not a Pulumi secret: a
 * secret inside a Deployment's spec would make its whole `spec` output secret, and with it the
 * release history read from it (components/blue-green-service.ts `rolledOut`).
 */
export function connectionDigest(settings: Readonly<Record<string, string>>): string {
    return createHash("sha256").update(JSON.stringify(CONNECTION_SECRET_KEYS.map((k) => [k, settings[k]]))).digest("hex").slice(0, 10);
}

/**
 * On PostgreSQL, {@link APP_PASSWORD_VERIFIER_KEY}: the application password's SCRAM-SHA-256 verifier,
 * a secret, computed inside an apply from the password and a salt of the instance and user names
 * (lib/scram.ts `scramSalt`, which says why); on MySQL, nothing.
 */
export function appPasswordVerifier(config: Pick<DatabaseConfig, "engine" | "appUsername">, instanceIdentifier: string, password: pulumi.Output<string>): Record<string, pulumi.Output<string>> {
    if (config.engine !== "postgres") {
        return {};
    }
    const salt = scramSalt(instanceIdentifier, config.appUsername);
    return { [APP_PASSWORD_VERIFIER_KEY]: pulumi.secret(password.apply((p) => scramSha256Verifier(p, salt))) };
}

/** One connection Secret and the settings it holds. */
interface ConnectionSecret {
    readonly secret: k8s.core.v1.Secret;
    readonly settings: ReturnType<typeof connectionSettings>;
}

/** {@link connectionDigest} of settings as {@link connectionSecret} returns them: not a secret (see connectionDigest). */
function settingsDigest(settings: ConnectionSecret["settings"]): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(settings).apply(connectionDigest));
}

/**
 * A Kubernetes Secret with the connection settings (keys {@link CONNECTION_SECRET_KEYS}) of `user`,
 * the host, port and database as RDS reports them, and those settings, from which a digest is taken
 * ({@link settingsDigest}) rather than from the Secret: an input taken from the Secret would make the
 * pods' Deployments be replaced with it (see components/database-client.ts `DatabaseClient`). The master
 * user's (child `${name}-connection`, {@link CONNECTION_SECRET_NAME}) and the application's (child
 * `${name}-app-connection`, {@link APP_CONNECTION_SECRET_NAME}).
 */
function connectionSecret(ctx: DatabaseContext, instance: aws.rds.Instance, user: { readonly role: "master" | "app"; readonly username: pulumi.Input<string>; readonly password: pulumi.Output<string> }, extra: Readonly<Record<string, pulumi.Output<string>>> = {}): ConnectionSecret {
    const { parent, name, args } = ctx;
    const settings = connectionSettings({
        host: instance.address,
        port: instance.port,
        database: instance.dbName,
        username: user.username,
        password: user.password,
        engine: args.config.engine,
    });
    const [child, secretName] = user.role === "master" ? [`${name}-connection`, CONNECTION_SECRET_NAME] : [`${name}-app-connection`, APP_CONNECTION_SECRET_NAME];
    const secret = new k8s.core.v1.Secret(child, connectionSecretArgs(args.namespace, { ...settings, ...extra }, secretName), { parent, provider: args.k8sProvider });
    return { secret, settings };
}

export class Database extends pulumi.ComponentResource {
    /** The RDS instance identifier, `<identifier>-db`. */
    public readonly instanceIdentifier: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** `host:port`. */
    public readonly endpoint: pulumi.Output<string>;
    /** Host name. */
    public readonly address: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly engine: pulumi.Output<string>;
    /** The key encrypting storage, Performance Insights and exported logs. */
    public readonly kmsKeyArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    /** Name of the DB subnet group (private subnets only): where a restore drill must restore too. */
    public readonly subnetGroupName: pulumi.Output<string>;
    /** Name of the DB parameter group (TLS required): a restored copy must use it too. */
    public readonly parameterGroupName: pulumi.Output<string>;
    /** Name of the Kubernetes Secret holding the master user's connection settings, in the stack's namespace. */
    public readonly connectionSecretName: pulumi.Output<string>;
    /** The master user's connection Secret itself: what a pod that reads it waits for (`dependsOn`). */
    public readonly connectionSecret: k8s.core.v1.Secret;
    /** The application user's connection Secret ({@link APP_CONNECTION_SECRET_NAME}), which the services read. */
    public readonly appConnectionSecret: k8s.core.v1.Secret;
    /**
     * {@link connectionDigest} of the application user's settings: a new value for a new instance (a
     * restore's host), user name or password, which rolls the services and runs the grants Job again.
     */
    public readonly appConnectionDigest: pulumi.Output<string>;
    /** The instance's identifier when `config.restore` made it, a plain string; undefined for a database never restored. */
    public readonly restoredInstance: string | undefined;
    /** ARN of the automated backups replicated to the DR region; undefined when the tier does not replicate. */
    public readonly drReplicationArn: pulumi.Output<string> | undefined;
    /** The tag the AWS Backup selection matches (`backup-plan: <backupPlanName>`). */
    public readonly backupPlanTag: { readonly key: string; readonly value: string };

    /**
     * With `config.restore`, the instance is created from the source (same subnet group, security
     * group, parameter group, key, Multi-AZ and backup settings as a fresh one). AWS takes the master
     * user name and the database from the source, so `config.username` and `config.name` are not sent
     * (sending them would make Pulumi replace the restored instance) and the Secret carries the values
     * RDS reports; the generated password is applied to the restored instance, replacing the source's.
     * The engine must be the source's. See {@link restoreIgnoreChanges} for what is not diffed after.
     */
    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:database:Database", name, {}, opts);
        const { config } = args;
        const instanceIdentifier = databaseInstanceIdentifier(args.identifier, config.restore);
        const problems = databaseArgsProblems(args, instanceIdentifier);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`Database ${name}: ${problems.join("; ")}`, this);
        }
        const ctx: DatabaseContext = { parent: this, name, args, instanceIdentifier, partitionAndAccount: partitionAndAccount(this, awsPartition(args.region)) };
        const key = instanceKey(ctx);
        const { subnetGroup, securityGroup } = isolation(ctx);
        const parameterGroup = new aws.rds.ParameterGroup(`${name}-params`, parameterGroupArgs(config, ctx.instanceIdentifier, args.tags, `${name}-params`), { parent: this });
        const { instance, masterPassword } = rdsInstance(ctx, key, { subnetGroupName: subnetGroup.name, securityGroupId: securityGroup.id, parameterGroupName: parameterGroup.name });
        const replication = args.safety.replicateBackupsToDr ? drBackups(ctx, instance) : undefined;
        const admin = connectionSecret(ctx, instance, { role: "master", username: instance.username, password: masterPassword });
        // The application's user: created and granted by the grants Job (components/database-grants.ts), never by RDS.
        const appPassword = pulumi.secret(new random.RandomPassword(`${name}-app-password`, MASTER_PASSWORD_SPEC, { parent: this }).result);
        const app = connectionSecret(ctx, instance, { role: "app", username: config.appUsername, password: appPassword }, appPasswordVerifier(config, instanceIdentifier, appPassword));

        this.instanceIdentifier = instance.identifier;
        this.arn = instance.arn;
        this.endpoint = instance.endpoint;
        this.address = instance.address;
        this.port = instance.port;
        this.engine = instance.engine;
        this.kmsKeyArn = key.arn;
        this.securityGroupId = securityGroup.id;
        this.subnetGroupName = subnetGroup.name;
        this.parameterGroupName = parameterGroup.name;
        this.connectionSecretName = admin.secret.metadata.name;
        this.connectionSecret = admin.secret;
        this.appConnectionSecret = app.secret;
        this.appConnectionDigest = settingsDigest(app.settings);
        this.restoredInstance = config.restore !== undefined ? instanceIdentifier : undefined;
        this.drReplicationArn = replication?.id;
        this.backupPlanTag = backupPlanTag(args.backupPlanName);
        this.registerOutputs({
            instanceIdentifier: this.instanceIdentifier,
            arn: this.arn,
            endpoint: this.endpoint,
            address: this.address,
            port: this.port,
            engine: this.engine,
            kmsKeyArn: this.kmsKeyArn,
            securityGroupId: this.securityGroupId,
            subnetGroupName: this.subnetGroupName,
            parameterGroupName: this.parameterGroupName,
            connectionSecretName: this.connectionSecretName,
            appConnectionDigest: this.appConnectionDigest,
            drReplicationArn: this.drReplicationArn,
        });
    }
}
