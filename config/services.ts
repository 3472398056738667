/**
 * The schema of `launchpad:services` and `launchpad:activeColor`: the
 * application's services, their blue and green releases and their smoke-test policies.
 *
 * Shapes, ranges and defaults that do not depend on the tier live here; the rules that do (immutable
 * images and stricter smoke thresholds in production) live in `serviceProblems`, driven by `Safety`.
 */
import { z } from "zod";
import { ALB_INGRESS_CLASS } from "../lib/alb";
import { COLORS, type Color } from "../lib/delivery";
import { isImmutableRef, parseImageRef } from "../lib/image";
import { previewServiceName } from "../lib/workload";
import { loadGateProblems, performanceSchema, resolveScenario, resolveServerBounds, SCENARIOS, scenarioProblems, type RawPerformance, type Scenario, type ScenarioName, type ServerBounds } from "../loadtest/profile";
import { HTTP_METHODS, validatePolicy, type SmokePolicy } from "../smoke/policy";
import { DEFAULT_ACTIVE_COLOR, serviceActiveColor } from "./active-color";
import { describeValue } from "./errors";
import { cliNumber } from "./input";
import { safetyFor, type Safety, type Tier } from "./tier";

/** DNS-1123 label short enough that `<service>-<color>-gate-<gate job id>` (10 hex, blue-green-service.ts `gateJobId`) stays a valid name. */
const SERVICE_NAME_RE = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Never "//": url.Parse reads "//evil.example.com/x" as a host and the path "/x", and the kubelet's
// probe then requests "/x" (kubernetes pkg/probe/http/request.go formatURL keeps the parsed path).
const PATH_RE = /^\/(?!\/)[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;
const CPU_RE = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY_RE = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const httpPath = (example: string) => z.string().regex(PATH_RE, { error: `expected an absolute URL path such as "${example}" (not starting with "//", which reads as a host name)` });
const envMap = z.record(z.string().regex(ENV_NAME_RE, { error: "expected an environment variable name (letters, digits, '_', not starting with a digit)" }), z.string());
const cpu = z.string().regex(CPU_RE, { error: "expected a CPU quantity such as \"250m\" or \"1\"" });
const memory = z.string().regex(MEMORY_RE, { error: "expected a memory quantity such as \"256Mi\" or \"1Gi\"" });

/**
 * An Ingress host: an RFC 1123 DNS name, each label at most 63 characters and the whole at most 253
 * (Kubernetes validates `spec.rules[].host` as a DNS-1123 subdomain).
 */
const DNS_HOST_EXPECTED = "expected a DNS host name such as \"api.example.com\" (lower-case labels of at most 63 characters, at most 253 in all)";
const dnsHost = z.string().check((ctx) => {
    const v = ctx.value;
    const ok = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(v) && v.length <= 253 && v.split(".").every((label) => label.length <= 63);
    if (!ok) {
        ctx.issues.push({ code: "custom", input: v, message: DNS_HOST_EXPECTED });
    }
});

const IMAGE_EXPECTED = "expected an image reference such as \"ghcr.io/acme/api:1.4.2\" or \"ghcr.io/acme/api@sha256:<64 hex digits>\"";
const image = z.string({ error: IMAGE_EXPECTED }).check((ctx) => {
    if (parseImageRef(ctx.value) === undefined) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: IMAGE_EXPECTED });
    }
});

/** A schema version: the integer a migration brings the database to. */
const schemaVersion = z.int().min(0).max(1_000_000);

export const migrateSchema = z.strictObject({
    /** The migration command, run once per release before the color's Deployment rolls out (e.g. `["./migrate", "up"]`). */
    command: z.array(z.string().min(1)).min(1),
    /** Image the command runs in. @default the release's own image */
    image: image.optional(),
});

export const releaseSchemaContract = z.strictObject({
    /** The schema version this release's migration brings the database to (or, without `migrate`, expects). */
    version: schemaVersion,
    /** `[min, max]`: the schema versions this release's code runs against, both included. */
    supports: z.tuple([schemaVersion, schemaVersion]),
});

