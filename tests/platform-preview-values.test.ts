/**
 * In a fresh stack's preview the VPC's id is unknown. A chart's `values` made whole inside an
 * `apply` on it are then one unknown value, and the policy runtime skips every stack policy that
 * reads any chart's values (@pulumi/policy 1.21.0 proxy.js throws UnknownValueError on the read;
 * server.js analyzeStack turns it into an advisory "can't run"): the ingress-controller,
 * readiness-gate, storage-class, zonal-volumes and NetworkPolicy preflights, whose evidence is the
 * load balancer controller's values (tests/policy-preview.test.ts). Only the value made from the
 * unknown may be unknown.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Platform } from "../components/platform";
import { UNKNOWN_TEXT } from "../plan/values";
import { named, planProgram } from "./support/plan";

const program = () => {
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    new Platform("p", {
        clusterName: "launchpad-staging",
        kubernetesVersion: "1.35",
        region: "us-east-1",
        // What a preview hands the program for a VPC it has not created yet.
        vpcId: pulumi.output(pulumi.unknown) as pulumi.Output<string>,
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
        oidcIssuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
        k8sProvider,
        nodeGroups: [],
        maxNodes: 8,
        logNamespaces: [],
        logRetentionDays: 30,
        tags: { project: "launchpad" },
    });
};

describe("the load balancer controller's chart values with the VPC id unknown (a fresh stack's preview)", () => {
    it("are known but for vpcId, so the preflights can read the controller's settings", async () => {
        const values = named(await planProgram(program, "staging"), "p-lbc").inputs.values as Record<string, unknown>;
        expect(values).not.toBe(UNKNOWN_TEXT);
        expect([values.vpcId, values.clusterName, values.ingressClass, values.defaultTargetType, values.objectSelector]).toEqual([
            UNKNOWN_TEXT, "launchpad-staging", "alb", "ip", { matchLabels: { "launchpad.dev/role": "workload" } },
        ]);
    });
});
