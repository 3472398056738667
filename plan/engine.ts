/**
 * The offline plan engine: runs the real program for one stack under Pulumi's in-process mock
 * runtime and records every resource registration with its exact inputs, parent, explicit
 * dependencies, provider and options. No cloud account, no Pulumi CLI, no network.
 *
 * `npm run plan`, `npm run bench` and every test use this one engine.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, declareOfflinePlan, loadConfig, parseConfig, toRuntimeConfig, type LaunchpadConfig, type Placeholder } from "../config";
import { packConfigPlaceholders } from "../config/placeholders";
import { hasPublicEksEndpoint } from "../config/cluster";
import { runDate, utcDay } from "../config/clock";
import { deepFreeze } from "../lib/freeze";
import { qualifiedStackName } from "../lib/stack-name";
import { GRAFANA_TARGET_OUTPUT, grafanaTargetOf } from "../observability/grafana-target";
import { PlanMocks, type FailedCreateLookup, type RecordedStateLookup, type StackOutputsLookup } from "./mocks";
import { REPO_ROOT } from "./root";
import { stackFileNames } from "../config/stack-file";
import { loadStackConfig, PlanInputError, type StackConfig } from "./stack-config";
import { lightPromises } from "./debuggable";
import { lightStructs } from "./struct";
import { renderValue, SECRET_TEXT, UNKNOWN_TEXT, type Json } from "./values";

export interface ResourceOptionsRecord {
    /** Set for a resource the program reads (a StackReference): the existing resource's id; nothing is created. */
    readonly id?: string;
    readonly ignoreChanges?: readonly string[];
    /** Set when the program sets it, true or false (false overrides a provider that asks to delete first). */
    readonly deleteBeforeReplace?: boolean;
    readonly retainOnDelete?: boolean;
    readonly replaceOnChanges?: readonly string[];
    readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
}

export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The parent's URN; null for the stack itself. */
    readonly parent: string | null;
    /** Inputs as the provider would receive them; secrets are `"[secret]"`. */
    readonly inputs: Record<string, Json>;
    /** URNs of the explicit `dependsOn` resources (not the implicit ones from inputs). */
    readonly dependsOn: readonly string[];
    /**
     * URNs of every direct dependency, as the register request carries them and the CLI hands them
     * to stack policies (`PolicyResource.dependencies`): the explicit `dependsOn` (a component counts
     * as its custom children) and every resource an input was taken from. Sorted.
     */
    readonly dependencies: readonly string[];
    /** Per input property, the URNs of the resources it was taken from (sorted); inputs with none are left out. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly protect: boolean;
    /** `<provider urn>` for custom resources with an explicit or inherited provider, else null. */
    readonly provider: string | null;
    /** False for component resources. */
    readonly custom: boolean;
    /**
     * A component's registered outputs (`registerOutputs`; the Stack's are the stack outputs),
     * secrets `"[secret]"`; null for a custom resource. What the CLI's stack policies see of a
     * component, never its inputs: the engine creates a component's state with no outputs and
     * replaces them whole with those of RegisterResourceOutputs (pulumi/pulumi v3.248.0
     * pkg/resource/deploy/step_generator.go `generateSteps`, `Outputs: nil`; step_executor.go
     * `executeRegisterResourceOutputs`, "Unconditionally set the resource's outputs to what was
     * provided"), and `AnalyzeResources` hands stack policies `Properties: v.Outputs`. A component
     * that never calls `registerOutputs` registers `{}` (@pulumi/pulumi resource.js
     * `initializeAndRegisterOutputs`).
     */
    readonly registeredOutputs: Record<string, Json> | null;
    /** The mocked provider's answer (ids, ARNs, endpoints), secrets `"[secret]"`; not in `--json`. */
    readonly state: Record<string, Json>;
    /** The (mocked) provider id: a Kubernetes object's `<namespace>/<name>`, a role's name; null for components. */
    readonly id: string | null;
    /** The (mocked) ARN from `state.arn`; null when the resource has none or it is secret. */
    readonly arn: string | null;
    readonly options: ResourceOptionsRecord;
}

export interface Plan {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
    /** Stack outputs; secrets are `"[secret]"`. */
    readonly outputs: Record<string, Json>;
    /** Messages the program logged (pulumi.log, console), in order. */
    readonly log: readonly string[];
    /** Values a real preview or update refuses until they are set (`config/placeholders.ts`), in config order. */
    readonly placeholders: readonly Placeholder[];
}

export type Program = () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** The config a plan runs: a stack file's, or one given whole (`PlanOptions.stackConfig`). */
export type PlannedConfig = Omit<StackConfig, "secretPaths"> & { readonly secretPaths?: ReadonlySet<string> };

