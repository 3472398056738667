/**
 * The gate waits for its target to accept a connection before it measures (smoke/reach.ts): a new
 * Job's packets are dropped until the VPC CNI's network policy controller admits its address
 * (aws-network-policy-agent tc.v4ingress.bpf.c: BPF_DROP; aws/aws-network-policy-agent#487: seconds
 * to minutes). The drop is real here: a listener on 127.0.0.1 whose accept queue is full, so the
 * kernel drops every SYN (Linux tcp_conn_request: a full accept queue drops the SYN), until it starts
 * accepting and serving HTTP after `admitAfter` seconds, as a policy that starts admitting would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { describe, it, type TestContext } from "vitest";
import { runSpec, type RunSpec } from "../loadtest/main";
import { smokeCli } from "../smoke/cli";
import { awaitConnectable, connectWaitMs, reachText } from "../smoke/reach";
import { endpointOf } from "../smoke/transport";
import { closedPort } from "./support/http-server";
import { scratchFile } from "./support/scratch";
import { skipTiming } from "./support/timing";

const SKIP_TIMING = skipTiming("tests/smoke-reach.test.ts", "the waits for a target that drops SYNs (awaitConnectable's retries, the gate's and the load test's)");

/**
 * The accept queue filled by one connection nobody accepts (listen backlog 0, or the second argument:
 * that many connections still get in first); after the delay, accept and answer every request 200
 * "ok", keep-alive.
 */
const DROPPING_SERVER = String.raw`
import socket, sys, threading, time

s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(int(sys.argv[2]))
filler = socket.create_connection(("127.0.0.1", s.getsockname()[1]))
print(s.getsockname()[1], flush=True)
delay = float(sys.argv[1])
if delay < 0:
    time.sleep(3600)
time.sleep(delay)
s.listen(128)  # admitted: room for the wait's connections in a row, as a real server's backlog has
def serve(c):
    buf = b""
    while True:
        data = c.recv(65536)
        if not data:
            return
        buf += data
        while b"\r\n\r\n" in buf:
            _, buf = buf.split(b"\r\n\r\n", 1)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/**
 * For the test `ctx`: a listener that drops SYNs for `admitAfter` seconds (forever when negative),
 * except the first `acceptedFirst` connections; its port.
 */
async function droppingServer(ctx: TestContext, admitAfter: number, acceptedFirst = 0): Promise<number> {
    const child: ChildProcess = spawn("/usr/bin/python3", ["-c", DROPPING_SERVER, String(admitAfter), String(acceptedFirst)], { stdio: ["ignore", "pipe", "inherit"] });
    // The test's own hook: with tests side by side, the global one may belong to another.
    ctx.onTestFinished(() => void child.kill("SIGKILL"));
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    return Number(line.toString().trim());
}

const policy = (): string => scratchFile("smoke-reach-", "policy.json", JSON.stringify({
    checks: [{ path: "/" }], requests: 5, concurrency: 1, timeoutMs: 400, warmupRequests: 0,
    thresholds: { p95Ms: 5_000, p99Ms: 10_000, errorRate: 0.01 },
}));

// Side by side: each case waits on real time, on servers of its own.
describe.concurrent("awaitConnectable", () => {
    it.skipIf(SKIP_TIMING)("retries while SYNs are dropped, and returns once a connection is accepted", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, 1.5);
        const r = await awaitConnectable(new URL(`http://127.0.0.1:${port}/`), 30_000, 500);
        expect(r.outcome).toBe("connected");
        expect(r.attempts).toBeGreaterThan(1);
        expect(r.waitedMs).toBeGreaterThanOrEqual(1_000);
    });

    it.skipIf(SKIP_TIMING)("gives up at its bound when nothing is ever admitted", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, -1);
        const r = await awaitConnectable(new URL(`http://127.0.0.1:${port}/`), 1_200, 500);
        expect(r.outcome).toBe("timed-out");
        expect(r.attempts).toBeGreaterThanOrEqual(2);
        expect(r.dropped).toBe(r.attempts);
        expect(reachText("http://x/", r)).toMatch(/^http:\/\/x\/ accepted no 20 connections in a row in \d+\.\d s \((\d+) attempts, \1 dropped\); measuring anyway\n$/);
    });

    it("does not wait on a refused connection (nothing listens: the checks report it as before)", async (ctx) => {
        const { expect } = ctx;
        const r = await awaitConnectable(new URL(`http://127.0.0.1:${await closedPort()}/`), 30_000, 500);
        expect([r.outcome, r.attempts, r.dropped]).toEqual(["error", 1, 0]);
        expect(reachText("http://x/", r)).toBe("");
    });

    it("bound 0: no attempt", async (ctx) => {
        const { expect } = ctx;
        expect(await awaitConnectable(new URL("http://127.0.0.1:1/"), 0)).toEqual({ outcome: "connected", attempts: 0, dropped: 0, waitedMs: 0 });
    });

    it("reads SMOKE_CONNECT_WAIT_SECONDS (a whole number, else 60) and the URL's host and port", ({ expect }) => {
        expect([connectWaitMs({}), connectWaitMs({ SMOKE_CONNECT_WAIT_SECONDS: "5" }), connectWaitMs({ SMOKE_CONNECT_WAIT_SECONDS: "0" }), connectWaitMs({ SMOKE_CONNECT_WAIT_SECONDS: "x" })]).toEqual([60_000, 5_000, 0, 60_000]);
        expect(endpointOf(new URL("https://api.example/"))).toEqual({ host: "api.example", port: 443 });
        expect(endpointOf(new URL("http://[::1]:8080/"))).toEqual({ host: "::1", port: 8080 });
        expect(endpointOf(new URL("http://api-blue.ns.svc/"))).toEqual({ host: "api-blue.ns.svc", port: 80 });
    });
});

