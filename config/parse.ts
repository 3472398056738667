/**
 * Parses a stack's raw config into the typed, frozen `LaunchpadConfig`.
 *
 * Pure apart from wrapping secrets in `pulumi.secret`: no engine, no files. Every key is parsed on
 * its own and the cross-field rules run on whatever parsed, so one run reports every problem.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isPrivate, parseCidr } from "../lib/cidr";
import { masterUsernameProblem, reservedWordProblem } from "../lib/sql-names";
import { tagProblems } from "../lib/tags";
import { EKS_VERSIONS, RDS_MAJOR_VERSIONS, eksVersion, eksVersionsInStandardSupport, pinnedEngineMajors, pinnedKubernetesVersions, rdsMajorOf, rdsMajorsInStandardSupport } from "../lib/versions";
import { runDate, utcDay } from "./clock";
import { ConfigError, describeValue, expectation, issuePath } from "./errors";
import { findPlaceholders, placeholderProblem, standInSecrets, type Placeholder } from "./placeholders";
import {
    DEFAULT_ENGINE_VERSIONS,
    DEFAULT_RUNBOOK_BASE_URL,
    RESERVED_TAG_KEYS,
    clusterProvidesSchema,
    SECRET_PATHS,
    clusterSchema,
    databaseSchema,
    isArmInstanceType,
    rawConfigSchema,
    type ClusterAccessLevel,
    type DbEngine,
    type NatMode,
    type RawConfig,
    type Tier,
} from "./schema";
import { buildServices, serviceProblems, type ServiceConfig } from "./services";
import { safetyFor, type Safety } from "./tier";
import { stackIdentifier, stackIdentifierProblem } from "../lib/stack-name";

export interface ConfigInput {
    readonly project: string;
    readonly stack: string;
    /** Full key (`launchpad:network`, `aws:region`) to its value, objects already decoded from JSON. */
    readonly values: Readonly<Record<string, unknown>>;
    /** Full keys the stack holds as secrets (a key is secret when any value inside it is). */
    readonly secretKeys: ReadonlySet<string>;
    /**
     * The secure leaves (`launchpad:alerting.slackWebhookUrl`), where the caller knows them: the
     * offline plan reads the stack file; a real run's runtime marks whole keys only.
     * @default - unknown: a leaf counts as secure when its key is secret
     */
    readonly secretPaths?: ReadonlySet<string>;
    /**
     * The current time, for rules about times: a restore time may not be in the future, and the EKS
     * and RDS versions must be in standard support on this (UTC) day.
     * Default: `runDate()`, i.e. `LAUNCHPAD_TODAY` when set, else now.
     */
    readonly now?: Date;
    /**
     * True only for the offline plan (`plan/engine.ts`, and offline tools reading a stack file):
     * placeholders are allowed and listed in `LaunchpadConfig.placeholders`, and an absent required
     * secret is stood in by a secret. Unset, as in every real run, each placeholder is a problem.
     */
    readonly offlinePlan?: boolean;
    /** Environment variables a provider reads in place of config (`GRAFANA_AUTH`). Default: none. */
    readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface NetworkConfig {
    readonly cidr: string;
    readonly azCount: number;
    readonly natGateways: NatMode;
}

interface ClusterCommon {
    /** Application namespace, one per stack. */
    readonly namespace: string;
}

/** One IAM role's access to the Kubernetes API, as an EKS access entry. */
export interface ClusterAccess {
    readonly principalArn: string;
    readonly access: ClusterAccessLevel;
    /** Undefined: the whole cluster. */
    readonly namespaces: readonly string[] | undefined;
}

/** Launchpad creates and owns an EKS cluster. */
export interface EksClusterConfig extends ClusterCommon {
    readonly mode: "eks";
    readonly version: string;
    readonly endpointAccess: "private" | "public";
    readonly endpointPublicAccessCidrs: readonly string[];
    readonly logTypes: readonly string[];
    readonly access: readonly ClusterAccess[];
}

/** What an existing cluster provides to the stack's objects (declared, not checked live). */
export interface ClusterProvides {
    readonly ingressClasses: readonly string[];
    readonly storageClasses: readonly string[];
    readonly defaultStorageClass: boolean;
    readonly metricsApi: boolean;
    readonly containerMetrics: boolean;
}

/** An existing cluster's VPC: where Launchpad puts the database, its backups and drills. */
export interface ExistingNetworkConfig {
    readonly vpcId: string;
    readonly privateSubnetIds: readonly string[];
    readonly nodeSecurityGroupId: string;
    readonly oidcProviderArn: string;
}

/** The team brings its own cluster: no EKS resources, the Provider uses this kubeconfig. */
export interface ExistingClusterConfig extends ClusterCommon {
    readonly mode: "existing";
    readonly kubeconfig: pulumi.Output<string>;
    readonly provides: ClusterProvides;
    /** Undefined: the stack has no data layer (no database, no backups). */
    readonly network: ExistingNetworkConfig | undefined;
}

