/**
 * `launchpad:database`: the RDS instance (engine, version, size, windows, names), and where a
 * restored one comes from.
 */
import { z } from "zod";
import { BACKUP_HOUR_UTC, backupStartWindowText, RDS_WINDOW_MARGIN_MINUTES, touchesBackupStartWindow } from "../lib/backup-schedule";
import { appUsernameProblem, masterUsernameProblem, nameLengthProblem, reservedWordProblem, systemDatabaseProblem } from "../lib/sql-names";
import { rdsLeftSupport } from "../lib/support-calendar";
import { RDS_MAJOR_VERSIONS, pinnedEngineMajors, rdsInStandardSupport, rdsMajorOf, rdsMajorsInStandardSupport } from "../lib/versions";
import { describeValue } from "./errors";
import { either, fieldOf, isSet, type ConfigInput, type Show } from "./input";
import { instanceTypeCatalogue, instanceTypeCatalogueUpdated, nearestInstanceTypes } from "./node-group";
import { rdsCaBundleUrl } from "./region";

export const DB_ENGINES = ["mysql", "postgres"] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

/**
 * Engine version when the stack names none: MySQL 8.4 or PostgreSQL 17, both in RDS standard
 * support on 2026-12-02 (`RDS_MAJOR_VERSIONS` in `lib/versions.ts`; MySQL 8.0 left it on 2026-07-31).
 */
export const DEFAULT_ENGINE_VERSIONS: Readonly<Record<DbEngine, string>> = { mysql: "8.4", postgres: "17" };

/** Up to the longest name either engine takes (MySQL's 64, lib/sql-names.ts MAX_NAME_LENGTH); each engine's own limit is checked in databaseProblems. */
const SQL_IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const sqlIdentifier = z.string().regex(SQL_IDENTIFIER_RE, { error: "expected a letter then letters, digits or '_' (at most 64)" });
/**
 * A critical table as the checks that read it take one (scripts/db/tables.sh parse_critical_tables, the
 * verify job's and the restore drill's): a plain name, schema-qualified on PostgreSQL only (databaseProblems).
 */
const CRITICAL_TABLE_RE = /^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/;
const DAY = "(mon|tue|wed|thu|fri|sat|sun)";
const HHMM = "([01]\\d|2[0-3]):[0-5]\\d";

/** Point-in-time or snapshot restore. Which form, and whether the time is sane, is checked in `restoreProblems`. */
export const restoreSchema = z.strictObject({
    /** DB instance identifier (or ARN) to restore from, at `time`. */
    sourceInstance: z.string().optional(),
    /** ISO-8601 UTC time (`2026-11-20T13:45:00Z`) or `latest` (the latest restorable time). */
    time: z.string().optional(),
    /** DB snapshot identifier or ARN to restore from. */
    snapshot: z.string().optional(),
});

