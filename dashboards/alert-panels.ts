/**
 * The panel that shows each alert's query: Grafana links an alert rule to it through the
 * `__dashboardUid__` and `__panelId__` annotations (set together, per @pulumiverse/grafana's
 * `RuleGroupRule.annotations` documentation; Grafana's pkg/services/ngalert/models/alert_rule.go,
 * `SetDashboardAndPanelFromAnnotations`, refuses one without the other and a panel id that is not
 * an integer).
 */
import { BACKUPS_PANELS } from "./backups";
import { BLUE_GREEN_PANELS } from "./blue-green";
import { grafanaUids } from "./common";
import { DATABASE_PANELS } from "./database";
import { SERVICE_PANELS } from "./service-overview";

type DashboardKey = keyof ReturnType<typeof grafanaUids>["dashboards"];

/**
 * The panel of each alert, or panels in order of preference: an alert links to the first whose
 * dashboard the stack creates. The push-job alerts also exist without a database, where the
 * backups dashboard does not: there they link to the smoke gate's panel, the one pusher left.
 */
export const ALERT_PANELS: Readonly<Record<string, { readonly dashboard: DashboardKey; readonly panelId: number } | readonly { readonly dashboard: DashboardKey; readonly panelId: number }[]>> = {
    LaunchpadHighErrorRatio: { dashboard: "service", panelId: SERVICE_PANELS.errorRatio },
    LaunchpadHighLatencyP95: { dashboard: "service", panelId: SERVICE_PANELS.latency },
    LaunchpadDatabaseConnectionFailures: { dashboard: "service", panelId: SERVICE_PANELS.database },
    LaunchpadErrorBudgetBurnFast: { dashboard: "service", panelId: SERVICE_PANELS.errorRatio },
    LaunchpadErrorBudgetBurnSlow: { dashboard: "service", panelId: SERVICE_PANELS.errorRatio },
    LaunchpadSmokeGateFailed: { dashboard: "blueGreen", panelId: BLUE_GREEN_PANELS.gate },
    LaunchpadDatabaseStorageLow: { dashboard: "database", panelId: DATABASE_PANELS.freeStorage },
    LaunchpadTransactionIdWraparound: { dashboard: "database", panelId: DATABASE_PANELS.transactionIds },
    // The panel that goes blank while CloudWatch gives no reading.
    LaunchpadDatabaseCloudWatchSilent: { dashboard: "database", panelId: DATABASE_PANELS.freeStorage },
    LaunchpadPitrLagAboveRpo: { dashboard: "backups", panelId: BACKUPS_PANELS.recoveryPointLag },
    LaunchpadDrBackupLagAboveRpo: { dashboard: "backups", panelId: BACKUPS_PANELS.recoveryPointLag },
    LaunchpadBackupStale: { dashboard: "backups", panelId: BACKUPS_PANELS.backupAge },
    LaunchpadBackupFailed: { dashboard: "backups", panelId: BACKUPS_PANELS.lastRuns },
    LaunchpadRestoreVerifyStale: { dashboard: "backups", panelId: BACKUPS_PANELS.restoreCheckAge },
    LaunchpadRestoreVerifyFailed: { dashboard: "backups", panelId: BACKUPS_PANELS.lastRuns },
    LaunchpadRestoreSlowerThanRto: { dashboard: "backups", panelId: BACKUPS_PANELS.restoreCheckDuration },
    LaunchpadRestoreDrillFailed: { dashboard: "backups", panelId: BACKUPS_PANELS.drillResult },
    LaunchpadRestoreDrillSlowerThanRto: { dashboard: "backups", panelId: BACKUPS_PANELS.drillDuration },
    LaunchpadRestoreDrillMissing: { dashboard: "backups", panelId: BACKUPS_PANELS.drillAge },
    LaunchpadDrRestoreDrillFailed: { dashboard: "backups", panelId: BACKUPS_PANELS.drillResult },
    LaunchpadDrRestoreDrillNotSucceeded: { dashboard: "backups", panelId: BACKUPS_PANELS.drDrillAge },
    LaunchpadRestoreDrillInstanceNotDeleted: { dashboard: "backups", panelId: BACKUPS_PANELS.drillUndeleted },
    // The watchers: the panel that goes blank when what they watch is gone. The Watchdog (the issue:
    // every alert has its panel in Grafana) proves Grafana evaluates against the stack's Prometheus:
    // the request rate is the first panel that data source feeds.
    LaunchpadWatchdog: { dashboard: "service", panelId: SERVICE_PANELS.requestRate },
    LaunchpadTargetDown: { dashboard: "service", panelId: SERVICE_PANELS.requestRate },
    LaunchpadScrapeJobAbsent: { dashboard: "service", panelId: SERVICE_PANELS.requestRate },
    LaunchpadRequestMetricAbsent: { dashboard: "service", panelId: SERVICE_PANELS.requestRate },
    LaunchpadPushJobAbsent: [{ dashboard: "backups", panelId: BACKUPS_PANELS.lastRuns }, { dashboard: "blueGreen", panelId: BLUE_GREEN_PANELS.gateAge }],
    LaunchpadPushedJobRenamed: [{ dashboard: "backups", panelId: BACKUPS_PANELS.lastRuns }, { dashboard: "blueGreen", panelId: BLUE_GREEN_PANELS.gateAge }],
    LaunchpadStateMetricsLabelsRenamed: { dashboard: "blueGreen", panelId: BLUE_GREEN_PANELS.replicas },
};

/**
 * The dashboard uid and panel id of an alert in a stack (its identifier, `<project>-<stack>`),
 * among the dashboards it creates (their uids): a link to a dashboard Grafana does not have would
 * send on-call to a "not found" page. Undefined for an alert with no panel there.
 */
export function alertPanel(identifier: string, alertName: string, dashboardUids: ReadonlySet<string>): { dashboardUid: string; panelId: number } | undefined {
    const uids = grafanaUids(identifier).dashboards;
    const found = [ALERT_PANELS[alertName] ?? []].flat().find((p) => dashboardUids.has(uids[p.dashboard]));
    return found === undefined ? undefined : { dashboardUid: uids[found.dashboard], panelId: found.panelId };
}
