/**
 * The existing-cluster fork (`launchpad:cluster.kubeconfig`) exercised as a team runs it, through the
 * commands themselves on a stack file of its own (a temporary project): what they read from the
 * stack and what they tell the operator. An existing cluster gets no AMP workspace
 * (`createsAmpWorkspace`, config/cluster.ts), so the tools that look for the stack's Prometheus must
 * send the operator to `launchpad:observability.prometheusUrl`, never to a `pulumi up` that cannot
 * make one.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it, vi } from "vitest";
import { CLUSTER_TYPE, ExistingCluster } from "../components/cluster";
import { encodeConfig, parseConfig } from "../config";
import { createsAmpWorkspace } from "../config/cluster";
import { loadtestCli } from "../loadtest/cli";
import { REPO_ROOT, runPlan } from "../plan/engine";
import { evaluatePlan } from "../policies/evaluate";
import { loadStackConfig } from "../plan/stack-config";
import { planCli } from "../scripts/plan";
import { rulesCli } from "../scripts/rules";
import { promote } from "../scripts/promote";
import type { RollbackStack } from "../scripts/rollback";
import type { StateResource } from "../scripts/state";
import { EXISTING_NETWORK, loadConfigFor, problemsOf } from "./support/config";
import { stagingConfig, tempProject } from "./support/project";

const STACK = "shop";
const KUBECONFIG = { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" };
/** What the cluster runs, declared so that the preflight passes (an ALB controller, metrics-server, a default class). */
const PROVIDES = { ingressClasses: ["alb"], defaultStorageClass: true, metricsApi: true };

