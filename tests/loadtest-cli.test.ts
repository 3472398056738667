/**
 * `npm run loadtest` in-process: argument and stack problems, the Job `--print` prints for staging (the
 * color's preview Service, the bundled runner), a real run against a local server
 * with `--target` (short stages through `--set`), the push to a stand-in Pushgateway, and the Job's
 * bundle run by `node` from a directory without node_modules.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadtestCli, USAGE } from "../loadtest/cli";
import { bundleLoadtestRunner, LOADTEST_RUNNER_FILE, LOADTEST_RUNNER_MAX_BYTES } from "../loadtest/bundle";
import { mainCli, renderReport, type LoadtestSummary, type RunSpec } from "../loadtest/main";
import { LOADTEST_METRICS } from "../observability/catalogue";
import { judge } from "../loadtest/verdict";
import { parseConfig } from "../config";
import { REPO_ROOT, stackConfigFor } from "../plan/engine";
import { recordingServer, startServer, type TestServer } from "./support/http-server";
import { requestParts, validSigV4 } from "./support/sigv4-verifier";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/loadtest-cli.test.ts", "the runs against local servers (the self-contained bundle, --target, --target with the stack's workspace)");

const servers: TestServer[] = [];
// When the file ends, not after each test: the runs below go side by side.
afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(status = 200): Promise<TestServer> {
    const s = await startServer((_req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
    });
    servers.push(s);
    return s;
}

/** A two-second load scenario: short stages through config, as a test should. */
// A latency bound no busy machine reaches (these tests judge the run's path and its errors, not the machine's speed).
const SHORT = 'launchpad:services.api.performance={"scenarios":{"load":{"stages":[{"duration":"500ms","target":3},{"duration":"500ms","target":3}],"thinkTimeMs":10,"thresholds":{"http_req_duration":["p(95)<5000"],"http_req_failed":["rate<0.01"]}}}}';

/** The fields of the printed objects the test reads. */
interface Manifest {
    kind: string;
    metadata: { name: string; namespace: string };
    data: Record<string, string>;
    spec: {
        backoffLimit: number;
        podFailurePolicy?: unknown;
        activeDeadlineSeconds: number;
        template: { spec: { activeDeadlineSeconds: number; containers: { command: string[] }[]; securityContext: { runAsNonRoot: boolean } } };
    };
}

const lastJson = (stdout: string): LoadtestSummary => JSON.parse(stdout.trimEnd().split("\n").at(-1) as string) as LoadtestSummary;

describe("npm run loadtest: arguments and stacks", () => {
    it("reports every bad flag at once with the usage, exit 2", async () => {
        const r = await loadtestCli(["--stack", "staging", "--scenario", "smoke", "--color", "red", "--target", "ftp://x"], {});
        expect(r).toEqual({
            code: 2,
            stdout: "",
            stderr: [
                "--service: received nothing; expected a value (it is required)",
                '--scenario: received "smoke"; expected one of "load", "stress", "soak", "spike"',
                '--color: received "red"; expected one of "blue", "green"',
                '--target: received "ftp://x"; expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535',
                USAGE,
                "",
            ].join("\n"),
        });
    });

    it("a refused --target, --prometheus or --push is echoed masked up to its last '@': a '/' in the password makes the URL invalid, and the text still holds it (smoke/runner.ts redactRefusedUrl)", async () => {
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--target", "http://gate:s3/cret@127.0.0.1:9/", "--push", "https://u:p/w@pgw.example.com/"], {});
        expect(r.code).toBe(2);
        expect(r.stderr.split("\n").slice(0, 2)).toEqual([
            '--target: received "http://***@127.0.0.1:9/"; expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535',
            '--push: received "https://***@pgw.example.com/"; expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535',
        ]);
        expect(r.stderr).not.toMatch(/cret|p\/w/);
    });

    it("refuses production and an unknown service", async () => {
        expect(await loadtestCli(["--stack", "production", "--service", "api", "--scenario", "load"], {})).toEqual({
            code: 2,
            stdout: "",
            stderr: '--stack: received "production"; expected a stack whose tier runs performance tests (staging): a production stack carries no profiles, and its candidate shares its database\n',
        });
        expect((await loadtestCli(["--stack", "staging", "--service", "web", "--scenario", "load"], {})).stderr).toBe('--service: received "web"; expected one of "api"\n');
    });
});

