/**
 * Observability: exact config errors for bad thresholds, the Grafana rule groups' structure, the
 * dashboards' ids, uids, refIds and data sources, every PromQL string parsed by lezer-promql, the
 * runbook links, and the component's resources under the plan engine per stack.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../config";
import { OFFLINE_REQUIRED } from "../config/placeholders";
import { maintenanceFromRdsWindow } from "../config/observability";
import { DEFAULT_RUNBOOK_BASE_URL } from "../config/observability";
import { alertPanel, AMP_DATASOURCE_TYPE, grafanaUids, stackDashboards, type DashboardContext } from "../dashboards";
import { GRAFANA_MAX_UID_LENGTH } from "../dashboards/common";
import { contactPointName, contactPoints, dataSources, grafanaAwsAuth, KUBE_STATE_METRICS_COLLECTORS, kubeStateMetricsValues, notificationPolicyArgs, pushgatewayValues } from "../components/observability";
import { CHART_VALUE_KEYS, HELM_CHARTS } from "../lib/versions";
import { REPO_ROOT, runPlan } from "../plan/engine";
import { SECRET_PLACEHOLDER, loadStackConfig } from "../plan/stack-config";
import { alertContext, alertGroups } from "../observability/alerts";
import { KSM_METRICS } from "../observability/catalogue";
import { durationSeconds } from "../observability/duration";
import { grafanaRuleGroups, ruleUid } from "../observability/grafana-rules";
import { rulesCli } from "../scripts/rules";
import { MAX_STACK_IDENTIFIER_LENGTH, stackIdentifier } from "../lib/stack-name";
import { input, named, ofType, planStack } from "./support/plan";
import { REQUIRED_CONFIG, stagingConfig, tempProject } from "./support/project";
import { renderConfigBlock, replaceConfigBlock } from "../scripts/config-reference";

/** The dashboards' view of a stack, as components/observability.ts builds it. */
function dashboardContext(config: ReturnType<typeof configOf>, stack: string): DashboardContext {
    const ctx = alertContext(config);
    return {
        stack,
        identifier: stackIdentifier(config.project, stack),
        namespace: config.cluster.namespace,
        sharedPrometheus: alertContext(config).namespace !== undefined,
        region: config.region,
        metrics: config.observability.metrics,
        thresholds: config.observability.thresholds,
        dbInstanceIdentifier: ctx.data?.dbInstanceIdentifier,
        backupVaultName: ctx.data?.backupVaultName,
        containerMetrics: ctx.containerMetrics,
        drReplication: ctx.data?.drReplication ?? false,
        dbEngine: ctx.data?.engine,
    };
}

/** A committed stack run as PostgreSQL (the committed stacks are MySQL). */
const POSTGRES = ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'];

function configOf(stack: string, sets: string[] = []) {
    const sc = loadStackConfig({ root: REPO_ROOT, stack, sets });
    return parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
}

/** Error nodes lezer-promql finds in an expression (Grafana's `$__rate_interval` stands for a duration). */
function promqlErrors(expr: string): string[] {
    const text = expr.replaceAll("$__rate_interval", "5m").replaceAll("$service", "api").replaceAll("$namespace", "shop").replaceAll("$color", "blue");
    const errors: string[] = [];
    parser.parse(text).iterate({ enter: (n) => { if (n.type.isError) errors.push(`${expr} @${n.from}`); } });
    return errors;
}

/** Production's alerts: service, delivery, data (with its DR replication, the DR drill's two and the undeleted drill instance, the CloudWatch silence) and the meta group. */
const RULE_COUNT_PRODUCTION = 28;

/** A runbook URL of the team's own (the default is the example organization's: a placeholder once grafana:url is set). */
const OWN_RUNBOOKS = "https://git.shop.internal/platform/launchpad/-/blob/main/docs/runbooks";

describe("threshold config", () => {
    it.each([
        { set: "launchpad:observability.thresholds.errorRatio=1.5", problem: "launchpad:observability.thresholds.errorRatio: received 1.5; expected a number <= 1" },
        { set: "launchpad:observability.thresholds.errorRatio=-0.1", problem: "launchpad:observability.thresholds.errorRatio: received -0.1; expected a number > 0" },
        { set: "launchpad:observability.thresholds.latencyP95Seconds=-1", problem: "launchpad:observability.thresholds.latencyP95Seconds: received -1; expected a number > 0" },
        { set: "launchpad:observability.thresholds.freeStoragePercent=100", problem: "launchpad:observability.thresholds.freeStoragePercent: received 100; expected a number < 100" },
        { set: "launchpad:observability.thresholds.backupMaxAge=26 hours", problem: 'launchpad:observability.thresholds.backupMaxAge: received "26 hours"; expected a Prometheus duration such as "26h"' },
        { set: "launchpad:observability.thresholds.sloWindow=0d", problem: 'launchpad:observability.thresholds.sloWindow: received "0d"; expected a duration longer than zero, such as "30d"' },
        { set: "launchpad:observability.thresholds.sloObjective=1", problem: "launchpad:observability.thresholds.sloObjective: received 1; expected a number < 1" },
        { set: "launchpad:observability.metrics.statusLabel=status-code", problem: "launchpad:observability.metrics.statusLabel: received \"status-code\"; expected a Prometheus label name (letters, digits and '_', not starting with a digit)" },
    ])("$set is refused with exit 2 and an exact message", ({ set, problem }) => {
        expect(rulesCli(["--stack", "staging", "--set", set])).toEqual({ code: 2, stdout: "", stderr: `Invalid configuration for stack "staging" (1 problem):\n  - ${problem}\n` });
    });

    it("refuses a plain-text PagerDuty key and Grafana token, and Grafana with nobody to notify", () => {
        // The team's own runbooks: with grafana:url the acme default is a placeholder (config/placeholders.ts).
        const base = { ...REQUIRED_CONFIG, "grafana:url": "https://grafana.shop.internal", "launchpad:observability": { runbookBaseUrl: OWN_RUNBOOKS } };
        const problems = (values: Record<string, unknown>): readonly string[] => {
            try {
                parseConfig({ project: "launchpad", stack: "s", values: { ...base, ...values }, secretKeys: new Set() });
                return [];
            } catch (e) {
                return (e as { problems: readonly string[] }).problems;
            }
        };
        expect(problems({ "grafana:auth": "token", "launchpad:alerting": { pagerDutyIntegrationKey: "k" } })).toEqual([
            "launchpad:alerting.pagerDutyIntegrationKey: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:alerting.pagerDutyIntegrationKey <key>`",
            "grafana:auth: received a plain-text value; expected a secret: set it with `pulumi config set --secret grafana:auth <token>`",
        ]);
        expect(problems({})).toEqual([
            "launchpad:alerting: received no contact point; expected at least one of emailAddresses, slackWebhookUrl, pagerDutyIntegrationKey, since grafana:url is set (alerts would reach nobody)",
            // A real run (parseConfig outside the offline plan) also needs the token Grafana's provider uses.
            "grafana:auth: received nothing (the key is not set); expected a secret (required since grafana:url is set): set it with `pulumi config set --secret grafana:auth <service-account token> --stack s`",
        ]);
    });

    it("takes the heartbeat URL in plain text, refuses it as a secret (Grafana keeps webhook URLs in clear), and in production with Grafana a real run requires one", () => {
        const problems = (values: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set(), secretPaths?: ReadonlySet<string>): readonly string[] => {
            try {
                parseConfig({ project: "launchpad", stack: "s", values: { ...REQUIRED_CONFIG, "grafana:url": "https://grafana.shop.internal", "launchpad:observability": { runbookBaseUrl: OWN_RUNBOOKS }, ...values }, secretKeys, ...(secretPaths !== undefined ? { secretPaths } : {}) });
                return [];
            } catch (e) {
                return (e as { problems: readonly string[] }).problems;
            }
        };
        const alerting = { emailAddresses: ["oncall@shop.internal"], heartbeatUrl: "https://hc-ping.com/0b1c" };
        expect(problems({ "grafana:auth": "t", "launchpad:alerting": alerting }, new Set(["grafana:auth"]))).toEqual([]);
        expect(problems({ "grafana:auth": "t", "launchpad:alerting": alerting }, new Set(["grafana:auth", "launchpad:alerting"]), new Set(["grafana:auth", "launchpad:alerting.heartbeatUrl"]))).toEqual([
            "launchpad:alerting.heartbeatUrl: received [secret]; expected plain text, since Grafana keeps a webhook URL as a plain setting and a secret must stay secret: set it with `pulumi config set --path launchpad:alerting.heartbeatUrl <url>`",
        ]);
        const production = { "launchpad:tier": "production", "grafana:auth": "t", "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"], pagerDuty: false } };
        expect(problems(production, new Set(["grafana:auth"])).filter((p) => p.includes("heartbeatUrl"))).toEqual([
            "launchpad:alerting.heartbeatUrl: received nothing (the key is not set); expected a value (required since the production tier watches its alerting pipeline (LaunchpadWatchdog) when grafana:url is set): set it with `pulumi config set --path launchpad:alerting.heartbeatUrl <heartbeat ping URL> --stack s`",
        ]);
        // Its host is checked: an example host would leave the pipeline unwatched.
        const example = { "grafana:auth": "t", "launchpad:alerting": { emailAddresses: ["oncall@shop.internal"], heartbeatUrl: "https://hc-ping.example.com/0b1c" } };
        expect(problems(example, new Set(["grafana:auth"]))).toEqual([
            "launchpad:alerting.heartbeatUrl: received \"https://hc-ping.example.com/0b1c\"; expected a value of your own, not a reserved example domain (RFC 2606): set it with `pulumi config set --path launchpad:alerting.heartbeatUrl <heartbeat ping URL> --stack s`",
        ]);
    });

    it("uses the defaults and the stack's overrides", () => {
        expect(configOf("production").observability.thresholds).toEqual({ errorRatio: 0.01, latencyP95Seconds: 0.5, freeStoragePercent: 10, backupMaxAge: "26h", restoreMaxDuration: "1h", rpoTarget: "15m", sloObjective: 0.999, sloWindow: "30d", minRequestRate: 1, gateVerdictMaxAge: "24h" });
        expect(configOf("staging").observability.thresholds.errorRatio).toBe(0.05);
    });

    it("mutes notifications in the database's maintenance window by default", () => {
        expect(configOf("production").observability.maintenance).toEqual([{ weekdays: ["sunday"], start: "04:00", end: "05:00" }]);
        expect(maintenanceFromRdsWindow("sat:23:30-mon:00:30")).toEqual([
            { weekdays: ["saturday"], start: "23:30", end: "24:00" },
            { weekdays: ["sunday"], start: "00:00", end: "24:00" },
            { weekdays: ["monday"], start: "00:00", end: "00:30" },
        ]);
    });
});

