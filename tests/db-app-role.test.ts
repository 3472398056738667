/**
 * scripts/db/app-role.sh, the grants Job's script (components/database-grants.ts), against real
 * servers that speak TLS only, as RDS does under Launchpad's parameter group, run as a master user
 * holding RDS's master privileges and no more (tests/support/db-servers.ts `rdsMaster`): the
 * application's user it makes can read and write the rows of every table in the database, those the
 * master creates afterwards included (PostgreSQL: the default privileges), and nothing else: no
 * CREATE, ALTER or DROP of a table, no user or role. Run twice it changes nothing; run with a new
 * password, the new one works and the old one is refused. On PostgreSQL the password never reaches the
 * server in clear: the script gets only its SCRAM-SHA-256 verifier (lib/scram.ts), which must be
 * byte for byte what the server itself stores for that password and salt, and which the server must
 * store as it is, accept the password against, and never see the password beside.
 *
 * Real servers, so the opt-in family of tests/db-scripts.test.ts: the engines of
 * `SELECTED_DB_ENGINES` (`npm run test:db`, CI=true), skipped loudly otherwise.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scramSalt, scramSha256Verifier } from "../lib/scram";
import type { Engine, TestDatabase } from "./support/db-servers";
import { holdLock, stallProxy, until } from "./support/db-stall";
import { startTlsServer, type TlsServer } from "./support/db-tls";
import {
    APT_PACKAGES, describeRealServer, findTools, isRoot, missingTools, NPM_POSTGRES_MAJORS, run, SELECTED_DB_ENGINES, traversableTempDir, type DbTools, type RunResult,
} from "./support/db-tools";

const tools = findTools();
const SCRIPT = join(__dirname, "..", "scripts", "db", "app-role.sh");
const SERVER_NAME = "localhost";
const MASTER = "launchpad_admin";
const APP = "launchpad_app";
// RDS-safe characters (components/database.ts PASSWORD_SPECIAL_CHARS), plus what a hand-set one may hold.
const MASTER_PASSWORD = "Mx7#$%&*()-_=+[]{}<>:?.,^~q";
const APP_PASSWORD = `Ap9!#$%&*()_=+[]{}<>:?.,^~z`;
const NEW_APP_PASSWORD = `Np4'x"y\\z$(id)\`w`;
/** An underscore, which an unescaped GRANT would read as a wildcard (MySQL manual, grant.html). */
const DATABASE = "shop_data";
/** The application password's verifier, as components/database.ts `appPasswordVerifier` makes it. */
const verifierOf = (password: string): string => scramSha256Verifier(password, scramSalt("launchpad-test-db", APP));
/** What the grants Job passes the script for `password` (components/database-grants.ts): PostgreSQL its verifier only, MySQL the password. */
const credentials = (engine: Engine, password: string): Record<string, string> =>
    engine === "postgres" ? { APP_PASSWORD_VERIFIER: verifierOf(password) } : { APP_PASSWORD: password };

