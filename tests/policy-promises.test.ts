/**
 * Issue 13, class 3: every production promise of the docs (docs/) has a mandatory policy. Each row takes
 * the production plan, breaks one promise by hand and runs `npm run policy` (exit 3, the exact
 * violation); the same edits under staging's pack config are not violations of these policies.
 */
import { describe, expect, it } from "vitest";
import { packConfigPath } from "../policies/config";
import { productionPlanJudge, type PlanDoc, type PlanDocResource } from "./support/plan-judge";

type Res = PlanDocResource;
type Doc = PlanDoc;

const { base: plan, judged } = productionPlanJudge("promises");

const P = "launchpad-production";
const DB = `${P}-database-instance`;
const VAULT = `${P}-backup-plan-vault`;
const DR_VAULT = `${P}-backup-plan-dr-vault`;
const REPLICATION = `${P}-database-dr-backups`;
const BLUE = `${P}-api-blue`;
const BUCKET = `${P}-backup-storage-bucket`;
const byName = (doc: Doc, name: string, type?: string): Res => {
    const r = doc.resources.find((x) => x.name === name && (type === undefined || x.type === type));
    if (r === undefined) throw new Error(`no ${name}`);
    return r;
};
const app = (doc: Doc) => ((byName(doc, BLUE, "kubernetes:apps/v1:Deployment").inputs.spec as { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } }).template.spec);
const securityContext = (doc: Doc) => app(doc).containers[0].securityContext as Record<string, unknown>;

