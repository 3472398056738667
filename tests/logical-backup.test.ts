import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import {
    AUTONAME_SUFFIX_LENGTH,
    AWS_CLI_IMAGE,
    CRONJOB_NAME_MAX,
    DB_CLIENT_CALL_MAX_SECONDS,
    DB_CLIENT_KILL_GRACE_SECONDS,
    DB_CONNECT_TIMEOUT_SECONDS,
    DB_IMAGE_UID,
    DB_QUERY_TIMEOUT_SECONDS,
    DRILL_CHECK_DEADLINE_SECONDS,
    DRILL_CHECK_SCHEDULE,
    drillCheckContainers,
    drillCheckName,
    drillCheckPolicy,
    DUMP_CA_PATH,
    LogicalBackup,
    SCRIPTS_DIR,
    dumpJobContainers,
    dumpPolicy,
    engineImage,
    engineImageProblem,
    logicalBackupSettings,
    verifyJobContainers,
    RECOVERY_METRICS_SCHEDULE,
    recoveryMetricsCronJobName,
    recoveryMetricsDrEnv,
    recoveryMetricsPolicy,
    verifyPolicy,
} from "../components/logical-backup";
import { RESTORE_VALIDATION_WINDOW_HOURS } from "../components/backup-plan";
import { CONNECTION_SECRET_NAME } from "../components/database";
import { ConfigError, loadConfig } from "../config";
import { serviceAccountTrustPolicy } from "../lib/iam";
import { restrictedContainer } from "../lib/pod-security";
import { MAX_STACK_IDENTIFIER_LENGTH } from "../lib/stack-name";
import { validateKubernetesObject } from "./support/k8s-schema";
import { runPlan } from "../plan/engine";
import { accessPrincipalSets, govCloudSets, input, named, ofType, planProgram, planStack, type Plan } from "./support/plan";

const BUCKET_ARN = "arn:aws:s3:::launchpad-staging-backups";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-a444-555555555555";
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC";

/** The component alone, fed literal upstream values, through the one plan engine. */
function planLogicalBackup(stack: string, sets: string[] = []): Promise<Plan> {
    return planStack(stack, sets, {
        program: () => {
            const config = loadConfig();
            const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
            new LogicalBackup("lb", {
                ...logicalBackupSettings(config),
                bucketName: "launchpad-staging-backups",
                bucketArn: BUCKET_ARN,
                bucketKmsKeyArn: KEY_ARN,
                connectionSecretName: "db-connection",
                namespace: "launchpad-staging",
                k8sProvider: provider,
                oidcProviderArn: OIDC_ARN,
                oidcIssuerUrl: ISSUER,
            });
        },
    });
}

type Container = { name: string; image: string; command: string[]; env: { name: string; value?: string; valueFrom?: unknown }[]; securityContext: unknown };

function podSpec(cronJob: { inputs: Record<string, unknown> }): { initContainers: Container[]; containers: Container[]; serviceAccountName: string } {
    return (cronJob.inputs.spec as { jobTemplate: { spec: { template: { spec: ReturnType<typeof podSpec> } } } }).jobTemplate.spec.template.spec;
}

const RESTRICTED = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

