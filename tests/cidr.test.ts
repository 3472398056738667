import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { c, thrown } from "./support/values";
import { contains, formatCidr, isCidr, isPrivate, overlaps, parseCidr, PRIVATE_RANGES, size, subnet, type Cidr } from "../lib/cidr";

const TWO_32 = 2 ** 32;

/** Any valid block: a prefix 0..32 and a base with its host bits cleared. */
const cidrArb: fc.Arbitrary<Cidr> = fc
    .record({ prefix: fc.integer({ min: 0, max: 32 }), raw: fc.maxSafeNat() })
    .map(({ prefix, raw }) => {
        const step = 2 ** (32 - prefix);
        const base = raw % TWO_32;
        return { base: base - (base % step), prefix };
    });

/** A block, a number of new bits that fits, and two indexes among the 2^newBits sub-blocks. */
const splitArb = cidrArb.chain((block) =>
    fc.integer({ min: 0, max: 32 - block.prefix }).chain((newBits) => {
        const index = fc.maxSafeNat().map((x) => x % 2 ** newBits);
        return fc.record({ block: fc.constant(block), newBits: fc.constant(newBits), i: index, j: index });
    }),
);

describe("parseCidr", () => {
    it.each([
        ["10.0.0.0/8", 167_772_160, 8],
        ["0.0.0.0/0", 0, 0],
        ["255.255.255.255/32", 4_294_967_295, 32],
        ["128.0.0.0/1", 2_147_483_648, 1],
        ["172.16.0.0/12", 2_886_729_728, 12],
        ["192.168.1.0/24", 3_232_235_776, 24],
        ["10.20.224.0/22", 169_140_224, 22],
        ["10.0.0.0/7", 167_772_160, 7],
        ["10.0.0.1/32", 167_772_161, 32],
    ])("parses %s to base %i, prefix %i", (text, base, prefix) => {
        expect(parseCidr(text)).toEqual({ base, prefix });
        expect(isCidr(text)).toBe(true);
    });

    it.each([
        ["empty", ""],
        ["no prefix", "10.0.0.0"],
        ["empty prefix", "10.0.0.0/"],
        ["three octets", "10.0.0/8"],
        ["five octets", "10.0.0.0.0/8"],
        ["host bits set", "10.0.0.1/24"],
        ["the host bit of a /31 set", "10.0.0.1/31"],
        ["host bits set with /0", "1.2.3.4/0"],
        ["host bits set in the second octet", "172.16.0.0/11"],
        ["octet 256", "256.0.0.0/8"],
        ["last octet 300", "10.0.0.300/32"],
        ["four-digit octet", "1000.0.0.0/8"],
        ["prefix 33", "10.0.0.0/33"],
        ["prefix 99", "10.0.0.0/99"],
        ["three-digit prefix", "10.0.0.0/100"],
        ["negative prefix", "10.0.0.0/-1"],
        ["negative octet", "-1.0.0.0/8"],
        ["leading zero in an octet", "010.0.0.0/8"],
        ["leading zero in the prefix", "10.0.0.0/08"],
        ["leading space", " 10.0.0.0/8"],
        ["trailing space", "10.0.0.0/8 "],
        ["trailing newline", "10.0.0.0/8\n"],
        ["letters", "a.b.c.d/8"],
        ["IPv6", "fd00::/8"],
        ["non-ASCII digits", "١٠.0.0.0/8"],
    ])("rejects %s: %j", (_why, text) => {
        expect(parseCidr(text)).toBeUndefined();
        expect(isCidr(text)).toBe(false);
    });
});

describe("formatCidr", () => {
    it.each([
        [{ base: 0, prefix: 0 }, "0.0.0.0/0"],
        [{ base: 4_294_967_295, prefix: 32 }, "255.255.255.255/32"],
        [{ base: 2_147_483_648, prefix: 1 }, "128.0.0.0/1"],
        [{ base: 169_140_224, prefix: 22 }, "10.20.224.0/22"],
        [{ base: 3_232_235_776, prefix: 24 }, "192.168.1.0/24"],
    ])("formats %j as %s, which parses back to the same block", (block, text) => {
        expect(formatCidr(block)).toBe(text);
        expect(parseCidr(text)).toEqual(block);
    });
});