const CASES: [string, (doc: Doc) => void, string, string, string][] = [
    ["RDS DR replication removed", (d) => { d.resources = d.resources.filter((r) => r.name !== REPLICATION); }, "rds-dr-replication", DB,
        `RDS instance ${DB} has no automated backups outside us-east-1 in production: add an aws.rds.InstanceAutomatedBackupsReplication of it in the DR region.`],
    ["RDS DR replication in the home region", (d) => { byName(d, REPLICATION).inputs.region = "us-east-1"; }, "rds-dr-replication", DB,
        `RDS instance ${DB} has no automated backups outside us-east-1 in production: add an aws.rds.InstanceAutomatedBackupsReplication of it in the DR region.`],
    ["RDS DR replication kept 7 days", (d) => { byName(d, REPLICATION).inputs.retentionPeriod = "7"; }, "rds-dr-replication", DB,
        `RDS instance ${DB} keeps its DR backups 7 days; production requires at least 35: set retentionPeriod >= 35.`],
    ["Vault Lock removed", (d) => { d.resources = d.resources.filter((r) => r.name !== `${VAULT}-lock`); }, "backup-vault-lock", VAULT,
        `Backup vault ${VAULT} has no Vault Lock in production: add an aws.backup.VaultLockConfiguration with changeableForDays and minRetentionDays >= 30.`],
    ["Vault Lock in governance mode with 1 day", (d) => { const l = byName(d, `${DR_VAULT}-lock`).inputs; delete l.changeableForDays; l.minRetentionDays = 1; }, "backup-vault-lock", DR_VAULT,
        `Backup vault ${DR_VAULT}'s Vault Lock does not hold in production: set changeableForDays (compliance mode); set minRetentionDays >= 30 (received 1).`],
    // The promise of AWS Backup for the database had a policy per backup resource but none that any exists.
    ["AWS Backup removed whole (vaults, locks, plan, selection)", (d) => { d.resources = d.resources.filter((r) => !r.type.startsWith("aws:backup/")); }, "backup-plan-selects-database", DB,
        `RDS instance ${DB} is in no AWS Backup plan of this stack in production: add an aws.backup.Selection of it (by ARN or tag) to a backup plan with rules writing to the stack's locked vault.`],
    // AWS Backup Developer Guide, API_BackupSelection: conditions are ANDed; a tag the instance lacks assigns nothing.
    ["the backup selection's tag condition matches no instance", (d) => { ((byName(d, `${P}-backup-plan-selection`).inputs.conditions as { stringEquals: { value: string }[] }[])[0].stringEquals[0]).value = "nothing"; }, "backup-plan-selects-database", DB,
        `RDS instance ${DB} is in no AWS Backup plan of this stack in production: add an aws.backup.Selection of it (by ARN or tag) to a backup plan with rules writing to the stack's locked vault.`],
    ["the backup plan's rules write to the account's Default vault", (d) => { for (const r of byName(d, `${P}-backup-plan-plan`).inputs.rules as Record<string, unknown>[]) r.targetVaultName = "Default"; }, "backup-plan-selects-database", DB,
        `RDS instance ${DB}'s backup plan keeps its recovery points outside the stack's vaults, where no Vault Lock is checked: rule continuous writes to Default, rule daily writes to Default, rule weekly writes to Default, rule monthly writes to Default and rule yearly writes to Default; set targetVaultName to the stack's vault.`],
    ["backup bucket replication removed", (d) => { d.resources = d.resources.filter((r) => r.name !== `${P}-backup-storage-replication`); }, "s3-backup-replication", BUCKET,
        `Backup bucket ${BUCKET} is not replicated out of us-east-1 in production: add an aws.s3.BucketReplicationConfig with an Enabled rule to a bucket in the DR region.`],
    ["backup bucket replication without Replication Time Control", (d) => { ((byName(d, `${P}-backup-storage-replication`).inputs.rules as { destination: Record<string, unknown> }[])[0].destination).replicationTime = { status: "Disabled" }; }, "s3-backup-replication", BUCKET,
        `Backup bucket ${BUCKET} replicates without Replication Time Control in production: set destination.replicationTime.status "Enabled" (15 minutes) on its replication rule.`],
    // S3 User Guide, replication-config-for-kms-objects: "By default, Amazon S3 doesn't replicate objects that are encrypted with SSE-KMS".
    ["backup bucket replication that skips SSE-KMS objects", (d) => { delete (byName(d, `${P}-backup-storage-replication`).inputs.rules as Record<string, unknown>[])[0].sourceSelectionCriteria; }, "s3-backup-replication", BUCKET,
        `Backup bucket ${BUCKET} is encrypted with SSE-KMS but its replication rule skips SSE-KMS objects (S3 replicates them only when asked) in production: set sourceSelectionCriteria.sseKmsEncryptedObjects.status "Enabled" and destination.encryptionConfiguration.replicaKmsKeyId to a KMS key in the destination's region.`],
    ["backup bucket replication with no key for the replicas", (d) => { delete ((byName(d, `${P}-backup-storage-replication`).inputs.rules as { destination: Record<string, unknown> }[])[0].destination).encryptionConfiguration; }, "s3-backup-replication", BUCKET,
        `Backup bucket ${BUCKET} is encrypted with SSE-KMS but its replication rule skips SSE-KMS objects (S3 replicates them only when asked) in production: set sourceSelectionCriteria.sseKmsEncryptedObjects.status "Enabled" and destination.encryptionConfiguration.replicaKmsKeyId to a KMS key in the destination's region.`],
    ["Object Lock kept 7 days", (d) => { ((byName(d, `${BUCKET}-object-lock`).inputs.rule as { defaultRetention: Record<string, unknown> }).defaultRetention).days = 7; }, "s3-backup-object-lock", BUCKET,
        `Backup bucket ${BUCKET} locks objects 7 days; production requires at least 30 days: set rule.defaultRetention.days >= 30.`],
    ["a lifecycle rule that expires daily copies after 7 days", (d) => { ((byName(d, `${BUCKET}-lifecycle`).inputs.rules as { expiration: Record<string, unknown> }[])[0].expiration).days = 7; }, "s3-backup-lifecycle", BUCKET,
        `Backup bucket ${BUCKET} lifecycle rule daily-expire-30d expires daily copies after 7 days; daily requires at least 30: set expiration.days >= 30.`],
    ["a lifecycle rule for every prefix that expires after a year", (d) => { const r = (byName(d, `${BUCKET}-lifecycle`).inputs.rules as Record<string, unknown>[])[1]; r.filter = {}; (r.expiration as Record<string, unknown>).days = 365; }, "s3-backup-lifecycle", BUCKET,
        `Backup bucket ${BUCKET} lifecycle rule weekly-expire-84d expires every copy after 365 days; the longest tier (yearly) requires at least 2557: set expiration.days >= 2557.`],
    ["an added capability", (d) => { securityContext(d).capabilities = { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] }; }, "container-capabilities", BLUE,
        "Deployment api-blue container app keeps Linux capabilities: remove SYS_ADMIN from securityContext.capabilities.add (only NET_BIND_SERVICE may be added) (Pod Security Standards, Restricted)."],
    ["capabilities not dropped", (d) => { securityContext(d).capabilities = {}; }, "container-capabilities", BLUE,
        "Deployment api-blue container app keeps Linux capabilities: set securityContext.capabilities.drop: [\"ALL\"] (Pod Security Standards, Restricted)."],
    ["the host's network and PID namespaces", (d) => { app(d).hostNetwork = true; app(d).hostPID = "true"; }, "pod-host-namespaces", BLUE,
        "Deployment api-blue shares the host's namespaces: remove hostNetwork: true and hostPID: \"true\" (Pod Security Standards, Baseline)."],
    ["a host port", (d) => { (app(d).containers[0].ports as Record<string, unknown>[])[0].hostPort = 8080; }, "pod-host-namespaces", BLUE,
        "Deployment api-blue container app binds a host port: remove ports[].hostPort and reach the pod through a Service (Pod Security Standards, Baseline)."],
    // kubernetes/website pod-security-standards.md, Baseline "HostPath Volumes": spec.volumes[*].hostPath undefined/nil.
    ["a hostPath volume", (d) => { app(d).volumes = [...((app(d).volumes as unknown[] | undefined) ?? []), { name: "node-root", hostPath: { path: "/" } }]; }, "pod-host-path", BLUE,
        "Deployment api-blue mounts the node's filesystem: remove the hostPath volume node-root (Pod Security Standards, Baseline)."],
    ["two hostPath volumes, one given as an empty object", (d) => { app(d).volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }, { name: "logs", hostPath: {} }]; }, "pod-host-path", BLUE,
        "Deployment api-blue mounts the node's filesystem: remove the hostPath volumes docker and logs (Pod Security Standards, Baseline)."],
    // awsdocs/amazon-eks-user-guide managed-node-update-behavior.adoc: a drain refused for 15 minutes fails the node group update.
    ["a color's budget that keeps unready pods", (d) => { delete (byName(d, `${BLUE}-pdb`).inputs.spec as Record<string, unknown>).unhealthyPodEvictionPolicy; }, "pdb-drainable", `${BLUE}-pdb`,
        "PodDisruptionBudget api-blue keeps pods that are not Ready while too few are (unhealthyPodEvictionPolicy unset, IfHealthyBudget): a release that never became Ready blocks every drain of its nodes; set spec.unhealthyPodEvictionPolicy: AlwaysAllow."],
];

