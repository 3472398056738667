import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, sharePlans } from "../plan/engine";
import { SECRET_PLACEHOLDER } from "../plan/stack-config";
import { planCli } from "../scripts/plan";
import { planProcessAsync } from "./support/compiled";
import { planStack, typeCounts } from "./support/plan";
import { skipProcesses } from "./support/timing";

const SKIP_PROCESSES = skipProcesses("tests/plan-cli.test.ts", "the bundle's runs as processes of their own and its rebuild (the same plans run in-process)");

interface JsonPlan {
    stack: string;
    resources: {
        urn: string;
        type: string;
        name: string;
        parent: string | null;
        inputs: Record<string, unknown>;
        dependsOn: string[];
        protect: boolean;
        provider: string | null;
        custom: boolean;
        options: Record<string, unknown>;
        dependencies: string[];
        propertyDependencies: Record<string, string[]>;
        id: string | null;
        arn: string | null;
        registeredOutputs: Record<string, unknown> | null;
    }[];
    outputs: Record<string, unknown>;
    placeholders: { key: string; kind: string; value: string | null; reason: string; fix: string }[];
}

/**
 * `planCli` once per argument list in this file: each test asserts on the command's real output,
 * and several read the same one (a plan takes about a second; the file stays fast).
 */

const runs = new Map<string, ReturnType<typeof planCli>>();
function cli(argv: string[]): ReturnType<typeof planCli> {
    const key = JSON.stringify(argv);
    let r = runs.get(key);
    if (r === undefined) {
        r = planCli(argv);
        runs.set(key, r);
    }
    return r;
}

