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
import { ConfigError, type EksClusterConfig, type ExistingClusterConfig, type LaunchpadConfig } from "../config";
import { ANNOTATIONS, APP_LABELS, COLORS } from "../lib/delivery";
import { qualifiedStackName } from "../lib/stack-name";
import { bundleRunner, RUNNER_FILE } from "../smoke/bundle";
import { BackupPlan, backupPlanName, rdsRestoreMetadataOverrides } from "./backup-plan";
import { BlueGreenService, type LoadGateArgs, type RestorePointArgs } from "./blue-green-service";
import type { DatabaseClient } from "./database-client";
import { BackupStorage } from "./backup-storage";
import { eksClusterIdentity, EksCluster, ExistingCluster, existingClusterIdentity, type ClusterIdentity, type KubernetesTarget } from "./cluster";
import { APP_CONNECTION_SECRET_NAME, CONNECTION_SECRET_NAME, Database } from "./database";
import { DatabaseGrants } from "./database-grants";
import { LogicalBackup, logicalBackupSettings } from "./logical-backup";
import { keptRecord, previousRecord, SchemaGuard, SCHEMA_RECORD_OUTPUT, usesSchema } from "./migrations";
import { restorePointTime } from "./restore-point";
import { Network } from "./network";
import { eksNetworkPolicyInputs, existingNetworkPolicyInputs } from "./network-policy";
import { Promotion, VERIFIED_RELEASES_OUTPUT } from "./promotion";
import { GRAFANA_TARGET_OUTPUT } from "../observability/grafana-target";
import { checkedIdentity, currentIdentity, databaseMajorUpgrade, IDENTITY_OUTPUT, identityOutput, recordedIdentityOf, type StackIdentity } from "./identity-record";
import { historyOutput, inPlaceReleaseProblems, inPlaceRollWarnings, LIVE_SERVICES_OUTPUT, liveWhenStarted, nextHistory, previousHistory, previousOutputs, RELEASE_HISTORY_OUTPUT, stackPodDatabase, type ReleaseHistory } from "./release-history";
import { envDigestKind, envHash, releaseId } from "./blue-green-service";
import { runDate } from "../config/clock";
import { UPDATE_SURGE_NODES_PER_ZONE } from "../config/node-group";
import { alertContext } from "../observability/alerts";
import { bundleLoadtestRunner } from "../loadtest/bundle";
import { LoadtestAccess } from "./loadtest-access";
import { Observability, type ObservabilityArgs, scraperSubnets } from "./observability";
import { Platform, PLATFORM_NAMESPACE } from "./platform";

export interface EnvironmentArgs {
    readonly config: LaunchpadConfig;
}

/**
 * What each kind of cluster brings, built by the one branch that asks "our EKS or an existing
 * cluster?" (`Environment.clusterKind`). Everything after it reads these fields, never the config's mode.
 */