if (SELECTED_DB_ENGINES.length < 2) {
    const bar = "!".repeat(100);
    const skipped = ["mysql", "postgres"].filter((e) => !SELECTED_DB_ENGINES.includes(e));
    console.warn(`\n${bar}\n*** db-app-role: SKIPPING the application user suites for ${skipped.join(", ")} in tests/db-app-role.test.ts (real servers).\n` +
        `Run them with: npm run test:db   (or LAUNCHPAD_DB_ENGINES=mysql,postgres; needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

const SERVER_TOOLS: Record<Engine, (keyof DbTools)[]> = {
    postgres: ["pgBinDir", "openssl", ...(isRoot ? (["runuser"] as const) : [])],
    mysql: ["mariadbd", "mariadbInstallDb", "mariadb", "openssl"],
};

/** A TLS session as `user`, verifying the server against `ca` and the name `localhost`, as the pods do. */
interface Session {
    /** Runs `sql`; "ok", or the server's refusal. */
    attempt(sql: string): Promise<string>;
    rows(sql: string): Promise<Record<string, unknown>[]>;
    end(): Promise<void>;
}

async function connect(db: TestDatabase, ca: string, user: string, password: string, database = db.database): Promise<Session> {
    const bundle = readFileSync(ca);
    if (db.engine === "postgres") {
        const client = new pg.Client({ host: SERVER_NAME, port: db.port, database, user, password, ssl: { ca: bundle }, connectionTimeoutMillis: 5_000 });
        await client.connect();
        return {
            attempt: (sql) => client.query(sql).then(() => "ok", (e: Error) => e.message),
            rows: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows,
            end: () => client.end(),
        };
    }
    const conn = await mysql.createConnection({ host: SERVER_NAME, port: db.port, database, user, password, ssl: { ca: bundle }, connectTimeout: 5_000 });
    return {
        attempt: (sql) => conn.query(sql).then(() => "ok", (e: Error) => e.message),
        rows: async (sql) => (await conn.query<mysql.RowDataPacket[]>(sql))[0],
        end: () => conn.end(),
    };
}

/** Each of `statements` in turn (one session runs one query at a time): "ok" or the refusal. */
async function attempts(s: Session, statements: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const q of statements) out.push(await s.attempt(q));
    return out;
}

/** Connects as `user` and runs `body`, always closing the session. */
async function as<T>(db: TestDatabase, ca: string, user: string, password: string, body: (s: Session) => Promise<T>): Promise<T> {
    const s = await connect(db, ca, user, password);
    try {
        return await body(s);
    } finally {
        await s.end();
    }
}

/** Whether `user` can log in with `password`: "ok", or the refusal. */
async function login(db: TestDatabase, ca: string, user: string, password: string): Promise<string> {
    try {
        await as(db, ca, user, password, (s) => s.rows("SELECT 1 AS one"));
        return "ok";
    } catch (e) {
        return (e as Error).message;
    }
}

/** A row inserted, counted, updated and deleted in `table`. */
function dml(table: string): string[] {
    const insert = table === "orders" ? "INSERT INTO orders (customer_id, total) VALUES (2, 3.50)" : `INSERT INTO ${table} (v) VALUES (7)`;
    const column = table === "orders" ? "total" : "v";
    return [
        insert,
        `SELECT count(*) AS n FROM ${table}`,
        `UPDATE ${table} SET ${column} = ${column} + 1`,
        `DELETE FROM ${table} WHERE ${column} > 1000`,
    ];
}

/** scripts/db/app-role.sh as the grants Job runs it against `db` (TLS to `ca`), `home` its HOME and TMPDIR; `env` overrides. */
function appRole(db: TestDatabase, ca: string, home: string, env: Record<string, string>): Promise<RunResult> {
    const PATH = [tools.pgBinDir, "/usr/bin", "/bin", "/usr/sbin"].filter((d) => d !== undefined).join(":");
    return run("bash", [SCRIPT], {
        env: {
            PATH, HOME: home, TMPDIR: home, DB_ENGINE: db.engine, DB_HOST: SERVER_NAME, DB_PORT: String(db.port), DB_NAME: DATABASE,
            DB_USER: MASTER, DB_PASSWORD: MASTER_PASSWORD, APP_USER: APP, ...credentials(db.engine, APP_PASSWORD), DB_SSL_CA: ca, ...env,
        },
    });
}

interface Target {
    readonly engine: Engine;
    /** PostgreSQL's major; undefined for MariaDB. */
    readonly major?: number;
    /** The server programs, when not Debian's (tests/support/db-servers.ts `postgresServerBinDir`). */
    readonly serverBinDir?: string;
    readonly needs: readonly (keyof DbTools)[];
}

/** Debian's PostgreSQL major, from its directory (/usr/lib/postgresql/<major>/bin). */
const DEBIAN_PG_MAJOR = Number(/\/(\d+)\/bin$/.exec(tools.pgBinDir ?? "")?.[1] ?? "15");

/**
 * The same suite on Debian's PostgreSQL (15), on 16 and 17 (npm's builds: RDS's default is 17, and
 * 16 changed CREATEROLE), and on MariaDB.
 */
const TARGETS: readonly Target[] = [
    { engine: "postgres", major: DEBIAN_PG_MAJOR, needs: SERVER_TOOLS.postgres },
    ...NPM_POSTGRES_MAJORS.map((major): Target => {
        const key = `pg${major}ServerBinDir` as const;
        return { engine: "postgres", major, serverBinDir: tools[key], needs: [...SERVER_TOOLS.postgres, key] };
    }),
    { engine: "mysql", needs: SERVER_TOOLS.mysql },
];

for (const { engine, major, serverBinDir, needs } of TARGETS) {
    const label = major === undefined ? engine : `${engine} ${major}`;
    describeRealServer(`${label}: scripts/db/app-role.sh makes the application's user, with data access only`, missingTools(tools, needs), () => {
        let root = "";
        let db: TestDatabase | undefined;
        let ca = "";
        const server = (): TestDatabase => {
            if (db === undefined) throw new Error("the server did not start");
            return db;
        };
        const script = (env: Record<string, string>): Promise<RunResult> => appRole(server(), ca, root, env);
        const master = <T>(body: (s: Session) => Promise<T>): Promise<T> => as(server(), ca, MASTER, MASTER_PASSWORD, body);
        const app = <T>(body: (s: Session) => Promise<T>, password = APP_PASSWORD): Promise<T> => as(server(), ca, APP, password, body);
        /** The app's privileges as the server records them (PostgreSQL: tables, sequences, default ACLs; MySQL: SHOW GRANTS). */
        const privileges = (): Promise<unknown> => master((s) => engine === "postgres"
            ? (async () => [
                await s.rows(`SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = '${APP}' ORDER BY 1, 2`),
                await s.rows(`SELECT c.relname, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a WHERE c.relkind = 'S' AND a.grantee = '${APP}'::regrole ORDER BY 1, 2`),
                await s.rows(`SELECT d.defaclobjtype AS kind, a.privilege_type FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE a.grantee = '${APP}'::regrole ORDER BY 1, 2`),
                await s.rows(`SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = '${APP}'`),
            ])()
            : s.rows(`SHOW GRANTS FOR '${APP}'@'%'`).then((rows) => rows.map((r) => Object.values(r)[0] as string).filter((g) => !g.startsWith("GRANT USAGE ON *.*"))));

        beforeAll(async () => {
            root = traversableTempDir(`launchpad-db-app-role-${engine}${major ?? ""}-`);
            const started = await startTlsServer(engine, tools, root, { database: DATABASE, user: MASTER, password: MASTER_PASSWORD, rdsMaster: true, postgresServerBinDir: serverBinDir }, SERVER_NAME);
            db = started.db;
            ca = started.serverCa.cert;
        }, 120_000);
        afterAll(async () => {
            await db?.stop();
            if (root !== "") rmSync(root, { recursive: true, force: true });
        }, 60_000);

        if (major !== undefined) {
            it(`the server is PostgreSQL ${major}`, async () => {
                const [row] = await master((s) => s.rows("SELECT current_setting('server_version_num')::int / 10000 AS major"));
                expect(row).toEqual({ major });
            });
        }

        it("refuses to run as the master user (exit 2), before connecting", async () => {
            const r = await script({ APP_USER: MASTER.toUpperCase() });
            expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `app-role.sh: APP_USER '${MASTER.toUpperCase()}' is the master user: the application must connect as a user of its own\n` });
            // Its exit trap removes its error log, which is /dev/null until one is opened: never that.
            expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
        });

        it("with a wrong master password: exit 1, one line, neither password in it", async () => {
            const r = await script({ DB_PASSWORD: "not-the-password" });
            expect(r.code).toBe(1);
            expect(r.stderr.trim().split("\n")).toHaveLength(1);
            expect(r.stderr).toMatch(/^app-role\.sh: setting up .* user launchpad_app on localhost:\d+\/shop_data as launchpad_admin failed: .*(authentication failed|Access denied)/);
            expect(r.stderr).not.toContain(APP_PASSWORD);
            expect(r.stderr).not.toContain(verifierOf(APP_PASSWORD));
        });

        it("creates the user: it logs in and reads, inserts, updates and deletes rows of a table the master made before", async () => {
            const r = await script({});
            expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
                code: 0, stderr: "", stdout: `app-role.sh: ${engine} user ${APP} has its password and data access (SELECT, INSERT, UPDATE, DELETE) to ${DATABASE}, nothing more\n`,
            });
            // orders: PostgreSQL's id is a serial, so the insert also needs its sequence.
            expect(await app((s) => attempts(s, dml("orders")))).toEqual(["ok", "ok", "ok", "ok"]);
        });

        it("the user can do the same on a table the master creates after the grants ran (a later migration)", async () => {
            const ddl = engine === "postgres" ? "CREATE TABLE later (id serial PRIMARY KEY, v integer NOT NULL)" : "CREATE TABLE later (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)";
            expect(await master((s) => s.attempt(ddl))).toBe("ok");
            expect(await app((s) => attempts(s, dml("later")))).toEqual(["ok", "ok", "ok", "ok"]);
        });

        it("the user cannot create, alter or drop a table, nor create a user or role, nor read the user table", async () => {
            const statements = engine === "postgres"
                ? ["CREATE TABLE mine (id integer)", "ALTER TABLE orders ADD COLUMN note text", "DROP TABLE refunds", "TRUNCATE refunds", "CREATE ROLE intruder LOGIN", "CREATE SCHEMA mine", "SELECT rolpassword FROM pg_authid"]
                : ["CREATE TABLE mine (id INT)", "ALTER TABLE orders ADD COLUMN note TEXT", "DROP TABLE refunds", "TRUNCATE refunds", "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'", "CREATE DATABASE mine", "SELECT authentication_string FROM mysql.user"];
            const outcomes = await app((s) => attempts(s, statements));
            const refusal = engine === "postgres" ? /permission denied|must be owner/ : /denied/;
            expect(outcomes.map((o, i) => [statements[i], refusal.test(o)])).toEqual(statements.map((q) => [q, true]));
            // The master still can: the schema stays the migrations'.
            expect(await master((s) => s.attempt("ALTER TABLE refunds ADD COLUMN note TEXT"))).toBe("ok");
        });

        it("runs again changing nothing: the same privileges, the user still in", async () => {
            const before = await privileges();
            const r = await script({});
            expect(r.code).toBe(0);
            expect(await privileges()).toEqual(before);
            expect(await login(server(), ca, APP, APP_PASSWORD)).toBe("ok");
            const expected = engine === "postgres"
                ? [
                    ["customers", "later", "order_totals", "orders", "refunds"].flatMap((t) => ["DELETE", "INSERT", "SELECT", "UPDATE"].map((p) => ({ table_name: t, privilege_type: p }))),
                    [["later_id_seq", "SELECT"], ["later_id_seq", "USAGE"], ["orders_id_seq", "SELECT"], ["orders_id_seq", "USAGE"]].map(([relname, privilege_type]) => ({ relname, privilege_type })),
                    [["S", "SELECT"], ["S", "USAGE"], ["r", "DELETE"], ["r", "INSERT"], ["r", "SELECT"], ["r", "UPDATE"]].map(([kind, privilege_type]) => ({ kind, privilege_type })),
                    [{ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true }],
                ]
                : [`GRANT SELECT, INSERT, UPDATE, DELETE ON \`shop\\_data\`.* TO \`${APP}\`@\`%\``];
            expect(before).toEqual(expected);
        });

        it("a new password takes effect, and the old one no longer works (a restore brings back the old)", async () => {
            const r = await script(credentials(engine, NEW_APP_PASSWORD));
            expect(r.code).toBe(0);
            expect(await login(server(), ca, APP, NEW_APP_PASSWORD)).toBe("ok");
            expect(await login(server(), ca, APP, APP_PASSWORD)).toMatch(/password authentication failed|Access denied/);
            expect(await app((s) => s.attempt("SELECT count(*) FROM orders"), NEW_APP_PASSWORD)).toBe("ok");
        });

        it("never puts a password on a command line or in its output", async () => {
            const r = await script({});
            const seen = [r.command, r.stdout, r.stderr].join("\n");
            expect([MASTER_PASSWORD, APP_PASSWORD, NEW_APP_PASSWORD, verifierOf(APP_PASSWORD)].filter((p) => seen.includes(p))).toEqual([]);
        });

        if (engine === "postgres") {
            it("closes a schema public that still lets PUBLIC create (PostgreSQL 14 and older, and upgrades of them)", async () => {
                expect(await master((s) => s.attempt("GRANT CREATE ON SCHEMA public TO PUBLIC"))).toBe("ok");
                expect(await app((s) => s.attempt("CREATE TABLE sneaky (id integer)"))).toBe("ok");
                expect(await master((s) => s.attempt("DROP TABLE sneaky"))).toBe("ok");
                expect((await script({})).code).toBe(0);
                expect(await app((s) => s.attempt("CREATE TABLE sneaky (id integer)"))).toMatch(/permission denied for schema public/);
                expect(await master((s) => s.rows("SELECT has_schema_privilege('public', 'public', 'CREATE') AS public_create"))).toEqual([{ public_create: false }]);
            });

            // The server's own superuser, over the Unix socket startPostgres (tests/support/db-servers.ts) gives it.
            const superuser = async <T>(body: (c: pg.Client) => Promise<T>): Promise<T> => {
                const c = new pg.Client({ host: join(root, "server", "pg"), port: server().port, user: "postgres", database: DATABASE });
                await c.connect();
                try {
                    return await body(c);
                } finally {
                    await c.end();
                }
            };
            const rolpassword = (role: string): Promise<string> => superuser(async (c) =>
                (await c.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])).rows[0].rolpassword);
            const serverLog = (): string => readFileSync(join(root, "server", "pg", "server.log"), "utf8");

            it("known answer: scramSha256Verifier gives, byte for byte, what PostgreSQL stores for a password set in clear (its own salt and count)", async () => {
                const passwords = [APP_PASSWORD, NEW_APP_PASSWORD, "Zz0!#$%&*()-_=+[]{}<>:?.,^~aaaaaa"];
                const stored: string[] = [];
                for (const p of passwords) {
                    await superuser((c) => c.query(`CREATE ROLE scram_probe LOGIN PASSWORD '${p.replace(/'/g, "''")}'`));
                    stored.push(await rolpassword("scram_probe"));
                    await superuser((c) => c.query("DROP ROLE scram_probe"));
                }
                const rebuilt = stored.map((s, i) => {
                    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(s);
                    if (m === null) throw new Error(`the server stored no SCRAM verifier: ${s.slice(0, 14)}...`);
                    return scramSha256Verifier(passwords[i], Buffer.from(m[2], "base64"), Number(m[1]));
                });
                expect(rebuilt).toEqual(stored);
                // The server's salts are its own random 16 bytes, not ours: the match is no coincidence of inputs.
                expect(new Set(stored.map((s) => s.split("$")[1])).size).toBe(3);
            });

            it("the role is set through the verifier: the server stores it as it is, and takes the password, over TLS, and no other", async () => {
                expect((await script({})).code).toBe(0);
                expect(await rolpassword(APP)).toBe(verifierOf(APP_PASSWORD));
                expect(await login(server(), ca, APP, APP_PASSWORD)).toBe("ok");
                expect(await login(server(), ca, APP, NEW_APP_PASSWORD)).toMatch(/password authentication failed for user "launchpad_app"/);
                expect(await login(server(), ca, APP, verifierOf(APP_PASSWORD))).toMatch(/password authentication failed for user "launchpad_app"/);
            });

            it("the statements the server sees (log_statement = all) carry the verifier, never the password; a password set in clear would show", async () => {
                const fresh = "Fr3sh!#$%&*()-_=+[]{}<>:?.,^~pw";
                const inClear = "Cl34r!#$%&*()-_=+[]{}<>:?.,^~pw";
                // Per role, read at session start: the script's next session logs every statement it sends.
                await superuser((c) => c.query(`ALTER ROLE ${MASTER} SET log_statement = 'all'`));
                try {
                    expect((await script(credentials(engine, fresh))).code).toBe(0);
                    // The way the script no longer goes, so the log is shown to catch a password in clear.
                    await superuser((c) => c.query("SET log_statement = 'all'").then(() => c.query(`CREATE ROLE scram_clear PASSWORD '${inClear}'`)).then(() => c.query("DROP ROLE scram_clear")));
                } finally {
                    await superuser((c) => c.query(`ALTER ROLE ${MASTER} RESET log_statement`));
                }
                const log = serverLog();
                expect(log).toContain(`ALTER ROLE "${APP}" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '${verifierOf(fresh)}'`);
                expect(log).toContain(inClear);
                expect(log).not.toContain(fresh);
                expect(await login(server(), ca, APP, fresh)).toBe("ok");
                expect(await login(server(), ca, APP, APP_PASSWORD)).toMatch(/password authentication failed/);
                expect((await script({})).code).toBe(0);
            });

            it("refuses (exit 2, nothing sent, nothing echoed) what is no verifier: PostgreSQL would hash it as a password in clear", async () => {
                for (const bad of [APP_PASSWORD, verifierOf(APP_PASSWORD).replace(/=:/, ":"), `SCRAM-SHA-256$4096:${"A".repeat(22)}==$x:y`]) {
                    const r = await script({ APP_PASSWORD_VERIFIER: bad });
                    expect({ code: r.code, stderr: r.stderr }).toEqual({
                        code: 2,
                        stderr: "app-role.sh: APP_PASSWORD_VERIFIER is no SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>): PostgreSQL would take it for a password in clear\n",
                    });
                }
                const missing = await script({ APP_PASSWORD_VERIFIER: "", APP_PASSWORD });
                expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 2, stderr: "app-role.sh: missing required environment variable(s): APP_PASSWORD_VERIFIER\n" });
                expect(await rolpassword(APP)).toBe(verifierOf(APP_PASSWORD));
                expect(existsSync("/dev/null") && statSync("/dev/null").isCharacterDevice()).toBe(true);
            });

            if ((major ?? 0) < 16) {
                it("fails, naming why, when the user is a member of the master user", async () => {
                    await superuser((c) => c.query(`GRANT ${MASTER} TO ${APP}`));
                    const r = await script({});
                    expect(r.code).toBe(1);
                    expect(r.stderr).toContain(`role launchpad_app is a member of ${MASTER}, so it holds every privilege of the master user`);
                    await superuser((c) => c.query(`REVOKE ${MASTER} FROM ${APP}`));
                });
            } else {
                it("the user cannot be made a member of the master user: the master is its member (16's automatic ADMIN grant), and the server refuses a loop", async () => {
                    // The grant the check above guards against, as the superuser even (PostgreSQL 16 release notes,
                    // "Restrict the privileges of CREATEROLE"; src/backend/commands/user.c AddRoleMems refuses loops).
                    const refusal = await superuser((c) => c.query(`GRANT ${MASTER} TO ${APP}`)).then(() => "ok", (e: Error) => e.message);
                    expect(refusal).toBe(`role "${MASTER}" is a member of role "${APP}"`);
                    expect(await master((s) => s.rows(`SELECT pg_has_role('${APP}', '${MASTER}', 'MEMBER') AS member`))).toEqual([{ member: false }]);
                });
            }

            it("docs/runbooks/credential-leak.md: its statement ends the leaked user's sessions opened before the rotation, and no later one nor its own (review14)", async () => {
                const page = readFileSync(join(__dirname, "..", "docs", "runbooks", "credential-leak.md"), "utf8");
                const statement = /echo "(SELECT [^"]*pg_terminate_backend[^"]*)" \| sql/.exec(page)?.[1];
                expect(statement, "the page's PostgreSQL statement").toBeDefined();
                expect((await script({})).code).toBe(0);
                const session = async (): Promise<{ client: pg.Client; lost: Error[] }> => {
                    const client = new pg.Client({ host: SERVER_NAME, port: server().port, database: DATABASE, user: APP, password: APP_PASSWORD, ssl: { ca: readFileSync(ca) } });
                    const lost: Error[] = [];
                    client.on("error", (e) => lost.push(e));
                    await client.connect();
                    return { client, lost };
                };
                const alive = (x: { client: pg.Client }): Promise<string> => x.client.query("SELECT 1").then(() => "alive", () => "ended");
                const before = await session();
                await new Promise((r) => setTimeout(r, 1_100));
                const since = new Date().toISOString().replace(/\.\d+Z$/, "Z");
                await new Promise((r) => setTimeout(r, 1_100));
                const after = [await session(), await session()];
                const sql = statement!.replace("$LEAKED", APP).replace("$SINCE", since);
                // RDS's master may end other users' sessions (PG_TERMINATE_BACKEND, UsingWithRDS.MasterAccounts): pg_signal_backend here.
                await superuser((c) => c.query(`GRANT pg_signal_backend, pg_read_all_stats TO ${MASTER}`));
                try {
                    // Reading every session's start: only the one opened before $SINCE ends.
                    expect((await master((s) => s.rows(sql))).map((r) => r.pg_terminate_backend)).toEqual([true]);
                    expect([await alive(before), await alive(after[0])]).toEqual(["ended", "alive"]);
                    // Not reading them (another user's backend_start is null): every session of the user ends, the master's own not.
                    await superuser((c) => c.query(`REVOKE pg_read_all_stats FROM ${MASTER}`));
                    expect((await master((s) => s.rows(sql))).map((r) => r.pg_terminate_backend)).toEqual([true, true]);
                    expect([await alive(after[0]), await alive(after[1])]).toEqual(["ended", "ended"]);
                } finally {
                    await superuser((c) => c.query(`REVOKE pg_signal_backend, pg_read_all_stats FROM ${MASTER}`));
                    for (const x of [before, ...after]) await x.client.end().catch(() => undefined);
                }
            });

            it("a table whose creating transaction spans the grants' first run gets neither grant: why a migration Job waits for the grants Job (review14)", async () => {
                // A database the grants never ran on, as on a first deploy: no default privileges yet.
                const fresh = "fresh_data";
                expect(await master((s) => s.attempt(`CREATE DATABASE ${fresh}`))).toBe("ok");
                const migration = await connect(server(), ca, MASTER, MASTER_PASSWORD, fresh);
                try {
                    expect(await attempts(migration, ["BEGIN", "CREATE TABLE spanning (v integer NOT NULL)"])).toEqual(["ok", "ok"]);
                    expect((await script({ DB_NAME: fresh })).code).toBe(0);
                    expect(await migration.attempt("COMMIT")).toBe("ok");
                    // One created after the grants committed gets the default privileges.
                    expect(await migration.attempt("CREATE TABLE afterwards (v integer NOT NULL)")).toBe("ok");
                } finally {
                    await migration.end();
                }
                const refusals = async (s: Session) => [await s.attempt("SELECT * FROM spanning"), await s.attempt("SELECT * FROM afterwards")];
                const seen = await connect(server(), ca, APP, APP_PASSWORD, fresh).then(async (s) => { try { return await refusals(s); } finally { await s.end(); } });
                expect(seen).toEqual(["permission denied for table spanning", "ok"]);
                expect(await master((s) => s.attempt(`DROP DATABASE ${fresh}`))).toBe("ok");
            });
        } else {
            it("grants on the database only, its `_` no wildcard: a database named like it stays closed", async () => {
                expect(await master((s) => s.attempt("CREATE DATABASE shopXdata"))).toBe("ok");
                expect(await master((s) => s.attempt("CREATE TABLE shopXdata.t (id INT)"))).toBe("ok");
                expect(await app((s) => s.attempt("SELECT * FROM shopXdata.t"))).toMatch(/denied/);
            });
        }

        if (serverBinDir === undefined) {
            // The client's bound (scripts/db/lib.sh bounded_client): DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT,
            // here 2 + 3 s, then one line naming both and exit 1, not a Job hanging to its deadline. The
            // statement waits behind a session of the master's: on PostgreSQL an open transaction that
            // altered a table, so that its pg_class row, which GRANT ... ON ALL TABLES must update too,
            // stays locked by that transaction (a table lock alone does not hold a GRANT: tried here,
            // the script ran through); on MariaDB FLUSH TABLES WITH READ LOCK, which holds every write,
            // CREATE USER included (MariaDB KB, FLUSH).
            const lock = engine === "postgres" ? ["ALTER TABLE customers ADD COLUMN stall_probe int"] : ["FLUSH TABLES WITH READ LOCK"];
            const waiting = engine === "postgres"
                ? "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'launchpad-grants' AND wait_event_type = 'Lock'"
                : `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE user = '${MASTER}' AND state LIKE 'Waiting for%lock'`;
            const stallLine = (port: number): string => `app-role.sh: setting up ${engine} user ${APP} on ${SERVER_NAME}:${port}/${DATABASE} as ${MASTER} failed: no answer from the server within 5s ` +
                "(DB_CONNECT_TIMEOUT 2s to connect, then DB_QUERY_TIMEOUT 3s for the statements): the server or the network stalled, or a statement waits on a lock\n";
            /** The script against `port` while the master's session holds the lock; `stall` runs once its statement waits (it did log in). */
            const stalled = async (port: number, stall: (release: () => Promise<void>) => Promise<void>): Promise<RunResult & { took: number }> => {
                const holder = await holdLock(server(), ca, SERVER_NAME, MASTER, MASTER_PASSWORD, lock);
                let released = false;
                const release = async (): Promise<void> => {
                    if (!released) await holder.release();
                    released = true;
                };
                try {
                    const started = Date.now();
                    const running = script({ DB_PORT: String(port), DB_CONNECT_TIMEOUT: "2", DB_QUERY_TIMEOUT: "3" });
                    await until("app-role.sh's statement waits on the lock", 4_000, async () => Number((await holder.peek(waiting))[0].n) > 0);
                    await stall(release);
                    const r = await running;
                    return { ...r, took: Date.now() - started };
                } finally {
                    await release();
                }
            };

            it("a statement that waits on a lock after the login: exit 1 once DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT are over, one line naming them", async () => {
                const r = await stalled(server().port, () => Promise.resolve());
                expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: "", stderr: stallLine(server().port) });
                expect(r.took).toBeGreaterThanOrEqual(5_000);
                expect(r.took).toBeLessThan(5_000 + 5_000);
            }, 30_000);

            it("a network that goes silent mid-statement, after the login (the server answers, nothing arrives): the same line, within the same bound", async () => {
                const proxy = await stallProxy(server().port);
                try {
                    const r = await stalled(proxy.port, async (release) => {
                        proxy.stall();
                        await release();
                    });
                    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: "", stderr: stallLine(proxy.port) });
                    expect(r.took).toBeGreaterThanOrEqual(5_000);
                    expect(r.took).toBeLessThan(5_000 + 5_000);
                } finally {
                    await proxy.close();
                }
            }, 30_000);

            it("DB_QUERY_TIMEOUT that is no number of seconds: exit 2, before connecting", async () => {
                const r = await script({ DB_QUERY_TIMEOUT: "0" });
                expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: "app-role.sh: DB_QUERY_TIMEOUT '0' is not a number of seconds (1 to 9999)\n" });
            });
        }
    }, SELECTED_DB_ENGINES.includes(engine));
}


