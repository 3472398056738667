/**
 * npm run bench:smoke [-- --runs N] [--requests N] [--concurrency N] [--markdown] [--write] [--readme <path>]
 *
 * Compares the smoke runner with autocannon against one local HTTP server (`smoke-server.ts`, in a
 * child process so it shares no event loop with the load generators), at the same concurrency and
 * the same number of requests: requests per second and p95 side by side, and their ratios against
 * the targets (runner throughput >= 0.5x autocannon's; runner p95 within 10% of autocannon's,
 * i.e. at most 1.10x). The runner sends `http:` requests with its own raw-socket client
 * (`smoke/transport.ts`). Two diagnostic rows: a bare loop over that same transport (no
 * classification, no tallies), which tells how much of any gap is the runner's own bookkeeping; and
 * a bare loop over Node's `http.request` with a keep-alive Agent, the transport the runner used
 * before, which tells what the raw client saves.
 *
 * Two scenarios. "0 ms service time": the server answers at once, so the clients are the bottleneck
 * and the figures measure each client's own cost; in such a closed loop latency is about
 * concurrency / throughput, so p95 follows throughput. "10 ms service time": the server waits 10 ms
 * per answer, like a real endpoint, so the server is the bottleneck and the figures show whether
 * the runner reports the latency a reference tool sees; that is what decides whether the gate's own
 * overhead could fail a healthy release. The second scenario sends a fifth of `--requests`.
 *
 * Both sides warm up first (autocannon: a separate run of the warm-up count; the runner: its policy's
 * `warmupRequests`), and the order of the tools alternates between runs. p95 is nearest-rank over
 * every measured response for each tool (autocannon's per-response times, from its `response`
 * event), so all rows are computed alike. Reports, never asserts: exit 0 whatever the numbers.
 *
 * --runs N         runs per tool and scenario (default 5); medians are reported
 * --requests N     measured requests per run (default 10000)
 * --concurrency N  connections / requests in flight (default 10)
 * --markdown       print the docs/delivery.md section instead of the table
 * --write          also replace the text between the smoke-bench markers in docs/delivery.md
 * --readme P       the file `--write` edits (default: docs/delivery.md, under Runner benchmark)
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { runSmoke, nearestRank } from "../smoke/runner";
import { openClient } from "../smoke/transport";
import { describeMachine, median, type Machine } from "./report";

const USAGE = "usage: npm run bench:smoke -- [--runs N] [--requests N] [--concurrency N] [--markdown] [--write] [--readme <path>]";
const ROOT = path.resolve(__dirname, "..");

export const SMOKE_README_START = "<!-- smoke-bench:start -->";
export const SMOKE_README_END = "<!-- smoke-bench:end -->";

/** The targets, as ratios runner / autocannon. */
export const SMOKE_TARGETS = { minThroughputRatio: 0.5, maxP95Ratio: 1.1 } as const;

const WARMUP = 1_000;

class UsageError extends Error {}

interface BenchArgs {
    readonly runs: number;
    readonly requests: number;
    readonly concurrency: number;
    readonly markdown: boolean;
    readonly write: string | undefined;
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, max: number): number {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) {
        throw new UsageError(`${flag}: received ${JSON.stringify(raw)}; expected a whole number from 1 to ${max}`);
    }
    return n;
}

