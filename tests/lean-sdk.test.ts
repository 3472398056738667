import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";
import { skipProcesses } from "./support/timing";

const SKIP_PROCESSES = skipProcesses("tests/lean-sdk.test.ts", "the SDK loaded with and without the rewrites, two Node.js processes");

interface LeanSdk {
    readonly REWRITES: Readonly<Record<string, readonly (readonly [string, string])[]>>;
    rewrite(file: string, source: string): string | undefined;
}
// A plain CommonJS launcher helper (scripts/compiled.cjs loads it before any TypeScript runs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lean = require("../scripts/lean-sdk.cjs") as LeanSdk;

const SDK = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");

/**
 * In a fresh process (with or without the lean loader): the SDK's export names at both levels, the
 * modules loaded, and what reading the lazy exports gives.
 */
function probe(withLean: boolean): { root: string[]; runtime: string[]; loaded: string[]; lazyTypes: string[]; automationKeys: number } {
    const script = `
        ${withLean ? `require(${JSON.stringify(path.join(REPO_ROOT, "scripts", "lean-sdk.cjs"))}).install(process.cwd());` : ""}
        const pulumi = require("@pulumi/pulumi");
        const root = Object.keys(pulumi).sort();
        const runtime = Object.keys(pulumi.runtime).sort();
        const loaded = Object.keys(require.cache).map((f) => f.replace(/^.*node_modules\\//, ""));
        const lazyTypes = [typeof pulumi.runtime.serializeFunction, typeof pulumi.runtime.serializeFunctionAsync, typeof pulumi.runtime.computeCodePaths];
        const automationKeys = Object.keys(pulumi.automation).length;
        process.stdout.write(JSON.stringify({ root, runtime, loaded, lazyTypes, automationKeys }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as ReturnType<typeof probe>;
}

describe("scripts/lean-sdk.cjs: the SDK without its Automation API and closure serializer until read", () => {
    it("every rewrite matches the installed SDK exactly once (an SDK upgrade that moves them fails here)", () => {
        for (const file of Object.keys(lean.REWRITES)) {
            const source = fs.readFileSync(path.join(SDK, file), "utf8");
            const out = lean.rewrite(file, source);
            expect(out).toBeDefined();
            expect(out).not.toBe(source);
            for (const [from] of lean.REWRITES[file]) {
                expect(out).not.toContain(from);
            }
        }
    });

    it("leaves a file that does not hold the text unmodified (undefined: load the original)", () => {
        expect(lean.rewrite("index.js", "exports.x = 1;\n")).toBeUndefined();
    });

    it.skipIf(SKIP_PROCESSES)("exports the same names as the SDK, loads neither TypeScript nor Arborist, and resolves the lazy exports on read", () => {
        const plain = probe(false);
        const lazy = probe(true);
        expect(lazy.root).toEqual(plain.root);
        expect(lazy.runtime).toEqual(plain.runtime);
        expect(plain.loaded.some((f) => f.startsWith("typescript/"))).toBe(true);
        // Read after the module list was taken: the lazy parts were not loaded by require() itself.
        expect(lazy.loaded.filter((f) => f.startsWith("typescript/") || f.startsWith("@npmcli/arborist/") || f.startsWith("@pulumi/pulumi/automation/"))).toEqual([]);
        expect(lazy.lazyTypes).toEqual(["function", "function", "function"]);
        expect(lazy.automationKeys).toBe(plain.automationKeys);
        expect(lazy.automationKeys).toBeGreaterThan(0);
    });
});
