/**
 * A fake Automation API stack for `npm run rollback` and `npm run promote`: its config is the real
 * stack file as a team deploys it (placeholders replaced, secrets set: ./deployed.ts), or the
 * committed file as it is; its state is the offline plan of that config; it records every config
 * change and each targeted update. With `replan`, each update plans the stack again with the config
 * the command set and the previous outputs, and keeps that plan's outputs (the release history
 * included), as the real program would.
 */
import { encodeConfig } from "../../config";
import { stackConfigFor } from "../../plan/engine";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../plan/engine";
import type { RollbackDeps, RollbackStack, RollbackUpOptions } from "../../scripts/rollback";
import type { StateResource } from "../../scripts/state";
import { deployedConfig, OWN_VALUES, type CommittedStack } from "./deployed";
import { deploymentJson, type KubeApi } from "./kube-api";
import { frozen, planStack } from "./plan";
import { scratchFile } from "./scratch";

export interface Recorded {
    readonly calls: string[];
    readonly targets: string[][];
    readonly ups: Omit<RollbackUpOptions, "onOutput">[];
}

type Dep = { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: { replicas: number } };

/** Deployments as pulumi-kubernetes records them once its await saw them ready: status at spec.replicas. */
function withDeploymentStatus(r: StateResource): StateResource {
    if (r.type !== "kubernetes:apps/v1:Deployment") return r;
    const replicas = (r.inputs as unknown as Dep).spec.replicas;
    return { ...r, outputs: { ...r.outputs, status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } } };
}

/** The cluster as the state says it is: every Deployment at its spec's count, all available. */
function clusterFromState(kube: KubeApi, resources: readonly StateResource[]): void {
    kube.objects.clear();
    for (const r of resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment")) {
        const m = r.outputs?.metadata as { name: string; namespace: string };
        const replicas = (r.inputs as unknown as Dep).spec.replicas;
        kube.objects.set(`deployments/${m.namespace}/${m.name}`, deploymentJson(m.namespace, m.name, replicas, replicas));
    }
}

export interface FakeStackOptions {
    readonly sets?: string[];
    readonly upResult?: "succeeded" | Error;
    /** Exactly the committed file (placeholders, no secrets). */
    readonly asCommitted?: boolean;
    readonly state?: (resources: StateResource[]) => StateResource[];
    /** The stack's outputs. @default - `{ kubeconfig }` of `kube`; with `replan` or `previousOutputs`, the plan's outputs too */
    readonly outputs?: Record<string, unknown>;
    /** Each update plans the stack again and keeps its outputs. */
    readonly replan?: boolean;
    /** The outputs of the update before the one whose plan is the state (its release history). @default - none: a first update */
    readonly previousOutputs?: Record<string, unknown>;
}

export interface FakeStack {
    readonly stack: RollbackStack;
    /**
     * The command's deps: `selectStack` gives this stack by its name, and staging's outputs (its
     * verified releases, as the plan's reference read them) by staging's, as production's promotion
     * rule reads them; `policyPackConfig` is the committed pack config with the deployed CIDRs
     * allowed, as a team that replaced the stack file's documentation ranges replaces the pack's too.
     */
    readonly deps: Required<Pick<RollbackDeps, "selectStack">> & Pick<RollbackDeps, "policyPackConfig">;
    readonly recorded: Recorded;
    readonly resources: StateResource[];
    /** The outputs now (after any update). */
    readonly outputs: () => Record<string, unknown>;
    /** The plan whose resources are the state. */
    readonly plan: Awaited<ReturnType<typeof planStack>>;
}

/** What staging verified, as production's StackReference reads it: the images of the fake's state. */
const STAGING_VERIFIED = { api: [{ color: "blue", image: "ghcr.io/launchpad-test/api:1.4.2", releaseId: "0" }, { color: "green", image: "ghcr.io/launchpad-test/api:1.5.0", releaseId: "1" }] };

/** The outputs a deployed stack's references read (production's staging reference): `stackOutputs` of a plan. */
export function stagingReferenceOutputs(name: string): Record<string, unknown> | undefined {
    return name.endsWith("/staging") ? { verifiedReleases: STAGING_VERIFIED } : undefined;
}

/** Plans of a stack as deployed, by config and previous outputs (the staging reference is always the same). */
const deployedPlans = new Map<string, ReturnType<typeof planStack>>();

/**
 * The plan of `stack` with `sets`, production's staging reference answered by
 * `stagingReferenceOutputs`, after `previousOutputs`: planned once per process for each config and
 * outputs, as the harness shares plans without a reference (rollback's tests build the same fake
 * stack about 16 times, ~5 CPU-s).
 */
