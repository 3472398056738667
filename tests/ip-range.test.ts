import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { everything, openToEveryone, openToTheWorld, parseRange, publicAddresses, rangeContains, unionCovers, worldText } from "../policies/shared/ip-range";

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

describe("the world: more public addresses than a /8 of IPv4 or a /32 of IPv6 (WORLD_PREFIX)", () => {
    it.each([
        // 0.0.0.0/1 less 0/8 (unspecified), 10/8 (private), 100.64/10 (CGNAT), 127/8 (loopback): 2^31 - 3 x 2^24 - 2^22.
        [["0.0.0.0/1"], "ipv4", 2n ** 31n - 3n * 2n ** 24n - 2n ** 22n, true],
        [["0.0.0.0/2", "64.0.0.0/2"], "ipv4", 2n ** 31n - 3n * 2n ** 24n - 2n ** 22n, true],
        [["3.0.0.0/8", "52.0.0.0/8"], "ipv4", 2n ** 25n, true],
        [["3.0.0.0/8"], "ipv4", 2n ** 24n, false],
        [["3.0.0.0/8", "3.0.0.0/9"], "ipv4", 2n ** 24n, false],
        [["10.0.0.0/8"], "ipv4", 0n, false],
        [["52.94.0.0/16"], "ipv4", 2n ** 16n, false],
        // ::/1 less :: and ::1, the discard 100::/64 and the benchmarking 2001:2::/48.
        [["::/1"], "ipv6", 2n ** 127n - 2n - 2n ** 64n - 2n ** 80n, true],
        [["2000::/3"], "ipv6", 2n ** 125n - 2n ** 80n, true],
        [["2600::/32"], "ipv6", 2n ** 96n, false],
        [["fc00::/7", "fe80::/10", "ff00::/8"], "ipv6", 0n, false],
    ] as const)("%j: %s", (cidrs, family, count, world) => {
        expect(publicAddresses(cidrs, family)).toBe(count);
        expect(openToTheWorld(cidrs).includes(family)).toBe(world);
    });

    it("names the world: the whole space, or more than a block's worth", () => {
        expect([["0.0.0.0/0"], ["0.0.0.0/1"], ["2000::/3", "0.0.0.0/1"], ["::/0", "0.0.0.0/1"]].map(worldText)).toEqual([
            "the whole address space",
            "more public IPv4 addresses than a /8 holds",
            "more public IPv4 and IPv6 addresses than a /8 and a /32 hold",
            "more public IPv4 and IPv6 addresses than a /8 and a /32 hold",
        ]);
    });

    it("counts each public address once, whatever the split (property)", () => {
        fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 16 })), { maxLength: 12 }), (blocks) => {
            const cidrs = blocks.map(([a, p]) => `${a}.0.0.0/${p}`).filter((c) => parseRange(c) !== undefined);
            const n = publicAddresses(cidrs, "ipv4");
            // Never more than the union's size, and the same whatever the order or a repeat.
            expect(n <= publicAddresses(["0.0.0.0/0"], "ipv4")).toBe(true);
            expect(publicAddresses([...cidrs].reverse().concat(cidrs), "ipv4")).toBe(n);
        }));
    });
});
