/**
 * The stack's identity (components/identity-record.ts): what a stateful resource is replaced on
 * (the database's engine, name, master user and instance, the namespace) is recorded in the
 * `identity` output and checked, on the next update, against the stack's own previous outputs:
 * production refuses a change as a config error (exit 2, like the in-place release rule), staging
 * warns, a first update and an intentional restore pass. The replace rules are plan/changes.ts's
 * (terraform-provider-aws rds/instance.go ForceNew; pulumi-kubernetes provider.go Diff).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clusterVersionStepProblems, IDENTITY_DOCS, IDENTITY_OUTPUT, identityChanges, recordedIdentity, type StackIdentity } from "../components/identity-record";
import { ConfigError } from "../config";
import { safetyFor } from "../config/tier";
import { planChanges } from "../plan/changes";
import { REPO_ROOT, runPlan, stackConfigFor, type PlanOptions } from "../plan/engine";
import { evaluatePlan } from "../policies/evaluate";
import { planCli } from "../scripts/plan";
import { input, ofType, planStack } from "./support/plan";

const WAY_OUT = `keep the recorded value; to move on purpose, deploy a new stack (pulumi stack init) and restore the data into it as code (launchpad:database.restore), then retire this one (${IDENTITY_DOCS})`;
const FORCE_NEW = "a change of it replaces the RDS instance with a new, empty one (ForceNew in hashicorp/terraform-provider-aws internal/service/rds/instance.go)";
const USERNAME_PROBLEM = `launchpad:database.username: received "admin2"; expected "launchpad_admin", the master user the instance was created with (the stack's recorded identity): ${FORCE_NEW}; ${WAY_OUT}`;
const SNAPSHOT = "launchpad:database.restore.snapshot=launchpad-production-db-pre-api-green-r4";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function outputsFile(outputs: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "identity-"));
    dirs.push(dir);
    const file = path.join(dir, "previous.json");
    fs.writeFileSync(file, JSON.stringify(outputs));
    return file;
}

/** The outputs of a first deploy of `stack` with `sets`: what the next update's self-reference reads. */
async function deployed(stack: string, sets: readonly string[] = []): Promise<Record<string, unknown>> {
    return { ...(await planStack(stack, sets)).outputs };
}

describe("the tier table", () => {
    it("refuses identity changes in production and only warns in staging", () => {
        expect(safetyFor("production").refuseIdentityChange).toBe(true);
        expect(safetyFor("staging").refuseIdentityChange).toBe(false);
    });
});

describe("the identity a first deploy records", () => {
    it("names the namespace, the VPC's CIDR, the engine, database, master user and instance identifier from config", async () => {
        const p = await planStack("production");
        expect(p.outputs[IDENTITY_OUTPUT]).toEqual({
            namespace: "launchpad-production",
            region: "us-east-1",
            drRegion: "us-west-2",
            clusterVersion: "1.35",
            networkCidr: "10.10.0.0/16",
            clusterZones: 3,
            database: { engine: "mysql", name: "app", username: "launchpad_admin", instance: "launchpad-production-db", restored: false, engineMajor: "8.4" },
        });
    });
});

