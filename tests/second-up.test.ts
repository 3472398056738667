/**
 * The second `pulumi up`: the changes users make, planned before and after under the offline engine
 * and compared resource by resource (plan/changes.ts). Each replacement is justified by the provider
 * rule plan/changes.ts cites; each replacement of the database is either refused by the engine
 * (production's protect) or made create-first, so it can never delete the data before a replacement
 * exists.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INSTANCE_DELETE_BEFORE_REPLACE } from "../components/database";
import { changeWarnings, changedPaths, planChanges, renderChanges, REPLACE_RULES, type ResourceChange } from "../plan/changes";
import { REPO_ROOT, type Plan } from "../plan/engine";
import { planCli } from "../scripts/plan";
import { named, planStack } from "./support/plan";
import { createHash } from "node:crypto";
import { ANNOTATIONS } from "../lib/delivery";
import { retryDisruptedPods } from "../lib/workload";
import { LOADTEST_SPEC_FILE } from "../loadtest/job";

/** The changes of one `--set` list against the stack file, as `{ name: kind }` plus the changes themselves. */
async function changesOf(stack: string, sets: readonly string[]): Promise<{ kinds: Record<string, string>; changes: ResourceChange[] }> {
    const changes = planChanges(await planStack(stack), await planStack(stack, sets));
    return { kinds: Object.fromEntries(changes.map((c) => [c.name, c.kind])), changes };
}

