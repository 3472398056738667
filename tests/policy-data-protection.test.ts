import { describe, expect, it } from "vitest";
import {
    backupPlanCoverage,
    bucketMatches,
    rdsBackupRetention,
    rdsEncryptedWithCmk,
    rdsNotPublic,
    rdsProductionResilience,
    s3BackupObjectLock,
    s3PublicAccessBlocked,
    s3SseKms,
    s3TlsOnly,
    s3Versioning,
} from "../policies/data-protection";
import { resource, stackViolations, violations, withInput } from "./support/policy";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f3c2a7e-1111-2222-3333-444455556666";

/** A production-grade instance: every RDS policy passes. */
const DB = resource("aws:rds/instance:Instance", "db", {
    storageEncrypted: true,
    kmsKeyId: KEY,
    publiclyAccessible: false,
    backupRetentionPeriod: 35,
    deletionProtection: true,
    multiAz: true,
});

describe("RDS", () => {
    it("passes a compliant instance on every RDS policy", async () => {
        for (const p of [rdsEncryptedWithCmk, rdsNotPublic, rdsBackupRetention, rdsProductionResilience]) {
            expect(await violations(p, DB)).toEqual([]);
        }
    });

    it("rds-encrypted-with-cmk: unencrypted storage", async () => {
        expect(await violations(rdsEncryptedWithCmk, withInput(DB, "storageEncrypted", false))).toEqual([
            "RDS instance db stores data unencrypted: set storageEncrypted: true and kmsKeyId to a customer-managed KMS key.",
        ]);
    });

    it("rds-encrypted-with-cmk: no key (the AWS-managed aws/rds key)", async () => {
        const expected = ["RDS instance db is encrypted with the AWS-managed key: set kmsKeyId to a customer-managed KMS key."];
        expect(await violations(rdsEncryptedWithCmk, withInput(DB, "kmsKeyId", undefined))).toEqual(expected);
        expect(await violations(rdsEncryptedWithCmk, withInput(DB, "kmsKeyId", "arn:aws:kms:us-east-1:123456789012:alias/aws/rds"))).toEqual(expected);
    });

    it("rds-not-public: publicly accessible", async () => {
        expect(await violations(rdsNotPublic, withInput(DB, "publiclyAccessible", true))).toEqual([
            "RDS instance db is publicly accessible: set publiclyAccessible: false and reach it from the cluster only.",
        ]);
    });

    it("rds-backup-retention: production needs 14 days, staging 7, unset is a violation", async () => {
        expect(await violations(rdsBackupRetention, withInput(DB, "backupRetentionPeriod", 10))).toEqual([
            "RDS instance db keeps automated backups 10 days; production requires at least 14: set backupRetentionPeriod >= 14.",
        ]);
        expect(await violations(rdsBackupRetention, withInput(DB, "backupRetentionPeriod", 7), { tier: "staging" })).toEqual([]);
        expect(await violations(rdsBackupRetention, withInput(DB, "backupRetentionPeriod", 3), { tier: "staging" })).toEqual([
            "RDS instance db keeps automated backups 3 days; staging requires at least 7: set backupRetentionPeriod >= 7.",
        ]);
        expect(await violations(rdsBackupRetention, withInput(DB, "backupRetentionPeriod", undefined), { tier: "staging" })).toEqual([
            "RDS instance db keeps automated backups (unset) days; staging requires at least 7: set backupRetentionPeriod >= 7.",
        ]);
    });

    it("rds-backup-retention: the thresholds come from the pack config", async () => {
        expect(await violations(rdsBackupRetention, DB, { minProductionRetentionDays: 35 })).toEqual([]);
        expect(await violations(rdsBackupRetention, withInput(DB, "backupRetentionPeriod", 30), { minProductionRetentionDays: 35 })).toEqual([
            "RDS instance db keeps automated backups 30 days; production requires at least 35: set backupRetentionPeriod >= 35.",
        ]);
    });

    it("rds-production-resilience: deletion protection off in production", async () => {
        expect(await violations(rdsProductionResilience, withInput(DB, "deletionProtection", false))).toEqual([
            "RDS instance db has no deletion protection in production: set deletionProtection: true.",
        ]);
    });

    it("rds-production-resilience: single-AZ in production; staging may be single-AZ without protection", async () => {
        const single = withInput(DB, "multiAz", false);
        expect(await violations(rdsProductionResilience, single)).toEqual([
            "RDS instance db runs in one availability zone in production: set multiAz: true.",
        ]);
        expect(await violations(rdsProductionResilience, withInput(single, "deletionProtection", false), { tier: "staging" })).toEqual([]);
    });
});

const S3 = {
    bucket: "aws:s3/bucket:Bucket",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
};

