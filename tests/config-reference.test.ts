/**
 * The configuration reference, Pulumi.yaml's `config:` block and the schema they are generated from.
 *
 * The config schema (config/schema.ts and its domain files) holds every key's description and
 * defaults; Pulumi.yaml's `config:` block (type, description, default) and docs/configuration.md's table are
 * generated from it by scripts/config-reference.ts. These tests keep the three in step: pure, no
 * plan engine needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { backupSchema } from "../config/backup";
import { clusterSchema } from "../config/cluster";
import { databaseSchema } from "../config/database";
import { networkSchema } from "../config/network";
import { nodeGroupSchema } from "../config/node-group";
import { alertingSchema, observabilitySchema } from "../config/observability";
import { promotionSchema } from "../config/promotion";
import { LAUNCHPAD_KEYS, OBJECT_KEYS, rawConfigSchema, SECRET_PATHS } from "../config/schema";
import { tagsSchema } from "../config/tags";
import {
    END_MARKER,
    GENERATED_NOTE,
    RENAMED_CONFIG_BLOCK,
    START_MARKER,
    REFERENCE_FILE,
    configReferenceCli,
    escapeCell,
    pulumiTypeOf,
    readConfigBlock,
    readReferenceBlock,
    referenceRows,
    renderConfigBlock,
    renderConfigReference,
    replaceConfigBlock,
    replaceReferenceBlock,
} from "../scripts/config-reference";
import { PlanInputError, readProjectFile } from "../plan/stack-config";

const ROOT = path.resolve(__dirname, "..");
const PROJECT_YAML = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
const README = readFileSync(path.join(ROOT, REFERENCE_FILE), "utf8");

interface Declaration {
    type?: unknown;
    description?: unknown;
    default?: unknown;
}
const DECLARED = (parseYaml(PROJECT_YAML) as { config: Record<string, Declaration> }).config;

type Shape = typeof rawConfigSchema.shape;
const fullKey = (key: string): keyof Shape => `launchpad:${key}` as keyof Shape;
/** The keys Pulumi.yaml declares: all but those that may stay unset with no default (see renderConfigBlock). */
const DECLARED_KEYS = LAUNCHPAD_KEYS.filter((k) => { const r = rawConfigSchema.shape[fullKey(k)].safeParse(undefined); return !(r.success && r.data === undefined); });

/** A parsed value as plain data: fields holding `undefined` dropped, as YAML cannot hold them. */
function withoutUndefined(value: unknown): unknown {
    return JSON.parse(JSON.stringify(value)) as unknown;
}

/** What the program's schema yields for each object key's fields when the stack sets nothing. */
const FIELD_DEFAULTS: Record<string, () => unknown> = {
    network: () => networkSchema.parse({}),
    cluster: () => clusterSchema.parse({}),
    nodeGroup: () => nodeGroupSchema.parse({}),
    database: () => databaseSchema.parse({}),
    backup: () => backupSchema.parse({}),
    observability: () => observabilitySchema.parse({}),
    alerting: () => alertingSchema.parse({}),
    tags: () => tagsSchema.parse(undefined),
    promotion: () => promotionSchema.parse({}),
};

/** The one object key with no default: a stack must name its services. */
const REQUIRED_OBJECT_KEYS = ["services"];
const DEFAULTED_OBJECT_KEYS = [...OBJECT_KEYS].filter((k) => !REQUIRED_OBJECT_KEYS.includes(k));

/** The generated table's rows as cells, the key's code span unwrapped. */
function tableRows(markdown: string): { key: string; type: string; default: string; description: string }[] {
    return markdown
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) => {
            const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
            return { key: cells[0].replace(/^`|`$/g, ""), type: cells[1], default: cells[2], description: cells[3] };
        });
}

