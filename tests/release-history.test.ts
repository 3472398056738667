/**
 * Release history and the promotion rule table: production may make live again any release in its
 * own history (read from its previous outputs, its state), even after staging moved on; a release it
 * never ran still needs staging's verification or break glass. The pure helpers get table tests and
 * properties; the rule is also checked end to end through the offline plan, with staging's outputs
 * and production's previous outputs handed in as the backend would.
 */
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appliedPodShape, envDigestKind, envHash, releaseId } from "../components/blue-green-service";
import { admit, type VerifiedReleases } from "../components/promotion";
import { inPlaceReleaseProblems, inPlaceRollWarnings, nextHistory, parseHistory, previousHistory, RELEASE_HISTORY_OUTPUT, stackPodDatabase, type HistoryEntry, type LiveRelease, type ReleaseHistory } from "../components/release-history";
import { ConfigError, parseConfig, type ServiceConfig } from "../config";
import { ANNOTATIONS, PROMOTION } from "../lib/delivery";
import { PLAIN_DIGEST } from "../lib/release-digest";
import { runPlan } from "../plan/engine";
import { summarize } from "../plan/render";
import { SECRET_TEXT } from "../plan/values";
import { planEntryPoints } from "./support/compiled";
import { skipProcesses } from "./support/timing";
import { loadConfigFor } from "./support/config";
import { deployedConfig } from "./support/deployed";
import { named, planStack, type Plan } from "./support/plan";
import { scratchFile } from "./support/scratch";
import { valueOf } from "./support/values";

const SKIP_PROCESSES = skipProcesses("tests/release-history.test.ts", "the refusal through npm run plan as a process of its own (its in-process twin runs)");

const T0 = "2026-11-01T10:00:00.000Z";
const T1 = "2026-11-20T10:00:00.000Z";
const NOW = "2026-12-02T00:00:00.000Z"; // LAUNCHPAD_TODAY, pinned by vitest.config.mts

/** Two stack keys for keyed release digests (launchpad:releaseIdKey). */
const KEY_A = "test-release-id-key-0123456789";
const KEY_B = "another-release-id-key-9876543210";

const entry = (color: "blue" | "green", image: string, releaseId: string, time: string): HistoryEntry => ({ color, image, releaseId, time });

describe("nextHistory", () => {
    const ENV = "eeeeeeeeee";
    const live: LiveRelease = { service: "api", color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: "bbbbbbbbbb", envHash: ENV };
    /** An entry this update records: with the live release's env hash. */
    const recorded = (e: HistoryEntry): HistoryEntry => ({ ...e, envHash: ENV });

    it.each([
        { name: "a first update records the live release, with its env hash", previous: {}, expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", NOW))] },
        {
            name: "an update that switched nothing records nothing (the time stays that of the switch)",
            previous: { api: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T1)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)] },
            expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T1)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)],
        },
        {
            name: "an update that switched nothing gives a newest entry from before envHash existed its env hash, and nothing else (same release id and color: same env)",
            previous: { api: [entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T1), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)] },
            expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T1)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)],
        },
        {
            name: "a switch puts the new live release first",
            previous: { api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)] },
            expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", NOW)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0)],
        },
        {
            name: "a switch straight back to the release live before (a rollback, promote's switch back) records it again and marks the newest reverted",
            previous: { api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T0)] },
            expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", NOW)), { ...entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), reverted: NOW }, entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T0)],
        },
        {
            name: "a switch to an older release than the one live before marks nothing",
            previous: { api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), entry("green", "ghcr.io/acme/api:1.3.0", "cccccccccc", T0), entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T0)] },
            expected: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", NOW)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), entry("green", "ghcr.io/acme/api:1.3.0", "cccccccccc", T0), entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T0)],
        },
    ])("$name", ({ previous, expected }) => {
        expect(nextHistory(previous as ReleaseHistory, [live], NOW, 10)).toEqual({ api: expected });
    });

    it("keeps at most `limit` releases and drops services no longer in the stack", () => {
        const previous: ReleaseHistory = {
            api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), entry("green", "ghcr.io/acme/api:1.3.0", "cccccccccc", T0)],
            gone: [entry("blue", "ghcr.io/acme/gone:1", "dddddddddd", T0)],
        };
        expect(nextHistory(previous, [live], NOW, 2)).toEqual({
            api: [recorded(entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", NOW)), entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1)],
        });
    });

    it("property: the live release is always first, the list never exceeds the limit, and older entries keep their order", () => {
        const color = fc.constantFrom("blue" as const, "green" as const);
        const id = fc.constantFrom("aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc");
        const anEntry = fc.record({ color, image: fc.constantFrom("i:1", "i:2", "i:3"), releaseId: id, time: fc.constant(T0), envHash: fc.constantFrom("e1", "e2") }, { requiredKeys: ["color", "image", "releaseId", "time"] });
        fc.assert(fc.property(fc.array(anEntry, { maxLength: 12 }), color, id, fc.integer({ min: 1, max: 12 }), (before, c, rid, limit) => {
            const after = nextHistory({ api: before }, [{ service: "api", color: c, image: "i:9", releaseId: rid, envHash: ENV }], NOW, limit).api;
            expect(after.length).toBeLessThanOrEqual(limit);
            const rest = after[0].time === NOW ? after.slice(1) : after;
            // A kept newest entry keeps its env hash, or gains this update's when it had none.
            expect([after[0].color, after[0].releaseId, after[0].envHash]).toEqual([c, rid, rest === after ? (before[0].envHash ?? ENV) : ENV]);
            // Only a switch straight back to the entry below the newest marks the newest reverted.
            const reverted = rest.filter((e) => e.reverted !== undefined);
            const back = rest !== after && rest.length > 0 && before.length > 1 && before[1].color === c && before[1].releaseId === rid;
            expect(reverted).toEqual(back ? [{ ...before[0], reverted: NOW }] : []);
            // Apart from that mark, and the env hash an unchanged newest entry gains, older entries are as they were.
            expect(rest.map(({ reverted: _, ...e }, i) => (rest === after && i === 0 ? { ...e, envHash: before[0].envHash } : e))).toEqual(before.slice(0, rest.length));
        }));
    });
});

