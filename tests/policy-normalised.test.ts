/**
 * Issue 13, class 3: policies judge values as the provider reads them. A boolean sent as its text
 * ("true") or a number as its digits is the boolean or number it becomes, and SSE-KMS without a
 * customer key is the AWS-managed key. Through `npm run policy` on a saved production plan edited
 * by hand, and through the pack's own evaluation of one resource.
 */
import { describe, expect, it } from "vitest";
import { rdsEncryptedWithCmk, rdsNotPublic, rdsProductionResilience } from "../policies/data-protection";
import type { Violation } from "../policies/evaluate";
import { flag, num } from "../policies/lib";
import { containerNonRoot } from "../policies/workloads";
import { productionPlanJudge } from "./support/plan-judge";
import { resource, violations } from "./support/policy";

const { base: plan, judged: judgedPlan } = productionPlanJudge("normalised");

const DB = "launchpad-production-database-instance";
const ENCRYPTION = "launchpad-production-backup-storage-bucket-encryption";
const BLUE = "launchpad-production-api-blue";
const SG = "launchpad-production-database-sg";
/** A Secret shares a Deployment's name, a SecureBucket component its bucket's: the policies name the other. */
const urnOf = (name: string) => plan().resources.find((r) => r.name === name && r.type !== "kubernetes:core/v1:Secret" && r.type !== "launchpad:storage:SecureBucket")?.urn;

/** The production plan with one resource's inputs edited, through `npm run policy`. */
function judged(name: string, edit: (inputs: Record<string, unknown>) => void): Promise<{ code: number; violations: Violation[] }> {
    return judgedPlan((doc) => {
        const r = doc.resources.find((x) => x.name === name);
        if (r === undefined) throw new Error(`no ${name}`);
        edit(r.inputs);
    });
}
const podSpec = (i: Record<string, unknown>) => (i.spec as { template: { spec: { containers: { securityContext: Record<string, unknown> }[] } } }).template.spec;

describe("npm run policy judges values as the provider reads them", () => {
    it.each([
        ["publiclyAccessible as \"true\"", DB, (i: Record<string, unknown>) => { i.publiclyAccessible = "true"; }, "rds-not-public", `RDS instance ${DB} is publicly accessible: set publiclyAccessible: false and reach it from the cluster only.`],
        ["deletionProtection as \"false\"", DB, (i: Record<string, unknown>) => { i.deletionProtection = "false"; }, "rds-production-resilience", `RDS instance ${DB} has no deletion protection in production: set deletionProtection: true.`],
        ["backupRetentionPeriod as \"3\"", DB, (i: Record<string, unknown>) => { i.backupRetentionPeriod = "3"; }, "rds-backup-retention", `RDS instance ${DB} keeps automated backups 3 days; production requires at least 14: set backupRetentionPeriod >= 14.`],
        ["privileged as \"True\"", BLUE, (i: Record<string, unknown>) => { podSpec(i).containers[0].securityContext.privileged = "True"; }, "container-non-root", "Deployment api-blue container app may run as root or escalate privileges: remove securityContext.privileged."],
        ["SSE-KMS without a customer key", ENCRYPTION, (i: Record<string, unknown>) => { ((i.rules as Record<string, Record<string, unknown>>[])[0].applyServerSideEncryptionByDefault).kmsMasterKeyId = undefined; }, "s3-sse-kms", "S3 bucket launchpad-production-backup-storage-bucket encrypts with SSE-KMS under the AWS-managed key: set kmsMasterKeyId to a customer-managed KMS key."],
        // A source the policy cannot parse is refused rather than skipped: it might be the world.
        ["an ingress source that is no readable CIDR", SG, (i: Record<string, unknown>) => { (i.ingress as Record<string, unknown>[])[0].cidrBlocks = ["00.0.0.0/00"]; }, "no-world-ingress", `Security group ${SG} admits tcp 3306 from "00.0.0.0/00", which this policy cannot read as a CIDR, so it may be the world: write each source as a dotted-decimal IPv4 CIDR (a.b.c.d/n) or an IPv6 CIDR.`],
        ["an ingress source in legacy short IPv4", SG, (i: Record<string, unknown>) => { (i.ingress as Record<string, unknown>[])[0].cidrBlocks = ["0/0"]; }, "no-world-ingress", `Security group ${SG} admits tcp 3306 from "0/0", which this policy cannot read as a CIDR, so it may be the world: write each source as a dotted-decimal IPv4 CIDR (a.b.c.d/n) or an IPv6 CIDR.`],
        ["SSE-KMS under the aws/s3 alias", ENCRYPTION, (i: Record<string, unknown>) => { ((i.rules as Record<string, Record<string, unknown>>[])[0].applyServerSideEncryptionByDefault).kmsMasterKeyId = "alias/aws/s3"; }, "s3-sse-kms", "S3 bucket launchpad-production-backup-storage-bucket encrypts with SSE-KMS under the AWS-managed key: set kmsMasterKeyId to a customer-managed KMS key."],
    ])("%s: a mandatory violation, exit 3", async (_what, name, edit, policy, message) => {
        const r = await judged(name, edit);
        const target = policy === "s3-sse-kms" ? urnOf("launchpad-production-backup-storage-bucket") : urnOf(name);
        expect(r.violations).toEqual([{ policy, level: "mandatory", urn: target, message }]);
        expect(r.code).toBe(3);
    });

    it.each([
        ["deletionProtection as \"true\"", DB, (i: Record<string, unknown>) => { i.deletionProtection = "true"; }],
        ["multiAz as \"1\"", DB, (i: Record<string, unknown>) => { i.multiAz = "1"; }],
    ])("%s: judged as true, exit 0", async (_what, name, edit) => {
        const r = await judged(name, edit);
        expect(r.violations).toEqual([]);
        expect(r.code).toBe(0);
    });
});

