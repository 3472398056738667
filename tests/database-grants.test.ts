/**
 * The application's own database user (components/database-grants.ts): the grants Job's spec from
 * its exported builder, and in both stacks' plans who reads which user's Secret, what waits for the
 * grants, and when the Job runs again. The SQL itself runs against real servers in
 * tests/db-app-role.test.ts (`npm run test:db`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { APP_CONNECTION_SECRET_NAME, APP_PASSWORD_VERIFIER_KEY, CONNECTION_SECRET_KEYS, CONNECTION_SECRET_NAME, DATABASE_CA_FILE } from "../components/database";
import { caFetchContainer } from "../components/database-client";
import {
    GRANTS_DEADLINE_SECONDS, GRANTS_FILES, GRANTS_TRY_MAX_SECONDS, GRANTS_JOB_NAME, GRANTS_SCRIPTS_NAME, grantsJobSpec, grantsScriptsData, grantsScriptsDigest, type GrantsJobInputs,
} from "../components/database-grants";
import { DB_CLIENT_CALL_MAX_SECONDS, DB_IMAGE_UID, SCRIPTS_DIR } from "../components/logical-backup";
import { appUsernameProblem } from "../lib/sql-names";
import { input, named, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";

const CA = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";
const INPUTS: GrantsJobInputs = {
    engine: "postgres", engineVersion: "17", caBundleUrl: CA, adminSecretName: "db-admin", appSecretName: "db-app", appConnectionDigest: "0a1b2c3d4e", scriptsDigest: "5f6e7d8c9b",
};

type Pod = k8s.types.input.core.v1.PodSpec & { containers: k8s.types.input.core.v1.Container[] };
const podOf = (spec: k8s.types.input.batch.v1.JobSpec): Pod => (spec.template as { spec: Pod }).spec;
/** A container's env as [name, value or `<secret>.<key>`]. */
const envOf = (c: k8s.types.input.core.v1.Container): [string, string][] =>
    (c.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[])
        .map((e) => [e.name, e.value ?? `${e.valueFrom?.secretKeyRef.name}.${e.valueFrom?.secretKeyRef.key}`]);
const annotationsOf = (spec: k8s.types.input.batch.v1.JobSpec): Record<string, unknown> => (spec.template as { metadata: { annotations: Record<string, unknown> } }).metadata.annotations;

describe("grantsJobSpec (the grants Job)", () => {
    const spec = grantsJobSpec(INPUTS);
    const pod = podOf(spec);
    const [c] = pod.containers;

    it("runs app-role.sh in the engine's pinned client image (the dumps'), a few tries, bounded", () => {
        expect([c.name, c.image, c.command]).toEqual(["grants", "public.ecr.aws/docker/library/postgres:17.11", ["bash", "/scripts/app-role.sh"]]);
        expect([spec.backoffLimit, spec.activeDeadlineSeconds, pod.restartPolicy]).toEqual([2, GRANTS_DEADLINE_SECONDS, "Never"]);
    });

    it("connects as the master user (the admin Secret) to set up the application's (its own Secret), every credential by secretKeyRef; on PostgreSQL the password's verifier, not the password", () => {
        expect(envOf(c)).toEqual([
            ["DB_ENGINE", "postgres"],
            ["DB_HOST", "db-admin.host"],
            ["DB_PORT", "db-admin.port"],
            ["DB_NAME", "db-admin.database"],
            ["DB_USER", "db-admin.username"],
            ["DB_PASSWORD", "db-admin.password"],
            ["APP_USER", "db-app.username"],
            ["APP_PASSWORD_VERIFIER", `db-app.${APP_PASSWORD_VERIFIER_KEY}`],
            ["DB_SSL_CA", DATABASE_CA_FILE],
            ["DB_CONNECT_TIMEOUT", "15"],
            ["DB_QUERY_TIMEOUT", "120"],
            ["HOME", "/tmp"],
        ]);
    });

    it("a stalled server ends a try in app-role.sh's own error line before the deadline: the CA fetch (183 s) and the client's bound (15 + 120 + 5 s) fit in 600 s", () => {
        expect(DB_CLIENT_CALL_MAX_SECONDS).toBe(140);
        expect(GRANTS_TRY_MAX_SECONDS).toBe(323);
        expect(GRANTS_TRY_MAX_SECONDS).toBeLessThan(GRANTS_DEADLINE_SECONDS);
    });

    it("on MySQL: the password itself (the server rewrites the statement before it logs it: MySQL manual, Passwords and Logging)", () => {
        const env = envOf(podOf(grantsJobSpec({ ...INPUTS, engine: "mysql", engineVersion: "8.4" })).containers[0]);
        expect(env.filter(([name]) => name.startsWith("APP_"))).toEqual([["APP_USER", "db-app.username"], ["APP_PASSWORD", "db-app.password"]]);
    });

    it("verifies the server as the services do: the db-ca init container fetches the bundle, mounted read-only", () => {
        expect(pod.initContainers).toEqual([caFetchContainer(CA, DB_IMAGE_UID, "tmp")]);
        expect(c.volumeMounts).toEqual([
            { name: "db-ca-fetch", mountPath: "/scripts", readOnly: true },
            { name: "db-ca", mountPath: "/etc/launchpad/database-ca", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ]);
        expect(pod.volumes).toContainEqual({ name: "db-ca-fetch", configMap: { name: GRANTS_SCRIPTS_NAME, defaultMode: 0o555 } });
    });

    it("runs under Pod Security restricted as the image's user, with no service account token", () => {
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: DB_IMAGE_UID, runAsGroup: DB_IMAGE_UID, fsGroup: DB_IMAGE_UID, seccompProfile: { type: "RuntimeDefault" } });
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(pod.automountServiceAccountToken).toBe(false);
    });

    it("carries the digests that run it again (the application user's settings, the scripts), and keeps its node while it runs", () => {
        expect(annotationsOf(spec)).toEqual({
            "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
            "launchpad.dev/database-connection": "0a1b2c3d4e",
            "launchpad.dev/database-grants": "5f6e7d8c9b",
        });
    });

    it("takes the MySQL image for a MySQL stack", () => {
        expect(podOf(grantsJobSpec({ ...INPUTS, engine: "mysql", engineVersion: "8.4" })).containers[0].image).toBe("public.ecr.aws/docker/library/mysql:8.4.11");
    });
});

