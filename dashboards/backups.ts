/**
 * Backups and DR: the age of the newest backup per tier, whether the last backup and restore check
 * runs failed, restore checks and drills against the RTO target, the time since the last drill and
 * since the last successful DR drill (the DR vault's copy restored in the DR region), the drills'
 * restored instances AWS Backup failed to delete, and the point-in-time and DR lags against the RPO target.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { drillDueSeconds } from "../observability/alerts";
import { durationSeconds, durationText } from "../observability/duration";
import { BACKUP_METRICS, DR_METRICS, PUSH_JOBS, VERIFY_METRICS } from "../observability/catalogue";
import { cloudwatchTarget, dashboard, grafanaUids, promTarget, pushedSelector, stat, timeseries, type DashboardContext } from "./common";

/** Panel ids, for the alerts' links (dashboards/alert-panels.ts). */
export const BACKUPS_PANELS = {
    backupAge: 1,
    restoreCheckDuration: 2,
    restoreCheckAge: 3,
    awsRestoreJobs: 4,
    awsBackupJobs: 5,
    backupDuration: 6,
    lastRuns: 7,
    recoveryPointLag: 8,
    drillResult: 9,
    drillDuration: 10,
    drillAge: 11,
    drDrillAge: 12,
    drillUndeleted: 13,
} as const;

/**
 * The dimensions of the AWS/Backup job metrics for the stack's jobs. AWS Backup publishes them with
 * one dimension set, {BackupVaultName, ResourceType} (CloudWatch User Guide, "Supported AWS resources
 * and metrics for OpenTelemetry enrichment", AWS/Backup: the column "lists the dimension sets each
 * metric is published with"; AWS Backup Developer Guide cloudwatch.md: "Resource type, vault name"),
 * so an exact match on ResourceType alone finds no series; the vault also keeps other stacks of the
 * account out (their jobs are RDS jobs too). The restore job metrics are per vault as well (same table).
 */
export function backupJobDimensions(backupVaultName: string): Record<string, string> {
    return { BackupVaultName: backupVaultName, ResourceType: "RDS" };
}

/**
 * AWS Backup reports a job metric only in a period with a nonzero value (AWS Backup Developer Guide,
 * cloudwatch.md: "Reporting criteria: There is a nonzero value"): a day without a failed job has no
 * data point at all, so the job panels show 0, not "No data", when nothing ran or failed.
 */
export const NO_JOBS = "0";

