/**
 * SecureBucket: the one shape of a Launchpad S3 bucket. Versioned, encrypted by default (SSE-KMS
 * with a customer key and an S3 Bucket Key, or SSE-S3 where a service accepts nothing else), all
 * four public-access blocks, a TLS-only bucket policy, and optionally Object Lock and lifecycle
 * rules. The bucket itself takes the component's name; every other child is `${name}-<role>`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Safety } from "../config";
import { childTags, type Tags } from "../lib/tags";

/** Default encryption: a customer-managed KMS key, or SSE-S3 (the only kind S3 access-log delivery accepts). */
export type BucketEncryption =
    | { readonly sseAlgorithm: "aws:kms"; readonly kmsMasterKeyId: pulumi.Input<string> }
    | { readonly sseAlgorithm: "AES256" };

export interface SecureBucketArgs {
    readonly safety: Pick<Safety, "protect" | "forceDestroy">;
    /** Base tags; the bucket adds its own `Name`. */
    readonly tags: Tags;
    /** Start of the bucket's name; S3 appends a unique suffix. */
    readonly bucketPrefix: string;
    readonly encryption: BucketEncryption;
    /**
     * The bucket's region.
     * @default the provider's region
     */
    readonly region?: string;
    /**
     * Object Lock default retention; the bucket is then created with Object Lock enabled (S3 allows
     * that only at creation).
     * @default - no Object Lock
     */
    readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
    /**
     * Lifecycle rules, as `aws.s3.BucketLifecycleConfiguration` takes them.
     * @default - no lifecycle configuration
     */
    readonly lifecycleRules?: aws.s3.BucketLifecycleConfigurationArgs["rules"];
    /**
     * The bucket policy, built from the bucket's ARN; it should keep `tlsOnlyStatements`.
     * @default tlsOnlyPolicy
     */
    readonly policy?: (bucketArn: string) => pulumi.Input<string>;
    /**
     * The component these children were created under before SecureBucket existed: each child gets
     * an alias to its old URN (same name, that parent), so a stack that has the bucket keeps it
     * instead of replacing it (an Object Lock bucket cannot even be emptied).
     * @default - no alias (a new bucket)
     */
    readonly movedFrom?: pulumi.Resource;
}

/** All four public-access blocks on. */
export const PUBLIC_ACCESS_BLOCK = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
} as const;

/** The default-encryption rule: a bucket key when it is KMS (cuts KMS requests, and cost, by orders of magnitude; no effect with SSE-S3). */
export function encryptionRule(sse: BucketEncryption): { applyServerSideEncryptionByDefault: BucketEncryption; bucketKeyEnabled: boolean } {
    return { applyServerSideEncryptionByDefault: sse, bucketKeyEnabled: sse.sseAlgorithm === "aws:kms" };
}

/** Denies every request that is not HTTPS, or uses TLS older than 1.2, on the bucket and its objects. */
export function tlsOnlyStatements(bucketArn: string): object[] {
    const resources = [bucketArn, `${bucketArn}/*`];
    return [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resources,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
            Sid: "DenyOutdatedTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resources,
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
    ];
}

/** The default bucket policy: TLS only. */
export function tlsOnlyPolicy(bucketArn: string): object {
    return { Version: "2012-10-17", Statement: tlsOnlyStatements(bucketArn) };
}

/**
 * Aliases of a child moved from `movedFrom` into a SecureBucket: same name, old parent (see
 * `Alias` in @pulumi/pulumi's resource.d.ts: an omitted name means the current one).
 *
 * The old parent is given by its URN (`parent?: Resource | Input<URN>`), the value the SDK sends
 * either way (runtime/resource.js mapAliasesForRequest, getParentURN). A Resource there costs a
 * walk of its whole object graph (the parent chain, every output) for each child, several times:
 * output.js containsUnknowns checks every alias's value for unknowns and, unlike `output()`, does
 * not stop at a Resource; that walk was a sixth of an offline plan's CPU time (`node --cpu-prof`).
 */
export function movedAliases(movedFrom: pulumi.Resource | undefined): pulumi.Alias[] {
    return movedFrom === undefined ? [] : [{ parent: movedFrom.urn }];
}

export class SecureBucket extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    /** Versioning: S3 refuses Object Lock rules, lifecycle rules and replication before it. */
    public readonly versioning: aws.s3.BucketVersioning;
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:storage:SecureBucket", name, {}, opts);
        const aliases = movedAliases(args.movedFrom);
        const child = { parent: this, aliases };
        const { region } = args;

        this.bucket = new aws.s3.Bucket(name, {
            bucketPrefix: args.bucketPrefix,
            ...(args.objectLock !== undefined ? { objectLockEnabled: true } : {}),
            forceDestroy: args.safety.forceDestroy,
            region,
            tags: childTags(args.tags, name),
        }, { ...child, protect: args.safety.protect });
        const bucket = this.bucket.bucket;
        // Object Lock turns versioning on at creation; declaring it keeps it visible and enforced.
        this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" }, region }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, { bucket, rules: [encryptionRule(args.encryption)], region }, child);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, { bucket, ...PUBLIC_ACCESS_BLOCK, region }, child);
        const policy = args.policy ?? ((arn: string) => JSON.stringify(tlsOnlyPolicy(arn)));
        new aws.s3.BucketPolicy(`${name}-policy`, { bucket, policy: this.bucket.arn.apply((arn) => pulumi.output(policy(arn))), region }, { ...child, dependsOn: [publicAccess] });
        if (args.objectLock !== undefined) {
            new aws.s3.BucketObjectLockConfiguration(`${name}-object-lock`, {
                bucket,
                objectLockEnabled: "Enabled",
                rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
                region,
            }, { ...child, dependsOn: [this.versioning] });
        }
        if (args.lifecycleRules !== undefined) {
            new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket, rules: args.lifecycleRules, region }, { ...child, dependsOn: [this.versioning] });
        }

        this.bucketName = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
