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
