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

/** True when the ranges together (of one family) admit every address of `target`: one of their merged, disjoint runs holds it. */
export function unionCovers(ranges: readonly IpRange[], target: IpRange): boolean {
    return merged(ranges, target.family).some((r) => rangeContains(r, target));
}

/** The families whose whole address space the CIDRs admit together (unparseable texts are ignored). */
export function openToEveryone(cidrs: readonly string[]): Family[] {
    const ranges = cidrs.map(parseRange).filter((r): r is IpRange => r !== undefined);
    return (["ipv4", "ipv6"] as const).filter((f) => unionCovers(ranges, everything(f)));
}

/**
 * What "the world" means to the ingress rules: more public addresses than one /8 (IPv4) or one /32
 * (IPv6) holds, counted over the union of a source set, private and special-purpose ranges left out.
 *
 * AWS's own checks name only the literal /0: AWS Config's vpc-sg-open-only-to-authorized-ports
 * (Security Hub EC2.18) judges "unrestricted incoming traffic ('0.0.0.0/0' or '::/0')", and CIS AWS
 * Foundations 5.2/5.3 "ingress from 0.0.0.0/0" / "::/0"; 0.0.0.0/1 alone passes all three, so a size
 * is needed. Prowler draws it per CIDR at /24 (prowler-cloud/prowler 148c9e62
 * prowler/providers/aws/services/ec2/ec2_securitygroup_allow_wide_open_public_ipv4/…py, `cidr_treshold
 * = 24` on `ip.is_global` blocks), which would refuse an office's or a cloud region's /16. Ours: a /8
 * is the largest block IANA hands a registry or a legacy holder, so a source set admitting more than
 * one /8's worth of public IPv4 is no list of known sources but a share of the internet; IPv6's unit
 * is the /32, a registry's minimum allocation to one network operator. One number for every tier:
 * staging's clusters and databases are scanned as production's are (the /0 rule was never tiered).
 */
export const WORLD_PREFIX: Readonly<Record<Family, number>> = { ipv4: 8, ipv6: 32 };

/** The most public addresses of a family a source set may admit: one {@link WORLD_PREFIX} block's worth. */
export function worldThreshold(family: Family): bigint {
    return 1n << BigInt(BITS[family] - WORLD_PREFIX[family]);
}

/**
 * ipaddr.js's special-purpose classes (`IPv4.prototype.SpecialRanges`, `IPv6.prototype.SpecialRanges`,
 * what its `range()` reads) that are not reachable from the internet, so not counted as public:
 * RFC 1918, CGNAT, loopback, link-local, multicast, reserved (documentation, benchmarking, 240/4) and
 * the like. Read from the library, not retyped. Unallocated IPv6 counts as public (it may be allocated
 * tomorrow), and so do the routed special blocks (6to4, Teredo, NAT64, AS112).
 */
export const NOT_PUBLIC_CLASSES: Readonly<Record<Family, readonly string[]>> = {
    ipv4: ["unspecified", "broadcast", "multicast", "linkLocal", "loopback", "carrierGradeNat", "private", "reserved"],
    ipv6: ["unspecified", "linkLocal", "multicast", "loopback", "uniqueLocal", "deprecatedSiteLocal", "discard", "benchmarking"],
};

type SpecialTable = Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][]>;

function notPublic(family: Family): IpRange[] {
    const table = ((family === "ipv4" ? ipaddr.IPv4.prototype : ipaddr.IPv6.prototype) as unknown as { SpecialRanges: SpecialTable }).SpecialRanges;
    return NOT_PUBLIC_CLASSES[family].flatMap((name) => {
        const entry = table[name];
        // The IPv6 table writes a class of one block as [address, bits], of several as a list of those.
        const blocks = Array.isArray(entry[0]) ? (entry as [ipaddr.IPv4 | ipaddr.IPv6, number][]) : [entry as [ipaddr.IPv4 | ipaddr.IPv6, number]];
        return blocks.map(([address, bits]) => parseRange(`${address.toString()}/${bits}`) as IpRange);
    });
}

const NOT_PUBLIC: Readonly<Record<Family, readonly IpRange[]>> = { ipv4: notPublic("ipv4"), ipv6: notPublic("ipv6") };

/** The union of the ranges of one family as sorted, disjoint ranges. */
function merged(ranges: readonly IpRange[], family: Family): IpRange[] {
    const mine = ranges.filter((r) => r.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    const out: { family: Family; first: bigint; last: bigint }[] = [];
    for (const r of mine) {
        const tail = out[out.length - 1];
        if (tail !== undefined && r.first <= tail.last + 1n) tail.last = r.last > tail.last ? r.last : tail.last;
        else out.push({ ...r });
    }
    return out;
}

/** How many public addresses of `family` the CIDRs admit together (each address once; unparseable texts ignored). */
export function publicAddresses(cidrs: readonly string[], family: Family): bigint {
    const reserved = merged(NOT_PUBLIC[family], family);
    let total = 0n;
    for (const r of merged(cidrs.map(parseRange).filter((x): x is IpRange => x !== undefined), family)) {
        let count = r.last - r.first + 1n;
        for (const n of reserved) {
            const first = n.first > r.first ? n.first : r.first;
            const last = n.last < r.last ? n.last : r.last;
            if (first <= last) count -= last - first + 1n;
        }
        total += count;
    }
    return total;
}

/** The families of which the CIDRs together admit more public addresses than {@link worldThreshold}: the world, to the ingress rules. */
export function openToTheWorld(cidrs: readonly string[]): Family[] {
    return (["ipv4", "ipv6"] as const).filter((f) => publicAddresses(cidrs, f) > worldThreshold(f));
}

/** How a world found by {@link openToTheWorld} is named in a message. */
export function worldText(cidrs: readonly string[]): string {
    const whole = openToEveryone(cidrs);
    const wide = openToTheWorld(cidrs);
    if (wide.every((f) => whole.includes(f))) return "the whole address space";
    return `more public ${wide.map((f) => (f === "ipv4" ? "IPv4" : "IPv6")).join(" and ")} addresses than a ${wide.map((f) => `/${WORLD_PREFIX[f]}`).join(" and a ")} ${wide.length === 1 ? "holds" : "hold"}`;
}