export const releaseSchema = z.strictObject({
    /** The image this color runs. Production requires a digest or a tag other than `latest`. */
    image,
    /** Environment variables of this release only, over the service's `env`. */
    env: envMap.default({}),
    /** The release's migration Job. Requires `schema` and a database connection. @default - no migration */
    migrate: migrateSchema.optional(),
    /**
     * The release's schema contract, which the plan checks against the current version, the other
     * color and the releases running during a migration (components/migrations.ts `schemaProblems`).
     * @default - no contract: not checked against the current version, but no migration may run while this release does (it is assumed to support no other version)
     */
    schema: releaseSchemaContract.optional(),
});

const status = z.int().min(100).max(599);

export const smokeCheckSchema = z.strictObject({
    /** Shown in the gate's report. @default "<method> <path>" */
    name: z.string().min(1).max(100).optional(),
    path: httpPath("/health/ready"),
    method: z.enum(HTTP_METHODS).default("GET"),
    /** Status (or statuses) that count as success. */
    expectStatus: z.union([status, z.array(status).min(1)]).default(200),
    /** Text the response body must contain. */
    bodyContains: z.string().min(1).optional(),
    /** Bound on this check's own p95 latency, ms. */
    maxLatencyMs: z.int().min(1).max(60_000).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
});

export const smokeSchema = z.strictObject({
    /** What the gate requests. @default one GET of the readiness path expecting 200 */
    checks: z.array(smokeCheckSchema).min(1).optional(),
    /** Measured requests per check. */
    requests: z.int().min(1).max(100_000).default(100),
    /** Requests in flight at once. */
    concurrency: z.int().min(1).max(1000).default(10),
    /** Per-request timeout, ms. */
    timeoutMs: z.int().min(100).max(60_000).default(2000),
    /** Requests per check sent first and not counted (JIT, caches, connection pools). */
    warmupRequests: z.int().min(0).max(10_000).default(10),
    /** Pass requires p95 < p95Ms, p99 < p99Ms and error rate < errorRate. @default - from the tier */
    thresholds: z
        .strictObject({
            p95Ms: z.int().min(1).max(60_000).optional(),
            p99Ms: z.int().min(1).max(60_000).optional(),
            errorRate: cliNumber(z.number().gt(0).max(1)).optional(),
        })
        .default({}),
    /** Staging only: `users` concurrent loops over the checks for `durationSeconds`, held to the same thresholds. */
    load: z.strictObject({ users: z.int().min(1).max(1000), durationSeconds: z.int().min(1).max(900) }).optional(),
});

export const serviceSchema = z.strictObject({
    /** Container port the application listens on. */
    port: z.int().min(1).max(65535).default(8080),
    /** Pods of the active color, and the autoscaler's floor. */
    replicas: z.int().min(1).max(100).default(2),
    /** Pods the idle color keeps, so a rollback starts no pod. @default replicas */
    idleReplicas: z.int().min(1).max(100).optional(),
    autoscaling: z
        .strictObject({
            /** The autoscaler's ceiling. @default 3 x replicas */
            maxReplicas: z.int().min(1).max(500).optional(),
            targetCpuPercent: z.int().min(10).max(100).default(70),
        })
        .default({ targetCpuPercent: 70 }),
    resources: z
        .strictObject({
            requests: z.strictObject({ cpu: cpu.default("250m"), memory: memory.default("256Mi") }).default({ cpu: "250m", memory: "256Mi" }),
            limits: z.strictObject({ cpu: cpu.default("1"), memory: memory.default("512Mi") }).default({ cpu: "1", memory: "512Mi" }),
        })
        .default({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } }),
    health: z
        .strictObject({
            readinessPath: httpPath("/health/ready").default("/health/ready"),
            livenessPath: httpPath("/health/live").default("/health/live"),
            /** Longest a pod may take to start before it is restarted, seconds. */
            startupSeconds: z.int().min(10).max(600).default(120),
        })
        .default({ readinessPath: "/health/ready", livenessPath: "/health/live", startupSeconds: 120 }),
    /** Path Prometheus scrapes on `port`. */
    metricsPath: httpPath("/metrics").default("/metrics"),
    /** Environment variables of both colors. */
    env: envMap.default({}),
    /**
     * Give the pods the database's connection settings (`DATABASE_HOST`, ... from its Secret).
     * @default true where Launchpad creates the database; false on an existing cluster, which has none
     */
    connectDatabase: z.boolean().optional(),
    /** How users reach the live color. */
    expose: z
        .strictObject({
            type: z.enum(["ClusterIP", "LoadBalancer"]).default("ClusterIP"),
            ingress: z
                .strictObject({
                    host: dnsHost,
                    /** The IngressClass (a DNS-1123 subdomain). @default - the cluster's default class */
                    className: z.string().max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "expected an IngressClass name: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')" }).optional(),
                    path: httpPath("/").default("/"),
                    /** Who reaches the load balancer (with the "alb" class). @default "internet-facing" */
                    scheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
                    /**
                     * ACM certificate of the HTTPS listener (with the "alb" class).
                     * @default - discovered by the controller from ACM by the host name
                     */
                    certificateArn: z.string().regex(/^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, { error: "expected an ACM certificate ARN such as \"arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\"" }).optional(),
                })
                .optional(),
        })
        .default({ type: "ClusterIP" }),
    /** This service's live color, over `launchpad:activeColor`. */
    activeColor: z.enum(COLORS).optional(),
    releases: z.strictObject({ blue: releaseSchema, green: releaseSchema }),
    smoke: smokeSchema.default(smokeSchema.parse({})),
    /**
     * Staging only: the performance suite's scenarios (k6-style stages, think time, weighted checks,
     * thresholds), server-side bounds, and the load gate (`loadGate`; the former `loadPassed` list is gone).
     * @default - the users' four scenarios (load, stress, soak, spike) with the default bounds
     */
    performance: performanceSchema.optional(),
});

