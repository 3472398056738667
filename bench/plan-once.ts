/**
 * One in-process plan for the benchmark's secondary figure:
 *   node --import tsx bench/plan-once.ts --stack <stack> [--set <key>=<value> ...]
 * Imports the program's modules first, then times `runPlan` alone (module loading excluded) and
 * prints one JSON line: `{ "stack", "resources", "planMs" }`.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { runPlan } from "../plan/engine";

export interface InProcessResult {
    readonly stack: string;
    readonly resources: number;
    readonly planMs: number;
}

async function main(): Promise<void> {
    const { stack, set } = parseArgs({ options: { stack: { type: "string" }, set: { type: "string", multiple: true, default: [] } }, strict: true }).values;
    if (stack === undefined) {
        throw new Error("usage: node --import tsx bench/plan-once.ts --stack <stack>");
    }
    // The specifier the engine's default program loader imports, so runPlan finds it already loaded.
    await import("../index");
    const start = performance.now();
    const plan = await runPlan({ stack, sets: set });
    const result: InProcessResult = { stack, resources: plan.resources.length, planMs: performance.now() - start };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
    });
}
