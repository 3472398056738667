/**
 * Data protection: the database, the S3 buckets and AWS Backup, each checked against what the
 * product promised (issue 4): encrypted with our own keys, never public, kept long enough, locked
 * in production, copied to another region.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type PolicyResource, type ReportViolation } from "@pulumi/policy";
import { openToEveryone, parseRange } from "./shared/ip-range";
import { BACKUP_TIERS, RETENTION_DAYS, type BackupTier } from "./shared/retention";
import { arnRegion, arr, containersOf, flag, known, UNSEEN, listText, num, podSpecOf, policyDocument, rec, regionOf, resourcesOfType, risky, strs, takenFrom, text, TIER_PROPERTY, type LaunchpadResourcePolicy, type LaunchpadStackPolicy, type TierConfig } from "./lib";

// --- RDS --------------------------------------------------------------------------------------

/** A KMS key id, ARN or alias of a customer-managed key: set, and not an AWS-managed `alias/aws/...` one. */
export function isCustomerKey(key: unknown): boolean {
    return typeof key === "string" && key.trim() !== "" && !key.includes("alias/aws/");
}

export const rdsEncryptedWithCmk: LaunchpadResourcePolicy = {
    name: "rds-encrypted-with-cmk",
    description: "RDS instances encrypt storage with a customer-managed KMS key.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
        if (flag(db.storageEncrypted) !== true) {
            report(`RDS instance ${args.name} stores data unencrypted: set storageEncrypted: true and kmsKeyId to a customer-managed KMS key.`);
        } else if (!isCustomerKey(db.kmsKeyId)) {
            // Without kmsKeyId RDS uses the AWS-managed aws/rds key, whose policy nobody can restrict.
            report(`RDS instance ${args.name} is encrypted with the AWS-managed key: set kmsKeyId to a customer-managed KMS key.`);
        }
    }),
};

export const rdsNotPublic: LaunchpadResourcePolicy = {
    name: "rds-not-public",
    description: "RDS instances are never publicly accessible.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
        if (risky(db.publiclyAccessible)) {
            const not = flag(db.publiclyAccessible) === undefined ? ` (publiclyAccessible is ${JSON.stringify(db.publiclyAccessible)}, not a boolean: taken as true)` : "";
            report(`RDS instance ${args.name} is publicly accessible${not}: set publiclyAccessible: false and reach it from the cluster only.`);
        }
    }),
};

export interface RdsBackupRetentionConfig {
    /** Days of automated backups (the point-in-time window) every tier must keep. @default 7 */
    readonly minRetentionDays: number;
    /** Days production must keep. @default 14 */
    readonly minProductionRetentionDays: number;
    readonly tier: TierConfig["tier"];
}

export const rdsBackupRetention: LaunchpadResourcePolicy = {
    name: "rds-backup-retention",
    description: "RDS automated backups are kept at least 7 days, 14 in production.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7, description: "Minimum backupRetentionPeriod, days." },
            minProductionRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 14, description: "Minimum backupRetentionPeriod in production, days." },
            ...TIER_PROPERTY,
        },
    },
    validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
        const c = args.getConfig<RdsBackupRetentionConfig>();
        const min = c.tier === "production" ? c.minProductionRetentionDays : c.minRetentionDays;
        // RDS's own default is 1 day (0 turns backups off), so an unset value is a violation too.
        const days = num(db.backupRetentionPeriod);
        if (days === undefined || days < min) {
            report(`RDS instance ${args.name} keeps automated backups ${days ?? "(unset)"} days; ${c.tier} requires at least ${min}: set backupRetentionPeriod >= ${min}.`);
        }
    }),
};

export const rdsProductionResilience: LaunchpadResourcePolicy = {
    name: "rds-production-resilience",
    description: "In production, RDS instances have deletion protection and Multi-AZ.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_PROPERTY } },
    validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
        if (args.getConfig<TierConfig>().tier !== "production") return;
        if (flag(db.deletionProtection) !== true) {
            report(`RDS instance ${args.name} has no deletion protection in production: set deletionProtection: true.`);
        }
        if (flag(db.multiAz) !== true) {
            report(`RDS instance ${args.name} runs in one availability zone in production: set multiAz: true.`);
        }
    }),
};

// --- S3 ---------------------------------------------------------------------------------------

/**
 * A bucket's settings are separate resources (aws 7) that name the bucket by its physical name.
 * After creation that is the bucket's `bucket` output; in the offline plan only its `bucket` or
 * `bucketPrefix` input is known, and AWS appends a suffix without hyphens to the prefix (so `app-`
 * never claims `app-logs-...`). In a preview before the bucket exists a prefixed bucket's name is
 * unknown, and the runtime throws on its read (`known`): no match by name then.
 */
export function bucketMatches(bucket: Record<string, unknown>, name: unknown): boolean {
    if (typeof name !== "string" || name === "") return false;
    const own = known(() => bucket.bucket);
    if (typeof own === "string") return own === name;
    const prefix = known(() => bucket.bucketPrefix);
    return typeof prefix === "string" && name.startsWith(prefix) && /^[0-9a-z]+$/.test(name.slice(prefix.length));
}

/**
 * True when `dependent`'s input `field` names `bucket`: taken from the bucket (the dependency the
 * program recorded, which the CLI passes whether or not the name is known yet), or by physical name.
 * A first preview knows neither name (the bucket's is computed, the setting's taken from it), and
 * a match by name alone would skip every S3 stack policy there (tests/policy-preview.test.ts).
 */
function namesBucket(dependent: PolicyResource, field: string, bucket: PolicyResource): boolean {
    return takenFrom(dependent, field, bucket) || bucketMatches(bucket.props, known((): unknown => dependent.props[field]));
}

/** The setting resources of `type` that belong to `bucket`. */
function settingsOf(resources: readonly PolicyResource[], bucket: PolicyResource, type: string): PolicyResource[] {
    return resourcesOfType(resources, type).filter((s) => namesBucket(s, "bucket", bucket));
}

const T = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    objectLock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
} as const;

