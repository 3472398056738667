/**
 * Production safety, decided in one place from the stack's tier.
 *
 * Components never ask "is this production?": they read the field of `Safety` that says what to do.
 * A later change to what production means is a change to this table only.
 */
import { z } from "zod";

/** The tiers a stack may declare (`launchpad:tier`): the keys of the safety table below. */
export const TIERS = ["staging", "production"] as const;
export type Tier = (typeof TIERS)[number];

export const tierSchema = z.enum(TIERS).meta({
    description:
        "Production safety for the whole stack, decided in one place: \"staging\" or \"production\". Production " +
        "turns on protect, deletion protection, long log retention, a NAT gateway per AZ.",
});

/** NAT layouts (`launchpad:network.natGateways`); here because the table picks and limits them per tier. */
export const NAT_MODES = ["single", "perAz"] as const;
export type NatMode = (typeof NAT_MODES)[number];

export interface Safety {
    /** Pulumi `protect` on stateful resources (keys, databases, buckets, vaults) and the EKS cluster everything runs on. */
    readonly protect: boolean;
    /** Cloud-side deletion protection where a service offers it (EKS, RDS). */
    readonly deletionProtection: boolean;
    /** Days CloudWatch keeps logs (flow logs, control-plane logs). A value CloudWatch accepts. */
    readonly logRetentionDays: number;
    /** Days a scheduled KMS key deletion waits, the window to cancel a mistaken destroy (7..30). */
    readonly kmsDeletionWindowDays: number;
    /** NAT layout when the stack does not choose one. */
    readonly defaultNatGateways: NatMode;
    /** NAT layouts this tier accepts: production refuses a single NAT, a zone outage would cut egress everywhere. */
    readonly allowedNatGateways: readonly NatMode[];
    /** Multi-AZ for stateful services. */
    readonly multiAz: boolean;
    /** Days RDS keeps automated backups (the point-in-time window): 35 is RDS's maximum. */
    readonly backupRetentionDays: number;
    /** Keep automated backups after the instance is deleted (RDS deletes them by default). */
    readonly keepAutomatedBackups: boolean;
    /** Take a final snapshot when the database is deleted. */
    readonly finalSnapshot: boolean;
    /** Object Lock mode of backup buckets: COMPLIANCE cannot be lifted by anyone, GOVERNANCE by privileged users. */
    readonly objectLockMode: "GOVERNANCE" | "COMPLIANCE";
    /** Lock the AWS Backup vaults (Vault Lock) so recovery points cannot be deleted early. */
    readonly vaultLock: boolean;
    /** Replicate automated backups and their transaction logs to the DR region (point-in-time restore there). */
    readonly replicateBackupsToDr: boolean;
    /** Let `pulumi destroy` empty buckets (never in production). */
    readonly forceDestroy: boolean;
    /** Release images must be a digest or a tag other than `latest`. */
    readonly requireImmutableImages: boolean;
    /** Fewest pods a service's active color may run. */
    readonly minReplicas: number;
    /**
     * The idle color keeps as many pods as the live one (`idleReplicas` not below `replicas`): a rollback
     * or `npm run promote` switches only to a color fully available at the live replica count and
     * refuses otherwise (scripts/rollback.ts), so a smaller idle color would refuse every production
     * switch, the deploy workflow's promote and the urgent rollback alike.
     */
    readonly idleAtFullCapacity: boolean;
    /** Smoke-gate thresholds when a service sets none. */
    readonly smokeDefaults: { readonly p95Ms: number; readonly p99Ms: number; readonly errorRate: number };
    /**
     * The product's targets, or none: the loosest smoke thresholds a service may set, and the loosest
     * `npm run promote`'s post-switch analysis judges live traffic by (scripts/promote.ts analysisThresholds).
     */
    readonly smokeCeilings: { readonly p95Ms: number; readonly errorRate: number } | undefined;
    /** A smoke policy may carry a load profile (not where the candidate shares production's database). */
    readonly allowSmokeLoad: boolean;
    /** Services may carry performance profiles (`performance`: load, stress, soak, spike), run by `npm run loadtest`. */
    readonly allowPerformanceTests: boolean;
    /**
     * Fewest nodes each zone's node group keeps (`launchpad:nodeGroup.minSize` is at least this times
     * the zones): production keeps a node in every zone, so a zone's EBS volumes and a
     * `DoNotSchedule` spread never wait for the autoscaler to add the first one.
     */
    readonly minNodesPerZone: number;
    /** Zone spread of pods: `DoNotSchedule` holds a pod back rather than stack a zone. */
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
    /** Only images the promotion source stack verified may go live (from `staging` unless set). */
    readonly verifyPromotion: boolean;
    /**
     * Page-severity alerts must reach a pager: Grafana (`grafana:url`), which evaluates the alerts, is
     * required, and with it the PagerDuty integration key.
     */
    readonly requirePaging: boolean;
    /** The alerting pipeline itself is watched: with Grafana, the Watchdog's heartbeat URL is required. */
    readonly requireHeartbeat: boolean;
    /** A manual RDS snapshot, named after the schema step (components/restore-point.ts) and tagged with the release id, is taken and completed before each schema migration runs. */
    readonly restorePointBeforeMigration: boolean;
    /** How long `npm run promote` watches a newly live color before calling it good (a Prometheus duration). */
    readonly analysisWindow: string;
    /**
     * A change of what the stack's previous outputs record as its identity (database engine, name, user,
     * instance, the namespace, the VPC's CIDR, fewer zones than the EKS cluster's, the region, the DR
     * region, the cluster: components/identity-record.ts) is refused before anything moves; otherwise it
     * is a warning and the providers replace what it names.
     */
    readonly refuseIdentityChange: boolean;
}

