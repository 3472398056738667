/**
 * Environment: one stack's whole world, and the only thing `index.ts` builds.
 *
 * It owns the explicit AWS provider (so no resource can fall back to ambient credentials' default
 * region) and composes the parts in dependency order. Later parts (data protection, delivery,
 * observability) are added as further children here, each receiving what it needs from the parts
 * above it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LaunchpadConfig } from "../config";
import { Cluster } from "./cluster";
import { Network } from "./network";

export interface EnvironmentArgs {
    readonly config: LaunchpadConfig;
}

export class Environment extends pulumi.ComponentResource {
    public readonly network: Network | undefined;
    public readonly cluster: Cluster;
    public readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:environment:Environment", name, {}, opts);
        const { config } = args;
        const awsProvider = new aws.Provider(`${name}-aws`, { region: config.region }, { parent: this });
        const child = { parent: this, providers: [awsProvider] };

        // A team's existing cluster brings its own network: Launchpad creates no VPC for it.
        this.network = config.cluster.mode === "eks"
            ? new Network(`${name}-network`, {
                config: config.network,
                tags: config.tags,
                flowLogRetentionDays: config.safety.logRetentionDays,
            }, child)
            : undefined;

        this.cluster = new Cluster(`${name}-cluster`, {
            config: config.cluster,
            nodeGroup: config.nodeGroup,
            clusterName: `${config.project}-${config.stack}`,
            region: config.region,
            safety: config.safety,
            tags: config.tags,
            privateSubnetIds: this.network?.privateSubnetIds,
        }, child);

        this.outputs = environmentOutputs(config, this.network, this.cluster);
        this.registerOutputs(this.outputs);
    }
}

/** The stack outputs: what a user or another stack needs to reach this environment. */
export function environmentOutputs(config: LaunchpadConfig, network: Network | undefined, cluster: Cluster): Record<string, pulumi.Input<unknown>> {
    const outputs: Record<string, pulumi.Input<unknown>> = {
        tier: config.tier,
        region: config.region,
        drRegion: config.drRegion,
        namespace: cluster.namespace,
        kubeconfig: cluster.kubeconfig,
    };
    if (network !== undefined) {
        Object.assign(outputs, {
            vpcId: network.vpcId,
            availabilityZones: network.availabilityZones,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            natPublicIps: network.natPublicIps,
        });
    }
    if (cluster.clusterName !== undefined) {
        Object.assign(outputs, {
            clusterName: cluster.clusterName,
            clusterEndpoint: cluster.endpoint,
            oidcProviderArn: cluster.oidcProviderArn,
        });
    }
    return outputs;
}
