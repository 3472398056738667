/**
 * Every `aws`, `pulumi` and `gh` command line the repository tells a person or CI to run, found
 * mechanically: the shell code blocks and inline code of README.md and docs/; the `run:` blocks of
 * .github/workflows/; the shell scripts under scripts/; and, in the program's TypeScript, the
 * inline code of comments and the commands its messages quote. tests/command-lines.test.ts runs
 * or checks each against the real tool (or its vendored flag table).
 *
 * A placeholder (`<id>`, `$VAR`, `"$(...)"`, `${{ ... }}`, `${x}` in a TypeScript template, `...`)
 * becomes a typed dummy chosen by the flag it is the value of (`dummyFor`), so the real tool
 * parses a value of the right shape. Inline code is often a fragment (`aws rds modify-db-instance
 * --no-deletion-protection`, the required identifier left to the sentence): it is marked so,
 * and a checker supplies what it leaves out rather than calling it wrong.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../../plan/engine";

export const TOOLS = ["aws", "pulumi", "gh"] as const;
export type Tool = (typeof TOOLS)[number];

export interface CommandLine {
    readonly tool: Tool;
    /** Repository-relative path. */
    readonly file: string;
    /** 1-based line the command starts on. */
    readonly line: number;
    /** The words after the tool's name, placeholders replaced by dummies. */
    readonly argv: readonly string[];
    /** The command as written (continuations joined). */
    readonly text: string;
    /** Inline code or a quoted message: it may leave out what the sentence around it supplies. */
    readonly fragment: boolean;
}

/**
 * scripts/db/lib.sh's wrappers: `aws_cli` and `aws_interruptible` run `aws` with the run's region,
 * `aws_cli_in <region>` in another region. The wrapper itself passes `"$@"` on and is not a command.
 */
const WRAPPERS: Readonly<Record<string, { tool: Tool; regionArg: boolean }>> = {
    aws_cli: { tool: "aws", regionArg: false },
    aws_interruptible: { tool: "aws", regionArg: false },
    aws_cli_in: { tool: "aws", regionArg: true },
};

/** Marks a word's expansion ($VAR, $(...), <placeholder>) in the word's text until dummies replace it. */
const HOLE = "\u0001";
/** Marks `"$@"`: a wrapper passing its arguments on, not a command line of its own. */
const PASS = "\u0002";

/** A dummy for a whole-word placeholder, by the flag it is the value of: a shape the real tool accepts. */
export function dummyFor(flag: string | undefined): string {
    const f = flag ?? "";
    if (/arn$/.test(f)) return "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:launchpad-plan-1";
    if (/region$/.test(f)) return "us-west-2";
    if (/(time|timestamp|-before|-after)$/.test(f)) return "2026-12-01T00:00:00Z";
    if (/security-group-ids$/.test(f)) return "sg-0123456789abcdef0";
    if (/^--key-id$|kms-key-id$/.test(f)) return "alias/launchpad-dummy";
    if (/^--(role-name|cluster-name|nodegroup-name|name|stack|head|base)$/.test(f)) return "launchpad-dummy";
    if (/^--(repo)$/.test(f)) return "octo-org/launchpad";
    // scripts/db/drill-check.sh puts only the verdicts its check phase writes, FAILED or SUCCESSFUL.
    if (/^--validation-status$/.test(f)) return "FAILED";
    return "launchpad-dummy";
}

/** Source text with its `$(...)`s lifted out: the outer text (each one a HOLE) and the inner commands. */
interface Lifted {
    readonly outer: string;
    readonly inner: string[];
}

