/**
 * npm run loadtest -- --stack staging --service <svc> --scenario <load|stress|soak|spike>
 *                     [--color <blue|green>] [--target <base-url> | --print | --kubeconfig <file>]
 *                     [--prometheus <url|stack>] [--push <url>] [--json] [--set <key>=<value> ...]
 *
 * Reads the stack's config offline (as `npm run plan` does) and the service's scenario
 * (`launchpad:services.<svc>.performance`). Three modes:
 * - default: runs the scenario as a Job in the stack's namespace against the color's preview
 *   Service, through the Kubernetes API (loadtest/cluster.ts), waits for it (bounded by the
 *   scenario's stages plus margins), and prints the verdict from the pod's log as a local run
 *   prints it; the Job pushes it to the stack's Pushgateway. The kubeconfig: `--kubeconfig <file>`,
 *   else the stack's `kubeconfig` output (Automation API, as `npm run rollback` reads it), else
 *   `KUBECONFIG`.
 * - `--print`: prints the ConfigMap and the Job instead, for `kubectl create -f -` (the bundled
 *   runner is larger than a client-side `kubectl apply` can annotate: loadtest/bundle.ts). Exit 0.
 * - `--target <url>`: runs the scenario here against that URL (a local server, a port-forward).
 * Exit codes: 0 pass; 1 fail; 2 the config or the arguments are invalid (a production stack
 * refuses: no profiles there), or no kubeconfig; 3 inconclusive: the Job could not run (namespace
 * missing, access refused, cluster unreachable, a run of the same scenario and color in progress)
 * or its verdict cannot be read (it did not finish in time, its log holds no verdict).
 *
 * `--color` defaults to the service's live color in the stack. `--prometheus` defaults, in the Job,
 * to the stack's own Prometheus (`stack`), and with `--target` to none. The stack's Prometheus is
 * resolved as `npm run promote` resolves it (`prometheusTarget`, scripts/promote.ts):
 * `launchpad:observability.prometheusUrl` as it is, or the stack's AMP workspace (its
 * `prometheusQueryUrl` output) with every query SigV4-signed in the stack's region, by the Job's
 * IRSA role in the cluster, or by the AWS SDK's credential chain here (`--target ... --prometheus
 * stack`). `--push` defaults to PUSHGATEWAY_URL, and in the Job to the stack's in-cluster Pushgateway.
 */
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ConfigError, parseConfig, type ServiceConfig } from "../config";
import { pushgatewayUrl } from "../components/observability";
import { COLORS, type Color } from "../lib/delivery";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig, PlanInputError } from "../plan/stack-config";
import { failed, parseFlags, runMain, unexpected, type CliResult } from "../scripts/cli";
import { parseTarget, TARGET_EXPECTED, redactRefusedUrl } from "../smoke/runner";
import { bundleLoadtestRunner } from "./bundle";
import { runInCluster, type ClusterRunOptions } from "./cluster";
import { loadtestName, loadtestObjects, previewTarget } from "./job";
import { runSpec, type RunSpec } from "./main";
import { SCENARIOS, type ScenarioName } from "./profile";
import { noWorkspaceReason, prometheusTarget } from "../scripts/promote";
import type { PrometheusTarget } from "../scripts/prometheus";

/** `--prometheus stack`: the stack's own Prometheus, as `npm run promote` resolves it. */
export const STACK_PROMETHEUS = "stack";

export const USAGE =
    "usage: npm run loadtest -- --stack <stack> --service <svc> --scenario <load|stress|soak|spike> [--color <blue|green>] [--target <base-url> | --print | --kubeconfig <file>] [--prometheus <url|stack>] [--push <pushgateway-url>] [--json] [--set <key>=<value> ...]";

const quote = (v: string): string => JSON.stringify(v);

export interface LoadtestDeps {
    /**
     * The stack's `kubeconfig` output, or undefined when the stack has none or its outputs cannot be read.
     * @default - none: `KUBECONFIG` or `--kubeconfig` only (the entry point reads it with the Automation API)
     */
    readonly stackKubeconfig?: (stack: string) => Promise<string | undefined>;
    /**
     * The stack's outputs, or undefined when they cannot be read: an AMP stack's query URL is its
     * `prometheusQueryUrl` output.
     * @default - none: an AMP stack's server side is not judged (a warning says so)
     */
    readonly stackOutputs?: (stack: string) => Promise<Record<string, { value: unknown }> | undefined>;
    /** Polling and time bounds of the in-cluster run. @default - `runInCluster`'s */
    readonly cluster?: Omit<ClusterRunOptions, "json">;
}

