/**
 * Backup storage: the S3 bucket the logical database dumps go to, its replica in the DR region, and
 * one access-log bucket per region.
 *
 * Both backup buckets are versioned, SSE-KMS encrypted with a customer-managed key and S3 Bucket
 * Keys, closed to the public, TLS-only, under Object Lock (mode from the tier, default retention
 * from config) and expire copies by prefix per the retention tiers. The primary replicates every
 * object to the replica with Replication Time Control. Access logs go to separate buckets: S3 does
 * not deliver server access logs to a bucket with an Object Lock default retention.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig, Safety } from "../config";
import { servicePrincipalPolicy } from "../lib/iam";
import { BACKUP_TIERS, RETENTION_DAYS, type BackupTier } from "../lib/retention";
import { encryptionKey } from "../lib/kms";
import { childTags, type Tags } from "../lib/tags";
import { SecureBucket, tlsOnlyStatements } from "./secure-bucket";

export interface BackupStorageArgs {
    readonly safety: Pick<Safety, "protect" | "forceDestroy" | "kmsDeletionWindowDays" | "objectLockMode" | "logRetentionDays">;
    readonly backup: Pick<BackupConfig, "objectLockDays">;
    /** Base tags for every child; each child adds its own `Name`. */
    readonly tags: Tags;
    /** Start of every bucket name (S3 appends a unique suffix), e.g. `launchpad-staging`. */
    readonly bucketPrefix: string;
    /** The stack's region: the primary bucket's (and the provider's) region. */
    readonly region: string;
    /** Where the replica lives; must differ from `region`. */
    readonly drRegion: string;
}

/** Minimum storage duration each storage class charges for, days (S3 pricing). */
export const MIN_STORAGE_DAYS = { STANDARD_IA: 30, GLACIER_IR: 90, DEEP_ARCHIVE: 180 } as const;

/** Objects must stay 30 days in STANDARD before S3 lets lifecycle move them to STANDARD_IA; all tiers use the same day. */
export const FIRST_TRANSITION_DAY = 30;

/** Copies still kept after a year move to DEEP_ARCHIVE: only compliance copies are that old, and 12 h to read them is acceptable. */
export const ARCHIVE_TRANSITION_DAY = 365;

/**
 * Days a version stays after it stopped being current (overwritten, or expired by lifecycle, which
 * in a versioned bucket only adds a delete marker): a week to undo a mistake, then the data is gone.
 */
export const NONCURRENT_VERSION_DAYS = 7;

/** Multipart uploads never completed are billed until aborted. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** S3 Replication Time Control: 99.99% of objects replicated within 15 minutes (the only value S3 accepts). */
export const REPLICATION_TIME_MINUTES = 15;

/** Longest `bucketPrefix` so every bucket prefix stays within S3's 37-character `bucketPrefix` limit. */
export const MAX_BUCKET_PREFIX_LENGTH = 37 - "-backup-dr-logs-".length;

export interface LifecycleTransition {
    readonly days: number;
    readonly storageClass: keyof typeof MIN_STORAGE_DAYS;
}

/**
 * The cheapest transitions worth making for copies kept `expireDays`, respecting minimum storage
 * durations: a class is entered only when the copy stays in it at least as long as that class
 * charges for, so no transition costs more than it saves.
 *
 * - Day 30 (the earliest STANDARD_IA allows): GLACIER_IR if the copy stays >= 90 more days, else
 *   STANDARD_IA if it stays >= 30 more days, else nothing (a 30-day daily copy never moves).
 * - Day 365: DEEP_ARCHIVE if the copy stays >= 180 more days (and GLACIER_IR's 90 days were paid).
 */
export function transitionsFor(expireDays: number): LifecycleTransition[] {
    const out: LifecycleTransition[] = [];
    const afterFirst = expireDays - FIRST_TRANSITION_DAY;
    if (afterFirst >= MIN_STORAGE_DAYS.GLACIER_IR) {
        out.push({ days: FIRST_TRANSITION_DAY, storageClass: "GLACIER_IR" });
    } else if (afterFirst >= MIN_STORAGE_DAYS.STANDARD_IA) {
        out.push({ days: FIRST_TRANSITION_DAY, storageClass: "STANDARD_IA" });
    }
    if (expireDays - ARCHIVE_TRANSITION_DAY >= MIN_STORAGE_DAYS.DEEP_ARCHIVE
        && ARCHIVE_TRANSITION_DAY - FIRST_TRANSITION_DAY >= MIN_STORAGE_DAYS.GLACIER_IR) {
        out.push({ days: ARCHIVE_TRANSITION_DAY, storageClass: "DEEP_ARCHIVE" });
    }
    return out;
}