export const activeColorSchema = z.enum(COLORS).default(DEFAULT_ACTIVE_COLOR).meta({
    description:
        "The live color of every service without its own activeColor: \"blue\" (default) or \"green\". Rolling back " +
        "is setting it to the other color and running pulumi up (npm run rollback).",
});

const SERVICES_EXPECTED = "expected at least one service: a map of service name to its settings (port, releases, smoke, ...)";
/** A tier's default smoke thresholds as the description writes them, read from the tier's table: p95Ms/p99Ms/errorRate. */
function smokeDefaultsText(tier: Tier): string {
    const d = safetyFor(tier).smokeDefaults;
    return `${d.p95Ms}/${d.p99Ms}/${d.errorRate}`;
}

/**
 * Two services' Ingresses that claim one host: the second is unreachable. With the same path, any
 * controller routes the host's requests to one of them. With the "alb" class, even on other paths:
 * an Ingress without the group.name annotation is its own "implicit IngressGroup" and gets its own
 * load balancer (aws-load-balancer-controller docs/guide/ingress/annotations.md, IngressGroup),
 * and the host's DNS record can name only one of them.
 */
function ingressConflicts(services: Record<string, { expose: { ingress?: { host: string; path: string; className?: string } } }>): { input: unknown; path: PropertyKey[]; message: string }[] {
    const seen: { name: string; host: string; path: string; alb: boolean }[] = [];
    const issues: { input: unknown; path: PropertyKey[]; message: string }[] = [];
    for (const [name, svc] of Object.entries(services)) {
        const ingress = svc.expose.ingress;
        if (ingress === undefined) continue;
        const alb = ingress.className === ALB_INGRESS_CLASS;
        const first = seen.find((o) => o.host === ingress.host && (o.path === ingress.path || o.alb || alb));
        if (first !== undefined) {
            const why = first.path === ingress.path ? `on the same path ${JSON.stringify(ingress.path)}: one of them would get every request` : `an "alb" Ingress gets a load balancer of its own, and the host's DNS record can name only one`;
            issues.push({
                input: ingress.host,
                path: [name, "expose", "ingress", "host"],
                message: `expected a host no other service's Ingress serves: services.${first.name} serves ${JSON.stringify(first.host)} too (${why})`,
            });
        }
        seen.push({ name, host: ingress.host, path: ingress.path, alb });
    }
    return issues;
}