function change(changes: readonly ResourceChange[], name: string): ResourceChange {
    const found = changes.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no change of ${name}: ${changes.map((c) => c.name).join(", ")}`);
    return found;
}

const PROTECTED = "the engine refuses it: the resource is protected (pulumi/pulumi pkg/resource/deploy/step_generator.go: \"unable to replace resource ... marked for protection\")";

describe("changes that update in place", () => {
    // One row per usual change: the set, and every resource that changes with its kind.
    const cases: { what: string; stack: string; sets: string[]; kinds: Record<string, string> }[] = [
        {
            what: "a new image for the idle color: its Deployment is updated (Deployment forceNew is .spec.selector only), its gate Job is a new one",
            stack: "production",
            sets: ["launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0"],
            kinds: { "launchpad-production-api-green": "update", "launchpad-production-api-green-gate": "replace" },
        },
        {
            what: "replicas: the autoscalers' minimum (the Deployments ignore spec.replicas)",
            stack: "production",
            sets: ["launchpad:services.api.replicas=4"],
            kinds: { "launchpad-production-api-blue-hpa": "update", "launchpad-production-api-green-hpa": "update" },
        },
        {
            what: "env: both colors' pod templates, and new gate Jobs",
            stack: "staging",
            sets: ["launchpad:services.api.env.LOG_LEVEL=debug"],
            kinds: {
                "launchpad-staging-api-blue": "update",
                "launchpad-staging-api-green": "update",
                "launchpad-staging-api-blue-gate": "replace",
                "launchpad-staging-api-green-gate": "replace",
            },
        },
        {
            what: "the database's instance class (instance_class is not ForceNew)",
            stack: "production",
            sets: ["launchpad:database.instanceClass=db.r6g.xlarge"],
            kinds: { "launchpad-production-database-instance": "update" },
        },
        {
            what: "the database's storage and its autoscaling ceiling",
            stack: "production",
            sets: ["launchpad:database.allocatedStorageGb=300", "launchpad:database.maxAllocatedStorageGb=2000"],
            kinds: { "launchpad-production-database-instance": "update" },
        },
        {
            what: "a minor engine version (engine_version is not ForceNew; the parameter group's family stays)",
            stack: "production",
            sets: ['launchpad:database.engineVersion="8.4.3"'],
            kinds: { "launchpad-production-database-instance": "update" },
        },
        {
            what: "the alert thresholds: the rule group's rules (only name and folder_uid are ForceNew)",
            stack: "production",
            sets: ["launchpad:observability.thresholds.errorRatio=0.02"],
            kinds: { "launchpad-production-observability-rules-launchpad-service": "update" },
        },
    ];
    it.each(cases)("$what", async ({ stack, sets, kinds }) => {
        const got = await changesOf(stack, sets);
        expect(got.kinds).toEqual(kinds);
        expect(got.changes.filter((c) => c.hazard !== undefined)).toEqual([]);
    });

    it("the tier's log retention: log groups are updated (retention_in_days is not ForceNew)", async () => {
        const before = await planStack("staging");
        const group = named(before, "launchpad-staging-cluster-control-plane-logs");
        const after: Plan = { ...before, resources: before.resources.map((r) => (r.urn === group.urn ? { ...r, inputs: { ...r.inputs, retentionInDays: 365 } } : r)) };
        expect(planChanges(before, after)).toMatchObject([{ name: group.name, kind: "update", paths: ["retentionInDays"] }]);
    });

    it("a tag: every AWS resource that carries tags is updated, nothing is replaced", async () => {
        const { changes } = await changesOf("production", ["launchpad:tags.owner=team-x"]);
        expect(changes.length).toBeGreaterThan(40);
        expect(changes.filter((c) => c.kind !== "update")).toEqual([]);
        expect(new Set(changes.map((c) => c.type.split(":")[0]))).toEqual(new Set(["aws"]));
    });
});

describe("launchpad:database.caBundleUrl is in the pod templates (docs/data-protection.md, \"The data layer\")", () => {
    it("setting it rolls both colors in place, their db-ca init container's DB_SSL_CA_URL (and the shape and gate run they record), updates the dump CronJob's check container and the drill check's find container, runs the grants Job again (its template is force-new) and each color's gate on its new pods (gateRunId follows the address)", async () => {
        const { changes } = await changesOf("staging", ['launchpad:database.caBundleUrl="https://ca.example.internal/rds-global-bundle.pem"']);
        const deployment = ["metadata.annotations.launchpad.dev/pod-shape", "metadata.annotations.launchpad.dev/pod-template", "spec.template.spec.initContainers[0].env[0].value"];
        const gate = ["metadata.annotations.launchpad.dev/pod-template", "metadata.name"];
        expect(changes.map((c) => [c.name, c.kind, c.paths])).toEqual([
            ["launchpad-staging-database-grants-job", "replace", ["spec.template.spec.initContainers[0].env[0].value"]],
            ["launchpad-staging-logical-backup-drill", "update", ["spec.jobTemplate.spec.template.spec.initContainers[0].env[5].value"]],
            ["launchpad-staging-api-blue", "update", deployment],
            ["launchpad-staging-api-green", "update", deployment],
            ["launchpad-staging-logical-backup-dump", "update", ["spec.jobTemplate.spec.template.spec.initContainers[0].env[8].value"]],
            // Before, neither gate Job changed: the idle color's pods rolled onto the new address under a gate already complete for the old ones.
            ["launchpad-staging-api-blue-gate", "replace", gate],
            ["launchpad-staging-api-green-gate", "replace", gate],
        ]);
    });
});

describe("changes that replace", () => {
    it("a gate Job is replaced create-first: its name carries the release, so the new one never collides", async () => {
        const { changes } = await changesOf("production", ["launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0"]);
        const job = change(changes, "launchpad-production-api-green-gate");
        expect(job).toMatchObject({ kind: "replace", order: "create-first", source: REPLACE_RULES["kubernetes:batch/v1:Job"].source });
        expect(job.replacedBy).toContain("metadata.name");
        expect(job.hazard).toBeUndefined();
    });

    it("node instance types replace every zone's node group create-first (auto-named), and no Kubernetes object with them", async () => {
        // instance_types is ForceNew (terraform-provider-aws internal/service/eks/node_group.go); the
        // Provider keys on clusterIdentifier, not the node groups (issue #11, item 4).
        const { changes } = await changesOf("production", ["launchpad:nodeGroup.instanceTypes=[m7i.xlarge]"]);
        expect(changes.map((c) => [c.name, c.kind, c.order, c.replacedBy])).toEqual(
            ["launchpad-production-cluster-nodes", "launchpad-production-cluster-nodes-1", "launchpad-production-cluster-nodes-2"]
                .map((n) => [n, "replace", "create-first", ["instanceTypes"]]),
        );
        expect(changes.filter((c) => c.hazard !== undefined)).toEqual([]);
    });

    it("capacity type replaces the node groups too (capacity_type is ForceNew)", async () => {
        const { changes } = await changesOf("staging", ["launchpad:nodeGroup.capacityType=SPOT"]);
        expect(changes.map((c) => [c.name, c.kind, c.order])).toEqual([["launchpad-staging-cluster-nodes", "replace", "create-first"], ["launchpad-staging-cluster-nodes-1", "replace", "create-first"]]);
    });
});

/** `plan` with one resource's inputs edited (by name, or by URN where names repeat): a change no config key makes. */
function edited(plan: Plan, nameOrUrn: string, inputs: Record<string, unknown>): Plan {
    const urn = nameOrUrn.startsWith("urn:") ? nameOrUrn : named(plan, nameOrUrn).urn;
    return { ...plan, resources: plan.resources.map((r) => (r.urn === urn ? { ...r, inputs: { ...r.inputs, ...inputs } as typeof r.inputs } : r)) };
}

describe("every type's rule, read from its provider's source (vendor/provider-force-new)", () => {
    it("a VPC CIDR replaces the VPC (ec2/vpc_.go cidr_block) and, on its new id, the subnets, route tables and security groups (vpc_subnet.go, vpc_route_table.go, vpc_security_group.go vpc_id); the internet gateway is updated (vpc_internet_gateway.go: no ForceNew); the EKS cluster keeps the subnets it was created with (ignoreChanges: EKS takes no subnet of another VPC)", async () => {
        const { changes } = await changesOf("staging", ["launchpad:network.cidr=10.30.0.0/16"]);
        expect(change(changes, "launchpad-staging-network-vpc")).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["cidrBlock"] });
        expect(change(changes, "launchpad-staging-network-private-0")).toMatchObject({ kind: "replace", replacedBy: ["cidrBlock", "vpcId"], after: ["launchpad-staging-network-vpc"] });
        expect(change(changes, "launchpad-staging-network-public-rt")).toMatchObject({ kind: "replace", replacedBy: ["vpcId"] });
        expect(change(changes, "launchpad-staging-database-sg")).toMatchObject({ kind: "replace", replacedBy: ["vpcId"] });
        expect(change(changes, "launchpad-staging-network-igw")).toMatchObject({ kind: "update", paths: ["vpcId"] });
        expect(changes.filter((c) => c.name === "launchpad-staging-cluster-eks")).toEqual([]);
        // And, one step further, what takes the new subnets' ids (eks/node_group.go subnet_ids, vpc_nat_gateway.go subnet_id).
        expect(change(changes, "launchpad-staging-cluster-nodes")).toMatchObject({ kind: "replace", replacedBy: ["subnetIds[0]"], after: ["launchpad-staging-network-private-0"] });
        expect(change(changes, "launchpad-staging-network-nat-0")).toMatchObject({ kind: "replace", replacedBy: ["subnetId"] });
        expect(changes.filter((c) => c.kind === "change")).toEqual([]);
    });

    it("the cluster's Kubernetes version updates it in place (eks/cluster.go: version is not ForceNew)", async () => {
        // From the previous supported version to the stack file's.
        const changes = planChanges(await planStack("staging", ['launchpad:cluster.version="1.35"']), await planStack("staging"));
        expect(change(changes, "launchpad-staging-cluster-eks")).toMatchObject({ kind: "update", paths: ["version"] });
        expect(changes.filter((c) => c.kind === "replace" || c.kind === "change")).toEqual([]);
    });

    it("a KMS key's description updates it (kms/key.go: description is not ForceNew; key_usage is)", async () => {
        const before = await planStack("production");
        expect(planChanges(before, edited(before, "launchpad-production-backup-plan-vault-key", { description: "vault key" }))).toMatchObject([{ kind: "update", paths: ["description"] }]);
        expect(planChanges(before, edited(before, "launchpad-production-backup-plan-vault-key", { keyUsage: "SIGN_VERIFY" }))).toMatchObject([{ kind: "replace", replacedBy: ["keyUsage"] }]);
    });

    it("a renamed KMS alias is replaced delete-first: the program sets its autonamed `name` (kms/alias.go name ForceNew; pulumi-terraform-bridge nameRequiresDeleteBeforeReplace)", async () => {
        const before = await planStack("staging");
        const alias = before.resources.find((r) => r.type === "aws:kms/alias:Alias");
        if (alias === undefined) throw new Error("no KMS alias in staging");
        expect(planChanges(before, edited(before, alias.name, { name: "alias/renamed" }))[0]).toMatchObject({ name: alias.name, kind: "replace", order: "delete-first", replacedBy: ["name"] });
    });

    it("a grafana rule group's name replaces it (resource_alerting_rule_group.go name ForceNew), delete-first because the program names it (pulumi-grafana SetAutonaming, bridge nameRequiresDeleteBeforeReplace)", async () => {
        const before = await planStack("production");
        const group = "launchpad-production-observability-rules-launchpad-service";
        expect(planChanges(before, edited(before, group, { name: "renamed" }))).toMatchObject([{ name: group, kind: "replace", order: "delete-first", replacedBy: ["name"] }]);
    });

    // The cluster, named by the program, is replaced delete-first (pulumi-terraform-bridge
    // nameRequiresDeleteBeforeReplace), so the engine's dependent walk runs first (pulumi/pulumi
    // step_generator.go calculateDependentReplacements): the node groups (eks/node_group.go cluster_name
    // ForceNew, made unknown), the OIDC provider (url), the Kubernetes provider (its kubeconfig and
    // clusterIdentifier are the cluster's: pulumi-kubernetes provider.go DiffConfig replaces for an unknown
    // kubeconfig) and, through it, every Kubernetes object are deleted first and created again after it.
    it("a replaced EKS cluster is deleted first, and before it everything the engine replaces with it: the node groups and, through the Kubernetes provider, every Kubernetes object, each created again in the new cluster", async () => {
        const before = await planStack("staging");
        const cluster = "launchpad-staging-cluster-eks";
        expect(named(before, "launchpad-staging-cluster-k8s").inputs.clusterIdentifier).toBe(named(before, cluster).arn);
        const changes = planChanges(before, edited(before, cluster, { roleArn: "arn:aws:iam::123456789012:role/another" }));
        expect(change(changes, cluster)).toMatchObject({ kind: "replace", order: "delete-first", replacedBy: ["roleArn"] });
        expect(change(changes, cluster).dependentOf).toBeUndefined();
        expect(change(changes, "launchpad-staging-cluster-k8s")).toMatchObject({ kind: "replace", order: "delete-first", replacedBy: ["clusterIdentifier", "kubeconfig"], dependentOf: [cluster] });
        expect(change(changes, "launchpad-staging-cluster-nodes")).toMatchObject({
            kind: "replace", order: "delete-first", replacedBy: ["clusterName", "version"], dependentOf: [cluster],
            hazard: `its nodes are deleted before ${cluster} is replaced, with every pod they run, and created again after it`,
        });
        expect(change(changes, "launchpad-staging-cluster-oidc")).toMatchObject({ kind: "replace", order: "delete-first", replacedBy: ["url"], dependentOf: [cluster] });
        // Every Kubernetes object, through its provider (replaced with the cluster), whatever its own inputs.
        const objects = before.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map((r) => r.name);
        expect(objects.length).toBeGreaterThan(30);
        expect(objects.filter((n) => change(changes, n).kind !== "replace" || change(changes, n).order !== "delete-first" || change(changes, n).dependentOf?.[0] !== cluster)).toEqual([]);
        expect(change(changes, "launchpad-staging-api-blue").hazard).toBe(`its pods are deleted before ${cluster} is replaced and come back only when the Deployment is created again after it: nothing of it serves in between`);
        // The security group's ingress takes the cluster's security group (not ForceNew: updated), IAM nothing.
        expect(change(changes, "launchpad-staging-database-sg").kind).toBe("update");
        expect(changes.filter((c) => c.type.startsWith("aws:iam/") && c.type !== "aws:iam/openIdConnectProvider:OpenIdConnectProvider" && c.kind === "replace")).toEqual([]);
        expect(changeWarnings(changes)).toContain(`warning: replace of ${cluster}: the cluster is deleted before its replacement exists, and before it everything the engine replaces with it`);
    });

    it("production: the cluster is protected (the tier's protect), so its replacement is refused before the engine's walk deletes anything (step_generator.go: the protect check comes before calculateDependentReplacements)", async () => {
        const before = await planStack("production");
        const cluster = "launchpad-production-cluster-eks";
        expect(named(before, cluster).protect).toBe(true);
        const changes = planChanges(before, edited(before, cluster, { roleArn: "arn:aws:iam::123456789012:role/another" }));
        expect(change(changes, cluster)).toMatchObject({ kind: "replace", order: "delete-first", hazard: PROTECTED });
        expect(changes.filter((c) => c.dependentOf !== undefined || c.mayBeDependentOf !== undefined)).toEqual([]);
        expect(changes.map((c) => c.name)).toEqual([cluster]);
    });

    it("without protect, the cluster's deletion protection would fail its delete only after the engine's walk deleted what goes with it", async () => {
        const deployed = await planStack("production");
        const cluster = "launchpad-production-cluster-eks";
        const unprotected: Plan = { ...deployed, resources: deployed.resources.map((r) => (r.name === cluster ? { ...r, protect: false } : r)) };
        const changes = planChanges(unprotected, edited(unprotected, cluster, { roleArn: "arn:aws:iam::123456789012:role/another" }));
        expect(change(changes, cluster).hazard).toBe("the cluster's deletion protection fails its delete, but only after the engine has deleted, delete-first, everything it replaces with the cluster (its dependents below: the node groups and, through the Kubernetes provider, every Kubernetes object): the update stops with all of them gone from the live cluster");
        expect(change(changes, "launchpad-production-api-ingress")).toMatchObject({ kind: "replace", order: "delete-first", dependentOf: [cluster] });
    });

    it("a dashboard's JSON updates it unless its uid changes (resource_dashboard.go CustomizeDiff ForceNew on config_json)", async () => {
        const before = await planStack("staging");
        const dashboard = before.resources.find((r) => r.type === "grafana:oss/dashboard:Dashboard");
        if (dashboard === undefined || typeof dashboard.inputs.configJson !== "string") throw new Error("no dashboard JSON in staging");
        const json = JSON.parse(dashboard.inputs.configJson) as Record<string, unknown>;
        expect(planChanges(before, edited(before, dashboard.name, { configJson: JSON.stringify({ ...json, title: "renamed" }) }))).toMatchObject([{ kind: "update", paths: ["configJson"] }]);
        expect(planChanges(before, edited(before, dashboard.name, { configJson: JSON.stringify({ ...json, uid: "other-uid" }) }))).toMatchObject([{ kind: "replace", replacedBy: ["configJson"] }]);
    });

    it("a change of the CA fetch scripts replaces their ConfigMap under its name, deleted first (pulumi-kubernetes diff.go: a ConfigMap's data without enableConfigMapMutable; provider.go Diff: a kept name), and nothing else: no pod template, no migration Job", async () => {
        const before = await planStack("staging");
        const name = "launchpad-staging-api-db-ca-fetch";
        const data = named(before, name).inputs.data as Record<string, string>;
        const changes = planChanges(before, edited(before, name, { data: { ...data, "lib.sh": `${data["lib.sh"]}# edited\n` } }));
        expect(changes.map((c) => [c.name, c.kind, c.replacedBy, c.order])).toEqual([[name, "replace", ["data.lib.sh"], "delete-first"]]);
    });

    it("a master password's length replaces the password (random resource_password.go length RequiresReplace); the instance takes the new one as an update (rds/instance.go: password is not ForceNew) and the master's Secret is replaced (pulumi-kubernetes diff.go: stringData); no service pod rolls (they connect as the application's user)", async () => {
        const before = await planStack("staging");
        const changes = planChanges(before, edited(before, "launchpad-staging-database-master-password", { length: 40 }));
        expect(changes.map((c) => [c.name, c.kind, c.replacedBy])).toEqual([
            ["launchpad-staging-database-master-password", "replace", ["length"]],
            ["launchpad-staging-database-instance", "update", []],
            ["launchpad-staging-database-connection", "replace", ["stringData"]],
        ]);
        expect(change(changes, "launchpad-staging-database-instance")).toMatchObject({ paths: ["password"], after: ["launchpad-staging-database-master-password"] });
    });

    it("a new application user name runs the grants Job again (its template carries the settings' digest) and rolls both colors onto it; the instance is not touched", async () => {
        const { changes } = await changesOf("staging", ["launchpad:database.appUsername=shop_app"]);
        // Its Secret's data is secret, "[secret]" on both sides of the offline plan, which cannot see the new
        // name there (pulumi-kubernetes replaces the Secret for it, as for the master's above); the digest
        // of the settings, in clear on the templates, shows it.
        expect(changes.map((c) => [c.name, c.kind, c.replacedBy, c.order])).toEqual([
            ["launchpad-staging-database-grants-job", "replace", ["spec.template.metadata.annotations.launchpad.dev/database-connection"], "delete-first"],
            ["launchpad-staging-api-blue", "update", [], undefined],
            ["launchpad-staging-api-green", "update", [], undefined],
            // And each color's gate runs again on its pods that rolled onto the new connection (blue-green-service.ts gateConnectionAnnotations).
            ["launchpad-staging-api-blue-gate", "replace", ["spec.template.metadata.annotations.launchpad.dev/database-connection"], "delete-first"],
            ["launchpad-staging-api-green-gate", "replace", ["spec.template.metadata.annotations.launchpad.dev/database-connection"], "delete-first"],
        ]);
        // And the user's hash in the shape the Deployment records (STACK_POD_PARTS), which the in-place roll warning compares.
        expect(change(changes, "launchpad-staging-api-blue").paths).toEqual(["metadata.annotations.launchpad.dev/pod-shape", "spec.template.metadata.annotations.launchpad.dev/database-connection"]);
    });

    it("a replaced backup vault without forceDestroy: the old one's deletion fails while it holds recovery points (AWS Backup DeleteBackupVault: only an empty vault)", async () => {
        const plain = edited(await planStack("staging"), "launchpad-staging-backup-plan-dr-vault", { forceDestroy: false });
        expect(planChanges(plain, edited(plain, "launchpad-staging-backup-plan-dr-vault", { region: "us-west-1" }))[0]).toMatchObject({
            name: "launchpad-staging-backup-plan-dr-vault", kind: "replace", replacedBy: ["region"],
            hazard: "AWS Backup deletes only an empty vault (DeleteBackupVault): deleting the old one fails while it holds recovery points",
        });
    });

    it("a bucket moved to another region is replaced (terraform-provider-aws enhanced-region-support: region forces replacement)", async () => {
        const before = await planStack("production");
        const bucket = before.resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.inputs.region !== undefined);
        if (bucket === undefined) throw new Error("no replica bucket in production");
        expect(planChanges(before, edited(before, bucket.urn, { region: "eu-west-1" }))[0]).toMatchObject({ urn: bucket.urn, kind: "replace", replacedBy: ["region"] });
    });

    // pulumi-aws fills a resource's region from its provider's (provider/region.go applyRegion), so a
    // new aws:region replaces every regional resource (terraform-provider-aws sdkv2/region.go
    // forceNewIfRegionChanges), while the provider itself is only updated (no ForcesProviderReplace on
    // region since pulumi/pulumi-aws#5656). Names are per region, so nothing collides; the data goes.
    it("a new aws:region replaces every regional AWS resource of staging (IAM, global, stays), the database created anew, empty, and the old one deleted with its data", async () => {
        const after = await planStack("staging", ["aws:region=eu-west-1"]);
        const { changes } = await changesOf("staging", ["aws:region=eu-west-1"]);
        const regional = after.resources.filter((r) => r.custom && r.type.startsWith("aws:") && !r.type.startsWith("aws:iam/") && r.inputs.region === undefined);
        expect(regional.length).toBeGreaterThan(40);
        const byRegion = new Set(changes.filter((c) => c.kind === "replace" && c.replacedBy.includes("region")).map((c) => c.urn));
        expect(regional.filter((r) => !byRegion.has(r.urn)).map((r) => r.name)).toEqual([]);
        expect(changes.filter((c) => c.type.startsWith("aws:iam/") && c.replacedBy.includes("region"))).toEqual([]);
        // The DR copies name their region themselves (launchpad:drRegion): not moved.
        const dr = after.resources.filter((r) => r.type.startsWith("aws:") && r.inputs.region === "us-west-2").map((r) => r.urn);
        expect(dr.length).toBeGreaterThan(0);
        expect(changes.filter((c) => dr.includes(c.urn) && c.replacedBy.includes("region"))).toEqual([]);
        // Named by the program, so delete-first (pulumi-terraform-bridge pkg/tfbridge/schema.go
        // nameRequiresDeleteBeforeReplace): the old EKS cluster and vault go before the new ones exist.
        expect(change(changes, "launchpad-staging-cluster-eks")).toMatchObject({ kind: "replace", order: "delete-first" });
        expect(change(changes, "launchpad-staging-backup-plan-vault")).toMatchObject({ kind: "replace", order: "delete-first" });
        // The database, and the vault, whose forceDestroy (staging) deletes its recovery points with it; the
        // rest are the cluster's and what the engine replaces, delete-first, with it (the test above).
        const warnings = changeWarnings(changes).split("\n").filter((l) => l !== "" && !/ (launchpad-staging-cluster-eks|launchpad-staging-api-[a-z-]+|launchpad-staging-cluster-nodes(-1)?): /.test(l));
        expect(changes.filter((c) => c.hazard !== undefined && c.name !== "launchpad-staging-cluster-eks" && c.dependentOf !== undefined).map((c) => c.dependentOf)).toEqual(Array(11).fill(["launchpad-staging-cluster-eks"]));
        expect(warnings.sort()).toEqual([
            "warning: replace of launchpad-staging-backup-plan-vault: the old vault's recovery points are deleted with it (forceDestroy), so every backup in it is lost",
            // Idempotent (scripts/db/app-role.sh): it sets the same user again, on the new instance.
            "warning: replace of launchpad-staging-database-grants-job: the Job is deleted before launchpad-staging-cluster-eks is replaced and created again after it, so it runs again (a migration Job runs its migrations again)",
            "warning: replace of launchpad-staging-database-instance: the database is created anew, empty, in \"eu-west-1\", and the old one is deleted with its data at the end of the update",
        ]);
    });

    // The DR resources set region: launchpad:drRegion themselves, so a new drRegion replaces each of
    // them (sdkv2/region.go forceNewIfRegionChanges) and nothing else; the vault, named by the program,
    // delete-first (pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace).
    it("a new launchpad:drRegion replaces every DR resource of staging and only those, the DR vault delete-first and emptied", async () => {
        const before = await planStack("staging");
        const { changes } = await changesOf("staging", ["launchpad:drRegion=us-west-1"]);
        const dr = before.resources.filter((r) => r.custom && r.inputs.region === "us-west-2").map((r) => r.name).sort();
        expect(dr).toContain("launchpad-staging-backup-plan-dr-vault");
        expect(changes.filter((c) => c.kind === "replace").map((c) => c.name).sort()).toEqual(dr);
        // AWS Backup deletes only an empty vault (DeleteBackupVault): staging's forceDestroy empties it, the DR copies lost.
        expect(change(changes, "launchpad-staging-backup-plan-dr-vault")).toMatchObject({
            kind: "replace", order: "delete-first", hazard: "the old vault's recovery points are deleted with it (forceDestroy), so every backup in it is lost",
        });
        // What points at them follows as an update: the plan's copy actions, the bucket replication.
        expect(change(changes, "launchpad-staging-backup-plan-plan").kind).toBe("update");
        expect(change(changes, "launchpad-staging-backup-storage-replication").kind).toBe("update");
    });
});

