import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveCheck, validatePolicy, type SmokePolicy } from "../smoke/policy";
import { PUSH_JOB, pushUrl, renderMetrics, SMOKE_METRICS } from "../smoke/push";
import { latencySummary, nearestRank, parseTarget, transportKind, type SmokeSummary } from "../smoke/runner";
import { TimeoutError } from "../smoke/transport";

const VALID: SmokePolicy = {
    checks: [{ path: "/health/ready" }],
    requests: 200,
    concurrency: 10,
    timeoutMs: 2000,
    warmupRequests: 10,
    thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.01 },
};

/** VALID with `patch` applied on top (a shallow merge per level given). */
function policy(patch: Record<string, unknown>): Record<string, unknown> {
    return { ...structuredClone(VALID), ...patch };
}

function problems(value: unknown): readonly string[] {
    const r = validatePolicy(value);
    return r.ok ? [] : r.problems;
}

const ROOT_ALLOWED = "checks, requests, concurrency, timeoutMs, warmupRequests, thresholds, load";
const CHECK_ALLOWED = "name, path, method, expectStatus, bodyContains, maxLatencyMs, headers, body";
const STATUS_EXPECTED = "expected an HTTP status (an integer from 100 to 599) or a non-empty list of them";
const HEADER_VALUE_EXPECTED = "expected a header value of tab, space, visible ASCII and U+0080 to U+00FF only (no other control character)";