describe("npm run rules", () => {
    it("prints the stack's rule file, the data alerts only where the stack has a database", () => {
        const prod = rulesCli(["--stack", "production"]);
        expect(prod.code).toBe(0);
        expect(prod.stdout.split("\n")[0]).toBe('# Launchpad alert rules for stack "production", generated by `npm run rules -- --stack production` from observability/alerts.ts.');
        expect([...prod.stdout.matchAll(/- alert: (\w+)/g)].map((m) => m[1])).toHaveLength(RULE_COUNT_PRODUCTION);
        const existing = rulesCli(["--stack", "staging", "--set", "launchpad:cluster.kubeconfig=x", "--set", "launchpad:observability.prometheusUrl=https://prom.example.com"]);
        // A plain-text kubeconfig is refused like in the plan; the rule file is never printed then.
        expect(existing.code).toBe(2);
    });
});

/** The uids of the dashboards a stack creates, as components/observability.ts hands them to alertPanel. */
function dashboardUids(config: ReturnType<typeof configOf>, stack: string): Set<string> {
    return new Set(Object.values(stackDashboards(dashboardContext(config, stack))).map((d) => d.uid ?? ""));
}

describe("Grafana rule groups", () => {
    const config = configOf("production");
    const id = stackIdentifier(config.project, "production");
    const uids = grafanaUids(id);
    const present = dashboardUids(config, "production");
    const groups = grafanaRuleGroups(alertGroups(alertContext(config)), { stack: "production", folderUid: uids.folder, prometheusUid: uids.prometheus, panelOf: (n) => alertPanel(id, n, present) });

    it("have a query node A, then reduce B and threshold C on __expr__, C the condition", () => {
        expect(groups.map((g) => g.name)).toEqual(["launchpad-service", "launchpad-delivery", "launchpad-data", "launchpad-meta"]);
        const rules = groups.flatMap((g) => g.rules as { name: string; condition: string; datas: { refId: string; datasourceUid: string; model: string; relativeTimeRange: { from: number; to: number } }[] }[]);
        // Every alert but the Watchdog, which needs a heartbeat contact point.
        expect(rules).toHaveLength(RULE_COUNT_PRODUCTION - 1);
        expect(rules.map((r) => r.name)).not.toContain("LaunchpadWatchdog");
        const withHeartbeat = grafanaRuleGroups(alertGroups(alertContext(config)), { stack: "production", folderUid: uids.folder, prometheusUid: uids.prometheus, panelOf: (n) => alertPanel(id, n, present), heartbeat: true });
        expect(withHeartbeat.flatMap((g) => (g.rules as { name: string }[]).map((r) => r.name))).toContain("LaunchpadWatchdog");
        for (const r of rules) {
            expect(r.condition).toBe("C");
            expect(r.datas.map((d) => d.refId)).toEqual(["A", "B", "C"]);
            expect(r.datas.slice(1).map((d) => d.datasourceUid)).toEqual(["__expr__", "__expr__"]);
            const models = r.datas.map((d) => JSON.parse(d.model) as Record<string, unknown>);
            expect(models.map((m) => m.refId)).toEqual(["A", "B", "C"]);
            expect(models[1]).toMatchObject({ type: "reduce", expression: "A" });
            expect(models[2]).toMatchObject({ type: "threshold", expression: "B" });
        }
        const stale = rules.find((r) => r.name === "LaunchpadBackupStale") as unknown as Record<string, unknown>;
        expect(stale.noDataState).toBe("Alerting");
        expect((stale.annotations as Record<string, string>).summary).toContain("{{ $values.B.Value | humanizeDuration }}");
    });

    // Grafana turns a failed evaluation with execErrState Error into a DatasourceError alert that keeps
    // the rule's labels and renames only alertname (grafana/grafana pkg/services/ngalert/schedule/compat.go
    // errorAlert); OK makes the rule Normal (pkg/services/ngalert/state/state.go resultError, OkErrState).
    it("an evaluation error reaches the rule's own route (compat.go errorAlert), but stops the Watchdog and never pings the heartbeat (state.go OkErrState)", () => {
        type Rule = { name: string; execErrState: string; noDataState: string; labels: Record<string, string> };
        const rules = grafanaRuleGroups(alertGroups(alertContext(config)), { stack: "production", folderUid: uids.folder, prometheusUid: uids.prometheus, panelOf: (n) => alertPanel(id, n, present), heartbeat: true })
            .flatMap((g) => g.rules as Rule[]);
        const watchdog = rules.find((r) => r.name === "LaunchpadWatchdog");
        expect([watchdog?.execErrState, watchdog?.noDataState, watchdog?.labels.severity]).toEqual(["OK", "OK", "none"]);
        const others = rules.filter((r) => r.name !== "LaunchpadWatchdog");
        expect(others.filter((r) => r.execErrState !== "Error").map((r) => r.name)).toEqual([]);
        // Their DatasourceError alerts: the rule's labels, alertname renamed. None is severity none, so
        // none reaches the heartbeat route; each matches its own severity's route.
        const errorAlerts: Record<string, string>[] = others.map((r) => ({ ...r.labels, alertname: "DatasourceError", rulename: r.name }));
        expect(errorAlerts.filter((l) => l.severity === "none")).toEqual([]);
        expect(new Set(errorAlerts.map((l) => `${l.severity}/${l.environment}`))).toEqual(new Set(["page/production", "ticket/production"]));
        const policy = notificationPolicyArgs("production", { page: "p", ticket: "t", heartbeat: "hb" }, "m", "service");
        const heartbeatRoutes = (policy.policies as { contactPoint: string; matchers: { label: string; value: string }[] }[])
            .filter((p) => p.matchers.some((m) => m.label === "severity" && m.value === "none"));
        expect(heartbeatRoutes.map((p) => p.contactPoint)).toEqual(["hb"]);
        // And the Watchdog's resolution (Grafana could not evaluate it) sends the heartbeat nothing.
        const heartbeat = contactPoints({ stack: "production", identifier: id }, { emailAddresses: [], slackWebhookUrl: undefined, pagerDutyIntegrationKey: undefined, heartbeatUrl: pulumi.output("https://hc-ping.com/x") });
        expect(heartbeat.map((c) => c.args.webhooks)).toEqual([[{ url: expect.anything() as unknown, httpMethod: "POST", disableResolveMessage: true }]]);
    });

    // Alertmanager repeats at the first group flush at which the last notification is older than the
    // repeat interval (prometheus/alertmanager notify/notify.go DedupStage.needsUpdate).
    it("the heartbeat is pinged every repeat to repeat + group interval (notify.go needsUpdate), the period the docs ask the check for", () => {
        const hb = (notificationPolicyArgs("production", { page: "p", ticket: "t", heartbeat: "hb" }, "m", "service").policies as { contactPoint: string; groupWait: string; groupInterval: string; repeatInterval: string; muteTimings?: string[] }[])[0];
        expect(hb.contactPoint).toBe("hb");
        expect(hb.muteTimings).toBeUndefined();
        // The first ping leaves as soon as the Watchdog fires (no group wait), so a check armed at deploy sees it at once.
        expect(hb.groupWait).toBe("0s");
        const longest = durationSeconds(hb.repeatInterval) + durationSeconds(hb.groupInterval);
        expect([durationSeconds(hb.repeatInterval), longest]).toEqual([300, 360]);
        for (const doc of ["docs/runbooks/alerts.md", "docs/observability.md"]) {
            expect(readFileSync(join(REPO_ROOT, doc), "utf8").replace(/\s+/g, " ")).toContain(`period of ${longest / 60} minutes or more`);
        }
    });

    it("read every alert from Prometheus, and link each to the panel of its dashboard that shows it", () => {
        type Rule = { name: string; annotations: Record<string, string>; datas: { datasourceUid: string }[] };
        const rules = groups.flatMap((g) => g.rules as Rule[]);
        expect(rules.filter((r) => r.datas[0].datasourceUid !== uids.prometheus).map((r) => r.name)).toEqual([]);
        const byName = Object.fromEntries(rules.map((r) => [r.name, r.annotations]));
        expect(byName.LaunchpadDatabaseStorageLow).toMatchObject({ __dashboardUid__: "launchpad-production-database", __panelId__: "3" });
        expect(byName.LaunchpadPitrLagAboveRpo).toMatchObject({ __dashboardUid__: "launchpad-production-backups", __panelId__: "8" });
        const dashboards = stackDashboards(dashboardContext(config, "production"));
        const panels = new Map<string, unknown>(Object.values(dashboards).flatMap((d) => ((d.panels ?? []) as { id: number }[]).map((p) => [`${d.uid}/${p.id}`, p] as const)));
        // Every rule has both annotations (Grafana wants them together), pointing at a panel that exists.
        expect(rules.filter((r) => !panels.has(`${r.annotations.__dashboardUid__}/${r.annotations.__panelId__}`)).map((r) => r.name)).toEqual([]);
    });

    it("template annotations with Grafana's variables and functions only (grafana docs/sources/alerting/alerting-rules/templates/reference.md)", () => {
        type Rule = { name: string; annotations: Record<string, string> };
        const rules = grafanaRuleGroups(alertGroups(alertContext(config)), { stack: "production", folderUid: uids.folder, prometheusUid: uids.prometheus, panelOf: () => undefined, heartbeat: true })
            .flatMap((g) => g.rules as Rule[]);
        const actions = rules.flatMap((r) => Object.values(r.annotations).flatMap((t) => [...t.matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1].trim())));
        expect(actions.length).toBeGreaterThan(40);
        // $labels.<name>, $values.B.Value (never the bare $value), Go's with/else/end and ".", the reference's humanize* functions.
        const word = /^(\$labels\.\w+|\$values\.B\.Value|with|else|end|\.|\||humanize|humanizeDuration|humanizePercentage)$/;
        expect([...new Set(actions.flatMap((a) => a.split(/\s+/)).filter((w) => !word.test(w)))]).toEqual([]);
    });

    // Grafana stores whatever uid it is given (no check: pkg/services/ngalert/provisioning/rule_validator.go
    // is a no-op in OSS), and a notification's dashboard and panel links are built from the pair.
    it.each([
        { path: "staging", stack: "staging", values: undefined },
        { path: "an existing cluster without a database", stack: "shared", values: { "launchpad:cluster": { kubeconfig: { secure: "v1:AAABAJ0kXnRf6zgIl0BXkIYuJv3ZRdvWvz8=" }, namespace: "shop-api" }, "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" } } },
    ])("$path: every rule links to a panel of a dashboard that stack creates (the push alerts to the gate's panel without a database)", ({ stack, values }) => {
        const project = values !== undefined ? tempProject(stack, stagingConfig(values)) : undefined;
        try {
            const sc = loadStackConfig({ root: project?.root ?? REPO_ROOT, stack, sets: [] });
            const c = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
            const made = stackDashboards(dashboardContext(c, stack));
            const panels = new Set(Object.values(made).flatMap((d) => ((d.panels ?? []) as { id: number }[]).map((p) => `${d.uid}/${p.id}`)));
            const rules = grafanaRuleGroups(alertGroups(alertContext(c)), { stack, folderUid: "f", prometheusUid: "p", panelOf: (n) => alertPanel(stackIdentifier(c.project, stack), n, dashboardUids(c, stack)), heartbeat: true })
                .flatMap((g) => g.rules as { name: string; annotations: Record<string, string> }[]);
            const unlinked = rules.filter((r) => !panels.has(`${r.annotations.__dashboardUid__}/${r.annotations.__panelId__}`)).map((r) => r.name);
            expect(unlinked).toEqual([]);
            const push = rules.find((r) => r.name === "LaunchpadPushJobAbsent")?.annotations;
            const made2 = grafanaUids(stackIdentifier(c.project, stack)).dashboards;
            expect(push?.__dashboardUid__).toBe(values === undefined ? made2.backups : made2.blueGreen);
        } finally {
            project?.dispose();
        }
    });
});

