/**
 * How the offline engine ends a failed program: like the language host, which logs every unhandled
 * error and exits once its event loop is empty (pulumi/pulumi sdk/nodejs/cmd/run/run.ts,
 * uncaughtHandler and runProgram: "The process will remain alive until the message loop empties").
 * A resource whose input failed never registers and its dependents wait forever, so the plan cannot
 * wait for every registration; it stops once the program is idle, with every error, and the next
 * plan starts clean.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { kubernetesNameClashes, PlanError, REPO_ROOT, runPlan, type Program } from "../plan/engine";

/** The plan's refusal (a PlanError), or a failure naming what came back instead. */
async function refusal(program: Program): Promise<{ errors: readonly string[]; ms: number }> {
    const start = performance.now();
    const result = await runPlan({ stack: "staging", program }).then(
        (plan) => new Error(`planned ${plan.resources.length} resources`),
        (e: unknown) => e,
    );
    if (!(result instanceof PlanError)) throw result;
    return { errors: result.errors, ms: performance.now() - start };
}

/**
 * A topic whose name fails to resolve (the SDK reports `error serializing property "name": <message>`
 * and never registers it), and a subscription that waits on its ARN forever.
 */
function failedWithDependent(message: string): void {
    const topic = new aws.sns.Topic("failed", { name: Promise.reject<string>(new Error(message)) });
    new aws.sns.TopicSubscription("waits", { topic: topic.arn, protocol: "email", endpoint: "ops@example.com" });
}