export function deployedPlan(stack: CommittedStack, sets: readonly string[], previousOutputs?: Record<string, unknown>): ReturnType<typeof planStack> {
    const key = JSON.stringify([stack, sets, previousOutputs ?? null]);
    let p = deployedPlans.get(key);
    if (p === undefined) {
        p = planStack(stack, sets, { stackOutputs: stagingReferenceOutputs, previousOutputs }).then(frozen);
        deployedPlans.set(key, p);
    }
    return p;
}

export async function fakeStack(kube: KubeApi, stack: CommittedStack, o: FakeStackOptions = {}): Promise<FakeStack> {
    const sets = o.sets ?? [];
    const { values, secretKeys } = o.asCommitted === true ? stackConfigFor({ stack, sets }) : deployedConfig(stack, sets);
    // The state is what the last update made of this same config: its gate Jobs carry its release ids.
    // Staging, as production's StackReference reads it, verified those same images (STAGING_VERIFIED).
    const baseSets = o.asCommitted === true ? sets : [...OWN_VALUES[stack], ...sets];
    const plan = o.asCommitted === true ? await planStack(stack, sets) : await deployedPlan(stack, baseSets, o.previousOutputs);
    const recorded: Recorded = { calls: [], targets: [], ups: [] };
    const resources = (o.state ?? ((r) => r))(plan.resources.map((r) => withDeploymentStatus({ urn: r.urn, type: r.type, inputs: r.inputs, outputs: r.state })));
    clusterFromState(kube, resources);
    const config = encodeConfig({ ...values }, secretKeys);
    // A re-planning stack, or one planned after a previous update, starts from its plan's outputs, as a
    // deployed stack has them (its release history included).
    const deployed = o.replan === true || o.previousOutputs !== undefined;
    let outputs: Record<string, unknown> = o.outputs ?? (deployed ? { ...plan.outputs, kubeconfig: kube.kubeconfig } : { kubeconfig: kube.kubeconfig });
    // Config the command set since, in `--set` form, in order.
    const changed = new Map<string, string>();
    const unused = (): never => {
        throw new Error("the fake's staging reference only answers outputs()");
    };
    const stagingReference: RollbackStack = {
        getAllConfig: unused,
        setConfig: unused,
        removeConfig: unused,
        exportStack: unused,
        up: unused,
        outputs: () => Promise.resolve({ verifiedReleases: { value: STAGING_VERIFIED } }),
    };
    const own: RollbackStack = {
        getAllConfig: () => Promise.resolve(config),
        setConfig: (key, value, path) => {
            recorded.calls.push(`set ${key}=${value.value}${path === true ? " (path)" : ""}`);
            changed.set(key, value.value);
            return Promise.resolve();
        },
        removeConfig: (key, path) => {
            recorded.calls.push(`rm ${key}${path === true ? " (path)" : ""}`);
            changed.delete(key);
            return Promise.resolve();
        },
        exportStack: () => Promise.resolve({ deployment: { resources } }),
        outputs: () => Promise.resolve(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, secret: k === "kubeconfig" }]))),
        up: async (opts) => {
            recorded.calls.push(`up targetDependents=${String(opts.targetDependents)}`);
            recorded.targets.push(opts.target);
            recorded.ups.push({ target: opts.target, targetDependents: opts.targetDependents, policyPacks: opts.policyPacks, policyPackConfigs: opts.policyPackConfigs });
            if (o.upResult instanceof Error) {
                throw o.upResult;
            }
            if (o.replan === true) {
                const after = await deployedPlan(stack, [...baseSets, ...[...changed].map(([k, v]) => `${k}=${v}`)], outputs);
                outputs = { ...outputs, ...after.outputs, kubeconfig: outputs.kubeconfig };
            }
            return { summary: { result: o.upResult ?? "succeeded" } };
        },
    };
    return {
        plan,
        recorded,
        resources,
        outputs: () => outputs,
        stack: own,
        deps: {
            selectStack: (name) => Promise.resolve(stack !== "staging" && name.split("/").pop() === "staging" ? stagingReference : own),
            ...(o.asCommitted === true ? {} : { policyPackConfig: deployedPackConfig(stack) }),
        },
    };
}

/**
 * `policies/config/<stack>.json` with the deployed fixture's API endpoint CIDRs allowed. Written for
 * each fake stack (a small file): a scratch file lasts only as long as the test file that made it.
 */
function deployedPackConfig(stack: CommittedStack): string {
    const pack = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", `${stack}.json`), "utf8")) as Record<string, Record<string, unknown>>;
    const cidrs = OWN_VALUES[stack].filter((v) => v.startsWith("launchpad:cluster.endpointPublicAccessCidrs[")).map((v) => v.slice(v.indexOf("=") + 1));
    pack["eks-public-endpoint-restricted"] = { ...pack["eks-public-endpoint-restricted"], allowedCidrs: cidrs };
    return scratchFile("launchpad-deployed-pack-", `${stack}.json`, `${JSON.stringify(pack, null, 2)}\n`);
}