const SAFETY: Record<Tier, Safety> = {
    staging: {
        protect: false,
        deletionProtection: false,
        logRetentionDays: 30,
        kmsDeletionWindowDays: 7,
        defaultNatGateways: "single",
        allowedNatGateways: ["single", "perAz"],
        multiAz: false,
        backupRetentionDays: 7,
        keepAutomatedBackups: false,
        finalSnapshot: false,
        objectLockMode: "GOVERNANCE",
        vaultLock: false,
        replicateBackupsToDr: false,
        forceDestroy: true,
        requireImmutableImages: false,
        minReplicas: 1,
        idleAtFullCapacity: false,
        smokeDefaults: { p95Ms: 300, p99Ms: 1000, errorRate: 0.02 },
        smokeCeilings: undefined,
        allowSmokeLoad: true,
        allowPerformanceTests: true,
        minNodesPerZone: 0,
        zoneSpread: "ScheduleAnyway",
        verifyPromotion: false,
        requirePaging: false,
        requireHeartbeat: false,
        restorePointBeforeMigration: false,
        analysisWindow: "3m",
        refuseIdentityChange: false,
    },
    production: {
        protect: true,
        deletionProtection: true,
        logRetentionDays: 365,
        kmsDeletionWindowDays: 30,
        defaultNatGateways: "perAz",
        allowedNatGateways: ["perAz"],
        multiAz: true,
        backupRetentionDays: 35,
        keepAutomatedBackups: true,
        finalSnapshot: true,
        objectLockMode: "COMPLIANCE",
        vaultLock: true,
        replicateBackupsToDr: true,
        forceDestroy: false,
        requireImmutableImages: true,
        minReplicas: 2,
        idleAtFullCapacity: true,
        smokeDefaults: { p95Ms: 200, p99Ms: 500, errorRate: 0.01 },
        smokeCeilings: { p95Ms: 200, errorRate: 0.01 },
        allowSmokeLoad: false,
        allowPerformanceTests: false,
        minNodesPerZone: 1,
        zoneSpread: "DoNotSchedule",
        verifyPromotion: true,
        requirePaging: true,
        requireHeartbeat: true,
        restorePointBeforeMigration: true,
        analysisWindow: "10m",
        refuseIdentityChange: true,
    },
};

export function safetyFor(tier: Tier): Safety {
    return SAFETY[tier];
}
