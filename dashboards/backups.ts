/**
 * Backups and DR: the age of the newest backup per tier, whether the last backup and restore check
 * runs failed, restore checks and drills against the RTO target, and the point-in-time lag against
 * the RPO target.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { RPO_TARGET_MINUTES, RTO_TARGET_MINUTES } from "../lib/retention";
import { PUSH_JOBS } from "../observability/alerts";
import { cloudwatchTarget, dashboard, grafanaUids, promTarget, stat, timeseries, type DashboardContext } from "./common";

export function backupsDashboard(ctx: DashboardContext): Dashboard {
    const { stack } = ctx;
    return dashboard(grafanaUids(stack).dashboards.backups, `Launchpad ${stack}: backups and DR`, stack)
        .withPanel(
            stat(1, "Age of the newest logical backup per tier", "s", 0, 0, 24).withTarget(
                promTarget(stack, "A", `time() - max by (tier) (launchpad_backup_last_success_timestamp_seconds{job="${PUSH_JOBS.backup}"})`, "{{tier}}"),
            ),
        )
        .withPanel(
            timeseries(2, `Restore check duration (RTO target ${RTO_TARGET_MINUTES} min)`, "s", 0, 4)
                .withTarget(promTarget(stack, "A", `max by (database) (launchpad_restore_verify_duration_seconds{job="${PUSH_JOBS.verify}"})`, "{{database}}"))
                .withTarget(promTarget(stack, "B", `vector(${RTO_TARGET_MINUTES * 60})`, "RTO target")),
        )
        .withPanel(
            stat(3, "Time since the last passed restore check", "s", 12, 4, 12).withTarget(
                promTarget(stack, "A", `time() - max by (database) (launchpad_restore_verify_last_success_timestamp_seconds{job="${PUSH_JOBS.verify}"})`, "{{database}}"),
            ),
        )
        .withPanel(
            stat(7, "Last run: 1 succeeded, 0 failed", "none", 12, 8, 12)
                .withTarget(promTarget(stack, "A", `min by (tier) (launchpad_backup_last_run_success{job="${PUSH_JOBS.backup}"})`, "backup {{tier}}"))
                .withTarget(promTarget(stack, "B", `min by (database) (launchpad_restore_verify_last_run_success{job="${PUSH_JOBS.verify}"})`, "restore check {{database}}")),
        )
        .withPanel(
            timeseries(4, "AWS Backup restore jobs (drills included): completed and failed", "short", 0, 12)
                .withTarget(cloudwatchTarget(ctx, "A", "AWS/Backup", "NumberOfRestoreJobsCompleted", { ResourceType: "RDS" }, "Sum"))
                .withTarget(cloudwatchTarget(ctx, "B", "AWS/Backup", "NumberOfRestoreJobsFailed", { ResourceType: "RDS" }, "Sum")),
        )
        .withPanel(
            timeseries(5, "AWS Backup jobs: completed and failed", "short", 12, 12)
                .withTarget(cloudwatchTarget(ctx, "A", "AWS/Backup", "NumberOfBackupJobsCompleted", { ResourceType: "RDS" }, "Sum"))
                .withTarget(cloudwatchTarget(ctx, "B", "AWS/Backup", "NumberOfBackupJobsFailed", { ResourceType: "RDS" }, "Sum")),
        )
        .withPanel(
            timeseries(6, `Logical backup duration per tier (RPO target ${RPO_TARGET_MINUTES} min is met by point-in-time recovery)`, "s", 0, 20, 24).withTarget(
                promTarget(stack, "A", `max by (tier) (launchpad_backup_duration_seconds{job="${PUSH_JOBS.backup}"})`, "{{tier}}"),
            ),
        )
        .build();
}
