/**
 * The one owner of a stack's identifier, `<project>-<stack>`: the prefix of the EKS cluster, the
 * database, the buckets, the backup plan and the Environment's children; and of the names derived
 * from it that more than one layer reads (the database instance: the component creates it, the
 * alerts select its metrics, the migrations name its snapshots).
 */
import { createHash } from "node:crypto";
import type { RestoreConfig } from "../config/database";

/**
 * Longest identifier every name built from it fits: the backup buckets' S3 `bucketPrefix`
 * (components/backup-storage.ts, MAX_BUCKET_PREFIX_LENGTH, which a test keeps equal) is the tightest.
 */
export const MAX_STACK_IDENTIFIER_LENGTH = 21;

/**
 * Lower-case words of letters and digits joined by single hyphens: `<identifier>-db` is an RDS
 * instance identifier, which "can't end with a hyphen or contain two consecutive hyphens" (RDS API
 * CreateDBInstance DBInstanceIdentifier), and so are the parameter group's auto-name
 * (terraform-provider-aws internal/service/rds/validate.go validParamGroupName).
 */
const IDENTIFIER_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** `launchpad-staging`. */
export function stackIdentifier(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/** Why this project and stack cannot name the stack's resources, or undefined when they can. */
export function stackIdentifierProblem(project: string, stack: string): string | undefined {
    const id = stackIdentifier(project, stack);
    if (IDENTIFIER_RE.test(id) && id.length <= MAX_STACK_IDENTIFIER_LENGTH) {
        return undefined;
    }
    const room = MAX_STACK_IDENTIFIER_LENGTH - project.length - 1;
    return `pulumi stack: received ${JSON.stringify(stack)} (the resources' prefix ${JSON.stringify(id)}, ${id.length} characters); expected a stack name of lower-case letters and digits, words joined by single '-' (none at either end), of at most ${room} characters, so that "<project>-<stack>" fits the ${MAX_STACK_IDENTIFIER_LENGTH} characters the backup buckets' names leave it: create the stack under a shorter name (pulumi stack init)`;
}

/**
 * The RDS instance identifier: `<identifier>-db` for a fresh database, `<identifier>-db-r<hash>` for
 * one restored from `restore` (a hash of the restore source and time).
 *
 * A restore is a new instance beside the old one, never the old one overwritten: setting the restore
 * key creates the restored instance first, moves the connection Secret to it, and only then deletes
 * the old one (which production's `protect` and deletion protection refuse, so the old database is
 * kept for inspection until someone removes it on purpose). The restore key stays in config for the
 * life of the restored database: removing it names the fresh, empty identifier again, and
 * `pulumi preview` shows the instance being replaced.
 */
export function databaseInstanceIdentifier(identifier: string, restore?: RestoreConfig): string {
    if (restore === undefined) {
        return `${identifier}-db`;
    }
    const origin = restore.kind === "snapshot" ? `snapshot:${restore.snapshot}` : `pit:${restore.sourceInstance}@${restore.time}`;
    return `${identifier}-db-r${createHash("sha256").update(origin).digest("hex").slice(0, 8)}`;
}
