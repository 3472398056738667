/**
 * A stack file the Pulumi CLI could not read either is a config problem (exit 2 from npm run plan):
 * the file, line and column, no stack trace; so is a stack name too long to prefix its resources (issue 13).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backupPlanName, backupPlanProblems } from "../components/backup-plan";
import { MAX_BUCKET_PREFIX_LENGTH } from "../components/backup-storage";
import { ConfigError } from "../config";
import { isSecureNode } from "../config/secure-node";
import { databaseInstanceIdentifier, MAX_STACK_IDENTIFIER_LENGTH, qualifiedStackName, rdsInstanceIdentifierProblem, stackIdentifier, stackIdentifierProblem } from "../lib/stack-name";
import { REPO_ROOT, runPlan } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function refusal(text: string): Promise<string> {
    const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
    roots.push(root);
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
    writeFileSync(join(root, "Pulumi.s.yaml"), text);
    const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
}

const header = 'Invalid configuration for stack "s" (1 problem):\n  - ';
const expected = "expected a YAML mapping (spaces for indentation, each key once, at most 50 aliases)";

function aliasBomb(): string {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    return `config:\n  launchpad:tags:\n${lines.map((l) => `    ${l}`).join("\n")}\n`;
}

describe("a stack file that is not valid YAML", () => {
    it.each([
        { name: "tab indentation", text: "config:\n\taws:region: us-east-1\n", problem: `Pulumi.s.yaml line 2, column 1: received YAML that does not parse (Tabs are not allowed as indentation); ${expected}` },
        { name: "a duplicate key", text: "config:\n  aws:region: us-east-1\n  launchpad:tier: staging\n  launchpad:tier: production\n", problem: `Pulumi.s.yaml line 4, column 3: received YAML that does not parse (Map keys must be unique); ${expected}` },
        { name: "an unclosed flow sequence", text: "config:\n  aws:region: [us-east-1\n", problem: `Pulumi.s.yaml line 3, column 1: received YAML that does not parse (Flow sequence in block collection must be sufficiently indented and end with a ]); ${expected}` },
    ])("$name: one problem naming the file, line and column", async ({ text, problem }) => {
        expect(await refusal(text)).toBe(`${header}${problem}`);
    });

    it("an alias bomb: refused before it expands", async () => {
        expect(await refusal(aliasBomb())).toBe(`${header}Pulumi.s.yaml: received YAML that does not parse (Excessive alias count indicates a resource exhaustion attack); expected at most 50 aliases`);
    });
});

describe("a stack file whose shape the CLI would refuse (LoadProjectStackBytes unmarshals a map)", () => {
    it.each([
        { name: "config as a list", text: "config:\n  - aws:region\n", problem: "Pulumi.s.yaml config: received a list; expected a mapping of config keys to values" },
        { name: "config as a text", text: "config: us-east-1\n", problem: 'Pulumi.s.yaml config: received the text "us-east-1"; expected a mapping of config keys to values' },
        { name: "the file as a list", text: "- config\n", problem: "Pulumi.s.yaml: received a list; expected a mapping (a `config:` key holding the stack's settings)" },
    ])("$name: refused, not read as empty config", async ({ text, problem }) => {
        expect(await refusal(text)).toBe(`${header}${problem}`);
    });

    // gopkg.in/yaml.v3 v3.0.1 decode.go: `merge` fails "map merge requires map or sequence of maps as the value" for a
    // scalar, an alias of anything but a mapping, or a list item that is neither; `mapping` checks every key, `<<`
    // included, for uniqueness. The yaml package merged the second `<<` silently and threw a bare Error (exit 1) for the rest.
    const merge = 'expected a mapping, an alias of a mapping, or a list written in place of those (the Pulumi CLI\'s YAML reader refuses anything else)';
    it.each([
        { name: "an alias of a text", text: "x: &s hello\nconfig:\n  launchpad:tags:\n    <<: *s\n", problem: `Pulumi.s.yaml line 4, column 9: received a "<<" merge of an alias of a text; ${merge}` },
        { name: "nothing", text: "config:\n  launchpad:tags:\n    <<:\n    team: api\n", problem: `Pulumi.s.yaml line 3, column 8: received a "<<" merge of nothing; ${merge}` },
        { name: "a number in a list", text: "a: &a {team: api}\nconfig:\n  launchpad:tags:\n    <<: [*a, 3]\n", problem: `Pulumi.s.yaml line 4, column 14: received a "<<" merge of a number; ${merge}` },
        { name: "a list in a list", text: "a: &a {team: api}\nconfig:\n  launchpad:tags:\n    <<: [[*a]]\n", problem: `Pulumi.s.yaml line 4, column 10: received a "<<" merge of a list; ${merge}` },
        { name: "an alias of a list of mappings", text: "a: &a [{team: api}]\nconfig:\n  launchpad:tags:\n    <<: *a\n", problem: `Pulumi.s.yaml line 4, column 9: received a "<<" merge of an alias of a list; ${merge}` },
        { name: "a second `<<` in one mapping", text: "a: &a {team: api}\nb: &b {owner: me}\nconfig:\n  launchpad:tags:\n    <<: *a\n    <<: *b\n", problem: 'Pulumi.s.yaml line 6, column 5: received a second "<<" merge key in one mapping (the first at line 5, column 5); expected each key once, as the Pulumi CLI\'s YAML reader requires: merge several mappings with "<<: [*a, *b]"' },
    ])("a `<<` merge of $name: refused as the CLI's yaml.v3 refuses it, a config error with its line and column", async ({ text, problem }) => {
        expect(await refusal(text)).toBe(`${header}${problem}`);
    });

    it("merges a list of mappings in place, the earlier winning, and an explicit key over a merged one, as yaml.v3 does", () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        writeFileSync(join(root, "Pulumi.s.yaml"), "a: &a {team: one, owner: a}\nb: &b {team: two, tier: b}\nconfig:\n  launchpad:tags:\n    <<: [*a, *b]\n    owner: me\n    '<<': quoted\n");
        const sc = loadStackConfig({ root, stack: "s" });
        // A quoted '<<' is a plain key (yaml.v3 parser: a quoted scalar gets !!str, never !!merge).
        expect(sc.values["launchpad:tags"]).toEqual({ team: "one", owner: "me", tier: "b", "<<": "quoted" });
    });

    it("resolves a `<<` merge key as the CLI's yaml.v3 does, instead of keeping a literal `<<` key", () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        // A shared block of tags merged into launchpad:tags beside a key of its own.
        writeFileSync(join(root, "Pulumi.s.yaml"), "x-shared: &shared\n  cost-center: platform\nconfig:\n  launchpad:tags:\n    <<: *shared\n    team: api\n");
        const sc = loadStackConfig({ root, stack: "s" });
        expect(sc.values["launchpad:tags"]).toEqual({ "cost-center": "platform", team: "api" });
    });
});

describe("numbers in a stack file, read as the Pulumi CLI's yaml.v3 reads them", () => {
    // gopkg.in/yaml.v3 v3.0.1 resolve.go: every "_" dropped, then strconv.ParseInt(plain, 0, 64) (0x, 0o, 0b and a
    // leading-0 octal), then a YAML-style float; a quoted scalar is always text. The yaml package's YAML 1.2 core
    // schema read 017 as 17 and 1_000 as text: the plan showed another value than pulumi up deploys.
    const cases: [string, unknown][] = [
        ["017", 15], ["-017", -15], ["0o17", 15], ["0x1F", 31], ["0b101", 5], ["-0b11", -3], ["1_000", 1000], ["1_0.5", 10.5],
        ["08", 8], ["+12", 12], ["1e3", 1000], ["1.35", 1.35], ["0", 0],
        ["'017'", "017"], ["\"1_000\"", "1_000"], ["12abc", "12abc"], ["1.2.3", "1.2.3"], ["10:30", "10:30"], ["15 2 * * *", "15 2 * * *"],
    ];
    it("each value as yaml.v3 resolves it", () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        writeFileSync(join(root, "Pulumi.s.yaml"), `config:\n  launchpad:tags:\n${cases.map(([text], i) => `    k${i}: ${text}`).join("\n")}\n`);
        const read = loadStackConfig({ root, stack: "s" }).values["launchpad:tags"] as Record<string, unknown>;
        expect(cases.map(([text], i) => [text, read[`k${i}`]])).toEqual(cases);
    });

    it("reaches the config as yaml.v3 reads it: backup.weeklyDay 010 is 8, refused as no ISO weekday", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        const staging = readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8");
        writeFileSync(join(root, "Pulumi.s.yaml"), staging.replace(/^    weeklyDay: 7$/m, "    weeklyDay: 010"));
        const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toBe(`${header}launchpad:backup.weeklyDay: received 8; expected a number <= 7`);
    });
});

describe("!!binary values in a stack file, read as the Pulumi CLI's yaml.v3 reads them", () => {
    // gopkg.in/yaml.v3 v3.0.1 decode.go scalar(): base64.StdEncoding.DecodeString (which ignores \r and \n), the
    // bytes as a string; invalid base64 fails the file. The yaml package made a byte array of it, which config showed
    // as {"0":105,"1":110,...} and refused as "expected a string".
    it("each value as the CLI reads it", () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        writeFileSync(join(root, "Pulumi.s.yaml"), "config:\n  launchpad:tags:\n    a: !!binary aW5mbw==\n    b: !!binary |\n      aW5m\n      bw==\n    c: !!binary \"\"\n");
        expect(loadStackConfig({ root, stack: "s" }).values["launchpad:tags"]).toEqual({ a: "info", b: "info", c: "" });
    });

    it("invalid base64: exit 2, file, line and column, as the CLI refuses the file", async () => {
        expect(await refusal("config:\n  launchpad:tags:\n    a: !!binary aW5mbw=\n")).toBe(
            `${header}Pulumi.s.yaml line 3, column 8: received YAML that does not parse (!!binary value contains invalid base64 data); ${expected}`,
        );
    });
});

describe("the stack's name", () => {
    it("keeps the backup buckets' prefix limit as the one identifier limit", () => {
        expect(MAX_STACK_IDENTIFIER_LENGTH).toBe(MAX_BUCKET_PREFIX_LENGTH);
    });

    // The refusal names every way out: a prefix of its own, a shorter project name, a shorter stack name.
    const allowed = "expected 2 to 21 lower-case letters, digits and single '-', a letter first and no '-' last, as every resource's name starts with it: the backup buckets' names leave it 21 characters, the backup vaults' need 2 and the database's RDS identifier must start with a letter and hold no '--'";
    const ways = ": set a prefix of its own (`pulumi config set launchpad:namePrefix <prefix>`, before the stack's first deploy), or shorten the project's name (Pulumi.yaml name: \"launchpad\") or the stack's, to one of at most 11 characters (pulumi stack init)";
    it.each([
        ["staging-abc", undefined],
        ["staging-abcd", `launchpad:namePrefix: received none, so the resources' prefix is "<project>-<stack>", "launchpad-staging-abcd" (22 characters); ${allowed}${ways}`],
        ["staging-", `launchpad:namePrefix: received none, so the resources' prefix is "<project>-<stack>", "launchpad-staging-" (18 characters); ${allowed}${ways}`],
        ["Staging", `launchpad:namePrefix: received none, so the resources' prefix is "<project>-<stack>", "launchpad-Staging" (17 characters); ${allowed}${ways}`],
    ])("%s", (stack, problem) => {
        expect(stackIdentifierProblem("launchpad", stack)).toBe(problem);
    });

    // AWS Backup names the vaults after the identifier, and a vault name is 2 to 50 characters
    // (BackupVaultName `^[a-zA-Z0-9\-\_]{2,50}$`, awsdocs/aws-cloudformation-user-guide 0150740e
    // doc_source/aws-resource-backup-backupvault.md): before, a 1-character launchpad:namePrefix passed
    // config and the plan failed inside the BackupPlan component ("planName: received \"a\"").
    it.each([
        ["a", `launchpad:namePrefix: received "a" (1 characters); ${allowed}`],
        ["ab", undefined],
    ])("launchpad:namePrefix %s", (prefix, problem) => {
        expect(stackIdentifierProblem("launchpad", "staging", prefix)).toBe(problem);
        expect(backupPlanProblems({ planName: backupPlanName(stackIdentifier("launchpad", "staging", prefix)), region: "us-east-1", drRegion: "us-west-2" }).length > 0).toBe(problem !== undefined);
    });

    // Names RDS refuses (a letter first, no hyphen last, no two in a row: lib/stack-name.ts cites the
    // rule) are refused here; before, "stg-" passed and the plan failed inside the Database component.
    it.each([
        ["launchpad", "stg-", false],
        ["launchpad", "stg--eu", false],
        ["launchpad", "-stg", false],
        ["9lives", "stg", false],
        ["launchpad", "stg-eu1", true],
        ["launchpad", "s", true],
    ])("project %s, stack %s: accepted %s", (project, stack, ok) => {
        expect(stackIdentifierProblem(project, stack) === undefined).toBe(ok);
    });

    it("accepts only identifiers whose database name RDS accepts", () => {
        for (const stack of ["stg-", "stg--eu", "-stg", "staging", "a1-b2"]) {
            const accepted = stackIdentifierProblem("launchpad", stack) === undefined;
            expect([stack, accepted]).toEqual([stack, rdsInstanceIdentifierProblem(databaseInstanceIdentifier(stackIdentifier("launchpad", stack))) === undefined]);
        }
    });

    it("is refused as config before any resource exists, not deep inside a component", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        copyFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), join(root, "Pulumi.staging-eu-west.yaml"));
        const error: unknown = await runPlan({ stack: "staging-eu-west", root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([stackIdentifierProblem("launchpad", "staging-eu-west")]);
    });

    it("a 1-character launchpad:namePrefix is refused as config (exit 2 in the CLI), not by the BackupPlan component", async () => {
        const error: unknown = await runPlan({ stack: "staging", sets: ["launchpad:namePrefix=a"] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([stackIdentifierProblem("launchpad", "staging", "a")]);
    });
});

describe("the stack's full name, <organization>/<project>/<stack> (lib/stack-name.ts, its one spelling)", () => {
    it.each([
        ["staging", "organization/launchpad/staging"],
        ["other/staging", "organization/other/staging"],
        ["acme/other/staging", "acme/other/staging"],
    ])("%s -> %s", (name, full) => {
        expect(qualifiedStackName(name, "organization", "launchpad")).toBe(full);
    });

    it("is what production's references read: its own history and the promotion's source", async () => {
        const plan = await runPlan({ stack: "production" });
        const refs = plan.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").map((r) => [r.name, r.inputs.name]);
        expect(refs).toEqual([
            ["launchpad-production-history", "organization/launchpad/production"],
            ["launchpad-production-promotion-source", "organization/launchpad/staging"],
        ]);
    });
});

describe("secure values under keys that hold '.' or '[' (found by tests/input-fuzz.test.ts)", () => {
    it("marks the whole key secret, as the runtime does: the key's unknown-key problem shows [secret], not the offline stand-in", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-stack-file-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        writeFileSync(join(root, "Pulumi.s.yaml"), "config:\n  grafana:a[b]:\n    secure: v1:abc\n  launchpad:x.y:\n    secure: v1:abc\n");
        // Before: secretKeys held grafana:a and launchpad:x, keys the file does not have.
        expect([...loadStackConfig({ root, stack: "s" }).secretKeys].sort()).toEqual(["grafana:a[b]", "launchpad:x.y"]);
        const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
        expect((error as ConfigError).problems.slice(0, 2)).toEqual([
            "grafana:a[b]: received [secret]; expected no such key (allowed: grafana:url, grafana:auth): Launchpad's grafana provider is explicit and reads no other grafana:* key",
            expect.stringMatching(/^launchpad:x\.y: received \[secret\]; expected no such key \(allowed: launchpad:tier, /),
        ]);
    });
});

// One reading of a secure node for the offline plan, the per-leaf secret rules and pending-switches
// (config/secure-node.ts; pulumi/pulumi sdk/go/common/resource/config/object.go: {"secure": "ciphertext"}).
describe("isSecureNode: a map of the one key secure, holding text", () => {
    it.each([
        ["{ secure: <ciphertext> }", { secure: "v1:AAAA" }, true],
        ["another key beside it", { secure: "v1:AAAA", note: "x" }, false],
        ["a ciphertext that is not text", { secure: 1 }, false],
        ["a list", ["v1:AAAA"], false],
        ["text", "v1:AAAA", false],
        ["null", null, false],
    ] as const)("%s", (_, value, expected) => {
        expect(isSecureNode(value)).toBe(expected);
    });
});
