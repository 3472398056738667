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
import { promotionSchema, servicesSchema } from "./services";

export const TIERS = ["staging", "production"] as const;
export type Tier = (typeof TIERS)[number];

export const NAT_MODES = ["single", "perAz"] as const;
export type NatMode = (typeof NAT_MODES)[number];

export const CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

/** Control-plane log types EKS can ship to CloudWatch. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Oldest Kubernetes minor version accepted: older ones are out of EKS standard support. */
export const MIN_KUBERNETES_MINOR = 30;

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

export const networkSchema = z.strictObject({
    /** VPC CIDR; subnets are carved from it by `planSubnets`. */
    cidr: vpcCidr.default("10.0.0.0/16"),
    /** Availability zones to spread subnets and nodes over. */
    azCount: z.int().min(2).max(6).default(2),
    /** `single`: one NAT gateway shared by all AZs; `perAz`: one per AZ. Defaults from the tier. */
    natGateways: z.enum(NAT_MODES).optional(),
});

export const clusterSchema = z.strictObject({
    /** Kubernetes minor version of the EKS control plane and node group. */
    version: z
        // YAML reads an unquoted 1.30 as the number 1.3: say how to write it.
        .string({ error: "expected a string such as \"1.33\" (quote it: unquoted YAML reads 1.30 as the number 1.3)" })
        .regex(/^1\.\d{2}$/, { error: "expected a Kubernetes minor version such as \"1.33\"" })
        .refine((v) => Number(v.split(".")[1]) >= MIN_KUBERNETES_MINOR, {
            error: `expected 1.${MIN_KUBERNETES_MINOR} or newer (older versions are out of EKS standard support)`,
        })
        .default("1.33"),
    /** CIDRs allowed to reach the public API endpoint; empty makes the endpoint private only. */
    endpointPublicAccessCidrs: z.array(publicCidr).max(40).default([]),
    /** Control-plane log types shipped to CloudWatch. */
    logTypes: z.array(z.enum(EKS_LOG_TYPES)).default([...EKS_LOG_TYPES]),
    /** Application namespace; defaults to `<project>-<stack>` so stacks sharing a cluster never collide. */
    namespace: z.string().max(63).regex(K8S_NAME_RE, { error: "expected a DNS-1123 label (lower-case letters, digits, '-')" }).optional(),
    /** Kubeconfig of an existing cluster (secret). When set, no EKS resources are created. */
    kubeconfig: z.string().min(1).optional(),
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

/** Engine version when the stack names none: MySQL 8.0 (the product's default) or PostgreSQL 16. */
export const DEFAULT_ENGINE_VERSIONS: Readonly<Record<DbEngine, string>> = { mysql: "8.0", postgres: "16" };

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
    /** Major (or major.minor) version; defaults per engine. */
    engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, { error: "expected an engine version such as \"8.0\" or \"16\" (quote it in YAML)" }).optional(),
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
    /** Tables a restore must bring back with rows; the verify job and restore drills check them. */
    criticalTables: z.array(sqlIdentifier).default([]),
    /** Create the database from a point in time or a snapshot instead of empty. */
    restore: restoreSchema.optional(),
});

const CRON_FIELD = "(\\*|\\d+(-\\d+)?(,\\d+(-\\d+)?)*)(\\/\\d+)?";
const cron = (example: string) =>
    z.string().regex(new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`), { error: `expected a five-field cron schedule (UTC) such as "${example}"` });

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
    "launchpad:tags": tagsSchema,
    "launchpad:services": servicesSchema,
    "launchpad:activeColor": z.enum(COLORS).default("blue"),
    "launchpad:promotion": promotionSchema.default({ allowUnverified: false }),
});

export type RawConfig = z.output<typeof rawConfigSchema>;

/** Keys read from the `launchpad` namespace, in the order the README lists them. */
export const LAUNCHPAD_KEYS = Object.keys(rawConfigSchema.shape)
    .filter((k) => k.startsWith("launchpad:"))
    .map((k) => k.slice("launchpad:".length));

/** Keys whose value is a structured object (JSON in the runtime's config map). */
export const OBJECT_KEYS: ReadonlySet<string> = new Set(["network", "cluster", "nodeGroup", "database", "backup", "tags", "services", "promotion"]);

/** Config paths that must be set as secrets (`pulumi config set --secret --path ...`). */
export const SECRET_PATHS = ["launchpad:cluster.kubeconfig"] as const;

/** Graviton families carry a `g` after the generation digit (m7g, c7gn, r8g, t4g); `a1` is the first Graviton. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^([a-z]+\d+g[a-z]*|a1)\./.test(instanceType);
}
