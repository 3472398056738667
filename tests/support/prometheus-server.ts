/**
 * A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1, a random port and a temporary
 * data directory, scraping a small local exporter every second. The exporter serves the
 * application's metrics (http_requests_total with a `code` label and the
 * http_request_duration_seconds histogram, labels service and color) for each color at a request
 * rate, 5xx share and latency the test sets; its counters grow with real time between scrapes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { closedPort, startServer, type TestServer } from "./http-server";
import { which } from "./db-tools";

export const PROMETHEUS = which("prometheus");

/** What one color serves: requests per second, the share of them that fail with 500, each request's latency. */
export interface Traffic {
    readonly rps: number;
    readonly errorShare: number;
    readonly latencySeconds: number;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Counters { ok: number; errors: number; sum: number; buckets: number[] }

export interface Exporter extends TestServer {
    /** Traffic per color from now on. */
    readonly set: (color: string, t: Traffic) => void;
}

export async function startExporter(service: string): Promise<Exporter> {
    const traffic = new Map<string, Traffic>();
    const counters = new Map<string, Counters>();
    let last = Date.now();
    // The counters grow by what each color served since the last look.
    const advance = (): void => {
        const now = Date.now();
        const dt = (now - last) / 1000;
        last = now;
        for (const [color, t] of traffic) {
            const c = counters.get(color) ?? { ok: 0, errors: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
            const n = t.rps * dt;
            c.ok += n * (1 - t.errorShare);
            c.errors += n * t.errorShare;
            c.sum += n * t.latencySeconds;
            BUCKETS.forEach((le, i) => {
                if (t.latencySeconds <= le) c.buckets[i] += n;
            });
            counters.set(color, c);
        }
    };
    const server = await startServer((_req, res) => {
        advance();
        const lines = ["# TYPE http_requests_total counter", "# TYPE http_request_duration_seconds histogram"];
        for (const [color, c] of counters) {
            const l = `service="${service}",color="${color}"`;
            const total = c.ok + c.errors;
            lines.push(`http_requests_total{${l},code="200"} ${c.ok}`, `http_requests_total{${l},code="500"} ${c.errors}`);
            BUCKETS.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{${l},le="${le}"} ${c.buckets[i]}`));
            lines.push(`http_request_duration_seconds_bucket{${l},le="+Inf"} ${total}`, `http_request_duration_seconds_sum{${l}} ${c.sum}`, `http_request_duration_seconds_count{${l}} ${total}`);
        }
        res.setHeader("content-type", "text/plain; version=0.0.4");
        res.end(`${lines.join("\n")}\n`);
    });
    return {
        ...server,
        set: (color, t) => {
            advance();
            traffic.set(color, t);
        },
    };
}

export interface PrometheusServer {
    readonly url: string;
    readonly stop: () => Promise<void>;
}

/** How a test's Prometheus scrapes. */
export interface ScrapeOptions {
    /** @default 1 */
    readonly intervalSeconds?: number;
    /** Target labels added to every series, as a Kubernetes scrape attaches `namespace`. @default - none */
    readonly labels?: Readonly<Record<string, string>>;
}

/** Starts Prometheus scraping `target` (host:port), every second unless told; resolves once it has a sample of it. */
export async function startPrometheus(target: string, scrape: ScrapeOptions = {}): Promise<PrometheusServer> {
    if (PROMETHEUS === undefined) {
        throw new Error("prometheus not found: apt-get install -y prometheus");
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-prom-"));
    fs.writeFileSync(path.join(dir, "prometheus.yml"), [
        `global: {scrape_interval: ${scrape.intervalSeconds ?? 1}s, evaluation_interval: 1s}`,
        "scrape_configs:",
        `  - {job_name: app, static_configs: [{targets: ["${target}"], labels: ${JSON.stringify(scrape.labels ?? {})}}]}`,
        "",
    ].join("\n"));
    const port = await closedPort();
    const child: ChildProcess = spawn(PROMETHEUS, [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.console.templates=/dev/null", "--web.console.libraries=/dev/null",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.on("data", (d: Buffer) => {
        log += d.toString();
    });
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
        if (child.exitCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    // The first scrape comes up to one interval after the start.
    const deadline = Date.now() + 30_000 + (scrape.intervalSeconds ?? 1) * 1000;
    for (;;) {
        try {
            const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent("up == 1")}`);
            const body = (await res.json()) as { data?: { result?: unknown[] } };
            if ((body.data?.result?.length ?? 0) > 0) break;
        } catch {
            // not listening yet
        }
        if (child.exitCode !== null || Date.now() > deadline) {
            await stop();
            throw new Error(`prometheus did not come up: ${log.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    return { url, stop };
}
