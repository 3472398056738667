/**
 * The runner's one transport, used by the checks and by the Pushgateway push alike, so the bundle
 * carries no dependency. For `http:` targets, a raw-socket HTTP/1.1 client: a pool of `net.Socket`s
 * kept alive, one request in flight per socket, the request's bytes built once per check
 * (`./http1`) and written as they are, and the response parsed by `./http1`'s own small parser. It
 * costs far less per request than `node:http`'s `ClientRequest` and `IncomingMessage`, which matters
 * when the target answers at once. For `https:` targets, Node's `node:https` on a keep-alive Agent.
 *
 * An exchange is complete when the whole body has arrived. Redirects are not followed: a 3xx is the
 * answer. A body sent with `Content-Encoding: gzip`, `deflate` or `br` is decoded before it is
 * returned as text (UTF-8, a leading BOM dropped, invalid bytes as U+FFFD).
 */
import type * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as zlib from "node:zlib";
import { MAX_HEAD_BYTES, ResponseParser, serializeRequest, type RequestSpec, type WireRequest } from "./http1";

export type { RequestSpec } from "./http1";

/** The exchange got no complete response, body included, within its `timeoutMs`. */
export class TimeoutError extends Error {
    override readonly name = "TimeoutError";
    /** Set when interim (1xx) responses came and no final one: the only timeout with a cause worth keeping. */
    readonly onlyInterim: boolean;

    constructor(timeoutMs: number, interim?: { readonly count: number; readonly last: number }) {
        super(interim === undefined || interim.count === 0
            ? `no complete response within ${timeoutMs} ms`
            : `only informational (1xx) responses within ${timeoutMs} ms (the last ${interim.last}), never a final one`);
        this.onlyInterim = interim !== undefined && interim.count > 0;
    }
}

export interface Exchange {
    readonly status: number;
    /**
     * The decoded body when `readBody` was set, else undefined: whole, or up to the first match of
     * `find`, or what was read before the cap (see `stopped`).
     */
    readonly body: string | undefined;
    /** Why the body was not read to its end without a match: reading stopped at the size cap. */
    readonly stopped?: string;
}

/** Body bytes a request may hold when its sockets are few: a health body is far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Body bytes all requests in flight may hold together, well inside the gate pod's 256 Mi limit. */
export const BODY_BUDGET_BYTES = 64 * 1024 * 1024;
/** The least cap, however many sockets. */
export const MIN_BODY_BYTES = 64 * 1024;

/**
 * The body bytes one request of a client with `sockets` connections may read (and, decoded, hold):
 * `MAX_BODY_BYTES`, lowered so that all sockets together stay within `BODY_BUDGET_BYTES`, but
 * never below `MIN_BODY_BYTES`.
 */
export function bodyCapBytes(sockets: number): number {
    return Math.max(MIN_BODY_BYTES, Math.min(MAX_BODY_BYTES, Math.floor(BODY_BUDGET_BYTES / Math.max(1, sockets))));
}

/** A request prepared once (per check) and sent any number of times. */
export interface Prepared {
    readonly url: URL;
    readonly spec: RequestSpec;
    /** The serialized request, for the raw `http:` client. */
    readonly wire: WireRequest | undefined;
}

/** Connections to one origin, reused across requests. */
export interface Client {
    /** Builds the request once; `url` must be on the client's origin. */
    prepare(url: URL, spec: RequestSpec): Prepared;
    /**
     * Sends one request and resolves with the complete response. Rejects with a `TimeoutError`
     * after `timeoutMs` (from the call to the last byte of the body; the connection is then
     * destroyed), or with an error whose `code` says what failed: ECONNREFUSED, ECONNRESET (also a
     * connection closed before the response was complete), EPIPE, ENOTFOUND, EAI_AGAIN, HPE_* (a
     * malformed response), Z_* (a body that does not decode), ERR_BODY_TOO_LARGE (a body that
     * decodes to more than the cap). `readBody` false: the body is read to the end and dropped.
     * `readBody` true: it is kept, up to the client's cap (`bodyCapBytes`); past the cap, reading
     * stops and the exchange resolves with what was read and `stopped`. With `find` (implies
     * `readBody`), reading also stops at the first occurrence of `find` in a body that is not
     * content-coded; the exchange resolves then, its latency cut there.
     */
    send(request: Prepared, timeoutMs: number, readBody: boolean, find?: string): Promise<Exchange>;
    /** Closes every connection, idle or busy. */
    close(): void;
}

