/**
 * Placeholders (`config/placeholders.ts`): allowed and listed by the offline plan, refused by a real
 * run with the key and the command that fixes it. The committed stacks hold no `secure:` value; a
 * required secret that is not set is stood in offline by a secret and stays `[secret]`.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError, OFFLINE_SECRET, declareOfflinePlan, isOfflinePlan, loadConfig, parseConfig, toRuntimeConfig, type ConfigInput, type Placeholder } from "../config";
import { isDocumentationAddress, isExampleDomain, isExampleRepositoryUrl, packConfigPlaceholders, placeholderProblem } from "../config/placeholders";
import { REPO_ROOT, runPlan, stackConfigFor } from "../plan/engine";
import { renderJson, renderPlaceholders, renderTree } from "../plan/render";
import { planCli } from "../scripts/plan";
import { loadConfigFor, problemsOf } from "./support/config";
import { deployedConfig, deployedStackFile, OWN_VALUES } from "./support/deployed";
import { input, named, planStack } from "./support/plan";
import { REQUIRED_CONFIG, stagingConfig, tempProject } from "./support/project";

const fix = (key: string, value: string, stack: string, flags = "--path"): string => `pulumi config set ${flags} ${key} ${value} --stack ${stack}`;

/** Every placeholder of a committed stack, in the order the plan lists them. */
/**
 * The committed pack config's placeholder: the EKS endpoint's allow-list is the same documentation
 * range, and the pack (not the program) refuses a stack CIDR outside it, so the offline plan lists
 * it after the config's and a real run of the program does not judge it.
 */
function packCommitted(stack: "staging" | "production"): Placeholder {
    const file = `policies/config/${stack}.json`;
    return {
        key: `${file}: eks-public-endpoint-restricted.allowedCidrs[0]`,
        kind: "documentation-range",
        value: "203.0.113.0/24",
        reason: "a documentation range (RFC 5737)",
        fix: `edit ${file}: eks-public-endpoint-restricted.allowedCidrs[0] = <the CIDRs in launchpad:cluster.endpointPublicAccessCidrs>`,
    };
}

/** What the offline plan lists: the config's placeholders, then the pack config's. */
function planned(stack: "staging" | "production"): Placeholder[] {
    return [...committed(stack), packCommitted(stack)];
}

function committed(stack: "staging" | "production"): Placeholder[] {
    const own = stack === "staging"
        ? { email: "platform-alerts-staging@example.com", host: "api.staging.example.com", grafana: "https://grafana.staging.example.com" }
        : { email: "platform-oncall@example.com", host: "api.example.com", grafana: "https://grafana.example.com" };
    return [
        {
            key: "launchpad:cluster.endpointPublicAccessCidrs[0]",
            kind: "documentation-range",
            value: "203.0.113.0/24",
            reason: "a documentation range (RFC 5737)",
            fix: fix("'launchpad:cluster.endpointPublicAccessCidrs[0]'", "<your runners' egress CIDR>", stack),
        },
        ...(["deploy", "preview"] as const).map((role, i) => ({
            key: `launchpad:cluster.access[${i}].principalArn`,
            kind: "example-account" as const,
            value: `arn:aws:iam::111122223333:role/launchpad-${stack}-${role}`,
            reason: "an ARN in an example AWS account (the AWS documentation's)",
            fix: fix(`'launchpad:cluster.access[${i}].principalArn'`, "<the IAM role's ARN>", stack),
        })),
        {
            // Not in the stack file: the default, listed because grafana:url is set (alerts link their runbooks there).
            key: "launchpad:observability.runbookBaseUrl",
            kind: "example-repository",
            value: "https://github.com/acme/launchpad/blob/main/docs/runbooks",
            reason: 'the default, a repository of the example organization "acme" (alerts link their runbooks there)',
            fix: fix("launchpad:observability.runbookBaseUrl", "<your runbooks' URL>", stack),
        },
        {
            key: "launchpad:alerting.emailAddresses[0]",
            kind: "example-domain",
            value: own.email,
            reason: "a reserved example domain (RFC 2606)",
            fix: fix("'launchpad:alerting.emailAddresses[0]'", "<your team's e-mail address>", stack),
        },
        {
            key: "launchpad:alerting.slackWebhookUrl",
            kind: "secret",
            value: null,
            reason: "required since launchpad:alerting.slack is true",
            fix: fix("launchpad:alerting.slackWebhookUrl", "<Slack incoming-webhook URL>", stack, "--secret --path"),
        },
        ...(stack === "production"
            ? [{
                key: "launchpad:alerting.pagerDutyIntegrationKey",
                kind: "secret" as const,
                value: null,
                reason: "required since the production tier pages through PagerDuty when grafana:url is set",
                fix: fix("launchpad:alerting.pagerDutyIntegrationKey", "<PagerDuty integration key>", stack, "--secret --path"),
            }, {
                key: "launchpad:alerting.heartbeatUrl",
                // Plain text: Grafana keeps a webhook URL in clear (config/schema.ts, SECRET_PATHS).
                kind: "required" as const,
                value: null,
                reason: "required since the production tier watches its alerting pipeline (LaunchpadWatchdog) when grafana:url is set",
                fix: fix("launchpad:alerting.heartbeatUrl", "<heartbeat ping URL>", stack, "--path"),
            }]
            : []),
        {
            key: "launchpad:services.api.expose.ingress.host",
            kind: "example-domain",
            value: own.host,
            reason: "a reserved example domain (RFC 2606)",
            fix: fix("launchpad:services.api.expose.ingress.host", "<your host name>", stack),
        },
        ...(["blue", "green"] as const).map((color) => ({
            key: `launchpad:services.api.releases.${color}.image`,
            kind: "example-image" as const,
            value: color === "blue" ? "ghcr.io/acme/api:1.4.2" : "ghcr.io/acme/api:1.5.0",
            reason: 'an image of the example organization "acme"',
            fix: fix(`launchpad:services.api.releases.${color}.image`, "<your image>", stack),
        })),
        {
            key: "grafana:url",
            kind: "example-domain",
            value: own.grafana,
            reason: "a reserved example domain (RFC 2606)",
            fix: `pulumi config set grafana:url <your Grafana URL> --stack ${stack}`,
        },
        {
            key: "grafana:auth",
            kind: "secret",
            value: null,
            reason: "required since grafana:url is set",
            fix: `pulumi config set --secret grafana:auth <service-account token> --stack ${stack}`,
        },
    ];
}


