/**
 * Every `aws`, `pulumi` and `gh` command line the docs, README, workflows, scripts and the program's
 * messages tell someone to run is one the real tool accepts (tests/support/command-lines.ts finds them).
 *
 * - `aws`: Debian's AWS CLI itself runs each one, with dummy credentials and `--endpoint-url` at a
 *   local server that records the request and answers an error. Its argument parser and botocore's
 *   client-side parameter validation run for real: accepted means the request reached the server as
 *   the operation the subcommand names; refused means "Unknown options", "the following arguments
 *   are required", "Invalid choice" or "Parameter validation failed". Operations newer than
 *   Debian's 2.9.19 model run against botocore's current model (vendor/botocore-models/).
 * - `pulumi` and `gh`: no CLI here; each line's subcommand path, flags and each flag's arity
 *   against the tables extracted from their cobra sources (vendor/pulumi-cli/, vendor/gh-cli/).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";
import { RELEASE_ID_KEY_HINT } from "../config/release-key";
import { setCommand } from "../config/placeholders";
import { commandLines, parseCommands, sources, type CommandLine } from "./support/command-lines";
import { APT_PACKAGES, describeWithTools, findAws, IN_CI } from "./support/db-tools";

const ALL = commandLines();
const of = (tool: CommandLine["tool"]) => ALL.filter((c) => c.tool === tool);
const where = (c: CommandLine) => `${c.file}:${c.line}`;

describe("the command-line extractor", () => {
    it("reads README.md, every page under docs/, every workflow, every shell script and the program's TypeScript", () => {
        const s = sources();
        expect(s.markdown).toContain("README.md");
        expect(s.markdown).toEqual(expect.arrayContaining(["docs/operations.md", "docs/runbooks/README.md", "docs/runbooks/region-failure.md", "docs/runbooks/server-failure.md"]));
        expect(s.workflows).toEqual([".github/workflows/deploy.yml", ".github/workflows/preview.yml", ".github/workflows/rollback.yml"]);
        expect(s.shell).toEqual(expect.arrayContaining(["scripts/unmerged-rollback.sh", "scripts/db/dump.sh", "scripts/db/verify.sh", "scripts/db/dr-metrics.sh"]));
        expect(s.typescript).toEqual(expect.arrayContaining(["components/database.ts", "config/observability.ts", "scripts/rollback.ts"]));
    });

    it("finds the known commands in their files, placeholders filled by typed dummies", () => {
        // The commands of `file` whose source text holds `needle` (line numbers move with every edit).
        const at = (file: string, needle: string) => ALL.filter((c) => c.file === file && c.text.includes(needle)).map((c) => [c.tool, ...c.argv].join(" "));
        // A code block's command continued over lines, with "$VAR" values.
        expect(at("docs/runbooks/server-failure.md", "reboot-db-instance")).toEqual(["aws rds reboot-db-instance --db-instance-identifier launchpad-dummy --force-failover"]);
        // A `$(...)` inside an assignment, and `<placeholder>`s inside a word.
        expect(at("docs/operations.md", "update-nodegroup-config")).toEqual(["aws eks update-nodegroup-config --cluster-name launchpad-dummy --nodegroup-name launchpad-dummy --scaling-config minSize=1,maxSize=1,desiredSize=1"]);
        // Both commands of `a && b` on one line.
        expect(at("docs/runbooks/database-corruption.md", 'aws s3 cp "s3://$BUCKET/$KEY" . &&')).toEqual(["aws s3 cp s3://1/1 .", "aws s3 cp s3://1/1.sha256 ."]);
        // scripts/db/lib.sh's wrappers: aws_cli_in <region> is aws --region <region>.
        expect(at("scripts/db/dr-metrics.sh", 'aws_cli_in "$DR_REGION" rds').filter((c) => c.includes(" rds "))[0]).toMatch(/^aws --region us-west-2 rds describe-db-instance-automated-backups --db-instance-automated-backups-arn arn:aws:/);
        expect(at("scripts/db/dump.sh", 'application/gzip "$src"')).toEqual(["aws s3 cp --only-show-errors --content-type application/gzip launchpad-dummy s3://1/1"]);
        // A workflow's run: block, a ${{ }} expression and a multi-line quoted argument.
        expect(at(".github/workflows/rollback.yml", "gh pr create")[0]).toBe("gh pr create --base launchpad-dummy --head launchpad-dummy --title Roll back 1 (by 1) --body launchpad-dummy");
        expect(at("scripts/unmerged-rollback.sh", "gh pr list")).toEqual(['gh pr list --repo octo-org/launchpad --head launchpad-dummy --state all --json state,url,isCrossRepository --jq .[] | select(.isCrossRepository | not) | "\\(.state) \\(.url)"']);
        // Inline code in a sentence is a fragment; so is a message's quoted command in TypeScript.
        expect(ALL.find((c) => c.file === "docs/runbooks/README.md" && c.text === "aws rds modify-db-instance --no-deletion-protection")).toMatchObject({ tool: "aws", argv: ["rds", "modify-db-instance", "--no-deletion-protection"], fragment: true });
        expect(ALL.find((c) => c.file === "scripts/rollback.ts" && c.argv.join(" ") === "up --stack launchpad-dummy")).toMatchObject({ tool: "pulumi", fragment: true });
        expect(ALL.find((c) => c.file === "config/observability.ts" && c.argv[0] === "config" && c.argv.includes("launchpad:alerting.slackWebhookUrl"))?.argv).toEqual(["config", "set", "--secret", "--path", "launchpad:alerting.slackWebhookUrl", "launchpad-dummy"]);
        // A wrapper's own body (`exec aws ... "$@"`) is not a command line.
        expect(ALL.filter((c) => c.file === "scripts/db/lib.sh")).toEqual([]);
    });

    it("counts them: about 100 aws, 260 pulumi and 4 gh command lines", () => {
        const counts = { aws: of("aws").length, pulumi: of("pulumi").length, gh: of("gh").length };
        // Lower bounds, so a new command line needs no edit here but a broken extractor fails.
        expect(counts.aws).toBeGreaterThanOrEqual(100);
        expect(counts.pulumi).toBeGreaterThanOrEqual(250);
        expect(counts.gh).toBe(4);
        const files = new Set(ALL.map((c) => c.file));
        const expected = ["README.md", "docs/operations.md", "docs/delivery.md", "docs/data-protection.md", "docs/runbooks/accidental-deletion.md", ".github/workflows/deploy.yml", "scripts/db/verify.sh", "config/observability.ts", "lib/versions.ts"];
        expect(expected.filter((f) => !files.has(f))).toEqual([]);
    });
});

interface CobraTable {
    readonly [path: string]: { readonly files: readonly string[]; readonly aliases: readonly string[]; readonly flags: Readonly<Record<string, { readonly short?: string; readonly value: "none" | "required" | "optional" }>> };
}
const table = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, "vendor", name, "flags.json"), "utf8")) as CobraTable;

/**
 * What is wrong with `argv` by a cobra table: the longest known subcommand path, then each flag
 * known (cobra adds -h/--help itself) with a value when it takes one. A fragment may end on a flag
 * whose value the sentence gives. Empty when nothing is.
 */
