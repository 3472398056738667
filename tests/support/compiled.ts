/**
 * `npm run plan` as a process of its own (`node scripts/compiled.cjs plan`, package.json's command
 * without npm's start-up), from the run's shared bundle directory (tests/support/compiled-dir.ts).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { inject } from "vitest";
import { REPO_ROOT } from "../../plan/engine";

/** The environment that points scripts/compiled.cjs at the run's bundles. */
export function compiledEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, LAUNCHPAD_COMPILED_DIR: inject("compiledDir"), ...extra };
}

/** Runs `node scripts/compiled.cjs plan <args>` in the repository and waits for it. */
export function planProcess(args: readonly string[], timeout = 180_000): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, ["scripts/compiled.cjs", "plan", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout, env: compiledEnv() });
}
