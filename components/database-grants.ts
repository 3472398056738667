/**
 * DatabaseGrants: the application's own database user, so that no service connects as the master.
 *
 * RDS's master user can drop the database, alter users and read every schema; AWS "strongly
 * recommend[s] that you do not use the master user directly in your applications" (RDS User Guide,
 * UsingWithRDS.MasterAccounts). One Job per stack, in the application namespace, connects as the
 * master user and runs scripts/db/app-role.sh: it creates `launchpad:database.appUsername` (or finds
 * it), sets its password to the one in the application user's Secret (on PostgreSQL through its SCRAM
 * verifier, never in clear), and grants it data access to the database and nothing else (the script
 * says exactly what, per engine). The services' Deployments
 * read that Secret and wait for this Job; the migration Jobs and the logical dumps keep the master's.
 *
 * It runs again exactly when its work changes: its pod template carries the digest of the
 * application user's settings (a restore's new instance, another user name, a new password) and a
 * digest of the scripts, and a Job's template is force-new (pulumi-kubernetes provider/pkg/provider/diff.go
 * `job`), so a new value replaces the Job, which runs again, before the Deployments that wait for it
 * roll onto the same settings. The pods name the Secrets and the scripts' ConfigMap by fixed names and
 * wait for them through `dependsOn` (components/database-client.ts `DatabaseClient`).
 *
 * Like the dumps: the engine's pinned client image (components/logical-backup.ts `engineImage`), the
 * server verified against the RDS CA bundle fetched by the `db-ca` init container
 * (components/database-client.ts `caFetchContainer`), Pod Security "restricted".
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DbEngine } from "../config/database";
import { ANNOTATIONS, APP_LABELS } from "../lib/delivery";
import { REPLACE_UNREADY_ANNOTATION } from "../lib/kubernetes";
import { restrictedContainer, restrictedPod } from "../lib/pod-security";
import { RUN_ONCE_POD_ANNOTATIONS } from "../lib/workload";
import { APP_PASSWORD_VERIFIER_KEY, DATABASE_CA_DIR, DATABASE_CA_FILE } from "./database";
import { CA_FETCH_FILES, CA_FETCH_VOLUME, caFetchContainer, DATABASE_CA_VOLUME } from "./database-client";
import { DB_CLIENT_CALL_MAX_SECONDS, DB_CLIENT_TIMEOUT_ENV, DB_IMAGE_UID, engineImage, engineImageProblem, envFromSecret, scriptsData } from "./logical-backup";

/** What the scripts' ConfigMap ships: the CA fetch (and the library it sources) and the grants script. */
export const GRANTS_FILES = [...CA_FETCH_FILES, "app-role.sh"] as const;

/** The Job's fixed name: one per stack and namespace, replaced (deleted first) to run again. */
export const GRANTS_JOB_NAME = "database-grants";
/** The scripts' ConfigMap's fixed name (why fixed: components/blue-green-service.ts `createDatabaseClient`). */
export const GRANTS_SCRIPTS_NAME = "database-grants-scripts";

/**
 * How long the Job may take: a handful of statements, so minutes mean an unreachable server. One
 * try is at most the CA fetch (lib.sh fetch_ca_bundle: curl --max-time 60, --retry 2: about 183 s)
 * and the one client call (DB_CLIENT_CALL_MAX_SECONDS, 140 s): 323 s, so a stalled server ends the
 * first try in app-role.sh's own error line well before this deadline, and a second try after a
 * stall that cleared still has 460 s.
 */
export const GRANTS_DEADLINE_SECONDS = 600;
/** One try's worst case (the CA fetch, then the client): below {@link GRANTS_DEADLINE_SECONDS}. */
export const GRANTS_TRY_MAX_SECONDS = 3 * 60 + 3 + DB_CLIENT_CALL_MAX_SECONDS;
/** What `pulumi up` waits for the Job: its deadline and a margin for the pod to be scheduled. */
export const GRANTS_TIMEOUTS = { create: `${GRANTS_DEADLINE_SECONDS + 300}s`, update: `${GRANTS_DEADLINE_SECONDS + 300}s` } as const;

const SCRIPTS_MOUNT = "/scripts";

export interface DatabaseGrantsArgs {
    readonly engine: DbEngine;
    readonly engineVersion: string;
    /** The RDS CA bundle's address (config/database.ts `DatabaseConfig.caBundleUrl`); none known: the Job fails closed. */
    readonly caBundleUrl: string | undefined;
    /** The master user's connection Secret: its name (a plain string) and the resource, waited for. */
    readonly adminSecret: { readonly name: string; readonly resource: pulumi.Resource };
    /** The application user's connection Secret: its name (a plain string) and the resource, waited for. */
    readonly appSecret: { readonly name: string; readonly resource: pulumi.Resource };
    /** The digest of the application user's settings (components/database.ts `connectionDigest`), never taken from its Secret. */
    readonly appConnectionDigest: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
}

/** The scripts' ConfigMap's data, read from scripts/db/ so that what the tests run is what runs. */
export function grantsScriptsData(): Record<string, string> {
    return scriptsData(GRANTS_FILES);
}

/** 10 hex digits of SHA-256 over the scripts, file by file: a change of what the Job runs runs it again. */
export function grantsScriptsDigest(data: Readonly<Record<string, string>> = grantsScriptsData()): string {
    return createHash("sha256").update(JSON.stringify(GRANTS_FILES.map((f) => [f, data[f]]))).digest("hex").slice(0, 10);
}