describe("validatePolicy", () => {
    it("accepts the documented example, with every optional field, and returns a copy", () => {
        const full = {
            checks: [
                { path: "/health/ready" },
                { name: "create", path: "/api/items?dry=1", method: "POST", expectStatus: [200, 201], bodyContains: "id", maxLatencyMs: 150, headers: { "content-type": "application/json" }, body: "{}" },
            ],
            requests: 200,
            concurrency: 10,
            timeoutMs: 2000,
            warmupRequests: 0,
            thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 1 },
            load: { users: 100, durationSeconds: 60 },
        };
        const r = validatePolicy(full);
        expect(r).toEqual({ ok: true, policy: full });
        expect(r.ok && r.policy).not.toBe(full);
    });

    it.each<[string, unknown, string[]]>([
        ["not an object", [], ["policy: received []; expected an object with checks, requests, concurrency, timeoutMs, warmupRequests and thresholds"]],
        ["null", null, ["policy: received null; expected an object with checks, requests, concurrency, timeoutMs, warmupRequests and thresholds"]],
        ["an unknown root key", policy({ timeout: 5 }), [`timeout: received the key "timeout"; expected no such field (allowed: ${ROOT_ALLOWED})`]],
        ["no checks", policy({ checks: [] }), ["checks: received []; expected a list of at least 1 check"]],
        ["checks missing", policy({ checks: undefined }), ["checks: received nothing (required); expected a list of at least 1 check"]],
        ["a check that is a string", policy({ checks: ["/health"] }), ['checks[0]: received "/health"; expected an object with at least a path']],
        ["a relative path", policy({ checks: [{ path: "health" }] }), ['checks[0].path: received "health"; expected a string starting with "/"']],
        ["a check without a path", policy({ checks: [{ name: "x" }] }), ['checks[0].path: received nothing (required); expected a string starting with "/"']],
        ["an unknown check key", policy({ checks: [{ path: "/", status: 200 }] }), [`checks[0].status: received the key "status"; expected no such field (allowed: ${CHECK_ALLOWED})`]],
        ["an empty name", policy({ checks: [{ path: "/", name: " " }] }), ['checks[0].name: received " "; expected a non-empty string']],
        ["an unknown method", policy({ checks: [{ path: "/", method: "get" }] }), ['checks[0].method: received "get"; expected one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"']],
        ["a status below 100", policy({ checks: [{ path: "/", expectStatus: 99 }] }), [`checks[0].expectStatus: received 99; ${STATUS_EXPECTED}`]],
        ["an empty status list", policy({ checks: [{ path: "/", expectStatus: [] }] }), [`checks[0].expectStatus: received []; ${STATUS_EXPECTED}`]],
        ["a status as a string", policy({ checks: [{ path: "/", expectStatus: [200, "201"] }] }), [`checks[0].expectStatus: received [200,"201"]; ${STATUS_EXPECTED}`]],
        ["empty body text", policy({ checks: [{ path: "/", bodyContains: "" }] }), ['checks[0].bodyContains: received ""; expected a non-empty string']],
        ["a zero latency bound", policy({ checks: [{ path: "/", maxLatencyMs: 0 }] }), ["checks[0].maxLatencyMs: received 0; expected a number > 0"]],
        ["a numeric header", policy({ checks: [{ path: "/", headers: { "x-n": 1 } }] }), ['checks[0].headers: received {"x-n":1}; expected an object of header names to string values']],
        ["a header name with a space", policy({ checks: [{ path: "/", headers: { "x smoke": "1" } }] }), ['checks[0].headers: received the header name "x smoke"; expected an HTTP token (letters, digits and !#$%&\'*+.^_`|~-)']],
        ["a header value with a newline", policy({ checks: [{ path: "/", headers: { "x-a": "1\r\nx-b: 2" } }] }), ['checks[0].headers.x-a: received "1\\r\\nx-b: 2"; expected a header value without CR, LF or NUL']],
        ["a header value with another control character", policy({ checks: [{ path: "/", headers: { "x-a": "1\u0001" } }] }), [`checks[0].headers.x-a: received "1\\u0001"; ${HEADER_VALUE_EXPECTED}`]],
        ["a header value beyond U+00FF", policy({ checks: [{ path: "/", headers: { "x-a": "5 €" } }] }), [`checks[0].headers.x-a: received "5 €"; ${HEADER_VALUE_EXPECTED}`]],
        ["a body on GET", policy({ checks: [{ path: "/", body: "{}" }] }), ['checks[0].body: received "{}"; expected no body with method "GET" (HTTP gives a GET or HEAD body no meaning, and servers may refuse it)']],
        ["a body that is not a string", policy({ checks: [{ path: "/", method: "POST", body: { a: 1 } }] }), ['checks[0].body: received {"a":1}; expected a string']],
        [
            "two checks with one name",
            policy({ checks: [{ path: "/a" }, { path: "/b", name: "GET /a" }] }),
            ['checks[1]: received "GET /a"; expected a name no other check has (checks[0] is also "GET /a"); set "name" to tell them apart'],
        ],
        ["zero requests", policy({ requests: 0 }), ["requests: received 0; expected an integer >= 1"]],
        ["fractional requests", policy({ requests: 1.5 }), ["requests: received 1.5; expected an integer >= 1"]],
        ["requests as a string", policy({ requests: "200" }), ['requests: received "200"; expected an integer >= 1']],
        ["zero concurrency", policy({ concurrency: 0 }), ["concurrency: received 0; expected an integer >= 1"]],
        ["a negative timeout", policy({ timeoutMs: -1 }), ["timeoutMs: received -1; expected a number > 0 and <= 2147483647 (the longest timer Node keeps)"]],
        ["a timeout one past the longest Node timer", policy({ timeoutMs: 2_147_483_648 }), ["timeoutMs: received 2147483648; expected a number > 0 and <= 2147483647 (the longest timer Node keeps)"]],
        ["warm-up missing", policy({ warmupRequests: undefined }), ["warmupRequests: received nothing (required); expected an integer >= 0"]],
        ["thresholds missing", policy({ thresholds: undefined }), ["thresholds: received nothing (required); expected an object with p95Ms, p99Ms and errorRate"]],
        ["an error rate of 0", policy({ thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0 } }), ["thresholds.errorRate: received 0; expected a number > 0 and <= 1 (0.01 is 1%)"]],
        ["an error rate in percent", policy({ thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 1.5 } }), ["thresholds.errorRate: received 1.5; expected a number > 0 and <= 1 (0.01 is 1%)"]],
        [
            "a p95 missing and an unknown threshold",
            policy({ thresholds: { p99Ms: 500, errorRate: 0.01, p90Ms: 100 } }),
            ['thresholds.p90Ms: received the key "p90Ms"; expected no such field (allowed: p95Ms, p99Ms, errorRate)', "thresholds.p95Ms: received nothing (required); expected a number > 0"],
        ],
        ["load as a number", policy({ load: 100 }), ["load: received 100; expected an object with users and durationSeconds"]],
        [
            "a load without users, and an unknown key",
            policy({ load: { durationSeconds: 0, rampUp: 5 } }),
            [
                'load.rampUp: received the key "rampUp"; expected no such field (allowed: users, durationSeconds)',
                "load.users: received nothing (required); expected an integer >= 1",
                "load.durationSeconds: received 0; expected a number > 0",
            ],
        ],
    ])("rejects %s with the exact problem", (_, value, expected) => {
        expect(problems(value)).toEqual(expected);
    });

    it("accepts the longest timeout Node can time, 2147483647 ms", () => {
        expect(validatePolicy(policy({ timeoutMs: 2_147_483_647 })).ok).toBe(true);
    });

    it("reports every problem at once, in document order", () => {
        expect(
            problems({ checks: [{ path: "x", method: "FETCH" }, 7], requests: -1, concurrency: 1, timeoutMs: "2s", warmupRequests: 0, thresholds: { p95Ms: 0, p99Ms: 500, errorRate: 0.01 }, extra: true }),
        ).toEqual([
            `extra: received the key "extra"; expected no such field (allowed: ${ROOT_ALLOWED})`,
            'checks[0].path: received "x"; expected a string starting with "/"',
            'checks[0].method: received "FETCH"; expected one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"',
            "checks[1]: received 7; expected an object with at least a path",
            "requests: received -1; expected an integer >= 1",
            'timeoutMs: received "2s"; expected a number > 0 and <= 2147483647 (the longest timer Node keeps)',
            "thresholds.p95Ms: received 0; expected a number > 0",
        ]);
    });

    it("shortens a long value to 80 characters", () => {
        expect(problems(policy({ checks: [{ path: "x".repeat(100) }] }))).toEqual([`checks[0].path: received "${"x".repeat(76)}...; expected a string starting with "/"`]);
    });
});

