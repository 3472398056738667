/**
 * scripts/db/dump.sh and scripts/db/verify.sh, run for real: a MariaDB and a PostgreSQL server
 * from Debian's packages, the AWS CLI against s3rver, and a stand-in Pushgateway, all on this
 * machine. A dump is uploaded for a chosen BACKUP_DATE, the exact object keys are asserted, the
 * dump is restored by verify.sh into its own throw-away server, and broken dumps must fail with
 * the right reason. Programs missing: the engine's suite is skipped loudly, or fails under CI=true.
 */
import { createHash } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnv, parseExposition, S3Client, startFakePushgateway, startLocalS3, type FakePushgateway, type LocalS3, type ObjectInfo, type Push } from "./support/db-s3";
import type { Engine, TestDatabase } from "./support/db-servers";
import { makeCa, startTlsServer, type TestCa } from "./support/db-tls";
import { skipProcesses } from "./support/timing";
import {
    APT_PACKAGES, assertTools, describeRealServer, findTools, isRoot, missingTools, processesMentioning, run, runOk, SELECTED_DB_ENGINES,
    skipForMissing, transcript, which, traversableTempDir, type DbTools, type RunResult,
} from "./support/db-tools";

const SCRIPTS = join(__dirname, "..", "scripts", "db");
const DUMP_SH = join(SCRIPTS, "dump.sh");
const VERIFY_SH = join(SCRIPTS, "verify.sh");
const tools = findTools();
const SKIP_PROCESSES = skipProcesses("tests/db-scripts.test.ts", "dump.sh and verify.sh run by bash against stand-in clients, servers and Pushgateways (the deadlines, signals, failure pushes)");

/** Quote, hash, dollar, backslash, space, apostrophe: every character a careless script mangles or echoes. */
const DB_PASSWORD = `Lp-"x#7$q\\ z'!`;
/** A readable file with no certificate in it. */
const NOT_A_BUNDLE = join(__dirname, "..", "package.json");
const WRONG_PASSWORD = "Wr0ng-pa55word-that-must-stay-hidden";

interface ScriptRun extends RunResult {
    /** What the script left in its own TMPDIR: must be nothing. */
    readonly leftovers: string[];
    /** Live processes still using its TMPDIR (a throw-away server not stopped): must be none. */
    readonly survivors: number[];
}

interface ScriptOptions {
    /** Sends SIGTERM once this turns true for the run's TMPDIR. */
    readonly signalWhen?: (tmp: string) => boolean;
    /** Runs the script as this user (through runuser; the tests run as root). */
    readonly user?: string;
    /** A directory put first on the script's PATH (stand-ins that wrap a real tool). */
    readonly pathFirst?: string;
}

/**
 * Runs a script with exactly `env` (plus a TMPDIR of its own), then records what it left behind.
 * The script's PATH puts Debian's AWS CLI and the PostgreSQL binaries first.
 */
