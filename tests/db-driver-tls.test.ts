/**
 * The drivers an application uses verify the database's certificate with the pod's DATABASE_*, set
 * as docs/data-protection.md "Drivers" says, against the real servers of tests/db-client-tls.test.ts
 * (TLS only, a certificate for `localhost` from a throw-away CA: tests/support/db-tls.ts): Node.js's
 * `pg` and `mysql2` (devDependencies, the versions package.json pins) in this process, and Debian's
 * python3-psycopg2 and python3-pymysql through tests/support/db-drivers.py. Each connects to the
 * server its certificate names, chained to the bundle, refuses another CA and another host name,
 * and, with the one mistake the table names, is shown to accept what it should have refused: the
 * mistake is silent, which is why the docs name it.
 *
 * Real servers, so the opt-in family of tests/db-scripts.test.ts: the engines of
 * `SELECTED_DB_ENGINES` (`npm run test:db`, CI=true), skipped loudly otherwise; a missing program or
 * Python module skips loudly locally and fails under CI=true.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_CA_FILE, TLS_VERIFY_MODES } from "../components/database";
import type { Engine, TestDatabase } from "./support/db-servers";
import { startTlsApp, type TestCa } from "./support/db-tls";
import {
    APT_PACKAGES, describeRealServer, describeWithTools, findTools, isRoot, missingTools, run, SELECTED_DB_ENGINES, traversableTempDir, type DbTools,
} from "./support/db-tools";

const tools = findTools();
const SERVER_NAME = "localhost";
const PASSWORD = `Lp-"x#7$q\\ z'!`;
/** Debian's python3, where apt puts python3-psycopg2 and python3-pymysql (a pyenv python3 first on PATH would not see them). */
const PYTHON = "/usr/bin/python3";
const PY_DRIVERS = join(__dirname, "support", "db-drivers.py");

