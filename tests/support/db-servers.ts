/**
 * Real database servers for the backup script tests, from Debian's packages: each in its own
 * temporary data directory, listening on 127.0.0.1 on a free port (the scripts connect over TCP
 * with a password, as they do to RDS) and on a unix socket in that directory (the test's own
 * superuser connection). Each holds the `shop` fixture below, loaded by the application user so
 * that its routines and triggers are that user's, as in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asUser, freePort, isRoot, runOk, type DbTools } from "./db-tools";

export type Engine = "mysql" | "postgres";

export interface TestDatabase {
    readonly engine: Engine;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: string;
    stop(): Promise<void>;
}

export interface DatabaseSpec {
    readonly database: string;
    readonly user: string;
    readonly password: string;
    /**
     * The user holds what RDS gives its master user (RDS User Guide, UsingWithRDS.MasterAccounts):
     * MariaDB's list `ON *.* WITH GRANT OPTION` (SUPER and the like excluded), PostgreSQL's
     * `CREATEDB CREATEROLE` (Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser), so that it can
     * create and grant to other users as the grants Job does (scripts/db/app-role.sh).
     * @default false: data and schema of its database only
     */
    readonly rdsMaster?: boolean;
    /**
     * PostgreSQL: the directory of the server programs to run (initdb, pg_ctl, postgres), another
     * major than Debian's (db-tools.ts findNpmPostgresServer); the clients stay Debian's.
     * @default tools.pgBinDir, Debian's server
     */
    readonly postgresServerBinDir?: string;
}

/** RDS's master user privileges on MySQL and MariaDB (RDS User Guide, UsingWithRDS.MasterAccounts). */
const RDS_MYSQL_MASTER_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, " +
    "CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER";

/**
 * The server's certificate and key, given when the server must speak TLS. It then also refuses
 * every TCP connection without TLS, as RDS does under Launchpad's parameter group
 * (`require_secure_transport=ON`, `rds.force_ssl=1`: components/database.ts).
 */
export interface ServerTls {
    readonly cert: string;
    readonly key: string;
}

/**
 * The fixture: 3 customers, 5 orders, an empty refunds table, and one of each object a logical
 * dump must carry besides tables (MariaDB: trigger, procedure, event; PostgreSQL: function,
 * trigger, view).
 */
export const SHOP_SCHEMA: Record<Engine, string> = {
    mysql: `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (
    id INT PRIMARY KEY AUTO_INCREMENT,
    customer_id INT NOT NULL,
    total DECIMAL(10,2) NOT NULL,
    FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE refunds (id INT PRIMARY KEY, order_id INT NOT NULL) ENGINE=InnoDB;
INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Edsger');
INSERT INTO orders (customer_id, total) VALUES (1, 10.00), (1, 12.50), (2, 7.25), (3, 99.99), (3, 1.00);
CREATE TRIGGER orders_total_positive BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = ABS(NEW.total);
CREATE PROCEDURE order_count() SELECT COUNT(*) FROM orders;
CREATE EVENT purge_refunds ON SCHEDULE EVERY 1 DAY DO DELETE FROM refunds WHERE order_id < 0;
`,
    postgres: `
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL);
CREATE TABLE refunds (id integer PRIMARY KEY, order_id integer NOT NULL);
INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Edsger');
INSERT INTO orders (customer_id, total) VALUES (1, 10.00), (1, 12.50), (2, 7.25), (3, 99.99), (3, 1.00);
CREATE FUNCTION orders_total_positive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.total := abs(NEW.total); RETURN NEW; END $$;
CREATE TRIGGER orders_total_positive BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_total_positive();
CREATE VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
`,
};

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
        }
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
        }, ms);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}

async function poll(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        if (await probe()) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not come up within ${ms} ms`);
}

/** A single-quoted SQL string literal; MariaDB also treats backslash as an escape. */
function sqlString(value: string, backslashEscapes: boolean): string {
    const escaped = backslashEscapes ? value.replaceAll("\\", "\\\\") : value;
    return `'${escaped.replaceAll("'", "''")}'`;
}