async function runScript(script: string, args: readonly string[], env: Record<string, string>, tmpParent: string, opts: ScriptOptions = {}): Promise<ScriptRun> {
    const tmp = traversableTempDir("run-", tmpParent);
    const path = [opts.pathFirst, tools.aws === undefined ? undefined : dirname(tools.aws), tools.pgBinDir, "/usr/local/sbin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .filter((d): d is string => d !== undefined);
    let command = ["bash", script, ...args];
    if (opts.user !== undefined) {
        chownSync(tmp, Number((await runOk("id", ["-u", opts.user])).stdout.trim()), -1);
        command = [tools.runuser ?? "runuser", "-u", opts.user, "--", ...command];
    }
    const signalWhen = opts.signalWhen;
    const r = await run(command[0], command.slice(1), {
        env: { PATH: [...new Set(path)].join(":"), LANG: "C.UTF-8", TMPDIR: tmp, ...env },
        signalWhen: signalWhen === undefined ? undefined : { signal: "SIGTERM", when: () => signalWhen(tmp) },
    });
    const result = { ...r, leftovers: readdirSync(tmp), survivors: processesMentioning(tmp) };
    rmSync(tmp, { recursive: true, force: true });
    return result;
}

function sha256(b: Buffer): string {
    return createHash("sha256").update(b).digest("hex");
}

/** The one JSON line verify.sh prints; throws when stdout is anything else. */
function verdict(r: RunResult): Record<string, unknown> {
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    if (lines.length !== 1) {
        throw new Error(`expected one JSON line from ${r.command}, got:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return JSON.parse(lines[0]) as Record<string, unknown>;
}

/** The lines of stderr; a failing script prints exactly one. */
function stderrLines(r: RunResult): string[] {
    return r.stderr.split("\n").filter((l) => l !== "");
}

/** The 0/1 gauge of a run's outcome, as both scripts write it in every push. */
const RUN_SUCCESS = {
    backup: (v: 0 | 1): string =>
        "# HELP launchpad_backup_last_run_success Whether the last backup run of this tier succeeded (1) or failed (0).\n" +
        `# TYPE launchpad_backup_last_run_success gauge\nlaunchpad_backup_last_run_success ${v}\n`,
    verify: (v: 0 | 1): string =>
        "# HELP launchpad_restore_verify_last_run_success Whether the last restore check passed (1) or failed (0).\n" +
        `# TYPE launchpad_restore_verify_last_run_success gauge\nlaunchpad_restore_verify_last_run_success ${v}\n`,
};

/** The exact bodies a failed run POSTs, `<t>` standing for the failure's timestamp (see `failurePushes`). */
const FAILURE_BODY = {
    backup: "# HELP launchpad_backup_last_failure_timestamp_seconds When the last failed backup run of this tier ended.\n" +
        "# TYPE launchpad_backup_last_failure_timestamp_seconds gauge\nlaunchpad_backup_last_failure_timestamp_seconds <t>\n" + RUN_SUCCESS.backup(0),
    verify: "# HELP launchpad_restore_verify_last_failure_timestamp_seconds When a restore check last failed.\n" +
        "# TYPE launchpad_restore_verify_last_failure_timestamp_seconds gauge\nlaunchpad_restore_verify_last_failure_timestamp_seconds <t>\n" + RUN_SUCCESS.verify(0),
};

/**
 * Pushes as "METHOD path\nbody", with a failure timestamp that lies within [from, to] (seconds)
 * replaced by `<t>`; one outside it is left as it is, so the comparison shows it.
 */
function failurePushes(pushes: readonly Push[], from: number, to: number): string[] {
    return pushes.map((p) => `${p.method} ${p.path}\n${p.body.replace(/^(launchpad_\w+_last_failure_timestamp_seconds) (\d+)$/m,
        (line: string, name: string, at: string) => (Number(at) >= from && Number(at) <= to ? `${name} <t>` : line))}`);
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A CA bundle for the runs whose dump client is a stand-in (nothing verifies against it, but dump.sh
 * refuses to start without one: DB_SSL_CA). A real CA, made once for the file.
 */
let standInCa = "";
beforeAll(async () => {
    const dir = traversableTempDir("launchpad-db-ca-");
    standInCa = (await makeCa(tools.openssl ?? "openssl", dir, "stand-in")).cert;
    return () => rmSync(dir, { recursive: true, force: true });
});

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

// The suites from here to the shellcheck one run side by side: vitest runs consecutive concurrent
// suites together, and the tests inside each, at most 5 tests at a time (maxConcurrency), first come
// first served; so the suites that wait longest come first. Every run has its own directory,
// stand-ins and servers, and most of a run is waiting: on a deadline, a signal, or the dump's 0.2 s
// watch. One after another they left a worker idle for about 5 s.
describe.skipIf(SKIP_PROCESSES).concurrent("dump.sh fails closed and fast: deadlines on the client, an error line for a signal, the checksum before the dump", () => {
    let tmp = "";
    beforeAll(() => {
        tmp = traversableTempDir("launchpad-db-deadlines-");
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    /** A stand-in `client` that writes `output`, records its pid, then waits forever (a stalled server). */
    const stallingClient = (name: string, client: string, output: string): { bin: string; pidFile: string; workDir: string } => {
        const bin = join(tmp, name);
        mkdirSync(bin);
        const pidFile = join(bin, "pid");
        writeFileSync(join(bin, client), ["#!/bin/sh", `printf '%s' '${output}'`, `echo $$ >"${pidFile}"`, "exec sleep 60", ""].join("\n"), { mode: 0o755 });
        const workDir = join(tmp, `${name}-work`);
        mkdirSync(workDir);
        return { bin, pidFile, workDir };
    };
    const dumpEnv = (engine: Engine, bin: string, workDir: string): Record<string, string> => ({
        PATH: `${bin}:/usr/bin:/bin`, DB_ENGINE: engine, DB_HOST: "db.internal", DB_PORT: "6000", DB_NAME: "shop", DB_USER: "app",
        DB_PASSWORD, DB_SSL_CA: standInCa, WORK_DIR: workDir, BACKUP_DATE: "2024-12-01",
    });

    // This table and the three tests after it side by side: each mostly waits out its own deadline.
    it.concurrent.for<{ engine: Engine; client: string }>([
        { engine: "mysql", client: "mariadb-dump" },
        { engine: "postgres", client: "pg_dump" },
    ])("$engine: a dump that stops sending mid-way is stopped after DB_READ_TIMEOUT, with one line and nothing to upload", async ({ engine, client }, { expect }) => {
        const { bin, pidFile, workDir } = stallingClient(`stall-${engine}`, client, "-- the first bytes of a dump\n");
        const r = await runScript(DUMP_SH, ["dump"], { ...dumpEnv(engine, bin, workDir), DB_READ_TIMEOUT: "1" }, tmp);
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers]).toEqual([
            1, "", `dump.sh: dumping ${engine} database shop from db.internal:6000 failed: no data from the server for 1s (DB_READ_TIMEOUT)\n`, [], [],
        ]);
        expect(r.ms).toBeLessThan(10_000);
        expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    });

    it.concurrent("SIGTERM during the dump: one error line, exit 143, the client stopped and nothing left", async ({ expect }) => {
        const { bin, pidFile, workDir } = stallingClient("sigterm", "mariadb-dump", "-- the first bytes\n");
        const r = await runScript(DUMP_SH, ["dump"], dumpEnv("mysql", bin, workDir), tmp, { signalWhen: () => existsSync(pidFile) });
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers]).toEqual([143, "", "dump.sh: interrupted: stopped by SIGTERM\n", [], []]);
        expect(r.ms).toBeLessThan(10_000);
        expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    });

    // Kubernetes' default terminationGracePeriodSeconds (30 s; the CronJob in
    // components/logical-backup.ts sets none) is what a stopped pod gets before SIGKILL. One push
    // to a Pushgateway that never answers takes up to 2 x PUSHGATEWAY_FAILURE_TIMEOUT + 1 s: curl's
    // --retry retries a timeout once, after waiting one second (curl docs/cmdline-opts/retry.md:
    // "Transient error means either: a timeout, ..."; "it first waits one second"). At the default
    // 5 that is ~11 s a push: one tier after another, 1 January's four would take ~44 s, side by
    // side ~11 s. The next test pins the default's curl flags; this one runs the same race at 1 s a
    // try (~3 s a push, ~12 s one after another), so it proves "side by side" in seconds, not 11.
    it.skipIf(skipForMissing("failure push flags (curl)", missingTools(tools, ["curl"]))).concurrent("a failure push tries at most twice, PUSHGATEWAY_FAILURE_TIMEOUT s each (default 5: ~11 s a push, side by side within the 30 s grace period)", async ({ expect }) => {
        const bin = join(tmp, "curl-flags");
        mkdirSync(bin);
        const log = join(bin, "curl.log");
        // A stand-in curl that records its timing flags, then answers as a Pushgateway that never does.
        writeFileSync(join(bin, "curl"), ["#!/bin/sh", `printf '%s\\n' "$*" | grep -o -- '--max-time [^ ]* --retry [^ ]*' >>"${log}"`, "exit 28", ""].join("\n"), { mode: 0o755 });
        const flags = async (value: string | undefined): Promise<string[]> => {
            rmSync(log, { force: true });
            const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin`, PUSHGATEWAY_URL: "http://pushgateway.invalid", DB_NAME: "shop" };
            if (value !== undefined) env.PUSHGATEWAY_FAILURE_TIMEOUT = value;
            const r = await runScript(DUMP_SH, ["upload"], env, tmp);
            expect([r.code, r.stdout, r.stderr]).toEqual([2, "", "dump.sh: missing required environment variable(s): BACKUP_BUCKET AWS_REGION WORK_DIR\n"]);
            return readFileSync(log, "utf8").split("\n").filter((l) => l !== "");
        };
        expect(await flags(undefined)).toEqual(["--max-time 5 --retry 1"]);
        expect(await flags("1")).toEqual(["--max-time 1 --retry 1"]);
        // Not a number of seconds: the default, since a failure push never fails the run.
        expect(await flags("0")).toEqual(["--max-time 5 --retry 1"]);
        expect(await flags("5s")).toEqual(["--max-time 5 --retry 1"]);
    });

    it.skipIf(skipForMissing("failure pushes (curl)", missingTools(tools, ["curl"]))).concurrent("SIGTERM on 1 January with a Pushgateway that never answers: the error line first, the four failure pushes side by side, not one after another", async ({ expect }) => {
        const requests: string[] = [];
        const sockets: Socket[] = [];
        const hanging = createServer((socket) => {
            sockets.push(socket);
            socket.once("data", (d: Buffer) => requests.push(d.toString("latin1").split("\r\n")[0])); // read, never answered
        });
        await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
        try {
            const { bin, pidFile, workDir } = stallingClient("sigterm-new-year", "mariadb-dump", "-- the first bytes\n");
            const r = await runScript(DUMP_SH, ["dump"], {
                ...dumpEnv("mysql", bin, workDir), BACKUP_DATE: "2025-01-01", WEEKLY_DAY: "3",
                PUSHGATEWAY_URL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, PUSHGATEWAY_FAILURE_TIMEOUT: "1",
            }, tmp, { signalWhen: () => existsSync(pidFile) });
            expect([r.code, r.stdout, r.stderr, r.leftovers]).toEqual([143, "", "dump.sh: interrupted: stopped by SIGTERM\n", []]);
            // Each push ran out its time (~3 s: it was never answered); four one after another is ~12 s.
            expect(r.ms).toBeGreaterThanOrEqual(2_900);
            expect(r.ms).toBeLessThan(9_000);
            expect([...new Set(requests)].sort()).toEqual(["daily", "monthly", "weekly", "yearly"].map((t) => `POST /metrics/job/launchpad-db-backup/database/shop/tier/${t} HTTP/1.1`));
        } finally {
            sockets.forEach((c) => c.destroy());
            await new Promise<void>((resolve) => hanging.close(() => resolve()));
        }
    }, 60_000);

    it.for([
        ["DB_CONNECT_TIMEOUT", "0", "dump.sh: DB_CONNECT_TIMEOUT '0' is not a number of seconds from 1 to 99999"],
        ["DB_READ_TIMEOUT", "10m", "dump.sh: DB_READ_TIMEOUT '10m' is not a number of seconds from 1 to 99999"],
        // mariadb-dump (MariaDB 10.11 on Debian, traced with strace) connects to 3306 for --port=0, 1024 for "1K", 34463
        // for 99999: another server's database would be dumped in silence.
        ["DB_PORT", "0", "dump.sh: DB_PORT '0' is not a TCP port: use 1 to 65535"],
        ["DB_PORT", "1K", "dump.sh: DB_PORT '1K' is not a TCP port: use 1 to 65535"],
        ["DB_PORT", "99999", "dump.sh: DB_PORT '99999' is not a TCP port: use 1 to 65535"],
        ["DB_PORT", " 3306", "dump.sh: DB_PORT ' 3306' is not a TCP port: use 1 to 65535"],
        ["DB_PORT", "db", "dump.sh: DB_PORT 'db' is not a TCP port: use 1 to 65535"],
    ])("%s=%s is a configuration error (exit 2)", async ([name, value, line], { expect }) => {
        const { bin, workDir } = stallingClient(`bad-${name}-${Buffer.from(value).toString("hex")}`, "mariadb-dump", "");
        const r = await runScript(DUMP_SH, ["dump"], { ...dumpEnv("mysql", bin, workDir), [name]: value }, tmp);
        expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `${line}\n`]);
    });

    // A client the kernel stops mid-dump (SIGKILL, as the out-of-memory killer does at the dump
    // container's 512Mi limit) said nothing: the run printed bash's own "line 192: <pid> Killed
    // dump_stream ..." and then "... failed" with no cause. Now one line that names the signal.
    it.concurrent.for<{ engine: Engine; client: string; signal: string; why: string }>([
        { engine: "mysql", client: "mariadb-dump", signal: "KILL", why: " (as the kernel's out-of-memory killer stops a container at its memory limit)" },
        { engine: "postgres", client: "pg_dump", signal: "KILL", why: " (as the kernel's out-of-memory killer stops a container at its memory limit)" },
        { engine: "mysql", client: "mariadb-dump", signal: "TERM", why: "" },
    ])("$engine: a client stopped by SIG$signal mid-dump gives one line naming the signal, and nothing to upload", async ({ engine, client, signal, why }, { expect }) => {
        const bin = join(tmp, `signal-${engine}-${signal}`);
        mkdirSync(bin);
        writeFileSync(join(bin, client), ["#!/bin/sh", "printf -- '-- the first bytes of a dump\\n'", `kill -${signal} $$`, ""].join("\n"), { mode: 0o755 });
        const workDir = join(tmp, `signal-${engine}-${signal}-work`);
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], dumpEnv(engine, bin, workDir), tmp);
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers]).toEqual([
            1, "", `dump.sh: dumping ${engine} database shop from db.internal:6000 failed: the ${engine} client was stopped by SIG${signal}${why}\n`, [], [],
        ]);
    });

    // A full disk under WORK_DIR: gzip fails, and the client then dies of SIGPIPE. The run printed gzip's
    // own line and then "... failed: the mysql client was stopped by SIGPIPE", blaming the database.
    // The stand-in gzip prints what Debian's gzip 1.12 printed on a full 1 MiB tmpfs (probe, /tmp/s8h).
    it.concurrent.for<{ engine: Engine; client: string }>([
        { engine: "mysql", client: "mariadb-dump" },
        { engine: "postgres", client: "pg_dump" },
    ])("$engine: a full disk while compressing gives one line naming gzip's error, not the client's SIGPIPE", async ({ engine, client }, { expect }) => {
        const bin = join(tmp, `disk-full-${engine}`);
        mkdirSync(bin);
        writeFileSync(join(bin, client), ["#!/bin/sh", "printf -- '-- the first bytes of a dump\\n'", "yes 'INSERT INTO t VALUES (1);'", ""].join("\n"), { mode: 0o755 });
        writeFileSync(join(bin, "gzip"), ["#!/bin/sh", "head -c 65536 >/dev/null", "printf '\\ngzip: stdout: No space left on device\\n' >&2", "exit 1", ""].join("\n"), { mode: 0o755 });
        const workDir = join(tmp, `disk-full-${engine}-work`);
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], dumpEnv(engine, bin, workDir), tmp);
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers]).toEqual([
            1, "", `dump.sh: dumping ${engine} database shop from db.internal:6000 failed: compressing into WORK_DIR ${workDir} failed: gzip: stdout: No space left on device\n`, [], [],
        ]);
    });

    /** A WORK_DIR with a finished dump (stand-in client) and a stand-in `aws` that logs each call and fails on `failOn`. */
    const uploadFixture = async (name: string, failOn: string | undefined): Promise<{ env: Record<string, string>; calls: () => string[] }> => {
        const bin = join(tmp, name);
        mkdirSync(bin);
        writeFileSync(join(bin, "mariadb-dump"), "#!/bin/sh\nprintf -- '-- Dump completed on 2024-12-01\\n'\n", { mode: 0o755 });
        const log = join(bin, "aws.log");
        writeFileSync(join(bin, "aws"), [
            "#!/bin/sh",
            `for a in "$@"; do case $a in s3://*) dest=$a;; esac; done`,
            `echo "$dest" >>"${log}"`,
            ...(failOn === undefined ? [] : [`case $dest in *${failOn}) echo "upload failed: Connection was closed" >&2; exit 1;; esac`]),
            "exit 0",
            "",
        ].join("\n"), { mode: 0o755 });
        const workDir = join(tmp, `${name}-work`);
        mkdirSync(workDir);
        const env = { ...dumpEnv("mysql", bin, workDir), BACKUP_BUCKET: "b", AWS_REGION: "us-east-1" };
        const dumped = await runScript(DUMP_SH, ["dump"], env, tmp);
        expect([dumped.code, dumped.stderr]).toEqual([0, ""]);
        return { env, calls: () => readFileSync(log, "utf8").split("\n").filter((l) => l !== "").map((l) => l.replace(/\d{8}T\d{6}Z/, "<stamp>")) };
    };

    // The upload-phase tests below side by side: each has its own fixture directory and stand-in aws.
    it.concurrent("uploads each tier's .sha256 before its dump: a dump upload that fails leaves no dump without its checksum", async ({ expect }) => {
        const { env, calls } = await uploadFixture("order", ".sql.gz");
        const r = await runScript(DUMP_SH, ["upload"], env, tmp);
        expect([r.code, r.stdout, r.stderr.replace(/\d{8}T\d{6}Z/, "<stamp>")]).toEqual([
            1, "", "dump.sh: uploading s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz failed: upload failed: Connection was closed\n",
        ]);
        expect(calls()).toEqual(["s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz.sha256", "s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz"]);
    });

    // The CronJob controller names a Job `<cronjob>-<scheduled time in minutes since the epoch>`
    // (kubernetes pkg/controller/cronjob/utils.go getJobName, getTimeHashInMinutes), and each pod of
    // the Job, a retry's too, gets that name as JOB_NAME (label batch.kubernetes.io/job-name). A run
    // scheduled at 23:59 yesterday whose retry starts today is yesterday's run: before, its day was
    // computed per attempt, so the retry took a second dump under today's date (locked by Object
    // Lock) and left yesterday's weekly copy unfinished.
    it.concurrent("a run the CronJob scheduled yesterday, retried today: yesterday's tiers and keys, the name saying when it was taken", async ({ expect }) => {
        const midnight = Math.floor(Date.now() / 86_400_000) * 86_400;
        const yesterday = new Date((midnight - 60) * 1000);
        const ymd = yesterday.toISOString().slice(0, 10);
        const isoWeekday = String(((yesterday.getUTCDay() + 6) % 7) + 1);
        const tiers = ["daily", "weekly", ...(ymd.endsWith("-01") ? ["monthly"] : []), ...(ymd.endsWith("-01-01") ? ["yearly"] : [])];
        const { env: fixtureEnv, calls } = await uploadFixture("scheduled-yesterday", undefined);
        const env: Record<string, string> = { ...fixtureEnv, JOB_NAME: `launchpad-production-logical-backup-dump-1a2b3c4d-${(midnight - 60) / 60}`, WEEKLY_DAY: isoWeekday };
        delete env.BACKUP_DATE;
        rmSync(fixtureEnv.WORK_DIR, { recursive: true });
        mkdirSync(fixtureEnv.WORK_DIR);
        const listed = await runScript(DUMP_SH, ["tiers"], env, tmp);
        const dumped = await runScript(DUMP_SH, ["dump"], env, tmp);
        const uploaded = await runScript(DUMP_SH, ["upload"], env, tmp);
        expect([listed.stdout, dumped.code, dumped.stderr, uploaded.code, uploaded.stderr]).toEqual([tiers.map((t) => `${t}\n`).join(""), 0, "", 0, ""]);
        const path = ymd.replaceAll("-", "/");
        const stamps = readFileSync(join(env.PATH.split(":")[0], "aws.log"), "utf8").match(/\d{8}T\d{6}Z/g) ?? [];
        // The stamp is the start, today (the retry ran after midnight), not "yesterday at the start's time".
        expect([...new Set(stamps.map((st) => st.slice(0, 8)))]).toEqual([new Date(midnight * 1000).toISOString().slice(0, 10).replaceAll("-", "")]);
        expect(calls().filter((c) => c !== "")).toEqual(tiers.flatMap((t) => [`s3://b/${t}/shop/${path}/shop-<stamp>.sql.gz.sha256`, `s3://b/${t}/shop/${path}/shop-<stamp>.sql.gz`]));

        // A Job named by hand (`kubectl create job manual-1 --from=cronjob/...`) or with a time that
        // cannot be its schedule (tomorrow, a week ago) is not a scheduled run: the day is today's.
        const today = new Date(midnight * 1000).toISOString().slice(0, 10);
        for (const name of ["manual-1", `x-${midnight / 60 + 2 * 1440}`, `x-${midnight / 60 - 7 * 1440}`]) {
            const r = await runScript(DUMP_SH, ["tiers"], { ...env, JOB_NAME: name, WEEKLY_DAY: String(((new Date(midnight * 1000).getUTCDay() + 6) % 7) + 1) }, tmp);
            expect([name, r.code, r.stdout.split("\n")[1]]).toEqual([name, 0, "weekly"]);
        }
        expect(today).not.toBe(ymd);
    });

    it.concurrent("the AWS CLI stopped by SIGKILL mid-upload (the upload container's memory limit): one line naming the signal", async ({ expect }) => {
        const { env, calls } = await uploadFixture("upload-oom", undefined);
        const bin = env.PATH.split(":")[0];
        // Lists an empty day, records each upload, and dies on the dump's as the OOM killer would stop it.
        writeFileSync(join(bin, "aws"), [
            "#!/bin/sh",
            `case "$*" in *list-objects-v2*) exit 0;; esac`,
            `for a in "$@"; do case $a in s3://*) dest=$a;; esac; done`,
            `echo "$dest" >>"${join(bin, "aws.log")}"`,
            `case $dest in *.sql.gz) kill -KILL $$;; esac`,
            "",
        ].join("\n"), { mode: 0o755 });
        const r = await runScript(DUMP_SH, ["upload"], env, tmp);
        expect([r.code, r.stdout, r.stderr.replace(/\d{8}T\d{6}Z/, "<stamp>")]).toEqual([
            1, "", "dump.sh: uploading s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz failed: the AWS CLI was stopped by SIGKILL (as the kernel's out-of-memory killer stops a container at its memory limit)\n",
        ]);
        expect(calls()).toEqual(["s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz.sha256", "s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz"]);
    });

    it.concurrent("SIGTERM during an upload: one error line at once, exit 143, the AWS CLI stopped, and only a checksum may be there", async ({ expect }) => {
        const { env, calls } = await uploadFixture("upload-sigterm", undefined);
        const bin = env.PATH.split(":")[0];
        const pidFile = join(bin, "aws.pid");
        // This stand-in lists an empty day, records each upload, then hangs as a stalled upload would.
        writeFileSync(join(bin, "aws"), [
            "#!/bin/sh",
            `case "$*" in *list-objects-v2*) exit 0;; esac`,
            `for a in "$@"; do case $a in s3://*) dest=$a;; esac; done`,
            `echo "$dest" >>"${join(bin, "aws.log")}"`,
            `echo $$ >"${pidFile}"`,
            "exec sleep 60",
            "",
        ].join("\n"), { mode: 0o755 });
        const r = await runScript(DUMP_SH, ["upload"], env, tmp, { signalWhen: () => existsSync(pidFile) });
        expect([r.code, r.stdout, r.stderr, r.leftovers]).toEqual([143, "", "dump.sh: interrupted: stopped by SIGTERM\n", []]);
        expect(r.ms).toBeLessThan(10_000);
        expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
        expect(calls()).toEqual(["s3://b/daily/shop/2024/12/01/shop-<stamp>.sql.gz.sha256"]);
    });

    it.concurrent("verify.sh: SIGTERM during the download: one error line at once, exit 143, the AWS CLI stopped", async ({ expect }) => {
        const bin = join(tmp, "download-sigterm");
        mkdirSync(bin);
        const pidFile = join(bin, "aws.pid");
        // Lists one complete dump, then hangs on the download as a stalled transfer would.
        writeFileSync(join(bin, "aws"), [
            "#!/bin/sh",
            `case "$*" in *list-objects-v2*) printf 'daily/shop/shop-1.sql.gz\\tdaily/shop/shop-1.sql.gz.sha256\\n'; exit 0;; esac`,
            `echo $$ >"${pidFile}"`,
            "exec sleep 60",
            "",
        ].join("\n"), { mode: 0o755 });
        const workDir = join(tmp, "download-sigterm-work");
        mkdirSync(workDir);
        const env = { PATH: `${bin}:/usr/bin:/bin`, BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", DB_NAME: "shop", WORK_DIR: workDir };
        const r = await runScript(VERIFY_SH, ["fetch"], env, tmp, { signalWhen: () => existsSync(pidFile) });
        expect([r.code, r.stderr, verdict(r).reason]).toEqual([143, "verify.sh: interrupted: stopped by SIGTERM\n", "interrupted"]);
        expect(r.ms).toBeLessThan(10_000);
        expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    });

    it.skipIf(skipForMissing("push after upload (curl)", missingTools(tools, ["curl"]))).concurrent("a Pushgateway outage after a complete upload is a warning and exit 0: a backup that exists is not reported as failed", async ({ expect }) => {
        const { env, calls } = await uploadFixture("push-down", undefined);
        // A refused push is retried for PUSHGATEWAY_RETRY_SECONDS (default 180, a Pushgateway being moved): 1 s here.
        const r = await runScript(DUMP_SH, ["upload"], { ...env, PUSHGATEWAY_URL: "http://127.0.0.1:9", PUSHGATEWAY_RETRY_SECONDS: "1" }, tmp);
        expect(r.code).toBe(0);
        expect(r.stdout.replace(/\d{8}T\d{6}Z/g, "<stamp>")).toBe(["daily", "weekly", "monthly"].map((t) => `uploaded s3://b/${t}/shop/2024/12/01/shop-<stamp>.sql.gz\n`).join(""));
        expect(r.stderr).toMatch(/^dump\.sh: warning: pushing metrics to the Pushgateway \(group job\/launchpad-db-backup\/database\/shop\/tier\/daily\) failed: curl: \(7\) .+; the backup itself is complete, so the run succeeds \(a failed job would report a backup that exists as failed\)\n$/);
        expect(calls()).toHaveLength(6);
    });
});

describe.concurrent("the runbooks' newest-complete-dump query", () => {
    const awkMissing = which("awk") === undefined ? ["awk"] : [];
    it.skipIf(skipForMissing("runbook query (awk)", awkMissing)).for(["README.md", "region-failure.md"])("docs/runbooks/%s takes the newest .sql.gz that has its .sha256, never an unfinished upload", async (page, { expect }) => {
        const doc = readFileSync(join(SCRIPTS, "..", "..", "docs", "runbooks", page), "utf8");
        const program = /awk '([^']+)'/.exec(doc)?.[1];
        expect(program).toContain("\\.sql\\.gz\\.sha256$");
        const keys = [
            "daily/app/2026/11/01/app-20261101T021500Z.sql.gz", "daily/app/2026/11/01/app-20261101T021500Z.sql.gz.sha256",
            "daily/app/2026/11/02/app-20261102T021500Z.sql.gz", "daily/app/2026/11/02/app-20261102T021500Z.sql.gz.sha256",
            "daily/app/2026/11/03/app-20261103T021500Z.sql.gz",
        ];
        assertTools("runbook query", awkMissing);
        const r = await run(which("awk") ?? "awk", [program ?? ""], { input: `${keys.join("\n")}\n` });
        expect([r.code, r.stdout]).toEqual([0, "daily/app/2026/11/02/app-20261102T021500Z.sql.gz\n"]);
    });
});

describe.skipIf(SKIP_PROCESSES).concurrent("dump.sh against a server that accepts TCP and never speaks: fails within DB_CONNECT_TIMEOUT", () => {
    const missing = missingTools(tools, ["mariadbDump", "pgBinDir"]);
    let server: Server | undefined;
    let port = 0;
    let tmp = "";
    const sockets: Socket[] = [];
    beforeAll(async () => {
        tmp = traversableTempDir("launchpad-db-silent-");
        server = createServer((socket) => {
            sockets.push(socket); // accepted, never written to
        });
        await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
        sockets.forEach((s) => s.destroy());
        await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
        rmSync(tmp, { recursive: true, force: true });
    });

    // The engines side by side: each waits out its own 2 s, libpq's least (libpq-connect docs,
    // connect_timeout: "The minimum allowed timeout is 2 seconds").
    it.skipIf(skipForMissing("silent server (mariadb-dump, pg_dump)", missing)).concurrent.for<{ engine: Engine; reason: (port: number) => string }>([
        { engine: "mysql", reason: () => "no reply from the server within 2s (DB_CONNECT_TIMEOUT)" },
        { engine: "postgres", reason: (p) => `pg_dump: error: connection to server at "127.0.0.1", port ${p} failed: timeout expired` },
    ])("$engine: the real client is stopped, one line, nothing left", async ({ engine, reason }, { expect }) => {
        assertTools("silent server", missing);
        const workDir = join(tmp, `${engine}-work`);
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], {
            DB_ENGINE: engine, DB_HOST: "127.0.0.1", DB_PORT: String(port), DB_NAME: "shop", DB_USER: "app", DB_PASSWORD,
            DB_SSL_CA: standInCa, WORK_DIR: workDir, DB_CONNECT_TIMEOUT: "2",
        }, tmp);
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers, r.survivors]).toEqual([
            1, "", `dump.sh: dumping ${engine} database shop from 127.0.0.1:${port} failed: ${reason(port)}\n`, [], [], [],
        ]);
        expect(r.ms).toBeLessThan(8_000);
    });
});

