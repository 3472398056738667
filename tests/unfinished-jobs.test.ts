/**
 * `npm run unfinished-jobs` (deploy.yml's preflight before each `pulumi up`) against a stand-in
 * Kubernetes API server on 127.0.0.1 (tests/support/kube-api.ts) read by the real
 * `@kubernetes/client-node` client. The Jobs it serves are the plan's own migration and gate Jobs
 * (their labels and annotations as the program writes them) with the status the Job controller
 * gives them: running, complete, failed. The rule under test is pulumi-kubernetes's: a Job with
 * `pulumi.com/replaceUnready` whose `Complete` condition is not true is replaced on the next update,
 * deleted first (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go `Diff`,
 * provider/pkg/await/checker/job/check.go `jobComplete`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlan, type Plan } from "../plan/engine";
import { JOB_SELECTOR, kubernetesJobLister, unfinishedJobs, waitCommand, type UnfinishedJobsDeps } from "../scripts/unfinished-jobs";
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { dirname } from "node:path";
import { scratchFile } from "./support/scratch";
import { closedPort, startServer } from "./support/http-server";
import { kubeconfigFor, matchesSelector, startKubeApi, type KubeApi } from "./support/kube-api";
import { named, type PlannedResource } from "./support/plan";
import { validateKubernetesObject } from "./support/k8s-schema";
import { EXPAND, PREVIOUS } from "./support/expand-migration";

// Production, blue live on 1.4.2; green's new release migrates 3 -> 4.
const PREFIX = "launchpad-production-api";
const STARTED = "2026-12-07T02:10:00Z";

type Meta = { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };

/** The planned Job as the API returns it, with `status`. */
function liveJob(r: PlannedResource, status: Record<string, unknown>): Record<string, unknown> {
    const inputs = r.inputs as { metadata: Meta; spec: Record<string, unknown> };
    return { apiVersion: "batch/v1", kind: "Job", metadata: { ...inputs.metadata, uid: `uid-${inputs.metadata.name}` }, spec: inputs.spec, status };
}

const RUNNING = { startTime: STARTED, active: 1 };
const PENDING = {};
const COMPLETE = { startTime: STARTED, completionTime: "2026-12-07T02:14:00Z", succeeded: 1, conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] };
const FAILED = { startTime: STARTED, failed: 1, conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] };
/** The controller still terminating the failed pod: `FailureTarget` without `Failed` yet (Kubernetes 1.31+). */
const FAILING = { startTime: STARTED, failed: 1, conditions: [{ type: "FailureTarget", status: "True" }] };

let kube: KubeApi;
let plan: Plan;
let ns: string;
let migrate: PlannedResource;
let gate: PlannedResource;
beforeAll(async () => {
    kube = await startKubeApi();
    plan = await runPlan({ stack: "production", sets: EXPAND, previousOutputs: PREVIOUS });
    migrate = named(plan, `${PREFIX}-green-migrate`);
    gate = named(plan, `${PREFIX}-green-gate`);
    ns = (migrate.inputs.metadata as Meta).namespace;
});
afterAll(async () => {
    await kube.close();
});

const nameOf = (r: PlannedResource) => (r.inputs.metadata as Meta).name;

/** The cluster holds exactly these Jobs. */
function cluster(jobs: readonly [PlannedResource, Record<string, unknown>][]): void {
    kube.objects.clear();
    for (const [r, status] of jobs) kube.objects.set(`jobs/${ns}/${nameOf(r)}`, liveJob(r, status));
}

/** The deploy's stack, its outputs as the Automation API gives them. */
function deps(outputs: Record<string, unknown>): UnfinishedJobsDeps {
    return { selectStack: () => Promise.resolve({ outputs: () => Promise.resolve(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, secret: k === "kubeconfig" }]))) }) };
}
const run = (outputs?: Record<string, unknown>) => unfinishedJobs(["--stack", "production"], deps(outputs ?? { kubeconfig: kube.kubeconfig, namespace: ns }));

const RUNBOOK = 'docs/operations.md, "When the update itself was cut off"';

