/**
 * The smoke runner for real: the CLI function against local `node:http` servers on 127.0.0.1, and
 * the esbuild bundle run by `node` in a directory without node_modules. Request counts and timeouts
 * are small so the file runs in a few seconds; latency thresholds are loose wherever the test is not
 * about latency, so a busy machine cannot flip a verdict.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildRunner, bundleRunner, RUNNER_FILE } from "../smoke/bundle";
import { renderText, smokeCli, type CliResult } from "../smoke/cli";
import type { SmokePolicy } from "../smoke/policy";
import { renderMetrics } from "../smoke/push";
import { formatMs, type SmokeSummary } from "../smoke/runner";
import { closedPort, startServer, type Handler, type TestServer } from "./support/http-server";

let dir: string;
const servers: TestServer[] = [];

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-test-"));
});
afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
    const s = await startServer(handler);
    servers.push(s);
    return s;
}

const LOOSE = { p95Ms: 5_000, p99Ms: 10_000, errorRate: 0.01 };

function smokePolicy(patch: Partial<SmokePolicy>): SmokePolicy {
    return { checks: [{ path: "/health/ready" }], requests: 20, concurrency: 5, timeoutMs: 2_000, warmupRequests: 0, thresholds: LOOSE, ...patch };
}

let files = 0;
function writePolicy(policy: unknown): string {
    const file = path.join(dir, `policy-${++files}.json`);
    fs.writeFileSync(file, typeof policy === "string" ? policy : JSON.stringify(policy));
    return file;
}

interface Run {
    readonly result: CliResult;
    readonly summary: SmokeSummary;
}

/** Runs the CLI with no push environment, and parses the JSON summary, which must be the last stdout line. */
async function smoke(policy: SmokePolicy, target: string, ...args: string[]): Promise<Run> {
    const result = await smokeCli(["--policy", writePolicy(policy), "--target", target, ...args], {});
    const lines = result.stdout.trimEnd().split("\n");
    const summary = JSON.parse(lines[lines.length - 1]) as SmokeSummary;
    // Without --json the readable lines come first, exactly as renderText writes them.
    expect(result.stdout).toBe(args.includes("--json") ? `${JSON.stringify(summary)}\n` : `${renderText(summary)}${JSON.stringify(summary)}\n`);
    return { result, summary };
}

const ok: Handler = (_req, res) => res.end("ready");

