/**
 * npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]
 *
 * Switches the live color through the Pulumi Automation API: sets `launchpad:activeColor` (or the
 * one service's `activeColor`), then runs an update with the policy pack, targeted at exactly what a
 * switch changes: the live Service(s) (the selector), an `alb` Ingress's weighted action (the
 * colors' weights) and, where `idleReplicas` differs from `replicas`, the autoscalers whose
 * `minReplicas` the switch changes (`hpaUrns`: the new live color's; the old color stays warm until
 * the next update that does not switch).
 * The promotion rule still holds in that update, and the release history still records: the engine
 * never filters reads (the StackReferences to staging and to the stack itself) by `--target`, and
 * always updates the root Stack's outputs (pulumi/pulumi `pkg/resource/deploy/step_generator.go`:
 * `GenerateReadSteps` has no `isIncludedInOperation` check; `isImplicitlyTargetedResource`).
 *
 * A service whose live Service and weighted Ingress select different colors in the state (a switch
 * a failed update left half done) is not "already live" on either: without `--to` it is refused
 * (exit 2, naming both colors), and `--to` finishes the switch or goes back, targeting both.
 *
 * Before any config changes it checks that the target color's gate Job for the release it runs now
 * succeeded (from the stack's state); that its Deployment is fully available at the live replica
 * count, or at what the live color runs now where its autoscaler scaled it above that (both
 * Deployments live through the Kubernetes API with the stack's `kubeconfig` output, scripts/readiness.ts;
 * from the state with a warning when the cluster cannot be read); and that its release supports the
 * schema version the database is at (the compatibility rule of components/migrations.ts): the
 * stack's record, or higher where a migration Job in the state succeeded after the record's update
 * (`databaseSchema`); and that the policy pack's mandatory policies pass on the offline plan of the
 * stack's own config with the switch applied, its previous outputs and its promotion source's outputs
 * (`switchedPlanViolations`; the targeted update runs the pack again). A refusal names what failed
 * and the fix. `--dry-run` prints the switch and the targeted list and changes nothing.
 *
 * Exit codes: 0 switched (or already live, or a dry run); 2 bad arguments, a stack the backend does
 * not have, a name the stack does not have, config the update would refuse (a placeholder or an unset required secret:
 * config/placeholders.ts; with the switch, a release the promotion rule does not admit), a
 * target release that does not support the current schema version, or a half-done switch and no `--to`;
 * 1 a precondition failed (nothing changed) or the update failed (the config
 * already names the new color: run `pulumi up` again, or roll back).
 */
import { ConfigError, decodeConfig, parseConfig, TARGETED_SWITCH_ENV, type LaunchpadConfig, type ServiceConfig } from "../config";
import * as fs from "node:fs";
import * as path from "node:path";
import { hpaMinReplicas, releaseId } from "../components/blue-green-service";
import { liveWhenStarted, parseHistory, RELEASE_HISTORY_OUTPUT, type ReleaseHistory } from "../components/release-history";
import { forwardTargets } from "../lib/alb";
import { ALB_ACTIONS, ANNOTATIONS, COLORS, otherColor, ROLE_LABEL, ROLES, SELECTOR_LABELS, type Color } from "../lib/delivery";
import { schemaProblems, schemaStep, SCHEMA_RECORD_OUTPUT, type SchemaRecord } from "../components/migrations";
import { stackFileSecretPaths } from "../config/stack-file";
import { PlanError, REPO_ROOT, runPlan, type Plan } from "../plan/engine";
import { readProjectFile } from "../plan/stack-config";
import { failed, parseFlags, runMain, type CliResult } from "./cli";
import { checkReadiness, kubernetesReader, type ClusterReader } from "./readiness";
import { previewServiceName } from "../lib/workload";
import { stateAutoscalers, type StateResource } from "./state";

const USAGE = "usage: npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]";

/** The part of an Automation API `Stack` the rollback uses, so tests can hand in a fake. */
export interface RollbackStack {
    getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
    setConfig(key: string, value: { value: string; secret?: boolean }, path?: boolean): Promise<void>;
    removeConfig(key: string, path?: boolean): Promise<void>;
    exportStack(): Promise<{ deployment: { resources?: readonly StateResource[] } }>;
    /** The outputs of the stack's last update (Automation API `Stack.outputs()`): kubeconfig, schema record. */
    outputs(): Promise<Record<string, { value: unknown; secret?: boolean }>>;
    up(opts: RollbackUpOptions): Promise<{ summary: { result: string } }>;
}

/** The subset of the Automation API's `UpOptions` a rollback passes (automation/stack.ts in pulumi/pulumi). */
export interface RollbackUpOptions {
    target: string[];
    targetDependents: boolean;
    /** The policy pack runs on the targeted update too: a rollback never skips it. */
    policyPacks: string[];
    policyPackConfigs: string[];
    onOutput: (out: string) => void;
}

/**
 * The Automation API workspace options of a switch (rollback, promote): the program learns that its
 * update is a color switch's targeted one (config/load.ts `isTargetedSwitch`), which the engine does
 * not tell it. `envVars` reach every CLI command of the workspace, `up` included (LocalWorkspaceOptions).
 */
export function switchWorkspace(): { envVars: Record<string, string> } {
    return { envVars: { [TARGETED_SWITCH_ENV]: "true" } };
}

