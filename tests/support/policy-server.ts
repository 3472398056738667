/**
 * The pack under the real policy runtime: `@pulumi/policy`'s own analyzer server (server.js, the
 * code `pulumi preview --policy-pack` talks to over gRPC), in this process. Its `serve()` runs once
 * with the gRPC server's `addService` captured and `bindAsync` skipped, and the handlers it
 * registers (`configure`, `analyze`, `analyzeStack`) are called with the protobuf requests the CLI
 * sends (pulumi/pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`: properties marshalled
 * with `KeepUnknowns` and `KeepSecrets`). So what the runtime does with an unknown (its proxy throws
 * `UnknownValueError`, which the server turns into an advisory "can't run ... during preview") or a
 * secret (handed over decrypted) is the runtime's own code, not a copy of it.
 *
 * `UNKNOWN` is the wire value of a computed value not known yet (the SDKs' `UnknownStringValue`).
 */
import { createRequire } from "node:module";
import type { PolicyPackConfig } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "../../policies/all";
import type { LaunchpadPolicy } from "../../policies/lib";
import type { PlannedResource } from "./plan";

type AnalyzerPb = typeof import("@pulumi/pulumi/proto/analyzer_pb");
type StructPb = typeof import("google-protobuf/google/protobuf/struct_pb");
type AnalyzeResponse = import("@pulumi/pulumi/proto/analyzer_pb").AnalyzeResponse;

// The copies server.js itself loads, so the messages are the ones it reads.
const policyRequire = createRequire(require.resolve("@pulumi/policy/server"));
const grpc = policyRequire("@grpc/grpc-js") as { Server: { prototype: Record<string, unknown> } };
const proto = policyRequire("@pulumi/pulumi/proto/analyzer_pb") as AnalyzerPb;
const { Struct } = createRequire(policyRequire.resolve("@pulumi/pulumi/proto/analyzer_pb"))("google-protobuf/google/protobuf/struct_pb") as StructPb;
const server = policyRequire("./server") as { serve: (...args: unknown[]) => void };

/** pulumi/pulumi `sdk/go/common/resource/properties.go` UnknownStringValue; @pulumi/policy proxy.js unknownStringValue. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Handler = (call: { request: unknown }, callback: (err: unknown, resp?: unknown) => void) => void;

let handlers: Record<string, Handler> | undefined;

/** The server's handlers, from one `serve()` per process (the runtime allows one pack per process). */
function serverHandlers(): Record<string, Handler> {
    if (handlers !== undefined) return handlers;
    const proto_ = grpc.Server.prototype;
    const { addService, bindAsync } = proto_;
    let captured: Record<string, Handler> | undefined;
    proto_.addService = function (_service: unknown, impl: Record<string, Handler>) {
        captured = impl;
    };
    proto_.bindAsync = () => undefined;
    try {
        server.serve(PACK_NAME, "0.1.0", "mandatory", { policies: [...POLICIES] });
    } finally {
        proto_.addService = addService;
        proto_.bindAsync = bindAsync;
    }
    if (captured === undefined) throw new Error("@pulumi/policy serve() registered no service");
    handlers = captured;
    return handlers;
}

function call(name: string, request: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => serverHandlers()[name]({ request }, (err, resp) => (err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(resp))));
}

const LEVELS: Record<string, AnalyzerPb["EnforcementLevel"][keyof AnalyzerPb["EnforcementLevel"]]> = { advisory: 0, mandatory: 1, remediate: 2, disabled: 3 };

/**
 * Configures the server as the CLI does before a run: every policy's schema defaults under the
 * file's settings and levels (pulumi/pulumi `pkg/resource/analyzer/config.go`,
 * `ReconcilePolicyPackConfig`), sent with `Configure`.
 */
export async function configureServer(pack: PolicyPackConfig, policies: readonly LaunchpadPolicy[] = POLICIES): Promise<void> {
    const req = new proto.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    const all = typeof pack.all === "string" ? pack.all : (pack.all as { enforcementLevel?: string } | undefined)?.enforcementLevel;
    for (const p of policies) {
        const entry = pack[p.name];
        const settings: Record<string, unknown> = typeof entry === "string" ? {} : { ...(entry as Record<string, unknown> | undefined) };
        const level = (typeof entry === "string" ? entry : (settings.enforcementLevel as string | undefined)) ?? all ?? p.enforcementLevel;
        delete settings.enforcementLevel;
        const props: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if (typeof s === "object" && s.default !== undefined) props[k] = s.default;
        }
        const c = new proto.PolicyConfig();
        c.setEnforcementlevel(LEVELS[level]);
        c.setProperties(struct({ ...props, ...settings }));
        map.set(p.name, c);
    }
    await call("configure", req);
}

