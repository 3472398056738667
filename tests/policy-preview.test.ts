/**
 * The pack under `@pulumi/policy`'s own analyzer server (tests/support/policy-server.ts), as
 * `pulumi preview --policy-pack policies` runs it: known values, and the unknowns of a first preview.
 *
 * The runtime's props proxy throws `UnknownValueError` on the read of a value a preview cannot know,
 * and the server turns that into an advisory "can't run policy ... during preview" for the whole
 * policy (@pulumi/policy 1.21.0 proxy.js `unknownCheckingProxy`; server.js `analyze` and
 * `analyzeStack`). A stack policy runs once, after the run (pulumi/pulumi
 * pkg/resource/deploy/deployment_executor.go calls `AnalyzeResources` at the end): in `pulumi up` its
 * mandatory violation comes after the resources changed, so the preview is its only gate, and one
 * unknown read anywhere in the stack switches it off there.
 */
import { describe, expect, it } from "vitest";
import { packConfigPath, readPackConfig } from "../policies/config";
import { planStack, type PlannedResource } from "./support/plan";
import { configureServer, firstPreview, known, preview, runPack, UNKNOWN, type Diagnostic } from "./support/policy-server";
import { skipPack } from "./support/timing";

const SKIP_PACK = skipPack("tests/policy-preview.test.ts", "the pack under @pulumi/policy's analyzer server (the offline evaluator's verdicts are checked in-process elsewhere)");

const STACKS = ["staging", "production"] as const;

async function pack(stack: string, view: (rs: readonly PlannedResource[]) => Parameters<typeof runPack>[0], edit: (rs: PlannedResource[]) => PlannedResource[] = (rs) => rs): Promise<(Diagnostic & { resource?: string })[]> {
    const plan = await planStack(stack);
    await configureServer(readPackConfig(packConfigPath(stack)));
    return runPack(view(edit([...plan.resources])));
}

/** `policy (resource)` for each policy the server could not run, with the value it tripped on. */
function skipped(ds: readonly (Diagnostic & { resource?: string })[]): string[] {
    return ds.filter((d) => d.message.startsWith("can't run policy")).map((d) => `${d.policy}${d.resource === undefined ? "" : ` (${d.resource})`}: ${/value at (\S+)/.exec(d.message)?.[1] ?? d.message}`).sort();
}

const without = (...suffixes: string[]) => (rs: PlannedResource[]) => rs.filter((r) => !suffixes.some((s) => r.name.endsWith(s)));

/**
 * What no policy can judge in a first preview: the value it judges is itself computed (a bucket
 * policy made from the bucket's ARN, a KMS key's ARN, the DR vault's ARN, the OIDC provider's ARN in
 * every IRSA trust policy), so the runtime skips it
 * with its advisory note until `pulumi up`, whose `Analyze` runs before each create with the value
 * known (pulumi/pulumi pkg/resource/deploy/step_generator.go `analyzeAll` before the step).
 */
function unjudgeable(stack: string): string[] {
    const buckets = ["backup-storage-bucket", "backup-storage-bucket-logs", "backup-storage-replica", "backup-storage-replica-logs"];
    return [
        ...(stack === "production" ? [`backup-plan-coverage (launchpad-${stack}-backup-plan-plan): .rules.0.copyActions.0.destinationVaultArn`] : []),
        `eks-secrets-encryption (launchpad-${stack}-cluster-eks): .encryptionConfig.provider.keyArn`,
        `rds-encrypted-with-cmk (launchpad-${stack}-database-instance): .kmsKeyId`,
        ...buckets.map((b) => `s3-bucket-policy-not-public (launchpad-${stack}-${b}-policy): .policy`),
        // The bucket policies' documents, made from each bucket's ARN.
        "s3-min-tls-1-2: .policy",
        "s3-tls-only: .policy",
        // The cluster's OIDC provider, whose ARN every IRSA trust policy names.
        "preflight-irsa-trust: .arn",
    ].sort();
}

describe.skipIf(SKIP_PACK)("the pack under @pulumi/policy's own server", () => {
    it.each(STACKS)("%s, every value known (outputs as the CLI's stack policies see them): no diagnostic, as the offline evaluator finds", async (stack) => {
        expect(await pack(stack, known)).toEqual([]);
    });

    it.each(STACKS)("%s, first preview of a fresh stack: no violation, and only the policies whose judged value is computed wait for pulumi up", async (stack) => {
        const ds = await pack(stack, firstPreview);
        expect(ds.filter((d) => d.level !== "advisory")).toEqual([]);
        expect(skipped(ds)).toEqual(unjudgeable(stack));
    });
});

