/**
 * The one owner of a stack's identifier, `<project>-<stack>` or `launchpad:namePrefix`: the prefix
 * of the EKS cluster, the database, the buckets, the backup plan and the Environment's children; of its full name,
 * `<organization>/<project>/<stack>`, which stack references read; and of the names derived
 * from it that more than one layer reads (the database instance: the component creates it, the
 * alerts select its metrics, the migrations name its snapshots).
 */
import { createHash } from "node:crypto";
import type { RestoreConfig } from "../config/database";
import { APP_LABELS } from "./delivery";

/**
 * Longest identifier every name built from it fits: the backup buckets' S3 `bucketPrefix`
 * (components/backup-storage.ts, MAX_BUCKET_PREFIX_LENGTH, which a test keeps equal) is the tightest.
 */
export const MAX_STACK_IDENTIFIER_LENGTH = 21;

/**
 * Shortest identifier every name built from it fits: the backup vaults are named after it as is
 * (components/backup-plan.ts `backupPlanName`), and AWS Backup's `BackupVaultName` pattern is
 * `^[a-zA-Z0-9\-\_]{2,50}$` (awsdocs/aws-cloudformation-user-guide 0150740e
 * doc_source/aws-resource-backup-backupvault.md), which `backupPlanProblems` enforces. Only a
 * `launchpad:namePrefix` can be shorter: `<project>-<stack>` has at least three characters.
 */
export const MIN_STACK_IDENTIFIER_LENGTH = 2;

/**
 * Lower-case letters, digits and single hyphens, a letter first and no hyphen last: what S3 bucket
 * names allow in lower case, narrowed to RDS's rule for the identifiers built from it (CreateDBInstance
 * `DBInstanceIdentifier`: "First character must be a letter. Can't end with a hyphen or contain two
 * consecutive hyphens", the AWS SDK reference of CreateDbInstanceRequest.dbInstanceIdentifier,
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-create-db-instance-request/db-instance-identifier.html).
 */
const IDENTIFIER_RE = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/**
 * A Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', a letter or digit first and
 * last (kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go IsValidLabelValue).
 */
const LABEL_VALUE_RE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** RDS's rule for a DB instance identifier (same page): 1 to 63 letters, digits or hyphens, as above. */
const RDS_INSTANCE_IDENTIFIER_RE = /^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,62}$/;

/** The config key that sets the identifier in place of `<project>-<stack>`. */
export const NAME_PREFIX_KEY = "launchpad:namePrefix";

/**
 * `launchpad-staging`, or the stack's `launchpad:namePrefix` when it sets one: a project renamed to a
 * long name (`payments-api`, `acme-orders-service`) keeps a prefix the names below fit.
 */
export function stackIdentifier(project: string, stack: string, namePrefix?: string): string {
    return namePrefix ?? `${project}-${stack}`;
}

/**
 * A stack's full name, `<organization>/<project>/<stack>`, from a name as config writes it: `staging`
 * (this organization and project), `project/stack` (this organization), or a full name as is. What a
 * StackReference reads: the promotion's source stack, and the stack's own previous outputs.
 */
export function qualifiedStackName(stack: string, organization: string, project: string): string {
    const parts = stack.split("/");
    return parts.length === 3 ? stack : parts.length === 2 ? `${organization}/${stack}` : `${organization}/${project}/${stack}`;
}

/**
 * Why this project and stack (and `launchpad:namePrefix`, when set) cannot name the stack's resources,
 * or undefined when they can. The message names every way out the user has: a prefix of its own, a
 * shorter project name or a shorter stack name, as the project name is usually what makes it long.
 */
export function stackIdentifierProblem(project: string, stack: string, namePrefix?: string): string | undefined {
    const id = stackIdentifier(project, stack, namePrefix);
    if (IDENTIFIER_RE.test(id) && id.length >= MIN_STACK_IDENTIFIER_LENGTH && id.length <= MAX_STACK_IDENTIFIER_LENGTH) {
        return undefined;
    }
    const q = JSON.stringify;
    const allowed = `expected ${MIN_STACK_IDENTIFIER_LENGTH} to ${MAX_STACK_IDENTIFIER_LENGTH} lower-case letters, digits and single '-', a letter first and no '-' last, ` +
        `as every resource's name starts with it: the backup buckets' names leave it ${MAX_STACK_IDENTIFIER_LENGTH} characters, the backup vaults' need ${MIN_STACK_IDENTIFIER_LENGTH} and the database's RDS identifier must start with a letter and hold no '--'`;
    if (namePrefix !== undefined) {
        return `${NAME_PREFIX_KEY}: received ${q(namePrefix)} (${namePrefix.length} characters); ${allowed}`;
    }
    // Another stack name helps only where the project's name leaves room and starts a valid prefix.
    const room = MAX_STACK_IDENTIFIER_LENGTH - project.length - 1;
    const stackWay = room > 0 && IDENTIFIER_RE.test(`${project}-a`) ? ` or the stack's, to one of at most ${room} characters (pulumi stack init)` : "";
    return `${NAME_PREFIX_KEY}: received none, so the resources' prefix is "<project>-<stack>", ${q(id)} (${id.length} characters); ${allowed}: ` +
        `set a prefix of its own (\`pulumi config set ${NAME_PREFIX_KEY} <prefix>\`, before the stack's first deploy), ` +
        `or shorten the project's name (Pulumi.yaml name: ${q(project)})${stackWay}`;
}

/**
 * Why the project's name cannot be what Launchpad writes it into, or undefined when it can. Pulumi
 * accepts up to 100 letters, digits, '-', '_' and '.' in any order (pulumi/pulumi
 * sdk/go/common/tokens/project.go ValidateProjectName); every workload carries the name as its
 * `app.kubernetes.io/part-of` label, which Kubernetes holds to a label value's rule. Only a stack with
 * `launchpad:namePrefix` can get here: without it, `<project>-<stack>` is held to the tighter rule above.
 */
export function projectNameProblem(project: string): string | undefined {
    return LABEL_VALUE_RE.test(project)
        ? undefined
        : `pulumi project: received ${JSON.stringify(project)} (${project.length} characters); expected at most 63 letters, digits, '-', '_' or '.', a letter or digit first and last: ` +
            `every workload carries it as its ${APP_LABELS.partOf} label, and Kubernetes refuses any other label value (apimachinery validation.go IsValidLabelValue): rename the project (Pulumi.yaml name)`;
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

/** Why RDS would refuse `id` as a DB instance identifier, or undefined when it accepts it. */
export function rdsInstanceIdentifierProblem(id: string): string | undefined {
    return RDS_INSTANCE_IDENTIFIER_RE.test(id)
        ? undefined
        : `DB instance identifier: received ${JSON.stringify(id)}; expected 1 to 63 letters, digits or single hyphens, a letter first and no hyphen last (RDS CreateDBInstance)`;
}
