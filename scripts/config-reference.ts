/**
 * The `config:` block of Pulumi.yaml and the configuration reference, both generated from the zod
 * schema (`config/schema.ts` and the domain files it assembles): each key's description is its
 * schema's `.meta({ description })`, its default what the schema yields for an absent key, so the
 * three cannot drift.
 *
 *     npm run docs:config                          rewrite both (--write)
 *     tsx scripts/config-reference.ts --check      exit 1 when either is stale
 *     tsx scripts/config-reference.ts              print the reference block
 *
 * Pulumi.yaml's other content (name, runtime, description, comments) stays hand-written: only the
 * lines from `config:` to the next top-level line are generated. The reference is every key (type,
 * default, description), provider keys (`aws:region`, `grafana:*`) first, between
 * `<!-- config-reference:start -->` and `<!-- config-reference:end -->` in `REFERENCE_FILE`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Document, isSeq, visit } from "yaml";
import { z } from "zod";
import { SECRET_PATHS, rawConfigSchema } from "../config/schema";
import { REPO_ROOT } from "../plan/root";
import { failed, parseFlags, runMain, type CliResult } from "./cli";

/** The file holding the generated configuration reference, relative to the repository root. */
export const REFERENCE_FILE = "docs/configuration.md";
const PROJECT_FILE = "Pulumi.yaml";

export const START_MARKER = "<!-- config-reference:start -->";
export const END_MARKER = "<!-- config-reference:end -->";

/** First line of the block: tells a reader where the table comes from. */
export const GENERATED_NOTE = "<!-- Generated from the config schema (config/) by `npm run docs:config`. Edit the schema's descriptions and defaults, not this table. -->";

/**
 * The config namespace of Launchpad's keys, which Pulumi.yaml may declare only while the project has
 * its name; the other namespaces are providers'.
 */
const PROJECT = "launchpad";

/**
 * Pulumi.yaml's `config:` block once the project is renamed: empty. The CLI lets a project file
 * declare types and defaults for the project's own namespace only (pulumi/pulumi
 * sdk/go/common/workspace/project.go Project.Validate), and the keys stay `launchpad:` ones (the
 * program reads that namespace whatever the project's name). Nothing is lost: the program applies
 * the same defaults (config/schema.ts), and docs/configuration.md keeps the reference.
 */
export const RENAMED_CONFIG_BLOCK = [
    "config:",
    "  # Empty: the project is no longer named launchpad, and Pulumi lets Pulumi.yaml declare the types and",
    "  # defaults of the project's own namespace only; the keys stay launchpad:* keys, the program applies",
    "  # the same defaults, and docs/configuration.md lists them (npm run docs:config writes this block).",
].join("\n");