describe("docs/configuration.md configuration reference and Pulumi.yaml's config block", () => {
    it("are exactly what scripts/config-reference.ts renders from the schema (run `npm run docs:config` after editing a description or a default)", () => {
        expect(REFERENCE_FILE).toBe("docs/configuration.md");
        expect(readReferenceBlock(README)).toBe(renderConfigReference());
        expect(readConfigBlock(PROJECT_YAML)).toBe(renderConfigBlock());
    });

    it("has one row per key, aws:region first, with the type and default of config/schema.ts", () => {
        const rows = tableRows(renderConfigReference());
        // The provider keys first: aws:region, then the Grafana provider's url and auth (a secret).
        expect(rows.map((r) => r.key)).toEqual(["aws:region", "grafana:url", "grafana:auth", ...LAUNCHPAD_KEYS.map((k) => `launchpad:${k}`)]);
        expect(rows.map((r) => r.type)).toEqual(["string", "string", "string (secret)", ...LAUNCHPAD_KEYS.map((k) => `${pulumiTypeOf(rawConfigSchema.shape[fullKey(k)])}${(SECRET_PATHS as readonly string[]).includes(fullKey(k)) ? " (secret)" : ""}`)]);
        expect(rows.map((r) => r.type)).toEqual(["string", "string", "string (secret)", "string", "string", "string", "object", "object", "object", "object", "object", "object", "object", "object", "object", "string", "object", "string (secret)"]);
        expect(rows.filter((r) => r.default === "unset").map((r) => r.key)).toEqual(["grafana:url", "grafana:auth", "launchpad:namePrefix", "launchpad:releaseIdKey"]);
        expect(rows.filter((r) => r.default === "required").map((r) => r.key)).toEqual(["aws:region", "launchpad:tier", "launchpad:drRegion", "launchpad:services"]);
        const objectRows = rows.filter((r) => DEFAULTED_OBJECT_KEYS.includes(r.key.slice("launchpad:".length)));
        // Each default is one code span holding JSON (pipes escaped for the table).
        expect(objectRows.filter((r) => !/^`[^`]+`$/.test(r.default)).map((r) => r.key)).toEqual([]);
        expect(Object.fromEntries(objectRows.map((r) => [r.key, JSON.parse(r.default.slice(1, -1).replace(/\\\|/g, "|")) as unknown]))).toEqual(
            Object.fromEntries(DEFAULTED_OBJECT_KEYS.map((k) => [`launchpad:${k}`, withoutUndefined(FIELD_DEFAULTS[k]())])),
        );
        expect(rows.every((r) => r.description.length > 0)).toBe(true);
    });
});

describe("Pulumi.yaml declarations", () => {
    it("declare exactly the launchpad keys of config/schema.ts, in its order, and no provider key", () => {
        expect(Object.keys(DECLARED)).toEqual(DECLARED_KEYS.map((k) => `launchpad:${k}`));
        expect(LAUNCHPAD_KEYS).toEqual(["tier", "drRegion", "namePrefix", "network", "cluster", "nodeGroup", "database", "backup", "observability", "alerting", "tags", "services", "activeColor", "promotion", "releaseIdKey"]);
    });

    it("leave out the optional keys without a default: the CLI would require a declared one of every stack (pulumi/pulumi pkg/workspace/config.go mergeConfig)", () => {
        expect(LAUNCHPAD_KEYS.filter((k) => !DECLARED_KEYS.includes(k))).toEqual(["namePrefix", "releaseIdKey"]);
        expect(rawConfigSchema.shape["launchpad:releaseIdKey"].safeParse(undefined)).toEqual({ success: true, data: undefined });
        expect(rawConfigSchema.shape["launchpad:namePrefix"].safeParse(undefined)).toEqual({ success: true, data: undefined });
    });

    it("give every key the type its schema parses and a description", () => {
        const byKey = <T>(f: (key: string) => T): Record<string, T> => Object.fromEntries(DECLARED_KEYS.map((k) => [k, f(k)]));
        expect(byKey((k) => DECLARED[`launchpad:${k}`].type)).toEqual(byKey((k) => pulumiTypeOf(rawConfigSchema.shape[fullKey(k)])));
        // A description a reader can act on: a sentence, not a placeholder.
        const described = (d: Declaration): boolean => typeof d.description === "string" && d.description.trim().length > 20;
        expect(byKey((k) => described(DECLARED[`launchpad:${k}`]))).toEqual(byKey(() => true));
    });

    it("declare `type: object` for exactly the keys the runtime decodes from JSON (OBJECT_KEYS)", () => {
        const objects = Object.entries(DECLARED).filter(([, d]) => d.type === "object").map(([k]) => k.slice("launchpad:".length));
        expect(objects).toEqual(["network", "cluster", "nodeGroup", "database", "backup", "observability", "alerting", "tags", "services", "promotion"]);
        expect([...OBJECT_KEYS].sort()).toEqual([...objects].sort());
    });

    it("give a default to exactly the keys the schema accepts as absent", () => {
        const withDefault = DECLARED_KEYS.filter((k) => "default" in DECLARED[`launchpad:${k}`]);
        const optionalInSchema = DECLARED_KEYS.filter((k) => rawConfigSchema.shape[fullKey(k)].safeParse(undefined).success);
        expect(withDefault).toEqual(optionalInSchema);
        expect(withDefault).toEqual(["network", "cluster", "nodeGroup", "database", "backup", "observability", "alerting", "tags", "activeColor", "promotion"]);
    });

    it("has the object defaults the field defaults of config/schema.ts yield for an absent value", () => {
        expect(Object.keys(FIELD_DEFAULTS).sort()).toEqual([...DEFAULTED_OBJECT_KEYS].sort());
        const byKey = <T>(f: (key: string) => T): Record<string, T> => Object.fromEntries(DEFAULTED_OBJECT_KEYS.map((k) => [k, f(k)]));
        const declared = byKey((k) => DECLARED[`launchpad:${k}`].default);
        expect(declared).toEqual(byKey((k) => withoutUndefined(FIELD_DEFAULTS[k]())));
        // The program's own default for an absent key, and the declared default read back, agree too.
        expect(declared).toEqual(byKey((k) => withoutUndefined(rawConfigSchema.shape[fullKey(k)].parse(undefined))));
        expect(byKey((k) => withoutUndefined(rawConfigSchema.shape[fullKey(k)].parse(declared[k])))).toEqual(declared);
    });

    it("spell those defaults out (a change here is a change to every stack that leaves a field unset)", () => {
        expect(DECLARED["launchpad:network"].default).toEqual({ cidr: "10.0.0.0/16", azCount: 2 });
        expect(DECLARED["launchpad:cluster"].default).toEqual({
            version: "1.36",
            endpointAccess: "private",
            endpointPublicAccessCidrs: [],
            access: [],
            logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        });
        expect(DECLARED["launchpad:nodeGroup"].default).toEqual({ instanceTypes: ["t3.large"], minSize: 2, maxSize: 4, diskSizeGb: 50, capacityType: "ON_DEMAND" });
        expect(DECLARED["launchpad:database"].default).toEqual({
            engine: "mysql",
            instanceClass: "db.t4g.medium",
            allocatedStorageGb: 50,
            maxAllocatedStorageGb: 200,
            name: "app",
            username: "launchpad_admin",
            appUsername: "launchpad_app",
            backupWindow: "03:00-03:30",
            maintenanceWindow: "sun:04:00-sun:05:00",
            criticalTables: [],
        });
        expect(DECLARED["launchpad:backup"].default).toEqual({ objectLockDays: 30, dumpSchedule: "15 2 * * *", verifySchedule: "45 4 * * *", weeklyDay: 7 });
        expect(DECLARED["launchpad:observability"].default).toEqual({
            metrics: {
                requestsTotal: "http_requests_total",
                requestDurationSeconds: "http_request_duration_seconds",
                dbConnectionErrorsTotal: "db_connection_errors_total",
                requestsInFlight: "http_requests_in_flight",
                dbPoolConnectionsInUse: "db_pool_connections_in_use",
                dbPoolConnectionsMax: "db_pool_connections_max",
                queueDepth: "queue_depth",
                statusLabel: "code",
                routeLabel: "route",
                serviceLabel: "service",
                colorLabel: "color",
            },
            thresholds: { errorRatio: 0.01, latencyP95Seconds: 0.5, freeStoragePercent: 10, backupMaxAge: "26h", restoreMaxDuration: "1h", rpoTarget: "15m", sloObjective: 0.999, sloWindow: "30d", minRequestRate: 1, gateVerdictMaxAge: "24h" },
        });
        expect(DECLARED["launchpad:alerting"].default).toEqual({ emailAddresses: [] });
        expect(DECLARED["launchpad:tags"].default).toEqual({});
    });
});

describe("renderConfigReference and renderConfigBlock", () => {
    // A schema of its own: a provider key after a project key (the reference lists providers first),
    // a pipe, angle brackets and an ampersand to escape, a list default, a secret and an unset key.
    const SAMPLE: Record<string, z.ZodType> = {
        "launchpad:size": z.int().default(3).meta({ description: "Nodes, 1|2 or <n>; see `a|b` & more." }),
        "demo:zone": z.string().meta({ description: "The provider's zone." }),
        "launchpad:zones": z.array(z.string()).default(["a", "b|c"]).meta({ description: "Zones to use." }),
        "launchpad:token": z.string().meta({ description: "API token." }),
        "launchpad:limits": z.strictObject({ cpu: z.string().default("1"), burst: z.boolean().optional() }).default({ cpu: "1" }).meta({ description: "Limits." }),
        "launchpad:note": z.string().default("x").meta({ description: `${"A long description that wraps ".repeat(5)}onto a second line.` }),
        // Optional with no default: in the reference, never in Pulumi.yaml (the CLI would require it of every stack).
        "launchpad:maybe": z.string().optional().meta({ description: "May stay unset." }),
    };
    const rows = referenceRows(SAMPLE, ["launchpad:token"]);

    it("renders the note, the header and each key with its full name, type, default and escaped description, providers first", () => {
        expect(renderConfigReference(rows).split("\n")).toEqual([
            GENERATED_NOTE,
            "",
            "| Key | Type | Default | Description |",
            "| --- | --- | --- | --- |",
            "| `demo:zone` | string | required | The provider's zone. |",
            "| `launchpad:size` | integer | `3` | Nodes, 1\\|2 or &lt;n&gt;; see `a\\|b` &amp; more. |",
            "| `launchpad:zones` | array | `[\"a\",\"b\\|c\"]` | Zones to use. |",
            "| `launchpad:token` | string (secret) | required | API token. |",
            "| `launchpad:limits` | object | `{\"cpu\":\"1\"}` | Limits. |",
            `| \`launchpad:note\` | string | \`"x"\` | ${"A long description that wraps ".repeat(5)}onto a second line. |`,
            "| `launchpad:maybe` | string | unset | May stay unset. |",
        ]);
    });

    it("renders Pulumi.yaml's config block: the project's keys only, folded descriptions, defaults as YAML that reads back the same", () => {
        const block = renderConfigBlock(rows);
        expect(block.split("\n")).toEqual([
            "config:",
            "  launchpad:size:",
            "    type: integer",
            "    description: >-",
            "      Nodes, 1|2 or <n>; see `a|b` & more.",
            "    default: 3",
            "  launchpad:zones:",
            "    type: array",
            "    description: >-",
            "      Zones to use.",
            "    default: [a, b|c]",
            "  launchpad:token:",
            "    type: string",
            "    secret: true",
            "    description: >-",
            "      API token.",
            "  launchpad:limits:",
            "    type: object",
            "    description: >-",
            "      Limits.",
            "    default:",
            "      cpu: \"1\"",
            "  launchpad:note:",
            "    type: string",
            "    description: >-",
            // Wrapped at 100 columns: the first line is 98 long, " long" would take it to 103.
            `      ${"A long description that wraps ".repeat(3)}A`,
            `      long description that wraps ${"A long description that wraps ".repeat(1)}onto a second line.`,
            "    default: x",
        ]);
        expect(block.split("\n").filter((l) => l.length > 100)).toEqual([]);
        const read = (parseYaml(block) as { config: Record<string, Declaration> }).config;
        expect(Object.fromEntries(Object.entries(read).map(([k, d]) => [k, [d.description, d.default]]))).toEqual(
            Object.fromEntries(rows.filter((r) => r.key.startsWith("launchpad:") && r.key !== "launchpad:maybe").map((r) => [r.key, [r.description, r.default]])),
        );
    });

    it("keeps code spans as written apart from escaped pipes", () => {
        expect(escapeCell("use `<project>-<stack>` or <x>")).toBe("use `<project>-<stack>` or &lt;x&gt;");
    });

    it("reports every undocumented key at once", () => {
        const bad: Record<string, z.ZodType> = { "demo:a": z.int(), "demo:b": z.string().meta({ description: " " }), "demo:c": z.string().meta({ description: "C." }) };
        expect(() => referenceRows(bad)).toThrow(
            "config schema: cannot document the config (2 problems):\n" +
                "  - demo:a: received no description; expected one in the schema: .meta({ description: \"...\" })\n" +
                "  - demo:b: received no description; expected one in the schema: .meta({ description: \"...\" })",
        );
    });
});

