import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SMOKE_RUNNER_IMAGE } from "../lib/workload";
import { REPO_ROOT } from "../plan/engine";

// .github/dependabot.yml against SchemaStore's schema for it (vendor/dependabot-schema/, SOURCE.md),
// then against what GitHub's docs state and the schema cannot express (github/docs
// content/code-security/dependabot/working-with-dependabot/dependabot-options-reference.md, "DOCS"
// below), then against this repository: every npm project and the workflows are covered, and the
// policy pack's pins move with the program's.

const DOCS = "GitHub docs, Dependabot options reference";

interface Group {
    patterns?: string[];
    "exclude-patterns"?: string[];
    "update-types"?: string[];
}
interface Update {
    "package-ecosystem": string;
    directory?: string;
    directories?: string[];
    "target-branch"?: string;
    schedule: { interval: string; day?: string; time?: string };
    "open-pull-requests-limit"?: number;
    cooldown?: { "default-days"?: number };
    groups?: Record<string, Group>;
    ignore?: { "dependency-name": string; "update-types"?: string[] }[];
}
interface DependabotConfig {
    version: number;
    updates: Update[];
}
interface PackageJson {
    engines?: { node?: string };
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
}

const configText = () => readFileSync(join(REPO_ROOT, ".github", "dependabot.yml"), "utf8");
const config = () => parseYaml(configText()) as DependabotConfig;
const readPackage = (dir: string) => JSON.parse(readFileSync(join(REPO_ROOT, dir, "package.json"), "utf8")) as PackageJson;
const dirsOf = (u: Update) => u.directories ?? (u.directory === undefined ? [] : [u.directory]);

/** The schema's validator. ajv's strict mode refuses keywords it does not know: the schema's one editor hint is declared as such. */
function schemaValidator() {
    const ajv = new Ajv({ allErrors: true });
    ajv.addKeyword("x-intellij-enum-metadata");
    return ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, "vendor", "dependabot-schema", "dependabot-2.0.json"), "utf8")) as object);
}
const validate = schemaValidator();
function schemaErrors(c: unknown): string[] {
    return validate(c) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}

/** Group identifiers: "must start and end with a letter, and can contain letters, pipes, underscores, or hyphens" (DOCS, `groups`). */
const GROUP_IDENTIFIER = /^[A-Za-z]([A-Za-z|_-]*[A-Za-z])?$/;

/** What DOCS states that the schema does not check, one message per problem. */
function docsProblems(c: DependabotConfig): string[] {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    c.updates.forEach((u, i) => {
        const where = `updates[${i}] (${u["package-ecosystem"]})`;
        for (const dir of dirsOf(u)) {
            // "If you need to use more than one block ... for a single target branch of an ecosystem,
            // you must ensure that all values are unique and there is no overlap in directories defined."
            const key = `${u["package-ecosystem"]} ${u["target-branch"] ?? "(default branch)"} ${dir}`;
            const first = seen.get(key);
            if (first !== undefined && first !== i) problems.push(`${where}: directory ${dir} is also in updates[${first}] for the same ecosystem and target branch`);
            seen.set(key, first ?? i);
            // "Define directories relative to the root of the repository."
            if (!dir.startsWith("/")) problems.push(`${where}: directory ${dir} is not relative to the repository root (starts with /)`);
        }
        // "The `directories` key supports globbing and the wildcard character `*`. These features are not supported by the `directory` key."
        if (u.directory?.includes("*") === true) problems.push(`${where}: directory ${u.directory} has a wildcard, which only directories supports`);
        // "For GitHub Actions, use the value `/`. Dependabot will search the `/.github/workflows` directory."
        if (u["package-ecosystem"] === "github-actions" && dirsOf(u).join(",") !== "/") problems.push(`${where}: directory ${dirsOf(u).join(",")}; github-actions takes / (it then reads /.github/workflows)`);
        for (const name of Object.keys(u.groups ?? {})) {
            if (!GROUP_IDENTIFIER.test(name)) problems.push(`${where}: group ${name} must start and end with a letter and hold only letters, |, _ and -`);
        }
        // `day` is for a weekly interval only ("Specify the day to run for a **weekly** interval").
        if (u.schedule.day !== undefined && u.schedule.interval !== "weekly") problems.push(`${where}: schedule.day with interval ${u.schedule.interval}; day is for weekly`);
    });
    return problems;
}

