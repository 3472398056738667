/**
 * Issue 13, class 2: config that AWS would refuse at `pulumi up`. AWS allows 50 tags on a resource
 * (awsdocs/amazon-eks-user-guide eks-using-tags.adoc, "A maximum of 50 tags can be associated with a
 * resource"); `launchpad:tags` adds to Launchpad's own on every taggable resource, so past its share
 * every create would fail. Through `npm run plan`, on the committed staging stack (2 tags of its own).
 */
import { describe, expect, it } from "vitest";
import { MAX_LAUNCHPAD_TAGS, MAX_STACK_TAGS } from "../config/tags";
import { planCli } from "../scripts/plan";

const extraTags = (n: number): string[] => Array.from({ length: n }, (_, i) => ["--set", `launchpad:tags.t${i + 1}=v`]).flat();

describe("npm run plan: launchpad:tags within what AWS allows on one resource", () => {
    it("keeps 50 tags per resource: the stack's share plus Launchpad's own plus the room kept for EKS's node tags", () => {
        expect([MAX_STACK_TAGS, MAX_LAUNCHPAD_TAGS]).toEqual([40, 6]);
    });

    it("40 tags (staging's 2 and --set of 38) plan: the most-tagged resources (the subnets) carry 46, leaving EKS its room within 50", async () => {
        const r = await planCli(["--stack", "staging", "--json", ...extraTags(38)]);
        const resources = (JSON.parse(r.stdout) as { resources: { inputs: { tags?: unknown } }[] }).resources;
        const counts = resources.map((x) => (x.inputs.tags !== null && typeof x.inputs.tags === "object" ? Object.keys(x.inputs.tags).length : 0));
        expect([r.code, Math.max(...counts)]).toEqual([0, 46]);
    });

    it.each([41, 60])("%i tags: exit 2, one problem saying how many fit", async (total) => {
        const r = await planCli(["--stack", "staging", ...extraTags(total - 2)]);
        expect([r.code, r.stdout, r.stderr]).toEqual([2, "",
            `Invalid configuration for stack "staging" (1 problem):\n  - launchpad:tags: received ${total} tags; expected at most 40: AWS allows 50 tags on a resource, and Launchpad adds up to 6 of its own (project, environment, managed-by, Name, a subnet's tier and role) with room for 4 that EKS puts on nodes\n`]);
    });
});
