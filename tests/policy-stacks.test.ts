import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import { renderJson } from "../plan/render";
import { packConfigPath, readPackConfig, resolvePolicyConfig } from "../policies/config";
import { POLICIES } from "../policies/all";
import { evaluatePlan, renderViolations, type Violation } from "../policies/evaluate";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { compiledEnv } from "./support/compiled";
import { planStack } from "./support/plan";
import { scratchDir } from "./support/scratch";
import { skipProcesses } from "./support/timing";

const SKIP_PROCESSES = skipProcesses("tests/policy-stacks.test.ts", "npm run policy as a process of its own (its in-process twin runs)");

const STACKS = ["staging", "production"] as const;
const count = (vs: readonly Violation[]) => vs.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.policy]: (acc[v.policy] ?? 0) + 1 }), {});

describe("the committed stacks", () => {
    // The deployability preflight included: the platform baseline provides what every object needs.
    it.each(STACKS)("%s plans with no violation at all", async (stack) => {
        expect(await evaluatePlan(await planStack(stack))).toEqual([]);
    });

    // Issue 11 item 5: PostgreSQL 17 is a default; its dump and verify images are tagged postgres:17.11 (lib/versions.ts ENGINE_IMAGES).
    it("production on PostgreSQL plans with no violation either", async () => {
        expect(await evaluatePlan(await planStack("production", ["launchpad:database.engine=postgres", "launchpad:database.engineVersion=\"17\""]))).toEqual([]);
    });

    it("each stack's pack config names the tier its Pulumi.<stack>.yaml sets and admits its endpoint CIDRs", () => {
        for (const stack of STACKS) {
            const values = (parseYaml(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
            const resolved = resolvePolicyConfig(POLICIES, readPackConfig(packConfigPath(stack)), stack);
            const tiers = [...resolved].filter(([, r]) => "tier" in r.config).map(([, r]) => r.config.tier);
            expect(tiers.length).toBe(11);
            expect(new Set(tiers)).toEqual(new Set([values["launchpad:tier"]]));
            expect(resolved.get("eks-public-endpoint-restricted")?.config.allowedCidrs).toEqual((values["launchpad:cluster"] as { endpointPublicAccessCidrs: string[] }).endpointPublicAccessCidrs);
        }
    });
});

describe("npm run plan -- --policy", () => {
    it("adds the violations to the JSON document (none for staging) and exits 0", async () => {
        const r = await planCli(["--stack", "staging", "--json", "--policy"]);
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as Record<string, unknown>;
        expect(Object.keys(doc)).toEqual(["stack", "resources", "outputs", "placeholders", "policy"]);
        expect(doc.policy).toEqual({ violations: [] });
    });

    // 0.0.0.0/0 itself no longer reaches the policy: config refuses the world first (exit 2,
    // tests/config-service-rules.test.ts), by the same measure (lib/ip-range.ts openToTheWorld).
    it("catches a public endpoint opened beyond the pack's allow-list: exit 3, the violation after the tree", async () => {
        const r = await planCli(["--stack", "production", "--policy", "--set", "launchpad:cluster.endpointPublicAccessCidrs=[198.51.100.0/24]"]);
        expect(r.code).toBe(3);
        expect(r.stdout.endsWith(`\n${renderViolations([{
            policy: "eks-public-endpoint-restricted",
            level: "mandatory",
            urn: "urn:pulumi:production::launchpad::launchpad:environment:Environment$launchpad:cluster:Cluster$aws:eks/cluster:Cluster::launchpad-production-cluster-eks",
            message: "EKS cluster launchpad-production-cluster-eks admits 198.51.100.0/24 to its public API endpoint: limit vpcConfig.publicAccessCidrs to 203.0.113.0/24 (the pack's allowedCidrs for this stack).",
        }])}`)).toBe(true);
    });

    it("catches a `latest` image, which staging's config allows: exit 3 from the workload policy", async () => {
        const r = await planCli(["--stack", "staging", "--policy", "--set", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:latest"]);
        expect(r.code).toBe(3);
        expect(r.stdout.endsWith(`\n${renderViolations([{
            policy: "images-pinned",
            level: "mandatory",
            urn: "urn:pulumi:staging::launchpad::launchpad:environment:Environment$launchpad:delivery:BlueGreenService$kubernetes:apps/v1:Deployment::launchpad-staging-api-green",
            message: 'Deployment api-green container app runs "ghcr.io/acme/api:latest", which follows latest: pin a release tag or a digest (image@sha256:...).',
        }])}`)).toBe(true);
    });

    it("catches production planned with staging's tier (retention 7 days, single-AZ, nothing protected): exit 3", async () => {
        const r = await planCli(["--stack", "production", "--json", "--policy", "--set", "launchpad:tier=staging", "--set", "launchpad:network.natGateways=perAz"]);
        expect(r.code).toBe(3);
        const violations = (JSON.parse(r.stdout) as { policy: { violations: Violation[] } }).policy.violations;
        expect(count(violations)).toEqual({
            "rds-backup-retention": 1,
            "rds-production-resilience": 2,
            "s3-backup-object-lock": 2,
            // Staging's tier replicates no backups and locks no vault.
            "rds-dr-replication": 1,
            "backup-vault-lock": 2,
            // 6 KMS keys, 4 buckets, 2 vaults, the database.
            "production-stateful-protected": 13,
        });
        expect(violations[0]).toEqual({
            policy: "rds-backup-retention",
            level: "mandatory",
            urn: "urn:pulumi:production::launchpad::launchpad:environment:Environment$launchpad:database:Database$aws:rds/instance:Instance::launchpad-production-database-instance",
            message: "RDS instance launchpad-production-database-instance keeps automated backups 7 days; production requires at least 14: set backupRetentionPeriod >= 14.",
        });
    });
});

describe("npm run policy -- --plan", () => {
    const dir = scratchDir("launchpad-policy-");
    const savedPlan = async (edit: (doc: { resources: { type: string; inputs: Record<string, unknown> }[] }) => void = () => undefined): Promise<string> => {
        const doc = JSON.parse(renderJson(await planStack("staging"))) as { resources: { type: string; inputs: Record<string, unknown> }[] };
        edit(doc);
        const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.json`);
        writeFileSync(file, JSON.stringify(doc));
        return file;
    };
    const editDb = (doc: { resources: { type: string; inputs: Record<string, unknown> }[] }) => {
        const db = doc.resources.find((x) => x.type === "aws:rds/instance:Instance");
        Object.assign(db?.inputs ?? {}, { publiclyAccessible: true, backupRetentionPeriod: 3 });
    };

    it("catches a live Service edited to no longer wait for its gate: exit 3", async () => {
        const file = await savedPlan((doc) => {
            const live = (doc.resources as { name?: string; dependsOn?: string[]; dependencies?: string[] }[]).find((x) => x.name === "launchpad-staging-api-live");
            if (live?.dependsOn === undefined || live.dependencies === undefined) throw new Error("no live Service in the staging plan");
            // Stack policies see every dependency (explicit and from inputs), as under the CLI: drop it from both.
            live.dependsOn = live.dependsOn.filter((u) => !u.endsWith("-gate"));
            live.dependencies = live.dependencies.filter((u) => !u.endsWith("-gate"));
        });
        const r = await policyCli(["--plan", file, "--stack", "staging"]);
        expect(r.code).toBe(3);
        expect(r.stdout).toContain("live Service api does not depend on the green smoke-gate Job of api: add them to its dependsOn so traffic moves only after the gate passed.\n");
    });

    it("passes the saved staging plan: exit 0", async () => {
        const file = await savedPlan();
        expect(await policyCli(["--plan", file, "--stack", "staging"])).toEqual({ code: 0, stdout: `Policy check of ${file} (stack staging, 220 resources)\n\nPolicies: 0 violations (0 mandatory, 0 advisory)\n`, stderr: "" });
    });

    it("catches a plan edited by hand to make the database public and keep backups 3 days: exit 3", async () => {
        const file = await savedPlan(editDb);
        const urn = "urn:pulumi:staging::launchpad::launchpad:environment:Environment$launchpad:database:Database$aws:rds/instance:Instance::launchpad-staging-database-instance";
        const r = await policyCli(["--plan", file, "--stack", "staging", "--json"]);
        expect(r.code).toBe(3);
        expect((JSON.parse(r.stdout) as { policy: unknown }).policy).toEqual({
            violations: [
                { policy: "rds-not-public", level: "mandatory", urn, message: "RDS instance launchpad-staging-database-instance is publicly accessible: set publiclyAccessible: false and reach it from the cluster only." },
                { policy: "rds-backup-retention", level: "mandatory", urn, message: "RDS instance launchpad-staging-database-instance keeps automated backups 3 days; staging requires at least 7: set backupRetentionPeriod >= 7." },
            ],
        });
    });

    it.skipIf(SKIP_PROCESSES)("runs as a real process with the same exit code", async () => {
        const file = await savedPlan(editDb);
        // `npm run policy`'s own command (package.json), without npm's start-up.
        const run = spawnSync(process.execPath, ["scripts/compiled.cjs", "policy", "--plan", file, "--stack", "staging"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000, env: compiledEnv() });
        expect(run.status).toBe(3);
        expect(run.stdout.split("\n").slice(0, 3)).toEqual([`Policy check of ${file} (stack staging, 220 resources)`, "", "Policies: 2 violations (2 mandatory, 0 advisory)"]);
    });

    it("exits 2 for a pack config that does not fit the schemas, naming every problem", async () => {
        const file = await savedPlan();
        const config = join(dir, "bad-config.json");
        writeFileSync(config, JSON.stringify({ "rds-backup-retention": { tier: "prod", minRetentionDays: 0 }, "s3-versionning": "mandatory" }));
        expect(await policyCli(["--plan", file, "--stack", "staging", "--config", config])).toEqual({
            code: 2,
            stdout: "",
            stderr:
                `Invalid policy pack configuration in ${config} (3 problems):\n` +
                `  - s3-versionning: no such policy (known: ${POLICIES.map((p) => p.name).join(", ")})\n` +
                '  - rds-backup-retention.tier: received "prod"; expected one of "staging", "production"\n' +
                "  - rds-backup-retention.minRetentionDays: received 0; expected >= 1\n",
        });
    });

    it("exits 1 for a file that is not a plan, and for a stack with no pack config", async () => {
        const notPlan = join(dir, "not-a-plan.json");
        writeFileSync(notPlan, JSON.stringify({ stack: "../Pulumi", resources: {} }));
        expect(await policyCli(["--plan", notPlan, "--stack", "staging"])).toEqual({
            code: 1,
            stdout: "",
            stderr: `error: ${notPlan} is not a plan document:\n  - stack: received "../Pulumi"; expected the stack's name\n  - resources: expected a list\n`,
        });
        const qa = join(dir, "qa.json");
        writeFileSync(qa, JSON.stringify({ stack: "qa", resources: [] }));
        expect(await policyCli(["--plan", qa, "--stack", "qa"])).toEqual({
            code: 1,
            stdout: "",
            stderr: `error: no policy pack configuration at ${packConfigPath("qa")}: every stack needs one (see docs/policies.md)\n`,
        });
    });
});
