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
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/**
 * tsx's transform cache, `os.tmpdir()/tsx-<euid>` (its dist/temporary-directory-*.mjs): a cache kept
 * across runs, not a leftover. Linked to where tsx keeps it outside the run, so the tests' tsx
 * processes stay as warm as a developer's.
 */
const TSX_CACHE = `tsx-${process.geteuid?.() ?? userInfo().username}`;

export default function setup(): () => void {
    const outer = tmpdir();
    // Short: the database tests put unix sockets four directories down (tests/db-scripts.test.ts,
    // scripts/db/verify.sh), and a socket path holds at most 107 bytes (unix(7), sun_path).
    const run = mkdtempSync(join(outer, "lp-"));
    // As /tmp: PostgreSQL runs as postgres when the tests run as root, and must reach its directory.
    chmodSync(run, 0o1777);
    mkdirSync(join(outer, TSX_CACHE), { recursive: true });
    symlinkSync(join(outer, TSX_CACHE), join(run, TSX_CACHE));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = run;
    return () => {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
        const left = readdirSync(run).filter((name) => name !== TSX_CACHE).sort();
        rmSync(run, { recursive: true, force: true });
        if (left.length > 0) {
            console.error(`\nThe tests left ${left.length} ${left.length === 1 ? "entry" : "entries"} in their TMPDIR (${run}, now removed); ` +
                `remove each where it is made (tests/support/scratch.ts, afterAll, try/finally):\n${left.map((n) => `  ${n}\n`).join("")}`);
            process.exitCode = 1;
        }
    };
}
