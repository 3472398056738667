/**
 * Raw servers for the smoke gate's fault tests: plain `net` or `tls` on 127.0.0.1, a random port
 * each, that write exactly the bytes a test names. `onRequest` gets the socket and the request's head
 * each time a whole head has arrived; the TLS certificate is a throwaway self-signed one for
 * 127.0.0.1, made with `openssl` once per process.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";

export interface RawServer {
    /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
    readonly url: string;
    /** Connections accepted so far. */
    readonly connections: () => number;
    /** Connections the client closed (or lost) so far. */
    readonly closed: () => number;
    readonly close: () => Promise<void>;
}

export type OnRequest = (socket: net.Socket, head: string, n: number) => void;

let pair: { key: string; cert: string } | undefined;

/** A self-signed key and certificate for 127.0.0.1 (the certificate is also its own CA). */
export function testCertificate(): { key: string; cert: string } {
    if (pair === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-tls-"));
        try {
            execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
            pair = { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    return pair;
}

export async function rawServer(onRequest: OnRequest, protocol: "http" | "https" = "http"): Promise<RawServer> {
    let connections = 0;
    let closed = 0;
    let requests = 0;
    const sockets = new Set<net.Socket>();
    const accept = (socket: net.Socket): void => {
        connections++;
        sockets.add(socket);
        socket.on("close", () => {
            closed++;
            sockets.delete(socket);
        });
        socket.on("error", () => undefined);
        let pending = "";
        socket.on("data", (c: Buffer) => {
            pending += c.toString("latin1");
            let end: number;
            while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
                const head = pending.slice(0, end);
                pending = pending.slice(end + 4);
                onRequest(socket, head, ++requests);
            }
        });
    };
    const server = protocol === "https" ? tls.createServer(testCertificate(), accept) : net.createServer(accept);
    // A failed handshake is the client's verdict to give; the server just drops it.
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`,
        connections: () => connections,
        closed: () => closed,
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((socket) => socket.destroy());
                server.close(() => resolve());
            }),
    };
}

/** Writes `chunk` again and again, as fast as the socket drains, until the socket closes. */
export function writeForever(socket: net.Socket, chunk: Buffer | string): void {
    const more = (): void => {
        while (!socket.destroyed && socket.write(chunk)) {
            // Fill the socket's buffer, then wait for it to drain.
        }
    };
    socket.on("drain", more);
    more();
}
