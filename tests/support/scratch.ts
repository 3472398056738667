/**
 * Scratch files of the tests: fresh directories under the OS temp dir (the run's own TMPDIR,
 * tests/support/run-tmpdir.ts), each removed after the test file that made it, pass or fail, by
 * the `afterAll` tests/support/scratch-cleanup.ts registers for every file. Callable anywhere (a
 * test, a hook, a file's top level, a support module), unlike `afterAll` or `onTestFinished`
 * (which, called after an `await` in a concurrent test, may name another test). Files of one
 * worker run one after another, so nothing a file still uses is removed; a path kept past its
 * file (a cache in a support module) would be, so write per use instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A fresh directory `<TMPDIR>/<prefix>XXXXXX`, removed after the current test file. */
export function scratchDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
}

/** `content` written to `name` in a fresh scratch directory (so the name is exactly `name`); returns the file's path. */
export function scratchFile(prefix: string, name: string, content: string): string {
    const file = join(scratchDir(prefix), name);
    writeFileSync(file, content);
    return file;
}

/** Removes every scratch directory made so far in this worker. */
export function removeScratch(): void {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