/** The `name` of the Pulumi.yaml text. */
function projectNameOf(projectYaml: string): string {
    return /^name:[ \t]*["']?([^"'\s#]+)/m.exec(projectYaml)?.[1] ?? PROJECT;
}

export interface ReferenceRow {
    /** Full key: `launchpad:network`, `aws:region`. */
    readonly key: string;
    /** The Pulumi.yaml type: string, integer, number, boolean, array or object. */
    readonly type: string;
    /** True when the schema accepts the key absent; otherwise the stack must set it. */
    readonly hasDefault: boolean;
    /** What the schema yields for an absent key, as plain data; undefined: the key stays unset. */
    readonly default?: unknown;
    readonly description: string;
    readonly secret: boolean;
}

type Node = { readonly def: { readonly type: string; readonly innerType?: Node; readonly format?: string } };

/** The schema under `.default()` and `.optional()`. */
function unwrapped(schema: Node): Node {
    let node = schema;
    while ((node.def.type === "default" || node.def.type === "optional") && node.def.innerType !== undefined) {
        node = node.def.innerType;
    }
    return node;
}

/** The description of a key's schema: on the key's own schema or one it wraps. */
export function descriptionOf(schema: z.ZodType): string | undefined {
    let node: Node | undefined = schema;
    while (node !== undefined) {
        const description = z.globalRegistry.get(node as unknown as z.ZodType)?.description;
        if (description !== undefined) {
            return description;
        }
        node = node.def.innerType;
    }
    return undefined;
}

/** The Pulumi.yaml type of a zod schema: wrappers (default, optional) peeled, objects and records as `object`. */
export function pulumiTypeOf(schema: z.ZodType): string {
    const def = unwrapped(schema).def;
    switch (def.type) {
        case "string":
        case "enum":
            return "string";
        case "number":
            return def.format === "safeint" ? "integer" : "number";
        case "object":
        case "record":
            return "object";
        default:
            return def.type;
    }
}

/** A parsed value as plain data: fields holding `undefined` dropped, as YAML cannot hold them. */
function plain(value: unknown): unknown {
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * The rows of the reference from a schema's keys: provider keys first, then the project's, each in
 * schema order. Throws one error listing every key without a description.
 */
export function referenceRows(shape: Readonly<Record<string, z.ZodType>> = rawConfigSchema.shape, secretPaths: readonly string[] = SECRET_PATHS): ReferenceRow[] {
    const problems: string[] = [];
    const rows = Object.entries(shape).map(([key, schema]): ReferenceRow => {
        const description = descriptionOf(schema);
        if (description === undefined || description.trim() === "") {
            problems.push(`${key}: received no description; expected one in the schema: .meta({ description: "..." })`);
        }
        const absent = schema.safeParse(undefined);
        return {
            key,
            type: pulumiTypeOf(schema),
            hasDefault: absent.success,
            default: absent.success ? plain(absent.data) : undefined,
            description: description ?? "",
            secret: secretPaths.includes(key),
        };
    });
    if (problems.length > 0) {
        throw new Error(`config schema: cannot document the config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    const isProject = (r: ReferenceRow): boolean => r.key.startsWith(`${PROJECT}:`);
    return [...rows.filter((r) => !isProject(r)), ...rows.filter(isProject)];
}

/** A code span holding `text`, with pipes escaped so the table keeps its columns. */
function code(text: string): string {
    const fence = text.includes("`") ? "``" : "`";
    const pad = fence.length > 1 ? " " : "";
    return `${fence}${pad}${text.replace(/\|/g, "\\|")}${pad}${fence}`;
}

/**
 * Prose for one table cell: one line, pipes escaped, and `<`, `>`, `&` as entities so text such as
 * `<project>-<stack>` is shown rather than taken for HTML. Code spans are kept as written.
 */
export function escapeCell(text: string): string {
    const oneLine = text.replace(/\s+/g, " ").trim();
    return oneLine
        .split(/(`+[^`]*?`+)/)
        .map((part, i) =>
            i % 2 === 1
                ? part.replace(/\|/g, "\\|")
                : part.replace(/\\/g, "\\\\").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|"),
        )
        .join("");
}

function row(r: ReferenceRow): string {
    const type = r.secret ? `${r.type} (secret)` : r.type;
    // A key that may stay unset has no value to show: "unset".
    const def = r.hasDefault ? (r.default === undefined ? "unset" : code(JSON.stringify(r.default) ?? "null")) : "required";
    return `| ${code(r.key)} | ${type} | ${def} | ${escapeCell(r.description)} |`;
}

/** The Markdown block (generated note and table) for these rows; no trailing newline. */
export function renderConfigReference(rows: readonly ReferenceRow[] = referenceRows()): string {
    return [GENERATED_NOTE, "", "| Key | Type | Default | Description |", "| --- | --- | --- | --- |", ...rows.map(row)].join("\n");
}

/** Width Pulumi.yaml's folded descriptions wrap at. */
const YAML_WIDTH = 100;

/** A description as a folded (`>-`) block scalar: words wrapped, read back as the same one-line text. */
function foldedLines(text: string, indent: string): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
        if (line !== "" && indent.length + line.length + 1 + word.length > YAML_WIDTH) {
            lines.push(`${indent}${line}`);
            line = word;
        } else {
            line = line === "" ? word : `${line} ${word}`;
        }
    }
    lines.push(`${indent}${line}`);
    return lines;
}

/** A default as YAML under `default:`: mappings in block style, sequences in flow style. */
function defaultLines(value: unknown, indent: string): string[] {
    const doc = new Document(value);
    visit(doc, { Seq: (_, node) => void (isSeq(node) && (node.flow = true)) });
    const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n$/, "");
    if (!text.includes("\n") && (typeof value !== "object" || value === null || Object.keys(value).length === 0 || Array.isArray(value))) {
        return [`${indent}default: ${text}`];
    }
    return [`${indent}default:`, ...text.split("\n").map((l) => `${indent}  ${l}`)];
}

