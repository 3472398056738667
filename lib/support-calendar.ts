/**
 * What the EKS and RDS support calendars (lib/versions.ts) mean for a stack on the day of the run:
 * choosing a version past standard support is refused, keeping the one the stack runs is warned, and
 * the last {@link SUPPORT_WARNING_DAYS} days before the end are warned too.
 *
 * Why keeping is never refused: past the date AWS does not stop the service, it moves it on.
 * - EKS: "If your upgrade policy is STANDARD, it will be automatically upgraded" at the end of standard
 *   support (EKS User Guide, "View current cluster upgrade policy", view-upgrade-policy; the same in
 *   the EKS API Reference, UpgradePolicyRequest.supportType). Launchpad's clusters set
 *   `upgradePolicy: { supportType: "STANDARD" }` (components/cluster.ts), so the control plane moves to
 *   the next minor on its own and the stack's `cluster.version` has to follow it.
 * - RDS: an instance created without `EngineLifecycleSupport` gets `open-source-rds-extended-support`,
 *   "which enrolls your DB instance into Amazon RDS Extended Support" and lets it "run the selected
 *   major engine version ... past the end of standard support for that engine version" at a charge
 *   (RDS API, CreateDBInstance / RestoreDBInstanceToPointInTime EngineLifecycleSupport; RDS User Guide,
 *   extended-support-viewing-support-dates). components/database.ts sets no lifecycle, so the
 *   database keeps running its major, billed, until it is upgraded.
 * A stack that kept planning on those days could still roll back and be upgraded; refusing it would
 * refuse `npm run rollback` (which runs the program) on a calendar date, in the middle of an incident.
 */
import { eksVersion, type EksVersion, type RdsMajor, RDS_MAJOR_VERSIONS, rdsMajorOf } from "./versions";

/**
 * How many days before the end of standard support every plan and preview warns. Our choice, not an
 * AWS number: no AWS page read for this change states how early AWS Health notifies, and a quarter is
 * what a major engine upgrade needs (a rehearsal on staging, a restore drill, a maintenance window).
 */
export const SUPPORT_WARNING_DAYS = 90;

/** Where moving off a version past standard support is documented. */
export const CLUSTER_UPGRADE_DOCS = "docs/operations.md#kubernetes-and-engine-versions-past-standard-support";
/** Where upgrading the database engine's major version is documented. */
export const MAJOR_UPGRADE_DOCS = "docs/operations.md#upgrading-the-database-engines-major-version";

/** The end of standard support of one version a stack runs, and what follows it. */
export interface SupportEnd {
    /** The config key that names the version. */
    readonly key: string;
    /** The version as config names it: `1.35`, `14`, `8.0`. */
    readonly version: string;
    /** "EKS Kubernetes 1.35", "RDS postgres 14". */
    readonly label: string;
    /** First day (UTC `YYYY-MM-DD`) that is no longer standard support. */
    readonly end: string;
    /** The next version of the calendar, or undefined when the calendar lists none yet. */
    readonly next: string | undefined;
    /** What AWS does from `end`, and what to do about it. */
    readonly consequence: string;
    /** Why a refusal refuses it: `1.35 left EKS standard support on <end>: ...`, config's and the identity check's words alike. */
    readonly left: string;
}

/** Why a minor past standard support is refused where it is chosen: what EKS does with it. */
export function eksLeftSupport(row: EksVersion): string {
    return `${row.version} left EKS standard support on ${row.endOfStandardSupport}: under upgradePolicy STANDARD, EKS upgrades it on its own`;
}

/** Why a major past standard support is refused where it is chosen: what RDS does with it. */
export function rdsLeftSupport(row: RdsMajor): string {
    return `${row.engine} ${row.major} left RDS standard support on ${row.endOfStandardSupport}: RDS enrolls it in paid Extended Support`;
}

