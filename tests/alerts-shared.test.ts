/**
 * A shared Prometheus (`observability.prometheusUrl`, the existing-cluster path): a team's server
 * that also scrapes other stacks' and teams' namespaces, a staging stack on the same cluster among
 * them, pushing the same job and database names (`job="launchpad-db-backup", database="app"`).
 * Every rule then selects the stack's namespace, which the team's jobs attach
 * (observability/catalogue.ts SHARED_SCRAPE_LABELS): checked on every vector selector of every
 * rule (lezer-promql), and with promtool on two namespaces' series, where another namespace's
 * failures must not fire this stack's alerts nor its fresh backup hide this stack's stale one.
 * With AMP (the stack's own workspace) the rules stay unscoped.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig, type LaunchpadConfig } from "../config";
import { stackDashboards } from "../dashboards";
import { alertContext, alertGroups, type AlertContext, type AlertDefinition } from "../observability/alerts";
import { renderPrometheusRules } from "../observability/prometheus-rules";
import { REPO_ROOT } from "../plan/engine";
import { analysisQueries } from "../scripts/promote";
import { loadStackConfig } from "../plan/stack-config";
import { stagingConfig, tempProject } from "./support/project";
import { describeWithPromtool, promtool } from "./support/promtool";
import { EXISTING_NETWORK } from "./support/config";

const NAMESPACE = "shop-api";
const OTHER = "shop-api-staging";

function configOf(stack: string, root = REPO_ROOT): LaunchpadConfig {
    const sc = loadStackConfig({ root, stack, sets: [] });
    return parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
}

function contextOf(stack: string, root = REPO_ROOT): AlertContext {
    return alertContext(configOf(stack, root));
}

/** An existing cluster with a database (network.existing) and cAdvisor, read by the team's Prometheus. */
function sharedConfig(): LaunchpadConfig {
    const project = tempProject("shared", stagingConfig({
        "launchpad:cluster": { kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" }, namespace: NAMESPACE, provides: { containerMetrics: true } },
        "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" },
        "launchpad:network": {
            existing: EXISTING_NETWORK,
        },
    }));
    try {
        return configOf("shared", project.root);
    } finally {
        project.dispose();
    }
}

/** Every vector selector of an expression, as written (metric and matchers). */
function vectorSelectors(expr: string): string[] {
    const out: string[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.type.isError) throw new Error(`lezer-promql cannot parse ${expr} @${n.from}`);
            if (n.type.name === "VectorSelector") out.push(expr.slice(n.from, n.to));
        },
    });
    return out;
}

const SHARED_CONFIG = sharedConfig();
const SHARED = alertContext(SHARED_CONFIG);
const SHARED_ALERTS = new Map(alertGroups(SHARED).flatMap((g) => g.alerts).map((a) => [a.name, a]));

