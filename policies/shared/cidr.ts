/**
 * IPv4 CIDR arithmetic for subnet planning.
 *
 * Small and dependency-free on purpose: the only operations needed are parse, format, split and
 * containment, each a few lines of 32-bit arithmetic, and every one is covered by table tests and
 * fast-check properties in `tests/cidr.test.ts`.
 *
 * Kept inside the policy pack's folder, which is published alone (`eks-public-endpoint-restricted`
 * uses it); the program imports it as `lib/cidr`.
 */

export interface Cidr {
    /** Network address as an unsigned 32-bit integer. */
    readonly base: number;
    /** Prefix length, 0..32. */
    readonly prefix: number;
}

/**
 * Decimal numbers without leading zeros: `010` is 10 here but 8 to `inet_aton`, and Go's
 * `net.ParseCIDR` (the AWS provider's validator) rejects it, so only the canonical form is accepted.
 */
const CIDR_RE = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/;

/**
 * Parses `a.b.c.d/n`; returns undefined for anything malformed (bad octet, bad prefix, leading zero,
 * host bits set). Every accepted text is canonical: `formatCidr(parseCidr(t)) === t`.
 */
export function parseCidr(text: string): Cidr | undefined {
    const m = CIDR_RE.exec(text);
    if (!m) {
        return undefined;
    }
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    const base = (((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3]) >>> 0;
    if ((base & hostMask(prefix)) !== 0) {
        return undefined;
    }
    return { base, prefix };
}

/** True when `text` is a CIDR with a correct network address. */
export function isCidr(text: string): boolean {
    return parseCidr(text) !== undefined;
}

export function formatCidr(c: Cidr): string {
    const b = c.base;
    return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

function hostMask(prefix: number): number {
    return prefix === 0 ? 0xffffffff : prefix === 32 ? 0 : (2 ** (32 - prefix) - 1) >>> 0;
}

/** Number of addresses in the block. */
export function size(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}

/**
 * The `index`-th block of prefix `prefix + newBits` inside `c` (Terraform's `cidrsubnet`).
 * Throws when the index does not fit: callers plan their indexes, so this is a programming error.
 */
export function subnet(c: Cidr, newBits: number, index: number): Cidr {
    const prefix = c.prefix + newBits;
    if (!Number.isInteger(newBits) || newBits < 0 || prefix > 32) {
        throw new RangeError(`cannot add ${newBits} bits to /${c.prefix}`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
        throw new RangeError(`index ${index} does not fit in ${newBits} new bits`);
    }
    return { base: (c.base + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** True when `inner` lies entirely within `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** RFC 5737: TEST-NET-1, -2 and -3, reserved for documentation (the committed stacks' placeholders). */
export const DOCUMENTATION_RANGES: readonly Cidr[] = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map(
    (t) => parseCidr(t) as Cidr,
);

/** RFC 1918 private ranges. */
export const PRIVATE_RANGES: readonly Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(
    (t) => parseCidr(t) as Cidr,
);

/** True when the block lies inside one RFC 1918 range. */
export function isPrivate(c: Cidr): boolean {
    return PRIVATE_RANGES.some((r) => contains(r, c));
}
