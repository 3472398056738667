/**
 * Every `pulumi config set|get|rm` the repository hands out (docs, runbooks, workflows, the
 * program's messages) names its key's namespace, `launchpad:`. The Pulumi CLI puts a key written
 * without one in the project's namespace ("As a convenience, we'll treat any key with no delimiter as
 * if <program-name>:<key> had been written instead": pulumi/pulumi pkg/cmd/pulumi/config/io.go
 * `parseConfigKey`, at 1b594989), which is `launchpad` only until the project is renamed
 * (docs/operations.md, "Renaming the project"). Renamed, `pulumi config set --path
 * 'database.restore.snapshot' ...` writes `payments-api:database.restore`, which Launchpad never
 * reads: the region-failure runbook's recovery stack would be built with an empty database, and a
 * config error's own "set it with" would leave the problem it names in place.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { configPath, parseConfigPath } from "../plan/stack-config";
import { commandLines, dummyFor } from "./support/command-lines";
import { REQUIRED_CONFIG } from "./support/project";

/** A renamed project (docs/operations.md's example). */
const RENAMED = "payments-api";

/** The key a `pulumi config set|get|rm` argv names: its first word that is not a flag or a flag's value. */
function keyOf(argv: readonly string[]): string | undefined {
    const valued = new Set(["--stack", "-s", "--config-file"]);
    for (let i = 2; i < argv.length; i++) {
        if (valued.has(argv[i])) i++;
        else if (!argv[i].startsWith("-")) return argv[i];
    }
    return undefined;
}

describe("pulumi config keys the repository hands out", () => {
    it("name their namespace, so they are Launchpad's keys in a renamed project too (pulumi/pulumi config/io.go parseConfigKey)", () => {
        const lines = commandLines().filter((c) => c.tool === "pulumi" && c.argv[0] === "config" && ["set", "get", "rm"].includes(c.argv[1]));
        const keys = lines.flatMap((c) => {
            const key = keyOf(c.argv);
            // A placeholder (a template's `${KEY}`) is a dummy: its key is the constant's, not readable here.
            return key === undefined || key === dummyFor(undefined) ? [] : [{ at: `${c.file}:${c.line}`, key }];
        });
        expect(keys.length).toBeGreaterThanOrEqual(40);
        expect(keys.filter((k) => !k.key.includes(":")).map((k) => `${k.at} ${k.key}`)).toEqual([]);
    });
});

describe("a config error's own 'set it with', followed in a renamed project", () => {
    const problems = (values: Record<string, unknown>, secretKeys: readonly string[] = [], secretPaths?: readonly string[]): readonly string[] => {
        try {
            parseConfig({ project: RENAMED, stack: "s", values: { ...REQUIRED_CONFIG, ...values }, secretKeys: new Set(secretKeys), ...(secretPaths !== undefined ? { secretPaths: new Set(secretPaths) } : {}) });
            return [];
        } catch (e) {
            return (e as { problems: readonly string[] }).problems;
        }
    };
    const grafana = { "grafana:url": "https://grafana.shop.internal", "launchpad:observability": { runbookBaseUrl: "https://git.shop.internal/runbooks" } };

    it.each([
        ["a plain-text PagerDuty key", { ...grafana, "grafana:auth": "t", "launchpad:alerting": { pagerDutyIntegrationKey: "k" } }, ["grafana:auth"], undefined, "launchpad:alerting.pagerDutyIntegrationKey"],
        ["a plain-text Slack webhook", { ...grafana, "grafana:auth": "t", "launchpad:alerting": { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/x" } }, ["grafana:auth"], undefined, "launchpad:alerting.slackWebhookUrl"],
        ["a secret heartbeat URL", { ...grafana, "grafana:auth": "t", "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"], heartbeatUrl: "https://hc-ping.com/0b1c" } }, ["grafana:auth", "launchpad:alerting"], ["grafana:auth", "launchpad:alerting.heartbeatUrl"], "launchpad:alerting.heartbeatUrl"],
        ["a plain-text kubeconfig", { "launchpad:cluster": { kubeconfig: "plain-text-kubeconfig" }, "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" } }, [], undefined, "launchpad:cluster.kubeconfig"],
    ] as const)("%s: the command sets the key the problem names", (_, values, secretKeys, secretPaths, key) => {
        const problem = problems(values, secretKeys, secretPaths).find((p) => p.startsWith(`${key}: `));
        expect(problem, `a problem about ${key}`).toBeDefined();
        const command = /set it with `pulumi config set (?:--secret )?--path (\S+)/.exec(problem ?? "");
        expect(command, `a pulumi config set --path hint in: ${problem}`).not.toBeNull();
        const [top, ...path] = parseConfigPath(command?.[1] ?? "", RENAMED);
        expect(configPath(top, path)).toBe(key);
    });
});
