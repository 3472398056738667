/**
 * Issue 13, class 3: a saved plan edited by hand into something npm run plan never writes fails
 * `npm run policy` with a clear message and exit 1, no stack trace, and is never judged: wrong
 * types, deep nesting, not JSON, duplicate resources, a parent not in the plan, and a `stack`
 * field rewritten to pick another stack's rules (the URNs name the stack the plan was made for).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planCli } from "../scripts/plan";
import { MAX_PLAN_DEPTH, policyCli } from "../scripts/policy";

interface Doc { stack: string; resources: Record<string, unknown>[] }

const dir = mkdtempSync(join(tmpdir(), "launchpad-plan-doc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let base: Doc;
beforeAll(async () => {
    const r = await planCli(["--stack", "staging", "--json"]);
    if (r.code !== 0) throw new Error(`the staging plan failed (exit ${r.code}): ${r.stderr}`);
    base = JSON.parse(r.stdout) as Doc;
});

let n = 0;
async function policyOfText(text: string): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
    const file = join(dir, `plan-${n++}.json`);
    writeFileSync(file, text);
    return { ...(await policyCli(["--plan", file, "--stack", "staging"])), file };
}
async function policyOf(edit: (doc: Doc) => void): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
    const doc = structuredClone(base);
    edit(doc);
    return policyOfText(JSON.stringify(doc));
}
const deep = (levels: number): unknown => {
    let v: unknown = "x";
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
};
const dbIndex = (doc: Doc) => doc.resources.findIndex((r) => r.type === "aws:rds/instance:Instance");

describe("npm run policy refuses a malformed saved plan: exit 1, the problems, no trace, no verdict", () => {
    it.each([
        ["inputs a string", (d: Doc) => { d.resources[dbIndex(d)].inputs = "publiclyAccessible"; }, (i: number) => [`resources[${i}].inputs: received "publiclyAccessible"; expected an object`]],
        ["protect a string", (d: Doc) => { d.resources[dbIndex(d)].protect = "true"; }, (i: number) => [`resources[${i}].protect: received "true"; expected true or false`]],
        ["dependencies not a list", (d: Doc) => { d.resources[dbIndex(d)].dependencies = "urn:x"; }, (i: number) => [`resources[${i}].dependencies: received "urn:x"; expected a list of URNs`]],
        ["options.ignoreChanges not a list", (d: Doc) => { d.resources[dbIndex(d)].options = { ignoreChanges: "password" }; }, (i: number) => [`resources[${i}].options: received {"ignoreChanges":"password"}; expected an object of resource options (ignoreChanges: a list of strings, deleteBeforeReplace: true or false, customTimeouts: strings)`]],
        ["a URN for another name (a violation would name the wrong resource)", (d: Doc) => { d.resources[dbIndex(d)].name = "renamed"; }, (i: number) => [`resources[${i}].urn: received "urn:pulumi:staging::launchpad::launchpad:environment:Environment$launchpad:database:Database$aws:rds/instance:Instance::launchpad-staging-database-instance"; expected urn:pulumi:staging::<project>::<parent types$>aws:rds/instance:Instance::renamed (the stack, type and name of this document)`]],
        ["a parent that is not in the plan (the stack policies would read the resource as a root)", (d: Doc) => { d.resources[dbIndex(d)].parent = "urn:pulumi:staging::launchpad::launchpad:database:Database::elsewhere"; }, (i: number) => [`resources[${i}].parent: received "urn:pulumi:staging::launchpad::launchpad:database:Database::elsewhere"; expected the URN of a resource in this plan, or null`]],
        ["a resource twice", (d: Doc) => { d.resources.push(d.resources[dbIndex(d)]); }, (i: number) => [`resources[${base.resources.length}].urn: received the URN of resources[${i}]; expected each resource once`]],
        // Found by tests/input-fuzz.test.ts: a field left out was shown as "received undefined".
        ["inputs left out", (d: Doc) => { delete d.resources[dbIndex(d)].inputs; }, (i: number) => [`resources[${i}].inputs: received nothing (the field is missing); expected an object`]],
        ["registered outputs on a custom resource (they would replace what the stack policies see of it)", (d: Doc) => { d.resources[dbIndex(d)].registeredOutputs = {}; }, (i: number) => [`resources[${i}].registeredOutputs: received {}; expected null for a custom resource, an object (its registered outputs) for a component (custom false)`]],
        ["inputs nested too deep", (d: Doc) => { (d.resources[dbIndex(d)].inputs as Record<string, unknown>).tags = deep(1_000); }, (i: number) => [`resources[${i}]: received values nested deeper than ${MAX_PLAN_DEPTH} levels; expected a plan as npm run plan -- --json writes it`]],
    ])("%s", async (_what, edit, problems) => {
        const r = await policyOf(edit);
        expect(r).toEqual({ code: 1, stdout: "", stderr: `error: ${r.file} is not a plan document:\n${problems(dbIndex(base)).map((p) => `  - ${p}`).join("\n")}\n`, file: r.file });
    });

    it("a stack field rewritten to pick staging's rules for a production plan: every URN disagrees, 20 listed", async () => {
        const prod = JSON.parse((await planCli(["--stack", "production", "--json"])).stdout) as Doc;
        prod.stack = "staging";
        const r = await policyOfText(JSON.stringify(prod));
        const lines = r.stderr.split("\n");
        expect(r.code).toBe(1);
        expect(lines[0]).toBe(`error: ${r.file} is not a plan document:`);
        expect(lines[1]).toMatch(/^ {2}- resources\[0\]\.urn: received "urn:pulumi:production::launchpad::pulumi:pulumi:Stack::launchpad-production"; expected urn:pulumi:staging::/);
        expect(lines[21]).toBe(`  - ... and ${prod.resources.length - 20} more`);
        expect(r.stdout).toBe("");
    });

    it("a production plan rewritten throughout (stack and every URN) to look like staging's is still judged by the rules the caller names: refused", async () => {
        const prod = JSON.parse((await planCli(["--stack", "production", "--json"])).stdout) as Doc;
        const text = JSON.stringify(prod).replaceAll("urn:pulumi:production::", "urn:pulumi:staging::").replace('"stack":"production"', '"stack":"staging"');
        const file = join(dir, `plan-${n++}.json`);
        writeFileSync(file, text);
        // A consistent document of stack staging: as staging's it would pass where production's rules refuse it.
        expect(await policyCli(["--plan", file, "--stack", "production"])).toEqual({
            code: 1,
            stdout: "",
            stderr: `error: ${file} is a plan of stack "staging", not "production": it is judged only by the rules of the stack it was planned for\n`,
        });
        expect((await policyCli(["--plan", file, "--stack", "staging"])).code).toBe(0);
    });

    it("--stack is required: the rules are the caller's choice, never the document's", async () => {
        const file = join(dir, `plan-${n++}.json`);
        writeFileSync(file, JSON.stringify(base));
        const r = await policyCli(["--plan", file]);
        expect([r.code, r.stderr.split("\n")[0]]).toEqual([1, "--stack is required (the rules are the named stack's, never the document's)"]);
        expect((await policyCli(["--plan", file, "--stack", "staging"])).code).toBe(0);
    });

    it.each([
        ["not JSON", "{", `Expected property name or '}' in JSON at position 1`],
        ["empty", "", "Unexpected end of JSON input"],
    ])("%s: cannot read it", async (_what, text, reason) => {
        const r = await policyOfText(text);
        expect(r.stderr.startsWith(`error: cannot read the plan ${r.file}: ${reason}`)).toBe(true);
        expect(r.code).toBe(1);
    });

    it("a document nested 200,000 levels deep: one line, no trace", async () => {
        const r = await policyOfText(`${"[".repeat(200_000)}${"]".repeat(200_000)}`);
        expect(r).toEqual({ code: 1, stdout: "", stderr: `error: ${r.file} is not a plan document:\n  - expected a JSON object from npm run plan -- --json\n`, file: r.file });
        const s = await policyOfText(`{"stack":"staging","resources":${"[".repeat(200_000)}${"]".repeat(200_000)}}`);
        expect(s.stderr).toBe(`error: ${s.file} is not a plan document:\n  - resources[0]: received values nested deeper than ${MAX_PLAN_DEPTH} levels; expected a plan as npm run plan -- --json writes it\n`);
    });

    it("a number too large for a float64 (1e400, read as Infinity): refused, named, not judged as unset", async () => {
        const i = base.resources.findIndex((x) => x.type === "aws:rds/instance:Instance");
        expect(i).toBeGreaterThan(0);
        const text = JSON.stringify(base).replace(/"backupRetentionPeriod":\d+/, '"backupRetentionPeriod":1e400');
        expect(text).toContain("1e400");
        const r = await policyOfText(text);
        expect(r).toEqual({ code: 1, stdout: "", stderr: `error: ${r.file} is not a plan document:\n  - resources[${i}].inputs.backupRetentionPeriod: received a number too large for a float64 (JSON.parse reads it as Infinity); expected a finite number, as npm run plan -- --json writes\n`, file: r.file });
    });

    it("a component's registered outputs not an object, or with a number too large for a float64: refused, named", async () => {
        const i = base.resources.findIndex((x) => x.type === "launchpad:cluster:Cluster");
        expect(i).toBeGreaterThan(0);
        const notObject = await policyOf((d) => {
            d.resources[i].registeredOutputs = "provides";
        });
        expect(notObject.stderr).toBe(`error: ${notObject.file} is not a plan document:\n  - resources[${i}].registeredOutputs: received "provides"; expected null for a custom resource, an object (its registered outputs) for a component (custom false)\n`);
        const doc = structuredClone(base);
        (doc.resources[i].registeredOutputs as Record<string, unknown>).huge = 1;
        const r = await policyOfText(JSON.stringify(doc).replace('"huge":1', '"huge":1e400'));
        expect(r).toEqual({ code: 1, stdout: "", stderr: `error: ${r.file} is not a plan document:\n  - resources[${i}].registeredOutputs.huge: received a number too large for a float64 (JSON.parse reads it as Infinity); expected a finite number, as npm run plan -- --json writes\n`, file: r.file });
    });

    it("the unedited plan is judged: exit 0", async () => {
        const r = await policyOf(() => undefined);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
    });
});