describe("a major engine version is an in-place upgrade, applied in this update (tests/database-major.test.ts has the refusals)", () => {
    const PG = ["launchpad:database.engine=postgres"];

    it("postgres 16 to 17 over a recorded 16: a new parameter group first, the instance upgraded in place and at once, the old group deleted after; no hazard", async () => {
        const before = await planStack("staging", [...PG, 'launchpad:database.engineVersion="16"']);
        const after = await planStack("staging", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: before.outputs });
        const changes = planChanges(before, after);
        // The parameter group's family is ForceNew (rds/parameter_group.go): a new, auto-named group,
        // whose name the instance takes once it exists.
        expect(change(changes, "launchpad-staging-database-params")).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["family"] });
        const instance = change(changes, "launchpad-staging-database-instance");
        expect(instance).toMatchObject({ kind: "update", paths: ["applyImmediately", "engineVersion", "parameterGroupName"], after: ["launchpad-staging-database-params"] });
        expect(instance.hazard).toBeUndefined();
        expect(named(after, "launchpad-staging-database-instance").inputs).toMatchObject({ engineVersion: "17", allowMajorVersionUpgrade: true, applyImmediately: true });
    });

    it("planned without the stack's outputs (no --previous-outputs: nothing recorded, nothing applied immediately) the upgrade would wait for the maintenance window, and --changes says why the update would fail", async () => {
        const before = await planStack("staging", [...PG, 'launchpad:database.engineVersion="16"']);
        const after = await planStack("staging", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: {} });
        expect(change(planChanges(before, after), "launchpad-staging-database-instance")).toMatchObject({
            kind: "update",
            hazard: "postgres16 to postgres17 is a major version upgrade not applied immediately: RDS holds it for the maintenance window, and deleting the replaced parameter group, which the instance still uses, fails (InvalidDBParameterGroupState)",
        });
    });

    it("an instance without allowMajorVersionUpgrade is still said to be refused by RDS (terraform-provider-aws rds/instance.go sends the flag only as set)", async () => {
        const before = await planStack("staging", [...PG, 'launchpad:database.engineVersion="16"']);
        const after = await planStack("staging", [...PG, 'launchpad:database.engineVersion="17"'], { previousOutputs: before.outputs });
        const instance = after.resources.find((r) => r.name === "launchpad-staging-database-instance");
        if (instance === undefined) throw new Error("no instance");
        const without = { ...after, resources: after.resources.map((r) => (r === instance ? { ...r, inputs: { ...r.inputs, allowMajorVersionUpgrade: undefined } } : r)) } as Plan;
        expect(change(planChanges(before, without), "launchpad-staging-database-instance").hazard).toBe(
            "postgres16 to postgres17 is a major version upgrade, which RDS refuses without AllowMajorVersionUpgrade (the instance does not set it): this update fails",
        );
    });

    it("every stack's instance allows a major upgrade and applies nothing immediately when the major stays", async () => {
        for (const stack of ["staging", "production"]) {
            const first = await planStack(stack);
            const again = await planStack(stack, [], { previousOutputs: first.outputs });
            for (const p of [first, again]) {
                expect(named(p, `launchpad-${stack}-database-instance`).inputs).toMatchObject({ allowMajorVersionUpgrade: true, applyImmediately: false });
            }
        }
    });

    it("a minor version in the same family is no hazard", async () => {
        const { changes } = await changesOf("production", ['launchpad:database.engineVersion="8.4.3"']);
        expect(change(changes, "launchpad-production-database-instance").hazard).toBeUndefined();
    });
});