/** The kubeconfig of the run: `--kubeconfig`, else the stack's output, else `KUBECONFIG`; a string is the reason there is none. */
async function kubeConfigFor(stack: string, file: string | undefined, env: NodeJS.ProcessEnv, deps: LoadtestDeps): Promise<{ kc: k8s.KubeConfig; from: string } | string> {
    const kc = new k8s.KubeConfig();
    if (file !== undefined) {
        kc.loadFromFile(file);
        return { kc, from: `--kubeconfig ${file}` };
    }
    const output = await deps.stackKubeconfig?.(stack);
    if (output !== undefined && output !== "") {
        kc.loadFromString(output);
        return { kc, from: `stack ${stack}'s kubeconfig output` };
    }
    const files = (env.KUBECONFIG ?? "").split(path.delimiter).filter((p) => p !== "");
    if (files.length > 0) {
        // As kubectl merges a list: the first file's current context, the others' entries added.
        kc.loadFromFile(files[0]);
        for (const file of files.slice(1)) {
            const more = new k8s.KubeConfig();
            more.loadFromFile(file);
            kc.mergeConfig(more, true);
        }
        return { kc, from: `KUBECONFIG ${files.join(path.delimiter)}` };
    }
    return `no kubeconfig: stack ${stack} has no readable kubeconfig output (pulumi login, and pulumi up the stack) and KUBECONFIG is not set; give --kubeconfig <file>, or --print to apply the Job yourself, or --target <url> to run here`;
}

