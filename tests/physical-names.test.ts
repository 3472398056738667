/**
 * Every physical name of both stacks as AWS and Kubernetes receive it (the explicit name, else the
 * provider's auto-name), against the limit its service holds it to: one sourced row per resource
 * type in tests/support/physical-names.ts. Checked for the committed stacks and again for each
 * stack at the longest stack identifier config allows (lib/stack-name.ts) with a service name at
 * its longest (32 characters, config/services.ts) and every optional object a service can have
 * turned on (a migration with its restore point and expiry schedule, load gates, secret env), so
 * each name built from the identifier or a service name is planned at its longest.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { parseDocument, type YAMLMap } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { renamedAliases } from "../components/irsa";
import { ConfigError } from "../config";
import { databaseInstanceIdentifier, MAX_STACK_IDENTIFIER_LENGTH, projectNameProblem, stackIdentifier, stackIdentifierProblem } from "../lib/stack-name";
import { REPO_ROOT, runPlan, stackConfigFor, type Program } from "../plan/engine";
import { nameProblem, physicalNames, unruledTypes, type PhysicalName } from "./support/physical-names";
import { planProgram, planStack, type Plan } from "./support/plan";
import { scratchDir } from "./support/scratch";
import { renderConfigBlock, replaceConfigBlock } from "../scripts/config-reference";

/** 32 characters: the longest service name config accepts (config/services.ts SERVICE_NAME_RE). */
const LONGEST_SERVICE = "checkout-payments-reconciliation";
const PROJECT = stackConfigFor({ stack: "staging" }).project;
/** The stack name that makes `<project>-<stack>` exactly MAX_STACK_IDENTIFIER_LENGTH long. */
const longestStack = (tier: string) => tier.padEnd(MAX_STACK_IDENTIFIER_LENGTH - PROJECT.length - 1, "x");
const TIERS = ["staging", "production"] as const;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-names-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The committed stack files under the longest stack names, their one service renamed to the longest name. */
function writeLongestStacks(): void {
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    for (const tier of TIERS) {
        const doc = parseDocument(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${tier}.yaml`), "utf8"));
        const services = doc.getIn(["config", "launchpad:services"]) as YAMLMap;
        expect(services.items.map((i) => String(i.key))).toEqual(["api"]);
        services.set(LONGEST_SERVICE, services.get("api"));
        services.delete("api");
        if (tier === "production") {
            doc.setIn(["config", "launchpad:promotion", "fromStack"], longestStack("staging"));
        }
        fs.writeFileSync(path.join(root, `Pulumi.${longestStack(tier)}.yaml`), doc.toString());
    }
}

const longestPlans = new Map<string, Promise<Plan>>();

/**
 * The tier's stack at its longest: blue on schema 3, green migrating to 4 (a migration Job, and in
 * production its restore point and the schedule that expires it), staging's load gates, and a
 * secret env (a Secret per color and the smoke policy's Secret).
 */
function planLongest(tier: (typeof TIERS)[number]): Promise<Plan> {
    let p = longestPlans.get(tier);
    if (p === undefined) {
        if (longestPlans.size === 0) writeLongestStacks();
        const svc = `launchpad:services.${LONGEST_SERVICE}`;
        const sets = [
            `${svc}.releases.blue.schema={version: 3, supports: [3, 4]}`,
            `${svc}.releases.green.migrate={command: ["./migrate", "up"]}`,
            `${svc}.releases.green.schema={version: 4, supports: [4, 5]}`,
            // Production refuses performance profiles: load runs in staging only.
            ...(tier === "staging" ? [`${svc}.performance={"loadGate":true}`] : []),
        ];
        p = runPlan({
            stack: longestStack(tier),
            root,
            sets,
            secretSets: [`${svc}.env.API_TOKEN=not-a-real-token`],
            previousOutputs: {
                schemaVersions: { [LONGEST_SERVICE]: { version: 3, migrations: [] } },
                liveServices: { [LONGEST_SERVICE]: { service: LONGEST_SERVICE, color: "blue" } },
            },
        });
        longestPlans.set(tier, p);
    }
    return p;
}

const namesOf = (plan: Plan): PhysicalName[] => plan.resources.flatMap(physicalNames);
const problemsOf = (plan: Plan): string[] => namesOf(plan).map(nameProblem).filter((p): p is string => p !== undefined);
const named = (plan: Plan, type: string, resource: string): PhysicalName[] =>
    namesOf(plan).filter((n) => n.type === type && n.resource === resource && !n.field.includes("["));

describe("the name table", () => {
    it("has a row for every resource type the plans hold, committed and longest", async () => {
        const plans = await Promise.all([...TIERS.map((t) => planStack(t)), ...TIERS.map(planLongest)]);
        expect(plans.map((p) => unruledTypes(p.resources))).toEqual([[], [], [], []]);
    });

    // The role production's first `pulumi up` failed on: pulumi-aws auto-names aws_iam_role with
    // AutoName("name", 64, "-") and the bridge refuses a 57-character prefix plus "-" and 7 random
    // characters (pulumi/pulumi sdk/go/common/resource/resource_id.go NewUniqueName).
    it("refuses the recovery metrics role as it was named: 57 + 8 = 65 characters for a limit of 64", () => {
        const [name] = physicalNames({ name: "launchpad-production-logical-backup-recovery-metrics-role", type: "aws:iam/role:Role", inputs: {} } as unknown as Plan["resources"][number]);
        expect(name.value).toBe("launchpad-production-logical-backup-recovery-metrics-role-#######");
        expect(nameProblem(name)).toBe(
            "aws:iam/role:Role launchpad-production-logical-backup-recovery-metrics-role name (auto-named): " +
            "\"launchpad-production-logical-backup-recovery-metrics-role-#######\" is 65 characters; at most 64 " +
            "(pulumi-aws resources.go \"aws_iam_role\": AutoName(\"name\", 64, \"-\"); terraform-provider-aws internal/service/iam/role.go roleNameMaxLen = 64)",
        );
    });

    it("refuses a Kubernetes auto-name past its kind's limit, a label value past 63 and an annotation key's name part past 63", () => {
        const action = `alb.ingress.kubernetes.io/actions.${"z".repeat(56)}`;
        const cronJob = { name: "x".repeat(44), type: "kubernetes:batch/v1:CronJob", inputs: { metadata: { labels: { a: "y".repeat(64) }, annotations: { [action]: "{}" } } } } as unknown as Plan["resources"][number];
        const names = physicalNames(cronJob);
        expect(names.map((n) => [n.field, n.value.length, n.max, nameProblem(n) !== undefined])).toEqual([
            ["metadata.name (auto-named)", 53, 52, true],
            ["metadata.labels[\"a\"]", 64, 63, true],
            ["metadata.labels[\"a\"] key name", 1, 63, false],
            [`metadata.annotations["${action}"] key name`, 64, 63, true],
            [`metadata.annotations["${action}"] key prefix`, 25, 253, false],
        ]);
    });
});

describe.each(TIERS)("%s: every physical name is one AWS and Kubernetes accept", (tier) => {
    it("the committed stack", async () => {
        const plan = await planStack(tier);
        expect(namesOf(plan).length).toBeGreaterThan(100);
        expect(problemsOf(plan)).toEqual([]);
    });

    it(`at the longest stack identifier (${MAX_STACK_IDENTIFIER_LENGTH} characters) and a 32-character service`, async () => {
        const plan = await planLongest(tier);
        const id = stackIdentifier(PROJECT, longestStack(tier));
        expect(id).toHaveLength(MAX_STACK_IDENTIFIER_LENGTH);
        expect(LONGEST_SERVICE).toHaveLength(32);
        expect(named(plan, "kubernetes:core/v1:Namespace", `${id}-cluster-namespace`).map((n) => n.value)).toEqual([id]);
        // The objects built from the service name are there, so their names were checked.
        const jobs = namesOf(plan).filter((n) => n.type === "kubernetes:batch/v1:Job" && n.field === "metadata.name").map((n) => n.value.replace(/-[0-9a-f]{10}$/, "-<id>"));
        expect(jobs.sort()).toEqual([
            ...(tier === "staging" ? [`${LONGEST_SERVICE}-blue-load-<id>`] : []),
            `${LONGEST_SERVICE}-blue-gate-<id>`,
            ...(tier === "staging" ? [`${LONGEST_SERVICE}-green-load-<id>`] : []),
            `${LONGEST_SERVICE}-green-gate-<id>`,
            `${LONGEST_SERVICE}-green-migrate-<id>`,
            // The stack's one grants Job (components/database-grants.ts), a fixed name.
            "database-grants",
        ].sort());
        expect(plan.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule" || r.type === "aws:rds/snapshot:Snapshot")).toHaveLength(tier === "production" ? 2 : 0);
        expect(plan.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => r.name).sort()).toEqual(
            [`${id}-${LONGEST_SERVICE}-blue-env`, `${id}-${LONGEST_SERVICE}-green-env`, `${id}-${LONGEST_SERVICE}-smoke-policy`, `${id}-database-connection`, `${id}-database-app-connection`].sort(),
        );
        // The ALB controller's action carries the service name in an annotation key and an Ingress backend.
        const action = namesOf(plan).filter((n) => n.type === "kubernetes:networking.k8s.io/v1:Ingress" && (n.field.endsWith("service.name") || n.value.startsWith("actions.")));
        expect(action.map((n) => [n.value, n.max])).toEqual([[`actions.${LONGEST_SERVICE}-colors`, 63], [`${LONGEST_SERVICE}-colors`, 63]]);
        expect(problemsOf(plan)).toEqual([]);
    });
});

describe("the recovery metrics role, renamed to fit", () => {
    /** The aliases each resource of the real program was registered with, by resource name. */
    const aliased = new Map<string, unknown>();
    const program: Program = async () => {
        // Legacy transformations see every resource's options, aliases included (the mock monitor does not).
        pulumi.runtime.registerStackTransformation((a) => {
            aliased.set(a.name, a.opts.aliases);
            return undefined;
        });
        const mod = (await import("../index")) as { default: Program } | Program;
        return (typeof mod === "function" ? mod : mod.default)();
    };

    it("is `<component>-metrics-role`, within 64 with its 8 auto-name characters at the longest identifier", async () => {
        const plan = await planLongest("production");
        const role = named(plan, "aws:iam/role:Role", `${stackIdentifier(PROJECT, longestStack("production"))}-logical-backup-metrics-role`);
        expect(role.map((n) => [n.value.length, n.max])).toEqual([[57, 64]]);
    });

    it("keeps existing stacks' role, policy and service account: each child is aliased to its old name", async () => {
        const plan = await planProgram(program, "staging");
        const renamed = ["role", "policy", "sa"].map((role) => `launchpad-staging-logical-backup-metrics-${role}`);
        expect(renamed.filter((name) => !plan.resources.some((r) => r.name === name))).toEqual([]);
        expect(renamed.map((name) => aliased.get(name))).toEqual(["role", "policy", "sa"].map((role) => [{ name: `launchpad-staging-logical-backup-recovery-metrics-${role}` }]));
        // The service account keeps its name, so the role's trust policy (system:serviceaccount:<ns>:<name>) is unchanged.
        const sa = plan.resources.find((r) => r.name === "launchpad-staging-logical-backup-metrics-sa");
        expect((sa?.inputs.metadata as { name?: string } | undefined)?.name).toBe("launchpad-staging-logical-backup-recovery-metrics");
        expect(renamedAliases(undefined, "role")).toEqual([]);
    });
});

describe("every stack name config accepts", () => {
    const resource = (type: string, name: string, inputs: Record<string, unknown>) => ({ type, name, inputs }) as unknown as Plan["resources"][number];
    /** The names built from the identifier under the RDS rules, the strictest on its characters. */
    const rdsProblems = (stack: string): string[] => {
        const id = stackIdentifier(PROJECT, stack);
        return [
            resource("aws:rds/instance:Instance", `${id}-database-instance`, { identifier: databaseInstanceIdentifier(id) }),
            resource("aws:rds/parameterGroup:ParameterGroup", `${id}-database-params`, {}),
            resource("aws:s3/bucket:Bucket", `${id}-backup-storage-replica-logs`, { bucketPrefix: `${id}-backup-dr-logs-` }),
        ].flatMap(physicalNames).map(nameProblem).filter((p): p is string => p !== undefined);
    };

    // Config accepted "staging-" and "a--b": `launchpad-staging--db` is an identifier RDS refuses.
    it("refuses a trailing or doubled '-', which RDS refuses in `<identifier>-db`", () => {
        expect(rdsProblems("staging-")).toHaveLength(2);
        expect(stackIdentifierProblem(PROJECT, "staging-")).toBeDefined();
        expect(stackIdentifierProblem(PROJECT, "a--b")).toBeDefined();
        expect(stackIdentifierProblem(PROJECT, "eu-west-1")).toBeUndefined();
    });

    it("gives names RDS and S3 accept (property)", () => {
        expect(rdsProblems("eu-west-1")).toEqual([]);
        const accepted = fc.stringMatching(/^[a-z0-9-]{1,12}$/).filter((stack) => stackIdentifierProblem(PROJECT, stack) === undefined);
        fc.assert(fc.property(accepted, (stack) => rdsProblems(stack).length === 0), { numRuns: 500 });
    });
});

/**
 * The first thing a team does: rename the project (Pulumi.yaml `name`). Every name starts with
 * `<project>-<stack>`, or `launchpad:namePrefix` when the project's name makes that too long, and the
 * project's name itself is every workload's `app.kubernetes.io/part-of` label and the `project` tag.
 */
describe("a renamed project", () => {
    /** A project directory: Pulumi.yaml renamed to `project`, the committed stack files under their own names. */
    function renamedRoot(project: string): string {
        const dir = scratchDir("launchpad-renamed-");
        const yaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
        expect(yaml).toMatch(/^name: launchpad$/m);
        // As `npm run docs:config` writes it for the new name: Pulumi refuses the typed launchpad: block (tests/config-reference.test.ts).
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), replaceConfigBlock(yaml.replace(/^name: launchpad$/m, `name: ${project}`), renderConfigBlock(undefined, project)));
        for (const tier of TIERS) fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${tier}.yaml`), path.join(dir, `Pulumi.${tier}.yaml`));
        return dir;
    }
    const refusal = (p: Promise<unknown>): Promise<readonly string[]> => p.then(() => [], (e: unknown) => (e instanceof ConfigError ? e.problems : [String(e)]));

    it.each([
        ["checkout", "production", undefined],
        ["payments-api", "staging", undefined],
        ["orders2", "production", undefined],
        ["acme-order", "production", undefined],
        ["payments-api", "production", '"payments-api-production" (23 characters)'],
        ["billing-ledger", "staging", '"billing-ledger-staging" (22 characters)'],
    ])("%s, stack %s: refused past 21 characters, with every way out", (project, stack, refused) => {
        const problem = stackIdentifierProblem(project, stack);
        expect(problem?.match(/"[^"]*-[^"]*" \(\d+ characters\)/)?.[0]).toBe(refused);
        const ways = ["set a prefix of its own (`pulumi config set launchpad:namePrefix <prefix>`", `or shorten the project's name (Pulumi.yaml name: ${JSON.stringify(project)}) or the stack's, to one of at most ${20 - project.length} characters (pulumi stack init)`];
        expect(ways.map((w) => problem?.includes(w))).toEqual(refused === undefined ? [undefined, undefined] : [true, true]);
    });

    it("a project no stack name can fix (a digit first, or 20 characters) is refused for the prefix, not told to pick a shorter stack", () => {
        expect(stackIdentifierProblem("9lives", "staging")).toMatch(/^launchpad:namePrefix: received none, so the resources' prefix is "<project>-<stack>", "9lives-staging" \(14 characters\); expected .* a letter first.*\(Pulumi\.yaml name: "9lives"\)$/);
        expect(stackIdentifierProblem("acme-orders-services", "s")).toMatch(/\(Pulumi\.yaml name: "acme-orders-services"\)$/);
        expect(stackIdentifierProblem("9lives", "staging", "lives-staging")).toBeUndefined();
    });

    it("payments-api: staging under <project>-<stack> (20 characters), production refused until it sets a namePrefix, then every name fits", async () => {
        const root = renamedRoot("payments-api");
        const staging = await runPlan({ stack: "staging", root });
        expect(problemsOf(staging)).toEqual([]);
        expect(named(staging, "aws:eks/cluster:Cluster", "payments-api-staging-cluster-eks").map((n) => n.value)).toEqual(["payments-api-staging"]);
        expect(await refusal(runPlan({ stack: "production", root }))).toEqual([stackIdentifierProblem("payments-api", "production")]);
        const production = await runPlan({ stack: "production", root, sets: ["launchpad:namePrefix=payments-api-prod"] });
        expect(problemsOf(production)).toEqual([]);
        expect(named(production, "aws:rds/instance:Instance", "payments-api-prod-database-instance").map((n) => n.value)).toEqual(["payments-api-prod-db"]);
        // The project's name is still the project's: the workloads' part-of label and the project tag.
        const deployment = production.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment");
        expect((deployment?.inputs.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/part-of"]).toBe("payments-api");
        const cluster = production.resources.find((r) => r.type === "aws:eks/cluster:Cluster");
        expect((cluster?.inputs.tags as Record<string, string>).project).toBe("payments-api");
    });

    it("a key set without its namespace lands in the renamed project's, which Launchpad never reads: the warning names the key to set", async () => {
        const plan = await runPlan({ stack: "staging", root: renamedRoot("payments-api"), sets: ["activeColor=blue"] });
        expect(plan.log.filter((l) => l.includes("is ignored"))).toEqual([
            'warning: payments-api:activeColor is ignored: nothing in this program reads the "payments-api" namespace (Launchpad\'s own keys are launchpad:*), ' +
            "the project's, where `pulumi config set` puts a key written without one: set launchpad:activeColor",
        ]);
    });

    // Pulumi accepts up to 100 letters, digits, '-', '_' and '.' (pulumi/pulumi sdk/go/common/tokens/project.go
    // ValidateProjectName); with a prefix of its own the project's name reaches only the part-of label and tags.
    it("the longest project a label value allows (63, with '_' and '.') and a 21-character prefix: every physical name fits", async () => {
        const project = "Acme_Orders.fulfillment-".padEnd(63, "x");
        const prefix = "acme-orders-stg".padEnd(MAX_STACK_IDENTIFIER_LENGTH, "x");
        expect(projectNameProblem(project)).toBeUndefined();
        const plan = await runPlan({ stack: "staging", root: renamedRoot(project), sets: [`launchpad:namePrefix=${prefix}`] });
        expect(namesOf(plan).length).toBeGreaterThan(100);
        expect(problemsOf(plan)).toEqual([]);
        expect(named(plan, "kubernetes:core/v1:Namespace", `${prefix}-cluster-namespace`).map((n) => n.value)).toEqual([prefix]);
        expect(namesOf(plan).filter((n) => n.value === project).map((n) => [n.field, n.max])).toContainEqual(['metadata.labels["app.kubernetes.io/part-of"]', 63]);
    });

    it("a project name no label value can be is refused as config, with the prefix's own problem when it has one", async () => {
        const project = "acme-".padEnd(64, "x");
        expect(projectNameProblem("_acme")).toBe(
            "pulumi project: received \"_acme\" (5 characters); expected at most 63 letters, digits, '-', '_' or '.', a letter or digit first and last: " +
            "every workload carries it as its app.kubernetes.io/part-of label, and Kubernetes refuses any other label value (apimachinery validation.go IsValidLabelValue): rename the project (Pulumi.yaml name)",
        );
        expect(await refusal(runPlan({ stack: "staging", root: renamedRoot(project), sets: ["launchpad:namePrefix=acme-stg-"] }))).toEqual([
            stackIdentifierProblem(project, "staging", "acme-stg-"),
            projectNameProblem(project),
        ]);
        expect(stackIdentifierProblem(project, "staging", "acme-stg-")).toMatch(/^launchpad:namePrefix: received "acme-stg-" \(9 characters\); expected 2 to 21 /);
    });
});