describe("parseHistory: what the state holds, read defensively", () => {
    it.each([
        { name: "a first update (no output yet)", raw: undefined, expected: {} },
        { name: "not an object", raw: "api:1.4.2", expected: {} },
        { name: "a list instead of a map", raw: [entry("blue", "i:1", "a", T0)], expected: {} },
        { name: "a service whose value is no list", raw: { api: "i:1" }, expected: { api: [] } },
        {
            name: "malformed entries dropped, good ones kept",
            raw: { api: [entry("blue", "i:1", "a", T0), { color: "purple", image: "i:2", releaseId: "b", time: T0 }, { image: "i:3" }] },
            expected: { api: [entry("blue", "i:1", "a", T0)] },
        },
    ])("$name", ({ raw, expected }) => {
        expect(parseHistory(raw)).toEqual(expected);
    });
});

/** Production's services as its program resolves them, with `sets` applied. */
function productionServices(sets: string[] = []): readonly ServiceConfig[] {
    const { values, secretKeys } = deployedConfig("production", sets);
    return parseConfig({ project: "launchpad", stack: "production", values, secretKeys, env: { GRAFANA_AUTH: "x" } }).services;
}

const verified = (...images: string[]): VerifiedReleases => ({ api: images.map((image, i) => ({ color: i % 2 === 0 ? "blue" : "green", image, releaseId: `r${i}` })) });
const history = (...images: string[]): ReleaseHistory => ({ api: images.map((image) => entry("blue", image, "aaaaaaaaaa", T0)) });