export function backupsDashboard(ctx: DashboardContext, dbInstanceIdentifier: string, backupVaultName: string): Dashboard {
    const { stack, thresholds: t } = ctx;
    const P = BACKUPS_PANELS;
    const backup = (metric: string) => pushedSelector(ctx, metric, PUSH_JOBS.backup);
    const verify = (metric: string) => pushedSelector(ctx, metric, PUSH_JOBS.verify);
    const dr = (metric: string) => pushedSelector(ctx, metric, PUSH_JOBS.dr, [`db_instance="${dbInstanceIdentifier}"`]);
    const rto = durationSeconds(t.restoreMaxDuration);
    const rpo = durationSeconds(t.rpoTarget);
    const jobs = backupJobDimensions(backupVaultName);
    const lag = timeseries(P.recoveryPointLag, `Recovery point lag: point-in-time recovery${ctx.drReplication ? " and the DR region" : ""} (RPO target ${t.rpoTarget})`, "s", 0, 28, 24)
        .withTarget(promTarget("A", `time() - max by (db_instance) (${dr(DR_METRICS.latestRestorable)})`, "point-in-time recovery"))
        .withTarget(promTarget("C", `vector(${rpo})`, "RPO target"));
    if (ctx.drReplication) {
        lag.withTarget(promTarget("B", `time() - max by (db_instance) (${dr(DR_METRICS.drLatestRestorable)})`, "DR region"));
    }
    return dashboard(grafanaUids(ctx.identifier).dashboards.backups, `Launchpad ${stack}: backups and DR`, ctx)
        .withPanel(
            stat(P.backupAge, "Age of the newest logical backup per tier", "s", 0, 0, 24).withTarget(
                promTarget("A", `time() - max by (tier) (${backup(BACKUP_METRICS.lastSuccessTimestamp)})`, "{{tier}}"),
            ),
        )
        .withPanel(
            timeseries(P.restoreCheckDuration, `Restore check duration (RTO target ${t.restoreMaxDuration})`, "s", 0, 4)
                .withTarget(promTarget("A", `max by (database) (${verify(VERIFY_METRICS.duration)})`, "{{database}}"))
                .withTarget(promTarget("B", `vector(${rto})`, "RTO target")),
        )
        .withPanel(
            stat(P.restoreCheckAge, "Time since the last passed restore check", "s", 12, 4, 12).withTarget(
                promTarget("A", `time() - max by (database) (${verify(VERIFY_METRICS.lastSuccessTimestamp)})`, "{{database}}"),
            ),
        )
        .withPanel(
            stat(P.lastRuns, "Last run: 1 succeeded, 0 failed", "none", 12, 8, 12)
                .withTarget(promTarget("A", `min by (tier) (${backup(BACKUP_METRICS.lastRunSuccess)})`, "backup {{tier}}"))
                .withTarget(promTarget("B", `min by (database) (${verify(VERIFY_METRICS.lastRunSuccess)})`, "restore check {{database}}")),
        )
        .withPanel(
            timeseries(P.awsRestoreJobs, "AWS Backup restore jobs (drills included): completed and failed", "short", 0, 12)
                .noValue(NO_JOBS)
                .withTarget(cloudwatchTarget(ctx, "A", "AWS/Backup", "NumberOfRestoreJobsCompleted", jobs, "Sum"))
                .withTarget(cloudwatchTarget(ctx, "B", "AWS/Backup", "NumberOfRestoreJobsFailed", jobs, "Sum")),
        )
        .withPanel(
            timeseries(P.awsBackupJobs, "AWS Backup jobs: completed and failed", "short", 12, 12)
                .noValue(NO_JOBS)
                .withTarget(cloudwatchTarget(ctx, "A", "AWS/Backup", "NumberOfBackupJobsCompleted", jobs, "Sum"))
                .withTarget(cloudwatchTarget(ctx, "B", "AWS/Backup", "NumberOfBackupJobsFailed", jobs, "Sum")),
        )
        .withPanel(
            timeseries(P.backupDuration, "Logical backup duration per tier", "s", 0, 20, 24).withTarget(
                promTarget("A", `max by (tier) (${backup(BACKUP_METRICS.duration)})`, "{{tier}}"),
            ),
        )
        .withPanel(lag)
        .withPanel(
            stat(P.drillResult, "Last AWS Backup restore drill: 1 completed, 0 failed", "none", 0, 36, 12)
                .withTarget(promTarget("A", `min by (db_instance) (${dr(DR_METRICS.drillLastRunSuccess)})`, "drill"))
                .withTarget(promTarget("B", `min by (db_instance) (${dr(DR_METRICS.drDrillLastRunSuccess)})`, "DR drill")),
        )
        .withPanel(
            timeseries(P.drillDuration, `Restore drill duration (RTO target ${t.restoreMaxDuration})`, "s", 12, 36)
                .withTarget(promTarget("A", `max by (db_instance) (${dr(DR_METRICS.drillDuration)})`, "drill"))
                .withTarget(promTarget("C", `max by (db_instance) (${dr(DR_METRICS.drDrillDuration)})`, "DR drill"))
                .withTarget(promTarget("B", `vector(${rto})`, "RTO target")),
        )
        .withPanel(
            // In seconds, which Grafana shows in days or weeks: LaunchpadRestoreDrillMissing's value.
            stat(P.drillAge, `Time since the last restore drill finished (missing after ${durationText(drillDueSeconds(t.restoreMaxDuration))})`, "s", 0, 40, 12).withTarget(
                promTarget("A", `time() - max by (db_instance) (${dr(DR_METRICS.drillLastCompletionTimestamp)})`, "drill"),
            ).withTarget(promTarget("B", `time() - max by (db_instance) (${dr(DR_METRICS.drDrillLastCompletionTimestamp)})`, "DR drill")),
        )
        .withPanel(
            // LaunchpadDrRestoreDrillNotSucceeded's first term: the DR vault's copies, restored in the DR region.
            stat(P.drDrillAge, `Time since the last DR restore drill succeeded (pages after ${durationText(drillDueSeconds(t.restoreMaxDuration))})`, "s", 12, 40, 12).withTarget(
                promTarget("A", `time() - max by (db_instance) (${dr(DR_METRICS.drDrillLastSuccessTimestamp)})`, "DR drill"),
            ),
        )
        .withPanel(
            // LaunchpadRestoreDrillInstanceNotDeleted's terms: restored instances AWS Backup failed to delete, each a running copy of the database.
            stat(P.drillUndeleted, "Restore drill instances AWS Backup failed to delete (ticket above 0)", "none", 0, 44, 12)
                .withTarget(promTarget("A", `sum by (db_instance) (${dr(DR_METRICS.drillUndeletedInstances)})`, "drill"))
                .withTarget(promTarget("B", `sum by (db_instance) (${dr(DR_METRICS.drDrillUndeletedInstances)})`, "DR drill")),
        )
        .build();
}
