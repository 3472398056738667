/**
 * The principal running `pulumi up` must be a cluster-wide admin in `launchpad:cluster.access`: EKS
 * grants the creator nothing (`bootstrapClusterCreatorAdminPermissions: false`), and pulumi-kubernetes
 * marks a cluster whose schema it cannot read when configured unreachable for the whole run
 * (pulumi/pulumi-kubernetes v4.32.0+ provider/pkg/provider/provider.go, Configure `getResources`).
 * A real run (mocks that are not the offline plan's) asks STS who runs it.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { deployerAccessProblem, deployerChecked, eksClusterArgs, isCallerRole } from "../components/cluster";
import type { ClusterAccess } from "../config";

const DEPLOY = "arn:aws:iam::111122223333:role/launchpad-staging-deploy";
const PREVIEW = "arn:aws:iam::111122223333:role/launchpad-staging-preview";
const ACCESS: ClusterAccess[] = [
    { principalArn: DEPLOY, access: "admin", namespaces: undefined },
    { principalArn: PREVIEW, access: "view", namespaces: undefined },
];
const session = (role: string, account = "111122223333", partition = "aws") => `arn:${partition}:sts::${account}:assumed-role/${role}/GitHubActions`;

/**
 * An Output's value or its rejection (`valueOf` in tests/support/values.ts never settles on a
 * rejection). A rejected Output also rejects the promises it keeps beside its value (@pulumi/pulumi
 * output.js OutputImpl: `isKnown`, `isSecret`, `allResources`): those are awaited too, so no rejection goes unhandled.
 */
function settled<T>(o: pulumi.Output<T>): Promise<T> {
    const impl = o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources?: () => Promise<unknown> };
    for (const side of [impl.isKnown, impl.isSecret, impl.allResources?.()]) void side?.catch(() => undefined);
    return impl.promise();
}

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

describe("a real pulumi up (not the offline plan) asks STS who runs it, before the cluster is registered", () => {
    let caller = session("launchpad-staging-deploy");
    beforeAll(async () => {
        await pulumi.runtime.setMocks({
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }),
            call: (args) => {
                if (args.token !== "aws:index/getCallerIdentity:getCallerIdentity") throw new Error(`Mock not implemented: ${args.token}`);
                return { id: "111122223333", accountId: "111122223333", arn: caller, userId: "AROAEXAMPLE:GitHubActions" };
            },
        }, "launchpad", "staging", false);
    });
    const parts = { config: { version: "1.35", endpointAccess: "public", endpointPublicAccessCidrs: ["203.0.113.0/24"], logTypes: ["api"] } as const, clusterName: "launchpad-staging", roleArn: "arn:role", subnetIds: ["s-1"], secretsKeyArn: "arn:key", deletionProtection: false, tags: {} };

    it("names the cluster once the deploy role is found a cluster-wide admin", async () => {
        caller = session("launchpad-staging-deploy");
        const parent = new pulumi.ComponentResource("test:index:Parent", "deployer-ok");
        const gate = deployerChecked(parent, ACCESS);
        expect(gate).toBeDefined();
        await expect(settled(eksClusterArgs({ ...parts, deployerChecked: gate }).name as pulumi.Output<string>)).resolves.toBe("launchpad-staging");
    });

    it("refuses to name the cluster when another role runs the update: nothing of the cluster is registered", async () => {
        caller = session("AWSReservedSSO_Admin_0123456789abcdef");
        const parent = new pulumi.ComponentResource("test:index:Parent", "deployer-refused");
        const gate = deployerChecked(parent, ACCESS);
        if (gate === undefined) throw new Error("no check outside the offline plan");
        void settled(gate).catch(() => undefined);
        await expect(settled(eksClusterArgs({ ...parts, deployerChecked: gate }).name as pulumi.Output<string>)).rejects.toThrow(
            /^launchpad:cluster\.access: received cluster-wide admins \["arn:aws:iam::111122223333:role\/launchpad-staging-deploy"\], none of them the role pulumi up runs as \(arn:aws:sts::111122223333:assumed-role\/AWSReservedSSO_Admin_0123456789abcdef\/GitHubActions\)/,
        );
    });
});

describe("a real pulumi preview only warns: the preview roles are viewers, and a preview creates nothing", () => {
    beforeAll(async () => {
        await pulumi.runtime.setMocks({
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }),
            call: (args) => {
                if (args.token !== "aws:index/getCallerIdentity:getCallerIdentity") throw new Error(`Mock not implemented: ${args.token}`);
                return { id: "111122223333", accountId: "111122223333", arn: session("someone"), userId: "AROAEXAMPLE:GitHubActions" };
            },
        }, "launchpad", "staging", true);
    });

    it("names the cluster even for a role with no entry", async () => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "deployer-preview");
        const gate = deployerChecked(parent, ACCESS);
        if (gate === undefined) throw new Error("no check outside the offline plan");
        await expect(settled(gate)).resolves.toBe(session("someone"));
    });
});
