/**
 * Vitest's global setup: the run's own TMPDIR, so that no test leaves files in /tmp unnoticed.
 *
 * Before any worker starts, TMPDIR points at a fresh directory: vitest 4 forks its workers with
 * `{ ...process.env, ...test.env }` read after global setup (`runFiles`: `initializeGlobalSetup`,
 * then the pool), and every process a test starts (tsx, node, bash, mariadbd, postgres) inherits it
 * unless the test hands it an environment of its own. At the end it lists what is left there and
 * fails the run, then removes it. The check runs once, after every file: a file's temp files that
 * another file, on the other worker, still uses are never judged early.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
    export interface ProvidedContext {
        /** The run's own TMPDIR, for tests/run-tmpdir.test.ts. */
        runTmpdir: string;
    }
}

/**
 * Caches tools keep in the temp dir across runs by design, not leftovers. Each is linked to where
 * the tool keeps it outside the run, so the tests' processes stay as warm as a developer's (a cold
 * tsx start of scripts/rollback.ts took about 1.6 CPU-seconds more):
 * - tsx's transform cache, `tsx-<euid>` (tsx's dist/temporary-directory-*.mjs);
 * - ts-node 7's compile cache, `ts-node-<sha256 of the home dir>` (`getTmpDir` in @pulumi/pulumi's
 *   vendor/ts-node@7.0.1, which compiles the policy pack: tests/policy-pack-publish.test.ts);
 * - Node's own compile cache, `node-compile-cache`: on Node 22.8+ a tool that calls
 *   `module.enableCompileCache()` without a directory (vite's bin/vite.js does) caches in
 *   `path.join(os.tmpdir(), 'node-compile-cache')` (Node's module.md); .ci/run's second pass, under
 *   Node 24, left it.
 */
const CACHES: readonly string[] = [
    `tsx-${process.geteuid?.() ?? userInfo().username}`,
    `ts-node-${createHash("sha256").update(homedir(), "utf8").digest("hex")}`,
    "node-compile-cache",
];

/** What is in `run` besides the caches: what the tests left. */
export function leftovers(run: string): string[] {
    return readdirSync(run).filter((name) => !CACHES.includes(name)).sort();
}

export default function setup(project: TestProject): () => void {
    const outer = tmpdir();
    // Short: the database tests put unix sockets three directories down (tests/db-scripts.test.ts,
    // scripts/db/verify.sh: PostgreSQL's is about 92 bytes from here), and a socket path holds at
    // most 107 (unix(7), sun_path).
    const run = mkdtempSync(join(outer, "lp-"));
    // As /tmp: PostgreSQL runs as postgres when the tests run as root, and must reach its directory.
    chmodSync(run, 0o1777);
    for (const cache of CACHES) {
        mkdirSync(join(outer, cache), { recursive: true });
        symlinkSync(join(outer, cache), join(run, cache));
    }
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = run;
    project.provide("runTmpdir", run);
    return () => {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
        const left = leftovers(run);
        rmSync(run, { recursive: true, force: true });
        if (left.length > 0) {
            console.error(`\nThe tests left ${left.length} ${left.length === 1 ? "entry" : "entries"} in their TMPDIR (${run}, now removed); ` +
                `remove each where it is made (tests/support/scratch.ts, afterAll, try/finally):\n${left.map((n) => `  ${n}\n`).join("")}`);
            process.exitCode = 1;
        }
    };
}
