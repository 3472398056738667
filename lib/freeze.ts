/** Freezing shared values all the way down. */
import * as pulumi from "@pulumi/pulumi";

/**
 * Freezes a value and everything it holds, so that no holder can change what the next one reads:
 * a parsed config, a shared plan, a parsed vendored file. An Output is left as it is (it resolves
 * later). Each object is frozen before its members, so a cycle ends at the first frozen object.
 */
export function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}