export interface NodeGroupConfig {
    readonly instanceTypes: readonly string[];
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly diskSizeGb: number;
    readonly capacityType: "ON_DEMAND" | "SPOT";
    /** Derived from the instance types' CPU architecture. */
    readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";
}

/** Where a restored database comes from. */
export type RestoreConfig =
    | { readonly kind: "pointInTime"; readonly sourceInstance: string; /** ISO-8601 UTC, or "latest". */ readonly time: string }
    | { readonly kind: "snapshot"; readonly snapshot: string };

export interface DatabaseConfig {
    readonly engine: DbEngine;
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGb: number;
    readonly maxAllocatedStorageGb: number;
    readonly name: string;
    readonly username: string;
    readonly backupWindow: string;
    readonly maintenanceWindow: string;
    readonly criticalTables: readonly string[];
    /** Undefined: a fresh, empty database. */
    readonly restore: RestoreConfig | undefined;
}

export interface BackupConfig {
    readonly objectLockDays: number;
    readonly dumpSchedule: string;
    readonly verifySchedule: string;
    readonly weeklyDay: number;
}

/** Where production's releases must have passed their smoke gate first. */
export interface PromotionConfig {
    /** Stack name as given: `staging`, or `org/project/stack`; the component qualifies a short one. */
    readonly fromStack: string;
    /** Break glass: unverified images may go live (the plan warns). */
    readonly allowUnverified: boolean;
    /** Verification counts only with the release's load scenario passed too (`launchpad:promotion.requireLoad`). */
    readonly requireLoad: boolean;
}

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

export interface LaunchpadConfig {
    readonly project: string;
    readonly stack: string;
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
}

type Shape = typeof rawConfigSchema.shape;
type Parsed = { -readonly [K in keyof Shape]?: z.output<Shape[K]> };

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur = root;
    for (const part of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[part];
    }
    return cur;
}

function isSecretPath(path: string): boolean {
    return SECRET_PATHS.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
}

/** The fields an object schema allows at `path` inside `key` (through `.optional()` and `.default()`). */
function fieldsOf(key: keyof Shape, path: readonly PropertyKey[]): string[] {
    type Node = { unwrap?: () => Node; shape?: Record<string, Node> };
    const unwrap = (n: Node | undefined): Node | undefined => (n?.unwrap ? unwrap(n.unwrap()) : n);
    let node = unwrap(rawConfigSchema.shape[key] as unknown as Node);
    for (const part of path) {
        node = unwrap(node?.shape?.[String(part)]);
    }
    return Object.keys(node?.shape ?? {});
}

/**
 * Messages for one key's schema issues. `secret`: the stack holds the key as a secret. The runtime
 * marks only the whole key, not which value inside it is secret, so no value inside it is echoed.
 */
function keyProblems(key: keyof Shape, value: unknown, issues: readonly z.core.$ZodIssue[], secret: boolean): string[] {
    const out: string[] = [];
    for (const issue of issues) {
        const fullPath: PropertyKey[] = [key, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            for (const field of issue.keys) {
                const p = issuePath([...fullPath, field]);
                const allowed = expectation(issue, () => fieldsOf(key, issue.path));
                out.push(`${p}: received ${describeValue(valueAt(value, [...issue.path, field]), secret || isSecretPath(p))}; ${allowed}`);
            }
            continue;
        }
        if (issue.code === "invalid_key") {
            // The map key itself is wrong: name the map and show the key, not the value under it.
            const p = issuePath(fullPath.slice(0, -1));
            out.push(`${p}: received the key ${describeValue(fullPath[fullPath.length - 1], secret || isSecretPath(p))}; ${expectation(issue, () => [])}`);
            continue;
        }
        const p = issuePath(fullPath);
        const received = valueAt(value, issue.path);
        const what = received === undefined && issue.code === "invalid_type" ? "nothing (required)" : describeValue(received, secret || isSecretPath(p));
        out.push(`${p}: received ${what}; ${expectation(issue, () => [])}`);
    }
    return out;
}

