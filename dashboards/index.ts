/** Every dashboard of a stack, by key; the data-layer ones only where the stack has a database. */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { backupsDashboard } from "./backups";
import { blueGreen } from "./blue-green";
import type { DashboardContext } from "./common";
import { databaseDashboard } from "./database";
import { serviceOverview } from "./service-overview";

export { AMP_DATASOURCE_TYPE, grafanaUids, prometheusDatasourceType, toConfigJson, type DashboardContext } from "./common";
export { alertPanel } from "./alert-panels";

export function stackDashboards(ctx: DashboardContext): Record<string, Dashboard> {
    const out: Record<string, Dashboard> = { service: serviceOverview(ctx), "blue-green": blueGreen(ctx) };
    if (ctx.dbInstanceIdentifier !== undefined) {
        if (ctx.backupVaultName === undefined) {
            throw new Error(`dashboards of ${ctx.identifier}: a database (${ctx.dbInstanceIdentifier}) needs its backup vault's name for the AWS Backup panels`);
        }
        out.database = databaseDashboard(ctx, ctx.dbInstanceIdentifier);
        out.backups = backupsDashboard(ctx, ctx.dbInstanceIdentifier, ctx.backupVaultName);
    }
    return out;
}