export interface RollbackDeps {
    /** Selects the stack in the project at `workDir` (a `LocalWorkspace`). */
    selectStack(stackName: string, workDir: string): Promise<RollbackStack>;
    /** Where `pulumi up`'s own output goes. @default - discarded */
    onOutput?: (out: string) => void;
    /**
     * Reads Deployments and lists pods live with the stack's kubeconfig.
     * @default - `kubernetesReader` (`@kubernetes/client-node`)
     */
    clusterReader?: (kubeconfig: string) => ClusterReader;
    /**
     * The mandatory policy violations of the stack as it will be after the switch, checked before
     * any config is written.
     * @default - `switchedPlanViolations`: the offline plan of the stack's own config with the switch set, evaluated by the policy pack
     */
    policyCheck?: (stackName: string, moving: readonly ServiceConfig[], target: Color, stack: SwitchContext) => Promise<string[]>;
    /**
     * The pack config the policy pre-check evaluates the switched plan with.
     * @default - the one the targeted update passes (`policyOptions`: `policies/config/<stack>.json`)
     */
    policyPackConfig?: string;
}

/** What the policy pre-check plans: the stack as the targeted update will run it. */
export interface SwitchContext {
    /** The stack's own config (Automation API `getAllConfig`, decoded), not the stack file here. */
    readonly values: Readonly<Record<string, unknown>>;
    readonly secretKeys: ReadonlySet<string>;
    /** The outputs of its last update, which its reference to itself reads back (the release history, the schema record). */
    readonly outputs: Readonly<Record<string, unknown>>;
    /**
     * The outputs of the stack its promotion rule reads (production's: staging's), read as its
     * StackReference reads them; undefined when it has none or they cannot be read.
     */
    readonly promotionSource?: { readonly stack: string; readonly outputs: Readonly<Record<string, unknown>> };
    /** The pack config to evaluate with. @default - the pack's own default for the stack (`policies/config/<stack>.json`) */
    readonly packConfig?: string;
    /**
     * The one service `--service` moves (its own `activeColor` is set, `switchEdits`).
     * @default - a stack-wide switch: `launchpad:activeColor` set, every service's own color removed
     */
    readonly service?: string;
}

/** One config write of a switch: a key set to a value, or removed; `path` for a key inside `launchpad:services`. */
export type SwitchEdit = { readonly key: string; readonly path: boolean } & ({ readonly set: Color } | { readonly remove: true });

/**
 * What a switch to `color` writes into the stack's config, the one rule `applySwitch` writes and the
 * policy pre-check plans (`switchedPlan`): with `--service`, that service's own `activeColor`;
 * stack-wide, `launchpad:activeColor`, and every service's own color removed, so each follows it
 * again, services that do not move included.
 */
export function switchEdits(color: Color, service: string | undefined, services: readonly string[]): SwitchEdit[] {
    return service !== undefined
        ? [{ key: `launchpad:services.${service}.activeColor`, path: true, set: color }]
        : [{ key: "launchpad:activeColor", path: false, set: color }, ...services.map((name) => ({ key: `launchpad:services.${name}.activeColor`, path: true, remove: true as const }))];
}

/** Config values (`decodeConfig`'s) with `edits` applied, as the Automation API would leave them. */
function editedValues(values: Readonly<Record<string, unknown>>, edits: readonly SwitchEdit[]): Record<string, unknown> {
    const out = structuredClone(values) as Record<string, unknown>;
    for (const e of edits) {
        if (!e.path) {
            out[e.key] = "set" in e ? e.set : undefined;
            continue;
        }
        // `launchpad:services.<name>.activeColor`: the service's entry in the decoded object.
        const name = e.key.slice("launchpad:services.".length, -".activeColor".length);
        const services = out["launchpad:services"];
        const own = typeof services === "object" && services !== null ? (services as Record<string, Record<string, unknown> | undefined>)[name] : undefined;
        if (own === undefined) continue;
        if ("set" in e) {
            own.activeColor = e.set;
        } else {
            delete own.activeColor;
        }
    }
    return out;
}

/**
 * The offline plan of the stack with the switch applied as `applySwitch` writes it (`switchEdits`:
 * `stack.service`'s own `activeColor`, or stack-wide `launchpad:activeColor` with every service's
 * own color removed), from the stack's own config, previous outputs and promotion source, as the
 * targeted update will run it. `_moving` (the services whose live color changes) is the policy
 * check's to report; the config edits do not depend on it. Throws the program's `ConfigError` (say a
 * release the promotion rule does not admit) or `PlanError` when it refuses the switched stack.
 */
export async function switchedPlan(stackName: string, _moving: readonly ServiceConfig[], target: Color, stack: SwitchContext): Promise<Plan> {
    const services = stack.values["launchpad:services"];
    const names = typeof services === "object" && services !== null ? Object.keys(services) : [];
    const values = editedValues(stack.values, switchEdits(target, stack.service, names));
    const source = stack.promotionSource;
    const sourceName = source?.stack.split("/").pop();
    return runPlan({
        stack: stackName,
        // The secure leaves as the update's program reads them: from the stack file in its workDir, else whole keys.
        stackConfig: { project: projectName(), stack: stackName, values, secretKeys: stack.secretKeys, secretPaths: stackFileSecretPaths(REPO_ROOT, projectName(), stackName, stack.secretKeys) },
        previousOutputs: { ...stack.outputs },
        // Without the source's real outputs, the engine answers it from its stack file here.
        ...(source !== undefined ? { stackOutputs: (name: string) => (name.split("/").pop() === sourceName ? { ...source.outputs } : undefined) } : {}),
    });
}

