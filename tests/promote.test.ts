/**
 * `npm run promote`: the analysis's queries are the alert catalogue's own, its verdicts, its
 * arguments, and the SigV4 signing of AMP queries, verified by a local server that checks each
 * request's signature with the same library (`@smithy/signature-v4`). The runs against a real
 * Prometheus are in tests/promote-prometheus.test.ts (CI, or `npm run test:promote`).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { parseConfig } from "../config";
import { alertContext, alertGroups, errorRatioQuery, latencyP95Query } from "../observability/alerts";
import { analyse, analysisQueries, analysisThresholds, checkWindow, INCONCLUSIVE_EXIT, promote, prometheusTarget, type AnalysisSettings, type Measurement } from "../scripts/promote";
import type { RollbackStack } from "../scripts/rollback";
import { main as pendingSwitchesCli, pendingSwitches } from "../scripts/pending-switches";
import { ampSigner, prometheusQuery, signedQuery } from "../scripts/prometheus";
import { deployedConfig, type CommittedStack } from "./support/deployed";
import { fakeStack } from "./support/fake-stack";
import { scratchDir } from "./support/scratch";
import { closedPort, startServer, type TestServer } from "./support/http-server";
import { podJson, startKubeApi, type KubeApi } from "./support/kube-api";
import { ROLE_LABEL, ROLES } from "../lib/delivery";

const staging = () => {
    const { values, secretKeys } = deployedConfig("staging", []);
    return parseConfig({ project: "launchpad", stack: "staging", values, secretKeys, env: {} });
};

describe("the analysis reads the alert catalogue's queries, and its thresholds within the tier's targets", () => {
    it("error ratio and p95 are LaunchpadHighErrorRatio's and LaunchpadHighLatencyP95's queries, verbatim", () => {
        const config = staging();
        const alerts = alertGroups(alertContext(config)).flatMap((g) => g.alerts);
        const q = analysisQueries(config);
        // The alerts gate the same expressions by thresholds.minRequestRate; promote has its own minimum (minRequests).
        expect(alerts.find((a) => a.name === "LaunchpadHighErrorRatio")?.query.startsWith(`(${q.errorRatio}) and on (service, color) `)).toBe(true);
        expect(alerts.find((a) => a.name === "LaunchpadHighLatencyP95")?.query.startsWith(`${q.p95} and on (service, color) `)).toBe(true);
        expect(q.requests).toBe("sum by (service, color) (increase(http_requests_total[5m]))");
    });

    it("the window follows the tier (staging 3m, production 10m) unless config sets it", () => {
        expect(staging().observability.analysis).toEqual({ window: "3m", interval: "30s", minRequests: 100 });
        const { values, secretKeys } = deployedConfig("production", []);
        expect(parseConfig({ project: "launchpad", stack: "production", values, secretKeys, env: {} }).observability.analysis.window).toBe("10m");
        const set = deployedConfig("staging", ["launchpad:observability.analysis={window: 5m, minRequests: 20}"]);
        expect(parseConfig({ project: "launchpad", stack: "staging", values: set.values, secretKeys: set.secretKeys, env: {} }).observability.analysis).toEqual({ window: "5m", interval: "30s", minRequests: 20 });
    });

    it("the thresholds are the stack's alert thresholds, tightened to the tier's product targets where it has them (config/tier.ts smokeCeilings)", () => {
        const parsed = (stack: CommittedStack, sets: string[] = []) => {
            const { values, secretKeys } = deployedConfig(stack, sets);
            return parseConfig({ project: "launchpad", stack, values, secretKeys, env: {} });
        };
        // Staging has no targets: its own file's 0.05 and 1 s.
        expect(analysisThresholds(parsed("staging"))).toEqual({ errorRatio: 0.05, latencyP95Seconds: 1 });
        // Production pages at 0.5 s but switches back above the users' 200 ms p95; 1% errors either way.
        expect(analysisThresholds(parsed("production"))).toEqual({ errorRatio: 0.01, latencyP95Seconds: 0.2 });
        // Stricter alert thresholds stay stricter.
        expect(analysisThresholds(parsed("production", ["launchpad:observability.thresholds.errorRatio=0.005", "launchpad:observability.thresholds.latencyP95Seconds=0.15"])))
            .toEqual({ errorRatio: 0.005, latencyP95Seconds: 0.15 });
    });

    it("AMP is queried at the stack's prometheusQueryUrl output, signed for the stack's region; prometheusUrl as it is", () => {
        const config = staging();
        expect(prometheusTarget(config, { prometheusQueryUrl: { value: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/" } }))
            .toEqual({ url: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/", sigV4Region: config.region });
        const { values, secretKeys } = deployedConfig("staging", ["launchpad:observability.prometheusUrl=http://prom.internal:9090"]);
        expect(prometheusTarget(parseConfig({ project: "launchpad", stack: "staging", values, secretKeys, env: {} }), {})).toEqual({ url: "http://prom.internal:9090" });
    });
});

describe("verdicts", () => {
    const s: AnalysisSettings = { windowSeconds: 90, intervalSeconds: 30, minRequests: 100, errorRatio: 0.01, latencyP95Seconds: 0.5 };
    const run = async (ms: Measurement[]) => {
        const log: string[] = [];
        let i = 0;
        const r = await analyse(() => Promise.resolve(ms[i++]), s, () => Promise.resolve(), (l) => log.push(l));
        return { ...r, log };
    };
    const ok: Measurement = { requests: 500, errorRatio: 0.001, p95Seconds: 0.1 };

    it.each([
        ["every check within bounds", [ok, ok, ok], "passed", 3],
        ["the second check's error ratio over the threshold stops there", [ok, { ...ok, errorRatio: 0.2 }, ok], "failed", 2],
        ["a p95 over the threshold", [{ ...ok, p95Seconds: 0.9 }, ok, ok], "failed", 1],
        ["too little traffic in every check", [{ ...ok, requests: 10 }, { ...ok, requests: 99, errorRatio: 1 }, { ...ok, requests: 0, errorRatio: undefined, p95Seconds: undefined }], "inconclusive", 3],
        ["one judged check is enough to pass", [{ ...ok, requests: 10 }, ok, { ...ok, requests: 10 }], "passed", 3],
    ] as const)("%s: %s", async (_, ms, verdict, checks) => {
        const r = await run([...ms]);
        expect(r.verdict).toBe(verdict);
        expect(r.checks).toBe(checks);
    });

    // Issue 17: too little traffic to judge is its own verdict. A minimum of 0 (the schema allows it) must not make a
    // window with no request at all, whose error ratio and p95 are no values, a pass.
    it("no request at all judges nothing, even with minRequests 0: inconclusive, not passed", async () => {
        const none: Measurement = { requests: 0, errorRatio: undefined, p95Seconds: undefined };
        const log: string[] = [];
        let i = 0;
        const ms = [none, none, { ...ok, requests: 1 }];
        const zero: AnalysisSettings = { ...s, minRequests: 0 };
        expect(await analyse(() => Promise.resolve(none), zero, () => Promise.resolve(), (l) => log.push(l))).toEqual({ verdict: "inconclusive", measurement: none, checks: 3 });
        expect(log[0]).toBe("check 1/3: error ratio none (threshold 0.01), p95 none (threshold 0.5 s), 0 requests in 30s (no requests: not judged)");
        // One request is traffic a minimum of 0 judges.
        expect((await analyse(() => Promise.resolve(ms[i++]), zero, () => Promise.resolve(), () => undefined)).verdict).toBe("passed");
    });

    it("logs each check with both values and their thresholds", async () => {
        const r = await run([ok, ok, { ...ok, requests: 10 }]);
        expect(r.log).toEqual([
            "check 1/3: error ratio 0.0010 (threshold 0.01), p95 0.100 s (threshold 0.5 s), 500 requests in 30s",
            "check 2/3: error ratio 0.0010 (threshold 0.01), p95 0.100 s (threshold 0.5 s), 500 requests in 60s",
            "check 3/3: error ratio 0.0010 (threshold 0.01), p95 0.100 s (threshold 0.5 s), 10 requests in 90s (below the minimum of 100: not judged)",
        ]);
    });

    // The new color served requests before the switch too: its smoke gate's (620 in production,
    // minutes before promote in deploy.yml) and, in staging, its load gate's, all through its preview
    // Service and counted in its own metrics. A check over the alerts' fixed 5 minutes would count them,
    // judge a new color no user has reached yet, and call it passed. Each check reads the time since
    // the switch instead: the i-th check comes after i sleeps of the interval, so i x interval is never
    // longer than the time since the switch; from 5 minutes on, the alerts' own window.
    it("each check reads only the time since the switch (i x interval), up to the alerts' 5 minutes", async () => {
        const windows: string[] = [];
        const long: AnalysisSettings = { ...s, windowSeconds: 600, intervalSeconds: 120 };
        const r = await analyse((window) => { windows.push(window); return Promise.resolve(ok); }, long, () => Promise.resolve(), () => undefined);
        expect(r.verdict).toBe("passed");
        expect(windows).toEqual(["120s", "240s", "5m", "5m", "5m"]);
        // Prometheus durations take whole numbers ("1.5s" is a parse error): an interval of 1500ms reads 1500ms, 3s, ...
        expect([1, 2, 3].map((i) => checkWindow(i, 1.5))).toEqual(["1500ms", "3s", "4500ms"]);
        const config = staging();
        expect(analysisQueries(config, "120s")).toEqual({
            requests: "sum by (service, color) (increase(http_requests_total[120s]))",
            errorRatio: errorRatioQuery(config.observability.metrics, "120s", "service, color"),
            p95: latencyP95Query(config.observability.metrics, "120s"),
        });
    });

    it("inconclusive has its own exit code", () => {
        expect(INCONCLUSIVE_EXIT).toBe(3);
    });
});

describe("npm run promote: arguments, refusals before any change, and a switch back that fails", () => {
    let kube: KubeApi;
    beforeAll(async () => {
        kube = await startKubeApi();
    });
    afterAll(async () => {
        await kube.close();
    });

    it("requires --service and a valid --analysis", async () => {
        const fake = await fakeStack(kube, "staging");
        const deps = { ...fake.deps };
        expect((await promote(["--stack", "staging"], deps)).code).toBe(2);
        expect(await promote(["--stack", "staging", "--service", "api", "--analysis", "soon"], deps)).toEqual({ code: 2, stdout: "", stderr: '--analysis: received "soon"; expected a Prometheus duration longer than zero, such as "10m"\n' });
        expect(fake.recorded.calls).toEqual([]);
    });

    it("Prometheus unreachable before the switch: exit 1, nothing changed", async () => {
        const port = await closedPort();
        const fake = await fakeStack(kube, "staging", { sets: [`launchpad:observability.prometheusUrl=http://127.0.0.1:${port}`] });
        const r = await promote(["--stack", "staging", "--service", "api"], { ...fake.deps });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^refused before any change: Prometheus at http://127.0.0.1:${port} cannot be queried \\(.*\\): the analysis could not run\\n$`));
        expect(fake.recorded.calls).toEqual([]);
    });

    it("a target color with a pod that is not ready: refused before any change, no analysis (the live Service's update would wait on it and fail, the selector moved)", async () => {
        const port = await closedPort();
        const fake = await fakeStack(kube, "staging", { sets: [`launchpad:observability.prometheusUrl=http://127.0.0.1:${port}`] });
        const blue = fake.resources.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.inputs?.metadata?.labels?.color === "blue")?.outputs?.metadata as { name: string; namespace: string };
        const labels = { app: "api", color: "blue", [ROLE_LABEL]: ROLES.workload };
        kube.objects.set(`pods/${blue.namespace}/api-blue-a`, podJson(blue.namespace, "api-blue-a", labels, { phase: "Running", ready: true }));
        kube.objects.set(`pods/${blue.namespace}/api-blue-b`, podJson(blue.namespace, "api-blue-b", labels, { phase: "Running", ready: false, waiting: "CrashLoopBackOff" }));
        try {
            const r = await promote(["--stack", "staging", "--service", "api", "--to", "blue"], { ...fake.deps, prometheus: () => () => Promise.reject(new Error("no query expected")) });
            expect(r.code).toBe(1);
            expect(r.stderr).toContain("refused before any change: the blue color cannot take traffic\n  - api: 1 of the blue color's pods the live Service would select is not ready (read live from the cluster): api-blue-b (Running, not ready: CrashLoopBackOff); ");
            expect(fake.recorded.calls).toEqual([]);
        } finally {
            kube.removeAll("pods");
        }
    });

    it("a breach whose switch back update fails: exit 1, both values, the switch back FAILED with the command to run now, no \"switched back\" line", async () => {
        // Issue 17: "Prometheus unreachable -> exit 1, no switch back claimed as success"; promote.ts
        // promises the same of any switch back that fails. The switch's update succeeds, the one back fails.
        const sets = ["launchpad:observability.prometheusUrl=http://127.0.0.1:9"];
        const fake = await fakeStack(kube, "staging", { sets });
        let ups = 0;
        const stack: RollbackStack = {
            ...fake.stack,
            up: async (opts) => {
                const r = await fake.stack.up(opts);
                ups++;
                if (ups === 2) throw new Error("the Kubernetes API refused the update");
                return r;
            },
        };
        // The queries as promote makes them for this config (a plain Prometheus scopes them to the stack's namespace),
        // over the one check's window: the 1 s since the switch (`checkWindow`).
        const { values, secretKeys } = deployedConfig("staging", sets);
        const q = analysisQueries(parseConfig({ project: "launchpad", stack: "staging", values, secretKeys, env: {} }), "1s");
        // Both colors at a 50% error ratio, with traffic enough to judge: the first check breaches.
        const series = (value: number) => [{ metric: { service: "api", color: "blue" }, value }, { metric: { service: "api", color: "green" }, value }];
        const prometheus = () => (expr: string) => Promise.resolve(series(expr === q.requests ? 1000 : expr === q.errorRatio ? 0.5 : 0.05));
        const r = await promote(["--stack", "staging", "--service", "api", "--to", "blue", "--analysis", "1s"], {
            ...fake.deps,
            // Staging reads no other stack (no promotion source): every selection is its own.
            selectStack: () => Promise.resolve(stack),
            prometheus,
            sleep: () => Promise.resolve(),
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(
            "analysis failed for api on blue: error ratio 0.5 (threshold 0.05), p95 0.05 s (threshold 1 s)\n" +
            "the switch back to green FAILED: the Kubernetes API refused the update; traffic may still be on blue: run `npm run rollback -- --stack staging --service api --to green` now\n",
        );
        expect(r.stdout).not.toContain("switched back");
        expect(r.stdout).not.toContain("passed");
        expect(fake.recorded.calls).toEqual([
            "set launchpad:services.api.activeColor=blue (path)", "up targetDependents=false",
            "set launchpad:services.api.activeColor=green (path)", "up targetDependents=false",
        ]);
    });
});

describe("SigV4 signing of AMP queries (the AWS SDK's signer), checked by a server with the same library", () => {
    const credentials = { accessKeyId: "AKIDLAUNCHPADTEST", secretAccessKey: "launchpad-test-secret-key" };
    let server: TestServer;
    const verdicts: string[] = [];
    const rawQueries: string[] = [];
    beforeAll(async () => {
        // The server re-signs what it received, at the request's own X-Amz-Date, with the
        // credentials it knows, and answers 403 unless the Authorization header matches. It reads
        // the query string as RFC 3986 percent-encoding (a '+' is a plus sign, not a space), the
        // reading under which only the bytes signed verify: URLSearchParams would decode a '+' as
        // a space and so accept a query sent in another form than the one signed.
        const verifier = new SignatureV4({ service: "aps", region: "eu-west-1", credentials, sha256: Sha256 });
        server = await startServer((req, res) => {
            const [pathname, raw = ""] = (req.url ?? "/").split("?", 2);
            rawQueries.push(raw);
            const query: Record<string, string> = {};
            for (const pair of raw.split("&").filter((p) => p !== "")) {
                const [k, v = ""] = pair.split("=", 2);
                query[decodeURIComponent(k)] = decodeURIComponent(v);
            }
            const amzDate = String(req.headers["x-amz-date"]);
            const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
            void verifier.sign({ method: req.method ?? "GET", protocol: "http:", hostname: "127.0.0.1", port: Number(req.headers.host?.split(":")[1]), path: pathname, query, headers: { host: String(req.headers.host) } }, { signingDate: date }).then((expected) => {
                const good = expected.headers.authorization === req.headers.authorization;
                verdicts.push(good ? "valid" : "invalid");
                res.statusCode = good ? 200 : 403;
                res.setHeader("content-type", "application/json");
                res.end(good ? JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { service: "api" }, value: [1, "0.5"] }] } }) : JSON.stringify({ status: "error", error: "signature mismatch" }));
            });
        });
    });
    afterAll(async () => {
        await server.close();
    });

    it("a query signed with the right key passes the check; the answer is parsed", async () => {
        const query = prometheusQuery({ url: `${server.url}/workspaces/ws-1/`, sigV4Region: "eu-west-1" }, ampSigner("eu-west-1", credentials));
        expect(await query('sum by (service) (rate(http_requests_total{code=~"5.."}[5m]))')).toEqual([{ metric: { service: "api" }, value: 0.5 }]);
        expect(verdicts.at(-1)).toBe("valid");
        // The query went on the wire in the signer's canonical form: spaces as %20, never '+'.
        expect(rawQueries.at(-1)).toBe("query=sum%20by%20%28service%29%20%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29");
    });

    it("a wrong secret, or another region, fails the check: the signature covers them", async () => {
        await expect(prometheusQuery({ url: server.url }, ampSigner("eu-west-1", { ...credentials, secretAccessKey: "wrong" }))("up")).rejects.toThrow("HTTP 403: signature mismatch");
        await expect(prometheusQuery({ url: server.url }, ampSigner("us-east-1", credentials))("up")).rejects.toThrow("HTTP 403: signature mismatch");
        expect(verdicts.slice(-2)).toEqual(["invalid", "invalid"]);
    });
});

describe("signedQuery against the signer's own test vectors (the AWS SigV4 test suite)", () => {
    // smithy-lang/smithy-typescript packages/signature-v4/src/suite.fixture.ts (commit 889d21ed7a): the
    // GET cases with a query, signed as its suite.spec.ts signs them (applyChecksum: false, no
    // x-amz-content-sha256), at its signingDate. Each request goes through signedQuery from a URL,
    // as the analysis builds it; the Authorization header must be the suite's, byte for byte.
    const suite = {
        region: "us-east-1",
        service: "service",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
        signingDate: new Date("2015-08-30T12:36:00Z"),
    };
    const unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const signer = new SignatureV4({ ...suite, sha256: Sha256, applyChecksum: false });
    afterAll(() => {
        vi.useRealTimers();
    });

    it.each([
        ["get-vanilla", {}, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
        ["get-vanilla-empty-query-key", { Param1: "value1" }, "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"],
        ["get-vanilla-query-order-key-case", { Param2: "value2", Param1: "value1" }, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"],
        ["get-vanilla-query-unreserved", { [unreserved]: unreserved }, "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"],
        ["get-vanilla-utf8-query", { "\u1234": "bar" }, "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"],
    ] as const)("%s", async (_, params, signature) => {
        const url = new URL("https://example.amazonaws.com/");
        for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
        vi.useFakeTimers({ toFake: ["Date"], now: suite.signingDate });
        const signed = await signedQuery(signer, url);
        vi.useRealTimers();
        expect(signed.headers.authorization).toBe(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`);
        // What is sent is what was signed: the canonical query string, keys sorted.
        const sent = new URL(signed.url);
        expect(sent.search.slice(1)).toBe(Object.keys(params).sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k as keyof typeof params])}`).join("&"));
    });
});

describe("npm run pending-switches (deploy.yml: the switches production makes through promote)", () => {
    it.each([
        ["the stack file moves api off its live color", { "launchpad:activeColor": "green", "launchpad:services": { api: {} } }, { api: { color: "blue" } }, ["api blue green"]],
        ["a service's own color wins over the stack's", { "launchpad:activeColor": "green", "launchpad:services": { api: { activeColor: "blue" } } }, { api: { color: "blue" } }, []],
        ["a first deploy has nothing live", { "launchpad:services": { api: {} } }, null, []],
        ["a service not live yet", { "launchpad:activeColor": "green", "launchpad:services": { api: {}, web: {} } }, { api: { color: "green" } }, []],
        // deploy.yml reads one line per service and promotes each in turn.
        ["two services switch, a third stays: one line each", { "launchpad:activeColor": "green", "launchpad:services": { admin: { activeColor: "blue" }, api: {}, web: {} } }, { admin: { color: "green" }, api: { color: "blue" }, web: { color: "green" } }, ["admin green blue", "api blue green"]],
    ] as const)("%s", (_, config, live, expected) => {
        expect(pendingSwitches({ config }, live)).toEqual(expected);
    });

    // One owner for the color rule (issue #16): pending-switches asks config/active-color.ts, as the
    // program's buildServices does; every combination names the color the program deploys.
    it.each([undefined, "blue", "green"] as const)("names the color the program gives api, launchpad:activeColor %s, for each color of its own", (stackColor) => {
        for (const own of [undefined, "blue", "green"] as const) {
            const { values, secretKeys } = deployedConfig("staging", own === undefined ? [] : [`launchpad:services.api.activeColor=${own}`]);
            if (stackColor === undefined) delete values["launchpad:activeColor"];
            else values["launchpad:activeColor"] = stackColor;
            const deployed = parseConfig({ project: "launchpad", stack: "staging", values, secretKeys, env: {} }).services.find((s) => s.name === "api")?.activeColor;
            const config = { ...(stackColor === undefined ? {} : { "launchpad:activeColor": stackColor }), "launchpad:services": { api: own === undefined ? {} : { activeColor: own } } };
            expect([own, pendingSwitches({ config }, { api: { color: "none" } })]).toEqual([own, [`api none ${deployed}`]]);
        }
    });

    it("starts without zod or the Pulumi SDK: config/active-color.ts is a module of its own (plan/root.ts)", async () => {
        const { execFileSync } = await import("node:child_process");
        const loaded = execFileSync(process.execPath, ["--import", "tsx", "-e", 'require("./scripts/pending-switches.ts"); console.log(Object.keys(require.cache).filter((k) => /node_modules\\/(zod|@pulumi)\\//.test(k)).length)'], { cwd: join(__dirname, ".."), encoding: "utf8" });
        expect(loaded.trim()).toBe("0");
    });

    // `pulumi config set --secret launchpad:services '<json>'` (no --path) stores the whole object as
    // `{ secure: <ciphertext> }` in the stack file (pulumi/pulumi sdk/go/common/resource/config/object.go:
    // "Secure values are encoded as {"secure": "ciphertext"}"). Read as plain YAML that is a service named "secure" with no
    // color: no switch found, no hold, and the up would move traffic with no analysis. Fail closed.
    it.each([
        ["launchpad:services encrypted whole", "  launchpad:services:\n    secure: v1:AAAA\n", "launchpad:services"],
        ["launchpad:activeColor encrypted", "  launchpad:activeColor:\n    secure: v1:AAAA\n  launchpad:services:\n    api: {}\n", "launchpad:activeColor"],
        ["a service's activeColor encrypted", "  launchpad:services:\n    api:\n      activeColor:\n        secure: v1:AAAA\n", "launchpad:services.api.activeColor"],
    ])("refuses (exit 2, before any update) a stack file whose colors it cannot read: %s", (_, yaml, key) => {
        const dir = scratchDir("launchpad-pending-switches-");
        writeFileSync(join(dir, "Pulumi.production.yaml"), `config:\n${yaml}`);
        writeFileSync(join(dir, "live.json"), JSON.stringify({ api: { color: "blue" } }));
        expect(pendingSwitchesCli(["--stack", "production", "--live", join(dir, "live.json")], dir)).toEqual({
            code: 2,
            stdout: "",
            stderr: `${key}: received [secret] in Pulumi.production.yaml; expected the color in clear: pending-switches reads the colors from the stack file to hold each service on its live color for npm run promote, and cannot decrypt it (encrypt only the secret leaves: pulumi config set --secret --path launchpad:services.<service>.env.<NAME> <value>)\n`,
        });
    });
});
