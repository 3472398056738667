/**
 * k6 durations as k6 reads them, a stage's `duration` and a threshold's `delayAbortEval` (grafana/k6 `lib/types/types.go`
 * `ParseExtendedDuration`, its cases in `types_test.go`): a bare number is milliseconds ("500",
 * "1.5"); otherwise Go's `time.ParseDuration` (`[-+]?(digits[.digits] unit)+`, units ns, us, µs,
 * ms, s, m, h, in any order: "30s", "1m30s", "1.5m", "30s1m"), optionally after a whole number of
 * days ("1d", "1d12h"). k6 refuses a negative stage duration (`lib/executor/helpers.go`
 * `validateStages`), and so does this. One rule is stricter: the bare number is decimal (Go's
 * ParseFloat also reads "Inf", "NaN" and hexadecimal floats).
 */
export const DURATION_EXPECTED = "expected a duration as k6 reads it, not negative, such as \"30s\", \"1m30s\", \"1.5m\", \"1d\" or \"500ms\" (a bare number is milliseconds)";

/** Go's `time.ParseDuration` units, in nanoseconds (go/src/time/format.go `unitMap`). */
const GO_UNITS_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, "\u00b5s": 1e3, "\u03bcs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3_600e9 };

/** Nanoseconds of a Go duration (`time.ParseDuration`), or undefined when it is not one. */
function goDurationNs(text: string): number | undefined {
    let rest = text;
    let sign = 1;
    if (rest.startsWith("-") || rest.startsWith("+")) {
        sign = rest.startsWith("-") ? -1 : 1;
        rest = rest.slice(1);
    }
    if (rest === "0") return 0;
    if (rest === "") return undefined;
    let ns = 0;
    while (rest !== "") {
        // digits, an optional fraction, then the unit: every character up to the next digit or dot.
        const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest) as RegExpExecArray;
        const [all, whole, fraction = "", unit] = m;
        const perUnit = GO_UNITS_NS[unit];
        if ((whole === "" && fraction === "") || perUnit === undefined) return undefined;
        const digits = fraction.slice(0, 15);
        ns += Number(whole || "0") * perUnit + Math.trunc((Number(digits || "0") * perUnit) / 10 ** digits.length);
        rest = rest.slice(all.length);
    }
    return sign * ns;
}

/** Milliseconds of a k6 duration, or undefined when it is not one, or negative. */
export function parseDuration(text: string): number | undefined {
    let ns: number | undefined;
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
        ns = Number(text) * 1e6;
    } else {
        const d = text.indexOf("d");
        if (d < 0) {
            ns = goDurationNs(text);
        } else {
            const days = text.slice(0, d);
            const hours = d + 1 < text.length ? goDurationNs(text.slice(d + 1)) : 0;
            // ParseExtendedDuration: whole days (ParseInt), and a remainder that is not negative.
            if (!/^[-+]?\d+$/.test(days) || hours === undefined || hours < 0) return undefined;
            const n = Number(days);
            ns = n * 86_400e9 + (n < 0 ? -hours : hours);
        }
    }
    return ns === undefined || !Number.isFinite(ns) || ns < 0 ? undefined : ns / 1e6 + 0;
}