describe("logical backup CronJobs", () => {
    it("ship the tested scripts, byte for byte, in a ConfigMap", async () => {
        const plan = await planLogicalBackup("staging");
        const cm = named(plan, "lb-scripts");
        expect(input(cm, "data")).toEqual({
            "lib.sh": readFileSync(join(SCRIPTS_DIR, "lib.sh"), "utf8"),
            "tables.sh": readFileSync(join(SCRIPTS_DIR, "tables.sh"), "utf8"),
            "dump.sh": readFileSync(join(SCRIPTS_DIR, "dump.sh"), "utf8"),
            "verify.sh": readFileSync(join(SCRIPTS_DIR, "verify.sh"), "utf8"),
            "dr-metrics.sh": readFileSync(join(SCRIPTS_DIR, "dr-metrics.sh"), "utf8"),
            "drill-check.sh": readFileSync(join(SCRIPTS_DIR, "drill-check.sh"), "utf8"),
        });
    });

    it("check for the day's complete dump and dump in the engine's client image, then upload in the AWS CLI image, on the configured schedule", async () => {
        const plan = await planLogicalBackup("staging");
        const dump = named(plan, "lb-dump");
        expect(input(dump, "spec.schedule")).toBe("15 2 * * *");
        expect(input(dump, "spec.concurrencyPolicy")).toBe("Forbid");
        expect(input(dump, "spec.timeZone")).toBe("Etc/UTC");
        const pod = podSpec(dump);
        expect(pod.serviceAccountName).toBe("lb-dump");
        expect(pod.initContainers.map((c) => [c.name, c.image, c.command])).toEqual([
            ["check", AWS_CLI_IMAGE, ["bash", "/scripts/dump.sh", "check"]],
            ["dump", engineImage("mysql", "8.4"), ["bash", "/scripts/dump.sh", "dump"]],
        ]);
        expect(pod.containers.map((c) => [c.name, c.image, c.command])).toEqual([["upload", AWS_CLI_IMAGE, ["bash", "/scripts/dump.sh", "upload"]]]);
        // The check never sees the database password either.
        expect(pod.initContainers[0].env.map((e) => e.name)).toEqual(["WORK_DIR", "HOME", "DB_ENGINE", "DB_NAME", "BACKUP_BUCKET", "AWS_REGION", "WEEKLY_DAY", "JOB_NAME", "DB_SSL_CA_URL", "DB_SSL_CA"]);
        const env = Object.fromEntries(pod.initContainers[1].env.map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(env).toEqual({
            WORK_DIR: "/work",
            HOME: "/tmp",
            DB_ENGINE: "mysql",
            DB_NAME: "app",
            BACKUP_BUCKET: "launchpad-staging-backups",
            AWS_REGION: "us-east-1",
            WEEKLY_DAY: "7",
            // The Job's name, the same in a retry's pod: dump.sh reads the scheduled day from it.
            JOB_NAME: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
            DB_HOST: { secretKeyRef: { name: "db-connection", key: "host" } },
            DB_PORT: { secretKeyRef: { name: "db-connection", key: "port" } },
            DB_USER: { secretKeyRef: { name: "db-connection", key: "username" } },
            DB_PASSWORD: { secretKeyRef: { name: "db-connection", key: "password" } },
            DB_SSL_CA: "/work/db-ca.pem",
        });
        // The upload container never sees the database password.
        expect(pod.containers[0].env.map((e) => e.name)).toEqual(["WORK_DIR", "HOME", "DB_ENGINE", "DB_NAME", "BACKUP_BUCKET", "AWS_REGION"]);
    });

    it("verify: fetch in the AWS CLI image, restore into a throw-away server of the same engine, check the critical tables", async () => {
        const plan = await planLogicalBackup("production", ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="16.4"']);
        const pod = podSpec(named(plan, "lb-verify"));
        expect(input(named(plan, "lb-verify"), "spec.schedule")).toBe("45 4 * * *");
        expect(pod.initContainers.map((c) => [c.name, c.image])).toEqual([["fetch", AWS_CLI_IMAGE]]);
        expect(pod.containers.map((c) => [c.name, c.image])).toEqual([["restore", "public.ecr.aws/docker/library/postgres:16.15"]]);
        expect(pod.containers[0].env.find((e) => e.name === "CRITICAL_TABLES")?.value).toBe("users,orders");
        expect(pod.containers[0].env.some((e) => e.name === "DB_PASSWORD")).toBe(false);
    });

    it("run every container under Pod Security 'restricted'", async () => {
        const plan = await planLogicalBackup("staging");
        for (const cj of ofType(plan, "kubernetes:batch/v1:CronJob")) {
            const pod = podSpec(cj);
            for (const c of [...pod.initContainers, ...pod.containers]) {
                expect(c.securityContext).toMatchObject(RESTRICTED);
            }
        }
        expect(ofType(plan, "kubernetes:batch/v1:CronJob")).toHaveLength(2);
    });

    // A managed node group update drains through the eviction API and does not read the autoscaler's
    // annotations (EKS user guide managed-node-update-behavior.adoc, upgrade phase); the evicted pod
    // gets the DisruptionTarget condition (kubernetes/website disruptions.md, "Pod disruption conditions").
    it("start a run again when a drain or node group update evicts its pod, without spending the one retry a real failure gets (batch/v1 PodFailurePolicyRule Ignore on DisruptionTarget)", async () => {
        const plan = await planStack("staging");
        const jobs = ofType(plan, "kubernetes:batch/v1:CronJob");
        expect(jobs.map((j) => j.name).sort()).toEqual(["launchpad-staging-logical-backup-drill", "launchpad-staging-logical-backup-dump", "launchpad-staging-logical-backup-recovery-metrics", "launchpad-staging-logical-backup-verify"]);
        for (const job of jobs) {
            expect(input(job, "spec.jobTemplate.spec.backoffLimit")).toBe(1);
            expect(input(job, "spec.jobTemplate.spec.podFailurePolicy")).toEqual({ rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });
            // The rule is valid only with restartPolicy Never (batch/v1 JobSpec.podFailurePolicy).
            expect(input(job, "spec.jobTemplate.spec.template.spec.restartPolicy")).toBe("Never");
        }
    });

    it("are valid Kubernetes objects, as are the ConfigMap and ServiceAccounts", async () => {
        const plan = await planLogicalBackup("staging");
        const objects = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(objects.map((r) => r.type).sort()).toEqual([
            "kubernetes:batch/v1:CronJob",
            "kubernetes:batch/v1:CronJob",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:core/v1:ServiceAccount",
        ]);
        for (const r of objects) {
            expect(() => validateKubernetesObject(r)).not.toThrow();
        }
    });

    it("the schema check catches a broken CronJob", async () => {
        const plan = await planLogicalBackup("staging");
        const dump = named(plan, "lb-dump");
        const broken = { ...dump, inputs: { ...dump.inputs, spec: { ...(dump.inputs.spec as object), schedule: 5 } } };
        expect(() => validateKubernetesObject(broken)).toThrow(/schedule must be string/);
    });
});

describe("least-privilege identities (IRSA)", () => {
    it("let only each job's service account assume its role", async () => {
        const plan = await planLogicalBackup("staging");
        const role = named(plan, "lb-dump-role");
        expect(JSON.parse(input(role, "assumeRolePolicy") as string)).toEqual(serviceAccountTrustPolicy(OIDC_ARN, ISSUER, "launchpad-staging", "lb-dump"));
        expect(serviceAccountTrustPolicy(OIDC_ARN, ISSUER, "ns", "sa")).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: OIDC_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ns:sa", "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com" } },
            }],
        });
        const sa = named(plan, "lb-dump-sa");
        expect(input(sa, "metadata.annotations")).toEqual({ "eks.amazonaws.com/role-arn": role.state.arn });
    });

    it("let the dump write under the tier prefixes, list them and read only daily dumps (a retry's server-side copy), and verify only read daily dumps", async () => {
        const plan = await planLogicalBackup("staging");
        expect(JSON.parse(input(named(plan, "lb-dump-policy"), "policy") as string)).toEqual(dumpPolicy(BUCKET_ARN, KEY_ARN));
        expect(dumpPolicy(BUCKET_ARN, KEY_ARN)).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: ["daily", "weekly", "monthly", "yearly"].map((t) => `${BUCKET_ARN}/${t}/*`) },
                { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [BUCKET_ARN], Condition: { StringLike: { "s3:prefix": ["daily/*", "weekly/*", "monthly/*", "yearly/*"] } } },
                { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectTagging"], Resource: [`${BUCKET_ARN}/daily/*`] },
                { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [KEY_ARN] },
            ],
        });
        expect(JSON.parse(input(named(plan, "lb-verify-policy"), "policy") as string)).toEqual(verifyPolicy(BUCKET_ARN, KEY_ARN));
        const actions = (verifyPolicy(BUCKET_ARN, KEY_ARN) as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action);
        expect(actions).toEqual(["s3:ListBucket", "s3:GetObject", "kms:Decrypt"]);
    });
});

