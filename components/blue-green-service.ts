/**
 * BlueGreenService: one application service as two long-lived colors and a live Service that
 * selects one of them, with a smoke-test gate Job before traffic may move.
 *
 * Per color: a Deployment (selector `{app, color}`, never changed), a ClusterIP preview Service, a
 * PodDisruptionBudget, a HorizontalPodAutoscaler and a gate Job that runs the bundled smoke runner
 * against the preview Service whenever the color's pods or the smoke policy change (`gateJobId`). The live Service depends on the
 * active color's Deployment and gate Job, so a failed gate fails `pulumi up` before its selector
 * moves. Nothing but the live Service and an `alb` Ingress's color weights read the active color:
 * a rollback changes the selector and the weights only (and the autoscalers' minimums where sizes differ).
 * With `performance.loadGate` (staging), a load gate Job per color runs the load scenario after the
 * smoke gate; its completion, recorded in the stack's state, marks the release load-verified.
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig, SmokePolicy } from "../config";
import { runDate } from "../config/clock";
import { ALB_ACTIONS, ANNOTATIONS, APP_LABELS, COLORS, DATABASE_SECRETS, ROLE_LABEL, ROLES, SELECTOR_LABELS, type Color } from "../lib/delivery";
import { REPLACE_UNREADY_ANNOTATION } from "../lib/kubernetes";
import { AUTOSCALER_ANNOTATIONS, colorLabels, immutableJobSpec, previewServiceName, retriedRunDeadlines, retryDisruptedPods, RUN_ONCE_POD_ANNOTATIONS, SERVICE_PORT, SMOKE_RUNNER_IMAGE, UNHEALTHY_POD_EVICTION_POLICY } from "../lib/workload";
import { NODE_UID, restrictedContainer, restrictedPod } from "../lib/pod-security";
import { digestKind, releaseDigest } from "../lib/release-digest";
import { caFetchConfigMapData, databaseClientPod, databaseTlsEnv, databaseRolloutAnnotations, migrationRerunAnnotations, DATABASE_CA_VOLUME, type DatabaseClient, type DatabaseClientPod, type DatabaseClientPodInputs } from "./database-client";
import { deleteSnapshotTarget, RESTORE_POINT_TIME_IGNORE, restorePointExpiry, restorePointExpiryKey, restorePointExpiryName, restorePointTarget } from "./restore-point";
import { ALB_INGRESS_CLASS } from "../lib/alb";
import { LOADTEST_RUNNER_FILE } from "../loadtest/bundle";
import { loadtestJobDeadlineSeconds, loadtestJobSpec, loadtestLabels, LOADTEST_SPEC_FILE, previewTarget } from "../loadtest/job";
import type { RunSpec } from "../loadtest/main";
import type { AppMetrics } from "../loadtest/server";
import { scrapeAnnotations } from "../observability/scrape-config";
import { CONNECT_WAIT_DEFAULT_SECONDS } from "../smoke/reach";
import { PUSH_TIMEOUT_MS } from "../smoke/push";

/** Where the smoke ConfigMap is mounted in the gate pod. */
export const SMOKE_MOUNT = "/smoke";
export const SMOKE_POLICY_FILE = "policy.json";
/** Non-root uid of application pods (images that run as root are refused by Pod Security "restricted" anyway). */
export const APP_UID = 10001;
/** Longest a live Service update may wait for its selected pods: the idle color is already up, so minutes mean trouble. */
export const LIVE_SERVICE_TIMEOUTS = { create: "5m", update: "3m" } as const;

export interface SmokeRunner {
    /** File name in the ConfigMap, e.g. `runner.cjs`. */
    readonly file: string;
    /** The bundled runner: one file, no dependencies. */
    readonly source: string;
}

export interface BlueGreenServiceArgs {
    readonly service: ServiceConfig;
    /** Pulumi project: `app.kubernetes.io/part-of`. */
    readonly project: string;
    readonly namespace: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
    readonly smokeRunner: SmokeRunner;
    /**
     * The stack's database: its connection Secret, engine and CA bundle address. Required when the
     * service connects to the database or migrates it; its pods then also get the TLS settings and
     * the CA bundle (components/database-client.ts).
     * @default - none: the pods get no DATABASE_* variables (refused when `service.connectDatabase`)
     */
    readonly database?: DatabaseClient;
    /** Pushgateway the gate pushes its result to. @default - no push */
    readonly pushgatewayUrl?: pulumi.Input<string>;
    /**
     * Resolves to the live color once promotion rules allow it (the staging check in production);
     * rejects otherwise, so the live Service is never registered with an unverified selector.
     * @default - the service's active color, unconditionally
     */
    readonly liveColor?: pulumi.Output<Color>;
    /**
     * The color the service was live on when this update started (the head of the stack's release
     * history, from its state). That color's autoscaler keeps the live count through a switch
     * (`hpaMinReplicas`).
     * @default - none: only the active color's autoscaler keeps the live count
     */
    readonly previousLiveColor?: pulumi.Input<Color | undefined>;
    /**
     * Resolves when this update may change the colors' releases (the color live when it started keeps
     * its image and env: `inPlaceReleaseProblems`); rejects with that rule's `ConfigError` otherwise. Every
     * Deployment and migration waits for it, so a refused update rolls no pod and migrates nothing.
     * @default - no such check
     */
    readonly releaseChecked?: pulumi.Output<unknown>;
    /**
     * The controller serving the Ingress class (and, through its webhooks, LoadBalancer Services and
     * pod readiness gates), which the Ingress, a LoadBalancer live Service and every color's Deployment
     * wait for. @default - none (the cluster brings one)
     */
    readonly ingressController?: pulumi.Resource;
    /**
     * What the load gate needs (the bundled performance runner, the server-side judgement's inputs).
     * Required when the service sets `performance.loadGate`.
     * @default - no load gate
     */
    readonly loadGate?: LoadGateArgs;
    /** Annotations of the live Service (production's promotion mark). @default - none */
    readonly liveAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * The schema rule's verdict for this service: resolves to the version each migration brings the
     * database to, rejects (a config error) when the rule fails, so no migration Job or restore point
     * is registered then. Required when a release declares `migrate`.
     * @default - no migration
     */
    readonly schemaChecked?: pulumi.Output<unknown>;
    /**
     * By release id, the restored instance a migration Job is to run on (components/migrations.ts
     * `migrationInstances`): the migrations a restore undid run again there.
     * @default - none: no Job names an instance
     */
    readonly migrationInstances?: pulumi.Output<Readonly<Record<string, string>>>;
    /**
     * Take a manual RDS snapshot of this database before each migration (production).
     * @default - no restore point
     */
    readonly restorePoint?: RestorePointArgs;
}

export interface LoadGateArgs {
    /** The bundled performance runner (`loadtest/bundle.ts`). */
    readonly runner: string;
    /**
     * The stack's Prometheus for the server-side judgement: its query URL, and for an AMP workspace
     * the region the runner signs its queries in (SigV4, with the Job's IRSA credentials).
     * @default - the client's figures only
     */
    readonly prometheus?: {
        readonly url: pulumi.Input<string>;
        /** The AMP workspace's region, to sign in. @default - unsigned (a Prometheus given by URL) */
        readonly sigV4Region?: string;
    };
    /**
     * The account a Job signing for AMP runs as (components/loadtest-access.ts), and what it waits for.
     * Required with `prometheus.sigV4Region`. @default - the namespace's default account
     */
    readonly access?: { readonly serviceAccountName: string; readonly ready: readonly pulumi.Resource[] };
    /** The application's request metrics, for the spike's server-side recovery. */
    readonly appMetrics: AppMetrics;
}

export interface RestorePointArgs {
    /** The DB instance the snapshot is taken of (the Database component's identifier output). */
    readonly instanceIdentifier: pulumi.Input<string>;
    /** The same identifier as a plain string, to name the snapshot: no name from an Output. */
    readonly identifierPrefix: string;
    readonly tags: Readonly<Record<string, string>>;
    /** Keep the snapshot in AWS when Pulumi drops it (a newer release replaces it). */
    readonly retainOnDelete: boolean;
    /**
     * Delete the snapshot `afterDays` after it was taken, by a one-time EventBridge Scheduler
     * schedule that assumes `roleArn`, in the stack's AWS `partition` (`aws`, `aws-us-gov`, ...).
     * @default - kept until deleted by hand
     */
    readonly expiry?: { readonly roleArn: pulumi.Input<string>; readonly afterDays: number; readonly partition: string };
    /**
     * The restore points the stack's record holds, by release id: a recorded migration's restore
     * point keeps its snapshot and instance (restore-point.ts `restorePointTarget`).
     * @default - none recorded: every restore point is named after the current instance
     */
    readonly recorded?: pulumi.Input<Readonly<Record<string, string>>>;
    /**
     * The schema step of the migration this update runs (restore-point.ts `restorePointStep`): a
     * migration not yet recorded names its restore point after it, so a fixed release after a
     * failed update keeps the first attempt's snapshot.
     * @default - the release id
     */
    readonly step?: pulumi.Input<string | undefined>;
    /**
     * What this update does to the same database first: the services before this one, their restore
     * points and migration Jobs. RDS snapshots only an `available` instance (API CreateDBSnapshot),
     * and one being snapshotted is `backing-up` (RDS User Guide, DB instance status), so two at once
     * fail; and a snapshot taken after the earlier migrations, not during one, holds none half-applied.
     * @default - none: this service's restore point is the only one
     */
    readonly after?: readonly pulumi.Resource[];
}

/** A release as a Job or pod template in the stack's state names it (its release id and image annotations). */
export interface RecordedRelease {
    readonly releaseId: string;
    readonly image: string;
}

/** What one color's gate Jobs in the state say. */
export interface ColorVerdict {
    readonly color: Color;
    /** The release the smoke gate Job ran, from its own annotations; undefined when it names none. */
    readonly release: RecordedRelease | undefined;
    /** The smoke gate Job succeeded. */
    readonly smoked: boolean;
    /** The load gate Job succeeded, for the same release. */
    readonly loaded: boolean;
}

/**
 * The releases this stack verified: each color whose smoke gate passed, named as that Job names
 * itself in the state, with `load: "pass"` when the load gate Job of the same release completed
 * too. Only the Jobs in the state decide, never config: in a targeted update (`npm run rollback`,
 * `promote`) a gate Job outside the targets keeps the state of the release it ran, whatever the
 * config now gives its color (`recordedRelease`).
 */
export function verifiedReleaseInfo(verdicts: readonly ColorVerdict[]): ReleaseInfo[] {
    return verdicts.flatMap(({ color, release, smoked, loaded }) =>
        smoked && release !== undefined ? [{ color, image: release.image, releaseId: release.releaseId, ...(loaded ? { load: "pass" as const } : {}) }] : []);
}

/**
 * The release a Job or pod template in the state names (its annotations), or undefined.
 *
 * Outputs a stack records must come from here, not from config: a targeted update (`pulumi up
 * --target`, as `npm run rollback` and `promote` run) hands the program, for every resource outside
 * its targets, the state that resource recorded, whatever the program now declares (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go: an untargeted resource gets `NewUntargetedSameStep` with
 * its old state; an untargeted new one is a skipped create), while the root Stack's outputs are
 * always recomputed (`isImplicitlyTargetedResource`). A Job or Deployment keeps its Pulumi name
 * across releases, so its recorded success or rollout may belong to an older release than config's.
 */