describe.concurrent("dump.sh tiers: which retention prefixes a date gets", () => {
    let tmp = "";
    beforeAll(() => {
        tmp = traversableTempDir("launchpad-db-tiers-");
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it.for([
        { date: "2024-12-01", weekly: undefined, tiers: ["daily", "weekly", "monthly"], why: "a Sunday that is the 1st" },
        { date: "2025-01-01", weekly: undefined, tiers: ["daily", "monthly", "yearly"], why: "1 January, a Wednesday" },
        { date: "2023-01-01", weekly: undefined, tiers: ["daily", "weekly", "monthly", "yearly"], why: "1 January that is a Sunday" },
        { date: "2024-12-03", weekly: undefined, tiers: ["daily"], why: "a plain Tuesday" },
        { date: "2024-12-03", weekly: "2", tiers: ["daily", "weekly"], why: "a Tuesday with WEEKLY_DAY=2" },
        { date: "2024-12-08", weekly: "2", tiers: ["daily"], why: "a Sunday when the weekly day is Tuesday" },
        { date: "2024-02-29", weekly: undefined, tiers: ["daily"], why: "a leap day, a Thursday" },
    ])("$date ($why): $tiers", async ({ date, weekly, tiers }, { expect }) => {
        const env: Record<string, string> = { BACKUP_DATE: date, ...(weekly === undefined ? {} : { WEEKLY_DAY: weekly }) };
        const r = await runScript(DUMP_SH, ["tiers"], env, tmp);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: tiers.map((t) => `${t}\n`).join(""), stderr: "" });
    });

    it.for<{ env: Record<string, string>; line: string }>([
        { env: { BACKUP_DATE: "2023-02-29" }, line: "dump.sh: BACKUP_DATE '2023-02-29' is not a date: use YYYY-MM-DD" },
        { env: { BACKUP_DATE: "1/12/2024" }, line: "dump.sh: BACKUP_DATE '1/12/2024' is not a date: use YYYY-MM-DD" },
        { env: { BACKUP_DATE: "2024-12-01", WEEKLY_DAY: "0" }, line: "dump.sh: WEEKLY_DAY '0' is not an ISO weekday: use 1 (Monday) to 7 (Sunday)" },
    ])("rejects $env with exit 2 and one line", async ({ env, line }, { expect }) => {
        const r = await runScript(DUMP_SH, ["tiers"], env, tmp);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: "", stderr: `${line}\n` });
    });
});

