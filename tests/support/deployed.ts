/**
 * The committed stacks as a team deploys them: every placeholder the offline plan lists
 * (`config/placeholders.ts`) replaced by a value of the team's own, and every required secret set.
 * For tests of what a real run accepts.
 */
import { REPO_ROOT } from "../../plan/engine";
import { loadStackConfig } from "../../plan/stack-config";

export type CommittedStack = "staging" | "production";

/** `--set` overrides that replace each placeholder value of a committed stack. */
export const OWN_VALUES: Readonly<Record<CommittedStack, readonly string[]>> = {
    staging: [
        "launchpad:cluster.endpointPublicAccessCidrs[0]=18.204.20.0/24",
        "launchpad:cluster.access[0].principalArn=arn:aws:iam::210987654321:role/launchpad-staging-deploy",
        "launchpad:cluster.access[1].principalArn=arn:aws:iam::210987654321:role/launchpad-staging-preview",
        "launchpad:observability.runbookBaseUrl=https://git.shop.internal/platform/launchpad/-/blob/main/docs/runbooks",
        "launchpad:alerting.emailAddresses[0]=platform-alerts-staging@shop.internal",
        "launchpad:services.api.expose.ingress.host=api.staging.shop.internal",
        "launchpad:services.api.releases.blue.image=ghcr.io/launchpad-test/api:1.4.2",
        "launchpad:services.api.releases.green.image=ghcr.io/launchpad-test/api:1.5.0",
        "grafana:url=https://grafana.staging.shop.internal",
    ],
    production: [
        "launchpad:cluster.endpointPublicAccessCidrs[0]=18.204.20.0/24",
        "launchpad:cluster.access[0].principalArn=arn:aws:iam::210987654321:role/launchpad-production-deploy",
        "launchpad:cluster.access[1].principalArn=arn:aws:iam::210987654321:role/launchpad-production-preview",
        "launchpad:observability.runbookBaseUrl=https://git.shop.internal/platform/launchpad/-/blob/main/docs/runbooks",
        "launchpad:alerting.emailAddresses[0]=platform-oncall@shop.internal",
        // Plain text, not a secret: Grafana keeps a webhook URL in clear (config/schema.ts, SECRET_PATHS).
        "launchpad:alerting.heartbeatUrl=https://hc-ping.com/5f2b0c1e-production",
        "launchpad:services.api.expose.ingress.host=api.shop.internal",
        "launchpad:services.api.releases.blue.image=ghcr.io/launchpad-test/api:1.4.2",
        "launchpad:services.api.releases.green.image=ghcr.io/launchpad-test/api:1.5.0",
        "grafana:url=https://grafana.shop.internal",
    ],
};

/** The secrets each committed stack requires, by config path, with a made-up value. */
export const OWN_SECRETS: Readonly<Record<CommittedStack, Readonly<Record<string, string>>>> = {
    staging: {
        "launchpad:alerting.slackWebhookUrl": "https://hooks.slack.com/services/T000/B000/staging",
        "grafana:auth": "glsa_staging_token",
    },
    production: {
        "launchpad:alerting.slackWebhookUrl": "https://hooks.slack.com/services/T000/B000/production",
        "launchpad:alerting.pagerDutyIntegrationKey": "pagerduty-production-key",
        "grafana:auth": "glsa_production_token",
    },
};

/** `{ key: value }` with each secret put at its path by `wrap`; returns the keys that now hold a secret. */
export function withSecrets(values: Record<string, unknown>, stack: CommittedStack, wrap: (secret: string) => unknown): Set<string> {
    const keys = new Set<string>();
    for (const [path, secret] of Object.entries(OWN_SECRETS[stack])) {
        // A required secret is a top-level key or one field of one (config/placeholders.ts).
        const [key, field] = path.split(".", 2);
        values[key] = field === undefined ? wrap(secret) : { ...(values[key] as object), [field]: wrap(secret) };
        keys.add(key);
    }
    return keys;
}

/**
 * The config of a deployed stack as the Pulumi CLI hands it to the program: own values, secrets
 * decrypted and their keys marked secret.
 */
export function deployedConfig(stack: CommittedStack, sets: readonly string[] = []): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const values = { ...loadStackConfig({ root: REPO_ROOT, stack, sets: [...OWN_VALUES[stack], ...sets] }).values };
    const secretKeys = withSecrets(values, stack, (s) => s);
    return { values, secretKeys };
}

/** The stack file of a deployed stack: own values, and each secret as the `secure:` node the CLI writes. */
export function deployedStackFile(stack: CommittedStack): Record<string, unknown> {
    const values = { ...loadStackConfig({ root: REPO_ROOT, stack, sets: OWN_VALUES[stack] }).values };
    // Never decrypted: the offline plan reads a `secure:` node as a secret without its ciphertext.
    withSecrets(values, stack, (s) => ({ secure: `v1:${Buffer.from(s).toString("base64")}` }));
    return values;
}
