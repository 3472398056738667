/**
 * HTTP/1.1 on the wire, for the raw-socket client of `./transport`: the request's bytes, built once
 * per check, and an incremental parser of one response, fed the socket's chunks as they come.
 *
 * The parser knows what the client needs and no more: the status, `Content-Encoding`, whether the
 * connection may be reused, and the body, delimited as RFC 9112 section 6.3 says (no body for a HEAD
 * request or a 1xx, 204 or 304 status; else chunked, else `Content-Length`, else until the server
 * closes). Interim 1xx responses other than 101 are skipped. A malformed response throws an
 * `HttpParseError` whose `code` is the one Node's own parser (llhttp) would give, so errors classify
 * alike whichever client sent the request.
 */

/** A response the parser refuses; `code` is an llhttp-style `HPE_*`. */
export class HttpParseError extends Error {
    override readonly name = "HttpParseError";
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(`Parse Error: ${message}`);
    }
}

/** What a request is sent with, besides its URL. */
export interface RequestSpec {
    readonly method: string;
    /** Names and values as `node:http` would accept them (the policy validates them so). */
    readonly headers?: Readonly<Record<string, string>>;
    /** UTF-8 text; sent with a `Content-Length`. */
    readonly body?: string;
}

/** A request serialized once and written as is for every send. */
export interface WireRequest {
    readonly bytes: Buffer;
    /** A HEAD request: its response has no body, whatever its headers say. */
    readonly head: boolean;
    /** The request itself asks for `Connection: close`: the connection is not reused after it. */
    readonly close: boolean;
}

/** Methods whose request gets `Content-Length: 0` when it has no body, as `node:http` sends them. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * The request line and headers (Latin-1, as `node:http` writes them) and the body (UTF-8). Adds
 * `Host` (the URL's host and non-default port), `Authorization: Basic` from the URL's user
 * information, `Connection: keep-alive` and `Content-Length` unless the check sets them; a check's `Transfer-Encoding: chunked` gets its body sent as one chunk.
 */
export function serializeRequest(url: URL, spec: RequestSpec): WireRequest {
    const headers = Object.entries(spec.headers ?? {});
    const has = (name: string): string | undefined => headers.find(([k]) => k.toLowerCase() === name)?.[1];
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body, "utf8");
    const chunked = /(^|,)\s*chunked\s*$/i.test(has("transfer-encoding") ?? "");
    const lines = [`${spec.method} ${url.pathname}${url.search} HTTP/1.1`];
    if (has("host") === undefined) {
        lines.push(`Host: ${url.host}`);
    }
    if (url.username !== "" && has("authorization") === undefined) {
        // As node:https sends a URL's user information: Basic, percent-decoded.
        const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
        lines.push(`Authorization: Basic ${Buffer.from(auth, "utf8").toString("base64")}`);
    }
    for (const [name, value] of headers) {
        lines.push(`${name}: ${value}`);
    }
    if (has("connection") === undefined) {
        lines.push("Connection: keep-alive");
    }
    if (has("content-length") === undefined && !chunked && (body !== undefined || BODY_METHODS.has(spec.method))) {
        lines.push(`Content-Length: ${body?.length ?? 0}`);
    }
    const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
    let payload: Buffer[] = [];
    if (chunked) {
        payload = body === undefined || body.length === 0 ? [Buffer.from("0\r\n\r\n")] : [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")];
    } else if (body !== undefined) {
        payload = [body];
    }
    return {
        bytes: payload.length === 0 ? head : Buffer.concat([head, ...payload]),
        head: spec.method === "HEAD",
        close: /(^|,)\s*close\s*(,|$)/i.test(has("connection") ?? ""),
    };
}

/**
 * Node's default `--max-http-header-size`, counted as Node counts it (`countedHeadBytes`): a head, or a
 * trailer section, that reaches it is refused, alike over http (this parser) and https (Node's).
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The most bytes of an unfinished head or trailer section kept while it comes: Node streams a head
 * and keeps only what it counts, this parser buffers the raw bytes, delimiters included. Four times
 * the counted limit covers the smallest lines ("a:" CRLF: 4 bytes, 1 counted); only a head padded
 * with blanks Node skips (before a value) could reach it short of Node's limit.
 */
