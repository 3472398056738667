/**
 * The pod side of the database connection contract (components/database.ts): what a service's
 * Deployment and its migration Job add to their pod so the app can verify the server, not only
 * encrypt. `DATABASE_TLS_MODE` and `DATABASE_CA_FILE` beside the Secret's `DATABASE_*`, and the
 * RDS CA bundle at that path, fetched before the app starts by a `db-ca` init container that runs
 * scripts/db/ca-fetch.sh (the dumps' fail-closed `fetch_ca_bundle`, scripts/db/lib.sh) in the pinned
 * AWS CLI image, into an emptyDir the app container mounts read-only.
 *
 * Fail closed: a pod whose bundle cannot be fetched (the download fails, or no address is known,
 * which config refuses first) never starts its app container. A Deployment's rollout then never becomes
 * Available, so `pulumi up` fails before the color's gate and the live Service; a migration Job fails
 * and nothing after it is registered. The live color is untouched either way.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DATABASE_ENV_PREFIX } from "../config/services";
import type { DbEngine } from "../config/database";
import { ANNOTATIONS } from "../lib/delivery";
import { restrictedContainer } from "../lib/pod-security";
import { CONNECTION_SECRET_KEYS, CONNECTION_TLS_KEYS, connectionTlsSettings, DATABASE_CA_DIR, DATABASE_CA_FILE } from "./database";
import { AWS_CLI_IMAGE, scriptsData } from "./logical-backup";

/**
 * What a service needs to know of the stack's database to connect to it, verifying it.
 *
 * The pods name the connection Secret (and the CA fetch ConfigMap) by their fixed names, plain
 * strings, and wait for them through `dependsOn`, never through an input taken from them: each is
 * replaced, deleted first under its name, when its data changes (pulumi-kubernetes diff.go
 * `forceNewProperties`; provider.go `Diff`), and before such a delete the engine replaces every
 * dependent that takes an input from it and would be replaced by that whole input (`spec`) becoming
 * unknown (pulumi/pulumi pkg/resource/deploy/step_generator.go `calculateDependentReplacements`),
 * which a Deployment (`spec.selector`) and a Job (`spec.template`) are: the live color would be
 * deleted, and each migration run again (pulumi/pulumi-kubernetes#1567). `dependsOn` is not such an input.
 */
export interface DatabaseClient {
    /**
     * The application user's connection Secret's name (keys `CONNECTION_SECRET_KEYS`), a plain string
     * (see above): what a service's Deployment reads. Data access only (components/database-grants.ts).
     */
    readonly secretName: string;
    /** The application user's connection Secret, which the Deployments wait for. @default - none (a builder called on its own) */
    readonly secret?: pulumi.Resource;
    /**
     * The master user's connection Secret's name, a plain string: what a migration Job reads (it
     * changes the schema, which the application's user cannot).
     */
    readonly adminSecretName: string;
    /** The master user's connection Secret, which the migration Jobs wait for. @default - none (a builder called on its own) */
    readonly adminSecret?: pulumi.Resource;
    /**
     * The Job that creates the application's user and grants it its access (components/database-grants.ts),
     * which the Deployments wait for (the user they connect as exists, with the password of their Secret),
     * and the migration Jobs too (the tables they create get the user's default privileges).
     * @default - none (a builder called on its own)
     */
    readonly grants?: pulumi.Resource;
    /**
     * The application user's name (`launchpad:database.appUsername`), which the Secret carries: what the
     * in-place roll warning compares (components/release-history.ts `inPlaceRollWarnings`).
     * @default - unknown (a builder called on its own): no warning
     */
    readonly username?: string;
    /** A digest of the application user's settings, not taken from the Secret ({@link databaseRolloutAnnotations}). */
    readonly connectionDigest: pulumi.Input<string>;
    readonly engine: DbEngine;
    /**
     * The RDS CA bundle's address: `launchpad:database.caBundleUrl`, else the stack's partition's
     * (config/database.ts `DatabaseConfig.caBundleUrl`). Undefined where neither is known, which
     * config refuses for a stack with a database (config/region.ts `caBundleProblems`); the `db-ca`
     * init container would then fail and the pod never start.
     */
    readonly caBundleUrl: string | undefined;
}

/** A {@link DatabaseClient} with the ConfigMap of {@link CA_FETCH_FILES} its pods run. */
export interface DatabaseClientPodInputs extends DatabaseClient {
    /** Its name, a plain string ({@link DatabaseClient}). */
    readonly caFetchConfigMap: string;
    /** What a Deployment waits for: the application user's Secret, the ConfigMap, the grants Job. @default [] */
    readonly dependsOn?: readonly pulumi.Resource[];
    /** What a migration Job waits for: the master user's Secret, the ConfigMap, the grants Job. @default [] */
    readonly adminDependsOn?: readonly pulumi.Resource[];
}

/**
 * Who a pod connects as: `app`, the application's user (a service's Deployment), or `admin`, the
 * master user (a migration Job, which changes the schema).
 */
export type DatabaseUser = "app" | "admin";

/** The emptyDir holding the bundle: written by the init container, read-only in the app. */
export const DATABASE_CA_VOLUME = "db-ca";
/** The ConfigMap volume with the fetch script. */
export const CA_FETCH_VOLUME = "db-ca-fetch";
const CA_FETCH_MOUNT = "/scripts";

/** What the ConfigMap ships: the script and the library it sources, nothing else of scripts/db/. */
export const CA_FETCH_FILES = ["lib.sh", "ca-fetch.sh"] as const;

