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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DATABASE_ENV_PREFIX } from "../config/services";
import type { DbEngine } from "../config/database";
import { ANNOTATIONS } from "../lib/delivery";
import { restrictedContainer } from "../lib/pod-security";
import { CONNECTION_SECRET_KEYS, CONNECTION_TLS_KEYS, connectionTlsSettings, DATABASE_CA_DIR, DATABASE_CA_FILE } from "./database";
import { AWS_CLI_IMAGE, SCRIPTS_DIR } from "./logical-backup";

/** What a service needs to know of the stack's database to connect to it, verifying it. */
export interface DatabaseClient {
    /** The connection Secret (keys `CONNECTION_SECRET_KEYS`). */
    readonly secretName: pulumi.Input<string>;
    /** That Secret's `metadata.uid` ({@link databaseRolloutAnnotations}). */
    readonly secretUid: pulumi.Input<string>;
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
    readonly caFetchConfigMap: pulumi.Input<string>;
}

/** The emptyDir holding the bundle: written by the init container, read-only in the app. */
export const DATABASE_CA_VOLUME = "db-ca";
/** The ConfigMap volume with the fetch script. */
export const CA_FETCH_VOLUME = "db-ca-fetch";
const CA_FETCH_MOUNT = "/scripts";

/** What the ConfigMap ships: the script and the library it sources, nothing else of scripts/db/. */
export const CA_FETCH_FILES = ["lib.sh", "ca-fetch.sh"] as const;

/** The data of the fetch script's ConfigMap, read from scripts/db/ so what the tests run is what runs. */
export function caFetchConfigMapData(): Record<string, string> {
    return Object.fromEntries(CA_FETCH_FILES.map((f) => [f, readFileSync(join(SCRIPTS_DIR, f), "utf8")]));
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
 * connection: the Secret's uid. Kubernetes never refreshes environment variables of a running
 * container from a Secret, and the Secret keeps its name, so without it the pods would keep a
 * restore's old host or a rotated password until someone restarted them. pulumi-kubernetes
 * replaces a Secret whose `type`, `stringData` or `data` changes (provider/pkg/provider/diff.go
 * `forceNewProperties`, without `enableSecretMutable`, which Launchpad does not set), so the uid
 * changes exactly when the connection does, after the new Secret exists; the Deployment is updated
 * in place (its forceNew is `.spec.selector`) with `maxUnavailable: 0`. Not on a Job: its template
 * is immutable, so a new value would replace it and run it again.
 */
export function databaseRolloutAnnotations(client: DatabaseClient): Record<string, pulumi.Input<string>> {
    return { [ANNOTATIONS.databaseConnection]: client.secretUid };
}

/** What a pod that connects to the database adds to its spec. */
export interface DatabaseClientPod {
    /** The Secret's `DATABASE_*` ({@link databaseEnv}), then `DATABASE_TLS_MODE`, `DATABASE_CA_FILE`. */
    readonly env: k8s.types.input.core.v1.EnvVar[];
    readonly initContainer: k8s.types.input.core.v1.Container;
    /** The bundle's emptyDir and the script's ConfigMap. */
    readonly volumes: k8s.types.input.core.v1.Volume[];
    /** The bundle's directory, read-only, for the app container. */
    readonly appMount: k8s.types.input.core.v1.VolumeMount;
}

/** The parts of {@link DatabaseClientPod} for `client`, its pod running as `uid` with `tmpVolume` at /tmp. */
export function databaseClientPod(client: DatabaseClientPodInputs, uid: number, tmpVolume: string): DatabaseClientPod {
    return {
        env: [...databaseEnv(client.secretName), ...databaseTlsEnv(client.engine)],
        initContainer: caFetchContainer(client.caBundleUrl, uid, tmpVolume),
        volumes: [
            { name: DATABASE_CA_VOLUME, emptyDir: { sizeLimit: "1Mi" } },
            { name: CA_FETCH_VOLUME, configMap: { name: client.caFetchConfigMap, defaultMode: 0o555 } },
        ],
        appMount: { name: DATABASE_CA_VOLUME, mountPath: DATABASE_CA_DIR, readOnly: true },
    };
}