const MAX_RAW_HEAD_BYTES = 4 * MAX_HEAD_BYTES;

/**
 * The bytes of `text`, a head (`statusLine`) or trailer lines without their final CRLF CRLF, possibly
 * cut mid-line, that Node's parser counts against `MAX_HEAD_BYTES`: the status line's reason phrase,
 * each field's name, and its value from its first byte that is not a space or tab; not "HTTP/1.1 200 ",
 * ":" or the CRLFs. nodejs/node src/node_http_parser.cc (6155a1ff): `on_status`, `on_header_field` and
 * `on_header_value` each call `TrackHeader(length)`, which fails with "HPE_HEADER_OVERFLOW:Header
 * overflow" once `header_nread_ >= max_http_header_size_`; `on_headers_complete` and `on_chunk_header`
 * reset the count, so a chunked body's trailers are counted on their own.
 */
export function countedHeadBytes(text: string, statusLine: boolean): number {
    let n = 0;
    let from = 0;
    for (let first = true; from <= text.length; first = false) {
        const cr = text.indexOf("\r\n", from);
        const end = cr < 0 ? text.length : cr;
        if (first && statusLine) {
            // "HTTP/1.1 200 " is 13 bytes; what follows is the reason phrase.
            n += Math.max(0, end - from - 13);
        } else {
            let colon = from;
            while (colon < end && text[colon] !== ":") colon++;
            if (colon === end) {
                n += end - from;
            } else {
                let value = colon + 1;
                while (value < end && (text[value] === " " || text[value] === "\t")) value++;
                n += colon - from + (end - value);
            }
        }
        if (cr < 0) break;
        from = cr + 2;
    }
    return n;
}

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * Node's limit on a chunk's extensions (nodejs/node src/node_http_parser.cc `kMaxChunkExtensionsSize`,
 * 16384: `on_chunk_extension` adds each extension name's and value's bytes and fails with
 * "HPE_CHUNK_EXTENSIONS_OVERFLOW:Chunk extensions overflow" past it; `on_chunk_header` resets the count).
 */
const MAX_CHUNK_EXTENSION_BYTES = 16 * 1024;
/** The most bytes of an unfinished chunk-size line kept while it comes (its extensions' delimiters included). */
const MAX_RAW_CHUNK_LINE_BYTES = 4 * MAX_CHUNK_EXTENSION_BYTES;

/**
 * Refuses a chunk-size line whose extensions Node would refuse: their bytes Node counts (after the
 * size, all but the ";", "=" and blanks between them) past MAX_CHUNK_EXTENSION_BYTES; and, for the
 * part of a line come so far (`partial`), more raw bytes than are kept while it comes.
 */
function checkChunkExtensions(line: string, partial: boolean): void {
    const semi = line.indexOf(";");
    const counted = semi < 0 ? 0 : line.slice(semi).replace(/[;= \t\r]/g, "").length;
    if (counted > MAX_CHUNK_EXTENSION_BYTES || (partial && line.length > MAX_RAW_CHUNK_LINE_BYTES)) {
        throw new HttpParseError("HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow");
    }
}

/** The start of a chunk-size line: hex digits, then optional whitespace and an extension. A lone trailing CR may be the line's end. */
const CHUNK_SIZE_PREFIX = /^(?:[0-9A-Fa-f]{1,12}(?:[ \t;][^\r\n]*)?)?\r?$/;

/**
 * Throws when `buf[from, to)` holds an LF not preceded by a CR: RFC 9112 allows a recipient to
 * accept a bare LF, but Node's parser (and so the https client) refuses it, and so does this one.
 */
function bareLf(buf: Buffer, from: number, to: number, code: string, message: string): void {
    for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) {
        if (i === from || buf[i - 1] !== 13) {
            throw new HttpParseError(code, message);
        }
    }
}

const HTTP_NAME = Buffer.from("HTTP/");

