/**
 * npm run rules -- --stack <staging|production> [--set <key>=<value> ...]
 *
 * Prints the stack's alert rules as a Prometheus rule file on stdout, from the stack's config read
 * offline exactly as `npm run plan` reads it (Pulumi.yaml defaults, secure values never decrypted).
 * Exit codes: 0 printed; 2 invalid config (every problem on stderr, nothing on stdout);
 * 1 anything else (bad arguments, unknown stack).
 */
import { parseArgs } from "node:util";
import { ConfigError, parseConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig, PlanInputError } from "../plan/stack-config";
import { alertContext, alertGroups } from "../observability/alerts";
import { renderPrometheusRules } from "../observability/prometheus-rules";
import type { CliResult } from "./plan";

const USAGE = "usage: npm run rules -- --stack <staging|production> [--set <key>=<value> ...]";

/** The whole command as a function of its arguments, so tests run it in-process too. */
export function rulesCli(argv: readonly string[], root: string = REPO_ROOT): CliResult {
    let args;
    try {
        args = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string", short: "s" },
                set: { type: "string", multiple: true, default: [] },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        return { code: 1, stdout: "", stderr: `${(e as Error).message}\n${USAGE}\n` };
    }
    if (args.help) {
        return { code: 0, stdout: `${USAGE}\n`, stderr: "" };
    }
    if (args.stack === undefined) {
        return { code: 1, stdout: "", stderr: `--stack is required\n${USAGE}\n` };
    }
    try {
        const sc = loadStackConfig({ root, stack: args.stack, sets: args.set });
        const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys });
        return { code: 0, stdout: renderPrometheusRules(alertGroups(alertContext(config)), config.stack), stderr: "" };
    } catch (e) {
        if (e instanceof ConfigError) {
            return { code: 2, stdout: "", stderr: `${e.message}\n` };
        }
        if (e instanceof PlanInputError) {
            return { code: 1, stdout: "", stderr: `error: ${e.message}\n` };
        }
        return { code: 1, stdout: "", stderr: `error: ${(e as Error).stack ?? String(e)}\n` };
    }
}

if (require.main === module) {
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
    });
    const r = rulesCli(process.argv.slice(2));
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.code;
}
