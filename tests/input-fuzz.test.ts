/**
 * Issue 13, generatively: what the hand-picked cases (hardening-config, config*, stack-file,
 * policy-plan-document) do not reach. Seeded and bounded: a few seconds locally; under CI=true
 * (or LAUNCHPAD_FUZZ_RUNS=<n> cases per property) about ten times as many cases, still seeded.
 *
 * - Mutated committed stack files (every `launchpad:`, `aws:` and `grafana:` node: wrong types,
 *   out-of-range numbers, empty and huge and unicode text, null, deep nesting, unknown keys at any
 *   depth, `secure:` where plain is expected, plain where a secret is, typo'd namespaces) through
 *   the config stage as a real run reads it: exit 0, or exit 2 with every problem in the one format,
 *   never a crash, never `undefined`/`[object Object]`/`NaN`, a secure value never in clear. A sample
 *   through the real CLI, `node scripts/compiled.cjs plan` with the mutation as `--set`s.
 * - Every command's flags (`--help` of plan, policy, rollback, promote, loadtest, smoke): each exit
 *   code one the command documents, never a stack trace, never a URL's password printed.
 * - Structural mutations of a saved plan given to `npm run policy`: refused with a message (exit 1)
 *   or judged (0, 3); never a crash, never "could not judge".
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";
import { loadtestCli } from "../loadtest/cli";
import { smokeCli } from "../smoke/cli";
import { unexpected, type CliResult } from "../scripts/cli";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { promote } from "../scripts/promote";
import { rollback, type RollbackDeps } from "../scripts/rollback";
import { BAD_WORDS, caseFile, committedConfig, configStage, judge, mutate, mutation, nudgeCase, PROBLEM, SECRET_MARK, stackCase, type Mutation } from "./support/input-fuzz";
import { planProcessAsync } from "./support/compiled";
import { scratchFile } from "./support/scratch";
import { skipProcesses } from "./support/timing";

const SKIP_PROCESSES = skipProcesses("tests/input-fuzz.test.ts", "the sample of mutations through npm run plan as a process of its own (every mutation runs through the config stage in-process)");

/** Cases per property: `local` here, ten times as many under CI=true, or LAUNCHPAD_FUZZ_RUNS. */
function runs(local: number): number {
    const set = Number(process.env.LAUNCHPAD_FUZZ_RUNS);
    return Number.isInteger(set) && set > 0 ? set : process.env.CI === "true" ? local * 10 : local;
}
const SEED = 13;

describe("mutated stack files through the config stage, as a real run reads them", () => {
    it("exit 0, or exit 2 with every problem `<key>: received <value>; expected <allowed>`; no crash, no secret in clear", () => {
        fc.assert(fc.property(stackCase, (c) => {
            expect(judge(configStage(c.stack, caseFile(c)))).toEqual([]);
        }), { numRuns: runs(25), seed: SEED });
    });

    it("same-type edits (a number past its bound, a text changed at its end), which more often parse: the same property", () => {
        fc.assert(fc.property(nudgeCase, (c) => {
            expect(judge(configStage(c.stack, caseFile(c)))).toEqual([]);
        }), { numRuns: runs(20), seed: SEED });
    });

    it("the judge itself: the committed stacks pass, and a crash, a stray word, a leak or a bad format each fail", () => {
        for (const stack of ["staging", "production"] as const) {
            expect(configStage(stack, caseFile({ stack, mutations: [], plainSecret: undefined }))).toMatchObject({ kind: "accepted" });
        }
        expect(judge({ kind: "crash", error: new TypeError("x is not iterable") })[0]).toMatch(/^crash: TypeError: x is not iterable/);
        expect(judge({ kind: "refused", problems: ["launchpad:tier: received undefined; expected one of \"staging\", \"production\""], message: "" })).toEqual(['"undefined" in: launchpad:tier: received undefined; expected one of "staging", "production"']);
        expect(judge({ kind: "refused", problems: [`grafana:auth: received "${SECRET_MARK}"; expected a token`], message: "" })).toEqual([`a secret in clear: grafana:auth: received "${SECRET_MARK}"; expected a token`]);
        expect(judge({ kind: "refused", problems: ["something went wrong"], message: "" })).toEqual(["not in the problem format: something went wrong"]);
    });

    it("a secure leaf's decrypted text stays hidden wherever the secure node lands (each top-level key wrapped in turn)", () => {
        for (const stack of ["staging", "production"] as const) {
            const config = committedConfig(stack);
            Object.keys(config).forEach((_, i) => {
                // nodePaths lists each top-level key, then the nodes under it: the i-th top-level key's index.
                const at = Object.keys(config).slice(0, i).reduce((n, k) => n + 1 + countNodes(config[k]), 0);
                const outcome = configStage(stack, caseFile({ stack, mutations: [{ kind: "secure", at }], plainSecret: undefined }));
                expect(judge(outcome)).toEqual([]);
                expect(outcome.kind).toBe("refused");
            });
        }
    });
});

function countNodes(v: unknown): number {
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + 1 + countNodes(x), 0);
    if (v !== null && typeof v === "object") return Object.values(v).reduce((n: number, x) => n + 1 + countNodes(x), 0);
    return 0;
}


