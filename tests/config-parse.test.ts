/**
 * `parseConfig` on its own, with values as the Pulumi CLI hands them to the program: secrets already
 * decrypted, and only the top-level key marked secret. No engine, no files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, decodeConfig, encodeConfig, parseConfig, type ConfigInput } from "../config";
import { isArmInstanceType, nodeGroupProblems, nodeGroupSchema } from "../config/node-group";
import { safetyFor } from "../config/tier";
import { REPO_ROOT } from "../plan/engine";
import { MINIMAL_SERVICES, REQUIRED_CONFIG } from "./support/project";
import { problemsOf } from "./support/config";
import { valueOf } from "./support/values";

const REQUIRED = REQUIRED_CONFIG;

/** A plaintext a real stack would hold encrypted; it must never reach an error message. */
const PLAINTEXT = "apiVersion: v1\nusers:\n- user:\n    token: s3cr3t-token";

function input(values: Record<string, unknown>, secretKeys: readonly string[] = []): ConfigInput {
    return { project: "launchpad", stack: "staging", values: { ...REQUIRED, ...values }, secretKeys: new Set(secretKeys) };
}


const SECRET_TAGS = "launchpad:tags: received [secret]; expected a plain-text tag value: AWS keeps tags in clear (state, consoles, billing reports), so a secret never goes in a tag";

/** Secret services need the stack's secret release id key (config/release-key.ts); a real run without it says so. */
const NEEDS_RELEASE_ID_KEY =
    "launchpad:releaseIdKey: received nothing (the key is not set); expected a secret (required since launchpad:services is a secret (it keys the release id, which goes in clear into Job names and labels)): " +
    'set it with `pulumi config set --secret launchpad:releaseIdKey "$(openssl rand -base64 32)" --stack staging`';

