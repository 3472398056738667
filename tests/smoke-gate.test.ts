/**
 * The gate fails closed and fast (issue 13): the transport against raw `net` and `tls` servers on
 * 127.0.0.1 that write exactly the bytes each case names, over http (the raw client) and https
 * (`node:https`) alike, each case with its exact outcome.
 */
import type * as net from "node:net";
import * as zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { bodyCapBytes, openClient, type Client } from "../smoke/transport";
import { rawServer, testCertificate, writeForever, type OnRequest, type RawServer } from "./support/raw-server";

const servers: RawServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const PROTOCOLS = ["http", "https"] as const;

async function serve(protocol: "http" | "https", onRequest: OnRequest): Promise<RawServer> {
    const s = await rawServer(onRequest, protocol);
    servers.push(s);
    return s;
}

function client(url: string, sockets = 1): Client {
    const c = openClient(new URL(url), sockets, { ca: testCertificate().cert });
    clients.push(c);
    return c;
}

type Outcome = { status: number; body: string | undefined; stopped?: string } | { error: string; message: string };

/** Sends GET / over `c`, looking for `find`; the outcome as a value (the error's code or name when it rejects). */
async function send(c: Client, url: string, find: string | undefined, timeoutMs = 5_000): Promise<Outcome> {
    try {
        return await c.send(c.prepare(new URL(`${url}/`), { method: "GET" }), timeoutMs, false, find);
    } catch (e) {
        const err = e as Error & { code?: string };
        return { error: err.code ?? err.name, message: err.message };
    }
}

const CAP = 1024 * 1024;
const KIB16 = "x".repeat(16 * 1024);

describe("bodyCapBytes", () => {
    it.each([
        [1, CAP],
        [64, CAP],
        [100, 671_088],
        [1_000, 67_108],
        [2_000, 65_536],
        [100_000, 65_536],
    ])("gives %i sockets %i body bytes each", (sockets, cap) => {
        expect(bodyCapBytes(sockets)).toBe(cap);
    });
});

describe.each(PROTOCOLS)("bounded body reads over %s", (protocol) => {
    it("stops an endless body without the text at the cap, long before the timeout", async () => {
        const server = await serve(protocol, (socket) => {
            socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
            writeForever(socket, KIB16);
        });
        const start = Date.now();
        const got = await send(client(server.url), server.url, "ready");
        expect(Date.now() - start).toBeLessThan(3_000);
        expect("status" in got ? [got.status, got.stopped, got.body !== undefined && got.body.length >= CAP && got.body.length < CAP + 128 * 1024] : got).toEqual([200, `reading stopped at the ${CAP}-byte cap`, true]);
    });

    it("stops an endless chunked body at the first match, the text split across packets", async () => {
        const server = await serve(protocol, (socket) => {
            socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nxxrea\r\n");
            setTimeout(() => socket.write("2\r\ndy\r\n"), 20);
            setTimeout(() => writeForever(socket, `4000\r\n${KIB16}\r\n`), 40);
        });
        expect(await send(client(server.url), server.url, "ready")).toEqual({ status: 200, body: "xxready" });
        // The rest was not read: the connection is closed.
        await new Promise((r) => setTimeout(r, 50));
        expect([server.connections(), server.closed()]).toEqual([1, 1]);
    });

    it("stops an endless gzip body at the cap, not decoded", async () => {
        const server = await serve(protocol, (socket) => {
            socket.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
            writeForever(socket, KIB16);
        });
        expect(await send(client(server.url), server.url, "ready")).toEqual({ status: 200, body: "", stopped: `reading stopped at the ${CAP}-byte cap (gzip-coded, not decoded)` });
    });

    it.each<[string, string, (b: Buffer) => Buffer]>([
        ["gzip", "gzip", zlib.gzipSync],
        ["deflate", "deflate", zlib.deflateSync],
        ["br", "br", zlib.brotliCompressSync],
    ])("refuses a %s bomb: a small body that decodes to more than the cap", async (_, coding, compress) => {
        const bomb = compress(Buffer.alloc(4 * CAP));
        const server = await serve(protocol, (socket) => {
            socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${bomb.length}\r\n\r\n`);
            socket.write(bomb);
        });
        expect(await send(client(server.url), server.url, "ready")).toEqual({ error: "ERR_BODY_TOO_LARGE", message: `the ${coding} body decodes to more than ${CAP} bytes` });
    });

    it("reads a whole body under the cap with the text at its end, and reuses the connection", async () => {
        const body = `${"x".repeat(900 * 1024)}ready`;
        const server = await serve(protocol, (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
        const c = client(server.url);
        for (let i = 0; i < 2; i++) {
            const got = await send(c, server.url, "ready");
            expect("status" in got ? [got.status, got.stopped, got.body === body] : got).toEqual([200, undefined, true]);
        }
        expect(server.connections()).toBe(1);
    });

    it("finds UTF-8 text split inside a character, and a body without it reads to its end", async () => {
        const text = Buffer.from("état: prêt", "utf8");
        const server = await serve(protocol, (socket: net.Socket, head: string) => {
            if (head.startsWith("GET / ")) {
                socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length + 1}\r\n\r\n`);
                socket.write(text.subarray(0, 9));
                setTimeout(() => socket.write(Buffer.concat([text.subarray(9), Buffer.from("!")])), 20);
            }
        });
        expect(await send(client(server.url), server.url, "prêt")).toEqual({ status: 200, body: "état: prêt!" });
    });
});
