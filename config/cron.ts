/**
 * Kubernetes CronJob schedules as the API server reads them, so a schedule it would refuse, or one
 * that would never start a job, is a config problem.
 *
 * Kubernetes validates `CronJob.spec.schedule` with robfig/cron v3 `ParseStandard`: five fields
 * (minute, hour, day of month, month, day of week), `*`, `?`, ranges, lists, steps, month and day
 * names (`jan`, `sun`, any case) and the `@yearly` .. `@hourly` descriptors; day of week is 0..6
 * (robfig/cron parser.go: `dow = bounds{0, 6, ...}`), and a day of month and a day of week both
 * restricted match either (Vixie cron). It has no `L`, `W` or `#`, and a `TZ=` prefix is refused by
 * the CronJob validation: schedules here are UTC. croner, a maintained parser with the same field
 * grammar and OR rule, reads ranges and tells whether the schedule ever fires; what it accepts
 * beyond robfig's grammar is refused first, and what robfig accepts beyond croner's is rewritten into
 * the values robfig reads before croner sees it: a step larger than the field (a minute step of 90 on `*`,
 * which croner refuses and robfig reads as minute 0 alone, parser.go `getRange`/`getBits`), and empty list
 * entries (`5,`: robfig splits with `strings.FieldsFunc`, which drops them, parser.go `getField`). Which
 * field is a star (what makes the OR rule an AND) is robfig's too: any `*` or `?` entry stepped by at most 1
 * (`isRobfigStar`), where croner counts only a field that is exactly "*".
 * Read at robfig/cron v3.0.1, its last release (parser.go's code unchanged up to bc59245).
 */
import { Cron } from "croner";

/**
 * robfig/cron v3's descriptors (parser.go `parseDescriptor`), less `@every <duration>`. Kubernetes
 * accepts that one too (`ParseStandard` takes every descriptor), but it names no time of day: the
 * CronJob controller counts the interval from the last scheduled time or the CronJob's creation
 * (kubernetes/kubernetes#109250, fixing #104012, where a controller restart restarted the count), so
 * the job runs at hours set by when its CronJob was created, not at a time the config names. Refused here.
 */
const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;
const FIELDS = ["minute", "hour", "day of month", "month", "day of week"] as const;
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** Each field's bounds in robfig/cron v3 (parser.go `minutes`, `hours`, `dom`, `months`, `dow`). */
const BOUNDS: readonly (readonly [number, number])[] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];

