/**
 * The principal running `pulumi up` must be a cluster-wide admin in `launchpad:cluster.access`: EKS
 * grants the creator nothing (`bootstrapClusterCreatorAdminPermissions: false`), and pulumi-kubernetes
 * marks a cluster whose schema it cannot read when configured unreachable for the whole run
 * (pulumi/pulumi-kubernetes v4.32.0+ provider/pkg/provider/provider.go, Configure `getResources`).
 * A real run (mocks that are not the offline plan's) asks STS who runs it, before the program
 * registers anything (index.ts awaits `deployerPreflight`).
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deployerAccessProblem, deployerPreflight, isCallerRole } from "../components/cluster";
import { declareOfflinePlan, toRuntimeConfig, type ClusterAccess, type EksClusterConfig, type ExistingClusterConfig } from "../config";
import { PLAN_ORGANIZATION, runPlan } from "../plan/engine";
import { PlanMocks } from "../plan/mocks";
import { deployedConfig, OWN_SECRETS, OWN_VALUES } from "./support/deployed";

const DEPLOY = "arn:aws:iam::111122223333:role/launchpad-staging-deploy";
const PREVIEW = "arn:aws:iam::111122223333:role/launchpad-staging-preview";
const ACCESS: ClusterAccess[] = [
    { principalArn: DEPLOY, access: "admin", namespaces: undefined },
    { principalArn: PREVIEW, access: "view", namespaces: undefined },
];
const session = (role: string, account = "111122223333", partition = "aws") => `arn:${partition}:sts::${account}:assumed-role/${role}/GitHubActions`;

describe("isCallerRole: an STS role session against an access entry's role ARN", () => {
    it.each([
        ["the same role", session("launchpad-staging-deploy"), DEPLOY, true],
        ["a role with a path (the session's ARN drops it: aws/containers-roadmap#185)", session("deploy"), "arn:aws:iam::111122223333:role/teams/ops/deploy", true],
        ["another case of the name (IAM CreateRole: names are not distinguished by case)", session("Launchpad-Staging-Deploy"), DEPLOY, true],
        ["another role", session("launchpad-staging-preview"), DEPLOY, false],
        ["the same name in another account", session("launchpad-staging-deploy", "444455556666"), DEPLOY, false],
        ["the same name in another partition", session("launchpad-staging-deploy", "111122223333", "aws-us-gov"), DEPLOY, false],
        ["an IAM user", "arn:aws:iam::111122223333:user/launchpad-staging-deploy", DEPLOY, false],
        ["the root user", "arn:aws:iam::111122223333:root", DEPLOY, false],
    ])("%s", (_, caller, principal, expected) => {
        expect(isCallerRole(caller, principal)).toBe(expected);
    });
});

describe("deployerAccessProblem", () => {
    it("accepts an update run as a listed cluster-wide admin, and a preview run as any listed role", () => {
        expect(deployerAccessProblem(session("launchpad-staging-deploy"), ACCESS, true)).toBeUndefined();
        expect(deployerAccessProblem(session("launchpad-staging-preview"), ACCESS, false)).toBeUndefined();
        expect(deployerAccessProblem(session("launchpad-staging-deploy"), ACCESS, false)).toBeUndefined();
    });

    it("refuses an update run as a role that is not listed, naming the admins and the caller", () => {
        expect(deployerAccessProblem(session("AWSReservedSSO_Admin_0123456789abcdef"), ACCESS, true)).toBe(
            `launchpad:cluster.access: received cluster-wide admins ["${DEPLOY}"], none of them the role pulumi up runs as (${session("AWSReservedSSO_Admin_0123456789abcdef")}); ` +
            "expected a { principalArn: <that role's ARN>, access: admin } entry, or pulumi up run as a listed admin (the deploy role): the cluster grants its creator nothing " +
            "(bootstrapClusterCreatorAdminPermissions: false), so every Kubernetes object of this update would fail Unauthorized",
        );
    });

    it("refuses an update run as a listed viewer, or as an admin of some namespaces only", () => {
        expect(deployerAccessProblem(session("launchpad-staging-preview"), ACCESS, true)).toMatch(/^launchpad:cluster\.access: received cluster-wide admins /);
        const scoped: ClusterAccess[] = [ACCESS[1], { principalArn: DEPLOY, access: "admin", namespaces: ["launchpad-staging"] }];
        expect(deployerAccessProblem(session("launchpad-staging-deploy"), scoped, true)).toMatch(/^launchpad:cluster\.access: received cluster-wide admins \[\], none of them/);
    });

    it("warns of a preview run as a role with no entry at all", () => {
        expect(deployerAccessProblem(session("someone"), ACCESS, false)).toBe(
            `launchpad:cluster.access: received no entry for the role this preview runs as (${session("someone")}); expected one (view is enough): ` +
            "without it the preview cannot read the cluster and shows its Kubernetes objects from their inputs",
        );
    });
});

const GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity";
type Program = () => Promise<Record<string, unknown>>;

/** The program as the language host loads it (index.ts `export =`). */
async function realProgram(): Promise<Program> {
    const mod = (await import("../index")) as { default: Program } | Program;
    return typeof mod === "function" ? mod : mod.default;
}