/** The policy pack's mandatory violations on a plan, evaluated with `packConfig` (@default - the pack's own default for the plan's stack). */
export async function mandatoryViolations(plan: Plan, packConfig?: string): Promise<string[]> {
    // Loaded only here: the pack is not needed to refuse bad arguments.
    const { evaluatePlan } = await import("../policies/evaluate");
    const violations = packConfig === undefined ? await evaluatePlan(plan) : await evaluatePlan(plan, packConfig);
    return violations.filter((v) => v.level === "mandatory").map((v) => `[mandatory] ${v.policy} ${v.urn}: ${v.message}`);
}

/**
 * The policy pack's mandatory violations on the switched stack (`switchedPlan`), evaluated with the
 * stack's pack config: the same pack the targeted update runs, judged before anything moves. Plans
 * once; a caller judging one switch under several pack configs plans it with `switchedPlan` and
 * evaluates it with `mandatoryViolations` for each.
 */
export async function switchedPlanViolations(stackName: string, moving: readonly ServiceConfig[], target: Color, stack: SwitchContext): Promise<string[]> {
    return mandatoryViolations(await switchedPlan(stackName, moving, target, stack), stack.packConfig);
}

/** The project's name (Pulumi.yaml `name`), which a renamed project changes: never "launchpad" written here. */
const projectName = (): string => readProjectFile(REPO_ROOT).name;

/**
 * The stack's config as the program resolves it, from the stack's own config values, validated as the
 * real run the targeted update is: a placeholder or an unset required secret fails here, before any
 * config changes, with the command that fixes it (the update's program would refuse it anyway).
 */
async function configOf(stack: RollbackStack, stackName: string): Promise<{ config: LaunchpadConfig; values: Record<string, unknown>; secretKeys: Set<string> }> {
    const { values, secretKeys } = decodeConfig(await stack.getAllConfig());
    return { config: parseConfig({ project: projectName(), stack: stackName, values, secretKeys, env: { GRAFANA_AUTH: process.env.GRAFANA_AUTH } }), values, secretKeys };
}

/** The outputs of the stack the promotion rule reads, through the Automation API; a string says why they cannot be read. */
async function promotionSourceOf(config: LaunchpadConfig, deps: RollbackDeps): Promise<SwitchContext["promotionSource"] | string> {
    const from = config.promotion?.fromStack;
    if (from === undefined) return undefined;
    try {
        const outputs = await (await deps.selectStack(from, REPO_ROOT)).outputs();
        return { stack: from, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])) };
    } catch (e) {
        return `warning: the outputs of stack ${from}, which the promotion rule reads, cannot be read (${(e as Error).message}); the policy pre-check answers its reference from Pulumi.${from.split("/").pop() ?? from}.yaml here, and the update reads the real ones`;
    }
}

/** URNs of the live Services of `names`, from the stack's state. */
export function liveServiceUrns(resources: readonly StateResource[], names: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        const labels = r.inputs?.metadata?.labels ?? {};
        if (r.type === "kubernetes:core/v1:Service" && labels[ROLE_LABEL] === ROLES.live && names.includes(labels[SELECTOR_LABELS.app])) {
            out.set(labels[SELECTOR_LABELS.app], r.urn);
        }
    }
    return out;
}

/**
 * The color `service`'s live Service selects in the state: its recorded object (`outputs`, what the
 * provider last read back, a partly failed update included), else its inputs; undefined without one.
 */
export function liveColorIn(resources: readonly StateResource[], service: string): Color | undefined {
    const urn = liveServiceUrns(resources, [service]).get(service);
    const r = resources.find((x) => x.urn === urn);
    const color = r?.outputs?.spec?.selector?.[SELECTOR_LABELS.color] ?? r?.inputs?.spec?.selector?.[SELECTOR_LABELS.color];
    return (COLORS as readonly string[]).includes(color ?? "") ? (color as Color) : undefined;
}

const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";

/** URNs of the live Ingresses of `names` whose weighted ALB action a switch rewrites (an Ingress of another class does not change). */
export function weightedIngressUrns(resources: readonly StateResource[], names: readonly string[]): string[] {
    return resources.filter((r) => {
        const meta = r.inputs?.metadata;
        return r.type === INGRESS_TYPE && meta?.labels?.[ROLE_LABEL] === ROLES.live && names.includes(meta.labels[SELECTOR_LABELS.app]) &&
            Object.keys(meta.annotations ?? {}).some((k) => k.startsWith(ALB_ACTIONS.annotationPrefix));
    }).map((r) => r.urn);
}

/**
 * The color `service`'s weighted `alb` Ingress sends traffic to in the state (the one target group
 * with a weight), read as `liveColorIn` reads the Service: the recorded object, else its inputs.
 * Undefined without such an Ingress. It can disagree with the live Service: a switch's targeted
 * update that moved the selector and then failed on the Ingress leaves in-cluster traffic on one
 * color and the ALB's on the other. One way: the load balancer controller's validating webhook for
 * Ingresses fails closed, so while no controller pod answers every Ingress update is refused
 * (kubernetes-sigs/aws-load-balancer-controller webhooks/networking/ingress_validator.go:
 * `vingress.elbv2.k8s.aws`, `failurePolicy=fail`, verbs create and update), while a Service update
 * goes through.
 */
export function albColorIn(resources: readonly StateResource[], service: string): Color | undefined {
    const [urn] = weightedIngressUrns(resources, [service]);
    const r = resources.find((x) => x.urn === urn);
    const annotations = r?.outputs?.metadata?.annotations ?? r?.inputs?.metadata?.annotations ?? {};
    const weighted = new Set<Color>();
    for (const [key, value] of Object.entries(annotations)) {
        if (!key.startsWith(ALB_ACTIONS.annotationPrefix)) continue;
        for (const t of forwardTargets(value) ?? []) {
            const color = COLORS.find((c) => t.serviceName === previewServiceName(service, c));
            if (color !== undefined && t.weight > 0) weighted.add(color);
        }
    }
    return weighted.size === 1 ? [...weighted][0] : undefined;
}