export interface ClusterSide {
    /** Launchpad's VPC; undefined on an existing cluster, which brings its own network. */
    readonly network: Network | undefined;
    readonly cluster: KubernetesTarget;
    /** Undefined on an existing cluster, which brings its own (declared in `cluster.provides`). */
    readonly platform: Platform | undefined;
    /** What the AMP scraper needs of Launchpad's EKS; undefined on an existing cluster. */
    readonly scrapeTarget: ObservabilityArgs["eks"];
    /** Where the data layer goes; undefined for an existing cluster without `network.existing`. */
    readonly placement: DataPlacement | undefined;
    /** The EKS cluster's outputs (name, endpoint, OIDC provider); none for an existing cluster. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;
}

/** What checks the stack's identity against its previous outputs (`Environment.checkIdentity`). */
interface IdentityCheck {
    /** The identity the stack's previous outputs record (`recordedIdentityOf`). */
    readonly recorded: pulumi.Output<StackIdentity>;
    readonly config: LaunchpadConfig;
    readonly identifier: string;
    /** What of the identity the kind of cluster brings (`Environment.clusterKind`). */
    readonly cluster: ClusterIdentity;
}

/**
 * The stack's kind of cluster, decided once (`Environment.clusterKind`): what it brings to the
 * identity, checked before anything of AWS registers, and how to build it once that check passed.
 */
interface ClusterKind {
    readonly identity: ClusterIdentity;
    build(child: pulumi.ComponentResourceOptions, identity: pulumi.Output<StackIdentity>): ClusterSide;
}

/** What delivery adds: the release history read from state, the promotion and schema rules, the services. */
interface Delivery {
    readonly history: pulumi.Output<ReleaseHistory>;
    readonly promotion: Promotion | undefined;
    readonly schema: SchemaGuard | undefined;
    readonly services: readonly BlueGreenService[];
}

/** The data layer: only where Launchpad owns the network and the cluster (see docs/data-protection.md, The data layer). */
export interface DataProtection {
    readonly database: Database;
    /** The application's own database user (data access only), which the services connect as. */
    readonly grants: DatabaseGrants;
    readonly storage: BackupStorage;
    readonly plan: BackupPlan;
    readonly logicalBackup: LogicalBackup;
}

export class Environment extends pulumi.ComponentResource {
    public readonly network: Network | undefined;
    public readonly cluster: KubernetesTarget;
    /** Undefined on an existing cluster, which brings its own (declared in `cluster.provides`). */
    public readonly platform: Platform | undefined;
    public readonly data: DataProtection | undefined;
    public readonly promotion: Promotion | undefined;
    /** Present when a service declares a migration or schema contract. */
    public readonly schema: SchemaGuard | undefined;
    public readonly services: readonly BlueGreenService[];
    public readonly observability: Observability;
    public readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:environment:Environment", name, {}, opts);
        const { config } = args;
        // The prefix of the stack's named resources: the EKS cluster, the database, the buckets.
        const { identifier } = config;
        // The stack's own previous outputs, and the identity checked against them (identity-record.ts)
        // before anything of AWS registers: the provider's region waits on the check, and every AWS
        // resource on its provider (the SDK sends a registration only with its provider's id:
        // @pulumi/pulumi resource.js ProviderResource.register, awaited by runtime/resource.js
        // prepareResource), so a refused change (another region, a switch between an existing
        // cluster and Launchpad's own) creates nothing, `pulumi up --skip-preview` included. The
        // Grafana provider's URL waits on it the same way (Observability's identityChecked).
        const previous = previousOutputs(name, qualifiedStackName(config.stack, pulumi.getOrganization(), config.project), { parent: this });
        const recorded = recordedIdentityOf(previous);
        const kind = this.clusterKind(name, identifier, config);
        const identity = this.checkIdentity({ recorded, config, identifier, cluster: kind.identity });
        const awsProvider = new aws.Provider(`${name}-aws`, { region: identity.apply(() => config.region) }, { parent: this });
        const child = { parent: this, providers: [awsProvider] };

        const side = kind.build(child, identity);
        this.network = side.network;
        this.cluster = side.cluster;
        this.platform = side.platform;

        // Before observability: production's notification policy waits on its source's Grafana target.
        const history = previousHistory(previous);
        const promotion = config.promotion !== undefined
            ? new Promotion(`${name}-promotion`, { config: config.promotion, project: config.project, stack: config.stack, organization: pulumi.getOrganization(), services: config.services, history }, child)
            : undefined;
        this.observability = this.createObservability(name, identifier, config, side, child, identity, promotion);

        const placement = side.placement;
        if (placement === undefined) {
            // Said once, plainly, in every preview and in the offline plan.
            void pulumi.log.warn("no data layer: an existing cluster (launchpad:cluster.kubeconfig) without launchpad:network.existing gets no database, no backups and no restore drills", this);
        }
        // A raised database major is applied immediately, and only once the identity check passed.
        this.data = placement !== undefined
            ? this.createDataProtection(name, identifier, config, placement, child, pulumi.all([identity, recorded]).apply(([now, was]) => databaseMajorUpgrade(was, now)))
            : undefined;