export const databaseSchema = z.strictObject({
    engine: z.enum(DB_ENGINES).default("mysql"),
    /**
     * Major (or major.minor) version; defaults per engine. Its major must be in RDS standard support on the day of the run when chosen; the recorded one is kept past it, with a warning.
     * A major alone leaves minor upgrades to RDS; a named minor turns them off (components/database.ts `autoMinorVersionUpgrade`).
     */
    // A major alone is an integer to YAML and to `pulumi config set --path`, which stores `17` as the
    // number 17 (pulumi/pulumi v3.248.0 sdk/go/common/resource/config/object.go, coerce: "strings of
    // base-10 digits that do not begin with '0' are coerced to int64"): say how to write it as text.
    engineVersion: z.string({ error: "expected a string such as \"8.4\" or \"17\": quote it in Pulumi.<stack>.yaml (engineVersion: \"17\"); `pulumi config set --path` writes 17 as the number 17" }).regex(/^\d+(\.\d+){0,2}$/, { error: "expected an engine version such as \"8.4\" or \"17\" (quote it in YAML)" }).optional(),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected an RDS instance class such as \"db.t4g.medium\"" }).default("db.t4g.medium"),
    allocatedStorageGb: z.int().min(20).max(65536).default(50),
    /** Storage autoscaling ceiling. */
    maxAllocatedStorageGb: z.int().min(20).max(65536).default(200),
    /** Database created in the instance, used by the application and the logical backups. */
    name: sqlIdentifier.default("app"),
    /** Master user name; its password is generated and kept in state as a secret. */
    username: sqlIdentifier.default("launchpad_admin"),
    /**
     * The application's own user, which the services connect as: data access only (components/database-grants.ts);
     * the master user is left to migrations and backups. Its password is generated and kept in state as a secret.
     */
    appUsername: sqlIdentifier.default("launchpad_app"),
    /** Daily automated-backup window, UTC `hh:mm-hh:mm`. */
    backupWindow: z.string().regex(new RegExp(`^${HHMM}-${HHMM}$`), { error: "expected a UTC window such as \"03:00-03:30\"" }).default("03:00-03:30"),
    /**
     * Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`, day names in any case ("Sun" or "sun"), kept lower-case.
     * The AWS provider lower-cases the value before its check and in state (hashicorp/terraform-provider-aws
     * internal/types/timestamp/timestamp.go ValidateOnceAWeekWindowFormat at 259c7dae, internal/service/rds/instance.go
     * maintenance_window StateFunc at 00e4b238), and RDS returns it lower-case: buildDatabase hands RDS the lower-case form.
     */
    maintenanceWindow: z.string().regex(new RegExp(`^${DAY}:${HHMM}-${DAY}:${HHMM}$`, "i"), { error: "expected a UTC window such as \"sun:04:00-sun:05:00\"" }).default("sun:04:00-sun:05:00"),
    /**
     * Tables a restore must bring back with rows; the verify job and restore drills check them.
     * @default - none: the verify job checks that the newest dump restores, and no table's rows
     */
    criticalTables: z.array(z.string().regex(CRITICAL_TABLE_RE, { error: "expected a table name: a letter or '_', then letters, digits, '_' or '$' (postgres: optionally schema-qualified, such as \"public.orders\")" })).default([]),
    /** Create the database from a point in time or a snapshot instead of empty. */
    restore: restoreSchema.optional(),
    /**
     * https:// address of the PEM bundle the database's certificate chains to, which the services'
     * `db-ca` init containers and the logical dumps download and verify the server against.
     * Required where Launchpad knows none for the region's partition (China, European Sovereign
     * Cloud: config/region.ts `RDS_CA_BUNDLE_URLS`); elsewhere a copy the pods can reach (say, a
     * bucket or host inside the VPC) in place of AWS's.
     * @default - AWS's address for the region's partition (config/region.ts `rdsCaBundleUrl`)
     */
    caBundleUrl: z.string().regex(/^https:\/\/[^\s/?#]+[^\s]*$/, { error: "expected an https:// address such as \"https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem\"" }).optional(),
}).meta({
    description:
        "The RDS database. engine: \"mysql\" (default) or \"postgres\"; engineVersion: a major in RDS standard " +
        "support on the day of the run (lib/versions.ts; past it, the major the stack's recorded identity runs is kept with a warning, never chosen), " +
        `default ${JSON.stringify(DEFAULT_ENGINE_VERSIONS.mysql)} for mysql, ${JSON.stringify(DEFAULT_ENGINE_VERSIONS.postgres)} for postgres ` +
        "(a major alone leaves minor upgrades to RDS; a named minor such as \"17.6\" turns them off); " +
        "instanceClass, \"db.\" and an EC2 instance type that exists (default \"db.t4g.medium\"; which types RDS offers for " +
        "the engine is not checked offline), and for mysql none of db.t2/db.t3/db.t4g .micro or .small, which have no Performance Insights (postgres has it on every class); allocatedStorageGb 20..65536 (default 50) and " +
        "maxAllocatedStorageGb, the autoscaling ceiling, at least 10% above allocatedStorageGb (default 200); name (default \"app\", at most 64 characters " +
        "for mysql, 63 for postgres) and username, the master user (at most 16 characters, default \"launchpad_admin\"), no reserved word of the engine, and name none of the databases " +
        "a fresh server has (mysql, information_schema, performance_schema, sys; postgres, template0, template1); appUsername, the " +
        "user the services connect as (data access only; the master user is left to migrations and backups), at most 32 characters for mysql, " +
        "63 for postgres, no reserved word, not rdsadmin, rds_* or (postgres) pg_*, and not the master user (default \"launchpad_app\"); " +
        "backupWindow (UTC, at least 30 min, default \"03:00-03:30\") and maintenanceWindow (day names in any case, sent to RDS lower-case; at least 30 min, never " +
        "overlapping the backup window, default \"sun:04:00-sun:05:00\"), both an hour clear of the AWS Backup plan's " +
        "05:00-06:00 UTC start window (the backup window ends by 04:00 or begins at 06:00 or later, maintenance ends by " +
        "05:00 or begins at 07:00 or later); criticalTables, the tables restore checks " +
        "require rows in (default none: the nightly check then proves only that the newest dump restores; names of at most 64 characters for mysql, 63 for postgres, " +
        "which may be schema-qualified such as \"public.orders\"); restore: " +
        "{ sourceInstance, time } (time ISO-8601 UTC or \"latest\") or { snapshot } creates the database from that " +
        "point or snapshot, a source in aws:region (an identifier, or an ARN of that region); caBundleUrl, the https:// address of the RDS CA " +
        "bundle the services and the dumps verify the database against (default AWS's for the region's partition; required in the China and " +
        "European Sovereign Cloud partitions, for which Launchpad knows none).",
});