describe("npm run policy: a mandatory policy per production promise", () => {
    it.each(CASES)("%s", async (_what, edit, policy, name, message) => {
        const r = await judged(edit);
        // The bucket's SecureBucket component shares its name; the violation names the bucket.
        const urn = plan().resources.find((x) => x.name === name && !x.type.startsWith("kubernetes:core/v1:Secret") && x.type !== "launchpad:storage:SecureBucket")?.urn;
        expect(r.violations).toEqual([{ policy, level: "mandatory", urn, message }]);
        expect(r.code).toBe(3);
    });

    it.each(CASES.filter(([, , policy]) => ["rds-dr-replication", "backup-vault-lock", "backup-plan-selects-database", "s3-backup-replication", "s3-backup-object-lock"].includes(policy)))("under staging's pack config, not a violation: %s", async (_what, edit, policy) => {
        const r = await judged(edit, packConfigPath("staging"));
        expect(r.violations.filter((v) => v.policy === policy)).toEqual([]);
    });

    it("the committed production plan keeps every promise", async () => {
        expect(await judged(() => undefined)).toEqual({ code: 0, violations: [] });
    });
});

describe("npm run policy: a backup bucket is found by what writes to it, not by its name", () => {
    it("the backup bucket renamed (Pulumi name and URN) and its Object Lock removed: still judged, exit 3", async () => {
        const r = await judged((d) => {
            const bucket = byName(d, BUCKET, "aws:s3/bucket:Bucket");
            bucket.urn = bucket.urn.replace(/::[^:]+$/, "::archive");
            bucket.name = "archive";
            delete bucket.inputs.objectLockEnabled;
        });
        expect(r.violations.filter((v) => v.policy === "s3-backup-object-lock")).toEqual([{
            policy: "s3-backup-object-lock",
            level: "mandatory",
            urn: byName(plan(), BUCKET, "aws:s3/bucket:Bucket").urn.replace(/::[^:]+$/, "::archive"),
            message: "Backup bucket archive has no Object Lock in production: create it with objectLockEnabled: true and add an aws.s3.BucketObjectLockConfiguration with a COMPLIANCE default retention.",
        }]);
        expect(r.code).toBe(3);
    });
});

describe("npm run policy: a live Service is found by what it selects, not by its label", () => {
    it("the production live Service relabelled as a preview and no longer waiting for its gate: exit 3", async () => {
        const live = `${P}-api-live`;
        const r = await judged((d) => {
            const svc = byName(d, live) as Res & { dependsOn: string[]; dependencies: string[] };
            (svc.inputs.metadata as { labels: Record<string, string> }).labels["launchpad.dev/role"] = "preview";
            svc.dependsOn = svc.dependsOn.filter((u) => !u.endsWith("-gate"));
            svc.dependencies = svc.dependencies.filter((u) => !u.endsWith("-gate"));
        });
        expect(r.violations).toEqual([{
            policy: "live-service-gated",
            level: "mandatory",
            urn: byName(plan(), live).urn,
            message: "live Service api does not depend on the blue smoke-gate Job of api: add them to its dependsOn so traffic moves only after the gate passed.",
        }]);
        expect(r.code).toBe(3);
    });
});