        const loadtestAccess = this.createLoadtestAccess(name, config, side, child);
        const delivery = this.createDelivery(name, identifier, config, child, loadtestAccess, { previous, history, promotion });
        this.promotion = delivery.promotion;
        this.schema = delivery.schema;
        this.services = delivery.services;

        this.outputs = {
            ...environmentOutputs(config, side, this.data, this.observability),
            [IDENTITY_OUTPUT]: identityOutput(identity),
            ...deliveryOutputs(this.services, config, delivery.history),
            // No service declares a schema now: the record the last update left stays (migrations.ts keptRecord).
            ...(this.schema !== undefined ? this.schema.outputs(this.services) : { [SCHEMA_RECORD_OUTPUT]: previousRecord(previous).record.apply((r) => keptRecord(r, config.services.map((s) => s.name), restorePointTime(runDate()))) }),
        };
        this.registerOutputs(this.outputs);
    }

    /** Metrics backend, exporters and Grafana, reading the cluster this stack deploys to. */
    private createObservability(name: string, identifier: string, config: LaunchpadConfig, side: ClusterSide, child: pulumi.ComponentResourceOptions, identity: pulumi.Output<StackIdentity>, promotion: Promotion | undefined): Observability {
        return new Observability(`${name}-observability`, {
            config: config.observability,
            alerts: alertContext(config),
            identifier,
            region: config.region,
            tags: config.tags,
            namespace: config.cluster.namespace,
            namespaceRef: side.cluster.namespace,
            k8sProvider: side.cluster.provider,
            storageClassName: side.platform?.storageClassName,
            eks: side.scrapeTarget,
            identityChecked: identity,
            ...(promotion !== undefined ? { grafanaPeer: { stack: promotion.sourceStack, target: promotion.sourceGrafanaTarget } } : {}),
        }, child);
    }

    /**
     * Delivery: the stack's own release history (from its state, never its config) and the promotion
     * rule, both read before observability, the schema rule, and one blue/green service per configured service.
     */
    private createDelivery(name: string, identifier: string, config: LaunchpadConfig, child: pulumi.ComponentResourceOptions, loadtestAccess: LoadtestAccess | undefined, read: { previous: pulumi.StackReference; history: pulumi.Output<ReleaseHistory>; promotion: Promotion | undefined }): Delivery {
        const { previous, history, promotion } = read;
        const schema = config.services.some(usesSchema)
            ? new SchemaGuard(`${name}-schema`, {
                stack: config.stack,
                region: config.region,
                tags: config.tags,
                services: config.services,
                restore: config.database.restore,
                safety: config.safety,
                identifier,
                database: this.data?.database,
                previous,
            }, child)
            : undefined;
        const releaseChecked = history.apply((h) => {
            const problems = inPlaceReleaseProblems(config.services, h);
            if (problems.length > 0) {
                throw new ConfigError(config.stack, problems);
            }
            const database = this.data !== undefined ? stackPodDatabase(config) : undefined;
            for (const warning of inPlaceRollWarnings(config.services, h, database)) {
                void pulumi.log.warn(warning, this);
            }
            return true;
        });
        const runner = { file: RUNNER_FILE, source: this.bundled("the smoke runner", bundleRunner) };
        // One database: each service's restore point waits for the services before it (by name; their
        // snapshot and migration), so migrations run one at a time, each after its own restore point.
        const earlier: pulumi.Resource[] = [];
        const services = config.services.map((service) => databaseSteps(earlier, new BlueGreenService(`${name}-${service.name}`, {
            service,
            project: config.project,
            namespace: this.cluster.namespace,
            k8sProvider: this.cluster.provider,
            zoneSpread: config.safety.zoneSpread,
            smokeRunner: runner,
            loadGate: service.performance?.loadGate === true ? {
                runner: this.bundled("the performance runner", bundleLoadtestRunner),
                ...loadGatePrometheus(config, this.observability, loadtestAccess),
                appMetrics: { ...config.observability.metrics },
            } : undefined,
            // The connection Secrets (the application user's for the Deployments, after the grants Job; the
            // master's for the migrations), and what verifies the server: the engine's mode, the partition's CA bundle.
            // Each Secret by its fixed name and through dependsOn, never an input taken from it (components/database-client.ts DatabaseClient).
            database: this.data !== undefined ? databaseClient(this.data, config) : undefined,
            // The gate pushes its verdict and latencies where the blue/green dashboard and alert read them.
            pushgatewayUrl: this.observability.pushgatewayUrl,
            ingressController: this.platform?.loadBalancerController,
            liveColor: schema !== undefined ? schema.liveColor(service, promotion?.liveColor(service)) : promotion?.liveColor(service),
            previousLiveColor: history.apply((h) => liveWhenStarted(h, service.name)?.color),
            releaseChecked,
            schemaChecked: schema?.checked(service),
            migrationInstances: schema?.instances(service),
            restorePoint: after(schema?.restorePoint(service), earlier),
            liveAnnotations: promotion !== undefined ? { [ANNOTATIONS.promotion]: promotion.mark(service) } : undefined,
        }, child)));
        return { history, promotion, schema, services };
    }

