/**
 * The performance runner's entry: runs one scenario from a spec file and prints the verdict. Bundled
 * by `loadtest/bundle.ts` into the Job that `npm run loadtest -- --stack staging` runs (node
 * built-ins only at run time), and called in-process by `npm run loadtest -- --target`.
 *
 *     node runner.cjs --spec <spec.json> [--target <base-url>] [--json]
 *
 * Exit codes: 0 pass; 1 fail; 2 invalid spec or arguments (nothing was sent). Output: readable
 * lines then one JSON line (the last line of stdout); with `--json`, that line alone. With a
 * Prometheus, one progress line per poll goes to stderr while the stages run (`./watch`), and a
 * check failed for good stops the run early. A failed push or Prometheus query is reported on
 * stderr; a server judgement that fails (the Prometheus given does not answer) fails every scenario's
 * verdict, the soak's also for want of its leak check. Before the first stage it waits, up to SMOKE_CONNECT_WAIT_SECONDS (default 60), for the
 * target to accept a connection, as the gate does (`../smoke/reach`).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { awaitTarget } from "../smoke/reach";
import { FAILURE_KINDS, parseTarget, redactCredentials, redactRefusedUrl, runAsMain, TARGET_EXPECTED } from "../smoke/runner";
import type { Scenario, ServerBounds } from "./profile";
import { loadtestPushUrl, pushMetrics, renderLoadtestMetrics } from "./push";
import { runScenario, type Figures, type RunOptions, type RunReport } from "./runner";
import { dbConnectionsQuery, judgeServer, usersEndMs, type AppMetrics, type Bound, type ServerFinding, type SpikeJudgement } from "./server";
import { parseThresholds, type Threshold } from "./thresholds";
import { judge, type Verdict } from "./verdict";
import { prometheusGet, type PrometheusTarget } from "../scripts/prometheus";
import { prometheusQueries, watchRun, type EarlyStop } from "./watch";

/** What one run needs; `npm run loadtest` writes it from the stack's config. */
export interface RunSpec {
    readonly service: string;
    readonly color: string;
    readonly namespace: string;
    /** The color's preview Service, unless `--target` overrides it. */
    readonly target: string;
    /** The image the color runs, for the report. */
    readonly image: string;
    readonly scenario: Scenario;
    readonly server: ServerBounds;
    /**
     * The stack's Prometheus: its query URL, and for an AMP workspace the region to sign in (SigV4,
     * service `aps`, credentials from the AWS SDK's default chain: in the Job, the IRSA role's web
     * identity). @default - no server-side judgement
     */
    readonly prometheus?: PrometheusTarget;
    /** The application's metrics, for the pool's connections and the spike's server-side recovery. @default - the client's recovery only, and no connection bound without `server.dbConnectionsQuery` */
    readonly appMetrics?: AppMetrics;
    /** Pushgateway URL. @default - no push */
    readonly pushgateway?: string;
}

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export const EXIT = { pass: 0, fail: 1, invalid: 2 } as const;
const USAGE = "usage: node runner.cjs --spec <spec.json> [--target <base-url>] [--json]";

/** The full result, the last line of stdout. */
export interface LoadtestSummary extends Verdict {
    readonly service: string;
    readonly color: string;
    readonly image: string;
    readonly run: RunReport;
    /** Null when no Prometheus was given. */
    readonly server: readonly ServerFinding[] | null;
    /** The server-side watch stopped the run: when and on which finding. Absent from runs before the watch. @default null */
    readonly stoppedEarly?: EarlyStop | null;
    /**
     * Why the server side was not judged though a Prometheus was given (its queries failed): the
     * verdict then fails, as a color with no series fails. @default - absent: judged, or no Prometheus given
     */
    readonly serverError?: string;
}

export interface RunSpecOptions extends RunOptions {
    /** Seconds between the watch's polls. @default WATCH_INTERVAL_SECONDS (30, the stack's scrape interval) */
    readonly watchIntervalSeconds?: number;
    /** Where progress lines and per-poll warnings go, as they happen. @default - stderr */
    readonly progress?: (line: string) => void;
}

