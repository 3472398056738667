/**
 * The server-side judgement against an AMP workspace: every Prometheus API call of the run (the
 * watch's polls during the stages, the after-run range and instant queries) goes through
 * scripts/prometheus.ts `prometheusGet`, SigV4-signed (service `aps`) with credentials from the AWS
 * SDK's default chain, here its environment provider, as the Job's pod gets its IRSA role's
 * through its web-identity provider. The workspace is a local server that checks each signature
 * with the signer's own library (tests/support/sigv4-verifier.ts) and answers 403 as AMP does when
 * it does not hold; behind the check it answers the Prometheus HTTP API (prometheus/prometheus
 * web/api/v1/api.go shapes) with a growing or flat working set and a restart count the test sets.
 * The real-Prometheus judgement of the same queries is tests/loadtest-server.test.ts.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import type * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { bundleLoadtestRunner, LOADTEST_RUNNER_FILE } from "../loadtest/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSpec, specProblems, type LoadtestSummary, type RunSpec } from "../loadtest/main";
import { DEFAULT_SERVER_BOUNDS, type Scenario } from "../loadtest/profile";
import { CADVISOR_METRICS } from "../observability/catalogue";
import { startServer, type TestServer } from "./support/http-server";
import { TEST_APP_METRICS, twoUserScenario } from "./support/loadtest-run";
import { requestParts, validSigV4 } from "./support/sigv4-verifier";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/loadtest-sigv4.test.ts", "the soaks through a signed workspace and the bundled runner's web identity");

const REGION = "eu-west-1";
const WORKSPACE = "/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef";
const credentials = { accessKeyId: "ASIALAUNCHPADTEST", secretAccessKey: "launchpad-test-secret-key", sessionToken: "launchpad-test-session-token" };
const MIB = 1024 * 1024;

/** What a fake workspace answers behind the signature check. */
interface WorkspaceState {
    readonly memoryMiBPerSecond: number;
    readonly restarts: number;
}
const FLAT: WorkspaceState = { memoryMiBPerSecond: 0, restarts: 0 };

function prometheusAnswer(req: http.IncomingMessage, state: WorkspaceState): { status: string; data: { resultType: string; result: unknown[] } } {
    const { path, query } = requestParts(req);
    const expr = query.query ?? "";
    if (path === `${WORKSPACE}/api/v1/query_range`) {
        const [start, end, step] = [Number(query.start), Number(query.end), Number(query.step)];
        const times = Array.from({ length: Math.floor((end - start) / step) + 1 }, (_, i) => start + i * step);
        if (expr.includes(CADVISOR_METRICS.memoryWorkingSet)) {
            const values = times.map((t) => [t, String(300 * MIB + state.memoryMiBPerSecond * MIB * (t - start))]);
            return { status: "success", data: { resultType: "matrix", result: [{ metric: { pod: "orders-blue-5d8f7c9b6-abcde" }, values }] } };
        }
        // The pool's connections: four in use.
        return { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: times.map((t) => [t, "4"]) }] } };
    }
    if (path === `${WORKSPACE}/api/v1/query`) {
        const value = expr.includes("kube_pod_container_status_restarts_total") ? state.restarts : 300 * MIB;
        return { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Number(query.time), String(value)] }] } };
    }
    return { status: "error", data: { resultType: "", result: [] } };
}

/** A workspace of its own per run (runs go side by side): every query's path and whether its signature held. */
interface Workspace {
    readonly url: string;
    readonly seen: { path: string; valid: boolean; query: Record<string, string> }[];
}
const servers: TestServer[] = [];

async function workspace(state: WorkspaceState = FLAT): Promise<Workspace> {
    const seen: Workspace["seen"] = [];
    const amp = await startServer((req, res) => {
        void validSigV4(req, credentials, REGION).then((valid) => {
            seen.push({ ...requestParts(req), valid });
            res.setHeader("content-type", "application/json");
            if (!valid) {
                res.statusCode = 403;
                res.end(JSON.stringify({ message: "The request signature we calculated does not match the signature you provided." }));
                return;
            }
            res.end(JSON.stringify(prometheusAnswer(req, state)));
        });
    });
    servers.push(amp);
    return { url: amp.url, seen };
}

let app: TestServer;
beforeAll(async () => {
    app = await startServer((_req, res) => res.end("ok"));
});
afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await app?.close();
});

// The SDK's environment provider reads these at each resolution (fromEnv in @aws-sdk/credential-provider-env).
// Set for the whole file, not per test: the in-process runs go side by side.
const ENV = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken };
let saved: Record<string, string | undefined> = {};
beforeAll(() => {
    saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
    Object.assign(process.env, ENV);
});
afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
});