describe("size", () => {
    it.each([
        ["0.0.0.0/0", 4_294_967_296],
        ["10.0.0.0/8", 16_777_216],
        ["10.0.0.0/16", 65_536],
        ["10.0.0.0/28", 16],
        ["10.0.0.0/32", 1],
    ])("%s holds %i addresses", (text, n) => {
        expect(size(c(text))).toBe(n);
    });
});

describe("subnet (Terraform's cidrsubnet)", () => {
    it.each([
        // The first two are the examples in Terraform's cidrsubnet documentation.
        ["172.16.0.0/12", 4, 2, "172.18.0.0/16"],
        ["10.1.2.0/24", 4, 15, "10.1.2.240/28"],
        ["10.0.0.0/16", 3, 0, "10.0.0.0/19"],
        ["10.0.0.0/16", 3, 7, "10.0.224.0/19"],
        ["10.0.224.0/19", 3, 5, "10.0.244.0/22"],
        ["10.0.0.0/16", 0, 0, "10.0.0.0/16"],
        ["192.168.0.0/16", 8, 255, "192.168.255.0/24"],
        ["10.0.0.0/8", 24, 65_536, "10.1.0.0/32"],
        ["0.0.0.0/0", 1, 1, "128.0.0.0/1"],
        ["0.0.0.0/0", 32, 4_294_967_295, "255.255.255.255/32"],
        ["255.255.255.0/24", 8, 255, "255.255.255.255/32"],
    ])("cidrsubnet(%s, %i, %i) = %s", (parent, newBits, index, expected) => {
        expect(formatCidr(subnet(c(parent), newBits, index))).toBe(expected);
    });

    it.each([
        ["10.0.0.0/16", 17, 0, "cannot add 17 bits to /16"],
        ["255.255.255.255/32", 1, 0, "cannot add 1 bits to /32"],
        ["10.0.0.0/16", -1, 0, "cannot add -1 bits to /16"],
        ["10.0.0.0/16", 1.5, 0, "cannot add 1.5 bits to /16"],
        ["10.0.0.0/16", Number.NaN, 0, "cannot add NaN bits to /16"],
        ["10.0.0.0/16", 3, 8, "index 8 does not fit in 3 new bits"],
        ["10.0.0.0/16", 3, -1, "index -1 does not fit in 3 new bits"],
        ["10.0.0.0/16", 3, 1.5, "index 1.5 does not fit in 3 new bits"],
        ["10.0.0.0/16", 3, Number.NaN, "index NaN does not fit in 3 new bits"],
        ["10.0.0.0/16", 0, 1, "index 1 does not fit in 0 new bits"],
    ])("subnet(%s, %d, %d) throws RangeError: %s", (parent, newBits, index, message) => {
        expect(thrown(() => subnet(c(parent), newBits, index))).toEqual({ type: "RangeError", message });
    });
});

describe("contains", () => {
    it.each([
        ["10.0.0.0/16", "10.0.0.0/16", true],
        ["10.0.0.0/16", "10.0.0.0/24", true],
        ["10.0.0.0/16", "10.0.255.0/24", true],
        ["10.0.0.0/16", "10.0.255.255/32", true],
        ["10.0.0.0/16", "10.1.0.0/24", false],
        ["10.0.0.0/16", "9.255.255.255/32", false],
        ["10.0.0.0/24", "10.0.0.0/16", false],
        ["10.0.0.0/16", "10.0.0.0/15", false],
        ["0.0.0.0/0", "255.255.255.255/32", true],
        ["128.0.0.0/1", "255.255.255.0/24", true],
        ["128.0.0.0/1", "127.255.255.255/32", false],
    ])("contains(%s, %s) is %s", (outer, inner, expected) => {
        expect(contains(c(outer), c(inner))).toBe(expected);
    });
});

describe("overlaps", () => {
    it.each([
        ["10.0.0.0/16", "10.0.0.0/16", true],
        ["10.0.0.0/16", "10.0.128.0/17", true],
        ["10.0.128.0/17", "10.0.0.0/16", true],
        ["0.0.0.0/0", "203.0.113.7/32", true],
        ["10.0.0.0/24", "10.0.1.0/24", false],
        ["10.0.1.0/24", "10.0.0.0/24", false],
        ["10.0.0.0/8", "11.0.0.0/8", false],
        ["10.0.0.0/31", "10.0.0.2/31", false],
        ["255.255.255.254/31", "255.255.255.255/32", true],
    ])("overlaps(%s, %s) is %s", (a, b, expected) => {
        expect(overlaps(c(a), c(b))).toBe(expected);
    });
});