/** The spec's problems, in the config's wording; empty when it can run. */
export function specProblems(spec: RunSpec): string[] {
    const out: string[] = [];
    if (parseTarget(spec.target) === undefined) out.push(`target: received ${JSON.stringify(redactRefusedUrl(String(spec.target)))}; ${TARGET_EXPECTED}`);
    const prom = spec.prometheus as Partial<PrometheusTarget> | undefined;
    if (prom !== undefined && (typeof prom !== "object" || prom === null || typeof prom.url !== "string" || parseTarget(prom.url) === undefined)) {
        // The refused url masked up to its last "@", as the target above: a "/" in its password makes it
        // invalid, and redactCredentials, which stops at the first "/", would leave the password in.
        const shown = typeof prom === "object" && prom !== null && typeof prom.url === "string" ? { ...prom, url: redactRefusedUrl(prom.url) } : prom;
        out.push(`prometheus: received ${redactCredentials(JSON.stringify(shown))}; expected { url, sigV4Region? } with url ${TARGET_EXPECTED.replace(/^expected /, "")}`);
    }
    if (prom?.sigV4Region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(String(prom.sigV4Region))) {
        out.push(`prometheus.sigV4Region: received ${JSON.stringify(prom.sigV4Region)}; expected an AWS region such as "eu-west-1"`);
    }
    const s = spec.scenario as Partial<Scenario> | undefined;
    const stages: unknown = s?.stages;
    const isStage = (st: unknown): boolean => {
        const o = st as { durationMs?: unknown; target?: unknown } | null;
        return o !== null && typeof o === "object" && Number.isFinite(o.durationMs) && Number.isInteger(o.target) && (o.target as number) >= 0;
    };
    if (!Array.isArray(stages) || stages.length === 0 || !stages.every(isStage)) {
        out.push("scenario.stages: expected a list of { duration, durationMs, target }");
    }
    if (s === undefined || !Array.isArray(s.checks) || s.checks.length === 0) {
        out.push("scenario.checks: expected at least one check");
    }
    try {
        parseThresholds(s?.thresholds ?? {});
    } catch (e) {
        out.push(`scenario.${(e as Error).message}`);
    }
    return out;
}

const ms = (v: number | null): string => (v === null ? "n/a" : `${v.toFixed(1)} ms`);
const pct = (r: number): string => `${Number((r * 100).toFixed(2))}%`;
const errs = (f: Figures): string => FAILURE_KINDS.filter((k) => f.errorsByKind[k] !== undefined).map((k) => `${f.errorsByKind[k]} ${k}`).join(", ") || "none";

function row(cells: readonly string[], widths: readonly number[]): string {
    return cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
}

/** The readable report, without the JSON line. */
export function renderReport(s: LoadtestSummary): string {
    const r = s.run;
    const lines = [`loadtest ${r.scenario} of ${s.service} (${s.color}) against ${r.target}: ${r.model} model, ${r.stages.length} stages`];
    const widths = [5, 9, 8, 8, 9, 10, 10, 10, 7, 30];
    lines.push(row(["stage", "users", "duration", "requests", "req/s", "p50", "p95", "p99", "errors", "thresholds"], widths));
    for (const st of r.stages) {
        const th = st.thresholds.map((t) => `${t.expression} ${t.ok ? "✓" : "✗"}`).join(" ");
        lines.push(row([String(st.stage), `${st.fromUsers}→${st.toUsers}`, st.duration, String(st.requests), st.reqPerSec.toFixed(1), ms(st.latencyMs.p50), ms(st.latencyMs.p95), ms(st.latencyMs.p99), pct(st.errorRate), th], widths));
    }
    const o = r.overall;
    lines.push(row(["all", "", `${(r.elapsedMs / 1000).toFixed(1)}s`, String(o.requests), o.reqPerSec.toFixed(1), ms(o.latencyMs.p50), ms(o.latencyMs.p95), ms(o.latencyMs.p99), pct(o.errorRate), o.thresholds.map((t) => `${t.expression} ${t.ok ? "✓" : "✗"}`).join(" ")], widths));
    lines.push(`errors by kind: ${errs(o)}`);
    // Then each stage's, where it had any: which kind broke the breaking point (timeouts, 503s, resets).
    for (const st of r.stages) {
        if (st.failures > 0) lines.push(`  stage ${st.stage}: ${errs(st)}`);
    }
    lines.push(`breaking point: ${r.breakingPoint === null ? "none (every stage held its thresholds)" : `stage ${r.breakingPoint.stage} (${r.breakingPoint.users} users)`}`);
    if (r.recovery !== null) {
        const [first, last] = r.recovery.spikeStages;
        lines.push(`recovery after the spike (stage ${r.recovery.spikeStage}, ${r.recovery.windowMs} ms windows): ${r.recovery.seconds === null ? "not recovered" : `${r.recovery.seconds} s`}`);
        lines.push(`errors during the spike (stage${first === last ? ` ${first}` : `s ${first}-${last}`}): ${r.recovery.errorRate === null ? "n/a" : pct(r.recovery.errorRate)}`);
    }
    if (s.server === null) {
        lines.push(`server: not judged (${s.serverError === undefined ? "no Prometheus" : `Prometheus did not answer: ${s.serverError}`})`);
    } else {
        for (const f of s.server) lines.push(`server ${f.check}: ${f.ok ? "ok" : "FAIL"}: ${f.detail}`);
    }
    lines.push(`verdict: ${s.verdict}`);
    for (const reason of s.reasons) lines.push(`  - ${reason}`);
    return `${lines.join("\n")}\n`;
}

