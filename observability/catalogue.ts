/**
 * The producer catalogue: every metric an alert or a dashboard reads, who produces it and with
 * which labels. The one place a metric name is spelled: the alerts, the dashboards and the smoke
 * gate's push code read the names from here, and tests check that
 * - every metric in every rule and panel (parsed with lezer-promql) is in this catalogue, and its
 *   producer is deployed in that stack's path (`deployedProducers`);
 * - the shell pushers of scripts/db/ push exactly the names listed for them (a test greps them).
 *
 * Its only runtime import is the constants of lib/delivery: the smoke runner's bundle includes it.
 */
import type { AppMetricsConfig } from "../config";
import { ROLE_LABEL, SELECTOR_LABELS } from "../lib/delivery";

/**
 * Seconds between two samples of every series: the scrape interval of the stack's scrape
 * configuration (observability/scrape-config.ts). A query over these series needs a range of at
 * least two of them, since rate() and irate() need two samples.
 */
export const SCRAPE_INTERVAL_SECONDS = 30;

/** kube-state-metrics exposes a Kubernetes label as `label_<name>`, non-alphanumerics as `_`. */
export function ksmLabel(name: string): string {
    return `label_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Who produces a metric. */
export type Producer =
    /** The application, per the metric contract of `observability.metrics`, scraped from its pods. */
    | "app"
    /** kube-state-metrics, the pinned chart of components/observability.ts. */
    | "kube-state-metrics"
    /** The kubelets' cAdvisor: the managed scraper's `kubernetes-cadvisor` job, or the team's Prometheus (declared in `cluster.provides.containerMetrics`). */
    | "cadvisor"
    /** The smoke gate runner (smoke/push.ts), through the Pushgateway. */
    | "smoke-gate"
    /** The performance runner (loadtest/push.ts), through the Pushgateway: an operator's `npm run loadtest`, not part of a stack. */
    | "loadtest"
    /** scripts/db/dump.sh, through the Pushgateway. */
    | "db-backup"
    /** scripts/db/verify.sh, through the Pushgateway. */
    | "db-restore-verify"
    /** scripts/db/dr-metrics.sh (RDS, CloudWatch and AWS Backup read with the AWS CLI), through the Pushgateway. */
    | "dr-metrics"
    /** The Pushgateway itself: its per-group gauges. */
    | "pushgateway"
    /** Prometheus itself: the synthetic series of every scrape. */
    | "prometheus";

/** Pushgateway grouping `job` labels, one per pusher. */
export const PUSH_JOBS = {
    backup: "launchpad-db-backup",
    verify: "launchpad-db-restore-verify",
    smoke: "launchpad-smoke-gate",
    dr: "launchpad-dr-metrics",
} as const;

/**
 * The scrape jobs of the stack's own scraper configuration (observability/scrape-config.ts, the AMP
 * managed scraper's): the `job` label of every series it scrapes and of their `up`. A team's
 * Prometheus names its jobs itself.
 */
export const SCRAPE_JOBS = {
    pods: "kubernetes-pods",
    kubeStateMetrics: "kube-state-metrics",
    pushgateway: "pushgateway",
    cadvisor: "kubernetes-cadvisor",
} as const;

/** The pusher behind each push job. */
export const PUSH_JOB_PRODUCERS: Readonly<Record<keyof typeof PUSH_JOBS, Producer>> = {
    backup: "db-backup",
    verify: "db-restore-verify",
    smoke: "smoke-gate",
    dr: "dr-metrics",
};

/**
 * The labels of smoke/push.ts's grouping key (`/job/<job>/service/<service>/color/<color>`), on
 * every pushed gate metric: these names, whatever the application's metric contract calls its own
 * service and color labels (`observability.metrics.serviceLabel`, `colorLabel`).
 */
export const SMOKE_GROUPING_LABELS = ["service", "color"] as const;

/** smoke/push.ts: grouping labels {@link SMOKE_GROUPING_LABELS}. */
export const SMOKE_METRICS = {
    /** Unix time in seconds at which the run finished. */
    lastRunTimestamp: "launchpad_smoke_gate_last_run_timestamp_seconds",
    /** 1 when the verdict is "pass", else 0. */
    passed: "launchpad_smoke_gate_passed",
    /** The smoke phase's latency percentiles, label `quantile` = "0.5", "0.95", "0.99". */
    latency: "launchpad_smoke_gate_latency_seconds",
    /** The smoke phase's failed / measured requests. */
    errorRatio: "launchpad_smoke_gate_error_ratio",
    /** The smoke phase's measured requests in this run. */
    requestsTotal: "launchpad_smoke_gate_requests_total",
} as const;

/**
 * The Pushgateway job of the performance runner (loadtest/push.ts). Not in PUSH_JOBS: those are the
 * stack's own pushers, which the alerts expect to hear from; a performance run is an operator's.
 */
export const LOADTEST_PUSH_JOB = "launchpad-loadtest";

/** loadtest/push.ts: grouping labels `service`, `color`, `scenario`. Read by no rule or panel yet. */
export const LOADTEST_METRICS = {
    /** Unix time in seconds at which the run finished. */
    lastRunTimestamp: "launchpad_loadtest_last_run_timestamp_seconds",
    /** 1 when the verdict is "pass", else 0. */
    passed: "launchpad_loadtest_passed",
    /** The whole run's latency percentiles, label `quantile` = "0.5", "0.95", "0.99". */
    latency: "launchpad_loadtest_latency_seconds",
    /** The whole run's failed / sent requests. */
    errorRatio: "launchpad_loadtest_error_ratio",
    /** Requests sent in the run. */
    requestsTotal: "launchpad_loadtest_requests_total",
    /** Users of the first stage that broke a threshold; NaN when none did. */
    breakingPointUsers: "launchpad_loadtest_breaking_point_users",
    /** Spike: seconds until the thresholds held again; NaN for other scenarios or when it never did. */
    recoverySeconds: "launchpad_loadtest_recovery_seconds",
    /** Spike: failed over sent requests in the spike's stages; NaN for other scenarios. */
    spikeErrorRatio: "launchpad_loadtest_spike_error_ratio",
} as const;

/** scripts/db/dump.sh: grouping labels `database`, `tier`. */
export const BACKUP_METRICS = {
    lastSuccessTimestamp: "launchpad_backup_last_success_timestamp_seconds",
    duration: "launchpad_backup_duration_seconds",
    size: "launchpad_backup_size_bytes",
    lastRunSuccess: "launchpad_backup_last_run_success",
    lastFailureTimestamp: "launchpad_backup_last_failure_timestamp_seconds",
} as const;

/** scripts/db/verify.sh: grouping label `database`. */
export const VERIFY_METRICS = {
    lastSuccessTimestamp: "launchpad_restore_verify_last_success_timestamp_seconds",
    duration: "launchpad_restore_verify_duration_seconds",
    lastRunSuccess: "launchpad_restore_verify_last_run_success",
    lastFailureTimestamp: "launchpad_restore_verify_last_failure_timestamp_seconds",
} as const;

/** scripts/db/dr-metrics.sh: grouping label `db_instance`. */
export const DR_METRICS = {
    /** DescribeDBInstances `LatestRestorableTime`: the point-in-time recovery lag is `time()` minus this. */
    latestRestorable: "launchpad_rds_latest_restorable_timestamp_seconds",
    /** The DR region's replicated automated backups, `RestoreWindow.LatestTime`: the DR lag is `time()` minus this. */
    drLatestRestorable: "launchpad_rds_dr_latest_restorable_timestamp_seconds",
    /** DescribeDBInstances `AllocatedStorage` (GiB) in bytes: what is allocated now, after any autoscaling. */
    allocatedStorage: "launchpad_rds_allocated_storage_bytes",
    /**
     * DescribeDBInstances `InstanceCreateTime`: the drill-missing alert's reference, since before the
     * instance (and its first snapshot) existed no drill of it was due.
     */
    instanceCreateTimestamp: "launchpad_rds_instance_create_timestamp_seconds",
    /** CloudWatch AWS/RDS `FreeStorageSpace`, the newest 5-minute Minimum. */
    freeStorage: "launchpad_rds_free_storage_bytes",
    /**
     * CloudWatch AWS/RDS `MaximumUsedTransactionIDs` ("The maximum transaction IDs that have been
     * used. Applies to: PostgreSQL", Amazon RDS User Guide, rds-metrics; RDS's agent reads
     * `SELECT max(age(datfrozenxid)) FROM pg_database`, per the AWS Database Blog's "Implement an
     * Early Warning System for Transaction ID Wraparound in Amazon RDS for PostgreSQL"), the newest
     * 5-minute Maximum: PostgreSQL instances only (the transaction ID wraparound alert).
     */
    maximumUsedTransactionIds: "launchpad_rds_maximum_used_transaction_ids",
    /**
     * The newest finished restore job of the restore testing plan (the monthly drill): 1 COMPLETED and
     * validated SUCCESSFUL by scripts/db/drill-check.sh; 0 FAILED or ABORTED, or COMPLETED with its
     * validation FAILED, TIMED_OUT or missing after the validation window.
     */
    drillLastRunSuccess: "launchpad_restore_drill_last_run_success",
    /** That job's `CompletionDate` minus `CreationDate`. */
    drillDuration: "launchpad_restore_drill_duration_seconds",
    /** That job's `CompletionDate`. */
    drillLastCompletionTimestamp: "launchpad_restore_drill_last_completion_timestamp_seconds",
    /**
     * The restore jobs of the restore testing plan created in the lookback (40 days) whose restored
     * instance AWS Backup did not delete: `DeletionStatus` FAILED, or DELETING more than a day after
     * the validation window (botocore backup 2018-11-15 RestoreJobsListMember, RestoreDeletionStatus
     * DELETING | FAILED | SUCCESSFUL). 0 when none: a copy of the database left running.
     */
    drillUndeletedInstances: "launchpad_restore_drill_undeleted_instances",
    /**
     * The DR drill's restore testing plan's `CreationTime` (ListRestoreTestingPlans in the DR region),
     * while the plan exists: before it no DR drill was due.
     */
    drDrillPlanCreateTimestamp: "launchpad_dr_restore_drill_plan_create_timestamp_seconds",
    /**
     * The newest finished restore job of the DR drill (the DR vault's copy restored in the DR region,
     * components/backup-plan.ts): 1 COMPLETED, 0 FAILED or ABORTED. Nothing validates its data.
     */
    drDrillLastRunSuccess: "launchpad_dr_restore_drill_last_run_success",
    /** That job's `CompletionDate`. */
    drDrillLastCompletionTimestamp: "launchpad_dr_restore_drill_last_completion_timestamp_seconds",
    /** That job's `CompletionDate` minus `CreationDate`, when it completed: a restore in the DR region takes this long. */
    drDrillDuration: "launchpad_dr_restore_drill_duration_seconds",
    /** The `CompletionDate` of the newest COMPLETED DR drill job in the lookback (40 days). */
    drDrillLastSuccessTimestamp: "launchpad_dr_restore_drill_last_success_timestamp_seconds",
    /** As `drillUndeletedInstances`, for the DR drill's plan (in the DR region, its isolated network). */
    drDrillUndeletedInstances: "launchpad_dr_restore_drill_undeleted_instances",
} as const;

/**
 * The Pushgateway's own per-group gauge: when the group was last pushed (pushgateway
 * `storage/diskmetricstore.go`, `pushMetricName`); carries the group's `job`.
 */
export const PUSHGATEWAY_METRICS = {
    pushTime: "push_time_seconds",
} as const;

/** What Prometheus records of every scrape (docs: "Jobs and instances", automatically generated series). */
export const PROMETHEUS_METRICS = {
    up: "up",
} as const;

/**
 * kube-state-metrics series the dashboards read: names and labels as kubernetes/kube-state-metrics
 * docs/metrics/workload/{deployment,pod}-metrics.md list them at v2.20.0 (the pinned chart's app,
 * lib/versions.ts), all STABLE and unchanged since v2.14.0.
 */
export const KSM_METRICS = {
    deploymentReplicasReady: "kube_deployment_status_replicas_ready",
    deploymentLabels: "kube_deployment_labels",
    /** `label_<name>` per label allowed by `metricLabelsAllowlist` (pods: app and color). */
    podLabels: "kube_pod_labels",
} as const;

/**
 * kube-state-metrics' per-container series the performance suite's server-side judgement reads
 * (loadtest/server.ts): labels `container`, `namespace`, `pod`, `uid` (kubernetes/kube-state-metrics
 * docs/metrics/workload/pod-metrics.md at v2.20.0, STABLE; the `pods` collector, which
 * KUBE_STATE_METRICS_COLLECTORS enables).
 */
export const KSM_CONTAINER_METRICS = {
    restartsTotal: "kube_pod_container_status_restarts_total",
} as const;

/** cAdvisor series the dashboards read. */
export const CADVISOR_METRICS = {
    cpuSeconds: "container_cpu_usage_seconds_total",
    memoryWorkingSet: "container_memory_working_set_bytes",
} as const;

/**
 * The target label a shared Prometheus's Kubernetes jobs attach to every series they scrape, pushed
 * groups included: the prometheus-community `prometheus` chart's kubernetes-pods and
 * kubernetes-service-endpoints jobs relabel `__meta_kubernetes_namespace` to `namespace`
 * (charts/prometheus/values.yaml at prometheus-29.27.0, commit ca06aaef). Where the Prometheus is
 * shared the alerts select it (observability/alerts.ts `scopedSelector`); with `honor_labels` a
 * series' own `namespace` (kube-state-metrics') wins.
 */
export const SHARED_SCRAPE_LABELS = ["namespace"] as const;

export interface MetricSpec {
    readonly producer: Producer;
    /** Labels the producer attaches (beyond the scrape's `job`, `instance`). */
    readonly labels: readonly string[];
}

/** Every metric by name, the application's names taken from its metric contract. */
export function metricCatalogue(m: AppMetricsConfig): Readonly<Record<string, MetricSpec>> {
    const app = (labels: string[]): MetricSpec => ({ producer: "app", labels: [m.serviceLabel, m.colorLabel, "namespace", "pod", ...labels] });
    const of = (names: Readonly<Record<string, string>>, producer: Producer, labels: string[]) =>
        Object.fromEntries(Object.values(names).map((n) => [n, { producer, labels }]));
    return {
        [m.requestsTotal]: app([m.statusLabel, m.routeLabel]),
        // A histogram: the rules and panels read its `_bucket` series.
        [`${m.requestDurationSeconds}_bucket`]: app([m.routeLabel, "le"]),
        [`${m.requestDurationSeconds}_count`]: app([m.routeLabel]),
        [m.requestsInFlight]: app([]),
        [m.dbConnectionErrorsTotal]: app([]),
        [m.dbPoolConnectionsInUse]: app([]),
        [m.dbPoolConnectionsMax]: app([]),
        [m.queueDepth]: app(["queue"]),
        ...of(SMOKE_METRICS, "smoke-gate", [...SMOKE_GROUPING_LABELS, "quantile"]),
        ...of(LOADTEST_METRICS, "loadtest", ["service", "color", "scenario", "quantile"]),
        ...of(BACKUP_METRICS, "db-backup", ["database", "tier"]),
        ...of(VERIFY_METRICS, "db-restore-verify", ["database"]),
        ...of(DR_METRICS, "dr-metrics", ["db_instance"]),
        // `exported_*` where a scrape without honor_labels renamed them (the alert that catches it).
        ...of(KSM_METRICS, "kube-state-metrics", ["namespace", "deployment", "pod", "exported_namespace", "exported_pod", ...[SELECTOR_LABELS.app, SELECTOR_LABELS.color, ROLE_LABEL].map(ksmLabel)]),
        ...of(KSM_CONTAINER_METRICS, "kube-state-metrics", ["namespace", "pod", "container", "uid"]),
        ...of(CADVISOR_METRICS, "cadvisor", ["namespace", "pod", "container"]),
        // `exported_job` where a scrape without honor_labels renamed the pushed `job` (the alert that catches it).
        ...of(PUSHGATEWAY_METRICS, "pushgateway", ["job", "exported_job"]),
        ...of(PROMETHEUS_METRICS, "prometheus", ["job", "instance"]),
    };
}

/** What a stack's path deploys (or, on an existing cluster, declares). */
export interface ProducerContext {
    /** The stack has a database (with its backup jobs and the DR metrics job). */
    readonly data: boolean;
    /** cAdvisor is scraped: the managed scraper's job, or `cluster.provides.containerMetrics` on an existing cluster. */
    readonly containerMetrics: boolean;
}

/** The producers a stack runs: the app, kube-state-metrics, the smoke gate, the Pushgateway and Prometheus always. */
export function deployedProducers(ctx: ProducerContext): ReadonlySet<Producer> {
    return new Set<Producer>([
        "app",
        "pushgateway",
        "prometheus",
        "kube-state-metrics",
        "smoke-gate",
        ...(ctx.containerMetrics ? (["cadvisor"] as const) : []),
        ...(ctx.data ? (["db-backup", "db-restore-verify", "dr-metrics"] as const) : []),
    ]);
}