export function cobraProblems(cli: CobraTable, argv: readonly string[], fragment: boolean): string[] {
    // The longest leading run of words that names a vendored path, its last word maybe an alias.
    const firstFlag = argv.findIndex((w) => w.startsWith("-"));
    const leading = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
    let path = "";
    let depth = 0;
    for (let k = Math.min(leading.length, 3); k > 0 && path === ""; k--) {
        const head = leading.slice(0, k - 1).join(" ");
        const found = Object.entries(cli).find(([p, c]) => {
            const ws = p.split(" ");
            return ws.length === k && ws.slice(0, -1).join(" ") === head && (ws[k - 1] === leading[k - 1] || c.aliases.includes(leading[k - 1]));
        });
        if (found) [path, depth] = [found[0], k];
    }
    const words = argv.slice(depth);
    if (path === "") return [`no known subcommand: ${argv.join(" ")} (vendored: ${Object.keys(cli).join(", ")})`];
    const flags = cli[path].flags;
    const problems: string[] = [];
    for (let i = 0; i < words.length; i++) {
        const w = words[i];
        if (w === "--") break;
        if (!w.startsWith("-") || w === "-") continue;
        const [name, attached] = w.startsWith("--") ? [w.slice(2).split("=")[0], w.includes("=")] : [w.slice(1, 2), w.length > 2];
        const flag = w.startsWith("--") ? flags[name] : Object.values(flags).find((f) => f.short === name);
        if (name === "help" || name === "h") continue;
        if (!flag) {
            problems.push(`${path}: unknown flag ${w}`);
        } else if (flag.value === "required" && !attached) {
            if (i + 1 < words.length) i++;
            else if (!fragment) problems.push(`${path}: ${w} needs a value`);
        } else if (flag.value === "none" && attached && w.startsWith("--") && !/=(true|false)$/.test(w)) {
            problems.push(`${path}: ${w} takes no value`);
        }
    }
    return problems;
}

