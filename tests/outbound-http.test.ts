/**
 * The policy tree read and promote's queries reach their servers as the Go clients beside them do
 * (lib/outbound-http.ts): through the environment's proxy (Go's `http.ProxyFromEnvironment`:
 * HTTPS_PROXY, NO_PROXY) and, for Grafana, with the TLS settings the provider takes from its
 * environment (terraform-provider-grafana pkg/provider/framework_provider.go GRAFANA_CA_CERT,
 * GRAFANA_TLS_CERT, GRAFANA_TLS_KEY, GRAFANA_INSECURE_SKIP_VERIFY; configure_clients.go
 * `createTempFileIfLiteral`, `TLSConfig`, at 3f9621f). Against a real HTTPS server whose certificate
 * a private CA signed (openssl), and a real CONNECT proxy (node:http), both on 127.0.0.1; the host
 * name `grafana.invalid` never resolves (RFC 2606), so an answer through it proves the proxy carried it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundGet, proxyConfigured, tlsConnectOptions } from "../lib/outbound-http";
import { grafanaClientTls, readPolicyTree } from "../observability/grafana-policy-tree";
import { prometheusQuery } from "../scripts/prometheus";
import { scratchDir } from "./support/scratch";

const HOST = "grafana.invalid";
const TREE = { receiver: "launchpad-staging-ticket", routes: [] };
const VECTOR = { status: "success", data: { resultType: "vector", result: [{ metric: { color: "blue" }, value: [0, "0.5"] }] } };

let pki: { ca: string; caFile: string; cert: string; key: string };
let https: HttpsServer;
let httpsPort: number;
let proxy: HttpServer;
let proxyUrl: string;
/** The CONNECT targets the proxy was asked for. */
const tunnels: string[] = [];

/** A private CA and a server certificate it signed for `grafana.invalid` and 127.0.0.1. */
function makePki(): typeof pki {
    const dir = scratchDir("outbound-pki-");
    const f = (n: string): string => join(dir, n);
    const run = (args: string[]): void => {
        execFileSync("openssl", args, { stdio: "ignore" });
    };
    run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=Launchpad test private CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", f("ca.key"), "-out", f("ca.pem")]);
    run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${HOST}`, "-keyout", f("server.key"), "-out", f("server.csr")]);
    const ext = f("server.ext");
    execFileSync("sh", ["-c", `printf 'subjectAltName=DNS:${HOST},IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > '${ext}'`]);
    run(["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-set_serial", "1", "-days", "1", "-extfile", ext, "-out", f("server.pem")]);
    return { ca: readFileSync(f("ca.pem"), "utf8"), caFile: f("ca.pem"), cert: readFileSync(f("server.pem"), "utf8"), key: readFileSync(f("server.key"), "utf8") };
}

beforeAll(async () => {
    pki = makePki();
    https = createHttpsServer({ cert: pki.cert, key: pki.key }, (req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(req.url?.startsWith("/api/v1/query") === true ? VECTOR : TREE));
    });
    await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
    httpsPort = (https.address() as AddressInfo).port;
    // A forward proxy as corporate ones are for https: CONNECT host:port, then a blind tunnel. It
    // resolves every name to 127.0.0.1 itself, as a proxy resolves names its clients cannot.
    proxy = createHttpServer((_req, res) => {
        res.writeHead(405).end();
    });
    proxy.on("connect", (req, client: Socket, head: Buffer) => {
        tunnels.push(req.url ?? "");
        const port = Number((req.url ?? "").split(":").pop());
        const upstream = connect(port, "127.0.0.1", () => {
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
        });
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
    https.closeAllConnections();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => proxy.close(r))]);
});

const grafanaUrl = (host: string): string => `https://${host}:${httpsPort}`;

