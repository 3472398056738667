/**
 * Every alert of a stack, defined once: name, PromQL, threshold, `for`, severity, summary,
 * description and runbook link. `prometheus-rules.ts` renders them into a Prometheus rule file
 * (checked and unit-tested by promtool), `grafana-rules.ts` into Grafana-managed rule groups.
 *
 * An alert is `<query> <op> <threshold>`: the query yields the value per series, the comparison
 * decides. Where a missing metric must alert (a backup job that stopped pushing), the query itself
 * yields a value when the metric is absent (`or on() vector(time())`: an age since the epoch), so
 * Prometheus and Grafana both fire, and Grafana's NoData state is set to Alerting besides.
 */
import type { AppMetricsConfig, LaunchpadConfig, ObservabilityConfig } from "../config";
import { databaseInstanceIdentifier } from "../components/database";
import { RTO_TARGET_MINUTES } from "../lib/retention";
import { stackIdentifier } from "../lib/stack-name";
import { cleanNumber, durationSeconds } from "./duration";

export type Severity = "page" | "ticket";

/** The same alert read from CloudWatch, for Grafana's CloudWatch data source. */
export interface CloudWatchQuery {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
    readonly statistic: "Minimum" | "Maximum" | "Sum" | "Average";
    /** Seconds per data point. */
    readonly period: number;
    /** How far back Grafana reads, seconds. */
    readonly lookback: number;
    /** How Grafana reduces the points read to one value. */
    readonly reducer: "last" | "max" | "min" | "sum";
}

export interface AlertDefinition {
    /** Alert name, PascalCase, unique in the stack. */
    readonly name: string;
    /** PromQL yielding the value per series. */
    readonly query: string;
    readonly op: ">" | "<";
    readonly threshold: number;
    /** How long the condition must hold before the alert fires (Prometheus duration). */
    readonly for: string;
    readonly severity: Severity;
    /** One line; may use `{{ $labels.x }}` and `{{ $value }}` templates. */
    readonly summary: string;
    readonly description: string;
    readonly runbookUrl: string;
    /** Grafana's state when the query returns nothing: `Alerting` where silence means something stopped. */
    readonly noData: "OK" | "Alerting";
    /** Read from CloudWatch in Grafana (the Prometheus file uses YACE's names for the same metric). */
    readonly cloudwatch?: CloudWatchQuery;
}

export interface AlertGroup {
    readonly name: string;
    /** Evaluation interval, seconds. */
    readonly intervalSeconds: number;
    readonly alerts: readonly AlertDefinition[];
}

/** What the alerts of a stack depend on. */
export interface AlertContext {
    readonly stack: string;
    readonly region: string;
    readonly observability: ObservabilityConfig;
    /** The data layer, when the stack has one (Launchpad creates EKS and the database). */
    readonly data?: {
        readonly dbInstanceIdentifier: string;
        readonly databaseName: string;
        readonly allocatedStorageGb: number;
    };
}

export function alertContext(config: LaunchpadConfig): AlertContext {
    return {
        stack: config.stack,
        region: config.region,
        observability: config.observability,
        // A data layer exists with Launchpad's EKS, or on an existing cluster with network.existing.
        data: config.cluster.mode === "eks" || config.cluster.network !== undefined
            ? {
                  dbInstanceIdentifier: databaseInstanceIdentifier(stackIdentifier(config.project, config.stack), config.database.restore),
                  databaseName: config.database.name,
                  allocatedStorageGb: config.database.allocatedStorageGb,
              }
            : undefined,
    };
}

/** Pushgateway grouping `job` labels, as scripts/db/dump.sh, verify.sh and the smoke runner push them. */
export const PUSH_JOBS = { backup: "launchpad-db-backup", verify: "launchpad-db-restore-verify", smoke: "launchpad-smoke-gate" } as const;

/** The multi-window, multi-burn-rate pairs of the SRE workbook (chapter 5) for a 30-day objective. */
export const BURN_RATES = {
    fast: [{ factor: 14.4, long: "1h", short: "5m" }, { factor: 6, long: "6h", short: "30m" }],
    slow: [{ factor: 3, long: "1d", short: "2h" }, { factor: 1, long: "3d", short: "6h" }],
} as const;