/** Folders holding a package.json or an npm lock file, as Dependabot names them ("/", "/policies"); no node_modules, bin or .git. */
function npmProjectDirs(dir = "", found: string[] = []): string[] {
    const entries = readdirSync(join(REPO_ROOT, dir), { withFileTypes: true });
    if (entries.some((e) => e.isFile() && ["package.json", "package-lock.json", "npm-shrinkwrap.json"].includes(e.name))) found.push(`/${dir}`);
    for (const e of entries.filter((x) => x.isDirectory() && !["node_modules", "bin", ".git"].includes(x.name))) {
        npmProjectDirs(dir === "" ? e.name : `${dir}/${e.name}`, found);
    }
    return found;
}

describe(".github/dependabot.yml against SchemaStore's dependabot-2.0 schema", () => {
    it("is valid", () => {
        expect(schemaErrors(config())).toEqual([]);
    });

    it("the validator is live: an unknown interval and a group update type in the ignore form are refused", () => {
        const c = config();
        c.updates[0].schedule.interval = "fortnightly";
        (c.updates[1].groups as Record<string, Group>)["npm-minor-and-patch"]["update-types"] = ["version-update:semver-minor"];
        const errors = schemaErrors(c);
        expect(errors).toContain("/updates/0/schedule/interval must be equal to one of the allowed values");
        expect(errors).toContain("/updates/1/groups/npm-minor-and-patch/update-types/0 must be equal to one of the allowed values");
    });
});

describe(`.github/dependabot.yml against what the ${DOCS} states and the schema leaves out`, () => {
    it("breaks none of those rules", () => {
        expect(docsProblems(config())).toEqual([]);
    });

    it.each<[string, (c: DependabotConfig) => void, string]>([
        [
            "a second npm block naming /policies again (unique ecosystem + directory + target branch)",
            (c) => c.updates.push({ "package-ecosystem": "npm", directory: "/policies", schedule: { interval: "daily" } }),
            "updates[2] (npm): directory /policies is also in updates[1] for the same ecosystem and target branch",
        ],
        ["a wildcard in directory (only directories globs)", (c) => (c.updates[1] = { ...c.updates[1], directories: undefined, directory: "/packages/*" }), "updates[1] (npm): directory /packages/* has a wildcard, which only directories supports"],
        ["a relative directory", (c) => (c.updates[1].directories = ["/", "policies"]), "updates[1] (npm): directory policies is not relative to the repository root (starts with /)"],
        ["github-actions pointed at the workflows folder", (c) => (c.updates[0].directory = "/.github/workflows"), "updates[0] (github-actions): directory /.github/workflows; github-actions takes / (it then reads /.github/workflows)"],
        [
            "a group identifier ending in a digit",
            (c) => (c.updates[0].groups = { actions2: { patterns: ["*"] } }),
            "updates[0] (github-actions): group actions2 must start and end with a letter and hold only letters, |, _ and -",
        ],
        ["a day with a daily interval", (c) => (c.updates[0].schedule.interval = "daily"), "updates[0] (github-actions): schedule.day with interval daily; day is for weekly"],
    ])("catches %s", (_what, change, message) => {
        const c = config();
        change(c);
        expect(docsProblems(c)).toEqual([message]);
    });

    it("the same block for another target branch is no overlap", () => {
        const c = config();
        c.updates.push({ "package-ecosystem": "npm", directory: "/policies", "target-branch": "release", schedule: { interval: "weekly" } });
        expect(docsProblems(c)).toEqual([]);
    });
});