/** A committed stack's config exactly as the CLI would hand it to a real run (nothing decrypted: there is nothing to decrypt). */
function asRealRun(stack: "staging" | "production", sets: string[] = [], env: Record<string, string> = {}): ConfigInput {
    const sc = stackConfigFor({ stack, sets });
    return { project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, env };
}

describe("a fresh clone", () => {
    it("holds no secure: value in any stack file", () => {
        const files = readdirSync(REPO_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        expect(files.sort()).toEqual(["Pulumi.production.yaml", "Pulumi.staging.yaml"]);
        for (const f of files) {
            expect({ file: f, secure: readFileSync(join(REPO_ROOT, f), "utf8").includes("secure:") }).toEqual({ file: f, secure: false });
        }
    });

    it.each(["staging", "production"] as const)("plans %s offline and lists every placeholder exactly", async (stack) => {
        const plan = await planStack(stack);
        expect(plan.placeholders).toEqual(planned(stack));
    });

    it.each(["staging", "production"] as const)("prints %s's list after the outputs, and in --json as placeholders", async (stack) => {
        const plan = await planStack(stack);
        expect(renderTree(plan).endsWith(`\n\nOutputs:\n${Object.entries(plan.outputs).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join("")}\n${renderPlaceholders(stack, planned(stack))}`)).toBe(true);
        expect((JSON.parse(renderJson(plan)) as { placeholders: unknown }).placeholders).toEqual(planned(stack));
    });

    it("npm run plan exits 0 with the list: placeholders are no error offline", async () => {
        const r = await planCli(["--stack", "production"]);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
        expect(r.stdout.endsWith(`\n${renderPlaceholders("production", planned("production"))}`)).toBe(true);
    });

    it("prints production's section as docs/operations.md shows it under Before the first deploy", async () => {
        const readme = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
        const block = /<!-- placeholders:start -->\n```text\n([\s\S]*?)```\n<!-- placeholders:end -->/.exec(readme);
        const section = renderPlaceholders("production", (await planStack("production")).placeholders);
        // On a difference, paste the section `npm run plan -- --stack production` prints into docs/operations.md.
        expect(block?.[1]).toBe(section);
        expect(section.split("\n")[0]).toBe("Set before the first deploy: 14 placeholders, which a real pulumi preview or up of production refuses");
    });
});

describe("the pack config's placeholders", () => {
    it("lists a documentation range on the endpoint's allow-list and nothing once it is a real range", () => {
        const file = "policies/config/production.json";
        expect(packConfigPlaceholders(file, { "eks-public-endpoint-restricted": { allowedCidrs: ["52.94.0.0/22", "198.51.100.7/32"] } }).map((p) => p.key)).toEqual([`${file}: eks-public-endpoint-restricted.allowedCidrs[1]`]);
        expect(packConfigPlaceholders(file, { "eks-public-endpoint-restricted": { allowedCidrs: ["52.94.0.0/22"] }, "rds-backup-retention": { tier: "production" } })).toEqual([]);
    });

    it("leaves out the endpoint's allow-list where the plan has no public EKS endpoint, which eks-public-endpoint-restricted alone judges (policies/network.ts): nothing there refuses it", () => {
        const file = "policies/config/staging.json";
        const pack = { "eks-public-endpoint-restricted": { allowedCidrs: ["203.0.113.0/24"] }, "other-policy": { url: "https://example.com" } };
        expect(packConfigPlaceholders(file, pack, { publicEksEndpoint: false }).map((p) => p.key)).toEqual([`${file}: other-policy.url`]);
        expect(packConfigPlaceholders(file, pack, { publicEksEndpoint: true }).map((p) => p.key)).toEqual([`${file}: eks-public-endpoint-restricted.allowedCidrs[0]`, `${file}: other-policy.url`]);
    });

    it("npm run plan lists it for the committed stack (a public endpoint) and not for an existing cluster or a private endpoint, whose real preview never refuses it", async () => {
        const key = "policies/config/staging.json: eks-public-endpoint-restricted.allowedCidrs[0]";
        const keys = async (sets: string[], secretSets: string[] = []) => (await planStack("staging", sets, { secretSets })).placeholders.map((p) => p.key);
        expect(await keys([])).toContain(key);
        expect(await keys(["launchpad:cluster.endpointAccess=private", "launchpad:cluster.endpointPublicAccessCidrs=[]"])).not.toContain(key);
        const existing = await keys(["launchpad:observability.prometheusUrl=https://prometheus.shop.internal"], [`launchpad:cluster.kubeconfig=${JSON.stringify("apiVersion: v1\nkind: Config\n")}`]);
        expect(existing).not.toContain(key);
        expect(existing).toContain("launchpad:services.api.releases.blue.image");
    });
});

describe("a real run of the same config", () => {
    it.each(["staging", "production"] as const)("refuses %s with one problem per placeholder, naming the key and the command", (stack) => {
        expect(problemsOf(asRealRun(stack))).toEqual(committed(stack).map(placeholderProblem));
    });

    it("words each problem as received, expected and the fix", () => {
        expect(problemsOf(asRealRun("production")).filter((p) => p.startsWith("launchpad:cluster.endpoint") || p.startsWith("launchpad:alerting.pagerDuty") || p.startsWith("grafana:auth"))).toEqual([
            "launchpad:cluster.endpointPublicAccessCidrs[0]: received \"203.0.113.0/24\"; expected a value of your own, not a documentation range (RFC 5737): set it with `pulumi config set --path 'launchpad:cluster.endpointPublicAccessCidrs[0]' <your runners' egress CIDR> --stack production`",
            "launchpad:alerting.pagerDutyIntegrationKey: received nothing (the key is not set); expected a secret (required since the production tier pages through PagerDuty when grafana:url is set): set it with `pulumi config set --secret --path launchpad:alerting.pagerDutyIntegrationKey <PagerDuty integration key> --stack production`",
            "grafana:auth: received nothing (the key is not set); expected a secret (required since grafana:url is set): set it with `pulumi config set --secret grafana:auth <service-account token> --stack production`",
        ]);
    });

    it("reports placeholders together with every other problem, in one error", () => {
        const problems = problemsOf(asRealRun("staging", ["launchpad:nodeGroup.minSize=10"]));
        expect(problems[0]).toBe("launchpad:nodeGroup.minSize: received 10; expected a number <= launchpad:nodeGroup.maxSize (4)");
        expect(problems.slice(1)).toEqual(committed("staging").map(placeholderProblem));
    });

    it("the program itself, run by anything but the offline plan engine, throws that ConfigError before any resource exists", async () => {
        const sc = stackConfigFor({ stack: "production" });
        let registered = 0;
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                registered++;
                return { id: args.name, state: args.inputs as Record<string, unknown> };
            },
            call: (args) => args.inputs as Record<string, unknown>,
        }, sc.project, sc.stack, true);
        pulumi.runtime.setAllConfig(toRuntimeConfig(sc.values), [...sc.secretKeys]);
        expect(isOfflinePlan()).toBe(false);
        // An async program (index.ts): its ConfigError rejects the promise the language host awaits.
        const program = ((await import("../index")) as unknown as { default: () => Promise<unknown> }).default;
        const thrown = await program().then(() => undefined, (e: unknown) => e);
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).problems).toEqual(committed("production").map(placeholderProblem));
        expect((thrown as ConfigError).message.split("\n")[0]).toBe('Invalid configuration for stack "production" (13 problems):');
        expect(registered).toBe(0);
    });

    it("is offline only while the engine's declaration holds, and only on the mock it declared", async () => {
        const sc = stackConfigFor({ stack: "staging" });
        const mocks = { newResource: () => ({ id: "x", state: {} }), call: () => ({}) };
        await pulumi.runtime.setMocks(mocks, sc.project, sc.stack, true);
        pulumi.runtime.setAllConfig(toRuntimeConfig(sc.values), [...sc.secretKeys]);
        expect(() => loadConfig()).toThrow(ConfigError);
        const end = declareOfflinePlan();
        expect(isOfflinePlan()).toBe(true);
        expect(loadConfig().placeholders).toEqual(committed("staging"));
        // A new runtime (the next run) is not covered by an earlier declaration.
        await pulumi.runtime.setMocks(mocks, sc.project, sc.stack, true);
        expect(isOfflinePlan()).toBe(false);
        end();
        expect(isOfflinePlan()).toBe(false);
    });
});