describe("parseConfig never echoes a value of a key the stack holds as a secret", () => {
    it.each([
        {
            name: "a secret under a misspelt field",
            values: { "launchpad:cluster": { kubeconfg: PLAINTEXT } },
            secret: "launchpad:cluster",
            problem: "launchpad:cluster.kubeconfg: received [secret]; expected no such field (allowed: version, endpointAccess, endpointPublicAccessCidrs, access, logTypes, namespace, kubeconfig, provides)",
            shown: `launchpad:cluster.kubeconfg: received ${JSON.stringify(PLAINTEXT)}; expected no such field (allowed: version, endpointAccess, endpointPublicAccessCidrs, access, logTypes, namespace, kubeconfig, provides)`,
        },
        {
            name: "a secret where an object is expected",
            values: { "launchpad:network": PLAINTEXT },
            secret: "launchpad:network",
            problem: "launchpad:network: received [secret]; expected an object (a YAML mapping)",
            shown: `launchpad:network: received ${JSON.stringify(PLAINTEXT)}; expected an object (a YAML mapping)`,
        },
        {
            name: "a secret tag under a reserved key",
            values: { "launchpad:tags": { Name: "s3cr3t-token" } },
            secret: "launchpad:tags",
            problem: "launchpad:tags.Name: received [secret]; expected no such tag: Launchpad sets project, environment, managed-by, Name itself",
            // A real run knows only that the key is secret: the secret tag itself is refused too.
            before: [SECRET_TAGS],
            shown: 'launchpad:tags.Name: received "s3cr3t-token"; expected no such tag: Launchpad sets project, environment, managed-by, Name itself',
        },
        {
            name: "a secret map key that is too long",
            values: { "launchpad:tags": { ["s3cr3t-".repeat(20)]: "x" } },
            secret: "launchpad:tags",
            problem: "launchpad:tags: received the key [secret]; expected a non-empty key of at most 128 characters",
            after: [SECRET_TAGS],
            shown: `launchpad:tags: received the key ${JSON.stringify("s3cr3t-".repeat(20)).slice(0, 77)}...; expected a non-empty key of at most 128 characters`,
        },
        {
            name: "the sizes of a secret node group",
            values: { "launchpad:nodeGroup": { minSize: 6, maxSize: 4 } },
            secret: "launchpad:nodeGroup",
            problem: "launchpad:nodeGroup.minSize: received [secret]; expected a number <= launchpad:nodeGroup.maxSize ([secret])",
            shown: "launchpad:nodeGroup.minSize: received 6; expected a number <= launchpad:nodeGroup.maxSize (4)",
        },
        {
            name: "a secret node group's size that does not split over the zones",
            values: { "launchpad:nodeGroup": { maxSize: 5 } },
            secret: "launchpad:nodeGroup",
            problem: "launchpad:nodeGroup.maxSize: received [secret]; expected a multiple of launchpad:network.azCount (2): the total is split evenly over one node group per zone",
            shown: "launchpad:nodeGroup.maxSize: received 5; expected a multiple of launchpad:network.azCount (2): the total is split evenly over one node group per zone",
        },
        {
            name: "a secret DR region equal to aws:region (showing aws:region would show it too)",
            values: { "launchpad:drRegion": "us-east-1" },
            secret: "launchpad:drRegion",
            problem: "launchpad:drRegion: received [secret]; expected a region other than aws:region ([secret]): a disaster-recovery copy in the same region is not off-site",
            shown: 'launchpad:drRegion: received "us-east-1"; expected a region other than aws:region ("us-east-1"): a disaster-recovery copy in the same region is not off-site',
        },
        {
            // Issue 13: the gate's own validator (smoke/policy.ts) has the last word on a smoke policy; its messages quoted values too.
            name: "a secret smoke body on a GET check, judged by the gate's own validator",
            values: { "launchpad:services": { web: { ...MINIMAL_SERVICES.web, smoke: { checks: [{ path: "/", body: PLAINTEXT }] } } } },
            secret: "launchpad:services",
            after: [NEEDS_RELEASE_ID_KEY],
            problem: 'launchpad:services.web.smoke.checks[0].body: received [secret]; expected no body with method "GET" (HTTP gives a GET or HEAD body no meaning, and servers may refuse it)',
            shown: `launchpad:services.web.smoke.checks[0].body: received ${JSON.stringify(PLAINTEXT)}; expected no body with method "GET" (HTTP gives a GET or HEAD body no meaning, and servers may refuse it)`,
        },
        {
            name: "two smoke checks of one secret name, judged by the gate's own validator",
            values: { "launchpad:services": { web: { ...MINIMAL_SERVICES.web, smoke: { checks: [{ name: "s3cr3t", path: "/a" }, { name: "s3cr3t", path: "/b" }] } } } },
            secret: "launchpad:services",
            after: [NEEDS_RELEASE_ID_KEY],
            problem: 'launchpad:services.web.smoke.checks[1]: received [secret]; expected a name no other check has (checks[0] is also [secret]); set "name" to tell them apart',
            shown: 'launchpad:services.web.smoke.checks[1]: received "s3cr3t"; expected a name no other check has (checks[0] is also "s3cr3t"); set "name" to tell them apart',
        },
    ] as { name: string; values: Record<string, unknown>; secret: string; problem: string; shown: string; before?: string[]; after?: string[] }[])("hides $name, and shows the same value when the key is not secret", ({ values, secret, problem, shown, before, after }) => {
        expect(problemsOf(input(values, [secret]))).toEqual([...(before ?? []), problem, ...(after ?? [])]);
        expect(problemsOf(input(values))).toEqual([shown]);
    });

    it("hides only the secret key: another key's value in the same run is shown", () => {
        const problems = problemsOf(input({ "launchpad:cluster": { kubeconfig: PLAINTEXT, version: "1.28" }, "launchpad:network": { azCount: 7 } }, ["launchpad:cluster"]));
        expect(problems).toEqual([
            "launchpad:network.azCount: received 7; expected a number <= 6",
            "launchpad:cluster.version: received [secret]; expected a version in EKS standard support on 2026-12-02: \"1.36\" or \"1.35\"",
        ]);
    });

    it("puts every problem in the error message under one header, in order", () => {
        let message = "";
        try {
            parseConfig(input({ "launchpad:tier": "prod", "launchpad:network": { azCount: 7 } }));
        } catch (e) {
            message = e instanceof ConfigError ? e.message : String(e);
        }
        expect(message).toBe(
            'Invalid configuration for stack "staging" (2 problems):\n' +
                '  - launchpad:tier: received "prod"; expected one of "staging", "production"\n' +
                "  - launchpad:network.azCount: received 7; expected a number <= 6",
        );
    });
});