describe("Pulumi.yaml config block", () => {
    const yaml = "name: demo\n# a comment before\nconfig:\n  demo:a:\n    type: string\n# a comment after\nruntime: nodejs\n";

    it("reads and replaces only the lines from `config:` to the next top-level line (or the end)", () => {
        expect(readConfigBlock(yaml)).toBe("config:\n  demo:a:\n    type: string");
        expect(replaceConfigBlock(yaml, "config:\n  demo:b: {}")).toBe("name: demo\n# a comment before\nconfig:\n  demo:b: {}\n# a comment after\nruntime: nodejs\n");
        expect(readConfigBlock("name: demo\nconfig:\n  demo:a: {}\n")).toBe("config:\n  demo:a: {}");
        expect(replaceConfigBlock("name: demo\nconfig:\n  demo:a: {}\n", "config: {}")).toBe("name: demo\nconfig: {}\n");
    });

    it("refuses a Pulumi.yaml without one", () => {
        expect(() => readConfigBlock("name: demo\n")).toThrow("Pulumi.yaml: cannot find the `config:` block: expected a line `config:`");
    });
});

describe("README block markers", () => {
    const readme = `# Title\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nAfter.\n`;

    it("reads the text between the markers and replaces only it", () => {
        expect(readReferenceBlock(readme)).toBe("old table");
        expect(replaceReferenceBlock(readme, "new\ntable")).toBe(`# Title\n\n${START_MARKER}\nnew\ntable\n${END_MARKER}\n\nAfter.\n`);
    });

    it("refuses a README with a missing, repeated or reversed marker", () => {
        expect(() => readReferenceBlock("# Title\n")).toThrow(
            `docs/configuration.md: cannot find the configuration reference: expected the line ${START_MARKER} exactly once, found it 0 times; expected the line ${END_MARKER} exactly once, found it 0 times`,
        );
        expect(() => readReferenceBlock(`${END_MARKER}\n${START_MARKER}\n`)).toThrow(`expected ${START_MARKER} before ${END_MARKER}`);
        expect(() => readReferenceBlock(`${START_MARKER}\n${START_MARKER}\n${END_MARKER}\n`)).toThrow(`expected the line ${START_MARKER} exactly once, found it 2 times`);
    });
});

