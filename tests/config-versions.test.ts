/**
 * The version rules follow the EKS and RDS calendars of `lib/versions.ts` on the day of the run: the
 * day is injected (`now`, or `LAUNCHPAD_TODAY`), so these cases hold whatever day the suite runs on.
 */
import { describe, expect, it } from "vitest";
import { parseConfig, type ConfigInput } from "../config";
import { TODAY_ENV, runDate } from "../config/clock";
import { DEFAULT_ENGINE_VERSIONS } from "../config/database";
import { DEFAULT_KUBERNETES_VERSION } from "../lib/versions";
import { REQUIRED_CONFIG } from "./support/project";
import { problemsOf } from "./support/config";

const EKS_ALLOWED = 'expected a version in EKS standard support on 2026-12-02: "1.36" or "1.35"';

function input(values: Record<string, unknown>, day: string, secretKeys: readonly string[] = []): ConfigInput {
    // A cluster key set here keeps the required deploy-role access entry beside its own fields.
    const cluster = values["launchpad:cluster"];
    const merged = cluster !== null && typeof cluster === "object" && !Array.isArray(cluster) ? { "launchpad:cluster": { ...REQUIRED_CONFIG["launchpad:cluster"], ...cluster } } : {};
    return { project: "launchpad", stack: "staging", values: { ...REQUIRED_CONFIG, ...values, ...merged }, secretKeys: new Set(secretKeys), now: new Date(`${day}T12:00:00Z`) };
}


describe("launchpad:cluster.version follows the EKS calendar on the day of the run", () => {
    it("defaults to 1.36 and MySQL 8.4 / PostgreSQL 17, all accepted on 2026-12-02", () => {
        expect(DEFAULT_KUBERNETES_VERSION).toBe("1.36");
        expect(DEFAULT_ENGINE_VERSIONS).toEqual({ mysql: "8.4", postgres: "17" });
        const config = parseConfig(input({}, "2026-12-02"));
        expect(config.cluster.mode === "eks" ? config.cluster.version : undefined).toBe("1.36");
        expect(config.database.engineVersion).toBe("8.4");
        expect(parseConfig(input({ "launchpad:database": { engine: "postgres" } }, "2026-12-02")).database.engineVersion).toBe("17");
    });

    it("refuses 1.34 the day before its standard support ends for want of pinned add-ons, and on that day for the calendar", () => {
        expect(problemsOf(input({ "launchpad:cluster": { version: "1.34" } }, "2026-12-01"))).toEqual([
            'launchpad:cluster.version: received "1.34"; expected a version with pinned EKS add-ons and Cluster Autoscaler image (lib/versions.ts): "1.36" or "1.35"',
        ]);
        expect(problemsOf(input({ "launchpad:cluster": { version: "1.34" } }, "2026-12-02"))).toEqual([
            `launchpad:cluster.version: received "1.34"; ${EKS_ALLOWED} (1.34 left EKS standard support on 2026-12-02: under upgradePolicy STANDARD, EKS upgrades it on its own)`,
        ]);
    });

    it.each([
        ["1.35", []],
        ["1.36", []],
        ["1.33", [`launchpad:cluster.version: received "1.33"; ${EKS_ALLOWED} (1.33 left EKS standard support on 2026-07-29: under upgradePolicy STANDARD, EKS upgrades it on its own)`]],
        ["1.37", [`launchpad:cluster.version: received "1.37"; ${EKS_ALLOWED} (EKS offers no Kubernetes 1.37: its calendar lists 1.36, 1.35, 1.34, 1.33, 1.32, 1.31, 1.30, 1.29)`]],
    ])("on 2026-12-02, %s gives %j", (version, problems) => {
        expect(problemsOf(input({ "launchpad:cluster": { version } }, "2026-12-02"))).toEqual(problems);
    });

    it("refuses a version not yet released on EKS on the day of the run", () => {
        expect(problemsOf(input({ "launchpad:cluster": { version: "1.36" } }, "2026-06-01"))).toEqual([
            'launchpad:cluster.version: received "1.36"; expected a version in EKS standard support on 2026-06-01: "1.35", "1.34" or "1.33" (1.36 is not released on EKS until 2026-06-02)',
        ]);
    });

    it("leaves a pinned minor past standard support (an aged-out default too) to the identity check: a stack may keep the minor it runs (tests/support-calendar.test.ts)", () => {
        expect(problemsOf(input({}, "2027-08-02"))).toEqual([]);
        expect(problemsOf(input({ "launchpad:cluster": { version: "1.35" } }, "2027-03-27"))).toEqual([]);
    });

    it("checks the version even when another field of the key is wrong", () => {
        expect(problemsOf(input({ "launchpad:cluster": { version: "1.33", logTypes: ["everything"] } }, "2026-12-02"))).toEqual([
            'launchpad:cluster.logTypes[0]: received "everything"; expected one of "api", "audit", "authenticator", "controllerManager", "scheduler"',
            `launchpad:cluster.version: received "1.33"; ${EKS_ALLOWED} (1.33 left EKS standard support on 2026-07-29: under upgradePolicy STANDARD, EKS upgrades it on its own)`,
        ]);
    });

    it("gives no reason for a key held as a secret: the reason would tell its value apart", () => {
        expect(problemsOf(input({ "launchpad:cluster": { kubeconfig: "apiVersion: v1", version: "1.37" } }, "2026-12-02", ["launchpad:cluster"]))).toEqual([
            `launchpad:cluster.version: received [secret]; ${EKS_ALLOWED}`,
        ]);
    });

    it("does not judge an existing cluster's version past standard support: Launchpad never reads it", () => {
        expect(problemsOf(input({ "launchpad:cluster": { kubeconfig: "apiVersion: v1", version: "1.33" } }, "2026-12-02", ["launchpad:cluster"]))).toEqual([]);
    });
});