describe("the promotion rule table (production's live api runs ghcr.io/launchpad-test/api:1.4.2 on blue)", () => {
    const services = productionServices();

    it.each([
        { name: "staging verified it", verified: verified("ghcr.io/launchpad-test/api:1.4.2"), history: {}, allow: false, rule: PROMOTION.verified },
        { name: "staging verified it and production ran it: verification is named first", verified: verified("ghcr.io/launchpad-test/api:1.4.2"), history: history("ghcr.io/launchpad-test/api:1.4.2"), allow: false, rule: PROMOTION.verified },
        { name: "staging moved on, production ran it: its own history admits it", verified: verified("ghcr.io/launchpad-test/api:1.6.0", "ghcr.io/launchpad-test/api:1.7.0"), history: history("ghcr.io/launchpad-test/api:1.5.0", "ghcr.io/launchpad-test/api:1.4.2"), allow: false, rule: PROMOTION.history },
        { name: "staging is unreachable (no outputs), production ran it", verified: undefined, history: history("ghcr.io/launchpad-test/api:1.4.2"), allow: false, rule: PROMOTION.history },
        { name: "never run, not verified, break glass on", verified: verified("ghcr.io/launchpad-test/api:1.6.0"), history: history("ghcr.io/launchpad-test/api:1.5.0"), allow: true, rule: PROMOTION.unverifiedAllowed },
        { name: "never run, not verified: refused", verified: verified("ghcr.io/launchpad-test/api:1.6.0"), history: history("ghcr.io/launchpad-test/api:1.5.0"), allow: false, rule: undefined },
        { name: "switched back from (reverted), not verified: refused", verified: verified("ghcr.io/launchpad-test/api:1.6.0"), history: { api: [entry("green", "ghcr.io/launchpad-test/api:1.5.0", "bbbbbbbbbb", T1), { ...entry("blue", "ghcr.io/launchpad-test/api:1.4.2", "aaaaaaaaaa", T0), reverted: T1 }] }, allow: false, rule: undefined },
        { name: "switched back from once, but also kept live earlier: its earlier entry admits it", verified: verified(), history: { api: [{ ...entry("blue", "ghcr.io/launchpad-test/api:1.4.2", "aaaaaaaaaa", T1), reverted: T1 }, entry("blue", "ghcr.io/launchpad-test/api:1.4.2", "aaaaaaaaaa", T0)] }, allow: false, rule: PROMOTION.history },
        { name: "another service's history does not count", verified: verified(), history: { web: [entry("blue", "ghcr.io/launchpad-test/api:1.4.2", "aaaaaaaaaa", T0)] }, allow: false, rule: undefined },
    ])("$name", ({ verified: v, history: h, allow, rule }) => {
        expect(admit(services, v, h, allow).map((a) => [a.service, a.rule])).toEqual([["api", rule]]);
    });
});

/**
 * Production planned the way the backend answers it: staging's current outputs (it moved on to
 * 1.6.0/1.7.0) and production's own previous outputs (it ran 1.5.0 on green, then 1.4.2 on blue).
 */
function productionAfterStagingMovedOn(sets: string[], previous: ReleaseHistory): Promise<Plan> {
    const staging = { [RELEASE_HISTORY_OUTPUT]: {}, verifiedReleases: verified("ghcr.io/acme/api:1.6.0", "ghcr.io/acme/api:1.7.0") };
    return planStack("production", sets, {
        stackOutputs: (name) => (name === "organization/launchpad/staging" ? staging : undefined),
        previousOutputs: { [RELEASE_HISTORY_OUTPUT]: previous },
    });
}

const PRODUCTION_RAN: ReleaseHistory = { api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T0)] };

