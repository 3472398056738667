/**
 * Performance profiles as config: the k6 threshold parser as a table (the expressions of k6's
 * "Thresholds" page, and the cases of `grafana/k6` `metrics/thresholds_parser_test.go`), k6 durations, the users' four
 * scenarios as defaults, every problem reported as `<key>: received <value>; expected <allowed>`,
 * and production refusing profiles.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { DEFAULT_SCENARIOS, DURATION_EXPECTED, parseDuration } from "../loadtest/profile";
import { compare, parseThreshold, parseThresholds, THRESHOLD_EXPECTED, THRESHOLD_OBJECT_FORM } from "../loadtest/thresholds";
import { stackConfigFor } from "../plan/engine";
import { problemsOf } from "./support/config";

describe("parseThreshold: k6's syntax", () => {
    // The expressions of k6's "Thresholds" page (grafana/k6-docs docs/sources/k6/next/using-k6/thresholds.md) that
    // apply to a trend or a rate, each on the metric of that type this suite measures.
    it.each([
        ["http_req_failed", "rate<0.01", { method: "rate" }, "<", 0.01], // "Thresholds example for HTTP errors"
        ["http_req_duration", "p(95)<200", { method: "p", percentile: 95 }, "<", 200], // same example
        ["http_req_duration", "avg < 200", { method: "avg" }, "<", 200], // "Threshold expression syntax"
        ["http_req_duration", "p(90) < 300", { method: "p", percentile: 90 }, "<", 300], // same
        ["http_req_duration", "p(99)<300", { method: "p", percentile: 99 }, "<", 300], // "Aggregation methods by type", RTT
        ["http_req_duration", "p(70)<250", { method: "p", percentile: 70 }, "<", 250],
        ["http_req_duration", "avg<200", { method: "avg" }, "<", 200],
        ["http_req_duration", "med<150", { method: "med" }, "<", 150],
        ["http_req_duration", "min<100", { method: "min" }, "<", 100],
        ["http_req_duration", "p(90) < 400", { method: "p", percentile: 90 }, "<", 400], // "A percentile ...", "Multiple thresholds on a single metric"
        ["http_req_duration", "p(95) < 800", { method: "p", percentile: 95 }, "<", 800],
        ["http_req_duration", "p(99.9) < 2000", { method: "p", percentile: 99.9 }, "<", 2000],
        ["http_req_duration", "p(99) < 10", { method: "p", percentile: 99 }, "<", 10], // "Abort a test when a threshold is crossed"
        ["http_req_failed", "rate>0.9", { method: "rate" }, ">", 0.9], // "Fail a load test using checks"
        // k6's parser tests (metrics/thresholds_parser_test.go): p(0) and p(100) parse, every operator scans, spaces trim.
        ["http_req_duration", "p(0)<200", { method: "p", percentile: 0 }, "<", 200],
        ["http_req_duration", "p(100)<=150", { method: "p", percentile: 100 }, "<=", 150],
        ["http_req_duration", "  max  >=3000  ", { method: "max" }, ">=", 3000],
        ["http_req_duration", "p(99)===1", { method: "p", percentile: 99 }, "===", 1],
        ["http_req_failed", "rate == 0", { method: "rate" }, "==", 0],
        ["http_req_failed", "rate != 1", { method: "rate" }, "!=", 1],
    ] as const)("%s %j", (metric, source, aggregation, operator, value) => {
        expect(parseThreshold(metric, source)).toEqual({ metric, source, aggregation, operator, value });
    });

    // The same metrics' thresholds elsewhere in k6's docs (grafana/k6-docs @587199f5c, docs/sources/k6/next/...), every
    // one found there: each parses, several to a metric as they are written.
    it.each([
        ["examples/functional-testing.md", { http_req_failed: ["rate == 0.00"] }],
        ["examples/get-started-with-k6/test-for-performance.md", { http_req_failed: ["rate<0.01"], http_req_duration: ["p(99)<1000"] }],
        ["testing-guides/api-load-testing.md", { http_req_failed: ["rate<0.01"], http_req_duration: ["p(95)<200", "p(95)<50"] }],
        ["testing-guides/automated-performance-testing.md", { http_req_failed: ["rate<0.01"], http_req_duration: ["p(90)<600"] }],
        ["using-k6-browser/recommended-practices/hybrid-approach-to-performance.md", { http_req_failed: ["rate<0.01"], http_req_duration: ["p(95)<500", "p(99)<1000"] }],
        ["using-k6/k6-options/how-to.md and reference.md", { http_req_duration: ["avg<100", "p(95)<200"] }],
        ["using-k6/scenarios/advanced-examples.md", { http_req_duration: ["p(95)<250", "p(99)<350"] }],
    ] as const)("k6-docs %s: its thresholds parse", (_file, map) => {
        expect(parseThresholds(map).map((t) => t.source)).toEqual([...(("http_req_duration" in map) ? map.http_req_duration : []), ...(("http_req_failed" in map) ? map.http_req_failed : [])]);
    });

    it.each([
        // The docs' expressions of other metric types ("Aggregation methods by type"): k6 refuses them on a trend or a rate (metric_type.go supportedAggregationMethods).
        ["http_req_duration", "count >= 500"], // a counter's
        ["http_req_duration", "count<100"],
        ["http_req_duration", "value<4000"], // a gauge's
        ["http_req_duration", "rate<0.01"], // a trend has no rate
        ["http_req_failed", "p(95)<200"], // a rate has no percentile
        // k6's parser refusals (thresholds_parser_test.go): unknown operator, unknown method, non-numeric value,
        // empty, incomplete, negative, over 100 and NaN percentiles.
        ["http_req_duration", "max!20"],
        ["http_req_duration", "foo>20"],
        ["http_req_duration", "max>abc"],
        ["http_req_duration", "p()<200"],
        ["http_req_duration", "p(99<200"],
        ["http_req_duration", "p(-1)<200"],
        ["http_req_duration", "p(101)<200"],
        ["http_req_duration", "p(NaN)<200"],
        ["http_req_duration", "p95<200"], // k6 needs p(N)
        ["http_req_duration", "p(95)<"],
        ["http_req_duration", "p(95)=200"],
        // Stricter than k6's code, as the grammar in its comment: digits with an optional fraction, a rate at most 1.
        ["http_req_duration", "p(95)<-1"],
        ["http_req_duration", "p(95)<1e3"],
        ["http_req_failed", "rate<1.5"],
        ["http_req_failed", ""],
    ] as const)("refuses %s %j with what the metric accepts", (metric, source) => {
        expect(parseThreshold(metric, source)).toBe(THRESHOLD_EXPECTED[metric]);
    });

    it.each([
        [199.9, "<", 200, true], [200, "<", 200, false], [200, "<=", 200, true], [201, ">", 200, true],
        [200, ">=", 200, true], [200, "==", 200, true], [200, "===", 200, true], [200, "!=", 200, false],
    ] as const)("compare(%d %s %d) is %s", (a, op, b, want) => {
        expect(compare(a, op, b)).toBe(want);
    });
});

describe("parseDuration: k6 durations", () => {
    // grafana/k6 lib/types/types_test.go TestParseExtendedDuration: every case it accepts that is not negative, and the
    // milliseconds it gives (k6 stores nanoseconds); Go's time.ParseDuration takes its units in any order.
    it.each([
        ["1.12s", 1120], ["0d1.12s", 1120], ["10d1.12s", 240 * 3_600_000 + 1120], ["1s", 1000], ["1d", 86_400_000], ["20d", 480 * 3_600_000],
        ["1d23h", 47 * 3_600_000], ["1d24h15m", 48 * 3_600_000 + 15 * 60_000], ["1d25h80m", 50 * 3_600_000 + 20 * 60_000],
        ["0d25h120m80s", 27 * 3_600_000 + 80_000], ["2d1ns", 48 * 3_600_000 + 1e-6],
        // The users' own and the docs' forms; a bare number is milliseconds (ParseExtendedDuration's ParseFloat first).
        ["30s", 30_000], ["1m30s", 90_000], ["2h", 7_200_000], ["500ms", 500], ["1h5m", 3_900_000], ["0s", 0], ["10s250ms", 10_250],
        ["30s1m", 90_000], ["1.5m", 90_000], [".5s", 500], ["250us", 0.25], ["30", 30], ["1.5", 1.5], ["0", 0], ["+1s", 1000],
    ])("%s is %d ms, as k6 reads it", (text, ms) => {
        expect(parseDuration(text)).toBe(ms);
    });
    // k6's refusals (types_test.go), and what validateStages refuses (lib/executor/helpers.go: "can't be negative").
    it.each(["", "d", "d2h", "2.1d", "2d-2h", "-2d-2h", "2+d", "2da", "2-d", "m", ".s", "1m30", "1h-2m", "30x", "-1s", "-1d2h", "-5", "Inf", "NaN"])("refuses %j", (text) => {
        expect(parseDuration(text)).toBeUndefined();
    });
});

const stagingInput = (sets: string[]) => {
    const sc = stackConfigFor({ stack: "staging", sets });
    return { project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true };
};

describe("launchpad:services.<svc>.performance", () => {
    it("defaults to the users' four scenarios: load 10 → 50 → 100 users with think time, stress past 500, soak 50 users for an hour, spike to 200", () => {
        const api = parseConfig(stagingInput([])).services.find((s) => s.name === "api");
        const perf = api?.performance;
        const users = (n: "load" | "stress" | "soak" | "spike") => perf?.scenarios[n].stages.map((s) => [s.duration, s.target]);
        expect(users("load")).toEqual([["1m", 10], ["3m", 10], ["1m", 50], ["3m", 50], ["1m", 100], ["5m", 100], ["1m", 0]]);
        expect(users("stress")?.map(([, t]) => t)).toEqual([100, 100, 200, 200, 300, 300, 400, 400, 500, 500, 600, 600, 0]);
        expect(users("soak")).toEqual([["5m", 50], ["1h", 50], ["5m", 0]]);
        expect(users("spike")).toEqual([["1m", 10], ["10s", 200], ["3m", 200], ["10s", 10], ["3m", 10], ["10s", 0]]);
        expect(perf?.scenarios.load).toMatchObject({
            model: "closed",
            thinkTimeMs: 1000,
            thresholds: { http_req_duration: ["p(95)<200"], http_req_failed: ["rate<0.01"] },
            checks: [{ path: "/health/ready", method: "GET", expectStatus: 200, weight: 1 }],
            mustHoldUsers: 100,
        });
        expect(perf?.server).toEqual({ warmupSeconds: 300, maxMemorySlopeMiBPerHour: 32, maxRestarts: 0, maxDbConnections: 100, maxDbConnectionsSlopePerHour: 4, maxRecoverySeconds: 60 });
        expect(perf?.loadGate).toBe(false);
        expect(Object.keys(DEFAULT_SCENARIOS)).toEqual(["load", "stress", "soak", "spike"]);
    });

    it("a stage's duration as a JSON number is milliseconds, as k6 reads it (lib/types/types.go Duration.UnmarshalJSON); a negative one is refused", () => {
        const sets = ['launchpad:services.api.performance={"scenarios":{"load":{"stages":[{"duration":1500,"target":5},{"duration":"1.5m","target":5}]}}}'];
        const load = parseConfig(stagingInput(sets)).services.find((s) => s.name === "api")?.performance?.scenarios.load;
        expect(load?.stages).toEqual([{ duration: "1500", durationMs: 1500, target: 5 }, { duration: "1.5m", durationMs: 90_000, target: 5 }]);
        expect(problemsOf(stagingInput(['launchpad:services.api.performance={"scenarios":{"load":{"stages":[{"duration":-1,"target":5}]}}}']))).toEqual([
            `launchpad:services.api.performance.scenarios.load.stages[0].duration: received -1; ${DURATION_EXPECTED}`,
        ]);
    });

    it("a scenario given replaces only the fields it sets", () => {
        const sets = ['launchpad:services.api.performance={"scenarios":{"load":{"thinkTimeMs":250,"checks":[{"path":"/api/items","weight":3},{"path":"/health/ready"}]}}}'];
        const load = parseConfig(stagingInput(sets)).services.find((s) => s.name === "api")?.performance?.scenarios.load;
        expect(load?.thinkTimeMs).toBe(250);
        expect(load?.checks.map((c) => [c.path, c.weight])).toEqual([["/api/items", 3], ["/health/ready", 1]]);
        expect(load?.stages.length).toBe(7);
    });

    it.each([
        // k6-docs using-k6/thresholds.md "Abort a test when a threshold is crossed": both of its examples.
        ["http_req_duration", { threshold: "p(99) < 10", abortOnFail: true, delayAbortEval: "10s" }, THRESHOLD_OBJECT_FORM],
        ["http_req_duration", { threshold: "p(99) < 10", abortOnFail: true }, THRESHOLD_OBJECT_FORM],
        // Not k6's object form (k6 reads only these three keys, a duration in delayAbortEval), or not a string.
        ["http_req_failed", { threshold: "rate<0.01", abortOnFail: "no" }, THRESHOLD_OBJECT_FORM],
        ["http_req_failed", { threshold: "rate<0.01", delayAbortEval: "soon" }, THRESHOLD_OBJECT_FORM],
        ["http_req_duration", 200, "expected a string"],
    ] as const)("thresholds.%s: k6's object form %j that aborts is refused by name, not accepted and ignored", (metric, item, message) => {
        const perf = { scenarios: { load: { thresholds: { [metric]: [item] } } } };
        expect(problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify(perf)}`]))).toEqual([
            `launchpad:services.api.performance.scenarios.load.thresholds.${metric}[0]: received ${JSON.stringify(item)}; ${message}`,
        ]);
    });

    it.each([
        // grafana/k6 metrics/thresholds.go: thresholdConfig.UnmarshalJSON reads the object, MarshalJSON writes one that does
        // not abort back as the bare string; delayAbortEval only delays an abort. Each is its expression, to the letter.
        ["http_req_failed", { threshold: "rate<0.01" }, "rate<0.01"],
        ["http_req_duration", { threshold: "p(95)<200", abortOnFail: false }, "p(95)<200"],
        ["http_req_duration", { threshold: "p(99) < 10", abortOnFail: false, delayAbortEval: "10s" }, "p(99) < 10"],
    ] as const)("thresholds.%s: k6's object form %j that does not abort is its expression", (metric, item, expression) => {
        const perf = { scenarios: { load: { thresholds: { [metric]: [item] } } } };
        const load = parseConfig(stagingInput([`launchpad:services.api.performance=${JSON.stringify(perf)}`])).services.find((s) => s.name === "api")?.performance?.scenarios.load;
        expect(load?.thresholds).toEqual({ [metric]: [expression] });
        // A spec.json written by hand with the object form reads the same.
        expect(parseThresholds({ [metric]: [item] })).toEqual(parseThresholds({ [metric]: [expression] }));
    });

    it("k6's object form is judged as its expression: a bad one is refused with what the metric accepts", () => {
        const perf = { scenarios: { load: { thresholds: { http_req_duration: [{ threshold: "p95<200" }] } } } };
        expect(problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify(perf)}`]))).toEqual([
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_duration[0]: received {"threshold":"p95<200"}; ${THRESHOLD_EXPECTED.http_req_duration}`,
        ]);
    });

    it("a run spec carrying k6's object form (a hand-edited spec.json) is refused with the same words", () => {
        const map = { http_req_duration: [{ threshold: "p(99) < 10", abortOnFail: true }] } as unknown as Parameters<typeof parseThresholds>[0];
        expect(() => parseThresholds(map)).toThrow(`thresholds.http_req_duration: received {"threshold":"p(99) < 10","abortOnFail":true}; ${THRESHOLD_OBJECT_FORM}`);
    });

    it.each([
        // k6-docs "Set thresholds for specific tags" and other metrics of k6's: the suite measures two metrics, untagged.
        ["http_req_duration{type:API}", ["p(95)<500"]],
        ["checks", ["rate>0.9"]],
        ["http_reqs", ["count>100"]],
    ])("thresholds.%s (a sub-metric or another k6 metric) is refused, naming the two the suite measures", (metric, list) => {
        const perf = { scenarios: { load: { thresholds: { [metric]: list } } } };
        expect(problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify(perf)}`]))).toEqual([
            `launchpad:services.api.performance.scenarios.load.thresholds.${metric}: received ${JSON.stringify(list)}; expected no such field (allowed: http_req_duration, http_req_failed)`,
        ]);
    });

    it("reports every problem at once, each with the value received and what is allowed", () => {
        const perf = {
            scenarios: {
                load: { stages: [{ duration: "1m30", target: 10 }], thresholds: { http_req_duration: ["p95<200"], http_req_failed: ["rate<2"] } },
                stress: { stages: [{ duration: "5h", target: 10 }] },
                spike: { stages: [{ duration: "1m", target: 0 }], thresholds: {} },
            },
            server: { maxRestarts: -1 },
        };
        expect(problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify(perf)}`]))).toEqual([
            `launchpad:services.api.performance.scenarios.load.stages[0].duration: received "1m30"; ${DURATION_EXPECTED}`,
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_duration[0]: received "p95<200"; ${THRESHOLD_EXPECTED.http_req_duration}`,
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_failed[0]: received "rate<2"; ${THRESHOLD_EXPECTED.http_req_failed}`,
            "launchpad:services.api.performance.server.maxRestarts: received -1; expected a number >= 0",
        ]);
        // Shapes first; the rules across fields once the shapes hold.
        const rules = { scenarios: { stress: perf.scenarios.stress, spike: perf.scenarios.spike } };
        expect(problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify(rules)}`]))).toEqual([
            "launchpad:services.api.performance.scenarios.stress.stages: received 5h; expected at most 4h in all, so every run ends by itself",
            "launchpad:services.api.performance.scenarios.spike.stages: received no stage with users; expected at least one stage whose target is over 0",
            "launchpad:services.api.performance.scenarios.spike.thresholds: received {}; expected at least one threshold (e.g. http_req_duration: [\"p(95)<200\"])",
        ]);
    });

    // The load gate's pass admits a release to production (promotion.requireLoad), and its scenario is staging config:
    // without a floor, a change to the scenario alone would make any image "pass load".
    const gateWhy = "performance.loadGate is on, and its pass admits a release to production (launchpad:promotion.requireLoad)";
    const gated = (load: unknown, loadGate = true) => problemsOf(stagingInput([`launchpad:services.api.performance=${JSON.stringify({ loadGate, scenarios: { load } })}`]));
    it.each([
        ["one user for a second", { stages: [{ duration: "1s", target: 1 }] }, [
            `launchpad:services.api.performance.scenarios.load.stages: received 1s→1; expected at least 100 users held for 5m in all, as the users' load plan (${gateWhy})`,
        ]],
        ["100 users reached but held 4m59s", { stages: [{ duration: "1m", target: 100 }, { duration: "4m59s", target: 100 }, { duration: "1m", target: 0 }] }, [
            `launchpad:services.api.performance.scenarios.load.stages: received 1m→100, 4m59s→100, 1m→0; expected at least 100 users held for 5m in all, as the users' load plan (${gateWhy})`,
        ]],
        ["a minute of think time", { thinkTimeMs: 60_000 }, [
            `launchpad:services.api.performance.scenarios.load.thinkTimeMs: received 60000; expected at most 1000, as the users' load plan (${gateWhy})`,
        ]],
        ["thresholds that always hold", { thresholds: { http_req_duration: ["p(90)<200", "p(95)<=200", "p(95)<201", "avg<100"], http_req_failed: ["rate<=1", "rate<=0.01"] } }, [
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_duration: received ["p(90)<200","p(95)<=200","p(95)<201","avg<100"]; expected a bound at least as strict as "p(95)<200" (p(N) with N >= 95, or max, under 200 ms), as the users' load plan (${gateWhy})`,
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_failed: received ["rate<=1","rate<=0.01"]; expected a bound at least as strict as "rate<0.01", as the users' load plan (${gateWhy})`,
        ]],
        ["no failure threshold, and a 503 counted as success", { thresholds: { http_req_duration: ["p(95)<200"] }, checks: [{ path: "/api/items" }, { path: "/health/ready", expectStatus: [200, 503] }] }, [
            `launchpad:services.api.performance.scenarios.load.thresholds.http_req_failed: received []; expected a bound at least as strict as "rate<0.01", as the users' load plan (${gateWhy})`,
            `launchpad:services.api.performance.scenarios.load.checks[1].expectStatus: received [200,503]; expected no 5xx status counted as success (${gateWhy})`,
        ]],
    ])("with loadGate on, a load scenario weaker than the users' plan is refused: %s", (_name, load, want) => {
        expect(gated(load)).toEqual(want);
        // The same scenario without the gate informs only: staging may run what it likes.
        expect(gated(load, false)).toEqual([]);
    });

    it("with loadGate on, the users' plan itself and anything stricter are accepted", () => {
        expect(gated({})).toEqual([]);
        expect(gated({
            stages: [{ duration: "30s", target: 150 }, { duration: "3m", target: 150 }, { duration: "0s", target: 200 }, { duration: "2m", target: 200 }, { duration: "30s", target: 0 }],
            thinkTimeMs: 250,
            thresholds: { http_req_duration: ["p(99)<150"], http_req_failed: ["rate<0.001"] },
        })).toEqual([]);
        expect(gated({ thresholds: { http_req_duration: ["max<=199.5"], http_req_failed: ["rate<=0.005"] } })).toEqual([]);
    });

    it("production refuses a profile, and resolves none", () => {
        const sc = stackConfigFor({ stack: "production", sets: ['launchpad:services.api.performance={"server":{"maxRestarts":1}}'] });
        expect(problemsOf({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true })).toEqual([
            'launchpad:services.api.performance: received {"server":{"maxRestarts":1}}; expected no performance profile in a production stack: load, stress, soak and spike run in staging, against a color\'s preview Service',
        ]);
        const plain = stackConfigFor({ stack: "production" });
        const api = parseConfig({ project: plain.project, stack: plain.stack, values: plain.values, secretKeys: plain.secretKeys, offlinePlan: true }).services[0];
        expect(api.performance).toBeUndefined();
    });
});