/**
 * The real program under Pulumi's mocks as a real `pulumi up` (or preview) runs it: not the offline
 * plan, so `isOfflinePlan()` is false and the preflight asks STS; the config is the committed stack's
 * with the team's own values (tests/support/deployed.ts), as a real run requires. The offline plan's
 * mocks answer everything but the caller, who is `caller`. Each `newResource` and each invoke is
 * recorded; the program runs inside the root Stack, as the language host runs it (@pulumi/pulumi
 * v3.248.0 cmd/run/run.js: `stack.runInPulumiStack(runProgram)`).
 */
async function runReal(caller: string, dryRun: boolean): Promise<{ outcome: Promise<unknown>; registered: string[]; invoked: string[] }> {
    const { values, secretKeys } = deployedConfig("staging");
    // The stack's reference to itself (its previous outputs) reads none: a first update, as the offline plan's.
    const plan = new PlanMocks(String(values["aws:region"]), (name) => (name === `${PLAN_ORGANIZATION}/launchpad/staging` ? {} : undefined));
    const registered: string[] = [];
    const invoked: string[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push(`${args.type}::${args.name}`);
            return plan.newResource(args);
        },
        call: (args) => {
            invoked.push(args.token);
            const answer = plan.call(args);
            return args.token === GET_CALLER_IDENTITY ? { ...answer, arn: caller } : answer;
        },
    }, "launchpad", "staging", dryRun, PLAN_ORGANIZATION);
    pulumi.runtime.setAllConfig(toRuntimeConfig(values), [...secretKeys]);
    const program = await realProgram();
    const outcome = pulumi.runtime.runInPulumiStack(program);
    // Observed by the test; never left unhandled.
    void outcome.catch(() => undefined);
    return { outcome, registered, invoked };
}

/** The deployed staging stack's deploy role (OWN_VALUES), as an STS session of it. */
const DEPLOYED_DEPLOY = "arn:aws:sts::210987654321:assumed-role/launchpad-staging-deploy/GitHubActions";
const SSO_ADMIN = "arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane";

