/**
 * Production safety, decided in one place from the stack's tier.
 *
 * Components never ask "is this production?": they read the field of `Safety` that says what to do.
 * A later change to what production means is a change to this table only.
 */
import type { NatMode, Tier } from "./schema";

export interface Safety {
    /** Pulumi `protect` on stateful resources (keys, databases, buckets, vaults). */
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
    },
    production: {
        protect: true,
        deletionProtection: true,
        logRetentionDays: 365,
        kmsDeletionWindowDays: 30,
        defaultNatGateways: "perAz",
        allowedNatGateways: ["perAz"],
        multiAz: true,
    },
};

export function safetyFor(tier: Tier): Safety {
    return SAFETY[tier];
}
