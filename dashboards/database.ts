/**
 * The database: CPU, connections and latency from CloudWatch (AWS/RDS); free storage in percent of
 * what is allocated now, from scripts/db/dr-metrics.sh's push (the same series the storage alert
 * reads, so the panel and the alert cannot disagree). No replica lag: RDS publishes `ReplicaLag`
 * for read replicas (and Multi-AZ DB cluster readers) only (Amazon RDS User Guide, rds-metrics.md:
 * "For read replica configurations, the amount of time a read replica DB instance lags behind the
 * source DB instance"), and the stack's instance is a primary with no read replica (a Multi-AZ
 * standby is not one): such a panel would say "No data" forever. The DR copy's lag is the backups
 * dashboard's recovery point lag. On PostgreSQL, the used transaction IDs as dr-metrics.sh pushes
 * them (the series LaunchpadTransactionIdWraparound reads).
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { TRANSACTION_ID_WRAPAROUND_THRESHOLD } from "../observability/alerts";
import { DR_METRICS, PUSH_JOBS } from "../observability/catalogue";
import { cloudwatchTarget, dashboard, grafanaUids, promTarget, pushedSelector, timeseries, type DashboardContext } from "./common";

/** Panel ids, for the alerts' links (dashboards/alert-panels.ts). */
export const DATABASE_PANELS = { cpu: 1, connections: 2, freeStorage: 3, latency: 4, transactionIds: 5 } as const;

export function databaseDashboard(ctx: DashboardContext, dbInstanceIdentifier: string): Dashboard {
    const id = dbInstanceIdentifier;
    const P = DATABASE_PANELS;
    const rds = (refId: string, metric: string, statistic = "Average") => cloudwatchTarget(ctx, refId, "AWS/RDS", metric, { DBInstanceIdentifier: id }, statistic);
    const dr = (metric: string) => pushedSelector(ctx, metric, PUSH_JOBS.dr, [`db_instance="${id}"`]);
    const d = dashboard(grafanaUids(ctx.identifier).dashboards.database, `Launchpad ${ctx.stack}: database`, ctx)
        .withPanel(timeseries(P.cpu, "CPU utilization", "percent", 0, 0).withTarget(rds("A", "CPUUtilization")))
        .withPanel(timeseries(P.connections, "Connections", "short", 12, 0).withTarget(rds("A", "DatabaseConnections")))
        .withPanel(
            timeseries(P.freeStorage, `Free storage, percent of the allocated storage (alert below ${ctx.thresholds.freeStoragePercent}%)`, "percent", 0, 8)
                .withTarget(promTarget("A", `min by (db_instance) (${dr(DR_METRICS.freeStorage)} / ${dr(DR_METRICS.allocatedStorage)}) * 100`, "free %"))
                .withTarget(promTarget("B", `max by (db_instance) (${dr(DR_METRICS.allocatedStorage)})`, "allocated bytes").hide(true)),
        )
        .withPanel(
            timeseries(P.latency, "Read / write latency", "s", 12, 8)
                .withTarget(rds("A", "ReadLatency"))
                .withTarget(rds("B", "WriteLatency")),
        );
    if (ctx.dbEngine === "postgres") {
        d.withPanel(
            timeseries(P.transactionIds, `Used transaction IDs, oldest unfrozen to newest (alert above ${TRANSACTION_ID_WRAPAROUND_THRESHOLD / 1e6} million; PostgreSQL stops writes near 2,100 million)`, "short", 0, 16)
                .withTarget(promTarget("A", `max by (db_instance) (${dr(DR_METRICS.maximumUsedTransactionIds)})`, "used transaction IDs")),
        );
    }
    return d.build();
}
