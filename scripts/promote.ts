/**
 * npm run promote -- --stack <name> --service <svc> [--to <blue|green>] [--analysis <duration>]
 *
 * The switch of `npm run rollback` (same preconditions, same targeted update with the policy pack),
 * then a post-switch analysis, as Argo Rollouts' blueGreen `postPromotionAnalysis` does without a
 * controller: every interval for the analysis window it queries the stack's Prometheus for the live
 * color's error ratio and p95 latency, with the alert catalogue's own queries
 * (observability/alerts.ts) over the time since the switch (`checkWindow`), judged by the stack's
 * alert thresholds tightened to the tier's product targets (`analysisThresholds`).
 *
 * Verdicts and exit codes:
 * - 0 passed: no check breached; the release stays live and is in the stack's release history.
 * - 1 failed: a check breached; the same targeted update switched back (which marks the release
 *   `reverted` in the history: it admits nothing there); both measured values are printed. Also 1 when Prometheus cannot be queried: before the switch nothing changes; after it,
 *   the switch goes back (an analysis that cannot run does not pass, as Argo's errored analysis
 *   aborts), and a switch back that fails is reported as such, never as a success.
 * - 3 inconclusive: no check saw the minimum request count (`observability.analysis.minRequests`), nor
 *   any request at all (with a minimum of 0).
 *   Traffic stays on the new color (it passed its smoke gate and nothing measured harms it), but
 *   the release is not called verified: the job fails for a human to decide (accept, or
 *   `npm run rollback`), as Argo pauses on an inconclusive analysis.
 * - 2 bad arguments or config, as rollback.
 */
import type { LaunchpadConfig } from "../config";
import { createsAmpWorkspace } from "../config/cluster";
import { RELEASE_HISTORY_OUTPUT, parseHistory } from "../components/release-history";
import { releaseId } from "../components/blue-green-service";
import type { Color } from "../lib/delivery";
import { ALERT_RATE_WINDOW, alertScope, errorRatioQuery, latencyP95Query, scopedSelector, serviceColorLabels } from "../observability/alerts";
import { durationSeconds } from "../observability/duration";
import { failed, parseFlags, runMain, type CliResult } from "./cli";
import { outboundGet } from "../lib/outbound-http";
import { prometheusQuery, valueFor, type PrometheusQuery, type PrometheusTarget } from "./prometheus";
import { applySwitch, isResult, prepareSwitch, switchWorkspace, type RollbackDeps, type SwitchPlan } from "./rollback";

const USAGE = "usage: npm run promote -- --stack <name> --service <svc> [--to <blue|green>] [--analysis <duration>]";

/** The exit code of an inconclusive analysis (too little traffic to judge). */
export const INCONCLUSIVE_EXIT = 3;

export interface AnalysisSettings {
    readonly windowSeconds: number;
    readonly intervalSeconds: number;
    readonly minRequests: number;
    /** Breach above these: {@link analysisThresholds}. */
    readonly errorRatio: number;
    readonly latencyP95Seconds: number;
}

export interface Measurement {
    /** Requests of the live color over the check's window (`checkWindow`). */
    readonly requests: number;
    readonly errorRatio: number | undefined;
    readonly p95Seconds: number | undefined;
}

export type Verdict = "passed" | "failed" | "inconclusive";

export interface AnalysisResult {
    readonly verdict: Verdict;
    /** The breaching check, or the last one. */
    readonly measurement: Measurement | undefined;
    readonly checks: number;
}

/**
 * The three queries of one check over `window`: the alert catalogue's error ratio and p95, and the
 * request count over the same window.
 */
export function analysisQueries(config: LaunchpadConfig, window: string = ALERT_RATE_WINDOW): { requests: string; errorRatio: string; p95: string } {
    const m = config.observability.metrics;
    // On a shared Prometheus, this stack's namespace only: another stack's api/blue is not ours.
    const scope = alertScope(config);
    return {
        requests: `sum by (${serviceColorLabels(m)}) (increase(${scopedSelector(scope, m.requestsTotal)}[${window}]))`,
        errorRatio: errorRatioQuery(m, window, serviceColorLabels(m), scope),
        p95: latencyP95Query(m, window, scope),
    };
}

