/**
 * Parses a stack's raw config into the typed, frozen `LaunchpadConfig`: the orchestrator only.
 *
 * Each domain file (`network.ts`, `cluster.ts`, `database.ts`, ...) owns its key's schema, its
 * cross-field rules and its typed build. Here: every key is parsed on its own, each domain's rules
 * run on whatever parsed, every problem is collected so one run reports them all, then each domain
 * builds its part. Pure apart from the builds wrapping secrets in `pulumi.secret`: no engine, no files.
 */
import type { z } from "zod";
import { deepFreeze } from "../lib/freeze";
import { NAME_PREFIX_KEY, stackIdentifier } from "../lib/stack-name";
import { supportEndingWarnings } from "../lib/support-calendar";
import { buildBackup, type BackupConfig } from "./backup";
import { runDate, utcDay } from "./clock";
import { buildCluster, clusterProblems, clusterVersionProblems, existingClusterWarnings, hasDatabase, ignoredWithExistingCluster, usesExistingCluster, type EksClusterConfig, type ExistingClusterConfig } from "./cluster";
import { buildDatabase, databaseProblems, engineVersionProblems, type DatabaseConfig } from "./database";
import { ConfigError, describeValue, isUnder, keyProblems, memberKeyProblems } from "./errors";
import type { ConfigInput } from "./input";
import { namePrefixProblems } from "./name-prefix";
import { buildNetwork, networkProblems, podAddressProblems, privateSubnetTenants, publicSubnetProblems, type NetworkConfig } from "./network";
import { buildNodeGroup, nodeGroupProblems, type NodeGroupConfig } from "./node-group";
import { buildObservability, observabilityProblems, type ObservabilityConfig } from "./observability";
import { findPlaceholders, placeholderProblem, standInSecrets, type Placeholder } from "./placeholders";
import { buildPromotion, promotionProblems, promotionSourceWarnings, type PromotionConfig } from "./promotion";
import { arnPartitionProblems, caBundleProblems, regionProblems, regionWarnings } from "./region";
import { releaseIdKeyProblems } from "./release-key";
import { CONFIG_NAMESPACES, SECRET_PATHS, rawConfigSchema, secretPlacementProblems, type RawConfig } from "./schema";
import { buildServices, internalLoadBalancerCount, internetFacingLoadBalancerCount, serviceProblems, type ServiceConfig } from "./services";
import { buildTags, tagsProblems } from "./tags";
import { safetyFor, type Safety, type Tier } from "./tier";

export interface LaunchpadConfig {
    readonly project: string;
    readonly stack: string;
    /**
     * The prefix of every resource's name: `launchpad:namePrefix`, else `<project>-<stack>`
     * (lib/stack-name.ts `stackIdentifier`).
     */
    readonly identifier: string;
    readonly tier: Tier;
    readonly region: string;
    readonly drRegion: string;
    readonly safety: Safety;
    readonly network: NetworkConfig;
    readonly cluster: EksClusterConfig | ExistingClusterConfig;
    readonly nodeGroup: NodeGroupConfig;
    readonly database: DatabaseConfig;
    readonly backup: BackupConfig;
    readonly observability: ObservabilityConfig;
    /** `project`, `environment`, `managed-by` and the stack's extra tags: on every taggable AWS resource. */
    readonly tags: Readonly<Record<string, string>>;
    /** The application's services, sorted by name. */
    readonly services: readonly ServiceConfig[];
    /** Undefined: releases go live on this stack's own smoke gate alone. */
    readonly promotion: PromotionConfig | undefined;
    /** Releases per service the stack's `releaseHistory` output keeps (`launchpad:promotion.historyLength`). */
    readonly releaseHistoryLength: number;
    /** What a real run would refuse (`config/placeholders.ts`); always empty outside the offline plan. */
    readonly placeholders: readonly Placeholder[];
    /** What may fail at `pulumi up` that config cannot know for sure; `loadConfig` logs each as a warning. */
    readonly warnings: readonly string[];
}

type Shape = typeof rawConfigSchema.shape;
type Parsed = { -readonly [K in keyof Shape]?: z.output<Shape[K]> };

