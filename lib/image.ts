/**
 * Container image references, as the OCI distribution spec and Docker write them:
 * `[registry[:port]/]path[:tag][@sha256:<64 hex>]`.
 */

export interface ImageRef {
    /** Registry and repository path, e.g. `ghcr.io/acme/api`. */
    readonly repository: string;
    /** Undefined when the reference names no tag (which pulls `latest` unless a digest is given). */
    readonly tag: string | undefined;
    /** `sha256:<hex>` or undefined. */
    readonly digest: string | undefined;
}

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const HOST = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?/)?";
const IMAGE_RE = new RegExp(`^(${HOST}${COMPONENT}(?:/${COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);

/** Parses an image reference; undefined when it is not one. */
export function parseImageRef(text: string): ImageRef | undefined {
    const m = IMAGE_RE.exec(text);
    if (m === null || text.length > 255) {
        return undefined;
    }
    return { repository: m[1], tag: m[2], digest: m[3] };
}

/**
 * True when the reference always names the same image: a digest, or a tag other than `latest`
 * (tags are trusted to be immutable, as ECR's tag immutability enforces).
 */
export function isImmutableRef(ref: ImageRef): boolean {
    return ref.digest !== undefined || (ref.tag !== undefined && ref.tag !== "latest");
}

/** The version a person reads: the tag, else the digest's first 12 hex digits. */
export function imageVersion(ref: ImageRef): string {
    return ref.tag ?? ref.digest?.slice("sha256:".length, "sha256:".length + 12) ?? "latest";
}

/**
 * `imageVersion` as a Kubernetes label value, which the API server refuses unless it is at most 63
 * characters of `[-A-Za-z0-9_.]` starting and ending with a letter or digit (apimachinery
 * pkg/util/validation/validation.go IsValidLabelValue, labelValueFmt). A Docker tag may be 128
 * characters and start with `_` or end with `.`, `-` or `_` (distribution/reference: `[\w][\w.-]{0,127}`):
 * `1.5.0-`, `_build`, or a long tag cut after a `-`, would fail the Deployment at `pulumi up`.
 */
export function versionLabel(ref: ImageRef): string {
    return imageVersion(ref)
        .replace(/[^A-Za-z0-9_.-]/g, "-")
        .slice(0, 63)
        .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
