/**
 * Schema migrations in the release flow: the stack's record of the migrations it ran, the
 * compatibility rule every update is checked against, and the "undo a migration" settings.
 *
 * One database serves both colors, so a migration runs while the other color still serves (or
 * stands by to serve) traffic. The rule: a release may migrate the schema to version V only if every
 * release running during and after the step, the live color's included, declares `schema.supports`
 * including V; and no color may go live on a release that does not support the current version.
 *
 * The current version comes from this stack's own record, the `schemaVersions` stack output of its
 * last update, read back through a StackReference to the stack itself (a pattern Pulumi's maintainers
 * describe in https://github.com/pulumi/pulumi/issues/3722: an output of one update read into the
 * same stack on the next). A stack with no record (first deploy) has no current version.
 *
 * "Every release running during the step" includes the release each color ran before this update:
 * the migration Job runs before its color's Deployment rolls, so the migrating color's old pods (and
 * a changing other color's) meet the new schema. The record keeps, per color, the release its
 * Deployment last rolled out to (`colors`), from state, never from config a pull request could edit.
 *
 * A service removed from config keeps its entry (`retainedRecords`): the database keeps its schema,
 * so a service re-added under that name is checked against the version it left.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { schedulerTrustPolicy } from "../lib/iam";
import { ConfigError, type RestoreConfig, type Safety, type ServiceConfig } from "../config";
import { runDate } from "../config/clock";
import { awsPartition } from "../config/region";
import { COLORS, otherColor, type Color } from "../lib/delivery";
import { releaseId, succeededFor, type BlueGreenService, type RestorePointArgs } from "./blue-green-service";
import { databaseInstanceIdentifier } from "../lib/stack-name";
import type { Database } from "./database";
import { LIVE_SERVICES_OUTPUT } from "./release-history";
import { IDENTITY_OUTPUT, type StackIdentity } from "./identity-record";
import { RESTORE_POINT_TIME_TAG, restorePointExpiresAt, restorePointExpiryPolicy, restorePointIdentifier, restorePointStep, restorePointTime, takenAt } from "./restore-point";

/** The stack output holding, per service, the schema version and the migrations that brought it there. */
export const SCHEMA_RECORD_OUTPUT = "schemaVersions";
/** Migrations kept per service in the record, newest last; older ones fall off. */
export const MAX_RECORDED_MIGRATIONS = 20;

/** Where to go back to: the manual snapshot taken before the migration, and the time just before it started. */
export interface RestorePointRecord {
    /** The manual RDS snapshot identifier: named after the schema step (`restorePointStep`), or after the release id when recorded before step names. */
    readonly snapshot: string;
    /** ISO-8601 UTC: a point-in-time restore to this moment gives the schema before the migration. */
    readonly time: string;
}

/** One migration this stack ran. */
export interface MigrationRecord {
    readonly color: Color;
    readonly releaseId: string;
    readonly image: string;
    /** The version before it; null when the stack had no record. */
    readonly fromVersion: number | null;
    readonly toVersion: number;
    /** ISO-8601 UTC time of the update that ran it. */
    readonly at: string;
    /** Production only: the restore point taken before it. */
    readonly restorePoint?: RestorePointRecord;
    /**
     * The restored database instance it ran on (`launchpad:database.restore`'s); absent on a database
     * never restored: what its Job's pod template names ({@link migrationInstances}).
     */
    readonly instance?: string;
}

/** The release one color ran when this stack's last completed update had rolled it out. */
export interface ColorRecord {
    readonly releaseId: string;
    readonly image: string;
    /** Its `schema.supports`; null when it declared no contract (it is assumed to support no other version). */
    readonly supports: readonly [number, number] | null;
}

export interface ServiceSchemaRecord {
    /** The schema version the database is at; null before the first migration. */
    readonly version: number | null;
    readonly migrations: readonly MigrationRecord[];
    /** Per color, the release its Deployment runs; absent in a record written before Launchpad kept it. */
    readonly colors?: Readonly<Partial<Record<Color, ColorRecord>>>;
    /**
     * The service is no longer in config: ISO-8601 UTC time of the first update that ran without it.
     * Its Deployments went with it, but the database keeps its schema, so the record keeps the
     * version and migrations ({@link retainedRecords}); a service re-added under the name starts from them.
     * @default - a service in config
     */
    readonly retainedSince?: string;
}

/** A release that runs while this update's migration does: one a color ran before and this update replaces. */
export interface OutgoingRelease extends ColorRecord {
    readonly color: Color;
}

export type SchemaRecord = Readonly<Record<string, ServiceSchemaRecord>>;

/** What one update does to one service's schema. */
export interface SchemaStep {
    readonly service: string;
    /** The version before this update: the record's, or a restore point's when `database.restore` names one. */
    readonly current: number | undefined;
    /** The migration this update runs, if any. */
    readonly migration: { readonly color: Color; readonly releaseId: string; readonly image: string; readonly version: number } | undefined;
    /** The version after this update. */
    readonly target: number | undefined;
    /** Recorded migrations that still stand (those after a restored point are undone). */
    readonly standing: readonly MigrationRecord[];
    /**
     * The releases the colors ran before this update that it replaces (their pods run until the
     * color's Deployment rolls); empty on a first deploy (nothing runs), undefined when the stack ran
     * before but its record does not say what (a record from before Launchpad kept `colors`).
     */
    readonly outgoing: readonly OutgoingRelease[] | undefined;
    /**
     * The record is a removed service's, kept since then (`ServiceSchemaRecord.retainedSince`): the service is re-added.
     * @default - a service the last update had in config, or none recorded
     */
    readonly retainedSince?: string;
}

/** Whether a restore config names this migration's restore point (its snapshot, or its time on any source). */
function restores(restore: RestoreConfig | undefined, m: MigrationRecord): boolean {
    if (restore === undefined || m.restorePoint === undefined) {
        return false;
    }
    return restore.kind === "snapshot" ? restore.snapshot === m.restorePoint.snapshot : restore.time === m.restorePoint.time;
}

