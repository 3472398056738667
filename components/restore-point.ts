/**
 * Names and times of the restore point taken before a production migration: a manual RDS snapshot
 * named after the schema step, and the moment just before it (for a point-in-time restore instead).
 */
import { createHash } from "node:crypto";
import type { Color } from "../lib/delivery";

/** A manual snapshot identifier: letters, digits and single hyphens, starting with a letter, at most 255 characters (RDS CreateDBSnapshot). */
export function restorePointIdentifier(databaseIdentifier: string, service: string, color: Color, id: string): string {
    return `${databaseIdentifier}${restorePointInfix(service, color)}${id}`.replace(/-+/g, "-").slice(0, 255).replace(/-$/, "");
}

/** What stands between a restore point's instance and what it is named after (a release id or a step). */
function restorePointInfix(service: string, color: Color): string {
    return `-pre-${service}-${color}-`;
}

/**
 * What a restore point not yet recorded is named after: the schema step it comes before, from the
 * version the stack's record holds to the release's, and the newest migration the record holds
 * (`v3-to-v4-after-<release id>`; `none-to-v4` for a stack's first), not the release. An update
 * that fails after its snapshot (the migration Job failed, maybe half-applied; or it succeeded and
 * the rollout or gate failed, so the record was not written: docs/delivery.md, Schema changes) is
 * often followed by a fixed release, a new release id: named after the release, its restore point
 * would be a new snapshot of the database the first attempt already changed. Named after the step,
 * which the unchanged record gives again, it is the same snapshot: aws_db_snapshot's only ForceNew
 * inputs are `db_snapshot_identifier` and `db_instance_identifier` (terraform-provider-aws
 * internal/service/rds/snapshot.go), so the engine updates its tags in place and its point-in-time
 * tag stays the first attempt's (`RESTORE_POINT_TIME_IGNORE`). Once an update completes, the record
 * holds the migration and the next one (even a re-run at the same version, `v4-to-v4`) is after it:
 * a new snapshot. Undoing a migration renames the instance (`<db>-r<hash>`), so a step taken again
 * after an undo is a new snapshot too.
 */
export function restorePointStep(from: number | undefined, to: number, after: string | undefined): string {
    return `${from === undefined ? "none" : `v${from}`}-to-v${to}${after !== undefined ? `-after-${after}` : ""}`;
}

/**
 * The snapshot a color's restore point is, and the instance it is of. A migration the stack's record
 * already holds keeps the snapshot it was recorded with, and that snapshot's instance (its name's
 * prefix): otherwise a later restore of the database (the "undo a migration" runbook, which renames
 * the instance `<db>-r<hash>`) would change both inputs of every restore point still declared, and
 * Pulumi would replace each with a new snapshot of the restored instance, taken in the middle of the
 * restore, under the new name and this run's point-in-time tag (a replacement is checked again from
the program's inputs, ignoreChanges not applied: pulumi/pulumi pkg/resource/deploy/step_generator.go,
"we need to recompute the default values"). A migration not yet recorded gets a
 * name after the instance it runs against now and its schema step (`restorePointStep`).
 * `recorded` is this release's recorded snapshot, named after its release id (before step names)
 * or its step.
 */
export function restorePointTarget(recorded: string | undefined, databaseIdentifier: string, current: string, service: string, color: Color, step: string): { readonly snapshot: string; readonly instance: string } {
    const infix = restorePointInfix(service, color);
    const at = recorded?.lastIndexOf(infix) ?? -1;
    if (recorded !== undefined && at > 0 && at + infix.length < recorded.length) {
        return { snapshot: recorded, instance: recorded.slice(0, at) };
    }
    return { snapshot: restorePointIdentifier(databaseIdentifier, service, color, step), instance: current };
}

/**
 * What the restore point's expiry schedule is named after: the release id where the snapshot is
 * named after one (recorded before step names: the schedule keeps its name, so its date), else a
 * hash of the snapshot's identifier, which names the stack's instance (a step name alone is the
 * same in every stack of the account, and schedule names are per account and region).
 */
export function restorePointExpiryKey(snapshot: string, service: string, color: Color): string {
    const infix = restorePointInfix(service, color);
    const at = snapshot.lastIndexOf(infix);
    const tail = snapshot.slice(at + infix.length);
    return at >= 0 && /^[0-9a-f]{10}$/.test(tail) ? tail : createHash("sha256").update(snapshot).digest("hex").slice(0, 10);
}

