/**
 * The database connection contract verifies the server, checked against the real clients: a
 * PostgreSQL and a MariaDB server from Debian's packages, each speaking TLS only, with a
 * certificate for `localhost` from a throw-away CA (tests/support/db-tls.ts), as an RDS certificate
 * names the instance's endpoint. The client gets exactly the env the app container of a service
 * Deployment gets (`deploymentSpec`, its Secret keys resolved as the Database component writes
 * them), mapped to the client as docs/data-protection.md "The data layer" tells an app to:
 * - libpq: PGSSLMODE=$DATABASE_TLS_MODE, PGSSLROOTCERT=$DATABASE_CA_FILE (PostgreSQL docs, libpq
 *   "SSL Support", table "SSL Mode Descriptions": verify-full "I want my data encrypted, and I accept
 *   the overhead. I want to be sure that I connect to a server I trust, and that it's the one I specify");
 * - MySQL clients: --ssl-mode=$DATABASE_TLS_MODE --ssl-ca=$DATABASE_CA_FILE (MySQL Reference Manual,
 *   "Command Options for Encrypted Connections": VERIFY_IDENTITY); the MariaDB client here has no
 *   --ssl-mode and spells the same check --ssl-verify-server-cert (as scripts/db/dump.sh does).
 * Accepted with the CA that signed the server's certificate, refused with another CA or another host
 * name: what a man in the middle inside the VPC looks like. The one deviation from the pod: the
 * bundle is a file of this test, not DATABASE_CA_FILE, which the `db-ca` init container fills
 * (tests/db-ca-fetch.test.ts runs that fetch).
 *
 * Real servers, so the opt-in family of tests/db-scripts.test.ts and tests/db-driver-tls.test.ts:
 * the engines of `SELECTED_DB_ENGINES` (`npm run test:db`, CI=true, hence .ci/run), skipped loudly
 * otherwise; a missing program skips loudly locally and fails under CI=true. Each suite starts an
 * empty server and connects four times: about 2.5 s of a worker and 1.8 CPU-seconds, of a local
 * `npm test` that is to stay under a minute on 2 cores.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DATABASE_CA_FILE } from "../components/database";
import type { Engine, TestDatabase } from "./support/db-servers";
import { startTlsApp, type TestCa } from "./support/db-tls";
import { APT_PACKAGES, describeRealServer, findTools, isRoot, missingTools, run, SELECTED_DB_ENGINES, traversableTempDir, type DbTools } from "./support/db-tools";

const tools = findTools();
const SERVER_NAME = "localhost";
const PASSWORD = `Lp-"x#7$q\\ z'!`;

if (SELECTED_DB_ENGINES.length < 2) {
    const bar = "!".repeat(100);
    const skipped = ["mysql", "postgres"].filter((e) => !SELECTED_DB_ENGINES.includes(e));
    console.warn(`\n${bar}\n*** db-client-tls: SKIPPING the client suites for ${skipped.join(", ")} in tests/db-client-tls.test.ts (real servers).\n` +
        `Run them with: npm run test:db   (or LAUNCHPAD_DB_ENGINES=mysql,postgres; needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

interface Attempt {
    readonly code: number | null;
    /** What the server says of the session's TLS, when connected. */
    readonly stdout: string;
    readonly stderr: string;
}

/** Connects as an app following the contract would (see the file's comment), or with the client's defaults when `verify` is false. */
function connect(t: DbTools, env: Record<string, string>, home: string, verify = true): Promise<Attempt> {
    if (env.DATABASE_ENGINE === "postgres") {
        return run(join(t.pgBinDir as string, "psql"), ["--no-psqlrc", "--tuples-only", "--no-align", "--command", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"], {
            env: {
                PATH: "/usr/bin:/bin", HOME: home, PGCONNECT_TIMEOUT: "5",
                PGHOST: env.DATABASE_HOST, PGPORT: env.DATABASE_PORT, PGDATABASE: env.DATABASE_DATABASE, PGUSER: env.DATABASE_USERNAME, PGPASSWORD: env.DATABASE_PASSWORD,
                ...(verify ? { PGSSLMODE: env.DATABASE_TLS_MODE, PGSSLROOTCERT: env.DATABASE_CA_FILE } : {}),
            },
        });
    }
    // MariaDB's client: VERIFY_IDENTITY is --ssl-verify-server-cert (components/database.ts TLS_VERIFY_MODES).
    expect(env.DATABASE_TLS_MODE).toBe("VERIFY_IDENTITY");
    return run(t.mariadb as string, [
        "--no-defaults", "--protocol=TCP", "--connect-timeout=5", `--host=${env.DATABASE_HOST}`, `--port=${env.DATABASE_PORT}`,
        `--user=${env.DATABASE_USERNAME}`, `--database=${env.DATABASE_DATABASE}`,
        ...(verify ? [`--ssl-ca=${env.DATABASE_CA_FILE}`, "--ssl-verify-server-cert"] : []),
        "--batch", "--skip-column-names", "--execute", "SELECT VARIABLE_VALUE <> '' FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
    ], { env: { PATH: "/usr/bin:/bin", HOME: home, MYSQL_PWD: env.DATABASE_PASSWORD } });
}

