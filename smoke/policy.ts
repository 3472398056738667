import { validateHeaderName, validateHeaderValue } from "node:http";

/**
 * The smoke policy: what the gate asks of a release before traffic may move to it, as the JSON file
 * the runner reads (`--policy <file.json>`). The config layer writes exactly this shape into the gate's
 * ConfigMap, and `validatePolicy` checks it by hand: the runner is bundled into one file that runs on a
 * stock Node image, so it carries no runtime dependency (no zod here).
 *
 * Every problem is reported at once, in the config's message style:
 *
 *     <json path>: received <value>; expected <what is allowed>
 */

/** The HTTP methods a check may use. */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Method of a check that names none. */
export const DEFAULT_METHOD: HttpMethod = "GET";
/** Status a check expects when it names none. */
export const DEFAULT_EXPECT_STATUS = 200;

/**
 * One request the gate sends, `requests` times, and what its answer must be. A request fails when
 * (first match wins): it got no complete response within `timeoutMs` (`timeout`) or the connection
 * failed (`connection-refused`, `connection-reset`, `dns`, `transport`); its status is not in
 * `expectStatus` (`unexpected-status`); or its body does not contain `bodyContains`
 * (`body-mismatch`).
 */
export interface SmokeCheck {
    /**
     * Shown in the report and the reasons; unique among the checks.
     * @default - `<method> <path>`, e.g. `GET /health/ready`
     */
    readonly name?: string;
    /** Path (and query) appended to the target's base URL; starts with `/`. */
    readonly path: string;
    /**
     * HTTP method.
     * @default "GET"
     */
    readonly method?: HttpMethod;
    /**
     * The status, or any of the statuses, that counts as success.
     * @default 200
     */
    readonly expectStatus?: number | readonly number[];
    /**
     * Text the response body must contain (case-sensitive, decoded as UTF-8).
     * @default - the body is read but not checked
     */
    readonly bodyContains?: string;
    /**
     * Latency bound of this check alone, in milliseconds: the check's own p95 (nearest rank, over
     * its measured requests) must be at most this. A bound on p95 rather than on every request, so
     * one slow request (a GC pause, a cold connection) does not fail a healthy release.
     * @default - no per-check bound; only the policy's thresholds apply
     */
    readonly maxLatencyMs?: number;
    /**
     * Request headers. Names and values must be ones Node's `http.request` accepts (see
     * `validatePolicy`), so a bad one is a policy problem rather than a failure of every request
     * (https) or bytes written as they are (the raw http client).
     * @default - none besides what the transport sends: `Host`, `Connection: keep-alive`, and
     *   `Content-Length` with a body or for POST, PUT and PATCH (no `Accept-Encoding`, `User-Agent`
     *   or `Accept`)
     */
    readonly headers?: Readonly<Record<string, string>>;
    /**
     * Request body, sent with its `Content-Length`; not allowed with GET or HEAD, where HTTP gives a
     * body no meaning and servers may refuse it.
     * @default - no body
     */
    readonly body?: string;
}

/** Bounds on the measured requests of all checks together. Each must hold strictly. */
export interface SmokeThresholds {
    /** p95 latency must be below this, in milliseconds. */
    readonly p95Ms: number;
    /** p99 latency must be below this, in milliseconds. */
    readonly p99Ms: number;
    /** Failed requests / measured requests must be below this; in (0, 1]. */
    readonly errorRate: number;
}

/**
 * A load phase after the smoke phase: `users` concurrent loops, each sending the checks in turn
 * (user `i` starts at check `i mod checks`) until `durationSeconds` have passed since the phase
 * started. Requests started before then are awaited and counted. Its figures are held to the same
 * thresholds and `maxLatencyMs` bounds as the smoke phase and reported separately.
 */
export interface LoadProfile {
    /** Concurrent request loops; an integer >= 1. */
    readonly users: number;
    /** How long the loops keep starting requests, in seconds; > 0. */
    readonly durationSeconds: number;
}

export interface SmokePolicy {
    /** At least one check; they run one after another. */
    readonly checks: readonly SmokeCheck[];
    /** Measured requests per check; an integer >= 1. */
    readonly requests: number;
    /** Requests in flight at once, per check; an integer >= 1. */
    readonly concurrency: number;
    /** Per request, from sending it to the last byte of its body, in milliseconds; > 0 and at most `MAX_TIMEOUT_MS`. */
    readonly timeoutMs: number;
    /** Requests per check sent before measuring it, to warm connections and caches; not counted anywhere but `warmup`. An integer >= 0. */
    readonly warmupRequests: number;
    readonly thresholds: SmokeThresholds;
    /**
     * Optional load phase.
     * @default - no load phase; the summary's `load` is null
     */
    readonly load?: LoadProfile;
}

export type PolicyResult = { readonly ok: true; readonly policy: SmokePolicy } | { readonly ok: false; readonly problems: readonly string[] };

