import { describe, expect, it } from "vitest";
import { ingressWeightsFollowLive, liveServiceGated, productionPromotionVerified, productionStatefulProtected } from "../policies/delivery";
import { ANNOTATIONS, PROMOTION, ROLE_LABEL, ROLES } from "../lib/delivery";
import { resource, stackViolations, withInput } from "./support/policy";

/**
 * One service's blue/green resources as `lib/delivery.ts` specifies them (the delivery component
 * is built in parallel): a Deployment, a preview Service and a gate Job per color, and the live
 * Service selecting blue, depending on blue's gate Job and Deployment.
 */
function blueGreen(app: string) {
    const parts = (["blue", "green"] as const).flatMap((color) => {
        const labels = { app, color };
        const preview = resource("kubernetes:core/v1:Service", `${app}-${color}-preview`, { metadata: { name: `${app}-${color}`, labels: { ...labels, [ROLE_LABEL]: ROLES.preview } }, spec: { type: "ClusterIP", selector: labels } });
        return [
            resource("kubernetes:apps/v1:Deployment", `${app}-${color}`, {
                metadata: { name: `${app}-${color}`, labels: { ...labels, [ROLE_LABEL]: ROLES.workload }, annotations: { [ANNOTATIONS.releaseId]: `${color}-r1` } },
                spec: { selector: { matchLabels: labels }, template: { metadata: { labels: { ...labels, [ROLE_LABEL]: ROLES.workload } }, spec: { containers: [{ name: "app", image: "web:1" }] } } },
            }),
            preview,
            // The gate calls its color's preview Service and depends on it: what makes that Service a preview, whatever its labels.
            resource("kubernetes:batch/v1:Job", `${app}-${color}-gate`, {
                metadata: { labels: { ...labels, [ROLE_LABEL]: ROLES.gate } },
                spec: { template: { spec: { containers: [{ name: "smoke", command: ["node", "runner.cjs", "--target", `http://${app}-${color}.default.svc.cluster.local:80`] }] } } },
            }, { dependsOn: [preview.urn] }),
        ];
    });
    const dep = (name: string) => parts.find((p) => p.name === name)?.urn ?? "";
    const live = resource("kubernetes:core/v1:Service", `${app}-live`, {
        metadata: {
            name: app,
            labels: { app, [ROLE_LABEL]: ROLES.live },
            annotations: { [ANNOTATIONS.promotion]: PROMOTION.verified },
        },
        spec: { type: "ClusterIP", selector: { app, color: "blue" } },
    }, { dependsOn: [dep(`${app}-blue-gate`), dep(`${app}-blue`)] });
    return { parts, live, all: [...parts, live] };
}

const WEB = blueGreen("web");
const withLive = (change: (live: typeof WEB.live) => typeof WEB.live) => [...WEB.parts, change(WEB.live)];