describe("a stack with the team's own values", () => {
    it.each(["staging", "production"] as const)("%s: a real run accepts it and lists nothing", (stack) => {
        const { values, secretKeys } = deployedConfig(stack);
        const config = parseConfig({ project: "launchpad", stack, values, secretKeys });
        expect(config.placeholders).toEqual([]);
    });

    it("plans offline with no placeholder left: the plan says so", async () => {
        const project = tempProject("staging", deployedStackFile("staging"));
        try {
            writeFileSync(join(project.root, "Pulumi.production.yaml"), stringify({ config: deployedStackFile("production") }));
            for (const stack of ["staging", "production"] as const) {
                const plan = await runPlan({ stack, root: project.root });
                expect(plan.placeholders).toEqual([]);
                expect(renderTree(plan).endsWith("\n\nSet before the first deploy: nothing (no placeholder left)\n")).toBe(true);
                expect((JSON.parse(renderJson(plan)) as { placeholders: unknown }).placeholders).toEqual([]);
            }
        } finally {
            project.dispose();
        }
    });

    it("the own values replace exactly the placeholder values the plan lists", () => {
        for (const stack of ["staging", "production"] as const) {
            const keys = OWN_VALUES[stack].map((s) => s.slice(0, s.indexOf("=")));
            expect(keys).toEqual(committed(stack).filter((p) => p.kind !== "secret").map((p) => p.key));
        }
    });

    it("GRAFANA_AUTH in a real run's environment stands for grafana:auth, as the provider reads it; the offline plan reads no environment", () => {
        const { values, secretKeys } = deployedConfig("staging");
        delete values["grafana:auth"];
        const real = { project: "launchpad", stack: "staging", values, secretKeys };
        expect(problemsOf(real)).toEqual([
            "grafana:auth: received nothing (the key is not set); expected a secret (required since grafana:url is set): set it with `pulumi config set --secret grafana:auth <service-account token> --stack staging`",
        ]);
        expect(problemsOf({ ...real, env: { GRAFANA_AUTH: "glsa_token" } })).toEqual([]);
        expect(parseConfig({ ...real, env: { GRAFANA_AUTH: "glsa_token" }, offlinePlan: true }).placeholders.map((p) => p.key)).toEqual(["grafana:auth"]);
    });
});