export type RawDatabase = z.output<typeof databaseSchema>;

/** Where a restored database comes from. */
export type RestoreConfig =
    | { readonly kind: "pointInTime"; readonly sourceInstance: string; /** ISO-8601 UTC, or "latest". */ readonly time: string }
    | { readonly kind: "snapshot"; readonly snapshot: string };

export interface DatabaseConfig {
    readonly engine: DbEngine;
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGb: number;
    readonly maxAllocatedStorageGb: number;
    readonly name: string;
    readonly username: string;
    /** The application's user (components/database-grants.ts): what the services connect as. */
    readonly appUsername: string;
    readonly backupWindow: string;
    readonly maintenanceWindow: string;
    readonly criticalTables: readonly string[];
    /** Undefined: a fresh, empty database. */
    readonly restore: RestoreConfig | undefined;
    /**
     * Where the RDS CA bundle is downloaded from: `caBundleUrl`, else the region's partition's
     * (config/region.ts `rdsCaBundleUrl`). Undefined only where neither is known, which config refuses
     * for a stack with a database (config/region.ts `caBundleProblems`).
     */
    readonly caBundleUrl: string | undefined;
}

/**
 * The database engine version must be a major RDS offers, with a pinned dump image, per the calendar
 * in `lib/versions.ts`. One past standard support (RDS then enrolls the database in paid Extended
 * Support) is left to the identity check when Launchpad can still serve it: a stack may keep the major
 * it runs, never choose it (lib/support-calendar.ts). A default that has aged out is reported too (the calendar, and so the default, needs updating). A key held as a
 * secret gets no reason: the reason would tell its value apart.
 */
