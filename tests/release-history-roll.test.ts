/**
 * Changes that roll the live color's pods without a new release (port, probes, resources, the
 * database connection, scrape annotations): service-wide settings no idle color can take first, so
 * they are allowed, and the plan says per service that the live color's pods roll in place and
 * why. Compared with the pod template the history's head entry recorded (`pod`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { envHash, gateJobName, gateRunId, POD_PARTS, podShape, releaseId, stackPodShape, type PodPart } from "../components/blue-green-service";
import { inPlaceRollWarnings, nextHistory, RELEASE_HISTORY_OUTPUT, stackPodDatabase, type HistoryEntry, type ReleaseHistory } from "../components/release-history";
import type { ServiceConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { planEntryPoints } from "./support/compiled";
import { skipProcesses } from "./support/timing";
import { loadConfigFor } from "./support/config";
import { input, named, planStack } from "./support/plan";
import { scratchFile } from "./support/scratch";

const SKIP_PROCESSES = skipProcesses("tests/release-history-roll.test.ts", "the warning through npm run plan as a process of its own (its in-process twin runs)");

const T1 = "2026-11-20T10:00:00.000Z";

/** Staging's api as the history recorded it, live on green (the committed stack). */
function recorded(s: ServiceConfig): HistoryEntry {
    return { color: "green", image: s.releases.green.image, releaseId: releaseId(s, "green"), envHash: envHash(s, "green"), pod: podShape(s, "green"), time: T1 };
}

const api = async (sets: readonly string[] = []): Promise<ServiceConfig> => (await loadConfigFor("staging", sets)).services[0];

/** The one warning line for `parts` of staging's api, live on green. */
function warning(parts: readonly PodPart[]): string {
    const named = parts.map((p) => `${p} (${POD_PARTS[p].map((k) => `launchpad:services.api.${k}`).join(", ")})`).join(", ");
    return `service api: green was live when this update started and its pods roll in place under live traffic, same release: the pod template's ${named} ${parts.length === 1 ? "changes" : "change"}. ` +
        "No gate runs before live traffic reaches the new pods; only their readiness probe and the rollout (maxUnavailable 0) guard them. These settings are service-wide, so the idle color cannot take them first";
}

describe("inPlaceRollWarnings", () => {
    it.each([
        { name: "nothing changes: no warning", sets: [], parts: [] },
        { name: "a new port: ports, both probes' port stay named (port: http), scrape annotations", sets: ["launchpad:services.api.port=9090"], parts: ["ports", "annotations"] },
        { name: "a new readiness path", sets: ["launchpad:services.api.health.readinessPath=/ready"], parts: ["readinessProbe"] },
        { name: "a new liveness path: liveness and startup probes", sets: ["launchpad:services.api.health.livenessPath=/live"], parts: ["livenessProbe", "startupProbe"] },
        { name: "a longer start-up allowance", sets: ["launchpad:services.api.health.startupSeconds=300"], parts: ["startupProbe"] },
        { name: "a new CPU request", sets: ["launchpad:services.api.resources.requests.cpu=300m"], parts: ["resources"] },
        { name: "the database connection switched off: its env names", sets: ["launchpad:services.api.connectDatabase=false"], parts: ["envNames"] },
        { name: "a new env value on the idle color only: not this rule's (nothing of green's pod template changes)", sets: ["launchpad:services.api.releases.blue.env.LOG_LEVEL=debug"], parts: [] },
    ] satisfies { name: string; sets: string[]; parts: PodPart[] }[])("$name", async ({ sets, parts }) => {
        const history: ReleaseHistory = { api: [recorded(await api())] };
        expect(inPlaceRollWarnings([await api(sets)], history)).toEqual(parts.length > 0 ? [warning(parts)] : []);
    });

    it("says nothing without a recorded pod template (a first update, an entry from before the field)", async () => {
        const changed = await api(["launchpad:services.api.port=9090"]);
        expect(inPlaceRollWarnings([changed], {})).toEqual([]);
        const old: HistoryEntry = { ...recorded(await api()), pod: undefined };
        expect(inPlaceRollWarnings([changed], { api: [old] })).toEqual([]);
    });

    it("the history keeps the pod template the live color runs now: the same release with a new size updates its entry, and warns once", async () => {
        const before = await api();
        const after = await api(["launchpad:services.api.resources.requests.cpu=300m"]);
        const live = { service: "api", color: "green" as const, image: after.releases.green.image, releaseId: releaseId(after, "green"), envHash: envHash(after, "green"), pod: podShape(after, "green") };
        const next = nextHistory({ api: [recorded(before)] }, [live], "2026-12-02T00:00:00.000Z", 10);
        expect(next.api).toEqual([{ ...recorded(before), pod: podShape(after, "green") }]);
        expect(inPlaceRollWarnings([after], next)).toEqual([]);
    });
});

