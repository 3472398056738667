/**
 * `npm run rollback` against a fake Automation API workspace (tests/support/fake-stack.ts): the
 * stack's config comes from the real stack file as a team deploys it, its state from the offline
 * plan, and the fake records every config change and the targeted update, so the test sees exactly
 * what the command would ask Pulumi to do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { ALB_ACTIONS, ANNOTATIONS, COLORS, ROLE_LABEL, ROLES, type Color } from "../lib/delivery";
import { previewServiceName } from "../lib/workload";
import { planChanges } from "../plan/changes";
import { REPO_ROOT } from "../plan/engine";
import type { ServiceConfig } from "../config";
import { albColorIn, mandatoryViolations, rollback, switchedPlan, switchedPlanViolations, type RollbackDeps } from "../scripts/rollback";
import { kubernetesReader } from "../scripts/readiness";
import type { CliResult } from "../scripts/cli";
import type { StateResource } from "../scripts/state";
import { deployedConfig, OWN_VALUES, type CommittedStack } from "./support/deployed";
import { deployedPlan, fakeStack as sharedFakeStack, stagingReferenceOutputs, type FakeStack } from "./support/fake-stack";
import { closedPort } from "./support/http-server";
import { deploymentJson, hpaJson, kubeconfigFor, podJson, startKubeApi, type KubeApi, type PodShape } from "./support/kube-api";
import { named, planStack, type Plan, type PlannedResource } from "./support/plan";
import { validateKubernetesObject } from "./support/k8s-schema";
import { refused } from "./support/config";
import { EXPAND } from "./support/expand-migration";

/** The cluster the stacks' kubeconfig points at: the real client reads Deployments from it. */
let kube: KubeApi;
beforeAll(async () => {
    kube = await startKubeApi();
});
afterAll(async () => {
    await kube.close();
});

function fakeStack(
    stack: CommittedStack,
    sets: string[] = [],
    upResult: "succeeded" | Error = "succeeded",
    asCommitted = false,
    state: (resources: StateResource[]) => StateResource[] = (r) => r,
    outputs?: Record<string, unknown>,
): Promise<FakeStack> {
    return sharedFakeStack(kube, stack, { sets, upResult, asCommitted, state, outputs });
}

/**
 * The default pre-check (`switchedPlanViolations`, the offline plan of the switched config judged by
 * the pack), run once per distinct input in this file: the switched plan is keyed by the stack,
 * target, the whole switch context and the pack config's contents (each fake stack writes its own copy
 * of the same file), so every run still gets the verdict the default would give it. Most tests here
 * switch staging as deployed to blue: 16 identical pre-check plans and pack evaluations, ~3 CPU-s.
 */
const preChecks = new Map<string, Promise<string[]>>();
const sharedPreCheck: NonNullable<RollbackDeps["policyCheck"]> = (stackName, moving, target, stack) => {
    const key = JSON.stringify([stackName, target, stack.service ?? null, stack.values, [...stack.secretKeys].sort(), stack.outputs, stack.promotionSource ?? null,
        stack.packConfig === undefined ? null : fs.readFileSync(stack.packConfig, "utf8")]);
    let verdict = preChecks.get(key);
    if (verdict === undefined) {
        verdict = switchedPlanViolations(stackName, moving, target, stack);
        preChecks.set(key, verdict);
    }
    return verdict;
};

async function run(argv: string[], fake: Pick<FakeStack, "deps">): Promise<Awaited<ReturnType<typeof rollback>>> {
    return rollback(argv, { policyCheck: sharedPreCheck, ...fake.deps });
}

/** The state with api's alb Ingress weighting `color` alone, in its inputs and its recorded object. */
function ingressOn(color: Color): (resources: StateResource[]) => StateResource[] {
    return ingressForwarding(COLORS.map((c) => ({ serviceName: previewServiceName("api", c), servicePort: "http", weight: c === color ? 100 : 0 })));
}

/** The state with api's alb Ingress forwarding to `targetGroups`, in its inputs and its recorded object. */
function ingressForwarding(targetGroups: Record<string, unknown>[]): (resources: StateResource[]) => StateResource[] {
    const action = JSON.stringify({ type: "forward", forwardConfig: { targetGroups } });
    return (resources) => resources.map((x) => {
        if (x.type !== "kubernetes:networking.k8s.io/v1:Ingress") return x;
        const annotations = Object.fromEntries(Object.entries(x.inputs?.metadata?.annotations ?? {}).map(([k, v]) => [k, k.startsWith(ALB_ACTIONS.annotationPrefix) ? action : v]));
        const metadata = { ...x.inputs?.metadata, annotations };
        return { ...x, inputs: { ...x.inputs, metadata }, outputs: { ...x.outputs, metadata } };
    });
}

