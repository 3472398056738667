/**
 * Observability: where metrics go, the exporters the alerts read, and Grafana as code.
 *
 * - Metrics backend: with EKS and no `prometheusUrl`, an Amazon Managed Service for Prometheus
 *   workspace and a managed scraper of the cluster (no Prometheus runs in the cluster), which AMP
 *   gives its own EKS access entry, with AWS's documented ClusterRole for `aps-collector-user`. Otherwise
 *   the configured Prometheus-compatible URL, which scrapes the exporters itself.
 * - In the cluster, pinned Helm charts: kube-state-metrics (Job, CronJob, Deployment state) and a
 *   Pushgateway (backup, restore-check and smoke-gate results), exported as `pushgatewayUrl`.
 * - With `grafana:url`: a provider, a folder, the data sources (fixed uids), the dashboards, the
 *   rule groups, the contact points, the one notification policy and the maintenance mute timing.
 *
 * The builders (`alertGroups`, `grafanaRuleGroups`, `stackDashboards`, `notificationPolicyArgs`,
 * ...) are pure and exported: the tests call them directly.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { isOfflinePlan, isTargetedSwitch, offlineRecordUnknown, type ContactPointsConfig, type MaintenanceWindow, type ObservabilityConfig } from "../config";
import { alertPanel, grafanaUids, prometheusDatasourceType, stackDashboards, toConfigJson } from "../dashboards";
import { childTags, type Tags } from "../lib/tags";
import { ROLE_LABEL, SELECTOR_LABELS } from "../lib/delivery";
import { restrictedContainer, restrictedPod } from "../lib/pod-security";
import { HELM_CHARTS, type HelmChartPin } from "../lib/versions";
import { alertGroups, type AlertContext } from "../observability/alerts";
import { SCRAPE_INTERVAL_SECONDS, SMOKE_GROUPING_LABELS } from "../observability/catalogue";
import { grafanaRuleGroups } from "../observability/grafana-rules";
import { checkPolicyTree } from "../observability/grafana-policy-tree";
import { ENVIRONMENT_LABEL, grafanaServer, sharedGrafanaProblem, type GrafanaTarget } from "../observability/grafana-target";
import { EXPORTER_SERVICES, SCRAPER_CLUSTER_ROLE_RULES, SCRAPER_USER, scrapeAnnotations as podScrapeAnnotations, scrapeConfiguration } from "../observability/scrape-config";

/** `nobody`, the user both exporters' images run as. */
const NOBODY = 65534;

export const PUSHGATEWAY_PORT = 9091;

/**
 * Most subnets an AMP scraper takes: CreateScraper's `EksConfiguration.subnetIds` has "Maximum number
 * of 5 items" (AMP API Reference, API_EksConfiguration), and at least two in two AZs (AMP user guide,
 * AMP-collector-how-to, "You must include at least two subnets, in at least two availability zones").
 */
export const SCRAPER_MAX_SUBNETS = 5;

/** The subnets (ids or CIDRs, in AZ order) an AMP scraper is given: the first {@link SCRAPER_MAX_SUBNETS}, one ENI in each. */
export function scraperSubnets<T>(privateSubnetsByZone: readonly T[]): T[] {
    return privateSubnetsByZone.slice(0, SCRAPER_MAX_SUBNETS);
}

export interface ObservabilityArgs {
    readonly config: ObservabilityConfig;
    /** The alerts' and dashboards' view of the stack. */
    readonly alerts: AlertContext;
    /** `<project>-<stack>`: names the workspace. */
    readonly identifier: string;
    readonly region: string;
    readonly tags: Tags;
    /** The application namespace, as config names it (a plain string: scrape config and URLs hold it). */
    readonly namespace: string;
    /** The same name read from the Namespace resource: the Helm releases take it, so they depend on the Namespace. */
    readonly namespaceRef: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    /**
     * Resolves once the stack's identity check passed (Environment.checkIdentity). The Grafana
     * provider's URL waits on it, as the AWS provider's region does, and every Grafana resource waits
     * on its provider's registration: a refused change registers nothing in Grafana either.
     */
    readonly identityChecked: pulumi.Output<unknown>;
    /**
     * The StorageClass the Pushgateway's volume claims, read from the resource that creates it (the
     * Platform's gp3 class on Launchpad's EKS): the release then waits for the class, and a destroy
     * removes the claim before the class and its CSI driver, which must delete the EBS volume.
     * @default - the cluster's default StorageClass (an existing cluster declares one in `cluster.provides`)
     */
    readonly storageClassName?: pulumi.Input<string>;
    /**
     * Present when Launchpad created EKS: what the managed scraper needs.
     * @default - no managed scraper and no AMP workspace: metrics go to `prometheusUrl`, which finds the exporters by annotation
     */
    readonly eks?: {
        readonly clusterArn: pulumi.Input<string>;
        readonly subnetIds: pulumi.Input<string[]>;
        readonly securityGroupIds: pulumi.Input<string>[];
    };
    /**
     * The promotion source stack and its Grafana target (its `grafanaTarget` output, read through the
     * Promotion's StackReference): the notification policy waits until this stack's organization is
     * shown to be another ({@link sharedGrafanaProblem}).
     * @default - no check: a stack without a promotion source
     */
    readonly grafanaPeer?: { readonly stack: string; readonly target: pulumi.Output<GrafanaTarget | undefined> };
}

