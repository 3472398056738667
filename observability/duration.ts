/**
 * Prometheus durations (`26h`, `1h30m`, `30d`) as seconds: the config holds them as text, the
 * thresholds that compare ages and durations need numbers.
 */
import { PROMETHEUS_DURATION_RE } from "../config/observability";

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Seconds in a Prometheus duration; throws on text that is not one (the config schema rejects it first). */
export function durationSeconds(text: string): number {
    if (!PROMETHEUS_DURATION_RE.test(text)) {
        throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
    }
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
        total += Number(m[1]) * UNIT_SECONDS[m[2]];
    }
    return total;
}

/** A number as PromQL and YAML show it: no floating-point noise (14.4 * 0.001 is 0.0144, not 0.014400000000000001). */
export function cleanNumber(value: number): number {
    return Number(value.toPrecision(12));
}

/**
 * Seconds as a Prometheus duration in days, hours, minutes, seconds and milliseconds (`2797200` is
 * `32d9h`, `1.5` is `1s500ms`): the inverse of `durationSeconds`, for descriptions. Milliseconds, since
 * the config's durations may have them (`restoreMaxDuration: "1h500ms"` is a Prometheus duration, and
 * the drill-missing threshold adds it to whole days).
 */
export function durationText(seconds: number): string {
    const millis = Math.round(seconds * 1000);
    if (!Number.isFinite(seconds) || millis <= 0 || Math.abs(millis - seconds * 1000) > 1e-6 * Math.max(1, millis)) {
        throw new RangeError(`durationText: received ${seconds}; expected a whole number of milliseconds above 0`);
    }
    let rest = millis;
    let out = "";
    for (const unit of ["d", "h", "m", "s", "ms"]) {
        const size = UNIT_SECONDS[unit] * 1000;
        const n = Math.floor(rest / size);
        rest -= n * size;
        out += n > 0 ? `${n}${unit}` : "";
    }
    return out;
}
