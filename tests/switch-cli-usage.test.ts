/**
 * The usage errors of `npm run rollback`, `npm run promote` and `npm run pending-switches`, as a new
 * user makes them: each is one line naming what was received and what is expected (the usage with
 * it for a missing flag), exit 2 (docs/delivery.md), no stack trace. A refusal before any stack is
 * selected gets a double that fails the test if called; a stack the backend lacks, the Automation API's error.
 */
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import * as automationCmd from "@pulumi/pulumi/automation/cmd";
import * as automationErrors from "@pulumi/pulumi/automation/errors";
import { REPO_ROOT } from "../plan/root";
import { rollback, type RollbackDeps } from "../scripts/rollback";
import { promote } from "../scripts/promote";
import { main as pendingSwitches } from "../scripts/pending-switches";
import { scratchDir } from "./support/scratch";
import { skipProcesses } from "./support/timing";
import { spawnSync } from "node:child_process";

const SKIP_PROCESSES = skipProcesses("tests/switch-cli-usage.test.ts", "the commands whose refusals were a stack trace, each as a process (what npm run starts)");

const ROLLBACK_USAGE = "usage: npm run rollback -- --stack <name> [--service <svc>] [--to <blue|green>] [--dry-run]\n";
const PROMOTE_USAGE = "usage: npm run promote -- --stack <name> --service <svc> [--to <blue|green>] [--analysis <duration>]\n";
const PENDING_USAGE = "usage: npm run --silent pending-switches -- --stack <name> --live <liveServices.json>\n";
const NO_STACK = (stack: string, root: string) =>
    `--stack: received ${JSON.stringify(stack)}; expected a stack with a stack file here ("production", "staging"): no Pulumi.${stack}.yaml in ${root}\n`;

/**
 * The Automation API's own error for a stack the backend lacks, made as a failed `pulumi stack select`
 * makes it: @pulumi/pulumi 3.248.0, automation/errors.js, the internal createCommandError, which picks
 * StackNotFoundError when stderr matches "no stack named .* found" (both are left out of its .d.ts).
 */
function stackNotFound(stack: string): Error {
    const { CommandResult } = automationCmd as unknown as { CommandResult: new (stdout: string, stderr: string, code: number) => unknown };
    const { createCommandError } = automationErrors as unknown as { createCommandError: (result: unknown) => Error };
    return createCommandError(new CommandResult("", `error: no stack named '${stack}' found\n`, 255));
}

const notFound: RollbackDeps = { selectStack: (name) => Promise.reject(stackNotFound(name)) };
const NOT_IN_BACKEND = (stack: string) =>
    `--stack: received ${JSON.stringify(stack)}; expected a stack of the backend pulumi is logged in to (pulumi stack ls; a new one: pulumi stack init ${stack})\n`;

const untouched: RollbackDeps = {
    selectStack: () => Promise.reject(new Error("a refused command selected a stack")),
};

describe("npm run rollback: usage errors, exit 2, before any stack is selected", () => {
    it.each<[string, string[], number, string]>([
        ["--help", ["--help"], 0, ""],
        ["no flags", [], 2, `--stack is required\n${ROLLBACK_USAGE}`],
        ["an unknown flag", ["--stack", "staging", "--colour", "blue"], 2, `Unknown option '--colour'\n${ROLLBACK_USAGE}`],
        ["a flag without its value", ["--stack"], 2, `Option '--stack <value>' argument missing\n${ROLLBACK_USAGE}`],
        ["an invalid color", ["--stack", "staging", "--to", "purple"], 2, '--to: received "purple"; expected one of "blue", "green"\n'],
    ])("%s", async (_, argv, code, stderr) => {
        const r = await rollback(argv, untouched);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr });
        expect(r.stdout).toBe(code === 0 ? ROLLBACK_USAGE : "");
    });

    // Was: the Automation API's StackNotFoundError, printed with its stack, exit 1 (a typo: `--stack stagin`).
    it("refuses a stack the backend does not have in one line, not the Automation API's stack trace", async () => {
        expect(stackNotFound("stagin").name).toBe("StackNotFoundError");
        const r = await rollback(["--stack", "stagin", "--dry-run"], notFound);
        expect(r).toEqual({ code: 2, stdout: "", stderr: NOT_IN_BACKEND("stagin") });
    });
});

