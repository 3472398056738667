/**
 * The alert rules on a real engine: Debian's `prometheus` and `prometheus-pushgateway` on 127.0.0.1
 * (random free ports, temporary directories), loading the production stack's rendered rule file
 * (run as PostgreSQL: MySQL's rules plus LaunchpadTransactionIdWraparound)
 * with the test-only timings of `renderPrometheusRules` (every group evaluated each second, every
 * `for` a few seconds). A local exporter stands in for the application (the metric names and labels
 * of `launchpad:observability.metrics`, one target per color, the color, service, namespace and pod
 * attached as target labels like the scrape config's relabelling does; stand-ins for
 * kube-state-metrics and cAdvisor beside it), and the project's own pushers feed the
 * Pushgateway: the bundled smoke gate runner (smoke/bundle.ts, the file the gate Job runs with node)
 * judging a local target and pushing its verdict, the push code of scripts/db/dump.sh and
 * verify.sh, run for real with curl, and scripts/db/dr-metrics.sh itself, reading a stub `aws`
 * (tests/support/aws-stub.ts). Every assertion reads Prometheus's HTTP API: the alerts, the Grafana
 * rules' queries and the dashboards' queries, variables and annotations.
 *
 * Slow (about a minute and a half) and needs both servers: it runs under CI=true (`.ci/run`), or with
 * `npm run test:alerts`; otherwise it is skipped with a loud message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../config";
import { pushgatewayValues, PUSHGATEWAY_PERSISTENCE_FILE } from "../components/observability";
import { stackDashboards } from "../dashboards";
import { GATE_ANNOTATION_WINDOW_SECONDS } from "../dashboards/common";
import { ROLE_LABEL, ROLES } from "../lib/delivery";
import { stackIdentifier } from "../lib/stack-name";
import { alertContext, alertGroups, drillDueSeconds } from "../observability/alerts";
import { durationSeconds } from "../observability/duration";
import { CADVISOR_METRICS, KSM_METRICS, ksmLabel, PUSH_JOBS, SCRAPE_JOBS, SMOKE_METRICS } from "../observability/catalogue";
import { grafanaRuleGroups } from "../observability/grafana-rules";
import { renderPrometheusRules } from "../observability/prometheus-rules";
import { scrapeConfiguration } from "../observability/scrape-config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";
import { bundleRunner, RUNNER_FILE } from "../smoke/bundle";
import type { SmokePolicy } from "../smoke/policy";
import { AWS_STUB, hasJmespath } from "./support/aws-stub";
import { freePort, IN_CI, run, which } from "./support/db-tools";
import { closedPort, startServer, type TestServer } from "./support/http-server";

/** `npm run test:alerts` sets it; CI=true runs the suite anyway. */
const WANTED = IN_CI || process.env.LAUNCHPAD_ALERTS_TEST === "1";
const PROMETHEUS = which("prometheus");
const PUSHGATEWAY = which("prometheus-pushgateway");
const CURL = which("curl");
/** awscli brings python3-jmespath, which the stub `aws` of dr-metrics.sh evaluates `--query` with. */
const PACKAGES = "prometheus prometheus-pushgateway curl awscli";

const sc = loadStackConfig({ root: REPO_ROOT, stack: "production", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'] });
const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
const CTX = alertContext(config);
const GROUPS = alertGroups(CTX);
const M = config.observability.metrics;
const SERVICE = CTX.services[0];
/** The application namespace: the scrape configuration's kubernetes-pods job attaches it (`__meta_kubernetes_namespace`), as kube-state-metrics and cAdvisor name it. */
const NAMESPACE = config.cluster.namespace;
/** A color's pod, as the kubernetes-pods job attaches it (`__meta_kubernetes_pod_name`) and kube-state-metrics and cAdvisor name it. */
const podOf = (color: string): string => `${SERVICE}-${color}-5c4f`;
const DB = CTX.data?.databaseName ?? "app";
const DB_INSTANCE = CTX.data?.dbInstanceIdentifier ?? "launchpad-production-db";
/** Test-only timings: each rule evaluated every second, every non-zero `for` 5 s. */
const TIMING = { interval: "1s", for: "5s" } as const;
/** How long any alert may take to show up: a few scrapes, evaluations and its `for`. */
const BOUND_MS = 45_000;

// ---------------------------------------------------------------------------------------------
// The stand-in application: cumulative counters and a histogram that grow with wall time.

interface ColorState {
    /** Requests per second. */
    rps: number;
    /** Share of them answered 5xx. */
    errorShare: number;
    /** Every request takes 2 s instead of 50 ms. */
    slow: boolean;
}

const BUCKETS = ["0.1", "0.25", "0.5", "1", "2.5", "+Inf"] as const;

/** One color's /metrics, as the application's Prometheus client would expose it. */
class AppExporter {
    // Busy: rate() over the rules' 5-minute windows divides by the whole window, so in the test's
    // first seconds a color must serve hundreds per second to be above thresholds.minRequestRate.
    readonly state: ColorState = { rps: 500, errorShare: 0, slow: false };
    private ok = 0;
    private failed = 0;
    private readonly buckets = new Map<string, number>(BUCKETS.map((b) => [b, 0]));
    private sum = 0;
    private last = Date.now();
    private server: Server | undefined;
    port = 0;

    async start(): Promise<void> {
        this.port = await freePort();
        this.server = createServer((_req, res) => {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(this.exposition());
        });
        await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    }

    async stop(): Promise<void> {
        const server = this.server;
        this.server = undefined;
        if (server !== undefined) {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    }

    private advance(): void {
        const now = Date.now();
        const n = (this.state.rps * (now - this.last)) / 1000;
        this.last = now;
        this.failed += n * this.state.errorShare;
        this.ok += n * (1 - this.state.errorShare);
        const latency = this.state.slow ? 2 : 0.05;
        for (const b of BUCKETS) {
            if (b === "+Inf" || latency <= Number(b)) this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
        }
        this.sum += n * latency;
    }

    private exposition(): string {
        this.advance();
        const h = M.requestDurationSeconds;
        const count = this.buckets.get("+Inf") ?? 0;
        return [
            `# TYPE ${M.requestsTotal} counter`,
            `${M.requestsTotal}{${M.statusLabel}="200",${M.routeLabel}="/orders"} ${this.ok}`,
            // A client library exposes a labelled child only once it has counted: no 5xx series until a 5xx.
            ...(this.failed > 0 ? [`${M.requestsTotal}{${M.statusLabel}="500",${M.routeLabel}="/orders"} ${this.failed}`] : []),
            `# TYPE ${h} histogram`,
            ...BUCKETS.map((b) => `${h}_bucket{le="${b}"} ${this.buckets.get(b) ?? 0}`),
            `${h}_sum ${this.sum}`,
            `${h}_count ${count}`,
            `# TYPE ${M.dbConnectionErrorsTotal} counter`,
            `${M.dbConnectionErrorsTotal} 0`,
            `# TYPE ${M.requestsInFlight} gauge`,
            `${M.requestsInFlight} 3`,
            `# TYPE ${M.dbPoolConnectionsInUse} gauge`,
            `${M.dbPoolConnectionsInUse} 4`,
            `# TYPE ${M.dbPoolConnectionsMax} gauge`,
            `${M.dbPoolConnectionsMax} 10`,
            `# TYPE ${M.queueDepth} gauge`,
            `${M.queueDepth}{queue="orders"} 0`,
            "",
        ].join("\n");
    }
}

// ---------------------------------------------------------------------------------------------
// The two servers.

interface Daemon {
    readonly port: number;
    child: ChildProcess;
    log: string;
}

function spawnDaemon(bin: string, args: readonly string[], port: number): Daemon {
    const d: Daemon = { port, child: spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] }), log: "" };
    const keep = (b: Buffer): void => {
        d.log = (d.log + b.toString()).slice(-20_000);
    };
    d.child.stdout?.on("data", keep);
    d.child.stderr?.on("data", keep);
    return d;
}

