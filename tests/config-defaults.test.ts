/**
 * Defaults written once (issue 16): a key's description (`.meta({ description })`, which generates
 * Pulumi.yaml's `config:` block and docs/configuration.md) states its fields' defaults in prose, beside
 * the `.default(...)` the schema applies. These tests read every default the schema applies, through
 * wrappers, nested objects, map values (`services.<name>`) and list items, and require the prose to
 * state that very value, so a default changed in one place and not the other fails here. Defaults
 * held elsewhere (the EKS and RDS calendars' defaults, the tier table, the runbook URL) are written
 * into the prose from their constants, which a test checks too; and where a schema field's TSDoc
 * also names its `@default`, that tag says what its `.default(...)` holds.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { DEFAULT_ENGINE_VERSIONS } from "../config/database";
import { DEFAULT_RUNBOOK_BASE_URL } from "../config/observability";
import { DEFAULT_PROMOTION_SOURCE } from "../config/promotion";
import { rawConfigSchema } from "../config/schema";
import { safetyFor } from "../config/tier";
import { DEFAULT_KUBERNETES_VERSION } from "../lib/versions";

type Def = { type?: string; innerType?: Node; in?: Node; valueType?: Node; element?: Node; shape?: Record<string, Node> };
type Node = { _zod?: { def?: Def }; safeParse: (v: unknown) => { success: boolean; data?: unknown } };

/** The schema under `.optional()`, `.default()` and pipes. */
function unwrap(n: Node | undefined): Node | undefined {
    const def = n?._zod?.def;
    const inner = def?.innerType ?? (def?.type === "pipe" ? def.in : undefined);
    return inner !== undefined ? unwrap(inner) : n;
}

/** Every field default the schema applies below `node`: path and value. */
function fieldDefaults(node: Node | undefined, path: string): [string, unknown][] {
    const def = unwrap(node)?._zod?.def;
    if (def?.type === "record") {
        return fieldDefaults(def.valueType, `${path}.<name>`);
    }
    if (def?.type === "array") {
        return fieldDefaults(def.element, `${path}[]`);
    }
    if (def?.type !== "object") {
        return [];
    }
    return Object.entries(def.shape ?? {}).flatMap(([field, schema]): [string, unknown][] => {
        const absent = schema.safeParse(undefined);
        const own: [string, unknown][] = absent.success && absent.data !== undefined && (typeof absent.data !== "object" || Array.isArray(absent.data))
            ? [[`${path}.${field}`, absent.data]]
            : [];
        return [...own, ...fieldDefaults(schema, `${path}.${field}`)];
    });
}

