/**
 * `npm run promote` against a REAL Prometheus (Debian's `prometheus`, started here on 127.0.0.1)
 * scraping a local exporter whose error share and latency each test sets, with the fake Automation
 * API stack of tests/support/fake-stack.ts (each update re-plans the stack, so the release history
 * is the program's own). Slow (each test waits out a short analysis window): runs under CI=true, or
 * with `npm run test:promote`; otherwise skipped with a loud message.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { promote } from "../scripts/promote";
import { IN_CI } from "./support/db-tools";
import { fakeStack } from "./support/fake-stack";
import { startKubeApi, type KubeApi } from "./support/kube-api";
import { PROMETHEUS, startExporter, startPrometheus, type Exporter, type PrometheusServer } from "./support/prometheus-server";
import { stackIdentifier } from "../lib/stack-name";

const RUN = IN_CI || process.env.LAUNCHPAD_PROMOTE_TEST === "1";
if (!RUN) {
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** promote: SKIPPING the real-Prometheus suite (set CI=true or run \`npm run test:promote\`; CI runs it)${PROMETHEUS === undefined ? "; prometheus not found: apt-get install -y prometheus" : ""} ***\n${bar}\n`);
}

describe.skipIf(!RUN)("npm run promote: post-switch analysis against a real Prometheus", () => {
    let kube: KubeApi;
    let exporter: Exporter;
    let prom: PrometheusServer;
    beforeAll(async () => {
        kube = await startKubeApi();
    });
    afterAll(async () => {
        await kube.close();
    });
    afterEach(async () => {
        await prom.stop();
        await exporter.close();
    });

    /** A fresh exporter and Prometheus per test: a 5-minute rate window must not mix tests' traffic. */
    async function setUp(blue: { errorShare: number; latencySeconds: number; rps: number }) {
        exporter = await startExporter("api");
        exporter.set("green", { rps: 50, errorShare: 0, latencySeconds: 0.02 });
        exporter.set("blue", blue);
        // The stack's namespace on each series, as the team's kubernetes-pods job attaches it: on a
        // shared Prometheus the analysis, like the alerts, reads this stack's namespace only.
        prom = await startPrometheus(exporter.url.replace("http://", ""), { labels: { namespace: stackIdentifier("launchpad", "staging") } });
        const fake = await fakeStack(kube, "staging", {
            sets: [`launchpad:observability.prometheusUrl=${prom.url}`, "launchpad:observability.analysis={interval: 2s, minRequests: 100}"],
            replan: true,
        });
        return fake;
    }
    const argv = ["--stack", "staging", "--service", "api", "--to", "blue", "--analysis", "6s"];

    it("healthy: exit 0, the release stays live and is the head of the release history", async () => {
        const fake = await setUp({ rps: 100, errorShare: 0, latencySeconds: 0.02 });
        const r = await promote(argv, { ...fake.deps });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        // Each check reads the time since the switch (2, 4, 6 s): a 2 s window may hold a single 1 s scrape, too few for
        // increase(), and judge nothing; the later ones judge.
        expect(r.stdout).toMatch(/^api: green -> blue\nswitched api to blue; analysing for 6 s, every 2 s\ncheck 1\/3: error ratio (0\.0000|none) \(threshold 0\.05\), p95 (0\.0\d+ s|none) \(threshold 1 s\), \d+ requests in 2s( \(below the minimum of 100: not judged\))?\n/);
        expect(r.stdout).toMatch(/\ncheck 3\/3: error ratio 0\.0000 \(threshold 0\.05\), p95 0\.0\d+ s \(threshold 1 s\), \d+ requests in 6s\n/);
        expect(r.stdout).toContain("passed: api \"ghcr.io/launchpad-test/api:1.4.2\"");
        expect(r.stdout).toContain("stays live on blue; recorded in the stack's releaseHistory");
        expect(fake.recorded.calls).toEqual(["set launchpad:services.api.activeColor=blue (path)", "up targetDependents=false"]);
        const history = (fake.outputs().releaseHistory as Record<string, { color: string; image: string }[]>).api;
        expect(history[0]).toMatchObject({ color: "blue", image: "ghcr.io/launchpad-test/api:1.4.2" });
    });

    it("errors over the threshold: switched back with the same targeted update, exit 1, both values printed", async () => {
        const fake = await setUp({ rps: 100, errorShare: 0.2, latencySeconds: 0.02 });
        const r = await promote(argv, { ...fake.deps });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^analysis failed for api on blue: error ratio 0\.\d+ \(threshold 0\.05\), p95 0\.0\d+ s \(threshold 1 s\)\n$/);
        const ratio = Number(/error ratio (0\.\d+)/.exec(r.stderr)?.[1]);
        expect(ratio).toBeGreaterThan(0.15);
        expect(ratio).toBeLessThan(0.25);
        expect(r.stdout.endsWith("switched back to green\n")).toBe(true);
        expect(fake.recorded.calls).toEqual([
            "set launchpad:services.api.activeColor=blue (path)", "up targetDependents=false",
            "set launchpad:services.api.activeColor=green (path)", "up targetDependents=false",
        ]);
        expect(fake.recorded.targets[1]).toEqual(fake.recorded.targets[0]);
        // The release that failed its analysis stays in the history, marked reverted: it admits nothing.
        const history = (fake.outputs().releaseHistory as Record<string, { color: string; image: string; reverted?: string }[]>).api;
        expect(history.slice(0, 3).map((e) => [e.color, e.image, e.reverted])).toEqual([
            ["green", "ghcr.io/launchpad-test/api:1.5.0", undefined],
            ["blue", "ghcr.io/launchpad-test/api:1.4.2", "2026-12-02T00:00:00.000Z"],
            ["green", "ghcr.io/launchpad-test/api:1.5.0", undefined],
        ]);
    });

    it("latency over the threshold: switched back, exit 1, the p95 printed", async () => {
        // Staging's stack file sets latencyP95Seconds 1 (and errorRatio 0.05): the tier's thresholds.
        const fake = await setUp({ rps: 100, errorShare: 0, latencySeconds: 2 });
        const r = await promote(argv, { ...fake.deps });
        expect(r.code).toBe(1);
        const p95 = Number(/p95 ([\d.]+) s/.exec(r.stderr)?.[1]);
        // Every request in the (1, 2.5] bucket: histogram_quantile interpolates 1 + 0.95 * 1.5.
        expect(p95).toBeCloseTo(2.425, 2);
        expect(r.stdout.endsWith("switched back to green\n")).toBe(true);
    });

    it("too little traffic: inconclusive, exit 3, traffic stays on blue", async () => {
        const fake = await setUp({ rps: 0.5, errorShare: 0.5, latencySeconds: 0.02 });
        const r = await promote(argv, { ...fake.deps });
        expect(r.code).toBe(3);
        expect(r.stdout).toContain("inconclusive: fewer than 100 requests in every check; traffic stays on blue, not verified");
        expect(fake.recorded.calls).toEqual(["set launchpad:services.api.activeColor=blue (path)", "up targetDependents=false"]);
    });

    // The new color's smoke and load gates reach it through its preview Service before the switch, and
    // its own metrics count them: each check reads the time since the switch, so they judge nothing.
    it("requests before the switch (a gate's burst) are not the analysis's: too little traffic since, inconclusive", async () => {
        const fake = await setUp({ rps: 300, errorShare: 0, latencySeconds: 0.02 });
        // A few scrapes of the burst (a thousand or more requests in a 5-minute window), then almost nothing.
        await new Promise((res) => setTimeout(res, 3_000));
        exporter.set("blue", { rps: 0.5, errorShare: 0, latencySeconds: 0.02 });
        const r = await promote(argv, { ...fake.deps });
        expect(r.stdout).toMatch(/\ncheck 1\/3: .*, \d+ requests in 2s \(below the minimum of 100: not judged\)\n/);
        expect(r.code).toBe(3);
        expect(r.stdout).toContain("inconclusive: fewer than 100 requests in every check; traffic stays on blue, not verified");
    });

    it("Prometheus gone during the analysis: exit 1, switched back, never called a pass", async () => {
        const fake = await setUp({ rps: 100, errorShare: 0, latencySeconds: 0.02 });
        const stopping = prom;
        const r = await promote(argv, {
            ...fake.deps,
            // The first sleep is after the switch: Prometheus stops there.
            sleep: async (ms) => {
                await stopping.stop();
                await new Promise((res) => setTimeout(res, ms));
            },
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/could not be queried during the analysis \(.*\): the analysis did not pass\n$/);
        expect(r.stdout).not.toContain("passed");
        expect(r.stdout.endsWith("switched back to green\n")).toBe(true);
    });
});