async function stopDaemon(d: Daemon | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (d === undefined || d.child.exitCode !== null || d.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => d.child.once("exit", () => resolve()));
    d.child.kill(signal);
    await exited;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, boundMs = BOUND_MS): Promise<T> {
    const deadline = Date.now() + boundMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out after ${boundMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

async function ready(port: number): Promise<true | undefined> {
    const r = await fetch(`http://127.0.0.1:${port}/-/ready`);
    return r.ok ? true : undefined;
}

// ---------------------------------------------------------------------------------------------
// Prometheus's HTTP API.

interface Alert { readonly labels: Record<string, string>; readonly state: "firing" | "pending" | "inactive"; readonly value: string }
interface Sample { readonly metric: Record<string, string>; readonly value: [number, string] }

let prometheus: Daemon | undefined;
let pushgateway: Daemon | undefined;

async function api<T>(path: string): Promise<T> {
    const r = await fetch(`http://127.0.0.1:${prometheus?.port ?? 0}${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? body.status}`);
    return body.data;
}

async function alerts(): Promise<Alert[]> {
    return (await api<{ alerts: Alert[] }>("/api/v1/alerts")).alerts;
}

async function query(promql: string, time?: number): Promise<Sample[]> {
    const at = time !== undefined ? `&time=${time}` : "";
    const data = await api<{ resultType: string; result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}${at}`);
    return data.result;
}

const firing = (list: readonly Alert[], name: string, labels: Record<string, string> = {}): Alert[] =>
    list.filter((a) => a.state === "firing" && a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v));

/**
 * Alerts firing, the Watchdog left out. Pending ones are not counted: on a loaded CI machine one
 * slow scrape may make an alert pending for a second, never for its whole `for`.
 */
const raised = (list: readonly Alert[]): string[] => list.filter((a) => a.state === "firing" && a.labels.alertname !== "LaunchpadWatchdog").map((a) => `${a.labels.alertname}${JSON.stringify(a.labels)}`);

async function waitFiring(name: string, labels: Record<string, string> = {}): Promise<Alert[]> {
    return waitFor(`${name} ${JSON.stringify(labels)} firing`, async () => {
        const f = firing(await alerts(), name, labels);
        return f.length > 0 ? f : undefined;
    });
}

// ---------------------------------------------------------------------------------------------
// The Grafana rules, evaluated as Grafana does against the same Prometheus.

type GrafanaRule = { name: string; condition: string; datas: { refId: string; model: string }[] };
const GRAFANA_RULES = grafanaRuleGroups(GROUPS, { stack: "production", folderUid: "f", prometheusUid: "p", panelOf: () => undefined, heartbeat: true })
    .flatMap((g) => g.rules as GrafanaRule[]);

interface GrafanaSeries { readonly labels: Record<string, string>; readonly holds: boolean }

/**
 * A rule is query A (instant), B = reduce(A, last) and C = threshold(B), the condition
 * (observability/grafana-rules.ts): on an instant query B is A's value (grafana/grafana
 * pkg/expr/commands.go ReduceCommand.Execute passes a Number through, and its `dropNN` mapper
 * drops NaN), so C is its evaluator (pkg/expr/threshold.go) applied to each non-NaN sample of A,
 * which Prometheus's /api/v1/query returns.
 */
async function grafanaEvaluate(name: string): Promise<GrafanaSeries[]> {
    const rule = GRAFANA_RULES.find((r) => r.name === name);
    if (rule === undefined) throw new Error(`no Grafana rule ${name}`);
    const node = (refId: string) => JSON.parse(rule.datas.find((d) => d.refId === refId)?.model ?? "{}") as Record<string, unknown>;
    expect([rule.condition, node("B").reducer, node("B").expression, (node("B").settings as { mode?: string }).mode, node("C").expression]).toEqual(["C", "last", "A", "dropNN", "B"]);
    const ev = (node("C").conditions as { evaluator: { type: "gt" | "lt"; params: [number] } }[])[0].evaluator;
    const holds = (v: number): boolean => (ev.type === "gt" ? v > ev.params[0] : v < ev.params[0]);
    return (await query(String(node("A").expr)))
        .filter((s) => !Number.isNaN(Number(s.value[1])))
        .map((s) => ({ labels: s.metric, holds: holds(Number(s.value[1])) }))
        .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

/** The series for which a Grafana rule's condition holds. */
async function grafanaHolding(name: string): Promise<Record<string, string>[]> {
    return (await grafanaEvaluate(name)).filter((s) => s.holds).map((s) => s.labels);
}

// ---------------------------------------------------------------------------------------------
// The dashboards, queried as Grafana does against the same Prometheus.

/** The production dashboards, built as components/observability.ts builds them. */
const DASHBOARDS = stackDashboards({
    stack: config.stack,
    identifier: stackIdentifier(config.project, config.stack),
    namespace: NAMESPACE,
    region: config.region,
    metrics: M,
    thresholds: config.observability.thresholds,
    dbInstanceIdentifier: CTX.data?.dbInstanceIdentifier,
    backupVaultName: CTX.data?.backupVaultName,
    containerMetrics: CTX.containerMetrics,
    drReplication: CTX.data?.drReplication ?? false,
});

type DashboardJson = {
    uid: string;
    panels: { id: number; title: string; targets: { refId: string; expr?: string; hide?: boolean }[] }[];
    templating: { list: { name: string; type: string; query?: string; allValue?: string }[] };
    annotations: { list: { name: string; expr?: string }[] };
};
const DASHBOARD_JSON = Object.values(DASHBOARDS) as unknown as DashboardJson[];

/**
 * A panel's PromQL as Grafana sends it: the variables at the values the stand-ins give them (`$color`
 * at "All", its `allValue` `.*`), `$__rate_interval` a minute (Grafana's is at least four scrapes).
 */
function interpolate(expr: string): string {
    return expr.replaceAll("$__rate_interval", "1m").replaceAll("$namespace", NAMESPACE).replaceAll("$service", SERVICE).replaceAll("$color", ".*");
}

/**
 * A query variable's values as the Prometheus data source lists them: `label_values(<selector>, <label>)`
 * is Prometheus's /api/v1/label/<label>/values with the selector as `match[]`.
 */
async function variableValues(query: string): Promise<string[]> {
    const m = /^label_values\((.+), (\w+)\)$/.exec(query);
    if (m === null) throw new Error(`not a label_values() query: ${query}`);
    return api<string[]>(`/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(interpolate(m[1]))}`);
}

// ---------------------------------------------------------------------------------------------
// The project's pushers.

/** The gate's policy: a readiness check, a few requests, the runner's own thresholds. */
const GATE_POLICY: SmokePolicy = {
    checks: [{ path: "/health/ready" }],
    requests: 10,
    concurrency: 2,
    timeoutMs: 2_000,
    warmupRequests: 0,
    thresholds: { p95Ms: 5_000, p99Ms: 10_000, errorRate: 0.01 },
};

/** The release a passing gate judges: ready on every request. */
let gateTarget: TestServer | undefined;

/**
 * The bundled runner as the gate Job runs it (`node /smoke/runner.cjs --policy ... --target ...`),
 * pushing its verdict for `color`: against the ready target it passes, against a closed port every
 * request is refused and it fails.
 */
async function pushGate(color: string, verdict: "pass" | "fail"): Promise<void> {
    const target = verdict === "pass" ? gateTarget?.url ?? "" : `http://127.0.0.1:${await closedPort()}`;
    const r = await run(process.execPath, [
        join(dir, RUNNER_FILE), "--policy", join(dir, "gate-policy.json"), "--target", target, "--json",
        "--push", `http://127.0.0.1:${pushgateway?.port ?? 0}`, "--service", SERVICE, "--color", color,
    ], { env: { PATH: process.env.PATH ?? "" } });
    expect({ code: r.code, stderr: r.stderr, verdict: (JSON.parse(r.stdout) as { verdict: string }).verdict }).toEqual({ code: verdict === "pass" ? 0 : 1, stderr: "", verdict });
}

let dir = "";
/** A PATH whose `aws` accepts every upload: the dump's S3 side is tests/db-scripts.test.ts's business. */
let fakeBin = "";
const SCRIPTS = join(REPO_ROOT, "scripts", "db");

function scriptEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    // The run's TMPDIR (tests/support/run-tmpdir.ts): what the scripts' exit traps fail to remove fails the run.
    return { PATH: `${fakeBin}:/usr/bin:/bin`, HOME: dir, TMPDIR: tmpdir(), PUSHGATEWAY_URL: `http://127.0.0.1:${pushgateway?.port ?? 0}`, ...extra };
}