/**
 * The window check `i` (from 1) reads: the time since the switch, up to the alerts' own
 * (`ALERT_RATE_WINDOW`). Before the switch the new color already served requests through its
 * preview Service, its own metrics counting them: its smoke gate's (`requests` + `warmupRequests`
 * per check, minutes before promote in deploy.yml) and, in staging, its load gate's. Over the
 * alerts' fixed 5 minutes a check would count those, judge a color no user has reached yet and
 * call it passed. The check comes after `i` sleeps of the interval, so `i` intervals are never
 * longer than the time since the switch.
 */
export function checkWindow(i: number, intervalSeconds: number): string {
    const alerts = durationSeconds(ALERT_RATE_WINDOW);
    const since = i * intervalSeconds;
    // A Prometheus duration has whole numbers only: an interval in milliseconds ("1500ms") gives one in ms.
    return since >= alerts ? ALERT_RATE_WINDOW : Number.isInteger(since) ? `${since}s` : `${Math.floor(since * 1000)}ms`;
}

/**
 * The thresholds a check is judged by: the stack's alert thresholds (`observability.thresholds`, what
 * the same queries page at), tightened to the tier's product targets where the tier has them
 * (`Safety.smokeCeilings`, config/tier.ts: production's p95 < 200 ms and < 1% errors, the loosest its
 * smoke gates may be). A release that passed its gate at 200 ms but serves live traffic at 400 ms
 * misses the users' target and is switched back, though it would not page.
 */
export function analysisThresholds(config: Pick<LaunchpadConfig, "observability" | "safety">): Pick<AnalysisSettings, "errorRatio" | "latencyP95Seconds"> {
    const alerts = config.observability.thresholds;
    const targets = config.safety.smokeCeilings;
    return {
        errorRatio: Math.min(alerts.errorRatio, targets?.errorRate ?? Number.POSITIVE_INFINITY),
        latencyP95Seconds: Math.min(alerts.latencyP95Seconds, targets !== undefined ? targets.p95Ms / 1000 : Number.POSITIVE_INFINITY),
    };
}

/** One check of the live color over `window`: its request count, error ratio and p95. Throws when Prometheus fails. */
export async function measure(query: PrometheusQuery, config: LaunchpadConfig, service: string, color: Color, window: string = ALERT_RATE_WINDOW): Promise<Measurement> {
    const q = analysisQueries(config, window);
    const m = config.observability.metrics;
    const labels = { [m.serviceLabel]: service, [m.colorLabel]: color };
    const [requests, errorRatio, p95] = await Promise.all([query(q.requests), query(q.errorRatio), query(q.p95)]);
    const finite = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) ? v : undefined);
    return { requests: valueFor(requests, labels) ?? 0, errorRatio: finite(valueFor(errorRatio, labels)), p95Seconds: finite(valueFor(p95, labels)) };
}

/** A breach, by the alerts' own comparison (`>` the threshold); undefined when the check is within bounds. */
export function breach(m: Measurement, s: AnalysisSettings): boolean {
    return (m.errorRatio ?? 0) > s.errorRatio || (m.p95Seconds ?? 0) > s.latencyP95Seconds;
}

export const describeMeasurement = (m: Measurement, s: AnalysisSettings, window: string = ALERT_RATE_WINDOW): string =>
    `error ratio ${m.errorRatio === undefined ? "none" : m.errorRatio.toFixed(4)} (threshold ${s.errorRatio}), ` +
    `p95 ${m.p95Seconds === undefined ? "none" : `${m.p95Seconds.toFixed(3)} s`} (threshold ${s.latencyP95Seconds} s), ${Math.round(m.requests)} requests in ${window}`;

/**
 * Checks every interval until the window is over, each over the time since the switch
 * (`checkWindow`); stops at the first breach. A check below the minimum request count, or with no
 * request at all, judges nothing; when none reached it, the verdict is inconclusive.
 */
export async function analyse(
    check: (window: string) => Promise<Measurement>,
    s: AnalysisSettings,
    sleep: (ms: number) => Promise<void>,
    log: (line: string) => void,
): Promise<AnalysisResult> {
    const checks = Math.max(1, Math.floor(s.windowSeconds / s.intervalSeconds));
    let judged = 0;
    let last: Measurement | undefined;
    for (let i = 1; i <= checks; i++) {
        await sleep(s.intervalSeconds * 1000);
        const window = checkWindow(i, s.intervalSeconds);
        last = await check(window);
        // No request at all judges nothing, whatever the minimum (`minRequests: 0` included): its error ratio and p95 are
        // no values (0/0), and a window without traffic would otherwise pass a release no user reached.
        const enough = last.requests > 0 && last.requests >= s.minRequests;
        const why = last.requests < s.minRequests ? `below the minimum of ${s.minRequests}` : "no requests";
        log(`check ${i}/${checks}: ${describeMeasurement(last, s, window)}${enough ? "" : ` (${why}: not judged)`}`);
        if (!enough) continue;
        judged++;
        if (breach(last, s)) {
            return { verdict: "failed", measurement: last, checks: i };
        }
    }
    return { verdict: judged > 0 ? "passed" : "inconclusive", measurement: last, checks };
}

