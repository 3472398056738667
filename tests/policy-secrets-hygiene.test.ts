import { describe, expect, it } from "vitest";
import { instanceTypesAllowed, requiredTags } from "../policies/hygiene";
import { databaseMasterJobsOnly, secretsNotPlain } from "../policies/secrets";
import { SECRET_TEXT } from "../plan/values";
import { resource, violations, withInput } from "./support/policy";

/** The offline evaluator's view: secrets show as "[secret]" and the policy knows it. */
const OFFLINE = { secretPlaceholder: SECRET_TEXT };

const SECRET = resource("kubernetes:core/v1:Secret", "db-connection", { metadata: { name: "database-connection" }, stringData: { host: SECRET_TEXT, password: SECRET_TEXT } });
const JOB = resource("kubernetes:batch/v1:Job", "migrate", {
    spec: {
        template: {
            spec: {
                containers: [{
                    name: "migrate",
                    env: [
                        { name: "DB_HOST", value: "db.internal" },
                        { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "database-connection", key: "password" } } },
                    ],
                }],
            },
        },
    },
});

describe("secrets-not-plain", () => {
    it("passes a Secret of secrets and credentials taken from a secretKeyRef", async () => {
        expect(await violations(secretsNotPlain, SECRET, OFFLINE)).toEqual([]);
        expect(await violations(secretsNotPlain, withInput(SECRET, "stringData", SECRET_TEXT), OFFLINE)).toEqual([]);
        expect(await violations(secretsNotPlain, JOB, OFFLINE)).toEqual([]);
    });

    it("a Secret value from plain config", async () => {
        expect(await violations(secretsNotPlain, withInput(SECRET, "stringData.password", "hunter2"), OFFLINE)).toEqual([
            "Secret database-connection holds plain-text stringData.password: build it from secret config (pulumi config set --secret) or a generated secret, never from plain config.",
        ]);
    });

    it("under the CLI (no placeholder: secrets arrive decrypted) Secret values are not judged", async () => {
        expect(await violations(secretsNotPlain, withInput(SECRET, "stringData.password", "hunter2"))).toEqual([]);
    });

    it("a credential set inline in a container's environment", async () => {
        const inline = withInput(JOB, "spec.template.spec.containers", [{ name: "migrate", env: [{ name: "API_TOKEN", value: "t0k3n" }] }]);
        expect(await violations(secretsNotPlain, inline)).toEqual([
            "Job migrate container migrate sets API_TOKEN inline: take it from a Kubernetes Secret with valueFrom.secretKeyRef.",
        ]);
    });
});