describe("grafanaClientTls: the provider's TLS settings from its environment", () => {
    it("GRAFANA_CA_CERT as a file path or as the PEM itself (createTempFileIfLiteral), trusted besides the system's roots", () => {
        expect(grafanaClientTls({ GRAFANA_CA_CERT: pki.caFile })).toEqual({ ca: pki.ca });
        expect(grafanaClientTls({ GRAFANA_CA_CERT: pki.ca })).toEqual({ ca: pki.ca });
        const ca = tlsConnectOptions({ ca: pki.ca })?.ca as string[];
        expect(ca.at(-1)).toBe(pki.ca);
        expect(ca.length).toBeGreaterThan(100);
    });

    it("a client certificate only with both GRAFANA_TLS_CERT and GRAFANA_TLS_KEY (TLSConfig: `len(CertData) > 0 && len(KeyData) > 0`)", () => {
        expect(grafanaClientTls({ GRAFANA_TLS_CERT: pki.cert, GRAFANA_TLS_KEY: pki.key })).toEqual({ cert: pki.cert, key: pki.key });
        expect(grafanaClientTls({ GRAFANA_TLS_CERT: pki.cert })).toEqual({});
    });

    it("GRAFANA_INSECURE_SKIP_VERIFY as Go's strconv.ParseBool reads it; anything else is refused as the provider refuses it", () => {
        for (const v of ["1", "t", "T", "TRUE", "true", "True"]) expect(grafanaClientTls({ GRAFANA_INSECURE_SKIP_VERIFY: v })).toEqual({ insecureSkipVerify: true });
        for (const v of ["0", "f", "F", "FALSE", "false", "False", ""]) expect(grafanaClientTls({ GRAFANA_INSECURE_SKIP_VERIFY: v })).toEqual({});
        expect(() => grafanaClientTls({ GRAFANA_INSECURE_SKIP_VERIFY: "yes" })).toThrow('GRAFANA_INSECURE_SKIP_VERIFY is "yes", not a boolean (1, t, true, 0, f, false, ...)');
    });

    it("nothing set: node's defaults, and no proxy in an environment without one", () => {
        expect(grafanaClientTls({})).toEqual({});
        expect(tlsConnectOptions({})).toBeUndefined();
        expect(proxyConfigured({})).toBe(false);
        expect(proxyConfigured({ HTTPS_PROXY: "" })).toBe(false);
        expect(proxyConfigured({ https_proxy: proxyUrl })).toBe(true);
    });
});

describe("the policy tree read against a Grafana behind a private CA", () => {
    it("with GRAFANA_CA_CERT the tree is read; without it the certificate is refused and the read fails, naming the cause", async () => {
        const ok = await readPolicyTree(grafanaUrl("127.0.0.1"), "token", 5_000, outboundGet(grafanaClientTls({ GRAFANA_CA_CERT: pki.caFile }), {}));
        expect(ok).toEqual({ tree: TREE });
        const refused = await readPolicyTree(grafanaUrl("127.0.0.1"), "token", 5_000, outboundGet(grafanaClientTls({}), {}));
        expect(refused).toEqual({ failure: `GET ${grafanaUrl("127.0.0.1")}/api/v1/provisioning/policies failed: fetch failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)` });
        const skipped = await readPolicyTree(grafanaUrl("127.0.0.1"), "token", 5_000, outboundGet(grafanaClientTls({ GRAFANA_INSECURE_SKIP_VERIFY: "true" }), {}));
        expect(skipped).toEqual({ tree: TREE });
    });
});

describe("through the environment's proxy (HTTPS_PROXY, NO_PROXY)", () => {
    it("a name only the proxy resolves: the read goes through a CONNECT tunnel to it, verified against the private CA", async () => {
        tunnels.length = 0;
        const env = { HTTPS_PROXY: proxyUrl, GRAFANA_CA_CERT: pki.ca };
        const read = await readPolicyTree(grafanaUrl(HOST), "token", 5_000, outboundGet(grafanaClientTls(env), env));
        expect(read).toEqual({ tree: TREE });
        expect(tunnels).toEqual([`${HOST}:${httpsPort}`]);
    });

    it("lower-case https_proxy as well; NO_PROXY naming the host sends it direct, where the name does not resolve", async () => {
        tunnels.length = 0;
        const env = { https_proxy: proxyUrl, NO_PROXY: HOST };
        const read = await readPolicyTree(grafanaUrl(HOST), "token", 5_000, outboundGet({ ca: pki.ca }, env));
        expect(read).toEqual({ failure: `GET ${grafanaUrl(HOST)}/api/v1/provisioning/policies failed: fetch failed (ENOTFOUND)` });
        expect(tunnels).toEqual([]);
    });

    it("promote's Prometheus queries through the same client: an answer through the tunnel", async () => {
        tunnels.length = 0;
        const env = { HTTPS_PROXY: proxyUrl };
        const samples = await prometheusQuery({ url: `https://${HOST}:${httpsPort}` }, undefined, outboundGet({ ca: pki.ca }, env))("up");
        expect(samples).toEqual([{ metric: { color: "blue" }, value: 0.5 }]);
        expect(tunnels).toEqual([`${HOST}:${httpsPort}`]);
    });
});
