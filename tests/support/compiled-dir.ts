/**
 * Vitest's global setup: one scratch directory for the precompiled CLI bundles
 * (`LAUNCHPAD_COMPILED_DIR` of scripts/compiled.cjs) per test run, shared by every file that runs
 * `npm run plan` as a process of its own. The first run builds the bundle there and every later one
 * reuses it and its V8 code cache; before, five files built their own copy (about a CPU second
 * each). Fresh per run, so no test trusts (or races) the developer's bin/; two builds at once are
 * harmless, as compiled.cjs writes the bundle and its inputs aside and renames them.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
    export interface ProvidedContext {
        /** The run's `LAUNCHPAD_COMPILED_DIR`, inside the repository (the bundle resolves its packages from node_modules). */
        compiledDir: string;
    }
}

export default function setup(project: TestProject): () => void {
    // bin/ is build output, absent from a fresh checkout until something writes there.
    // The project's root (vitest.config.mts's directory): plan/engine.ts's REPO_ROOT, without loading
    // the Pulumi SDK into vitest's own process.
    const bin = join(project.config.root, "bin");
    mkdirSync(bin, { recursive: true });
    const dir = mkdtempSync(join(bin, "compiled-run-"));
    project.provide("compiledDir", dir);
    return () => rmSync(dir, { recursive: true, force: true });
}