function descriptionOf(key: string): string {
    const schema = (rawConfigSchema.shape as Record<string, Node>)[key];
    const meta = (unwrap(schema) as unknown as { meta(): { description?: string } | undefined }).meta();
    return meta?.description ?? "";
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The ways the prose writes a value: as JSON, or bare (10.0.0.0/16, 50, 250m); a list as JSON with spaces too. */
function spellings(value: unknown): string[] {
    return Array.isArray(value)
        ? [JSON.stringify(value), `[${value.map((v) => JSON.stringify(v)).join(", ")}]`]
        : [...new Set([JSON.stringify(value), String(value)])];
}

/** The prose states `value` as a default: `(default <value>`, `default ... <value>` within one clause, or `<value> (default)`. */
function statesDefault(description: string, value: unknown): boolean {
    return spellings(value).some((s) => {
        const v = `(?<![\\w.])${escape(s)}(?![\\w.])`;
        return new RegExp(`default[^;)]*?${v}|${v}\\s*\\(default\\)`).test(description);
    });
}

/** Defaults the prose says in words; each says what the words mean, checked against the schema's value. */
const IN_WORDS: Readonly<Record<string, { words: string; means: (value: unknown) => boolean }>> = {
    "launchpad:cluster.logTypes": { words: "logTypes: control-plane logs (default all five)", means: (v) => Array.isArray(v) && v.length === 5 },
    "launchpad:cluster.provides.defaultStorageClass": { words: "(default nothing)", means: (v) => v === false },
    "launchpad:cluster.provides.metricsApi": { words: "(default nothing)", means: (v) => v === false },
    "launchpad:cluster.provides.containerMetrics": { words: "(default nothing)", means: (v) => v === false },
    "launchpad:database.criticalTables": { words: "criticalTables, the tables restore checks require rows in (default none", means: (v) => Array.isArray(v) && v.length === 0 },
    "launchpad:alerting.emailAddresses": { words: "(default none)", means: (v) => Array.isArray(v) && v.length === 0 },
};

describe("defaults written once: each key's description states the defaults its schema applies", () => {
    const rows = Object.keys(rawConfigSchema.shape).flatMap((key) =>
        fieldDefaults((rawConfigSchema.shape as Record<string, Node>)[key], key).map(([path, value]) => ({ key, path, value })));

    it("finds the defaults it checks, nested ones included", () => {
        expect(rows.length).toBeGreaterThan(60);
        expect(rows).toEqual(expect.arrayContaining([
            { key: "launchpad:cluster", path: "launchpad:cluster.version", value: DEFAULT_KUBERNETES_VERSION },
            { key: "launchpad:services", path: "launchpad:services.<name>.expose.ingress.scheme", value: "internet-facing" },
            { key: "launchpad:observability", path: "launchpad:observability.thresholds.sloObjective", value: 0.999 },
        ]));
    });

    it("states each value the schema applies, or says it in words that mean that value", () => {
        const wrong = rows.flatMap(({ key, path, value }) => {
            const description = descriptionOf(key);
            const inWords = IN_WORDS[path];
            if (inWords !== undefined) {
                return description.includes(inWords.words) && inWords.means(value) ? [] : [`${path}: the schema applies ${JSON.stringify(value)}; the description says ${JSON.stringify(inWords.words)}`];
            }
            return statesDefault(description, value) ? [] : [`${path}: the schema applies ${JSON.stringify(value)}, which ${key}'s description does not state as its default`];
        });
        expect(wrong).toEqual([]);
    });

    it("catches a stated default that differs from the schema's", () => {
        expect(statesDefault("azCount: 2..6 (default 2); natGateways", 2)).toBe(true);
        expect(statesDefault("azCount: 2..6 (default 3); natGateways", 2)).toBe(false);
        expect(statesDefault('version (default "1.35"); endpointAccess', "1.36")).toBe(false);
        expect(statesDefault('type "ClusterIP" (default) or "LoadBalancer"', "ClusterIP")).toBe(true);
        expect(statesDefault('type "ClusterIP" or "LoadBalancer" (default)', "ClusterIP")).toBe(false);
    });

    it("writes the defaults held outside the schema from their constants: the calendars, the tier table, the runbook URL, the promotion source", () => {
        expect(descriptionOf("launchpad:cluster")).toContain(`(default ${JSON.stringify(DEFAULT_KUBERNETES_VERSION)})`);
        expect(descriptionOf("launchpad:database")).toContain(`default ${JSON.stringify(DEFAULT_ENGINE_VERSIONS.mysql)} for mysql, ${JSON.stringify(DEFAULT_ENGINE_VERSIONS.postgres)} for postgres`);
        const [stg, prod] = [safetyFor("staging"), safetyFor("production")];
        expect(descriptionOf("launchpad:services")).toContain(`production at least ${prod.minReplicas})`);
        expect(descriptionOf("launchpad:services")).toContain(
            `(default ${stg.smokeDefaults.p95Ms}/${stg.smokeDefaults.p99Ms}/${stg.smokeDefaults.errorRate} in staging, ${prod.smokeDefaults.p95Ms}/${prod.smokeDefaults.p99Ms}/${prod.smokeDefaults.errorRate} in production`);
        expect(descriptionOf("launchpad:observability")).toContain(`window (default the tier's: production ${JSON.stringify(prod.analysisWindow)}, staging ${JSON.stringify(stg.analysisWindow)})`);
        expect(descriptionOf("launchpad:observability")).toContain(`(default ${JSON.stringify(DEFAULT_RUNBOOK_BASE_URL)})`);
        expect(descriptionOf("launchpad:promotion")).toContain(`(default ${JSON.stringify(DEFAULT_PROMOTION_SOURCE)} in production, none in staging`);
    });
});

describe("a schema field's TSDoc @default and its .default(...) agree", () => {
    /** Each field of config/ with both: the tag's text and the literal the code passes. */
    function tagged(): { where: string; tag: string; code: string }[] {
        const dir = path.resolve(__dirname, "..", "config");
        const out: { where: string; tag: string; code: string }[] = [];
        for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) {
            const sf = ts.createSourceFile(file, readFileSync(path.join(dir, file), "utf8"), ts.ScriptTarget.Latest, true);
            const visit = (n: ts.Node): void => {
                if (ts.isPropertyAssignment(n)) {
                    const code = /\.default\(([^()]*)\)\s*$/.exec(n.initializer.getText())?.[1];
                    const tag = ts.getJSDocTags(n).find((t) => t.tagName.text === "default");
                    if (code !== undefined && tag !== undefined) {
                        out.push({ where: `config/${file} ${n.name.getText()}`, tag: ts.getTextOfJSDocComment(tag.comment) ?? "", code });
                    }
                }
                ts.forEachChild(n, visit);
            };
            visit(sf);
        }
        return out;
    }

    it("finds the fields that carry both", () => {
        expect(tagged().map((t) => t.where)).toEqual(expect.arrayContaining(["config/observability.ts minRequests", "config/promotion.ts historyLength", "config/services.ts scheme"]));
    });

    it("has each tag that names a value (not the `@default - <what happens>` form) name the very value the code applies", () => {
        expect(tagged().filter((t) => !t.tag.startsWith("- ") && t.tag.trim() !== t.code.trim()).map((t) => `${t.where}: @default ${t.tag} but .default(${t.code})`)).toEqual([]);
    });
});

