/**
 * The schema of every `launchpad:*` stack config key (and the provider keys Launchpad reads),
 * assembled from the domain files (`network.ts`, `cluster.ts`, `database.ts`, ...) that own each
 * key's shape, cross-field rules and typed build.
 *
 * zod gives one place for shape, ranges, enums, defaults and cross-field rules, and reports every
 * issue of one parse at once; `config/errors.ts` turns its issues into messages that name the key,
 * the value received and what is allowed.
 *
 * Field defaults inside objects are declared in the domain schemas. `Pulumi.yaml` repeats them as
 * each object key's `default` (the CLI applies those when a key is absent);
 * `tests/config-reference.test.ts` proves the two agree, so a partially-set object and an absent one
 * resolve the same way.
 */
import { z } from "zod";
import { COLORS } from "../lib/delivery";
import { backupSchema } from "./backup";
import { clusterSchema } from "./cluster";
import { databaseSchema } from "./database";
import { networkSchema } from "./network";
import { nodeGroupSchema } from "./node-group";
import { alertingSchema, grafanaUrlSchema, observabilitySchema } from "./observability";
import { promotionSchema } from "./promotion";
import { regionSchema } from "./region";
import { servicesSchema } from "./services";
import { tagsSchema } from "./tags";
import { TIERS } from "./tier";

/**
 * The raw config as read from the stack: keys are full config keys so issue paths name them.
 * Secrets are plain strings here; each domain's build wraps them with `pulumi.secret` after validation.
 */
export const rawConfigSchema = z.strictObject({
    "aws:region": regionSchema,
    "launchpad:tier": z.enum(TIERS),
    "launchpad:drRegion": regionSchema,
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
    "launchpad:promotion": promotionSchema.default(promotionSchema.parse({})),
    /** The Grafana provider's own keys: where dashboards, rules and contact points go. */
    "grafana:url": grafanaUrlSchema.optional(),
    "grafana:auth": z.string().min(1).optional(),
});

export type RawConfig = z.output<typeof rawConfigSchema>;

/** Keys read from the `launchpad` namespace, in the order the README lists them. */
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
