/**
 * Who the stack's AWS provider is: its partition and account, for the components whose policies and
 * resource patterns name them. The account is asked of AWS (an invoke); the partition is not: it is
 * the region's, which config/region.ts `awsPartition` owns (the AWS SDK's partitions table), the one
 * derivation every component uses, so the caller passes it in.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** `[partition, accountId]`: `partition` as given (`awsPartition(region)`), the account of the provider `parent` resolves to. */
export function partitionAndAccount(parent: pulumi.Resource, partition: string): pulumi.Output<[string, string]> {
    return pulumi.all([partition, aws.getCallerIdentityOutput({}, { parent }).accountId]);
}
