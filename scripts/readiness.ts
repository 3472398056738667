/**
 * Is the color a switch makes live ready to take traffic? Its Deployment, read live through the
 * Kubernetes API with the stack's own kubeconfig (`@kubernetes/client-node`), must have rolled out
 * and have at least the live replica count available (a warning where the live color's autoscaler runs
 * it above that now: `liveSizeWarning`), and every pod the live Service would select
 * must be ready (`unreadyPods`). Where the cluster cannot be read, the stack's state answers instead
 * (the Deployment's last recorded status), with a warning.
 */
import * as k8s from "@kubernetes/client-node";
import type { ServiceConfig } from "../config";
import { LIVE_SERVICE_TIMEOUTS, servingSelector } from "../components/blue-green-service";
import { SELECTOR_LABELS, type Color } from "../lib/delivery";
import { stateAutoscalers, type StateResource } from "./state";

/** The fields of a Deployment's `status` (and spec) the check reads: apps/v1 DeploymentStatus. */
export interface DeploymentStatus {
    readonly generation?: number;
    readonly specReplicas?: number;
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly availableReplicas?: number;
    /** The `Progressing` condition's reason (`ProgressDeadlineExceeded` when the rollout timed out). */
    readonly progressingReason?: string;
}

/** The `Progressing` condition's reason, from a Deployment's `status.conditions`. */
function progressingReason(conditions: unknown): string | undefined {
    if (!Array.isArray(conditions)) return undefined;
    const c = (conditions as { type?: unknown; reason?: unknown }[]).find((x) => x.type === "Progressing");
    return typeof c?.reason === "string" ? c.reason : undefined;
}

/** Reads one Deployment live; undefined when the cluster answers 404. Throws when it cannot be read. */
export type DeploymentReader = (namespace: string, name: string) => Promise<DeploymentStatus | undefined>;

/** One pod a color's serving selector matches, as the Endpoints controller sorts it. */
export interface PodState {
    readonly name: string;
    /** `status.phase`: Pending, Running, Succeeded, Failed. */
    readonly phase?: string;
    /** Its `Ready` condition is True (kubernetes pkg/api/v1/pod `IsPodReady`). */
    readonly ready: boolean;
    /** It has an IP (`status.podIP`/`podIPs`): only then is it an endpoint address. */
    readonly hasIp: boolean;
    /** `metadata.deletionTimestamp` is set. */
    readonly terminating: boolean;
    /** A container's waiting reason (CrashLoopBackOff, ImagePullBackOff), when one waits. */
    readonly waiting?: string;
}

/** Lists the pods of a namespace that match every label of `selector`. Throws when it cannot. */
export type PodLister = (namespace: string, selector: Readonly<Record<string, string>>) => Promise<PodState[]>;

/** Reads one HorizontalPodAutoscaler's `spec.minReplicas` live; undefined when the cluster answers 404. Throws when it cannot be read. */
export type AutoscalerReader = (namespace: string, name: string) => Promise<{ minReplicas: number | undefined } | undefined>;

/** What the readiness check (and the rollback's targeted list) reads live. */
export interface ClusterReader {
    readonly deployment: DeploymentReader;
    readonly pods: PodLister;
    /** @default - none: every autoscaler whose minimum the switch changes in the state is targeted */
    readonly autoscaler?: AutoscalerReader;
}

/** How long a live read may take before the cluster counts as unreachable. */
export const LIVE_READ_TIMEOUT_MS = 10_000;

/** `read`'s answer, or a rejection once it has taken `timeoutMs`: a cluster that does not answer counts as unreachable. */
export async function withinTimeout<T>(read: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
        return await Promise.race([read, timeout]);
    } finally {
        clearTimeout(timer);
    }
}

/** The fields of a pod `unreadyPods` reads. */
function podState(p: k8s.V1Pod): PodState {
    const waiting = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find((c) => c.state?.waiting?.reason !== undefined)?.state?.waiting?.reason;
    return {
        name: p.metadata?.name ?? "",
        phase: p.status?.phase,
        ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
        hasIp: (p.status?.podIP ?? "") !== "" || (p.status?.podIPs ?? []).length > 0,
        terminating: p.metadata?.deletionTimestamp !== undefined,
        ...(waiting !== undefined ? { waiting } : {}),
    };
}

