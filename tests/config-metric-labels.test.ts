/**
 * The metric contract's four label names (`launchpad:observability.metrics`) against the labels every
 * application series already has: a clash is refused in config, since at scrape time it renames or
 * overwrites a label and the alerts' selectors read nothing. The list the rule uses
 * (APP_SERIES_FIXED_LABELS) is held here to the two places that give a series its labels: the metric
 * catalogue and the managed scraper's pod job.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { APP_SERIES_FIXED_LABELS, appMetricsSchema } from "../config/observability";
import { metricCatalogue } from "../observability/catalogue";
import { scrapeConfiguration } from "../observability/scrape-config";
import { REQUIRED_CONFIG } from "./support/project";
import { problemsOf } from "./support/config";

const DEFAULTS = appMetricsSchema.parse({});
const CONTRACT_LABELS = [DEFAULTS.statusLabel, DEFAULTS.routeLabel, DEFAULTS.serviceLabel, DEFAULTS.colorLabel];

function metricsProblems(metrics: Record<string, string>): readonly string[] {
    return problemsOf({ project: "launchpad", stack: "staging", values: { ...REQUIRED_CONFIG, "launchpad:observability": { metrics } }, secretKeys: new Set() });
}

const FIXED = "expected a label name other than \"job\", \"instance\", \"namespace\", \"pod\", \"le\", \"queue\", which every application series already has";

describe("launchpad:observability.metrics label names", () => {
    it("accepts the defaults and any four distinct names of the application's own", () => {
        expect(metricsProblems({})).toEqual([]);
        expect(metricsProblems({ statusLabel: "status", routeLabel: "handler", serviceLabel: "app", colorLabel: "slot" })).toEqual([]);
    });

    it("refuses the color under the service's name, and a status label named like the route's, at the key the stack set", () => {
        expect(metricsProblems({ colorLabel: "service" })).toEqual([
            "launchpad:observability.metrics.colorLabel: received \"service\"; expected a label name of its own: serviceLabel is \"service\" too, and one series cannot hold both under one name",
        ]);
        expect(metricsProblems({ statusLabel: "route" })).toEqual([
            "launchpad:observability.metrics.statusLabel: received \"route\"; expected a label name of its own: routeLabel is \"route\" too, and one series cannot hold both under one name",
        ]);
    });

    // The pod job relabels the service and color first, then `namespace` and `pod` (observability/scrape-config.ts):
    // a service label named `namespace` would hold the namespace. A status label named `job` is renamed
    // exported_job by the scrape (no honor_labels on the pod job), so `code=~"5.."` would match nothing.
    it.each([
        ["serviceLabel", "namespace"],
        ["colorLabel", "pod"],
        ["statusLabel", "job"],
        ["routeLabel", "instance"],
        ["statusLabel", "le"],
        ["serviceLabel", "queue"],
    ])("refuses %s %j, a label every application series already has", (key, value) => {
        expect(metricsProblems({ [key]: value })).toEqual([
            `launchpad:observability.metrics.${key}: received ${JSON.stringify(value)}; ${FIXED} (a second label of that name is renamed exported_${value} or overwritten at scrape time, and the alerts read nothing)`,
        ]);
    });

    it("refuses a name Prometheus reserves (leading \"__\"), every problem at once", () => {
        expect(metricsProblems({ serviceLabel: "__name__", colorLabel: "__color" })).toEqual([
            "launchpad:observability.metrics.serviceLabel: received \"__name__\"; expected a label name not starting with \"__\", which Prometheus reserves and drops after relabelling",
            "launchpad:observability.metrics.colorLabel: received \"__color\"; expected a label name not starting with \"__\", which Prometheus reserves and drops after relabelling",
        ]);
    });
});

describe("APP_SERIES_FIXED_LABELS is what the catalogue and the scrape job give an application series", () => {
    it("the catalogue's application labels, beyond the contract's four, plus the scrape's job and instance", () => {
        const catalogue = metricCatalogue(DEFAULTS);
        const appLabels = new Set(Object.values(catalogue).filter((spec) => spec.producer === "app").flatMap((spec) => spec.labels));
        expect([...appLabels].filter((l) => !CONTRACT_LABELS.includes(l)).concat(["job", "instance"]).sort()).toEqual([...APP_SERIES_FIXED_LABELS].sort());
    });

    it("covers every label the managed scraper's pod job writes besides the service and color", () => {
        const config = parse(scrapeConfiguration("launchpad-staging", DEFAULTS)) as { scrape_configs: { job_name: string; relabel_configs: { target_label?: string }[] }[] };
        const podJob = config.scrape_configs.find((j) => j.job_name === "kubernetes-pods");
        const written = (podJob?.relabel_configs ?? []).map((r) => r.target_label).filter((l): l is string => l !== undefined && !l.startsWith("__"));
        expect(written).toEqual([DEFAULTS.serviceLabel, DEFAULTS.colorLabel, "namespace", "pod"]);
        expect(written.filter((l) => l !== DEFAULTS.serviceLabel && l !== DEFAULTS.colorLabel).every((l) => (APP_SERIES_FIXED_LABELS as readonly string[]).includes(l))).toBe(true);
    });
});