/** A staging stack on an existing cluster, no Grafana, no `prometheusUrl`: the documented minimum. */
const noPrometheus = tempProject(STACK, stagingConfig({ "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: PROVIDES } }));
afterAll(() => noPrometheus.dispose());

/** A Deployment's status as pulumi-kubernetes records it once its await saw every replica available. */
const available = (n: number) => ({ observedGeneration: 1, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n });

const NO_WORKSPACE = `stack ${STACK} runs on an existing cluster (launchpad:cluster.kubeconfig), which gets no AMP workspace, and launchpad:observability.prometheusUrl is not set: ` +
    `set it to the query URL of the team's Prometheus (\`pulumi config set --path launchpad:observability.prometheusUrl <url> --stack ${STACK}\`)`;

/** Outputs a test must not need: an existing cluster has no workspace whose URL they could hold. */
const noOutputs = (): never => {
    throw new Error("the stack's outputs were read for a Prometheus an existing cluster cannot have");
};

describe("an existing cluster without observability.prometheusUrl has no Prometheus, and the tools say how to give it one", () => {
    it("config/cluster.ts: an AMP workspace only for Launchpad's own EKS cluster without prometheusUrl", async () => {
        const eks = await loadConfigFor("staging");
        expect(createsAmpWorkspace(eks.cluster, eks.observability.backend)).toBe(true);
        const ownPrometheus = await loadConfigFor("staging", ["launchpad:observability.prometheusUrl=https://prometheus.shop.internal"]);
        expect(createsAmpWorkspace(ownPrometheus.cluster, ownPrometheus.observability.backend)).toBe(false);
        const sc = loadStackConfig({ root: noPrometheus.root, stack: STACK });
        const existing = parseConfig({ project: sc.project, stack: STACK, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        expect(existing.observability.backend).toEqual({ kind: "amp" });
        expect(createsAmpWorkspace(existing.cluster, existing.observability.backend)).toBe(false);
    });

    it("npm run loadtest: the warning names prometheusUrl (not pulumi up), and the stack's outputs are not read", async () => {
        const r = await loadtestCli(["--stack", STACK, "--service", "web", "--scenario", "load", "--print"], {}, noPrometheus.root, { stackOutputs: noOutputs });
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n")[0]).toBe(`warning: the server side will not be judged: ${NO_WORKSPACE}; give --prometheus <url> to judge it against another`);
    });

    it("npm run loadtest --prometheus stack: exit 2, naming prometheusUrl", async () => {
        const r = await loadtestCli(["--stack", STACK, "--service", "web", "--scenario", "load", "--target", "http://127.0.0.1:9", "--prometheus", "stack"], {}, noPrometheus.root, { stackOutputs: noOutputs });
        expect(r).toEqual({ code: 2, stdout: "", stderr: `--prometheus: received "stack"; expected a stack with a Prometheus to query: ${NO_WORKSPACE}\n` });
    });

    it("performance.loadGate is refused, naming prometheusUrl: the gate's Job would get no Prometheus (loadGatePrometheus) and mark a release load: \"pass\" for production on the client's figures alone (issue 15 items 3 and 4)", () => {
        const gate = 'launchpad:services.web.performance={"loadGate":true}';
        const sc = loadStackConfig({ root: noPrometheus.root, stack: STACK, sets: [gate] });
        expect(problemsOf({ project: sc.project, stack: STACK, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true })).toEqual([
            "launchpad:services.web.performance.loadGate: received true; expected false or unset on a stack with no Prometheus to judge the server side (an existing cluster, " +
            "launchpad:cluster.kubeconfig, gets no AMP workspace, and launchpad:observability.prometheusUrl is not set): its pass admits a release to production " +
            "(launchpad:promotion.requireLoad), and without one it would pass on the client's figures alone",
        ]);
        // With the team's Prometheus the gate queries it (loadGatePrometheus), and the stack parses.
        const own = loadStackConfig({ root: noPrometheus.root, stack: STACK, sets: [gate, "launchpad:observability.prometheusUrl=https://prometheus.shop.internal"] });
        expect(problemsOf({ project: own.project, stack: STACK, values: own.values, secretKeys: own.secretKeys, offlinePlan: true })).toEqual([]);
    });

    it("npm run promote: refused before any change, naming prometheusUrl (a pulumi up would never make a workspace)", async () => {
        const sc = loadStackConfig({ root: noPrometheus.root, stack: STACK });
        const plan = await runPlan({ stack: STACK, root: noPrometheus.root });
        // The state of a deployed stack: every gate Job succeeded, every Deployment available.
        const resources: StateResource[] = plan.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            inputs: r.inputs,
            outputs: r.type === "kubernetes:batch/v1:Job" ? { ...r.state, status: { succeeded: 1 } }
                : r.type === "kubernetes:apps/v1:Deployment" ? { ...r.state, status: available((r.inputs as { spec: { replicas: number } }).spec.replicas) }
                : r.state,
        }));
        const calls: string[] = [];
        const stack: RollbackStack = {
            getAllConfig: () => Promise.resolve(encodeConfig(sc.values, sc.secretKeys)),
            setConfig: (key) => Promise.resolve(void calls.push(`set ${key}`)),
            removeConfig: (key) => Promise.resolve(void calls.push(`rm ${key}`)),
            exportStack: () => Promise.resolve({ deployment: { resources } }),
            outputs: () => Promise.resolve(Object.fromEntries(Object.entries(plan.outputs).filter(([k]) => k !== "kubeconfig").map(([k, v]) => [k, { value: v }]))),
            up: () => Promise.reject(new Error("no update may run")),
        };
        const r = await promote(["--stack", STACK, "--service", "web"], {
            selectStack: () => Promise.resolve(stack),
            // The pack is not what this test is about (tests/policy-stacks.test.ts runs it on existing clusters).
            policyCheck: () => Promise.resolve([]),
            prometheus: noOutputs,
        });
        expect(r.code).toBe(1);
        expect(r.stderr.split("\n").at(-2)).toBe(`refused before any change: no Prometheus to analyse with: ${NO_WORKSPACE}`);
        expect(calls).toEqual([]);
    });
});

describe("npm run plan --changes with a secret override", () => {
    it("names each --set-secret it cannot compare, and what another cluster's kubeconfig replaces", async () => {
        const kubeconfig = "apiVersion: v1\nclusters: [{name: shop, cluster: {server: \"https://shop.k8s.internal\"}}]\ncontexts: [{name: shop, context: {cluster: shop, user: deploy}}]\ncurrent-context: shop\nusers: [{name: deploy, user: {token: t}}]\n";
        const r = await planCli(["--stack", "staging", "--changes",
            "--set", "launchpad:observability.prometheusUrl=https://prometheus.shop.internal",
            "--set-secret", `launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig)}`,
            "--set-secret", "grafana:auth=glsa_rotated"]);
        expect(r.code).toBe(0);
        const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning: --changes cannot compare"));
        expect(warnings).toEqual([
            "warning: --changes cannot compare launchpad:cluster.kubeconfig: a secret reads \"[secret]\" in both plans, so its change alone shows nothing here; " +
                "a kubeconfig for another API server replaces the Kubernetes provider (its clusterIdentifier) and with it every Kubernetes object of the stack: each is created in the new cluster and deleted from the old one",
            "warning: --changes cannot compare grafana:auth: a secret reads \"[secret]\" in both plans, so its change alone shows nothing here",
        ]);
    });
});

describe("npm run rules on an existing cluster", () => {
    it("without prometheusUrl the rule file is scoped to the namespace as with it: any Prometheus that loads it is the team's, shared", () => {
        const withUrl = tempProject(STACK, stagingConfig({
            "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: PROVIDES },
            "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" },
        }));
        try {
            const without = rulesCli(["--stack", STACK], noPrometheus.root);
            expect(without.code).toBe(0);
            expect(without.stdout).toContain(`http_requests_total{code=~"5..", namespace="launchpad-${STACK}"}`);
            expect(without).toEqual(rulesCli(["--stack", STACK], withUrl.root));
        } finally {
            withUrl.dispose();
        }
    });
});

describe("EKS-only settings on an existing cluster", () => {
    it("a committed stack file given a kubeconfig: every EKS-only setting it keeps is named once, as ignored", async () => {
        const kubeconfig = "apiVersion: v1\nclusters: [{name: shop, cluster: {server: \"https://shop.k8s.internal\"}}]\n";
        const r = await planCli(["--stack", "staging",
            "--set", "launchpad:observability.prometheusUrl=https://prometheus.shop.internal",
            "--set-secret", `launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig)}`]);
        expect(r.code).toBe(0);
        // Pulumi.staging.yaml sets version, endpointAccess, endpointPublicAccessCidrs, access and natGateways.
        expect(r.stderr.split("\n").filter((l) => l.includes("ignored with launchpad:cluster.kubeconfig"))).toEqual([
            "warning: launchpad:cluster.version, launchpad:cluster.endpointAccess, launchpad:cluster.endpointPublicAccessCidrs, launchpad:cluster.access, launchpad:network.natGateways " +
                "are ignored with launchpad:cluster.kubeconfig: they configure the EKS cluster and VPC Launchpad creates, and an existing cluster gets neither " +
                "(access to it is granted in the cluster itself): remove them from the stack",
        ]);
    });

    it("their stand-ins are not asked for: a real run does not refuse what nothing reads, the offline plan lists none of them", async () => {
        const kubeconfig = "apiVersion: v1\nclusters: [{name: shop, cluster: {server: \"https://shop.k8s.internal\"}}]\n";
        const sets = ["launchpad:observability.prometheusUrl=https://prometheus.shop.internal"];
        const secretSets = [`launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig)}`];
        const sc = loadStackConfig({ root: REPO_ROOT, stack: "staging", sets, secretSets });
        const real = (() => {
            try {
                parseConfig({ project: sc.project, stack: "staging", values: sc.values, secretKeys: sc.secretKeys, secretPaths: sc.secretPaths, env: {} });
                return [];
            } catch (e) {
                return (e as { problems: string[] }).problems;
            }
        })();
        // The committed file's other stand-ins (images, hosts) are still refused; the EKS-only ones are not.
        expect(real.some((p) => p.startsWith("launchpad:services.api.releases.blue.image: "))).toBe(true);
        expect(real.filter((p) => /^launchpad:(cluster\.(access|endpointPublicAccessCidrs)|network\.natGateways)/.test(p))).toEqual([]);
        const plan = await runPlan({ stack: "staging", sets, secretSets });
        expect(plan.placeholders.map((p) => p.key).filter((k) => k.startsWith("launchpad:cluster."))).toEqual([]);
    });

    it("a stack file written for an existing cluster: no such warning", () => {
        const sc = loadStackConfig({ root: noPrometheus.root, stack: STACK });
        const config = parseConfig({ project: sc.project, stack: STACK, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        expect(config.warnings).toEqual([]);
    });
});

/**
 * Each variant of the fork as its stack file says it (staging and production; with and without
 * `network.existing`; MySQL and PostgreSQL; Grafana with the team's Prometheus): the policy pack
 * passes a correct config (an earlier audit found every such stack at exit 3), and the outputs are
 * exactly the ones docs/architecture.md "Stack outputs" lists for this mode, so what the deploy
 * workflow (`liveServices`), rollback (`kubeconfig`, `releaseHistory`), promote (`prometheusQueryUrl`),
 * `--previous-outputs` (`identity`) and the runbooks (`namespace`, `databaseIdentifier`, `backupBucket`) read is there.
 */
describe("every variant of the existing cluster: the policy pack passes, and the documented outputs are there", () => {
    // One Grafana server per tier: production refuses its promotion source's organization (observability/grafana-target.ts).
    const grafana = (tier: "staging" | "production") => ({
        "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal", runbookBaseUrl: "https://git.shop.internal/platform/launchpad/-/blob/main/docs/runbooks" },
        "grafana:url": `https://grafana-${tier}.shop.internal`,
        "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"] },
    });
    const database = (engine: "mysql" | "postgres") => ({ engine, engineVersion: engine === "mysql" ? "8.4" : "17", instanceClass: "db.t4g.medium" });
    const stack = (tier: "staging" | "production", net: boolean, engine: "mysql" | "postgres", withGrafana: boolean): Record<string, unknown> => ({
        ...stagingConfig({
            "launchpad:tier": tier,
            "launchpad:cluster": { kubeconfig: KUBECONFIG, provides: PROVIDES },
            ...(net ? { "launchpad:network": { existing: EXISTING_NETWORK }, "launchpad:database": database(engine) } : {}),
            ...(withGrafana ? grafana(tier) : {}),
        }),
        ...(tier === "production" ? { "launchpad:promotion": { fromStack: engine === "mysql" ? "stg-mysql" : "stg-pg" } } : {}),
    });
    // One project, the production stacks promoting from the staging stack of the same engine.
    const project = tempProject("stg-mysql", stack("staging", true, "mysql", true));
    const files: Record<string, Record<string, unknown>> = {
        "stg-pg": stack("staging", true, "postgres", false),
        "stg-none": stack("staging", false, "mysql", false),
        "prd-mysql": stack("production", true, "mysql", true),
        "prd-pg": stack("production", true, "postgres", true),
        "prd-none": stack("production", false, "mysql", true),
    };
    for (const [name, config] of Object.entries(files)) {
        writeFileSync(path.join(project.root, `Pulumi.${name}.yaml`), stringify({ config }));
    }
    afterAll(() => project.dispose());

    const ALWAYS = ["drRegion", "identity", "kubeconfig", "liveServices", "namespace", "pushgatewayUrl", "region", "releaseHistory", "schemaVersions", "tier", "verifiedReleases"];
    const DATA = ["backupBucket", "backupDrVault", "backupReplicaBucket", "backupVault", "databaseAppConnectionSecret", "databaseConnectionSecret", "databaseEndpoint", "databaseIdentifier", "dumpCronJob", "restoreTestingPlan", "verifyCronJob"];
    const GRAFANA = ["grafanaFolderUid", "grafanaTarget", "prometheusQueryUrl"];

    it.each([
        ["stg-mysql", "staging", true, true, 3306],
        ["stg-pg", "staging", true, false, 5432],
        ["stg-none", "staging", false, false, undefined],
        ["prd-mysql", "production", true, true, 3306],
        ["prd-pg", "production", true, true, 5432],
        ["prd-none", "production", false, true, undefined],
    ] as const)("%s (%s, data layer %s, Grafana %s, database port %s)", async (name, tier, data, withGrafana, port) => {
        const plan = await runPlan({ stack: name, root: project.root });
        const violations = await evaluatePlan(plan, path.join(REPO_ROOT, "policies", "config", `${tier}.json`));
        expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);
        expect(Object.keys(plan.outputs).sort()).toEqual([...ALWAYS, ...(data ? DATA : []), ...(withGrafana ? GRAFANA : [])].sort());
        expect(plan.outputs.tier).toBe(tier);
        // The endpoint's port is the engine's (`host:port`): a PostgreSQL stack is not planned as MySQL.
        const endpoint = plan.outputs.databaseEndpoint;
        expect(typeof endpoint === "string" ? /:(\d+)$/.exec(endpoint)?.[1] : endpoint).toBe(port === undefined ? undefined : String(port));
    });
});