describe("the cobra-table check itself", () => {
    const cli = table("pulumi-cli");
    it("accepts known paths, aliases, flags and arities; refuses the rest", () => {
        expect(cobraProblems(cli, ["up", "--stack", "production", "--target", "urn", "--target-dependents", "--yes"], false)).toEqual([]);
        expect(cobraProblems(cli, ["update", "-s", "production", "-y"], false)).toEqual([]);
        expect(cobraProblems(cli, ["up", "--refresh"], false)).toEqual([]);
        expect(cobraProblems(cli, ["up", "--target"], false)).toEqual(["up: --target needs a value"]);
        expect(cobraProblems(cli, ["up", "--target"], true)).toEqual([]);
        expect(cobraProblems(cli, ["up", "--targets", "x"], false)).toEqual(["up: unknown flag --targets"]);
        expect(cobraProblems(cli, ["config", "set", "--path=x", "k", "v"], false)).toEqual(["config set: --path=x takes no value"]);
        expect(cobraProblems(cli, ["stak", "output"], false)[0]).toMatch(/^no known subcommand: stak output/);
        // Persistent flags come from parents: --stack from `config`, --cwd from the root.
        expect(cli["config set"].flags.stack).toEqual({ short: "s", value: "required" });
        expect(cli["stack output"].flags.cwd).toEqual({ short: "C", value: "required" });
    });
});

describe("every pulumi command line uses a subcommand and flags of Pulumi CLI v3.248.0 (vendor/pulumi-cli, pkg/cmd/pulumi)", () => {
    const cli = table("pulumi-cli");
    it.each(of("pulumi").map((c) => [where(c), [c.tool, ...c.argv].join(" "), c] as const))("%s: %s", (_, __, c) => {
        expect({ line: c.text, problems: cobraProblems(cli, c.argv, c.fragment) }).toEqual({ line: c.text, problems: [] });
    });
});

describe("the pulumi commands the program builds for its messages", () => {
    const cli = table("pulumi-cli");
    // config/placeholders.ts setCommand: every combination of --secret and --path, and a key it quotes.
    it.each([
        setCommand("launchpad:tier", "production", "production", false),
        setCommand("launchpad:cluster.endpointPublicAccessCidrs[0]", "198.51.100.7/32", "staging", false),
        setCommand("grafana:auth", "<token>", "production", true),
        setCommand('launchpad:tags["cost-center"]', "platform", "staging", true),
        RELEASE_ID_KEY_HINT,
    ])("%s", (command) => {
        const parsed = parseCommands(command);
        expect(parsed.map((p) => p.tool)).toEqual(["pulumi"]);
        expect(cobraProblems(cli, parsed[0].argv, false)).toEqual([]);
    });
});