/** A service whose live Service and weighted Ingress select different colors in the state: a switch left half done. */
interface SplitService {
    readonly name: string;
    readonly service: Color;
    readonly ingress: Color;
}

const JOB_TYPE = "kubernetes:batch/v1:Job";

const labelsOf = (r: StateResource): Readonly<Record<string, string>> => r.inputs?.metadata?.labels ?? {};

/**
 * URNs of the colors' HorizontalPodAutoscalers whose `minReplicas` the switch to `target` changes:
 * the program's own rule (`hpaMinReplicas`, with the color live when the update starts, the head
 * of the stack's release history) against each autoscaler's minimum in the state. Normally the new
 * live color's alone, and only where `idleReplicas` differs from `replicas`: the old color stays
 * warm until the next update that does not switch.
 */
export function hpaUrns(resources: readonly StateResource[], moving: readonly ServiceConfig[], target: Color, history: ReleaseHistory, liveMinimum: ReadonlyMap<string, number> = new Map()): string[] {
    return hpaChanges(resources, moving, target, history).filter((c) => {
        const live = liveMinimum.get(c.urn);
        return live === undefined || live < c.minReplicas;
    }).map((c) => c.urn);
}

/**
 * The autoscalers `hpaUrns` considers, each with the minimum the switch gives it. `liveMinimum`
 * (by URN, read live) leaves out one whose minimum in the cluster is already at least that: one an
 * operator raised to the live color's count before the switch (readiness.ts `liveSizeWarning`'s
 * fix, `kubectl patch hpa`). The update would lower it as traffic arrives, before the autoscaler's
 * metrics show the load, and its server-side apply would fail on a field another manager holds at
 * another value (pulumi-kubernetes provider/pkg/await/await.go `patchForce`: false on an update
 * unless `pulumi.com/patchForce` or PULUMI_K8S_ENABLE_PATCH_FORCE says otherwise).
 */
export function hpaChanges(resources: readonly StateResource[], moving: readonly ServiceConfig[], target: Color, history: ReleaseHistory): { urn: string; service: string; color: Color; name: string; namespace: string; minReplicas: number }[] {
    const byName = new Map(moving.filter((s) => s.idleReplicas !== s.replicas).map((s) => [s.name, s]));
    return stateAutoscalers(resources).flatMap((a) => {
        const s = byName.get(a.service);
        if (s === undefined) return [];
        const min = hpaMinReplicas({ ...s, activeColor: target }, a.color, liveWhenStarted(history, s.name)?.color);
        return min !== a.minReplicas ? [{ urn: a.urn, service: s.name, color: a.color, name: a.name ?? "", namespace: a.namespace ?? "default", minReplicas: min }] : [];
    });
}

/**
 * The live minimum of each autoscaler the switch would change (`hpaChanges`), by URN, where the
 * cluster answers; one it does not have or cannot read stays targeted, as before. A note per
 * autoscaler left out, with the command that hands its minimum back to the program's value.
 */
async function liveMinimums(reader: ClusterReader | undefined, changes: ReturnType<typeof hpaChanges>): Promise<{ minimum: Map<string, number>; notes: string[] }> {
    const minimum = new Map<string, number>();
    const notes: string[] = [];
    if (reader?.autoscaler === undefined) return { minimum, notes };
    for (const c of changes) {
        let live: { minReplicas: number | undefined } | undefined;
        try {
            live = await reader.autoscaler(c.namespace, c.name);
        } catch {
            continue;
        }
        if (live?.minReplicas === undefined) continue;
        minimum.set(c.urn, live.minReplicas);
        if (live.minReplicas >= c.minReplicas) {
            notes.push(`note: ${c.service}: the ${c.color} autoscaler ${c.namespace}/${c.name} has minReplicas ${live.minReplicas} in the cluster (raised by hand), at least the ${c.minReplicas} the switch sets: ` +
                `left out of the targeted update; once the autoscaler holds the traffic, set it to ${c.minReplicas} (\`kubectl -n ${c.namespace} patch hpa/${c.name} --type=merge -p '{"spec":{"minReplicas":${c.minReplicas}}}'\`)\n`);
        }
    }
    return { minimum, notes };
}

const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";

/**
 * Why the target color cannot take traffic, from the stack's state: its gate Job for the release it
 * runs now (the release id in the Job's annotation) is missing or has not succeeded, or its
 * Deployment's pods run another release than the one that gate passed (an update that rolled a new
 * release and then failed its gate leaves the old release's Job in the state, pending deletion).
 * Where the Deployment records the gate run its pods need (`ANNOTATIONS.podTemplate`, blue-green-service.ts
 * `gateRunId`), the Job must be that run's, and where the pods connect to the database, the Job's pod
 * template must carry the connection digest theirs does: a change that rolled only the pods (new
 * resources, a probe, a restore's connection) and an update cut off before their new gate Job ran
 * leave the old pods' succeeded Job in the state, not marked for deletion. Undefined: fine.
 *
 * Not the smoke policy the Job ran under. It is the gate's, in no release id or pod template (the
 * gate Job's name carries it, blue-green-service.ts `gateJobId`), so a Job that passed these pods
 * under an older policy than config's (a new one merged but not applied, or an update cut off before
 * the new gate ran) is still found by its release and admitted: a rollback is wanted most when the
 * live color fails, and refusing it until a full `pulumi up` applied an unrelated threshold would
 * take it away; the pods did pass a gate, and the next full update judges them by the new policy
 * (both gate Jobs get new names). A Job that failed under the new policy is the state's last word on
 * those pods and still refuses: its create, a replacement, marks the old succeeded Job pending deletion
 * even when it fails partially, as an awaited Job that fails does (pulumi/pulumi
 * pkg/resource/deploy/step.go `CreateStep.Apply`: "Mark the old resource as pending deletion if
 * necessary" runs before the partial failure is returned), so only the new one is found here.
 */
