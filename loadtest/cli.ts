/**
 * npm run loadtest -- --stack staging --service <svc> --scenario <load|stress|soak|spike>
 *                     [--color <blue|green>] [--target <base-url>] [--prometheus <url>] [--push <url>]
 *                     [--json] [--set <key>=<value> ...]
 *
 * Reads the stack's config offline (as `npm run plan` does) and the service's scenario
 * (`launchpad:services.<svc>.performance`). Two modes:
 * - `--target <url>`: runs the scenario here against that URL (a local server, a port-forward) and
 *   prints the verdict; exit 0 pass, 1 fail.
 * - no `--target`: prints the ConfigMap and Job that run it in the stack's namespace against the
 *   color's preview Service, for `kubectl apply -f -`; the Job's log ends with the same report, and
 *   it pushes the verdict to the stack's Pushgateway. Exit 0.
 * Exit 2: the config or the arguments are invalid (a production stack refuses: no profiles there).
 *
 * `--color` defaults to the service's live color in the stack. `--prometheus` defaults, in the Job,
 * to the stack's `launchpad:observability.prometheusUrl` (none with a managed workspace: its API
 * needs SigV4, so give a reachable query URL), and with `--target` to none; `--push` defaults to PUSHGATEWAY_URL, and in the Job to the
 * stack's in-cluster Pushgateway.
 */
import { stringify } from "yaml";
import { ConfigError, parseConfig, type ServiceConfig } from "../config";
import { pushgatewayUrl } from "../components/observability";
import { COLORS, type Color } from "../lib/delivery";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig, PlanInputError } from "../plan/stack-config";
import { failed, parseFlags, runMain, unexpected, type CliResult } from "../scripts/cli";
import { parseTarget, TARGET_EXPECTED, redactCredentials } from "../smoke/runner";
import { bundleLoadtestRunner } from "./bundle";
import { loadtestObjects, previewTarget } from "./job";
import { runSpec, type RunSpec } from "./main";
import { SCENARIOS, type ScenarioName } from "./profile";

export const USAGE =
    "usage: npm run loadtest -- --stack <stack> --service <svc> --scenario <load|stress|soak|spike> [--color <blue|green>] [--target <base-url>] [--prometheus <url>] [--push <pushgateway-url>] [--json] [--set <key>=<value> ...]";

const quote = (v: string): string => JSON.stringify(v);

/** The line that records a passed load scenario for the promotion rule (`launchpad:promotion.requireLoad`). */
export function recordCommand(stack: string, service: string, index: number, image: string): string {
    return `pulumi config set --stack ${stack} --path 'launchpad:services.${service}.performance.loadPassed[${index}]' '${image}'`;
}

export async function loadtestCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, root: string = REPO_ROOT): Promise<CliResult> {
    const parsed = parseFlags(argv, {
        stack: { type: "string", short: "s" },
        service: { type: "string" },
        scenario: { type: "string" },
        color: { type: "string" },
        target: { type: "string" },
        prometheus: { type: "string" },
        push: { type: "string" },
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
        if (v !== undefined && parseTarget(v) === undefined) problems.push(`--${flag}: received ${quote(redactCredentials(v))}; ${TARGET_EXPECTED}`);
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
        const stackPrometheus = config.observability.backend.kind === "prometheus" && f.target === undefined ? config.observability.backend.url : undefined;
        const prometheus = f.prometheus ?? stackPrometheus;
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
            const record = f.scenario === "load" ? recordCommand(config.stack, service.name, service.performance.loadPassed.length, base.image) : undefined;
            const spec: RunSpec = { ...base, pushgateway: f.push ?? pushgatewayUrl(namespace), ...(record !== undefined ? { record } : {}) };
            return { code: 0, stdout: jobManifest(service, color, config.project, spec), stderr: jobNote(argv, service, color, f.scenario as string, namespace) };
        }
        const push = f.push ?? (env.PUSHGATEWAY_URL === "" ? undefined : env.PUSHGATEWAY_URL);
        const result = await runSpec({ ...base, target: f.target, ...(push !== undefined ? { pushgateway: push } : {}) }, f.json);
        return result;
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
        `#   npm run loadtest -- ${argv.join(" ")} | kubectl apply -f -`,
        `#   kubectl -n ${namespace} logs -f job/${name}`,
        `# Delete job/${name} and configmap/${name} before running the same scenario again.`,
        "",
    ].join("\n");
}

if (require.main === module) {
    runMain((argv) => loadtestCli(argv));
}
