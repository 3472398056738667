/**
 * The deployability preflight's violations the committed stacks have until the platform baseline
 * lands (issue 11): no ingress controller for the `alb` Ingress, no default StorageClass for the
 * Pushgateway's claim, no metrics-server for the HPAs, and the observability Helm releases not
 * depending on the Namespace. The integrator empties both lists once the platform is in; every
 * test that reads them then expects exactly what it expected before the preflight.
 */
import type { Violation } from "../../policies/evaluate";
import { evaluatePlan } from "../../policies/evaluate";
import { planStack } from "./plan";

export type CommittedStack = "staging" | "production";

const ingress = (s: string) => `urn:pulumi:${s}::launchpad::launchpad:delivery:BlueGreenService$kubernetes:networking.k8s.io/v1:Ingress::launchpad-${s}-api-ingress`;
const hpa = (s: string, color: string) => `urn:pulumi:${s}::launchpad::launchpad:delivery:BlueGreenService$kubernetes:autoscaling/v2:HorizontalPodAutoscaler::launchpad-${s}-api-${color}-hpa`;
const release = (s: string, chart: string) => `urn:pulumi:${s}::launchpad::launchpad:observability:Observability$kubernetes:helm.sh/v3:Release::launchpad-${s}-observability-${chart}`;

/** Policy name and URN of each pending violation, in the order the pack reports them. */
// until the platform baseline lands (issue 11)
export const PENDING_PREFLIGHT: Readonly<Record<CommittedStack, readonly { policy: string; urn: string }[]>> = {
    staging: [
        { policy: "preflight-ingress-controller", urn: ingress("staging") },
        { policy: "preflight-storage-class", urn: release("staging", "pushgateway") },
        { policy: "preflight-metrics-api", urn: hpa("staging", "blue") },
        { policy: "preflight-metrics-api", urn: hpa("staging", "green") },
        { policy: "preflight-namespace", urn: release("staging", "kube-state-metrics") },
        { policy: "preflight-namespace", urn: release("staging", "pushgateway") },
    ],
    production: [
        { policy: "preflight-ingress-controller", urn: ingress("production") },
        { policy: "preflight-storage-class", urn: release("production", "pushgateway") },
        { policy: "preflight-metrics-api", urn: hpa("production", "blue") },
        { policy: "preflight-metrics-api", urn: hpa("production", "green") },
        { policy: "preflight-namespace", urn: release("production", "kube-state-metrics") },
        { policy: "preflight-namespace", urn: release("production", "pushgateway") },
    ],
};

/** The pending violations of a committed stack with their messages, as the pack reports them for its plan. */
export async function pendingViolations(stack: CommittedStack): Promise<Violation[]> {
    const all = await evaluatePlan(await planStack(stack));
    return all.filter((v) => PENDING_PREFLIGHT[stack].some((p) => p.policy === v.policy && p.urn === v.urn));
}

/** How many violations of each policy are pending, to add to a count. */
export function pendingCounts(stack: CommittedStack): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of PENDING_PREFLIGHT[stack]) out[p.policy] = (out[p.policy] ?? 0) + 1;
    return out;
}