/** The Pushgateway's in-cluster URL, for the backup jobs and the smoke runner. */
export function pushgatewayUrl(namespace: string): string {
    return `http://${EXPORTER_SERVICES.pushgateway}.${namespace}.svc.cluster.local:${PUSHGATEWAY_PORT}`;
}

/** The resources kube-state-metrics watches: those whose labels `metricLabelsAllowlist` exposes, all namespaced. */
export const KUBE_STATE_METRICS_COLLECTORS = ["cronjobs", "deployments", "jobs", "pods", "services"] as const;

/**
 * kube-state-metrics values: the blue/green labels exposed as metric labels, and only the application
 * namespace watched. The chart's default is a ClusterRole (`rbac.useClusterRole: true`, chart 8.4.0
 * templates/role.yaml) over 28 collectors, `list` on every Secret of the cluster among them, named
 * `kube-state-metrics` cluster-wide, which a second stack or a team's own release of that name on the
 * same cluster collides with. `useClusterRole: false` makes it a Role and RoleBinding in `namespaces`,
 * with `--namespaces` and `--resources` to match: the upstream README's "Limited privileges
 * environment" set-up (kubernetes/kube-state-metrics README.md at v2.20.0).
 */
export function kubeStateMetricsValues(scrapeAnnotations: boolean, namespace: string): Record<string, unknown> {
    return {
        fullnameOverride: EXPORTER_SERVICES.kubeStateMetrics,
        collectors: [...KUBE_STATE_METRICS_COLLECTORS],
        namespaces: namespace,
        rbac: { useClusterRole: false },
        // Pods' app, color and role: the per-color CPU and memory panels join cAdvisor's series through
        // kube_pod_labels, the serving pods only (a gate, migration or load-test Job's pod has the app and color too).
        metricLabelsAllowlist: [
            `deployments=[${SELECTOR_LABELS.app},${SELECTOR_LABELS.color},${ROLE_LABEL}]`,
            `pods=[${SELECTOR_LABELS.app},${SELECTOR_LABELS.color},${ROLE_LABEL}]`,
            `services=[${ROLE_LABEL}]`,
            "cronjobs=[*]",
            "jobs=[*]",
        ],
        securityContext: restrictedPod({ uid: NOBODY, fsGroup: NOBODY }),
        containerSecurityContext: restrictedContainer(),
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        // Always set: the chart's default is `prometheusScrape: true` (values.yaml), so leaving it out
        // under the managed scraper still annotated the Service.
        prometheusScrape: scrapeAnnotations,
    };
}

/**
 * Where the Pushgateway's volume is mounted: `persistentVolume.mountPath` of the
 * prometheus-pushgateway chart 2.15.0 (values.yaml default `/data`; templates/_helpers.tpl mounts the
 * `storage-volume` there), set explicitly so the file below cannot drift off the volume.
 */
export const PUSHGATEWAY_DATA_DIR = "/data";
/**
 * The file the Pushgateway saves its metrics to: `--persistence.file`, "File to persist metrics. If
 * empty, metrics are only kept in memory." (prometheus/pushgateway main.go at v1.10.0, the chart's app).
 */
export const PUSHGATEWAY_PERSISTENCE_FILE = `${PUSHGATEWAY_DATA_DIR}/pushgateway.data`;

/**
 * Pushgateway values: persisted to its volume, so a restart does not turn every backup alert into
 * "absent". `storageClass` is the chart's `persistentVolume.storageClass` (values.yaml of 2.15.0:
 * unset, the claim asks for the cluster's default class).
 */