export function recordedRelease(annotations: Readonly<Record<string, string>> | undefined): RecordedRelease | undefined {
    const id = annotations?.[ANNOTATIONS.releaseId];
    const image = annotations?.[ANNOTATIONS.image];
    return typeof id === "string" && typeof image === "string" ? { releaseId: id, image } : undefined;
}

/**
 * The pod template shape a Deployment's `ANNOTATIONS.podShape` records, or undefined where it has
 * none (a Deployment applied before the annotation existed) or it is not a map of every part's hash.
 */
export function recordedPodShape(annotations: Readonly<Record<string, string>> | undefined): Record<PodPart, string> | undefined {
    const raw = annotations?.[ANNOTATIONS.podShape];
    if (typeof raw !== "string") return undefined;
    try {
        const v = JSON.parse(raw) as unknown;
        const ok = v !== null && typeof v === "object" && (Object.keys(POD_PARTS) as PodPart[]).every((p) => typeof (v as Record<string, unknown>)[p] === "string");
        return ok ? (v as Record<PodPart, string>) : undefined;
    } catch {
        return undefined;
    }
}

/** What a color runs, as the gate and the promotion rules see it. */
export interface ReleaseInfo {
    readonly color: Color;
    readonly image: string;
    readonly releaseId: string;
    /**
     * "pass" when this release's load gate Job completed in this stack (`performance.loadGate`).
     * @default - absent: no load gate passed
     */
    readonly load?: "pass";
}

/**
 * The release id: a hash of the color, its image, its effective env and, when declared, its
 * migration and schema contract: what the pods run and what the database gets. Never the active
 * color, so a color switch re-runs no gate and changes no Deployment. Never the smoke policy either:
 * the id is a pod template annotation and keys the migration Jobs and the restore point, so with it a
 * new threshold rolled both colors' pods (the live one in place, ungated), re-ran every declared
 * migration and took a new snapshot; the policy is the gate's, and renames only the gate Jobs
 * (`gateJobId`). Keyed by `launchpad:releaseIdKey` when the services config is secret (`serviceDigest`).
 */
export function releaseId(service: ServiceConfig, color: Color): string {
    const r = service.releases[color];
    const env = Object.fromEntries(Object.entries(r.env).sort(([a], [b]) => a.localeCompare(b)));
    // Migration and schema contract only when declared, so a release without them keeps its id.
    const text = JSON.stringify({
        color, image: r.image, env,
        ...(r.migrate !== undefined ? { migrate: r.migrate } : {}),
        ...(r.schema !== undefined ? { schema: r.schema } : {}),
    });
    return serviceDigest(service, text);
}

/**
 * The digest of text that holds the service's env values or smoke policy (its headers and bodies): keyed by the stack's
 * `launchpad:releaseIdKey` when they are secret, as the id lands in clear in names and labels (lib/release-digest.ts).
 */
function serviceDigest(service: ServiceConfig, text: string): string {
    return releaseDigest(text, digestKey(service));
}

function digestKey(service: ServiceConfig): string | undefined {
    if (service.fromSecret && service.releaseIdKey === undefined) {
        throw new RangeError(`service ${service.name}: launchpad:services is a secret, so its release id needs the secret launchpad:releaseIdKey`);
    }
    return service.fromSecret ? service.releaseIdKey : undefined;
}

/** What the service's `envHash` and `releaseId` are made with (lib/release-digest.ts `digestKind`), which the release history records. */
export function envDigestKind(service: ServiceConfig): string {
    return digestKind(digestKey(service));
}

/**
 * A hash of a color's effective env (the service's env with the release's overrides, names and
 * values, sorted): what the release history records so the in-place rule can tell that the live
 * color's pods would change behaviour (`inPlaceReleaseProblems`). Unlike the release id it leaves out
 * the migration and the schema contract: changing them restarts the pods (the release id is a pod
 * template annotation) with the same container, the same behaviour.
 */
export function envHash(service: ServiceConfig, color: Color): string {
    const env = Object.entries(service.releases[color].env).sort(([a], [b]) => a.localeCompare(b));
    return serviceDigest(service, JSON.stringify(env));
}

/**
 * The parts of a color's pod template that change its pods without changing its release (image and
 * env values: `releaseId`, `envHash`), each as it goes into the Deployment, with the config keys that
 * set them. All are service-wide: no color can take them before the other.
 */
export const POD_PARTS = {
    ports: ["port"],
    readinessProbe: ["health.readinessPath"],
    livenessProbe: ["health.livenessPath"],
    startupProbe: ["health.livenessPath", "health.startupSeconds"],
    resources: ["resources"],
    envNames: ["connectDatabase"],
    annotations: ["port", "metricsPath"],
} as const satisfies Record<string, readonly string[]>;

export type PodPart = keyof typeof POD_PARTS;

/** JSON with sorted keys: the same value hashes the same whatever order its keys were built in. */
function sortedJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
    if (v !== null && typeof v === "object") {
        return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

/** A stand-in database for `podShape`: the env names it gives are the same for every engine and bundle. */
const SHAPE_DATABASE: DatabaseClientPodInputs = { secretName: "", adminSecretName: "", connectionDigest: "", engine: "postgres", caBundleUrl: undefined, caFetchConfigMap: "" };

/**
 * A 10-hex hash per `POD_PARTS` part of the color's Deployment pod template as config builds it
 * (`deploymentSpec`): what the in-place rule compares with the live color's history entry to say
 * that its pods roll although its release does not change. Env values and the release annotations
 * are left out (the release and env rules compare them).
 */
export function podShape(service: ServiceConfig, color: Color): Record<PodPart, string> {
    const spec = deploymentSpec({ service, color, project: "", zoneSpread: "DoNotSchedule", database: SHAPE_DATABASE, envSecretName: "" });
    const template = spec.template as k8s.types.input.core.v1.PodTemplateSpec & { spec: k8s.types.input.core.v1.PodSpec; metadata: { annotations: Record<string, unknown> } };
    const app = (template.spec.containers as k8s.types.input.core.v1.Container[])[0];
    // The release's own annotations, the connection settings' digest and the autoscaler's, which no config key sets.
    const notParts: readonly string[] = [ANNOTATIONS.releaseId, ANNOTATIONS.image, ANNOTATIONS.databaseConnection, AUTOSCALER_ANNOTATIONS.safeToEvictLocalVolumes];
    const annotations = Object.fromEntries(Object.entries(template.metadata.annotations).filter(([k]) => !notParts.includes(k)));
    const parts: Record<PodPart, unknown> = {
        ports: app.ports,
        readinessProbe: app.readinessProbe,
        livenessProbe: app.livenessProbe,
        startupProbe: app.startupProbe,
        resources: app.resources,
        envNames: (app.env as k8s.types.input.core.v1.EnvVar[]).map((e) => e.name),
        annotations,
    };
    return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, createHash("sha256").update(sortedJson(v)).digest("hex").slice(0, 10)])) as Record<PodPart, string>;
}

/**
 * What a color's pod template depends on besides its service config: the stack's project label, zone
 * spread and, for a service that connects, the database's CA bundle address (the `db-ca` init
 * container's `DB_SSL_CA_URL`, `launchpad:database.caBundleUrl`).
 */
export interface PodTemplateContext {
    readonly project: string;
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
    /** The stack's database, as the pods see it. @default - none (a stack without a database) */
    readonly database?: Pick<DatabaseClient, "caBundleUrl">;
}

/**
 * The stack-wide settings a color's pod template carries, none of them a service's or a release's:
 * one value for both colors, so a change rolls the live color's pods in place, under live traffic,
 * with no gate before that traffic reaches them (`inPlaceRollWarnings`). Each with the config key
 * that sets it. Left out, as no stack config sets them: the project label (the Pulumi project's
 * name), the zone spread (the tier table, config/tier.ts), the pod's code-set fields (security
 * context, the CA fetch image `AWS_CLI_IMAGE`, grace period): they change with the code, which
 * `gateRunId` still follows for the idle color.
 */
export const STACK_POD_PARTS = {
    databaseCa: { key: "launchpad:database.caBundleUrl", what: "the db-ca init container's DB_SSL_CA_URL" },
    databaseUser: { key: "launchpad:database.appUsername", what: `the user in the connection Secret the pods read (${DATABASE_SECRETS.app}), and its digest annotation ${ANNOTATIONS.databaseConnection}` },
    databaseTls: { key: "launchpad:database.engine", what: "the app container's DATABASE_TLS_MODE" },
} as const satisfies Record<string, { key: string; what: string }>;

export type StackPodPart = keyof typeof STACK_POD_PARTS;

/** What {@link stackPodShape} reads of the stack's database: the CA bundle's address, the application user's name, the engine. */
export type StackPodDatabase = Pick<DatabaseClient, "caBundleUrl" | "username" | "engine">;

/**
 * A 10-hex hash per `STACK_POD_PARTS` part of a service's pod template, as the stack's database
 * gives it (none: the service does not connect, or the stack has no database). The Deployment
 * records it beside `podShape` (`ANNOTATIONS.podShape`), and the release history keeps it in `pod`.
 */
export function stackPodShape(service: ServiceConfig, database: StackPodDatabase | undefined): Record<StackPodPart, string> {
    const db = service.connectDatabase ? database : undefined;
    const parts: Record<StackPodPart, unknown> = { databaseCa: db?.caBundleUrl ?? null, databaseUser: db?.username ?? null, databaseTls: db !== undefined ? databaseTlsEnv(db.engine) : null };
    return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, createHash("sha256").update(sortedJson(v)).digest("hex").slice(0, 10)])) as Record<StackPodPart, string>;
}

/** What a color's Deployment records of its pod template (`ANNOTATIONS.podShape`): `podShape` and `stackPodShape`. */
export function appliedPodShape(service: ServiceConfig, color: Color, database: StackPodDatabase | undefined): Record<PodPart | StackPodPart, string> {
    return { ...podShape(service, color), ...stackPodShape(service, database) };
}

/**
 * The gate run a color's pods need: a 10-hex digest of its Deployment's pod template as config
 * builds it (`deploymentSpec`, the database's Secret names and connection digest stood in as
 * `podShape` does). The template carries the release id (image, env, migration), so a
 * new release is a new run, and so is every other change that rolls the color's pods (`resources`,
 * a probe, the port, `connectDatabase`, `metricsPath`, the zone spread, the CA bundle's address, the pod's code-set fields),
 * which the release id leaves out. The gate Job's name carries it, and a Job in the state keeps
 * its name, so without it such a change rolled the idle color under a gate Job already complete
 * for the old pods, and the next switch made live pods no gate had judged. Never the active color
 * (the template has none; `replicas` is outside it), so a switch re-runs no gate. The release id
 * stays what the release history and the migrations key on. A new database connection (a
 * restore, a rotated password) is an Output, never in a name: the gate Job's pod template carries it
 * (`gateConnectionAnnotations`), which replaces the Job (a Job's `.spec.template` is force-new:
 * pulumi-kubernetes provider/pkg/provider/diff.go `job`).
 */
export function gateRunId(service: ServiceConfig, color: Color, ctx: PodTemplateContext): string {
    // The CA bundle's address is a plain value of the template (the init container's env), not a stand-in: a new one
    // rolls the color's pods, and the gate Job's own template does not carry it, so only its name can re-run the gate.
    const database: DatabaseClientPodInputs = { ...SHAPE_DATABASE, caBundleUrl: ctx.database?.caBundleUrl };
    const spec = deploymentSpec({ service, color, project: ctx.project, zoneSpread: ctx.zoneSpread, database, envSecretName: "" });
    return createHash("sha256").update(sortedJson(spec.template)).digest("hex").slice(0, 10);
}