/**
 * Pulumi.yaml's `config:` block for these rows: the project's keys only (providers declare their
 * own), and not a key that may stay unset with no default (`launchpad:releaseIdKey`): the CLI makes
 * every declared project key without a value or default required of every stack
 * (pulumi/pulumi pkg/workspace/config.go mergeConfig, "is missing configuration value").
 */
export function renderConfigBlock(rows: readonly ReferenceRow[] = referenceRows(), project: string = PROJECT): string {
    if (project !== PROJECT) {
        return RENAMED_CONFIG_BLOCK;
    }
    const lines = ["config:"];
    for (const r of rows.filter((x) => x.key.startsWith(`${PROJECT}:`) && !(x.hasDefault && x.default === undefined))) {
        lines.push(`  ${r.key}:`, `    type: ${r.type}`);
        if (r.secret) {
            lines.push("    secret: true");
        }
        lines.push("    description: >-", ...foldedLines(r.description, "      "));
        if (r.hasDefault && r.default !== undefined) {
            lines.push(...defaultLines(r.default, "    "));
        }
    }
    return lines.join("\n");
}

/** Where Pulumi.yaml's `config:` block starts and ends (the next top-level line, or the end). */
function configBlockPositions(projectYaml: string): { start: number; end: number } {
    const start = /^config:[ \t]*$/m.exec(projectYaml);
    if (start === null) {
        throw new Error(`${PROJECT_FILE}: cannot find the \`config:\` block: expected a line \`config:\``);
    }
    const after = start.index + start[0].length;
    const next = /\n(?=[^\s])/.exec(projectYaml.slice(after));
    return { start: start.index, end: next === null ? projectYaml.replace(/\n*$/, "").length : after + next.index };
}

/** Pulumi.yaml's `config:` block as written, without a trailing newline. */
export function readConfigBlock(projectYaml: string): string {
    const { start, end } = configBlockPositions(projectYaml);
    return projectYaml.slice(start, end);
}

/** Pulumi.yaml with its `config:` block replaced by `block`. */
export function replaceConfigBlock(projectYaml: string, block: string): string {
    const { start, end } = configBlockPositions(projectYaml);
    return `${projectYaml.slice(0, start)}${block}${projectYaml.slice(end)}`;
}

function markerPositions(readme: string): { start: number; end: number } {
    const count = (m: string): number => readme.split(m).length - 1;
    const problems: string[] = [];
    for (const m of [START_MARKER, END_MARKER]) {
        if (count(m) !== 1) {
            problems.push(`expected the line ${m} exactly once, found it ${count(m)} times`);
        }
    }
    const start = readme.indexOf(START_MARKER);
    const end = readme.indexOf(END_MARKER);
    if (problems.length === 0 && end < start) {
        problems.push(`expected ${START_MARKER} before ${END_MARKER}`);
    }
    if (problems.length > 0) {
        throw new Error(`${REFERENCE_FILE}: cannot find the configuration reference: ${problems.join("; ")}`);
    }
    return { start: start + START_MARKER.length, end };
}