/** Runs `check` for every bucket in the stack. */
function eachBucket(check: (bucket: PolicyResource, resources: readonly PolicyResource[], report: ReportViolation) => void) {
    return (args: { resources: PolicyResource[] }, report: ReportViolation): void => {
        for (const bucket of resourcesOfType(args.resources, T.bucket)) check(bucket, args.resources, report);
    };
}

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlocked: LaunchpadStackPolicy = {
    name: "s3-public-access-blocked",
    description: "Every S3 bucket has a public access block with all four settings on.",
    enforcementLevel: "mandatory",
    validateStack: eachBucket((bucket, resources, report) => {
        const blocks = settingsOf(resources, bucket, T.publicAccess);
        const on = (setting: string) => blocks.some((b) => flag(b.props[setting]) === true);
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => !on(f));
        if (blocks.length === 0) {
            report(`S3 bucket ${bucket.name} has no public access block: add an aws.s3.BucketPublicAccessBlock with ${listText([...PUBLIC_ACCESS_FLAGS])} all true.`, bucket.urn);
        } else if (off.length > 0) {
            report(`S3 bucket ${bucket.name} allows public access: set ${listText(off)} to true on its public access block.`, bucket.urn);
        }
    }),
};

/**
 * Buckets that receive S3 server access logs: S3 delivers those logs only to buckets whose default
 * encryption is SSE-S3, so SSE-S3 (never none) is the one allowed exception to SSE-KMS.
 */
function isAccessLogTarget(bucket: PolicyResource, resources: readonly PolicyResource[]): boolean {
    return resourcesOfType(resources, T.logging).some((l) => namesBucket(l, "targetBucket", bucket));
}

export const s3SseKms: LaunchpadStackPolicy = {
    name: "s3-sse-kms",
    description: "Every S3 bucket encrypts by default with SSE-KMS (server access log targets: SSE-S3, the only encryption S3 log delivery supports).",
    enforcementLevel: "mandatory",
    validateStack: eachBucket((bucket, resources, report) => {
        const byDefault = settingsOf(resources, bucket, T.encryption).flatMap((e) =>
            arr(e.props.rules).map((r) => ({ e, a: rec(rec(r).applyServerSideEncryptionByDefault) })));
        const algorithms = byDefault.map(({ a }) => a);
        const kms = byDefault.filter(({ a }) => a.sseAlgorithm === "aws:kms" || a.sseAlgorithm === "aws:kms:dsse");
        // A key id a preview cannot know yet is an output; taken from a KMS key the stack creates, it is a customer-managed key.
        const customer = ({ e, a }: (typeof kms)[number]) => {
            const key = known(() => a.kmsMasterKeyId, UNSEEN);
            return key === UNSEEN ? (e.propertyDependencies.rules ?? []).some((d) => d.type === "aws:kms/key:Key") : isCustomerKey(key);
        };
        if (kms.some(customer)) return;
        if (kms.length > 0) {
            // Without kmsMasterKeyId S3 uses the AWS-managed aws/s3 key, whose policy nobody can restrict.
            report(`S3 bucket ${bucket.name} encrypts with SSE-KMS under the AWS-managed key: set kmsMasterKeyId to a customer-managed KMS key.`, bucket.urn);
            return;
        }
        if (isAccessLogTarget(bucket, resources)) {
            if (!algorithms.some((a) => a.sseAlgorithm === "AES256")) {
                report(`S3 bucket ${bucket.name} receives access logs but has no default encryption: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256" (S3 log delivery supports only SSE-S3).`, bucket.urn);
            }
            return;
        }
        report(`S3 bucket ${bucket.name} is not encrypted with SSE-KMS: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.`, bucket.urn);
    }),
};