/**
 * What a response that cannot be HTTP/1 looks like, for the cause: a server that speaks only HTTP/2
 * opens with a SETTINGS frame (RFC 9113 section 3.4: a 9-byte frame header, type 0x4, stream 0),
 * a TLS server's first record is a handshake (22) or an alert (21) with version byte 0x03
 * (RFC 8446 section 5.1, TLSPlaintext).
 */
function foreignProtocol(buf: Buffer, at: number): { readonly bytes: number; readonly hint: string } {
    if (buf.length - at >= 9 && buf[at + 3] === 0x04 && (buf.readUInt32BE(at + 5) & 0x7fffffff) === 0) {
        return { bytes: 9, hint: " (an HTTP/2 SETTINGS frame: the target speaks only HTTP/2, the gate HTTP/1.1)" };
    }
    if ((buf[at] === 21 || buf[at] === 22) && buf[at + 1] === 0x03) {
        return { bytes: 5, hint: " (a TLS record: the target expects https)" };
    }
    // The rest is shown up to its first line end.
    return { bytes: 40, hint: "" };
}

/**
 * Checks a response's first bytes as they come: they must spell `HTTP/`. Throws at the first byte
 * that cannot, as Node's parser (llhttp) does ("Expected HTTP/"), rather than wait for a CRLF CRLF
 * that a server speaking HTTP/2 or TLS never sends (the exchange would end as a bare timeout, or as
 * a reset that hides the cause). Undefined when more bytes are needed to name the protocol: a
 * frame header (9 bytes, first byte 0 for any frame under 64 KiB) or a TLS record's first 2.
 */
function statusLineStart(buf: Buffer, at: number): true | undefined {
    const n = Math.min(HTTP_NAME.length, buf.length - at);
    if (buf.compare(HTTP_NAME, 0, n, at, at + n) === 0) {
        return true;
    }
    const have = buf.length - at;
    if ((buf[at] === 0 && have < 9) || ((buf[at] === 21 || buf[at] === 22) && have < 2)) {
        return undefined;
    }
    // The frame or record header only, so that the hint survives the cause's length limit.
    const { bytes, hint } = foreignProtocol(buf, at);
    const line = buf.toString("latin1", at, Math.min(buf.length, at + bytes)).split(/[\r\n]/)[0];
    throw new HttpParseError("HPE_INVALID_CONSTANT", `Invalid status line ${JSON.stringify(line)}${hint}`);
}

const enum State {
    Head,
    Length,
    ChunkSize,
    ChunkData,
    ChunkEnd,
    Trailers,
    UntilClose,
    Done,
}

/** One response, parsed as its bytes arrive. */
export class ResponseParser {
    status = 0;
    /** The `Content-Encoding` header, several joined with ", "; undefined when absent. */
    contentEncoding: string | undefined;
    /** Whether the connection may carry another request once this response is complete. */
    keepAlive = false;
    /** The body's chunks as they came (not decoded), when `keepBody`; else empty. */
    readonly body: Buffer[] = [];
    /** Body bytes kept in `body` so far. */
    bodyBytes = 0;
    /** Whether any byte of the response has arrived. */
    started = false;
    /** Bytes arrived after the response was complete (a server may not send unasked). */
    extra = false;
    /** Interim (1xx) responses skipped so far, and the last one's status: a timeout after them only says so. */
    interim = 0;
    lastInterim = 0;

    private state = State.Head;
    /** Bytes received but not consumed yet (a head or a chunk-size line split across packets). */
    private pending: Buffer = Buffer.alloc(0);
    /** Body bytes still expected: of the whole body (Length) or of the current chunk (ChunkData). */
    private remaining = 0;
    /** Bytes of the trailer lines read so far that count against `MAX_HEAD_BYTES` (`countedHeadBytes`). */
    private trailerBytes = 0;

    /**
     * @param noBody the request was HEAD: no body follows any status
     * @param keepBody keep the body's bytes in `body`; when false they are counted and dropped
     */
    constructor(
        private readonly noBody: boolean,
        private readonly keepBody: boolean,
    ) {}