describe("isPrivate (RFC 1918)", () => {
    it("knows exactly the three RFC 1918 ranges", () => {
        expect(PRIVATE_RANGES.map(formatCidr)).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
    });

    it.each([
        ["10.0.0.0/8", true],
        ["10.255.255.0/24", true],
        ["10.0.0.0/7", false],
        ["9.255.255.0/24", false],
        ["11.0.0.0/24", false],
        ["172.16.0.0/12", true],
        ["172.16.0.0/24", true],
        ["172.31.255.0/24", true],
        ["172.15.255.0/24", false],
        ["172.32.0.0/24", false],
        ["172.0.0.0/11", false],
        ["192.168.0.0/16", true],
        ["192.168.255.255/32", true],
        ["192.167.255.0/24", false],
        ["192.169.0.0/24", false],
        ["192.168.0.0/15", false],
        ["100.64.0.0/10", false],
        ["203.0.113.0/24", false],
        ["0.0.0.0/0", false],
    ])("isPrivate(%s) is %s", (text, expected) => {
        expect(isPrivate(c(text))).toBe(expected);
    });
});

describe("properties", () => {
    it("parse(format(c)) is c for every valid block", () => {
        fc.assert(
            fc.property(cidrArb, (block) => {
                expect(parseCidr(formatCidr(block))).toEqual(block);
            }),
        );
    });

    it("every text parseCidr accepts is canonical: format(parse(t)) is t", () => {
        const part = (max: number): fc.Arbitrary<string> =>
            fc.tuple(fc.integer({ min: 0, max }), fc.boolean()).map(([n, zero]) => `${zero ? "0" : ""}${n}`);
        const textArb = fc.tuple(part(300), part(300), part(300), part(300), part(40)).map(([a, b, d, e, p]) => `${a}.${b}.${d}.${e}/${p}`);
        fc.assert(
            fc.property(textArb, (text) => {
                const parsed = parseCidr(text);
                expect(parsed === undefined ? text : formatCidr(parsed)).toBe(text);
            }),
        );
    });

    it("subnet(c, n, i) lies inside c", () => {
        fc.assert(
            fc.property(splitArb, ({ block, newBits, i }) => {
                const sub = subnet(block, newBits, i);
                expect(sub.prefix).toBe(block.prefix + newBits);
                expect(contains(block, sub)).toBe(true);
            }),
        );
    });

    it("subnets with distinct indexes never overlap; the same index gives the same block", () => {
        fc.assert(
            fc.property(splitArb, ({ block, newBits, i, j }) => {
                expect(overlaps(subnet(block, newBits, i), subnet(block, newBits, j))).toBe(i === j);
            }),
        );
    });

    it("sizes add up: the 2^n subnets tile the block end to end", () => {
        const smallSplit = cidrArb.chain((block) => fc.record({ block: fc.constant(block), newBits: fc.integer({ min: 0, max: Math.min(8, 32 - block.prefix) }) }));
        fc.assert(
            fc.property(smallSplit, ({ block, newBits }) => {
                const subs = [...Array(2 ** newBits).keys()].map((i) => subnet(block, newBits, i));
                expect(size(subs[0]) * 2 ** newBits).toBe(size(block));
                expect(subs.reduce((sum, s) => sum + size(s), 0)).toBe(size(block));
                expect(subs[0].base).toBe(block.base);
                subs.slice(1).forEach((s, k) => expect(s.base).toBe(subs[k].base + size(subs[k])));
                const last = subs[subs.length - 1];
                expect(last.base + size(last)).toBe(block.base + size(block));
            }),
        );
    });

    it("two valid blocks overlap exactly when one contains the other", () => {
        fc.assert(
            fc.property(cidrArb, cidrArb, (a, b) => {
                expect(overlaps(a, b)).toBe(overlaps(b, a));
                expect(overlaps(a, b)).toBe(contains(a, b) || contains(b, a));
            }),
        );
    });

    it("every block carved from an RFC 1918 range is private", () => {
        const carved = fc
            .record({ range: fc.constantFrom(...PRIVATE_RANGES), bits: fc.integer({ min: 0, max: 16 }), raw: fc.maxSafeNat() })
            .map(({ range, bits, raw }) => subnet(range, bits, raw % 2 ** bits));
        fc.assert(
            fc.property(carved, (block) => {
                expect(isPrivate(block)).toBe(true);
            }),
        );
    });
});