export interface PlanOptions {
    /** Stack name: reads `Pulumi.<stack>.yaml`. */
    readonly stack: string;
    /** `key=value` overrides, as `pulumi config set --path` takes them; values are YAML. */
    readonly sets?: readonly string[];
    /**
     * The stack's config as given, read from the stack itself (the rollback's policy pre-check: the
     * Automation API stack's config), instead of `Pulumi.<stack>.yaml`; `sets` and `secretSets` are
     * then ignored. Without `secretPaths` only whole keys are known secret (the Automation API's
     * marks), as in a real run without its stack file. @default - `Pulumi.<stack>.yaml` with `sets`
     */
    readonly stackConfig?: PlannedConfig;
    /** `key=value` overrides held as secrets, as `pulumi config set --secret --path` takes them. @default none */
    readonly secretSets?: readonly string[];
    /** Project directory. Default: the repository root. */
    readonly root?: string;
    /** The program to run. Default: the real one, `index.ts`. */
    readonly program?: Program;
    /** Run as a preview (`pulumi.runtime.isDryRun()`). Default false: plan what `pulumi up` would do. */
    readonly preview?: boolean;
    /**
     * Answers the program's StackReferences. Default: a reference to another stack of this project
     * (say production's to staging) is answered with the outputs of that stack's own offline plan.
     */
    readonly stackOutputs?: StackOutputsLookup;
    /**
     * The stack's own outputs from its previous update, which a reference to the stack itself reads
     * back (the release history and the schema record). @default - none: a first update
     */
    readonly previousOutputs?: Record<string, unknown>;
    /**
     * Plans a targeted update (`pulumi up --target`, as `npm run rollback` runs): the resources this
     * answers keep the state they recorded, whatever the program now declares.
     * @default - none: every resource is planned from the program
     */
    readonly untargeted?: RecordedStateLookup;
    /**
     * Plans an update in which these resources' creates fail, as a provider fails a create whose
     * await failed (a Job's `Failed` condition, a rollout past its deadline): the answer is the
     * provider's error. The engine hands the failure to the program, whose SDK rejects the
     * resource's outputs; the plan fails, and its `PlanError` says what registered and which stack
     * outputs were written. @default - none: every create succeeds
     */
    readonly failedCreates?: FailedCreateLookup;
    /**
     * Keeps the outputs of plain plans (no overrides) between processes, so a plan that references
     * another stack of the project (production's promotion reads staging) reads them instead of
     * planning that stack again. @default - none: a referenced stack is planned in this process
     */
    readonly referenceCache?: ReferenceCache;
}

/**
 * Outputs of plain plans, kept between processes by stack name. An entry is used only under the
 * same fingerprint: the stack's config as loaded and the day of the run (`referenceFingerprint`);
 * the cache adds the program's own identity (scripts/plan.ts: the bundle's bytes and the installed
 * packages).
 */
export interface ReferenceCache {
    read(stack: string, fingerprint: string): Record<string, unknown> | undefined;
    write(stack: string, fingerprint: string, outputs: Record<string, unknown>): void;
}

/** The organization the offline plan runs in (the self-managed backend's fixed one). */
export const PLAN_ORGANIZATION = "organization";

/**
 * The SDK prefixes an input's failure once per level it serialized (`error serializing property "k": `,
 * @pulumi/pulumi runtime/rpc.js); a component's outputs nest four deep. One prefix with the path reads
 * better: `error serializing property "outputs.metadata": <cause>`.
 */
function foldSerializingPrefixes(message: string): string {
    const m = /^(?:error serializing property "[^"]*": )+/.exec(message);
    if (m === null) return message;
    const path = [...m[0].matchAll(/error serializing property "([^"]*)": /g)].map((p) => p[1]).join(".");
    return `error serializing property "${path}": ${message.slice(m[0].length)}`;
}

/** The program failed (not a config problem): exit code 1. */
export class PlanError extends Error {
    readonly errors: readonly string[];
    /**
     * What the failed program got to: the names of the resources it registered, and the stack
     * outputs the engine received (undefined when none were sent).
     * @default - not recorded (a failure outside the program run)
     */
    readonly partial?: { readonly registered: readonly string[]; readonly stackOutputs: Record<string, unknown> | undefined };
    constructor(errors: readonly string[], partial?: PlanError["partial"]) {
        const folded = errors.map(foldSerializingPrefixes);
        super(`the program failed:\n${folded.map((e) => `  - ${e}`).join("\n")}`);
        this.errors = folded;
        this.name = "PlanError";
        if (partial !== undefined) this.partial = partial;
    }
}

// The root has a module of its own (plan/root.ts); importers of the engine keep finding it here.
export { REPO_ROOT };

async function defaultProgram(): Promise<Program> {
    // Loaded lazily so a test that passes its own program never pays for the whole one.
    const mod = (await import("../index")) as { default: Program } | Program;
    return typeof mod === "function" ? mod : mod.default;
}