describe("through the offline plan", () => {
    it("a first update records the live color's pod template in its history entry, the stack's database settings included", async () => {
        const plan = await planStack("staging");
        const history = plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
        const config = await loadConfigFor("staging");
        expect(history.api[0].pod).toEqual({ ...podShape(config.services[0], "green"), ...stackPodShape(config.services[0], stackPodDatabase(config)) });
    });
});

/**
 * Stack-wide settings in both colors' pod templates (components/blue-green-service.ts `STACK_POD_PARTS`):
 * one value for both colors, so the live color rolls with them; allowed in every tier, with a warning
 * naming what rolls where and what guards traffic (release-history.ts `stackPartsWarning`).
 */
describe("stack-wide settings that roll the live color (launchpad:database.caBundleUrl, appUsername), through the offline plan with --previous-outputs", () => {
    const [inProcess] = planEntryPoints(true);
    const CA = "launchpad:database.caBundleUrl (the db-ca init container's DB_SSL_CA_URL)";
    const USER = "launchpad:database.appUsername (the user in the connection Secret the pods read (database-app-connection), and its digest annotation launchpad.dev/database-connection)";
    const stackWarning = (live: string, idle: string, parts: string, verb: string) =>
        `warning: service api: ${live} was live when this update started and its pods roll in place under live traffic, same release: the stack-wide ${parts} ${verb} in both colors' pod templates. ` +
        `${idle}, the idle color, rolls too and its gate runs again on it, but in the same update, not before ${live}'s new pods take live traffic. ` +
        "One value for both colors, so the idle color cannot take it first: only the rollout (maxUnavailable 0) and the new pods' readiness probe guard live traffic " +
        `(a pod whose CA bundle cannot be fetched never becomes ready, ${live}'s old pods keep serving and the update fails). Change nothing else of ${live} in this update\n`;

    /** The history entry the committed stack's live color's Deployment recorded (both shapes, as `rolledOutPod` reads them back). */
    async function outputsFile(stack: string): Promise<string> {
        const config = await loadConfigFor(stack);
        const s = config.services[0];
        const c = s.activeColor;
        const pod = { ...podShape(s, c), ...stackPodShape(s, stackPodDatabase(config)) };
        const entry: HistoryEntry = { color: c, image: s.releases[c].image, releaseId: releaseId(s, c), envHash: envHash(s, c), pod, time: T1 };
        return scratchFile("launchpad-stack-roll-", "outputs.json", JSON.stringify({ [RELEASE_HISTORY_OUTPUT]: { api: [entry] } }));
    }

    it.each([
        { stack: "staging", live: "green", idle: "blue" },
        { stack: "production", live: "blue", idle: "green" },
    ])("$stack: the committed config warns nothing; a new CA bundle address and application user warn once, naming the live and idle colors, exit 0", { timeout: 200_000 }, async ({ stack, live, idle }) => {
        const file = await outputsFile(stack);
        const same = await inProcess.plan(["--stack", stack, "--previous-outputs", file]);
        expect(same.stderr).toBe("");
        expect(same.status).toBe(0);
        const sets = ["launchpad:database.caBundleUrl=https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem", "launchpad:database.appUsername=launchpad_app2"];
        const ca = await inProcess.plan(["--stack", stack, "--previous-outputs", file, "--set", sets[0]]);
        expect(ca.stderr).toBe(stackWarning(live, idle, CA, "changes"));
        // docs/delivery.md, "Changes that roll the live color", quotes production's run.
        expect(fs.readFileSync(path.join(REPO_ROOT, "docs", "delivery.md"), "utf8").includes(`\n${ca.stderr}`)).toBe(stack === "production");
        expect(ca.status).toBe(0);
        const both = await inProcess.plan(["--stack", stack, "--previous-outputs", file, ...sets.flatMap((x) => ["--set", x])]);
        expect(both.stderr).toBe(stackWarning(live, idle, `${CA}, ${USER}`, "change"));
        expect(both.status).toBe(0);
    });

    it("each stack-wide part is compared on its own: a new engine names its TLS mode; none without the stack's database, or for a service that does not connect", async () => {
        const config = await loadConfigFor("staging");
        const s = config.services[0];
        const db = stackPodDatabase(config);
        const pod = { ...podShape(s, "green"), ...stackPodShape(s, db) };
        const history: ReleaseHistory = { api: [{ color: "green", image: s.releases.green.image, releaseId: releaseId(s, "green"), envHash: envHash(s, "green"), pod, time: T1 }] };
        const other = db.engine === "postgres" ? "mysql" : "postgres";
        expect(inPlaceRollWarnings([s], history, { ...db, engine: other })).toEqual([
            stackWarning("green", "blue", "launchpad:database.engine (the app container's DATABASE_TLS_MODE)", "changes").slice("warning: ".length, -1),
        ]);
        expect(inPlaceRollWarnings([s], history, db)).toEqual([]);
        expect(inPlaceRollWarnings([s], history, undefined)).toEqual([]);
        expect(stackPodShape({ ...s, connectDatabase: false }, db)).toEqual(stackPodShape(s, undefined));
    });

    it("a new CA bundle address re-runs the idle color's gate: its Job's name follows it (gateRunId), since the Job's own template does not carry it", async () => {
        const config = await loadConfigFor("staging");
        const s = config.services[0];
        const ctx = { project: "launchpad", zoneSpread: "ScheduleAnyway" as const }; // staging's tier (config/tier.ts)
        const before = gateRunId(s, "blue", { ...ctx, database: { caBundleUrl: config.database.caBundleUrl } });
        const after = gateRunId(s, "blue", { ...ctx, database: { caBundleUrl: "https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem" } });
        expect(after).not.toBe(before);
        const blue = async (sets: string[] = []) => input(named(await planStack("staging", sets), "launchpad-staging-api-blue-gate"), "metadata.name");
        const planned = await blue();
        const moved = await blue(["launchpad:database.caBundleUrl=https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem"]);
        // The Job's name carries the run id with the smoke policy (gateJobId), which did not change.
        expect(planned).toBe(gateJobName(s, "blue", { ...ctx, database: { caBundleUrl: config.database.caBundleUrl } }));
        expect(moved).toBe(gateJobName(s, "blue", { ...ctx, database: { caBundleUrl: "https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem" } }));
        expect(moved).not.toBe(planned);
    });
});

describe("through `npm run plan`, in this process and as a process of its own (the bundle, from the run's bundle directory)", () => {
    it.for(planEntryPoints(SKIP_PROCESSES))("a new CPU request and readiness path on the live color: exit 0, the plan, and exactly the warning on stderr ($entry)", { timeout: 200_000 }, async ({ plan }) => {
        const file = scratchFile("launchpad-roll-", "outputs.json", JSON.stringify({ [RELEASE_HISTORY_OUTPUT]: { api: [recorded(await api())] } }));
        const sets = ["launchpad:services.api.resources.requests.cpu=300m", "launchpad:services.api.health.readinessPath=/ready"];
        const r = await plan(["--stack", "staging", "--previous-outputs", file, ...sets.flatMap((s) => ["--set", s])]);
        expect(r.stderr).toBe(`warning: ${warning(["readinessProbe", "resources"])}\n`);
        expect(r.stdout).toContain("launchpad-staging-api-green");
        expect(r.status).toBe(0);
        // docs/delivery.md, "Changes that roll the live color", quotes this very run.
        expect(fs.readFileSync(path.join(REPO_ROOT, "docs", "delivery.md"), "utf8")).toContain(`\n${r.stderr}`);
    });
});
