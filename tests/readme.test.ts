/**
 * The README a newcomer reads in five minutes (issue 16, item 6): the sections the issue lists, and
 * every command it hands them one that does what the README says. (Its length and links are checked
 * by tests/docs-links.test.ts, the plan excerpt it quotes by tests/docs-samples.test.ts.)
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const SCRIPTS = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

/** The config problems of a stack with `sets`, as the offline plan parses it; empty when it parses. */
function problemsWith(stack: string, sets: readonly string[]): readonly string[] {
    const sc = loadStackConfig({ root: REPO_ROOT, stack, sets });
    try {
        parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, secretPaths: sc.secretPaths, offlinePlan: true });
        return [];
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
}

describe("README.md", () => {
    it("has what it is, the picture, set up, the first offline plan, the first real deploy, schema changes and the docs, in the issue's order (its length: tests/docs-links.test.ts)", () => {
        const order = ["The picture", "Set up", "The first offline plan", "The first real deploy", "Schema changes", "Documentation"];
        const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        expect(headings.filter((h) => order.includes(h))).toEqual(order);
        // What it is comes first, before any section.
        expect(README.indexOf("Launchpad is one Pulumi program")).toBeLessThan(README.indexOf("\n## "));
        expect(README).toContain("```mermaid\n");
        expect(README).toContain("```sh\nnpm ci\nnpm test\n```");
    });

    it("names only npm scripts package.json defines", () => {
        const named = [...README.matchAll(/`npm run ([a-z:-]+)/g), ...README.matchAll(/`(test:[a-z-]+)`/g)].map((m) => m[1]);
        expect(named).toEqual(expect.arrayContaining(["plan", "loadtest", "test:db", "test:alerts"]));
        expect([...new Set(named)].filter((s) => !SCRIPTS.includes(s))).toEqual([]);
    });

    it("the flags it suggests for a config error give one (it once suggested a --set staging accepts)", () => {
        const m = /`(--stack (\w+) --set (\S+))` for a config error/.exec(README);
        expect(m, "README suggests `--stack <s> --set <key=value>` for a config error").not.toBeNull();
        const [, , stack, set] = m as RegExpExecArray;
        const key = set.slice(0, set.indexOf("="));
        expect(problemsWith(stack, []).filter((p) => p.startsWith(`launchpad:${key}:`))).toEqual([]);
        expect(problemsWith(stack, [set]).filter((p) => p.startsWith(`launchpad:${key}:`))).toHaveLength(1);
        // The same flag on staging is no error: the tier decides, which is why the README names production.
        expect(problemsWith("staging", [set])).toEqual([]);
    });

    it("says when the policy pack gates a plan, a preview and an update, and the workflows run it so", () => {
        expect(README.replace(/\s+/g, " ")).toContain("a policy pack that gates every offline plan run with `--policy` and every preview and update run with `--policy-pack policies` (as the workflows run both)");
        const workflows = ["deploy.yml", "preview.yml"].map((f) => readFileSync(join(REPO_ROOT, ".github", "workflows", f), "utf8")).join("\n");
        expect(workflows).toMatch(/npm run --silent plan -- --stack \S+ --policy\b/);
        expect(workflows).toMatch(/--policy-pack policies\b|policyPacks: policies\b/);
    });

    // The intro says the pack gates every preview and update run with it. The CLI runs a pack only
    // when --policy-pack names it: pulumi/pulumi adds an organization's published packs only in the
    // Pulumi Cloud backend (pkg/backend/httpstate/backend.go, RequiredPolicies), and the deploy here
    // uses a self-managed one; the commands once ran bare `pulumi preview` / `pulumi up`.
    it.each(["README.md", "docs/operations.md"])("%s's first real deploy previews and updates with the policy pack and the stack's pack config", (file) => {
        const text = readFileSync(join(REPO_ROOT, file), "utf8");
        const block = /```sh\n(mkdir -p ~\/\.pulumi-state[\s\S]*?)```/.exec(text);
        expect(block, `${file}: the first real deploy's commands`).not.toBeNull();
        const stack = /pulumi stack select (\w+)/.exec((block as RegExpExecArray)[1])?.[1];
        expect(stack).toBe("staging");
        const runs = (block as RegExpExecArray)[1].split("\n").filter((l) => /^pulumi (preview|up)\b/.test(l));
        expect(runs.map((l) => l.split(" ")[1])).toEqual(["preview", "up"]);
        for (const line of runs) {
            expect(line).toContain(` --policy-pack policies --policy-pack-config policies/config/${stack as string}.json`);
        }
        expect(existsSync(join(REPO_ROOT, "policies", "PulumiPolicy.yaml"))).toBe(true);
        expect(existsSync(join(REPO_ROOT, "policies", "config", `${stack as string}.json`))).toBe(true);
    });
});
