/**
 * The stack's identity: what config names that a stateful resource cannot change without being
 * replaced, recorded in the stack's `identity` output and read back, on the next update, from the
 * stack's own previous outputs (the self-reference the release history reads:
 * `previousOutputs` in release-history.ts), never from config.
 *
 * Each field is one the providers replace on (the rules and their sources are `REPLACE_RULES` in
 * plan/changes.ts):
 * - the stack identifier, when `launchpad:namePrefix` sets it: it begins every resource's name, and a
 *   new name replaces a named resource (ForceNew on the name of the EKS cluster, the RDS identifier,
 *   the vaults, the IAM roles' `name_prefix` in hashicorp/terraform-provider-aws; pulumi-kubernetes on
 *   `metadata.name`), delete-first where the program names it (pulumi/pulumi-terraform-bridge
 *   pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace). Recorded only when set, so an absent field
 *   is the default `<project>-<stack>`, the only prefix a stack recorded before the field can have used
 *   (a renamed project or stack is another stack of the backend, with a record of its own);
 * - the database's `engine`, and its `name` and `username` when it is not a restore (`dbName`,
 *   `username` are sent only then: `instanceArgs` in database.ts): ForceNew in
 *   hashicorp/terraform-provider-aws internal/service/rds/instance.go, so the RDS instance is
 *   replaced: a new, empty database under the same identifier (which RDS refuses, DBInstanceAlreadyExists,
 *   only at the step) or, in production, protect stops the update at the step, after other steps ran;
 * - the database's instance identifier, which only a restore may move (`databaseInstanceIdentifier`
 *   in lib/stack-name.ts): removing `database.restore` names the fresh, empty `<id>-db` again;
 * - the application namespace: pulumi-kubernetes replaces a Namespace whose `metadata.name` changes,
 *   delete-first since it is named (provider/pkg/provider/provider.go Diff), and every object in it
 *   with it; nothing protects it;
 * - the VPC's CIDR, where Launchpad owns the network: `cidr_block` is ForceNew in
 *   hashicorp/terraform-provider-aws internal/service/ec2/vpc_.go (stored commit 00081ce4), so the
 *   VPC and its subnets are replaced under the EKS cluster and the database, which cannot follow;
 * - the zones Launchpad's EKS cluster was created in (`launchpad:network.azCount` on the update that
 *   first recorded it, kept from then on): the cluster keeps the subnets it was created with
 *   (components/cluster.ts CLUSTER_IGNORE_CHANGES; EKS takes new ones only in those zones,
 *   awsdocs/amazon-eks-user-guide latest/ug/networking/network-reqs.adoc), so a lower count deletes
 *   subnets the cluster still names, where EKS may hold its network interfaces; a higher one is fine;
 * - the region (`aws:region`), where the stack has AWS resources of its own (a network or a data
 *   layer). @pulumi/aws 7 does not replace the provider for it (pulumi/pulumi-aws#5656 took
 *   `ForcesProviderReplace` off `region`, as of the v7 branch; the bridge replaces a provider only for
 *   such a field, pulumi/pulumi-terraform-bridge pkg/tfbridge/provider.go configDiffer): the provider is
 *   updated, keeping its id, so no resource is replaced for its provider (pulumi/pulumi
 *   pkg/resource/deploy/step_generator.go providerChanged). Instead pulumi-aws fills each regional
 *   resource's `region` input from the provider's before Check (provider/region.go applyRegion), and
 *   terraform-provider-aws 6 replaces a resource whose `region` changes
 *   (internal/provider/sdkv2/region.go forceNewIfRegionChanges; framework/region.go
 *   resourceForceNewIfRegionChanges), reading the old one in the region its state records: every
 *   regional resource is created anew in the other region, create-first, and the old one deleted at
 *   the end of the update, or delete-first where the program names it (the EKS cluster, the vaults:
 *   pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace); IAM, global, stays. A protected resource's replacement is refused, in a
 *   preview as an error and in an update by stopping at that step, after the steps before it ran
 *   (step_generator.go, "unable to replace resource ... marked for protection"). The check runs
 *   before the AWS provider registers (components/environment.ts), so a refusal creates nothing;
 * - the DR region (`launchpad:drRegion`), where the stack has a data layer: the DR backup vault, the
 *   replica bucket, their keys and the RDS backup replication set it as their own `region`, so the
 *   same rule replaces each of them in the other region, empty, and deletes the old one, with the DR
 *   copies in it; the vault, named by the program, delete-first (the bridge's
 *   pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace). AWS Backup deletes a vault only when it
 *   is empty (AWS Backup API Reference, DeleteBackupVault: "A vault can be deleted only if it is
 *   empty"): staging's `forceDestroy` deletes the recovery points first; production's vaults are
 *   protected and under a compliance Vault Lock, whose recovery points nobody deletes before their
 *   retention ends, so the update would stop at the first protected one.
 *
 * Where the tier refuses such changes (`Safety.refuseIdentityChange`) each one is a config problem,
 * refused when the program reads the previous outputs; elsewhere it is a warning. A first update
 * (no outputs) and an intentional restore (a new `database.restore`, a new identifier) pass.
 *
 * The record also keeps the EKS cluster's Kubernetes minor, for a rule AWS enforces in every tier:
 * EKS updates a cluster one minor version at a time and never downgrades it (EKS User Guide, "Update
 * existing cluster to new Kubernetes version": "Once you upgrade a cluster, you can't downgrade to a
 * previous version"; the EKS guide's eksctl "Cluster upgrades": "Control plane version upgrades must
 * be done for one minor version at a time"). UpdateClusterVersion refuses anything else at the step,
 * after the rest of the update ran, so the plan and `pulumi preview` refuse it first, in staging too.
 *
 * On an existing cluster (`launchpad:cluster.kubeconfig`) it keeps the cluster: the API server URL
 * of the kubeconfig, which is the Kubernetes provider's `clusterIdentifier` (components/cluster.ts
 * `kubeconfigServer`). pulumi-kubernetes replaces the provider only when that changes
 * (provider/pkg/provider/provider.go `DiffConfig`; `@pulumi/kubernetes` provider.d.ts: "the provider
 * will _only_ be replaced when `clusterIdentifier` changes"), and with it every Kubernetes object of
 * the stack: each is created in the other cluster and deleted from the old one. A token rotated for
 * the same server is not a change. The URL stays a secret in the output (the policy pack's
 * `secrets-stay-secret` treats the `clusterIdentifier` as one since it is read from the secret
 * kubeconfig) and the refusal never prints it. Launchpad's own EKS cluster records nothing of the
 * kind: its `clusterIdentifier` is the cluster's ARN, whose name is the stack identifier
 * (`clusterName: identifier`, components/environment.ts), so no config key moves it; a replaced
 * cluster keeps it (docs/operations.md "Changes that replace"). Moving between the two kinds (a
 * kubeconfig added to a stack on its own cluster, or removed) is the same provider replacement, seen
 * from the fields already recorded: a recorded minor without a current one, or a recorded server with one.
 *
 * It keeps the database engine's major version for the same reason: RDS upgrades a major in place
 * (ModifyDBInstance with AllowMajorVersionUpgrade) but never back ("After the upgrade is complete, you
 * can't revert to the previous version of the database engine", RDS User Guide
 * USER_UpgradeDBInstance.MySQL and USER_UpgradeDBInstance.PostgreSQL, awsdocs/amazon-rds-user-guide
 * doc_source/), so a lower major is refused in every tier; and an update that raises it applies
 * immediately (`databaseMajorUpgrade`, components/database.ts `majorUpgradeSettings`).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, offlineRecordUnknown, type LaunchpadConfig } from "../config";
import { databaseInstanceIdentifier, NAME_PREFIX_KEY, stackIdentifier } from "../lib/stack-name";
import { runDate, utcDay } from "../config/clock";
import { either } from "../config/input";
import { CLUSTER_UPGRADE_DOCS, eksSupportEnd, keptPastSupportWarning, MAJOR_UPGRADE_DOCS, pastStandardSupport, rdsSupportEnd } from "../lib/support-calendar";
import { eksVersion, eksVersionsInStandardSupport, RDS_MAJOR_VERSIONS, rdsMajorOf, rdsMajorsInStandardSupport } from "../lib/versions";

/** The stack output holding the stack's identity (`StackIdentity`). */
export const IDENTITY_OUTPUT = "identity";

