import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { INSTANCE_TIMEOUTS } from "../components/database";
import { REPO_ROOT } from "../plan/engine";

// How long the workflows' AWS credentials last. aws-actions/configure-aws-credentials v6.2.3 (vendored
// action.yml; src/index.ts:21 `DEFAULT_ROLE_DURATION = 3600`, src/assumeRole.ts:253 `DurationSeconds:
// roleDuration`) asks STS for one hour unless `role-duration-seconds` says otherwise, and nothing renews
// the credentials it exports. STS AssumeRoleWithWebIdentity, DurationSeconds: "from 900 seconds (15
// minutes) up to the maximum session duration setting for the role. This setting can have a value from
// 1 hour to 12 hours. If you specify a value higher than this setting, the operation fails."

interface Step {
    uses?: string;
    with?: Record<string, unknown>;
}
interface Job {
    "timeout-minutes"?: number;
    steps: Step[];
}
const WORKFLOWS = ["preview", "deploy", "rollback"] as const;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const credentialSteps = () => WORKFLOWS.flatMap((w) =>
    Object.entries((parseYaml(read(`.github/workflows/${w}.yml`)) as { jobs: Record<string, Job> }).jobs)
        .flatMap(([job, j]) => j.steps
            .filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true)
            .map((s) => ({ where: `${w}.yml ${job}`, role: String(s.with?.["role-to-assume"]), seconds: s.with?.["role-duration-seconds"], jobMinutes: j["timeout-minutes"] }))));
const deploySteps = () => credentialSteps().filter((s) => s.role.includes("AWS_DEPLOY_ROLE_ARN"));

describe("the deploy role's session", () => {
    it("is asked for six hours in every job that deploys: more than the action's one-hour default, within the 12 hours a role can allow", () => {
        expect(String((parseYaml(read("vendor/aws-actions-configure-aws-credentials/action.yml")) as { inputs: Record<string, { description: string }> }).inputs["role-duration-seconds"].description)).toBe("Role duration in seconds. Default is one hour.");
        const steps = deploySteps();
        expect(steps.map((s) => s.where)).toEqual(["deploy.yml staging", "deploy.yml production", "rollback.yml rollback"]);
        expect(steps.map((s) => s.seconds)).toEqual([21600, 21600, 21600]);
    });

    it("outlasts its job, and the job outlasts the longest wait the program declares (the database's create timeout: a restore may take 4 h), so no update is cut off by ExpiredToken", () => {
        // A GitHub-hosted job runs for at most 6 hours ("Job execution time", docs.github.com Actions
        // limits): the default timeout-minutes, written out so the two are compared here.
        const hours = (d: string) => Number(/^(\d+)h$/.exec(d)?.[1]);
        const longestWait = hours(INSTANCE_TIMEOUTS.create) * 3600;
        expect(longestWait).toBe(4 * 3600);
        for (const s of deploySteps()) {
            expect([s.where, s.jobMinutes]).toEqual([s.where, 360]);
            expect([s.where, Number(s.seconds) >= Number(s.jobMinutes) * 60, Number(s.jobMinutes) * 60 > longestWait]).toEqual([s.where, true, true]);
        }
    });

    it("leaves both preview roles at the default hour, so only the deploy roles' MaxSessionDuration needs raising", () => {
        const preview = credentialSteps().filter((s) => s.role.includes("AWS_PREVIEW_ROLE_ARN"));
        expect(preview.map((s) => [s.where, s.seconds])).toEqual([["preview.yml preview", undefined], ["deploy.yml production-preview", undefined]]);
    });

    it("is the MaxSessionDuration the docs tell the operator to set on the deploy role", () => {
        const [seconds] = new Set(deploySteps().map((s) => s.seconds));
        expect(read("docs/operations.md")).toContain(`aws iam update-role --role-name <deploy role> --max-session-duration ${String(seconds)}\n`);
        expect(read("docs/operations.md")).toContain(`\`role-duration-seconds: ${String(seconds)}\``);
        expect(read("docs/delivery.md")).toContain(`\`role-duration-seconds: ${String(seconds)}\``);
    });
});
