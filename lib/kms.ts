/**
 * The one shape of a Launchpad KMS key: customer managed, rotated every year, deleted only after the
 * tier's waiting period, protected like the data it encrypts, tagged, and optionally named by an
 * alias. The database, its DR replica, the backup buckets and vaults and the EKS secrets all use it.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { Safety } from "../config/tier";
import { childTags, type Tags } from "./tags";

export interface EncryptionKeyArgs {
    /** What the key encrypts, as the KMS console shows it. */
    readonly description: string;
    /**
     * The key's region.
     * @default the provider's region
     */
    readonly region?: string;
    /**
     * A key policy (JSON).
     * @default the KMS default policy: the account's IAM policies decide
     */
    readonly policy?: pulumi.Input<string>;
    /**
     * An alias name, `alias/...`: created in the key's region, child `<name>-alias`.
     * @default no alias
     */
    readonly alias?: string;
}

/**
 * Creates the key (child `name`) and its alias (child `<name>-alias`), both children of `parent`.
 * The key is protected when the tier protects stateful resources: deleting it destroys the data.
 */
export function encryptionKey(
    name: string,
    args: EncryptionKeyArgs,
    ctx: { readonly parent: pulumi.Resource; readonly safety: Pick<Safety, "kmsDeletionWindowDays" | "protect">; readonly tags: Tags },
): aws.kms.Key {
    const key = new aws.kms.Key(name, {
        description: args.description,
        enableKeyRotation: true,
        deletionWindowInDays: ctx.safety.kmsDeletionWindowDays,
        ...(args.region !== undefined ? { region: args.region } : {}),
        ...(args.policy !== undefined ? { policy: args.policy } : {}),
        tags: childTags(ctx.tags, name),
    }, { parent: ctx.parent, protect: ctx.safety.protect });
    if (args.alias !== undefined) {
        new aws.kms.Alias(`${name}-alias`, {
            ...(args.region !== undefined ? { region: args.region } : {}),
            name: args.alias,
            targetKeyId: key.keyId,
        }, { parent: ctx.parent });
    }
    return key;
}
