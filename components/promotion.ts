/**
 * Promotion: production makes live only images whose smoke gate passed in the source stack
 * (staging), read through a StackReference to its `verifiedReleases` output.
 *
 * The rule is checked when the reference's outputs arrive (in preview too). Each live Service takes
 * its selector from `liveColor()`, so when the rule fails no selector is ever registered: traffic
 * stays where it is, and the error names the key, the image and what the source stack verified.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type PromotionConfig, type ServiceConfig } from "../config";
import { PROMOTION, type Color } from "../lib/delivery";
import type { ReleaseInfo } from "./blue-green-service";

/** The stack output holding, per service, the releases whose gate passed. */
export const VERIFIED_RELEASES_OUTPUT = "verifiedReleases";

export type VerifiedReleases = Readonly<Record<string, readonly ReleaseInfo[]>>;

export interface PromotionArgs {
    readonly config: PromotionConfig;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly services: readonly ServiceConfig[];
}

/** `staging` -> `<org>/<project>/staging`; `project/stack` -> `<org>/project/stack`; a full name as is. */
export function qualifiedStackName(fromStack: string, organization: string, project: string): string {
    const parts = fromStack.split("/");
    return parts.length === 3 ? fromStack : parts.length === 2 ? `${organization}/${fromStack}` : `${organization}/${project}/${fromStack}`;
}

/** A live image the source stack has not verified. */
export interface UnverifiedRelease {
    readonly service: string;
    readonly color: Color;
    readonly image: string;
    /** Images of this service the source stack did verify. */
    readonly verified: readonly string[];
}

export function unverifiedReleases(services: readonly ServiceConfig[], verified: VerifiedReleases | undefined): UnverifiedRelease[] {
    return services.flatMap((s) => {
        const image = s.releases[s.activeColor].image;
        const images = [...new Set((verified?.[s.name] ?? []).map((r) => r.image))];
        return images.includes(image) ? [] : [{ service: s.name, color: s.activeColor, image, verified: images }];
    });
}

/** The config error's line for one unverified release. */
export function promotionProblem(u: UnverifiedRelease, source: string): string {
    const seen = u.verified.length > 0 ? `verified there: ${u.verified.map((i) => JSON.stringify(i)).join(", ")}` : `it verified no release of ${u.service}`;
    return `launchpad:services.${u.service}.releases.${u.color}.image: received ${JSON.stringify(u.image)}; ` +
        `expected an image whose smoke gate passed in stack "${source}" (${seen}), or launchpad:promotion.allowUnverified set to true`;
}

/** The warning every plan prints while break glass lets an unverified release go live. */
export function breakGlassWarning(u: UnverifiedRelease, source: string): string {
    return `launchpad:promotion.allowUnverified is true: ${u.service} goes live on ${u.color} with ${JSON.stringify(u.image)}, which stack "${source}" has not verified`;
}

export class Promotion extends pulumi.ComponentResource {
    /** The source stack's verified releases per service. */
    public readonly sourceReleases: pulumi.Output<VerifiedReleases | undefined>;
    /**
     * The live releases the source stack has not verified: empty, or break glass is on. Rejects with
     * a `ConfigError` when one exists without break glass.
     */
    public readonly checked: pulumi.Output<UnverifiedRelease[]>;

    constructor(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:delivery:Promotion", name, {}, opts);
        const source = qualifiedStackName(args.config.fromStack, args.organization, args.project);
        const ref = new pulumi.StackReference(`${name}-source`, { name: source }, { parent: this });
        this.sourceReleases = ref.getOutput(VERIFIED_RELEASES_OUTPUT) as pulumi.Output<VerifiedReleases | undefined>;
        this.checked = this.sourceReleases.apply((verified) => {
            const unverified = unverifiedReleases(args.services, verified);
            if (unverified.length > 0 && !args.config.allowUnverified) {
                throw new ConfigError(args.stack, unverified.map((u) => promotionProblem(u, source)));
            }
            for (const u of unverified) {
                void pulumi.log.warn(breakGlassWarning(u, source), this);
            }
            return unverified;
        });
        this.registerOutputs({ sourceReleases: this.sourceReleases });
    }

    /** The service's live color, available only once the promotion rule holds. */
    liveColor(service: ServiceConfig): pulumi.Output<Color> {
        return this.checked.apply(() => service.activeColor);
    }

    /** `verified`, or `unverified-allowed` under break glass: the live Service's promotion annotation. */
    mark(service: ServiceConfig): pulumi.Output<string> {
        return this.checked.apply((unverified) => (unverified.some((u) => u.service === service.name) ? PROMOTION.unverifiedAllowed : PROMOTION.verified));
    }
}
