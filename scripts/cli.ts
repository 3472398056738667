/**
 * The shell every `npm run <command>` script shares: a command is a function of its arguments that
 * returns `{ code, stdout, stderr }` (so tests run it in-process), strict flag parsing with `--help`,
 * and the entry point that writes the result and sets the exit code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { stackFileNames } from "../config/stack-file-names";

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type StrictConfig<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: false };
export type Flags<O extends Options> = ReturnType<typeof parseArgs<StrictConfig<O>>>["values"];

/** A command that ends before its work: exit `code`, `stderr`, nothing on stdout. */
export function failed(code: number, stderr: string): CliResult {
    return { code, stdout: "", stderr };
}

/**
 * What a command that reads a stack through the Automation API (rollback, promote, the loadtest's
 * kubeconfig) prints when the Pulumi CLI is missing: the API spawns `pulumi` and its error is a
 * 20-line stack trace ending in "spawn pulumi ENOENT", which names nothing to install.
 */
export const PULUMI_CLI_MISSING = "error: the Pulumi CLI is not on PATH: this command reads the stack's state and config through the Pulumi Automation API, which runs `pulumi` (v3.187.0 or later, logged in to the stack's backend; docs/operations.md, Deploying for real)\n";

/** An error no command foresaw: exit 1 with its stack, so a bug never reads like bad input. */
export function unexpected(e: unknown): CliResult {
    if (e instanceof Error && /\bspawn pulumi ENOENT\b/.test(e.message)) {
        return failed(1, PULUMI_CLI_MISSING);
    }
    return failed(1, `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
}

/**
 * Parses `argv` strictly against `options` (no positionals) plus `--help`/`-h`. Returns the flags,
 * or the result to return at once: the usage with exit 0 for `--help`; the parser's message and
 * the usage with exit `badArgsCode` for anything it refuses.
 */
export function parseFlags<const O extends Options>(argv: readonly string[], options: O, usage: string, badArgsCode = 1): { flags: Flags<O> } | { result: CliResult } {
    let values;
    try {
        values = parseArgs({
            args: [...argv],
            options: { ...options, help: { type: "boolean", short: "h", default: false } },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        return { result: failed(badArgsCode, `${parseArgsMessage(e, argv)}\n${usage}\n`) };
    }
    if ((values as { help?: boolean }).help === true) {
        return { result: { code: 0, stdout: `${usage}\n`, stderr: "" } };
    }
    return { flags: values as Flags<O> };
}

/**
 * node:util's parseArgs message, except that a stray argument is named by its position, not its
 * text: `--set-secret grafana:auth tok3n` (a space for the `=`) made the token a positional, which the
 * parser printed ("Unexpected argument 'tok3n'") into the terminal or the CI log.
 */
export function parseArgsMessage(e: unknown, argv: readonly string[]): string {
    const message = e instanceof Error ? e.message : String(e);
    if ((e as { code?: unknown }).code !== "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
        return message;
    }
    const text = /^Unexpected argument '([\s\S]*)'\. /.exec(message)?.[1];
    const at = text === undefined ? -1 : argv.indexOf(text);
    return `Unexpected argument${at >= 0 ? ` ${at + 1}` : ""} (its text is not shown: it may be a secret): this command takes no positional arguments; give each flag its value as --flag <value> or --flag=<value>`;
}

/**
 * The problem with a `--stack` that has no `Pulumi.<stack>.yaml` in `root`, or undefined, for a
 * command that reads the stack file itself (pending-switches): a typo (`stagin`) otherwise surfaced as
 * an ENOENT stack trace.
 */
export function stackFileProblem(root: string, stack: string): string | undefined {
    const file = `Pulumi.${stack}.yaml`;
    if (!stack.includes("/") && fs.existsSync(path.join(root, file))) {
        return undefined;
    }
    const stacks = stackFileNames(root) ?? [];
    return `--stack: received ${JSON.stringify(stack)}; expected a stack with a stack file here (${stacks.length === 0 ? "none" : stacks.map((s) => JSON.stringify(s)).join(", ")}): no ${file} in ${root}`;
}

/** `--stack <name>` and repeatable `--set <key>=<value>`: how a command names the stack whose config it reads offline. */
const STACK_CONFIG_FLAGS: Options = {
    stack: { type: "string", short: "s" },
    set: { type: "string", multiple: true, default: [] },
};

/** What {@link parseStackConfigFlags} read: the stack, its `--set`s in order, and the command's own flags. */
export interface StackConfigArgs<O extends Options> {
    readonly stack: string;
    readonly sets: readonly string[];
    readonly flags: Flags<O>;
}

/**
 * {@link parseFlags} for a command that reads one stack's config offline (`npm run plan`, `npm run
 * rules`): `--stack` (required: exit `badArgsCode` with the usage without it) and `--set`, beside the
 * command's own `options`.
 */
export function parseStackConfigFlags<const O extends Options>(argv: readonly string[], options: O, usage: string, badArgsCode = 1): { args: StackConfigArgs<O> } | { result: CliResult } {
    const parsed = parseFlags(argv, { ...options, ...STACK_CONFIG_FLAGS }, usage, badArgsCode);
    if ("result" in parsed) {
        return parsed;
    }
    const { stack, set } = parsed.flags as { stack?: string; set: string[] };
    if (stack === undefined) {
        return { result: failed(badArgsCode, `--stack is required\n${usage}\n`) };
    }
    return { args: { stack, sets: set, flags: parsed.flags as unknown as Flags<O> } };
}

/** Runs `command` with the process's arguments, writes its output and sets the exit code. */
export function runMain(command: (argv: readonly string[]) => CliResult | Promise<CliResult>): void {
    // A reader that stops early (`| head`) is not an error of the command.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
    });
    void Promise.resolve()
        .then(() => command(process.argv.slice(2)))
        .catch(unexpected)
        .then((r) => {
            process.stdout.write(r.stdout);
            process.stderr.write(r.stderr);
            process.exitCode = r.code;
        });
}
