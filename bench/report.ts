/**
 * Turns benchmark samples into what people read: a plain-text table for the terminal, a Markdown
 * section for the README, and the splice that puts that section between the README's markers.
 * Pure functions only; nothing here measures or writes.
 */
import * as os from "node:os";
import { BASELINE_COMMAND, CLI_COMMAND } from "./measure";

/** The product's targets for one stack's plan, on a 2-core machine. */
export const TARGETS = { wallMs: 3_000, peakRssBytes: 400_000_000, cores: 2 } as const;

/**
 * Start-up targets as a ratio of the plan's wall time to loading the Pulumi SDK alone, measured in
 * the same run (issue 16): a ratio holds on a loaded or a faster machine where seconds do not.
 */
export const RATIO_TARGETS: Readonly<Record<string, number>> = { staging: 2.0, production: 2.5 };

export const README_START = "<!-- bench:start -->";
export const README_END = "<!-- bench:end -->";

/** Service counts of the synthetic environments the growth rows plan. */
export const GROWTH_SERVICE_COUNTS = [1, 4, 16] as const;

export interface StackResult {
    readonly stack: string;
    readonly resources: number;
    readonly runs: number;
    readonly wallMs: readonly number[];
    readonly maxRssKb: readonly number[];
    readonly planMs: readonly number[];
    /** Wall times of the baseline (`require("@pulumi/pulumi")`), one next to each run. */
    readonly baselineMs: readonly number[];
    /** Set for a growth row: the number of synthetic services replacing the stack's own. */
    readonly services?: number;
}

export interface Machine {
    readonly cpuModel: string;
    readonly cpuCount: number;
    readonly memoryBytes: number;
    readonly platform: string;
    readonly node: string;
    /** YYYY-MM-DD. */
    readonly date: string;
}

export function describeMachine(now: Date = new Date()): Machine {
    const cpus = os.cpus();
    const model = cpus[0]?.model.trim() ?? "";
    return {
        cpuModel: model !== "" ? model : "unknown CPU",
        cpuCount: cpus.length,
        memoryBytes: os.totalmem(),
        platform: `${os.type()} ${os.arch()}`,
        node: process.version,
        date: now.toISOString().slice(0, 10),
    };
}

export function median(values: readonly number[]): number {
    if (values.length === 0) {
        throw new RangeError("median of no values");
    }
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const kbToBytes = (kb: number): number => kb * 1024;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms: number): string => `${Math.round(ms)} ms`;
const megabytes = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`;

export interface Verdict {
    readonly wallMs: number;
    readonly peakRssBytes: number;
    readonly planMs: number;
    readonly wallOk: boolean;
    readonly rssOk: boolean;
    /** Median wall over median baseline. */
    readonly ratio: number;
    /** The stack's ratio target, when it has one. */
    readonly ratioTarget: number | undefined;
    readonly ratioOk: boolean;
}

/** Medians and pass/fail against the targets. Reported, never asserted. */
export function verdict(r: StackResult): Verdict {
    const wallMs = median(r.wallMs);
    const peakRssBytes = kbToBytes(median(r.maxRssKb));
    const ratio = wallMs / median(r.baselineMs);
    const ratioTarget = r.services === undefined ? RATIO_TARGETS[r.stack] : undefined;
    return {
        wallMs,
        peakRssBytes,
        planMs: median(r.planMs),
        wallOk: wallMs <= TARGETS.wallMs,
        rssOk: peakRssBytes <= TARGETS.peakRssBytes,
        ratio,
        ratioTarget,
        ratioOk: ratioTarget === undefined || ratio <= ratioTarget,
    };
}

const passFail = (ok: boolean): string => (ok ? "pass" : "FAIL");

function machineLine(m: Machine): string {
    return `${m.cpuModel} × ${m.cpuCount}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.platform}, Node ${m.node}, ${m.date}`;
}

function coresNote(m: Machine): string {
    return m.cpuCount === TARGETS.cores
        ? `The targets are for a ${TARGETS.cores}-core machine; this one has ${m.cpuCount} cores.`
        : `The targets are for a ${TARGETS.cores}-core machine; this one has ${m.cpuCount}, so the verdicts are indicative only.`;
}

/** What each figure measures, one line each. */
const METHOD: readonly string[] = [
    `Wall: from spawning \`${CLI_COMMAND}\` (what \`npm run plan\` runs; stdout discarded) until it exits, so Node startup, the staleness check of the precompiled bundle and module loading all count; npm's own startup is not measured. A first unmeasured run builds the bundle when a source changed, fills V8's code cache (\`bin/plan.v8cache\`) and keeps the outputs production's plan reads from staging (\`bin/references/\`), as the first \`npm run plan\` after an edit does.`,
    `Ratio: median wall over the median of \`${BASELINE_COMMAND}\`, run next to each plan in the same session (targets: ${Object.entries(RATIO_TARGETS).map(([s, t]) => `${s} ≤ ${t.toFixed(1)}`).join(", ")}).`,
    "Peak RSS: that same process's `process.resourceUsage().maxRSS` at exit, reported by a preload (`bench/rss-probe.cjs`); 1 MB = 10^6 bytes.",
    "In-process: `runPlan` alone, in a separate fresh process whose program modules are already imported.",
];