/** MariaDB: mariadb-install-db into `dir`, then mariadbd as a child of this process. */
export async function startMariaDb(tools: DbTools, dir: string, spec: DatabaseSpec, tls?: ServerTls): Promise<TestDatabase> {
    const { mariadbd, mariadbInstallDb, mariadb } = tools;
    if (mariadbd === undefined || mariadbInstallDb === undefined || mariadb === undefined) {
        throw new Error("MariaDB server and client are not installed");
    }
    const data = join(dir, "data");
    const socket = join(dir, "mysqld.sock");
    const userArgs = isRoot ? ["--user=root"] : [];
    await runOk(mariadbInstallDb, [
        "--no-defaults", `--datadir=${data}`, ...userArgs,
        "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
    ]);
    const port = await freePort();
    const child = spawn(mariadbd, [
        "--no-defaults", `--datadir=${data}`, ...userArgs, `--socket=${socket}`, `--port=${port}`,
        "--bind-address=127.0.0.1", `--log-error=${join(dir, "error.log")}`, `--pid-file=${join(dir, "mysqld.pid")}`,
        "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--character-set-server=utf8mb4",
        // MariaDB 10.5.2+: require_secure_transport refuses TCP without TLS (the unix socket counts as secure).
        ...(tls === undefined ? [] : [`--ssl-cert=${tls.cert}`, `--ssl-key=${tls.key}`, "--require-secure-transport=ON"]),
    ], { stdio: "ignore" });
    const root = ["--no-defaults", `--socket=${socket}`, "--user=root"];
    await poll("mariadbd", 30_000, async () => {
        if (child.exitCode !== null) {
            throw new Error(`mariadbd exited with ${child.exitCode}; see ${join(dir, "error.log")}`);
        }
        return existsSync(socket) && (await runOk(mariadb, [...root, "-e", "SELECT 1"]).then(() => true, () => false));
    });
    const pw = sqlString(spec.password, true);
    await runOk(mariadb, root, {
        input: `CREATE DATABASE \`${spec.database}\`;\nCREATE USER '${spec.user}'@'%' IDENTIFIED BY ${pw};\n` +
            `GRANT ALL ON \`${spec.database}\`.* TO '${spec.user}'@'%';\n` +
            (spec.rdsMaster === true ? `GRANT ${RDS_MYSQL_MASTER_PRIVILEGES} ON *.* TO '${spec.user}'@'%' WITH GRANT OPTION;\n` : ""),
    });
    await runOk(mariadb, ["--no-defaults", `--socket=${socket}`, `--user=${spec.user}`, `--database=${spec.database}`], {
        input: SHOP_SCHEMA.mysql,
        env: { ...process.env, MYSQL_PWD: spec.password },
    });
    return {
        engine: "mysql",
        host: "127.0.0.1",
        port,
        ...spec,
        stop: async () => {
            child.kill("SIGTERM");
            await waitForExit(child, 30_000);
        },
    };
}

/** PostgreSQL: initdb into `dir`, then pg_ctl start; as root, both run as the `postgres` user. */
export async function startPostgres(tools: DbTools, dir: string, spec: DatabaseSpec, tls?: ServerTls): Promise<TestDatabase> {
    const bin = tools.pgBinDir;
    if (bin === undefined) {
        throw new Error("PostgreSQL is not installed");
    }
    const serverBin = spec.postgresServerBinDir ?? bin;
    const pgDir = join(dir, "pg");
    mkdirSync(pgDir, { mode: 0o700 });
    if (isRoot) {
        const uid = Number((await runOk("id", ["-u", "postgres"])).stdout.trim());
        chownSync(pgDir, uid, -1);
    }
    const data = join(pgDir, "data");
    const as = (program: string, args: string[]): Promise<unknown> => {
        const [cmd, full] = asUser(tools, "postgres", join(serverBin, program), args);
        return runOk(cmd, full);
    };
    await as("initdb", [`--pgdata=${data}`, "--username=postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    const port = await freePort();
    let tlsOptions = "";
    if (tls !== undefined) {
        // The server reads its key only when it is the server user's and 0600 (PostgreSQL docs, "Secure
        // TCP/IP Connections with SSL"); `hostssl` in place of `host` refuses TCP without TLS.
        const [cert, key] = [join(pgDir, "server.crt"), join(pgDir, "server.key")];
        copyFileSync(tls.cert, cert);
        copyFileSync(tls.key, key);
        if (isRoot) {
            const uid = Number((await runOk("id", ["-u", "postgres"])).stdout.trim());
            for (const f of [cert, key]) chownSync(f, uid, -1);
        }
        chmodSync(key, 0o600);
        const hba = join(data, "pg_hba.conf");
        writeFileSync(hba, readFileSync(hba, "utf8").replace(/^host(\s)/gm, "hostssl$1"));
        tlsOptions = ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
    }
    await as("pg_ctl", [`--pgdata=${data}`, `--log=${join(pgDir, "server.log")}`, "--wait", "--timeout=30",
        "-o", `-p ${port} -k ${pgDir} -c listen_addresses=127.0.0.1 -c fsync=off${tlsOptions}`, "start"]);
    const psql = (user: string, database: string, input: string): Promise<unknown> =>
        runOk(join(bin, "psql"), ["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", `--host=${pgDir}`, `--port=${port}`, `--username=${user}`, `--dbname=${database}`], { input });
    await psql("postgres", "postgres",
        `CREATE ROLE "${spec.user}" LOGIN${spec.rdsMaster === true ? " CREATEDB CREATEROLE" : ""} PASSWORD ${sqlString(spec.password, false)};\n` +
        `CREATE DATABASE "${spec.database}" OWNER "${spec.user}";\n`);
    await psql(spec.user, spec.database, SHOP_SCHEMA.postgres);
    return {
        engine: "postgres",
        host: "127.0.0.1",
        port,
        ...spec,
        stop: async () => {
            await as("pg_ctl", [`--pgdata=${data}`, "--mode=fast", "--wait", "stop"]);
        },
    };
}

export function startDatabase(engine: Engine, tools: DbTools, dir: string, spec: DatabaseSpec, tls?: ServerTls): Promise<TestDatabase> {
    return engine === "mysql" ? startMariaDb(tools, dir, spec, tls) : startPostgres(tools, dir, spec, tls);
}