/** IAM's wildcards in a Resource ARN: `*` any run of characters, `?` one (IAM User Guide, reference_policies_elements_resource). */
function arnPattern(glob: string): RegExp {
    return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/**
 * True when the statement's Resource patterns cover both the bucket and every object in it, in any
 * partition. A bucket name still unknown (a preview before the bucket exists) cannot be checked and
 * is taken as covered, as the statement's other parts still are.
 */
function coversBucket(resource: unknown, bucketName: unknown): boolean {
    const patterns = (Array.isArray(resource) ? resource : [resource]).filter((r): r is string => typeof r === "string").map(arnPattern);
    if (patterns.length === 0) return false;
    if (typeof bucketName !== "string" || bucketName === "") return true;
    const covered = (arn: string) => ["aws", "aws-cn", "aws-us-gov"].some((partition) => patterns.some((p) => p.test(arn.replace("{p}", partition))));
    return covered(`arn:{p}:s3:::${bucketName}`) && covered(`arn:{p}:s3:::${bucketName}/any/object-key`);
}

/**
 * True when the policy document denies every request made without TLS, to the bucket and to its
 * objects, from everyone. A statement counts only when nothing narrows it: its Resource covers the
 * bucket (`bucketName`) and its objects (a NotResource statement does not count), and its Condition
 * is `Bool` on `aws:SecureTransport` "false" alone, since the conditions of a statement must all
 * hold (an added `StringEquals aws:PrincipalAccount` would exempt every other account). Spellings
 * IAM treats alike are read alike: context key names and actions are not case-sensitive (IAM User
 * Guide, reference_policies_elements_condition: "Context key names are not case-sensitive";
 * reference_policies_elements_action: the prefix and action name are case insensitive), a single
 * value may be a one-element list, and Principal `{ "AWS": ["*"] }` is everyone.
 */
export function deniesInsecureTransport(policy: unknown, bucketName?: unknown): boolean {
    return deniesAllS3Under(policy, bucketName, "Bool", "aws:securetransport", (v) => flag(v) === false);
}

/**
 * True when a statement of the policy document denies s3:* (or *) on the bucket and its objects to
 * everyone under exactly one condition: `operator` on `key` (compared in lower case), whose value
 * (a one-element list read as its element) passes `holds`.
 */
function deniesAllS3Under(policy: unknown, bucketName: unknown, operator: string, key: string, holds: (value: unknown) => boolean): boolean {
    const parsed = policyDocument(policy);
    if (parsed === undefined) return false;
    const doc = parsed.doc;
    const one = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
    const statements = rec(doc).Statement;
    return (Array.isArray(statements) ? statements : [statements]).some((s) => {
        const st = rec(s);
        const principal = st.Principal === "*" || one(rec(st.Principal).AWS) === "*";
        const actions = (Array.isArray(st.Action) ? (st.Action as unknown[]) : [st.Action]).map((a: unknown) => (typeof a === "string" ? a.toLowerCase() : a));
        const operators = Object.entries(rec(st.Condition));
        const keys = operators.length === 1 && operators[0][0] === operator ? Object.entries(rec(operators[0][1])) : [];
        const condition = keys.length === 1 && keys[0][0].toLowerCase() === key && holds(one(keys[0][1]));
        return st.Effect === "Deny" && principal && (actions.includes("s3:*") || actions.includes("*")) && condition && coversBucket(st.Resource, bucketName);
    });
}

export const s3TlsOnly: LaunchpadStackPolicy = {
    name: "s3-tls-only",
    description: "Every S3 bucket's policy denies requests made without TLS.",
    enforcementLevel: "mandatory",
    validateStack: eachBucket((bucket, resources, report) => {
        if (!settingsOf(resources, bucket, T.policy).some((p) => deniesInsecureTransport(p.props.policy, known((): unknown => p.props.bucket)))) {
            report(`S3 bucket ${bucket.name} accepts requests without TLS: add a bucket policy statement that denies s3:* on the bucket and its objects (arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*) to Principal "*" when aws:SecureTransport is "false", with no other condition.`, bucket.urn);
        }
    }),
};

/**
 * True when the policy document denies every request over TLS older than 1.2, to the bucket and its
 * objects, from everyone: Deny s3:* where `NumericLessThan` `s3:TlsVersion` is at least 1.2 and no
 * other condition narrows it (the condition key S3 added in December 2020, "s3:TLSVersion"; the
 * statement AWS re:Post knowledge-center s3-enforce-modern-tls gives). Read as deniesInsecureTransport
 * reads its statement: key and action names in any case, a one-element list, Principal {AWS: ["*"]}.
 */
export function deniesOldTls(policy: unknown, bucketName?: unknown): boolean {
    return deniesAllS3Under(policy, bucketName, "NumericLessThan", "s3:tlsversion", (v) => Number(v) >= 1.2);
}

export const s3MinTls12: LaunchpadStackPolicy = {
    name: "s3-min-tls-1-2",
    description: "Every S3 bucket's policy denies requests over TLS older than 1.2.",
    enforcementLevel: "mandatory",
    validateStack: eachBucket((bucket, resources, report) => {
        if (!settingsOf(resources, bucket, T.policy).some((p) => deniesOldTls(p.props.policy, known((): unknown => p.props.bucket)))) {
            report(`S3 bucket ${bucket.name} accepts TLS older than 1.2: add a bucket policy statement that denies s3:* on the bucket and its objects to Principal "*" when s3:TlsVersion is NumericLessThan 1.2, with no other condition.`, bucket.urn);
        }
    }),
};

export const s3Versioning: LaunchpadStackPolicy = {
    name: "s3-versioning",
    description: "Every S3 bucket has versioning enabled.",
    enforcementLevel: "mandatory",
    validateStack: eachBucket((bucket, resources, report) => {
        const enabled = settingsOf(resources, bucket, T.versioning).some((v) => rec(v.props.versioningConfiguration).status === "Enabled");
        if (!enabled) {
            report(`S3 bucket ${bucket.name} is not versioned: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`, bucket.urn);
        }
    }),
};

/** The physical bucket name in an S3 bucket ARN (`arn:aws:s3:::name`), or the text itself. */
function bucketNameOf(v: unknown): unknown {
    return typeof v === "string" ? v.replace(/^arn:aws[a-z-]*:s3:::/, "") : v;
}

/**
 * Every env value of every container of every workload (where a backup job learns its bucket), and
 * the workloads with a value a preview does not know yet (a bucket's computed name).
 */
function workloadEnv(resources: readonly PolicyResource[]): { values: string[]; unknownIn: PolicyResource[] } {
    const values: string[] = [];
    const unknownIn: PolicyResource[] = [];
    for (const r of resources) {
        const pod = podSpecOf(r.type, r.props);
        if (pod === undefined) continue;
        const env = containersOf(pod).flatMap((c) => arr(c.spec.env).map((e) => known(() => rec(e).value, UNSEEN)));
        values.push(...env.filter((v): v is string => typeof v === "string"));
        if (env.includes(UNSEEN)) unknownIn.push(r);
    }
    return { values, unknownIn };
}

const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/**
 * True when replication `rule` of `config` copies to `bucket`: by the destination's name, or, while
 * that is unknown (a preview: the destination's ARN), by the rules' dependency on the bucket.
 */
function copiesTo(config: PolicyResource, rule: unknown, bucket: PolicyResource): boolean {
    const dest = known(() => rec(rec(rule).destination).bucket, UNSEEN);
    return dest === UNSEEN ? takenFrom(config, "rules", bucket) : bucketMatches(bucket.props, bucketNameOf(dest));
}

/**
 * Backup buckets, by their role in the graph rather than their Pulumi name: a bucket a workload is
 * handed in its env (the dump job's `BACKUP_BUCKET`), and every bucket replication copies it to.
 */
export function backupBuckets(resources: readonly PolicyResource[]): { primary: PolicyResource[]; all: PolicyResource[] } {
    const buckets = resourcesOfType(resources, T.bucket);
    const env = workloadEnv(resources);
    const primary = buckets.filter((b) => env.values.some((v) => bucketMatches(b.props, v)) || env.unknownIn.some((w) => takenFrom(w, "spec", b)));
    const configs = resourcesOfType(resources, REPLICATION);
    const all = new Set(primary);
    // Follow replication chains (a replica of a replica is a backup too).
    for (let grew = true; grew;) {
        grew = false;
        for (const c of configs.filter((c) => [...all].some((b) => namesBucket(c, "bucket", b)))) {
            for (const b of buckets.filter((b) => !all.has(b) && arr(c.props.rules).some((r) => copiesTo(c, r, b)))) {
                all.add(b);
                grew = true;
            }
        }
    }
    return { primary, all: buckets.filter((b) => all.has(b)) };
}

export interface BackupBucketObjectLockConfig {
    /** Object Lock mode production backups require. @default "COMPLIANCE" */
    readonly productionMode: "COMPLIANCE" | "GOVERNANCE";
    /** Shortest default retention production backups require, days. @default 30 */
    readonly minRetentionDays: number;
    readonly tier: TierConfig["tier"];
}

export const s3BackupObjectLock: LaunchpadStackPolicy = {
    name: "s3-backup-object-lock",
    description: "In production, backup buckets (by role: a workload writes to it, or replication copies one there) have Object Lock with a default retention.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            productionMode: { type: "string", enum: ["COMPLIANCE", "GOVERNANCE"], default: "COMPLIANCE", description: "Object Lock mode production backups require." },
            minRetentionDays: { type: "integer", minimum: 1, default: RETENTION_DAYS.daily, description: "Shortest Object Lock default retention of production backups, days." },
            ...TIER_PROPERTY,
        },
    },
    validateStack: (args, report) => {
        const c = args.getConfig<BackupBucketObjectLockConfig>();
        if (c.tier !== "production") return;
        for (const bucket of backupBuckets(args.resources).all) {
            const locks = settingsOf(args.resources, bucket, T.objectLock);
            const retention = locks.map((l) => rec(rec(l.props.rule).defaultRetention)).find((r) => r.mode !== undefined);
            if (flag(bucket.props.objectLockEnabled) !== true || retention === undefined) {
                report(`Backup bucket ${bucket.name} has no Object Lock in production: create it with objectLockEnabled: true and add an aws.s3.BucketObjectLockConfiguration with a ${c.productionMode} default retention.`, bucket.urn);
            } else if (retention.mode !== c.productionMode) {
                report(`Backup bucket ${bucket.name} locks objects in ${String(retention.mode)} mode; production requires ${c.productionMode}: set rule.defaultRetention.mode to "${c.productionMode}".`, bucket.urn);
            } else if ((num(retention.days) ?? (num(retention.years) ?? 0) * 365) < c.minRetentionDays) {
                report(`Backup bucket ${bucket.name} locks objects ${String(retention.days ?? retention.years)} ${retention.days !== undefined ? "days" : "years"}; production requires at least ${c.minRetentionDays} days: set rule.defaultRetention.days >= ${c.minRetentionDays}.`, bucket.urn);
            }
        }
    },
};

