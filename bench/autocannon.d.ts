// The part of autocannon 9's programmatic API that bench/smoke.bench.ts uses; the package ships no types.
declare module "autocannon" {
    import type { EventEmitter } from "node:events";

    interface Options {
        url: string;
        connections?: number;
        amount?: number;
        duration?: number;
        timeout?: number;
        pipelining?: number;
    }

    interface Result {
        requests: { total: number };
        errors: number;
        timeouts: number;
        non2xx: number;
        "2xx": number;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
        on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
    }

    function autocannon(opts: Options): Instance;
    export = autocannon;
}
