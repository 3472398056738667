/**
 * Every alert of the production rule file, proven by promtool (production run as PostgreSQL, whose
 * rule file is MySQL's plus LaunchpadTransactionIdWraparound, checked below): `check rules` on the generated file,
 * and `test rules` with synthetic series per alert: it fires above its threshold once its `for` has
 * passed, with the expected labels and annotations; it is silent below the threshold, and silent
 * (pending) before its `for`. One promtool process checks, one runs every alert's test file, each
 * against its own rule cut from the generated file (oneAlert).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";
import { alertContext, alertGroups, type AlertDefinition } from "../observability/alerts";
import { renderPrometheusRules } from "../observability/prometheus-rules";
import { describeWithPromtool, promtool } from "./support/promtool";
import { scratchDir } from "./support/scratch";

/** The production stack with `sets`. */
function production(sets: readonly string[]): ReturnType<typeof parseConfig> {
    const sc = loadStackConfig({ root: REPO_ROOT, stack: "production", sets });
    return parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
}
const POSTGRES = ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'];
const GROUPS = alertGroups(alertContext(production(POSTGRES)));
const MYSQL_GROUPS = alertGroups(alertContext(production([])));
const ALERTS = new Map(GROUPS.flatMap((g) => g.alerts).map((a) => [a.name, a]));

interface Series { readonly series: string; readonly values: string }
interface Case {
    /** What the case shows. */
    readonly kind: "fires" | "silent below" | "silent before for" | "fires when absent" | "silent when idle" | "silent when stale" | "fires just above" | "silent just below" | "silent on a short spike" | "silent for a new stack" | "fires after failures" | "silent for a new DR plan" | "fires for a DR plan that never succeeded" | "silent with every target down" | "fires for the DR drill" | "fires summed" | "silent when resolved" | "silent when nothing is pushed" | "fires for the other reading";
    readonly series: readonly Series[];
    readonly evalTime: string;
    /** Labels of the firing alert (beside severity and environment); absent: no alert. */
    readonly labels?: Record<string, string>;
    /** The exact summary of the firing alert. */
    readonly summary?: string;
}

/** `{{ $labels.x }}` filled in, for the description whose wording the summary tests already pin. */
function fill(template: string, labels: Record<string, string>): string {
    return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? "");
}

const api = (color: string, code: string, values: string): Series => ({ series: `http_requests_total{service="api",color="${color}",code="${code}"}`, values });
const bucket = (le: string, values: string): Series => ({ series: `http_request_duration_seconds_bucket{service="api",color="green",le="${le}"}`, values });
const OTHER: Series = { series: 'up{job="unrelated"}', values: "1x320" };
/**
 * A group as the Pushgateway exposes it and a scrape with honor_labels keeps it: the grouping key
 * (job and the path's labels) on every pushed metric, and the Pushgateway's own push_time_seconds.
 */