/** Rules that span keys or fields; each runs only when the values it reads parsed. */
function crossFieldProblems(p: Parsed, input: ConfigInput, now: Date): string[] {
    const out: string[] = [];
    // A value of a key the stack holds as a secret is never echoed.
    const show = (value: unknown, ...keys: string[]): string => describeValue(value, keys.some((k) => input.secretKeys.has(k)));
    out.push(...versionProblems(input, utcDay(now)));
    const region = p["aws:region"];
    const dr = p["launchpad:drRegion"];
    if (region !== undefined && dr !== undefined && region === dr) {
        out.push(`launchpad:drRegion: received ${show(dr, "launchpad:drRegion", "aws:region")}; expected a region other than aws:region (${show(region, "launchpad:drRegion", "aws:region")}): a disaster-recovery copy in the same region is not off-site`);
    }

    const ng = p["launchpad:nodeGroup"];
    if (ng !== undefined) {
        if (ng.minSize > ng.maxSize) {
            out.push(`launchpad:nodeGroup.minSize: received ${show(ng.minSize, "launchpad:nodeGroup")}; expected a number <= launchpad:nodeGroup.maxSize (${show(ng.maxSize, "launchpad:nodeGroup")})`);
        } else if (ng.desiredSize !== undefined && (ng.desiredSize < ng.minSize || ng.desiredSize > ng.maxSize)) {
            out.push(`launchpad:nodeGroup.desiredSize: received ${show(ng.desiredSize, "launchpad:nodeGroup")}; expected a number from launchpad:nodeGroup.minSize (${show(ng.minSize, "launchpad:nodeGroup")}) to launchpad:nodeGroup.maxSize (${show(ng.maxSize, "launchpad:nodeGroup")})`);
        }
        const arm = ng.instanceTypes.filter(isArmInstanceType);
        if (arm.length > 0 && arm.length < ng.instanceTypes.length) {
            out.push(`launchpad:nodeGroup.instanceTypes: received ${show(ng.instanceTypes, "launchpad:nodeGroup")}; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type`);
        }
    }

    const db = p["launchpad:database"];
    if (db !== undefined) {
        if (db.maxAllocatedStorageGb < db.allocatedStorageGb) {
            out.push(`launchpad:database.maxAllocatedStorageGb: received ${show(db.maxAllocatedStorageGb, "launchpad:database")}; expected a number >= launchpad:database.allocatedStorageGb (${show(db.allocatedStorageGb, "launchpad:database")})`);
        }
        // RDS CreateDBInstance, PreferredBackupWindow and PreferredMaintenanceWindow: each "Must be at
        // least 30 minutes" and "Must not conflict with" the other (API_CreateDBInstance.html).
        const backupShort = windowMinutes(db.backupWindow) < 30;
        const maintenanceShort = weeklyWindowMinutes(db.maintenanceWindow) < 30;
        if (backupShort) {
            out.push(`launchpad:database.backupWindow: received ${show(db.backupWindow, "launchpad:database")}; expected a window of at least 30 minutes (an RDS rule)`);
        }
        if (maintenanceShort) {
            out.push(`launchpad:database.maintenanceWindow: received ${show(db.maintenanceWindow, "launchpad:database")}; expected a window of at least 30 minutes (an RDS rule)`);
        }
        if (!backupShort && !maintenanceShort && windowsOverlap(db.backupWindow, db.maintenanceWindow)) {
            out.push(`launchpad:database.backupWindow: received ${show(db.backupWindow, "launchpad:database")}; expected a daily window that does not overlap launchpad:database.maintenanceWindow (${show(db.maintenanceWindow, "launchpad:database")}) (an RDS rule)`);
        }
        const nameProblem = reservedWordProblem(db.engine, db.name, "the database name");
        if (nameProblem !== undefined) {
            out.push(`launchpad:database.name: received ${show(db.name, "launchpad:database")}; ${nameProblem}`);
        }
        const userProblem = masterUsernameProblem(db.engine, db.username);
        if (userProblem !== undefined) {
            const received = isSet(input, "launchpad:database", "username") ? show(db.username, "launchpad:database") : `nothing (the default is ${JSON.stringify(db.username)})`;
            out.push(`launchpad:database.username: received ${received}; ${userProblem}`);
        }
        if (db.restore !== undefined) {
            out.push(...restoreProblems(db.restore, now, input.secretKeys.has("launchpad:database")));
        }
    }

    const tier = p["launchpad:tier"];
    const net = p["launchpad:network"];
    if (tier !== undefined && net?.natGateways !== undefined) {
        const allowed = safetyFor(tier).allowedNatGateways;
        if (!allowed.includes(net.natGateways)) {
            out.push(`launchpad:network.natGateways: received ${show(net.natGateways, "launchpad:network")}; expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")} in a ${tier} stack: one NAT gateway per AZ keeps egress up when a zone fails`);
        }
    }

    out.push(...secretTagProblems(input));
    const tags = p["launchpad:tags"];
    out.push(...tagProblems("launchpad:tags", tags ?? {}, (v) => show(v, "launchpad:tags")));
    for (const reserved of RESERVED_TAG_KEYS) {
        if (tags !== undefined && Object.prototype.hasOwnProperty.call(tags, reserved)) {
            out.push(`launchpad:tags.${reserved}: received ${show(tags[reserved], "launchpad:tags")}; expected no such tag: Launchpad sets ${RESERVED_TAG_KEYS.join(", ")} itself`);
        }
    }

    const cluster = p["launchpad:cluster"];
    const services = p["launchpad:services"];
    if (services !== undefined && tier !== undefined && cluster !== undefined) {
        out.push(...serviceProblems(services, { safety: safetyFor(tier), tier, hasDatabase: cluster.kubeconfig === undefined || p["launchpad:network"]?.existing !== undefined, secret: input.secretKeys.has("launchpad:services") }));
    }
    const promotion = p["launchpad:promotion"];
    if (promotion !== undefined && tier !== undefined) {
        const from = promotion.fromStack ?? (safetyFor(tier).verifyPromotion ? "staging" : undefined);
        if (from !== undefined && from.split("/").pop() === input.stack) {
            const received = promotion.fromStack !== undefined ? show(from, "launchpad:promotion") : `nothing (the default in a ${tier} stack is ${JSON.stringify(from)})`;
            out.push(`launchpad:promotion.fromStack: received ${received}; expected a stack other than "${input.stack}" itself, whose smoke gates verify releases before this one makes them live`);
        }
    }
    if (cluster?.kubeconfig !== undefined && !input.secretKeys.has("launchpad:cluster")) {
        out.push("launchpad:cluster.kubeconfig: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path cluster.kubeconfig < kubeconfig.yaml`");
    }
    out.push(...clusterProblems(p, show));
    const namespace = cluster?.namespace;
    if (namespace !== undefined && (namespace === "default" || namespace.startsWith("kube-"))) {
        out.push(`launchpad:cluster.namespace: received ${show(namespace, "launchpad:cluster")}; expected a namespace of the stack's own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace`);
    }
    out.push(...observabilityProblems(p, input));
    return out;
}