/** A service declares schema or migration settings: only then does the stack read and keep a record. */
export function usesSchema(service: ServiceConfig): boolean {
    return COLORS.some((c) => service.releases[c].migrate !== undefined || service.releases[c].schema !== undefined);
}

const isRange = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n));

/** A recorded color as read from state; anything malformed reads as unknown. */
function recordedColor(v: unknown): ColorRecord | undefined {
    if (v === null || typeof v !== "object") return undefined;
    const r = v as Record<string, unknown>;
    return typeof r.releaseId === "string" && typeof r.image === "string" && (r.supports === null || isRange(r.supports))
        ? { releaseId: r.releaseId, image: r.image, supports: r.supports === null ? null : [r.supports[0], r.supports[1]] }
        : undefined;
}

/**
 * What each color ran before this update and this update replaces. `deployedBefore`: the stack
 * completed an update with this service before (its previous `liveServices` names it); without a
 * record, that means it ran releases the stack did not record.
 */
export function outgoingReleases(service: ServiceConfig, record: ServiceSchemaRecord | undefined, deployedBefore: boolean): OutgoingRelease[] | undefined {
    if (record === undefined) {
        return deployedBefore ? undefined : [];
    }
    // A retained record: the service was removed, its Deployments deleted with it, so nothing of it runs.
    if (typeof record.retainedSince === "string") {
        return [];
    }
    if (record.colors === undefined || record.colors === null || typeof record.colors !== "object") {
        return undefined;
    }
    const colors = record.colors;
    return COLORS.flatMap((color) => {
        const ran = recordedColor(colors[color]);
        return ran !== undefined && ran.releaseId !== releaseId(service, color) ? [{ color, ...ran }] : [];
    });
}

/**
 * Where a restore takes the database back to: the recorded restore point it names (its time, and the
 * service whose migration took it), or, for a point-in-time restore this update performs, its time.
 */
export interface RestoredPoint {
    readonly time: string;
    /** @default - no restore point named: a point in time of its own */
    readonly service?: string;
}

/**
 * The recorded restore point a restore names, whichever service's migration took it; undefined when it
 * names none. One database serves every service, so the restore undoes every service's migrations from then on.
 */
export function restoredPoint(restore: RestoreConfig | undefined, record: SchemaRecord | undefined): RestoredPoint | undefined {
    for (const [service, r] of Object.entries(record ?? {})) {
        const time = (r?.migrations ?? []).find((m) => restores(restore, m))?.restorePoint?.time;
        if (time !== undefined) return { time, service };
    }
    return undefined;
}

/**
 * Where a restore takes the database back to (`RestoredPoint`). A point-in-time restore to a time
 * of its own (database-corruption runbook A: just before the corruption) undoes every migration
 * whose update started after it, but only in the update that performs it: the instance the stack
 * recorded (`identity.database.instance`) is not yet the restore's. Once done, the record no longer
 * holds those migrations, and the restore key, which stays for the life of the database, must not
 * undo the ones that come after it. Unknown (no recorded instance, "latest"): none.
 */
export function restoreCut(restore: RestoreConfig | undefined, record: SchemaRecord | undefined, recordedInstance: string | undefined, restoredInstance: string): RestoredPoint | undefined {
    const point = restoredPoint(restore, record);
    // Config holds a point in time to "latest" or an ISO-8601 UTC time (config/database.ts restoreProblems).
    if (point !== undefined || restore?.kind !== "pointInTime" || restore.time === "latest") return point;
    return recordedInstance !== undefined && recordedInstance !== restoredInstance ? { time: restore.time } : undefined;
}

/**
 * Whether `service`'s migration of the same update as the restore point stands after the restore.
 * A restore point's snapshot is taken after the restore points and migration Jobs of the services
 * before its own in `order` (config order, by name: components/environment.ts, `RestorePointArgs.after`),
 * so it holds their migrations, and not those of the services after it. Restored to the point's time
 * instead, the database is as it was when that update started, before every one of them.
 */
export function sameUpdateStands(restore: RestoreConfig | undefined, point: RestoredPoint | undefined, service: string, order: readonly string[]): boolean {
    if (restore?.kind !== "snapshot" || point?.service === undefined) return false;
    const mine = order.indexOf(service);
    const theirs = order.indexOf(point.service);
    return mine >= 0 && theirs >= 0 && mine < theirs;
}

/**
 * The step one update takes, from the service's config and its record. A migration "runs" when its
 * release id is not among the standing recorded ones: an unchanged release re-runs nothing.
 * @param deployedBefore see `outgoingReleases`. @default - whether the stack has a record
 * @param since `restoreCut`'s time: this service's migrations whose restore point (else update) is
 * later than that time are undone too, and one of the same update (the same time) unless `sameUpdateStands`.
 * @default - only a restore point of this service's own counts
 * @param sameUpdateStands see the function of that name. @default false
 */
export function schemaStep(service: ServiceConfig, record: ServiceSchemaRecord | undefined, restore?: RestoreConfig, deployedBefore = record !== undefined, since?: string, sameUpdateStands = false): SchemaStep {
    const { standing, current } = standingAfter(record, restore, since, sameUpdateStands);
    const pending = COLORS.flatMap((color) => {
        const r = service.releases[color];
        const id = releaseId(service, color);
        return r.migrate !== undefined && r.schema !== undefined && !standing.some((m) => m.releaseId === id)
            ? [{ color, releaseId: id, image: r.image, version: r.schema.version }]
            : [];
    });
    // Two pending migrations are refused by `schemaProblems`; the step shows the first.
    const migration = pending[0];
    const retained = typeof record?.retainedSince === "string" ? { retainedSince: record.retainedSince } : {};
    return { service: service.name, current, migration, target: migration?.version ?? current, standing, outgoing: outgoingReleases(service, record, deployedBefore), ...retained };
}

