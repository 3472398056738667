/**
 * `launchpad:namePrefix`: the prefix of every resource's name in place of `<project>-<stack>`
 * (lib/stack-name.ts owns the identifier and its rule; config/parse.ts refuses a bad one with the
 * stack's name, before any resource).
 */
import { z } from "zod";
import { MAX_STACK_IDENTIFIER_LENGTH } from "../lib/stack-name";

export const namePrefixSchema = z.string().meta({
    description:
        `The prefix of every resource's name: the EKS cluster, the database, the buckets, the backup vaults and plan, ` +
        `IAM roles, log groups, the Grafana uids and the default namespace (default "<project>-<stack>", e.g. ` +
        `"launchpad-staging"). At most ${MAX_STACK_IDENTIFIER_LENGTH} lower-case letters, digits and single '-', a letter first ` +
        `and no '-' last; set it when the project's name makes "<project>-<stack>" longer. Set it before the stack's ` +
        `first deploy: a change renames, so replaces, every resource (the stack's recorded identity refuses it in ` +
        `production and warns in staging).`,
});