    /**
     * A runner's esbuild bundle, which the gate Jobs carry in their ConfigMaps. A bundling failure
     * (a broken checkout, not a config value) is reported against the Environment like every other
     * failure of the program, not as an unhandled exception.
     */
    private bundled(what: string, bundle: () => string): string {
        try {
            return bundle();
        } catch (e) {
            throw new pulumi.ResourceError(`bundling ${what} failed: ${e instanceof Error ? e.message : String(e)}`, this);
        }
    }

    /**
     * With the stack's AMP workspace and a performance suite (staging on Launchpad's EKS): the
     * performance runs' ServiceAccount, whose IRSA role may only query that workspace.
     */
    private createLoadtestAccess(name: string, config: LaunchpadConfig, side: ClusterSide, child: pulumi.ComponentResourceOptions): LoadtestAccess | undefined {
        const workspaceArn = this.observability.ampWorkspaceArn;
        const placement = side.placement;
        if (workspaceArn === undefined || placement === undefined || !config.services.some((s) => s.performance !== undefined)) {
            return undefined;
        }
        return new LoadtestAccess(`${name}-loadtest`, {
            workspaceArn,
            oidcProviderArn: placement.oidcProviderArn,
            oidcIssuerUrl: placement.oidcIssuerUrl,
            namespace: this.cluster.namespace,
            k8sProvider: side.cluster.provider,
            tags: config.tags,
            labels: { [APP_LABELS.component]: "loadtest" },
        }, child);
    }

    /**
     * The stack's identity, with a database, a network and an EKS cluster of its own or without (an existing
     * cluster: its API server instead), checked against the one its previous outputs record
     * (identity-record.ts): refused where the tier says, else warned; resolves to the identity to record.
     */
    private checkIdentity(c: IdentityCheck): pulumi.Output<StackIdentity> {
        // The cluster itself is identity too: another API server replaces every Kubernetes object (identity-record.ts).
        const { scope, server } = c.cluster;
        return checkedIdentity(c.recorded, currentIdentity(c.config, c.identifier, scope), c.config.safety.refuseIdentityChange, c.config.stack, this, server);
    }