export const s3BackupReplication: LaunchpadStackPolicy = {
    name: "s3-backup-replication",
    description: "In production, every bucket a workload writes backups to replicates every object to a bucket in another region, with Replication Time Control, SSE-KMS objects included.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_PROPERTY } },
    validateStack: (args, report) => {
        if (args.getConfig<TierConfig>().tier !== "production") return;
        const buckets = resourcesOfType(args.resources, T.bucket);
        for (const bucket of backupBuckets(args.resources).primary) {
            const home = regionOf(bucket.props, bucket.provider);
            const rules = resourcesOfType(args.resources, REPLICATION)
                .filter((c) => namesBucket(c, "bucket", bucket))
                .flatMap((c) => arr(c.props.rules).map((r) => ({ c, r: rec(r) })))
                .filter(({ r }) => r.status === "Enabled");
            const offsite = rules.filter(({ c, r }) => {
                const dest = buckets.find((b) => b !== bucket && copiesTo(c, r, b));
                const region = dest === undefined ? undefined : regionOf(dest.props, dest.provider);
                return region !== undefined && region !== home;
            });
            if (offsite.length === 0) {
                report(`Backup bucket ${bucket.name} is not replicated out of ${home ?? "its region"} in production: add an aws.s3.BucketReplicationConfig with an Enabled rule to a bucket in the DR region.`, bucket.urn);
            } else if (!offsite.some(({ r }) => rec(rec(r.destination).replicationTime).status === "Enabled")) {
                report(`Backup bucket ${bucket.name} replicates without Replication Time Control in production: set destination.replicationTime.status "Enabled" (15 minutes) on its replication rule.`, bucket.urn);
            } else if (encryptsWithKms(args.resources, bucket) && !offsite.some(({ r }) => replicatesKmsObjects(r))) {
                report(`Backup bucket ${bucket.name} is encrypted with SSE-KMS but its replication rule skips SSE-KMS objects (S3 replicates them only when asked) in production: set sourceSelectionCriteria.sseKmsEncryptedObjects.status "Enabled" and destination.encryptionConfiguration.replicaKmsKeyId to a KMS key in the destination's region.`, bucket.urn);
            }
        }
    },
};

/** True when the bucket's default encryption is SSE-KMS (or DSSE-KMS). */
function encryptsWithKms(resources: readonly PolicyResource[], bucket: PolicyResource): boolean {
    return settingsOf(resources, bucket, T.encryption).some((e) => arr(e.props.rules).some((r) => {
        const algorithm = rec(rec(r).applyServerSideEncryptionByDefault).sseAlgorithm;
        return algorithm === "aws:kms" || algorithm === "aws:kms:dsse";
    }));
}

/**
 * True when a replication rule copies SSE-KMS objects: "By default, Amazon S3 doesn't replicate
 * objects that are encrypted with SSE-KMS or DSSE-KMS": the rule must opt in with
 * `SourceSelectionCriteria.SseKmsEncryptedObjects` and name the replica's key in
 * `Destination.EncryptionConfiguration.ReplicaKmsKeyID` (S3 User Guide,
 * replication-config-for-kms-objects, "Specifying additional information in the replication
 * configuration"). The key is usually an output of the stack: unknown in a preview counts as set.
 */
function replicatesKmsObjects(rule: Record<string, unknown>): boolean {
    const key = known(() => rec(rec(rec(rule).destination).encryptionConfiguration).replicaKmsKeyId, UNSEEN);
    return rec(rec(rule.sourceSelectionCriteria).sseKmsEncryptedObjects).status === "Enabled" && (key === UNSEEN || text(key) !== undefined);
}

/** The retention tier a lifecycle rule's prefix holds (`daily/` ...), or undefined for a rule that covers every prefix. */
function tierOfPrefix(prefix: unknown): BackupTier | undefined {
    return BACKUP_TIERS.find((t) => typeof prefix === "string" && prefix.startsWith(`${t}/`));
}