describe("a secret stood in offline", () => {
    it("renders as [secret] wherever the program uses it, and its text never appears", async () => {
        const plan = await planStack("production");
        expect(input(named(plan, "launchpad-production-observability-grafana"), "auth")).toBe("[secret]");
        expect(input(named(plan, "launchpad-production-observability-contact-slack"), "slacks")).toEqual([
            { url: "[secret]", title: "{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ template \"default.title\" . }}{{ end }}", text: "{{ with .CommonAnnotations.description }}{{ . }}\n{{ $.CommonAnnotations.runbook_url }}{{ else }}{{ range $.Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ .Annotations.runbook_url }}\n{{ end }}{{ end }}" },
        ]);
        expect((input(named(plan, "launchpad-production-observability-contact-pagerduty"), "pagerduties") as { integrationKey: string }[])[0].integrationKey).toBe("[secret]");
        for (const text of [JSON.stringify(plan), renderTree(plan), renderJson(plan)]) {
            expect(text).not.toContain(OFFLINE_SECRET);
        }
    });

    it("is a secret Output in the config the program reads", async () => {
        const config = await loadConfigFor("production");
        const g = config.observability.grafana;
        const cp = config.observability.contactPoints;
        expect([g?.auth, cp.slackWebhookUrl, cp.pagerDutyIntegrationKey].every((o) => o !== undefined)).toBe(true);
        expect(await Promise.all([g?.auth, cp.slackWebhookUrl, cp.pagerDutyIntegrationKey].map((o) => pulumi.isSecret(o as pulumi.Output<string>)))).toEqual([true, true, true]);
    });
});

