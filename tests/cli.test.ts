/**
 * The shell every command shares (scripts/cli.ts): strict flags with --help, and the exit codes a
 * refused argument gets, checked on the helper and on each command that uses it.
 */
import { describe, expect, it } from "vitest";
import { failed, parseFlags, parseStackConfigFlags, PULUMI_CLI_MISSING, unexpected } from "../scripts/cli";
import { configReferenceCli } from "../scripts/config-reference";
import { planCli } from "../scripts/plan";
import { policyCli } from "../scripts/policy";
import { rollback } from "../scripts/rollback";
import { rulesCli } from "../scripts/rules";
import { vendorCrdsCli } from "../scripts/vendor-crds";
import { benchRollbackCli } from "../bench/rollback.bench";
import { benchLoadtestArgs } from "../bench/loadtest.bench";

// The two commands that took no flags ignored every argument: `npm run vendor:crds -- --help` rewrote the
// vendored file and `npm run bench:rollback -- --help` ran the whole benchmark. These doubles fail if reached.
const noWrite = (): never => {
    throw new Error("vendor:crds wrote on a refused argument");
};
const noBench = (): Promise<string> => Promise.reject(new Error("bench:rollback ran on a refused argument"));

const USAGE = "usage: demo --name <n> [--loud]";
const OPTIONS = { name: { type: "string" }, loud: { type: "boolean", default: false } } as const;

describe("parseFlags", () => {
    it("returns the flags, defaults filled in", () => {
        expect(parseFlags(["--name", "x"], OPTIONS, USAGE)).toEqual({ flags: { name: "x", loud: false, help: false } });
    });

    it("answers --help and -h with the usage and exit 0", () => {
        const help = { result: { code: 0, stdout: `${USAGE}\n`, stderr: "" } };
        expect(parseFlags(["--help"], OPTIONS, USAGE)).toEqual(help);
        expect(parseFlags(["-h", "--name", "x"], OPTIONS, USAGE)).toEqual(help);
    });

    it("refuses an unknown flag or a positional with the parser's message, the usage and the given exit code", () => {
        expect(parseFlags(["--nme", "x"], OPTIONS, USAGE)).toEqual({ result: { code: 1, stdout: "", stderr: `Unknown option '--nme'\n${USAGE}\n` } });
        expect(parseFlags(["extra"], OPTIONS, USAGE, 2)).toEqual({ result: { code: 2, stdout: "", stderr: `Unexpected argument 1 (its text is not shown: it may be a secret): this command takes no positional arguments; give each flag its value as --flag <value> or --flag=<value>\n${USAGE}\n` } });
    });
});

describe("a stray argument is named by its position, never printed (found by tests/input-fuzz.test.ts)", () => {
    it("npm run plan -- --set-secret with a space for the '=': the secret's text is not in the message", () => {
        const r = parseStackConfigFlags(["--stack", "production", "--set-secret", "grafana:auth", "tok3n"], { "set-secret": { type: "string", multiple: true } }, USAGE);
        expect(r).toEqual({ result: { code: 1, stdout: "", stderr: `Unexpected argument 5 (its text is not shown: it may be a secret): this command takes no positional arguments; give each flag its value as --flag <value> or --flag=<value>\n${USAGE}\n` } });
    });
});

describe("parseStackConfigFlags (npm run plan, npm run rules)", () => {
    it("reads --stack/-s and every --set in order beside the command's own flags", () => {
        expect(parseStackConfigFlags(["-s", "staging", "--set", "a=1", "--name", "x", "--set", "b=2"], OPTIONS, USAGE)).toEqual({
            args: { stack: "staging", sets: ["a=1", "b=2"], flags: { name: "x", loud: false, help: false, stack: "staging", set: ["a=1", "b=2"] } },
        });
        expect(parseStackConfigFlags(["--stack", "production"], {}, USAGE)).toEqual({ args: { stack: "production", sets: [], flags: { help: false, stack: "production", set: [] } } });
    });

    it("refuses a missing --stack with the usage and the given exit code; --help and bad flags as parseFlags", () => {
        expect(parseStackConfigFlags(["--set", "a=1"], OPTIONS, USAGE)).toEqual({ result: { code: 1, stdout: "", stderr: `--stack is required\n${USAGE}\n` } });
        expect(parseStackConfigFlags([], OPTIONS, USAGE, 2)).toEqual({ result: { code: 2, stdout: "", stderr: `--stack is required\n${USAGE}\n` } });
        expect(parseStackConfigFlags(["--help"], OPTIONS, USAGE)).toEqual({ result: { code: 0, stdout: `${USAGE}\n`, stderr: "" } });
        expect(parseStackConfigFlags(["--stack", "staging", "--bogus"], OPTIONS, USAGE)).toEqual({ result: { code: 1, stdout: "", stderr: `Unknown option '--bogus'\n${USAGE}\n` } });
        expect(rulesCli([]).stderr).toBe("--stack is required\nusage: npm run rules -- --stack <staging|production> [--set <key>=<value> ...]\n");
    });
});