export const s3BackupLifecycle: LaunchpadStackPolicy = {
    name: "s3-backup-lifecycle",
    description: "No lifecycle rule of a backup bucket expires a tier's copies before the tier's retention (daily 30, weekly 84, monthly 366, yearly 2557 days).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const lifecycles = resourcesOfType(args.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
        for (const bucket of backupBuckets(args.resources).all) {
            for (const l of lifecycles.filter((l) => namesBucket(l, "bucket", bucket))) {
                for (const r of arr(l.props.rules).map(rec).filter((r) => r.status === "Enabled")) {
                    const days = num(rec(r.expiration).days);
                    if (days === undefined) continue;
                    const prefix = rec(r.filter).prefix ?? r.prefix ?? rec(rec(r.filter).and).prefix;
                    const tier = tierOfPrefix(prefix);
                    // A rule for no tier's prefix expires every tier's copies: it must wait for the longest.
                    const min = tier !== undefined ? RETENTION_DAYS[tier] : Math.max(...BACKUP_TIERS.map((t) => RETENTION_DAYS[t]));
                    if (days < min) {
                        report(`Backup bucket ${bucket.name} lifecycle rule ${typeof r.id === "string" ? r.id : "(unnamed)"} expires ${tier !== undefined ? `${tier} copies` : "every copy"} after ${days} days; ${tier ?? "the longest tier (yearly)"} requires at least ${min}: set expiration.days >= ${min}.`, bucket.urn);
                    }
                }
            }
        }
    },
};

// --- AWS Backup -------------------------------------------------------------------------------

export interface BackupPlanCoverageConfig {
    /** Days each retention tier keeps its copies; every one needs a rule keeping at least that long. @default [30, 84, 366, 2557] */
    readonly retentionDays: number[];
    readonly tier: TierConfig["tier"];
}

export const backupPlanCoverage: LaunchpadResourcePolicy = {
    name: "backup-plan-coverage",
    description: "AWS Backup plans have a rule for every retention tier, and in production every rule copies to another region.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            retentionDays: {
                type: "array",
                items: { type: "integer", minimum: 1 },
                minItems: 1,
                default: BACKUP_TIERS.map((t) => RETENTION_DAYS[t]),
                description: "Days each retention tier keeps its copies (daily, weekly, monthly, yearly).",
            },
            ...TIER_PROPERTY,
        },
    },
    validateResource: validateResourceOfType(aws.backup.Plan, (plan, args, report) => {
        const c = args.getConfig<BackupPlanCoverageConfig>();
        const rules = arr(plan.rules).map(rec);
        // A continuous rule keeps point-in-time logs, not the tier's copies.
        const kept = rules
            .filter((r) => flag(r.enableContinuousBackup) !== true)
            .map((r) => rec(r.lifecycle).deleteAfter)
            .map(num)
            .filter((d): d is number => d !== undefined)
            .sort((a, b) => a - b);
        // Each tier needs its own rule (one rule kept 7 years does not make daily copies): longest
        // tier first, each taking the shortest rule that still keeps long enough.
        const missing: number[] = [];
        for (const days of [...c.retentionDays].sort((a, b) => b - a)) {
            const i = kept.findIndex((k) => k >= days);
            if (i === -1) missing.unshift(days);
            else kept.splice(i, 1);
        }
        if (missing.length > 0) {
            report(`Backup plan ${args.name} does not cover the retention tiers of ${listText(missing.map((d) => `${d} days`))}: add a rule per tier with lifecycle.deleteAfter of at least those days.`);
        }
        if (c.tier !== "production") return;
        const region = regionOf(args.props, args.provider);
        for (const r of rules) {
            const crossRegion = arr(r.copyActions).some((a) => {
                const dest = arnRegion(rec(a).destinationVaultArn);
                return dest !== undefined && region !== undefined && dest !== region;
            });
            if (!crossRegion) {
                report(`Backup plan ${args.name} rule ${String(r.ruleName)} keeps its copies in ${region ?? "one region"} only: add a copyAction whose destinationVaultArn is a vault in the DR region.`);
            }
        }
    }),
};

// --- Production promises: DR copies that outlive a region, locks that outlive an operator ---

/**
 * True when `dependent`'s input `field` names `target`: by the dependency the program recorded for
 * it, or by `value` (read only then, and as unmatched when a preview cannot know it or the field:
 * the instance's ARN before it exists would otherwise skip the whole policy, tests/policy-preview.test.ts).
 */
function refersTo(dependent: PolicyResource, field: string, target: PolicyResource, value: () => unknown): boolean {
    if (takenFrom(dependent, field, target)) return true;
    const v = known(value);
    return v !== undefined && v !== null && known((): unknown => dependent.props[field]) === v;
}

export interface RdsDrReplicationConfig {
    /** Days the DR region keeps the replicated automated backups. @default 35 */
    readonly minRetentionDays: number;
    readonly tier: TierConfig["tier"];
}

export const rdsDrReplication: LaunchpadStackPolicy = {
    name: "rds-dr-replication",
    description: "In production, every RDS instance's automated backups are replicated to another region and kept there.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 35, description: "Minimum retentionPeriod of the DR replication, days." },
            ...TIER_PROPERTY,
        },
    },
    validateStack: (args, report) => {
        const c = args.getConfig<RdsDrReplicationConfig>();
        if (c.tier !== "production") return;
        const replications = resourcesOfType(args.resources, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
        for (const db of resourcesOfType(args.resources, "aws:rds/instance:Instance")) {
            const home = regionOf(db.props, db.provider);
            const mine = replications.filter((r) => refersTo(r, "sourceDbInstanceArn", db, () => db.props.arn));
            const offsite = mine.filter((r) => {
                const region = regionOf(r.props, r.provider);
                return region !== undefined && region !== home;
            });
            if (offsite.length === 0) {
                report(`RDS instance ${db.name} has no automated backups outside ${home ?? "its region"} in production: add an aws.rds.InstanceAutomatedBackupsReplication of it in the DR region.`, db.urn);
            } else if (!offsite.some((r) => (num(r.props.retentionPeriod) ?? 7) >= c.minRetentionDays)) {
                // RDS keeps replicated backups 7 days unless retentionPeriod says otherwise.
                report(`RDS instance ${db.name} keeps its DR backups ${String(num(offsite[0].props.retentionPeriod) ?? 7)} days; production requires at least ${c.minRetentionDays}: set retentionPeriod >= ${c.minRetentionDays}.`, db.urn);
            }
        }
    },
};