/** Rules across the cluster's and the network's fields: who can reach and use the cluster, and what an existing one brings. */
function clusterProblems(p: Parsed, show: (value: unknown, ...keys: string[]) => string): string[] {
    const out: string[] = [];
    const c = p["launchpad:cluster"];
    const net = p["launchpad:network"];
    if (c === undefined) {
        return out;
    }
    const key = "launchpad:cluster";
    if (c.kubeconfig === undefined) {
        if (c.endpointAccess === "public" && c.endpointPublicAccessCidrs.length === 0) {
            out.push(`${key}.endpointPublicAccessCidrs: received []; expected the egress CIDRs of whoever runs pulumi (the deploy runners) when endpointAccess is "public", or endpointAccess "private" with runners inside the VPC`);
        }
        c.endpointPublicAccessCidrs.forEach((text, i) => {
            const cidr = parseCidr(text);
            if (cidr !== undefined && isPrivate(cidr)) {
                out.push(`${key}.endpointPublicAccessCidrs[${i}]: received ${show(text, key)}; expected a public CIDR: EKS refuses a private range on the public endpoint (reach the API from inside the VPC with endpointAccess "private")`);
            }
        });
        if (c.endpointAccess === "private" && c.endpointPublicAccessCidrs.length > 0) {
            out.push(`${key}.endpointAccess: received "private" with endpointPublicAccessCidrs ${show(c.endpointPublicAccessCidrs, key)}; expected "public" to admit those CIDRs, or no CIDRs`);
        }
        // The creator gets no implicit admin (bootstrapClusterCreatorAdminPermissions is off, so its
        // entry cannot collide with a listed one): someone listed must be able to deploy.
        if (!c.access.some((a) => a.access === "admin" && a.namespaces === undefined)) {
            out.push(`${key}.access: received ${c.access.length === 0 ? "[]" : show(c.access, key)}; expected a cluster-wide { principalArn: <the deploy role's ARN>, access: admin } entry: without it nobody can create the stack's Kubernetes objects`);
        }
        const seen = new Set<string>();
        c.access.forEach((a, i) => {
            if (seen.has(a.principalArn)) {
                out.push(`${key}.access[${i}].principalArn: received ${show(a.principalArn, key)} a second time; expected one entry per principal (EKS allows one access entry per principal)`);
            }
            seen.add(a.principalArn);
        });
        if (c.provides !== undefined) {
            out.push(`${key}.provides: received ${show(c.provides, key)}; expected nothing: it declares what an existing cluster (cluster.kubeconfig) provides, while Launchpad installs the EKS cluster's platform itself`);
        }
        if (net?.existing !== undefined) {
            out.push(`launchpad:network.existing: received ${show(net.existing, "launchpad:network")}; expected nothing without cluster.kubeconfig: Launchpad creates the VPC of its own EKS cluster`);
        }
    }
    return out;
}

