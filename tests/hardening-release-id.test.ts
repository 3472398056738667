/**
 * Issue 13, class 1: the release id, env hash and gate run must not undo a secret. They go in clear into Job
 * names, labels and RDS snapshot names, and hash the services' env values and (the gate run) smoke policy; a plain
 * 40-bit hash of a low-entropy secret is an oracle (hash every candidate with the rest of the input,
 * which the cluster shows). Where the services are secret the digests are HMAC-SHA256 under the
 * stack's secret launchpad:releaseIdKey (lib/release-digest.ts, RFC 2104).
 */
import { describe, expect, it } from "vitest";
import { envHash, gateJobId, releaseId, type PodTemplateContext } from "../components/blue-green-service";
import { parseConfig, type ServiceConfig } from "../config";
import { planCli } from "../scripts/plan";
import { deployedConfig } from "./support/deployed";
import { refused } from "./support/config";

const KEY = "k".repeat(16) + "-stack-key-0123456789";

/** Staging's api from a plain-text or a secret services key (with KEY when given), as parseConfig builds it. */
function stagingApi(secret: boolean, key?: string): ServiceConfig {
    const { values, secretKeys } = deployedConfig("staging", key !== undefined ? [`launchpad:releaseIdKey=${key}`] : []);
    const keys = new Set([...secretKeys, ...(secret ? ["launchpad:services"] : []), ...(key !== undefined ? ["launchpad:releaseIdKey"] : [])]);
    return parseConfig({ project: "launchpad", stack: "staging", values, secretKeys: keys, env: { GRAFANA_AUTH: "x" } }).services[0];
}

const PLAIN = stagingApi(false);

/** `s` with env PIN on both colors, as `launchpad:services.api.env.PIN` sets it. */
function withPin(s: ServiceConfig, pin: string): ServiceConfig {
    const color = (c: "blue" | "green") => ({ ...s.releases[c], env: { ...s.releases[c].env, PIN: pin } });
    return { ...s, releases: { blue: color("blue"), green: color("green") } };
}

/** What an attacker who reads the release id does: hash every 4-digit PIN with the rest of the (visible) config. */
function bruteForce(id: string, digest: (s: ServiceConfig) => string): string | undefined {
    for (let n = 0; n < 10000; n += 1) {
        const pin = String(n).padStart(4, "0");
        if (digest(withPin(PLAIN, pin)) === id) return pin;
    }
    return undefined;
}

const api = (pin: string, secret: boolean, key?: string): ServiceConfig => withPin(secret ? stagingApi(true, key) : PLAIN, pin);

describe("release id and env hash of secret env values", () => {
    it("plain-text services: the id is the plain hash, so a 4-digit PIN is recovered from it (why secret ones are keyed)", () => {
        const plainId = releaseId(api("4821", false), "blue");
        expect(bruteForce(plainId, (s) => releaseId(s, "blue"))).toBe("4821");
    }, 60_000);

    it("secret services: neither the release id nor the env hash gives the PIN back, and both change with the PIN", () => {
        const secret = api("4821", true, KEY);
        expect(bruteForce(releaseId(secret, "blue"), (s) => releaseId(s, "blue"))).toBeUndefined();
        expect(bruteForce(envHash(secret, "blue"), (s) => envHash(s, "blue"))).toBeUndefined();
        expect(releaseId(api("4822", true, KEY), "blue")).not.toBe(releaseId(secret, "blue"));
        expect(envHash(api("4822", true, KEY), "blue")).not.toBe(envHash(secret, "blue"));
    }, 60_000);

    it("secret services: the id depends on the key, and is stable under one key (ids are compared across runs)", () => {
        expect(releaseId(api("4821", true, KEY), "green")).toBe(releaseId(api("4821", true, KEY), "green"));
        expect(releaseId(api("4821", true, KEY), "green")).not.toBe(releaseId(api("4821", true, `${KEY}x`), "green"));
    });

    it("a secret services config without the key cannot produce an id", () => {
        const s = api("4821", true, KEY);
        expect(() => releaseId({ ...s, releaseIdKey: undefined }, "blue")).toThrow("service api: launchpad:services is a secret, so its release id needs the secret launchpad:releaseIdKey");
    });
});