/** dump.sh's upload phase after a dump of today: every tier uploaded, its success pushed. */
async function dumpSucceeds(): Promise<void> {
    const work = mkdtempSync(join(dir, "dump-"));
    writeFileSync(join(work, "app.sql.gz"), "dump");
    writeFileSync(join(work, "app.sql.gz.sha256"), "0".repeat(64));
    const day = new Date().toISOString().slice(0, 10);
    writeFileSync(join(work, "backup.env"), `BACKUP_FILE=app.sql.gz\nBACKUP_DB=${DB}\nBACKUP_DAY=${day}\nBACKUP_TIERS=daily\nBACKUP_START=${Math.floor(Date.now() / 1000) - 30}\n`);
    const r = await run("bash", [join(SCRIPTS, "dump.sh"), "upload"], { env: scriptEnv({ BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", WORK_DIR: work }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("pushed metrics for tiers: daily");
}

/** dump.sh's upload phase failing (no dump in WORK_DIR): its exit trap POSTs the failure. */
async function dumpFails(): Promise<void> {
    const work = mkdtempSync(join(dir, "dump-"));
    const r = await run("bash", [join(SCRIPTS, "dump.sh"), "upload"], { env: scriptEnv({ BACKUP_BUCKET: "b", AWS_REGION: "us-east-1", WORK_DIR: work, DB_NAME: DB }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no dump in WORK_DIR");
}

/** verify.sh's report phase after a passed restore: the success pushed. */
async function verifySucceeds(): Promise<void> {
    const work = mkdtempSync(join(dir, "verify-"));
    writeFileSync(join(work, "verify.env"), `VERIFY_KEY=daily/${DB}/x.sql.gz\nVERIFY_START=${Math.floor(Date.now() / 1000) - 120}\nVERIFY_RESTORE_SECONDS=90\nVERIFY_VERDICT=ok\n`);
    const r = await run("bash", [join(SCRIPTS, "verify.sh"), "report"], { env: scriptEnv({ DB_NAME: DB, WORK_DIR: work }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
}

/** verify.sh's report phase with no restore behind it: a failed check, its failure POSTed. */
async function verifyFails(): Promise<void> {
    const work = mkdtempSync(join(dir, "verify-"));
    const r = await run("bash", [join(SCRIPTS, "verify.sh"), "report"], { env: scriptEnv({ DB_NAME: DB, WORK_DIR: work }) });
    expect(r.code).toBe(1);
}

/** What scripts/db/dr-metrics.sh reads of the database: ages in seconds, storage in GiB of 100 allocated. */
interface DrState {
    readonly recoveryPointAge: number;
    readonly drRecoveryPointAge: number;
    readonly freeGiB: number;
    readonly drillDuration: number;
    /**
     * The newest finished drill (ListRestoreJobs): COMPLETED and validated SUCCESSFUL by
     * scripts/db/drill-check.sh, COMPLETED with ValidationStatus FAILED ("VALIDATION_FAILED"), or
     * FAILED; "none": no finished drill in the script's lookback.
     */
    readonly drillStatus: "COMPLETED" | "VALIDATION_FAILED" | "FAILED" | "none";
    /** Seconds since the instance was created (DescribeDBInstances InstanceCreateTime). */
    readonly instanceAge: number;
    /** The newest finished DR drill (ListRestoreJobs in the DR region): COMPLETED or FAILED; nothing validates it. */
    readonly drDrillStatus: "COMPLETED" | "FAILED";
    /** CloudWatch MaximumUsedTransactionIDs (PostgreSQL). */
    readonly usedXids: number;
    /** Whose restored instance AWS Backup failed to delete (the job's DeletionStatus FAILED): neither drill's, the primary's, or the DR one's. */
    readonly deletionFailed: "none" | "drill" | "dr";
    /** CloudWatch has no point of the last 15 minutes, of either metric. */
    readonly cloudWatchSilent?: boolean;
}

/** Recovery point 1 min old (DR copy 5 min), half the allocated storage free, last drill passed in 20 min, a 90-day-old instance, 150 million transaction IDs used (autovacuum freezes from 200 million). */
const HEALTHY_DR: DrState = { recoveryPointAge: 60, drRecoveryPointAge: 300, freeGiB: 50, drillDuration: 1_200, drillStatus: "COMPLETED", instanceAge: 90 * 86_400, usedXids: 150_000_000, drDrillStatus: "COMPLETED", deletionFailed: "none" };

/** Where the stub `aws` (tests/support/aws-stub.ts) finds its answers, and nothing else. */
let awsStubDir = "";

/** An ISO 8601 time as the AWS CLI prints it, `seconds` since the epoch. */
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00");

/**
 * scripts/db/dr-metrics.sh itself, as its CronJob runs it: the stub `aws` answers with the
 * documented JSON of a database in `state` (the drill finished yesterday), and the script reads
 * it with its own `--query`, converts it and pushes to the real Pushgateway under its own
 * grouping key. What the AWS answers may look like is tests/dr-metrics.test.ts's business.
 */
async function drMetrics(state: DrState): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const drillEnd = now - 86_400;
    const answers: Record<string, unknown> = {
        "rds-describe-db-instances": { DBInstances: [{ DBInstanceIdentifier: DB_INSTANCE, DBInstanceStatus: "available", AllocatedStorage: 100, LatestRestorableTime: iso(now - state.recoveryPointAge), InstanceCreateTime: iso(now - state.instanceAge), Engine: config.database.engine }] },
        "cloudwatch-get-metric-statistics": { Label: "FreeStorageSpace", Datapoints: state.cloudWatchSilent === true ? [] : [{ Timestamp: iso(now - 300), Minimum: state.freeGiB * 2 ** 30, Unit: "Bytes" }] },
        "cloudwatch-get-metric-statistics-MaximumUsedTransactionIDs": { Label: "MaximumUsedTransactionIDs", Datapoints: state.cloudWatchSilent === true ? [] : [{ Timestamp: iso(now - 300), Maximum: state.usedXids, Unit: "Count" }] },
        "rds-describe-db-instance-automated-backups": { DBInstanceAutomatedBackups: [{ DBInstanceIdentifier: DB_INSTANCE, Status: "replicating", RestoreWindow: { EarliestTime: iso(now - 7 * 86_400), LatestTime: iso(now - state.drRecoveryPointAge) } }] },
        "backup-list-restore-jobs": { RestoreJobs: state.drillStatus === "none" ? [] : [{
            RestoreJobId: "drill", ResourceType: "RDS", CreationDate: iso(drillEnd - state.drillDuration), CompletionDate: iso(drillEnd), DeletionStatus: state.deletionFailed === "drill" ? "FAILED" : "SUCCESSFUL",
            ...(state.drillStatus === "FAILED" ? { Status: "FAILED" } : { Status: "COMPLETED", ValidationStatus: state.drillStatus === "COMPLETED" ? "SUCCESSFUL" : "FAILED" }),
        }] },
    };
    // The DR drill, in the DR region (the stub answers a `--region` call from `<name>@<region>.json`): a month-old plan, a drill yesterday that took 40 minutes.
    const drDrillPlan = `arn:aws:backup:${config.drRegion}:123456789012:restore-testing-plan:dr-drill`;
    answers[`backup-list-restore-testing-plans@${config.drRegion}`] = { RestoreTestingPlans: [{ RestoreTestingPlanArn: drDrillPlan, RestoreTestingPlanName: "dr_drill", CreationTime: iso(now - 30 * 86_400) }] };
    answers[`backup-list-restore-jobs@${config.drRegion}`] = { RestoreJobs: [{ RestoreJobId: "dr-drill", ResourceType: "RDS", Status: state.drDrillStatus, CreationDate: iso(drillEnd - 2_400), CompletionDate: iso(drillEnd), DeletionStatus: state.deletionFailed === "dr" ? "FAILED" : "SUCCESSFUL" }] };
    for (const [name, body] of Object.entries(answers)) writeFileSync(join(awsStubDir, `${name}.json`), JSON.stringify(body));
    const dr: Record<string, string> = {
        DR_REGION: config.drRegion,
        DR_RESTORE_TESTING_PLAN_ARN: drDrillPlan,
        ...(CTX.data?.drReplication === true ? { DR_BACKUPS_ARN: `arn:aws:rds:${config.drRegion}:123456789012:auto-backup:ab-EXAMPLE` } : {}),
    };
    const r = await run("bash", [join(SCRIPTS, "dr-metrics.sh")], {
        env: scriptEnv({
            PATH: `${awsStubDir}:/usr/bin:/bin`,
            AWS_STUB_DIR: awsStubDir,
            AWS_REGION: config.region,
            DB_INSTANCE_ID: DB_INSTANCE,
            RESTORE_TESTING_PLAN_ARN: `arn:aws:backup:${config.region}:123456789012:restore-testing-plan:drill`,
            ...dr,
        }),
    });
    const stderr = (state.cloudWatchSilent === true ? `dr-metrics.sh: no FreeStorageSpace point for ${DB_INSTANCE} in the last 15 minutes: free storage not pushed\n` +
        (config.database.engine === "postgres" ? `dr-metrics.sh: no MaximumUsedTransactionIDs point for ${DB_INSTANCE} in the last 15 minutes: used transaction IDs not pushed\n` : "") : "") +
        (state.drillStatus === "none" ? "dr-metrics.sh: no finished restore drill in the last 40 days: drill metrics not pushed\n" : "");
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `pushed recovery metrics of ${DB_INSTANCE}\n`, stderr });
}

/** Stops the Pushgateway (SIGTERM) and starts it on the same port and file: every group must come back as it was, and be scraped again. */
async function restartPushgateway(): Promise<void> {
    const before = await pushedGroups();
    // Prometheus must hold every push made so far (a test before may have pushed a moment ago): a
    // scrape of the Pushgateway that started after now (`timestamp(up)` is the scrape's start).
    const since = Date.now() / 1000;
    await waitFor("a scrape of the Pushgateway after the last push", async () => (Number((await query('timestamp(up{job="pushgateway"})'))[0]?.value[1]) > since ? true : undefined));
    const scrapedBefore = await pushedSeries();
    expect(scrapedBefore.length).toBeGreaterThan(0);
    await stopDaemon(pushgateway);
    pushgateway = startPushgateway(pushgateway?.port ?? 0);
    await waitFor("the restarted Pushgateway", () => ready(pushgateway?.port ?? 0), 20_000);
    expect(await pushedGroups()).toEqual(before);
    await waitFor("the restarted Pushgateway scraped", async () => ((await query('up{job="pushgateway"}'))[0]?.value[1] === "1" ? true : undefined));
    // What Prometheus reads after the restart: the same verdicts, timestamps and durations as before it.
    expect(await pushedSeries()).toEqual(scrapedBefore);
}

/** Every pushed result series as Prometheus holds it now (name, labels, value), sorted. */
async function pushedSeries(): Promise<string[]> {
    const jobs = Object.values(PUSH_JOBS).join("|");
    return (await query(`{job=~"${jobs}", __name__=~"launchpad_.+"}`)).map((s) => `${JSON.stringify(s.metric)} ${s.value[1]}`).sort();
}

/** The Pushgateway's groups, as its own API lists them (labels and every metric's samples). */
async function pushedGroups(): Promise<unknown> {
    const r = await fetch(`http://127.0.0.1:${pushgateway?.port ?? 0}/api/v1/metrics`);
    const body = (await r.json()) as { data: { labels: Record<string, string>; [metric: string]: unknown }[] };
    return body.data
        .map((g) => Object.fromEntries(Object.entries(g).filter(([k]) => k !== "push_time_seconds" && k !== "push_failure_time_seconds")))
        .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

// ---------------------------------------------------------------------------------------------

const exporters = { blue: new AppExporter(), green: new AppExporter() };
let promConfigPath = "";
let pushgatewayArgs: string[] = [];

/** A scrape job of the project's own scrape configuration (its name and honor_labels). */
function projectJob(name: string): Record<string, unknown> {
    const jobs = (parse(scrapeConfiguration("launchpad", M)) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
    const job = jobs.find((j) => j.job_name === name);
    if (job === undefined) throw new Error(`the scrape configuration has no ${name} job`);
    return job;
}

const COLORS = ["blue", "green"] as const;

/**
 * kube-state-metrics' series of each color's pod and Deployment, their app, color and role allowed
 * as labels (components/observability.ts `metricLabelsAllowlist`).
 */
const KSM_EXPOSITION = [
    `# TYPE ${KSM_METRICS.podLabels} gauge`,
    ...COLORS.map((c) => `${KSM_METRICS.podLabels}{namespace="${NAMESPACE}",pod="${podOf(c)}",uid="0b1c-${c}",label_app="${SERVICE}",label_color="${c}",${ksmLabel(ROLE_LABEL)}="${ROLES.workload}"} 1`),
    // A gate Job's pod of each color: same app and color, another role; the CPU and memory panels leave it out.
    ...COLORS.map((c) => `${KSM_METRICS.podLabels}{namespace="${NAMESPACE}",pod="${SERVICE}-${c}-gate-0a1b2c3d4e-x7k2q",uid="0b1d-${c}",label_app="${SERVICE}",label_color="${c}",${ksmLabel(ROLE_LABEL)}="${ROLES.gate}"} 1`),
    `# TYPE ${KSM_METRICS.deploymentLabels} gauge`,
    ...COLORS.map((c) => `${KSM_METRICS.deploymentLabels}{namespace="${NAMESPACE}",deployment="${SERVICE}-${c}",label_app="${SERVICE}",label_color="${c}",${ksmLabel(ROLE_LABEL)}="${ROLES.workload}"} 1`),
    `# TYPE ${KSM_METRICS.deploymentReplicasReady} gauge`,
    ...COLORS.map((c) => `${KSM_METRICS.deploymentReplicasReady}{namespace="${NAMESPACE}",deployment="${SERVICE}-${c}"} 2`),
    "",
].join("\n");
/** A stand-in kube-state-metrics serving KSM_EXPOSITION. */
let ksm: TestServer | undefined;

const STARTED = Date.now();
/**
 * Two nodes, each running one color's pods (`kubernetes.io/hostname` the node's name, as the kubelet
 * labels its node). The managed scraper reads each node's cAdvisor at the same address, the API
 * server's node proxy, at `/api/v1/nodes/<node>/proxy/metrics/cadvisor`.
 */
const NODES = { blue: "ip-10-0-1-17.ec2.internal", green: "ip-10-0-2-34.ec2.internal" } as const;
/** Nodes whose kubelet answers the proxy with an error. */
const downNodes = new Set<string>();
/**
 * One node's cAdvisor (the kubelet's /metrics/cadvisor): its color's application container, CPU
 * growing at a quarter core, the pod's own cgroup (no container) and the node's root cgroup (no pod),
 * as a kubelet serves them.
 */
function cadvisorExposition(color: (typeof COLORS)[number]): string {
    const cpu = (Date.now() - STARTED) / 4000;
    return [
        `# TYPE ${CADVISOR_METRICS.cpuSeconds} counter`,
        `${CADVISOR_METRICS.cpuSeconds}{id="/"} ${cpu * 3}`,
        `${CADVISOR_METRICS.cpuSeconds}{namespace="${NAMESPACE}",pod="${podOf(color)}",container=""} ${cpu}`,
        `${CADVISOR_METRICS.cpuSeconds}{namespace="${NAMESPACE}",pod="${podOf(color)}",container="${SERVICE}"} ${cpu}`,
        `# TYPE ${CADVISOR_METRICS.memoryWorkingSet} gauge`,
        `${CADVISOR_METRICS.memoryWorkingSet}{id="/"} 4294967296`,
        `${CADVISOR_METRICS.memoryWorkingSet}{namespace="${NAMESPACE}",pod="${podOf(color)}",container=""} 134217728`,
        `${CADVISOR_METRICS.memoryWorkingSet}{namespace="${NAMESPACE}",pod="${podOf(color)}",container="${SERVICE}"} 134217728`,
        // The color's gate Job pod (KSM_EXPOSITION): a gigabyte that is not the color's serving memory.
        `${CADVISOR_METRICS.memoryWorkingSet}{namespace="${NAMESPACE}",pod="${SERVICE}-${color}-gate-0a1b2c3d4e-x7k2q",container="smoke"} 1073741824`,
        "",
    ].join("\n");
}
/** A stand-in API server node proxy serving each node's cadvisorExposition(). */
let cadvisor: TestServer | undefined;

/**
 * The Prometheus configuration: the project's jobs, then `extraJobs`; the jobs of `noTargets` find
 * no target (as the managed scraper's endpoints job does once the Service it keeps is gone).
 */
function prometheusConfig(extraJobs: readonly Record<string, unknown>[] = [], noTargets: readonly string[] = []): string {
    const pg = projectJob("pushgateway");
    const state = projectJob("kube-state-metrics");
    const containers = projectJob("kubernetes-cadvisor");
    // The project's cAdvisor job as it is, fed the labels Kubernetes node discovery gives each node
    // (prometheus discovery/kubernetes/node.go: `__meta_kubernetes_node_name`, each node label as
    // `__meta_kubernetes_node_label_<sanitized name>`); only the address it sets, the API server's,
    // is pointed at the stand-in proxy afterwards, and plain HTTP without the service-account token.
    const nodeTargets = COLORS.map((c) => ({
        targets: ["node-discovery.invalid:10250"],
        labels: { __meta_kubernetes_node_name: NODES[c], __meta_kubernetes_node_label_kubernetes_io_hostname: NODES[c], __meta_kubernetes_node_label_kubernetes_io_os: "linux" },
    }));
    return stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" },
        rule_files: [join(dir, "rules.yml")],
        scrape_configs: [
            {
                // The scrape configuration's kubernetes-pods job attaches these from the pod's labels, namespace and name.
                job_name: "kubernetes-pods",
                static_configs: COLORS.map((color) => ({
                    targets: [`127.0.0.1:${exporters[color].port}`],
                    labels: { [M.serviceLabel]: SERVICE, [M.colorLabel]: color, namespace: NAMESPACE, pod: podOf(color) },
                })),
            },
            { job_name: pg.job_name, honor_labels: pg.honor_labels, static_configs: [{ targets: [`127.0.0.1:${pushgateway?.port ?? 0}`] }] },
            { job_name: state.job_name, honor_labels: state.honor_labels, static_configs: [{ targets: [new URL(ksm?.url ?? "http://127.0.0.1:1").host] }] },
            {
                job_name: containers.job_name,
                honor_labels: containers.honor_labels,
                static_configs: nodeTargets,
                relabel_configs: [...(containers.relabel_configs as unknown[]), { target_label: "__address__", replacement: new URL(cadvisor?.url ?? "http://127.0.0.1:1").host }],
            },
            ...extraJobs,
        ].map((j) => (noTargets.includes(String(j.job_name)) ? { ...j, static_configs: [] } : j)),
    }, { lineWidth: 0 });
}

function startPushgateway(port: number): Daemon {
    return spawnDaemon(PUSHGATEWAY ?? "prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`, ...pushgatewayArgs], port);
}

const missing = [
    ...[["prometheus", PROMETHEUS], ["prometheus-pushgateway", PUSHGATEWAY], ["curl", CURL]].filter(([, p]) => p === undefined).map(([n]) => n as string),
    ...(hasJmespath() ? [] : ["python3 with jmespath"]),
];

function skipLoudly(): boolean {
    if (WANTED) return false;
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** alerts on a live Prometheus: SKIPPING tests/alerts-live.test.ts (slow: real Prometheus and Pushgateway).\n` +
        `Run it with: npm run test:alerts   (needs apt-get install -y ${PACKAGES}; CI=true always runs it)\n${bar}\n`);
    return true;
}

describe.skipIf(skipLoudly())("alerts on a live Prometheus and Pushgateway", () => {
    beforeAll(async () => {
        if (missing.length > 0) return;
        dir = mkdtempSync(join(tmpdir(), "launchpad-alerts-live-"));
        fakeBin = join(dir, "bin");
        mkdirSync(fakeBin);
        writeFileSync(join(fakeBin, "aws"), "#!/bin/sh\nexit 0\n");
        chmodSync(join(fakeBin, "aws"), 0o755);
        awsStubDir = join(dir, "aws-stub");
        mkdirSync(awsStubDir);
        writeFileSync(join(awsStubDir, "aws"), AWS_STUB, { mode: 0o755 });
        writeFileSync(join(dir, "rules.yml"), renderPrometheusRules(GROUPS, "production", { testTiming: TIMING }));
        writeFileSync(join(dir, RUNNER_FILE), bundleRunner());
        writeFileSync(join(dir, "gate-policy.json"), JSON.stringify(GATE_POLICY));
        gateTarget = await startServer((_req, res) => res.end("ready"));
        ksm = await startServer((_req, res) => {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(KSM_EXPOSITION);
        });
        cadvisor = await startServer((req, res) => {
            const node = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/metrics\/cadvisor$/.exec(req.url ?? "")?.[1];
            const color = COLORS.find((c) => NODES[c] === node);
            if (color === undefined || downNodes.has(NODES[color])) {
                res.writeHead(color === undefined ? 404 : 503).end();
                return;
            }
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(cadvisorExposition(color));
        });

        // The chart's own arguments, the persistence file moved from the volume to the temp dir.
        const values = pushgatewayValues(false) as { extraArgs: string[] };
        pushgatewayArgs = values.extraArgs.map((a) => a.replace(PUSHGATEWAY_PERSISTENCE_FILE, join(dir, "pushgateway.data")));
        pushgateway = startPushgateway(await freePort());
        await waitFor("the Pushgateway to be ready", () => ready(pushgateway?.port ?? 0), 20_000);
        // Every push job has pushed a success before Prometheus starts, as on a healthy stack (pushed
        // later, the staleness alerts would rightly fire in the meantime).
        await pushGate("blue", "pass");
        await pushGate("green", "pass");
        await dumpSucceeds();
        await verifySucceeds();
        await drMetrics(HEALTHY_DR);
        await exporters.blue.start();
        await exporters.green.start();
        promConfigPath = join(dir, "prometheus.yml");
        writeFileSync(promConfigPath, prometheusConfig());
        const port = await freePort();
        prometheus = spawnDaemon(PROMETHEUS ?? "prometheus", [
            `--config.file=${promConfigPath}`,
            `--storage.tsdb.path=${join(dir, "tsdb")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--web.enable-lifecycle",
        ], port);
        await waitFor("Prometheus to be ready", () => ready(port), 30_000);
    }, 90_000);

    afterAll(async () => {
        await stopDaemon(prometheus);
        await stopDaemon(pushgateway);
        await exporters.blue.stop();
        await exporters.green.stop();
        await gateTarget?.close();
        await ksm?.close();
        await cadvisor?.close();
        if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    it("has the programs it needs", () => {
        expect(missing, `install them: apt-get install -y ${PACKAGES}`).toEqual([]);
    });

    it("healthy: nothing fires but the Watchdog, over 10 evaluations", async () => {
        // Both colors scraped and every pushed group in, then long enough for any `for` to pass.
        await waitFor("every target up", async () => {
            const up = await query("up");
            return up.length === 6 && up.every((s) => s.value[1] === "1") ? true : undefined;
        });
        await waitFor("every push job's group scraped", async () => {
            const jobs = new Set((await query("push_time_seconds")).map((s) => s.metric.job));
            return [PUSH_JOBS.smoke, PUSH_JOBS.backup, PUSH_JOBS.verify].every((j) => jobs.has(j)) ? true : undefined;
        });
        await waitFiring("LaunchpadWatchdog");
        // Rules run from Prometheus's first second, scrapes only once discovery hands over the targets
        // (up to 5 s, discovery/manager.go's update throttle): the staleness alerts rightly fire for
        // that gap with a 5 s `for`. Healthy means they resolve, then nothing fires.
        await waitFor("the start-up gap's alerts to resolve", async () => (raised(await alerts()).length === 0 ? true : undefined), 20_000);
        for (let i = 0; i < 10; i++) {
            expect(raised(await alerts())).toEqual([]);
            await new Promise((r) => setTimeout(r, 1_000));
        }
    }, 120_000);

    it("the Grafana rule groups' PromQL on the same Prometheus: every rule's series, and only the Watchdog's condition holds", async () => {
        expect(GRAFANA_RULES.map((r) => r.name).sort()).toEqual(GROUPS.flatMap((g) => g.alerts.map((a) => a.name)).sort());
        const results: Record<string, GrafanaSeries[]> = {};
        for (const r of GRAFANA_RULES) {
            results[r.name] = await grafanaEvaluate(r.name);
        }
        const quiet = (...labels: Record<string, string>[]) => labels.map((l) => ({ labels: l, holds: false }));
        const colors = quiet({ color: "blue", service: SERVICE }, { color: "green", service: SERVICE });
        const database = quiet({ database: DB });
        const instance = quiet({ db_instance: DB_INSTANCE });
        expect(results).toEqual({
            LaunchpadWatchdog: [{ labels: {}, holds: true }],
            // No 5xx series yet (a client exposes a child once it counts): no ratio at all.
            LaunchpadHighErrorRatio: [],
            LaunchpadHighLatencyP95: colors,
            LaunchpadDatabaseConnectionFailures: quiet({ service: SERVICE }),
            // No 5xx at all: the burn-rate comparisons inside the query leave nothing.
            LaunchpadErrorBudgetBurnFast: [],
            LaunchpadErrorBudgetBurnSlow: [],
            LaunchpadSmokeGateFailed: colors,
            LaunchpadDatabaseStorageLow: instance,
            LaunchpadTransactionIdWraparound: instance,
            LaunchpadPitrLagAboveRpo: instance,
            ...(CTX.data?.drReplication === true ? { LaunchpadDrBackupLagAboveRpo: instance } : {}),
            LaunchpadBackupStale: database,
            LaunchpadBackupFailed: database,
            LaunchpadRestoreVerifyStale: database,
            LaunchpadRestoreVerifyFailed: database,
            LaunchpadRestoreSlowerThanRto: database,
            LaunchpadRestoreDrillFailed: instance,
            LaunchpadRestoreDrillSlowerThanRto: instance,
            LaunchpadRestoreDrillMissing: instance,
            LaunchpadDrRestoreDrillFailed: instance,
            LaunchpadDrRestoreDrillNotSucceeded: instance,
            LaunchpadRestoreDrillInstanceNotDeleted: instance,
            // Both CloudWatch readings pushed: nothing is silent.
            LaunchpadDatabaseCloudWatchSilent: [],
            // Nothing down, nothing absent, nothing renamed: the meta alerts' queries are empty.
            LaunchpadTargetDown: [],
            // Every job of the scrape configuration has its up series here.
            LaunchpadScrapeJobAbsent: [],
            LaunchpadRequestMetricAbsent: [],
            LaunchpadPushJobAbsent: [],
            LaunchpadPushedJobRenamed: [],
            LaunchpadStateMetricsLabelsRenamed: [],
        });
    });

    it("the dashboards on the same Prometheus: the variables list the namespace, service and colors; every panel has data, 0 where nothing fails; a gate verdict marks the graphs", async () => {
        const prometheusTargets = DASHBOARD_JSON.flatMap((d) => d.panels.flatMap((p) => p.targets.filter((t) => t.expr !== undefined).map((t) => ({ where: `${d.uid} panel ${p.id} (${p.title}) ${t.refId}`, expr: t.expr ?? "" }))));
        expect(prometheusTargets).toHaveLength(43);
        // The same variables on every dashboard.
        for (const d of DASHBOARD_JSON) {
            const values: Record<string, string[]> = {};
            for (const v of d.templating.list.filter((x) => x.type === "query")) {
                values[v.name] = (await variableValues(v.query ?? "")).sort();
            }
            expect({ uid: d.uid, values }).toEqual({ uid: d.uid, values: { namespace: [NAMESPACE], service: [SERVICE], color: ["blue", "green"] } });
        }
        // Healthy, every panel's every query has a value: no "No data" anywhere.
        const results: Record<string, number[]> = {};
        for (const t of prometheusTargets) {
            results[t.where] = (await query(interpolate(t.expr))).map((s) => Number(s.value[1]));
        }
        expect(Object.entries(results).filter(([, v]) => v.length === 0 || v.some((x) => !Number.isFinite(x))).map(([where]) => where)).toEqual([]);
        // No 5xx series exists yet, and no connection failed: the error ratio and the failed connections show 0 per color.
        const service = DASHBOARD_JSON.find((d) => d.uid === DASHBOARDS.service.uid);
        const target = (panelTitle: RegExp, refId: string) => {
            const p = service?.panels.find((x) => panelTitle.test(x.title));
            return `${service?.uid ?? ""} panel ${p?.id ?? 0} (${p?.title ?? ""}) ${refId}`;
        };
        expect(results[target(/^Error ratio/, "A")]).toEqual([0, 0]);
        expect(results[target(/^Database/, "C")]).toEqual([0, 0]);
        // Memory per color counts the serving pods only, not the gate Job's pod of the same app and color.
        expect(results[target(/^Memory/, "A")]).toEqual([134217728, 134217728]);
        // A gate run marks the graphs: the "Gate passed" annotation returns the judged color, and any
        // other whose verdict is as recent (GATE_ANNOTATION_WINDOW_SECONDS: the setup's first runs,
        // which created their series, may still be), never an older one; "Gate failed" nothing.
        await pushGate("blue", "pass");
        const annotations = service?.annotations.list ?? [];
        const annotation = async (name: string, time?: number) => (await query(interpolate(annotations.find((a) => a.name === name)?.expr ?? ""), time)).map((s) => ({ service: s.metric.service, color: s.metric.color }));
        await waitFor("the Gate passed annotation", async () => ((await annotation("Gate passed")).some((a) => a.color === "blue") ? true : undefined));
        const at = Math.floor(Date.now() / 1000);
        const recent = (await query(`${SMOKE_METRICS.lastRunTimestamp}{job="${PUSH_JOBS.smoke}"}`, at))
            .filter((s) => at - Number(s.value[1]) < GATE_ANNOTATION_WINDOW_SECONDS)
            .map((s) => ({ service: s.metric.service, color: s.metric.color }))
            .sort((a, b) => a.color.localeCompare(b.color));
        expect(recent).toContainEqual({ service: SERVICE, color: "blue" });
        expect((await annotation("Gate passed", at)).sort((a, b) => a.color.localeCompare(b.color))).toEqual(recent);
        expect(await annotation("Gate failed", at)).toEqual([]);
        // The switch annotation runs on the real engine (query() throws on an error). No value is
        // asserted: both stand-in colors serve half the traffic each, a mix the Ingress never sends
        // (ALB_LIVE_WEIGHT 100 and 0, components/blue-green-service.ts), so its "> 0.5" follows the rates' noise.
        expect(Array.isArray(await annotation("Color switch"))).toBe(true);
    }, 60_000);

    // Kubernetes stops a pod with SIGTERM: the Pushgateway's DiskMetricStore.Shutdown drains its write
    // queue and persists (prometheus/pushgateway storage/diskmetricstore.go); it also persists every
    // --persistence.interval, which bounds what a SIGKILL loses (1 minute with the chart's values).
    it("a Pushgateway restart: no alert, and every pushed group still there", async () => {
        await restartPushgateway();
        // The push alerts' `for` (5 s here) passed several times over: any of them would be firing.
        for (let i = 0; i < 10; i++) {
            expect((await alerts()).filter((a) => a.state === "firing").map((a) => a.labels.alertname)).toEqual(["LaunchpadWatchdog"]);
            await new Promise((r) => setTimeout(r, 1_000));
        }
    }, 60_000);

    it("5xx over the threshold on green: the error alert for green only", async () => {
        exporters.green.state.errorShare = 0.5;
        await waitFiring("LaunchpadHighErrorRatio", { color: "green" });
        expect(firing(await alerts(), "LaunchpadHighErrorRatio", { color: "blue" })).toEqual([]);
        expect(await grafanaHolding("LaunchpadHighErrorRatio")).toEqual([{ color: "green", service: SERVICE }]);
        exporters.green.state.errorShare = 0;
    }, 60_000);

    it("p95 over the threshold on blue: the latency alert", async () => {
        exporters.blue.state.slow = true;
        const [a] = await waitFiring("LaunchpadHighLatencyP95", { color: "blue" });
        expect(Number(a.value)).toBeGreaterThan(config.observability.thresholds.latencyP95Seconds);
        expect(await grafanaHolding("LaunchpadHighLatencyP95")).toEqual([{ color: "blue", service: SERVICE }]);
        exporters.blue.state.slow = false;
    }, 60_000);

    it("a failed gate, a failed dump and a failed restore check: their alerts", async () => {
        await pushGate("green", "fail");
        await dumpFails();
        await verifyFails();
        await waitFiring("LaunchpadSmokeGateFailed", { service: SERVICE, color: "green" });
        await waitFiring("LaunchpadBackupFailed", { database: DB });
        await waitFiring("LaunchpadRestoreVerifyFailed", { database: DB });
        const list = await alerts();
        expect(firing(list, "LaunchpadSmokeGateFailed", { color: "blue" })).toEqual([]);
        expect(await grafanaHolding("LaunchpadSmokeGateFailed")).toEqual([{ color: "green", service: SERVICE }]);
        expect(await grafanaHolding("LaunchpadBackupFailed")).toEqual([{ database: DB }]);
        expect(await grafanaHolding("LaunchpadRestoreVerifyFailed")).toEqual([{ database: DB }]);
        // A failure POSTs beside the last success: the staleness alerts stay silent.
        expect(firing(list, "LaunchpadBackupStale")).toEqual([]);
        expect(firing(list, "LaunchpadRestoreVerifyStale")).toEqual([]);
    }, 60_000);

    it("recovery point older than the RPO, storage low, a drill slower than the RTO, near wraparound, a failed drill, a drill instance not deleted, CloudWatch silent: their alerts", async () => {
        const t = config.observability.thresholds;
        // An hour behind (RPO 15 min), 5% free (threshold 10%), a two-hour drill (RTO 1 h), 1.5 billion transaction IDs used (threshold 1 billion).
        await drMetrics({ ...HEALTHY_DR, recoveryPointAge: 3_600, drRecoveryPointAge: 3_600, freeGiB: 5, drillDuration: 7_200, usedXids: 1_500_000_000 });
        const names = ["LaunchpadPitrLagAboveRpo", ...(CTX.data?.drReplication === true ? ["LaunchpadDrBackupLagAboveRpo"] : []), "LaunchpadDatabaseStorageLow", "LaunchpadRestoreDrillSlowerThanRto", "LaunchpadTransactionIdWraparound"];
        const values: Record<string, number> = {};
        for (const name of names) {
            const [a] = await waitFiring(name, { db_instance: DB_INSTANCE });
            values[name] = Number(a.value);
            expect(await grafanaHolding(name)).toEqual([{ db_instance: DB_INSTANCE }]);
        }
        for (const name of names.filter((n) => n.endsWith("AboveRpo"))) {
            expect(values[name]).toBeGreaterThan(durationSeconds(t.rpoTarget));
        }
        expect(values.LaunchpadDatabaseStorageLow).toBeCloseTo(5, 6);
        expect(values.LaunchpadTransactionIdWraparound).toBe(1_500_000_000);
        expect(values.LaunchpadRestoreDrillSlowerThanRto).toBe(7_200);
        expect(values.LaunchpadRestoreDrillSlowerThanRto).toBeGreaterThan(durationSeconds(t.restoreMaxDuration));
        // A newest drill that restored, but whose data failed the drill check (scripts/db/drill-check.sh): its success 0.
        await drMetrics({ ...HEALTHY_DR, drillStatus: "VALIDATION_FAILED" });
        await waitFiring("LaunchpadRestoreDrillFailed", { db_instance: DB_INSTANCE });
        expect(await grafanaHolding("LaunchpadRestoreDrillFailed")).toEqual([{ db_instance: DB_INSTANCE }]);
        names.push("LaunchpadRestoreDrillFailed");
        // A newest DR drill that failed (the DR vault's copy did not restore in the DR region).
        await drMetrics({ ...HEALTHY_DR, drDrillStatus: "FAILED" });
        await waitFiring("LaunchpadDrRestoreDrillFailed", { db_instance: DB_INSTANCE });
        expect(await grafanaHolding("LaunchpadDrRestoreDrillFailed")).toEqual([{ db_instance: DB_INSTANCE }]);
        names.push("LaunchpadDrRestoreDrillFailed");
        // Each drill's restored instance AWS Backup failed to delete (DeletionStatus FAILED): the primary's, then the DR one's.
        for (const deletionFailed of ["drill", "dr"] as const) {
            await drMetrics({ ...HEALTHY_DR, deletionFailed });
            const [a] = await waitFiring("LaunchpadRestoreDrillInstanceNotDeleted", { db_instance: DB_INSTANCE });
            expect(Number(a.value)).toBe(1);
            expect(await grafanaHolding("LaunchpadRestoreDrillInstanceNotDeleted")).toEqual([{ db_instance: DB_INSTANCE }]);
            await drMetrics(HEALTHY_DR);
            await waitFor("LaunchpadRestoreDrillInstanceNotDeleted to resolve", async () => (firing(await alerts(), "LaunchpadRestoreDrillInstanceNotDeleted").length === 0 ? true : undefined));
        }
        names.push("LaunchpadRestoreDrillInstanceNotDeleted");
        // CloudWatch with no point of the last 15 minutes: the job pushes no reading, so the storage
        // (and wraparound) pages see no data, and the silence alert says so.
        await drMetrics({ ...HEALTHY_DR, cloudWatchSilent: true });
        await waitFiring("LaunchpadDatabaseCloudWatchSilent", { db_instance: DB_INSTANCE });
        expect(await grafanaHolding("LaunchpadDatabaseCloudWatchSilent")).toEqual([{ db_instance: DB_INSTANCE }]);
        names.push("LaunchpadDatabaseCloudWatchSilent");
        await drMetrics(HEALTHY_DR);
        await waitFor("the recovery alerts to resolve", async () => ((await alerts()).some((a) => names.includes(a.labels.alertname) && a.state === "firing") ? undefined : true));
    }, 90_000);

    it("no drill finished in dr-metrics.sh's lookback: the missing-drill alert for an instance older than a drill interval, none for one created yesterday", async () => {
        const due = drillDueSeconds(config.observability.thresholds.restoreMaxDuration);
        const created = async (): Promise<number> => Number((await query(`launchpad_rds_instance_create_timestamp_seconds{db_instance="${DB_INSTANCE}"}`))[0]?.value[1]);
        // A new stack: no drill yet, and none due. Once Prometheus holds the new group, the rule's
        // `for` (5 s here) passes several times over without it firing.
        await drMetrics({ ...HEALTHY_DR, drillStatus: "none", instanceAge: 86_400 });
        await waitFor("the new instance's creation time scraped", async () => (Date.now() / 1000 - (await created()) < 2 * 86_400 ? true : undefined));
        for (let i = 0; i < 10; i++) {
            expect(firing(await alerts(), "LaunchpadRestoreDrillMissing")).toEqual([]);
            await new Promise((r) => setTimeout(r, 1_000));
        }
        expect(await grafanaEvaluate("LaunchpadRestoreDrillMissing")).toEqual([{ labels: { db_instance: DB_INSTANCE }, holds: false }]);
        // The same with a 90-day-old instance: a drill was due and none finished.
        await drMetrics({ ...HEALTHY_DR, drillStatus: "none" });
        const [a] = await waitFiring("LaunchpadRestoreDrillMissing", { db_instance: DB_INSTANCE });
        expect(Number(a.value)).toBeGreaterThan(due);
        expect(await grafanaHolding("LaunchpadRestoreDrillMissing")).toEqual([{ db_instance: DB_INSTANCE }]);
        // The other drill alerts had nothing to say: their metrics left the group with the drill.
        expect(await query(`launchpad_restore_drill_last_run_success{db_instance="${DB_INSTANCE}"}`)).toEqual([]);
        // A drill again (yesterday's): resolved.
        await drMetrics(HEALTHY_DR);
        await waitFor("LaunchpadRestoreDrillMissing to resolve", async () => (firing(await alerts(), "LaunchpadRestoreDrillMissing").length === 0 ? true : undefined));
    }, 90_000);

    it("a Pushgateway restart keeps the failures: their alerts still fire, no staleness alert", async () => {
        await restartPushgateway();
        await new Promise((r) => setTimeout(r, 8_000));
        const list = await alerts();
        expect(firing(list, "LaunchpadSmokeGateFailed", { color: "green" })).toHaveLength(1);
        expect(firing(list, "LaunchpadBackupFailed", { database: DB })).toHaveLength(1);
        expect(firing(list, "LaunchpadRestoreVerifyFailed", { database: DB })).toHaveLength(1);
        for (const name of ["LaunchpadBackupStale", "LaunchpadRestoreVerifyStale", "LaunchpadPushJobAbsent", "LaunchpadTargetDown"]) {
            expect({ name, firing: firing(list, name) }).toEqual({ name, firing: [] });
        }
    }, 60_000);

    // Every node's cAdvisor target has the same address (the API server's), hence the same
    // `instance`: only the node labels AWS's job maps onto the target (labelmap) keep the nodes' `up`
    // and node-level series apart. Without them both nodes write one `up` series, and a node whose
    // kubelet stopped answering is never seen down.
    it("cAdvisor through the API server's node proxy: one target per node, a dead kubelet is a target down", async () => {
        const hostname = "kubernetes_io_hostname";
        const upByNode = async (): Promise<Record<string, string>> =>
            Object.fromEntries((await query('up{job="kubernetes-cadvisor"}')).map((s) => [s.metric[hostname] ?? "(no node label)", s.value[1]]));
        expect(await upByNode()).toEqual({ [NODES.blue]: "1", [NODES.green]: "1" });
        const roots = await query(`${CADVISOR_METRICS.memoryWorkingSet}{id="/"}`);
        expect(roots.map((s) => s.metric[hostname]).sort()).toEqual([NODES.blue, NODES.green].sort());
        downNodes.add(NODES.green);
        try {
            await waitFiring("LaunchpadTargetDown", { job: "kubernetes-cadvisor" });
            expect(await upByNode()).toEqual({ [NODES.blue]: "1", [NODES.green]: "0" });
            expect(await grafanaHolding("LaunchpadTargetDown")).toEqual([{ job: "kubernetes-cadvisor" }]);
        } finally {
            downNodes.delete(NODES.green);
        }
        await waitFor("the kubelet back and its alert resolved", async () => {
            const back = Object.values(await upByNode()).every((v) => v === "1");
            return back && firing(await alerts(), "LaunchpadTargetDown").length === 0 ? true : undefined;
        });
    }, 90_000);

    it("a killed exporter: target down for its scrape job", async () => {
        await exporters.green.stop();
        const [a] = await waitFiring("LaunchpadTargetDown", { job: "kubernetes-pods" });
        expect(Number(a.value)).toBe(1);
        expect(await grafanaHolding("LaunchpadTargetDown")).toEqual([{ job: "kubernetes-pods" }]);
    }, 60_000);

    it("the Pushgateway and kube-state-metrics scraped without honor_labels: the two renamed-label alerts", async () => {
        // Jobs of an existing Prometheus without honor_labels: an annotation-based pod job (its own
        // job label) and a service-endpoints job attaching the target's namespace and pod.
        writeFileSync(promConfigPath, prometheusConfig([
            { job_name: "annotated-pods", static_configs: [{ targets: [`127.0.0.1:${pushgateway?.port ?? 0}`] }] },
            { job_name: "annotated-services", static_configs: [{ targets: [new URL(ksm?.url ?? "http://127.0.0.1:1").host], labels: { namespace: "launchpad-production", pod: "kube-state-metrics-7d9f" } }] },
        ]));
        const reload = await fetch(`http://127.0.0.1:${prometheus?.port ?? 0}/-/reload`, { method: "POST" });
        expect(reload.status).toBe(200);
        const renamed = await waitFiring("LaunchpadPushedJobRenamed");
        expect(renamed.map((a) => a.labels.exported_job).sort()).toEqual([PUSH_JOBS.backup, PUSH_JOBS.verify, PUSH_JOBS.smoke, PUSH_JOBS.dr].sort());
        const [ksmRenamed] = await waitFiring("LaunchpadStateMetricsLabelsRenamed");
        expect(ksmRenamed.labels.job).toBe("annotated-services");
        expect(await grafanaHolding("LaunchpadStateMetricsLabelsRenamed")).toEqual([{ job: "annotated-services" }]);
    }, 60_000);

    // A job that discovers no target writes no `up` at all: TargetDown, counting `up == 0`, sees
    // nothing. As if kube-state-metrics' Service were gone: its job keeps no target. (The target's
    // loop, stopped by the scrape pool's sync, marks its series stale: prometheus scrape/scrape.go
    // `endOfRunStaleness`. Removing the job itself would not: a stopped pool writes no staleness
    // markers, and its last `up` stays for the 5-minute lookback.)
    it("a scrape job with no target: LaunchpadScrapeJobAbsent for that job, where LaunchpadTargetDown has nothing to count", async () => {
        writeFileSync(promConfigPath, prometheusConfig([], [SCRAPE_JOBS.kubeStateMetrics]));
        const reload = await fetch(`http://127.0.0.1:${prometheus?.port ?? 0}/-/reload`, { method: "POST" });
        expect(reload.status).toBe(200);
        const absent = await waitFiring("LaunchpadScrapeJobAbsent");
        expect(absent.map((a) => a.labels.job)).toEqual(["kube-state-metrics"]);
        expect(await grafanaHolding("LaunchpadScrapeJobAbsent")).toEqual([{ job: "kube-state-metrics" }]);
        expect(firing(await alerts(), "LaunchpadTargetDown", { job: "kube-state-metrics" })).toEqual([]);
    }, 60_000);

    it("the Watchdog fires throughout", async () => {
        expect(firing(await alerts(), "LaunchpadWatchdog")).toHaveLength(1);
    });
});
