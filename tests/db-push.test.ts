/**
 * The failure push of scripts/db/lib.sh where the database images run it: no curl, so bash's own
 * /dev/tcp carries the POST. Runs bash with a PATH holding only what those images surely have
 * (bash, cat, basename, timeout), against a stand-in Pushgateway on this machine.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePushgateway, type FakePushgateway } from "./support/db-s3";
import { describeWithTools, freePort, which } from "./support/db-tools";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/db-push.test.ts", "curl's retries while the Pushgateway moves");

const LIB = join(__dirname, "..", "scripts", "db", "lib.sh");
const BODY = 'launchpad_restore_verify_last_run_success 0\nlaunchpad_restore_verify_last_failure_timestamp_seconds 1795000000\n';

let bin: string;
let gateway: FakePushgateway;

beforeAll(async () => {
    bin = mkdtempSync(join(tmpdir(), "launchpad-nocurl-"));
    for (const [name, target] of [["bash", "/bin/bash"], ["cat", "/bin/cat"], ["basename", "/usr/bin/basename"], ["timeout", "/usr/bin/timeout"]]) {
        symlinkSync(target, join(bin, name));
    }
    gateway = await startFakePushgateway();
});

afterAll(async () => {
    rmSync(bin, { recursive: true, force: true });
    await gateway.close();
});

/** `push_failure_metrics <grouping>` with BODY on stdin, curl nowhere on PATH. */
function pushFailure(url: string | undefined, grouping: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    const script = `source "${LIB}"; command -v curl >/dev/null && exit 99; printf '%s' "$BODY" | push_failure_metrics "${grouping}"`;
    const env: Record<string, string> = { PATH: bin, BODY };
    if (url !== undefined) env.PUSHGATEWAY_URL = url;
    const start = Date.now();
    // Async spawn: the stand-in Pushgateway answers on this process's event loop. --norc: bash reads
    // ~/.bashrc when its stdin looks like a network connection, as a pipe from Node can.
    return new Promise((resolve) => {
        const child = spawn(join(bin, "bash"), ["--norc", "--noprofile", "-c", script], { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stdout, stderr, ms: Date.now() - start }));
    });
}

describe("push_failure_metrics without curl (the database images)", () => {
    it("has no curl on the test PATH, as in those images", () => {
        expect(spawnSync(join(bin, "bash"), ["--norc", "--noprofile", "-c", "command -v curl"], { env: { PATH: bin } }).status).toBe(1);
    });

    it("POSTs the exposition to the group through /dev/tcp, silently", async () => {
        const before = gateway.pushes.length;
        const r = await pushFailure(gateway.url, "job/launchpad-db-restore-verify/database/app");
        expect(r).toMatchObject({ status: 0, stdout: "", stderr: "" });
        expect(gateway.pushes.slice(before)).toEqual([{ method: "POST", path: "/metrics/job/launchpad-db-restore-verify/database/app", body: BODY }]);
    });

    it("never fails the script when nothing listens, and gives up quickly", async () => {
        const closed = await new Promise<number>((resolve) => {
            const s = createServer();
            s.listen(0, "127.0.0.1", () => {
                const a = s.address();
                s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
            });
        });
        const r = await pushFailure(`http://127.0.0.1:${closed}`, "job/launchpad-db-backup/database/app/tier/daily");
        expect(r).toMatchObject({ status: 0, stdout: "", stderr: "" });
        expect(r.ms).toBeLessThan(6000);
    });

    it("does nothing without PUSHGATEWAY_URL", async () => {
        const before = gateway.pushes.length;
        expect(await pushFailure(undefined, "job/x/database/app")).toMatchObject({ status: 0, stdout: "", stderr: "" });
        expect(gateway.pushes.length).toBe(before);
    });
});

/**
 * `push_metrics` (every success push of dump.sh, verify.sh and dr-metrics.sh) while the Pushgateway is
 * away: a node drain or node group update evicts its one pod (`Recreate`, an EBS volume), and until it
 * runs again on another node its Service has no endpoint, so a connection is refused. Against the
 * real Pushgateway (Debian's prometheus-pushgateway) started only after the first attempts.
 */
const PUSHGATEWAY = which("prometheus-pushgateway");
const CURL = which("curl");
const SUCCESS_BODY = "launchpad_backup_last_success_timestamp_seconds 1795000000\n";

/** `push_metrics <grouping>` with SUCCESS_BODY on stdin, the system's curl on PATH. */
function pushSuccess(url: string, grouping: string, extra: Record<string, string> = {}): Promise<{ status: number | null; stderr: string; ms: number }> {
    // As the scripts run it: curl's stderr in the error log (removed on exit), its last line in the message.
    const script = `source "${LIB}"; open_error_log; trap 'rm -f "$error_log"' EXIT; printf '%s' "$BODY" | push_metrics "${grouping}"`;
    const start = Date.now();
    return new Promise((resolve) => {
        const child = spawn("/bin/bash", ["--norc", "--noprofile", "-c", script], { env: { PATH: "/usr/bin:/bin", TMPDIR: tmpdir(), BODY: SUCCESS_BODY, PUSHGATEWAY_URL: url, ...extra } });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stderr, ms: Date.now() - start }));
    });
}

describeWithTools("push_metrics while the Pushgateway moves (a drained node's pod starting again elsewhere)", [
    ...(PUSHGATEWAY === undefined ? ["prometheus-pushgateway"] : []),
    ...(CURL === undefined ? ["curl"] : []),
], () => {
    // Each of the two waits about a second on its own port and processes: side by side.
    it.skipIf(SKIP_TIMING).concurrent("retries refused connections until the Pushgateway listens, then PUTs the group (curl --retry-connrefused; PUSHGATEWAY_RETRY_SECONDS, default 180)", async ({ expect }) => {
        const port = await freePort();
        const grouping = "job/launchpad-db-backup/database/app/tier/daily";
        const push = pushSuccess(`http://127.0.0.1:${port}`, grouping);
        // Nothing listens for the first attempt: the evicted pod is gone, the new one not started.
        await new Promise((r) => setTimeout(r, 500));
        const gateway = spawn(PUSHGATEWAY ?? "prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
        try {
            const r = await push;
            expect([r.status, r.stderr]).toEqual([0, ""]);
            expect(r.ms).toBeGreaterThanOrEqual(500);
            const groups = (await (await fetch(`http://127.0.0.1:${port}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string>; launchpad_backup_last_success_timestamp_seconds?: { metrics: { value: string }[] } }[] };
            const group = groups.data.find((g) => g.labels.job === "launchpad-db-backup");
            expect(group?.labels).toEqual({ job: "launchpad-db-backup", database: "app", tier: "daily" });
            expect(group?.launchpad_backup_last_success_timestamp_seconds?.metrics.map((m) => Number(m.value))).toEqual([1795000000]);
        } finally {
            gateway.kill();
        }
    });

    it.skipIf(SKIP_TIMING).concurrent("gives up after PUSHGATEWAY_RETRY_SECONDS when nothing ever listens, failing the push with curl's error", async ({ expect }) => {
        const port = await freePort();
        const r = await pushSuccess(`http://127.0.0.1:${port}`, "job/launchpad-dr-metrics/db_instance/db", { PUSHGATEWAY_RETRY_SECONDS: "1" });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^bash: pushing metrics to the Pushgateway \(group job\/launchpad-dr-metrics\/db_instance\/db\) failed: curl: \(7\) .+\n$/);
        expect(r.ms).toBeGreaterThanOrEqual(1000);
        expect(r.ms).toBeLessThan(10_000);
    });
});
