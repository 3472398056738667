import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { planStack, type PlannedResource } from "./support/plan";

/**
 * Whether an AWS resource type takes `tags`, read from @pulumi/aws's own type declarations
 * (`aws:ec2/vpc:Vpc` -> `ec2/vpc.d.ts`, interface `VpcArgs`), so no list is kept by hand.
 */
const AWS_ROOT = dirname(require.resolve("@pulumi/aws/package.json"));
function isTaggable(type: string): boolean {
    const [, modulePath, className] = type.split(":");
    const [mod, file] = modulePath.split("/");
    const dts = join(AWS_ROOT, mod, `${file}.d.ts`);
    if (!existsSync(dts)) {
        throw new Error(`no declarations for ${type} at ${dts}`);
    }
    const text = readFileSync(dts, "utf8");
    const start = text.indexOf(`export interface ${className}Args {`);
    if (start < 0) {
        throw new Error(`no ${className}Args in ${dts}`);
    }
    const body = text.slice(start, text.indexOf("\n}", start));
    return /\n\s+tags\?: /.test(body);
}

const BASE = (stack: string): Record<string, string> => ({
    project: "launchpad",
    environment: stack,
    "managed-by": "pulumi",
    "cost-center": "platform",
    owner: "team-platform",
});

/** Subnets carry their AZ in the Name and their Kubernetes load-balancer role; all else is plain. */
function expectedTags(r: PlannedResource, stack: string): Record<string, string> {
    const m = /-(public|private)-(\d)$/.exec(r.name);
    if (r.type === "aws:ec2/subnet:Subnet" && m) {
        const az = r.inputs.availabilityZone as string;
        const role = m[1] === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
        return { ...BASE(stack), [role]: "1", tier: m[1], Name: r.name.replace(/-\d$/, `-${az}`) };
    }
    if (r.type === "aws:rds/instance:Instance") {
        // Named after its RDS identifier, and tagged for the AWS Backup selection.
        return { ...BASE(stack), "backup-plan": `launchpad-${stack}`, Name: `launchpad-${stack}-db` };
    }
    return { ...BASE(stack), Name: r.name };
}

describe("tags", () => {
    for (const stack of ["staging", "production"]) {
        it(`puts project, environment, managed-by, the stack's tags and a Name on every taggable AWS resource (${stack})`, async () => {
            const plan = await planStack(stack);
            const awsResources = plan.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
            const taggable = awsResources.filter((r) => isTaggable(r.type));
            const untaggable = [...new Set(awsResources.filter((r) => !isTaggable(r.type)).map((r) => r.type))].sort();
            // The declarations say which types cannot be tagged; these are the ones the stack uses.
            const productionOnly = stack === "production"
                ? ["aws:backup/vaultLockConfiguration:VaultLockConfiguration", "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"]
                : [];
            expect(untaggable).toEqual([
                "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                "aws:backup/selection:Selection",
                "aws:ec2/route:Route",
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
                "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "aws:kms/alias:Alias",
                ...productionOnly,
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "aws:s3/bucketLogging:BucketLogging",
                "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                "aws:s3/bucketPolicy:BucketPolicy",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketVersioning:BucketVersioning",
            ].sort());
            // The DR drill's VPC, two subnets, security group, DB subnet group and restore testing plan included.
            expect(taggable.length).toBe(stack === "staging" ? 73 : 81);
            for (const r of taggable) {
                expect({ name: r.name, tags: r.inputs.tags }).toEqual({ name: r.name, tags: expectedTags(r, stack) });
            }
        });
    }

    it("tags the instances and volumes the node group's launch template starts", async () => {
        const plan = await planStack("staging");
        const template = plan.resources.find((r) => r.name === "launchpad-staging-cluster-node-template");
        expect(template?.inputs.tagSpecifications).toEqual(["instance", "volume"].map((resourceType) => ({
            resourceType,
            tags: { ...BASE("staging"), Name: "launchpad-staging-cluster-node" },
        })));
    });

    it("adds the stack's extra tags and lets none override Launchpad's own", async () => {
        const plan = await planStack("staging", ["launchpad:tags.team=payments"]);
        const vpc = plan.resources.find((r) => r.type === "aws:ec2/vpc:Vpc");
        expect(vpc?.inputs.tags).toEqual({ ...BASE("staging"), team: "payments", Name: "launchpad-staging-network-vpc" });
    });
});
