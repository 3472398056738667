/**
 * Derives `vendor/rds-backup-replication/region-pairs.json` from the verbatim RDS User Guide pages
 * beside it (vendor/rds-backup-replication/SOURCE.md): Region display names become Region codes by
 * the AWS SDK's own Region descriptions, so no pair is retyped.
 *
 *     npx tsx scripts/rds-backup-regions.ts           print the JSON
 *     npx tsx scripts/rds-backup-regions.ts --write   rewrite region-pairs.json
 *
 * `tests/rds-backup-replication.test.ts` derives it again and compares.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { REGION_PAIRS_FILE, replicationRegions, REPLICATION_VENDOR_DIR, type ReplicationRegions } from "../config/rds-backup-replication";

/**
 * Region description -> code, from the partitions table the AWS SDK ships (@aws-sdk/core's bundled
 * `partitions.json`, e.g. `"us-east-1": { "description": "US East (N. Virginia)" }`). The package
 * does not export the table, so its CommonJS bundle is read as text.
 */
export function sdkRegionDescriptions(): Map<string, string> {
    const req = createRequire(__filename);
    const bundle = readFileSync(path.join(path.dirname(req.resolve("@aws-sdk/core/package.json")), "dist-cjs", "submodules", "client", "index.js"), "utf8");
    const out = new Map<string, string>();
    for (const m of bundle.matchAll(/"([a-z]{2}(?:-[a-z]+)+-\d+)": \{\s*"?description"?: "([^"]+)"/g)) {
        out.set(m[2], m[1]);
    }
    if (out.size === 0) {
        throw new Error("@aws-sdk/core: no Region descriptions read; the bundle's layout changed");
    }
    return out;
}

/** The JSON as the vendored pages and the SDK give it. */
export function deriveReplicationRegions(): ReplicationRegions {
    return replicationRegions(
        readFileSync(path.join(REPLICATION_VENDOR_DIR, "USER_ReplicateBackups.md"), "utf8"),
        readFileSync(path.join(REPLICATION_VENDOR_DIR, "Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups.md"), "utf8"),
        sdkRegionDescriptions(),
    );
}

export function formatReplicationRegions(r: ReplicationRegions): string {
    return `${JSON.stringify(r, null, 2)}\n`;
}

if (require.main === module) {
    const text = formatReplicationRegions(deriveReplicationRegions());
    if (process.argv.includes("--write")) {
        writeFileSync(REGION_PAIRS_FILE, text);
    } else {
        process.stdout.write(text);
    }
}