/**
 * What of a service's record stands after a restore (`schemaStep`'s parameters): the service whose
 * restore point it is goes back to just before that migration; the others by time.
 */
function standingAfter(record: ServiceSchemaRecord | undefined, restore: RestoreConfig | undefined, since: string | undefined, sameUpdateStands: boolean): Pick<SchemaStep, "standing" | "current"> {
    const recorded = record?.migrations ?? [];
    const undone = (m: MigrationRecord): boolean => {
        if (since === undefined) return false;
        // The restore point's time is its update's start, kept from a first attempt; staging takes none.
        const [t, s] = [Date.parse(m.restorePoint?.time ?? m.at), Date.parse(since)];
        return t > s || (t === s && !sameUpdateStands);
    };
    const own = recorded.findIndex((m) => restores(restore, m));
    const restoredAt = own >= 0 ? own : recorded.findIndex(undone);
    const standing = restoredAt >= 0 ? recorded.slice(0, restoredAt) : recorded;
    const current = restoredAt >= 0 ? (recorded[restoredAt].fromVersion ?? undefined) : (record?.version ?? undefined);
    return { standing, current };
}

/** The restore's cut as `retainedRecords` applies it (`restoreCut`), with the services' order at the time (by name). */
export interface RetainedCut {
    /** The stack's `launchpad:database.restore`. @default - no restore: every recorded migration stands */
    readonly restore?: RestoreConfig;
    /** Where this update's restore takes the database back to (`restoreCut`). @default - none: no migration is undone by time */
    readonly point?: RestoredPoint;
}

/**
 * The records of services no longer in config, which the record keeps. The stack has one database
 * (components/database.ts), which a removed service's Deployments and Jobs leave as it is: its tables
 * stay at the version its last migration took them to. Dropped, the record of a service re-added
 * later under the same name would start empty, and the compatibility rule could refuse nothing: a
 * release that does not support the schema the database has would plan, and so would a rollback
 * to it (scripts/rollback.ts `schemaSwitchProblems` reads the same record). So each is kept, marked
 * `retainedSince` (the first update without the service), without `colors` (nothing of it runs);
 * the service re-added starts from it (`schemaStep`), nothing outgoing. A restore undoes its
 * migrations as any service's (`cut`: the same `restoreCut`). Bounded by the database it describes:
 * an entry lives as long as the stack's database holds what it says, so one with no version and no
 * migration (never migrated, or a restore took it back before its first) is dropped, and the number
 * of entries is at most the service names the stack ever had, each with at most
 * `MAX_RECORDED_MIGRATIONS` migrations. Malformed entries are dropped: there is nothing to check against.
 */
export function retainedRecords(record: SchemaRecord | undefined, services: readonly string[], at: string, cut: RetainedCut = {}): SchemaRecord {
    if (record === undefined || record === null || typeof record !== "object") {
        return {};
    }
    const inConfig = new Set(services);
    const removed = Object.keys(record).filter((name) => !inConfig.has(name));
    // Config order is by name (config/services.ts buildServices), so a removed service keeps its place among the others.
    const order = [...services, ...removed].sort((a, b) => a.localeCompare(b));
    return Object.fromEntries(removed.flatMap((name): [string, ServiceSchemaRecord][] => {
        const r = record[name];
        if (r === null || typeof r !== "object" || !Array.isArray(r.migrations) || !(r.version === null || Number.isInteger(r.version))) return [];
        const { standing, current } = standingAfter(r, cut.restore, cut.point?.time, sameUpdateStands(cut.restore, cut.point, name, order));
        if (current === undefined && standing.length === 0) return [];
        const since = typeof r.retainedSince === "string" ? r.retainedSince : at;
        return [[name, { version: current ?? null, migrations: standing.slice(-MAX_RECORDED_MIGRATIONS), retainedSince: since }]];
    }));
}

/**
 * The plan's warning when the restore point the undo settings name is past the tier's retention:
 * its schedule has deleted the snapshot (restore-point.ts `restorePointExpiry`, the same run date),
 * unless someone deleted the schedule to keep it, and a restore from a snapshot that is gone fails
 * (RDS RestoreDBInstanceFromDBSnapshot: DBSnapshotNotFound). Undefined while it is kept.
 */
export function expiredUndoLine(service: string, rp: RestorePointRecord, retentionDays: number, now: string): string | undefined {
    const expiresAt = restorePointExpiresAt(rp.time, retentionDays);
    return Date.parse(expiresAt) <= Date.parse(now)
        ? `schema ${service}: the undo settings name the restore point ${rp.snapshot}, which expired at ${expiresAt} (the tier's ${retentionDays} days after ${rp.time}) ` +
            `unless its schedule was deleted to keep it; the point-in-time window no longer reaches that time either. Check that the snapshot exists before a restore names it`
        : undefined;
}

/** `schema worker: version 4 retained (not in config since 2026-12-02T10:15:03Z; the database keeps its schema)`. */
export function retainedLine(service: string, r: ServiceSchemaRecord): string {
    const version = r.version === null ? "no recorded version" : `version ${r.version}`;
    return `schema ${service}: ${version} retained (not in config since ${r.retainedSince ?? "this update"}; the database keeps its schema, ` +
        `and a service re-added as ${service} is checked against it)`;
}

const range = (s: readonly [number, number]): string => `[${s[0]}, ${s[1]}]`;
const supports = (s: readonly [number, number], v: number): boolean => v >= s[0] && v <= s[1];

/** One release as the messages name it: `releases.blue (live, "ghcr.io/acme/api:1.4.2")`. */
function who(service: ServiceConfig, color: Color): string {
    return `releases.${color} (${color === service.activeColor ? "live" : "idle"}, ${JSON.stringify(service.releases[color].image)})`;
}

