/**
 * The performance runs' access to the stack's AMP workspace (components/loadtest-access.ts), per stack: in
 * staging a ServiceAccount whose IRSA role exactly that namespace:name may assume through the
 * cluster's OIDC provider, allowed `aps:QueryMetrics` on the workspace alone; in production (no
 * performance profiles) nothing. Then the load gate Job and the operator's Job run as it, with the
 * webhook's needs met (fsGroup for a non-root container, the region for the SDK's STS call).
 */
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { LOADTEST_SERVICE_ACCOUNT, loadtestQueryPolicy } from "../loadtest/access";
import { loadtestCli } from "../loadtest/cli";
import type { RunSpec } from "../loadtest/main";
import { NODE_UID } from "../lib/pod-security";
import { evaluatePlan } from "../policies/evaluate";
import { REPO_ROOT } from "../plan/engine";
import { byUrn, input, named, ofType, planStack } from "./support/plan";

const LOAD_GATE = 'launchpad:services.api.performance={"loadGate":true}';

describe("staging: the runs' ServiceAccount and its query-only role", () => {
    it("exact inputs: trust of launchpad-staging:launchpad-loadtest through the cluster's OIDC provider, aps:QueryMetrics on the workspace, the account annotated with the role", async () => {
        const p = await planStack("staging");
        const access = named(p, "launchpad-staging-loadtest");
        expect([access.type, byUrn(p, access.parent ?? "").type]).toEqual(["launchpad:loadtest:LoadtestAccess", "launchpad:environment:Environment"]);
        expect(p.resources.filter((r) => r.parent === access.urn).map((r) => [r.type, r.name])).toEqual([
            ["aws:iam/role:Role", "launchpad-staging-loadtest-role"],
            ["aws:iam/rolePolicy:RolePolicy", "launchpad-staging-loadtest-policy"],
            ["kubernetes:core/v1:ServiceAccount", "launchpad-staging-loadtest-sa"],
        ]);
        const oidc = named(p, "launchpad-staging-cluster-oidc");
        const issuer = (input(oidc, "url") as string).replace(/^https:\/\//, "");
        const role = named(p, "launchpad-staging-loadtest-role");
        expect(Object.keys(role.inputs).sort()).toEqual(["assumeRolePolicy", "tags"]);
        expect(JSON.parse(input(role, "assumeRolePolicy") as string)).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: oidc.arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:launchpad-staging:launchpad-loadtest", [`${issuer}:aud`]: "sts.amazonaws.com" } },
            }],
        });
        const workspace = named(p, "launchpad-staging-observability-amp");
        const policy = named(p, "launchpad-staging-loadtest-policy");
        expect(policy.inputs).toEqual({ role: role.id, policy: JSON.stringify(loadtestQueryPolicy(String(workspace.arn))) });
        expect(JSON.parse(input(policy, "policy") as string)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["aps:QueryMetrics"], Resource: workspace.arn }] });
        expect(String(workspace.arn)).toMatch(/^arn:aws:aps:us-east-1:\d{12}:workspace\/ws-/);
        expect(named(p, "launchpad-staging-loadtest-sa").inputs).toEqual({
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: LOADTEST_SERVICE_ACCOUNT, namespace: "launchpad-staging", labels: { "app.kubernetes.io/component": "loadtest" }, annotations: { "eks.amazonaws.com/role-arn": role.arn } },
        });
        // The stack's explicit providers, never a default one.
        expect([role.provider, policy.provider]).toEqual([named(p, "launchpad-staging-aws").urn, named(p, "launchpad-staging-aws").urn]);
        expect(named(p, "launchpad-staging-loadtest-sa").provider).toBe(named(p, "launchpad-staging-cluster-k8s").urn);
    });

    it("production carries no performance profiles, so no such account or role", async () => {
        const p = await planStack("production");
        expect(ofType(p, "launchpad:loadtest:LoadtestAccess")).toEqual([]);
        expect(p.resources.filter((r) => r.name.includes("loadtest"))).toEqual([]);
    });
});

interface PodSpec {
    serviceAccountName?: string;
    automountServiceAccountToken: boolean;
    securityContext: Record<string, unknown>;
    containers: { env?: { name: string; value: string }[] }[];
}

describe("the Jobs run as that account and sign for the workspace", () => {
    it("the load gate: the workspace's query URL and region in its spec, the account, fsGroup and AWS_REGION in its pod, after the account and its policy; every policy passes, the IRSA trust preflight included", async () => {
        const p = await planStack("staging", [LOAD_GATE]);
        const endpoint = named(p, "launchpad-staging-observability-amp").state.prometheusEndpoint as string;
        expect(endpoint).toMatch(/^https:\/\/aps-workspaces\.us-east-1\.amazonaws\.com\/workspaces\/ws-.+\/$/);
        for (const color of ["blue", "green"]) {
            const run = JSON.parse((named(p, `launchpad-staging-api-${color}-load-spec`).inputs.data as Record<string, string>)["spec.json"]) as RunSpec;
            expect(run.prometheus).toEqual({ url: endpoint, sigV4Region: "us-east-1" });
            const job = named(p, `launchpad-staging-api-${color}-load`);
            const pod = (input(job, "spec.template.spec") as PodSpec);
            expect(pod.serviceAccountName).toBe(LOADTEST_SERVICE_ACCOUNT);
            expect(pod.automountServiceAccountToken).toBe(false);
            expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: NODE_UID, runAsGroup: NODE_UID, fsGroup: NODE_UID, seccompProfile: { type: "RuntimeDefault" } });
            expect(pod.containers[0].env).toEqual([{ name: "AWS_REGION", value: "us-east-1" }]);
            expect(job.dependsOn).toEqual(expect.arrayContaining([named(p, "launchpad-staging-loadtest-sa").urn, named(p, "launchpad-staging-loadtest-policy").urn]));
        }
        expect(await evaluatePlan(p)).toEqual([]);
    });

    it("with observability.prometheusUrl instead, the gate queries it unsigned, as the default account", async () => {
        const p = await planStack("staging", [LOAD_GATE, "launchpad:observability.prometheusUrl=http://prometheus.monitoring.svc:9090"]);
        const run = JSON.parse((named(p, "launchpad-staging-api-blue-load-spec").inputs.data as Record<string, string>)["spec.json"]) as RunSpec;
        expect(run.prometheus).toEqual({ url: "http://prometheus.monitoring.svc:9090" });
        const pod = (input(named(p, "launchpad-staging-api-blue-load"), "spec.template.spec") as PodSpec);
        expect([pod.serviceAccountName, pod.containers[0].env, pod.securityContext.fsGroup]).toEqual([undefined, undefined, undefined]);
    });

    it("the operator's Job (npm run loadtest --print) runs as the same account, with the same env", async () => {
        const url = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/";
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "soak", "--print"], {}, REPO_ROOT, { stackOutputs: () => Promise.resolve({ prometheusQueryUrl: { value: url } }) });
        expect(r.code).toBe(0);
        const job = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; spec: { template: { spec: PodSpec } } }).find((d) => d.kind === "Job");
        const pod = job?.spec.template.spec;
        expect([pod?.serviceAccountName, pod?.automountServiceAccountToken, pod?.securityContext.fsGroup, pod?.containers[0].env]).toEqual([LOADTEST_SERVICE_ACCOUNT, false, NODE_UID, [{ name: "AWS_REGION", value: "us-east-1" }]]);
    });
});