interface MonitorLike {
    registerResource(req: RegisterRequest, cb: (err: unknown, resp: unknown) => void): unknown;
    readResource(req: ReadRequest, cb: (err: unknown, resp: unknown) => void): unknown;
    registerResourceOutputs(req: OutputsRequest, cb: (err: unknown, resp: unknown) => void): unknown;
    newUrn(parent: string, type: string, name: string): string;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean;
    getProvider(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    /** Every direct dependency: explicit `dependsOn` (a component as its custom children) and each input's. */
    getDependenciesList(): string[];
    /** The dependencies of each input property; undefined for a read. */
    getPropertydependenciesMap(): JspbMap<{ getUrnsList(): string[] }> | undefined;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getDeletebeforereplace(): boolean;
    /** Whether the program set `deleteBeforeReplace` at all (an explicit false overrides the provider's choice). */
    getDeletebeforereplacedefined(): boolean;
    getRetainondelete(): boolean;
    hasCustomtimeouts(): boolean;
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
/** The part of google-protobuf's `jspb.Map` the engine reads. */
interface JspbMap<V> {
    forEach(callback: (value: V, key: string) => void): void;
}
interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getId(): string;
    getProperties(): { toJavaScript(): Record<string, unknown> } | undefined;
    getDependenciesList(): string[];
}

/** A read (`StackReference`, `Resource.get`) in the shape of a registration: custom, never protected, no options but its id. */
function readAsRegistration(req: ReadRequest): RegisterRequest & { readonly readId: string } {
    return {
        readId: req.getId(),
        getType: () => req.getType(),
        getName: () => req.getName(),
        getParent: () => req.getParent(),
        getCustom: () => true,
        getProtect: () => false,
        getProvider: () => req.getProvider(),
        getObject: () => req.getProperties(),
        getDependenciesList: () => req.getDependenciesList(),
        getPropertydependenciesMap: () => undefined,
        getIgnorechangesList: () => [],
        getReplaceonchangesList: () => [],
        getDeletebeforereplace: () => false,
        getDeletebeforereplacedefined: () => false,
        getRetainondelete: () => false,
        hasCustomtimeouts: () => false,
        getCustomtimeouts: () => undefined,
    };
}

interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * A resource's URN as the Pulumi engine makes it: the type is qualified by the parent's whole
 * qualified type (`Environment$Database$aws:rds/instance:Instance`), never by the Stack's: pulumi/pulumi
 * sdk/go/common/resource/urn.go `NewURN` (`if parentType != "" && parentType != RootStackType`
 * then `parentType + "$" + type`). The SDK's own `createUrn` (@pulumi/pulumi resource.js, the rule
 * aliases are computed with) follows it, and tests/plan-document.test.ts checks every URN against
 * it; Pulumi's MockMonitor (runtime/mocks.js `newUrn`) does not: it keeps only the parent's last
 * type and prefixes the Stack's, so offline URNs would match no real state.
 */
export function urnOf(parent: string, type: string, name: string, project: string, stack: string): string {
    const parentType = parent ? parent.split("::")[2] : "";
    const qualified = parentType !== "" && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

function optionsOf(req: RegisterRequest & { readonly readId?: string }): ResourceOptionsRecord {
    const o: { -readonly [K in keyof ResourceOptionsRecord]: ResourceOptionsRecord[K] } = {};
    if (req.readId !== undefined) o.id = req.readId;
    if (req.getIgnorechangesList().length > 0) o.ignoreChanges = req.getIgnorechangesList();
    if (req.getReplaceonchangesList().length > 0) o.replaceOnChanges = req.getReplaceonchangesList();
    // Recorded when set either way: an explicit false overrides a provider that asks for delete-first
    // (pulumi/pulumi pkg/resource/deploy/step_generator.go, "The user can override the provider's decision").
    if (req.getDeletebeforereplacedefined() || req.getDeletebeforereplace()) o.deleteBeforeReplace = req.getDeletebeforereplace();
    if (req.getRetainondelete()) o.retainOnDelete = true;
    const t = req.hasCustomtimeouts() ? req.getCustomtimeouts() : undefined;
    if (t && (t.getCreate() || t.getUpdate() || t.getDelete())) {
        o.customTimeouts = {
            ...(t.getCreate() ? { create: t.getCreate() } : {}),
            ...(t.getUpdate() ? { update: t.getUpdate() } : {}),
            ...(t.getDelete() ? { delete: t.getDelete() } : {}),
        };
    }
    return o;
}

/** Each input's dependencies, sorted; inputs with none left out. */
function propertyDependenciesOf(req: RegisterRequest): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    req.getPropertydependenciesMap()?.forEach((deps, key) => {
        const urns = [...new Set(deps.getUrnsList())].sort();
        if (urns.length > 0) out[key] = urns;
    });
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** A rendered value that is plain, known text, else null (no id, a secret, an unknown). */
function plainText(value: unknown): string | null {
    return typeof value === "string" && value !== "" && value !== SECRET_TEXT && value !== UNKNOWN_TEXT ? value : null;
}

/** The value of an Output (the engine reads resolved mocks, so it always settles), or the value itself. */
function settle(value: unknown): Promise<unknown> {
    return pulumi.Output.isInstance(value) ? new Promise<unknown>((r) => value.apply(r)) : Promise.resolve(value);
}

async function urnsOf(deps: unknown): Promise<string[]> {
    const items = await settle(deps);
    const list: unknown[] = Array.isArray(items) ? items : items === undefined ? [] : [items];
    const out: string[] = [];
    for (const item of list) {
        const res = await settle(item);
        if (pulumi.Resource.isInstance(res)) {
            out.push(await new Promise<string>((r) => res.urn.apply(r)));
        }
    }
    return out;
}

/** How long a successful program's registrations may take to finish. */
const DRAIN_TIMEOUT_MS = 30_000;
/**
 * The longest a failed program may keep the event loop busy before the plan stops it anyway (a
 * timer that keeps rescheduling itself); a program that only awaits stops as soon as it is idle.
 */
const FAILURE_SETTLE_LIMIT_MS = 3_000;

// The engine's own waits; the program's timers are the wrapped globals (programTimers).
const engineTimers = { setTimeout, clearTimeout, setImmediate };

/** Pending file and socket requests and open handles, by kind (timers are counted by programTimers). */
function activeRequests(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) {
        if (kind !== "Timeout" && kind !== "Immediate") counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
}

/** True when the process holds a request or handle of a kind it held less of at `baseline` (a read, a socket). */
function busierThan(baseline: ReadonlyMap<string, number>): boolean {
    for (const [kind, n] of activeRequests()) if (n > (baseline.get(kind) ?? 0)) return true;
    return false;
}

/**
 * Counts the timers and immediates started while a plan runs and not yet fired or cleared (those
 * that keep the event loop alive), by wrapping the globals until `restore()`, as the plan already
 * swaps `console`. Node's own count (process.getActiveResourcesInfo) is process-wide and, inside a
 * vitest worker, was seen to miss a pending program timer.
 */
function programTimers(): { pending(): number; restore(): void } {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate };
    const live = new Set<{ hasRef(): boolean }>();
    type Start = (cb: (...a: unknown[]) => void, ...rest: unknown[]) => { hasRef(): boolean };
    const once = (start: Start) => (cb: unknown, ...rest: unknown[]) => {
        if (typeof cb !== "function") return start(cb as never, ...rest);
        const t = start((...a: unknown[]) => {
            live.delete(t);
            (cb as (...a: unknown[]) => void)(...a);
        }, ...rest);
        live.add(t);
        return t;
    };
    const repeating = (start: Start) => (...args: Parameters<Start>) => {
        const t = start(...args);
        live.add(t);
        return t;
    };
    const clear = (stop: (t: never) => void) => (t: unknown) => {
        live.delete(t as { hasRef(): boolean });
        stop(t as never);
    };
    // util.promisify(setTimeout) keeps working: it reads the original's promisified form.
    const promisified = (f: unknown) => ({ [promisify.custom]: (f as Record<symbol, unknown>)[promisify.custom] });
    Object.assign(g, {
        setTimeout: Object.assign(once(saved.setTimeout as unknown as Start), promisified(saved.setTimeout)),
        setImmediate: Object.assign(once(saved.setImmediate as unknown as Start), promisified(saved.setImmediate)),
        setInterval: repeating(saved.setInterval as unknown as Start),
        clearTimeout: clear(saved.clearTimeout),
        clearImmediate: clear(saved.clearImmediate),
        clearInterval: clear(saved.clearInterval),
    });
    return {
        // A timer cleared by its numeric id never leaves `live`; Node marks it destroyed.
        pending: () => [...live].filter((t) => t.hasRef() && (t as { _destroyed?: boolean })._destroyed !== true).length,
        restore: () => Object.assign(g, saved),
    };
}

