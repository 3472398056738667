import type * as pulumi from "@pulumi/pulumi";

/** Tags every taggable AWS resource carries: the stack's base tags plus a `Name` for the console. */
export type Tags = Readonly<Record<string, pulumi.Input<string>>>;

/** The base tags with this child's `Name`; `extra` (e.g. Kubernetes subnet roles) may add keys. */
export function childTags(base: Tags, name: pulumi.Input<string>, extra: Tags = {}): Record<string, pulumi.Input<string>> {
    return { ...base, ...extra, Name: name };
}