export function engineVersionProblems(input: ConfigInput, today: string): string[] {
    const out: string[] = [];
    const dbKey = "launchpad:database";
    const engine = fieldOf(databaseSchema.shape.engine, input, dbKey, "engine");
    const engineVersion = fieldOf(databaseSchema.shape.engineVersion, input, dbKey, "engineVersion");
    if (engine !== undefined && (engineVersion !== undefined || !isSet(input, dbKey, "engineVersion"))) {
        const secret = input.secretKeys.has(dbKey);
        const chosen = engineVersion ?? DEFAULT_ENGINE_VERSIONS[engine];
        const major = rdsMajorOf(engine, chosen);
        const allowed = rdsMajorsInStandardSupport(engine, today);
        const row = RDS_MAJOR_VERSIONS.find((m) => m.engine === engine && m.major === major);
        // Past standard support, a major with a dump image is judged where the stack's recorded
        // identity is known (components/identity-record.ts supportCalendarChecks): kept, a warning;
        // chosen, refused. A major RDS does not offer never depends on the record: refused here.
        const judgedOnRecord = row !== undefined && !rdsInStandardSupport(row, today) && pinnedEngineMajors(engine).includes(major);
        if (!judgedOnRecord && !allowed.includes(major)) {
            const received = engineVersion !== undefined ? describeValue(engineVersion, secret) : `nothing (the default for ${engine} is ${JSON.stringify(chosen)})`;
            const why = secret
                ? ""
                : row === undefined
                  ? ` (RDS offers no ${engine} major ${major}: its calendar lists ${RDS_MAJOR_VERSIONS.filter((m) => m.engine === engine).map((m) => m.major).join(", ")})`
                  : ` (${rdsLeftSupport(row)})`;
            out.push(`${dbKey}.engineVersion: received ${received}; expected a ${engine} major version in RDS standard support on ${today}: ${either(allowed)}${why}`);
        } else if (!pinnedEngineMajors(engine).includes(major)) {
            // The logical backup jobs run the engine's own client image: an unpinned major has none.
            const received = engineVersion !== undefined ? describeValue(engineVersion, secret) : `nothing (the default for ${engine} is ${JSON.stringify(chosen)})`;
            const pinned = allowed.filter((m) => pinnedEngineMajors(engine).includes(m));
            out.push(`${dbKey}.engineVersion: received ${received}; expected a ${engine} major version with a pinned dump image (ENGINE_IMAGES in lib/versions.ts): ${either(pinned)}`);
        }
    }
    return out;
}

