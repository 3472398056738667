/**
 * The dashboards' gate-verdict annotations (dashboards/common.ts `deliveryAnnotations`) on a real
 * PromQL engine: promtool's `promql_expr_test` evaluates each annotation's query at one step, as
 * Grafana's range query does at each of its 60 s steps, over series shaped as smoke/push.ts pushes
 * them and a scrape keeps them (every 30 s, the group's labels on each metric).
 *
 * Issue #12 asks for "annotations for each gate verdict". A color's first gate run creates its
 * group in the Pushgateway, and so the series: the query must mark that verdict too, not only the
 * ones whose timestamp changed an existing series' value.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { stringify } from "yaml";
import { appMetricsSchema } from "../config/observability";
import { deliveryAnnotations } from "../dashboards/common";
import { PUSH_JOBS, SMOKE_METRICS } from "../observability/catalogue";
import { describeWithPromtool, promtool } from "./support/promtool";

const METRICS = appMetricsSchema.parse({});
/** The annotation queries as the dashboards carry them: name -> PromQL. */
const QUERIES = Object.fromEntries(
    deliveryAnnotations({ metrics: METRICS, sharedPrometheus: false }).map((a) => {
        const built = a.build();
        return [built.name, built.expr ?? ""];
    }),
);

/** A scraped series of the gate's group: `_` while the group does not exist yet (promtool's notation for a missing sample). */
const gateSeries = (metric: string, color: string, values: string) => ({
    series: `${metric}{job="${PUSH_JOBS.smoke}",service="api",color="${color}"}`,
    values,
});
const passedLabels = (color: string) => `${SMOKE_METRICS.passed}{job="${PUSH_JOBS.smoke}",service="api",color="${color}"}`;

describeWithPromtool("promtool: the gate-verdict annotations mark every verdict, a color's first one included", (bin) => {
    const dir = mkdtempSync(join(tmpdir(), "launchpad-gate-annotations-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("a color's first verdict (its series new), a later one, and nothing for a verdict long past", async () => {
        // Scrapes every 30 s. Blue's first gate run finishes at 290 s and is scraped from 300 s (sample
        // 10): before it, no blue series at all. Green passed at 0 s and again at 590 s (sample 20).
        const test = {
            rule_files: [],
            evaluation_interval: "30s",
            tests: [{
                interval: "30s",
                input_series: [
                    gateSeries(SMOKE_METRICS.passed, "blue", "_x9 1x20"),
                    gateSeries(SMOKE_METRICS.lastRunTimestamp, "blue", "_x9 290x20"),
                    gateSeries(SMOKE_METRICS.passed, "green", "1x30"),
                    gateSeries(SMOKE_METRICS.lastRunTimestamp, "green", "0x19 590x10"),
                ],
                promql_expr_test: [
                    // 360 s: blue's first verdict is 70 s old; green's last one 360 s.
                    { expr: QUERIES["Gate passed"], eval_time: "6m", exp_samples: [{ labels: passedLabels("blue"), value: 1 }] },
                    { expr: QUERIES["Gate failed"], eval_time: "6m", exp_samples: [] },
                    // 420 s: blue's verdict is 130 s old, past the window; green's too.
                    { expr: QUERIES["Gate passed"], eval_time: "7m", exp_samples: [] },
                    // 660 s: green's second verdict, 70 s old.
                    { expr: QUERIES["Gate passed"], eval_time: "11m", exp_samples: [{ labels: passedLabels("green"), value: 1 }] },
                ],
            }],
        };
        const path = join(dir, "gate-annotations.test.yml");
        writeFileSync(path, stringify(test, { lineWidth: 0 }));
        const r = await promtool(bin, ["test", "rules", path]);
        expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
        expect(r.code).toBe(0);
    });
});
