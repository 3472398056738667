import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import {
    AWS_CLI_IMAGE,
    backupLabels,
    DB_IMAGE_UID,
    dumpContainers,
    type JobContainersArgs,
    LogicalBackup,
    recoveryMetricsContainers,
    verifyContainers,
    SCRIPTS_DIR,
    dumpPolicy,
    engineImage,
    RECOVERY_METRICS_SCHEDULE,
    recoveryMetricsPolicy,
    verifyPolicy,
} from "../components/logical-backup";
import { loadConfig } from "../config";
import { serviceAccountTrustPolicy } from "../lib/iam";
import { validateKubernetesObject } from "./support/k8s-schema";
import { input, named, ofType, planStack, type Plan } from "./support/plan";

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
                engine: config.database.engine,
                engineVersion: config.database.engineVersion,
                databaseName: config.database.name,
                criticalTables: config.database.criticalTables,
                backup: config.backup,
                region: config.region,
                tags: config.tags,
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
            "dump.sh": readFileSync(join(SCRIPTS_DIR, "dump.sh"), "utf8"),
            "verify.sh": readFileSync(join(SCRIPTS_DIR, "verify.sh"), "utf8"),
            "dr-metrics.sh": readFileSync(join(SCRIPTS_DIR, "dr-metrics.sh"), "utf8"),
        });
    });

    it("dump in the engine's client image, then upload in the AWS CLI image, on the configured schedule", async () => {
        const plan = await planLogicalBackup("staging");
        const dump = named(plan, "lb-dump");
        expect(input(dump, "spec.schedule")).toBe("15 2 * * *");
        expect(input(dump, "spec.concurrencyPolicy")).toBe("Forbid");
        expect(input(dump, "spec.timeZone")).toBe("Etc/UTC");
        const pod = podSpec(dump);
        expect(pod.serviceAccountName).toBe("lb-dump");
        expect(pod.initContainers.map((c) => [c.name, c.image, c.command])).toEqual([["dump", engineImage("mysql", "8.4"), ["bash", "/scripts/dump.sh", "dump"]]]);
        expect(pod.containers.map((c) => [c.name, c.image, c.command])).toEqual([["upload", AWS_CLI_IMAGE, ["bash", "/scripts/dump.sh", "upload"]]]);
        const env = Object.fromEntries(pod.initContainers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(env).toEqual({
            WORK_DIR: "/work",
            HOME: "/tmp",
            DB_ENGINE: "mysql",
            DB_NAME: "app",
            BACKUP_BUCKET: "launchpad-staging-backups",
            AWS_REGION: "us-east-1",
            WEEKLY_DAY: "7",
            DB_HOST: { secretKeyRef: { name: "db-connection", key: "host" } },
            DB_PORT: { secretKeyRef: { name: "db-connection", key: "port" } },
            DB_USER: { secretKeyRef: { name: "db-connection", key: "username" } },
            DB_PASSWORD: { secretKeyRef: { name: "db-connection", key: "password" } },
        });
        // The upload container never sees the database password.
        expect(pod.containers[0].env.map((e) => e.name)).toEqual(["WORK_DIR", "HOME", "DB_ENGINE", "DB_NAME", "BACKUP_BUCKET", "AWS_REGION"]);
    });

    it("verify: fetch in the AWS CLI image, restore into a throw-away server of the same engine, check the critical tables", async () => {
        const plan = await planLogicalBackup("production", ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="16.4"']);
        const pod = podSpec(named(plan, "lb-verify"));
        expect(input(named(plan, "lb-verify"), "spec.schedule")).toBe("45 4 * * *");
        expect(pod.initContainers.map((c) => [c.name, c.image])).toEqual([["fetch", AWS_CLI_IMAGE]]);
        expect(pod.containers.map((c) => [c.name, c.image])).toEqual([["restore", "public.ecr.aws/docker/library/postgres:16.6"]]);
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

    it("let the dump only write under the tier prefixes, and verify only read daily dumps", async () => {
        const plan = await planLogicalBackup("staging");
        expect(JSON.parse(input(named(plan, "lb-dump-policy"), "policy") as string)).toEqual(dumpPolicy(BUCKET_ARN, KEY_ARN));
        expect(dumpPolicy(BUCKET_ARN, KEY_ARN)).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["daily", "weekly", "monthly", "yearly"].map((t) => `${BUCKET_ARN}/${t}/*`) },
                { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], Resource: [KEY_ARN] },
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
        ["postgres", "16", "public.ecr.aws/docker/library/postgres:16.6"],
        ["postgres", "17.2", "public.ecr.aws/docker/library/postgres:17.11"],
    ] as const)("%s %s -> %s", (engine, version, image) => {
        expect(engineImage(engine, version)).toBe(image);
    });

    it("refuses a version it has no pinned image for, as a ResourceError", () => {
        expect(() => engineImage("postgres", "12")).toThrow("no pinned postgres image for version 12 (known: 14, 15, 16, 17)");
        expect(() => engineImage("postgres", "12")).toThrow(pulumi.ResourceError);
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
        expect(Object.keys(env).sort()).toEqual(["AWS_REGION", "DB_INSTANCE_ID", "DR_BACKUPS_ARN", "DR_REGION", "HOME", "PUSHGATEWAY_URL", "RESTORE_TESTING_PLAN_ARN", "WORK_DIR"]);
        expect([env.AWS_REGION, env.DR_REGION, env.PUSHGATEWAY_URL]).toEqual(["us-east-1", "us-west-2", "http://pushgateway.launchpad-production.svc.cluster.local:9091"]);
        expect(() => validateKubernetesObject(job)).not.toThrow();
    });

    it("staging replicates no backups to the DR region: no DR variables, no DR permission", async () => {
        const plan = await planStack("staging");
        const pod = input(named(plan, "launchpad-staging-logical-backup-recovery-metrics"), "spec.jobTemplate.spec.template.spec") as { containers: { env: { name: string }[] }[] };
        expect(pod.containers[0].env.map((e) => e.name).filter((n) => n.startsWith("DR_"))).toEqual([]);
        const policy = JSON.parse(String(input(named(plan, "launchpad-staging-logical-backup-recovery-metrics-policy"), "policy"))) as { Statement: { Action: string[] }[] };
        expect(policy.Statement.flatMap((st) => st.Action)).toEqual(["rds:DescribeDBInstances", "cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs"]);
    });

    it("may only describe its instance and its replicated backups; the two read APIs without resource-level permissions get *", () => {
        const db = "arn:aws:rds:us-east-1:123456789012:db:launchpad-production-db";
        const dr = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-EXAMPLE";
        expect(recoveryMetricsPolicy(db, dr)).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["rds:DescribeDBInstances"], Resource: [db] },
                { Effect: "Allow", Action: ["rds:DescribeDBInstanceAutomatedBackups"], Resource: [dr] },
                { Effect: "Allow", Action: ["cloudwatch:GetMetricStatistics", "backup:ListRestoreJobs"], Resource: ["*"] },
            ],
        });
    });
});

