/**
 * A stand-in Kubernetes API server on 127.0.0.1 for the real `@kubernetes/client-node` client: it
 * answers `GET /apis/apps/v1/namespaces/<ns>/deployments/<name>`, `GET /apis/batch/v1/namespaces/<ns>/jobs/<name>`
 * and `GET /apis/autoscaling/v2/namespaces/<ns>/horizontalpodautoscalers/<name>` with the objects a test puts in it,
 * as apps/v1 Deployment, batch/v1 Job and autoscaling/v2 HorizontalPodAutoscaler JSON, lists a namespace's
 * Jobs (`GET /apis/batch/v1/namespaces/<ns>/jobs?labelSelector=...`, equality and `in (...)`
 * requirements) as a batch/v1 JobList and its pods (`GET /api/v1/namespaces/<ns>/pods?labelSelector=...`)
 * as a v1 PodList, and answers anything else with the API server's 404 `Status` object.
 */
import { startServer, type TestServer } from "./http-server";

export interface KubeApi extends TestServer {
    /** Objects by path, `deployments/<ns>/<name>`, `jobs/<ns>/<name>`, `horizontalpodautoscalers/<ns>/<name>` or `pods/<ns>/<name>`; edit it between requests. */
    readonly objects: Map<string, Record<string, unknown>>;
    /** A kubeconfig for this server (plain HTTP: the client requires insecure-skip-tls-verify for it). */
    readonly kubeconfig: string;
    /** Request paths seen, in order. */
    readonly requests: string[];
    /** Removes every object of `kind` (`pods`, `jobs`, `deployments`): a test's own objects, after it. */
    removeAll(kind: "deployments" | "jobs" | "pods" | "horizontalpodautoscalers"): void;
}

/** A Deployment as the API returns it, with `available` of `replicas` pods available. */
export function deploymentJson(namespace: string, name: string, replicas: number, available: number): Record<string, unknown> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, generation: 2, uid: "5b1f2c9e-0d7a-4a52-9c3e-1f2e3d4c5b6a" },
        spec: { replicas, selector: { matchLabels: {} }, template: { metadata: {}, spec: { containers: [] } } },
        status: { observedGeneration: 2, replicas, updatedReplicas: replicas, readyReplicas: available, availableReplicas: available, ...(available < replicas ? { unavailableReplicas: replicas - available } : {}) },
    };
}

/** An autoscaler as the API returns it (autoscaling/v2 HorizontalPodAutoscaler) for the Deployment `target`, at `minReplicas`, its status at `current`. */
export function hpaJson(namespace: string, name: string, target: string, minReplicas: number, maxReplicas: number, current: number): Record<string, unknown> {
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name, namespace, uid: "7d2e4f6a-8b0c-4d1e-a3f5-6b7c8d9e0f1a" },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas, maxReplicas, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }] },
        status: { currentReplicas: current, desiredReplicas: current },
    };
}

/** How a stand-in pod is: its phase, whether it is Ready, has an IP, is being deleted, and a container's waiting reason. */
export interface PodShape {
    readonly phase: "Pending" | "Running" | "Succeeded" | "Failed";
    readonly ready: boolean;
    readonly ip?: boolean;
    readonly deleting?: boolean;
    readonly waiting?: string;
}

/** A pod as the API returns it (v1 Pod), with `labels` and the status `shape` describes. */
export function podJson(namespace: string, name: string, labels: Readonly<Record<string, string>>, shape: PodShape): Record<string, unknown> {
    const ip = shape.ip ?? shape.phase !== "Pending";
    const waiting = shape.waiting !== undefined ? { waiting: { reason: shape.waiting } } : { running: { startedAt: "2026-12-06T10:00:00Z" } };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels, uid: "0c7e2f4a-6b1d-4e8f-9a3c-2d5e6f7a8b9c", ...(shape.deleting === true ? { deletionTimestamp: "2026-12-06T10:05:00Z", deletionGracePeriodSeconds: 30 } : {}) },
        spec: { containers: [{ name: "app", image: "ghcr.io/launchpad-test/api:1.4.2" }] },
        status: {
            phase: shape.phase,
            conditions: [{ type: "Ready", status: shape.ready ? "True" : "False", lastTransitionTime: "2026-12-06T10:00:00Z" }],
            ...(ip ? { podIP: "10.0.3.17", podIPs: [{ ip: "10.0.3.17" }] } : {}),
            ...(shape.phase === "Pending" && !ip ? {} : { containerStatuses: [{ name: "app", image: "ghcr.io/launchpad-test/api:1.4.2", imageID: "", ready: shape.ready, restartCount: 0, state: waiting }] }),
        },
    };
}