/** The release a color ran before this update, as the messages name it. */
function ran(o: OutgoingRelease, migrating: Color): string {
    const until = o.color === migrating ? "after the migration" : "in this update";
    const what = o.supports === null ? "declares no schema contract (assumed to support no other version)" : `supports ${range(o.supports)}`;
    return `releases.${o.color} still runs ${JSON.stringify(o.image)} (release ${o.releaseId}, as the stack's last completed update left it) until its Deployment rolls ${until}, and that release ${what}`;
}

const TWO_STEPS = (v: number, other: string) =>
    `Two steps: expand first (a migration to a version ${other} also supports, adding only what the new code needs), ` +
    `then contract after the old code is gone (once ${other} runs a release whose schema.supports includes ${v})`;

/**
 * The compatibility rule for one service's step, each problem in the project's
 * `<key>: received <value>; expected <allowed>` shape. `previousLive` is the live color the stack's
 * last update recorded (to tell a rollback from a standing mismatch).
 */
export function schemaProblems(service: ServiceConfig, step: SchemaStep, previousLive?: Color): string[] {
    const key = `launchpad:services.${service.name}`;
    const out: string[] = [];
    const pending = COLORS.filter((c) => {
        const r = service.releases[c];
        const id = releaseId(service, c);
        return r.migrate !== undefined && r.schema !== undefined && !step.standing.some((m) => m.releaseId === id);
    });
    if (pending.length > 1) {
        out.push(`${key}.releases: received migrations in both blue and green; expected one migration per update: ` +
            "deploy one color's migration, then the other's, so the plan can check each against the release that keeps running");
        return out;
    }
    const m = step.migration;
    if (m !== undefined) {
        out.push(...outgoingProblems(service, step, m, key));
    }
    for (const color of COLORS) {
        if (m !== undefined && color === m.color) {
            continue;
        }
        const schema = service.releases[color].schema;
        if (m !== undefined) {
            const mover = `releases.${m.color}`;
            if (schema === undefined) {
                out.push(`${key}.releases.${color}.schema: received nothing; expected a schema contract whose supports includes ${m.version}: ` +
                    `${mover} migrates to ${m.version} while ${who(service, color)} runs, and a release without schema.supports is assumed to support no other version. ` +
                    TWO_STEPS(m.version, `releases.${color}`));
            } else if (!supports(schema.supports, m.version)) {
                out.push(`${key}.releases.${m.color}.schema.version: received ${m.version}; expected a version every release running during and after the migration supports: ` +
                    `${who(service, color)} supports ${range(schema.supports)}, ${who(service, m.color)} supports ${range(service.releases[m.color].schema?.supports ?? [m.version, m.version])}. ` +
                    TWO_STEPS(m.version, `releases.${color}`));
            } else {
                out.push(...besideProblems(service, step, m, color, schema.supports, key));
            }
            continue;
        }
        const current = step.current;
        if (schema === undefined || current === undefined || supports(schema.supports, current)) {
            continue;
        }
        const last = step.standing.at(-1);
        const by = (last !== undefined ? ` (migrated by releases.${last.color} ${JSON.stringify(last.image)})` : "") +
            // A re-added service: the database kept the schema while the service was out of config (`retainedRecords`).
            (step.retainedSince !== undefined ? ` (kept in the stack's record since ${step.retainedSince}, when ${service.name} left config: the database kept its schema)` : "");
        if (color === service.activeColor && previousLive !== undefined && previousLive !== color) {
            out.push(`${key}.activeColor: received ${JSON.stringify(color)}; expected a color whose release supports the current schema version ${current}${by}: ` +
                `${who(service, color)} supports ${range(schema.supports)}. Undo the migration first (docs/runbooks/database-corruption.md, "Undo a migration": ` +
                `restore to the restore point before version ${current}), or give ${color} a release whose schema.supports includes ${current}`);
        } else {
            out.push(`${key}.releases.${color}.schema.supports: received ${JSON.stringify(schema.supports)}; expected a range that includes the current schema version ${current}${by}: ` +
                `${who(service, color)} would run against a schema it does not support. Deploy a release that supports ${current}, or undo the migration ` +
                `(docs/runbooks/database-corruption.md, "Undo a migration")`);
        }
    }
    return out;
}

/**
 * The other color's new release, when this update replaces it (the record says that color ran
 * another): its Deployment waits for its own color's inputs, not for the migrating color's Job, so
 * its new pods roll beside the migration (in production, during the restore point too) and run
 * against the current version until the Job succeeded, and on it for good if the Job fails. So it
 * must support the current version as well as the new one. Unknown what the color ran (a first
 * deploy, a record without `colors`): not checked, as the outgoing rule is not.
 */
function besideProblems(service: ServiceConfig, step: SchemaStep, m: NonNullable<SchemaStep["migration"]>, color: Color, range_: readonly [number, number], key: string): string[] {
    const current = step.current;
    const replaced = (step.outgoing ?? []).find((o) => o.color === color);
    if (current === undefined || replaced === undefined || supports(range_, current)) {
        return [];
    }
    return [`${key}.releases.${color}.schema.supports: received ${JSON.stringify(range_)}; expected a range that includes the current schema version ${current} as well as ${m.version}: ` +
        `${who(service, color)} replaces ${JSON.stringify(replaced.image)} in this update and rolls beside releases.${m.color}'s migration, not after it, ` +
        `so its pods may start on version ${current} (and stay on it if the migration fails). ` +
        `Two steps: first the migration with releases.${color} left on ${JSON.stringify(replaced.image)}, then the new releases.${color} in a second update`];
}

/**
 * The old releases that run during the migration (the migrating color's until its Deployment rolls,
 * the other color's if this update replaces it) must support the version too. The way out names a
 * release that supports both versions: the other color's, when it does (the rule above already asks
 * it to support the new one).
 */
