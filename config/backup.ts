/**
 * `launchpad:backup`: the logical dumps' schedules, weekly copy and Object Lock retention.
 */
import { z } from "zod";
import { runDate } from "./clock";
import { kubernetesScheduleProblem } from "./cron";

/** A Kubernetes CronJob schedule the API server accepts and that fires (`config/cron.ts`). */
const cron = (example: string) =>
    z.string().check((ctx) => {
        const problem = kubernetesScheduleProblem(ctx.value, runDate());
        if (problem !== undefined) {
            ctx.issues.push({ code: "custom", input: ctx.value, message: `expected a five-field Kubernetes CronJob schedule (UTC) such as "${example}": ${problem}` });
        }
    });

export const backupSchema = z.strictObject({
    /** Default Object Lock retention of backup objects, days. */
    objectLockDays: z.int().min(1).max(3650).default(30),
    /** When the logical dump runs (Kubernetes CronJob, UTC). */
    dumpSchedule: cron("15 2 * * *").default("15 2 * * *"),
    /** When the newest dump is restored and checked (Kubernetes CronJob, UTC). */
    verifySchedule: cron("45 4 * * *").default("45 4 * * *"),
    /** ISO weekday (1 = Monday .. 7 = Sunday) whose dump is also kept as the weekly copy. */
    weeklyDay: z.int().min(1).max(7).default(7),
}).meta({
    description:
        "Backups beyond RDS. objectLockDays: default Object Lock retention of backup objects, 1..3650 (default 30); " +
        "dumpSchedule and verifySchedule: five-field UTC Kubernetes CronJob schedules, read as Kubernetes reads them (robfig/cron: " +
        "day of week 0-6 or sun..sat; a step past the field's end, such as */90 in minutes, is the first value alone; one that never fires is refused) of the logical dump and of its restore check (default \"15 2 * * *\" and " +
        "\"45 4 * * *\"); weeklyDay: ISO weekday whose dump is also the weekly copy, 1 = Monday .. 7 = Sunday " +
        "(default 7).",
});

export type RawBackup = z.output<typeof backupSchema>;

export interface BackupConfig {
    readonly objectLockDays: number;
    readonly dumpSchedule: string;
    readonly verifySchedule: string;
    readonly weeklyDay: number;
}

export function buildBackup(backup: RawBackup): BackupConfig {
    return { ...backup };
}