function parseBenchArgs(argv: readonly string[]): BenchArgs | "help" {
    let v;
    try {
        v = parseArgs({
            args: [...argv],
            options: {
                runs: { type: "string" },
                requests: { type: "string" },
                concurrency: { type: "string" },
                markdown: { type: "boolean", default: false },
                write: { type: "boolean", default: false },
                readme: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (v.help) {
        return "help";
    }
    if (v.readme !== undefined && !v.write) {
        throw new UsageError("--readme only applies with --write");
    }
    return {
        runs: wholeNumber("--runs", v.runs, 5, 100),
        requests: wholeNumber("--requests", v.requests, 10_000, 10_000_000),
        concurrency: wholeNumber("--concurrency", v.concurrency, 10, 10_000),
        markdown: v.markdown,
        write: v.write ? path.resolve(v.readme ?? path.join(ROOT, "docs", "delivery.md")) : undefined,
    };
}

interface Sample {
    readonly rps: number;
    readonly p95Ms: number;
    readonly errors: number;
}

const TOOLS = ["autocannon", "runner", "transport", "http"] as const;
type Tool = (typeof TOOLS)[number];

const TOOL_NAMES: Record<Tool, string> = {
    autocannon: "autocannon 9 (reference)",
    runner: "smoke runner (raw `net` client)",
    transport: "bare loop over the runner's raw client (diagnostic)",
    http: "bare `http.request` loop, keep-alive Agent (diagnostic)",
};

function p95(latencies: readonly number[]): number {
    return nearestRank(Float64Array.from(latencies).sort(), 95);
}

async function autocannonRun(url: string, amount: number, connections: number): Promise<Sample> {
    const latencies: number[] = [];
    let last = 0;
    const start = performance.now();
    const instance = autocannon({ url, connections, amount, timeout: 10 });
    instance.on("response", (_client, _status, _bytes, ms) => {
        latencies.push(ms);
        last = performance.now();
    });
    const result = await instance;
    // Up to the last response, not until the promise settles: autocannon finishes on its 1-second sampling tick, which would halve a short run's rate.
    return { rps: (latencies.length * 1000) / (last - start), p95Ms: p95(latencies), errors: result.errors + result.timeouts + result.non2xx };
}

async function measureAutocannon(url: string, a: BenchArgs): Promise<Sample> {
    await autocannonRun(url, WARMUP, a.concurrency);
    return autocannonRun(url, a.requests, a.concurrency);
}

async function measureRunner(url: string, a: BenchArgs): Promise<Sample> {
    const s = await runSmoke(
        {
            checks: [{ path: "/", bodyContains: "ready" }],
            requests: a.requests,
            concurrency: a.concurrency,
            timeoutMs: 10_000,
            warmupRequests: WARMUP,
            thresholds: { p95Ms: 60_000, p99Ms: 60_000, errorRate: 1 },
        },
        url,
    );
    return { rps: (s.requests * 1000) / s.elapsedMs, p95Ms: s.latencyMs.p95 ?? NaN, errors: s.failures };
}

/** `n` requests, `concurrency` at a time, each timed; returns the errors (a false from `once`). */
async function closedLoop(n: number, concurrency: number, once: () => Promise<boolean>, latencies: number[] | undefined): Promise<number> {
    let started = 0;
    let errors = 0;
    await Promise.all(
        Array.from({ length: concurrency }, async () => {
            while (started < n) {
                started++;
                const t = performance.now();
                const ok = await once();
                latencies?.push(performance.now() - t);
                errors += ok ? 0 : 1;
            }
        }),
    );
    return errors;
}

/** The runner's request loop stripped to its transport: the raw client's own cost. */
async function measureTransport(url: string, a: BenchArgs): Promise<Sample> {
    const client = openClient(new URL(url), a.concurrency);
    const request = client.prepare(new URL(url), { method: "GET" });
    const once = (): Promise<boolean> =>
        client.send(request, 10_000, true).then(
            (res) => res.status === 200 && (res.body ?? "").includes("ready"),
            () => false,
        );
    try {
        await closedLoop(WARMUP, a.concurrency, once, undefined);
        const latencies: number[] = [];
        const start = performance.now();
        const errors = await closedLoop(a.requests, a.concurrency, once, latencies);
        return { rps: (a.requests * 1000) / (performance.now() - start), p95Ms: p95(latencies), errors };
    } finally {
        client.close();
    }
}

/** The same loop over Node's own `http.request` with a keep-alive Agent, the transport the runner used before. */
async function measureHttp(url: string, a: BenchArgs): Promise<Sample> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: a.concurrency });
    const once = (): Promise<boolean> =>
        new Promise((resolve) => {
            const req = http.get(url, { agent }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => (body += c));
                res.on("end", () => resolve(res.statusCode === 200 && body.includes("ready")));
            });
            req.on("error", () => resolve(false));
        });
    await closedLoop(WARMUP, a.concurrency, once, undefined);
    const latencies: number[] = [];
    const start = performance.now();
    const errors = await closedLoop(a.requests, a.concurrency, once, latencies);
    const wallMs = performance.now() - start;
    agent.destroy();
    return { rps: (a.requests * 1000) / wallMs, p95Ms: p95(latencies), errors };
}

const MEASURE: Record<Tool, (url: string, a: BenchArgs) => Promise<Sample>> = { autocannon: measureAutocannon, runner: measureRunner, transport: measureTransport, http: measureHttp };