describe("engine images", () => {
    it.each([
        ["mysql", "8.0", "public.ecr.aws/docker/library/mysql:8.0.40"],
        ["mysql", "8.0.39", "public.ecr.aws/docker/library/mysql:8.0.40"],
        ["mysql", "8.4", "public.ecr.aws/docker/library/mysql:8.4.11"],
        ["postgres", "16", "public.ecr.aws/docker/library/postgres:16.15"],
        ["postgres", "17.2", "public.ecr.aws/docker/library/postgres:17.11"],
        ["postgres", "18", "public.ecr.aws/docker/library/postgres:18.6"],
    ] as const)("%s %s -> %s", (engine, version, image) => {
        expect(engineImage(engine, version)).toBe(image);
    });

    it("refuses a version it has no pinned image for", () => {
        expect(() => engineImage("postgres", "12")).toThrow("no pinned postgres image for version 12 (known: 14, 15, 16, 17, 18)");
    });
});

describe("the recovery metrics CronJob (scripts/db/dr-metrics.sh)", () => {
    it("production: every 5 minutes in the AWS CLI image, reading this instance, its DR copy and its drill, pushing to the Pushgateway", async () => {
        const plan = await planStack("production");
        const job = named(plan, "launchpad-production-logical-backup-recovery-metrics");
        expect(input(job, "spec.schedule")).toBe(RECOVERY_METRICS_SCHEDULE);
        expect(input(job, "spec.concurrencyPolicy")).toBe("Forbid");
        type Container = { name: string; image: string; command: string[]; env: { name: string; value?: string }[] };
        const pod = input(job, "spec.jobTemplate.spec.template.spec") as { serviceAccountName: string; initContainers: unknown[]; containers: Container[] };
        expect(pod.serviceAccountName).toBe("launchpad-production-logical-backup-recovery-metrics");
        expect(pod.initContainers).toEqual([]);
        expect(pod.containers.map((c) => [c.name, c.image, c.command])).toEqual([["recovery-metrics", AWS_CLI_IMAGE, ["bash", "/scripts/dr-metrics.sh"]]]);
        const env = Object.fromEntries(pod.containers[0].env.map((e) => [e.name, e.value]));
        expect(Object.keys(env).sort()).toEqual(["AWS_REGION", "DB_INSTANCE_ID", "DR_BACKUPS_ARN", "DR_REGION", "DR_RESTORE_TESTING_PLAN_ARN", "HOME", "PUSHGATEWAY_URL", "RESTORE_TESTING_PLAN_ARN", "RESTORE_VALIDATION_WINDOW_HOURS", "WORK_DIR"]);
        expect([env.AWS_REGION, env.DR_REGION, env.PUSHGATEWAY_URL]).toEqual(["us-east-1", "us-west-2", "http://pushgateway.launchpad-production.svc.cluster.local:9091"]);
        expect(env.DR_RESTORE_TESTING_PLAN_ARN).toBe(named(plan, "launchpad-production-backup-plan-dr-restore-testing").state.arn);
        // A drill completed within this many hours and not yet validated is not finished (dr-metrics.sh).
        expect(env.RESTORE_VALIDATION_WINDOW_HOURS).toBe(String(RESTORE_VALIDATION_WINDOW_HOURS));
        expect(() => validateKubernetesObject(job)).not.toThrow();
    });

    it("staging replicates no backups to the DR region: only the DR drill's variables, no permission on replicated backups", async () => {
        const plan = await planStack("staging");
        const pod = input(named(plan, "launchpad-staging-logical-backup-recovery-metrics"), "spec.jobTemplate.spec.template.spec") as { containers: { env: { name: string }[] }[] };
        expect(pod.containers[0].env.map((e) => e.name).filter((n) => n.startsWith("DR_"))).toEqual(["DR_REGION", "DR_RESTORE_TESTING_PLAN_ARN"]);
        const policy = JSON.parse(String(input(named(plan, "launchpad-staging-logical-backup-metrics-policy"), "policy"))) as { Statement: { Action: string[] }[] };
        expect(policy.Statement.flatMap((st) => st.Action)).toEqual(["rds:DescribeDBInstances", "cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs", "backup:ListRestoreTestingPlans"]);
    });

    it("names the DR region once for the replicated backups and the DR drill, and refuses two different ones", () => {
        const drill = { region: "us-west-2", restoreTestingPlanArn: "arn:dr-plan" };
        expect(recoveryMetricsDrEnv({ dr: { region: "us-west-2", backupsArn: "arn:backups" }, drDrill: drill })).toEqual([
            { name: "DR_REGION", value: "us-west-2" },
            { name: "DR_BACKUPS_ARN", value: "arn:backups" },
            { name: "DR_RESTORE_TESTING_PLAN_ARN", value: "arn:dr-plan" },
        ]);
        expect(recoveryMetricsDrEnv({})).toEqual([]);
        expect(() => recoveryMetricsDrEnv({ dr: { region: "us-west-2", backupsArn: "arn:backups" }, drDrill: { ...drill, region: "eu-west-1" } })).toThrow(
            'recoveryMetrics.drDrill.region: received "eu-west-1"; expected the replicated backups\' region, "us-west-2"',
        );
    });

    it("may describe the DB instances of the drills' regions (a drill instance AWS Backup failed to delete, named by AWS Backup) and its replicated backups; the two read APIs without resource-level permissions get *", () => {
        const db = "arn:aws:rds:us-east-1:123456789012:db:launchpad-production-db";
        const dr = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-EXAMPLE";
        expect(recoveryMetricsPolicy(db, dr)).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: ["arn:aws:rds:us-east-1:123456789012:db:*"] },
                { Effect: "Allow", Action: ["rds:DescribeDBInstanceAutomatedBackups"], Resource: [dr] },
                { Effect: "Allow", Action: ["cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs"], Resource: ["*"] },
            ],
        });
        // With a DR drill, its region's instances and the plans' listing too (the DR plan's creation time): no resource type either.
        const withDrDrill = recoveryMetricsPolicy(db.replace(":aws:", ":aws-us-gov:").replace("us-east-1", "us-gov-west-1"), undefined, "us-gov-east-1") as { Statement: { Action: string[]; Resource: string[] }[] };
        expect(withDrDrill.Statement[0].Resource).toEqual(["arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:*", "arn:aws-us-gov:rds:us-gov-east-1:123456789012:db:*"]);
        expect(withDrDrill.Statement.at(-1)?.Action).toEqual(["cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs", "backup:ListRestoreTestingPlans"]);
    });
});

