/**
 * "Our EKS or an existing cluster" decided once (issue 16): the Environment branches once
 * (`components/environment.ts`), and what the choice implies beyond the cluster (a data layer, cAdvisor
 * scraped) has one answer in config/cluster.ts, which the alerts read instead of asking the mode again.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { existingPlacement } from "../components/environment";
import { parseConfig, type LaunchpadConfig } from "../config";
import { hasDataLayer, scrapesContainerMetrics } from "../config/cluster";
import { alertContext } from "../observability/alerts";
import { stagingConfig } from "./support/project";
import { EXISTING_NETWORK } from "./support/config";

function config(values: Record<string, unknown>, secretKeys: string[] = []): LaunchpadConfig {
    return parseConfig({ project: "launchpad", stack: "shared", values: stagingConfig(values), secretKeys: new Set(secretKeys), offlinePlan: true });
}

const existing = (extra: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}): LaunchpadConfig =>
    config({ "launchpad:cluster": { kubeconfig: "apiVersion: v1", ...cluster }, ...extra }, ["launchpad:cluster"]);

describe("the cluster choice's consequences, answered once", () => {
    it.each([
        ["Launchpad's EKS", () => config({}), true],
        ["an existing cluster without network.existing", () => existing(), false],
        ["an existing cluster with network.existing", () => existing({ "launchpad:network": { existing: EXISTING_NETWORK } }), true],
    ])("%s: data layer %s, and the alerts and the Environment's placement agree", (_, make, data) => {
        const c = make();
        expect(hasDataLayer(c.cluster)).toBe(data);
        expect(alertContext(c).data !== undefined).toBe(data);
        // Launchpad's EKS always places the data layer in its own VPC (Environment.ownCluster).
        const placed = c.cluster.mode === "existing" ? existingPlacement(c.cluster) !== undefined : true;
        expect(placed).toBe(data);
    });

    it.each([
        ["Launchpad's EKS with a managed Prometheus (its scraper reads cAdvisor)", () => config({}), true],
        ["Launchpad's EKS with the team's Prometheus", () => config({ "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" } }), false],
        ["an existing cluster that declares none", () => existing({ "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" } }), false],
        ["an existing cluster that declares it", () => existing({ "launchpad:observability": { prometheusUrl: "https://prometheus.shop.internal" } }, { provides: { containerMetrics: true } }), true],
    ])("%s: cAdvisor scraped %s", (_, make, scraped) => {
        const c = make();
        expect(scrapesContainerMetrics(c.cluster, c.observability.backend)).toBe(scraped);
        expect(alertContext(c).containerMetrics).toBe(scraped);
    });

    it("no module outside config/cluster.ts and the Environment asks the config which kind of cluster it is: not even the cluster components' file, whose two classes each know their own kind", () => {
        const root = path.resolve(__dirname, "..");
        const allowed = new Set(["config/cluster.ts", "components/environment.ts"]);
        const asks = /\.mode\s*[!=]==\s*"(eks|existing)"|cluster\??\.network\s*[!=]==\s*undefined|cluster\??\.kubeconfig\s*[!=]==\s*undefined/;
        const found: string[] = [];
        for (const dir of ["config", "lib", "components", "observability", "dashboards", "scripts", "policies", "plan", "smoke", "loadtest"]) {
            for (const f of readdirSync(path.join(root, dir)).filter((n) => n.endsWith(".ts")).sort()) {
                const file = `${dir}/${f}`;
                readFileSync(path.join(root, file), "utf8").split("\n").forEach((line, i) => {
                    if (!allowed.has(file) && asks.test(line)) {
                        found.push(`${file}:${i + 1}: ${line.trim()}`);
                    }
                });
            }
        }
        expect(found).toEqual([]);
    });

    it("the Environment decides it in one branch, with no casts and no test of a cluster output for undefined (issue 16, item 2)", () => {
        const root = path.resolve(__dirname, "..");
        const env = readFileSync(path.join(root, "components/environment.ts"), "utf8");
        expect(env.match(/\.mode\s*[!=]==\s*"(eks|existing)"/g)).toEqual(['.mode === "eks"']);
        expect(env).not.toMatch(/\bas pulumi\.Output</);
        expect(env).not.toMatch(/\b(clusterName|clusterArn|oidcProviderArn|oidcIssuerUrl|nodeRoleArn|endpoint|network)\s*[!=]==\s*undefined/);
        // Elsewhere a cast to an Output is only a StackReference's untyped getOutput, never a cluster value.
        const casts: string[] = [];
        for (const f of readdirSync(path.join(root, "components")).filter((n) => n.endsWith(".ts")).sort()) {
            readFileSync(path.join(root, "components", f), "utf8").split("\n").forEach((line, i) => {
                if (/\bas pulumi\.Output</.test(line) && !/\.getOutput\(/.test(line)) {
                    casts.push(`components/${f}:${i + 1}: ${line.trim()}`);
                }
            });
        }
        expect(casts).toEqual([]);
    });
});
