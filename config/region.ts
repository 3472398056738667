/**
 * `aws:region` and `launchpad:drRegion`: where the stack runs and where its disaster-recovery copies go.
 */
import { partition } from "@aws-sdk/core/client";
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
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
        "differ from launchpad:drRegion.",
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

/**
 * When the stack's database replicates its automated backups to the DR region
 * (`replicatesDatabaseBackups`: a tier with `replicateBackupsToDr` and a database), a pair the RDS
 * User Guide's 2023 table does not serve (`config/rds-backup-replication.ts`): a warning, since the
 * table predates pairs AWS added since.
 */
export function regionWarnings(region: string, dr: string, opts: { readonly replicatesDatabaseBackups: boolean; readonly secret: boolean }): string[] {
    const replication = opts.replicatesDatabaseBackups && region !== dr ? backupReplicationWarning(region, dr, opts.secret) : undefined;
    return replication === undefined ? [] : [replication];
}