/** One resource as the CLI hands it to the analyzer; `props` may hold `UNKNOWN` and secrets in their wire form. */
export interface WireResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly parent?: string | null;
    readonly protect?: boolean;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly provider?: { readonly urn: string; readonly type: string; readonly name: string; readonly props: Record<string, unknown> };
}

/** JSON for `Struct.fromJavaScript`: undefined dropped, as the CLI never sends it. */
function wire(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : wire(x)));
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, wire(x)]));
    return v;
}

function struct(v: Record<string, unknown>): InstanceType<StructPb["Struct"]> {
    return Struct.fromJavaScript(wire(v) as Record<string, never>);
}

function options(r: WireResource): InstanceType<AnalyzerPb["AnalyzerResourceOptions"]> {
    const o = new proto.AnalyzerResourceOptions();
    o.setProtect(r.protect ?? false);
    o.setCustomtimeouts(new proto.AnalyzerResourceOptions.CustomTimeouts());
    if (r.parent) o.setParent(r.parent);
    return o;
}

function providerOf(r: WireResource): InstanceType<AnalyzerPb["AnalyzerProviderResource"]> | undefined {
    if (r.provider === undefined) return undefined;
    const p = new proto.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setUrn(r.provider.urn);
    p.setName(r.provider.name);
    p.setProperties(struct(r.provider.props));
    return p;
}

/** What the server answered: each diagnostic's policy, level and message (less the policy's description line). */
export interface Diagnostic {
    readonly policy: string;
    readonly level: "advisory" | "mandatory" | "remediate" | "disabled";
    readonly message: string;
    readonly urn?: string;
}

const LEVEL_NAMES = ["advisory", "mandatory", "remediate", "disabled"] as const;

function diagnostics(resp: AnalyzeResponse): Diagnostic[] {
    return resp.getDiagnosticsList().map((d) => {
        const message = d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage();
        return { policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], message, ...(d.getUrn() ? { urn: d.getUrn() } : {}) };
    });
}

/** The fields an `AnalyzeRequest` and a stack's `AnalyzerResource` share, filled from `r`. */
function fill<M extends InstanceType<AnalyzerPb["AnalyzeRequest"]> | InstanceType<AnalyzerPb["AnalyzerResource"]>>(m: M, r: WireResource): M {
    m.setType(r.type);
    m.setUrn(r.urn);
    m.setName(r.name);
    m.setProperties(struct(r.props));
    m.setOptions(options(r));
    const provider = providerOf(r);
    if (provider !== undefined) m.setProvider(provider);
    return m;
}

/** `Analyze` of one resource (its inputs), as the engine calls it before a step. */
export async function analyze(r: WireResource): Promise<Diagnostic[]> {
    return diagnostics((await call("analyze", fill(new proto.AnalyzeRequest(), r))) as AnalyzeResponse);
}

/** `AnalyzeStack` of every resource (their outputs), as the engine calls it at the end of a run. */
export async function analyzeStack(resources: readonly WireResource[]): Promise<Diagnostic[]> {
    const req = new proto.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => {
        const a = fill(new proto.AnalyzerResource(), r);
        if (r.parent) a.setParent(r.parent);
        a.setDependenciesList([...(r.dependencies ?? [])]);
        const deps = a.getPropertydependenciesMap();
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
            const d = new proto.AnalyzerPropertyDependencies();
            d.setUrnsList([...urns]);
            deps.set(k, d);
        }
        return a;
    }));
    return diagnostics((await call("analyzeStack", req)) as AnalyzeResponse);
}

type PlannedLike = Pick<PlannedResource, "urn" | "type" | "name" | "parent" | "inputs" | "state" | "id" | "custom" | "protect" | "provider" | "dependencies" | "propertyDependencies"> &
    Partial<Pick<PlannedResource, "registeredOutputs">>;

/** A custom resource whose provider computes outputs the preview of a create does not know (not a component, provider or Kubernetes object, whose previews echo their inputs). */
function computesOutputs(r: PlannedLike): boolean {
    return r.custom && !r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:");
}

/** The text values of `r`'s computed outputs: the provider's answers that are not among its inputs (its id, ARN, a generated name). */
function computedTexts(r: PlannedLike): string[] {
    if (!computesOutputs(r)) return [];
    const own = new Set(Object.values(r.inputs).filter((v): v is string => typeof v === "string"));
    const out = new Set<string>();
    for (const [k, v] of Object.entries(r.state)) {
        if (!(k in r.inputs) && typeof v === "string" && v.length >= 6 && v !== "[secret]" && !own.has(v)) out.add(v);
    }
    if (r.id !== null && !own.has(r.id)) out.add(r.id);
    return [...out];
}

function unknownWhere(v: unknown, computed: readonly string[]): unknown {
    if (typeof v === "string") return computed.some((c) => v.includes(c)) ? UNKNOWN : v;
    if (Array.isArray(v)) return v.map((x) => unknownWhere(x, computed));
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknownWhere(x, computed)]));
    return v;
}