const scenario = (name: Scenario["name"], seconds: number): Scenario => twoUserScenario(name, [{ duration: `${seconds}s`, durationMs: seconds * 1_000, target: 2 }]);
const APP = TEST_APP_METRICS;
const spec = (name: Scenario["name"], seconds: number, ws: Pick<Workspace, "url"> = { url: "http://127.0.0.1:9" }, region = REGION): RunSpec => ({
    service: "orders",
    color: "blue",
    namespace: "launchpad-staging",
    target: app.url,
    image: "ghcr.io/acme/orders:1.0.0",
    scenario: scenario(name, seconds),
    // No warm-up: the soak here is seconds long.
    server: { ...DEFAULT_SERVER_BOUNDS, warmupSeconds: 0, maxMemorySlopeMiBPerHour: 32 },
    prometheus: { url: `${ws.url}${WORKSPACE}`, sigV4Region: region },
    appMetrics: APP,
});
const summaryOf = (stdout: string): LoadtestSummary => JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "") as LoadtestSummary;

describe("the spec's Prometheus", () => {
    it.each([
        { name: "a URL alone: unsigned", prometheus: { url: "http://prometheus.monitoring.svc:9090" }, problems: [] },
        { name: "a workspace and its region: signed", prometheus: { url: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/", sigV4Region: "eu-west-1" }, problems: [] },
        { name: "a GovCloud region", prometheus: { url: "https://aps-workspaces.us-gov-west-1.amazonaws.com/workspaces/ws-1/", sigV4Region: "us-gov-west-1" }, problems: [] },
        { name: "a bare string (the form before signing)", prometheus: "http://prometheus:9090", problems: ['prometheus: received "http://prometheus:9090"; expected { url, sigV4Region? } with url an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535'] },
        { name: "not a region", prometheus: { url: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/", sigV4Region: "Europe" }, problems: ['prometheus.sigV4Region: received "Europe"; expected an AWS region such as "eu-west-1"'] },
    ])("$name", ({ prometheus, problems }) => {
        const base = { ...spec("load", 1), target: "http://127.0.0.1:9" };
        expect(specProblems({ ...base, prometheus } as unknown as RunSpec)).toEqual(problems);
    });

    it("a refused target or Prometheus url is echoed masked up to its last '@': a '/' in the password makes the URL invalid, and the text still holds it (smoke/runner.ts redactRefusedUrl)", () => {
        const problems = specProblems({ ...spec("load", 1), target: "http://gate:s3/cret@127.0.0.1:9/", prometheus: { url: "https://u:p/w@prom.example.com/", sigV4Region: "eu-west-1" } });
        expect(problems).toEqual([
            'target: received "http://***@127.0.0.1:9/"; expected an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535',
            'prometheus: received {"url":"https://***@prom.example.com/","sigV4Region":"eu-west-1"}; expected { url, sigV4Region? } with url an http:// or https:// base URL without query, fragment or backslash, on a port from 1 to 65535',
        ]);
        expect(problems.join("\n")).not.toMatch(/cret|p\/w/);
    });
});

// Each run has its own workspace and mostly waits on its stages and polls: side by side.
describe.skipIf(SKIP_TIMING).concurrent("the server-side judgement through a SigV4-signed AMP workspace", () => {
    it("a growing working set is a leak: the soak fails on the memory slope, every query signed and checked", async ({ expect }) => {
        const { seen, ...ws } = await workspace({ memoryMiBPerSecond: 1, restarts: 0 });
        const lines: string[] = [];
        const r = await runSpec(spec("soak", 3, ws), true, { watchIntervalSeconds: 1, progress: (l) => lines.push(l) });
        const s = summaryOf(r.stdout);
        expect([r.code, s.verdict, r.stderr]).toEqual([1, "fail", ""]);
        expect(s.server?.map((f) => [f.check, f.ok, f.value])).toEqual([["memory-slope", false, 3600], ["restarts", true, 0], ["db-connections", true, 4], ["db-connections-trend", true, 0]]);
        expect(s.reasons).toContain("server: working set slope 3600 MiB/h in pod orders-blue-5d8f7c9b6-abcde, the steepest of 1 pod(s), over 4 samples after warm-up (bound 32 MiB/h): a leak");
        // The watch polled through the same signed path while the stage ran.
        expect(lines.length).toBeGreaterThanOrEqual(1);
        expect(lines[0]).toMatch(/^poll 1 at \d+ s of 3 s: restarts 0 \(bound 0\), db connections 4 \(bound 100\), largest pod working set 300\.0 MiB$/);
        expect(new Set(seen.map((q) => q.path))).toEqual(new Set([`${WORKSPACE}/api/v1/query`, `${WORKSPACE}/api/v1/query_range`]));
        expect(seen.every((q) => q.valid)).toBe(true);
    }, 30_000);

    it("a flat working set and no restart: the soak passes on the signed figures", async ({ expect }) => {
        const { seen, ...ws } = await workspace();
        const r = await runSpec(spec("soak", 2, ws), true, { watchIntervalSeconds: 1, progress: () => undefined });
        const s = summaryOf(r.stdout);
        expect([r.code, s.verdict, s.reasons]).toEqual([0, "pass", []]);
        expect(s.server?.map((f) => [f.check, f.ok, f.value])).toEqual([["memory-slope", true, 0], ["restarts", true, 0], ["db-connections", true, 4], ["db-connections-trend", true, 0]]);
        expect(seen.length).toBeGreaterThanOrEqual(3);
        expect(seen.every((q) => q.valid)).toBe(true);
    }, 30_000);

    it("the soak's leak window ends with its last stage that has users: the final ramp to 0 is left out of the slope", async ({ expect }) => {
        const { seen, ...ws } = await workspace();
        // 2 s at 2 users, then 2 s down to 0 (usersEndMs: 2 s).
        const soak = { ...spec("soak", 2, ws), scenario: twoUserScenario("soak", [{ duration: "2s", durationMs: 2_000, target: 2 }, { duration: "2s", durationMs: 2_000, target: 0 }]) };
        const r = await runSpec(soak, true, { watchIntervalSeconds: 1, progress: () => undefined });
        expect(summaryOf(r.stdout).server?.map((f) => [f.check, f.ok])).toEqual([["memory-slope", true], ["restarts", true], ["db-connections", true], ["db-connections-trend", true]]);
        // The after-run queries are the last of each kind: the memory range ends about 2 s before the restarts' time (the run's end).
        const last = (path: string, metric: string) => seen.filter((q) => q.path === `${WORKSPACE}/api/v1/${path}` && (q.query.query ?? "").includes(metric)).at(-1)?.query ?? {};
        const memoryEnd = Number(last("query_range", CADVISOR_METRICS.memoryWorkingSet).end);
        const runEnd = Number(last("query", "kube_pod_container_status_restarts_total").time);
        expect(runEnd - memoryEnd).toBeGreaterThanOrEqual(1.5);
        expect(runEnd - memoryEnd).toBeLessThan(10);
    }, 30_000);

    it("a restart seen by the watch stops the run early, through the signed path", async ({ expect }) => {
        const { seen, ...ws } = await workspace({ memoryMiBPerSecond: 0, restarts: 1 });
        const r = await runSpec(spec("load", 20, ws), true, { watchIntervalSeconds: 1, progress: () => undefined });
        const s = summaryOf(r.stdout);
        expect([r.code, s.verdict]).toEqual([1, "fail"]);
        expect(s.stoppedEarly?.finding).toEqual({ check: "restarts", ok: false, value: 1, bound: 0, detail: "1 container restart(s) during the run (bound 0)" });
        expect(s.run.elapsedMs).toBeLessThan(15_000);
        expect(seen.every((q) => q.valid)).toBe(true);
    }, 30_000);

    it("signed for another region, AMP's 403 is reported: the soak fails for want of the leak check, never passes", async ({ expect }) => {
        const { seen, ...ws } = await workspace();
        const lines: string[] = [];
        const r = await runSpec(spec("soak", 1, ws, "us-east-1"), true, { watchIntervalSeconds: 1, progress: (l) => lines.push(l) });
        const s = summaryOf(r.stdout);
        expect(lines.every((l) => l.includes("Prometheus did not answer (Prometheus /api/v1/query_range failed: HTTP 403"))).toBe(true);
        expect([r.code, s.verdict, s.server]).toEqual([1, "fail", null]);
        expect(r.stderr).toBe("warning: server-side judgement failed: Prometheus /api/v1/query_range failed: HTTP 403: The request signature we calculated does not match the signature you provided.\n");
        expect(s.reasons).toContain("server: the soak's leak check needs Prometheus (no memory series was read)");
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.every((q) => !q.valid)).toBe(true);
    }, 30_000);

    it("signed for another region, a load run fails too: restarts and connections unproven are not a pass the load gate could mark for production (issue 15 item 3)", async ({ expect }) => {
        const { seen, ...ws } = await workspace();
        const r = await runSpec(spec("load", 1, ws, "us-east-1"), false, { watchIntervalSeconds: 1, progress: () => undefined });
        const s = summaryOf(r.stdout);
        const why = "Prometheus /api/v1/query failed: HTTP 403: The request signature we calculated does not match the signature you provided.";
        expect([r.code, s.verdict, s.server, s.serverError]).toEqual([1, "fail", null, why]);
        expect(s.reasons).toEqual([`server: not judged, the Prometheus given did not answer (${why}); restarts and database connections are unproven`]);
        expect(r.stdout).toContain(`server: not judged (Prometheus did not answer: ${why})\nverdict: fail\n`);
        expect(seen.length).toBeGreaterThan(0);
    }, 30_000);
});

/**
 * The pod's path: the bundled runner (the ConfigMap's bytes) run by `node` with no node_modules and
 * only the environment EKS's pod identity webhook gives a container (aws/amazon-eks-pod-identity-webhook
 * README "Usage": AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, and the region), plus
 * AWS_ENDPOINT_URL_STS, the SDK's service endpoint override, pointing its STS call at a stand-in on
 * 127.0.0.1. The stand-in answers AssumeRoleWithWebIdentity (the STS Query API's form POST and XML
 * answer) only for the token file's contents and the role, with session credentials; the workspace
 * stand-in then accepts only queries signed with exactly those.
 */
// Concurrent, as the suite above: the two suites run side by side (vitest runs consecutive concurrent suites together).
describe.skipIf(SKIP_TIMING).concurrent("the bundled runner in the pod: web identity from the projected token, then signed queries", () => {
    const ROLE = "arn:aws:iam::123456789012:role/launchpad-staging-loadtest-role-f0d3999";
    const TOKEN = "eyJhbGciOiJSUzI1NiJ9.launchpad-test-projected-token.sig";
    const session = { accessKeyId: "ASIASTSLAUNCHPADTEST", secretAccessKey: "sts-issued-secret", sessionToken: "sts-issued-session-token" };
    let sts: TestServer;
    let ws: TestServer;
    const stsCalls: Record<string, string>[] = [];
    const wsVerdicts: boolean[] = [];
    beforeAll(async () => {
        sts = await startServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const form = Object.fromEntries(new URLSearchParams(body));
                stsCalls.push(form);
                res.setHeader("content-type", "text/xml");
                if (form.Action !== "AssumeRoleWithWebIdentity" || form.WebIdentityToken !== TOKEN || form.RoleArn !== ROLE) {
                    res.statusCode = 403;
                    res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>1</RequestId></ErrorResponse>');
                    return;
                }
                res.end([
                    '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>',
                    `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey><SessionToken>${session.sessionToken}</SessionToken><Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials>`,
                    "<SubjectFromWebIdentityToken>system:serviceaccount:launchpad-staging:launchpad-loadtest</SubjectFromWebIdentityToken>",
                    `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/launchpad-staging-loadtest-role-f0d3999/${form.RoleSessionName}</Arn><AssumedRoleId>AROATEST:${form.RoleSessionName}</AssumedRoleId></AssumedRoleUser>`,
                    "<Audience>sts.amazonaws.com</Audience>",
                    "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>launchpad-test</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>",
                ].join(""));
            });
        });
        ws = await startServer((req, res) => {
            void validSigV4(req, session, REGION).then((valid) => {
                wsVerdicts.push(valid);
                res.setHeader("content-type", "application/json");
                res.statusCode = valid ? 200 : 403;
                res.end(JSON.stringify(valid ? prometheusAnswer(req, FLAT) : { message: "The security token included in the request is invalid." }));
            });
        });
    });
    afterAll(async () => {
        await sts?.close();
        await ws?.close();
    });

    it("assumes the role with the token file's contents and signs every query with the session it got", async ({ expect }) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-irsa-"));
        try {
            fs.writeFileSync(path.join(dir, LOADTEST_RUNNER_FILE), bundleLoadtestRunner());
            fs.writeFileSync(path.join(dir, "token"), TOKEN);
            const run: RunSpec = { ...spec("soak", 2), prometheus: { url: `${ws.url}${WORKSPACE}`, sigV4Region: REGION } };
            fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(run));
            // The webhook's environment and nothing of this machine's: no keys, no ~/.aws.
            const env = { PATH: process.env.PATH ?? "", HOME: dir, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, "token"), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts.url };
            const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
                execFile(process.execPath, [path.join(dir, LOADTEST_RUNNER_FILE), "--spec", path.join(dir, "spec.json"), "--json"], { cwd: dir, env, timeout: 30_000 }, (e, stdout, stderr) => resolve({ code: e === null ? 0 : (e.code as number), stdout, stderr }));
            });
            const s = summaryOf(out.stdout);
            expect([out.code, s.verdict, s.reasons]).toEqual([0, "pass", []]);
            expect(s.server?.map((f) => [f.check, f.ok])).toEqual([["memory-slope", true], ["restarts", true], ["db-connections", true], ["db-connections-trend", true]]);
            expect(stsCalls.length).toBeGreaterThanOrEqual(1);
            expect(stsCalls.every((c) => c.Action === "AssumeRoleWithWebIdentity" && c.RoleArn === ROLE && c.WebIdentityToken === TOKEN)).toBe(true);
            expect(wsVerdicts.length).toBeGreaterThanOrEqual(3);
            expect(wsVerdicts.every((v) => v)).toBe(true);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 60_000);
});