describe("npm run unfinished-jobs: a Job the update would replace, read live through the Kubernetes API", () => {
    it("the stand-in's Jobs are valid batch/v1 Job JSON and its list a valid JobList (the Kubernetes OpenAPI schema, kubernetes-models)", () => {
        for (const status of [RUNNING, PENDING, COMPLETE, FAILED, FAILING]) {
            expect(() => validateKubernetesObject({ type: "kubernetes:batch/v1:Job", inputs: liveJob(migrate, status) } as unknown as PlannedResource)).not.toThrow();
        }
        expect(() => validateKubernetesObject({ type: "kubernetes:batch/v1:JobList", inputs: { apiVersion: "batch/v1", kind: "JobList", metadata: {}, items: [liveJob(gate, RUNNING)] } } as unknown as PlannedResource)).not.toThrow();
        // The check is real: a status field of the wrong type fails it.
        expect(() => validateKubernetesObject({ type: "kubernetes:batch/v1:Job", inputs: liveJob(migrate, { active: "one" }) } as unknown as PlannedResource)).toThrow();
    });

    it("selects the program's migration and gate Jobs by their role label, and nothing else the plan makes", () => {
        expect(JOB_SELECTOR).toBe("launchpad.dev/role in (loadtest,schema-migration,smoke-gate)");
        const jobs = plan.resources.filter((r) => r.type === "kubernetes:batch/v1:Job" && matchesSelector((r.inputs.metadata as Meta).labels, JOB_SELECTOR)).map((r) => r.name).sort();
        expect(jobs).toEqual([`${PREFIX}-blue-gate`, `${PREFIX}-green-gate`, `${PREFIX}-green-migrate`]);
        // Each carries the annotation that makes pulumi-kubernetes replace it when not complete.
        for (const name of jobs) expect((named(plan, name).inputs.metadata as Meta).annotations["pulumi.com/replaceUnready"]).toBe("true");
    });

    it("refuses while the migration Job runs: exit 1, the Job named with the kubectl wait that waits for it", async () => {
        cluster([[migrate, RUNNING], [gate, PENDING]]);
        kube.requests.length = 0;
        const r = await run();
        const m = nameOf(migrate);
        const g = nameOf(gate);
        expect(r).toEqual({
            code: 1,
            stdout: "",
            stderr: `refused before the update: 2 Jobs in namespace ${ns} still running, which this update would delete and start again ` +
                "(pulumi.com/replaceUnready: pulumi-kubernetes replaces a Job that is not complete, deleting it first), stopping a migration halfway:\n" +
                `  - job/${g} (smoke gate of api green; active 0, not started): ${waitCommand(ns, g, (gate.inputs.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds)}\n` +
                `  - job/${m} (schema migration of api green, to schema version 4; active 1, started 2026-12-07T02:10:00.000Z): ${waitCommand(ns, m, 1800)}\n` +
                `Wait for each to end (complete, or failed: its replacement is the retry), then run the deploy again (${RUNBOOK}).\n`,
        });
        // One list call, with the selector: the API server filters.
        expect(kube.requests).toEqual([`GET /apis/batch/v1/namespaces/${ns}/jobs?${new URLSearchParams({ labelSelector: JOB_SELECTOR }).toString()}`]);
    });

    it("refuses a Job whose failure the controller has not finished (FailureTarget without Failed): its pods are still terminating", async () => {
        cluster([[migrate, FAILING]]);
        const r = await run();
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`  - job/${nameOf(migrate)} (schema migration of api green, to schema version 4; active 0, started 2026-12-07T02:10:00.000Z): `);
    });

    it.each([
        { what: "complete", jobs: () => [[migrate, COMPLETE], [gate, COMPLETE]] as [PlannedResource, Record<string, unknown>][] },
        { what: "failed (the update's replacement is the retry)", jobs: () => [[migrate, FAILED], [gate, FAILED]] as [PlannedResource, Record<string, unknown>][] },
        { what: "absent", jobs: () => [] as [PlannedResource, Record<string, unknown>][] },
    ])("passes when every Job is $what: exit 0", async ({ jobs }) => {
        cluster(jobs());
        expect(await run()).toEqual({ code: 0, stdout: `no migration or gate Job running in namespace ${ns}\n`, stderr: "" });
    });

    it("leaves out a running Job without replaceUnready (an operator's npm run loadtest): the update does not own it", async () => {
        cluster([[migrate, COMPLETE]]);
        const own = liveJob(migrate, RUNNING) as { metadata: Meta };
        kube.objects.set(`jobs/${ns}/api-green-load-manual`, { ...own, metadata: { ...own.metadata, name: "api-green-load-manual", labels: { ...own.metadata.labels, "launchpad.dev/role": "loadtest" }, annotations: {} } });
        expect((await run()).code).toBe(0);
    });

    it("passes a first deploy: no kubeconfig output yet, nothing to meet", async () => {
        expect(await run({})).toEqual({ code: 0, stdout: "stack production has no kubeconfig output yet (a first deploy): no Job an update could meet running\n", stderr: "" });
    });

    it("fails closed when the cluster cannot be read: exit 3, no answer is no go-ahead", async () => {
        const port = await closedPort();
        const r = await run({ kubeconfig: kubeconfigFor(`http://127.0.0.1:${port}`), namespace: ns });
        expect(r.code).toBe(3);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(new RegExp(`^no answer: the Jobs of namespace ${ns} cannot be read \\(.*ECONNREFUSED.*\\); a migration cut off with the last update may still be running, and this update would delete it\\. `));
        expect(r.stderr).toContain(`Check with \`kubectl -n ${ns} get jobs -l '${JOB_SELECTOR}'\` where the cluster is reachable; no answer is no go-ahead (${RUNBOOK})\n`);
    });

    it("fails closed when the cluster does not answer within the timeout", async () => {
        const silent = await startServer(() => undefined);
        try {
            const r = await unfinishedJobs(["--stack", "production"], { ...deps({ kubeconfig: kubeconfigFor(silent.url), namespace: ns }), jobLister: (kc) => kubernetesJobLister(kc, 200) });
            expect(r.code).toBe(3);
            expect(r.stderr).toMatch(new RegExp(`^no answer: the Jobs of namespace ${ns} cannot be read \\(no answer within 0\\.2 s\\)`));
        } finally {
            await silent.close();
        }
    });

    it("fails closed on the API server's refusal (RBAC 403), naming its message", async () => {
        const message = `jobs.batch is forbidden: User "deployer" cannot list resource "jobs" in API group "batch" in the namespace "${ns}"`;
        const denied = await startServer((_req, res) => {
            res.writeHead(403, { "content-type": "application/json" });
            res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Forbidden", details: { group: "batch", kind: "jobs" }, code: 403 }));
        });
        try {
            const r = await run({ kubeconfig: kubeconfigFor(denied.url), namespace: ns });
            expect(r.code).toBe(3);
            expect(r.stderr.split("\n")[0]).toBe(`no answer: the Jobs of namespace ${ns} cannot be read (the API server answered 403: ${message}); a migration cut off with the last update may still be running, and this update would delete it. ` +
                `Check with \`kubectl -n ${ns} get jobs -l '${JOB_SELECTOR}'\` where the cluster is reachable; no answer is no go-ahead (${RUNBOOK})`);
        } finally {
            await denied.close();
        }
    });

    it("fails closed when the stack's outputs cannot be read: exit 3", async () => {
        const r = await unfinishedJobs(["--stack", "production"], { selectStack: () => Promise.reject(new Error("no stack named 'production' found")) });
        expect(r).toEqual({ code: 3, stdout: "", stderr: `no answer: stack production's outputs cannot be read (no stack named 'production' found), so its cluster cannot be asked for running Jobs; no answer is no go-ahead (${RUNBOOK})\n` });
    });

    it("refuses bad arguments: exit 2", async () => {
        expect(await unfinishedJobs([], deps({}))).toEqual({ code: 2, stdout: "", stderr: "--stack is required\nusage: npm run --silent unfinished-jobs -- --stack <name>\n" });
    });
});

