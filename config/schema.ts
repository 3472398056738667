/**
 * The schema of every `launchpad:*` stack config key (and the provider keys Launchpad reads).
 *
 * zod gives one place for shape, ranges, enums, defaults and cross-field rules, and reports every
 * issue of one parse at once; `config/errors.ts` turns its issues into messages that name the key,
 * the value received and what is allowed.
 *
 * Field defaults inside objects are declared here. `Pulumi.yaml` repeats them as each object key's
 * `default` (the CLI applies those when a key is absent); `tests/config-reference.test.ts` proves the
 * two agree, so a partially-set object and an absent one resolve the same way.
 */
import { z } from "zod";
import { isPrivate, parseCidr } from "../lib/cidr";
import { COLORS } from "../lib/delivery";
import { DEFAULT_KUBERNETES_VERSION } from "../lib/versions";
import { runDate } from "./clock";
import { kubernetesScheduleProblem } from "./cron";
import { promotionSchema, servicesSchema } from "./services";

export const TIERS = ["staging", "production"] as const;
export type Tier = (typeof TIERS)[number];

export const NAT_MODES = ["single", "perAz"] as const;
export type NatMode = (typeof NAT_MODES)[number];

export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

/** Control-plane log types EKS can ship to CloudWatch. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Tag keys Launchpad sets itself and a stack may not override. */
export const RESERVED_TAG_KEYS = ["project", "environment", "managed-by", "Name"] as const;

const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** Four dotted numbers and a prefix, whatever their values: tells a host address from nonsense. */
const CIDR_SHAPE_RE = /^\d+\.\d+\.\d+\.\d+\/\d+$/;
const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const region = z.string().regex(REGION_RE, { error: "expected an AWS region name such as \"us-east-1\"" });

/** Says what is wrong with a CIDR text: malformed, or a host address where the network address belongs. */
function cidrProblem(value: string, example: string): string | undefined {
    if (parseCidr(value)) {
        return undefined;
    }
    return CIDR_SHAPE_RE.test(value)
        ? `expected an IPv4 CIDR with its network address (host bits zero), such as "${example}"`
        : `expected an IPv4 CIDR such as "${example}"`;
}

const vpcCidr = z.string().check((ctx) => {
    const value = ctx.value;
    const parsed = parseCidr(value);
    const problem = cidrProblem(value, "10.20.0.0/16");
    if (problem !== undefined) {
        ctx.issues.push({ code: "custom", input: value, message: problem });
    } else if (parsed && (!isPrivate(parsed) || parsed.prefix < 16 || parsed.prefix > 20)) {
        ctx.issues.push({
            code: "custom",
            input: value,
            message: "expected a private (RFC 1918) block of size /16 to /20",
        });
    }
});

const publicCidr = z.string().check((ctx) => {
    const problem = cidrProblem(ctx.value, "203.0.113.0/24");
    if (problem !== undefined) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
    }
});

const AWS_ID = (prefix: string, example: string) =>
    z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), { error: `expected an id such as "${example}"` });

/** A VPC Launchpad does not own (an existing cluster's): where the database and its drills go. */
export const existingNetworkSchema = z.strictObject({
    vpcId: AWS_ID("vpc", "vpc-0a1b2c3d4e5f60718"),
    /** Private subnets in at least two AZs: the DB subnet group and the restore drills use them. */
    privateSubnetIds: z.array(AWS_ID("subnet", "subnet-0a1b2c3d4e5f60718")).min(2),
    /** The security group of the cluster's nodes (so of its pods' traffic): admitted to the database. */
    nodeSecurityGroupId: AWS_ID("sg", "sg-0a1b2c3d4e5f60718"),
    /** The cluster's IAM OIDC provider: the backup jobs' service accounts assume their roles through it. */
    oidcProviderArn: z.string().regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/[^\s]+$/, { error: "expected an IAM OIDC provider ARN such as \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE\"" }),
});

export const networkSchema = z.strictObject({
    /** VPC CIDR; subnets are carved from it by `planSubnets`. */
    cidr: vpcCidr.default("10.0.0.0/16"),
    /** Availability zones to spread subnets and nodes over. */
    azCount: z.int().min(2).max(6).default(2),
    /** `single`: one NAT gateway shared by all AZs; `perAz`: one per AZ. Defaults from the tier. */
    natGateways: z.enum(NAT_MODES).optional(),
    /** With `launchpad:cluster.kubeconfig`: the existing cluster's VPC, for the data layer. @default - no data layer on an existing cluster */
    existing: existingNetworkSchema.optional(),
});

/** What an EKS access entry grants: `admin`, `edit` or `view` (EKS access policies). */
export const CLUSTER_ACCESS_LEVELS = ["admin", "edit", "view"] as const;
export type ClusterAccessLevel = (typeof CLUSTER_ACCESS_LEVELS)[number];

