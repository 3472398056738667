/**
 * Which Regions RDS replicates a DB instance's automated backups between: production's database
 * replicates them to `launchpad:drRegion` (aws:rds/instanceAutomatedBackupsReplication, the tier's
 * `replicateBackupsToDr`), and StartDBInstanceAutomatedBackupsReplication refuses a pair RDS does not
 * serve, at `pulumi up`, after the rest of the stack is built.
 *
 * The source is the RDS User Guide: the table "Source and destination AWS Region support" of
 * USER_ReplicateBackups and the list of Regions without backup replication of
 * Concepts.RDS_Fea_Regions_DB-eng.Feature.CrossRegionAutomatedBackups, copied verbatim under
 * `vendor/rds-backup-replication/` (SOURCE.md: awsdocs/amazon-rds-user-guide at 50e7617a, 2023-06-09,
 * the last copy AWS published as a repository). `region-pairs.json` is that table in Region codes,
 * derived by `scripts/rds-backup-regions.ts` (names read against the AWS SDK's own Region
 * descriptions, never retyped); `tests/rds-backup-replication.test.ts` derives it again.
 *
 * Engines: the same Concepts page, then and in its 2026 version, says "Amazon RDS supports backup
 * replication for all currently available versions" of RDS for MySQL and of RDS for PostgreSQL, so
 * no engine version is judged here beyond `engineVersionProblems` (a major in standard support).
 *
 * What the pages positively say against a pair is a warning of the plan and of `pulumi preview`,
 * not a refusal: a Region they list as without backup replication, or a pair of Regions the table
 * names whose pair it does not list. The table is three years old and AWS has added pairs since, so
 * refusing would block a pair RDS may serve today, with no way round it. A Region the 2023 table does
 * not name (launched since, such as ca-west-1) is not judged offline. The live answer is RDS's own:
 * `aws rds describe-source-regions --region <drRegion>` lists `SupportsDBInstanceAutomatedBackupsReplication`
 * per source Region (USER_ReplicateBackups, "Finding information about replicated backups";
 * docs/runbooks/region-failure.md runs it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeValue } from "./errors";

/** The vendored table in Region codes. */
export interface ReplicationRegions {
    /** Source Region -> the destination Regions the table lists for it. */
    readonly pairs: Readonly<Record<string, readonly string[]>>;
    /** Regions the Concepts page lists as without backup replication at all. */
    readonly unavailable: readonly string[];
}

/** The pages' Markdown escapes (`\(`, `\.`, `\-`) removed, accents folded ("São" reads "Sao", as the SDK spells it). */
function plain(markdown: string): string {
    return markdown.replace(/\\([().\-])/g, "$1").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

/** Every Region display name in `text`, in order: "Asia Pacific (Singapore) US East (Ohio), ..." reads two. */
export function regionDisplayNames(text: string): string[] {
    return [...plain(text).matchAll(/([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*) \(([^)]+)\)/g)].map((m) => `${m[1]} (${m[2]})`);
}

/**
 * The rows of USER_ReplicateBackups's table "Source Region | Destination Regions available", as
 * display names. Throws when the table is missing or a row names no Region, so a changed layout in a
 * new copy fails loudly rather than shrinking the table.
 */
export function replicationTableRows(markdown: string): [string, string[]][] {
    const lines = markdown.split("\n");
    const header = lines.findIndex((l) => /^\| Source Region \| Destination Regions available \|/.test(l));
    if (header < 0) {
        throw new Error("USER_ReplicateBackups.md: no \"Source Region | Destination Regions available\" table");
    }
    const rows: [string, string[]][] = [];
    for (const line of lines.slice(header + 2)) {
        if (!line.startsWith("| ")) {
            break;
        }
        const [source, destinations] = line.split("|").slice(1, 3);
        const from = regionDisplayNames(source);
        const to = regionDisplayNames(destinations);
        if (from.length !== 1 || to.length === 0) {
            throw new Error(`USER_ReplicateBackups.md: row ${JSON.stringify(line)} does not read as one source and its destinations`);
        }
        rows.push([from[0], to]);
    }
    return rows;
}

/** The Concepts page's "available in all AWS Regions except the following" list, as display names. */
export function unavailableRegionNames(markdown: string): string[] {
    const lines = markdown.split("\n");
    const start = lines.findIndex((l) => l.startsWith("Backup replication is available in all AWS Regions except the following:"));
    if (start < 0) {
        throw new Error("CrossRegionAutomatedBackups.md: no \"available in all AWS Regions except\" list");
    }
    const items = lines.slice(start + 1).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith("+ ")));
    return items.flatMap(regionDisplayNames);
}

