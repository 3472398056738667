/**
 * Reads a Grafana organization's notification policy tree, as the provider would, before this
 * stack's `grafana.alerting.NotificationPolicy` replaces it (observability/grafana-target.ts
 * {@link foreignPolicyTreeProblem} decides on it).
 *
 * - Endpoint: `GET <grafana:url path>/api/v1/provisioning/policies`, Grafana's "Get the notification
 *   policy tree" (grafana/grafana pkg/services/ngalert/api/tooling/definitions/provisioning_policies.go
 *   `RouteGetPolicyTree`; the provider's own read, grafana-openapi-client-go
 *   client/provisioning/provisioning_client.go `GetPolicyTree`, PathPattern `/v1/provisioning/policies`
 *   under the base path `url.JoinPath(<url path>, "api")`, terraform-provider-grafana
 *   pkg/provider/configure_clients.go `createGrafanaAPIClient`, at 3f9621f).
 * - Auth: `grafana:auth` as the provider parses it (configure_clients.go `parseAuth`): split once on
 *   ":", `user:password` is basic auth (each part trimmed) and the provider then acts in org 1
 *   (`X-Grafana-Org-Id: 1`: grafana-openapi-client-go client/grafana_http_api_client.go at 5b95bb1, the
 *   version the provider's go.mod pins, sends `OrgIDHeader` when `OrgID != 0`); `anonymous` sends
 *   nothing; anything else is a token, `Authorization: Bearer <token>` (trimmed), org-scoped, no org
 *   header. Unset in the stack, the provider reads `GRAFANA_AUTH` from its environment
 *   (pkg/provider/framework_provider.go `envDefaultFuncString(c.Auth, "GRAFANA_AUTH")`): so does this.
 *
 * - Connection: as the provider's, through the environment's proxy (lib/outbound-http.ts) and with the
 *   TLS settings the provider takes from its environment when the stack does not set them
 *   (pkg/provider/framework_provider.go: GRAFANA_CA_CERT, GRAFANA_TLS_CERT, GRAFANA_TLS_KEY,
 *   GRAFANA_INSECURE_SKIP_VERIFY), read as it reads them ({@link grafanaClientTls}).
 *
 * The token is a secret: it goes into the request header only, never into a result, a message or a log.
 */
import * as fs from "node:fs";
import { outboundGet, type OutboundTls, type TextGet } from "../lib/outbound-http";
import { foreignPolicyTreeProblem, grafanaServer, type GrafanaTarget } from "./grafana-target";

/** How long the read may take before it counts as failed: the whole request, headers and body. */
export const POLICY_TREE_READ_TIMEOUT_MS = 10_000;

/** The body Grafana returned, parsed; or why there is none (no credentials in it). */
export type PolicyTreeRead = { readonly tree: unknown } | { readonly failure: string };

/** The provisioning endpoint under `grafana:url`, as the provider joins it (its query and fragment are not sent). */
export function policyTreeEndpoint(grafanaUrl: string): string {
    return `${grafanaServer(grafanaUrl)}/api/v1/provisioning/policies`;
}