describe(".github/dependabot.yml against this repository", () => {
    const byEcosystem = (e: string) => config().updates.filter((u) => u["package-ecosystem"] === e);

    it("covers every folder with a package.json or an npm lock, and only those, in one npm block", () => {
        const npm = byEcosystem("npm");
        expect(npm.length).toBe(1);
        expect(npmProjectDirs()).toEqual(["/", "/policies"]);
        expect([...dirsOf(npm[0])].sort()).toEqual(npmProjectDirs());
    });

    it("covers the workflows, every one of which pins its actions (github-actions at /)", () => {
        const workflows = readdirSync(join(REPO_ROOT, ".github", "workflows")).filter((f) => /\.ya?ml$/.test(f));
        expect(workflows.length).toBeGreaterThan(0);
        expect(byEcosystem("github-actions").map(dirsOf)).toEqual([["/"]]);
        for (const w of workflows) {
            expect([w, /^\s*(- )?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/m.test(readFileSync(join(REPO_ROOT, ".github", "workflows", w), "utf8"))]).toEqual([w, true]);
        }
    });

    it("checks weekly with an open pull request limit, and brings minor and patch bumps as one grouped pull request per ecosystem", () => {
        for (const u of config().updates) {
            const catchAll = Object.entries(u.groups ?? {}).filter(([, g]) => g.patterns?.join() === "*");
            expect([u["package-ecosystem"], u.schedule.interval, u["open-pull-requests-limit"], catchAll.map(([, g]) => g["update-types"])]).toEqual([u["package-ecosystem"], "weekly", 5, [["minor", "patch"]]]);
        }
    });

    it("proposes a release only seven days after it is published, in every ecosystem (GitHub docs, Dependabot options reference, cooldown: version updates only)", () => {
        expect(config().updates.map((u) => [u["package-ecosystem"], u.cooldown?.["default-days"]])).toEqual(config().updates.map((u) => [u["package-ecosystem"], 7]));
    });

    it("bumps every package the policy pack shares with the program in one pull request, whatever the bump (tests/policy-pack-publish.test.ts: same pins)", () => {
        const [npm] = byEcosystem("npm");
        const groups = Object.entries(npm.groups ?? {});
        // A dependency goes to the first group it matches (DOCS, `groups`): this one comes first, with
        // no update-types, so even a major bump of a shared package is not split by directory.
        const [name, shared] = groups[0];
        expect(name).toBe("policy-pack-pins");
        expect(shared["update-types"]).toBeUndefined();
        expect([...(shared.patterns ?? [])].sort()).toEqual(Object.keys(readPackage("policies").dependencies ?? {}).sort());
        const root = readPackage("");
        expect((shared.patterns ?? []).filter((p) => (root.dependencies ?? {})[p] === undefined && (root.devDependencies ?? {})[p] === undefined)).toEqual([]);
    });

    it("leaves @types/node on the major of the oldest Node.js engines allows", () => {
        const root = readPackage("");
        const floorMajor = /^>=(\d+)\./.exec(root.engines?.node ?? "")?.[1];
        expect(floorMajor).toBe("20");
        expect(root.devDependencies?.["@types/node"]?.split(".")[0]).toBe(floorMajor);
        expect(byEcosystem("npm")[0].ignore).toEqual([{ "dependency-name": "@types/node", "update-types": ["version-update:semver-major"] }]);
    });
});

describe("what Dependabot cannot bump: the runner image, bumped by hand (docs/delivery.md, Dependency updates)", () => {
    it("every Node.js Alpine image the docs name is SMOKE_RUNNER_IMAGE, so a bump leaves none behind", () => {
        const docs = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        const named = docs.flatMap((f) => [...readFileSync(join(REPO_ROOT, f), "utf8").matchAll(/node:[0-9][\w.]*-alpine[\w.]*/g)].map((m) => [f, m[0]]));
        expect(named.length).toBeGreaterThanOrEqual(3);
        expect(named.filter(([, image]) => image !== SMOKE_RUNNER_IMAGE)).toEqual([]);
    });

    // preview.yml's test job runs in node:<version>-bookworm pinned by digest: it follows no moving tag,
    // so a doc that says it does ("node:24-bookworm, a moving tag") tells the maintainer no bump is needed.
    it("every Node.js Debian image the docs name is preview.yml's container tag, which is pinned, not moving", () => {
        const workflow = parseYaml(readFileSync(join(REPO_ROOT, ".github", "workflows", "preview.yml"), "utf8")) as { jobs: { test: { container: string } } };
        const tag = /^(node:[\w.-]+)@sha256:[0-9a-f]{64}$/.exec(workflow.jobs.test.container)?.[1];
        expect(tag).toMatch(/^node:\d+\.\d+\.\d+-bookworm$/);
        const docs = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        const named = docs.flatMap((f) => [...readFileSync(join(REPO_ROOT, f), "utf8").matchAll(/node:[0-9][\w.]*-bookworm\b/g)].map((m) => [f, m[0]]));
        expect(named.length).toBeGreaterThanOrEqual(3);
        expect(named.filter(([, image]) => image !== tag)).toEqual([]);
    });
});
