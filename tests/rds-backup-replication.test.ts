/**
 * launchpad:drRegion against the RDS User Guide's table of Regions that replicate automated backups
 * (USER_ReplicateBackups, "Source and destination AWS Region support") and its list of Regions without
 * backup replication (Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups), vendored
 * verbatim in vendor/rds-backup-replication (awsdocs/amazon-rds-user-guide at 50e7617a, 2023-06-09).
 * Production's database replicates its automated backups to the DR region
 * (aws:rds/instanceAutomatedBackupsReplication), so config refuses a pair the table does not serve.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { backupReplicationProblem, regionDisplayNames, vendoredReplicationRegions } from "../config/rds-backup-replication";
import { planCli } from "../scripts/plan";
import { deriveReplicationRegions, formatReplicationRegions, PAIRS_FILE, VENDOR_DIR } from "../scripts/rds-backup-regions";
import { refused } from "./support/config";

const gitBlob = (bytes: Buffer): string => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

describe("the vendored RDS User Guide pages (vendor/rds-backup-replication/SOURCE.md)", () => {
    it.each([
        ["USER_ReplicateBackups.md", "c6810dda28118b42c2c9a5d9854b9ddeae8e5fdd"],
        ["Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups.md", "5076ac15e52b8c73eb1bc99f904882636534a9ad"],
    ])("%s is the blob of awsdocs/amazon-rds-user-guide at 50e7617a", (file, blob) => {
        expect(gitBlob(readFileSync(path.join(VENDOR_DIR, file)))).toBe(blob);
    });

    it("region-pairs.json is what scripts/rds-backup-regions.ts derives from them and the AWS SDK's Region descriptions", () => {
        expect(readFileSync(PAIRS_FILE, "utf8")).toBe(formatReplicationRegions(deriveReplicationRegions()));
    });

    it("reads 21 source Regions, us-east-1 with its 15 destinations, and the 9 Regions without replication", () => {
        const t = vendoredReplicationRegions();
        expect(Object.keys(t.pairs)).toHaveLength(21);
        expect(t.pairs["us-east-1"]).toEqual([
            "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1",
            "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-2", "us-west-1", "us-west-2",
        ]);
        expect(t.unavailable).toEqual(["af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "eu-central-2", "eu-south-1", "eu-south-2", "me-central-1", "me-south-1"]);
    });

    it("names every Region of a destination list with a row of its own (backupReplicationProblem relies on it)", () => {
        const t = vendoredReplicationRegions();
        expect(Object.values(t.pairs).flat().filter((r) => t.pairs[r] === undefined)).toEqual([]);
    });

    it("reads two names run together without a comma, escapes and accents as the page writes them", () => {
        expect(regionDisplayNames(String.raw`Asia Pacific \(Singapore\) US East \(N\. Virginia\), South America \(São Paulo\), AWS GovCloud \(US\-West\)`))
            .toEqual(["Asia Pacific (Singapore)", "US East (N. Virginia)", "South America (Sao Paulo)", "AWS GovCloud (US-West)"]);
    });
});

describe("backupReplicationProblem (pure)", () => {
    const SOURCE = "(the RDS User Guide of 2023-06-09 (vendor/rds-backup-replication)); `aws rds describe-source-regions --region <drRegion>` is the live check";

    it.each([
        ["us-east-1", "us-west-2"],
        ["us-west-2", "us-east-2"],
        ["eu-central-1", "eu-west-1"],
        ["cn-north-1", "cn-northwest-1"],
        ["us-gov-west-1", "us-gov-east-1"],
    ])("allows %s -> %s, a pair the table lists", (region, dr) => {
        expect(backupReplicationProblem(region, dr, false)).toBeUndefined();
    });

    it.each([
        ["ca-west-1", "us-east-1"],
        ["us-east-1", "mx-central-1"],
    ])("does not judge %s -> %s: the 2023 table does not name the newer Region", (region, dr) => {
        expect(backupReplicationProblem(region, dr, false)).toBeUndefined();
    });

    it("refuses a pair of named Regions the table does not list, naming the Regions it does", () => {
        expect(backupReplicationProblem("eu-west-2", "us-west-2", false)).toBe(
            `launchpad:drRegion: received "us-west-2"; expected a Region RDS replicates automated backups to from aws:region ("eu-west-2"), as production's database does: "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3" or "us-east-1" ${SOURCE}`);
    });

    it("refuses a Region the Concepts page lists without backup replication, as source or destination", () => {
        const tail = "among the Regions without it; `aws rds describe-source-regions --region <drRegion>` is the live check";
        expect(backupReplicationProblem("us-east-1", "eu-south-1", false)).toBe(
            `launchpad:drRegion: received "eu-south-1"; expected Regions with RDS automated backup replication, which production's database uses: the RDS User Guide of 2023-06-09 (vendor/rds-backup-replication) lists "eu-south-1" ${tail}`);
        expect(backupReplicationProblem("me-south-1", "eu-south-1", false)).toContain(`lists "me-south-1" and "eu-south-1" ${tail}`);
    });

    it("echoes no Region, nor the source's destinations, when a key is secret", () => {
        const p = backupReplicationProblem("eu-west-2", "us-west-2", true) ?? "";
        expect(p).not.toMatch(/eu-|us-/);
        expect(p).toContain("one the table lists for it");
    });
});

describe("npm run plan and launchpad:drRegion (exit 2, one exact line)", () => {
    it("refuses production's DR region ap-northeast-3: RDS does not replicate us-east-1's automated backups there", async () => {
        expect(await planCli(["--stack", "production", "--set", "launchpad:drRegion=ap-northeast-3"])).toEqual(refused("production",
            `launchpad:drRegion: received "ap-northeast-3"; expected a Region RDS replicates automated backups to from aws:region ("us-east-1"), as production's database does: ` +
            `"ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-2", "us-west-1" or "us-west-2" ` +
            "(the RDS User Guide of 2023-06-09 (vendor/rds-backup-replication)); `aws rds describe-source-regions --region <drRegion>` is the live check"));
    });

    it("accepts it for staging, whose database replicates no automated backups (tier replicateBackupsToDr false)", async () => {
        const r = await planCli(["--stack", "staging", "--set", "launchpad:drRegion=ap-northeast-3"]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});
