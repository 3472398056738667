/**
 * The bounded-memory percentiles of the performance runner (`loadtest/histogram.ts`): within the
 * stated 1% of the exact nearest-rank value (ceil(p/100·n) in exact decimal arithmetic, `exactRank`
 * figure) on recorded samples, on generated ones (fast-check), at the edges, and in constant memory.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS, LatencyHistogram, MAX_MS, MIN_MS, nearestRankOf, RELATIVE_ERROR } from "../loadtest/histogram";
import { resolveCheck } from "../smoke/policy";
import { checkUrl, parseTarget, probe } from "../smoke/runner";
import { openClient } from "../smoke/transport";
import { startServer } from "./support/http-server";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/loadtest-histogram.test.ts", "the 2,000 requests to a local server");

const PERCENTILES = [1, 10, 50, 90, 95, 99, 99.9, 100];

/**
 * The nearest rank ceil(p/100·n) of `p` as a threshold writes it (a decimal, such as "99.9"), in
 * exact rational arithmetic: p's decimal text over a power of ten. Floating point is one rank off at
 * some counts (99.9 * 41000 / 100 = 40959.00000000001).
 */
function exactRank(p: number, n: number): number {
    // String(p): the shortest decimal that reads back as p, the digits the threshold wrote (p >= 1e-6 here: no exponent).
    const [whole, fraction = ""] = String(p).split(".");
    const num = BigInt(whole + fraction) * BigInt(n);
    const den = 100n * 10n ** BigInt(fraction.length);
    return Math.max(1, Number((num + den - 1n) / den));
}

function exact(samples: readonly number[], p: number): number {
    const sorted = Float64Array.from(samples).sort();
    return sorted[exactRank(p, sorted.length) - 1];
}

function histogramOf(samples: readonly number[]): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const s of samples) h.record(s);
    return h;
}

/** |estimate - exact| <= α·exact, with a hair of float slack. */
function expectWithinBound(samples: readonly number[]): void {
    const h = histogramOf(samples);
    for (const p of PERCENTILES) {
        const want = exact(samples, p);
        const got = h.quantile(p) as number;
        expect(Math.abs(got - want), `p(${p}): got ${got}, exact ${want}`).toBeLessThanOrEqual(RELATIVE_ERROR * want * (1 + 1e-12));
    }
}

