import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { BACKUP_PLAN_TAG_KEY } from "../components/backup-plan";
import {
    CONNECTION_SECRET_KEYS,
    Database,
    autoMinorVersionUpgrade,
    backupPlanTag,
    connectionSettings,
    databaseArgsProblems,
    databaseKeyPolicy,
    finalSnapshotIdentifier,
    finalSnapshotSettings,
    parameterGroupFamily,
    parameterGroupParameters,
    rdsLogGroupName,
    restoreArgs,
    restoreIgnoreChanges,
    instanceIgnoreChanges,
    AWS_BACKUP_OWNED_INPUTS,
    INSTANCE_TIMEOUTS,
    MASTER_PASSWORD_SPEC,
    connectionSecretArgs,
    instanceArgs,
    logGroupArgs,
    monitoringTrustPolicy,
    parameterGroupArgs,
    securityGroupArgs,
    type DbParameter,
} from "../components/database";
import { loadConfig } from "../config";
import { databaseInstanceIdentifier, rdsInstanceIdentifierProblem } from "../lib/stack-name";
import { govCloudSets, input, named, ofType, planProgram, type Plan, type PlannedResource } from "./support/plan";
import { changedPaths, planChanges } from "../plan/changes";
import type { Json } from "../plan/values";
import { REPO_ROOT } from "../plan/engine";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const VPC_ID = "vpc-0123456789abcdef0";
const SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"];
const CLUSTER_SG = "sg-0cccccccccccccc03";
const NAMESPACE = "launchpad-app";
const PIT_RESTORE = 'launchpad:database.restore={sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00Z"}';

/** Builds one Database from the stack's config with literal network ids, as the Environment will. */
function program() {
    return (): Record<string, unknown> => {
        const config = loadConfig();
        const awsProvider = new aws.Provider("test-aws", { region: config.region });
        const k8sProvider = new k8s.Provider("test-k8s", { kubeconfig: pulumi.secret("{}") });
        const db = new Database(`launchpad-${config.stack}-database`, {
            config: config.database,
            safety: config.safety,
            tags: config.tags,
            identifier: `launchpad-${config.stack}`,
            backupPlanName: `launchpad-${config.stack}`,
            vpcId: VPC_ID,
            privateSubnetIds: SUBNETS,
            clientSecurityGroupIds: [CLUSTER_SG],
            region: config.region,
            drRegion: config.drRegion,
            k8sProvider,
            namespace: NAMESPACE,
        }, { providers: [awsProvider] });
        return {
            instanceIdentifier: db.instanceIdentifier,
            arn: db.arn,
            endpoint: db.endpoint,
            address: db.address,
            port: db.port,
            engine: db.engine,
            kmsKeyArn: db.kmsKeyArn,
            securityGroupId: db.securityGroupId,
            connectionSecretName: db.connectionSecretName,
            drReplicationArn: db.drReplicationArn,
        };
    };
}

const PROGRAM = program();
/** One plan per stack and `--set` overrides, shared by the tests of this file. */
function plan(stack: string, sets: readonly string[] = []): Promise<Plan> {
    return planProgram(PROGRAM, stack, sets);
}

const BASE_TAGS = { project: "launchpad", "managed-by": "pulumi", "cost-center": "platform", owner: "team-platform" };
const tagsOf = (stack: string, name: string, extra: Record<string, string> = {}) => ({ ...BASE_TAGS, environment: stack, ...extra, Name: name });
const instanceOf = (p: Plan): PlannedResource => named(p, `launchpad-${p.stack}-database-instance`);
const stateOf = (p: Plan, name: string, key: string): unknown => named(p, name).state[key];