async function planJson(stack: string, ...sets: string[]): Promise<JsonPlan> {
    const r = await cli(["--stack", stack, "--json", ...sets.flatMap((s) => ["--set", s])]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as JsonPlan;
}

/** What staging and production both have. */
const SHARED_COUNTS = {
    "pulumi:pulumi:Stack": 1,
    // The stack's own previous outputs (its release history), read through a StackReference to itself.
    "pulumi:pulumi:StackReference": 1,
    "launchpad:environment:Environment": 1,
    "pulumi:providers:aws": 1,
    "launchpad:network:Network": 1,
    "launchpad:cluster:Cluster": 1,
    "launchpad:database:Database": 1,
    // The Job that makes the application's own database user (components/database-grants.ts).
    "launchpad:database:DatabaseGrants": 1,
    "launchpad:backup-storage:BackupStorage": 1,
    // The four backup buckets, each a SecureBucket (its children keep their names; aliases keep their old URNs).
    "launchpad:storage:SecureBucket": 4,
    "launchpad:backup-plan:BackupPlan": 1,
    "launchpad:backup:LogicalBackup": 1,
    "aws:cloudwatch/logGroup:LogGroup": 6,
    "aws:iam/role:Role": 15,
    // The stack's VPC, and the DR restore drill's isolated one in the DR region (components/backup-plan.ts).
    "aws:ec2/vpc:Vpc": 2,
    "aws:kms/key:Key": 6,
    "aws:rds/parameterGroup:ParameterGroup": 1,
    "aws:ec2/launchTemplate:LaunchTemplate": 1,
    "random:index/randomPassword:RandomPassword": 2,
    "aws:s3/bucket:Bucket": 4,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 9,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/routeTable:RouteTable": 3,
    "aws:kms/alias:Alias": 2,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
    "aws:iam/rolePolicy:RolePolicy": 8,
    "aws:backup/vault:Vault": 2,
    // Two public and two private, and the DR drill's two.
    "aws:ec2/subnet:Subnet": 6,
    "aws:ec2/eip:Eip": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 4,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 4,
    "aws:s3/bucketVersioning:BucketVersioning": 4,
    "aws:ec2/flowLog:FlowLog": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 4,
    "aws:s3/bucketLogging:BucketLogging": 2,
    "aws:s3/bucketPolicy:BucketPolicy": 4,
    "aws:ec2/route:Route": 3,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 2,
    // The monthly drill and the DR drill.
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": 2,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": 1,
    "aws:ec2/natGateway:NatGateway": 1,
    "aws:rds/subnetGroup:SubnetGroup": 2,
    "aws:eks/cluster:Cluster": 1,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": 2,
    "aws:backup/plan:Plan": 1,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:backup/selection:Selection": 1,
    // One managed node group per AZ (components/cluster.ts).
    "aws:eks/nodeGroup:NodeGroup": 2,
    "aws:rds/instance:Instance": 1,
    "pulumi:providers:kubernetes": 1,
    "kubernetes:core/v1:Namespace": 1,
    // The load balancer controller chart's CRDs, applied by Launchpad (components/platform.ts).
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch": 7,
    // The smoke runner, the logical backup scripts, the database CA fetch script (components/database-client.ts), the grants scripts.
    "kubernetes:core/v1:ConfigMap": 4,
    // The database master user's connection settings and the application user's.
    "kubernetes:core/v1:Secret": 2,
    "kubernetes:core/v1:ServiceAccount": 7,
    // The logical backup's dump, verify, recovery metrics and restore drill check (components/logical-backup.ts).
    "kubernetes:batch/v1:CronJob": 4,
    "launchpad:delivery:BlueGreenService": 1,
    "kubernetes:core/v1:Service": 3,
    "kubernetes:policy/v1:PodDisruptionBudget": 2,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 2,
    "kubernetes:apps/v1:Deployment": 2,
    // The colors' smoke gates and the database grants.
    "kubernetes:batch/v1:Job": 3,
    "kubernetes:networking.k8s.io/v1:Ingress": 1,
    // The application namespace's default deny and its allows (components/network-policy.ts).
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 4,
    // Observability: AMP and its scraper with AWS's ClusterRole (AMP creates the scraper's access entry), the exporters' charts, Grafana as code.
    "launchpad:observability:Observability": 1,
    // The platform baseline: add-ons, a default StorageClass, four charts with their IRSA roles, log groups;
    // and the cluster's access entries (`cluster.access`).
    "launchpad:platform:Platform": 1,
    "aws:iam/policy:Policy": 1,
    "aws:eks/addon:Addon": 4,
    "kubernetes:storage.k8s.io/v1:StorageClass": 1,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
    "aws:amp/workspace:Workspace": 1,
    "aws:amp/scraper:Scraper": 1,
    "aws:eks/accessEntry:AccessEntry": 2,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
    "kubernetes:helm.sh/v3:Release": 6,
    "pulumi:providers:grafana": 1,
    "grafana:oss/folder:Folder": 1,
    "grafana:oss/dataSource:DataSource": 2,
    "grafana:oss/dashboard:Dashboard": 4,
    "grafana:alerting/ruleGroup:RuleGroup": 4,
    "grafana:alerting/contactPoint:ContactPoint": 2,
    "grafana:alerting/muteTiming:MuteTiming": 1,
    "grafana:alerting/notificationPolicy:NotificationPolicy": 1,
};

const STAGING_COUNTS = {
    ...SHARED_COUNTS,
    // Staging only (performance runs read the AMP workspace): their ServiceAccount and its query-only IRSA role.
    "launchpad:loadtest:LoadtestAccess": 1,
    "aws:iam/role:Role": 16,
    "aws:iam/rolePolicy:RolePolicy": 9,
    "kubernetes:core/v1:ServiceAccount": 8,
};

describe("npm run plan -- --json", () => {
    it("prints exactly one JSON document with the documented shape", async () => {
        const r = await cli(["--stack", "staging", "--json"]);
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as JsonPlan;
        expect(Object.keys(doc)).toEqual(["stack", "resources", "outputs", "placeholders"]);
        expect(doc.stack).toBe("staging");
        for (const res of doc.resources) {
            expect(Object.keys(res)).toEqual(["urn", "type", "name", "parent", "inputs", "dependsOn", "protect", "provider", "custom", "options", "dependencies", "propertyDependencies", "id", "arn", "registeredOutputs"]);
            // A component's registered outputs (what the CLI's stack policies see of it); null for a custom resource.
            expect(res.custom ? res.registeredOutputs === null : typeof res.registeredOutputs === "object" && res.registeredOutputs !== null).toBe(true);
        }
        expect(r.stdout.trim().split("\n")[0]).toBe("{");
        expect(r.stdout.endsWith("}\n")).toBe(true);
    });

    it("counts every resource of staging exactly", async () => {
        const doc = await planJson("staging");
        const counts: Record<string, number> = {};
        for (const res of doc.resources) counts[res.type] = (counts[res.type] ?? 0) + 1;
        expect(counts).toEqual(STAGING_COUNTS);
        expect(doc.resources).toHaveLength(220);
    });

    it("links every parent and dependsOn to a planned resource; only the stack has no parent", async () => {
        const doc = await planJson("production");
        const urns = new Set(doc.resources.map((r) => r.urn));
        expect(urns.size).toBe(doc.resources.length);
        expect(doc.resources.filter((r) => r.parent === null).map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
        expect(doc.resources.every((r) => r.parent === null || urns.has(r.parent))).toBe(true);
        const deps = doc.resources.flatMap((r) => r.dependsOn);
        // Network 7 (EIPs and NATs on the IGW, the flow log on its role's policy), cluster 22 (the control plane on its log group and
        // role policy; each of the 3 zones' node groups on 2 node-role policies and the vpc-cni
        // add-on, the second and third also on the previous zone's group; that add-on on its IRSA
        // grant; the Kubernetes provider on the 3 node groups and two access policies; the default-deny
        // NetworkPolicy on the 3 allowing ones), data protection
        // 25 (the grants Job on both users' Secrets and its scripts; the DR drill's selection on the AWS Backup role's 2 policies), delivery 23 (each gate Job on its Deployment, preview Service and ConfigMap; each preview Service on its color's Deployment; the live
        // Service on the active pair; the alb Ingress on its controller, the active pair and both
        // preview Services; each color's Deployment on the controller, the application user's Secret, the grants Job and the CA fetch
        // ConfigMap, which no input of it is taken from), observability 14 (the scraper after its ClusterRoleBinding; the
        // notification policy after the mute timing and 4 contact points, the heartbeat included;
        // each of the 4 rule groups after the 2 data sources),
        // platform 38 (3 add-ons and 4 charts on the 3 node groups, the EBS driver on its IRSA grant, the
        // StorageClass on the EBS driver, 3 charts on their IRSA account and its grant, Fluent Bit on
        // its 2 log groups, the load balancer controller on its chart's 7 CRDs).
        expect(deps.length).toBe(129);
        expect(deps.every((d) => urns.has(d))).toBe(true);
    });

    it("renders every secret as [secret] and never the value", async () => {
        const doc = await planJson("production");
        expect(doc.outputs.kubeconfig).toBe("[secret]");
        const provider = doc.resources.find((r) => r.type === "pulumi:providers:kubernetes");
        expect(provider?.inputs.kubeconfig).toBe("[secret]");
        const text = JSON.stringify(doc);
        expect(text).not.toContain("certificate-authority-data");
        expect(text).not.toContain("get-token");
        expect(text).not.toContain(SECRET_PLACEHOLDER);
    });

    it("is deterministic: two runs print the same document", async () => {
        // One run shared with the tests above, one fresh: two separate plans of the same stack (the
        // suite shares identical plans, tests/support/share-plans.ts: not this one).
        const a = await cli(["--stack", "production", "--json"]);
        sharePlans(false);
        const b = await planCli(["--stack", "production", "--json"]).finally(() => sharePlans(true));
        expect(a.stdout).toBe(b.stdout);
    });
});

describe("--set", () => {
    it("sets one field inside an object key, leaving its siblings as the stack has them", async () => {
        const doc = await planJson("staging", "launchpad:nodeGroup.maxSize=6");
        const groups = doc.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
        // Totals 2/2/6 over the stack's 2 zones' groups.
        expect(groups.map((ng) => ng.inputs.scalingConfig)).toEqual([{ minSize: 1, desiredSize: 1, maxSize: 3 }, { minSize: 1, desiredSize: 1, maxSize: 3 }]);
        expect(groups.map((ng) => ng.inputs.instanceTypes)).toEqual([["t3.large"], ["t3.large"]]);
    });

    it("reads the value as YAML and the key as a path with indexes and quoted fields", async () => {
        const doc = await planJson(
            "staging",
            "launchpad:cluster.endpointPublicAccessCidrs[1]=198.51.100.0/24",
            'launchpad:tags["cost-center"]=ops',
            "launchpad:network.azCount=3",
            // Node totals split evenly over the zones: 3 zones need multiples of 3.
            "launchpad:nodeGroup={minSize: 3, maxSize: 6}",
        );
        const eks = doc.resources.find((r) => r.type === "aws:eks/cluster:Cluster");
        expect((eks?.inputs.vpcConfig as Record<string, unknown>).publicAccessCidrs).toEqual(["203.0.113.0/24", "198.51.100.0/24"]);
        expect((eks?.inputs.tags as Record<string, unknown>)["cost-center"]).toBe("ops");
        expect(doc.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("-network-"))).toHaveLength(6);
        expect(doc.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup").map((r) => r.inputs.scalingConfig)).toEqual(Array(3).fill({ minSize: 1, desiredSize: 1, maxSize: 2 }));
    });

    it("overrides a whole key, including the tier, and the plan follows the tier", async () => {
        // A production stack promotes from another stack (not its own name) and runs no smoke load.
        const doc = await planJson("staging", "launchpad:tier=production", "launchpad:network.natGateways=perAz", "launchpad:promotion.fromStack=production", "launchpad:services.api.smoke={}");
        expect([...new Set(doc.resources.filter((r) => r.protect).map((r) => r.type))].sort()).toEqual([
            "aws:backup/vault:Vault",
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "aws:eks/cluster:Cluster",
            "aws:kms/key:Key",
            "aws:rds/instance:Instance",
            "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
            "aws:s3/bucket:Bucket",
        ]);
        expect(doc.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway")).toHaveLength(2);
    });
});

describe("exit codes and human output", () => {
    it("prints a tree, counts by type and outputs", async () => {
        const r = await planCli(["--stack", "staging"]);
        expect(r.code).toBe(0);
        const lines = r.stdout.split("\n");
        expect(lines[0]).toBe("Offline plan for launchpad/staging: 220 resources (mocked: nothing was created or read in the cloud)");
        expect(lines[2]).toBe("pulumi:pulumi:Stack  launchpad-staging");
        expect(lines[3]).toBe("└─ launchpad:environment:Environment  launchpad-staging");
        expect(lines).toContain("   │  ├─ aws:ec2/vpc:Vpc  launchpad-staging-network-vpc  cidr=10.20.0.0/16");
        expect(lines).toContain("      ├─ aws:eks/nodeGroup:NodeGroup  launchpad-staging-cluster-nodes  zone=us-east-1a  instances=t3.large  size=1..2 (desired 1)  capacity=ON_DEMAND  ami=AL2023_x86_64_STANDARD  dependsOn=3  ignoreChanges=scalingConfig.desiredSize");
        expect(lines).toContain("      ├─ aws:eks/nodeGroup:NodeGroup  launchpad-staging-cluster-nodes-1  zone=us-east-1b  instances=t3.large  size=1..2 (desired 1)  capacity=ON_DEMAND  ami=AL2023_x86_64_STANDARD  dependsOn=4  ignoreChanges=scalingConfig.desiredSize");
        expect(lines).toContain("     6  aws:ec2/subnet:Subnet");
        expect(lines).toContain('  kubeconfig: "[secret]"');
        expect(r.stdout).not.toContain(SECRET_PLACEHOLDER);
    });

    it("exits 1 for an unknown stack, a malformed --set and a missing --stack, with nothing on stdout", async () => {
        const unknown = await planCli(["--stack", "qa"]);
        expect(unknown).toEqual({ code: 1, stdout: "", stderr: `error: unknown stack "qa": no Pulumi.qa.yaml in ${REPO_ROOT}\n` });
        const bad = await planCli(["--stack", "staging", "--set", "launchpad:tier"]);
        expect(bad).toEqual({ code: 1, stdout: "", stderr: 'error: --set expects <key>=<value>, received "launchpad:tier"\n' });
        const none = await planCli([]);
        expect(none.code).toBe(1);
        expect(none.stderr).toBe("--stack is required\nusage: npm run plan -- --stack <staging|production> [--json] [--policy] [--changes] [--set <key>=<value> ...] [--set-secret <key>=<value> ...] [--previous-outputs <file.json>]\n");
    });

    // A --set-secret's value reached stderr (and a CI log) in its error, under the name --set: the YAML
    // error quoted it, and a text with no "=" (a space for the "=") was printed whole.
    it.each<[string, string, string]>([
        ["a secret that is not YAML", "grafana:auth=*s3cr3t", `error: --set-secret grafana:auth: received a value that is not YAML (not shown: it is a secret); expected a YAML value: quote a text, as in --set-secret 'grafana:auth="<value>"'\n`],
        ["a secret with no key", "s3cr3t", 'error: --set-secret expects <key>=<value>, received a text without a key before an "=" (not shown: it may be the secret)\n'],
    ])("exits 1 for %s, naming --set-secret and never the value", async (_, set, stderr) => {
        for (const extra of [[], ["--changes"]]) {
            const r = await planCli(["--stack", "staging", "--set-secret", set, ...extra]);
            expect(r).toEqual({ code: 1, stdout: "", stderr });
            expect(r.stderr).not.toContain("s3cr3t");
        }
    });

    // The offline plan answers the promotion's StackReference with the named stack's own plan, so a
    // name with no stack file (a typo) cannot plan: exit 1, as an unknown --stack, with the name and the
    // stacks there are, before the program runs (not the mock's refusal under the SDK's wrapping).
    it("exits 1 for a promotion.fromStack with no stack file, naming it and the stack files there are", async () => {
        const r = await planCli(["--stack", "production", "--set", "launchpad:promotion.fromStack=stagin"]);
        expect(r).toEqual({
            code: 1,
            stdout: "",
            stderr: 'error: launchpad:promotion.fromStack: the offline plan cannot read stack "stagin": it answers the promotion\'s StackReference with that stack\'s own offline plan, ' +
                `and there is no Pulumi.stagin.yaml in ${REPO_ROOT} (its stack files are for production, staging); pulumi preview and pulumi up read the stack from the backend; check the name\n`,
        });
    });

    it.skipIf(SKIP_PROCESSES)("runs as a real process: exit 0 with JSON, exit 2 with only stderr for invalid config", async () => {
        // `npm run plan` runs the precompiled bundle (scripts/compiled.cjs), from the run's bundle
        // directory (tests/support/compiled.ts) so the test neither races nor trusts the developer's copy.
        const run = (...args: string[]) => planProcessAsync(args, 60_000);
        // The bundle's runs one after the other (the first may build the bundle).
        const ok = await run("--stack", "production", "--json");
        const invalid = await run("--stack", "production", "--set", "launchpad:nodeGroup.minSize=21");
        // The sources' run: planCli in this process (the file's shared run), the function
        // scripts/plan.ts's main calls; a second process under tsx cost 2.6 CPU seconds for the same text.
        const fromSources = await cli(["--stack", "production", "--json"]);
        expect(ok.status).toBe(0);
        expect((JSON.parse(ok.stdout) as JsonPlan).resources).toHaveLength(237);
        // The bundle plans what the sources plan: the same document, byte for byte.
        expect(fromSources.code).toBe(0);
        expect(ok.stdout).toBe(fromSources.stdout);
        expect(invalid.status).toBe(2);
        expect(invalid.stdout).toBe("");
        expect(invalid.stderr).toBe(
            'Invalid configuration for stack "production" (1 problem):\n' +
                "  - launchpad:nodeGroup.minSize: received 21; expected a number <= launchpad:nodeGroup.maxSize (12)\n",
        );
    });
});

describe.skipIf(SKIP_PROCESSES)("the precompiled CLI (scripts/compiled.cjs)", () => {
    it("rebuilds when any file the bundle was built from changed, and only then", () => {
        const dir = fs.mkdtempSync(path.join(REPO_ROOT, "bin", "compiled-test-"));
        try {
            const help = () =>
                spawnSync(process.execPath, ["scripts/compiled.cjs", "plan", "--help"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, LAUNCHPAD_COMPILED_DIR: dir } });
            expect(help().stdout).toContain("usage: npm run plan -- --stack");
            const bundle = path.join(dir, "plan.cjs");
            const inputsFile = path.join(dir, "plan.inputs.json");
            const { inputs } = JSON.parse(fs.readFileSync(inputsFile, "utf8")) as { inputs: Record<string, [number, number]> };
            // The program and the gate runner inlined into it are both inputs.
            expect(Object.keys(inputs)).toEqual(expect.arrayContaining(["scripts/plan.ts", "plan/engine.ts", "index.ts", "smoke/cli.ts", "smoke/runner.ts"]));
            // Packages stay external and load from node_modules as under tsx (the Grafana SDK's
            // subpaths, mapped by tsconfig paths, are the one exception: bundled, so tracked).
            expect(Object.keys(inputs).filter((f) => f.startsWith("node_modules/@pulumi/"))).toEqual([]);
            const built = fs.statSync(bundle).mtimeMs;
            help();
            expect(fs.statSync(bundle).mtimeMs).toBe(built);
            // A source edited since the build (here: its recorded size no longer matches) rebuilds.
            inputs["smoke/runner.ts"] = [inputs["smoke/runner.ts"][0] + 1, inputs["smoke/runner.ts"][1]];
            fs.writeFileSync(inputsFile, JSON.stringify({ inputs }));
            fs.utimesSync(bundle, new Date(0), new Date(0));
            expect(help().status).toBe(0);
            expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(0);
            expect((JSON.parse(fs.readFileSync(inputsFile, "utf8")) as { inputs: Record<string, [number, number]> }).inputs["smoke/runner.ts"]).toEqual([
                fs.statSync(path.join(REPO_ROOT, "smoke/runner.ts")).size,
                fs.statSync(path.join(REPO_ROOT, "smoke/runner.ts")).mtimeMs,
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("production", () => {
    it("has the staging shape (without the performance runs' access) plus one more AZ, a NAT gateway per AZ and the production-only safety resources", async () => {
        const counts = typeCounts(await planStack("production"));
        expect(counts).toEqual({
            ...SHARED_COUNTS,
            "aws:ec2/subnet:Subnet": 8,
            "aws:ec2/routeTable:RouteTable": 4,
            "aws:ec2/route:Route": 4,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
            "aws:ec2/eip:Eip": 3,
            "aws:ec2/natGateway:NatGateway": 3,
            "aws:eks/nodeGroup:NodeGroup": 3,
            // Production only: the final snapshot's unique suffix, DR backup replication and its
            // key, and Vault Lock on both vaults.
            "random:index/randomId:RandomId": 1,
            "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": 1,
            "aws:kms/key:Key": 7,
            "aws:kms/alias:Alias": 3,
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration": 2,
            // Only staging-verified releases (or its own history) go live: staging's outputs, read through a second StackReference.
            "launchpad:delivery:Promotion": 1,
            "pulumi:pulumi:StackReference": 2,
            // PagerDuty for pages and the Watchdog's heartbeat, besides staging's e-mail and Slack.
            "grafana:alerting/contactPoint:ContactPoint": 4,
        });
    });
});
