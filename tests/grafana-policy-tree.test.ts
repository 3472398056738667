/**
 * Every stack reads its Grafana organization's notification policy tree before replacing it, and
 * refuses a tree routing another environment's alerts (observability/grafana-policy-tree.ts). Against
 * a real HTTP server (node:http) answering `GET /api/v1/provisioning/policies` as Grafana does
 * (grafana/grafana provisioning_policies.go `RouteGetPolicyTree`), with the headers the provider
 * would send (terraform-provider-grafana pkg/provider/configure_clients.go `parseAuth` at 3f9621f;
 * grafana-openapi-client-go client/grafana_http_api_client.go at 5b95bb1).
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkPolicyTree, grafanaAuthHeaders, policyTreeEndpoint, readPolicyTree } from "../observability/grafana-policy-tree";
import { foreignPolicyTreeProblem } from "../observability/grafana-target";
import { runPlan } from "../plan/engine";
import { grafanaDefaultTree, launchpadTree } from "./support/grafana-tree";
import { named } from "./support/plan";

const TOKEN = "glsa_s3cr3tT0ken_0123456789";

/** What the server answers next, and the requests it saw. */
let answer: { status: number; body: string; hang?: boolean } = { status: 200, body: "{}" };
let seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
    server = createServer((req, res) => {
        seen.push({ method: req.method, url: req.url, headers: req.headers });
        if (answer.hang === true) {
            return; // never answers: the read's timeout must end it
        }
        res.writeHead(answer.status, { "Content-Type": "application/json" });
        res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
    seen = [];
    answer = { status: 200, body: "{}" };
});

const serve = (tree: unknown): void => {
    answer = { status: 200, body: JSON.stringify(tree) };
};
const staging = (): { stack: string; target: { url: string; orgId: string } } => ({ stack: "staging", target: { url: base, orgId: "1" } });

describe("checkPolicyTree: staging pointed at production's organization", () => {
    it("a tree with production's routes: the update is refused with foreignPolicyTreeProblem's exact message", async () => {
        serve(launchpadTree("production"));
        const verdict = await checkPolicyTree(staging(), base, TOKEN, { preview: false });
        expect(verdict).toEqual({
            refuse: `grafana:url: stack "staging" would replace the notification policy tree of ${base}, organization 1, ` +
                'which routes the alerts of "production" (environment=production); expected an organization whose tree routes no other environment\'s alerts: ' +
                "an organization has one notification policy tree, which each stack's update replaces, so the other environment's alerts would match no route " +
                'and reach stack "staging"\'s default contact point. Give this stack a token of another organization (grafana:auth) or another grafana:url (docs/observability.md)',
        });
        expect(verdict).toEqual({ refuse: foreignPolicyTreeProblem(staging(), launchpadTree("production")) });
        expect(seen).toEqual([expect.objectContaining({ method: "GET", url: "/api/v1/provisioning/policies" })]);
    });

    it("in a preview the same tree is a warning saying pulumi up refuses it", async () => {
        serve(launchpadTree("production"));
        expect(await checkPolicyTree(staging(), base, TOKEN, { preview: true })).toEqual({ warn: `${foreignPolicyTreeProblem(staging(), launchpadTree("production")) ?? ""}; pulumi up refuses it` });
    });

    it.each([
        ["a fresh organization: Grafana's default tree (vendor/grafana-default-policy)", grafanaDefaultTree()],
        ["the tree staging wrote before", launchpadTree("staging")],
    ])("%s: allowed, nothing said", async (_, tree) => {
        serve(tree);
        expect(await checkPolicyTree(staging(), base, TOKEN, { preview: false })).toBeUndefined();
    });

    it("401 (a token Grafana refuses): a warning naming the status, never the token, and the update goes on (the provider's own requests fail on their own)", async () => {
        answer = { status: 401, body: JSON.stringify({ message: "Invalid API key" }) };
        const verdict = await checkPolicyTree(staging(), base, TOKEN, { preview: false });
        expect(verdict).toEqual({
            warn: `grafana:url: the notification policy tree of ${base}, organization 1, was not read (GET ${base}/api/v1/provisioning/policies answered HTTP 401 Unauthorized), ` +
                'so whether it routes another environment\'s alerts is not checked before stack "staging"\'s tree replaces it; ' +
                "the provider's own requests, with the same grafana:url and grafana:auth, fail on their own if Grafana is unreachable or refuses the credentials",
        });
        expect(JSON.stringify(verdict)).not.toContain(TOKEN);
    });
});

describe("readPolicyTree: the request the provider would make", () => {
    it.each([
        ["a token: Bearer, trimmed, no org header (API keys are org-scoped)", ` ${TOKEN} `, { authorization: `Bearer ${TOKEN}`, org: undefined }],
        ["user:password: basic auth, each part trimmed, org 1", " admin : pa:ss ", { authorization: `Basic ${Buffer.from("admin:pa:ss").toString("base64")}`, org: "1" }],
        ["anonymous: no credentials", "anonymous", { authorization: undefined, org: undefined }],
        ["no grafana:auth and no GRAFANA_AUTH: no credentials", undefined, { authorization: undefined, org: undefined }],
    ])("%s", async (_, auth, expected) => {
        serve(grafanaDefaultTree());
        expect(await readPolicyTree(base, auth)).toEqual({ tree: grafanaDefaultTree() });
        expect(seen).toHaveLength(1);
        expect(seen[0].headers.authorization).toBe(expected.authorization);
        expect(seen[0].headers["x-grafana-org-id"]).toBe(expected.org);
        expect(grafanaAuthHeaders(auth)).toEqual({ ...(expected.authorization !== undefined ? { Authorization: expected.authorization } : {}), ...(expected.org !== undefined ? { "X-Grafana-Org-Id": expected.org } : {}) });
    });

    it("under grafana:url's path, as the provider joins it (url.JoinPath(<path>, \"api\")); the query and fragment are not sent", async () => {
        serve({});
        await readPolicyTree(`${base}/grafana/?orgId=2#x`, TOKEN);
        expect(seen.map((r) => r.url)).toEqual(["/grafana/api/v1/provisioning/policies"]);
        expect(policyTreeEndpoint("https://Grafana.Example.com:443/ops/")).toBe("https://grafana.example.com/ops/api/v1/provisioning/policies");
    });

    it("a server that does not answer in time: a failure, not a hang", async () => {
        answer = { status: 200, body: "{}", hang: true };
        expect(await readPolicyTree(base, TOKEN, 200)).toEqual({ failure: `GET ${base}/api/v1/provisioning/policies failed: no answer in time` });
    });

    it("nothing listening: a failure naming the error's code", async () => {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        expect(await readPolicyTree(url, TOKEN)).toEqual({ failure: `GET ${url}/api/v1/provisioning/policies failed: fetch failed (ECONNREFUSED)` });
    });

    it("a 200 whose body is not JSON (a login page behind a proxy): a failure", async () => {
        answer = { status: 200, body: "<html>login</html>" };
        expect(await readPolicyTree(base, TOKEN)).toEqual({ failure: `GET ${base}/api/v1/provisioning/policies answered a body that is not JSON` });
    });
});

describe("the offline plan asks no server", () => {
    it("staging planned against a Grafana serving production's tree: no request, the notification policy planned (the pull-request and deploy plans stay offline)", async () => {
        serve(launchpadTree("production"));
        const plan = await runPlan({ stack: "staging", sets: [`grafana:url=${base}`] });
        expect(seen).toEqual([]);
        expect(named(plan, "launchpad-staging-observability-policy").inputs.contactPoint).toBe("launchpad-staging-slack");
    });
});
