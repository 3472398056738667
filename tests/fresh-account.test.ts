/**
 * The first `pulumi up` on a fresh account, where the mocks hide what AWS does not: a role created a
 * moment ago is not usable everywhere yet, and a role without its policies is accepted by services
 * that check only that they can assume it. The plan's dependencies decide the order Pulumi creates
 * things in, so they are what these tests read.
 */
import { describe, expect, it } from "vitest";
import { byUrn, input, named, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";

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

const KEY = "aws:kms/key:Key";

/** Every string anywhere in a resource's inputs. */
function inputStrings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(inputStrings);
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(inputStrings);
    return [];
}

/** Each customer-managed key of the plan and the resources that take its ARN as an input. */
function keyConsumers(plan: Plan): Map<PlannedResource, PlannedResource[]> {
    const keys = ofType(plan, KEY);
    return new Map(keys.map((k) => [k, plan.resources.filter((r) => r.type !== KEY && inputStrings(r.inputs).includes(k.arn ?? ""))]));
}

interface KeyStatement {
    readonly Sid?: string;
    readonly Effect: string;
    readonly Principal?: { readonly AWS?: string; readonly Service?: string };
    readonly Action: string | readonly string[];
    readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

function statements(key: PlannedResource): readonly KeyStatement[] | undefined {
    const policy = input(key, "policy");
    return typeof policy === "string" ? (JSON.parse(policy) as { Statement: KeyStatement[] }).Statement : undefined;
}

/** `*` in a condition's ARN pattern matches anything (ArnLike); a list of patterns matches when one does. */
function arnLike(pattern: string | readonly string[], arn: string): boolean {
    return ([] as string[]).concat(pattern).some((one) => new RegExp(`^${one.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`).test(arn));
}

/**
 * Services that use a key through the caller's own IAM permissions and grants, so the KMS default key
 * policy (the account's IAM policies decide) is all their key needs: RDS storage and Performance
 * Insights and RDS's cross-Region backup replication (the caller creates the grants), AWS Backup vaults
 * (its role's `kms:CreateGrant` with `kms:GrantIsForAWSResource`, vendor/aws-managed-policies
 * AWSBackupServiceRolePolicyForBackup), S3 SSE-KMS and replication (the writers' and the replication
 * role's own `kms:` statements, components/logical-backup.ts, components/backup-storage.ts), EKS secrets
 * encryption (EKS User Guide enable-kms: a symmetric key of the cluster's Region; only a key of another
 * account needs its policy changed).
 */
const THROUGH_IAM = new Set([
    "aws:rds/instance:Instance",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    "aws:backup/vault:Vault",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:eks/cluster:Cluster",
]);

/**
 * What a key's policy lacks for one of its consumers, or undefined. CloudWatch Logs calls KMS as its
 * own service principal, so the key policy itself must let `logs.<region>.amazonaws.com` use the key
 * for that log group ("Encrypt log data in CloudWatch Logs using AWS KMS", encrypt-log-data-kms.html:
 * the statement's actions and the `kms:EncryptionContext:aws:logs:arn` condition); without it
 * CreateLogGroup fails. A consumer type not listed here fails the test until someone reads its docs.
 */
function keyPolicyProblem(key: PlannedResource, consumer: PlannedResource, region: string): string | undefined {
    const st = statements(key);
    if (consumer.type === "aws:cloudwatch/logGroup:LogGroup") {
        const grants = (st ?? []).filter((s) => s.Effect === "Allow" && s.Principal?.Service === `logs.${region}.amazonaws.com`
            && ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"].every((a) => ([] as string[]).concat(s.Action).includes(a))
            && arnLike(s.Condition?.ArnLike?.["kms:EncryptionContext:aws:logs:arn"] ?? "", consumer.arn ?? ""));
        return grants.length > 0 ? undefined : `${consumer.name}: ${key.name} does not let logs.${region}.amazonaws.com use it for ${consumer.arn}`;
    }
    if (THROUGH_IAM.has(consumer.type)) {
        const iamDecides = st === undefined || st.some((s) => s.Effect === "Allow" && s.Principal?.AWS?.endsWith(":root") === true && s.Action === "kms:*");
        return iamDecides ? undefined : `${consumer.name}: ${key.name}'s policy does not leave its use to the account's IAM policies`;
    }
    return `${consumer.name} (${consumer.type}): no documented key-policy requirement recorded for this service`;
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

    it("gives every service that encrypts with a key of the plan what that service needs in the key policy (CloudWatch Logs encrypt-log-data-kms: the logs principal with the aws:logs:arn context; the rest through IAM)", async () => {
        const plan = await planStack(stack);
        const consumers = keyConsumers(plan);
        const problems = [...consumers].flatMap(([key, users]) => users.map((u) => keyPolicyProblem(key, u, (u.arn ?? "").split(":")[3]))).filter((p) => p !== undefined);
        expect(problems).toEqual([]);
        // Who uses which key: a new consumer shows here, and above must know its service.
        const table = Object.fromEntries([...consumers].map(([k, users]) => [k.name.replace(`launchpad-${stack}-`, ""), users.map((u) => u.type).sort()]));
        expect(table).toEqual({
            "backup-plan-vault-key": ["aws:backup/vault:Vault"],
            "backup-plan-dr-vault-key": ["aws:backup/vault:Vault"],
            "backup-storage-key": ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
            "backup-storage-replica-key": ["aws:s3/bucketReplicationConfig:BucketReplicationConfig", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
            "cluster-secrets-key": ["aws:eks/cluster:Cluster"],
            "database-key": ["aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/logGroup:LogGroup", "aws:rds/instance:Instance"],
            ...(stack === "production" ? { "database-dr-key": ["aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"] } : {}),
        });
    });

    it("would refuse a log group encrypted with a key whose policy leaves it to IAM (CloudWatch Logs is a service principal: encrypt-log-data-kms)", async () => {
        const plan = await planStack(stack);
        const group = named(plan, `launchpad-${stack}-database-log-error`);
        const secretsKey = named(plan, `launchpad-${stack}-cluster-secrets-key`);
        expect(keyPolicyProblem(secretsKey, group, "us-east-1")).toBe(`${group.name}: ${secretsKey.name} does not let logs.us-east-1.amazonaws.com use it for ${group.arn}`);
        const databaseKey = named(plan, `launchpad-${stack}-database-key`);
        expect(keyPolicyProblem(databaseKey, group, "us-west-2")).toMatch(/does not let logs\.us-west-2\.amazonaws\.com use it/);
        // The context condition holds the key to this instance's groups: another instance's is refused.
        const other = { ...group, arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/other-db/error" };
        expect(keyPolicyProblem(databaseKey, other, "us-east-1")).toBe(`${group.name}: ${databaseKey.name} does not let logs.us-east-1.amazonaws.com use it for ${other.arn}`);
    });
});