if (SELECTED_DB_ENGINES.length < 2) {
    const bar = "!".repeat(100);
    const skipped = ["mysql", "postgres"].filter((e) => !SELECTED_DB_ENGINES.includes(e));
    console.warn(`\n${bar}\n*** db-driver-tls: SKIPPING the driver suites for ${skipped.join(", ")} in tests/db-driver-tls.test.ts (real servers).\n` +
        `Run them with: npm run test:db   (or LAUNCHPAD_DB_ENGINES=mysql,postgres; needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

/** What a driver did: connected, and the server says the session is encrypted; or the error it refused with. */
type Outcome = { readonly tls: true } | { readonly refused: string };

/** The pod's DATABASE_*, each value a string as the container sees it. */
type PodEnv = Readonly<Record<string, string>>;

/**
 * Connects from the pod's env; `home` is the process's HOME (libpq would find ~/.postgresql/root.crt
 * there: there is none); `dial`, when given, is the address the TCP connection goes to while the
 * driver is given DATABASE_HOST, as a spoofed DNS answer would send it (only mysql2 takes it).
 */
type Connect = (env: PodEnv, home: string, dial?: string) => Promise<Outcome>;

/** A way to connect, from the pod's env: what the docs say to set, or the one mistake they name. */
interface Driver {
    readonly name: string;
    /** The start of its row in docs/data-protection.md's "Drivers" table. */
    readonly row: string;
    /** The settings, each a code span of that row. */
    readonly documented: readonly string[];
    readonly connect: Connect;
    /** The mistake, its `title` a code span of the row, `note` what the test name adds. */
    readonly mistake: { readonly title: string; readonly note?: string; readonly connect: Connect };
    readonly refusal: { readonly wrongCa: RegExp; readonly wrongHost: RegExp };
    /**
     * How a server under another name is reached: at the address 127.0.0.1 (the certificate names
     * `localhost`), or, for a driver that checks an address against `localhost` instead (mysql2,
     * below), under the name OTHER_NAME dialled at 127.0.0.1.
     * @default "address"
     */
    readonly otherHost?: "address" | "name";
    /** Debian packages it needs beyond the server's (the Python modules). */
    readonly module?: string;
}

/** A host name no certificate here holds (RFC 2606: `.invalid` never resolves). */
const OTHER_NAME = "db.launchpad.invalid";

const PG_SSL = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
const MYSQL_SSL = "SELECT VARIABLE_VALUE <> '' AS tls FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'";

/** node-postgres: connects with `config`, asks the server whether the session is TLS, always ends the client. */
async function pgConnect(config: pg.ClientConfig): Promise<Outcome> {
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 });
    try {
        await client.connect();
        const r = await client.query<{ ssl: boolean }>(PG_SSL);
        return r.rows[0]?.ssl === true ? { tls: true } : { refused: `not TLS: ${JSON.stringify(r.rows)}` };
    } catch (e) {
        return { refused: (e as Error).message };
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** The host, port, database and credentials of the pod's env as node-postgres' config. */
function pgBase(env: PodEnv): pg.ClientConfig {
    return { host: env.DATABASE_HOST, port: Number(env.DATABASE_PORT), database: env.DATABASE_DATABASE, user: env.DATABASE_USERNAME, password: env.DATABASE_PASSWORD };
}

/** The pod's env as a node-postgres connection string with `query` (pg-connection-string decodes the credentials). */
function pgUrl(env: PodEnv, query: string): string {
    const auth = `${encodeURIComponent(env.DATABASE_USERNAME)}:${encodeURIComponent(env.DATABASE_PASSWORD)}`;
    return `postgres://${auth}@${env.DATABASE_HOST}:${env.DATABASE_PORT}/${encodeURIComponent(env.DATABASE_DATABASE)}?${query}`;
}

/**
 * mysql2: connects with `ssl`, asks the server whether the session is TLS, always ends the
 * connection. With `dial`, the TCP connection goes there (mysql2's `stream` option) while `host`
 * stays DATABASE_HOST, the name mysql2 verifies.
 */
async function mysql2Connect(env: PodEnv, ssl: mysql.SslOptions, dial?: string): Promise<Outcome> {
    let conn: mysql.Connection | undefined;
    try {
        conn = await mysql.createConnection({
            host: env.DATABASE_HOST, port: Number(env.DATABASE_PORT), database: env.DATABASE_DATABASE, user: env.DATABASE_USERNAME,
            password: env.DATABASE_PASSWORD, connectTimeout: 5_000, ssl,
            ...(dial === undefined ? {} : { stream: createConnection(Number(env.DATABASE_PORT), dial) }),
        });
        const [rows] = await conn.query<mysql.RowDataPacket[]>(MYSQL_SSL);
        return rows[0]?.tls === 1 ? { tls: true } : { refused: `not TLS: ${JSON.stringify(rows)}` };
    } catch (e) {
        return { refused: (e as Error).message };
    } finally {
        await conn?.end().catch(() => undefined);
    }
}

/** tests/support/db-drivers.py with Debian's python3: `documented` or `mistake`, the pod's env its only input. */
async function python(driver: string, how: "documented" | "mistake", env: PodEnv, home: string): Promise<Outcome> {
    const r = await run(PYTHON, [PY_DRIVERS, driver, how], { env: { PATH: "/usr/bin:/bin", HOME: home, ...env } });
    if (r.code === 0) {
        // psycopg2 prints the boolean, PyMySQL MariaDB's 1.
        return ["True", "1"].includes(r.stdout.trim()) && r.stderr === "" ? { tls: true } : { refused: `exit 0: ${r.stdout}${r.stderr}` };
    }
    return { refused: r.stderr.trim() };
}

/** The Python modules of Debian's python3 that do not import. */
function missingModules(modules: readonly string[]): string[] {
    return modules.filter((m) => spawnSync(PYTHON, ["-c", `import ${m}`], { stdio: "ignore" }).status !== 0).map((m) => `python3-${m} (${PYTHON})`);
}

const DRIVERS: Record<Engine, readonly Driver[]> = {
    postgres: [
        {
            name: "node-postgres `pg`, the config object",
            row: "| node-postgres `pg` ",
            documented: ["ssl: { ca: readFileSync(DATABASE_CA_FILE) }"],
            connect: (env) => pgConnect({ ...pgBase(env), ssl: { ca: readFileSync(env.DATABASE_CA_FILE, "utf8") } }),
            mistake: {
                title: "rejectUnauthorized: false",
                connect: (env) => pgConnect({ ...pgBase(env), ssl: { ca: readFileSync(env.DATABASE_CA_FILE, "utf8"), rejectUnauthorized: false } }),
            },
            refusal: {
                // Node.js tls: the server sends its leaf only, whose issuer is not in `ca`.
                wrongCa: /^unable to verify the first certificate$/,
                wrongHost: /^Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list: $/,
            },
        },
        {
            name: "node-postgres `pg`, a connection string",
            row: "| `pg`, connection string ",
            documented: ["?sslmode=verify-full&sslrootcert=<DATABASE_CA_FILE>"],
            connect: (env) => pgConnect({ connectionString: pgUrl(env, `sslmode=${env.DATABASE_TLS_MODE}&sslrootcert=${encodeURIComponent(env.DATABASE_CA_FILE)}`) }),
            mistake: {
                // pg 8 still reads `require` as verify-full, with a warning that pg 9 gives it libpq's
                // meaning; `uselibpqcompat=true` gives that meaning now (pg-connection-string README).
                title: "sslmode=require",
                note: "with libpq's meaning (uselibpqcompat=true now, the default from pg 9)",
                connect: (env) => pgConnect({ connectionString: pgUrl(env, "uselibpqcompat=true&sslmode=require") }),
            },
            refusal: {
                wrongCa: /^unable to verify the first certificate$/,
                wrongHost: /^Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list: $/,
            },
        },
        {
            name: "psycopg2 (libpq)",
            row: "| psycopg2, psycopg 3 ",
            documented: ["sslmode=verify-full", "sslrootcert=<DATABASE_CA_FILE>"],
            connect: (env, home) => python("psycopg2", "documented", env, home),
            mistake: { title: "sslmode=require", connect: (env, home) => python("psycopg2", "mistake", env, home) },
            refusal: {
                wrongCa: /^connection to server at "localhost" \(127\.0\.0\.1\), port \d+ failed: SSL error: certificate verify failed$/,
                wrongHost: /^connection to server at "127\.0\.0\.1", port \d+ failed: server certificate for "localhost" \(and 1 other name\) does not match host name "127\.0\.0\.1"$/,
            },
            module: "psycopg2",
        },
    ],
    mysql: [
        {
            name: "mysql2",
            row: "| `mysql2` ",
            documented: ["ssl: { ca: readFileSync(DATABASE_CA_FILE), verifyIdentity: true }"],
            connect: (env, _home, dial) => mysql2Connect(env, { ca: readFileSync(env.DATABASE_CA_FILE, "utf8"), verifyIdentity: true }, dial),
            mistake: {
                title: "ssl: { ca }",
                note: "without verifyIdentity (its default is false)",
                connect: (env, _home, dial) => mysql2Connect(env, { ca: readFileSync(env.DATABASE_CA_FILE, "utf8") }, dial),
            },
            refusal: {
                wrongCa: /^unable to verify the first certificate$/,
                wrongHost: /^Hostname\/IP does not match certificate's altnames: Host: db\.launchpad\.invalid\. is not in the cert's altnames: DNS:localhost$/,
            },
            otherHost: "name",
        },
        {
            name: "PyMySQL",
            row: "| PyMySQL ",
            documented: ["ssl_ca=<DATABASE_CA_FILE>, ssl_verify_cert=True, ssl_verify_identity=True"],
            connect: (env, home) => python("pymysql", "documented", env, home),
            mistake: { title: "ssl_ca=", note: "alone", connect: (env, home) => python("pymysql", "mistake", env, home) },
            refusal: {
                wrongCa: /^\(2003, "Can't connect to MySQL server on 'localhost' \(\[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: unable to get local issuer certificate/,
                wrongHost: /^\(2003, "Can't connect to MySQL server on '127\.0\.0\.1' \(\[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: IP address mismatch/,
            },
            module: "pymysql",
        },
    ],
};

const SERVER_TOOLS: Record<Engine, (keyof DbTools)[]> = {
    postgres: ["pgBinDir", "openssl", ...(isRoot ? (["runuser"] as const) : [])],
    mysql: ["mariadbd", "mariadbInstallDb", "mariadb", "openssl"],
};

for (const engine of ["postgres", "mysql"] as const) {
    describeRealServer(`${engine}: drivers given the pod's DATABASE_* as the docs say verify the database's certificate`, missingTools(tools, SERVER_TOOLS[engine]), () => {
        let root = "";
        let db: TestDatabase | undefined;
        let otherCa: TestCa;
        /** The app container's DATABASE_*, the Secret's keys those of the server started here. */
        let pod: PodEnv = {};
        /** `pod`, its bundle a file of the test's own: the certificate of the CA that signed the server's. */
        let env: PodEnv = {};
        const home = (): string => join(root, "home");

        beforeAll(async () => {
            root = traversableTempDir(`launchpad-db-driver-${engine}-`);
            mkdirSync(home());
            ({ db, otherCa, pod, env } = await startTlsApp(engine, tools, root, PASSWORD, SERVER_NAME));
        }, 120_000);
        afterAll(async () => {
            await db?.stop();
            if (root !== "") rmSync(root, { recursive: true, force: true });
        }, 60_000);

        it("the drivers get the pod's own verifying half of the contract: the engine's mode and the bundle's path", () => {
            expect([pod.DATABASE_TLS_MODE, pod.DATABASE_CA_FILE]).toEqual([TLS_VERIFY_MODES[engine], DATABASE_CA_FILE]);
        });

        for (const driver of DRIVERS[engine]) {
            const suite = (): void => {
                it(`${driver.name}, ${driver.documented.join(", ")}: connects, over TLS, to the server its certificate names, chained to the bundle`, async () => {
                    expect(await driver.connect(env, home())).toEqual({ tls: true });
                });

                it(`${driver.name}: refuses a server whose certificate chains to another CA than the bundle`, async () => {
                    expect(await driver.connect({ ...env, DATABASE_CA_FILE: otherCa.cert }, home())).toEqual({ refused: expect.stringMatching(driver.refusal.wrongCa) as unknown });
                });

                const [otherHost, dial] = driver.otherHost === "name" ? [OTHER_NAME, "127.0.0.1"] : ["127.0.0.1", undefined];
                it(`${driver.name}: refuses a server whose certificate names another host (${SERVER_NAME}, connected to ${otherHost})`, async () => {
                    expect(await driver.connect({ ...env, DATABASE_HOST: otherHost }, home(), dial)).toEqual({ refused: expect.stringMatching(driver.refusal.wrongHost) as unknown });
                });

                it(`${driver.name}, the silent mistake, ${driver.mistake.title}${driver.mistake.note === undefined ? "" : ` ${driver.mistake.note}`}: connects, over TLS, to a server the documented settings refuse`, async () => {
                    expect(await driver.mistake.connect({ ...env, DATABASE_HOST: otherHost }, home(), dial)).toEqual({ tls: true });
                });
            };
            if (driver.module === undefined) {
                suite();
            } else {
                describeWithTools(`${driver.name} (Debian's python3-${driver.module})`, missingModules([driver.module]), suite);
            }
        }

        if (engine === "postgres") {
            // The pg row's "Also": libpq's variables alone do not carry over. pg reads PGSSLMODE (any
            // verifying mode is `ssl: true`) but never PGSSLROOTCERT (lib/connection-parameters.js
            // readSSLConfigFromEnvironment), so it checks against Node.js's own CAs and refuses even the
            // right server: it fails closed. The worker's env is set only while the client is built
            // (pgConnect's body runs up to its first await before it returns).
            it("pg given only libpq's PGSSLMODE and PGSSLROOTCERT refuses even the right server: it never reads the root certificate", async () => {
                const saved = { PGSSLMODE: process.env.PGSSLMODE, PGSSLROOTCERT: process.env.PGSSLROOTCERT };
                process.env.PGSSLMODE = env.DATABASE_TLS_MODE;
                process.env.PGSSLROOTCERT = env.DATABASE_CA_FILE;
                let outcome: Promise<Outcome>;
                try {
                    outcome = pgConnect(pgBase(env));
                } finally {
                    for (const [k, v] of Object.entries(saved)) {
                        if (v === undefined) delete process.env[k];
                        else process.env[k] = v;
                    }
                }
                expect(await outcome).toEqual({ refused: "unable to verify the first certificate" });
            });
        }

        if (engine === "mysql") {
            // Why the mysql2 row says DATABASE_HOST must stay the endpoint's name: for an address, mysql2
            // sets no `servername` (lib/base/connection.js startTLS) and hands tls.connect a socket, so
            // Node.js checks the certificate against its last fallback, "localhost" (lib/_tls_wrap.js
            // onConnectSecure), never against the address. A certificate for localhost passes at 127.0.0.1.
            it("mysql2 with verifyIdentity, given an IP address, checks the certificate against `localhost`, not the address", async () => {
                expect(await mysql2Connect({ ...env, DATABASE_HOST: "127.0.0.1" }, { ca: readFileSync(env.DATABASE_CA_FILE, "utf8"), verifyIdentity: true })).toEqual({ tls: true });
            });
        }
    }, SELECTED_DB_ENGINES.includes(engine));
}

describe("docs/data-protection.md \"Drivers\" gives the settings and the mistake these tests run", () => {
    const rows = readFileSync(join(__dirname, "..", "docs", "data-protection.md"), "utf8").split("\n").map((l) => l.trim());
    it.each(Object.values(DRIVERS).flat().map((d) => [d.name, d] as const))("%s", (_name, driver) => {
        const row = rows.filter((l) => l.startsWith(driver.row));
        expect(row).toHaveLength(1);
        const spans = [...row[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        expect(spans).toEqual(expect.arrayContaining([...driver.documented, driver.mistake.title]));
    });
});
