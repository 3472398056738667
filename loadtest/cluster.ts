/**
 * Runs one performance scenario as a Job in the stack's namespace through the Kubernetes API
 * (`@kubernetes/client-node`, the stack's kubeconfig), waits for it, and reads its verdict from the
 * pod's log: what `npm run loadtest -- --stack staging` does without `--target` or `--print`.
 *
 * The rule for the objects:
 * - one run of a scenario per color at a time (`loadtestName`): a Job of that name still running is
 *   left alone and the run refused; a finished one is deleted, with its ConfigMap, and replaced;
 * - after the run both stay, for `kubectl logs`: the Job's `ttlSecondsAfterFinished` (a day) deletes
 *   it and its pod, and the ConfigMap with it, since the ConfigMap names the Job as its owner
 *   (Kubernetes garbage collection deletes dependents whose owner is gone:
 *   https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents);
 * - a run this command stopped waiting for is left running: its `activeDeadlineSeconds` ends it.
 *
 * Every wait is bounded: each API call by `requestTimeoutMs`, the run by `loadtestWaitMs(spec)`.
 */
import * as k8s from "@kubernetes/client-node";
import { redactCredentials } from "../smoke/runner";
import { loadtestJobDeadlineSeconds } from "./job";
import { renderReport, type CliResult, type LoadtestSummary, type RunSpec } from "./main";

/** Exit code when the Job could not run or its verdict cannot be read: neither pass nor fail. */
export const EXIT_INCONCLUSIVE = 3;

/** After the Job's own deadline, the time the Job controller takes to mark it failed and stop its pod. */
export const WAIT_MARGIN_SECONDS = 120;

/** The longest this command waits for a run: the Job's `activeDeadlineSeconds` (`loadtestJobDeadlineSeconds`) plus a margin. */
export function loadtestWaitMs(spec: RunSpec): number {
    return (loadtestJobDeadlineSeconds(spec) + WAIT_MARGIN_SECONDS) * 1000;
}

export interface ClusterRunOptions {
    /** How often the Job's status is read. @default 5000 */
    readonly pollMs?: number;
    /** How long to wait for the Job to finish. @default - `loadtestWaitMs(spec)` */
    readonly timeoutMs?: number;
    /** How long one API call may take. @default 30000 */
    readonly requestTimeoutMs?: number;
    /** How long a finished Job of the same name may take to be deleted before it is replaced. @default 60000 */
    readonly replaceTimeoutMs?: number;
    /** Print the verdict's JSON line alone. @default false */
    readonly json?: boolean;
}

/** The API server's refusal or an unreachable server: the run could not start or be read. */
class ClusterError extends Error {}

interface JobCondition {
    readonly type?: string;
    readonly status?: string;
    readonly reason?: string;
    readonly message?: string;
}

/**
 * The Job's terminal condition, or undefined while it runs. Only `Complete` and `Failed` are
 * terminal (batch/v1 JobStatus: "When a Job fails, one of the conditions will have type Failed and
 * status true ... When a Job is completed, one of the conditions will have type Complete"); since
 * Kubernetes 1.31 `SuccessCriteriaMet` and `FailureTarget` come first, while pods still terminate.
 */
export function terminalCondition(job: { status?: { conditions?: readonly JobCondition[] } } | undefined): JobCondition | undefined {
    return job?.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/** The verdict in a pod's log: the last line that is the runner's JSON summary. Warnings are the runner's `warning:` lines. */
export function verdictFromLog(log: string): { summary: LoadtestSummary | undefined; warnings: string[] } {
    const lines = log.split("\n");
    const warnings = lines.filter((l) => l.startsWith("warning: "));
    for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i].trim();
        if (!line.startsWith("{")) continue;
        try {
            const v = JSON.parse(line) as Partial<LoadtestSummary>;
            if ((v.verdict === "pass" || v.verdict === "fail") && typeof v.run === "object" && v.run !== null && Array.isArray(v.reasons)) {
                return { summary: v as LoadtestSummary, warnings };
            }
        } catch {
            // Not the summary: the report's lines are not JSON.
        }
    }
    return { summary: undefined, warnings };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The API server's own message of a refusal (a `Status` object), else the client's. */
function apiMessage(e: unknown): string {
    if (e instanceof k8s.ApiException) {
        const body: unknown = typeof e.body === "string" ? (() => {
            try {
                return JSON.parse(e.body) as unknown;
            } catch {
                return e.body;
            }
        })() : e.body;
        const message = typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : String(body);
        return `${e.code}: ${message}`;
    }
    return redactCredentials((e as Error).message);
}

interface Api {
    readonly core: k8s.CoreV1Api;
    readonly batch: k8s.BatchV1Api;
    readonly namespace: string;
    readonly server: string;
    readonly requestTimeoutMs: number;
}