describe("smoke runner against local servers", () => {
    it("passes a healthy service: exit 0, no reasons, every request counted", async () => {
        const server = await serve(ok);
        const { result, summary } = await smoke(smokePolicy({ warmupRequests: 5, checks: [{ path: "/health/ready", bodyContains: "ready" }, { path: "/health/live", method: "HEAD" }] }), server.url);
        expect(result.code).toBe(0);
        expect(result.stderr).toBe("");
        expect(summary.verdict).toBe("pass");
        expect(summary.reasons).toEqual([]);
        expect(summary.target).toBe(server.url);
        expect(summary.warmup).toEqual({ requests: 10, failures: 0 });
        expect(summary.requests).toBe(40);
        expect(summary.failures).toBe(0);
        expect(summary.errorRate).toBe(0);
        expect(summary.failuresByKind).toEqual({});
        expect(summary.statusHistogram).toEqual({ "200": 40 });
        expect(summary.checks.map((c) => [c.name, c.requests, c.failures, c.statusHistogram])).toEqual([
            ["GET /health/ready", 20, 0, { "200": 20 }],
            ["HEAD /health/live", 20, 0, { "200": 20 }],
        ]);
        expect(summary.load).toBeNull();
        // Warm-up requests reach the server but count nowhere else.
        expect(server.count()).toBe(50);
        expect(summary.latencyMs.p50).toBeLessThanOrEqual(summary.latencyMs.p95 ?? -1);
        expect(summary.latencyMs.p95).toBeLessThanOrEqual(summary.latencyMs.p99 ?? -1);
        expect(result.stdout.split("\n").slice(-3, -1)).toEqual(["verdict: pass", JSON.stringify(summary)]);
    });

    it("fails when p95 is over its threshold", async () => {
        const server = await serve((_req, res) => setTimeout(() => res.end("ready"), 60));
        const { result, summary } = await smoke(smokePolicy({ requests: 10, thresholds: { p95Ms: 30, p99Ms: 10_000, errorRate: 0.01 } }), server.url);
        const p95 = summary.latencyMs.p95 ?? -1;
        expect(p95).toBeGreaterThanOrEqual(59);
        expect(result.code).toBe(1);
        expect(summary.verdict).toBe("fail");
        expect(summary.reasons).toEqual([`p95 latency ${formatMs(p95)} is not below the 30 ms threshold`]);
        expect(summary.failures).toBe(0);
    });

    it("fails a check whose own p95 is above its maxLatencyMs while the thresholds hold", async () => {
        const server = await serve((req, res) => (req.url === "/slow" ? setTimeout(() => res.end("ok"), 60) : res.end("ok")));
        const { result, summary } = await smoke(smokePolicy({ requests: 10, checks: [{ path: "/fast" }, { path: "/slow", maxLatencyMs: 30 }] }), server.url);
        const slow = summary.checks[1];
        expect(slow.maxLatencyMs).toBe(30);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual([`check "GET /slow": p95 latency ${formatMs(slow.latencyMs.p95 ?? -1)} is above its maxLatencyMs of 30 ms`]);
    });

    it("fails 2% of 5xx against a 1% budget, and passes it against 3%", async () => {
        const server = await serve((_req, res, n) => {
            res.statusCode = n % 50 === 0 ? 500 : 200;
            res.end("ready");
        });
        const policy = smokePolicy({ requests: 200, concurrency: 10 });
        const { result, summary } = await smoke(policy, server.url);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual(["error rate 2% (4 of 200 requests failed: 4 unexpected-status) is not below the 1% threshold"]);
        expect(summary.statusHistogram).toEqual({ "200": 196, "500": 4 });
        expect(summary.failuresByKind).toEqual({ "unexpected-status": 4 });
        expect(summary.errorRate).toBe(0.02);
        const lenient = await smoke({ ...policy, thresholds: { ...LOOSE, errorRate: 0.03 } }, server.url, "--json");
        expect(lenient.result.code).toBe(0);
        expect(lenient.summary.verdict).toBe("pass");
        expect(lenient.summary.statusHistogram).toEqual({ "200": 196, "500": 4 });
    });

    it("counts refused connections: no latency at all", async () => {
        const target = `http://127.0.0.1:${await closedPort()}`;
        const { result, summary } = await smoke(smokePolicy({ requests: 5, concurrency: 1, warmupRequests: 2 }), target);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual([
            "error rate 100% (5 of 5 requests failed: 5 connection-refused) is not below the 1% threshold",
            "p95 and p99 latency cannot be measured: no request got a response",
        ]);
        expect(summary.warmup).toEqual({ requests: 2, failures: 2 });
        expect(summary.statusHistogram).toEqual({ "connection-refused": 5 });
        expect(summary.latencyMs).toEqual({ p50: null, p95: null, p99: null });
    });

    it("times out a hanging endpoint, before the headers or in the middle of the body", async () => {
        const server = await serve((req, res) => {
            if (req.url === "/half") {
                res.writeHead(200, { "content-type": "text/plain" });
                res.write("rea");
            }
            // Otherwise: never answer.
        });
        const { result, summary } = await smoke(smokePolicy({ requests: 3, concurrency: 3, timeoutMs: 200, checks: [{ path: "/hang" }, { path: "/half", bodyContains: "ready" }] }), server.url);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual(["error rate 100% (6 of 6 requests failed: 6 timeout) is not below the 1% threshold"]);
        expect(summary.checks.map((c) => c.statusHistogram)).toEqual([{ timeout: 3 }, { timeout: 3 }]);
        // A timed-out request counts at the moment it was abandoned.
        expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(199);
        expect(summary.latencyMs.p99).toBeLessThan(2_000);
    });

    it("fails an unexpected status, and accepts any status of a list", async () => {
        const server = await serve((req, res) => {
            res.statusCode = req.url === "/gone" ? 404 : 204;
            res.end();
        });
        const { result, summary } = await smoke(smokePolicy({ requests: 3, checks: [{ path: "/gone", expectStatus: [200, 204] }, { path: "/empty", expectStatus: [200, 204] }] }), server.url);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual(["error rate 50% (3 of 6 requests failed: 3 unexpected-status) is not below the 1% threshold"]);
        expect(summary.checks.map((c) => [c.failuresByKind, c.statusHistogram])).toEqual([
            [{ "unexpected-status": 3 }, { "404": 3 }],
            [{}, { "204": 3 }],
        ]);
    });

    it("fails a response without the expected body text, though its status is right", async () => {
        const server = await serve((_req, res) => res.end("starting"));
        const { result, summary } = await smoke(smokePolicy({ requests: 3, checks: [{ path: "/health/ready", bodyContains: "ready" }] }), server.url);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual(['error rate 100% (3 of 3 requests failed: 3 body-mismatch (first: "ready" not found in the body)) is not below the 1% threshold']);
        expect(summary.statusHistogram).toEqual({ "200": 3 });
    });

    it("counts a response cut off mid-body as connection-reset, with no latency", async () => {
        const server = await serve((_req, res) => {
            res.writeHead(200, { "content-length": "100" });
            res.write("rea");
            setTimeout(() => res.socket?.destroy(), 20);
        });
        const { result, summary } = await smoke(smokePolicy({ requests: 3, concurrency: 3 }), server.url);
        expect(result.code).toBe(1);
        expect(summary.reasons).toEqual([
            "error rate 100% (3 of 3 requests failed: 3 connection-reset (first: ECONNRESET: aborted)) is not below the 1% threshold",
            "p95 and p99 latency cannot be measured: no request got a response",
        ]);
        expect(summary.statusHistogram).toEqual({ "connection-reset": 3 });
    });

    it("checks a redirect's own status without following it, and decodes a gzip body for bodyContains", async () => {
        const server = await serve((req, res) => {
            if (req.url === "/old") {
                res.writeHead(301, { location: "/health/ready" });
                res.end();
                return;
            }
            res.writeHead(200, { "content-encoding": "gzip" });
            res.end(zlib.gzipSync("ready"));
        });
        const { result, summary } = await smoke(
            smokePolicy({ requests: 2, checks: [{ path: "/old", expectStatus: 301 }, { path: "/health/ready", headers: { "accept-encoding": "gzip" }, bodyContains: "ready" }] }),
            server.url,
        );
        expect(result.code).toBe(0);
        expect(summary.checks.map((c) => [c.name, c.statusHistogram, c.failures])).toEqual([
            ["GET /old", { "301": 2 }, 0],
            ["GET /health/ready", { "200": 2 }, 0],
        ]);
        expect(server.count()).toBe(4);
    });

    it("sends the check's method, headers and body", async () => {
        const seen: string[] = [];
        const server = await serve((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                seen.push(`${req.method} ${req.url} ${String(req.headers["x-smoke"])} ${Buffer.concat(chunks).toString()}`);
                res.statusCode = 201;
                res.end("created");
            });
        });
        const { summary } = await smoke(smokePolicy({ requests: 2, concurrency: 1, checks: [{ path: "/items", method: "POST", headers: { "x-smoke": "1" }, body: '{"a":1}', expectStatus: 201 }] }), `${server.url}/api/`);
        expect(summary.verdict).toBe("pass");
        expect(seen).toEqual(['POST /api/items 1 {"a":1}', 'POST /api/items 1 {"a":1}']);
    });
});