function startServer(delayMs: number): Promise<{ url: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join("bench", "smoke-server.ts"), String(delayMs)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.on("error", reject);
        child.on("exit", (code) => reject(new Error(`the bench server exited early (code ${code})`)));
        child.stdout?.on("data", (c: Buffer) => {
            out += c.toString();
            const line = out.split("\n")[0];
            if (out.includes("\n")) {
                resolve({ url: line.trim(), child });
            }
        });
    });
}

/** Server service times of the two scenarios, and the share of `--requests` each sends. */
const SCENARIOS = [
    { delayMs: 0, requestShare: 1 },
    { delayMs: 10, requestShare: 0.2 },
] as const;

export interface ScenarioResult {
    readonly delayMs: number;
    readonly requests: number;
    readonly samples: Readonly<Record<Tool, readonly Sample[]>>;
}

export interface SmokeBenchResult {
    /** The 1-minute load average before and after measuring: how much else the machine was doing. */
    readonly loadAverage: readonly [number, number];
    readonly concurrency: number;
    readonly runs: number;
    readonly scenarios: readonly ScenarioResult[];
}

const fmtRps = (n: number): string => Math.round(n).toLocaleString("en-US");
const fmtMs = (n: number): string => `${n.toFixed(2)} ms`;
const passFail = (ok: boolean): string => (ok ? "pass" : "FAIL");

interface Figures {
    readonly rps: Record<Tool, number>;
    readonly p95: Record<Tool, number>;
    readonly throughputRatio: number;
    readonly p95Ratio: number;
}

function figures(r: ScenarioResult): Figures {
    const rps = Object.fromEntries(TOOLS.map((t) => [t, median(r.samples[t].map((s) => s.rps))])) as Record<Tool, number>;
    const p95s = Object.fromEntries(TOOLS.map((t) => [t, median(r.samples[t].map((s) => s.p95Ms))])) as Record<Tool, number>;
    return { rps, p95: p95s, throughputRatio: rps.runner / rps.autocannon, p95Ratio: p95s.runner / p95s.autocannon };
}

const scenarioName = (r: ScenarioResult): string => `${r.delayMs} ms service time, ${r.requests} requests`;

function verdictLines(r: ScenarioResult, f: Figures): string[] {
    return [
        `${scenarioName(r)}: throughput runner / autocannon ${f.throughputRatio.toFixed(2)}x (target >= ${SMOKE_TARGETS.minThroughputRatio}x: ${passFail(f.throughputRatio >= SMOKE_TARGETS.minThroughputRatio)}); p95 runner / autocannon ${f.p95Ratio.toFixed(2)}x (target <= ${SMOKE_TARGETS.maxP95Ratio.toFixed(2)}x, within 10%: ${passFail(f.p95Ratio <= SMOKE_TARGETS.maxP95Ratio)})`,
    ];
}

function rows(r: ScenarioResult, f: Figures): string[][] {
    return TOOLS.map((t) => [
        scenarioName(r),
        TOOL_NAMES[t],
        fmtRps(f.rps[t]),
        fmtMs(f.p95[t]),
        t === "autocannon" ? "1.00x / 1.00x" : `${(f.rps[t] / f.rps.autocannon).toFixed(2)}x / ${(f.p95[t] / f.p95.autocannon).toFixed(2)}x`,
        String(r.samples[t].reduce((n, s) => n + s.errors, 0)),
        r.samples[t].map((s) => `${fmtRps(s.rps)} req/s, ${fmtMs(s.p95Ms)}`).join("; "),
    ]);
}

const HEADER = ["Scenario", "Client", "Median req/s", "Median p95", "vs autocannon (req/s / p95)", "Errors", "Each run"];

function machineLine(m: Machine, r: SmokeBenchResult): string {
    const [before, after] = r.loadAverage.map((l) => l.toFixed(1));
    return `${m.cpuModel} × ${m.cpuCount} CPUs, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.platform}; Node ${m.node}; measured ${m.date}; 1-minute load average ${before} before, ${after} after`;
}

export function formatSmokeTable(r: SmokeBenchResult, m: Machine): string {
    const table = [HEADER, ...r.scenarios.flatMap((s) => rows(s, figures(s)))];
    const widths = HEADER.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    return [
        `concurrency ${r.concurrency}, ${r.runs} runs per client and scenario; ${machineLine(m, r)}`,
        ...table.map((row) => row.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()),
        ...r.scenarios.flatMap((s) => verdictLines(s, figures(s))),
    ].join("\n");
}