/** The inputs of `aws.s3.BucketLifecycleConfiguration.rules`, as plain data. */
export interface LifecycleRule {
    readonly id: string;
    readonly status: "Enabled";
    readonly filter: { readonly prefix?: string };
    readonly expiration: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
    readonly transitions?: LifecycleTransition[];
    readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
    readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

/**
 * One rule per retention tier (`daily/` .. `yearly/`): expire at the tier's retention, transitions
 * from `transitionsFor`, non-current versions expire `NONCURRENT_VERSION_DAYS` later (the noncurrent
 * version keeps its storage class, so the minimum duration still holds). A last bucket-wide rule
 * removes delete markers left with no versions behind them and aborts stale multipart uploads.
 * Objects outside the four prefixes are not expired: nothing but the dumps is written here.
 */
export function lifecycleRules(retention: Readonly<Record<BackupTier, number>> = RETENTION_DAYS): LifecycleRule[] {
    const tiers: LifecycleRule[] = BACKUP_TIERS.map((tier) => {
        const transitions = transitionsFor(retention[tier]);
        return {
            id: `${tier}-expire-${retention[tier]}d`,
            status: "Enabled",
            filter: { prefix: `${tier}/` },
            expiration: { days: retention[tier] },
            ...(transitions.length > 0 ? { transitions } : {}),
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        };
    });
    return [
        ...tiers,
        {
            id: "cleanup",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
        },
    ];
}

/** Prefix of the access logs of `bucketName` inside a log bucket. */
export const ACCESS_LOG_PREFIX = "s3-access/";

/**
 * The bucket policy of a log bucket: TLS only, and the S3 logging service may write access logs
 * under `ACCESS_LOG_PREFIX`, for the one source bucket and from this account only (bucket names
 * are global: a deleted source bucket's name could be taken by someone else).
 */
export function logBucketPolicy(logBucketArn: string, sourceBucketArn: string, accountId: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            ...tlsOnlyStatements(logBucketArn),
            {
                Sid: "AllowServerAccessLogs",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${logBucketArn}/${ACCESS_LOG_PREFIX}*`,
                Condition: {
                    ArnLike: { "aws:SourceArn": sourceBucketArn },
                    StringEquals: { "aws:SourceAccount": accountId },
                },
            },
        ],
    };
}

export interface ReplicationPolicyParts {
    readonly sourceBucketArn: string;
    readonly replicaBucketArn: string;
    readonly sourceKeyArn: string;
    readonly replicaKeyArn: string;
    readonly region: string;
    readonly drRegion: string;
}

/**
 * The least the replication role needs (S3 user guide, "Replicating encrypted objects"): read the
 * source's versions with their retention and legal hold (Object Lock), write replicas and their
 * tags (no `ReplicateDelete`: delete markers are not replicated), and use each key only through S3
 * in its region, for that bucket. The encryption context is the bucket ARN with S3 Bucket Keys, the
 * object ARN without; both are allowed so an upload that opts out of the bucket key still replicates.
 *
 * The replica key also needs `kms:Decrypt`: the replica bucket has an S3 Bucket Key, and "to use
 * replication with an S3 Bucket Key, the AWS KMS key policy for the KMS key that's used to encrypt
 * the object replica must include the kms:Decrypt permission for the calling principal. The call to
 * kms:Decrypt verifies the integrity of the S3 Bucket Key before using it" (S3 User Guide,
 * replication-config-for-kms-objects, "S3 Bucket Keys and replication"; awsdocs/amazon-s3-userguide
 * doc_source/replication-config-for-kms-objects.md). The key policy is KMS's default (IAM decides),
 * so this role policy is where it is granted.
 */
export function replicationPolicy(p: ReplicationPolicyParts): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadSourceConfiguration",
                Effect: "Allow",
                Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                Resource: p.sourceBucketArn,
            },
            {
                Sid: "ReadSourceVersions",
                Effect: "Allow",
                Action: [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                Resource: `${p.sourceBucketArn}/*`,
            },
            {
                Sid: "WriteReplicas",
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
                Resource: `${p.replicaBucketArn}/*`,
            },
            {
                Sid: "DecryptSource",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: p.sourceKeyArn,
                Condition: {
                    StringEquals: { "kms:ViaService": `s3.${p.region}.amazonaws.com` },
                    StringLike: { "kms:EncryptionContext:aws:s3:arn": [p.sourceBucketArn, `${p.sourceBucketArn}/*`] },
                },
            },
            {
                Sid: "EncryptReplicas",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                Resource: p.replicaKeyArn,
                Condition: {
                    StringEquals: { "kms:ViaService": `s3.${p.drRegion}.amazonaws.com` },
                    StringLike: { "kms:EncryptionContext:aws:s3:arn": [p.replicaBucketArn, `${p.replicaBucketArn}/*`] },
                },
            },
        ],
    };
}

/** The replication rule: everything, KMS-encrypted objects included, with RTC and its metrics. */
export function replicationRule(replicaBucketArn: pulumi.Input<string>, replicaKeyArn: pulumi.Input<string>): aws.types.input.s3.BucketReplicationConfigRule {
    return {
        id: "replicate-all-to-dr",
        status: "Enabled",
        priority: 1,
        filter: { prefix: "" },
        // A delete in the primary (a mistake, or an attacker) must not reach the DR copy.
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
            bucket: replicaBucketArn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: replicaKeyArn },
            replicationTime: { status: "Enabled", time: { minutes: REPLICATION_TIME_MINUTES } },
            metrics: { status: "Enabled", eventThreshold: { minutes: REPLICATION_TIME_MINUTES } },
        },
    };
}

/** Problems with the args, each naming the value received and what is allowed. */
export function backupStorageProblems(args: Pick<BackupStorageArgs, "bucketPrefix" | "region" | "drRegion">): string[] {
    const out: string[] = [];
    if (!/^[a-z0-9][a-z0-9-]*$/.test(args.bucketPrefix) || args.bucketPrefix.length > MAX_BUCKET_PREFIX_LENGTH) {
        out.push(`bucketPrefix: received ${JSON.stringify(args.bucketPrefix)}; expected lower-case letters, digits and '-', starting with a letter or digit, at most ${MAX_BUCKET_PREFIX_LENGTH} characters`);
    }
    if (args.region === args.drRegion) {
        out.push(`drRegion: received ${JSON.stringify(args.drRegion)}; expected a region other than the primary region (${args.region})`);
    }
    return out;
}

/** What the backup buckets and their log buckets share. */
interface BucketContext {
    readonly parent: BackupStorage;
    readonly name: string;
    readonly args: BackupStorageArgs;
}

/** Log buckets keep logs the tier's log retention; overwritten or deleted logs stay `NONCURRENT_VERSION_DAYS`. */
export function logLifecycleRules(logRetentionDays: number): LifecycleRule[] {
    return [{
        id: `expire-${logRetentionDays}d`,
        status: "Enabled",
        filter: {},
        expiration: { days: logRetentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    }];
}

/** A backup bucket (child `${name}-${role}`): SSE-KMS under `kmsKey`, Object Lock, lifecycle by retention tier. */
function backupBucket(ctx: BucketContext, role: string, suffix: string, region: string | undefined, kmsKey: aws.kms.Key): SecureBucket {
    const { safety, backup, tags, bucketPrefix } = ctx.args;
    return new SecureBucket(`${ctx.name}-${role}`, {
        safety,
        tags,
        bucketPrefix: `${bucketPrefix}-${suffix}`,
        region,
        encryption: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKey.arn },
        objectLock: { mode: safety.objectLockMode, days: backup.objectLockDays },
        lifecycleRules: lifecycleRules(),
        movedFrom: ctx.parent,
    }, { parent: ctx.parent });
}

/**
 * A log bucket (child `${name}-${role}`) and the access logging of `source` into it. SSE-S3,
 * because S3 server access logging delivers only to targets whose default encryption is SSE-S3
 * (AES256); SSE-KMS targets are not supported. No Object Lock (logs cannot be delivered to a bucket
 * with a default retention). Both from the S3 User Guide, "Enabling Amazon S3 server access logging"
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). Versioned, as the policy pack requires of every bucket, with its
 * noncurrent versions expiring so the bucket does not grow forever.
 */
function logBucket(ctx: BucketContext, role: string, suffix: string, region: string | undefined, source: SecureBucket, account: pulumi.Output<string>): SecureBucket {
    const { safety, tags, bucketPrefix } = ctx.args;
    const logs = new SecureBucket(`${ctx.name}-${role}`, {
        safety,
        tags,
        bucketPrefix: `${bucketPrefix}-${suffix}`,
        region,
        encryption: { sseAlgorithm: "AES256" },
        lifecycleRules: logLifecycleRules(safety.logRetentionDays),
        policy: (arn) => pulumi.all([source.arn, account]).apply(([sourceArn, accountId]) => JSON.stringify(logBucketPolicy(arn, sourceArn, accountId))),
        movedFrom: ctx.parent,
    }, { parent: ctx.parent });
    new aws.s3.BucketLogging(`${ctx.name}-${role.replace(/-logs$/, "")}-access-logging`, {
        bucket: source.bucketName,
        targetBucket: logs.bucketName,
        targetPrefix: ACCESS_LOG_PREFIX,
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
        region,
    }, { parent: ctx.parent });
    return logs;
}

/** The replication role, its policy and the replication of `primary` to `replica` (children of the component). */
function replication(ctx: BucketContext, primary: SecureBucket, replica: SecureBucket, primaryKey: aws.kms.Key, replicaKey: aws.kms.Key): void {
    const { name, args } = ctx;
    const parent = { parent: ctx.parent };
    const replicationRole = new aws.iam.Role(`${name}-replication-role`, {
        assumeRolePolicy: JSON.stringify(servicePrincipalPolicy("s3.amazonaws.com")),
        tags: childTags(args.tags, `${name}-replication-role`),
    }, parent);
    const replicationRolePolicy = new aws.iam.RolePolicy(`${name}-replication-policy`, {
        role: replicationRole.id,
        policy: pulumi.all([primary.arn, replica.arn, primaryKey.arn, replicaKey.arn]).apply(([sourceBucketArn, replicaBucketArn, sourceKeyArn, replicaKeyArn]) =>
            JSON.stringify(replicationPolicy({ sourceBucketArn, replicaBucketArn, sourceKeyArn, replicaKeyArn, region: args.region, drRegion: args.drRegion }))),
    }, parent);
    new aws.s3.BucketReplicationConfig(`${name}-replication`, {
        bucket: primary.bucketName,
        role: replicationRole.arn,
        rules: [replicationRule(replica.arn, replicaKey.arn)],
    }, {
        parent: ctx.parent,
        // S3 refuses replication until both sides are versioned; the role must be able to act.
        dependsOn: [primary.versioning, replica.versioning, replicationRolePolicy],
    });
}

export class BackupStorage extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    public readonly replicaBucketName: pulumi.Output<string>;
    public readonly replicaBucketArn: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    public readonly replicaKmsKeyArn: pulumi.Output<string>;
    public readonly logBucketName: pulumi.Output<string>;
    public readonly replicaLogBucketName: pulumi.Output<string>;