const IAM_ROLE_ARN_RE = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const k8sName = z.string().max(63).regex(K8S_NAME_RE, { error: "expected a DNS-1123 label (lower-case letters, digits, '-')" });
/** A Kubernetes object name that is a DNS-1123 subdomain (IngressClass): dot-separated labels, at most 253 characters. */
export const k8sSubdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')" });

/** One IAM principal's access to the cluster's Kubernetes API. */
export const clusterAccessSchema = z.strictObject({
    principalArn: z.string().regex(IAM_ROLE_ARN_RE, { error: "expected an IAM role ARN such as \"arn:aws:iam::111122223333:role/deploy\"" }),
    access: z.enum(CLUSTER_ACCESS_LEVELS),
    /** Limit the access to these namespaces. @default - the whole cluster */
    namespaces: z.array(k8sName).min(1).optional(),
});

/** What an existing cluster provides that the stack's objects need (the preflight trusts this declaration). */
export const clusterProvidesSchema = z.strictObject({
    /** Ingress classes with a controller running. */
    ingressClasses: z.array(k8sSubdomain).default([]),
    /** StorageClass names that exist. */
    storageClasses: z.array(k8sName).default([]),
    /** A default StorageClass exists (a PVC without a class binds). */
    defaultStorageClass: z.boolean().default(false),
    /** The resource metrics API (metrics-server or equivalent) serves HPAs. */
    metricsApi: z.boolean().default(false),
    /** The team's Prometheus scrapes the kubelets' cAdvisor (`container_*` metrics): the CPU and memory panels need it. */
    containerMetrics: z.boolean().default(false),
});

export const ENDPOINT_ACCESS = ["private", "public"] as const;

export const clusterSchema = z.strictObject({
    /**
     * Kubernetes minor version of the EKS control plane and node group. Which versions are accepted
     * follows the EKS calendar on the day of the run (`config/parse.ts`, `lib/versions.ts`).
     */
    version: z
        // YAML reads an unquoted 1.30 as the number 1.3: say how to write it.
        .string({ error: "expected a string such as \"1.36\" (quote it: unquoted YAML reads 1.30 as the number 1.3)" })
        .regex(/^1\.\d{2}$/, { error: "expected a Kubernetes minor version such as \"1.36\"" })
        .default(DEFAULT_KUBERNETES_VERSION),
    /**
     * Who can reach the API endpoint: "private" (from inside the VPC only: the deploy runners must
     * run there) or "public" (also from `endpointPublicAccessCidrs`, the runners' egress CIDRs).
     */
    endpointAccess: z.enum(ENDPOINT_ACCESS).default("private"),
    /** CIDRs allowed to reach the public API endpoint; only with `endpointAccess: public`. */
    endpointPublicAccessCidrs: z.array(publicCidr).max(40).default([]),
    /** IAM roles with access to the Kubernetes API (EKS access entries); the deploy role must be an admin. */
    access: z.array(clusterAccessSchema).max(100).default([]),
    /** Control-plane log types shipped to CloudWatch. */
    logTypes: z.array(z.enum(EKS_LOG_TYPES)).default([...EKS_LOG_TYPES]),
    /** Application namespace; defaults to `<project>-<stack>` so stacks sharing a cluster never collide. */
    namespace: k8sName.optional(),
    /** Kubeconfig of an existing cluster (secret). When set, no EKS resources are created. */
    kubeconfig: z.string().min(1).optional(),
    /** With `kubeconfig`: what the existing cluster provides. @default - nothing declared */
    provides: clusterProvidesSchema.optional(),
});

export const nodeGroupSchema = z
    .strictObject({
        /** EC2 instance types of the managed node group, all of one CPU architecture. */
        instanceTypes: z.array(z.string().regex(INSTANCE_TYPE_RE, { error: "expected an EC2 instance type such as \"m6i.large\"" })).min(1).default(["t3.large"]),
        minSize: z.int().min(0).max(450).default(2),
        desiredSize: z.int().min(0).max(450).optional(),
        maxSize: z.int().min(1).max(450).default(4),
        diskSizeGb: z.int().min(20).max(16384).default(50),
        capacityType: z.enum(CAPACITY_TYPES).default("ON_DEMAND"),
    });

export const DB_ENGINES = ["mysql", "postgres"] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

/**
 * Engine version when the stack names none: MySQL 8.4 or PostgreSQL 17, both in RDS standard
 * support on 2026-12-02 (`RDS_MAJOR_VERSIONS` in `lib/versions.ts`; MySQL 8.0 left it on 2026-07-31).
 */
export const DEFAULT_ENGINE_VERSIONS: Readonly<Record<DbEngine, string>> = { mysql: "8.4", postgres: "17" };

