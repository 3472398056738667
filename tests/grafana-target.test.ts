/**
 * Production refuses a Grafana organization it shares with staging: an organization has one
 * notification policy tree, which `grafana.alerting.NotificationPolicy` owns whole
 * (terraform-provider-grafana resource_alerting_notification_policy.go: "manages the entire
 * notification policy tree and overwrites its policies"), so each stack's update would replace the other's routes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";
import { alertContext, alertGroups } from "../observability/alerts";
import { ENVIRONMENT_LABEL, foreignPolicyTreeProblem, GRAFANA_TARGET_OUTPUT, grafanaServer, grafanaTargetOf, routedEnvironments, sharedGrafanaProblem } from "../observability/grafana-target";
import { alertLabels } from "../observability/prometheus-rules";
import { PlanError, REPO_ROOT, runPlan } from "../plan/engine";
import { loadConfigFor } from "./support/config";
import { grafanaDefaultTree, launchpadTree } from "./support/grafana-tree";
import { named, planStack } from "./support/plan";

const STAGING = "organization/launchpad/staging";

describe("grafanaServer: grafana:url normalized to name one server", () => {
    it.each([
        ["the committed staging URL", "https://grafana.staging.example.com", "https://grafana.staging.example.com"],
        ["host case, default port and trailing slash", "https://Grafana.Example.com:443/", "https://grafana.example.com"],
        ["a sub-path, under which the provider sends every request", "https://ops.example.com/grafana/", "https://ops.example.com/grafana"],
        ["a non-default port", "https://grafana.example.com:8443", "https://grafana.example.com:8443"],
        ["query and fragment left out", "https://grafana.example.com/?orgId=2#x", "https://grafana.example.com"],
        ["http on localhost", "http://localhost:3000", "http://localhost:3000"],
    ])("%s", (_, url, server) => {
        expect(grafanaServer(url)).toBe(server);
    });
});

describe("grafanaTargetOf: the source stack's output as read through the StackReference", () => {
    it.each([
        ["a target", { url: "https://grafana.example.com", orgId: "2" }, { url: "https://grafana.example.com", orgId: "2" }],
        ["absent (a stack not yet updated, or without grafana:url)", undefined, undefined],
        ["an org id of another type", { url: "https://grafana.example.com", orgId: 2 }, undefined],
        ["not an object", "https://grafana.example.com", undefined],
    ])("%s", (_, output, target) => {
        expect(grafanaTargetOf(output)).toEqual(target);
    });
});

describe("sharedGrafanaProblem", () => {
    const here = { stack: "production", target: { url: "https://grafana.example.com", orgId: "1" } };
    it("refuses the source's server and organization, naming both stacks, the URL, the org and the fix", () => {
        expect(sharedGrafanaProblem(here, { stack: STAGING, target: { url: "https://grafana.example.com", orgId: "1" } })).toBe(
            `grafana:url: stack "production" and its promotion source "${STAGING}" both send alerting to https://grafana.example.com, organization 1; ` +
            "expected a separate Grafana organization or server: an organization has one notification policy tree, which each stack's update replaces, " +
            "so one stack's alerts would match no route and reach the other's default contact point. Give this stack a token of another organization " +
            "(grafana:auth) or another grafana:url (docs/observability.md)");
    });
    it.each([
        ["another organization on the same server", { url: "https://grafana.example.com", orgId: "2" }],
        ["another server, same org id", { url: "https://grafana.staging.example.com", orgId: "1" }],
        ["no target exported by the source", undefined],
    ])("accepts %s", (_, target) => {
        expect(sharedGrafanaProblem(here, { stack: STAGING, target })).toBeUndefined();
    });
});

describe("the committed stacks: each exports its Grafana target, production checks staging's", () => {
    it("staging and production export their server and the org Grafana reported for their data source (the mock's default org, 1)", async () => {
        const [staging, production] = await Promise.all([planStack("staging"), planStack("production")]);
        expect(staging.outputs[GRAFANA_TARGET_OUTPUT]).toEqual({ url: "https://grafana.staging.example.com", orgId: "1" });
        expect(production.outputs[GRAFANA_TARGET_OUTPUT]).toEqual({ url: "https://grafana.example.com", orgId: "1" });
    });

    it("production's notification policy waits on staging's target (the StackReference) and its own data source's org; staging's on its data source only", async () => {
        const [staging, production] = await Promise.all([planStack("staging"), planStack("production")]);
        expect(named(production, "launchpad-production-observability-policy").propertyDependencies.contactPoint).toEqual([
            named(production, "launchpad-production-promotion-source").urn,
            named(production, "launchpad-production-observability-prometheus").urn,
        ]);
        expect(named(staging, "launchpad-staging-observability-policy").propertyDependencies.contactPoint).toEqual([
            named(staging, "launchpad-staging-observability-prometheus").urn,
        ]);
    });
});

describe("production refuses staging's Grafana organization before its notification policy", () => {
    const SERVER = "https://grafana.example.com";
    /** Production planned against `stagingTarget`, with previous outputs recording `productionOrg` when given: the plan's log, or its error. */
    const planProduction = async (stagingTarget: unknown, productionOrg?: string): Promise<{ log?: readonly string[]; error?: unknown }> => {
        const staging = { ...(await planStack("staging")).outputs, [GRAFANA_TARGET_OUTPUT]: stagingTarget };
        const previousOutputs = productionOrg !== undefined ? { [GRAFANA_TARGET_OUTPUT]: { url: SERVER, orgId: productionOrg } } : undefined;
        return runPlan({ stack: "production", stackOutputs: (name) => (name === STAGING ? staging : undefined), ...(previousOutputs !== undefined ? { previousOutputs } : {}) })
            .then((plan) => ({ log: plan.log }), (error: unknown) => ({ error }));
    };
    const productionWith = async (stagingTarget: unknown): Promise<unknown> => (await planProduction(stagingTarget, "1")).error;

    it("same server and organization: a ResourceError, and no notification policy registered", async () => {
        const error = await productionWith({ url: SERVER, orgId: "1" });
        expect(error).toBeInstanceOf(PlanError);
        const e = error as PlanError;
        expect(e.errors).toEqual([expect.stringContaining(`grafana:url: stack "production" and its promotion source "${STAGING}" both send alerting to https://grafana.example.com, organization 1;`)]);
        expect(e.partial?.registered).not.toContain("launchpad-production-observability-policy");
        expect(e.partial?.registered).toContain("launchpad-production-observability-prometheus");
    });

    it.each([
        ["staging in another organization of the same server", { url: "https://grafana.example.com", orgId: "2" }],
        ["staging exporting no target (not yet updated, or no grafana:url)", undefined],
    ])("%s: production plans its notification policy", async (_, target) => {
        expect(await productionWith(target)).toBeUndefined();
    });

    // The organization is Grafana's answer for the data source (resource_data_source.go datasourceToState),
    // which the state keeps and the previous outputs record: offline, the plan answers that one.
    it("one server, an organization per stack (the refusal's own advice): staging in org 1, production's previous outputs recording org 2, nothing refused", async () => {
        const { error, log } = await planProduction({ url: SERVER, orgId: "1" }, "2");
        expect(error).toBeUndefined();
        expect(log?.filter((l) => l.includes("grafana:url"))).toEqual([]);
    });

    it("offline without previous outputs (the pull-request and deploy plans) the organization is a stand-in: a warning, not a refusal", async () => {
        const { error, log } = await planProduction({ url: SERVER, orgId: "1" });
        expect(error).toBeUndefined();
        expect(log?.filter((l) => l.includes("grafana:url"))).toEqual([
            expect.stringMatching(/^warning: .*grafana:url: stack "production" and its promotion source .* both send alerting to https:\/\/grafana\.example\.com, organization 1; .*this offline plan has no previous outputs, so this stack's organization is a stand-in/),
        ]);
    });
});