/** A check with its defaults filled in and its display name decided. */
export interface ResolvedCheck {
    readonly name: string;
    readonly path: string;
    readonly method: HttpMethod;
    readonly expectStatus: readonly number[];
    readonly bodyContains: string | undefined;
    readonly maxLatencyMs: number | undefined;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string | undefined;
}

export function resolveCheck(check: SmokeCheck): ResolvedCheck {
    const method = check.method ?? DEFAULT_METHOD;
    const status = check.expectStatus ?? DEFAULT_EXPECT_STATUS;
    return {
        name: check.name ?? `${method} ${check.path}`,
        path: check.path,
        method,
        expectStatus: typeof status === "number" ? [status] : [...status],
        bodyContains: check.bodyContains,
        maxLatencyMs: check.maxLatencyMs,
        headers: { ...check.headers },
        body: check.body,
    };
}

/** A value as it appears in a message: JSON, shortened to 80 characters. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "nothing (required)";
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
        return String(value);
    }
    const text = JSON.stringify(value) ?? typeof value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const ROOT_FIELDS = ["checks", "requests", "concurrency", "timeoutMs", "warmupRequests", "thresholds", "load"] as const;
const CHECK_FIELDS = ["name", "path", "method", "expectStatus", "bodyContains", "maxLatencyMs", "headers", "body"] as const;
const THRESHOLD_FIELDS = ["p95Ms", "p99Ms", "errorRate"] as const;
const LOAD_FIELDS = ["users", "durationSeconds"] as const;

type Record_ = Record<string, unknown>;

/**
 * Whether Node's header validators accept the header: `https.request` throws on every request
 * otherwise, and the raw http client writes headers as they are (a CR or LF would inject one).
 */
function accepted(validate: () => void): boolean {
    try {
        validate();
        return true;
    } catch {
        return false;
    }
}

const isObject = (v: unknown): v is Record_ => typeof v === "object" && v !== null && !Array.isArray(v);
const isInteger = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isPositive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;
const isStatus = (v: unknown): v is number => isInteger(v) && v >= 100 && v <= 599;

/** Collects problems with their JSON paths. */
class Problems {
    readonly list: string[] = [];

    /** `secret`: the policy was built from secret config, so no value it holds is echoed. */
    constructor(readonly secret: boolean) {}

    add(path: string, value: unknown, expected: string): void {
        this.list.push(`${path}: received ${this.secret && value !== undefined ? "[secret]" : describeValue(value)}; expected ${expected}`);
    }