/**
 * Resolves true once a failed program can make no more progress, false at `limitMs`.
 *
 * The language host does not stop a program at its first unhandled error: it logs each one and
 * "the process will remain alive until the message loop empties" (pulumi/pulumi
 * sdk/nodejs/cmd/run/run.ts, uncaughtHandler and runProgram). Under mocks every RPC is a promise
 * (@pulumi/pulumi runtime/mocks.js MockMonitor: async methods, no timers or sockets), and Node runs
 * every queued microtask, and emits every unhandledRejection they raise, before the next macrotask
 * turn. So the loop is as good as empty when a setImmediate turn finds no timer of the program's
 * pending (`timers`), no request or handle the plan did not start with (`baseline`) and `progress`
 * unchanged since the turn before: a registration still pending then waits on a failed input and
 * never finishes, and no late rejection is left to reach the next plan.
 */
async function quiet(progress: () => string, timers: () => number, baseline: ReadonlyMap<string, number>, limitMs: number): Promise<boolean> {
    const deadline = performance.now() + limitMs;
    let last: string | undefined;
    while (performance.now() < deadline) {
        const busy = timers() > 0 || busierThan(baseline);
        // The program's own timer or I/O: let it run rather than spin on setImmediate.
        await new Promise((r) => (busy ? engineTimers.setTimeout(r, 5) : engineTimers.setImmediate(r)));
        const now = progress();
        if (!busy && timers() === 0 && !busierThan(baseline) && now === last) {
            return true;
        }
        last = now;
    }
    return false;
}

// Pulumi's runtime state is process-global: plans run one at a time.
let queue: Promise<unknown> = Promise.resolve();

/** Config for `stack` as the program would see it; throws `ConfigError` or `PlanInputError`. */
export function stackConfigFor(opts: Pick<PlanOptions, "stack" | "sets" | "secretSets" | "root">): StackConfig {
    return loadStackConfig({ root: opts.root ?? REPO_ROOT, stack: opts.stack, sets: opts.sets, secretSets: opts.secretSets });
}

/**
 * Plans one stack. Throws `ConfigError` (invalid config: nothing registered), `PlanInputError`
 * (bad stack or `--set`) or `PlanError` (the program failed).
 */