/**
 * The PostgreSQL 16 upgrade risk (docs/data-protection.md "Two database users"), for real: the
 * grants Job's role made on 15 by the master (CREATEROLE, no superuser, as RDS's), the cluster's
 * globals carried into 16, then the Job again as the master on 16.
 *
 * How faithful to pg_upgrade: pg_upgrade carries roles and memberships as `pg_dumpall --globals-only`
 * output restored into the new cluster by its bootstrap superuser (pg_upgrade docs, "How it works";
 * src/bin/pg_upgrade/dump.c), so the 16 cluster holds the same pg_authid rows and the same (here: no)
 * pg_auth_members rows, and no ADMIN option is invented on the way. Differences: the dump is made by
 * Debian's 15 pg_dumpall, not 16's (the npm build ships no client), and without --binary-upgrade
 * (role OIDs are not kept; nothing here depends on them); the databases are not carried (the 16
 * server gets its own, as tests/support/db-servers.ts makes them), and its master role already
 * exists, so the load reports it and `postgres` as existing and applies their ALTER ROLE lines. RDS
 * runs its own upgrade; whether it grants the master the ADMIN option there is not in its docs.
 */
describeRealServer("postgres 15 -> 16: a role the master made on 15, carried into 16 as pg_upgrade carries globals, then app-role.sh on 16",
    missingTools(tools, ["pg16ServerBinDir", ...SERVER_TOOLS.postgres]), () => {
        let root15 = "";
        let root16 = "";
        let old: TlsServer | undefined;
        let upgraded: TlsServer | undefined;
        const started = (s: TlsServer | undefined): TlsServer => {
            if (s === undefined) throw new Error("the server did not start");
            return s;
        };
        const spec = { database: DATABASE, user: MASTER, password: MASTER_PASSWORD, rdsMaster: true };
        /** The server's own superuser over its Unix socket: Debian's psql, `--set=ON_ERROR_STOP=0` as a restore runs. */
        const psql = (root: string, s: TlsServer, input: string): Promise<RunResult> =>
            run(join(tools.pgBinDir ?? "", "psql"), ["--no-psqlrc", "--quiet", `--host=${join(root, "server", "pg")}`, `--port=${s.db.port}`, "--username=postgres", `--dbname=${DATABASE}`, "--tuples-only", "--no-align"], { input });

        beforeAll(async () => {
            root15 = traversableTempDir("launchpad-db-app-role-upgrade15-");
            root16 = traversableTempDir("launchpad-db-app-role-upgrade16-");
            [old, upgraded] = await Promise.all([
                startTlsServer("postgres", tools, root15, spec, SERVER_NAME),
                startTlsServer("postgres", tools, root16, { ...spec, postgresServerBinDir: tools.pg16ServerBinDir }, SERVER_NAME),
            ]);
        }, 120_000);
        afterAll(async () => {
            await Promise.all([old?.db.stop(), upgraded?.db.stop()]);
            for (const r of [root15, root16]) if (r !== "") rmSync(r, { recursive: true, force: true });
        }, 60_000);

        it("on 16 the master cannot alter the role, and the script says so in one line, before ALTER ROLE, naming the way out", async () => {
            const [v15, v16] = [started(old), started(upgraded)];
            const r15 = await appRole(v15.db, v15.serverCa.cert, root15, {});
            expect({ code: r15.code, stderr: r15.stderr }).toEqual({ code: 0, stderr: "" });
            expect((await psql(root15, v15, "SELECT current_setting('server_version_num')::int / 10000")).stdout.trim()).toBe("15");

            const globals = await run(join(tools.pgBinDir ?? "", "pg_dumpall"), ["--globals-only", `--host=${join(root15, "server", "pg")}`, `--port=${v15.db.port}`, "--username=postgres"]);
            expect({ code: globals.code, stderr: globals.stderr }).toEqual({ code: 0, stderr: "" });
            expect(globals.stdout).toContain(`CREATE ROLE ${APP};`);
            const load = await psql(root16, v16, globals.stdout);
            // Only the two roles the 16 server already has are refused; their ALTER ROLE lines apply.
            expect(load.stderr.split("\n").filter((l) => l.includes("ERROR"))).toEqual([
                expect.stringMatching(new RegExp(`ERROR:  role "${MASTER}" already exists$`)),
                expect.stringMatching(/ERROR: {2}role "postgres" already exists$/),
            ]);
            expect((await psql(root16, v16, "SELECT current_setting('server_version_num')::int / 10000")).stdout.trim()).toBe("16");
            expect(await login(v16.db, v16.serverCa.cert, APP, APP_PASSWORD)).toBe("ok");

            // The server's rule (PostgreSQL 16 release notes, "Restrict the privileges of CREATEROLE"): no ADMIN option, no ALTER.
            const adminOption = `SELECT pg_has_role('${MASTER}', '${APP}', 'MEMBER WITH ADMIN OPTION')`;
            expect((await psql(root16, v16, adminOption)).stdout.trim()).toBe("f");
            expect(await as(v16.db, v16.serverCa.cert, MASTER, MASTER_PASSWORD, (s) => s.attempt(`ALTER ROLE ${APP} WITH LOGIN PASSWORD '${verifierOf(NEW_APP_PASSWORD)}'`)))
                .toBe("permission denied to alter role");

            const r16 = await appRole(v16.db, v16.serverCa.cert, root16, credentials("postgres", NEW_APP_PASSWORD));
            expect(r16.code).toBe(1);
            expect(r16.stderr).toBe(`app-role.sh: setting up postgres user ${APP} on ${SERVER_NAME}:${v16.db.port}/${DATABASE} as ${MASTER} failed: ` +
                `ERROR:  role ${APP} exists, but ${MASTER} lacks the ADMIN option on it, which PostgreSQL 16 and later require to alter it ` +
                "(a role made on 15 or older, or by another role): give the application a new user, pulumi config set --path launchpad:database.appUsername <new name>, then pulumi up\n");
            // Nothing changed: the old password still works, the new one not; no grant on 16's database.
            expect(await login(v16.db, v16.serverCa.cert, APP, APP_PASSWORD)).toBe("ok");
            expect(await login(v16.db, v16.serverCa.cert, APP, NEW_APP_PASSWORD)).toMatch(/password authentication failed/);
            expect((await psql(root16, v16, `SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = '${APP}'`)).stdout.trim()).toBe("0");
        });

        it("the way out works on 16: a new application user, which the master creates and so administers", async () => {
            const v16 = started(upgraded);
            const fresh = "launchpad_app2";
            const r = await appRole(v16.db, v16.serverCa.cert, root16, { APP_USER: fresh });
            expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
            expect((await psql(root16, v16, `SELECT pg_has_role('${MASTER}', '${fresh}', 'MEMBER WITH ADMIN OPTION')`)).stdout.trim()).toBe("t");
            expect(await login(v16.db, v16.serverCa.cert, fresh, APP_PASSWORD)).toBe("ok");
            // And again, as every later pulumi up runs it.
            expect((await appRole(v16.db, v16.serverCa.cert, root16, { APP_USER: fresh })).code).toBe(0);
        });
    }, SELECTED_DB_ENGINES.includes("postgres"));