describe("a failed program under the offline engine", () => {
    it("folds the SDK's per-level 'error serializing property' prefixes into one with the path: a production plan whose promotion source stack nothing answers", async () => {
        // A lookup that answers no other stack: the mock refuses the promotion's StackReference inside the
        // outputs' serialization (a name with no stack file is refused before the program runs: tests/plan-cli.test.ts).
        const e = await runPlan({ stack: "production", sets: ["launchpad:promotion.fromStack=stagingx"], stackOutputs: () => undefined }).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(PlanError);
        expect((e as PlanError).errors).toEqual([expect.stringMatching(/^error serializing property "outputs(\.\w+)+": failed to read resource #organization\/launchpad\/stagingx .*the offline plan answers references to this project's own stacks only\)$/)]);
        expect((e as PlanError).message.match(/error serializing property/g)).toHaveLength(1);
    });


    it("is refused as soon as it is idle, not after a fixed wait: a dependent of the failed resource waits forever", async () => {
        const { errors, ms } = await refusal(() => {
            failedWithDependent("the name failed");
            return { ok: pulumi.output("never read") };
        });
        expect(errors).toEqual(['error serializing property "name": the name failed']);
        // The engine waited a fixed 3 s here (1 s grace, 2 s drain) before it waited for quiet.
        expect(ms).toBeLessThan(1_500);
    });

    it("reports every error: one of this turn, the failed input's, and one a program timer raises 50 ms later", async () => {
        const { errors } = await refusal(() => {
            failedWithDependent("serialized later");
            void Promise.reject(new Error("this turn"));
            // Still the program's: the host's loop is not empty while this timer is pending.
            setTimeout(() => void Promise.reject(new Error("50 ms later")), 50);
        });
        expect(errors).toEqual(["this turn", 'error serializing property "name": serialized later', "50 ms later"]);
    });

    it("leaves nothing to the next plan: it plans clean, without the failed plan's errors or resources", async () => {
        await refusal(() => {
            failedWithDependent("before");
            setTimeout(() => void Promise.reject(new Error("late")), 20);
        });
        const plan = await runPlan({ stack: "staging", program: () => void new aws.sns.Topic("next", {}) });
        expect(plan.resources.map((r) => r.name)).toEqual(["launchpad-staging", "next"]);
        expect(plan.log).toEqual([]);
    });
});

// The mock monitor registers whatever it is given; the engine does not: a second resource (or read)
// with a URN it has seen fails the deployment (pulumi/pulumi pkg/resource/deploy/step_generator.go
// generateURN, error 2001 from sdk/go/common/diag/errors.go GetDuplicateResourceURNError). A child
// name built from config (an access entry's role name, a service's name) can clash only at run time.
describe("two resources with one URN, refused as the Pulumi engine refuses them", () => {
    it("the second registration fails the plan with the engine's message, and the plan ends once idle", async () => {
        const { errors, ms } = await refusal(() => {
            new aws.sns.Topic("clash", {});
            const second = new aws.sns.Topic("clash", { displayName: "second" });
            new aws.sns.TopicSubscription("waits", { topic: second.arn, protocol: "email", endpoint: "ops@example.com" });
        });
        expect(errors).toEqual(["Duplicate resource URN 'urn:pulumi:staging::launchpad::aws:sns/topic:Topic::clash'; try giving it a unique name"]);
        expect(ms).toBeLessThan(1_500);
    });

    it("a read with the URN of a registered resource is refused too (reads go through generateURN as well)", async () => {
        const { errors } = await refusal(() => {
            new aws.sns.Topic("clash", {});
            aws.sns.Topic.get("clash", "arn:aws:sns:us-east-1:111122223333:clash");
        });
        expect(errors).toEqual(["Duplicate resource URN 'urn:pulumi:staging::launchpad::aws:sns/topic:Topic::clash'; try giving it a unique name"]);
    });

    it("the same name under another parent or of another type is another URN: planned", async () => {
        const plan = await runPlan({
            stack: "staging",
            program: () => {
                const parent = new pulumi.ComponentResource("launchpad:test:Parent", "same");
                new aws.sns.Topic("same", {});
                new aws.sns.Topic("same", {}, { parent });
                new aws.sqs.Queue("same", {});
            },
        });
        // Registration order follows the SDK's async steps: compare as a set.
        expect(plan.resources.map((r) => r.urn).sort()).toEqual([
            "urn:pulumi:staging::launchpad::aws:sns/topic:Topic::same",
            "urn:pulumi:staging::launchpad::aws:sqs/queue:Queue::same",
            "urn:pulumi:staging::launchpad::launchpad:test:Parent$aws:sns/topic:Topic::same",
            "urn:pulumi:staging::launchpad::launchpad:test:Parent::same",
            "urn:pulumi:staging::launchpad::pulumi:pulumi:Stack::launchpad-staging",
        ]);
    });
});

// The mocks plan any two Kubernetes objects; the API server creates one kind/namespace/name once and
// refuses the second with AlreadyExists, which pulumi-kubernetes reports as "The resource already
// exists in the cluster" (provider/pkg/await/await.go, Creation; no upsertExistingObjects here).
describe("two Kubernetes objects with one name, refused as the API server refuses the second", () => {
    const P = "urn:pulumi:staging::launchpad::pulumi:providers:kubernetes::k8s";
    const object = (urn: string, type: string, metadata: Record<string, unknown>, provider = P) => ({ urn, type, custom: true, provider, inputs: { metadata } as never });

    it("a Service planned twice with one name (as api-blue's live Service beside api's blue preview one): the plan fails, naming both", async () => {
        const { errors } = await refusal(() => {
            new k8s.core.v1.Service("api-blue-preview", { metadata: { name: "api-blue", namespace: "shop" } });
            new k8s.core.v1.Service("api-blue-live", { metadata: { name: "api-blue", namespace: "shop" } });
        });
        expect(errors).toEqual([
            'Service "shop/api-blue" is created by both urn:pulumi:staging::launchpad::kubernetes:core/v1:Service::api-blue-preview and urn:pulumi:staging::launchpad::kubernetes:core/v1:Service::api-blue-live: the API server refuses the second ("already exists")',
        ]);
    });

    // A real case: a service may be called `api-blue`, and its live Service is named after it, as
    // is `api`'s blue preview Service (lib/workload.ts previewServiceName). Config refuses the pair
    // first (config/services.ts), with the usual line; the engine's check stays the net underneath.
    it("staging with a second service called api-blue (api's copy on its own host) is refused by config, exit 2's message", async () => {
        const api = (parseYaml(readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, { api: { expose: { ingress: { host: string } } } }> }).config["launchpad:services"].api;
        const copy = { ...api, expose: { ...api.expose, ingress: { ...api.expose.ingress, host: "api-blue.staging.example.com" } } };
        const refused = await runPlan({ stack: "staging", sets: [`launchpad:services.api-blue=${JSON.stringify(copy)}`] }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(ConfigError);
        expect((refused as ConfigError).problems).toEqual([
            'launchpad:services: received the service name "api-blue"; expected a name that is not another service\'s preview Service: services.api\'s blue color has a Service "api-blue" in the same namespace',
        ]);
    });

    it("one kind, one namespace, one name, one cluster is a clash, across API versions too; anything else is not", () => {
        expect(kubernetesNameClashes([
            object("a", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { name: "api-blue", namespace: "shop" }),
            object("b", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler", { name: "api-blue", namespace: "shop" }),
            object("c", "kubernetes:core/v1:Namespace", { name: "shop" }),
            object("d", "kubernetes:core/v1:Namespace", { name: "shop" }),
        ])).toEqual([
            'HorizontalPodAutoscaler "shop/api-blue" is created by both a and b: the API server refuses the second ("already exists")',
            'Namespace "shop" is created by both c and d: the API server refuses the second ("already exists")',
        ]);
        expect(kubernetesNameClashes([
            object("svc", "kubernetes:core/v1:Service", { name: "api", namespace: "shop" }),
            object("deploy", "kubernetes:apps/v1:Deployment", { name: "api", namespace: "shop" }),
            object("other-ns", "kubernetes:core/v1:Service", { name: "api", namespace: "shop-2" }),
            object("other-cluster", "kubernetes:core/v1:Service", { name: "api", namespace: "shop" }, "urn:pulumi:staging::launchpad::pulumi:providers:kubernetes::dr"),
            object("auto-1", "kubernetes:batch/v1:CronJob", { namespace: "shop" }),
            object("auto-2", "kubernetes:batch/v1:CronJob", { namespace: "shop" }),
            object("patch", "kubernetes:core/v1:ServicePatch", { name: "api", namespace: "shop" }),
            object("unknown-1", "kubernetes:core/v1:ConfigMap", { name: "[unknown]", namespace: "shop" }),
            object("unknown-2", "kubernetes:core/v1:ConfigMap", { name: "[unknown]", namespace: "shop" }),
        ])).toEqual([]);
    });
});