/**
 * The first `pulumi preview` of a fresh stack, as the analyzer receives it: every resource is a
 * create, so each computed output (the provider's answers that are not among its inputs: ids, ARNs,
 * a `bucketPrefix` bucket's name) is unknown (pulumi/pulumi `pkg/resource/deploy/step.go`
 * `CreateStep.Apply`: `Create` with `Preview: DryRun`, whose planned state leaves computed values
 * unknown), and so is every input text made from one of a dependency's computed outputs (the SDK
 * sends an input whose Output is unknown as unknown). `analyze` gets inputs (`Analyze`), `stack`
 * the outputs (`AnalyzeResources`: "AnalyzeStack is called on the final outputs"), with parents,
 * dependencies and property dependencies; both with the provider's inputs. A component's outputs
 * are its registered outputs only (step_executor.go `executeRegisterResourceOutputs` replaces the
 * state's outputs, which `generateSteps` left nil, whole), their texts unknown where they contain
 * a created resource's computed text (a component registers what its children computed).
 *
 * An approximation on the cautious side for the pack: a text is unknown when it contains a
 * dependency's computed text (an ARN inside a policy document makes the whole document unknown,
 * as an `apply` does), and lists or objects an `apply` builds whole are unknown only leaf by leaf.
 */
export function firstPreview(resources: readonly PlannedLike[]): { analyze: WireResource[]; stack: WireResource[] } {
    return preview(resources, () => true);
}

/**
 * A preview of a stack that exists, in which only the resources `creates` answers are created
 * (a change that adds them): their computed outputs, and inputs made from those, are unknown as in
 * `firstPreview`; every other resource's outputs are known from the state.
 */
export function preview(resources: readonly PlannedLike[], creates: (r: PlannedLike) => boolean): { analyze: WireResource[]; stack: WireResource[] } {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const computed = new Map(resources.map((r) => [r.urn, creates(r) ? computedTexts(r) : []]));
    const inputs = new Map(resources.map((r) => [r.urn, unknownWhere(r.inputs, r.dependencies.flatMap((d) => computed.get(d) ?? [])) as Record<string, unknown>]));
    const provider = (r: PlannedLike): WireResource["provider"] => {
        const p = r.provider === null ? undefined : byUrn.get(r.provider);
        return p === undefined ? undefined : { urn: p.urn, type: p.type, name: p.name, props: inputs.get(p.urn) ?? {} };
    };
    const base = (r: PlannedLike, props: Record<string, unknown>): WireResource => ({ urn: r.urn, type: r.type, name: r.name, props, protect: r.protect, parent: r.parent, provider: provider(r) });
    const allComputed = [...computed.values()].flat();
    return {
        analyze: resources.map((r) => base(r, inputs.get(r.urn) ?? {})),
        stack: resources.map((r) => {
            const props: Record<string, unknown> = { ...inputs.get(r.urn) };
            if (!r.custom && r.registeredOutputs !== undefined && r.registeredOutputs !== null) {
                return { ...base(r, unknownWhere(r.registeredOutputs, allComputed) as Record<string, unknown>), dependencies: r.dependencies, propertyDependencies: r.propertyDependencies };
            }
            if (computesOutputs(r) && !creates(r)) {
                Object.assign(props, r.state);
            } else if (computesOutputs(r)) {
                for (const k of Object.keys(r.state)) if (!(k in r.inputs)) props[k] = UNKNOWN;
            } else if (r.type.startsWith("kubernetes:") && r.id !== null) {
                // pulumi-kubernetes names an object in Check, so a generated name is known in a preview.
                const metadata = (props.metadata ?? {}) as Record<string, unknown>;
                if (metadata.name === undefined) props.metadata = { ...metadata, name: r.id.split("/").pop() };
            }
            return { ...base(r, props), dependencies: r.dependencies, propertyDependencies: r.propertyDependencies };
        }),
    };
}

/** The same resources fully known (an update after the stack exists), inputs for `analyze`, outputs for `stack`. */
export function known(resources: readonly PlannedLike[]): { analyze: WireResource[]; stack: WireResource[] } {
    const v = preview(resources, () => false);
    return { analyze: v.analyze, stack: resources.map((r, i) => (r.custom ? { ...v.stack[i], props: { ...v.stack[i].props, ...r.state } } : v.stack[i])) };
}

/** Every diagnostic of `Analyze` on each resource, then of `AnalyzeStack`, with the resource's name. */
export async function runPack(view: { analyze: readonly WireResource[]; stack: readonly WireResource[] }): Promise<(Diagnostic & { readonly resource?: string })[]> {
    const out: (Diagnostic & { resource?: string })[] = [];
    for (const r of view.analyze) for (const d of await analyze(r)) out.push({ ...d, resource: r.name });
    out.push(...(await analyzeStack(view.stack)));
    return out;
}