/** A service's Deployment as Launchpad builds it: DATABASE_* from the application user's Secret. */
const APP = resource("kubernetes:apps/v1:Deployment", "api-blue", {
    metadata: { name: "api-blue" },
    spec: {
        template: {
            spec: {
                initContainers: [{ name: "db-ca", env: [{ name: "DB_SSL_CA", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" }] }],
                containers: [{ name: "app", env: [{ name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "database-app-connection", key: "password" } } }] }],
                volumes: [{ name: "tmp", emptyDir: {} }],
            },
        },
    },
});

describe("database-master-jobs-only (RDS User Guide, UsingWithRDS.MasterAccounts: do not use the master user in applications)", () => {
    it("passes a service on the application user's Secret, and a Job (a migration) on the master's", async () => {
        expect(await violations(databaseMasterJobsOnly, APP)).toEqual([]);
        expect(await violations(databaseMasterJobsOnly, JOB)).toEqual([]);
        expect(await violations(databaseMasterJobsOnly, resource("kubernetes:batch/v1:CronJob", "dump", { spec: { jobTemplate: { spec: JOB.inputs.spec } } }))).toEqual([]);
    });

    it("a Deployment reading the master's Secret by secretKeyRef", async () => {
        const master = withInput(APP, "spec.template.spec.containers", [{ name: "app", env: [{ name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "database-connection", key: "password" } } }] }]);
        expect(await violations(databaseMasterJobsOnly, master)).toEqual([
            "Deployment api-blue reads the database master user's Secret database-connection (container app env DATABASE_PASSWORD): connect as the application's user (Secret database-app-connection); only Jobs (migrations, dumps, the grants) take the master's.",
        ]);
    });

    it("a StatefulSet reading it whole by envFrom, and a pod mounting it as a volume", async () => {
        const envFrom = resource("kubernetes:apps/v1:StatefulSet", "worker", { metadata: { name: "worker" }, spec: { template: { spec: { containers: [{ name: "w", envFrom: [{ secretRef: { name: "database-connection" } }] }] } } } });
        expect(await violations(databaseMasterJobsOnly, envFrom)).toEqual([
            "StatefulSet worker reads the database master user's Secret database-connection (container w envFrom): connect as the application's user (Secret database-app-connection); only Jobs (migrations, dumps, the grants) take the master's.",
        ]);
        const volume = withInput(APP, "spec.template.spec.volumes", [{ name: "db", secret: { secretName: "database-connection" } }]);
        expect((await violations(databaseMasterJobsOnly, volume))[0]).toContain("(volume db)");
    });

    it("an optional reference still reads it (the pod reads the Secret whenever it exists), unlike pod-references-resolve, which lets it go unresolved", async () => {
        const optional = withInput(APP, "spec.template.spec.containers", [{ name: "app", env: [{ name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "database-connection", key: "password", optional: true } } }] }]);
        expect(await violations(databaseMasterJobsOnly, optional)).toEqual([
            "Deployment api-blue reads the database master user's Secret database-connection (container app env DATABASE_PASSWORD): connect as the application's user (Secret database-app-connection); only Jobs (migrations, dumps, the grants) take the master's.",
        ]);
    });

    it("the Secret's name is config: another master Secret name is what it looks for", async () => {
        expect(await violations(databaseMasterJobsOnly, APP, { masterSecretName: "database-app-connection" })).toHaveLength(1);
    });
});

const NODES = resource("aws:eks/nodeGroup:NodeGroup", "nodes", { instanceTypes: ["m6i.xlarge"], tags: { project: "launchpad", environment: "production", "managed-by": "pulumi" } });
const ALLOW = { nodeInstanceTypes: ["m6i.xlarge", "m6a.xlarge"], dbInstanceClasses: ["db.r6g.large"] };

describe("hygiene (advisory)", () => {
    it("passes allowed sizes and tagged resources", async () => {
        expect(await violations(instanceTypesAllowed, NODES, ALLOW)).toEqual([]);
        expect(await violations(requiredTags, NODES)).toEqual([]);
        // Not taggable, no tags input: not applicable.
        expect(await violations(requiredTags, resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", {}))).toEqual([]);
    });

    it("instance-types-allowed: a node type outside the stack's allow-list", async () => {
        expect(await violations(instanceTypesAllowed, withInput(NODES, "instanceTypes", ["m6i.xlarge", "p5.48xlarge"]), ALLOW)).toEqual([
            "Node group nodes uses p5.48xlarge, outside this stack's allow-list (m6i.xlarge and m6a.xlarge): choose an allowed type or extend nodeInstanceTypes in the stack's policy config.",
        ]);
    });

    it("instance-types-allowed: a database class outside the allow-list", async () => {
        expect(await violations(instanceTypesAllowed, resource("aws:rds/instance:Instance", "db", { instanceClass: "db.r6g.16xlarge" }), ALLOW)).toEqual([
            "RDS instance db uses db.r6g.16xlarge, outside this stack's allow-list (db.r6g.large): choose an allowed class or extend dbInstanceClasses in the stack's policy config.",
        ]);
    });

    it("required-tags: a taggable resource with no tags at all", async () => {
        expect(await violations(requiredTags, withInput(NODES, "tags", undefined))).toEqual([
            "aws:eks/nodeGroup:NodeGroup nodes has no project, environment and managed-by tags: pass the stack's base tags (lib/tags.ts childTags).",
        ]);
    });
});
