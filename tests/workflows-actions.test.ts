import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import { assertTools, skipForMissing, which } from "./support/db-tools";

// The workflows against the real actions at the releases they pin: each `uses:` is a release's full
// commit with its tag in a comment, and that release's action.yml is vendored under
// vendor/<owner>-<name>/ (SOURCE.md: tag, commit, blob; tests/versions.test.ts checks the blobs):
// actions/checkout v7.0.1, actions/setup-node v7.0.0, aws-actions/configure-aws-credentials v6.2.3,
// pulumi/actions v7.0.0. actionlint has no metadata for an action pinned by commit (it checks inputs
// only for the tags its own list names): this reads the actions' own files instead.

const WORKFLOWS = ["preview", "deploy", "rollback"] as const;
interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    steps: Step[];
}
interface ActionYml {
    inputs: Record<string, { required?: boolean; default?: unknown }>;
    runs: { using: string };
}
const workflowText = (name: string) => readFileSync(join(REPO_ROOT, ".github", "workflows", `${name}.yml`), "utf8");
const jobsOf = (text: string) => Object.entries((parseYaml(text) as { jobs: Record<string, Job> }).jobs);
const jobs = (name: string) => jobsOf(workflowText(name));
const stepsOf = (w: string, text: string) => jobsOf(text).flatMap(([job, j]) => j.steps.map((step, i) => ({ where: `${w}.yml ${job} step ${i + 1}`, job: j, step })));
const everyStep = () => WORKFLOWS.flatMap((w) => stepsOf(w, workflowText(w)));
/** The action a `uses:` names, without its ref: `pulumi/actions`. */
const actionOf = (uses: string) => uses.split("@")[0];
const isAction = (name: string) => (s: Step) => s.uses !== undefined && actionOf(s.uses) === name;
const vendorDir = (uses: string) => join(REPO_ROOT, "vendor", actionOf(uses).replace("/", "-"));
const actionYml = (uses: string) => parseYaml(readFileSync(join(vendorDir(uses), "action.yml"), "utf8")) as ActionYml;
/** A SOURCE.md table row's value. */
const sourceField = (uses: string, field: string) => new RegExp(`\\| ${field} \\| ([^|]+?) \\|`).exec(readFileSync(join(vendorDir(uses), "SOURCE.md"), "utf8"))?.[1];

/** Every `with:` key no input of the vendored action.yml names, and every required input without a default left out. */
function inputProblems(steps: readonly { where: string; step: Step }[]): { unknown: string[]; missing: string[] } {
    const unknown: string[] = [];
    const missing: string[] = [];
    for (const { where, step } of steps.filter((s) => s.step.uses !== undefined)) {
        const inputs = actionYml(step.uses as string).inputs;
        const given = Object.keys(step.with ?? {});
        const name = actionOf(step.uses as string);
        unknown.push(...given.filter((k) => !(k in inputs)).map((k) => `${where} (${name}): ${k}`));
        missing.push(...Object.entries(inputs).filter(([k, v]) => v.required === true && v.default === undefined && !given.includes(k)).map(([k]) => `${where} (${name}): ${k}`));
    }
    return { unknown, missing };
}