export function gateProblem(resources: readonly StateResource[], service: ServiceConfig, target: Color, stackName: string): string | undefined {
    const id = releaseId(service, target);
    const ofTarget = (r: StateResource) => r.delete !== true && labelsOf(r)[SELECTOR_LABELS.app] === service.name && labelsOf(r)[SELECTOR_LABELS.color] === target;
    const deployment = resources.find((r) => r.type === DEPLOYMENT_TYPE && ofTarget(r));
    const runs = deployment?.outputs?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.releaseId] ?? deployment?.inputs?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.releaseId];
    if (runs !== undefined && runs !== id) {
        return `${service.name}: the ${target} Deployment's pods run release ${runs} (the stack's state), not ${id}, the release config gives ${target}: ` +
            `no gate passed for what would take traffic; run \`pulumi up --stack ${stackName}\` so ${target} runs and the gate tests its release (${JSON.stringify(service.releases[target].image)}), or roll back to a color whose gate passed`;
    }
    const jobs = resources.filter((r) => r.type === JOB_TYPE && ofTarget(r) && labelsOf(r)[ROLE_LABEL] === ROLES.gate);
    const job = jobs.find((r) => r.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId] === id);
    const fix = `run \`pulumi up --stack ${stackName}\` so the gate tests ${service.name}'s ${target} release (${JSON.stringify(service.releases[target].image)}), or roll back to a color whose gate passed`;
    if (job === undefined) {
        const seen = jobs.map((r) => r.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId]).filter((x) => x !== undefined);
        return `${service.name}: no gate Job of the ${target} color for its release ${id} in the stack's state` +
            `${seen.length > 0 ? ` (the state has release ${seen.join(", ")})` : ""}: ${fix}`;
    }
    const succeeded = job.outputs?.status?.succeeded ?? 0;
    if (succeeded < 1) {
        return `${service.name}: the ${target} color's gate Job for release ${id} has not succeeded (status.succeeded ${succeeded}, status.failed ${job.outputs?.status?.failed ?? 0}): ${fix}`;
    }
    return gatedPodsProblem(deployment, job, service, target, stackName);
}

/** An annotation of a resource's metadata in the state: its recorded object's, else its inputs'. */
const annotationOf = (r: StateResource, key: string): string | undefined => r.outputs?.metadata?.annotations?.[key] ?? r.inputs?.metadata?.annotations?.[key];
/** An annotation of a resource's pod template in the state: its recorded object's, else its inputs'. */
const templateAnnotationOf = (r: StateResource, key: string): string | undefined => r.outputs?.spec?.template?.metadata?.annotations?.[key] ?? r.inputs?.spec?.template?.metadata?.annotations?.[key];

/**
 * Whether the succeeded gate Job judged the pods the target's Deployment runs (`gateProblem`). Only
 * for a Deployment that records its gate run (applied since `ANNOTATIONS.podTemplate` existed; the
 * first `pulumi up` with it writes it and runs every gate again): before that nothing tells.
 */
function gatedPodsProblem(deployment: StateResource | undefined, job: StateResource, service: ServiceConfig, target: Color, stackName: string): string | undefined {
    const pods = deployment === undefined ? undefined : annotationOf(deployment, ANNOTATIONS.podTemplate);
    if (deployment === undefined || pods === undefined) return undefined;
    const fix = `run \`pulumi up --stack ${stackName}\` so the gate tests the pods ${service.name}'s ${target} color runs, or roll back to a color whose gate passed`;
    const judged = annotationOf(job, ANNOTATIONS.podTemplate);
    if (judged !== pods) {
        return `${service.name}: the ${target} Deployment's pods run pod template ${pods} (the stack's state), but its succeeded gate Job judged ${judged ?? "pods recorded before pod templates were"}: ` +
            `the pods rolled since (a new resources, health, port, connectDatabase or metricsPath setting) and no gate passed for them; ${fix}`;
    }
    const connection = service.connectDatabase ? templateAnnotationOf(deployment, ANNOTATIONS.databaseConnection) : undefined;
    const tested = templateAnnotationOf(job, ANNOTATIONS.databaseConnection);
    if (connection !== undefined && tested !== connection) {
        return `${service.name}: the ${target} Deployment's pods connect with database connection ${connection} (the stack's state), but its succeeded gate Job ran with ${tested ?? "none recorded"}: ` +
            `the pods rolled onto a new connection (a restore, a rotated password) and no gate passed for them; ${fix}`;
    }
    return undefined;
}

/** The policy pack and this stack's pack config, as the deploy workflow passes them. */
export function policyOptions(root: string, stackName: string): Pick<RollbackUpOptions, "policyPacks" | "policyPackConfigs"> {
    const config = path.join(root, "policies", "config", `${stackName}.json`);
    return { policyPacks: [path.join(root, "policies")], policyPackConfigs: fs.existsSync(config) ? [config] : [] };
}