/** A reader through `@kubernetes/client-node` with this kubeconfig (exec auth such as `aws eks get-token` included). */
export function kubernetesReader(kubeconfig: string, timeoutMs = LIVE_READ_TIMEOUT_MS): ClusterReader {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    const pods: PodLister = async (namespace, selector) => {
        const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
        const list = await withinTimeout(core.listNamespacedPod({ namespace, labelSelector }), timeoutMs);
        return list.items.map(podState);
    };
    const deployment: DeploymentReader = async (namespace, name) => {
        try {
            const d = await withinTimeout(apps.readNamespacedDeployment({ name, namespace }), timeoutMs);
            return {
                generation: d.metadata?.generation,
                specReplicas: d.spec?.replicas,
                observedGeneration: d.status?.observedGeneration,
                replicas: d.status?.replicas,
                updatedReplicas: d.status?.updatedReplicas,
                availableReplicas: d.status?.availableReplicas,
                progressingReason: progressingReason(d.status?.conditions),
            };
        } catch (e) {
            if (e instanceof k8s.ApiException && e.code === 404) {
                return undefined;
            }
            throw e;
        }
    };
    const autoscaler: AutoscalerReader = async (namespace, name) => {
        try {
            const h = await withinTimeout(autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace }), timeoutMs);
            return { minReplicas: h.spec?.minReplicas };
        } catch (e) {
            if (e instanceof k8s.ApiException && e.code === 404) {
                return undefined;
            }
            throw e;
        }
    };
    return { deployment, pods, autoscaler };
}

type Meta = { name?: string; namespace?: string; generation?: number };

/** The color's Deployment in the stack's state: its name and namespace, and its last recorded status. */
export function deploymentOf(resources: readonly StateResource[], service: string, color: Color): { name: string; namespace: string; recorded: DeploymentStatus | undefined } | undefined {
    const r = resources.find((x) => x.type === "kubernetes:apps/v1:Deployment" &&
        x.inputs?.metadata?.labels?.[SELECTOR_LABELS.app] === service && x.inputs.metadata.labels[SELECTOR_LABELS.color] === color);
    if (r === undefined) {
        return undefined;
    }
    const out = (r.outputs ?? {}) as { metadata?: Meta; spec?: { replicas?: number }; status?: DeploymentStatus & Record<string, unknown> };
    const status = out.status;
    return {
        name: out.metadata?.name ?? "",
        namespace: out.metadata?.namespace ?? "default",
        recorded: status === undefined ? undefined : {
            generation: out.metadata?.generation,
            specReplicas: out.spec?.replicas,
            observedGeneration: status.observedGeneration,
            replicas: status.replicas,
            updatedReplicas: status.updatedReplicas,
            availableReplicas: status.availableReplicas,
            progressingReason: progressingReason(status.conditions),
        },
    };
}

/**
 * Why the Deployment's rollout has not finished, by `kubectl rollout status`'s own rule
 * (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go, DeploymentStatusViewer.Status):
 * its controller has not observed the newest generation (a status with no `observedGeneration`
 * has observed none), the rollout exceeded its progress deadline, fewer pods than `spec.replicas`
 * run the new template, or pods of an older template are still running. Those old pods count in
 * `availableReplicas` (every ReplicaSet's), so without the last check a color halfway through a
 * rollout looks available while part of its traffic would reach the release before. Empty: rolled out.
 * A status the state recorded at the end of a completed update passes: pulumi-kubernetes finishes
 * a Deployment's update only once its `Progressing` condition says `NewReplicaSetAvailable`
 * (provider/pkg/await/deployment.go, `checkAndLogStatus`), which the Deployment controller sets only
 * when the replicas, updated and available counts all equal `spec.replicas` at the observed generation
 * (kubernetes pkg/controller/deployment/util/deployment_util.go, `DeploymentComplete`).
 */
export function rolloutProblems(status: DeploymentStatus): string[] {
    const out: string[] = [];
    const observed = status.observedGeneration ?? 0;
    if (status.generation !== undefined && observed < status.generation) {
        // kubectl stops here too: the rest of the status describes an older spec.
        return [`its controller has not observed generation ${status.generation} yet (observedGeneration ${status.observedGeneration ?? "unset"})`];
    }
    if (status.progressingReason === "ProgressDeadlineExceeded") {
        out.push("it exceeded its progress deadline (Progressing: ProgressDeadlineExceeded)");
    }
    const updated = status.updatedReplicas ?? 0;
    if (status.specReplicas !== undefined && updated < status.specReplicas) {
        out.push(`${updated} of ${status.specReplicas} pods run its current template`);
    }
    if ((status.replicas ?? 0) > updated) {
        out.push(`${(status.replicas ?? 0) - updated} pods of an older template are still running`);
    }
    return out;
}