describe("npm run rollback", () => {
    it("switches every service to the other color and updates only the live Service and the alb Ingress's weights", async () => {
        const fake = await fakeStack("staging");
        const live = named(await planStack("staging"), "launchpad-staging-api-live").urn;
        const ingress = named(await planStack("staging"), "launchpad-staging-api-ingress").urn;
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({
            code: 0,
            stdout: `api: green -> blue\nswitched, with the policy pack: ${live}, ${ingress}\ncommit Pulumi.staging.yaml: it now names the live color, and a deploy from an older copy would switch back\n`,
            stderr: "",
        });
        expect(fake.recorded.calls).toEqual([
            "set launchpad:activeColor=blue",
            "rm launchpad:services.api.activeColor (path)",
            "up targetDependents=false",
        ]);
        expect(fake.recorded.targets).toEqual([[live, ingress]]);
        // The policy pack runs on the rollback's update too, with the stack's own pack config.
        expect(fake.recorded.ups).toEqual([{
            target: [live, ingress],
            targetDependents: false,
            policyPacks: [path.join(REPO_ROOT, "policies")],
            policyPackConfigs: [path.join(REPO_ROOT, "policies", "config", "staging.json")],
        }]);
    });

    it("sets one service's color by path with --service and --to", async () => {
        const fake = await fakeStack("production");
        const live = named(await planStack("production"), "launchpad-production-api-live").urn;
        const ingress = named(await planStack("production"), "launchpad-production-api-ingress").urn;
        const r = await run(["--stack", "production", "--service", "api", "--to", "green"], fake);
        expect(r.code).toBe(0);
        expect(fake.recorded.calls).toEqual(["set launchpad:services.api.activeColor=green (path)", "up targetDependents=false"]);
        expect(fake.recorded.targets).toEqual([[live, ingress]]);
    });

    it("the config it sets plans as a change to the live selector and the alb Ingress's weights only: the URNs it targets", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:activeColor=blue"]);
        const changed = after.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.resources.find((b) => b.urn === r.urn)?.inputs));
        expect(changed.map((r) => r.urn)).toEqual([named(before, "launchpad-staging-api-live").urn, named(before, "launchpad-staging-api-ingress").urn]);
    });

    it("does nothing when the service is already live on that color", async () => {
        const fake = await fakeStack("staging");
        expect(await run(["--stack", "staging", "--service", "api", "--to", "green"], fake)).toEqual({ code: 0, stdout: "api: already live on green; nothing to do\n", stderr: "" });
        expect(fake.recorded.calls).toEqual([]);
    });

    it("refuses an unknown service or color with exit code 2 and changes nothing", async () => {
        const fake = await fakeStack("staging");
        expect(await run(["--stack", "staging", "--service", "web"], fake)).toEqual({ code: 2, stdout: "", stderr: '--service: received "web"; expected one of "api"\n' });
        expect(await run(["--stack", "staging", "--to", "purple"], fake)).toEqual({ code: 2, stdout: "", stderr: '--to: received "purple"; expected one of "blue", "green"\n' });
        expect((await run([], fake)).code).toBe(2);
        expect(fake.recorded.calls).toEqual([]);
    });

    it("exits 1 and says what state the stack is in when the update fails", async () => {
        const fake = await fakeStack("staging", [], new Error("timed out waiting for Service api to become ready"));
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({
            code: 1,
            stdout: "api: green -> blue\n",
            stderr: "the targeted update of the live Service(s) failed: timed out waiting for Service api to become ready\n" +
                "the stack's config now names blue; run `pulumi up --stack staging` again, or roll back to the previous color\n",
        });
    });

    it("after a failed update the config already names the new color, but traffic is where the state says: a rerun still switches", async () => {
        // The failed run wrote activeColor blue; the live Service in the state still selects green.
        const stillGreen = (rs: StateResource[]): StateResource[] => rs.map((x) => (x.type === "kubernetes:core/v1:Service" && x.inputs?.metadata?.labels?.[ROLE_LABEL] === ROLES.live
            ? { ...x, inputs: { ...x.inputs, spec: { ...x.inputs.spec, selector: { app: "api", color: "green" } } }, outputs: { ...x.outputs, spec: { ...x.outputs?.spec, selector: { app: "api", color: "green" } } } }
            : x));
        const fake = await fakeStack("staging", ["launchpad:activeColor=blue"], "succeeded", false, stillGreen);
        const plan = await planStack("staging");
        const [live, ingress] = [named(plan, "launchpad-staging-api-live").urn, named(plan, "launchpad-staging-api-ingress").urn];
        const r = await run(["--stack", "staging", "--to", "blue"], fake);
        expect(r.code).toBe(0);
        expect(r.stdout.split("\n")[0]).toBe("api: green -> blue");
        expect(fake.recorded.targets).toEqual([[live, ingress]]);
        // Where the state agrees with the config, there is nothing to do.
        const agreed = await fakeStack("staging", ["launchpad:activeColor=blue"]);
        expect(await run(["--stack", "staging", "--to", "blue"], agreed)).toEqual({ code: 0, stdout: "api: already live on blue; nothing to do\n", stderr: "" });
    });

    it("a switch left half done (the live Service moved to blue, then the load balancer controller's webhook refused the alb Ingress): without --to it is refused naming both colors; --to finishes it or goes back, the Ingress targeted too", async () => {
        // The failed run wrote activeColor blue and moved the selector; the Ingress in the state still weights green.
        const half = ingressOn("green");
        const plan = await planStack("staging");
        const [live, ingress] = [named(plan, "launchpad-staging-api-live").urn, named(plan, "launchpad-staging-api-ingress").urn];
        const other = await fakeStack("staging", ["launchpad:activeColor=blue"], "succeeded", false, half);
        expect(await run(["--stack", "staging"], other)).toEqual({
            code: 2,
            stdout: "",
            stderr: "a switch was left half done by a failed update (api: the live Service selects blue, the alb Ingress sends to green); name the color with --to: the one to finish the switch to, or the one to go back to\n",
        });
        expect(other.recorded.calls).toEqual([]);
        // Not "already live on blue": the ALB's traffic is still on green.
        const finish = await fakeStack("staging", ["launchpad:activeColor=blue"], "succeeded", false, half);
        const r = await run(["--stack", "staging", "--to", "blue"], finish);
        expect(r.code).toBe(0);
        expect(r.stdout.split("\n")[0]).toBe("api: green -> blue");
        expect(finish.recorded.targets).toEqual([[live, ingress]]);
        const back = await fakeStack("staging", ["launchpad:activeColor=blue"], "succeeded", false, half);
        const b = await run(["--stack", "staging", "--to", "green"], back);
        expect(b.code).toBe(0);
        expect(b.stdout.split("\n")[0]).toBe("api: blue -> green");
        expect(back.recorded.targets).toEqual([[live, ingress]]);
    });

    it("reads the ALB's color from the weights the load balancer gets (policies/shared/alb.ts): a lone target group without a weight takes all the traffic; an action the controller refuses tells nothing", async () => {
        const state = (await fakeStack("staging")).resources;
        expect(albColorIn(ingressForwarding([{ serviceName: previewServiceName("api", "green"), servicePort: "http" }])(state), "api")).toBe("green");
        // "weight must be set when route to multiple target groups": the listener keeps what it had, which the state does not say.
        expect(albColorIn(ingressForwarding([{ serviceName: previewServiceName("api", "green"), servicePort: "http" }, { serviceName: previewServiceName("api", "blue"), servicePort: "http", weight: 0 }])(state), "api")).toBeUndefined();
        expect(albColorIn(ingressOn("blue")(state), "api")).toBe("blue");
    });

    it("asks for --service or --to when services are live on different colors", async () => {
        const sets = ["launchpad:services.web={releases: {blue: {image: ghcr.io/launchpad-test/web:1}, green: {image: ghcr.io/launchpad-test/web:2}}, activeColor: blue}"];
        const fake = await fakeStack("staging", sets);
        expect(await run(["--stack", "staging"], fake)).toEqual({ code: 2, stdout: "", stderr: "the services are live on different colors (api: green, web: blue); name --service or --to\n" });
    });

    it("refuses the committed file as it is (placeholders, no secrets) with exit 2 and every fix, and changes nothing", async () => {
        // The targeted update runs the program for real, which would refuse it: say so before any config changes.
        const fake = await fakeStack("production", [], "succeeded", true);
        const r = await run(["--stack", "production"], fake);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4).split(": received")[0])).toEqual([
            "launchpad:cluster.endpointPublicAccessCidrs[0]",
            "launchpad:cluster.access[0].principalArn",
            "launchpad:cluster.access[1].principalArn",
            "launchpad:observability.runbookBaseUrl",
            "launchpad:alerting.emailAddresses[0]",
            "launchpad:alerting.slackWebhookUrl",
            "launchpad:alerting.pagerDutyIntegrationKey",
            "launchpad:alerting.heartbeatUrl",
            "launchpad:services.api.expose.ingress.host",
            "launchpad:services.api.releases.blue.image",
            "launchpad:services.api.releases.green.image",
            "grafana:url",
            "grafana:auth",
        ]);
        expect(r.stderr).toContain("  - grafana:auth: received nothing (the key is not set); expected a secret (required since grafana:url is set): set it with `pulumi config set --secret grafana:auth <service-account token> --stack production`\n");
        expect(fake.recorded.calls).toEqual([]);
    });
});

/** The release id staging's config gives api's blue color, as its planned gate Job carries it. */
async function blueGateRelease(): Promise<string> {
    const metadata = named(await planStack("staging", [...OWN_VALUES.staging]), "launchpad-staging-api-blue-gate").inputs.metadata as { annotations: Record<string, string> };
    return metadata.annotations[ANNOTATIONS.releaseId];
}

/** The state's gate Job of `color` for api, changed by `edit`. */
function editGate(color: string, edit: (job: StateResource) => StateResource): (resources: StateResource[]) => StateResource[] {
    return (resources) => resources.map((r) => (r.type === "kubernetes:batch/v1:Job" && r.inputs?.metadata?.labels?.color === color && r.inputs.metadata.labels.app === "api" ? edit(r) : r));
}

/** What rollback returns when the blue color fails a precondition: exit 1 before any change, `lines` its "  - " lines. */
function blueCannotTakeTraffic(lines: string): CliResult {
    return { code: 1, stdout: "", stderr: "refused before any change: the blue color cannot take traffic\n" + lines };
}