/** Sizes, RDS's window rules, names the engine accepts, and a restore's source. */
export function databaseProblems(db: RawDatabase | undefined, input: ConfigInput, now: Date, show: Show): string[] {
    const out: string[] = [];
    if (db === undefined) {
        return out;
    }
    // The instance always gets MaxAllocatedStorage (components/database.ts), so storage autoscaling is
    // on, and RDS wants its ceiling "at least 10% more than the currently allocated storage" or it
    // refuses with "Invalid max storage size" (RDS User Guide, USER_PIOPS.Autoscaling: 1000 GiB
    // allocated needs 1100 GiB or more).
    const minimumCeiling = Math.ceil((db.allocatedStorageGb * 11) / 10);
    if (db.maxAllocatedStorageGb < minimumCeiling) {
        out.push(`launchpad:database.maxAllocatedStorageGb: received ${show(db.maxAllocatedStorageGb, "launchpad:database")}; expected a number >= ${show(minimumCeiling, "launchpad:database")}, 10% above launchpad:database.allocatedStorageGb (${show(db.allocatedStorageGb, "launchpad:database")}): RDS storage autoscaling refuses a lower ceiling`);
    }
    // RDS CreateDBInstance, PreferredBackupWindow and PreferredMaintenanceWindow: each "Must be at
    // least 30 minutes" and "Must not conflict with" the other (API_CreateDBInstance.html).
    const backupShort = windowMinutes(db.backupWindow) < 30;
    const maintenanceShort = weeklyWindowMinutes(db.maintenanceWindow) < 30;
    if (backupShort) {
        out.push(`launchpad:database.backupWindow: received ${show(db.backupWindow, "launchpad:database")}; expected a window of at least 30 minutes (an RDS rule)`);
    }
    if (maintenanceShort) {
        out.push(`launchpad:database.maintenanceWindow: received ${show(db.maintenanceWindow, "launchpad:database")}; expected a window of at least 30 minutes (an RDS rule)`);
    }
    const overlap = !backupShort && !maintenanceShort && windowsOverlap(db.backupWindow, db.maintenanceWindow);
    if (overlap) {
        out.push(`launchpad:database.backupWindow: received ${show(db.backupWindow, "launchpad:database")}; expected a daily window that does not overlap launchpad:database.maintenanceWindow (${show(db.maintenanceWindow, "launchpad:database")}) (an RDS rule)`);
    }
    if (!backupShort && !maintenanceShort && !overlap) {
        // One problem per key: the AWS Backup rule is judged once RDS's own rules hold.
        out.push(...backupScheduleProblems(db.backupWindow, db.maintenanceWindow, (v) => show(v, "launchpad:database")));
    }
    const classProblem = instanceClassProblem(db.instanceClass, input, show) ?? performanceInsightsClassProblem(db.engine, db.instanceClass, input, show);
    if (classProblem !== undefined) {
        out.push(classProblem);
    }
    const nameProblem = nameLengthProblem(db.engine, db.name, "a database name") ?? reservedWordProblem(db.engine, db.name, "the database name") ?? systemDatabaseProblem(db.engine, db.name);
    if (nameProblem !== undefined) {
        out.push(`launchpad:database.name: received ${show(db.name, "launchpad:database")}; ${nameProblem}`);
    }
    const userProblem = masterUsernameProblem(db.engine, db.username);
    if (userProblem !== undefined) {
        const received = isSet(input, "launchpad:database", "username") ? show(db.username, "launchpad:database") : `nothing (the default is ${JSON.stringify(db.username)})`;
        out.push(`launchpad:database.username: received ${received}; ${userProblem}`);
    }
    const appUserProblem = appUsernameProblem(db.engine, db.appUsername, db.username);
    if (appUserProblem !== undefined) {
        const received = isSet(input, "launchpad:database", "appUsername") ? show(db.appUsername, "launchpad:database") : `nothing (the default is ${JSON.stringify(db.appUsername)})`;
        out.push(`launchpad:database.appUsername: received ${received}; ${appUserProblem}`);
    }
    for (const [i, table] of db.criticalTables.entries()) {
        // MySQL's schema is the database itself: tables.sh refuses a qualified name there.
        const tableProblem = db.engine === "mysql" && table.includes(".")
            ? "expected a table of the database, without a schema (tables.sh takes schema-qualified names on postgres only)"
            : table.split(".").map((part) => nameLengthProblem(db.engine, part, table.includes(".") ? "a schema or table name" : "a table name")).find((p) => p !== undefined);
        if (tableProblem !== undefined) {
            out.push(`launchpad:database.criticalTables[${i}]: received ${show(table, "launchpad:database")}; ${tableProblem}`);
        }
    }
    if (db.restore !== undefined) {
        const region = input.values["aws:region"];
        out.push(...restoreProblems(db.restore, now, input.secretKeys.has("launchpad:database"), typeof region === "string" ? region : undefined));
    }
    return out;
}

/**
 * A DB instance class is `db.` and an EC2 instance type ("A DB instance class consists of both the
 * DB instance type and the size", RDS User Guide, Concepts.DBInstanceClass), so a class whose type
 * EC2 does not have (`db.t4g.gigantic`, `db.q9.large`) fails at CreateDBInstance. Checked against the
 * EC2 catalogue already vendored for node groups (vendor/cluster-autoscaler/ec2_instance_types.go).
 * Not checked: which of those types RDS offers for MySQL 8.4 or PostgreSQL 17. The RDS User Guide's
 * per-engine table (Concepts.DBInstanceClass.Support) was not found in a current, readable copy
 * (the awsdocs repository's is archived at MySQL 8.0 / PostgreSQL 14, without m7g/r7g/r8g), and a
 * list is not retyped from memory. A secret key gets no suggestions (they would tell its value apart).
 */
