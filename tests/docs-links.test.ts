/**
 * The README and docs/ point at each other by relative links: every one must name a file that
 * exists and, with a `#fragment`, a heading of that file as GitHub anchors it (github-slugger is
 * the slug algorithm GitHub's own renderer follows: lower case, punctuation dropped, spaces to
 * hyphens, `-1`, `-2` for repeats).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

/** README.md and every Markdown file under docs/, as paths relative to the repository. */
function markdownFiles(root: string): string[] {
    const walk = (dir: string): string[] =>
        readdirSync(join(root, dir)).sort().flatMap((entry) => {
            const path = join(dir, entry);
            return statSync(join(root, path)).isDirectory() ? walk(path) : entry.endsWith(".md") ? [path] : [];
        });
    return ["README.md", ...walk("docs")];
}

/** The text outside fenced code blocks and inline code spans, line by line (line numbers kept). */
function proseLines(markdown: string): string[] {
    let fence: string | undefined;
    return markdown.split("\n").map((line) => {
        const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
        if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
            fence = fence === undefined ? marker : undefined;
            return "";
        }
        return fence !== undefined ? "" : line.replace(/`[^`]*`/g, "");
    });
}

/** The anchors GitHub gives a Markdown file: one per heading, plus explicit `<a id|name="...">`. */
function anchorsOf(markdown: string): Set<string> {
    const slugger = new GithubSlugger();
    const anchors = new Set<string>();
    let fence = false;
    for (const line of markdown.split("\n")) {
        if (/^\s*(```|~~~)/.test(line)) {
            fence = !fence;
            continue;
        }
        const heading = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (heading !== null) {
            // A link in a heading is anchored by its text.
            anchors.add(slugger.slug(heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")));
        }
        for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) {
            anchors.add(m[1]);
        }
    }
    return anchors;
}

interface Link {
    readonly file: string;
    readonly line: number;
    readonly target: string;
}

/** Every relative inline link `[text](target)` of a file's prose; web and mail links are left out. */
function relativeLinks(file: string, markdown: string): Link[] {
    return proseLines(markdown).flatMap((text, i) =>
        [...text.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)]
            .map((m) => m[1])
            .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
            .map((target) => ({ file, line: i + 1, target })),
    );
}

/** What is wrong with one link, or undefined when it resolves. */
function linkProblem(root: string, link: Link): string | undefined {
    const [pathPart, fragment] = link.target.split("#", 2) as [string, string | undefined];
    const targetFile = pathPart === "" ? join(root, link.file) : resolve(root, dirname(link.file), decodeURIComponent(pathPart));
    const where = `${link.file}:${link.line}: ${link.target}`;
    if (!existsSync(targetFile)) {
        return `${where}: no file ${relative(root, targetFile)}`;
    }
    if (fragment === undefined || fragment === "") {
        return undefined;
    }
    if (!targetFile.endsWith(".md")) {
        return `${where}: an anchor into a file that is not Markdown`;
    }
    const anchors = anchorsOf(readFileSync(targetFile, "utf8"));
    return anchors.has(decodeURIComponent(fragment)) ? undefined : `${where}: no heading with the anchor #${fragment} in ${relative(root, targetFile)}`;
}

describe("the link checker", () => {
    it("anchors headings as GitHub does, repeats numbered, links by their text", () => {
        expect([...anchorsOf("# Launchpad\n## How the tier decides production safety\n### Finish the old instance (production)\n## E. Undo a migration\n## Tests\n## Tests\n## See [Policies](policies.md)\n```sh\n# not a heading\n```\n")]).toEqual([
            "launchpad",
            "how-the-tier-decides-production-safety",
            "finish-the-old-instance-production",
            "e-undo-a-migration",
            "tests",
            "tests-1",
            "see-policies",
        ]);
    });

    it("finds relative links in prose only, and names each broken one", () => {
        const text = "See [a](docs/a.md#x) and [web](https://example.com) and `[code](nowhere.md)`.\n```\n[fenced](nowhere.md)\n```\n[self](#top)\n";
        expect(relativeLinks("README.md", text)).toEqual([
            { file: "README.md", line: 1, target: "docs/a.md#x" },
            { file: "README.md", line: 5, target: "#top" },
        ]);
        expect(linkProblem(REPO_ROOT, { file: "README.md", line: 1, target: "docs/nowhere.md" })).toBe("README.md:1: docs/nowhere.md: no file docs/nowhere.md");
        expect(linkProblem(REPO_ROOT, { file: "docs/delivery.md", line: 2, target: "operations.md#no-such-section" })).toBe(
            "docs/delivery.md:2: operations.md#no-such-section: no heading with the anchor #no-such-section in docs/operations.md",
        );
        expect(linkProblem(REPO_ROOT, { file: "docs/delivery.md", line: 3, target: "../README.md#tests" })).toBeUndefined();
    });
});

describe("README.md and docs/", () => {
    const files = markdownFiles(REPO_ROOT);
    const links = files.flatMap((f) => relativeLinks(f, readFileSync(join(REPO_ROOT, f), "utf8")));

    it("have relative links, every one resolving to a file and, with a fragment, to a heading", () => {
        expect(files).toEqual(expect.arrayContaining(["README.md", "docs/architecture.md", "docs/configuration.md", "docs/data-protection.md", "docs/delivery.md", "docs/observability.md", "docs/operations.md", "docs/policies.md", "docs/runbooks/README.md"]));
        expect(links.length).toBeGreaterThan(100);
        expect(links.map((l) => linkProblem(REPO_ROOT, l)).filter((p) => p !== undefined)).toEqual([]);
    });

    it("reach every doc from the README, directly or through another doc", () => {
        const seen = new Set<string>(["README.md"]);
        for (let grew = true; grew;) {
            grew = false;
            for (const l of links.filter((x) => seen.has(x.file) && !x.target.startsWith("#"))) {
                const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(l.file), l.target.split("#")[0]));
                if (target.endsWith(".md") && !seen.has(target)) {
                    seen.add(target);
                    grew = true;
                }
            }
        }
        expect(files.filter((f) => !seen.has(f))).toEqual([]);
    });

    it("keep the README short: a newcomer reads it in five minutes", () => {
        expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8").split("\n").length).toBeLessThan(200);
    });
});