export const servicesSchema = z
    .record(
        z.string().regex(SERVICE_NAME_RE, { error: "expected a service name: a lower-case DNS label of at most 32 characters, starting with a letter" }),
        serviceSchema,
        { error: SERVICES_EXPECTED },
    )
    .check((ctx) => {
        if (Object.keys(ctx.value).length === 0) {
            ctx.issues.push({ code: "custom", input: ctx.value, message: SERVICES_EXPECTED });
        }
        ingressConflicts(ctx.value).forEach((issue) => ctx.issues.push({ code: "custom", ...issue }));
    })
    .meta({
        description:
            "The application's services (required, at least one): a map of a name (DNS label, at most 32 characters) to " +
            `its settings. port (default 8080); replicas, the active color's pods (default 2, production at least ${safetyFor("production").minReplicas}) ` +
            "and idleReplicas, the idle color's (default replicas; production at least replicas); autoscaling { maxReplicas (default 3 x replicas), " +
            "targetCpuPercent (default 70) }; resources { requests, limits } (default 250m/256Mi, 1/512Mi); health { " +
            "readinessPath (default \"/health/ready\"), livenessPath (default \"/health/live\"), startupSeconds (default 120) }; " +
            "metricsPath (default " +
            "\"/metrics\"); env; connectDatabase (default true where Launchpad creates the database, false on an " +
            "existing cluster: DATABASE_* from its Secret); expose { type \"ClusterIP\" (default) or \"LoadBalancer\", " +
            "ingress { host, className, path (default \"/\"), and with className \"alb\" only: scheme \"internet-facing\" (default) or \"internal\", " +
            "certificateArn, an ACM certificate in aws:region } }; activeColor (default launchpad:activeColor); releases { blue, green " +
            "}, each { image, env }, production requiring a digest or a tag other than \"latest\"; smoke, the gate's " +
            "policy: checks [{ path, method, expectStatus, bodyContains, maxLatencyMs, headers, body }] (default a GET " +
            "of the readiness path), requests (default 100), concurrency (default 10), timeoutMs (default 2000), " +
            "warmupRequests (default 10), " +
            `thresholds { p95Ms, p99Ms, errorRate } (default ${smokeDefaultsText("staging")} in staging, ${smokeDefaultsText("production")} in production, ` +
            "which allows none looser), load { users, durationSeconds } (staging only).",
    });

export type { SmokePolicy };
export type RawService = z.output<typeof serviceSchema>;
export type RawSmoke = z.output<typeof smokeSchema>;

export interface MigrationConfig {
    readonly command: readonly string[];
    /** The release's image unless `migrate.image` names another. */
    readonly image: string;
}

export interface SchemaContract {
    readonly version: number;
    readonly supports: readonly [number, number];
}

export interface ReleaseConfig {
    readonly image: string;
    /** The service's env with this release's overrides applied. */
    readonly env: Readonly<Record<string, string>>;
    /** Undefined: this release runs no migration. */
    readonly migrate?: MigrationConfig;
    /** Undefined: this release declares no schema contract. */
    readonly schema?: SchemaContract;
}

/** A service's performance suite, resolved (`loadtest/profile.ts`). */
export interface PerformanceConfig {
    readonly scenarios: Readonly<Record<ScenarioName, Scenario>>;
    readonly server: ServerBounds;
    /** Run the load scenario as a Pulumi-managed Job per color and release (`performance.loadGate`). */
    readonly loadGate: boolean;
}

export interface ServiceConfig {
    readonly name: string;
    readonly port: number;
    readonly replicas: number;
    readonly idleReplicas: number;
    readonly maxReplicas: number;
    readonly targetCpuPercent: number;
    readonly resources: RawService["resources"];
    readonly health: RawService["health"];
    readonly metricsPath: string;
    readonly connectDatabase: boolean;
    readonly expose: RawService["expose"];
    readonly activeColor: Color;
    readonly releases: Readonly<Record<Color, ReleaseConfig>>;
    readonly smoke: SmokePolicy;
    /**
     * The stack holds `launchpad:services` as a secret. The runtime marks whole keys, never which
     * value inside one is secure, so every value that may carry a credential (env values, smoke
     * headers and bodies) is treated as a secret: it goes to a Kubernetes Secret, never a pod
     * spec literal or a ConfigMap.
     */
    readonly fromSecret: boolean;
    /**
     * The stack's secret `launchpad:releaseIdKey`, keying the release id and env hash, when `fromSecret`.
     * @default - absent: the services are plain text and hashed as they are
     */
    readonly releaseIdKey?: string;
    /** Undefined where the tier runs no performance tests (production). */
    readonly performance: PerformanceConfig | undefined;
}

/** The most bytes of env values one color may carry: Kubernetes' MaxSecretSize (k8s.io/api core/v1 types.go). */
const MAX_ENV_BYTES = 1024 * 1024;

/** Environment variables the database's connection settings arrive in; a service may not set them itself. */
export const DATABASE_ENV_PREFIX = "DATABASE_";