export function runPlan(opts: PlanOptions): Promise<Plan> {
    const key = sharing ? sharedPlanKey(opts) : undefined;
    const kept = key === undefined ? undefined : shared.get(key);
    if (kept !== undefined) {
        return kept;
    }
    const run = queue.then(() => planOnce(opts));
    queue = run.catch(() => undefined);
    if (key === undefined) {
        return run;
    }
    const frozenRun = run.then(deepFreeze);
    shared.set(key, frozenRun);
    return frozenRun;
}

let sharing = false;
const shared = new Map<string, Promise<Plan>>();

/**
 * While on, identical requests share one plan (frozen, so no caller can change what the next one
 * sees), failures included. For a test suite, whose files plan the committed stacks with the same
 * options through the CLI, the harness and the policy tests (tests/support/share-plans.ts turns it
 * on in every vitest worker); `npm run plan` never does. Requests with their own program, root,
 * config, previous outputs, lookups or reference cache are planned each time: their answers can
 * change between calls, or a test plans them twice on purpose. Off, every request plans afresh and
 * the plans kept so far wait for it to come back on.
 */
export function sharePlans(on: boolean): void {
    sharing = on;
}

/**
 * True when the plan's program, stack file or state is not the repository's own: another program or
 * stack config, given stack outputs, previous outputs, recorded state or failing creates. Neither a
 * shared plan nor a plain one (`sharedPlanKey`, `isPlain`): a new such option belongs here.
 */
function overridesProgramOrState(opts: PlanOptions): boolean {
    return opts.program !== undefined || opts.stackConfig !== undefined || opts.stackOutputs !== undefined || opts.previousOutputs !== undefined || opts.untargeted !== undefined || opts.failedCreates !== undefined;
}

/** What a shared plan depends on besides the repository's files: the request and the run's day. */
export function sharedPlanKey(opts: PlanOptions): string | undefined {
    if (overridesProgramOrState(opts) || opts.root !== undefined || opts.referenceCache !== undefined) {
        return undefined;
    }
    return JSON.stringify([opts.stack, opts.sets ?? [], opts.secretSets ?? [], opts.preview ?? false, utcDay(runDate())]);
}

/**
 * Two Kubernetes objects of one kind with one name, in one namespace of one cluster: the mocks plan
 * both, the API server creates the first and refuses the second with AlreadyExists, which
 * pulumi-kubernetes reports as "The resource already exists in the cluster" (provider/pkg/await/
 * await.go, Creation; Launchpad does not set the provider's upsertExistingObjects). Objects the
 * provider names itself (no metadata.name) and patches (which edit an existing object) cannot clash.
 */
export function kubernetesNameClashes(resources: readonly Pick<PlannedResource, "urn" | "type" | "custom" | "provider" | "inputs">[]): string[] {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const r of resources) {
        const [pkg, groupVersion, kind] = r.type.split(":");
        const metadata = r.inputs.metadata as { name?: unknown; namespace?: unknown } | undefined;
        const name = metadata?.name;
        if (pkg !== "kubernetes" || !r.custom || kind === undefined || kind.endsWith("Patch") || typeof name !== "string" || name === UNKNOWN_TEXT) {
            continue;
        }
        const group = groupVersion.includes("/") ? groupVersion.slice(0, groupVersion.lastIndexOf("/")) : "core";
        const namespace = typeof metadata?.namespace === "string" ? metadata.namespace : "";
        const key = JSON.stringify([r.provider, group, kind, namespace, name]);
        const first = seen.get(key);
        if (first === undefined) {
            seen.set(key, r.urn);
        } else {
            clashes.push(`${kind} ${JSON.stringify(namespace === "" ? name : `${namespace}/${name}`)} is created by both ${first} and ${r.urn}: the API server refuses the second ("already exists")`);
        }
    }
    return clashes;
}

/**
 * A stack with no frames: the error's name and message. Frames are dropped even when a caller asks
 * for them: @pulumi/pulumi's `Resource.callsites()` (resource.js) raises `Error.stackTraceLimit` to
 * Infinity for every resource to find its source position, which the mock monitor and this engine
 * never read; formatting those frames was about a tenth of a plan's CPU time (`node --cpu-prof`).
 */
function messageOnly(error: Error): string {
    return `${error.name}: ${error.message}`;
}

/** The SDK's static `Resource.stackTrace(skip)`, which every resource's constructor calls once. */
type StackTraceOf = (skip: number) => unknown[];
const sdkResource = pulumi.Resource as unknown as { stackTrace: StackTraceOf };

/**
 * While a plan runs, `Resource.stackTrace` answers `[]` without capturing a stack. The SDK's own
 * (resource.js `callsites`) sets `Error.stackTraceLimit` to Infinity, captures every frame with
 * `new Error()` and parses `.stack`; under `messageOnly` that text has no frames, so it returns `[]`
 * too (tests/plan-engine-stack-trace.test.ts), after capturing some twenty frames for nothing (about
 * 2% of the plan-heaviest files' CPU, `node --cpu-prof`). Returns the function that puts it back.
 */
function noStackTraces(): () => void {
    const before = sdkResource.stackTrace;
    sdkResource.stackTrace = () => [];
    return () => {
        sdkResource.stackTrace = before;
    };
}