describe("the scripts' ConfigMap", () => {
    it("ships the CA fetch, its library and app-role.sh as they are in scripts/db/, nothing else", () => {
        const data = grantsScriptsData();
        expect(Object.keys(data)).toEqual(["lib.sh", "ca-fetch.sh", "app-role.sh"]);
        expect([...GRANTS_FILES]).toEqual(Object.keys(data));
        for (const f of GRANTS_FILES) expect(data[f]).toBe(readFileSync(join(SCRIPTS_DIR, f), "utf8"));
    });

    it("its digest is 10 hex digits, the same for the same scripts, new for any edit of one", () => {
        const data = grantsScriptsData();
        expect(grantsScriptsDigest(data)).toMatch(/^[0-9a-f]{10}$/);
        expect(grantsScriptsDigest({ ...data })).toBe(grantsScriptsDigest(data));
        const edited = GRANTS_FILES.map((f) => grantsScriptsDigest({ ...data, [f]: `${data[f]}# edited\n` }));
        expect(new Set([grantsScriptsDigest(data), ...edited]).size).toBe(GRANTS_FILES.length + 1);
    });
});

describe("appUsernameProblem: the engine's limits for a user that is not the master", () => {
    it.each([
        ["mysql", "a".repeat(32), undefined],
        ["mysql", "a".repeat(33), "expected at most 32 characters (the MySQL limit for a user name, 33 given)"],
        ["postgres", "a".repeat(63), undefined],
        ["postgres", "launchpad_app", undefined],
        ["mysql", "LAUNCHPAD_ADMIN", 'expected a name other than the master user\'s ("launchpad_admin"): the application must not connect as the user that owns the schema'],
        ["postgres", "rdsadmin", 'expected a name other than "rdsadmin" and not starting with "rds_", which RDS keeps for its own users and roles'],
        ["mysql", "RDS_IAM", 'expected a name other than "rdsadmin" and not starting with "rds_", which RDS keeps for its own users and roles'],
        ["mysql", "pg_app", undefined],
        ["postgres", "user", "expected a name that is not a PostgreSQL reserved word (a client that leaves it unquoted fails)"],
    ] as const)("%s %s: %s", (engine, name, problem) => {
        expect(appUsernameProblem(engine, name, "launchpad_admin")).toBe(problem);
    });
});

