/**
 * `npm run loadtest -- --stack staging` without `--target`: the scenario runs as a Job through the
 * real `@kubernetes/client-node` client against a stand-in API server on 127.0.0.1 whose kubelet
 * runs the Job's bundled runner for real (tests/support/kube-jobs.ts). A passing Job, a failing
 * one, one that never finishes, one that fails before any verdict, a missing namespace, a 403, an
 * unreachable cluster, and no kubeconfig at all. Every wait is bounded by the options below.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadtestCli, type LoadtestDeps } from "../loadtest/cli";
import { EXIT_INCONCLUSIVE, loadtestWaitMs, terminalCondition, verdictFromLog, WAIT_MARGIN_SECONDS } from "../loadtest/cluster";
import { renderReport, type LoadtestSummary, type RunSpec } from "../loadtest/main";
import { LOADTEST_METRICS } from "../observability/catalogue";
import { closedPort, recordingServer, startServer, type RecordedRequest, type TestServer } from "./support/http-server";
import { kubeconfigFor } from "./support/kube-api";
import { startKubeJobsApi, type KubeJobsApi } from "./support/kube-jobs";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/loadtest-job.test.ts", "the in-cluster runs that wait for their Job (the passing, failing, unfinished, expired and invalid runs and the signed run)");

const NS = "launchpad-staging";
const JOB = "api-blue-loadtest-load";
/** A one-second load scenario, as the --target tests use. */
// A latency bound no busy machine reaches (these tests judge the run's path and its errors, not the machine's speed).
const SHORT = 'launchpad:services.api.performance={"scenarios":{"load":{"stages":[{"duration":"500ms","target":3},{"duration":"500ms","target":3}],"thinkTimeMs":10,"thresholds":{"http_req_duration":["p(95)<5000"],"http_req_failed":["rate<0.01"]}}}}';
const ARGS = ["--stack", "staging", "--service", "api", "--scenario", "load", "--color", "blue", "--set", SHORT];

const servers: TestServer[] = [];
const apis: KubeJobsApi[] = [];
// When the file ends, not after each test: the runs go side by side.
afterAll(async () => {
    await Promise.all(apis.map((a) => a.idle()));
    await Promise.all([...servers.splice(0), ...apis.splice(0)].map((s) => s.close()));
});

async function serve(status: number): Promise<TestServer> {
    const s = await startServer((_req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
    });
    servers.push(s);
    return s;
}

/** A Pushgateway stand-in recording each push. */
async function gateway(): Promise<{ url: string; pushed: RecordedRequest[] }> {
    const s = await recordingServer();
    servers.push(s);
    return { url: s.url, pushed: s.received };
}

/** A cluster whose preview Service answers `status`, reached through the stack's kubeconfig output. */
async function cluster(status: number, namespaces = [NS]): Promise<{ api: KubeJobsApi; target: TestServer; push: Awaited<ReturnType<typeof gateway>>; deps: LoadtestDeps }> {
    const target = await serve(status);
    const push = await gateway();
    const api = await startKubeJobsApi(namespaces);
    apis.push(api);
    // Cluster DNS: the preview Service and the Pushgateway are these local servers.
    api.rewriteSpec = (s: RunSpec) => ({ ...s, target: target.url, pushgateway: push.url });
    const deps: LoadtestDeps = { stackKubeconfig: (stack) => Promise.resolve(stack === "staging" ? api.kubeconfig : undefined), cluster: { pollMs: 50, timeoutMs: 30_000, requestTimeoutMs: 5000, replaceTimeoutMs: 2000 } };
    return { api, target, push, deps };
}

const lastJson = (stdout: string): LoadtestSummary => JSON.parse(stdout.trimEnd().split("\n").at(-1) as string) as LoadtestSummary;

describe("the in-cluster run's pure parts", () => {
    it("waits the Job's deadline (twice a run's: stages, one request timeout, five minutes) plus the margin", () => {
        const spec = { scenario: { stages: [{ durationMs: 60_000 }, { durationMs: 30_000 }], timeoutMs: 10_000 } } as unknown as RunSpec;
        expect(loadtestWaitMs(spec)).toBe((2 * (90 + 10 + 300) + WAIT_MARGIN_SECONDS) * 1000);
    });

    it("only Complete and Failed with status True end a Job (SuccessCriteriaMet and FailureTarget come first)", () => {
        expect(terminalCondition({ status: { conditions: [{ type: "SuccessCriteriaMet", status: "True" }] } })).toBeUndefined();
        expect(terminalCondition({ status: { conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "False" }] } })).toBeUndefined();
        expect(terminalCondition({ status: { conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] } })).toEqual({ type: "Complete", status: "True" });
        expect(terminalCondition(undefined)).toBeUndefined();
    });

    it("reads the verdict from the last JSON summary line and the runner's warnings", () => {
        const summary = { verdict: "fail", reasons: ["x"], run: {} };
        expect(verdictFromLog(`warning: push failed; the verdict stands\nverdict: fail\n{"not":"it"}\n${JSON.stringify(summary)}\n`)).toEqual({ summary, warnings: ["warning: push failed; the verdict stands"] });
        expect(verdictFromLog("node: cannot find module\n{half a line")).toEqual({ summary: undefined, warnings: [] });
    });
});

