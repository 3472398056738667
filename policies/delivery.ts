/**
 * Delivery: stack policies over the whole plan, written against the blue/green contract in
 * `lib/delivery.ts` (labels, annotations and roles the delivery component writes).
 *
 * - Traffic moves only through a gate: each live Service depends on its active color's smoke-gate
 *   Job and Deployment, so a failed gate fails `pulumi up` before the selector changes; an Ingress
 *   that weights the colors itself (an ALB forward action) sends traffic to the color the live
 *   Service selects, and after that color's gate, so the two paths never disagree.
 * - Production makes live only releases staging verified, unless break-glass was set.
 * - Stateful resources in production carry Pulumi's `protect`.
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { forwardTargets } from "./shared/alb";
import { ALB_ACTIONS, ANNOTATIONS, COLORS, PROMOTION, SELECTOR_LABELS } from "./shared/delivery";
import { serviceSelects } from "./shared/selector";
import { arr, containersOf, ingressBackendsOf, labelsOf, listText, podSpecOf, rec, resourcesOfType, strs, TIER_PROPERTY, type LaunchpadStackPolicy, type TierConfig } from "./lib";

const SERVICE = "kubernetes:core/v1:Service";
const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

function namespaceOf(r: PolicyResource): string {
    const ns = rec(r.props.metadata).namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** True when the Service's selector picks the Deployment's pods: same namespace, every selector pair among the pod template's labels (an empty selector picks none: policies/shared/selector.ts). */
export function selects(svc: PolicyResource, deployment: PolicyResource): boolean {
    const labels = rec(rec(rec(rec(deployment.props.spec).template).metadata).labels);
    return namespaceOf(svc) === namespaceOf(deployment) && serviceSelects(rec(svc.props.spec).selector, labels);
}

/** True when one of the Job's containers calls the Service by its cluster DNS name (`http://<name>.<namespace>.svc...`) in its command, args or env. */
export function targets(job: PolicyResource, svc: PolicyResource): boolean {
    const pod = podSpecOf(job.type, job.props);
    const name = rec(svc.props.metadata).name;
    if (pod === undefined || typeof name !== "string") return false;
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const url = new RegExp(`^[a-z][a-z0-9+.-]*://${esc(name)}(\\.${esc(namespaceOf(svc))}(\\.svc(\\.cluster\\.local)?)?)?(:\\d+)?(/|$)`);
    const texts = containersOf(pod).flatMap((c) => [...strs(c.spec.command), ...strs(c.spec.args), ...arr(c.spec.env).map((e) => rec(e).value).filter((v): v is string => typeof v === "string")]);
    return texts.some((t) => url.test(t));
}

/**
 * Live Services, by their role in the graph rather than a label or a name: every Service that
 * selects a Deployment's pods or that an Ingress routes to, except a preview Service, which is one a Job both calls and depends
 * on (the gate's shape: it tests the color through it before any traffic moves).
 */
function liveServices(resources: readonly PolicyResource[]): PolicyResource[] {
    const deployments = resourcesOfType(resources, DEPLOYMENT);
    const jobs = resourcesOfType(resources, JOB);
    const routed = new Set(resourcesOfType(resources, INGRESS).flatMap((i) => ingressBackends(i).map((name) => `${namespaceOf(i)}/${name}`)));
    return resourcesOfType(resources, SERVICE).filter((svc) => {
        const preview = jobs.some((j) => j.dependencies.some((d) => d.urn === svc.urn) && targets(j, svc));
        return !preview && (deployments.some((d) => selects(svc, d)) || routed.has(`${namespaceOf(svc)}/${String(rec(svc.props.metadata).name)}`));
    });
}

/** The Service names an Ingress routes to: its default backend and every rule's paths. */
function ingressBackends(ingress: PolicyResource): string[] {
    const spec = rec(ingress.props.spec);
    const backends = [rec(spec.defaultBackend), ...arr(spec.rules).flatMap((r) => arr(rec(rec(r).http).paths).map((p) => rec(rec(p).backend)))];
    return backends.map((b) => rec(b.service).name).filter((n): n is string => typeof n === "string");
}

/** `Service web` for messages. */
function serviceName(s: PolicyResource): string {
    const name = rec(s.props.metadata).name;
    return `live Service ${typeof name === "string" ? name : s.name}`;
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
            // By the graph: the Deployment the Service selects, and a Job that calls a Service selecting the same pods.
            const selected = svc.dependencies.filter((d) => d.type === DEPLOYMENT && selects(svc, d));
            const services = resourcesOfType(args.resources, SERVICE).filter((s) => s.urn !== svc.urn);
            const gated = svc.dependencies.some((j) => j.type === JOB && services.some((s) => targets(j, s) && selected.some((d) => selects(s, d))));
            if (!gated) missing.push(`the ${active} smoke-gate Job`);
            if (selected.length === 0) missing.push(`the ${active} Deployment`);
            if (missing.length > 0) {
                report(`${who} does not depend on ${listText(missing)} of ${app}: add them to its dependsOn so traffic moves only after the gate passed.`, svc.urn);
            }
        }
    },
};

