/**
 * `launchpad:promotion`: which stack's smoke gates verify releases before this one makes them live,
 * and how many releases the stack remembers.
 */
import { z } from "zod";
import type { Show } from "./input";
import { safetyFor, type Safety, type Tier } from "./tier";

/** The stack a tier that verifies promotion (`Safety.verifyPromotion`) trusts when `fromStack` is unset. */
export const DEFAULT_PROMOTION_SOURCE = "staging";

export const promotionSchema = z.strictObject({
    /** Stack whose verified releases this one may make live. @default "staging" in production, none in staging */
    fromStack: z.string().regex(/^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/, { error: "expected a stack name such as \"staging\" or \"acme/launchpad/staging\"" }).optional(),
    /** Break glass: make live an image the source stack has not verified (the plan warns). */
    allowUnverified: z.boolean().default(false),
    /**
     * Only images whose load gate Job (`performance.loadGate`) also completed in the source stack
     * may go live by its verification (`verifiedReleases` entries with `load: "pass"`). @default false
     */
    requireLoad: z.boolean().default(false),
    /**
     * How many releases per service this stack remembers making live (its `releaseHistory` output,
     * read back from its own state); production may make any of them live again without the source
     * stack's verification, except one it switched straight back from (`reverted`). @default 10
     */
    historyLength: z.int({ error: "expected a whole number of releases from 1 to 100" }).min(1, { error: "expected a whole number of releases from 1 to 100" }).max(100, { error: "expected a whole number of releases from 1 to 100" }).default(10),
}).meta({
    description:
        "Which stack's smoke-gate results this one trusts. fromStack: the stack whose verified releases may go live " +
        `here (default ${JSON.stringify(DEFAULT_PROMOTION_SOURCE)} in production, none in staging; a short name is qualified with this organization ` +
        "and project); allowUnverified: break glass, make live an image that stack has not verified, with a warning " +
        "in every plan (default false); requireLoad: count that stack's verification only for releases whose load " +
        "gate Job (performance.loadGate) also completed there (default false); historyLength: how many releases per " +
        "service this stack remembers making live, in its releaseHistory output read back from its own state " +
        "(default 10); production makes any of them live again without the source stack's verification (a " +
        "rollback), except one it switched straight back from (marked reverted).",
});

export type RawPromotion = z.output<typeof promotionSchema>;

/** Where production's releases must have passed their smoke gate first. */
export interface PromotionConfig {
    /** Stack name as given: `staging`, or `org/project/stack`; the component qualifies a short one. */
    readonly fromStack: string;
    /** Break glass: unverified images may go live (the plan warns). */
    readonly allowUnverified: boolean;
    /** Verification counts only with the release's load gate Job completed too (`launchpad:promotion.requireLoad`). */
    readonly requireLoad: boolean;
}

/** The source stack is another stack. */
export function promotionProblems(promotion: RawPromotion | undefined, tier: Tier | undefined, stack: string, show: Show): string[] {
    if (promotion === undefined || tier === undefined) {
        return [];
    }
    const from = promotion.fromStack ?? (safetyFor(tier).verifyPromotion ? DEFAULT_PROMOTION_SOURCE : undefined);
    if (from !== undefined && from.split("/").pop() === stack) {
        const received = promotion.fromStack !== undefined ? show(from, "launchpad:promotion") : `nothing (the default in a ${tier} stack is ${JSON.stringify(from)})`;
        return [`launchpad:promotion.fromStack: received ${received}; expected a stack other than "${stack}" itself, whose smoke gates verify releases before this one makes them live`];
    }
    return [];
}

/** Undefined: releases go live on this stack's own smoke gate alone. */
export function buildPromotion(promotion: RawPromotion, safety: Pick<Safety, "verifyPromotion">): PromotionConfig | undefined {
    return safety.verifyPromotion || promotion.fromStack !== undefined
        ? { fromStack: promotion.fromStack ?? DEFAULT_PROMOTION_SOURCE, allowUnverified: promotion.allowUnverified, requireLoad: promotion.requireLoad }
        : undefined;
}

/**
 * A warning when the promotion's source stack is one of this project's (a short name, or this
 * project's `project/stack`) with no stack file here (a typo, `stagin`): not a problem, since the
 * backend may hold a stack no file describes, but the offline plan cannot read it, and `pulumi up`
 * fails reading it if the backend holds none either. None when the files are unknown.
 */
export function promotionSourceWarnings(promotion: PromotionConfig | undefined, project: string, stackFiles: readonly string[] | undefined): string[] {
    if (promotion === undefined || stackFiles === undefined) {
        return [];
    }
    const parts = promotion.fromStack.split("/");
    const stack = parts[parts.length - 1];
    const ofThisProject = parts.length === 1 || parts[parts.length - 2] === project;
    if (!ofThisProject || stackFiles.includes(stack)) {
        return [];
    }
    const here = stackFiles.length > 0 ? `its stack files are for ${stackFiles.join(", ")}` : "it has no stack file";
    return [`launchpad:promotion.fromStack: stack ${JSON.stringify(promotion.fromStack)} has no Pulumi.${stack}.yaml in this project (${here}): ` +
        "pulumi preview and pulumi up read its verified releases from the backend and fail if it holds no such stack, and the offline plan cannot read it; check the name"];
}