/**
 * The smoke gate Job's run, which its name carries (`gateJobName`): a 10-hex digest of the pods it
 * judges (`gateRunId`) and the smoke policy it judges them by, keyed as the release id is
 * (`serviceDigest`: the policy's headers may be secret). A Job in the state keeps its name, and its
 * `.spec.template` is force-new (pulumi-kubernetes provider/pkg/provider/diff.go `job`), so a new
 * policy must be a new name to run the gate again; it rolls no pod (the policy is in no pod template
 * and no release id), runs no migration and takes no restore point. The load gate leaves it out
 * (`loadGateId`): it judges by the load scenario and server bounds, never the smoke policy.
 */
export function gateJobId(service: ServiceConfig, color: Color, ctx: PodTemplateContext): string {
    return gateJobIdOf(service, gateRunId(service, color, ctx));
}

/** `gateJobId` from the pods' digest (`gateRunId`) already made: the component's, which its Deployment carries too. */
function gateJobIdOf(service: ServiceConfig, pods: string): string {
    return serviceDigest(service, sortedJson({ pods, policy: service.smoke }));
}

/** The smoke gate Job's name: `<svc>-<color>-gate-<gateJobId>`. */
export function gateJobName(service: ServiceConfig, color: Color, ctx: PodTemplateContext): string {
    return gateJobNameOf(service, color, gateRunId(service, color, ctx));
}

function gateJobNameOf(service: ServiceConfig, color: Color, pods: string): string {
    return `${previewServiceName(service.name, color)}-gate-${gateJobIdOf(service, pods)}`;
}

/**
 * What a gate Job's pod template carries of its color's database connection (the digest its
 * Deployment's template carries, `databaseRolloutAnnotations`): a new connection replaces the Job
 * under its name, so the gate runs again on the pods that rolled onto it. None without one.
 */
export function gateConnectionAnnotations(service: ServiceConfig, database: DatabaseClient | undefined): Record<string, pulumi.Input<string>> {
    return service.connectDatabase && database !== undefined ? databaseRolloutAnnotations(database) : {};
}

/** Labels of the service-wide objects (live Service, Ingress, smoke ConfigMap). */
export function serviceLabels(service: ServiceConfig, project: string, role: string): Record<string, string> {
    return {
        [SELECTOR_LABELS.app]: service.name,
        [APP_LABELS.name]: service.name,
        [APP_LABELS.instance]: service.name,
        [APP_LABELS.component]: "server",
        [APP_LABELS.partOf]: project,
        [APP_LABELS.managedBy]: "pulumi",
        [ROLE_LABEL]: role,
    };
}

/** The Deployment's selector (immutable once created: never changed, only extended elsewhere). */
export function selectorOf(service: ServiceConfig, color: Color): Record<string, string> {
    return { [SELECTOR_LABELS.app]: service.name, [SELECTOR_LABELS.color]: color };
}

/**
 * What a color's Services and PodDisruptionBudget select: the Deployment's pods and nothing else.
 * The gate, migration and load-test Jobs' pods carry the app and color labels too; a budget whose
 * selector reaches a Job's pod fails to sync ("jobs.batch does not implement the scale
 * subresource", kubernetes pkg/controller/disruption/disruption.go getScaleController, then
 * failSafe sets DisruptionsAllowed to 0) and so blocks every node drain, a managed node group
 * update included; a Service would also list a running Job pod among its endpoints.
 */
export function servingSelector<C extends pulumi.Input<Color>>(service: ServiceConfig, color: C): { [k: string]: string | C } {
    return { [SELECTOR_LABELS.app]: service.name, [SELECTOR_LABELS.color]: color, [ROLE_LABEL]: ROLES.workload };
}

/** Name of the Secret holding one color's env when the services config is secret. */
export function envSecretName(service: ServiceConfig, color: Color): string {
    return `${service.name}-${color}-env`;
}

/** Name of the smoke runner's ConfigMap. */
export function smokeConfigMapName(service: ServiceConfig): string {
    return `${service.name}-smoke`;
}

/** Name of the ConfigMap with the database CA fetch script (components/database-client.ts). */
export function caFetchConfigMapName(service: ServiceConfig): string {
    return `${service.name}-db-ca-fetch`;
}

/** Name of the Secret holding the smoke policy when the services config is secret. */
export function smokePolicySecretName(service: ServiceConfig): string {
    return `${service.name}-smoke-policy`;
}

/**
 * A color's own env vars, sorted. From secret config (`service.fromSecret`) each is a `secretKeyRef`
 * into the color's env Secret (`envSecret`), so no value is a literal in the pod spec; otherwise
 * each is a literal.
 */
export function releaseEnv(service: ServiceConfig, color: Color, envSecret?: pulumi.Input<string>, owner?: pulumi.Resource): k8s.types.input.core.v1.EnvVar[] {
    const names = Object.keys(service.releases[color].env).sort((a, b) => a.localeCompare(b));
    if (!service.fromSecret) {
        return names.map((name) => ({ name, value: service.releases[color].env[name] }));
    }
    if (names.length > 0 && envSecret === undefined) {
        throw new pulumi.ResourceError(`service ${service.name} takes its env from secret config, but no env Secret was given for ${color}`, owner);
    }
    return names.map((name) => ({ name, valueFrom: { secretKeyRef: { name: envSecret as pulumi.Input<string>, key: name } } }));
}

/** The data of a color's env Secret: its env as one Pulumi secret. Undefined when it needs none. */
export function envSecretData(service: ServiceConfig, color: Color): pulumi.Output<Record<string, string>> | undefined {
    const env = service.releases[color].env;
    return service.fromSecret && Object.keys(env).length > 0 ? pulumi.secret({ ...env }) : undefined;
}

/** Pods a color keeps when idle or active; equal by default, so a color switch changes no replica count. */
export function colorReplicas(service: ServiceConfig, color: Color): number {
    return color === service.activeColor ? service.replicas : service.idleReplicas;
}

export interface DeploymentInputs {
    readonly service: ServiceConfig;
    readonly color: Color;
    readonly project: string;
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
    /** The database and the CA fetch ConfigMap; required when the service connects to the database. @default - none */
    readonly database?: DatabaseClientPodInputs;
    /** The color's env Secret; required when the service's env comes from secret config. @default - none */
    readonly envSecretName?: pulumi.Input<string>;
    /** The component a failure is reported against. @default - none (a builder called on its own) */
    readonly owner?: pulumi.Resource;
    /**
     * Resolves once this update may roll the color (`BlueGreenServiceArgs.releaseChecked`); the pod
     * template's release annotation waits for it, so a refused update registers no Deployment.
     * @default - no wait
     */
    readonly releaseChecked?: pulumi.Output<unknown>;
}

/** The rollout's surge: new pods first, never fewer serving pods than before (`maxUnavailable: 0`). */
export const ROLLOUT_MAX_SURGE = "25%";

/**
 * What the colors' topology spread counts besides their selector: the label the Deployment controller
 * puts on each ReplicaSet's pods (k8s.io/api apps/v1 `DefaultDeploymentUniqueLabelKey`). Without it a
 * rollout places new pods against the old ReplicaSet's too, which it then removes, leaving the new
 * ones skewed (KEP-3243, kubernetes/enhancements keps/sig-scheduling/3243-respect-pod-topology-spread-after-rolling-upgrades).
 * The field is beta and on by default since Kubernetes 1.27 (feature gate MatchLabelKeysInPodTopologySpread,
 * kubernetes/website feature-gates/MatchLabelKeysInPodTopologySpread.md), not yet GA in any release
 * through 1.36; every EKS version Launchpad accepts (lib/versions.ts) is newer. Since 1.34 the API
 * server merges it into each pod's `labelSelector` at creation (MatchLabelKeysInPodTopologySpreadSelectorMerge),
 * so the Deployment's template, which Pulumi diffs, stays as written.
 */
export const SPREAD_MATCH_LABEL_KEYS: readonly string[] = ["pod-template-hash"];

/**
 * What one new pod needs on top of its startup probe's budget to count as available: scheduling (a
 * node the Cluster Autoscaler adds first takes minutes to boot and join), the image pull, the
 * readiness probe, and with an `alb` Ingress the ALB's health checks that set its readiness gate.
 */
export const ROLLOUT_POD_OVERHEAD_SECONDS = 180;

/**
 * Rollout waves at `replicas` pods: with maxSurge 25% (rounded up: kubernetes
 * pkg/controller/deployment/util/deployment_util.go `ResolveFenceposts`, `GetScaledValueFromIntOrPercent(maxSurge,
 * desired, true)`) and maxUnavailable 0 the controller starts that
 * many new pods and removes as many old ones once they are available, so ceil(replicas / surge) rounds,
 * one after another; never more than 4.
 */
export function rolloutWaves(replicas: number): number {
    return Math.ceil(replicas / Math.ceil(replicas / 4));
}

/** Seconds one wave may take: the startup probe's budget plus {@link ROLLOUT_POD_OVERHEAD_SECONDS}. */
export function rolloutWaveSeconds(service: ServiceConfig): number {
    return service.health.startupSeconds + ROLLOUT_POD_OVERHEAD_SECONDS;
}

/**
 * The Deployment's `progressDeadlineSeconds`: Kubernetes' default of 600 s, or one wave where a
 * pod may legitimately take longer to start (`health.startupSeconds` goes up to 600), so a slow but
 * healthy pod is not reported as `ProgressDeadlineExceeded`.
 */
export function progressDeadlineSeconds(service: ServiceConfig): number {
    return Math.max(600, rolloutWaveSeconds(service));
}

/**
 * Pulumi's wait for a color's Deployment: every wave of the longest rollout the autoscaler's range
 * allows, at least pulumi-kubernetes' own 10 minutes. Without it the provider waits
 * `DefaultDeploymentTimeoutMins` (10) for the Available and NewReplicaSetAvailable conditions and then
 * fails the update (provider/pkg/await/deployment.go, `getTimeout(DefaultDeploymentTimeoutMins * 60)`),
 * although the rollout goes on in the cluster: a healthy release of 4 or more pods at the default
 * 120 s startup budget needs more, and its gate and live Service would never be registered.
 */
export function deploymentTimeouts(service: ServiceConfig): { create: string; update: string } {
    const waves = Math.max(...Array.from({ length: service.maxReplicas }, (_, i) => rolloutWaves(i + 1)));
    const t = `${Math.max(600, waves * rolloutWaveSeconds(service))}s`;
    return { create: t, update: t };
}

/**
 * How long an ending app pod keeps serving before it gets SIGTERM: the ALB's deregistration delay.
 * When a pod ends (an in-place roll of the live color, an autoscaler scale-in, a node drain or a
 * managed node group update), the kubelet would signal it at once, while the load balancer controller
 * deregisters its target only once it has seen the EndpointSlice mark it terminating (controller
 * v3.5.0 pkg/backend/endpoint_resolver.go, terminating endpoints dropped) and the ALB keeps routing to
 * it until the deregistration takes effect: requests in between get 502/504 (aws/aws-eks-best-practices
 * latest/bpg/networking/loadbalancing.adoc "Gracefully handle the client requests": a PreStop sleep;
 * aws-load-balancer-controller#1719, #2366). Sleeping the whole delay keeps the pod serving for as
 * long as the ALB may still send it requests, whatever the app does on SIGTERM. The `sleep` action
 * needs no shell in the image (PodLifecycleSleepAction: beta and on by default since Kubernetes 1.30,
 * stable since 1.34, kubernetes/website content/en/docs/reference/command-line-tools-reference/
 * feature-gates/PodLifecycleSleepAction.md; no EKS minor older than 1.30 is still supported,
 * lib/versions.ts EKS_VERSIONS, so an existing EKS cluster has it too).
 */