describe("the restore drill check CronJob (scripts/db/drill-check.sh)", () => {
    type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
    it.each(["staging", "production"])("%s: every 30 minutes, finds the drill's restores (AWS CLI), checks them as the master user (the engine's client image), reports to AWS Backup", async (stack) => {
        const plan = await planStack(stack);
        const name = drillCheckName(`launchpad-${stack}-logical-backup`);
        const job = named(plan, name);
        expect([input(job, "metadata.name"), input(job, "spec.schedule"), input(job, "spec.concurrencyPolicy")]).toEqual([name, DRILL_CHECK_SCHEDULE, "Forbid"]);
        expect(DRILL_CHECK_SCHEDULE).toBe("*/30 * * * *");
        const pod = podSpec(job);
        expect(pod.serviceAccountName).toBe(name);
        const db = named(plan, `launchpad-${stack}-database-instance`);
        const dbImage = engineImage(String(input(db, "engine")) as "mysql" | "postgres", String(input(db, "engineVersion")));
        expect([...pod.initContainers, ...pod.containers].map((c) => [c.name, c.image, c.command])).toEqual([
            ["find", AWS_CLI_IMAGE, ["bash", "/scripts/drill-check.sh", "find"]],
            ["check", dbImage, ["bash", "/scripts/drill-check.sh", "check"]],
            ["report", AWS_CLI_IMAGE, ["bash", "/scripts/drill-check.sh", "report"]],
        ]);
        const env = (c: Container) => Object.fromEntries((c.env as Env[]).map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]));
        const [find, check] = pod.initContainers.map(env) as Record<string, string>[];
        // The drill's own plan (the stack's restore testing plan), its validation window, the partition's CA bundle into the shared emptyDir.
        expect(find.RESTORE_TESTING_PLAN_ARN).toBe(String(named(plan, `launchpad-${stack}-backup-plan-restore-testing`).arn));
        expect([find.RESTORE_VALIDATION_WINDOW_HOURS, find.DB_SSL_CA_URL, find.DB_SSL_CA, check.DB_SSL_CA]).toEqual([String(RESTORE_VALIDATION_WINDOW_HOURS), "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem", DUMP_CA_PATH, DUMP_CA_PATH]);
        // The master user's name and password from its connection Secret; the password never a plain value.
        expect([check.DB_USER, check.DB_PASSWORD]).toEqual([{ name: CONNECTION_SECRET_NAME, key: "username" }, { name: CONNECTION_SECRET_NAME, key: "password" }]);
        expect(pod.containers.map(env)).toEqual([{ WORK_DIR: "/work", HOME: "/tmp", AWS_REGION: "us-east-1" }]);
        expect(pod.initContainers[1].securityContext).toEqual(restrictedContainer(DB_IMAGE_UID));
        expect(() => validateKubernetesObject(job)).not.toThrow();
        // Its own role: list and validate restore jobs, describe the account's instances in the region.
        const policy = JSON.parse(String(input(named(plan, `${name}-policy`), "policy"))) as object;
        const [, , , region, account] = find.RESTORE_TESTING_PLAN_ARN.split(":");
        expect(policy).toEqual(drillCheckPolicy(find.RESTORE_TESTING_PLAN_ARN));
        expect(JSON.stringify(policy)).toContain(`"arn:aws:rds:${region}:${account}:db:*"`);
    });

    it("may list and validate restore jobs (no resource-level permission: *) and describe DB instances of the plan's account and region only", () => {
        expect(drillCheckPolicy("arn:aws-us-gov:backup:us-gov-west-1:123456789012:restore-testing-plan:launchpad_production_restore_drill-abc")).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["backup:ListRestoreJobs", "backup:PutRestoreValidationResult"], Resource: ["*"] },
                { Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: ["arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:*"] },
            ],
        });
    });

    it("builds no check without a restore drill: the component alone plans no drill check", async () => {
        const plan = await planLogicalBackup("staging");
        expect(ofType(plan, "kubernetes:batch/v1:CronJob").map((c) => c.name).sort()).toEqual(["lb-dump", "lb-verify"]);
    });

    it("the check container takes the critical tables as the verify job does", () => {
        const c = drillCheckContainers({ engine: "postgres", databaseName: "app", region: "us-east-1", criticalTables: ["orders", "users"], connectionSecretName: "database-connection", dbImage: "postgres:16", restoreTestingPlanArn: "arn" });
        const check = c.initContainers[1].env as Env[];
        expect(check.find((e) => e.name === "CRITICAL_TABLES")?.value).toBe("orders,users");
        expect(check.find((e) => e.name === "DB_ENGINE")?.value).toBe("postgres");
        expect(check.filter((e) => e.name.endsWith("_TIMEOUT"))).toEqual([{ name: "DB_CONNECT_TIMEOUT", value: "15" }, { name: "DB_QUERY_TIMEOUT", value: "120" }]);
    });

    it("a stalled restored instance ends the check in its own error line, within 140 s of the call, well inside the Job's 600 s deadline", () => {
        expect(DB_CLIENT_CALL_MAX_SECONDS).toBe(DB_CONNECT_TIMEOUT_SECONDS + DB_QUERY_TIMEOUT_SECONDS + 5);
        expect(DB_CLIENT_CALL_MAX_SECONDS).toBeLessThan(DRILL_CHECK_DEADLINE_SECONDS / 4);
    });

    it("the bounds the Jobs pass are scripts/db/lib.sh's own defaults (a run by hand gets the same)", () => {
        const lib = readFileSync(join(SCRIPTS_DIR, "lib.sh"), "utf8");
        expect(lib).toContain(`connect_timeout=\${DB_CONNECT_TIMEOUT:-${DB_CONNECT_TIMEOUT_SECONDS}}`);
        expect(lib).toContain(`query_timeout=\${DB_QUERY_TIMEOUT:-${DB_QUERY_TIMEOUT_SECONDS}}`);
        expect(lib).toContain(`timeout --kill-after=${DB_CLIENT_KILL_GRACE_SECONDS} `);
    });
});