// kubectl's `--for` is one string flag (a second replaces the first: kubectl pkg/cmd/wait/wait.go
// AddFlags, StringVar), so `kubectl wait --for=condition=complete` waits out its timeout on a Job
// that failed, while the message says to wait until each Job ends, complete or failed. The command
// runs here under bash with a stand-in kubectl that answers as the real one would for each case.
describe("the wait command in the refusal: it returns when the Job ends, complete or failed", () => {
    /** A kubectl whose `wait` returns at once (exit 0) for `condition=<met>`, and never for another condition. */
    function fakeKubectl(met: string): string {
        const file = scratchFile("kubectl-", "kubectl", [
            "#!/bin/sh",
            `case "$*" in *"--for=condition=${met} "*) exit 0 ;; esac`,
            // The other condition never comes: the real kubectl waits out --timeout.
            "exec sleep 30",
            "",
        ].join("\n"));
        chmodSync(file, 0o755);
        return dirname(file);
    }

    it.each(["failed", "complete"])("a Job that ends %s: the command returns at once, exit 0, the other wait stopped", (met) => {
        const command = waitCommand("apps", "api-green-migrate-1", 1800);
        expect(command).toBe("bash -c 'kubectl -n apps wait --for=condition=complete --timeout=1800s job/api-green-migrate-1 & " +
            "kubectl -n apps wait --for=condition=failed --timeout=1800s job/api-green-migrate-1 & wait -n; s=$?; kill $(jobs -p) 2>/dev/null; exit $s'");
        const start = performance.now();
        const r = spawnSync("sh", ["-c", command], { env: { ...process.env, PATH: `${fakeKubectl(met)}:${process.env.PATH ?? ""}` }, timeout: 10_000, encoding: "utf8" });
        expect(r.error).toBeUndefined();
        expect(r.status).toBe(0);
        expect(performance.now() - start).toBeLessThan(5_000);
    });
});
