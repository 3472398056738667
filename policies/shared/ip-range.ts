/**
 * Address ranges of IPv4 and IPv6 CIDRs, for policies that must judge what a rule admits rather than
 * how its CIDRs are spelled: `0.0.0.0/1` and `128.0.0.0/1` together admit every IPv4 address, and
 * `::0/0`, `::/0` and `0:0::/0` are one range. Parsing is ipaddr.js's (it knows IPv6 compression and
 * embedded IPv4, which a hand-written parser gets wrong); the arithmetic is BigInt intervals.
 *
 * Kept inside the policy pack's folder, which is published alone.
 */
import * as ipaddr from "ipaddr.js";

export type Family = "ipv4" | "ipv6";

export interface IpRange {
    readonly family: Family;
    /** First and last address, inclusive. */
    readonly first: bigint;
    readonly last: bigint;
}

const BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

function toBigInt(bytes: readonly number[]): bigint {
    return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/**
 * The range a CIDR admits, host bits ignored (as a firewall applies the prefix), or undefined when
 * the text is not a CIDR. An IPv4-mapped IPv6 CIDR stays IPv6: security groups keep the families apart.
 */
export function parseRange(text: string): IpRange | undefined {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    const [address = ""] = text.trim().split("/");
    // ipaddr.js also reads legacy IPv4 ("1.2.3", hex, octal), which AWS refuses: dotted four-part decimal only.
    if (!address.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(address)) {
        return undefined;
    }
    try {
        parsed = ipaddr.parseCIDR(text.trim());
    } catch {
        return undefined;
    }
    const [addr, prefix] = parsed;
    const family = addr.kind();
    const bits = BITS[family];
    const hostBits = BigInt(bits - prefix);
    const first = (toBigInt(addr.toByteArray()) >> hostBits) << hostBits;
    return { family, first, last: first + (1n << hostBits) - 1n };
}

/** The whole address space of a family. */
export function everything(family: Family): IpRange {
    return { family, first: 0n, last: (1n << BigInt(BITS[family])) - 1n };
}

/** True when `outer` holds every address of `inner`. */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
    return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** True when the ranges together (of one family) admit every address of `target`. */
export function unionCovers(ranges: readonly IpRange[], target: IpRange): boolean {
    const mine = ranges.filter((r) => r.family === target.family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = target.first;
    for (const r of mine) {
        if (r.first > next) break;
        if (r.last >= next) next = r.last + 1n;
        if (next > target.last) return true;
    }
    return next > target.last;
}

/** The families whose whole address space the CIDRs admit together (unparseable texts are ignored). */
export function openToEveryone(cidrs: readonly string[]): Family[] {
    const ranges = cidrs.map(parseRange).filter((r): r is IpRange => r !== undefined);
    return (["ipv4", "ipv6"] as const).filter((f) => unionCovers(ranges, everything(f)));
}
