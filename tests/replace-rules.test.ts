/**
 * The replace rules of plan/changes.ts cover every type the stacks create, each read from its
 * provider's source (vendor/provider-force-new/SOURCE.md), and name inputs as the installed Pulumi
 * packages spell them. A new type fails here until someone reads its provider's source.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NO_PHYSICAL_RESOURCE, REPLACE_RULES } from "../plan/changes";
import { REPO_ROOT } from "../plan/engine";
import { planStack, type Plan } from "./support/plan";

const PACKAGES: Record<string, string> = { aws: "@pulumi/aws", grafana: "@pulumiverse/grafana", random: "@pulumi/random" };

interface Table {
    readonly package: string;
    readonly autoName?: { input: string };
    readonly types: Record<string, { file: string; commit: string; forceNew: Record<string, string>; conditional?: { path: string }[]; named?: boolean; nameInput?: string }>;
}

function table(provider: string): Table {
    return JSON.parse(readFileSync(join(REPO_ROOT, "vendor/provider-force-new", `${provider}.json`), "utf8")) as Table;
}

/** The body of `<Type>Args` in the installed package's declaration file (`aws:ec2/vpc:Vpc` -> ec2/vpc.d.ts). */
function argsInterface(provider: string, token: string): string {
    const [, module, type] = token.split(":");
    const file = module.startsWith("index/") ? `${module.slice("index/".length)}.d.ts` : `${module}.d.ts`;
    const text = readFileSync(join(REPO_ROOT, "node_modules", PACKAGES[provider], file), "utf8");
    const start = text.indexOf(`export interface ${type}Args {`);
    if (start < 0) throw new Error(`${token}: no ${type}Args in ${PACKAGES[provider]}/${file}`);
    return text.slice(start, text.indexOf("\n}", start));
}

/** The input names of `<Type>Args`. */
function argsOf(provider: string, token: string): Set<string> {
    return new Set([...argsInterface(provider, token).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
}

// The committed stacks declare no migration: production's restore point (an RDS snapshot) and its
// expiry schedule exist only with one, and a restore's update replaces them (migrations.test.ts).
const MIGRATING = [
    'launchpad:services.api.releases.blue.schema={version: 3, supports: [3, 4]}',
    'launchpad:services.api.releases.green.migrate={command: ["./migrate", "up"]}',
    'launchpad:services.api.releases.green.schema={version: 4, supports: [4, 5]}',
];

/** The types of a plan with no replace rule, and those with one that have no physical resource. */
async function unruled(plan: Promise<Plan>): Promise<{ types: string[]; noRule: string[]; both: string[] }> {
    const types = [...new Set((await plan).resources.map((r) => r.type))].sort();
    return {
        types,
        noRule: types.filter((t) => REPLACE_RULES[t] === undefined && !NO_PHYSICAL_RESOURCE.has(t)),
        both: types.filter((t) => REPLACE_RULES[t] !== undefined && NO_PHYSICAL_RESOURCE.has(t)),
    };
}

describe("every type in both plans has a replace rule or no physical resource", () => {
    it.each(["staging", "production"])("%s", async (stack) => {
        expect(await unruled(planStack(stack))).toMatchObject({ noRule: [], both: [] });
    });

    it("production with a migration: its restore point and the schedule that expires it too", async () => {
        const r = await unruled(planStack("production", MIGRATING, { previousOutputs: { schemaVersions: { api: { version: 3, migrations: [] } } } }));
        expect(r.types).toEqual(expect.arrayContaining(["aws:rds/snapshot:Snapshot", "aws:scheduler/schedule:Schedule"]));
        expect(r).toMatchObject({ noRule: [], both: [] });
    });

    it("components are the only non-custom resources, and all are listed as having no physical resource", async () => {
        for (const stack of ["staging", "production"]) {
            const components = (await planStack(stack)).resources.filter((r) => !r.custom).map((r) => r.type);
            expect(components.filter((t) => !NO_PHYSICAL_RESOURCE.has(t))).toEqual([]);
        }
    });
});

describe.each(Object.keys(PACKAGES))("vendor/provider-force-new/%s.json", (provider) => {
    const t = table(provider);

    it("names the installed package version the lock pins", () => {
        const [name, version] = t.package.split(" ");
        const installed = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
        expect(installed.version).toBe(version);
    });

    it.each(Object.keys(t.types))("%s: every path is an input of the package's Args interface, read from a recorded file and commit", (token) => {
        const entry = t.types[token];
        const args = argsOf(provider, token);
        const paths = [...Object.keys(entry.forceNew), ...(entry.conditional ?? []).map((c) => c.path)];
        expect(paths.filter((p) => !args.has(p.split(".")[0]))).toEqual([]);
        expect(entry.file).toMatch(/\.go$/);
        expect(entry.commit).not.toBe("");
        expect(REPLACE_RULES[token].paths).toEqual(expect.arrayContaining(Object.keys(entry.forceNew)));
    });

    // The bridge autonames every resource's string input `name` (pulumi-terraform-bridge SetAutonaming,
    // which the aws and grafana providers call; see SOURCE.md), so `named` is exactly where the
    // installed package's Args has one, unless the entry names its own input (the RDS instance's identifier).
    it.each(Object.keys(t.types))("%s: named exactly when the bridge autonames a string `name` input", (token) => {
        const entry = t.types[token];
        const stringName = /^ {4}name\?: pulumi\.Input<string(?: \| undefined)?>;$/m.test(argsInterface(provider, token));
        expect(entry.named === true).toBe(t.autoName !== undefined && stringName && entry.nameInput === undefined);
    });
});

describe("region and names (terraform-provider-aws v6, pulumi-terraform-bridge)", () => {
    it("a change of region replaces every regional AWS type and no IAM type (enhanced-region-support.html.markdown)", () => {
        const aws = Object.keys(REPLACE_RULES).filter((t) => t.startsWith("aws:"));
        expect(aws.filter((t) => t.startsWith("aws:iam/") === REPLACE_RULES[t].paths.includes("region"))).toEqual([]);
    });

    it("the types with an input `name` are delete-first when the program names them (bridge SetAutonaming, nameRequiresDeleteBeforeReplace)", () => {
        const named = Object.entries(REPLACE_RULES).filter(([t, r]) => t.startsWith("aws:") && r.nameInput !== undefined).map(([t, r]) => [t, r.nameInput]);
        expect(named).toContainEqual(["aws:kms/alias:Alias", "name"]);
        expect(named).toContainEqual(["aws:eks/cluster:Cluster", "name"]);
        expect(named).toContainEqual(["aws:rds/instance:Instance", "identifier"]);
        expect(named.filter(([t]) => t === "aws:ec2/vpc:Vpc" || t === "aws:kms/key:Key")).toEqual([]);
    });
});