/** Each domain's rules, in one fixed order; each runs only on the values it reads that parsed. */
function crossFieldProblems(p: Parsed, input: ConfigInput, now: Date): string[] {
    // A value of a key the stack holds as a secret is never echoed.
    const show = (value: unknown, ...keys: string[]): string => describeValue(value, keys.some((k) => input.secretKeys.has(k)));
    const today = utcDay(now);
    const tier = p["launchpad:tier"];
    const cluster = p["launchpad:cluster"];
    const network = p["launchpad:network"];
    const services = p["launchpad:services"];
    return [
        ...clusterVersionProblems(input, today),
        ...engineVersionProblems(input, today),
        ...regionProblems(p["aws:region"], p["launchpad:drRegion"], show),
        ...arnPartitionProblems(p, p["aws:region"], show),
        ...nodeGroupProblems(p["launchpad:nodeGroup"], show, {
            // An existing cluster's nodes are not Launchpad's: no node group, nothing to split.
            azCount: cluster !== undefined && !usesExistingCluster(cluster) ? network?.azCount : undefined,
            safety: tier !== undefined ? safetyFor(tier) : undefined,
        }),
        ...databaseProblems(p["launchpad:database"], input, now, show),
        ...(cluster !== undefined ? caBundleProblems(p["aws:region"], p["launchpad:database"]?.caBundleUrl, hasDatabase(cluster, network), show) : []),
        ...networkProblems(network, tier, show),
        // The subnet plan's room for the node groups' pods: only where Launchpad makes the VPC and the nodes.
        ...(cluster !== undefined && !usesExistingCluster(cluster) && network !== undefined && p["launchpad:nodeGroup"] !== undefined
            ? podAddressProblems(network, p["launchpad:nodeGroup"], privateSubnetTenants({
                database: hasDatabase(cluster, network),
                // Unparsed observability: counted as the default, a managed scraper.
                ampScraper: p["launchpad:observability"]?.prometheusUrl === undefined,
                internalLoadBalancers: services !== undefined ? internalLoadBalancerCount(services) : 0,
            }), show)
            : []),
        // The public subnets' room for the internet-facing load balancers: likewise only in the VPC Launchpad makes.
        ...(cluster !== undefined && !usesExistingCluster(cluster) && network !== undefined && services !== undefined
            ? publicSubnetProblems(network, internetFacingLoadBalancerCount(services), show)
            : []),
        ...tagsProblems(p["launchpad:tags"], input, show),
        ...(services !== undefined && tier !== undefined && cluster !== undefined
            ? serviceProblems(services, { safety: safetyFor(tier), tier, hasDatabase: hasDatabase(cluster, network), secret: input.secretKeys.has("launchpad:services"), region: p["aws:region"],
                ...(usesExistingCluster(cluster) && p["launchpad:observability"]?.prometheusUrl === undefined
                    ? { noPrometheus: "an existing cluster, launchpad:cluster.kubeconfig, gets no AMP workspace, and launchpad:observability.prometheusUrl is not set" }
                    : {}) })
            : []),
        ...promotionProblems(p["launchpad:promotion"], tier, input.stack, show),
        ...releaseIdKeyProblems(p["launchpad:releaseIdKey"], input),
        ...clusterProblems(cluster, network, input.secretKeys, show),
        ...observabilityProblems({
            observability: p["launchpad:observability"],
            alerting: p["launchpad:alerting"],
            grafanaUrl: p["grafana:url"],
            grafanaAuth: p["grafana:auth"],
            tier,
            existingCluster: cluster !== undefined && usesExistingCluster(cluster),
        }, input),
    ];
}

function build(raw: RawConfig, input: ConfigInput, placeholders: readonly Placeholder[], today: string): LaunchpadConfig {
    const tier = raw["launchpad:tier"];
    const safety = safetyFor(tier);
    const network = raw["launchpad:network"];
    const cluster = raw["launchpad:cluster"];
    const database = raw["launchpad:database"];
    const promotion = raw["launchpad:promotion"];
    const promotionConfig = buildPromotion(promotion, safety);
    const databaseConfig = buildDatabase(database, raw["aws:region"]);
    const identifier = stackIdentifier(input.project, input.stack, raw[NAME_PREFIX_KEY]);
    return deepFreeze({
        project: input.project,
        stack: input.stack,
        identifier,
        tier,
        region: raw["aws:region"],
        drRegion: raw["launchpad:drRegion"],
        safety,
        network: buildNetwork(network, safety),
        cluster: buildCluster(cluster, network, identifier),
        nodeGroup: buildNodeGroup(raw["launchpad:nodeGroup"], network.azCount),
        database: databaseConfig,
        backup: buildBackup(raw["launchpad:backup"]),
        observability: buildObservability(raw["launchpad:observability"], raw["launchpad:alerting"], { url: raw["grafana:url"], auth: raw["grafana:auth"] }, databaseConfig.maintenanceWindow, safety),
        tags: buildTags(raw["launchpad:tags"], input.project, input.stack),
        services: buildServices(raw["launchpad:services"], raw["launchpad:activeColor"], safety, hasDatabase(cluster, network), input.secretKeys.has("launchpad:services"), raw["launchpad:releaseIdKey"]),
        promotion: promotionConfig,
        releaseHistoryLength: promotion.historyLength,
        placeholders: [...placeholders],
        warnings: [
            ...regionWarnings(raw["aws:region"], raw["launchpad:drRegion"], {
                // Production's database replicates its automated backups to the DR region (components/database.ts drBackups).
                replicatesDatabaseBackups: safety.replicateBackupsToDr && hasDatabase(cluster, network),
                secret: input.secretKeys.has("aws:region") || input.secretKeys.has("launchpad:drRegion"),
            }),
            ...existingClusterWarnings(input),
            ...promotionSourceWarnings(promotionConfig, input.project, input.stackFiles),
            // Only what the stack runs: its own EKS cluster, a database where it has a data layer; never a secret's value.
            ...supportEndingWarnings({
                ...(!usesExistingCluster(cluster) && !input.secretKeys.has("launchpad:cluster") ? { clusterVersion: cluster.version } : {}),
                ...(hasDatabase(cluster, network) && !input.secretKeys.has("launchpad:database") ? { database: databaseConfig } : {}),
            }, today),
        ],
    });
}