const SQL_IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const sqlIdentifier = z.string().regex(SQL_IDENTIFIER_RE, { error: "expected a letter then letters, digits or '_' (at most 63)" });
const DAY = "(mon|tue|wed|thu|fri|sat|sun)";
const HHMM = "([01]\\d|2[0-3]):[0-5]\\d";

/** Point-in-time or snapshot restore. Which form, and whether the time is sane, is checked in `config/parse.ts`. */
export const restoreSchema = z.strictObject({
    /** DB instance identifier (or ARN) to restore from, at `time`. */
    sourceInstance: z.string().optional(),
    /** ISO-8601 UTC time (`2026-11-20T13:45:00Z`) or `latest` (the latest restorable time). */
    time: z.string().optional(),
    /** DB snapshot identifier or ARN to restore from. */
    snapshot: z.string().optional(),
});

export const databaseSchema = z.strictObject({
    engine: z.enum(DB_ENGINES).default("mysql"),
    /** Major (or major.minor) version; defaults per engine. Its major must be in RDS standard support on the day of the run. */
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, { error: "expected an engine version such as \"8.4\" or \"17\" (quote it in YAML)" }).optional(),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected an RDS instance class such as \"db.t4g.medium\"" }).default("db.t4g.medium"),
    allocatedStorageGb: z.int().min(20).max(65536).default(50),
    /** Storage autoscaling ceiling. */
    maxAllocatedStorageGb: z.int().min(20).max(65536).default(200),
    /** Database created in the instance, used by the application and the logical backups. */
    name: sqlIdentifier.default("app"),
    /** Master user name; its password is generated and kept in state as a secret. */
    username: sqlIdentifier.default("launchpad_admin"),
    /** Daily automated-backup window, UTC `hh:mm-hh:mm`. */
    backupWindow: z.string().regex(new RegExp(`^${HHMM}-${HHMM}$`), { error: "expected a UTC window such as \"03:00-03:30\"" }).default("03:00-03:30"),
    /** Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`. */
    maintenanceWindow: z.string().regex(new RegExp(`^${DAY}:${HHMM}-${DAY}:${HHMM}$`), { error: "expected a UTC window such as \"sun:04:00-sun:05:00\"" }).default("sun:04:00-sun:05:00"),
    /**
     * Tables a restore must bring back with rows; the verify job and restore drills check them.
     * @default - none: the verify job checks that the newest dump restores, and no table's rows
     */
    criticalTables: z.array(sqlIdentifier).default([]),
    /** Create the database from a point in time or a snapshot instead of empty. */
    restore: restoreSchema.optional(),
});

/** A Kubernetes CronJob schedule the API server accepts and that fires (`config/cron.ts`). */
const cron = (example: string) =>
    z.string().check((ctx) => {
        const problem = kubernetesScheduleProblem(ctx.value, runDate());
        if (problem !== undefined) {
            ctx.issues.push({ code: "custom", input: ctx.value, message: `expected a five-field Kubernetes CronJob schedule (UTC) such as "${example}": ${problem}` });
        }
    });

export const backupSchema = z.strictObject({
    /** Default Object Lock retention of backup objects, days. */
    objectLockDays: z.int().min(1).max(3650).default(30),
    /** When the logical dump runs (Kubernetes CronJob, UTC). */
    dumpSchedule: cron("15 2 * * *").default("15 2 * * *"),
    /** When the newest dump is restored and checked (Kubernetes CronJob, UTC). */
    verifySchedule: cron("45 4 * * *").default("45 4 * * *"),
    /** ISO weekday (1 = Monday .. 7 = Sunday) whose dump is also kept as the weekly copy. */
    weeklyDay: z.int().min(1).max(7).default(7),
});

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
const httpUrl = (example: string) => z.string().regex(/^https?:\/\/[^\s/$.?#][^\s]*$/, { error: `expected an http(s) URL such as "${example}"` });
const ratio = z.number().gt(0).max(1);

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
    statusLabel: labelName("code"),
    /** Label holding the route (path template). */
    routeLabel: labelName("route"),
    /** Label naming the service, attached at scrape time from the pods' `app` label. */
    serviceLabel: labelName("service"),
    /** Label naming the color, attached at scrape time from the pods' `color` label. */
    colorLabel: labelName("color"),
});