async function planOnce(opts: PlanOptions): Promise<Plan> {
    // Pulumi's runtime records a stack trace for every promise it makes (debuggable.js). Under tsx
    // or vitest each one is mapped through source maps, about half of a plan's time. Plans report
    // messages, not stacks, so while one runs stacks are unmapped and hold no frames (measured under
    // vitest: 720 ms per staging plan before, 340 ms after with 4 frames; no frames saves another
    // tenth of a precompiled plan's CPU time).
    const sourceMaps = process.sourceMapsEnabled;
    // Saved only to be put back as it was; never called here.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const prepare = Error.prepareStackTrace;
    process.setSourceMapsEnabled(false);
    Error.prepareStackTrace = messageOnly;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const restoreStructs = lightStructs();
    const restorePromises = lightPromises();
    const restoreStackTraces = noStackTraces();
    try {
        return (await planWithOutputs(opts)).plan;
    } finally {
        restoreStackTraces();
        restoreStructs();
        restorePromises();
        process.setSourceMapsEnabled(sourceMaps);
        Error.prepareStackTrace = prepare;
        Error.stackTraceLimit = limit;
    }
}

/** Raw stack outputs of the committed stacks other plans reference, planned once per process. */
const referencedOutputs = new Map<string, Promise<Record<string, unknown>>>();

/**
 * The stack a plan's promotion rule reads (production's `staging`), answered from that stack's own
 * offline plan when its `Pulumi.<stack>.yaml` is in the project; other names stay unanswered.
 */
async function localStackOutputs(opts: PlanOptions, sc: PlannedConfig): Promise<StackOutputsLookup> {
    const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, secretPaths: sc.secretPaths, offlinePlan: true });
    const source = config.promotion?.fromStack.split("/").pop();
    const root = opts.root ?? REPO_ROOT;
    if (source === undefined || source === sc.stack) {
        return () => undefined;
    }
    if (!fs.existsSync(path.join(root, `Pulumi.${source}.yaml`))) {
        // Said here, before the program runs, rather than by the mock's refusal under the SDK's wrapping.
        const files = stackFileNames(root) ?? [];
        throw new PlanInputError(`launchpad:promotion.fromStack: the offline plan cannot read stack ${JSON.stringify(config.promotion?.fromStack)}: ` +
            `it answers the promotion's StackReference with that stack's own offline plan, and there is no Pulumi.${source}.yaml in ${root} (${files.length > 0 ? `its stack files are for ${files.join(", ")}` : "it has no stack file"}); ` +
            "pulumi preview and pulumi up read the stack from the backend; check the name");
    }
    // With a cache, the cache is the memory: every plan asks it.
    const key = `${root}\0${source}`;
    let pending = opts.referenceCache === undefined ? referencedOutputs.get(key) : plainOutputs(source, root, opts.referenceCache);
    if (pending === undefined) {
        pending = plainOutputs(source, root, undefined);
        referencedOutputs.set(key, pending);
    }
    const outputs = await pending;
    return (name) => (name.split("/").pop() === source ? outputs : undefined);
}

/**
 * What a plain plan of `sc` depends on besides the program: the stack's config as loaded and the
 * day of the run. The day, not the instant: a reference reads the outputs of the stack's last plan
 * that day (the release history's timestamp among them), as a real one reads its last update's.
 */
export function referenceFingerprint(sc: PlannedConfig, root: string): string {
    const material = [root, sc.project, sc.stack, sc.values, [...sc.secretKeys].sort(), [...(sc.secretPaths ?? [])].sort(), utcDay(runDate())];
    return crypto.createHash("sha256").update(JSON.stringify(material)).digest("hex");
}

/** A plan with nothing but its stack file: the only kind a reference reads and the cache keeps. */
function isPlain(opts: PlanOptions): boolean {
    return (opts.sets ?? []).length === 0 && (opts.secretSets ?? []).length === 0 && !overridesProgramOrState(opts) && opts.preview !== true;
}

/** The raw outputs of a plain plan of `stack`: from the cache when it holds them, else planned (and kept). */
async function plainOutputs(stack: string, root: string, cache: ReferenceCache | undefined): Promise<Record<string, unknown>> {
    const fingerprint = cache === undefined ? undefined : referenceFingerprint(stackConfigFor({ stack, root }), root);
    const kept = fingerprint === undefined ? undefined : cache?.read(stack, fingerprint);
    if (kept !== undefined) {
        return kept;
    }
    return (await planWithOutputs({ stack, root, referenceCache: cache })).rawOutputs;
}

