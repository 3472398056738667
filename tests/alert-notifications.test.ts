/**
 * What the on-call engineer receives: the contact points' templates (components/observability.ts
 * NOTIFICATION_TEMPLATES) executed by a real Alertmanager (Debian's prometheus-alertmanager), whose
 * template package and notify.GetTemplateData build the data Grafana's alerting executes them on
 * (grafana/alerting templates/template_data.go `TmplText`), with Grafana's own `default.title`
 * loaded (vendor/grafana-alerting/). Alertmanager's PagerDuty and Slack notifiers post to a local
 * recording server, grouped as the stack's page route groups.
 *
 * `.CommonAnnotations` keeps only what every alert of a notification shares (prometheus/alertmanager
 * template/template.go `Data`): with the data source down every page rule sends a `DatasourceError`
 * (its labels, its own annotations: grafana/grafana pkg/services/ngalert/schedule/compat.go
 * `errorAlert`), one group on the page route, and `{{ .CommonAnnotations.summary }}` was an empty
 * PagerDuty `payload.summary`, which PagerDuty's Events API v2 requires.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { contactPoints, notificationPolicyArgs } from "../components/observability";
import { REPO_ROOT } from "../plan/engine";
import { freePort, IN_CI, which } from "./support/db-tools";
import { recordingServer, type RecordedRequest, type TestServer } from "./support/http-server";
import { scratchDir, scratchFile } from "./support/scratch";

const ALERTMANAGER = which("prometheus-alertmanager");
const PACKAGE = "prometheus-alertmanager";
const DEFAULT_TITLE = join(REPO_ROOT, "vendor/grafana-alerting/default-title.tmpl");

/** True when the suite is skipped: no Alertmanager. Says so loudly, unless under CI=true, where the test below fails instead. */
function skipWithoutAlertmanager(): boolean {
    if (ALERTMANAGER !== undefined) return false;
    if (!IN_CI) {
        const bar = "!".repeat(100);
        console.warn(`\n${bar}\n*** alert notifications: SKIPPING tests/alert-notifications.test.ts: prometheus-alertmanager not found on this machine.\n` +
            `Install it with: apt-get install -y ${PACKAGE}\n(With CI=true these tests fail instead of skipping.)\n${bar}\n`);
    }
    return true;
}

/** The stack's PagerDuty and Slack contact points, their secrets stand-ins. */
const RECEIVERS = contactPoints({ stack: "production", identifier: "launchpad-production" }, {
    emailAddresses: [],
    pagerDutyIntegrationKey: pulumi.output("0123456789abcdef0123456789abcdef"),
    slackWebhookUrl: pulumi.output("https://hooks.slack.com/services/T/B/X"),
    heartbeatUrl: undefined,
});
const PAGERDUTY = RECEIVERS.find((r) => r.receiver === "pagerduty")?.args.pagerduties as { summary: string; severity: string }[];
const SLACK = RECEIVERS.find((r) => r.receiver === "slack")?.args.slacks as { title: string; text: string }[];
/**
 * The page route of the stack's notification policy, its grouping the one that matters at 3 a.m.,
 * for a team whose scrape names the service `app` (`observability.metrics.serviceLabel`, as
 * docs/observability.md has prometheus-chart users set it).
 */
const SERVICE_LABEL = "app";
const PAGE_ROUTE = (notificationPolicyArgs("production", { page: "pd", ticket: "slack" }, "maintenance", SERVICE_LABEL).policies as { matchers: { value: string }[]; groupBies: string[] }[])
    .find((p) => p.matchers.some((m) => m.value === "page"));

function alertmanagerConfig(sink: string): string {
    return stringify({
        templates: [DEFAULT_TITLE],
        route: { receiver: "stack", group_by: PAGE_ROUTE?.groupBies, group_wait: "0s", group_interval: "1m", repeat_interval: "4h" },
        receivers: [{
            name: "stack",
            // Alertmanager's `description` is the Events API v2 payload.summary, Grafana's `summary`.
            pagerduty_configs: [{ routing_key: "0123456789abcdef0123456789abcdef", url: `${sink}/pagerduty`, description: PAGERDUTY[0].summary, severity: PAGERDUTY[0].severity, send_resolved: false }],
            slack_configs: [{ api_url: `${sink}/slack`, channel: "#launchpad", title: SLACK[0].title, text: SLACK[0].text, send_resolved: false }],
        }],
    }, { lineWidth: 0 });
}