function outgoingProblems(service: ServiceConfig, step: SchemaStep, m: NonNullable<SchemaStep["migration"]>, key: string): string[] {
    const current = step.current;
    const both = current !== undefined && current !== m.version ? `both ${current} and ${m.version}` : `${m.version}`;
    const other = otherColor(m.color);
    const otherSchema = service.releases[other].schema;
    const bridge = otherSchema !== undefined && supports(otherSchema.supports, m.version) && (current === undefined || supports(otherSchema.supports, current))
        ? ` (releases.${other}'s, ${JSON.stringify(service.releases[other].image)}, supports ${range(otherSchema.supports)})`
        : "";
    return (step.outgoing ?? []).filter((o) => o.supports === null || !supports(o.supports, m.version)).map((o) =>
        `${key}.releases.${m.color}.schema.version: received ${m.version}; expected a version every release running during and after the migration supports: ${ran(o, m.color)}. ` +
        (o.color === m.color
            ? `Two steps: first deploy on ${o.color} a release without migrate whose schema.supports includes ${both}${bridge}, then add the migration in a second update`
            : `Two steps: first deploy the new releases.${o.color} without the migration, then add the migration in a second update`));
}

/** The record after this update: the migration appended once its Job succeeded. */
export function nextRecord(step: SchemaStep, migrated: boolean, at: string, restorePoint?: RestorePointRecord, colors?: Partial<Record<Color, ColorRecord>>, instance?: string): ServiceSchemaRecord {
    const m = step.migration;
    const ran = colors !== undefined ? { colors } : {};
    if (m === undefined || !migrated) {
        return { version: step.current ?? null, migrations: step.standing.slice(-MAX_RECORDED_MIGRATIONS), ...ran };
    }
    const entry: MigrationRecord = {
        color: m.color,
        releaseId: m.releaseId,
        image: m.image,
        fromVersion: step.current ?? null,
        toVersion: m.version,
        at,
        ...(restorePoint !== undefined ? { restorePoint } : {}),
        ...(instance !== undefined ? { instance } : {}),
    };
    return { version: m.version, migrations: [...step.standing, entry].slice(-MAX_RECORDED_MIGRATIONS), ...ran };
}

/**
 * Per release id of a color that declares `migrate`, the restored instance its migration Job names
 * (components/database-client.ts `migrationRerunAnnotations`): a recorded migration that stands, the
 * instance it ran on (none if it ran before any restore); any other, the restored instance the
 * database is now. So only the migrations a restore undid (no longer recorded: `schemaStep`) get a
 * new value and run again on the restored database, once; one the restored database holds keeps its
 * Job (an older release's migration run on a newer schema fails with several tools: golang-migrate
 * "no migration found for version", Alembic "Can't locate revision"). Nothing on a database never restored.
 */
export function migrationInstances(service: ServiceConfig, step: Pick<SchemaStep, "standing">, restoredInstance: string | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const color of COLORS) {
        if (service.releases[color].migrate === undefined) continue;
        const id = releaseId(service, color);
        const standing = [...step.standing].reverse().find((m) => m.releaseId === id);
        const instance = standing !== undefined ? standing.instance : restoredInstance;
        if (instance !== undefined) out[id] = instance;
    }
    return out;
}

/** What a color's release is, as the record keeps it. */
export function colorRecord(service: ServiceConfig, color: Color): ColorRecord {
    const schema = service.releases[color].schema;
    return { releaseId: releaseId(service, color), image: service.releases[color].image, supports: schema !== undefined ? [schema.supports[0], schema.supports[1]] : null };
}

/**
 * What the record keeps per color after this update: config's release where the color's Deployment
 * in the state names it (`rolledOut`: the update rolled it), else what the record said before. A
 * targeted update (`npm run rollback`) leaves the Deployments as they were whatever config now
 * says (blue-green-service.ts `recordedRelease`), so config alone would record a release that never
 * rolled out. Undefined when a color's release is then unknown: the rule warns once, as for a
 * record from before `colors` existed.
 */
export function colorsAfter(service: ServiceConfig, rolledOut: Readonly<Partial<Record<Color, string | undefined>>>, before: ServiceSchemaRecord | undefined): Partial<Record<Color, ColorRecord>> | undefined {
    const rows = COLORS.map((c) => [c, rolledOut[c] === releaseId(service, c) ? colorRecord(service, c) : recordedColor(before?.colors?.[c])] as const);
    return rows.every(([, r]) => r !== undefined) ? (Object.fromEntries(rows)) : undefined;
}

/**
 * The restore-as-code settings that undo a migration (`--set` / `pulumi config set --path` form):
 * the database from the restore point, traffic on the other color, and the migrated color given the
 * other color's release (so its migration does not run again on the restored database).
 */
export function undoSettings(service: ServiceConfig, m: MigrationRecord, rawOtherRelease: unknown): string[] {
    if (m.restorePoint === undefined) {
        return [];
    }
    const other = otherColor(m.color);
    return [
        `launchpad:database.restore.snapshot=${m.restorePoint.snapshot}`,
        `launchpad:services.${service.name}.activeColor=${other}`,
        `launchpad:services.${service.name}.releases.${m.color}=${JSON.stringify(rawOtherRelease)}`,
    ];
}

/**
 * The command to run before `undoSettings` when the migrated color is the live one (a migration on
 * the idle color, then the switch, leaves it so): a rollback to the other color. One update cannot
 * do both, since the color live when an update starts keeps its image (release-history.ts
 * `inPlaceReleaseProblems`) and the undo gives the migrated color the other color's release. After
 * the rollback the other color heads the release history, and the undo settings plan cleanly. The
 * rollback checks that the other color's release supports the current version, as any rollback.
 */
export function undoFirst(stack: string, service: ServiceConfig, m: MigrationRecord): string | null {
    return m.restorePoint !== undefined && service.activeColor === m.color
        ? `npm run rollback -- --stack ${stack} --service ${service.name} --to ${otherColor(m.color)}`
        : null;
}

