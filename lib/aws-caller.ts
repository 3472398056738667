/**
 * Who the stack's AWS provider is: its partition and account, asked of AWS (two invokes) by the
 * components whose policies and resource patterns name them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** `[partition, accountId]` of the provider `parent` resolves to. */
export function partitionAndAccount(parent: pulumi.Resource): pulumi.Output<[string, string]> {
    return pulumi.all([aws.getPartitionOutput({}, { parent }).partition, aws.getCallerIdentityOutput({}, { parent }).accountId]);
}