describe.concurrent("dump.sh and verify.sh refuse bad configuration before touching anything", () => {
    let tmp = "";
    beforeAll(() => {
        tmp = traversableTempDir("launchpad-db-config-");
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it.for<{ script: "dump.sh" | "verify.sh"; args: string[]; env: Record<string, string>; line: string }>([
        { script: "dump.sh", args: [], env: {}, line: "dump.sh: missing required environment variable(s): DB_ENGINE DB_HOST DB_NAME DB_USER DB_PASSWORD DB_SSL_CA BACKUP_BUCKET AWS_REGION" },
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "oracle", DB_HOST: "h", DB_NAME: "shop", DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: "/ca.pem", WORK_DIR: "/tmp" },
            line: "dump.sh: DB_ENGINE 'oracle' is not supported: use mysql or postgres",
        },
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "mysql", DB_HOST: "h", DB_NAME: "shop; drop", DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: "/ca.pem", WORK_DIR: "/tmp" },
            line: "dump.sh: DB_NAME 'shop; drop' is not allowed: use letters, digits, '_' and '-' (at most 64, not starting with '-')",
        },
        // 64 characters, RDS for MySQL's longest database name (lib/sql-names.ts MAX_NAME_LENGTH), pass the name check; 65 do not.
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "mysql", DB_HOST: "h", DB_NAME: `d${"b".repeat(64)}`, DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: "/ca.pem", WORK_DIR: "/tmp" },
            line: `dump.sh: DB_NAME 'd${"b".repeat(64)}' is not allowed: use letters, digits, '_' and '-' (at most 64, not starting with '-')`,
        },
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "mysql", DB_HOST: "h", DB_NAME: `d${"b".repeat(63)}`, DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: "/no/such/ca.pem", WORK_DIR: "/tmp" },
            line: "dump.sh: DB_SSL_CA '/no/such/ca.pem' is not a readable file: the database's certificate cannot be verified without its CA bundle",
        },
        // No dump without verifying the server: no CA bundle, no connection at all.
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "mysql", DB_HOST: "h", DB_NAME: "shop", DB_USER: "u", DB_PASSWORD: "p", WORK_DIR: "/tmp" },
            line: "dump.sh: missing required environment variable(s): DB_SSL_CA",
        },
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "postgres", DB_HOST: "h", DB_NAME: "shop", DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: "/no/such/ca.pem", WORK_DIR: "/tmp" },
            line: "dump.sh: DB_SSL_CA '/no/such/ca.pem' is not a readable file: the database's certificate cannot be verified without its CA bundle",
        },
        {
            script: "dump.sh", args: ["dump"], env: { DB_ENGINE: "postgres", DB_HOST: "h", DB_NAME: "shop", DB_USER: "u", DB_PASSWORD: "p", DB_SSL_CA: NOT_A_BUNDLE, WORK_DIR: "/tmp" },
            line: `dump.sh: DB_SSL_CA '${NOT_A_BUNDLE}' holds no PEM certificate: the database's certificate cannot be verified`,
        },
        {
            script: "dump.sh", args: ["check"], env: { BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", DB_NAME: "shop", WORK_DIR: "/tmp", DB_SSL_CA: "/tmp/ca.pem", DB_SSL_CA_URL: "http://truststore.pki.rds.amazonaws.com/global/global-bundle.pem" },
            line: "dump.sh: DB_SSL_CA_URL 'http://truststore.pki.rds.amazonaws.com/global/global-bundle.pem' is not an https:// URL: the CA bundle must itself come over verified TLS",
        },
        { script: "dump.sh", args: ["upload"], env: {}, line: "dump.sh: missing required environment variable(s): BACKUP_BUCKET AWS_REGION WORK_DIR" },
        { script: "dump.sh", args: ["backup"], env: {}, line: "dump.sh: unknown phase 'backup': use all, check, dump, upload or tiers" },
        { script: "verify.sh", args: ["fetch"], env: {}, line: "verify.sh: missing required environment variable(s): BACKUP_BUCKET AWS_REGION DB_NAME WORK_DIR" },
        {
            script: "verify.sh", args: ["restore"], env: { DB_ENGINE: "mysql", DB_NAME: "shop", CRITICAL_TABLES: "orders,cust omers;x", WORK_DIR: "/tmp" },
            line: "verify.sh: CRITICAL_TABLES entry 'cust omers;x' is not a plain table name",
        },
        {
            // A blank inside a name was squeezed out, so "cust omers" checked another table, customers.
            script: "verify.sh", args: ["restore"], env: { DB_ENGINE: "mysql", DB_NAME: "shop", CRITICAL_TABLES: " orders , cust omers ", WORK_DIR: "/tmp" },
            line: "verify.sh: CRITICAL_TABLES entry 'cust omers' is not a plain table name",
        },
    ])("$script $args: $line", async ({ script, args, env, line }, { expect }) => {
        const r = await runScript(join(SCRIPTS, script), args, env, tmp);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: "", stderr: `${line}\n` });
    });
});

describe.skipIf(SKIP_PROCESSES).concurrent("dump.sh with stand-in dump clients: how the password travels, and dumps that must not be uploaded", () => {
    let tmp = "";
    let push: FakePushgateway;
    beforeAll(async () => {
        tmp = traversableTempDir("launchpad-db-stubs-");
        push = await startFakePushgateway();
    });
    afterAll(async () => {
        await push?.close();
        rmSync(tmp, { recursive: true, force: true });
    });
    const curlMissing = missingTools(tools, ["curl"]);

    /**
     * A directory holding a fake `client` (mariadb-dump, mysqldump or pg_dump) that records its
     * arguments, the mode of any --defaults-extra-file, and whether PGPASSWORD / DB_PASSWORD and
     * libpq's TLS variables reached it, then prints `output` and exits with `status`.
     */
    const stub = (name: string, client: string, output: string, status: number): { bin: string; record: string } => {
        const bin = join(tmp, name);
        mkdirSync(bin);
        const record = join(bin, "record");
        writeFileSync(join(bin, client), [
            "#!/bin/sh",
            `exec 3>"${record}"`,
            `for a in "$@"; do printf 'arg %s\\n' "$a" >&3; case $a in --defaults-extra-file=*) printf 'mode %s\\n' "$(stat -c %a "\${a#*=}")" >&3;; esac; done`,
            `printf 'PGPASSWORD=%s\\n' "\${PGPASSWORD-unset}" >&3`,
            `printf 'DB_PASSWORD=%s\\n' "\${DB_PASSWORD-unset}" >&3`,
            `printf 'PGSSLMODE=%s PGSSLROOTCERT=%s\\n' "\${PGSSLMODE-unset}" "\${PGSSLROOTCERT-unset}" >&3`,
            `printf '%s' '${output}'`,
            `exit ${status}`,
            "",
        ].join("\n"), { mode: 0o755 });
        return { bin, record };
    };
    const env = (engine: Engine, bin: string, workDir: string): Record<string, string> => ({
        PATH: `${bin}:/usr/bin:/bin`, DB_ENGINE: engine, DB_HOST: "db.internal", DB_PORT: "6000", DB_NAME: "shop", DB_USER: "app",
        DB_PASSWORD, DB_SSL_CA: standInCa, WORK_DIR: workDir, BACKUP_DATE: "2024-12-01",
    });

    // Independent runs (own stand-in, own WORK_DIR), each mostly waiting on the dump's 0.2 s watch: side by side.
    it.concurrent.for<{ engine: Engine; client: string; what: string; output: string; status: number; line: string }>([
        { engine: "mysql", client: "mariadb-dump", what: "nothing, exit 0", output: "", status: 0, line: "dump.sh: the dump of shop is empty: the client exited 0 but wrote nothing" },
        { engine: "postgres", client: "pg_dump", what: "nothing, exit 0", output: "", status: 0, line: "dump.sh: the dump of shop is empty: the client exited 0 but wrote nothing" },
        {
            engine: "mysql", client: "mariadb-dump", what: "SQL without the trailer, exit 0", output: "CREATE TABLE t (id int);\n", status: 0,
            line: "dump.sh: the dump of shop is incomplete: it does not end with '-- Dump completed'",
        },
        {
            engine: "postgres", client: "pg_dump", what: "SQL without the trailer, exit 0", output: "CREATE TABLE t (id int);\n", status: 0,
            line: "dump.sh: the dump of shop is incomplete: it does not end with '-- PostgreSQL database dump complete'",
        },
        {
            engine: "postgres", client: "pg_dump", what: "a whole dump, exit 3", output: "-- PostgreSQL database dump complete\n", status: 3,
            line: "dump.sh: dumping postgres database shop from db.internal:6000 failed",
        },
    ])("$engine: $client printing $what is refused, and nothing is left to upload", async ({ engine, client, output, status, line }, { expect }) => {
        const name = `${engine}-${output.length}-${status}`;
        const { bin } = stub(name, client, output, status);
        const workDir = join(tmp, `${name}-work`);
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], env(engine, bin, workDir), tmp);
        expect([r.code, r.stdout, r.stderr, readdirSync(workDir), r.leftovers]).toEqual([1, "", `${line}\n`, [], []]);
    });

    // One after another: they share this suite's Pushgateway, and one asserts that nothing reached it.
    describe.sequential("a failed run tells the Pushgateway, and its error stays exactly what it was", () => {
        it.skipIf(skipForMissing("failure pushes (curl)", curlMissing))("a refused dump on Sunday 1 December POSTs the failure to its daily, weekly and monthly groups", async ({ expect }) => {
            assertTools("curl", curlMissing);
            const { bin } = stub("push-empty", "pg_dump", "", 0);
            const workDir = join(tmp, "push-empty-work");
            mkdirSync(workDir);
            const from = nowSeconds();
            const r = await runScript(DUMP_SH, ["dump"], { ...env("postgres", bin, workDir), PUSHGATEWAY_URL: `${push.url}/empty/` }, tmp);
            expect([r.code, r.stdout, r.stderr, r.leftovers]).toEqual([1, "", "dump.sh: the dump of shop is empty: the client exited 0 but wrote nothing\n", []]);
            // The tiers' pushes go side by side (bounded in total under SIGTERM), so in no set order.
            expect(failurePushes(push.pushes.filter((p) => p.path.startsWith("/empty/")), from, nowSeconds()).sort()).toEqual(
                ["daily", "weekly", "monthly"].map((t) => `POST /empty/metrics/job/launchpad-db-backup/database/shop/tier/${t}\n${FAILURE_BODY.backup}`).sort(),
            );
        });

        it.skipIf(skipForMissing("failure pushes (curl)", curlMissing))("a configuration error (exit 2) before the tiers are known POSTs to the daily group, under PUSHGATEWAY_JOB", async ({ expect }) => {
            assertTools("curl", curlMissing);
            const from = nowSeconds();
            const r = await runScript(DUMP_SH, ["upload"], { PUSHGATEWAY_URL: `${push.url}/config`, PUSHGATEWAY_JOB: "nightly-dump", DB_NAME: "shop" }, tmp);
            expect([r.code, r.stdout, r.stderr]).toEqual([2, "", "dump.sh: missing required environment variable(s): BACKUP_BUCKET AWS_REGION WORK_DIR\n"]);
            expect(failurePushes(push.pushes.filter((p) => p.path.startsWith("/config/")), from, nowSeconds())).toEqual([
                `POST /config/metrics/job/nightly-dump/database/shop/tier/daily\n${FAILURE_BODY.backup}`,
            ]);
        });

        it("nothing is pushed without a usable DB_NAME, nor by the tiers helper, nor by an unknown phase", async ({ expect }) => {
            const before = push.pushes.length;
            const runs = await Promise.all([
                runScript(DUMP_SH, ["upload"], { PUSHGATEWAY_URL: push.url, DB_NAME: "shop/../x" }, tmp),
                runScript(DUMP_SH, ["tiers"], { PUSHGATEWAY_URL: push.url, DB_NAME: "shop", BACKUP_DATE: "2024-13-01" }, tmp),
                runScript(DUMP_SH, ["backup"], { PUSHGATEWAY_URL: push.url, DB_NAME: "shop" }, tmp),
            ]);
            expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
            expect(push.pushes.slice(before)).toEqual([]);
        });

        it("an unreachable Pushgateway changes neither the exit status nor the one error line", async ({ expect }) => {
            const { bin } = stub("push-unreachable", "pg_dump", "-- PostgreSQL database dump complete\n", 3);
            const workDir = join(tmp, "push-unreachable-work");
            mkdirSync(workDir);
            const r = await runScript(DUMP_SH, ["dump"], { ...env("postgres", bin, workDir), PUSHGATEWAY_URL: "http://127.0.0.1:9" }, tmp);
            expect([r.code, r.stdout, r.stderr, r.leftovers]).toEqual([1, "", "dump.sh: dumping postgres database shop from db.internal:6000 failed\n", []]);
        });
    });

    it("mysql: the password reaches mariadb-dump only through a 0600 option file, never argv or the environment; " +
        "the server is verified with --ssl-ca and --ssl-verify-server-cert (MariaDB client options; mariadb-dump --help of Debian 12's 10.11 shows ssl-verify-server-cert FALSE by default)", async ({ expect }) => {
        const { bin, record } = stub("mysql-args", "mariadb-dump", "-- Dump completed on 2024-12-01\n", 0);
        const workDir = join(tmp, "mysql-args-work");
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], env("mysql", bin, workDir), tmp);
        expect([r.code, r.stderr]).toEqual([0, ""]);
        const lines = readFileSync(record, "utf8").split("\n");
        expect(lines.filter((l) => l.startsWith("arg --defaults-extra-file=") || l.startsWith("mode "))).toEqual([
            expect.stringMatching(/^arg --defaults-extra-file=.+\/dump-secrets\.\w+\/client\.cnf$/) as string, "mode 600",
        ]);
        expect(lines.filter((l) => l.startsWith("arg ") && !l.startsWith("arg --defaults-extra-file="))).toEqual([
            "arg --protocol=TCP", "arg --host=db.internal", "arg --port=6000", "arg --user=app",
            "arg --ssl", `arg --ssl-ca=${standInCa}`, "arg --ssl-verify-server-cert",
            "arg --single-transaction", "arg --routines", "arg --triggers", "arg --events",
            "arg --hex-blob", "arg --no-tablespaces", "arg --default-character-set=utf8mb4", "arg shop",
        ]);
        expect(lines.filter((l) => l.includes("PASSWORD"))).toEqual(["PGPASSWORD=unset", "DB_PASSWORD=unset"]);
        expect(r.leftovers).toEqual([]);
    });

    it("mysql, MySQL's own mysqldump (the mysql images): --ssl-mode=VERIFY_IDENTITY with --ssl-ca, the option MySQL 8 has " +
        "(MySQL worklog WL#9091: 8.0 removed --ssl and --ssl-verify-server-cert for --ssl-mode)", async ({ expect }) => {
        const { bin, record } = stub("mysqldump-args", "mysqldump", "-- Dump completed on 2024-12-01\n", 0);
        const workDir = join(tmp, "mysqldump-args-work");
        mkdirSync(workDir);
        // As in the mysql image: no MariaDB client beside it (dump.sh would take mariadb-dump first).
        const usrBin = join(tmp, "usr-bin-without-mariadb");
        mkdirSync(usrBin);
        for (const name of readdirSync("/usr/bin").filter((n) => !n.startsWith("mariadb") && !n.startsWith("mysql"))) {
            symlinkSync(join("/usr/bin", name), join(usrBin, name));
        }
        const r = await runScript(DUMP_SH, ["dump"], { ...env("mysql", bin, workDir), PATH: `${bin}:${usrBin}` }, tmp);
        expect([r.code, r.stderr]).toEqual([0, ""]);
        const args = readFileSync(record, "utf8").split("\n").filter((l) => l.startsWith("arg ") && !l.startsWith("arg --defaults-extra-file="));
        expect(args.slice(0, 6)).toEqual([
            "arg --protocol=TCP", "arg --host=db.internal", "arg --port=6000", "arg --user=app", "arg --ssl-mode=VERIFY_IDENTITY", `arg --ssl-ca=${standInCa}`,
        ]);
    });

    it("postgres: the password reaches pg_dump only as PGPASSWORD, never argv; plain format, no owners, no grants; " +
        "sslmode=verify-full with sslrootcert (libpq \"SSL Support\", sslmode table: verify-full checks the chain and the host name)", async ({ expect }) => {
        const { bin, record } = stub("pg-args", "pg_dump", "-- PostgreSQL database dump complete\n", 0);
        const workDir = join(tmp, "pg-args-work");
        mkdirSync(workDir);
        const r = await runScript(DUMP_SH, ["dump"], env("postgres", bin, workDir), tmp);
        expect([r.code, r.stderr]).toEqual([0, ""]);
        const lines = readFileSync(record, "utf8").split("\n").filter((l) => l !== "");
        expect(lines).toEqual([
            "arg --no-password", "arg --host=db.internal", "arg --port=6000", "arg --username=app", "arg --dbname=shop",
            "arg --format=plain", "arg --no-owner", "arg --no-privileges",
            `PGPASSWORD=${DB_PASSWORD}`, "DB_PASSWORD=unset", `PGSSLMODE=verify-full PGSSLROOTCERT=${standInCa}`,
        ]);
    });
});

