/**
 * Issue #14: the schema record keeps the entry of a service removed from config (the stack's one
 * database keeps that service's tables at the version its migrations left), marked `retainedSince`,
 * and a service re-added under the name is checked against it, in `pulumi up` (the plan, exit 2)
 * and in a rollback (scripts/rollback.ts reads the same record). The release history does not keep
 * a removed service: it describes the Deployments, which go with the service.
 */
import { describe, expect, it } from "vitest";
import { keptRecord, outgoingReleases, retainedLine, retainedRecords, schemaStep, unknownOutgoingLine, type MigrationRecord, type SchemaRecord } from "../components/migrations";
import { nextHistory, type ReleaseHistory } from "../components/release-history";
import { admit } from "../components/promotion";
import { schemaSwitchProblems } from "../scripts/rollback";
import { planCli } from "../scripts/plan";
import { loadConfigFor } from "./support/config";
import { planStack } from "./support/plan";
import { scratchFile } from "./support/scratch";

/** This update's time in the tests: LAUNCHPAD_TODAY (vitest.config.mts) at midnight, as restorePointTime writes it. */
const AT = "2026-12-02T00:00:00Z";
const REMOVED_AT = "2026-11-28T00:00:00Z";

const migration = (service: string, from: number | null, to: number, day: number, snapshot?: string): MigrationRecord => ({
    color: "green",
    releaseId: `${service.slice(0, 4).padEnd(4, "x")}${String(to).padStart(6, "0")}`,
    image: `ghcr.io/acme/${service}:1.${to}.0`,
    fromVersion: from,
    toVersion: to,
    at: `2026-11-${day}T00:00:00Z`,
    ...(snapshot !== undefined ? { restorePoint: { snapshot, time: `2026-11-${day}T00:00:00Z` } } : {}),
});

const WORKER_3_TO_4 = migration("worker", 3, 4, 20, "launchpad-staging-db-pre-worker-green-v3-to-v4");
const API_4_TO_5 = migration("api", 4, 5, 25, "launchpad-staging-db-pre-api-green-v4-to-v5");

describe("retainedRecords (record from previous outputs + current config -> the removed services' entries)", () => {
    const colors = { blue: { releaseId: "b000000000", image: "ghcr.io/acme/worker:1.4.0", supports: [4, 4] as [number, number] } };
    const previous: SchemaRecord = {
        api: { version: 5, migrations: [API_4_TO_5] },
        worker: { version: 4, migrations: [WORKER_3_TO_4], colors },
    };

    it("keeps a service no longer in config, marked with this update's time and without what its colors ran (nothing of it runs)", () => {
        expect(retainedRecords(previous, ["api"], AT)).toEqual({ worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: AT } });
    });

    it("keeps the time of the first update without it on every later update", () => {
        const once = retainedRecords(previous, ["api"], REMOVED_AT);
        expect(retainedRecords({ ...previous, ...once }, ["api"], AT)).toEqual({ worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: REMOVED_AT } });
    });

    it("keeps nothing for services in config, nor for one that never migrated (its record says nothing about the database), nor a malformed one", () => {
        expect(retainedRecords(previous, ["api", "worker"], AT)).toEqual({});
        expect(retainedRecords({ admin: { version: null, migrations: [] }, bad: null as never, odd: { version: "4", migrations: [] } as never }, ["api"], AT)).toEqual({});
        expect(retainedRecords(undefined, ["api"], AT)).toEqual({});
    });

    it("a restore undoes its migrations as any service's: to its own restore point, the version before it; a retained entry left with nothing is dropped", () => {
        const restore = { kind: "snapshot" as const, snapshot: WORKER_3_TO_4.restorePoint?.snapshot ?? "" };
        expect(retainedRecords(previous, ["api"], AT, { restore, point: { time: WORKER_3_TO_4.at, service: "worker" } }))
            .toEqual({ worker: { version: 3, migrations: [], retainedSince: AT } });
        const first = { worker: { version: 4, migrations: [migration("worker", null, 4, 20, "launchpad-staging-db-pre-worker-green-none-to-v4")] } };
        expect(retainedRecords(first, ["api"], AT, { restore: { kind: "snapshot", snapshot: "launchpad-staging-db-pre-worker-green-none-to-v4" }, point: { time: "2026-11-20T00:00:00Z", service: "worker" } })).toEqual({});
        // Another service's older restore point: the removed service's later migration is undone by time.
        const apiEarlier = { ...previous, api: { version: 5, migrations: [migration("api", 4, 5, 10, "launchpad-staging-db-pre-api-green-v4-to-v5")] } };
        expect(retainedRecords(apiEarlier, ["api"], AT, { restore: { kind: "snapshot", snapshot: "launchpad-staging-db-pre-api-green-v4-to-v5" }, point: { time: "2026-11-10T00:00:00Z", service: "api" } }))
            .toEqual({ worker: { version: 3, migrations: [], retainedSince: AT } });
    });

    it("keptRecord (no service declares a schema) retains the removed services the same way, and unmarks a re-added one", () => {
        expect(keptRecord(previous, ["api"], AT)).toEqual({ api: { version: 5, migrations: [API_4_TO_5] }, worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: AT } });
        expect(keptRecord({ worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: REMOVED_AT } }, ["worker"], AT)).toEqual({ worker: { version: 4, migrations: [WORKER_3_TO_4] } });
        // Without config's names (the old call): every entry kept as it was, but for `colors`.
        expect(keptRecord(previous)).toEqual({ api: { version: 5, migrations: [API_4_TO_5] }, worker: { version: 4, migrations: [WORKER_3_TO_4] } });
    });

    it("names the retained version in the plan's line", () => {
        expect(retainedLine("worker", { version: 4, migrations: [], retainedSince: REMOVED_AT }))
            .toBe(`schema worker: version 4 retained (not in config since ${REMOVED_AT}; the database keeps its schema, and a service re-added as worker is checked against it)`);
    });
});