    /**
     * The one place the stack asks "our EKS or an existing cluster?" (`ClusterSide` says what each
     * brings). The identity check needs the answer before the AWS provider exists, and the cluster
     * is built after it, so the one branch returns both.
     */
    private clusterKind(name: string, identifier: string, config: LaunchpadConfig): ClusterKind {
        const cluster = config.cluster;
        return cluster.mode === "eks"
            ? { identity: eksClusterIdentity(cluster), build: (child, identity) => this.ownCluster(name, identifier, config, cluster, child, identity) }
            : { identity: existingClusterIdentity(cluster), build: (child, identity) => this.existingCluster(name, config, cluster, child, identity) };
    }

    /** Launchpad's VPC, EKS cluster and platform (controllers, storage, metrics, logs). */
    private ownCluster(name: string, identifier: string, config: LaunchpadConfig, cluster: EksClusterConfig, child: pulumi.ComponentResourceOptions, identity: pulumi.Output<StackIdentity>): ClusterSide {
        const network = new Network(`${name}-network`, {
            config: config.network,
            tags: config.tags,
            flowLogRetentionDays: config.safety.logRetentionDays,
        }, child);
        const eks = new EksCluster(`${name}-cluster`, {
            config: cluster,
            nodeGroup: config.nodeGroup,
            clusterName: identifier,
            region: config.region,
            safety: config.safety,
            tags: config.tags,
            privateSubnetIds: network.privateSubnetIds,
            zoneSubnetIds: network.privateSubnetIdsByZone,
            namespaceChecked: identity,
            networkPolicies: eksNetworkPolicyInputs({ network: config.network, services: config.services, backend: config.observability.backend }),
        }, child);
        // EKS gets what its objects need from the cluster (controllers, storage, metrics, logs).
        const platform = new Platform(`${name}-platform`, {
            clusterName: identifier,
            kubernetesVersion: cluster.version,
            region: config.region,
            vpcId: network.vpcId,
            oidcProviderArn: eks.oidcProviderArn,
            oidcIssuerUrl: eks.oidcIssuerUrl,
            k8sProvider: eks.provider,
            nodeGroups: eks.nodeGroups,
            maxNodes: config.nodeGroup.maxSize + UPDATE_SURGE_NODES_PER_ZONE * config.nodeGroup.zones,
            logNamespaces: [cluster.namespace, PLATFORM_NAMESPACE],
            logRetentionDays: config.safety.logRetentionDays,
            tags: config.tags,
        }, child);
        return {
            network,
            cluster: eks,
            platform,
            scrapeTarget: { clusterArn: eks.clusterArn, subnetIds: pulumi.all(scraperSubnets(network.privateSubnetIdsByZone)), securityGroupIds: [eks.clusterSecurityGroupId] },
            placement: {
                vpcId: network.vpcId,
                privateSubnetIds: network.privateSubnetIds,
                // EKS puts its cluster security group on every node and so on every pod's traffic.
                clientSecurityGroupId: eks.clusterSecurityGroupId,
                oidcProviderArn: eks.oidcProviderArn,
                oidcIssuerUrl: eks.oidcIssuerUrl,
            },
            outputs: {
                vpcId: network.vpcId,
                availabilityZones: network.availabilityZones,
                publicSubnetIds: network.publicSubnetIds,
                privateSubnetIds: network.privateSubnetIds,
                natPublicIps: network.natPublicIps,
                clusterName: eks.clusterName,
                clusterEndpoint: eks.endpoint,
                oidcProviderArn: eks.oidcProviderArn,
            },
        };
    }

    /** A team's existing cluster: no VPC, no platform; the data layer only where `network.existing` says where. */
    private existingCluster(name: string, config: LaunchpadConfig, cluster: ExistingClusterConfig, child: pulumi.ComponentResourceOptions, identity: pulumi.Output<StackIdentity>): ClusterSide {
        const placement = existingPlacement(cluster);
        // Only where the cluster says it enforces them: a policy it ignores is false comfort.
        const declared = cluster.provides.networkPolicy;
        const networkPolicies = declared !== undefined ? existingNetworkPolicyInputs({ declared, services: config.services }) : undefined;
        const existing = new ExistingCluster(`${name}-cluster`, { config: cluster, namespaceChecked: identity, networkPolicies }, child);
        return { network: undefined, cluster: existing, platform: undefined, scrapeTarget: undefined, placement, outputs: {} };
    }

