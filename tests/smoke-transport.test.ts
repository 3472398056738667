/**
 * The runner's raw-socket HTTP/1.1 client: the response parser fed by hand (every split of a
 * response into two packets must parse alike), the request bytes, and the client against raw `net`
 * servers that write exactly the bytes a test names, including the awkward ones (chunked bodies,
 * split packets, a close mid-body, `Connection: close`, bodiless statuses).
 */
import * as zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { HttpParseError, ResponseParser, serializeRequest } from "../smoke/http1";
import { TimeoutError, openClient, type Client } from "../smoke/transport";
import { transportKind } from "../smoke/runner";
import { rawServer as startRawServer, type OnRequest, type RawServer } from "./support/raw-server";

/** Parses `raw` fed in the given pieces; returns what the parser saw. */
function parse(pieces: readonly string[], opts: { head?: boolean } = {}): { done: boolean; status: number; body: string; keepAlive: boolean; extra: boolean; encoding: string | undefined } {
    const p = new ResponseParser(opts.head ?? false, true);
    let done = false;
    for (const piece of pieces) {
        done = p.push(Buffer.from(piece, "latin1"));
    }
    return { done, status: p.status, body: Buffer.concat(p.body).toString("latin1"), keepAlive: p.keepAlive, extra: p.extra, encoding: p.contentEncoding };
}

/** Every way of cutting `raw` into two packets, and one byte at a time. */
function splits(raw: string): string[][] {
    return [...Array.from({ length: raw.length + 1 }, (_, i) => [raw.slice(0, i), raw.slice(i)]), raw.split("")];
}

const CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nready\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n";