/** The end of EKS standard support of a Kubernetes minor, or undefined when EKS has no such minor. */
export function eksSupportEnd(version: string): SupportEnd | undefined {
    const row = eksVersion(version);
    if (row === undefined) {
        return undefined;
    }
    const [major, minor] = version.split(".").map(Number);
    const next = eksVersion(`${major}.${minor + 1}`)?.version;
    const raise = next !== undefined ? `raise launchpad:cluster.version to ${JSON.stringify(next)}` : "raise launchpad:cluster.version to the next minor once lib/versions.ts lists it";
    return {
        key: "launchpad:cluster.version",
        version,
        label: `EKS Kubernetes ${version}`,
        end: row.endOfStandardSupport,
        next,
        consequence: `under upgradePolicy STANDARD, EKS upgrades the control plane to the next minor on its own (EKS User Guide, view-upgrade-policy): ${raise}, one minor per pulumi up (${CLUSTER_UPGRADE_DOCS})`,
        left: eksLeftSupport(row),
    };
}

/** The end of RDS standard support of an engine major, or undefined when RDS has no such major. */
export function rdsSupportEnd(engine: RdsMajor["engine"], major: string): SupportEnd | undefined {
    const majors = RDS_MAJOR_VERSIONS.filter((m) => m.engine === engine);
    const i = majors.findIndex((m) => m.major === major);
    if (i < 0) {
        return undefined;
    }
    // Newest first: the next major is the row before.
    const next = i > 0 ? majors[i - 1].major : undefined;
    const plan = next !== undefined ? `plan the major upgrade to ${JSON.stringify(next)}` : "plan the major upgrade once lib/versions.ts lists the next major";
    return {
        key: "launchpad:database.engineVersion",
        version: major,
        label: `RDS ${engine} ${major}`,
        end: majors[i].endOfStandardSupport,
        next,
        consequence: `RDS enrolls the instance in paid RDS Extended Support and keeps the major (RDS API, CreateDBInstance EngineLifecycleSupport): ${plan} (${MAJOR_UPGRADE_DOCS})`,
        left: rdsLeftSupport(majors[i]),
    };
}

/** Whole days from the UTC day `today` to the UTC day `day` (negative once it passed). */
export function daysUntil(day: string, today: string): number {
    return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** True from the start of `end`: AWS bills extended support "from the beginning of the day" (lib/versions.ts `inStandardSupport`). */
export function pastStandardSupport(s: SupportEnd, today: string): boolean {
    return today >= s.end;
}

/** The early warning: from {@link SUPPORT_WARNING_DAYS} days before `end` to the day before it. */
export function supportEndingWarning(s: SupportEnd, today: string): string | undefined {
    const days = daysUntil(s.end, today);
    if (days <= 0 || days > SUPPORT_WARNING_DAYS) {
        return undefined;
    }
    return `${s.key}: ${s.label} leaves standard support on ${s.end}, in ${days} day${days === 1 ? "" : "s"}; from that day ${s.consequence}`;
}

/**
 * The warning for a kept version past standard support (the stack's recorded identity runs it). When
 * the next version is past standard support too, the warning says so: the stack may still step to it
 * (components/identity-record.ts supportCalendarChecks), but stays past support until the calendar
 * lists a newer one.
 */
export function keptPastSupportWarning(s: SupportEnd, today: string): string {
    const nextEnd = s.next === undefined ? undefined : s.key === "launchpad:cluster.version" ? eksSupportEnd(s.next)?.end : undefined;
    const blocked = nextEnd !== undefined && today >= nextEnd
        ? `; ${JSON.stringify(s.next)} left standard support on ${nextEnd} as well, so the step to it leaves the stack past standard support until lib/versions.ts lists a newer minor`
        : "";
    return `${s.key}: ${s.label}, which this stack runs (its recorded identity), left standard support on ${s.end}; it is kept, not refused, but ${s.consequence}${blocked}`;
}

/**
 * The early warnings of a stack: its own EKS cluster's minor and its database's major, each in the
 * last {@link SUPPORT_WARNING_DAYS} days of standard support. Undefined fields (an existing cluster,
 * no data layer, a key held as a secret) are not judged.
 */
export function supportEndingWarnings(stack: { readonly clusterVersion?: string; readonly database?: { readonly engine: RdsMajor["engine"]; readonly engineVersion: string } }, today: string): string[] {
    const ends = [
        stack.clusterVersion !== undefined ? eksSupportEnd(stack.clusterVersion) : undefined,
        stack.database !== undefined ? rdsSupportEnd(stack.database.engine, rdsMajorOf(stack.database.engine, stack.database.engineVersion)) : undefined,
    ];
    return ends.flatMap((s) => {
        const w = s !== undefined ? supportEndingWarning(s, today) : undefined;
        return w !== undefined ? [w] : [];
    });
}
