/**
 * What each workload of the plans really asks AWS, request by request, against the policy of the
 * role its service account is annotated with, evaluated as IAM evaluates it
 * (tests/support/iam-reference.ts `allows`). The requests come from the workloads' own code, cited
 * per test: the backup scripts (scripts/db/*.sh), the AWS CLI's transfer library for `aws s3 cp`,
 * and Fluent Bit's cloudwatch_logs output. The names in them (bucket, key, instance, backups ARN,
 * log groups) are the ones the plan hands the workload (its env, the bucket's encryption, the
 * cluster's name), so a role granted on the wrong key or prefix fails here, not in the first run.
 */
import { describe, expect, it } from "vitest";
import { restorePointExpiryPolicy, restorePointIdentifier } from "../components/restore-point";
import { LOADTEST_SERVICE_ACCOUNT } from "../loadtest/access";
import { allows, type PolicyDocument, type Request } from "./support/iam-reference";
import { input, named, ofType, planStack, type Plan } from "./support/plan";

/** The inline policy of the role a ServiceAccount is annotated with (components/irsa.ts). */
function policyOfServiceAccount(plan: Plan, serviceAccount: string): PolicyDocument {
    const sa = ofType(plan, "kubernetes:core/v1:ServiceAccount").filter((r) => input(r, "metadata.name") === serviceAccount);
    expect(sa).toHaveLength(1);
    const roleArn = (input(sa[0], "metadata.annotations") as Record<string, string>)["eks.amazonaws.com/role-arn"];
    const role = ofType(plan, "aws:iam/role:Role").filter((r) => r.arn === roleArn);
    expect(role).toHaveLength(1);
    const policies = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => input(p, "role") === role[0].id);
    expect(policies).toHaveLength(1);
    return JSON.parse(String(input(policies[0], "policy"))) as PolicyDocument;
}

/** The env a CronJob's container gets, by container name. */
function cronJobEnv(plan: Plan, name: string, container: string): Record<string, string> {
    const spec = input(named(plan, name), "spec.jobTemplate.spec.template.spec") as { initContainers?: Container[]; containers: Container[] };
    const c = [...(spec.initContainers ?? []), ...spec.containers].find((x) => x.name === container);
    return Object.fromEntries((c?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)]));
}
interface Container { name: string; env?: { name: string; value?: unknown }[] }