/** A switch every precondition admitted: what moves where, and exactly what the targeted update touches. */
export interface SwitchPlan {
    readonly stackName: string;
    readonly stack: RollbackStack;
    /** The stack's config as the program resolves it. */
    readonly config: LaunchpadConfig;
    /** Every service of the stack (a stack-wide switch resets their own colors). */
    readonly services: readonly ServiceConfig[];
    readonly moving: readonly ServiceConfig[];
    /** `--service`, when one service moves by itself. */
    readonly service: string | undefined;
    readonly target: Color;
    /** URNs of the targeted update: the live Services, their weighted `alb` Ingresses and, where sizes differ, the autoscalers whose minimum changes. */
    readonly targets: readonly string[];
    /** One line per moving service: `api: green -> blue`. */
    readonly lines: readonly string[];
    /** Checks that fell back to the state (an unreachable cluster). */
    readonly warnings: readonly string[];
}

/** Flags both rollback and promote take. */
export interface SwitchFlags {
    readonly stack: string;
    readonly service?: string;
    readonly to?: Color;
}

/** The stack's schema record from its outputs; undefined where it keeps none. */
function schemaRecordOf(outputs: Record<string, { value: unknown }>): SchemaRecord | undefined {
    const v = outputs[SCHEMA_RECORD_OUTPUT]?.value;
    return v !== null && typeof v === "object" ? (v as SchemaRecord) : undefined;
}

/** A schema version the database reached by the stack's state: the migration Job that took it there. */
export interface StateMigration {
    readonly version: number;
    /** `<namespace>/<name>` of the Job. */
    readonly job: string;
    readonly succeeded: number;
}

/**
 * The highest schema version a migration Job of `service` reached by the stack's state: a Job with
 * the migration role whose recorded status says it succeeded (`status.succeeded`, what
 * pulumi-kubernetes read back when it last saw the Job), its version the schema-version annotation
 * the program puts on it. A failed update keeps such a Job in the state (its create completed) while
 * the outputs, the schema record included, stay the last completed update's (docs/operations.md,
 * "When `pulumi up` fails midway"). A Job pending deletion counts too: deleting a Job undoes nothing
 * in the database. A Job of a release in `recorded` (the record's migrations) is not after the record
 * and does not count. Undefined: none succeeded.
 */
export function migratedInState(resources: readonly StateResource[], service: string, recorded: ReadonlySet<string> = new Set()): StateMigration | undefined {
    let best: StateMigration | undefined;
    for (const r of resources) {
        if (r.type !== JOB_TYPE || labelsOf(r)[ROLE_LABEL] !== ROLES.migration || labelsOf(r)[SELECTOR_LABELS.app] !== service) continue;
        // A migration the record holds is not one after it (a later one, down to a lower version, may have followed it).
        const release = r.outputs?.metadata?.annotations?.[ANNOTATIONS.releaseId] ?? r.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId];
        if (release !== undefined && recorded.has(release)) continue;
        const succeeded = r.outputs?.status?.succeeded ?? 0;
        const annotated = r.outputs?.metadata?.annotations?.[ANNOTATIONS.schemaVersion] ?? r.inputs?.metadata?.annotations?.[ANNOTATIONS.schemaVersion];
        const version = Number(annotated);
        if (succeeded < 1 || annotated === undefined || !Number.isInteger(version) || (best !== undefined && best.version >= version)) continue;
        const meta = (r.outputs?.metadata ?? {}) as { name?: string; namespace?: string };
        best = { version, job: `${meta.namespace ?? "default"}/${meta.name ?? r.urn}`, succeeded };
    }
    return best;
}

/**
 * The schema version the database is at, per service: the record's (the last completed update's),
 * or higher where a migration Job in the state succeeded after it (`migratedInState`). Until an
 * update completes, the record lags such a migration, and a switch judged by it alone could admit a
 * release that does not support the schema the database now has. `sources` says, per service whose
 * version came from the state, where.
 */
export function databaseSchema(resources: readonly StateResource[], services: readonly ServiceConfig[], record: SchemaRecord | undefined): { record: SchemaRecord | undefined; sources: ReadonlyMap<string, string> } {
    const sources = new Map<string, string>();
    const out: Record<string, SchemaRecord[string]> = { ...record };
    for (const s of services) {
        const recorded = record?.[s.name];
        const ran = migratedInState(resources, s.name, new Set((recorded?.migrations ?? []).map((m) => m.releaseId)));
        if (ran === undefined || (recorded?.version !== undefined && recorded.version !== null && recorded.version >= ran.version)) continue;
        out[s.name] = { ...recorded, version: ran.version, migrations: recorded?.migrations ?? [] };
        sources.set(s.name, `Version ${ran.version} is the database's by the stack's state, not the record's (${recorded?.version ?? "none"}): ` +
            `migration Job ${ran.job} succeeded (status.succeeded ${ran.succeeded}) in an update that did not complete, so the record does not have it yet`);
    }
    return { record: record === undefined && sources.size === 0 ? undefined : out, sources };
}

/**
 * The compatibility rule of components/migrations.ts applied to the switch: the target color's
 * release must support the schema version the database is at (`databaseSchema`: the stack's record,
 * or a migration the state says succeeded since). Only the `activeColor` problem is the switch's;
 * the idle color's range is the next `pulumi up`'s concern. `sources` (from `databaseSchema`) is
 * named in the problem of each service whose version came from the state.
 */