describe("npm run rollback: preconditions, checked before any config is written", () => {
    it("refuses a target color whose gate Job did not succeed, naming it and the fix", async () => {
        const fake = await fakeStack("staging", [], "succeeded", false, editGate("blue", (job) => ({ ...job, outputs: { ...job.outputs, status: { succeeded: 0, failed: 1 } } })));
        const release = await blueGateRelease();
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual(blueCannotTakeTraffic(
            `  - api: the blue color's gate Job for release ${release} has not succeeded (status.succeeded 0, status.failed 1): ` +
            'run `pulumi up --stack staging` so the gate tests api\'s blue release ("ghcr.io/launchpad-test/api:1.4.2"), or roll back to a color whose gate passed\n',
        ));
        expect(fake.recorded.calls).toEqual([]);
    });

    it("refuses a target whose Deployment runs another release than its gate passed: an update rolled a new release, its gate failed, and the old release's Job waits for deletion", async () => {
        const NEWER = "0123456789";
        // The state such a failed update leaves (pulumi/pulumi apitype ResourceV3 `delete`): the Deployment on the newer
        // release, the old release's succeeded gate Job marked for deletion next to the newer release's failed one.
        const state = (resources: StateResource[]): StateResource[] => resources.flatMap((r) => {
            const labels = r.inputs?.metadata?.labels;
            if (labels?.app !== "api" || labels.color !== "blue") return [r];
            if (r.type === "kubernetes:apps/v1:Deployment") {
                const template = { metadata: { annotations: { ...r.outputs?.spec?.template?.metadata?.annotations, [ANNOTATIONS.releaseId]: NEWER } } };
                return [{ ...r, outputs: { ...r.outputs, spec: { ...r.outputs?.spec, template } } }];
            }
            if (r.type === "kubernetes:batch/v1:Job" && labels[ROLE_LABEL] === ROLES.gate) {
                const failed = { ...r, inputs: { ...r.inputs, metadata: { labels, annotations: { ...r.inputs?.metadata?.annotations, [ANNOTATIONS.releaseId]: NEWER } } }, outputs: { ...r.outputs, status: { succeeded: 0, failed: 1 } } };
                return [{ ...r, delete: true }, failed];
            }
            return [r];
        });
        const fake = await fakeStack("staging", [], "succeeded", false, state);
        const release = await blueGateRelease();
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual(blueCannotTakeTraffic(
            `  - api: the blue Deployment's pods run release ${NEWER} (the stack's state), not ${release}, the release config gives blue: no gate passed for what would take traffic; ` +
            'run `pulumi up --stack staging` so blue runs and the gate tests its release ("ghcr.io/launchpad-test/api:1.4.2"), or roll back to a color whose gate passed\n',
        ));
        expect(fake.recorded.calls).toEqual([]);
    });

    describe("a stack whose Grafana token comes from GRAFANA_AUTH (the workflows pass the repository secret), not grafana:auth", () => {
        const withoutAuth = (fake: FakeStack): Pick<FakeStack, "deps"> => ({
            deps: {
                ...fake.deps,
                selectStack: async (name, dir) => {
                    const stack = await fake.deps.selectStack(name, dir);
                    return name !== "staging" ? stack : {
                        ...stack,
                        getAllConfig: async () => Object.fromEntries(Object.entries(await stack.getAllConfig()).filter(([k]) => k !== "grafana:auth")),
                    };
                },
            },
        });
        const withEnv = async <T,>(value: string, body: () => Promise<T>): Promise<T> => {
            const before = process.env.GRAFANA_AUTH;
            process.env.GRAFANA_AUTH = value;
            try {
                return await body();
            } finally {
                if (before === undefined) delete process.env.GRAFANA_AUTH;
                else process.env.GRAFANA_AUTH = before;
            }
        };

        it("switches with the token in the environment", async () => {
            const fake = await fakeStack("staging");
            // The policy pre-check's offline plan reads no environment either way (config/load.ts): its default is tested above.
            const deps = { ...withoutAuth(fake).deps, policyCheck: () => Promise.resolve([]) };
            const r = await withEnv("glsa_from_the_secret", () => rollback(["--stack", "staging"], deps));
            expect(r.stderr).toBe("");
            expect(r.code).toBe(0);
            expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=blue", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
        });

        it("an unset repository secret is an empty string (GitHub docs, Using secrets: \"If a secret has not been set ... an empty string\"): refused before any change, naming grafana:auth", async () => {
            const fake = await fakeStack("staging");
            const r = await withEnv("", () => run(["--stack", "staging"], withoutAuth(fake)));
            expect(r).toEqual(refused("staging", "grafana:auth: received nothing (the key is not set); expected a secret (required since grafana:url is set): set it with `pulumi config set --secret grafana:auth <service-account token> --stack staging`"));
            expect(fake.recorded.calls).toEqual([]);
        });
    });

    it("refuses a switch the policy pack refuses, before any config write, naming each mandatory violation", async () => {
        const fake = await fakeStack("staging");
        const seen: string[] = [];
        const r = await rollback(["--stack", "staging"], {
            ...fake.deps,
            policyCheck: (stack, moving, target) => {
                seen.push(`${stack}: ${moving.map((s) => s.name).join(",")} -> ${target}`);
                return Promise.resolve(["[mandatory] deployability-ingress-controller urn:x: no controller serves IngressClass alb"]);
            },
        });
        expect(seen).toEqual(["staging: api -> blue"]);
        expect(r).toEqual({
            code: 1,
            stdout: "",
            stderr: "refused before any change: the policy pack refuses the stack with api on blue (fix the stack, or run npm run plan -- --stack staging --policy to see it)\n" +
                "  - [mandatory] deployability-ingress-controller urn:x: no controller serves IngressClass alb\n",
        });
        expect(fake.recorded.calls).toEqual([]);
    });

    // Issue 17 (Tests: "policy violation ... refused before any config write"), end to end: no stand-in policy check,
    // the pack itself judging the switched plan. The committed pack config allows only its documentation range, so
    // the deployed stack's API endpoint CIDR is a real mandatory violation, as the targeted update would find.
    it("the real pack on the switched plan: a mandatory violation refuses before any config write, with exit 1 and the violation", async () => {
        const fake = await fakeStack("staging");
        const r = await rollback(["--stack", "staging", "--to", "blue"], { selectStack: fake.deps.selectStack, policyPackConfig: path.join(REPO_ROOT, "policies", "config", "staging.json") });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^refused before any change: the policy pack refuses the stack with api on blue \(fix the stack, or run npm run plan -- --stack staging --policy to see it\)\n {2}- \[mandatory\] eks-public-endpoint-restricted .* admits 18\.204\.20\.0\/24 to its public API endpoint/);
        expect(fake.recorded.calls).toEqual([]);
    });

    it("the default policy check plans the stack's own config with the switch: both stacks as deployed pass", async () => {
        const api = { name: "api" } as ServiceConfig;
        for (const [stack, target] of [["staging", "blue"], ["production", "green"]] as const) {
            const { values, secretKeys } = deployedConfig(stack, []);
            const verifiedReleases = { api: [{ color: "blue", image: "ghcr.io/launchpad-test/api:1.4.2", releaseId: "0" }, { color: "green", image: "ghcr.io/launchpad-test/api:1.5.0", releaseId: "1" }] };
            const promotionSource = stack === "production" ? { promotionSource: { stack: "staging", outputs: { verifiedReleases } } } : {};
            const { policyPackConfig } = (await fakeStack(stack)).deps;
            const context = { values, secretKeys, outputs: {}, ...promotionSource };
            // Planned once, judged under both pack configs: switchedPlanViolations is these two steps with the stack's own pack config (the rollbacks in this file run it).
            const plan = await switchedPlan(stack, [api], target, context);
            expect(await mandatoryViolations(plan, policyPackConfig)).toEqual([]);
            // The committed pack config allows only its documentation range: the deployed CIDR is refused, as the update would refuse it.
            expect(await mandatoryViolations(plan)).toEqual([
                expect.stringMatching(/^\[mandatory\] eks-public-endpoint-restricted .* admits 18\.204\.20\.0\/24 to its public API endpoint/),
            ]);
        }
    });

    // One Grafana server, an organization per stack (the Grafana check's own advice): staging's real outputs say
    // org 1, production's say org 2, which Grafana reported for its data source (terraform-provider-grafana
    // resource_data_source.go datasourceToState). The pre-check plans with production's previous outputs, so it
    // judges that org, not the offline plan's stand-in (1), which refused this switch.
    it("production's pre-check on one Grafana server takes its recorded organization: staging in org 1, production in org 2, the switch planned", async () => {
        const { values, secretKeys } = deployedConfig("production", []);
        const server = "https://grafana.shop.internal";
        const verifiedReleases = { api: [{ color: "blue", image: "ghcr.io/launchpad-test/api:1.4.2", releaseId: "0" }, { color: "green", image: "ghcr.io/launchpad-test/api:1.5.0", releaseId: "1" }] };
        const context = {
            values,
            secretKeys,
            outputs: { grafanaTarget: { url: server, orgId: "2" } },
            promotionSource: { stack: "staging", outputs: { verifiedReleases, grafanaTarget: { url: server, orgId: "1" } } },
        };
        expect(values["grafana:url"]).toBe(server);
        const plan = await switchedPlan("production", [{ name: "api" } as ServiceConfig], "green", context);
        expect(plan.outputs.grafanaTarget).toEqual({ url: server, orgId: "2" });
    });

    // The pre-check must plan the config the targeted update will run, which applySwitch writes: a stack-wide
    // switch sets launchpad:activeColor and removes every service's own color, so a service that does not
    // move (already live on the target by the state) but follows the stack-wide color runs on the target
    // too. Here web is live on blue while the stack file still says green for both (a switch a failed update
    // left half done): the rollback moves api only, and the update then runs web on blue as well.
    it("the pre-check plans the config applySwitch writes: stack-wide, every service follows the new color; with --service, that one alone", async () => {
        const api = { name: "api" } as ServiceConfig;
        const web = "launchpad:services.web={releases: {blue: {image: ghcr.io/launchpad-test/web:1}, green: {image: ghcr.io/launchpad-test/web:2}}}";
        const { values, secretKeys } = deployedConfig("staging", [web]);
        const selected = (p: Plan, svc: string) => (named(p, `launchpad-staging-${svc}-live`).inputs.spec as { selector: Record<string, string> }).selector.color;
        const wide = await switchedPlan("staging", [api], "blue", { values, secretKeys, outputs: {} });
        expect([selected(wide, "api"), selected(wide, "web")]).toEqual(["blue", "blue"]);
        const one = await switchedPlan("staging", [api], "blue", { values, secretKeys, outputs: {}, service: "api" });
        expect([selected(one, "api"), selected(one, "web")]).toEqual(["blue", "green"]);
    });

    describe("production after staging moved on: the pre-check plans the stack's config, its release history and staging's real outputs", () => {
        // Production runs 1.4.2 live on blue; its idle green color holds 1.3.0, which staging no longer
        // verifies (the fake's staging verified 1.4.2 and 1.5.0). The committed files know neither.
        const sets = ["launchpad:services.api.releases.green.image=ghcr.io/launchpad-test/api:1.3.0"];
        const ran = { api: [{ color: "blue", image: "ghcr.io/launchpad-test/api:1.4.2", releaseId: "aaaaaaaaaa", time: "2026-11-02T10:00:00.000Z" }, { color: "green", image: "ghcr.io/launchpad-test/api:1.3.0", releaseId: "bbbbbbbbbb", time: "2026-11-01T10:00:00.000Z" }] };

        it("a release production ran before is admitted by its own history: switched", async () => {
            const fake = await fakeStack("production", sets, "succeeded", false, (r) => r, { kubeconfig: kube.kubeconfig, releaseHistory: ran });
            const r = await run(["--stack", "production"], fake);
            expect(r.stderr).toBe("");
            expect(r.code).toBe(0);
            expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=green", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
        });

        it("a release it never ran is refused before any config write, with the program's own message", async () => {
            const fake = await fakeStack("production", sets, "succeeded", false, (r) => r, { kubeconfig: kube.kubeconfig, releaseHistory: { api: [ran.api[0]] } });
            const r = await run(["--stack", "production"], fake);
            expect(r).toEqual({
                code: 2,
                stdout: "",
                stderr: 'refused before any change: Invalid configuration for stack "production" (1 problem):\n' +
                    '  - launchpad:services.api.releases.green.image: received "ghcr.io/launchpad-test/api:1.3.0"; expected an image whose smoke gate passed in stack "organization/launchpad/staging" ' +
                    '(verified there: "ghcr.io/launchpad-test/api:1.4.2", "ghcr.io/launchpad-test/api:1.5.0"), an image this stack made live before (this stack\'s release history: "ghcr.io/launchpad-test/api:1.4.2"), ' +
                    "or launchpad:promotion.allowUnverified set to true\n",
            });
            expect(fake.recorded.calls).toEqual([]);
        });
    });

    describe("a gate run per pod template (components/blue-green-service.ts gateRunId): pods that rolled without a new release", () => {
        // Config gives api a new CPU request: both colors' pods roll, their releases stay. The update rolled blue's
        // Deployment and was cut off before blue's new gate Job ran: the old pods' succeeded Job stays in the state,
        // under its old name, not marked for deletion (a new name is a create, then the old one's delete).
        const BIGGER = "launchpad:services.api.resources.requests.cpu=300m";
        const oldGate = async (): Promise<StateResource> => {
            const job = named(await deployedPlan("staging", [...OWN_VALUES.staging]), "launchpad-staging-api-blue-gate");
            return { urn: job.urn, type: job.type, inputs: job.inputs, outputs: job.state };
        };

        it("refuses a target whose pods rolled since its gate passed, naming both pod templates and the fix; the release alone would have admitted it", async () => {
            const old = await oldGate();
            const fake = await fakeStack("staging", [BIGGER], "succeeded", false, editGate("blue", () => old));
            const deployment = fake.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs?.metadata?.labels?.color === "blue");
            const pods = deployment?.inputs?.metadata?.annotations?.[ANNOTATIONS.podTemplate] as string;
            const judged = old.inputs?.metadata?.annotations?.[ANNOTATIONS.podTemplate] as string;
            expect([pods, judged].every((x) => /^[0-9a-f]{10}$/.test(x)) && pods !== judged).toBe(true);
            // Same release: the gate Job's release check passes, only the pod template tells.
            expect(old.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId]).toBe(deployment?.inputs?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.releaseId]);
            const r = await run(["--stack", "staging"], fake);
            expect(r).toEqual(blueCannotTakeTraffic(
                `  - api: the blue Deployment's pods run pod template ${pods} (the stack's state), but its succeeded gate Job judged ${judged}: ` +
                "the pods rolled since (a new resources, health, port, connectDatabase or metricsPath setting) and no gate passed for them; " +
                "run `pulumi up --stack staging` so the gate tests the pods api's blue color runs, or roll back to a color whose gate passed\n",
            ));
            expect(fake.recorded.calls).toEqual([]);
        });

        it("switches to a color whose gate passed on the pods it runs under an older smoke policy (config's new policy not applied yet): the policy is the gate's, judged again at the next up, never a reason to refuse a rollback", async () => {
            const old = await oldGate();
            const STRICTER = "launchpad:services.api.smoke.thresholds.p95Ms=250";
            const fake = await fakeStack("staging", [STRICTER], "succeeded", false, editGate("blue", () => old));
            const deployment = fake.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs?.metadata?.labels?.color === "blue");
            // The premise: the Job in the state ran under the old policy (another name than config's), on the pods blue runs, for its release.
            const configGate = named(await deployedPlan("staging", [...OWN_VALUES.staging, STRICTER]), "launchpad-staging-api-blue-gate");
            expect((old.inputs?.metadata as { name?: string } | undefined)?.name).not.toBe((configGate.inputs.metadata as { name: string }).name);
            expect(old.inputs?.metadata?.annotations?.[ANNOTATIONS.podTemplate]).toBe(deployment?.inputs?.metadata?.annotations?.[ANNOTATIONS.podTemplate]);
            expect(old.inputs?.metadata?.annotations?.[ANNOTATIONS.releaseId]).toBe(deployment?.inputs?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.releaseId]);
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
            expect(r.stdout.split("\n")[0]).toBe("api: green -> blue");
        });

        it("switches once the gate ran on the new pods (the plan of the same config: its Job is named for them)", async () => {
            const fake = await fakeStack("staging", [BIGGER]);
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
            expect(r.stdout.split("\n")[0]).toBe("api: green -> blue");
        });

        it("refuses a target whose pods rolled onto a new database connection (a restore, a rotated password) its gate Job never ran with", async () => {
            const connection = (r: StateResource) => r.inputs?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.databaseConnection];
            const withConnection = (r: StateResource, value: string): StateResource => {
                const template = (x: { spec?: unknown } | undefined) => {
                    const spec = (x?.spec ?? {}) as { template?: { metadata?: { annotations?: Record<string, string> } } };
                    return { ...spec, template: { ...spec.template, metadata: { ...spec.template?.metadata, annotations: { ...spec.template?.metadata?.annotations, [ANNOTATIONS.databaseConnection]: value } } } };
                };
                return { ...r, inputs: { ...r.inputs, spec: template(r.inputs) }, outputs: { ...r.outputs, spec: template(r.outputs) } };
            };
            const fake = await fakeStack("staging", [], "succeeded", false, editGate("blue", (job) => withConnection(job, "0123456789")));
            const deployment = fake.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs?.metadata?.labels?.color === "blue") as StateResource;
            const r = await run(["--stack", "staging"], fake);
            expect(r).toEqual(blueCannotTakeTraffic(
                `  - api: the blue Deployment's pods connect with database connection ${connection(deployment)} (the stack's state), but its succeeded gate Job ran with 0123456789: ` +
                "the pods rolled onto a new connection (a restore, a rotated password) and no gate passed for them; " +
                "run `pulumi up --stack staging` so the gate tests the pods api's blue color runs, or roll back to a color whose gate passed\n",
            ));
            expect(fake.recorded.calls).toEqual([]);
        });

        it("a Deployment applied before it recorded its gate run (no launchpad.dev/pod-template) is judged by its release alone, as before", async () => {
            const old = await oldGate();
            const strip = (r: StateResource): StateResource => {
                const metadata = (x: { metadata?: { annotations?: Record<string, string> } } | undefined) => ({ ...x?.metadata, annotations: Object.fromEntries(Object.entries(x?.metadata?.annotations ?? {}).filter(([k]) => k !== ANNOTATIONS.podTemplate)) });
                return { ...r, inputs: { ...r.inputs, metadata: metadata(r.inputs) }, outputs: { ...r.outputs, metadata: metadata(r.outputs) } };
            };
            const fake = await fakeStack("staging", [BIGGER], "succeeded", false, (resources) => editGate("blue", () => strip(old))(resources).map((r) => (r.type === "kubernetes:apps/v1:Deployment" ? strip(r) : r)));
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
        });
    });

    describe("a second service whose idle color is unverified blocks only its own switch (rollback --service, promote)", () => {
        // admin next to api, both live on green (staging's launchpad:activeColor); admin's blue gate failed.
        const ADMIN = "launchpad:services.admin={replicas: 2, releases: {blue: {image: ghcr.io/launchpad-test/admin:2.1.0}, green: {image: ghcr.io/launchpad-test/admin:2.0.0}}}";
        const adminBlueFailed = (resources: StateResource[]): StateResource[] => resources.map((r) =>
            r.type === "kubernetes:batch/v1:Job" && r.inputs?.metadata?.labels?.app === "admin" && r.inputs.metadata.labels.color === "blue" && r.inputs.metadata.labels[ROLE_LABEL] === ROLES.gate
                ? { ...r, outputs: { ...r.outputs, status: { succeeded: 0, failed: 1 } } }
                : r);

        it("--service api switches api alone, admin's failed gate aside", async () => {
            const fake = await fakeStack("staging", [ADMIN], "succeeded", false, adminBlueFailed);
            const r = await run(["--stack", "staging", "--service", "api", "--to", "blue"], fake);
            expect(r.stderr).toBe("");
            expect(r.code).toBe(0);
            expect(r.stdout.split("\n")[0]).toBe("api: green -> blue");
            expect(fake.recorded.calls).toEqual(["set launchpad:services.api.activeColor=blue (path)", "up targetDependents=false"]);
            expect(fake.recorded.targets[0].every((urn) => !urn.includes("-admin-"))).toBe(true);
        });

        it("--service admin, or a stack-wide switch that moves admin, is refused naming admin alone", async () => {
            const fake = await fakeStack("staging", [ADMIN], "succeeded", false, adminBlueFailed);
            for (const argv of [["--stack", "staging", "--service", "admin", "--to", "blue"], ["--stack", "staging", "--to", "blue"]]) {
                const r = await run(argv, fake);
                expect(r.code).toBe(1);
                const lines = r.stderr.split("\n").filter((l) => l.startsWith("  - "));
                expect(lines).toHaveLength(1);
                expect(lines[0]).toMatch(/^ {2}- admin: the blue color's gate Job for release [0-9a-f]{10} has not succeeded \(status\.succeeded 0, status\.failed 1\)/);
            }
            expect(fake.recorded.calls).toEqual([]);
        });
    });

    it("refuses a target color whose release in config never had a gate in the state (the image changed, no pulumi up since)", async () => {
        const fake = await fakeStack("staging", [], "succeeded", false, editGate("blue", (job) => ({
            ...job,
            inputs: { metadata: { ...job.inputs?.metadata, annotations: { ...job.inputs?.metadata?.annotations, [ANNOTATIONS.releaseId]: "0123456789" } } },
        })));
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^refused before any change: the blue color cannot take traffic\n {2}- api: no gate Job of the blue color for its release [0-9a-f]{10} in the stack's state \(the state has release 0123456789\): run `pulumi up --stack staging`/);
        expect(fake.recorded.calls).toEqual([]);
    });

    it("--dry-run prints the switch and the targeted list and changes nothing", async () => {
        const fake = await fakeStack("staging");
        const live = named(await planStack("staging"), "launchpad-staging-api-live").urn;
        const ingress = named(await planStack("staging"), "launchpad-staging-api-ingress").urn;
        expect(await run(["--stack", "staging", "--dry-run"], fake)).toEqual({
            code: 0,
            stdout: `api: green -> blue\ndry run: nothing changed; the targeted update would be:\n  ${live}\n  ${ingress}\n`,
            stderr: "",
        });
        expect(fake.recorded.calls).toEqual([]);
    });

    it.each([
        ["staging", "blue"],
        ["production", "green"],
    ] as const)("%s as deployed: the dry run's targeted list is exactly the plan diff of the two colors", async (stack, target) => {
        // The stack's last update (its outputs: the release history), then the same config planned
        // again, and with every service on the other color: what differs is what the switch changes.
        // The last update is the fake's own first plan (its values, staging's verified images), shared.
        const stackOutputs = stagingReferenceOutputs;
        const own = [...OWN_VALUES[stack]];
        const last = await deployedPlan(stack, own);
        // The deployed stack's plan is the same config planned again after that update: the fake's own
        // (the stack's values, the same staging outputs, last.outputs), so it is the "before" side.
        const fake = await sharedFakeStack(kube, stack, { previousOutputs: last.outputs });
        const before = fake.plan;
        const after = await planStack(stack, [...own, `launchpad:activeColor=${target}`, `launchpad:services.api.activeColor=${target}`], { stackOutputs, previousOutputs: last.outputs });
        expect(after.resources.map((r) => r.urn).sort()).toEqual(before.resources.map((r) => r.urn).sort());
        const diff = changedUrns(before, after);
        expect(diff.length).toBeGreaterThan(0);
        const r = await run(["--stack", stack, "--dry-run"], fake);
        expect(r.code).toBe(0);
        const listed = r.stdout.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim());
        expect([...listed].sort()).toEqual([...diff].sort());
        expect(fake.recorded.calls).toEqual([]);
    });

    it("with idleReplicas below replicas, targets the new live color's autoscaler too: exactly the plan diff of the two colors (the old color stays warm)", async () => {
        const sets = ["launchpad:services.api.idleReplicas=1"];
        // The outputs of the stack's last update: green live, the head of its release history.
        // Planned with the stack's own values (its images): the history the fake's outputs carry is of those.
        const own = [...OWN_VALUES.staging, ...sets];
        const { outputs } = await planStack("staging", own);
        const before = await planStack("staging", own, { previousOutputs: outputs });
        const after = await planStack("staging", [...own, "launchpad:activeColor=blue"], { previousOutputs: outputs });
        const diff = changedUrns(before, after);
        expect(diff).toEqual([
            named(before, "launchpad-staging-api-blue-hpa").urn,
            named(before, "launchpad-staging-api-live").urn,
            named(before, "launchpad-staging-api-ingress").urn,
        ]);
        const fake = await fakeStack("staging", sets, "succeeded", false, (r) => r, { kubeconfig: kube.kubeconfig, releaseHistory: outputs.releaseHistory });
        // The idle blue color runs idleReplicas pods; scaled up to the live count first, it may take traffic.
        const blue = deploymentIn(fake.resources, "blue");
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 2, 2));
        const r = await run(["--stack", "staging"], fake);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect([...fake.recorded.targets[0]].sort()).toEqual([...diff].sort());
    });

    it("with idleReplicas below replicas and green scaled to 6 under load: refused below the live replica count; once blue's autoscaler minimum and Deployment are raised to 6 (the warning's fix), the switch leaves blue's autoscaler out of the targeted update (it would lower the minimum to 2 as traffic arrives, and conflict with kubectl's field), with a note", async () => {
        const sets = ["launchpad:services.api.idleReplicas=1"];
        const { outputs } = await planStack("staging", [...OWN_VALUES.staging, ...sets]);
        const fake = await fakeStack("staging", sets, "succeeded", false, (r) => r, { kubeconfig: kube.kubeconfig, releaseHistory: outputs.releaseHistory });
        const [green, blue, hpa] = [deploymentIn(fake.resources, "green"), deploymentIn(fake.resources, "blue"), hpaIn(fake.resources, "blue")];
        expect(hpa.minReplicas).toBe(1);
        kube.objects.set(`deployments/${green.namespace}/${green.name}`, deploymentJson(green.namespace, green.name, 6, 6));
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 1, 1));
        const hpaObject = hpaJson(blue.namespace, hpa.name, blue.name, 1, 6, 1);
        expect(() => validateKubernetesObject({ type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", inputs: hpaObject } as unknown as PlannedResource)).not.toThrow();
        kube.objects.set(`horizontalpodautoscalers/${blue.namespace}/${hpa.name}`, hpaObject);
        const refused = await run(["--stack", "staging"], fake);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`has 1 of the live replica count 2 pods available (read live from the cluster): wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and try again, ` +
            "or keep the idle color warm (idleReplicas 1 < replicas 2: set idleReplicas to 2 and run pulumi up first)");
        expect(fake.recorded.calls).toEqual([]);

        // The operator ran the fix: blue's autoscaler at minimum 6 (kubectl patch), its Deployment at 6, all available.
        kube.objects.set(`horizontalpodautoscalers/${blue.namespace}/${hpa.name}`, hpaJson(blue.namespace, hpa.name, blue.name, 6, 6, 6));
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 6, 6));
        kube.requests.length = 0;
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe(`note: api: the blue autoscaler ${blue.namespace}/${hpa.name} has minReplicas 6 in the cluster (raised by hand), at least the 2 the switch sets: ` +
            `left out of the targeted update; once the autoscaler holds the traffic, set it to 2 (\`kubectl -n ${blue.namespace} patch hpa/${hpa.name} --type=merge -p '{"spec":{"minReplicas":2}}'\`)\n`);
        expect(kube.requests).toContain(`GET /apis/autoscaling/v2/namespaces/${blue.namespace}/horizontalpodautoscalers/${hpa.name}`);
        expect([...fake.recorded.targets[0]].sort()).toEqual([named(fake.plan, "launchpad-staging-api-live").urn, named(fake.plan, "launchpad-staging-api-ingress").urn].sort());
    });

    it("a switch straight back (promote's, after a failed analysis) finds the old color still warm: only the live Service and the alb Ingress's weights move, exactly the plan diff", async () => {
        const idle = "launchpad:services.api.idleReplicas=1";
        // Three updates, each planned with the outputs of the one before (its release history): green
        // live; the switch to blue, which keeps green's autoscaler at the live count; the switch back.
        const greenLive = await planStack("staging", [...OWN_VALUES.staging, idle, "launchpad:activeColor=green"]);
        const fake = await sharedFakeStack(kube, "staging", { sets: [idle, "launchpad:activeColor=blue"], previousOutputs: greenLive.outputs });
        const switchedBack = await planStack("staging", [...OWN_VALUES.staging, idle, "launchpad:activeColor=green"], { previousOutputs: fake.plan.outputs });
        const minimum = (plan: typeof greenLive, color: string): unknown => named(plan, `launchpad-staging-api-${color}-hpa`).inputs.spec;
        expect(minimum(fake.plan, "green")).toMatchObject({ minReplicas: 2 });
        expect(minimum(fake.plan, "blue")).toMatchObject({ minReplicas: 2 });
        const diff = changedUrns(fake.plan, switchedBack);
        const [live, ingress] = [named(fake.plan, "launchpad-staging-api-live").urn, named(fake.plan, "launchpad-staging-api-ingress").urn];
        expect(diff).toEqual([live, ingress]);
        // The cluster runs green at its autoscaler's minimum, the live count (the Deployment's own
        // spec.replicas is the autoscaler's to change: the state keeps the count it was created with).
        const green = deploymentIn(fake.resources, "green");
        kube.objects.set(`deployments/${green.namespace}/${green.name}`, deploymentJson(green.namespace, green.name, 2, 2));
        // The stack's outputs are that update's: its release history has blue at the head.
        expect(await run(["--stack", "staging", "--dry-run"], fake)).toEqual({
            code: 0,
            stdout: `api: blue -> green\ndry run: nothing changed; the targeted update would be:\n  ${live}\n  ${ingress}\n`,
            stderr: "",
        });
    });
});

