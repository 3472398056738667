/**
 * The producer catalogue (observability/catalogue.ts) against everything that spells a metric:
 * every metric of every rule, panel, annotation and variable (parsed with lezer-promql) is in the
 * catalogue, with only the labels its producer attaches, and its producer is deployed in that
 * stack's path; the shell pushers push exactly the catalogue's names; the smoke gate's push code
 * renders them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { stackDashboards, type DashboardContext } from "../dashboards";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";
import { alertContext, alertGroups, type AlertContext } from "../observability/alerts";
import {
    BACKUP_METRICS,
    deployedProducers,
    DR_METRICS,
    KSM_CONTAINER_METRICS,
    LOADTEST_METRICS,
    LOADTEST_PUSH_JOB,
    metricCatalogue,
    PUSH_JOBS,
    SHARED_SCRAPE_LABELS,
    SMOKE_METRICS,
    VERIFY_METRICS,
    type Producer,
} from "../observability/catalogue";
import { loadtestPushUrl, renderLoadtestMetrics } from "../loadtest/push";
import { renderMetrics } from "../smoke/push";
import { stagingConfig, tempProject } from "./support/project";
import { EXISTING_NETWORK } from "./support/config";

function contextOf(stack: string, root = REPO_ROOT, sets: readonly string[] = []): AlertContext {
    const sc = loadStackConfig({ root, stack, sets });
    return alertContext(parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true }));
}

/** The metric names and matcher labels of one PromQL expression (Grafana's variables stand in as values). */
function selectors(expr: string): { metric: string; labels: string[] }[] {
    const text = expr.replaceAll("$__rate_interval", "5m").replace(/\$(\w+)/g, "x");
    const out: { metric: string; labels: string[] }[] = [];
    parser.parse(text).iterate({
        enter: (n) => {
            if (n.type.isError) {
                throw new Error(`lezer-promql cannot parse ${expr} @${n.from}`);
            }
            if (n.type.name !== "VectorSelector") {
                return;
            }
            const id = n.node.getChild("Identifier");
            const labels: string[] = [];
            n.node.getChild("LabelMatchers")?.cursor().iterate((m) => {
                if (m.type.name === "LabelName") labels.push(text.slice(m.from, m.to));
            });
            if (id !== null) out.push({ metric: text.slice(id.from, id.to), labels });
        },
    });
    return out;
}

/** Every PromQL string a stack ships: rule queries, panel targets, annotations, variable queries. */
function promqlOf(ctx: AlertContext): { where: string; expr: string }[] {
    const o = ctx.observability;
    const dctx: DashboardContext = {
        stack: ctx.stack,
        // Any identifier: it names the uids, which only label the messages below, never the PromQL.
        identifier: ctx.stack,
        // Any namespace (the variable's default); where the Prometheus is shared, the pushed panels select it.
        namespace: ctx.namespace ?? ctx.stack,
        sharedPrometheus: ctx.namespace !== undefined,
        region: ctx.region,
        metrics: o.metrics,
        thresholds: o.thresholds,
        dbInstanceIdentifier: ctx.data?.dbInstanceIdentifier,
        backupVaultName: ctx.data?.backupVaultName,
        containerMetrics: ctx.containerMetrics,
        drReplication: ctx.data?.drReplication ?? false,
        dbEngine: ctx.data?.engine,
    };
    type Json = { uid?: string; panels?: { id: number; targets?: { expr?: string }[] }[]; annotations?: { list?: { name?: string; expr?: string }[] }; templating?: { list?: { name: string; query?: unknown }[] } };
    const out = alertGroups(ctx).flatMap((g) => g.alerts.map((a) => ({ where: `rule ${a.name}`, expr: a.query })));
    for (const d of Object.values(stackDashboards(dctx)) as Json[]) {
        for (const p of d.panels ?? []) {
            for (const t of p.targets ?? []) {
                if (t.expr !== undefined) out.push({ where: `${d.uid} panel ${p.id}`, expr: t.expr });
            }
        }
        for (const a of d.annotations?.list ?? []) {
            if (a.expr !== undefined) out.push({ where: `${d.uid} annotation ${a.name}`, expr: a.expr });
        }
        for (const v of d.templating?.list ?? []) {
            const m = typeof v.query === "string" ? /^label_values\((.+), \w+\)$/.exec(v.query) : null;
            if (m !== null) out.push({ where: `${d.uid} variable ${v.name}`, expr: m[1] });
        }
    }
    return out;
}