describe("database, staging", () => {
    it("creates an encrypted, private, IAM-auth MySQL 8.4 instance with 7 days of PITR and nothing that blocks a teardown", async () => {
        const p = await plan("staging");
        const key = named(p, "launchpad-staging-database-key");
        expect(instanceOf(p).inputs).toEqual({
            identifier: "launchpad-staging-db",
            engine: "mysql",
            engineVersion: "8.4",
            instanceClass: "db.t4g.medium",
            allocatedStorage: 50,
            maxAllocatedStorage: 200,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: key.state.arn,
            dbName: "app",
            username: "launchpad_admin",
            password: "[secret]",
            port: 3306,
            dbSubnetGroupName: stateOf(p, "launchpad-staging-database-subnets", "name"),
            vpcSecurityGroupIds: [stateOf(p, "launchpad-staging-database-sg", "id")],
            parameterGroupName: stateOf(p, "launchpad-staging-database-params", "name"),
            publiclyAccessible: false,
            iamDatabaseAuthenticationEnabled: true,
            multiAz: false,
            backupRetentionPeriod: 7,
            backupWindow: "03:00-03:30",
            maintenanceWindow: "sun:04:00-sun:05:00",
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: true,
            deletionProtection: false,
            skipFinalSnapshot: true,
            autoMinorVersionUpgrade: true,
            // A major upgrade is allowed, applied immediately only in the update that raises the major (majorUpgradeSettings).
            allowMajorVersionUpgrade: true,
            applyImmediately: false,
            enabledCloudwatchLogsExports: ["error", "slowquery"],
            databaseInsightsMode: "standard",
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.state.arn,
            performanceInsightsRetentionPeriod: 7,
            monitoringInterval: 60,
            monitoringRoleArn: stateOf(p, "launchpad-staging-database-monitoring-role", "arn"),
            tags: tagsOf("staging", "launchpad-staging-db", { "backup-plan": "launchpad-staging" }),
        });
        expect(instanceOf(p).options).toEqual({ ignoreChanges: ["backupRetentionPeriod", "backupWindow"], deleteBeforeReplace: false, customTimeouts: { create: "4h", update: "2h", delete: "2h" } });
    });

    it("protects nothing, takes no final snapshot and replicates nothing to the DR region", async () => {
        const p = await plan("staging");
        expect(p.resources.filter((r) => r.protect)).toEqual([]);
        expect(ofType(p, "random:index/randomId:RandomId")).toEqual([]);
        expect(ofType(p, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")).toEqual([]);
        expect(ofType(p, "aws:kms/key:Key").map((k) => [k.name, input(k, "deletionWindowInDays"), input(k, "enableKeyRotation")])).toEqual([
            ["launchpad-staging-database-key", 7, true],
        ]);
        expect(p.outputs.drReplicationArn).toBeUndefined();
    });

    it("creates exactly the expected children, each a child of the component", async () => {
        const p = await plan("staging");
        const component = named(p, "launchpad-staging-database");
        expect(component.type).toBe("launchpad:database:Database");
        const children = p.resources.filter((r) => r.parent === component.urn);
        expect(children.map((r) => r.name).sort()).toEqual([
            "launchpad-staging-database-app-connection",
            "launchpad-staging-database-app-password",
            "launchpad-staging-database-connection",
            "launchpad-staging-database-instance",
            "launchpad-staging-database-key",
            "launchpad-staging-database-key-alias",
            "launchpad-staging-database-log-error",
            "launchpad-staging-database-log-slowquery",
            "launchpad-staging-database-master-password",
            "launchpad-staging-database-monitoring-policy",
            "launchpad-staging-database-monitoring-role",
            "launchpad-staging-database-params",
            "launchpad-staging-database-sg",
            "launchpad-staging-database-subnets",
        ]);
        expect(p.resources.filter((r) => r.type.startsWith("aws:") && r.parent !== component.urn)).toEqual([]);
    });

    it("publishes every public output, none of them a credential", async () => {
        const p = await plan("staging");
        const instance = instanceOf(p);
        expect(p.outputs).toEqual({
            instanceIdentifier: "launchpad-staging-db",
            arn: "arn:aws:rds:us-east-1:123456789012:db:launchpad-staging-db",
            endpoint: `${instance.state.address as string}:3306`,
            address: instance.state.address,
            port: 3306,
            engine: "mysql",
            kmsKeyArn: stateOf(p, "launchpad-staging-database-key", "arn"),
            securityGroupId: stateOf(p, "launchpad-staging-database-sg", "id"),
            connectionSecretName: "database-connection",
        });
        expect(instance.state.address).toMatch(/^launchpad-staging-db\.c[0-9a-f]{11}\.us-east-1\.rds\.amazonaws\.com$/);
    });
});

describe("database, production", () => {
    it("turns on Multi-AZ, 35 days of PITR, kept automated backups, deletion protection and a unique final snapshot from the tier", async () => {
        const p = await plan("production");
        const instance = instanceOf(p);
        const suffix = named(p, "launchpad-production-database-final-snapshot-suffix");
        expect(input(suffix, "byteLength")).toBe(4);
        expect(input(suffix, "keepers")).toEqual({ instance: "launchpad-production-db", source: "null" });
        const fields = ["multiAz", "backupRetentionPeriod", "backupWindow", "copyTagsToSnapshot", "deleteAutomatedBackups", "deletionProtection", "skipFinalSnapshot", "finalSnapshotIdentifier", "instanceClass", "allocatedStorage", "maxAllocatedStorage"];
        expect(Object.fromEntries(fields.map((f) => [f, input(instance, f)]))).toEqual({
            multiAz: true,
            backupRetentionPeriod: 35,
            backupWindow: "03:00-03:30",
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: false,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: finalSnapshotIdentifier("launchpad-production-db", suffix.state.hex as string),
            instanceClass: "db.r6g.large",
            allocatedStorage: 200,
            maxAllocatedStorage: 1000,
        });
        expect(input(instance, "finalSnapshotIdentifier")).toMatch(/^launchpad-production-db-final-[0-9a-f]{8}$/);
    });

    it("protects exactly the stateful resources: the database, both keys and the DR backups", async () => {
        const p = await plan("production");
        expect(p.resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual([
            "launchpad-production-database-dr-backups",
            "launchpad-production-database-dr-key",
            "launchpad-production-database-instance",
            "launchpad-production-database-key",
        ]);
        expect(ofType(p, "aws:kms/key:Key").map((k) => input(k, "deletionWindowInDays"))).toEqual([30, 30]);
    });

    it("replicates automated backups and transaction logs to the DR region, encrypted with a key there, for the full window", async () => {
        const p = await plan("production");
        const drKey = named(p, "launchpad-production-database-dr-key");
        const replication = named(p, "launchpad-production-database-dr-backups");
        expect(drKey.inputs).toEqual({
            region: "us-west-2",
            description: "Replicated automated backups of RDS instance launchpad-production-db (from us-east-1)",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: tagsOf("production", "launchpad-production-database-dr-key"),
        });
        expect(drKey.state.arn).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\//);
        expect(replication.inputs).toEqual({
            region: "us-west-2",
            sourceDbInstanceArn: "arn:aws:rds:us-east-1:123456789012:db:launchpad-production-db",
            kmsKeyId: drKey.state.arn,
            retentionPeriod: 35,
        });
        expect(input(named(p, "launchpad-production-database-dr-key-alias"), "region")).toBe("us-west-2");
        expect(p.outputs.drReplicationArn).toBe(replication.state.id);
        expect(p.outputs.drReplicationArn).toMatch(/^arn:aws:rds:us-west-2:123456789012:auto-backup:ab-[0-9a-f]{38}$/);
    });

    it("keeps exported logs for the tier's retention", async () => {
        const p = await plan("production");
        expect(ofType(p, "aws:cloudwatch/logGroup:LogGroup").map((g) => [input(g, "name"), input(g, "retentionInDays")])).toEqual([
            ["/aws/rds/instance/launchpad-production-db/error", 365],
            ["/aws/rds/instance/launchpad-production-db/slowquery", 365],
        ]);
    });
});

describe("encryption", () => {
    it("uses the one rotating customer-managed key for storage, Performance Insights and every exported log", async () => {
        const p = await plan("staging");
        const key = named(p, "launchpad-staging-database-key");
        const instance = instanceOf(p);
        expect(input(key, "enableKeyRotation")).toBe(true);
        expect(input(instance, "storageEncrypted")).toBe(true);
        expect(input(instance, "kmsKeyId")).toBe(key.state.arn);
        expect(input(instance, "performanceInsightsKmsKeyId")).toBe(key.state.arn);
        expect(ofType(p, "aws:cloudwatch/logGroup:LogGroup").map((g) => [input(g, "name"), input(g, "kmsKeyId"), input(g, "retentionInDays")])).toEqual([
            ["/aws/rds/instance/launchpad-staging-db/error", key.state.arn, 30],
            ["/aws/rds/instance/launchpad-staging-db/slowquery", key.state.arn, 30],
        ]);
        expect(input(named(p, "launchpad-staging-database-key-alias"), "name")).toBe("alias/launchpad-staging-db");
    });

    it("lets CloudWatch Logs use the key for this stack's database's log groups only, fresh or restored", async () => {
        const p = await plan("staging");
        const policy = JSON.parse(String(input(named(p, "launchpad-staging-database-key"), "policy"))) as unknown;
        expect(policy).toEqual(databaseKeyPolicy({ partition: "aws", accountId: "123456789012", region: "us-east-1", identifier: "launchpad-staging" }));
        expect(databaseKeyPolicy({ partition: "aws", accountId: "123456789012", region: "us-east-1", identifier: "x" })).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Sid: "AccountAdministersThroughIam", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudWatchLogsForThisInstance",
                    Effect: "Allow",
                    Principal: { Service: "logs.us-east-1.amazonaws.com" },
                    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    Resource: "*",
                    Condition: {
                        ArnLike: {
                            "kms:EncryptionContext:aws:logs:arn": [
                                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/x-db/*",
                                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/x-db-r*/*",
                            ],
                        },
                    },
                },
            ],
        });
    });

    it("creates the log groups and the monitoring policy before the instance", async () => {
        const p = await plan("staging");
        expect(instanceOf(p).dependsOn).toEqual([
            named(p, "launchpad-staging-database-log-error").urn,
            named(p, "launchpad-staging-database-log-slowquery").urn,
            named(p, "launchpad-staging-database-monitoring-policy").urn,
        ]);
    });
});

