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
import type { AppMetricsConfig, DbEngine, LaunchpadConfig, ObservabilityConfig } from "../config";
import { createsAmpWorkspace, hasDataLayer, scrapesContainerMetrics } from "../config/cluster";
import { longestDrillIntervalDays, RESTORE_TEST_START_WINDOW_HOURS } from "../lib/backup-schedule";
import { RPO_TARGET_MINUTES, RTO_TARGET_MINUTES } from "../lib/retention";
import { databaseInstanceIdentifier } from "../lib/stack-name";
import { BACKUP_METRICS, DR_METRICS, KSM_METRICS, PROMETHEUS_METRICS, PUSH_JOBS, PUSHGATEWAY_METRICS, SCRAPE_JOBS, SMOKE_GROUPING_LABELS, SMOKE_METRICS, VERIFY_METRICS } from "./catalogue";
import { cleanNumber, durationSeconds, durationText } from "./duration";

/**
 * `page` wakes someone, `ticket` waits for working hours; `none` is the Watchdog's alone: it always
 * fires and goes to the heartbeat contact point only (kube-prometheus gives its Watchdog `none` too).
 */
export type Severity = "page" | "ticket" | "none";

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
    /** The application's service names: each one's request metric must exist. */
    readonly services: readonly string[];
    /** The data layer, when the stack has one (Launchpad creates EKS and the database). */
    readonly data?: {
        readonly dbInstanceIdentifier: string;
        /**
         * The stack's AWS Backup vault, where the plan's backup jobs write and the drills restore
         * from: named after the plan, `backupPlanName(identifier)` = the stack identifier
         * (components/backup-plan.ts; tests/dashboards-cloudwatch.test.ts checks the two agree).
         */
        readonly backupVaultName: string;
        readonly databaseName: string;
        /** Automated backups are replicated to the DR region (the tier's `replicateBackupsToDr`): their lag is alerted too. */
        readonly drReplication: boolean;
        /** The database engine: PostgreSQL's transaction ID wraparound is alerted on postgres alone. */
        readonly engine: DbEngine;
    };
    /** cAdvisor is scraped (the managed scraper, or `cluster.provides.containerMetrics`): the CPU and memory panels. */
    readonly containerMetrics: boolean;
    /**
     * The application namespace, set where the Prometheus is shared (`observability.prometheusUrl`,
     * or any on an existing cluster: a team's server that may scrape other stacks' and teams'
     * namespaces too). Every selector then
     * also matches `namespace`, which the team's jobs attach (docs/observability.md): a staging
     * stack's failed backup never fires production's alert, nor does its fresh one hide production's
     * stale one (both push `job="launchpad-db-backup", database="app"`).
     * @default - unscoped: the stack's own AMP workspace holds its series alone
     */
    readonly namespace?: string;
    /**
     * The scrape jobs of the stack's own scraper (the AMP managed scraper, configured by
     * observability/scrape-config.ts): each must keep an `up` series (LaunchpadScrapeJobAbsent).
     * @default - none: a team's Prometheus names its jobs itself, and Launchpad does not know them
     */
    readonly scrapeJobs?: readonly string[];
}

export function alertContext(config: LaunchpadConfig): AlertContext {
    return {
        stack: config.stack,
        region: config.region,
        observability: config.observability,
        services: config.services.map((s) => s.name),
        data: hasDataLayer(config.cluster)
            ? {
                  dbInstanceIdentifier: databaseInstanceIdentifier(config.identifier, config.database.restore),
                  backupVaultName: config.identifier,
                  databaseName: config.database.name,
                  drReplication: config.safety.replicateBackupsToDr,
                  engine: config.database.engine,
              }
            : undefined,
        containerMetrics: scrapesContainerMetrics(config.cluster, config.observability.backend),
        ...alertScope(config),
        ...(createsAmpWorkspace(config.cluster, config.observability.backend) ? { scrapeJobs: Object.values(SCRAPE_JOBS) } : {}),
    };
}

/**
 * Where the queries look: nowhere in particular in the stack's own AMP workspace, else the
 * application namespace (`AlertContext.namespace`). An existing cluster has no workspace
 * (`createsAmpWorkspace`), with or without `prometheusUrl`: whatever Prometheus reads its rule file
 * (`npm run rules`) is the team's, shared.
 */