/** The settings every bucket needs, for the bucket named `physical`. */
function hardened(name: string, physical: string, sse: Record<string, unknown>) {
    return [
        resource(S3.pab, `${name}-pab`, { bucket: physical, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
        resource(S3.sse, `${name}-sse`, { bucket: physical, rules: [{ applyServerSideEncryptionByDefault: sse }] }),
        resource(S3.policy, `${name}-policy`, {
            bucket: physical,
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${physical}`, `arn:aws:s3:::${physical}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
            }),
        }),
        resource(S3.versioning, `${name}-versioning`, { bucket: physical, versioningConfiguration: { status: "Enabled" } }),
    ];
}

const BACKUP = "backup-3k9f0a";
const LOGS = "backup-logs-77ab01";
/** A locked backup bucket (named by prefix, as the plan shows it) and its access-log bucket (SSE-S3). */
const BUCKETS = [
    resource(S3.bucket, "store-backup", { bucketPrefix: "backup-", objectLockEnabled: true }),
    ...hardened("store-backup", BACKUP, { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }),
    resource(S3.lock, "store-backup-lock", { bucket: BACKUP, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: 30 } } }),
    resource(S3.bucket, "store-logs", { bucketPrefix: "backup-logs-" }),
    ...hardened("store-logs", LOGS, { sseAlgorithm: "AES256" }),
    resource(S3.logging, "store-access-logging", { bucket: BACKUP, targetBucket: LOGS, targetPrefix: "s3-access/" }),
    // What makes store-backup a backup bucket: the dump job is handed its name (never the bucket's Pulumi name).
    resource("kubernetes:batch/v1:CronJob", "dump", { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "dump", env: [{ name: "BACKUP_BUCKET", value: BACKUP }] }] } } } } } }),
];
const LOCK_CONFIG = {};

/** BUCKETS with the resource named `name` replaced by `change(it)`, or removed when it returns undefined. */
function changed(name: string, change: (r: (typeof BUCKETS)[number]) => (typeof BUCKETS)[number] | undefined) {
    return BUCKETS.flatMap((r) => (r.name === name ? [change(r)].filter((x) => x !== undefined) : [r]));
}
const urnOf = (name: string) => BUCKETS.find((r) => r.name === name)?.urn;

describe("S3", () => {
    it("passes compliant buckets (the log target on SSE-S3) on every S3 policy", async () => {
        for (const p of [s3PublicAccessBlocked, s3SseKms, s3TlsOnly, s3Versioning]) {
            expect(await stackViolations(p, BUCKETS)).toEqual([]);
        }
        expect(await stackViolations(s3BackupObjectLock, BUCKETS, LOCK_CONFIG)).toEqual([]);
    });

    it("links a setting to the bucket its name belongs to, never to a bucket whose prefix is a prefix of it", () => {
        expect(bucketMatches({ bucketPrefix: "backup-" }, BACKUP)).toBe(true);
        expect(bucketMatches({ bucketPrefix: "backup-" }, LOGS)).toBe(false);
        expect(bucketMatches({ bucket: "exact" }, "exact")).toBe(true);
        expect(bucketMatches({ bucket: "exact", bucketPrefix: "ex" }, "exactly")).toBe(false);
    });

    it("s3-public-access-blocked: one flag off", async () => {
        expect(await stackViolations(s3PublicAccessBlocked, changed("store-backup-pab", (r) => withInput(r, "restrictPublicBuckets", false)))).toEqual([
            { message: "S3 bucket store-backup allows public access: set restrictPublicBuckets to true on its public access block.", urn: urnOf("store-backup") },
        ]);
    });

    it("s3-public-access-blocked: no block at all", async () => {
        expect(await stackViolations(s3PublicAccessBlocked, changed("store-logs-pab", () => undefined))).toEqual([
            {
                message: "S3 bucket store-logs has no public access block: add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
                urn: urnOf("store-logs"),
            },
        ]);
    });

    it("s3-sse-kms: SSE-S3 on a bucket that is no access-log target", async () => {
        expect(await stackViolations(s3SseKms, changed("store-backup-sse", (r) => withInput(r, "rules", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }])))).toEqual([
            {
                message: 'S3 bucket store-backup is not encrypted with SSE-KMS: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.',
                urn: urnOf("store-backup"),
            },
        ]);
    });

    it("s3-sse-kms: an access-log target with no default encryption", async () => {
        expect(await stackViolations(s3SseKms, changed("store-logs-sse", () => undefined))).toEqual([
            {
                message: 'S3 bucket store-logs receives access logs but has no default encryption: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" (S3 log delivery supports only SSE-S3).',
                urn: urnOf("store-logs"),
            },
        ]);
    });

    it("s3-tls-only: a policy that does not deny plain HTTP", async () => {
        const allowOnly = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "*" }] });
        expect(await stackViolations(s3TlsOnly, changed("store-backup-policy", (r) => withInput(r, "policy", allowOnly)))).toEqual([
            {
                message: 'S3 bucket store-backup accepts requests without TLS: add a bucket policy statement that denies s3:* on the bucket and its objects (arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*) to Principal "*" when aws:SecureTransport is "false", with no other condition.',
                urn: urnOf("store-backup"),
            },
        ]);
    });

    it("s3-versioning: suspended", async () => {
        expect(await stackViolations(s3Versioning, changed("store-logs-versioning", (r) => withInput(r, "versioningConfiguration.status", "Suspended")))).toEqual([
            { message: 'S3 bucket store-logs is not versioned: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".', urn: urnOf("store-logs") },
        ]);
    });

    it("s3-backup-object-lock: a production backup bucket without Object Lock; staging is exempt", async () => {
        const unlocked = changed("store-backup", (r) => withInput(r, "objectLockEnabled", undefined));
        expect(await stackViolations(s3BackupObjectLock, unlocked, LOCK_CONFIG)).toEqual([
            {
                message: "Backup bucket store-backup has no Object Lock in production: create it with objectLockEnabled: true and add an aws.s3.BucketObjectLockConfiguration with a COMPLIANCE default retention.",
                urn: urnOf("store-backup"),
            },
        ]);
        expect(await stackViolations(s3BackupObjectLock, unlocked, { ...LOCK_CONFIG, tier: "staging" })).toEqual([]);
    });

    it("s3-backup-object-lock: GOVERNANCE mode in production", async () => {
        expect(await stackViolations(s3BackupObjectLock, changed("store-backup-lock", (r) => withInput(r, "rule.defaultRetention.mode", "GOVERNANCE")), LOCK_CONFIG)).toEqual([
            {
                message: 'Backup bucket store-backup locks objects in GOVERNANCE mode; production requires COMPLIANCE: set rule.defaultRetention.mode to "COMPLIANCE".',
                urn: urnOf("store-backup"),
            },
        ]);
    });
});

const DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:app-dr";
const rule = (ruleName: string, deleteAfter: number, copyTo = DR_VAULT) => ({
    ruleName,
    enableContinuousBackup: ruleName === "continuous",
    lifecycle: { deleteAfter },
    copyActions: [{ destinationVaultArn: copyTo, lifecycle: { deleteAfter } }],
});
/** The plan of issue 4: PITR plus the four tiers, every rule copied to the DR region. */
const PLAN = resource("aws:backup/plan:Plan", "plan", {
    rules: [rule("continuous", 35), rule("daily", 30), rule("weekly", 84), rule("monthly", 366), rule("yearly", 2557)],
});

describe("AWS Backup", () => {
    it("passes a plan that covers every tier and copies each rule to another region", async () => {
        expect(await violations(backupPlanCoverage, PLAN, {}, "us-east-1")).toEqual([]);
    });

    it("backup-plan-coverage: a missing tier (one long rule does not stand in for two tiers)", async () => {
        const rules = (PLAN.inputs.rules as ReturnType<typeof rule>[]).filter((r) => r.ruleName !== "weekly" && r.ruleName !== "monthly");
        expect(await violations(backupPlanCoverage, withInput(PLAN, "rules", rules), {}, "us-east-1")).toEqual([
            "Backup plan plan does not cover the retention tiers of 84 days and 366 days: add a rule per tier with lifecycle.deleteAfter of at least those days.",
        ]);
    });

    it("backup-plan-coverage: a copy to the same region in production; staging needs no copy", async () => {
        const rules = (PLAN.inputs.rules as ReturnType<typeof rule>[]).map((r) => (r.ruleName === "yearly" ? rule("yearly", 2557, "arn:aws:backup:us-east-1:123456789012:backup-vault:app") : r));
        expect(await violations(backupPlanCoverage, withInput(PLAN, "rules", rules), {}, "us-east-1")).toEqual([
            "Backup plan plan rule yearly keeps its copies in us-east-1 only: add a copyAction whose destinationVaultArn is a vault in the DR region.",
        ]);
        const noCopies = (PLAN.inputs.rules as ReturnType<typeof rule>[]).map((r) => ({ ...r, copyActions: [] }));
        expect(await violations(backupPlanCoverage, withInput(PLAN, "rules", noCopies), { tier: "staging" }, "us-east-1")).toEqual([]);
    });

    it("backup-plan-coverage: the continuous (point-in-time) rule does not count as the daily tier", async () => {
        const rules = (PLAN.inputs.rules as ReturnType<typeof rule>[]).filter((r) => r.ruleName !== "daily");
        expect(await violations(backupPlanCoverage, withInput(PLAN, "rules", rules), {}, "us-east-1")).toEqual([
            "Backup plan plan does not cover the retention tiers of 30 days: add a rule per tier with lifecycle.deleteAfter of at least those days.",
        ]);
    });
});