// pulumi-kubernetes replaces a Job only for .spec.completions, .spec.parallelism, .spec.selector and
// .spec.template (provider/pkg/provider/diff.go `job`, commit 94977969) and sends any other change as an
// update, while the API server refuses a change of podFailurePolicy, completionMode, backoffLimitPerIndex,
// managedBy or successPolicy on an existing Job (kubernetes pkg/apis/batch/validation/validation.go
// ValidateJobSpecUpdate: ValidateImmutableField); backoffLimit and activeDeadlineSeconds may change.
describe("a Job's immutable spec fields: an update the API server refuses", () => {
    /** `after` with the staging blue gate Job's spec patched, as a code change would plan it. */
    function withGateSpec(after: Plan, patch: Record<string, unknown>): Plan {
        const gate = named(after, "launchpad-staging-api-blue-gate");
        return { ...after, resources: after.resources.map((r) => (r === gate ? { ...r, inputs: { ...r.inputs, spec: { ...(r.inputs.spec as object), ...patch } } } : r)) } as Plan;
    }

    it("a new podFailurePolicy on a gate Job: an update, said to fail; a new activeDeadlineSeconds: an update, no hazard", async () => {
        const before = await planStack("staging");
        const policy = withGateSpec(before, { podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] } });
        expect(change(planChanges(before, policy), "launchpad-staging-api-blue-gate")).toMatchObject({
            kind: "update",
            hazard: "the API server refuses a change of spec.podFailurePolicy on an existing Job (field is immutable: kubernetes pkg/apis/batch/validation ValidateJobSpecUpdate), " +
                "which pulumi-kubernetes sends as an update (a Job is replaced only for metadata.name, metadata.namespace, spec.completions, spec.parallelism, spec.selector, spec.template): this update fails. " +
                "Give the Job a new name with the change (a new Job), or delete it first",
        });
        const deadline = withGateSpec(before, { activeDeadlineSeconds: 999 });
        const c = change(planChanges(before, deadline), "launchpad-staging-api-blue-gate");
        expect(c).toMatchObject({ kind: "update", paths: ["spec.activeDeadlineSeconds"] });
        expect(c.hazard).toBeUndefined();
    });

    // The load gate's Job had no podFailurePolicy, so a node drain or node group update during its run
    // failed `pulumi up` (backoffLimit 0) for a healthy release. Adding the policy must give the Job a new
    // name (loadGateId folds in the Job spec's immutable fields), or the next up would send an update the
    // API server refuses.
    it("the load gate Job's podFailurePolicy (retryDisruptedPods) came with a new name: from the state before it, the next up replaces the Job, no hazard", async () => {
        const after = await planStack("staging", ['launchpad:services.api.performance={"loadGate":true}']);
        for (const color of ["blue", "green"]) {
            const job = named(after, `launchpad-staging-api-${color}-load`);
            const spec = job.inputs.spec as { podFailurePolicy?: unknown } & Record<string, unknown>;
            expect(spec.podFailurePolicy).toEqual(retryDisruptedPods());
            // The Job as the state holds it before this change: no policy, and named by the id as it
            // was then, of the release, the load scenario and the bounds alone.
            const meta = job.inputs.metadata as { name: string; annotations: Record<string, string> };
            const run = JSON.parse((named(after, `launchpad-staging-api-${color}-load-spec`).inputs.data as Record<string, string>)[LOADTEST_SPEC_FILE]) as { scenario: unknown; server: unknown };
            const oldId = createHash("sha256").update(JSON.stringify({ release: meta.annotations[ANNOTATIONS.releaseId], scenario: run.scenario, server: run.server })).digest("hex").slice(0, 10);
            const oldSpec = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== "podFailurePolicy"));
            const old = { ...job, inputs: { ...job.inputs, metadata: { ...meta, name: `api-${color}-load-${oldId}` }, spec: oldSpec } };
            const before = { ...after, resources: after.resources.map((r) => (r === job ? old : r)) } as Plan;
            const c = change(planChanges(before, after), `launchpad-staging-api-${color}-load`);
            expect(c).toMatchObject({ kind: "replace", replacedBy: ["metadata.name"] });
            expect(c.hazard).toBeUndefined();
        }
    });
});