/** A kubeconfig whose current context points at `server` (what the stack's `kubeconfig` output is to the real client). */
export function kubeconfigFor(server: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: test, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
        "users: [{name: test, user: {token: test-token}}]",
        "contexts: [{name: test, context: {cluster: test, user: test}}]",
        "current-context: test",
        "",
    ].join("\n");
}

/**
 * Whether `labels` match a label selector of comma-separated `key=value` and `key in (a,b)`
 * requirements (the subset of the API's selector syntax the scripts send; anything else throws).
 */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: string): boolean {
    return (selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? []).map((r) => r.trim()).filter((r) => r !== "").every((r) => {
        const set = /^(\S+)\s+in\s+\(([^)]*)\)$/.exec(r);
        if (set !== null) return set[2].split(",").map((v) => v.trim()).includes(labels[set[1]]);
        const eq = /^([^=!]+)==?(.*)$/.exec(r);
        if (eq === null) throw new Error(`selector requirement not supported here: ${r}`);
        return labels[eq[1]] === eq[2];
    });
}

export async function startKubeApi(): Promise<KubeApi> {
    const objects = new Map<string, Record<string, unknown>>();
    const requests: string[] = [];
    const server = await startServer((req, res) => {
        requests.push(`${req.method ?? ""} ${req.url ?? ""}`);
        const url = new URL(req.url ?? "/", "http://x");
        const list = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(jobs)$/.exec(url.pathname) ?? /^\/api\/v1\/namespaces\/([^/]+)\/(pods)$/.exec(url.pathname);
        if (list !== null && req.method === "GET") {
            const selector = url.searchParams.get("labelSelector") ?? "";
            const items = [...objects].filter(([k]) => k.startsWith(`${list[2]}/${list[1]}/`)).map(([, o]) => o)
                .filter((o) => matchesSelector(((o.metadata as { labels?: Record<string, string> }).labels ?? {}), selector));
            res.setHeader("content-type", "application/json");
            const kind = list[2] === "jobs" ? { apiVersion: "batch/v1", kind: "JobList" } : { apiVersion: "v1", kind: "PodList" };
            res.end(JSON.stringify({ ...kind, metadata: { resourceVersion: "4711" }, items }));
            return;
        }
        const m = /^\/apis\/(?:apps\/v1|batch\/v1|autoscaling\/v2)\/namespaces\/([^/]+)\/(deployments|jobs|horizontalpodautoscalers)\/([^/?]+)/.exec(req.url ?? "");
        const obj = m !== null && req.method === "GET" ? objects.get(`${m[2]}/${m[1]}/${m[3]}`) : undefined;
        res.setHeader("content-type", "application/json");
        if (obj === undefined) {
            res.statusCode = 404;
            res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${m?.[2] ?? "resource"} "${m?.[3] ?? ""}" not found`, reason: "NotFound", details: { name: m?.[3], kind: m?.[2] }, code: 404 }));
            return;
        }
        res.end(JSON.stringify(obj));
    });
    const removeAll = (kind: string): void => {
        for (const k of [...objects.keys()].filter((x) => x.startsWith(`${kind}/`))) objects.delete(k);
    };
    return { ...server, objects, requests, kubeconfig: kubeconfigFor(server.url), removeAll };
}