export function alertScope(config: LaunchpadConfig): Pick<AlertContext, "namespace"> {
    return createsAmpWorkspace(config.cluster, config.observability.backend) ? {} : { namespace: config.cluster.namespace };
}

/** `metric{matchers}`, the namespace matcher added where the Prometheus is shared (`AlertContext.namespace`). */
export function scopedSelector(ctx: Pick<AlertContext, "namespace">, metric: string, matchers: readonly string[] = []): string {
    const all = [...matchers, ...(ctx.namespace !== undefined ? [`namespace="${ctx.namespace}"`] : [])];
    return all.length > 0 ? `${metric}{${all.join(", ")}}` : metric;
}

/** The multi-window, multi-burn-rate pairs of the SRE workbook (chapter 5) for a 30-day objective. */
export const BURN_RATES = {
    fast: [{ factor: 14.4, long: "1h", short: "5m" }, { factor: 6, long: "6h", short: "30m" }],
    slow: [{ factor: 3, long: "1d", short: "2h" }, { factor: 1, long: "3d", short: "6h" }],
} as const;

/**
 * A day's grace beyond the schedule before a drill counts as missing: a monthly drill a few hours
 * late is still a drill; the alert is for one that is not coming.
 */
export const DRILL_GRACE_SECONDS = 86_400;

/**
 * Seconds after which no finished drill means one is missing (LaunchpadRestoreDrillMissing): the
 * longest interval between two scheduled drills (31 days from the 15th of a 31-day month), the
 * start window AWS Backup may wait (8 h), a restore as long as the RTO (a slower one alerts on its
 * own once it finishes) and `DRILL_GRACE_SECONDS`. 32d9h with the default 1 h RTO.
 */
export function drillDueSeconds(restoreMaxDuration: string): number {
    return longestDrillIntervalDays() * 86_400 + RESTORE_TEST_START_WINDOW_HOURS * 3_600 + durationSeconds(restoreMaxDuration) + DRILL_GRACE_SECONDS;
}

/**
 * Used transaction IDs (CloudWatch `MaximumUsedTransactionIDs`: `max(age(datfrozenxid))` over
 * the instance's databases, DR_METRICS.maximumUsedTransactionIds) above which LaunchpadTransactionIdWraparound pages. PostgreSQL stops assigning transaction
 * IDs when fewer than 3 million of the about 2.1 billion (2^31) remain, and warns from 40 million
 * before (PostgreSQL docs, "Routine Vacuuming", 24.1.5 Preventing Transaction ID Wraparound
 * Failures). 1 billion is 5 times `autovacuum_freeze_max_age`'s default of 200 million, where
 * autovacuum starts forcing freezes: autovacuum has then been failing for some 800 million
 * transactions, and about a billion are left, time for a manual VACUUM (FREEZE) of the largest
 * tables, which can take hours.
 */
export const TRANSACTION_ID_WRAPAROUND_THRESHOLD = 1_000_000_000;

/** The rate window of the per-color error-ratio and latency alerts (and of promote's analysis, which reads the same queries). */
export const ALERT_RATE_WINDOW = "5m";

/** `service, color`: the labels the per-color queries sum by. */
export function serviceColorLabels(m: AppMetricsConfig): string {
    return `${m.serviceLabel}, ${m.colorLabel}`;
}

/**
 * The 5xx share of requests over `window`, summed by `labels` (LaunchpadHighErrorRatio, the burn-rate
 * alerts), in the namespace of `scope` where it has one.
 */
export function errorRatioQuery(m: AppMetricsConfig, window: string, labels: string, scope: Pick<AlertContext, "namespace"> = {}): string {
    const errors = scopedSelector(scope, m.requestsTotal, [`${m.statusLabel}=~"5.."`]);
    return `sum by (${labels}) (rate(${errors}[${window}])) / sum by (${labels}) (rate(${scopedSelector(scope, m.requestsTotal)}[${window}]))`;
}