/** Alert thresholds. */
export const thresholdsSchema = z.strictObject({
    /** 5xx share of requests above which the error alert fires, 0 < x <= 1. */
    errorRatio: ratio.default(0.01),
    /** p95 latency (seconds) above which the latency alert fires. */
    latencyP95Seconds: z.number().gt(0).default(0.5),
    /** RDS free storage, percent of the allocated storage, below which the storage alert fires. */
    freeStoragePercent: z.number().gt(0).lt(100).default(10),
    /** Age of the newest daily backup (and of the newest passed restore check) above which they alert. */
    backupMaxAge: duration("26h").default("26h"),
    /** A restore check slower than this misses the recovery time objective. */
    restoreMaxDuration: duration("1h").default("1h"),
    /** Recovery point objective: a point-in-time recovery lag (or the DR region's) above this alerts. */
    rpoTarget: duration("15m").default("15m"),
    /** Availability objective of the service, 0 < x < 1. */
    sloObjective: z.number().gt(0).lt(1).default(0.999),
    /** The period the objective is measured over. */
    sloWindow: duration("30d").default("30d"),
    /**
     * Requests per second a color must serve before its error-ratio or latency alert may fire: an
     * idle color (probe traffic only) cannot page on a handful of requests. @default 1
     */
    minRequestRate: z.number().min(0).default(1),
    /** A smoke-gate verdict older than this no longer alerts (the color was since fixed or removed). @default "24h" */
    gateVerdictMaxAge: duration("24h").default("24h"),
});

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
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
 * sets `launchpad:observability.runbookBaseUrl` to its own.
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
        /** How long the analysis watches the new live color. @default - the tier's `analysisWindow` (production 10m, staging 3m) */
        window: duration("10m").optional(),
        /** Time between two checks. @default "30s" */
        interval: duration("30s").default("30s"),
        /** Requests (over the alerts' 5-minute rate window) a check needs to judge; below it the check judges nothing. @default 100 */
        minRequests: z.int().min(0).default(100),
    }).optional(),
});

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
     * @default - no heartbeat contact point, and Grafana leaves the Watchdog out
     */
    heartbeatUrl: z.string().min(1).optional(),
});

export const tagsSchema = z.record(
    z.string().min(1).max(128),
    z.string().max(256),
).default({});

/**
 * The raw config as read from the stack: keys are full config keys so issue paths name them.
 * Secrets are plain strings here; `config/parse.ts` wraps them with `pulumi.secret` after validation.
 */
export const rawConfigSchema = z.strictObject({
    "aws:region": region,
    "launchpad:tier": z.enum(TIERS),
    "launchpad:drRegion": region,
    "launchpad:network": networkSchema.default(networkSchema.parse({})),
    "launchpad:cluster": clusterSchema.default(clusterSchema.parse({})),
    "launchpad:nodeGroup": nodeGroupSchema.default(nodeGroupSchema.parse({})),
    "launchpad:database": databaseSchema.default(databaseSchema.parse({})),
    "launchpad:backup": backupSchema.default(backupSchema.parse({})),
    "launchpad:observability": observabilitySchema.default(observabilitySchema.parse({})),
    "launchpad:alerting": alertingSchema.default(alertingSchema.parse({})),
    "launchpad:tags": tagsSchema,
    "launchpad:services": servicesSchema,
    "launchpad:activeColor": z.enum(COLORS).default("blue"),
    "launchpad:promotion": promotionSchema.default({ allowUnverified: false, requireLoad: false, historyLength: 10 }),
    /** The Grafana provider's own keys: where dashboards, rules and contact points go. */
    "grafana:url": httpUrl("https://grafana.example.com").optional(),
    "grafana:auth": z.string().min(1).optional(),
});

export type RawConfig = z.output<typeof rawConfigSchema>;

/** Keys read from the `launchpad` namespace, in the order docs/configuration.md lists them. */
export const LAUNCHPAD_KEYS = Object.keys(rawConfigSchema.shape)
    .filter((k) => k.startsWith("launchpad:"))
    .map((k) => k.slice("launchpad:".length));

/** Keys whose value is a structured object (JSON in the runtime's config map). */
export const OBJECT_KEYS: ReadonlySet<string> = new Set(["network", "cluster", "nodeGroup", "database", "backup", "tags", "observability", "alerting", "services", "promotion"]);

/**
 * Config paths that must be set as secrets (`pulumi config set --secret --path ...`). Not
 * `alerting.heartbeatUrl`: Grafana keeps a webhook contact point's URL as a plain setting (only
 * `password` and `authorization_credentials` are secure: grafana/grafana
 * pkg/services/ngalert/notifier/channels_config/available_channels.go), so a secret would end up in
 * clear there; a heartbeat ping URL can do nothing but ping, and config refuses it as a secret.
 */
export const SECRET_PATHS = [
    "launchpad:cluster.kubeconfig",
    "launchpad:alerting.slackWebhookUrl",
    "launchpad:alerting.pagerDutyIntegrationKey",
    "grafana:auth",
] as const;

/** Graviton families carry a `g` after the generation digit (m7g, c7gn, r8g, t4g); `a1` is the first Graviton. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^([a-z]+\d+g[a-z]*|a1)\./.test(instanceType);
}
