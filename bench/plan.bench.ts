/**
 * npm run bench [-- --runs N] [--markdown] [--write] [--readme <path>]
 *
 * Measures the offline plan of every committed stack (`Pulumi.<stack>.yaml`): wall time and peak
 * memory of the real CLI in a fresh process per run, plus `runPlan` alone as a secondary figure;
 * then the same for staging with a synthetic `launchpad:services` of 1, 4 and 16 services, to show
 * how a plan grows with the application; prints medians against the product's targets. Reports, never asserts: exit code 0 whatever the
 * timings, 1 only when an argument is wrong, a plan fails, or `--write` cannot write.
 *
 * --runs N      runs per stack (default 5)
 * --markdown    print the docs/operations.md section instead of the table
 * --write       also replace the text between the bench markers in docs/operations.md
 * --readme P    the file `--write` edits (default: docs/operations.md, under Benchmarks)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../plan/engine";
import { failed, parseFlags, runMain, type CliResult } from "../scripts/cli";
import { measureBaseline, measureCli, measureInProcess } from "./measure";
import { describeMachine, formatMarkdown, formatTable, GROWTH_SERVICE_COUNTS, markerProblem, spliceSection, type StackResult } from "./report";

const USAGE = "usage: npm run bench -- [--runs N] [--markdown] [--write] [--readme <path>]";
const DEFAULT_RUNS = 5;
const MAX_RUNS = 100;

interface BenchArgs {
    readonly runs: number;
    readonly markdown: boolean;
    /** The README to edit, when `--write` is given. */
    readonly write: string | undefined;
}

/**
 * The flags, or what to print and exit with (`--help`, a flag the parser refuses, a bad value):
 * the strict parsing every `npm run` command shares (scripts/cli.ts `parseFlags`).
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | CliResult {
    const parsed = parseFlags(argv, {
        runs: { type: "string" },
        markdown: { type: "boolean", default: false },
        write: { type: "boolean", default: false },
        readme: { type: "string" },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const values = parsed.flags;
    const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > MAX_RUNS) {
        return failed(1, `--runs: received ${JSON.stringify(values.runs)}; expected a whole number from 1 to ${MAX_RUNS}\n${USAGE}\n`);
    }
    if (values.readme !== undefined && !values.write) {
        return failed(1, `--readme only applies with --write\n${USAGE}\n`);
    }
    return { runs, markdown: values.markdown, write: values.write ? path.resolve(values.readme ?? path.join(REPO_ROOT, "docs", "operations.md")) : undefined };
}

/** Stacks with a committed `Pulumi.<stack>.yaml` at the repository root, by name. */
function committedStacks(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Why `--write` could not write afterwards (so nothing is measured), or undefined when it can. */
function readmeProblem(file: string): string | undefined {
    if (!fs.existsSync(file)) {
        return `--write: ${file} does not exist`;
    }
    const problem = markerProblem(fs.readFileSync(file, "utf8"));
    return problem !== undefined ? `--write: ${file} ${problem}; nothing was measured or written` : undefined;
}

/** The stack the growth rows extend: the rehearsal stack, whose services carry every optional part. */
const GROWTH_STACK = "staging";

/** `n` services like the committed `api`, named `svc01`..: the `--set` that replaces the stack's services. */
export function syntheticServices(n: number): string {
    const services: Record<string, unknown> = {};
    for (let i = 1; i <= n; i++) {
        const name = `svc${String(i).padStart(2, "0")}`;
        services[name] = {
            env: { LOG_LEVEL: "info" },
            expose: { type: "ClusterIP", ingress: { host: `${name}.staging.example.com`, className: "alb" } },
            releases: { blue: { image: `ghcr.io/acme/${name}:1.0.0` }, green: { image: `ghcr.io/acme/${name}:1.1.0` } },
        };
    }
    // JSON is YAML: --set reads its value as YAML.
    return `launchpad:services=${JSON.stringify(services)}`;
}

async function benchStack(stack: string, runs: number, sets: readonly string[] = [], services?: number): Promise<StackResult> {
    const wallMs: number[] = [];
    const maxRssKb: number[] = [];
    const planMs: number[] = [];
    const baselineMs: number[] = [];
    let resources = 0;
    // One unmeasured run: builds the precompiled bundle if a source changed, as the first
    // `npm run plan` after an edit does; the figures are for the runs after it.
    await measureCli(stack, sets);
    for (let i = 1; i <= runs; i++) {
        if (process.stderr.isTTY) {
            process.stderr.write(`  ${stack}: run ${i}/${runs}\r`);
        }
        // The baseline right next to each run, so both see the same machine load.
        baselineMs.push((await measureBaseline()).wallMs);
        const cli = await measureCli(stack, sets);
        const inProcess = await measureInProcess(stack, sets);
        wallMs.push(cli.wallMs);
        maxRssKb.push(cli.maxRssKb);
        planMs.push(inProcess.planMs);
        resources = inProcess.resources;
    }
    process.stderr.write(`  ${stack}${services === undefined ? "" : ` with ${services} services`}: ${runs} runs done\n`);
    return { stack, resources, runs, wallMs, maxRssKb, planMs, baselineMs, services };
}

/** The whole command as a function of its arguments (progress goes to stderr as it runs). */
export async function bench(argv: readonly string[]): Promise<CliResult> {
    const args = parseBenchArgs(argv);
    if ("code" in args) {
        return args;
    }
    const problem = args.write !== undefined ? readmeProblem(args.write) : undefined;
    if (problem !== undefined) {
        return failed(1, `error: ${problem}\n${USAGE}\n`);
    }
    const stacks = committedStacks();
    if (stacks.length === 0) {
        return failed(1, `error: no Pulumi.<stack>.yaml in ${REPO_ROOT}\n${USAGE}\n`);
    }
    process.stderr.write(`benchmarking ${stacks.join(", ")}: ${args.runs} runs each, one process at a time\n`);
    const results: StackResult[] = [];
    for (const stack of stacks) {
        results.push(await benchStack(stack, args.runs));
    }
    const growth: StackResult[] = [];
    for (const n of GROWTH_SERVICE_COUNTS) {
        growth.push(await benchStack(GROWTH_STACK, args.runs, [syntheticServices(n)], n));
    }
    const machine = describeMachine();
    const markdown = formatMarkdown(results, machine, growth);
    const stdout = `${args.markdown ? markdown : formatTable(results, machine, growth)}\n`;
    if (args.write === undefined) {
        return { code: 0, stdout, stderr: "" };
    }
    // Read again now: the README may have been edited while the bench ran.
    fs.writeFileSync(args.write, spliceSection(fs.readFileSync(args.write, "utf8"), markdown));
    return { code: 0, stdout, stderr: `wrote the bench section of ${args.write}\n` };
}

if (require.main === module) {
    runMain(bench);
}
