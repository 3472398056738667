/**
 * plan/struct.ts against the real thing: for each value, what a light Struct's `toJavaScript` gives
 * (or the error its making throws) is what google-protobuf's own `Struct.fromJavaScript(v).toJavaScript()`
 * gives, from the SDK's copy of google-protobuf.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { lightStructs } from "../plan/struct";

interface RealStruct {
    toJavaScript(): unknown;
    getFieldsMap(): { getLength(): number };
    toArray(): unknown[];
}
const { Struct } = createRequire(require.resolve("@pulumi/pulumi"))("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript: (v: unknown) => RealStruct } };
const { RegisterResourceRequest } = createRequire(require.resolve("@pulumi/pulumi"))("@pulumi/pulumi/proto/resource_pb") as {
    RegisterResourceRequest: new () => { setObject(s: unknown): void; getObject(): RealStruct | undefined };
};

/**
 * The outcome of `make` for `v`: its `toJavaScript()` and that value's JSON text (toEqual ignores key
 * order, the text does not), or the error thrown while making it.
 */
function outcome(make: (v: unknown) => RealStruct, v: unknown): { value: unknown; text: string } | { error: string } {
    try {
        const value = make(v).toJavaScript();
        return { value, text: JSON.stringify(value) };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

function light(v: unknown): RealStruct {
    const restore = lightStructs();
    try {
        return Struct.fromJavaScript(v);
    } finally {
        restore();
    }
}

const inherited = Object.assign(Object.create({ fromPrototype: "kept" }) as object, { own: 1 });
const bare = Object.assign(Object.create(null) as object, { z: 1, a: [null] });
const withMethod = { a: 1, method() { return 1; } };
const symbolKeyed = { a: 1, [Symbol("s")]: 2 };
const hole: unknown[] = [1];
hole[2] = 3;

const CASES: Record<string, unknown> = {
    "keys come back sorted, nested too": { zeta: 1, alpha: { d: [{ y: 1, b: 2 }], c: "x" }, "10": 1, "9": 2, Beta: true },
    "strings, numbers, booleans, null": { s: "", n: -0, nan: Number.NaN, inf: Infinity, t: true, f: false, z: null, big: 2 ** 60 },
    "nested arrays and empty containers": { a: [[], [[1, "2"], {}], { e: [] }] },
    "inherited enumerable properties": { x: inherited },
    "an object with no prototype": { x: bare },
    "a Date is an object of its enumerable keys (none)": { d: new Date(0) },
    "a Buffer is refused: for...in reaches its prototype's enumerable methods": { b: Buffer.from("hi") },
    "undefined in an object is refused": { a: undefined },
    "undefined in an array is refused": { a: [1, undefined] },
    "a hole in an array is refused": { a: hole },
    "a function is refused": withMethod,
    "a bigint is refused": { a: 1n },
    "a symbol value is refused": { a: Symbol("v") },
    "symbol keys are not enumerated by for...in": symbolKeyed,
    "the secret signature object the SDK serializes": { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s" },
};

describe("plan/struct.ts: a light Struct is google-protobuf's round trip", () => {
    it.each(Object.entries(CASES))("%s", (title, value) => {
        const real = outcome((v) => Struct.fromJavaScript(v), value);
        expect(outcome(light, value)).toEqual(real);
        // The title says which it is.
        expect("error" in real).toBe(/refused/.test(title));
    });

    it("each toJavaScript() is a fresh copy, and a change to the value after it was made does not reach it", () => {
        const value = { a: { b: [1] } };
        const s = light(value);
        const first = s.toJavaScript() as { a: { b: number[] } };
        first.a.b.push(2);
        value.a.b.push(3);
        expect(s.toJavaScript()).toEqual({ a: { b: [1] } });
    });

    it("stored in a request as the SDK stores it (setObject), read back by getObject; any other method builds the real Struct", () => {
        const req = new RegisterResourceRequest();
        const s = light({ b: 1, a: "x" });
        req.setObject(s);
        expect(req.getObject()).toBe(s);
        expect(req.getObject()?.toJavaScript()).toEqual({ a: "x", b: 1 });
        expect(s.getFieldsMap().getLength()).toBe(2);
        expect(s.toArray()).toEqual(Struct.fromJavaScript({ a: "x", b: 1 }).toArray());
    });

    it("puts the real Struct.fromJavaScript back, and nests", () => {
        const before = Struct.fromJavaScript;
        const outer = lightStructs();
        const inner = lightStructs();
        inner();
        expect(Struct.fromJavaScript).not.toBe(before);
        outer();
        expect(Struct.fromJavaScript).toBe(before);
    });
});
