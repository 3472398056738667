/**
 * A stand-in Kubernetes API server on 127.0.0.1 for the real `@kubernetes/client-node` client, with
 * the paths a performance run uses: ConfigMaps (create, read, replace, delete), Jobs (create, read,
 * delete), pods (list by label selector) and a pod's log. Its "kubelet" runs a created Job's
 * container for real: the ConfigMap's files in a temporary directory standing for the mount, the
 * container's command run by this `node`, stdout and stderr as the pod's log, and the Job's status
 * set from the exit code as the Job controller sets it (`Complete`, or `Failed` with
 * `BackoffLimitExceeded` when backoffLimit is 0). Refusals are the API server's `Status` objects.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunSpec } from "../../loadtest/main";
import { startServer, type TestServer } from "./http-server";
import { kubeconfigFor } from "./kube-api";

type Obj = Record<string, unknown> & { metadata: { name: string; namespace: string; uid?: string; labels?: Record<string, string>; creationTimestamp?: string; ownerReferences?: unknown[] } };

/**
 * What the kubelet does with a created Job: `run` runs its container; `never` leaves it pending;
 * `deadline` fails it at once as its activeDeadlineSeconds would, before any log line.
 */
export type KubeletMode = "run" | "never" | "deadline";

export interface KubeJobsApi extends TestServer {
    readonly kubeconfig: string;
    /** `METHOD path` of each request, in order. */
    readonly requests: string[];
    /** Namespaces that exist; a create elsewhere answers 404 on the namespace. */
    readonly namespaces: Set<string>;
    readonly configMaps: Map<string, Obj>;
    readonly jobs: Map<string, Obj>;
    /** ServiceAccounts by `<namespace>/<name>`: a test adds the ones that exist. */
    readonly serviceAccounts: Map<string, Obj>;
    /** Every request answers 403 when set, as RBAC does for a user without the verbs. */
    forbidden: boolean;
    kubelet: KubeletMode;
    /** Cluster DNS for the run: rewrites the spec's in-cluster URLs to local servers. */
    rewriteSpec: (spec: RunSpec) => RunSpec;
    /** Resolves when every container the kubelet started has exited. */
    readonly idle: () => Promise<void>;
}