/**
 * Validates every key and returns the typed config, or throws one `ConfigError` listing every
 * problem (unknown keys, shapes, ranges, enums, cross-field rules and, unless `offlinePlan`, every
 * placeholder).
 */
export function parseConfig(input: ConfigInput): LaunchpadConfig {
    const problems: string[] = [];
    const parsed: Parsed = {};
    const shape = rawConfigSchema.shape;
    const known = Object.keys(shape);

    for (const key of Object.keys(input.values).sort()) {
        const namespace = key.slice(0, key.indexOf(":") + 1);
        if (CONFIG_NAMESPACES.includes(namespace.slice(0, -1)) && !known.includes(key)) {
            const allowed = known.filter((k) => k.startsWith(namespace)).join(", ");
            // The stack's AWS and Grafana providers are explicit: they read no other key of their namespace.
            const why = namespace === "launchpad:" ? "" : `: Launchpad's ${namespace.slice(0, -1)} provider is explicit and reads no other ${namespace}* key`;
            problems.push(`${key}: received ${describeValue(input.values[key], input.secretKeys.has(key))}; expected no such key (allowed: ${allowed})${why}`);
        }
    }
    for (const key of Object.keys(input.values).sort()) {
        problems.push(...memberKeyProblems(input.values[key], [key]));
    }
    for (const key of known as (keyof Shape)[]) {
        const value = input.values[key];
        const result = shape[key].safeParse(value);
        if (result.success) {
            (parsed as Record<string, unknown>)[key] = result.data;
        } else {
            problems.push(...keyProblems({ key, schema: shape[key], secretPaths: SECRET_PATHS }, value, result.error.issues, input.secretKeys.has(key)));
        }
    }
    // The stack's name is config too: it prefixes names AWS limits, so a long one is refused here, not deep in a component.
    problems.push(...namePrefixProblems(input.project, input.stack, parsed[NAME_PREFIX_KEY], input.values[NAME_PREFIX_KEY] !== undefined && parsed[NAME_PREFIX_KEY] === undefined));
    // One reading of the clock for the whole parse: the calendar rules and the warnings judge the same day.
    const now = input.now ?? runDate();
    problems.push(...crossFieldProblems(parsed, input, now));
    // A secure leaf where its value would land in clear (an image, a user name, a namespace, the
    // Grafana URL) is refused for that, once. A leaf refused for its name (no such key or field) keeps
    // that problem; problems of its value give way, since the value judged is the offline stand-in
    // and what the field's rules say of it says nothing of the value the stack holds.
    const leafOf = (m: string): string => m.slice(0, m.indexOf(": ") + 2);
    const named = (m: string): boolean => m.includes("; expected no such ");
    const placement = secretPlacementProblems(input.secretPaths).filter((m) => !problems.some((q) => named(q) && leafOf(q) === leafOf(m)));
    const placed = new Set(placement.map(leafOf));
    problems.splice(0, problems.length, ...problems.filter((q) => !placed.has(leafOf(q))), ...placement);
    const tier = parsed["launchpad:tier"];
    // A stand-in in a setting nothing reads (an existing cluster's EKS-only keys) is not asked for: the warning says to remove it.
    const ignored = ignoredWithExistingCluster(input);
    const placeholders = findPlaceholders(parsed, known, {
        stack: input.stack,
        secretKeys: input.secretKeys,
        safety: tier !== undefined ? safetyFor(tier) : undefined,
        env: input.offlinePlan === true ? {} : (input.env ?? {}),
        failedKeys: new Set(known.filter((k) => input.values[k] !== undefined && !(k in parsed))),
    }).filter((ph) => !isUnder(ph.key, ignored));
    if (input.offlinePlan !== true) {
        problems.push(...placeholders.map(placeholderProblem));
    }
    if (problems.length > 0) {
        throw new ConfigError(input.stack, problems);
    }
    // Offline only (a real run with a placeholder stopped above): the program builds what a real run builds.
    return build(standInSecrets(parsed, placeholders) as RawConfig, input, placeholders, utcDay(now));
}
