/**
 * A second and third service, planned end to end in both tiers: the committed `api` (an `alb`
 * Ingress), `admin` (an Ingress of its own host, no migration) and a 32-character service (the
 * longest config/services.ts accepts) with no Ingress and a migration (and staging's load gate).
 * Checked: every physical name is within its service's limit (tests/support/physical-names.ts) and
 * unique across services; each service gets its own objects, Ingress load balancer, smoke-gate
 * grouping key and alert/dashboard series; two migrations in one production update take their
 * restore points one after the other; and the policy pack finds nothing keyed on one service.
 */
import { describe, expect, it } from "vitest";
import { ALB_ACTIONS, ROLE_LABEL, ROLES } from "../lib/delivery";
import { releaseId } from "../components/blue-green-service";
import { restoredPoint } from "../components/migrations";
import type { ServiceConfig } from "../config/services";
import { RELEASE_HISTORY_OUTPUT, type ReleaseHistory } from "../components/release-history";
import { evaluatePlan } from "../policies/evaluate";
import { hpaUrns, liveServiceUrns, weightedIngressUrns } from "../scripts/rollback";
import { autoscalerOf } from "../scripts/readiness";
import type { StateResource } from "../scripts/state";
import { pushUrl } from "../smoke/push";
import { loadConfigFor } from "./support/config";
import { nameProblem, physicalNames, unruledTypes, type PhysicalName } from "./support/physical-names";
import { ofType, planStack, type Plan, type PlannedResource } from "./support/plan";

/** 32 characters: the longest service name config accepts (config/services.ts SERVICE_NAME_RE). */
const LONG = "checkout-payments-reconciliation";
const SERVICES = ["admin", "api", LONG] as const;
const TIERS = ["staging", "production"] as const;
type Tier = (typeof TIERS)[number];

const svc = (name: string) => `launchpad:services.${name}`;

/** admin: its own host on the alb class, no schema. LONG: no Ingress, green migrates 3 -> 4. */
function sets(tier: Tier): string[] {
    return [
        `${svc("admin")}={replicas: 3, expose: {ingress: {host: admin.${tier}.example.com, className: alb}}, releases: {blue: {image: ghcr.io/acme/admin:2.0.0}, green: {image: ghcr.io/acme/admin:2.0.0}}}`,
        `${svc(LONG)}={replicas: 3, releases: {blue: {image: ghcr.io/acme/cpr:1.0.0, schema: {version: 3, supports: [3, 4]}}, green: {image: ghcr.io/acme/cpr:1.1.0, migrate: {command: [./migrate, up]}, schema: {version: 4, supports: [4, 5]}}}}`,
        // Production refuses performance profiles: load runs in staging only.
        ...(tier === "staging" ? [`${svc(LONG)}.performance={"loadGate":true}`] : []),
    ];
}

const previousOutputs = { schemaVersions: { [LONG]: { version: 3, migrations: [] } } };

let stagingPlan: Promise<Plan> | undefined;
let productionPlan: Promise<Plan> | undefined;
/**
 * Staging with the three services; production promotes what that staging plan verified. Each planned
 * once for the file (planStack does not keep a plan with its own stackOutputs): plans are frozen.
 */
function plan(tier: Tier): Promise<Plan> {
    stagingPlan ??= planStack("staging", sets("staging"), { previousOutputs });
    if (tier === "staging") return stagingPlan;
    productionPlan ??= stagingPlan.then((staging) => planStack("production", sets("production"), {
        previousOutputs,
        stackOutputs: (name) => (name === "organization/launchpad/staging" ? { ...staging.outputs } : undefined),
    }));
    return productionPlan;
}

