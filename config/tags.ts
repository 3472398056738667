/**
 * `launchpad:tags`: the stack's extra tags, merged with the ones Launchpad sets itself on every
 * taggable AWS resource.
 */
import { z } from "zod";
import { tagProblems } from "../lib/tags";
import type { ConfigInput, Show } from "./input";

/** Tag keys Launchpad sets itself and a stack may not override. */
export const RESERVED_TAG_KEYS = ["project", "environment", "managed-by", "Name"] as const;

/**
 * Tags AWS allows on one resource: "A maximum of 50 tags can be associated with a resource", `aws:`
 * tags not counted (awsdocs/amazon-eks-user-guide latest/ug/clusters/management/eks-using-tags.adoc;
 * the same 50 for EC2, S3 buckets, IAM, KMS and RDS). Past it, `pulumi up` fails at every create.
 */
export const AWS_MAX_TAGS_PER_RESOURCE = 50;

/**
 * The most tags Launchpad itself puts on one resource: the four reserved keys, plus a subnet's
 * `tier` and Kubernetes load-balancer role (tests/tags.test.ts holds every resource's exact tags).
 */
export const MAX_LAUNCHPAD_TAGS = RESERVED_TAG_KEYS.length + 2;

/**
 * Room kept for tags EKS puts on the nodes of a managed node group beside the launch template's:
 * the cluster autoscaler's auto-discovery tags ("Nodes launched as part of a managed node group are
 * automatically tagged for auto-discovery", amazon-eks-user-guide managed-node-groups) and a margin.
 */
export const EKS_NODE_TAG_ROOM = 4;

/** How many tags `launchpad:tags` may hold: what AWS allows less what Launchpad and EKS add. */
export const MAX_STACK_TAGS = AWS_MAX_TAGS_PER_RESOURCE - MAX_LAUNCHPAD_TAGS - EKS_NODE_TAG_ROOM;

export const tagsSchema = z.record(
    z.string().min(1).max(128),
    z.string().max(256),
).default({}).meta({
    description:
        "Extra tags for every taggable AWS resource, on top of project, environment, managed-by=pulumi and Name " +
        "(which may not be overridden); AWS tag rules apply (no \"aws:\" prefix, keys up to 128 and values up to " +
        `256 letters, digits, spaces and _ . : / = + - @; at most ${MAX_STACK_TAGS} tags, as AWS allows ${AWS_MAX_TAGS_PER_RESOURCE} on a resource). Default none.`,
});

export type RawTags = z.output<typeof tagsSchema>;

const TAGS_IN_CLEAR = "expected a plain-text tag value: AWS keeps tags in clear (state, consoles, billing reports), so a secret never goes in a tag";

/** Secure values in `launchpad:tags`: each secure leaf where the leaves are known, else the key. */
function secretTagProblems(input: ConfigInput): string[] {
    if (!input.secretKeys.has("launchpad:tags")) return [];
    if (input.secretPaths === undefined) return [`launchpad:tags: received [secret]; ${TAGS_IN_CLEAR}`];
    // A reserved key is refused on its own (one problem per tag).
    const reserved = new Set<string>(RESERVED_TAG_KEYS.flatMap((k) => [`launchpad:tags.${k}`, `launchpad:tags[${JSON.stringify(k)}]`]));
    return [...input.secretPaths]
        .filter((p) => (p === "launchpad:tags" || p.startsWith("launchpad:tags.") || p.startsWith("launchpad:tags[")) && !reserved.has(p))
        .sort()
        .map((p) => `${p}: received [secret]; ${TAGS_IN_CLEAR}`);
}

/** Secure values, tag keys and values AWS accepts, and no reserved key. */
export function tagsProblems(tags: RawTags | undefined, input: ConfigInput, show: Show): string[] {
    const out = secretTagProblems(input);
    out.push(...tagProblems("launchpad:tags", tags ?? {}, (v) => show(v, "launchpad:tags")));
    const count = Object.keys(tags ?? {}).length;
    if (count > MAX_STACK_TAGS) {
        out.push(`launchpad:tags: received ${count} tags; expected at most ${MAX_STACK_TAGS}: AWS allows ${AWS_MAX_TAGS_PER_RESOURCE} tags on a resource, and Launchpad adds up to ${MAX_LAUNCHPAD_TAGS} of its own (${RESERVED_TAG_KEYS.join(", ")}, a subnet's tier and role) with room for ${EKS_NODE_TAG_ROOM} that EKS puts on nodes`);
    }
    for (const reserved of RESERVED_TAG_KEYS) {
        if (tags !== undefined && Object.prototype.hasOwnProperty.call(tags, reserved)) {
            out.push(`launchpad:tags.${reserved}: received ${show(tags[reserved], "launchpad:tags")}; expected no such tag: Launchpad sets ${RESERVED_TAG_KEYS.join(", ")} itself`);
        }
    }
    return out;
}

/** `project`, `environment`, `managed-by` and the stack's extra tags. */
export function buildTags(tags: RawTags, project: string, stack: string): Record<string, string> {
    return {
        ...tags,
        project,
        environment: stack,
        "managed-by": "pulumi",
    };
}