export interface BackupVaultLockConfig {
    /** The shortest retention the lock must enforce, days. @default 30 */
    readonly minRetentionDays: number;
    readonly tier: TierConfig["tier"];
}

export const backupVaultLock: LaunchpadStackPolicy = {
    name: "backup-vault-lock",
    description: "In production, every AWS Backup vault has a Vault Lock in compliance mode with a minimum retention.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", minimum: 1, default: RETENTION_DAYS.daily, description: "Minimum minRetentionDays of the Vault Lock, days." },
            ...TIER_PROPERTY,
        },
    },
    validateStack: (args, report) => {
        const c = args.getConfig<BackupVaultLockConfig>();
        if (c.tier !== "production") return;
        const locks = resourcesOfType(args.resources, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        for (const vault of resourcesOfType(args.resources, "aws:backup/vault:Vault")) {
            const lock = locks.find((l) => refersTo(l, "backupVaultName", vault, () => vault.props.name));
            if (lock === undefined) {
                report(`Backup vault ${vault.name} has no Vault Lock in production: add an aws.backup.VaultLockConfiguration with changeableForDays and minRetentionDays >= ${c.minRetentionDays}.`, vault.urn);
                continue;
            }
            const problems: string[] = [];
            // Without changeableForDays the lock stays in governance mode: anyone with the right IAM permission removes it.
            if (num(lock.props.changeableForDays) === undefined) problems.push("set changeableForDays (compliance mode)");
            const min = num(lock.props.minRetentionDays);
            if (min === undefined || min < c.minRetentionDays) problems.push(`set minRetentionDays >= ${c.minRetentionDays} (received ${String(lock.props.minRetentionDays ?? "nothing")})`);
            if (problems.length > 0) {
                report(`Backup vault ${vault.name}'s Vault Lock does not hold in production: ${problems.join("; ")}.`, vault.urn);
            }
        }
    },
};

/** `value` matches `pattern`, an AWS Backup selection's ARN or StringLike value, where `*` is any run of characters. */
function globMatch(pattern: string, value: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(value);
}

/**
 * Whether AWS Backup selection `sel` assigns the RDS instance `db` (ARN `arn`, tags `tags`) to its
 * plan, read as AWS Backup reads a selection (API_BackupSelection in the AWS Backup Developer Guide:
 * "If you specify multiple conditions, the resources much match all conditions (AND logic)";
 * Resources and Conditions combine with AND, ListOfTags are alternatives, NotResources excludes;
 * "assigning-resources", the same guide). An ARN a preview cannot know yet matches the ARN patterns.
 */
function selects(sel: PolicyResource, arn: string | undefined, tags: Record<string, unknown>): boolean {
    const tag = (key: unknown): string | undefined => {
        const k = typeof key === "string" && key.startsWith("aws:ResourceTag/") ? key.slice("aws:ResourceTag/".length) : key;
        const v = typeof k === "string" ? tags[k] : undefined;
        return typeof v === "string" ? v : undefined;
    };
    const resources = strs(known(() => sel.props.resources));
    const notResources = strs(known(() => sel.props.notResources));
    if (arn !== undefined && notResources.some((p) => globMatch(p, arn))) return false;
    if (resources.length > 0 && arn !== undefined && !resources.some((p) => globMatch(p, arn))) return false;
    for (const c of arr(known(() => sel.props.conditions)).map(rec)) {
        const holds = (op: string, test: (have: string | undefined, want: string) => boolean): boolean =>
            arr(c[op]).map(rec).every((e) => typeof e.value === "string" && test(tag(e.key), e.value));
        if (!holds("stringEquals", (h, w) => h === w)) return false;
        if (!holds("stringNotEquals", (h, w) => h !== w)) return false;
        if (!holds("stringLike", (h, w) => h !== undefined && globMatch(w, h))) return false;
        if (!holds("stringNotLike", (h, w) => h === undefined || !globMatch(w, h))) return false;
    }
    const listOfTags = arr(known(() => sel.props.selectionTags)).map(rec);
    return listOfTags.length === 0 || listOfTags.some((t) => String(t.type).toUpperCase() === "STRINGEQUALS" && tag(t.key) === t.value);
}

/**
 * The data-protection docs promise production's database AWS Backup's daily to yearly snapshots,
 * copied to the DR vault and kept under Vault Lock. The policies above judge each backup resource
 * the plan has; this one makes sure there is one to judge: every RDS instance is assigned (by an
 * aws.backup.Selection of the plan) to a backup plan of this stack, whose rules write to vaults of
 * this stack, so `backup-vault-lock` and `backup-plan-coverage` see them. Without it a production
 * plan with AWS Backup removed whole, or its selection matching nothing, passed every policy.
 */
export const backupPlanSelectsDatabase: LaunchpadStackPolicy = {
    name: "backup-plan-selects-database",
    description: "In production, every RDS instance is assigned to one of the stack's AWS Backup plans, whose rules write to the stack's own (locked) vaults.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_PROPERTY } },
    validateStack: (args, report) => {
        if (args.getConfig<TierConfig>().tier !== "production") return;
        const plans = resourcesOfType(args.resources, "aws:backup/plan:Plan");
        const vaults = resourcesOfType(args.resources, "aws:backup/vault:Vault");
        const selections = resourcesOfType(args.resources, "aws:backup/selection:Selection");
        for (const db of resourcesOfType(args.resources, "aws:rds/instance:Instance")) {
            const arn = known(() => db.props.arn);
            const tags = rec(known(() => db.props.tags));
            const covering = plans.filter((plan) =>
                selections.some((sel) => refersTo(sel, "planId", plan, () => plan.props.id) && selects(sel, typeof arn === "string" ? arn : undefined, tags)));
            if (covering.length === 0) {
                report(`RDS instance ${db.name} is in no AWS Backup plan of this stack in production: add an aws.backup.Selection of it (by ARN or tag) to a backup plan with rules writing to the stack's locked vault.`, db.urn);
                continue;
            }
            // A rule's vault: by name (a preview may not know it yet: then it is not judged).
            const names = vaults.map((v) => known(() => v.props.name));
            const outside = covering.flatMap((plan) => arr(known(() => plan.props.rules)).map(rec)
                .map((r) => ({ rule: known(() => r.ruleName), vault: known(() => r.targetVaultName) }))
                .filter((r) => typeof r.vault === "string" && !names.includes(r.vault))
                .map((r) => `rule ${String(r.rule)} writes to ${String(r.vault)}`));
            if (outside.length > 0) {
                report(`RDS instance ${db.name}'s backup plan keeps its recovery points outside the stack's vaults, where no Vault Lock is checked: ${listText(outside)}; set targetVaultName to the stack's vault.`, db.urn);
            }
        }
    },
};