describe("npm run promote: usage errors, exit 2, before any stack is selected", () => {
    it.each<[string, string[], number, string]>([
        ["--help", ["--help"], 0, ""],
        // Was: "--service is required" alone, then "--stack is required" on the next try.
        ["no flags", [], 2, `--stack and --service are required: promote analyses one service's live color\n${PROMOTE_USAGE}`],
        ["no --stack", ["--service", "api"], 2, `--stack is required\n${PROMOTE_USAGE}`],
        ["no --service", ["--stack", "staging"], 2, `--service is required: promote analyses one service's live color\n${PROMOTE_USAGE}`],
        ["an unknown flag", ["--stack", "staging", "--service", "api", "--window", "5m"], 2, `Unknown option '--window'\n${PROMOTE_USAGE}`],
        ["a flag without its value", ["--stack", "staging", "--service"], 2, `Option '--service <value>' argument missing\n${PROMOTE_USAGE}`],
        ["an invalid color", ["--stack", "staging", "--service", "api", "--to", "purple"], 2, '--to: received "purple"; expected one of "blue", "green"\n'],
        ["--analysis 0", ["--stack", "staging", "--service", "api", "--analysis", "0"], 2, '--analysis: received "0"; expected a Prometheus duration longer than zero, such as "10m"\n'],
        ["--analysis without a unit", ["--stack", "staging", "--service", "api", "--analysis", "5"], 2, '--analysis: received "5"; expected a Prometheus duration longer than zero, such as "10m"\n'],
    ])("%s", async (_, argv, code, stderr) => {
        const r = await promote(argv, untouched);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr });
        expect(r.stdout).toBe(code === 0 ? PROMOTE_USAGE : "");
    });
});

describe("npm run promote: a stack the backend does not have", () => {
    it("is refused in one line, exit 2, not the Automation API's stack trace", async () => {
        expect(await promote(["--stack", "prod", "--service", "api"], notFound)).toEqual({ code: 2, stdout: "", stderr: NOT_IN_BACKEND("prod") });
    });
});

describe("npm run pending-switches: usage errors, exit 2, one line", () => {
    const root = scratchDir("launchpad-pending-usage-");
    for (const stack of ["staging", "production"]) {
        fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), path.join(root, `Pulumi.${stack}.yaml`));
    }
    const live = (name: string, text: string) => {
        const file = path.join(root, name);
        fs.writeFileSync(file, text);
        return file;
    };
    const good = live("live.json", '{"api":{"color":"blue"}}\n');
    const torn = live("torn.json", '{"api":');
    const list = live("list.json", "[]");

    it.each<[string, string[], number, string, string]>([
        ["--help", ["--help"], 0, PENDING_USAGE, ""],
        ["no flags", [], 2, "", `--stack and --live are required\n${PENDING_USAGE}`],
        ["an unknown flag", ["--stack", "staging", "--live", good, "--json"], 2, "", `Unknown option '--json'\n${PENDING_USAGE}`],
        // Was: ENOENT on Pulumi.stagin.yaml with its stack, exit 1.
        ["a stack with no stack file", ["--stack", "stagin", "--live", good], 2, "", NO_STACK("stagin", root)],
        // Was: JSON.parse's SyntaxError with its stack, exit 1.
        ["a live file that is not JSON", ["--stack", "staging", "--live", torn], 2, "",
            `--live: ${torn} is not valid JSON (${jsonError('{"api":')}); expected the stack's liveServices output: pulumi stack output liveServices --json\n`],
        ["a live file that is a list", ["--stack", "staging", "--live", list], 2, "",
            `--live: received a list in ${list}; expected the stack's liveServices output, an object by service name: pulumi stack output liveServices --json\n`],
        // The valid call beside them: staging's file names green (Pulumi.staging.yaml), blue is live.
        ["a valid call", ["--stack", "staging", "--live", good], 0, "api blue green\n", ""],
    ])("%s", (_, argv, code, stdout, stderr) => {
        expect(pendingSwitches(argv, root)).toEqual({ code, stdout, stderr });
    });
});

// What only the process shows: the exit status and that stderr is the one line, not a stack (the
// pending-switches refusals came from runMain's unexpected(); bench:loadtest's from parseArgs uncaught).
describe.skipIf(SKIP_PROCESSES)("as processes: one line, the documented exit status", () => {
    it.each<[string, string[], number, string]>([
        ["pending-switches, a stack with no stack file", ["--import", "tsx", "scripts/pending-switches.ts", "--stack", "stagin", "--live", "/nonexistent.json"], 2, NO_STACK("stagin", REPO_ROOT)],
        ["bench:loadtest --help", ["--expose-gc", "--import", "tsx", "bench/loadtest.bench.ts", "--help"], 0, ""],
        ["bench:loadtest, a typo", ["--expose-gc", "--import", "tsx", "bench/loadtest.bench.ts", "--second", "5"], 1, "Unknown option '--second'\nusage: npm run bench:loadtest -- [--seconds N] [--users N] [--speed N]\n"],
        ["vendor:crds --help", ["--import", "tsx", "scripts/vendor-crds.ts", "--help"], 0, ""],
    ])("%s", (_, args, status, stderr) => {
        const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status, stderr });
        expect(r.stdout.startsWith(status === 0 ? "usage: npm run " : "")).toBe(true);
    });
});

function jsonError(text: string): string {
    try {
        JSON.parse(text);
    } catch (e) {
        return (e as Error).message;
    }
    throw new Error("parsed");
}
