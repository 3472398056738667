import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { c, thrown } from "./support/values";
import { MAX_AZS, natAssignments, planSubnets } from "../components/network";
import { contains, formatCidr, isPrivate, overlaps, PRIVATE_RANGES, size, subnet, type Cidr } from "../lib/cidr";

const SLASH_16 = {
    private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19", "10.0.128.0/19", "10.0.160.0/19"],
    public: ["10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22", "10.0.236.0/22", "10.0.240.0/22", "10.0.244.0/22"],
};
const SLASH_20 = {
    private: ["192.168.16.0/23", "192.168.18.0/23", "192.168.20.0/23", "192.168.22.0/23", "192.168.24.0/23", "192.168.26.0/23"],
    public: ["192.168.30.0/26", "192.168.30.64/26", "192.168.30.128/26", "192.168.30.192/26", "192.168.31.0/26", "192.168.31.64/26"],
};

describe("planSubnets, exact tables", () => {
    it("supports at most six AZs", () => {
        expect(MAX_AZS).toBe(6);
    });

    it.each([
        ["10.0.0.0/16", 2, { private: ["10.0.0.0/19", "10.0.32.0/19"], public: ["10.0.224.0/22", "10.0.228.0/22"] }],
        ["10.0.0.0/16", 3, { private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"], public: ["10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"] }],
        ["10.0.0.0/16", 6, SLASH_16],
        ["192.168.16.0/20", 2, { private: ["192.168.16.0/23", "192.168.18.0/23"], public: ["192.168.30.0/26", "192.168.30.64/26"] }],
        [
            "192.168.16.0/20",
            3,
            { private: ["192.168.16.0/23", "192.168.18.0/23", "192.168.20.0/23"], public: ["192.168.30.0/26", "192.168.30.64/26", "192.168.30.128/26"] },
        ],
        ["192.168.16.0/20", 6, SLASH_20],
        // The committed stacks (tests/network.test.ts checks the same blocks on the planned resources).
        ["10.20.0.0/16", 2, { private: ["10.20.0.0/19", "10.20.32.0/19"], public: ["10.20.224.0/22", "10.20.228.0/22"] }],
        ["10.10.0.0/16", 3, { private: ["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"], public: ["10.10.224.0/22", "10.10.228.0/22", "10.10.232.0/22"] }],
    ])("%s over %i AZs", (vpc, azCount, expected) => {
        expect(planSubnets(vpc, azCount)).toEqual(expected);
    });

    it("keeps the seventh eighth of the VPC free: nothing is planned in 10.0.192.0/19", () => {
        const plan = planSubnets("10.0.0.0/16", MAX_AZS);
        const free = c("10.0.192.0/19");
        expect([...plan.private, ...plan.public].filter((s) => overlaps(c(s), free))).toEqual([]);
    });
});

describe("planSubnets, errors", () => {
    it.each([
        ["10.0.0.0/16", 0, "azCount: received 0; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", 7, "azCount: received 7; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", -1, "azCount: received -1; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", 2.5, "azCount: received 2.5; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", Number.NaN, "azCount: received NaN; expected a whole number from 1 to 6"],
        ["10.0.0.1/16", 2, String.raw`cidr: received "10.0.0.1/16"; expected an IPv4 CIDR such as 10.0.0.0/16`],
        ["10.0.0.0/33", 2, String.raw`cidr: received "10.0.0.0/33"; expected an IPv4 CIDR such as 10.0.0.0/16`],
        ["10.0.0.0", 2, String.raw`cidr: received "10.0.0.0"; expected an IPv4 CIDR such as 10.0.0.0/16`],
        ["", 2, String.raw`cidr: received ""; expected an IPv4 CIDR such as 10.0.0.0/16`],
        // The CIDR is checked first: with both wrong, the message names the CIDR.
        ["banana", 0, String.raw`cidr: received "banana"; expected an IPv4 CIDR such as 10.0.0.0/16`],
    ])("planSubnets(%j, %d) throws RangeError: %s", (vpc, azCount, message) => {
        expect(thrown(() => planSubnets(vpc, azCount))).toEqual({ type: "RangeError", message });
    });
});

/** A private VPC of /16 to /20 (what the config schema allows) anywhere in the three RFC 1918 ranges. */
const vpcArb: fc.Arbitrary<Cidr> = fc
    .record({ range: fc.constantFrom(...PRIVATE_RANGES), prefix: fc.integer({ min: 16, max: 20 }), raw: fc.maxSafeNat() })
    .map(({ range, prefix, raw }) => subnet(range, prefix - range.prefix, raw % 2 ** (prefix - range.prefix)));
const azArb = fc.integer({ min: 1, max: MAX_AZS });

describe("planSubnets, properties over private /16../20 VPCs and 1..6 AZs", () => {
    it("plans one private and one public subnet per AZ", () => {
        fc.assert(
            fc.property(vpcArb, azArb, (vpc, azCount) => {
                const plan = planSubnets(formatCidr(vpc), azCount);
                expect(plan.private).toHaveLength(azCount);
                expect(plan.public).toHaveLength(azCount);
            }),
        );
    });

    it("puts every subnet inside the VPC, in canonical form, and private", () => {
        fc.assert(
            fc.property(vpcArb, azArb, (vpc, azCount) => {
                const plan = planSubnets(formatCidr(vpc), azCount);
                for (const s of [...plan.private, ...plan.public]) {
                    expect(formatCidr(c(s))).toBe(s);
                    expect(contains(vpc, c(s))).toBe(true);
                    expect(isPrivate(c(s))).toBe(true);
                }
            }),
        );
    });

    it("never overlaps two subnets", () => {
        fc.assert(
            fc.property(vpcArb, azArb, (vpc, azCount) => {
                const plan = planSubnets(formatCidr(vpc), azCount);
                const all = [...plan.private, ...plan.public].map(c);
                const clashes = all.flatMap((a, i) => all.slice(i + 1).filter((b) => overlaps(a, b)).map((b) => `${formatCidr(a)} ~ ${formatCidr(b)}`));
                expect(clashes).toEqual([]);
            }),
        );
    });

    it("makes private subnets an eighth of the VPC and 8x the public size", () => {
        fc.assert(
            fc.property(vpcArb, azArb, (vpc, azCount) => {
                const plan = planSubnets(formatCidr(vpc), azCount);
                const publicSize = size(vpc) / 64;
                expect(plan.private.map((s) => size(c(s)))).toEqual(Array<number>(azCount).fill(8 * publicSize));
                expect(plan.public.map((s) => size(c(s)))).toEqual(Array<number>(azCount).fill(publicSize));
            }),
        );
    });

    it("is deterministic, and adding AZs never moves the subnets already planned", () => {
        fc.assert(
            fc.property(vpcArb, azArb, (vpc, azCount) => {
                const text = formatCidr(vpc);
                const plan = planSubnets(text, azCount);
                expect(planSubnets(text, azCount)).toEqual(plan);
                const widest = planSubnets(text, MAX_AZS);
                expect(plan).toEqual({ private: widest.private.slice(0, azCount), public: widest.public.slice(0, azCount) });
            }),
        );
    });
});

describe("natAssignments", () => {
    it.each([
        ["single", 1, { natCount: 1, natForAz: [0] }],
        ["single", 2, { natCount: 1, natForAz: [0, 0] }],
        ["single", 3, { natCount: 1, natForAz: [0, 0, 0] }],
        ["single", 6, { natCount: 1, natForAz: [0, 0, 0, 0, 0, 0] }],
        ["perAz", 1, { natCount: 1, natForAz: [0] }],
        ["perAz", 3, { natCount: 3, natForAz: [0, 1, 2] }],
        ["perAz", 6, { natCount: 6, natForAz: [0, 1, 2, 3, 4, 5] }],
    ] as const)("%s over %i AZs", (mode, azCount, expected) => {
        expect(natAssignments(mode, azCount)).toEqual(expected);
    });

    it("routes every AZ through an existing NAT gateway", () => {
        fc.assert(
            fc.property(fc.constantFrom("single" as const, "perAz" as const), azArb, (mode, azCount) => {
                const { natCount, natForAz } = natAssignments(mode, azCount);
                expect(natForAz).toHaveLength(azCount);
                expect(natForAz.filter((k) => !Number.isInteger(k) || k < 0 || k >= natCount)).toEqual([]);
            }),
        );
    });
});
