/**
 * Issue 13, class 1: a value that came from a secret stays a secret wherever it goes, and goes only
 * where Kubernetes and AWS keep secrets. Through the real entry points: `npm run plan` (`planCli`,
 * `--set-secret` standing in for `pulumi config set --secret --path`) and `npm run policy`
 * (`policyCli` on a saved plan edited by hand).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { runPlan } from "../plan/engine";
import { loadStackConfig, SECRET_PLACEHOLDER } from "../plan/stack-config";
import { SECRET_TEXT } from "../plan/values";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { stagingConfig, tempProject } from "./support/project";

interface Res { urn: string; type: string; name: string; inputs: Record<string, unknown> }
interface Doc { stack: string; resources: Res[] }

const PROD = ["--stack", "production"];
const SLACK_SECRET = ["--set-secret", "launchpad:alerting.slackWebhookUrl=https://hooks.slack.com/services/T0/B0/xyz"];
const PD_SECRET = ["--set-secret", "launchpad:alerting.pagerDutyIntegrationKey=0123456789abcdef0123456789abcdef"];
const INVALID = 'Invalid configuration for stack "production" (1 problem):\n  - ';
const IN_CLEAR = "received [secret]; expected plain text: Launchpad writes this value where it is kept in clear (a pod spec, an AWS setting, a ConfigMap), so a secret goes only in a service's env values, a smoke check's headers or body, or one of cluster.kubeconfig, alerting.slackWebhookUrl, alerting.pagerDutyIntegrationKey, releaseIdKey, grafana:auth";

describe("npm run plan: secret config that would land in clear is a config error (exit 2, exact message)", () => {
    it.each([
        [
            "a plain PagerDuty key beside a secure Slack webhook (checked per leaf, not per key)",
            [...SLACK_SECRET, "--set", "launchpad:alerting.pagerDutyIntegrationKey=plain-key-1234"],
            "launchpad:alerting.pagerDutyIntegrationKey: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:alerting.pagerDutyIntegrationKey <key>`",
        ],
        [
            "a plain Slack webhook beside a secure PagerDuty key",
            [...PD_SECRET, "--set", "launchpad:alerting.slackWebhookUrl=https://hooks.slack.com/services/T0/B0/plain"],
            "launchpad:alerting.slackWebhookUrl: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:alerting.slackWebhookUrl <url>`",
        ],
        [
            "a secure tag value",
            ["--set-secret", "launchpad:tags.owner=team-secret"],
            "launchpad:tags.owner: received [secret]; expected a plain-text tag value: AWS keeps tags in clear (state, consoles, billing reports), so a secret never goes in a tag",
        ],
        [
            "the whole tags map set as a secret: each of its values",
            ["--set-secret", "launchpad:tags={owner: team-secret}"],
            "launchpad:tags.owner: received [secret]; expected a plain-text tag value: AWS keeps tags in clear (state, consoles, billing reports), so a secret never goes in a tag",
        ],
        [
            "a secure namespace: it names every object in clear",
            ["--set-secret", "launchpad:cluster.namespace=team-hunter2"],
            `launchpad:cluster.namespace: ${IN_CLEAR}`,
        ],
        [
            "a secure smoke bodyContains: the gate reports it in its verdict",
            ["--set-secret", "launchpad:services.api.smoke.checks[0].bodyContains=hunter2"],
            `launchpad:services.api.smoke.checks[0].bodyContains: ${IN_CLEAR}`,
        ],
        [
            "an unknown key holding a secret: its value is not echoed",
            ["--set-secret", "launchpad:slackWebhook=hunter2-top-level"],
            "launchpad:slackWebhook: received [secret]; expected no such key (allowed: launchpad:tier, launchpad:drRegion, launchpad:namePrefix, launchpad:network, launchpad:cluster, launchpad:nodeGroup, launchpad:database, launchpad:backup, launchpad:observability, launchpad:alerting, launchpad:tags, launchpad:services, launchpad:activeColor, launchpad:promotion, launchpad:releaseIdKey)",
        ],
        [
            "an unknown field beside a secret: the key's values are not echoed",
            [...SLACK_SECRET, ...PD_SECRET, "--set", "launchpad:alerting.slackWebhookURL=hunter2-field"],
            "launchpad:alerting.slackWebhookURL: received [secret]; expected no such field (allowed: emailAddresses, slack, pagerDuty, slackWebhookUrl, pagerDutyIntegrationKey, heartbeatUrl)",
        ],
    ])("%s", async (_what, args, message) => {
        const r = await planCli([...PROD, ...args]);
        expect(r.stderr).toBe(`${INVALID}${message}\n`);
        expect(r.code).toBe(2);
        expect(r.stderr).not.toContain("hunter2");
    });

    it("both alerting secrets secure: accepted", async () => {
        const r = await planCli([...PROD, ...SLACK_SECRET, ...PD_SECRET]);
        expect(r.stderr).not.toContain("Invalid configuration");
        expect(r.code).toBe(0);
    });

    it("secure values where Launchpad keeps them secret: a service's and a release's env, a smoke header and body: accepted", async () => {
        const r = await planCli([
            "--stack", "staging",
            "--set-secret", "launchpad:services.api.env.API_TOKEN=t0k3n",
            "--set-secret", "launchpad:services.api.releases.green.env.FEATURE_KEY=k3y",
            "--set-secret", "launchpad:services.api.smoke.checks[0].headers.Authorization=Bearer t0k3n",
            "--set", "launchpad:services.api.smoke.checks[1].method=POST",
            "--set-secret", "launchpad:services.api.smoke.checks[1].body=s3cr3t",
        ]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});

describe("stack file secrets and --set (plan/stack-config.ts)", () => {
    const project = tempProject("secrets", stagingConfig({
        "launchpad:alerting": { slackWebhookUrl: { secure: "v1:c2xhY2s=" }, pagerDutyIntegrationKey: { secure: "v1:cGQ=" } },
        "launchpad:tags": { owner: "team-a" },
    }));
    afterAll(() => project.dispose());

    it.each([
        ["the file alone: both leaves secure", [], ["launchpad:alerting.pagerDutyIntegrationKey", "launchpad:alerting.slackWebhookUrl"], ["launchpad:alerting"]],
        ["--set of one secure leaf makes that leaf plain; its sibling stays secure", ["launchpad:alerting.slackWebhookUrl=https://x.example/plain"], ["launchpad:alerting.pagerDutyIntegrationKey"], ["launchpad:alerting"]],
        ["--set of the whole key drops every secret marking under it", ["launchpad:alerting={emailAddresses: [a@example.com]}"], [], []],
        ["--set of another key changes nothing", ["launchpad:tags.team=platform"], ["launchpad:alerting.pagerDutyIntegrationKey", "launchpad:alerting.slackWebhookUrl"], ["launchpad:alerting"]],
    ])("%s", (_what, sets, paths, keys) => {
        const sc = loadStackConfig({ root: project.root, stack: "secrets", sets });
        expect([...sc.secretPaths].sort()).toEqual(paths);
        expect([...sc.secretKeys].sort()).toEqual(keys);
    });

    it("--set-secret marks exactly its path, and the value is never the text given", () => {
        const sc = loadStackConfig({ root: project.root, stack: "secrets", secretSets: ['launchpad:tags["cost center"]=ledger'] });
        expect([...sc.secretPaths].sort()).toEqual(["launchpad:alerting.pagerDutyIntegrationKey", "launchpad:alerting.slackWebhookUrl", 'launchpad:tags["cost center"]']);
        expect(sc.values["launchpad:tags"]).toEqual({ owner: "team-a", "cost center": SECRET_PLACEHOLDER });
    });

    it("a plain value --set over the file's secure webhook is refused, not masked as a secret", async () => {
        const err = await runPlan({ root: project.root, stack: "secrets", sets: ["launchpad:alerting.slackWebhookUrl=https://hooks.slack.com/services/T0/B0/plain"] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([
            "launchpad:alerting.slackWebhookUrl: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:alerting.slackWebhookUrl <url>`",
        ]);
    });
});

describe("npm run plan: secret service config goes only into Kubernetes Secrets", () => {
    const secretArgs = [...PROD, "--json", "--set-secret", "launchpad:services.api.env.API_TOKEN=t0k3n", "--set-secret", "launchpad:services.api.smoke.checks[0].headers.Authorization=Bearer t0k3n"];
    const planned = (async () => {
        const r = await planCli(secretArgs);
        if (r.code !== 0) throw new Error(`the plan failed (exit ${r.code}): ${r.stderr}`);
        return JSON.parse(r.stdout) as Doc;
    })();
    const find = async (type: string, name: string): Promise<Res> => {
        const found = (await planned).resources.find((x) => x.type === type && x.name === name);
        if (found === undefined) throw new Error(`no ${type} ${name} in the plan`);
        return found;
    };
    const podOf = (r: Res) => ((r.inputs.spec as { template: { spec: { containers: { env?: unknown[] }[]; volumes?: unknown[] } } }).template.spec);

    it.each([
        ["blue", "launchpad-production-api-blue"],
        ["green", "launchpad-production-api-green"],
    ])("the %s Deployment reads every service env var from its env Secret by secretKeyRef", async (color, name) => {
        const env = podOf(await find("kubernetes:apps/v1:Deployment", name)).containers[0].env?.slice(0, 2);
        expect(env).toEqual([
            { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: `api-${color}-env`, key: "API_TOKEN" } } },
            { name: "LOG_LEVEL", valueFrom: { secretKeyRef: { name: `api-${color}-env`, key: "LOG_LEVEL" } } },
        ]);
        expect((await find("kubernetes:core/v1:Secret", `${name}-env`)).inputs.stringData).toEqual({ API_TOKEN: SECRET_TEXT, LOG_LEVEL: SECRET_TEXT });
    });

    it("the smoke policy (its headers) is in a Secret, not the gate's ConfigMap; the gate mounts both as one volume", async () => {
        expect(Object.keys((await find("kubernetes:core/v1:ConfigMap", "launchpad-production-api-smoke")).inputs.data as object)).toEqual(["runner.cjs"]);
        expect((await find("kubernetes:core/v1:Secret", "launchpad-production-api-smoke-policy")).inputs.stringData).toEqual({ "policy.json": SECRET_TEXT });
        expect(podOf(await find("kubernetes:batch/v1:Job", "launchpad-production-api-blue-gate")).volumes).toEqual([
            { name: "smoke", projected: { sources: [{ configMap: { name: "api-smoke" } }, { secret: { name: "api-smoke-policy" } }] } },
        ]);
    });

    it("with plain service config nothing changes: literals and the ConfigMap, no extra Secret", async () => {
        const r = await planCli([...PROD, "--json"]);
        const doc = JSON.parse(r.stdout) as Doc;
        const deployment = doc.resources.find((x) => x.name === "launchpad-production-api-blue" && x.type === "kubernetes:apps/v1:Deployment") as Res;
        expect(podOf(deployment).containers[0].env?.[0]).toEqual({ name: "LOG_LEVEL", value: "warn" });
        expect(doc.resources.filter((x) => x.type === "kubernetes:core/v1:Secret").map((x) => x.name)).toEqual(["launchpad-production-database-connection", "launchpad-production-database-app-connection"]);
    });

    it("the plan passes the pack, secrets-stay-secret included", async () => {
        const r = await planCli([...secretArgs.filter((a) => a !== "--json"), "--policy"]);
        expect(r.stdout).toContain("Policies: 0 violations (0 mandatory, 0 advisory)");
        expect(r.code).toBe(0);
    });
});

describe("npm run policy: secrets-stay-secret flags a secret input in a non-secret field (mandatory, exit 3)", () => {
    const dir = mkdtempSync(join(tmpdir(), "launchpad-secrets-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const saved = (async () => JSON.parse((await planCli([...PROD, "--json"])).stdout) as Doc)();

    /** The saved production plan with `edit` applied to the named resource's inputs. */
    async function policyOf(name: string, edit: (inputs: Record<string, unknown>) => void): Promise<{ code: number; lines: string[] }> {
        const doc = structuredClone(await saved);
        const r = doc.resources.find((x) => x.name === name);
        if (r === undefined) throw new Error(`no ${name}`);
        edit(r.inputs);
        const file = join(dir, `${name}.json`);
        writeFileSync(file, JSON.stringify(doc));
        const out = await policyCli(["--plan", file, "--stack", "production"]);
        return { code: out.code, lines: out.stdout.split("\n").filter((l) => l.includes("secrets-stay-secret") || l.includes("puts a secret")) };
    }

    it.each([
        [
            "an env literal in a Deployment",
            "launchpad-production-api-blue",
            (i: Record<string, unknown>) => { ((i.spec as { template: { spec: { containers: { env: { value?: string }[] }[] } } }).template.spec.containers[0].env[0]).value = SECRET_TEXT; },
            "launchpad:delivery:BlueGreenService$kubernetes:apps/v1:Deployment::launchpad-production-api-blue",
            "Deployment api-blue puts a secret in plain-text spec.template.spec.containers[0].env[0].value: keep it where the provider keeps secrets (a Kubernetes Secret read with secretKeyRef, a password field), never a literal, a ConfigMap or a tag.",
        ],
        [
            "a ConfigMap entry",
            "launchpad-production-api-smoke",
            (i: Record<string, unknown>) => { (i.data as Record<string, unknown>)["policy.json"] = SECRET_TEXT; },
            "launchpad:delivery:BlueGreenService$kubernetes:core/v1:ConfigMap::launchpad-production-api-smoke",
            "ConfigMap api-smoke puts a secret in plain-text data.policy.json: keep it where the provider keeps secrets (a Kubernetes Secret read with secretKeyRef, a password field), never a literal, a ConfigMap or a tag.",
        ],
        [
            "an AWS tag",
            "launchpad-production-database-instance",
            (i: Record<string, unknown>) => { (i.tags as Record<string, unknown>).owner = SECRET_TEXT; },
            "launchpad:database:Database$aws:rds/instance:Instance::launchpad-production-database-instance",
            "aws:rds/instance:Instance launchpad-production-database-instance puts a secret in plain-text tags.owner: keep it where the provider keeps secrets (a Kubernetes Secret read with secretKeyRef, a password field), never a literal, a ConfigMap or a tag.",
        ],
    ])("%s", async (_what, name, edit, urnTail, message) => {
        const r = await policyOf(name, edit);
        expect(r.lines).toEqual([`  [mandatory] secrets-stay-secret  urn:pulumi:production::launchpad::launchpad:environment:Environment$${urnTail}`, `      ${message}`]);
        expect(r.code).toBe(3);
    });

    it.each([
        ["the RDS password", "launchpad-production-database-instance", (i: Record<string, unknown>) => { i.password = SECRET_TEXT; }],
        ["a Secret's stringData", "launchpad-production-database-connection", (i: Record<string, unknown>) => { i.stringData = SECRET_TEXT; }],
        // An existing cluster's identifier is the API server of its secret kubeconfig (components/cluster.ts kubeconfigServer).
        ["the Kubernetes Provider's clusterIdentifier", "launchpad-production-cluster-k8s", (i: Record<string, unknown>) => { i.clusterIdentifier = SECRET_TEXT; }],
    ])("a secret in a secret field passes: %s", async (_what, name, edit) => {
        const r = await policyOf(name, edit);
        expect(r.lines).toEqual([]);
        expect(r.code).toBe(0);
    });
});