const shellcheckMissing = missingTools(tools, ["shellcheck"]);
let shellcheckRun: Promise<RunResult> | undefined;
/** shellcheck -x of the eight scripts, started once. */
const shellcheck = (): Promise<RunResult> =>
    (shellcheckRun ??= run(tools.shellcheck ?? "shellcheck", ["-x", "dump.sh", "verify.sh", "dr-metrics.sh", "drill-check.sh", "ca-fetch.sh", "app-role.sh", "lib.sh", "tables.sh"], { cwd: SCRIPTS }));
// shellcheck computes for a second or two: started with the file, it runs while the tests above
// wait on their deadlines, and its test below only reads the result.
beforeAll(() => {
    if (shellcheckMissing.length === 0) {
        shellcheck().catch(() => undefined); // its test awaits the same promise and reports the error
    }
});

describe("the scripts are shellcheck-clean and executable", () => {
    const missing = shellcheckMissing;

    it("dump.sh, verify.sh, dr-metrics.sh, drill-check.sh, ca-fetch.sh and app-role.sh are executable by everyone (lib.sh and tables.sh are only sourced)", () => {
        const exec = ["dump.sh", "verify.sh", "dr-metrics.sh", "drill-check.sh", "ca-fetch.sh", "app-role.sh", "lib.sh", "tables.sh"].map((f) => (statSync(join(SCRIPTS, f)).mode & 0o111).toString(8));
        expect(exec).toEqual(["111", "111", "111", "111", "111", "111", "0", "0"]);
    });

    it.skipIf(skipForMissing("shellcheck", missing))("passes shellcheck -x with no finding", async () => {
        assertTools("shellcheck", missing);
        const r = await shellcheck();
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    });
});

/**
 * A bad dump for the restore phase: `dump` replaces the fetched one (with a matching .sha256 unless
 * `keepChecksum`), `critical` replaces CRITICAL_TABLES, `tables` is what the restored server held.
 */
interface RestoreCase {
    readonly name: string;
    readonly reason: string;
    readonly dump?: () => Buffer;
    readonly keepChecksum?: boolean;
    readonly critical?: string;
    readonly tables?: Record<string, number | null>;
    /** What the failure's message must say. @default - any message */
    readonly message?: RegExp;
}

/**
 * The real-server suites (an engine's, and verify.sh against s3rver through the AWS CLI) run for the
 * engines of `SELECTED_DB_ENGINES` (tests/support/db-tools.ts), not in a local `npm test`: the
 * MariaDB suite alone took about 65 s of a worker on a loaded 2-core machine, the S3 one 40 s, more
 * than the whole suite's minute. They skip with a loud message, as tests/alerts-live.test.ts does;
 * CI=true never skips them. Any engine selected (test:db, CI=true): the S3 suite runs too.
 */