/**
 * The resources an update from `before` to `after` changes, as `npm run plan -- --changes` finds
 * them (plan/changes.ts): the Deployments' spec.replicas differs between colors too, but the
 * component ignores it (`ignoreChanges`: the autoscaler owns the count), so an update does not touch them.
 */
function changedUrns(before: Plan, after: Plan): string[] {
    return planChanges(before, after).map((c) => c.urn);
}

/** The request the real client sends to list the pods the live Service would select for `color`. */
function podsRequest(namespace: string, color: string): string {
    return `GET /api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`app=api,color=${color},${ROLE_LABEL}=${ROLES.workload}`)}`;
}

/** The request the real client sends to read one Deployment. */
function deploymentRequest(d: { name: string; namespace: string }): string {
    return `GET /apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}`;
}

/** api's autoscaler of `color` in the state: its name and minimum. */
function hpaIn(resources: readonly StateResource[], color: string): { name: string; minReplicas: number | undefined } {
    const r = resources.find((x) => x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && x.inputs?.metadata?.labels?.color === color && x.inputs.metadata.labels.app === "api");
    return { name: (r?.outputs?.metadata as { name: string }).name, minReplicas: r?.inputs?.spec?.minReplicas };
}

/** Where api's Deployment of `color` lives, from the state. */
function deploymentIn(resources: readonly StateResource[], color: string): { name: string; namespace: string } {
    const r = resources.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.inputs?.metadata?.labels?.color === color && x.inputs.metadata.labels.app === "api");
    return r?.outputs?.metadata as { name: string; namespace: string };
}

