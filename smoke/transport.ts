/**
 * The runner's one transport: an HTTP/1.1 exchange over Node's own `node:http` and `node:https`
 * (`http.request` on a keep-alive Agent), used by the checks and by the Pushgateway push alike, so
 * the bundle carries no dependency and no second client.
 *
 * An exchange is complete when the whole body has arrived. Redirects are not followed: a 3xx is the
 * answer. A body sent with `Content-Encoding: gzip`, `deflate` or `br` is decoded before it is
 * returned as text (UTF-8, a leading BOM dropped, invalid bytes as U+FFFD).
 */
import * as http from "node:http";
import * as https from "node:https";
import * as zlib from "node:zlib";

/** The exchange got no complete response, body included, within its `timeoutMs`. */
export class TimeoutError extends Error {
    override readonly name = "TimeoutError";
}

export interface ExchangeInit {
    readonly method: string;
    readonly headers?: Readonly<Record<string, string>>;
    /** Sent with a `Content-Length`; none when undefined. */
    readonly body?: string;
    /** A keep-alive Agent of the URL's protocol (`keepAliveAgent`), or false for a one-off connection. */
    readonly agent: http.Agent | false;
    /** From sending the request to the last byte of the body; past it the request is destroyed. */
    readonly timeoutMs: number;
    /** Decode and return the body; when false it is read to the end and dropped. */
    readonly readBody: boolean;
}

export interface Exchange {
    readonly status: number;
    /** The decoded body when `readBody` was set, else undefined. */
    readonly body: string | undefined;
}

/** A keep-alive Agent for `url`'s protocol holding at most `sockets` connections, busy or idle. */
export function keepAliveAgent(url: URL, sockets: number): http.Agent {
    const options: http.AgentOptions = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets };
    return url.protocol === "https:" ? new https.Agent(options) : new http.Agent(options);
}

const utf8 = new TextDecoder();

const DECODERS: Readonly<Record<string, (b: Buffer) => Buffer>> = {
    gzip: zlib.gunzipSync,
    "x-gzip": zlib.gunzipSync,
    deflate: zlib.inflateSync,
    br: zlib.brotliDecompressSync,
};

/**
 * The body as text. Content codings are undone last-applied first; with an unknown one the body is
 * left as it came. A body that does not decode throws zlib's error (a `Z_*` code).
 */
export function decodeBody(chunks: readonly Buffer[], contentEncoding: string | undefined): string {
    let body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const codings = (contentEncoding ?? "")
        .split(",")
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== "" && c !== "identity")
        .reverse();
    if (body.length > 0 && codings.every((c) => DECODERS[c] !== undefined)) {
        for (const c of codings) {
            body = DECODERS[c](body);
        }
    }
    return utf8.decode(body);
}

/**
 * Sends one request and resolves with the complete response. Rejects with a `TimeoutError` after
 * `timeoutMs`, or with Node's error (its `code`: ECONNREFUSED, ECONNRESET, ENOTFOUND, HPE_*, ...)
 * when the connection or the response fails; a response cut off mid-body is ECONNRESET.
 */
export function exchange(url: URL, init: ExchangeInit): Promise<Exchange> {
    return new Promise((resolve, reject) => {
        let settled = false;
        const fail = (e: Error): void => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                reject(e);
            }
        };
        const request = url.protocol === "https:" ? https.request : http.request;
        const req = request(url, { method: init.method, headers: init.headers, agent: init.agent }, (res) => {
            const chunks: Buffer[] | undefined = init.readBody ? [] : undefined;
            if (chunks === undefined) {
                res.resume();
            } else {
                res.on("data", (c: Buffer) => chunks.push(c));
            }
            res.on("error", fail);
            res.on("end", () => {
                if (settled) {
                    return;
                }
                settled = true;
                clearTimeout(timer);
                try {
                    resolve({ status: res.statusCode ?? 0, body: chunks === undefined ? undefined : decodeBody(chunks, res.headers["content-encoding"]) });
                } catch (e) {
                    reject(e instanceof Error ? e : new Error(String(e)));
                }
            });
        });
        // Destroying the request frees its connection; whatever it emits afterwards is ignored.
        const timer = setTimeout(() => {
            fail(new TimeoutError(`no complete response within ${init.timeoutMs} ms`));
            req.destroy();
        }, init.timeoutMs);
        req.on("error", fail);
        req.end(init.body);
    });
}