const namesOf = (p: Plan): PhysicalName[] => p.resources.flatMap(physicalNames);
/** The names that identify an object (not its labels, annotation keys or references to others). */
const identities = (p: Plan): PhysicalName[] => namesOf(p).filter((n) => !n.field.includes("[") && !n.field.includes("service.name") && !n.value.startsWith("actions."));
const meta = (r: PlannedResource) => r.inputs.metadata as { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
const ofService = (p: Plan, type: string, service: string) => ofType(p, type).filter((r) => meta(r).labels?.app === service);

describe.each(TIERS)("%s with three services", (tier) => {
    it("plans every service, and every physical name is within its service's limit", async () => {
        const p = await plan(tier);
        expect(unruledTypes(p.resources)).toEqual([]);
        expect(namesOf(p).map(nameProblem).filter((x) => x !== undefined)).toEqual([]);
        expect(ofType(p, "launchpad:delivery:BlueGreenService").map((r) => r.name).sort()).toEqual(SERVICES.map((s) => `launchpad-${tier}-${s}`));
    });

    // Kubernetes: a name is unique per kind and namespace (all of these live in the stack's one
    // namespace); AWS: per type and account/region. Two services must never plan the same one.
    it("gives no two objects of one kind the same physical name", async () => {
        const p = await plan(tier);
        expect(identities(p).filter((n) => n.type === "kubernetes:apps/v1:Deployment").map((n) => n.value).sort()).toEqual(SERVICES.flatMap((s) => [`${s}-blue`, `${s}-green`]));
        const seen = new Map<string, string>();
        const clashes: string[] = [];
        for (const n of identities(p)) {
            const key = `${n.type} ${n.value}`;
            const other = seen.get(key);
            if (other !== undefined && other !== n.resource) clashes.push(`${key}: ${other} and ${n.resource}`);
            seen.set(key, n.resource);
        }
        expect(clashes).toEqual([]);
    });

    it("gives each service its own workload objects, named after it", async () => {
        const p = await plan(tier);
        for (const s of SERVICES) {
            const names = (type: string) => ofService(p, type, s).map((r) => meta(r).name ?? "").sort();
            expect(names("kubernetes:apps/v1:Deployment")).toEqual([`${s}-blue`, `${s}-green`]);
            expect(names("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toEqual([`${s}-blue`, `${s}-green`]);
            expect(names("kubernetes:policy/v1:PodDisruptionBudget")).toEqual([`${s}-blue`, `${s}-green`]);
            expect(names("kubernetes:core/v1:Service")).toEqual([s, `${s}-blue`, `${s}-green`]);
            expect(names("kubernetes:networking.k8s.io/v1:Ingress")).toEqual(s === LONG ? [] : [s]);
            const jobs = names("kubernetes:batch/v1:Job").map((j) => j.replace(/-[0-9a-f]{10}$/, "-<id>"));
            expect(jobs).toEqual([
                `${s}-blue-gate-<id>`,
                ...(s === LONG && tier === "staging" ? [`${s}-blue-load-<id>`] : []),
                `${s}-green-gate-<id>`,
                ...(s === LONG && tier === "staging" ? [`${s}-green-load-<id>`] : []),
                ...(s === LONG ? [`${s}-green-migrate-<id>`] : []),
            ]);
        }
    });

    // aws-load-balancer-controller v3.5.0 docs/guide/ingress/annotations.md, IngressGroup: an Ingress
    // without `alb.ingress.kubernetes.io/group.name` is an "implicit IngressGroup" of itself, with an
    // ALB of its own; so no annotation of one service's Ingress reaches the other's load balancer,
    // and each host gets its own listeners and certificate (discovered by host). Names the controller
    // gives that ALB and its target groups are its own (hashed), not planned here.
    it("gives each service with an Ingress its own alb load balancer: no group.name, its own host and forward action", async () => {
        const p = await plan(tier);
        const ingresses = ofType(p, "kubernetes:networking.k8s.io/v1:Ingress");
        expect(ingresses.map((r) => meta(r).name).sort()).toEqual(["admin", "api"]);
        for (const r of ingresses) {
            const name = meta(r).name ?? "";
            const annotations = meta(r).annotations ?? {};
            expect(Object.keys(annotations).filter((k) => k.startsWith("alb.ingress.kubernetes.io/group."))).toEqual([]);
            expect(Object.keys(annotations).filter((k) => k.startsWith("alb.ingress.kubernetes.io/actions."))).toEqual([`${ALB_ACTIONS.annotationPrefix}${name}-colors`]);
            const spec = r.inputs.spec as { rules: { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[] };
            expect(spec.rules.map((rule) => rule.host)).toEqual([name === "api" ? (tier === "staging" ? "api.staging.example.com" : "api.example.com") : `admin.${tier}.example.com`]);
            expect(spec.rules.flatMap((rule) => rule.http.paths.map((path) => path.backend.service.name))).toEqual([`${name}-colors`]);
        }
    });

    // Pushgateway keys a group by its grouping key (prometheus/pushgateway README, "URL"): the gate
    // pushes under job/service/color, so one service's verdict never replaces another's.
    it("pushes each service's gate verdict under its own grouping key", async () => {
        const p = await plan(tier);
        const keys = ofType(p, "kubernetes:batch/v1:Job").filter((r) => meta(r).labels?.[ROLE_LABEL] === ROLES.gate).map((r) => {
            const env = (r.inputs.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec.containers[0].env;
            const v = (k: string) => env.find((e) => e.name === k)?.value ?? "";
            return pushUrl("", v("SMOKE_SERVICE"), v("SMOKE_COLOR"));
        });
        expect(keys.sort()).toEqual(SERVICES.flatMap((s) => ["blue", "green"].map((c) => `/metrics/job/launchpad-smoke-gate/service/${s}/color/${c}`)).sort());
    });

    // The pack the workflows run (policies/config/<stack>.json): no rule may be keyed on one service.
    it("passes the policy pack with nothing to report", async () => {
        const p = await plan(tier);
        expect((await evaluatePlan(p)).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("alerts per service: unique rule titles, request alerts split by service, every service's series expected", async () => {
        const p = await plan(tier);
        const rules = ofType(p, "grafana:alerting/ruleGroup:RuleGroup").flatMap((g) => (g.inputs.rules as { name: string; datas: { model: string }[] }[]));
        const titles = rules.map((r) => r.name);
        expect(new Set(titles).size).toBe(titles.length);
        const exprs = (title: string) => rules.find((r) => r.name === title)?.datas.map((d) => (JSON.parse(d.model) as { expr?: string }).expr ?? "").join(" ") ?? "";
        for (const title of titles.filter((t) => /http_request/.test(exprs(t)) && t !== "LaunchpadRequestMetricAbsent")) {
            expect(`${title}: ${exprs(title)}`).toMatch(/sum by \(service\b/);
        }
        expect(exprs("LaunchpadRequestMetricAbsent").trim()).toBe(SERVICES.map((s) => `absent(http_requests_total{service="${s}"})`).join(" or "));
        const uids = ofType(p, "grafana:oss/dashboard:Dashboard").map((d) => (JSON.parse(d.inputs.configJson as string) as { uid: string }).uid);
        expect(new Set(uids).size).toBe(uids.length);
    });
});

// scripts/rollback.ts: `--service admin` moves admin's live Service and alb Ingress (and an
// autoscaler whose minimum changes) and nothing of the other services.
describe("npm run rollback -- --service admin, with three services", () => {
    it("targets admin's objects only; admin's idle size different from its live one adds its autoscaler", async () => {
        const idle = [...sets("staging"), `${svc("admin")}.idleReplicas=1`];
        const p = await planStack("staging", idle, { previousOutputs });
        const state: StateResource[] = p.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs, outputs: r.state }));
        const moving = (await loadConfigFor("staging", idle)).services.filter((s) => s.name === "admin");
        const urn = (type: string, name: string) => p.resources.find((r) => r.type === type && r.name === name)?.urn;
        expect([...liveServiceUrns(state, ["admin"]).values()]).toEqual([urn("kubernetes:core/v1:Service", "launchpad-staging-admin-live")]);
        expect(weightedIngressUrns(state, ["admin"])).toEqual([urn("kubernetes:networking.k8s.io/v1:Ingress", "launchpad-staging-admin-ingress")]);
        // Staging's admin is live on green (launchpad:activeColor), as the plan's release history says:
        // back to blue, blue's autoscaler rises to 3 and green's keeps 3 until the next update.
        const history = p.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
        expect(hpaUrns(state, moving, "blue", history)).toEqual([urn("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "launchpad-staging-admin-blue-hpa")]);
    });

    it("an autoscaler waiting for deletion (the old half of a replacement, `delete: true` in the export) is neither targeted nor named by the live-size warning", async () => {
        const idle = [...sets("staging"), `${svc("admin")}.idleReplicas=1`];
        const p = await planStack("staging", idle, { previousOutputs });
        const state: StateResource[] = p.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs, outputs: r.state }));
        const moving = (await loadConfigFor("staging", idle)).services.filter((s) => s.name === "admin");
        const history = p.outputs[RELEASE_HISTORY_OUTPUT] as unknown as ReleaseHistory;
        const blue = state.find((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && r.inputs?.metadata?.labels?.app === "admin" && r.inputs.metadata.labels.color === "blue");
        expect(autoscalerOf(state, "admin", "blue")?.name).toBe((blue?.outputs?.metadata as { name: string }).name);
        const pending = state.map((r) => (r === blue ? { ...r, delete: true } : r));
        expect(hpaUrns(pending, moving, "blue", history)).toEqual([]);
        expect(autoscalerOf(pending, "admin", "blue")).toBeUndefined();
    });
});

describe("two migrations in one production update", () => {
    const both = [
        `${svc("api")}.releases.blue.schema={version: 3, supports: [3, 4]}`,
        `${svc("api")}.releases.green.migrate={command: [./migrate, up]}`,
        `${svc("api")}.releases.green.schema={version: 4, supports: [4, 5]}`,
    ];

    // API CreateDBSnapshot: "The source DB instance must be in the available or storage-optimization
    // state"; an instance being snapshotted is `backing-up` (RDS User Guide, "DB instance status").
    // Both restore points are of the one database, so the second waits for the first (whose create
    // returns once it is available: components/blue-green-service.ts) and for its migration, so it
    // holds no migration half-applied and each migration runs right after its own restore point.
    it("takes the restore points one at a time, the later service's after the earlier's snapshot and migration", async () => {
        const staging = await planStack("staging", [...sets("staging"), ...both], { previousOutputs: { schemaVersions: { ...previousOutputs.schemaVersions, api: { version: 3, migrations: [] } } } });
        const p = await planStack("production", [...sets("production"), ...both], {
            previousOutputs: { schemaVersions: { ...previousOutputs.schemaVersions, api: { version: 3, migrations: [] } } },
            stackOutputs: (name) => (name === "organization/launchpad/staging" ? { ...staging.outputs } : undefined),
        });
        const snapshots = ofType(p, "aws:rds/snapshot:Snapshot");
        expect(snapshots.map((r) => [r.name, r.inputs.dbSnapshotIdentifier])).toEqual([
            ["launchpad-production-api-green-restore-point", "launchpad-production-db-pre-api-green-v3-to-v4"],
            [`launchpad-production-${LONG}-green-restore-point`, `launchpad-production-db-pre-${LONG}-green-v3-to-v4`],
        ]);
        const apiMigration = ofType(p, "kubernetes:batch/v1:Job").find((r) => r.name === "launchpad-production-api-green-migrate");
        expect(snapshots.map((r) => r.dependsOn)).toEqual([[], [snapshots[0].urn, apiMigration?.urn]]);
    });
});

describe("a restore of one service's restore point, with two services on the one database", () => {
    const at = (day: number) => `2026-11-${day}T09:00:00Z`;
    const migration = (svcName: string, from: number, day: number) => ({
        color: "green" as const, releaseId: `${day}`.padEnd(10, "0"), image: `ghcr.io/acme/${svcName}:1.1.0`, fromVersion: from, toVersion: from + 1, at: at(day),
        restorePoint: { snapshot: `launchpad-production-db-pre-${svcName}-green-v${from}-to-v${from + 1}`, time: at(day) },
    });
    // api migrated 3 -> 4 on the 20th, admin 7 -> 8 on the 25th: each a restore point of the whole database.
    const record = {
        api: { version: 4, migrations: [migration("api", 3, 20)] },
        admin: { version: 8, migrations: [migration("admin", 7, 25)] },
    };
    const schemas = (admin: string) => [
        `${svc("api")}.releases.blue.schema={version: 4, supports: [3, 4]}`,
        `${svc("api")}.releases.green.schema={version: 4, supports: [3, 4]}`,
        `${svc("admin")}={replicas: 3, releases: {blue: {image: ghcr.io/acme/admin:1.1.0, schema: {version: 8, supports: ${admin}}}, green: {image: ghcr.io/acme/admin:1.1.0, schema: {version: 8, supports: ${admin}}}}}`,
        "launchpad:promotion.allowUnverified=true",
    ];
    const restoring = (snapshot: string) => `launchpad:database.restore.snapshot=${snapshot}`;

    it("names the time every service's later migrations are undone from", () => {
        expect(restoredPoint({ kind: "snapshot", snapshot: record.api.migrations[0].restorePoint.snapshot }, record)?.time).toBe(at(20));
        expect(restoredPoint({ kind: "snapshot", snapshot: "some-other-snapshot" }, record)).toBeUndefined();
    });

    // Restoring api's restore point takes the database to the 20th: admin's migration of the 25th
    // is undone with it, so admin's releases that support only 8 would run against 7.
    it("undoes the other service's later migration: its releases must support the version before it", async () => {
        await expect(planStack("production", [...schemas("[8, 8]"), restoring(record.api.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: record } }))
            .rejects.toThrow(/launchpad:services\.admin\.releases\.blue\.schema\.supports: received \[8,8\]; expected a range that includes the current schema version 7/);
        const p = await planStack("production", [...schemas("[7, 8]"), restoring(record.api.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: record } });
        expect(p.log.filter((l) => l.startsWith("info: schema "))).toEqual(["info: schema admin: version 7, no migration", "info: schema api: version 3, no migration"]);
    });

    it("keeps the earlier service's migration when the later one's restore point is restored", async () => {
        const p = await planStack("production", [...schemas("[7, 8]"), restoring(record.admin.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: record } });
        expect(p.log.filter((l) => l.startsWith("info: schema "))).toEqual(["info: schema admin: version 7, no migration", "info: schema api: version 4, no migration"]);
    });

    // With each service's recorded migration still declared, a restore runs again only the ones it
    // undid, each on the restored instance (components/migrations.ts migrationInstances): the other
    // service's Job stays, since its migration stands in the restored database.
    it("runs again only the undone service's migration Job, on the restored instance", async () => {
        const migrating = [
            `${svc("api")}.releases.blue.schema={version: 4, supports: [3, 4]}`,
            `${svc("api")}.releases.green.migrate={command: ["./migrate", "up"]}`,
            `${svc("api")}.releases.green.schema={version: 4, supports: [3, 4]}`,
            `${svc("admin")}={replicas: 3, releases: {blue: {image: ghcr.io/acme/admin:1.1.0, schema: {version: 8, supports: [7, 8]}}, green: {image: ghcr.io/acme/admin:1.2.0, migrate: {command: ["./migrate", "up"]}, schema: {version: 8, supports: [7, 8]}}}}`,
            "launchpad:promotion.allowUnverified=true",
        ];
        const services = (await loadConfigFor("production", migrating)).services;
        const ran = (name: string, from: number, day: number) => ({ ...migration(name, from, day), releaseId: releaseId(services.find((x) => x.name === name) as ServiceConfig, "green") });
        const held = { api: { version: 4, migrations: [ran("api", 3, 20)] }, admin: { version: 8, migrations: [ran("admin", 7, 25)] } };
        const annotation = (p: Plan, name: string) =>
            ((p.resources.find((r) => r.name === `launchpad-production-${name}-green-migrate`)?.inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations)["launchpad.dev/restored-database"];
        const instance = (p: Plan) => p.resources.find((r) => r.name === "launchpad-production-database-instance")?.inputs.identifier;
        const never = await planStack("production", migrating, { previousOutputs: { schemaVersions: held } });
        expect([annotation(never, "api"), annotation(never, "admin")]).toEqual([undefined, undefined]);
        // admin's restore point (the 25th): admin's migration is undone, api's of the 20th stands.
        const adminsPoint = await planStack("production", [...migrating, restoring(held.admin.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: held } });
        expect([annotation(adminsPoint, "api"), annotation(adminsPoint, "admin")]).toEqual([undefined, instance(adminsPoint)]);
        // api's (the 20th): both are undone, and both run again there.
        const apisPoint = await planStack("production", [...migrating, restoring(held.api.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: held } });
        expect([annotation(apisPoint, "api"), annotation(apisPoint, "admin")]).toEqual([instance(apisPoint), instance(apisPoint)]);
        expect(instance(apisPoint)).toMatch(/^launchpad-production-db-r[0-9a-f]{8}$/);
    });

    // One update migrated both on the 20th, so both restore points carry that update's time. The
    // services go in config order (by name: admin, then api), each restore point after the restore
    // points and migration Jobs of the services before it (components/environment.ts), so api's
    // snapshot holds admin's migration and admin's snapshot holds neither; the point in time itself,
    // that update's start, is before both.
    describe("two migrations of one update", () => {
        const same = {
            api: { version: 4, migrations: [migration("api", 3, 20)] },
            admin: { version: 8, migrations: [migration("admin", 7, 20)] },
        };
        const schemaLines = (p: { log: readonly string[] }) => p.log.filter((l) => l.startsWith("info: schema "));

        it("restoring the later service's snapshot keeps the earlier service's migration, which its snapshot waited for", async () => {
            const p = await planStack("production", [...schemas("[8, 8]"), restoring(same.api.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: same } });
            expect(schemaLines(p)).toEqual(["info: schema admin: version 8, no migration", "info: schema api: version 3, no migration"]);
        });

        it("restoring the earlier service's snapshot, or the update's point in time, undoes both", async () => {
            await expect(planStack("production", [...schemas("[8, 8]"), restoring(same.admin.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: same } }))
                .rejects.toThrow(/launchpad:services\.admin\.releases\.blue\.schema\.supports: received \[8,8\]; expected a range that includes the current schema version 7/);
            const bySnapshot = await planStack("production", [...schemas("[7, 8]"), restoring(same.admin.migrations[0].restorePoint.snapshot)], { previousOutputs: { schemaVersions: same } });
            expect(schemaLines(bySnapshot)).toEqual(["info: schema admin: version 7, no migration", "info: schema api: version 3, no migration"]);
            const byTime = await planStack("production", [...schemas("[7, 8]"), `launchpad:database.restore={sourceInstance: launchpad-production-db, time: "${at(20)}"}`], { previousOutputs: { schemaVersions: same } });
            expect(schemaLines(byTime)).toEqual(["info: schema admin: version 7, no migration", "info: schema api: version 3, no migration"]);
        });
    });
});
