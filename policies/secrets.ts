/**
 * Secrets: a credential never travels as plain text. Three checks:
 *
 * - A Kubernetes Secret holds only Pulumi secrets. A plain value in it came from non-secret config
 *   (or a literal), so it sits unencrypted in the state and the plan. Whether a value is a secret is
 *   visible only where secrets are marked: the offline plan renders each as `"[secret]"` and its
 *   evaluator sets `secretPlaceholder`. Under the Pulumi CLI policies receive secrets decrypted
 *   (@pulumi/policy 1.21.0 `deserialize.js`: secrets "must be fully unpacked into plain-old-JSON";
 *   `server.js` calls `deserializeProperties(..., false)` for validateResource and validateStack),
 *   so this half runs offline only (every PR runs it: `npm run plan -- --policy`).
 * - A container environment variable whose name says credential takes its value from a Secret
 *   (`valueFrom.secretKeyRef`), never inline: an inline value is plain text in the pod spec for
 *   anyone who can read Deployments, whichever config it came from. This half runs everywhere.
 * - `secrets-stay-secret`: any input the plan marked secret lies in a field kept as a secret
 *   (`SECRET_FIELDS`), whatever the field's name. Offline only, as the first check.
 */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationArgs } from "@pulumi/policy";
import { arr, containersOf, isKubernetesObjectType, k8sName, listText, LONG_RUNNING_KINDS, podReferences, podSpecOfResource, rec, type LaunchpadResourcePolicy } from "./lib";
import { DATABASE_SECRETS } from "./shared/delivery";

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
    const pod = podSpecOfResource(args);
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

/**
 * Per resource type, the input fields whose provider keeps the value as a secret (the rest of a
 * resource's inputs land in clear: a pod spec, a ConfigMap, an AWS tag, a console). Sources:
 * - the SDKs' own `additionalSecretOutputs` (`@pulumi/kubernetes` `core/v1/secret.js`: data,
 *   stringData; `@pulumi/aws` `rds/instance.js`: password; `secretsmanager/secretVersion.js`:
 *   secretString, secretBinary; `ssm/parameter.js`: value; `@pulumiverse/grafana` `provider.js`: auth);
 * - Grafana's notifier schema, which marks the Slack `url` and PagerDuty `integrationKey` `Secure: true`
 *   (grafana/grafana `pkg/services/ngalert/notifier/channels_config/available_channels.go`);
 * - provider configuration, which reaches only the provider process: a kubeconfig, and the
 *   Kubernetes Provider's `clusterIdentifier`, which pulumi-kubernetes only compares with its
 *   previous value (provider/pkg/provider/provider.go `DiffConfig`); an existing cluster's is the
 *   API server of its secret kubeconfig (components/cluster.ts `kubeconfigServer`), so a secret too.
 * `[]` stands for any list index.
 */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Secret": ["data", "stringData"],
    "pulumi:providers:kubernetes": ["kubeconfig", "clusterIdentifier"],
    "pulumi:providers:grafana": ["auth"],
    "aws:rds/instance:Instance": ["password"],
    "aws:rds/cluster:Cluster": ["masterPassword"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretString", "secretBinary"],
    "aws:ssm/parameter:Parameter": ["value"],
    "grafana:alerting/contactPoint:ContactPoint": ["slacks[].url", "slacks[].token", "pagerduties[].integrationKey", "webhooks[].password", "webhooks[].authorizationCredentials"],
};

/** Every path in `value` (`a.b[0].c`) whose value is the placeholder: where the plan marked a secret. */
export function secretPaths(value: unknown, placeholder: string, at = "", depth = 0): string[] {
    if (value === placeholder) return [at];
    // Plans are shallow; a deeper document is not one npm run plan wrote (scripts/policy.ts refuses it).
    if (depth > 64) return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretPaths(v, placeholder, `${at}[${i}]`, depth + 1));
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => secretPaths(v, placeholder, at === "" ? k : `${at}.${k}`, depth + 1));
    }
    return [];
}

