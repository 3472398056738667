/**
 * The benchmark's target: a minimal keep-alive HTTP server, run in its own process so it never
 * shares an event loop with the load generators. Prints its URL as the first stdout line, then
 * serves until killed. Its one argument is a service time in milliseconds (default 0), waited with a
 * timer before each answer, like an endpoint that does real work.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

const BODY = "ready\n";

const delayMs = Number(process.argv[2] ?? "0");

function answer(res: http.ServerResponse): void {
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
}

const server = http.createServer((_req, res) => {
    if (delayMs > 0) {
        setTimeout(answer, delayMs, res);
    } else {
        answer(res);
    }
});
// Longer than any pause between the bench's runs, so neither client has its connections closed under it.
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
