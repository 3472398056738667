/**
 * When AWS Backup starts the stack's snapshot jobs and its restore drills, and how far the RDS
 * windows must keep from the former. Owned here, not in `components/backup-plan.ts`, because config
 * refuses windows that clash with them (`config/database.ts`) and the drill alert
 * (`observability/alerts.ts`) knows when a drill is due; neither may import components.
 */

/** Every rule of the backup plan starts at 05:00 UTC (daily, weekly, monthly, yearly, continuous). */
export const BACKUP_HOUR_UTC = 5;
/** Minutes a job may wait to start before AWS Backup gives up on it: the plan's start window. */
export const START_WINDOW_MINUTES = 60;

/**
 * Minutes an RDS window must keep clear of the plan's start window, before it.
 * Maintenance: AWS Backup starts no snapshot of a database service in the hour before or during its
 * maintenance window (AWS Backup Developer Guide, plan-options-and-configuration.html, "Backup
 * window"; Aurora is exempt, RDS instances are not; FSx keeps four hours). That section's own words
 * were not retrievable here (the search tool returns the page's opening only); the rule is as a
 * dated digest of that page states it ("AWS database services cannot start backups 1 hour before or
 * during maintenance windows", 2026-03-12), so re-read the page when changing it. Automated backup: "If the backup requires more
 * time than allotted to the backup window, the backup continues after the window ends until it
 * finishes" (RDS User Guide, USER_ManagingAutomatedBackups.html, "Backup window"), and meanwhile the
 * instance is `backing-up`, not `available` (Overview.DBInstance.Status.html); an hour of margin keeps
 * a 30-minute window's overrun out of the start window.
 */
export const RDS_WINDOW_MARGIN_MINUTES = 60;

const DAY_MINUTES = 24 * 60;

/** The plan's daily start window as UTC `hh:mm-hh:mm` (`05:00-06:00`), for messages and docs. */
export function backupStartWindowText(): string {
    const hhmm = (m: number): string => `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    const start = BACKUP_HOUR_UTC * 60;
    return `${hhmm(start)}-${hhmm((start + START_WINDOW_MINUTES) % DAY_MINUTES)}`;
}

/**
 * True when the span of `length` minutes starting at minute-of-day `start` (it may wrap past
 * midnight, and past a day for a weekly window) shares a minute with the plan's start window on any day.
 */
export function touchesBackupStartWindow(start: number, length: number): boolean {
    const windowStart = BACKUP_HOUR_UTC * 60;
    for (let m = 0; m < length; m++) {
        const minute = (((start + m) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
        if (minute >= windowStart && minute < windowStart + START_WINDOW_MINUTES) {
            return true;
        }
    }
    return false;
}

/** Restore drills (the restore testing plan) start on this day of every month, away from the monthly and yearly backups on the 1st. */
export const RESTORE_TEST_DAY_OF_MONTH = 15;
/** The hour, UTC, at which they start. */
export const RESTORE_TEST_HOUR_UTC = 6;
/** The restore testing plan's schedule: AWS Backup's cron (minutes hours day-of-month month day-of-week year), in UTC. */
export const RESTORE_TEST_SCHEDULE = `cron(0 ${RESTORE_TEST_HOUR_UTC} ${RESTORE_TEST_DAY_OF_MONTH} * ? *)`;
/**
 * Hours a drill may wait to start: the restore testing plan's start window, "after a restore test is
 * scheduled before a job will be canceled if it doesn't start successfully" (AWS Backup API
 * reference, RestoreTestingPlanForCreate, StartWindowHours).
 */
export const RESTORE_TEST_START_WINDOW_HOURS = 8;

/**
 * The most days between two scheduled starts of a drill on `dayOfMonth`: 31 for the 15th (from the
 * 15th of a 31-day month to the next). Counted over eight years of the calendar, leap years
 * included; a month without that day (the 31st in April) is taken to have no drill, as in cron.
 */
export function longestDrillIntervalDays(dayOfMonth = RESTORE_TEST_DAY_OF_MONTH): number {
    let longest = 0;
    let previous: number | undefined;
    for (let month = 0; month < 8 * 12; month++) {
        const start = Date.UTC(2024, month, dayOfMonth);
        if (new Date(start).getUTCDate() !== dayOfMonth) {
            continue;
        }
        if (previous !== undefined) {
            longest = Math.max(longest, (start - previous) / (DAY_MINUTES * 60_000));
        }
        previous = start;
    }
    return longest;
}