/** `"1.36" or "1.35"`: allowed values as a message lists them. */
function either(values: readonly string[]): string {
    const quoted = values.map((v) => JSON.stringify(v));
    if (quoted.length === 0) {
        return "none is listed (lib/versions.ts needs the newer calendar)";
    }
    return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/** True when the stack sets `field` inside the object key `key` (as opposed to taking its default). */
function isSet(input: ConfigInput, key: string, field: string): boolean {
    const value = input.values[key];
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[field] !== undefined;
}

/**
 * A field of an object key as the field's own schema reads it (its default applied when unset), so
 * a rule on it runs even when another field of the same key is wrong. Undefined when the key is not
 * an object or the field itself does not parse (its own problem is reported already).
 */
function fieldOf<T>(schema: z.ZodType<T>, input: ConfigInput, key: string, field: string): T | undefined {
    const value = input.values[key] ?? {};
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return undefined;
    }
    const parsed = schema.safeParse((value as Record<string, unknown>)[field]);
    return parsed.success ? parsed.data : undefined;
}

/**
 * The EKS version and the database engine version must be in standard support on the day of the
 * run, per the calendars in `lib/versions.ts`: past it, EKS upgrades a cluster under upgradePolicy
 * STANDARD on its own, and RDS enrolls a database in paid Extended Support. A default that has
 * aged out is reported too (the calendar, and so the default, needs updating). A key held as a
 * secret gets no reason: the reason would tell its value apart.
 */
function versionProblems(input: ConfigInput, today: string): string[] {
    const out: string[] = [];
    const clusterKey = "launchpad:cluster";
    const version = fieldOf(clusterSchema.shape.version, input, clusterKey, "version");
    if (version !== undefined) {
        const secret = input.secretKeys.has(clusterKey);
        const allowed = eksVersionsInStandardSupport(today);
        const row = eksVersion(version);
        if (row === undefined || !allowed.includes(version)) {
            const received = isSet(input, clusterKey, "version") ? describeValue(version, secret) : `nothing (the default is ${JSON.stringify(version)})`;
            const why = secret
                ? ""
                : row === undefined
                  ? ` (EKS offers no Kubernetes ${version}: its calendar lists ${EKS_VERSIONS.map((v) => v.version).join(", ")})`
                  : today < row.released
                    ? ` (${version} is not released on EKS until ${row.released})`
                    : ` (${version} left EKS standard support on ${row.endOfStandardSupport}: under upgradePolicy STANDARD, EKS upgrades it on its own)`;
            out.push(`${clusterKey}.version: received ${received}; expected a version in EKS standard support on ${today}: ${either(allowed)}${why}`);
        } else if (!pinnedKubernetesVersions().includes(version) && fieldOf(clusterSchema.shape.kubeconfig, input, clusterKey, "kubeconfig") === undefined) {
            // An existing cluster (kubeconfig) installs no add-ons: its version is not read.
            const received = isSet(input, clusterKey, "version") ? describeValue(version, secret) : `nothing (the default is ${JSON.stringify(version)})`;
            const pinned = allowed.filter((v) => pinnedKubernetesVersions().includes(v));
            out.push(`${clusterKey}.version: received ${received}; expected a version with pinned EKS add-ons and Cluster Autoscaler image (lib/versions.ts): ${either(pinned)}`);
        }
    }
    const dbKey = "launchpad:database";
    const engine = fieldOf(databaseSchema.shape.engine, input, dbKey, "engine");
    const engineVersion = fieldOf(databaseSchema.shape.engineVersion, input, dbKey, "engineVersion");
    if (engine !== undefined && (engineVersion !== undefined || !isSet(input, dbKey, "engineVersion"))) {
        const secret = input.secretKeys.has(dbKey);
        const chosen = engineVersion ?? DEFAULT_ENGINE_VERSIONS[engine];
        const major = rdsMajorOf(engine, chosen);
        const allowed = rdsMajorsInStandardSupport(engine, today);
        if (!allowed.includes(major)) {
            const row = RDS_MAJOR_VERSIONS.find((m) => m.engine === engine && m.major === major);
            const received = engineVersion !== undefined ? describeValue(engineVersion, secret) : `nothing (the default for ${engine} is ${JSON.stringify(chosen)})`;
            const why = secret
                ? ""
                : row === undefined
                  ? ` (RDS offers no ${engine} major ${major}: its calendar lists ${RDS_MAJOR_VERSIONS.filter((m) => m.engine === engine).map((m) => m.major).join(", ")})`
                  : ` (${engine} ${major} left RDS standard support on ${row.endOfStandardSupport}: RDS enrolls it in paid Extended Support)`;
            out.push(`${dbKey}.engineVersion: received ${received}; expected a ${engine} major version in RDS standard support on ${today}: ${either(allowed)}${why}`);
        } else if (!pinnedEngineMajors(engine).includes(major)) {
            // The logical backup jobs run the engine's own client image: an unpinned major has none.
            const received = engineVersion !== undefined ? describeValue(engineVersion, secret) : `nothing (the default for ${engine} is ${JSON.stringify(chosen)})`;
            const pinned = allowed.filter((m) => pinnedEngineMajors(engine).includes(m));
            out.push(`${dbKey}.engineVersion: received ${received}; expected a ${engine} major version with a pinned dump image (ENGINE_IMAGES in lib/versions.ts): ${either(pinned)}`);
        }
    }
    return out;
}

