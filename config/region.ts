/**
 * `aws:region` and `launchpad:drRegion`: where the stack runs and where its disaster-recovery copies go.
 */
import { z } from "zod";
import type { Show } from "./input";

const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const regionSchema = z.string().regex(REGION_RE, { error: "expected an AWS region name such as \"us-east-1\"" });

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
