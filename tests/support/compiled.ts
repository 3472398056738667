/**
 * `npm run plan` as a process of its own (`node scripts/compiled.cjs plan`, package.json's command
 * without npm's start-up), from the run's shared bundle directory (tests/support/compiled-dir.ts).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { inject } from "vitest";
import { REPO_ROOT } from "../../plan/engine";
import { planCli } from "../../scripts/plan";

/** The environment that points scripts/compiled.cjs at the run's bundles. */
export function compiledEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, LAUNCHPAD_COMPILED_DIR: inject("compiledDir"), ...extra };
}

/** Runs `node scripts/compiled.cjs plan <args>` in the repository and waits for it. */
export function planProcess(args: readonly string[], timeout = 180_000): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, ["scripts/compiled.cjs", "plan", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout, env: compiledEnv() });
}

/** What a run of `npm run plan` gives back. */
export interface PlanRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * As planProcess, without blocking the worker: runs side by side, and the worker's other tests go on.
 * Stopped with SIGTERM after `timeout` ms (its status then null).
 */
export function planProcessAsync(args: readonly string[], timeout = 180_000): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["scripts/compiled.cjs", "plan", ...args], { cwd: REPO_ROOT, env: compiledEnv(), stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        const timer = setTimeout(() => child.kill("SIGTERM"), timeout);
        child.once("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.once("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
        });
    });
}

/**
 * `npm run plan <args>` through its entry points, for `it.for`: in this process (planCli, what
 * scripts/plan.ts's main calls and prints) always, and as a process of its own (the bundle
 * package.json runs) unless `skipProcess` (tests/support/timing.ts skipProcesses): the same
 * expectations for both.
 */
export function planEntryPoints(skipProcess: boolean): readonly { entry: string; plan: (args: readonly string[]) => Promise<PlanRun> }[] {
    const inProcess = {
        entry: "in this process",
        plan: async (args: readonly string[]): Promise<PlanRun> => {
            const r = await planCli(args);
            return { status: r.code, stdout: r.stdout, stderr: r.stderr };
        },
    };
    return skipProcess ? [inProcess] : [inProcess, { entry: "as a process of its own", plan: planProcessAsync }];
}