describe("production's history through the offline plan", () => {
    it("rolls back to a release it ran after staging moved on: admitted by `history`, shown on the live Service, recorded first", async () => {
        const plan = await productionAfterStagingMovedOn(["launchpad:activeColor=green"], PRODUCTION_RAN);
        const live = named(plan, "launchpad-production-api-live");
        expect((live.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({ [ANNOTATIONS.promotion]: PROMOTION.history });
        expect((live.inputs.spec as { selector: Record<string, string> }).selector.color).toBe("green");
        // `npm run plan` prints it on the live Service's line.
        expect(summarize(live)).toBe("selects=green  promotion=history  dependsOn=2");
        expect(plan.log).toEqual([]);
        const history = (plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api;
        expect(history.map((e) => [e.color, e.image, e.time])).toEqual([
            ["green", "ghcr.io/acme/api:1.5.0", NOW],
            ["blue", "ghcr.io/acme/api:1.4.2", T1],
            ["green", "ghcr.io/acme/api:1.5.0", T0],
        ]);
        // The reference that read it is the stack itself: state, never config.
        expect(named(plan, "launchpad-production-history").inputs).toEqual({ name: "organization/launchpad/production" });
    });

    it("refuses a release it never ran and staging did not verify, with the exact message", async () => {
        const sets = ["launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.3.0"];
        const refusal = await productionAfterStagingMovedOn(sets, PRODUCTION_RAN).then(() => undefined, (e: unknown) => e);
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as ConfigError).problems).toEqual([
            'launchpad:services.api.releases.green.image: received "ghcr.io/acme/api:1.3.0"; expected an image whose smoke gate passed in stack "organization/launchpad/staging" ' +
            '(verified there: "ghcr.io/acme/api:1.6.0", "ghcr.io/acme/api:1.7.0"), an image this stack made live before (this stack\'s release history: "ghcr.io/acme/api:1.4.2", "ghcr.io/acme/api:1.5.0"), ' +
            "or launchpad:promotion.allowUnverified set to true",
        ]);
    });

    it("refuses a release it switched back from (a failed analysis, a rollback), naming it, once staging moved on", async () => {
        const ran: ReleaseHistory = { api: [entry("green", "ghcr.io/acme/api:1.5.0", "bbbbbbbbbb", T1), { ...entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T0), reverted: T1 }] };
        const refusal = await productionAfterStagingMovedOn([], ran).then(() => undefined, (e: unknown) => e);
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as ConfigError).problems).toEqual([
            'launchpad:services.api.releases.blue.image: received "ghcr.io/acme/api:1.4.2"; expected an image whose smoke gate passed in stack "organization/launchpad/staging" ' +
            '(verified there: "ghcr.io/acme/api:1.6.0", "ghcr.io/acme/api:1.7.0"), an image this stack made live before (this stack\'s release history: "ghcr.io/acme/api:1.5.0"; ' +
            'switched back from, so not counted: "ghcr.io/acme/api:1.4.2"), or launchpad:promotion.allowUnverified set to true',
        ]);
    });

    it("break glass still admits a release it never ran, with the warning, and marks it", async () => {
        const sets = ["launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.3.0", "launchpad:promotion.allowUnverified=true"];
        const plan = await productionAfterStagingMovedOn(sets, PRODUCTION_RAN);
        expect(plan.log).toEqual(['warning: launchpad:promotion.allowUnverified is true: api goes live on green with "ghcr.io/acme/api:1.3.0", which stack "organization/launchpad/staging" has not verified and this stack never made live']);
        const live = named(plan, "launchpad-production-api-live");
        expect((live.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({ [ANNOTATIONS.promotion]: PROMOTION.unverifiedAllowed });
    });

    it("a history forged in config is refused: the key does not exist, the history is read from state only", async () => {
        const sets = ["launchpad:promotion.history={api: [ghcr.io/acme/api:1.3.0]}"];
        const refusal = await runPlan({ stack: "production", sets }).then(() => undefined, (e: unknown) => e);
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as ConfigError).problems).toEqual(['launchpad:promotion.history: received {"api":["ghcr.io/acme/api:1.3.0"]}; expected no such field (allowed: fromStack, allowUnverified, requireLoad, historyLength)']);
    });

    it("keeps launchpad:promotion.historyLength releases", async () => {
        const plan = await productionAfterStagingMovedOn(["launchpad:activeColor=green", "launchpad:promotion.historyLength=2"], PRODUCTION_RAN);
        expect((plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api.map((e) => e.image)).toEqual(["ghcr.io/acme/api:1.5.0", "ghcr.io/acme/api:1.4.2"]);
    });
});