describe("a real pulumi up run by a role that is not a cluster-wide admin registers nothing", () => {
    it("fails with the check's message before the Environment, the VPC, the database or the keys register: the root Stack alone, and one invoke, STS's", async () => {
        // The root Stack's outputs reject with the program's error, and so do the promises its Output
        // keeps beside its value (@pulumi/pulumi output.js OutputImpl: isKnown, isSecret): the language
        // host reports that one error once (cmd/run/index.js `loggedErrors`). Collected here.
        const unhandled: unknown[] = [];
        const collect = (reason: unknown): void => {
            unhandled.push(reason);
        };
        process.on("unhandledRejection", collect);
        const { outcome, registered, invoked } = await runReal(SSO_ADMIN, false);
        // A check inside an apply() leaves the program waiting on the refused Output: bounded, so such a
        // failure reads as what registered meanwhile rather than as the test's timeout.
        const error = await Promise.race([
            outcome.then(() => "the program completed", (e: unknown) => e),
            new Promise((r) => setTimeout(() => r("the program still runs after 10 s"), 10_000)),
        ]);
        // The rejections of the same error that follow it (the Output's side promises) arrive on later turns.
        await new Promise((r) => setTimeout(r, 100));
        process.off("unhandledRejection", collect);
        // The Stack is registered by the SDK before the program runs (runtime/stack.js `Stack`), in every run.
        expect(registered).toEqual(["pulumi:pulumi:Stack::launchpad-staging"]);
        expect(invoked).toEqual([GET_CALLER_IDENTITY]);
        expect(unhandled.every((u) => u === error)).toBe(true);
        expect(error).toBeInstanceOf(pulumi.RunError);
        expect((error as Error).message).toBe(
            `launchpad:cluster.access: received cluster-wide admins ["arn:aws:iam::210987654321:role/launchpad-staging-deploy"], none of them the role pulumi up runs as (${SSO_ADMIN}); ` +
            "expected a { principalArn: <that role's ARN>, access: admin } entry, or pulumi up run as a listed admin (the deploy role): the cluster grants its creator nothing " +
            "(bootstrapClusterCreatorAdminPermissions: false), so every Kubernetes object of this update would fail Unauthorized",
        );
    });

    it("run as the deploy role, registers what the offline plan of the same config plans, resource for resource", async () => {
        const { outcome, registered, invoked } = await runReal(DEPLOYED_DEPLOY, false);
        const outputs = (await outcome) as Record<string, unknown>;
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        expect(invoked[0]).toBe(GET_CALLER_IDENTITY);
        const offline = await runPlan({
            stack: "staging",
            sets: [...OWN_VALUES.staging],
            secretSets: Object.entries(OWN_SECRETS.staging).map(([k, v]) => `${k}=${v}`),
        });
        expect(registered.length).toBe(offline.resources.length);
        expect([...registered].sort()).toEqual(offline.resources.map((r) => `${r.type}::${r.name}`).sort());
        expect(Object.keys(outputs).sort()).toEqual(Object.keys(offline.outputs).sort());
    });
});

describe("deployerPreflight", () => {
    const eks = { mode: "eks", access: ACCESS } as unknown as EksClusterConfig;
    afterEach(() => {
        vi.restoreAllMocks();
    });
    async function mocked(caller: string, dryRun: boolean): Promise<string[]> {
        const calls: string[] = [];
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                throw new Error(`no resource expected: ${args.type}`);
            },
            call: (args) => {
                calls.push(args.token);
                if (args.token !== GET_CALLER_IDENTITY) throw new Error(`Mock not implemented: ${args.token}`);
                return { id: "111122223333", accountId: "111122223333", arn: caller, userId: "AROAEXAMPLE:GitHubActions" };
            },
        }, "launchpad", "staging", dryRun);
        return calls;
    }

    it("accepts an update run as the deploy role", async () => {
        const calls = await mocked(session("launchpad-staging-deploy"), false);
        await expect(deployerPreflight(eks)).resolves.toBeUndefined();
        expect(calls).toEqual([GET_CALLER_IDENTITY]);
    });

    it("only warns of a preview run as a role with no entry, with the same message", async () => {
        await mocked(session("someone"), true);
        // Without an engine, pulumi.log writes to the console (@pulumi/pulumi log/index.js).
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
        await expect(deployerPreflight(eks)).resolves.toBeUndefined();
        const printed = [...warn.mock.calls, ...error.mock.calls].map((c) => c.map(String).join(" "));
        expect(printed).toEqual([`warning: [runtime] ${deployerAccessProblem(session("someone"), ACCESS, false) ?? ""}`]);
    });

    it("asks nothing on an existing cluster, nor in the offline plan", async () => {
        const calls = await mocked(session("someone"), false);
        await expect(deployerPreflight({ mode: "existing" } as unknown as ExistingClusterConfig)).resolves.toBeUndefined();
        const end = declareOfflinePlan();
        try {
            await expect(deployerPreflight(eks)).resolves.toBeUndefined();
        } finally {
            end();
        }
        expect(calls).toEqual([]);
    });
});
