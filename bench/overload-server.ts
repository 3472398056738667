/**
 * A local server that overloads on purpose, for the performance suite's sample run (docs/delivery.md,
 * "Reading a run"): 5 ms per request while at most 40 are in flight, 300 ms past 40 (a queue
 * forming), and an immediate 503 past 120 (load shedding). Listens on 127.0.0.1 only and prints its
 * URL as the first line of stdout.
 *
 *     node --import tsx bench/overload-server.ts [port]
 */
import * as http from "node:http";

const SLOW_PAST = 40;
const SHED_PAST = 120;

let inFlight = 0;
const server = http.createServer((_req, res) => {
    inFlight++;
    const done = (status: number): void => {
        inFlight--;
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status === 200 ? "ok" : "overloaded");
    };
    if (inFlight > SHED_PAST) {
        done(503);
        return;
    }
    setTimeout(() => done(200), inFlight > SLOW_PAST ? 300 : 5);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
    const a = server.address();
    if (a !== null && typeof a === "object") console.log(`http://127.0.0.1:${a.port}`);
});