/** The schema step of the migration an update runs, as its restore point is named (`restorePointStep`); undefined without one. */
export function pendingStep(step: Pick<SchemaStep, "current" | "migration" | "standing">): string | undefined {
    return step.migration !== undefined ? restorePointStep(step.current, step.migration.version, step.standing.at(-1)?.releaseId) : undefined;
}

/** The restore points of a step's standing migrations, by release id. */
export function recordedRestorePoints(step: Pick<SchemaStep, "standing">): Record<string, string> {
    return Object.fromEntries(step.standing.flatMap((m) => (m.restorePoint !== undefined ? [[m.releaseId, m.restorePoint.snapshot]] : [])));
}

/** Throws the problems as one config error (exit 2), as every config rule does. */
export function assertSchemaRule(stack: string, problems: readonly string[]): void {
    if (problems.length > 0) {
        throw new ConfigError(stack, problems);
    }
}

/**
 * The record an update keeps when no service declares `migrate` or `schema` (no `SchemaGuard`): the
 * last one, as it was, but for what each color ran (`colors`), which this update's releases no longer
 * tell. Dropped, the record would be gone for good: the database keeps its schema, and the next
 * contract would be checked against no current version, its restore points and undo settings lost.
 * Without `colors`, a later migration is warned about as for a record written before them
 * (`unknownOutgoingLine`). No record: an empty one, which the next update reads as none (a stack
 * output always present, since one that resolves to nothing makes the Node SDK warn in every plan:
 * pulumi/pulumi sdk/nodejs/runtime/stack.ts, `massage`, "Undefined value ... will not show").
 * With `services` (config's names) and `at` (this update's time), the entries of services no longer
 * in config are kept as `retainedRecords` keeps them; a re-added service's loses its mark.
 * @param services @default - none given: every entry kept as it is, none marked retained
 * @param at @default - none given: as `services` absent
 */
export function keptRecord(record: SchemaRecord | undefined, services?: readonly string[], at?: string): SchemaRecord {
    if (record === undefined || record === null || typeof record !== "object") {
        return {};
    }
    // The services no longer in config: retained as `SchemaGuard` retains them (no restore cut here, as for the others).
    const retained = services !== undefined && at !== undefined ? retainedRecords(record, services, at) : undefined;
    return Object.fromEntries(Object.entries(record).flatMap(([service, r]): [string, ServiceSchemaRecord][] => {
        if (retained !== undefined && !(services ?? []).includes(service)) {
            const kept = retained[service];
            return kept !== undefined ? [[service, kept]] : [];
        }
        if (r === null || typeof r !== "object") return [[service, r]];
        const rest: { -readonly [K in keyof ServiceSchemaRecord]: ServiceSchemaRecord[K] } = { ...r };
        delete rest.colors;
        delete rest.retainedSince;
        return [[service, rest]];
    }));
}

/** This stack's own last record, from its previous outputs (the reference to itself the Environment holds). */
export function previousRecord(ref: pulumi.StackReference): { record: pulumi.Output<SchemaRecord | undefined>; liveServices: pulumi.Output<Record<string, { color?: Color }> | undefined> } {
    return {
        record: ref.getOutput(SCHEMA_RECORD_OUTPUT) as pulumi.Output<SchemaRecord | undefined>,
        liveServices: ref.getOutput(LIVE_SERVICES_OUTPUT) as pulumi.Output<Record<string, { color?: Color }> | undefined>,
    };
}

/** What the plan and the outputs show per service: the versions, the migration and its restore point. */
export interface SchemaSummary {
    readonly current: number | null;
    readonly target: number | null;
    readonly migration: { readonly color: Color; readonly releaseId: string; readonly version: number } | null;
    readonly restorePoint: RestorePointRecord | null;
    /** `--set` / `pulumi config set --path` settings that undo the newest migration with a restore point. */
    readonly undo: readonly string[];
    /** The command to run before `undo` (`undoFirst`), or null when the undo settings plan as they are. */
    readonly undoFirst: string | null;
}

export interface SchemaGuardArgs {
    /** The stack's name: the config errors name it. */
    readonly stack: string;
    /** The stack's region: the restore points' ARNs. */
    readonly region: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly services: readonly ServiceConfig[];
    /**
     * `database.restore`: a restore that names a migration's restore point undoes that migration.
     * @default - no restore: the record stands as it is
     */
    readonly restore?: RestoreConfig;
    /** The tier's say on restore points: whether to take them, and how long they stay (the point-in-time window). */
    readonly safety: Pick<Safety, "restorePointBeforeMigration" | "backupRetentionDays">;
    /** `<project>-<stack>`: the database's identifier prefix. */
    readonly identifier: string;
    /**
     * The stack's database; restore points are taken only where there is one and the tier asks for them.
     * @default - no database: no restore points
     */
    readonly database?: Database;
    /** The stack's own previous outputs (components/release-history.ts `previousOutputs`). */
    readonly previous: pulumi.StackReference;
}

/**
 * Reads this stack's schema record, checks each service's step against the compatibility rule (a
 * `ConfigError`, exit 2, when it fails) and produces the next record. Built only when a service
 * declares `migrate` or `schema`.
 */
export class SchemaGuard extends pulumi.ComponentResource {
    private readonly steps = new Map<string, pulumi.Output<SchemaStep>>();
    /** Per service, the record its last update left (the reference to the stack itself). */
    private readonly before = new Map<string, pulumi.Output<ServiceSchemaRecord | undefined>>();
    /** The records of services no longer in config, which the next record keeps (`retainedRecords`). */
    private readonly retained: pulumi.Output<SchemaRecord>;
    private readonly at: string;
    private readonly args: SchemaGuardArgs;
    /** The role EventBridge Scheduler assumes to delete expired restore points; only where restore points are taken. */
    private readonly expiryRole: aws.iam.Role | undefined;