/** Why Kubernetes would refuse `schedule`, or never run it; undefined when it fires. */
export function kubernetesScheduleProblem(schedule: string, now: Date): string | undefined {
    // robfig's Parse tells a descriptor by a leading "@" and compares all of it, trailing blanks
    // included ("@daily " is an "unrecognized descriptor"); fields are split with strings.Fields.
    if (schedule.startsWith("@")) {
        return (DESCRIPTORS as readonly string[]).includes(schedule) ? undefined : `${JSON.stringify(schedule)} is not one of ${DESCRIPTORS.join(", ")}`;
    }
    const fields = schedule.split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 5) {
        return `${fields.length} field${fields.length === 1 ? "" : "s"} where a CronJob takes five (${FIELDS.join(", ")})`;
    }
    const readable: string[] = [];
    const firing: string[] = [];
    for (const [i, field] of fields.entries()) {
        const names = i === 3 ? MONTH_NAMES : i === 4 ? DAY_NAMES : [];
        const parts = field.split(",").filter((p) => p !== "");
        if (parts.length === 0) {
            // strings.FieldsFunc leaves no range: the field matches no value (robfig parser.go getField).
            return "it matches no date, so the job would never run";
        }
        readable.push(parts.map((part) => robfigStepValues(part, BOUNDS[i], names) ?? part).join(","));
        // A field with a `*` or `?` entry stepped by at most 1 is robfig's star, which decides how day of month
        // and day of week combine (spec.go dayMatches: either one a star, both must match; else either); croner
        // takes only a field that is exactly "*" for one (its starDOM/starDOW), so that is how the run is sought.
        firing.push(parts.some(isRobfigStar) ? "*" : readable[i]);
        for (const part of parts) {
            const [range, step] = part.split("/");
            const bounds = range.split("-");
            if (bounds.length > 1 && bounds.some((b) => b === "*" || b === "?")) {
                // robfig/cron's getRange reads a range starting at "*" or "?" as the whole field and never reads
                // what follows the "-" (parser.go, getRange); croner refused it as "illegal lower range (NaN)".
                return `${JSON.stringify(part)} is a range with "*" or "?" as a bound: write "*" for every ${FIELDS[i]}, or a range of numbers${names.length > 0 ? " or names" : ""}`;
            }
            if (bounds.length > 2) {
                return `${JSON.stringify(part)} has more than one "-"`;
            }
            for (const bound of bounds) {
                if (/^\d+$/.test(bound)) {
                    const [min, max] = BOUNDS[i];
                    if (Number(bound) < min || Number(bound) > max) {
                        return `${FIELDS[i]} ${bound} is out of range ${min}-${max}${i === 4 ? " (0 is Sunday; Kubernetes has no 7)" : ""}`;
                    }
                    continue;
                }
                if (bound === "*" || bound === "?" || names.includes(bound.toLowerCase())) {
                    continue;
                }
                return `${JSON.stringify(bound)} is not a value of the ${FIELDS[i]} field`;
            }
            if (step !== undefined && !/^\d+$/.test(step)) {
                return `${JSON.stringify(part)} has no whole-number step`;
            }
        }
    }
    const options = { paused: true, timezone: "UTC", mode: "5-part", domAndDow: false, sloppyRanges: true } as const;
    let cron: Cron;
    try {
        // Every entry as written goes through croner's grammar; the run is sought with the stars robfig sees.
        new Cron(readable.join(" "), options).stop();
        cron = new Cron(firing.join(" "), options);
    } catch (e) {
        return (e as Error).message.replace(/^CronPattern: /, "");
    }
    const next = cron.nextRun(now);
    cron.stop();
    return next === null ? "it matches no date, so the job would never run" : undefined;
}

/**
 * True for a list entry that gives robfig/cron's field its star bit: `*` or `?`, unstepped or with a
 * step of 1 (parser.go getRange: `extra = starBit` for a `*` or `?` range, cleared only `if step > 1`;
 * the step read by strconv.Atoi, so `*\/01` is a step of 1). The field then holds every value as well.
 */
function isRobfigStar(part: string): boolean {
    return /^[*?](\/0*1)?$/.test(part);
}

/**
 * The values robfig/cron reads from a stepped range, as a list croner takes, when the step passes the
 * range's end (parser.go getRange: `*`/`?` is the field's bounds, `N/step` runs from N to the
 * field's maximum, and getBits steps from the start while it is <= the end, so `*` with a minute step
 * of 90 is minute 0 alone); croner refuses a step larger than the field. Undefined for anything else,
 * which croner reads as robfig does, or which is refused on its own.
 */
function robfigStepValues(part: string, [min, max]: readonly [number, number], names: readonly string[]): string | undefined {
    const [range, step, ...rest] = part.split("/");
    if (step === undefined || rest.length > 0 || !/^\d+$/.test(step)) return undefined;
    const bound = (b: string): number | undefined =>
        /^\d+$/.test(b) ? Number(b) : names.includes(b.toLowerCase()) ? names.indexOf(b.toLowerCase()) + (names === MONTH_NAMES ? 1 : 0) : undefined;
    const bounds = range.split("-");
    const start = range === "*" || range === "?" ? min : bound(bounds[0]);
    const end = range === "*" || range === "?" || bounds.length === 1 ? max : bounds.length === 2 ? bound(bounds[1]) : undefined;
    if (start === undefined || end === undefined || start < min || end > max || start > end || Number(step) === 0 || Number(step) <= end - start) return undefined;
    return String(start);
}