export function pushgatewayValues(scrapeAnnotations: boolean, storageClass?: pulumi.Input<string>): Record<string, unknown> {
    return {
        fullnameOverride: EXPORTER_SERVICES.pushgateway,
        persistentVolume: { enabled: true, size: "1Gi", mountPath: PUSHGATEWAY_DATA_DIR, ...(storageClass !== undefined ? { storageClass } : {}) },
        extraArgs: [`--persistence.file=${PUSHGATEWAY_PERSISTENCE_FILE}`, "--persistence.interval=1m"],
        securityContext: restrictedPod({ uid: NOBODY, fsGroup: NOBODY }),
        containerSecurityContext: restrictedContainer(),
        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        ...(scrapeAnnotations ? { podAnnotations: podScrapeAnnotations(PUSHGATEWAY_PORT) } : {}),
    };
}

/** Receivers by name: page alerts to PagerDuty, else Slack, else e-mail; tickets to Slack, else e-mail, else PagerDuty. */
export function routing(cp: { emailAddresses: readonly string[]; slack: boolean; pagerDuty: boolean }): { page: string; ticket: string; receivers: string[] } {
    const receivers = [...(cp.pagerDuty ? ["pagerduty"] : []), ...(cp.slack ? ["slack"] : []), ...(cp.emailAddresses.length > 0 ? ["email"] : [])];
    const first = (order: string[]): string => order.find((r) => receivers.includes(r)) ?? "email";
    return { page: first(["pagerduty", "slack", "email"]), ticket: first(["slack", "email", "pagerduty"]), receivers };
}

/**
 * How often the Watchdog reaches the heartbeat. Alertmanager repeats a notification at the first
 * flush of the group (every `groupInterval`, 1m on the heartbeat route) at which the last one is
 * older than this (prometheus/alertmanager notify/notify.go `DedupStage.needsUpdate`), so the
 * pings come every 5 to 6 minutes: the heartbeat service's period must be 6 minutes or more.
 */
export const HEARTBEAT_REPEAT_INTERVAL = "5m";

/**
 * The one notification policy of the Grafana org: `severity` routes, this stack's alerts only, muted
 * in maintenance; with a heartbeat, `severity=none` (the Watchdog) to it alone, never muted, since a
 * muted heartbeat reads as a dead pipeline. The severity routes notify per alert and service: the
 * application's alerts carry the metric contract's `serviceLabel`, the smoke gate's its push's
 * `service` (SMOKE_GROUPING_LABELS); grouped by a label an alert lacks, every service's alerts of
 * one name would share one notification, and one PagerDuty incident (its dedup key is the group's).
 */
export function notificationPolicyArgs(stack: string, names: { page: string; ticket: string; heartbeat?: string }, muteTiming: string, serviceLabel: string): grafana.alerting.NotificationPolicyArgs {
    const route = (severity: string, contactPoint: string, repeatInterval: string) => ({
        contactPoint,
        matchers: [{ label: "severity", match: "=", value: severity }, { label: ENVIRONMENT_LABEL, match: "=", value: stack }],
        groupBies: [...new Set(["alertname", ENVIRONMENT_LABEL, serviceLabel, SMOKE_GROUPING_LABELS[0]])],
        muteTimings: [muteTiming],
        repeatInterval,
    });
    return {
        contactPoint: names.ticket,
        groupBies: ["alertname", ENVIRONMENT_LABEL],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
        policies: [
            ...(names.heartbeat !== undefined
                ? [{
                      contactPoint: names.heartbeat,
                      matchers: [{ label: "severity", match: "=", value: "none" }, { label: ENVIRONMENT_LABEL, match: "=", value: stack }],
                      groupBies: ["alertname", ENVIRONMENT_LABEL],
                      groupWait: "0s",
                      groupInterval: "1m",
                      repeatInterval: HEARTBEAT_REPEAT_INTERVAL,
                  }]
                : []),
            route("page", names.page, "1h"),
            route("ticket", names.ticket, "12h"),
        ],
    };
}

/** Mute timing intervals in Grafana's form, UTC. */
export function muteIntervals(windows: readonly MaintenanceWindow[]): grafana.types.input.alerting.MuteTimingInterval[] {
    return windows.map((w) => ({ weekdays: [...w.weekdays], times: [{ start: w.start, end: w.end }], location: "UTC" }));
}