/** The text between the markers, without the newline after the start marker and before the end marker. */
export function readReferenceBlock(readme: string): string {
    const { start, end } = markerPositions(readme);
    return readme.slice(start, end).replace(/^\n/, "").replace(/\n$/, "");
}

/** Reference file text with the block between the markers replaced by `block`. */
export function replaceReferenceBlock(readme: string, block: string): string {
    const { start, end } = markerPositions(readme);
    return `${readme.slice(0, start)}\n${block}\n${readme.slice(end)}`;
}

/** First line where two texts differ, for the `--check` message. */
function firstDifference(file: string, actual: string, expected: string): string {
    const a = actual.split("\n");
    const e = expected.split("\n");
    for (let i = 0; i < Math.max(a.length, e.length); i++) {
        if (a[i] !== e[i]) {
            const show = (line: string | undefined): string => line ?? "(no line)";
            return `first difference at line ${i + 1} of the block:\n  ${file}: ${show(a[i])}\n  schema:${" ".repeat(Math.max(1, file.length - 5))}${show(e[i])}`;
        }
    }
    return "";
}

const USAGE = "usage: tsx scripts/config-reference.ts [--write | --check]";

export type { CliResult };

/** One generated part of a file: what it is, how to read it, how to replace it. */
interface Target {
    readonly file: string;
    readonly what: string;
    readonly generated: string;
    readonly read: (text: string) => string;
    readonly replace: (text: string, block: string) => string;
}

/** The whole command as a function of its arguments and the project directory, so tests run it in-process. */
export function configReferenceCli(argv: readonly string[], root: string = REPO_ROOT, rows?: readonly ReferenceRow[]): CliResult {
    const parsed = parseFlags(argv, {
        write: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const args = parsed.flags;
    if (args.write && args.check) {
        // `npm run docs:config -- --check` lands here: the script already passes --write.
        return failed(1, `--write and --check exclude each other (npm run docs:config is --write; to check: npx tsx scripts/config-reference.ts --check)\n${USAGE}\n`);
    }
    try {
        const schemaRows = rows ?? referenceRows();
        const reference = renderConfigReference(schemaRows);
        if (!args.write && !args.check) {
            return { code: 0, stdout: `${reference}\n`, stderr: "" };
        }
        const targets: Target[] = [
            {
                file: PROJECT_FILE,
                what: "the config block",
                generated: renderConfigBlock(schemaRows, projectNameOf(readFileSync(path.join(root, PROJECT_FILE), "utf8"))),
                read: readConfigBlock,
                replace: replaceConfigBlock,
            },
            { file: REFERENCE_FILE, what: "the configuration reference", generated: reference, read: readReferenceBlock, replace: replaceReferenceBlock },
        ];
        let stdout = "";
        let stderr = "";
        for (const t of targets) {
            const full = path.join(root, t.file);
            const text = readFileSync(full, "utf8");
            const current = t.read(text);
            if (args.check) {
                if (current === t.generated) {
                    stdout += `${t.file}: ${t.what} matches the config schema\n`;
                } else {
                    stderr +=
                        `${t.file}: ${t.what} is stale (it does not match the config schema).\n` +
                        `Run \`npm run docs:config\` and commit ${t.file}.\n` +
                        `${firstDifference(t.file, current, t.generated)}\n`;
                }
            } else if (current === t.generated) {
                stdout += `${t.file}: ${t.what} is already up to date\n`;
            } else {
                writeFileSync(full, t.replace(text, t.generated));
                stdout += `${t.file}: ${t.what} was regenerated from the config schema\n`;
            }
        }
        return { code: stderr === "" ? 0 : 1, stdout: stderr === "" ? stdout : "", stderr };
    } catch (e) {
        return failed(1, `error: ${(e as Error).message}\n`);
    }
}

if (require.main === module) {
    runMain((argv) => configReferenceCli(argv));
}