/** The data of the fetch script's ConfigMap, read from scripts/db/ so what the tests run is what runs. */
export function caFetchConfigMapData(): Record<string, string> {
    return scriptsData(CA_FETCH_FILES);
}

/** `DATABASE_HOST`, `DATABASE_PORT`, ... each from the connection Secret's key of that name. */
export function databaseEnv(secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
    return CONNECTION_SECRET_KEYS.map((key) => ({
        name: `${DATABASE_ENV_PREFIX}${key.toUpperCase()}`,
        valueFrom: { secretKeyRef: { name: secretName, key } },
    }));
}

/** `DATABASE_TLS_MODE` and `DATABASE_CA_FILE`, plain values (why: components/database.ts `CONNECTION_TLS_KEYS`). */
export function databaseTlsEnv(engine: DbEngine): k8s.types.input.core.v1.EnvVar[] {
    const settings = connectionTlsSettings(engine);
    return CONNECTION_TLS_KEYS.map((key) => ({ name: `${DATABASE_ENV_PREFIX}${key.toUpperCase()}`, value: settings[key] }));
}

/**
 * The init container that puts the bundle at `DATABASE_CA_FILE`: the pod's user (`uid`), the
 * restricted context of every container (lib/pod-security.ts), `tmpVolume` as /tmp for curl's error
 * log (the root filesystem is read-only).
 */
export function caFetchContainer(caBundleUrl: string | undefined, uid: number, tmpVolume: string): k8s.types.input.core.v1.Container {
    return {
        name: "db-ca",
        image: AWS_CLI_IMAGE,
        command: ["bash", `${CA_FETCH_MOUNT}/ca-fetch.sh`],
        env: [
            // None known (config refuses it): ca-fetch.sh fails, and the pod with it (never an empty bundle).
            ...(caBundleUrl !== undefined ? [{ name: "DB_SSL_CA_URL", value: caBundleUrl }] : []),
            { name: "DB_SSL_CA", value: DATABASE_CA_FILE },
            { name: "HOME", value: "/tmp" },
        ],
        volumeMounts: [
            { name: CA_FETCH_VOLUME, mountPath: CA_FETCH_MOUNT, readOnly: true },
            { name: DATABASE_CA_VOLUME, mountPath: DATABASE_CA_DIR },
            { name: tmpVolume, mountPath: "/tmp" },
        ],
        securityContext: restrictedContainer(uid),
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } },
    };
}

/**
 * What a long-running pod's template (a color's Deployment) carries so that it rolls onto a new
 * connection: a digest of the Secret's settings (components/database.ts `connectionDigest`).
 * Kubernetes never refreshes environment variables of a running container from a Secret, and the
 * Secret keeps its name, so without it the pods would keep a restore's old host or a rotated password
 * until someone restarted them. The digest changes exactly when the connection does; the Deployment
 * waits for the new Secret (`dependsOn`) and is updated in place (its forceNew is `.spec.selector`)
 * with `maxUnavailable: 0`. Not from the Secret's own outputs (its uid): that input would make the
 * Deployment be replaced with the Secret ({@link DatabaseClient}). Not on a Job: its template is
 * immutable, so a new value would replace it and run it again.
 */
export function databaseRolloutAnnotations(client: DatabaseClient): Record<string, pulumi.Input<string>> {
    return { [ANNOTATIONS.databaseConnection]: client.connectionDigest };
}

/**
 * What a migration Job's pod template carries when its migration is to run on a restored database:
 * that instance's identifier (components/migrations.ts `migrationInstances` says which Jobs). A
 * restore is a new instance, with a new identifier per origin, and a Job's template is force-new
 * (pulumi-kubernetes diff.go `job`: `.spec.template`), so a new value replaces the Job and its
 * migration runs again, on the restored database, in the update that restores it: the migrations
 * the restore undid, which the plan counts as not yet run. Nothing otherwise.
 */
export function migrationRerunAnnotations(instance: string | undefined): Record<string, string> {
    return instance !== undefined ? { [ANNOTATIONS.restoredDatabase]: instance } : {};
}

/** What a pod that connects to the database adds to its spec. */
export interface DatabaseClientPod {
    /** The user's Secret's `DATABASE_*` ({@link databaseEnv}), then `DATABASE_TLS_MODE`, `DATABASE_CA_FILE`. */
    readonly env: k8s.types.input.core.v1.EnvVar[];
    readonly initContainer: k8s.types.input.core.v1.Container;
    /** The bundle's emptyDir and the script's ConfigMap. */
    readonly volumes: k8s.types.input.core.v1.Volume[];
    /** The bundle's directory, read-only, for the app container. */
    readonly appMount: k8s.types.input.core.v1.VolumeMount;
}

/** The parts of {@link DatabaseClientPod} for `client` connecting as `user`, its pod running as `uid` with `tmpVolume` at /tmp. */
export function databaseClientPod(client: DatabaseClientPodInputs, uid: number, tmpVolume: string, user: DatabaseUser = "app"): DatabaseClientPod {
    return {
        env: [...databaseEnv(user === "app" ? client.secretName : client.adminSecretName), ...databaseTlsEnv(client.engine)],
        initContainer: caFetchContainer(client.caBundleUrl, uid, tmpVolume),
        volumes: [
            { name: DATABASE_CA_VOLUME, emptyDir: { sizeLimit: "1Mi" } },
            { name: CA_FETCH_VOLUME, configMap: { name: client.caFetchConfigMap, defaultMode: 0o555 } },
        ],
        appMount: { name: DATABASE_CA_VOLUME, mountPath: DATABASE_CA_DIR, readOnly: true },
    };
}