describe("parseConfig accepts a secret kubeconfig", () => {
    it("uses the existing cluster and keeps the kubeconfig a secret Output", async () => {
        const config = parseConfig(input({ "launchpad:cluster": { kubeconfig: PLAINTEXT } }, ["launchpad:cluster"]));
        expect(config.cluster.mode).toBe("existing");
        const kubeconfig = config.cluster.mode === "existing" ? config.cluster.kubeconfig : pulumi.output("");
        expect(await pulumi.isSecret(kubeconfig)).toBe(true);
        expect(await valueOf(kubeconfig)).toBe(PLAINTEXT);
    });
});

describe("CPU architecture of instance types", () => {
    it.each([
        ["m7g.large", true],
        ["c7gn.xlarge", true],
        ["t4g.medium", true],
        ["a1.large", true],
        ["m6i.large", false],
        ["m6a.xlarge", false],
        ["t3.large", false],
        ["g5.xlarge", false],
    ])("%s is Graviton: %s", (instanceType, arm) => {
        expect(isArmInstanceType(instanceType)).toBe(arm);
    });
});

describe("node group sizes are the cluster's totals, split evenly over one managed node group per zone", () => {
    const show = (value: unknown): string => JSON.stringify(value);
    const sizes = (raw: Record<string, unknown>) => nodeGroupSchema.parse(raw);

    it("builds each zone's share of the totals", () => {
        const config = parseConfig(input({ "launchpad:network": { azCount: 3 }, "launchpad:nodeGroup": { minSize: 3, desiredSize: 6, maxSize: 12 } }));
        expect(config.nodeGroup).toMatchObject({ minSize: 3, desiredSize: 6, maxSize: 12, zones: 3, perZone: { minSize: 1, desiredSize: 2, maxSize: 4 } });
    });

    it("reports every total that is not a whole share per zone, at once", () => {
        expect(problemsOf(input({ "launchpad:network": { azCount: 3 }, "launchpad:nodeGroup": { minSize: 2, desiredSize: 4, maxSize: 4 } }))).toEqual([
            "launchpad:nodeGroup.minSize: received 2; expected a multiple of launchpad:network.azCount (3): the total is split evenly over one node group per zone",
            "launchpad:nodeGroup.desiredSize: received 4; expected a multiple of launchpad:network.azCount (3): the total is split evenly over one node group per zone",
            "launchpad:nodeGroup.maxSize: received 4; expected a multiple of launchpad:network.azCount (3): the total is split evenly over one node group per zone",
        ]);
    });

    it("holds production to a node in every zone (config/tier.ts minNodesPerZone), staging to none", () => {
        const production = { azCount: 3, safety: safetyFor("production") };
        expect(nodeGroupProblems(sizes({ minSize: 0, maxSize: 12 }), show, production)).toEqual([
            "launchpad:nodeGroup.minSize: received 0; expected at least 3 in this tier (1 node per zone, launchpad:network.azCount 3)",
        ]);
        expect(nodeGroupProblems(sizes({ minSize: 3, maxSize: 12 }), show, production)).toEqual([]);
        expect(nodeGroupProblems(sizes({ minSize: 0, maxSize: 12 }), show, { azCount: 3, safety: safetyFor("staging") })).toEqual([]);
    });

    it("splits nothing for an existing cluster, whose nodes are not Launchpad's", () => {
        expect(problemsOf(input({ "launchpad:cluster": { kubeconfig: PLAINTEXT }, "launchpad:network": { azCount: 3 }, "launchpad:nodeGroup": { minSize: 2, maxSize: 4 } }, ["launchpad:cluster"]))).toEqual([]);
    });
});

