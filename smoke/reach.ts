/**
 * Waits, before a gate or a load test measures anything, until its target accepts a TCP connection.
 *
 * Why: the namespace's NetworkPolicies (components/network-policy.ts) admit a gate's or a load test's
 * pod by its labels, and the VPC CNI enforces that by IP. A new Job's pod is admitted only once the
 * network policy controller has put its address into the target's PolicyEndpoint and the agent on the
 * target's node has programmed it; until then its packets are dropped (aws-network-policy-agent
 * pkg/ebpf/c/tc.v4ingress.bpf.c returns BPF_DROP for a denied flow), usually for seconds, sometimes
 * minutes (aws/aws-network-policy-agent#487). Measured in that moment, every request would time out
 * and a healthy release would fail its gate. A dropped SYN is told from a real failure: a refused
 * connection, a name that does not resolve or any other error ends the wait at once, and the checks
 * then report it as they always did. Only attempts that time out are repeated, within `boundMs`.
 *
 * One accepted connection is not enough. The target is a Service: kube-proxy DNATs each new
 * connection, on the gate's node, to one ready pod picked at random, and that pod's node admits or
 * drops it (the agent attaches the ingress program to the pod's host veth, aws-network-policy-agent
 * pkg/ebpf/bpf_client.go `attachIngressBPFProbe`; #487 finds the DENY lines "on the receiving pod's
 * host"), each node's agent in its own time. So the wait ends only after {@link CONNECT_CONFIRMATIONS}
 * connections in a row are accepted, each a fresh pick: with three pods and one still dropping, the
 * chance that all miss it is (2/3)^20, about 0.03%. A healthy target answers them in milliseconds.
 */
import * as net from "node:net";
import { redactCredentials } from "./runner";
import { endpointOf } from "./transport";

export interface Reach {
    /** `connected`: connections accepted, enough in a row; `error`: an attempt failed otherwise (refused, DNS...); `timed-out`: not enough in a row in `boundMs`. */
    readonly outcome: "connected" | "error" | "timed-out";
    readonly attempts: number;
    /** Attempts that timed out: the dropped SYNs waited out. */
    readonly dropped: number;
    readonly waitedMs: number;
}

/** Default bound of the wait: the controller's usual delay is seconds; a gate Job's deadline is far longer. */
export const CONNECT_WAIT_DEFAULT_SECONDS = 60;

/** Connections accepted in a row that end the wait: each may reach another pod of the Service (see above). */
export const CONNECT_CONFIRMATIONS = 20;

/** `SMOKE_CONNECT_WAIT_SECONDS`: a whole number of seconds (0: no wait), else the default. */
export function connectWaitMs(env: NodeJS.ProcessEnv): number {
    const raw = env.SMOKE_CONNECT_WAIT_SECONDS;
    const n = raw === undefined || !/^\d+$/.test(raw) ? CONNECT_WAIT_DEFAULT_SECONDS : Number(raw);
    return n * 1000;
}

function attempt(host: string, port: number, timeoutMs: number): Promise<"connected" | "error" | "timeout"> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (r: "connected" | "error" | "timeout"): void => {
            clearTimeout(timer);
            socket.destroy();
            resolve(r);
        };
        const timer = setTimeout(() => done("timeout"), timeoutMs);
        socket.once("connect", () => done("connected"));
        socket.once("error", () => done("error"));
    });
}

/**
 * Connects to `target` until {@link CONNECT_CONFIRMATIONS} connections in a row are accepted or an
 * attempt fails other than by timing out, each attempt bounded by `attemptMs`, all within `boundMs`
 * (0: no attempt at all, `connected`). A timeout starts the count again.
 */
export async function awaitConnectable(target: URL, boundMs: number, attemptMs = 2000): Promise<Reach> {
    const start = Date.now();
    if (boundMs <= 0) return { outcome: "connected", attempts: 0, dropped: 0, waitedMs: 0 };
    const { host, port } = endpointOf(target);
    let attempts = 0;
    let dropped = 0;
    let inARow = 0;
    for (;;) {
        const left = boundMs - (Date.now() - start);
        attempts += 1;
        const r = await attempt(host, port, Math.max(1, Math.min(attemptMs, left)));
        const waitedMs = Date.now() - start;
        if (r === "error") return { outcome: r, attempts, dropped, waitedMs };
        if (r === "connected") inARow += 1;
        else [inARow, dropped] = [0, dropped + 1];
        if (inARow >= CONNECT_CONFIRMATIONS) return { outcome: "connected", attempts, dropped, waitedMs };
        if (waitedMs >= boundMs) return { outcome: "timed-out", attempts, dropped, waitedMs };
    }
}

/** The stderr line for a wait worth mentioning (an attempt dropped, or the bound reached); empty otherwise. */
export function reachText(target: string, r: Reach): string {
    if (r.dropped === 0 && r.outcome !== "timed-out") return "";
    const s = (r.waitedMs / 1000).toFixed(1);
    const counts = `${r.attempts} attempts, ${r.dropped} dropped`;
    switch (r.outcome) {
        case "timed-out":
            return `${target} accepted no ${CONNECT_CONFIRMATIONS} connections in a row in ${s} s (${counts}); measuring anyway\n`;
        case "error":
            return `waited ${s} s (${counts}) for ${target}, then a connection failed otherwise (the checks report it)\n`;
        case "connected":
            return `waited ${s} s (${counts}) for ${target} to accept a connection (a new pod's NetworkPolicy admission)\n`;
    }
}

/**
 * What the gate and the load test do before they measure: wait for `target` (bounded by
 * `SMOKE_CONNECT_WAIT_SECONDS` in `env`) and return the stderr line for the wait, if any.
 */
export async function awaitTarget(target: string, env: NodeJS.ProcessEnv): Promise<string> {
    return reachText(redactCredentials(target), await awaitConnectable(new URL(target), connectWaitMs(env)));
}
