/**
 * The schema of every `launchpad:*` stack config key (and the provider keys Launchpad reads),
 * assembled from the domain files (`network.ts`, `cluster.ts`, `database.ts`, ...) that own each
 * key's shape, cross-field rules and typed build.
 *
 * zod gives one place for shape, ranges, enums, defaults and cross-field rules, and reports every
 * issue of one parse at once; `config/errors.ts` turns its issues into messages that name the key,
 * the value received and what is allowed.
 *
 * Each key's description (`.meta({ description })`) and defaults live in its domain schema, the one
 * source of both: `npm run docs:config` (scripts/config-reference.ts) generates Pulumi.yaml's
 * `config:` block (the CLI applies an object key's `default` when the key is absent) and the
 * configuration reference from them, so a partially-set object and an absent one resolve the same way.
 */
import { z } from "zod";
import { backupSchema } from "./backup";
import { clusterSchema } from "./cluster";
import { databaseSchema } from "./database";
import { namePrefixSchema } from "./name-prefix";
import { networkSchema } from "./network";
import { nodeGroupSchema } from "./node-group";
import { alertingSchema, grafanaAuthSchema, grafanaUrlSchema, observabilitySchema } from "./observability";
import { promotionSchema } from "./promotion";
import { releaseIdKeySchema } from "./release-key";
import { awsRegionSchema, drRegionSchema } from "./region";
import { activeColorSchema, servicesSchema } from "./services";
import { tagsSchema } from "./tags";
import { tierSchema } from "./tier";

/**
 * The raw config as read from the stack: keys are full config keys so issue paths name them.
 * Secrets are plain strings here; each domain's build wraps them with `pulumi.secret` after validation.
 */
export const rawConfigSchema = z.strictObject({
    "aws:region": awsRegionSchema,
    "launchpad:tier": tierSchema,
    "launchpad:drRegion": drRegionSchema,
    "launchpad:namePrefix": namePrefixSchema.optional(),
    "launchpad:network": networkSchema.default(networkSchema.parse({})),
    "launchpad:cluster": clusterSchema.default(clusterSchema.parse({})),
    "launchpad:nodeGroup": nodeGroupSchema.default(nodeGroupSchema.parse({})),
    "launchpad:database": databaseSchema.default(databaseSchema.parse({})),
    "launchpad:backup": backupSchema.default(backupSchema.parse({})),
    "launchpad:observability": observabilitySchema.default(observabilitySchema.parse({})),
    "launchpad:alerting": alertingSchema.default(alertingSchema.parse({})),
    "launchpad:tags": tagsSchema,
    "launchpad:services": servicesSchema,
    "launchpad:activeColor": activeColorSchema,
    "launchpad:promotion": promotionSchema.default(promotionSchema.parse({})),
    "launchpad:releaseIdKey": releaseIdKeySchema.optional(),
    /** The Grafana provider's own keys: where dashboards, rules and contact points go. */
    "grafana:url": grafanaUrlSchema.optional(),
    "grafana:auth": grafanaAuthSchema.optional(),
});

export type RawConfig = z.output<typeof rawConfigSchema>;

/**
 * The config namespaces the program reads: its own and its explicit providers' (`aws`, `grafana`),
 * which read only the keys above, so any other key there is refused rather than silently ignored.
 */
export const CONFIG_NAMESPACES: readonly string[] = [...new Set(Object.keys(rawConfigSchema.shape).map((k) => k.slice(0, k.indexOf(":"))))];

/** Keys read from the `launchpad` namespace, in the order docs/configuration.md lists them. */
export const LAUNCHPAD_KEYS = Object.keys(rawConfigSchema.shape)
    .filter((k) => k.startsWith("launchpad:"))
    .map((k) => k.slice("launchpad:".length));

/** Keys whose value is a structured object (JSON in the runtime's config map). */
export const OBJECT_KEYS: ReadonlySet<string> = new Set(["network", "cluster", "nodeGroup", "database", "backup", "tags", "observability", "alerting", "services", "promotion"]);

/** An existing cluster's kubeconfig: its API server is the Kubernetes provider's `clusterIdentifier` (components/cluster.ts). */
export const KUBECONFIG_PATH = "launchpad:cluster.kubeconfig";

/**
 * Config paths that must be set as secrets (`pulumi config set --secret --path ...`). Not
 * `alerting.heartbeatUrl`: Grafana keeps a webhook contact point's URL as a plain setting (only
 * `password` and `authorization_credentials` are secure: grafana/grafana
 * pkg/services/ngalert/notifier/channels_config/available_channels.go), so a secret would end up in
 * clear there; a heartbeat ping URL can do nothing but ping, and config refuses it as a secret.
 */
export const SECRET_PATHS = [
    KUBECONFIG_PATH,
    "launchpad:alerting.slackWebhookUrl",
    "launchpad:alerting.pagerDutyIntegrationKey",
    "launchpad:releaseIdKey",
    "grafana:auth",
] as const;

/**
 * The leaves a secret may be set at: where Launchpad keeps it a secret end to end. A service's env
 * values go into a Kubernetes Secret read with `secretKeyRef`, a smoke check's headers and body into
 * the gate's policy Secret (config/services.ts `fromSecret`), and the SECRET_PATHS into provider
 * settings their providers keep secret. Any other leaf lands in clear somewhere (a pod spec, an AWS
 * setting or tag, a Grafana setting), so a secure value there is refused (`secretPlacementProblems`).
 */
export const SECRET_CAPABLE_PATHS: readonly RegExp[] = [
    ...SECRET_PATHS.map((p) => new RegExp(`^${p.replace(/[.]/g, "\\.")}$`)),
    /^launchpad:services\.[^.[]+\.(releases\.[^.[]+\.)?env(\.|\[)/,
    /^launchpad:services\.[^.[]+\.smoke\.checks\[\d+\]\.(headers(\.|\[)|body$)/,
];

/** Secure leaves refused by a rule of their own (tags, alerting.heartbeatUrl), not again here. */
const SECRET_REFUSED_ELSEWHERE: readonly RegExp[] = [/^launchpad:tags(\.|\[|$)/, /^launchpad:alerting\.heartbeatUrl$/];

/**
 * Each secure leaf of a known key that no SECRET_CAPABLE_PATHS admits. Only where the leaves are
 * known (`secretPaths`: the stack file, the offline plan); the runtime alone marks whole keys.
 */
export function secretPlacementProblems(secretPaths: ReadonlySet<string> | undefined): string[] {
    const known = Object.keys(rawConfigSchema.shape);
    return [...(secretPaths ?? [])]
        .filter((p) => known.includes(/^[^.[]+/.exec(p)?.[0] ?? p))
        .filter((p) => ![...SECRET_CAPABLE_PATHS, ...SECRET_REFUSED_ELSEWHERE].some((re) => re.test(p)))
        .sort()
        .map((p) =>
            `${p}: received [secret]; expected plain text: Launchpad writes this value where it is kept in clear (a pod spec, ` +
            "an AWS setting, a ConfigMap), so a secret goes only in a service's env values, a smoke check's headers or body, " +
            `or one of ${SECRET_PATHS.map((s) => s.replace(/^launchpad:/, "")).join(", ")}`,
        );
}

