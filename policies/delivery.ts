/**
 * Delivery: stack policies over the whole plan, written against the blue/green contract in
 * `lib/delivery.ts` (labels, annotations and roles the delivery component writes).
 *
 * - Traffic moves only through a gate: each live Service depends on its active color's smoke-gate
 *   Job and Deployment, so a failed gate fails `pulumi up` before the selector changes.
 * - Production makes live only releases staging verified, unless break-glass was set.
 * - Stateful resources in production carry Pulumi's `protect`.
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { ANNOTATIONS, COLORS, PROMOTION, ROLE_LABEL, ROLES, SELECTOR_LABELS } from "./shared/delivery";
import { labelsOf, listText, rec, resourcesOfType, TIER_PROPERTY, type LaunchpadStackPolicy, type TierConfig } from "./lib";

const SERVICE = "kubernetes:core/v1:Service";
const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** Live Services: the ones users reach, labelled with the live role. */
function liveServices(resources: readonly PolicyResource[]): PolicyResource[] {
    return resourcesOfType(resources, SERVICE).filter((s) => labelsOf(s.props)[ROLE_LABEL] === ROLES.live);
}

/** `Service web` for messages. */
function serviceName(s: PolicyResource): string {
    const name = rec(s.props.metadata).name;
    return `live Service ${typeof name === "string" ? name : s.name}`;
}

/** The first resource of `type` with the role and labels `{app, color}`. */
function findPart(deps: readonly PolicyResource[], type: string, role: string, app: string, color: string): PolicyResource | undefined {
    return deps.find((d) => {
        const l = labelsOf(d.props);
        return d.type === type && l[ROLE_LABEL] === role && l[SELECTOR_LABELS.app] === app && l[SELECTOR_LABELS.color] === color;
    });
}

export const liveServiceGated: LaunchpadStackPolicy = {
    name: "live-service-gated",
    description: "Every live Service selects one color of its app and depends on that color's smoke-gate Job and Deployment.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
        for (const svc of liveServices(args.resources)) {
            const who = serviceName(svc);
            // The selector's color is the active color: it is the one thing a color switch changes.
            const selector = rec(rec(svc.props.spec).selector);
            const app = selector[SELECTOR_LABELS.app];
            const active = selector[SELECTOR_LABELS.color];
            if (typeof app !== "string" || typeof active !== "string" || !(COLORS as readonly string[]).includes(active)) {
                report(`${who} does not select one color of one app: set spec.selector to {${SELECTOR_LABELS.app}: <service>, ${SELECTOR_LABELS.color}: ${COLORS.join(" | ")}}.`, svc.urn);
                continue;
            }
            // Explicit dependsOn is what orders the update after the gate; the plan records it as URNs.
            const missing: string[] = [];
            if (findPart(svc.dependencies, JOB, ROLES.gate, app, active) === undefined) missing.push(`the ${active} smoke-gate Job`);
            if (findPart(svc.dependencies, DEPLOYMENT, ROLES.workload, app, active) === undefined) missing.push(`the ${active} Deployment`);
            if (missing.length > 0) {
                report(`${who} does not depend on ${listText(missing)} of ${app}: add them to its dependsOn so traffic moves only after the gate passed.`, svc.urn);
            }
        }
    },
};

export interface PromotionConfig {
    /** Accept `unverified-allowed` (break-glass `launchpad:promotion.allowUnverified`) in production. @default true */
    readonly allowBreakGlass: boolean;
    readonly tier: TierConfig["tier"];
}

export const productionPromotionVerified: LaunchpadStackPolicy = {
    name: "production-promotion-verified",
    description: "In production every live Service serves a release verified in staging or one production made live before (its own release history), unless break-glass is set.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowBreakGlass: {
                type: "boolean",
                default: true,
                description: "Accept releases marked unverified-allowed (launchpad:promotion.allowUnverified) in production.",
            },
            ...TIER_PROPERTY,
        },
    },
    validateStack: (args, report) => {
        const c = args.getConfig<PromotionConfig>();
        if (c.tier !== "production") return;
        for (const svc of liveServices(args.resources)) {
            const mark = labelsOf(svc.props, "annotations")[ANNOTATIONS.promotion];
            if (mark === PROMOTION.verified || mark === PROMOTION.history || (mark === PROMOTION.unverifiedAllowed && c.allowBreakGlass)) continue;
            const fix = mark === PROMOTION.unverifiedAllowed
                ? "break-glass is not allowed by this stack's policy config: release an image staging verified"
                : "release an image whose gate passed in staging, or set launchpad:promotion.allowUnverified (break-glass)";
            report(`${serviceName(svc)} serves a release staging has not verified (${ANNOTATIONS.promotion}: ${mark ?? "missing"}): ${fix}.`, svc.urn);
        }
    },
};

export interface ProtectConfig {
    /** Resource types that hold state and must carry `protect` in production. */
    readonly statefulTypes: string[];
    readonly tier: TierConfig["tier"];
}

export const STATEFUL_TYPES = [
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:backup/vault:Vault",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume",
] as const;

export const productionStatefulProtected: LaunchpadStackPolicy = {
    name: "production-stateful-protected",
    description: "In production every stateful resource (database, keys, buckets, vaults) carries Pulumi's protect option.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            statefulTypes: { type: "array", items: { type: "string" }, default: [...STATEFUL_TYPES], description: "Resource types that hold state." },
            ...TIER_PROPERTY,
        },
    },
    validateStack: (args, report) => {
        const c = args.getConfig<ProtectConfig>();
        if (c.tier !== "production") return;
        for (const r of args.resources) {
            if (c.statefulTypes.includes(r.type) && r.opts.protect !== true) {
                report(`${r.type} ${r.name} holds state in production but is not protected: pass { protect: true } so pulumi destroy or a replacement cannot delete it.`, r.urn);
            }
        }
    },
};

export const DELIVERY_POLICIES = [liveServiceGated, productionPromotionVerified, productionStatefulProtected] as const;