describe("which secrets are required: the stack's own choices and the tier", () => {
    // With grafana:url the alerts link their runbooks: the team's own runbook URL, not the acme default.
    const grafana = { ...REQUIRED_CONFIG, "grafana:url": "https://grafana.shop.internal", "grafana:auth": "t", "launchpad:observability": { runbookBaseUrl: "https://git.shop.internal/platform/launchpad/-/blob/main/docs/runbooks" } };
    const real = (values: Record<string, unknown>, tier: "staging" | "production" = "staging"): readonly string[] =>
        problemsOf({ project: "launchpad", stack: "s", values: { ...grafana, "launchpad:tier": tier, ...(tier === "production" ? { "launchpad:network": { natGateways: "perAz" }, "launchpad:promotion": { fromStack: "staging" } } : {}), ...values }, secretKeys: new Set(["grafana:auth", "launchpad:alerting"]) });

    it("staging with e-mail only requires neither Slack nor PagerDuty", () => {
        expect(real({ "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"] } })).toEqual([]);
    });

    it("slack: true or pagerDuty: true requires that secret; production requires PagerDuty by its tier", () => {
        const keys = (ps: readonly string[]) => ps.map((p) => p.slice(0, p.indexOf(": received")));
        expect(keys(real({ "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"], slack: true, pagerDuty: true } }))).toEqual([
            "launchpad:alerting.slackWebhookUrl",
            "launchpad:alerting.pagerDutyIntegrationKey",
        ]);
        // Production's tier also watches its alerting pipeline: the Watchdog's heartbeat.
        expect(keys(real({ "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"] } }, "production"))).toEqual(["launchpad:alerting.pagerDutyIntegrationKey", "launchpad:alerting.heartbeatUrl"]);
        expect(real({ "launchpad:alerting": { pagerDutyIntegrationKey: "k", heartbeatUrl: "https://hc-ping.com/0b1c" } }, "production")).toEqual([]);
    });

    it("nothing is required without grafana:url: no contact point exists; production requires grafana:url itself (its alerts run in Grafana only)", () => {
        const values = { ...REQUIRED_CONFIG, "launchpad:tier": "production", "launchpad:network": { natGateways: "perAz" }, "launchpad:promotion": { fromStack: "staging" }, "launchpad:alerting": { slack: true } };
        expect(problemsOf({ project: "launchpad", stack: "s", values: { ...values, "launchpad:tier": "staging" }, secretKeys: new Set() })).toEqual([]);
        expect(problemsOf({ project: "launchpad", stack: "s", values, secretKeys: new Set() })).toEqual([
            "grafana:url: received nothing (the key is not set); expected the Grafana server's URL in a production stack, which must page: its alert rules are evaluated by Grafana only, so without it no alert fires: set it with `pulumi config set grafana:url <https URL> --stack s`",
        ]);
    });

    it("a secret that is set but invalid is one problem, not also \"not set\"", () => {
        expect(real({ "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"] }, "grafana:auth": "" })).toEqual([
            "grafana:auth: received [secret]; expected at least 1 character",
        ]);
    });

    it("refuses pagerDuty: false in production with Grafana, and a flag that contradicts a set secret", () => {
        expect(real({ "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"], pagerDuty: false, heartbeatUrl: "https://hc-ping.com/0b1c" } }, "production")).toEqual([
            "launchpad:alerting.pagerDuty: received [secret]; expected true or unset in a production stack with grafana:url: page alerts must reach a pager",
        ]);
        expect(real({ "launchpad:alerting": { slack: false, slackWebhookUrl: "https://hooks.slack.com/x" } })).toEqual([
            "launchpad:alerting.slack: received [secret]; expected true or unset, since launchpad:alerting.slackWebhookUrl is set (to stop Slack, remove the webhook: `pulumi config rm --path launchpad:alerting.slackWebhookUrl`)",
        ]);
    });
});