export function formatSmokeMarkdown(r: SmokeBenchResult, m: Machine): string {
    return [
        `Runner against autocannon, measured with \`npm run bench:smoke\`: concurrency ${r.concurrency} against one local keep-alive server in its own process, median of ${r.runs} runs per client and scenario.`,
        "",
        `Machine: ${machineLine(m, r)}.`,
        "",
        `| ${HEADER.join(" | ")} |`,
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        ...r.scenarios.flatMap((s) => rows(s, figures(s))).map((row) => `| ${row.join(" | ")} |`),
        "",
        ...r.scenarios.flatMap((s) => verdictLines(s, figures(s))).map((l) => `- ${l}`),
        "- 0 ms service time: the clients are the bottleneck, so this measures each client's own cost per request. In a closed loop latency is about concurrency / throughput, so p95 follows throughput there.",
        "- 10 ms service time: the server is the bottleneck, as a real endpoint is; this shows whether the runner reports the latency a reference tool sees.",
        "- p95 is nearest-rank over every measured response of each client; autocannon's from its per-response times.",
        `- A load average above the machine's ${m.cpuCount} cores means other work shared them while this ran: the figures then move between runs (see each run).`,
    ].join("\n");
}

function markerProblem(text: string): string | undefined {
    const start = text.indexOf(SMOKE_README_START);
    const end = text.indexOf(SMOKE_README_END);
    if (start < 0 || end < 0 || end < start) {
        return `needs ${SMOKE_README_START} followed by ${SMOKE_README_END}`;
    }
    return undefined;
}

export function spliceSmokeSection(text: string, section: string): string {
    const problem = markerProblem(text);
    if (problem !== undefined) {
        throw new Error(problem);
    }
    const start = text.indexOf(SMOKE_README_START) + SMOKE_README_START.length;
    const end = text.indexOf(SMOKE_README_END, start);
    return `${text.slice(0, start)}\n${section}\n${text.slice(end)}`;
}

async function main(argv: readonly string[]): Promise<number> {
    const args = parseBenchArgs(argv);
    if (args === "help") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (args.write !== undefined) {
        const problem = fs.existsSync(args.write) ? markerProblem(fs.readFileSync(args.write, "utf8")) : "does not exist";
        if (problem !== undefined) {
            throw new UsageError(`--write: ${args.write} ${problem}; nothing was measured or written`);
        }
    }
    const loadBefore = os.loadavg()[0];
    const scenarios: ScenarioResult[] = [];
    for (const { delayMs, requestShare } of SCENARIOS) {
        const requests = Math.max(1, Math.round(args.requests * requestShare));
        const { url, child } = await startServer(delayMs);
        child.removeAllListeners("exit");
        const samples: Record<Tool, Sample[]> = { autocannon: [], runner: [], transport: [], http: [] };
        try {
            for (let i = 0; i < args.runs; i++) {
                // Rotate the order so no client always runs first (on a cooler or a hotter machine).
                const order = TOOLS.map((_, k) => TOOLS[(k + i) % TOOLS.length]);
                for (const tool of order) {
                    samples[tool].push(await MEASURE[tool](url, { ...args, requests }));
                }
                process.stderr.write(`  ${delayMs} ms service time: run ${i + 1}/${args.runs} done\n`);
            }
        } finally {
            child.kill();
        }
        scenarios.push({ delayMs, requests, samples });
    }
    const result: SmokeBenchResult = { loadAverage: [loadBefore, os.loadavg()[0]], concurrency: args.concurrency, runs: args.runs, scenarios };
    const machine = describeMachine();
    const markdown = formatSmokeMarkdown(result, machine);
    process.stdout.write(`${args.markdown ? markdown : formatSmokeTable(result, machine)}\n`);
    if (args.write !== undefined) {
        fs.writeFileSync(args.write, spliceSmokeSection(fs.readFileSync(args.write, "utf8"), markdown));
        process.stderr.write(`wrote the smoke bench section of ${args.write}\n`);
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            const usage = e instanceof UsageError ? `\n${USAGE}` : "";
            process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}${usage}\n`);
            process.exitCode = 1;
        },
    );
}
