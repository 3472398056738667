/**
 * `aws:region` and `launchpad:drRegion`: where the stack runs and where its disaster-recovery copies go.
 */
import { partition } from "@aws-sdk/core/client";
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { issuePath } from "./errors";
import type { Show } from "./input";
import { backupReplicationWarning } from "./rds-backup-replication";

/**
 * The regions the AWS provider accepts: it checks `region` against its own static list unless
 * `skipRegionValidation` is set ("Skip static validation of region name", @pulumi/aws provider.d.ts),
 * which Launchpad's provider never sets. The SDK's `Region` enum is that list as the package ships it,
 * so "us-east-9" fails here rather than at `pulumi up`, and a new region (eusc-de-east-1) comes with
 * a provider upgrade instead of a pattern edit.
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

const regionSchema = z.string().refine((r) => AWS_REGIONS.includes(r), { error: "expected an AWS region name such as \"us-east-1\" (one the AWS provider knows: the Region list of @pulumi/aws)" });

export const awsRegionSchema = regionSchema.meta({
    description:
        "The AWS provider's own key, so not declared in Pulumi.yaml; set per stack (`pulumi config set aws:region " +
        "us-east-1`). Region of every AWS resource of the stack, through the stack's explicit AWS provider. Must " +
        "differ from launchpad:drRegion. Every ARN the config names (cluster access roles, an OIDC provider, a " +
        "certificate) must be of its partition (arn:aws-us-gov:... in GovCloud).",
});

export const drRegionSchema = regionSchema.meta({
    description:
        "AWS region for disaster-recovery copies (backups, replicas); must differ from aws:region and be in its " +
        "partition. Where the tier replicates the database's automated backups (production), RDS must replicate " +
        "aws:region's there: a pair the RDS User Guide's table of 2023 (vendor/rds-backup-replication) leaves out is a " +
        "warning of the plan and of `pulumi preview`.",
});

/**
 * The AWS partition of a region (aws, aws-cn, aws-us-gov, aws-eusc, ...), from the AWS SDK's own
 * partitions table (the `partition` endpoint function of @aws-sdk/core, the regionRegex of each).
 */
export function awsPartition(region: string): string {
    return partition(region).name;
}

/**
 * Where RDS publishes the CA bundle its server certificates chain to, per partition: the commercial
 * Regions' "Certificate bundles for all AWS Regions" and the GovCloud (US) Regions' "AWS GovCloud (US)
 * certificates" (RDS User Guide, UsingWithRDS.SSL; awsdocs/amazon-rds-user-guide f2e9ed35
 * doc_source/UsingWithRDS.SSL.md). The China and European Sovereign Cloud partitions publish theirs
 * in documentation of their own, which names no address Launchpad could read: none here, so a stack
 * there with a database must name one, `launchpad:database.caBundleUrl` ({@link caBundleProblems}).
 */
export const RDS_CA_BUNDLE_URLS: Readonly<Record<string, string>> = {
    aws: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    "aws-us-gov": "https://truststore.pki.us-gov-west-1.rds.amazonaws.com/global/global-bundle.pem",
};

/** The RDS CA bundle's address for the region's partition; undefined where none is known. */
export function rdsCaBundleUrl(region: string): string | undefined {
    return RDS_CA_BUNDLE_URLS[awsPartition(region)];
}

/**
 * The DR region is off-site: not the primary region, but in its partition, since AWS Backup copies,
 * S3 replication and RDS backup replication do not cross partitions (each partition has its own
 * accounts and IAM; the ARNs they exchange carry the partition).
 */
export function regionProblems(region: string | undefined, dr: string | undefined, show: Show): string[] {
    if (region === undefined || dr === undefined) {
        return [];
    }
    const at = (v: string) => show(v, "launchpad:drRegion", "aws:region");
    if (region === dr) {
        return [`launchpad:drRegion: received ${at(dr)}; expected a region other than aws:region (${at(region)}): a disaster-recovery copy in the same region is not off-site`];
    }
    if (AWS_REGIONS.includes(region) && AWS_REGIONS.includes(dr) && awsPartition(region) !== awsPartition(dr)) {
        return [`launchpad:drRegion: received ${at(dr)} (partition ${awsPartition(dr)}); expected a region of aws:region's partition, ${awsPartition(region)}: copies and replication do not cross AWS partitions`];
    }
    return [];
}