const utf8 = new TextDecoder();

const DECODERS: Readonly<Record<string, (b: Buffer, maxOutputLength: number) => Buffer>> = {
    gzip: (b, maxOutputLength) => zlib.gunzipSync(b, { maxOutputLength }),
    "x-gzip": (b, maxOutputLength) => zlib.gunzipSync(b, { maxOutputLength }),
    deflate: (b, maxOutputLength) => zlib.inflateSync(b, { maxOutputLength }),
    br: (b, maxOutputLength) => zlib.brotliDecompressSync(b, { maxOutputLength }),
};

/**
 * The body as text. Content codings are undone last-applied first; with an unknown one the body is
 * left as it came. A body that does not decode throws zlib's error (a `Z_*` code).
 */
export function decodeBody(chunks: readonly Buffer[], contentEncoding: string | undefined, maxBytes = MAX_BODY_BYTES): string {
    let body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const codings = contentCodings(contentEncoding);
    if (body.length > 0 && codings.every((c) => DECODERS[c] !== undefined)) {
        for (const c of codings) {
            try {
                body = DECODERS[c](body, maxBytes);
            } catch (e) {
                if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
                    throw coded("ERR_BODY_TOO_LARGE", `the ${c} body decodes to more than ${maxBytes} bytes`);
                }
                throw e;
            }
        }
    }
    return utf8.decode(body);
}

/** The content codings to undo, last applied first; empty for none or identity. */
function contentCodings(contentEncoding: string | undefined): string[] {
    if (contentEncoding === undefined) {
        return [];
    }
    return contentEncoding
        .split(",")
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== "" && c !== "identity")
        .reverse();
}

/**
 * Looks for a needle across the body's chunks as they come, keeping only the needle's length less
 * one byte of the previous chunks. Matches bytes, so it is used on bodies that are not
 * content-coded only; the UTF-8 bytes of the text match exactly where the decoded text would.
 */
class BodySearch {
    private readonly needle: Buffer;
    private tail: Buffer = Buffer.alloc(0);
    /** Chunks of the body already searched. */
    private searched = 0;

    constructor(find: string) {
        this.needle = Buffer.from(find, "utf8");
    }

    /** Searches the chunks not searched yet; true at the first match. */
    found(chunks: readonly Buffer[]): boolean {
        for (; this.searched < chunks.length; this.searched++) {
            const c = chunks[this.searched];
            const hay = this.tail.length === 0 ? c : Buffer.concat([this.tail, c]);
            if (hay.indexOf(this.needle) >= 0) {
                return true;
            }
            this.tail = Buffer.from(hay.subarray(Math.max(0, hay.length - this.needle.length + 1)));
        }
        return false;
    }
}

const stoppedAt = (cap: number, codings: readonly string[]): string =>
    `reading stopped at the ${cap}-byte cap${codings.length === 0 ? "" : ` (${[...codings].reverse().join(", ")}-coded, not decoded)`}`;

/** How an https client verifies the server. */
export interface TlsOptions {
    /**
     * PEM certificates trusted instead of Node's bundled CAs (a private CA; the tests' own).
     * @default - Node's bundled CAs
     */
    readonly ca?: string;
}

/** A client for `base`'s origin holding at most `sockets` connections, busy or idle. */
export function openClient(base: URL, sockets: number, tls: TlsOptions = {}): Client {
    return base.protocol === "https:" ? new HttpsClient(base, sockets, tls) : new RawClient(base, sockets);
}

/** One request over a client of its own, closed afterwards (the Pushgateway push). */
export async function exchange(url: URL, spec: RequestSpec & { readonly timeoutMs: number; readonly readBody: boolean }): Promise<Exchange> {
    const client = openClient(url, 1);
    try {
        return await client.send(client.prepare(url, spec), spec.timeoutMs, spec.readBody);
    } finally {
        client.close();
    }
}

/**
 * Host and port `net.connect` takes for a URL: an IPv6 literal without the brackets its hostname
 * keeps; the scheme's port when the URL names none.
 */
export function endpointOf(url: URL): { host: string; port: number } {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { host, port };
}

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

