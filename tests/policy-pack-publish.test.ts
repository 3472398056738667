/**
 * The policy pack is published alone: `pulumi policy publish` starts it from `policies/`, asks it for
 * its policies, then runs `npm pack` there and uploads the tarball; whoever enforces it unpacks the
 * tarball and installs its dependencies (pulumi/pulumi `pkg/backend/httpstate/policypack.go`:
 * `Publish`, `installRequiredPolicy`; `sdk/nodejs/npm/npm.go`: `Pack`, `Install`). So the tarball
 * must hold every file the pack imports and its package.json every package it needs.
 *
 * How the CLI then loads a Node.js pack (pulumi/pulumi `sdk/nodejs/cmd/pulumi-language-nodejs/main.go`,
 * `RunPlugin`): `node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> <pack>` with
 * the pack as working directory. `run-policy-pack/run.ts` registers ts-node with `typeCheck: true`
 * and the TypeScript that `tsutils.ts` finds from @pulumi/pulumi's own folder (the pack's
 * `typescript` when installed, else the vendored typescript@3.8.3 and ts-node@7.0.1), then requires
 * the pack folder, i.e. its package.json `main`. TypeScript 3.8 cannot parse `import { type X }` or
 * `satisfies`, so the pack depends on `typescript` itself.
 *
 * The quick tests read `npm pack --dry-run`. The full one, which installs the pack (about 20 s) and
 * type-checks it the CLI's way (about 15 s), runs under CI=true and in `npm run test:pack`;
 * elsewhere it is skipped with a loud message.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";
import { POLICIES } from "../policies/all";
import { IN_CI, runOk } from "./support/db-tools";

const PACK_DIR = join(REPO_ROOT, "policies");
const FULL = IN_CI || process.env.LAUNCHPAD_PACK_TEST === "1";

interface PackageJson {
    readonly name: string;
    readonly main: string;
    readonly dependencies?: Readonly<Record<string, string>>;
    readonly devDependencies?: Readonly<Record<string, string>>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const PACK_JSON = readJson<PackageJson>(join(PACK_DIR, "package.json"));
const ROOT_JSON = readJson<PackageJson>(join(REPO_ROOT, "package.json"));

/** The environment without the `npm_*` settings `npm test` exports: `npm_config_local_prefix` would point npm back at the repository. */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function npm(args: readonly string[], cwd: string, timeoutMs = 60_000) {
    return runOk("npm", args, { cwd, env: CLEAN_ENV, timeoutMs });
}

/** The files `npm pack` puts in the tarball (what `pulumi policy publish` uploads), sorted. */
async function packedFiles(): Promise<string[]> {
    const r = await npm(["pack", "--dry-run", "--json", "--loglevel=error"], PACK_DIR);
    const [pack] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
    return pack.files.map((f) => f.path).sort();
}