/**
 * The tightest bound the `<` and `<=` thresholds picked set (on `p(95)` or `rate`), with its operator,
 * if the scenario has one: the client judges every threshold of a metric, so the server's own
 * figures are held to the strictest of them, not the first written (k6-docs api-load-testing.md
 * lists `["p(95)<200", "p(95)<50"]`). At one value `<` is the tighter.
 */
export function upperBound(thresholds: readonly Threshold[], pick: (t: Threshold) => boolean, scale = 1): Bound | undefined {
    let best: { value: number; inclusive: boolean } | undefined;
    for (const t of thresholds) {
        if (!pick(t) || (t.operator !== "<" && t.operator !== "<=")) continue;
        const b = { value: t.value / scale, inclusive: t.operator === "<=" };
        if (best === undefined || b.value < best.value || (b.value === best.value && !b.inclusive)) best = b;
    }
    return best === undefined ? undefined : best.inclusive ? best : best.value;
}

/** The spike's server-side judgement, when the run is a spike and the app's metrics are known. */
export function spikeJudgement(spec: RunSpec, run: RunReport, startSeconds: number): SpikeJudgement | undefined {
    if (run.recovery === null || spec.appMetrics === undefined) {
        return undefined;
    }
    const thresholds = parseThresholds(spec.scenario.thresholds);
    return {
        metrics: spec.appMetrics,
        start: startSeconds + run.recovery.spikeStartMs / 1000,
        p95BoundSeconds: upperBound(thresholds, (t) => t.aggregation.method === "p" && t.aggregation.percentile === 95, 1000),
        errorBound: upperBound(thresholds, (t) => t.aggregation.method === "rate"),
    };
}