export function instanceClassProblem(instanceClass: string, input: ConfigInput, show: Show): string | undefined {
    const ec2Type = instanceClass.slice("db.".length);
    if (instanceTypeCatalogue().has(ec2Type)) {
        return undefined;
    }
    const key = "launchpad:database";
    const received = isSet(input, key, "instanceClass") ? show(instanceClass, key) : `nothing (the default is ${JSON.stringify(instanceClass)})`;
    const family = ec2Type.split(".")[0];
    const sameFamily = [...instanceTypeCatalogue().keys()].filter((t) => t.split(".")[0] === family);
    // Sizes of the family asked for; for a family EC2 does not have, the RDS User Guide's own
    // grouping for DB instances ("Amazon RDS supports three types of instance classes: general
    // purpose, memory optimized, and burstable performance", Concepts.DBInstanceClass, DB instance
    // class types, awsdocs/amazon-rds-user-guide doc_source/Concepts.DBInstanceClass.md at 0219b24),
    // not a guessed list.
    const suggestions = input.secretKeys.has(key)
        ? ""
        : sameFamily.length > 0
          ? `, such as ${either(nearestInstanceTypes(ec2Type, sameFamily).map((t) => `db.${t}`))}`
          : `: RDS classes are general purpose (db.m...), memory optimized (db.r..., db.x..., db.z...) or burstable (db.t...)`;
    return `${key}.instanceClass: received ${received}; expected "db." and an EC2 instance type that exists (the EC2 catalogue vendor/cluster-autoscaler/ec2_instance_types.go, updated ${instanceTypeCatalogueUpdated()})${suggestions}`;
}

/**
 * Classes on which the engine has no Performance Insights, per the RDS User Guide's table
 * "Amazon RDS DB engine, Region, and instance class support for Database Insights"
 * (USER_DatabaseInsights.Engines, 2026): RDS for MySQL "Database Insights isn't supported for the
 * following instance classes: db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro,
 * db.t4g.small"; RDS for PostgreSQL "N/A", no class restriction (the same in the page's 2023 copy,
 * USER_PerfInsights.Overview.Engines, awsdocs/amazon-rds-user-guide at 50e7617a). The PostgreSQL row
 * was read in full from a public copy of the page's Markdown, which matches the docs.aws.amazon.com
 * text up to that row. The instance always turns Performance Insights on (components/database.ts
 * instanceArgs), so CreateDBInstance would refuse the instance on a listed class.
 */
export const PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES: Readonly<Record<DbEngine, readonly string[]>> = {
    mysql: ["db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"],
    postgres: [],
};

/** A class the engine runs without Performance Insights, which the instance always enables. */
export function performanceInsightsClassProblem(engine: DbEngine, instanceClass: string, input: ConfigInput, show: Show): string | undefined {
    if (!PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES[engine].includes(instanceClass)) {
        return undefined;
    }
    const key = "launchpad:database";
    const received = isSet(input, key, "instanceClass") ? show(instanceClass, key) : `nothing (the default is ${JSON.stringify(instanceClass)})`;
    const size = input.secretKeys.has(key) ? "" : `, such as ${JSON.stringify(`${instanceClass.split(".").slice(0, 2).join(".")}.medium`)}`;
    return `${key}.instanceClass: received ${received}; expected a class with Performance Insights, which the instance always enables (RDS for ${engine} has none on ${either(PERFORMANCE_INSIGHTS_UNSUPPORTED_CLASSES[engine])})${size}`;
}

/**
 * The RDS windows keep an hour clear of the backup plan's start window (`lib/backup-schedule.ts`,
 * where the AWS Backup and RDS sources are cited): a snapshot job due while RDS runs its automated
 * backup or maintenance (or in the hour before maintenance) waits, and one that cannot start within
 * the start window expires, so that day's backup is missed with nothing failing loudly.
 */