export const APP_PRESTOP_SLEEP_SECONDS = 30;

/**
 * The pod's termination grace period: the preStop sleep, which counts against it ("The Pod's
 * termination grace period countdown begins before the PreStop hook is executed": the Container
 * `lifecycle.preStop` field doc of k8s.io/api core/v1, as @pulumi/kubernetes types/input.d.ts carries
 * it), plus 30 s, the Kubernetes default grace period, for the app to finish in-flight requests.
 */
export const APP_TERMINATION_GRACE_SECONDS = APP_PRESTOP_SLEEP_SECONDS + 30;

/** The app pod's one writable volume, an emptyDir at /tmp (the root filesystem is read-only). */
export const APP_TMP_VOLUME = "tmp";

export function deploymentSpec(d: DeploymentInputs): k8s.types.input.apps.v1.DeploymentSpec {
    const { service: s, color } = d;
    const selector = selectorOf(s, color);
    const release = s.releases[color];
    const env = releaseEnv(s, color, d.envSecretName, d.owner);
    let db: DatabaseClientPod | undefined;
    if (s.connectDatabase) {
        if (d.database === undefined) {
            throw new pulumi.ResourceError(`service ${s.name} connects to the database, but no database Secret was given`, d.owner);
        }
        db = databaseClientPod(d.database, APP_UID, APP_TMP_VOLUME);
        env.push(...db.env);
    }
    const httpGet = (path: string) => ({ path, port: "http" });
    return {
        replicas: colorReplicas(s, color),
        selector: { matchLabels: selector },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: progressDeadlineSeconds(s),
        // A new pod must be ready before an old one goes: capacity never drops during a rollout.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: ROLLOUT_MAX_SURGE, maxUnavailable: 0 } },
        template: {
            metadata: {
                labels: colorLabels(s, color, d.project, ROLES.workload),
                annotations: {
                    [ANNOTATIONS.releaseId]: d.releaseChecked !== undefined ? d.releaseChecked.apply(() => releaseId(s, color)) : releaseId(s, color),
                    [ANNOTATIONS.image]: release.image,
                    ...scrapeAnnotations(s.port, s.metricsPath),
                    // /tmp is scratch: it must not keep the node. The Cluster Autoscaler never removes a
                    // node under a pod with an emptyDir unless the pod names it here (its
                    // skip-nodes-with-local-storage defaults to true: vendor/cluster-autoscaler/flags-1.36.1.go,
                    // flags-1.35.2.go; utils/drain/drain.go HasBlockingLocalStorage), so without it no node
                    // running either color's pods would ever be scaled down after a load peak.
                    // The CA bundle's emptyDir too: fetched again by the pod that replaces this one.
                    [AUTOSCALER_ANNOTATIONS.safeToEvictLocalVolumes]: [APP_TMP_VOLUME, ...(db !== undefined ? [DATABASE_CA_VOLUME] : [])].join(","),
                    // A new connection Secret (a restore, a rotated password) rolls the pods onto it.
                    ...(db !== undefined && d.database !== undefined ? databaseRolloutAnnotations(d.database) : {}),
                },
            },
            spec: {
                automountServiceAccountToken: false,
                securityContext: restrictedPod({ uid: APP_UID, fsGroup: APP_UID }),
                terminationGracePeriodSeconds: APP_TERMINATION_GRACE_SECONDS,
                topologySpreadConstraints: [
                    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: d.zoneSpread, labelSelector: { matchLabels: selector }, matchLabelKeys: [...SPREAD_MATCH_LABEL_KEYS] },
                    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector }, matchLabelKeys: [...SPREAD_MATCH_LABEL_KEYS] },
                ],
                // The CA bundle before the app: a pod without it never starts (components/database-client.ts).
                ...(db !== undefined ? { initContainers: [db.initContainer] } : {}),
                containers: [{
                    name: "app",
                    image: release.image,
                    ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }],
                    env,
                    resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
                    readinessProbe: { httpGet: httpGet(s.health.readinessPath), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
                    livenessProbe: { httpGet: httpGet(s.health.livenessPath), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                    // Liveness waits until startup passed, so a slow start is not a restart loop.
                    startupProbe: { httpGet: httpGet(s.health.livenessPath), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: Math.ceil(s.health.startupSeconds / 5) },
                    securityContext: restrictedContainer(APP_UID),
                    // Serve on while the load balancer deregisters the pod (APP_PRESTOP_SLEEP_SECONDS).
                    lifecycle: { preStop: { sleep: { seconds: APP_PRESTOP_SLEEP_SECONDS } } },
                    volumeMounts: [{ name: APP_TMP_VOLUME, mountPath: "/tmp" }, ...(db !== undefined ? [db.appMount] : [])],
                }],
                // The root filesystem is read-only; /tmp is the one writable place.
                volumes: [{ name: APP_TMP_VOLUME, emptyDir: { sizeLimit: "256Mi" } }, ...(db?.volumes ?? [])],
            },
        },
    };
}

export function previewServiceSpec(service: ServiceConfig, color: Color): k8s.types.input.core.v1.ServiceSpec {
    return { type: "ClusterIP", selector: servingSelector(service, color), ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }] };
}

export function liveServiceSpec(service: ServiceConfig, liveColor: pulumi.Input<Color>): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: service.expose.type,
        selector: servingSelector(service, liveColor),
        ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
    };
}

/**
 * Seconds an ALB keeps sending in-flight requests to a target it is removing (a color switch, a
 * scale-in): no longer than an ending pod sleeps before SIGTERM (`APP_PRESTOP_SLEEP_SECONDS`).
 */
export const ALB_DEREGISTRATION_DELAY_SECONDS = APP_PRESTOP_SLEEP_SECONDS;

/**
 * The ALB health check's success codes: what the kubelet's readiness probe counts as ready
 * (kubernetes pkg/probe/http DoHTTPProbe: 400 > code >= 200), so a readiness path answering 204 or a
 * redirect is a healthy target too, not a pod Kubernetes calls ready that the ALB never sends to
 * (controller default `200`, docs/guide/ingress/annotations.md success-codes; the ALB matcher takes
 * 200 to 499, ELB user guide target-group-health-checks.md "Matcher").
 */
export const ALB_HEALTHY_CODES = "200-399";

/**
 * The AWS Load Balancer Controller's annotations for an `alb` Ingress (controller docs,
 * guide/ingress/annotations.md): pods as targets (`ip`, so ClusterIP Services work and readiness
 * gates follow each pod), HTTPS with HTTP redirected to it, the readiness path as the health check
 * (healthy as the kubelet's probe is), and a deregistration delay so a switch drains connections
 * instead of cutting them. The weighted
 * action that picks the color is `albForwardAction`, added by the component once the live color is known.
 */
export function albIngressAnnotations(service: ServiceConfig): Record<string, string> {
    const ingress = service.expose.ingress;
    if (ingress === undefined) {
        return {};
    }
    return {
        "alb.ingress.kubernetes.io/scheme": ingress.scheme,
        [ALB_ACTIONS.targetTypeAnnotation]: "ip",
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        ...(ingress.certificateArn !== undefined ? { "alb.ingress.kubernetes.io/certificate-arn": ingress.certificateArn } : {}),
        "alb.ingress.kubernetes.io/healthcheck-path": service.health.readinessPath,
        "alb.ingress.kubernetes.io/success-codes": ALB_HEALTHY_CODES,
        "alb.ingress.kubernetes.io/target-group-attributes": `deregistration_delay.timeout_seconds=${ALB_DEREGISTRATION_DELAY_SECONDS}`,
    };
}

/** Weight of the live color's target group; the idle one gets 0. The ELBv2 API takes 0 to 999 per target group. */
export const ALB_LIVE_WEIGHT = 100;

/**
 * The action's name: the `alb` Ingress backend's service name, never a real Service (`<svc>-colors`).
 * With service names of at most 32 characters, `actions.<svc>-colors` stays within the 63 characters
 * of an annotation key's name part.
 */
export function albActionName(service: ServiceConfig): string {
    return `${service.name}-colors`;
}

/** The action's annotation key on the Ingress. */
export function albActionAnnotation(service: ServiceConfig): string {
    return `${ALB_ACTIONS.annotationPrefix}${albActionName(service)}`;
}

/**
 * The `alb` Ingress's forward action: one target group per color's preview Service, weight
 * ALB_LIVE_WEIGHT for the live color and 0 for the idle one. Why not the live Service: the
 * controller injects its readiness gate only into pods created while a TargetGroupBinding's
 * Service selects them (v3.5.0 pkg/inject/pod_readiness/pod_readiness_gate.go:65-99;
 * docs/deploy/pod_readiness_gate.md), and a selector switch deregisters one color and registers the
 * other in the `initial` state, so the ALB would have no healthy target for a health-check period.
 * Here both target groups exist all the time: the controller builds a target group and its
 * TargetGroupBinding for every Service in the action, whatever its weight
 * (pkg/ingress/model_build_actions.go:112-143 calls buildTargetGroup for each tuple and copies the
 * weight untouched; model_build_target_group.go:29-52), and the ALB health-checks the targets of
 * every target group a listener rule names, weight 0 included (ELB user guide,
 * target-group-health-checks.md "Target health status": a target is health-checked once its
 * target group is "specified in a listener rule"). So both colors' pods carry the gate, a release
 * becomes Available only once the ALB sees it healthy (a pod is Ready only when its readiness gates
 * are True, and pulumi-kubernetes waits for the Deployment's Available and NewReplicaSetAvailable
 * conditions: provider/pkg/await/deployment.go), and a switch is a weight change at the
 * listener: new requests go to the already-healthy color, in-flight ones on the other finish
 * within the deregistration delay. `servicePort` is the port's name, which the controller looks up
 * by name (intstr.Parse keeps "http" a string; pkg/k8s/service_utils.go LookupServicePort).
 */
export function albForwardAction(service: ServiceConfig, liveColor: Color): { type: "forward"; forwardConfig: { targetGroups: { serviceName: string; servicePort: string; weight: number }[] } } {
    return {
        type: "forward",
        forwardConfig: {
            targetGroups: COLORS.map((color) => ({ serviceName: previewServiceName(service.name, color), servicePort: "http", weight: color === liveColor ? ALB_LIVE_WEIGHT : 0 })),
        },
    };
}

/** True when the service's Ingress is served by the AWS Load Balancer Controller (weighted colors, ALB annotations). */
export function isAlbIngress(service: ServiceConfig): boolean {
    return service.expose.ingress?.className === ALB_INGRESS_CLASS;
}

/**
 * The Ingress: TLS names the host so the controller can find its ACM certificate (controller docs,
 * guide/ingress/cert_discovery.md). An `alb` Ingress routes to the weighted action over both colors
 * (`albForwardAction`); any other class routes to the live Service, whose selector picks the color,
 * since `use-annotation` actions are the ALB controller's own and another controller would look for
 * a Service of that name.
 */
