/**
 * The support calendar (lib/support-calendar.ts, components/identity-record.ts supportCalendarChecks):
 * choosing an EKS minor or an RDS major past standard support is refused; keeping the one the stack's
 * recorded identity runs is a warning, never a refusal, since AWS then upgrades the control plane on
 * its own (EKS User Guide, view-upgrade-policy: "If your upgrade policy is STANDARD, it will be
 * automatically upgraded") or enrolls the instance in paid RDS Extended Support (RDS API,
 * CreateDBInstance EngineLifecycleSupport); and the last 90 days before the end are warned in every plan.
 * The day of the run is set with LAUNCHPAD_TODAY, the recorded identity fed as the previous outputs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { supportCalendarChecks } from "../components/identity-record";
import { parseConfig, type ConfigInput } from "../config";
import { TODAY_ENV, utcDay } from "../config/clock";
import { daysUntil, eksSupportEnd, rdsSupportEnd, SUPPORT_WARNING_DAYS, supportEndingWarning } from "../lib/support-calendar";
import { planCli } from "../scripts/plan";
import { rollback } from "../scripts/rollback";
import { OWN_VALUES } from "./support/deployed";
import { deployedPlan, fakeStack } from "./support/fake-stack";
import { startKubeApi, type KubeApi } from "./support/kube-api";
import { planStack } from "./support/plan";
import { REQUIRED_CONFIG } from "./support/project";
import { scratchFile } from "./support/scratch";

const DOCS = "docs/operations.md#kubernetes-and-engine-versions-past-standard-support";
const MAJOR_DOCS = "docs/operations.md#upgrading-the-database-engines-major-version";
const EKS_AUTO = `under upgradePolicy STANDARD, EKS upgrades the control plane to the next minor on its own (EKS User Guide, view-upgrade-policy)`;
const KEPT_135 = `launchpad:cluster.version: EKS Kubernetes 1.35, which this stack runs (its recorded identity), left standard support on 2027-03-27; it is kept, not refused, but ${EKS_AUTO}: raise launchpad:cluster.version to "1.36", one minor per pulumi up (${DOCS})`;
const CHOSEN_135 = `launchpad:cluster.version: received "1.35"; expected a version in EKS standard support on 2027-04-01: "1.36" (1.35 left EKS standard support on 2027-03-27: under upgradePolicy STANDARD, EKS upgrades it on its own); only a cluster that runs it (the stack's recorded identity, none here) may keep it (${DOCS})`;
const PG14_RDS = `RDS enrolls the instance in paid RDS Extended Support and keeps the major (RDS API, CreateDBInstance EngineLifecycleSupport): plan the major upgrade to "15" (${MAJOR_DOCS})`;
const KEPT_PG14 = `launchpad:database.engineVersion: RDS postgres 14, which this stack runs (its recorded identity), left standard support on 2027-02-28; it is kept, not refused, but ${PG14_RDS}`;

function setToday(day: string): void {
    process.env[TODAY_ENV] = day;
}
const pinned = process.env[TODAY_ENV];
afterEach(() => {
    if (pinned === undefined) {
        delete process.env[TODAY_ENV];
    } else {
        process.env[TODAY_ENV] = pinned;
    }
});

function refusal(stack: string, problem: string): string {
    return `Invalid configuration for stack "${stack}" (1 problem):\n  - ${problem}`;
}

describe("the early warning: the last 90 days of standard support", () => {
    it("is 90 days, from the first day of the window to the day before the end", () => {
        expect(SUPPORT_WARNING_DAYS).toBe(90);
        const eks = eksSupportEnd("1.35");
        expect(eks?.end).toBe("2027-03-27");
        if (eks === undefined) {
            return;
        }
        // 2027-03-27 minus 90 days is 2026-12-27.
        expect(supportEndingWarning(eks, "2026-12-26")).toBeUndefined();
        expect(supportEndingWarning(eks, "2026-12-27")).toBe(`launchpad:cluster.version: EKS Kubernetes 1.35 leaves standard support on 2027-03-27, in 90 days; from that day ${EKS_AUTO}: raise launchpad:cluster.version to "1.36", one minor per pulumi up (${DOCS})`);
        expect(supportEndingWarning(eks, "2027-03-26")).toBe(`launchpad:cluster.version: EKS Kubernetes 1.35 leaves standard support on 2027-03-27, in 1 day; from that day ${EKS_AUTO}: raise launchpad:cluster.version to "1.36", one minor per pulumi up (${DOCS})`);
        // From the end itself the identity check speaks (kept: a warning; chosen: refused).
        expect(supportEndingWarning(eks, "2027-03-27")).toBeUndefined();
    });

    it("counts whole UTC days across month, year and leap-day ends, whatever the runner's time zone (the day of the run is its UTC day)", () => {
        expect(daysUntil("2027-01-01", "2026-12-31")).toBe(1);
        expect(daysUntil("2027-03-01", "2027-02-28")).toBe(1);
        expect(daysUntil("2028-03-01", "2028-02-28")).toBe(2);
        expect(daysUntil("2027-03-27", "2026-12-27")).toBe(90);
        // 23:30 on 2027-03-26 in Los Angeles (UTC-7 then) is already 2027-03-27 in UTC: past support.
        expect(utcDay(new Date("2027-03-26T23:30:00-07:00"))).toBe("2027-03-27");
    });

    it("names the RDS major's end and the next major, on the window's first and last day", () => {
        const pg = rdsSupportEnd("postgres", "14");
        expect(pg).toMatchObject({ end: "2027-02-28", next: "15" });
        if (pg === undefined) {
            return;
        }
        expect(supportEndingWarning(pg, "2026-11-29")).toBeUndefined();
        expect(supportEndingWarning(pg, "2026-11-30")).toBe(`launchpad:database.engineVersion: RDS postgres 14 leaves standard support on 2027-02-28, in 90 days; from that day ${PG14_RDS}`);
        expect(supportEndingWarning(pg, "2027-02-27")).toBe(`launchpad:database.engineVersion: RDS postgres 14 leaves standard support on 2027-02-28, in 1 day; from that day ${PG14_RDS}`);
        expect(supportEndingWarning(pg, "2027-02-28")).toBeUndefined();
    });

    it("is among the config's warnings for the stack's own cluster and database, and not before the window", () => {
        const input = (day: string): ConfigInput => ({
            project: "launchpad", stack: "staging", secretKeys: new Set(),
            values: { ...REQUIRED_CONFIG, "launchpad:cluster": { ...REQUIRED_CONFIG["launchpad:cluster"], version: "1.35" }, "launchpad:database": { engine: "postgres", engineVersion: "14" } },
            now: new Date(`${day}T12:00:00Z`),
        });
        const calendar = (day: string): string[] => parseConfig(input(day)).warnings.filter((w) => w.includes("leaves standard support"));
        expect(calendar("2026-11-29")).toEqual([]);
        expect(calendar("2026-12-27")).toEqual([
            expect.stringMatching(/^launchpad:cluster\.version: EKS Kubernetes 1\.35 leaves standard support on 2027-03-27, in 90 days;/),
            expect.stringMatching(/^launchpad:database\.engineVersion: RDS postgres 14 leaves standard support on 2027-02-28, in 63 days;/),
        ]);
    });
});

describe("supportCalendarChecks: kept is warned, chosen is refused", () => {
    const db = { engine: "postgres", name: "app", username: "u", instance: "launchpad-production-db", restored: false, engineMajor: "14" };
    it("keeps the recorded minor and major with a warning each", () => {
        expect(supportCalendarChecks({ clusterVersion: "1.35", database: db }, { clusterVersion: "1.35", database: db }, "2027-04-01")).toEqual({ refused: [], warnings: [KEPT_135, KEPT_PG14] });
    });

    it("refuses them on a first update, and the major on a new instance (a restore)", () => {
        const fresh = supportCalendarChecks({}, { clusterVersion: "1.35", database: db }, "2027-04-01");
        expect(fresh.warnings).toEqual([]);
        expect(fresh.refused).toEqual([
            CHOSEN_135,
            `launchpad:database.engineVersion: received postgres major "14"; expected a postgres major version in RDS standard support on 2027-04-01: "18", "17", "16" or "15" (postgres 14 left RDS standard support on 2027-02-28: RDS enrolls it in paid Extended Support); only a database that runs it (the same instance and major in the stack's recorded identity) may keep it (${MAJOR_DOCS})`,
        ]);
        // A new instance that is no restore of the recorded major (a record from before engineMajor).
        const unrecorded = supportCalendarChecks({ database: { ...db, engineMajor: undefined } }, { database: { ...db, instance: "launchpad-production-db-r1", restored: true } }, "2027-04-01");
        expect(unrecorded.refused).toHaveLength(1);
    });

    it("keeps the recorded major through a restore into a new instance, with a warning (RDS restores into Extended Support: RestoreDBInstanceToPointInTime EngineLifecycleSupport); refusing would stop the database-corruption runbook on a calendar date", () => {
        const restored = supportCalendarChecks({ database: db }, { database: { ...db, instance: "launchpad-production-db-r1", restored: true } }, "2027-04-01");
        expect(restored).toEqual({
            refused: [],
            warnings: [`${KEPT_PG14}; the restore into "launchpad-production-db-r1" keeps it too (RDS API, RestoreDBInstanceToPointInTime EngineLifecycleSupport)`],
        });
    });

    it("warns instead where the record is unknown (the offline plan without --previous-outputs), and still warns what is kept", () => {
        const unknown = supportCalendarChecks({}, { clusterVersion: "1.35", database: db }, "2027-04-01", true);
        expect(unknown.refused).toEqual([]);
        expect(unknown.warnings).toEqual([
            expect.stringMatching(/^launchpad:cluster\.version: EKS Kubernetes 1\.35 left standard support on 2027-03-27; this offline plan has no --previous-outputs,/),
            expect.stringMatching(/^launchpad:database\.engineVersion: RDS postgres 14 left standard support on 2027-02-28; this offline plan has no --previous-outputs,/),
        ]);
    });

    it("says when the next minor is past standard support too, and takes the one-minor step to it with a warning (EKS would upgrade to it on its own: view-upgrade-policy)", () => {
        const on = "2027-08-02";
        expect(supportCalendarChecks({ clusterVersion: "1.35" }, { clusterVersion: "1.35" }, on).warnings).toEqual([
            `${KEPT_135}; "1.36" left standard support on 2027-08-02 as well, so the step to it leaves the stack past standard support until lib/versions.ts lists a newer minor`,
        ]);
        expect(supportCalendarChecks({ clusterVersion: "1.35" }, { clusterVersion: "1.36" }, on)).toEqual({
            refused: [],
            warnings: [`launchpad:cluster.version: "1.36", the step from "1.35", left EKS standard support on 2027-08-02 as well; it is taken, not refused, as EKS would take it on its own, but the stack stays past standard support until lib/versions.ts lists a newer minor (${DOCS})`],
        });
        // Backwards is still a choice of an unsupported version (and EKS refuses a downgrade anyway).
        expect(supportCalendarChecks({ clusterVersion: "1.36" }, { clusterVersion: "1.35" }, on).refused).toHaveLength(1);
    });
});

describe("under the offline engine, after the end of standard support", () => {
    let kube: KubeApi;
    beforeAll(async () => {
        kube = await startKubeApi();
    });
    afterAll(async () => {
        await kube.close();
    });

    it("production keeps EKS 1.35 on 2027-04-01: plans with the warning; a new stack on it is refused with the exact message", async () => {
        const last = await deployedPlan("production", OWN_VALUES.production);
        setToday("2027-04-01");
        const kept = await planStack("production", OWN_VALUES.production, { previousOutputs: last.outputs });
        expect(kept.log.filter((l) => l.includes("standard support"))).toEqual([`warning: ${KEPT_135}`]);
        await expect(planStack("production", OWN_VALUES.production, { previousOutputs: {} })).rejects.toThrow(refusal("production", CHOSEN_135));
    });

    it("npm run plan of the committed production stack on 2027-04-01 with previous outputs {} (a first deploy: `pulumi stack output --json` of a new stack) exits 2 with the exact message", async () => {
        setToday("2027-04-01");
        const empty = scratchFile("support-calendar-", "outputs.json", "{}");
        expect(await planCli(["--stack", "production", "--previous-outputs", empty])).toEqual({ code: 2, stdout: "", stderr: `${refusal("production", CHOSEN_135)}\n` });
    });

    it("npm run plan --policy with no previous outputs, as preview.yml and deploy.yml run it, on 2027-04-01 exits 0 with a warning: the record is unknown there, not empty, and refusing would stop every pull request and deploy of a live stack that keeps 1.35", async () => {
        setToday("2027-04-01");
        const r = await planCli(["--stack", "production", "--policy"]);
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n").filter((l) => l.includes("standard support"))).toEqual([
            `warning: launchpad:cluster.version: EKS Kubernetes 1.35 left standard support on 2027-03-27; this offline plan has no --previous-outputs, so it cannot tell whether the stack runs it (kept: a warning) or chooses it (a first update or a change: refused). ` +
            `pulumi preview and pulumi up judge it against the stack's recorded identity; plan with --previous-outputs to see their answer (${DOCS})`,
        ]);
    });

    it("npm run rollback --dry-run of production on 2027-04-01 is not refused: its policy plan reads the stack's outputs (its recorded identity)", async () => {
        const last = await deployedPlan("production", OWN_VALUES.production);
        setToday("2027-04-01");
        const fake = await fakeStack(kube, "production", { previousOutputs: last.outputs });
        const r = await rollback(["--stack", "production", "--dry-run"], { ...fake.deps });
        expect(r.code).toBe(0);
        expect(r.stdout.split("\n")[0]).toBe("api: blue -> green");
        expect(fake.recorded.calls).toEqual([]);
    });

    it("a PostgreSQL 14 database kept on 2027-03-01 plans with the warning; restored into a new instance (the database-corruption runbook) it plans with the restore's warning", async () => {
        const pg = [...OWN_VALUES.production, "launchpad:database.engine=postgres", 'launchpad:database.engineVersion="14"'];
        const last = await deployedPlan("production", pg);
        setToday("2027-03-01");
        const kept = await planStack("production", pg, { previousOutputs: last.outputs });
        // EKS 1.35 is in its last 90 days that day too: that early warning is the other line.
        expect(kept.log.filter((l) => l.includes("standard support"))).toEqual([
            expect.stringMatching(/^warning: launchpad:cluster\.version: EKS Kubernetes 1\.35 leaves standard support on 2027-03-27, in 26 days;/),
            `warning: ${KEPT_PG14}`,
        ]);
        const restore = [...pg, "launchpad:database.restore.snapshot=launchpad-production-db-pre-upgrade"];
        const restored = await planStack("production", restore, { previousOutputs: last.outputs });
        const lines = restored.log.filter((l) => l.includes("left standard support"));
        expect(lines).toHaveLength(1);
        expect(lines[0].startsWith(`warning: ${KEPT_PG14}; the restore into "launchpad-production-db-r`)).toBe(true);
        expect(lines[0]).toMatch(/; the restore into "launchpad-production-db-r[0-9a-f]{8}" keeps it too \(RDS API, RestoreDBInstanceToPointInTime EngineLifecycleSupport\)$/);
    });
});
