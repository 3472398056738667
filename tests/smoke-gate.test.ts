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
        return await c.send(c.prepare(new URL(`${url}/`), { method: "GET" }), timeoutMs, true, find);
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
        const got = await send(client(server.url), server.url, "ready");
        // The body is what was read up to the packet of the match (a busy machine may join the server's writes).
        expect("status" in got ? [got.status, got.stopped, got.body?.startsWith("xxready"), (got.body?.length ?? 0) < 256 * 1024] : got).toEqual([200, undefined, true, true]);
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

describe.each(PROTOCOLS)("one retry on a fresh connection over %s", (protocol) => {
    const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    // Each server answers or cuts off by the request's number on the server; the client sends three requests in turn.
    // node:https says "socket hang up" for a head cut off, where the raw client says "aborted" (both connection-reset);
    // its retry runs on a connection of its own, closed after it.
    const cutInHead = protocol === "http" ? "aborted" : "socket hang up";
    const retryOwn = protocol === "http" ? 0 : 1;
    it.each<[string, (socket: net.Socket, n: number) => void, Outcome[], number]>([
        ["a reused connection closed before any byte: sent again, on a fresh one", (socket, n) => (n === 2 ? socket.destroy() : socket.write(OK)), [{ status: 200, body: "ok" }, { status: 200, body: "ok" }, { status: 200, body: "ok" }], 2 + retryOwn],
        ["a reused connection closed after part of the head: not sent again", (socket, n) => (n === 2 ? socket.end("HTTP/1.1 200 OK\r\nContent-Le") : socket.write(OK)), [{ status: 200, body: "ok" }, { error: "ECONNRESET", message: cutInHead }, { status: 200, body: "ok" }], 2],
        ["a fresh connection closed before any byte: not sent again", (socket, n) => (n === 1 ? socket.destroy() : socket.write(OK)), [{ error: "ECONNRESET", message: "socket hang up" }, { status: 200, body: "ok" }, { status: 200, body: "ok" }], 2],
        ["the retry cut off too: one retry only", (socket, n) => (n === 2 || n === 3 ? socket.destroy() : socket.write(OK)), [{ status: 200, body: "ok" }, { error: "ECONNRESET", message: "socket hang up" }, { status: 200, body: "ok" }], 3],
    ])("%s", async (_, answer, want, connections) => {
        const server = await serve(protocol, (socket, _head, n) => answer(socket, n));
        const c = client(server.url);
        const got: Outcome[] = [];
        for (let i = 0; i < 3; i++) {
            got.push(await send(c, server.url, undefined));
        }
        expect(got).toEqual(want);
        expect(server.connections()).toBe(connections);
    });

    it("has no false errors against a server that closes after every response without saying so", async () => {
        const server = await serve(protocol, (socket) => {
            socket.write(OK);
            setImmediate(() => socket.end());
        });
        const c = client(server.url);
        const got: Outcome[] = [];
        for (let i = 0; i < 50; i++) {
            got.push(await send(c, server.url, undefined));
        }
        expect(got).toEqual(Array.from({ length: 50 }, () => ({ status: 200, body: "ok" })));
    });
});
