/**
 * Instant queries against the stack's Prometheus: its own Amazon Managed Service for Prometheus
 * workspace (requests signed with SigV4 by the AWS SDK's signer, `@smithy/signature-v4`, with
 * credentials from the SDK's default chain: "the requests must be signed with the AWS Signature
 * Version 4 signing process", service `aps`: https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-query-APIs.html
 * and AMP-compatible-APIs.html), or `launchpad:observability.prometheusUrl` as it is.
 *
 * The HTTP API is Prometheus' own `GET <base>/api/v1/query?query=...` (prometheus/prometheus
 * `web/api/v1/api.go`): `{"status":"success","data":{"resultType":"vector","result":[{metric, value:[t,"v"]}]}}`.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { getCanonicalQuery, SignatureV4 } from "@smithy/signature-v4";
import type { TextGet } from "../lib/outbound-http";

/** Credentials or a credential provider, as the signer takes them. */
type Credentials = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

/** One series of an instant vector: its labels and value. */
export interface Sample {
    readonly metric: Readonly<Record<string, string>>;
    readonly value: number;
}

/** Answers an instant query; throws when Prometheus cannot be reached or refuses the query. */
export type PrometheusQuery = (expr: string) => Promise<Sample[]>;

/** How long one query may take. */
export const QUERY_TIMEOUT_MS = 15_000;

/** Where to send queries and whether to sign them. */
export interface PrometheusTarget {
    /** Base URL; the API path is appended (`<url>/api/v1/query`). */
    readonly url: string;
    /** Sign with SigV4 for AMP (service `aps`) in this region. @default - unsigned (a plain Prometheus) */
    readonly sigV4Region?: string;
}

/** Turns a `/api/v1/query` answer into samples, or throws its error. */
export function parseQueryResponse(status: number, body: string): Sample[] {
    let doc: { status?: string; error?: string; data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] } };
    try {
        doc = JSON.parse(body) as typeof doc;
    } catch {
        throw new Error(`HTTP ${status}: not a Prometheus API answer: ${body.slice(0, 200)}`);
    }
    if (status !== 200 || doc.status !== "success") {
        throw new Error(`HTTP ${status}: ${doc.error ?? body.slice(0, 200)}`);
    }
    if (doc.data?.resultType !== "vector") {
        throw new Error(`expected an instant vector, received resultType ${JSON.stringify(doc.data?.resultType)}`);
    }
    return (doc.data.result ?? []).map((r) => ({ metric: r.metric ?? {}, value: Number(r.value?.[1]) }));
}

/** A SigV4 signer for AMP queries; credentials default to the SDK's chain (env, profile, web identity, IMDS). */
export function ampSigner(region: string, credentials: Credentials = fromNodeProviderChain()): SignatureV4 {
    return new SignatureV4({ service: "aps", region, credentials, sha256: Sha256 });
}

/**
 * The signed GET of one query: the URL to send and the headers, as the AWS SDK's signer makes them.
 * The URL's query string is the signer's own canonical form (`getCanonicalQuery`: sorted, every
 * byte but the unreserved ones percent-encoded, a space as `%20`), so the bytes sent are the bytes
 * signed. `URL.searchParams` writes a space as `+`, and every PromQL query has spaces: AWS
 * canonicalises the query it receives, and the AWS SDK for Go sends exactly its canonical string
 * for this reason (aws/aws-sdk-go aws/signer/v4/v4.go `buildCanonicalString`:
 * `ctx.Request.URL.RawQuery = strings.Replace(ctx.Query.Encode(), "+", "%20", -1)`).
 */
export async function signedQuery(signer: SignatureV4, url: URL): Promise<{ url: string; headers: Record<string, string> }> {
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
        query[k] = v;
    });
    const signed = await signer.sign({
        method: "GET",
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === "" ? undefined : Number(url.port),
        path: url.pathname,
        query,
        headers: { host: url.host },
    });
    const wire = getCanonicalQuery(signed);
    return { url: `${url.origin}${url.pathname}${wire === "" ? "" : `?${wire}`}`, headers: signed.headers };
}

/** One answer of the Prometheus HTTP API, as received. */
export interface PrometheusAnswer {
    readonly status: number;
    readonly body: string;
}

/** One GET of the Prometheus HTTP API at `path` (`/api/v1/query_range`, ...) with these parameters. */
export type PrometheusGet = (path: string, params: Readonly<Record<string, string>>) => Promise<PrometheusAnswer>;

/**
 * One GET with node's own `fetch`: the performance runner's, in its Job (bundled: loadtest/bundle.ts
 * keeps it small, so undici's client is not in it), where no proxy is set.
 */
export const nodeFetchGet: TextGet = async (url, init) => {
    const res = await fetch(url, { headers: { ...init.headers }, redirect: init.redirect ?? "follow", signal: AbortSignal.timeout(init.timeoutMs) });
    return { status: res.status, statusText: res.statusText, body: await res.text() };
};

/**
 * GETs of any API path of this target, over `send`, signed as `signedQuery` signs for AMP: the
 * range queries of the performance suite (`loadtest/server.ts`) go through the same signer as
 * promote's instant queries. AMP serves `query` and `query_range` as one operation, `QueryMetrics`
 * (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-APIReference-QueryMetrics.html),
 * so `aps:QueryMetrics` allows both.
 * @param send how the GET goes out. @default nodeFetchGet (promote passes lib/outbound-http.ts `outboundGet()`: the environment's proxy)
 */
export function prometheusGet(target: PrometheusTarget, signer: SignatureV4 | undefined = target.sigV4Region !== undefined ? ampSigner(target.sigV4Region) : undefined, send: TextGet = nodeFetchGet): PrometheusGet {
    return async (path, params) => {
        const url = new URL(`${target.url.replace(/\/+$/, "")}${path}`);
        for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
        const request = signer !== undefined ? await signedQuery(signer, url) : { url: url.toString(), headers: {} };
        const res = await send(request.url, { headers: request.headers, timeoutMs: QUERY_TIMEOUT_MS });
        return { status: res.status, body: res.body };
    };
}

/**
 * A query function for this target (`prometheusGet`).
 * @param send how the GET goes out. @default nodeFetchGet
 */
export function prometheusQuery(target: PrometheusTarget, signer: SignatureV4 | undefined = target.sigV4Region !== undefined ? ampSigner(target.sigV4Region) : undefined, send: TextGet = nodeFetchGet): PrometheusQuery {
    const get = prometheusGet(target, signer, send);
    return async (expr) => {
        const answer = await get("/api/v1/query", { query: expr });
        return parseQueryResponse(answer.status, answer.body);
    };
}

/** The value of the series whose labels include all of `labels`; undefined when there is none. */
export function valueFor(samples: readonly Sample[], labels: Readonly<Record<string, string>>): number | undefined {
    return samples.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v))?.value;
}