/** Runs the spec: the scenario, the server judgement, the verdict, the push. */
export async function runSpec(spec: RunSpec, json = false, options: RunSpecOptions = {}): Promise<CliResult> {
    const problems = specProblems(spec);
    if (problems.length > 0) {
        return { code: EXIT.invalid, stdout: "", stderr: `Invalid run spec (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}\n` };
    }
    // The load-test Job's pod is admitted by the target's NetworkPolicy only once the controller has its address (smoke/reach.ts).
    let stderr = await awaitTarget(spec.target, process.env);
    const start = Date.now() / 1000;
    const stop = new AbortController();
    const done = new AbortController();
    const target = spec.prometheus === undefined ? undefined : { prometheus: prometheusGet(spec.prometheus), namespace: spec.namespace, service: spec.service, color: spec.color, ...(spec.appMetrics !== undefined ? { metrics: spec.appMetrics } : {}) };
    const totalSeconds = spec.scenario.stages.reduce((n, st) => n + st.durationMs, 0) / 1000;
    let watching: Promise<EarlyStop | undefined> = Promise.resolve(undefined);
    if (target !== undefined) {
        const dbQuery = target.metrics === undefined ? spec.server.dbConnectionsQuery : dbConnectionsQuery(spec.server, target.metrics, target.namespace, target.service, target.color);
        const line = options.progress ?? ((l: string): void => void process.stderr.write(`${l}\n`));
        const queries = prometheusQueries({ ...target, start, stepSeconds: Math.max(1, Math.round(totalSeconds / 500)), dbQuery, memory: spec.scenario.name === "soak" });
        watching = watchRun(queries, { start, totalSeconds, bounds: spec.server, dbQuery, done: done.signal, line: (l) => line(redactCredentials(l)), ...(options.watchIntervalSeconds !== undefined ? { intervalSeconds: options.watchIntervalSeconds } : {}) })
            .then((s) => {
                if (s !== undefined) stop.abort();
                return s;
            });
    }
    const run = await runScenario(spec.scenario, spec.target, { ...options, signal: stop.signal });
    done.abort();
    const stopped = (await watching) ?? null;
    const end = Date.now() / 1000;
    let server: ServerFinding[] | null = null;
    let serverError: string | undefined;
    if (target !== undefined) {
        try {
            // Stopped early, a soak's window is too short for a slope: the stop is its verdict.
            const leak = spec.scenario.name === "soak" && stopped === null && { until: start + usersEndMs(spec.scenario.stages) / 1000 };
            server = await judgeServer(target, start, end, spec.server, leak, spikeJudgement(spec, run, start));
        } catch (e) {
            serverError = redactCredentials((e as Error).message);
            stderr += `warning: server-side judgement failed: ${serverError}\n`;
        }
    }
    const verdict = judge(spec.scenario, run, spec.server, server, stopped !== null);
    const reasons = [...verdict.reasons];
    if (stopped !== null) {
        reasons.unshift(`stopped early, ${stopped.atSeconds} s into ${totalSeconds} s of stages, by the server-side watch: ${stopped.finding.detail}`);
    } else if (server === null && spec.scenario.name === "soak") {
        // "Zero memory leaks detected" cannot be claimed without the memory series.
        reasons.push("server: the soak's leak check needs Prometheus (no memory series was read)");
    }
    if (serverError !== undefined) {
        // A Prometheus was given and did not answer: restarts and connections are unproven, as with a
        // color that has no series (which fails every check). Passing here would let the load gate
        // mark a release `load: "pass"` for production on the client's figures alone.
        reasons.push(`server: not judged, the Prometheus given did not answer (${serverError}); restarts and database connections are unproven`);
    }
    const summary: LoadtestSummary = {
        verdict: reasons.length === 0 ? "pass" : "fail", reasons, service: spec.service, color: spec.color, image: spec.image, run, server, stoppedEarly: stopped,
        ...(serverError !== undefined ? { serverError } : {}),
    };
    if (spec.pushgateway !== undefined) {
        const problem = await pushMetrics(loadtestPushUrl(spec.pushgateway, spec.service, spec.color, spec.scenario.name), renderLoadtestMetrics(run, summary, end));
        if (problem !== undefined) stderr += `warning: ${redactCredentials(problem)}; the verdict stands\n`;
    }
    const line = `${JSON.stringify(summary)}\n`;
    return { code: summary.verdict === "pass" ? EXIT.pass : EXIT.fail, stdout: json ? line : renderReport(summary) + line, stderr };
}

/** The Job's command. */
export async function mainCli(argv: readonly string[]): Promise<CliResult> {
    let flags;
    try {
        flags = parseArgs({ args: [...argv], options: { spec: { type: "string" }, target: { type: "string" }, json: { type: "boolean", default: false } }, strict: true, allowPositionals: false }).values;
    } catch (e) {
        // The parser quotes a stray argument: a URL with credentials given without its flag must not be shown.
        return { code: EXIT.invalid, stdout: "", stderr: `${redactCredentials((e as Error).message)}\n${USAGE}\n` };
    }
    if (flags.spec === undefined) {
        return { code: EXIT.invalid, stdout: "", stderr: `--spec is required\n${USAGE}\n` };
    }
    let spec: RunSpec;
    try {
        spec = JSON.parse(await readFile(flags.spec, "utf8")) as RunSpec;
    } catch (e) {
        return { code: EXIT.invalid, stdout: "", stderr: `--spec: cannot read ${flags.spec}: ${(e as Error).message}\n` };
    }
    return runSpec(flags.target === undefined ? spec : { ...spec, target: flags.target }, flags.json);
}

if (require.main === module) {
    runAsMain(mainCli);
}