describe("live-service-gated", () => {
    it("passes a live Service that depends on its active color's gate Job and Deployment", async () => {
        expect(await stackViolations(liveServiceGated, WEB.all)).toEqual([]);
    });

    it("a live Service that does not wait for the gate", async () => {
        const ungated = withLive((l) => ({ ...l, dependsOn: [WEB.parts.find((p) => p.name === "web-blue")?.urn ?? ""] }));
        expect(await stackViolations(liveServiceGated, ungated)).toEqual([
            { message: "live Service web does not depend on the blue smoke-gate Job of web: add them to its dependsOn so traffic moves only after the gate passed.", urn: WEB.live.urn },
        ]);
    });

    it.each([
        ["labelled as a preview Service", (l: typeof WEB.live) => withInput(l, `metadata.labels`, { app: "web", [ROLE_LABEL]: ROLES.preview })],
        ["with no labels and another Pulumi name", (l: typeof WEB.live) => ({ ...withInput(l, "metadata.labels", {}), name: "front-door", urn: l.urn.replace(/web-live$/, "front-door") })],
    ])("an ungated live Service %s is still judged as live (by what it selects)", async (_what, disguise) => {
        const ungated = withLive((l) => disguise({ ...l, dependsOn: [WEB.parts.find((p) => p.name === "web-blue")?.urn ?? ""] }));
        const live = ungated[ungated.length - 1];
        expect(await stackViolations(liveServiceGated, ungated)).toEqual([
            { message: "live Service web does not depend on the blue smoke-gate Job of web: add them to its dependsOn so traffic moves only after the gate passed.", urn: live.urn },
        ]);
    });

    it("a Job that calls a Service but is not its gate does not make it a preview", async () => {
        const caller = resource("kubernetes:batch/v1:Job", "load-test", { spec: { template: { spec: { containers: [{ name: "k6", args: ["http://web.default.svc:80/"] }] } } } });
        const ungated = [...withLive((l) => ({ ...l, dependsOn: [WEB.parts.find((p) => p.name === "web-blue")?.urn ?? ""] })), caller];
        expect((await stackViolations(liveServiceGated, ungated)).map((v) => v.urn)).toEqual([WEB.live.urn]);
    });

    it("a switch to green that still depends on blue's gate and Deployment", async () => {
        const switched = withLive((l) => withInput(l, "spec.selector.color", "green"));
        expect(await stackViolations(liveServiceGated, switched)).toEqual([
            { message: "live Service web does not depend on the green smoke-gate Job and the green Deployment of web: add them to its dependsOn so traffic moves only after the gate passed.", urn: WEB.live.urn },
        ]);
    });

    it("a selector without a color (it would send traffic to both colors)", async () => {
        expect(await stackViolations(liveServiceGated, withLive((l) => withInput(l, "spec.selector", { app: "web" })))).toEqual([
            { message: "live Service web does not select one color of one app: set spec.selector to {app: <service>, color: blue | green}.", urn: WEB.live.urn },
        ]);
    });

    it("a selector with a color that is neither blue nor green, on a Service an Ingress routes to", async () => {
        const ingress = resource("kubernetes:networking.k8s.io/v1:Ingress", "web-ingress", { metadata: { name: "web" }, spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "web", port: { number: 80 } } } }] } }] } });
        expect(await stackViolations(liveServiceGated, [...withLive((l) => withInput(l, "spec.selector.color", "red")), ingress])).toEqual([
            { message: "live Service web does not select one color of one app: set spec.selector to {app: <service>, color: blue | green}.", urn: WEB.live.urn },
        ]);
    });
});

describe("ingress-weights-follow-live", () => {
    const urn = (name: string) => WEB.parts.find((p) => p.name === name)?.urn ?? "";
    /** The alb Ingress as components/blue-green-service.ts writes it: web-colors over both colors' preview Services. */
    const weighted = (weights: { blue: number; green: number }, dependsOn = [urn("web-blue"), urn("web-blue-gate"), urn("web-blue-preview"), urn("web-green-preview")]) =>
        resource("kubernetes:networking.k8s.io/v1:Ingress", "web-ingress", {
            metadata: {
                name: "web",
                annotations: { "alb.ingress.kubernetes.io/actions.web-colors": JSON.stringify({ type: "forward", forwardConfig: { targetGroups: [{ serviceName: "web-blue", servicePort: "http", weight: weights.blue }, { serviceName: "web-green", servicePort: "http", weight: weights.green }] } }) },
            },
            spec: { ingressClassName: "alb", rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web-colors", port: { name: "use-annotation" } } } }] } }] },
        }, { dependsOn });

    it("passes weights that send everything to the live color, after that color's gate and Deployment", async () => {
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, weighted({ blue: 100, green: 0 })])).toEqual([]);
    });

    it("weights that send traffic to the idle color while the live Service selects blue", async () => {
        const ingress = weighted({ blue: 0, green: 100 });
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, ingress])).toEqual([
            { message: "Ingress web action web-colors weights web's colors web-blue 0, web-green 100, but live Service web selects blue: give the blue Service all the weight and the other 0, as a color switch sets them.", urn: ingress.urn },
        ]);
        const split = weighted({ blue: 50, green: 50 });
        expect((await stackViolations(ingressWeightsFollowLive, [...WEB.all, split])).map((v) => v.urn)).toEqual([split.urn]);
    });

    it("judges the weights the load balancer gets: a lone target group without a weight takes all the traffic, an action the controller refuses is the preflight's (policies/shared/alb.ts)", async () => {
        const withAction = (action: unknown) => withInput(weighted({ blue: 100, green: 0 }), "metadata.annotations", { "alb.ingress.kubernetes.io/actions.web-colors": JSON.stringify(action) });
        const lone = (serviceName: string) => withAction({ type: "forward", forwardConfig: { targetGroups: [{ serviceName, servicePort: "http" }] } });
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, lone("web-blue")])).toEqual([]);
        const idle = lone("web-green");
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, idle])).toEqual([
            { message: "Ingress web action web-colors weights web's colors web-green 1, but live Service web selects blue: give the blue Service all the weight and the other 0, as a color switch sets them.", urn: idle.urn },
        ]);
        // Green's weight missing among two groups: "weight must be set when route to multiple target groups".
        const refused = withAction({ type: "forward", forwardConfig: { targetGroups: [{ serviceName: "web-blue", servicePort: "http", weight: 0 }, { serviceName: "web-green", servicePort: "http" }] } });
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, refused])).toEqual([]);
    });

    it("weights on the live color without waiting for its gate", async () => {
        const ingress = weighted({ blue: 100, green: 0 }, [urn("web-blue-preview"), urn("web-green-preview")]);
        expect(await stackViolations(ingressWeightsFollowLive, [...WEB.all, ingress])).toEqual([
            { message: "Ingress web sends web's traffic to blue (action web-colors) but does not depend on the blue smoke-gate Job and the blue Deployment: add them to its dependsOn so traffic moves only after the gate passed.", urn: ingress.urn },
        ]);
    });

    it("a switch to green whose Ingress still waits for blue's gate", async () => {
        const switched = withLive((l) => ({ ...withInput(l, "spec.selector.color", "green"), dependsOn: [urn("web-green-gate"), urn("web-green")] }));
        const ingress = weighted({ blue: 0, green: 100 });
        expect(await stackViolations(ingressWeightsFollowLive, [...switched, ingress])).toEqual([
            { message: "Ingress web sends web's traffic to green (action web-colors) but does not depend on the green smoke-gate Job and the green Deployment: add them to its dependsOn so traffic moves only after the gate passed.", urn: ingress.urn },
        ]);
    });
});

