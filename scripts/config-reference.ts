/**
 * The README's configuration reference, generated from Pulumi.yaml so the two cannot drift.
 *
 *     npm run docs:config                          rewrite the block in README.md (--write)
 *     tsx scripts/config-reference.ts --check      exit 1 when README.md's block is stale
 *     tsx scripts/config-reference.ts              print the block
 *
 * The block is every `config:` key of Pulumi.yaml (key, type, default, description) plus the
 * provider keys Launchpad reads but Pulumi.yaml does not declare (`aws:region`). It sits between
 * `<!-- config-reference:start -->` and `<!-- config-reference:end -->` in README.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { failed, parseFlags, runMain, type CliResult } from "./cli";

export const START_MARKER = "<!-- config-reference:start -->";
export const END_MARKER = "<!-- config-reference:end -->";

/** First line of the block: tells a reader where the table comes from. */
export const GENERATED_NOTE = "<!-- Generated from Pulumi.yaml by `npm run docs:config`. Edit Pulumi.yaml, not this table. -->";

/** Types a Pulumi.yaml config declaration may carry. */
const PULUMI_TYPES = ["string", "integer", "boolean", "array", "object"] as const;

export interface ReferenceRow {
    /** Full key: `launchpad:network`, `aws:region`. */
    readonly key: string;
    /** The declared type; arrays as `array<item type>`. */
    readonly type: string;
    /** True when the declaration has a `default`; otherwise the stack must set the key. */
    readonly hasDefault: boolean;
    readonly default?: unknown;
    readonly description: string;
    readonly secret: boolean;
}

/** Keys Launchpad reads from a provider's namespace: Pulumi.yaml declares only the project's own. */
export const PROVIDER_ROWS: readonly ReferenceRow[] = [
    {
        key: "aws:region",
        type: "string",
        hasDefault: false,
        description:
            "The AWS provider's own key, so not declared in Pulumi.yaml; set per stack (`pulumi config set aws:region us-east-1`). " +
            "Region of every AWS resource of the stack, through the stack's explicit AWS provider. Must differ from launchpad:drRegion.",
        secret: false,
    },
    {
        key: "grafana:url",
        type: "string",
        hasDefault: true,
        description:
            "The Grafana provider's own key. The Grafana server (Amazon Managed Grafana or any Grafana 11+) that receives the stack's folder, " +
            "data sources, dashboards, alert rules, contact points, notification policy and mute timing. Unset: no Grafana resources.",
        secret: false,
    },
    {
        key: "grafana:auth",
        type: "string",
        hasDefault: true,
        description:
            "The Grafana provider's own key: an API token or service-account token (`pulumi config set --secret grafana:auth <token>`). " +
            "Required when grafana:url is set, unless GRAFANA_AUTH is in the environment of the Pulumi run (the provider reads it then).",
        secret: true,
    },
];

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The rows of the reference: provider keys first, then Pulumi.yaml's `config:` keys in file order.
 * Throws one error listing every declaration that lacks a known `type` or a `description`.
 */