describe("load profile", () => {
    it("loops the users over the checks for the duration and reports the phase apart", async () => {
        const server = await serve(ok);
        const { result, summary } = await smoke(smokePolicy({ requests: 5, checks: [{ path: "/a" }, { path: "/b" }], load: { users: 4, durationSeconds: 0.3 } }), server.url);
        expect(result.code).toBe(0);
        const load = summary.load;
        expect(load?.users).toBe(4);
        expect(load?.durationSeconds).toBe(0.3);
        expect(load?.failures).toBe(0);
        expect(load?.checks.map((c) => c.name)).toEqual(["GET /a", "GET /b"]);
        // Every load request is in one check's count, and every one reached the server.
        expect(load?.requests).toBe((load?.checks[0].requests ?? 0) + (load?.checks[1].requests ?? 0));
        expect(server.count()).toBe(10 + (load?.requests ?? 0));
        expect(load?.statusHistogram).toEqual({ "200": load?.requests });
        expect(load?.elapsedMs).toBeGreaterThanOrEqual(300);
    });

    it("fails on the load phase alone when the service falls over under load", async () => {
        // The first 20 requests succeed: the 10 of the smoke phase and the first 10 of the load.
        const server = await serve((_req, res, n) => {
            res.statusCode = n <= 20 ? 200 : 503;
            res.end();
        });
        const { result, summary } = await smoke(smokePolicy({ requests: 10, concurrency: 2, load: { users: 2, durationSeconds: 0.2 } }), server.url);
        const load = summary.load;
        expect(result.code).toBe(1);
        expect(summary.failures).toBe(0);
        expect(load?.failures).toBe((load?.requests ?? 0) - 10);
        expect(load?.statusHistogram).toEqual({ "200": 10, "503": (load?.requests ?? 0) - 10 });
        const rate = `${Number((((load?.failures ?? 0) / (load?.requests ?? 1)) * 100).toFixed(2))}%`;
        expect(summary.reasons).toEqual([`load: error rate ${rate} (${load?.failures} of ${load?.requests} requests failed: ${load?.failures} unexpected-status) is not below the 1% threshold`]);
    });
});

