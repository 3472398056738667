/**
 * The AMP managed scraper's configuration holds to AWS's own: the one in
 * vendor/amp-scraper/default-scrape-configuration.yaml (see its SOURCE.md). AMP checks a
 * configuration when the scraper is created or updated, so a field it refuses fails `pulumi up` on
 * the aws.amp.Scraper. AMP's user guide has no list of the fields it accepts that we could find. So
 * the rule here is: use only fields that AWS's own configuration uses, which AMP is known to accept.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { input, named, planStack } from "./support/plan";

const VENDOR = join(__dirname, "..", "vendor", "amp-scraper");
const AWS_TEXT = readFileSync(join(VENDOR, "default-scrape-configuration.yaml"));

type ScrapeConfig = { global: Record<string, unknown>; scrape_configs: Record<string, unknown>[] };
const AWS = parse(AWS_TEXT.toString("utf8")) as ScrapeConfig;

/** Every key path of a YAML document, list items as `[]`: `scrape_configs[].relabel_configs[].action`. */
function fieldPaths(value: unknown, prefix = ""): string[] {
    if (Array.isArray(value)) {
        return value.flatMap((v) => fieldPaths(v, `${prefix}[]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => {
            const path = prefix === "" ? k : `${prefix}.${k}`;
            return [path, ...fieldPaths(v, path)];
        });
    }
    return [];
}

function job(config: ScrapeConfig, name: string): Record<string, unknown> {
    const found = config.scrape_configs.find((j) => j.job_name === name);
    if (found === undefined) throw new Error(`no ${name} job`);
    return found;
}

describe("the managed scraper's configuration, held to AWS's default scraper configuration", async () => {
    const plans = await Promise.all((["staging", "production"] as const).map(async (stack) => [stack, await planStack(stack)] as const));
    const planned = plans.map(([stack, plan]) => [stack, parse(String(input(named(plan, `launchpad-${stack}-observability-scraper`), "scrapeConfiguration"))) as ScrapeConfig] as const);

    it("the vendored copy is the one SOURCE.md records", () => {
        const source = readFileSync(join(VENDOR, "SOURCE.md"), "utf8");
        expect(source).toContain(`| sha256 of the copy | ${createHash("sha256").update(AWS_TEXT).digest("hex")} |`);
        expect(AWS.scrape_configs.map((j) => j.job_name)).toEqual(["pod_exporter", "cadvisor", "kubernetes-apiservers", "kube-proxy"]);
    });

    // A field AWS's configuration does not show (tls_config with a pod's service-account ca_file, say)
    // is one AMP may refuse, or one the scraper cannot honour: Prometheus drops a job whose ca_file it
    // cannot read ("unable to load specified CA cert", checked on Debian's prometheus 2.42).
    it.each(["staging", "production"] as const)("%s: every field it uses is one AWS's configuration uses", (stack) => {
        const config = planned.find(([s]) => s === stack)?.[1];
        const known = new Set(fieldPaths(AWS));
        expect([...new Set(fieldPaths(config))].filter((p) => !known.has(p))).toEqual([]);
    });

    // The scraper reaches every node's cAdvisor through one address (the API server's node proxy), so
    // every node's target has the same `instance`. AWS's labelmap puts the node's labels on the target,
    // kubernetes_io_hostname among them, and that is what keeps one node's `up` and node-level series
    // apart from another's. tests/alerts-live.test.ts shows it on a real Prometheus.
    it.each(["staging", "production"] as const)("%s: cAdvisor is scraped as AWS's own cadvisor job does, the node labels mapped first", (stack) => {
        const config = planned.find(([s]) => s === stack)?.[1] as ScrapeConfig;
        const { job_name: ours, ...scraping } = job(config, "kubernetes-cadvisor");
        const { job_name: theirs, ...aws } = job(AWS, "cadvisor");
        expect([ours, theirs]).toEqual(["kubernetes-cadvisor", "cadvisor"]);
        expect(scraping).toEqual(aws);
        expect((scraping.relabel_configs as { action?: string }[])[0]).toEqual({ action: "labelmap", regex: "__meta_kubernetes_node_label_(.+)" });
    });

    it("the application, kube-state-metrics and Pushgateway jobs keep the stack's namespace only", () => {
        for (const [stack, config] of planned) {
            for (const name of ["kubernetes-pods", "kube-state-metrics", "pushgateway"]) {
                expect({ stack, name, first: (job(config, name).relabel_configs as unknown[])[0] }).toEqual({
                    stack,
                    name,
                    first: { source_labels: ["__meta_kubernetes_namespace"], regex: `launchpad-${stack}`, action: "keep" },
                });
            }
        }
    });
});