describe("the database is never deleted before its replacement exists", () => {
    it("the instance overrides the provider's delete-first (identifier auto-named since pulumi/pulumi-aws PR #6437)", async () => {
        expect(INSTANCE_DELETE_BEFORE_REPLACE).toBe(false);
        for (const stack of ["staging", "production"]) {
            expect(named(await planStack(stack), `launchpad-${stack}-database-instance`).options.deleteBeforeReplace).toBe(false);
        }
    });

    it.each([
        ["the database name", "launchpad:database.name=app2", "dbName"],
        ["the master user name", "launchpad:database.username=admin2", "username"],
    ])("production: a change of %s (ForceNew) is refused by the engine: the instance is protected", async (_what, set, by) => {
        const { changes } = await changesOf("production", [set]);
        expect(change(changes, "launchpad-production-database-instance")).toMatchObject({ kind: "replace", replacedBy: [by], hazard: PROTECTED });
    });

    it("staging: the same change is create-first under the same identifier, which RDS refuses with the data intact", async () => {
        const { changes } = await changesOf("staging", ["launchpad:database.name=app2"]);
        expect(change(changes, "launchpad-staging-database-instance")).toMatchObject({
            kind: "replace",
            order: "create-first",
            replacedBy: ["dbName"],
            hazard: "the new resource is created under the old one's name \"launchpad-staging-db\" while the old one exists: the cloud refuses it (\"already exists\"), nothing is lost",
        });
    });

    it("staging: a restore from the stack's own instance creates the restored one first, beside its source (docs/runbooks/README.md, Run a restore)", async () => {
        const { changes } = await changesOf("staging", ['launchpad:database.restore={sourceInstance: launchpad-staging-db, time: "2026-11-01T10:00:00Z"}']);
        const instance = change(changes, "launchpad-staging-database-instance");
        expect(instance).toMatchObject({ kind: "replace", order: "create-first" });
        expect(instance.replacedBy).toContain("restoreToPointInTime");
        expect(instance.hazard).toBeUndefined();
        // As the runbook's preview checklist says: the parameter group replaced (its description
        // names the instance, ForceNew), the subnet group updated (description is not ForceNew).
        expect(change(changes, "launchpad-staging-database-params")).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["description"] });
        expect(change(changes, "launchpad-staging-database-subnets")).toMatchObject({ kind: "update", paths: ["description"] });
        // The restore drill's selection follows the new security group (an update the checklist names);
        // it names no parameter group (components/backup-plan.ts rdsRestoreMetadataOverrides).
        expect(change(changes, "launchpad-staging-backup-plan-restore-testing-database")).toMatchObject({
            kind: "update",
            paths: ["restoreMetadataOverrides.vpcSecurityGroupIds"],
        });
        // The DR drill's selection names the new instance's ARN: replaced, delete-first, because the
        // provider's Update never sends a change of protectedResourceArns alone (components/backup-plan.ts
        // DR_SELECTION_REPLACED_ON_NEW_ARN; hashicorp/terraform-provider-aws#48316).
        expect(change(changes, "launchpad-staging-backup-plan-dr-restore-testing-database")).toMatchObject({
            kind: "replace",
            order: "delete-first",
            paths: ["protectedResourceArns[0]"],
            replacedBy: ["protectedResourceArns[0]"],
        });
        // The log groups carry the identifier in their names (name is ForceNew, logs/group.go), and are
        // replaced create-first: delete-first (the provider's for a set name) would delete the old
        // instance's logs before the restore, while it still runs (components/database.ts LOG_GROUP_DELETE_BEFORE_REPLACE).
        for (const log of ["error", "slowquery"]) {
            expect(change(changes, `launchpad-staging-database-log-${log}`)).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["name"] });
        }
        // The connection Secrets' data change: pulumi-kubernetes replaces a Secret for it, delete-first under its fixed name.
        expect(change(changes, "launchpad-staging-database-connection")).toMatchObject({ kind: "replace", order: "delete-first" });
        expect(change(changes, "launchpad-staging-database-app-connection")).toMatchObject({ kind: "replace", order: "delete-first" });
        // The grants Job runs again, on the restored instance (which brought back the source's users and
        // passwords): its template carries the digest of the application user's settings, the host among them.
        expect(change(changes, "launchpad-staging-database-grants-job")).toMatchObject({ kind: "replace", replacedBy: ["spec.template.metadata.annotations.launchpad.dev/database-connection"] });
        // Then both colors' pods roll onto the new Secret: their template carries the digest of its settings,
        // the restored instance's host among them (components/database-client.ts databaseRolloutAnnotations),
        // and they wait for the Secret through dependsOn, never an input of it, so the engine does not replace
        // them with it (see the end of this file). Nothing else of theirs changes.
        for (const color of ["blue", "green"]) {
            expect(change(changes, `launchpad-staging-api-${color}`)).toMatchObject({ kind: "update", paths: ["spec.template.metadata.annotations.launchpad.dev/database-connection"] });
        }
        // The gate Jobs are replaced under their names (a Job's template is force-new: pulumi-kubernetes
        // provider/pkg/provider/diff.go `job`), so each color's gate runs again on the pods that rolled onto the
        // restored instance before a switch may admit them (blue-green-service.ts gateConnectionAnnotations);
        // no migration Job is (their templates carry no connection): no migration runs again.
        const gates = ["launchpad-staging-api-blue-gate", "launchpad-staging-api-green-gate"];
        for (const gate of gates) {
            expect(change(changes, gate)).toMatchObject({ kind: "replace", order: "delete-first", replacedBy: ["spec.template.metadata.annotations.launchpad.dev/database-connection"] });
        }
        expect(changes.filter((c) => c.type === "kubernetes:batch/v1:Job" && c.name !== "launchpad-staging-database-grants-job" && !gates.includes(c.name))).toEqual([]);
    });

    it("production: the same restore is refused until the runbook's unprotect step", async () => {
        const { changes } = await changesOf("production", ['launchpad:database.restore={sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00Z"}']);
        expect(change(changes, "launchpad-production-database-instance")).toMatchObject({ kind: "replace", order: "create-first", hazard: PROTECTED });
        // The old instance, kept for the postmortem, keeps its logs: its log groups go only with it ("Finish the old instance").
        expect(change(changes, "launchpad-production-database-log-error")).toMatchObject({ kind: "replace", order: "create-first", replacedBy: ["name"] });
    });

    it("without the override the provider's delete-first would drop the data: the hazard the option prevents", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:database.name=app2"]);
        const withoutOverride = (p: Plan): Plan => ({
            ...p,
            resources: p.resources.map((r) => (r.type === "aws:rds/instance:Instance" ? { ...r, options: { ...r.options, deleteBeforeReplace: undefined } } : r)),
        });
        const instance = change(planChanges(withoutOverride(before), withoutOverride(after)), "launchpad-staging-database-instance");
        expect(instance).toMatchObject({ order: "delete-first", hazard: "the database is deleted before its replacement exists: its data, and the source a restore reads" });
    });
});