/** Config subtrees whose text is the application's or a label's, not an AWS resource of the stack's: a service's env and a check's headers, the tags. */
const NOT_AWS_REFERENCES: ReadonlySet<string> = new Set(["env", "headers"]);

/**
 * Every ARN the config names (the IAM roles given cluster access, an OIDC provider, an ACM
 * certificate, ...) is of aws:region's partition: each partition has its own accounts and IAM, so EKS,
 * IAM and the load balancers refuse an ARN of another one at `pulumi up` (a commercial `arn:aws:`
 * role in a GovCloud stack). Reported with the value's config path.
 */
export function arnPartitionProblems(values: Readonly<Record<string, unknown>>, region: string | undefined, show: Show): string[] {
    if (region === undefined || !AWS_REGIONS.includes(region)) {
        return [];
    }
    const want = awsPartition(region);
    const problems: string[] = [];
    const walk = (value: unknown, key: string, path: readonly PropertyKey[]): void => {
        if (typeof value === "string") {
            const got = /^arn:([a-z0-9-]+):/.exec(value)?.[1];
            if (got !== undefined && got !== want) {
                problems.push(`${issuePath([key, ...path])}: received ${show(value, key)} (partition ${got}); expected an ARN of aws:region's partition, ${want} (aws:region ${show(region, "aws:region")}): AWS refuses an ARN of another partition`);
            }
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, key, [...path, i]));
        } else if (value !== null && typeof value === "object") {
            for (const [field, v] of Object.entries(value)) {
                if (!NOT_AWS_REFERENCES.has(field)) walk(v, key, [...path, field]);
            }
        }
    };
    for (const [key, value] of Object.entries(values)) {
        if (key.startsWith("launchpad:") && key !== "launchpad:tags") walk(value, key, []);
    }
    return problems;
}

/**
 * A stack with a database in a partition whose RDS CA bundle has no known address
 * ({@link rdsCaBundleUrl}) must name one (`launchpad:database.caBundleUrl`): every logical dump and
 * every pod that connects to the database verifies the server's certificate against it, and without
 * it each would fail, closed, at `pulumi up` and every night after.
 */
export function caBundleProblems(region: string | undefined, caBundleUrl: string | undefined, hasDatabase: boolean, show: Show): string[] {
    if (!hasDatabase || region === undefined || caBundleUrl !== undefined || !AWS_REGIONS.includes(region) || rdsCaBundleUrl(region) !== undefined) {
        return [];
    }
    return [
        `launchpad:database.caBundleUrl: received nothing; expected the https:// address of the RDS CA bundle for partition ${awsPartition(region)} ` +
            `(aws:region ${show(region, "aws:region")}), which Launchpad does not know (config/region.ts RDS_CA_BUNDLE_URLS: ${Object.keys(RDS_CA_BUNDLE_URLS).join(", ")}): ` +
            "the services' db-ca init containers and the logical dumps verify the database's certificate against it, and would fail without it " +
            '(docs/data-protection.md, "The data layer")',
    ];
}

/**
 * Warnings of where the stack runs: when the stack's database replicates its automated backups to
 * the DR region (`replicatesDatabaseBackups`: a tier with `replicateBackupsToDr` and a database), a
 * pair the RDS User Guide's 2023 table does not serve (`config/rds-backup-replication.ts`), since the
 * table predates pairs AWS added since.
 */
export function regionWarnings(region: string, dr: string, opts: { readonly replicatesDatabaseBackups: boolean; readonly secret: boolean }): string[] {
    const replication = opts.replicatesDatabaseBackups && region !== dr ? backupReplicationWarning(region, dr, opts.secret) : undefined;
    return replication === undefined ? [] : [replication];
}
