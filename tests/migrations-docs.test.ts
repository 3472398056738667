/**
 * The schema-change walk-through the docs print is what the tools do, from the committed production
 * stack: docs/delivery.md "A two-step change" is run block by block, README's "Schema changes"
 * commands at its expand step, and docs/runbooks/database-corruption.md "E. Undo a migration" from
 * where the walk leaves the stack (its output sample, `undoFirst`, its jq rehearsal).
 *
 * How a block runs: a ```yaml block gives releases (replacing that color's release on top of
 * Pulumi.production.yaml); a ```yaml block followed by a ```text block is an attempt the plan must
 * refuse with exactly that text (`<id>` a release id, `...` any text), after which the config is as
 * before; in a ```sh block, `npm run plan -- ... --previous-outputs previous.json` runs the plan CLI
 * with the outputs the last `pulumi up` left (`# "<line>"`: a line it prints), `pulumi up` is the
 * offline plan of that config whose outputs become the stack's (as `pulumi stack output --json
 * --show-secrets` would give them to the next step), `pulumi config set launchpad:activeColor` sets
 * the color, and `npm run promote -- ... --to <color>` sets it and updates. A command the walker does not know fails the test, so the docs cannot drift into
 * commands nothing checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planChanges } from "../plan/changes";
import { REPO_ROOT } from "../plan/engine";
import { planCli } from "../scripts/plan";
import { ANNOTATIONS } from "../lib/delivery";
import { named, planStack, type Plan } from "./support/plan";
import { scratchFile } from "./support/scratch";

const read = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
const STACK = "production";
const SERVICE = "api";

interface Block { readonly lang: string; readonly body: string }

/** The fenced blocks of the markdown between `heading` and the next heading of its level or above. */
function blocksUnder(markdown: string, heading: string): Block[] {
    const start = markdown.indexOf(`\n${heading}\n`);
    expect(start, `${heading} in the page`).toBeGreaterThanOrEqual(0);
    const level = heading.split(" ")[0].length;
    // The section ends at the next heading of its level or above, outside a fenced block (a `# ` comment in a sh block is no heading).
    const lines = markdown.slice(start + heading.length + 2).split("\n");
    let fenced = false;
    const end = lines.findIndex((l) => {
        if (l.startsWith("```")) fenced = !fenced;
        return !fenced && new RegExp(`^#{1,${level}} `).test(l);
    });
    const section = (end < 0 ? lines : lines.slice(0, end)).join("\n");
    return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));
}

type Release = Record<string, unknown>;

/** The releases a yaml fragment gives (`releases:` or color keys at its top), dedented. */
function releasesOf(body: string): Partial<Record<"blue" | "green", Release>> {
    const lines = body.split("\n").filter((l) => l.trim() !== "");
    const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
    const doc = parseYaml(lines.map((l) => l.slice(indent)).join("\n")) as Record<string, unknown>;
    const releases = (doc.releases ?? doc) as Record<string, Release>;
    expect(Object.keys(releases).every((k) => k === "blue" || k === "green"), `a yaml block of releases: ${body}`).toBe(true);
    return releases;
}

