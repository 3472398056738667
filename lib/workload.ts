/**
 * What the BlueGreenService component and the load test's Job (loadtest/job.ts) build their pods
 * from alike: the runner image, the Services' port and the labels of one color's objects. Here, not
 * in either of them, so neither imports the other; not in lib/delivery.ts, whose constants the
 * smoke runner's bundle carries.
 */
import type * as k8s from "@pulumi/kubernetes";
import { APP_LABELS, ROLE_LABEL, ROLES, SELECTOR_LABELS, type Color } from "./delivery";
import { parseImageRef, versionLabel } from "./image";

/**
 * Stock Node.js image the gate and load Jobs run their bundled runners in: nothing to build or push.
 * Node 24 (Krypton) LTS, supported to 2028-04-30; Node 20 reached end of life on 2026-04-30
 * (nodejs/Release schedule.json @ e4bf922d). The tag is listed in docker-library/official-images
 * library/node @ 71f9a0b5 ("Node: feat: Node.js 24.19.0", the newest 24.x there): `Tags: 24-alpine,
 * 24-alpine3.24, ..., 24.19.0-alpine3.24`. The runners use node: built-ins only, so a minor bump
 * changes nothing they rely on; .ci/run runs their tests again under this exact Node version.
 */
export const SMOKE_RUNNER_IMAGE = "node:24.19.0-alpine3.24";

/**
 * `app.kubernetes.io/name` of the logical backup's Jobs (dump, verify, recovery metrics): the
 * Pushgateway's NetworkPolicy admits their pushes by it (components/network-policy.ts).
 */
export const LOGICAL_BACKUP_APP = "launchpad-db-backup";

/** Port the Services expose; the pods' own port is the service's `port`. */
export const SERVICE_PORT = 80;

/** A color's preview Service (`<svc>-<color>`): what its gate and load Jobs test and its ALB target group binds to. */
export function previewServiceName(service: string, color: Color): string {
    return `${service}-${color}`;
}

/** What {@link colorLabels} reads of a service: its name and each color's image (a `ServiceConfig` fits). */
export interface LabelledService {
    readonly name: string;
    readonly releases: Readonly<Record<Color, { readonly image: string }>>;
}

/**
 * The labels every object of one color carries; the first two are its selector. `version` (the
 * image's tag) goes only on what runs the image, so a release touches no PDB, HPA or Service.
 */
export function colorLabels(service: LabelledService, color: Color, project: string, role: string, version = true): Record<string, string> {
    const ref = parseImageRef(service.releases[color].image);
    return {
        [SELECTOR_LABELS.app]: service.name,
        [SELECTOR_LABELS.color]: color,
        [APP_LABELS.name]: service.name,
        [APP_LABELS.instance]: `${service.name}-${color}`,
        ...(version ? { [APP_LABELS.version]: ref === undefined ? "unknown" : versionLabel(ref) } : {}),
        [APP_LABELS.component]: role === ROLES.gate ? "smoke-gate" : "server",
        [APP_LABELS.partOf]: project,
        [APP_LABELS.managedBy]: "pulumi",
        [ROLE_LABEL]: role,
    };
}

/**
 * The Cluster Autoscaler's pod annotations (kubernetes/autoscaler cluster-autoscaler/utils/drain/drain.go
 * `PodSafeToEvictKey`, `SafeToEvictLocalVolumesKey`; FAQ.md "What types of pods can prevent CA from
 * removing a node?", at cluster-autoscaler-1.36.1).
 */
export const AUTOSCALER_ANNOTATIONS = {
    safeToEvict: "cluster-autoscaler.kubernetes.io/safe-to-evict",
    safeToEvictLocalVolumes: "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes",
} as const;

/**
 * What a pod that runs once to a verdict carries (the smoke and load gates' Jobs'; not the migration
 * Job's, whose template may not change: components/blue-green-service.ts migrationJobSpec): the autoscaler
 * never removes its node while it runs. Its volumes are no "local storage" to the autoscaler (ConfigMaps
 * and projected volumes are not: FAQ.md), and a Job's pod counts as replicated, so without it a scale-down
 * evicts a running gate and the Job, `backoffLimit: 0`, fails a healthy release. A finished pod no longer
 * blocks (simulator/drainability/rules: `terminal` comes before `notsafetoevict`).
 */
export const RUN_ONCE_POD_ANNOTATIONS: Readonly<Record<string, string>> = { [AUTOSCALER_ANNOTATIONS.safeToEvict]: "false" };

