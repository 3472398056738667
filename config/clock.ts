/**
 * The day of the run, for the rules that follow a calendar (EKS and RDS standard support).
 *
 * `LAUNCHPAD_TODAY=YYYY-MM-DD` fixes the day: the tests pin it (vitest.config.mts) so they keep
 * passing when the calendar moves, and an offline plan can be checked as of another day. Unset, the
 * day is today (UTC).
 */

/** The environment variable that fixes the day of the run. */
export const TODAY_ENV = "LAUNCHPAD_TODAY";

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The run's "now": midnight UTC of `LAUNCHPAD_TODAY` when it is set, else the current time.
 * Throws a RangeError when the variable is set to anything but a calendar day.
 */
export function runDate(env: Readonly<Record<string, string | undefined>> = process.env): Date {
    const fixed = env[TODAY_ENV];
    if (fixed === undefined || fixed === "") {
        return new Date();
    }
    const at = new Date(`${fixed}T00:00:00Z`);
    if (!DAY_RE.test(fixed) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== fixed) {
        throw new RangeError(`${TODAY_ENV}: received ${JSON.stringify(fixed)}; expected a day such as "2026-12-02"`);
    }
    return at;
}

/** The UTC day (`YYYY-MM-DD`) of a time. */
export function utcDay(at: Date): string {
    return at.toISOString().slice(0, 10);
}
