/**
 * The policy pack the Pulumi CLI runs: `pulumi preview --policy-pack policies
 * --policy-pack-config policies/config/<stack>.json`.
 *
 * The only file that constructs `PolicyPack`: its constructor starts the analyzer's gRPC server,
 * so nothing else (tests, the offline evaluator) imports this file. Each policy states its own
 * enforcement level; the pack's default only covers a policy that forgot to.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./all";

new PolicyPack(PACK_NAME, {
    description: "Launchpad's guardrails: data protection, network and cluster, workloads, blue/green delivery, secrets; cost and hygiene advisories.",
    enforcementLevel: "mandatory",
    policies: [...POLICIES],
});