describe("production refuses a change that replaces a stateful resource, from its previous outputs", () => {
    it("refuses a new master user with the exact message, as a config error", async () => {
        const previous = await deployed("production");
        // One plan, both expectations on its refusal.
        const planned = planStack("production", ["launchpad:database.username=admin2"], { previousOutputs: previous });
        await expect(planned).rejects.toThrow(ConfigError);
        await expect(planned).rejects.toThrow(
            `Invalid configuration for stack "production" (1 problem):\n  - ${USERNAME_PROBLEM}`,
        );
    });

    it("exits 2 from npm run plan --previous-outputs with nothing on stdout, as the in-place release refusal does", async () => {
        const r = await planCli(["--stack", "production", "--previous-outputs", outputsFile(await deployed("production")), "--set", "launchpad:database.username=admin2"]);
        expect(r).toEqual({ code: 2, stdout: "", stderr: `Invalid configuration for stack "production" (1 problem):\n  - ${USERNAME_PROBLEM}\n` });
    });

    it("refuses a new engine, database name and namespace, every problem at once", async () => {
        const previous = await deployed("production");
        const sets = ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', "launchpad:database.name=app2", "launchpad:cluster.namespace=api"];
        const err: unknown = await planStack("production", sets, { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems.map((p) => p.slice(0, p.indexOf(";")))).toEqual([
            `launchpad:cluster.namespace: received "api"`,
            `launchpad:database.engine: received "postgres"`,
            `launchpad:database.name: received "app2"`,
        ]);
        expect((err as ConfigError).problems[0]).toContain(`expected "launchpad-production", the namespace this stack deployed to (its recorded identity): a new name replaces the Namespace, deleting it first`);
    });

    it("refuses a new VPC CIDR (cidr_block ForceNew in terraform-provider-aws internal/service/ec2/vpc_.go)", async () => {
        const previous = await deployed("production");
        const err: unknown = await planStack("production", ["launchpad:network.cidr=10.30.0.0/16"], { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect((err as ConfigError).problems).toEqual([
            `launchpad:network.cidr: received "10.30.0.0/16"; expected "10.10.0.0/16", the VPC's CIDR (the stack's recorded identity): a change of it replaces the VPC and every subnet in it ` +
                `(cidr_block ForceNew in hashicorp/terraform-provider-aws internal/service/ec2/vpc_.go) under the EKS cluster and the database, which cannot move with them; ${WAY_OUT}`,
        ]);
    });

    // The cluster keeps the subnets it was created with (components/cluster.ts CLUSTER_IGNORE_CHANGES):
    // EKS takes new ones only in its zones (awsdocs/amazon-eks-user-guide network-reqs.adoc).
    it("refuses fewer zones than the EKS cluster was created in, and keeps that count once more are added", async () => {
        const previous = await deployed("production");
        const sizes = (n: number) => [`launchpad:network.azCount=${n}`, `launchpad:nodeGroup.minSize=${n}`, `launchpad:nodeGroup.desiredSize=${n}`, "launchpad:nodeGroup.maxSize=12"];
        const err: unknown = await planStack("production", sizes(2), { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect((err as ConfigError).problems).toEqual([
            `launchpad:network.azCount: received 2; expected 3 or more, the zones the EKS cluster was created in (the stack's recorded identity): ` +
                `the cluster keeps its subnets in them (EKS takes new ones only there: awsdocs/amazon-eks-user-guide network-reqs.adoc) and may hold its network interfaces in a removed zone's subnet, ` +
                `whose delete then fails, or leaves the cluster naming a deleted subnet; ${WAY_OUT}`,
        ]);
        // A fourth zone is recorded as the cluster's three: back to three is no change of the cluster's zones.
        const raised = (await planStack("production", sizes(4), { previousOutputs: previous })).outputs;
        expect((raised[IDENTITY_OUTPUT] as StackIdentity).clusterZones).toBe(3);
        expect((await planStack("production", [], { previousOutputs: raised })).outputs[IDENTITY_OUTPUT]).toEqual(previous[IDENTITY_OUTPUT]);
    });

    it("refuses dropping the restore that made the live instance (a fresh, empty database)", async () => {
        const previous = await deployed("production", [SNAPSHOT]);
        const err: unknown = await planStack("production", [], { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect((err as ConfigError).problems).toEqual([
            expect.stringMatching(/^launchpad:database\.restore: received none; expected the restore that made the recorded instance "launchpad-production-db-r[0-9a-f]{8}": without it the instance is "launchpad-production-db" again, a new, empty database/),
        ]);
    });

    it("reads a stack last updated before the identity output from its namespace and databaseIdentifier outputs", async () => {
        const previous = await deployed("production", [SNAPSHOT]);
        const legacy = { namespace: previous.namespace, databaseIdentifier: previous.databaseIdentifier };
        const err: unknown = await planStack("production", ["launchpad:cluster.namespace=api"], { previousOutputs: legacy }).then(() => undefined, (e: unknown) => e);
        expect((err as ConfigError).problems).toEqual([
            expect.stringMatching(/^launchpad:cluster\.namespace: received "api"; expected "launchpad-production", the namespace this stack deployed to \(its recorded identity\)/),
            expect.stringContaining(`launchpad:database.restore: received none; expected the restore that made the recorded instance ${JSON.stringify(previous.databaseIdentifier)}`),
        ]);
    });
});

describe("before anything moves", () => {
    // The Node SDK sends a registration only once every input resolved, so a Namespace whose name
    // waits on the check is never registered when the check throws: no delete-first replacement
    // starts, even under `pulumi up --skip-preview` (.github/workflows/deploy.yml).
    it.each(["staging", "production"])("%s: the Namespace's name waits on the stack's own previous outputs", async (stack) => {
        const p = await planStack(stack);
        const self = p.resources.filter((r) => r.type === "pulumi:pulumi:StackReference" && r.name === `launchpad-${stack}-history`);
        expect(self.map((r) => r.name)).toEqual([`launchpad-${stack}-history`]);
        const ns = p.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        expect(ns.map((r) => r.propertyDependencies.metadata)).toEqual([expect.arrayContaining([self[0].urn])]);
    });

    // Every AWS resource registers only once its provider has (the SDK awaits the provider's
    // reference first), and the provider's region waits on the check: a refused region, or a refused
    // switch from an existing cluster to Launchpad's own, sends no AWS registration at all.
    it.each(["staging", "production"])("%s: the AWS provider's region waits on the stack's own previous outputs, and every AWS resource is on that provider", async (stack) => {
        const p = await planStack(stack);
        const self = p.resources.filter((r) => r.type === "pulumi:pulumi:StackReference" && r.name === `launchpad-${stack}-history`).map((r) => r.urn);
        const providers = ofType(p, "pulumi:providers:aws");
        expect(providers.map((r) => r.propertyDependencies.region)).toEqual([self]);
        const onProviders = new Set(p.resources.filter((r) => r.custom && r.type.startsWith("aws:")).map((r) => r.provider));
        expect([...onProviders]).toEqual([providers[0].urn]);
    });

    // The same for Grafana: its provider's URL waits on the check (components/observability.ts createGrafana).
    it("production: the Grafana provider's URL waits on the stack's own previous outputs, and every Grafana resource is on that provider", async () => {
        const p = await planStack("production");
        const self = p.resources.filter((r) => r.type === "pulumi:pulumi:StackReference" && r.name === "launchpad-production-history").map((r) => r.urn);
        const providers = ofType(p, "pulumi:providers:grafana");
        expect(providers.map((r) => r.propertyDependencies.url)).toEqual([self]);
        const grafanaResources = p.resources.filter((r) => r.custom && r.type.startsWith("grafana:"));
        expect(grafanaResources.length).toBeGreaterThan(0);
        expect([...new Set(grafanaResources.map((r) => r.provider))]).toEqual([providers[0].urn]);
    });
});

/**
 * What the plan engine hands to the mocks while a plan runs, failed or not: the custom resources
 * registered (the mocks ask `untargeted` about each one as it registers), in order.
 */
async function registrations(stack: string, sets: readonly string[], previousOutputs: Record<string, unknown>, stackConfig?: PlanOptions["stackConfig"]): Promise<{ registered: string[]; error: unknown }> {
    const registered: string[] = [];
    const error: unknown = await runPlan({
        stack, sets, previousOutputs, ...(stackConfig !== undefined ? { stackConfig } : {}),
        untargeted: (type, name) => {
            registered.push(`${type} ${name}`);
            return undefined;
        },
    }).then(() => undefined, (e: unknown) => e);
    return { registered, error };
}

/**
 * A region key of the identity (`aws:region`, `launchpad:drRegion`) set to `value`: production refuses
 * it with `problem` (exit 2 from the plan CLI, and before any AWS or Kubernetes resource registers:
 * every one waits on the AWS provider, whose region waits on the check); staging warns with the same
 * line and records the new value as `field`.
 */
function refusedInProductionWarnedInStaging(key: string, value: string, field: "region" | "drRegion", problem: string): void {
    const set = `${key}=${value}`;
    it(`production refuses ${key}=${value} from npm run plan --previous-outputs: exit 2, the exact message, nothing on stdout`, async () => {
        const r = await planCli(["--stack", "production", "--previous-outputs", outputsFile(await deployed("production")), "--set", set]);
        expect(r).toEqual({ code: 2, stdout: "", stderr: `Invalid configuration for stack "production" (1 problem):\n  - ${problem}\n` });
    });

    it(`production: a refused ${key} registers no AWS or Kubernetes resource`, async () => {
        const { registered, error } = await registrations("production", [set], await deployed("production"));
        expect((error as ConfigError).problems).toEqual([problem]);
        expect(registered.filter((r) => r.startsWith("aws:") || r.startsWith("kubernetes:") || r.startsWith("grafana:"))).toEqual([]);
    });

    it(`staging warns with the same line and records ${field} ${value}`, async () => {
        const p = await planStack("staging", [set], { previousOutputs: await deployed("staging") });
        expect(p.log.filter((l) => l.includes("recorded identity"))).toEqual([`warning: ${problem}`]);
        expect((p.outputs[IDENTITY_OUTPUT] as StackIdentity)[field]).toBe(value);
    });
}

/**
 * The region: @pulumi/aws 7 fills each regional resource's `region` from the provider's
 * (pulumi/pulumi-aws provider/region.go applyRegion) and terraform-provider-aws 6 replaces a
 * resource whose `region` changes (internal/provider/sdkv2/region.go forceNewIfRegionChanges), so a
 * new `aws:region` creates every regional resource anew in the other region and deletes the old ones.
 */
describe("the region (aws:region)", () => {
    const REGION_PROBLEM = `aws:region: received "us-east-2"; expected "us-east-1", the region the stack's AWS resources are in (its recorded identity): ` +
        "every regional AWS resource records the provider's region as its own (pulumi/pulumi-aws provider/region.go applyRegion) and is replaced when it changes " +
        "(hashicorp/terraform-provider-aws internal/provider/sdkv2/region.go forceNewIfRegionChanges): the database, its keys, vaults and buckets, and the VPC and the EKS cluster where the stack has its own " +
        "(every Kubernetes object with the cluster), are created anew, empty, in the other region, and the old ones deleted, the data with them: at the end of the update, or first where the program names them (the EKS cluster, the backup vaults and plan, log groups, KMS aliases: pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace); " +
        "where they are protected (production) the update stops at the first of them, after the others were created; " +
        WAY_OUT;

    refusedInProductionWarnedInStaging("aws:region", "us-east-2", "region", REGION_PROBLEM);

    it("a stack recorded before the field is read from its region output, where its record shows AWS resources of its own", () => {
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", networkCidr: "10.0.0.0/16" }, region: "us-east-1" })).toEqual({ namespace: "n", region: "us-east-1", networkCidr: "10.0.0.0/16" });
        expect(recordedIdentity({ namespace: "n", databaseIdentifier: "x-db", region: "us-east-1" })).toEqual({ namespace: "n", region: "us-east-1", database: { instance: "x-db" } });
        // An existing cluster without a data layer has no AWS resource: its region output names nothing that moves.
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n" }, region: "us-east-1" })).toEqual({ namespace: "n" });
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", region: "[secret]" } })).toEqual({ namespace: "n" });
    });

    it.each<[string, StackIdentity, StackIdentity, string[]]>([
        ["the same region", { region: "us-east-1" }, { region: "us-east-1" }, []],
        ["another region", { region: "us-east-1" }, { region: "eu-west-1" }, ["aws:region: received \"eu-west-1\""]],
        ["nothing recorded", {}, { region: "eu-west-1" }, []],
        ["no AWS resource now (an existing cluster without a data layer)", { region: "us-east-1" }, {}, []],
    ])("identityChanges: %s", (_, recorded, current, starts) => {
        expect(identityChanges(recorded, current).map((p) => p.slice(0, p.indexOf(";")))).toEqual(starts);
    });
});

/**
 * The DR region: the DR vault, the replica bucket, their keys and the RDS backup replication set
 * `region: launchpad:drRegion` themselves, so terraform-provider-aws 6 replaces each of them when it
 * changes (internal/provider/sdkv2/region.go forceNewIfRegionChanges), and AWS Backup deletes a vault
 * only once it is empty (AWS Backup API Reference, DeleteBackupVault).
 */
describe("the DR region (launchpad:drRegion)", () => {
    const DR_PROBLEM = `launchpad:drRegion: received "us-west-1"; expected "us-west-2", the region the stack's disaster-recovery copies are in (its recorded identity): ` +
        "every disaster-recovery resource names it as its own region and is replaced when it changes " +
        "(hashicorp/terraform-provider-aws internal/provider/sdkv2/region.go forceNewIfRegionChanges): the replica bucket, the KMS keys, the RDS backup replication and the DR restore drill's network are created anew, empty, " +
        "in the other region and the old ones deleted at the end of the update; the DR backup vault, named by the program, is deleted first " +
        "(pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace), which AWS Backup does only for an empty vault (DeleteBackupVault): " +
        "staging's forceDestroy deletes its recovery points, the DR copies with them; production's are protected and its vaults locked, so the update stops at the first of them, after the steps before it ran; " +
        WAY_OUT;

    refusedInProductionWarnedInStaging("launchpad:drRegion", "us-west-1", "drRegion", DR_PROBLEM);

    it("a stack recorded before the field is read from its drRegion output, where its record shows a data layer", () => {
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", database: { instance: "x-db" } }, drRegion: "us-west-2" })).toEqual({ namespace: "n", drRegion: "us-west-2", database: { instance: "x-db" } });
        expect(recordedIdentity({ namespace: "n", databaseIdentifier: "x-db", drRegion: "us-west-2" })).toEqual({ namespace: "n", drRegion: "us-west-2", database: { instance: "x-db" } });
        // No data layer, no DR copies: the output names nothing that moves.
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", networkCidr: "10.0.0.0/16" }, drRegion: "us-west-2" })).toEqual({ namespace: "n", networkCidr: "10.0.0.0/16" });
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", drRegion: "[secret]" } })).toEqual({ namespace: "n" });
    });

    it.each<[string, StackIdentity, StackIdentity, string[]]>([
        ["the same DR region", { drRegion: "us-west-2" }, { drRegion: "us-west-2" }, []],
        ["another DR region", { drRegion: "us-west-2" }, { drRegion: "eu-west-1" }, ["launchpad:drRegion: received \"eu-west-1\""]],
        ["nothing recorded", {}, { drRegion: "eu-west-1" }, []],
        ["no data layer now", { drRegion: "us-west-2" }, {}, []],
    ])("identityChanges: %s", (_, recorded, current, starts) => {
        expect(identityChanges(recorded, current).map((p) => p.slice(0, p.indexOf(";")))).toEqual(starts);
    });
});

/**
 * The name prefix: every resource's name starts with it (lib/stack-name.ts), and a new name replaces
 * a named resource (ForceNew on the EKS cluster's name and the RDS identifier in
 * terraform-provider-aws; pulumi-kubernetes on metadata.name), so a change of it is a change of identity.
 */
describe("the name prefix (launchpad:namePrefix)", () => {
    const renamed = (received: string, expected: string) =>
        `launchpad:namePrefix: received ${received}; expected ${expected}, the prefix of every resource's name this stack deployed (its recorded identity): ` +
        "a new prefix renames, so replaces, every named resource: the EKS cluster, the database (a new, empty one), the backup vaults, buckets and plan, the IAM roles, " +
        `the namespace with every object in it, each created anew and the old one deleted, first where the program names it (pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace); ${WAY_OUT}`;
    const DEFAULT = `none (the default "<project>-<stack>")`;

    it("production refuses a prefix set on a stack deployed without one, in one line (not as a namespace and a dropped restore), before any AWS, Kubernetes or Grafana resource registers", async () => {
        const { registered, error } = await registrations("production", ["launchpad:namePrefix=lp-prod"], await deployed("production"));
        expect((error as ConfigError).problems).toEqual([renamed('"lp-prod"', DEFAULT)]);
        expect(registered.filter((r) => r.startsWith("aws:") || r.startsWith("kubernetes:") || r.startsWith("grafana:"))).toEqual([]);
    });

    it("production refuses removing the prefix it deployed with, and another prefix", async () => {
        const previous = await deployed("production", ["launchpad:namePrefix=lp-prod"]);
        expect(previous[IDENTITY_OUTPUT]).toMatchObject({ namePrefix: "lp-prod", namespace: "lp-prod", database: { instance: "lp-prod-db" } });
        const err = (sets: string[]) => planStack("production", sets, { previousOutputs: previous }).then(() => undefined, (e: unknown) => e);
        expect(((await err([])) as ConfigError).problems).toEqual([renamed(DEFAULT, '"lp-prod"')]);
        expect(((await err(["launchpad:namePrefix=lp-prd"])) as ConfigError).problems).toEqual([renamed('"lp-prd"', '"lp-prod"')]);
        await expect(planStack("production", ["launchpad:namePrefix=lp-prod"], { previousOutputs: previous })).resolves.toBeDefined();
    });

    it("staging warns with the same line and records the new prefix", async () => {
        const p = await planStack("staging", ["launchpad:namePrefix=lp-stg"], { previousOutputs: await deployed("staging") });
        expect(p.log.filter((l) => l.includes("recorded identity"))).toEqual([`warning: ${renamed('"lp-stg"', DEFAULT)}`]);
        expect((p.outputs[IDENTITY_OUTPUT] as StackIdentity).namePrefix).toBe("lp-stg");
    });

    it("a stack recorded before the field, or without a prefix, is not refused; a prefix equal to the default records nothing", async () => {
        const previous = await deployed("production");
        expect(previous[IDENTITY_OUTPUT]).not.toHaveProperty("namePrefix");
        const legacy = { namespace: previous.namespace, databaseIdentifier: previous.databaseIdentifier };
        await expect(planStack("production", [], { previousOutputs: legacy })).resolves.toBeDefined();
        const same = await planStack("production", ["launchpad:namePrefix=launchpad-production"], { previousOutputs: previous });
        expect(same.outputs[IDENTITY_OUTPUT]).toEqual(previous[IDENTITY_OUTPUT]);
    });
});

describe("what passes", () => {
    it("an unchanged stack, and a change that updates in place (instance class)", async () => {
        const previous = await deployed("production");
        const same = await planStack("production", [], { previousOutputs: previous });
        expect(same.outputs[IDENTITY_OUTPUT]).toEqual(previous[IDENTITY_OUTPUT]);
        const resized = await planStack("production", ["launchpad:database.instanceClass=db.r6g.large"], { previousOutputs: previous });
        expect(resized.log.filter((l) => l.includes("recorded identity"))).toEqual([]);
    });

    it("a first deploy (no previous outputs) with any identity", async () => {
        const p = await planStack("production", ["launchpad:database.username=admin2", "launchpad:cluster.namespace=api"], { previousOutputs: {} });
        expect((p.outputs[IDENTITY_OUTPUT] as StackIdentity).database?.username).toBe("admin2");
        expect((p.outputs[IDENTITY_OUTPUT] as StackIdentity).namespace).toBe("api");
    });

    it("an intentional restore: a new instance under a new identifier, recorded as the identity from then on", async () => {
        const previous = await deployed("production");
        const restored = await planStack("production", [SNAPSHOT], { previousOutputs: previous });
        const identity = restored.outputs[IDENTITY_OUTPUT] as StackIdentity;
        expect(identity.database?.restored).toBe(true);
        expect(identity.database?.instance).toMatch(/^launchpad-production-db-r[0-9a-f]{8}$/);
        // The restore really is a replacement under a new identifier (plan/changes.ts), which the check lets through.
        const instance = planChanges(await planStack("production"), restored).find((c) => c.type === "aws:rds/instance:Instance");
        expect(instance?.kind).toBe("replace");
        // Then the restored database's name and user come from its source (instanceArgs sends neither): config may say anything.
        await expect(planStack("production", [SNAPSHOT, "launchpad:database.username=admin2"], { previousOutputs: { ...restored.outputs } })).resolves.toBeDefined();
    });
});

describe("staging warns and goes on", () => {
    it("prints the same line as a warning and records the new identity", async () => {
        const previous = await deployed("staging");
        const p = await planStack("staging", ["launchpad:database.username=admin2"], { previousOutputs: previous });
        expect(p.log.filter((l) => l.includes("recorded identity"))).toEqual([
            expect.stringContaining(`launchpad:database.username: received "admin2"; expected "launchpad_admin", the master user the instance was created with (the stack's recorded identity): ${FORCE_NEW}`),
        ]);
        expect((p.outputs[IDENTITY_OUTPUT] as StackIdentity).database?.username).toBe("admin2");
        const r = await planCli(["--stack", "staging", "--previous-outputs", outputsFile(previous), "--set", "launchpad:database.username=admin2"]);
        expect(r.code).toBe(0);
        expect(r.stderr).toContain("launchpad:database.username: received \"admin2\"; expected \"launchpad_admin\"");
    });
});

describe("the EKS version step, refused in every tier (EKS User Guide \"Update existing cluster to new Kubernetes version\": no downgrade; eksctl \"Cluster upgrades\": one minor at a time)", () => {
    const STEP = "(EKS User Guide, \"Update existing cluster to new Kubernetes version\"; eksctl \"Cluster upgrades\": \"one minor version at a time\"), so UpdateClusterVersion would refuse it mid-update; " +
        `move one minor per pulumi up (${IDENTITY_DOCS})`;

    it("staging, deployed at 1.36, refuses going back to 1.35 with the exact message (no 1.37 on the EKS calendar to offer), though it only warns of identity changes", async () => {
        const previous = await deployed("staging");
        const r = await planCli(["--stack", "staging", "--previous-outputs", outputsFile(previous), "--set", "launchpad:cluster.version=\"1.35\""]);
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
        expect(r.stderr).toContain(`launchpad:cluster.version: received "1.35"; expected "1.36": the cluster runs "1.36" (the stack's recorded identity), and EKS never downgrades a cluster ${STEP}`);
    });

    it("production, recorded at 1.34, refuses a jump to 1.36 and accepts 1.35", async () => {
        const previous = await deployed("production");
        const at134 = { ...previous, [IDENTITY_OUTPUT]: { ...(previous[IDENTITY_OUTPUT] as StackIdentity), clusterVersion: "1.34" } };
        const jump = await planCli(["--stack", "production", "--previous-outputs", outputsFile(at134), "--set", "launchpad:cluster.version=\"1.36\""]);
        expect(jump.code).toBe(2);
        expect(jump.stderr).toContain(`launchpad:cluster.version: received "1.36"; expected "1.34" or "1.35": the cluster runs "1.34" (the stack's recorded identity), and EKS updates a cluster one minor version at a time ${STEP}`);
        const step = await planStack("production", [], { previousOutputs: at134 });
        expect((step.outputs[IDENTITY_OUTPUT] as StackIdentity).clusterVersion).toBe("1.35");
    });

    it.each<[string, string | undefined, string, boolean]>([
        ["the same minor", "1.35", "1.35", true],
        ["the next minor", "1.35", "1.36", true],
        ["two minors up", "1.34", "1.36", false],
        ["one minor down", "1.36", "1.35", false],
        ["nothing recorded (a first update, or a stack recorded before the field)", undefined, "1.36", true],
        ["an existing cluster (nothing current)", "1.35", "", true],
    ])("%s", (_, was, now, passes) => {
        const recorded: StackIdentity = was === undefined ? {} : { clusterVersion: was };
        const current: StackIdentity = now === "" ? {} : { clusterVersion: now };
        expect(clusterVersionStepProblems(recorded, current)).toHaveLength(passes ? 0 : 1);
    });

    it("is recorded only for Launchpad's own EKS cluster and read back as a string", () => {
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { clusterVersion: "1.35" } })).toEqual({ clusterVersion: "1.35" });
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { clusterVersion: 1.35 } })).toEqual({});
    });
});

describe("identityChanges, the rule itself", () => {
    const db = { engine: "mysql", name: "app", username: "u", instance: "x-db", restored: false };
    it.each<[string, StackIdentity, StackIdentity, string[]]>([
        ["nothing recorded", {}, { namespace: "n", database: db }, []],
        ["a field recorded by no earlier update", { namespace: "n", database: { instance: "x-db" } }, { namespace: "n", database: { ...db, username: "v" } }, []],
        ["a name change under a kept restore", { database: { ...db, instance: "x-db-r1", restored: true } }, { database: { ...db, name: "b", instance: "x-db-r1", restored: true } }, []],
        ["a new restore with a new engine", { database: db }, { database: { ...db, engine: "postgres", instance: "x-db-r2", restored: true } }, []],
        ["the engine under a kept restore", { database: { ...db, instance: "x-db-r1", restored: true } }, { database: { ...db, engine: "postgres", instance: "x-db-r1", restored: true } }, ["launchpad:database.engine"]],
        ["a database removed", { database: db }, {}, []],
    ])("%s", (_, recorded, current, keys) => {
        expect(identityChanges(recorded, current).map((p) => p.slice(0, p.indexOf(":", p.indexOf(":") + 1)))).toEqual(keys);
    });

    it("reads the legacy outputs and ignores what is not a string", () => {
        expect(recordedIdentity({ namespace: "n", databaseIdentifier: "x-db" })).toEqual({ namespace: "n", database: { instance: "x-db" } });
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: 3, database: { engine: null } } })).toEqual({ database: {} });
        expect(recordedIdentity({})).toEqual({});
    });
});

