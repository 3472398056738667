/**
 * The load verdict in promotion: staging reports a release load-verified when its image's load
 * scenario passed there (`performance.loadPassed`, recorded by the line `npm run loadtest` prints),
 * and production's rule, with `launchpad:promotion.requireLoad`, admits by staging's verification
 * only such releases. Rule table on `admit`, then end to end through the offline plans.
 */
import { describe, expect, it } from "vitest";
import { admit, type VerifiedReleases } from "../components/promotion";
import { ConfigError, parseConfig } from "../config";
import { PROMOTION } from "../lib/delivery";
import { deployedConfig } from "./support/deployed";
import { planStack } from "./support/plan";

const IMAGE = "ghcr.io/launchpad-test/api:1.4.2"; // production's live image under deployedConfig
const verified = (load: boolean): VerifiedReleases => ({ api: [{ color: "blue", image: IMAGE, releaseId: "r0", ...(load ? { load: "pass" as const } : {}) }] });
const history = { api: [{ color: "blue" as const, image: IMAGE, releaseId: "r0", time: "2026-11-01T10:00:00.000Z" }] };

describe("the promotion rule table with the load verdict", () => {
    const { values, secretKeys } = deployedConfig("production");
    const services = parseConfig({ project: "launchpad", stack: "production", values, secretKeys, env: { GRAFANA_AUTH: "x" } }).services;

    it.each([
        { name: "load not required: smoke verification admits", v: verified(false), h: {}, allow: false, requireLoad: false, rule: PROMOTION.verified },
        { name: "load required and passed in staging: admitted", v: verified(true), h: {}, allow: false, requireLoad: true, rule: PROMOTION.verified },
        { name: "load required, never passed load in staging: refused", v: verified(false), h: {}, allow: false, requireLoad: true, rule: undefined },
        { name: "load required, staging unreachable: refused", v: undefined, h: {}, allow: false, requireLoad: true, rule: undefined },
        { name: "load required, never passed, but production ran it before (a rollback): history admits", v: verified(false), h: history, allow: false, requireLoad: true, rule: PROMOTION.history },
        { name: "load required, never passed, break glass on", v: verified(false), h: {}, allow: true, requireLoad: true, rule: PROMOTION.unverifiedAllowed },
    ])("$name", ({ v, h, allow, requireLoad, rule }) => {
        expect(admit(services, v, h, allow, requireLoad).map((a) => [a.service, a.rule])).toEqual([["api", rule]]);
    });
});

describe("end to end: staging's verifiedReleases and production's requireLoad", () => {
    const LOAD_PASSED = 'launchpad:services.api.performance={"loadPassed":["ghcr.io/acme/api:1.4.2"]}';

    it("staging marks the release whose load scenario passed, and only it", async () => {
        const staging = await planStack("staging", [LOAD_PASSED]);
        const api = (staging.outputs.verifiedReleases as unknown as VerifiedReleases).api;
        expect(api.map((r) => [r.color, r.image, r.load])).toEqual([["blue", "ghcr.io/acme/api:1.4.2", "pass"], ["green", "ghcr.io/acme/api:1.5.0", undefined]]);
    });

    it("production with requireLoad makes live the load-verified image, and refuses the one that never passed load", async () => {
        const staging = await planStack("staging", [LOAD_PASSED]);
        const source = (name: string) => (name === "organization/launchpad/staging" ? staging.outputs : undefined);
        const ok = await planStack("production", ["launchpad:promotion.requireLoad=true"], { stackOutputs: source });
        expect(ok.log).toEqual([]);
        const refusal = await planStack("production", ["launchpad:promotion.requireLoad=true", "launchpad:activeColor=green"], { stackOutputs: source }).then(() => undefined, (e: unknown) => e);
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as ConfigError).problems).toEqual([
            'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:1.5.0"; expected an image whose smoke gate and load scenario passed in stack "organization/launchpad/staging" ' +
            '(verified there: "ghcr.io/acme/api:1.4.2"), an image this stack made live before (this stack\'s release history has none), or launchpad:promotion.allowUnverified set to true',
        ]);
    });
});
