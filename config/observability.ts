/**
 * `launchpad:observability`, `launchpad:alerting` and the Grafana provider's keys: the application's
 * metric names, alert thresholds, mute windows, runbook links and where notifications go.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { describeValue } from "./errors";
import { cliNumber, type ConfigInput } from "./input";
import { safetyFor, type Safety, type Tier } from "./tier";

/** A Prometheus duration: one or more `<number><unit>` parts, units ms, s, m, h, d, w, y ("26h", "1h30m"). */
export const PROMETHEUS_DURATION_RE = /^(\d+(ms|s|m|h|d|w|y))+$/;
const duration = (example: string) =>
    z.string({ error: `expected a Prometheus duration such as "${example}"` })
        .regex(PROMETHEUS_DURATION_RE, { error: `expected a Prometheus duration such as "${example}"` })
        .refine((v) => !/^(0+(ms|s|m|h|d|w|y))+$/.test(v), { error: `expected a duration longer than zero, such as "${example}"` });
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const metricName = (def: string) => z.string().regex(METRIC_NAME_RE, { error: "expected a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)" }).default(def);
const labelName = (def: string) => z.string().regex(LABEL_NAME_RE, { error: "expected a Prometheus label name (letters, digits and '_', not starting with a digit)" }).default(def);
const HTTP_URL_RE = /^https?:\/\/[^\s/$.?#][^\s]*$/;
const httpUrl = (example: string) => z.string().regex(HTTP_URL_RE, { error: `expected an http(s) URL such as "${example}"` });
const ratio = cliNumber(z.number().gt(0).max(1));

/**
 * Labels every application series carries besides the four the metric contract names: `job` and
 * `instance`, which Prometheus attaches to every target it scrapes (prometheus/docs
 * docs/concepts/jobs_instances.md, "Automatically generated labels"), `namespace` and `pod`, which the
 * pod scrape job sets after the service and color (observability/scrape-config.ts), and the application's
 * own `le` (the duration histogram's buckets) and `queue` (the queue gauge): observability/catalogue.ts
 * `metricCatalogue`, whose application labels tests/config-metric-labels.test.ts holds to this list.
 */
export const APP_SERIES_FIXED_LABELS = ["job", "instance", "namespace", "pod", "le", "queue"] as const;

/** The contract's label keys and their defaults (distinct, none of APP_SERIES_FIXED_LABELS). */
const APP_LABEL_DEFAULTS = { statusLabel: "code", routeLabel: "route", serviceLabel: "service", colorLabel: "color" } as const;
const APP_LABEL_KEYS = Object.keys(APP_LABEL_DEFAULTS) as (keyof typeof APP_LABEL_DEFAULTS)[];

/**
 * A label key of the contract that names a label the series already has under another role. The scrape
 * writes the service and color as target labels; without `honor_labels` (the pod job has none), a label
 * the application exposes under a target label's name is renamed `exported_<name>` (Prometheus
 * configuration.md, `honor_labels`), and a relabel to a name a later relabel writes is replaced. Either
 * way the alerts' selectors (`code=~"5.."`, `sum by (service, color)`) silently read nothing or the wrong
 * label. A name starting with `__` is dropped after relabelling ("reserved for internal use": Prometheus
 * data_model.md).
 */
function appLabelClashes(m: Record<keyof typeof APP_LABEL_DEFAULTS, string>): { input: string; path: PropertyKey[]; message: string }[] {
    const fixed: readonly string[] = APP_SERIES_FIXED_LABELS;
    const issue = (key: keyof typeof APP_LABEL_DEFAULTS, message: string) => ({ input: m[key], path: [key], message });
    return APP_LABEL_KEYS.flatMap((key, i) => {
        const v = m[key];
        if (v.startsWith("__")) {
            return [issue(key, "expected a label name not starting with \"__\", which Prometheus reserves and drops after relabelling")];
        }
        if (fixed.includes(v)) {
            return [issue(key, `expected a label name other than ${fixed.map((l) => JSON.stringify(l)).join(", ")}, which every application series already has (a second label of that name is renamed exported_${v} or overwritten at scrape time, and the alerts read nothing)`)];
        }
        const earlier = APP_LABEL_KEYS.slice(0, i).find((k) => m[k] === v);
        if (earlier === undefined) {
            return [];
        }
        // Reported at the key the stack set: the later one, unless it holds its default (then the earlier was set to it).
        const [at, other] = v !== APP_LABEL_DEFAULTS[key] ? [key, earlier] : [earlier, key];
        return [issue(at, `expected a label name of its own: ${other} is ${JSON.stringify(v)} too, and one series cannot hold both under one name`)];
    });
}

/** The application's metric names and labels: any app can be plugged in. Defaults follow the common Prometheus client conventions. */
export const appMetricsSchema = z.strictObject({
    /** Counter of HTTP requests, labelled with the numeric status. */
    requestsTotal: metricName("http_requests_total"),
    /** Histogram of request durations in seconds (its `_bucket`, `_sum`, `_count` series). */
    requestDurationSeconds: metricName("http_request_duration_seconds"),
    /** Counter the application increments when it cannot connect to its database. */
    dbConnectionErrorsTotal: metricName("db_connection_errors_total"),
    /** Gauge of requests being served right now. */
    requestsInFlight: metricName("http_requests_in_flight"),
    /** Gauge of the database pool's connections in use. */
    dbPoolConnectionsInUse: metricName("db_pool_connections_in_use"),
    /** Gauge of the database pool's maximum size. */
    dbPoolConnectionsMax: metricName("db_pool_connections_max"),
    /** Gauge of jobs waiting in the application's queue(s), labelled `queue`. */
    queueDepth: metricName("queue_depth"),
    /** Label holding the numeric HTTP status. */
    statusLabel: labelName(APP_LABEL_DEFAULTS.statusLabel),
    /** Label holding the route (path template). */
    routeLabel: labelName(APP_LABEL_DEFAULTS.routeLabel),
    /** Label naming the service, attached at scrape time from the pods' `app` label. */
    serviceLabel: labelName(APP_LABEL_DEFAULTS.serviceLabel),
    /** Label naming the color, attached at scrape time from the pods' `color` label. */
    colorLabel: labelName(APP_LABEL_DEFAULTS.colorLabel),
}).check((ctx) => {
    appLabelClashes(ctx.value).forEach((issue) => ctx.issues.push({ code: "custom", ...issue }));
});

/** Alert thresholds. */
export const thresholdsSchema = z.strictObject({
    /** 5xx share of requests above which the error alert fires, 0 < x <= 1. */
    errorRatio: ratio.default(0.01),
    /** p95 latency (seconds) above which the latency alert fires. */
    latencyP95Seconds: cliNumber(z.number().gt(0)).default(0.5),
    /** RDS free storage, percent of the allocated storage, below which the storage alert fires. */
    freeStoragePercent: cliNumber(z.number().gt(0).lt(100)).default(10),
    /** Age of the newest daily backup (and of the newest passed restore check) above which they alert. */
    backupMaxAge: duration("26h").default("26h"),
    /** A restore check slower than this misses the recovery time objective. */
    restoreMaxDuration: duration("1h").default("1h"),
    /** Recovery point objective: a point-in-time recovery lag (or the DR region's) above this alerts. */
    rpoTarget: duration("15m").default("15m"),
    /** Availability objective of the service, 0 < x < 1. */
    sloObjective: cliNumber(z.number().gt(0).lt(1)).default(0.999),
    /** The period the objective is measured over. */
    sloWindow: duration("30d").default("30d"),
    /**
     * Requests per second a color must serve before its error-ratio or latency alert may fire, and a
     * service over a burn-rate pair's shorter window before its error-budget alert may: an idle color
     * or service (probe traffic only) cannot page on a handful of requests. @default 1
     */
    minRequestRate: cliNumber(z.number().min(0)).default(1),
    /** A smoke-gate verdict older than this no longer alerts (the color was since fixed or removed). @default "24h" */
    gateVerdictMaxAge: duration("24h").default("24h"),
});

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
/**
 * Alertmanager's own time pattern (prometheus/alertmanager timeinterval/timeinterval.go `validTime`,
 * 24:00 allowed as an end), which Grafana's mute timings parse with; WEEKDAYS are its `daysOfWeek`
 * names, and it refuses a start at or after the end, as buildObservability does.
 */
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** A weekly maintenance window during which notifications are muted (a Grafana mute timing). */
export const maintenanceSchema = z.strictObject({
    weekdays: z.array(z.enum(WEEKDAYS)).min(1),
    /** UTC `hh:mm`. */
    start: z.string().regex(HHMM_RE, { error: "expected a UTC time such as \"04:00\"" }),
    /** UTC `hh:mm`, after `start` (24:00 is the end of the day). */
    end: z.string().regex(HHMM_RE, { error: "expected a UTC time such as \"05:00\"" }),
});

/**
 * Where this repository's runbooks are browsable: the default `runbookBaseUrl`. A fork or a mirror
 * sets `launchpad:observability.runbookBaseUrl` to its own. `acme` is the example organization: the
 * offline plan lists this default and a real run with `grafana:url` refuses it (config/placeholders.ts).
 */
export const REPOSITORY_URL = "https://github.com/acme/launchpad";
export const DEFAULT_RUNBOOK_BASE_URL = `${REPOSITORY_URL}/blob/main/docs/runbooks`;

export const observabilitySchema = z.strictObject({
    /** An existing Prometheus-compatible query URL; unset: an Amazon Managed Service for Prometheus workspace with a managed scraper. */
    prometheusUrl: httpUrl("https://prometheus.example.com").optional(),
    metrics: appMetricsSchema.default(appMetricsSchema.parse({})),
    thresholds: thresholdsSchema.default(thresholdsSchema.parse({})),
    /** Notification mute windows; default: the database's maintenance window. */
    maintenance: z.array(maintenanceSchema).optional(),
    /**
     * Prefix of the runbook links in alerts (the repository's docs/runbooks/ as a browsable URL):
     * absolute, since a notification is read outside the repository.
     * @default DEFAULT_RUNBOOK_BASE_URL (this repository's docs/runbooks on GitHub)
     */
    runbookBaseUrl: httpUrl("https://github.com/acme/launchpad/blob/main/docs/runbooks").optional(),
    /** `npm run promote`'s post-switch analysis. */
    analysis: z.strictObject({
        /** How long the analysis watches the new live color. @default - the tier's `analysisWindow` (config/tier.ts) */
        window: duration("10m").optional(),
        /** Time between two checks. @default "30s" */
        interval: duration("30s").default("30s"),
        /** Requests (over the time since the switch, up to the alerts' 5-minute rate window) a check needs to judge; below it, or with no request at all, the check judges nothing. @default 100 */
        minRequests: z.int().min(0).default(100),
    }).optional(),
}).meta({
    description:
        "Metrics, dashboards and alerts. prometheusUrl: query URL of an existing Prometheus-compatible server " +
        "(required with an existing cluster when grafana:url is set); unset, an Amazon Managed Service for " +
        "Prometheus workspace with a managed scraper of the EKS cluster; metrics: the application's metric names " +
        "and labels (default http_requests_total with status label \"code\", http_request_duration_seconds, " +
        "db_connection_errors_total, http_requests_in_flight, db_pool_connections_in_use, db_pool_connections_max, " +
        "queue_depth, labels \"route\", \"service\", \"color\"; the four labels distinct, none of job, instance, namespace, pod, le, queue, nor starting with \"__\"); thresholds: errorRatio 0 < x <= 1 (default 0.01), " +
        "latencyP95Seconds > 0 (default 0.5), freeStoragePercent 0 < x < 100 of the storage allocated now (default " +
        "10), backupMaxAge (default \"26h\"), restoreMaxDuration, the RTO (default \"1h\"), rpoTarget, the RPO " +
        "(default \"15m\"), sloObjective 0 < x < 1 (default 0.999), sloWindow (default \"30d\"), minRequestRate >= " +
        "0 requests per second a color must serve before its error-ratio or latency alert may fire, and a service " +
        "over a burn-rate pair's shorter window before its error-budget alert may (default 1), " +
        "gateVerdictMaxAge: age after which a smoke gate verdict stops alerting (default \"24h\"), durations in " +
        "Prometheus form; maintenance: weekly UTC windows [{ weekdays, start, end }] muting notifications (default " +
        "the database's maintenance window); runbookBaseUrl: absolute prefix of alerts' runbook links (default " +
        `${JSON.stringify(DEFAULT_RUNBOOK_BASE_URL)}); analysis: npm run promote's post-switch ` +
        `analysis, window (default the tier's: production ${JSON.stringify(safetyFor("production").analysisWindow)}, staging ${JSON.stringify(safetyFor("staging").analysisWindow)}), interval (default "30s"), ` +
        "minRequests a check needs to judge (default 100).",
});

export type RawObservability = z.output<typeof observabilitySchema>;

/** Where notifications go. The Slack webhook and the PagerDuty key are secrets. */
export const alertingSchema = z.strictObject({
    /** Addresses that receive ticket-severity alerts when there is no Slack webhook. */
    emailAddresses: z.array(z.email({ error: "expected an e-mail address" })).default([]),
    /**
     * The stack sends alerts to Slack: with `grafana:url` set, `slackWebhookUrl` is then required (a
     * stack file says so without holding the secret). @default - true when `slackWebhookUrl` is set
     */
    slack: z.boolean().optional(),
    /**
     * The stack pages through PagerDuty: with `grafana:url` set, `pagerDutyIntegrationKey` is then
     * required. @default - the tier's `requirePaging` (production), else true when the key is set
     */
    pagerDuty: z.boolean().optional(),
    /** Slack incoming-webhook URL (secret, so its form is not checked: an offline plan never decrypts it): ticket-severity alerts. */
    slackWebhookUrl: z.string().min(1).optional(),
    /** PagerDuty Events API v2 integration key (secret): page-severity alerts. */
    pagerDutyIntegrationKey: z.string().min(1).optional(),
    /**
     * Heartbeat (dead man's switch) URL that receives the always-firing LaunchpadWatchdog as a
     * webhook: a healthchecks.io, Dead Man's Snitch or similar ping URL. Plain text, never a secret:
     * Grafana keeps it as a plain setting (see SECRET_PATHS), and a ping URL can do nothing but ping.
     * With `grafana:url`, required where the tier says so (`requireHeartbeat`: production).
     * An http(s) URL: Grafana's webhook contact point would take any text, and a heartbeat that never
     * arrives reads as a dead pipeline from the first day on.
     * @default - no heartbeat contact point, and Grafana leaves the Watchdog out
     */
    heartbeatUrl: httpUrl("https://hc-ping.com/<check uuid>").optional(),
}).meta({
    description:
        "Grafana contact points. emailAddresses: receive ticket alerts when there is no Slack webhook (default " +
        "none); slackWebhookUrl (secret): ticket alerts; pagerDutyIntegrationKey (secret): page alerts. With " +
        "grafana:url set, at least one is required. Page alerts go to PagerDuty, else Slack, else e-mail; ticket " +
        "alerts to Slack, else e-mail, else PagerDuty. slack: true says the stack uses Slack without committing the " +
        "webhook, and pagerDuty: true likewise for PagerDuty (default: whether the secret is set; pagerDuty true in " +
        "production): with grafana:url set, the secret is then required, listed by the offline plan and refused " +
        "absent by a real run. heartbeatUrl (plain text, not a secret: Grafana keeps webhook URLs in clear): a dead " +
        "man's switch ping URL (healthchecks.io, Dead Man's Snitch) that receives the always-firing " +
        "LaunchpadWatchdog as a webhook every 5 to 6 minutes (give the check a period of 6 minutes or more), never muted; required with grafana:url in production; an " +
        "example host is refused by a real run.",
});

export type RawAlerting = z.output<typeof alertingSchema>;

/** The Grafana provider's own keys: where dashboards, rules and contact points go. */
/**
 * The provider sends `grafana:auth` (an admin-scoped token) with every request to this URL: over
 * plain http only to this machine, and never with credentials in the URL itself (they would sit in
 * the stack file and the state in clear; `grafana:auth` is the secret).
 */
// The refinements judge only a value the URL rule accepts: one value, one problem (a secret's
// offline stand-in or "HTTP://..." used to read as both "not a URL" and "not https").
export const grafanaUrlSchema = httpUrl("https://grafana.example.com")
    .refine((url) => !HTTP_URL_RE.test(url) || !/^https?:\/\/[^/?#]*@/.test(url), { error: "expected a URL without user:password@ (put the token in grafana:auth, as a secret)" })
    .refine((url) => !HTTP_URL_RE.test(url) || url.startsWith("https://") || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(url), {
        error: "expected an https URL (the Grafana token travels with every request; http only to localhost)",
    })
    .meta({
    description:
        "The Grafana provider's own key. The Grafana server (Amazon Managed Grafana or any Grafana 11+) that " +
        "receives the stack's folder, data sources, dashboards, alert rules, contact points, notification policy " +
        "and mute timing. With AMP its Prometheus data source is the Amazon Managed Service for Prometheus plugin " +
        "(grafana-amazonprometheus-datasource: in Amazon Managed Grafana 12+ and Grafana 13; install it on a self-hosted " +
        "Grafana 11.6.11+, 12.0.10+, 12.1.7+ or 12.2.5+, its plugin.json's grafanaDependency). Unset: no Grafana resources; a production stack requires it (its alerts run in Grafana only).",
});

export const grafanaAuthSchema = z.string().min(1).meta({
    description:
        "The Grafana provider's own key: an API token or service-account token (`pulumi config set --secret " +
        "grafana:auth <token>`). Required when grafana:url is set, unless GRAFANA_AUTH is in the environment of the " +
        "Pulumi run (the provider reads it then).",
});

export interface AppMetricsConfig {
    readonly requestsTotal: string;
    readonly requestDurationSeconds: string;
    readonly dbConnectionErrorsTotal: string;
    readonly requestsInFlight: string;
    readonly dbPoolConnectionsInUse: string;
    readonly dbPoolConnectionsMax: string;
    readonly queueDepth: string;
    readonly statusLabel: string;
    readonly routeLabel: string;
    readonly serviceLabel: string;
    readonly colorLabel: string;
}

export interface ThresholdsConfig {
    readonly errorRatio: number;
    readonly latencyP95Seconds: number;
    readonly freeStoragePercent: number;
    /** Prometheus duration text, e.g. "26h". */
    readonly backupMaxAge: string;
    /** The recovery time objective. */
    readonly restoreMaxDuration: string;
    /** The recovery point objective. */
    readonly rpoTarget: string;
    readonly sloObjective: number;
    readonly sloWindow: string;
    /** Requests per second below which a color's ratio and latency alerts stay silent. */
    readonly minRequestRate: number;
    /** Prometheus duration text: how long a smoke-gate verdict keeps alerting. */
    readonly gateVerdictMaxAge: string;
}

/** One weekly mute window, UTC. */
export interface MaintenanceWindow {
    readonly weekdays: readonly string[];
    readonly start: string;
    readonly end: string;
}

/** Where notifications go; the webhook and the key are secret Outputs. */
export interface ContactPointsConfig {
    readonly emailAddresses: readonly string[];
    readonly slackWebhookUrl: pulumi.Output<string> | undefined;
    readonly pagerDutyIntegrationKey: pulumi.Output<string> | undefined;
    /** The Watchdog's webhook: undefined, no heartbeat contact point. */
    readonly heartbeatUrl: pulumi.Output<string> | undefined;
}

export interface ObservabilityConfig {
    /** `amp`: a managed Prometheus workspace and scraper (EKS only); `prometheus`: an existing server's query URL. */
    readonly backend: { readonly kind: "amp" } | { readonly kind: "prometheus"; readonly url: string };
    readonly metrics: AppMetricsConfig;
    readonly thresholds: ThresholdsConfig;
    readonly maintenance: readonly MaintenanceWindow[];
    /** Absolute prefix of runbook links, no trailing slash; default the repository's docs/runbooks on GitHub. */
    readonly runbookBaseUrl: string;
    /** Undefined when `grafana:url` is not set: no Grafana resources. */
    readonly grafana: { readonly url: string; readonly auth: pulumi.Output<string> | undefined } | undefined;
    readonly contactPoints: ContactPointsConfig;
    /** `npm run promote`'s post-switch analysis: window and interval as Prometheus durations. */
    readonly analysis: { readonly window: string; readonly interval: string; readonly minRequests: number };
}

/** What the observability rules read, each undefined when its key did not parse. */
export interface ObservabilityRuleInput {
    readonly observability: RawObservability | undefined;
    readonly alerting: RawAlerting | undefined;
    readonly grafanaUrl: string | undefined;
    readonly grafanaAuth: string | undefined;
    readonly tier: Tier | undefined;
    /** The stack uses an existing cluster (`launchpad:cluster.kubeconfig`). */
    readonly existingCluster: boolean;
}

/** The store-as-secret hint for a secret path set in plain text. */
const SECRET_HINTS: Readonly<Record<string, string>> = {
    "launchpad:alerting.slackWebhookUrl": "pulumi config set --secret --path launchpad:alerting.slackWebhookUrl <url>",
    "launchpad:alerting.pagerDutyIntegrationKey": "pulumi config set --secret --path launchpad:alerting.pagerDutyIntegrationKey <key>",
    "grafana:auth": "pulumi config set --secret grafana:auth <token>",
};

/** Observability rules that span keys: secrets held as secrets, a metrics backend and a receiver where Grafana needs them. */
export function observabilityProblems(p: ObservabilityRuleInput, input: ConfigInput): string[] {
    const out: string[] = [];
    const alerting = p.alerting;
    const plain = (key: string, path: string): void => {
        // Per leaf where the leaves are known: a secure sibling does not make a plain value secret.
        if (!(input.secretPaths !== undefined ? input.secretPaths.has(path) || input.secretPaths.has(key) : input.secretKeys.has(key))) {
            out.push(`${path}: received a plain-text value; expected a secret: set it with \`${SECRET_HINTS[path]}\``);
        }
    };
    if (alerting?.slackWebhookUrl !== undefined) plain("launchpad:alerting", "launchpad:alerting.slackWebhookUrl");
    if (alerting?.pagerDutyIntegrationKey !== undefined) plain("launchpad:alerting", "launchpad:alerting.pagerDutyIntegrationKey");
    if (alerting?.heartbeatUrl !== undefined && input.secretPaths?.has("launchpad:alerting.heartbeatUrl") === true) {
        // A secret would end up in clear in Grafana's webhook settings (config/schema.ts, SECRET_PATHS).
        out.push("launchpad:alerting.heartbeatUrl: received [secret]; expected plain text, since Grafana keeps a webhook URL as a plain setting and a secret must stay secret: set it with `pulumi config set --path launchpad:alerting.heartbeatUrl <url>`");
    }
    if (p.grafanaAuth !== undefined) plain("grafana:auth", "grafana:auth");
    const shown = (v: unknown): string => describeValue(v, input.secretKeys.has("launchpad:alerting"));
    if (alerting?.slack === false && alerting.slackWebhookUrl !== undefined) {
        out.push(`launchpad:alerting.slack: received ${shown(false)}; expected true or unset, since launchpad:alerting.slackWebhookUrl is set (to stop Slack, remove the webhook: \`pulumi config rm --path launchpad:alerting.slackWebhookUrl\`)`);
    }
    if (alerting?.pagerDuty === false && alerting.pagerDutyIntegrationKey !== undefined) {
        out.push(`launchpad:alerting.pagerDuty: received ${shown(false)}; expected true or unset, since launchpad:alerting.pagerDutyIntegrationKey is set (to stop paging, remove the key: \`pulumi config rm --path launchpad:alerting.pagerDutyIntegrationKey\`)`);
    }
    const tier = p.tier;
    if (alerting?.pagerDuty === false && tier !== undefined && safetyFor(tier).requirePaging && p.grafanaUrl !== undefined) {
        out.push(`launchpad:alerting.pagerDuty: received ${shown(false)}; expected true or unset in a ${tier} stack with grafana:url: page alerts must reach a pager`);
    }

    const url = p.grafanaUrl;
    if (url === undefined && tier !== undefined && safetyFor(tier).requirePaging) {
        // The alerts run in Grafana only (observability/prometheus-rules.ts: no rule group goes into
        // AMP): without it the stack would evaluate no alert at all and page no one.
        out.push(`grafana:url: received nothing (the key is not set); expected the Grafana server's URL in a ${tier} stack, which must page: its alert rules are evaluated by Grafana only, so without it no alert fires: set it with \`pulumi config set grafana:url <https URL> --stack ${input.stack}\``);
    }
    if (url === undefined && p.grafanaAuth !== undefined) {
        out.push("grafana:url: received nothing (the key is not set); expected the Grafana server's URL, since grafana:auth is set");
    }
    const obs = p.observability;
        if (url !== undefined && obs !== undefined && p.existingCluster && obs.prometheusUrl === undefined) {
        out.push("launchpad:observability.prometheusUrl: received nothing (the key is not set); expected the query URL of the cluster's Prometheus: with an existing cluster (launchpad:cluster.kubeconfig) there is no EKS cluster for a managed scraper, and Grafana needs a metrics data source");
    }
    if (url !== undefined && alerting !== undefined && alerting.emailAddresses.length === 0 && alerting.slackWebhookUrl === undefined && alerting.pagerDutyIntegrationKey === undefined) {
        out.push("launchpad:alerting: received no contact point; expected at least one of emailAddresses, slackWebhookUrl, pagerDutyIntegrationKey, since grafana:url is set (alerts would reach nobody)");
    }
    for (const [i, w] of (obs?.maintenance ?? []).entries()) {
        if (w.end <= w.start) {
            out.push(`launchpad:observability.maintenance[${i}].end: received ${describeValue(w.end, input.secretKeys.has("launchpad:observability"))}; expected a time after start (${describeValue(w.start, input.secretKeys.has("launchpad:observability"))}); split a window that crosses midnight in two`);
        }
    }
    return out;
}

const DAY_NAMES: Readonly<Record<string, string>> = {
    mon: "monday", tue: "tuesday", wed: "wednesday", thu: "thursday", fri: "friday", sat: "saturday", sun: "sunday",
};
const NEXT_DAY: Readonly<Record<string, string>> = { mon: "tue", tue: "wed", wed: "thu", thu: "fri", fri: "sat", sat: "sun", sun: "mon" };

/**
 * An RDS maintenance window (`sun:04:00-sun:05:00`, UTC) as weekly mute windows: one when it stays
 * within a day, two when it crosses midnight, three or more when it spans whole days.
 */
export function maintenanceFromRdsWindow(window: string): MaintenanceWindow[] {
    const m = /^(\w{3}):(\d{2}:\d{2})-(\w{3}):(\d{2}:\d{2})$/.exec(window);
    if (m === null) {
        throw new Error(`not an RDS maintenance window: ${window}`);
    }
    const [, d1, t1, d2, t2] = m;
    if (d1 === d2 && t1 === t2) {
        // Read as a whole week it would mute every alert: config refuses it, and so does this.
        throw new Error(`a zero-length RDS maintenance window mutes nothing: ${window}`);
    }
    if (d1 === d2 && t1 < t2) {
        return [{ weekdays: [DAY_NAMES[d1]], start: t1, end: t2 }];
    }
    const out: MaintenanceWindow[] = [{ weekdays: [DAY_NAMES[d1]], start: t1, end: "24:00" }];
    for (let d = NEXT_DAY[d1]; d !== d2; d = NEXT_DAY[d]) {
        out.push({ weekdays: [DAY_NAMES[d]], start: "00:00", end: "24:00" });
    }
    if (t2 !== "00:00") {
        out.push({ weekdays: [DAY_NAMES[d2]], start: "00:00", end: t2 });
    }
    return out;
}

export function buildObservability(
    obs: RawObservability,
    alerting: RawAlerting,
    grafana: { readonly url: string | undefined; readonly auth: string | undefined },
    databaseMaintenanceWindow: string,
    safety: Pick<Safety, "analysisWindow">,
): ObservabilityConfig {
    const { url, auth } = grafana;
    return {
        backend: obs.prometheusUrl !== undefined ? { kind: "prometheus", url: obs.prometheusUrl } : { kind: "amp" },
        metrics: { ...obs.metrics },
        thresholds: { ...obs.thresholds },
        maintenance: obs.maintenance?.map((w) => ({ ...w, weekdays: [...w.weekdays] })) ?? maintenanceFromRdsWindow(databaseMaintenanceWindow),
        runbookBaseUrl: (obs.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL).replace(/\/+$/, ""),
        grafana: url !== undefined ? { url, auth: auth !== undefined ? pulumi.secret(auth) : undefined } : undefined,
        contactPoints: {
            emailAddresses: [...alerting.emailAddresses],
            slackWebhookUrl: alerting.slackWebhookUrl !== undefined ? pulumi.secret(alerting.slackWebhookUrl) : undefined,
            pagerDutyIntegrationKey: alerting.pagerDutyIntegrationKey !== undefined ? pulumi.secret(alerting.pagerDutyIntegrationKey) : undefined,
            heartbeatUrl: alerting.heartbeatUrl !== undefined ? pulumi.output(alerting.heartbeatUrl) : undefined,
        },
        analysis: {
            window: obs.analysis?.window ?? safety.analysisWindow,
            interval: obs.analysis?.interval ?? "30s",
            minRequests: obs.analysis?.minRequests ?? 100,
        },
    };
}
