/**
 * The confused-deputy guard of every service-role trust policy in both plans: for each role, the
 * aws:SourceAccount / aws:SourceArn conditions its service's own documentation shows for that role,
 * or none where that documentation shows the trust policy without them (a key the service does not
 * send would deny every assume, so none is added on a general recommendation alone).
 * Trust policies change in place (terraform-provider-aws internal/service/iam/role.go:
 * `assume_role_policy` is Required without ForceNew, and resourceRoleUpdate calls
 * UpdateAssumeRolePolicy), so adding the conditions to a live stack replaces no role.
 */
import { describe, expect, it } from "vitest";
import { monitoringTrustPolicy } from "../components/database";
import { flowLogsTrustPolicy } from "../components/network";
import { allows, type PolicyDocument } from "./support/iam-reference";
import { input, ofType, planStack, type Plan } from "./support/plan";

/** The plans' account and region (plan/mocks.ts: getCallerIdentity, the stacks' aws:region). */
const ACCOUNT = "123456789012";
const REGION = "us-east-1";

interface Row {
    /** The role's child-name suffix after `launchpad-<stack>-`. */
    readonly role: string;
    readonly service: string;
    /** The exact Condition block of the committed plan, or why there is none. */
    readonly expected: ((stack: string) => object) | { readonly none: string };
}

