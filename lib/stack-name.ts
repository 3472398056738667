/**
 * The one owner of a stack's identifier, `<project>-<stack>`: the prefix of the EKS cluster, the
 * database, the buckets, the backup plan and the Environment's children.
 */

/**
 * Longest identifier every name built from it fits: the backup buckets' S3 `bucketPrefix`
 * (components/backup-storage.ts, MAX_BUCKET_PREFIX_LENGTH, which a test keeps equal) is the tightest.
 */
export const MAX_STACK_IDENTIFIER_LENGTH = 21;

const IDENTIFIER_RE = /^[a-z0-9][a-z0-9-]*$/;

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
    return `pulumi stack: received ${JSON.stringify(stack)} (the resources' prefix ${JSON.stringify(id)}, ${id.length} characters); expected a stack name of lower-case letters, digits and '-' of at most ${room} characters, so that "<project>-<stack>" fits the ${MAX_STACK_IDENTIFIER_LENGTH} characters the backup buckets' names leave it: create the stack under a shorter name (pulumi stack init)`;
}
