/**
 * The first `pulumi up` on a fresh account, where the mocks hide what AWS does not: a role created a
 * moment ago is not usable everywhere yet, and a role without its policies is accepted by services
 * that check only that they can assume it. The plan's dependencies decide the order Pulumi creates
 * things in, so they are what these tests read.
 */
import { describe, expect, it } from "vitest";
import { byUrn, named, planStack, type Plan, type PlannedResource } from "./support/plan";

const ROLE = "aws:iam/role:Role";
const POLICY_TYPES = new Set(["aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"]);

/** Each role of the plan with the policies (inline or attached) that name it in their `role` input. */
function policiesByRole(plan: Plan): Map<string, string[]> {
    const out = new Map<string, string[]>(plan.resources.filter((r) => r.type === ROLE).map((r) => [r.urn, []]));
    for (const p of plan.resources.filter((r) => POLICY_TYPES.has(r.type))) {
        const role = p.propertyDependencies.role?.[0];
        if (role !== undefined) out.get(role)?.push(p.urn);
    }
    return out;
}

/**
 * AWS resources handed a role of this plan (they depend on it) that may be created before one of
 * that role's policies exists: `<consumer> <- <role>: <missing policy>`. Kubernetes objects are left
 * out: a ServiceAccount only carries the role's ARN, and the pods that use it are checked where they
 * are created (components/irsa.ts `ready`).
 */
function consumersAheadOfPolicies(plan: Plan): string[] {
    const policies = policiesByRole(plan);
    const out: string[] = [];
    for (const r of plan.resources.filter((x) => x.type.startsWith("aws:") && x.type !== ROLE && !POLICY_TYPES.has(x.type))) {
        const waits = new Set([...r.dependencies, ...r.dependsOn]);
        for (const role of r.dependencies.filter((d) => policies.has(d))) {
            for (const missing of (policies.get(role) ?? []).filter((p) => !waits.has(p))) {
                out.push(`${r.name} <- ${byUrn(plan, role).name}: ${byUrn(plan, missing).name}`);
            }
        }
    }
    return out;
}

function consumersOf(plan: Plan, roleName: string): PlannedResource[] {
    const role = named(plan, roleName);
    return plan.resources.filter((r) => r.type.startsWith("aws:") && !POLICY_TYPES.has(r.type) && r.dependencies.includes(role.urn));
}

describe.each(["staging", "production"])("%s: a fresh account's first up", (stack) => {
    // IAM is eventually consistent, and the provider retries a create only on the error of a role that
    // cannot be assumed yet (e.g. CreateFlowLogs on "Unable to assume given IAM role",
    // terraform-provider-aws internal/service/ec2/vpc_flow_log.go resourceLogFlowCreate), never on
    // missing permissions: only the order of the plan keeps a service from starting with a bare role.
    it("creates every AWS resource that is handed one of the plan's roles after all of that role's policies (terraform-provider-aws retries only 'cannot be assumed' errors, vpc_flow_log.go)", async () => {
        const plan = await planStack(stack);
        expect(consumersAheadOfPolicies(plan)).toEqual([]);
        // The check has something to check: the roles that AWS services are handed in this plan.
        const consumed = [...policiesByRole(plan).keys()].filter((role) => consumersOf(plan, byUrn(plan, role).name).length > 0).map((role) => byUrn(plan, role).name);
        expect(consumed).toEqual(expect.arrayContaining([
            `launchpad-${stack}-network-flow-logs-role`,
            `launchpad-${stack}-cluster-cluster-role`,
            `launchpad-${stack}-cluster-node-role`,
            `launchpad-${stack}-database-monitoring-role`,
            `launchpad-${stack}-backup-plan-role`,
            `launchpad-${stack}-backup-storage-replication-role`,
            `launchpad-${stack}-cluster-vpc-cni-role`,
            `launchpad-${stack}-platform-ebs-csi-role`,
        ]));
    });

    it("starts the VPC flow log only once its role may write to the log group (VPC User Guide flow-logs-iam-role: the role \"must have sufficient permissions to publish flow logs\")", async () => {
        const plan = await planStack(stack);
        const flowLog = named(plan, `launchpad-${stack}-network-flow-log`);
        expect(flowLog.dependsOn).toEqual([named(plan, `launchpad-${stack}-network-flow-logs-policy`).urn]);
    });
});
