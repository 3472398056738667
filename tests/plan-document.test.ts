/**
 * What the offline plan records for the policies that run on it, as the Pulumi CLI gives it to
 * them: every dependency (explicit and from inputs) and each input's dependencies, the provider's
 * id and ARN, a component's inputs, and a Secret's keys without its values.
 *
 * The CLI's stack policies get each resource's `dependencies` from the engine's state
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, AnalyzeResources), which records the
 * register request's `dependencies` (pkg/resource/deploy/source_eval.go); the Node SDK fills that
 * with the explicit dependsOn (a component as its custom children) and every input's
 * dependencies (@pulumi/pulumi runtime/resource.js, prepareResource: allDirectDependencyURNs).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CONNECTION_SECRET_KEYS } from "../components/database";
import { renderJson } from "../plan/render";
import { renderValue } from "../plan/values";
import { named, planProgram, planStack } from "./support/plan";

const NS = "launchpad-staging-cluster-namespace";

describe("dependencies", () => {
    it("records the implicit dependency of an input taken from another resource: a Deployment on its Namespace, the stack's own history and the connection settings' sources", async () => {
        const p = await planStack("staging");
        const blue = named(p, "launchpad-staging-api-blue");
        // The history, and the instance and password the application user's settings' digest is made of (components/database.ts connectionDigest).
        const inputs = [named(p, "launchpad-staging-database-instance").urn, named(p, "launchpad-staging-database-app-password").urn, named(p, "launchpad-staging-history").urn];
        // The explicit ones: the application user's Secret, the grants Job and the CA fetch ConfigMap, by name and waited
        // for (never an input: components/database-client.ts DatabaseClient), and the load balancer controller (components/platform.ts).
        const explicit = [named(p, "launchpad-staging-database-app-connection").urn, named(p, "launchpad-staging-database-grants-job").urn, named(p, "launchpad-staging-api-db-ca-fetch").urn, named(p, "launchpad-staging-platform-lbc").urn];
        expect(blue.dependsOn).toEqual(explicit);
        expect([...blue.dependencies].sort()).toEqual([named(p, NS).urn, ...inputs, ...explicit].sort());
        // The pod template's release annotation waits for the in-place rule, read from the history reference.
        expect(blue.propertyDependencies).toEqual({ metadata: [named(p, NS).urn], spec: inputs });
    });

    it("keeps dependsOn the explicit ones only; dependencies holds them too, with the inputs' ones", async () => {
        const p = await planStack("staging");
        const live = named(p, "launchpad-staging-api-live");
        expect(live.dependsOn.map((u) => u.split("::").pop())).toEqual(["launchpad-staging-api-green", "launchpad-staging-api-green-gate"]);
        expect(live.dependencies.map((u) => u.split("::").pop()).sort()).toEqual([NS, "launchpad-staging-api-green", "launchpad-staging-api-green-gate"].sort());
        // An explicit dependency on a custom resource is always among them (one on a component counts as its children).
        const custom = new Set(p.resources.filter((r) => r.custom).map((r) => r.urn));
        expect(p.resources.flatMap((r) => r.dependsOn.filter((d) => custom.has(d) && !r.dependencies.includes(d)))).toEqual([]);
    });

    it("is in the --json document, every URN a planned resource", async () => {
        const doc = JSON.parse(renderJson(await planStack("staging"))) as { resources: { urn: string; dependencies: string[]; propertyDependencies: Record<string, string[]> }[] };
        const urns = new Set(doc.resources.map((r) => r.urn));
        const all = doc.resources.flatMap((r) => [...r.dependencies, ...Object.values(r.propertyDependencies).flat()]);
        expect(all.length).toBeGreaterThan(0);
        expect(all.filter((u) => !urns.has(u))).toEqual([]);
    });
});

describe("id and arn", () => {
    it("carry the (mocked) provider's answer: a role's ARN is the one its service account names", async () => {
        const p = await planStack("staging");
        const role = named(p, "launchpad-staging-logical-backup-dump-role");
        expect(role.arn).toBe(role.state.arn);
        expect(role.arn).toMatch(/^arn:aws:iam::123456789012:role\/launchpad-staging-logical-backup-dump-role-[0-9a-f]{7}$/);
        expect((named(p, "launchpad-staging-logical-backup-dump-sa").inputs.metadata as { annotations: Record<string, string> }).annotations["eks.amazonaws.com/role-arn"]).toBe(role.arn);
    });

    it("give an auto-named Kubernetes object's name (its id is namespace/name), and components none", async () => {
        const p = await planStack("staging");
        const scripts = named(p, "launchpad-staging-logical-backup-scripts");
        expect(scripts.inputs.metadata).toEqual(expect.not.objectContaining({ name: expect.anything() as unknown }));
        expect(scripts.id).toMatch(/^launchpad-staging\/launchpad-staging-logical-backup-scripts-[0-9a-f]{8}$/);
        expect(named(p, "launchpad-staging-cluster").id).toBeNull();
        expect(named(p, "launchpad-staging-cluster").arn).toBeNull();
    });
});

describe("a component's inputs", () => {
    const program = () => {
        new pulumi.ComponentResource("test:index:Cluster", "existing", { provides: { ingressClasses: ["nginx"], storageClasses: ["standard"], defaultStorageClass: true, metricsApi: true } });
    };

    it("are the props the program passed to the ComponentResource (the register request's object)", async () => {
        const p = await planProgram(program, "staging");
        expect(named(p, "existing")).toMatchObject({
            custom: false,
            inputs: { provides: { ingressClasses: ["nginx"], storageClasses: ["standard"], defaultStorageClass: true, metricsApi: true } },
        });
    });
});

describe("a component's registered outputs (what the CLI's stack policies see of it: pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go AnalyzeResources, Properties: v.Outputs; step_executor.go executeRegisterResourceOutputs replaces them whole)", () => {
    /** Takes `provides` and an OIDC provider ARN, registers `provides`, a child's name and a secret. */
    class Declares extends pulumi.ComponentResource {
        constructor(name: string) {
            super("test:index:Cluster", name, { provides: { ingressClasses: ["nginx"] }, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" });
            const child = new k8s.core.v1.ConfigMap("child", { metadata: { name: "child" }, data: { a: "b" } }, { parent: this });
            this.registerOutputs({ provides: { ingressClasses: ["nginx"] }, childName: child.metadata.name, token: pulumi.secret("t0ken") });
        }
    }
    const program = () => {
        new Declares("declares");
        // Registers nothing itself: the SDK registers {} once its initialize settles (@pulumi/pulumi resource.js initializeAndRegisterOutputs).
        new pulumi.ComponentResource("test:index:Quiet", "quiet", { setting: 1 });
        return { exported: "yes" };
    };

    it("are recorded as registerOutputs sent them, not the inputs; {} for a component that registers nothing; the Stack's are the stack outputs; null for a custom resource", async () => {
        const p = await planProgram(program, "staging");
        expect(named(p, "declares").inputs).toEqual({ provides: { ingressClasses: ["nginx"] }, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" });
        expect(named(p, "declares").registeredOutputs).toEqual({ provides: { ingressClasses: ["nginx"] }, childName: "child", token: "[secret]" });
        expect(named(p, "quiet").registeredOutputs).toEqual({});
        expect(p.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.registeredOutputs).toEqual({ exported: "yes" });
        expect(named(p, "child").registeredOutputs).toBeNull();
        // And in the --json document, after the keys older documents had.
        const doc = JSON.parse(renderJson(p)) as { resources: { name: string; registeredOutputs: unknown }[] };
        expect(doc.resources.find((r) => r.name === "declares")?.registeredOutputs).toEqual({ provides: { ingressClasses: ["nginx"] }, childName: "child", token: "[secret]" });
    });
});

describe("every component of both stacks registers what it takes", () => {
    it.each(["staging", "production"])("%s: each input of a component is among its registered outputs, unchanged, so resource policies (its inputs) and stack policies (its outputs) read the same value", async (stack) => {
        const p = await planStack(stack);
        const components = p.resources.filter((r) => !r.custom);
        expect(components.length).toBeGreaterThan(10);
        const lost = components.flatMap((r) => Object.keys(r.inputs).filter((k) => JSON.stringify(r.inputs[k]) !== JSON.stringify(r.registeredOutputs?.[k])).map((k) => `${r.name}.${k}`));
        expect(lost).toEqual([]);
    });
});

describe("a Secret's keys", () => {
    const PLAIN = "hunter2-plain-value";
    const program = () => {
        // @pulumi/kubernetes wraps the whole map in one secret (core/v1/secret.js): plain or not, no value may show.
        new k8s.core.v1.Secret("creds", { metadata: { name: "creds" }, stringData: { user: "app", password: PLAIN }, data: { token: pulumi.secret("dG9rZW4=") } });
    };

    it("show, each value [secret], and no value leaks into the plan or its JSON", async () => {
        const p = await planProgram(program, "staging");
        const secret = named(p, "creds");
        expect(secret.inputs.stringData).toEqual({ password: "[secret]", user: "[secret]" });
        expect(secret.inputs.data).toEqual({ token: "[secret]" });
        const text = JSON.stringify(p) + renderJson(p);
        expect(text).not.toContain(PLAIN);
        expect(text).not.toContain("dG9rZW4=");
        expect(text).not.toContain('"app"');
    });

    it("of the database connection Secret are the ones the workloads read", async () => {
        const p = await planStack("staging");
        expect(named(p, "launchpad-staging-database-connection").inputs.stringData).toEqual(Object.fromEntries([...CONNECTION_SECRET_KEYS].sort().map((k) => [k, "[secret]"])));
    });

    it("renderValue: a secret map shows its keys; any other secret value is [secret]", () => {
        const SIG = "4dabf18193072939515e22adb298388d";
        const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });
        expect(renderValue(secret({ b: "x", a: { deep: "y" } }))).toEqual({ a: "[secret]", b: "[secret]" });
        expect(renderValue(secret("text"))).toBe("[secret]");
        expect(renderValue(secret(["a", "b"]))).toBe("[secret]");
        expect(renderValue({ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", secret: true, value: { k: "v" } })).toEqual({ k: "[secret]" });
    });
});

describe("URNs", () => {
    // The engine's NewURN qualifies a child's type by its parent's whole qualified type and never by
    // the Stack's; the SDK's own createUrn (@pulumi/pulumi resource.js, used for aliases) follows
    // it. Pulumi's MockMonitor does not (runtime/mocks.js newUrn keeps the parent's last type only):
    // the plan engine replaces that rule, so a plan's URNs are the ones a real stack's state has.
    it("are the SDK's createUrn of each resource's name, type and parent, through every level", async () => {
        const p = await planStack("staging");
        const resolve = (o: pulumi.Output<string>) => new Promise<string>((r) => o.apply(r));
        const byUrn = new Map(p.resources.map((r) => [r.urn, r]));
        let deepest = 0;
        for (const r of p.resources) {
            const expected = await resolve(pulumi.createUrn(r.name, r.type, r.parent ?? undefined, "launchpad", "staging"));
            expect(r.urn).toBe(expected);
            let depth = 0;
            for (let q: string | null | undefined = r.parent; q !== null && q !== undefined; q = byUrn.get(q)?.parent) depth++;
            deepest = Math.max(deepest, depth);
        }
        expect(named(p, "launchpad-staging-database-instance").urn).toBe(
            "urn:pulumi:staging::launchpad::launchpad:environment:Environment$launchpad:database:Database$aws:rds/instance:Instance::launchpad-staging-database-instance",
        );
        // Stack > Environment > BackupStorage > SecureBucket > bucket: the chain is really walked.
        expect(deepest).toBeGreaterThanOrEqual(4);
    });
});