/**
 * How many pods the live color runs now: its Deployment's `spec.replicas`, read live, which its
 * autoscaler sets. The HPA controller reads a target's size from its scale subresource's
 * `spec.replicas` (a Deployment's own `spec.replicas`: kubernetes pkg/registry/apps/deployment/storage/storage.go
 * `scaleFromDeployment`), writes its decision back there, and reports that same number as its
 * `status.currentReplicas` (kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go,
 * `reconcileAutoscaler`: `currentReplicas := scale.Spec.Replicas` ... `a.setStatus(hpa, currentReplicas, ...)`),
 * so the Deployment's count is the autoscaler's without reading the autoscaling API. Under load it
 * is above `replicas`; a switch that moved that traffic onto a color with `replicas` pods would
 * overload it.
 */
export interface LiveSize {
    readonly color: Color;
    readonly replicas: number;
}

/** The color's autoscaler in the stack's state: its name and the minimum the program gave it. */
export function autoscalerOf(resources: readonly StateResource[], service: string, color: Color): { name: string; minReplicas: number | undefined } | undefined {
    const a = stateAutoscalers(resources).find((x) => x.service === service && x.color === color);
    return a?.name === undefined ? undefined : { name: a.name, minReplicas: a.minReplicas };
}

/**
 * Why this status cannot take the live replica count (`service.replicas`, the live color's
 * autoscaler minimum), or undefined: fewer pods available than that, or a rollout that has not
 * finished (`rolloutProblems`). Availability is measured against the live count, not against
 * every pod of a color its autoscaler scaled up; a pod above it that is not ready still blocks the
 * switch, read live from the pods (`unreadyPods`): the live Service's update would wait on it. A
 * live color its autoscaler runs above that count now is a warning, not a refusal ({@link liveSizeWarning}).
 */
export function readinessProblem(service: ServiceConfig, color: Color, where: { name: string; namespace: string }, status: DeploymentStatus, source: "live" | "state"): string | undefined {
    const available = status.availableReplicas ?? 0;
    const rolling = rolloutProblems(status);
    if (available >= service.replicas && rolling.length === 0) {
        return undefined;
    }
    const fix = `wait for it (\`kubectl -n ${where.namespace} rollout status deployment/${where.name}\`) and try again` +
        (service.idleReplicas < service.replicas ? `, or keep the idle color warm (idleReplicas ${service.idleReplicas} < replicas ${service.replicas}: set idleReplicas to ${service.replicas} and run pulumi up first)` : "");
    return `${service.name}: the ${color} Deployment ${where.namespace}/${where.name} has ${available} of the live replica count ${service.replicas} pods available` +
        `${rolling.length > 0 ? ` and its rollout has not finished (${rolling.join("; ")})` : ""} (${source === "live" ? "read live from the cluster" : "from the stack's state"}): ${fix}`;
}

/**
 * The warning when the target has fewer pods available than the live color runs now (`live`, read
 * from the cluster: its autoscaler scaled it above `replicas` under load), or undefined. Not a
 * refusal: a live color driven to its maximum is often what a rollback flees (a release that burns
 * CPU), and refusing then would block the rollback when it matters most; the stack's guarantee is
 * the live replica count ({@link readinessProblem}), and the target's autoscaler grows it under the
 * traffic. The warning says how to scale the target first, for a switch that can wait.
 *
 * That fix raises the target's autoscaler minimum as well as its Deployment: `kubectl scale` alone
 * does not hold on the idle color, whose autoscaler recommends from its idle pods' metrics and
 * scales down to that recommendation (held only by the highest recommendation in its 300 s
 * scale-down stabilization window, all of them idle ones) no lower than `minReplicas`, while a target
 * below `minReplicas` is scaled up to it without consulting metrics (kubernetes/kubernetes
 * pkg/controller/podautoscaler/horizontal.go `reconcileAutoscaler`: "Current number of replicas below
 * Spec.MinReplicas"; `stabilizeRecommendation`; `convertDesiredReplicasWithRules`, `TooFewReplicas`).
 * @param autoscaler the target color's autoscaler in the state (`autoscalerOf`). @default - none: the fix names no autoscaler
 */