/** One API call within `requestTimeoutMs`; a refusal becomes a message that says what to fix. */
async function call<T>(api: Api, what: string, f: () => Promise<T>, notFound: "absent" | ClusterError | undefined = undefined): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClusterError(`the Kubernetes API at ${api.server} did not answer ${what} within ${api.requestTimeoutMs / 1000} s`)), api.requestTimeoutMs);
    });
    try {
        return await Promise.race([f(), timeout]);
    } catch (e) {
        if (e instanceof ClusterError) throw e;
        if (e instanceof k8s.ApiException) {
            if (e.code === 404 && notFound === "absent") return undefined;
            if (e.code === 404 && notFound instanceof ClusterError) throw notFound;
            if (e.code === 401 || e.code === 403) {
                throw new ClusterError(`the kubeconfig's user may not ${what} in namespace ${api.namespace} (${apiMessage(e)}): grant it create, get and delete on jobs and configmaps, update on configmaps, list on pods and get on pods/log there ` +
                    `(check with \`kubectl auth can-i create jobs -n ${api.namespace}\`), or give --kubeconfig of a user who may`);
            }
            throw new ClusterError(`the Kubernetes API refused to ${what} in namespace ${api.namespace} (${apiMessage(e)})`);
        }
        throw new ClusterError(`cannot ${what}: the Kubernetes API at ${api.server} is unreachable (${apiMessage(e)}); check the kubeconfig and the network path to the cluster`);
    } finally {
        clearTimeout(timer);
    }
}

/** Creating in a namespace that does not exist answers 404 NotFound on the namespace. */
function namespaceMissing(api: Api): ClusterError {
    return new ClusterError(`namespace ${api.namespace} does not exist in the cluster at ${api.server}: run \`pulumi up\` for the stack (it creates its namespace), or give --kubeconfig of the stack's own cluster`);
}

async function create<T>(api: Api, what: string, f: () => Promise<T>): Promise<T> {
    return (await call(api, what, f, namespaceMissing(api))) as T;
}

/** Waits, bounded, until `read` answers 404. */
async function gone(api: Api, what: string, read: () => Promise<unknown>, timeoutMs: number, pollMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((await call(api, `read ${what}`, read, "absent")) !== undefined) {
        if (Date.now() >= until) throw new ClusterError(`${what} was not deleted within ${timeoutMs / 1000} s; delete it (\`kubectl -n ${api.namespace} delete ${what}\`) and try again`);
        await sleep(pollMs);
    }
}

const inconclusive = (stderr: string): CliResult => ({ code: EXIT_INCONCLUSIVE, stdout: "", stderr });

/**
 * Whether the ServiceAccount a Job names exists: "absent" on 404; "unknown" when the kubeconfig's
 * user may not read it (the run goes on, and the Job controller's events say what is wrong). A pod
 * naming a missing account is never created, so without this a run would wait out its whole deadline.
 */
async function serviceAccountState(api: Api, name: string): Promise<"present" | "absent" | "unknown"> {
    try {
        await call(api, `get serviceaccount/${name}`, () => api.core.readNamespacedServiceAccount({ name, namespace: api.namespace }), new ClusterError("absent"));
        return "present";
    } catch (e) {
        if (e instanceof ClusterError && e.message === "absent") return "absent";
        if (e instanceof ClusterError && e.message.startsWith("the kubeconfig's user may not")) return "unknown";
        throw e;
    }
}

/**
 * Creates the ConfigMap and the Job, waits for the Job, reads the verdict from its pod's log and
 * returns it as the local run prints it: exit 0 pass, 1 fail, `EXIT_INCONCLUSIVE` when the Job could
 * not run or its verdict cannot be read.
 */