describe("the rules themselves", () => {
    it("a chart pin changes a Helm release in place; its name or namespace replaces it", async () => {
        const before = await planStack("production");
        const release = named(before, "launchpad-production-platform-metrics-server");
        const edit = (inputs: Record<string, unknown>): Plan => ({
            ...before,
            resources: before.resources.map((r) => (r.urn === release.urn ? { ...r, inputs: { ...r.inputs, ...inputs } as typeof r.inputs } : r)),
        });
        expect(planChanges(before, edit({ version: "9.9.9" }))).toMatchObject([{ kind: "update", paths: ["version"] }]);
        expect(planChanges(before, edit({ namespace: "other" }))).toMatchObject([{ kind: "replace", order: "create-first", replacedBy: ["namespace"] }]);
    });

    it("changed paths reach the leaves, arrays by index", () => {
        expect(changedPaths({ a: { b: [1, { c: 2 }] }, d: 1 }, { a: { b: [1, { c: 3 }] }, d: 1 })).toEqual(["a.b[1].c"]);
        expect(changedPaths({ a: [1] }, { a: [1, 2] })).toEqual(["a"]);
        expect(changedPaths({ a: 1 }, { a: 1 })).toEqual([]);
    });

    it("renders each change on a line and each hazard as a warning", async () => {
        const { changes } = await changesOf("production", ["launchpad:database.name=app2"]);
        expect(renderChanges(changes)).toBe(
            "changes:\n" +
            "  aws:rds/instance:Instance launchpad-production-database-instance: replace (create-first) because dbName\n" +
            "  kubernetes:batch/v1:Job launchpad-production-database-grants-job: replace (delete-first) because spec.template.metadata.annotations.launchpad.dev/database-connection\n" +
            "  kubernetes:batch/v1:CronJob launchpad-production-logical-backup-drill: update spec.jobTemplate.spec.template.spec.initContainers[1].env[3].value\n" +
            "  kubernetes:apps/v1:Deployment launchpad-production-api-blue: update spec.template.metadata.annotations.launchpad.dev/database-connection\n" +
            "  kubernetes:apps/v1:Deployment launchpad-production-api-green: update spec.template.metadata.annotations.launchpad.dev/database-connection\n" +
            "  kubernetes:batch/v1:CronJob launchpad-production-logical-backup-verify: update spec.jobTemplate.spec.template.spec.containers[0].env[3].value, spec.jobTemplate.spec.template.spec.initContainers[0].env[3].value, spec.jobTemplate.spec.template.spec.initContainers[1].env[3].value\n" +
            "  kubernetes:batch/v1:CronJob launchpad-production-logical-backup-dump: update spec.jobTemplate.spec.template.spec.containers[0].env[3].value, spec.jobTemplate.spec.template.spec.initContainers[0].env[3].value, spec.jobTemplate.spec.template.spec.initContainers[1].env[3].value\n" +
            "  kubernetes:batch/v1:Job launchpad-production-api-blue-gate: replace (delete-first) because spec.template.metadata.annotations.launchpad.dev/database-connection\n" +
            "  kubernetes:batch/v1:Job launchpad-production-api-green-gate: replace (delete-first) because spec.template.metadata.annotations.launchpad.dev/database-connection\n",
        );
        expect(changeWarnings(changes)).toBe(`warning: replace of launchpad-production-database-instance: ${PROTECTED}\n`);
        expect(renderChanges([])).toBe("changes: none\n");
        expect(changeWarnings([])).toBe("");
    });
});