    get done(): boolean {
        return this.state === State.Done;
    }

    /**
     * Feeds bytes; returns true once the response is complete. Bytes past its end set `extra`.
     * Throws an `HttpParseError`.
     */
    push(chunk: Buffer): boolean {
        if (chunk.length === 0) {
            return this.done;
        }
        this.started = true;
        if (this.done) {
            this.extra = true;
            return true;
        }
        let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        let at = 0;
        while (at < buf.length && this.state !== State.Done) {
            at = this.step(buf, at);
            if (at < 0) {
                // The step needs more bytes than have arrived.
                at = -at - 1;
                break;
            }
        }
        if (this.state === State.Done && at < buf.length) {
            this.extra = true;
        }
        buf = buf.subarray(at);
        this.pending = this.state === State.Done ? Buffer.alloc(0) : buf;
        // A head or trailer section still coming is judged as Node judges it, byte by byte: refused once
        // its counted bytes reach the limit, not only when (if ever) it ends.
        // Counted bytes are some of the raw ones: a shorter pending section cannot have reached the limit.
        if (this.pending.length >= MAX_HEAD_BYTES - this.trailerBytes && (this.state === State.Head || this.state === State.Trailers)) {
            const text = this.pending.toString("latin1");
            const counted = this.state === State.Head ? countedHeadBytes(text, true) : this.trailerBytes + countedHeadBytes(text, false);
            if (counted >= MAX_HEAD_BYTES || this.pending.length > MAX_RAW_HEAD_BYTES) {
                throw new HttpParseError("HPE_HEADER_OVERFLOW", "Header overflow");
            }
        }
        return this.done;
    }

    /**
     * The server closed the connection: true when that completes the response (a body delimited by
     * the close), false when the response was cut off (or never started).
     */
    end(): boolean {
        if (this.state === State.UntilClose) {
            this.state = State.Done;
        }
        return this.done;
    }

    /** Consumes from `at`; returns the new offset, or -(offset + 1) when it needs more bytes. */
    private step(buf: Buffer, at: number): number {
        switch (this.state) {
            case State.Head: {
                if (statusLineStart(buf, at) === undefined) {
                    return -(at + 1);
                }
                const end = buf.indexOf(HEAD_END, at);
                // A head with a bare LF never ends in CRLF CRLF: refuse it now rather than wait for the timeout.
                bareLf(buf, at, end < 0 ? buf.length : end, "HPE_CR_EXPECTED", "Missing expected CR after header line");
                if (end < 0) {
                    return -(at + 1);
                }
                const text = buf.toString("latin1", at, end);
                if (countedHeadBytes(text, true) >= MAX_HEAD_BYTES || end + 4 - at > MAX_RAW_HEAD_BYTES) {
                    throw new HttpParseError("HPE_HEADER_OVERFLOW", "Header overflow");
                }
                this.head(text);
                return end + 4;
            }
            case State.Length:
            case State.ChunkData:
            case State.UntilClose: {
                const n = this.state === State.UntilClose ? buf.length - at : Math.min(this.remaining, buf.length - at);
                if (this.keepBody && n > 0) {
                    this.body.push(at === 0 && n === buf.length ? buf : buf.subarray(at, at + n));
                    this.bodyBytes += n;
                }
                if (this.state !== State.UntilClose) {
                    this.remaining -= n;
                    if (this.remaining === 0) {
                        this.state = this.state === State.Length ? State.Done : State.ChunkEnd;
                    }
                }
                return at + n;
            }
            case State.ChunkEnd: {
                if (buf.length - at < 2) {
                    return -(at + 1);
                }
                if (buf[at] !== 13 || buf[at + 1] !== 10) {
                    throw new HttpParseError("HPE_STRICT", "Expected CRLF after chunk");
                }
                this.state = State.ChunkSize;
                return at + 2;
            }
            case State.ChunkSize: {
                const end = buf.indexOf(CRLF, at);
                bareLf(buf, at, end < 0 ? buf.length : end, "HPE_CR_EXPECTED", "Missing expected CR after chunk size");
                if (end < 0) {
                    // A partial size line that cannot become a valid one is refused at once, not after the timeout.
                    if (!CHUNK_SIZE_PREFIX.test(buf.toString("latin1", at, Math.min(buf.length, at + 16)))) {
                        throw new HttpParseError("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size");
                    }
                    checkChunkExtensions(buf.toString("latin1", at), true);
                    return -(at + 1);
                }
                const line = buf.toString("latin1", at, end);
                const size = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
                if (size === null) {
                    throw new HttpParseError("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size");
                }
                checkChunkExtensions(line, false);
                this.remaining = parseInt(size[1], 16);
                this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
                return end + 2;
            }
            case State.Trailers: {
                const end = buf.indexOf(CRLF, at);
                if (end < 0) {
                    return -(at + 1);
                }
                // Trailer fields are read past, counted as Node counts them; an empty line ends the message.
                if (end === at) {
                    this.state = State.Done;
                } else {
                    this.trailerBytes += countedHeadBytes(buf.toString("latin1", at, end), false);
                    if (this.trailerBytes >= MAX_HEAD_BYTES) {
                        throw new HttpParseError("HPE_HEADER_OVERFLOW", "Header overflow");
                    }
                }
                return end + 2;
            }
            default:
                return buf.length;
        }
    }