describe("every gh command line uses a subcommand and flags of gh v2.60.0 (vendor/gh-cli, pkg/cmd)", () => {
    const cli = table("gh-cli");
    it.each(of("gh").map((c) => [where(c), [c.tool, ...c.argv].join(" "), c] as const))("%s: %s", (_, __, c) => {
        expect({ line: c.text, problems: cobraProblems(cli, c.argv, c.fragment) }).toEqual({ line: c.text, problems: [] });
    });
});

/** One request the stand-in endpoint received, by the command that sent it (the path's first segment). */
interface Received {
    readonly method: string;
    readonly url: string;
    readonly target?: string;
    readonly body: string;
}

/** Debian's AWS CLI data: the waiters the `aws rds wait` subcommands poll with (the CLI's own model). */
const DEBIAN_BOTOCORE = "/usr/lib/python3/dist-packages/awscli/botocore/data";
/** botocore's current models for what Debian's 2.9.19 predates (vendor/botocore-models/SOURCE.md). */
const NEWER_MODELS = join(REPO_ROOT, "vendor", "botocore-models");

/** What the CLI prints when its parser or client-side validation refuses a command line. */
const REFUSED = /Unknown options|the following arguments are required|Invalid choice|Parameter validation failed|expected one argument|Invalid type for parameter|error: argument|must be specified/;

interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly requests: readonly Received[];
    /** The argv as run, after what a fragment leaves out was supplied. */
    readonly argv: readonly string[];
    /** Ran against vendor/botocore-models because Debian's model refused it. */
    readonly newerModel: boolean;
}

/** The words of an aws argv that are no flag nor a flag's value: service, operation, operands. */
const positional = (argv: readonly string[]) => argv.filter((w, i) => !w.startsWith("-") && !(argv[i - 1]?.startsWith("--") && !/^--(no-|force-failover|apply-immediately|skip-final-snapshot|delete-automated-backups|copy-tags|only-show-errors)/.test(argv[i - 1])));

/**
 * The AWS CLI suite runs under CI=true and with LAUNCHPAD_CLI_TEST=1 (`npm run test:cli`): about a
 * hundred CLI processes of half a CPU-second each, 30 s of a worker on an idle 2-core machine and
 * minutes on a loaded one, too slow for a local `npm test`. Skipped locally with a loud message.
 */