/** Where the table of changes that replace, and the way out of each, is documented. */
export const IDENTITY_DOCS = "docs/operations.md#changes-that-replace";

export interface DatabaseIdentity {
    /** `launchpad:database.engine`. */
    readonly engine: string;
    /** `launchpad:database.name` (what the instance was created with unless it is a restore). */
    readonly name: string;
    /** `launchpad:database.username`, the master user. */
    readonly username: string;
    /** The RDS instance identifier (`databaseInstanceIdentifier`). */
    readonly instance: string;
    /** The instance is a restore (`database.restore` set): its name and user are the source's. */
    readonly restored: boolean;
    /**
     * The engine's major version (`rdsMajorOf` of `launchpad:database.engineVersion`): `8.4`, `17`.
     * @default - recorded before the field existed
     */
    readonly engineMajor?: string;
}

export interface StackIdentity {
    /** `launchpad:cluster.namespace`. */
    readonly namespace?: string;
    /**
     * `launchpad:namePrefix`, the prefix of every resource's name (see the file comment).
     * @default - the default prefix, `<project>-<stack>` (unset, or recorded before the field existed)
     */
    readonly namePrefix?: string;
    /**
     * `aws:region`, where the stack's AWS resources are (see the file comment).
     * @default - no AWS resource of the stack's own (an existing cluster without a data layer), or recorded before the field existed
     */
    readonly region?: string;
    /**
     * `launchpad:drRegion`, where the data layer's disaster-recovery copies are (see the file comment).
     * @default - no data layer, or recorded before the field existed
     */
    readonly drRegion?: string;
    /**
     * `launchpad:cluster.version`, the EKS cluster's Kubernetes minor.
     * @default - no EKS cluster of Launchpad's own (an existing cluster), or recorded before the field existed
     */
    readonly clusterVersion?: string;
    /**
     * `launchpad:network.cidr`, the VPC's CIDR.
     * @default - no network of Launchpad's own (an existing cluster), or recorded before the field existed
     */
    readonly networkCidr?: string;
    /**
     * How many zones Launchpad's EKS cluster was created in: `launchpad:network.azCount` when first
     * recorded, then kept (see the file comment).
     * @default - no EKS cluster and network of Launchpad's own (an existing cluster), or recorded before the field existed
     */
    readonly clusterZones?: number;
    /**
     * An existing cluster's API server URL, the Kubernetes provider's `clusterIdentifier`
     * (components/cluster.ts `kubeconfigServer`); a secret in the `identity` output.
     * @default - Launchpad's own EKS cluster, a kubeconfig not readable here (the offline plan's stand-in), or recorded before the field existed
     */
    readonly clusterServer?: string;
    /**
     * The database's identity.
     * @default - no database (no data layer), or recorded before the field existed
     */
    readonly database?: Partial<DatabaseIdentity>;
}

