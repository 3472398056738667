import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";

// How long the workflows' AWS credentials last. aws-actions/configure-aws-credentials@v4.3.1 (vendored
// action.yml; src/index.ts:17 `DEFAULT_ROLE_DURATION = 3600`, src/assumeRole.ts:138 `DurationSeconds:
// roleDuration`) asks STS for one hour unless `role-duration-seconds` says otherwise, and nothing renews
// the credentials it exports. STS AssumeRoleWithWebIdentity, DurationSeconds: "from 900 seconds (15
// minutes) up to the maximum session duration setting for the role. This setting can have a value from
// 1 hour to 12 hours. If you specify a value higher than this setting, the operation fails."

interface Step {
    uses?: string;
    with?: Record<string, unknown>;
}
const WORKFLOWS = ["preview", "deploy", "rollback"] as const;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const credentialSteps = () => WORKFLOWS.flatMap((w) =>
    Object.entries((parseYaml(read(`.github/workflows/${w}.yml`)) as { jobs: Record<string, { steps: Step[] }> }).jobs)
        .flatMap(([job, j]) => j.steps
            .filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true)
            .map((s) => ({ where: `${w}.yml ${job}`, role: String(s.with?.["role-to-assume"]), seconds: s.with?.["role-duration-seconds"] }))));
const deploySteps = () => credentialSteps().filter((s) => s.role.includes("AWS_DEPLOY_ROLE_ARN"));

describe("the deploy role's session", () => {
    it("is asked for three hours in every job that deploys: more than the action's one-hour default, within the 12 hours a role can allow", () => {
        expect(String((parseYaml(read("vendor/aws-actions-configure-aws-credentials/action.yml")) as { inputs: Record<string, { description: string }> }).inputs["role-duration-seconds"].description)).toBe("Role duration in seconds. Default is one hour.");
        const steps = deploySteps();
        expect(steps.map((s) => s.where)).toEqual(["deploy.yml staging", "deploy.yml production", "rollback.yml rollback"]);
        expect(steps.map((s) => s.seconds)).toEqual([10800, 10800, 10800]);
    });

    it("leaves the preview role at the default hour, so only the deploy role's MaxSessionDuration needs raising", () => {
        const preview = credentialSteps().filter((s) => s.role.includes("AWS_PREVIEW_ROLE_ARN"));
        expect(preview.map((s) => [s.where, s.seconds])).toEqual([["preview.yml preview", undefined]]);
    });

    it("is the MaxSessionDuration the docs tell the operator to set on the deploy role", () => {
        const [seconds] = new Set(deploySteps().map((s) => s.seconds));
        expect(read("docs/operations.md")).toContain(`aws iam update-role --role-name <deploy role> --max-session-duration ${String(seconds)}\n`);
        expect(read("docs/operations.md")).toContain(`\`role-duration-seconds: ${String(seconds)}\``);
        expect(read("docs/delivery.md")).toContain(`\`role-duration-seconds: ${String(seconds)}\``);
    });
});