describe("dashboards", () => {
    const config = configOf("production");
    const dashboards = stackDashboards(dashboardContext(config, "production"));
    const uids = grafanaUids(stackIdentifier(config.project, "production"));
    // Prometheus targets query the $datasource variable (default: the stack's Prometheus).
    const known = new Set<string>(["${datasource}", uids.cloudwatch]);
    type Panel = { id: number; targets?: { refId?: string; datasource?: { uid?: string }; expr?: string }[] };

    it("have fixed unique uids, unique panel ids, and every target a refId and a data source of the stack", () => {
        expect(Object.values(dashboards).map((d) => d.uid)).toEqual([uids.dashboards.service, uids.dashboards.blueGreen, uids.dashboards.database, uids.dashboards.backups]);
        for (const d of Object.values(dashboards)) {
            const panels = (d.panels ?? []) as Panel[];
            expect({ uid: d.uid, ids: new Set(panels.map((p) => p.id)).size }).toEqual({ uid: d.uid, ids: panels.length });
            for (const p of panels) {
                const targets = p.targets ?? [];
                expect(targets.length).toBeGreaterThan(0);
                expect(new Set(targets.map((t) => t.refId)).size).toBe(targets.length);
                expect(targets.every((t) => typeof t.refId === "string" && known.has(t.datasource?.uid ?? ""))).toBe(true);
            }
        }
    });

    it("and the rules hold only PromQL lezer-promql parses without an error node", () => {
        const exprs = Object.values(dashboards).flatMap((d) => ((d.panels ?? []) as Panel[]).flatMap((p) => (p.targets ?? []).map((t) => t.expr)).filter((e): e is string => e !== undefined));
        const rules = alertGroups(alertContext(config)).flatMap((g) => g.alerts.map((a) => a.query));
        expect(exprs.length).toBe(43);
        expect([...exprs, ...rules].flatMap(promqlErrors)).toEqual([]);
        expect(promqlErrors("sum(rate(x[5m])")).not.toEqual([]);
    });

    it("offer $datasource (the stack's Prometheus by default), $namespace, $service and $color, and mark gate verdicts and color switches", () => {
        type Json = { templating: { list: { name: string; type: string; current?: { value: string } }[] }; annotations: { list: { name: string; expr: string }[] } };
        for (const d of Object.values(dashboards) as unknown as Json[]) {
            expect(d.templating.list.map((v) => [v.name, v.type])).toEqual([["datasource", "datasource"], ["namespace", "query"], ["service", "query"], ["color", "query"]]);
            expect(d.templating.list[0].current?.value).toBe(uids.prometheus);
            // The stack's own namespace by default, not whichever Grafana would list first.
            expect(d.templating.list[1].current?.value).toBe(config.cluster.namespace);
            expect(d.annotations.list.map((a) => a.name)).toEqual(["Gate passed", "Gate failed", "Color switch"]);
        }
        const annotations = (dashboards.service as unknown as Json).annotations.list;
        expect(annotations[1].expr).toBe('(launchpad_smoke_gate_passed{job="launchpad-smoke-gate"} == 0) and on (service, color) (time() - launchpad_smoke_gate_last_run_timestamp_seconds{job="launchpad-smoke-gate"} < 120)');
    });

    it("fix what the issue found: in-flight requests, CPU and memory joined to the color, 0 rather than No data, storage percent of the allocated size", () => {
        const exprs = (key: string, id: number): string[] =>
            (((dashboards[key].panels ?? []) as Panel[]).find((p) => p.id === id)?.targets ?? []).map((t) => t.expr ?? "");
        const sel = 'namespace="$namespace", service="$service", color=~"$color"';
        expect(exprs("service", 5)).toEqual([`sum by (color) (http_requests_in_flight{${sel}}) or on() vector(0)`]);
        const join = 'on (namespace, pod) group_left (label_color) max by (namespace, pod, label_color) (kube_pod_labels{namespace="$namespace", label_app="$service", label_color=~"$color", label_launchpad_dev_role="workload"})';
        expect(exprs("service", 4)).toEqual([`sum by (label_color) (rate(container_cpu_usage_seconds_total{namespace="$namespace", container!="", container!="POD"}[$__rate_interval]) * ${join})`]);
        expect(exprs("service", 6)).toEqual([`sum by (label_color) (container_memory_working_set_bytes{namespace="$namespace", container!="", container!="POD"} * ${join})`]);
        const all = `rate(http_requests_total{${sel}}[$__rate_interval])`;
        expect(exprs("service", 2)).toEqual([`(sum by (color) (rate(http_requests_total{${sel}, code=~"5.."}[$__rate_interval])) or sum by (color) (${all}) * 0) / sum by (color) (${all})`]);
        expect(exprs("database", 3)[0]).toBe('min by (db_instance) (launchpad_rds_free_storage_bytes{job="launchpad-dr-metrics", db_instance="launchpad-production-db"} / launchpad_rds_allocated_storage_bytes{job="launchpad-dr-metrics", db_instance="launchpad-production-db"}) * 100');
        // Without cAdvisor (an existing cluster that does not declare it) there is no CPU or memory panel.
        const bare = stackDashboards({ ...dashboardContext(config, "production"), containerMetrics: false });
        expect(((bare.service.panels ?? []) as Panel[]).map((p) => p.id).sort()).toEqual([1, 2, 3, 5, 7, 8]);
    });

    it("point every runbook link at a section of docs/runbooks/alerts.md (production as PostgreSQL: every alert)", () => {
        const doc = readFileSync(join(REPO_ROOT, "docs", "runbooks", "alerts.md"), "utf8");
        const anchors = [...doc.matchAll(/^## (\w+)$/gm)].map((m) => `${DEFAULT_RUNBOOK_BASE_URL}/alerts.md#${m[1].toLowerCase()}`);
        expect(alertGroups(alertContext(configOf("production", POSTGRES))).flatMap((g) => g.alerts.map((a) => a.runbookUrl))).toEqual(anchors);
    });

    it("on PostgreSQL only: the database dashboard's used transaction IDs panel, which LaunchpadTransactionIdWraparound links to", () => {
        const pg = configOf("production", POSTGRES);
        const id = stackIdentifier(pg.project, "production");
        const database = (c: typeof pg) => (stackDashboards(dashboardContext(c, "production")).database.panels ?? []) as Panel[];
        expect(database(config).map((p) => p.id)).toEqual([1, 2, 3, 4]);
        expect(database(pg).find((p) => p.id === 5)?.targets?.map((t) => t.expr)).toEqual([
            'max by (db_instance) (launchpad_rds_maximum_used_transaction_ids{job="launchpad-dr-metrics", db_instance="launchpad-production-db"})',
        ]);
        expect(alertPanel(id, "LaunchpadTransactionIdWraparound", dashboardUids(pg, "production"))).toEqual({ dashboardUid: "launchpad-production-database", panelId: 5 });
        const rule = alertGroups(alertContext(pg)).flatMap((g) => g.alerts).find((a) => a.name === "LaunchpadTransactionIdWraparound");
        expect(rule && { query: rule.query, op: rule.op, threshold: rule.threshold, for: rule.for, severity: rule.severity }).toEqual({
            query: 'max by (db_instance) (launchpad_rds_maximum_used_transaction_ids{job="launchpad-dr-metrics", db_instance="launchpad-production-db"})',
            op: ">",
            threshold: 1e9,
            for: "15m",
            severity: "page",
        });
    });
});

describe("the Observability component under the plan engine", () => {
    // lib/stack-name.ts owns `<project>-<stack>`; Grafana's names used to spell `launchpad-<stack>`
    // themselves, right only while Pulumi.yaml says `name: launchpad`.
    it("a project of another name: every Grafana uid and name under <project>-<stack>, like the stack's other resources", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-grafana-names-"));
        try {
            // Renamed as docs/operations.md says: the name, then the config block npm run docs:config writes for it.
            const renamed = readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8").replace(/^name: launchpad$/m, "name: shop");
            writeFileSync(join(root, "Pulumi.yaml"), replaceConfigBlock(renamed, renderConfigBlock(undefined, "shop")));
            for (const f of ["Pulumi.production.yaml", "Pulumi.staging.yaml"]) copyFileSync(join(REPO_ROOT, f), join(root, f));
            const plan = await runPlan({ stack: "production", root });
            expect(input(named(plan, "shop-production-observability-amp"), "alias")).toBe("shop-production");
            const g = plan.resources.filter((r) => r.type.startsWith("grafana:"));
            const uids = grafanaUids("shop-production");
            expect(input(named(plan, "shop-production-observability-folder"), "uid")).toBe(uids.folder);
            expect(ofType(plan, "grafana:oss/dataSource:DataSource").map((d) => input(d, "uid")).sort()).toEqual([uids.cloudwatch, uids.prometheus]);
            expect(ofType(plan, "grafana:oss/dashboard:Dashboard").map((d) => (JSON.parse(String(input(d, "configJson"))) as { uid: string }).uid).sort())
                .toEqual(Object.values(uids.dashboards).sort());
            expect(ofType(plan, "grafana:alerting/contactPoint:ContactPoint").map((c) => input(c, "name")).sort())
                .toEqual(["email", "heartbeat", "pagerduty", "slack"].map((r) => `shop-production-${r}`));
            expect(input(named(plan, "shop-production-observability-maintenance"), "name")).toBe("shop-production-maintenance");
            // Nothing Grafana holds (uids, names, the rules' data source and panel links, the dashboards' JSON) says launchpad-production.
            expect(JSON.stringify(g.map((r) => r.inputs)).match(/launchpad-production[\w-]*/g)).toBeNull();
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("every Grafana uid fits Grafana's 40 characters at the longest stack identifier", () => {
        const longest = "a".repeat(MAX_STACK_IDENTIFIER_LENGTH);
        const u = grafanaUids(longest);
        const all = [u.folder, u.prometheus, u.cloudwatch, ...Object.values(u.dashboards), ruleUid(longest, "LaunchpadStateMetricsLabelsRenamed")];
        expect(all.filter((x) => x.length > GRAFANA_MAX_UID_LENGTH)).toEqual([]);
        expect(Math.max(...all.map((x) => x.length))).toBe(MAX_STACK_IDENTIFIER_LENGTH + "-blue-green".length);
    });

    // AMP gives a scraper of a cluster in `API` or `API_AND_CONFIG_MAP` authentication mode its access
    // entry itself ("any scrapers you create through the Amazon Managed Service for Prometheus API or CLI
    // ... will automatically have the correct access entry policy created for you": AMP user guide
    // AMP-collector-how-to.md, "Configure Amazon EKS for scraper access with access entries"), and deletes
    // it with the scraper (its service-linked role's policy, AmazonPrometheusScraperServiceRolePolicy v2,
    // statement DeleteEKSAccessEntry). EKS takes one access entry per principal ("You can't specify the
    // same ARN in more than one access entry": botocore eks 2017-11-01 service-2.json at 0e6e2404b,
    // CreateAccessEntryRequest.principalArn; ResourceInUseException): one of the stack's own would fail the first up.
    it.each(["staging", "production"] as const)("%s: the managed scraper's access entry is AMP's own, never the stack's (an API-mode cluster)", async (stack) => {
        const plan = await planStack(stack);
        expect(input(named(plan, `launchpad-${stack}-cluster-eks`), "accessConfig.authenticationMode")).toBe("API");
        const scraperRole = named(plan, `launchpad-${stack}-observability-scraper`).state.roleArn as string;
        const roleName = scraperRole.slice(scraperRole.lastIndexOf("/") + 1);
        expect(roleName).toMatch(/^AWSServiceRoleForAmazonPrometheusScraper_/);
        expect(ofType(plan, "aws:eks/accessEntry:AccessEntry").filter((e) => String(input(e, "principalArn")).endsWith(`/${roleName}`)).map((e) => e.name)).toEqual([]);
    });

    it("production: AMP scraping the EKS cluster, pinned charts, Grafana wired to fixed uids, secrets never shown", async () => {
        const plan = await planStack("production");
        const ws = named(plan, "launchpad-production-observability-amp");
        expect(input(ws, "alias")).toBe("launchpad-production");
        const scraper = named(plan, "launchpad-production-observability-scraper");
        expect(input(scraper, "source.eks.clusterArn")).toBe("arn:aws:eks:us-east-1:123456789012:cluster/launchpad-production");
        expect(input(scraper, "destination.amp.workspaceArn")).toBe(ws.state.arn);
        expect(ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => r.name.includes("-observability-")).map((r) => [input(r, "chart"), input(r, "version"), input(r, "repositoryOpts.repo")]).sort()).toEqual([
            [HELM_CHARTS.kubeStateMetrics.chart, HELM_CHARTS.kubeStateMetrics.version, HELM_CHARTS.kubeStateMetrics.repo],
            [HELM_CHARTS.pushgateway.chart, HELM_CHARTS.pushgateway.version, HELM_CHARTS.pushgateway.repo],
        ]);
        const ds = ofType(plan, "grafana:oss/dataSource:DataSource").sort((a, b) => String(input(b, "type")).localeCompare(String(input(a, "type"))));
        // AMP through its own plugin (SigV4 on the core Prometheus type is deprecated and migrated away),
        // and the dashboards' $datasource variable and the rules' query nodes of the same type.
        expect(ds.map((d) => [input(d, "uid"), input(d, "type")])).toEqual([["launchpad-production-prometheus", AMP_DATASOURCE_TYPE], ["launchpad-production-cloudwatch", "cloudwatch"]]);
        const variableTypes = ofType(plan, "grafana:oss/dashboard:Dashboard").map((d) => (JSON.parse(String(input(d, "configJson"))) as { templating: { list: { name: string; query?: unknown }[] } }).templating.list.find((v) => v.name === "datasource")?.query);
        expect(variableTypes).toEqual([AMP_DATASOURCE_TYPE, AMP_DATASOURCE_TYPE, AMP_DATASOURCE_TYPE, AMP_DATASOURCE_TYPE]);
        const queryTypes = ofType(plan, "grafana:alerting/ruleGroup:RuleGroup").flatMap((g) => (input(g, "rules") as { datas: { refId: string; model: string }[] }[]).map((r) => (JSON.parse(r.datas[0].model) as { datasource: { type: string } }).datasource.type));
        expect(new Set(queryTypes)).toEqual(new Set([AMP_DATASOURCE_TYPE]));
        expect(input(ds[0], "url")).toBe(ws.state.prometheusEndpoint);
        expect(JSON.parse(String(input(ds[0], "jsonDataEncoded")))).toEqual({ httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "us-east-1", timeInterval: "30s" });
        // Grafana's $__rate_interval is at least 4 data-source scrape intervals (grafana/grafana pkg/promlib/models/query.go
        // calculateRateInterval): the AMP data source says the managed scraper's own interval.
        const scrapeConfig = parse(String(input(named(plan, "launchpad-production-observability-scraper"), "scrapeConfiguration"))) as { global: { scrape_interval: string } };
        expect((JSON.parse(String(input(ds[0], "jsonDataEncoded"))) as { timeInterval: string }).timeInterval).toBe(scrapeConfig.global.scrape_interval);
        expect(input(named(plan, "launchpad-production-observability-grafana"), "auth")).toBe("[secret]");
        expect(input(named(plan, "launchpad-production-observability-contact-pagerduty"), "pagerduties")).toEqual([{ integrationKey: "[secret]", severity: "critical", summary: "{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ template \"default.title\" . }}{{ end }}" }]);
        const policy = named(plan, "launchpad-production-observability-policy");
        expect(input(policy, "contactPoint")).toBe("launchpad-production-slack");
        expect((input(policy, "policies") as { contactPoint: string; matchers: unknown[]; muteTimings: string[] }[]).map((p) => [p.contactPoint, p.matchers, p.muteTimings])).toEqual([
            // The Watchdog to the heartbeat alone, never muted: a muted heartbeat reads as a dead pipeline.
            ["launchpad-production-heartbeat", [{ label: "severity", match: "=", value: "none" }, { label: "environment", match: "=", value: "production" }], undefined],
            ["launchpad-production-pagerduty", [{ label: "severity", match: "=", value: "page" }, { label: "environment", match: "=", value: "production" }], ["launchpad-production-maintenance"]],
            ["launchpad-production-slack", [{ label: "severity", match: "=", value: "ticket" }, { label: "environment", match: "=", value: "production" }], ["launchpad-production-maintenance"]],
        ]);
        // Plain text (Grafana keeps webhook URLs in clear); offline, the stand-in of the unset required value.
        expect(input(named(plan, "launchpad-production-observability-contact-heartbeat"), "webhooks")).toEqual([{ url: OFFLINE_REQUIRED, httpMethod: "POST", disableResolveMessage: true }]);
        expect((input(policy, "policies") as { repeatInterval: string }[])[0].repeatInterval).toBe("5m");
        // Every rule group waits for the data sources it names by uid only (Grafana's OSS provisioning
        // API checks no data source: pkg/services/ngalert/provisioning/rule_validator.go, a no-op).
        const ruleGroups = ofType(plan, "grafana:alerting/ruleGroup:RuleGroup");
        expect(ruleGroups.filter((g) => !g.dependsOn.includes(ds[0].urn)).map((g) => g.name)).toEqual([]);
        const meta = ruleGroups.find((g) => input(g, "name") === "launchpad-meta");
        expect((input(meta as NonNullable<typeof meta>, "rules") as { name: string; labels: Record<string, string> }[]).map((r) => [r.name, r.labels.severity])).toEqual([
            ["LaunchpadWatchdog", "none"], ["LaunchpadTargetDown", "ticket"], ["LaunchpadScrapeJobAbsent", "ticket"], ["LaunchpadRequestMetricAbsent", "page"], ["LaunchpadPushJobAbsent", "ticket"], ["LaunchpadPushedJobRenamed", "ticket"], ["LaunchpadStateMetricsLabelsRenamed", "ticket"],
        ]);
        expect(input(named(plan, "launchpad-production-observability-maintenance"), "intervals")).toEqual([{ weekdays: ["sunday"], times: [{ start: "04:00", end: "05:00" }], location: "UTC" }]);
        expect(plan.outputs.pushgatewayUrl).toBe("http://pushgateway.launchpad-production.svc.cluster.local:9091");
        expect(JSON.stringify(plan)).not.toContain(SECRET_PLACEHOLDER);
    });

    it("kube-state-metrics exports the pods' app and color labels: the per-color CPU and memory panels join through kube_pod_labels", async () => {
        const plan = await planStack("production");
        const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "kube-state-metrics");
        expect(input(release as NonNullable<typeof release>, "values.metricLabelsAllowlist")).toEqual([
            "deployments=[app,color,launchpad.dev/role]",
            "pods=[app,color,launchpad.dev/role]",
            "services=[launchpad.dev/role]",
            "cronjobs=[*]",
            "jobs=[*]",
        ]);
    });

    it("kube-state-metrics watches the application namespace only, through a Role: no ClusterRole, no cluster-wide Secret access", async () => {
        const plan = await planStack("production");
        const release = named(plan, "launchpad-production-observability-kube-state-metrics");
        expect(input(release, "namespace")).toBe("launchpad-production");
        expect([input(release, "values.namespaces"), input(release, "values.rbac"), input(release, "values.collectors")]).toEqual([
            "launchpad-production",
            { useClusterRole: false },
            ["cronjobs", "deployments", "jobs", "pods", "services"],
        ]);
        // Every watched resource is one whose labels are allowed, and the catalogue's series come from watched ones.
        const allowlisted = (input(release, "values.metricLabelsAllowlist") as string[]).map((e) => e.split("=")[0]);
        expect(allowlisted.sort()).toEqual([...KUBE_STATE_METRICS_COLLECTORS]);
        expect(Object.values(KSM_METRICS).map((m) => `${m.split("_")[1]}s`).filter((r) => !allowlisted.includes(r))).toEqual([]);
    });

    it("the Pushgateway saves its metrics to a file on its volume: --persistence.file under the chart's persistentVolume.mountPath", async () => {
        const plan = await planStack("production");
        const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "prometheus-pushgateway");
        expect(input(release as NonNullable<typeof release>, "values.persistentVolume")).toEqual({ enabled: true, size: "1Gi", mountPath: "/data", storageClass: "gp3" });
        expect(input(release as NonNullable<typeof release>, "values.extraArgs")).toEqual(["--persistence.file=/data/pushgateway.data", "--persistence.interval=1m"]);
    });

    // The Pushgateway writes its file at most --persistence.interval after a push and when it stops
    // (prometheus/pushgateway storage/diskmetricstore.go at v1.10.0, `loop` and `Shutdown`): a crash
    // loses up to that interval of pushes, and the docs must say so with the chart's own value.
    it("the docs say what a crash of the Pushgateway loses: the chart's --persistence.interval of pushes", () => {
        const interval = (pushgatewayValues(false) as { extraArgs: string[] }).extraArgs.find((a) => a.startsWith("--persistence.interval="));
        const doc = readFileSync(join(REPO_ROOT, "docs", "observability.md"), "utf8").replace(/\s+/g, " ");
        expect(doc).toContain(`most \`${interval ?? "?"}\` after a push`);
        expect(doc).toContain(`A crash loses the pushes of up to the last ${interval === "--persistence.interval=1m" ? "minute" : "?"}`);
    });

    // Helm waits (atomic) for the Pushgateway, whose claim binds only once a class and its CSI driver
    // exist: on Launchpad's EKS the Platform's gp3 StorageClass, created after the EBS CSI add-on.
    it("the Pushgateway's claim names the Platform's StorageClass, so its release waits for it and a destroy deletes the claim first", async () => {
        const plan = await planStack("production");
        const release = named(plan, "launchpad-production-observability-pushgateway");
        const storageClass = named(plan, "launchpad-production-platform-gp3");
        expect(release.dependencies).toContain(storageClass.urn);
        expect(input(release, "values.persistentVolume.storageClass")).toBe(input(storageClass, "metadata.name"));
    });

    // A URN resolves only once its step is done (pulumi/pulumi pkg/resource/deploy/source_eval.go RegisterResource),
    // and the release's install waits for the Pushgateway's pod (pulumi-kubernetes helm_release.go `client.Wait = !SkipAwait`).
    it("whatever pushes to the Pushgateway (both gate Jobs, the backup CronJobs) depends on its release through the URL, which stays the plain in-cluster one", async () => {
        const plan = await planStack("production");
        const release = named(plan, "launchpad-production-observability-pushgateway");
        const pushers = plan.resources.filter((r) => r.dependencies.includes(release.urn)).map((r) => r.name).sort();
        expect(pushers).toEqual([
            "launchpad-production-api-blue-gate",
            "launchpad-production-api-green-gate",
            "launchpad-production-logical-backup-dump",
            "launchpad-production-logical-backup-recovery-metrics",
            "launchpad-production-logical-backup-verify",
        ]);
        const env = input(named(plan, "launchpad-production-api-blue-gate"), "spec.template.spec.containers.0.env") as { name: string; value: string }[];
        expect(env.find((e) => e.name === "PUSHGATEWAY_URL")?.value).toBe("http://pushgateway.launchpad-production.svc.cluster.local:9091");
    });

    it("an existing cluster with Grafana: the team's Prometheus as the data source, no AMP, no CloudWatch-only data alerts", async () => {
        const project = tempProject("platform", stagingConfig({
            "launchpad:cluster": { kubeconfig: { secure: "v1:a3ViZWNvbmZpZw==" }, namespace: "shop-api" },
            "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" },
            "launchpad:alerting": { emailAddresses: ["oncall@example.com"] },
            "grafana:url": "https://grafana.shop.internal",
            "grafana:auth": { secure: "v1:dG9rZW4=" },
        }));
        try {
            const plan = await runPlan({ stack: "platform", root: project.root });
            const types = new Set(plan.resources.map((r) => r.type));
            expect([...types].filter((t) => t.startsWith("aws:"))).toEqual([]);
            expect(ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => r.name.includes("-observability-")).map((r) => input(r, "chart")).sort()).toEqual(["kube-state-metrics", "prometheus-pushgateway"]);
            const ds = ofType(plan, "grafana:oss/dataSource:DataSource");
            expect(ds.map((d) => [input(d, "uid"), input(d, "type"), input(d, "url")])).toContainEqual(["launchpad-platform-prometheus", "prometheus", "https://prometheus.shop.internal"]);
            expect(input(named(plan, "launchpad-platform-observability-grafana"), "auth")).toBe("[secret]");
            expect(ofType(plan, "grafana:alerting/contactPoint:ContactPoint")).toHaveLength(1);
            expect(plan.outputs.prometheusQueryUrl).toBe("https://prometheus.shop.internal");
        } finally {
            project.dispose();
        }
    });

    it("wires the Pushgateway into every container of the backup jobs: each reports its failure, the upload and a report container after a passed restore their success", async () => {
        const plan = await planStack("staging");
        type Pod = { initContainers: { name: string; env: { name: string; value?: string }[] }[]; containers: { name: string; command: string[]; env: { name: string; value?: string }[] }[] };
        const pod = (n: string) => (input(named(plan, n), "spec.jobTemplate.spec.template.spec") as Pod);
        const url = "http://pushgateway.launchpad-staging.svc.cluster.local:9091";
        const pushTo = (p: Pod): [string, string | undefined][] =>
            [...p.initContainers, ...p.containers].map((c) => [c.name, c.env.find((e) => e.name === "PUSHGATEWAY_URL")?.value]);
        expect(pushTo(pod("launchpad-staging-logical-backup-dump"))).toEqual([["check", url], ["dump", url], ["upload", url]]);
        const verify = pod("launchpad-staging-logical-backup-verify");
        expect(verify.initContainers.map((c) => c.name)).toEqual(["fetch", "restore"]);
        expect(verify.containers.map((c) => [c.name, c.command])).toEqual([["report", ["bash", "/scripts/verify.sh", "report"]]]);
        expect(pushTo(verify)).toEqual([["fetch", url], ["restore", url], ["report", url]]);
        expect(ofType(plan, "grafana:alerting/contactPoint:ContactPoint").map((c) => c.name).sort()).toEqual(["launchpad-staging-observability-contact-email", "launchpad-staging-observability-contact-slack"]);
    });
});