describe("npm run rollback: the target color's Deployment, read live through the Kubernetes API (@kubernetes/client-node)", () => {
    it("the stand-in API server's Deployment is valid apps/v1 Deployment JSON (the Kubernetes OpenAPI schema, kubernetes-models)", () => {
        for (const available of [2, 1, 0]) {
            expect(() => validateKubernetesObject({ type: "kubernetes:apps/v1:Deployment", inputs: deploymentJson("apps", "api-blue", 2, available) } as unknown as PlannedResource)).not.toThrow();
        }
        // The check is real: a status field of the wrong type fails it.
        const bad = deploymentJson("apps", "api-blue", 2, 2);
        expect(() => validateKubernetesObject({ type: "kubernetes:apps/v1:Deployment", inputs: { ...bad, status: { availableReplicas: "two" } } } as unknown as PlannedResource)).toThrow();
    });

    it("refuses a target whose Deployment has fewer available pods than the live replica count, before any config write", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 2, 1));
        kube.requests.length = 0;
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual(blueCannotTakeTraffic(
            `  - api: the blue Deployment ${blue.namespace}/${blue.name} has 1 of the live replica count 2 pods available (read live from the cluster): ` +
            `wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and try again\n`,
        ));
        // The real client asked the API server for exactly the target's Deployment, the live color's (its size now), and listed the pods the live Service would select.
        expect(kube.requests).toEqual([deploymentRequest(blue), deploymentRequest(deploymentIn(fake.resources, "green")), podsRequest(blue.namespace, "blue")]);
        expect(fake.recorded.calls).toEqual([]);
    });

    // Deployments in the middle of a rollout, as the API server reports them: 2 replicas under the
    // default RollingUpdate strategy (maxSurge 25% rounds up to 1, maxUnavailable 25% down to 0).
    // `kubectl rollout status` (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go,
    // DeploymentStatusViewer.Status) calls none of them rolled out; the conditions' reasons are the
    // Deployment controller's (kubernetes/website concepts/workloads/controllers/deployment.md,
    // "Deployment status": ReplicaSetUpdated, ProgressDeadlineExceeded).
    const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: `${type} ${reason}`, lastUpdateTime: "2026-12-06T10:00:00Z", lastTransitionTime: "2026-12-06T10:00:00Z" });
    const midRollout = {
        // The new ReplicaSet has both pods, one of them available; the old one still has 1 available pod.
        "pods of the release before still running (availableReplicas counts them)": {
            status: { observedGeneration: 2, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: [condition("Available", "True", "MinimumReplicasAvailable"), condition("Progressing", "True", "ReplicaSetUpdated")] },
            why: "1 pods of an older template are still running",
        },
        // Just edited: metadata.generation moved on, the status is still the old spec's, all available.
        "a new generation its controller has not observed": {
            metadata: { generation: 3 },
            status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [condition("Available", "True", "MinimumReplicasAvailable"), condition("Progressing", "True", "NewReplicaSetAvailable")] },
            why: "its controller has not observed generation 3 yet (observedGeneration 2)",
        },
        // The new pod never became ready: the controller gave up after progressDeadlineSeconds.
        "a rollout past its progress deadline": {
            status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: [condition("Available", "True", "MinimumReplicasAvailable"), condition("Progressing", "False", "ProgressDeadlineExceeded")] },
            why: "it exceeded its progress deadline (Progressing: ProgressDeadlineExceeded); 1 of 2 pods run its current template; 2 pods of an older template are still running",
        },
    } as const;

    it.each(Object.entries(midRollout))("refuses a target in the middle of a rollout, as kubectl rollout status would: %s", async (_, c) => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        const settled = deploymentJson(blue.namespace, blue.name, 2, 2);
        const json = { ...settled, metadata: { ...(settled.metadata as object), ...("metadata" in c ? c.metadata : {}) }, status: c.status };
        expect(() => validateKubernetesObject({ type: "kubernetes:apps/v1:Deployment", inputs: json } as unknown as PlannedResource)).not.toThrow();
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, json);
        try {
            const r = await run(["--stack", "staging"], fake);
            expect(r).toEqual(blueCannotTakeTraffic(
                `  - api: the blue Deployment ${blue.namespace}/${blue.name} has 2 of the live replica count 2 pods available and its rollout has not finished (${c.why}) (read live from the cluster): ` +
                `wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and try again\n`,
            ));
            expect(fake.recorded.calls).toEqual([]);
        } finally {
            kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, settled);
        }
    });

    it("refuses a Deployment the cluster does not have (404), naming the fix", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        kube.objects.delete(`deployments/${blue.namespace}/${blue.name}`);
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe("refused before any change: the blue color cannot take traffic\n" +
            `  - api: the blue Deployment ${blue.namespace}/${blue.name} is in the stack's state but not in the cluster (404, read live): run \`pulumi refresh\` and \`pulumi up\` to recreate it\n`);
        expect(fake.recorded.calls).toEqual([]);
    });

    it("accepts a ready target: the live read passes and the switch goes ahead, with no warning", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        kube.requests.length = 0;
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
        expect(kube.requests).toEqual([deploymentRequest(blue), deploymentRequest(deploymentIn(fake.resources, "green")), podsRequest(blue.namespace, "blue")]);
        expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=blue", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
    });

    // Issue #17: the live count is what the live color runs now. Its autoscaler sets its Deployment's
    // spec.replicas through the scale subresource and reports that number as status.currentReplicas
    // (kubernetes pkg/controller/podautoscaler/horizontal.go reconcileAutoscaler), so green at 6
    // (staging's maxReplicas, 3 x replicas 2) under load means its HPA's currentReplicas is 6.
    describe("the live color scaled up by its autoscaler under load (issue #17)", () => {
        const scaled = (fake: FakeStack, green: number, blue: number): void => {
            const g = deploymentIn(fake.resources, "green");
            const b = deploymentIn(fake.resources, "blue");
            kube.objects.set(`deployments/${g.namespace}/${g.name}`, deploymentJson(g.namespace, g.name, green, green));
            kube.objects.set(`deployments/${b.namespace}/${b.name}`, deploymentJson(b.namespace, b.name, blue, blue));
        };

        const liveSizeWarning = (blue: { namespace: string; name: string }, available: number, fix: string): string =>
            `warning: api: the blue Deployment ${blue.namespace}/${blue.name} has ${available} pods available, fewer than the 6 the live green color runs now ` +
            "(its autoscaler scaled it above the live replica count 2, read live from the cluster): the switch sends green's traffic to " + `${available} pods, ` +
            "which blue's autoscaler then scales up; not refused. To scale blue before a switch (`npm run rollback -- --dry-run` prints this before anything moves; promote has no dry run): " + fix;

        it("warns, and still switches, when the target has the configured count while the live color runs 6: a rollback fleeing a hot release is not refused; the warning says how to raise the autoscaler's minimum and scale first", async () => {
            const fake = await fakeStack("staging");
            const blue = deploymentIn(fake.resources, "blue");
            const hpa = hpaIn(fake.resources, "blue");
            expect(hpa.minReplicas).toBe(2);
            scaled(fake, 6, 2);
            kube.requests.length = 0;
            const r = await run(["--stack", "staging"], fake);
            expect(r.stderr).toBe(liveSizeWarning(blue, 2,
                `raise its autoscaler's minimum (2), or it scales the idle color back down (\`kubectl -n ${blue.namespace} patch hpa/${hpa.name} --type=merge -p '{"spec":{"minReplicas":6}}'\`), ` +
                `then \`kubectl -n ${blue.namespace} scale deployment/${blue.name} --replicas=6\`, wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and switch; ` +
                `once the switch is done and the autoscaler holds the traffic, set its minimum back to 2 (\`kubectl -n ${blue.namespace} patch hpa/${hpa.name} --type=merge -p '{"spec":{"minReplicas":2}}'\`), the value pulumi up applies\n`));
            expect(r.code).toBe(0);
            expect(kube.requests).toEqual([deploymentRequest(blue), deploymentRequest(deploymentIn(fake.resources, "green")), podsRequest(blue.namespace, "blue")]);
            expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=blue", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
        });

        it("switches once the target has as many available as the live color runs now", async () => {
            const fake = await fakeStack("staging");
            scaled(fake, 6, 6);
            const r = await run(["--stack", "staging"], fake);
            expect(r.stderr).toBe("");
            expect(r.code).toBe(0);
            expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=blue", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
        });

        it("a target one pod short of the live color's 6 is warned of too, and below the configured count still refused", async () => {
            const fake = await fakeStack("staging");
            scaled(fake, 6, 5);
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
            expect(r.stderr).toContain("has 5 pods available, fewer than the 6 the live green color runs now");
            scaled(fake, 6, 1);
            const refused = await run(["--stack", "staging"], fake);
            expect(refused.code).toBe(1);
            expect(refused.stderr).toContain("has 1 of the live replica count 2 pods available");
        });

        it("a live color at the configured count, or whose Deployment the cluster does not have, needs the configured count as before", async () => {
            const fake = await fakeStack("staging");
            const green = deploymentIn(fake.resources, "green");
            kube.objects.delete(`deployments/${green.namespace}/${green.name}`);
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
            expect(r.stderr).toBe("");
        });

        it("a live Deployment that cannot be read (the target's could): warns and checks the target against the configured count", async () => {
            const fake = await fakeStack("staging");
            const green = deploymentIn(fake.resources, "green");
            const real = kubernetesReader(kube.kubeconfig);
            const r = await rollback(["--stack", "staging"], {
                ...fake.deps,
                clusterReader: () => ({ ...real, deployment: (ns, name) => (name === green.name ? Promise.reject(new Error("deployments.apps is forbidden")) : real.deployment(ns, name)) }),
            });
            expect(r.stderr).toBe(`warning: api: the live green Deployment ${green.namespace}/${green.name} could not be read (deployments.apps is forbidden); ` +
                "the target is checked against the live replica count 2, not against what green runs now\n");
            expect(r.code).toBe(0);
        });

        it("without the target's autoscaler in the state, the warning's fix scales its Deployment alone", async () => {
            const fake = await fakeStack("staging", [], "succeeded", false, (rs) => rs.filter((x) => !(x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && x.inputs?.metadata?.labels?.color === "blue")));
            const blue = deploymentIn(fake.resources, "blue");
            scaled(fake, 6, 2);
            const r = await run(["--stack", "staging"], fake);
            expect(r.code).toBe(0);
            expect(r.stderr).toBe(liveSizeWarning(blue, 2,
                `\`kubectl -n ${blue.namespace} scale deployment/${blue.name} --replicas=6\`, wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and switch\n`));
        });
    });

    // pulumi-kubernetes finishes the live Service's update only once its Endpoints list no not-ready
    // address (provider/pkg/await/service.go checkAndLogStatus: `serviceReady && endpointsSettled &&
    // !endpointsPending`); the Endpoints controller lists each selected pod with an IP that is neither
    // terminal nor terminating, Ready or not (kubernetes endpoints_controller.go addEndpointSubset,
    // endpointslice ShouldPodBeInEndpoints). A pod above the live count that is not ready would make
    // the targeted update wait and fail after LIVE_SERVICE_TIMEOUTS.update, the selector already moved.
    const bluePods = (namespace: string, shapes: Record<string, PodShape>): void => {
        for (const [name, shape] of Object.entries(shapes)) {
            kube.objects.set(`pods/${namespace}/${name}`, podJson(namespace, name, { app: "api", color: "blue", [ROLE_LABEL]: ROLES.workload }, shape));
        }
    };

    it("the stand-in API server's pods are valid v1 Pod JSON (the Kubernetes OpenAPI schema, kubernetes-models)", () => {
        for (const shape of [{ phase: "Running", ready: true }, { phase: "Pending", ready: false }, { phase: "Running", ready: false, waiting: "CrashLoopBackOff", deleting: true }] as const) {
            expect(() => validateKubernetesObject({ type: "kubernetes:core/v1:Pod", inputs: podJson("apps", "api-blue-1", { app: "api" }, shape) } as unknown as PlannedResource)).not.toThrow();
        }
    });

    it("refuses a target with a pod that is not ready above the live count, naming each such pod and the fix, before any config write", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        // The Deployment has the live count (2) available; the autoscaler added two more pods that are not ready.
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 4, 2));
        bluePods(blue.namespace, {
            "api-blue-a": { phase: "Running", ready: true },
            "api-blue-b": { phase: "Running", ready: true },
            "api-blue-c": { phase: "Running", ready: false, waiting: "CrashLoopBackOff" },
            "api-blue-d": { phase: "Pending", ready: false },
            // Neither is an endpoint address: a terminating pod and a terminal one are not waited for.
            "api-blue-old": { phase: "Running", ready: false, deleting: true },
            "api-blue-done": { phase: "Failed", ready: false },
        });
        // A pod of the other color, and a Job's pod of this one, are not what the live Service would select.
        kube.objects.set(`pods/${blue.namespace}/api-green-x`, podJson(blue.namespace, "api-green-x", { app: "api", color: "green", [ROLE_LABEL]: ROLES.workload }, { phase: "Running", ready: false }));
        kube.objects.set(`pods/${blue.namespace}/api-blue-gate`, podJson(blue.namespace, "api-blue-gate", { app: "api", color: "blue", [ROLE_LABEL]: ROLES.gate }, { phase: "Running", ready: false }));
        try {
            const r = await run(["--stack", "staging"], fake);
            const refusal = blueCannotTakeTraffic(
                `  - api: 1 of the blue color's pods the live Service would select is not ready (read live from the cluster): api-blue-c (Running, not ready: CrashLoopBackOff); ` +
                "the targeted update would wait on them and fail after 3m with the selector already moved: " +
                `wait until they are ready (\`kubectl -n ${blue.namespace} get pods -l app=api,color=blue,${ROLE_LABEL}=${ROLES.workload}\`), ` +
                `or replace them (\`kubectl -n ${blue.namespace} rollout restart deployment/${blue.name}\`, then \`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`), and try again\n`,
            );
            // The Pending pod with no IP is no Endpoints address (ShouldPodBeInEndpoints): warned of, not refused.
            expect(r).toEqual({ ...refusal, stderr: `${noIpWarning("api-blue-d, Pending")}${refusal.stderr}` });
            expect(fake.recorded.calls).toEqual([]);
        } finally {
            kube.removeAll("pods");
        }
    });

    /** The warning for one pod of blue with no IP yet, `pod` as "<name>, <phase>". */
    const noIpWarning = (pod: string): string =>
        `warning: api: 1 of the blue color's pods has no IP yet (${pod}): not an address of the live Service, so not refused; ` +
        "one that starts during the switch without becoming ready would make the targeted update wait on it and fail after 3m\n";

    it("a pod the scheduler cannot place (no IP: no Endpoints address, kubernetes endpointslice ShouldPodBeInEndpoints) does not block the rollback: a warning, and the switch goes ahead", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        kube.objects.set(`deployments/${blue.namespace}/${blue.name}`, deploymentJson(blue.namespace, blue.name, 3, 2));
        bluePods(blue.namespace, {
            "api-blue-a": { phase: "Running", ready: true },
            "api-blue-b": { phase: "Running", ready: true },
            "api-blue-unplaced": { phase: "Pending", ready: false },
        });
        try {
            const r = await run(["--stack", "staging"], fake);
            expect(r.stderr).toBe(noIpWarning("api-blue-unplaced, Pending"));
            expect(r.code).toBe(0);
        } finally {
            kube.removeAll("pods");
        }
    });

    it("pods that cannot be listed (say RBAC allows reading Deployments only): warns that they are not checked, and decides by the Deployment", async () => {
        const fake = await fakeStack("staging");
        const r = await rollback(["--stack", "staging"], {
            ...fake.deps,
            clusterReader: (kubeconfig) => ({ ...kubernetesReader(kubeconfig), pods: () => Promise.reject(new Error('pods is forbidden: cannot list resource "pods"')) }),
        });
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('warning: api: the blue color\'s pods could not be listed (pods is forbidden: cannot list resource "pods"); ' +
            "a pod that is not ready is not checked, and the targeted update would wait on it and fail after 3m\n");
    });

    it("accepts a target whose pods are all ready, terminating or terminal", async () => {
        const fake = await fakeStack("staging");
        const blue = deploymentIn(fake.resources, "blue");
        bluePods(blue.namespace, {
            "api-blue-a": { phase: "Running", ready: true },
            "api-blue-b": { phase: "Running", ready: true },
            "api-blue-old": { phase: "Running", ready: false, deleting: true },
            "api-blue-done": { phase: "Succeeded", ready: false },
        });
        try {
            const r = await run(["--stack", "staging"], fake);
            expect(r.stderr).toBe("");
            expect(r.code).toBe(0);
        } finally {
            kube.removeAll("pods");
        }
    });

    it("an unreachable cluster: warns and decides from the state (ready there: switches)", async () => {
        const port = await closedPort();
        const fake = await fakeStack("staging", [], "succeeded", false, (r) => r, { kubeconfig: kubeconfigFor(`http://127.0.0.1:${port}`) });
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe(`warning: api: the cluster could not be read (request to http://127.0.0.1:${port}/apis/apps/v1/namespaces/${deploymentIn(fake.resources, "blue").namespace}/deployments/${deploymentIn(fake.resources, "blue").name} failed, reason: connect ECONNREFUSED 127.0.0.1:${port}); ` +
            "the blue Deployment's readiness comes from the stack's state, which may be stale\n");
        expect(fake.recorded.calls).toEqual(["set launchpad:activeColor=blue", "rm launchpad:services.api.activeColor (path)", "up targetDependents=false"]);
    });

    it("an unreachable cluster and a state that records the target short of pods: warns and refuses", async () => {
        const port = await closedPort();
        const short = (rs: StateResource[]): StateResource[] => rs.map((x) => (x.type === "kubernetes:apps/v1:Deployment" && x.inputs?.metadata?.labels?.color === "blue"
            ? { ...x, outputs: { ...x.outputs, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 0 } } }
            : x));
        const fake = await fakeStack("staging", [], "succeeded", false, short, { kubeconfig: kubeconfigFor(`http://127.0.0.1:${port}`) });
        const blue = deploymentIn(fake.resources, "blue");
        const r = await run(["--stack", "staging"], fake);
        expect(r.code).toBe(1);
        expect(r.stderr.split("\n").slice(1)).toEqual([
            "refused before any change: the blue color cannot take traffic",
            `  - api: the blue Deployment ${blue.namespace}/${blue.name} has 0 of the live replica count 2 pods available (from the stack's state): ` +
                `wait for it (\`kubectl -n ${blue.namespace} rollout status deployment/${blue.name}\`) and try again`,
            "",
        ]);
        expect(r.stderr).toMatch(/^warning: api: the cluster could not be read \(.*ECONNREFUSED.*\); the blue Deployment's readiness comes from the stack's state, which may be stale\n/);
        expect(fake.recorded.calls).toEqual([]);
    });
});