export function liveSizeWarning(service: ServiceConfig, color: Color, where: { name: string; namespace: string }, status: DeploymentStatus, live: LiveSize | undefined, autoscaler?: { name: string; minReplicas: number | undefined }): string | undefined {
    const available = status.availableReplicas ?? 0;
    if (live === undefined || available >= live.replicas) {
        return undefined;
    }
    const needed = live.replicas;
    const hpa = autoscaler === undefined ? "" :
        `raise its autoscaler's minimum${autoscaler.minReplicas !== undefined ? ` (${autoscaler.minReplicas})` : ""}, or it scales the idle color back down ` +
        `(\`kubectl -n ${where.namespace} patch hpa/${autoscaler.name} --type=merge -p '{"spec":{"minReplicas":${needed}}}'\`), then `;
    const back = autoscaler === undefined ? "" :
        `; once the switch is done and the autoscaler holds the traffic, set its minimum back to ${service.replicas} ` +
        `(\`kubectl -n ${where.namespace} patch hpa/${autoscaler.name} --type=merge -p '{"spec":{"minReplicas":${service.replicas}}}'\`), the value pulumi up applies`;
    return `warning: ${service.name}: the ${color} Deployment ${where.namespace}/${where.name} has ${available} pods available, fewer than the ${needed} the live ${live.color} color runs now ` +
        `(its autoscaler scaled it above the live replica count ${service.replicas}, read live from the cluster): the switch sends ${live.color}'s traffic to ${available} pods, ` +
        `which ${color}'s autoscaler then scales up; not refused. To scale ${color} before a switch (\`npm run rollback -- --dry-run\` prints this before anything moves; promote has no dry run): ` +
        `${hpa}\`kubectl -n ${where.namespace} scale deployment/${where.name} --replicas=${needed}\`, wait for it (\`kubectl -n ${where.namespace} rollout status deployment/${where.name}\`) and switch${back}`;
}

/**
 * The pods that would make the switch's targeted update wait and fail: every one that is neither
 * ready, terminal (Succeeded, Failed) nor terminating. pulumi-kubernetes finishes a Service's update
 * only once its Endpoints have no not-ready address (provider/pkg/await/service.go `checkAndLogStatus`:
 * `serviceReady && endpointsSettled && !endpointsPending`, also at the timeout), and the Endpoints
 * controller lists as a not-ready address every selected pod with an IP that is not terminal, not
 * terminating and not Ready (kubernetes pkg/controller/endpoint/endpoints_controller.go `addEndpointSubset`,
 * staging/src/k8s.io/endpointslice/util `ShouldPodBeInEndpoints`). So a color with an unready pod above
 * the live count moves the selector and then fails the update after `LIVE_SERVICE_TIMEOUTS.update`.
 * A pod with no IP yet is in that list too, but is no address until it is scheduled and started
 * (`ShouldPodBeInEndpoints` returns false without `podIP`/`podIPs`): `checkPods` refuses only for pods
 * with an IP and warns of the others.
 */
export function unreadyPods(pods: readonly PodState[]): PodState[] {
    return pods.filter((p) => !p.ready && !p.terminating && p.phase !== "Succeeded" && p.phase !== "Failed");
}

/** The refusal for `unready` pods of the color's Deployment at `where` (each with an IP: `checkPods`), naming each and the fix. */
export function unreadyPodsProblem(service: ServiceConfig, color: Color, where: { name: string; namespace: string }, unready: readonly PodState[]): string {
    const each = unready.map((p) => `${p.name} (${p.phase ?? "no phase"}, not ready${p.waiting !== undefined ? `: ${p.waiting}` : ""})`).join(", ");
    const selector = Object.entries(servingSelector(service, color)).map(([k, v]) => `${k}=${v}`).join(",");
    return `${service.name}: ${unready.length} of the ${color} color's pods the live Service would select ${unready.length === 1 ? "is" : "are"} not ready (read live from the cluster): ${each}; ` +
        `the targeted update would wait on them and fail after ${LIVE_SERVICE_TIMEOUTS.update} with the selector already moved: ` +
        `wait until they are ready (\`kubectl -n ${where.namespace} get pods -l ${selector}\`), or replace them (\`kubectl -n ${where.namespace} rollout restart deployment/${where.name}\`, ` +
        `then \`kubectl -n ${where.namespace} rollout status deployment/${where.name}\`), and try again`;
}

export interface ReadinessResult {
    readonly problems: string[];
    readonly warnings: string[];
}

/**
 * Checks each moving service's target color: live when `reader` is given and answers (its
 * Deployment, then its pods: `unreadyPods`), otherwise from the state with a warning naming why the
 * cluster could not be read. Pods that cannot be listed are warned of and not checked: the state
 * records no pod.
 */