/**
 * The docs promise every KMS key the stack makes "rotation on" (docs/data-protection.md,
 * docs/architecture.md): each symmetric encryption key sets enableKeyRotation, read as the provider
 * reads a boolean. AWS rotates only those (KMS API Reference, EnableKeyRotation: "supported only on
 * symmetric encryption KMS keys"), so an asymmetric or HMAC key spec is left alone.
 */
export const kmsKeyRotation: LaunchpadResourcePolicy = {
    name: "kms-key-rotation",
    description: "Every symmetric encryption KMS key the stack creates has automatic key rotation on.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.kms.Key, (key, args, report) => {
        const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        if (spec !== "SYMMETRIC_DEFAULT") return;
        if (flag(key.enableKeyRotation) !== true) {
            report(`KMS key ${args.name} has automatic rotation ${key.enableKeyRotation === undefined ? "unset (off)" : `set to ${JSON.stringify(key.enableKeyRotation)}`}: set enableKeyRotation: true (AWS then rotates its key material yearly).`);
        }
    }),
};

/** Condition keys that tie a caller to an account, organization, principal or network when matched exactly. */
const CALLER_KEYS = ["aws:principalaccount", "kms:calleraccount", "aws:principalorgid", "aws:principalarn", "aws:userid", "aws:sourceaccount", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce"];
/** Positive operators only: a negated, ...IfExists or ForAllValues operator leaves callers without the key unbound. */
const BINDING_OPERATORS = ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"];

/** True when the statement's Condition binds the caller: a caller key, matched by a positive operator, to values without wildcards or policy variables. */
function bindsCaller(condition: unknown): boolean {
    return Object.entries(rec(condition)).some(
        ([operator, keys]) =>
            BINDING_OPERATORS.includes(operator) &&
            Object.entries(rec(keys)).some(([key, values]) => {
                const list = Array.isArray(values) ? (values as unknown[]) : [values];
                return CALLER_KEYS.includes(key.toLowerCase()) && list.length > 0 && list.every((v) => typeof v === "string" && v !== "" && !/[*?]|\$\{/.test(v));
            }),
    );
}

/**
 * The Allow statements of a resource policy that grant to Principal "*" with no condition that `limits`
 * them (a key policy: `bindsCaller`; a bucket policy: `limitsToFixedCallers`), each named by its Sid or
 * position with its actions; undefined for a document that does not parse.
 */
function publicGrants(policy: unknown, limits: (condition: unknown) => boolean): string[] | undefined {
    const parsed = policyDocument(policy);
    if (parsed === undefined) return undefined;
    const statements = rec(parsed.doc).Statement;
    return (Array.isArray(statements) ? (statements as unknown[]) : [statements]).flatMap((s, i) => {
        const st = rec(s);
        const aws = rec(st.Principal).AWS;
        const everyone = st.Principal === "*" || aws === "*" || (Array.isArray(aws) && aws.includes("*"));
        if (st.Effect !== "Allow" || !everyone || limits(st.Condition)) return [];
        const actions = (Array.isArray(st.Action) ? (st.Action as unknown[]) : [st.Action]).map(String);
        return [`${typeof st.Sid === "string" ? `statement ${JSON.stringify(st.Sid)}` : `statement ${String(i + 1)}`} (${listText(actions)})`];
    });
}

/**
 * A KMS key policy grants nothing to everyone. A statement whose Principal is `*` gives every
 * identity in every AWS account the permission, unless a condition limits it (AWS KMS Developer
 * Guide, determining-access-key-policy: do not set the Principal to an asterisk in a statement that
 * allows permissions unless conditions limit the key policy). Unlike a bucket, whose public access
 * block makes S3 refuse a public policy, nothing in AWS stops it: anyone could then decrypt the
 * backups or schedule the key's deletion. Keys without a `policy` get the default key policy (the
 * account only) and pass; a separate aws.kms.KeyPolicy is judged alike.
 */
export const kmsKeyPolicyNotPublic: LaunchpadResourcePolicy = {
    name: "kms-key-policy-not-public",
    description: "No KMS key policy allows anything to Principal \"*\" without a condition that binds the caller to an account, organization or principal.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "aws:kms/key:Key" && args.type !== "aws:kms/keyPolicy:KeyPolicy") return;
        const policy: unknown = args.props.policy;
        if (policy === undefined || policy === null) return;
        const grants = publicGrants(policy, bindsCaller);
        if (grants === undefined) {
            report(`KMS key policy of ${args.name} is not a JSON policy document this policy can read, so it may grant to everyone: write it as JSON.`);
        } else if (grants.length > 0) {
            report(
                `KMS key policy of ${args.name} allows ${listText(grants)} to Principal "*" with no condition binding the caller (StringEquals or ArnEquals on kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID or aws:PrincipalArn, without wildcards): every AWS account could use or manage the key; name the principals instead.`,
            );
        }
    },
};

/** The parameter that makes each engine refuse connections without TLS, and the values that turn it on. */
const TLS_PARAMETER: Readonly<Record<string, { readonly name: string; readonly on: readonly string[] }>> = {
    mysql: { name: "require_secure_transport", on: ["1", "on"] },
    mariadb: { name: "require_secure_transport", on: ["1", "on"] },
    postgres: { name: "rds.force_ssl", on: ["1"] },
};

/**
 * Every RDS instance's parameter group makes the engine refuse connections without TLS, as
 * docs/data-protection.md promises: `require_secure_transport` 1 (or ON) for MySQL and MariaDB, `rds.force_ssl`
 * 1 for PostgreSQL (RDS User Guide: mysql-ssl-connections.require-ssl, "Requiring SSL/TLS for all
 * connections to a MySQL DB instance", OFF by default up to MySQL 8.4; PostgreSQL.Concepts.General.SSL,
 * "Requiring an SSL connection to a PostgreSQL DB instance", rds.force_ssl 0 by default). The group is
 * found by the instance's parameterGroupName, by value or by the dependency the program recorded; an
 * instance on the engine's default group or on a group the stack does not create is refused.
 */
export const rdsRequiresTls: LaunchpadStackPolicy = {
    name: "rds-requires-tls",
    description: "Every RDS instance's parameter group requires TLS (require_secure_transport 1 (ON) for MySQL, rds.force_ssl 1 for PostgreSQL).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const db of resourcesOfType(args.resources, "aws:rds/instance:Instance")) {
            const engine = typeof db.props.engine === "string" ? db.props.engine.toLowerCase() : "";
            const tls = TLS_PARAMETER[engine];
            if (tls === undefined) continue;
            const groups = resourcesOfType(args.resources, "aws:rds/parameterGroup:ParameterGroup").filter((g) => refersTo(db, "parameterGroupName", g, () => g.props.name));
            const need = `${tls.name} = ${tls.on[0]}`;
            if (groups.length === 0) {
                const named: unknown = db.props.parameterGroupName;
                report(
                    `RDS instance ${db.name} ${typeof named === "string" ? `uses parameter group ${JSON.stringify(named)}, which the stack does not create, so nothing shows that it` : "uses the engine's default parameter group, which does not"} require TLS: give it a parameter group with ${need}.`,
                    db.urn,
                );
                continue;
            }
            for (const g of groups) {
                const p = arr(g.props.parameters).map(rec).find((x) => typeof x.name === "string" && x.name.toLowerCase() === tls.name);
                const value = p === undefined ? undefined : String(p.value).trim().toLowerCase();
                if (value === undefined || !tls.on.includes(value)) {
                    report(`RDS instance ${db.name} accepts connections without TLS: its parameter group ${g.name} ${p === undefined ? `does not set ${tls.name}` : `sets ${tls.name} to ${JSON.stringify(p.value)}`}; set ${need}.`, db.urn);
                }
            }
        }
    },
};

