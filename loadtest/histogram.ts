/**
 * Latency percentiles in bounded memory: fixed log-linear buckets (the DDSketch layout: bucket `i`
 * holds values in `(MIN·γ^(i-1), MIN·γ^i]`, γ = (1+α)/(1-α)), so a run of any length keeps the same
 * ~1,000 counters.
 *
 * Error bound, stated and tested (tests/loadtest-histogram.test.ts): for every value in
 * [MIN_MS, MAX_MS], `quantile(p)` is within a relative `RELATIVE_ERROR` (1%) of the exact
 * nearest-rank value `sorted[ceil(p/100·n) - 1]` of the same samples (the rank in exact decimal
 * arithmetic: `nearestRankOf`). The rank walk is exact (bucket
 * order is value order), so the only error is the bucket's width: its representative
 * 2·MIN·γ^i/(γ+1) is within α of every value in the bucket. Values under MIN_MS count as MIN_MS,
 * over MAX_MS as MAX_MS; min, max, count and sum are kept exactly.
 */

/** α: the largest relative error of a reported percentile. */
export const RELATIVE_ERROR = 0.01;
/** The smallest latency told apart, ms (1 µs). */
export const MIN_MS = 0.001;
/** The largest, ms (10 minutes: longer than any request timeout). */
export const MAX_MS = 600_000;

const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Buckets 0..BUCKETS-1; bucket 0 holds everything at or under MIN_MS. */
export const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GAMMA) + 1;
/** Upper bound of each bucket. */
const UPPER = Float64Array.from({ length: BUCKETS }, (_, i) => MIN_MS * GAMMA ** i);

function bucketOf(ms: number): number {
    if (!(ms > MIN_MS)) {
        return 0;
    }
    if (ms >= UPPER[BUCKETS - 1]) {
        return BUCKETS - 1;
    }
    let i = Math.ceil(Math.log(ms / MIN_MS) / LOG_GAMMA);
    // The logarithm may land one bucket off at a boundary: settle it against the exact bounds.
    while (i < BUCKETS - 1 && ms > UPPER[i]) i++;
    while (i > 0 && ms <= UPPER[i - 1]) i--;
    return i;
}

/**
 * The nearest rank `ceil(p/100·n)` (1-based), in exact decimal arithmetic on `p` as written: a
 * threshold's `p(99.9)` is the decimal 99.9, and `String(p)` gives back those digits. In floating
 * point `99.9 * 41000 / 100` is 40959.00000000001, whose ceiling is one rank too many: with 41 slow
 * answers among 41,000 the exact p(99.9) is a fast one, and the next rank a slow one.
 */
export function nearestRankOf(p: number, n: number): number {
    const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(p));
    if (m === null) {
        throw new RangeError(`percentile ${p} is not a finite non-negative number`);
    }
    const [, whole, fraction = "", exponent = "0"] = m;
    // p = digits · 10^-scale
    const digits = BigInt(whole + fraction);
    const scale = fraction.length - Number(exponent);
    const num = digits * BigInt(n) * (scale < 0 ? 10n ** BigInt(-scale) : 1n);
    const den = 100n * (scale > 0 ? 10n ** BigInt(scale) : 1n);
    return Number((num + den - 1n) / den);
}

export class LatencyHistogram {
    private readonly counts = new Float64Array(BUCKETS);
    count = 0;
    sum = 0;
    min = Number.POSITIVE_INFINITY;
    max = Number.NEGATIVE_INFINITY;

    record(ms: number): void {
        const v = Math.min(Math.max(ms, MIN_MS), MAX_MS);
        this.counts[bucketOf(v)]++;
        this.count++;
        this.sum += v;
        this.min = Math.min(this.min, v);
        this.max = Math.max(this.max, v);
    }

    /** Adds another histogram's counts (a stage's into the run's). */
    merge(other: LatencyHistogram): void {
        for (let i = 0; i < BUCKETS; i++) {
            this.counts[i] += other.counts[i];
        }
        this.count += other.count;
        this.sum += other.sum;
        this.min = Math.min(this.min, other.min);
        this.max = Math.max(this.max, other.max);
    }

    reset(): void {
        this.counts.fill(0);
        this.count = 0;
        this.sum = 0;
        this.min = Number.POSITIVE_INFINITY;
        this.max = Number.NEGATIVE_INFINITY;
    }

    /**
     * The nearest-rank `p`th percentile (p in (0, 100]), within RELATIVE_ERROR of the exact one; null
     * with no samples. Clamped to the exact min and max, which only moves it closer. `p` 0 is the
     * exact minimum, as k6's `p(0)` is (grafana/k6 `metrics/sink.go` `TrendSink.P(0)`: the first sorted value).
     */
    quantile(p: number): number | null {
        if (this.count === 0) {
            return null;
        }
        if (!(p >= 0 && p <= 100)) {
            throw new RangeError(`percentile ${p} is not in [0, 100]`);
        }
        if (p === 0) {
            return this.min;
        }
        const rank = Math.max(1, nearestRankOf(p, this.count));
        let seen = 0;
        for (let i = 0; i < BUCKETS; i++) {
            seen += this.counts[i];
            if (seen >= rank) {
                const rep = i === 0 ? MIN_MS : (2 * UPPER[i]) / (GAMMA + 1);
                return Math.min(Math.max(rep, this.min), this.max);
            }
        }
        return this.max;
    }

    mean(): number | null {
        return this.count === 0 ? null : this.sum / this.count;
    }
}