function status(code: number, reason: string, message: string): string {
    return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

export async function startKubeJobsApi(namespaces: readonly string[]): Promise<KubeJobsApi> {
    const requests: string[] = [];
    const configMaps = new Map<string, Obj>();
    const jobs = new Map<string, Obj>();
    const serviceAccounts = new Map<string, Obj>();
    const pods = new Map<string, Obj & { log: string }>();
    const running = new Set<Promise<void>>();
    const api = {
        requests,
        namespaces: new Set(namespaces),
        configMaps,
        jobs,
        serviceAccounts,
        forbidden: false,
        kubelet: "run" as KubeletMode,
        rewriteSpec: (s: RunSpec) => s,
    };

    const finish = (job: Obj, type: "Complete" | "Failed", reason?: string): void => {
        const now = new Date().toISOString();
        job.status = {
            ...(job.status as object),
            active: 0,
            ...(type === "Complete" ? { succeeded: 1, completionTime: now } : { failed: 1 }),
            conditions: [{ type, status: "True", lastProbeTime: now, lastTransitionTime: now, ...(reason !== undefined ? { reason, message: reason === "DeadlineExceeded" ? "Job was active longer than specified deadline" : "Job has reached the specified backoff limit" } : {}) }],
        };
    };

    const kubelet = (job: Obj): void => {
        const ns = job.metadata.namespace;
        const uid = job.metadata.uid as string;
        const podName = `${job.metadata.name}-${uid.slice(0, 5)}`;
        const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: podName, namespace: ns, uid: randomUUID(), creationTimestamp: new Date().toISOString(), labels: { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": job.metadata.name } }, spec: {}, status: { phase: "Pending" }, log: "" };
        pods.set(`${ns}/${podName}`, pod);
        job.status = { startTime: new Date().toISOString(), active: 1 };
        if (api.kubelet === "never") return;
        if (api.kubelet === "deadline") {
            pod.status = { phase: "Failed" };
            finish(job, "Failed", "DeadlineExceeded");
            return;
        }
        const tpl = (job.spec as { template: { spec: { containers: { command: string[]; volumeMounts: { mountPath: string }[] }[]; volumes: { configMap: { name: string } }[] } } }).template.spec;
        const c = tpl.containers[0];
        const cm = configMaps.get(`${ns}/${tpl.volumes[0].configMap.name}`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelet-"));
        for (const [file, text] of Object.entries((cm?.data ?? {}) as Record<string, string>)) {
            fs.writeFileSync(path.join(dir, file), file === "spec.json" ? JSON.stringify(api.rewriteSpec(JSON.parse(text) as RunSpec)) : text);
        }
        const mount = c.volumeMounts[0].mountPath;
        const [, ...args] = c.command.map((a) => a.replace(mount, dir));
        pod.status = { phase: "Running" };
        const p = new Promise<void>((resolve) => {
            const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
            child.stdout.on("data", (b: Buffer) => (pod.log += b.toString()));
            child.stderr.on("data", (b: Buffer) => (pod.log += b.toString()));
            child.on("close", (code) => {
                pod.status = { phase: code === 0 ? "Succeeded" : "Failed" };
                if (jobs.get(`${ns}/${job.metadata.name}`) === job) finish(job, code === 0 ? "Complete" : "Failed", code === 0 ? undefined : "BackoffLimitExceeded");
                fs.rmSync(dir, { recursive: true, force: true });
                resolve();
            });
        });
        running.add(p);
        void p.then(() => running.delete(p));
    };

    const server = await startServer((req, res) => {
        let body = "";
        req.on("data", (b: Buffer) => (body += b.toString()));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://x");
            const method = req.method ?? "";
            requests.push(`${method} ${url.pathname}`);
            const send = (code: number, text: string, type = "application/json"): void => {
                res.writeHead(code, { "content-type": type });
                res.end(text);
            };
            const m = /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(configmaps|jobs|pods|serviceaccounts)(?:\/([^/]+))?(\/log)?$/.exec(url.pathname);
            if (m === null) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
            const [, ns, kind, name, log] = m;
            const group = kind === "jobs" ? "jobs.batch" : kind;
            if (api.forbidden) {
                const verb = { GET: name === undefined ? "list" : "get", POST: "create", PUT: "update", DELETE: "delete" }[method] ?? method;
                return send(403, status(403, "Forbidden", `${group} "${name ?? ""}" is forbidden: User "test" cannot ${verb} resource "${kind}" in API group "${kind === "jobs" ? "batch" : ""}" in the namespace "${ns}"`));
            }
            const store = kind === "jobs" ? jobs : kind === "configmaps" ? configMaps : kind === "serviceaccounts" ? serviceAccounts : pods;
            const notFound = (): void => send(404, status(404, "NotFound", `${group} "${name}" not found`));
            if (kind === "pods") {
                if (name === undefined && method === "GET") {
                    const want = (url.searchParams.get("labelSelector") ?? "").split(",").filter((s) => s !== "").map((s) => s.split("="));
                    const items = [...pods.values()].filter((p) => p.metadata.namespace === ns && want.every(([k, v]) => p.metadata.labels?.[k] === v)).map(({ log: _log, ...p }) => p);
                    return send(200, JSON.stringify({ apiVersion: "v1", kind: "PodList", metadata: {}, items }));
                }
                const pod = pods.get(`${ns}/${name}`);
                if (pod === undefined || log === undefined) return notFound();
                return send(200, pod.log, "text/plain");
            }
            if (name === undefined && method === "POST") {
                if (!api.namespaces.has(ns)) return send(404, status(404, "NotFound", `namespaces "${ns}" not found`));
                const obj = JSON.parse(body) as Obj;
                const key = `${ns}/${obj.metadata.name}`;
                if (store.has(key)) return send(409, status(409, "AlreadyExists", `${group} "${obj.metadata.name}" already exists`));
                obj.metadata = { ...obj.metadata, namespace: ns, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
                if (kind === "jobs") {
                    obj.spec = { ...(obj.spec as object), selector: { matchLabels: { "batch.kubernetes.io/controller-uid": obj.metadata.uid } } };
                    obj.status = {};
                }
                store.set(key, obj);
                if (kind === "jobs") kubelet(obj);
                return send(201, JSON.stringify(obj));
            }
            const key = `${ns}/${name}`;
            const obj = store.get(key);
            if (obj === undefined) return notFound();
            if (method === "GET") return send(200, JSON.stringify(obj));
            if (method === "DELETE") {
                store.delete(key);
                if (kind === "jobs") {
                    for (const [k, p] of pods) if (p.metadata.labels?.["batch.kubernetes.io/controller-uid"] === obj.metadata.uid) pods.delete(k);
                }
                return send(200, status(200, "", "deleted").replace('"Failure"', '"Success"'));
            }
            if (method === "PUT" && kind === "configmaps") {
                const next = JSON.parse(body) as Obj;
                configMaps.set(key, { ...next, metadata: { ...next.metadata, uid: obj.metadata.uid } });
                return send(200, JSON.stringify(configMaps.get(key)));
            }
            return send(405, status(405, "MethodNotAllowed", `${method} not allowed`));
        });
    });
    return Object.assign(api, {
        ...server,
        kubeconfig: kubeconfigFor(server.url),
        idle: async () => {
            await Promise.all([...running]);
        },
    });
}
