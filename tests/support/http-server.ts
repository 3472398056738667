/**
 * Local HTTP servers for the smoke runner's tests: real sockets on 127.0.0.1, a random port each,
 * with a request counter so a handler can fail deterministically (every 50th request, after the
 * 20th, ...).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestServer {
    /** `http://127.0.0.1:<port>`. */
    readonly url: string;
    /** Requests received so far, across all paths. */
    readonly count: () => number;
    readonly close: () => Promise<void>;
}

/** `handler` gets the request's 1-based number across the server's life. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
    let n = 0;
    const server = http.createServer((req, res) => {
        n++;
        // Read the request body (if any) before answering, as a real service would.
        req.resume();
        handler(req, res, n);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        count: () => n,
        close: () =>
            new Promise<void>((resolve) => {
                // Keep-alive and hanging connections would hold close() open.
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** One request a {@link recordingServer} received. */
export interface RecordedRequest {
    readonly method: string;
    readonly url: string;
    readonly body: string;
}

/** A server that answers 200 to everything and records each request (a Pushgateway stand-in). */
export async function recordingServer(): Promise<TestServer & { readonly received: RecordedRequest[] }> {
    const received: RecordedRequest[] = [];
    const server = await startServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
            received.push({ method: req.method ?? "", url: req.url ?? "", body });
            res.writeHead(200);
            res.end();
        });
    });
    return Object.assign(server, { received });
}
