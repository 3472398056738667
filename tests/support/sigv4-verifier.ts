/**
 * The check AWS makes of a SigV4-signed GET, done with the signer's own library
 * (`@smithy/signature-v4`, as tests/promote.test.ts checks promote's queries): the request is
 * signed again from what arrived (method, path, query read as RFC 3986 percent-encoding, host), at
 * its own X-Amz-Date, with the credentials the server knows (a session token included), and the
 * Authorization headers must match byte for byte.
 */
import type * as http from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

export interface TestCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}

/** The path and the decoded query of a request, as the signer read them. */
export function requestParts(req: http.IncomingMessage): { path: string; query: Record<string, string> } {
    const [path, raw = ""] = (req.url ?? "/").split("?", 2);
    const query: Record<string, string> = {};
    for (const pair of raw.split("&").filter((p) => p !== "")) {
        const [k, v = ""] = pair.split("=", 2);
        query[decodeURIComponent(k)] = decodeURIComponent(v);
    }
    return { path, query };
}

/** True when the request carries a valid SigV4 signature for service `aps` in `region` with `credentials`. */
export async function validSigV4(req: http.IncomingMessage, credentials: TestCredentials, region: string): Promise<boolean> {
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return false;
    const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const { path, query } = requestParts(req);
    const host = String(req.headers.host);
    const verifier = new SignatureV4({ service: "aps", region, credentials, sha256: Sha256 });
    const expected = await verifier.sign({ method: req.method ?? "GET", protocol: "http:", hostname: host.split(":")[0], port: Number(host.split(":")[1]), path, query, headers: { host } }, { signingDate: date });
    return expected.headers.authorization === req.headers.authorization;
}