const SERVERS_WANTED = SELECTED_DB_ENGINES.length > 0;
if (!SERVERS_WANTED || SELECTED_DB_ENGINES.length < 2) {
    const bar = "!".repeat(100);
    const skipped = [...(SERVERS_WANTED ? [] : ["verify.sh against S3 (s3rver, AWS CLI)"]), ...["mysql", "postgres"].filter((e) => !SELECTED_DB_ENGINES.includes(e))];
    console.warn(`\n${bar}\n*** db-scripts: SKIPPING the real-server suites for ${skipped.join(", ")} in tests/db-scripts.test.ts (slow: real servers).\n` +
        `Run them with: npm run test:db   (or LAUNCHPAD_DB_ENGINES=mysql,postgres; needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

const s3Missing = missingTools(tools, ["aws", "curl"]);

describeRealServer("verify.sh downloads from S3 and rejects broken dumps before starting any server", s3Missing, () => {
    let root = "";
    let home = "";
    let s3: LocalS3;
    let push: FakePushgateway;
    const name = "shop-20250101T000000Z.sql.gz";
    /** Stands in for a real dump: these checks look at bytes only (the engine suites use real dumps). */
    const good = gzipSync("-- MariaDB dump\nCREATE TABLE `orders` (id INT);\nINSERT INTO `orders` VALUES (1);\n-- Dump completed on 2025-01-01  3:00:00\n");

    beforeAll(async () => {
        root = traversableTempDir("launchpad-db-s3-");
        home = join(root, "home");
        mkdirSync(home);
        s3 = await startLocalS3(join(root, "s3"), "launchpad-backups-broken");
        push = await startFakePushgateway();
        const tree = join(root, "tree");
        const put = (c: string, dump: Buffer, sum?: string): void => {
            const dir = join(tree, c, "shop", "2025", "01", "01");
            mkdirSync(dir, { recursive: true });
            writeFileSync(join(dir, name), dump);
            if (sum !== undefined) {
                writeFileSync(join(dir, `${name}.sha256`), sum);
            }
        };
        const flipped = Buffer.from(good);
        flipped[Math.floor(flipped.length / 2)] ^= 0xff;
        const half = good.subarray(0, Math.floor(good.length / 2));
        put("corrupt", flipped, `${sha256(good)}  ${name}\n`);
        put("truncated", half, `${sha256(half)}  ${name}\n`);
        put("empty", Buffer.alloc(0), `${sha256(Buffer.alloc(0))}  ${name}\n`);
        put("unsigned", good);
        put("orphan", flipped, `${sha256(good)}  ${name}\n`);
        writeFileSync(join(tree, "orphan", "shop", "2025", "01", "01", "shop-20250101T010000Z.sql.gz"), good);
        await new S3Client(tools.aws ?? "aws", s3, { PATH: process.env.PATH ?? "", HOME: home, ...awsEnv(home) }).putTree(tree, "broken/");
    }, 60_000);

    afterAll(async () => {
        await push?.close();
        await s3?.close();
        if (root !== "") {
            rmSync(root, { recursive: true, force: true });
        }
    });

    // Independent runs (own prefix, own TMPDIR, no server): side by side.
    it.concurrent.for([
        { c: "corrupt", reason: "checksum_mismatch", message: /^broken\/corrupt\/shop\/2025\/01\/01\/shop-20250101T000000Z\.sql\.gz has sha256 [0-9a-f]{64}, its \.sha256 says [0-9a-f]{64}$/ },
        { c: "truncated", reason: "truncated", message: /^broken\/truncated\/.+\.sql\.gz is not a whole gzip stream \(gzip -t failed\)$/ },
        { c: "empty", reason: "empty", message: /^broken\/empty\/.+\.sql\.gz is empty \(0 bytes\)$/ },
        {
            c: "unsigned",
            reason: "checksum_missing",
            message: /^s3:\/\/launchpad-backups-broken\/broken\/unsigned\/shop\/2025\/01\/01\/shop-20250101T000000Z\.sql\.gz\.sha256 is missing, so the upload did not finish, and no older dump under s3:\/\/launchpad-backups-broken\/broken\/unsigned\/ is complete$/,
        },
        // The newest complete dump needs both objects: a newer dump without its .sha256 (an upload
        // that stopped) is passed over for the older complete one, here corrupt so no server starts.
        { c: "orphan", reason: "checksum_mismatch", message: /^broken\/orphan\/shop\/2025\/01\/01\/shop-20250101T000000Z\.sql\.gz has sha256 [0-9a-f]{64}, its \.sha256 says [0-9a-f]{64}$/ },
        { c: "nothing", reason: "missing", message: /^no \.sql\.gz dump under s3:\/\/launchpad-backups-broken\/broken\/nothing\/$/ },
    ])("$c: $reason", async ({ c, reason, message }, { expect }) => {
        const env = {
            HOME: home, ...awsEnv(home), AWS_REGION: "us-east-1", BACKUP_BUCKET: "launchpad-backups-broken", S3_ENDPOINT_URL: s3.endpoint,
            PUSHGATEWAY_URL: push.url, PUSHGATEWAY_JOB: `verify-${c}`, DB_ENGINE: "mysql", DB_NAME: "shop", CRITICAL_TABLES: "orders",
            VERIFY_PREFIX: `broken/${c}/`,
        };
        const from = nowSeconds();
        const r = await runScript(VERIFY_SH, [], env, root);
        const v = verdict(r);
        const key = c === "nothing" ? null : `broken/${c}/shop/2025/01/01/${name}`;
        expect([r.code, v.verdict, v.reason, v.key, v.restore_seconds, v.tables]).toEqual([1, "fail", reason, key, null, {}]);
        expect(v.message).toMatch(message);
        expect(stderrLines(r)).toEqual([`verify.sh: ${reason}: ${String(v.message)}`]);
        expect([r.leftovers, r.survivors]).toEqual([[], []]);
        // Exactly the failure, POSTed so that the group's last success stays.
        expect(failurePushes(push.pushes.filter((p) => p.path.includes(`verify-${c}`)), from, nowSeconds())).toEqual([
            `POST /metrics/job/verify-${c}/database/shop\n${FAILURE_BODY.verify}`,
        ]);
    });
}, SERVERS_WANTED);

interface EngineSpec {
    readonly engine: Engine;
    readonly title: string;
    readonly needed: readonly (keyof DbTools)[];
    /** Text the uncompressed dump must hold: every kind of object, and the completion trailer. */
    readonly dumpHolds: readonly string[];
    readonly dumpLacks: readonly string[];
    /** A statement the restore must reject, spliced into an otherwise good dump. */
    readonly badStatement: string;
    /** The restore's error message for `badStatement`. */
    readonly restoreError: RegExp;
    /** A statement that keeps the restore busy for a minute. */
    readonly sleepStatement: string;
    /** The client's own documentation of the option that verifies the server, for the test names. */
    readonly verifyDoc: string;
    /** What the client says when the server's certificate names another host, or chains to another CA. */
    readonly refusal: { readonly wrongHost: RegExp; readonly wrongCa: RegExp };
}

/** The one name the real servers' certificates carry. */
const SERVER_NAME = "localhost";

const ENGINES: readonly EngineSpec[] = [
    {
        engine: "mysql",
        title: "MariaDB",
        needed: ["mariadbd", "mariadbInstallDb", "mariadb", "mariadbDump", "aws", "curl", "openssl"],
        dumpHolds: [
            "CREATE TABLE `customers`",
            "CREATE TABLE `orders`",
            "INSERT INTO `orders` VALUES",
            "TRIGGER orders_total_positive BEFORE INSERT ON orders",
            "CREATE DEFINER=`app`@`%` PROCEDURE `order_count`()",
            "EVENT `purge_refunds` ON SCHEDULE EVERY 1 DAY",
            "-- Dump completed on",
        ],
        dumpLacks: ["CREATE DATABASE", "USE `shop`"],
        badStatement: "INSERT INTO no_such_table VALUES (1);",
        restoreError: /^restoring daily\/shop\/.+\.sql\.gz failed: ERROR 1146 \(42S02\) at line \d+: Table 'shop\.no_such_table' doesn't exist$/,
        sleepStatement: "SELECT SLEEP(60);",
        verifyDoc: "MariaDB client option --ssl-verify-server-cert: the certificate's name must match the host connected to",
        refusal: {
            wrongHost: /^dump\.sh: dumping mysql database shop from 127\.0\.0\.1:\d+ failed: mariadb-dump: Got error: 2026: "TLS\/SSL error: Validation of SSL server certificate failed" when trying to connect\n$/,
            wrongCa: /^dump\.sh: dumping mysql database shop from localhost:\d+ failed: mariadb-dump: Got error: 2026: "TLS\/SSL error: unable to get local issuer certificate" when trying to connect\n$/,
        },
    },
    {
        engine: "postgres",
        title: "PostgreSQL",
        needed: ["pgBinDir", "aws", "curl", "openssl", ...(isRoot ? (["runuser"] as const) : [])],
        dumpHolds: [
            "CREATE TABLE public.customers",
            "CREATE TABLE public.orders",
            "COPY public.orders (id, customer_id, total) FROM stdin;",
            "CREATE FUNCTION public.orders_total_positive() RETURNS trigger",
            "CREATE TRIGGER orders_total_positive BEFORE INSERT ON public.orders",
            "CREATE VIEW public.order_totals AS",
            "-- PostgreSQL database dump complete",
        ],
        dumpLacks: ["OWNER TO", "GRANT ", "CREATE DATABASE"],
        badStatement: "INSERT INTO no_such_table VALUES (1);",
        restoreError: /^restoring daily\/shop\/.+\.sql\.gz failed: ERROR:  relation "no_such_table" does not exist$/,
        sleepStatement: "SELECT pg_sleep(60);",
        verifyDoc: "libpq SSL Support, sslmode verify-full: the chain to sslrootcert and the host name are checked",
        refusal: {
            wrongHost: /^dump\.sh: dumping postgres database shop from 127\.0\.0\.1:\d+ failed: pg_dump: error: connection to server at "127\.0\.0\.1", port \d+ failed: server certificate for "localhost" \(and 1 other name\) does not match host name "127\.0\.0\.1"\n$/,
            wrongCa: /^dump\.sh: dumping postgres database shop from localhost:\d+ failed: pg_dump: error: connection to server at "localhost" \(127\.0\.0\.1\), port \d+ failed: SSL error: certificate verify failed\n$/,
        },
    },
];

for (const spec of ENGINES) {
    const { engine, title } = spec;
    const missing = missingTools(tools, spec.needed);

    describeRealServer(`${title}: dump.sh and verify.sh against a real server`, missing, () => {
        let root = "";
        let home = "";
        let db: TestDatabase;
        /** The CA that signed the server's certificate, and one that did not. */
        let serverCa: TestCa;
        let otherCa: TestCa;
        let s3: LocalS3;
        let client: S3Client;
        let push: FakePushgateway;
        /** Sunday 1 December 2024, run as two phases sharing WORK_DIR, as the CronJob's containers do. */
        let sunday: { dump: ScriptRun; upload: ScriptRun; stamp: string; workDir: string; from: number; to: number };
        /** 1 January 2025, run as one `all`. */
        let newYear: { run: ScriptRun; stamp: string; from: number; to: number };
        let pushesByDumps: Push[] = [];
        let bucketAfterDumps: ObjectInfo[] = [];
        /** `verify.sh` (all phases) on what the dumps uploaded, with the pushes it made. */
        let verified: { run: ScriptRun; from: number; pushes: Push[] };
        /** The WORK_DIR that run kept: each restore case starts from a copy. */
        let fetched = "";
        let goodDump = Buffer.alloc(0);
        let goodSql = "";

        const base = (): Record<string, string> => ({
            HOME: home,
            ...awsEnv(home),
            AWS_REGION: "us-east-1",
            BACKUP_BUCKET: s3.bucket,
            S3_ENDPOINT_URL: s3.endpoint,
            PUSHGATEWAY_URL: push.url,
            DB_ENGINE: engine,
            DB_NAME: db.database,
        });
        // The server's certificate names `localhost` only, as an RDS certificate names the instance's
        // endpoint: the dumps connect by that name and verify against the CA that signed it.
        const dumpEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
            ...base(),
            DB_HOST: SERVER_NAME,
            DB_SSL_CA: serverCa.cert,
            DB_PORT: String(db.port),
            DB_USER: db.user,
            DB_PASSWORD: db.password,
            ...extra,
        });
        const verifyEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
            ...base(),
            CRITICAL_TABLES: "orders,customers",
            ...extra,
        });
        const stampOf = (r: RunResult, day: string): string => {
            const m = new RegExp(`^dumped shop-(${day}T\\d{6}Z)\\.sql\\.gz \\(\\d+ bytes compressed\\)$`, "m").exec(r.stdout);
            if (m === null) {
                throw new Error(`no "dumped" line in the output of ${r.command}:\n${r.stdout}\n${r.stderr}`);
            }
            return m[1];
        };
        /** A copy of the fetched WORK_DIR, with the dump (and its checksum) replaced when given. */
        const workDirWith = (name: string, dump?: Buffer, keepChecksum = false): string => {
            const dir = join(root, `restore-${name}`);
            cpSync(fetched, dir, { recursive: true });
            if (dump !== undefined) {
                writeFileSync(join(dir, "dump.sql.gz"), dump);
                if (!keepChecksum) {
                    writeFileSync(join(dir, "dump.sql.gz.sha256"), `${sha256(dump)}  dump.sql.gz\n`);
                }
            }
            return dir;
        };

        beforeAll(async () => {
            root = traversableTempDir(`launchpad-db-${engine}-`);
            home = join(root, "home");
            mkdirSync(home);
            ({ db, serverCa, otherCa } = await startTlsServer(engine, tools, root, { database: "shop", user: "app", password: DB_PASSWORD }, SERVER_NAME));
            s3 = await startLocalS3(join(root, "s3"), `launchpad-backups-${engine}`);
            client = new S3Client(tools.aws ?? "aws", s3, { PATH: process.env.PATH ?? "", HOME: home, ...awsEnv(home) });
            push = await startFakePushgateway();

            // The two dumps run side by side, each pushing under its own path prefix of the
            // stand-in Pushgateway (as a Pushgateway behind --web.route-prefix would be reached).
            const workDir = join(root, "work-sunday");
            mkdirSync(workDir);
            const from = Math.floor(Date.now() / 1000);
            const sundayRun = (async () => {
                const dump = await runScript(DUMP_SH, ["dump"], dumpEnv({ BACKUP_DATE: "2024-12-01", WORK_DIR: workDir }), root);
                const upload = await runScript(DUMP_SH, ["upload"], { ...base(), PUSHGATEWAY_URL: `${push.url}/sunday/`, WORK_DIR: workDir }, root);
                return { dump, upload, stamp: stampOf(dump, "20241201"), workDir, from, to: Math.ceil(Date.now() / 1000) };
            })();
            const newYearRun = (async () => {
                const all = await runScript(DUMP_SH, [], dumpEnv({ BACKUP_DATE: "2025-01-01", PUSHGATEWAY_URL: `${push.url}/new-year` }), root);
                return { run: all, stamp: stampOf(all, "20250101"), from, to: Math.ceil(Date.now() / 1000) };
            })();
            [sunday, newYear] = await Promise.all([sundayRun, newYearRun]);
            pushesByDumps = [...push.pushes];
            bucketAfterDumps = await client.list();

            // verify.sh with a WORK_DIR of ours keeps what it fetched: the restore cases start from copies.
            fetched = join(root, "fetched");
            mkdirSync(fetched);
            const verifyFrom = Math.floor(Date.now() / 1000);
            const run = await runScript(VERIFY_SH, [], verifyEnv({ WORK_DIR: fetched, PUSHGATEWAY_URL: `${push.url}/verify` }), root);
            verified = { run, from: verifyFrom, pushes: push.pushes.filter((p) => p.path.startsWith("/verify/")) };
            if (!existsSync(join(fetched, "dump.sql.gz"))) {
                throw new Error(`verify.sh fetched nothing:\n${run.stdout}${run.stderr}`);
            }
            goodDump = readFileSync(join(fetched, "dump.sql.gz"));
            goodSql = gunzipSync(goodDump).toString("utf8");
        }, 180_000);

        afterAll(async () => {
            await push?.close();
            await s3?.close();
            await db?.stop();
            if (root !== "") {
                rmSync(root, { recursive: true, force: true });
            }
        }, 60_000);

        const keysFor = (tiers: readonly string[], datePath: string, stamp: string): string[] =>
            tiers.flatMap((t) => [`${t}/shop/${datePath}/shop-${stamp}.sql.gz`, `${t}/shop/${datePath}/shop-${stamp}.sql.gz.sha256`]).sort();

        it("dump phase then upload phase on Sunday 1 December 2024: daily, weekly and monthly keys", () => {
            expect([sunday.dump.code, sunday.dump.stderr, sunday.upload.code, sunday.upload.stderr]).toEqual([0, "", 0, ""]);
            const keys = bucketAfterDumps.map((o) => o.key).filter((k) => k.includes("/2024/"));
            expect(keys).toEqual(keysFor(["daily", "weekly", "monthly"], "2024/12/01", sunday.stamp));
            expect(sunday.upload.stdout).toBe(
                ["daily", "weekly", "monthly"].map((t) => `uploaded s3://${s3.bucket}/${t}/shop/2024/12/01/shop-${sunday.stamp}.sql.gz\n`).join("") +
                "pushed metrics for tiers: daily weekly monthly\n",
            );
            expect([sunday.dump.leftovers, sunday.dump.survivors, sunday.upload.leftovers]).toEqual([[], [], []]);
        });

        it("one `all` run on 1 January 2025, a Wednesday: daily, monthly and yearly keys", () => {
            expect([newYear.run.code, newYear.run.stderr]).toEqual([0, ""]);
            const keys = bucketAfterDumps.map((o) => o.key).filter((k) => k.includes("/2025/"));
            expect(keys).toEqual(keysFor(["daily", "monthly", "yearly"], "2025/01/01", newYear.stamp));
            expect(bucketAfterDumps).toHaveLength(12);
            expect(newYear.run.leftovers).toEqual([]);
        });

        it("every tier holds the same gzip, and its .sha256 names it in sha256sum -c form", () => {
            const etags = (stamp: string, tiers: readonly string[], datePath: string, suffix: string): string[] =>
                tiers.map((t) => bucketAfterDumps.find((o) => o.key === `${t}/shop/${datePath}/shop-${stamp}.sql.gz${suffix}`)?.etag ?? "absent");
            const md5 = (b: Buffer): string => `"${createHash("md5").update(b).digest("hex")}"`;
            const sum = readFileSync(join(fetched, "dump.sql.gz.sha256"));
            expect(etags(newYear.stamp, ["daily", "monthly", "yearly"], "2025/01/01", "")).toEqual([md5(goodDump), md5(goodDump), md5(goodDump)]);
            expect(etags(newYear.stamp, ["daily", "monthly", "yearly"], "2025/01/01", ".sha256")).toEqual([md5(sum), md5(sum), md5(sum)]);
            expect(new Set(etags(sunday.stamp, ["daily", "weekly", "monthly"], "2024/12/01", "")).size).toBe(1);
            expect(sum.toString("utf8")).toBe(`${sha256(goodDump)}  shop-${newYear.stamp}.sql.gz\n`);
            expect(goodDump.subarray(0, 2).toString("hex")).toBe("1f8b");
        });

        it("the dump is plain SQL with tables, rows, routines, triggers and events, and nothing tied to one server", () => {
            const missingText = spec.dumpHolds.filter((t) => !goodSql.includes(t));
            const unwanted = spec.dumpLacks.filter((t) => goodSql.includes(t));
            expect({ missingText, unwanted }).toEqual({ missingText: [], unwanted: [] });
        });

        it("pushes last-success time, duration and size per tier, labelled job/database/tier", () => {
            const sizeOf = (key: string): number | undefined => bucketAfterDumps.find((o) => o.key === key)?.size;
            const runs = [
                { prefix: "/sunday", window: sunday, tiers: ["daily", "weekly", "monthly"], size: sizeOf(`daily/shop/2024/12/01/shop-${sunday.stamp}.sql.gz`) },
                { prefix: "/new-year", window: newYear, tiers: ["daily", "monthly", "yearly"], size: sizeOf(`daily/shop/2025/01/01/shop-${newYear.stamp}.sql.gz`) },
            ];
            expect(pushesByDumps).toHaveLength(6);
            for (const { prefix, window, tiers, size } of runs) {
                const pushes = pushesByDumps.filter((p) => p.path.startsWith(`${prefix}/`));
                expect(pushes.map((p) => `${p.method} ${p.path}`)).toEqual(tiers.map((t) => `PUT ${prefix}/metrics/job/launchpad-db-backup/database/shop/tier/${t}`));
                for (const p of pushes) {
                    const s = parseExposition(p.body);
                    expect(Object.keys(s).sort()).toEqual([
                        "launchpad_backup_duration_seconds", "launchpad_backup_last_run_success", "launchpad_backup_last_success_timestamp_seconds",
                        "launchpad_backup_size_bytes",
                    ]);
                    expect(p.body.replace(/ \d+$/gm, " <n>")).toBe(
                        "# HELP launchpad_backup_last_success_timestamp_seconds When the last backup of this tier was uploaded.\n" +
                        "# TYPE launchpad_backup_last_success_timestamp_seconds gauge\nlaunchpad_backup_last_success_timestamp_seconds <n>\n" +
                        "# HELP launchpad_backup_duration_seconds How long the last backup took, dump and upload.\n" +
                        "# TYPE launchpad_backup_duration_seconds gauge\nlaunchpad_backup_duration_seconds <n>\n" +
                        "# HELP launchpad_backup_size_bytes Compressed size of the last backup.\n" +
                        "# TYPE launchpad_backup_size_bytes gauge\nlaunchpad_backup_size_bytes <n>\n" +
                        RUN_SUCCESS.backup(1).replace(/ 1\n$/, " <n>\n"),
                    );
                    expect(s.launchpad_backup_last_run_success).toBe(1);
                    expect(s.launchpad_backup_size_bytes).toBe(size);
                    expect(s.launchpad_backup_last_success_timestamp_seconds).toBeGreaterThanOrEqual(window.from);
                    expect(s.launchpad_backup_last_success_timestamp_seconds).toBeLessThanOrEqual(window.to);
                    expect(s.launchpad_backup_duration_seconds).toBeGreaterThanOrEqual(0);
                    expect(s.launchpad_backup_duration_seconds).toBeLessThanOrEqual(window.to - window.from);
                    expect(p.body).toContain("# TYPE launchpad_backup_size_bytes gauge\n");
                }
            }
        });

        it("verify.sh restores the newest daily dump and reports the exact row counts", () => {
            const r = verified.run;
            expect([r.code, r.stderr]).toEqual([0, ""]);
            expect(verdict(r)).toEqual({
                engine,
                database: "shop",
                key: `daily/shop/2025/01/01/shop-${newYear.stamp}.sql.gz`,
                restore_seconds: expect.any(Number) as number,
                tables: { orders: 5, customers: 3 },
                verdict: "ok",
            });
            expect([r.leftovers, r.survivors]).toEqual([[], []]);
            expect(verified.pushes.map((p) => `${p.method} ${p.path}`)).toEqual(["PUT /verify/metrics/job/launchpad-db-restore-verify/database/shop"]);
            const s = parseExposition(verified.pushes[0].body);
            expect(Object.keys(s).sort()).toEqual([
                "launchpad_restore_verify_duration_seconds", "launchpad_restore_verify_last_run_success", "launchpad_restore_verify_last_success_timestamp_seconds",
            ]);
            expect(verified.pushes[0].body.replace(/ \d+$/gm, " <n>")).toBe(
                "# HELP launchpad_restore_verify_last_success_timestamp_seconds When a backup last restored and passed its checks.\n" +
                "# TYPE launchpad_restore_verify_last_success_timestamp_seconds gauge\nlaunchpad_restore_verify_last_success_timestamp_seconds <n>\n" +
                "# HELP launchpad_restore_verify_duration_seconds How long the last passed restore test took, download to checks.\n" +
                "# TYPE launchpad_restore_verify_duration_seconds gauge\nlaunchpad_restore_verify_duration_seconds <n>\n" +
                RUN_SUCCESS.verify(1).replace(/ 1\n$/, " <n>\n"),
            );
            expect(s.launchpad_restore_verify_last_run_success).toBe(1);
            expect(s.launchpad_restore_verify_last_success_timestamp_seconds).toBeGreaterThanOrEqual(verified.from);
            expect(s.launchpad_restore_verify_duration_seconds).toBeLessThanOrEqual(Math.ceil(r.ms / 1000));
        });

        describe("the restore phase, on a copy of a fetched WORK_DIR, fails bad dumps with the right reason", () => {
            const lines = (): string[] => goodSql.split("\n");
            /** The good dump with `statement` spliced in before its first CREATE TABLE. */
            const withStatement = (statement: string): Buffer => {
                const l = lines();
                const at = l.findIndex((x) => x.startsWith("CREATE TABLE"));
                return gzipSync([...l.slice(0, at), statement, ...l.slice(at)].join("\n"));
            };

            // Each run has its own WORK_DIR copy and its own throw-away server: run side by side.
            it.concurrent.for<RestoreCase>([
                {
                    name: "bytes flipped",
                    reason: "checksum_mismatch",
                    dump: (): Buffer => {
                        const flipped = Buffer.from(goodDump);
                        flipped[Math.floor(flipped.length / 2)] ^= 0xff;
                        return flipped;
                    },
                    keepChecksum: true,
                },
                { name: "cut in half", reason: "truncated", dump: (): Buffer => goodDump.subarray(0, Math.floor(goodDump.length / 2)) },
                { name: "zero bytes", reason: "empty", dump: (): Buffer => Buffer.alloc(0) },
                { name: "a gzip of nothing", reason: "empty", dump: (): Buffer => gzipSync(Buffer.alloc(0)) },
                {
                    name: "a dump that stopped early (valid gzip, no trailer)",
                    reason: "incomplete",
                    dump: (): Buffer => gzipSync(lines().slice(0, Math.floor(lines().length / 2)).join("\n")),
                },
                {
                    name: "SQL the server rejects",
                    reason: "sql_error",
                    dump: (): Buffer => withStatement(spec.badStatement),
                    // The client's own error line, never a rule of dashes ("failed: ------").
                    message: spec.restoreError,
                },
                { name: "a critical table that is not there", reason: "table_missing", critical: "orders,customers,invoices", tables: { orders: 5, customers: 3, invoices: null } },
                { name: "a critical table with no rows", reason: "table_empty", critical: "orders,refunds", tables: { orders: 5, refunds: 0 } },
            ])("$name: $reason", async (c, { expect }) => {
                const slug = c.name.replace(/\W+/g, "-");
                const workDir = workDirWith(slug, c.dump?.(), c.keepChecksum ?? false);
                const env = verifyEnv({ WORK_DIR: workDir, PUSHGATEWAY_URL: `${push.url}/${slug}`, ...(c.critical === undefined ? {} : { CRITICAL_TABLES: c.critical }) });
                const from = nowSeconds();
                const r = await runScript(VERIFY_SH, ["restore"], env, root);
                const v = verdict(r);
                const restored = c.tables !== undefined;
                expect([r.code, v.verdict, v.reason, v.key, v.tables]).toEqual([1, "fail", c.reason, `daily/shop/2025/01/01/shop-${newYear.stamp}.sql.gz`, c.tables ?? {}]);
                expect(typeof v.restore_seconds).toBe(restored ? "number" : "object");
                expect(stderrLines(r)).toEqual([`verify.sh: ${c.reason}: ${String(v.message)}`]);
                expect(String(v.message)).toMatch(c.message ?? /^\S/);
                expect([r.leftovers, r.survivors]).toEqual([[], []]);
                expect(failurePushes(push.pushes.filter((p) => p.path.startsWith(`/${slug}/`)), from, nowSeconds())).toEqual([
                    `POST /${slug}/metrics/job/launchpad-db-restore-verify/database/shop\n${FAILURE_BODY.verify}`,
                ]);
            });

            it("SIGTERM during the restore stops the throw-away server and removes its data at once", async () => {
                const workDir = workDirWith("sigterm", withStatement(spec.sleepStatement));
                const restoring = (tmp: string): boolean =>
                    readdirSync(tmp).some((d) => d.startsWith(`verify-${engine}.`) && existsSync(join(tmp, d, "restore.err")));
                const from = nowSeconds();
                const r = await runScript(VERIFY_SH, ["restore"], verifyEnv({ WORK_DIR: workDir, PUSHGATEWAY_URL: `${push.url}/sigterm` }), root, { signalWhen: restoring });
                expect([r.code, verdict(r).verdict, verdict(r).reason, r.stderr]).toEqual([143, "fail", "interrupted", "verify.sh: interrupted: stopped by SIGTERM\n"]);
                expect([r.leftovers, r.survivors]).toEqual([[], []]);
                expect(r.ms).toBeLessThan(30_000);
                expect(failurePushes(push.pushes.filter((p) => p.path.startsWith("/sigterm/")), from, nowSeconds())).toEqual([
                    `POST /sigterm/metrics/job/launchpad-db-restore-verify/database/shop\n${FAILURE_BODY.verify}`,
                ]);
            });

            it.runIf(isRoot)("as a non-root user, on a WORK_DIR whose files another user wrote (as the pod's containers do), the restore passes", async () => {
                const workDir = workDirWith("other-user");
                chmodSync(workDir, 0o777); // the shared emptyDir: every container's user may write it
                const r = await runScript(VERIFY_SH, ["restore"], verifyEnv({ WORK_DIR: workDir }), root, { user: "postgres" });
                expect([r.code, r.stderr, verdict(r).verdict, verdict(r).tables]).toEqual([0, "", "ok", { orders: 5, customers: 3 }]);
                const postgresUid = Number((await runOk("id", ["-u", "postgres"])).stdout.trim());
                expect(statSync(join(workDir, "verify.env")).uid).toBe(postgresUid);
                expect([r.leftovers, r.survivors]).toEqual([[], []]);
            });

            it("with no critical table named (the config default), a good dump passes on the restore alone: no job fails by construction", async () => {
                const workDir = workDirWith("no-critical");
                const r = await runScript(VERIFY_SH, ["restore"], { ...verifyEnv({ WORK_DIR: workDir }), CRITICAL_TABLES: " , ", PUSHGATEWAY_URL: "" }, root);
                expect([r.code, r.stderr, verdict(r).verdict, verdict(r).tables]).toEqual([0, "verify.sh: CRITICAL_TABLES names no table: checking only that the dump restores\n", "ok", {}]);
                expect([r.leftovers, r.survivors]).toEqual([[], []]);
            });

            it("a passed restore, then report pushes; report with an unreachable Pushgateway fails with one line", async () => {
                const workDir = workDirWith("report");
                const restore = await runScript(VERIFY_SH, ["restore"], { ...verifyEnv({ WORK_DIR: workDir }), PUSHGATEWAY_URL: "" }, root);
                expect([restore.code, verdict(restore).verdict, verdict(restore).tables]).toEqual([0, "ok", { orders: 5, customers: 3 }]);

                const before = push.pushes.length;
                const report = await runScript(VERIFY_SH, ["report"], { ...base(), WORK_DIR: workDir }, root);
                expect([report.code, report.stdout, report.stderr]).toEqual([0, "", ""]);
                expect(push.pushes.slice(before).map((p) => p.path)).toEqual(["/metrics/job/launchpad-db-restore-verify/database/shop"]);

                const unreachable = await runScript(VERIFY_SH, ["report"], { ...base(), WORK_DIR: workDir, PUSHGATEWAY_URL: "http://127.0.0.1:9", PUSHGATEWAY_RETRY_SECONDS: "1" }, root);
                expect([unreachable.code, unreachable.stdout, stderrLines(unreachable).length]).toEqual([1, "", 1]);
                expect(unreachable.stderr).toMatch(/^verify\.sh: pushing metrics to the Pushgateway \(group job\/launchpad-db-restore-verify\/database\/shop\) failed: curl: \(7\) .+\n$/);
            });
        });

        // The dates below are older than every other dump in the bucket, so the newest complete
        // daily dump that verify.sh and the runbooks take stays 1 January 2025's.
        it("an upload failure on the weekly tier, then the retry: one daily dump, the weekly tier completed by server-side copy", async () => {
            // Sunday 24 November 2024: daily and weekly. The first run's AWS CLI fails the weekly
            // dump's upload, after its .sha256, as a dropped connection would.
            const realAws = tools.aws ?? "aws";
            const failing = join(root, "aws-fails-weekly");
            mkdirSync(failing);
            writeFileSync(join(failing, "aws"), [
                "#!/bin/sh",
                `case "$*" in *s3://*/weekly/*.sql.gz) echo "upload failed: Connection was closed" >&2; exit 1;; esac`,
                `exec "${realAws}" "$@"`,
                "",
            ].join("\n"), { mode: 0o755 });
            const env = dumpEnv({ BACKUP_DATE: "2024-11-24", PUSHGATEWAY_URL: `${push.url}/retry` });
            const first = await runScript(DUMP_SH, [], env, root, { pathFirst: failing });
            const stamp = stampOf(first, "20241124");
            const daily = `s3://${s3.bucket}/daily/shop/2024/11/24/shop-${stamp}.sql.gz`;
            const weekly = `s3://${s3.bucket}/weekly/shop/2024/11/24/shop-${stamp}.sql.gz`;
            expect([first.code, first.stderr]).toEqual([1, `dump.sh: uploading ${weekly} failed: upload failed: Connection was closed\n`]);
            const afterFirst = await client.list("daily/shop/2024/11/24/");

            // The retry, a new pod as the Job's backoffLimit 1 makes it: dumps nothing, uploads no
            // second daily dump, copies the daily one to the weekly tier.
            const retry = await runScript(DUMP_SH, [], env, root);
            expect([retry.code, retry.stdout, stderrLines(retry), retry.leftovers]).toEqual([0, "pushed metrics for tiers: daily weekly\n", [
                `dump.sh: ${daily} is a complete dump for 2024-11-24 already: not dumping again`,
                `dump.sh: weekly tier completed by copy: ${weekly}`,
            ], []]);
            const keys = (await client.list()).filter((o) => o.key.includes("/2024/11/24/"));
            expect(keys.map((o) => o.key)).toEqual(keysFor(["daily", "weekly"], "2024/11/24", stamp));
            expect(await client.list("daily/shop/2024/11/24/")).toEqual(afterFirst);
            const etag = (k: string): string | undefined => keys.find((o) => o.key === k)?.etag;
            expect(etag(`weekly/shop/2024/11/24/shop-${stamp}.sql.gz`)).toBe(etag(`daily/shop/2024/11/24/shop-${stamp}.sql.gz`));
            expect(etag(`weekly/shop/2024/11/24/shop-${stamp}.sql.gz.sha256`)).toBe(etag(`daily/shop/2024/11/24/shop-${stamp}.sql.gz.sha256`));
            // The success push reports the reused dump's size, for both tiers.
            const sizes = push.pushes.filter((p) => p.path.startsWith("/retry/") && p.method === "PUT").map((p) => `${p.path} ${parseExposition(p.body).launchpad_backup_size_bytes}`);
            const size = keys.find((o) => o.key.endsWith(".sql.gz"))?.size;
            expect(sizes).toEqual(["daily", "weekly"].map((t) => `/retry/metrics/job/launchpad-db-backup/database/shop/tier/${t} ${size}`));
        }, 120_000);

        it("a complete day, then a manual re-run as the CronJob's containers run it (check, dump, upload): no second dump", async () => {
            // Wednesday 20 November 2024: the daily tier only.
            const done = await runScript(DUMP_SH, [], dumpEnv({ BACKUP_DATE: "2024-11-20", PUSHGATEWAY_URL: `${push.url}/rerun` }), root);
            const stamp = stampOf(done, "20241120");
            expect([done.code, done.stderr]).toEqual([0, ""]);
            const before = await client.list("daily/shop/2024/11/20/");

            const workDir = join(root, "work-rerun");
            mkdirSync(workDir);
            const check = await runScript(DUMP_SH, ["check"], { ...base(), BACKUP_DATE: "2024-11-20", WORK_DIR: workDir }, root);
            const dump = await runScript(DUMP_SH, ["dump"], dumpEnv({ BACKUP_DATE: "2024-11-20", WORK_DIR: workDir }), root);
            const upload = await runScript(DUMP_SH, ["upload"], { ...base(), PUSHGATEWAY_URL: `${push.url}/rerun`, WORK_DIR: workDir }, root);
            expect([check.code, check.stdout, check.stderr]).toEqual([0, "", ""]);
            expect([dump.code, dump.stdout, dump.stderr]).toEqual([
                0, "", `dump.sh: s3://${s3.bucket}/daily/shop/2024/11/20/shop-${stamp}.sql.gz is a complete dump for 2024-11-20 already: not dumping again\n`,
            ]);
            expect([upload.code, upload.stdout, upload.stderr]).toEqual([0, "pushed metrics for tiers: daily\n", ""]);
            expect(readdirSync(workDir).filter((f) => f.endsWith(".sql.gz"))).toEqual([]);
            expect(await client.list("daily/shop/2024/11/20/")).toEqual(before);
        }, 120_000);

        it("the upload phase alone also refuses a second daily dump when no check phase ran before the dump", async () => {
            // Tuesday 19 November 2024: two dumps of the same day, the second uploaded without a check.
            const first = await runScript(DUMP_SH, [], dumpEnv({ BACKUP_DATE: "2024-11-19", PUSHGATEWAY_URL: `${push.url}/nocheck` }), root);
            const stamp = stampOf(first, "20241119");
            const before = await client.list("daily/shop/2024/11/19/");
            const workDir = join(root, "work-nocheck");
            mkdirSync(workDir);
            const dump = await runScript(DUMP_SH, ["dump"], dumpEnv({ BACKUP_DATE: "2024-11-19", WORK_DIR: workDir }), root);
            const upload = await runScript(DUMP_SH, ["upload"], { ...base(), PUSHGATEWAY_URL: `${push.url}/nocheck`, WORK_DIR: workDir }, root);
            expect([first.code, dump.code, upload.code, upload.stdout, upload.stderr]).toEqual([0, 0, 0, "pushed metrics for tiers: daily\n",
                `dump.sh: s3://${s3.bucket}/daily/shop/2024/11/19/shop-${stamp}.sql.gz is a complete dump for 2024-11-19 already: not uploading this run's dump\n`]);
            expect(await client.list("daily/shop/2024/11/19/")).toEqual(before);
        }, 120_000);

        // The dumps above went over TLS verified against serverCa (the server refuses TCP without TLS,
        // and a verifying client refuses a server without it). Here the server is the same, what the
        // client is told to expect is not: a man in the middle looks exactly like this.
        it.for<{ what: string; extra: () => Record<string, string>; refusal: "wrongHost" | "wrongCa" }>([
            { what: `its certificate names ${SERVER_NAME}, the dump connects to 127.0.0.1`, extra: () => ({ DB_HOST: "127.0.0.1" }), refusal: "wrongHost" },
            { what: "its certificate chains to another CA than DB_SSL_CA", extra: () => ({ DB_SSL_CA: otherCa.cert }), refusal: "wrongCa" },
        ])(`refuses a server whose certificate does not prove it is DB_HOST: $what (${spec.verifyDoc})`, async ({ what, extra, refusal }) => {
            const workDir = join(root, `tls-${refusal}`);
            mkdirSync(workDir);
            const from = nowSeconds();
            const r = await runScript(DUMP_SH, ["dump"], dumpEnv({
                ...extra(), WORK_DIR: workDir, BACKUP_DATE: "2024-12-03", PUSHGATEWAY_URL: `${push.url}/${refusal}`,
            }), root);
            expect([what, r.code, r.stdout, readdirSync(workDir), r.leftovers]).toEqual([what, 1, "", [], []]);
            expect(r.stderr).toMatch(spec.refusal[refusal]);
            expect(failurePushes(push.pushes.filter((p) => p.path.startsWith(`/${refusal}/`)), from, nowSeconds())).toEqual([
                `POST /${refusal}/metrics/job/launchpad-db-backup/database/shop/tier/daily\n${FAILURE_BODY.backup}`,
            ]);
        });

        it("DB_PASSWORD never appears in any output, pushed metric, or file left in WORK_DIR", async () => {
            // Tuesday 3 December 2024: the daily tier only.
            const from = nowSeconds();
            const wrong = await runScript(DUMP_SH, [], dumpEnv({ DB_PASSWORD: WRONG_PASSWORD, BACKUP_DATE: "2024-12-03", PUSHGATEWAY_URL: `${push.url}/wrong` }), root);
            expect([wrong.code, stderrLines(wrong).length]).toEqual([1, 1]);
            expect(wrong.stderr).toMatch(new RegExp(`^dump\\.sh: dumping ${engine} database shop from ${SERVER_NAME}:${db.port} failed: .*(Access denied for user 'app'|password authentication failed for user "app")`));
            expect(wrong.leftovers).toEqual([]);
            expect(failurePushes(push.pushes.filter((p) => p.path.startsWith("/wrong/")), from, nowSeconds())).toEqual([
                `POST /wrong/metrics/job/launchpad-db-backup/database/shop/tier/daily\n${FAILURE_BODY.backup}`,
            ]);

            // Every run of dump.sh and verify.sh in this file so far (the tests' own setup passes the
            // password to the server on purpose, so only the scripts' runs are searched).
            const scriptRuns = transcript.filter((r) => r.command.startsWith("bash "));
            expect(scriptRuns.length).toBeGreaterThanOrEqual(12);
            const outputs = scriptRuns.map((r) => `${r.stdout}\n${r.stderr}`);
            const pushed = push.pushes.map((p) => `${p.path}\n${p.body}`);
            const workFiles = readdirSync(sunday.workDir).map((f) => readFileSync(join(sunday.workDir, f)).toString("latin1"));
            for (const secret of [DB_PASSWORD, WRONG_PASSWORD]) {
                expect(outputs.filter((o) => o.includes(secret))).toEqual([]);
                expect(pushed.filter((o) => o.includes(secret))).toEqual([]);
                expect(workFiles.filter((o) => o.includes(secret))).toEqual([]);
            }
        });
    }, SELECTED_DB_ENGINES.includes(engine));
}
