/**
 * Per-leaf secretness in a real run (config/stack-file.ts): the runtime marks whole keys secret, so a
 * plain-text webhook beside a secure key would pass unless the stack file's own marks are read.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { stackFileSecretPaths } from "../config/stack-file";
import { REQUIRED_CONFIG } from "./support/project";

const dir = mkdtempSync(join(tmpdir(), "launchpad-leaves-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A production stack file with Grafana, its PagerDuty key secure and its Slack webhook in plain text. */
writeFileSync(join(dir, "Pulumi.prod.yaml"), [
    "config:",
    "  grafana:auth:",
    "    secure: v1:Z3JhZmFuYQ==",
    "  launchpad:alerting:",
    "    slackWebhookUrl: https://hooks.slack.com/services/T0/B0/plain",
    "    pagerDutyIntegrationKey:",
    "      secure: v1:cGQ=",
    "  dbPassword:",
    "    secure: v1:cHc=",
    "",
].join("\n"));

describe("the stack file's secure leaves, read in a real run", () => {
    it("lists each secure: node by its config path, the project's namespace filled in", () => {
        expect(stackFileSecretPaths(dir, "launchpad", "prod", new Set(["grafana:auth", "launchpad:alerting"]))).toEqual(
            new Set(["grafana:auth", "launchpad:alerting.pagerDutyIntegrationKey", "launchpad:dbPassword"]),
        );
    });

    it("falls back to per-key secretness when the file does not account for a secret key (config from elsewhere), or there is no file", () => {
        expect(stackFileSecretPaths(dir, "launchpad", "prod", new Set(["launchpad:alerting", "launchpad:fromEsc"]))).toBeUndefined();
        expect(stackFileSecretPaths(dir, "launchpad", "other", new Set())).toBeUndefined();
    });

    it("refuses the plain-text webhook the runtime would have marked secret with its sibling", () => {
        const values = {
            ...REQUIRED_CONFIG,
            "grafana:url": "https://grafana.shop.internal",
            "grafana:auth": "t",
            "launchpad:alerting": { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/plain", pagerDutyIntegrationKey: "pd" },
        };
        const secretKeys = new Set(["grafana:auth", "launchpad:alerting"]);
        const problems = (secretPaths: ReadonlySet<string> | undefined): readonly string[] => {
            try {
                parseConfig({ project: "launchpad", stack: "prod", values, secretKeys, ...(secretPaths !== undefined ? { secretPaths } : {}), env: {} });
                return [];
            } catch (e) {
                return (e as { problems: readonly string[] }).problems;
            }
        };
        // Per key (the runtime alone): the webhook looks secret and passes.
        expect(problems(undefined).filter((p) => p.includes("slackWebhookUrl"))).toEqual([]);
        // Per leaf (the stack file read): refused, with the fix.
        expect(problems(stackFileSecretPaths(dir, "launchpad", "prod", secretKeys)).filter((p) => p.includes("slackWebhookUrl"))).toEqual([
            "launchpad:alerting.slackWebhookUrl: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:alerting.slackWebhookUrl <url>`",
        ]);
    });
});
