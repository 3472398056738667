/**
 * The run's own TMPDIR (tests/support/run-tmpdir.ts): it only catches leftovers if the workers and
 * their children really write there, which depends on vitest forking its workers after global
 * setup with `process.env` as that left it (vitest 4's `runFiles`).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { leftovers } from "./support/run-tmpdir";
import { scratchDir } from "./support/scratch";

describe("the run's own TMPDIR", () => {
    it("is this worker's os.tmpdir(): a fresh lp-XXXXXX, open to every user as /tmp is", () => {
        const run = inject("runTmpdir");
        expect(tmpdir()).toBe(run);
        expect(basename(run)).toMatch(/^lp-[A-Za-z0-9]{6}$/);
        // The sticky bit and everyone's rwx, like /tmp: PostgreSQL runs as postgres under root.
        expect(statSync(run).mode & 0o7777).toBe(0o1777);
    });

    it("is what a process a test starts gets as its temp dir", () => {
        const r = spawnSync(process.execPath, ["-p", "require('node:os').tmpdir()"], { encoding: "utf8" });
        expect([r.status, r.stdout.trim()]).toEqual([0, inject("runTmpdir")]);
    });

    it("counts as left over everything but tsx's, ts-node's and Node's compile caches, known by their exact names, sorted", () => {
        const dir = scratchDir("launchpad-leftovers-");
        mkdirSync(join(dir, `tsx-${process.geteuid?.() ?? userInfo().username}`));
        mkdirSync(join(dir, "node-compile-cache"));
        mkdirSync(join(dir, "ts-node-0000"));
        writeFileSync(join(dir, "smoke-gate-1.json"), "{}");
        mkdirSync(join(dir, "launchpad-schema-AbC123"));
        expect(leftovers(dir)).toEqual(["launchpad-schema-AbC123", "smoke-gate-1.json", "ts-node-0000"]);
    });
});