    constructor(name: string, args: SchemaGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:delivery:SchemaGuard", name, {}, opts);
        this.args = args;
        this.at = restorePointTime(runDate());
        const previous = previousRecord(args.previous);
        // The instance the stack's last update left: a point-in-time restore undoes migrations only in the update that performs it.
        const recordedInstance = (args.previous.getOutput(IDENTITY_OUTPUT) as pulumi.Output<StackIdentity | undefined>).apply((i) => i?.database?.instance);
        const restoredInstance = databaseInstanceIdentifier(args.identifier, args.restore);
        this.retained = pulumi.all([previous.record, recordedInstance]).apply(([record, instance]) =>
            retainedRecords(record, args.services.map((s) => s.name), this.at, { restore: args.restore, point: restoreCut(args.restore, record, instance, restoredInstance) }));
        for (const service of args.services) {
            this.before.set(service.name, previous.record.apply((record) => record?.[service.name]));
            this.steps.set(service.name, pulumi.all([previous.record, previous.liveServices, recordedInstance]).apply(([record, live, instance]) => {
                const point = restoreCut(args.restore, record, instance, restoredInstance);
                const stands = sameUpdateStands(args.restore, point, service.name, args.services.map((s) => s.name));
                const step = schemaStep(service, record?.[service.name], args.restore, live?.[service.name] !== undefined, point?.time, stands);
                assertSchemaRule(args.stack, schemaProblems(service, step, live?.[service.name]?.color));
                if (step.migration !== undefined && step.outgoing === undefined) {
                    void pulumi.log.warn(unknownOutgoingLine(service.name, step.migration.color), this);
                }
                return step;
            }));
        }
        this.expiryRole = args.safety.restorePointBeforeMigration && args.database !== undefined ? this.createExpiryRole(name, args) : undefined;
        this.registerOutputs({});
    }

    /**
     * Restore points expire after the tier's backup retention (the point-in-time window: past it,
     * the snapshot is the only way back, and a schema that old is not one to go back to). A
     * one-time EventBridge Scheduler schedule per snapshot calls RDS DeleteDBSnapshot with this
     * role, which may delete this database's restore points and nothing else. AWS Backup would
     * expire them by itself, but an on-demand backup job is an API call, not a resource Pulumi
     * declares; a schedule is, and needs no function or cluster job.
     *
     * Kept when Pulumi drops it (`retainOnDelete`, with its policy), as the snapshots and schedules
     * are: this guard exists only while a service declares `migrate` or `schema` (environment.ts),
     * and an update whose releases declare neither keeps the record but registers no guard, so the
     * engine deleted the role while the schedules it kept were still pending, each to run up to the
     * retention later as a role that no longer exists: no DeleteDBSnapshot, a manual snapshot that
     * never expires. So does `pulumi destroy`. A retained resource's delete calls no provider
     * (pulumi/pulumi v3.259.0 pkg/resource/deploy/step.go `DeleteStep.Apply`). A guard declared
     * again creates a new role (auto-named); the old one serves the schedules taken before.
     */
    private createExpiryRole(name: string, args: SchemaGuardArgs): aws.iam.Role {
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        // Not the restored instance's name: the restore points of the instance before a restore expire too.
        const prefix = databaseInstanceIdentifier(args.identifier);
        const role = new aws.iam.Role(`${name}-restore-point-expiry`, {
            description: `EventBridge Scheduler deletes ${prefix}'s restore points (and a restored ${prefix}-r*'s) after ${args.safety.backupRetentionDays} days`,
            assumeRolePolicy: account.apply((id) => JSON.stringify(schedulerTrustPolicy(id))),
            tags: { ...args.tags, Name: `${name}-restore-point-expiry` },
        }, { parent: this, retainOnDelete: true });
        new aws.iam.RolePolicy(`${name}-restore-point-expiry-delete`, {
            role: role.id,
            policy: account.apply((id) => JSON.stringify(restorePointExpiryPolicy(awsPartition(args.region), args.region, id, prefix))),
        }, { parent: this, retainOnDelete: true });
        return role;
    }

    /** The service's step once the rule holds; rejects with the rule's config error otherwise. */
    checked(service: ServiceConfig): pulumi.Output<SchemaStep> {
        const step = this.steps.get(service.name);
        if (step === undefined) {
            throw new pulumi.ResourceError(`no schema step for service ${service.name}`, this);
        }
        return step;
    }

    /** The live color, available only once the rule holds (a refused rollback registers no selector). */
    liveColor(service: ServiceConfig, base?: pulumi.Output<Color>): pulumi.Output<Color> {
        return pulumi.all([this.checked(service), base ?? service.activeColor]).apply(([, color]) => color);
    }

    /** {@link migrationInstances} of the service, for its migration Jobs. */
    instances(service: ServiceConfig): pulumi.Output<Record<string, string>> {
        return this.checked(service).apply((step) => migrationInstances(service, step, this.args.database?.restoredInstance));
    }

    /** Where the tier takes restore points and the stack has a database: the snapshot's inputs. */
    restorePoint(service?: ServiceConfig): RestorePointArgs | undefined {
        const { safety, database, identifier } = this.args;
        if (!safety.restorePointBeforeMigration || database === undefined) {
            return undefined;
        }
        return {
            // The recorded migrations' restore points keep their snapshot and instance (restore-point.ts restorePointTarget).
            ...(service !== undefined ? { recorded: this.checked(service).apply(recordedRestorePoints), step: this.checked(service).apply(pendingStep) } : {}),
            instanceIdentifier: database.instanceIdentifier,
            identifierPrefix: databaseInstanceIdentifier(identifier, this.args.restore),
            // The point-in-time side travels with the snapshot (kept from its first run: restore-point.ts).
            tags: { ...this.args.tags, [RESTORE_POINT_TIME_TAG]: this.at },
            // Pulumi drops a restore point when a newer release replaces it; AWS keeps it until it expires (see docs/delivery.md, Schema changes).
            retainOnDelete: true,
            expiry: this.expiryRole !== undefined ? { roleArn: this.expiryRole.arn, afterDays: safety.backupRetentionDays, partition: awsPartition(this.args.region) } : undefined,
        };
    }