export function ingressSpec(service: ServiceConfig, liveServiceName: pulumi.Input<string>): k8s.types.input.networking.v1.IngressSpec | undefined {
    const ingress = service.expose.ingress;
    if (ingress === undefined) {
        return undefined;
    }
    const backend = isAlbIngress(service)
        ? { service: { name: albActionName(service), port: { name: ALB_ACTIONS.useAnnotation } } }
        : { service: { name: liveServiceName, port: { name: "http" } } };
    return {
        ingressClassName: ingress.className,
        tls: [{ hosts: [ingress.host] }],
        rules: [{ host: ingress.host, http: { paths: [{ path: ingress.path, pathType: "Prefix", backend }] } }],
    };
}

/** The Ingress's annotations: for `alb`, the controller's settings and the weighted action for `liveColor`. */
export function ingressAnnotations(service: ServiceConfig, liveColor: Color): Record<string, string> | undefined {
    if (!isAlbIngress(service)) {
        return undefined;
    }
    return { ...albIngressAnnotations(service), [albActionAnnotation(service)]: JSON.stringify(albForwardAction(service, liveColor)) };
}

/**
 * The autoscaler's minimum of a color: the live count (`replicas`) for the active color and for the
 * color that was live when this update started (`previousLive`), `idleReplicas` otherwise. So a
 * switch raises only the new live color's minimum and the old color stays warm until the next
 * update that does not switch, as Argo Rollouts' `scaleDownDelaySeconds` keeps it: an autoscaler
 * lowered in the switch would shrink the old color within its default scale-down stabilization
 * window of 300 s (autoscaling/v2 `HPAScalingRules.stabilizationWindowSeconds`), inside promote's
 * 10-minute analysis, and its switch back would land on `idleReplicas` pods.
 */
export function hpaMinReplicas(service: ServiceConfig, color: Color, previousLive: Color | undefined): number {
    return color === service.activeColor || color === previousLive ? service.replicas : service.idleReplicas;
}

/**
 * A color's autoscaler. `previousLive` matters only where `idleReplicas` differs from `replicas`
 * (`hpaMinReplicas`); elsewhere the minimum is the plain number.
 */
export function hpaSpec(service: ServiceConfig, color: Color, deploymentName: string, previousLive?: pulumi.Input<Color | undefined>): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: service.idleReplicas === service.replicas || previousLive === undefined
            ? colorReplicas(service, color)
            : pulumi.output(previousLive).apply((p) => hpaMinReplicas(service, color, p)),
        maxReplicas: service.maxReplicas,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: service.targetCpuPercent } } }],
    };
}

export function pdbSpec(service: ServiceConfig, color: Color): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    // One pod at a time may go: a node drain proceeds (minAvailable would block it at one replica). A color
    // of two or more pods never empties; at one pod (staging's tier allows it) the drain takes it down
    // until its replacement is ready, which is why production's tier requires 2 (config/tier.ts minReplicas).
    return { maxUnavailable: 1, unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY, selector: { matchLabels: servingSelector(service, color) } };
}

/**
 * What a gate's deadline allows besides the runner's phases. `activeDeadlineSeconds` counts from the
 * Job's start, not its pod's (kubernetes/website concepts/workloads/controllers/job.md, "Job
 * termination and cleanup": "applies to the duration of the job, no matter how many Pods are
 * created"), so the pod's wait for a node is inside it.
 */
export const GATE_DEADLINE_ALLOWANCE_SECONDS = {
    /**
     * Scheduling (a node the Cluster Autoscaler adds first takes minutes to boot and join), the image
     * pull and the start: what a Deployment's new pod is given for the same (`ROLLOUT_POD_OVERHEAD_SECONDS`).
     */
    start: ROLLOUT_POD_OVERHEAD_SECONDS,
    /** The push of the verdict to the Pushgateway, bounded by `PUSH_TIMEOUT_MS`. */
    push: Math.ceil(PUSH_TIMEOUT_MS / 1000),
} as const;

/**
 * Longest a gate may run: the pod's start (`GATE_DEADLINE_ALLOWANCE_SECONDS.start`), its wait for the
 * target to accept a connection (smoke/reach.ts), every request timing out (`gateRequestSeconds`),
 * the load profile and its last requests, which may end up to `timeoutMs` after it (smoke/runner.ts
 * `runLoad`: a request sent before the phase's end is awaited), and the push. Beyond it the Job fails
 * (DeadlineExceeded), killed before it prints or pushes its verdict.
 */
export function gateDeadlineSeconds(policy: SmokePolicy): number {
    const load = policy.load === undefined ? 0 : policy.load.durationSeconds + Math.ceil(policy.timeoutMs / 1000);
    const a = GATE_DEADLINE_ALLOWANCE_SECONDS;
    return a.start + CONNECT_WAIT_DEFAULT_SECONDS + gateRequestSeconds(policy) + load + a.push;
}

/**
 * Seconds the smoke phase takes when every request times out. Checks run one after another, and
 * each sends its warm-up requests in one burst, then its measured ones in another (smoke/runner.ts
 * `runPhases`, `burst`), each in rounds of `concurrency`: ceil(warmup / c) + ceil(requests / c)
 * rounds of `timeoutMs` per check.
 */
export function gateRequestSeconds(policy: SmokePolicy): number {
    const rounds = (n: number): number => Math.ceil(n / policy.concurrency);
    return Math.ceil((policy.checks.length * (rounds(policy.warmupRequests) + rounds(policy.requests)) * policy.timeoutMs) / 1000);
}

/** Pulumi's wait for the gate Job: its deadline (`retriedRunDeadlines`: one disrupted run and its replacement) plus two minutes to schedule the pod and report. */
export function gateTimeouts(policy: SmokePolicy): { create: string; update: string } {
    const t = `${retriedRunDeadlines(gateDeadlineSeconds(policy)).job + 120}s`;
    return { create: t, update: t };
}

export interface GateJobInputs {
    readonly service: ServiceConfig;
    readonly color: Color;
    readonly project: string;
    readonly namespace: pulumi.Input<string>;
    readonly configMapName: pulumi.Input<string>;
    /**
     * The Secret holding the smoke policy (its headers may carry credentials) when the services
     * config is secret; the gate then mounts the runner's ConfigMap and this Secret as one volume.
     * @default - the policy is in the ConfigMap
     */
    readonly policySecretName?: pulumi.Input<string>;
    readonly runnerFile: string;
    /** Pushgateway the gate pushes its result to. @default - no push */
    readonly pushgatewayUrl?: pulumi.Input<string>;
    /**
     * The database the color's pods connect to: its connection digest goes on the gate pod's
     * template (`gateConnectionAnnotations`), so a new connection runs the gate again.
     * @default - none: the service connects to no database
     */
    readonly database?: DatabaseClient;
    /** The component a failure is reported against. @default - none (a builder called on its own) */
    readonly owner?: pulumi.Resource;
}

/** The gate's /smoke volume: the ConfigMap, or the ConfigMap and the policy's Secret projected together. */
export function smokeVolume(g: Pick<GateJobInputs, "service" | "configMapName" | "policySecretName" | "owner">): k8s.types.input.core.v1.Volume {
    if (!g.service.fromSecret) {
        return { name: "smoke", configMap: { name: g.configMapName } };
    }
    if (g.policySecretName === undefined) {
        throw new pulumi.ResourceError(`service ${g.service.name} takes its smoke policy from secret config, but no policy Secret was given`, g.owner);
    }
    return { name: "smoke", projected: { sources: [{ configMap: { name: g.configMapName } }, { secret: { name: g.policySecretName } }] } };
}

/** The smoke ConfigMap's data: the runner, and the policy unless it came from secret config. */
export function smokeConfigMapData(service: ServiceConfig, runner: SmokeRunner): Record<string, string> {
    return { [runner.file]: runner.source, ...(service.fromSecret ? {} : { [SMOKE_POLICY_FILE]: smokePolicyText(service) }) };
}

/** The policy file the runner reads. */
export function smokePolicyText(service: ServiceConfig): string {
    return `${JSON.stringify(service.smoke, null, 2)}\n`;
}

export function gateJobSpec(g: GateJobInputs): k8s.types.input.batch.v1.JobSpec {
    const { service: s, color } = g;
    const target = pulumi.output(g.namespace).apply((ns) => previewTarget(s.name, color, ns));
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "SMOKE_SERVICE", value: s.name },
        { name: "SMOKE_COLOR", value: color },
    ];
    if (g.pushgatewayUrl !== undefined) {
        env.push({ name: "PUSHGATEWAY_URL", value: g.pushgatewayUrl });
    }
    return {
        // A failed gate is a verdict, not a glitch: no retry. The next `pulumi up` replaces it (replaceUnready).
        backoffLimit: 0,
        // A gate pod the cluster took away gave no verdict: run it again instead of failing the release,
        // with the whole run's time left however late it was taken (retriedRunDeadlines); each pod has the run's own bound.
        podFailurePolicy: retryDisruptedPods(),
        activeDeadlineSeconds: retriedRunDeadlines(gateDeadlineSeconds(s.smoke)).job,
        template: {
            metadata: {
                labels: colorLabels(s, color, g.project, ROLES.gate),
                annotations: { [ANNOTATIONS.releaseId]: releaseId(s, color), [ANNOTATIONS.image]: s.releases[color].image, ...gateConnectionAnnotations(s, g.database), ...RUN_ONCE_POD_ANNOTATIONS },
            },
            spec: {
                restartPolicy: "Never",
                activeDeadlineSeconds: retriedRunDeadlines(gateDeadlineSeconds(s.smoke)).pod,
                automountServiceAccountToken: false,
                securityContext: restrictedPod({ uid: NODE_UID }),
                containers: [{
                    name: "smoke",
                    image: SMOKE_RUNNER_IMAGE,
                    command: ["node", `${SMOKE_MOUNT}/${g.runnerFile}`, "--policy", `${SMOKE_MOUNT}/${SMOKE_POLICY_FILE}`, "--target", target],
                    env,
                    resources: { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
                    securityContext: restrictedContainer(NODE_UID),
                    volumeMounts: [{ name: "smoke", mountPath: SMOKE_MOUNT, readOnly: true }],
                }],
                volumes: [smokeVolume(g)],
            },
        },
    };
}

/** Longest a migration may run before Kubernetes stops it (DeadlineExceeded): 30 minutes. */
export const MIGRATION_DEADLINE_SECONDS = 1800;
/**
 * Pulumi's wait for the migration Job: its deadline plus five minutes to pull the image and report.
 * pulumi-kubernetes awaits every created Job (provider/pkg/await/awaiters.go `jobAwaiter`, run by
 * await.go `Creation` with `customTimeouts` as its timeout, 10 minutes without) until its `Complete`
 * condition, and fails the step at once on its `Failed` condition (checker/job/check.go
 * `jobComplete`), which `backoffLimit: 0` or the deadline set. After a failed step the engine starts
 * no new one (pulumi/pulumi v3.259.0 pkg/resource/deploy/step_executor.go: `executeChain` hands the
 * error to `cancelDueToError`, which cancels the deployment), and with `--continue-on-error` it
 * reports the Job as failed to the program (step.go `CreateStep.Fail` -> source_eval.go
 * `Result_FAIL`), whose Node SDK then rejects the Job's URN (sdk/nodejs/runtime/resource.ts,
 * "synthesize an error so downstream outputs reject"): a resource that `dependsOn` it is never
 * registered, so the color's Deployment and gate keep their old spec.
 */
export const MIGRATION_TIMEOUTS = { create: `${MIGRATION_DEADLINE_SECONDS + 300}s`, update: `${MIGRATION_DEADLINE_SECONDS + 300}s` } as const;