/** The rate window of the per-color error-ratio and latency alerts (and of promote's analysis, which reads the same queries). */
export const ALERT_RATE_WINDOW = "5m";

/** `service, color`: the labels the per-color queries sum by. */
export function serviceColorLabels(m: AppMetricsConfig): string {
    return `${m.serviceLabel}, ${m.colorLabel}`;
}

/** The 5xx share of requests over `window`, summed by `labels` (LaunchpadHighErrorRatio, the burn-rate alerts). */
export function errorRatioQuery(m: AppMetricsConfig, window: string, labels: string): string {
    const errors = `${m.requestsTotal}{${m.statusLabel}=~"5.."}`;
    return `sum by (${labels}) (rate(${errors}[${window}])) / sum by (${labels}) (rate(${m.requestsTotal}[${window}]))`;
}

/** The 95th percentile of request duration over `window`, per service and color (LaunchpadHighLatencyP95). */
export function latencyP95Query(m: AppMetricsConfig, window: string): string {
    return `histogram_quantile(0.95, sum by (${serviceColorLabels(m)}, le) (rate(${m.requestDurationSeconds}_bucket[${window}])))`;
}

/** The anchor GitHub gives a `## Name` heading in docs/runbooks/alerts.md. */
export function runbookAnchor(name: string): string {
    return name.toLowerCase();
}

/** Every alert group of the stack; the data group only where the stack has a database. */
export function alertGroups(ctx: AlertContext): AlertGroup[] {
    const { metrics: m, thresholds: t } = ctx.observability;
    const runbook = (name: string): string => `${ctx.observability.runbookBaseUrl}/alerts.md#${runbookAnchor(name)}`;
    const by = `${m.serviceLabel}, ${m.colorLabel}`;
    const errorRatio = (window: string, labels: string): string => errorRatioQuery(m, window, labels);
    const budget = 1 - t.sloObjective;
    const burn = (pairs: readonly { factor: number; long: string; short: string }[]): string =>
        pairs
            .map(({ factor, long, short }) => {
                const limit = cleanNumber(factor * budget);
                return `(${errorRatio(long, m.serviceLabel)} > ${limit} and ${errorRatio(short, m.serviceLabel)} > ${limit})`;
            })
            .join(" or ");
    const svc = `{{ $labels.${m.serviceLabel} }}`;
    const color = `{{ $labels.${m.colorLabel} }}`;
    const objective = `${cleanNumber(t.sloObjective * 100)}%`;

    const service: AlertDefinition[] = [
        {
            name: "LaunchpadHighErrorRatio",
            query: errorRatioQuery(m, ALERT_RATE_WINDOW, serviceColorLabels(m)),
            op: ">",
            threshold: t.errorRatio,
            for: "5m",
            severity: "page",
            summary: `${svc} (${color}): {{ $value | humanizePercentage }} of requests fail`,
            description: `More than ${cleanNumber(t.errorRatio * 100)}% of ${svc}'s requests on the ${color} release returned a 5xx status over the last 5 minutes.`,
            runbookUrl: runbook("LaunchpadHighErrorRatio"),
            noData: "OK",
        },
        {
            name: "LaunchpadHighLatencyP95",
            query: latencyP95Query(m, ALERT_RATE_WINDOW),
            op: ">",
            threshold: t.latencyP95Seconds,
            for: "10m",
            severity: "page",
            summary: `${svc} (${color}): p95 latency is {{ $value | humanizeDuration }}`,
            description: `The 95th percentile of ${svc}'s request duration on the ${color} release has been above ${t.latencyP95Seconds} s for 10 minutes.`,
            runbookUrl: runbook("LaunchpadHighLatencyP95"),
            noData: "OK",
        },
        {
            name: "LaunchpadDatabaseConnectionFailures",
            query: `sum by (${m.serviceLabel}) (increase(${m.dbConnectionErrorsTotal}[5m]))`,
            op: ">",
            threshold: 0,
            for: "5m",
            severity: "page",
            summary: `${svc} cannot reach its database ({{ $value | humanize }} failed connections in 5 minutes)`,
            description: `${svc} has counted failed database connections for 5 minutes in a row.`,
            runbookUrl: runbook("LaunchpadDatabaseConnectionFailures"),
            noData: "OK",
        },
        {
            name: "LaunchpadErrorBudgetBurnFast",
            query: burn(BURN_RATES.fast),
            op: ">",
            threshold: 0,
            for: "2m",
            severity: "page",
            summary: `${svc} is spending its ${objective} availability error budget fast`,
            description: `${svc}'s 5xx ratio burns the error budget at 14.4 times the sustainable rate over 1 h and 5 min, or 6 times over 6 h and 30 min: at this pace the ${t.sloWindow} budget is gone within days.`,
            runbookUrl: runbook("LaunchpadErrorBudgetBurnFast"),
            noData: "OK",
        },
        {
            name: "LaunchpadErrorBudgetBurnSlow",
            query: burn(BURN_RATES.slow),
            op: ">",
            threshold: 0,
            for: "15m",
            severity: "ticket",
            summary: `${svc} is spending its ${objective} availability error budget steadily`,
            description: `${svc}'s 5xx ratio burns the error budget at 3 times the sustainable rate over 1 d and 2 h, or at least the sustainable rate over 3 d and 6 h.`,
            runbookUrl: runbook("LaunchpadErrorBudgetBurnSlow"),
            noData: "OK",
        },
    ];

    const delivery: AlertDefinition[] = [
        {
            name: "LaunchpadSmokeGateFailed",
            query: `min by (${by}) (launchpad_smoke_gate_passed{job="${PUSH_JOBS.smoke}"})`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: `The smoke gate of ${svc} (${color}) failed`,
            description: `The last smoke run against ${svc}'s ${color} release did not pass: traffic stays on the other color until a new release passes.`,
            runbookUrl: runbook("LaunchpadSmokeGateFailed"),
            noData: "OK",
        },
    ];

    const groups: AlertGroup[] = [
        { name: "launchpad-service", intervalSeconds: 60, alerts: service },
        { name: "launchpad-delivery", intervalSeconds: 60, alerts: delivery },
    ];
    if (ctx.data !== undefined) {
        groups.push({ name: "launchpad-data", intervalSeconds: 60, alerts: dataAlerts(ctx, ctx.data, runbook) });
    }
    return groups;
}