/** CPU in millicores, memory in bytes: to compare requests with limits. */
export function quantityValue(q: string, kind: "cpu" | "memory"): number {
    if (kind === "cpu") {
        return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
    }
    const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    const m = /^([\d.]+)([A-Za-z]*)$/.exec(q);
    return m === null ? Number.NaN : Number(m[1]) * (units[m[2]] ?? 1);
}

export interface ServiceRuleContext {
    readonly safety: Safety;
    readonly tier: string;
    /** An existing cluster brings no Launchpad database. */
    readonly hasDatabase: boolean;
    readonly secret: boolean;
    /**
     * `aws:region`, where the load balancers of the services' Ingresses are.
     * @default - unknown: an Ingress's certificate region is not checked
     */
    readonly region?: string;
    /**
     * Why the stack has no Prometheus a performance run can query (an existing cluster without
     * `launchpad:observability.prometheusUrl` gets no AMP workspace), or undefined when it has one.
     * @default - it has one
     */
    readonly noPrometheus?: string;
}

/**
 * Load balancers the AWS Load Balancer Controller puts in the private subnets: each `internal` Ingress
 * of its "alb" class (components/platform.ts; not the cluster's default class, so an Ingress without
 * className is not its), one implicit IngressGroup, so one ALB, per Ingress without group.name
 * (controller docs guide/ingress/annotations.md); and each LoadBalancer Service, an NLB whose scheme
 * is `internal` unless annotated, which Launchpad does not (docs/guide/service/annotations.md, lb-scheme).
 */
export function internalLoadBalancerCount(services: Readonly<Record<string, RawService>>): number {
    return Object.values(services).filter((s) => s.expose.type === "LoadBalancer" || (s.expose.ingress?.className === ALB_INGRESS_CLASS && s.expose.ingress.scheme === "internal")).length;
}

/**
 * Load balancers the AWS Load Balancer Controller puts in the public subnets: each `internet-facing`
 * Ingress of its "alb" class, one ALB per Ingress as {@link internalLoadBalancerCount} says. A
 * LoadBalancer Service's NLB is internal (same comment), so none of them.
 */
export function internetFacingLoadBalancerCount(services: Readonly<Record<string, RawService>>): number {
    return Object.values(services).filter((s) => s.expose.ingress?.className === ALB_INGRESS_CLASS && s.expose.ingress.scheme === "internet-facing").length;
}

/** The region of an ACM certificate ARN (`arn:<partition>:acm:<region>:<account>:certificate/<id>`). */
const ACM_ARN_REGION_RE = /^arn:[^:]+:acm:([^:]+):/;

