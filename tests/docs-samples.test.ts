/**
 * What the README and docs/ quote from the offline plan is what the plan prints today: the staging
 * sample of `npm run plan -- --stack staging` (its lines, in order, `...` standing for the rest) and
 * the end points of the one config value docs/architecture.md traces from stack file to resource.
 * Every alert the docs name is one the stacks define.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { alertContext, alertGroups } from "../observability/alerts";
import { REPO_ROOT } from "../plan/engine";
import { renderTree } from "../plan/render";
import { loadStackConfig } from "../plan/stack-config";
import { validatePolicy } from "../smoke/policy";
import { runSmoke } from "../smoke/runner";
import { rulesCli } from "../scripts/rules";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { rollback } from "../scripts/rollback";
import { promote } from "../scripts/promote";
import { loadtestCli } from "../loadtest/cli";
import { smokeCli } from "../smoke/cli";
import { input, named, ofType, planStack } from "./support/plan";

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), "utf8");

/** README.md and every page under docs/, as paths from the repository's root. */
const DOCS = ["README.md", ...readdirSync(join(REPO_ROOT, "docs"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

/** The text block right after the first ```sh block that runs `command`. */
function sampleAfter(markdown: string, command: string): string[] {
    const at = markdown.indexOf(`\`\`\`sh\n${command}\n\`\`\`\n\n\`\`\`text\n`);
    expect(at, `a sample after ${command}`).toBeGreaterThanOrEqual(0);
    const start = markdown.indexOf("```text\n", at) + "```text\n".length;
    return markdown.slice(start, markdown.indexOf("\n```", start)).split("\n");
}

/**
 * The sample's lines that `printed` does not have in this order: each line found after the one
 * before it, and right after it unless an elision (`...`, `│  ...`) stands between them in the
 * sample, so a sample cannot silently skip a line the plan prints.
 */
function missingInOrder(sample: readonly string[], printed: readonly string[]): string[] {
    let from = 0;
    let elided = true;
    const missing: string[] = [];
    for (const line of sample) {
        if (/^[\s│]*\.\.\.$/.test(line)) {
            elided = true;
            continue;
        }
        const i = elided ? printed.indexOf(line, from) : printed[from] === line ? from : -1;
        if (i < 0) {
            missing.push(elided ? line : `${line} (not right after the line before it, and no ... between them)`);
        } else {
            from = i + 1;
        }
        elided = false;
    }
    return missing;
}

describe("the staging plan quoted in the docs", () => {
    it.each(["README.md", "docs/operations.md"])("%s quotes lines npm run plan -- --stack staging prints, in its order", async (file) => {
        const printed = renderTree(await planStack("staging")).split("\n");
        const sample = sampleAfter(read(file), "npm run plan -- --stack staging");
        expect(sample[0]).toBe(printed[0]);
        expect(sample.length).toBeGreaterThan(5);
        expect(missingInOrder(sample, printed)).toEqual([]);
    });
});

describe("docs/architecture.md's trace of launchpad:database.backupWindow", () => {
    it("ends where the production plan ends: the RDS instance's window and retention, the Grafana mute timing", async () => {
        const plan = await planStack("production");
        const doc = read("docs/architecture.md");
        const instance = named(plan, "launchpad-production-database-instance");
        expect(instance.type).toBe("aws:rds/instance:Instance");
        expect(input(instance, "backupWindow")).toBe("03:00-03:30");
        expect(input(instance, "backupRetentionPeriod")).toBe(35);
        expect(doc).toContain('`launchpad-production-database-instance`\nhas `inputs.backupWindow` `"03:00-03:30"` and `backupRetentionPeriod` 35');
        const mute = named(plan, "launchpad-production-observability-maintenance");
        expect(mute.type).toBe("grafana:alerting/muteTiming:MuteTiming");
        expect(input(mute, "intervals")).toEqual([{ location: "UTC", times: [{ start: "04:00", end: "05:00" }], weekdays: ["sunday"] }]);
        expect(doc).toContain("`launchpad-production-observability-maintenance` mutes Sunday 04:00-05:00 UTC");
        expect(read("Pulumi.production.yaml")).toContain('    backupWindow: "03:00-03:30"\n');
    });
});

/** The numbered steps of docs/architecture.md's trace, each as one line of text. */
function traceSteps(): string[] {
    const doc = read("docs/architecture.md");
    const section = doc.slice(doc.indexOf("## One value, from stack file to resource"), doc.indexOf("## What it creates"));
    // Each numbered item up to the blank line that ends the list.
    return section.split(/\n(?=\d+\. \*\*)/).slice(1).map((step) => step.split("\n\n")[0].replace(/\s+/g, " "));
}

/** Names the trace cites from other projects' sources (terraform-provider-aws, pulumi/pulumi), not ours. */
const CITED_ELSEWHERE = new Set(["mergeConfig", "backup_window", "PreferredBackupWindow", "CreateDBInstance", "ModifyDBInstance", "input"]);

/** A file's text without its comments: a name only a comment still mentions is not current. */
const code = (file: string): string => read(file).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

describe("docs/architecture.md's trace names only what the code has today", () => {
    const steps = traceSteps();

    it("has its seven steps", () => {
        expect(steps.map((s) => /^(\d+)\. \*\*([^*]+)\*\*/.exec(s)?.slice(1, 3).join(" "))).toEqual([
            "1 Stack file.", "2 Into the program.", "3 Validated.", "4 Built, with the tier.", "5 Environment.", "6 Resource.", "7 Next to it.",
        ]);
        // The `name` in `file` pairs the next test holds to their files.
        expect(steps.flatMap((step) => [...step.matchAll(/`(\w+)`(?:, both)? in `([\w./-]+\.ts)`/g)].map((m) => m[1]))).toEqual([
            "runPlan", "loadStackConfig", "readRuntimeConfig", "parseConfig", "databaseProblems", "build", "buildDatabase", "safetyFor", "maintenanceFromRdsWindow", "muteIntervals",
        ]);
    });

    /** The repository files a span names: `config/parse.ts`, `Pulumi.yaml` (not the cited Go sources). */
    const filesOf = (spans: readonly string[]): string[] => spans.filter((s) => /^[\w./-]+\.(ts|ya?ml)$/.test(s));
    const spansOf = (step: string): string[] => [...step.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const traceFiles = [...new Set(steps.flatMap((step) => filesOf(spansOf(step))))].filter((f) => f.endsWith(".ts"));

    it.each(steps.map((s, i) => [i + 1, s] as const))("step %i: every file it names exists, every `name` in `file` is declared there, every other name is in the trace's files", (_, step) => {
        const spans = spansOf(step);
        const files = filesOf(spans);
        expect(files.filter((f) => !existsSync(join(REPO_ROOT, f)))).toEqual([]);
        for (const [, name, file] of step.matchAll(/`(\w+)`(?:, both)? in `([\w./-]+\.ts)`/g)) {
            expect(code(file), `${name} declared in ${file}`).toMatch(new RegExp(`(?:function\\*?|const|class|interface|type)\\s+${name}\\b|^\\s*(?:(?:private|public|static|async|export)\\s+)*${name}\\s*\\(`, "m"));
        }
        const names = spans.filter((s) => !files.includes(s)).map((s) => /^(\w+)(?:\.\w+)*(?:\(\))?$/.exec(s)?.[1])
            .filter((n): n is string => n !== undefined && !["pulumi", "config", "aws", "inputs"].includes(n) && !CITED_ELSEWHERE.has(n));
        expect(spans.length).toBeGreaterThan(0);
        const missing = names.filter((n) => !traceFiles.some((f) => new RegExp(`\\b${n}\\b`).test(code(f))));
        expect(missing, `names no file of the trace (${traceFiles.join(", ")}) has in its code`).toEqual([]);
    });

    it("rehearses its error as written: the command exits 2 with step 3's message", async () => {
        const doc = read("docs/architecture.md").replace(/\s+/g, " ");
        const m = /Rehearse a change offline: `npm run plan -- ([^`]+)` exits (\d)/.exec(doc);
        expect(m, "the rehearse command").not.toBeNull();
        const [, command, code] = m as RegExpExecArray;
        const argv = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]);
        const message = /`(launchpad:database\.backupWindow: received [^`]+)`/.exec(steps[2])?.[1];
        expect(message).toBeDefined();
        const result = await planCli(argv);
        expect(result.code).toBe(Number(code));
        expect(result.stderr).toContain(message);
    });
});

describe("docs/architecture.md's resource counts", () => {
    // The counts the README's plan excerpt prints are checked above; these are prose, and went stale unseen.
    it("are the offline plans' counts, with the AZs, NAT gateways and node groups it says make the difference", async () => {
        const doc = read("docs/architecture.md").replace(/\s+/g, " ");
        const m = /staging has (\d+) resources \((\d) AZs, (\w+) NAT gateways?, (\w+) node groups\) and production (\d+) \((\d) AZs, (\w+) NAT gateways, (\w+) node groups/.exec(doc);
        expect(m, "the counts sentence").not.toBeNull();
        const [, stgCount, stgAzs, stgNats, stgGroups, prodCount, prodAzs, prodNats, prodGroups] = m as RegExpExecArray;
        const words: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
        for (const [stack, count, azs, nats, groups] of [["staging", stgCount, stgAzs, stgNats, stgGroups], ["production", prodCount, prodAzs, prodNats, prodGroups]] as const) {
            const plan = await planStack(stack);
            expect([stack, plan.resources.length]).toEqual([stack, Number(count)]);
            // The stack network's subnets: the DR restore drill has two of its own in the DR region.
            expect([stack, ofType(plan, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-network-")).length / 2, ofType(plan, "aws:ec2/natGateway:NatGateway").length, ofType(plan, "aws:eks/nodeGroup:NodeGroup").length])
                .toEqual([stack, Number(azs), words[nats], words[groups]]);
        }
    });
});

describe("the alerts the docs name", () => {
    // A runbook that names an alert no stack defines sends the on-call engineer looking for a page
    // that never comes (the disaster runbooks once named LaunchpadErrorRatioHigh).
    // Each committed stack, and each run as PostgreSQL (whose rules add LaunchpadTransactionIdWraparound).
    const postgres = ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'];
    const runs = ["staging", "production"].flatMap((stack) => [{ stack, sets: [] as string[] }, { stack, sets: postgres }]);
    const defined = new Set(runs.flatMap(({ stack, sets }) => {
        const sc = loadStackConfig({ root: REPO_ROOT, stack, sets });
        const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        return alertGroups(alertContext(config)).flatMap((g) => g.alerts.map((a) => a.name));
    }));
    // Code names the docs quote that share the prefix.
    const notAlerts = new Set(["LaunchpadConfig"]);

    it.each(DOCS)("%s names only alerts observability/alerts.ts defines", (file) => {
        const named = [...read(file).matchAll(/\bLaunchpad[A-Z][A-Za-z0-9]+\b/g)].map((m) => m[0]);
        expect(defined.size).toBeGreaterThan(20);
        expect([...new Set(named)].filter((n) => !defined.has(n) && !notAlerts.has(n))).toEqual([]);
    });
});

/**
 * The `npm run` commands in README.md and docs/ (sh blocks and inline code) whose stdout is kept (a
 * redirect to a file, a pipe, `$(...)`) without `-s`: npm prints its `> launchpad@0.1.0 <script>`
 * banner on stdout, so the file or the pipe gets it too (docs/policies.md once saved a plan that way
 * and `npm run policy` refused the file, "Unexpected token '>'").
 */
function unsilencedCaptures(markdown: string): string[] {
    const blocks = [...markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].flatMap((m) => m[1].split("\n"));
    const inline = [...markdown.matchAll(/`([^`\n]*npm run [^`\n]*)`/g)].map((m) => m[1]);
    return [...blocks, ...inline].map((line) => line.replace(/\s#\s.*$/, "").replace(/<[^<>]*>/g, "")).filter((line) =>
        [...line.matchAll(/(\$\()?npm run (?!-s\b|--silent\b)([^;&)]*)/g)].some((m) =>
            m[1] !== undefined || /(^|[^2&])>\s*(?!\/dev\/null)\S/.test(m[2]) || m[2].includes("|")));
}

describe("commands that keep npm run's output", () => {
    it("the checker flags a redirect, a pipe and a capture without -s, and nothing else", () => {
        const md = [
            "```sh",
            "npm run plan -- --stack production --json > plan.json",
            "npm run plan -- --stack staging | grep databaseIdentifier",
            "DB=$(npm run plan -- --stack staging)",
            "npm run -s plan -- --stack production --json > plan.json",
            "DB=$(npm run --silent plan -- --stack staging | sed -n 1p)",
            "npm run plan -- --stack prod > /dev/null 2>&1; echo \"exit $?\"   # 0: valid > 2",
            "```",
            "`npm run loadtest -- --scenario <load|stress>`",
        ].join("\n");
        expect(unsilencedCaptures(md)).toEqual([
            "npm run plan -- --stack production --json > plan.json",
            "npm run plan -- --stack staging | grep databaseIdentifier",
            "DB=$(npm run plan -- --stack staging)",
        ]);
    });

    it.each(DOCS)("%s keeps it only with npm run -s", (file) => {
        expect(unsilencedCaptures(read(file))).toEqual([]);
    });
});

describe("docs/delivery.md's smoke runner JSON line", () => {
    // The sample once lacked `failureCauses`, which the runner prints between `failuresByKind` and
    // `statusHistogram`. A sample wrapped over lines, with `,...` for what it leaves out.
    it("is what the runner prints for its one-check policy against a server failing 4 of 200, bar the timings", async () => {
        const doc = read("docs/delivery.md");
        const start = doc.indexOf('```text\n{"verdict":"fail"') + "```text\n".length;
        const sample = JSON.parse(doc.slice(start, doc.indexOf("\n```", start)).split("\n").join("").replaceAll(",...", "")) as Record<string, unknown> & { checks: Record<string, unknown>[] };
        let served = 0;
        // The 10 warm-up requests pass; of the 200 measured ones, every 50th gets a 500.
        const server = createServer((_req, res) => {
            served += 1;
            res.statusCode = served > 10 && (served - 10) % 50 === 0 ? 500 : 200;
            res.end("ok");
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        try {
            const policy = validatePolicy({
                checks: [{ path: "/health/ready" }],
                requests: 200, concurrency: 10, timeoutMs: 2000, warmupRequests: 10,
                thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.01 },
            });
            expect(policy.ok).toBe(true);
            const port = (server.address() as AddressInfo).port;
            const printed = JSON.parse(JSON.stringify(await runSmoke((policy as { policy: Parameters<typeof runSmoke>[0] }).policy, `http://127.0.0.1:${port}`))) as typeof sample;
            expect(Object.keys(sample)).toEqual(Object.keys(printed));
            const timingFree = (s: typeof sample): unknown => ({ ...s, target: undefined, latencyMs: undefined, elapsedMs: undefined, checks: undefined });
            expect(timingFree(sample)).toEqual(timingFree(printed));
            expect(sample.target).toBe("http://127.0.0.1:8080");
            expect(printed.checks).toHaveLength(1);
            expect(Object.keys(printed.checks[0]).slice(0, Object.keys(sample.checks[0]).length)).toEqual(Object.keys(sample.checks[0]));
            expect(printed.checks[0]).toMatchObject(sample.checks[0]);
        } finally {
            server.close();
        }
    });
});

describe("docs/observability.md's promtool check of npm run rules", () => {
    it("quotes the number of rules each stack's file holds (promtool counts one per alert: the file has no recording rules)", () => {
        const m = /promtool check rules rules\.yml +# Checking rules\.yml \/ SUCCESS: (\d+) rules found \(staging: (\d+)\)/.exec(read("docs/observability.md"));
        expect(m, "the promtool line of docs/observability.md").not.toBeNull();
        const count = (stack: string): number => {
            const r = rulesCli(["--stack", stack]);
            expect(r.code).toBe(0);
            expect(r.stdout).not.toMatch(/^\s*- record:/m);
            return [...r.stdout.matchAll(/^\s*- alert: /gm)].length;
        };
        const [, production, staging] = m as RegExpExecArray;
        expect(count("production")).toBe(Number(production));
        expect(count("staging")).toBe(Number(staging));
    });
});

describe("docs/operations.md's --set examples", () => {
    // `network.azCount=3` was one, and alone it is refused on staging (node group sizes must be
    // multiples of the zone count): an example to copy must plan.
    it("each plans the staging stack without a config problem", () => {
        const doc = read("docs/operations.md");
        const start = doc.indexOf("- `--set <key>=<value>` (repeatable)");
        expect(start).toBeGreaterThanOrEqual(0);
        const bullet = doc.slice(start, doc.indexOf("\n- ", start + 1));
        const examples = [...bullet.matchAll(/`'?([a-zA-Z:.]+(?:\[[^\]]+\])?(?:\.[a-zA-Z]+)*=[^`']+)'?`/g)].map((m) => m[1]).filter((s) => !s.startsWith("<"));
        expect(examples).toEqual(expect.arrayContaining(["launchpad:nodeGroup.maxSize=6", 'launchpad:cluster.version="1.35"']));
        expect(examples.length).toBeGreaterThanOrEqual(5);
        const refused = examples.filter((set) => {
            const sc = loadStackConfig({ root: REPO_ROOT, stack: "staging", sets: [set] });
            try {
                parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, secretPaths: sc.secretPaths, offlinePlan: true });
                return false;
            } catch {
                return true;
            }
        });
        expect(refused).toEqual([]);
    });
});

describe("the flags the docs give each npm run command", () => {
    // A flag a doc hands out that the command does not know is refused (exit 1 or 2) before anything runs.
    const notReached = { selectStack: () => Promise.reject(new Error("not reached")) };
    const usages = async (): Promise<Record<string, string>> => ({
        plan: (await planCli(["--help"])).stdout,
        policy: (await policyCli(["--help"])).stdout,
        rules: rulesCli(["--help"]).stdout,
        rollback: (await rollback(["--help"], notReached)).stdout,
        promote: (await promote(["--help"], notReached)).stdout,
        loadtest: (await loadtestCli(["--help"])).stdout,
        smoke: (await smokeCli(["--help"])).stdout,
    });

    it.each(DOCS)("%s uses only flags the command's usage lists", async (file) => {
        const usage = await usages();
        expect(Object.values(usage).every((u) => u.startsWith("usage: npm run "))).toBe(true);
        const markdown = read(file).replace(/\\\n\s*/g, " ");
        const code = [...[...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]), ...[...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1])];
        const unknown = code.flatMap((text) => [...text.matchAll(/npm run (?:-s |--silent )?([a-z:-]+) -- ([^|;&#)>\n]*)/g)]
            .filter((m) => m[1] in usage)
            .flatMap((m) => [...m[2].matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((f) => f[1])
                .filter((flag) => !new RegExp(`${flag}(?![a-z-])`).test(usage[m[1]]))
                .map((flag) => `npm run ${m[1]} ${flag}`)));
        // Without `--` npm takes the flags as its own: `npm run rules --stack staging` hands rules only "staging", which it refuses.
        const eaten = code.flatMap((text) => [...text.matchAll(/npm run (?:-s |--silent )?([a-z:-]+) (--[a-z][a-z-]*)/g)]
            .filter((m) => m[1] in usage).map((m) => `npm run ${m[1]} ${m[2]}`));
        expect([...new Set(unknown)]).toEqual([]);
        expect([...new Set(eaten)]).toEqual([]);
    });
});