function dataAlerts(ctx: AlertContext, data: NonNullable<AlertContext["data"]>, runbook: (name: string) => string): AlertDefinition[] {
    const t = ctx.observability.thresholds;
    const maxAge = durationSeconds(t.backupMaxAge);
    const freeBytes = Math.round((t.freeStoragePercent / 100) * data.allocatedStorageGb * 2 ** 30);
    const rto = durationSeconds(t.restoreMaxDuration);
    const db = data.dbInstanceIdentifier;
    return [
        {
            name: "LaunchpadDatabaseStorageLow",
            query: `min by (dimension_DBInstanceIdentifier) (aws_rds_free_storage_space_minimum{dimension_DBInstanceIdentifier="${db}"})`,
            op: "<",
            threshold: freeBytes,
            for: "15m",
            severity: "page",
            summary: `Database ${db} has {{ $value | humanize1024 }}B of storage left`,
            description: `Free storage of ${db} is below ${t.freeStoragePercent}% of its ${data.allocatedStorageGb} GiB; storage autoscaling may be at its ceiling.`,
            runbookUrl: runbook("LaunchpadDatabaseStorageLow"),
            noData: "OK",
            cloudwatch: {
                namespace: "AWS/RDS",
                metricName: "FreeStorageSpace",
                dimensions: { DBInstanceIdentifier: db },
                statistic: "Minimum",
                period: 300,
                lookback: 900,
                reducer: "last",
            },
        },
        {
            name: "LaunchpadBackupStale",
            query: `(time() - max by (database) (launchpad_backup_last_success_timestamp_seconds{job="${PUSH_JOBS.backup}", tier="daily"})) or on() vector(time())`,
            op: ">",
            threshold: maxAge,
            for: "10m",
            severity: "page",
            summary: "The newest daily backup of {{ with $labels.database }}{{ . }}{{ else }}the database{{ end }} is {{ $value | humanizeDuration }} old",
            description: `No daily logical backup has succeeded for more than ${t.backupMaxAge} (or none was ever recorded): the recovery point objective is at risk.`,
            runbookUrl: runbook("LaunchpadBackupStale"),
            noData: "Alerting",
        },
        {
            // dump.sh POSTs `last_run_success 0` to each tier of a failed run and PUTs 1 with a
            // success. Only the daily group says how the last run went: every run has a daily
            // tier, while a weekly, monthly or yearly group keeps a failure until its next day.
            name: "LaunchpadBackupFailed",
            query: `min by (database) (launchpad_backup_last_run_success{job="${PUSH_JOBS.backup}", tier="daily"})`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: "The last backup run of {{ $labels.database }} failed",
            description: `The last logical backup run of {{ $labels.database }} (dump, upload or metrics push) failed, and none has succeeded since. Point-in-time recovery still covers the recovery point; LaunchpadBackupStale pages once no backup has succeeded for ${t.backupMaxAge}.`,
            runbookUrl: runbook("LaunchpadBackupFailed"),
            noData: "OK",
        },
        {
            name: "LaunchpadRestoreVerifyStale",
            query: `(time() - max by (database) (launchpad_restore_verify_last_success_timestamp_seconds{job="${PUSH_JOBS.verify}"})) or on() vector(time())`,
            op: ">",
            threshold: maxAge,
            for: "10m",
            severity: "ticket",
            summary: "No restore check of {{ with $labels.database }}{{ . }}{{ else }}the database{{ end }} has passed for {{ $value | humanizeDuration }}",
            description: `The daily restore check of the newest dump has not passed for more than ${t.backupMaxAge}: it failed, or it did not run. An untested backup is no backup.`,
            runbookUrl: runbook("LaunchpadRestoreVerifyStale"),
            noData: "Alerting",
        },
        {
            // verify.sh POSTs `last_run_success 0` when a check fails (any phase, a signal
            // included); the report of a passed check PUTs 1.
            name: "LaunchpadRestoreVerifyFailed",
            query: `min by (database) (launchpad_restore_verify_last_run_success{job="${PUSH_JOBS.verify}"})`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: "The last restore check of {{ $labels.database }} failed",
            description: "The last restore check of the newest dump of {{ $labels.database }} failed (a dump missing, corrupt, truncated or incomplete, an SQL error, a critical table missing or empty, or the check stopped), and none has passed since. An untested backup is no backup.",
            runbookUrl: runbook("LaunchpadRestoreVerifyFailed"),
            noData: "OK",
        },
        {
            name: "LaunchpadRestoreSlowerThanRto",
            query: `max by (database) (launchpad_restore_verify_duration_seconds{job="${PUSH_JOBS.verify}"})`,
            op: ">",
            threshold: rto,
            for: "1m",
            severity: "ticket",
            summary: "Restoring {{ $labels.database }} took {{ $value | humanizeDuration }}",
            description: `The last passed restore check took longer than ${t.restoreMaxDuration}, the recovery time objective (${RTO_TARGET_MINUTES} minutes by default).`,
            runbookUrl: runbook("LaunchpadRestoreSlowerThanRto"),
            noData: "OK",
        },
        {
            name: "LaunchpadRestoreDrillFailed",
            query: `sum(aws_backup_number_of_restore_jobs_failed_sum{dimension_ResourceType="RDS"})`,
            op: ">",
            threshold: 0,
            for: "0m",
            severity: "ticket",
            summary: "An AWS Backup restore of RDS failed ({{ $value | humanize }} failed jobs)",
            description: "AWS Backup reported a failed RDS restore job: the monthly restore drill (or a manual restore) did not complete.",
            runbookUrl: runbook("LaunchpadRestoreDrillFailed"),
            noData: "OK",
            cloudwatch: {
                namespace: "AWS/Backup",
                metricName: "NumberOfRestoreJobsFailed",
                dimensions: { ResourceType: "RDS" },
                statistic: "Sum",
                period: 3600,
                lookback: 86400,
                reducer: "sum",
            },
        },
    ];
}