const ROWS: readonly Row[] = [
    {
        role: "network-flow-logs-role",
        service: "vpc-flow-logs.amazonaws.com",
        // VPC User Guide, flow-logs-iam-role: StringEquals aws:SourceAccount, ArnLike aws:SourceArn vpc-flow-log/<id or *>.
        expected: () => ({
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/*` },
        }),
    },
    {
        role: "database-monitoring-role",
        service: "monitoring.rds.amazonaws.com",
        // RDS User Guide, USER_Monitoring.OS.Enabling#USER_Monitoring.OS.confused-deputy: StringLike aws:SourceArn db:<name>, StringEquals aws:SourceAccount.
        expected: (stack) => ({
            StringLike: { "aws:SourceArn": [`arn:aws:rds:${REGION}:${ACCOUNT}:db:launchpad-${stack}-db`, `arn:aws:rds:${REGION}:${ACCOUNT}:db:launchpad-${stack}-db-r*`] },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
        }),
    },
    {
        role: "backup-plan-role",
        service: "backup.amazonaws.com",
        expected: { none: "AWS Backup Developer Guide iam-service-roles.html shows the service role's trust without conditions; its cross-service-confused-deputy-prevention.html names the keys for resource policies (an SNS topic's, SourceArn = the vault), not for this role" },
    },
    {
        role: "backup-storage-replication-role",
        service: "s3.amazonaws.com",
        expected: { none: "S3 User Guide setting-repl-config-perm-overview.html (live page; awsdocs/amazon-s3-userguide cc53dd6a) shows the replication role's trust without conditions" },
    },
    {
        role: "cluster-cluster-role",
        service: "eks.amazonaws.com",
        expected: { none: "EKS User Guide cluster-iam-role.adoc:80-92 (awsdocs/amazon-eks-user-guide 4d52b4d0) shows the cluster role's trust without conditions; SourceArn is documented only for the Fargate pod execution role (security-iam.adoc:1007)" },
    },
    {
        role: "cluster-node-role",
        service: "ec2.amazonaws.com",
        expected: { none: "EKS User Guide create-node-role.adoc:45-62 shows the node role's trust without conditions (EC2 assumes it for an instance profile)" },
    },
];

const trustOf = (plan: Plan, name: string): PolicyDocument => {
    const role = ofType(plan, "aws:iam/role:Role").find((r) => r.name === name);
    if (role === undefined) throw new Error(`no role ${name} in the plan`);
    return JSON.parse(String(input(role, "assumeRolePolicy"))) as PolicyDocument;
};

/** A trust policy as `allows` reads it: its resource is the role itself. */
const asAllows = (doc: PolicyDocument): PolicyDocument => ({ ...doc, Statement: doc.Statement.map((s) => ({ ...s, Resource: "*" })) });

describe.each(["staging", "production"])("%s: service-role trust policies and their confused-deputy conditions", (stack) => {
    it("every role a service assumes is in the table (a new one needs its service's doc looked up)", async () => {
        const plan = await planStack(stack);
        const serviceRoles = ofType(plan, "aws:iam/role:Role")
            .filter((r) => trustOf(plan, r.name).Statement.some((s) => (s.Principal as { Service?: unknown } | undefined)?.Service !== undefined))
            .map((r) => r.name);
        expect(serviceRoles.sort()).toEqual(ROWS.map((r) => `launchpad-${stack}-${r.role}`).sort());
    });

    it.each(ROWS.map((r) => [r.role, r] as const))("%s: the conditions its service documents, exactly", async (_role, row) => {
        const doc = trustOf(await planStack(stack), `launchpad-${stack}-${row.role}`);
        expect(doc.Statement).toHaveLength(1);
        expect(doc.Statement[0]?.Principal).toEqual({ Service: row.service });
        const condition = doc.Statement[0]?.Condition;
        // A "none" row's reason is its source: no condition the service is not documented to send.
        expect(condition).toEqual("none" in row.expected ? undefined : row.expected(stack));
    });

    it("flow logs: the service may assume the role for a flow log of this account, not for another account's", async () => {
        const doc = asAllows(trustOf(await planStack(stack), `launchpad-${stack}-network-flow-logs-role`));
        const assume = (account: string, arn: string) => allows(doc, { action: "sts:AssumeRole", resource: "*", context: { "aws:SourceAccount": account, "aws:SourceArn": arn } });
        expect(assume(ACCOUNT, `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/fl-0123456789abcdef0`)).toBe(true);
        expect(assume("210987654321", `arn:aws:ec2:${REGION}:210987654321:vpc-flow-log/fl-0123456789abcdef0`)).toBe(false);
        expect(assume(ACCOUNT, `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc-flow-log/fl-0123456789abcdef0`)).toBe(false);
        expect(allows(doc, { action: "sts:AssumeRole", resource: "*" })).toBe(false);
    });

    it("RDS monitoring: the stack's instance and a restored one (-db-r<hash>) may use the role; another instance or account may not", async () => {
        const doc = asAllows(trustOf(await planStack(stack), `launchpad-${stack}-database-monitoring-role`));
        const instances = ofType(await planStack(stack), "aws:rds/instance:Instance");
        expect(instances).toHaveLength(1);
        const id = String(input(instances[0], "identifier"));
        const assume = (account: string, dbId: string) => allows(doc, { action: "sts:AssumeRole", resource: "*", context: { "aws:SourceAccount": account, "aws:SourceArn": `arn:aws:rds:${REGION}:${account}:db:${dbId}` } });
        expect(assume(ACCOUNT, id)).toBe(true);
        expect(assume(ACCOUNT, `${id}-r1a2b3c4d`)).toBe(true);
        expect(assume(ACCOUNT, "someone-elses-db")).toBe(false);
        expect(assume("210987654321", id)).toBe(false);
    });
});

describe("the trust builders", () => {
    it("flowLogsTrustPolicy: the partition, region and account it is given", () => {
        expect(flowLogsTrustPolicy("aws-cn", "cn-north-1", "111122223333")).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: ["sts:AssumeRole"],
                Condition: { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": "arn:aws-cn:ec2:cn-north-1:111122223333:vpc-flow-log/*" } },
            }],
        });
    });

    it("monitoringTrustPolicy: the instance identifier of lib/stack-name.ts, fresh and restored", () => {
        expect(monitoringTrustPolicy("aws", "eu-west-1", "111122223333", "shop")).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Service: "monitoring.rds.amazonaws.com" },
                Action: ["sts:AssumeRole"],
                Condition: {
                    StringLike: { "aws:SourceArn": ["arn:aws:rds:eu-west-1:111122223333:db:shop-db", "arn:aws:rds:eu-west-1:111122223333:db:shop-db-r*"] },
                    StringEquals: { "aws:SourceAccount": "111122223333" },
                },
            }],
        });
    });
});
