/**
 * Stalls for the statement clients' bound (scripts/db/lib.sh `bounded_client`, DB_QUERY_TIMEOUT),
 * against the real servers of tests/support/db-servers.ts:
 * - `holdLock`: a session of the test's own, over verified TLS, that takes a lock and keeps its
 *   transaction open until released, so that a script's statement, sent after it authenticated,
 *   waits on the server;
 * - `stallProxy`: a TCP relay between a script and the server that, once `stall()`ed, stops reading
 *   either side (the bytes stay in the kernel's buffers): a network that goes silent mid-query, which
 *   no server-side limit (statement_timeout, max_execution_time) can end.
 * Together: the script connects through the relay, authenticates, its statement waits on the lock;
 * the relay stalls; the lock goes, the server answers, and the answer never arrives.
 */
import { readFileSync } from "node:fs";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import mysql from "mysql2/promise";
import pg from "pg";
import type { TestDatabase } from "./db-servers";

export interface LockHolder {
    /** Rows of `sql` on a second session of the same user (to see who waits). */
    peek(sql: string): Promise<Record<string, unknown>[]>;
    /** Ends the holding transaction (and with it the lock), and both sessions. */
    release(): Promise<void>;
}

/**
 * Runs `statements` as `user` in a session it keeps open (PostgreSQL: inside BEGIN), over TLS to
 * `host`, verifying the server against `ca`.
 */
export async function holdLock(db: TestDatabase, ca: string, host: string, user: string, password: string, statements: readonly string[]): Promise<LockHolder> {
    const bundle = readFileSync(ca);
    if (db.engine === "postgres") {
        const open = async (): Promise<pg.Client> => {
            const c = new pg.Client({ host, port: db.port, database: db.database, user, password, ssl: { ca: bundle }, connectionTimeoutMillis: 5_000 });
            await c.connect();
            return c;
        };
        const [holder, watcher] = [await open(), await open()];
        await holder.query("BEGIN");
        for (const s of statements) await holder.query(s);
        return {
            peek: async (sql) => (await watcher.query<Record<string, unknown>>(sql)).rows,
            release: async () => {
                await holder.query("ROLLBACK").catch(() => undefined);
                await Promise.all([holder.end(), watcher.end()]);
            },
        };
    }
    const open = (): Promise<mysql.Connection> => mysql.createConnection({ host, port: db.port, database: db.database, user, password, ssl: { ca: bundle }, connectTimeout: 5_000 });
    const [holder, watcher] = [await open(), await open()];
    for (const s of statements) await holder.query(s);
    return {
        peek: async (sql) => (await watcher.query<mysql.RowDataPacket[]>(sql))[0],
        release: async () => {
            await holder.query("UNLOCK TABLES").catch(() => undefined);
            await Promise.all([holder.end(), watcher.end()]);
        },
    };
}

/** Polls `probe` every 100 ms until it is true, failing after `ms`. */
export async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

export interface StallProxy {
    readonly port: number;
    /** From now on, reads neither side of any connection: what is sent stays unread. */
    stall(): void;
    close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 to 127.0.0.1:`targetPort`, each connection relayed byte for byte until stall(). */
export async function stallProxy(targetPort: number): Promise<StallProxy> {
    const sockets = new Set<net.Socket>();
    let stalled = false;
    const track = (s: net.Socket): void => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
    };
    const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        track(client);
        track(upstream);
        if (stalled) {
            client.pause();
            return;
        }
        const relay = (from: net.Socket, to: net.Socket): void => {
            from.on("data", (chunk: Buffer) => {
                if (!stalled) to.write(chunk);
            });
            from.on("end", () => to.end());
            from.on("close", () => to.destroy());
        };
        relay(client, upstream);
        relay(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as AddressInfo).port,
        stall: () => {
            stalled = true;
            sockets.forEach((s) => s.pause());
        },
        close: () => new Promise<void>((resolve) => {
            sockets.forEach((s) => s.destroy());
            server.close(() => resolve());
        }),
    };
}
