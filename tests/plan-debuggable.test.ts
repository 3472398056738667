/**
 * plan/debuggable.ts against the SDK's own debuggablePromise (@pulumi/pulumi runtime/debuggable.js):
 * the same microtask ticks for what waits on the wrapped promise, the same rejection, the same leak
 * candidates; only the debug properties are gone.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { lightPromises } from "../plan/debuggable";

const sdk = createRequire(require.resolve("@pulumi/pulumi"));
const debuggable = sdk("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
const state = sdk("@pulumi/pulumi/runtime/state") as { getStore: () => { leakCandidates: Set<Promise<unknown>> } };

type Wrap = <T>(p: Promise<T>) => Promise<T>;

/** Runs `scenario` with the SDK's wrapper, then with the light one in its place. */
async function both<R>(scenario: (wrap: Wrap) => Promise<R>): Promise<{ sdk: R; light: R }> {
    const sdkResult = await scenario((p) => debuggable.debuggablePromise(p, "test"));
    const restore = lightPromises();
    try {
        return { sdk: sdkResult, light: await scenario((p) => debuggable.debuggablePromise(p, "test")) };
    } finally {
        restore();
    }
}

/** The order in which a settled promise's waiters and an independent chain of microtasks run. */
async function ticks(wrap: Wrap, settled: () => Promise<unknown>): Promise<string[]> {
    const log: string[] = [];
    wrap(settled()).then(() => log.push("fulfilled"), () => log.push("rejected"));
    void Promise.resolve()
        .then(() => log.push("1"))
        .then(() => log.push("2"))
        .then(() => log.push("3"))
        .then(() => log.push("4"))
        .then(() => log.push("5"));
    await new Promise((r) => setTimeout(r, 0));
    return log;
}

describe("plan/debuggable.ts: the SDK's debuggablePromise less its debug properties", () => {
    it("a fulfilled promise's waiters run on the same tick", async () => {
        const r = await both((wrap) => ticks(wrap, () => Promise.resolve(1)));
        expect(r.light).toEqual(r.sdk);
        expect(r.sdk).toContain("fulfilled");
    });

    it("a rejected promise's waiters run on the same tick, with the same error carrying the promise", async () => {
        const r = await both(async (wrap) => {
            const p = Promise.reject(new Error("no"));
            const err = (await wrap(p).then(() => undefined, (e: unknown) => e)) as Error & { promise?: unknown };
            return { message: err.message, promise: err.promise === p, order: await ticks(wrap, () => Promise.reject(new Error("again"))) };
        });
        expect(r.light).toEqual(r.sdk);
        expect(r.sdk.promise).toBe(true);
    });

    it("a pending promise is a leak candidate until it settles, as the exit-time report counts them", async () => {
        const r = await both(async (wrap) => {
            let settle: () => void = () => undefined;
            const p = new Promise<void>((resolve) => {
                settle = resolve;
            });
            const wrapped = wrap(p);
            const pending = state.getStore().leakCandidates.has(p);
            settle();
            await wrapped;
            return { pending, after: state.getStore().leakCandidates.has(p) };
        });
        expect(r.light).toEqual(r.sdk);
        expect(r.sdk).toEqual({ pending: true, after: false });
    });

    it("only the debug properties are gone", async () => {
        const r = await both(async (wrap) => {
            const p = Promise.resolve(1);
            await wrap(p);
            return Object.getOwnPropertyNames(p).sort();
        });
        expect(r.sdk).toEqual(["_debugCtx", "_debugId", "_debugStackTrace"]);
        expect(r.light).toEqual([]);
    });

    it("puts the SDK's function back, and nests", () => {
        const before = debuggable.debuggablePromise;
        const outer = lightPromises();
        const inner = lightPromises();
        inner();
        expect(debuggable.debuggablePromise).not.toBe(before);
        outer();
        expect(debuggable.debuggablePromise).toBe(before);
    });
});