// The next three suites are concurrent: vitest runs consecutive concurrent suites together, and each
// run has its own local servers (the one that sets AWS_* in process.env is the only one signing).
describe.concurrent("npm run loadtest --print: the Job for staging", () => {
    it("prints a ConfigMap and a Job that run the scenario against the color's preview Service", async ({ expect }) => {
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--color", "blue", "--print"], {});
        expect(r.code).toBe(0);
        const [cm, job] = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest);
        expect([cm.kind, cm.metadata.name, job.kind, job.metadata.name, job.metadata.namespace]).toEqual(["ConfigMap", "api-blue-loadtest-load", "Job", "api-blue-loadtest-load", "launchpad-staging"]);
        const spec = JSON.parse(cm.data["spec.json"]) as RunSpec;
        expect(spec.target).toBe("http://api-blue.launchpad-staging.svc.cluster.local:80");
        expect(spec.image).toBe("ghcr.io/acme/api:1.4.2");
        expect(spec.pushgateway).toMatch(/^http:\/\/.+\.launchpad-staging\.svc\.cluster\.local:9091$/);
        // An operator's run verifies no release: no line that records one.
        expect(Object.keys(spec)).not.toContain("record");
        expect(spec.scenario.stages.map((s) => s.target)).toEqual([10, 10, 50, 50, 100, 100, 0]);
        expect(cm.data[LOADTEST_RUNNER_FILE]).toBe(bundleLoadtestRunner());
        const pod = job.spec.template.spec;
        expect(pod.containers[0].command).toEqual(["node", "/loadtest/runner.cjs", "--spec", "/loadtest/spec.json"]);
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(job.spec.backoffLimit).toBe(0);
        // A pod a node drain takes away is no verdict: the run starts again (lib/workload.ts retryDisruptedPods).
        expect(job.spec.podFailurePolicy).toEqual({ rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });
        // 15 minutes of stages, one 10 s timeout, five minutes to start and report: each pod's bound; the
        // Job's is twice it, so a pod a drain takes away late still gets a whole run (lib/workload.ts retriedRunDeadlines).
        expect(job.spec.template.spec.activeDeadlineSeconds).toBe(15 * 60 + 10 + 300);
        expect(job.spec.activeDeadlineSeconds).toBe(2 * (15 * 60 + 10 + 300));
        expect(r.stderr).toContain("| kubectl create -f -");
    });

    it("the bundle, with the AWS SDK's signer and credential chain, stays under half a ConfigMap's 1 MiB", ({ expect }) => {
        const bytes = Buffer.byteLength(bundleLoadtestRunner());
        expect(bytes).toBeLessThan(LOADTEST_RUNNER_MAX_BYTES);
        expect(LOADTEST_RUNNER_MAX_BYTES).toBe(512 * 1024);
        // It carries the signer: a bundle that lost it would fail only in the cluster.
        expect(bundleLoadtestRunner()).toContain("AWS4-HMAC-SHA256");
        expect(bundleLoadtestRunner()).toContain("AWS_WEB_IDENTITY_TOKEN_FILE");
    });

    it.skipIf(SKIP_TIMING)("the bundle is self-contained: node runs it without node_modules against a local server", async ({ expect }) => {
        // A one-second hold after a short ramp: a lone 300 ms ramp (its second user starts at its end) leaves
        // a stalled start on a loaded machine almost nothing to measure.
        const s = await serve();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-bundle-"));
        try {
            fs.writeFileSync(path.join(dir, LOADTEST_RUNNER_FILE), bundleLoadtestRunner());
            const spec: RunSpec = {
                service: "api", color: "blue", namespace: "ns", target: s.url, image: "ghcr.io/acme/api:1.4.2",
                scenario: { name: "load", model: "closed", stages: [{ duration: "100ms", durationMs: 100, target: 2 }, { duration: "1s", durationMs: 1000, target: 2 }], thinkTimeMs: 10, checks: [{ path: "/", method: "GET", expectStatus: 200, weight: 1 }], thresholds: { http_req_failed: ["rate<0.5"] }, timeoutMs: 2000, mustHoldUsers: 100, recoveryWindowMs: 1000 },
                server: { warmupSeconds: 0, maxMemorySlopeMiBPerHour: 32, maxRestarts: 0, maxDbConnections: 100, maxDbConnectionsSlopePerHour: 4, maxRecoverySeconds: 60 },
            };
            fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
            const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
                execFile(process.execPath, [path.join(dir, LOADTEST_RUNNER_FILE), "--spec", path.join(dir, "spec.json")], { cwd: dir, timeout: 20_000 }, (e, stdout) => resolve({ code: e === null ? 0 : (e.code as number), stdout }));
            });
            // The whole output on failure: a verdict's reasons say why.
            expect({ code: out.code, stdout: out.code === 0 ? "" : out.stdout }).toEqual({ code: 0, stdout: "" });
            expect(lastJson(out.stdout).verdict).toBe("pass");
            expect(out.stdout).toContain("\nverdict: pass\n{");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe.skipIf(SKIP_TIMING).concurrent("npm run loadtest --target: a run here", () => {
    it("runs the stack's scenario against a local server, prints the report and the verdict, exit 0", async ({ expect }) => {
        const s = await serve();
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--target", s.url, "--set", SHORT], {});
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const lines = r.stdout.split("\n");
        expect(lines[0]).toBe(`loadtest load of api (green) against ${s.url}: closed model, 2 stages`);
        expect(lines[1]).toMatch(/^stage\s+users\s+duration\s+requests\s+req\/s\s+p50\s+p95\s+p99\s+errors\s+thresholds$/);
        expect(lines[2]).toMatch(/^1\s+0→3\s+500ms\s+\d+\s+[\d.]+\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+0%\s+p\(95\)<5000 ✓ rate<0\.01 ✓$/);
        expect(r.stdout).toContain("breaking point: none (every stage held its thresholds)\nserver: not judged (no Prometheus)\nverdict: pass\n");

        // The stack's own Prometheus goes into the Job's spec, never into a run against a local target.
        const withProm = ["--stack", "staging", "--service", "api", "--scenario", "load", "--set", "launchpad:observability.prometheusUrl=http://127.0.0.1:9/prometheus"];
        const job = await loadtestCli([...withProm, "--print"], {});
        expect(job.code).toBe(0);
        const [cm] = parseAllDocuments(job.stdout).map((d) => d.toJS() as Manifest);
        expect((JSON.parse(cm.data["spec.json"]) as RunSpec).prometheus).toEqual({ url: "http://127.0.0.1:9/prometheus" });
        const local = await loadtestCli([...withProm, "--target", s.url, "--set", SHORT], {});
        expect([local.code, local.stderr]).toEqual([0, ""]);
        expect(local.stdout).toContain("server: not judged (no Prometheus)\n");
        const summary = lastJson(r.stdout);
        expect([summary.verdict, summary.run.stages.length, summary.run.overall.requests > 0]).toEqual(["pass", 2, true]);
    });

    it("a failing server fails the verdict, exit 1, and the push carries it under job, service, color and scenario", async ({ expect }) => {
        const s = await serve(503);
        const gateway = await recordingServer();
        const pushed = gateway.received;
        servers.push(gateway);
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--color", "blue", "--target", s.url, "--push", gateway.url, "--set", SHORT, "--json"], {});
        expect(r.code).toBe(1);
        const summary = lastJson(r.stdout);
        expect(r.stdout.split("\n").length).toBe(2); // --json: the line alone
        expect(summary.reasons).toEqual(['whole run: http_req_failed "rate<0.01" failed (100%)', 'stage 2 (3 users held): http_req_failed "rate<0.01" failed (100%)']);
        expect(summary.run.breakingPoint).toEqual({ stage: 1, users: 3 });
        expect(pushed.map((p) => [p.method, p.url])).toEqual([["PUT", "/metrics/job/launchpad-loadtest/service/api/color/blue/scenario/load"]]);
        expect(pushed[0].body).toContain(`${LOADTEST_METRICS.passed} 0\n`);
        expect(pushed[0].body).toContain(`${LOADTEST_METRICS.errorRatio} 1\n`);
        expect(pushed[0].body).toContain(`${LOADTEST_METRICS.breakingPointUsers} 3\n`);
        expect(pushed[0].body).toContain(`${LOADTEST_METRICS.recoverySeconds} NaN\n`);
    });
});

describe.concurrent("npm run loadtest with the stack's AMP workspace (both committed stacks): resolved as promote resolves it, queries signed", () => {
    // The stack's `prometheusQueryUrl` output: the workspace's `prometheusEndpoint` (components/observability.ts).
    const AMP_URL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/";
    const outputsWith = (url: string) => ({ stackOutputs: (stack: string) => Promise.resolve(stack === "staging" ? { prometheusQueryUrl: { value: url } } : undefined) });
    const specOf = (stdout: string): RunSpec => JSON.parse((parseAllDocuments(stdout).map((d) => d.toJS() as Manifest)[0]).data["spec.json"]) as RunSpec;

    it("the Job's spec names the workspace's query URL and the stack's region to sign in", async ({ expect }) => {
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "soak", "--print"], {}, REPO_ROOT, outputsWith(AMP_URL));
        expect(r.code).toBe(0);
        expect(r.stderr).not.toContain("warning");
        expect(specOf(r.stdout).prometheus).toEqual({ url: AMP_URL, sigV4Region: "us-east-1" });
    });

    it("without the stack's outputs the run goes on, and says loudly that its server side will not be judged", async ({ expect }) => {
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "soak", "--print"], {}, REPO_ROOT, { stackOutputs: () => Promise.resolve(undefined) });
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n")[0]).toBe("warning: the server side will not be judged: stack staging's prometheusQueryUrl output cannot be read (pulumi login, and pulumi up the stack); give --prometheus <url> to judge it against another");
        expect(specOf(r.stdout).prometheus).toBeUndefined();
        // Asked for by name, the stack's Prometheus must exist: exit 2.
        expect(await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--target", "http://127.0.0.1:9", "--prometheus", "stack"], {})).toEqual({
            code: 2,
            stdout: "",
            stderr: '--prometheus: received "stack"; expected a stack with a Prometheus to query: stack staging\'s prometheusQueryUrl output cannot be read (pulumi login, and pulumi up the stack), and launchpad:observability.prometheusUrl is not set\n',
        });
    });

    it.skipIf(SKIP_TIMING)("--target with --prometheus stack: the run here judges the server through the workspace, every query SigV4-signed with the SDK's credential chain", async ({ expect }) => {
        const credentials = { accessKeyId: "AKIDLAUNCHPADTEST", secretAccessKey: "launchpad-test-secret-key" };
        const verdicts: boolean[] = [];
        const amp = await startServer((req, res) => {
            void validSigV4(req, credentials, "us-east-1").then((valid) => {
                verdicts.push(valid);
                const { path: p, query } = requestParts(req);
                res.statusCode = valid ? 200 : 403;
                res.setHeader("content-type", "application/json");
                const body = !valid ? { message: "signature mismatch" }
                    : p.endsWith("/api/v1/query_range") ? { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[Number(query.start), "3"]] }] } }
                    : { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Number(query.time), "0"] }] } };
                res.end(JSON.stringify(body));
            });
        });
        servers.push(amp);
        const app = await serve();
        const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
        // The SDK's environment provider, first in its default chain.
        process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
        try {
            const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--target", app.url, "--prometheus", "stack", "--set", SHORT], {}, REPO_ROOT, outputsWith(`${amp.url}/workspaces/ws-1/`));
            expect([r.code, r.stderr]).toEqual([0, ""]);
            expect(r.stdout).toContain("server restarts: ok: 0 container restart(s) during the run (bound 0)\n");
            expect(r.stdout).toContain("server db-connections: ok: at most 3 database connection(s) (bound 100)\n");
            expect(verdicts.length).toBeGreaterThanOrEqual(2);
            expect(verdicts.every((v) => v)).toBe(true);
        } finally {
            for (const [k, v] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
        }
    });
});