describe.skipIf(SKIP_PACK)("a first preview still gates what the stack policies promise", () => {
    it("a new bucket without default encryption: s3-sse-kms is mandatory in the preview, not skipped because its name is computed (bucketPrefix)", async () => {
        const ds = await pack("staging", firstPreview, without("backup-storage-bucket-encryption"));
        expect(ds.filter((d) => d.policy === "s3-sse-kms")).toEqual([{
            policy: "s3-sse-kms",
            level: "mandatory",
            urn: "urn:pulumi:staging::launchpad::launchpad:environment:Environment$launchpad:backup-storage:BackupStorage$launchpad:storage:SecureBucket$aws:s3/bucket:Bucket::launchpad-staging-backup-storage-bucket",
            message: "S3 bucket launchpad-staging-backup-storage-bucket is not encrypted with SSE-KMS: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm \"aws:kms\" and a customer-managed kmsMasterKeyId.",
        }]);
    });

    it("a new bucket without versioning or a public access block: s3-versioning and s3-public-access-blocked are mandatory in the preview", async () => {
        const ds = await pack("staging", firstPreview, without("backup-storage-bucket-versioning", "backup-storage-bucket-public-access"));
        expect(ds.filter((d) => d.policy === "s3-versioning" || d.policy === "s3-public-access-blocked").map((d) => [d.policy, d.level, d.message.split(":")[0]])).toEqual([
            ["s3-public-access-blocked", "mandatory", "S3 bucket launchpad-staging-backup-storage-bucket has no public access block"],
            ["s3-versioning", "mandatory", "S3 bucket launchpad-staging-backup-storage-bucket is not versioned"],
        ]);
    });

    it("production's backup bucket without Object Lock or replication: found by role (the dump job's env), mandatory in the preview", async () => {
        const ds = await pack("production", firstPreview, without("backup-storage-bucket-object-lock", "backup-storage-replication"));
        expect(ds.filter((d) => d.policy.startsWith("s3-backup-")).map((d) => [d.policy, d.level, d.message.split(":")[0]])).toEqual([
            ["s3-backup-object-lock", "mandatory", "Backup bucket launchpad-production-backup-storage-bucket has no Object Lock in production"],
            ["s3-backup-replication", "mandatory", "Backup bucket launchpad-production-backup-storage-bucket is not replicated out of us-east-1 in production"],
        ]);
    });

    it("production's database whose DR backups are kept 7 days: rds-dr-replication is mandatory in the preview, not skipped on the instance's computed ARN", async () => {
        const shortDr = (rs: PlannedResource[]) => rs.map((r) => (r.name.endsWith("database-dr-backups") ? { ...r, inputs: { ...r.inputs, retentionPeriod: 7 } } : r));
        const ds = await pack("production", firstPreview, shortDr);
        expect(ds.filter((d) => d.policy === "rds-dr-replication").map((d) => [d.level, d.message.split(":")[0]])).toEqual([
            ["mandatory", "RDS instance launchpad-production-database-instance keeps its DR backups 7 days; production requires at least 35"],
        ]);
    });
    it("the Cluster Autoscaler without balance-similar-node-groups: preflight-zonal-volumes is mandatory in the preview, not skipped on the node groups' computed subnet ids", async () => {
        const unbalanced = (rs: PlannedResource[]) => rs.map((r) => {
            if (!r.name.endsWith("platform-autoscaler")) return r;
            const values = r.inputs.values as Record<string, Record<string, unknown>>;
            return { ...r, inputs: { ...r.inputs, values: { ...values, extraArgs: { ...values.extraArgs, "balance-similar-node-groups": false } } } };
        });
        // components/cluster.ts builds each node group's subnetIds in one Output (`pulumi.all([...])`):
        // the whole list is unknown in a first preview, not only its elements.
        const wholeList = (rs: readonly PlannedResource[]) => {
            const v = firstPreview(rs);
            for (const r of [...v.analyze, ...v.stack]) if (r.type === "aws:eks/nodeGroup:NodeGroup") r.props.subnetIds = UNKNOWN;
            return v;
        };
        const ds = await pack("staging", wholeList, unbalanced);
        expect(ds.filter((d) => d.policy === "preflight-zonal-volumes").map((d) => [d.level, d.message.split(":")[0]])).toEqual([
            ["mandatory", "Helm release cluster-autoscaler (chart cluster-autoscaler) scales 2 node groups while claims of storage class gp3 bind zonal EBS volumes, without balance-similar-node-groups"],
        ]);
    });

    it("the api's NetworkPolicy gone under default-deny: preflight-network-policy-admits is mandatory in the preview, not skipped on the dump job's computed bucket name", async () => {
        const ds = await pack("staging", firstPreview, without("cluster-netpol-api-serving"));
        // Each flow's source as the message names it: the ALB, the smoke gate Jobs, the managed scraper.
        expect(ds.filter((d) => d.policy === "preflight-network-policy-admits").map((d) => [d.level, /is reached by (.*?) \(/.exec(d.message)?.[1]])).toEqual([
            ["mandatory", "the load balancer of Ingress launchpad-staging/api"],
            ["mandatory", "the load balancer of Ingress launchpad-staging/api"],
            ["mandatory", "the pods of Job launchpad-staging/api-blue-gate-b121b3a9b3"],
            ["mandatory", "the pods of Job launchpad-staging/api-green-gate-c2514e9503"],
            ["mandatory", "the managed scraper launchpad-staging-observability-scraper"],
            ["mandatory", "the managed scraper launchpad-staging-observability-scraper"],
        ]);
    });
    it("a new IRSA role on a stack that exists (its ARN, and the annotation made from it, not known yet): preflight-irsa-trust runs in the preview and refuses a trust for another service account", async () => {
        const loadtest = (r: { name: string }) => r.name.includes("-loadtest");
        const ok = await pack("staging", (rs) => preview(rs, loadtest));
        expect(ok.filter((d) => d.policy === "preflight-irsa-trust")).toEqual([]);
        const wrongSubject = (rs: PlannedResource[]) => rs.map((r) => (r.name === "launchpad-staging-loadtest-role" ? { ...r, inputs: { ...r.inputs, assumeRolePolicy: (r.inputs.assumeRolePolicy as string).replace(":launchpad-loadtest", ":default") } } : r));
        const ds = await pack("staging", (rs) => preview(rs, loadtest), wrongSubject);
        expect(ds.filter((d) => d.policy === "preflight-irsa-trust").map((d) => [d.level, d.message.split(":")[0]])).toEqual([
            ["mandatory", "ServiceAccount launchpad-staging/launchpad-loadtest (annotation eks.amazonaws.com/role-arn) assumes role launchpad-staging-loadtest-role, whose trust policy does not let exactly system"],
        ]);
    });
});
