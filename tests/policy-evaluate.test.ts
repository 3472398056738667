/**
 * policies/evaluate.ts runs a resource policy as @pulumi/policy 1.21's server does (server.js,
 * `analyze`): one validation function made by validateResourceOfType is skipped for a resource of
 * another type before any args are built (its "Fast check to see if the policy isn't applicable"),
 * and every validation gets its own copy of the props (the server deserializes them for each).
 */
import { validateResourceOfType } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { policyResources, runResourcePolicy } from "../policies/evaluate";
import type { LaunchpadPolicy } from "../policies/lib";
import { resource } from "./support/policy";
import { firstPreview, known, UNKNOWN } from "./support/policy-server";

/** A resource class as the policy SDK reads one: its registered Pulumi type. */
class Bucket {
    static readonly __pulumiType = "aws:s3/bucket:Bucket";
}

describe("runResourcePolicy, as the policy server runs a resource policy", () => {
    it("a validation function carrying a Pulumi type (server.js getPulumiType) is never called for another type", async () => {
        const called: string[] = [];
        // What validateResourceOfType returns, without its own isType check: only the evaluator's skip keeps it from other types.
        const tagged = Object.assign((args: { type: string }) => {
            called.push(args.type);
        }, { __pulumiType: "aws:s3/bucket:Bucket" });
        const policy = { name: "test-tagged", description: "test", enforcementLevel: "mandatory", validateResource: tagged } as unknown as LaunchpadPolicy;
        await runResourcePolicy(policy, resource("aws:s3/bucketV2:BucketV2", "other", {}));
        await runResourcePolicy(policy, resource("aws:s3/bucket:Bucket", "mine", {}));
        expect(called).toEqual(["aws:s3/bucket:Bucket"]);
    });

    it("a validateResourceOfType function never runs for another type, and runs for its own", async () => {
        const seen: string[] = [];
        const policy = {
            name: "test-of-type",
            description: "test",
            enforcementLevel: "mandatory",
            validateResource: validateResourceOfType(Bucket as never, (_props, args, report) => {
                seen.push(args.type);
                report("bucket");
            }),
        } as unknown as LaunchpadPolicy;
        expect(await runResourcePolicy(policy, resource("aws:s3/bucketV2:BucketV2", "other", {}))).toEqual([]);
        expect(await runResourcePolicy(policy, resource("aws:s3/bucket:Bucket", "mine", {}))).toEqual(["bucket"]);
        expect(seen).toEqual(["aws:s3/bucket:Bucket"]);
    });

    it("each validation reads its own copy of the props: one that edits them changes nothing for the next", async () => {
        const read: unknown[] = [];
        const policy = {
            name: "test-copies",
            description: "test",
            enforcementLevel: "mandatory",
            validateResource: [
                (args: { props: Record<string, unknown> }) => {
                    (args.props.tags as Record<string, string>).env = "edited";
                    (args.props.list as unknown[]).push(3);
                },
                (args: { props: Record<string, unknown> }) => {
                    read.push(args.props);
                },
            ],
        } as unknown as LaunchpadPolicy;
        const r = resource("aws:s3/bucket:Bucket", "b", { tags: { env: "prod" }, list: [1, 2], none: null });
        await runResourcePolicy(policy, r);
        expect(read).toEqual([{ tags: { env: "prod" }, list: [1, 2], none: null }]);
        expect(r.inputs).toEqual({ tags: { env: "prod" }, list: [1, 2], none: null });
    });
});

describe("policyResources, what the CLI's stack policies see of each resource", () => {
    // pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go: a component's state starts with `Outputs: nil`
    // (generateSteps), step_executor.go executeRegisterResourceOutputs sets them to what registerOutputs sent, and
    // AnalyzeResources hands stack policies `Properties: v.Outputs`; a resource policy (Analyze) gets `Properties: inputs`.
    const component = resource("launchpad:cluster:Cluster", "c", { provides: { metricsApi: true }, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" }, {
        registeredOutputs: { provides: { metricsApi: true }, namespace: "shop" },
    });

    it("a component's props are its registered outputs, never its inputs", () => {
        expect(policyResources([component])[0].props).toEqual({ provides: { metricsApi: true }, namespace: "shop" });
    });

    it("a resource policy still gets the component's inputs", async () => {
        const seen: unknown[] = [];
        const policy = { name: "test-inputs", description: "test", enforcementLevel: "mandatory", validateResource: (args: { props: unknown }) => void seen.push(args.props) } as unknown as LaunchpadPolicy;
        await runResourcePolicy(policy, component);
        expect(seen).toEqual([{ provides: { metricsApi: true }, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" }]);
    });

    it("a custom resource (registeredOutputs null) and a document saved before the field keep the inputs, with the arn they are matched by", () => {
        const role = resource("aws:iam/role:Role", "r", { name: "r" }, { registeredOutputs: null, arn: "arn:aws:iam::123456789012:role/r" });
        const old = resource("launchpad:cluster:Cluster", "old", { provides: {} });
        // Registered outputs on a resource that says it is custom are no component's: ignored.
        const odd = resource("aws:s3/bucket:Bucket", "b", { bucket: "b" }, { custom: true, registeredOutputs: {} });
        expect(policyResources([role, old, odd]).map((r) => r.props)).toEqual([{ name: "r", arn: "arn:aws:iam::123456789012:role/r" }, { provides: {} }, { bucket: "b" }]);
    });

    it("each stack policy gets its own copy: editing a component's props changes nothing recorded", () => {
        (policyResources([component])[0].props.provides as Record<string, unknown>).metricsApi = false;
        expect(policyResources([component])[0].props.provides).toEqual({ metricsApi: true });
    });
});

describe("the policy-server harness (tests/support/policy-server.ts) hands AnalyzeStack a component's registered outputs", () => {
    const BUCKET = "launchpad-staging-dumps-0123456789abcdef";
    const common = { parent: null, protect: false, provider: null, dependencies: [], propertyDependencies: {} };
    const bucket = { ...common, urn: "urn:pulumi:staging::launchpad::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket", name: "b", custom: true, inputs: { bucketPrefix: "launchpad-staging-dumps-" }, state: { bucket: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, id: BUCKET, registeredOutputs: null };
    const component = { ...common, urn: "urn:pulumi:staging::launchpad::test:index:Store::s", type: "test:index:Store", name: "s", custom: false, inputs: { provides: { metricsApi: true } }, state: {}, id: null, registeredOutputs: { bucketArn: `arn:aws:s3:::${BUCKET}`, provides: { metricsApi: true } } };

    it("known: the registered outputs as recorded, not the inputs; Analyze still gets the inputs", () => {
        const v = known([bucket, component]);
        expect(v.stack[1].props).toEqual({ bucketArn: `arn:aws:s3:::${BUCKET}`, provides: { metricsApi: true } });
        expect(v.analyze[1].props).toEqual({ provides: { metricsApi: true } });
    });

    it("a first preview: a registered output made from a created child's computed value is unknown, the others known", () => {
        expect(firstPreview([bucket, component]).stack[1].props).toEqual({ bucketArn: UNKNOWN, provides: { metricsApi: true } });
    });
});
