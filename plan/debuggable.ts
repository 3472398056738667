/**
 * The Pulumi SDK's `debuggablePromise` without its debugging aids, for the length of a plan.
 *
 * The SDK wraps nearly every promise it makes (@pulumi/pulumi runtime/debuggable.js, called from
 * rpc.js, resource.js and settings.js): it defines three properties on the promise (`_debugId`,
 * `_debugCtx` and `_debugStackTrace`, a `new Error().stack`), adds it to the run's leak candidates,
 * and returns `p.then(...).catch(...)`, which take it out again when it settles. The properties are
 * read only by the leak report when `PULUMI_DEBUG_PROMISE_LEAKS` is set; defining them, and the
 * error, cost about a tenth of the CPU of the plan-heavy test files (user+sys of rollback,
 * migrations, identity-record and second-up: 39.7 and 39.4 s with them, 35.4 and 35.8 s without).
 * Everything else stays: the same leak-candidate bookkeeping (so the SDK's exit-time report of
 * promises still active works as before), the same `.then(...).catch(...)` chain (so every
 * continuation runs on the same microtask tick), and the same `err.promise = p` on a rejection.
 * With `PULUMI_DEBUG_PROMISE_LEAKS` set nothing is replaced: whoever debugs gets the whole report.
 */
import { createRequire } from "node:module";

interface Debuggable {
    debugPromiseLeaks: boolean;
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
}
interface RuntimeState {
    getStore: () => { leakCandidates: Set<Promise<unknown>> };
}

const sdk = createRequire(require.resolve("@pulumi/pulumi"));
/** The SDK's own modules: its calls read `debuggable_1.debuggablePromise` from this object each time. */
const debuggable = sdk("@pulumi/pulumi/runtime/debuggable") as Debuggable;
const state = sdk("@pulumi/pulumi/runtime/state") as RuntimeState;
const original = debuggable.debuggablePromise;

/** debuggable.js `debuggablePromise`, less the three debug properties and the stack trace. */
function lightDebuggablePromise<T>(p: Promise<T>): Promise<T> {
    const localStore = state.getStore();
    localStore.leakCandidates.add(p);
    return p
        .then((val) => {
            localStore.leakCandidates.delete(p);
            return val;
        })
        .catch((err: unknown) => {
            localStore.leakCandidates.delete(p);
            // As the SDK does (strict mode: a thrown primitive makes this a TypeError there too).
            (err as { promise?: unknown }).promise = p;
            throw err;
        });
}

let started = false;

/** Replaces `debuggablePromise` until the returned function puts back what was there (a plan inside a plan nests). */
export function lightPromises(): () => void {
    if (debuggable.debugPromiseLeaks) {
        return () => undefined;
    }
    if (!started) {
        // The SDK schedules its exit-time leak report on its first call; make that call once, so the
        // report runs as it would have (its promise settles at once and leaves the candidates).
        void original(Promise.resolve(), "launchpad plan: schedules the SDK's leak report");
        started = true;
    }
    const before = debuggable.debuggablePromise;
    debuggable.debuggablePromise = lightDebuggablePromise;
    return () => {
        debuggable.debuggablePromise = before;
    };
}