/** The lines of docs/delivery.md's recorded run ("Reading a run."): the command, the report, its JSON line. */
function recordedBlock(): string[] {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "delivery.md"), "utf8");
    const start = doc.indexOf("```\n$ npm run loadtest", doc.indexOf("**Reading a run.**")) + 4;
    return doc.slice(start, doc.indexOf("\n```", start)).split("\n");
}

describe("the printed report", () => {
    it("counts the errors by kind of each stage that had any, under the whole run's (issue 15: per stage, errors by kind)", () => {
        const at = (stage: number, byKind: Record<string, number>) => ({ stage, errorsByKind: byKind, failures: Object.values(byKind).reduce((n, v) => n + v, 0) });
        const base = JSON.parse(recordedBlock().find((l) => l.startsWith('{"verdict"')) as string) as LoadtestSummary;
        const stages = base.run.stages.map((st, i) => ({ ...st, ...at(i + 1, [{}, {}, { timeout: 2 }, { "unexpected-status": 387, "connection-reset": 4 }, { "unexpected-status": 59 }][i]) }));
        const summary = { ...base, run: { ...base.run, stages, overall: { ...base.run.overall, errorsByKind: { timeout: 2, "connection-reset": 4, "unexpected-status": 446 } } } } as LoadtestSummary;
        const lines = renderReport(summary).split("\n");
        const from = lines.findIndex((l) => l.startsWith("errors by kind:"));
        expect(lines.slice(from, from + 5)).toEqual([
            "errors by kind: 2 timeout, 4 connection-reset, 446 unexpected-status",
            "  stage 3: 2 timeout",
            "  stage 4: 4 connection-reset, 387 unexpected-status",
            "  stage 5: 59 unexpected-status",
            "breaking point: stage 4 (150 users)",
        ]);
    });
});