export function schemaSwitchProblems(moving: readonly ServiceConfig[], target: Color, record: SchemaRecord | undefined, sources: ReadonlyMap<string, string> = new Map()): string[] {
    return moving.flatMap((s) => {
        const switched: ServiceConfig = { ...s, activeColor: target };
        // A targeted update runs no migration: the step is the record's version as it stands.
        const step = { ...schemaStep(switched, record?.[s.name]), migration: undefined };
        const key = `launchpad:services.${s.name}.activeColor:`;
        const from = sources.get(s.name);
        return schemaProblems(switched, { ...step, target: step.current }, s.activeColor).filter((p) => p.startsWith(key)).map((p) => (from === undefined ? p : `${p}. ${from}`));
    });
}

/**
 * Everything before the switch, from the command's `--stack`, `--service` and `--to` (shared with
 * promote): the stack's config, the moving services, and each precondition (gate, live readiness,
 * schema), all before any config is written. A `CliResult` is a usage error or a refusal.
 */
export async function prepareSwitch(raw: { stack?: string; service?: string; to?: string }, usage: string, deps: RollbackDeps): Promise<SwitchPlan | CliResult> {
    const flags = switchFlags(raw, usage);
    if (isResult(flags)) {
        return flags;
    }
    let stack: RollbackStack;
    try {
        stack = await deps.selectStack(flags.stack, REPO_ROOT);
    } catch (e) {
        // The Automation API's error for `pulumi stack select` of a stack the backend lacks
        // (@pulumi/pulumi 3.248.0 automation/errors.js: StackNotFoundError, on "no stack named .* found").
        if (e instanceof Error && e.name === "StackNotFoundError") {
            return failed(2, `--stack: received ${JSON.stringify(flags.stack)}; expected a stack of the backend pulumi is logged in to (pulumi stack ls; a new one: pulumi stack init ${flags.stack})\n`);
        }
        throw e;
    }
    let own: Awaited<ReturnType<typeof configOf>>;
    try {
        own = await configOf(stack, flags.stack);
    } catch (e) {
        if (e instanceof ConfigError) {
            return failed(2, `${e.message}\n`);
        }
        throw e;
    }
    const config = own.config;
    const services = config.services;
    const named = flags.service === undefined ? services : services.filter((s) => s.name === flags.service);
    if (named.length === 0) {
        return failed(2, `--service: received ${JSON.stringify(flags.service)}; expected one of ${services.map((s) => JSON.stringify(s.name)).join(", ")}\n`);
    }
    const state = await stack.exportStack();
    const resources = state.deployment.resources ?? [];
    // Traffic is where the state's live Service points, which the config may not say: after a failed
    // update it already names the new color, and "already live" would then be false comfort. So is
    // the live Service alone where an alb Ingress weights the colors: the two can disagree.
    const split: SplitService[] = named.flatMap((s) => {
        const [service, ingress] = [liveColorIn(resources, s.name), albColorIn(resources, s.name)];
        return service !== undefined && ingress !== undefined && service !== ingress ? [{ name: s.name, service, ingress }] : [];
    });
    if (flags.to === undefined && split.length > 0) {
        const each = split.map((x) => `${x.name}: the live Service selects ${x.service}, the alb Ingress sends to ${x.ingress}`).join("; ");
        return failed(2, `a switch was left half done by a failed update (${each}); name the color with --to: the one to finish the switch to, or the one to go back to\n`);
    }
    // A half-done switch moves from the color still served that is not the target.
    const liveColor = (s: ServiceConfig): Color | undefined => {
        const half = split.find((x) => x.name === s.name);
        return half !== undefined ? (half.service !== flags.to ? half.service : half.ingress) : liveColorIn(resources, s.name);
    };
    const chosen = named.map((s) => ({ ...s, activeColor: liveColor(s) ?? s.activeColor }));
    const colors = new Set(chosen.map((s) => s.activeColor));
    if (flags.to === undefined && colors.size > 1) {
        const now = chosen.map((s) => `${s.name}: ${s.activeColor}`).join(", ");
        return failed(2, `the services are live on different colors (${now}); name --service or --to\n`);
    }
    const target: Color = flags.to ?? otherColor(chosen[0].activeColor);
    const moving = chosen.filter((s) => s.activeColor !== target);
    if (moving.length === 0) {
        return { code: 0, stdout: `${chosen.map((s) => s.name).join(", ")}: already live on ${target}; nothing to do\n`, stderr: "" };
    }

    const urns = liveServiceUrns(resources, moving.map((s) => s.name));
    const missing = moving.filter((s) => !urns.has(s.name)).map((s) => s.name);
    if (missing.length > 0) {
        return failed(1, `no live Service for ${missing.join(", ")} in stack ${flags.stack}'s state: deploy it with pulumi up first\n`);
    }
    const outputs = await stack.outputs();
    // The compatibility rule refuses as every config rule does: exit 2, the project's message shape.
    const database = databaseSchema(resources, moving, schemaRecordOf(outputs));
    const schema = schemaSwitchProblems(moving, target, database.record, database.sources);
    if (schema.length > 0) {
        return failed(2, `refused before any change: ${new ConfigError(flags.stack, schema).message}\n`);
    }
    // Every precondition before any config is written: a refusal leaves the stack as it was.
    const problems = moving.map((s) => gateProblem(resources, s, target, flags.stack)).filter((p): p is string => p !== undefined);
    const kubeconfig = outputs.kubeconfig?.value;
    const reader = typeof kubeconfig === "string" && kubeconfig !== "" ? (deps.clusterReader ?? kubernetesReader)(kubeconfig) : undefined;
    const readiness = await checkReadiness(resources, moving, target, reader, "the stack has no kubeconfig output");
    problems.push(...readiness.problems);
    const warnings = readiness.warnings.map((w) => `${w}\n`);
    if (problems.length > 0) {
        return failed(1, `${warnings.join("")}refused before any change: the ${target} color cannot take traffic\n${problems.map((p) => `  - ${p}\n`).join("")}`);
    }
    const source = await promotionSourceOf(config, deps);
    const packConfig = deps.policyPackConfig ?? policyOptions(REPO_ROOT, flags.stack).policyPackConfigs.at(0);
    if (typeof source === "string") warnings.push(`${source}\n`);
    const context: SwitchContext = {
        values: own.values,
        secretKeys: own.secretKeys,
        outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])),
        ...(typeof source === "object" ? { promotionSource: source } : {}),
        ...(packConfig !== undefined ? { packConfig } : {}),
        ...(flags.service !== undefined ? { service: flags.service } : {}),
    };
    let violations: string[];
    try {
        violations = await (deps.policyCheck ?? switchedPlanViolations)(flags.stack, moving, target, context);
    } catch (e) {
        // The update's program would refuse the switched stack the same way, after the config write.
        if (e instanceof ConfigError) return failed(2, `${warnings.join("")}refused before any change: ${e.message}\n`);
        if (e instanceof PlanError) return failed(1, `${warnings.join("")}refused before any change: with ${moving.map((s) => s.name).join(", ")} on ${target}, ${e.message}\n`);
        throw e;
    }
    if (violations.length > 0) {
        return failed(1, `${warnings.join("")}refused before any change: the policy pack refuses the stack with ${moving.map((s) => s.name).join(", ")} on ${target} (fix the stack, or run npm run plan -- --stack ${flags.stack} --policy to see it)\n${violations.map((v) => `  - ${v}\n`).join("")}`);
    }
    const history = parseHistory(outputs[RELEASE_HISTORY_OUTPUT]?.value);
    const autoscalers = await liveMinimums(reader, hpaChanges(resources, moving, target, history));
    warnings.push(...autoscalers.notes);
    return {
        stackName: flags.stack,
        stack,
        config,
        services,
        moving,
        service: flags.service,
        target,
        targets: [...urns.values(), ...weightedIngressUrns(resources, moving.map((s) => s.name)), ...hpaUrns(resources, moving, target, history, autoscalers.minimum)],
        lines: moving.map((s) => `${s.name}: ${s.activeColor} -> ${target}`),
        warnings,
    };
}