/** The CLI floor Pulumi.yaml states for its `type: object` config ("(v3.187.0 or later)"). */
function pulumiFloor(): [number, number, number] {
    const m = /\(v(\d+)\.(\d+)\.(\d+) or later\)/.exec(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
    expect(m).not.toBeNull();
    return [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
}

describe("the workflows' `uses:` against the vendored action.yml of the release each pins", () => {
    it("every action is pinned to the full commit of the release vendored for it, its tag in a comment (docs.github.com security hardening: a commit is the only immutable reference)", () => {
        const used = [...new Set(everyStep().map((s) => s.step.uses).filter((u): u is string => u !== undefined).map(actionOf))].sort();
        expect(used).toEqual(["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
        // The comment is not in the parsed YAML: read the lines.
        const lines = WORKFLOWS.flatMap((w) => workflowText(w).split("\n").filter((l) => /^\s*(- )?uses: /.test(l)).map((l) => [w, l.trim().replace(/^- /, "")] as const));
        expect(lines.length).toBe(everyStep().filter((s) => s.step.uses !== undefined).length);
        const wrong = lines.filter(([, l]) => {
            const m = /^uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(l);
            return m === null || m[2] !== sourceField(m[1], "commit") || m[3] !== sourceField(m[1], "tag");
        });
        expect(wrong).toEqual([]);
    });

    it("every action pinned runs on Node.js 24: GitHub removed Node.js 20 from its runners on 2026-09-16 (github.blog changelog 2025-09-19)", () => {
        const runtimes = [...new Set(everyStep().map((s) => s.step.uses).filter((u): u is string => u !== undefined).map(actionOf))].map((a) => [a, actionYml(a).runs.using]);
        expect(runtimes).toEqual(runtimes.map(([a]) => [a, "node24"]));
    });

    it("every `with:` key is an input of the action, and every required input without a default is given", () => {
        expect(inputProblems(everyStep())).toEqual({ unknown: [], missing: [] });
    });

    it("a typo'd input is caught (policy-packs for policyPacks: pulumi/actions v7.0.0 src/config.ts reads getMultilineInput('policyPacks')), and so is a left-out required one", () => {
        const deploy = workflowText("deploy");
        const typo = deploy.replace("          policyPacks: policies\n", "          policy-packs: policies\n");
        expect(typo).not.toBe(deploy);
        expect(inputProblems(stepsOf("deploy", typo)).unknown).toEqual(["deploy.yml staging step 9 (pulumi/actions): policy-packs"]);
        // configure-aws-credentials v6.2.3 action.yml: aws-region is the one required input.
        const noRegion = deploy.replace("          aws-region: us-east-1 # both stacks' aws:region\n", "");
        expect(noRegion).not.toBe(deploy);
        expect(inputProblems(stepsOf("deploy", noRegion)).missing).toEqual(["deploy.yml staging step 6 (aws-actions/configure-aws-credentials): aws-region"]);
    });

    it("pulumi/actions with a command names its stack (pulumi/actions v7.0.0 src/config.ts: stack-name is required once command is given)", () => {
        for (const { where, step } of everyStep().filter((s) => isAction("pulumi/actions")(s.step) && s.step.with?.command !== undefined)) {
            expect([where, ["up", "update", "refresh", "destroy", "preview", "output"].includes(String(step.with?.command)), typeof step.with?.["stack-name"]]).toEqual([where, true, "string"]);
        }
    });

    it("every Pulumi CLI install is pinned to a range whose floor is Pulumi.yaml's (pulumi/actions v7.0.0: with no pulumi-version the range is ^3, and downloadCli keeps any 3.x already on PATH)", () => {
        const [maj, min, pat] = pulumiFloor();
        const installs = everyStep().filter((s) => isAction("pulumi/actions")(s.step));
        expect(installs.length).toBe(6);
        for (const { where, step } of installs) {
            expect([where, step.with?.["pulumi-version"]]).toEqual([where, `^${maj}.${min}.${pat}`]);
        }
    });

    it("every job whose shell runs pulumi (or a script driving the Automation API, which runs the CLI) installs it first, with pulumi/actions in installation-only mode", () => {
        const drivesCli = /(^|\n)\s*pulumi |npm run (rollback|promote)\b/;
        const jobsUsingCli = WORKFLOWS.flatMap((w) => jobs(w).map(([name, j]) => ({ where: `${w}.yml ${name}`, j }))).filter(({ j }) => j.steps.some((s) => drivesCli.test(s.run ?? "")));
        expect(jobsUsingCli.map((x) => x.where)).toEqual(["deploy.yml production", "rollback.yml rollback"]);
        for (const { where, j } of jobsUsingCli) {
            const install = j.steps.findIndex((s) => isAction("pulumi/actions")(s) && s.with?.command === undefined);
            const firstUse = j.steps.findIndex((s) => drivesCli.test(s.run ?? ""));
            expect([where, install >= 0 && install < firstUse]).toEqual([where, true]);
        }
    });
});

// GitHub runs `run:` with `bash --noprofile --norc -eo pipefail {0}` (docs.github.com, workflow
// syntax, jobs.<job_id>.steps[*].shell). `${{ }}` is substituted before the shell sees the script;
// a placeholder word stands in for it here.
const shellcheckMissing = which("shellcheck") === undefined ? ["shellcheck"] : [];
describe.skipIf(skipForMissing("workflow run: blocks under shellcheck", shellcheckMissing))("every run: block under shellcheck", () => {
    it("has no finding (bash, -eo pipefail)", () => {
        assertTools("workflow run: blocks under shellcheck", shellcheckMissing);
        const blocks = everyStep().filter((s) => s.step.run !== undefined);
        expect(blocks.length).toBeGreaterThan(10);
        const findings = blocks.flatMap(({ where, step }) => {
            const script = `#!/bin/bash\nset -eo pipefail\n${(step.run as string).replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`;
            const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
            return r.status === 0 ? [] : [`${where}: ${r.stdout}${r.stderr}`];
        });
        expect(findings).toEqual([]);
    });

    it("finds what it should (an unquoted variable in a run: block)", () => {
        assertTools("workflow run: blocks under shellcheck", shellcheckMissing);
        const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: '#!/bin/bash\nset -eo pipefail\npulumi stack select $STACK\n', encoding: "utf8" });
        expect(r.stdout).toContain("SC2086");
    });
});

// pulumi/actions v7.0.0 src/main.ts (commit 8e5e406f): `main` calls `runAction(config);` without
// `await` (line 37), so a failed preview or up (the Automation API's CommandError) never reaches the
// try/catch around `await main()` (line 177) and its `core.setFailed`: it is an unhandled rejection.
// Node.js has thrown on one since v15 (`--unhandled-rejections=throw`, the default): the process
// prints the error and exits 1, and the runner fails a JavaScript action's step on a non-zero exit
// (actions/runner src/Runner.Worker/Handlers/NodeScriptActionHandler.cs: `node "<main>"` with no
// flags, `if (exitCode != 0) ExecutionContext.Result = TaskResult.Failed`). So the step ends red, not
// green, with the error in its log but no `::error::` annotation, and none of the action's outputs
// (set only after the command: pulumi/actions#1360). The workflows read no output of the action
// and set no NODE_OPTIONS that could turn the throw into a warning.
describe("pulumi/actions v7.0.0 leaves runAction unawaited: a failed command still fails the step", () => {
    it("a rejection the action's catch never sees ends node with exit 1 (the runner's step failure), and no ::error:: line", () => {
        // The shape of src/main.ts: main() starts runAction() and returns; the catch only sees main's own throw.
        const shape = [
            "const setFailed = (m) => { console.log(`::error::${m}`); process.exitCode = 1; };",
            "const runAction = async () => { await new Promise((r) => setTimeout(r, 10)); throw new Error('preview failed'); };",
            "const main = async () => { runAction(); };",
            "(async () => { try { await main(); } catch (err) { setFailed(err.message); } })();",
        ].join("\n");
        const r = spawnSync(process.execPath, ["-e", shape], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
        expect(r.status).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain("Error: preview failed");
        // Under `--unhandled-rejections=warn` (a NODE_OPTIONS away) the same step would end green.
        expect(spawnSync(process.execPath, ["--unhandled-rejections=warn", "-e", shape], { encoding: "utf8" }).status).toBe(0);
    });

    it("no workflow reads the action's outputs (no pulumi/actions step has an id) or sets NODE_OPTIONS", () => {
        const pulumi = everyStep().filter((s) => s.step.uses !== undefined && actionOf(s.step.uses) === "pulumi/actions");
        expect(pulumi.length).toBe(6);
        expect(pulumi.filter((s) => (s.step as Step & { id?: string }).id !== undefined).map((s) => s.where)).toEqual([]);
        expect(WORKFLOWS.filter((w) => workflowText(w).includes("NODE_OPTIONS"))).toEqual([]);
    });
});