export function backupScheduleProblems(backupWindow: string, maintenanceWindow: string, show: (v: string) => string): string[] {
    const out: string[] = [];
    const start = backupStartWindowText();
    const margin = RDS_WINDOW_MARGIN_MINUTES;
    const hour = `${String(BACKUP_HOUR_UTC).padStart(2, "0")}:00 UTC`;
    const dailyStart = minuteOfDay(backupWindow);
    if (touchesBackupStartWindow(dailyStart, windowMinutes(backupWindow) + margin)) {
        out.push(`launchpad:database.backupWindow: received ${show(backupWindow)}; expected a daily window that ends at least ${margin} minutes before the backup plan's ${hour} start, or begins after its start window (${start} UTC) closes: RDS runs an automated backup past its window until it finishes, and AWS Backup's snapshot job would wait for it`);
    }
    const weeklyStart = minuteOfWeek(maintenanceWindow.split("-")[0]);
    if (touchesBackupStartWindow(weeklyStart - margin, weeklyWindowMinutes(maintenanceWindow) + margin)) {
        out.push(`launchpad:database.maintenanceWindow: received ${show(maintenanceWindow)}; expected a weekly window that ends by the backup plan's ${hour} start, or begins at least ${margin} minutes after its start window (${start} UTC) closes: AWS Backup starts no RDS snapshot during a maintenance window or in the ${margin} minutes before it`);
    }
    return out;
}

const WEEK_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const MINUTES_PER_WEEK = 7 * 24 * 60;

