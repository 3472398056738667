/** The database, from CloudWatch (AWS/RDS): CPU, connections, free storage percent, latency, replica lag. */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { cloudwatchTarget, dashboard, grafanaUids, timeseries, type DashboardContext } from "./common";

export function databaseDashboard(ctx: DashboardContext, allocatedStorageGb: number): Dashboard {
    const id = ctx.dbInstanceIdentifier ?? "";
    const rds = (refId: string, metric: string, statistic = "Average") => cloudwatchTarget(ctx, refId, "AWS/RDS", metric, { DBInstanceIdentifier: id }, statistic);
    return dashboard(grafanaUids(ctx.stack).dashboards.database, `Launchpad ${ctx.stack}: database`, ctx.stack)
        .withPanel(timeseries(1, "CPU utilization", "percent", 0, 0).withTarget(rds("A", "CPUUtilization")))
        .withPanel(timeseries(2, "Connections", "short", 12, 0).withTarget(rds("A", "DatabaseConnections")))
        .withPanel(
            timeseries(3, `Free storage, percent of ${allocatedStorageGb} GiB allocated`, "percent", 0, 8)
                .withTarget(rds("A", "FreeStorageSpace", "Minimum").hide(true))
                .withTarget(cloudwatchTarget(ctx, "B", "AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: id }, "Minimum").expression(`A / ${allocatedStorageGb * 2 ** 30} * 100`).id("b")),
        )
        .withPanel(
            timeseries(4, "Read / write latency", "s", 12, 8)
                .withTarget(rds("A", "ReadLatency"))
                .withTarget(rds("B", "WriteLatency")),
        )
        .withPanel(timeseries(5, "Replica lag", "s", 0, 16).withTarget(rds("A", "ReplicaLag", "Maximum")))
        .build();
}