/**
 * How every PodDisruptionBudget Launchpad writes (a color's, and the platform charts') treats pods
 * that are running but not Ready: they may always be evicted. With
 * the default (IfHealthyBudget) an unready pod goes only while the budget still has room, so a workload
 * whose pods all fail to become Ready (a release that crash-loops or never passes its readiness probe
 * or ALB health check, left on the idle color by a failed gate) blocks every eviction from its nodes:
 * a managed node group update then fails after 15 minutes with `PodEvictionFailure` ("Aggressive PDB",
 * awsdocs/amazon-eks-user-guide latest/ug/nodes/managed-node-update-behavior.adoc), and the Cluster
 * Autoscaler cannot scale those nodes down. Kubernetes recommends AlwaysAllow for this (kubernetes/website
 * content/en/docs/tasks/administer-cluster/safely-drain-node.md: "to support eviction of misbehaving
 * applications during a node drain"); an unready pod serves nothing, so evicting it costs no capacity.
 * The field is stable since Kubernetes 1.31 (feature-gates/PDBUnhealthyPodEvictionPolicy.md; beta and on since 1.27).
 */
export const UNHEALTHY_POD_EVICTION_POLICY = "AlwaysAllow";

/**
 * A Job's answer to a pod the cluster took away (a node drain, a managed node group update, a
 * preemption: the pod's DisruptionTarget condition, reason `EvictionByEvictionAPI` for an eviction:
 * kubernetes/website content/en/docs/concepts/workloads/pods/disruptions.md, "Pod disruption
 * conditions"): run it again, without counting it against `backoffLimit` (batch/v1
 * PodFailurePolicyRule "Ignore: ... the counter towards the .backoffLimit is not incremented and a
 * replacement pod is created"; stable since Kubernetes 1.31). Only for a Job whose run may start over:
 * the smoke gate, the load gate and operator's load runs, the backup CronJobs' runs; never the
 * migration, stopped at an arbitrary statement. The policy is immutable (`JOB_IMMUTABLE_SPEC_FIELDS`).
 */
export function retryDisruptedPods(): k8s.types.input.batch.v1.PodFailurePolicy {
    return { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] };
}

/**
 * The deadlines of a Job whose disrupted pods run again (`retryDisruptedPods`), from `runSeconds`,
 * the longest one run may take. The Job's `activeDeadlineSeconds` counts from the Job's start, "no
 * matter how many Pods are created" (kubernetes/website concepts/workloads/controllers/job.md, "Job
 * termination and cleanup"): with the run's bound there, a pod evicted near its end left its
 * replacement too little time, and the Job failed only at the deadline, `DeadlineExceeded`, naming
 * no eviction. So the run's bound goes on each pod (PodSpec `activeDeadlineSeconds`, "relative to
 * StartTime": @pulumi/kubernetes types/input.d.ts): a pod stopped by it gets no `DisruptionTarget`
 * condition (only preemption, taint manager, eviction API, pod GC and the kubelet's node-pressure or
 * shutdown terminations set it: kubernetes/website concepts/workloads/pods/disruptions.md, "Pod
 * disruption conditions"), so under `backoffLimit: 0` a run that hangs still fails the Job when its
 * own bound ends. The Job gets twice the bound: a run disrupted at any point and its whole
 * replacement fit. A second disruption of the same Job still ends at the Job's deadline.
 */
export function retriedRunDeadlines(runSeconds: number): { readonly pod: number; readonly job: number } {
    return { pod: runSeconds, job: 2 * runSeconds };
}

/**
 * A Job's spec fields the API server refuses to change on an existing Job (kubernetes
 * pkg/apis/batch/validation/validation.go `ValidateJobSpecUpdate`: `ValidateImmutableField`) and
 * pulumi-kubernetes sends as an update, since it replaces a Job only for name, namespace,
 * completions, parallelism, selector and template (provider/pkg/provider/diff.go `job`). A Job
 * Pulumi keeps by name must change its name with them (`immutableJobSpec`).
 */
export const JOB_IMMUTABLE_SPEC_FIELDS = ["podFailurePolicy", "completionMode", "backoffLimitPerIndex", "managedBy", "successPolicy"] as const;

/** The fields of `spec` among `JOB_IMMUTABLE_SPEC_FIELDS` that it sets: what a Job's name must follow. */
export function immutableJobSpec(spec: k8s.types.input.batch.v1.JobSpec): Partial<Pick<k8s.types.input.batch.v1.JobSpec, (typeof JOB_IMMUTABLE_SPEC_FIELDS)[number]>> {
    return Object.fromEntries(JOB_IMMUTABLE_SPEC_FIELDS.filter((f) => spec[f] !== undefined).map((f) => [f, spec[f]]));
}