/** The KMS key S3 encrypts new objects of a bucket with (its default encryption). */
function bucketKey(plan: Plan, bucket: string): string {
    const config = ofType(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").filter((r) => input(r, "bucket") === bucket);
    expect(config).toHaveLength(1);
    return (input(config[0], "rules") as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[])[0].applyServerSideEncryptionByDefault.kmsMasterKeyId;
}

const denied = (doc: PolicyDocument, requests: readonly Request[]): Request[] => requests.filter((r) => !allows(doc, r));

describe.each(["staging", "production"])("%s: every AWS request of the backup jobs is allowed by their roles", (stack) => {
    const prefix = `launchpad-${stack}-logical-backup`;
    const day = "2026/12/06";

    it("the dump: list the day's prefix per tier, upload checksum and dump (in parts when large, aborted on failure), copy a complete daily dump to the other tiers", async () => {
        const plan = await planStack(stack);
        const env = cronJobEnv(plan, `${prefix}-dump`, "upload");
        const bucket = `arn:aws:s3:::${env.BACKUP_BUCKET}`;
        const key = bucketKey(plan, env.BACKUP_BUCKET);
        const file = `${env.DB_NAME}-20261206T020000Z.sql.gz`;
        const object = (tier: string, name = file) => `${bucket}/${tier}/${env.DB_NAME}/${day}/${name}`;
        const tiers = ["daily", "weekly", "monthly", "yearly"];
        const requests: Request[] = [
            // scripts/db/dump.sh find_complete_dump: list-objects-v2 --prefix "<tier>/<db>/<y>/<m>/<d>/".
            ...tiers.map((t) => ({ action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": `${t}/${env.DB_NAME}/${day}/` } })),
            // phase_upload: the .sha256 (PutObject), then the dump; SSE-KMS by the bucket's default key.
            ...tiers.flatMap((t) => [{ action: "s3:PutObject", resource: object(t, `${file}.sha256`) }, { action: "s3:PutObject", resource: object(t) }]),
            { action: "kms:GenerateDataKey", resource: key },
            // A large dump: Create/UploadPart/CompleteMultipartUpload are s3:PutObject, Abort is
            // s3:AbortMultipartUpload (S3 User Guide, mpuoverview "Multipart upload API and
            // permissions"); the parts of an SSE-KMS upload need kms:Decrypt (AWS re:Post knowledge
            // center s3-large-file-encryption-kms-key); a failure aborts it (boto/s3transfer tasks.py
            // CreateMultipartUploadTask).
            { action: "kms:Decrypt", resource: key },
            ...tiers.map((t) => ({ action: "s3:AbortMultipartUpload", resource: object(t) })),
            // A retry's server-side copy from daily/ (dump.sh phase_upload; CLI v2 copy-props default:
            // HeadObject + GetObjectTagging of the source, awscli/customizations/s3/subcommands.py).
            { action: "s3:GetObject", resource: object("daily") },
            { action: "s3:GetObjectTagging", resource: object("daily") },
        ];
        const policy = policyOfServiceAccount(plan, `${prefix}-dump`);
        expect(denied(policy, requests)).toEqual([]);
        // Nothing it does not do: no delete, no reading other tiers, no listing outside them, no other key.
        const refused: Request[] = [
            { action: "s3:DeleteObject", resource: object("daily") },
            { action: "s3:GetObject", resource: object("weekly") },
            { action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "" } },
            { action: "s3:PutObject", resource: `${bucket}/other/x` },
            { action: "kms:Encrypt", resource: key },
            { action: "kms:GenerateDataKey", resource: key.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000") },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });

    it("the verify job: list daily/<db>/ and download the newest dump and its checksum, nothing else", async () => {
        const plan = await planStack(stack);
        const env = cronJobEnv(plan, `${prefix}-verify`, "fetch");
        const bucket = `arn:aws:s3:::${env.BACKUP_BUCKET}`;
        const key = bucketKey(plan, env.BACKUP_BUCKET);
        const object = `${bucket}/daily/${env.DB_NAME}/${day}/${env.DB_NAME}-20261206T020000Z.sql.gz`;
        const policy = policyOfServiceAccount(plan, `${prefix}-verify`);
        expect(denied(policy, [
            // scripts/db/verify.sh: list-objects-v2 --prefix "${VERIFY_PREFIX:-daily/$DB_NAME/}", then
            // `aws s3 cp` down (HeadObject and ranged GetObject: s3:GetObject; the SSE-KMS object: kms:Decrypt).
            { action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": `daily/${env.DB_NAME}/` } },
            { action: "s3:GetObject", resource: object },
            { action: "s3:GetObject", resource: `${object}.sha256` },
            { action: "kms:Decrypt", resource: key },
        ])).toEqual([]);
        const refused: Request[] = [
            { action: "s3:PutObject", resource: object },
            { action: "s3:GetObject", resource: object.replace("/daily/", "/weekly/") },
            { action: "kms:GenerateDataKey", resource: key },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });

    it("the recovery metrics job: the calls of scripts/db/dr-metrics.sh on the instance, backups and plan its env names", async () => {
        const plan = await planStack(stack);
        const env = cronJobEnv(plan, `${prefix}-recovery-metrics`, "recovery-metrics");
        const account = /^arn:aws:backup:[^:]+:(\d{12}):/.exec(env.RESTORE_TESTING_PLAN_ARN)?.[1];
        const requests: Request[] = [
            { action: "rds:DescribeDBInstances", resource: `arn:aws:rds:${env.AWS_REGION}:${account}:db:${env.DB_INSTANCE_ID}` },
            { action: "cloudwatch:GetMetricStatistics", resource: "*" },
            { action: "backup:ListRestoreJobs", resource: "*" },
            // undeleted_gauge: describe-db-instances of each drill job's CreatedResourceArn whose deletion failed (an instance AWS Backup named).
            { action: "rds:DescribeDBInstances", resource: `arn:aws:rds:${env.AWS_REGION}:${account}:db:awsbackup-restore-test-8c2d1e` },
            ...(env.DR_BACKUPS_ARN === undefined ? [] : [{ action: "rds:DescribeDBInstanceAutomatedBackups", resource: env.DR_BACKUPS_ARN }]),
        ];
        expect(requests.length).toBe(stack === "production" ? 5 : 4);
        const policy = policyOfServiceAccount(plan, `${prefix}-recovery-metrics`);
        expect(denied(policy, requests)).toEqual([]);
        const refused: Request[] = [
            { action: "rds:DescribeDBInstances", resource: `arn:aws:rds:eu-central-1:${account}:db:other` },
            { action: "rds:ModifyDBInstance", resource: `arn:aws:rds:${env.AWS_REGION}:${account}:db:${env.DB_INSTANCE_ID}` },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });

    it("the restore drill check: the calls of scripts/db/drill-check.sh on the drill's restore jobs and restored instance", async () => {
        const plan = await planStack(stack);
        const env = cronJobEnv(plan, `${prefix}-drill`, "find");
        const account = /^arn:aws:backup:[^:]+:(\d{12}):/.exec(env.RESTORE_TESTING_PLAN_ARN)?.[1];
        const policy = policyOfServiceAccount(plan, `${prefix}-drill`);
        expect(denied(policy, [
            // phase_find: list-restore-jobs --by-restore-testing-plan-arn (ListRestoreJobs), then
            // describe-db-instances of each CreatedResourceArn (an instance AWS Backup named).
            { action: "backup:ListRestoreJobs", resource: "*" },
            { action: "rds:DescribeDBInstances", resource: `arn:aws:rds:${env.AWS_REGION}:${account}:db:awsbackup-restore-test-8c2d1e` },
            // phase_report: put-restore-validation-result.
            { action: "backup:PutRestoreValidationResult", resource: "*" },
        ])).toEqual([]);
        const refused: Request[] = [
            { action: "rds:DescribeDBInstances", resource: `arn:aws:rds:us-west-2:${account}:db:awsbackup-restore-test-8c2d1e` },
            { action: "rds:DeleteDBInstance", resource: `arn:aws:rds:${env.AWS_REGION}:${account}:db:awsbackup-restore-test-8c2d1e` },
            { action: "backup:StartRestoreJob", resource: "*" },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });
});

describe.each(["staging", "production"])("%s: Fluent Bit's cloudwatch_logs output", (stack) => {
    // fluent/fluent-bit plugins/out_cloudwatch_logs/cloudwatch_api.c: the output's only requests are
    // CreateLogGroup (auto_create_group), PutRetentionPolicy (log_retention_days), CreateLogStream
    // and PutLogEvents (its X-Amz-Target headers); the chart's values: components/platform.ts fluentBitValues.
    it("may create its namespace groups and their streams and write to them, in this cluster's groups only", async () => {
        const plan = await planStack(stack);
        const cluster = String(input(named(plan, `launchpad-${stack}-cluster-eks`), "name"));
        const account = /^arn:aws:iam::(\d{12}):/.exec(String(named(plan, `launchpad-${stack}-platform-fluent-bit-role`).arn))?.[1];
        const group = `arn:aws:logs:us-east-1:${account}:log-group:/aws/eks/${cluster}/containers/kube-system`;
        const stream = `${group}:log-stream:coredns-5d78c9869d-abcde.coredns`;
        const policy = policyOfServiceAccount(plan, "aws-for-fluent-bit");
        // Those four and nothing more.
        expect(policy.Statement.flatMap((st) => st.Action ?? []).sort()).toEqual(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutRetentionPolicy"]);
        expect(denied(policy, [
            { action: "logs:CreateLogGroup", resource: group },
            { action: "logs:PutRetentionPolicy", resource: group },
            { action: "logs:CreateLogStream", resource: stream },
            { action: "logs:PutLogEvents", resource: stream },
        ])).toEqual([]);
        const refused: Request[] = [
            { action: "logs:PutLogEvents", resource: stream.replace(`/aws/eks/${cluster}/`, "/aws/eks/other/") },
            { action: "logs:DeleteLogGroup", resource: group },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });
});

/** The inline policy of a role, found by its ARN (a role a service assumes, no ServiceAccount). */
function policyOfRole(plan: Plan, roleArn: string): PolicyDocument {
    const role = ofType(plan, "aws:iam/role:Role").filter((r) => r.arn === roleArn);
    expect(role).toHaveLength(1);
    const policies = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => input(p, "role") === role[0].id);
    expect(policies).toHaveLength(1);
    return JSON.parse(String(input(policies[0], "policy"))) as PolicyDocument;
}

describe.each(["staging", "production"])("%s: S3 replication of the backup bucket to the DR region", (stack) => {
    // What S3 does with the replication role (S3 User Guide, setting-repl-config-perm-overview and
    // replication-config-for-kms-objects): read the configuration and list the source; read each
    // version with its ACL, tags and (Object Lock) retention and legal hold; replicate object and
    // tags (no ReplicateDelete: delete markers are not replicated); decrypt through S3 in the source
    // region and encrypt through S3 in the DR region, the encryption context being the bucket's ARN
    // with S3 Bucket Keys (both buckets have them) or the object's without.
    it("is allowed every request, through S3 only, on these two buckets and keys", async () => {
        const plan = await planStack(stack);
        const replication = named(plan, `launchpad-${stack}-backup-storage-replication`);
        const sourceName = String(input(replication, "bucket"));
        const rule = (input(replication, "rules") as { destination: { bucket: string; encryptionConfiguration: { replicaKmsKeyId: string } }; deleteMarkerReplication: { status: string } }[])[0];
        expect(rule.deleteMarkerReplication.status).toBe("Disabled");
        const source = `arn:aws:s3:::${sourceName}`;
        const target = rule.destination.bucket;
        const sourceKey = bucketKey(plan, sourceName);
        const targetKey = rule.destination.encryptionConfiguration.replicaKmsKeyId;
        const [sourceRegion, targetRegion] = [sourceKey, targetKey].map((k) => k.split(":")[3]);
        const object = "daily/app/2026/12/06/app-20261206T020000Z.sql.gz";
        const policy = policyOfRole(plan, String(input(replication, "role")));
        const via = (region: string, arn: string) => ({ "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": arn });
        expect(denied(policy, [
            { action: "s3:GetReplicationConfiguration", resource: source },
            { action: "s3:ListBucket", resource: source },
            ...["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"]
                .map((action) => ({ action, resource: `${source}/${object}` })),
            { action: "s3:ReplicateObject", resource: `${target}/${object}` },
            { action: "s3:ReplicateTags", resource: `${target}/${object}` },
            { action: "kms:Decrypt", resource: sourceKey, context: via(sourceRegion, source) },
            { action: "kms:Decrypt", resource: sourceKey, context: via(sourceRegion, `${source}/${object}`) },
            { action: "kms:GenerateDataKey", resource: targetKey, context: via(targetRegion, target) },
            { action: "kms:Encrypt", resource: targetKey, context: via(targetRegion, `${target}/${object}`) },
            // S3 User Guide, replication-config-for-kms-objects, "S3 Bucket Keys and replication": with a
            // Bucket Key on the destination, S3 calls kms:Decrypt on the replica key to verify it.
            { action: "kms:Decrypt", resource: targetKey, context: via(targetRegion, target) },
        ])).toEqual([]);
        const refused: Request[] = [
            { action: "kms:Decrypt", resource: sourceKey, context: via(sourceRegion, "arn:aws:s3:::another-bucket") },
            { action: "kms:Decrypt", resource: sourceKey, context: { "kms:EncryptionContext:aws:s3:arn": source } },
            { action: "kms:Decrypt", resource: targetKey, context: via(targetRegion, "arn:aws:s3:::another-bucket") },
            { action: "kms:Decrypt", resource: targetKey, context: via(sourceRegion, target) },
            { action: "s3:ReplicateDelete", resource: `${target}/${object}` },
            { action: "s3:ReplicateObject", resource: `${source}/${object}` },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });
});

describe("staging: the load gate's queries to AMP", () => {
    // loadtest/server.ts: /api/v1/query and /api/v1/query_range only, both aps:QueryMetrics on the
    // workspace (Service Authorization Reference, Amazon Managed Service for Prometheus).
    it("may query this stack's workspace and nothing else", async () => {
        const plan = await planStack("staging");
        const workspace = String(named(plan, "launchpad-staging-observability-amp").arn);
        const policy = policyOfServiceAccount(plan, LOADTEST_SERVICE_ACCOUNT);
        expect(denied(policy, [{ action: "aps:QueryMetrics", resource: workspace }])).toEqual([]);
        const refused: Request[] = [
            { action: "aps:RemoteWrite", resource: workspace },
            { action: "aps:QueryMetrics", resource: workspace.replace(/ws-[0-9a-f-]+$/, "ws-00000000-0000-0000-0000-000000000000") },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });
});

describe("the restore points' expiry schedule (EventBridge Scheduler's universal target rds:deleteDBSnapshot)", () => {
    // The schedule deletes the snapshot named in its input (components/restore-point.ts): a restore
    // point of the database as the stack names it, or of an instance a restore renamed `<db>-r<hash>`.
    const db = "launchpad-production-db";
    const snapshot = (id: string) => `arn:aws:rds:us-east-1:111122223333:snapshot:${id}`;
    const policy = restorePointExpiryPolicy("aws", "us-east-1", "111122223333", db) as PolicyDocument;

    it("may delete this stack's restore points, before and after a restore renamed the instance", () => {
        expect(denied(policy, [
            { action: "rds:DeleteDBSnapshot", resource: snapshot(restorePointIdentifier(db, "api", "green", "3f2a1b")) },
            { action: "rds:DeleteDBSnapshot", resource: snapshot(restorePointIdentifier(`${db}-r9c8d7e`, "api", "blue", "3f2a1b")) },
        ])).toEqual([]);
    });

    it("and no other snapshot: another stack's, an automated one, or a manual one not named as a restore point", () => {
        const refused: Request[] = [
            { action: "rds:DeleteDBSnapshot", resource: snapshot(restorePointIdentifier("launchpad-staging-db", "api", "green", "3f2a1b")) },
            { action: "rds:DeleteDBSnapshot", resource: snapshot(`rds:${db}-2026-12-06-02-00`) },
            { action: "rds:DeleteDBSnapshot", resource: snapshot(`${db}-final`) },
        ];
        expect(denied(policy, refused)).toEqual(refused);
    });
});

describe("the evaluator itself", () => {
    const doc: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::b"], Condition: { StringLike: { "s3:prefix": ["daily/*"] } } },
            { Effect: "Allow", Action: ["S3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
            { Effect: "Deny", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/secret/*"] },
        ],
    };
    it.each([
        [{ action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "s3:prefix": "daily/x/" } }, true],
        [{ action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "S3:Prefix": "daily/" } }, true],
        [{ action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "s3:prefix": "Daily/x/" } }, false],
        [{ action: "s3:ListBucket", resource: "arn:aws:s3:::b" }, false],
        [{ action: "s3:getobject", resource: "arn:aws:s3:::b/x" }, true],
        [{ action: "s3:GetObject", resource: "arn:aws:s3:::B/x" }, false],
        [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/secret/x" }, false],
        [{ action: "s3:PutObject", resource: "arn:aws:s3:::b/x" }, false],
    ] as const)("%j allowed: %s", (request, expected) => {
        expect(allows(doc, request)).toBe(expected);
    });

    it("refuses to guess an operator it does not evaluate", () => {
        expect(() => allows({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { DateLessThan: { "aws:CurrentTime": "2030-01-01" } } }] }, { action: "s3:GetObject", resource: "arn:aws:s3:::b/x" }))
            .toThrow("condition operator DateLessThan is not evaluated here");
    });
});
