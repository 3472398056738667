/**
 * When AWS Backup starts the stack's snapshot jobs, and how far the RDS windows must keep from it.
 * Owned here, not in `components/backup-plan.ts`, because config refuses windows that clash with it
 * (`config/database.ts`) and config must not import components.
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