const TAGS_IN_CLEAR = "expected a plain-text tag value: AWS keeps tags in clear (state, consoles, billing reports), so a secret never goes in a tag";

/** Secure values in `launchpad:tags`: each secure leaf where the leaves are known, else the key. */
function secretTagProblems(input: ConfigInput): string[] {
    if (!input.secretKeys.has("launchpad:tags")) return [];
    if (input.secretPaths === undefined) return [`launchpad:tags: received [secret]; ${TAGS_IN_CLEAR}`];
    // A reserved key is refused on its own (one problem per tag).
    const reserved = new Set<string>(RESERVED_TAG_KEYS.flatMap((k) => [`launchpad:tags.${k}`, `launchpad:tags[${JSON.stringify(k)}]`]));
    return [...input.secretPaths]
        .filter((p) => (p === "launchpad:tags" || p.startsWith("launchpad:tags.") || p.startsWith("launchpad:tags[")) && !reserved.has(p))
        .sort()
        .map((p) => `${p}: received [secret]; ${TAGS_IN_CLEAR}`);
}

/** The store-as-secret hint for a secret path set in plain text. */
const SECRET_HINTS: Readonly<Record<string, string>> = {
    "launchpad:alerting.slackWebhookUrl": "pulumi config set --secret --path alerting.slackWebhookUrl <url>",
    "launchpad:alerting.pagerDutyIntegrationKey": "pulumi config set --secret --path alerting.pagerDutyIntegrationKey <key>",
    "grafana:auth": "pulumi config set --secret grafana:auth <token>",
};

/** Observability rules that span keys: secrets held as secrets, a metrics backend and a receiver where Grafana needs them. */
function observabilityProblems(p: Parsed, input: ConfigInput): string[] {
    const out: string[] = [];
    const alerting = p["launchpad:alerting"];
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
        out.push("launchpad:alerting.heartbeatUrl: received [secret]; expected plain text, since Grafana keeps a webhook URL as a plain setting and a secret must stay secret: set it with `pulumi config set --path alerting.heartbeatUrl <url>`");
    }
    if (p["grafana:auth"] !== undefined) plain("grafana:auth", "grafana:auth");
    const shown = (v: unknown): string => describeValue(v, input.secretKeys.has("launchpad:alerting"));
    if (alerting?.slack === false && alerting.slackWebhookUrl !== undefined) {
        out.push(`launchpad:alerting.slack: received ${shown(false)}; expected true or unset, since launchpad:alerting.slackWebhookUrl is set (to stop Slack, remove the webhook: \`pulumi config rm --path launchpad:alerting.slackWebhookUrl\`)`);
    }
    if (alerting?.pagerDuty === false && alerting.pagerDutyIntegrationKey !== undefined) {
        out.push(`launchpad:alerting.pagerDuty: received ${shown(false)}; expected true or unset, since launchpad:alerting.pagerDutyIntegrationKey is set (to stop paging, remove the key: \`pulumi config rm --path launchpad:alerting.pagerDutyIntegrationKey\`)`);
    }
    const tier = p["launchpad:tier"];
    if (alerting?.pagerDuty === false && tier !== undefined && safetyFor(tier).requirePaging && p["grafana:url"] !== undefined) {
        out.push(`launchpad:alerting.pagerDuty: received ${shown(false)}; expected true or unset in a ${tier} stack with grafana:url: page alerts must reach a pager`);
    }

    const url = p["grafana:url"];
    if (url === undefined && p["grafana:auth"] !== undefined) {
        out.push("grafana:url: received nothing (the key is not set); expected the Grafana server's URL, since grafana:auth is set");
    }
    const obs = p["launchpad:observability"];
    const cluster = p["launchpad:cluster"];
    if (url !== undefined && obs !== undefined && cluster?.kubeconfig !== undefined && obs.prometheusUrl === undefined) {
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

const WEEK_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const MINUTES_PER_WEEK = 7 * 24 * 60;

/** Minute of the week (Monday 00:00 is 0) of `ddd:hh:mm`. */
function minuteOfWeek(dayTime: string): number {
    const [day, hh, mm] = dayTime.split(":");
    return WEEK_DAYS.indexOf(day as (typeof WEEK_DAYS)[number]) * 24 * 60 + Number(hh) * 60 + Number(mm);
}

/** Minutes in a UTC `ddd:hh:mm-ddd:hh:mm` weekly window that may wrap past Sunday midnight (0 when it starts where it ends). */
export function weeklyWindowMinutes(window: string): number {
    const [a, b] = window.split("-").map(minuteOfWeek);
    return (b - a + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
}

/** True when the daily `hh:mm-hh:mm` backup window shares a minute with the weekly maintenance window on any day. */
export function windowsOverlap(daily: string, weekly: string): boolean {
    const inWeekly = new Uint8Array(MINUTES_PER_WEEK);
    const start = minuteOfWeek(weekly.split("-")[0]);
    for (let m = 0; m < weeklyWindowMinutes(weekly); m++) {
        inWeekly[(start + m) % MINUTES_PER_WEEK] = 1;
    }
    const dailyStart = Number(daily.slice(0, 2)) * 60 + Number(daily.slice(3, 5));
    for (let day = 0; day < 7; day++) {
        for (let m = 0; m < windowMinutes(daily); m++) {
            if (inWeekly[(day * 24 * 60 + dailyStart + m) % MINUTES_PER_WEEK] === 1) {
                return true;
            }
        }
    }
    return false;
}

/** Minutes in a UTC `hh:mm-hh:mm` window that may wrap past midnight. */
export function windowMinutes(window: string): number {
    const [a, b] = window.split("-").map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));
    return (b - a + 24 * 60) % (24 * 60);
}