/** The package a bare module name belongs to: `@pulumi/policy/schema` -> `@pulumi/policy`. */
function packageOf(spec: string): string {
    const parts = spec.split("/");
    return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

type TextOf = (file: string) => string;
const packText: TextOf = (file) => readFileSync(join(PACK_DIR, file), "utf8");

/** Every module specifier of the packed .ts files, read by TypeScript's own scanner (`import type` and `import("...")` types included). */
function importsOf(files: readonly string[], textOf: TextOf): { file: string; spec: string }[] {
    return files.filter((f) => f.endsWith(".ts")).flatMap((file) => ts.preProcessFile(textOf(file), true, true).importedFiles.map(({ fileName: spec }) => ({ file, spec })));
}

const isBuiltin = (spec: string): boolean => spec.startsWith("node:") || builtinModules.includes(spec);

/**
 * What is wrong with the imports of the packed files: a relative import must resolve to another
 * packed file, a bare one must name a declared dependency.
 */
function importProblems(files: readonly string[], textOf: TextOf = packText): string[] {
    const packed = new Set(files);
    const deps = new Set(Object.keys(PACK_JSON.dependencies ?? {}));
    const problems: string[] = [];
    for (const { file, spec } of importsOf(files, textOf)) {
        if (spec.startsWith(".")) {
            const target = normalize(join(dirname(file), spec));
            if (target.startsWith("..") || !(packed.has(`${target}.ts`) || packed.has(join(target, "index.ts")))) {
                problems.push(`${file} imports ${spec}, which is not in the package`);
            }
        } else if (isBuiltin(spec)) {
            // Node's modules need no install, but their types do: the CLI type-checks the pack.
            if (!deps.has("@types/node")) problems.push(`${file} imports ${spec}: declare @types/node in policies/package.json first`);
        } else if (!deps.has(packageOf(spec))) {
            problems.push(`${file} imports ${spec}, which is not in policies/package.json's dependencies`);
        }
    }
    return problems;
}

describe("the published policy pack (npm pack of policies/)", () => {
    let files: string[] = [];

    beforeAll(async () => {
        files = await packedFiles();
    });

    it("holds PulumiPolicy.yaml, package.json and every pack source, but not the offline evaluator", () => {
        // The evaluator (evaluate.ts, config.ts) serves `npm run policy` and `npm run plan -- --policy`
        // in this repository; the CLI never loads it, and it reads the program's plan/ code.
        const tsIn = (dir: string) => readdirSync(join(PACK_DIR, dir)).filter((f) => f.endsWith(".ts")).map((f) => (dir === "" ? f : `${dir}/${f}`));
        const sources = [...tsIn(""), ...tsIn("shared")].filter((f) => f !== "config.ts" && f !== "evaluate.ts");
        expect(files).toEqual(["PulumiPolicy.yaml", "package.json", ...sources].sort());
        expect(files).toContain("index.ts");
        expect(files).toContain("shared/delivery.ts");
    });

    it("imports nothing from outside its folder and only packages it declares", () => {
        expect(importProblems(files)).toEqual([]);
    });

    it("would catch an import leaving the folder, of an unpacked file or of an undeclared package", () => {
        const probe = 'import { SECRET_TEXT } from "../plan/values";\nimport { evaluatePlan } from "./evaluate";\nimport * as yaml from "yaml";\nimport type { Level } from "./lib";\nimport type { Cidr } from "./shared/cidr";\n';
        expect(importProblems(["probe.ts", "lib.ts", "shared/cidr.ts"], (f) => (f === "probe.ts" ? probe : ""))).toEqual([
            "probe.ts imports ../plan/values, which is not in the package",
            "probe.ts imports ./evaluate, which is not in the package",
            "probe.ts imports yaml, which is not in policies/package.json's dependencies",
        ]);
    });

    it("depends on the versions the program pins, typescript included, and its lock file agrees", () => {
        const pins = { ...ROOT_JSON.devDependencies, ...ROOT_JSON.dependencies };
        const deps = PACK_JSON.dependencies ?? {};
        // What the packed files import, plus what the CLI's loader needs: @pulumi/pulumi holds
        // run-policy-pack, typescript compiles the pack.
        const imported = importsOf(files, packText).map((i) => i.spec).filter((s) => !s.startsWith(".") && !isBuiltin(s)).map(packageOf);
        expect(Object.keys(deps).sort()).toEqual([...new Set([...imported, "@pulumi/pulumi", "typescript"])].sort());
        expect(Object.keys(deps)).toEqual(expect.arrayContaining(["@pulumi/aws", "@pulumi/kubernetes", "@pulumi/policy", "@pulumi/pulumi", "typescript"]));
        expect(deps).toEqual(Object.fromEntries(Object.keys(deps).map((d) => [d, pins[d]])));
        expect(PACK_JSON.devDependencies).toBeUndefined();
        const lock = readJson<{ packages: Record<string, { version?: string; dependencies?: Record<string, string> }> }>(join(PACK_DIR, "package-lock.json"));
        expect(lock.packages[""].dependencies).toEqual(deps);
        expect(Object.fromEntries(Object.keys(deps).map((d) => [d, lock.packages[`node_modules/${d}`]?.version]))).toEqual(deps);
    });
});

/**
 * Run in the installed pack, with it as working directory as the CLI does: registers ts-node through
 * @pulumi/pulumi's own `run-policy-pack/run` (the CLI's code path, type check included) to load the
 * policy list `all.ts` instead of `index.ts`, whose `PolicyPack` would start the analyzer's gRPC
 * server; then resolves `main` and compiles it, type check included, without running it.
 */
const LOADER = `
const path = require("node:path");
const Module = require("node:module");
const dir = process.cwd();
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [dir] }));
const { typescriptRequire } = require(path.join(pulumiDir, "tsutils")).typeScriptRequireStrings();
const tsPath = require.resolve(typescriptRequire, { paths: [pulumiDir] });
const run = require(path.join(pulumiDir, "cmd", "run-policy-pack", "run"));
Promise.resolve(run.run({ argv: { _: [path.join(dir, "all")] }, programStarted() {}, reportLoggedError() {}, typeScript: true }))
    .then((all) => {
        const main = require.resolve(dir);
        const m = new Module(main, null);
        m.filename = main;
        m.paths = Module._nodeModulePaths(dir);
        let compiled = "";
        m._compile = (code) => { compiled = code; };
        require.extensions[path.extname(main)](m, main);
        process.stdout.write(JSON.stringify({
            pulumiDir, typescriptRequire, tsPath, tsVersion: require(tsPath).version,
            policies: all.POLICIES.map((p) => p.name), main, compiled,
        }));
    }, (e) => { console.error(e && e.stack || e); process.exit(1); });
`;

interface Loaded {
    readonly pulumiDir: string;
    readonly typescriptRequire: string;
    readonly tsPath: string;
    readonly tsVersion: string;
    readonly policies: string[];
    readonly main: string;
    readonly compiled: string;
}

/**
 * `pulumi preview --policy-pack policies` runs the pack in place and installs nothing: the Node.js
 * language host resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack's folder and runs it there
 * (pulumi/pulumi v3.248.0 `sdk/nodejs/cmd/pulumi-language-nodejs/main.go`, `RunPlugin`, `locateModule`),
 * so what the pack and the runner import must resolve from `policies/` after the root `npm ci` alone.
 */
describe("the pack run in place (--policy-pack policies)", () => {
    it("finds run-policy-pack and every package it imports from policies/, in the root node_modules when policies/ has none", () => {
        const fromPack = createRequire(join(PACK_DIR, "package.json"));
        const sources = ["", "shared"].flatMap((dir) => readdirSync(join(PACK_DIR, dir)).filter((f) => f.endsWith(".ts")).map((f) => (dir === "" ? f : `${dir}/${f}`)));
        const bare = [...new Set(importsOf(sources, packText).map((i) => i.spec).filter((spec) => !spec.startsWith(".") && !isBuiltin(spec)))].sort();
        expect(bare).toEqual(expect.arrayContaining(["@pulumi/policy", "@pulumi/pulumi"]));
        const resolved = ["@pulumi/pulumi/cmd/run-policy-pack", "typescript", ...bare].map((spec) => [spec, fromPack.resolve(spec)] as const);
        // The root install answers; a pack folder with an install of its own (`npm ci` there, to publish) answers first.
        const installs = [join(PACK_DIR, "node_modules"), join(REPO_ROOT, "node_modules")];
        expect(resolved.filter(([, path]) => !installs.some((dir) => path.startsWith(dir))).map(([spec]) => spec)).toEqual([]);
        const docs = readFileSync(join(REPO_ROOT, "docs", "policies.md"), "utf8").replace(/\s+/g, " ");
        expect(docs).toContain("The CLI installs nothing for a local pack");
    });
});

/**
 * `pulumi policy publish` logs into the current backend, and a self-managed one refuses every policy
 * call ("DIY backend does not support resource policy": pulumi/pulumi v3.248.0
 * `pkg/cmd/pulumi/policy/policy_publish.go`, `loginToCloudBackend`; `pkg/backend/diy/backend.go`,
 * `GetPolicyPack`). The README's first real deploy uses such a backend, so a page that hands out the
 * command must say it needs Pulumi Cloud.
 */
describe("the docs' publish command", () => {
    it("comes with the backend it needs: the README's self-managed one refuses it", () => {
        const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
        expect(readme).toContain("pulumi login file://~/.pulumi-state");
        const pages = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        const giving = pages.filter((f) => /^(cd \S+ && )?(.* && )?pulumi policy publish\b/m.test(readFileSync(join(REPO_ROOT, f), "utf8")));
        expect(giving).toEqual(["docs/policies.md"]);
        for (const page of giving) {
            const text = readFileSync(join(REPO_ROOT, page), "utf8").replace(/\s+/g, " ");
            expect(text).toContain("Publishing needs a Pulumi Cloud organization");
            expect(text).toContain('"DIY backend does not support resource policy"');
        }
    });
});

if (!FULL) {
    console.warn("\n*** policy-pack-publish: SKIPPING the install-and-load test (npm ci --omit=dev of the packed pack, then the CLI's type-checked load, about 35 s); CI=true and `npm run test:pack` run it ***\n");
}

describe.skipIf(!FULL)("the packed pack, installed with npm ci --omit=dev in an empty folder", () => {
    let root = "";
    let pack = "";
    let loaded: Loaded;

    beforeAll(async () => {
        root = mkdtempSync(join(tmpdir(), "launchpad-pack-"));
        pack = join(root, "package");
        mkdirSync(pack);
        const tarball = (await npm(["pack", "--pack-destination", root, "--loglevel=error"], PACK_DIR)).stdout.trim();
        // What installRequiredPolicy does: unpack the tarball's package/ folder, install there. With
        // the committed lock file beside it, as `npm ci` in policies/ would use it.
        await runOk("tar", ["-xzf", join(root, tarball), "-C", pack, "--strip-components=1"]);
        copyFileSync(join(PACK_DIR, "package-lock.json"), join(pack, "package-lock.json"));
        await npm(["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], pack, 300_000);
        const r = await runOk(process.execPath, ["-e", LOADER], { cwd: pack, env: CLEAN_ENV, timeoutMs: 180_000 });
        loaded = JSON.parse(r.stdout) as Loaded;
    }, 600_000);

    // Some 230 MB of node_modules: removing them takes a while on a busy disk.
    afterAll(async () => {
        if (root !== "") await rm(root, { recursive: true, force: true });
    }, 300_000);

    it("runs the pack's own @pulumi/pulumi and compiles with the pack's own TypeScript, not the vendored 3.8.3", () => {
        expect(loaded.pulumiDir).toBe(join(pack, "node_modules", "@pulumi", "pulumi"));
        expect(loaded.typescriptRequire).toBe("typescript");
        expect(loaded.tsPath).toBe(join(pack, "node_modules", "typescript", "lib", "typescript.js"));
        expect(loaded.tsVersion).toBe(PACK_JSON.dependencies?.typescript);
    });

    it("lists exactly the policies the repository's pack has, in order", () => {
        expect(loaded.policies).toEqual(POLICIES.map((p) => p.name));
    });

    it("resolves main to index.ts, which type-checks and compiles to the PolicyPack over all.ts", () => {
        expect(loaded.main).toBe(join(pack, PACK_JSON.main));
        expect(loaded.compiled).toContain('require("./all")');
        expect(loaded.compiled).toMatch(/new \w+\.PolicyPack\(/);
    });
});