/** Rules across a service's fields and the tier; each names the key, the value and what is allowed. */
export function serviceProblems(services: Readonly<Record<string, RawService>>, ctx: ServiceRuleContext): string[] {
    const out: string[] = [];
    const show = (v: unknown): string => describeValue(v, ctx.secret);
    for (const [name, s] of Object.entries(services)) {
        const key = `launchpad:services.${name}`;
        for (const color of COLORS) {
            const img = s.releases[color].image;
            const ref = parseImageRef(img);
            if (ctx.safety.requireImmutableImages && ref !== undefined && !isImmutableRef(ref)) {
                out.push(`${key}.releases.${color}.image: received ${show(img)}; expected a digest (@sha256:...) or a tag other than "latest" in a ${ctx.tier} stack: a mutable tag can change under a verified release`);
            }
            for (const envName of Object.keys({ ...s.env, ...s.releases[color].env })) {
                if ((s.connectDatabase ?? ctx.hasDatabase) && envName.startsWith(DATABASE_ENV_PREFIX)) {
                    const where = envName in s.releases[color].env ? `releases.${color}.env` : "env";
                    out.push(`${key}.${where}.${envName}: received ${show((where === "env" ? s.env : s.releases[color].env)[envName])}; expected no ${DATABASE_ENV_PREFIX}* variable while connectDatabase is true: those come from the database's Secret and TLS settings`);
                }
            }
            // The color's env goes into one Secret (secret config) or the pod spec: the API server refuses a
            // Secret whose values pass 1 MiB (k8s.io/api core/v1 MaxSecretSize), and a pod spec that size
            // would not fit its request limit either.
            const bytes = Object.values({ ...s.env, ...s.releases[color].env }).reduce((n, v) => n + Buffer.byteLength(v, "utf8"), 0);
            if (bytes > MAX_ENV_BYTES) {
                out.push(`${key}.releases.${color}.env: received ${bytes} bytes of values (the service's env with this color's); expected at most ${MAX_ENV_BYTES}: a Kubernetes Secret holds at most 1 MiB (MaxSecretSize)`);
            }
        }
        for (const color of COLORS) {
            out.push(...releaseSchemaProblems(`${key}.releases.${color}`, s.releases[color], s.connectDatabase ?? ctx.hasDatabase, ctx, show));
        }
        if (s.connectDatabase === true && !ctx.hasDatabase) {
            out.push(`${key}.connectDatabase: received true; expected false when launchpad:cluster.kubeconfig is set: an existing cluster gets no Launchpad database`);
        }
        if (s.replicas < ctx.safety.minReplicas) {
            out.push(`${key}.replicas: received ${show(s.replicas)}; expected at least ${ctx.safety.minReplicas} in a ${ctx.tier} stack: one pod cannot survive a node drain`);
        }
        if (ctx.safety.idleAtFullCapacity && s.idleReplicas !== undefined && s.idleReplicas < s.replicas) {
            out.push(`${key}.idleReplicas: received ${show(s.idleReplicas)}; expected at least replicas (${s.replicas}) in a ${ctx.tier} stack: ` +
                "a rollback or npm run promote switches only to a color fully available at the live replica count, so a smaller idle color would refuse every switch, the urgent rollback included");
        }
        const max = s.autoscaling.maxReplicas;
        const floor = Math.max(s.replicas, s.idleReplicas ?? s.replicas);
        if (max !== undefined && max < floor) {
            out.push(`${key}.autoscaling.maxReplicas: received ${show(max)}; expected a number >= replicas and idleReplicas (${floor})`);
        }
        for (const kind of ["cpu", "memory"] as const) {
            const req = s.resources.requests[kind];
            const lim = s.resources.limits[kind];
            if (quantityValue(req, kind) > quantityValue(lim, kind)) {
                out.push(`${key}.resources.requests.${kind}: received ${show(req)}; expected at most the limit (${show(lim)})`);
            }
        }
        if (s.expose.type === "LoadBalancer" && s.expose.ingress !== undefined) {
            out.push(`${key}.expose.ingress: received ${show(s.expose.ingress)}; expected no ingress when expose.type is "LoadBalancer" (an Ingress fronts a ClusterIP Service)`);
        }
        // "Certificates in ACM are regional resources ... You cannot copy a certificate between regions"
        // (ACM User Guide, acm-regions.html): the load balancer in aws:region cannot use one of another
        // region, and the controller never gives the Ingress an address (a stack rebuilt in another region
        // from a copied config: docs/runbooks/region-failure.md).
        const ingress = s.expose.ingress;
        // `scheme` and `certificateArn` are written only as the AWS Load Balancer Controller's
        // annotations (components/blue-green-service.ts albIngressAnnotations), and only on an "alb"
        // Ingress: under another class (an existing cluster's ingress-nginx, say) nothing reads them, so
        // "internal" would leave the service as public as that controller's own load balancer is.
        if (ingress !== undefined && ingress.className !== ALB_INGRESS_CLASS) {
            const under = ingress.className === undefined ? "no className (the cluster's default IngressClass)" : `className ${show(ingress.className)}`;
            if (ingress.scheme === "internal") {
                out.push(`${key}.expose.ingress.scheme: received "internal" with ${under}; expected it only with className "alb": it is the AWS Load Balancer Controller's scheme annotation, which no other ingress controller reads, so the service would be reached however that controller's load balancer is (use an internal controller's class instead)`);
            }
            if (ingress.certificateArn !== undefined) {
                out.push(`${key}.expose.ingress.certificateArn: received ${show(ingress.certificateArn)} with ${under}; expected it only with className "alb": it is the AWS Load Balancer Controller's certificate-arn annotation, which no other ingress controller reads: that controller serves the host with its own default certificate (docs/operations.md, Using an existing cluster)`);
            }
        }
        const certificate = ingress?.certificateArn;
        const certificateRegion = certificate?.match(ACM_ARN_REGION_RE)?.[1];
        if (ctx.region !== undefined && certificateRegion !== undefined && certificateRegion !== ctx.region) {
            out.push(`${key}.expose.ingress.certificateArn: received ${show(certificate)}, a certificate in ${ctx.secret ? "another region" : JSON.stringify(certificateRegion)}; expected an ACM certificate in aws:region ${JSON.stringify(ctx.region)}, where the load balancer is: ACM certificates are regional and cannot be copied (request or import one there)`);
        }
        out.push(...smokeProblems(`${key}.smoke`, s.smoke, ctx, show));
        out.push(...performanceProblems(`${key}.performance`, s, ctx, show));
        // The runner's own validator has the last word: the gate must never start with a policy it refuses.
        // Its messages quote values: under a secret key they would print the decrypted secret.
        const checked = validatePolicy(smokePolicy(s, ctx.safety), { secret: ctx.secret });
        if (!checked.ok) {
            out.push(...checked.problems.map((p) => `${key}.smoke.${p}`));
        }
    }
    // A service's live Service is named after it, each color's preview Service `<service>-<color>`
    // (lib/workload.ts): one name twice in the namespace and the API server refuses the second.
    for (const name of Object.keys(services)) {
        for (const other of Object.keys(services)) {
            const color = COLORS.find((c) => previewServiceName(other, c) === name);
            if (color !== undefined) {
                out.push(`launchpad:services: received the service name ${JSON.stringify(name)}; expected a name that is not another service's preview Service: services.${other}'s ${color} color has a Service ${JSON.stringify(name)} in the same namespace`);
            }
        }
    }
    // A service-wide setting is checked once per color: report it once.
    return [...new Set(out)];
}