/**
 * The AWS credentials Grafana signs the AMP and CloudWatch queries with, a grafana-aws-sdk auth type.
 * Grafana refuses any type its `allowed_auth_providers` leaves out ("trying to use non-allowed auth
 * method", grafana/grafana-aws-sdk pkg/awsauth/auth.go `GetConfig` at bffb8ad), and no one value is allowed everywhere:
 * - Amazon Managed Grafana signs with the workspace's IAM role, `ec2_iam_role` ("Workspace IAM role":
 *   pkg/awsauth/authtype.go; added for AMG, where neither environment variables nor a credentials
 *   file exist, grafana/grafana#31764; "only enabled by default in Amazon Managed Grafana", Grafana 8
 *   docs datasources/aws-cloudwatch/aws-authentication.md). The AMP plugin takes the same types in
 *   `sigV4AuthType` (grafana-amazonprometheus-datasource docs/sources/configure.md at 7abea3c).
 * - Any other Grafana allows `default`, `keys` and `credentials` unless configured otherwise
 *   (pkg/awsds/authSettings.go `defaultAuthSettings`): `default` is the AWS SDK chain, e.g. IRSA
 *   on EKS, and `ec2_iam_role` is refused there.
 * An AMG workspace is told by its endpoint, `g-<id>.grafana-workspace.<region>.amazonaws.com`
 * (awscli examples/grafana/list-workspaces.rst).
 */
export type GrafanaAwsAuth = "ec2_iam_role" | "default";