describe("job containers (pure builders the constructor delegates to)", () => {
    const parts = {
        engine: "postgres",
        databaseName: "app",
        bucketName: "b",
        region: "us-east-1",
        criticalTables: ["orders", "users"],
        connectionSecretName: "database-connection",
        backup: { weeklyDay: 7 },
        dbImage: "postgres:16",
    } as const;
    const common = Object.entries({ WORK_DIR: "/work", HOME: "/tmp", DB_ENGINE: "postgres", DB_NAME: "app", BACKUP_BUCKET: "b", AWS_REGION: "us-east-1" })
        .map(([name, value]) => ({ name, value }));
    const envOf = (c: { env?: unknown }) => c.env;

    it("dumps with the engine's image and the Secret's credentials, then uploads with the AWS CLI", () => {
        const jobs = dumpJobContainers(parts);
        expect(jobs.initContainers.map((c) => [c.name, c.image, c.command])).toEqual([
            ["check", "public.ecr.aws/aws-cli/aws-cli:2.22.35", ["bash", "/scripts/dump.sh", "check"]],
            ["dump", "postgres:16", ["bash", "/scripts/dump.sh", "dump"]],
        ]);
        const schedule = [{ name: "WEEKLY_DAY", value: "7" }, { name: "JOB_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }];
        // The check container downloads AWS's RDS bundle into the shared WORK_DIR (RDS User Guide,
        // UsingWithRDS.SSL, "Certificate bundles for all AWS Regions"); the dump verifies against it.
        expect(envOf(jobs.initContainers[0])).toEqual([...common, ...schedule,
            { name: "DB_SSL_CA_URL", value: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem" }, { name: "DB_SSL_CA", value: "/work/db-ca.pem" }]);
        expect(envOf(jobs.initContainers[1])).toEqual([
            ...common,
            ...schedule,
            ...[["DB_HOST", "host"], ["DB_PORT", "port"], ["DB_USER", "username"], ["DB_PASSWORD", "password"]].map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: "database-connection", key } } })),
            { name: "DB_SSL_CA", value: "/work/db-ca.pem" },
        ]);
        expect(jobs.containers.map((c) => [c.name, c.image])).toEqual([["upload", "public.ecr.aws/aws-cli/aws-cli:2.22.35"]]);
        expect(envOf(jobs.containers[0])).toEqual(common);
    });

    // RDS User Guide, UsingWithRDS.SSL (awsdocs/amazon-rds-user-guide f2e9ed35): "AWS GovCloud (US)
    // certificates" has a bundle of its own; China's and the European Sovereign Cloud's documentation
    // names none Launchpad could read, so no download there, and dump.sh refuses to dump without a bundle.
    it.each([
        ["us-gov-west-1", "https://truststore.pki.us-gov-west-1.rds.amazonaws.com/global/global-bundle.pem"],
        ["cn-north-1", undefined],
    ])("in %s the check container downloads the partition's bundle, or none where none is known", (region, url) => {
        const check = envOf(dumpJobContainers({ ...parts, region }).initContainers[0]) as { name: string; value?: string }[];
        expect(check.filter((e) => e.name.startsWith("DB_SSL_CA"))).toEqual([...(url !== undefined ? [{ name: "DB_SSL_CA_URL", value: url }] : []), { name: "DB_SSL_CA", value: "/work/db-ca.pem" }]);
    });

    it("a stack with a database in China must name its CA bundle (a config error, not pods and dumps that fail at pulumi up); named, the dump and the services' db-ca init containers download it; GovCloud and an existing cluster without a database need none", async () => {
        const china = ["aws:region=cn-north-1", "launchpad:drRegion=cn-northwest-1", ...accessPrincipalSets("staging", "aws-cn")];
        const err: unknown = await planStack("staging", china).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([
            'launchpad:database.caBundleUrl: received nothing; expected the https:// address of the RDS CA bundle for partition aws-cn (aws:region "cn-north-1"), ' +
                "which Launchpad does not know (config/region.ts RDS_CA_BUNDLE_URLS: aws, aws-us-gov): the services' db-ca init containers and the logical dumps " +
                'verify the database\'s certificate against it, and would fail without it (docs/data-protection.md, "The data layer")',
        ]);
        const url = "https://ca.shop.internal/rds-cn-bundle.pem";
        const named = await planStack("staging", [...china, `launchpad:database.caBundleUrl=${url}`]);
        const dump = ofType(named, "kubernetes:batch/v1:CronJob").find((c) => podSpec(c).initContainers.some((x) => x.name === "check"));
        expect(podSpec(dump!).initContainers[0].env.filter((e) => e.name.startsWith("DB_SSL"))).toEqual([{ name: "DB_SSL_CA_URL", value: url }, { name: "DB_SSL_CA", value: "/work/db-ca.pem" }]);
        const apps = ofType(named, "kubernetes:apps/v1:Deployment").map((d) => (input(d, "spec.template.spec.initContainers") as Container[]).find((x) => x.name === "db-ca"));
        expect(apps.map((c) => c?.env.find((e) => e.name === "DB_SSL_CA_URL")?.value)).toEqual([url, url]);
        // GovCloud has a bundle of its own; a stack there may still name another.
        const gov = await planStack("staging", govCloudSets("staging"));
        expect(gov.log.filter((l) => l.includes("RDS CA bundle"))).toEqual([]);
        const existing = await runPlan({
            stack: "staging",
            sets: [...china, "launchpad:observability.prometheusUrl=https://prometheus.shop.internal"],
            secretSets: [`launchpad:cluster.kubeconfig=${JSON.stringify("apiVersion: v1\nclusters: [{name: shop, cluster: {server: \"https://shop.k8s.internal\"}}]\n")}`],
        });
        expect(ofType(existing, "aws:rds/instance:Instance")).toEqual([]);
    });

    it("verifies by fetch then restore; with a Pushgateway a report container follows and every container gets its URL", () => {
        const plain = verifyJobContainers(parts);
        expect([plain.initContainers.map((c) => c.name), plain.containers.map((c) => c.name)]).toEqual([["fetch"], ["restore"]]);
        expect(envOf(plain.containers[0])).toEqual([...common, { name: "CRITICAL_TABLES", value: "orders,users" }]);
        const pushed = verifyJobContainers({ ...parts, pushgatewayUrl: "http://pg:9091" });
        expect([pushed.initContainers.map((c) => c.name), pushed.containers.map((c) => c.name)]).toEqual([["fetch", "restore"], ["report"]]);
        for (const c of [...pushed.initContainers, ...pushed.containers]) {
            expect(envOf(c)).toContainEqual({ name: "PUSHGATEWAY_URL", value: "http://pg:9091" });
        }
    });

    it("names the missing pin before any image is looked up", () => {
        expect(engineImageProblem("postgres", "16.4")).toBeUndefined();
        expect(engineImageProblem("postgres", "12")).toBe("no pinned postgres image for version 12 (known: 14, 15, 16, 17, 18)");
    });

    it("fails as a ResourceError of the component for a version with no pinned image", async () => {
        const program = () => {
            new LogicalBackup("lb", { engine: "postgres", engineVersion: "12" } as unknown as ConstructorParameters<typeof LogicalBackup>[1]);
            return {};
        };
        await expect(planProgram(program, "staging")).rejects.toThrow("LogicalBackup lb: no pinned postgres image for version 12 (known: 14, 15, 16, 17, 18)");
    });
});

