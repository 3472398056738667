/**
 * npm run rules -- --stack <staging|production> [--set <key>=<value> ...]
 *
 * Prints the stack's alert rules as a Prometheus rule file on stdout, from the stack's config read
 * offline exactly as `npm run plan` reads it (Pulumi.yaml defaults, secure values never decrypted).
 * Exit codes: 0 printed; 2 invalid config (every problem on stderr, nothing on stdout);
 * 1 anything else (bad arguments, unknown stack).
 */
import { ConfigError, parseConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig, PlanInputError } from "../plan/stack-config";
import { alertContext, alertGroups } from "../observability/alerts";
import { renderPrometheusRules } from "../observability/prometheus-rules";
import { failed, parseStackConfigFlags, runMain, unexpected, type CliResult } from "./cli";

const USAGE = "usage: npm run rules -- --stack <staging|production> [--set <key>=<value> ...]";

/** The whole command as a function of its arguments, so tests run it in-process too. */
export function rulesCli(argv: readonly string[], root: string = REPO_ROOT): CliResult {
    const parsed = parseStackConfigFlags(argv, {}, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const { stack, sets } = parsed.args;
    try {
        const sc = loadStackConfig({ root, stack, sets });
        // Offline, as the plan reads it: a rule file deploys nothing, so placeholders are allowed.
        const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        return { code: 0, stdout: renderPrometheusRules(alertGroups(alertContext(config)), config.stack), stderr: "" };
    } catch (e) {
        if (e instanceof ConfigError) {
            return failed(2, `${e.message}\n`);
        }
        if (e instanceof PlanInputError) {
            return failed(1, `error: ${e.message}\n`);
        }
        return unexpected(e);
    }
}

if (require.main === module) {
    runMain((argv) => rulesCli(argv));
}