describe("npm run plan -- --changes", () => {
    it("lists what the overrides change after the plan and warns on stderr of a replacement the engine refuses", async () => {
        const r = await planCli(["--stack", "production", "--changes", "--set", "launchpad:database.username=admin2"]);
        expect(r.code).toBe(0);
        // The pods' template carries the digest of the application user's settings, which the master's name is not part of.
        expect(r.stdout.endsWith("\nchanges:\n  aws:rds/instance:Instance launchpad-production-database-instance: replace (create-first) because username\n")).toBe(true);
        expect(r.stderr).toContain(`warning: replace of launchpad-production-database-instance: ${PROTECTED}\n`);
    });

    it("puts the changes in the JSON document", async () => {
        const r = await planCli(["--stack", "staging", "--changes", "--json", "--set", "launchpad:database.instanceClass=db.t4g.large"]);
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as { changes: unknown }).changes).toEqual([{
            urn: expect.stringMatching(/::launchpad-staging-database-instance$/) as unknown,
            type: "aws:rds/instance:Instance",
            name: "launchpad-staging-database-instance",
            kind: "update",
            paths: ["instanceClass"],
            replacedBy: [],
            source: REPLACE_RULES["aws:rds/instance:Instance"].source,
        }]);
        expect(r.stderr).not.toContain("warning: update");
    });

    it("prints what docs/operations.md quotes under Changes that replace", async () => {
        const doc = readFileSync(join(REPO_ROOT, "docs/operations.md"), "utf8");
        const command = "npm run plan -- --stack production --changes --set launchpad:database.username=admin2";
        const at = doc.indexOf(`\`\`\`sh\n${command}\n\`\`\`\n\n\`\`\`text\n`);
        expect(at).toBeGreaterThanOrEqual(0);
        const start = doc.indexOf("```text\n", at) + "```text\n".length;
        const quoted = doc.slice(start, doc.indexOf("```", start));
        const r = await planCli(["--stack", "production", "--changes", "--set", "launchpad:database.username=admin2"]);
        const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning: replace of ")).map((l) => `${l}\n`).join("");
        expect(quoted).toBe(`${r.stdout.slice(r.stdout.lastIndexOf("changes:\n"))}${warnings}`);
    });
});

