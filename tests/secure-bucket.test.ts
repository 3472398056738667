import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PUBLIC_ACCESS_BLOCK, SecureBucket, encryptionRule, movedAliases, tlsOnlyPolicy } from "../components/secure-bucket";
import { input, named, ofType, planProgram, type Plan, type PlannedResource } from "./support/plan";

const OLD_PARENT_TYPE = "launchpad:old:Parent";
const CHILD_ROLES = ["", "-versioning", "-encryption", "-public-access", "-policy", "-object-lock", "-lifecycle"];

/** The aliases each child of the moved bucket was registered with, and the parent it moved from. */
const aliased = new Map<string, unknown>();
let oldParent: pulumi.Resource | undefined;

function program() {
    aliased.clear();
    const old = new pulumi.ComponentResource(OLD_PARENT_TYPE, "old");
    oldParent = old;
    const locked = new SecureBucket("locked", {
        safety: { protect: true, forceDestroy: false },
        tags: { project: "p" },
        bucketPrefix: "p-locked-",
        encryption: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" },
        objectLock: { mode: "COMPLIANCE", days: 30 },
        lifecycleRules: [{ id: "expire", status: "Enabled", filter: {}, expiration: { days: 90 } }],
        movedFrom: old,
    }, {
        parent: old,
        // Legacy transformations see every child's options, aliases included (the mock monitor does not).
        transformations: [(a) => {
            aliased.set(`${a.type} ${a.name}`, a.opts.aliases);
            return undefined;
        }],
    });
    const plain = new SecureBucket("plain", {
        safety: { protect: false, forceDestroy: true },
        tags: { project: "p" },
        bucketPrefix: "p-plain-",
        region: "us-west-2",
        encryption: { sseAlgorithm: "AES256" },
    });
    return { lockedName: locked.bucketName, plainArn: plain.arn };
}

const PROGRAM = program;

/** The component, or its bucket: the two share the name. */
function one(p: Plan, type: string, name: string): PlannedResource {
    const found = ofType(p, type).filter((r) => r.name === name);
    expect(found).toHaveLength(1);
    return found[0];
}
const component = (p: Plan, name: string) => one(p, "launchpad:storage:SecureBucket", name);
const bucket = (p: Plan, name: string) => one(p, "aws:s3/bucket:Bucket", name);

describe("SecureBucket builders (pure)", () => {
    it("turns a bucket key on only with KMS", () => {
        expect(encryptionRule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" })).toEqual({ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" }, bucketKeyEnabled: true });
        expect(encryptionRule({ sseAlgorithm: "AES256" })).toEqual({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false });
    });

    it("blocks all four kinds of public access", () => {
        expect(PUBLIC_ACCESS_BLOCK).toEqual({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    });

    it("aliases a moved child to its old parent, keeping its name, and a new bucket to nothing", () => {
        const old = { urn: "x" } as unknown as pulumi.Resource;
        expect(movedAliases(old)).toEqual([{ parent: "x" }]);
        expect(movedAliases(undefined)).toEqual([]);
    });
});

describe("SecureBucket (planned)", () => {
    it("creates the bucket under the component's name and each other child as `${name}-<role>`", async () => {
        const p = await planProgram(PROGRAM, "staging");
        expect(component(p, "locked").parent).toBe(named(p, "old").urn);
        const lockedChildren = p.resources.filter((r) => r.parent === component(p, "locked").urn).map((r) => r.name).sort();
        expect(lockedChildren).toEqual(CHILD_ROLES.map((r) => `locked${r}`).sort());
        // Without Object Lock or lifecycle rules those two children are not created.
        const plainChildren = p.resources.filter((r) => r.parent === component(p, "plain").urn).map((r) => r.name).sort();
        expect(plainChildren).toEqual(["plain", "plain-encryption", "plain-policy", "plain-public-access", "plain-versioning"]);
    });

    it("protects the bucket per the safety it is given, and only the bucket", async () => {
        const p = await planProgram(PROGRAM, "staging");
        expect(ofType(p, "aws:s3/bucket:Bucket").map((b) => [b.name, b.protect, input(b, "forceDestroy"), input(b, "objectLockEnabled")]).sort()).toEqual([
            ["locked", true, false, true],
            ["plain", false, true, undefined],
        ]);
        expect(named(p, "locked-versioning").protect).toBe(false);
    });

    it("encrypts, blocks public access, allows TLS only, locks and expires as asked", async () => {
        const p = await planProgram(PROGRAM, "staging");
        const arn = (n: string): string => bucket(p, n).state.arn as string;
        expect(input(named(p, "locked-encryption"), "rules")).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" }, bucketKeyEnabled: true }]);
        expect(input(named(p, "plain-encryption"), "rules")).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false }]);
        expect(named(p, "plain-public-access").inputs).toEqual({ bucket: bucket(p, "plain").state.bucket, ...PUBLIC_ACCESS_BLOCK, region: "us-west-2" });
        expect(JSON.parse(input(named(p, "plain-policy"), "policy") as string)).toEqual(tlsOnlyPolicy(arn("plain")));
        expect(named(p, "plain-policy").dependsOn).toEqual([named(p, "plain-public-access").urn]);
        expect(input(named(p, "locked-object-lock"), "rule")).toEqual({ defaultRetention: { mode: "COMPLIANCE", days: 30 } });
        expect(named(p, "locked-object-lock").dependsOn).toEqual([named(p, "locked-versioning").urn]);
        expect(input(named(p, "locked-lifecycle"), "rules")).toEqual([{ id: "expire", status: "Enabled", filter: {}, expiration: { days: 90 } }]);
        expect(named(p, "locked-lifecycle").dependsOn).toEqual([named(p, "locked-versioning").urn]);
    });

    // An alias naming only the old parent resolves to the old URN: `Alias` in @pulumi/pulumi's
    // resource.d.ts ("If not provided, the current name of the resource is used").
    it("aliases every child of a moved bucket to its old parent under its own name, so `pulumi up` keeps it", async () => {
        const p = await planProgram(PROGRAM, "staging");
        const children = p.resources.filter((r) => r.parent === component(p, "locked").urn);
        expect(children).toHaveLength(CHILD_ROLES.length);
        expect(oldParent).toBeDefined();
        for (const c of children) {
            const aliases = (aliased.get(`${c.type} ${c.name}`) ?? []) as pulumi.Alias[];
            // The AWS provider adds its own type aliases (BucketV2 and the like); ours is the one with a parent.
            const moved = aliases.filter((a) => typeof a === "object" && "parent" in a);
            expect(moved).toHaveLength(1);
            expect(moved[0].parent).toBe(oldParent?.urn);
            expect(moved[0].name).toBeUndefined();
        }
        // The component itself is new: nothing to alias.
        expect(aliased.get("launchpad:storage:SecureBucket locked")).toBeUndefined();
    });
});
