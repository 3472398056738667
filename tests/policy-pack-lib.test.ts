/**
 * The policy pack is type-checked, when the CLI loads it, against ES2020's lib: @pulumi/pulumi v3.248.0
 * cmd/run-policy-pack/run.js registers ts-node with `typeCheck: true` and `target: "ES2020"`, and
 * policies/ has no tsconfig.json to say otherwise. `npm run check` types policies/ with tsconfig.json's
 * ES2022, so `Object.hasOwn` passed it and failed only tests/policy-pack-publish.test.ts, which runs in
 * CI (d9a6401). eslint.config.mjs now refuses what ES2021 and later add in the packed files: checked here
 * through the real config (ESLint `calculateConfigForFile`) and ESLint's own rules run on each construct.
 */
import { join } from "node:path";
import { ESLint, Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

const RULES = ["no-restricted-properties", "no-restricted-globals"] as const;

/** The two rules' settings the repository's eslint.config.mjs gives `file` (relative to the repository). */
async function libRules(file: string): Promise<Linter.RulesRecord> {
    const config = (await new ESLint({ cwd: REPO_ROOT }).calculateConfigForFile(join(REPO_ROOT, file))) as { rules?: Linter.RulesRecord };
    return Object.fromEntries(RULES.flatMap((r) => (config.rules?.[r] !== undefined ? [[r, config.rules[r]]] : [])));
}

/** The rule ids those settings report on `code`, linted as a TypeScript file of the pack. */
function reported(rules: Linter.RulesRecord, code: string): string[] {
    const linter = new Linter({ configType: "flat" });
    const messages = linter.verify(code, [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, rules }], "policies/probe.ts");
    return messages.map((m) => m.ruleId ?? m.message);
}

describe("npm run check refuses ES2021+ lib in the policy pack's packed files", () => {
    it.each([
        ["Object.hasOwn (ES2022: what d9a6401 replaced)", "export const f = (o: object, k: string): boolean => Object.hasOwn(o, k);"],
        ["Array.prototype.at (ES2022)", "export const last = (xs: string[]): string | undefined => xs.at(-1);"],
        ["String.prototype.replaceAll (ES2021)", "export const dash = (s: string): string => s.replaceAll(\"_\", \"-\");"],
        ["Array.prototype.findLast (ES2023)", "export const f = (xs: number[]): number | undefined => xs.findLast((x) => x > 0);"],
        ["Array.prototype.toSorted (ES2023)", "export const f = (xs: number[]): number[] => xs.toSorted();"],
        ["Promise.any (ES2021)", "export const f = (ps: Promise<number>[]): Promise<number> => Promise.any(ps);"],
    ])("%s", async (_, code) => {
        const rules = await libRules("policies/shared/selector.ts");
        expect(reported(rules, code)).toEqual(["no-restricted-properties"]);
    });

    it("AggregateError (ES2021) as a global", async () => {
        expect(reported(await libRules("policies/network.ts"), "export const e = new AggregateError([], \"x\");")).toEqual(["no-restricted-globals"]);
    });

    it("ES2020 and older pass: Object.prototype.hasOwnProperty.call, [length - 1], split/join, slice().sort()", async () => {
        const code = "export const f = (o: object, xs: string[], s: string): unknown[] => " +
            "[Object.prototype.hasOwnProperty.call(o, \"k\"), xs[xs.length - 1], s.split(\"_\").join(\"-\"), xs.slice().sort(), Object.fromEntries([[\"a\", 1]]), 2n ** 3n];";
        expect(reported(await libRules("policies/shared/selector.ts"), code)).toEqual([]);
    });

    it("applies to the packed files only: not to policies/config.ts and policies/evaluate.ts, which the tarball leaves out (policies/package.json files)", async () => {
        expect(Object.keys(await libRules("policies/index.ts")).sort()).toEqual([...RULES].sort());
        expect(Object.keys(await libRules("policies/shared/ip-range.ts")).sort()).toEqual([...RULES].sort());
        expect(await libRules("policies/config.ts")).toEqual({});
        expect(await libRules("policies/evaluate.ts")).toEqual({});
        expect(await libRules("components/cluster.ts")).toEqual({});
    });
});