    /** Database, backup storage, AWS Backup with restore drills, and the logical dump and verify jobs. */
    private createDataProtection(name: string, identifier: string, config: LaunchpadConfig, placement: DataPlacement, child: pulumi.ComponentResourceOptions, majorUpgrade: pulumi.Output<boolean>): DataProtection {
        const { cluster } = this;
        const common = { safety: config.safety, tags: config.tags, region: config.region, drRegion: config.drRegion };
        // One name for the plan and the database's tag, so the plan's selection cannot miss it.
        const planName = backupPlanName(config.identifier);
        const database = new Database(`${name}-database`, {
            ...common,
            config: config.database,
            identifier,
            backupPlanName: planName,
            vpcId: placement.vpcId,
            privateSubnetIds: placement.privateSubnetIds,
            clientSecurityGroupIds: [placement.clientSecurityGroupId],
            k8sProvider: cluster.provider,
            namespace: cluster.namespace,
            majorUpgrade,
        }, child);
        const plan = new BackupPlan(`${name}-backup-plan`, {
            ...common,
            planName,
            weeklyDay: config.backup.weeklyDay,
            // The drill restores where the drill check (logical backup's `restoreDrill`) reaches it: the database's subnets and security group.
            restoreMetadataOverrides: rdsRestoreMetadataOverrides({
                subnetGroupName: database.subnetGroupName,
                securityGroupIds: [database.securityGroupId],
            }),
            drRestoreDrill: { dbInstanceArn: database.arn },
        }, child);
        const storage = new BackupStorage(`${name}-backup-storage`, { ...common, backup: config.backup, bucketPrefix: identifier }, child);
        const logicalBackup = new LogicalBackup(`${name}-logical-backup`, {
            ...logicalBackupSettings(config),
            bucketName: storage.bucketName,
            bucketArn: storage.bucketArn,
            bucketKmsKeyArn: storage.kmsKeyArn,
            connectionSecretName: database.connectionSecretName,
            namespace: cluster.namespace,
            k8sProvider: cluster.provider,
            oidcProviderArn: placement.oidcProviderArn,
            oidcIssuerUrl: placement.oidcIssuerUrl,
            pushgatewayUrl: this.observability.pushgatewayUrl,
            recoveryMetrics: {
                dbInstanceIdentifier: database.instanceIdentifier,
                dbInstanceArn: database.arn,
                restoreTestingPlanArn: plan.restoreTestingPlanArn,
                dr: database.drReplicationArn !== undefined ? { region: config.drRegion, backupsArn: database.drReplicationArn } : undefined,
                drDrill: plan.drRestoreTestingPlanArn !== undefined ? { region: config.drRegion, restoreTestingPlanArn: plan.drRestoreTestingPlanArn } : undefined,
            },
            restoreDrill: { restoreTestingPlanArn: plan.restoreTestingPlanArn },
        }, child);
        // Connects as the master user to create the application's; the services wait for it.
        const grants = new DatabaseGrants(`${name}-database-grants`, {
            engine: config.database.engine,
            engineVersion: config.database.engineVersion,
            caBundleUrl: config.database.caBundleUrl,
            adminSecret: { name: CONNECTION_SECRET_NAME, resource: database.connectionSecret },
            appSecret: { name: APP_CONNECTION_SECRET_NAME, resource: database.appConnectionSecret },
            appConnectionDigest: database.appConnectionDigest,
            namespace: cluster.namespace,
            k8sProvider: cluster.provider,
        }, child);
        return { database, grants, storage, plan, logicalBackup };
    }
}