    /** Unknown keys, one problem each, so a typo is named rather than silently ignored. */
    unknownKeys(path: string, obj: Record_, allowed: readonly string[]): void {
        for (const key of Object.keys(obj)) {
            if (!allowed.includes(key)) {
                this.list.push(`${join(path, key)}: received the key ${JSON.stringify(key)}; expected no such field (allowed: ${allowed.join(", ")})`);
            }
        }
    }
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

function checkInteger(p: Problems, path: string, v: unknown, min: number): void {
    if (!isInteger(v) || v < min) {
        p.add(path, v, `an integer >= ${min}`);
    }
}

/**
 * The longest wait Node's timers keep (about 24.8 days): a longer delay is set to 1 ms ("When `delay`
 * is larger than `2147483647` or less than `1`, the `delay` will be set to `1`", @types/node
 * timers.d.ts, setTimeout), so every request would time out at once and a healthy target fail.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

function checkPositive(p: Problems, path: string, v: unknown): void {
    if (!isPositive(v)) {
        p.add(path, v, "a number > 0");
    }
}

function validateCheck(p: Problems, path: string, c: unknown): void {
    if (!isObject(c)) {
        p.add(path, c, "an object with at least a path");
        return;
    }
    p.unknownKeys(path, c, CHECK_FIELDS);
    if (c.name !== undefined && (typeof c.name !== "string" || c.name.trim() === "")) {
        p.add(`${path}.name`, c.name, "a non-empty string");
    }
    if (typeof c.path !== "string" || !c.path.startsWith("/")) {
        p.add(`${path}.path`, c.path, 'a string starting with "/"');
    }
    if (c.method !== undefined && !(HTTP_METHODS as readonly unknown[]).includes(c.method)) {
        p.add(`${path}.method`, c.method, `one of ${HTTP_METHODS.map((m) => JSON.stringify(m)).join(", ")}`);
    }
    const status = c.expectStatus;
    if (status !== undefined && !isStatus(status) && !(Array.isArray(status) && status.length > 0 && status.every(isStatus))) {
        p.add(`${path}.expectStatus`, status, "an HTTP status (an integer from 100 to 599) or a non-empty list of them");
    }
    if (c.bodyContains !== undefined && (typeof c.bodyContains !== "string" || c.bodyContains === "")) {
        p.add(`${path}.bodyContains`, c.bodyContains, "a non-empty string");
    }
    if (c.maxLatencyMs !== undefined) {
        checkPositive(p, `${path}.maxLatencyMs`, c.maxLatencyMs);
    }
    if (c.headers !== undefined) {
        if (!(isObject(c.headers) && Object.values(c.headers).every((h) => typeof h === "string"))) {
            p.add(`${path}.headers`, c.headers, "an object of header names to string values");
        } else {
            // Refused once, here, with Node's own rules, rather than on every request or written raw
            // (a name is an RFC 9110 token; a value holds tab, space, visible ASCII and U+0080 to U+00FF).
            for (const [name, value] of Object.entries(c.headers as Record<string, string>)) {
                if (!accepted(() => validateHeaderName(name))) {
                    p.list.push(`${path}.headers: received the header name ${p.secret ? "[secret]" : JSON.stringify(name)}; expected an HTTP token (letters, digits and !#$%&'*+.^_\`|~-)`);
                } else if (/[\r\n\0]/.test(value)) {
                    p.add(`${path}.headers.${name}`, value, "a header value without CR, LF or NUL");
                } else if (!accepted(() => validateHeaderValue(name, value))) {
                    p.add(`${path}.headers.${name}`, value, "a header value of tab, space, visible ASCII and U+0080 to U+00FF only (no other control character)");
                }
            }
        }
    }
    if (c.body !== undefined) {
        const method = c.method ?? DEFAULT_METHOD;
        if (typeof c.body !== "string") {
            p.add(`${path}.body`, c.body, "a string");
        } else if (method === "GET" || method === "HEAD") {
            p.add(`${path}.body`, c.body, `no body with method ${JSON.stringify(method)} (HTTP gives a GET or HEAD body no meaning, and servers may refuse it)`);
        }
    }
}

function validateChecks(p: Problems, checks: unknown): void {
    if (!Array.isArray(checks) || checks.length === 0) {
        p.add("checks", checks, "a list of at least 1 check");
        return;
    }
    checks.forEach((c, i) => validateCheck(p, `checks[${i}]`, c));
    // Names key the report and the reasons, so two checks may not share one.
    const seen = new Map<string, number>();
    checks.forEach((c: unknown, i) => {
        if (!isObject(c) || typeof c.path !== "string") {
            return;
        }
        const name = typeof c.name === "string" ? c.name : `${typeof c.method === "string" ? c.method : DEFAULT_METHOD} ${c.path}`;
        const first = seen.get(name);
        if (first === undefined) {
            seen.set(name, i);
        } else {
            p.add(`checks[${i}]`, name, `a name no other check has (checks[${first}] is also ${p.secret ? "[secret]" : JSON.stringify(name)}); set "name" to tell them apart`);
        }
    });
}

/**
 * Checks a parsed policy file. Returns the policy (a copy; defaults are not filled in, see
 * `resolveCheck`) or every problem found, each naming its JSON path, the value received and what is
 * allowed. Unknown keys are problems too.
 */
export function validatePolicy(value: unknown, opts: { /** The policy came from secret config: values are shown as [secret]. @default false */ readonly secret?: boolean } = {}): PolicyResult {
    const p = new Problems(opts.secret ?? false);
    if (!isObject(value)) {
        p.add("policy", value, "an object with checks, requests, concurrency, timeoutMs, warmupRequests and thresholds");
        return { ok: false, problems: p.list };
    }
    p.unknownKeys("", value, ROOT_FIELDS);
    validateChecks(p, value.checks);
    checkInteger(p, "requests", value.requests, 1);
    checkInteger(p, "concurrency", value.concurrency, 1);
    if (!isPositive(value.timeoutMs) || value.timeoutMs > MAX_TIMEOUT_MS) {
        p.add("timeoutMs", value.timeoutMs, `a number > 0 and <= ${MAX_TIMEOUT_MS} (the longest timer Node keeps)`);
    }
    checkInteger(p, "warmupRequests", value.warmupRequests, 0);
    const t = value.thresholds;
    if (!isObject(t)) {
        p.add("thresholds", t, "an object with p95Ms, p99Ms and errorRate");
    } else {
        p.unknownKeys("thresholds", t, THRESHOLD_FIELDS);
        checkPositive(p, "thresholds.p95Ms", t.p95Ms);
        checkPositive(p, "thresholds.p99Ms", t.p99Ms);
        if (typeof t.errorRate !== "number" || !(t.errorRate > 0 && t.errorRate <= 1)) {
            p.add("thresholds.errorRate", t.errorRate, "a number > 0 and <= 1 (0.01 is 1%)");
        }
    }
    const load = value.load;
    if (load !== undefined) {
        if (!isObject(load)) {
            p.add("load", load, "an object with users and durationSeconds");
        } else {
            p.unknownKeys("load", load, LOAD_FIELDS);
            checkInteger(p, "load.users", load.users, 1);
            checkPositive(p, "load.durationSeconds", load.durationSeconds);
        }
    }
    if (p.list.length > 0) {
        return { ok: false, problems: p.list };
    }
    // A structured clone, so a caller mutating its input cannot change a validated policy.
    return { ok: true, policy: structuredClone(value) as unknown as SmokePolicy };
}
