/**
 * Secrets: a credential never travels as plain text. Two checks:
 *
 * - A Kubernetes Secret holds only Pulumi secrets. A plain value in it came from non-secret config
 *   (or a literal), so it sits unencrypted in the state and the plan. Whether a value is a secret is
 *   visible only where secrets are marked: the offline plan renders each as `"[secret]"` and its
 *   evaluator sets `secretPlaceholder`. Under the Pulumi CLI policies receive secrets decrypted,
 *   so this half runs offline only (every PR runs it: `npm run plan -- --policy`).
 * - A container environment variable whose name says credential takes its value from a Secret
 *   (`valueFrom.secretKeyRef`), never inline: an inline value is plain text in the pod spec for
 *   anyone who can read Deployments, whichever config it came from. This half runs everywhere.
 */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationArgs } from "@pulumi/policy";
import { arr, containersOf, k8sName, listText, podSpecOf, rec, type LaunchpadResourcePolicy } from "./lib";

export interface SecretsConfig {
    /** Regular expression (case-insensitive) for environment variable names that hold credentials. */
    readonly credentialEnvPattern: string;
    /** How the evaluator shows a secret value; unset under the CLI, where secrets arrive decrypted. @default unset */
    readonly secretPlaceholder?: string;
}

export const CREDENTIAL_ENV_PATTERN = "(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|DSN|CONNECTION_?STRING)";

const CONFIG_SCHEMA = {
    properties: {
        credentialEnvPattern: {
            type: "string",
            default: CREDENTIAL_ENV_PATTERN,
            description: "Regular expression (case-insensitive) for environment variable names that hold credentials.",
        },
        secretPlaceholder: { type: "string", description: "How secret values appear to the policy (the offline evaluator sets \"[secret]\")." },
    },
} as const;

function secretValues(secret: Record<string, unknown>, args: ResourceValidationArgs, report: (m: string) => void): void {
    const placeholder = args.getConfig<SecretsConfig>().secretPlaceholder;
    if (placeholder === undefined) return;
    const plain: string[] = [];
    for (const field of ["data", "stringData"] as const) {
        const value = secret[field];
        // The whole map may be one secret (an Output<Record>) or each value may be.
        if (value === undefined || value === null || value === placeholder) continue;
        for (const [key, v] of Object.entries(rec(value))) {
            if (v !== placeholder) plain.push(`${field}.${key}`);
        }
    }
    if (plain.length > 0) {
        report(`${k8sName(args.type, args.props, args.name)} holds plain-text ${listText(plain)}: build it from secret config (pulumi config set --secret) or a generated secret, never from plain config.`);
    }
}

function credentialEnv(args: ResourceValidationArgs, report: (m: string) => void): void {
    const pod = podSpecOf(args.type, args.props);
    if (pod === undefined) return;
    const pattern = new RegExp(args.getConfig<SecretsConfig>().credentialEnvPattern, "i");
    for (const c of containersOf(pod)) {
        for (const e of arr(c.spec.env).map(rec)) {
            if (typeof e.name === "string" && pattern.test(e.name) && e.value !== undefined && e.value !== null) {
                report(`${k8sName(args.type, args.props, args.name)} ${c.label} sets ${e.name} inline: take it from a Kubernetes Secret with valueFrom.secretKeyRef.`);
            }
        }
    }
}

export const secretsNotPlain: LaunchpadResourcePolicy = {
    name: "secrets-not-plain",
    description: "No Kubernetes Secret or credential environment variable holds a value from non-secret config.",
    enforcementLevel: "mandatory",
    configSchema: CONFIG_SCHEMA,
    validateResource: [
        validateResourceOfType(k8s.core.v1.Secret, (secret, args, report) => secretValues(secret as Record<string, unknown>, args, report)),
        (args, report) => credentialEnv(args, report),
    ],
};

export const SECRETS_POLICIES = [secretsNotPlain] as const;
