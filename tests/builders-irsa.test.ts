/**
 * The IRSA building block (components/irsa.ts `serviceAccountRole`, `serviceAccountWithRole`), called
 * directly under Pulumi's runtime mocks (issue 16: builders "that tests call directly"): until now
 * only whole plans reached them. Unlike the pure spec builders they register resources, so the test
 * records what they register, with which inputs, under which parent, and what a workload waits for.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceAccountRole, serviceAccountWithRole } from "../components/irsa";
import { valueOf } from "./support/values";

interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

const registered: Registered[] = [];


const PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

beforeAll(async () => {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
            const arn = args.type === "aws:iam/role:Role" ? { arn: `arn:aws:iam::111122223333:role/${args.name}`, name: args.name } : {};
            return { id: `${args.name}-id`, state: { ...(args.inputs as Record<string, unknown>), ...arn } };
        },
        call: (args) => args.inputs as Record<string, unknown>,
    }, "launchpad", "staging", true);
});

function inputsOf(name: string): Record<string, unknown> {
    const r = registered.find((x) => x.name === name);
    if (r === undefined) throw new Error(`${name} was not registered; registered: ${registered.map((x) => x.name).join(", ")}`);
    return r.inputs;
}

describe("serviceAccountWithRole (an IAM role one Kubernetes service account may assume, and that account)", () => {
    it("registers the role, one attachment per managed policy, the inline policy and the annotated ServiceAccount; a workload waits for the account and the policies", async () => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "irsa-parent");
        const provider = new k8s.Provider("irsa-k8s", {});
        const made = serviceAccountWithRole(parent, "loadtest", {
            oidcProviderArn: PROVIDER_ARN,
            oidcIssuerUrl: ISSUER,
            namespace: "apps",
            serviceAccountName: "launchpad-loadtest",
            policyArns: ["arn:aws:iam::aws:policy/AmazonPrometheusQueryAccess"],
            inlinePolicy: '{"Version":"2012-10-17","Statement":[]}',
            tags: { owner: "team-platform" },
            labels: { app: "loadtest" },
            k8sProvider: provider,
        });
        await Promise.all(made.ready.map((r) => valueOf(r.urn)));
        expect(await valueOf(made.serviceAccount.metadata.name)).toBe("launchpad-loadtest");
        expect(await valueOf(made.role.arn)).toBe("arn:aws:iam::111122223333:role/loadtest-role");
        // Registration order is the SDK's (asynchronous); the set of children is the contract.
        expect(registered.filter((r) => r.name.startsWith("loadtest")).map((r) => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
            ["aws:iam/rolePolicy:RolePolicy", "loadtest-policy"],
            ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "loadtest-policy-0"],
            ["aws:iam/role:Role", "loadtest-role"],
            ["kubernetes:core/v1:ServiceAccount", "loadtest-sa"],
        ]);
        expect(made.ready).toHaveLength(3);
        expect(made.ready[0]).toBe(made.serviceAccount);
        expect(inputsOf("loadtest-role").tags).toEqual({ owner: "team-platform", Name: "loadtest-role" });
        expect(inputsOf("loadtest-policy-0")).toEqual({ role: "loadtest-role", policyArn: "arn:aws:iam::aws:policy/AmazonPrometheusQueryAccess" });
    });

    // EKS user guide, "Assign IAM roles to Kubernetes service accounts" (awsdocs/amazon-eks-user-guide
    // doc_source/associate-service-account-role.md at 686de95, the trust policy and `kubectl annotate` steps):
    // the trust policy federates the cluster's OIDC provider and conditions `<issuer>:sub` on
    // `system:serviceaccount:<namespace>:<name>` and `<issuer>:aud` on `sts.amazonaws.com`; the pod
    // identity webhook reads the account's `eks.amazonaws.com/role-arn` annotation.
    it("only that namespace's account may assume the role, and the account names the role's ARN for the pod identity webhook", () => {
        expect(JSON.parse(inputsOf("loadtest-role").assumeRolePolicy as string)).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: PROVIDER_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:apps:launchpad-loadtest",
                        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
                    },
                },
            }],
        });
        expect(inputsOf("loadtest-sa").metadata).toEqual({
            name: "launchpad-loadtest",
            namespace: "apps",
            labels: { app: "loadtest" },
            annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/loadtest-role" },
        });
    });
});

describe("serviceAccountRole (the role alone, for an account an EKS add-on creates)", () => {
    it("registers no ServiceAccount and no inline policy unless given; a workload waits for the attachments", async () => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "irsa-parent-2");
        const made = serviceAccountRole(parent, "ebs-csi", {
            oidcProviderArn: PROVIDER_ARN,
            oidcIssuerUrl: ISSUER,
            namespace: "kube-system",
            serviceAccountName: "ebs-csi-controller-sa",
            policyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
            tags: {},
        });
        await Promise.all(made.ready.map((r) => valueOf(r.urn)));
        expect(await valueOf(made.role.arn)).toBe("arn:aws:iam::111122223333:role/ebs-csi-role");
        expect(registered.filter((r) => r.name.startsWith("ebs-csi")).map((r) => r.name).sort()).toEqual(["ebs-csi-policy-0", "ebs-csi-role"]);
        expect(made.ready).toHaveLength(1);
    });
});