/** The `--set`s that turn the committed stack into the mutated one: each top-level key that changed, whole, as JSON (which is YAML). */
function setsFor(stack: string, mutations: readonly Mutation[]): { sets: string[]; secretSets: string[] } {
    const before = committedConfig(stack);
    const after = mutate(before, mutations.filter((m) => m.kind !== "secure" && m.kind !== "renameTop" && m.kind !== "delete"));
    const sets = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k])).map((k) => `${k}=${JSON.stringify(after[k])}`);
    // A secret set as the CLI's `--secret --path` sets one: its text must never come back.
    return { sets, secretSets: mutations.some((m) => m.kind === "secure") ? [`launchpad:alerting.slackWebhookUrl=${SECRET_MARK}`] : [] };
}

describe.skipIf(SKIP_PROCESSES)("the real CLI, node scripts/compiled.cjs plan, on a sample of the mutations", () => {
    it("exit 0 or 2; on 2, stdout empty and stderr the header and one problem per line; no trace, no secret in clear", async () => {
        const cases = fc.sample(fc.record({ stack: fc.constantFrom("staging", "production"), mutations: fc.array(mutation, { minLength: 1, maxLength: 2 }) }), { numRuns: runs(1), seed: SEED });
        const failures: string[] = [];
        for (const c of cases) {
            const { sets, secretSets } = setsFor(c.stack, c.mutations);
            const r = await planProcessAsync(["--stack", c.stack, ...sets.flatMap((s) => ["--set", s]), ...secretSets.flatMap((s) => ["--set-secret", s])]);
            const lines = r.stderr.trimEnd().split("\n");
            const header = new RegExp(`^Invalid configuration for stack "${c.stack}" \\(${lines.length - 1} problems?\\):$`);
            const problem = new RegExp(`^  - ${PROBLEM.source.slice(1)}`);
            const wrong = [
                ...(r.status === 0 || r.status === 2 ? [] : [`exit ${r.status}`]),
                ...((r.stdout + r.stderr).includes(SECRET_MARK) ? ["a secret in clear"] : []),
                ...(/\n\s+at /.test(r.stderr) ? ["a stack trace"] : []),
                ...(r.status === 2 && r.stdout !== "" ? ["stdout on exit 2"] : []),
                ...(r.status === 2 && !header.test(lines[0]) ? [`header ${lines[0]}`] : []),
                ...(r.status === 2 ? lines.slice(1).filter((l) => !problem.test(l)).map((l) => `not a problem line: ${l.slice(0, 300)}`) : []),
            ];
            if (wrong.length > 0) failures.push(`${JSON.stringify(sets.map((s) => s.slice(0, 200)))}: ${wrong.join("; ")}\n${r.stderr.slice(0, 2000)}`);
        }
        expect(failures).toEqual([]);
    }, 120_000);
});

/** What the Automation API does here, with no Pulumi CLI on PATH (rollback and promote read the stack through it). */
const noPulumi: RollbackDeps = { selectStack: () => Promise.reject(new Error("spawn pulumi ENOENT")) };
/** A password in a URL: never printed back. */
const PASSWORD = "pw9Secret";

interface Command {
    readonly run: (argv: string[]) => Promise<CliResult>;
    /** The exit codes the command's header documents. */
    readonly codes: readonly number[];
    /** Each flag with the values it is given (a boolean flag: none). */
    readonly flags: Readonly<Record<string, readonly string[] | null>>;
    readonly required: readonly string[];
}

