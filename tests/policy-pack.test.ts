import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import { POLICIES } from "../policies/all";

const POLICY_DIR = join(REPO_ROOT, "policies");

describe("the policy pack", () => {
    it("has unique policy names, each with its level stated", () => {
        expect(new Set(POLICIES.map((p) => p.name)).size).toBe(POLICIES.length);
        expect(POLICIES.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name)).toEqual(["instance-types-allowed", "required-tags"]);
        expect(POLICIES.filter((p) => p.enforcementLevel === "mandatory")).toHaveLength(54);
    });

    it("gives every config property a description and, but for the evaluator's secret placeholder, a default", () => {
        for (const p of POLICIES) {
            for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                expect(typeof schema === "object" && typeof schema.description === "string").toBe(true);
                expect({ policy: p.name, key, hasDefault: typeof schema === "object" && schema.default !== undefined }).toEqual({ policy: p.name, key, hasDefault: key !== "secretPlaceholder" });
            }
        }
    });

    it("constructs PolicyPack in index.ts only: its constructor starts a gRPC server", () => {
        const constructing = readdirSync(POLICY_DIR).filter((f) => f.endsWith(".ts") && readFileSync(join(POLICY_DIR, f), "utf8").includes("new PolicyPack("));
        expect(constructing).toEqual(["index.ts"]);
    });

    it("is a Node.js pack the CLI can load: PulumiPolicy.yaml and a package.json with a version", () => {
        expect(parseYaml(readFileSync(join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"))).toEqual({
            runtime: "nodejs",
            description: "Launchpad's guardrails for staging and production (see docs/policies.md).",
        });
        expect(JSON.parse(readFileSync(join(POLICY_DIR, "package.json"), "utf8"))).toMatchObject({ version: "0.1.0", main: "index.ts" });
    });
});