describe("config-reference command", () => {
    const dirs: string[] = [];
    afterEach(() => {
        for (const d of dirs.splice(0)) {
            rmSync(d, { recursive: true, force: true });
        }
    });
    function project(readme: string): string {
        const dir = mkdtempSync(path.join(tmpdir(), "launchpad-config-reference-"));
        dirs.push(dir);
        writeFileSync(path.join(dir, "Pulumi.yaml"), PROJECT_YAML);
        mkdirSync(path.join(dir, "docs"));
        writeFileSync(path.join(dir, REFERENCE_FILE), readme);
        return dir;
    }

    /** `--check`'s answer when one file's generated part is stale at a line. */
    function staleCheck(file: string, what: string, line: number, written: string, generated: string): { code: number; stdout: string; stderr: string } {
        const label = `${file}: `;
        return {
            code: 1,
            stdout: "",
            stderr:
                `${file}: ${what} is stale (it does not match the config schema).\n` +
                `Run \`npm run docs:config\` and commit ${file}.\n` +
                `first difference at line ${line} of the block:\n` +
                `  ${label}${written}\n` +
                `  ${"schema: ".padEnd(label.length)}${generated}\n`,
        };
    }

    it("--check passes on the repository's Pulumi.yaml and README", () => {
        expect(configReferenceCli(["--check"], ROOT)).toEqual({
            code: 0,
            stdout: "Pulumi.yaml: the config block matches the config schema\ndocs/configuration.md: the configuration reference matches the config schema\n",
            stderr: "",
        });
    });

    it("--check exits 1 on a stale README, says how to fix it and where it differs; --write fixes it", () => {
        const dir = project(`# Launchpad\n\n${START_MARKER}\n${GENERATED_NOTE}\n\nstale\n${END_MARKER}\n`);
        expect(configReferenceCli(["--check"], dir)).toEqual(staleCheck("docs/configuration.md", "the configuration reference", 3, "stale", "| Key | Type | Default | Description |"));

        expect(configReferenceCli(["--write"], dir)).toEqual({
            code: 0,
            stdout: "Pulumi.yaml: the config block is already up to date\ndocs/configuration.md: the configuration reference was regenerated from the config schema\n",
            stderr: "",
        });
        expect(readFileSync(path.join(dir, REFERENCE_FILE), "utf8")).toBe(`# Launchpad\n\n${START_MARKER}\n${renderConfigReference()}\n${END_MARKER}\n`);
        expect(configReferenceCli(["--check"], dir).code).toBe(0);
        expect(configReferenceCli(["--write"], dir).stdout).toBe("Pulumi.yaml: the config block is already up to date\ndocs/configuration.md: the configuration reference is already up to date\n");
    });

    it("--check exits 1 on a stale Pulumi.yaml config block; --write regenerates the block and keeps the rest of the file", () => {
        const dir = project(README);
        const edited = PROJECT_YAML.replace("    type: object\n", "    type: string\n");
        writeFileSync(path.join(dir, "Pulumi.yaml"), edited);
        const line = readConfigBlock(PROJECT_YAML).split("\n").indexOf("    type: object") + 1;
        expect(configReferenceCli(["--check"], dir)).toEqual(staleCheck("Pulumi.yaml", "the config block", line, "    type: string", "    type: object"));
        expect(configReferenceCli(["--write"], dir).stdout).toBe("Pulumi.yaml: the config block was regenerated from the config schema\ndocs/configuration.md: the configuration reference is already up to date\n");
        expect(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toBe(PROJECT_YAML);
    });

    it("exits 1 without markers, and on conflicting or unknown flags", () => {
        const dir = project("# No markers\n");
        expect(configReferenceCli(["--check"], dir)).toEqual({
            code: 1,
            stdout: "",
            stderr: `error: docs/configuration.md: cannot find the configuration reference: expected the line ${START_MARKER} exactly once, found it 0 times; expected the line ${END_MARKER} exactly once, found it 0 times\n`,
        });
        expect(configReferenceCli(["--write", "--check"], dir).code).toBe(1);
        expect(configReferenceCli(["--fix"], dir).code).toBe(1);
    });

    it("prints the block without flags", () => {
        expect(configReferenceCli([], ROOT)).toEqual({ code: 0, stdout: `${renderConfigReference()}\n`, stderr: "" });
    });
    // Pulumi lets Pulumi.yaml declare types and defaults for the project's own namespace only
    // (pulumi/pulumi sdk/go/common/workspace/project.go Project.Validate, configKeyIsNamespacedByProject).
    it("a renamed project: the committed block is refused as the CLI refuses it; --write empties it, and the project file then loads", () => {
        const dir = project(README);
        writeFileSync(path.join(dir, "Pulumi.yaml"), PROJECT_YAML.replace(/^name: launchpad$/m, "name: payments-api"));
        expect(() => readProjectFile(dir)).toThrow(PlanInputError);
        expect(() => readProjectFile(dir)).toThrow(
            /^Pulumi\.yaml: Configuration key 'launchpad:[A-Za-z]+' is not namespaced by the project and should not define a type \(the Pulumi CLI refuses the project file: pulumi\/pulumi sdk\/go\/common\/workspace\/project\.go Project\.Validate\); the project is named "payments-api", .* run `npm run docs:config`/,
        );
        expect(configReferenceCli(["--check"], dir).code).toBe(1);
        expect(configReferenceCli(["--write"], dir).stdout).toBe("Pulumi.yaml: the config block was regenerated from the config schema\ndocs/configuration.md: the configuration reference is already up to date\n");
        const written = readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
        expect(readConfigBlock(written)).toBe(RENAMED_CONFIG_BLOCK);
        expect(parseYaml(written)).toMatchObject({ name: "payments-api", config: null });
        expect(readProjectFile(dir)).toEqual({ name: "payments-api", config: {} });
        expect(configReferenceCli(["--check"], dir).code).toBe(0);
        // The repository's own name keeps the declarations.
        expect(renderConfigBlock(referenceRows(), "launchpad")).toBe(readConfigBlock(PROJECT_YAML));
    });
});
