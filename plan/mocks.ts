/**
 * Realistic, deterministic mock state for the offline plan.
 *
 * Ids, ARNs, endpoints and auto-names look like the real ones (and are stable across runs, derived
 * from a hash of the resource's type and name), so code that reads outputs (kubeconfig building,
 * policy documents, OIDC URLs) runs for real. An invoke without a mock fails loudly.
 */
import { createHash } from "node:crypto";
import { partition as awsPartitionOf } from "@aws-sdk/core/client";
import * as pulumi from "@pulumi/pulumi";

/** AWS's own documentation account id. */
export const ACCOUNT_ID = "123456789012";

type State = Record<string, unknown>;

/** What a restored instance reports as its master user and database offline: the source's, unknown here. */
export const RESTORED_SOURCE_USERNAME = "source_master_user";
export const RESTORED_SOURCE_DB_NAME = "source_database";

/** An input as text, or the fallback when the input is absent or not a string. */
function text(value: unknown, fallback: string): string {
    return typeof value === "string" ? value : fallback;
}

function hex(seed: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++) {
        out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
    }
    return out.slice(0, length);
}

function uuid(seed: string): string {
    const h = hex(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What the provider's auto-naming would produce: the logical name plus a random-looking suffix. */
function autoName(name: string, seed: string): string {
    return `${name}-${hex(seed, 7)}`;
}

function publicIp(seed: string): string {
    const h = hex(seed, 6);
    return `52.${parseInt(h.slice(0, 2), 16)}.${parseInt(h.slice(2, 4), 16)}.${Math.max(1, parseInt(h.slice(4, 6), 16))}`;
}

/** `aws:ec2/vpc:Vpc` -> `ec2`. */
function awsService(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "unknown";
}

interface Ctx {
    readonly type: string;
    readonly name: string;
    readonly inputs: State;
    readonly region: string;
    readonly seed: string;
    /** The Grafana organization the stack's last up recorded (its `grafanaTarget` output), when known. */
    readonly grafanaOrgId?: string;
}

type Builder = (c: Ctx) => { id: string; state: State };

// ARNs in the region's partition, as AWS returns them: a GovCloud plan's ids read arn:aws-us-gov:..., so
// a test can tell an ARN the program spelt with a fixed `arn:aws:` from one the provider returned.
const arnPartition = (region: string): string => awsPartitionOf(region).name;
const arn = (c: Ctx, service: string, resource: string): string => `arn:${arnPartition(c.region)}:${service}:${c.region}:${ACCOUNT_ID}:${resource}`;
const iamArn = (c: Ctx, resource: string): string => `arn:${arnPartition(c.region)}:iam::${ACCOUNT_ID}:${resource}`;
const ec2Id = (prefix: string) => (c: Ctx) => {
    const id = `${prefix}-${hex(c.seed, 17)}`;
    return { id, state: { arn: arn(c, "ec2", `${prefix === "vpc" ? "vpc" : prefix}/${id}`) } };
};

/** An S3 bucket sub-resource (versioning, policy, ...): the provider's id is the bucket's name. */
const s3BucketSetting: Builder = (c) => ({ id: String(c.inputs.bucket), state: {} });

const AWS_BUILDERS: Record<string, Builder> = {
    "aws:ec2/vpc:Vpc": (c) => {
        const { id, state } = ec2Id("vpc")(c);
        return {
            id,
            state: {
                ...state,
                defaultSecurityGroupId: `sg-${hex(`${c.seed}sg`, 17)}`,
                mainRouteTableId: `rtb-${hex(`${c.seed}rtb`, 17)}`,
                defaultNetworkAclId: `acl-${hex(`${c.seed}acl`, 17)}`,
                ownerId: ACCOUNT_ID,
            },
        };
    },
    "aws:ec2/subnet:Subnet": (c) => {
        const { id, state } = ec2Id("subnet")(c);
        const az = text(c.inputs.availabilityZone, `${c.region}a`);
        return { id, state: { ...state, availabilityZoneId: mockZoneId(c.region, az.charCodeAt(az.length - 1) - 97), ownerId: ACCOUNT_ID } };
    },
    "aws:ec2/internetGateway:InternetGateway": ec2Id("igw"),
    "aws:ec2/routeTable:RouteTable": ec2Id("rtb"),
    "aws:ec2/natGateway:NatGateway": (c) => ({ id: `nat-${hex(c.seed, 17)}`, state: { privateIp: "10.0.224.10", networkInterfaceId: `eni-${hex(c.seed, 17)}` } }),
    "aws:ec2/eip:Eip": (c) => {
        const id = `eipalloc-${hex(c.seed, 17)}`;
        return { id, state: { allocationId: id, publicIp: publicIp(c.seed), arn: arn(c, "ec2", `elastic-ip/${id}`) } };
    },
    "aws:ec2/route:Route": (c) => ({ id: `r-${String(c.inputs.routeTableId)}1080289494`, state: { origin: "CreateRoute", state: "active" } }),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (c) => ({ id: `rtbassoc-${hex(c.seed, 17)}`, state: {} }),
    "aws:ec2/flowLog:FlowLog": ec2Id("fl"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ec2Id("sg"),
    "aws:ec2/securityGroup:SecurityGroup": (c) => {
        const { id, state } = ec2Id("sg")(c);
        return { id, state: { ...state, name: text(c.inputs.name, autoName(c.name, c.seed)) } };
    },
    "aws:ec2/launchTemplate:LaunchTemplate": (c) => {
        const id = `lt-${hex(c.seed, 17)}`;
        return { id, state: { arn: arn(c, "ec2", `launch-template/${id}`), latestVersion: 1, defaultVersion: 1, name: text(c.inputs.name, autoName(c.name, c.seed)) } };
    },
    "aws:cloudwatch/logGroup:LogGroup": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { name, arn: arn(c, "logs", `log-group:${name}`) } };
    },
    "aws:iam/role:Role": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { name, arn: iamArn(c, `role/${name}`), uniqueId: `AROA${hex(c.seed, 17).toUpperCase()}`, createDate: "2026-01-01T00:00:00Z" } };
    },
    "aws:iam/rolePolicy:RolePolicy": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: `${String(c.inputs.role)}:${name}`, state: { name } };
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (c) => ({ id: `${String(c.inputs.role)}-${hex(c.seed, 20)}`, state: {} }),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (c) => {
        const url = text(c.inputs.url, "").replace(/^https:\/\//, "");
        return { id: iamArn(c, `oidc-provider/${url}`), state: { arn: iamArn(c, `oidc-provider/${url}`), thumbprintLists: [hex(c.seed, 40)] } };
    },
    "aws:kms/key:Key": (c) => {
        const keyId = uuid(c.seed);
        return { id: keyId, state: { keyId, arn: arn(c, "kms", `key/${keyId}`) } };
    },
    "aws:kms/alias:Alias": (c) => ({ id: String(c.inputs.name), state: { arn: arn(c, "kms", String(c.inputs.name)), targetKeyArn: arn(c, "kms", `key/${String(c.inputs.targetKeyId)}`) } }),
    // S3: the bucket's id is its name (given, or `bucketPrefix` plus 26 characters, as the provider does).
    "aws:s3/bucket:Bucket": (c) => {
        const name = text(c.inputs.bucket, typeof c.inputs.bucketPrefix === "string" ? `${c.inputs.bucketPrefix}${hex(c.seed, 26)}` : autoName(c.name, c.seed));
        return {
            id: name,
            state: {
                bucket: name,
                arn: `arn:${arnPartition(c.region)}:s3:::${name}`,
                region: c.region,
                bucketDomainName: `${name}.s3.amazonaws.com`,
                bucketRegionalDomainName: `${name}.s3.${c.region}.amazonaws.com`,
                hostedZoneId: "Z3AQBSTGFYJSTF",
            },
        };
    },
    "aws:s3/bucketVersioning:BucketVersioning": s3BucketSetting,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": s3BucketSetting,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3BucketSetting,
    "aws:s3/bucketPolicy:BucketPolicy": s3BucketSetting,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": s3BucketSetting,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": s3BucketSetting,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": s3BucketSetting,
    "aws:s3/bucketLogging:BucketLogging": s3BucketSetting,
    // AWS Backup: vaults and restore testing plans are named, plans get a UUID.
    "aws:backup/vault:Vault": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { name, arn: arn(c, "backup", `backup-vault:${name}`), recoveryPoints: 0 } };
    },
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": (c) => {
        const name = String(c.inputs.backupVaultName);
        return { id: name, state: { backupVaultArn: arn(c, "backup", `backup-vault:${name}`) } };
    },
    "aws:backup/plan:Plan": (c) => {
        const id = uuid(c.seed);
        return { id, state: { name: text(c.inputs.name, autoName(c.name, c.seed)), arn: arn(c, "backup", `backup-plan:${id}`), version: hex(c.seed, 40) } };
    },
    "aws:backup/selection:Selection": (c) => ({ id: uuid(c.seed), state: { name: text(c.inputs.name, autoName(c.name, c.seed)) } }),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed).replace(/-/g, "_"));
        return { id: name, state: { name, arn: arn(c, "backup", `restore-testing-plan:${name}-${hex(c.seed, 6)}`) } };
    },
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed).replace(/-/g, "_"));
        return { id: `${name}:${String(c.inputs.restoreTestingPlanName)}`, state: { name } };
    },
    // Amazon Managed Service for Prometheus: workspace ids are `ws-<uuid>`, scrapers `s-<uuid>`; a
    // scraper's role is the service-linked role AMP creates for it (under the aws-service-role path).
    "aws:amp/workspace:Workspace": (c) => {
        const id = `ws-${uuid(c.seed)}`;
        return { id, state: { arn: arn(c, "aps", `workspace/${id}`), prometheusEndpoint: `https://aps-workspaces.${c.region}.amazonaws.com/workspaces/${id}/` } };
    },
    "aws:amp/scraper:Scraper": (c) => {
        const id = `s-${uuid(c.seed)}`;
        return { id, state: { arn: arn(c, "aps", `scraper/${id}`), roleArn: iamArn(c, `role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_${hex(c.seed, 14)}`) } };
    },
    "aws:eks/cluster:Cluster": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        const endpointId = hex(c.seed, 32).toUpperCase();
        const vpcConfig = (c.inputs.vpcConfig ?? {}) as State;
        return {
            id: name,
            state: {
                name,
                arn: arn(c, "eks", `cluster/${name}`),
                endpoint: `https://${endpointId}.gr7.${c.region}.eks.amazonaws.com`,
                certificateAuthority: { data: Buffer.from(`-----BEGIN CERTIFICATE-----\nMOCK${endpointId}\n-----END CERTIFICATE-----\n`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${c.region}.amazonaws.com/id/${hex(`${c.seed}oidc`, 32).toUpperCase()}` }] }],
                vpcConfig: { ...vpcConfig, clusterSecurityGroupId: `sg-${hex(`${c.seed}csg`, 17)}`, vpcId: `vpc-${hex(`${c.seed}vpc`, 17)}` },
                platformVersion: "eks.1",
                status: "ACTIVE",
                clusterId: uuid(c.seed),
            },
        };
    },
    "aws:eks/nodeGroup:NodeGroup": (c) => {
        const nodeGroupName = text(c.inputs.nodeGroupName, autoName(c.name, c.seed));
        const clusterName = String(c.inputs.clusterName);
        return {
            id: `${clusterName}:${nodeGroupName}`,
            state: { nodeGroupName, arn: arn(c, "eks", `nodegroup/${clusterName}/${nodeGroupName}/${uuid(c.seed)}`), status: "ACTIVE" },
        };
    },
    "aws:rds/instance:Instance": (c) => {
        const identifier = text(c.inputs.identifier, typeof c.inputs.identifierPrefix === "string" ? `${c.inputs.identifierPrefix}${hex(c.seed, 26)}` : autoName(c.name, c.seed));
        const engine = text(c.inputs.engine, "mysql");
        const port = typeof c.inputs.port === "number" ? c.inputs.port : engine.startsWith("postgres") ? 5432 : 3306;
        // The Terraform provider's id is the DbiResourceId; the endpoint host carries a per-account-and-region label.
        const resourceId = `db-${hex(c.seed, 26).toUpperCase()}`;
        const address = `${identifier}.c${hex(`${c.seed}host`, 11)}.${c.region}.rds.amazonaws.com`;
        // A restore sends no username or dbName (the source's are kept), and the provider reads back
        // what RDS reports, DescribeDBInstances' MasterUsername and DBName (hashicorp/terraform-provider-aws
        // internal/service/rds/instance.go, stored commit 00e4b238, resourceInstanceRead: d.Set("username",
        // v.MasterUsername), d.Set("name", v.DBName); both Optional and Computed). Offline the source's are
        // unknown: stand-ins, so the connection Secret has every key a real restore gives it.
        const restored = c.inputs.snapshotIdentifier !== undefined || c.inputs.restoreToPointInTime !== undefined;
        return {
            id: resourceId,
            state: {
                ...(restored ? { username: text(c.inputs.username, RESTORED_SOURCE_USERNAME), dbName: text(c.inputs.dbName, RESTORED_SOURCE_DB_NAME) } : {}),
                identifier,
                resourceId,
                arn: arn(c, "rds", `db:${identifier}`),
                address,
                endpoint: `${address}:${port}`,
                port,
                engine,
                hostedZoneId: "Z2R2ITUGPM61AM",
                caCertIdentifier: "rds-ca-rsa2048-g1",
                status: "available",
                latestRestorableTime: "2026-01-01T00:00:00Z",
                listenerEndpoints: [],
                masterUserSecrets: [],
            },
        };
    },
    "aws:rds/parameterGroup:ParameterGroup": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { name, arn: arn(c, "rds", `pg:${name}`) } };
    },
    "aws:rds/subnetGroup:SubnetGroup": (c) => {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { name, arn: arn(c, "rds", `subgrp:${name}`), supportedNetworkTypes: ["IPV4"] } };
    },
    // Created in the destination region (its `region` input); the id is the replicated automated backup's ARN.
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (c) => ({
        id: arn(c, "rds", `auto-backup:ab-${hex(c.seed, 38)}`),
        state: {},
    }),
};

const PASSWORD_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `@pulumi/random` resources: deterministic values of the requested shape. */
const RANDOM_BUILDERS: Record<string, Builder> = {
    "random:index/randomPassword:RandomPassword": (c) => {
        const length = typeof c.inputs.length === "number" ? c.inputs.length : 16;
        const special = c.inputs.special === false ? "" : text(c.inputs.overrideSpecial, "!@#$%&*()-_=+[]{}<>:?");
        const alphabet = PASSWORD_ALPHABET + special;
        const bytes = Buffer.from(hex(c.seed, length * 2), "hex");
        const result = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
        return { id: "none", state: { result, bcryptHash: `$2a$10$${hex(`${c.seed}bcrypt`, 53)}` } };
    },
    "random:index/randomId:RandomId": (c) => {
        const byteLength = typeof c.inputs.byteLength === "number" ? c.inputs.byteLength : 8;
        const bytes = Buffer.from(hex(c.seed, byteLength * 2), "hex");
        const b64Url = bytes.toString("base64url");
        return { id: b64Url, state: { hex: bytes.toString("hex"), b64Url, b64Std: bytes.toString("base64"), dec: BigInt(`0x${bytes.toString("hex")}`).toString() } };
    },
};

/**
 * Grafana resources whose state Grafana fills in. A data source's `orgId` is read back from Grafana
 * after the create (terraform-provider-grafana resource_data_source.go `datasourceToState`): the
 * organization the token acts in. The stack's state holds the one its last up recorded, which its
 * previous outputs carry (`grafanaTarget`, as `npm run plan -- --previous-outputs` and the
 * rollback's and promote's policy pre-check give them); without them, the default one, "the default
 * organization (id 1)" (grafana/grafana conf/sample.ini, `auto_assign_org`), as in a Grafana with
 * one organization. Its id keeps the fallback's form.
 */
const GRAFANA_BUILDERS: Record<string, Builder> = {
    "grafana:oss/dataSource:DataSource": (c) => ({ ...fallback(c), state: { orgId: text(c.inputs.orgId, c.grafanaOrgId ?? "1") } }),
};

/** Outputs the real SDK marks secret (`additionalSecretOutputs`); the mock keeps them secret in state too. */
const SECRET_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
    "aws:rds/instance:Instance": ["password"],
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
    "kubernetes:core/v1:Secret": ["data", "stringData"],
};

function withSecretOutputs(type: string, state: State): State {
    const out: State = { ...state };
    for (const key of SECRET_OUTPUTS[type] ?? []) {
        if (out[key] !== undefined) {
            out[key] = pulumi.secret(out[key]);
        }
    }
    return out;
}

/** A mock for a resource type with no builder: a stable id, and an ARN for AWS types. */
function fallback(c: Ctx): { id: string; state: State } {
    if (c.type.startsWith("aws:")) {
        const name = text(c.inputs.name, autoName(c.name, c.seed));
        return { id: name, state: { arn: arn(c, awsService(c.type), `${c.type.split(":")[2]?.toLowerCase()}/${name}`) } };
    }
    return { id: `${c.name}-${hex(c.seed, 8)}`, state: {} };
}

/**
 * The inputs a Kubernetes object's mocked answer echoes. A CRD Patch's answer leaves out its
 * `spec` (the load balancer controller's seven CRDs, 4,300 lines of schema): nothing reads a CRD's
 * outputs (the controller's release only depends on them), and echoing it through the SDK's RPC
 * serialization cost about 40 ms of every plan's CPU. The plan's inputs keep it whole.
 */
function answeredInputs(type: string, inputs: State): State {
    if (type !== "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch") {
        return inputs;
    }
    return Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== "spec"));
}

function kubernetesState(c: Ctx): { id: string; state: State } {
    const metadata = { ...((c.inputs.metadata ?? {}) as State) };
    metadata.name ??= `${c.name}-${hex(c.seed, 8)}`;
    metadata.uid = uuid(c.seed);
    const ns = metadata.namespace as string | undefined;
    const state: State = { metadata };
    if (c.type === "kubernetes:batch/v1:Job") {
        // pulumi-kubernetes returns a Job only once it completed (it fails the update otherwise).
        state.status = { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] };
    }
    return { id: ns !== undefined ? `${ns}/${String(metadata.name)}` : String(metadata.name), state };
}

/**
 * The zone ID of the mock account's `index`-th zone of `region` (`<region>a` is index 0): `use1-az1` for
 * us-east-1a. One mapping for the zone query and the subnets' state, so a subnet's zone ID is the one
 * the query named for its zone (us-east-1c is use1-az3, a zone EKS refuses: components/network.ts).
 */
function mockZoneId(region: string, index: number): string {
    const prefix = region.split("-").map((p, i) => (i === 1 ? p.slice(0, 1) : p)).join("").slice(0, 4);
    return `${prefix}-az${index + 1}`;
}

/** The invokes the program may call. Anything else is a mistake in the program or in this file. */
function callResult(token: string, inputs: State, region: string): State {
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const letters = ["a", "b", "c", "d", "e", "f"];
            // As the provider answers: zones named in excludeNames or excludeZoneIds are dropped
            // (terraform-provider-aws internal/service/ec2/ec2_availability_zones_data_source.go).
            const excluded = (list: unknown): readonly unknown[] => (Array.isArray(list) ? list : []);
            const zones = letters
                .map((l, i) => ({ name: `${region}${l}`, zoneId: mockZoneId(region, i) }))
                .filter((z) => !excluded(inputs.excludeNames).includes(z.name) && !excluded(inputs.excludeZoneIds).includes(z.zoneId));
            return {
                id: region,
                names: zones.map((z) => z.name),
                zoneIds: zones.map((z) => z.zoneId),
                groupNames: [region],
            };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:${arnPartition(region)}:sts::${ACCOUNT_ID}:assumed-role/launchpad-plan/offline`, userId: "AROAOFFLINEPLAN:offline" };
        case "aws:index/getRegion:getRegion":
            return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
        case "aws:eks/getAddonVersion:getAddonVersion":
            // The real answer is EKS's default version of the add-on for that Kubernetes minor: unknown offline, so named as such.
            return { id: String(inputs.addonName), addonName: inputs.addonName, kubernetesVersion: inputs.kubernetesVersion, version: `${UNRESOLVED_ADDON_VERSION_PREFIX}${String(inputs.kubernetesVersion)}` };
        case "aws:index/getPartition:getPartition": {
            // The partition of the provider's region, as AWS answers it (the AWS SDK's partitions table): a GovCloud plan names aws-us-gov.
            const { name, dnsSuffix } = awsPartitionOf(region);
            return { id: name, partition: name, dnsSuffix, reverseDnsPrefix: dnsSuffix.split(".").reverse().join(".") };
        }
        default:
            throw new Error(`Mock not implemented: ${token} (inputs: ${JSON.stringify(inputs)})`);
    }
}

/**
 * What the offline plan answers for EKS's default add-on version (aws:eks/getAddonVersion, asked for
 * an add-on with no verified pin): `eks-default-for-<minor>`. The real version is read from EKS at
 * deploy time, so the plan names it as such (plan/render.ts).
 */
const UNRESOLVED_ADDON_VERSION_PREFIX = "eks-default-for-";

/** The Kubernetes minor of an add-on version the offline plan could not resolve, or undefined for a real version. */
export function unresolvedAddonMinor(version: string): string | undefined {
    return version.startsWith(UNRESOLVED_ADDON_VERSION_PREFIX) ? version.slice(UNRESOLVED_ADDON_VERSION_PREFIX.length) : undefined;
}

/** Outputs of a stack a StackReference names (`org/project/stack`), or undefined when unknown. */
export type StackOutputsLookup = (name: string) => Record<string, unknown> | undefined;

/**
 * The state a resource outside a targeted update (`pulumi up --target`) keeps, by type and name, or
 * undefined for one the update touches.
 */
export type RecordedStateLookup = (type: string, name: string) => Record<string, unknown> | undefined;

/** The error a resource's create fails with (its provider's), by type and name; undefined for one that succeeds. */
export type FailedCreateLookup = (type: string, name: string) => string | undefined;

/** Mocks for `pulumi.runtime.setMocks`, tracking each AWS provider's region. */
export class PlanMocks implements pulumi.runtime.Mocks {
    private readonly providerRegions = new Map<string, string>();

    constructor(private readonly defaultRegion: string, private readonly stackOutputs: StackOutputsLookup = () => undefined, private readonly untargeted: RecordedStateLookup = () => undefined, private readonly failedCreates: FailedCreateLookup = () => undefined, private readonly grafanaOrgId: string | undefined = undefined) {}

    private regionOf(providerRef: string | undefined, inputs: State): string {
        if (typeof inputs.region === "string") {
            return inputs.region;
        }
        // A provider reference is `<urn>::<id>`; ids are unique, so they key the map.
        const id = providerRef?.split("::").pop();
        return (id !== undefined ? this.providerRegions.get(id) : undefined) ?? this.defaultRegion;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
        const inputs = args.inputs as State;
        const region = this.regionOf(args.provider, inputs);
        const c: Ctx = { type: args.type, name: args.name, inputs, region, seed: `${args.type}::${args.name}`, ...(this.grafanaOrgId !== undefined ? { grafanaOrgId: this.grafanaOrgId } : {}) };
        if (args.type.startsWith("pulumi:providers:")) {
            const id = uuid(c.seed);
            if (args.type === "pulumi:providers:aws" && typeof inputs.region === "string") {
                this.providerRegions.set(id, inputs.region);
            }
            return { id, state: inputs };
        }
        if (args.type === "pulumi:pulumi:StackReference") {
            const name = String(inputs.name);
            const outputs = this.stackOutputs(name);
            if (outputs === undefined) {
                throw new Error(`Mock not implemented: StackReference ${name} (the offline plan answers references to this project's own stacks only)`);
            }
            return { id: name, state: { name, outputs, secretOutputNames: [] } };
        }
        // Outside a targeted update's targets the engine hands the program the state the resource
        // recorded, whatever it declares now (pulumi/pulumi pkg/resource/deploy/step_generator.go:
        // an untargeted resource gets `NewUntargetedSameStep` with its old state).
        const kept = this.untargeted(args.type, args.name);
        if (kept !== undefined) {
            return { id: typeof kept.id === "string" ? kept.id : args.name, state: kept };
        }
        const failure = this.failedCreates(args.type, args.name);
        if (failure !== undefined) {
            throw new Error(failure);
        }
        if (args.type.startsWith("kubernetes:")) {
            const k = kubernetesState(c);
            return { id: k.id, state: withSecretOutputs(args.type, { ...answeredInputs(args.type, inputs), ...k.state }) };
        }
        const built = (AWS_BUILDERS[args.type] ?? RANDOM_BUILDERS[args.type] ?? GRAFANA_BUILDERS[args.type] ?? fallback)(c);
        const state: State = { ...inputs, ...built.state, id: built.id };
        if (args.type.startsWith("aws:") && inputs.tags !== undefined) {
            state.tagsAll = inputs.tags;
        }
        return { id: built.id, state: withSecretOutputs(args.type, state) };
    }

    call(args: pulumi.runtime.MockCallArgs): State {
        return callResult(args.token, args.inputs as State, this.regionOf(args.provider, args.inputs as State));
    }
}