/** A deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
    let a = seed;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

describe("LatencyHistogram: within 1% of the exact nearest-rank percentile", () => {
    it.skipIf(SKIP_TIMING)("on latencies recorded here: 2,000 requests through the runner's own client and probe to a local server, 20 at a time", async () => {
        // Each answer waits 0-15 ms, one in 20 up to 120 ms: a body and a tail, measured as the runner measures them.
        const server = await startServer((_req, res, n) => {
            setTimeout(() => {
                res.writeHead(200);
                res.end("ok");
            }, n % 20 === 0 ? 40 + (n % 80) : n % 16);
        });
        const target = server.url;
        const client = openClient(parseTarget(target) as URL, 20);
        const check = resolveCheck({ path: "/", method: "GET", expectStatus: 200 });
        const prepared = client.prepare(new URL(checkUrl(target, check.path)), { method: check.method, headers: check.headers, body: check.body });
        const recorded: number[] = [];
        try {
            await Promise.all(Array.from({ length: 20 }, async () => {
                for (let i = 0; i < 100; i++) {
                    const o = await probe(client, prepared, check, 5_000);
                    if (o.latencyMs !== undefined) recorded.push(o.latencyMs);
                }
            }));
        } finally {
            client.close();
            await server.close();
        }
        expect(recorded.length).toBe(2_000);
        expectWithinBound(recorded);
    });

    it("on a seeded log-normal body with a slow tail", () => {
        const r = rng(42);
        const samples = Array.from({ length: 50_000 }, () => {
            const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
            return r() < 0.02 ? 200 + r() * 2000 : Math.exp(1.5 + 0.6 * normal);
        });
        expectWithinBound(samples);
    });

    it("on a bimodal run (cache hits and misses) and on identical values", () => {
        const r = rng(7);
        expectWithinBound(Array.from({ length: 10_001 }, () => (r() < 0.7 ? 0.3 + r() * 0.2 : 80 + r() * 40)));
        expectWithinBound(Array.from({ length: 1000 }, () => 12.345));
    });

    it("at the edges: one sample, the smallest and the largest values told apart", () => {
        expectWithinBound([3.3]);
        expectWithinBound([MIN_MS, MIN_MS * 1.5, 1, MAX_MS / 2, MAX_MS]);
        const h = histogramOf([5]);
        expect([h.quantile(50), h.quantile(100), h.min, h.max, h.count]).toEqual([5, 5, 5, 5, 1]);
        expect(new LatencyHistogram().quantile(95)).toBeNull();
        // k6's p(0) is the minimum (grafana/k6 metrics/sink.go TrendSink.P): exact, not a bucket's representative.
        expect(histogramOf([3.3, 1.234, 7]).quantile(0)).toBe(1.234);
        expect(() => h.quantile(-1)).toThrow(RangeError);
        expect(() => h.quantile(100.5)).toThrow(RangeError);
    });

    it("at a fractional percentile whose rank floating point overshoots: p(99.9) of 41,000 is rank 40,959, not 40,960", () => {
        // 99.9 * 41000 / 100 is 40959.00000000001 in floating point: its ceiling took the next rank,
        // here the first slow answer (1000 ms) instead of the last fast one (10 ms).
        const samples = [...Array.from({ length: 40_959 }, () => 10), ...Array.from({ length: 41 }, () => 1000)];
        expect(exactRank(99.9, 41_000)).toBe(40_959);
        const got = histogramOf(samples).quantile(99.9) as number;
        expect(Math.abs(got - 10)).toBeLessThanOrEqual(RELATIVE_ERROR * 10);
        expectWithinBound(samples);
    });

    it("nearestRankOf: ceil(p/100·n) exactly, for p as written, at every count up to 200,000 for the usual fractional percentiles", () => {
        const wrong: string[] = [];
        for (const p of [0.1, 1.1, 12.3, 50, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100]) {
            for (let n = 1; n <= 200_000; n += n < 1000 ? 1 : 37) {
                if (nearestRankOf(p, n) !== exactRank(p, n)) wrong.push(`p(${p}) of ${n}: ${nearestRankOf(p, n)}, exact ${exactRank(p, n)}`);
            }
        }
        expect(wrong).toEqual([]);
        // Floating point's ceil((p·n)/100) is 40,960 here.
        expect(nearestRankOf(99.9, 41_000)).toBe(40_959);
        // A percentile JavaScript spells with an exponent ("1e-7"): 1e-9 of the samples.
        expect([nearestRankOf(1e-7, 2_000_000_000), nearestRankOf(0.0000001, 2_000_000_001)]).toEqual([2, 3]);
    });

    it("property: any samples in range, any percentile", () => {
        const sample = fc.double({ min: MIN_MS, max: MAX_MS, noNaN: true });
        fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 300 }), fc.double({ min: 0.1, max: 100, noNaN: true }), (samples, p) => {
            const want = exact(samples, p);
            const got = histogramOf(samples).quantile(p) as number;
            expect(Math.abs(got - want)).toBeLessThanOrEqual(RELATIVE_ERROR * want * (1 + 1e-12));
        }), { numRuns: 300 });
    });

    it("merging stage histograms gives the run's histogram exactly", () => {
        const r = rng(3);
        const a = Array.from({ length: 500 }, () => r() * 100);
        const b = Array.from({ length: 700 }, () => 50 + r() * 500);
        const merged = histogramOf(a);
        merged.merge(histogramOf(b));
        const whole = histogramOf([...a, ...b]);
        for (const p of PERCENTILES) expect(merged.quantile(p)).toBe(whole.quantile(p));
        expect([merged.count, merged.min, merged.max]).toEqual([whole.count, whole.min, whole.max]);
        expect(merged.sum).toBeCloseTo(whole.sum, 6);
    });
});

describe("LatencyHistogram: bounded memory", () => {
    it("has a fixed number of buckets (~1,000) whatever the number of samples", () => {
        expect(BUCKETS).toBe(1012); // ceil(log_γ(MAX_MS / MIN_MS)) + 1: 8 KiB of counters
        const h = new LatencyHistogram();
        const before = (h as unknown as { counts: Float64Array }).counts;
        for (let i = 0; i < 1_000_000; i++) h.record((i % 5000) / 10 + MIN_MS);
        expect((h as unknown as { counts: Float64Array }).counts).toBe(before);
        expect(before.length).toBe(BUCKETS);
        expect(h.count).toBe(1_000_000);
    });
});
