/**
 * The performance suite's range queries evaluate at the end they are given: Prometheus evaluates a
 * range query at start, start + step, ... up to end (prometheus docs/querying/api.md "Range
 * queries"), so a grid counted from the start could stop up to a step before the end and miss the
 * latest scrape. With the stack's 30 s scrapes that was the scrape showing a spike's recovery: a
 * fresh-clone CI run of tests/loadtest-recovery.test.ts called a recovered server "still over its
 * bound at the end of the run", depending on the scrape's phase.
 */
import { describe, expect, it } from "vitest";
import { queryRange, queryRangeBy } from "../loadtest/server";
import type { PrometheusGet } from "../scripts/prometheus";

/** A Prometheus that answers an empty matrix and keeps the parameters it was asked with. */
function recording(): { get: PrometheusGet; asked: Record<string, string>[] } {
    const asked: Record<string, string>[] = [];
    const get: PrometheusGet = (_path, params) => {
        asked.push({ ...params });
        return Promise.resolve({ status: 200, body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }) });
    };
    return { get, asked };
}

describe("range queries end their grid at the end they are given", () => {
    it.each([
        { start: 1000.401, end: 1060.217, step: 1, from: 1000.217 + 1 },
        { start: 1000, end: 1060, step: 1, from: 1000 },
        { start: 1000.9, end: 1600.2, step: 7, from: 1600.2 - 85 * 7 },
    ])("start $start, end $end, step $step: the first evaluation at $from, the last at the end", async ({ start, end, step, from }) => {
        const { get, asked } = recording();
        await queryRange(get, "up", start, end, step);
        await queryRangeBy(get, "up", "pod", start, end, step);
        for (const p of asked) {
            expect(Number(p.end)).toBe(end);
            expect(Number(p.start)).toBeCloseTo(from, 9);
            expect(Number(p.start)).toBeGreaterThanOrEqual(start);
            // Whole steps from the first evaluation to the end: the end itself is evaluated.
            const steps = (end - Number(p.start)) / step;
            expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-9);
        }
    });
});