describe("network isolation", () => {
    it("places the instance in its own subnet group of the private subnets only", async () => {
        const p = await plan("staging");
        expect(named(p, "launchpad-staging-database-subnets").inputs).toEqual({
            description: "Private subnets of RDS instance launchpad-staging-db",
            subnetIds: SUBNETS,
            tags: tagsOf("staging", "launchpad-staging-database-subnets"),
        });
        expect(input(instanceOf(p), "publiclyAccessible")).toBe(false);
    });

    it("admits only the cluster's security group on the engine port, and nothing from 0.0.0.0/0", async () => {
        const p = await plan("staging");
        const sg = named(p, "launchpad-staging-database-sg");
        expect(sg.inputs).toEqual({
            description: "RDS instance launchpad-staging-db: the engine port from the cluster only",
            vpcId: VPC_ID,
            ingress: [{ description: "mysql from the cluster", protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: [CLUSTER_SG] }],
            egress: [],
            tags: tagsOf("staging", "launchpad-staging-database-sg"),
        });
        expect(JSON.stringify(p.resources.map((r) => r.inputs))).not.toContain("0.0.0.0/0");
        expect(ofType(p, "aws:ec2/securityGroupRule:SecurityGroupRule")).toEqual([]);
        expect(ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual([]);
    });

    it("reports every argument problem at once: an identifier RDS refuses, no client security group, fewer than two private subnets", () => {
        expect(databaseArgsProblems({ clientSecurityGroupIds: [], privateSubnetIds: ["subnet-1"] }, "launchpad-stg--db")).toEqual([
            'DB instance identifier: received "launchpad-stg--db"; expected 1 to 63 letters, digits or single hyphens, a letter first and no hyphen last (RDS CreateDBInstance)',
            "clientSecurityGroupIds: received none; expected at least one security group (e.g. the EKS cluster security group), or nothing could reach the database",
            "privateSubnetIds: received 1 subnet(s); expected subnets in at least two AZs (an RDS subnet group needs two)",
        ]);
        expect(databaseArgsProblems({ clientSecurityGroupIds: [CLUSTER_SG], privateSubnetIds: SUBNETS }, "launchpad-staging-db")).toEqual([]);
        // Ids known only later are checked when they resolve.
        expect(databaseArgsProblems({ clientSecurityGroupIds: [CLUSTER_SG], privateSubnetIds: pulumi.output(["subnet-1"]) }, "launchpad-staging-db")).toEqual([]);
    });

    // RDS CreateDBInstance, DBInstanceIdentifier: 1 to 63 letters, digits or hyphens, a letter first,
    // no hyphen last, no two hyphens in a row (the AWS SDK reference cited in lib/stack-name.ts).
    it.each([
        ["launchpad-staging-db", true],
        [`a${"b".repeat(62)}`, true],
        [`a${"b".repeat(63)}`, false],
        ["1launchpad-db", false],
        ["launchpad-db-", false],
        ["launchpad--db", false],
        ["launchpad_db", false],
    ])("RDS accepts %s as an instance identifier: %s", (id, ok) => {
        expect(rdsInstanceIdentifierProblem(id) === undefined).toBe(ok);
    });
});

describe("engines", () => {
    it("requires TLS on MySQL through the parameter group of the engine's family", async () => {
        const p = await plan("staging");
        const params = named(p, "launchpad-staging-database-params");
        expect(input(params, "family")).toBe("mysql8.4");
        expect(input(params, "parameters")).toEqual([
            { name: "require_secure_transport", value: "1", applyMethod: "immediate" },
            { name: "slow_query_log", value: "1", applyMethod: "immediate" },
            { name: "long_query_time", value: "1", applyMethod: "immediate" },
            { name: "log_output", value: "FILE", applyMethod: "immediate" },
        ]);
    });

    it("runs PostgreSQL 16 on 5432 with rds.force_ssl=1 and the PostgreSQL log exports", async () => {
        const p = await plan("staging", ["launchpad:database.engine=postgres", "launchpad:database.engineVersion=\"16\""]);
        const instance = instanceOf(p);
        const params = named(p, "launchpad-staging-database-params");
        expect(input(params, "family")).toBe("postgres16");
        expect(input(params, "parameters")).toEqual([
            { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
            { name: "log_min_duration_statement", value: "1000", applyMethod: "immediate" },
        ]);
        expect([input(instance, "engine"), input(instance, "engineVersion"), input(instance, "port")]).toEqual(["postgres", "16", 5432]);
        expect(input(instance, "enabledCloudwatchLogsExports")).toEqual(["postgresql", "upgrade"]);
        expect(input(named(p, "launchpad-staging-database-sg"), "ingress")).toEqual([
            { description: "postgres from the cluster", protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [CLUSTER_SG] },
        ]);
        expect(ofType(p, "aws:cloudwatch/logGroup:LogGroup").map((g) => input(g, "name"))).toEqual([
            "/aws/rds/instance/launchpad-staging-db/postgresql",
            "/aws/rds/instance/launchpad-staging-db/upgrade",
        ]);
        expect([p.outputs.engine, p.outputs.port]).toEqual(["postgres", 5432]);
    });

    // A named minor would be sent back to RDS as a downgrade once RDS had upgraded past it
    // (hashicorp/terraform-provider-aws#39579): the stack that names one owns it.
    it.each([
        ["postgres", "17", true],
        ["postgres", "17.6", false],
        ["mysql", "8.4", true],
        ["mysql", "8.4.3", false],
    ] as const)("%s %s: RDS upgrades minor versions by itself: %s", (engine, version, auto) => {
        expect(autoMinorVersionUpgrade(engine, version)).toBe(auto);
    });

    it("leaves the minor to RDS for a major (both committed stacks), and to the stack for a named minor", async () => {
        for (const stack of ["staging", "production"]) {
            expect(input(instanceOf(await plan(stack)), "autoMinorVersionUpgrade")).toBe(true);
        }
        const pinned = instanceOf(await plan("production", ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="16.4"']));
        expect([input(pinned, "engineVersion"), input(pinned, "autoMinorVersionUpgrade")]).toEqual(["16.4", false]);
    });

    // From PostgreSQL 15 rds.force_ssl=1 is the family's default, which RDS reports as pending-reboot;
    // `immediate` would be an apply-method-only change AWS ignores, a diff on every update
    // (@pulumi/aws 7.48.0 rds/parameterGroup.d.ts "Example of Problematic Configuration";
    // hashicorp/terraform-provider-aws#44280). Every value the stack sets that equals a default must
    // carry AWS's pending-reboot; the others (defaults: require_secure_transport 0, slow_query_log 0,
    // long_query_time 10, log_output TABLE, log_min_duration_statement -1) may apply at once.
    it.each(["15", "16", "17", "18"])("keeps rds.force_ssl pending-reboot in postgres%s, where 1 is the default (no perpetual apply-method diff)", async (major) => {
        const p = await plan("staging", ["launchpad:database.engine=postgres", `launchpad:database.engineVersion="${major}"`]);
        const params = named(p, "launchpad-staging-database-params");
        expect(input(params, "family")).toBe(`postgres${major}`);
        expect((input(params, "parameters") as DbParameter[]).find((x) => x.name === "rds.force_ssl")).toEqual({ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" });
    });

    it("derives the parameter group family from the engine version", () => {
        expect([
            parameterGroupFamily("mysql", "8.0"),
            parameterGroupFamily("mysql", "8.0.40"),
            parameterGroupFamily("mysql", "8.4"),
            parameterGroupFamily("postgres", "16"),
            parameterGroupFamily("postgres", "16.4"),
            parameterGroupFamily("postgres", "17.2.1"),
        ]).toEqual(["mysql8.0", "mysql8.0", "mysql8.4", "postgres16", "postgres16", "postgres17"]);
        expect(parameterGroupParameters("mysql").filter((x) => x.name === "require_secure_transport")).toEqual([{ name: "require_secure_transport", value: "1", applyMethod: "immediate" }]);
        expect(parameterGroupParameters("postgres").filter((x) => x.name === "rds.force_ssl")).toEqual([{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }]);
    });
});

describe("enhanced monitoring", () => {
    it("gives RDS a monitoring role with only the enhanced-monitoring managed policy", async () => {
        const p = await plan("staging");
        const role = named(p, "launchpad-staging-database-monitoring-role");
        // The builder's exact document, with the confused-deputy guard of the RDS User Guide
        // (USER_Monitoring.OS.Enabling), is pinned by tests/iam-trust.test.ts: here, that the plan
        // hands it this stack's partition, region, account and identifier.
        expect(JSON.parse(String(input(role, "assumeRolePolicy")))).toEqual(monitoringTrustPolicy("aws", "us-east-1", "123456789012", "launchpad-staging"));
        expect(named(p, "launchpad-staging-database-monitoring-policy").inputs).toEqual({
            role: role.state.name,
            policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        });
        expect(ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(1);
    });
});

describe("credentials", () => {
    it("generates a 32-character master password of RDS-safe characters, kept secret everywhere", async () => {
        const p = await plan("staging");
        const password = named(p, "launchpad-staging-database-master-password");
        expect(password.inputs).toEqual({
            length: 32,
            special: true,
            overrideSpecial: "!#$%&*()-_=+[]{}<>:?.,^~",
            minLower: 1,
            minUpper: 1,
            minNumeric: 1,
        });
        for (const forbidden of ["/", "@", "\"", " ", "'", "\\"]) {
            expect(String(input(password, "overrideSpecial"))).not.toContain(forbidden);
        }
        expect([password.state.result, password.state.bcryptHash]).toEqual(["[secret]", "[secret]"]);
        expect([input(instanceOf(p), "password"), instanceOf(p).state.password]).toEqual(["[secret]", "[secret]"]);
    });

    it("generates the application user's password with the master's spec, its own resource, kept secret everywhere", async () => {
        const p = await plan("staging");
        const [app, master] = [named(p, "launchpad-staging-database-app-password"), named(p, "launchpad-staging-database-master-password")];
        expect(app.inputs).toEqual(master.inputs);
        expect([app.state.result, app.state.bcryptHash]).toEqual(["[secret]", "[secret]"]);
    });

    it.each([
        ["launchpad-staging-database-connection", "database-connection", "the master user's (migrations, dumps, the grants Job)"],
        ["launchpad-staging-database-app-connection", "database-app-connection", "the application user's (the services)"],
    ])("hands %s, %s, %s settings over in a Secret in the stack namespace, through the given Provider, all secret", async (child, secretName) => {
        const p = await plan("staging");
        const secret = named(p, child);
        expect(secret.type).toBe("kubernetes:core/v1:Secret");
        expect(secret.inputs).toEqual({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: secretName,
                namespace: NAMESPACE,
                labels: { "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "pulumi" },
            },
            type: "Opaque",
            // The keys show (the pods' secretKeyRefs name them), never a value.
            stringData: { database: "[secret]", engine: "[secret]", host: "[secret]", password: "[secret]", port: "[secret]", username: "[secret]" },
        });
        expect(secret.state.stringData).toBe("[secret]");
        expect(secret.provider).toBe(named(p, "test-k8s").urn);
    });

    it("builds the Secret's data with every connection setting, each one secret", async () => {
        const data = connectionSettings({ host: "db.example", port: 5432, database: "app", username: "admin", password: "pw", engine: "postgres" });
        expect(Object.keys(data)).toEqual([...CONNECTION_SECRET_KEYS]);
        expect(Object.keys(data)).toEqual(["host", "port", "database", "username", "password", "engine"]);
        const secrecy = await Promise.all(Object.values(data).map((o) => pulumi.isSecret(o)));
        expect(secrecy).toEqual([true, true, true, true, true, true]);
    });

    it("never shows a credential: no output carries one and the plan holds no password in plain text", async () => {
        const p = await plan("production");
        expect(Object.keys(p.outputs).filter((k) => /password|secret(?!Name)|username/i.test(k))).toEqual([]);
        const everything = JSON.stringify(p);
        expect(everything).not.toMatch(/"(password|result|bcryptHash|stringData|data)":"(?!\[secret\])/);
        expect(everything).not.toContain("launchpad_admin\",\"password");
    });
});

describe("backup selection tag", () => {
    it("tags the instance backup-plan: <identifier> for the AWS Backup selection", async () => {
        const p = await plan("production");
        expect(BACKUP_PLAN_TAG_KEY).toBe("backup-plan");
        expect(backupPlanTag("launchpad-production")).toEqual({ key: "backup-plan", value: "launchpad-production" });
        expect(input(instanceOf(p), `tags.${BACKUP_PLAN_TAG_KEY}`)).toBe("launchpad-production");
        expect(ofType(p, "aws:rds/instance:Instance")).toHaveLength(1);
    });

    // Once the plan's continuous rule manages the instance, AWS Backup sets its backup window and
    // retention and RDS refuses any other value ("You can leave BackupRetentionPeriod blank, or you can
    // specify it only with the current value": crossplane-contrib/provider-aws#1356; PreferredBackupWindow
    // "read only when AWS Backup is enabled": #1406; drift in CloudFormation:
    // aws-cloudformation/cloudformation-coverage-roadmap#2167). terraform-provider-aws instance.go
    // dbInstancePopulateModify sends each only on d.HasChange, so a diff would be a refused ModifyDBInstance.
    it.each(["staging", "production"])("%s: a refresh that reads AWS Backup's window and retention back plans no update of the instance (RDS refuses ModifyDBInstance of either)", async (stack) => {
        const p = await plan(stack);
        const instance = instanceOf(p);
        // What a refresh stores once AWS Backup owns them: another window, and (a tier change pending until
        // the next backup) another retention.
        const refreshed: Plan = { ...p, resources: p.resources.map((r) => (r === instance ? { ...r, inputs: { ...r.inputs, backupWindow: "05:00-05:30", backupRetentionPeriod: 1 } } : r)) };
        expect(changedPaths(refreshed.resources.find((r) => r.name === instance.name)?.inputs as Json, instance.inputs as Json)).toEqual(["backupRetentionPeriod", "backupWindow"]);
        expect(planChanges(refreshed, p)).toEqual([]);
        expect(instance.options.ignoreChanges).toEqual([...AWS_BACKUP_OWNED_INPUTS]);
        // The plan's role is what changes them: AWSBackupServiceRolePolicyForBackup (vendor/aws-managed-policies) allows ModifyDBInstance on every DB instance.
        const policy = JSON.parse(readFileSync(join(REPO_ROOT, "vendor/aws-managed-policies/AWSBackupServiceRolePolicyForBackup.json"), "utf8")) as { document: { Statement: { Sid?: string; Action: string[]; Resource: string[] }[] } };
        expect(policy.document.Statement.find((st) => st.Sid === "RDSModifyPermissions")).toMatchObject({ Action: ["rds:ModifyDBInstance"], Resource: ["arn:aws:rds:*:*:db:*"] });
        // Created with the configured values all the same.
        expect([input(instance, "backupWindow"), input(instance, "backupRetentionPeriod")]).toEqual(["03:00-03:30", stack === "production" ? 35 : 7]);
    });
});

/** Instance inputs a restore must share with a fresh instance: all but the source and what RDS takes from it. */
/** The inputs a restore may differ in: its source, what RDS takes from it, and its own identifier and Name. */
function withoutRestoreFields(inputs: Record<string, unknown>): Record<string, unknown> {
    const skip = new Set(["restoreToPointInTime", "snapshotIdentifier", "dbName", "username", "identifier"]);
    const rest = Object.fromEntries(Object.entries(inputs).filter(([k]) => !skip.has(k)));
    const tags = { ...((rest.tags ?? {}) as Record<string, unknown>) };
    delete tags.Name;
    return { ...rest, tags };
}

describe("a GovCloud stack", () => {
    // The managed policy's ARN carries the partition (IAM User Guide, reference_identifiers.html).
    it("attaches the enhanced-monitoring managed policy, and names the key's administrators, under the stack's partition", async () => {
        const p = await plan("staging", govCloudSets("staging"));
        expect(input(named(p, "launchpad-staging-database-monitoring-policy"), "policyArn")).toBe("arn:aws-us-gov:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole");
        const policy = JSON.parse(String(input(named(p, "launchpad-staging-database-key"), "policy"))) as { Statement: { Principal: { AWS?: string } }[] };
        expect(policy.Statement[0].Principal.AWS).toBe("arn:aws-us-gov:iam::123456789012:root");
    });
});

describe("a restore is a new instance beside the old one", () => {
    it("names a restored instance after its origin, so the old one is kept until deleted on purpose", () => {
        const pit = { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" } as const;
        expect(databaseInstanceIdentifier("launchpad-staging")).toBe("launchpad-staging-db");
        expect(databaseInstanceIdentifier("launchpad-staging", pit)).toMatch(/^launchpad-staging-db-r[0-9a-f]{8}$/);
        expect(databaseInstanceIdentifier("launchpad-staging", pit)).toBe(databaseInstanceIdentifier("launchpad-staging", { ...pit }));
        expect(databaseInstanceIdentifier("launchpad-staging", { ...pit, time: "2026-11-01T10:05:00Z" })).not.toBe(databaseInstanceIdentifier("launchpad-staging", pit));
        expect(databaseInstanceIdentifier("launchpad-staging", { kind: "snapshot", snapshot: "s1" })).not.toBe(databaseInstanceIdentifier("launchpad-staging", { kind: "snapshot", snapshot: "s2" }));
    });

    // A log group keeps the key it was created with: "The log events that were ingested while the key
    // was associated with the log group are still encrypted with that key. Therefore, CloudWatch Logs
    // will need permissions for the key whenever that data is accessed" (CloudWatch Logs API Reference,
    // DisassociateKmsKey). The restore keeps the key (the restored instance is encrypted with the
    // source's) and the old instance with its log groups (production, until "Finish the old instance").
    it("keeps CloudWatch Logs' use of the key for the old instance's log groups, which the old instance still writes to", async () => {
        const p = await plan("production", [PIT_RESTORE]);
        const policy = JSON.parse(String(input(named(p, "launchpad-production-database-key"), "policy"))) as { Statement: { Sid: string; Condition?: { ArnLike: Record<string, string | string[]> } }[] };
        const logs = policy.Statement.find((st) => st.Condition !== undefined);
        const patterns = [logs?.Condition?.ArnLike["kms:EncryptionContext:aws:logs:arn"] ?? []].flat();
        // IAM's ArnLike: `*` matches any run of characters within an ARN component.
        const admitted = (group: string) => patterns.some((pat) => new RegExp(`^${pat.replace(/[.?+^$()[\]{}|\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(`arn:aws:logs:us-east-1:123456789012:log-group:${group}`));
        const restored = databaseInstanceIdentifier("launchpad-production", { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" });
        expect(["/aws/rds/instance/launchpad-production-db/error", `/aws/rds/instance/${restored}/error`, "/aws/rds/instance/launchpad-production-db-r0a1b2c3d/slowquery"].map(admitted)).toEqual([true, true, true]);
        // Another stack's database, and a log group of no RDS instance, stay out.
        expect(["/aws/rds/instance/launchpad-staging-db/error", "/aws/lambda/launchpad-production-db"].map(admitted)).toEqual([false, false]);
    });

    it("plans the restored instance under that identifier", async () => {
        const p = await plan("staging", [PIT_RESTORE]);
        const expected = databaseInstanceIdentifier("launchpad-staging", { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" });
        expect(input(instanceOf(p), "identifier")).toBe(expected);
        expect(input(instanceOf(p), "tags.Name")).toBe(expected);
    });
});

describe("restore as code", () => {
    it("restores to a point in time of the named source, the user and database coming from it", async () => {
        const p = await plan("staging", [PIT_RESTORE]);
        const instance = instanceOf(p);
        expect(input(instance, "restoreToPointInTime")).toEqual({ sourceDbInstanceIdentifier: "launchpad-production-db", restoreTime: "2026-11-01T10:00:00Z" });
        expect([input(instance, "snapshotIdentifier"), input(instance, "dbName"), input(instance, "username")]).toEqual([undefined, undefined, undefined]);
        expect(input(instance, "password")).toBe("[secret]");
        // The restore source is diffed, so a new restore value replaces the instance rather than renaming it.
        expect(instance.options).toEqual({ ignoreChanges: ["backupRetentionPeriod", "backupWindow", "kmsKeyId"], deleteBeforeReplace: false, customTimeouts: INSTANCE_TIMEOUTS });
    });

    it("gives the restored instance the same subnet group, security group, parameter group, key, Multi-AZ and backup settings as a fresh one", async () => {
        for (const stack of ["staging", "production"]) {
            const [fresh, restored] = await Promise.all([plan(stack), plan(stack, [PIT_RESTORE])]);
            const a = withoutRestoreFields(instanceOf(fresh).inputs);
            const b = withoutRestoreFields(instanceOf(restored).inputs);
            // The final snapshot's random suffix is renewed with the source (a new instance, a new name).
            delete a.finalSnapshotIdentifier;
            delete b.finalSnapshotIdentifier;
            expect(b).toEqual(a);
            const shared = ["dbSubnetGroupName", "vpcSecurityGroupIds", "parameterGroupName", "kmsKeyId", "performanceInsightsKmsKeyId", "multiAz", "backupRetentionPeriod", "backupWindow", "copyTagsToSnapshot", "deleteAutomatedBackups", "deletionProtection", "skipFinalSnapshot"];
            expect(shared.map((f) => input(instanceOf(restored), f))).toEqual(shared.map((f) => input(instanceOf(fresh), f)));
            expect(instanceOf(restored).protect).toBe(instanceOf(fresh).protect);
        }
    });

    it("restores the production copy with production's final snapshot, renewed for the new source", async () => {
        const [fresh, restored] = await Promise.all([plan("production"), plan("production", [PIT_RESTORE])]);
        const keepers = input(named(restored, "launchpad-production-database-final-snapshot-suffix"), "keepers");
        expect(keepers).toEqual({ instance: databaseInstanceIdentifier("launchpad-production", { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" }), source: JSON.stringify({ kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" }) });
        expect(input(instanceOf(restored), "finalSnapshotIdentifier")).toMatch(/^launchpad-production-db-r[0-9a-f]{8}-final-[0-9a-f]{8}$/);
        expect(keepers).not.toEqual(input(named(fresh, "launchpad-production-database-final-snapshot-suffix"), "keepers"));
    });

    it("restores to the latest restorable time", async () => {
        const p = await plan("staging", ["launchpad:database.restore={sourceInstance: launchpad-production-db, time: latest}"]);
        expect(input(instanceOf(p), "restoreToPointInTime")).toEqual({ sourceDbInstanceIdentifier: "launchpad-production-db", useLatestRestorableTime: true });
    });

    it("restores from a snapshot with the same settings as a fresh instance", async () => {
        const [fresh, restored] = await Promise.all([plan("staging"), plan("staging", ["launchpad:database.restore={snapshot: launchpad-production-db-final-0a1b2c3d}"])]);
        const instance = instanceOf(restored);
        expect(input(instance, "snapshotIdentifier")).toBe("launchpad-production-db-final-0a1b2c3d");
        expect(input(instance, "restoreToPointInTime")).toBeUndefined();
        expect(instance.options).toEqual({ ignoreChanges: ["backupRetentionPeriod", "backupWindow", "kmsKeyId"], deleteBeforeReplace: false, customTimeouts: INSTANCE_TIMEOUTS });
        expect(withoutRestoreFields(instance.inputs)).toEqual(withoutRestoreFields(instanceOf(fresh).inputs));
    });

    it("maps each restore config to the instance's restore arguments", () => {
        expect(restoreArgs(undefined)).toEqual({});
        expect(restoreArgs({ kind: "snapshot", snapshot: "snap-1" })).toEqual({ snapshotIdentifier: "snap-1" });
        expect(restoreArgs({ kind: "pointInTime", sourceInstance: "db-a", time: "latest" })).toEqual({
            restoreToPointInTime: { sourceDbInstanceIdentifier: "db-a", useLatestRestorableTime: true },
        });
        expect(restoreArgs({ kind: "pointInTime", sourceInstance: "db-a", time: "2026-11-01T10:00:00Z" })).toEqual({
            restoreToPointInTime: { sourceDbInstanceIdentifier: "db-a", restoreTime: "2026-11-01T10:00:00Z" },
        });
        const replicated = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-abcdefghijklmnopqrstuvwxyz0123456789ab";
        expect(restoreArgs({ kind: "pointInTime", sourceInstance: replicated, time: "latest" })).toEqual({
            restoreToPointInTime: { sourceDbInstanceAutomatedBackupsArn: replicated, useLatestRestorableTime: true },
        });
        expect(restoreIgnoreChanges(undefined)).toEqual([]);
        expect(restoreIgnoreChanges({ kind: "snapshot", snapshot: "s1" })).toEqual(["kmsKeyId"]);
        expect(restoreIgnoreChanges({ kind: "pointInTime", sourceInstance: "db", time: "latest" })).toEqual(["kmsKeyId"]);
        expect(instanceIgnoreChanges(undefined)).toEqual(["backupRetentionPeriod", "backupWindow"]);
        expect(instanceIgnoreChanges({ kind: "snapshot", snapshot: "s1" })).toEqual(["backupRetentionPeriod", "backupWindow", "kmsKeyId"]);
    });
});

describe("pure helpers", () => {
    it("names the instance, its log groups and its final snapshot", () => {
        expect(databaseInstanceIdentifier("launchpad-staging")).toBe("launchpad-staging-db");
        expect(rdsLogGroupName("launchpad-staging-db", "error")).toBe("/aws/rds/instance/launchpad-staging-db/error");
        expect(finalSnapshotIdentifier("launchpad-production-db", "0a1b2c3d")).toBe("launchpad-production-db-final-0a1b2c3d");
        expect(() => finalSnapshotIdentifier("1db", "00")).toThrow(RangeError);
        expect(() => finalSnapshotIdentifier("db-", "00")).toThrow('final snapshot identifier "db--final-00" is invalid');
        expect(() => finalSnapshotIdentifier("db", "a_b")).toThrow(RangeError);
        expect(() => finalSnapshotIdentifier("d".repeat(250), "00")).toThrow(RangeError);
    });

    it("takes a final snapshot only when the tier asks for one", () => {
        expect(finalSnapshotSettings(true, "db-final-1")).toEqual({ skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final-1" });
        expect(finalSnapshotSettings(false, "db-final-1")).toEqual({ skipFinalSnapshot: true, finalSnapshotIdentifier: undefined });
    });
});

describe("child specs (pure builders the constructor delegates to)", () => {
    const config = {
        engine: "postgres",
        engineVersion: "16.4",
        instanceClass: "db.t4g.micro",
        allocatedStorageGb: 20,
        maxAllocatedStorageGb: 100,
        name: "app",
        username: "app_admin",
        appUsername: "app_user",
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:05:00-sun:06:00",
        criticalTables: [],
        restore: undefined,
        caBundleUrl: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    } as const;
    const parts = {
        config,
        safety: { multiAz: true, backupRetentionDays: 35, keepAutomatedBackups: true, deletionProtection: true },
        tags: { project: "launchpad" },
        instanceIdentifier: "lp-db",
        backupPlanName: "lp",
        kmsKeyArn: "arn:key",
        password: "pw",
        siblings: { subnetGroupName: "subnets", securityGroupId: "sg-1", parameterGroupName: "params", monitoringRoleArn: "arn:role" },
        finalSnapshot: { skipFinalSnapshot: false, finalSnapshotIdentifier: "lp-db-final-00" },
    };

    it("builds the instance from the config, the tier and its siblings, private and encrypted", () => {
        expect(instanceArgs(parts)).toEqual({
            identifier: "lp-db",
            engine: "postgres",
            engineVersion: "16.4",
            instanceClass: "db.t4g.micro",
            allocatedStorage: 20,
            maxAllocatedStorage: 100,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: "arn:key",
            dbName: "app",
            username: "app_admin",
            password: "pw",
            port: 5432,
            dbSubnetGroupName: "subnets",
            vpcSecurityGroupIds: ["sg-1"],
            parameterGroupName: "params",
            publiclyAccessible: false,
            iamDatabaseAuthenticationEnabled: true,
            multiAz: true,
            backupRetentionPeriod: 35,
            backupWindow: "03:00-04:00",
            maintenanceWindow: "sun:05:00-sun:06:00",
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: false,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: "lp-db-final-00",
            autoMinorVersionUpgrade: false,
            allowMajorVersionUpgrade: true,
            applyImmediately: false,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            databaseInsightsMode: "standard",
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: "arn:key",
            performanceInsightsRetentionPeriod: 7,
            monitoringInterval: 60,
            monitoringRoleArn: "arn:role",
            tags: { project: "launchpad", Name: "lp-db", [BACKUP_PLAN_TAG_KEY]: "lp" },
        });
    });

    it("leaves the user and database to the source on a restore", () => {
        const restore = { kind: "pointInTime", sourceInstance: "old-db", time: "latest" } as const;
        const restored = instanceArgs({ ...parts, config: { ...config, restore } });
        expect(restored.dbName).toBeUndefined();
        expect(restored.username).toBeUndefined();
        expect(restored.restoreToPointInTime).toEqual(restoreArgs(restore).restoreToPointInTime);
        expect(restored.restoreToPointInTime).toBeDefined();
    });

    it("admits the engine's port from the client groups only and opens nothing outbound", () => {
        expect(securityGroupArgs("mysql", "lp-db", "vpc-1", ["sg-cluster"], { Name: "lp-sg" })).toEqual({
            description: "RDS instance lp-db: the engine port from the cluster only",
            vpcId: "vpc-1",
            ingress: [{ description: "mysql from the cluster", protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: ["sg-cluster"] }],
            egress: [],
            tags: { Name: "lp-sg" },
        });
    });

    it("builds the parameter group, the log groups, the password and the connection Secret", () => {
        expect(parameterGroupArgs(config, "lp-db", { project: "launchpad" }, "lp-params")).toEqual({
            description: "RDS instance lp-db: TLS required, slow-query log",
            family: "postgres16",
            parameters: parameterGroupParameters("postgres"),
            tags: { project: "launchpad", Name: "lp-params" },
        });
        expect(logGroupArgs("lp-db", "error", 365, "arn:key", { Name: "lp-log-error" })).toEqual({
            name: "/aws/rds/instance/lp-db/error",
            retentionInDays: 365,
            kmsKeyId: "arn:key",
            tags: { Name: "lp-log-error" },
        });
        expect(MASTER_PASSWORD_SPEC).toEqual({ length: 32, special: true, overrideSpecial: "!#$%&*()-_=+[]{}<>:?.,^~", minLower: 1, minUpper: 1, minNumeric: 1 });
        expect(connectionSecretArgs("shop", { host: "h" })).toEqual({
            metadata: { name: "database-connection", namespace: "shop", labels: { "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "pulumi" } },
            type: "Opaque",
            stringData: { host: "h" },
        });
    });
});