/** What is wrong with a stack's metrics: unknown names, labels their producer never attaches, producers not deployed. */
function problems(ctx: AlertContext): string[] {
    const catalogue = metricCatalogue(ctx.observability.metrics);
    const deployed = deployedProducers({ data: ctx.data !== undefined, containerMetrics: ctx.containerMetrics });
    const out: string[] = [];
    for (const { where, expr } of promqlOf(ctx)) {
        for (const { metric, labels } of selectors(expr)) {
            const spec = catalogue[metric];
            if (spec === undefined) {
                out.push(`${where}: ${metric} is not in the catalogue`);
                continue;
            }
            if (!deployed.has(spec.producer)) out.push(`${where}: ${metric}'s producer ${spec.producer} is not deployed`);
            // A shared Prometheus's jobs attach the namespace to what they scrape, which the rules select there.
            const scrape = ["job", "instance", ...(ctx.namespace !== undefined ? SHARED_SCRAPE_LABELS : [])];
            const foreign = labels.filter((l) => ![...scrape, ...spec.labels].includes(l));
            if (foreign.length > 0) out.push(`${where}: ${metric} has no label ${foreign.join(", ")}`);
        }
    }
    return out;
}

describe("every metric of every rule, panel, annotation and variable has a deployed producer", () => {
    const production = contextOf("production");

    it("reads the metrics of every rule and panel, lezer-promql finding no error", () => {
        const metrics = new Set(promqlOf(production).flatMap(({ expr }) => selectors(expr).map((s) => s.metric)));
        // Every catalogued metric but the ones no rule or panel reads (kept for their pushers' sake) is read.
        expect(Object.keys(metricCatalogue(production.observability.metrics)).filter((m) => !metrics.has(m)).sort()).toEqual([
            BACKUP_METRICS.lastFailureTimestamp,
            BACKUP_METRICS.size,
            VERIFY_METRICS.lastFailureTimestamp,
            // PostgreSQL only: production is MySQL (the PostgreSQL case below reads it).
            DR_METRICS.maximumUsedTransactionIds,
            ...Object.values(LOADTEST_METRICS),
            // Read by the performance suite's server-side judgement (tests/loadtest-server.test.ts checks its queries).
            ...Object.values(KSM_CONTAINER_METRICS),
        ].sort());
        expect(() => selectors("sum(rate(x[5m])")).toThrow(/cannot parse/);
    });

    it.each(["production", "staging"])("%s (Launchpad's EKS, AMP with its cAdvisor job, a database)", (stack) => {
        const ctx = contextOf(stack);
        expect({ data: ctx.data !== undefined, containerMetrics: ctx.containerMetrics }).toEqual({ data: true, containerMetrics: true });
        expect(problems(ctx)).toEqual([]);
    });

    it("production as PostgreSQL: the wraparound rule and panel read the used transaction IDs dr-metrics.sh pushes", () => {
        const ctx = contextOf("production", REPO_ROOT, ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"']);
        expect(problems(ctx)).toEqual([]);
        expect(promqlOf(ctx).filter(({ expr }) => expr.includes(DR_METRICS.maximumUsedTransactionIds)).map(({ where }) => where)).toEqual([
            "rule LaunchpadTransactionIdWraparound",
            // Its absence beside the allocated storage is the CloudWatch silence.
            "rule LaunchpadDatabaseCloudWatchSilent",
            "production-database panel 5",
        ]);
    });

    /** An existing cluster with the team's Prometheus, as its stack file would say. */
    function existingContext(cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): AlertContext {
        const project = tempProject("shared", stagingConfig({
            "launchpad:cluster": { kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" }, namespace: "shop-api", ...cluster },
            "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" },
            ...extra,
        }));
        try {
            return contextOf("shared", project.root);
        } finally {
            project.dispose();
        }
    }
    const metricsOf = (ctx: AlertContext) => new Set(promqlOf(ctx).flatMap(({ expr }) => selectors(expr).map((s) => s.metric)));

    it("an existing cluster, its own Prometheus, no database, no cAdvisor declared: no data rules or panels, no CPU or memory panels", () => {
        const ctx = existingContext({});
        expect({ data: ctx.data, containerMetrics: ctx.containerMetrics }).toEqual({ data: undefined, containerMetrics: false });
        expect(problems(ctx)).toEqual([]);
        expect([...metricsOf(ctx)].filter((m) => m.startsWith("container_") || m.startsWith("launchpad_rds_") || m.startsWith("launchpad_backup_"))).toEqual([]);
    });

    it("an existing cluster declaring cAdvisor (cluster.provides.containerMetrics) with network.existing: CPU, memory and the data layer's metrics", () => {
        const ctx = existingContext({ provides: { containerMetrics: true } }, {
            "launchpad:network": {
                existing: EXISTING_NETWORK,
            },
        });
        expect({ data: ctx.data !== undefined, containerMetrics: ctx.containerMetrics }).toEqual({ data: true, containerMetrics: true });
        expect(problems(ctx)).toEqual([]);
        expect([...metricsOf(ctx)].filter((m) => m.startsWith("container_")).sort()).toEqual(["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"]);
    });

    it("the check fails for a producer the path does not deploy, and for a label the producer lacks", () => {
        const deployed = (p: Producer, ctx: { data: boolean; containerMetrics: boolean }) => deployedProducers(ctx).has(p);
        expect([deployed("cadvisor", { data: true, containerMetrics: false }), deployed("dr-metrics", { data: false, containerMetrics: true })]).toEqual([false, false]);
        // The old CPU panel's mistake: cAdvisor has no color label.
        const catalogue = metricCatalogue(production.observability.metrics);
        expect(catalogue.container_cpu_usage_seconds_total.labels).not.toContain(production.observability.metrics.colorLabel);
        // The old storage rule's YACE metric: nobody deploys it.
        expect(catalogue.aws_rds_free_storage_space_minimum).toBeUndefined();
    });
});

describe("the pushers push exactly the catalogue's names", () => {
    const names = (file: string): string[] =>
        [...new Set(readFileSync(join(REPO_ROOT, "scripts", "db", file), "utf8").match(/\blaunchpad_[a-z0-9_]*[a-z0-9]\b/g) ?? [])].sort();

    it.each([
        { file: "dump.sh", metrics: BACKUP_METRICS },
        { file: "verify.sh", metrics: VERIFY_METRICS },
        { file: "dr-metrics.sh", metrics: DR_METRICS },
    ])("scripts/db/$file", ({ file, metrics }) => {
        expect(names(file)).toEqual(Object.values(metrics).sort());
    });

    // The CronJobs set no PUSHGATEWAY_JOB (components/logical-backup.ts): the scripts' defaults are the
    // job labels every data alert and panel selects on.
    it.each([
        { file: "dump.sh", job: PUSH_JOBS.backup },
        { file: "verify.sh", job: PUSH_JOBS.verify },
        { file: "dr-metrics.sh", job: PUSH_JOBS.dr },
    ])("scripts/db/$file pushes under the catalogue's job, $job", ({ file, job }) => {
        const text = readFileSync(join(REPO_ROOT, "scripts", "db", file), "utf8");
        const pushes = [...text.matchAll(/push_(?:failure_)?metrics "job\/\$\{PUSHGATEWAY_JOB:-([^}]*)\}\//g)].map((m) => m[1]);
        expect(pushes.length).toBeGreaterThan(0);
        expect(new Set(pushes)).toEqual(new Set([job]));
        expect(text).not.toMatch(/push_(?:failure_)?metrics "job\/(?!\$\{PUSHGATEWAY_JOB:-)/);
    });

    it("loadtest/push.ts renders the catalogue's performance runner names", () => {
        const run = { overall: { latencyMs: { p50: 1, p95: 2, p99: 3 }, errorRate: 0, requests: 10 }, breakingPoint: undefined, recovery: undefined };
        const body = renderLoadtestMetrics(run as unknown as Parameters<typeof renderLoadtestMetrics>[0], { verdict: "pass" } as Parameters<typeof renderLoadtestMetrics>[1], 1_800_000_000);
        const rendered = [...new Set(body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]))].sort();
        expect(rendered).toEqual(Object.values(LOADTEST_METRICS).sort());
        expect(loadtestPushUrl("http://gw", "api", "blue", "load")).toBe(`http://gw/metrics/job/${LOADTEST_PUSH_JOB}/service/api/color/blue/scenario/load`);
    });

    it("smoke/push.ts renders the catalogue's smoke gate names", () => {
        const body = renderMetrics({ verdict: "pass", requests: 10, errorRate: 0, latencyMs: { p50: 1, p95: 2, p99: 3 } } as Parameters<typeof renderMetrics>[0], 1_800_000_000);
        const rendered = [...new Set(body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]))].sort();
        expect(rendered).toEqual(Object.values(SMOKE_METRICS).sort());
    });
});