/** The Secret each DATABASE_* or DB_ / APP_ credential of `r`'s containers comes from, by container. */
function secretsRead(r: PlannedResource, podPath: string): Record<string, string[]> {
    const pod = input(r, podPath) as { containers: k8s.types.input.core.v1.Container[]; initContainers?: k8s.types.input.core.v1.Container[] };
    const out: Record<string, string[]> = {};
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const refs = ((c.env ?? []) as { valueFrom?: { secretKeyRef?: { name: string } } }[]).flatMap((e) => (e.valueFrom?.secretKeyRef !== undefined ? [e.valueFrom.secretKeyRef.name] : []));
        if (refs.length > 0) out[c.name as string] = [...new Set(refs)].sort();
    }
    return out;
}

const grantsAnnotation = (p: Plan, stack: string): unknown => input(named(p, `launchpad-${stack}-database-grants-job`), "spec.template.metadata.annotations");

describe.each(["staging", "production"])("the %s plan: who connects as whom", (stack) => {
    it("the services' Deployments read the application user's Secret only, and wait for it and the grants Job", async () => {
        const p = await planStack(stack);
        const grants = named(p, `launchpad-${stack}-database-grants-job`);
        const deployments = ofType(p, "kubernetes:apps/v1:Deployment").filter((d) => d.name.startsWith(`launchpad-${stack}-api-`));
        expect(deployments.map((d) => d.name).sort()).toEqual([`launchpad-${stack}-api-blue`, `launchpad-${stack}-api-green`]);
        for (const d of deployments) {
            expect(secretsRead(d, "spec.template.spec")).toEqual({ app: [APP_CONNECTION_SECRET_NAME] });
            expect(d.dependsOn).toEqual(expect.arrayContaining([named(p, `launchpad-${stack}-database-app-connection`).urn, grants.urn]));
        }
    });

    it("the dump CronJob keeps the master user's Secret (full reads); the grants Job reads both, one fixed name each", async () => {
        const p = await planStack(stack);
        expect(secretsRead(named(p, `launchpad-${stack}-logical-backup-dump`), "spec.jobTemplate.spec.template.spec")).toEqual({ dump: [CONNECTION_SECRET_NAME] });
        const grants = named(p, `launchpad-${stack}-database-grants-job`);
        expect(input(grants, "metadata.name")).toBe(GRANTS_JOB_NAME);
        expect(secretsRead(grants, "spec.template.spec")).toEqual({ grants: [APP_CONNECTION_SECRET_NAME, CONNECTION_SECRET_NAME].sort() });
        expect(grants.dependsOn.map((u) => u.split("::").pop())).toEqual([`launchpad-${stack}-database-connection`, `launchpad-${stack}-database-app-connection`, `launchpad-${stack}-database-grants-scripts`]);
        // A failed run is replaced, i.e. run again, by the next update (as a migration Job's).
        expect(input(grants, "metadata.annotations")).toEqual({ "pulumi.com/replaceUnready": "true" });
    });
});

describe("the grants Job runs again exactly when the application user's settings or the scripts change", () => {
    it("a change elsewhere (replicas, the master's name) keeps its template: it does not run again", async () => {
        const base = grantsAnnotation(await planStack("staging"), "staging");
        expect(base).toMatchObject({ "launchpad.dev/database-connection": expect.stringMatching(/^[0-9a-f]{10}$/) as unknown, "launchpad.dev/database-grants": grantsScriptsDigest() });
        expect(grantsAnnotation(await planStack("staging", ["launchpad:services.api.replicas=4"]), "staging")).toEqual(base);
        expect(grantsAnnotation(await planStack("staging", ["launchpad:database.username=admin2"]), "staging")).toEqual(base);
    });

    it("another user name, or a restored instance, gives it a new digest: it runs again (a Job's template is force-new)", async () => {
        const base = grantsAnnotation(await planStack("staging"), "staging") as Record<string, string>;
        const renamed = grantsAnnotation(await planStack("staging", ["launchpad:database.appUsername=shop_app"]), "staging") as Record<string, string>;
        const restored = grantsAnnotation(await planStack("staging", ['launchpad:database.restore={sourceInstance: launchpad-staging-db, time: "2026-11-01T10:00:00Z"}']), "staging") as Record<string, string>;
        const key = "launchpad.dev/database-connection";
        expect(new Set([base[key], renamed[key], restored[key]]).size).toBe(3);
        expect([renamed["launchpad.dev/database-grants"], restored["launchpad.dev/database-grants"]]).toEqual([base["launchpad.dev/database-grants"], base["launchpad.dev/database-grants"]]);
    });
});