describe.skipIf(SKIP_TIMING).concurrent("the gate (npm run smoke) against a target that admits it only after a moment", () => {
    it("without the wait, a healthy target fails the gate: every measured request meets the drop", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, 3);
        const r = await smokeCli(["--policy", policy(), "--target", `http://127.0.0.1:${port}`, "--json"], { SMOKE_CONNECT_WAIT_SECONDS: "0" });
        const summary = JSON.parse(r.stdout) as { verdict: string; failuresByKind: Record<string, number> };
        expect([r.code, summary.verdict]).toEqual([1, "fail"]);
        expect(summary.failuresByKind.timeout).toBeGreaterThan(0);
    });

    it("with it, the gate waits for the admission, says so on stderr, then measures a pass", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, 1.5);
        const r = await smokeCli(["--policy", policy(), "--target", `http://127.0.0.1:${port}`, "--json"], { SMOKE_CONNECT_WAIT_SECONDS: "30" });
        const summary = JSON.parse(r.stdout) as { verdict: string; requests: number; failures: number };
        expect([r.code, summary.verdict, summary.requests, summary.failures]).toEqual([0, "pass", 5, 0]);
        expect(r.stderr).toMatch(new RegExp(`^waited \\d+\\.\\d s \\(\\d+ attempts, \\d+ dropped\\) for http://127\\.0\\.0\\.1:${port} to accept a connection \\(a new pod's NetworkPolicy admission\\)\\n$`));
    });

    // A ClusterIP Service's connections are DNATed, each to one ready pod chosen at random, on the
    // gate's node (kube-proxy), and admitted or dropped on that pod's node, by that node's agent
    // (aws-network-policy-agent pkg/ebpf/bpf_client.go attachIngressBPFProbe: the ingress program sits
    // on the pod's host veth; #487: the DENY lines are "on the receiving pod's host"). One accepted
    // connection proves one pod's node admits the gate, not the others'. Here the first connection
    // gets in and the next are dropped, as when the first lands on an admitting node.
    it("one accepted connection is not the end of the wait: the next ones, to other pods, may still be dropped", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, 1.5, 1);
        const r = await smokeCli(["--policy", policy(), "--target", `http://127.0.0.1:${port}`, "--json"], { SMOKE_CONNECT_WAIT_SECONDS: "30" });
        const summary = JSON.parse(r.stdout) as { verdict: string; requests: number; failures: number };
        expect([r.code, summary.verdict, summary.requests, summary.failures]).toEqual([0, "pass", 5, 0]);
        expect(r.stderr).toMatch(/^waited \d+\.\d s \(\d+ attempts, \d+ dropped\) for /);
    });
});

describe.skipIf(SKIP_TIMING).concurrent("the load test (loadtest/main.ts runSpec) against a target that admits it only after a moment", () => {
    it("waits for the admission too, says so on stderr, then runs its stages to a pass", async (ctx) => {
        const { expect } = ctx;
        const port = await droppingServer(ctx, 1.5);
        const spec: RunSpec = {
            service: "api", color: "blue", namespace: "ns", target: `http://127.0.0.1:${port}`, image: "ghcr.io/acme/api:1.4.2",
            scenario: { name: "load", model: "closed", stages: [{ duration: "100ms", durationMs: 100, target: 2 }, { duration: "1s", durationMs: 1000, target: 2 }], thinkTimeMs: 10, checks: [{ path: "/", method: "GET", expectStatus: 200, weight: 1 }], thresholds: { http_req_failed: ["rate<0.01"] }, timeoutMs: 400, mustHoldUsers: 100, recoveryWindowMs: 1000 },
            server: { warmupSeconds: 0, maxMemorySlopeMiBPerHour: 32, maxRestarts: 0, maxDbConnections: 100, maxDbConnectionsSlopePerHour: 4, maxRecoverySeconds: 60 },
        };
        const r = await runSpec(spec, true);
        expect([r.code, (JSON.parse(r.stdout) as { verdict: string }).verdict]).toEqual([0, "pass"]);
        expect(r.stderr).toMatch(new RegExp(`^waited \\d+\\.\\d s \\(\\d+ attempts, [1-9]\\d* dropped\\) for http://127\\.0\\.0\\.1:${port} to accept a connection`));
    });
});