/** Lifts `$(...)` (nested, quote-aware) out of `text`; backquote substitutions are not used here. */
function liftSubstitutions(text: string): Lifted {
    const inner: string[] = [];
    let outer = "";
    let quote: "'" | '"' | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote === "'") {
            outer += c;
            if (c === "'") quote = undefined;
            continue;
        }
        if (c === "\\" && i + 1 < text.length) {
            outer += c + text[i + 1];
            i++;
            continue;
        }
        if (c === "$" && text[i + 1] === "(" && text[i + 2] !== "(") {
            let depth = 1;
            let j = i + 2;
            let q: "'" | '"' | undefined;
            for (; j < text.length && depth > 0; j++) {
                const d = text[j];
                if (q) {
                    if (d === q) q = undefined;
                } else if (d === "'" || d === '"') q = d;
                else if (d === "(") depth++;
                else if (d === ")") depth--;
            }
            inner.push(text.slice(i + 2, j - 1));
            outer += HOLE;
            i = j - 1;
            continue;
        }
        if (c === '"') quote = quote === '"' ? undefined : '"';
        else if (c === "'" && quote === undefined) quote = "'";
        outer += c;
    }
    return { outer, inner };
}

/** One simple command's words: quotes removed, every expansion a HOLE; redirections dropped. */
function splitCommands(text: string): string[][] {
    const commands: string[][] = [];
    let words: string[] = [];
    let word: string | undefined;
    let redirect = false;
    const endWord = () => {
        if (word !== undefined) {
            if (redirect) redirect = false;
            else words.push(word);
        }
        word = undefined;
    };
    const endCommand = () => {
        endWord();
        if (words.length > 0) commands.push(words);
        words = [];
    };
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "\\" && i + 1 < text.length) {
            word = (word ?? "") + text[i + 1];
            i++;
        } else if (c === "'") {
            const end = text.indexOf("'", i + 1);
            word = (word ?? "") + text.slice(i + 1, end < 0 ? text.length : end);
            i = end < 0 ? text.length : end;
        } else if (c === '"') {
            let j = i + 1;
            let body = "";
            for (; j < text.length && text[j] !== '"'; j++) {
                if (text[j] === "\\" && j + 1 < text.length) {
                    body += text[j + 1];
                    j++;
                } else body += text[j];
            }
            word = (word ?? "") + expand(body);
            i = j;
        } else if (c === "$" || (c === "<" && /^<[A-Za-z][\w .:/-]*>/.test(text.slice(i)))) {
            // A doc's `<placeholder>`, in a word or the whole word (`minSize=<new min>`); no script redirects so.
            const m = /^(\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*|\$[*#?!$0-9]|<[A-Za-z][\w .:/-]*>)/.exec(text.slice(i));
            if (text.startsWith("$@", i)) {
                word = (word ?? "") + PASS;
                i++;
                continue;
            }
            word = (word ?? "") + (m ? HOLE : c);
            i += m ? m[0].length - 1 : 0;
        } else if (/\s/.test(c)) {
            endWord();
        } else if (c === ";" || c === "|" || c === "&" || c === "(" || c === ")" || c === "{" || c === "}") {
            endCommand();
        } else if (c === ">" || (c === "<" && word === undefined)) {
            // `2>file`, `>out`, `2>&1`, `<<< "$x"`: the fd and the target go with the operator.
            if (word !== undefined && /^\d$/.test(word)) word = undefined;
            endWord();
            while (text[i + 1] === ">" || text[i + 1] === "<") i++;
            const dup = /^&(\d+|-)/.exec(text.slice(i + 1));
            if (dup) i += dup[0].length;
            else redirect = true;
        } else {
            word = (word ?? "") + c;
        }
    }
    endCommand();
    return commands;
}

/** A double-quoted body's expansions as HOLEs. */
function expand(body: string): string {
    return body.replace(/\$@/g, PASS).replace(/<[A-Za-z][\w .:/-]*>|\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*|\$[@*#?!$0-9]/g, HOLE);
}

const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "time", "exec", "!"]);

/** The tool invocations among a shell text's commands (substitutions included), with their argv. */
function invocations(text: string): { tool: Tool; words: string[] }[] {
    const lifted = liftSubstitutions(text);
    const found = lifted.inner.flatMap(invocations);
    for (const words of splitCommands(lifted.outer)) {
        let i = 0;
        while (i < words.length && (KEYWORDS.has(words[i]) || /^[A-Za-z_]\w*=/.test(words[i]))) i++;
        const head = words[i];
        if (head === undefined) continue;
        const wrapper = WRAPPERS[head];
        const rest = words.slice(i + 1);
        if (rest.some((w) => w.includes(PASS))) continue; // a wrapper's own body
        if ((TOOLS as readonly string[]).includes(head)) {
            found.push({ tool: head as Tool, words: rest });
        } else if (wrapper && rest.length > 0) {
            found.push({ tool: wrapper.tool, words: wrapper.regionArg ? ["--region", ...rest.slice(0, 1), ...rest.slice(1)] : rest });
        }
    }
    return found;
}