/**
 * An existing cluster's identity is its API server, the Kubernetes provider's `clusterIdentifier`
 * (components/cluster.ts `kubeconfigServer`): pulumi-kubernetes replaces the provider, and every
 * Kubernetes object with it, only when that changes (provider/pkg/provider/provider.go DiffConfig;
 * `@pulumi/kubernetes` provider.d.ts). The offline plan never decrypts a secret, so the program's run
 * with the stack's decrypted config (what `pulumi up` hands it; the rollback's `stackConfig`) is how
 * the comparison itself is exercised here.
 */
describe("an existing cluster's API server (launchpad:cluster.kubeconfig)", () => {
    const PROM = "launchpad:observability.prometheusUrl=https://prometheus.shop.internal";
    const kubeconfig = (server: string, token = "t") =>
        `apiVersion: v1\nclusters: [{name: shop, cluster: {server: "${server}"}}]\ncontexts: [{name: shop, context: {cluster: shop, user: deploy}}]\ncurrent-context: shop\nusers: [{name: deploy, user: {token: ${token}}}]\n`;
    const SERVER = "https://shop-a.k8s.internal";
    /** The stack's config as `pulumi up` hands it to the program: the kubeconfig decrypted, its key still secret. */
    const decrypted = (stack: string, text: string) => {
        const sc = stackConfigFor({ stack, sets: [PROM], secretSets: ["launchpad:cluster.kubeconfig=stand-in"] });
        return { ...sc, values: { ...sc.values, "launchpad:cluster": { ...(sc.values["launchpad:cluster"] as Record<string, unknown>), kubeconfig: text } } };
    };
    const up = (stack: string, text: string, previousOutputs?: Record<string, unknown>) => runPlan({ stack, stackConfig: decrypted(stack, text), ...(previousOutputs !== undefined ? { previousOutputs } : {}) });
    /** What `pulumi stack output --json --show-secrets` gives after a deploy to `SERVER`. */
    const deployedTo = async (stack: string): Promise<Record<string, unknown>> => {
        const p = await up(stack, kubeconfig(SERVER));
        return { ...p.outputs, [IDENTITY_OUTPUT]: { ...(p.outputs[IDENTITY_OUTPUT] as StackIdentity), clusterServer: SERVER } };
    };
    const ANOTHER = "launchpad:cluster.kubeconfig: received a kubeconfig for another API server; expected one for the server this stack deployed to (its recorded identity, " +
        "the secret identity.clusterServer of `pulumi stack output --json --show-secrets`): another server replaces the Kubernetes provider (its clusterIdentifier: " +
        "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig) and with it every Kubernetes object of the stack, each created in the other cluster and deleted from this one; " +
        `keep the recorded server (a new token or CA for it is an update); to move on purpose, deploy a new stack on the other cluster (pulumi stack init), move the data, then retire this one (${IDENTITY_DOCS})`;

    it("is recorded as a secret field of the identity output, the namespace still plain and the Namespace's name not a secret", async () => {
        const p = await up("production", kubeconfig(SERVER));
        expect(p.outputs[IDENTITY_OUTPUT]).toEqual({ namespace: "launchpad-production", clusterServer: "[secret]" });
        expect(ofType(p, "kubernetes:core/v1:Namespace").map((r) => input(r, "metadata.name"))).toEqual(["launchpad-production"]);
        expect(ofType(p, "pulumi:providers:kubernetes").map((r) => input(r, "clusterIdentifier"))).toEqual(["[secret]"]);
        // The unsecreted server the check compares reaches no resource input (policies/secrets.ts secrets-stay-secret).
        const violations = await evaluatePlan(p, path.join(REPO_ROOT, "policies", "config", "production.json"));
        expect(violations.filter((v) => v.policy === "secrets-stay-secret")).toEqual([]);
        expect(JSON.stringify(p)).not.toContain("shop-a");
    });

    it("the Provider, like the Namespace, waits on the check, so a refused server registers neither (pulumi up --skip-preview included)", async () => {
        const p = await up("production", kubeconfig(SERVER));
        const self = p.resources.filter((r) => r.type === "pulumi:pulumi:StackReference" && r.name === "launchpad-production-history").map((r) => r.urn);
        expect(self).toHaveLength(1);
        expect(ofType(p, "pulumi:providers:kubernetes").map((r) => r.propertyDependencies.clusterIdentifier)).toEqual([expect.arrayContaining(self)]);
        expect(ofType(p, "kubernetes:core/v1:Namespace").map((r) => r.propertyDependencies.metadata)).toEqual([expect.arrayContaining(self)]);
    });

    it("a switch back to Launchpad's own EKS cluster, refused in production, registers no AWS, Kubernetes or Grafana resource: the new VPC and EKS cluster wait on the check through the AWS provider (pulumi up --skip-preview included)", async () => {
        const { registered, error } = await registrations("production", [], await deployedTo("production"));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^launchpad:cluster\.kubeconfig: received none; expected the kubeconfig of the existing cluster this stack deployed to/)]);
        expect(registered.filter((r) => r.startsWith("aws:") || r.startsWith("kubernetes:") || r.startsWith("grafana:"))).toEqual([]);
        // The same plan without the refusal (a first update) registers the VPC and the EKS cluster.
        const first = await registrations("production", [], {});
        expect(first.error).toBeUndefined();
        expect(first.registered).toEqual(expect.arrayContaining(["aws:ec2/vpc:Vpc launchpad-production-network-vpc", "aws:eks/cluster:Cluster launchpad-production-cluster-eks"]));
    });

    it("production refuses another server, naming neither URL", async () => {
        const err: unknown = await up("production", kubeconfig("https://shop-b.k8s.internal"), await deployedTo("production")).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([ANOTHER]);
        expect((err as ConfigError).message).not.toContain("k8s.internal");
    });

    it("production passes the same server with a rotated token; staging warns of another server and goes on", async () => {
        const same = await up("production", kubeconfig(SERVER, "rotated"), await deployedTo("production"));
        expect(same.log.filter((l) => l.includes("recorded identity"))).toEqual([]);
        const staging = await up("staging", kubeconfig("https://shop-b.k8s.internal"), await deployedTo("staging"));
        expect(staging.log.filter((l) => l.includes("recorded identity"))).toEqual([`warning: ${ANOTHER}`]);
    });

    it("a stack recorded before the field, or an output read without --show-secrets, is not refused", async () => {
        const previous = await deployedTo("production");
        const legacy = { ...previous, [IDENTITY_OUTPUT]: { namespace: "launchpad-production" } };
        await expect(up("production", kubeconfig("https://shop-b.k8s.internal"), legacy)).resolves.toBeDefined();
        expect(recordedIdentity({ [IDENTITY_OUTPUT]: { namespace: "n", clusterServer: "[secret]" } })).toEqual({ namespace: "n" });
    });

    it("npm run plan --previous-outputs: production refuses a kubeconfig on a stack deployed to its own EKS cluster, exit 2", async () => {
        const r = await planCli(["--stack", "production", "--previous-outputs", outputsFile(await deployed("production")), "--set", PROM,
            "--set-secret", `launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig(SERVER))}`]);
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
        expect(r.stderr).toContain("launchpad:cluster.kubeconfig: received a kubeconfig; expected none: this stack deployed to an EKS cluster of its own (its recorded identity records its Kubernetes minor), " +
            "and an existing cluster replaces the Kubernetes provider");
        expect(r.stderr).not.toContain("shop-a");
    });

    it("npm run plan --previous-outputs cannot read the secret kubeconfig, so it says the server is compared only by pulumi preview and up", async () => {
        const r = await planCli(["--stack", "production", "--previous-outputs", outputsFile(await deployedTo("production")), "--set", PROM,
            "--set-secret", `launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig("https://shop-b.k8s.internal"))}`]);
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n").filter((l) => l.includes("API server the stack's identity records"))).toEqual([
            "warning: launchpad:cluster.kubeconfig: not compared with the API server the stack's identity records: this run cannot read the kubeconfig's server (the offline plan never decrypts a secret); " +
                `pulumi preview and pulumi up compare it, and production refuses another server (${IDENTITY_DOCS})`,
        ]);
    });

    it.each<[string, StackIdentity, StackIdentity, string[]]>([
        ["the same server", { clusterServer: "https://a" }, { clusterServer: "https://a" }, []],
        ["another server", { clusterServer: "https://a" }, { clusterServer: "https://b" }, ["launchpad:cluster.kubeconfig: received a kubeconfig for another API server"]],
        ["an existing cluster left for an own EKS cluster", { clusterServer: "https://a" }, { clusterVersion: "1.35" }, ["launchpad:cluster.kubeconfig: received none"]],
        ["an own EKS cluster left for an existing one, its server unread", { clusterVersion: "1.35" }, {}, ["launchpad:cluster.kubeconfig: received a kubeconfig"]],
        ["an existing cluster whose server this run cannot read", { clusterServer: "https://a" }, {}, []],
        ["nothing recorded", {}, { clusterServer: "https://b" }, []],
    ])("identityChanges: %s", (_, recorded, current, starts) => {
        expect(identityChanges(recorded, current).map((p) => p.slice(0, p.indexOf(";")))).toEqual(starts);
    });
});