/**
 * A vendored chart's values.yaml (vendor/<chart>/, a verbatim copy at the pinned tag): `has(path)` when
 * the dotted path is a key of it, or a second-level key the chart documents commented out
 * (`persistentVolume:` ... `  # storageClass: "-"`), as optional keys are written there.
 */
function chartValues(dir: string): { defaults: Record<string, unknown>; has: (path: string) => boolean } {
    const text = readFileSync(join(REPO_ROOT, "vendor", dir, "values.yaml"), "utf8");
    const defaults = parse(text) as Record<string, unknown>;
    const has = (path: string): boolean => {
        const keys = path.split(".");
        let node: unknown = defaults;
        for (const [i, key] of keys.entries()) {
            if (node !== null && typeof node === "object" && key in node) {
                node = (node as Record<string, unknown>)[key];
                continue;
            }
            if (i !== 1) {
                return false;
            }
            const section = text.slice(text.indexOf(`\n${keys[0]}:\n`) + 1).split(/\n(?=\S)/)[0];
            return new RegExp(`^ {2}# ${key}:`, "m").test(section);
        }
        return true;
    };
    return { defaults, has };
}

describe("the exporters' values against the pinned charts' values.yaml (vendor/)", () => {
    const kind = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

    it.each([
        ["kube-state-metrics", [kubeStateMetricsValues(true, "shop"), kubeStateMetricsValues(false, "shop")]],
        ["prometheus-pushgateway", [pushgatewayValues(true, "gp3"), pushgatewayValues(false)]],
    ] as const)("%s: every key Launchpad sets is one of the chart's, of the chart's type", (dir, sets) => {
        const chart = chartValues(dir);
        for (const values of sets) {
            for (const [key, value] of Object.entries(values)) {
                expect(chart.has(key), `${dir} values.yaml has no ${key}`).toBe(true);
                expect([key, kind(value)]).toEqual([key, kind(chart.defaults[key])]);
            }
        }
    });

    // templates/service.yaml: `{{- if .Values.prometheusScrape }}` puts prometheus.io/scrape on the Service.
    it("kube-state-metrics' Service is annotated for scraping only without the managed scraper, against the chart's default of true", () => {
        expect(chartValues("kube-state-metrics").defaults.prometheusScrape).toBe(true);
        expect([kubeStateMetricsValues(true, "shop").prometheusScrape, kubeStateMetricsValues(false, "shop").prometheusScrape]).toEqual([true, false]);
    });

    it("the Pushgateway's volume keys are the chart's persistentVolume keys (storageClass documented commented out)", () => {
        const chart = chartValues("prometheus-pushgateway");
        const volume = (pushgatewayValues(false, "gp3") as { persistentVolume: Record<string, unknown> }).persistentVolume;
        expect(Object.keys(volume).filter((k) => !chart.has(`persistentVolume.${k}`))).toEqual([]);
        expect(chart.has("persistentVolume.storageClassName")).toBe(false);
    });

    // prometheus-pushgateway 2.15.0 templates/serviceaccount.yaml reads serviceAccount.annotations,
    // which its values.yaml does not list.
    const TEMPLATE_ONLY: Readonly<Record<string, readonly string[]>> = { "prometheus-pushgateway": ["serviceAccount.annotations"] };

    it.each([
        ["kube-state-metrics", CHART_VALUE_KEYS.kubeStateMetrics],
        ["prometheus-pushgateway", CHART_VALUE_KEYS.pushgateway],
    ] as const)("%s: CHART_VALUE_KEYS names keys of the chart", (dir, keys) => {
        const chart = chartValues(dir);
        const paths = [keys.serviceAccountName, keys.serviceAccountAnnotations, keys.image.repository, keys.image.tag, keys.resources, keys.podSecurityContext, keys.containerSecurityContext];
        expect(paths.filter((p) => !chart.has(p))).toEqual(TEMPLATE_ONLY[dir] ?? []);
    });
});