/** A release's migration and schema contract, on their own: the rule across colors is components/migrations.ts `schemaProblems`. */
function releaseSchemaProblems(key: string, r: RawService["releases"]["blue"], connects: boolean, ctx: ServiceRuleContext, show: (v: unknown) => string): string[] {
    const out: string[] = [];
    if (r.schema !== undefined) {
        const [min, max] = r.schema.supports;
        if (min > max) {
            out.push(`${key}.schema.supports: received ${show(r.schema.supports)}; expected [min, max] with min <= max`);
        } else if (r.schema.version < min || r.schema.version > max) {
            out.push(`${key}.schema.version: received ${show(r.schema.version)}; expected a version within supports [${min}, ${max}]: a release must run against the schema it migrates to`);
        }
    }
    if (r.migrate !== undefined) {
        if (r.schema === undefined) {
            out.push(`${key}.migrate: received ${show(r.migrate)}; expected schema: { version, supports: [min, max] } next to it, so the plan can check the migration against the other color`);
        }
        if (!connects) {
            out.push(`${key}.migrate: received ${show(r.migrate)}; expected no migration while the service does not connect to the database (connectDatabase is false, or the stack has no Launchpad database)`);
        }
        const img = r.migrate.image;
        const ref = img !== undefined ? parseImageRef(img) : undefined;
        if (img !== undefined && ctx.safety.requireImmutableImages && ref !== undefined && !isImmutableRef(ref)) {
            out.push(`${key}.migrate.image: received ${show(img)}; expected a digest (@sha256:...) or a tag other than "latest" in a ${ctx.tier} stack: a mutable tag can change under a verified release`);
        }
    }
    return out;
}

function smokeProblems(key: string, smoke: RawSmoke, ctx: ServiceRuleContext, show: (v: unknown) => string): string[] {
    const out: string[] = [];
    const t = { ...ctx.safety.smokeDefaults, ...smoke.thresholds };
    const ceiling = ctx.safety.smokeCeilings;
    if (t.p99Ms < t.p95Ms) {
        out.push(`${key}.thresholds.p99Ms: received ${show(t.p99Ms)}; expected a number >= p95Ms (${t.p95Ms})`);
    }
    if (ceiling !== undefined) {
        if (t.p95Ms > ceiling.p95Ms) {
            out.push(`${key}.thresholds.p95Ms: received ${show(t.p95Ms)}; expected at most ${ceiling.p95Ms} in a ${ctx.tier} stack (the product's p95 target)`);
        }
        if (t.errorRate > ceiling.errorRate) {
            out.push(`${key}.thresholds.errorRate: received ${show(t.errorRate)}; expected at most ${ceiling.errorRate} in a ${ctx.tier} stack (the product's error-rate target)`);
        }
    }
    if (smoke.load !== undefined && !ctx.safety.allowSmokeLoad) {
        out.push(`${key}.load: received ${show(smoke.load)}; expected no load profile in a ${ctx.tier} stack: the candidate shares the production database`);
    }
    return out;
}