/** A forward action's target groups that name a Service, with their weight (the ALB's default 1 when a lone group has none). */
interface WeightedService {
    readonly name: string;
    readonly weight: number;
}

/** The Service target groups of every `use-annotation` forward action of an Ingress the controller applies; the actions it refuses are the preflight's to report (preflight-ingress-backends). */
function weightedActions(ingress: PolicyResource): { action: string; groups: WeightedService[] }[] {
    const annotations = labelsOf(ingress.props, "annotations");
    const out: { action: string; groups: WeightedService[] }[] = [];
    for (const b of ingressBackendsOf(ingress.props)) {
        const action = b.name;
        if (action === undefined || b.port.name !== ALB_ACTIONS.useAnnotation) continue;
        const named = (forwardTargets(annotations[`${ALB_ACTIONS.annotationPrefix}${action}`] ?? "null") ?? []).map((t) => ({ name: t.serviceName, weight: t.weight }));
        if (named.length > 0 && !out.some((o) => o.action === action)) out.push({ action, groups: named });
    }
    return out;
}

export const ingressWeightsFollowLive: LaunchpadStackPolicy = {
    name: "ingress-weights-follow-live",
    description: "An Ingress that weights the colors itself (an ALB forward action over Services) sends traffic only to the color its app's live Service selects, and depends on that color's smoke-gate Job and Deployment.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
        const services = resourcesOfType(args.resources, SERVICE);
        const live = liveServices(args.resources);
        for (const ing of resourcesOfType(args.resources, INGRESS)) {
            const ns = namespaceOf(ing);
            const own = rec(ing.props.metadata).name;
            const name = typeof own === "string" ? own : ing.name;
            for (const { action, groups } of weightedActions(ing)) {
                const resolved = groups.flatMap((g) => {
                    const svc = services.find((s) => namespaceOf(s) === ns && rec(s.props.metadata).name === g.name);
                    return svc === undefined ? [] : [{ ...g, svc, selector: rec(rec(svc.props.spec).selector) }];
                });
                const apps = new Set(resolved.map((r) => r.selector[SELECTOR_LABELS.app]).filter((a): a is string => typeof a === "string"));
                for (const app of apps) {
                    const ofApp = resolved.filter((r) => r.selector[SELECTOR_LABELS.app] === app);
                    const sending = ofApp.filter((r) => r.weight > 0);
                    const liveSvc = live.find((l) => namespaceOf(l) === ns && rec(rec(l.props.spec).selector)[SELECTOR_LABELS.app] === app);
                    const liveColor = liveSvc === undefined ? undefined : rec(rec(liveSvc.props.spec).selector)[SELECTOR_LABELS.color];
                    const shown = groups.map((g) => `${g.name} ${g.weight}`).join(", ");
                    if (typeof liveColor === "string") {
                        const wrong = sending.filter((r) => r.selector[SELECTOR_LABELS.color] !== liveColor);
                        if (wrong.length > 0 || sending.length === 0) {
                            report(`Ingress ${name} action ${action} weights ${app}'s colors ${shown}, but ${serviceName(liveSvc as PolicyResource)} selects ${liveColor}: give the ${liveColor} Service all the weight and the other 0, as a color switch sets them.`, ing.urn);
                            continue;
                        }
                    }
                    // Traffic through the Ingress moves after the gate too: the weighted color's Deployment and a Job testing it.
                    const deployments = resourcesOfType(args.resources, DEPLOYMENT).filter((d) => sending.some((r) => selects(r.svc, d)));
                    const missing: string[] = [];
                    const color = sending.map((r) => { const c = r.selector[SELECTOR_LABELS.color]; return typeof c === "string" ? c : "?"; }).join(" and ");
                    const gated = ing.dependencies.some((j) => j.type === JOB && services.some((s) => targets(j, s) && deployments.some((d) => selects(s, d))));
                    if (!gated) missing.push(`the ${color} smoke-gate Job`);
                    if (deployments.length === 0 || !deployments.every((d) => ing.dependencies.some((x) => x.urn === d.urn))) missing.push(`the ${color} Deployment`);
                    if (missing.length > 0) {
                        report(`Ingress ${name} sends ${app}'s traffic to ${color} (action ${action}) but does not depend on ${listText(missing)}: add them to its dependsOn so traffic moves only after the gate passed.`, ing.urn);
                    }
                }
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

export const DELIVERY_POLICIES = [liveServiceGated, ingressWeightsFollowLive, productionPromotionVerified, productionStatefulProtected] as const;