const SPECS: readonly { engine: Engine; title: string; needed: (keyof DbTools)[]; tls: string; mode: string; refusal: { wrongCa: RegExp; wrongHost: RegExp } }[] = [
    {
        engine: "postgres",
        title: "PostgreSQL (libpq \"SSL Support\": sslmode verify-full, sslrootcert)",
        needed: ["pgBinDir", "openssl", ...(isRoot ? (["runuser"] as const) : [])],
        tls: "t",
        mode: "verify-full",
        refusal: {
            wrongCa: /^psql: error: connection to server at "localhost" \(127\.0\.0\.1\), port \d+ failed: SSL error: certificate verify failed\n$/,
            wrongHost: /^psql: error: connection to server at "127\.0\.0\.1", port \d+ failed: server certificate for "localhost" \(and 1 other name\) does not match host name "127\.0\.0\.1"\n$/,
        },
    },
    {
        engine: "mysql",
        title: "MariaDB (MySQL \"Command Options for Encrypted Connections\": VERIFY_IDENTITY; MariaDB --ssl-verify-server-cert)",
        needed: ["mariadbd", "mariadbInstallDb", "mariadb", "openssl"],
        tls: "1",
        mode: "VERIFY_IDENTITY",
        refusal: {
            wrongCa: /^ERROR 2026 \(HY000\): TLS\/SSL error: unable to get local issuer certificate\n$/,
            wrongHost: /^ERROR 2026 \(HY000\): TLS\/SSL error: Validation of SSL server certificate failed\n$/,
        },
    },
];

for (const spec of SPECS) {
    const suite = `${spec.title}: an app given the pod's DATABASE_* verifies the database's certificate`;
    const body = (): void => {
        let root = "";
        let home = "";
        let db: TestDatabase | undefined;
        let otherCa: TestCa;
        /** The pod's DATABASE_*, the Secret's keys those of the server started here, the bundle the CA's that signed its certificate. */
        let env: Record<string, string> = {};

        beforeAll(async () => {
            root = traversableTempDir(`launchpad-db-client-${spec.engine}-`);
            home = join(root, "home");
            mkdirSync(home);
            let pod: Readonly<Record<string, string>>;
            ({ db, otherCa, pod, env } = await startTlsApp(spec.engine, tools, root, PASSWORD, SERVER_NAME));
            // What the init container leaves at DATABASE_CA_FILE is, in env, a file of the test's own.
            expect([pod.DATABASE_TLS_MODE, pod.DATABASE_CA_FILE]).toEqual([spec.mode, DATABASE_CA_FILE]);
        }, 120_000);
        afterAll(async () => {
            await db?.stop();
            if (root !== "") rmSync(root, { recursive: true, force: true });
        }, 60_000);

        it("connects, over TLS, to the server its certificate names, chained to the bundle", async () => {
            const r = await connect(tools, env, home);
            expect([r.code, r.stdout.trim(), r.stderr]).toEqual([0, spec.tls, ""]);
        });

        it("refuses a server whose certificate chains to another CA than the bundle", async () => {
            const r = await connect(tools, { ...env, DATABASE_CA_FILE: otherCa.cert }, home);
            expect([r.code === 0, r.stdout]).toEqual([false, ""]);
            expect(r.stderr).toMatch(spec.refusal.wrongCa);
        });

        it(`refuses a server whose certificate names another host (${SERVER_NAME}, connected to 127.0.0.1)`, async () => {
            const r = await connect(tools, { ...env, DATABASE_HOST: "127.0.0.1" }, home);
            expect([r.code === 0, r.stdout]).toEqual([false, ""]);
            expect(r.stderr).toMatch(spec.refusal.wrongHost);
        });

        // Why the contract carries the mode: with the client's own defaults (libpq `prefer`; the MariaDB
        // 10.11 client's ssl-verify-server-cert FALSE) the same server connects over TLS, unverified,
        // under a name its certificate does not hold.
        it("without DATABASE_TLS_MODE and DATABASE_CA_FILE, the client's defaults encrypt but verify nothing: a server of any CA is accepted", async () => {
            const r = await connect(tools, { ...env, DATABASE_HOST: "127.0.0.1" }, home, false);
            expect([r.code, r.stdout.trim(), r.stderr]).toEqual([0, spec.tls, ""]);
        });
    };
    describeRealServer(suite, missingTools(tools, spec.needed), body, SELECTED_DB_ENGINES.includes(spec.engine));
}
