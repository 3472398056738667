import * as pulumi from "@pulumi/pulumi";
import { parseCidr, type Cidr } from "../../lib/cidr";

/** Parses a CIDR a test table holds or a plan produced; an unparsable one fails loudly. */
export function c(text: string): Cidr {
    const parsed = parseCidr(text);
    if (parsed === undefined) {
        throw new Error(`not a CIDR: ${text}`);
    }
    return parsed;
}

/** What `fn` threw, as class name and message, for one exact `toEqual`. */
export function thrown(fn: () => unknown): { type: string; message: string } | "nothing thrown" {
    try {
        fn();
    } catch (e) {
        return { type: (e as Error).constructor.name, message: (e as Error).message };
    }
    return "nothing thrown";
}

/** An Output's (or plain input's) value: outside a deployment an Output of a known value resolves at once. */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}
