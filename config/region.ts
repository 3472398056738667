/**
 * `aws:region` and `launchpad:drRegion`: where the stack runs and where its disaster-recovery copies go.
 */
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import type { Show } from "./input";

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
        "AWS region for disaster-recovery copies (backups, replicas); must differ from aws:region.",
});

/** The DR region is off-site: not the primary region. */
export function regionProblems(region: string | undefined, dr: string | undefined, show: Show): string[] {
    if (region !== undefined && dr !== undefined && region === dr) {
        return [`launchpad:drRegion: received ${show(dr, "launchpad:drRegion", "aws:region")}; expected a region other than aws:region (${show(region, "launchpad:drRegion", "aws:region")}): a disaster-recovery copy in the same region is not off-site`];
    }
    return [];
}
