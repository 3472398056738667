/**
 * Names and times of the restore point taken before a production migration: a manual RDS snapshot
 * named after the release, and the moment just before it (for a point-in-time restore instead).
 */
import type { Color } from "../lib/delivery";

/** A manual snapshot identifier: letters, digits and single hyphens, starting with a letter, at most 255 characters (RDS CreateDBSnapshot). */
export function restorePointIdentifier(databaseIdentifier: string, service: string, color: Color, id: string): string {
    return `${databaseIdentifier}-pre-${service}-${color}-${id}`.replace(/-+/g, "-").slice(0, 255).replace(/-$/, "");
}

/** The run's time to the second, ISO-8601 UTC: the point-in-time side of a restore point. */
export function restorePointTime(now: Date): string {
    return `${now.toISOString().slice(0, 19)}Z`;
}