describe("production-promotion-verified", () => {
    const promotion = (mark: string | undefined) => withLive((l) => withInput(l, "metadata.annotations", mark === undefined ? {} : { [ANNOTATIONS.promotion]: mark }));

    it("passes a verified release, one from production's own history (a rollback), and break-glass while the pack allows it", async () => {
        expect(await stackViolations(productionPromotionVerified, WEB.all)).toEqual([]);
        expect(await stackViolations(productionPromotionVerified, promotion(PROMOTION.history), { allowBreakGlass: false })).toEqual([]);
        expect(await stackViolations(productionPromotionVerified, promotion(PROMOTION.unverifiedAllowed))).toEqual([]);
    });

    it("a production live Service with no promotion mark; staging needs none", async () => {
        expect(await stackViolations(productionPromotionVerified, promotion(undefined))).toEqual([
            {
                message: "live Service web serves a release staging has not verified (launchpad.dev/promotion: missing): release an image whose gate passed in staging, or set launchpad:promotion.allowUnverified (break-glass).",
                urn: WEB.live.urn,
            },
        ]);
        expect(await stackViolations(productionPromotionVerified, promotion(undefined), { tier: "staging" })).toEqual([]);
    });

    it("break-glass when the stack's pack config forbids it", async () => {
        expect(await stackViolations(productionPromotionVerified, promotion(PROMOTION.unverifiedAllowed), { allowBreakGlass: false })).toEqual([
            {
                message: "live Service web serves a release staging has not verified (launchpad.dev/promotion: unverified-allowed): break-glass is not allowed by this stack's policy config: release an image staging verified.",
                urn: WEB.live.urn,
            },
        ]);
    });
});

describe("production-stateful-protected", () => {
    const DB = resource("aws:rds/instance:Instance", "db", {}, { protect: true });
    const KEY = resource("aws:kms/key:Key", "db-key", {}, { protect: true });
    const LOGS = resource("aws:cloudwatch/logGroup:LogGroup", "logs", {});

    it("passes protected stateful resources (stateless ones need no protect)", async () => {
        expect(await stackViolations(productionStatefulProtected, [DB, KEY, LOGS])).toEqual([]);
    });

    it("an unprotected database in production; staging may destroy it", async () => {
        const unprotected = { ...DB, protect: false };
        expect(await stackViolations(productionStatefulProtected, [unprotected, KEY])).toEqual([
            { message: "aws:rds/instance:Instance db holds state in production but is not protected: pass { protect: true } so pulumi destroy or a replacement cannot delete it.", urn: DB.urn },
        ]);
        expect(await stackViolations(productionStatefulProtected, [unprotected, KEY], { tier: "staging" })).toEqual([]);
    });
});