describe("the color live when an update starts keeps its image (blue/green's in-place rule, from the history)", () => {
    const services = productionServices(); // blue ghcr.io/launchpad-test/api:1.4.2, green ...:1.5.0, blue live
    const message = (color: string, received: string, expected: string, idle: string) =>
        `launchpad:services.api.releases.${color}.image: received ${JSON.stringify(received)}; expected ${JSON.stringify(expected)}, the image ${color} serves now: ` +
        `${color} was live when this update started (the stack's release history), and a new image there would roll its pods in place under live traffic, before any gate. ` +
        `Put the new image on ${idle}, the idle color, and make ${idle} live (activeColor) once its gate passed`;

    it.each([
        { name: "a first update (no history)", history: {}, problems: [] },
        { name: "the live color keeps its image", history: { api: [entry("blue", "ghcr.io/launchpad-test/api:1.4.2", "aaaaaaaaaa", T1)] }, problems: [] },
        { name: "the idle color changed (the normal deploy)", history: { api: [entry("green", "ghcr.io/launchpad-test/api:1.5.0", "bbbbbbbbbb", T1)] }, problems: [] },
        {
            name: "the live color's image changed",
            history: { api: [entry("blue", "ghcr.io/launchpad-test/api:1.3.0", "aaaaaaaaaa", T1)] },
            problems: [message("blue", "ghcr.io/launchpad-test/api:1.4.2", "ghcr.io/launchpad-test/api:1.3.0", "green")],
        },
        { name: "another service's history does not count", history: { web: [entry("blue", "ghcr.io/launchpad-test/web:1", "aaaaaaaaaa", T1)] }, problems: [] },
    ] as { name: string; history: ReleaseHistory; problems: string[] }[])("$name", ({ history: h, problems }) => {
        expect(inPlaceReleaseProblems(services, h)).toEqual(problems);
    });

    it("through the offline plan: refused with exit 2 and the exact message, also while switching away from that color; the normal deploy plans", async () => {
        // Production ran 1.4.2 on blue last; its config keeps blue on 1.4.2 and green on 1.5.0.
        const ran: ReleaseHistory = { api: [entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1)] };
        const moves = [
            ["launchpad:services.api.releases.blue.image=ghcr.io/acme/api:1.6.0"],
            // Switching to green (staging verified its image) does not make blue's new image safe: blue serves until the switch.
            ["launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.7.0", "launchpad:services.api.releases.blue.image=ghcr.io/acme/api:1.6.0"],
        ];
        for (const sets of moves) {
            const refusal = await productionAfterStagingMovedOn(sets, ran).then(() => undefined, (e: unknown) => e);
            expect(refusal).toBeInstanceOf(ConfigError);
            expect((refusal as ConfigError).problems).toEqual([message("blue", "ghcr.io/acme/api:1.6.0", "ghcr.io/acme/api:1.4.2", "green")]);
        }
        // The new image on the idle color, made live in the same update: staging verified it.
        const plan = await productionAfterStagingMovedOn(["launchpad:activeColor=green", "launchpad:services.api.releases.green.image=ghcr.io/acme/api:1.6.0"], ran);
        expect((named(plan, "launchpad-production-api-live").inputs.spec as { selector: Record<string, string> }).selector.color).toBe("green");
    });
});

/**
 * The live color's env is part of what its pods do: the Deployment's container env, the service's
 * env with the release's overrides (config/services.ts buildServices). A change there rolls the live
 * pods in place exactly as a new image does, so the rule refuses it the same way; the history entry
 * records a hash of it (`envHash`). A smoke policy change changes neither (the release id leaves the
 * policy out: it is the gate's, and renames only the gate Jobs, blue-green-service.ts `gateJobId`):
 * it is allowed and restarts no pod.
 */