// Each test has its own stand-in API server, kubelet, preview Service and Pushgateway, and mostly
// waits on the Job's stages and the client's polls: side by side.
describe.concurrent("npm run loadtest -- --stack staging: the Job through the Kubernetes API", () => {
    it.skipIf(SKIP_TIMING)("a passing run: creates the ConfigMap and the Job, prints the verdict as a local run does, pushes it, exit 0; a second run replaces the finished Job", async ({ expect }) => {
        const { api, target, push, deps } = await cluster(200);
        const r = await loadtestCli(ARGS, {}, undefined, deps);
        expect(r.code).toBe(0);
        const summary = lastJson(r.stdout);
        expect([summary.verdict, summary.color, summary.image, summary.run.target, summary.run.stages.length]).toEqual(["pass", "blue", "ghcr.io/acme/api:1.4.2", target.url, 2]);
        // Exactly what the runner prints: the report and the JSON line.
        expect(r.stdout).toBe(`${renderReport(summary)}${JSON.stringify(summary)}\n`);
        expect(r.stdout).toContain("\nverdict: pass\n{");
        expect(r.stderr).toBe(
            // Staging's Prometheus is its AMP workspace; these deps read no prometheusQueryUrl output (tests/loadtest-cli.test.ts reads one).
            "warning: the server side will not be judged: stack staging's prometheusQueryUrl output cannot be read (pulumi login, and pulumi up the stack); give --prometheus <url> to judge it against another\n" +
            `# the load scenario of api as job/${JOB} in ${NS} against the blue preview Service (kubeconfig: stack staging's kubeconfig output)\n` +
            `job/${JOB} in ${NS}: Complete; kept with its log (\`kubectl -n ${NS} logs job/${JOB}\`) until its ttlSecondsAfterFinished, with its ConfigMap\n`,
        );
        expect(push.pushed.map((p) => [p.method, p.url])).toEqual([["PUT", "/metrics/job/launchpad-loadtest/service/api/color/blue/scenario/load"]]);
        expect(push.pushed[0].body).toContain(`${LOADTEST_METRICS.passed} 1\n`);
        // Kept for its log; the ConfigMap is owned by the Job, so the Job's TTL takes it too.
        const job = api.jobs.get(`${NS}/${JOB}`);
        const cm = api.configMaps.get(`${NS}/${JOB}`);
        expect(cm?.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: JOB, uid: job?.metadata.uid }]);
        expect((job?.spec as { ttlSecondsAfterFinished: number }).ttlSecondsAfterFinished).toBe(86_400);

        api.requests.length = 0;
        const again = await loadtestCli(ARGS, {}, undefined, deps);
        expect(again.code).toBe(0);
        expect(api.requests.slice(0, 5)).toEqual([
            `GET /apis/batch/v1/namespaces/${NS}/jobs/${JOB}`,
            `DELETE /apis/batch/v1/namespaces/${NS}/jobs/${JOB}`,
            `GET /apis/batch/v1/namespaces/${NS}/jobs/${JOB}`,
            `DELETE /api/v1/namespaces/${NS}/configmaps/${JOB}`,
            `GET /api/v1/namespaces/${NS}/configmaps/${JOB}`,
        ]);
        expect(api.jobs.get(`${NS}/${JOB}`)?.metadata.uid).not.toBe(job?.metadata.uid);
    }, 60_000);

    it.skipIf(SKIP_TIMING)("a failing run: the Job fails, the verdict and its reasons are printed, exit 1; --json prints the line alone", async ({ expect }) => {
        const { api, deps } = await cluster(503);
        // This time through KUBECONFIG, the stack's output being unreadable.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-kubeconfig-"));
        const file = path.join(dir, "config");
        fs.writeFileSync(file, api.kubeconfig);
        const r = await loadtestCli([...ARGS, "--json"], { KUBECONFIG: file }, undefined, { ...deps, stackKubeconfig: () => Promise.resolve(undefined) }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`(kubeconfig: KUBECONFIG ${file})\n`);
        expect(r.stdout.split("\n").length).toBe(2);
        expect(lastJson(r.stdout).reasons).toEqual(['whole run: http_req_failed "rate<0.01" failed (100%)', 'stage 2 (3 users held): http_req_failed "rate<0.01" failed (100%)']);
        expect(r.stderr).toContain(`job/${JOB} in ${NS}: Failed (BackoffLimitExceeded: Job has reached the specified backoff limit); kept with its log`);
        expect(terminalCondition(api.jobs.get(`${NS}/${JOB}`) as never)?.type).toBe("Failed");
    }, 60_000);

    it.skipIf(SKIP_TIMING)("a Job that never finishes: inconclusive after the bounded wait, exit 3, left running; a second run refuses to replace it", async ({ expect }) => {
        const { api, deps } = await cluster(200);
        api.kubelet = "never";
        const bounded: LoadtestDeps = { ...deps, cluster: { ...deps.cluster, timeoutMs: 400 } };
        const r = await loadtestCli(ARGS, {}, undefined, bounded);
        expect([r.code, r.stdout]).toEqual([EXIT_INCONCLUSIVE, ""]);
        expect(r.stderr).toContain(`job/${JOB} in ${NS} did not finish within 0.4 s (the scenario's stages, its deadline and a margin): the verdict is unknown. It is left to its activeDeadlineSeconds; follow it with \`kubectl -n ${NS} logs -f job/${JOB}\`\n`);
        expect(api.jobs.has(`${NS}/${JOB}`)).toBe(true);
        const again = await loadtestCli(ARGS, {}, undefined, bounded);
        expect(again.code).toBe(EXIT_INCONCLUSIVE);
        expect(again.stderr).toMatch(new RegExp(`job/${JOB} in ${NS} is still running \\(started \\d{4}-.+\\): one run of a scenario per color at a time\\. .*kubectl -n ${NS} delete job/${JOB}`));
        expect(api.requests).not.toContain(`DELETE /apis/batch/v1/namespaces/${NS}/jobs/${JOB}`);
    }, 30_000);

    it.skipIf(SKIP_TIMING)("a Job that fails before any verdict (its deadline): inconclusive, exit 3, naming the condition", async ({ expect }) => {
        const { api, deps } = await cluster(200);
        api.kubelet = "deadline";
        const r = await loadtestCli(ARGS, {}, undefined, deps);
        expect(r.code).toBe(EXIT_INCONCLUSIVE);
        expect(r.stderr).toContain(`job/${JOB} in ${NS}: Failed (DeadlineExceeded: Job was active longer than specified deadline); kept with its log`);
        expect(r.stderr).toMatch(/no verdict in the log of pod api-blue-loadtest-load-\w{5} \(empty\)\n$/);
    }, 30_000);

    it.skipIf(SKIP_TIMING)("a runner that exits before its verdict (an invalid spec): inconclusive, exit 3, with the log's last lines", async ({ expect }) => {
        const { api, deps } = await cluster(200);
        const rewrite = api.rewriteSpec;
        api.rewriteSpec = (s) => ({ ...rewrite(s), scenario: { ...s.scenario, checks: [] } });
        const r = await loadtestCli(ARGS, {}, undefined, deps);
        expect(r.code).toBe(EXIT_INCONCLUSIVE);
        expect(r.stderr).toContain(`job/${JOB} in ${NS}: Failed (BackoffLimitExceeded: Job has reached the specified backoff limit); kept with its log`);
        expect(r.stderr).toMatch(/no verdict in the log of pod api-blue-loadtest-load-\w{5}; its last lines:\n {2}\| Invalid run spec \(1 problem\):\n {2}\| {3}- scenario\.checks: expected at least one check\n$/);
    }, 30_000);

    it("the namespace does not exist: inconclusive, exit 3, naming the fix; nothing created", async ({ expect }) => {
        const { api, deps } = await cluster(200, []);
        const r = await loadtestCli(ARGS, {}, undefined, deps);
        expect(r.code).toBe(EXIT_INCONCLUSIVE);
        expect(r.stderr).toContain(`namespace ${NS} does not exist in the cluster at ${api.url}: run \`pulumi up\` for the stack (it creates its namespace), or give --kubeconfig of the stack's own cluster\n`);
        expect(api.jobs.size + api.configMaps.size).toBe(0);
    });

    it.skipIf(SKIP_TIMING)("signing for the stack's AMP workspace: the Job runs as launchpad-loadtest; an account the stack has not created yet is named at once (a pod naming it would never start), nothing created", async ({ expect }) => {
        const { api, target, deps } = await cluster(200);
        const amp = { ...deps, stackOutputs: () => Promise.resolve({ prometheusQueryUrl: { value: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/" } }) };
        const r = await loadtestCli(ARGS, {}, undefined, amp);
        expect(r.code).toBe(EXIT_INCONCLUSIVE);
        expect(r.stderr).toContain("serviceaccount/launchpad-loadtest does not exist in namespace launchpad-staging: the run signs its queries to the stack's AMP workspace with that account's IRSA role, which `pulumi up` of the stack creates (components/loadtest-access.ts). Update the stack, or give --prometheus <url> of a Prometheus the pod can query unsigned\n");
        expect([api.jobs.size, api.configMaps.size]).toEqual([0, 0]);
        // Once the stack created it, the run goes ahead as that account (the stand-in's cluster has no AMP: the spec's is dropped).
        api.serviceAccounts.set(`${NS}/launchpad-loadtest`, { metadata: { name: "launchpad-loadtest", namespace: NS } });
        api.rewriteSpec = (s: RunSpec) => ({ ...s, target: target.url, prometheus: undefined, pushgateway: undefined });
        const ok = await loadtestCli(ARGS, {}, undefined, amp);
        expect(ok.code).toBe(0);
        const job = api.jobs.get(`${NS}/${JOB}`) as unknown as { spec: { template: { spec: { serviceAccountName?: string } } } };
        expect(job.spec.template.spec.serviceAccountName).toBe("launchpad-loadtest");
    }, 30_000);

    it("RBAC refuses (403): inconclusive, exit 3, naming the verbs to grant and the check", async ({ expect }) => {
        const { api, deps } = await cluster(200);
        api.forbidden = true;
        const r = await loadtestCli(ARGS, {}, undefined, deps);
        expect(r.code).toBe(EXIT_INCONCLUSIVE);
        expect(r.stderr).toContain(`the kubeconfig's user may not read job/${JOB} in namespace ${NS} (403: jobs.batch "${JOB}" is forbidden: User "test" cannot get resource "jobs" in API group "batch" in the namespace "${NS}"): ` +
            `grant it create, get and delete on jobs and configmaps, update on configmaps, list on pods and get on pods/log there (check with \`kubectl auth can-i create jobs -n ${NS}\`), or give --kubeconfig of a user who may\n`);
    });

    it("an unreachable cluster through --kubeconfig: inconclusive, exit 3", async ({ expect }) => {
        const port = await closedPort();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-kubeconfig-"));
        try {
            const file = path.join(dir, "config");
            fs.writeFileSync(file, kubeconfigFor(`http://127.0.0.1:${port}`));
            const r = await loadtestCli([...ARGS, "--kubeconfig", file], {}, undefined, { cluster: { pollMs: 50, requestTimeoutMs: 5000 } });
            expect(r.code).toBe(EXIT_INCONCLUSIVE);
            expect(r.stderr).toContain(`(kubeconfig: --kubeconfig ${file})\ncannot read job/${JOB}: the Kubernetes API at http://127.0.0.1:${port} is unreachable (`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("no kubeconfig anywhere: exit 2, naming the three sources and the other modes", async ({ expect }) => {
        const r = await loadtestCli(ARGS, {}, undefined, { stackKubeconfig: () => Promise.resolve(undefined) });
        expect(r).toEqual({
            code: 2,
            stdout: "",
            stderr: "no kubeconfig: stack staging has no readable kubeconfig output (pulumi login, and pulumi up the stack) and KUBECONFIG is not set; give --kubeconfig <file>, or --print to apply the Job yourself, or --target <url> to run here\n",
        });
    });

    it("a kubeconfig file that cannot be read: exit 2, naming it", async ({ expect }) => {
        const missing = path.join(os.tmpdir(), "launchpad-no-such-kubeconfig");
        const r = await loadtestCli([...ARGS, "--kubeconfig", missing], {});
        expect([r.code, r.stdout]).toEqual([2, ""]);
        expect(r.stderr).toMatch(new RegExp(`^the kubeconfig cannot be read: ENOENT: no such file or directory, open '${missing}'\n$`));
    });

    it("--target, --print and --kubeconfig are modes: at most one", async ({ expect }) => {
        const r = await loadtestCli([...ARGS, "--print", "--target", "http://127.0.0.1:9"], {});
        expect(r.code).toBe(2);
        expect(r.stderr.split("\n")[0]).toBe("--target, --print: received together; expected at most one (--target runs here, --print prints the Job, --kubeconfig runs it in the cluster)");
    });
});