/**
 * Condition keys whose fixed values make an S3 bucket policy statement non-public, as S3 itself
 * judges it ("Amazon S3 considers a bucket policy public unless at least one of the following
 * conditions is true": AWS SDK for .NET, PublicAccessBlockConfiguration, quoting the S3 User Guide's
 * "The meaning of public"); `aws:SourceIp` counts separately, as a set of CIDRs.
 */
const S3_FIXING_KEYS = ["aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount", "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid"];

/**
 * True when the statement's Condition limits it as S3 requires of a non-public policy: `aws:SourceIp`
 * under `IpAddress` to CIDRs that do not cover either address family, or a fixing key under a positive
 * operator to values without wildcards or policy variables (`aws:userid` outside `AROLEID:*`).
 */
function limitsToFixedCallers(condition: unknown): boolean {
    return Object.entries(rec(condition)).some(([operator, keys]) =>
        Object.entries(rec(keys)).some(([key, values]) => {
            const list = Array.isArray(values) ? (values as unknown[]) : [values];
            const texts = list.every((v): v is string => typeof v === "string" && v !== "") ? list : [];
            if (texts.length === 0) return false;
            if (key.toLowerCase() === "aws:sourceip") return operator === "IpAddress" && texts.every((t) => parseRange(t) !== undefined) && openToEveryone(texts).length === 0;
            return BINDING_OPERATORS.includes(operator) && S3_FIXING_KEYS.includes(key.toLowerCase()) && texts.every((v) => !/[*?]|\$\{/.test(v));
        }),
    );
}

/**
 * A bucket policy grants nothing to everyone. The public access block (s3-public-access-blocked)
 * makes S3 refuse such a policy at PutBucketPolicy, so `pulumi up` would fail rather than expose the
 * bucket, but the pack judges what the policy is: a plan whose policy is public is refused here, with
 * the statement named, not by AWS halfway through an update. A condition that always holds (Bool
 * aws:SecureTransport, StringLike aws:UserAgent "*", IpAddress aws:SourceIp 0.0.0.0/0) limits nothing.
 */
export const s3BucketPolicyNotPublic: LaunchpadResourcePolicy = {
    name: "s3-bucket-policy-not-public",
    description: "No S3 bucket policy allows anything to Principal \"*\" unless a condition limits it as S3 requires of a non-public policy (fixed aws:SourceArn, aws:SourceVpc(e), aws:SourceAccount, ... or aws:SourceIp CIDRs).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== T.policy && args.type !== T.bucket) return;
        const policy: unknown = args.props.policy;
        if (policy === undefined || policy === null || policy === "") return;
        const grants = publicGrants(policy, limitsToFixedCallers);
        if (grants === undefined) {
            report(`S3 bucket policy of ${args.name} is not a JSON policy document this policy can read, so it may grant to everyone: write it as JSON.`);
        } else if (grants.length > 0) {
            report(
                `S3 bucket policy of ${args.name} allows ${listText(grants)} to Principal "*" with no condition that limits it to fixed callers (aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceAccount, aws:SourceOwner or aws:userid without wildcards, or aws:SourceIp CIDRs short of the whole address space): the bucket would be public; name the principals instead.`,
            );
        }
    },
};

export const DATA_PROTECTION_POLICIES = [
    s3BucketPolicyNotPublic,
    rdsRequiresTls,
    kmsKeyRotation,
    kmsKeyPolicyNotPublic,
    rdsEncryptedWithCmk,
    rdsNotPublic,
    rdsBackupRetention,
    rdsProductionResilience,
    s3PublicAccessBlocked,
    s3SseKms,
    s3TlsOnly,
    s3MinTls12,
    s3Versioning,
    s3BackupObjectLock,
    s3BackupReplication,
    s3BackupLifecycle,
    backupPlanCoverage,
    rdsDrReplication,
    backupVaultLock,
    backupPlanSelectsDatabase,
] as const;
