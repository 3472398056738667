/**
 * A committed stack's config, parsed exactly as the program parses it, for tests that compare
 * planned objects with the values they were built from.
 */
import { ConfigError, parseConfig, type ConfigInput, type LaunchpadConfig, type ServiceConfig } from "../../config";
import { stackConfigFor } from "../../plan/engine";
import { planCli, type CliResult } from "../../scripts/plan";

/** `Pulumi.<stack>.yaml` (with `--set` overrides) through the real parser, as the offline plan runs it. */
export function loadConfigFor(stack: string, sets: readonly string[] = []): Promise<LaunchpadConfig> {
    const sc = stackConfigFor({ stack, sets });
    return Promise.resolve(parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true }));
}

/** A committed stack's service by name, as `loadConfigFor` parses it; one the stack lacks fails loudly. */
export async function serviceFor(stack: string, name: string): Promise<ServiceConfig> {
    const found = (await loadConfigFor(stack)).services.find((s) => s.name === name);
    if (found === undefined) throw new Error(`the committed ${stack} stack has no service ${name}`);
    return found;
}

/** `npm run plan -- --stack <stack> --set <a> --set <b> ...`, in-process. */
export function planWithSets(stack: string, sets: readonly string[]): Promise<CliResult> {
    return planCli(["--stack", stack, ...sets.flatMap((s) => ["--set", s])]);
}

/** What `npm run plan` returns for a stack with exactly one problem: exit 2, that line alone. */
export function refused(stack: string, problem: string): CliResult {
    return { code: 2, stdout: "", stderr: `Invalid configuration for stack "${stack}" (1 problem):\n  - ${problem}\n` };
}

/** The problems `parseConfig` reports for this input, in order; [] when it accepts the input. */
export function problemsOf(config: ConfigInput): readonly string[] {
    try {
        parseConfig(config);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
}

/**
 * `launchpad:network.existing` of a test's existing-cluster stack with a data layer: example ids in
 * the AWS documentation's account, an OIDC provider in the EKS user guide's example form.
 */
export const EXISTING_NETWORK = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    privateSubnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"],
    nodeSecurityGroupId: "sg-0a1b2c3d4e5f60718",
    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
} as const;