describe("npm run rollback: the schema compatibility rule (issue 14)", () => {
    const S = "launchpad:services.api.releases";
    const schemaSets = [`${S}.blue.schema={version: 3, supports: [2, 3]}`, `${S}.green.schema={version: 4, supports: [4, 5]}`];
    const record = (version: number): Record<string, unknown> => ({ kubeconfig: kube.kubeconfig, schemaVersions: { api: { version, migrations: [] } } });
    /** The rule's refusal of a rollback to blue (supports [2, 3]) at `version`, then `more`. */
    const refusedForBlue = (version: number, more = ""): string =>
        'refused before any change: Invalid configuration for stack "staging" (1 problem):\n' +
        `  - launchpad:services.api.activeColor: received "blue"; expected a color whose release supports the current schema version ${version}: ` +
        'releases.blue (live, "ghcr.io/launchpad-test/api:1.4.2") supports [2, 3]. Undo the migration first (docs/runbooks/database-corruption.md, "Undo a migration": ' +
        `restore to the restore point before version ${version}), or give blue a release whose schema.supports includes ${version}${more}\n`;

    it("refuses a rollback to a color whose release does not support the current schema version: exit 2, the rule's message, nothing written", async () => {
        const fake = await fakeStack("staging", schemaSets, "succeeded", false, (r) => r, record(4));
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({ code: 2, stdout: "", stderr: refusedForBlue(4) });
        expect(fake.recorded.calls).toEqual([]);
    });

    /**
     * A migration that ran in an update whose rollout or gate then failed: the real program's
     * migration Job (green migrates to 4, from the plan of that update), recorded with the status
     * pulumi-kubernetes read back (`status.succeeded`, or `status.failed` for one that failed), while
     * the outputs, the schema record included, stay the last completed update's (version 3).
     */
    async function migrationJob(status: Record<string, unknown>): Promise<StateResource> {
        const failedUpdate = await deployedPlan("staging", [...OWN_VALUES.staging, ...EXPAND]);
        const job = named(failedUpdate, "launchpad-staging-api-green-migrate");
        return { urn: job.urn, type: job.type, inputs: job.inputs, outputs: { ...job.state, status } };
    }
    const allowedSets = [schemaSets[0], `${S}.green.schema={version: 3, supports: [3, 4]}`];

    it("judges by the database's version when a migration Job in the state succeeded after the record: exit 2, the rule's message naming the Job, nothing written", async () => {
        const job = await migrationJob({ succeeded: 1, conditions: [{ type: "Complete", status: "True" }] });
        expect((job.inputs?.metadata?.annotations ?? {})[ANNOTATIONS.schemaVersion]).toBe("4");
        const where = job.outputs?.metadata as { name: string; namespace: string };
        const fake = await fakeStack("staging", allowedSets, "succeeded", false, (r) => [...r, job], record(3));
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({
            code: 2,
            stdout: "",
            stderr: refusedForBlue(4, `. Version 4 is the database's by the stack's state, not the record's (3): migration Job ${where.namespace}/${where.name} succeeded (status.succeeded 1) in an update that did not complete, so the record does not have it yet`),
        });
        expect(fake.recorded.calls).toEqual([]);
    });

    it("leaves the record's version alone for a migration Job that failed, or one the record already has", async () => {
        const failedJob = await migrationJob({ failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] });
        const failedRun = await run(["--stack", "staging", "--dry-run"], await fakeStack("staging", allowedSets, "succeeded", false, (r) => [...r, failedJob], record(3)));
        expect([failedRun.code, failedRun.stderr]).toEqual([0, ""]);
        // The record at 4 already: the refusal is the record's own, with no word of the state.
        const done = await migrationJob({ succeeded: 1 });
        const recorded = await run(["--stack", "staging"], await fakeStack("staging", allowedSets, "succeeded", false, (r) => [...r, done], record(4)));
        expect(recorded).toEqual({ code: 2, stdout: "", stderr: refusedForBlue(4) });
    });

    it("leaves the record's version alone for a succeeded Job whose migration the record holds, even below it (a later migration went down to 3; found by audit14)", async () => {
        const up = await migrationJob({ succeeded: 1 });
        const id = (up.inputs?.metadata?.annotations ?? {})[ANNOTATIONS.releaseId];
        const migrations = [
            { releaseId: id, color: "green", image: "ghcr.io/acme/api:1.5.0", fromVersion: 3, version: 4, at: "2026-11-30T10:00:00Z" },
            { releaseId: "d0wnd0wnd0", color: "green", image: "ghcr.io/acme/api:1.5.0", fromVersion: 4, version: 3, at: "2026-12-01T10:00:00Z" },
        ];
        const fake = await fakeStack("staging", allowedSets, "succeeded", false, (r) => [...r, up], { kubeconfig: kube.kubeconfig, schemaVersions: { api: { version: 3, migrations } } });
        const r = await run(["--stack", "staging", "--dry-run"], fake);
        expect([r.code, r.stderr]).toEqual([0, ""]);
    });

    it("allows it once the target's release supports the current version", async () => {
        // Green, live, runs at version 3 too: the switched plan (the pre-check) refuses an idle color that would not.
        const fake = await fakeStack("staging", [schemaSets[0], `${S}.green.schema={version: 3, supports: [3, 4]}`], "succeeded", false, (r) => r, record(3));
        const r = await run(["--stack", "staging", "--dry-run"], fake);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^api: green -> blue\ndry run/);
    });
});