describe("CronJob names the API server accepts (at most 52 characters)", () => {
    // The name Kubernetes receives: the explicit one, else pulumi-kubernetes' auto-name.
    const kubernetesName = (r: Plan["resources"][number]): string =>
        (input(r, "metadata.name") as string | undefined) ?? `${r.name}-${"x".repeat(AUTONAME_SUFFIX_LENGTH - 1)}`;

    it.each(["staging", "production"])("%s: every CronJob of the plan", async (stack) => {
        const names = ofType(await planStack(stack), "kubernetes:batch/v1:CronJob").map(kubernetesName);
        expect(names).toHaveLength(4);
        expect(names.filter((n) => n.length > CRONJOB_NAME_MAX)).toEqual([]);
        expect(names).toContain(`launchpad-${stack}-logical-backup-metrics`);
        expect(names).toContain(`launchpad-${stack}-logical-backup-drill`);
    });

    it("the longest stack identifier still fits: dump and verify auto-named, the recovery metrics and drill check jobs named", () => {
        const component = `${"x".repeat(MAX_STACK_IDENTIFIER_LENGTH)}-logical-backup`;
        const lengths = [`${component}-dump`.length + AUTONAME_SUFFIX_LENGTH, `${component}-verify`.length + AUTONAME_SUFFIX_LENGTH, recoveryMetricsCronJobName(component).length, drillCheckName(component).length];
        expect(lengths).toEqual([50, 52, 44, 42]);
        // What the recovery metrics job was before: auto-named from its resource name, refused on create.
        expect(`launchpad-production-logical-backup-recovery-metrics`.length + AUTONAME_SUFFIX_LENGTH).toBeGreaterThan(CRONJOB_NAME_MAX);
    });
});