/** What this stack creates that the identity names: a database, a network and an EKS cluster of its own. */
export interface IdentityScope {
    readonly database: boolean;
    readonly network: boolean;
    /**
     * The Kubernetes minor of Launchpad's own EKS cluster (`launchpad:cluster.version`).
     * @default - no EKS cluster of Launchpad's own (an existing cluster)
     */
    readonly clusterVersion?: string;
}

/** This update's identity, from config and the stack identifier (`<project>-<stack>`). */
export function currentIdentity(config: LaunchpadConfig, identifier: string, scope: IdentityScope): StackIdentity {
    const db = config.database;
    return {
        namespace: config.cluster.namespace,
        // Only a prefix of the stack's own: the committed stacks' identity stays as it was recorded.
        ...(config.identifier !== stackIdentifier(config.project, config.stack) ? { namePrefix: config.identifier } : {}),
        // Only a network or a data layer of its own puts AWS resources in the region: an existing
        // cluster without network.existing creates none, and may move its region freely.
        ...(scope.network || scope.database ? { region: config.region } : {}),
        // The DR vault, replica bucket, their keys and the RDS backup replication go with the data layer.
        ...(scope.database ? { drRegion: config.drRegion } : {}),
        ...(scope.clusterVersion !== undefined ? { clusterVersion: scope.clusterVersion } : {}),
        ...(scope.network ? { networkCidr: config.network.cidr, clusterZones: config.network.azCount } : {}),
        ...(scope.database
            ? { database: { engine: db.engine, name: db.name, username: db.username, instance: databaseInstanceIdentifier(identifier, db.restore), restored: db.restore !== undefined, engineMajor: rdsMajorOf(db.engine, db.engineVersion) } }
            : {}),
    };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * What `pulumi stack output --json` prints for a secret without `--show-secrets` (and the offline
 * plan renders, plan/values.ts `SECRET_TEXT`): not a value, so not a recorded one.
 */
const SHOWN_SECRET = "[secret]";

/** A recorded text, or undefined for {@link SHOWN_SECRET}. */
const shown = (v: string | undefined): string | undefined => (v === SHOWN_SECRET ? undefined : v);

/**
 * The identity the stack's previous outputs record: its `identity` output, or, for a stack last
 * updated before that output existed, what its `namespace` and `databaseIdentifier` outputs say.
 * Empty on a first update (no outputs).
 */
export function recordedIdentity(outputs: Record<string, unknown>): StackIdentity {
    const raw = outputs[IDENTITY_OUTPUT];
    const rec = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
    const rawDb = rec.database !== null && typeof rec.database === "object" ? (rec.database as Record<string, unknown>) : undefined;
    const namespace = str(rec.namespace) ?? str(outputs.namespace);
    const namePrefix = str(rec.namePrefix);
    const clusterVersion = str(rec.clusterVersion);
    const networkCidr = str(rec.networkCidr);
    const clusterZones = typeof rec.clusterZones === "number" ? rec.clusterZones : undefined;
    const clusterServer = shown(str(rec.clusterServer));
    const instance = str(rawDb?.instance) ?? str(outputs.databaseIdentifier);
    // A record from before the field: the `region` output, where the record shows AWS resources of the stack's own.
    const region = shown(str(rec.region) ?? (networkCidr !== undefined || rawDb !== undefined || instance !== undefined ? str(outputs.region) : undefined));
    // Likewise the `drRegion` output, where the record shows a data layer.
    const drRegion = shown(str(rec.drRegion) ?? (rawDb !== undefined || instance !== undefined ? str(outputs.drRegion) : undefined));
    const database: Partial<DatabaseIdentity> | undefined = rawDb !== undefined || instance !== undefined
        ? {
            ...(str(rawDb?.engine) !== undefined ? { engine: str(rawDb?.engine) } : {}),
            ...(str(rawDb?.name) !== undefined ? { name: str(rawDb?.name) } : {}),
            ...(str(rawDb?.username) !== undefined ? { username: str(rawDb?.username) } : {}),
            ...(instance !== undefined ? { instance } : {}),
            ...(typeof rawDb?.restored === "boolean" ? { restored: rawDb.restored } : {}),
            ...(str(rawDb?.engineMajor) !== undefined ? { engineMajor: str(rawDb?.engineMajor) } : {}),
        }
        : undefined;
    return {
        ...(namespace !== undefined ? { namespace } : {}),
        ...(namePrefix !== undefined ? { namePrefix } : {}),
        ...(region !== undefined ? { region } : {}),
        ...(drRegion !== undefined ? { drRegion } : {}),
        ...(clusterVersion !== undefined ? { clusterVersion } : {}),
        ...(networkCidr !== undefined ? { networkCidr } : {}),
        ...(clusterZones !== undefined ? { clusterZones } : {}),
        ...(clusterServer !== undefined ? { clusterServer } : {}),
        ...(database !== undefined ? { database } : {}),
    };
}

/**
 * What a region change does, by the sources the file comment names: every regional AWS resource is
 * replaced, create-first, or delete-first where the program names it (the bridge's nameRequiresDeleteBeforeReplace).
 */
const REGION_MOVE = "every regional AWS resource records the provider's region as its own (pulumi/pulumi-aws provider/region.go applyRegion) and is replaced when it changes " +
    "(hashicorp/terraform-provider-aws internal/provider/sdkv2/region.go forceNewIfRegionChanges): the database, its keys, vaults and buckets, and the VPC and the EKS cluster where the stack has its own " +
    "(every Kubernetes object with the cluster), are created anew, empty, in the other region, and the old ones deleted, the data with them: at the end of the update, or first where the program names them (the EKS cluster, the backup vaults and plan, log groups, KMS aliases: pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace); " +
    "where they are protected (production) the update stops at the first of them, after the others were created";

/**
 * What a DR region change does: the DR resources name `drRegion` as their own `region`, so the same
 * rule replaces them; the old vault's deletion is what fails (or, with forceDestroy, what loses the copies).
 */
const DR_REGION_MOVE = "every disaster-recovery resource names it as its own region and is replaced when it changes " +
    "(hashicorp/terraform-provider-aws internal/provider/sdkv2/region.go forceNewIfRegionChanges): the replica bucket, the KMS keys, the RDS backup replication and the DR restore drill's network are created anew, empty, " +
    "in the other region and the old ones deleted at the end of the update; the DR backup vault, named by the program, is deleted first " +
    "(pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace), which AWS Backup does only for an empty vault (DeleteBackupVault): " +
    "staging's forceDestroy deletes its recovery points, the DR copies with them; production's are protected and its vaults locked, so the update stops at the first of them, after the steps before it ran";

const WAY_OUT = `keep the recorded value; to move on purpose, deploy a new stack (pulumi stack init) and restore the data into it as code (launchpad:database.restore), then retire this one (${IDENTITY_DOCS})`;

/**
 * One line per identity field this update would change, `<key>: received <new>; expected <recorded>
 * (why; the way out)`. None on a first update, none for a field recorded by no earlier update, and
 * none of the database's for an intentional restore (a `database.restore` naming a new instance).
 */
export function identityChanges(recorded: StackIdentity, current: StackIdentity): string[] {
    const out: string[] = [];
    const q = JSON.stringify;
    // Every earlier update recorded a namespace: without one there is no record (a first update).
    const renamed = recorded.namespace !== undefined && recorded.namePrefix !== current.namePrefix;
    if (renamed) {
        const shown = (p: string | undefined) => (p !== undefined ? q(p) : `none (the default "<project>-<stack>")`);
        out.push(`${NAME_PREFIX_KEY}: received ${shown(current.namePrefix)}; expected ${shown(recorded.namePrefix)}, the prefix of every resource's name this stack deployed (its recorded identity): ` +
            `a new prefix renames, so replaces, every named resource: the EKS cluster, the database (a new, empty one), the backup vaults, buckets and plan, the IAM roles, ` +
            `the namespace with every object in it, each created anew and the old one deleted, first where the program names it (pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace); ${WAY_OUT}`);
    }
    // The default namespace is the prefix: its move is the prefix's, said once above.
    if (recorded.namespace !== undefined && current.namespace !== undefined && recorded.namespace !== current.namespace && !renamed) {
        out.push(`launchpad:cluster.namespace: received ${q(current.namespace)}; expected ${q(recorded.namespace)}, the namespace this stack deployed to (its recorded identity): ` +
            `a new name replaces the Namespace, deleting it first and every object in it (the services, the database connection Secret, the backup jobs), ` +
            `a named object being replaced delete-first (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff); ${WAY_OUT}`);
    }
    if (recorded.networkCidr !== undefined && current.networkCidr !== undefined && recorded.networkCidr !== current.networkCidr) {
        out.push(`launchpad:network.cidr: received ${q(current.networkCidr)}; expected ${q(recorded.networkCidr)}, the VPC's CIDR (the stack's recorded identity): ` +
            `a change of it replaces the VPC and every subnet in it (cidr_block ForceNew in hashicorp/terraform-provider-aws internal/service/ec2/vpc_.go) under the EKS cluster and the database, which cannot move with them; ${WAY_OUT}`);
    }
    if (recorded.clusterZones !== undefined && current.clusterZones !== undefined && current.clusterZones < recorded.clusterZones) {
        out.push(`launchpad:network.azCount: received ${current.clusterZones}; expected ${recorded.clusterZones} or more, the zones the EKS cluster was created in (the stack's recorded identity): ` +
            `the cluster keeps its subnets in them (EKS takes new ones only there: awsdocs/amazon-eks-user-guide network-reqs.adoc) and may hold its network interfaces in a removed zone's subnet, ` +
            `whose delete then fails, or leaves the cluster naming a deleted subnet; ${WAY_OUT}`);
    }
    if (recorded.region !== undefined && current.region !== undefined && recorded.region !== current.region) {
        out.push(`aws:region: received ${q(current.region)}; expected ${q(recorded.region)}, the region the stack's AWS resources are in (its recorded identity): ${REGION_MOVE}; ${WAY_OUT}`);
    }
    if (recorded.drRegion !== undefined && current.drRegion !== undefined && recorded.drRegion !== current.drRegion) {
        out.push(`launchpad:drRegion: received ${q(current.drRegion)}; expected ${q(recorded.drRegion)}, the region the stack's disaster-recovery copies are in (its recorded identity): ${DR_REGION_MOVE}; ${WAY_OUT}`);
    }
    out.push(...clusterChanges(recorded, current));
    const was = recorded.database;
    const now = current.database;
    if (was === undefined || now === undefined) {
        return out;
    }
    if (was.instance !== undefined && was.instance !== now.instance) {
        // A restore names a new instance on purpose; only dropping the restore is an accident. A new
        // prefix names a new instance too, said once above.
        if (!now.restored && !renamed) {
            out.push(`launchpad:database.restore: received none; expected the restore that made the recorded instance ${q(was.instance)}: ` +
                `without it the instance is ${q(now.instance)} again, a new, empty database, and the connection Secret moves to it (lib/stack-name.ts databaseInstanceIdentifier); ` +
                `keep launchpad:database.restore for the life of the restored database (${IDENTITY_DOCS})`);
        }
        return out;
    }
    const forceNew = "a change of it replaces the RDS instance with a new, empty one (ForceNew in hashicorp/terraform-provider-aws internal/service/rds/instance.go)";
    if (was.engine !== undefined && was.engine !== now.engine) {
        out.push(`launchpad:database.engine: received ${q(now.engine)}; expected ${q(was.engine)}, the engine the database was created with (the stack's recorded identity): ${forceNew}; ${WAY_OUT}`);
    }
    // A restore sends neither (instanceArgs in database.ts): the source's name and user stay, whatever config says.
    if (!now.restored && was.restored !== true) {
        if (was.name !== undefined && was.name !== now.name) {
            out.push(`launchpad:database.name: received ${q(now.name)}; expected ${q(was.name)}, the database the instance was created with (the stack's recorded identity): ${forceNew}; ${WAY_OUT}`);
        }
        if (was.username !== undefined && was.username !== now.username) {
            out.push(`launchpad:database.username: received ${q(now.username)}; expected ${q(was.username)}, the master user the instance was created with (the stack's recorded identity): ${forceNew}; ${WAY_OUT}`);
        }
    }
    return out;
}

const PROVIDER_REPLACED = "replaces the Kubernetes provider (its clusterIdentifier: pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig) and with it every Kubernetes object of the stack, each created in the other cluster and deleted from this one";
const CLUSTER_WAY_OUT = `to move on purpose, deploy a new stack on the other cluster (pulumi stack init), move the data, then retire this one (${IDENTITY_DOCS})`;

/**
 * The cluster this update deploys to, against the recorded one: another existing cluster's API server,
 * or a switch between Launchpad's own EKS cluster (a recorded Kubernetes minor; the current identity of
 * an own cluster always has one) and an existing one (a recorded server). Never prints a server: both
 * are secrets (see the file comment).
 */
function clusterChanges(recorded: StackIdentity, current: StackIdentity): string[] {
    const ownNow = current.clusterVersion !== undefined;
    if (recorded.clusterServer !== undefined && current.clusterServer !== undefined && recorded.clusterServer !== current.clusterServer) {
        return [`launchpad:cluster.kubeconfig: received a kubeconfig for another API server; expected one for the server this stack deployed to (its recorded identity, ` +
            `the secret identity.clusterServer of \`pulumi stack output --json --show-secrets\`): another server ${PROVIDER_REPLACED}; ` +
            `keep the recorded server (a new token or CA for it is an update); ${CLUSTER_WAY_OUT}`];
    }
    if (recorded.clusterServer !== undefined && ownNow) {
        return [`launchpad:cluster.kubeconfig: received none; expected the kubeconfig of the existing cluster this stack deployed to (its recorded identity): ` +
            `without it Launchpad creates an EKS cluster and a VPC of its own, which ${PROVIDER_REPLACED}; ${CLUSTER_WAY_OUT}`];
    }
    if (recorded.clusterVersion !== undefined && !ownNow) {
        return [`launchpad:cluster.kubeconfig: received a kubeconfig; expected none: this stack deployed to an EKS cluster of its own (its recorded identity records its Kubernetes minor), ` +
            `and an existing cluster ${PROVIDER_REPLACED}, while the stack's own EKS cluster and VPC, no longer declared, are deleted; ${CLUSTER_WAY_OUT}`];
    }
    return [];
}

/**
 * A warning when the identity records an existing cluster's API server that this run cannot read:
 * the offline plan never decrypts a secret (plan/stack-config.ts: a `--set-secret` and the stack
 * file's `secure:` value alike become a stand-in), so only `pulumi preview` and `pulumi up` compare it.
 */
export function clusterServerUnreadWarnings(recorded: StackIdentity, current: StackIdentity): string[] {
    return recorded.clusterServer !== undefined && current.clusterServer === undefined && current.clusterVersion === undefined
        ? [`launchpad:cluster.kubeconfig: not compared with the API server the stack's identity records: this run cannot read the kubeconfig's server (the offline plan never decrypts a secret); ` +
            `pulumi preview and pulumi up compare it, and production refuses another server (${IDENTITY_DOCS})`]
        : [];
}

/** True when `version` is a later minor than `than` (both `<major>.<minor>`). */
function isNewerMinor(version: string, than: string | undefined): than is string {
    const [a, b] = [version, than].map((v) => (v === undefined ? undefined : minorOf(v)));
    return a !== undefined && b !== undefined && (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]));
}

