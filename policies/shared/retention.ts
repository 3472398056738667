/**
 * The backup retention policy the product's users asked for, as named presets so no component
 * repeats a magic number: daily copies kept 30 days, weekly 12 weeks, monthly 12 months, yearly
 * 7 years; point-in-time recovery as long as RDS and AWS Backup allow (35 days).
 *
 * Kept inside the policy pack's folder, which is published alone (`backup-plan-coverage` checks
 * these tiers); the program imports it as `lib/retention`.
 */

export const BACKUP_TIERS = ["daily", "weekly", "monthly", "yearly"] as const;
export type BackupTier = (typeof BACKUP_TIERS)[number];

/**
 * Days each tier's copies are kept: at least the calendar span asked for, whenever the copy is taken.
 * AWS Backup and S3 lifecycle count whole days from the copy's creation (AWS Backup `DeleteAfterDays`;
 * S3 "creation time + Days, rounded to the next midnight UTC"), and a calendar span holds leap days:
 * 12 months are up to 366 days (one Feb 29), 7 years up to 2557 (two). 365 and 2555 (7 x 365) would
 * delete a copy taken before a leap day a day or two short of 12 months or 7 years.
 */
export const RETENTION_DAYS: Readonly<Record<BackupTier, number>> = {
    daily: 30,
    weekly: 84,
    monthly: 366,
    yearly: 2557,
};

/** The longest point-in-time window RDS automated backups and AWS Backup continuous backups allow. */
export const PITR_MAX_DAYS = 35;

/** Recovery targets from the product's users, in minutes; docs/data-protection.md and the runbooks cite them. */
export const RPO_TARGET_MINUTES = 15;
export const RTO_TARGET_MINUTES = 60;