const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const RESTORE_FORMS = 'either { sourceInstance, time } (time an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest") or { snapshot }';

/** A restore names exactly one source, and a point in time that is real and past. */
function restoreProblems(r: NonNullable<z.output<typeof rawConfigSchema.shape["launchpad:database"]>["restore"]>, now: Date, secret: boolean): string[] {
    const key = "launchpad:database.restore";
    const show = (v: unknown): string => describeValue(v, secret);
    const pit = r.sourceInstance !== undefined || r.time !== undefined;
    if (pit && r.snapshot !== undefined) {
        const fields = Object.entries(r).filter(([, v]) => v !== undefined).map(([k]) => k);
        return [`${key}: received the fields ${fields.join(", ")}; expected ${RESTORE_FORMS}, not both`];
    }
    if (!pit && r.snapshot === undefined) {
        return [`${key}: received ${show(r)}; expected ${RESTORE_FORMS}`];
    }
    const out: string[] = [];
    if (r.snapshot !== undefined && r.snapshot.trim() === "") {
        out.push(`${key}.snapshot: received ${show(r.snapshot)}; expected a DB snapshot identifier or ARN`);
    }
    if (pit) {
        if (r.sourceInstance === undefined || r.sourceInstance.trim() === "") {
            out.push(`${key}.sourceInstance: received ${r.sourceInstance === undefined ? "nothing (required)" : show(r.sourceInstance)}; expected the identifier or ARN of the DB instance to restore from`);
        }
        if (r.time === undefined) {
            out.push(`${key}.time: received nothing (required); expected an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest"`);
        } else if (r.time !== "latest") {
            const t = Date.parse(r.time);
            if (!ISO_UTC_RE.test(r.time) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== r.time.slice(0, 19)) {
                out.push(`${key}.time: received ${show(r.time)}; expected an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest"`);
            } else if (t > now.getTime()) {
                out.push(`${key}.time: received ${show(r.time)}; expected a time in the past (now is ${now.toISOString().slice(0, 19)}Z)`);
            }
        }
    }
    return out;
}

function defaultNamespace(input: ConfigInput): string {
    return stackIdentifier(input.project, input.stack);
}

