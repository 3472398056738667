/** Every dashboard of a stack, by key; the data-layer ones only where the stack has a database. */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { backupsDashboard } from "./backups";
import { blueGreen } from "./blue-green";
import type { DashboardContext } from "./common";
import { databaseDashboard } from "./database";
import { serviceOverview } from "./service-overview";

export { grafanaUids, toConfigJson, type DashboardContext } from "./common";

export function stackDashboards(ctx: DashboardContext, allocatedStorageGb?: number): Record<string, Dashboard> {
    const out: Record<string, Dashboard> = { service: serviceOverview(ctx), "blue-green": blueGreen(ctx) };
    if (ctx.dbInstanceIdentifier !== undefined && allocatedStorageGb !== undefined) {
        out.database = databaseDashboard(ctx, allocatedStorageGb);
        out.backups = backupsDashboard(ctx);
    }
    return out;
}