/** True when `path` is one of the type's secret fields or lies inside one. */
export function inSecretField(type: string, path: string): boolean {
    const general = path.replace(/\[\d+\]/g, "[]");
    return (SECRET_FIELDS[type] ?? []).some((f) => general === f || general.startsWith(`${f}.`) || general.startsWith(`${f}[`));
}

/**
 * A value the plan marked secret lands only in a field its provider keeps secret. Pulumi's state
 * encrypts a secret wherever it goes, but the destination does not: an env literal sits in the pod
 * spec, a ConfigMap is readable by every pod's service account with read access, a tag is shown in
 * clear by every AWS console and API. Offline only, like the Secret half of `secrets-not-plain`:
 * under the CLI policies get secrets decrypted and cannot tell them apart.
 */
export const secretsStaySecret: LaunchpadResourcePolicy = {
    name: "secrets-stay-secret",
    description: "A value from a secret goes only into fields kept as secrets (a Kubernetes Secret, a password), never a pod spec literal, a ConfigMap or a tag.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            secretPlaceholder: { type: "string", description: "How secret values appear to the policy (the offline evaluator sets \"[secret]\")." },
        },
    },
    validateResource: (args, report) => {
        const placeholder = args.getConfig<SecretsConfig>().secretPlaceholder;
        if (placeholder === undefined || args.type === "pulumi:pulumi:Stack") return;
        const leaked = secretPaths(args.props, placeholder).filter((p) => !inSecretField(args.type, p));
        if (leaked.length > 0) {
            const what = isKubernetesObjectType(args.type) ? k8sName(args.type, args.props, args.name) : `${args.type} ${args.name}`;
            report(`${what} puts a secret in plain-text ${listText(leaked)}: keep it where the provider keeps secrets (a Kubernetes Secret read with secretKeyRef, a password field), never a literal, a ConfigMap or a tag.`);
        }
    },
};

export interface DatabaseMasterConfig {
    /** The database master user's connection Secret. @default "database-connection" (`DATABASE_SECRETS.master`) */
    readonly masterSecretName: string;
}

/** Where a pod spec reads Secret `name` (optional references included: the pod reads it when it exists), each place once, as a message part. */
function secretReads(pod: Record<string, unknown>, name: string): string[] {
    return [...new Set(podReferences(pod).filter((r) => r.kind === "Secret" && r.name === name).map((r) => r.where))];
}

/**
 * Least privilege for the database: a long-running workload (a service's Deployment) connects as
 * the application's own user, never as the RDS master user, which can drop the database, alter
 * users and read every schema (AWS: "We strongly recommend that you do not use the master user
 * directly in your applications", RDS User Guide, UsingWithRDS.MasterAccounts). Jobs and CronJobs
 * (migrations, the dumps, the grants Job) may read the master's Secret.
 */
export const databaseMasterJobsOnly: LaunchpadResourcePolicy = {
    name: "database-master-jobs-only",
    description: "Only Jobs and CronJobs read the database master user's Secret; a long-running workload connects as the application's user.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            masterSecretName: { type: "string", default: DATABASE_SECRETS.master, description: "The database master user's connection Secret." },
        },
    },
    validateResource: (args, report) => {
        const pod = podSpecOfResource(args);
        if (pod === undefined || !LONG_RUNNING_KINDS.has(args.type)) return;
        const master = args.getConfig<DatabaseMasterConfig>().masterSecretName;
        const reads = secretReads(pod, master);
        if (reads.length > 0) {
            report(`${k8sName(args.type, args.props, args.name)} reads the database master user's Secret ${master} (${listText(reads)}): connect as the application's user (Secret ${DATABASE_SECRETS.app}); only Jobs (migrations, dumps, the grants) take the master's.`);
        }
    },
};

export const SECRETS_POLICIES = [secretsNotPlain, secretsStaySecret, databaseMasterJobsOnly] as const;
