/**
 * The Kubernetes objects of one performance run in staging: a ConfigMap with the bundled runner and
 * the run's spec, and a Job that runs it against the color's preview Service. `npm run loadtest`
 * creates them through the Kubernetes API (loadtest/cluster.ts), or with `--print` prints them for
 * `kubectl create -f -`: a run is an operator's act, not part of `pulumi up`, so a 70-minute soak
 * never holds a deployment.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { colorLabels, previewServiceName, retriedRunDeadlines, retryDisruptedPods, RUN_ONCE_POD_ANNOTATIONS, SERVICE_PORT, SMOKE_RUNNER_IMAGE } from "../lib/workload";
import type { ServiceConfig } from "../config";
import { APP_LABELS, ROLES, type Color } from "../lib/delivery";
import { NODE_UID, restrictedContainer, restrictedPod } from "../lib/pod-security";
import { LOADTEST_RUNNER_FILE } from "./bundle";
import type { RunSpec } from "./main";
import type { Scenario, ScenarioName } from "./profile";
import { LOADTEST_SERVICE_ACCOUNT, loadtestAwsEnv } from "./access";

/** A run that signs its Prometheus queries (an AMP workspace): the account whose IRSA role it uses, and the region. */
export interface LoadtestAws {
    readonly serviceAccountName: string;
    readonly region: string;
}

export const LOADTEST_MOUNT = "/loadtest";
export const LOADTEST_SPEC_FILE = "spec.json";

/** `<service>-<color>-loadtest-<scenario>`: one run of a scenario per color at a time. */
export function loadtestName(service: string, color: Color, scenario: ScenarioName): string {
    return `${service}-${color}-loadtest-${scenario}`;
}

/** The color's preview Service, in-cluster. */
export function previewTarget(service: string, color: Color, namespace: string): string {
    return `http://${previewServiceName(service, color)}.${namespace}.svc.cluster.local:${SERVICE_PORT}`;
}

/** The whole scenario, plus every request timing out once, plus five minutes to start and report. */
export function loadtestDeadlineSeconds(spec: Pick<RunSpec, "scenario">): number {
    const stages = spec.scenario.stages.reduce((n, s) => n + s.durationMs, 0);
    return Math.ceil((stages + spec.scenario.timeoutMs) / 1000) + 300;
}

/** The run's Job's own deadline: room for one disrupted run and its replacement (lib/workload.ts `retriedRunDeadlines`). */
export function loadtestJobDeadlineSeconds(spec: Pick<RunSpec, "scenario">): number {
    return retriedRunDeadlines(loadtestDeadlineSeconds(spec)).job;
}

/** The labels of a performance run's objects. */
export function loadtestLabels(s: ServiceConfig, color: Color, project: string): Record<string, string> {
    return { ...colorLabels(s, color, project, ROLES.loadtest, false), [APP_LABELS.component]: "loadtest" };
}

/**
 * The Job spec of a run: the bundled runner on the spec, both mounted from ConfigMap
 * `configMapName`, no retry (a failed run is a verdict) but a new pod for one the cluster took away
 * (`retryDisruptedPods`: a node drain is no verdict), ended by its deadline.
 */
export function loadtestJobSpec(labels: Record<string, string>, configMapName: pulumi.Input<string>, scenario: Scenario, annotations?: Record<string, pulumi.Input<string>>, aws?: LoadtestAws): k8s.types.input.batch.v1.JobSpec {
    const maxUsers = Math.max(...scenario.stages.map((st) => st.target));
    return {
        // A failed run is a verdict: no retry.
        backoffLimit: 0,
        // A run the cluster took away (a node drain, a node group update) gave none: start it again.
        // Immutable: the load gate's Job name follows it (components/blue-green-service.ts `loadGateId`).
        podFailurePolicy: retryDisruptedPods(),
        // The Job's deadline leaves a disrupted run's replacement its whole time; each pod has the run's own.
        activeDeadlineSeconds: retriedRunDeadlines(loadtestDeadlineSeconds({ scenario })).job,
        template: {
            metadata: { labels, annotations: { ...annotations, ...RUN_ONCE_POD_ANNOTATIONS } },
            spec: {
                restartPolicy: "Never",
                activeDeadlineSeconds: retriedRunDeadlines(loadtestDeadlineSeconds({ scenario })).pod,
                // The runner never calls the Kubernetes API. With `aws`, EKS's pod identity webhook still
                // mounts its own projected web-identity token (loadtest/access.ts).
                automountServiceAccountToken: false,
                ...(aws !== undefined ? { serviceAccountName: aws.serviceAccountName } : {}),
                // fsGroup: a non-root container reads the webhook's token file only through it
                // (aws/amazon-eks-pod-identity-webhook README, "Usage with non-root container user").
                securityContext: restrictedPod({ uid: NODE_UID, ...(aws !== undefined ? { fsGroup: NODE_UID } : {}) }),
                containers: [{
                    name: "loadtest",
                    image: SMOKE_RUNNER_IMAGE,
                    command: ["node", `${LOADTEST_MOUNT}/${LOADTEST_RUNNER_FILE}`, "--spec", `${LOADTEST_MOUNT}/${LOADTEST_SPEC_FILE}`],
                    ...(aws !== undefined ? { env: loadtestAwsEnv(aws.region) } : {}),
                    // One socket per user; a second CPU past a few hundred users.
                    resources: { requests: { cpu: maxUsers > 200 ? "1" : "500m", memory: "128Mi" }, limits: { cpu: "2", memory: "256Mi" } },
                    securityContext: restrictedContainer(NODE_UID),
                    volumeMounts: [{ name: "loadtest", mountPath: LOADTEST_MOUNT, readOnly: true }],
                }],
                volumes: [{ name: "loadtest", configMap: { name: configMapName } }],
            },
        },
    };
}

export interface LoadtestObjects {
    readonly configMap: Record<string, unknown>;
    readonly job: Record<string, unknown>;
}

/** A run signing for an AMP workspace runs as the stack's load test account (`LoadtestAccess`); undefined otherwise. */
export function loadtestAwsFor(spec: Pick<RunSpec, "prometheus">): LoadtestAws | undefined {
    const region = spec.prometheus?.sigV4Region;
    return region === undefined ? undefined : { serviceAccountName: LOADTEST_SERVICE_ACCOUNT, region };
}

/** The objects of an operator's run (`npm run loadtest`): kept a day after it finishes, for its log. */
export function loadtestObjects(s: ServiceConfig, color: Color, project: string, spec: RunSpec, runner: string): LoadtestObjects {
    const name = loadtestName(s.name, color, spec.scenario.name);
    const labels = loadtestLabels(s, color, project);
    return {
        configMap: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: spec.namespace, labels },
            data: { [LOADTEST_RUNNER_FILE]: runner, [LOADTEST_SPEC_FILE]: `${JSON.stringify(spec, null, 2)}\n` },
        },
        job: {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name, namespace: spec.namespace, labels },
            spec: { ...loadtestJobSpec(labels, name, spec.scenario, undefined, loadtestAwsFor(spec)), ttlSecondsAfterFinished: 86_400 },
        },
    };
}