/** Words with their HOLEs filled: a whole-word placeholder by its flag's dummy, a partial one by `1`. */
function fill(words: readonly string[]): string[] {
    return words.map((w, i) => {
        if (w === HOLE || w === "...") return dummyFor(words[i - 1]?.startsWith("-") ? words[i - 1] : undefined);
        // "1" fits the shapes a partly filled word takes here: a name's part, a key, an integer field.
        return w.split(HOLE).join("1");
    });
}

/** The tool invocations in one shell text (a command a function builds), placeholders filled. */
export function parseCommands(text: string): { tool: Tool; argv: string[] }[] {
    return invocations(text).map(({ tool, words }) => ({ tool, argv: fill(words) }));
}

interface Snippet {
    readonly text: string;
    readonly line: number;
    readonly fragment: boolean;
}

const lineAt = (source: string, index: number): number => source.slice(0, index).split("\n").length;

/** A shell text's lines, continuations joined, comments dropped, each with the line it starts on. */
function shellLines(text: string, firstLine: number): Snippet[] {
    const out: Snippet[] = [];
    const lines = text.split("\n");
    let acc = "";
    let start = firstLine;
    let open = 0; // unbalanced $( and quotes carry a command over lines
    lines.forEach((raw, k) => {
        const line = stripComment(raw);
        if (acc === "") start = firstLine + k;
        acc += (acc === "" ? "" : "\n") + line.replace(/\\$/, "");
        open = unbalanced(acc);
        if (!line.endsWith("\\") && open === 0) {
            if (acc.trim() !== "") out.push({ text: acc, line: start, fragment: false });
            acc = "";
        }
    });
    if (acc.trim() !== "") out.push({ text: acc, line: start, fragment: false });
    return out;
}

/** How many `$(` and quotes are still open at the end of `text` (0 when it is complete). */
function unbalanced(text: string): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "\\") {
            i++;
            continue;
        }
        if (quote === "'") {
            if (c === "'") quote = undefined;
        } else if (c === "'" && quote === undefined) quote = "'";
        else if (c === '"') quote = quote === '"' ? undefined : '"';
        else if (c === "$" && text[i + 1] === "(") {
            depth++;
            i++;
        } else if (c === ")" && depth > 0) depth--;
    }
    return depth + (quote ? 1 : 0);
}

/** A shell line without its comment: `#` starting a word outside quotes. */
function stripComment(line: string): string {
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
            if (c === quote) quote = undefined;
        } else if (c === "'" || c === '"') quote = c;
        else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
    }
    return line;
}

const STARTS_WITH_TOOL = new RegExp(`^(?:[A-Z_]+=\\S+\\s+)*(?:${TOOLS.join("|")}|${Object.keys(WRAPPERS).join("|")})\\s`);