/**
 * The stack's Prometheus: `observability.prometheusUrl` as it is, or its own AMP workspace (the
 * `prometheusQueryUrl` output), signed; undefined without either (`noWorkspaceReason` says when
 * there can be none).
 */
export function prometheusTarget(config: LaunchpadConfig, outputs: Record<string, { value: unknown }>): PrometheusTarget | undefined {
    const backend = config.observability.backend;
    if (backend.kind === "prometheus") {
        return { url: backend.url };
    }
    if (noWorkspaceReason(config) !== undefined) {
        return undefined;
    }
    const url = outputs.prometheusQueryUrl?.value;
    return typeof url === "string" && url !== "" ? { url, sigV4Region: config.region } : undefined;
}

/**
 * Why the stack can have no Prometheus, whatever its outputs say: an existing cluster gets no AMP
 * workspace (`createsAmpWorkspace`), so only `observability.prometheusUrl` gives it one; `pulumi up`
 * never will. Undefined where the workspace's `prometheusQueryUrl` output is the answer.
 */
export function noWorkspaceReason(config: LaunchpadConfig): string | undefined {
    const backend = config.observability.backend;
    return backend.kind === "amp" && !createsAmpWorkspace(config.cluster, backend)
        ? `stack ${config.stack} runs on an existing cluster (launchpad:cluster.kubeconfig), which gets no AMP workspace, and launchpad:observability.prometheusUrl is not set: set it to the query URL of the team's Prometheus (\`pulumi config set --path launchpad:observability.prometheusUrl <url> --stack ${config.stack}\`)`
        : undefined;
}

export interface PromoteDeps extends RollbackDeps {
    /** @default - `prometheusQuery` through lib/outbound-http.ts (the environment's proxy, as the AWS CLI's), SigV4 for AMP */
    prometheus?: (target: PrometheusTarget) => PrometheusQuery;
    /** @default - setTimeout */
    sleep?: (ms: number) => Promise<void>;
}