describe("PostgreSQL: the application password reaches the grants Job as its SCRAM verifier only, and no service gets the verifier", () => {
    const POSTGRES = ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'];
    /** Every secretKeyRef of `r`'s containers, as `<secret>.<key>`. */
    const keysRead = (r: PlannedResource, podPath: string): string[] => {
        const pod = input(r, podPath) as { containers: k8s.types.input.core.v1.Container[]; initContainers?: k8s.types.input.core.v1.Container[] };
        return [...(pod.initContainers ?? []), ...pod.containers].flatMap((c) => envOf(c).map(([, v]) => v)).filter((v) => v.startsWith(`${APP_CONNECTION_SECRET_NAME}.`)).sort();
    };

    it.each(["staging", "production"])("%s on PostgreSQL: the app Secret gains the verifier, secret in the plan; the Job reads it and not the password; the Deployments read neither the verifier", async (stack) => {
        const p = await planStack(stack, POSTGRES);
        const secret = named(p, `launchpad-${stack}-database-app-connection`);
        expect(input(secret, "stringData")).toEqual(Object.fromEntries([...CONNECTION_SECRET_KEYS, APP_PASSWORD_VERIFIER_KEY].sort().map((k) => [k, "[secret]"])));
        expect(keysRead(named(p, `launchpad-${stack}-database-grants-job`), "spec.template.spec")).toEqual([`${APP_CONNECTION_SECRET_NAME}.${APP_PASSWORD_VERIFIER_KEY}`, `${APP_CONNECTION_SECRET_NAME}.username`]);
        const deployments = ofType(p, "kubernetes:apps/v1:Deployment").filter((d) => d.name.startsWith(`launchpad-${stack}-api-`));
        expect(deployments).toHaveLength(2);
        for (const d of deployments) {
            expect(keysRead(d, "spec.template.spec")).toEqual(CONNECTION_SECRET_KEYS.map((k) => `${APP_CONNECTION_SECRET_NAME}.${k}`).sort());
        }
    });

    it("on MySQL (both committed stacks) the app Secret has the connection keys only, and the Job reads the password", async () => {
        const p = await planStack("staging");
        expect(Object.keys(input(named(p, "launchpad-staging-database-app-connection"), "stringData") as object).sort()).toEqual([...CONNECTION_SECRET_KEYS].sort());
        expect(keysRead(named(p, "launchpad-staging-database-grants-job"), "spec.template.spec")).toEqual([`${APP_CONNECTION_SECRET_NAME}.password`, `${APP_CONNECTION_SECRET_NAME}.username`]);
    });
});

describe("PostgreSQL default privileges: a migration runs only after the grants Job (review14)", () => {
    // A table gets the application user's default privileges only if `ALTER DEFAULT PRIVILEGES` has
    // committed when the table is created (PostgreSQL docs, ALTER DEFAULT PRIVILEGES: "applied to
    // objects created in the future"; src/backend/catalog/aclchk.c `get_user_default_acl`, read at
    // CREATE), and `GRANT ... ON ALL TABLES IN SCHEMA` sees only tables already committed
    // (aclchk.c `objectsInSchemaToOids`, a catalog scan). A migration whose transaction spans the
    // grants Job's would leave its tables with neither, and the services refused on them until the
    // Job ran again. So a migration Job waits for the grants Job, as the Deployments do.
    const S = "launchpad:services.api.releases";
    const migrating = [`${S}.blue.migrate={command: ["./migrate", "up"]}`, `${S}.blue.schema={version: 4, supports: [4, 5]}`, `${S}.green.schema={version: 3, supports: [3, 4]}`];
    const previousOutputs = { schemaVersions: { api: { version: 3, migrations: [] } } };

    it.each(["staging", "production"])("%s: the migration Job waits for the grants Job, and the grants Job for no migration", async (stack) => {
        const p = await planStack(stack, migrating, { previousOutputs });
        const job = named(p, `launchpad-${stack}-api-blue-migrate`);
        const grants = named(p, `launchpad-${stack}-database-grants-job`);
        expect(job.dependsOn).toContain(grants.urn);
        expect(grants.dependsOn).not.toContain(job.urn);
        // Waited for, never an input taken from it (components/database-client.ts DatabaseClient).
        expect(Object.values(job.propertyDependencies).flat()).not.toContain(grants.urn);
    });
});
