/**
 * npm run smoke -- --policy <file.json> --target <base-url> [--json]
 *                  [--push <pushgateway-url> --service <name> --color <blue|green>]
 *
 * In the gate Job: `node /smoke/runner.cjs --policy /smoke/policy.json --target http://<color service>`.
 *
 * Exit codes: 0 every check and threshold held; 1 any did not; 2 invalid policy or arguments (nothing
 * was sent). Output: readable lines then one JSON summary line, the last line of stdout; with
 * `--json`, that line alone. A failed push is reported on stderr and does not change the exit code.
 *
 * Environment: PUSHGATEWAY_URL, SMOKE_SERVICE and SMOKE_COLOR stand in for the push flags;
 * SMOKE_CONNECT_WAIT_SECONDS bounds the wait for the target to accept a connection before anything is
 * measured (default 60, 0 for none; `./reach` says why), reported on stderr when it waited.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { COLORS } from "../lib/delivery";
import { validatePolicy } from "./policy";
import { awaitTarget } from "./reach";
import { isGroupingValue, pushMetrics, pushUrl, renderMetrics } from "./push";
import { FAILURE_KINDS, formatMs, parseTarget, redactCredentials, redactRefusedUrl, runAsMain, runSmoke, TARGET_EXPECTED, type Counts, type SmokeSummary } from "./runner";

const USAGE =
    "usage: npm run smoke -- --policy <file.json> --target <base-url> [--json] [--push <pushgateway-url> --service <name> --color <blue|green>]";

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export const EXIT = { pass: 0, fail: 1, invalid: 2 } as const;

const invalid = (message: string, usage = true): CliResult => ({ code: EXIT.invalid, stdout: "", stderr: `${message}\n${usage ? `${USAGE}\n` : ""}` });

interface Push {
    readonly url: string;
}

/** The push destination, undefined when none is asked for, or a problem with the push arguments. */
function pushTarget(flags: { push?: string; service?: string; color?: string }, env: NodeJS.ProcessEnv): Push | undefined | { problem: string } {
    const gateway = flags.push ?? nonEmpty(env.PUSHGATEWAY_URL);
    if (gateway === undefined) {
        // The usage groups them: given alone they would be dropped in silence, a typo (`--color purple`) with them.
        const alone = (["service", "color"] as const).filter((f) => flags[f] !== undefined).map((f) => `--${f}`);
        return alone.length === 0 ? undefined : { problem: `${alone.join(" and ")}: received ${alone.length === 1 ? "it" : "them"} without a push; expected --push <pushgateway-url> (or PUSHGATEWAY_URL) as well: --service and --color only name the pushed result` };
    }
    const service = flags.service ?? nonEmpty(env.SMOKE_SERVICE);
    const color = flags.color ?? nonEmpty(env.SMOKE_COLOR);
    if (parseTarget(gateway) === undefined) {
        return { problem: `--push: received ${JSON.stringify(redactRefusedUrl(gateway))}; ${TARGET_EXPECTED}` };
    }
    if (service === undefined || !isGroupingValue(service)) {
        return { problem: `--service: received ${service === undefined ? "nothing (required with --push or PUSHGATEWAY_URL; or set SMOKE_SERVICE)" : JSON.stringify(service)}; expected a lowercase DNS label (a-z, 0-9, "-", at most 63 characters)` };
    }
    if (color === undefined || !(COLORS as readonly string[]).includes(color)) {
        return { problem: `--color: received ${color === undefined ? "nothing (required with --push or PUSHGATEWAY_URL; or set SMOKE_COLOR)" : JSON.stringify(color)}; expected one of ${COLORS.map((c) => JSON.stringify(c)).join(", ")}` };
    }
    return { url: pushUrl(gateway, service, color) };
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);

function latencyText(c: Counts): string {
    const { p50, p95, p99 } = c.latencyMs;
    return p50 === null || p95 === null || p99 === null ? "latency n/a (no response)" : `latency p50 ${formatMs(p50)}, p95 ${formatMs(p95)}, p99 ${formatMs(p99)}`;
}