/** `1.35` as [1, 35]; undefined for what is not `<major>.<minor>`. */
function minorOf(version: string): [number, number] | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(version);
    return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/**
 * The EKS version step this update asks for, against the recorded one: a problem unless it is the
 * same minor or the next (see the file comment for AWS's rule). Refused in every tier: AWS refuses it.
 */
export function clusterVersionStepProblems(recorded: StackIdentity, current: StackIdentity): string[] {
    const was = recorded.clusterVersion;
    const now = current.clusterVersion;
    const [from, to] = [was, now].map((v) => (v === undefined ? undefined : minorOf(v)));
    if (was === undefined || now === undefined || from === undefined || to === undefined) {
        return [];
    }
    const next = `${from[0]}.${from[1] + 1}`;
    if (to[0] === from[0] && (to[1] === from[1] || to[1] === from[1] + 1)) {
        return [];
    }
    const q = JSON.stringify;
    const why = to[0] === from[0] && to[1] < from[1] ? "EKS never downgrades a cluster" : "EKS updates a cluster one minor version at a time";
    // The next minor only when EKS has it (lib/versions.ts EKS_VERSIONS).
    const allowed = eksVersion(next) !== undefined ? `${q(was)} or ${q(next)}` : q(was);
    return [`launchpad:cluster.version: received ${q(now)}; expected ${allowed}: the cluster runs ${q(was)} (the stack's recorded identity), and ${why} ` +
        `(EKS User Guide, "Update existing cluster to new Kubernetes version"; eksctl "Cluster upgrades": "one minor version at a time"), so UpdateClusterVersion would refuse it mid-update; ` +
        `move one minor per pulumi up (${IDENTITY_DOCS})`];
}