async function planWithOutputs(opts: PlanOptions): Promise<{ plan: Plan; rawOutputs: Record<string, unknown> }> {
    const sc = opts.stackConfig ?? stackConfigFor(opts);
    const others = opts.stackOutputs ?? (await localStackOutputs(opts, sc));
    // The stack's reference to itself reads its previous outputs (release history, schema record).
    const self = qualifiedStackName(sc.stack, PLAN_ORGANIZATION, sc.project);
    const stackOutputs: StackOutputsLookup = (name) => (name === self ? (opts.previousOutputs ?? {}) : others(name));
    const region = typeof sc.values["aws:region"] === "string" ? sc.values["aws:region"] : "us-east-1";
    // The Grafana organization the stack's last up recorded: its data source's state, offline.
    const mocks = new PlanMocks(region, stackOutputs, opts.untargeted, opts.failedCreates, grafanaTargetOf(opts.previousOutputs?.[GRAFANA_TARGET_OUTPUT])?.orgId);
    await pulumi.runtime.setMocks(mocks, sc.project, sc.stack, opts.preview ?? false, PLAN_ORGANIZATION);
    pulumi.runtime.setAllConfig(toRuntimeConfig(sc.values), [...sc.secretKeys]);
    // The one place that tells the config loader it runs offline: placeholders are allowed and
    // listed, absent required secrets stood in. A real run never gets here (config/load.ts).
    // Without previous outputs the self-reference answers {}: the plan's stand-in for a first update,
    // but the record of the live stack is unknown, not empty (the support calendar warns instead of refusing).
    const endOffline = declareOfflinePlan(sc.secretPaths, stackFileNames(opts.root ?? REPO_ROOT), opts.previousOutputs === undefined);
    let result;
    try {
        result = await planOffline(sc, opts);
    } finally {
        endOffline();
    }
    if (opts.referenceCache !== undefined && isPlain(opts)) {
        opts.referenceCache.write(sc.stack, referenceFingerprint(sc, opts.root ?? REPO_ROOT), result.rawOutputs);
    }
    return result;
}

/** The placeholders of the stack's committed pack config, when there is one (config/placeholders.ts packConfigPlaceholders). */
function packPlaceholders(root: string, stack: string, cluster: LaunchpadConfig["cluster"]): Placeholder[] {
    const file = path.join("policies", "config", `${stack}.json`);
    const full = path.join(root, file);
    // eks-public-endpoint-restricted judges the public endpoint of the EKS cluster the plan creates, and only that.
    const publicEksEndpoint = hasPublicEksEndpoint(cluster);
    return fs.existsSync(full) ? packConfigPlaceholders(file, JSON.parse(fs.readFileSync(full, "utf8")), { publicEksEndpoint }) : [];
}

