/**
 * The dashboards' CloudWatch targets against what AWS publishes. Grafana's CloudWatch query with
 * `matchExact: true` asks for exactly the dimensions given: a set the service does not publish
 * returns no series ("No data" on a healthy stack), so each target must name a documented
 * dimension set, with the values of the resources the stack creates.
 */
import { describe, expect, it } from "vitest";
import { grafanaUids } from "../dashboards";
import { input, named, ofType, planStack, type Plan } from "./support/plan";

/**
 * The dimension sets each namespace publishes the metrics we read with:
 * - AWS/Backup job metrics: {BackupVaultName, ResourceType} only (CloudWatch User Guide, "Supported
 *   AWS resources and metrics for OpenTelemetry enrichment", AWS/Backup, AWS::Backup::BackupVault:
 *   the column "lists the dimension sets each metric is published with"; AWS Backup Developer Guide,
 *   cloudwatch.md: example dimensions "Resource type, vault name").
 * - AWS/RDS instance metrics: {DBInstanceIdentifier} (the same page, AWS/RDS).
 */
const PUBLISHED_DIMENSION_SETS: Record<string, readonly string[][]> = {
    "AWS/Backup": [["BackupVaultName", "ResourceType"]],
    "AWS/RDS": [["DBInstanceIdentifier"]],
};

type Panel = { title: string; targets?: Target[]; fieldConfig?: { defaults?: { noValue?: string } } };
type Target = { datasource?: { uid?: string }; namespace?: string; metricName?: string; dimensions?: Record<string, string>; matchExact?: boolean };

function cloudwatchTargets(plan: Plan, identifier: string): (Target & { dashboard: string })[] {
    const uid = grafanaUids(identifier).cloudwatch;
    return ofType(plan, "grafana:oss/dashboard:Dashboard").flatMap((d) => {
        const json = JSON.parse(String(input(d, "configJson"))) as { uid: string; panels: { targets?: Target[] }[] };
        return json.panels.flatMap((p) => p.targets ?? []).filter((t) => t.datasource?.uid === uid).map((t) => ({ ...t, dashboard: json.uid }));
    });
}

describe.each(["production", "staging"])("the %s dashboards' CloudWatch targets", (stack) => {
    const identifier = `launchpad-${stack}`;

    it("each names a dimension set its namespace publishes, matched exactly", async () => {
        const targets = cloudwatchTargets(await planStack(stack), identifier);
        expect(new Set(targets.map((t) => t.namespace))).toEqual(new Set(Object.keys(PUBLISHED_DIMENSION_SETS)));
        expect(targets.length).toBeGreaterThan(0);
        const published = (t: Target): boolean => (PUBLISHED_DIMENSION_SETS[t.namespace ?? ""] ?? []).some((set) => JSON.stringify(set) === JSON.stringify(Object.keys(t.dimensions ?? {}).sort()));
        expect(targets.filter((t) => !published(t) || t.matchExact !== true).map((t) => `${t.dashboard}: ${t.namespace}/${t.metricName} ${JSON.stringify(t.dimensions)}`)).toEqual([]);
    });

    // AWS Backup reports a job count only when it is nonzero (AWS Backup Developer Guide, cloudwatch.md,
    // "Reporting criteria: There is a nonzero value"): a healthy day has no failed-job data point.
    it("the AWS Backup job panels show 0, not No data, on a day without jobs or failures", async () => {
        const plan = await planStack(stack);
        const panels = ofType(plan, "grafana:oss/dashboard:Dashboard").flatMap((d) => (JSON.parse(String(input(d, "configJson"))) as { panels: Panel[] }).panels);
        const backup = panels.filter((p) => (p.targets ?? []).some((t) => t.namespace === "AWS/Backup"));
        expect(backup.map((p) => [p.title, p.fieldConfig?.defaults?.noValue])).toEqual([
            ["AWS Backup restore jobs (drills included): completed and failed", "0"],
            ["AWS Backup jobs: completed and failed", "0"],
        ]);
    });

    it("the AWS Backup job panels select the stack's own vault (the plan's, not the DR copy's) and RDS; the RDS panels the stack's instance", async () => {
        const plan = await planStack(stack);
        const vault = input(named(plan, `${identifier}-backup-plan-vault`), "name");
        const instance = input(named(plan, `${identifier}-database-instance`), "identifier");
        const targets = cloudwatchTargets(plan, identifier);
        const backup = targets.filter((t) => t.namespace === "AWS/Backup");
        expect(backup.map((t) => t.metricName).sort()).toEqual(["NumberOfBackupJobsCompleted", "NumberOfBackupJobsFailed", "NumberOfRestoreJobsCompleted", "NumberOfRestoreJobsFailed"]);
        expect(new Set(backup.map((t) => JSON.stringify(t.dimensions)))).toEqual(new Set([JSON.stringify({ BackupVaultName: vault, ResourceType: "RDS" })]));
        const rds = targets.filter((t) => t.namespace === "AWS/RDS");
        expect(rds.length).toBeGreaterThan(0);
        expect(new Set(rds.map((t) => t.dimensions?.DBInstanceIdentifier))).toEqual(new Set([instance]));
    });

    // RDS publishes ReplicaLag for read replicas only (Amazon RDS User Guide, rds-metrics.md: "For read
    // replica configurations, the amount of time a read replica DB instance lags behind the source DB
    // instance"): the stack's instances replicate from nothing, so a ReplicaLag panel says No data forever.
    it("reads no metric RDS publishes for read replicas only: the stack has none", async () => {
        const plan = await planStack(stack);
        expect(ofType(plan, "aws:rds/instance:Instance").map((r) => input(r, "replicateSourceDb") ?? null)).toEqual([null]);
        expect(cloudwatchTargets(plan, identifier).filter((t) => t.namespace === "AWS/RDS").map((t) => t.metricName).sort())
            .toEqual(["CPUUtilization", "DatabaseConnections", "ReadLatency", "WriteLatency"]);
    });
});
