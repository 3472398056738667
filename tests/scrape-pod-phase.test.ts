/**
 * The managed scraper's `kubernetes-pods` job (observability/scrape-config.ts): its relabelling run
 * by a real Prometheus (Debian's `prometheus`) over the targets Kubernetes pod discovery gives.
 * Discovery lists a pod with its IP whatever its phase (prometheus/prometheus
 * discovery/kubernetes/pod.go skips only a pod without one, and labels each target
 * `__meta_kubernetes_pod_phase`), so a Failed pod that keeps its IP until it is garbage-collected
 * (prometheus/prometheus#10755), or a Pending one still in its init container, was a target: `up` 0
 * for as long (LaunchpadTargetDown), or another pod's metrics once its IP is reused, under the old
 * pod's service and color. The job drops them, as the prometheus chart's kubernetes-pods job does
 * (prometheus-community/helm-charts charts/prometheus/values.yaml at 8935825). Prometheus's own
 * targets API says which remain.
 *
 * Debian's Prometheus is built without Kubernetes discovery ("field kubernetes_sd_configs not found
 * in type config.ScrapeConfig"), so the job's discovery is replaced by static targets carrying the
 * labels pod.go gives each container port (`__address__` `<pod IP>:<port>`, the namespace, name,
 * phase, each pod label and annotation sanitized), as tests/alerts-live.test.ts feeds the cAdvisor
 * job node discovery's labels; the relabel rules are the planned ones, untouched.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../config";
import { ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { SCRAPE_JOBS } from "../observability/catalogue";
import { podMetaLabel, scrapeAnnotations, scrapeConfiguration } from "../observability/scrape-config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";
import { freePort, IN_CI, which } from "./support/db-tools";
import { scratchDir, scratchFile } from "./support/scratch";

const PROMETHEUS = which("prometheus");
const NAMESPACE = "launchpad-staging";
const PORT = 8080;

const sc = loadStackConfig({ root: REPO_ROOT, stack: "staging", sets: [] });
const M = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true }).observability.metrics;

/**
 * True when the suite is skipped, said loudly: a local run without LAUNCHPAD_PROMETHEUS_TEST=1 (`npm run
 * test:prometheus`; about 5 s of a worker waiting on scrapes), or no Prometheus, unless under CI=true,
 * where the test below fails instead.
 */
function skipWithoutPrometheus(): boolean {
    if (!IN_CI && process.env.LAUNCHPAD_PROMETHEUS_TEST !== "1") {
        const bar = "!".repeat(100);
        console.warn(`\n${bar}\n*** pod phases: SKIPPING tests/scrape-pod-phase.test.ts (a real Prometheus, about 5 s of scrapes).\n` +
            `Run it with: npm run test:prometheus   (CI=true always runs it)\n${bar}\n`);
        return true;
    }
    if (PROMETHEUS !== undefined) return false;
    if (!IN_CI) {
        const bar = "!".repeat(100);
        console.warn(`\n${bar}\n*** pod phases: SKIPPING tests/scrape-pod-phase.test.ts: prometheus not found on this machine.\n` +
            `Install it with: apt-get install -y prometheus\n(With CI=true these tests fail instead of skipping.)\n${bar}\n`);
    }
    return true;
}

/**
 * The target group pod discovery makes of a serving pod of the api service's blue color, annotated
 * for the scrape, in `phase` with an IP: its one container port.
 */
function pod(name: string, ip: string, phase: "Pending" | "Running" | "Succeeded" | "Failed"): Record<string, unknown> {
    const labels = { [SELECTOR_LABELS.app]: "api", [SELECTOR_LABELS.color]: "blue", [ROLE_LABEL]: ROLES.workload };
    return {
        targets: [`${ip}:${PORT}`],
        labels: {
            __meta_kubernetes_namespace: NAMESPACE,
            __meta_kubernetes_pod_name: name,
            __meta_kubernetes_pod_phase: phase,
            __meta_kubernetes_pod_ip: ip,
            __meta_kubernetes_pod_container_name: "app",
            __meta_kubernetes_pod_container_port_number: String(PORT),
            ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [podMetaLabel("label", k), v])),
            ...Object.fromEntries(Object.entries(scrapeAnnotations(PORT)).map(([k, v]) => [podMetaLabel("annotation", k), v])),
        },
    };
}