describe("the pack's own evaluation, one resource", () => {
    const db = (inputs: Record<string, unknown>) => resource("aws:rds/instance:Instance", "db", { storageEncrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k", deletionProtection: true, multiAz: true, publiclyAccessible: false, ...inputs });
    it.each([
        [rdsNotPublic, db({ publiclyAccessible: "TRUE" }), {}, ["RDS instance db is publicly accessible: set publiclyAccessible: false and reach it from the cluster only."]],
        [rdsEncryptedWithCmk, db({ storageEncrypted: "true", kmsKeyId: "alias/aws/rds" }), {}, ["RDS instance db is encrypted with the AWS-managed key: set kmsKeyId to a customer-managed KMS key."]],
        [rdsEncryptedWithCmk, db({ storageEncrypted: "true" }), {}, []],
        [rdsProductionResilience, db({ multiAz: "f" }), { tier: "production" }, ["RDS instance db runs in one availability zone in production: set multiAz: true."]],
        [containerNonRoot, resource("kubernetes:core/v1:Pod", "p", { metadata: { name: "p" }, spec: { containers: [{ name: "c", securityContext: { runAsNonRoot: "true", runAsUser: "0", allowPrivilegeEscalation: "false" } }] } }), {}, ["Pod p container c may run as root or escalate privileges: do not set runAsUser: 0."]],
    ])("%#: %s", async (policy, r, settings, expected) => {
        expect(await violations(policy, r, settings)).toEqual(expected);
    });

    it.each([
        [true, true], ["true", true], ["True", true], ["1", true], ["t", true], [false, false], ["false", false], ["0", false], ["yes", undefined], [1, undefined], [null, undefined],
    ])("flag(%j) is %j (Go's strconv.ParseBool)", (v, expected) => {
        expect(flag(v)).toBe(expected);
    });

    it.each([[3, 3], ["3", 3], [" 14 ", 14], ["3 days", undefined], [Number.NaN, undefined]])("num(%j) is %j", (v, expected) => {
        expect(num(v)).toBe(expected);
    });
});