describe("invalid policy and arguments: exit 2, nothing sent", () => {
    const USAGE =
        "usage: npm run smoke -- --policy <file.json> --target <base-url> [--json] [--push <pushgateway-url> --service <name> --color <blue|green>]\n";

    it("lists every problem of the policy", async () => {
        const file = writePolicy({ checks: [{ path: "health" }], requests: 0, concurrency: 1, timeoutMs: 100, warmupRequests: 0, thresholds: { p95Ms: 1, p99Ms: 1, errorRate: 5 } });
        expect(await smokeCli(["--policy", file, "--target", "http://127.0.0.1:1"], {})).toEqual({
            code: 2,
            stdout: "",
            stderr:
                `Invalid smoke policy ${file} (3 problems):\n` +
                '  - checks[0].path: received "health"; expected a string starting with "/"\n' +
                "  - requests: received 0; expected an integer >= 1\n" +
                "  - thresholds.errorRate: received 5; expected a number > 0 and <= 1 (0.01 is 1%)\n",
        });
    });

    // Node sets a longer timer to 1 ms (@types/node timers.d.ts, setTimeout): a healthy target then failed with every
    // request a "timeout". The largest timer Node keeps passes validation.
    it.each([2_147_483_648, 3e9, 1e300])("refuses timeoutMs %d, a wait Node cannot time", async (timeoutMs) => {
        const file = writePolicy({ checks: [{ path: "/" }], requests: 1, concurrency: 1, timeoutMs, warmupRequests: 0, thresholds: { p95Ms: 1, p99Ms: 1, errorRate: 0.5 } });
        expect(await smokeCli(["--policy", file, "--target", "http://127.0.0.1:1"], {})).toEqual({
            code: 2,
            stdout: "",
            stderr: `Invalid smoke policy ${file} (1 problem):\n  - timeoutMs: received ${JSON.stringify(timeoutMs)}; expected a number > 0 and <= 2147483647 (the longest timer Node keeps)\n`,
        });
    });

    it("refuses a file that is not JSON", async () => {
        const file = writePolicy("{ checks: [");
        const r = await smokeCli(["--policy", file, "--target", "http://127.0.0.1:1"], {});
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(new RegExp(`^--policy: ${file.replace(/[.\\/]/g, "\\$&")} is not valid JSON: .+\\n$`));
    });

    it.each<[string, string[], string]>([
        ["missing flags", [], `--policy and --target are required\n${USAGE}`],
        ["a missing target", ["--policy", "p.json"], `--target is required\n${USAGE}`],
        ["a target that is not http", ["--policy", "p.json", "--target", "127.0.0.1:8080"], `--target: received "127.0.0.1:8080"; expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535\n${USAGE}`],
        ["an unknown flag", ["--policy", "p.json", "--target", "http://x", "--verbose"], `Unknown option '--verbose'\n${USAGE}`],
        // Found by tests/input-fuzz.test.ts: a URL given after a stray word is a positional, which the parser quoted, password and all.
        ["a stray word before a URL with credentials", ["--policy", "p.json", "--target", "stray", "http://user:pw@127.0.0.1:9"], `Unexpected argument 'http://***@127.0.0.1:9'. This command does not take positional arguments\n${USAGE}`],
        ["a push without a color", ["--policy", "p.json", "--target", "http://x", "--push", "http://gw:9091", "--service", "api"], `--color: received nothing (required with --push or PUSHGATEWAY_URL; or set SMOKE_COLOR); expected one of "blue", "green"\n${USAGE}`],
        ["a push with a bad service", ["--policy", "p.json", "--target", "http://x", "--push", "http://gw:9091", "--service", "API/v1", "--color", "blue"], `--service: received "API/v1"; expected a lowercase DNS label (a-z, 0-9, "-", at most 63 characters)\n${USAGE}`],
        // The usage groups them with --push: alone they were dropped in silence (a typo among them too) and the run went on.
        ["a color without a push", ["--policy", "p.json", "--target", "http://x", "--color", "purple"], `--color: received it without a push; expected --push <pushgateway-url> (or PUSHGATEWAY_URL) as well: --service and --color only name the pushed result\n${USAGE}`],
        ["a service and color without a push", ["--policy", "p.json", "--target", "http://x", "--service", "api", "--color", "blue"], `--service and --color: received them without a push; expected --push <pushgateway-url> (or PUSHGATEWAY_URL) as well: --service and --color only name the pushed result\n${USAGE}`],
    ])("refuses %s", async (_, argv, stderr) => {
        expect(await smokeCli(argv, {})).toEqual({ code: 2, stdout: "", stderr });
    });

    it("refuses a policy file that cannot be read", async () => {
        const missing = path.join(dir, "nope.json");
        expect(await smokeCli(["--policy", missing, "--target", "http://127.0.0.1:1"], {})).toEqual({
            code: 2,
            stdout: "",
            stderr: `--policy: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n`,
        });
    });
});