export async function runInCluster(kc: k8s.KubeConfig, objects: { configMap: Record<string, unknown>; job: Record<string, unknown> }, spec: RunSpec, options: ClusterRunOptions = {}): Promise<CliResult> {
    const pollMs = options.pollMs ?? 5000;
    const api: Api = {
        core: kc.makeApiClient(k8s.CoreV1Api),
        batch: kc.makeApiClient(k8s.BatchV1Api),
        namespace: spec.namespace,
        server: kc.getCurrentCluster()?.server ?? "(no current cluster)",
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
    const name = (objects.job.metadata as { name: string }).name;
    const namespace = api.namespace;
    const follow = `kubectl -n ${namespace} logs job/${name}`;
    try {
        const existing = await call(api, `read job/${name}`, () => api.batch.readNamespacedJob({ name, namespace }), "absent");
        if (existing !== undefined) {
            if (terminalCondition(existing) === undefined) {
                return inconclusive(`job/${name} in ${namespace} is still running (started ${existing.status?.startTime?.toISOString() ?? "not yet"}): one run of a scenario per color at a time. ` +
                    `Follow it with \`kubectl -n ${namespace} logs -f job/${name}\`, or stop it with \`kubectl -n ${namespace} delete job/${name}\`, then try again\n`);
            }
            // A finished run is replaced: its spec is immutable, so delete it (and its pod) and create anew.
            await call(api, `delete job/${name}`, () => api.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" }), "absent");
            await gone(api, `job/${name}`, () => api.batch.readNamespacedJob({ name, namespace }), options.replaceTimeoutMs ?? 60_000, pollMs);
        }
        const account = (objects.job as { spec?: { template?: { spec?: { serviceAccountName?: string } } } }).spec?.template?.spec?.serviceAccountName;
        if (account !== undefined && (await serviceAccountState(api, account)) === "absent") {
            return inconclusive(`serviceaccount/${account} does not exist in namespace ${namespace}: the run signs its queries to the stack's AMP workspace with that account's IRSA role, which \`pulumi up\` of the stack creates (components/loadtest-access.ts). ` +
                "Update the stack, or give --prometheus <url> of a Prometheus the pod can query unsigned\n");
        }
        await call(api, `delete configmap/${name}`, () => api.core.deleteNamespacedConfigMap({ name, namespace }), "absent");
        await gone(api, `configmap/${name}`, () => api.core.readNamespacedConfigMap({ name, namespace }), options.replaceTimeoutMs ?? 60_000, pollMs);

        const cm = await create(api, "create configmaps", () => api.core.createNamespacedConfigMap({ namespace, body: objects.configMap }));
        const job = await create(api, "create jobs", () => api.batch.createNamespacedJob({ namespace, body: objects.job }));
        // The ConfigMap goes when the Job goes (its TTL, or a replacement).
        const owner: k8s.V1OwnerReference = { apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata?.uid ?? "" };
        await call(api, `update configmap/${name}`, () => api.core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, metadata: { ...cm.metadata, ownerReferences: [owner] } } }));

        const timeoutMs = options.timeoutMs ?? loadtestWaitMs(spec);
        const until = Date.now() + timeoutMs;
        let finished: k8s.V1Job | undefined;
        let condition: JobCondition | undefined;
        for (;;) {
            finished = await call(api, `read job/${name}`, () => api.batch.readNamespacedJob({ name, namespace }), "absent");
            if (finished === undefined) {
                return inconclusive(`job/${name} in ${namespace} disappeared while it ran (deleted by someone else?); its verdict cannot be read\n`);
            }
            condition = terminalCondition(finished);
            if (condition !== undefined || Date.now() >= until) break;
            await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
        }
        if (condition === undefined) {
            return inconclusive(`job/${name} in ${namespace} did not finish within ${timeoutMs / 1000} s (the scenario's stages, its deadline and a margin): the verdict is unknown. ` +
                `It is left to its activeDeadlineSeconds; follow it with \`kubectl -n ${namespace} logs -f job/${name}\`\n`);
        }

        const selector = Object.entries(finished.spec?.selector?.matchLabels ?? job.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
        const pods = selector === "" ? [] : ((await call(api, "list pods", () => api.core.listNamespacedPod({ namespace, labelSelector: selector })))?.items ?? []);
        const pod = [...pods].sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0)).at(-1);
        const state = `job/${name} in ${namespace}: ${condition.type}${condition.reason !== undefined ? ` (${condition.reason}${condition.message !== undefined ? `: ${condition.message}` : ""})` : ""}`;
        if (pod?.metadata?.name === undefined) {
            return inconclusive(`${state}, and it has no pod to read the verdict from\n`);
        }
        const podName = pod.metadata.name;
        const log = (await call(api, `get pods/log of ${podName}`, () => api.core.readNamespacedPodLog({ name: podName, namespace, container: "loadtest" }))) ?? "";
        const { summary, warnings } = verdictFromLog(log);
        const kept = `${state}; kept with its log (\`${follow}\`) until its ttlSecondsAfterFinished, with its ConfigMap\n`;
        if (summary === undefined) {
            const tail = log.trimEnd().split("\n").slice(-20).map((l) => `  | ${l}\n`).join("");
            return inconclusive(`${kept}no verdict in the log of pod ${podName}${log.trim() === "" ? " (empty)\n" : `; its last lines:\n${tail}`}`);
        }
        // The runner exits 0 on pass and 1 on fail: a Job whose status says otherwise ran something else.
        if ((summary.verdict === "pass") !== (condition.type === "Complete")) {
            return inconclusive(`${kept}the log's verdict (${summary.verdict}) and the Job's status (${condition.type}) disagree; the verdict cannot be trusted\n`);
        }
        const line = `${JSON.stringify(summary)}\n`;
        return {
            code: summary.verdict === "pass" ? 0 : 1,
            stdout: options.json === true ? line : renderReport(summary) + line,
            stderr: `${warnings.map((w) => `${w}\n`).join("")}${kept}`,
        };
    } catch (e) {
        if (e instanceof ClusterError) return inconclusive(`${e.message}\n`);
        throw e;
    }
}