export function grafanaAwsAuth(grafanaUrl: string): GrafanaAwsAuth {
    return /^https:\/\/[^/?#]+\.grafana-workspace\.[a-z0-9-]+\.amazonaws\.com(?::443)?(?:[/?#]|$)/i.test(grafanaUrl) ? "ec2_iam_role" : "default";
}

/**
 * Grafana's data sources, fixed uids (`grafanaUids` of the stack's `identifier`): the stack's
 * Prometheus (for AMP, SigV4-signed through AMP's own plugin: `AMP_DATASOURCE_TYPE`, since SigV4 on
 * the core Prometheus data source is deprecated and migrated away) and, with a data layer,
 * CloudWatch, both signing as `awsAuth` ({@link grafanaAwsAuth}); each with the key that names its child.
 */
export function dataSources(d: { stack: string; identifier: string; region: string; queryUrl: pulumi.Input<string>; sigV4: boolean; cloudWatch: boolean; awsAuth: GrafanaAwsAuth }): { key: string; args: grafana.oss.DataSourceArgs }[] {
    const uids = grafanaUids(d.identifier);
    return [
        {
            key: "prometheus",
            args: {
                uid: uids.prometheus,
                name: `Launchpad ${d.stack} Prometheus`,
                type: prometheusDatasourceType(d.sigV4),
                url: d.queryUrl,
                // With AMP the stack's own scraper sets the scrape interval: Grafana takes `timeInterval`
                // as it (default 15s) and makes $__rate_interval at least 4 of them (grafana/grafana
                // pkg/promlib/models/query.go calculateRateInterval; packages/grafana-prometheus
                // datasource.ts `jsonData.timeInterval || '15s'`). Left at 15s, the panels' rate()
                // windows would hold 2 of the 30 s scrapes, and one missed scrape would leave a gap.
                jsonDataEncoded: JSON.stringify(d.sigV4
                    ? { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: d.awsAuth, sigV4Region: d.region, timeInterval: `${SCRAPE_INTERVAL_SECONDS}s` }
                    : { httpMethod: "POST" }),
            },
        },
        ...(d.cloudWatch
            ? [{
                  key: "cloudwatch",
                  args: { uid: uids.cloudwatch, name: `Launchpad ${d.stack} CloudWatch`, type: "cloudwatch", jsonDataEncoded: JSON.stringify({ authType: d.awsAuth, defaultRegion: d.region }) },
              }]
            : []),
    ];
}

/** A contact point's name in Grafana: `<project>-<stack>-<receiver>`, under the stack's Grafana prefix (`grafanaUids` of its identifier). */
export function contactPointName(identifier: string, receiver: string): string {
    return `${grafanaUids(identifier).folder}-${receiver}`;
}

/** The maintenance mute timing's name in Grafana, which the notification policy names too: `<project>-<stack>-maintenance`. */
export function muteTimingName(identifier: string): string {
    return `${grafanaUids(identifier).folder}-maintenance`;
}

/**
 * The contact points' text, Go templates on the notification's data (Grafana's alerting builds it
 * with prometheus/alertmanager notify.GetTemplateData: grafana/alerting templates/template_data.go
 * `TmplText`). `.CommonAnnotations` holds only what every alert of the notification shares
 * (prometheus/alertmanager template/template.go `Data`): two alerts of one group with different
 * summaries (both colors of a service failing; or, with the data source down, the `DatasourceError`
 * of every page rule, one group) leave it empty, and an empty `payload.summary` is a PagerDuty
 * trigger its Events API refuses (summary is required). Then the title is Grafana's own default,
 * `default.title` ("[FIRING:2] DatasourceError production (…)": the count, the group's labels, the
 * other labels the alerts share; vendor/grafana-alerting/), and
 * the text lists each alert; one alert reads as before.
 */
export const NOTIFICATION_TEMPLATES = {
    title: '{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ template "default.title" . }}{{ end }}',
    text: "{{ with .CommonAnnotations.description }}{{ . }}\n{{ $.CommonAnnotations.runbook_url }}" +
        "{{ else }}{{ range $.Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ .Annotations.runbook_url }}\n{{ end }}{{ end }}",
} as const;

/**
 * The contact points the configured receivers make, in a fixed order (PagerDuty, Slack, e-mail,
 * the heartbeat), each with the receiver that names its child; named under the stack's
 * `identifier`, the e-mail subject naming the `stack`.
 */
export function contactPoints(s: { stack: string; identifier: string }, cp: ContactPointsConfig): { receiver: string; args: grafana.alerting.ContactPointArgs }[] {
    const stack = s.stack;
    const name = (receiver: string): string => contactPointName(s.identifier, receiver);
    return [
        ...(cp.pagerDutyIntegrationKey !== undefined
            ? [{ receiver: "pagerduty", args: { name: name("pagerduty"), pagerduties: [{ integrationKey: cp.pagerDutyIntegrationKey, severity: "critical", summary: NOTIFICATION_TEMPLATES.title }] } }]
            : []),
        ...(cp.slackWebhookUrl !== undefined
            ? [{ receiver: "slack", args: { name: name("slack"), slacks: [{ url: cp.slackWebhookUrl, title: NOTIFICATION_TEMPLATES.title, text: NOTIFICATION_TEMPLATES.text }] } }]
            : []),
        ...(cp.emailAddresses.length > 0
            ? [{ receiver: "email", args: { name: name("email"), emails: [{ addresses: [...cp.emailAddresses], singleEmail: true, subject: `[launchpad ${stack}] ${NOTIFICATION_TEMPLATES.title}` }] } }]
            : []),
        // The heartbeat service only counts arrivals: a plain webhook POST is all it needs. No
        // resolved message: when the Watchdog stops firing (Grafana cannot evaluate it, see
        // execErrState), one last "resolved" POST would be one more ping of a dead pipeline.
        ...(cp.heartbeatUrl !== undefined ? [{ receiver: "heartbeat", args: { name: name("heartbeat"), webhooks: [{ url: cp.heartbeatUrl, httpMethod: "POST", disableResolveMessage: true }] } }] : []),
    ];
}

export class Observability extends pulumi.ComponentResource {
    /** In-cluster URL of the Pushgateway. */
    public readonly pushgatewayUrl: pulumi.Output<string>;
    /** The metrics query URL Grafana reads (AMP workspace endpoint or the configured URL); undefined with neither. */
    public readonly prometheusQueryUrl: pulumi.Output<string> | undefined;
    /**
     * `prometheusQueryUrl` for what reads the stack's own metrics during this update (the load gate's
     * server-side judgement): with AMP, resolved only once the managed scraper's step is done, and its
     * create and update wait until it is ACTIVE (terraform-provider-aws internal/service/amp/scraper.go
     * `waitScraperCreated`, 30 minutes; `waitScraperUpdated`). On a first up the scraper is created
     * beside the workloads and AWS takes minutes to activate it: a load gate run before then found no
     * series of its color's pods and failed closed (loadtest/server.ts). Taken from the scraper's URN,
     * known in a preview, so no Job shows a change there.
     */
    public readonly scrapedQueryUrl: pulumi.Output<string> | undefined;
    /** Undefined without AMP. */
    public readonly ampWorkspaceArn: pulumi.Output<string> | undefined;
    /** Undefined without `grafana:url`. */
    public readonly grafanaFolderUid: pulumi.Output<string> | undefined;
    /** The server and organization the stack's alerting lives in; undefined without `grafana:url`. */
    public readonly grafanaTarget: pulumi.Output<GrafanaTarget> | undefined;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:observability:Observability", name, {}, opts);
        const { config } = args;
        const useAmp = config.backend.kind === "amp" && args.eks !== undefined;

        const amp = useAmp && args.eks !== undefined ? this.createAmp(name, args, args.eks) : undefined;
        this.ampWorkspaceArn = amp?.workspace.arn;
        // An existing cluster without prometheusUrl has no backend Launchpad knows of (config refuses that with grafana:url).
        this.prometheusQueryUrl = amp !== undefined ? amp.workspace.prometheusEndpoint
            : config.backend.kind === "prometheus" ? pulumi.output(config.backend.url) : undefined;
        this.scrapedQueryUrl = amp !== undefined ? pulumi.all([amp.scraper.urn, amp.workspace.prometheusEndpoint]).apply(([, url]) => url) : this.prometheusQueryUrl;

        // Without the managed scraper, the team's Prometheus finds the exporters by annotation.
        const annotate = !useAmp;
        this.exporter(`${name}-kube-state-metrics`, args, EXPORTER_SERVICES.kubeStateMetrics, HELM_CHARTS.kubeStateMetrics, kubeStateMetricsValues(annotate, args.namespace));
        const pushgateway = this.exporter(`${name}-pushgateway`, args, EXPORTER_SERVICES.pushgateway, HELM_CHARTS.pushgateway, pushgatewayValues(annotate, args.storageClassName));
        // Taken from the release, so what pushes to it (the gate Jobs, the backup CronJobs) depends on it and
        // is applied once its install completed: a release's URN resolves only when its step is done
        // (pulumi/pulumi pkg/resource/deploy/source_eval.go `RegisterResource`, "block waiting for the
        // operation to finish"), and the install waits for the Pushgateway's pod (Helm's wait: pulumi-kubernetes
        // provider/pkg/provider/helm_release.go `client.Wait = !SkipAwait`). A plain string let a first
        // up's gate push to a Service not yet there: the runner reports a failed push on stderr only
        // (smoke/cli.ts), so the verdict was lost to the dashboards. The URN is known in a preview, so
        // the value stays known and no pod template shows a change.
        this.pushgatewayUrl = pushgateway.urn.apply(() => pushgatewayUrl(args.namespace));

        const queryUrl = this.prometheusQueryUrl;
        const g = config.grafana !== undefined && queryUrl !== undefined ? this.createGrafana(name, args, config.grafana, queryUrl, useAmp) : undefined;
        this.grafanaFolderUid = g?.folderUid;
        this.grafanaTarget = g?.target;

        this.registerOutputs({
            pushgatewayUrl: this.pushgatewayUrl,
            prometheusQueryUrl: this.prometheusQueryUrl,
            ampWorkspaceArn: this.ampWorkspaceArn,
            grafanaFolderUid: this.grafanaFolderUid,
            grafanaTarget: this.grafanaTarget,
        });
    }

    /** A chart pinned in lib/versions.ts, in the application namespace, released as `release`. */
    private exporter(name: string, args: ObservabilityArgs, release: string, pin: HelmChartPin, values: Record<string, unknown>): k8s.helm.v3.Release {
        return new k8s.helm.v3.Release(name, {
            name: release,
            namespace: args.namespaceRef,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
            values,
            atomic: true,
        }, { parent: this, provider: args.k8sProvider });
    }

    /**
     * The AMP workspace, the managed scraper and AWS's ClusterRole for it. No access entry: AMP creates
     * the scraper's own in a cluster of `API` authentication mode, which Launchpad's is (components/
     * cluster.ts `accessConfig`), and deletes it with the scraper (AMP user guide AMP-collector-how-to.md,
     * "Configure Amazon EKS for scraper access with access entries"; the scraper's service-linked role may
     * `eks:DeleteAccessEntry` its own: AmazonPrometheusScraperServiceRolePolicy v2). EKS takes one entry
     * per principal (CreateAccessEntry, ResourceInUseException), so one of Launchpad's failed the first up.
     * The ClusterRole and its binding to `aps-collector-user` are AWS's manual set-up (same page,
     * "Manually configuring Amazon EKS for scraper access"), kept as documented.
     */
    private createAmp(name: string, args: ObservabilityArgs, eks: NonNullable<ObservabilityArgs["eks"]>): { workspace: aws.amp.Workspace; scraper: aws.amp.Scraper } {
        const workspace = new aws.amp.Workspace(`${name}-amp`, {
            alias: args.identifier,
            tags: childTags(args.tags, `${name}-amp`),
        }, { parent: this });
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const role = new k8s.rbac.v1.ClusterRole(`${name}-scraper-role`, {
            metadata: { name: "aps-collector-role" },
            rules: SCRAPER_CLUSTER_ROLE_RULES,
        }, k8sOpts);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-scraper-binding`, {
            metadata: { name: "aps-collector-user-role-binding" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "User", name: SCRAPER_USER, apiGroup: "rbac.authorization.k8s.io" }],
        }, k8sOpts);
        const scraper = new aws.amp.Scraper(`${name}-scraper`, {
            alias: args.identifier,
            source: { eks: { clusterArn: eks.clusterArn, subnetIds: eks.subnetIds, securityGroupIds: eks.securityGroupIds } },
            destination: { amp: { workspaceArn: workspace.arn } },
            scrapeConfiguration: scrapeConfiguration(args.namespace, args.config.metrics),
            tags: childTags(args.tags, `${name}-scraper`),
        }, { parent: this, dependsOn: [binding] });
        return { workspace, scraper };
    }

    /** Grafana as code: provider, folder, data sources, dashboards, rules, contact points, policy, mute timing. */
    private createGrafana(name: string, args: ObservabilityArgs, g: NonNullable<ObservabilityConfig["grafana"]>, queryUrl: pulumi.Output<string>, sigV4: boolean): { folderUid: pulumi.Output<string>; target: pulumi.Output<GrafanaTarget> } {
        const stack = args.alerts.stack;
        const uids = grafanaUids(args.identifier);
        const provider = new grafana.Provider(`${name}-grafana`, { url: args.identityChecked.apply(() => g.url), ...(g.auth !== undefined ? { auth: g.auth } : {}) }, { parent: this });
        const gOpts = { parent: this, provider };
        const folder = new grafana.oss.Folder(`${name}-folder`, { uid: uids.folder, title: `Launchpad ${stack}` }, gOpts);

        const sources = dataSources({ stack, identifier: args.identifier, region: args.region, queryUrl, sigV4, cloudWatch: args.alerts.data !== undefined, awsAuth: grafanaAwsAuth(g.url) })
            .map((d) => new grafana.oss.DataSource(`${name}-${d.key}`, d.args, gOpts));
        // The Prometheus data source comes first and always: Grafana reports the org it was created in.
        const target = this.checkGrafanaTarget(g, sources[0], args.grafanaPeer, stack);

        const dashboards = stackDashboards({
            stack,
            identifier: args.identifier,
            namespace: args.namespace,
            sharedPrometheus: args.alerts.namespace !== undefined,
            region: args.region,
            metrics: args.config.metrics,
            thresholds: args.config.thresholds,
            dbInstanceIdentifier: args.alerts.data?.dbInstanceIdentifier,
            backupVaultName: args.alerts.data?.backupVaultName,
            containerMetrics: args.alerts.containerMetrics,
            drReplication: args.alerts.data?.drReplication ?? false,
            dbEngine: args.alerts.data?.engine,
            prometheusType: prometheusDatasourceType(sigV4),
        });
        for (const [key, d] of Object.entries(dashboards)) {
            new grafana.oss.Dashboard(`${name}-dashboard-${key}`, { folder: folder.uid, configJson: toConfigJson(d), overwrite: true }, gOpts);
        }

        const defs = alertGroups(args.alerts);
        grafanaRuleGroups(defs, {
            stack,
            folderUid: uids.folder,
            prometheusUid: uids.prometheus,
            prometheusType: prometheusDatasourceType(sigV4),
            panelOf: (alertName) => alertPanel(args.identifier, alertName, new Set(Object.values(dashboards).map((d) => d.uid ?? ""))),
            heartbeat: args.config.contactPoints.heartbeatUrl !== undefined,
        }).forEach((group, i) => {
            // The rules name the data source by its fixed uid, which makes no dependency, and Grafana's
            // provisioning API does not check it exists (OSS RuleMutationValidator is a no-op,
            // pkg/services/ngalert/provisioning/rule_validator.go): a rule evaluated before its data
            // source would send a DatasourceError to the page and ticket routes on the first up.
            new grafana.alerting.RuleGroup(`${name}-rules-${defs[i].name}`, { ...group, folderUid: folder.uid }, { ...gOpts, dependsOn: sources });
        });

        this.createNotifications(name, { stack, identifier: args.identifier }, args.config, target.checked, gOpts);
        return { folderUid: folder.uid, target: target.target };
    }

    /**
     * The stack's Grafana target, and the same once the organization is shown to be this stack's alone:
     * not the promotion source's ({@link sharedGrafanaProblem}; a warning in an offline plan without
     * previous outputs, whose organization is a stand-in), and its current notification policy tree
     * routing no other environment's alerts ({@link checkPolicyTree}, read from Grafana with the
     * provider's URL and credentials; a warning in a preview, skipped by the offline plan, which asks
     * no server). A `ResourceError` otherwise, before the notification policy, which waits on it, is registered.
     */
    private checkGrafanaTarget(g: NonNullable<ObservabilityConfig["grafana"]>, source: grafana.oss.DataSource, peer: ObservabilityArgs["grafanaPeer"], stack: string): { target: pulumi.Output<GrafanaTarget>; checked: pulumi.Output<GrafanaTarget> } {
        const url = g.url;
        // `orgId` is Grafana's answer after the create (resource_data_source.go datasourceToState), never unset then.
        const target = source.orgId.apply((orgId): GrafanaTarget => ({ url: grafanaServer(url), orgId: orgId ?? "" }));
        // The token only builds the read's header (observability/grafana-policy-tree.ts); unsecret so that
        // `checked`, which carries `target` alone, is not marked secret. Unset, the provider reads GRAFANA_AUTH.
        const auth = g.auth !== undefined ? pulumi.unsecret(g.auth) : pulumi.output(process.env.GRAFANA_AUTH);
        // The offline plan runs without a network and without Grafana: it reads no tree.
        const readTree = !isOfflinePlan();
        if (peer === undefined && !readTree) {
            return { target, checked: target };
        }
        const checked = pulumi.all([target, peer?.target, auth]).apply(async ([here, there, token]) => {
            if (peer !== undefined) {
                const problem = sharedGrafanaProblem({ stack, target: here }, { stack: peer.stack, target: there });
                if (problem !== undefined && offlineRecordUnknown()) {
                    // Offline without the stack's previous outputs, its org is the plan's stand-in (plan/mocks.ts),
                    // not Grafana's answer: one server with an org per stack, as the refusal itself advises, would fail every offline plan.
                    void pulumi.log.warn(`${problem}; this offline plan has no previous outputs, so this stack's organization is a stand-in and this is not refused here: pulumi up refuses it when Grafana reports the same organization`, this);
                } else if (problem !== undefined) {
                    this.refuseUnlessSwitch(problem);
                }
            }
            if (readTree) {
                const verdict = await checkPolicyTree({ stack, target: here }, url, token, { preview: pulumi.runtime.isDryRun() });
                if (verdict !== undefined && "refuse" in verdict) {
                    this.refuseUnlessSwitch(verdict.refuse);
                } else if (verdict !== undefined) {
                    void pulumi.log.warn(verdict.warn, this);
                }
            }
            return here;
        });
        return { target, checked };
    }

    /**
     * Refuses the update for a Grafana organization problem, except in a color switch's targeted
     * update (rollback, promote: `isTargetedSwitch`), which leaves the notification policy alone: a
     * warning there, so a rollback is never blocked by what it does not change.
     */
    private refuseUnlessSwitch(problem: string): void {
        if (!isTargetedSwitch()) {
            throw new pulumi.ResourceError(problem, this);
        }
        void pulumi.log.warn(`${problem}; not refused in this color switch's targeted update, which does not update the notification policy: the next pulumi up refuses it`, this);
    }

    /** Where alerts go: the contact points, the maintenance mute timing and the one notification policy. */
    private createNotifications(name: string, s: { stack: string; identifier: string }, config: ObservabilityConfig, targetChecked: pulumi.Output<GrafanaTarget>, gOpts: pulumi.CustomResourceOptions): void {
        const names = this.createContactPoints(name, s, config.contactPoints, gOpts);
        const mute = new grafana.alerting.MuteTiming(`${name}-maintenance`, {
            name: muteTimingName(s.identifier),
            intervals: muteIntervals(config.maintenance),
        }, gOpts);
        const policy = notificationPolicyArgs(s.stack, names, muteTimingName(s.identifier), config.metrics.serviceLabel);
        // The tree is the org's one: registered only once the org is shown to be this stack's alone (checkGrafanaTarget).
        new grafana.alerting.NotificationPolicy(`${name}-policy`, { ...policy, contactPoint: pulumi.all([targetChecked, policy.contactPoint]).apply(([, contactPoint]) => contactPoint) }, { ...gOpts, dependsOn: [mute, ...names.resources] });
    }

    private createContactPoints(name: string, s: { stack: string; identifier: string }, cp: ContactPointsConfig, gOpts: pulumi.CustomResourceOptions): { page: string; ticket: string; heartbeat?: string; resources: pulumi.Resource[] } {
        const r = routing({ emailAddresses: cp.emailAddresses, slack: cp.slackWebhookUrl !== undefined, pagerDuty: cp.pagerDutyIntegrationKey !== undefined });
        const resources = contactPoints(s, cp).map((c) => new grafana.alerting.ContactPoint(`${name}-contact-${c.receiver}`, c.args, gOpts));
        const cpName = (receiver: string): string => contactPointName(s.identifier, receiver);
        return { page: cpName(r.page), ticket: cpName(r.ticket), ...(cp.heartbeatUrl !== undefined ? { heartbeat: cpName("heartbeat") } : {}), resources };
    }
}