describe("alerts on a shared Prometheus", () => {
    it("the shared path knows its namespace; the AMP path has none", () => {
        expect([SHARED.namespace, SHARED.data !== undefined, contextOf("production").namespace]).toEqual([NAMESPACE, true, undefined]);
    });

    it("every vector selector of every rule matches the stack's namespace (kube-state-metrics' renamed one: exported_namespace)", () => {
        const unscoped = [...SHARED_ALERTS.values()].flatMap((a) => vectorSelectors(a.query)
            .filter((s) => !s.includes(`namespace="${NAMESPACE}"`))
            .map((s) => `${a.name}: ${s}`));
        // vector(1), the Watchdog's, is no selector.
        expect(unscoped).toEqual([]);
        expect(vectorSelectors(SHARED_ALERTS.get("LaunchpadStateMetricsLabelsRenamed")?.query ?? "")).toEqual([
            `kube_pod_labels{exported_namespace="${NAMESPACE}"}`,
            `kube_pod_labels{namespace="${NAMESPACE}", exported_pod!=""}`,
        ]);
    });

    it("promote's post-switch analysis reads the alerts' scoped queries, verbatim", () => {
        const q = analysisQueries(SHARED_CONFIG);
        expect(SHARED_ALERTS.get("LaunchpadHighErrorRatio")?.query.startsWith(`(${q.errorRatio}) and on (service, color) `)).toBe(true);
        expect(SHARED_ALERTS.get("LaunchpadHighLatencyP95")?.query.startsWith(`${q.p95} and on (service, color) `)).toBe(true);
        expect(q.requests).toBe(`sum by (service, color) (increase(http_requests_total{namespace="${NAMESPACE}"}[5m]))`);
    });

    it("the dashboards: $namespace defaults to the stack's, and every selector of every panel and annotation matches $namespace, the pushed ones too", () => {
        const dashboards = (config: LaunchpadConfig, shared: boolean) => Object.values(stackDashboards({
            stack: config.stack,
            identifier: config.stack,
            namespace: config.cluster.namespace,
            sharedPrometheus: shared,
            region: config.region,
            metrics: config.observability.metrics,
            thresholds: config.observability.thresholds,
            dbInstanceIdentifier: "shared-db",
            backupVaultName: "shared-vault",
            containerMetrics: true,
            drReplication: false,
        })) as unknown as { uid: string; panels: { id: number; targets: { expr?: string }[] }[]; annotations: { list: { name: string; expr?: string }[] }; templating: { list: { name: string; current?: { value: string } }[] } }[];
        const exprs = (ds: ReturnType<typeof dashboards>): string[] => ds.flatMap((d) => [
            ...d.panels.flatMap((p) => p.targets.flatMap((t) => (t.expr !== undefined ? [t.expr] : []))),
            ...d.annotations.list.flatMap((a) => (a.expr !== undefined ? [a.expr] : [])),
        ]);
        const shared = dashboards(SHARED_CONFIG, true);
        expect(shared.map((d) => d.templating.list.find((v) => v.name === "namespace")?.current?.value)).toEqual(shared.map(() => NAMESPACE));
        const selectors = exprs(shared).flatMap((e) => vectorSelectors(e.replaceAll("$__rate_interval", "5m")));
        expect(selectors.length).toBeGreaterThan(40);
        expect(selectors.filter((s) => !s.includes('namespace="$namespace"'))).toEqual([]);
        // With AMP the pushed series carry no namespace: their selectors must not ask for one.
        const own = exprs(dashboards(SHARED_CONFIG, false)).flatMap((e) => vectorSelectors(e.replaceAll("$__rate_interval", "5m")));
        expect(own.filter((s) => /job="launchpad-/.test(s) && s.includes("namespace"))).toEqual([]);
    });

    it("with AMP no selector names a namespace: the workspace holds the stack's series alone", () => {
        const prod = alertGroups(contextOf("production")).flatMap((g) => g.alerts);
        expect(prod.flatMap((a) => vectorSelectors(a.query).filter((s) => /\bnamespace=/.test(s)))).toEqual([]);
    });
});

interface Case {
    readonly name: string;
    readonly alert: string;
    readonly interval: string;
    readonly series: readonly { series: string; values: string }[];
    readonly evalTime: string;
    /** The firing alert's labels and summary; absent: none fires. */
    readonly fires?: { labels: Record<string, string>; summary: string };
}

const backup = (metric: string, ns: string) => `${metric}{job="launchpad-db-backup", database="app", tier="daily", namespace="${ns}"}`;

/** Each pairs this stack's series with another namespace's that the unscoped rule mistook for them. */
const CASES: readonly Case[] = [
    {
        name: "another namespace's failed backup does not fire this stack's",
        alert: "LaunchpadBackupFailed",
        interval: "1m",
        series: [
            { series: backup("launchpad_backup_last_run_success", NAMESPACE), values: "1x10" },
            { series: backup("launchpad_backup_last_run_success", OTHER), values: "0x10" },
        ],
        evalTime: "10m",
    },
    {
        name: "another namespace's fresh backup does not hide this stack's stale one",
        alert: "LaunchpadBackupStale",
        interval: "1h",
        series: [
            // Last success at the epoch's start, never again; the other namespace succeeds every hour.
            { series: backup("launchpad_backup_last_success_timestamp_seconds", NAMESPACE), values: "0x30" },
            { series: backup("launchpad_backup_last_success_timestamp_seconds", OTHER), values: "0+3600x30" },
        ],
        evalTime: "30h",
        fires: { labels: { database: "app" }, summary: "The newest daily backup of app is 1d 6h 0m 0s old" },
    },
    {
        name: "another namespace's down target is not this stack's",
        alert: "LaunchpadTargetDown",
        interval: "1m",
        series: [
            { series: `up{job="kubernetes-pods", namespace="${NAMESPACE}"}`, values: "1x20" },
            { series: `up{job="kubernetes-pods", namespace="${OTHER}"}`, values: "0x20" },
        ],
        evalTime: "20m",
    },
    {
        name: "another namespace's failed gate of a service of the same name is not this stack's",
        alert: "LaunchpadSmokeGateFailed",
        interval: "1m",
        series: [
            { series: `launchpad_smoke_gate_passed{job="launchpad-smoke-gate", service="api", color="green", namespace="${OTHER}"}`, values: "0x10" },
            { series: `launchpad_smoke_gate_last_run_timestamp_seconds{job="launchpad-smoke-gate", service="api", color="green", namespace="${OTHER}"}`, values: "0+60x10" },
        ],
        evalTime: "10m",
    },
];

function testFile(c: Case, alert: AlertDefinition, rulesPath: string): string {
    return stringify({
        rule_files: [rulesPath],
        evaluation_interval: c.interval,
        tests: [{
            name: c.name,
            interval: c.interval,
            input_series: c.series,
            alert_rule_test: [{
                eval_time: c.evalTime,
                alertname: alert.name,
                exp_alerts: c.fires === undefined ? [] : [{
                    exp_labels: { ...c.fires.labels, severity: alert.severity, environment: "shared" },
                    exp_annotations: { summary: c.fires.summary, description: alert.description, runbook_url: alert.runbookUrl },
                }],
            }],
        }],
    }, { lineWidth: 0 });
}

describeWithPromtool("alerts on a shared Prometheus, under promtool", (bin) => {
    let dir = "";
    let out = "";
    beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), "launchpad-shared-rules-"));
        const rulesPath = join(dir, "rules.yml");
        writeFileSync(rulesPath, renderPrometheusRules(alertGroups(SHARED), "shared"));
        const files = CASES.map((c, i) => {
            const alert = SHARED_ALERTS.get(c.alert);
            if (alert === undefined) throw new Error(`no alert ${c.alert}`);
            const f = join(dir, `case-${i}.test.yml`);
            writeFileSync(f, testFile(c, alert, rulesPath));
            return f;
        });
        const r = await promtool("sh", ["-c", '"$0" "$@" 2>&1', bin, "test", "rules", ...files]);
        out = r.stdout + r.stderr;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(CASES.map((c, i) => ({ ...c, i })))("$alert: $name", ({ i }) => {
        const section = out.split(/(?=Unit Testing:)/).find((s) => s.includes(`case-${i}.test.yml`)) ?? `no output for case ${i}`;
        expect(section.trim().split("\n").slice(1).join("\n").trim()).toBe("SUCCESS");
    });
});