describe("push to a Pushgateway", () => {
    it("PUTs the run's metrics under job, service and color, from flags or the environment", async () => {
        const target = await serve(ok);
        const pushes: { method?: string; url?: string; type?: string; body: string }[] = [];
        const gateway = await serve((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                pushes.push({ method: req.method, url: req.url, type: req.headers["content-type"], body: Buffer.concat(chunks).toString() });
                res.statusCode = 200;
                res.end();
            });
        });
        const policy = smokePolicy({ requests: 3 });
        const flags = await smokeCli(["--policy", writePolicy(policy), "--target", target.url, "--json", "--push", gateway.url, "--service", "api", "--color", "green"], {});
        const env = await smokeCli(["--policy", writePolicy(policy), "--target", target.url, "--json"], { PUSHGATEWAY_URL: `${gateway.url}/`, SMOKE_SERVICE: "web", SMOKE_COLOR: "blue" });
        expect([flags.code, flags.stderr, env.code, env.stderr]).toEqual([0, "", 0, ""]);
        expect(pushes.map((p) => [p.method, p.url, p.type])).toEqual([
            ["PUT", "/metrics/job/launchpad-smoke-gate/service/api/color/green", "text/plain; version=0.0.4"],
            ["PUT", "/metrics/job/launchpad-smoke-gate/service/web/color/blue", "text/plain; version=0.0.4"],
        ]);
        const summary = JSON.parse(flags.stdout) as SmokeSummary;
        const timestamp = Number(/^launchpad_smoke_gate_last_run_timestamp_seconds (\S+)$/m.exec(pushes[0].body)?.[1]);
        expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
        expect(pushes[0].body).toBe(renderMetrics(summary, timestamp));
    });

    it("reports a failed push on stderr and keeps the verdict's exit code", async () => {
        const target = await serve((_req, res) => {
            res.statusCode = 500;
            res.end();
        });
        const port = await closedPort();
        const r = await smokeCli(["--policy", writePolicy(smokePolicy({ requests: 2 })), "--target", target.url, "--json", "--push", `http://127.0.0.1:${port}`, "--service", "api", "--color", "blue"], {});
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`warning: push to http://127.0.0.1:${port}/metrics/job/launchpad-smoke-gate/service/api/color/blue failed: connect ECONNREFUSED 127.0.0.1:${port}; the verdict stands\n`);
    });

    it("reports a push the gateway refuses", async () => {
        const target = await serve(ok);
        const gateway = await serve((_req, res) => {
            res.statusCode = 400;
            res.end("text format parsing error\n");
        });
        const r = await smokeCli(["--policy", writePolicy(smokePolicy({ requests: 2 })), "--target", target.url, "--json", "--push", gateway.url, "--service", "api", "--color", "blue"], {});
        expect(r.code).toBe(0);
        expect(r.stderr).toBe(`warning: push to ${gateway.url}/metrics/job/launchpad-smoke-gate/service/api/color/blue failed: HTTP 400: text format parsing error; the verdict stands\n`);
    });
});