/** The majors RDS offers for an engine, oldest first (lib/versions.ts `RDS_MAJOR_VERSIONS`). */
function enginesMajors(engine: string): string[] {
    return RDS_MAJOR_VERSIONS.filter((m) => m.engine === engine).map((m) => m.major).reverse();
}

/** The recorded and the new major of the same database and engine, or undefined when there is nothing to compare. */
function majorStep(recorded: StackIdentity, current: StackIdentity): { engine: string; from: number; to: number; was: string; now: string } | undefined {
    const was = recorded.database;
    const now = current.database;
    if (was?.engineMajor === undefined || now?.engineMajor === undefined || now.engine === undefined || was.engine !== now.engine || was.instance !== now.instance) {
        return undefined;
    }
    const majors = enginesMajors(now.engine);
    const [from, to] = [majors.indexOf(was.engineMajor), majors.indexOf(now.engineMajor)];
    return from < 0 || to < 0 ? undefined : { engine: now.engine, from, to, was: was.engineMajor, now: now.engineMajor };
}

/**
 * The engine major this update asks for, against the recorded one: a problem when it is lower, in
 * every tier, since RDS never downgrades an engine (see the file comment). A new instance (a restore,
 * another engine) has nothing to compare with.
 */
export function engineVersionStepProblems(recorded: StackIdentity, current: StackIdentity): string[] {
    const step = majorStep(recorded, current);
    if (step === undefined || step.to >= step.from) {
        return [];
    }
    const q = JSON.stringify;
    return [`launchpad:database.engineVersion: received ${q(step.now)}; expected ${q(step.was)} or a later major: the database runs ${step.engine} ${step.was} (the stack's recorded identity), ` +
        `and RDS never downgrades an engine ("After the upgrade is complete, you can't revert to the previous version of the database engine", RDS User Guide, USER_UpgradeDBInstance.${step.engine === "mysql" ? "MySQL" : "PostgreSQL"}), ` +
        `so ModifyDBInstance would refuse it mid-update; to go back, restore the snapshot RDS took before the upgrade into a new instance (launchpad:database.restore { snapshot }) (${MAJOR_UPGRADE_DOCS})`];
}


