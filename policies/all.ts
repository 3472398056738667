/**
 * Every policy of the pack, in the order they report: the one list `index.ts` hands to
 * `PolicyPack` and the offline evaluator runs.
 */
import { DATA_PROTECTION_POLICIES } from "./data-protection";
import { DELIVERY_POLICIES } from "./delivery";
import { DEPLOYABILITY_POLICIES } from "./deployability";
import { HYGIENE_POLICIES } from "./hygiene";
import type { LaunchpadPolicy } from "./lib";
import { NETWORK_POLICIES } from "./network";
import { POD_TRAFFIC_POLICIES } from "./pod-traffic";
import { SECRETS_POLICIES } from "./secrets";
import { WORKLOAD_POLICIES } from "./workloads";

export const PACK_NAME = "launchpad";

export const POLICIES: readonly LaunchpadPolicy[] = [
    ...DATA_PROTECTION_POLICIES,
    ...NETWORK_POLICIES,
    ...WORKLOAD_POLICIES,
    ...DELIVERY_POLICIES,
    ...SECRETS_POLICIES,
    ...DEPLOYABILITY_POLICIES,
    ...POD_TRAFFIC_POLICIES,
    ...HYGIENE_POLICIES,
];