/**
 * What of a migration Job's pod template an update leaves as it was created: everything but its
 * annotations. `.spec.template` is force-new for a Job (pulumi-kubernetes provider/pkg/provider/diff.go
 * `job`, at 94977969), so without this a change the release id does not carry (the service's
 * `resources`, the CA fetch container, the database Secret's name, the pods' security context)
 * replaced every migration Job in the state, delete-first under the same name, and ran each
 * declared release's migration again, the old color's older tool against a newer schema included
 * (golang-migrate "no migration found for version", Alembic "Can't locate revision"), which fails
 * the update and every one after it, while the plan said "no migration". What re-runs a migration
 * is its name (the release id), `pulumi.com/replaceUnready` (a failed Job) and the template's
 * annotations (release id, image, the restored instance: `migrationRerunAnnotations`). A Job
 * replaced for one of those is created from the program's inputs, ignoreChanges not applied
 * (pulumi/pulumi v3.259.0 pkg/resource/deploy/step_generator.go: "If we are going to perform a
 * replacement, we need to recompute the default values" re-runs Check on the goal's properties), so
 * a failed migration retried after a `resources` fix runs with the new limits.
 */
export const MIGRATION_JOB_IGNORE_CHANGES = ["spec.template.spec", "spec.template.metadata.labels"] as const;

export interface MigrationJobInputs {
    readonly service: ServiceConfig;
    readonly color: Color;
    readonly project: string;
    /** The database and the CA fetch ConfigMap: the migration connects as the master user (its schema changes), verifying the server as the Deployment does. */
    readonly database: DatabaseClientPodInputs;
    /** The color's env Secret; required when the service's env comes from secret config. @default - none */
    readonly envSecretName?: pulumi.Input<string>;
    /** The component a failure is reported against. @default - none (a builder called on its own) */
    readonly owner?: pulumi.Resource;
    /**
     * The restored instance the migration is to run on (components/migrations.ts `migrationInstances`).
     * @default - none: the Job names no instance
     */
    readonly restoredInstance?: pulumi.Input<string | undefined>;
}

/**
 * The migration Job of one color's release: the release's command in its image (or `migrate.image`),
 * the master user's connection settings (the Deployment gets the application user's), one try
 * (`backoffLimit: 0`: a half-applied migration is not retried blindly), bounded by a deadline, and
 * the restricted security context every Launchpad pod runs with.
 */
export function migrationJobSpec(m: MigrationJobInputs): k8s.types.input.batch.v1.JobSpec {
    const { service: s, color } = m;
    const release = s.releases[color];
    if (release.migrate === undefined) {
        throw new pulumi.ResourceError(`service ${s.name} release ${color} declares no migration`, m.owner);
    }
    const migrateImage = release.migrate.image;
    const jobAnnotations = (on: string | undefined) => ({ [ANNOTATIONS.releaseId]: releaseId(s, color), [ANNOTATIONS.image]: migrateImage, ...migrationRerunAnnotations(on) });
    const db = databaseClientPod(m.database, APP_UID, "tmp", "admin");
    const env: k8s.types.input.core.v1.EnvVar[] = [...releaseEnv(s, color, m.envSecretName, m.owner), ...db.env];
    return {
        backoffLimit: 0,
        activeDeadlineSeconds: MIGRATION_DEADLINE_SECONDS,
        template: {
            metadata: {
                labels: colorLabels(s, color, m.project, ROLES.migration),
                // No RUN_ONCE_POD_ANNOTATIONS here: `.spec.template` is a force-new field of a Job
                // (pulumi-kubernetes provider/pkg/provider/diff.go `job`), and the annotations are the part
                // an update compares (MIGRATION_JOB_IGNORE_CHANGES), so a new one would replace every
                // migration Job in the state and run each applied migration again. Its emptyDir
                // already keeps the Cluster Autoscaler from scaling its node down (skip-nodes-with-local-storage,
                // true by default: vendor/cluster-autoscaler/flags-*.go).
                // A migration a restore undid runs again on the restored database (database-client.ts migrationRerunAnnotations).
                annotations: m.restoredInstance === undefined ? jobAnnotations(undefined) : pulumi.output(m.restoredInstance).apply(jobAnnotations),
            },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: restrictedPod({ uid: APP_UID, fsGroup: APP_UID }),
                // The CA bundle first: a failed fetch fails the Job (backoffLimit 0) before the command runs.
                initContainers: [db.initContainer],
                containers: [{
                    name: "migrate",
                    image: migrateImage,
                    command: [...release.migrate.command],
                    env,
                    resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
                    securityContext: restrictedContainer(APP_UID),
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, db.appMount],
                }],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }, ...db.volumes],
            },
        },
    };
}

/**
 * The load gate's id: the pods it loads (`gateRunId`: the release and the rest of the pod template,
 * so new resources or probes re-run it as they re-run the smoke gate) and the load scenario and
 * bounds it is judged by; a change of either re-runs it. Not the smoke policy, which it does not
 * judge by (`loadGateSpec` takes none): a new one re-runs the smoke gate alone (`gateJobId`). Also the Job spec's immutable fields (`immutableJobSpec`): the API server refuses
 * to change them on the existing Job, so a change of them must be a new Job (and re-runs the gate).
 */
