/**
 * scripts/db/lib.sh's `last_error`, the one place a client's stderr becomes part of the scripts'
 * one-line error: the database password never reaches it (issue 13, class 5: reasons that keep the
 * cause, credentials never printed), whatever characters it holds. And `stop_aws`, which an exit
 * trap runs: the upload stops whenever the signal lands.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

const dir = mkdtempSync(join(tmpdir(), "launchpad-db-lib-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `last_error` with this stderr in the error log and `db_password` set as dump.sh sets it. */
function lastError(stderr: string, password: string | undefined): string {
    const log = join(dir, "stderr");
    writeFileSync(log, stderr);
    const script = `source ${JSON.stringify(join(REPO_ROOT, "scripts/db/lib.sh"))}; error_log=$1; ${password !== undefined ? "db_password=$2;" : ""} last_error`;
    const r = spawnSync("bash", ["-c", script, "dump.sh", log, password ?? ""], { encoding: "utf8" });
    expect(r.status).toBe(0);
    return r.stdout;
}

describe("last_error: the client's telling line, never the password", () => {
    it.each([
        { password: "hunter2", stderr: "mysqldump: Got error: 1045: Access denied (using password hunter2)\n", shown: ": mysqldump: Got error: 1045: Access denied (using password ***)" },
        // Glob and pattern characters in the password are matched as text, not as a pattern.
        { password: "p*[a]?\\x", stderr: "pg_dump: error: connection to server failed: password p*[a]?\\x rejected\n", shown: ": pg_dump: error: connection to server failed: password *** rejected" },
        { password: "a&b", stderr: "ERROR: a&b and a&b again\n", shown: ": ERROR: *** and *** again" },
    ])("masks $password", ({ password, stderr, shown }) => {
        expect(lastError(stderr, password)).toBe(shown);
    });

    it("keeps the line as it is without a password (verify.sh, the upload phase)", () => {
        expect(lastError("  upload failed: An error occurred (SlowDown)\n", undefined)).toBe(": upload failed: An error occurred (SlowDown)");
    });
});

/**
 * Runs `body` in bash with scripts/db/lib.sh sourced, strict mode on, and an `aws` on PATH that
 * records its pid and sleeps: the state a signal leaves when bash runs a trap between two commands.
 */
function withSleepingAws(name: string, body: string): string {
    const bin = join(dir, `${name}-bin`);
    mkdirSync(bin);
    const pidFile = join(dir, `${name}.pid`);
    writeFileSync(join(bin, "aws"), `#!/bin/sh\necho $$ > ${JSON.stringify(pidFile)}\nexec sleep 30 >/dev/null 2>&1\n`, { mode: 0o755 });
    const script = [
        `source ${JSON.stringify(join(REPO_ROOT, "scripts/db/lib.sh"))}`,
        "strict_mode",
        `export PATH=${JSON.stringify(bin)}:$PATH AWS_REGION=us-east-1`,
        `started() { for _ in $(seq 200); do [[ -s ${JSON.stringify(pidFile)} ]] && return 0; sleep 0.05; done; return 1; }`,
        "state() { if kill -0 \"$1\" 2>/dev/null; then echo alive; else echo stopped; fi; }",
        body,
    ].join("\n");
    const r = spawnSync("bash", ["-c", script, "dump.sh"], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout.trim();
}

describe("stop_aws: an upload a signal interrupts between its fork and aws_pid=$! still stops (bash runs traps between commands)", () => {
    it("stops the CLI that was forked before aws_pid was set", () => {
        const out = withSleepingAws("forked", [
            "aws_forking=${!:-none}",
            "aws_cli_exec s3 cp a b &",
            "cli=$!",
            "started",
            "stop_aws",
            "state \"$cli\"",
            "kill \"$cli\" 2>/dev/null || true",
        ].join("\n"));
        expect(out).toBe("stopped");
    });

    it("kills nothing when the signal came before the fork: another background job runs on", () => {
        const out = withSleepingAws("unforked", [
            "sleep 30 & other=$!",
            "aws_forking=${!:-none}",
            "stop_aws",
            "state \"$other\"",
            "kill \"$other\"; wait \"$other\" 2>/dev/null || true",
        ].join("\n"));
        expect(out).toBe("alive");
    });
});