/**
 * Writes the color into the stack's config and runs the targeted update with the policy pack;
 * throws when the update does not succeed (the config then already names `color`).
 */
export async function applySwitch(plan: SwitchPlan, color: Color, onOutput: (out: string) => void): Promise<void> {
    const { stack } = plan;
    // Stack-wide, every service follows the stack-wide color again.
    for (const e of switchEdits(color, plan.service, plan.services.map((s) => s.name))) {
        if ("set" in e) {
            await stack.setConfig(e.key, { value: e.set }, e.path);
        } else {
            await stack.removeConfig(e.key, e.path);
        }
    }
    const result = await stack.up({ target: [...plan.targets], targetDependents: false, ...policyOptions(REPO_ROOT, plan.stackName), onOutput });
    if (result.summary.result !== "succeeded") {
        throw new Error(`the update ended with result "${result.summary.result}"`);
    }
}

/** Parses `--stack`, `--service`, `--to`; a `CliResult` is a usage error. */
function switchFlags(flags: { stack?: string; service?: string; to?: string }, usage: string): SwitchFlags | CliResult {
    if (flags.stack === undefined) {
        return failed(2, `--stack is required\n${usage}\n`);
    }
    if (flags.to !== undefined && !(COLORS as readonly string[]).includes(flags.to)) {
        return failed(2, `--to: received ${JSON.stringify(flags.to)}; expected one of "blue", "green"\n`);
    }
    return { stack: flags.stack, service: flags.service, to: flags.to as Color | undefined };
}

export const isResult = (x: object): x is CliResult => "code" in x && "stdout" in x;

export async function rollback(argv: readonly string[], deps: RollbackDeps): Promise<CliResult> {
    const parsed = parseFlags(argv, { stack: { type: "string" }, service: { type: "string" }, to: { type: "string" }, "dry-run": { type: "boolean" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const plan = await prepareSwitch(parsed.flags, USAGE, deps);
    if (isResult(plan)) {
        return plan;
    }
    const { lines, targets, target, warnings } = plan;
    if (parsed.flags["dry-run"] === true) {
        return { code: 0, stdout: `${lines.join("\n")}\ndry run: nothing changed; the targeted update would be:\n${targets.map((u) => `  ${u}\n`).join("")}`, stderr: warnings.join("") };
    }
    try {
        await applySwitch(plan, target, deps.onOutput ?? (() => undefined));
    } catch (e) {
        return {
            code: 1,
            stdout: `${lines.join("\n")}\n`,
            stderr: `${warnings.join("")}the targeted update of the live Service(s) failed: ${(e as Error).message}\nthe stack's config now names ${target}; run \`pulumi up --stack ${plan.stackName}\` again, or roll back to the previous color\n`,
        };
    }
    return {
        code: 0,
        stdout: `${lines.join("\n")}\nswitched, with the policy pack: ${targets.join(", ")}\n` +
            `commit Pulumi.${plan.stackName}.yaml: it now names the live color, and a deploy from an older copy would switch back\n`,
        stderr: warnings.join(""),
    };
}

if (require.main === module) {
    runMain(async (argv) => {
        // Loaded here only: the Automation API drives the Pulumi CLI, which tests never need.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return rollback(argv, {
            selectStack: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }, switchWorkspace()),
            onOutput: (out) => process.stderr.write(out),
        });
    });
}