function performanceProblems(key: string, s: RawService, ctx: ServiceRuleContext, show: (v: unknown) => string): string[] {
    if (s.performance !== undefined && !ctx.safety.allowPerformanceTests) {
        return [`${key}: received ${show(s.performance)}; expected no performance profile in a ${ctx.tier} stack: load, stress, soak and spike run in staging, against a color's preview Service`];
    }
    const perf = performanceConfig(s.performance, s.health.readinessPath);
    return [
        ...SCENARIOS.flatMap((name) => scenarioProblems(`${key}.scenarios.${name}`, perf.scenarios[name])),
        ...(perf.loadGate ? loadGateProblems(`${key}.scenarios.load`, perf.scenarios.load) : []),
        // The gate's Job would run with no Prometheus (components/environment.ts loadGatePrometheus gives
        // none) and pass on the client's figures alone: restarts, connections and the server side unjudged.
        ...(perf.loadGate && ctx.noPrometheus !== undefined
            ? [`${key}.loadGate: received true; expected false or unset on a stack with no Prometheus to judge the server side (${ctx.noPrometheus}): its pass admits a release to production (launchpad:promotion.requireLoad), and without one it would pass on the client's figures alone`]
            : []),
    ];
}

/** The service's performance suite: the four scenarios with their defaults, the bounds, the load gate. */
export function performanceConfig(raw: RawPerformance | undefined, readinessPath: string): PerformanceConfig {
    const scenarios = Object.fromEntries(SCENARIOS.map((n) => [n, resolveScenario(n, raw?.scenarios?.[n], readinessPath)])) as Record<ScenarioName, Scenario>;
    return { scenarios, server: resolveServerBounds(raw?.server), loadGate: raw?.loadGate ?? false };
}

/** The policy the runner gets: tier defaults filled in, a readiness check when none is given. */
export function smokePolicy(s: RawService, safety: Safety): SmokePolicy {
    const checks = s.smoke.checks ?? [{ path: s.health.readinessPath, method: "GET" as const, expectStatus: 200 }];
    return {
        checks: checks.map((c) => ({ ...c })),
        requests: s.smoke.requests,
        concurrency: s.smoke.concurrency,
        timeoutMs: s.smoke.timeoutMs,
        warmupRequests: s.smoke.warmupRequests,
        thresholds: { ...safety.smokeDefaults, ...s.smoke.thresholds },
        ...(s.smoke.load !== undefined ? { load: { ...s.smoke.load } } : {}),
    };
}

export function buildServices(services: Readonly<Record<string, RawService>>, defaultColor: Color, safety: Safety, hasDatabase: boolean, fromSecret = false, releaseIdKey?: string): ServiceConfig[] {
    return Object.entries(services)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, s]) => {
            const release = (c: Color): ReleaseConfig => {
                const r = s.releases[c];
                return {
                    image: r.image,
                    env: { ...s.env, ...r.env },
                    ...(r.migrate !== undefined ? { migrate: { command: [...r.migrate.command], image: r.migrate.image ?? r.image } } : {}),
                    ...(r.schema !== undefined ? { schema: { version: r.schema.version, supports: [r.schema.supports[0], r.schema.supports[1]] as const } } : {}),
                };
            };
            return {
                name,
                port: s.port,
                replicas: s.replicas,
                idleReplicas: s.idleReplicas ?? s.replicas,
                maxReplicas: s.autoscaling.maxReplicas ?? 3 * Math.max(s.replicas, s.idleReplicas ?? s.replicas),
                targetCpuPercent: s.autoscaling.targetCpuPercent,
                resources: s.resources,
                health: s.health,
                metricsPath: s.metricsPath,
                connectDatabase: s.connectDatabase ?? hasDatabase,
                expose: s.expose,
                activeColor: serviceActiveColor(s, defaultColor),
                releases: { blue: release("blue"), green: release("green") },
                smoke: smokePolicy(s, safety),
                fromSecret,
                ...(fromSecret && releaseIdKey !== undefined ? { releaseIdKey } : {}),
                performance: safety.allowPerformanceTests ? performanceConfig(s.performance, s.health.readinessPath) : undefined,
            };
        });
}