async function planOffline(sc: PlannedConfig, opts: PlanOptions): Promise<{ plan: Plan; rawOutputs: Record<string, unknown> }> {
    // Validate exactly as the program will, before anything registers: a bad config plans nothing.
    // Its warnings are the program's to log, once, when it runs.
    const loaded = loadConfig({ warn: false });
    const placeholders = [...loaded.placeholders, ...packPlaceholders(opts.root ?? REPO_ROOT, sc.stack, loaded.cluster)];

    const registered: { req: RegisterRequest; urn: string; state?: Record<string, unknown>; id?: string }[] = [];
    const outputsByUrn = new Map<string, Record<string, unknown>>();
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    // Every URN the mocks hand out (responses, parents, dependencies) in the engine's form.
    monitor.newUrn = (parent, type, name) => urnOf(parent, type, name, sc.project, sc.stack);
    // The engine refuses a second resource with the same URN, read or registered (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go generateURN, sdk/go/common/diag/errors.go
    // GetDuplicateResourceURNError): the mock monitor accepts it, so a name clash would plan here and
    // fail `pulumi preview`. Like the engine, the second one never registers (and its dependents wait).
    const seenUrns = new Set<string>();
    const duplicate = (urn: string): boolean => {
        if (!seenUrns.has(urn)) {
            seenUrns.add(urn);
            return false;
        }
        onRejection(new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`));
        return true;
    };
    monitor.readResource = (req, cb) => {
        const entry: (typeof registered)[number] = { req: readAsRegistration(req), urn: urnOf(req.getParent(), req.getType(), req.getName(), sc.project, sc.stack) };
        if (duplicate(entry.urn)) {
            return;
        }
        registered.push(entry);
        return read(req, (err, resp) => {
            entry.state = (resp as { getProperties?(): { toJavaScript(): Record<string, unknown> } | undefined } | undefined)?.getProperties?.()?.toJavaScript();
            entry.id = req.getId();
            cb(err, resp);
        });
    };
    monitor.registerResource = (req, cb) => {
        const entry: (typeof registered)[number] = { req, urn: urnOf(req.getParent(), req.getType(), req.getName(), sc.project, sc.stack) };
        if (duplicate(entry.urn)) {
            return;
        }
        registered.push(entry);
        return register(req, (err, resp) => {
            const r = resp as { getObject?(): { toJavaScript(): Record<string, unknown> } | undefined; getId?(): string } | undefined;
            entry.state = r?.getObject?.()?.toJavaScript();
            entry.id = r?.getId?.();
            cb(err, resp);
        });
    };
    monitor.registerResourceOutputs = (req, cb) => {
        outputsByUrn.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
        return registerOutputs(req, cb);
    };

    const explicitDeps: { resource: pulumi.Resource; dependsOn: unknown }[] = [];
    const failures: string[] = [];
    // A config rule checked on values that arrive while the program runs (a StackReference's outputs).
    const configProblems: string[] = [];
    const log: string[] = [];
    let failed: () => void = () => undefined;
    const firstFailure = new Promise<void>((r) => {
        failed = r;
    });
    // What the process held before the program ran (the caller's own sockets and files).
    const baseline = activeRequests();
    const progress = (): string => `${registered.length} ${outputsByUrn.size} ${failures.length} ${log.length}`;
    const onRejection = (reason: unknown): void => {
        if (reason instanceof ConfigError) {
            configProblems.push(...reason.problems);
        }
        failures.push(reason instanceof Error ? reason.message : String(reason));
        failed();
    };
    const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
    const capture = (level: string) => (...args: unknown[]): void => {
        const text = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
        // pulumi.log without an engine prints `<level>: [runtime] <message>` (log/index.js): keep one level.
        log.push(/^(debug|info|warning|error): \[runtime\] /.test(text) ? text.replace(" [runtime]", "") : `${level}: ${text}`);
    };
    process.on("unhandledRejection", onRejection);
    const timers = programTimers();
    let settling: Promise<boolean> | undefined;
    const settled = (): Promise<boolean> => (settling ??= quiet(progress, () => timers.pending(), baseline, FAILURE_SETTLE_LIMIT_MS));
    Object.assign(console, { log: capture("info"), info: capture("info"), warn: capture("warning"), error: capture("error") });
    if (sc.escEnvironment !== undefined) {
        log.push(`warning: Pulumi.${sc.stack}.yaml environment: ${JSON.stringify(sc.escEnvironment)} is not opened by the offline plan (it reaches no Pulumi ESC): ` +
            "config those environments provide reads as unset here; `pulumi preview` opens them");
    }
    try {
        const program = opts.program ?? (await defaultProgram());
        // A resource whose inputs failed never registers, and whatever depends on it waits forever
        // (the SDK resolves its URN only after the RPC). The language host's process exits once its
        // event loop empties after an unhandled error; the plan stops once the program is idle (quiet).
        const stopped = firstFailure.then(settled);
        await Promise.race([stopped, pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                if (args.opts.dependsOn !== undefined) {
                    explicitDeps.push({ resource: args.resource, dependsOn: args.opts.dependsOn });
                }
                return undefined;
            });
            return (await program()) ?? undefined;
        })]);
    } catch (e) {
        if (e instanceof ConfigError) {
            configProblems.push(...e.problems);
        }
        failures.unshift(e instanceof Error ? e.message : String(e));
    }
    try {
        // Drain every registration this plan started, so none of them (or their errors) spill into
        // the next plan. After a failure (before or during the drain) some may never finish: wait
        // until the program is idle instead.
        let drained: boolean;
        if (failures.length > 0) {
            drained = await settled();
        } else {
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<boolean>((r) => {
                timer = engineTimers.setTimeout(() => r(false), DRAIN_TIMEOUT_MS);
            });
            const rpcs = (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().then(() => true, () => true);
            const failedNow = firstFailure.then(settled);
            drained = await Promise.race([rpcs, timeout, failedNow]).finally(() => engineTimers.clearTimeout(timer));
        }
        if (!drained && failures.length === 0) {
            failures.push(`resource registrations did not finish within ${DRAIN_TIMEOUT_MS / 1000} s (an Output that never resolves?)`);
        }
        // Let rejections raised in the last turn reach the handler.
        await new Promise((r) => engineTimers.setImmediate(r));
    } finally {
        timers.restore();
        process.off("unhandledRejection", onRejection);
        Object.assign(console, saved);
    }
    if (configProblems.length > 0) {
        throw new ConfigError(sc.stack, [...new Set(configProblems)]);
    }
    if (failures.length > 0) {
        const stack = registered.find((r) => r.req.getType() === "pulumi:pulumi:Stack")?.urn;
        throw new PlanError([...new Set(failures)], { registered: registered.map((r) => r.req.getName()), stackOutputs: stack !== undefined ? outputsByUrn.get(stack) : undefined });
    }

    const depsByUrn = new Map<string, string[]>();
    for (const { resource, dependsOn } of explicitDeps) {
        const urn = await new Promise<string>((r) => resource.urn.apply(r));
        depsByUrn.set(urn, await urnsOf(dependsOn));
    }

    const stackUrn = registered.find((r) => r.req.getType() === "pulumi:pulumi:Stack")?.urn;
    const resources = registered.map(({ req, urn, state, id }): PlannedResource => {
        const provider = req.getProvider();
        const rendered = renderValue(state ?? {}) as Record<string, Json>;
        return {
            urn,
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || null,
            inputs: renderValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, Json>,
            dependsOn: depsByUrn.get(urn) ?? [],
            dependencies: [...new Set(req.getDependenciesList())].sort(),
            propertyDependencies: propertyDependenciesOf(req),
            protect: req.getProtect(),
            provider: provider ? provider.split("::").slice(0, -1).join("::") : null,
            custom: req.getCustom(),
            registeredOutputs: req.getCustom() ? null : (renderValue(outputsByUrn.get(urn) ?? {}) as Record<string, Json>),
            state: rendered,
            options: optionsOf(req),
            // The mock answers components with an id too; the engine gives them none.
            id: req.getCustom() ? plainText(id) : null,
            arn: plainText(rendered.arn),
        };
    });
    const clashes = kubernetesNameClashes(resources);
    if (clashes.length > 0) {
        throw new PlanError(clashes);
    }
    const rawOutputs = (stackUrn !== undefined ? outputsByUrn.get(stackUrn) : undefined) ?? {};
    const outputs = renderValue(rawOutputs) as Record<string, Json>;
    return { plan: { project: sc.project, stack: sc.stack, resources, outputs, log, placeholders }, rawOutputs };
}