export function loadGateId(service: ServiceConfig, color: Color, ctx: PodTemplateContext): string {
    const perf = service.performance;
    const job = perf === undefined ? undefined : immutableJobSpec(loadtestJobSpec({}, "", perf.scenarios.load));
    const text = JSON.stringify({ release: releaseId(service, color), pods: gateRunId(service, color, ctx), scenario: perf?.scenarios.load, server: perf?.server, job });
    return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

/** The load gate's run: the load scenario against the color's preview Service, as `npm run loadtest` writes it. */
export function loadGateSpec(s: ServiceConfig, color: Color, namespace: string, gate: LoadGateArgs, pushgateway?: string, owner?: pulumi.Resource, prometheusUrl?: string): RunSpec {
    const perf = s.performance;
    if (perf === undefined) {
        throw new pulumi.ResourceError(`service ${s.name} has no performance suite, so no load gate`, owner);
    }
    return {
        service: s.name,
        color,
        namespace,
        target: previewTarget(s.name, color, namespace),
        image: s.releases[color].image,
        scenario: perf.scenarios.load,
        server: perf.server,
        ...(gate.prometheus !== undefined && prometheusUrl !== undefined ? { prometheus: { url: prometheusUrl, ...(gate.prometheus.sigV4Region !== undefined ? { sigV4Region: gate.prometheus.sigV4Region } : {}) } } : {}),
        appMetrics: { ...gate.appMetrics },
        ...(pushgateway !== undefined ? { pushgateway } : {}),
    };
}

/**
 * Pulumi's wait for the load gate Job: its deadline plus two minutes. pulumi-kubernetes waits 10
 * minutes for a Job unless `customTimeouts` say otherwise, and fails the update at once on the
 * Job's `Failed` condition (`DefaultJobTimeoutMins`, `jobInitAwaiter` in provider/pkg/await/job.go).
 */
export function loadGateTimeouts(service: ServiceConfig): { create: string; update: string } {
    const scenario = service.performance?.scenarios.load;
    const t = `${(scenario === undefined ? 0 : loadtestJobDeadlineSeconds({ scenario })) + 120}s`;
    return { create: t, update: t };
}

/** What createColor makes for one color. */
interface ColorObjects {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly preview: k8s.core.v1.Service;
    readonly gateJob: k8s.batch.v1.Job;
    readonly loadJob: k8s.batch.v1.Job | undefined;
    readonly migration: { readonly job: k8s.batch.v1.Job; readonly restorePoint?: aws.rds.Snapshot } | undefined;
}

const pickColors = <T>(colors: Record<Color, ColorObjects>, f: (c: ColorObjects) => T): Record<Color, T> =>
    Object.fromEntries(COLORS.map((color) => [color, f(colors[color])])) as Record<Color, T>;

const someColors = <T>(colors: Record<Color, ColorObjects>, f: (c: ColorObjects) => T | undefined): Partial<Record<Color, T>> =>
    Object.fromEntries(COLORS.flatMap((color) => { const v = f(colors[color]); return v === undefined ? [] : [[color, v]]; }));

/** A Job's recorded release, the pod template it judged (`gateRunId`) and whether it succeeded, from the state (`recordedRelease`). */
const jobVerdict = (job: k8s.batch.v1.Job | undefined): pulumi.Output<{ release: RecordedRelease | undefined; pods: string | undefined; succeeded: boolean }> =>
    job === undefined
        ? pulumi.output({ release: undefined, pods: undefined, succeeded: false })
        : pulumi.all([job.metadata, job.status]).apply(([m, st]) => ({ release: recordedRelease(m?.annotations), pods: m?.annotations?.[ANNOTATIONS.podTemplate], succeeded: (st?.succeeded ?? 0) >= 1 }));

/** The Job in the state ran `id` (its release annotation) and succeeded: false for an older release's Job a targeted update kept. */
export function succeededFor(job: k8s.batch.v1.Job, id: string): pulumi.Output<boolean> {
    return jobVerdict(job).apply((v) => v.succeeded && v.release?.releaseId === id);
}

export class BlueGreenService extends pulumi.ComponentResource {
    /** Name of the Service users reach. */
    public readonly liveServiceName: pulumi.Output<string>;
    /** The color the live Service selects. */
    public readonly liveColor: pulumi.Output<Color>;
    /** Per color: image and release id, present once that color's gate Job completed. */
    public readonly verifiedReleases: pulumi.Output<ReleaseInfo[]>;
    public readonly deployments: Readonly<Record<Color, k8s.apps.v1.Deployment>>;
    /**
     * Per color, the release its Deployment's pod template names in the state once its update
     * completed (`recordedRelease`): config's release after an update that rolled it, an older one
     * where a targeted update left the Deployment alone.
     */
    public readonly rolledOut: Readonly<Record<Color, pulumi.Output<RecordedRelease | undefined>>>;
    /**
     * Per color, the pod template shape (`podShape`) its Deployment was applied with, from the
     * state (`recordedPodShape`): config's after an update that rolled it, the older one where a
     * targeted update left the Deployment alone, undefined where the state has none.
     */
    public readonly rolledOutPod: Readonly<Record<Color, pulumi.Output<Record<PodPart, string> | undefined>>>;
    public readonly gateJobs: Readonly<Record<Color, k8s.batch.v1.Job>>;
    /** Per color, with `performance.loadGate`: the Job that runs the load scenario after the smoke gate. */
    public readonly loadJobs: Readonly<Partial<Record<Color, k8s.batch.v1.Job>>>;
    /** Per color whose release declares `migrate`: its migration Job. */
    public readonly migrationJobs: Readonly<Partial<Record<Color, k8s.batch.v1.Job>>>;
    /** Per color with a migration in a stack that takes restore points: the snapshot taken before it. */
    public readonly restorePoints: Readonly<Partial<Record<Color, aws.rds.Snapshot>>>;

    constructor(name: string, args: BlueGreenServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:delivery:BlueGreenService", name, {}, opts);
        const s = args.service;
        // The specs below assume it; fail here, naming the component, rather than inside a builder.
        if (s.connectDatabase && args.database === undefined) {
            throw new pulumi.ResourceError(`BlueGreenService ${name}: service ${s.name} connects to the database, but no database was given`, this);
        }
        const { configMap: smoke, policy: smokePolicy } = this.createSmoke(name, args);
        const database = this.createDatabaseClient(name, args);
        const colors = {} as Record<Color, ColorObjects>;
        for (const color of COLORS) {
            colors[color] = this.createColor(name, args, color, smoke, smokePolicy, database);
        }
        this.liveColor = args.liveColor ?? pulumi.output(s.activeColor);
        const live = this.createLive(name, args, colors[s.activeColor]);
        this.liveServiceName = live.metadata.name;
        this.createIngress(name, args, live, colors);

        this.deployments = pickColors(colors, (c) => c.deployment);
        this.gateJobs = pickColors(colors, (c) => c.gateJob);
        this.loadJobs = someColors(colors, (c) => c.loadJob);
        this.migrationJobs = someColors(colors, (c) => c.migration?.job);
        this.restorePoints = someColors(colors, (c) => c.migration?.restorePoint);
        // Both verdicts and the release they vouch for come from the Jobs in the stack's state, never from config a change could edit.
        this.verifiedReleases = pulumi
            .all(COLORS.map((color) => pulumi.all([jobVerdict(this.gateJobs[color]), jobVerdict(this.loadJobs[color])]).apply(([gate, load]) => ({
                color,
                release: gate.release,
                smoked: gate.succeeded,
                // The load run of the same pods the smoke gate judged: the same release and pod template.
                loaded: load.succeeded && gate.release !== undefined && load.release?.releaseId === gate.release.releaseId && load.pods === gate.pods,
            }))))
            .apply(verifiedReleaseInfo);
        this.rolledOut = pickColors(colors, (c) => c.deployment.spec.apply((spec) => recordedRelease(spec?.template?.metadata?.annotations)));
        this.rolledOutPod = pickColors(colors, (c) => c.deployment.metadata.apply((m) => recordedPodShape(m?.annotations)));
        this.registerOutputs({ liveServiceName: this.liveServiceName, liveColor: this.liveColor, verifiedReleases: this.verifiedReleases });
    }

    /** The smoke runner's ConfigMap and, from secret config, the policy's Secret (headers and bodies never go to the ConfigMap). */
    private createSmoke(name: string, args: BlueGreenServiceArgs): { configMap: k8s.core.v1.ConfigMap; policy: k8s.core.v1.Secret | undefined } {
        const s = args.service;
        const child = { parent: this, provider: args.k8sProvider };
        const configMap = new k8s.core.v1.ConfigMap(`${name}-smoke`, {
            metadata: { name: smokeConfigMapName(s), namespace: args.namespace, labels: serviceLabels(s, args.project, ROLES.smoke) },
            data: smokeConfigMapData(s, args.smokeRunner),
        }, child);
        const policy = s.fromSecret
            ? new k8s.core.v1.Secret(`${name}-smoke-policy`, {
                  metadata: { name: smokePolicySecretName(s), namespace: args.namespace, labels: serviceLabels(s, args.project, ROLES.smoke) },
                  stringData: pulumi.secret({ [SMOKE_POLICY_FILE]: smokePolicyText(s) }),
              }, child)
            : undefined;
        return { configMap, policy };
    }

    /**
     * The database's CA fetch script as a ConfigMap (`${name}-db-ca-fetch`), for the pods that connect:
     * with `database`, when the service connects or a release migrates; else none. Named, as the smoke
     * ConfigMap is: an auto-named one gets a new name with every change of the scripts, and the pod
     * templates that mount it with it, which would roll the live color and replace (re-run) every
     * migration Job whenever lib.sh changes for the dumps. Named, a change of the scripts replaces it
     * under the same name (pulumi-kubernetes replaces a ConfigMap whose data changes, pulumi/pulumi-kubernetes#1567,
     * and deletes a named object first); no pod template changes, and a pod started afterwards fetches
     * with the new script.
     */
    private createDatabaseClient(name: string, args: BlueGreenServiceArgs): DatabaseClientPodInputs | undefined {
        const s = args.service;
        if (args.database === undefined || !(s.connectDatabase || COLORS.some((c) => s.releases[c].migrate !== undefined))) {
            return undefined;
        }
        const configMap = new k8s.core.v1.ConfigMap(`${name}-db-ca-fetch`, {
            metadata: { name: caFetchConfigMapName(s), namespace: args.namespace, labels: serviceLabels(s, args.project, ROLES.workload) },
            data: caFetchConfigMapData(),
        }, { parent: this, provider: args.k8sProvider });
        // By name, waited for: an input taken from it would replace the pods' Deployments and Jobs with it (database-client.ts DatabaseClient).
        // A Deployment waits for the grants too: the user it connects as exists with its Secret's password.
        // So does a migration Job: on PostgreSQL a table gets the application user's default privileges
        // only if they were committed when it was created, and the grants' `ON ALL TABLES` sees only
        // committed tables, so a migration whose transaction spanned the grants Job's would leave its
        // tables to neither (aclchk.c `get_user_default_acl`, `objectsInSchemaToOids`; review14).
        const d = args.database;
        const some = (...r: (pulumi.Resource | undefined)[]): pulumi.Resource[] => r.filter((x) => x !== undefined);
        return { ...d, caFetchConfigMap: caFetchConfigMapName(s), dependsOn: [...some(d.secret, d.grants), configMap], adminDependsOn: [...some(d.adminSecret, d.grants), configMap] };
    }

    /** The live Service: it selects the live color only once that color's Deployment is up and its gate passed. */
    private createLive(name: string, args: BlueGreenServiceArgs, active: ColorObjects): k8s.core.v1.Service {
        const s = args.service;
        return new k8s.core.v1.Service(`${name}-live`, {
            metadata: { name: s.name, namespace: args.namespace, labels: serviceLabels(s, args.project, ROLES.live), annotations: args.liveAnnotations },
            spec: liveServiceSpec(s, this.liveColor),
        }, {
            parent: this,
            provider: args.k8sProvider,
            // A LoadBalancer Service gets the controller's class from its webhook only once it runs (components/platform.ts).
            dependsOn: [active.deployment, active.gateJob, ...(s.expose.type === "LoadBalancer" && args.ingressController !== undefined ? [args.ingressController] : [])],
            customTimeouts: LIVE_SERVICE_TIMEOUTS,
        });
    }

    /**
     * One color: its env Secret (from secret config), its migration, the Deployment (started only
     * after the migration), the preview Service, PodDisruptionBudget, HorizontalPodAutoscaler and
     * the gate Job, a new Job per release, that must pass before the live Service may select it.
     */
    private createColor(
        name: string,
        args: BlueGreenServiceArgs,
        color: Color,
        smoke: k8s.core.v1.ConfigMap,
        smokePolicy: k8s.core.v1.Secret | undefined,
        database: DatabaseClientPodInputs | undefined,
    ): ColorObjects {
        const s = args.service;
        const ns = args.namespace;
        const child = { parent: this, provider: args.k8sProvider };
        const objectName = previewServiceName(s.name, color);
        const meta = (role: string) => ({ name: objectName, namespace: ns, labels: colorLabels(s, color, args.project, role, false) });
        const envData = envSecretData(s, color);
        const envSecret = envData !== undefined
            ? new k8s.core.v1.Secret(`${name}-${color}-env`, { metadata: { ...meta(ROLES.workload), name: envSecretName(s, color) }, stringData: envData }, child)
            : undefined;
        // Named objects by name, waited for (components/database-client.ts DatabaseClient): never an input taken from them.
        const env = envSecret !== undefined ? [envSecret] : [];
        const waitFor = [...(database?.dependsOn ?? []), ...env];
        const envName = envSecret !== undefined ? envSecretName(s, color) : undefined;
        const migration = this.migration(name, args, color, { parent: this }, database, envName, [...(database?.adminDependsOn ?? []), ...env]);
        const pods = gateRunId(s, color, args);
        const deployment = new k8s.apps.v1.Deployment(`${name}-${color}`, {
            // Its own metadata, so neither rolls a pod: the shape for the in-place warning, the gate run its pods need.
            metadata: { ...meta(ROLES.workload), labels: colorLabels(s, color, args.project, ROLES.workload), annotations: { [ANNOTATIONS.podShape]: JSON.stringify(appliedPodShape(s, color, args.database)), [ANNOTATIONS.podTemplate]: pods } },
            spec: deploymentSpec({ service: s, color, project: args.project, zoneSpread: args.zoneSpread, database, envSecretName: envName, owner: this, releaseChecked: args.releaseChecked }),
        // The new pods start only after the color's migration succeeded, and after the load balancer
        // controller's webhook serves: it gives a pod its ALB readiness gate at creation only (components/platform.ts).
        // spec.replicas: the autoscaler owns the count after creation. With server-side apply (the
        // provider's default since v4) the provider then leaves the field out of its patch when another
        // manager (the HPA's scale writes) owns it, and otherwise sends the live value, so an update
        // never resets the HPA's count
        // (pulumi-kubernetes provider/pkg/await/await.go ssaUpdate -> handleSSAIgnoreFields).
        }, { ...child, ignoreChanges: ["spec.replicas"], customTimeouts: deploymentTimeouts(s), dependsOn: [...waitFor, ...(migration !== undefined ? [migration.job] : []), ...(args.ingressController !== undefined ? [args.ingressController] : [])] });
        // After the Deployment and with its timeouts: pulumi-kubernetes finishes a Service's create or update
        // only once its Endpoints list no not-ready address (provider/pkg/await/service.go `checkAndLogStatus`:
        // `serviceReady && endpointsSettled && !endpointsPending`, and at the timeout too), so a preview
        // Service applied while its color's pods start waits for them, and failed at its 10-minute default
        // where the rollout may take longer (`deploymentTimeouts`).
        const preview = new k8s.core.v1.Service(`${name}-${color}-preview`, { metadata: meta(ROLES.preview), spec: previewServiceSpec(s, color) }, { ...child, dependsOn: [deployment], customTimeouts: deploymentTimeouts(s) });
        new k8s.policy.v1.PodDisruptionBudget(`${name}-${color}-pdb`, { metadata: meta(ROLES.workload), spec: pdbSpec(s, color) }, child);
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-${color}-hpa`, { metadata: meta(ROLES.workload), spec: hpaSpec(s, color, objectName, args.previousLiveColor) }, child);
        const id = releaseId(s, color);
        const gateJob = new k8s.batch.v1.Job(`${name}-${color}-gate`, {
            metadata: {
                // New pods or a new smoke policy are a new Job: its name carries both (`gateJobId`: the pod
                // template's digest `gateRunId`, the release id included, and the policy); the annotation the pods alone.
                name: gateJobNameOf(s, color, pods),
                namespace: ns,
                labels: colorLabels(s, color, args.project, ROLES.gate),
                annotations: { [REPLACE_UNREADY_ANNOTATION]: "true", [ANNOTATIONS.releaseId]: id, [ANNOTATIONS.image]: s.releases[color].image, [ANNOTATIONS.podTemplate]: pods },
            },
            // By name; dependsOn below waits for both (components/database-client.ts DatabaseClient).
            spec: gateJobSpec({ service: s, color, project: args.project, namespace: ns, configMapName: smokeConfigMapName(s), policySecretName: smokePolicy !== undefined ? smokePolicySecretName(s) : undefined, runnerFile: args.smokeRunner.file, pushgatewayUrl: args.pushgatewayUrl, database, owner: this }),
        }, { ...child, dependsOn: [deployment, preview, smoke, ...(smokePolicy !== undefined ? [smokePolicy] : []), ...(migration !== undefined ? [migration.job] : [])], customTimeouts: gateTimeouts(s.smoke) });
        const loadJob = s.performance?.loadGate === true ? this.loadGate(name, args, color, gateJob, pods, child) : undefined;
        return { deployment, preview, gateJob, loadJob, migration };
    }

    /**
     * The service's Ingress, when it asks for one. An `alb` Ingress weights both colors' preview
     * Services by the live color, so it moves traffic only as the live Service does: after the active
     * color's Deployment and gate Job, and with the same (promotion-checked) live color.
     */
    private createIngress(name: string, args: BlueGreenServiceArgs, live: k8s.core.v1.Service, colors: Record<Color, ColorObjects>): void {
        const s = args.service;
        const ingress = ingressSpec(s, live.metadata.name);
        if (ingress === undefined) {
            return;
        }
        const active = colors[s.activeColor];
        // The controller must exist first: pulumi-kubernetes waits for the Ingress's load balancer address.
        const controller = args.ingressController !== undefined ? [args.ingressController] : [];
        // The controller fails the whole Ingress while a Service of a weighted action is missing (pkg/ingress/enhanced_backend_builder.go loadBackendServices).
        const weighted = isAlbIngress(s) ? [active.deployment, active.gateJob, ...COLORS.map((c) => colors[c].preview)] : [];
        new k8s.networking.v1.Ingress(`${name}-ingress`, {
            metadata: {
                name: s.name,
                namespace: args.namespace,
                labels: serviceLabels(s, args.project, ROLES.live),
                annotations: isAlbIngress(s) ? this.liveColor.apply((c) => ingressAnnotations(s, c)) : undefined,
            },
            spec: ingress,
        }, { parent: this, provider: args.k8sProvider, dependsOn: [...controller, ...weighted] });
    }

    /**
     * The restore point's expiry: a one-time schedule, the tier's retention after the run that takes
     * the snapshot, that calls RDS DeleteDBSnapshot, then deletes itself. Kept when Pulumi drops
     * it (as the snapshot is), so a restore point outlives its release in config and still expires.
     */
    private restorePointExpiry(name: string, service: string, color: Color, snapshot: aws.rds.Snapshot, snapshotId: pulumi.Output<string>, expiry: NonNullable<RestorePointArgs["expiry"]>, parent: pulumi.CustomResourceOptions): aws.scheduler.Schedule {
        return new aws.scheduler.Schedule(`${name}-${color}-restore-point-expiry`, {
            // After the snapshot: the same snapshot keeps its schedule, so its date.
            name: snapshotId.apply((id) => restorePointExpiryName(service, color, restorePointExpiryKey(id, service, color))),
            description: pulumi.interpolate`Deletes the restore point ${snapshotId} after ${expiry.afterDays} days (the tier's backup retention)`,
            // From the run that takes the snapshot (the schedule is created with it); later runs
            // leave the date alone (ignoreChanges below), so it never moves forward.
            scheduleExpression: restorePointExpiry(runDate(), expiry.afterDays),
            scheduleExpressionTimezone: "UTC",
            flexibleTimeWindow: { mode: "OFF" },
            actionAfterCompletion: "DELETE",
            target: {
                arn: deleteSnapshotTarget(expiry.partition),
                roleArn: expiry.roleArn,
                // Universal targets take the request as the AWS SDK shapes it (Scheduler User Guide,
                // managing-targets-universal.html): `DbSnapshotIdentifier`, as public schedules call
                // aws-sdk:rds:stopDBInstance with `DbInstanceIdentifier`, not the Query API's `DB...`.
                input: snapshotId.apply((id) => JSON.stringify({ DbSnapshotIdentifier: id })),
                retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86_400 },
            },
        }, { ...parent, retainOnDelete: true, dependsOn: [snapshot], ignoreChanges: ["scheduleExpression"] });
    }

    /**
     * The color's load gate: a ConfigMap with the performance runner and the load scenario's spec,
     * and a Job that runs it against the preview Service once the smoke gate passed. Both are named
     * by `loadGateId`, so a new release or scenario is a new run. No TTL: the Job is Pulumi's, and its
     * status in the state is the verdict production's promotion reads. `pods`: the color's `gateRunId`, the smoke gate's.
     */
    private loadGate(name: string, args: BlueGreenServiceArgs, color: Color, smokeGate: k8s.batch.v1.Job, pods: string, child: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
        const s = args.service;
        const gate = args.loadGate;
        if (gate === undefined || s.performance === undefined) {
            throw new pulumi.ResourceError(`service ${s.name} sets performance.loadGate, but no performance runner was given (BlueGreenServiceArgs.loadGate)`, this);
        }
        const region = gate.prometheus?.sigV4Region;
        if (region !== undefined && gate.access === undefined) {
            throw new pulumi.ResourceError(`service ${s.name}'s load gate signs its queries for AMP, but no account with a role to sign with was given (LoadGateArgs.access)`, this);
        }
        const aws = region !== undefined && gate.access !== undefined ? { serviceAccountName: gate.access.serviceAccountName, region } : undefined;
        const objectName = `${s.name}-${color}-load-${loadGateId(s, color, args)}`;
        const labels = loadtestLabels(s, color, args.project);
        const data = pulumi.all([args.namespace, args.pushgatewayUrl, gate.prometheus?.url]).apply(([ns, push, prometheusUrl]) => ({
            [LOADTEST_RUNNER_FILE]: gate.runner,
            [LOADTEST_SPEC_FILE]: `${JSON.stringify(loadGateSpec(s, color, ns, gate, push, this, prometheusUrl), null, 2)}\n`,
        }));
        const config = new k8s.core.v1.ConfigMap(`${name}-${color}-load-spec`, { metadata: { name: objectName, namespace: args.namespace, labels }, data }, child);
        const id = releaseId(s, color);
        return new k8s.batch.v1.Job(`${name}-${color}-load`, {
            metadata: {
                name: objectName,
                namespace: args.namespace,
                labels,
                annotations: { [REPLACE_UNREADY_ANNOTATION]: "true", [ANNOTATIONS.releaseId]: id, [ANNOTATIONS.image]: s.releases[color].image, [ANNOTATIONS.podTemplate]: pods },
            },
            // By name; dependsOn waits for it (components/database-client.ts DatabaseClient). The connection's digest on
            // its template, as on the smoke gate's: a restored or re-keyed database replaces the Job and runs the load again,
            // since its verdict was on the old connection.
            spec: loadtestJobSpec(labels, objectName, s.performance.scenarios.load, { [ANNOTATIONS.releaseId]: id, [ANNOTATIONS.image]: s.releases[color].image, ...gateConnectionAnnotations(s, args.database) }, aws),
        }, { ...child, dependsOn: [smokeGate, config, ...(gate.access?.ready ?? [])], customTimeouts: loadGateTimeouts(s) });
    }

    /** The color's restore point (when the stack takes them) and migration Job, or undefined without `migrate`. */
    private migration(name: string, args: BlueGreenServiceArgs, color: Color, parent: pulumi.CustomResourceOptions, database: DatabaseClientPodInputs | undefined, envSecret: string | undefined, waitFor: readonly pulumi.Resource[]): { job: k8s.batch.v1.Job; restorePoint?: aws.rds.Snapshot } | undefined {
        const s = args.service;
        const release = s.releases[color];
        if (release.migrate === undefined || release.schema === undefined) {
            return undefined;
        }
        if (database === undefined || args.schemaChecked === undefined) {
            throw new pulumi.ResourceError(`service ${s.name} release ${color} declares a migration, but no database Secret or schema check was given`, this);
        }
        const id = releaseId(s, color);
        const version = String(release.schema.version);
        // Registered only once the schema rule held: a refused migration leaves no Job and no snapshot.
        const checkedVersion = pulumi.all([args.schemaChecked, args.releaseChecked]).apply(() => version);
        const rp = args.restorePoint;
        const target = rp !== undefined
            ? pulumi.all([rp.recorded ?? {}, rp.instanceIdentifier, rp.step]).apply(([recorded, current, step]) => restorePointTarget(recorded[id], rp.identifierPrefix, current, s.name, color, step ?? id))
            : undefined;
        const restorePoint = rp !== undefined && target !== undefined
            ? new aws.rds.Snapshot(`${name}-${color}-restore-point`, {
                dbInstanceIdentifier: target.instance,
                dbSnapshotIdentifier: target.snapshot,
                tags: pulumi.all([target.snapshot, checkedVersion]).apply(([snapshot, version]) => ({ ...rp.tags, Name: snapshot, [ANNOTATIONS.releaseId]: id, [ANNOTATIONS.schemaVersion]: version })),
            // The provider's create returns once the snapshot is "available": terraform-provider-aws
            // internal/service/rds/snapshot.go, resourceSnapshotCreate -> waitDBSnapshotCreated
            // (pending "creating", target "available", the create timeout, 20 minutes by default;
            // website/docs/r/db_snapshot.html.markdown, Timeouts: `create`). Large databases take
            // longer, hence 60. (The v3-era provider waited on its read timeout, which
            // customTimeouts.create did not reach: hashicorp/terraform-provider-aws#13758.)
            // Its point-in-time tag stays the first run's (restore-point.ts RESTORE_POINT_TIME_TAG),
            // and a fixed release of a step that failed keeps it (restore-point.ts restorePointStep).
            // The next migration replaces it (a new identifier) and the old snapshot stays:
            // with retainOnDelete the engine's delete of the replaced state calls no provider
            // (pulumi/pulumi v3.259.0 pkg/resource/deploy/step.go `DeleteStep.Apply`: `s.old.RetainOnDelete`
            // is a no-op, replacements included); its expiry schedule deletes it after the retention.
            }, { ...parent, retainOnDelete: rp.retainOnDelete, customTimeouts: { create: "60m" }, ignoreChanges: [RESTORE_POINT_TIME_IGNORE], dependsOn: [...(rp.after ?? [])] })
            : undefined;
        if (restorePoint !== undefined && target !== undefined && rp?.expiry !== undefined) {
            this.restorePointExpiry(name, s.name, color, restorePoint, target.snapshot, rp.expiry, parent);
        }
        const job = new k8s.batch.v1.Job(`${name}-${color}-migrate`, {
            metadata: {
                // A new release is a new Job, run once: its name carries the release id, so a
                // release change replaces the (immutable) Job with a new one, awaited like any create
                // (pulumi-kubernetes provider.go Diff: `.metadata.name` is a force-new field).
                // replaceUnready: a Job that failed is replaced on the next update, i.e. retried
                // (pulumi-kubernetes provider.go Diff: a Job whose checker is not Ready is replaced).
                name: `${s.name}-${color}-migrate-${id}`,
                namespace: args.namespace,
                labels: colorLabels(s, color, args.project, ROLES.migration),
                annotations: {
                    [REPLACE_UNREADY_ANNOTATION]: "true",
                    [ANNOTATIONS.releaseId]: id,
                    [ANNOTATIONS.image]: release.migrate.image,
                    [ANNOTATIONS.schemaVersion]: checkedVersion,
                },
            },
            spec: migrationJobSpec({ service: s, color, project: args.project, database, envSecretName: envSecret, owner: this, restoredInstance: args.migrationInstances?.apply((on) => on[id]) }),
        }, { ...parent, provider: args.k8sProvider, dependsOn: [...waitFor, ...(restorePoint !== undefined ? [restorePoint] : [])], customTimeouts: MIGRATION_TIMEOUTS, ignoreChanges: [...MIGRATION_JOB_IGNORE_CHANGES] });
        return { job, restorePoint };
    }
}