/** Markdown: ```sh/bash/shell and unlabelled blocks line by line; inline code that starts with a tool. */
function markdownSnippets(source: string): Snippet[] {
    const out: Snippet[] = [];
    let prose = source;
    for (const m of source.matchAll(/^([ \t]*)```(\w*)[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm)) {
        const [all, , lang, body] = m;
        prose = prose.slice(0, m.index) + all.replace(/[^\n]/g, " ") + prose.slice(m.index + all.length);
        if (["", "sh", "bash", "shell"].includes(lang)) {
            out.push(...shellLines(body, lineAt(source, m.index) + 1));
        }
    }
    for (const m of prose.matchAll(/`([^`]+)`/g)) {
        const code = m[1].replace(/\n\s*/g, " ");
        if (STARTS_WITH_TOOL.test(code)) out.push({ text: code, line: lineAt(source, m.index), fragment: true });
    }
    return out;
}

interface WorkflowStep {
    run?: string;
}

/** A workflow's `run:` blocks, each at the line its first line is on. */
function workflowSnippets(source: string): Snippet[] {
    const doc = parseYaml(source) as { jobs?: Record<string, { steps?: WorkflowStep[] }> };
    return Object.values(doc.jobs ?? {}).flatMap((job) =>
        (job.steps ?? []).flatMap((step) => {
            if (typeof step.run !== "string") return [];
            const first = step.run.split("\n")[0];
            return shellLines(step.run, lineAt(source, source.indexOf(first)));
        }),
    );
}

/**
 * TypeScript: inline code in comments (`` `aws ...` ``), escaped inline code inside template
 * messages (`` \`pulumi up --stack ${stack}\` ``) and whole double-quoted messages that are a
 * command. A template literal that builds a command piecewise (config/placeholders.ts) is checked
 * through its function, not here.
 */
function typescriptSnippets(source: string): Snippet[] {
    const out: Snippet[] = [];
    source.split("\n").forEach((line, k) => {
        const comment = /^\s*(\/\/|\*|\/\*\*)/.test(line);
        const spans = comment
            ? [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1])
            : [...line.matchAll(/\\`((?:[^`\\]|\\[^`])+)\\`/g), ...line.matchAll(/"([^"\\]+)"/g)].map((m) => m[1]);
        for (const span of spans) {
            const text = span.replace(/\$\{[^}]*\}/g, "$X");
            if (STARTS_WITH_TOOL.test(text)) out.push({ text, line: k + 1, fragment: true });
        }
    });
    return out;
}

function walk(dir: string, keep: (path: string) => boolean): string[] {
    return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: "utf8" })
        .map((f) => join(dir, f))
        .filter(keep)
        .sort();
}

/** The program's own TypeScript: not tests, benchmarks' fixtures or vendored code. */
const PROGRAM_DIRS = ["components", "config", "dashboards", "lib", "loadtest", "observability", "plan", "policies", "scripts", "smoke"];

/** Where the extractor reads, by kind; each file repository-relative. */
export function sources(): { markdown: string[]; workflows: string[]; shell: string[]; typescript: string[] } {
    return {
        markdown: ["README.md", ...walk("docs", (f) => f.endsWith(".md"))],
        workflows: walk(".github/workflows", (f) => f.endsWith(".yml")),
        shell: walk("scripts", (f) => f.endsWith(".sh")),
        typescript: ["index.ts", ...PROGRAM_DIRS.flatMap((d) => walk(d, (f) => f.endsWith(".ts")))],
    };
}

/** Every command line of `tools` in the repository, in file order. */
export function commandLines(): CommandLine[] {
    const s = sources();
    const read = (f: string) => readFileSync(join(REPO_ROOT, f), "utf8");
    const perFile: [string, Snippet[]][] = [
        ...s.markdown.map((f): [string, Snippet[]] => [f, markdownSnippets(read(f))]),
        ...s.workflows.map((f): [string, Snippet[]] => [f, workflowSnippets(read(f))]),
        ...s.shell.map((f): [string, Snippet[]] => [f, shellLines(read(f), 1)]),
        ...s.typescript.map((f): [string, Snippet[]] => [f, typescriptSnippets(read(f))]),
    ];
    return perFile.flatMap(([file, snippets]) =>
        snippets.flatMap((snippet) =>
            invocations(snippet.text).map(({ tool, words }) => ({
                tool,
                file: relative(REPO_ROOT, join(REPO_ROOT, file)),
                line: snippet.line,
                argv: fill(words),
                text: snippet.text.replace(/\s*\n\s*/g, " ").trim(),
                fragment: snippet.fragment,
            })),
        ),
    );
}

/** `npx tsx tests/support/command-lines.ts`: every command line found, one a line, with where it is. */
if (require.main === module) {
    for (const c of commandLines()) process.stdout.write(`${c.file}:${String(c.line)}\t${c.fragment ? "inline" : "block"}\t${[c.tool, ...c.argv].join(" ")}\n`);
}
