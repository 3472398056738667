import type * as pulumi from "@pulumi/pulumi";

/** Tags every taggable AWS resource carries: the stack's base tags plus a `Name` for the console. */
export type Tags = Readonly<Record<string, pulumi.Input<string>>>;

/** The base tags with this child's `Name`; `extra` (e.g. Kubernetes subnet roles) may add keys. */
export function childTags(base: Tags, name: pulumi.Input<string>, extra: Tags = {}): Record<string, pulumi.Input<string>> {
    return { ...base, ...extra, Name: name };
}

/**
 * AWS tag rules ("Tagging your AWS resources", docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html,
 * and the `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` pattern of the tagging APIs' TagKey and TagValue): a key
 * of 1 to 128 and a value of at most 256 Unicode characters, letters, digits, spaces and `_ . : / = + - @`;
 * the `aws:` prefix, in any case, is reserved for AWS and refused.
 */
export const AWS_TAG_CHARS_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

/** Each tag AWS would refuse, as `<key>: received <value>; expected <allowed>` under the config key `key`. */
export function tagProblems(key: string, tags: Readonly<Record<string, string>>, show: (v: unknown) => string): string[] {
    const out: string[] = [];
    const chars = "letters, digits, spaces and _ . : / = + - @";
    for (const [k, v] of Object.entries(tags)) {
        if (k.toLowerCase().startsWith("aws:")) {
            out.push(`${key}: received the key ${JSON.stringify(k)}; expected a tag key not starting with "aws:" (AWS reserves that prefix)`);
        } else if (!AWS_TAG_CHARS_RE.test(k)) {
            out.push(`${key}: received the key ${JSON.stringify(k)}; expected a tag key of ${chars}`);
        }
        if (!AWS_TAG_CHARS_RE.test(v)) {
            out.push(`${key}.${k}: received ${show(v)}; expected a tag value of ${chars}`);
        }
    }
    return out;
}