/** What a service's pods get of the data layer: both users' Secrets by name, the grants Job, the TLS settings. */
export function databaseClient(data: Pick<DataProtection, "database" | "grants">, config: Pick<LaunchpadConfig, "database">): DatabaseClient {
    return {
        secretName: APP_CONNECTION_SECRET_NAME,
        secret: data.database.appConnectionSecret,
        adminSecretName: CONNECTION_SECRET_NAME,
        adminSecret: data.database.connectionSecret,
        grants: data.grants.job,
        username: config.database.appUsername,
        connectionDigest: data.database.appConnectionDigest,
        engine: config.database.engine,
        caBundleUrl: config.database.caBundleUrl,
    };
}

/** Where the data layer goes: Launchpad's VPC and EKS, or the existing cluster's declared VPC. */
export interface DataPlacement {
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The security group on the pods' traffic, admitted to the database. */
    readonly clientSecurityGroupId: pulumi.Input<string>;
    /** The cluster's IAM OIDC provider, for the dump jobs' service-account roles. */
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuerUrl: pulumi.Input<string>;
}

/** A restore point that waits for `earlier` as it is now (a copy: later services are not its concern). */
function after(rp: RestorePointArgs | undefined, earlier: readonly pulumi.Resource[]): RestorePointArgs | undefined {
    return rp !== undefined ? { ...rp, after: [...earlier] } : undefined;
}

/** Adds a service's restore points and migration Jobs to `earlier`, for the services after it. */
function databaseSteps(earlier: pulumi.Resource[], service: BlueGreenService): BlueGreenService {
    earlier.push(...COLORS.flatMap((c) => [service.restorePoints[c], service.migrationJobs[c]].filter((r) => r !== undefined)));
    return service;
}

/** An existing cluster's data-layer placement (`network.existing`), or undefined when it declares none. */
export function existingPlacement(cluster: ExistingClusterConfig): DataPlacement | undefined {
    const net = cluster.network;
    return net === undefined ? undefined : {
        vpcId: net.vpcId,
        privateSubnetIds: [...net.privateSubnetIds],
        clientSecurityGroupId: net.nodeSecurityGroupId,
        oidcProviderArn: net.oidcProviderArn,
        oidcIssuerUrl: oidcIssuerFromProviderArn(net.oidcProviderArn),
    };
}

/** `arn:aws:iam::<account>:oidc-provider/<host/path>` to the issuer URL `https://<host/path>` (the IAM ARN format). */
export function oidcIssuerFromProviderArn(arn: string): string {
    return `https://${arn.slice(arn.indexOf(":oidc-provider/") + ":oidc-provider/".length)}`;
}

/**
 * Per service: the live Service and color, the releases whose gate passed, which production's
 * promotion rule reads from staging through a StackReference, and the stack's release history.
 */
export function deliveryOutputs(services: readonly BlueGreenService[], config: LaunchpadConfig, history: pulumi.Input<ReleaseHistory> = {}): Record<string, pulumi.Input<unknown>> {
    const names = config.services.map((s) => s.name);
    // Resolves once every live Service's update completed: a failed switch records nothing.
    const live = pulumi.all(services.map((s) => pulumi.all([s.liveServiceName, s.liveColor, s.rolledOut.blue, s.rolledOut.green, s.rolledOutPod.blue, s.rolledOutPod.green]))).apply((rows) =>
        rows.map(([, color, blue, green, bluePod, greenPod], i) => {
            const svc = config.services[i];
            const rolledOut = (color === "blue" ? blue : green)?.releaseId;
            // The pod template the live Deployment was applied with (its state), not config's: a
            // targeted update (a rollback) leaves it as it was, and the next update's warning compares with it.
            const pod = color === "blue" ? bluePod : greenPod;
            return { service: svc.name, color, image: svc.releases[color].image, releaseId: releaseId(svc, color), envHash: envHash(svc, color), envDigest: envDigestKind(svc), ...(pod !== undefined ? { pod } : {}), ...(rolledOut !== undefined ? { rolledOut } : {}) };
        }));
    return {
        [RELEASE_HISTORY_OUTPUT]: historyOutput(pulumi.all([history, live]).apply(([previous, now]) => nextHistory(previous, now, runDate().toISOString(), config.releaseHistoryLength)), config.services),
        [LIVE_SERVICES_OUTPUT]: pulumi.all(services.map((s) => pulumi.all([s.liveServiceName, s.liveColor]))).apply((rows) =>
            Object.fromEntries(rows.map(([svc, color], i) => [names[i], { service: svc, color }]))),
        [VERIFIED_RELEASES_OUTPUT]: pulumi.all(services.map((s) => s.verifiedReleases)).apply((rows) =>
            Object.fromEntries(rows.map((releases, i) => [names[i], releases]))),
    };
}

