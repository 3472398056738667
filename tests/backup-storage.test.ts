import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
    ACCESS_LOG_PREFIX,
    BackupStorage,
    MAX_BUCKET_PREFIX_LENGTH,
    MIN_STORAGE_DAYS,
    backupStorageProblems,
    lifecycleRules,
    logBucketPolicy,
    REPLICATION_TIME_MINUTES,
    replicationPolicy,
    replicationRule,
    transitionsFor,
} from "../components/backup-storage";
import { tlsOnlyPolicy } from "../components/secure-bucket";
import { loadConfig } from "../config";
import { ACCOUNT_ID } from "../plan/mocks";
import { input, named, ofType, planProgram, type Plan, type PlannedResource } from "./support/plan";

const STACKS = ["staging", "production"] as const;

function program(bucketPrefix?: string) {
    return () => {
        const c = loadConfig();
        const s = new BackupStorage("bk", {
            safety: c.safety,
            backup: c.backup,
            tags: c.tags,
            bucketPrefix: bucketPrefix ?? `${c.project}-${c.stack}`,
            region: c.region,
            drRegion: c.drRegion,
        });
        return {
            bucketName: s.bucketName,
            bucketArn: s.bucketArn,
            replicaBucketName: s.replicaBucketName,
            replicaBucketArn: s.replicaBucketArn,
            kmsKeyArn: s.kmsKeyArn,
            replicaKmsKeyArn: s.replicaKmsKeyArn,
            logBucketName: s.logBucketName,
            replicaLogBucketName: s.replicaLogBucketName,
        };
    };
}

const PROGRAM = program();
/** One plan per stack and `--set` overrides, shared by the tests of this file. */
function plan(stack: string, sets: readonly string[] = []): Promise<Plan> {
    return planProgram(PROGRAM, stack, sets);
}

/** The one S3 bucket of that name (its SecureBucket component shares the name). */
function bucketNamed(p: Plan, name: string): PlannedResource {
    const found = ofType(p, "aws:s3/bucket:Bucket").filter((r) => r.name === name);
    expect(found).toHaveLength(1);
    return found[0];
}
/** A bucket's state (`bucket`, `arn`, ...) or another resource's. */
const stateOf = (p: Plan, name: string, key: string): string =>
    ((BUCKETS as readonly string[]).includes(name) ? bucketNamed(p, name) : named(p, name)).state[key] as string;
const BUCKETS = ["bk-bucket", "bk-replica", "bk-bucket-logs", "bk-replica-logs"] as const;