describe("the topic docs and runbooks quote a default only as the schema applies it", () => {
    // Issue 16 found defaults written three times (schema, Pulumi.yaml, README). Pulumi.yaml and
    // docs/configuration.md are generated now, but the README's prose moved into docs/ and its quoted
    // defaults with it: the runbooks an on-call engineer reads quote the alert thresholds. Each quote of
    // a key's default (`` `key` (default V) ``, `` `key`, default `V` ``) must be the schema's value.
    const DOCS = path.resolve(__dirname, "..", "docs");
    const pages = [
        ...readdirSync(DOCS).filter((f) => f.endsWith(".md") && f !== "configuration.md").map((f) => `docs/${f}`),
        ...readdirSync(path.join(DOCS, "runbooks")).filter((f) => f.endsWith(".md")).map((f) => `docs/runbooks/${f}`),
    ].sort();
    const rows = Object.keys(rawConfigSchema.shape).flatMap((key) => fieldDefaults((rawConfigSchema.shape as Record<string, Node>)[key], key));
    const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    /** Defaults held outside the schema (the descriptions write them from these constants too). */
    const OUTSIDE: readonly [string, unknown][] = [
        ["launchpad:promotion.fromStack", DEFAULT_PROMOTION_SOURCE],
        ["launchpad:observability.runbookBaseUrl", DEFAULT_RUNBOOK_BASE_URL],
    ];

    /** A key as the docs write it (`thresholds.rpoTarget`, `launchpad:backup.weeklyDay`): the one schema path it ends. */
    function resolve(key: string): [string, unknown][] {
        return [...rows, ...OUTSIDE].filter(([p]) => p === key || p.endsWith(`.${key}`) || p.endsWith(`:${key}`));
    }

    /** The values a quote may mean: as written, without spaces (`24 h`), a number with its unit (`10%`, `0.5 s`), a weekday. */
    function readings(quoted: string): string[] {
        const text = quoted.replace(/`/g, "").trim();
        const out = [text, text.replace(/\s+/g, "")];
        const n = /^(-?\d+(?:\.\d+)?)\s*(%|s|requests?\/s)?$/.exec(text);
        if (n !== null) {
            out.push(String(Number(n[1])));
            if (n[2] === "%") {
                out.push(String(Number(n[1]) / 100));
            }
        }
        const day = WEEKDAYS.indexOf(text.toLowerCase());
        if (day >= 0) {
            out.push(String(day + 1));
        }
        // A daily CronJob schedule said as its time: `02:15 UTC` is "15 2 * * *".
        const time = /^(\d{2}):(\d{2}) UTC$/.exec(text);
        if (time !== null) {
            out.push(`${Number(time[2])} ${Number(time[1])} * * *`);
        }
        // The runbook links' base said in words: the repository's docs/runbooks under the example organization.
        const words = /^this repository's docs\/runbooks on GitHub under the example organization (\w+)$/.exec(text);
        if (words !== null) {
            out.push(`https://github.com/${words[1]}/launchpad/blob/main/docs/runbooks`);
        }
        return out;
    }

    /** Every `` `key` ... default V `` in a page, whitespace folded (a quote may wrap). */
    function quotes(text: string): { key: string; quoted: string }[] {
        const folded = text.replace(/\s+/g, " ");
        return [...folded.matchAll(/`([A-Za-z][\w:]*(?:\.[A-Za-z]\w*)*)`(?: [a-z]+){0,4}(?: \(|\(|, )default:? (\d{2}:\d{2} UTC|`[^`]+`|[^,;:)]+)/g)]
            .map((m) => ({ key: m[1], quoted: m[2] }));
    }

    /** Problems of one page: a quote that differs from the schema, or a dotted key with no schema default. */
    function problems(page: string, text: string): string[] {
        return quotes(text).flatMap(({ key, quoted }) => {
            if (!key.includes(".")) {
                // An undotted word (`method`, `name`) may be a smoke check's or the runner's own field.
                return [];
            }
            const found = resolve(key);
            if (found.length !== 1) {
                return [`${page}: \`${key}\` (default ${quoted}): ${found.length} schema defaults at a path ending in ${key}`];
            }
            const [[where, value]] = found;
            return readings(quoted).some((r) => spellings(value).includes(r))
                ? []
                : [`${page}: \`${key}\` (default ${quoted}), but the schema applies ${JSON.stringify(value)} at ${where}`];
        });
    }

    it("finds the quotes it checks, in the runbooks too", () => {
        const found = pages.flatMap((p) => quotes(readFileSync(path.resolve(__dirname, "..", p), "utf8")).filter((q) => q.key.includes(".")).map((q) => `${p} ${q.key}`));
        expect(found.length).toBeGreaterThanOrEqual(20);
        expect(found).toEqual(expect.arrayContaining([
            "docs/runbooks/alerts.md thresholds.errorRatio",
            "docs/runbooks/alerts.md thresholds.rpoTarget",
            "docs/data-protection.md launchpad:backup.weeklyDay",
            "docs/delivery.md launchpad:promotion.historyLength",
            "docs/observability.md observability.metrics.serviceLabel",
            "docs/runbooks/README.md launchpad:backup.dumpSchedule",
        ]));
    });

    it("each quote is the value the schema applies", () => {
        expect(pages.flatMap((p) => problems(p, readFileSync(path.resolve(__dirname, "..", p), "utf8")))).toEqual([]);
    });

    it("catches a quote that drifted (the check itself)", () => {
        expect(problems("x.md", "more than `thresholds.errorRatio` (default 1%) of")).toEqual([]);
        expect(problems("x.md", "more than `thresholds.errorRatio` (default 2%) of")).toEqual(["x.md: `thresholds.errorRatio` (default 2%), but the schema applies 0.01 at launchpad:observability.thresholds.errorRatio"]);
        expect(problems("x.md", "on `launchpad:backup.weeklyDay` (default Monday)")).toHaveLength(1);
        expect(problems("x.md", "the last `launchpad:promotion.historyLength`\n(default 12) releases")).toHaveLength(1);
        expect(problems("x.md", "than `thresholds.backupMaxAge` (default 26 h)")).toEqual([]);
        expect(problems("x.md", "`thresholds.noSuchThing` (default 3)")).toHaveLength(1);
        expect(problems("x.md", "(`launchpad:backup.dumpSchedule`, default 02:15 UTC)")).toEqual([]);
        expect(problems("x.md", "(`launchpad:backup.dumpSchedule`, default 03:15 UTC)")).toHaveLength(1);
    });

    it("quotes the calendars' defaults from their constants", () => {
        const read = (p: string): string => readFileSync(path.join(DOCS, p), "utf8").replace(/\s+/g, " ");
        expect(read("architecture.md")).toContain(`The version (default \`${DEFAULT_KUBERNETES_VERSION}\`)`);
        expect(read("architecture.md")).toContain(`(MySQL ${DEFAULT_ENGINE_VERSIONS.mysql}, PostgreSQL ${DEFAULT_ENGINE_VERSIONS.postgres} by default)`);
        expect(read("data-protection.md")).toContain(`MySQL (default \`${DEFAULT_ENGINE_VERSIONS.mysql}\`) or PostgreSQL (default \`${DEFAULT_ENGINE_VERSIONS.postgres}\`)`);
    });
});