describe("what a real preview's stack policies see of the existing cluster", () => {
    it("the Cluster component's registered outputs, not its inputs, and the preflight passes on them: provides and the declared OIDC provider are registered (pulumi/pulumi pkg/resource/deploy/step_generator.go AnalyzeResources, Properties: v.Outputs; step_executor.go executeRegisterResourceOutputs replaces them whole)", async () => {
        const spy = vi.spyOn(ExistingCluster.prototype as unknown as { registerOutputs(o?: Record<string, unknown>): void }, "registerOutputs");
        const kubeconfig = "apiVersion: v1\nclusters: [{name: shop, cluster: {server: \"https://shop.k8s.internal\"}}]\n";
        const sets = [
            "launchpad:observability.prometheusUrl=https://prometheus.shop.internal",
            `launchpad:cluster.provides=${JSON.stringify(PROVIDES)}`,
            `launchpad:network.existing=${JSON.stringify(EXISTING_NETWORK)}`,
        ];
        let plan;
        let calls: (Record<string, unknown> | undefined)[][];
        try {
            plan = await runPlan({ stack: "staging", sets, secretSets: [`launchpad:cluster.kubeconfig=${JSON.stringify(kubeconfig)}`] });
        } finally {
            calls = [...spy.mock.calls];
            spy.mockRestore();
        }
        // The constructor's call; the SDK's own later registerOutputs() (resource.js initializeAndRegisterOutputs) is a no-op once registered.
        const outputs: Record<string, unknown> = calls[0]?.[0] ?? {};
        // The plain values: Outputs (namespace, kubeconfig) are the engine's to resolve, and no policy reads them.
        const registered = Object.fromEntries(Object.entries(outputs).filter(([, v]) => !pulumi.Output.isInstance(v)));
        expect(registered).toEqual({ provides: { ...PROVIDES, storageClasses: [], containerMetrics: false }, oidcProviderArn: EXISTING_NETWORK.oidcProviderArn });
        // The plan records them, and the offline evaluator hands them (not the inputs) to stack policies.
        const cluster = plan.resources.find((r) => r.type === CLUSTER_TYPE);
        expect(cluster?.registeredOutputs).toEqual({ ...registered, namespace: "launchpad-staging", kubeconfig: "[secret]" });
        // The plan has a data layer, whose IRSA roles trust the declared provider: judged as the CLI would see the component.
        expect(plan.resources.some((r) => r.type === "aws:iam/role:Role")).toBe(true);
        const violations = await evaluatePlan(plan, path.join(REPO_ROOT, "policies", "config", "staging.json"));
        expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });

    it("a component that does not register what the preflight reads fails offline, as it would under the CLI: without oidcProviderArn among the existing cluster's outputs, preflight-irsa-trust refuses the data layer's IRSA service accounts", async () => {
        type Register = (this: unknown, outputs?: Record<string, unknown>) => void;
        const original = (ExistingCluster.prototype as unknown as { registerOutputs: Register }).registerOutputs;
        const spy = vi.spyOn(ExistingCluster.prototype as unknown as { registerOutputs: Register }, "registerOutputs").mockImplementation(function (this: unknown, outputs?: Record<string, unknown>) {
            original.call(this, Object.fromEntries(Object.entries(outputs ?? {}).filter(([k]) => k !== "oidcProviderArn")));
        });
        const sets = [
            "launchpad:observability.prometheusUrl=https://prometheus.shop.internal",
            `launchpad:cluster.provides=${JSON.stringify(PROVIDES)}`,
            `launchpad:network.existing=${JSON.stringify(EXISTING_NETWORK)}`,
        ];
        let plan;
        try {
            plan = await runPlan({ stack: "staging", sets, secretSets: ["launchpad:cluster.kubeconfig=\"apiVersion: v1\\n\""] });
        } finally {
            spy.mockRestore();
        }
        expect(plan.resources.find((r) => r.type === CLUSTER_TYPE)?.inputs.oidcProviderArn).toBe(EXISTING_NETWORK.oidcProviderArn);
        const violations = await evaluatePlan(plan, path.join(REPO_ROOT, "policies", "config", "staging.json"));
        const refused = violations.filter((v) => v.level === "mandatory");
        expect(refused.length).toBeGreaterThan(0);
        expect(new Set(refused.map((v) => v.policy))).toEqual(new Set(["preflight-irsa-trust"]));
        expect(refused.every((v) => v.message.includes("the existing cluster declares none"))).toBe(true);
    });
});