/** The 95th percentile of request duration over `window`, per service and color (LaunchpadHighLatencyP95), in the namespace of `scope` where it has one. */
export function latencyP95Query(m: AppMetricsConfig, window: string, scope: Pick<AlertContext, "namespace"> = {}): string {
    return `histogram_quantile(0.95, sum by (${serviceColorLabels(m)}, le) (rate(${scopedSelector(scope, `${m.requestDurationSeconds}_bucket`)}[${window}])))`;
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
    // A color (or, for the budget, a service) serving fewer requests than this has too few for a
    // ratio or a percentile to mean anything: an idle one's probe traffic never pages.
    const busy = (counter: string, labels = by, window = ALERT_RATE_WINDOW): string =>
        `sum by (${labels}) (rate(${scopedSelector(ctx, counter)}[${window}])) >= ${t.minRequestRate}`;
    const errorRatio = (window: string, labels: string): string => errorRatioQuery(m, window, labels, ctx);
    const budget = 1 - t.sloObjective;
    const burn = (pairs: readonly { factor: number; long: string; short: string }[]): string =>
        pairs
            .map(({ factor, long, short }) => {
                const limit = cleanNumber(factor * budget);
                return `(${errorRatio(long, m.serviceLabel)} > ${limit} and ${errorRatio(short, m.serviceLabel)} > ${limit} and ${busy(m.requestsTotal, m.serviceLabel, short)})`;
            })
            .join(" or ");
    const svc = `{{ $labels.${m.serviceLabel} }}`;
    const color = `{{ $labels.${m.colorLabel} }}`;
    const objective = `${cleanNumber(t.sloObjective * 100)}%`;

    const service: AlertDefinition[] = [
        {
            name: "LaunchpadHighErrorRatio",
            query: `(${errorRatioQuery(m, ALERT_RATE_WINDOW, serviceColorLabels(m), ctx)}) and on (${by}) (${busy(m.requestsTotal)})`,
            op: ">",
            threshold: t.errorRatio,
            for: "5m",
            severity: "page",
            summary: `${svc} (${color}): {{ $value | humanizePercentage }} of requests fail`,
            description: `More than ${cleanNumber(t.errorRatio * 100)}% of ${svc}'s requests on the ${color} release returned a 5xx status over the last 5 minutes (it serves at least ${t.minRequestRate} requests per second).`,
            runbookUrl: runbook("LaunchpadHighErrorRatio"),
            noData: "OK",
        },
        {
            name: "LaunchpadHighLatencyP95",
            query: `${latencyP95Query(m, ALERT_RATE_WINDOW, ctx)} and on (${by}) (${busy(`${m.requestDurationSeconds}_count`)})`,
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
            query: `sum by (${m.serviceLabel}) (increase(${scopedSelector(ctx, m.dbConnectionErrorsTotal)}[5m]))`,
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
            description: `${svc}'s 5xx ratio burns the error budget at 14.4 times the sustainable rate over 1 h and 5 min, or 6 times over 6 h and 30 min: at this pace the ${t.sloWindow} budget is gone within days (it serves at least ${t.minRequestRate} requests per second over the shorter window).`,
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
            description: `${svc}'s 5xx ratio burns the error budget at 3 times the sustainable rate over 1 d and 2 h, or at least the sustainable rate over 3 d and 6 h (it serves at least ${t.minRequestRate} requests per second over the shorter window).`,
            runbookUrl: runbook("LaunchpadErrorBudgetBurnSlow"),
            noData: "OK",
        },
    ];

    // The gate's series carry its push's grouping labels, not the application's metric contract's
    // (which a team's scrape may name `app`): grouped by those, another service's run or a renamed
    // label would merge every service's verdicts into one label-less series.
    const [gateService, gateColor] = SMOKE_GROUPING_LABELS;
    const gateBy = SMOKE_GROUPING_LABELS.join(", ");
    const delivery: AlertDefinition[] = [
        {
            name: "LaunchpadSmokeGateFailed",
            // Only a recent verdict counts: a color fixed by a later release, or removed, stops alerting.
            query: `min by (${gateBy}) (${scopedSelector(ctx, SMOKE_METRICS.passed, [`job="${PUSH_JOBS.smoke}"`])} and on (${gateBy}) (time() - ${scopedSelector(ctx, SMOKE_METRICS.lastRunTimestamp, [`job="${PUSH_JOBS.smoke}"`])} < ${durationSeconds(t.gateVerdictMaxAge)}))`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: `The smoke gate of {{ $labels.${gateService} }} ({{ $labels.${gateColor} }}) failed`,
            description: `The last smoke run against {{ $labels.${gateService} }}'s {{ $labels.${gateColor} }} release, less than ${t.gateVerdictMaxAge} ago, did not pass: traffic stays on the other color until a new release passes.`,
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
    groups.push({ name: "launchpad-meta", intervalSeconds: 60, alerts: metaAlerts(ctx, runbook) });
    return groups;
}

/** The push jobs the stack runs: the smoke gate always; the backup, the restore check and the DR metrics with a database. */
export function pushJobs(ctx: AlertContext): string[] {
    return ctx.data !== undefined ? [PUSH_JOBS.smoke, PUSH_JOBS.backup, PUSH_JOBS.verify, PUSH_JOBS.dr] : [PUSH_JOBS.smoke];
}

/**
 * Who watches the watchers, after kube-prometheus's `general.rules` (prometheus-operator/kube-prometheus,
 * jsonnet/kube-prometheus/components/mixin/alerts/general.libsonnet): `TargetDown` per scrape job and
 * a `Watchdog` on `vector(1)` that always fires, so a heartbeat receiver notices when alerts stop
 * arriving. Besides, `absent()` of each service's request metric and of each push job's group, and
 * checks that the pushed `job` label and kube-state-metrics' `namespace` and `pod` labels survived
 * the scrape (`honor_labels`).
 */
function metaAlerts(ctx: AlertContext, runbook: (name: string) => string): AlertDefinition[] {
    const m = ctx.observability.metrics;
    const absentEach = (selectors: readonly string[]): string => selectors.map((s) => `absent(${s})`).join(" or ");
    const jobs = pushJobs(ctx);
    const svc = `{{ $labels.${m.serviceLabel} }}`;
    return [
        {
            name: "LaunchpadWatchdog",
            query: "vector(1)",
            op: ">",
            threshold: 0,
            for: "0m",
            severity: "none",
            summary: "The alerting pipeline of the stack works (this alert always fires)",
            description: "Always firing, to the heartbeat contact point only: when the heartbeat service stops receiving it, Prometheus, Grafana or the notification path is down.",
            runbookUrl: runbook("LaunchpadWatchdog"),
            noData: "OK",
        },
        {
            name: "LaunchpadTargetDown",
            query: `count by (job) (${scopedSelector(ctx, PROMETHEUS_METRICS.up)} == 0)`,
            op: ">",
            threshold: 0,
            for: "10m",
            severity: "ticket",
            summary: "{{ $value }} target(s) of scrape job {{ $labels.job }} are down",
            description: "Prometheus cannot scrape one or more targets of job {{ $labels.job }}: the alerts that read their metrics see nothing and stay silent.",
            runbookUrl: runbook("LaunchpadTargetDown"),
            noData: "OK",
        },
        // TargetDown counts the `up == 0` series: a job with no `up` series at all (no target
        // discovered: the exporter's pods or Service gone, the scraper unable to list them; or a
        // scraper that records no `up`, which AWS's documentation neither promises nor rules out)
        // leaves it empty and silent. kubernetes-mixin's absent alerts (alerts/absent_alerts.libsonnet:
        // "has disappeared from Prometheus target discovery", 15m) watch for that. Only where the
        // stack's own scraper names the jobs.
        ...(ctx.scrapeJobs !== undefined && ctx.scrapeJobs.length > 0
            ? [{
                  name: "LaunchpadScrapeJobAbsent",
                  query: absentEach(ctx.scrapeJobs.map((j) => scopedSelector(ctx, PROMETHEUS_METRICS.up, [`job="${j}"`]))),
                  op: ">",
                  threshold: 0,
                  for: "15m",
                  severity: "ticket",
                  summary: "Scrape job {{ $labels.job }} has no target",
                  description: "The stack's scraper has recorded no up series of job {{ $labels.job }} for 15 minutes: it discovers no target there (the exporter's pods or Service are gone, or the scraper cannot list them), or it records no up series at all. LaunchpadTargetDown, which counts the targets whose up is 0, cannot see either, and the alerts and panels on that job's metrics read nothing.",
                  runbookUrl: runbook("LaunchpadScrapeJobAbsent"),
                  noData: "OK",
              } satisfies AlertDefinition]
            : []),
        {
            // absent() carries the selector's equality labels: one series per missing service.
            name: "LaunchpadRequestMetricAbsent",
            query: absentEach(ctx.services.map((s) => scopedSelector(ctx, m.requestsTotal, [`${m.serviceLabel}="${s}"`]))),
            op: ">",
            threshold: 0,
            for: "10m",
            severity: "page",
            summary: `No ${m.requestsTotal} series of ${svc}`,
            description: `Prometheus holds no ${m.requestsTotal} series of ${svc}: its error, latency and budget alerts are blind.`,
            runbookUrl: runbook("LaunchpadRequestMetricAbsent"),
            noData: "OK",
        },
        {
            name: "LaunchpadPushJobAbsent",
            query: absentEach(jobs.map((j) => scopedSelector(ctx, PUSHGATEWAY_METRICS.pushTime, [`job="${j}"`]))),
            op: ">",
            threshold: 0,
            for: "30m",
            severity: "ticket",
            summary: "The Pushgateway holds nothing of job {{ $labels.job }}",
            description: "No group of push job {{ $labels.job }} is in the Pushgateway (never pushed, or lost on a restart without persistence): the alerts on its results see nothing.",
            runbookUrl: runbook("LaunchpadPushJobAbsent"),
            noData: "OK",
        },
        {
            // A scrape job without honor_labels keeps its own `job` and renames the pushed one.
            name: "LaunchpadPushedJobRenamed",
            query: `count by (exported_job) (${scopedSelector(ctx, PUSHGATEWAY_METRICS.pushTime, [`exported_job=~"${jobs.join("|")}"`])})`,
            op: ">",
            threshold: 0,
            for: "5m",
            severity: "ticket",
            summary: "Pushed job {{ $labels.exported_job }} arrives as exported_job: the Pushgateway scrape lacks honor_labels",
            description: "The scrape job of the Pushgateway renames the pushed job label to exported_job, so every push alert misses it: set `honor_labels: true` on that scrape job.",
            runbookUrl: runbook("LaunchpadPushedJobRenamed"),
            noData: "OK",
        },
        {
            // Likewise for kube-state-metrics, whose series name the namespace and pod they describe:
            // a job attaching its own target labels of those names moves them to exported_*.
            name: "LaunchpadStateMetricsLabelsRenamed",
            // Shared, the renamed namespace is the stack's (kube-state-metrics watches it alone).
            query: ctx.namespace !== undefined
                ? `count by (job) (${KSM_METRICS.podLabels}{exported_namespace="${ctx.namespace}"} or ${KSM_METRICS.podLabels}{namespace="${ctx.namespace}", exported_pod!=""})`
                : `count by (job) (${KSM_METRICS.podLabels}{exported_namespace!=""} or ${KSM_METRICS.podLabels}{exported_pod!=""})`,
            op: ">",
            threshold: 0,
            for: "5m",
            severity: "ticket",
            summary: "kube-state-metrics' namespace and pod labels arrive as exported_*: scrape job {{ $labels.job }} lacks honor_labels",
            description: "The scrape job {{ $labels.job }} attaches its own namespace or pod label to kube-state-metrics' series and renames theirs to exported_namespace or exported_pod, so the CPU and memory panels cannot join a container to its color: set `honor_labels: true` on that scrape job.",
            runbookUrl: runbook("LaunchpadStateMetricsLabelsRenamed"),
            noData: "OK",
        },
    ];
}

function dataAlerts(ctx: AlertContext, data: NonNullable<AlertContext["data"]>, runbook: (name: string) => string): AlertDefinition[] {
    const t = ctx.observability.thresholds;
    const maxAge = durationSeconds(t.backupMaxAge);
    const rto = durationSeconds(t.restoreMaxDuration);
    const rpo = durationSeconds(t.rpoTarget);
    const db = data.dbInstanceIdentifier;
    const backup = (metric: string, tier?: string) => scopedSelector(ctx, metric, [`job="${PUSH_JOBS.backup}"`, ...(tier !== undefined ? [`tier="${tier}"`] : [])]);
    const verify = (metric: string) => scopedSelector(ctx, metric, [`job="${PUSH_JOBS.verify}"`]);
    const dr = (metric: string) => scopedSelector(ctx, metric, [`job="${PUSH_JOBS.dr}"`, `db_instance="${db}"`]);
    const rpoText = `${t.rpoTarget}, the recovery point objective (${RPO_TARGET_MINUTES} minutes by default)`;
    const rtoText = `${t.restoreMaxDuration}, the recovery time objective (${RTO_TARGET_MINUTES} minutes by default)`;
    const due = drillDueSeconds(t.restoreMaxDuration);
    const alerts: AlertDefinition[] = [
        {
            // In percent of what is allocated now (scripts/db/dr-metrics.sh reads both): after
            // storage autoscaling the threshold grows with the disk instead of staying at the
            // initial size's bytes.
            name: "LaunchpadDatabaseStorageLow",
            query: `min by (db_instance) (${dr(DR_METRICS.freeStorage)} / ${dr(DR_METRICS.allocatedStorage)}) * 100`,
            op: "<",
            threshold: t.freeStoragePercent,
            for: "15m",
            severity: "page",
            summary: `Database ${db} has {{ $value | humanize }}% of its allocated storage free`,
            description: `Free storage of ${db} is below ${t.freeStoragePercent}% of its currently allocated storage; storage autoscaling may be at its ceiling (max allocated storage).`,
            runbookUrl: runbook("LaunchpadDatabaseStorageLow"),
            noData: "OK",
        },
        ...(data.engine === "postgres"
            ? [{
                  // dr-metrics.sh pushes CloudWatch's MaximumUsedTransactionIDs for PostgreSQL only
                  // (RDS publishes it for that engine alone). Paged like free storage: both end with
                  // the database refusing writes, and the cure (a VACUUM (FREEZE)) takes hours.
                  name: "LaunchpadTransactionIdWraparound",
                  query: `max by (db_instance) (${dr(DR_METRICS.maximumUsedTransactionIds)})`,
                  op: ">",
                  threshold: TRANSACTION_ID_WRAPAROUND_THRESHOLD,
                  for: "15m",
                  severity: "page",
                  summary: `Database ${db} has used {{ $value | humanize }} transaction IDs since its oldest unfrozen one`,
                  description: `The oldest unfrozen transaction ID of ${db} is more than ${cleanNumber(TRANSACTION_ID_WRAPAROUND_THRESHOLD / 1e6)} million transactions old (CloudWatch MaximumUsedTransactionIDs), 5 times autovacuum_freeze_max_age's default: autovacuum is not freezing. PostgreSQL stops assigning transaction IDs, refusing every write, when fewer than 3 million of about 2.1 billion remain.`,
                  runbookUrl: runbook("LaunchpadTransactionIdWraparound"),
                  noData: "OK",
              } satisfies AlertDefinition]
            : []),
        {
            // dr-metrics.sh pushes a CloudWatch reading only when CloudWatch has a point of the last 15
            // minutes, and each push replaces its whole group (a PUT): without a point the reading is
            // gone rather than stale, and the page above (and the wraparound one) read that as no data,
            // OK. AllocatedStorage comes from DescribeDBInstances and is in every push: its presence
            // without the reading is the silence.
            name: "LaunchpadDatabaseCloudWatchSilent",
            query: cloudWatchSilentQuery(dr, data.engine === "postgres"),
            op: ">",
            threshold: 0,
            for: "30m",
            severity: "ticket",
            summary: `CloudWatch has given the recovery metrics job no ${data.engine === "postgres" ? "free storage or used transaction ID" : "free storage"} reading of ${db} for 30 minutes`,
            description: `The recovery metrics job runs, but CloudWatch had no ${data.engine === "postgres" ? "FreeStorageSpace or MaximumUsedTransactionIDs" : "FreeStorageSpace"} point of ${db} in the last 15 minutes (the job says so on stderr): LaunchpadDatabaseStorageLow${data.engine === "postgres" ? " and LaunchpadTransactionIdWraparound" : ""} cannot fire while it lasts.`,
            runbookUrl: runbook("LaunchpadDatabaseCloudWatchSilent"),
            noData: "OK",
        },
        {
            // The latest restorable time trails the present by about five minutes (RDS uploads the
            // transaction logs every five minutes); a silent pusher grows the lag too.
            name: "LaunchpadPitrLagAboveRpo",
            query: `(time() - max by (db_instance) (${dr(DR_METRICS.latestRestorable)})) or on() vector(time())`,
            op: ">",
            threshold: rpo,
            for: "10m",
            severity: "page",
            summary: `Point-in-time recovery of ${db} lags {{ $value | humanizeDuration }} behind`,
            description: `The latest restorable time of ${db} is older than ${rpoText}, or it was never recorded: a restore now would lose more than that.`,
            runbookUrl: runbook("LaunchpadPitrLagAboveRpo"),
            noData: "Alerting",
        },
        ...(data.drReplication
            ? [{
                  name: "LaunchpadDrBackupLagAboveRpo",
                  query: `(time() - max by (db_instance) (${dr(DR_METRICS.drLatestRestorable)})) or on() vector(time())`,
                  op: ">",
                  threshold: rpo,
                  for: "30m",
                  severity: "ticket",
                  summary: `The DR copy of ${db}'s backups lags {{ $value | humanizeDuration }} behind`,
                  description: `The latest restorable time of ${db}'s automated backups replicated to the DR region is older than ${rpoText}, or it was never recorded: a restore after losing the region would lose more than that.`,
                  runbookUrl: runbook("LaunchpadDrBackupLagAboveRpo"),
                  noData: "Alerting",
              } satisfies AlertDefinition]
            : []),
        {
            name: "LaunchpadBackupStale",
            query: `(time() - max by (database) (${backup(BACKUP_METRICS.lastSuccessTimestamp, "daily")})) or on() vector(time())`,
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
            query: `min by (database) (${backup(BACKUP_METRICS.lastRunSuccess, "daily")})`,
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
            query: `(time() - max by (database) (${verify(VERIFY_METRICS.lastSuccessTimestamp)})) or on() vector(time())`,
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
            query: `min by (database) (${verify(VERIFY_METRICS.lastRunSuccess)})`,
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
            query: `max by (database) (${verify(VERIFY_METRICS.duration)})`,
            op: ">",
            threshold: rto,
            for: "1m",
            severity: "ticket",
            summary: "Restoring {{ $labels.database }} took {{ $value | humanizeDuration }}",
            description: `The last passed restore check took longer than ${rtoText}.`,
            runbookUrl: runbook("LaunchpadRestoreSlowerThanRto"),
            noData: "OK",
        },
        {
            // AWS Backup's own record of the monthly drill (ListRestoreJobs of the restore testing
            // plan), read by scripts/db/dr-metrics.sh: the restore job's status and the validation
            // scripts/db/drill-check.sh put on it.
            name: "LaunchpadRestoreDrillFailed",
            query: `min by (db_instance) (${dr(DR_METRICS.drillLastRunSuccess)})`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: `The last AWS Backup restore drill of ${db} failed`,
            description: `The newest finished restore job of ${db}'s restore testing plan ended FAILED or ABORTED, or completed but failed its validation (the drill check found the restored data missing or unreachable, or never checked it): the monthly drill did not prove the database restores.`,
            runbookUrl: runbook("LaunchpadRestoreDrillFailed"),
            noData: "OK",
        },
        {
            name: "LaunchpadRestoreDrillSlowerThanRto",
            query: `max by (db_instance) (${dr(DR_METRICS.drillDuration)})`,
            op: ">",
            threshold: rto,
            for: "1m",
            severity: "ticket",
            summary: `The last AWS Backup restore drill of ${db} took {{ $value | humanizeDuration }}`,
            description: `The newest completed restore job of ${db}'s restore testing plan took longer than ${rtoText}: restoring the whole instance after a loss would too.`,
            runbookUrl: runbook("LaunchpadRestoreDrillSlowerThanRto"),
            noData: "OK",
        },
        {
            // dr-metrics.sh pushes the drill's metrics only while a drill finished in its lookback
            // (40 days): a drill that stops happening (plan deleted, selection empty, IAM broken)
            // would take the two alerts above silent with it. The value is the newest drill's age,
            // or, with none, the instance's: a new stack is not alerted before a drill was due. The
            // instance's InstanceCreateTime, not the plan's CreationTime: DescribeDBInstances is
            // called anyway, while GetRestoreTestingPlan takes the plan's name, needs a permission
            // the job's role lacks, and fails when the plan is deleted, a case this alert is for.
            // A silent dr-metrics.sh is LaunchpadPitrLagAboveRpo's and LaunchpadPushJobAbsent's:
            // with no data at all this one is quiet.
            name: "LaunchpadRestoreDrillMissing",
            query: `(time() - max by (db_instance) (${dr(DR_METRICS.drillLastCompletionTimestamp)})) or (time() - max by (db_instance) (${dr(DR_METRICS.instanceCreateTimestamp)}))`,
            op: ">",
            threshold: due,
            for: "1h",
            severity: "ticket",
            summary: `No AWS Backup restore drill of ${db} has finished in ${durationText(due)}`,
            description: `No restore job of ${db}'s restore testing plan has finished (completed, failed or aborted) in ${durationText(due)}, the longest interval between two monthly drills plus their start window, the RTO and a day's grace, and the instance is older than that: the monthly drill is not happening, and nothing proves the backups restore.`,
            runbookUrl: runbook("LaunchpadRestoreDrillMissing"),
            noData: "OK",
        },
        {
            // The DR drill (components/backup-plan.ts): AWS Backup's restore job of the DR vault's
            // copy in the DR region, read by dr-metrics.sh there. Nothing validates its data.
            name: "LaunchpadDrRestoreDrillFailed",
            query: `min by (db_instance) (${dr(DR_METRICS.drDrillLastRunSuccess)})`,
            op: "<",
            threshold: 1,
            for: "1m",
            severity: "ticket",
            summary: `The last DR restore drill of ${db} failed`,
            description: `The newest finished restore job of ${db}'s DR restore testing plan, which restores the DR vault's copy in the DR region, ended FAILED or ABORTED: the copies a region failure would restore from did not restore.`,
            runbookUrl: runbook("LaunchpadDrRestoreDrillFailed"),
            noData: "OK",
        },
        {
            // Pages: past this, the DR copies have gone a whole drill interval and more unproven, and a
            // region failure would be their first restore. The age of the newest success, else of
            // the DR plan (ListRestoreTestingPlans: a drill added to an old stack is not due before
            // its first run), else of the instance (the plan deleted, or its listing absent).
            name: "LaunchpadDrRestoreDrillNotSucceeded",
            query: `(time() - max by (db_instance) (${dr(DR_METRICS.drDrillLastSuccessTimestamp)})) or (time() - max by (db_instance) (${dr(DR_METRICS.drDrillPlanCreateTimestamp)})) or (time() - max by (db_instance) (${dr(DR_METRICS.instanceCreateTimestamp)}))`,
            op: ">",
            threshold: due,
            for: "1h",
            severity: "page",
            summary: `No DR restore drill of ${db} has succeeded in ${durationText(due)}`,
            description: `No restore job of ${db}'s DR restore testing plan has completed in ${durationText(due)}, the longest interval between two monthly drills plus their start window, the RTO and a day's grace: nothing proves the DR vault's copies decrypt and restore in the DR region, which a region failure depends on.`,
            runbookUrl: runbook("LaunchpadDrRestoreDrillNotSucceeded"),
            noData: "OK",
        },
        {
            // Both drills' restore jobs whose restored instance AWS Backup failed to delete
            // (DeletionStatus FAILED, or DELETING a day past the validation window: dr-metrics.sh),
            // summed; the DR plan's count exists only where the DR drill does, hence the `or`s.
            // A ticket: nothing is lost, but a full copy of production's data runs, billed, outside
            // every retention rule, until someone deletes it. It stays while the job is in
            // dr-metrics.sh's lookback (40 days): AWS Backup is not documented to update the
            // job's DeletionStatus after a manual deletion (the runbook says to silence it).
            name: "LaunchpadRestoreDrillInstanceNotDeleted",
            query: `(sum by (db_instance) (${dr(DR_METRICS.drillUndeletedInstances)}) + sum by (db_instance) (${dr(DR_METRICS.drDrillUndeletedInstances)})) or sum by (db_instance) (${dr(DR_METRICS.drillUndeletedInstances)}) or sum by (db_instance) (${dr(DR_METRICS.drDrillUndeletedInstances)})`,
            op: ">",
            threshold: 0,
            for: "1m",
            severity: "ticket",
            summary: `{{ $value }} restore drill instance(s) of ${db} not deleted by AWS Backup`,
            description: `AWS Backup failed to delete the instance a restore drill of ${db} restored (the restore job's DeletionStatus FAILED, or still DELETING a day after the validation window) and it still exists: a full copy of ${db}'s data is running, billed, in the database's subnets or the DR drill's network, outside every retention rule.`,
            runbookUrl: runbook("LaunchpadRestoreDrillInstanceNotDeleted"),
            noData: "OK",
        },
    ];
    return alerts;
}

/**
 * The database's instances whose recovery metrics push carries its DescribeDBInstances reading
 * (allocated storage) but not a CloudWatch one it needs (free storage; used transaction IDs on PostgreSQL).
 */
export function cloudWatchSilentQuery(dr: (metric: string) => string, postgres: boolean): string {
    const pushed = `count by (db_instance) (${dr(DR_METRICS.allocatedStorage)})`;
    const readings = [DR_METRICS.freeStorage, ...(postgres ? [DR_METRICS.maximumUsedTransactionIds] : [])];
    return readings.map((m) => `(${pushed} unless on (db_instance) ${dr(m)})`).join(" or ");
}