const RUN_AWS = IN_CI || process.env.LAUNCHPAD_CLI_TEST === "1";
if (!RUN_AWS) {
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** command-lines: SKIPPING the AWS CLI runs in tests/command-lines.test.ts (slow: a CLI process per command line).\n` +
        `Run them with: npm run test:cli   (needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

const aws = RUN_AWS ? findAws() : undefined;
const awsIsV2 = aws !== undefined && /^aws-cli\/2\./.test(spawnSync(aws, ["--version"], { encoding: "utf8" }).stdout);
/** `describeWithTools` when the AWS CLI suite runs, else skipped (the message above says so), so the run's skip count shows it. */
function describeAws(title: string, missing: readonly string[], body: () => void): void {
    if (RUN_AWS) {
        describeWithTools(title, missing, body);
    } else {
        describe.skipIf(true)(`${title}`, () => {
            body();
        });
    }
}

describeAws("every aws command line runs in Debian's AWS CLI 2.9.19 against a recording endpoint", awsIsV2 ? [] : ["/usr/bin/aws (AWS CLI v2)"], () => {
    const received = new Map<string, Received[]>();
    let server: http.Server;
    let endpoint = "";
    let home = "";
    const runs = new Map<CommandLine, Run>();
    /** What the CLI's own model says of each line it accepted: enum values, --query fields (tests/support/aws-cli-model.py). */
    const modelProblems = new Map<CommandLine, string[]>();

    /** The `aws` process for `argv`, request paths prefixed by `id`; resolves when it exits. */
    function runAws(id: string, argv: readonly string[], dataPath: string | undefined): Promise<Omit<Run, "argv" | "newerModel">> {
        const cwd = join(home, id);
        mkdirSync(cwd, { recursive: true });
        // `aws s3 cp <local file> s3://...` reads the file before any request: give it one.
        if (argv[0] === "s3" && argv[1] === "cp") {
            for (const a of argv.slice(2).filter((w) => !w.startsWith("-") && !w.startsWith("s3://") && w !== "." && !/^(text|application)\//.test(w))) {
                mkdirSync(dirname(join(cwd, a)), { recursive: true });
                writeFileSync(join(cwd, a), "launchpad\n");
            }
        }
        const region = argv.includes("--region") ? [] : ["--region", "us-east-1"];
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: "AKIDLAUNCHPADTEST",
            AWS_SECRET_ACCESS_KEY: "launchpad-test-secret",
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_MAX_ATTEMPTS: "1",
            AWS_PAGER: "",
            ...(dataPath ? { AWS_DATA_PATH: dataPath } : {}),
        };
        return new Promise((resolve, reject) => {
            const child = spawn(aws ?? "aws", ["--endpoint-url", `${endpoint}/${id}`, ...region, ...argv], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code, stdout, stderr, requests: received.get(id) ?? [] }));
        });
    }

    /**
     * Runs one command line: a fragment that leaves out required options gets dummies for them
     * (the CLI names them), one ending on a flag its sentence fills gets a value; a command
     * Debian's model does not know runs again against the current model if that is vendored.
     */
    async function runLine(c: CommandLine, index: number): Promise<Run> {
        let argv = [...c.argv];
        let newerModel = false;
        for (let attempt = 0; attempt < 4; attempt++) {
            const id = `c${String(index)}-${String(attempt)}`;
            const r = await runAws(id, argv, newerModel ? NEWER_MODELS : undefined);
            // argparse's own list, or a customization's check (`eks get-token`: "Either parameter --cluster-name or --cluster-id must be specified.").
            const required = /the following arguments are required: (.*)/.exec(r.stderr) ?? /Either parameter (--[\w-]+) or --[\w-]+ must be specified/.exec(r.stderr);
            const noValue = /argument (--[\w-]+): expected one argument/.exec(r.stderr);
            if (c.fragment && required) {
                argv = [...argv, ...required[1].split(", ").flatMap((f) => [f.trim(), "launchpad-dummy"])];
            } else if (c.fragment && noValue && argv[argv.length - 1] === noValue[1]) {
                argv = [...argv, "launchpad-dummy"];
            } else if (!newerModel && /Invalid choice|Unknown options/.test(r.stderr) && ["backup", "amp"].includes(positional(argv)[0])) {
                newerModel = true;
            } else {
                return { ...r, argv, newerModel };
            }
        }
        throw new Error(`${where(c)}: no verdict after four runs`);
    }

    beforeAll(async () => {
        home = mkdtempSync(join(tmpdir(), "launchpad-clicmds-"));
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => {
                const id = (req.url ?? "/").split("/")[1].split("?")[0];
                const target = req.headers["x-amz-target"];
                received.set(id, [...(received.get(id) ?? []), { method: req.method ?? "", url: req.url ?? "", body, ...(typeof target === "string" ? { target } : {}) }]);
                // An error every protocol's parser reads: the call fails after it was sent.
                res.writeHead(400, { "content-type": "text/xml" });
                res.end("<ErrorResponse><Error><Type>Sender</Type><Code>LaunchpadRecorded</Code><Message>recorded by the test</Message></Error></ErrorResponse>");
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        endpoint = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
        // Each CLI run costs about half a CPU-second: a few at a time, on this 2-core machine.
        // One run per distinct command line (six `aws eks get-token`s are one).
        const distinct = new Map<string, CommandLine[]>();
        for (const c of of("aws")) {
            const key = JSON.stringify([c.argv, c.fragment]);
            distinct.set(key, [...(distinct.get(key) ?? []), c]);
        }
        const groups = [...distinct.values()];
        let next = 0;
        const worker = async () => {
            while (next < groups.length) {
                const i = next++;
                const r = await runLine(groups[i][0], i);
                for (const c of groups[i]) runs.set(c, r);
            }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        // One python3 for every model question: the enum flags and --query of each accepted line.
        const asked = groups.map((g, i) => ({ g, i, r: runs.get(g[0]) })).filter(({ r }) => r !== undefined && r.requests.length > 0 && modelOperation(r.argv) !== undefined);
        const requests = asked.map(({ i, r }) => {
            const run = r as Run;
            const [service, operation] = modelOperation(run.argv) as [string, string];
            const values: Record<string, string[]> = {};
            run.argv.forEach((w, k) => {
                if (!w.startsWith("--")) return;
                const following = run.argv.slice(k + 1);
                const end = following.findIndex((x) => x.startsWith("--"));
                values[w] = end < 0 ? following : following.slice(0, end);
            });
            // A vendored service's current model also for an operation Debian's CLI knows: its output
            // gained fields since (DescribeRestoreJob's ValidationStatus, November 2023), which a current
            // CLI returns and a --query may name; the current model is a superset of the old one.
            const current = run.newerModel || existsSync(join(NEWER_MODELS, service));
            return { id: String(i), service, operation, dataPath: current ? NEWER_MODELS : undefined, enums: values, query: values["--query"]?.[0] ?? "" };
        });
        const answer = spawnSync("/usr/bin/python3", [join(REPO_ROOT, "tests", "support", "aws-cli-model.py")], { input: JSON.stringify(requests), encoding: "utf8" });
        if (answer.status !== 0) throw new Error(`tests/support/aws-cli-model.py failed: ${answer.stderr}`);
        const byId = JSON.parse(answer.stdout) as Record<string, string[]>;
        for (const { g, i } of asked) for (const c of g) modelProblems.set(c, byId[String(i)]);
    }, 600_000);

    afterAll(async () => {
        await new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        });
        rmSync(home, { recursive: true, force: true });
    });

    /** The botocore service and operation (lower case, no dashes) of a model operation's command; none for the CLI's own (s3 cp, waiters, get-token). */
    function modelOperation(argv: readonly string[]): [string, string] | undefined {
        const [service, sub] = positional(argv);
        if (service === "s3" || sub === "wait" || (service === "eks" && sub === "get-token")) return undefined;
        return [service === "s3api" ? "s3" : service, sub.replace(/-/g, "")];
    }

    /** The operation a request names: the query protocol's Action, the JSON protocol's X-Amz-Target, else the CLI's error line. */
    function operation(r: Run): string | undefined {
        const first = r.requests[0] as Received | undefined;
        const action = first ? /(?:^|&)Action=(\w+)/.exec(first.body)?.[1] : undefined;
        return action ?? first?.target?.split(".").pop() ?? /when calling the (\w+) operation/.exec(r.stderr)?.[1];
    }

    /** The operation `argv` should call: the subcommand's own, a waiter's polling operation, s3 cp's first call. */
    function expectedOperation(argv: readonly string[]): string {
        const words = positional(argv);
        const [service, sub, waiter] = words;
        if (service === "rds" && sub === "wait") {
            const model = JSON.parse(readFileSync(join(DEBIAN_BOTOCORE, "rds", "2014-10-31", "waiters-2.json"), "utf8")) as { waiters: Record<string, { operation: string }> };
            const name = Object.keys(model.waiters).find((k) => k.toLowerCase() === waiter.replace(/-/g, ""));
            return name ? model.waiters[name].operation : `no waiter ${waiter}`;
        }
        if (service === "s3" && sub === "cp") {
            // A download or a copy asks for the source object first; an upload puts.
            return words[2].startsWith("s3://") ? "HeadObject" : "PutObject";
        }
        return sub.replace(/-/g, "");
    }

    it("is the CLI that CI installs: aws-cli/2.9.19", () => {
        expect(spawnSync(aws ?? "aws", ["--version"], { encoding: "utf8" }).stdout).toMatch(/^aws-cli\/2\.9\.19 /);
    });

    const signsLocally = (c: CommandLine) => positional(c.argv).slice(0, 2).join(" ") === "eks get-token";
    const ran = (c: CommandLine): Run => {
        const r = runs.get(c);
        if (!r) throw new Error(`${where(c)} did not run`);
        return r;
    };

    it.each(of("aws").filter(signsLocally).map((c) => [where(c), [c.tool, ...c.argv].join(" "), c] as const))("%s: %s signs a token locally, with no request", (_, __, c) => {
        const r = ran(c);
        expect(r.stderr).not.toMatch(REFUSED);
        expect(r.requests).toEqual([]);
        expect((JSON.parse(r.stdout) as { status: { token: string } }).status.token).toMatch(/^k8s-aws-v1\./);
        expect(r.code).toBe(0);
    });

    it.each(of("aws").filter((c) => !signsLocally(c)).map((c) => [where(c), [c.tool, ...c.argv].join(" "), c] as const))("%s: %s", (_, __, c) => {
        const r = ran(c);
        // The argv as run and what the CLI said, with each verdict, so a failure shows both.
        expect({ argv: r.argv.join(" "), refused: REFUSED.exec(r.stderr)?.[0] }).toEqual({ argv: r.argv.join(" "), refused: undefined });
        expect({ argv: r.argv.join(" "), stderr: r.stderr, reached: r.requests.length > 0 }).toMatchObject({ reached: true });
        expect(operation(r)?.toLowerCase()).toBe(expectedOperation(r.argv).toLowerCase());
        // Enum values and --query fields, which the CLI sends or applies unchecked, by its own model.
        expect({ argv: r.argv.join(" "), model: modelProblems.get(c) ?? [] }).toEqual({ argv: r.argv.join(" "), model: [] });
        // 254: the service's error; 1: `s3 cp`'s "fatal error" for one; 255: a waiter that stopped on
        // the error (botocore's WaiterError), never a parse error (252) or another 255.
        const waiter = /^Waiter \w+ failed: An error occurred \(LaunchpadRecorded\)/m.test(r.stderr);
        expect({ code: r.code, waiter }).toEqual(positional(r.argv)[1] === "wait" ? { code: 255, waiter: true } : { code: positional(r.argv)[0] === "s3" ? 1 : 254, waiter: false });
    });

    it("asks the CLI's own model about every line with an operation of its own, and the model check refuses a wrong enum value and --query field", () => {
        const own = of("aws").filter((c) => modelOperation(c.argv) !== undefined);
        expect(own.filter((c) => !modelProblems.has(c)).map(where)).toEqual([]);
        expect(own.length).toBeGreaterThan(70);
        const bad = [
            { id: "enum", service: "rds", operation: "describeevents", enums: { "--source-type": ["db-instances"] }, query: "" },
            { id: "query", service: "s3", operation: "listobjectsv2", enums: {}, query: "Contents[?ends_with(Name, `.gz`)].[Key]" },
            { id: "newer", service: "backup", operation: "listrestoretestingplans", dataPath: NEWER_MODELS, enums: {}, query: "RestoreTestingPlans[].PlanArn" },
        ];
        const answer = spawnSync("/usr/bin/python3", [join(REPO_ROOT, "tests", "support", "aws-cli-model.py")], { input: JSON.stringify(bad), encoding: "utf8" });
        const byId = JSON.parse(answer.stdout) as Record<string, string[]>;
        expect(byId.enum).toEqual([expect.stringMatching(/^--source-type db-instances: not one of db-instance, /)]);
        expect(byId.query).toEqual([expect.stringMatching(/^--query names Name, which Object does not have \(it has Key, /)]);
        expect(byId.newer).toEqual([expect.stringMatching(/^--query names PlanArn, which RestoreTestingPlanForList does not have/)]);
    });

    it("needs botocore's current model for exactly the operations newer than Debian's 2.9.19 (vendor/botocore-models/SOURCE.md)", () => {
        const newer = [...new Set(of("aws").filter((c) => ran(c).newerModel).map((c) => positional(c.argv).slice(0, 2).join(" ")))].sort();
        expect(newer).toEqual(["amp get-default-scraper-configuration", "amp list-scrapers", "backup get-restore-testing-selection", "backup list-restore-jobs", "backup list-restore-testing-plans", "backup list-restore-testing-selections", "backup put-restore-validation-result"]);
    });
});
