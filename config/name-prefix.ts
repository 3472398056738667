/**
 * `launchpad:namePrefix`: the prefix of every resource's name in place of `<project>-<stack>`
 * (lib/stack-name.ts owns the identifier and its rule; config/parse.ts refuses a bad one with the
 * stack's name, before any resource).
 */
import { z } from "zod";
import { MAX_STACK_IDENTIFIER_LENGTH, MIN_STACK_IDENTIFIER_LENGTH, projectNameProblem, stackIdentifierProblem } from "../lib/stack-name";

export const namePrefixSchema = z.string().meta({
    description:
        `The prefix of every resource's name: the EKS cluster, the database, the buckets, the backup vaults and plan, ` +
        `IAM roles, log groups, the Grafana uids and the default namespace (default "<project>-<stack>", e.g. ` +
        `"launchpad-staging"). ${MIN_STACK_IDENTIFIER_LENGTH} to ${MAX_STACK_IDENTIFIER_LENGTH} lower-case letters, digits and single '-', a letter first ` +
        `and no '-' last; set it when the project's name makes "<project>-<stack>" longer. Set it before the stack's ` +
        `first deploy: a change renames, so replaces, every resource (the stack's recorded identity refuses it in ` +
        `production and warns in staging).`,
});

/**
 * The stack's names as config: the prefix (`launchpad:namePrefix`, else `<project>-<stack>`) every
 * resource's name starts with, and the project's name, which labels carry (lib/stack-name.ts owns both
 * rules). `namePrefix` undefined: unset, or of a wrong type (its own problem, and the prefix it meant is unknown).
 */
export function namePrefixProblems(project: string, stack: string, namePrefix: string | undefined, prefixUnreadable: boolean): string[] {
    return [
        ...(prefixUnreadable ? [] : [stackIdentifierProblem(project, stack, namePrefix)]),
        projectNameProblem(project),
    ].filter((p): p is string => p !== undefined);
}