describe("routedEnvironments: the environments a Grafana policy tree routes (GET /api/v1/provisioning/policies' Route)", () => {
    it.each([
        ["a fresh organization: Grafana's default root route, no matcher", grafanaDefaultTree(), []],
        ["production's tree as the provider writes it (object_matchers triples)", launchpadTree("production"), ["production"]],
        ["staging's own tree", launchpadTree("staging"), ["staging"]],
        ["Prometheus text matchers, quoted", { receiver: "r", routes: [{ receiver: "p", matchers: ['severity="page"', 'environment="production"'] }] }, ["production"]],
        ["Prometheus text matchers, unquoted and spaced", { receiver: "r", routes: [{ receiver: "p", matchers: ["environment = qa"] }] }, ["qa"]],
        ["the deprecated match map", { receiver: "r", routes: [{ receiver: "p", match: { environment: "production" } }] }, ["production"]],
        ["nested two levels down, once each, sorted", { receiver: "r", routes: [{ receiver: "a", routes: [{ receiver: "b", object_matchers: [["environment", "=", "qa"]] }] }, { receiver: "c", object_matchers: [["environment", "=", "production"]] }, { receiver: "d", object_matchers: [["environment", "=", "qa"]] }] }, ["production", "qa"]],
        ["regex and negative matchers name no one environment", { receiver: "r", routes: [{ receiver: "a", object_matchers: [["environment", "=~", "prod.*"], ["environment", "!=", "staging"]], matchers: ['environment=~"prod"', 'environment!="x"'], match_re: { environment: "production" } }] }, []],
        ["another label with the same value", { receiver: "r", routes: [{ receiver: "a", object_matchers: [["env", "=", "production"]], matchers: ['envir="production"'] }] }, []],
        ["not a route", "Unauthorized", []],
        ["null", null, []],
    ])("%s", (_, tree, environments) => {
        expect(routedEnvironments(tree)).toEqual(environments);
    });
});