export async function promote(argv: readonly string[], deps: PromoteDeps): Promise<CliResult> {
    const parsed = parseFlags(argv, { stack: { type: "string" }, service: { type: "string" }, to: { type: "string" }, analysis: { type: "string" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    if (parsed.flags.stack === undefined || parsed.flags.service === undefined) {
        const missing = [parsed.flags.stack === undefined ? "--stack" : [], parsed.flags.service === undefined ? "--service" : []].flat();
        return failed(2, `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required${parsed.flags.service === undefined ? ": promote analyses one service's live color" : ""}\n${USAGE}\n`);
    }
    let windowOverride: number | undefined;
    if (parsed.flags.analysis !== undefined) {
        try {
            windowOverride = durationSeconds(parsed.flags.analysis);
        } catch {
            windowOverride = Number.NaN;
        }
        if (!Number.isFinite(windowOverride) || windowOverride <= 0) {
            return failed(2, `--analysis: received ${JSON.stringify(parsed.flags.analysis)}; expected a Prometheus duration longer than zero, such as "10m"\n`);
        }
    }
    const plan = await prepareSwitch(parsed.flags, USAGE, deps);
    if (isResult(plan)) {
        return plan;
    }
    const service = plan.moving[0];
    const from = service.activeColor;
    const to = plan.target;
    const analysis = plan.config.observability.analysis;
    const settings: AnalysisSettings = {
        windowSeconds: windowOverride ?? durationSeconds(analysis.window),
        intervalSeconds: Math.min(durationSeconds(analysis.interval), windowOverride ?? Number.POSITIVE_INFINITY),
        minRequests: analysis.minRequests,
        ...analysisThresholds(plan.config),
    };
    const outputs = await plan.stack.outputs();
    const target = prometheusTarget(plan.config, outputs);
    if (target === undefined) {
        const why = noWorkspaceReason(plan.config);
        return failed(1, `${plan.warnings.join("")}refused before any change: ${why !== undefined ? `no Prometheus to analyse with: ${why}` : `stack ${plan.stackName} has no Prometheus to analyse with (no prometheusQueryUrl output and no launchpad:observability.prometheusUrl): deploy the stack with pulumi up first`}\n`);
    }
    const query = (deps.prometheus ?? ((t: PrometheusTarget) => prometheusQuery(t, undefined, outboundGet())))(target);
    const out: string[] = [...plan.lines];
    const err: string[] = [...plan.warnings];
    // Prometheus must answer before anything moves: an analysis that cannot run must not start.
    try {
        await measure(query, plan.config, service.name, from);
    } catch (e) {
        return failed(1, `${err.join("")}refused before any change: Prometheus at ${target.url} cannot be queried (${(e as Error).message}): the analysis could not run\n`);
    }
    const onOutput = deps.onOutput ?? (() => undefined);
    try {
        await applySwitch(plan, to, onOutput);
    } catch (e) {
        return { code: 1, stdout: `${out.join("\n")}\n`, stderr: `${err.join("")}the targeted update failed: ${(e as Error).message}\nthe stack's config now names ${to}; run \`pulumi up --stack ${plan.stackName}\` again, or roll back\n` };
    }
    out.push(`switched ${service.name} to ${to}; analysing for ${settings.windowSeconds} s, every ${settings.intervalSeconds} s`);
    let result: AnalysisResult;
    try {
        result = await analyse((window) => measure(query, plan.config, service.name, to, window), settings, deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), (l) => out.push(l));
    } catch (e) {
        err.push(`Prometheus at ${target.url} could not be queried during the analysis (${(e as Error).message}): the analysis did not pass\n`);
        return switchBack(plan, from, onOutput, out, err);
    }
    const m = result.measurement;
    if (result.verdict === "failed" && m !== undefined) {
        err.push(`analysis failed for ${service.name} on ${to}: error ratio ${m.errorRatio ?? "none"} (threshold ${settings.errorRatio}), p95 ${m.p95Seconds ?? "none"} s (threshold ${settings.latencyP95Seconds} s)\n`);
        return switchBack(plan, from, onOutput, out, err);
    }
    if (result.verdict === "inconclusive") {
        out.push(`inconclusive: fewer than ${settings.minRequests} requests in every check; traffic stays on ${to}, not verified: accept it, or run \`npm run rollback -- --stack ${plan.stackName} --service ${service.name}\``);
        return { code: INCONCLUSIVE_EXIT, stdout: `${out.join("\n")}\n`, stderr: err.join("") };
    }
    const history = parseHistory((await plan.stack.outputs())[RELEASE_HISTORY_OUTPUT]?.value)[service.name] ?? [];
    const id = releaseId(service, to);
    const recorded = history[0]?.releaseId === id && history[0].color === to;
    out.push(`passed: ${service.name} ${JSON.stringify(service.releases[to].image)} (release ${id}) stays live on ${to}; ` +
        (recorded ? `recorded in the stack's ${RELEASE_HISTORY_OUTPUT}` : `not yet in the stack's ${RELEASE_HISTORY_OUTPUT}: the next pulumi up records it`));
    out.push(`commit Pulumi.${plan.stackName}.yaml: it now names the live color`);
    return { code: 0, stdout: `${out.join("\n")}\n`, stderr: err.join("") };
}

/** The same targeted update back to `from`; exit 1 either way, and a failed switch back says so. */
async function switchBack(plan: SwitchPlan, from: Color, onOutput: (out: string) => void, out: string[], err: string[]): Promise<CliResult> {
    try {
        await applySwitch(plan, from, onOutput);
        out.push(`switched back to ${from}`);
    } catch (e) {
        err.push(`the switch back to ${from} FAILED: ${(e as Error).message}; traffic may still be on ${plan.target}: run \`npm run rollback -- --stack ${plan.stackName} --service ${plan.moving[0].name} --to ${from}\` now\n`);
    }
    return { code: 1, stdout: `${out.join("\n")}\n`, stderr: err.join("") };
}

if (require.main === module) {
    runMain(async (argv) => {
        // Loaded here only: the Automation API drives the Pulumi CLI, which tests never need.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return promote(argv, {
            selectStack: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }, switchWorkspace()),
            onOutput: (o) => process.stderr.write(o),
        });
    });
}
