/**
 * The HTTP client of the requests Launchpad's own code makes outside the providers: the Grafana
 * notification policy tree read (observability/grafana-policy-tree.ts) and `npm run promote`'s
 * Prometheus queries (scripts/prometheus.ts). Each stands beside a Go client that reaches the same
 * server (the Grafana provider; the AWS CLI and providers for AMP), and Go's `http.DefaultTransport`
 * takes its proxy from the environment (`http.ProxyFromEnvironment`: HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY, upper or lower case). node's own `fetch` takes none (node 20; node 24 only with
 * NODE_USE_ENV_PROXY), so behind a proxy the provider would get through where our read could not.
 *
 * undici (the package of node's own `fetch`, used directly so that its dispatcher and its `fetch`
 * are one version): `EnvHttpProxyAgent` (undici 7.30.3 lib/dispatcher/env-http-proxy-agent.js) is
 * given the variables as Go reads them (x/net/http/httpproxy `FromEnvironment`: the upper-case name
 * first, then the lower-case one, an empty value as unset). One difference stays: an https request
 * with HTTPS_PROXY unset goes through HTTP_PROXY, where Go's goes direct.
 */
import * as tls from "node:tls";
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from "undici";

/** Extra trust and identity for the TLS connection to the server (not to the proxy). */
export interface OutboundTls {
    /** PEM bundle trusted besides the system's roots (as Go's `AppendCertsFromPEM` on the system pool). @default - the system's roots only */
    readonly ca?: string;
    /** Client certificate (PEM), with `key`. @default - none */
    readonly cert?: string;
    /** Client key (PEM), with `cert`. @default - none */
    readonly key?: string;
    /** Skip the server certificate's verification. @default false */
    readonly insecureSkipVerify?: boolean;
}

/** One answer, read whole. */
export interface OutboundAnswer {
    readonly status: number;
    readonly statusText: string;
    readonly body: string;
}

/** A GET whose answer is read whole; throws as `fetch` does (network error, timeout). */
export type TextGet = (url: string, init: { readonly headers?: Readonly<Record<string, string>>; readonly timeoutMs: number; readonly redirect?: "error" | "follow" }) => Promise<OutboundAnswer>;

/** A proxy variable as Go's httpproxy `FromEnvironment` reads it: the upper-case name, then the lower-case one; empty is unset. */
function proxyVariable(env: NodeJS.ProcessEnv, name: "HTTPS_PROXY" | "HTTP_PROXY" | "NO_PROXY"): string {
    return [env[name], env[name.toLowerCase()]].find((v) => v !== undefined && v !== "") ?? "";
}

/** Whether the environment names a proxy (an empty value names none, as in Go and undici). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
    return proxyVariable(env, "HTTPS_PROXY") !== "" || proxyVariable(env, "HTTP_PROXY") !== "";
}

/** The connection options for `tls`: undefined when nothing differs from node's defaults. */
export function tlsConnectOptions(t: OutboundTls): tls.ConnectionOptions | undefined {
    const o: tls.ConnectionOptions = {
        ...(t.ca !== undefined ? { ca: [...tls.rootCertificates, t.ca] } : {}),
        ...(t.cert !== undefined && t.key !== undefined ? { cert: t.cert, key: t.key } : {}),
        ...(t.insecureSkipVerify === true ? { rejectUnauthorized: false } : {}),
    };
    return Object.keys(o).length === 0 ? undefined : o;
}

/** The dispatcher for one request: through the environment's proxy when one is named, with `t`'s TLS to the server. */
export function outboundDispatcher(t: OutboundTls = {}, env: NodeJS.ProcessEnv = process.env): Dispatcher {
    const connect = tlsConnectOptions(t);
    if (!proxyConfigured(env)) {
        return new Agent(connect !== undefined ? { connect } : {});
    }
    // `connect` for a host NO_PROXY exempts (a plain Agent), `requestTls` for the tunnelled connection
    // (undici proxy-agent.js: `buildConnector({ ...opts.requestTls })` for the endpoint behind the proxy).
    const opts = { ...(connect !== undefined ? { connect, requestTls: connect } : {}) };
    return new EnvHttpProxyAgent({ ...opts, httpProxy: proxyVariable(env, "HTTP_PROXY"), httpsProxy: proxyVariable(env, "HTTPS_PROXY"), noProxy: proxyVariable(env, "NO_PROXY") });
}

/**
 * A GET through {@link outboundDispatcher}, the body read whole and the dispatcher closed after it
 * (no socket left open to hold the process).
 */
export function outboundGet(t: OutboundTls = {}, env: NodeJS.ProcessEnv = process.env): TextGet {
    return async (url, init) => {
        const dispatcher = outboundDispatcher(t, env);
        try {
            const res = await undiciFetch(url, {
                headers: { ...init.headers },
                redirect: init.redirect ?? "follow",
                signal: AbortSignal.timeout(init.timeoutMs),
                dispatcher,
            });
            return { status: res.status, statusText: res.statusText, body: await res.text() };
        } finally {
            await dispatcher.close();
        }
    };
}
