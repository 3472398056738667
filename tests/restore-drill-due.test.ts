/**
 * When a monthly restore drill counts as missing (LaunchpadRestoreDrillMissing): derived from the
 * restore testing plan's schedule (lib/backup-schedule.ts), not a number typed beside it. AWS Backup
 * API reference, RestoreTestingPlanForCreate: `ScheduleExpression` is "a CRON expression",
 * `StartWindowHours` "a value in hours after a restore test is scheduled before a job will be
 * canceled if it doesn't start successfully". A month without the day (the 31st in April) is skipped,
 * as in any cron; the AWS pages found here do not say so, which matters only for days 29 to 31, not
 * for the 15th the plan uses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { longestDrillIntervalDays, RESTORE_TEST_DAY_OF_MONTH, RESTORE_TEST_HOUR_UTC, RESTORE_TEST_SCHEDULE, RESTORE_TEST_START_WINDOW_HOURS } from "../lib/backup-schedule";
import { DRILL_GRACE_SECONDS, drillDueSeconds } from "../observability/alerts";
import { durationSeconds, durationText } from "../observability/duration";

describe("the longest interval between two drills", () => {
    // By hand: the 15th of January to the 15th of February is 31 days, and no two 15ths are further
    // apart; the 29th skips February in a common year (January 29 to March 29, 59 days), the 30th
    // every February (January 30 to March 30 of a leap year, 60 days); the 31st skips every 30-day
    // month, and August 31 to October 31 is 61 days.
    it.each([
        [1, 31],
        [15, 31],
        [28, 31],
        [29, 59],
        [30, 60],
        [31, 61],
    ])("day %i of every month: %i days", (day, days) => {
        expect(longestDrillIntervalDays(day)).toBe(days);
    });

    it("is the schedule's own day: the plan's cron is built from the same constants", () => {
        expect(RESTORE_TEST_SCHEDULE).toBe(`cron(0 ${RESTORE_TEST_HOUR_UTC} ${RESTORE_TEST_DAY_OF_MONTH} * ? *)`);
        expect(longestDrillIntervalDays()).toBe(longestDrillIntervalDays(RESTORE_TEST_DAY_OF_MONTH));
    });
});

describe("drillDueSeconds", () => {
    it("is the longest interval, the start window, the RTO and a day's grace: 32d9h with the default 1 h RTO", () => {
        expect(RESTORE_TEST_START_WINDOW_HOURS).toBe(8);
        expect(drillDueSeconds("1h")).toBe(31 * 86_400 + 8 * 3_600 + 3_600 + DRILL_GRACE_SECONDS);
        expect(durationText(drillDueSeconds("1h"))).toBe("32d9h");
        expect(durationText(drillDueSeconds("90m"))).toBe("32d9h30m");
        // A Prometheus duration the config accepts: the alerts' descriptions and the backups
        // dashboard's titles render it (they threw a RangeError: npm run rules and the plan crashed).
        expect(durationText(drillDueSeconds("1h500ms"))).toBe("32d9h500ms");
    });

    it("stays inside dr-metrics.sh's lookback, so a drill older than due is still pushed and its age alerts, rather than its absence", () => {
        const script = readFileSync(join(__dirname, "..", "scripts", "db", "dr-metrics.sh"), "utf8");
        const lookbacks = [...script.matchAll(/DRILL_LOOKBACK_DAYS:-(\d+)/g)].map((m) => Number(m[1]));
        expect(new Set(lookbacks)).toEqual(new Set([40]));
        // Even with a four-hour RTO.
        expect(drillDueSeconds("4h")).toBeLessThan(40 * 86_400);
    });
});

describe("durationText", () => {
    it.each([[1, "1s"], [90, "1m30s"], [3_600, "1h"], [86_400, "1d"], [2_797_200, "32d9h"], [90_061, "1d1h1m1s"]])("%i s is %s, and back", (seconds, text) => {
        expect(durationText(seconds)).toBe(text);
        expect(durationSeconds(text)).toBe(seconds);
    });

    it.each([[1.5, "1s500ms"], [0.001, "1ms"], [2_797_200.5, "32d9h500ms"]])("%d s is %s, and back: a config duration may have milliseconds", (seconds, text) => {
        expect(durationText(seconds)).toBe(text);
        expect(durationSeconds(text)).toBe(seconds);
    });

    it("refuses what is not a whole positive number of milliseconds", () => {
        expect(() => durationText(0)).toThrow("durationText: received 0; expected a whole number of milliseconds above 0");
        expect(() => durationText(0.0005)).toThrow("durationText: received 0.0005; expected a whole number of milliseconds above 0");
        expect(() => durationText(Number.NaN)).toThrow("durationText: received NaN; expected a whole number of milliseconds above 0");
    });
});