/**
 * A warning for an upgrade that skips a major: RDS offers some such jumps directly and not others,
 * per source minor version, and its table is not vendored (the RDS User Guide's
 * USER_UpgradeDBInstance.PostgreSQL.MajorVersion table is per minor and changes with every release),
 * so the live check is named instead.
 */
export function engineVersionStepWarnings(recorded: StackIdentity, current: StackIdentity): string[] {
    const step = majorStep(recorded, current);
    if (step === undefined || step.to - step.from < 2) {
        return [];
    }
    return [`launchpad:database.engineVersion: ${step.engine} ${step.was} to ${step.now} skips a major version; RDS offers only some such upgrades directly, per source minor: ` +
        `check with aws rds describe-db-engine-versions --engine ${step.engine} --engine-version <version> --query 'DBEngineVersions[].ValidUpgradeTarget' before pulumi up (${MAJOR_UPGRADE_DOCS})`];
}

/**
 * True when this update may raise the database's major version over the one it runs: the instance then
 * applies its changes immediately (components/database.ts `majorUpgradeSettings`). So when the major is
 * higher than the recorded one, and also when the same instance's record has no major (a stack last
 * updated before it was recorded): that update may be the upgrade, and must be for a stack on a major
 * config no longer accepts (MySQL 8.0 left standard support), which cannot plan without moving. Any
 * other instance change in that one update is then applied immediately too (docs/operations.md).
 * False on a first update and for a new instance (a restore, another engine).
 */