describe("foreignPolicyTreeProblem: a stack refuses to replace a tree routing another environment's alerts", () => {
    const staging = { stack: "staging", target: { url: "https://grafana.example.com", orgId: "1" } };
    it("staging pointed at production's organization: refused, naming production, the server, the org and the fix", () => {
        expect(foreignPolicyTreeProblem(staging, launchpadTree("production"))).toBe(
            'grafana:url: stack "staging" would replace the notification policy tree of https://grafana.example.com, organization 1, ' +
            'which routes the alerts of "production" (environment=production); expected an organization whose tree routes no other environment\'s alerts: ' +
            "an organization has one notification policy tree, which each stack's update replaces, so the other environment's alerts would match no route " +
            'and reach stack "staging"\'s default contact point. Give this stack a token of another organization (grafana:auth) or another grafana:url (docs/observability.md)');
    });
    it("a tree routing this stack and two others names the others only", () => {
        const tree = { receiver: "r", routes: [launchpadTree("staging"), launchpadTree("production"), { receiver: "q", object_matchers: [["environment", "=", "qa"]] }] };
        expect(foreignPolicyTreeProblem(staging, tree)).toContain('which routes the alerts of "production", "qa" (environment=production, environment=qa);');
    });
    it("production pointed at staging's organization is refused too, whatever the StackReference says", () => {
        expect(foreignPolicyTreeProblem({ ...staging, stack: "production" }, launchpadTree("staging"))).toContain('grafana:url: stack "production" would replace the notification policy tree of https://grafana.example.com, organization 1, which routes the alerts of "staging"');
    });
    it.each([
        ["a fresh organization (Grafana's default tree)", grafanaDefaultTree()],
        ["the tree this stack wrote before", launchpadTree("staging")],
        ["an empty body", {}],
    ])("allows %s", (_, tree) => {
        expect(foreignPolicyTreeProblem(staging, tree)).toBeUndefined();
    });
});

describe("one owner for the environment label: what the alerts carry is what the policy tree check reads", () => {
    /**
     * Where observability/, dashboards/ and components/observability.ts spell a label `environment`
     * themselves (a string literal, or an object key): a second spelling could drift from
     * ENVIRONMENT_LABEL, and a tree routing on the other would pass `foreignPolicyTreeProblem` unseen.
     */
    function spelled(): string[] {
        const files = [
            ...["observability", "dashboards"].flatMap((dir) => readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => `${dir}/${f}`)),
            "components/observability.ts",
        ];
        const found: string[] = [];
        for (const file of files) {
            const sf = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
            const visit = (n: ts.Node): void => {
                const key = ts.isPropertyAssignment(n) && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) ? n.name.text : undefined;
                if (key === ENVIRONMENT_LABEL || (ts.isStringLiteral(n) && n.text === ENVIRONMENT_LABEL && !ts.isPropertyAssignment(n.parent))) {
                    found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
                }
                ts.forEachChild(n, visit);
            };
            visit(sf);
        }
        return found;
    }

    it("spelled once, in observability/grafana-target.ts ENVIRONMENT_LABEL", () => {
        expect(spelled()).toEqual([expect.stringMatching(/^observability\/grafana-target\.ts:\d+$/)]);
    });

    it("every alert carries it with the stack's name, and the tree a stack writes routes on it", async () => {
        const [alert] = alertGroups(alertContext(await loadConfigFor("staging"))).flatMap((g) => g.alerts);
        expect(alertLabels(alert, "staging")).toEqual({ severity: alert.severity, [ENVIRONMENT_LABEL]: "staging" });
        expect(routedEnvironments(launchpadTree("staging"))).toEqual(["staging"]);
    });
});