/** A worker service in staging: blue and green at `version`, on `supports`. */
const worker = (version: number, supports: string) =>
    `launchpad:services.worker={replicas: 2, releases: {blue: {image: ghcr.io/acme/worker:2.0.0, schema: {version: ${version}, supports: ${supports}}}, green: {image: ghcr.io/acme/worker:2.0.0, schema: {version: ${version}, supports: ${supports}}}}}`;
/** api declares a contract: the SchemaGuard is built (`usesSchema`). */
const API_SCHEMA = ["launchpad:services.api.releases.blue.schema={version: 5, supports: [5, 5]}", "launchpad:services.api.releases.green.schema={version: 5, supports: [5, 5]}"];
const REMOVED: SchemaRecord = { api: { version: 5, migrations: [API_4_TO_5] }, worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: REMOVED_AT } };

describe("schemaStep of a re-added service", () => {
    it("starts from the retained record: its version and migrations, nothing outgoing (its Deployments went with it), so no unknown-outgoing warning", async () => {
        const service = (await loadConfigFor("staging", [worker(4, "[4, 5]")])).services.find((s) => s.name === "worker");
        if (service === undefined) throw new Error("no worker");
        expect(outgoingReleases(service, REMOVED.worker, false)).toEqual([]);
        expect(schemaStep(service, REMOVED.worker, undefined, false)).toEqual({ service: "worker", current: 4, migration: undefined, target: 4, standing: [WORKER_3_TO_4], outgoing: [], retainedSince: REMOVED_AT });
    });
});

async function stagingCli(sets: readonly string[], prev: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = scratchFile("launchpad-schema-retained-", "outputs.json", JSON.stringify(prev));
    return planCli(["--stack", "staging", "--previous-outputs", file, ...sets.flatMap((s) => ["--set", s])]);
}

