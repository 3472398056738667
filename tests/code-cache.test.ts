import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-code-cache-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const cacheFile = path.join(dir, "test.v8cache");

/** A fresh process that installs the cache, requires `main.cjs`, and reports what it got and the cache's counters. */
function run(): { value: unknown; hits: number; misses: number; uncached: number } {
    const script = `
        const stats = require(${JSON.stringify(path.join(REPO_ROOT, "scripts", "code-cache.cjs"))}).install(${JSON.stringify(cacheFile)});
        Promise.resolve(require(${JSON.stringify(path.join(dir, "main.cjs"))})).then((value) => {
            process.stdout.write(JSON.stringify({ value, hits: stats.hits, misses: stats.misses, uncached: stats.uncached }));
        });
    `;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as ReturnType<typeof run>;
}

describe("scripts/code-cache.cjs: V8's code cache for CommonJS modules on Node 20", () => {
    it("compiles from source once, from the cache after, and a changed file (same length) afresh, never stale", () => {
        fs.writeFileSync(path.join(dir, "main.cjs"), `#!/usr/bin/env node\nconst { word } = require("./dep.cjs");\nmodule.exports = require("./dynamic.cjs").answer().then((answer) => [word(), answer, __filename.endsWith("main.cjs"), typeof require.resolve.paths]);\n`);
        fs.writeFileSync(path.join(dir, "dep.cjs"), `exports.word = () => "alpha";\n`);
        fs.writeFileSync(path.join(dir, "dynamic.cjs"), `exports.answer = () => import("./esm.mjs").then((m) => m.answer);\n`);
        fs.writeFileSync(path.join(dir, "esm.mjs"), "export const answer = 42;\n");

        // The shebang line and Node's require helpers work; a module with import() is Node's to compile.
        expect(run()).toEqual({ value: ["alpha", 42, true, "function"], hits: 0, misses: 2, uncached: 1 });
        expect(fs.existsSync(cacheFile)).toBe(true);
        expect(run()).toEqual({ value: ["alpha", 42, true, "function"], hits: 2, misses: 0, uncached: 1 });

        // Same length as before: V8's own check (source length) would take the old bytecode.
        fs.writeFileSync(path.join(dir, "dep.cjs"), `exports.word = () => "omega";\n`);
        expect(run()).toEqual({ value: ["omega", 42, true, "function"], hits: 1, misses: 1, uncached: 1 });
        expect(run()).toEqual({ value: ["omega", 42, true, "function"], hits: 2, misses: 0, uncached: 1 });
    });

    it("treats an unreadable cache as empty and replaces it", () => {
        fs.writeFileSync(cacheFile, "not a cache");
        expect(run()).toMatchObject({ hits: 0, misses: 2 });
        expect(run()).toMatchObject({ hits: 2, misses: 0 });
    });
});