function countsText(c: Counts): string {
    const kinds = FAILURE_KINDS.filter((k) => c.failuresByKind[k] !== undefined).map((k) => `${c.failuresByKind[k]} ${k}`);
    const statuses = Object.entries(c.statusHistogram).map(([s, n]) => `${s}×${n}`);
    const rate = c.elapsedMs > 0 ? `; ${Math.round((c.requests * 1000) / c.elapsedMs)} req/s` : "";
    return `${c.requests} requests, ${c.failures} failed${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}; statuses ${statuses.join(", ") || "none"}; ${latencyText(c)}${rate}`;
}

/** The readable lines, without the JSON line. */
export function renderText(s: SmokeSummary): string {
    const lines = [`smoke gate against ${s.target}`];
    for (const c of s.checks) {
        lines.push(`  check ${JSON.stringify(c.name)}: ${countsText(c)}`);
    }
    lines.push(`  smoke phase: ${countsText(s)}; error rate ${(s.errorRate * 100).toFixed(2)}%`);
    if (s.load !== null) {
        lines.push(`  load phase (${s.load.users} users, ${s.load.durationSeconds} s):`);
        for (const c of s.load.checks) {
            lines.push(`    check ${JSON.stringify(c.name)}: ${countsText(c)}`);
        }
        lines.push(`    overall: ${countsText(s.load)}; error rate ${(s.load.errorRate * 100).toFixed(2)}%`);
    }
    lines.push(`verdict: ${s.verdict}`);
    for (const r of s.reasons) {
        lines.push(`  - ${r}`);
    }
    return `${lines.join("\n")}\n`;
}

/** The whole command as a function of its arguments, so tests run it in-process too. */
export async function smokeCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
    let flags;
    try {
        flags = parseArgs({
            args: [...argv],
            options: {
                policy: { type: "string" },
                target: { type: "string" },
                json: { type: "boolean", default: false },
                push: { type: "string" },
                service: { type: "string" },
                color: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        // The parser quotes a stray argument: a URL with credentials given without its flag must not be shown.
        return invalid(redactCredentials((e as Error).message));
    }
    if (flags.help) {
        return { code: EXIT.pass, stdout: `${USAGE}\n`, stderr: "" };
    }
    if (flags.policy === undefined || flags.target === undefined) {
        const missing = [flags.policy === undefined ? "--policy" : undefined, flags.target === undefined ? "--target" : undefined].filter((f) => f !== undefined);
        return invalid(`${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required`);
    }
    if (parseTarget(flags.target) === undefined) {
        return invalid(`--target: received ${JSON.stringify(redactRefusedUrl(flags.target))}; ${TARGET_EXPECTED}`);
    }
    const push = pushTarget(flags, env);
    if (push !== undefined && "problem" in push) {
        return invalid(push.problem);
    }
    let text: string;
    try {
        text = await readFile(flags.policy, "utf8");
    } catch (e) {
        return invalid(`--policy: cannot read ${flags.policy}: ${(e as Error).message}`, false);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        return invalid(`--policy: ${flags.policy} is not valid JSON: ${(e as Error).message}`, false);
    }
    const result = validatePolicy(json);
    if (!result.ok) {
        const n = result.problems.length;
        return invalid(`Invalid smoke policy ${flags.policy} (${n} problem${n === 1 ? "" : "s"}):\n${result.problems.map((p) => `  - ${p}`).join("\n")}`, false);
    }

    // A new Job's packets are dropped until the NetworkPolicy controller admits its address: wait for the target first (./reach).
    let stderr = await awaitTarget(flags.target, env);
    const summary = await runSmoke(result.policy, flags.target);
    const jsonLine = `${JSON.stringify(summary)}\n`;
    if (push !== undefined) {
        const problem = await pushMetrics(push.url, renderMetrics(summary, Date.now() / 1000));
        if (problem !== undefined) {
            stderr += `warning: ${redactCredentials(problem)}; the verdict stands\n`;
        }
    }
    return {
        code: summary.verdict === "pass" ? EXIT.pass : EXIT.fail,
        stdout: flags.json ? jsonLine : renderText(summary) + jsonLine,
        stderr,
    };
}

if (require.main === module) {
    runAsMain(smokeCli);
}