/** `--set` lines for the walk's state: each color's release, then the color made live. */
function setsOf(releases: Partial<Record<"blue" | "green", Release>>, activeColor: string | undefined): string[] {
    const S = `launchpad:services.${SERVICE}.releases`;
    return [
        ...Object.entries(releases).flatMap(([color, r]) => Object.entries(r).map(([k, v]) => `${S}.${color}.${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)),
        ...(activeColor !== undefined ? [`launchpad:activeColor=${activeColor}`] : []),
    ];
}

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/;

/** A regular expression for a sample: `<id>` (or `<release id>`) a release id, `...` any text, a timestamp any timestamp (the run's time), the rest literal. */
function samplePattern(sample: string): RegExp {
    const token = new RegExp(`(<id>|<release id>|\\.\\.\\.|${ISO_TIME.source})`);
    const parts = sample.split(token).map((p) => (p === "<id>" || p === "<release id>" ? "[0-9a-f]{10}" : p === "..." ? ".*?" : ISO_TIME.test(p) ? ISO_TIME.source : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    return new RegExp(`^${parts.join("")}$`);
}

/** JSON with every object's keys sorted, as `pulumi stack output --json` prints it (Go's encoding/json sorts map keys). */
function sortedJson(value: unknown): string {
    const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sort(x)])) : v);
    return JSON.stringify(sort(value));
}

/** A JSON sample as the docs lay it out, without the spaces that follow `:`, `,`, `{`, `[` or precede `}`, `]`. */
const compactJson = (sample: string): string => sample.replace(/([:,{[])\s+/g, "$1").replace(/\s+([}\]])/g, "$1");

/** What `$(... | jq -r '<filter>')` gives the shell unquoted: jq's output split into words. Needs jq (.ci/run installs it). */
function jqWords(filter: string, value: unknown): string[] {
    const r = spawnSync("jq", ["-r", filter], { input: JSON.stringify(value), encoding: "utf8" });
    expect(r.status, `jq (the runbook's rehearsal runs it; apt-get install jq, as .ci/run does): ${r.error?.message ?? r.stderr}`).toBe(0);
    return r.stdout.split(/\s+/).filter((x) => x !== "");
}

const outputsFile = (outputs: Record<string, unknown>): string => scratchFile("launchpad-docs-schema-", "previous.json", JSON.stringify(outputs));

/** The stack as the walk has left it: releases set on top of the committed stack file, the live color, the last update's outputs. */
interface Walk {
    releases: Partial<Record<"blue" | "green", Release>>;
    activeColor: string | undefined;
    outputs: Record<string, unknown>;
    /** What each step checked, for the test's own assertion that the walk did something. */
    checked: string[];
    /** The `schema <svc>:` lines every `npm run plan` of the walk printed (without `info: `). */
    printed: string[];
}

/**
 * Runs of the same config from the same outputs, once per file: README's walk repeats the page's
 * first steps, and a plan is a function of its config and previous outputs (tests/plan-cli.test.ts
 * "is deterministic"). Keyed by content, not by the outputs file's path.
 */
const runs = new Map<string, Promise<unknown>>();
function once<T>(key: unknown, run: () => Promise<T>): Promise<T> {
    const k = JSON.stringify(key);
    let p = runs.get(k) as Promise<T> | undefined;
    if (p === undefined) {
        p = run();
        runs.set(k, p);
    }
    return p;
}

/** `npm run plan -- --stack production --previous-outputs <file with outputs> ...rest`, through planCli. */
function planWithOutputs(outputs: Record<string, unknown>, rest: readonly string[]): ReturnType<typeof planCli> {
    return once(["cli", outputs, rest], () => planCli(["--stack", STACK, "--previous-outputs", outputsFile(outputs), ...rest]));
}

/** `pulumi up`: the offline plan of the walk's config with the last outputs; its outputs are the stack's now. */
async function up(w: Walk, comment: string | undefined): Promise<Plan> {
    // Staging ran the same commit first (deploy.yml): its offline plan with the walk's images is the
    // promotion source production reads, so a release staging verified is admitted as it would be.
    const images = Object.entries(w.releases).map(([color, r]) => `launchpad:services.${SERVICE}.releases.${color}.image=${String(r.image)}`);
    const staging = await planStack("staging", images);
    const sets = setsOf(w.releases, w.activeColor);
    const p = await once(["up", images, sets, w.outputs], () => planStack(STACK, sets, {
        previousOutputs: w.outputs,
        stackOutputs: (name) => (name.endsWith("/staging") ? staging.outputs : undefined),
    }));
    w.outputs = { ...p.outputs };
    // What an up's comment claims about traffic and the record, where it claims it.
    if (comment?.includes("restore point, migration Job") === true) {
        // The color the comment names next ("restore point, migration Job, green, gate"): the other color's may remain from an earlier step.
        const color = comment.match(/migration Job, (blue|green)\b/)?.[1];
        expect(color, `${comment}: names the color migrated`).toBeDefined();
        expect(p.resources.filter((r) => r.name.includes(`-${String(color)}-`) && (r.type === "aws:rds/snapshot:Snapshot" || (r.type === "kubernetes:batch/v1:Job" && r.name.endsWith("-migrate")))).map((r) => r.type).sort(), `${comment}`)
            .toEqual(["aws:rds/snapshot:Snapshot", "kubernetes:batch/v1:Job"]);
        w.checked.push("up: restore point, migration Job");
    }
    const traffic = comment?.match(/traffic stays on (blue|green)/);
    if (traffic !== null && traffic !== undefined) {
        expect((p.outputs.liveServices as Record<string, { color: string }>)[SERVICE].color, `${comment}`).toBe(traffic[1]);
        w.checked.push(`up: ${traffic[0]}`);
    }
    const record = comment?.match(/the record: (blue|green) runs (\S+), supports \[(\d+), (\d+)\]/);
    if (record !== null && record !== undefined) {
        const colors = (p.outputs.schemaVersions as Record<string, { colors: Record<string, { image: string; supports: number[] }> }>)[SERVICE].colors;
        expect(colors[record[1]].image.endsWith(`:${record[2]}`), `${comment}`).toBe(true);
        expect(colors[record[1]].supports, `${comment}`).toEqual([Number(record[3]), Number(record[4])]);
        w.checked.push(`up: ${record[0]}`);
    }
    return p;
}

/** Runs one ```sh block's commands against the walk. */
async function runShell(w: Walk, body: string): Promise<void> {
    for (const raw of body.split("\n").filter((l) => l.trim() !== "")) {
        const [command, comment] = raw.split(/\s+#\s+/, 2) as [string, string | undefined];
        for (const part of command.split("&&").map((c) => c.trim())) {
            let m: RegExpMatchArray | null;
            if (part === `pulumi stack output --json --show-secrets --stack ${STACK} > previous.json`) {
                continue; // the walk's outputs are what that file would hold
            } else if (part === `npm run plan -- --stack ${STACK} --previous-outputs previous.json`) {
                const r = await planWithOutputs(w.outputs, setsOf(w.releases, w.activeColor).flatMap((s) => ["--set", s]));
                expect(r.code, `npm run plan: ${r.stderr}`).toBe(0);
                w.printed.push(...r.stderr.split("\n").filter((l) => l.startsWith("info: schema ")).map((l) => l.slice("info: ".length)));
                const quoted = comment?.match(/^"(.*)"$/)?.[1];
                if (quoted !== undefined) {
                    expect(r.stderr.split("\n").filter((l) => l.startsWith(`info: ${quoted}`)), `npm run plan prints "${quoted}"; it printed:\n${r.stderr}`).toHaveLength(1);
                    w.checked.push(`plan: ${quoted}`);
                }
            } else if (part === `pulumi up --stack ${STACK}`) {
                await up(w, comment);
            } else if ((m = part.match(new RegExp(`^pulumi config set launchpad:activeColor (blue|green) --stack ${STACK}$`))) !== null) {
                w.activeColor = m[1];
            } else if ((m = part.match(new RegExp(`^npm run promote -- --stack ${STACK} --service ${SERVICE} --to (blue|green)$`))) !== null) {
                // What the switch leaves, analysis passed: the service's activeColor set and an update
                // run (scripts/rollback.ts applySwitch; its targeted update changes what the whole one would).
                w.activeColor = m[1];
                await up(w, comment);
            } else {
                throw new Error(`a command the docs walk does not know: ${part}`);
            }
        }
    }
}

/** Runs a page's blocks in order; returns the refusals it met (their exact text). */
async function walk(w: Walk, blocks: readonly Block[]): Promise<string[]> {
    const refusals: string[] = [];
    for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (b.lang === "yaml" && blocks[i + 1]?.lang === "text") {
            const attempt = { ...w.releases, ...releasesOf(b.body) };
            const r = await planWithOutputs(w.outputs, setsOf(attempt, w.activeColor).flatMap((s) => ["--set", s]));
            expect(r.code, `npm run plan: ${r.stderr}`).toBe(2);
            const problems = r.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
            const sample = blocks[i + 1].body.trimEnd();
            expect(problems, `the refusal the docs print after ${b.body}`).toEqual([expect.stringMatching(samplePattern(sample))]);
            refusals.push(problems[0]);
            w.checked.push(`refused: ${sample}`);
            i++;
        } else if (b.lang === "yaml") {
            w.releases = { ...w.releases, ...releasesOf(b.body) };
        } else if (b.lang === "sh") {
            await runShell(w, b.body);
        } else {
            throw new Error(`a ${b.lang} block the docs walk does not know:\n${b.body}`);
        }
    }
    return refusals;
}

describe("the schema-change docs, run from the committed production stack", () => {
    // Production as committed and deployed: its last update's outputs, no schema record yet.
    const deployed = async (): Promise<Walk> => ({ releases: {}, activeColor: undefined, outputs: { ...(await planStack(STACK)).outputs }, checked: [], printed: [] });

    it("docs/delivery.md \"A two-step change\": every step plans, prints the lines its comments quote, and is refused exactly where the page shows a refusal; then the runbook's \"undo a migration\" from where it leaves the stack", async () => {
        const page = read("docs/delivery.md");
        const w = await deployed();
        const refusals = await walk(w, blocksUnder(page, "### A two-step change"));
        expect(w.checked).toEqual([
            "up: the record: green runs 1.4.2, supports [3, 4]",
            "plan: schema api: no recorded version -> 4 (releases.green migrates)",
            "up: restore point, migration Job",
            "up: traffic stays on blue",
            expect.stringMatching(/^refused: launchpad:services\.api\.releases\.blue\.schema\.version: received 5/),
            "up: the record: blue runs 1.5.1, supports [4, 5]",
            "plan: schema api: version 4 -> 5 (releases.blue migrates)",
        ]);
        // The refusal "What each color ran" quotes is the one this walk meets.
        const quoted = blocksUnder(page, "## Schema changes").filter((b) => b.lang === "text" && b.body.startsWith("launchpad:services.")).map((b) => b.body.trimEnd());
        expect(quoted).toHaveLength(2);
        for (const q of quoted) {
            expect(refusals, `the refusal quoted: ${q}`).toEqual([expect.stringMatching(samplePattern(q))]);
        }
        // "Every plan prints one line per service, e.g. ...": the expand step's line, restore point and time included.
        const example = page.match(/Every plan prints one line per service, e\.g\.\n`([^`]+)`/)?.[1];
        expect(example).toBeDefined();
        expect(w.printed.filter((l) => samplePattern(example ?? "").test(l))).toHaveLength(1);

        // docs/runbooks/database-corruption.md "E. Undo a migration", from where the page leaves the stack.
        const runbook = read("docs/runbooks/database-corruption.md");
        const e = blocksUnder(runbook, "### E. Undo a migration");
        const shown = e[0].body.split("\n").filter((l) => l.startsWith("# ")).map((l) => l.slice(2)).join(" ");
        const migrations = w.outputs.schemaMigrations as Record<string, { undo: string[]; undoFirst: string | null }>;
        expect(sortedJson(migrations)).toMatch(samplePattern(compactJson(shown)));
        // The settings alone are refused while the migrated color (blue) is live: why undoFirst exists.
        const alone = await planCli(["--stack", STACK, "--previous-outputs", outputsFile(w.outputs), ...[...setsOf(w.releases, w.activeColor), ...migrations.api.undo].flatMap((x) => ["--set", x])]);
        expect(alone.code).toBe(2);
        expect(alone.stderr).toContain('launchpad:services.api.releases.blue.image: received "ghcr.io/acme/api:1.5.0"; expected "ghcr.io/acme/api:1.5.1", the image blue serves now');
        // undoFirst, as npm run rollback applies it: the service's activeColor, then an update (the program runs whole, its outputs are written).
        const rollback = migrations.api.undoFirst?.match(/^npm run rollback -- --stack (\S+) --service (\S+) --to (blue|green)$/);
        expect(rollback?.slice(1)).toEqual([STACK, SERVICE, "green"]);
        const rolledBack = await planStack(STACK, [...setsOf(w.releases, w.activeColor), `launchpad:services.${SERVICE}.activeColor=green`], { previousOutputs: w.outputs });
        const after = rolledBack.outputs.schemaMigrations as Record<string, { undo: string[]; undoFirst: string | null }>;
        expect(after.api.undoFirst).toBeNull();
        // The rehearsal's own commands: the runbook's jq filter, run by jq, its words as npm run plan's arguments.
        const rehearsal = e.find((b) => b.lang === "sh" && b.body.includes("UNDO=$("));
        const filter = rehearsal?.body.match(/jq -r '([^']+)'/)?.[1];
        expect(filter).toBe('.api.undo[] | "--set", .');
        const words = jqWords(filter ?? "", after);
        expect(words.filter((x) => x === "--set")).toHaveLength(3);
        const undone = await planCli(["--stack", STACK, "--previous-outputs", outputsFile({ ...rolledBack.outputs }), ...setsOf(w.releases, "green").flatMap((x) => ["--set", x]), ...words]);
        expect(undone.code, `npm run plan: ${undone.stderr}`).toBe(0);
        expect(undone.stderr.split("\n")).toContain("info: schema api: version 4, no migration");
        expect(runbook).toContain("(here `version 4`)");
        // The restore that undoes blue's migration renames the instance (database.restore): green's
        // recorded restore point (its migration still stands) keeps its snapshot, instance and
        // schedule, so Pulumi replaces nothing there (a replacement would snapshot the restored
        // instance mid-incident, tagged with this run's time). Nor its migration Job: the restored
        // database holds that migration, so it does not run again (components/migrations.ts
        // migrationInstances), where an older release's tool may fail on a newer schema.
        const undonePlan = await planStack(STACK, [...setsOf(w.releases, "green"), ...after.api.undo], { previousOutputs: { ...rolledBack.outputs } });
        expect(named(undonePlan, `launchpad-${STACK}-database-instance`).inputs.identifier as string).toMatch(/^launchpad-production-db-r[0-9a-f]{8}$/);
        for (const n of [`launchpad-${STACK}-${SERVICE}-green-restore-point`, `launchpad-${STACK}-${SERVICE}-green-restore-point-expiry`, `launchpad-${STACK}-${SERVICE}-green-migrate`]) {
            expect(named(undonePlan, n).inputs).toEqual(named(rolledBack, n).inputs);
        }
        // No migration Job is created or replaced: nothing runs on the restored database (blue's, given green's release, goes).
        expect(planChanges(rolledBack, undonePlan).filter((c) => c.type === "kubernetes:batch/v1:Job" && c.name.endsWith("-migrate")).map((c) => [c.name, c.kind])).toEqual([[`launchpad-${STACK}-${SERVICE}-blue-migrate`, "delete"]]);
        expect(named(undonePlan, `launchpad-${STACK}-${SERVICE}-green-restore-point`).inputs.dbInstanceIdentifier).toBe("launchpad-production-db");
        expect(undonePlan.resources.filter((r) => r.name.startsWith(`launchpad-${STACK}-${SERVICE}-blue-`) && /restore-point|migrate/.test(r.name))).toEqual([]);
    }, 300_000);

    it("the page's claim on its first update: declaring the contract rolls the live color's pods once (same image) and runs its gate again", async () => {
        const page = read("docs/delivery.md");
        expect(page).toContain("The contract is part of the release id, so this update rolls blue's pods\nonce, same image, and runs its gate again.");
        const first = blocksUnder(page, "### A two-step change")[0];
        const before = await planStack(STACK);
        const after = await planStack(STACK, setsOf(releasesOf(first.body), undefined), { previousOutputs: { ...before.outputs } });
        const template = (p: Plan) => (named(p, `launchpad-${STACK}-${SERVICE}-blue`).inputs as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string }[] } } } }).spec.template;
        expect(template(after).metadata.annotations[ANNOTATIONS.releaseId]).not.toBe(template(before).metadata.annotations[ANNOTATIONS.releaseId]);
        expect(template(after).spec.containers[0].image).toBe(template(before).spec.containers[0].image);
        const gate = (p: Plan) => (named(p, `launchpad-${STACK}-${SERVICE}-blue-gate`).inputs as { metadata: { name: string } }).metadata.name;
        expect(gate(after)).not.toBe(gate(before));
    }, 300_000);

    it("README \"Schema changes\": both steps, run block by block, plan and print the lines they quote, and end on version 5 with green live", async () => {
        const page = read("docs/delivery.md");
        const w = await deployed();
        const blocks = blocksUnder(page, "### A two-step change");
        // The state README starts from ("blue is live on 1.4.2, which supports [3, 4]"): the page's first step, contracts declared and deployed.
        const expand = blocks.findIndex((b) => b.body.includes("migrate:"));
        expect(blocks.slice(0, expand).map((b) => b.lang)).toEqual(["yaml", "sh"]);
        await walk(w, blocks.slice(0, expand));
        const readme = blocksUnder(read("README.md"), "## Schema changes");
        expect(readme.map((b) => b.lang)).toEqual(["yaml", "sh", "yaml", "sh", "yaml", "sh"]);
        expect(await walk(w, readme)).toEqual([]);
        expect(w.checked).toEqual([
            "up: the record: green runs 1.4.2, supports [3, 4]",
            "plan: schema api: no recorded version -> 4 (releases.green migrates)",
            "up: restore point, migration Job",
            "up: the record: blue runs 1.5.1, supports [4, 5]",
            "plan: schema api: version 4 -> 5 (releases.blue migrates)",
            "up: restore point, migration Job",
        ]);
        expect((w.outputs.liveServices as Record<string, { color: string }>)[SERVICE].color).toBe("green");
        expect(w.printed.filter((l) => l.startsWith("schema api: version 4 -> 5"))).toHaveLength(1);
    }, 300_000);
});