describe("the environment contract between the backup jobs and scripts/db/*.sh", () => {
    // The variable names are spelled twice, in the component and in each script; a name the
    // component misspells is either a `require_env` failure at 02:00 or, for an optional one
    // (PUSHGATEWAY_URL), a silent loss of the metrics the backup alerts read. Both sides are read
    // here: each phase's `require_env` calls (`phase_<name>()` in dump.sh and verify.sh, the
    // unconditional one in dr-metrics.sh) and every `$NAME` / `${NAME` the script and lib.sh read.
    const script = (file: string): string => readFileSync(join(SCRIPTS_DIR, file), "utf8");
    const lib = script("lib.sh") + script("tables.sh");

    /** The variables `require_env` demands in a phase of the script (or, without a phase, unconditionally). */
    function required(file: string, phase: string | undefined): string[] {
        const text = script(file);
        const body = phase === undefined ? text : [...text.matchAll(/\nphase_(\w+)\(\) \{\n[\s\S]*?\n\}/g)].find((m) => m[1] === phase)?.[0];
        expect(body, `${file}: phase_${phase}()`).toBeDefined();
        return [...(body ?? "").matchAll(/^ {4}require_env ((?:[A-Z_]+ ?)+)$/gm)].flatMap((m) => m[1].trim().split(" "));
    }

    const reads = (file: string, name: string): boolean => new RegExp(`\\$\\{?${name}\\b`).test(script(file) + lib);

    it("each container sets every variable its script's phase requires, and only variables the scripts read", async () => {
        const plan = await planStack("production");
        const jobs = ofType(plan, "kubernetes:batch/v1:CronJob").filter((c) => c.name.startsWith("launchpad-production-logical-backup-"));
        const containers = jobs.flatMap((j) => [...(podSpec(j).initContainers ?? []), ...podSpec(j).containers]);
        expect(containers.map((c) => c.name).sort()).toEqual(["check", "check", "dump", "fetch", "find", "recovery-metrics", "report", "report", "restore", "upload"]);
        const problems: string[] = [];
        for (const c of containers) {
            const [, path, phase] = c.command;
            const file = path.replace("/scripts/", "");
            const set = c.env.map((e) => e.name);
            const needs = required(file, phase);
            expect(needs.length, `${c.name}: ${file} ${phase ?? ""} requires something`).toBeGreaterThan(0);
            problems.push(...needs.filter((n) => !set.includes(n)).map((n) => `${c.name}: ${file} ${phase ?? ""} requires ${n}, not set`));
            // Every container gets HOME and WORK_DIR on its writable mount (`container()`): HOME for the
            // AWS CLI and the database clients under a read-only root filesystem; WORK_DIR, which the
            // phases require, is unused by dr-metrics.sh.
            problems.push(...set.filter((n) => !["HOME", "WORK_DIR"].includes(n) && !reads(file, n)).map((n) => `${c.name}: sets ${n}, which ${file} never reads`));
        }
        expect(problems).toEqual([]);
    });

    it("catches a misspelled variable on either side (the check itself)", () => {
        expect(required("dump.sh", "dump")).toEqual(["DB_ENGINE", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSL_CA", "WORK_DIR"]);
        expect(required("dr-metrics.sh", undefined)).toEqual(["AWS_REGION", "DB_INSTANCE_ID", "PUSHGATEWAY_URL"]);
        expect(reads("dump.sh", "PUSHGATEWAY_URL")).toBe(true);
        expect(reads("dump.sh", "PUSHGATEWAY_ADDR")).toBe(false);
    });
});
