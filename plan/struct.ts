/**
 * The Pulumi SDK's protobuf Struct round trip, without protobuf, for the length of a plan.
 *
 * Every registration crosses the mock monitor as a `google.protobuf.Struct`: the SDK builds one from
 * the serialized inputs (@pulumi/pulumi runtime/resource.js, `req.setObject(Struct.fromJavaScript(...))`),
 * the mock monitor reads it back (`deserializeProperties`, i.e. `toJavaScript`), answers with another
 * (runtime/mocks.js `registerResource`), which the SDK and the engine read back too. Building and
 * reading those nested Value messages was about a sixth of the CPU of the plan-heavy test files
 * (`node --cpu-prof` of tests/rollback.test.ts: 16.3 s, of which `Struct.fromJavaScript` 1.7 s and
 * `toJavaScript` 0.6 s; with this, 15.3 to 12.2 CPU-seconds for the file). Nothing in a plan
 * serializes a message to bytes, so the Struct never needs to exist: while a plan runs,
 * `Struct.fromJavaScript` checks and copies the value as it would and returns an object whose
 * `toJavaScript` gives what the real one would give. Any other use of it builds the real Struct.
 *
 * What the round trip does (google-protobuf 3.21.4, google/protobuf/struct_pb.js and the jspb
 * runtime): `Struct.fromJavaScript` takes every enumerable property, inherited ones included
 * (`for...in`); `Value.fromJavaScript` keeps strings, numbers, booleans and null, recurses into arrays
 * (every index up to `length`: a hole is `undefined`) and other objects, and throws
 * "Unexpected struct type." for anything else (`undefined`, functions, symbols, bigints: `goog.typeOf`);
 * `Struct.toJavaScript` walks the fields map, whose `forEach` visits the keys sorted.
 */
import { createRequire } from "node:module";
import { copyData } from "../lib/data";

interface StructClass {
    /** A static function property (google-protobuf never reads `this` in it); replaced while a plan runs. */
    fromJavaScript: (value: unknown) => unknown;
}

/** The Struct class of the SDK's own copy of google-protobuf (its require, not ours: one instance). */
const Struct = (createRequire(require.resolve("@pulumi/pulumi"))("google-protobuf/google/protobuf/struct_pb") as { Struct: StructClass }).Struct;

/** What `Value.fromJavaScript(v).toJavaScript()` returns, or the error it throws. */
function roundTrip(v: unknown): unknown {
    if (v === null) return null;
    switch (typeof v) {
        case "string":
        case "number":
        case "boolean":
            return v;
        case "object": {
            if (Array.isArray(v)) {
                const out: unknown[] = new Array(v.length);
                for (let i = 0; i < v.length; i++) out[i] = roundTrip(v[i]);
                return out;
            }
            return fields(v);
        }
        default:
            throw new Error("Unexpected struct type.");
    }
}

/** `Struct.fromJavaScript(v).toJavaScript()`: every enumerable key, sorted. */
function fields(v: object): Record<string, unknown> {
    const keys: string[] = [];
    // for...in: inherited enumerable properties too, as Struct.fromJavaScript takes them.
    for (const k in v) keys.push(k);
    keys.sort();
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = roundTrip((v as Record<string, unknown>)[k]);
    return out;
}

/** The real one, whatever is installed when a light Struct needs it. */
const original = Struct.fromJavaScript;

/**
 * A Struct as the plan uses it: `toJavaScript` answers from the copy taken when it was made; `g`,
 * the minified `toArray` that `jspb.Message.setWrapperField` calls to store a message field, gives an
 * empty array (never read: the getter returns this object). Anything else builds the real Struct.
 */
function lightStruct(value: unknown): object {
    const snapshot = fields(value as object);
    let real: Record<string | symbol, unknown> | undefined;
    const own: Record<string, () => unknown> = {
        // A fresh copy each time (plain data, its keys already in the Struct's order).
        toJavaScript: () => copyData(snapshot),
        g: () => [],
    };
    return new Proxy(own, {
        get(target, prop) {
            if (typeof prop === "string" && Object.hasOwn(target, prop)) return target[prop];
            real ??= original(snapshot) as Record<string | symbol, unknown>;
            const v = real[prop];
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(real) : v;
        },
    });
}

/** Replaces `Struct.fromJavaScript` until the returned function puts back what was there (a plan inside a plan nests). */
export function lightStructs(): () => void {
    const before = Struct.fromJavaScript;
    Struct.fromJavaScript = lightStruct;
    return () => {
        Struct.fromJavaScript = before;
    };
}