interface PagerDutyEvent { readonly payload: { readonly summary: string } }
interface SlackMessage { readonly attachments: readonly { readonly title?: string; readonly text: string }[] }

const RUNBOOK = "https://github.com/acme/launchpad/blob/main/docs/runbooks/alerts.md";
const alert = (labels: Record<string, string>, summary: string, description: string, runbook: string) => ({
    labels: { environment: "production", severity: "page", ...labels },
    annotations: { summary, description, runbook_url: `${RUNBOOK}#${runbook}` },
});

// Under CI=true a missing Alertmanager is one failing test (a failing beforeAll would only skip them);
// run whenever CI is, so that a CI run with everything installed skips nothing.
describe.runIf(IN_CI)("alert notifications: CI has an Alertmanager", () => {
    it("has prometheus-alertmanager", () => {
        expect(ALERTMANAGER, `prometheus-alertmanager not found; CI must install it: apt-get install -y ${PACKAGE}`).toBeDefined();
    });
});

describe.skipIf(skipWithoutAlertmanager())("alert notifications through a real Alertmanager", () => {
    let sink: (TestServer & { readonly received: RecordedRequest[] }) | undefined;
    let daemon: ChildProcess | undefined;
    let log = "";

    /** The bodies posted to `path`, once `done` holds for them (within 20 s). */
    const received = async (path: string, done: (bodies: readonly string[]) => boolean): Promise<string[]> => {
        const deadline = Date.now() + 20_000;
        for (;;) {
            const bodies = (sink?.received ?? []).filter((r) => r.url === path).map((r) => r.body);
            if (done(bodies)) return bodies;
            if (Date.now() > deadline) throw new Error(`timed out waiting for the notifications on ${path}; got ${JSON.stringify(bodies)}; Alertmanager said:\n${log}`);
            await new Promise((r) => setTimeout(r, 200));
        }
    };
    const mentioning = (text: string) => (bodies: readonly string[]): boolean => bodies.some((b) => b.includes(text));

    beforeAll(async () => {
        if (ALERTMANAGER === undefined) return;
        sink = await recordingServer();
        const config = scratchFile("launchpad-alertmanager-", "alertmanager.yml", alertmanagerConfig(sink.url));
        const port = await freePort();
        daemon = spawn(ALERTMANAGER, [`--config.file=${config}`, `--storage.path=${scratchDir("launchpad-alertmanager-data-")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: ["ignore", "pipe", "pipe"] });
        const keep = (b: Buffer): void => {
            log = (log + b.toString()).slice(-10_000);
        };
        daemon.stdout?.on("data", keep);
        daemon.stderr?.on("data", keep);
        const deadline = Date.now() + 20_000;
        for (;;) {
            const ok = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false);
            if (ok) break;
            if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`Alertmanager did not start:\n${log}`);
            await new Promise((r) => setTimeout(r, 200));
        }
        // One group of one alert; one group of two DatasourceErrors (the data source down: every
        // page rule's error alert has alertname DatasourceError, its rule's severity and environment).
        const posted = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([
                alert({ alertname: "LaunchpadHighErrorRatio", [SERVICE_LABEL]: "api", color: "blue" }, "api (blue): 2% of requests fail", "More than 1% of api's requests on the blue release returned a 5xx status.", "launchpadhigherrorratio"),
                alert({ alertname: "DatasourceError", rulename: "LaunchpadBackupStale" }, "The newest daily backup of the database is 0s old", "No daily logical backup has succeeded for more than 26h.", "launchpadbackupstale"),
                alert({ alertname: "DatasourceError", rulename: "LaunchpadPitrLagAboveRpo" }, "Point-in-time recovery of launchpad-production-db lags 0s behind", "The latest restorable time is older than 15m.", "launchpadpitrlagaboverpo"),
                // Two services' failures of one alert: two notifications, two PagerDuty incidents.
                alert({ alertname: "LaunchpadDatabaseConnectionFailures", [SERVICE_LABEL]: "api" }, "api cannot reach its database (3 failed connections in 5 minutes)", "api has counted failed database connections for 5 minutes in a row.", "launchpaddatabaseconnectionfailures"),
                alert({ alertname: "LaunchpadDatabaseConnectionFailures", [SERVICE_LABEL]: "web" }, "web cannot reach its database (7 failed connections in 5 minutes)", "web has counted failed database connections for 5 minutes in a row.", "launchpaddatabaseconnectionfailures"),
            ]),
        });
        if (!posted.ok) throw new Error(`POST /api/v2/alerts: ${posted.status} ${await posted.text()}`);
    }, 30_000);

    afterAll(async () => {
        if (daemon !== undefined && daemon.exitCode === null) {
            const exited = new Promise((r) => daemon?.once("exit", r));
            daemon.kill("SIGTERM");
            await exited;
        }
        await sink?.close();
    });

    it("groups as the page route does: by alertname, environment, the contract's service label and the gate's", () => {
        expect(PAGE_ROUTE?.groupBies).toEqual(["alertname", "environment", SERVICE_LABEL, "service"]);
    });

    it("one notification per service: each service's failure is its own PagerDuty incident", async () => {
        const events = (await received("/pagerduty", (bs) => bs.filter((b) => b.includes("cannot reach its database")).length >= 2)).map((b) => JSON.parse(b) as PagerDutyEvent & { dedup_key: string });
        const connections = events.filter((e) => e.payload.summary.includes("cannot reach its database"));
        expect(connections.map((e) => e.payload.summary).sort()).toEqual([
            "api cannot reach its database (3 failed connections in 5 minutes)",
            "web cannot reach its database (7 failed connections in 5 minutes)",
        ]);
        expect(new Set(connections.map((e) => e.dedup_key)).size).toBe(2);
    });

    it("one alert: PagerDuty's summary and Slack's title are its summary, Slack's text its description and runbook", async () => {
        const events = (await received("/pagerduty", mentioning("LaunchpadHighErrorRatio"))).map((b) => JSON.parse(b) as PagerDutyEvent);
        const messages = (await received("/slack", mentioning("launchpadhigherrorratio"))).map((b) => JSON.parse(b) as SlackMessage);
        expect(events.map((e) => e.payload.summary)).toContain("api (blue): 2% of requests fail");
        expect(messages.map((m) => [m.attachments[0].title, m.attachments[0].text])).toContainEqual([
            "api (blue): 2% of requests fail",
            `More than 1% of api's requests on the blue release returned a 5xx status.\n${RUNBOOK}#launchpadhigherrorratio`,
        ]);
    });

    it("two alerts of one group with different summaries: a summary PagerDuty accepts, and every alert in Slack's text", async () => {
        const events = (await received("/pagerduty", mentioning("LaunchpadPitrLagAboveRpo"))).map((b) => JSON.parse(b) as PagerDutyEvent);
        const messages = (await received("/slack", mentioning("launchpadpitrlagaboverpo"))).map((b) => JSON.parse(b) as SlackMessage);
        // Grafana's default.title: status and count, the group's labels, then the labels the alerts share beyond them.
        expect(events.map((e) => e.payload.summary)).toContain("[FIRING:2] DatasourceError production (page)");
        const grouped = messages.find((m) => m.attachments[0].title?.startsWith("[FIRING:2] DatasourceError"));
        expect(grouped?.attachments[0].title).toBe("[FIRING:2] DatasourceError production (page)");
        expect(grouped?.attachments[0].text.split("\n").filter((l) => l !== "").sort()).toEqual([
            "Point-in-time recovery of launchpad-production-db lags 0s behind: The latest restorable time is older than 15m.",
            "The newest daily backup of the database is 0s old: No daily logical backup has succeeded for more than 26h.",
            `${RUNBOOK}#launchpadbackupstale`,
            `${RUNBOOK}#launchpadpitrlagaboverpo`,
        ]);
    });
});