function alignColumns(rows: readonly (readonly string[])[]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** The terminal report. */
export function formatTable(results: readonly StackResult[], m: Machine, growth: readonly StackResult[] = []): string {
    const range = (xs: readonly number[], f: (x: number) => string): string => `${f(Math.min(...xs))}..${f(Math.max(...xs))}`;
    const header = ["stack", "resources", "runs", "wall median", "min..max", "target", "result", "ratio", "target", "result", "peak RSS median", "min..max", "target", "result", "in-process median"];
    const rows = results.map((r) => {
        const v = verdict(r);
        return [
            r.stack,
            String(r.resources),
            String(r.runs),
            seconds(v.wallMs),
            range(r.wallMs, seconds),
            `<= ${seconds(TARGETS.wallMs)}`,
            passFail(v.wallOk),
            v.ratio.toFixed(2),
            v.ratioTarget === undefined ? "-" : `<= ${v.ratioTarget.toFixed(1)}`,
            v.ratioTarget === undefined ? "-" : passFail(v.ratioOk),
            megabytes(v.peakRssBytes),
            range(r.maxRssKb, (kb) => megabytes(kbToBytes(kb))),
            `<= ${megabytes(TARGETS.peakRssBytes)}`,
            passFail(v.rssOk),
            millis(v.planMs),
        ];
    });
    return [
        "Launchpad offline plan benchmark",
        `machine: ${machineLine(m)}`,
        "",
        alignColumns([header, ...rows]),
        "",
        ...METHOD,
        coresNote(m),
        "Benchmarks report; they do not fail on timing.",
        "",
        ...growthText(growth),
    ].join("\n");
}

/** The README section: no heading of its own, so the README decides where it sits. */
export function formatMarkdown(results: readonly StackResult[], m: Machine, growth: readonly StackResult[] = []): string {
    const counts = [...new Set(results.map((r) => r.runs))];
    const runs = `${counts.join(", ")} ${counts.length === 1 && counts[0] === 1 ? "run" : "runs"}`;
    const rows = results.map((r) => {
        const v = verdict(r);
        const ratio = v.ratioTarget === undefined ? "" : `; ratio ≤ ${v.ratioTarget.toFixed(1)}: ${passFail(v.ratioOk).toLowerCase()}`;
        const target = `≤ ${seconds(TARGETS.wallMs)}: ${passFail(v.wallOk).toLowerCase()}; ≤ ${megabytes(TARGETS.peakRssBytes)}: ${passFail(v.rssOk).toLowerCase()}${ratio}`;
        return `| ${r.stack} | ${r.resources} | ${r.runs} | ${seconds(v.wallMs)} | ${v.ratio.toFixed(2)} | ${megabytes(v.peakRssBytes)} | ${millis(v.planMs)} | ${target} |`;
    });
    return [
        `Offline plan of each committed stack, measured with \`npm run bench\`: median of ${runs}, each a fresh process.`,
        "",
        `Machine: ${m.cpuModel} × ${m.cpuCount} CPUs, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${m.platform}; Node ${m.node}; measured ${m.date}.`,
        "",
        "| Stack | Resources | Runs | Median wall | Ratio to SDK load | Median peak RSS | In-process median | Target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ...rows,
        "",
        ...METHOD.map((line) => `- ${line}`),
        `- ${coresNote(m)}`,
        "",
        ...growthLines(growth),
    ].join("\n");
}

/** The growth table's header, as both the terminal and the Markdown show it. */
const GROWTH_HEADER = ["Services", "Resources", "Runs", "Median wall", "Median peak RSS", "In-process median", "Target"] as const;

/**
 * How the plan grows with the application: staging with 1, 4 and 16 synthetic services, and the
 * cost of one more service (the slope between the smallest and the largest environment). The
 * table's cells, its introduction and the slope sentence; `growthLines` and `formatTable` lay them out.
 */
export function growthTable(growth: readonly StackResult[]): { intro: string; rows: string[][]; slope: string } | undefined {
    if (growth.length === 0) {
        return undefined;
    }
    const rows = growth.map((r) => {
        const v = verdict(r);
        const target = `≤ ${seconds(TARGETS.wallMs)}: ${passFail(v.wallOk).toLowerCase()}; ≤ ${megabytes(TARGETS.peakRssBytes)}: ${passFail(v.rssOk).toLowerCase()}`;
        return [String(r.services ?? 0), String(r.resources), String(r.runs), seconds(v.wallMs), megabytes(v.peakRssBytes), millis(v.planMs), target];
    });
    const first = growth[0];
    const last = growth[growth.length - 1];
    const span = (last.services ?? 0) - (first.services ?? 0);
    const per = (a: number, b: number): number => (span > 0 ? (b - a) / span : 0);
    const slope = span > 0
        ? `Each further service adds ${per(first.resources, last.resources).toFixed(0)} resources, ` +
          `${millis(per(median(first.wallMs), median(last.wallMs)))} of wall time, ` +
          `${megabytes(per(kbToBytes(median(first.maxRssKb)), kbToBytes(median(last.maxRssKb))))} of peak RSS and ` +
          `${millis(per(median(first.planMs), median(last.planMs)))} in process (the slope from ${first.services ?? 0} to ${last.services ?? 0} services).`
        : "";
    const intro = `Growth: the staging stack with its services replaced by ${growth.map((r) => r.services ?? 0).join(", ")} synthetic ones (each like \`api\`: two colors, gates, an Ingress), same method.`;
    return { intro, rows, slope };
}

/** The growth section in Markdown (the docs' bench section). */
export function growthLines(growth: readonly StackResult[]): string[] {
    const t = growthTable(growth);
    if (t === undefined) {
        return [];
    }
    return [
        t.intro,
        "",
        `| ${GROWTH_HEADER.join(" | ")} |`,
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ...t.rows.map((cells) => `| ${cells.join(" | ")} |`),
        ...(t.slope !== "" ? ["", t.slope] : []),
    ];
}

/** The growth section for the terminal: the same cells, aligned in columns, no Markdown. */
function growthText(growth: readonly StackResult[]): string[] {
    const t = growthTable(growth);
    return t === undefined ? [] : [t.intro, "", alignColumns([[...GROWTH_HEADER], ...t.rows]), ...(t.slope !== "" ? ["", t.slope] : [])];
}

/** Why `text` cannot take the section, or undefined when both markers are there in order. */
export function markerProblem(text: string): string | undefined {
    const start = text.indexOf(README_START);
    const end = text.indexOf(README_END);
    if (start < 0 || end < 0) {
        return `needs both ${README_START} and ${README_END}; missing ${[start < 0 ? README_START : "", end < 0 ? README_END : ""].filter(Boolean).join(" and ")}`;
    }
    if (end < start) {
        return `${README_END} comes before ${README_START}`;
    }
    return undefined;
}

/** `text` with everything between the markers replaced by `section`; throws when the markers are not usable. */
export function spliceSection(text: string, section: string): string {
    const problem = markerProblem(text);
    if (problem !== undefined) {
        throw new Error(problem);
    }
    const start = text.indexOf(README_START) + README_START.length;
    const end = text.indexOf(README_END, start);
    return `${text.slice(0, start)}\n${section}\n${text.slice(end)}`;
}