export function referenceRows(projectYamlText: string): ReferenceRow[] {
    const doc = parseYaml(projectYamlText) as unknown;
    if (!isRecord(doc) || typeof doc.name !== "string") {
        throw new Error("Pulumi.yaml: expected a mapping with a `name`");
    }
    const config = doc.config ?? {};
    if (!isRecord(config)) {
        throw new Error(`Pulumi.yaml: expected \`config\` to be a mapping, received ${JSON.stringify(config)}`);
    }
    const problems: string[] = [];
    const rows: ReferenceRow[] = [];
    for (const [rawKey, decl] of Object.entries(config)) {
        // Project keys may be written without their namespace.
        const key = rawKey.includes(":") ? rawKey : `${doc.name}:${rawKey}`;
        if (!isRecord(decl)) {
            problems.push(`${key}: received a bare value ${JSON.stringify(decl)}; expected a declaration with \`type\` and \`description\``);
            continue;
        }
        const type = decl.type;
        if (typeof type !== "string" || !(PULUMI_TYPES as readonly string[]).includes(type)) {
            problems.push(`${key}.type: received ${JSON.stringify(type)}; expected one of ${PULUMI_TYPES.join(", ")}`);
        }
        const description = decl.description;
        if (typeof description !== "string" || description.trim() === "") {
            problems.push(`${key}.description: received ${JSON.stringify(description)}; expected a non-empty string`);
        }
        const items = isRecord(decl.items) && typeof decl.items.type === "string" ? decl.items.type : undefined;
        rows.push({
            key,
            type: type === "array" && items !== undefined ? `array<${items}>` : String(type),
            hasDefault: "default" in decl,
            default: decl.default,
            description: typeof description === "string" ? description : "",
            secret: decl.secret === true,
        });
    }
    if (problems.length > 0) {
        throw new Error(`Pulumi.yaml: cannot document the config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return [...PROVIDER_ROWS, ...rows];
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
    // A provider key that may stay unset has no value to show: "unset".
    const def = r.hasDefault ? (r.default === undefined ? "unset" : code(JSON.stringify(r.default) ?? "null")) : "required";
    return `| ${code(r.key)} | ${type} | ${def} | ${escapeCell(r.description)} |`;
}

/** The Markdown block (generated note and table) for a Pulumi.yaml; no trailing newline. */
export function renderConfigReference(projectYamlText: string): string {
    return [
        GENERATED_NOTE,
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
        ...referenceRows(projectYamlText).map(row),
    ].join("\n");
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
        throw new Error(`README.md: cannot find the configuration reference: ${problems.join("; ")}`);
    }
    return { start: start + START_MARKER.length, end };
}

/** The text between the markers, without the newline after the start marker and before the end marker. */
export function readReferenceBlock(readme: string): string {
    const { start, end } = markerPositions(readme);
    return readme.slice(start, end).replace(/^\n/, "").replace(/\n$/, "");
}

/** README text with the block between the markers replaced by `block`. */
export function replaceReferenceBlock(readme: string, block: string): string {
    const { start, end } = markerPositions(readme);
    return `${readme.slice(0, start)}\n${block}\n${readme.slice(end)}`;
}

/** First line where two texts differ, for the `--check` message. */
function firstDifference(actual: string, expected: string): string {
    const a = actual.split("\n");
    const e = expected.split("\n");
    for (let i = 0; i < Math.max(a.length, e.length); i++) {
        if (a[i] !== e[i]) {
            const show = (line: string | undefined): string => line ?? "(no line)";
            return `first difference at line ${i + 1} of the block:\n  README.md:   ${show(a[i])}\n  Pulumi.yaml: ${show(e[i])}`;
        }
    }
    return "";
}

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The file that holds the reference, relative to the project directory. */
export const REFERENCE_DOC = path.join("docs", "configuration.md");

const USAGE = "usage: tsx scripts/config-reference.ts [--write | --check]";

export type { CliResult };

/** The whole command as a function of its arguments and the project directory, so tests run it in-process. */
export function configReferenceCli(argv: readonly string[], root: string = REPO_ROOT): CliResult {
    const parsed = parseFlags(argv, {
        write: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
    }, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    const args = parsed.flags;
    if (args.write && args.check) {
        return failed(1, `--write and --check exclude each other\n${USAGE}\n`);
    }
    const readmePath = path.join(root, REFERENCE_DOC);
    try {
        const block = renderConfigReference(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
        if (!args.write && !args.check) {
            return { code: 0, stdout: `${block}\n`, stderr: "" };
        }
        const readme = readFileSync(readmePath, "utf8");
        const current = readReferenceBlock(readme);
        if (args.check) {
            return current === block
                ? { code: 0, stdout: "README.md: the configuration reference matches Pulumi.yaml\n", stderr: "" }
                : {
                      code: 1,
                      stdout: "",
                      stderr:
                          "README.md: the configuration reference is stale (it does not match Pulumi.yaml).\n" +
                          "Run `npm run docs:config` and commit README.md.\n" +
                          `${firstDifference(current, block)}\n`,
                  };
        }
        if (current === block) {
            return { code: 0, stdout: "README.md: the configuration reference is already up to date\n", stderr: "" };
        }
        writeFileSync(readmePath, replaceReferenceBlock(readme, block));
        return { code: 0, stdout: "README.md: the configuration reference was regenerated from Pulumi.yaml\n", stderr: "" };
    } catch (e) {
        return failed(1, `error: ${(e as Error).message}\n`);
    }
}

if (require.main === module) {
    runMain((argv) => configReferenceCli(argv));
}