describe("ResponseParser", () => {
    it.each<[string, string, { status: number; body: string; keepAlive: boolean }]>([
        ["a Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready", { status: 200, body: "ready", keepAlive: true }],
        ["a chunked body with an extension and a trailer", CHUNKED, { status: 200, body: "ready!", keepAlive: true }],
        ["Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", { status: 200, body: "ok", keepAlive: false }],
        ["HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", { status: 200, body: "ok", keepAlive: false }],
        ["HTTP/1.0 with keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", { status: 200, body: "ok", keepAlive: true }],
        ["a 204 with a Content-Length", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", { status: 204, body: "", keepAlive: true }],
        ["a 304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", { status: 304, body: "", keepAlive: true }],
        ["a 100 Continue before the response", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx", { status: 201, body: "x", keepAlive: true }],
        ["an empty Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", { status: 200, body: "", keepAlive: true }],
        ["a status line without a reason", "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", { status: 503, body: "", keepAlive: true }],
    ])("parses %s, whatever the packets", (_, raw, want) => {
        for (const pieces of splits(raw)) {
            const got = parse(pieces);
            expect([pieces, got.done, got.status, got.body, got.keepAlive, got.extra]).toEqual([pieces, true, want.status, want.body, want.keepAlive, false]);
        }
    });

    it("ends a HEAD response at its headers, though they announce a body", () => {
        expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"], { head: true })).toEqual({ done: true, status: 200, body: "", keepAlive: true, extra: false, encoding: undefined });
    });

    it("reads a body without length or chunking until the server closes, and then does not reuse the connection", () => {
        const p = new ResponseParser(false, true);
        expect(p.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nab"))).toBe(false);
        expect(p.push(Buffer.from("cd"))).toBe(false);
        expect(p.end()).toBe(true);
        expect([p.status, Buffer.concat(p.body).toString(), p.keepAlive, p.contentEncoding]).toEqual([200, "abcd", false, "gzip"]);
    });

    it("reports a response cut off mid-body or mid-chunk as incomplete", () => {
        for (const raw of ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nrea", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nrea", "HTTP/1.1 200 OK\r\nContent-Le"]) {
            const p = new ResponseParser(false, true);
            expect(p.push(Buffer.from(raw))).toBe(false);
            expect([raw, p.end(), p.started]).toEqual([raw, false, true]);
        }
    });

    it("flags bytes past the end of the response", () => {
        expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1"]).extra).toBe(true);
    });

    it("counts and drops the body when it is not kept", () => {
        const p = new ResponseParser(false, false);
        expect(p.push(Buffer.from(CHUNKED))).toBe(true);
        expect(p.body).toEqual([]);
    });

    it.each<[string, string, string]>([
        ["not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", "HPE_INVALID_CONSTANT"],
        ["a bad status", "HTTP/1.1 2000 OK\r\n\r\n", "HPE_INVALID_STATUS"],
        ["a bad header line", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"],
        ["a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH"],
        ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "HPE_UNEXPECTED_CONTENT_LENGTH"],
        ["Content-Length with chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "HPE_UNEXPECTED_CONTENT_LENGTH"],
        ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HPE_INVALID_CHUNK_SIZE"],
        ["a chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "HPE_STRICT"],
        ["a head over 16 KiB, still coming", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(17 * 1024)}`, "HPE_HEADER_OVERFLOW"],
        ["a head over 16 KiB, arrived whole", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(17 * 1024)}\r\nContent-Length: 2\r\n\r\nok`, "HPE_HEADER_OVERFLOW"],
        ["a bare LF after the status line", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "HPE_CR_EXPECTED"],
        ["a bare LF after a header, the head unfinished", "HTTP/1.1 200 OK\r\nContent-Length: 2\n", "HPE_CR_EXPECTED"],
        ["a bare LF at the end of the head", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok", "HPE_CR_EXPECTED"],
        ["a bare LF after a chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n", "HPE_CR_EXPECTED"],
        ["a chunk size that cannot become one, the line unfinished", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz", "HPE_INVALID_CHUNK_SIZE"],
        ["a negative chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "HPE_INVALID_CHUNK_SIZE"],
        ["a chunk size over 12 hex digits", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n", "HPE_INVALID_CHUNK_SIZE"],
        ["a garbage status line", "HELLO\r\n\r\n", "HPE_INVALID_CONSTANT"],
        ["a status line without a code", "HTTP/1.1 OK\r\n\r\n", "HPE_INVALID_STATUS"],
        // As they come: a real HTTP/2 or TLS server never sends the CRLF CRLF that would end a head.
        ["HTTP/2 bytes (a SETTINGS frame header)", "\x00\x00\x12\x04\x00\x00\x00\x00\x00", "HPE_INVALID_CONSTANT"],
        ["a TLS alert record", "\x15\x03\x03\x00\x02\x02\x46", "HPE_INVALID_CONSTANT"],
        ["a status line that stops being HTTP at its fourth byte, unfinished", "HTTX/1.1 200", "HPE_INVALID_CONSTANT"],
    ])("refuses %s with an HPE_ code, which classifies as transport", (_, raw, code) => {
        let error: unknown;
        try {
            new ResponseParser(false, true).push(Buffer.from(raw));
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(HttpParseError);
        expect((error as HttpParseError).code).toBe(code);
        expect(transportKind(error)).toBe("transport");
    });
});

describe("serializeRequest", () => {
    const text = (url: string, spec: Parameters<typeof serializeRequest>[1]): string => serializeRequest(new URL(url), spec).bytes.toString("latin1");

    it("writes the request line, Host with a non-default port, the check's headers and keep-alive", () => {
        expect(text("http://api.svc:8080/base/health?x=1", { method: "GET", headers: { "x-smoke": "1" } })).toBe("GET /base/health?x=1 HTTP/1.1\r\nHost: api.svc:8080\r\nx-smoke: 1\r\nConnection: keep-alive\r\n\r\n");
        expect(text("http://api.svc:80/", { method: "HEAD" })).toBe("HEAD / HTTP/1.1\r\nHost: api.svc\r\nConnection: keep-alive\r\n\r\n");
    });

    it("sends a UTF-8 body with its byte length, and Content-Length 0 for a POST without one", () => {
        expect(text("http://h/items", { method: "POST", body: '{"a":"é"}' })).toBe(`POST /items HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 10\r\n\r\n${Buffer.from('{"a":"é"}').toString("latin1")}`);
        expect(text("http://h/items", { method: "PUT" })).toBe("PUT /items HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    });

    it("sends a URL's user information as Basic authorization, as node:https does, unless the check sets its own", () => {
        expect(text("http://gate:s%40cret@h/x", { method: "GET" })).toBe(`GET /x HTTP/1.1\r\nHost: h\r\nAuthorization: Basic ${Buffer.from("gate:s@cret").toString("base64")}\r\nConnection: keep-alive\r\n\r\n`);
        expect(text("http://gate:x@h/x", { method: "GET", headers: { authorization: "Bearer t" } })).toBe("GET /x HTTP/1.1\r\nHost: h\r\nauthorization: Bearer t\r\nConnection: keep-alive\r\n\r\n");
    });

    it("keeps the check's own Host, Connection and Transfer-Encoding, and notes Connection: close", () => {
        const wire = serializeRequest(new URL("http://h/x"), { method: "POST", headers: { Host: "other", Connection: "close", "Transfer-Encoding": "chunked" }, body: "abc" });
        expect(wire.bytes.toString()).toBe("POST /x HTTP/1.1\r\nHost: other\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        expect([wire.head, wire.close]).toEqual([false, true]);
    });
});

const rawServers: RawServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(rawServers.splice(0).map((s) => s.close()));
});

/** A raw http server (tests/support/raw-server.ts), closed after each test. */
async function rawServer(onRequest: OnRequest): Promise<RawServer> {
    const s = await startRawServer(onRequest);
    rawServers.push(s);
    return s;
}

function client(url: string, sockets = 1): Client {
    const c = openClient(new URL(url), sockets);
    clients.push(c);
    return c;
}

/** Sends `method /path` over `c`; the outcome as a value (the error's code or name when it rejects). */
async function send(c: Client, url: string, method = "GET", timeoutMs = 1_000): Promise<{ status: number; body: string | undefined } | { error: string; message: string }> {
    try {
        return await c.send(c.prepare(new URL(url), { method }), timeoutMs, true);
    } catch (e) {
        const err = e as Error & { code?: string };
        return { error: err.code ?? err.name, message: err.message };
    }
}

describe("the raw client against raw servers", () => {
    it("reads a chunked body written in many small packets, then reuses the connection", async () => {
        const server = await rawServer((socket) => {
            const parts = ["HTTP/1.1 200 OK\r\nTransfer-", "Encoding: chunked\r\n\r\n", "3\r", "\nrea", "\r\n2\r\ndy\r\n", "0\r\n", "\r\n"];
            parts.forEach((p, i) => setTimeout(() => socket.write(p), i * 5));
        });
        const c = client(server.url);
        expect(await send(c, `${server.url}/a`)).toEqual({ status: 200, body: "ready" });
        expect(await send(c, `${server.url}/b`)).toEqual({ status: 200, body: "ready" });
        expect(server.connections()).toBe(1);
    });

    it("reports a close mid-body as ECONNRESET (connection-reset), and a close before any byte likewise", async () => {
        const server = await rawServer((socket, head) => {
            if (head.startsWith("GET /half")) {
                socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nrea");
                setTimeout(() => socket.destroy(), 20);
            } else {
                socket.end();
            }
        });
        const c = client(server.url);
        expect(await send(c, `${server.url}/half`)).toEqual({ error: "ECONNRESET", message: "aborted" });
        expect(await send(c, `${server.url}/none`)).toEqual({ error: "ECONNRESET", message: "socket hang up" });
        expect(transportKind(Object.assign(new Error("aborted"), { code: "ECONNRESET" }))).toBe("connection-reset");
    });

    it("opens a new connection after a response with Connection: close", async () => {
        const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
        const c = client(server.url);
        expect(await send(c, `${server.url}/`)).toEqual({ status: 200, body: "ok" });
        expect(await send(c, `${server.url}/`)).toEqual({ status: 200, body: "ok" });
        expect(server.connections()).toBe(2);
    });

    it("completes a body delimited by the server's close", async () => {
        const server = await rawServer((socket) => {
            socket.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
            socket.end(zlib.gzipSync("ready"));
        });
        expect(await send(client(server.url), `${server.url}/`)).toEqual({ status: 200, body: "ready" });
    });

    it("ends a HEAD response at its headers, and 204 and 304 without a body, on one kept-alive connection", async () => {
        const server = await rawServer((socket, head) => {
            if (head.startsWith("HEAD")) {
                socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
            } else if (head.startsWith("GET /empty")) {
                socket.write("HTTP/1.1 204 No Content\r\n\r\n");
            } else {
                socket.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
            }
        });
        const c = client(server.url);
        expect(await send(c, `${server.url}/`, "HEAD")).toEqual({ status: 200, body: "" });
        expect(await send(c, `${server.url}/empty`)).toEqual({ status: 204, body: "" });
        expect(await send(c, `${server.url}/cached`)).toEqual({ status: 304, body: "" });
        expect(server.connections()).toBe(1);
    });

    it("times out a body that stops coming, and sends the next request on a fresh connection", async () => {
        const server = await rawServer((socket, _head, n) => socket.write(n === 1 ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nre" : "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready"));
        const c = client(server.url);
        expect(await send(c, `${server.url}/`, "GET", 100)).toEqual({ error: "TimeoutError", message: "no complete response within 100 ms" });
        expect(await send(c, `${server.url}/`)).toEqual({ status: 200, body: "ready" });
        expect(server.connections()).toBe(2);
        expect(transportKind(new TimeoutError(1))).toBe("timeout");
    });

    it("drops an idle connection the server closed, and reconnects", async () => {
        const server = await rawServer((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        const c = client(server.url);
        expect(await send(c, `${server.url}/`)).toEqual({ status: 200, body: "ok" });
        await new Promise((r) => setTimeout(r, 20));
        expect(await send(c, `${server.url}/`)).toEqual({ status: 200, body: "ok" });
        expect(server.connections()).toBe(2);
    });

    it("holds requests beyond its sockets until one is free", async () => {
        const server = await rawServer((socket) => setTimeout(() => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 10));
        const c = client(server.url, 2);
        const results = await Promise.all(Array.from({ length: 6 }, () => send(c, `${server.url}/`)));
        expect(results).toEqual(Array.from({ length: 6 }, () => ({ status: 200, body: "ok" })));
        expect(server.connections()).toBe(2);
    });

    it("reports a malformed response by its HPE_ code", async () => {
        const server = await rawServer((socket) => socket.write("HTTP/1.1 abc\r\n\r\n"));
        expect(await send(client(server.url), `${server.url}/`)).toEqual({ error: "HPE_INVALID_STATUS", message: 'Parse Error: Invalid status line "HTTP/1.1 abc"' });
    });

    it.each<[string, string, { error: string; message: string }]>([
        ["a bare-LF response", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", { error: "HPE_CR_EXPECTED", message: "Parse Error: Missing expected CR after header line" }],
        ["a garbage status line", "ICY 200 OK\r\n\r\n", { error: "HPE_INVALID_CONSTANT", message: 'Parse Error: Invalid status line "ICY 200 OK"' }],
        ["a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nready", { error: "HPE_INVALID_CHUNK_SIZE", message: "Parse Error: Invalid character in chunk size" }],
        ["a head over 16 KiB in one write", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(17 * 1024)}\r\nContent-Length: 2\r\n\r\nok`, { error: "HPE_HEADER_OVERFLOW", message: "Parse Error: Header overflow" }],
    ])("refuses %s at once, on a connection the server keeps open, instead of timing out", async (_, raw, want) => {
        const server = await rawServer((socket) => socket.write(raw));
        const start = Date.now();
        expect(await send(client(server.url), `${server.url}/`, "GET", 5_000)).toEqual(want);
        expect(Date.now() - start).toBeLessThan(1_000);
    });

    it("reports refused connections and unknown hosts by Node's codes", async () => {
        const server = await rawServer(() => undefined);
        const url = server.url;
        await server.close();
        rawServers.splice(0);
        const refused = await send(client(url), `${url}/`);
        expect(refused).toEqual({ error: "ECONNREFUSED", message: `connect ECONNREFUSED ${url.slice("http://".length)}` });
        const dns = await send(client("http://nonexistent.invalid"), "http://nonexistent.invalid/", "GET", 5_000);
        expect(["ENOTFOUND", "EAI_AGAIN"]).toContain("error" in dns ? dns.error : "");
    });
});