export function databaseMajorUpgrade(recorded: StackIdentity, current: StackIdentity): boolean {
    if (unrecordedMajor(recorded, current)) {
        return true;
    }
    const step = majorStep(recorded, current);
    return step !== undefined && step.to > step.from;
}

/** The same instance's record has no major yet (a stack last updated before Launchpad recorded it). */
function unrecordedMajor(recorded: StackIdentity, current: StackIdentity): boolean {
    const was = recorded.database;
    const now = current.database;
    return was !== undefined && now !== undefined && was.engineMajor === undefined && was.engine === now.engine && was.instance === now.instance;
}

/**
 * The warning of an update that applies the instance's changes immediately only because the record
 * has no major yet: said in the preview, so a change that would wait for the maintenance window
 * (an instance class) is not applied now unnoticed.
 */
export function unrecordedMajorWarnings(recorded: StackIdentity, current: StackIdentity): string[] {
    return unrecordedMajor(recorded, current)
        ? [`launchpad:database.engineVersion: the stack's identity records no engine major yet (last updated before Launchpad recorded it), so this update applies the database instance's changes immediately, ` +
            `not at the maintenance window, in case it is the major upgrade; keep other database changes (instanceClass, storage) for the next update (${MAJOR_UPGRADE_DOCS})`]
        : [];
}

/**
 * The support calendar against the recorded identity (lib/support-calendar.ts): an EKS minor or an
 * engine major past standard support on `today` is refused when this update chooses it (a first
 * update, another version, a new instance that is not a restore of the recorded major) and only warned
 * when the stack keeps the one its identity records (a restore of it included), since AWS then upgrades the control plane on its own or bills RDS Extended Support, and a
 * refusal would refuse a rollback on a calendar date. Config refuses what never depends on the record
 * (config/cluster.ts `clusterVersionProblems`, config/database.ts `engineVersionProblems`).
 * `recordUnknown` (the offline plan without `--previous-outputs`, `offlineRecordUnknown`): what would be
 * refused for want of a record is warned instead, @default false.
 */
export function supportCalendarChecks(recorded: StackIdentity, current: StackIdentity, today: string, recordUnknown = false): { refused: string[]; warnings: string[] } {
    const refused: string[] = [];
    const warnings: string[] = [];
    const q = JSON.stringify;
    // The offline plan without --previous-outputs cannot tell kept from chosen: refusing there would
    // stop the workflows' offline plans (preview.yml, deploy.yml) on the day a live stack's version
    // leaves support, though its preview and up keep it. They judge it against the real record.
    const unknown = (key: string, label: string, end: string): string =>
        `${key}: ${label} left standard support on ${end}; this offline plan has no --previous-outputs, so it cannot tell whether the stack runs it (kept: a warning) or chooses it (a first update or a change: refused). ` +
        `pulumi preview and pulumi up judge it against the stack's recorded identity; plan with --previous-outputs to see their answer (${CLUSTER_UPGRADE_DOCS})`;
    const version = current.clusterVersion;
    const eks = version !== undefined ? eksSupportEnd(version) : undefined;
    if (version !== undefined && eks !== undefined && pastStandardSupport(eks, today)) {
        if (recorded.clusterVersion === version) {
            warnings.push(keptPastSupportWarning(eks, today));
        } else if (isNewerMinor(version, recorded.clusterVersion)) {
            // A step forward off a version past support (clusterVersionStepProblems keeps it to one
            // minor) is what EKS would do on its own: refusing it would leave the stack nowhere to go.
            warnings.push(`launchpad:cluster.version: ${q(version)}, the step from ${q(recorded.clusterVersion)}, left EKS standard support on ${eks.end} as well; it is taken, not refused, ` +
                `as EKS would take it on its own, but the stack stays past standard support until lib/versions.ts lists a newer minor (${CLUSTER_UPGRADE_DOCS})`);
        } else if (recordUnknown) {
            warnings.push(unknown("launchpad:cluster.version", eks.label, eks.end));
        } else {
            refused.push(`launchpad:cluster.version: received ${q(version)}; expected a version in EKS standard support on ${today}: ${either(eksVersionsInStandardSupport(today))} ` +
                `(${eks.left}); only a cluster that runs it (the stack's recorded identity${recorded.clusterVersion !== undefined ? `, ${q(recorded.clusterVersion)} here` : ", none here"}) may keep it (${CLUSTER_UPGRADE_DOCS})`);
        }
    }
    const db = current.database;
    const engine = db?.engine === "mysql" || db?.engine === "postgres" ? db.engine : undefined;
    const rds = engine !== undefined && db?.engineMajor !== undefined ? rdsSupportEnd(engine, db.engineMajor) : undefined;
    if (engine !== undefined && db?.engineMajor !== undefined && rds !== undefined && pastStandardSupport(rds, today)) {
        const was = recorded.database;
        const runsIt = was?.engine === engine && was.engineMajor === db.engineMajor;
        if (runsIt && was.instance === db.instance) {
            warnings.push(keptPastSupportWarning(rds, today));
        } else if (runsIt && db.restored) {
            // A restore (the database-corruption runbook) brings back the major the stack runs: by
            // default RDS "enrolls your DB instance into Amazon RDS Extended Support" on a restore as on
            // a create (RDS API, RestoreDBInstanceToPointInTime EngineLifecycleSupport), and refusing it
            // would stop an incident's recovery on a calendar date, which the kept rule exists to avoid.
            warnings.push(`${keptPastSupportWarning(rds, today)}; the restore into ${q(db.instance)} keeps it too (RDS API, RestoreDBInstanceToPointInTime EngineLifecycleSupport)`);
        } else if (recordUnknown) {
            warnings.push(unknown("launchpad:database.engineVersion", rds.label, rds.end));
        } else {
            refused.push(`launchpad:database.engineVersion: received ${engine} major ${q(db.engineMajor)}; expected a ${engine} major version in RDS standard support on ${today}: ${either(rdsMajorsInStandardSupport(engine, today))} ` +
                `(${rds.left}); only a database that runs it (the same instance and major in the stack's recorded identity) may keep it (${MAJOR_UPGRADE_DOCS})`);
        }
    }
    return { refused, warnings };
}