describe("the plan with a previous record naming a service absent from config (staging)", () => {
    const previousOutputs = { schemaVersions: { api: { version: 5, migrations: [API_4_TO_5] }, worker: { version: 4, migrations: [WORKER_3_TO_4] } }, liveServices: { api: { service: "api", color: "green" } } };

    /** The update that ran without worker: its outputs are what the update re-adding it reads. */
    const removal = planStack("staging", API_SCHEMA, { previousOutputs });

    it("keeps the removed service's entry in schemaVersions, marked retained since this update, and says so in the plan", async () => {
        const p = await removal;
        expect((p.outputs.schemaVersions as unknown as SchemaRecord).worker).toEqual({ version: 4, migrations: [WORKER_3_TO_4], retainedSince: AT });
        expect(p.log).toContain(`info: ${retainedLine("worker", { version: 4, migrations: [], retainedSince: AT })}`);
    });

    it("keeps it too where no service declares a schema (the committed config)", async () => {
        const p = await planStack("staging", [], { previousOutputs });
        expect(p.outputs.schemaVersions).toEqual({ api: { version: 5, migrations: [API_4_TO_5] }, worker: { version: 4, migrations: [WORKER_3_TO_4], retainedSince: AT } });
    });

    it("re-adding the service with a release that does not support the retained version is a config error (exit 2) naming the version and the fix", async () => {
        const r = await stagingCli([...API_SCHEMA, worker(5, "[5, 5]")], (await removal).outputs);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        const problem = (color: string) => `launchpad:services.worker.releases.${color}.schema.supports: received [5,5]; expected a range that includes the current schema version 4 ` +
            `(migrated by releases.green "ghcr.io/acme/worker:1.4.0") (kept in the stack's record since ${AT}, when worker left config: the database kept its schema): ` +
            `releases.${color} (${color === "green" ? "live" : "idle"}, "ghcr.io/acme/worker:2.0.0") would run against a schema it does not support. ` +
            `Deploy a release that supports 4, or undo the migration (docs/runbooks/database-corruption.md, "Undo a migration")`;
        expect(r.stderr).toBe(`Invalid configuration for stack "staging" (2 problems):\n  - ${problem("blue")}\n  - ${problem("green")}\n`);
    });

    it("re-added with releases that support it: plans, the record carries on from the retained one (unmarked), and a rollback to a color that does not support it is refused", async () => {
        const r = await stagingCli([...API_SCHEMA, worker(4, "[4, 5]")], (await removal).outputs);
        expect(r.code).toBe(0);
        expect(r.stderr.split("\n")).toContain("info: schema worker: version 4, no migration");
        expect(r.stderr.split("\n")).not.toContain(`warning: ${unknownOutgoingLine("worker", "blue")}`);
        const p = await planStack("staging", [...API_SCHEMA, worker(4, "[4, 5]")], { previousOutputs: (await removal).outputs });
        const record = p.outputs.schemaVersions as unknown as SchemaRecord;
        expect({ version: record.worker.version, migrations: record.worker.migrations, retainedSince: record.worker.retainedSince }).toEqual({ version: 4, migrations: [WORKER_3_TO_4], retainedSince: undefined });
        // The next rollback (scripts/rollback.ts) reads that record: green on a release for [5, 5] only is refused.
        const services = (await loadConfigFor("staging", [...API_SCHEMA, "launchpad:services.worker={replicas: 2, releases: {green: {image: ghcr.io/acme/worker:2.0.0, schema: {version: 4, supports: [4, 5]}}, blue: {image: ghcr.io/acme/worker:1.9.0, schema: {version: 5, supports: [5, 5]}}}}"])).services;
        const moving = services.filter((s) => s.name === "worker");
        expect(moving.map((s) => s.activeColor)).toEqual(["green"]);
        expect(schemaSwitchProblems(moving, "blue", record)).toEqual([
            `launchpad:services.worker.activeColor: received "blue"; expected a color whose release supports the current schema version 4 (migrated by releases.green "ghcr.io/acme/worker:1.4.0"): ` +
            `releases.blue (live, "ghcr.io/acme/worker:1.9.0") supports [5, 5]. Undo the migration first (docs/runbooks/database-corruption.md, "Undo a migration": ` +
            "restore to the restore point before version 4), or give blue a release whose schema.supports includes 4",
        ]);
    });
});

describe("the release history does not keep a removed service (unlike the schema record)", () => {
    // The history's head is the release live when an update starts (`liveWhenStarted`): a removed
    // service's Deployments are deleted with it, so a re-added service runs nothing, and a kept head
    // would hold its idle color's image fixed (`inPlaceReleaseProblems`) for pods that do not exist.
    // Dropped, its old releases admit nothing: the promotion rule asks the source stack again (the safe side).
    const entry = { color: "blue" as const, image: "ghcr.io/acme/worker:1.4.0", releaseId: "w000000001", time: "2026-11-01T00:00:00Z" };

    it("an update without the service drops its history; re-added, its old image is admitted only by the source stack", async () => {
        const previous: ReleaseHistory = { worker: [entry] };
        const without = nextHistory(previous, [], AT, 10);
        expect(without).toEqual({});
        const service = (await loadConfigFor("production", ["launchpad:services.worker={replicas: 2, releases: {blue: {image: ghcr.io/acme/worker:1.4.0}, green: {image: ghcr.io/acme/worker:1.4.0}}}"])).services.find((s) => s.name === "worker");
        if (service === undefined) throw new Error("no worker");
        expect(admit([service], {}, without, false)[0].rule).toBeUndefined();
        expect(admit([service], {}, previous, false)[0].rule).toBe("history");
    });
});
