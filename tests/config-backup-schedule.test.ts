/**
 * The RDS windows keep clear of the backup plan's start window (issue 13, class 2: config refuses
 * what the services would trip over). AWS Backup starts no RDS snapshot during a maintenance window
 * or in the hour before it (AWS Backup Developer Guide, plan-options-and-configuration.html, "Backup
 * window"), and an RDS automated backup "continues after the window ends until it finishes" (RDS User
 * Guide, USER_ManagingAutomatedBackups.html): a window near 05:00 UTC makes the daily snapshot job wait
 * and expire. Checked as a pure rule table and through `npm run plan` (exit 2, the exact line).
 */
import { describe, expect, it } from "vitest";
import { backupPlanRules, tierSchedule } from "../components/backup-plan";
import { backupScheduleProblems } from "../config/database";
import { BACKUP_HOUR_UTC, backupStartWindowText, START_WINDOW_MINUTES, touchesBackupStartWindow } from "../lib/backup-schedule";
import { planCli } from "../scripts/plan";
import { planWithSets, refused } from "./support/config";

const BACKUP_EXPECTED = "expected a daily window that ends at least 60 minutes before the backup plan's 05:00 UTC start, or begins after its start window (05:00-06:00 UTC) closes: RDS runs an automated backup past its window until it finishes, and AWS Backup's snapshot job would wait for it";
const MAINTENANCE_EXPECTED = "expected a weekly window that ends by the backup plan's 05:00 UTC start, or begins at least 60 minutes after its start window (05:00-06:00 UTC) closes: AWS Backup starts no RDS snapshot during a maintenance window or in the 60 minutes before it";
/** A maintenance window far from 05:00, so a backup window row is judged on its own. */
const FAR = "wed:12:00-wed:12:30";

describe("the start window the rule guards is the plan's own", () => {
    it("is every rule's schedule hour and startWindow", () => {
        expect(backupStartWindowText()).toBe("05:00-06:00");
        const rules = backupPlanRules({ vaultName: "v", drVaultArn: "arn:dr" });
        expect(new Set(rules.map((r) => r.startWindow))).toEqual(new Set([START_WINDOW_MINUTES]));
        for (const r of rules) {
            expect(r.schedule).toMatch(new RegExp(`^cron\\(0 ${BACKUP_HOUR_UTC} `));
        }
        expect(tierSchedule("weekly", 3)).toBe(`cron(0 ${BACKUP_HOUR_UTC} ? * WED *)`);
    });
});

describe("backupScheduleProblems (pure rule table)", () => {
    const rows: readonly { backup: string; maintenance: string; keys: readonly ("backupWindow" | "maintenanceWindow")[] }[] = [
        // The committed stacks' windows.
        { backup: "03:00-03:30", maintenance: "sun:04:00-sun:05:00", keys: [] },
        // Backup window: must end by 04:00 or start at 06:00 or later.
        { backup: "03:30-04:00", maintenance: FAR, keys: [] },
        { backup: "03:31-04:01", maintenance: FAR, keys: ["backupWindow"] },
        { backup: "04:30-05:00", maintenance: FAR, keys: ["backupWindow"] },
        { backup: "04:45-05:15", maintenance: FAR, keys: ["backupWindow"] },
        { backup: "05:59-06:29", maintenance: FAR, keys: ["backupWindow"] },
        { backup: "06:00-06:30", maintenance: FAR, keys: [] },
        { backup: "23:40-00:10", maintenance: FAR, keys: [] },
        { backup: "02:00-05:00", maintenance: FAR, keys: ["backupWindow"] },
        { backup: "06:00-04:30", maintenance: FAR, keys: ["backupWindow"] },
        // Maintenance: must end by 05:00 or start at 07:00 or later, on whichever day.
        { backup: "03:00-03:30", maintenance: "sun:04:30-sun:05:00", keys: [] },
        { backup: "03:00-03:30", maintenance: "sun:04:30-sun:05:01", keys: ["maintenanceWindow"] },
        { backup: "03:00-03:30", maintenance: "tue:05:00-tue:05:30", keys: ["maintenanceWindow"] },
        { backup: "03:00-03:30", maintenance: "tue:06:59-tue:07:30", keys: ["maintenanceWindow"] },
        { backup: "03:00-03:30", maintenance: "tue:07:00-tue:07:30", keys: [] },
        { backup: "03:00-03:30", maintenance: "sun:23:00-mon:06:30", keys: ["maintenanceWindow"] },
        { backup: "04:30-05:00", maintenance: "mon:05:30-mon:06:00", keys: ["backupWindow", "maintenanceWindow"] },
    ];
    it.each(rows)("backup $backup, maintenance $maintenance: $keys", ({ backup, maintenance, keys }) => {
        const problems = backupScheduleProblems(backup, maintenance, (v) => JSON.stringify(v));
        expect(problems).toEqual(keys.map((k) => k === "backupWindow"
            ? `launchpad:database.backupWindow: received ${JSON.stringify(backup)}; ${BACKUP_EXPECTED}`
            : `launchpad:database.maintenanceWindow: received ${JSON.stringify(maintenance)}; ${MAINTENANCE_EXPECTED}`));
    });

    it("touchesBackupStartWindow wraps past midnight and before it", () => {
        expect(touchesBackupStartWindow(4 * 60, 60)).toBe(false);
        expect(touchesBackupStartWindow(4 * 60, 61)).toBe(true);
        expect(touchesBackupStartWindow(6 * 60, 23 * 60)).toBe(false);
        expect(touchesBackupStartWindow(6 * 60, 23 * 60 + 1)).toBe(true);
        expect(touchesBackupStartWindow(-60, 6 * 60)).toBe(false);
        expect(touchesBackupStartWindow(-60, 6 * 60 + 1)).toBe(true);
    });
});

describe("npm run plan refuses RDS windows that clash with the backup plan's start: exit 2, one exact line", () => {
    const REFUSED: readonly { sets: readonly string[]; problem: string }[] = [
        { sets: ["launchpad:database.backupWindow=04:30-05:00", `launchpad:database.maintenanceWindow=${FAR}`], problem: `launchpad:database.backupWindow: received "04:30-05:00"; ${BACKUP_EXPECTED}` },
        { sets: ["launchpad:database.backupWindow=04:01-04:31", `launchpad:database.maintenanceWindow=${FAR}`], problem: `launchpad:database.backupWindow: received "04:01-04:31"; ${BACKUP_EXPECTED}` },
        { sets: ["launchpad:database.backupWindow=05:30-06:00"], problem: `launchpad:database.backupWindow: received "05:30-06:00"; ${BACKUP_EXPECTED}` },
        { sets: ["launchpad:database.maintenanceWindow=sun:05:00-sun:05:30"], problem: `launchpad:database.maintenanceWindow: received "sun:05:00-sun:05:30"; ${MAINTENANCE_EXPECTED}` },
        { sets: ["launchpad:database.maintenanceWindow=sun:06:30-sun:07:00"], problem: `launchpad:database.maintenanceWindow: received "sun:06:30-sun:07:00"; ${MAINTENANCE_EXPECTED}` },
    ];
    it.each(REFUSED)("staging $sets", async ({ sets, problem }) => {
        expect(await planWithSets("staging", sets)).toEqual(refused("staging", problem));
    });

    it("accepts windows an hour clear of it, before and after", async () => {
        const r = await planCli([
            "--stack", "production",
            "--set", "launchpad:database.backupWindow=06:00-06:30",
            "--set", "launchpad:database.maintenanceWindow=sun:07:00-sun:07:30",
        ]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});