describe("lifecycle rules (pure)", () => {
    it("expires each prefix at its retention and moves copies only where the minimum duration is paid", () => {
        expect(lifecycleRules()).toEqual([
            { id: "daily-expire-30d", status: "Enabled", filter: { prefix: "daily/" }, expiration: { days: 30 }, noncurrentVersionExpiration: { noncurrentDays: 7 } },
            {
                id: "weekly-expire-84d",
                status: "Enabled",
                filter: { prefix: "weekly/" },
                expiration: { days: 84 },
                transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
                noncurrentVersionExpiration: { noncurrentDays: 7 },
            },
            {
                id: "monthly-expire-366d",
                status: "Enabled",
                filter: { prefix: "monthly/" },
                expiration: { days: 366 },
                transitions: [{ days: 30, storageClass: "GLACIER_IR" }],
                noncurrentVersionExpiration: { noncurrentDays: 7 },
            },
            {
                id: "yearly-expire-2557d",
                status: "Enabled",
                filter: { prefix: "yearly/" },
                expiration: { days: 2557 },
                transitions: [{ days: 30, storageClass: "GLACIER_IR" }, { days: 365, storageClass: "DEEP_ARCHIVE" }],
                noncurrentVersionExpiration: { noncurrentDays: 7 },
            },
            { id: "cleanup", status: "Enabled", filter: {}, expiration: { expiredObjectDeleteMarker: true }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        ]);
    });

    it.each([
        [29, []],
        [59, []],
        [60, [{ days: 30, storageClass: "STANDARD_IA" }]],
        [119, [{ days: 30, storageClass: "STANDARD_IA" }]],
        [120, [{ days: 30, storageClass: "GLACIER_IR" }]],
        [544, [{ days: 30, storageClass: "GLACIER_IR" }]],
        [545, [{ days: 30, storageClass: "GLACIER_IR" }, { days: 365, storageClass: "DEEP_ARCHIVE" }]],
    ])("copies kept %i days transition as %j", (days, expected) => {
        expect(transitionsFor(days)).toEqual(expected);
    });

    it("never enters a class the copy leaves (by the next transition or expiry) before its minimum duration", () => {
        expect(() => fc.assert(fc.property(fc.integer({ min: 1, max: 4000 }), (expire) => {
            const t = transitionsFor(expire);
            const ends = [...t.slice(1).map((x) => x.days), expire];
            return t.every((x, i) => x.days >= 30 && ends[i] - x.days >= MIN_STORAGE_DAYS[x.storageClass]);
        }))).not.toThrow();
    });
});

describe("bucket policies (pure)", () => {
    it("denies plain HTTP and TLS older than 1.2 on the bucket and its objects", () => {
        expect(tlsOnlyPolicy("arn:aws:s3:::b")).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
                { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
            ],
        });
    });

    it("lets the S3 logging service write only the source bucket's logs, from this account", () => {
        const doc = logBucketPolicy("arn:aws:s3:::logs", "arn:aws:s3:::src", "111122223333") as { Statement: object[] };
        expect(doc.Statement.slice(0, 2)).toEqual((tlsOnlyPolicy("arn:aws:s3:::logs") as { Statement: object[] }).Statement);
        expect(doc.Statement[2]).toEqual({
            Sid: "AllowServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: "arn:aws:s3:::logs/s3-access/*",
            Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::src" }, StringEquals: { "aws:SourceAccount": "111122223333" } },
        });
    });
});

// What S3's PutBucketReplication asks of a rule, from the S3 API reference
// (https://docs.aws.amazon.com/AmazonS3/latest/API/): API_ReplicationRule, API_DeleteMarkerReplication,
// API_SourceSelectionCriteria, API_Destination, API_ReplicationTimeValue, API_Metrics.
describe("replicationRule (pure), against the S3 API reference", () => {
    const replica = "arn:aws:s3:::launchpad-staging-backup-dr-x";
    const key = "arn:aws:kms:us-west-2:123456789012:key/dr";
    // Plain values in, plain values out: no Output to unwrap.
    const rule = replicationRule(replica, key) as unknown as Record<string, unknown> & { readonly destination: Record<string, unknown> };

    it("is a V2 rule over every object: an empty-prefix filter and a priority, and it states delete-marker replication, which a rule with a filter must", () => {
        expect([rule.status, rule.filter, rule.priority]).toEqual(["Enabled", { prefix: "" }, 1]);
        // Disabled: a delete in the primary (a mistake, or an attacker) never reaches the DR copy.
        expect(rule.deleteMarkerReplication).toEqual({ status: "Disabled" });
    });

    it("selects SSE-KMS objects (every backup is one) and re-encrypts each replica under the DR region's key, which that selection requires", () => {
        expect(rule.sourceSelectionCriteria).toEqual({ sseKmsEncryptedObjects: { status: "Enabled" } });
        expect(rule.destination.encryptionConfiguration).toEqual({ replicaKmsKeyId: key });
        expect([rule.destination.bucket, rule.destination.storageClass]).toEqual([replica, "STANDARD"]);
    });

    it("turns on Replication Time Control at its one valid time, 15 minutes, with the metrics RTC must come with, alerting at the same threshold", () => {
        expect(REPLICATION_TIME_MINUTES).toBe(15);
        expect(rule.destination.replicationTime).toEqual({ status: "Enabled", time: { minutes: REPLICATION_TIME_MINUTES } });
        expect(rule.destination.metrics).toEqual({ status: "Enabled", eventThreshold: { minutes: REPLICATION_TIME_MINUTES } });
    });
});

describe("args validation (pure)", () => {
    it("reports every problem with the value received and what is allowed", () => {
        expect(backupStorageProblems({ bucketPrefix: "Launchpad_Staging", region: "us-east-1", drRegion: "us-east-1" })).toEqual([
            `bucketPrefix: received "Launchpad_Staging"; expected lower-case letters, digits and '-', starting with a letter or digit, at most ${MAX_BUCKET_PREFIX_LENGTH} characters`,
            'drRegion: received "us-east-1"; expected a region other than the primary region (us-east-1)',
        ]);
        expect(backupStorageProblems({ bucketPrefix: "launchpad-production", region: "us-east-1", drRegion: "us-west-2" })).toEqual([]);
        expect(MAX_BUCKET_PREFIX_LENGTH).toBe(21);
    });

});

describe.each(STACKS)("backup storage (%s)", (stack) => {
    const production = stack === "production";

    it("creates four buckets, two KMS keys and the replication role, and exports their names", async () => {
        const p = await plan(stack);
        expect(ofType(p, "aws:s3/bucket:Bucket").map((r) => r.name).sort()).toEqual([...BUCKETS].sort());
        expect(ofType(p, "aws:kms/key:Key").map((r) => r.name)).toEqual(["bk-key", "bk-replica-key"]);
        expect(p.outputs).toEqual({
            bucketName: stateOf(p, "bk-bucket", "bucket"),
            bucketArn: stateOf(p, "bk-bucket", "arn"),
            replicaBucketName: stateOf(p, "bk-replica", "bucket"),
            replicaBucketArn: stateOf(p, "bk-replica", "arn"),
            kmsKeyArn: stateOf(p, "bk-key", "arn"),
            replicaKmsKeyArn: stateOf(p, "bk-replica-key", "arn"),
            logBucketName: stateOf(p, "bk-bucket-logs", "bucket"),
            replicaLogBucketName: stateOf(p, "bk-replica-logs", "bucket"),
        });
        expect(p.outputs.bucketName).toMatch(new RegExp(`^launchpad-${stack}-backup-[0-9a-f]{26}$`));
        expect(p.outputs.replicaKmsKeyArn).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\//);
    });

    it("puts the primary in the stack's region and the replica and its log bucket in the DR region", async () => {
        const p = await plan(stack);
        expect(BUCKETS.map((b) => bucketNamed(p, b).state.region)).toEqual(["us-east-1", "us-west-2", "us-east-1", "us-west-2"]);
        expect(input(bucketNamed(p, "bk-replica"), "region")).toBe("us-west-2");
        expect(input(named(p, "bk-replica-key"), "region")).toBe("us-west-2");
        expect(input(bucketNamed(p, "bk-bucket"), "region")).toBeUndefined();
    });

    it("versions every bucket and creates the backup buckets with Object Lock enabled", async () => {
        const p = await plan(stack);
        for (const b of ["bk-bucket", "bk-replica"]) {
            expect(input(bucketNamed(p, b), "objectLockEnabled")).toBe(true);
        }
        for (const b of BUCKETS) {
            expect(input(named(p, `${b}-versioning`), "versioningConfiguration")).toEqual({ status: "Enabled" });
            expect(input(named(p, `${b}-versioning`), "bucket")).toBe(stateOf(p, b, "bucket"));
        }
        expect(ofType(p, "aws:s3/bucketVersioning:BucketVersioning")).toHaveLength(4);
    });

    it("encrypts backup buckets with their region's KMS key and a bucket key, log buckets with SSE-S3", async () => {
        const p = await plan(stack);
        expect(input(named(p, "bk-bucket-encryption"), "rules")).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateOf(p, "bk-key", "arn") }, bucketKeyEnabled: true },
        ]);
        expect(input(named(p, "bk-replica-encryption"), "rules")).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateOf(p, "bk-replica-key", "arn") }, bucketKeyEnabled: true },
        ]);
        for (const b of ["bk-bucket-logs", "bk-replica-logs"]) {
            expect(input(named(p, `${b}-encryption`), "rules")).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false }]);
        }
        expect(input(named(p, "bk-key"), "enableKeyRotation")).toBe(true);
        expect(input(named(p, "bk-replica-key"), "deletionWindowInDays")).toBe(production ? 30 : 7);
    });

    it("blocks all four kinds of public access on every bucket", async () => {
        const p = await plan(stack);
        const blocks = ofType(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        expect(blocks.map((b) => b.inputs)).toEqual(blocks.map((b) => {
            const bucket = BUCKETS.find((n) => b.name === `${n}-public-access`) ?? "none";
            return {
                bucket: stateOf(p, bucket, "bucket"),
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
                ...(bucket.startsWith("bk-replica") ? { region: "us-west-2" } : {}),
            };
        }));
        expect(blocks.map((b) => b.name).sort()).toEqual(BUCKETS.map((n) => `${n}-public-access`).sort());
    });

    it("attaches the exact TLS-only policy to backup buckets and TLS-only plus log delivery to log buckets", async () => {
        const p = await plan(stack);
        const policy = (b: string): unknown => JSON.parse(input(named(p, `${b}-policy`), "policy") as string);
        expect(policy("bk-bucket")).toEqual(tlsOnlyPolicy(stateOf(p, "bk-bucket", "arn")));
        expect(policy("bk-replica")).toEqual(tlsOnlyPolicy(stateOf(p, "bk-replica", "arn")));
        expect(policy("bk-bucket-logs")).toEqual(logBucketPolicy(stateOf(p, "bk-bucket-logs", "arn"), stateOf(p, "bk-bucket", "arn"), ACCOUNT_ID));
        expect(policy("bk-replica-logs")).toEqual(logBucketPolicy(stateOf(p, "bk-replica-logs", "arn"), stateOf(p, "bk-replica", "arn"), ACCOUNT_ID));
        expect(named(p, "bk-bucket-policy").dependsOn).toEqual([named(p, "bk-bucket-public-access").urn]);
    });

    it("locks objects in the tier's mode for the configured days, on both backup buckets", async () => {
        const p = await plan(stack);
        const expected = { defaultRetention: { mode: production ? "COMPLIANCE" : "GOVERNANCE", days: production ? 30 : 7 } };
        expect(input(named(p, "bk-bucket-object-lock"), "rule")).toEqual(expected);
        expect(input(named(p, "bk-replica-object-lock"), "rule")).toEqual(expected);
        expect(input(named(p, "bk-replica-object-lock"), "region")).toBe("us-west-2");
        expect(ofType(p, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).toHaveLength(2);
    });

    it("replicates everything to the DR bucket with RTC 15 minutes and metrics, re-encrypted with the DR key", async () => {
        const p = await plan(stack);
        const repl = named(p, "bk-replication");
        expect(repl.inputs).toEqual({
            bucket: stateOf(p, "bk-bucket", "bucket"),
            role: stateOf(p, "bk-replication-role", "arn"),
            // What each field of the rule is for: "replicationRule" below.
            rules: [replicationRule(stateOf(p, "bk-replica", "arn"), stateOf(p, "bk-replica-key", "arn"))],
        });
        expect(repl.dependsOn).toEqual([named(p, "bk-bucket-versioning").urn, named(p, "bk-replica-versioning").urn, named(p, "bk-replication-policy").urn]);
    });

    it("gives the replication role only what replication of KMS-encrypted, locked objects needs", async () => {
        const p = await plan(stack);
        const role = named(p, "bk-replication-role");
        expect(JSON.parse(input(role, "assumeRolePolicy") as string)).toEqual({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: ["sts:AssumeRole"] }],
        });
        const rolePolicy = named(p, "bk-replication-policy");
        expect(input(rolePolicy, "role")).toBe(role.state.id);
        expect(JSON.parse(input(rolePolicy, "policy") as string)).toEqual(replicationPolicy({
            sourceBucketArn: stateOf(p, "bk-bucket", "arn"),
            replicaBucketArn: stateOf(p, "bk-replica", "arn"),
            sourceKeyArn: stateOf(p, "bk-key", "arn"),
            replicaKeyArn: stateOf(p, "bk-replica-key", "arn"),
            region: "us-east-1",
            drRegion: "us-west-2",
        }));
        const doc = replicationPolicy({ sourceBucketArn: "S", replicaBucketArn: "R", sourceKeyArn: "SK", replicaKeyArn: "RK", region: "r1", drRegion: "r2" }) as { Statement: { Sid: string; Action: unknown; Resource: unknown; Condition?: unknown }[] };
        expect(doc.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
            ["ReadSourceConfiguration", ["s3:GetReplicationConfiguration", "s3:ListBucket"], "S"],
            ["ReadSourceVersions", ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"], "S/*"],
            ["WriteReplicas", ["s3:ReplicateObject", "s3:ReplicateTags"], "R/*"],
            ["DecryptSource", "kms:Decrypt", "SK"],
            ["EncryptReplicas", ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"], "RK"],
        ]);
        expect(doc.Statement[3].Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.r1.amazonaws.com" }, StringLike: { "kms:EncryptionContext:aws:s3:arn": ["S", "S/*"] } });
        expect(doc.Statement[4].Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.r2.amazonaws.com" }, StringLike: { "kms:EncryptionContext:aws:s3:arn": ["R", "R/*"] } });
    });

    it("sends each backup bucket's access logs to the log bucket of its region", async () => {
        const p = await plan(stack);
        expect(named(p, "bk-bucket-access-logging").inputs).toEqual({
            bucket: stateOf(p, "bk-bucket", "bucket"),
            targetBucket: stateOf(p, "bk-bucket-logs", "bucket"),
            targetPrefix: ACCESS_LOG_PREFIX,
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
        });
        expect(named(p, "bk-replica-access-logging").inputs).toEqual({
            bucket: stateOf(p, "bk-replica", "bucket"),
            targetBucket: stateOf(p, "bk-replica-logs", "bucket"),
            targetPrefix: "s3-access/",
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
            region: "us-west-2",
        });
        expect(input(bucketNamed(p, "bk-bucket-logs"), "objectLockEnabled")).toBeUndefined();
    });

    it("expires backups by prefix on both buckets and logs after the tier's log retention", async () => {
        const p = await plan(stack);
        for (const b of ["bk-bucket", "bk-replica"]) {
            expect(input(named(p, `${b}-lifecycle`), "rules")).toEqual(lifecycleRules());
        }
        expect(input(named(p, "bk-bucket-lifecycle"), "rules.0.expiration.days")).toBe(30);
        expect(input(named(p, "bk-bucket-lifecycle"), "rules.1.expiration.days")).toBe(84);
        expect(input(named(p, "bk-bucket-lifecycle"), "rules.2.expiration.days")).toBe(366);
        expect(input(named(p, "bk-bucket-lifecycle"), "rules.3.expiration.days")).toBe(2557);
        const days = production ? 365 : 30;
        for (const b of ["bk-bucket-logs", "bk-replica-logs"]) {
            expect(input(named(p, `${b}-lifecycle`), "rules")).toEqual([
                { id: `expire-${days}d`, status: "Enabled", filter: {}, expiration: { days }, noncurrentVersionExpiration: { noncurrentDays: 7 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            ]);
        }
    });

    it(`protects buckets and keys ${production ? "in production" : "nowhere in staging"} and lets staging destroy buckets`, async () => {
        const p = await plan(stack);
        expect(p.resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual(
            production ? ["bk-bucket", "bk-bucket-logs", "bk-key", "bk-replica", "bk-replica-key", "bk-replica-logs"] : [],
        );
        expect(BUCKETS.map((b) => input(bucketNamed(p, b), "forceDestroy"))).toEqual(BUCKETS.map(() => !production));
    });

    it("tags every bucket with the stack's tags and its Name", async () => {
        const p = await plan(stack);
        expect(input(bucketNamed(p, "bk-replica"), "tags")).toEqual({
            project: "launchpad",
            environment: stack,
            "managed-by": "pulumi",
            "cost-center": "platform",
            owner: "team-platform",
            Name: "bk-replica",
        });
    });
});

describe("backup storage with overrides", () => {
    it("takes the Object Lock days from launchpad:backup.objectLockDays", async () => {
        const p = await plan("staging", ["launchpad:backup.objectLockDays=14"]);
        expect(input(named(p, "bk-bucket-object-lock"), "rule")).toEqual({ defaultRetention: { mode: "GOVERNANCE", days: 14 } });
        expect(p.log).toEqual([]);
    });

    it("warns when the lock outlives the daily retention", async () => {
        const p = await plan("staging", ["launchpad:backup.objectLockDays=45"]);
        expect(input(named(p, "bk-replica-object-lock"), "rule.defaultRetention.days")).toBe(45);
        expect(p.log.filter((l) => l.includes("objectLockDays"))).toHaveLength(1);
    });
});