describe("resolveCheck", () => {
    it("fills in GET, 200 and the name <method> <path>", () => {
        expect(resolveCheck({ path: "/health/ready" })).toEqual({
            name: "GET /health/ready",
            path: "/health/ready",
            method: "GET",
            expectStatus: [200],
            bodyContains: undefined,
            maxLatencyMs: undefined,
            headers: {},
            body: undefined,
        });
    });

    it("keeps what the check sets", () => {
        expect(resolveCheck({ name: "n", path: "/p", method: "POST", expectStatus: [201, 202], bodyContains: "ok", maxLatencyMs: 5, headers: { a: "b" }, body: "x" })).toEqual({
            name: "n",
            path: "/p",
            method: "POST",
            expectStatus: [201, 202],
            bodyContains: "ok",
            maxLatencyMs: 5,
            headers: { a: "b" },
            body: "x",
        });
    });
});

/** The definition itself: the smallest value with at least p% of the values at or below it. */
function referencePercentile(sorted: readonly number[], p: number): number {
    const n = sorted.length;
    const i = sorted.findIndex((_, k) => (k + 1) * 100 >= p * n);
    return sorted[i];
}

describe("nearestRank", () => {
    it.each([
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
        [[7], 1, 7],
        [[7], 100, 7],
        // 95% of 200 is rank 190 exactly; floating point 0.95 * 200 would round up to 191.
        [Array.from({ length: 200 }, (_, i) => i + 1), 95, 190],
        [Array.from({ length: 200 }, (_, i) => i + 1), 99, 198],
        [Array.from({ length: 200 }, (_, i) => i + 1), 50, 100],
    ])("of %j at p%d is %d", (sorted, p, expected) => {
        expect(nearestRank(sorted, p)).toBe(expected);
    });

    it("matches the definition for any samples and percentile", () => {
        fc.assert(
            fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
                const sorted = [...values].sort((a, b) => a - b);
                expect(nearestRank(sorted, p)).toBe(referencePercentile(sorted, p));
            }),
        );
    });

    it("refuses no values and percentiles outside (0, 100]", () => {
        expect(() => nearestRank([], 50)).toThrow("percentile of no values");
        expect(() => nearestRank([1], 0)).toThrow("percentile 0 is not in (0, 100]");
        expect(() => nearestRank([1], 101)).toThrow("percentile 101 is not in (0, 100]");
    });
});

describe("latencySummary", () => {
    it("sorts, then rounds to the microsecond", () => {
        expect(latencySummary([3.0004, 1, 2])).toEqual({ p50: 2, p95: 3, p99: 3 });
        expect(latencySummary([])).toEqual({ p50: null, p95: null, p99: null });
    });

    it("does not depend on the order of the samples", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }), (values) => {
                const sorted = [...values].sort((a, b) => a - b);
                expect(latencySummary(values)).toEqual({ p50: referencePercentile(sorted, 50), p95: referencePercentile(sorted, 95), p99: referencePercentile(sorted, 99) });
            }),
        );
    });
});

