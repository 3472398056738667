/**
 * One derivation of the AWS partition (issue #16): config/region.ts `awsPartition`, the AWS SDK's
 * partitions table (@aws-sdk/core `partition`, each partition's regionRegex). The components used to
 * ask the provider too (the aws:index/getPartition invoke) for the same answer; now every partition
 * the program writes comes from the region.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { awsPartition } from "../config/region";
import { managedPolicyArn } from "../lib/iam";
import { rdsInstancesPattern } from "../components/backup-plan";
import { flowLogsTrustPolicy } from "../components/network";

const ROOT = join(__dirname, "..");

describe("awsPartition: the partition of a region, for the three partitions Launchpad names", () => {
    it.each([
        ["us-east-1", "aws"],
        ["eu-west-1", "aws"],
        ["cn-north-1", "aws-cn"],
        ["cn-northwest-1", "aws-cn"],
        ["us-gov-west-1", "aws-us-gov"],
        ["us-gov-east-1", "aws-us-gov"],
    ])("%s is in %s", (region, partition) => {
        expect(awsPartition(region)).toBe(partition);
        // What the components write from it.
        expect(managedPolicyArn("AmazonEKSClusterPolicy", awsPartition(region))).toBe(`arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy`);
        expect(rdsInstancesPattern(awsPartition(region), region, "111122223333")).toBe(`arn:${partition}:rds:${region}:111122223333:db:*`);
        expect(JSON.stringify(flowLogsTrustPolicy(awsPartition(region), region, "111122223333"))).toContain(`"arn:${partition}:ec2:${region}:111122223333:vpc-flow-log/*"`);
    });
});

describe("no second partition mechanism", () => {
    it("no component, lib or config module asks the provider for its partition (getPartition): each derives it from the region", () => {
        const askers = ["components", "lib", "config"].flatMap((dir) =>
            readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".ts") && /getPartition/.test(readFileSync(join(ROOT, dir, f), "utf8"))).map((f) => `${dir}/${f}`));
        expect(askers).toEqual([]);
    });
});