describe("the gate run of a secret smoke header (the gate Job's name: blue-green-service.ts gateJobId hashes the policy since the release id leaves it out)", () => {
    const CTX: PodTemplateContext = { project: "launchpad", zoneSpread: "ScheduleAnyway" };
    /** `s` whose first smoke check sends the header X-Pin: `pin`. */
    const withHeader = (s: ServiceConfig, pin: string): ServiceConfig => {
        const checks = s.smoke.checks.map((c, i) => (i === 0 ? { ...c, headers: { ...c.headers, "X-Pin": pin } } : c));
        return { ...s, smoke: { ...s.smoke, checks } };
    };
    const guess = (id: string): string | undefined => {
        for (let n = 0; n < 10000; n += 1) {
            const pin = String(n).padStart(4, "0");
            if (gateJobId(withHeader(PLAIN, pin), "blue", CTX) === id) return pin;
        }
        return undefined;
    };

    it("plain-text services: the plain hash gives the header back; secret ones: keyed, it does not, and it still changes with the header", () => {
        expect(guess(gateJobId(withHeader(PLAIN, "4821"), "blue", CTX))).toBe("4821");
        const secret = withHeader(stagingApi(true, KEY), "4821");
        expect(guess(gateJobId(secret, "blue", CTX))).toBeUndefined();
        expect(gateJobId(withHeader(stagingApi(true, KEY), "4822"), "blue", CTX)).not.toBe(gateJobId(secret, "blue", CTX));
        expect(() => gateJobId({ ...secret, releaseIdKey: undefined }, "blue", CTX)).toThrow("launchpad:services is a secret, so its release id needs the secret launchpad:releaseIdKey");
    }, 120_000);
});

describe("npm run plan: launchpad:releaseIdKey", () => {
    it("secret services without the key: the offline plan lists it before the first deploy, with the command", async () => {
        const r = await planCli(["--stack", "staging", "--set-secret", "launchpad:services.api.env.PIN=4821"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(
            "  launchpad:releaseIdKey: not set, required since launchpad:services is a secret (it keys the release id, which goes in clear into Job names and labels)\n" +
            "    pulumi config set --secret launchpad:releaseIdKey \"$(openssl rand -base64 32)\" --stack staging\n",
        );
    });

    it.each([
        { name: "set in plain text", sets: ["--set", `launchpad:releaseIdKey=${KEY}`], problem: "launchpad:releaseIdKey: received a plain-text value; expected a secret: set it with `pulumi config set --secret launchpad:releaseIdKey \"$(openssl rand -base64 32)\"`" },
    ])("refused: $name", async ({ sets, problem }) => {
        expect(await planCli(["--stack", "staging", ...sets])).toEqual(refused("staging", problem));
    });

    it("a real run (not offline) refuses secret services without the key, and a key shorter than 24 characters", () => {
        const { values, secretKeys } = deployedConfig("staging");
        const run = (extra: Record<string, unknown>, keys: string[]) => () => parseConfig({ project: "launchpad", stack: "staging", values: { ...values, ...extra }, secretKeys: new Set([...secretKeys, ...keys]), env: { GRAFANA_AUTH: "x" } });
        expect(run({}, ["launchpad:services"])).toThrow(
            "Invalid configuration for stack \"staging\" (1 problem):\n  - launchpad:releaseIdKey: received nothing (the key is not set); expected a secret (required since launchpad:services is a secret (it keys the release id, which goes in clear into Job names and labels)): " +
            "set it with `pulumi config set --secret launchpad:releaseIdKey \"$(openssl rand -base64 32)\" --stack staging`",
        );
        expect(run({ "launchpad:releaseIdKey": "short-key" }, ["launchpad:services", "launchpad:releaseIdKey"])).toThrow(
            "Invalid configuration for stack \"staging\" (1 problem):\n  - launchpad:releaseIdKey: received [secret]; expected at least 24 characters",
        );
    });
});