    /** The restore point of a migration this update runs, by name and by the time its snapshot carries. */
    private restorePointOf(service: ServiceConfig, step: SchemaStep, m: NonNullable<SchemaStep["migration"]>, snapshotTags: Record<string, string> | undefined): RestorePointRecord | undefined {
        const rp = this.restorePoint();
        return rp === undefined ? undefined : { snapshot: restorePointIdentifier(rp.identifierPrefix, service.name, m.color, pendingStep(step) ?? m.releaseId), time: takenAt(snapshotTags, this.at) };
    }

    /**
     * The stack outputs: `schemaVersions` (the record the next update reads) and `schemaMigrations`
     * (per service: versions, the migration, its restore point and the undo settings). Each plan logs
     * the same summary.
     */
    outputs(services: readonly BlueGreenService[]): Record<string, pulumi.Input<unknown>> {
        const rows = this.args.services.map((service, i) => {
            // The migration ran only if the Job in the state is this release's (a targeted update keeps an older release's Job: recordedRelease).
            const migrated = pulumi.all(COLORS.map((c) => {
                const job = services[i].migrationJobs[c];
                return job !== undefined ? succeededFor(job, releaseId(service, c)) : false;
            }));
            // Each color's release, once its Deployment's update completed (its state resolves after the
            // provider's await: pulumi-kubernetes provider/pkg/await/deployment.go, the rollout): a
            // failed rollout rejects this output and with it every stack output (the Node SDK sends
            // them in one RegisterResourceOutputs: pulumi/pulumi sdk/nodejs/runtime/resource.ts), so
            // the record keeps what ran; and only the release the Deployment's state names (colorsAfter).
            const colors = pulumi.all([pulumi.all(COLORS.map((c) => services[i].rolledOut[c].apply((r) => r?.releaseId))), this.before.get(service.name) ?? pulumi.output(undefined)])
                .apply(([ids, before]) => colorsAfter(service, Object.fromEntries(COLORS.map((c, k) => [c, ids[k]])), before));
            // A re-run finds the snapshot in its state, with the time of the run that took it.
            const snapshotTags = pulumi.all(COLORS.map((c) => services[i].restorePoints[c]?.tags ?? undefined));
            return pulumi.all([this.checked(service), migrated, colors, snapshotTags]).apply(([step, done, ranNow, tags]) => {
                const m = step.migration;
                const ran = m !== undefined && done[COLORS.indexOf(m.color)];
                const restorePoint = m !== undefined ? this.restorePointOf(service, step, m, tags[COLORS.indexOf(m.color)]) : undefined;
                const record = nextRecord(step, ran, this.at, restorePoint, ranNow, this.args.database?.restoredInstance);
                const newest = [...record.migrations].reverse().find((r) => r.restorePoint !== undefined);
                const other = newest !== undefined ? service.releases[otherColor(newest.color)] : undefined;
                // A migration config asks for that did not run (a targeted update left its Job as it was)
                // has no restore point and moves no version: the outputs say what ran.
                const summary: SchemaSummary = {
                    current: step.current ?? null,
                    target: (ran ? step.target : step.current) ?? null,
                    migration: m !== undefined && ran ? { color: m.color, releaseId: m.releaseId, version: m.version } : null,
                    restorePoint: ran ? (restorePoint ?? null) : null,
                    undo: newest !== undefined && other !== undefined
                        ? undoSettings(service, newest, { image: other.image, env: other.env, ...(other.schema !== undefined ? { schema: { version: other.schema.version, supports: [...other.schema.supports] } } : {}) })
                        : [],
                    undoFirst: newest !== undefined && other !== undefined ? undoFirst(this.args.stack, service, newest) : null,
                };
                void pulumi.log.info(summaryLine(service.name, summary), this);
                const expired = newest?.restorePoint !== undefined && summary.undo.length > 0 ? expiredUndoLine(service.name, newest.restorePoint, this.args.safety.backupRetentionDays, this.at) : undefined;
                if (expired !== undefined) {
                    void pulumi.log.warn(expired, this);
                }
                return { name: service.name, record, summary };
            });
        });
        const all = pulumi.all(rows);
        // The services removed from config keep their record: the database keeps their schema (`retainedRecords`).
        const retained = this.retained.apply((kept) => {
            for (const [name, r] of Object.entries(kept)) {
                void pulumi.log.info(retainedLine(name, r), this);
            }
            return kept;
        });
        return {
            [SCHEMA_RECORD_OUTPUT]: pulumi.all([all, retained]).apply(([rs, kept]) => ({ ...Object.fromEntries(rs.map((r) => [r.name, r.record])), ...kept })),
            [SCHEMA_MIGRATIONS_OUTPUT]: all.apply((rs) => Object.fromEntries(rs.map((r) => [r.name, r.summary]))),
        };
    }
}

/** The plan's warning when the record cannot say which release a migrating color's old pods run. */
export function unknownOutgoingLine(service: string, color: Color): string {
    return `schema ${service}: the stack's record does not say which release ${color} ran before this update (a record written before Launchpad kept one, ` +
        `or a stack that declared no schema until now), so the release whose pods run during the migration is not checked this once; the record keeps it from now on`;
}

/** The stack output with what this update does to each service's schema. */
export const SCHEMA_MIGRATIONS_OUTPUT = "schemaMigrations";

/** `schema api: version 3 -> 4 (releases.green migrates); restore point <id> (point in time <t>)`. */
export function summaryLine(service: string, s: SchemaSummary): string {
    const from = s.current === null ? "no recorded version" : `version ${s.current}`;
    const step = s.migration !== null ? `${from} -> ${s.migration.version} (releases.${s.migration.color} migrates)` : `${from}, no migration`;
    const rp = s.restorePoint !== null ? `; restore point ${s.restorePoint.snapshot} (point in time ${s.restorePoint.time})` : "";
    return `schema ${service}: ${step}${rp}`;
}