function sameOrigin(base: URL, url: URL): void {
    if (url.origin !== base.origin) {
        throw new RangeError(`${url.href} is not on the client's origin ${base.origin}`);
    }
}

/** The request in flight on a connection. */
interface Job {
    readonly parser: ResponseParser;
    readonly close: boolean;
    readonly readBody: boolean;
    /** Set with `find`: the body is searched as it comes. */
    readonly search: BodySearch | undefined;
    /** The request's bytes, for the one retry. */
    readonly bytes: Buffer;
    /** Whether the request was already sent again on a fresh connection. */
    retried: boolean;
    readonly timer: NodeJS.Timeout;
    readonly resolve: (e: Exchange) => void;
    readonly reject: (e: Error) => void;
}

/** One socket of the raw client; its listeners are set once and serve every request it carries. */
class Connection {
    readonly socket: net.Socket;
    job: Job | undefined;
    /** Responses this connection completed: a request after the first reuses it. */
    private served = 0;
    private dead = false;

    constructor(
        private readonly client: RawClient,
        host: string,
        port: number,
    ) {
        this.socket = net.connect({ host, port, noDelay: true });
        this.socket.on("data", (chunk: Buffer) => this.data(chunk));
        this.socket.on("end", () => this.closed());
        this.socket.on("close", () => this.closed());
        this.socket.on("error", (e: Error) => this.fail(e, true));
    }

    start(job: Job, bytes: Buffer): void {
        this.job = job;
        this.socket.write(bytes);
    }

    private data(chunk: Buffer): void {
        const job = this.job;
        if (job === undefined) {
            // Nothing was asked: a server that talks unasked cannot be trusted with the next request.
            this.destroy();
            return;
        }
        let done: boolean;
        try {
            done = job.parser.push(chunk);
        } catch (e) {
            this.fail(e as Error);
            return;
        }
        if (done) {
            this.complete(job);
        } else if (job.readBody && job.parser.bodyBytes > 0) {
            this.bound(job);
        }
    }

    /** A body still coming: stops at the first match of `find`, or at the cap. */
    private bound(job: Job): void {
        const p = job.parser;
        const codings = contentCodings(p.contentEncoding);
        const found = job.search !== undefined && codings.length === 0 && job.search.found(p.body);
        if (!found && p.bodyBytes < this.client.bodyCap) {
            return;
        }
        // The rest of the body is not read: the connection cannot carry another request.
        this.job = undefined;
        clearTimeout(job.timer);
        this.destroy();
        const body = codings.length === 0 ? decodeBody(p.body, undefined) : "";
        job.resolve(found ? { status: p.status, body } : { status: p.status, body, stopped: stoppedAt(this.client.bodyCap, codings) });
    }

    /** The server closed its side, or the socket closed. */
    private closed(): void {
        const job = this.job;
        if (job !== undefined && job.parser.end()) {
            this.complete(job);
        } else if (job !== undefined) {
            this.fail(coded("ECONNRESET", job.parser.started ? "aborted" : "socket hang up"), true);
        }
        this.destroy();
    }

    private complete(job: Job): void {
        this.job = undefined;
        this.served++;
        clearTimeout(job.timer);
        const p = job.parser;
        // Returned to the pool before the caller hears back, so its next request reuses this socket.
        if (p.keepAlive && !job.close && !p.extra && !this.dead) {
            this.client.release(this);
        } else {
            this.destroy();
        }
        let body: string | undefined;
        try {
            body = job.readBody ? decodeBody(p.body, p.contentEncoding, this.client.bodyCap) : undefined;
        } catch (e) {
            job.reject(e as Error);
            return;
        }
        job.resolve({ status: p.status, body });
    }

    /**
     * Fails the request in flight, if any, and destroys the socket. A request that failed on a reused
     * connection before any byte of its response (`network`: the socket failed or closed, not the
     * parser or the timeout) is sent once more, on a fresh connection: the server may have closed the
     * idle connection just as the request went out.
     */
    fail(e: Error, network = false): void {
        const job = this.job;
        this.job = undefined;
        if (job !== undefined && network && this.served > 0 && !job.parser.started && !job.retried) {
            job.retried = true;
            this.client.retry(job);
            this.destroy();
            return;
        }
        this.destroy();
        if (job !== undefined) {
            clearTimeout(job.timer);
            job.reject(e);
        }
    }