describe("the job builders, called directly", () => {
    const JOBS: JobContainersArgs = {
        engine: "postgres",
        databaseName: "app",
        criticalTables: ["users", "orders"],
        bucketName: "b",
        region: "us-east-1",
        connectionSecretName: "db-connection",
        dbImage: "db:1",
        weeklyDay: 0,
    };
    const envOf = (c: { env?: unknown }) => Object.fromEntries((c.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    const names = (cs: unknown) => (cs as { name: string }[]).map((c) => c.name);

    it("labels every object with the instance it belongs to", () => {
        expect(backupLabels("lb")).toEqual({ "app.kubernetes.io/name": "launchpad-db-backup", "app.kubernetes.io/instance": "lb", "app.kubernetes.io/managed-by": "pulumi" });
    });

    it("dump: credentials only in the dump container, from the connection Secret; the upload has none", () => {
        const { initContainers, containers } = dumpContainers(JOBS);
        expect(names(initContainers)).toEqual(["dump"]);
        expect(names(containers)).toEqual(["upload"]);
        const dump = initContainers[0] as { image: string; env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]; securityContext: unknown };
        expect(dump.image).toBe("db:1");
        expect(dump.securityContext).toMatchObject({ runAsUser: DB_IMAGE_UID, runAsGroup: DB_IMAGE_UID });
        expect(dump.env.filter((e) => e.valueFrom !== undefined).map((e) => [e.name, e.valueFrom?.secretKeyRef.key]))
            .toEqual([["DB_HOST", "host"], ["DB_PORT", "port"], ["DB_USER", "username"], ["DB_PASSWORD", "password"]]);
        expect(envOf(dump)).toMatchObject({ DB_ENGINE: "postgres", DB_NAME: "app", BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", WEEKLY_DAY: "0" });
        expect(Object.keys(envOf(containers[0]))).toEqual(["WORK_DIR", "HOME", "DB_ENGINE", "DB_NAME", "BACKUP_BUCKET", "AWS_REGION"]);
    });

    it("verify without a Pushgateway: fetch, then restore as the last container; nothing pushes", () => {
        const { initContainers, containers } = verifyContainers(JOBS);
        expect(names(initContainers)).toEqual(["fetch"]);
        expect(names(containers)).toEqual(["restore"]);
        expect(envOf(containers[0]).CRITICAL_TABLES).toBe("users,orders");
        expect([...initContainers, ...containers].some((c) => "PUSHGATEWAY_URL" in envOf(c))).toBe(false);
    });

    it("verify with a Pushgateway: fetch and restore first, a report container after them; every container pushes", () => {
        const { initContainers, containers } = verifyContainers({ ...JOBS, pushgatewayUrl: "http://pg:9091" });
        expect(names(initContainers)).toEqual(["fetch", "restore"]);
        expect(names(containers)).toEqual(["report"]);
        expect([...initContainers, ...containers].map((c) => envOf(c).PUSHGATEWAY_URL)).toEqual(["http://pg:9091", "http://pg:9091", "http://pg:9091"]);
    });

    it("recovery metrics: DR variables only with a DR copy", () => {
        const targets = { dbInstanceIdentifier: "db", dbInstanceArn: "arn:db", restoreTestingPlanArn: "arn:plan" };
        const without = recoveryMetricsContainers("us-east-1", targets, "http://pg:9091");
        expect(without.initContainers).toEqual([]);
        expect(envOf(without.containers[0])).toEqual({ WORK_DIR: "/work", HOME: "/tmp", AWS_REGION: "us-east-1", DB_INSTANCE_ID: "db", RESTORE_TESTING_PLAN_ARN: "arn:plan", PUSHGATEWAY_URL: "http://pg:9091" });
        const withDr = recoveryMetricsContainers("us-east-1", { ...targets, dr: { region: "us-west-2", backupsArn: "arn:dr" } }, "http://pg:9091");
        expect(envOf(withDr.containers[0])).toMatchObject({ DR_REGION: "us-west-2", DR_BACKUPS_ARN: "arn:dr" });
    });
});