    constructor(name: string, args: BackupStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:backup-storage:BackupStorage", name, {}, opts);
        const problems = backupStorageProblems(args);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`invalid BackupStorage args:\n  - ${problems.join("\n  - ")}`, this);
        }
        if (args.backup.objectLockDays > RETENTION_DAYS.daily) {
            void pulumi.log.warn(`launchpad:backup.objectLockDays (${args.backup.objectLockDays}) exceeds the daily retention (${RETENTION_DAYS.daily} days): daily copies are kept (and billed) until their lock ends`, this);
        }
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const keys = { parent: this, safety: args.safety, tags: args.tags };
        const primaryKey = encryptionKey(`${name}-key`, { description: `SSE-KMS of the ${args.bucketPrefix} backup bucket` }, keys);
        const replicaKey = encryptionKey(`${name}-replica-key`, { region: args.drRegion, description: `SSE-KMS of the ${args.bucketPrefix} backup replica bucket` }, keys);

        const ctx: BucketContext = { parent: this, name, args };
        const primary = backupBucket(ctx, "bucket", "backup-", undefined, primaryKey);
        const replica = backupBucket(ctx, "replica", "backup-dr-", args.drRegion, replicaKey);
        const primaryLogs = logBucket(ctx, "bucket-logs", "backup-logs-", undefined, primary, account);
        const replicaLogs = logBucket(ctx, "replica-logs", "backup-dr-logs-", args.drRegion, replica, account);
        replication(ctx, primary, replica, primaryKey, replicaKey);

        this.bucketName = primary.bucketName;
        this.bucketArn = primary.arn;
        this.replicaBucketName = replica.bucketName;
        this.replicaBucketArn = replica.arn;
        this.kmsKeyArn = primaryKey.arn;
        this.replicaKmsKeyArn = replicaKey.arn;
        this.logBucketName = primaryLogs.bucketName;
        this.replicaLogBucketName = replicaLogs.bucketName;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            replicaBucketName: this.replicaBucketName,
            replicaBucketArn: this.replicaBucketArn,
            kmsKeyArn: this.kmsKeyArn,
            replicaKmsKeyArn: this.replicaKmsKeyArn,
            logBucketName: this.logBucketName,
            replicaLogBucketName: this.replicaLogBucketName,
        });
    }
}