/** The pods: one running, and the three phases a pod keeps its IP in while it serves nothing. */
const PODS = [
    pod("api-blue-running", "10.0.1.10", "Running"),
    pod("api-blue-evicted", "10.0.1.11", "Failed"),
    pod("api-blue-initializing", "10.0.1.12", "Pending"),
    pod("api-blue-completed", "10.0.1.13", "Succeeded"),
];

let prometheus: ChildProcess | undefined;
let prometheusPort = 0;
let log = "";

interface TargetsAnswer {
    readonly data: {
        readonly activeTargets: readonly { readonly labels: Record<string, string>; readonly scrapePool: string }[];
        readonly droppedTargets: readonly { readonly discoveredLabels: Record<string, string> }[];
    };
}

async function targets(): Promise<TargetsAnswer["data"]> {
    const r = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets?state=any`);
    return ((await r.json()) as TargetsAnswer).data;
}

describe.skipIf(skipWithoutPrometheus() && !IN_CI)("the kubernetes-pods job's relabelling on a real Prometheus: only running pods are targets", () => {
    beforeAll(async () => {
        // Under CI=true without Prometheus, the test below fails on it.
        if (PROMETHEUS === undefined) return;
        const planned = parse(scrapeConfiguration(NAMESPACE, M)) as { scrape_configs: Record<string, unknown>[] };
        const job = planned.scrape_configs.find((j) => j.job_name === SCRAPE_JOBS.pods);
        const dir = scratchDir("pod-phase");
        const config = scratchFile("pod-phase", "prometheus.yml", stringify({
            global: { scrape_interval: "1s", scrape_timeout: "1s" },
            scrape_configs: [{ ...Object.fromEntries(Object.entries(job ?? {}).filter(([k]) => k !== "kubernetes_sd_configs")), static_configs: PODS }],
        }));
        prometheusPort = await freePort();
        prometheus = spawn(PROMETHEUS ?? "prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], { stdio: ["ignore", "pipe", "pipe"] });
        const keep = (b: Buffer): void => {
            log = (log + b.toString()).slice(-20_000);
        };
        prometheus.stdout?.on("data", keep);
        prometheus.stderr?.on("data", keep);
    }, 30_000);

    afterAll(async () => {
        if (prometheus !== undefined && prometheus.exitCode === null) {
            const exited = new Promise<void>((resolve) => prometheus?.once("exit", () => resolve()));
            prometheus.kill("SIGTERM");
            await exited;
        }
    });

    it("of four discovered pods, keeps the Running one alone, at its port, with its service and color", async () => {
        expect({ prometheus: PROMETHEUS !== undefined }).toEqual({ prometheus: true });
        const deadline = Date.now() + 20_000;
        let seen: TargetsAnswer["data"] | undefined;
        while (Date.now() < deadline) {
            try {
                const t = await targets();
                if (t.activeTargets.length + t.droppedTargets.length >= PODS.length) {
                    seen = t;
                    break;
                }
            } catch {
                // Not listening yet.
            }
            await new Promise((r) => setTimeout(r, 250));
        }
        expect({ discovered: seen !== undefined, log: seen === undefined ? log : "" }).toEqual({ discovered: true, log: "" });
        expect(seen?.activeTargets.map((t) => ({ instance: t.labels.instance, pod: t.labels.pod, service: t.labels[M.serviceLabel], color: t.labels[M.colorLabel], pool: t.scrapePool }))).toEqual([
            { instance: `10.0.1.10:${PORT}`, pod: "api-blue-running", service: "api", color: "blue", pool: SCRAPE_JOBS.pods },
        ]);
        expect(seen?.droppedTargets.map((t) => [t.discoveredLabels.__meta_kubernetes_pod_name, t.discoveredLabels.__meta_kubernetes_pod_phase]).sort()).toEqual([
            ["api-blue-completed", "Succeeded"],
            ["api-blue-evicted", "Failed"],
            ["api-blue-initializing", "Pending"],
        ]);
    }, 30_000);
});