function build(raw: RawConfig, input: ConfigInput, placeholders: readonly Placeholder[]): LaunchpadConfig {
    const tier = raw["launchpad:tier"];
    const safety = safetyFor(tier);
    const net = raw["launchpad:network"];
    const c = raw["launchpad:cluster"];
    const ng = raw["launchpad:nodeGroup"];
    const db = raw["launchpad:database"];
    const promotion = raw["launchpad:promotion"];
    const namespace = c.namespace ?? defaultNamespace(input);
    const cluster: EksClusterConfig | ExistingClusterConfig =
        c.kubeconfig !== undefined
            ? {
                  mode: "existing",
                  namespace,
                  kubeconfig: pulumi.secret(c.kubeconfig),
                  provides: clusterProvidesSchema.parse(c.provides ?? {}),
                  network: net.existing === undefined ? undefined : { ...net.existing, privateSubnetIds: [...net.existing.privateSubnetIds] },
              }
            : {
                  mode: "eks",
                  namespace,
                  version: c.version,
                  endpointAccess: c.endpointAccess,
                  endpointPublicAccessCidrs: Object.freeze([...c.endpointPublicAccessCidrs]),
                  logTypes: Object.freeze([...c.logTypes]),
                  access: c.access.map((a) => ({ principalArn: a.principalArn, access: a.access, namespaces: a.namespaces === undefined ? undefined : [...a.namespaces] })),
              };
    return deepFreeze({
        project: input.project,
        stack: input.stack,
        tier,
        region: raw["aws:region"],
        drRegion: raw["launchpad:drRegion"],
        safety,
        network: { cidr: net.cidr, azCount: net.azCount, natGateways: net.natGateways ?? safety.defaultNatGateways },
        cluster,
        nodeGroup: {
            instanceTypes: [...ng.instanceTypes],
            minSize: ng.minSize,
            desiredSize: ng.desiredSize ?? ng.minSize,
            maxSize: ng.maxSize,
            diskSizeGb: ng.diskSizeGb,
            capacityType: ng.capacityType,
            amiType: ng.instanceTypes.every(isArmInstanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
        },
        database: {
            engine: db.engine,
            engineVersion: db.engineVersion ?? DEFAULT_ENGINE_VERSIONS[db.engine],
            instanceClass: db.instanceClass,
            allocatedStorageGb: db.allocatedStorageGb,
            maxAllocatedStorageGb: db.maxAllocatedStorageGb,
            name: db.name,
            username: db.username,
            backupWindow: db.backupWindow,
            maintenanceWindow: db.maintenanceWindow,
            criticalTables: [...db.criticalTables],
            restore: db.restore === undefined
                ? undefined
                : db.restore.snapshot !== undefined
                  ? { kind: "snapshot", snapshot: db.restore.snapshot }
                  : { kind: "pointInTime", sourceInstance: db.restore.sourceInstance ?? "", time: db.restore.time ?? "latest" },
        },
        backup: { ...raw["launchpad:backup"] },
        observability: buildObservability(raw, safety),
        tags: {
            ...raw["launchpad:tags"],
            project: input.project,
            environment: input.stack,
            "managed-by": "pulumi",
        },
        services: buildServices(raw["launchpad:services"], raw["launchpad:activeColor"], safety, c.kubeconfig === undefined || net.existing !== undefined, input.secretKeys.has("launchpad:services")),
        promotion: safety.verifyPromotion || promotion.fromStack !== undefined
            ? { fromStack: promotion.fromStack ?? "staging", allowUnverified: promotion.allowUnverified, requireLoad: promotion.requireLoad }
            : undefined,
        releaseHistoryLength: promotion.historyLength,
        placeholders: [...placeholders],
    });
}

function buildObservability(raw: RawConfig, safety: Safety): ObservabilityConfig {
    const obs = raw["launchpad:observability"];
    const alerting = raw["launchpad:alerting"];
    const url = raw["grafana:url"];
    const auth = raw["grafana:auth"];
    return {
        backend: obs.prometheusUrl !== undefined ? { kind: "prometheus", url: obs.prometheusUrl } : { kind: "amp" },
        metrics: { ...obs.metrics },
        thresholds: { ...obs.thresholds },
        maintenance: obs.maintenance?.map((w) => ({ ...w, weekdays: [...w.weekdays] })) ?? maintenanceFromRdsWindow(raw["launchpad:database"].maintenanceWindow),
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

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
        for (const v of Object.values(value as object)) {
            deepFreeze(v);
        }
        Object.freeze(value);
    }
    return value;
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
        if (["launchpad:", "aws:", "grafana:"].includes(namespace) && !known.includes(key)) {
            const allowed = known.filter((k) => k.startsWith(namespace)).join(", ");
            // The stack's AWS and Grafana providers are explicit: they read no other key of their namespace.
            const why = namespace === "launchpad:" ? "" : `: Launchpad's ${namespace.slice(0, -1)} provider is explicit and reads no other ${namespace}* key`;
            problems.push(`${key}: received ${describeValue(input.values[key], input.secretKeys.has(key))}; expected no such key (allowed: ${allowed})${why}`);
        }
    }
    for (const key of known as (keyof Shape)[]) {
        const value = input.values[key];
        const result = shape[key].safeParse(value);
        if (result.success) {
            (parsed as Record<string, unknown>)[key] = result.data;
        } else {
            problems.push(...keyProblems(key, value, result.error.issues, input.secretKeys.has(key)));
        }
    }
    // The stack's name is config too: it prefixes names AWS limits, so a long one is refused here, not deep in a component.
    const identifierProblem = stackIdentifierProblem(input.project, input.stack);
    if (identifierProblem !== undefined) {
        problems.push(identifierProblem);
    }
    problems.push(...crossFieldProblems(parsed, input, input.now ?? runDate()));
    const tier = parsed["launchpad:tier"];
    const placeholders = findPlaceholders(parsed, known, {
        stack: input.stack,
        secretKeys: input.secretKeys,
        safety: tier !== undefined ? safetyFor(tier) : undefined,
        env: input.offlinePlan === true ? {} : (input.env ?? {}),
        failedKeys: new Set(known.filter((k) => input.values[k] !== undefined && !(k in parsed))),
    });
    if (input.offlinePlan !== true) {
        problems.push(...placeholders.map(placeholderProblem));
    }
    if (problems.length > 0) {
        throw new ConfigError(input.stack, problems);
    }
    // Offline only (a real run with a placeholder stopped above): the program builds what a real run builds.
    return build(standInSecrets(parsed, placeholders) as RawConfig, input, placeholders);
}
