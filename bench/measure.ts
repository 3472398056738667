/**
 * The two measurements, each in a fresh child process so every run pays startup as a user does:
 * - `measureCli`: the real CLI as `npm run plan` runs it, `node scripts/compiled.cjs plan --stack <s>
 *   --json` (the precompiled bundle), stdout discarded; wall time from spawn to exit, peak RSS
 *   reported by `rss-probe.cjs` at exit.
 * - `measureBaseline`: `node -e 'require("@pulumi/pulumi")'` the same way, the floor any Pulumi
 *   program pays: the plan's start-up is reported as a ratio to it, measured in the same run.
 * - `measureInProcess`: `plan-once.ts`, `runPlan` alone with the program's modules already loaded.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { REPO_ROOT } from "../plan/engine";
import type { InProcessResult } from "./plan-once";

export interface CliSample {
    readonly wallMs: number;
    /** Peak resident set size of the CLI process, in KiB (`process.resourceUsage().maxRSS`). */
    readonly maxRssKb: number;
}

/** The command the wall time measures, as shown in the report. */
export const CLI_COMMAND = "node scripts/compiled.cjs plan --stack <stack> --json";

/** The baseline the ratio divides by. */
export const BASELINE_COMMAND = `node -e 'require("@pulumi/pulumi")'`;

const RSS_FD = 3;

interface ChildResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly wallMs: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly fd3: string;
}

function collect(stream: Readable | null | undefined): () => string {
    const chunks: Buffer[] = [];
    stream?.on("data", (c: Buffer) => chunks.push(c));
    return () => Buffer.concat(chunks).toString("utf8");
}

function runChild(args: readonly string[], opts: { keepStdout: boolean; env?: NodeJS.ProcessEnv }): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        let wallMs = 0;
        const child = spawn(process.execPath, [...args], {
            cwd: REPO_ROOT,
            env: { ...process.env, ...opts.env },
            stdio: ["ignore", opts.keepStdout ? "pipe" : "ignore", "pipe", "pipe"],
        });
        const stdout = collect(child.stdout);
        const stderr = collect(child.stderr);
        const fd3 = collect(child.stdio[RSS_FD] as Readable | null);
        child.on("error", reject);
        child.on("exit", () => {
            wallMs = performance.now() - start;
        });
        child.on("close", (code, signal) => resolve({ code, signal, wallMs, stdout: stdout(), stderr: stderr(), fd3: fd3() }));
    });
}

function failure(what: string, r: ChildResult): Error {
    const how = r.signal !== null ? `signal ${r.signal}` : `exit code ${r.code}`;
    return new Error(`${what} failed (${how}):\n${r.stderr.trim()}`);
}

/** One run of the real CLI for `stack`. Throws when the plan itself fails: that is not a timing. */
export async function measureCli(stack: string, sets: readonly string[] = []): Promise<CliSample> {
    const r = await runChild(["-r", "./bench/rss-probe.cjs", "scripts/compiled.cjs", "plan", "--stack", stack, "--json", ...sets.flatMap((s) => ["--set", s])], {
        keepStdout: false,
        env: { LAUNCHPAD_BENCH_RSS_FD: String(RSS_FD) },
    });
    if (r.code !== 0) {
        throw failure(`npm run plan -- --stack ${stack} --json`, r);
    }
    return { wallMs: r.wallMs, maxRssKb: probedRss(r) };
}

/** One run of the baseline: loading the Pulumi SDK and nothing else. */
export async function measureBaseline(): Promise<CliSample> {
    const r = await runChild(["-r", "./bench/rss-probe.cjs", "-e", 'require("@pulumi/pulumi")'], { keepStdout: false, env: { LAUNCHPAD_BENCH_RSS_FD: String(RSS_FD) } });
    if (r.code !== 0) {
        throw failure(BASELINE_COMMAND, r);
    }
    return { wallMs: r.wallMs, maxRssKb: probedRss(r) };
}

function probedRss(r: ChildResult): number {
    const probe = JSON.parse(r.fd3) as { maxRssKb?: unknown };
    if (typeof probe.maxRssKb !== "number") {
        throw new Error(`the RSS probe reported nothing usable: ${JSON.stringify(r.fd3)}`);
    }
    return probe.maxRssKb;
}

/** One in-process `runPlan` for `stack`, in a fresh process. */
export async function measureInProcess(stack: string, sets: readonly string[] = []): Promise<InProcessResult> {
    const r = await runChild(["--import", "tsx", "bench/plan-once.ts", "--stack", stack, ...sets.flatMap((s) => ["--set", s])], { keepStdout: true });
    if (r.code !== 0) {
        throw failure(`bench/plan-once.ts --stack ${stack}`, r);
    }
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as InProcessResult;
}