export async function loadtestCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, root: string = REPO_ROOT, deps: LoadtestDeps = {}): Promise<CliResult> {
    const parsed = parseFlags(argv, {
        stack: { type: "string", short: "s" },
        service: { type: "string" },
        scenario: { type: "string" },
        color: { type: "string" },
        target: { type: "string" },
        prometheus: { type: "string" },
        push: { type: "string" },
        print: { type: "boolean", default: false },
        kubeconfig: { type: "string" },
        json: { type: "boolean", default: false },
        set: { type: "string", multiple: true, default: [] },
    }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const f = parsed.flags;
    const problems: string[] = [];
    for (const flag of ["stack", "service", "scenario"] as const) {
        if (f[flag] === undefined) problems.push(`--${flag}: received nothing; expected a value (it is required)`);
    }
    if (f.scenario !== undefined && !(SCENARIOS as readonly string[]).includes(f.scenario)) {
        problems.push(`--scenario: received ${quote(f.scenario)}; expected one of ${SCENARIOS.map(quote).join(", ")}`);
    }
    if (f.color !== undefined && !(COLORS as readonly string[]).includes(f.color)) {
        problems.push(`--color: received ${quote(f.color)}; expected one of ${COLORS.map(quote).join(", ")}`);
    }
    for (const flag of ["target", "prometheus", "push"] as const) {
        const v = f[flag];
        if (flag === "prometheus" && v === STACK_PROMETHEUS) continue;
        if (v !== undefined && parseTarget(v) === undefined) problems.push(`--${flag}: received ${quote(redactRefusedUrl(v))}; ${TARGET_EXPECTED}`);
    }
    const modes = (["target", "print", "kubeconfig"] as const).filter((m) => f[m] !== undefined && f[m] !== false);
    if (modes.length > 1) {
        problems.push(`${modes.map((m) => `--${m}`).join(", ")}: received together; expected at most one (--target runs here, --print prints the Job, --kubeconfig runs it in the cluster)`);
    }
    if (problems.length > 0) {
        return failed(2, `${problems.join("\n")}\n${USAGE}\n`);
    }
    try {
        const sc = loadStackConfig({ root, stack: f.stack as string, sets: f.set });
        const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        if (!config.safety.allowPerformanceTests) {
            return failed(2, `--stack: received ${quote(config.stack)}; expected a stack whose tier runs performance tests (staging): a ${config.tier} stack carries no profiles, and its candidate shares its database\n`);
        }
        const service = config.services.find((s) => s.name === f.service);
        if (service === undefined || service.performance === undefined) {
            return failed(2, `--service: received ${quote(String(f.service))}; expected one of ${config.services.map((s) => quote(s.name)).join(", ")}\n`);
        }
        const color = (f.color as Color | undefined) ?? service.activeColor;
        const scenario = service.performance.scenarios[f.scenario as ScenarioName];
        const namespace = config.cluster.namespace;
        // The stack's Prometheus watches the stack's pods: a run against a local --target judges the server only when asked.
        const wanted = f.prometheus ?? (f.target === undefined ? STACK_PROMETHEUS : undefined);
        let prometheus: PrometheusTarget | undefined;
        let notice = "";
        if (wanted === STACK_PROMETHEUS) {
            // An existing cluster has no workspace to read: only prometheusUrl gives it a Prometheus.
            const noWorkspace = noWorkspaceReason(config);
            const outputs = config.observability.backend.kind === "prometheus" || noWorkspace !== undefined ? {} : await deps.stackOutputs?.(config.stack);
            prometheus = prometheusTarget(config, outputs ?? {});
            if (prometheus === undefined && f.prometheus !== undefined) {
                return failed(2, `--prometheus: received "stack"; expected a stack with a Prometheus to query: ${noWorkspace ?? `stack ${config.stack}'s prometheusQueryUrl output cannot be read (pulumi login, and pulumi up the stack), and launchpad:observability.prometheusUrl is not set`}\n`);
            }
            if (prometheus === undefined) {
                notice = `warning: the server side will not be judged: ${noWorkspace ?? `stack ${config.stack}'s prometheusQueryUrl output cannot be read (pulumi login, and pulumi up the stack)`}; give --prometheus <url> to judge it against another\n`;
            }
        } else if (wanted !== undefined) {
            prometheus = { url: wanted };
        }
        const base: RunSpec = {
            service: service.name,
            color,
            namespace,
            target: previewTarget(service.name, color, namespace),
            image: service.releases[color].image,
            scenario,
            server: service.performance.server,
            ...(prometheus !== undefined ? { prometheus } : {}),
            appMetrics: { ...config.observability.metrics },
        };
        if (f.target === undefined) {
            // An operator's run informs; it verifies no release (the load gate does: performance.loadGate).
            const spec: RunSpec = { ...base, pushgateway: f.push ?? pushgatewayUrl(namespace) };
            if (f.print) {
                return { code: 0, stdout: jobManifest(service, color, config.project, spec), stderr: notice + jobNote(argv, service, color, f.scenario as string, namespace) };
            }
            let kube: Awaited<ReturnType<typeof kubeConfigFor>>;
            try {
                kube = await kubeConfigFor(config.stack, f.kubeconfig, env, deps);
            } catch (e) {
                // A missing or malformed file: the client's own message names it.
                return failed(2, `the kubeconfig cannot be read: ${(e as Error).message}\n`);
            }
            if (typeof kube === "string") {
                return failed(2, `${kube}\n`);
            }
            const objects = loadtestObjects(service, color, config.project, spec, bundleLoadtestRunner());
            const r = await runInCluster(kube.kc, objects, spec, { ...deps.cluster, json: f.json });
            return { ...r, stderr: `${notice}# the ${f.scenario} scenario of ${service.name} as job/${loadtestName(service.name, color, scenario.name)} in ${namespace} against the ${color} preview Service (kubeconfig: ${kube.from})\n${r.stderr}` };
        }
        const push = f.push ?? (env.PUSHGATEWAY_URL === "" ? undefined : env.PUSHGATEWAY_URL);
        const result = await runSpec({ ...base, target: f.target, ...(push !== undefined ? { pushgateway: push } : {}) }, f.json);
        return { ...result, stderr: notice + result.stderr };
    } catch (e) {
        if (e instanceof ConfigError) return failed(2, `${e.message}\n`);
        if (e instanceof PlanInputError) return failed(2, `error: ${e.message}\n`);
        return unexpected(e);
    }
}

function jobManifest(service: ServiceConfig, color: Color, project: string, spec: RunSpec): string {
    const o = loadtestObjects(service, color, project, spec, bundleLoadtestRunner());
    // No anchors: the labels appear twice, and a reader of the manifest should see them twice.
    const yaml = (v: unknown): string => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
    return `${yaml(o.configMap)}---\n${yaml(o.job)}`;
}

function jobNote(argv: readonly string[], service: ServiceConfig, color: Color, scenario: string, namespace: string): string {
    const name = `${service.name}-${color}-loadtest-${scenario}`;
    return [
        `# The ${scenario} scenario of ${service.name} as a Job against the ${color} preview Service. Run it with:`,
        `#   npm run loadtest -- ${argv.join(" ")} | kubectl create -f -`,
        `#   kubectl -n ${namespace} logs -f job/${name}`,
        `# Delete job/${name} and configmap/${name} before running the same scenario again.`,
        "",
    ].join("\n");
}

if (require.main === module) {
    // One read of the stack's outputs (Automation API) serves the kubeconfig and the AMP query URL.
    let outputs: Promise<Record<string, { value: unknown }> | undefined> | undefined;
    const stackOutputs = (stack: string): Promise<Record<string, { value: unknown }> | undefined> => {
        outputs ??= (async () => {
            // Loaded here only: the Automation API drives the Pulumi CLI, which tests never need.
            try {
                const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
                return await (await LocalWorkspace.selectStack({ stackName: stack, workDir: REPO_ROOT })).outputs();
            } catch {
                // No Pulumi CLI, no login, no such stack: KUBECONFIG or --kubeconfig may still reach the cluster.
                return undefined;
            }
        })();
        return outputs;
    };
    runMain((argv) => loadtestCli(argv, process.env, REPO_ROOT, {
        stackOutputs,
        stackKubeconfig: async (stack) => {
            const v: unknown = (await stackOutputs(stack))?.kubeconfig?.value;
            return typeof v === "string" ? v : undefined;
        },
    }));
}