    destroy(): void {
        if (!this.dead) {
            this.dead = true;
            this.socket.destroy();
            this.client.forget(this);
        }
    }
}

/** A request waiting for a connection: every one was busy. */
interface Waiting {
    readonly job: Job;
    readonly bytes: Buffer;
}

/** The raw-socket HTTP/1.1 client of `http:` targets. */
class RawClient implements Client {
    private readonly host: string;
    private readonly port: number;
    private readonly idle: Connection[] = [];
    private readonly open = new Set<Connection>();
    private readonly waiting: Waiting[] = [];
    private closing = false;
    /** Body bytes one request may read. */
    readonly bodyCap: number;

    constructor(
        private readonly base: URL,
        private readonly sockets: number,
    ) {
        this.bodyCap = bodyCapBytes(sockets);
        ({ host: this.host, port: this.port } = endpointOf(base));
    }

    prepare(url: URL, spec: RequestSpec): Prepared {
        sameOrigin(this.base, url);
        return { url, spec, wire: serializeRequest(url, spec) };
    }

    send(request: Prepared, timeoutMs: number, readBody: boolean, find?: string): Promise<Exchange> {
        const wire = request.wire ?? serializeRequest(request.url, request.spec);
        const keep = readBody || find !== undefined;
        return new Promise((resolve, reject) => {
            const job: Job = {
                parser: new ResponseParser(wire.head, keep),
                close: wire.close,
                readBody: keep,
                search: find === undefined ? undefined : new BodySearch(find),
                bytes: wire.bytes,
                retried: false,
                timer: setTimeout(() => this.timeout(job, timeoutMs), timeoutMs),
                resolve,
                reject,
            };
            const conn = this.connection();
            if (conn === undefined) {
                this.waiting.push({ job, bytes: wire.bytes });
            } else {
                conn.start(job, wire.bytes);
            }
        });
    }

    close(): void {
        this.closing = true;
        const closed = coded("ECONNRESET", "the client was closed");
        for (const w of this.waiting.splice(0)) {
            clearTimeout(w.job.timer);
            w.job.reject(closed);
        }
        for (const conn of [...this.open]) {
            conn.fail(closed);
        }
    }

    /** An idle connection, a new one if the pool has room, else undefined. */
    private connection(): Connection | undefined {
        const idle = this.idle.pop();
        if (idle !== undefined || this.open.size >= this.sockets) {
            return idle;
        }
        const conn = new Connection(this, this.host, this.port);
        this.open.add(conn);
        return conn;
    }

    private timeout(job: Job, timeoutMs: number): void {
        // A final status ends the interim ones; 1xx only is named (a server stuck sending 102 Processing).
        const error = new TimeoutError(timeoutMs, job.parser.status === 0 ? { count: job.parser.interim, last: job.parser.lastInterim } : undefined);
        const queued = this.waiting.findIndex((w) => w.job === job);
        if (queued >= 0) {
            this.waiting.splice(queued, 1);
            job.reject(error);
            return;
        }
        for (const conn of this.open) {
            if (conn.job === job) {
                conn.fail(error);
                return;
            }
        }
    }

    /** Sends a request again on a new connection, in the room of the one it failed on (forgotten right after). */
    retry(job: Job): void {
        const conn = new Connection(this, this.host, this.port);
        this.open.add(conn);
        conn.start(job, job.bytes);
    }

    /** A connection whose response is complete and which may carry another request. */
    release(conn: Connection): void {
        const next = this.waiting.shift();
        if (next !== undefined) {
            conn.start(next.job, next.bytes);
        } else {
            this.idle.push(conn);
        }
    }

    /** A connection that closed: out of the pool, and its room goes to a waiting request. */
    forget(conn: Connection): void {
        this.open.delete(conn);
        const at = this.idle.indexOf(conn);
        if (at >= 0) {
            this.idle.splice(at, 1);
        }
        if (!this.closing && this.waiting.length > 0) {
            const next = this.waiting.shift();
            const fresh = this.connection();
            if (next !== undefined && fresh !== undefined) {
                fresh.start(next.job, next.bytes);
            }
        }
    }
}