/**
 * A fraction as the Pulumi CLI stores it: `pulumi config set --path launchpad:observability.thresholds.errorRatio 0.05`
 * types only true/false and base-10 integers without a leading zero and keeps every other value as
 * text (pulumi/pulumi sdk/go/common/resource/config/object.go `coerce`), so the program gets "0.05".
 */
describe("number fields read decimal text as the CLI stores it (pulumi config object.go coerce)", () => {
    /** The stack's values through the CLI's storage: every object key as JSON text, decoded as a real run decodes it. */
    function asStored(values: Record<string, unknown>): ConfigInput {
        const { values: decoded, secretKeys } = decodeConfig(encodeConfig({ ...REQUIRED, ...values }, new Set()));
        return { project: "launchpad", stack: "staging", values: decoded, secretKeys };
    }

    it.each([
        { text: "0.05", value: 0.05 },
        { text: ".5", value: 0.5 },
        { text: "1", value: 1 },
        { text: "5e-2", value: 0.05 },
    ])("errorRatio $text is $value", ({ text, value }) => {
        expect(parseConfig(asStored({ "launchpad:observability": { thresholds: { errorRatio: text } } })).observability.thresholds.errorRatio).toBe(value);
    });

    it("every number field of the stack's schemas takes it: no bare z.number() in config/ or the schemas it borrows", () => {
        const files = [...readdirSync(join(REPO_ROOT, "config")).filter((f) => f.endsWith(".ts")).map((f) => join("config", f)), "loadtest/profile.ts", "smoke/policy.ts"];
        const bare = files.flatMap((f) => [...readFileSync(join(REPO_ROOT, f), "utf8").matchAll(/(cliNumber\()?z\.number\(/g)].filter((m) => m[1] === undefined).map(() => f));
        expect(bare).toEqual([]);
    });

    it("every fractional field, the smoke gate's errorRate included", () => {
        const config = parseConfig(asStored({
            "launchpad:observability": { thresholds: { latencyP95Seconds: "0.25", freeStoragePercent: "12.5", sloObjective: "0.995", minRequestRate: "0.5" } },
            "launchpad:services": { web: { ...MINIMAL_SERVICES.web, smoke: { thresholds: { errorRate: "0.02" } }, performance: { server: { maxMemorySlopeMiBPerHour: "2.5" } } } },
        }));
        expect(config.observability.thresholds).toMatchObject({ latencyP95Seconds: 0.25, freeStoragePercent: 12.5, sloObjective: 0.995, minRequestRate: 0.5 });
        expect(config.services[0].smoke.thresholds.errorRate).toBe(0.02);
        expect(config.services[0].performance?.server.maxMemorySlopeMiBPerHour).toBe(2.5);
    });

    it.each([
        { text: "0.05%", problem: 'launchpad:observability.thresholds.errorRatio: received "0.05%"; expected a number' },
        { text: "0x10", problem: 'launchpad:observability.thresholds.errorRatio: received "0x10"; expected a number' },
        { text: "", problem: 'launchpad:observability.thresholds.errorRatio: received ""; expected a number' },
        { text: "1.5", problem: 'launchpad:observability.thresholds.errorRatio: received "1.5"; expected a number <= 1' },
    ])("still refuses $text with the usual message", ({ text, problem }) => {
        expect(problemsOf(asStored({ "launchpad:observability": { thresholds: { errorRatio: text } } }))).toEqual([problem]);
    });
});