/** The stack outputs: what a user or another stack needs to reach this environment. */
export function environmentOutputs(config: LaunchpadConfig, side: Pick<ClusterSide, "cluster" | "outputs">, data?: DataProtection, observability?: Observability): Record<string, pulumi.Input<unknown>> {
    const outputs: Record<string, pulumi.Input<unknown>> = {
        tier: config.tier,
        region: config.region,
        drRegion: config.drRegion,
        namespace: side.cluster.namespace,
        kubeconfig: side.cluster.kubeconfig,
        ...side.outputs,
    };
    if (data !== undefined) {
        Object.assign(outputs, {
            databaseIdentifier: data.database.instanceIdentifier,
            databaseEndpoint: data.database.endpoint,
            databaseConnectionSecret: CONNECTION_SECRET_NAME,
            databaseAppConnectionSecret: APP_CONNECTION_SECRET_NAME,
            backupBucket: data.storage.bucketName,
            backupReplicaBucket: data.storage.replicaBucketName,
            backupVault: data.plan.vaultName,
            backupDrVault: data.plan.drVaultName,
            restoreTestingPlan: data.plan.restoreTestingPlanName,
            dumpCronJob: data.logicalBackup.dumpCronJobName,
            verifyCronJob: data.logicalBackup.verifyCronJobName,
        });
    }
    if (observability !== undefined) {
        Object.assign(outputs, {
            pushgatewayUrl: observability.pushgatewayUrl,
            ...(observability.prometheusQueryUrl !== undefined ? { prometheusQueryUrl: observability.prometheusQueryUrl } : {}),
            ...(observability.ampWorkspaceArn !== undefined ? { ampWorkspaceArn: observability.ampWorkspaceArn } : {}),
            ...(observability.grafanaFolderUid !== undefined ? { grafanaFolderUid: observability.grafanaFolderUid } : {}),
            // What production's Observability compares its own with (observability/grafana-target.ts).
            ...(observability.grafanaTarget !== undefined ? { [GRAFANA_TARGET_OUTPUT]: observability.grafanaTarget } : {}),
        });
    }
    return outputs;
}

/**
 * The load gate's Prometheus: `observability.prometheusUrl` as it is, or the stack's AMP workspace,
 * signed in the stack's region by the performance runs' IRSA account; none without either.
 */
export function loadGatePrometheus(config: LaunchpadConfig, observability: Pick<Observability, "scrapedQueryUrl">, access: Pick<LoadtestAccess, "serviceAccountName" | "ready"> | undefined): Pick<LoadGateArgs, "prometheus" | "access"> {
    if (config.observability.backend.kind === "prometheus") {
        return { prometheus: { url: config.observability.backend.url } };
    }
    // Once the stack's scraper is active: before, the workspace holds no series of the color's pods.
    const url = observability.scrapedQueryUrl;
    return url !== undefined && access !== undefined
        ? { prometheus: { url, sigV4Region: config.region }, access: { serviceAccountName: access.serviceAccountName, ready: access.ready } }
        : {};
}