describe("failed and unexpected", () => {
    it("put the message on stderr and nothing on stdout; an unforeseen error keeps its stack", () => {
        expect(failed(2, "bad\n")).toEqual({ code: 2, stdout: "", stderr: "bad\n" });
        const e = new Error("boom");
        expect(unexpected(e)).toEqual({ code: 1, stdout: "", stderr: `error: ${e.stack}\n` });
        expect(unexpected("text")).toEqual({ code: 1, stdout: "", stderr: "error: text\n" });
    });

    it("name the Pulumi CLI when the Automation API cannot spawn it (npm run rollback on a machine without it printed a stack trace)", async () => {
        // The Automation API's own error, from the CLI version check LocalWorkspace.selectStack runs first.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const path = process.env.PATH;
        process.env.PATH = "/nonexistent";
        let error: unknown;
        try {
            await LocalWorkspace.selectStack({ stackName: "staging", workDir: process.cwd() });
        } catch (e) {
            error = e;
        } finally {
            process.env.PATH = path;
        }
        expect(unexpected(error)).toEqual({ code: 1, stdout: "", stderr: PULUMI_CLI_MISSING });
    });
});

describe("every command answers --help with its own usage and exit 0", () => {
    it.each([
        ["plan", () => planCli(["--help"]), "usage: npm run plan -- --stack <staging|production> [--json] [--policy] [--changes] [--set <key>=<value> ...] [--set-secret <key>=<value> ...] [--previous-outputs <file.json>]"],
        ["policy", () => policyCli(["-h"]), "usage: npm run policy -- --plan <plan.json> --stack <name> [--json] [--config <pack-config.json>]"],
        ["rules", () => rulesCli(["--help"]), "usage: npm run rules -- --stack <staging|production> [--set <key>=<value> ...]"],
        ["rollback", () => rollback(["--help"], { selectStack: () => Promise.reject(new Error("not reached")) }), "usage: npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]"],
        ["config-reference", () => configReferenceCli(["--help"]), "usage: tsx scripts/config-reference.ts [--write | --check]"],
        ["vendor:crds", () => vendorCrdsCli(["--help"], noWrite), "usage: npm run vendor:crds (no flags: writes vendor/aws-load-balancer-controller/crds.json from the vendored YAML)"],
        ["bench:rollback", () => benchRollbackCli(["-h"], noBench), "usage: npm run bench:rollback (no flags: prints the table of docs/operations.md, Rollback benchmark)"],
    ])("%s", async (_name, run, usage) => {
        expect(await run()).toEqual({ code: 0, stdout: `${usage}\n`, stderr: "" });
    });

    // bench:loadtest used node:util's parseArgs bare: --help and a typo were a TypeError with its stack, `--seconds ten` ran as NaN.
    it.each<[string, string[], ReturnType<typeof benchLoadtestArgs>]>([
        ["--help", ["--help"], { code: 0, stdout: "usage: npm run bench:loadtest -- [--seconds N] [--users N] [--speed N]\n", stderr: "" }],
        ["an unknown flag", ["--user", "5"], { code: 1, stdout: "", stderr: "Unknown option '--user'\nusage: npm run bench:loadtest -- [--seconds N] [--users N] [--speed N]\n" }],
        ["words and zero", ["--seconds", "ten", "--speed", "0"], { code: 1, stdout: "", stderr: '--seconds: received "ten"; expected a whole number from 1 to 999999\n--speed: received "0"; expected a whole number from 1 to 999999\nusage: npm run bench:loadtest -- [--seconds N] [--users N] [--speed N]\n' }],
        ["the defaults", [], { seconds: 10, users: 50, speed: 60 }],
        ["numbers", ["--seconds", "3", "--users", "8"], { seconds: 3, users: 8, speed: 60 }],
    ])("bench:loadtest: %s", (_, argv, expected) => {
        expect(benchLoadtestArgs(argv)).toEqual(expected);
    });

    it("rollback refuses a bad flag with exit 2, the others with exit 1", async () => {
        expect((await rollback(["--bogus"], { selectStack: () => Promise.reject(new Error("not reached")) })).code).toBe(2);
        expect((await planCli(["--bogus"])).code).toBe(1);
        expect((await policyCli(["--bogus"])).code).toBe(1);
        expect(rulesCli(["--bogus"]).code).toBe(1);
        expect(configReferenceCli(["--bogus"]).code).toBe(1);
        expect(configReferenceCli(["--write", "--check"])).toEqual({ code: 1, stdout: "", stderr: "--write and --check exclude each other (npm run docs:config is --write; to check: npx tsx scripts/config-reference.ts --check)\nusage: tsx scripts/config-reference.ts [--write | --check]\n" });
        expect(vendorCrdsCli(["--bogus"], noWrite)).toEqual({ code: 1, stdout: "", stderr: "Unknown option '--bogus'\nusage: npm run vendor:crds (no flags: writes vendor/aws-load-balancer-controller/crds.json from the vendored YAML)\n" });
        expect((await benchRollbackCli(["--runs", "3"], noBench)).code).toBe(1);
    });
});
