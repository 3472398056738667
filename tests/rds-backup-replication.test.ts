/**
 * launchpad:drRegion against the RDS User Guide's table of Regions that replicate automated backups
 * (USER_ReplicateBackups, "Source and destination AWS Region support") and its list of Regions without
 * backup replication (Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups), vendored
 * verbatim in vendor/rds-backup-replication (awsdocs/amazon-rds-user-guide at 50e7617a, 2023-06-09).
 * Production's database replicates its automated backups to the DR region
 * (aws:rds/instanceAutomatedBackupsReplication), so the plan and `pulumi preview` warn of a pair the table
 * does not serve (a warning: the table is of 2023 and AWS has added pairs since).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { backupReplicationWarning, REGION_PAIRS_FILE, regionDisplayNames, REPLICATION_VENDOR_DIR, vendoredReplicationRegions } from "../config/rds-backup-replication";
import { planCli } from "../scripts/plan";
import { deriveReplicationRegions, formatReplicationRegions } from "../scripts/rds-backup-regions";

const gitBlob = (bytes: Buffer): string => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

describe("the vendored RDS User Guide pages (vendor/rds-backup-replication/SOURCE.md)", () => {
    it.each([
        ["USER_ReplicateBackups.md", "c6810dda28118b42c2c9a5d9854b9ddeae8e5fdd"],
        ["Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups.md", "5076ac15e52b8c73eb1bc99f904882636534a9ad"],
    ])("%s is the blob of awsdocs/amazon-rds-user-guide at 50e7617a", (file, blob) => {
        expect(gitBlob(readFileSync(path.join(REPLICATION_VENDOR_DIR, file)))).toBe(blob);
    });

    it("region-pairs.json is what scripts/rds-backup-regions.ts derives from them and the AWS SDK's Region descriptions", () => {
        expect(readFileSync(REGION_PAIRS_FILE, "utf8")).toBe(formatReplicationRegions(deriveReplicationRegions()));
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

const CHECK = "; it predates Regions and pairs added since, so check before `pulumi up` with `aws rds describe-source-regions --region <drRegion>` (SupportsDBInstanceAutomatedBackupsReplication for aws:region)";
const RISK = "RDS may refuse production's automated backup replication at `pulumi up`: the RDS User Guide of 2023-06-09 (vendor/rds-backup-replication)";

describe("backupReplicationWarning (pure): a warning, since the 2023 table predates pairs AWS added since", () => {

    it.each([
        ["us-east-1", "us-west-2"],
        ["us-west-2", "us-east-2"],
        ["eu-central-1", "eu-west-1"],
        ["cn-north-1", "cn-northwest-1"],
        ["us-gov-west-1", "us-gov-east-1"],
    ])("says nothing of %s -> %s, a pair the table lists", (region, dr) => {
        expect(backupReplicationWarning(region, dr, false)).toBeUndefined();
    });

    it.each([
        ["ca-west-1", "us-east-1"],
        ["us-east-1", "mx-central-1"],
    ])("does not judge %s -> %s: the 2023 table does not name the newer Region", (region, dr) => {
        expect(backupReplicationWarning(region, dr, false)).toBeUndefined();
    });

    it("warns of a pair of named Regions the table does not list, naming the Regions it does", () => {
        expect(backupReplicationWarning("eu-west-2", "us-west-2", false)).toBe(
            `launchpad:drRegion: "us-west-2" from aws:region "eu-west-2": ${RISK} lists only "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3", "us-east-1" for aws:region${CHECK}`);
    });

    it("warns of a Region the Concepts page lists without backup replication, as source or destination", () => {
        expect(backupReplicationWarning("us-east-1", "eu-south-1", false)).toBe(
            `launchpad:drRegion: "eu-south-1" from aws:region "us-east-1": ${RISK} lists "eu-south-1" among the Regions without backup replication${CHECK}`);
        expect(backupReplicationWarning("me-south-1", "eu-south-1", false)).toContain(`lists "me-south-1" and "eu-south-1" among the Regions without backup replication`);
    });

    it("echoes no Region, nor the source's destinations, when a key is secret", () => {
        const w = backupReplicationWarning("eu-west-2", "us-west-2", true) ?? "";
        expect(w).not.toMatch(/eu-|us-/);
        expect(w).toContain("lists other destinations for aws:region");
    });
});

describe("npm run plan and launchpad:drRegion", () => {
    it("warns, and plans, for production's DR region ap-northeast-3, which the 2023 table does not list for us-east-1", async () => {
        const r = await planCli(["--stack", "production", "--set", "launchpad:drRegion=ap-northeast-3"]);
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n").filter((l) => l.includes("launchpad:drRegion"))).toEqual([
            `warning: launchpad:drRegion: "ap-northeast-3" from aws:region "us-east-1": ${RISK} lists only ` +
            `"ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-2", "us-west-1", "us-west-2" ` +
            `for aws:region${CHECK}`,
        ]);
    });

    it("says nothing for staging, whose database replicates no automated backups (tier replicateBackupsToDr false)", async () => {
        const r = await planCli(["--stack", "staging", "--set", "launchpad:drRegion=ap-northeast-3"]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });

    it("says nothing for the committed production stack (us-east-1 -> us-west-2 is listed)", async () => {
        const r = await planCli(["--stack", "production"]);
        expect(r.stderr).not.toContain("launchpad:drRegion");
    });
});