    /** The status line and header fields, without the blank line. */
    private head(text: string): void {
        const lines = text.split("\r\n");
        const status = STATUS_LINE.exec(lines[0]);
        if (status === null) {
            throw new HttpParseError(lines[0].startsWith("HTTP/") ? "HPE_INVALID_STATUS" : "HPE_INVALID_CONSTANT", `Invalid status line ${JSON.stringify(lines[0].slice(0, 40))}`);
        }
        let length: string | undefined;
        let transferEncoding: string | undefined;
        let connection = "";
        const encodings: string[] = [];
        for (let i = 1; i < lines.length; i++) {
            const line = lines[i];
            const colon = line.indexOf(":");
            const name = colon > 0 ? line.slice(0, colon) : "";
            if (!TOKEN.test(name)) {
                throw new HttpParseError("HPE_INVALID_HEADER_TOKEN", `Invalid header field ${JSON.stringify(line.slice(0, 40))}`);
            }
            const value = line.slice(colon + 1).trim();
            switch (name.toLowerCase()) {
                case "content-length":
                    if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== value)) {
                        throw new HttpParseError(length === undefined ? "HPE_INVALID_CONTENT_LENGTH" : "HPE_UNEXPECTED_CONTENT_LENGTH", `Invalid Content-Length ${JSON.stringify(value)}`);
                    }
                    length = value;
                    break;
                case "transfer-encoding":
                    transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
                    break;
                case "connection":
                    connection += `,${value.toLowerCase()}`;
                    break;
                case "content-encoding":
                    encodings.push(value);
                    break;
            }
        }
        const code = Number(status[2]);
        if (code >= 100 && code < 200 && code !== 101) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            this.interim++;
            this.lastInterim = code;
            return;
        }
        this.status = code;
        this.contentEncoding = encodings.length === 0 ? undefined : encodings.join(", ");
        const tokens = connection.split(",").map((t) => t.trim());
        this.keepAlive = status[1] === "1" ? !tokens.includes("close") : tokens.includes("keep-alive");
        if (this.noBody || code === 101 || code === 204 || code === 304) {
            this.keepAlive &&= code !== 101;
            this.state = State.Done;
            return;
        }
        if (transferEncoding !== undefined) {
            if (length !== undefined) {
                throw new HttpParseError("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding");
            }
            if (/(^|,)\s*chunked\s*$/i.test(transferEncoding)) {
                this.state = State.ChunkSize;
            } else {
                this.state = State.UntilClose;
                this.keepAlive = false;
            }
        } else if (length !== undefined) {
            this.remaining = Number(length);
            this.state = this.remaining === 0 ? State.Done : State.Length;
        } else {
            this.state = State.UntilClose;
            this.keepAlive = false;
        }
    }
}