describe("what counts as a placeholder", () => {
    it.each([
        ["203.0.113.0/24", true],
        ["203.0.113.128/25", true],
        ["198.51.100.7", true],
        ["192.0.2.0/24", true],
        ["203.0.112.0/23", false],
        ["203.0.0.0/16", false],
        ["18.204.20.0/24", false],
        ["10.0.0.0/8", false],
    ])("documentation address %s: %s", (text, expected) => {
        expect(isDocumentationAddress(text)).toBe(expected);
    });

    it.each([
        ["example.com", true],
        ["api.staging.example.com", true],
        ["Example.ORG.", true],
        ["grafana.example.net", true],
        ["shop.example", true],
        ["myexample.com", false],
        ["example.com.au", false],
        ["shop.internal", false],
    ])("example domain %s: %s", (host, expected) => {
        expect(isExampleDomain(host)).toBe(expected);
    });

    it.each([
        ["https://github.com/acme/launchpad/blob/main/docs/runbooks", true],
        ["https://GitHub.com/Acme/launchpad", true],
        ["https://gitlab.com/acme/platform/launchpad/-/blob/main/docs", true],
        ["https://bitbucket.org/acme/launchpad/src/main/docs", true],
        ["https://github.com/acmecorp/launchpad", false],
        ["https://github.com/team/acme", false],
        ["https://git.shop.internal/acme/launchpad", false],
        ["github.com/acme/launchpad", false],
    ])("example organization's repository %s: %s", (url, expected) => {
        expect(isExampleRepositoryUrl(url)).toBe(expected);
    });

    describe("the default runbook URL (github.com/acme/launchpad), which every alert links once grafana:url is set", () => {
        const withGrafana = (observability?: Record<string, unknown>): Record<string, unknown> =>
            stagingConfig({ "grafana:url": "https://grafana.shop.internal", "grafana:auth": "t", "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"] }, ...(observability !== undefined ? { "launchpad:observability": observability } : {}) });
        const runbookEntries = (values: Record<string, unknown>) =>
            parseConfig({ project: "launchpad", stack: "qa", values, secretKeys: new Set(["grafana:auth"]), offlinePlan: true }).placeholders.filter((p) => p.key.startsWith("launchpad:observability"));
        const fixCommand = "pulumi config set --path launchpad:observability.runbookBaseUrl <your runbooks' URL> --stack qa";

        it("is listed offline when the key is not set, and a real run refuses it with the key and the command", () => {
            const listed = {
                key: "launchpad:observability.runbookBaseUrl",
                kind: "example-repository",
                value: "https://github.com/acme/launchpad/blob/main/docs/runbooks",
                reason: 'the default, a repository of the example organization "acme" (alerts link their runbooks there)',
                fix: fixCommand,
            };
            expect(runbookEntries(withGrafana())).toEqual([listed]);
            expect(runbookEntries(withGrafana({ thresholds: { errorRatio: 0.05 } }))).toEqual([listed]);
            expect(problemsOf({ project: "launchpad", stack: "qa", values: withGrafana(), secretKeys: new Set(["grafana:auth"]) })).toEqual([
                `launchpad:observability.runbookBaseUrl: received "https://github.com/acme/launchpad/blob/main/docs/runbooks"; expected a value of your own, not the default, a repository of the example organization "acme" (alerts link their runbooks there): set it with \`${fixCommand}\``,
            ]);
        });

        it("is listed when set to a URL of the example organization, and not at all once set to the team's own", () => {
            expect(runbookEntries(withGrafana({ runbookBaseUrl: "https://github.com/acme/launchpad/tree/main/docs/runbooks" }))).toEqual([{
                key: "launchpad:observability.runbookBaseUrl",
                kind: "example-repository",
                value: "https://github.com/acme/launchpad/tree/main/docs/runbooks",
                reason: 'a repository of the example organization "acme"',
                fix: fixCommand,
            }]);
            expect(problemsOf({ project: "launchpad", stack: "qa", values: withGrafana({ runbookBaseUrl: "https://github.com/shop/launchpad/blob/main/docs/runbooks" }), secretKeys: new Set(["grafana:auth"]) })).toEqual([]);
        });

        it("is no placeholder without grafana:url: no alert rule links it", () => {
            expect(problemsOf({ project: "launchpad", stack: "qa", values: stagingConfig(), secretKeys: new Set() })).toEqual([]);
        });
    });

    it("finds them anywhere a stack holds text, by path, and leaves the rest alone", () => {
        const config = parseConfig({
            project: "launchpad",
            stack: "qa",
            values: stagingConfig({
                "launchpad:services": {
                    web: {
                        env: { API_BASE: "https://api.example.org/v1", MIRROR: "acme/api:1" },
                        releases: { blue: { image: "acme/web:1.0.0" }, green: { image: "registry.example.net/web:1.0.1" } },
                    },
                    shop: { releases: { blue: { image: "ghcr.io/acmecorp/shop:1" }, green: { image: "ghcr.io/acme-shop/shop:2" } } },
                },
                "launchpad:observability": { prometheusUrl: "http://198.51.100.7:9090" },
                "launchpad:tags": { "cost-center": "billing@example.com", owner: "team@shop.internal" },
            }),
            secretKeys: new Set(),
            offlinePlan: true,
        });
        expect(config.placeholders.map((p) => [p.key, p.kind, p.fix])).toEqual([
            ["launchpad:observability.prometheusUrl", "documentation-range", "pulumi config set --path launchpad:observability.prometheusUrl <your Prometheus query URL> --stack qa"],
            ["launchpad:tags[\"cost-center\"]", "example-domain", "pulumi config set --path 'launchpad:tags[\"cost-center\"]' <your value> --stack qa"],
            ["launchpad:services.web.env.API_BASE", "example-domain", "pulumi config set --path launchpad:services.web.env.API_BASE <your value> --stack qa"],
            ["launchpad:services.web.releases.blue.image", "example-image", "pulumi config set --path launchpad:services.web.releases.blue.image <your image> --stack qa"],
            ["launchpad:services.web.releases.green.image", "example-domain", "pulumi config set --path launchpad:services.web.releases.green.image <your image> --stack qa"],
        ]);
    });

    it("never reads a secret path, and shows no value of a key held as a secret", () => {
        // The kubeconfig's example host is never judged; the CIDR beside it is an EKS-only setting an existing cluster ignores (no stand-in asked for).
        const existing = stagingConfig({
            "launchpad:cluster": { kubeconfig: "server: https://k8s.example.com", endpointPublicAccessCidrs: ["192.0.2.0/24"] },
            "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" },
        });
        expect(parseConfig({ project: "launchpad", stack: "qa", values: existing, secretKeys: new Set(["launchpad:cluster"]), offlinePlan: true }).placeholders.filter((p) => p.key.startsWith("launchpad:cluster"))).toEqual([]);
        const cluster = stagingConfig({})["launchpad:cluster"] as Record<string, unknown>;
        const values = stagingConfig({ "launchpad:cluster": { ...cluster, endpointAccess: "public", endpointPublicAccessCidrs: ["192.0.2.0/24"] } });
        const config = parseConfig({ project: "launchpad", stack: "qa", values, secretKeys: new Set(["launchpad:cluster"]), offlinePlan: true });
        expect(config.placeholders).toEqual([{
            key: "launchpad:cluster.endpointPublicAccessCidrs[0]",
            kind: "documentation-range",
            value: "[secret]",
            reason: "a documentation range (RFC 5737)",
            fix: "pulumi config set --path 'launchpad:cluster.endpointPublicAccessCidrs[0]' <your runners' egress CIDR> --stack qa",
        }]);
        expect(placeholderProblem(config.placeholders[0])).toBe(
            "launchpad:cluster.endpointPublicAccessCidrs[0]: received [secret]; expected a value of your own, not a documentation range (RFC 5737): set it with `pulumi config set --path 'launchpad:cluster.endpointPublicAccessCidrs[0]' <your runners' egress CIDR> --stack qa`",
        );
    });
});