/**
 * The table and the list in Region codes, by the Region descriptions of the AWS SDK's partitions
 * (`description` -> code). Throws on a name no description matches.
 */
export function replicationRegions(tableMarkdown: string, conceptsMarkdown: string, descriptions: ReadonlyMap<string, string>): ReplicationRegions {
    const code = (name: string): string => {
        const c = descriptions.get(name);
        if (c === undefined) {
            throw new Error(`no AWS Region is described as ${JSON.stringify(name)}`);
        }
        return c;
    };
    const pairs: Record<string, string[]> = {};
    for (const [source, destinations] of replicationTableRows(tableMarkdown)) {
        pairs[code(source)] = destinations.map(code).sort();
    }
    return { pairs, unavailable: unavailableRegionNames(conceptsMarkdown).map(code).sort() };
}

/** The vendored pages and the table derived from them (scripts/rds-backup-regions.ts writes it). */
export const REPLICATION_VENDOR_DIR = join(__dirname, "..", "vendor", "rds-backup-replication");
export const REGION_PAIRS_FILE = join(REPLICATION_VENDOR_DIR, "region-pairs.json");

let vendored: ReplicationRegions | undefined;

/** `vendor/rds-backup-replication/region-pairs.json`, read once. */
export function vendoredReplicationRegions(): ReplicationRegions {
    vendored ??= JSON.parse(readFileSync(REGION_PAIRS_FILE, "utf8")) as ReplicationRegions;
    return vendored;
}

/** The vendored table's date, for messages. */
export const REPLICATION_TABLE_DATE = "2023-06-09";

/**
 * Why RDS may refuse to replicate automated backups from `region` to `dr`, or undefined when the
 * pages allow it or do not name a Region (see the file comment). A warning, not a refusal: the table
 * is of 2023-06-09 and AWS has added Regions and pairs since, so a pair it leaves out may be served
 * today; `aws rds describe-source-regions` answers for now. A stack holding either key as a secret
 * gets no Region echoed, nor the destinations of its source Region (they would tell it apart).
 */
export function backupReplicationWarning(region: string, dr: string, secret: boolean, table: ReplicationRegions = vendoredReplicationRegions()): string | undefined {
    const at = (v: string): string => describeValue(v, secret);
    const source = `the RDS User Guide of ${REPLICATION_TABLE_DATE} (vendor/rds-backup-replication)`;
    const check = `; it predates Regions and pairs added since, so check before \`pulumi up\` with \`aws rds describe-source-regions --region <drRegion>\` (SupportsDBInstanceAutomatedBackupsReplication for aws:region)`;
    const risk = "RDS may refuse production's automated backup replication at `pulumi up`";
    const bad = [region, dr].filter((r) => table.unavailable.includes(r));
    if (bad.length > 0) {
        const which = secret ? "one of them" : bad.map(at).join(" and ");
        return `launchpad:drRegion: ${at(dr)} from aws:region ${at(region)}: ${risk}: ${source} lists ${which} among the Regions without backup replication${check}`;
    }
    // Every Region the table names has a row of its own (tests/rds-backup-replication.test.ts).
    const destinations = table.pairs[region];
    if (destinations === undefined || table.pairs[dr] === undefined || destinations.includes(dr)) {
        return undefined;
    }
    const listed = secret ? "other destinations for aws:region" : `only ${destinations.map(at).join(", ")} for aws:region`;
    return `launchpad:drRegion: ${at(dr)} from aws:region ${at(region)}: ${risk}: ${source} lists ${listed}${check}`;
}