const pushed = (metric: string, job: string, labels: Record<string, string>, values: string): Series => ({
    series: `${metric}{${Object.entries({ job, ...labels }).map(([k, v]) => `${k}="${v}"`).join(",")}}`,
    values,
});
/** The smoke runner's push (smoke/push.ts): the verdict beside the run's finishing time, in seconds. */
const gate = (color: string, passed: string, finishedAt: string): Series[] => [
    pushed("launchpad_smoke_gate_passed", "launchpad-smoke-gate", { service: "api", color }, passed),
    pushed("launchpad_smoke_gate_last_run_timestamp_seconds", "launchpad-smoke-gate", { service: "api", color }, finishedAt),
    pushed("push_time_seconds", "launchpad-smoke-gate", { service: "api", color }, finishedAt),
];
/** dr-metrics.sh's group: the instance's creation time, and the newest finished drill's end, in seconds. */
const drInstance = (values: string): Series => pushed("launchpad_rds_instance_create_timestamp_seconds", "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const drillDone = (values: string): Series => pushed("launchpad_restore_drill_last_completion_timestamp_seconds", "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const drDrill = (metric: string, values: string): Series => pushed(metric, "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const allocated = (values: string): Series => pushed("launchpad_rds_allocated_storage_bytes", "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const freeBytes = (values: string): Series => pushed("launchpad_rds_free_storage_bytes", "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const xids = (values: string): Series => pushed("launchpad_rds_maximum_used_transaction_ids", "launchpad-dr-metrics", { db_instance: "launchpad-production-db" }, values);
const pushTime = (job: string, labels: Record<string, string>): Series => pushed("push_time_seconds", job, labels, "1x60");
const ALL_PUSH_GROUPS = [pushTime("launchpad-smoke-gate", { service: "api", color: "blue" }), pushTime("launchpad-db-backup", { database: "app", tier: "daily" }), pushTime("launchpad-db-restore-verify", { database: "app" }), pushTime("launchpad-dr-metrics", { db_instance: "launchpad-production-db" })];
/** One healthy target of each of the managed scraper's jobs: the `up` series Prometheus records of a scrape. */
const SCRAPED = {
    pods: { series: 'up{job="kubernetes-pods",instance="10.0.1.7:8080"}', values: "1x30" },
    kubeStateMetrics: { series: 'up{job="kube-state-metrics",instance="10.0.1.5:8080"}', values: "1x30" },
    pushgateway: { series: 'up{job="pushgateway",instance="10.0.1.9:9091"}', values: "1x30" },
    cadvisor: { series: 'up{job="kubernetes-cadvisor",instance="kubernetes.default.svc:443",kubernetes_io_hostname="ip-10-0-1-4"}', values: "1x30" },
} satisfies Record<string, Series>;

/** The synthetic scenarios, per alert: thresholds are production's (defaults: 1%, 0.5 s, 10% of the allocated storage, 26 h, 1 h, 15 min, 99.9%). */
const CASES: Record<string, readonly Case[]> = {
    LaunchpadHighErrorRatio: [
        { kind: "fires", series: [api("blue", "200", "0+588x30"), api("blue", "500", "0+12x30")], evalTime: "10m", labels: { service: "api", color: "blue" }, summary: "api (blue): 2% of requests fail" },
        { kind: "silent before for", series: [api("blue", "200", "0+588x30"), api("blue", "500", "0+12x30")], evalTime: "4m" },
        { kind: "silent below", series: [api("blue", "200", "0+597x30"), api("blue", "500", "0+3x30")], evalTime: "10m" },
        // Half the requests fail, but 4 a minute are probe traffic, below thresholds.minRequestRate (1/s).
        { kind: "silent when idle", series: [api("blue", "200", "0+2x30"), api("blue", "500", "0+2x30")], evalTime: "10m" },
    ],
    LaunchpadHighLatencyP95: [
        { kind: "fires", series: [bucket("0.25", "0+10x40"), bucket("0.5", "0+20x40"), bucket("1", "0+100x40"), bucket("+Inf", "0+100x40"), { series: 'http_request_duration_seconds_count{service="api",color="green"}', values: "0+100x40" }], evalTime: "15m", labels: { service: "api", color: "green" }, summary: "api (green): p95 latency is 968.8ms" },
        { kind: "silent before for", series: [bucket("0.25", "0+10x40"), bucket("0.5", "0+20x40"), bucket("1", "0+100x40"), bucket("+Inf", "0+100x40"), { series: 'http_request_duration_seconds_count{service="api",color="green"}', values: "0+100x40" }], evalTime: "8m" },
        { kind: "silent below", series: [bucket("0.25", "0+10x40"), bucket("0.5", "0+99x40"), bucket("1", "0+100x40"), bucket("+Inf", "0+100x40")], evalTime: "15m" },
        {
            kind: "silent when idle",
            series: [bucket("0.25", "0+0x40"), bucket("0.5", "0+0x40"), bucket("1", "0+2x40"), bucket("+Inf", "0+2x40"), { series: 'http_request_duration_seconds_count{service="api",color="green"}', values: "0+2x40" }],
            evalTime: "15m",
        },
    ],
    LaunchpadDatabaseConnectionFailures: [
        { kind: "fires", series: [{ series: 'db_connection_errors_total{service="api"}', values: "0+3x20" }], evalTime: "10m", labels: { service: "api" }, summary: "api cannot reach its database (15 failed connections in 5 minutes)" },
        { kind: "silent before for", series: [{ series: 'db_connection_errors_total{service="api"}', values: "0+3x20" }], evalTime: "4m" },
        { kind: "silent below", series: [{ series: 'db_connection_errors_total{service="api"}', values: "5x20" }], evalTime: "10m" },
        // Any failure counts: a trickle of one failed connection every 4 minutes, kept up, pages too.
        { kind: "fires just above", series: [{ series: 'db_connection_errors_total{service="api"}', values: "0+0.25x20" }], evalTime: "10m", labels: { service: "api" }, summary: "api cannot reach its database (1.25 failed connections in 5 minutes)" },
    ],
    LaunchpadErrorBudgetBurnFast: [
        { kind: "fires", series: [api("blue", "200", "0+950x60"), api("blue", "500", "0+50x60")], evalTime: "10m", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget fast" },
        { kind: "silent before for", series: [api("blue", "200", "0+950x60"), api("blue", "500", "0+50x60")], evalTime: "2m" },
        { kind: "silent below", series: [api("blue", "200", "0+995x60"), api("blue", "500", "0+5x60")], evalTime: "10m" },
        // Each pair on its own (Google SRE workbook, alerting on SLOs: both windows above the same
        // limit). Five clean hours, then an hour at 20 errors in 1,020 requests (1.96%): the 1 h and
        // 5 min ratios are above 14.4 x 0.1% = 1.44%, while the 6 h ratio (0.33%) stays below 6 x 0.1%,
        // so the first pair alone fires; at 12 in 1,012 (1.19%) neither does.
        { kind: "fires just above", series: [api("blue", "200", "0+1000x360"), api("blue", "500", "0x300 20+20x59")], evalTime: "6h", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget fast" },
        { kind: "silent just below", series: [api("blue", "200", "0+1000x360"), api("blue", "500", "0x300 12+12x59")], evalTime: "6h" },
        // A short spike: five minutes at 5% after a clean hour, the 5 min ratio far above 1.44% but the
        // hour's (0.42%) below it, and the 30 min one above 0.6% with the 6 h one below: no page.
        { kind: "silent on a short spike", series: [api("blue", "200", "0+950x65"), api("blue", "500", "0x60 50+50x4")], evalTime: "65m" },
        // An idle service, probe traffic only: 42 requests a minute (0.7/s, under thresholds.minRequestRate),
        // 2 of them failing (4.8%, above 1.44% in both windows): too few for a ratio to page on.
        { kind: "silent when idle", series: [api("blue", "200", "0+40x60"), api("blue", "500", "0+2x60")], evalTime: "10m" },
        // The second pair alone: six hours at 1% (below 1.44%, above 0.6%).
        { kind: "fires just above", series: [api("blue", "200", "0+990x360"), api("blue", "500", "0+10x360")], evalTime: "6h", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget fast" },
    ],
    LaunchpadErrorBudgetBurnSlow: [
        // 0.4% of 10,000 requests every 5 minutes: 33/s, so even the first 30 minutes of the series keep the
        // 2 h window's rate above thresholds.minRequestRate.
        { kind: "fires", series: [api("green", "200", "0+9960x60"), api("green", "500", "0+40x60")], evalTime: "30m", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget steadily" },
        { kind: "silent before for", series: [api("green", "200", "0+9960x60"), api("green", "500", "0+40x60")], evalTime: "10m" },
        { kind: "silent below", series: [api("green", "200", "0+9995x60"), api("green", "500", "0+5x60")], evalTime: "30m" },
        // Each pair on its own, in 5-minute steps (STEP). The second pair alone: 0.2% for 8 hours,
        // above 1 x 0.1% but below 3 x 0.1%.
        { kind: "fires just above", series: [api("green", "200", "0+998x100"), api("green", "500", "0+2x100")], evalTime: "8h", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget steadily" },
        // The first pair alone: two days of a hundred times the traffic without an error, then 25 hours
        // at 4 errors in 1,004 requests (0.4%). From the 72nd hour the 1 d window holds none of the
        // busy days, so the 1 d and 2 h ratios are above 0.3%, while the 3 d ratio (0.002%) stays far
        // below 0.1%.
        { kind: "fires just above", series: [api("green", "200", "0+100000x576 57601000+1000x299"), api("green", "500", "0x576 4+4x299")], evalTime: "73h", labels: { service: "api" }, summary: "api is spending its 99.9% availability error budget steadily" },
        // Idle: 202 requests every 5 minutes (0.67/s, under thresholds.minRequestRate), 1% of them failing.
        { kind: "silent when idle", series: [api("green", "200", "0+200x100"), api("green", "500", "0+2x100")], evalTime: "8h" },
    ],
    LaunchpadSmokeGateFailed: [
        { kind: "fires", series: gate("green", "0x400", "0x400"), evalTime: "5m", labels: { service: "api", color: "green" }, summary: "The smoke gate of api (green) failed" },
        { kind: "silent before for", series: gate("green", "0x400", "0x400"), evalTime: "0m" },
        { kind: "silent below", series: gate("green", "1x400", "0x400"), evalTime: "5m" },
        // The failed verdict of a run 25 hours ago (beyond thresholds.gateVerdictMaxAge, 24 h) no longer alerts.
        { kind: "silent when stale", series: gate("green", "0x400", "0x400"), evalTime: "25h" },
    ],
    // As scripts/db/dr-metrics.sh pushes them. After autoscaling to 500 GiB, 40 GiB free is 8%: the
    // old rule (10% of the initial 200 GiB, in bytes) would have stayed silent down to 20 GiB.
    LaunchpadDatabaseStorageLow: [
        { kind: "fires", series: [{ series: 'launchpad_rds_free_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "42949672960x40" }, { series: 'launchpad_rds_allocated_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "536870912000x40" }], evalTime: "20m", labels: { db_instance: "launchpad-production-db" }, summary: "Database launchpad-production-db has 8% of its allocated storage free" },
        { kind: "silent before for", series: [{ series: 'launchpad_rds_free_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "42949672960x40" }, { series: 'launchpad_rds_allocated_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "536870912000x40" }], evalTime: "10m" },
        { kind: "silent below", series: [{ series: 'launchpad_rds_free_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "107374182400x40" }, { series: 'launchpad_rds_allocated_storage_bytes{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "536870912000x40" }], evalTime: "20m" },
    ],
    // CloudWatch MaximumUsedTransactionIDs as dr-metrics.sh pushes it (PostgreSQL only). Paging from
    // 1 billion (TRANSACTION_ID_WRAPAROUND_THRESHOLD), exactly 1 billion is still silent.
    LaunchpadTransactionIdWraparound: [
        { kind: "fires", series: [xids("1200000000x40")], evalTime: "20m", labels: { db_instance: "launchpad-production-db" }, summary: "Database launchpad-production-db has used 1.2G transaction IDs since its oldest unfrozen one" },
        { kind: "silent before for", series: [xids("1200000000x40")], evalTime: "10m" },
        { kind: "silent below", series: [xids("900000000x40")], evalTime: "20m" },
        { kind: "fires just above", series: [xids("1000000001x40")], evalTime: "20m", labels: { db_instance: "launchpad-production-db" }, summary: "Database launchpad-production-db has used 1G transaction IDs since its oldest unfrozen one" },
        { kind: "silent just below", series: [xids("1000000000x40")], evalTime: "20m" },
    ],
    // dr-metrics.sh's PUT carries AllocatedStorage every run and a CloudWatch reading only when
    // CloudWatch has a point: the rule file here is PostgreSQL's, so either missing reading fires.
    LaunchpadDatabaseCloudWatchSilent: [
        { kind: "fires", series: [allocated("536870912000x40"), xids("1000x40")], evalTime: "40m", labels: { db_instance: "launchpad-production-db" }, summary: "CloudWatch has given the recovery metrics job no free storage or used transaction ID reading of launchpad-production-db for 30 minutes" },
        { kind: "fires for the other reading", series: [allocated("536870912000x40"), freeBytes("42949672960x40")], evalTime: "40m", labels: { db_instance: "launchpad-production-db" }, summary: "CloudWatch has given the recovery metrics job no free storage or used transaction ID reading of launchpad-production-db for 30 minutes" },
        { kind: "silent before for", series: [allocated("536870912000x40"), xids("1000x40")], evalTime: "20m" },
        { kind: "silent below", series: [allocated("536870912000x40"), freeBytes("42949672960x40"), xids("1000x40")], evalTime: "40m" },
        // A job that pushes nothing at all is LaunchpadPushJobAbsent's and the staleness alerts', not this one's.
        { kind: "silent when nothing is pushed", series: [OTHER], evalTime: "40m" },
    ],
    // The latest restorable time keeps pace with the clock ("0+60x..", seconds at 1-minute steps), then stalls at 10 minutes.
    LaunchpadPitrLagAboveRpo: [
        { kind: "fires", series: [{ series: 'launchpad_rds_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x10 600x50" }], evalTime: "40m", labels: { db_instance: "launchpad-production-db" }, summary: "Point-in-time recovery of launchpad-production-db lags 30m 0s behind" },
        { kind: "silent before for", series: [{ series: 'launchpad_rds_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x10 600x50" }], evalTime: "30m" },
        { kind: "silent below", series: [{ series: 'launchpad_rds_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x60" }], evalTime: "40m" },
        { kind: "fires when absent", series: [OTHER], evalTime: "30m", labels: {}, summary: "Point-in-time recovery of launchpad-production-db lags 30m 0s behind" },
    ],
    LaunchpadDrBackupLagAboveRpo: [
        { kind: "fires", series: [{ series: 'launchpad_rds_dr_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x10 600x80" }], evalTime: "60m", labels: { db_instance: "launchpad-production-db" }, summary: "The DR copy of launchpad-production-db's backups lags 50m 0s behind" },
        { kind: "silent before for", series: [{ series: 'launchpad_rds_dr_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x10 600x80" }], evalTime: "50m" },
        { kind: "silent below", series: [{ series: 'launchpad_rds_dr_latest_restorable_timestamp_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0+60x80" }], evalTime: "60m" },
        { kind: "fires when absent", series: [OTHER], evalTime: "50m", labels: {}, summary: "The DR copy of launchpad-production-db's backups lags 50m 0s behind" },
    ],
    LaunchpadBackupStale: [
        { kind: "fires", series: [{ series: 'launchpad_backup_last_success_timestamp_seconds{job="launchpad-db-backup",tier="daily",database="app"}', values: "0x320" }], evalTime: "26h25m", labels: { database: "app" }, summary: "The newest daily backup of app is 1d 2h 25m 0s old" },
        { kind: "silent before for", series: [{ series: 'launchpad_backup_last_success_timestamp_seconds{job="launchpad-db-backup",tier="daily",database="app"}', values: "0x320" }], evalTime: "26h5m" },
        { kind: "silent below", series: [{ series: 'launchpad_backup_last_success_timestamp_seconds{job="launchpad-db-backup",tier="daily",database="app"}', values: "0x320" }], evalTime: "25h" },
        { kind: "fires when absent", series: [OTHER], evalTime: "26h15m", labels: {}, summary: "The newest daily backup of the database is 1d 2h 15m 0s old" },
    ],
    LaunchpadBackupFailed: [
        { kind: "fires", series: [{ series: 'launchpad_backup_last_run_success{job="launchpad-db-backup",tier="daily",database="app"}', values: "0x10" }], evalTime: "5m", labels: { database: "app" }, summary: "The last backup run of app failed" },
        { kind: "silent before for", series: [{ series: 'launchpad_backup_last_run_success{job="launchpad-db-backup",tier="daily",database="app"}', values: "0x10" }], evalTime: "0m" },
        // A failed run, then a good one; the weekly group keeps its failure until its next day, and does not count.
        {
            kind: "silent below",
            series: [
                { series: 'launchpad_backup_last_run_success{job="launchpad-db-backup",tier="daily",database="app"}', values: "0 0 1x8" },
                { series: 'launchpad_backup_last_run_success{job="launchpad-db-backup",tier="weekly",database="app"}', values: "0x10" },
            ],
            evalTime: "5m",
        },
    ],
    LaunchpadRestoreVerifyStale: [
        { kind: "fires", series: [{ series: 'launchpad_restore_verify_last_success_timestamp_seconds{job="launchpad-db-restore-verify",database="app"}', values: "0x320" }], evalTime: "26h25m", labels: { database: "app" }, summary: "No restore check of app has passed for 1d 2h 25m 0s" },
        { kind: "silent before for", series: [{ series: 'launchpad_restore_verify_last_success_timestamp_seconds{job="launchpad-db-restore-verify",database="app"}', values: "0x320" }], evalTime: "26h5m" },
        { kind: "silent below", series: [{ series: 'launchpad_restore_verify_last_success_timestamp_seconds{job="launchpad-db-restore-verify",database="app"}', values: "0x320" }], evalTime: "25h" },
        { kind: "fires when absent", series: [OTHER], evalTime: "26h15m", labels: {}, summary: "No restore check of the database has passed for 1d 2h 15m 0s" },
    ],
    LaunchpadRestoreVerifyFailed: [
        { kind: "fires", series: [{ series: 'launchpad_restore_verify_last_run_success{job="launchpad-db-restore-verify",database="app"}', values: "0x10" }], evalTime: "5m", labels: { database: "app" }, summary: "The last restore check of app failed" },
        { kind: "silent before for", series: [{ series: 'launchpad_restore_verify_last_run_success{job="launchpad-db-restore-verify",database="app"}', values: "0x10" }], evalTime: "0m" },
        // A failed check, then a passed one.
        { kind: "silent below", series: [{ series: 'launchpad_restore_verify_last_run_success{job="launchpad-db-restore-verify",database="app"}', values: "0 0 1x8" }], evalTime: "5m" },
    ],
    LaunchpadRestoreSlowerThanRto: [
        { kind: "fires", series: [{ series: 'launchpad_restore_verify_duration_seconds{job="launchpad-db-restore-verify",database="app"}', values: "4000x10" }], evalTime: "5m", labels: { database: "app" }, summary: "Restoring app took 1h 6m 40s" },
        { kind: "silent before for", series: [{ series: 'launchpad_restore_verify_duration_seconds{job="launchpad-db-restore-verify",database="app"}', values: "4000x10" }], evalTime: "0m" },
        { kind: "silent below", series: [{ series: 'launchpad_restore_verify_duration_seconds{job="launchpad-db-restore-verify",database="app"}', values: "1200x10" }], evalTime: "5m" },
    ],
    LaunchpadRestoreDrillFailed: [
        { kind: "fires", series: [{ series: 'launchpad_restore_drill_last_run_success{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0x10" }], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "The last AWS Backup restore drill of launchpad-production-db failed" },
        { kind: "silent before for", series: [{ series: 'launchpad_restore_drill_last_run_success{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "0x10" }], evalTime: "0m" },
        { kind: "silent below", series: [{ series: 'launchpad_restore_drill_last_run_success{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "1x10" }], evalTime: "5m" },
    ],
    LaunchpadRestoreDrillSlowerThanRto: [
        { kind: "fires", series: [{ series: 'launchpad_restore_drill_duration_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "4350x10" }], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "The last AWS Backup restore drill of launchpad-production-db took 1h 12m 30s" },
        { kind: "silent before for", series: [{ series: 'launchpad_restore_drill_duration_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "4350x10" }], evalTime: "0m" },
        { kind: "silent below", series: [{ series: 'launchpad_restore_drill_duration_seconds{job="launchpad-dr-metrics",db_instance="launchpad-production-db"}', values: "2400x10" }], evalTime: "5m" },
    ],
    // In hours (STEP): the drill is due within drillDueSeconds("1h") = 32d9h = 777 h, then `for` 1 h.
    // The instance was created at 0 (dr-metrics.sh pushes its InstanceCreateTime); dr-metrics.sh pushes
    // a drill's metrics only while one finished in the last 40 days, so with none there is no series.
    LaunchpadRestoreDrillMissing: [
        { kind: "fires", series: [drInstance("0x800")], evalTime: "780h", labels: { db_instance: "launchpad-production-db" }, summary: "No AWS Backup restore drill of launchpad-production-db has finished in 32d9h" },
        { kind: "silent before for", series: [drInstance("0x800")], evalTime: "778h" },
        // A drill finished on day 15: 17.5 days later it is not missing.
        { kind: "silent below", series: [drInstance("0x800"), drillDone("_x360 1296000x440")], evalTime: "780h" },
        // The newest drill still in the lookback but older than 777 h: missing too.
        { kind: "fires just above", series: [drInstance("0x800"), drillDone("0x800")], evalTime: "779h", labels: { db_instance: "launchpad-production-db" }, summary: "No AWS Backup restore drill of launchpad-production-db has finished in 32d9h" },
        { kind: "silent just below", series: [drInstance("0x800"), drillDone("0x800")], evalTime: "777h" },
        // A stack created at hour 100 (its first push then), no drill yet: 680 h old at 780 h, none due.
        { kind: "silent for a new stack", series: [drInstance("_x100 360000x700")], evalTime: "780h" },
    ],
    LaunchpadDrRestoreDrillFailed: [
        { kind: "fires", series: [drDrill("launchpad_dr_restore_drill_last_run_success", "0x10")], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "The last DR restore drill of launchpad-production-db failed" },
        { kind: "silent before for", series: [drDrill("launchpad_dr_restore_drill_last_run_success", "0x10")], evalTime: "0m" },
        { kind: "silent below", series: [drDrill("launchpad_dr_restore_drill_last_run_success", "1x10")], evalTime: "5m" },
    ],
    // In hours (STEP), as LaunchpadRestoreDrillMissing: due within 777 h, then `for` 1 h. The age of
    // the newest success, else of the DR plan, else of the instance (created at 0).
    LaunchpadDrRestoreDrillNotSucceeded: [
        { kind: "fires", series: [drInstance("0x800")], evalTime: "780h", labels: { db_instance: "launchpad-production-db" }, summary: "No DR restore drill of launchpad-production-db has succeeded in 32d9h" },
        { kind: "silent before for", series: [drInstance("0x800")], evalTime: "778h" },
        // A DR drill succeeded on day 15: 17.5 days later all is well.
        { kind: "silent below", series: [drInstance("0x800"), drDrill("launchpad_dr_restore_drill_last_success_timestamp_seconds", "_x360 1296000x440")], evalTime: "780h" },
        // Only failed DR drills since (the last success still in the lookback, but older than 777 h): pages.
        { kind: "fires after failures", series: [drInstance("0x800"), drDrill("launchpad_dr_restore_drill_last_success_timestamp_seconds", "0x800"), drDrill("launchpad_dr_restore_drill_last_run_success", "0x800")], evalTime: "779h", labels: { db_instance: "launchpad-production-db" }, summary: "No DR restore drill of launchpad-production-db has succeeded in 32d9h" },
        // An old instance, the DR drill added at hour 400 (its plan's creation time), none run yet: not due.
        { kind: "silent for a new DR plan", series: [drInstance("0x800"), drDrill("launchpad_dr_restore_drill_plan_create_timestamp_seconds", "1440000x800")], evalTime: "780h" },
        // The same plan, still no success 777 h after it was made: pages.
        { kind: "fires for a DR plan that never succeeded", series: [drInstance("0x1200"), drDrill("launchpad_dr_restore_drill_plan_create_timestamp_seconds", "1440000x1200")], evalTime: "1180h", labels: { db_instance: "launchpad-production-db" }, summary: "No DR restore drill of launchpad-production-db has succeeded in 32d9h" },
    ],
    // dr-metrics.sh pushes each plan's count of restore jobs whose restored instance AWS Backup did
    // not delete (DeletionStatus FAILED, or DELETING a day past the window): the two summed, the DR
    // one only where the DR drill is.
    LaunchpadRestoreDrillInstanceNotDeleted: [
        { kind: "fires", series: [drDrill("launchpad_restore_drill_undeleted_instances", "1x10")], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "1 restore drill instance(s) of launchpad-production-db not deleted by AWS Backup" },
        { kind: "silent before for", series: [drDrill("launchpad_restore_drill_undeleted_instances", "1x10")], evalTime: "0m" },
        { kind: "silent below", series: [drDrill("launchpad_restore_drill_undeleted_instances", "0x10"), drDrill("launchpad_dr_restore_drill_undeleted_instances", "0x10")], evalTime: "5m" },
        // The DR drill's alone, the primary's 0 beside it (an `or` of the two would keep the 0 and stay silent).
        { kind: "fires for the DR drill", series: [drDrill("launchpad_restore_drill_undeleted_instances", "0x10"), drDrill("launchpad_dr_restore_drill_undeleted_instances", "1x10")], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "1 restore drill instance(s) of launchpad-production-db not deleted by AWS Backup" },
        { kind: "fires summed", series: [drDrill("launchpad_restore_drill_undeleted_instances", "1x10"), drDrill("launchpad_dr_restore_drill_undeleted_instances", "2x10")], evalTime: "5m", labels: { db_instance: "launchpad-production-db" }, summary: "3 restore drill instance(s) of launchpad-production-db not deleted by AWS Backup" },
        // Deleted (the job gone from the lookback, or a DELETING one that finished): resolves.
        { kind: "silent when resolved", series: [drDrill("launchpad_restore_drill_undeleted_instances", "1x3 0x7")], evalTime: "8m" },
    ],
    LaunchpadWatchdog: [
        { kind: "fires", series: [OTHER], evalTime: "1m", labels: {}, summary: "The alerting pipeline of the stack works (this alert always fires)" },
    ],
    LaunchpadTargetDown: [
        { kind: "fires", series: [{ series: 'up{job="kubernetes-pods",instance="10.0.1.7:8080"}', values: "0x20" }, { series: 'up{job="kubernetes-pods",instance="10.0.1.8:8080"}', values: "1x20" }], evalTime: "15m", labels: { job: "kubernetes-pods" }, summary: "1 target(s) of scrape job kubernetes-pods are down" },
        { kind: "silent before for", series: [{ series: 'up{job="kubernetes-pods",instance="10.0.1.7:8080"}', values: "0x20" }], evalTime: "5m" },
        { kind: "silent below", series: [{ series: 'up{job="kubernetes-pods",instance="10.0.1.7:8080"}', values: "1x20" }], evalTime: "15m" },
    ],
    // The managed scraper's four jobs (observability/scrape-config.ts). A job whose targets are all
    // down still has its up series: that is LaunchpadTargetDown's, not this one's.
    LaunchpadScrapeJobAbsent: [
        { kind: "fires", series: [SCRAPED.pods, SCRAPED.kubeStateMetrics, SCRAPED.cadvisor], evalTime: "20m", labels: { job: "pushgateway" }, summary: "Scrape job pushgateway has no target" },
        { kind: "silent before for", series: [SCRAPED.pods, SCRAPED.kubeStateMetrics, SCRAPED.cadvisor], evalTime: "10m" },
        { kind: "silent below", series: Object.values(SCRAPED), evalTime: "20m" },
        { kind: "silent with every target down", series: [SCRAPED.pods, SCRAPED.kubeStateMetrics, SCRAPED.cadvisor, { series: 'up{job="pushgateway",instance="10.0.1.9:9091"}', values: "0x30" }], evalTime: "20m" },
    ],
    LaunchpadRequestMetricAbsent: [
        { kind: "fires", series: [OTHER], evalTime: "15m", labels: { service: "api" }, summary: "No http_requests_total series of api" },
        { kind: "silent before for", series: [OTHER], evalTime: "5m" },
        { kind: "silent below", series: [api("blue", "200", "0+10x20")], evalTime: "15m" },
    ],
    LaunchpadPushJobAbsent: [
        { kind: "fires", series: ALL_PUSH_GROUPS.filter((_, i) => i !== 2), evalTime: "40m", labels: { job: "launchpad-db-restore-verify" }, summary: "The Pushgateway holds nothing of job launchpad-db-restore-verify" },
        { kind: "silent before for", series: ALL_PUSH_GROUPS.filter((_, i) => i !== 2), evalTime: "20m" },
        { kind: "silent below", series: ALL_PUSH_GROUPS, evalTime: "40m" },
    ],
    LaunchpadPushedJobRenamed: [
        // What a scrape job without honor_labels makes of the smoke runner's group.
        { kind: "fires", series: [pushed("push_time_seconds", "pushgateway", { exported_job: "launchpad-smoke-gate", service: "api", color: "blue" }, "1x20")], evalTime: "10m", labels: { exported_job: "launchpad-smoke-gate" }, summary: "Pushed job launchpad-smoke-gate arrives as exported_job: the Pushgateway scrape lacks honor_labels" },
        { kind: "silent before for", series: [pushed("push_time_seconds", "pushgateway", { exported_job: "launchpad-smoke-gate", service: "api", color: "blue" }, "1x20")], evalTime: "3m" },
        { kind: "silent below", series: ALL_PUSH_GROUPS, evalTime: "10m" },
    ],
    LaunchpadStateMetricsLabelsRenamed: [
        // kube-state-metrics read by a pod job without honor_labels: the job's own namespace and pod labels win.
        { kind: "fires", series: [{ series: 'kube_pod_labels{job="kubernetes-pods",namespace="launchpad-production",pod="kube-state-metrics-7d9f",exported_namespace="launchpad-production",exported_pod="api-blue-5c4f",label_app="api",label_color="blue"}', values: "1x20" }], evalTime: "10m", labels: { job: "kubernetes-pods" }, summary: "kube-state-metrics' namespace and pod labels arrive as exported_*: scrape job kubernetes-pods lacks honor_labels" },
        { kind: "silent before for", series: [{ series: 'kube_pod_labels{job="kubernetes-pods",namespace="launchpad-production",pod="kube-state-metrics-7d9f",exported_namespace="launchpad-production",exported_pod="api-blue-5c4f",label_app="api",label_color="blue"}', values: "1x20" }], evalTime: "3m" },
        // As the managed scraper's kube-state-metrics job (honor_labels) keeps them.
        { kind: "silent below", series: [{ series: 'kube_pod_labels{job="kube-state-metrics",namespace="launchpad-production",pod="api-blue-5c4f",label_app="api",label_color="blue"}', values: "1x20" }], evalTime: "10m" },
    ],
};

/** Alerts that fire whatever the data: no "silent" case can exist. */
const ALWAYS_FIRING = new Set(["LaunchpadWatchdog"]);

/**
 * Evaluation step per alert: 1 minute, but 5 for the day-long staleness and slow-burn scenarios (promtool
 * evaluates every rule of its rule files at every step up to the last eval_time).
 */
const STEP: Record<string, string> = { LaunchpadBackupStale: "5m", LaunchpadRestoreVerifyStale: "5m", LaunchpadSmokeGateFailed: "5m", LaunchpadErrorBudgetBurnSlow: "5m", LaunchpadRestoreDrillMissing: "1h", LaunchpadDrRestoreDrillNotSucceeded: "1h" };

interface RuleFile { groups: { name: string; interval?: string; rules: { alert?: string; record?: string }[] }[] }

/**
 * The generated rule file cut down to one alert: its group (name and interval) with that one rule,
 * exactly as the file has it. promtool's `test rules` evaluates every rule of every group at each
 * step (prometheus/prometheus cmd/promtool/unittest.go, testGroup.test: `for ts := mint; ...` calls
 * g.Eval for every group): with the one alert under
 * test, the day-long scenarios take a tenth of a second instead of about 3.5 CPU seconds each. No
 * rule reads another's result (the file has no recording rule and none reads ALERTS: checked below).
 */
function oneAlert(file: RuleFile, alert: string): RuleFile {
    const groups = file.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === alert) })).filter((g) => g.rules.length > 0);
    if (groups.length !== 1 || groups[0].rules.length !== 1) throw new Error(`${alert}: expected exactly one rule in the generated file`);
    return { groups };
}

/** A promtool unit-test file for one alert: one test group per case (its scenarios above unless given). */
function testFile(alert: AlertDefinition, rulesPath: string, cases: readonly Case[] = CASES[alert.name]): string {
    const step = STEP[alert.name] ?? "1m";
    return stringify({
        rule_files: [rulesPath],
        evaluation_interval: step,
        tests: cases.map((c) => ({
            name: `${alert.name}: ${c.kind}`,
            interval: step,
            input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
            alert_rule_test: [{
                eval_time: c.evalTime,
                alertname: alert.name,
                exp_alerts: c.labels === undefined ? [] : [{
                    exp_labels: { ...c.labels, severity: alert.severity, environment: "production" },
                    exp_annotations: { summary: c.summary, description: fill(alert.description, c.labels), runbook_url: alert.runbookUrl },
                }],
            }],
        })),
    }, { lineWidth: 0 });
}

describe("the promtool scenarios", () => {
    it("cover every alert: firing, silent below, silent before its for (when it has one)", () => {
        expect(Object.keys(CASES).sort()).toEqual([...ALERTS.keys()].sort());
        for (const [name, cases] of Object.entries(CASES)) {
            const kinds = cases.map((c) => c.kind);
            const before = ALERTS.get(name)?.for === "0m" ? [] : ["silent before for"];
            const expected = ALWAYS_FIRING.has(name) ? ["fires"] : ["fires", "silent below", ...before];
            const extra = new Set(["fires when absent", "silent when idle", "silent when stale", "fires just above", "silent just below", "silent on a short spike", "silent for a new stack", "fires after failures", "silent for a new DR plan", "fires for a DR plan that never succeeded", "silent with every target down", "fires for the DR drill", "fires summed", "silent when resolved", "silent when nothing is pushed", "fires for the other reading"]);
            expect({ name, kinds: kinds.filter((k) => !extra.has(k)).sort() }).toEqual({ name, kinds: expected.sort() });
        }
    });

    it("the MySQL rule file is the PostgreSQL one without LaunchpadTransactionIdWraparound (MaximumUsedTransactionIDs applies to PostgreSQL only, RDS User Guide rds-metrics)", () => {
        const names = (groups: typeof GROUPS) => groups.flatMap((g) => g.alerts.map((a) => a.name));
        expect(names(GROUPS).filter((n) => n === "LaunchpadTransactionIdWraparound")).toHaveLength(1);
        expect(names(MYSQL_GROUPS)).toEqual(names(GROUPS).filter((n) => n !== "LaunchpadTransactionIdWraparound"));
        expect(renderPrometheusRules(MYSQL_GROUPS, "production")).not.toContain("transaction");
    });

    it("fire on a missing metric where silence means a job stopped", () => {
        const absent = Object.entries(CASES).filter(([, cases]) => cases.some((c) => c.kind === "fires when absent")).map(([n]) => n);
        expect(absent).toEqual([...ALERTS.values()].filter((a) => a.noData === "Alerting").map((a) => a.name));
    });
});

describeWithPromtool("promtool", (bin) => {
    let dir = "";
    let rulesPath = "";
    let tested: { code: number | null; stdout: string; stderr: string } | undefined;
    beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), "launchpad-rules-"));
        rulesPath = join(dir, "rules.yml");
        const rules = renderPrometheusRules(GROUPS, "production");
        writeFileSync(rulesPath, rules);
        const file = parse(rules) as RuleFile;
        const files = [...ALERTS.values()].map((a) => {
            const own = join(dir, `${a.name}.rules.yml`);
            writeFileSync(own, stringify(oneAlert(file, a.name), { lineWidth: 0 }));
            const f = join(dir, `${a.name}.test.yml`);
            writeFileSync(f, testFile(a, own));
            return f;
        });
        // One process; one stream: promtool writes SUCCESS to stdout and failures to stderr.
        tested = await promtool("sh", ["-c", '"$0" "$@" 2>&1', bin, "test", "rules", ...files]);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("tests each alert on its own rule: the generated file has no recording rule and no rule reads ALERTS", () => {
        expect(renderPrometheusRules(GROUPS, "production")).not.toMatch(/\brecord:|\bALERTS(_FOR_STATE)?\b/);
    });

    it("check rules accepts the generated file", async () => {
        const r = await promtool(bin, ["check", "rules", rulesPath]);
        expect(r.stderr + r.stdout).toContain(`SUCCESS: ${ALERTS.size} rules found`);
        expect(r.code).toBe(0);
    });

    it.each([...ALERTS.keys()])("test rules: %s fires and stays silent as specified", (name) => {
        const out = `${tested?.stdout ?? ""}${tested?.stderr ?? ""}`;
        // promtool prints "Unit Testing:  <file>" then SUCCESS or FAILED and the differences.
        const section = out.split(/(?=Unit Testing:)/).find((s) => s.includes(`${name}.test.yml`)) ?? `no output for ${name}`;
        expect(section.trim().split("\n").slice(1).join("\n").trim()).toBe("SUCCESS");
    });
});

/**
 * The gate's series as smoke/push.ts pushes them carry its grouping labels, `service` and `color`
 * (observability/catalogue.ts SMOKE_GROUPING_LABELS), whatever the application's metric contract
 * names its own: docs/observability.md has a team on the prometheus chart set `serviceLabel: app`.
 * Grouped by the contract's names, the rule merged every service's verdicts into one series
 * without labels: a summary naming no service, and one service's old failure kept alive by
 * another's recent run.
 */
describeWithPromtool("promtool: the smoke gate alert with a metric contract of its own label names", (bin) => {
    const renamed = alertGroups(alertContext(production([
        'launchpad:observability.metrics.serviceLabel="app"',
        'launchpad:observability.metrics.colorLabel="slot"',
    ])));
    const alert = renamed.flatMap((g) => g.alerts).find((a) => a.name === "LaunchpadSmokeGateFailed");
    const gateOf = (service: string, color: string, passed: string, finishedAt: string): Series[] => [
        pushed("launchpad_smoke_gate_passed", "launchpad-smoke-gate", { service, color }, passed),
        pushed("launchpad_smoke_gate_last_run_timestamp_seconds", "launchpad-smoke-gate", { service, color }, finishedAt),
    ];

    it("fires per service and color, and a stale failure stays silent beside another service's recent pass", async () => {
        if (alert === undefined) throw new Error("no LaunchpadSmokeGateFailed");
        const dir = scratchDir("launchpad-gate-labels-");
        const rulesPath = join(dir, "rules.yml");
        writeFileSync(rulesPath, stringify(oneAlert(parse(renderPrometheusRules(renamed, "production")) as RuleFile, alert.name), { lineWidth: 0 }));
        const cases: Case[] = [
            { kind: "fires", series: gateOf("api", "green", "0x10", "0x10"), evalTime: "5m", labels: { service: "api", color: "green" }, summary: "The smoke gate of api (green) failed" },
            // In the alert's 5-minute steps (STEP): api's blue failed 26 hours ago (beyond gateVerdictMaxAge);
            // web's blue passes at every step.
            { kind: "silent when stale", series: [...gateOf("api", "blue", "0x400", "0x400"), ...gateOf("web", "blue", "1x400", "0+300x400")], evalTime: "26h" },
        ];
        const testPath = join(dir, "gate.test.yml");
        writeFileSync(testPath, testFile(alert, rulesPath, cases));
        const r = await promtool(bin, ["test", "rules", testPath]);
        expect(`${r.stdout}${r.stderr}`.trim().split("\n").slice(1).join("\n").trim()).toBe("SUCCESS");
        expect(r.code).toBe(0);
    });
});