export async function checkReadiness(resources: readonly StateResource[], moving: readonly ServiceConfig[], target: Color, reader: ClusterReader | undefined, noReaderWhy: string): Promise<ReadinessResult> {
    const problems: string[] = [];
    const warnings: string[] = [];
    for (const s of moving) {
        const d = deploymentOf(resources, s.name, target);
        if (d === undefined) {
            problems.push(`${s.name}: no ${target} Deployment in the stack's state: run \`pulumi up\` so the ${target} color exists`);
            continue;
        }
        let why = noReaderWhy;
        if (reader !== undefined) {
            try {
                const live = await reader.deployment(d.namespace, d.name);
                if (live === undefined) {
                    problems.push(`${s.name}: the ${target} Deployment ${d.namespace}/${d.name} is in the stack's state but not in the cluster (404, read live): run \`pulumi refresh\` and \`pulumi up\` to recreate it`);
                    continue;
                }
                // After the target's read: a cluster that does not answer costs one timeout, not two.
                const size = await liveSize(reader, resources, s, warnings);
                const p = readinessProblem(s, target, d, live, "live");
                const w = liveSizeWarning(s, target, d, live, size, autoscalerOf(resources, s.name, target));
                if (p !== undefined) problems.push(p);
                else if (w !== undefined) warnings.push(w);
                await checkPods(reader, s, target, d, problems, warnings);
                continue;
            } catch (e) {
                why = `the cluster could not be read (${(e as Error).message})`;
            }
        }
        warnings.push(`warning: ${s.name}: ${why}; the ${target} Deployment's readiness comes from the stack's state, which may be stale`);
        const p = d.recorded === undefined
            ? `${s.name}: the ${target} Deployment ${d.namespace}/${d.name} has no recorded status in the stack's state and the cluster could not be read: run \`pulumi refresh\` where the cluster is reachable, then try again`
            : readinessProblem(s, target, d, d.recorded, "state");
        if (p !== undefined) problems.push(p);
    }
    return { problems, warnings };
}

/**
 * The live color's size now (`LiveSize`): its Deployment read live, when it runs more than
 * `replicas`. Undefined otherwise, and where the Deployment is not in the state or the cluster, or
 * cannot be read (read after the target's, which answered; a warning then): the configured
 * `replicas` is the live count then, as the state records no autoscaling.
 */
async function liveSize(reader: ClusterReader, resources: readonly StateResource[], service: ServiceConfig, warnings: string[]): Promise<LiveSize | undefined> {
    const d = deploymentOf(resources, service.name, service.activeColor);
    if (d === undefined) return undefined;
    let status: DeploymentStatus | undefined;
    try {
        status = await reader.deployment(d.namespace, d.name);
    } catch (e) {
        warnings.push(`warning: ${service.name}: the live ${service.activeColor} Deployment ${d.namespace}/${d.name} could not be read (${(e as Error).message}); ` +
            `the target is checked against the live replica count ${service.replicas}, not against what ${service.activeColor} runs now`);
        return undefined;
    }
    const replicas = status?.specReplicas;
    return replicas !== undefined && replicas > service.replicas ? { color: service.activeColor, replicas } : undefined;
}

/**
 * Adds the refusal for the color's unready pods that have an IP (`unreadyPods`), or a warning when they
 * cannot be listed. Unready pods with no IP are a warning, not a refusal: one the scheduler cannot
 * place (a full cluster, the moment a color scaled up under load) would never become an address the
 * update waits on, and refusing the switch for it would block a rollback when it matters most; one
 * scheduled during the update may still make it wait, which the warning says.
 */
async function checkPods(reader: ClusterReader, service: ServiceConfig, color: Color, where: { name: string; namespace: string }, problems: string[], warnings: string[]): Promise<void> {
    let pods: PodState[];
    try {
        pods = await reader.pods(where.namespace, servingSelector(service, color));
    } catch (e) {
        warnings.push(`warning: ${service.name}: the ${color} color's pods could not be listed (${(e as Error).message}); a pod that is not ready is not checked, and the targeted update would wait on it and fail after ${LIVE_SERVICE_TIMEOUTS.update}`);
        return;
    }
    const unready = unreadyPods(pods);
    const addressed = unready.filter((p) => p.hasIp);
    if (addressed.length > 0) problems.push(unreadyPodsProblem(service, color, where, addressed));
    const unplaced = unready.filter((p) => !p.hasIp);
    if (unplaced.length > 0) {
        warnings.push(`warning: ${service.name}: ${unplaced.length} of the ${color} color's pods ${unplaced.length === 1 ? "has" : "have"} no IP yet (${unplaced.map((p) => `${p.name}, ${p.phase ?? "no phase"}${p.waiting !== undefined ? `: ${p.waiting}` : ""}`).join("; ")}): ` +
            `not an address of the live Service, so not refused; one that starts during the switch without becoming ready would make the targeted update wait on it and fail after ${LIVE_SERVICE_TIMEOUTS.update}`);
    }
}