const PREVIOUS_OUTPUT_NAMES = [IDENTITY_OUTPUT, "namespace", "databaseIdentifier", "region", "drRegion"];

/** The identity the stack's previous outputs record (`recordedIdentity`), read from the self-reference. */
export function recordedIdentityOf(previous: pulumi.StackReference): pulumi.Output<StackIdentity> {
    return pulumi.all(PREVIOUS_OUTPUT_NAMES.map((n) => pulumi.unsecret(previous.getOutput(n)))).apply((values) =>
        recordedIdentity(Object.fromEntries(PREVIOUS_OUTPUT_NAMES.map((n, i) => [n, values[i]]))));
}

/**
 * Checks this update's identity against the one the stack's previous outputs record
 * (`recordedIdentityOf`, read once per update and shared with `databaseMajorUpgrade`), and resolves to
 * the identity to record (the `identity` output, through `identityOutput`) once it passes: refused with a `ConfigError` of
 * `stack` (exit 2 from the plan, like the in-place release rule) where the tier refuses identity
 * changes, otherwise each change a warning on `owner`; an EKS version step AWS refuses, and a lower
 * database major, in every tier; a database upgrade that skips a major, and an update applied
 * immediately for want of a recorded major, are warnings; a version past standard support is refused
 * when chosen and warned when kept (`supportCalendarChecks`). `clusterServer` is an existing cluster's
 * API server, read from its secret kubeconfig (undefined where it cannot be read); it is compared, and
 * kept in the resolved identity, unsecreted, so that what waits on the check (the Namespace's name, the
 * database's upgrade switch) does not become a secret: only `identityOutput` may hand it on.
 */
export function checkedIdentity(
    recordedOutput: pulumi.Output<StackIdentity>,
    current: StackIdentity,
    refuseChanges: boolean,
    stack: string,
    owner: pulumi.Resource,
    clusterServer?: pulumi.Output<string | undefined>,
): pulumi.Output<StackIdentity> {
    return pulumi.all([recordedOutput, pulumi.unsecret(clusterServer ?? pulumi.output(undefined))]).apply(([recorded, server]) => {
        const now: StackIdentity = server !== undefined ? { ...current, clusterServer: server } : current;
        const changes = identityChanges(recorded, now);
        const calendar = supportCalendarChecks(recorded, now, utcDay(runDate()), offlineRecordUnknown());
        const refused = [...clusterVersionStepProblems(recorded, now), ...engineVersionStepProblems(recorded, now), ...calendar.refused, ...(refuseChanges ? changes : [])];
        if (refused.length > 0) {
            throw new ConfigError(stack, refused);
        }
        for (const c of [...changes, ...clusterServerUnreadWarnings(recorded, now), ...engineVersionStepWarnings(recorded, now), ...unrecordedMajorWarnings(recorded, now), ...calendar.warnings]) {
            void pulumi.log.warn(c, owner);
        }
        // The cluster's zones stay the ones it was created in, whatever the count is now (see the file comment).
        return now.clusterZones !== undefined && recorded.clusterZones !== undefined ? { ...now, clusterZones: recorded.clusterZones } : now;
    });
}

/**
 * The `identity` output: the checked identity with the existing cluster's API server a secret again,
 * as the kubeconfig it is read from (a nested secret: `pulumi stack output` shows that field alone as
 * `[secret]`, and `--show-secrets` the URL the next update compares).
 */
export function identityOutput(identity: pulumi.Output<StackIdentity>): pulumi.Output<unknown> {
    return identity.apply((id) => (id.clusterServer !== undefined ? { ...id, clusterServer: pulumi.secret(id.clusterServer) } : id));
}
