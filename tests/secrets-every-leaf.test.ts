/**
 * Issue 13, class 1, every leaf: each config leaf of both committed stacks (the stack file's values
 * and Pulumi.yaml's defaults) marked secret in turn, as `pulumi config set --secret --path` would
 * (`npm run plan --set-secret`, in-process). Either the config refuses it with the leaf's own problem
 * (exit 2: Launchpad would write it where it is kept in clear, or the stand-in fails the field's
 * rule), or the stack plans and no plain-text copy reaches a non-secret field: the offline secret's
 * stand-in text appears nowhere in the printed plan, the JSON document (inputs, tags, ConfigMaps, env
 * literals, outputs) or the policy report, and the pack (secrets-stay-secret included) passes.
 */
import { describe, expect, it } from "vitest";
import { OFFLINE_SECRET } from "../config/placeholders";
import { REPO_ROOT } from "../plan/engine";
import { configPath, loadStackConfig } from "../plan/stack-config";
import { planCli } from "../scripts/plan";

/** Every scalar leaf under `value`, with its path parts. */
function leaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
    return [{ path, value }];
}

const STACKS = ["staging", "production"] as const;
const LEAVES = STACKS.flatMap((stack) => {
    const sc = loadStackConfig({ root: REPO_ROOT, stack });
    return Object.entries(sc.values).flatMap(([key, v]) => leaves(v).filter((l) => !sc.secretPaths.has(configPath(key, l.path))).map((l) => ({ stack, leaf: configPath(key, l.path), value: l.value })));
});

describe("every config leaf marked secret: refused for itself, or planned with no plain-text copy", () => {
    it("finds the leaves of both stacks", () => {
        expect(LEAVES.filter((l) => l.stack === "staging").length).toBeGreaterThan(40);
        expect(LEAVES.filter((l) => l.stack === "production").length).toBeGreaterThan(40);
    });

    /** What marking `leaf` secret gives: exit codes, its own problem if refused, the pack, any plain-text copy. */
    async function outcome(stack: string, leaf: string, value: unknown) {
        const set = `${leaf}=${JSON.stringify(value)}`;
        const text = await planCli(["--stack", stack, "--policy", "--set-secret", set]);
        // The JSON document only when there is a plan to print (a refusal prints nothing, once).
        const json = text.code === 2 ? undefined : await planCli(["--stack", stack, "--json", "--set-secret", set]);
        return {
            codes: [text.code, json?.code ?? "not planned"],
            ownProblem: text.stderr.split("\n").some((l) => l.startsWith(`  - ${leaf}: received [secret]; expected `)),
            packPassed: text.stdout.includes("Policies: 0 violations (0 mandatory, 0 advisory)"),
            plainCopy: [text.stdout, text.stderr, json?.stdout ?? "", json?.stderr ?? ""].some((o) => o.includes(OFFLINE_SECRET)),
        };
    }
    const REFUSED = { codes: [2, "not planned"], ownProblem: true, packPassed: false, plainCopy: false };
    const KEPT_SECRET = { codes: [0, 0], ownProblem: false, packPassed: true, plainCopy: false };

    it.each(LEAVES)("$stack $leaf", async ({ stack, leaf, value }) => {
        const o = await outcome(stack, leaf, value);
        expect(o).toEqual(o.codes[0] === 2 ? REFUSED : KEPT_SECRET);
    });

    it.each(STACKS)("%s: a service's env value is one the stack keeps secret (the planned branch is exercised)", async (stack) => {
        const leaf = "launchpad:services.api.env.LOG_LEVEL";
        const found = LEAVES.find((l) => l.stack === stack && l.leaf === leaf);
        expect(found).toBeDefined();
        expect(await outcome(stack, leaf, found?.value)).toEqual(KEPT_SECRET);
    });
});
