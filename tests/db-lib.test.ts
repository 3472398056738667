/**
 * scripts/db/lib.sh's `last_error`, the one place a client's stderr becomes part of the scripts'
 * one-line error: the database password never reaches it (issue 13, class 5: reasons that keep the
 * cause, credentials never printed), whatever characters it holds.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