/** A tier table cell as docs/configuration.md writes the value: `code` for names and durations, smoke thresholds in words. */
function tierCell(value: unknown): string {
    if (value === undefined) {
        return "none";
    }
    if (Array.isArray(value)) {
        return value.map(tierCell).join(", ");
    }
    if (typeof value === "string") {
        return `\`${value}\``;
    }
    if (typeof value === "object" && value !== null) {
        const words: Record<string, (v: number) => string> = { p95Ms: (v) => `p95 ${v} ms`, p99Ms: (v) => `p99 ${v} ms`, errorRate: (v) => `errors ${v * 100}%` };
        return Object.entries(value as Record<string, number>).map(([k, v]) => words[k](v)).join(", ");
    }
    if (typeof value === "boolean" || typeof value === "number") {
        return String(value);
    }
    throw new RangeError(`a tier value the table cannot show: ${typeof value}`);
}

describe("docs/configuration.md's tier table is the Safety record of config/tier.ts", () => {
    const doc = readFileSync(path.resolve(__dirname, "..", "docs/configuration.md"), "utf8");
    const table = doc.slice(doc.indexOf("## How the tier decides production safety"), doc.indexOf("## Configuration reference"));
    // Field -> [staging cell, production cell], from rows such as "| `protect` (Pulumi) | false | true | ... |".
    const rows = new Map(table.split("\n").filter((l) => l.startsWith("| `")).map((l) => {
        const cells = l.split("|").slice(1, -1).map((c) => c.trim());
        return [/^`(\w+)`/.exec(cells[0])?.[1] ?? cells[0], [cells[1], cells[2]]] as const;
    }));
    const staging = safetyFor("staging");
    const production = safetyFor("production");

    it("has one row per field (a field added to the tier and not to the page fails here), and none other", () => {
        expect([...rows.keys()].sort()).toEqual(Object.keys(staging).sort());
    });

    it.each(Object.keys(staging) as (keyof typeof staging)[])("%s: the staging and production cells are the tier's values", (field) => {
        expect(rows.get(field)).toEqual([tierCell(staging[field]), tierCell(production[field])]);
    });
});