describe("launchpad:database.engineVersion follows the RDS calendars on the day of the run", () => {
    it("leaves MySQL 8.0 (pinned dump image) to the identity check from 2026-07-31, when RDS enrolls it in paid Extended Support: kept is warned, chosen refused (tests/support-calendar.test.ts)", () => {
        expect(problemsOf(input({ "launchpad:database": { engineVersion: "8.0" } }, "2026-07-30"))).toEqual([]);
        expect(problemsOf(input({ "launchpad:database": { engineVersion: "8.0.40" } }, "2026-12-02"))).toEqual([]);
    });

    it.each([
        ["postgres", "17.6", []],
        ["postgres", "13", ['launchpad:database.engineVersion: received "13"; expected a postgres major version in RDS standard support on 2026-12-02: "18", "17", "16", "15" or "14" (postgres 13 left RDS standard support on 2026-02-28: RDS enrolls it in paid Extended Support)']],
        ["postgres", "12", ['launchpad:database.engineVersion: received "12"; expected a postgres major version in RDS standard support on 2026-12-02: "18", "17", "16", "15" or "14" (RDS offers no postgres major 12: its calendar lists 18, 17, 16, 15, 14, 13)']],
        ["mysql", "8.4.7", []],
    ])("%s %s on 2026-12-02 gives %j", (engine, engineVersion, problems) => {
        expect(problemsOf(input({ "launchpad:database": { engine, engineVersion } }, "2026-12-02"))).toEqual(problems);
    });

    it("says how to write a major as text: `pulumi config set --path launchpad:database.engineVersion 17` stores the number 17 (pulumi/pulumi v3.248.0 sdk/go/common/resource/config/object.go coerce), as unquoted YAML does", () => {
        expect(problemsOf(input({ "launchpad:database": { engine: "postgres", engineVersion: 17 } }, "2026-12-02"))).toEqual([
            'launchpad:database.engineVersion: received 17; expected a string such as "8.4" or "17": quote it in Pulumi.<stack>.yaml (engineVersion: "17"); `pulumi config set --path` writes 17 as the number 17',
        ]);
    });

    it("leaves an aged-out default engine version to the identity check too", () => {
        expect(problemsOf(input({ "launchpad:database": { engine: "mysql" }, "launchpad:cluster": { version: "1.36" } }, "2029-07-31")).filter((p) => p.startsWith("launchpad:database"))).toEqual([]);
    });
});

describe("runDate: the day of the run", () => {
    it("is midnight UTC of LAUNCHPAD_TODAY when set (the suite pins 2026-12-02), else now", () => {
        expect(process.env[TODAY_ENV]).toBe("2026-12-02");
        expect(runDate().toISOString()).toBe("2026-12-02T00:00:00.000Z");
        expect(runDate({ [TODAY_ENV]: "2027-01-15" }).toISOString()).toBe("2027-01-15T00:00:00.000Z");
        const before = Date.now();
        const now = runDate({}).getTime();
        expect(now >= before && now <= Date.now()).toBe(true);
    });

    it.each(["2026-02-30", "02/12/2026", "2026-12-02T10:00:00Z"])("refuses LAUNCHPAD_TODAY=%s", (value) => {
        expect(() => runDate({ [TODAY_ENV]: value })).toThrow(`LAUNCHPAD_TODAY: received ${JSON.stringify(value)}; expected a day such as "2026-12-02"`);
    });

    it("is what parseConfig uses when no now is given", () => {
        const { now: _now, ...rest } = input({ "launchpad:cluster": { version: "1.34" } }, "2026-12-01");
        void _now;
        expect(problemsOf(rest)).toEqual([
            `launchpad:cluster.version: received "1.34"; ${EKS_ALLOWED} (1.34 left EKS standard support on 2026-12-02: under upgradePolicy STANDARD, EKS upgrades it on its own)`,
        ]);
    });
});