/** What the Job's spec is built from: plain names of the objects it reads, and the digests that re-run it. */
export interface GrantsJobInputs {
    readonly engine: DbEngine;
    readonly engineVersion: string;
    readonly caBundleUrl: string | undefined;
    readonly adminSecretName: string;
    readonly appSecretName: string;
    readonly appConnectionDigest: pulumi.Input<string>;
    /** {@link grantsScriptsDigest}. */
    readonly scriptsDigest: string;
}

/**
 * The grants Job: the `db-ca` init container fetches the CA bundle, then app-role.sh runs in the
 * engine's client image as the master user, its target user and password from the application
 * user's Secret: on PostgreSQL the password's SCRAM-SHA-256 verifier only, so that the password is in
 * no statement the server could log; on MySQL the password, which the server rewrites before logging. A few tries (`backoffLimit: 2`: the script is idempotent, and a pod lost to a node
 * drain should not fail `pulumi up`), bounded by {@link GRANTS_DEADLINE_SECONDS}.
 */
export function grantsJobSpec(g: GrantsJobInputs): k8s.types.input.batch.v1.JobSpec {
    const uid = DB_IMAGE_UID;
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: GRANTS_DEADLINE_SECONDS,
        template: {
            metadata: {
                labels: { [APP_LABELS.component]: "database-grants", [APP_LABELS.managedBy]: "pulumi" },
                // A new instance, user name or password, or new scripts: a new template, so the Job runs again.
                // Its node is kept while it runs (lib/workload.ts RUN_ONCE_POD_ANNOTATIONS).
                annotations: { ...RUN_ONCE_POD_ANNOTATIONS, [ANNOTATIONS.databaseConnection]: g.appConnectionDigest, [ANNOTATIONS.databaseGrants]: g.scriptsDigest },
            },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: restrictedPod({ uid, fsGroup: uid }),
                initContainers: [caFetchContainer(g.caBundleUrl, uid, "tmp")],
                containers: [{
                    name: "grants",
                    image: engineImage(g.engine, g.engineVersion),
                    command: ["bash", `${SCRIPTS_MOUNT}/app-role.sh`],
                    env: [
                        { name: "DB_ENGINE", value: g.engine },
                        envFromSecret("DB_HOST", g.adminSecretName, "host"),
                        envFromSecret("DB_PORT", g.adminSecretName, "port"),
                        envFromSecret("DB_NAME", g.adminSecretName, "database"),
                        envFromSecret("DB_USER", g.adminSecretName, "username"),
                        envFromSecret("DB_PASSWORD", g.adminSecretName, "password"),
                        envFromSecret("APP_USER", g.appSecretName, "username"),
                        // PostgreSQL: the password's verifier, never the password (components/database.ts APP_PASSWORD_VERIFIER_KEY).
                        g.engine === "postgres"
                            ? envFromSecret("APP_PASSWORD_VERIFIER", g.appSecretName, APP_PASSWORD_VERIFIER_KEY)
                            : envFromSecret("APP_PASSWORD", g.appSecretName, "password"),
                        { name: "DB_SSL_CA", value: DATABASE_CA_FILE },
                        ...DB_CLIENT_TIMEOUT_ENV,
                        { name: "HOME", value: "/tmp" },
                    ],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: restrictedContainer(uid),
                    volumeMounts: [
                        { name: CA_FETCH_VOLUME, mountPath: SCRIPTS_MOUNT, readOnly: true },
                        { name: DATABASE_CA_VOLUME, mountPath: DATABASE_CA_DIR, readOnly: true },
                        { name: "tmp", mountPath: "/tmp" },
                    ],
                }],
                volumes: [
                    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                    { name: DATABASE_CA_VOLUME, emptyDir: { sizeLimit: "1Mi" } },
                    { name: CA_FETCH_VOLUME, configMap: { name: GRANTS_SCRIPTS_NAME, defaultMode: 0o555 } },
                ],
            },
        },
    };
}

export class DatabaseGrants extends pulumi.ComponentResource {
    /** The Job: what the services' Deployments wait for. */
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: DatabaseGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:database:DatabaseGrants", name, {}, opts);
        const problem = engineImageProblem(args.engine, args.engineVersion);
        if (problem !== undefined) {
            throw new pulumi.ResourceError(`DatabaseGrants ${name}: ${problem}`, this);
        }
        const child = { parent: this, provider: args.k8sProvider };
        const labels = { [APP_LABELS.component]: "database-grants", [APP_LABELS.managedBy]: "pulumi" };
        const data = grantsScriptsData();
        const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: { name: GRANTS_SCRIPTS_NAME, namespace: args.namespace, labels }, data }, child);
        this.job = new k8s.batch.v1.Job(`${name}-job`, {
            // replaceUnready: a Job that failed is replaced, i.e. run again, on the next update (as a migration's).
            metadata: { name: GRANTS_JOB_NAME, namespace: args.namespace, labels, annotations: { [REPLACE_UNREADY_ANNOTATION]: "true" } },
            spec: grantsJobSpec({
                engine: args.engine,
                engineVersion: args.engineVersion,
                caBundleUrl: args.caBundleUrl,
                adminSecretName: args.adminSecret.name,
                appSecretName: args.appSecret.name,
                appConnectionDigest: args.appConnectionDigest,
                scriptsDigest: grantsScriptsDigest(data),
            }),
        }, { ...child, dependsOn: [args.adminSecret.resource, args.appSecret.resource, scripts], customTimeouts: GRANTS_TIMEOUTS });
        this.jobName = this.job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