function commands(): Record<string, Command> {
    const files = {
        missing: "/nonexistent/launchpad-fuzz.json",
        notJson: scratchFile("launchpad-fuzz-", "bad.json", "{not json"),
        list: scratchFile("launchpad-fuzz-", "list.json", "[1, 2]"),
        empty: scratchFile("launchpad-fuzz-", "empty.json", "{}"),
        smokePolicy: scratchFile("launchpad-fuzz-", "policy.json", JSON.stringify({ checks: [{ path: "/" }], requests: 2, concurrency: 1 })),
    };
    const fileValues = [...Object.values(files), "/", ""];
    const stacks = ["staging", "production", "", "nope", "../staging", "s".repeat(300), "🙂"];
    const urls = ["http://127.0.0.1:9", `http://user:${PASSWORD}@127.0.0.1:9`, `ftp://user:${PASSWORD}@x`, "http://", "not a url", "stack", ""];
    const sets = ["tier=prod", "database.engine=postgres", "nodeGroup.maxSize=1e999", "tags=[1]", "x=", "=y", "services.api.replicas=abc", "services.api.env.A=[", "cluster.version=\"1.2\"", "a..b=1"];
    return {
        plan: {
            run: (a) => planCli(a),
            codes: [0, 1, 2, 3],
            // Always one refused --set locally: a whole plan per case is for CI's longer run.
            flags: { "--stack": stacks, "--json": null, "--policy": null, "--changes": null, "--set": sets, "--set-secret": [`grafana:auth=${PASSWORD}`, `tags.x=${PASSWORD}`], "--previous-outputs": fileValues },
            required: process.env.CI === "true" ? ["--stack"] : ["--stack", "--set"],
        },
        policy: {
            run: (a) => policyCli(a),
            codes: [0, 1, 2, 3],
            flags: { "--plan": fileValues, "-p": fileValues, "--stack": stacks, "--json": null, "--config": fileValues },
            required: ["--plan", "--stack"],
        },
        rollback: {
            run: (a) => rollback(a, noPulumi),
            codes: [0, 1, 2],
            flags: { "--stack": stacks, "--service": ["api", "web", "", "API"], "--to": ["blue", "green", "purple", ""], "--dry-run": null },
            required: ["--stack"],
        },
        promote: {
            run: (a) => promote(a, noPulumi),
            codes: [0, 1, 2, 3],
            flags: { "--stack": stacks, "--service": ["api", "", "API"], "--to": ["blue", "green", "purple"], "--analysis": ["5m", "0s", "-1m", "abc", "1e999s", ""] },
            required: ["--stack", "--service"],
        },
        loadtest: {
            run: (a) => loadtestCli(a, {}, REPO_ROOT, {}),
            codes: [0, 1, 2, 3],
            // No reachable --target: a valid one would run a whole scenario here.
            flags: { "--stack": stacks, "--service": ["api", "", "API"], "--scenario": ["load", "stress", "soak", "spike", "smoke", ""], "--color": ["blue", "green", "purple"], "--target": urls.filter((u) => !u.startsWith("http://127") && !u.startsWith("http://user")), "--print": null, "--prometheus": urls, "--push": urls, "--json": null, "--kubeconfig": fileValues, "--set": sets },
            required: ["--stack", "--service", "--scenario"],
        },
        smoke: {
            run: (a) => smokeCli(a, {}),
            codes: [0, 1, 2],
            flags: { "--policy": fileValues, "--target": urls, "--json": null, "--push": urls, "--service": ["api", "", "API"], "--color": ["blue", "green", "purple"] },
            required: ["--policy", "--target"],
        },
    };
}

describe("every command's flags, at random", () => {
    it("an exit code the command documents; never a stack trace, a stray word or a URL's password", async () => {
        const cmds = commands();
        const arb = fc.record({
            cmd: fc.constantFrom(...Object.keys(cmds)),
            extra: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
            picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
            noise: fc.option(fc.constantFrom("--", "-h", "--nope", "stray", "--stack=", "-s"), { nil: undefined }),
        });
        const failures: string[] = [];
        for (const { cmd, extra, picks, noise } of fc.sample(arb, { numRuns: runs(40), seed: SEED })) {
            const c = cmds[cmd];
            const names = Object.keys(c.flags);
            const argv: string[] = [];
            const add = (flag: string, pick: number): void => {
                const values = c.flags[flag];
                argv.push(flag, ...(values === null ? [] : [values[pick % values.length]]));
            };
            c.required.forEach((flag, i) => add(flag, picks[i % picks.length]));
            for (const [which, pick] of extra) add(names[which % names.length], pick);
            if (noise !== undefined) argv.splice(picks[0] % (argv.length + 1), 0, noise);
            const r = await c.run(argv).catch(unexpected);
            const wrong = [
                ...(c.codes.includes(r.code) ? [] : [`exit ${r.code}, not one of ${c.codes.join(", ")}`]),
                ...(/\n\s+at /.test(r.stderr) ? ["a stack trace"] : []),
                ...((r.stdout + r.stderr).includes(PASSWORD) ? ["a URL's password"] : []),
                ...BAD_WORDS.filter((w) => r.stderr.includes(w)),
            ];
            if (wrong.length > 0) failures.push(`${cmd} ${JSON.stringify(argv)}: ${wrong.join("; ")}\n${r.stderr.slice(0, 1500)}`);
        }
        expect(failures).toEqual([]);
    }, 120_000);
});

describe("a saved plan mutated at random, given to npm run policy", () => {
    it("refused with a message (exit 1) or judged (0, 3); never a crash, a stray word or 'could not judge'", async () => {
        const r0 = await planCli(["--stack", "staging", "--json"]);
        expect(r0.code).toBe(0);
        const base = JSON.parse(r0.stdout) as Record<string, unknown>;
        const failures: string[] = [];
        for (const muts of fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { numRuns: runs(5), seed: SEED })) {
            const file = scratchFile("launchpad-fuzz-", "plan.json", JSON.stringify(mutate(base, muts)));
            const r = await policyCli(["--plan", file, "--stack", "staging"]).catch(unexpected);
            const wrong = [
                ...([0, 1, 3].includes(r.code) ? [] : [`exit ${r.code}`]),
                ...(/\n\s+at |could not judge/.test(r.stderr) ? ["a crash"] : []),
                ...BAD_WORDS.filter((w) => (r.stderr + r.stdout).includes(w)),
            ];
            if (wrong.length > 0) failures.push(`${JSON.stringify(muts).slice(0, 500)}: ${wrong.join("; ")}\n${r.stderr.slice(0, 1500)}`);
        }
        expect(failures).toEqual([]);
    }, 120_000);
});