describe("transportKind", () => {
    const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });
    it.each<[string, unknown, string]>([
        ["the exchange's own timeout", new TimeoutError(200), "timeout"],
        ["ECONNREFUSED", coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), "connection-refused"],
        ["happy eyeballs", new AggregateError([coded("ECONNREFUSED"), coded("ENETUNREACH")]), "connection-refused"],
        ["a socket hang up", coded("ECONNRESET", "socket hang up"), "connection-reset"],
        ["a response cut off mid-body", coded("ECONNRESET", "aborted"), "connection-reset"],
        ["EPIPE", coded("EPIPE"), "connection-reset"],
        ["ENOTFOUND", coded("ENOTFOUND", "getaddrinfo ENOTFOUND nonexistent.invalid"), "dns"],
        ["EAI_AGAIN", coded("EAI_AGAIN"), "dns"],
        ["a connect the kernel timed out", coded("ETIMEDOUT"), "timeout"],
        ["a malformed response", coded("HPE_INVALID_STATUS", "Parse Error: Invalid status code"), "transport"],
        ["a body that does not decompress", coded("Z_DATA_ERROR", "incorrect header check"), "transport"],
        ["anything else", new Error("boom"), "transport"],
    ])("classifies %s", (_, error, kind) => {
        expect(transportKind(error)).toBe(kind);
    });
});

describe("parseTarget", () => {
    it.each([
        ["http://127.0.0.1:8080", true],
        ["https://api-blue.launchpad.svc:8443/base/", true],
        ["ftp://host", false],
        ["localhost:8080", false],
        ["http://host/?a=1", false],
        ["http://host/#x", false],
        ["not a url", false],
        // WHATWG reads a backslash as "/": host h, port 9, path /@evil/, not credentials for evil.
        ["http://h:9\\@evil/", false],
        ["http://h:0/", false],
        ["http://h:65535/", true],
    ])("%s is a target: %s", (target, ok) => {
        expect(parseTarget(target) !== undefined).toBe(ok);
    });
});

describe("Pushgateway metrics", () => {
    const summary = {
        verdict: "fail",
        requests: 200,
        errorRate: 0.02,
        latencyMs: { p50: 12.5, p95: 150, p99: null },
    } as unknown as SmokeSummary;

    it("names exactly the metrics the dashboards query", () => {
        expect(Object.values(SMOKE_METRICS)).toEqual([
            "launchpad_smoke_gate_last_run_timestamp_seconds",
            "launchpad_smoke_gate_passed",
            "launchpad_smoke_gate_latency_seconds",
            "launchpad_smoke_gate_error_ratio",
            "launchpad_smoke_gate_requests_total",
        ]);
        expect(PUSH_JOB).toBe("launchpad-smoke-gate");
    });

    it("renders the text exposition format, seconds for latency, NaN for an unmeasured one", () => {
        expect(renderMetrics(summary, 1_700_000_000.5)).toBe(
            [
                "# HELP launchpad_smoke_gate_last_run_timestamp_seconds Unix time at which the smoke gate last finished.",
                "# TYPE launchpad_smoke_gate_last_run_timestamp_seconds gauge",
                "launchpad_smoke_gate_last_run_timestamp_seconds 1700000000.5",
                "# HELP launchpad_smoke_gate_passed 1 when the last smoke gate run passed, else 0.",
                "# TYPE launchpad_smoke_gate_passed gauge",
                "launchpad_smoke_gate_passed 0",
                "# HELP launchpad_smoke_gate_latency_seconds Nearest-rank latency percentiles of the last run's measured requests.",
                "# TYPE launchpad_smoke_gate_latency_seconds gauge",
                'launchpad_smoke_gate_latency_seconds{quantile="0.5"} 0.0125',
                'launchpad_smoke_gate_latency_seconds{quantile="0.95"} 0.15',
                'launchpad_smoke_gate_latency_seconds{quantile="0.99"} NaN',
                "# HELP launchpad_smoke_gate_error_ratio Failed over measured requests in the last run.",
                "# TYPE launchpad_smoke_gate_error_ratio gauge",
                "launchpad_smoke_gate_error_ratio 0.02",
                "# HELP launchpad_smoke_gate_requests_total Measured requests of the last run.",
                "# TYPE launchpad_smoke_gate_requests_total counter",
                "launchpad_smoke_gate_requests_total 200",
                "",
            ].join("\n"),
        );
    });

    it("groups by job, service and color", () => {
        expect(pushUrl("http://pushgateway:9091/", "api", "green")).toBe("http://pushgateway:9091/metrics/job/launchpad-smoke-gate/service/api/color/green");
    });
});
