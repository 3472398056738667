import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { everything, openToEveryone, parseRange, rangeContains, unionCovers } from "../policies/shared/ip-range";

describe("parseRange", () => {
    it.each([
        ["0.0.0.0/0", "ipv4", 0n, 2n ** 32n - 1n],
        ["10.1.2.3/8", "ipv4", 10n << 24n, (11n << 24n) - 1n],
        ["203.0.113.0/24", "ipv4", (203n << 24n) + (113n << 8n), (203n << 24n) + (113n << 8n) + 255n],
        ["::0/0", "ipv6", 0n, 2n ** 128n - 1n],
        ["8000::/1", "ipv6", 2n ** 127n, 2n ** 128n - 1n],
        ["::ffff:10.0.0.0/104", "ipv6", 0xffffn << 32n | (10n << 24n), (0xffffn << 32n | (10n << 24n)) + 2n ** 24n - 1n],
    ] as const)("%s", (text, family, first, last) => {
        expect(parseRange(text)).toEqual({ family, first, last });
    });

    it("refuses what is not a CIDR", () => {
        expect(["", "10.0.0.0", "10.0.0.0/33", "::/129", "example.com/8", "1.2.3/8", "0x0a.0.0.0/8"].map(parseRange)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    });
});

describe("coverage", () => {
    it("finds the world however it is split, and nothing less", () => {
        expect(openToEveryone(["0.0.0.0/1", "128.0.0.0/1"])).toEqual(["ipv4"]);
        expect(openToEveryone(["0.0.0.0/1", "128.0.0.0/2"])).toEqual([]);
        expect(openToEveryone(["::/0", "10.0.0.0/8"])).toEqual(["ipv6"]);
        expect(rangeContains(everything("ipv4"), parseRange("203.0.113.0/24") ?? everything("ipv6"))).toBe(true);
        expect(rangeContains(parseRange("203.0.113.0/24") ?? everything("ipv6"), parseRange("203.0.113.128/25") ?? everything("ipv6"))).toBe(true);
    });

    it("covers the space exactly when the /n blocks of a split all remain (property)", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.subarray([...Array(64).keys()]), (bits, keep) => {
            const blocks = [...Array(2 ** bits).keys()].filter((i) => keep.includes(i));
            const cidrs = blocks.map((i) => `${(i << (8 - bits)) & 255}.0.0.0/${bits}`);
            const ranges = cidrs.map(parseRange).filter((r) => r !== undefined);
            expect(unionCovers(ranges, everything("ipv4"))).toBe(blocks.length === 2 ** bits);
        }));
    });
});