/** The run's time to the second, ISO-8601 UTC: the point-in-time side of a restore point. */
export function restorePointTime(now: Date): string {
    return `${now.toISOString().slice(0, 19)}Z`;
}

/**
 * The snapshot's tag holding the point-in-time side: the time of the run that took it. A re-run
 * (an update that failed past its migration, run again) must not move it past the migration, so
 * the snapshot ignores later values (`RESTORE_POINT_TIME_IGNORE`) and the record reads it back
 * from the snapshot's state, the same way the expiry schedule keeps its first date.
 */
export const RESTORE_POINT_TIME_TAG = "launchpad.dev/point-in-time";
/** The `ignoreChanges` path of that tag (pulumi/pulumi sdk/go/common/resource/properties_path.go: `root["key"]`). */
export const RESTORE_POINT_TIME_IGNORE = `tags["${RESTORE_POINT_TIME_TAG}"]`;

/**
 * The restore point as recorded: the snapshot's own time tag (from its state: the run that took it)
 * when it has one, else this run's time.
 */
export function takenAt(snapshotTags: Readonly<Record<string, string>> | undefined, thisRun: string): string {
    return snapshotTags?.[RESTORE_POINT_TIME_TAG] ?? thisRun;
}


/**
 * The EventBridge Scheduler universal target that deletes a manual DB snapshot: RDS's
 * DeleteDBSnapshot called by the scheduler itself, no function to run ("Arn – ... in the format
 * `arn:aws:scheduler:::aws-sdk:{service}:{apiAction}`", with the API's parameters as the JSON
 * input: https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html).
 * The ARN carries the stack's partition: the China Regions' copy of that page gives
 * `arn:aws-cn:scheduler:::aws-sdk:service:apiAction`
 * (https://docs.amazonaws.cn/scheduler/latest/UserGuide/managing-targets-universal.html).
 */
export function deleteSnapshotTarget(partition: string): string {
    return `arn:${partition}:scheduler:::aws-sdk:rds:deleteDBSnapshot`;
}

/** A one-time schedule expression, `at(yyyy-mm-ddThh:mm:ss)` (UTC with `scheduleExpressionTimezone: "UTC"`), `days` after `taken`. */
export function restorePointExpiry(taken: Date, days: number): string {
    return `at(${new Date(taken.getTime() + days * 86_400_000).toISOString().slice(0, 19)})`;
}

/**
 * When a restore point taken at `time` (its point-in-time tag: the run that created its schedule,
 * `restorePointExpiry` of the same run date) is deleted: ISO-8601 UTC, `days` later.
 */
export function restorePointExpiresAt(time: string, days: number): string {
    return `${new Date(Date.parse(time) + days * 86_400_000).toISOString().slice(0, 19)}Z`;
}

/** The schedule's name: at most 64 characters, one per restore point (`restorePointExpiryKey` is in it). */
export function restorePointExpiryName(service: string, color: Color, id: string): string {
    return `restore-point-expiry-${color}-${id}-${service}`.slice(0, 64).replace(/-$/, "");
}

/**
 * The policy of the role the scheduler assumes: delete this stack's restore points, nothing else.
 * `stackDatabase` is the stack's database identifier without a restore (`<project>-<stack>-db`): a
 * restore (the "undo a migration" runbook) renames the instance `<stackDatabase>-r<hash>` and with
 * it every later restore point, while the schedules of the earlier ones, named after the old
 * instance, are still pending. Both names stay deletable, so a restore point expires whichever
 * instance the stack runs when its day comes.
 */
export function restorePointExpiryPolicy(partition: string, region: string, accountId: string, stackDatabase: string): object {
    // `arn:${Partition}:rds:...` (Service Authorization Reference, Amazon RDS resource types): a
    // pattern spelled `arn:aws:` matches no snapshot of GovCloud (aws-us-gov) or China (aws-cn).
    const snapshot = (pattern: string) => `arn:${partition}:rds:${region}:${accountId}:snapshot:${pattern}`;
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["rds:DeleteDBSnapshot"], Resource: [snapshot(`${stackDatabase}-pre-*`), snapshot(`${stackDatabase}-r*-pre-*`)] }],
    };
}