describe("the color live when an update starts keeps its env too", () => {
    const base = productionServices(); // blue ghcr.io/launchpad-test/api:1.4.2, env LOG_LEVEL=warn, blue live
    const BLUE_ENV = envHash(base[0], "blue");
    /** Production's history: blue live with `image`, its entry with `hash` (`null`: recorded before envHash existed). */
    const ran = (image = "ghcr.io/launchpad-test/api:1.4.2", hash: string | null = BLUE_ENV): ReleaseHistory => ({ api: [{ ...entry("blue", image, "aaaaaaaaaa", T1), ...(hash !== null ? { envHash: hash } : {}) }] });
    const envMessage = (color: string, received: string, expected: string, idle: string) =>
        `launchpad:services.api.releases.${color}.env: received env hash ${JSON.stringify(received)}; expected ${JSON.stringify(expected)}, the hash of the env ${color} serves now ` +
        `(the service's env with ${color}'s overrides): ${color} was live when this update started (the stack's release history), and a new env there would roll its pods ` +
        `in place under live traffic, before any gate. Put the new env on ${idle} (launchpad:services.api.releases.${idle}.env), the idle color, and make ${idle} live (activeColor) once its gate passed`;
    const imageMessage = 'launchpad:services.api.releases.blue.image: received "ghcr.io/launchpad-test/api:1.4.2"; expected "ghcr.io/launchpad-test/api:1.3.0", the image blue serves now: ' +
        "blue was live when this update started (the stack's release history), and a new image there would roll its pods in place under live traffic, before any gate. " +
        "Put the new image on green, the idle color, and make green live (activeColor) once its gate passed";

    it("the env hash covers names and values of the effective env, and nothing else", () => {
        expect(envHash(base[0], "blue")).toMatch(/^[0-9a-f]{10}$/);
        expect(envHash(productionServices(["launchpad:services.api.releases.blue.env.LOG_LEVEL=debug"])[0], "blue")).not.toBe(BLUE_ENV);
        expect(envHash(productionServices(["launchpad:services.api.releases.blue.env.FEATURE=on"])[0], "blue")).not.toBe(BLUE_ENV);
        // The same env written as a release override: same pods, same hash.
        expect(envHash(productionServices(["launchpad:services.api.releases.blue.env.LOG_LEVEL=warn"])[0], "blue")).toBe(BLUE_ENV);
        const smoke = productionServices(["launchpad:services.api.smoke.requests=400"])[0];
        expect(envHash(smoke, "blue")).toBe(BLUE_ENV);
        expect(releaseId(smoke, "blue")).toBe(releaseId(base[0], "blue"));
    });

    it.each([
        { name: "the live color's release env changed", sets: ["launchpad:services.api.releases.blue.env.FEATURE=on"], refused: true },
        { name: "the service's env changed, so the live color's effective env did", sets: ["launchpad:services.api.env.LOG_LEVEL=debug"], refused: true },
        // Switching away in the same update does not make it safe: blue serves until the switch.
        { name: "the live color's env changed while switching to the idle color", sets: ["launchpad:activeColor=green", "launchpad:services.api.releases.blue.env.FEATURE=on"], refused: true },
        { name: "the idle color's env changed (the normal deploy)", sets: ["launchpad:services.api.releases.green.env.FEATURE=on"], refused: false },
        { name: "the smoke policy changed (the same release id, no pod restarts): allowed", sets: ["launchpad:services.api.smoke.requests=400"], refused: false },
        { name: "the same env, written as blue's override", sets: ["launchpad:services.api.releases.blue.env.LOG_LEVEL=warn"], refused: false },
    ])("$name", ({ sets, refused }) => {
        const services = productionServices(sets);
        expect(inPlaceReleaseProblems(services, ran())).toEqual(refused ? [envMessage("blue", envHash(services[0], "blue"), BLUE_ENV, "green")] : []);
    });

    it("an entry from before envHash existed: the image alone is compared, so the first update after the change refuses nothing new", () => {
        const services = productionServices(["launchpad:services.api.releases.blue.env.FEATURE=on"]);
        expect(inPlaceReleaseProblems(services, ran(undefined, null))).toEqual([]);
        expect(inPlaceReleaseProblems(services, ran("ghcr.io/launchpad-test/api:1.3.0", null))).toEqual([imageMessage]);
    });

    it("from secret services config the hashes (of secrets) and the image are masked in the message, as every secret value in a config error", () => {
        const secret = productionServices(["launchpad:services.api.releases.blue.env.FEATURE=on"]).map((s) => ({ ...s, fromSecret: true, releaseIdKey: KEY_A }));
        const keyed = (h: ReleaseHistory): ReleaseHistory => ({ api: h.api.map((e) => ({ ...e, envDigest: envDigestKind(secret[0]) })) });
        expect(inPlaceReleaseProblems(secret, keyed(ran("ghcr.io/launchpad-test/api:1.3.0")))).toEqual([
            imageMessage.replace('received "ghcr.io/launchpad-test/api:1.4.2"; expected "ghcr.io/launchpad-test/api:1.3.0"', "received [secret]; expected [secret]"),
            envMessage("blue", "x", "y", "green").replace('received env hash "x"; expected "y"', "received env hash [secret]; expected [secret]"),
        ]);
    });

    describe("an env hash recorded with another key cannot be compared: warned, not refused (the key is stack-wide, so no color could take it first)", () => {
        const secretWith = (key: string, sets: string[] = []) => productionServices(sets).map((s) => ({ ...s, fromSecret: true, releaseIdKey: key }));
        const rekeyed = "service api: blue was live when this update started and its env hash was recorded with another key (launchpad:services became a secret, or launchpad:releaseIdKey changed), " +
            "so this update cannot check that blue's env is unchanged; its release id changes with the key, and its pods roll in place under live traffic, before any gate. Change nothing else of blue in this update";

        it.each([
            { name: "plain-text services made secret (the entry's plain hash)", history: () => ran(), services: () => secretWith(KEY_A) },
            { name: "the key replaced (the entry's hash under the old key)", history: () => ({ api: ran(undefined, envHash(secretWith(KEY_A)[0], "blue")).api.map((e) => ({ ...e, envDigest: envDigestKind(secretWith(KEY_A)[0]) })) }), services: () => secretWith(KEY_B) },
            { name: "secret services made plain text again", history: () => ({ api: ran().api.map((e) => ({ ...e, envDigest: envDigestKind(secretWith(KEY_A)[0]) })) }), services: () => productionServices([]) },
        ])("$name", ({ history, services }) => {
            expect(inPlaceReleaseProblems(services(), history())).toEqual([]);
            expect(inPlaceRollWarnings(services(), history())).toEqual([rekeyed]);
        });

        it("under the same key a changed env is still refused, and an unchanged one passes without a warning", () => {
            const h: ReleaseHistory = { api: ran(undefined, envHash(secretWith(KEY_A)[0], "blue")).api.map((e) => ({ ...e, envDigest: envDigestKind(secretWith(KEY_A)[0]) })) };
            expect(inPlaceReleaseProblems(secretWith(KEY_A), h)).toEqual([]);
            expect(inPlaceRollWarnings(secretWith(KEY_A), h)).toEqual([]);
            expect(inPlaceReleaseProblems(secretWith(KEY_A, ["launchpad:services.api.releases.blue.env.FEATURE=on"]), h)).toHaveLength(1);
        });

        it("the digest kind names the key without revealing it, and the history records it only for a keyed hash", () => {
            expect(envDigestKind(productionServices([])[0])).toBe(PLAIN_DIGEST);
            expect(envDigestKind(secretWith(KEY_A)[0])).toMatch(/^hmac:[0-9a-f]{8}$/);
            expect(envDigestKind(secretWith(KEY_A)[0])).not.toBe(envDigestKind(secretWith(KEY_B)[0]));
            expect(envDigestKind(secretWith(KEY_A)[0])).not.toContain(KEY_A.slice(0, 8));
            const live = (envDigest: string): LiveRelease => ({ service: "api", color: "green", image: "ghcr.io/acme/api:1.5.0", releaseId: "bbbbbbbbbb", envHash: "eeeeeeeeee", envDigest });
            expect(nextHistory({}, [live(envDigestKind(secretWith(KEY_A)[0]))], NOW, 10).api[0].envDigest).toBe(envDigestKind(secretWith(KEY_A)[0]));
            expect(nextHistory({}, [live(PLAIN_DIGEST)], NOW, 10).api[0]).not.toHaveProperty("envDigest");
            expect(parseHistory({ api: [{ ...entry("blue", "i", "r", T0), envDigest: 7 }] })).toEqual({ api: [] });
        });
    });

    it("a new image and a new env on the live color: both named", () => {
        const services = productionServices(["launchpad:services.api.releases.blue.env.FEATURE=on"]);
        expect(inPlaceReleaseProblems(services, ran("ghcr.io/launchpad-test/api:1.3.0"))).toEqual([imageMessage, envMessage("blue", envHash(services[0], "blue"), BLUE_ENV, "green")]);
    });

    describe("through the offline plan (production ran its committed blue release last)", () => {
        const committed = async () => (await loadConfigFor("production")).services[0];
        const previous = async (): Promise<ReleaseHistory> => {
            const s = await committed();
            // Green's entry is older than the field: a rollback to it needs nothing of it but its image.
            return { api: [{ ...entry("blue", s.releases.blue.image, releaseId(s, "blue"), T1), envHash: envHash(s, "blue") }, entry("green", s.releases.green.image, releaseId(s, "green"), T0)] };
        };

        it("the idle color's new env, a smoke policy change and a rollback (activeColor) plan; the history records the env hash", async () => {
            const s = await committed();
            const idle = await productionAfterStagingMovedOn(["launchpad:services.api.releases.green.env.FEATURE=on"], await previous());
            // Unchanged head: it gains the pod template blue runs (podShape, stackPodShape), nothing else.
            const [ranBlue, ranGreen] = (await previous()).api;
            expect((idle.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api).toEqual([{ ...ranBlue, pod: appliedPodShape(s, "blue", stackPodDatabase(await loadConfigFor("production"))) }, ranGreen]);
            // A new smoke policy is no new release: the history is the same as for the idle color's env (no entry added).
            const smoke = await productionAfterStagingMovedOn(["launchpad:services.api.smoke.requests=400"], await previous());
            const withPolicy = (await loadConfigFor("production", ["launchpad:services.api.smoke.requests=400"])).services[0];
            expect(releaseId(withPolicy, "blue")).toBe(releaseId(s, "blue"));
            expect((smoke.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api).toEqual([{ ...ranBlue, pod: appliedPodShape(s, "blue", stackPodDatabase(await loadConfigFor("production"))) }, ranGreen]);
            // Switching back to green (what `npm run rollback` does: activeColor only) plans, records green with its env hash, marks blue reverted.
            const [blue, green] = (await previous()).api;
            const back = await productionAfterStagingMovedOn(["launchpad:activeColor=green"], await previous());
            expect((back.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api).toEqual([
                { ...entry("green", s.releases.green.image, releaseId(s, "green"), NOW), envHash: envHash(s, "green"), pod: appliedPodShape(s, "green", stackPodDatabase(await loadConfigFor("production"))) },
                { ...blue, reverted: NOW },
                green,
            ]);
        });

        it("an entry from state older than envHash: a new env on its color plans (image compared only) and the new entry carries the hash", async () => {
            const s = await committed();
            const [blue, green] = (await previous()).api;
            const old = entry("blue", blue.image, blue.releaseId, blue.time); // blue's entry without envHash
            const set = "launchpad:services.api.releases.blue.env.FEATURE=on";
            const changed = (await loadConfigFor("production", [set])).services[0];
            const plan = await productionAfterStagingMovedOn([set], { api: [old, green] });
            expect((plan.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory).api).toEqual([
                { ...entry("blue", s.releases.blue.image, releaseId(changed, "blue"), NOW), envHash: envHash(changed, "blue"), pod: appliedPodShape(changed, "blue", stackPodDatabase(await loadConfigFor("production"))) },
                old,
                green,
            ]);
        });

        it("a secret history read back is plain inside the program, so nothing derived from it (pod template annotations, the promotion annotation) turns secret", async () => {
            // The SDK's getOutput marks the value secret when the output is (`@pulumi/pulumi` stackReference.js isSecretOutputName);
            // the plan's mock StackReference answers no secret output names, so the reference is stood in for here.
            const stored: ReleaseHistory = { api: [{ ...entry("blue", "ghcr.io/acme/api:1.4.2", "aaaaaaaaaa", T1), envHash: "eeeeeeeeee" }] };
            const read = previousHistory({ getOutput: () => pulumi.secret(stored) } as unknown as pulumi.StackReference);
            expect(await pulumi.isSecret(read)).toBe(false);
            expect(await valueOf(read)).toEqual(stored);
        });

        it("with secret service config the history (its env hashes are hashes of secrets) is a secret output", async () => {
            const plan = await runPlan({ stack: "production", secretSets: ["launchpad:services.api.env.API_TOKEN=t0k3n"] });
            // The plan renders a secret map as its keys, each value "[secret]" (plan/values.ts).
            expect(plan.outputs[RELEASE_HISTORY_OUTPUT]).toEqual({ api: SECRET_TEXT });
            const template = (named(plan, "launchpad-production-api-blue").inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
            expect(template.metadata.annotations[ANNOTATIONS.releaseId]).toMatch(/^[0-9a-f]{10}$/);
        });
    });
});

describe("through `npm run plan`, in this process and as a process of its own (the bundle, from the run's bundle directory)", () => {
    it.for(planEntryPoints(SKIP_PROCESSES))("a new env on the live color: exit 2, exactly the problem on stderr, nothing on stdout ($entry)", { timeout: 200_000 }, async ({ plan }) => {
        const s = (await loadConfigFor("production")).services[0];
        const file = scratchFile("launchpad-history-", "outputs.json", JSON.stringify({ [RELEASE_HISTORY_OUTPUT]: { api: [{ ...entry("blue", s.releases.blue.image, releaseId(s, "blue"), T1), envHash: envHash(s, "blue") }] } }));
        const set = "launchpad:services.api.releases.blue.env.LOG_LEVEL=debug";
        const changed = (await loadConfigFor("production", [set])).services[0];
        const r = await plan(["--stack", "production", "--previous-outputs", file, "--set", set]);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(`Invalid configuration for stack "production" (1 problem):\n  - launchpad:services.api.releases.blue.env: received env hash ${JSON.stringify(envHash(changed, "blue"))}; ` +
            `expected ${JSON.stringify(envHash(s, "blue"))}, the hash of the env blue serves now (the service's env with blue's overrides): blue was live when this update started ` +
            "(the stack's release history), and a new env there would roll its pods in place under live traffic, before any gate. Put the new env on green " +
            "(launchpad:services.api.releases.green.env), the idle color, and make green live (activeColor) once its gate passed\n");
        expect(r.status).toBe(2);
    });
});