describe("docs/delivery.md and the README: the recorded run", () => {
    it("is a real run's output: its JSON line renders to its table lines, and the verdict follows from its stages", () => {
        const block = recordedBlock();
        const json = block.findIndex((l) => l.startsWith('{"verdict"'));
        const summary = JSON.parse(block[json]) as LoadtestSummary;
        const report = block.slice(block.findIndex((l) => l.startsWith("loadtest ")), json);
        expect(report).toEqual(renderReport(summary).trimEnd().split("\n"));
        // The README's performance section quotes lines of the same report, in its order.
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const quoted = readme.indexOf("```text\n", readme.indexOf("## Performance")) + "```text\n".length;
        const lines = readme.slice(quoted, readme.indexOf("\n```", quoted)).split("\n");
        expect(lines.length).toBeGreaterThanOrEqual(4);
        expect(lines.map((l) => report.indexOf(l))).toEqual(lines.map((l) => report.indexOf(l)).filter((i) => i >= 0).sort((x, y) => x - y));
        // The stress rule with the --set of the command: the stages of at most mustHoldUsers (50) held.
        const set = /--set '([^=]+)=(.+)'$/.exec(block[1].trim());
        const sc = stackConfigFor({ stack: "staging", sets: [`${set?.[1]}=${set?.[2]}`] });
        const perf = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true }).services[0].performance;
        if (perf === undefined) throw new Error("staging's api has no performance suite");
        expect(perf.scenarios.stress.stages.map((st) => st.target)).toEqual(summary.run.stages.map((st) => st.toUsers));
        expect(judge(perf.scenarios.stress, summary.run, perf.server, summary.server)).toEqual({ verdict: summary.verdict, reasons: summary.reasons });
    });
});

describe("the Job's runner (node runner.cjs): a stray argument", () => {
    // Found by tests/input-fuzz.test.ts in the smoke runner, whose parser is the same: the parser quoted a positional, password and all.
    it("a URL with credentials given without --target: exit 2, its user info hidden", async () => {
        expect(await mainCli(["--spec", "spec.json", "http://user:pw@127.0.0.1:9"])).toEqual({
            code: 2,
            stdout: "",
            stderr: "Unexpected argument 'http://***@127.0.0.1:9'. This command does not take positional arguments\nusage: node runner.cjs --spec <spec.json> [--target <base-url>] [--json]\n",
        });
    });
});