// A replaced object that keeps its name is deleted first (pulumi-kubernetes provider.go Diff:
// deleteBeforeReplace for a named object; diff.go: a Secret's or ConfigMap's data is force-new). Before
// that delete the engine replaces, delete-first too, every dependent that takes an input from it and
// would be replaced by that input becoming unknown (pulumi/pulumi pkg/resource/deploy/step_generator.go
// `calculateDependentReplacements`: the whole top-level input, `spec`, made unknown). pulumi-kubernetes
// marshals that unknown `spec` as an object whose merge patch removes every key of the old one
// (provider.go Diff -> inputPatch, convertPatchToDiff), `spec.selector` of a Deployment and
// `spec.template` of a Job among them, both force-new: the live color's Deployment would be deleted,
// and every migration run again, by a rotated password, a restore or a change of the CA fetch script
// (pulumi/pulumi-kubernetes#1567). So a Deployment or a Job names such an object by its fixed name and
// waits for it with dependsOn, which that walk does not follow.
describe("no Deployment or Job takes an input from a named Secret or ConfigMap (a delete-first replacement would replace it too)", () => {
    it.each([["staging", []], ["production", []], ["staging", ['launchpad:services.api.performance={"loadGate":true}']]] as const)("%s %j", async (stack, sets) => {
        const plan = await planStack(stack, [...sets]);
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        const named = (urn: string): boolean => {
            const r = byUrn.get(urn);
            return r !== undefined && ["kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"].includes(r.type) && typeof (r.inputs.metadata as { name?: unknown } | undefined)?.name === "string";
        };
        const workloads = plan.resources.filter((r) => ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job"].includes(r.type));
        expect(workloads.length).toBeGreaterThanOrEqual(4);
        const taken = workloads.flatMap((r) => Object.entries(r.propertyDependencies).flatMap(([prop, urns]) => urns.filter(named).map((u) => `${r.name}.${prop} <- ${byUrn.get(u)?.name ?? u}`)));
        expect(taken).toEqual([]);
        // They still wait for those objects: a pod must not start before its Secret and ConfigMaps exist
        // (a Deployment, the application user's Secret; the grants Job, both users' and its scripts).
        for (const r of workloads.filter((w) => w.type === "kubernetes:apps/v1:Deployment")) {
            expect(r.dependencies.filter(named).map((u) => byUrn.get(u)?.name).sort()).toEqual([`launchpad-${stack}-api-db-ca-fetch`, `launchpad-${stack}-database-app-connection`]);
        }
        const grants = workloads.find((w) => w.name === `launchpad-${stack}-database-grants-job`);
        expect(grants?.dependencies.filter(named).map((u) => byUrn.get(u)?.name).sort()).toEqual([
            `launchpad-${stack}-database-app-connection`, `launchpad-${stack}-database-connection`, `launchpad-${stack}-database-grants-scripts`,
        ]);
    });
});