/** The headers the provider's client sends for `auth` (this file's header: `parseAuth`). */
export function grafanaAuthHeaders(auth: string | undefined): Record<string, string> {
    if (auth === undefined) {
        return {};
    }
    const colon = auth.indexOf(":");
    if (colon >= 0) {
        const user = auth.slice(0, colon).trim();
        const password = auth.slice(colon + 1).trim();
        return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`, "X-Grafana-Org-Id": "1" };
    }
    return auth === "anonymous" ? {} : { Authorization: `Bearer ${auth.trim()}` };
}

/**
 * A certificate setting as the provider reads one (configure_clients.go `createTempFileIfLiteral`):
 * the path of a file when one is there, else the PEM itself.
 */
function pemSetting(value: string): string {
    try {
        fs.statSync(value);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENAMETOOLONG") return value;
    }
    return fs.readFileSync(value, "utf8");
}

/**
 * The TLS settings the provider takes from its environment (framework_provider.go
 * `envDefaultFuncString` / `envDefaultFuncBool`, each only where the provider's own argument is
 * unset, as this stack's provider leaves them): GRAFANA_CA_CERT (trusted besides the system's roots:
 * configure_clients.go `TLSConfig`, `AppendCertsFromPEM` on `x509.SystemCertPool()`),
 * GRAFANA_TLS_CERT with GRAFANA_TLS_KEY (a client certificate), GRAFANA_INSECURE_SKIP_VERIFY (Go's
 * `strconv.ParseBool`). Throws, with the variable's name, where the provider would fail too.
 */
export function grafanaClientTls(env: NodeJS.ProcessEnv = process.env): OutboundTls {
    const text = (name: string): string | undefined => ((env[name] ?? "") !== "" ? pemSetting(env[name] as string) : undefined);
    const skip = env.GRAFANA_INSECURE_SKIP_VERIFY ?? "";
    const BOOLS: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };
    if (skip !== "" && !(skip in BOOLS)) {
        throw new Error(`GRAFANA_INSECURE_SKIP_VERIFY is ${JSON.stringify(skip)}, not a boolean (1, t, true, 0, f, false, ...)`);
    }
    const ca = text("GRAFANA_CA_CERT");
    const cert = text("GRAFANA_TLS_CERT");
    const key = text("GRAFANA_TLS_KEY");
    return {
        ...(ca !== undefined ? { ca } : {}),
        ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
        ...(skip !== "" && BOOLS[skip] ? { insecureSkipVerify: true } : {}),
    };
}

/**
 * `GET` the organization's policy tree, at most `timeoutMs`, through `get` (by default the
 * environment's proxy and the provider's TLS settings: {@link grafanaClientTls}). Never throws: a
 * network error, a timeout, a status other than 200, a body that is not JSON or a TLS setting that
 * cannot be read is a `failure`, naming the endpoint and the cause (status, or the error's code),
 * never the credentials.
 */
export async function readPolicyTree(grafanaUrl: string, auth: string | undefined, timeoutMs: number = POLICY_TREE_READ_TIMEOUT_MS, get?: TextGet): Promise<PolicyTreeRead> {
    const endpoint = policyTreeEndpoint(grafanaUrl);
    try {
        const response = await (get ?? outboundGet(grafanaClientTls()))(endpoint, {
            headers: { Accept: "application/json", ...grafanaAuthHeaders(auth) },
            redirect: "error",
            timeoutMs,
        });
        if (response.status !== 200) {
            return { failure: `GET ${endpoint} answered HTTP ${response.status}${response.statusText !== "" ? ` ${response.statusText}` : ""}` };
        }
        const text = response.body;
        try {
            return { tree: JSON.parse(text) as unknown };
        } catch {
            return { failure: `GET ${endpoint} answered a body that is not JSON` };
        }
    } catch (e) {
        return { failure: `GET ${endpoint} failed: ${describeFetchError(e)}` };
    }
}

/** A fetch error in words: the timeout, or undici's "fetch failed" with its cause's code (ECONNREFUSED, ENOTFOUND, ...). */
function describeFetchError(e: unknown): string {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
        return "no answer in time";
    }
    const cause = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const message = e instanceof Error ? e.message : String(e);
    return typeof code === "string" ? `${message} (${code})` : message;
}

/** What the stack does about the tree it is about to replace: refuse the update, warn, or nothing (undefined). */
export type PolicyTreeVerdict = { readonly refuse: string } | { readonly warn: string } | undefined;

/**
 * Reads the organization's tree and judges it ({@link foreignPolicyTreeProblem}): a tree routing
 * another environment's alerts is refused in an update and a warning in a preview (which changes
 * nothing in Grafana and reports what `pulumi up` would refuse). A read that fails is a warning, and
 * the update goes on: the provider's own requests, with the same URL and credentials, come next
 * (the notification policy's read and PUT), and they fail on their own, with the provider's message,
 * when Grafana is down or refuses the credentials; refusing here too would add a failure the
 * provider does not have wherever only this read fails: the provider's client is Go's
 * `http.DefaultTransport` (grafana-openapi-client-go client/grafana_http_api_client.go
 * `newTransportWithConfig` at 5b95bb1), and it retries; this read goes through the same proxy with
 * the same TLS settings ({@link readPolicyTree}) but does not retry.
 */
export async function checkPolicyTree(
    here: { readonly stack: string; readonly target: GrafanaTarget },
    grafanaUrl: string,
    auth: string | undefined,
    opts: { readonly preview: boolean; readonly timeoutMs?: number },
): Promise<PolicyTreeVerdict> {
    const read = await readPolicyTree(grafanaUrl, auth, opts.timeoutMs);
    if ("failure" in read) {
        return {
            warn: `grafana:url: the notification policy tree of ${here.target.url}, organization ${here.target.orgId}, was not read (${read.failure}), ` +
                `so whether it routes another environment's alerts is not checked before stack "${here.stack}"'s tree replaces it; ` +
                "the provider's own requests, with the same grafana:url and grafana:auth, fail on their own if Grafana is unreachable or refuses the credentials",
        };
    }
    const problem = foreignPolicyTreeProblem(here, read.tree);
    if (problem === undefined) {
        return undefined;
    }
    return opts.preview ? { warn: `${problem}; pulumi up refuses it` } : { refuse: problem };
}