describe("the Grafana builders, called directly", () => {
    const none = { emailAddresses: [] as string[], slackWebhookUrl: undefined, pagerDutyIntegrationKey: undefined, heartbeatUrl: undefined };

    it("names a contact point <project>-<stack>-<receiver>", () => {
        expect(contactPointName(stackIdentifier("launchpad", "production"), "pagerduty")).toBe("launchpad-production-pagerduty");
        expect(contactPointName(stackIdentifier("shop", "production"), "pagerduty")).toBe("shop-production-pagerduty");
    });

    it("makes one contact point per configured receiver, in the fixed order PagerDuty, Slack, e-mail, heartbeat", () => {
        expect(contactPoints({ stack: "s", identifier: "launchpad-s" }, none)).toEqual([]);
        const all = contactPoints({ stack: "s", identifier: "launchpad-s" }, {
            emailAddresses: ["ops@example.com"],
            slackWebhookUrl: pulumi.output("https://hooks.slack.com/x"),
            pagerDutyIntegrationKey: pulumi.output("key"),
            heartbeatUrl: pulumi.output("https://hb.example.com"),
        });
        expect(all.map((c) => [c.receiver, c.args.name])).toEqual([
            ["pagerduty", "launchpad-s-pagerduty"], ["slack", "launchpad-s-slack"], ["email", "launchpad-s-email"], ["heartbeat", "launchpad-s-heartbeat"],
        ]);
        expect(all[2].args.emails).toEqual([{ addresses: ["ops@example.com"], singleEmail: true, subject: "[launchpad s] {{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ template \"default.title\" . }}{{ end }}" }]);
    });

    it("signs Prometheus queries with SigV4 only for AMP, and adds CloudWatch only with a data layer", () => {
        const plain = dataSources({ stack: "s", identifier: "launchpad-s", region: "us-east-1", queryUrl: "http://prom", sigV4: false, cloudWatch: false, awsAuth: "default" });
        expect(plain.map((d) => [d.key, d.args.uid, d.args.type])).toEqual([["prometheus", "launchpad-s-prometheus", "prometheus"]]);
        expect(JSON.parse(plain[0].args.jsonDataEncoded as string)).toEqual({ httpMethod: "POST" });
        const amp = dataSources({ stack: "s", identifier: "launchpad-s", region: "eu-west-1", queryUrl: "https://aps", sigV4: true, cloudWatch: true, awsAuth: "default" });
        expect(amp.map((d) => [d.key, d.args.type])).toEqual([["prometheus", "grafana-amazonprometheus-datasource"], ["cloudwatch", "cloudwatch"]]);
        expect(JSON.parse(amp[0].args.jsonDataEncoded as string)).toEqual({ httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "eu-west-1", timeInterval: "30s" });
        expect(JSON.parse(amp[1].args.jsonDataEncoded as string)).toEqual({ authType: "default", defaultRegion: "eu-west-1" });
        const amg = dataSources({ stack: "s", identifier: "launchpad-s", region: "eu-west-1", queryUrl: "https://aps", sigV4: true, cloudWatch: true, awsAuth: "ec2_iam_role" });
        expect(amg.map((d) => JSON.parse(d.args.jsonDataEncoded as string) as Record<string, unknown>).map((j) => j.sigV4AuthType ?? j.authType)).toEqual(["ec2_iam_role", "ec2_iam_role"]);
    });

    // Grafana refuses an auth type outside its allowed_auth_providers (grafana-aws-sdk pkg/awsauth/auth.go
    // GetConfig): Amazon Managed Grafana signs with the workspace role, `ec2_iam_role` (grafana/grafana#31764;
    // Grafana 8 docs aws-authentication.md "only enabled by default in Amazon Managed Grafana"); any other
    // Grafana allows default/keys/credentials (pkg/awsds/authSettings.go defaultAuthSettings), not ec2_iam_role.
    it.each([
        ["https://g-949e7b44df.grafana-workspace.us-east-1.amazonaws.com", "ec2_iam_role"],
        ["https://g-949e7b44df.grafana-workspace.us-east-1.amazonaws.com/", "ec2_iam_role"],
        ["https://G-BFFA51ED1B.Grafana-Workspace.eu-west-1.amazonaws.com:443/d/x", "ec2_iam_role"],
        ["https://grafana.example.com", "default"],
        ["https://grafana-workspace.example.com", "default"],
        ["https://g-1.grafana-workspace.us-east-1.amazonaws.com.evil.example", "default"],
        ["http://localhost:3000", "default"],
    ])("signs AWS queries from %s as %s: the workspace IAM role on Amazon Managed Grafana, the SDK chain elsewhere", (url, auth) => {
        expect(grafanaAwsAuth(url)).toBe(auth);
    });

    it("a stack whose grafana:url is an Amazon Managed Grafana workspace: both AWS data sources sign with the workspace role", async () => {
        const plan = await planStack("production", ["grafana:url=https://g-949e7b44df.grafana-workspace.us-east-1.amazonaws.com"]);
        const ds = ofType(plan, "grafana:oss/dataSource:DataSource").map((d) => [input(d, "type"), JSON.parse(String(input(d, "jsonDataEncoded"))) as Record<string, unknown>] as const);
        expect(ds.map(([type, j]) => [type, j.sigV4AuthType ?? j.authType]).sort()).toEqual([["cloudwatch", "ec2_iam_role"], [AMP_DATASOURCE_TYPE, "ec2_iam_role"]]);
    });
});