/** `node:https` on a keep-alive Agent, for `https:` targets. */
class HttpsClient implements Client {
    private readonly agent: https.Agent;
    private readonly bodyCap: number;

    constructor(
        private readonly base: URL,
        sockets: number,
        private readonly tls: TlsOptions,
    ) {
        this.bodyCap = bodyCapBytes(sockets);
        this.agent = new https.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ca: tls.ca });
    }

    prepare(url: URL, spec: RequestSpec): Prepared {
        sameOrigin(this.base, url);
        return { url, spec, wire: undefined };
    }

    send(request: Prepared, timeoutMs: number, readBody: boolean, find?: string): Promise<Exchange> {
        const keep = readBody || find !== undefined;
        return new Promise((resolve, reject) => {
            let settled = false;
            const fail = (e: Error): void => {
                if (!settled) {
                    settled = true;
                    clearTimeout(timer);
                    reject(e);
                }
            };
            const { method, headers, body } = request.spec;
            let req: http.ClientRequest;
            let responded = false;
            const interim = { count: 0, last: 0 };
            /** `fresh`: the one retry, on a connection of its own (no agent), closed after it. */
            const attempt = (fresh: boolean): void => {
                let received = -1;
                // The raw client's head limit, stated rather than inherited from --max-http-header-size, so both refuse alike.
                const options: https.RequestOptions = { method, headers, agent: fresh ? false : this.agent, ca: this.tls.ca, maxHeaderSize: MAX_HEAD_BYTES };
                req = https.request(request.url, options, (res) => {
                    responded = true;
                    const chunks: Buffer[] | undefined = keep ? [] : undefined;
                    const status = res.statusCode ?? 0;
                    if (chunks === undefined) {
                        res.resume();
                    } else {
                        const codings = contentCodings(res.headers["content-encoding"]);
                        const search = find === undefined || codings.length > 0 ? undefined : new BodySearch(find);
                        let bytes = 0;
                        let stopping = false;
                        res.on("data", (c: Buffer) => {
                            chunks.push(c);
                            bytes += c.length;
                            if (stopping || settled || res.complete) {
                                return;
                            }
                            const found = search?.found(chunks) ?? false;
                            if (!found && bytes < this.bodyCap) {
                                return;
                            }
                            // Stop here: the rest is not read, and destroying the request closes its connection. After a
                            // match, only once the response has not ended in this same turn (the connection is then kept).
                            stopping = true;
                            const read = chunks.length;
                            const stop = (): void => {
                                if (settled) {
                                    return;
                                }
                                settled = true;
                                clearTimeout(timer);
                                req.destroy();
                                const body = codings.length === 0 ? decodeBody(chunks.slice(0, read), undefined) : "";
                                resolve(found ? { status, body } : { status, body, stopped: stoppedAt(this.bodyCap, codings) });
                            };
                            if (found) {
                                setImmediate(stop);
                            } else {
                                stop();
                            }
                        });
                    }
                    res.on("error", fail);
                    res.on("end", () => {
                        if (settled) {
                            return;
                        }
                        settled = true;
                        clearTimeout(timer);
                        try {
                            resolve({ status, body: chunks === undefined ? undefined : decodeBody(chunks, res.headers["content-encoding"], this.bodyCap) });
                        } catch (e) {
                            reject(e instanceof Error ? e : new Error(String(e)));
                        }
                    });
                });
                req.on("socket", (socket) => (received = socket.bytesRead));
                req.on("information", (info: http.InformationEvent) => {
                    interim.count++;
                    interim.last = info.statusCode;
                });
                req.on("error", (e: Error & { code?: string }) => {
                    // As the raw client: a request that failed on a reused connection before any byte of its response is sent again.
                    const quiet = received >= 0 && req.socket?.bytesRead === received;
                    if (!fresh && !settled && !responded && req.reusedSocket && quiet && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
                        attempt(true);
                        return;
                    }
                    fail(e);
                });
                req.end(body);
            };
            // Destroying the request frees its connection; whatever it emits afterwards is ignored.
            const timer = setTimeout(() => {
                fail(new TimeoutError(timeoutMs, responded ? undefined : interim));
                req.destroy();
            }, timeoutMs);
            attempt(false);
        });
    }

    close(): void {
        this.agent.destroy();
    }
}
