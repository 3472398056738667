/**
 * Promotion: production makes live only images whose smoke gate passed in the source stack
 * (staging), read through a StackReference to its `verifiedReleases` output, or images production
 * itself made live before (its own `releaseHistory`, read from its state: a rollback never needs
 * staging to still report the old release).
 *
 * The rule is checked when the reference's outputs arrive (in preview too). Each live Service takes
 * its selector from `liveColor()`, so when the rule fails no selector is ever registered: traffic
 * stays where it is, and the error names the key, the image and what the source stack verified.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type PromotionConfig, type ServiceConfig } from "../config";
import { PROMOTION, type Color } from "../lib/delivery";
import { GRAFANA_TARGET_OUTPUT, grafanaTargetOf, type GrafanaTarget } from "../observability/grafana-target";
import { qualifiedStackName } from "../lib/stack-name";
import type { ReleaseInfo } from "./blue-green-service";
import { historyImages, revertedImages, type ReleaseHistory } from "./release-history";

/** The stack output holding, per service, the releases whose gate passed. */
export const VERIFIED_RELEASES_OUTPUT = "verifiedReleases";

export type VerifiedReleases = Readonly<Record<string, readonly ReleaseInfo[]>>;

export interface PromotionArgs {
    readonly config: PromotionConfig;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly services: readonly ServiceConfig[];
    /** This stack's own release history, from its state (`components/release-history.ts`). */
    readonly history: pulumi.Input<ReleaseHistory>;
}

/** The rule that admitted a live release, as the live Service's promotion annotation shows it. */
export type PromotionRule = (typeof PROMOTION)[keyof typeof PROMOTION];

/** A live image the source stack has not verified and this stack never made live. */
export interface UnverifiedRelease {
    readonly service: string;
    readonly color: Color;
    readonly image: string;
    /** Images of this service the source stack did verify. */
    readonly verified: readonly string[];
    /** Images of this service this stack made live before, newest first. */
    readonly history: readonly string[];
    /** Images of this service this stack switched back from (in its history, admitting nothing). */
    readonly reverted: readonly string[];
}

/** Per service, the rule that admits its live release, or undefined when none does. */
export interface Admission {
    readonly service: string;
    readonly rule: PromotionRule | undefined;
    readonly release: UnverifiedRelease;
}

/**
 * The promotion rule table, first match wins: the source stack verified the live image
 * (`verified`; with `requireLoad`, only a verification whose load scenario passed too counts); this
 * stack made it live before (`history`); break glass is on (`unverified-allowed`, with a warning);
 * otherwise nothing admits it.
 */
export function admit(services: readonly ServiceConfig[], verified: VerifiedReleases | undefined, history: ReleaseHistory, allowUnverified: boolean, requireLoad = false): Admission[] {
    return services.map((s) => {
        const image = s.releases[s.activeColor].image;
        const images = [...new Set((verified?.[s.name] ?? []).filter((r) => !requireLoad || r.load === "pass").map((r) => r.image))];
        const ran = historyImages(history, s.name);
        const rule = images.includes(image) ? PROMOTION.verified
            : ran.includes(image) ? PROMOTION.history
            : allowUnverified ? PROMOTION.unverifiedAllowed
            : undefined;
        return { service: s.name, rule, release: { service: s.name, color: s.activeColor, image, verified: images, history: ran, reverted: revertedImages(history, s.name) } };
    });
}

/** The live releases neither verified by the source stack nor in this stack's history. */
export function unverifiedReleases(services: readonly ServiceConfig[], verified: VerifiedReleases | undefined, history: ReleaseHistory = {}, requireLoad = false): UnverifiedRelease[] {
    return admit(services, verified, history, false, requireLoad).filter((a) => a.rule === undefined).map((a) => a.release);
}

/** The config error's line for one unverified release. */
export function promotionProblem(u: UnverifiedRelease, source: string, requireLoad = false): string {
    const seen = u.verified.length > 0 ? `verified there: ${u.verified.map((i) => JSON.stringify(i)).join(", ")}` : `it verified no release of ${u.service}`;
    const back = u.reverted.length > 0 ? `; switched back from, so not counted: ${u.reverted.map((i) => JSON.stringify(i)).join(", ")}` : "";
    const ran = `${u.history.length > 0 ? `this stack's release history: ${u.history.map((i) => JSON.stringify(i)).join(", ")}` : "this stack's release history has none"}${back}`;
    return `launchpad:services.${u.service}.releases.${u.color}.image: received ${JSON.stringify(u.image)}; ` +
        `expected an image whose smoke gate${requireLoad ? " and load scenario" : ""} passed in stack "${source}" (${seen}), an image this stack made live before (${ran}), ` +
        "or launchpad:promotion.allowUnverified set to true";
}

/** The warning every plan prints while break glass lets an unverified release go live. */
export function breakGlassWarning(u: UnverifiedRelease, source: string): string {
    return `launchpad:promotion.allowUnverified is true: ${u.service} goes live on ${u.color} with ${JSON.stringify(u.image)}, which stack "${source}" has not verified and this stack never made live`;
}

export class Promotion extends pulumi.ComponentResource {
    /** The source stack's name, qualified (`org/project/stack`). */
    public readonly sourceStack: string;
    /** The source stack's verified releases per service. */
    public readonly sourceReleases: pulumi.Output<VerifiedReleases | undefined>;
    /** Where the source stack's Grafana alerting lives; undefined when it exports none (Observability refuses sharing it). */
    public readonly sourceGrafanaTarget: pulumi.Output<GrafanaTarget | undefined>;
    /**
     * Per service, the rule that admitted its live release. Rejects with a `ConfigError` when a live
     * release is admitted by none.
     */
    public readonly admissions: pulumi.Output<Admission[]>;

    constructor(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:delivery:Promotion", name, {}, opts);
        const source = qualifiedStackName(args.config.fromStack, args.organization, args.project);
        const ref = new pulumi.StackReference(`${name}-source`, { name: source }, { parent: this });
        this.sourceStack = source;
        this.sourceReleases = ref.getOutput(VERIFIED_RELEASES_OUTPUT) as pulumi.Output<VerifiedReleases | undefined>;
        this.sourceGrafanaTarget = ref.getOutput(GRAFANA_TARGET_OUTPUT).apply(grafanaTargetOf);
        this.admissions = pulumi.all([this.sourceReleases, args.history]).apply(([verified, history]) => {
            const admissions = admit(args.services, verified, history, args.config.allowUnverified, args.config.requireLoad);
            const refused = admissions.filter((a) => a.rule === undefined);
            if (refused.length > 0) {
                throw new ConfigError(args.stack, refused.map((a) => promotionProblem(a.release, source, args.config.requireLoad)));
            }
            for (const a of admissions.filter((x) => x.rule === PROMOTION.unverifiedAllowed)) {
                void pulumi.log.warn(breakGlassWarning(a.release, source), this);
            }
            return admissions;
        });
        this.registerOutputs({ sourceReleases: this.sourceReleases });
    }

    /** The service's live color, available only once the promotion rule holds. */
    liveColor(service: ServiceConfig): pulumi.Output<Color> {
        return this.admissions.apply(() => service.activeColor);
    }

    /** The rule that admitted the service's live release: the live Service's promotion annotation. */
    mark(service: ServiceConfig): pulumi.Output<string> {
        // Every service has an admission with a rule once `admissions` resolves: a refusal rejects it.
        return this.admissions.apply((all) => all.find((a) => a.service === service.name)?.rule as PromotionRule);
    }
}
