/**
 * The backup buckets' lifecycle (components/backup-storage.ts `lifecycleRules`) moves old `yearly/`
 * dumps to DEEP_ARCHIVE, where S3 refuses to read them until a temporary copy is restored: "If the
 * object you are retrieving is stored in the S3 Glacier Flexible Retrieval storage class, the S3
 * Glacier Deep Archive storage class, ... before you can retrieve the object you must first restore a
 * copy using RestoreObject. Otherwise, this operation returns an InvalidObjectState error" (botocore
 * 0e6e2404 s3/2006-03-01/service-2.json, InvalidObjectState). So the runbooks that download a dump
 * must say how, and each must lead there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lifecycleRules } from "../components/backup-storage";
import { REPO_ROOT } from "../plan/engine";

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), "utf8");

/** Storage classes GetObject refuses until restored (the InvalidObjectState documentation above). */
const ARCHIVED = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** Runbook pages with a command that downloads a dump object (`aws s3 cp "s3://<bucket>/$KEY" .`). */
const DOWNLOADS = ["docs/runbooks/accidental-deletion.md", "docs/runbooks/database-corruption.md", "docs/runbooks/region-failure.md"];

const SECTION = "### A dump in DEEP_ARCHIVE";
const ANCHOR = "README.md#a-dump-in-deep_archive";

describe("runbooks that download a dump the lifecycle may have archived", () => {
    it("the lifecycle archives some dumps (else this test has nothing to hold)", () => {
        const archived = lifecycleRules().flatMap((r) => (r.transitions ?? []).map((t) => t.storageClass)).filter((c) => ARCHIVED.has(c));
        expect(archived).toEqual(["DEEP_ARCHIVE"]);
    });

    it("the runbook README restores one before it is read, and waits for the copy", () => {
        const readme = read("docs/runbooks/README.md");
        const at = readme.indexOf(`\n${SECTION}\n`);
        expect(at).toBeGreaterThanOrEqual(0);
        const end = readme.indexOf("\n### ", at + 1);
        const section = readme.slice(at, end === -1 ? undefined : end);
        expect(section).toContain("aws s3api restore-object");
        expect(section).toContain('ongoing-request="false"');
    });

    it("every page that downloads a dump links to it", () => {
        const problems = DOWNLOADS.flatMap((page) => {
            const text = read(page);
            return [
                ...(/aws s3 cp [^\n]*"s3:\/\/\$[A-Z]+\/\$KEY"/.test(text) ? [] : [`${page}: downloads no dump any more (update DOWNLOADS)`]),
                ...(text.includes(ANCHOR) ? [] : [`${page}: no link to ${ANCHOR}`]),
            ];
        });
        expect(problems).toEqual([]);
    });
});
