/**
 * An alert's `runbook_url` opens its own section of docs/runbooks/alerts.md (observability/alerts.ts
 * `runbookAnchor`), in the middle of an incident: its shell commands may read the variables of
 * "Set up your shell" (docs/runbooks/README.md), which every page starts from, and must set any
 * other variable themselves. A variable set nowhere expands to nothing, and the AWS CLI then fails
 * on an empty ARN or name, or lists something other than what the step means to show.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), "utf8");

/** The bodies of the ```sh blocks of `markdown`. */
function shellBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Variables a shell text sets: `NAME=` at a command's start (after `export`, `;`, `&&` or `(`). */
function assigned(text: string): Set<string> {
    return new Set([...text.matchAll(/(?:^|[\s;&(])(?:export\s+)?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
}

/** Upper-case variables a shell text reads (`$NAME`, `${NAME}`); lower-case ones are the pods' own, inside `sh -c`. */
function readVariables(text: string): Set<string> {
    return new Set([...text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
}

/** The `## ` sections of alerts.md, by heading. */
function sections(markdown: string): Map<string, string> {
    return new Map(markdown.split(/\n(?=## )/).filter((s) => s.startsWith("## ")).map((s) => [s.slice(3, s.indexOf("\n")), s]));
}

describe("the alert runbooks' shell commands", () => {
    const setup = /## Set up your shell[\s\S]*?```sh\n([\s\S]*?)```/.exec(read("docs/runbooks/README.md"))?.[1] ?? "";
    const fromSetup = assigned(setup);

    it("reads the shell setup (the extractor finds its variables)", () => {
        expect([...fromSetup]).toEqual(expect.arrayContaining(["STACK", "AWS_REGION", "DR_REGION", "NS", "DB", "BUCKET"]));
    });

    it("set every variable they read, in the alert's own section or in the shell setup", () => {
        const unset = [...sections(read("docs/runbooks/alerts.md"))].flatMap(([alert, text]) => {
            const blocks = shellBlocks(text).join("\n");
            const own = assigned(blocks);
            return [...readVariables(blocks)].filter((v) => !own.has(v) && !fromSetup.has(v)).map((v) => `${alert}: $${v}`);
        });
        expect(unset).toEqual([]);
    });
});