function runNode(args: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        // Asynchronous, so the test's own server keeps answering while the child runs.
        execFile(process.execPath, [...args], { cwd, env: { PATH: process.env.PATH ?? "" } }, (error, stdout, stderr) => {
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
        });
    });
}

describe("the bundle", () => {
    it("is deterministic, memoized, and holds no path of this machine", () => {
        const first = buildRunner();
        expect(buildRunner()).toBe(first);
        expect(bundleRunner()).toBe(first);
        expect(bundleRunner()).toBe(bundleRunner());
        expect(first.startsWith("// Launchpad smoke runner, bundled from smoke/cli.ts by smoke/bundle.ts.")).toBe(true);
        expect(first.includes(path.resolve(__dirname, ".."))).toBe(false);
        expect(first.includes(os.tmpdir())).toBe(false);
        expect(RUNNER_FILE).toBe("runner.cjs");
    });

    it("runs standalone with node, outside the repository: exit 0, 1 and 2", async () => {
        const standalone = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-bundle-"));
        try {
            fs.writeFileSync(path.join(standalone, RUNNER_FILE), bundleRunner());
            fs.writeFileSync(path.join(standalone, "policy.json"), JSON.stringify(smokePolicy({ requests: 5 })));
            fs.writeFileSync(path.join(standalone, "bad.json"), JSON.stringify({ checks: [] }));
            const server = await serve(ok);
            const port = await closedPort();
            const pass = await runNode([RUNNER_FILE, "--policy", "policy.json", "--target", server.url, "--json"], standalone);
            const fail = await runNode([RUNNER_FILE, "--policy", "policy.json", "--target", `http://127.0.0.1:${port}`], standalone);
            const invalid = await runNode([RUNNER_FILE, "--policy", "bad.json", "--target", server.url], standalone);
            expect(pass.code).toBe(0);
            expect(pass.stderr).toBe("");
            const summary = JSON.parse(pass.stdout) as SmokeSummary;
            expect([summary.verdict, summary.requests, summary.statusHistogram]).toEqual(["pass", 5, { "200": 5 }]);
            expect(fail.code).toBe(1);
            expect(fail.stdout.split("\n").slice(-5, -2)).toEqual([
                "verdict: fail",
                "  - error rate 100% (5 of 5 requests failed: 5 connection-refused) is not below the 1% threshold",
                "  - p95 and p99 latency cannot be measured: no request got a response",
            ]);
            expect(invalid).toEqual({
                code: 2,
                stdout: "",
                stderr:
                    "Invalid smoke policy bad.json (6 problems):\n" +
                    "  - checks: received []; expected a list of at least 1 check\n" +
                    "  - requests: received nothing (required); expected an integer >= 1\n" +
                    "  - concurrency: received nothing (required); expected an integer >= 1\n" +
                    "  - timeoutMs: received nothing (required); expected a number > 0 and <= 2147483647 (the longest timer Node keeps)\n" +
                    "  - warmupRequests: received nothing (required); expected an integer >= 0\n" +
                    "  - thresholds: received nothing (required); expected an object with p95Ms, p99Ms and errorRate\n",
            });
            expect(server.count()).toBe(5);
        } finally {
            fs.rmSync(standalone, { recursive: true, force: true });
        }
    });
});