/** Minutes since midnight of a UTC `hh:mm` (the start of an `hh:mm-hh:mm` window reads the same). */
function minuteOfDay(time: string): number {
    return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Minute of the week (Monday 00:00 is 0) of `ddd:hh:mm`, the day in any case (as the AWS provider reads it). */
function minuteOfWeek(dayTime: string): number {
    const [day, hh, mm] = dayTime.split(":");
    return WEEK_DAYS.indexOf(day.toLowerCase() as (typeof WEEK_DAYS)[number]) * 24 * 60 + Number(hh) * 60 + Number(mm);
}

/** Minutes in a UTC `ddd:hh:mm-ddd:hh:mm` weekly window that may wrap past Sunday midnight (0 when it starts where it ends). */
export function weeklyWindowMinutes(window: string): number {
    const [a, b] = window.split("-").map(minuteOfWeek);
    return (b - a + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
}

/** True when the daily `hh:mm-hh:mm` backup window shares a minute with the weekly maintenance window on any day. */
export function windowsOverlap(daily: string, weekly: string): boolean {
    const inWeekly = new Uint8Array(MINUTES_PER_WEEK);
    const start = minuteOfWeek(weekly.split("-")[0]);
    for (let m = 0; m < weeklyWindowMinutes(weekly); m++) {
        inWeekly[(start + m) % MINUTES_PER_WEEK] = 1;
    }
    const dailyStart = minuteOfDay(daily);
    for (let day = 0; day < 7; day++) {
        for (let m = 0; m < windowMinutes(daily); m++) {
            if (inWeekly[(day * 24 * 60 + dailyStart + m) % MINUTES_PER_WEEK] === 1) {
                return true;
            }
        }
    }
    return false;
}

/** Minutes in a UTC `hh:mm-hh:mm` window that may wrap past midnight. */
export function windowMinutes(window: string): number {
    const [a, b] = window.split("-").map(minuteOfDay);
    return (b - a + 24 * 60) % (24 * 60);
}

const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const RESTORE_FORMS = 'either { sourceInstance, time } (time an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest") or { snapshot }';

/** The region of an RDS ARN (`arn:<partition>:rds:<region>:...`); undefined for a plain identifier. */
const RDS_ARN_REGION_RE = /^arn:[^:]+:rds:([^:]+):/;

/**
 * A source given as an ARN of another region than `aws:region`: RDS restores in the region it is
 * called in, from a source that exists there. The RDS API's constraints name an existing instance or
 * snapshot ("Must match the identifier of an existing DB snapshot", RestoreDBInstanceFromDBSnapshot;
 * "of an existing DB instance", RestoreDBInstanceToPointInTime: boto/botocore
 * botocore/data/rds/2014-10-31/service-2.json at 0e6e2404), and replicated automated backups are
 * restored in the destination region, "where backups are replicated to" (RDS User Guide,
 * vendor/rds-backup-replication/USER_ReplicateBackups.md, "Restoring to a specified time from a
 * replicated backup"). RDS would refuse it only at the instance's step, after the VPC and the
 * cluster were built (the region-failure runbook's recovery stack).
 */
function restoreRegionProblems(r: NonNullable<RawDatabase["restore"]>, region: string | undefined, key: string, secret: boolean, show: (v: unknown) => string): string[] {
    if (region === undefined) return [];
    return (["sourceInstance", "snapshot"] as const).flatMap((field) => {
        const value = r[field];
        const at = value?.match(RDS_ARN_REGION_RE)?.[1];
        if (value === undefined || at === undefined || at === region) return [];
        const where = secret ? "another region" : JSON.stringify(at);
        return [`${key}.${field}: received ${show(value)}, an ARN in ${where}; expected a source in aws:region ${JSON.stringify(region)}, where RDS restores: ` +
            "replicated automated backups' ARN in the region they are replicated to, a snapshot copied there first (aws rds copy-db-snapshot)"];
    });
}

/** A restore names exactly one source in the stack's region, and a point in time that is real and past. */
function restoreProblems(r: NonNullable<RawDatabase["restore"]>, now: Date, secret: boolean, region: string | undefined): string[] {
    const key = "launchpad:database.restore";
    const show = (v: unknown): string => describeValue(v, secret);
    const pit = r.sourceInstance !== undefined || r.time !== undefined;
    if (pit && r.snapshot !== undefined) {
        const fields = Object.entries(r).filter(([, v]) => v !== undefined).map(([k]) => k);
        return [`${key}: received the fields ${fields.join(", ")}; expected ${RESTORE_FORMS}, not both`];
    }
    if (!pit && r.snapshot === undefined) {
        return [`${key}: received ${show(r)}; expected ${RESTORE_FORMS}`];
    }
    const out: string[] = restoreRegionProblems(r, region, key, secret, show);
    if (r.snapshot !== undefined && r.snapshot.trim() === "") {
        out.push(`${key}.snapshot: received ${show(r.snapshot)}; expected a DB snapshot identifier or ARN`);
    }
    if (pit) {
        if (r.sourceInstance === undefined || r.sourceInstance.trim() === "") {
            out.push(`${key}.sourceInstance: received ${r.sourceInstance === undefined ? "nothing (required)" : show(r.sourceInstance)}; expected the identifier or ARN of the DB instance to restore from`);
        }
        if (r.time === undefined) {
            out.push(`${key}.time: received nothing (required); expected an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest"`);
        } else if (r.time !== "latest") {
            const t = Date.parse(r.time);
            if (!ISO_UTC_RE.test(r.time) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== r.time.slice(0, 19)) {
                out.push(`${key}.time: received ${show(r.time)}; expected an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest"`);
            } else if (t > now.getTime()) {
                out.push(`${key}.time: received ${show(r.time)}; expected a time in the past (now is ${now.toISOString().slice(0, 19)}Z)`);
            }
        }
    }
    return out;
}

export function buildDatabase(db: RawDatabase, region: string): DatabaseConfig {
    return {
        engine: db.engine,
        engineVersion: db.engineVersion ?? DEFAULT_ENGINE_VERSIONS[db.engine],
        instanceClass: db.instanceClass,
        allocatedStorageGb: db.allocatedStorageGb,
        maxAllocatedStorageGb: db.maxAllocatedStorageGb,
        name: db.name,
        username: db.username,
        appUsername: db.appUsername,
        backupWindow: db.backupWindow,
        maintenanceWindow: db.maintenanceWindow.toLowerCase(),
        criticalTables: [...db.criticalTables],
        restore: db.restore === undefined
            ? undefined
            : db.restore.snapshot !== undefined
              ? { kind: "snapshot", snapshot: db.restore.snapshot }
              : { kind: "pointInTime", sourceInstance: db.restore.sourceInstance ?? "", time: db.restore.time ?? "latest" },
        caBundleUrl: db.caBundleUrl ?? rdsCaBundleUrl(region),
    };
}
