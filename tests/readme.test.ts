/**
 * The README a newcomer reads in five minutes (issue 16, item 6): the sections the issue lists, and
 * every command it hands them one that does what the README says. (Its length and links are checked
 * by tests/docs-links.test.ts, the plan excerpt it quotes by tests/docs-samples.test.ts.)
 */
import { readFileSync } from "node:fs";
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
    it("has what it is, the picture, set up, the first offline plan, the first real deploy, schema changes and the docs (its length: tests/docs-links.test.ts)", () => {
        const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        expect(headings).toEqual(expect.arrayContaining(["The picture", "Set up", "The first offline plan", "The first real deploy", "Schema changes", "Documentation"]));
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
});
