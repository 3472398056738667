/**
 * The names AWS and Kubernetes receive for a planned resource, and the limits they hold them to: the
 * explicit name when the program sets one, else the provider's auto-name. One row per resource type
 * of the plans, each with its source; a type with no row fails tests/physical-names.test.ts, so a
 * new kind of resource cannot slip past unchecked.
 *
 * Versions read: pulumi/pulumi-aws provider/resources.go (the newest copy the search index holds,
 * the v6 provider's, commit 00ba5ea; the project runs @pulumi/aws 7.48.0, whose own docs are cited
 * where they state a limit),
 * pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go, pulumi/pulumi
 * sdk/go/common/resource/resource_id.go, pulumi/pulumi-kubernetes (the local mirror, HEAD
 * 9497796) provider/pkg/metadata/naming.go, kubernetes/kubernetes validation, helm/helm
 * pkg/chartutil/validate_name.go, hashicorp/terraform-provider-aws internal/service/*, the AWS API
 * references.
 */
import type { PlannedResource } from "./plan";
import { AUTONAME_SUFFIX_LENGTH } from "../../components/logical-backup";

/** One name as its service receives it, and what that service allows. */
export interface PhysicalName {
    /** The Pulumi resource name (the URN's last part). */
    readonly resource: string;
    readonly type: string;
    /** The input property, or what the name becomes (`label job-name`). */
    readonly field: string;
    /** The name; an auto-name's random part is shown as `#` characters of its length. */
    readonly value: string;
    readonly max: number;
    readonly pattern?: RegExp;
    /** Where `max` and `pattern` come from. */
    readonly source: string;
}

/**
 * pulumi-terraform-bridge's AutoName: `<resource name><separator><7 random>`; NewUniqueName refuses
 * a prefix plus random part over the maximum ("name '%s' plus %d random chars is longer than
 * maximum length %d", pulumi/pulumi sdk/go/common/resource/resource_id.go NewUniqueName), so the
 * create fails before any AWS call (pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go,
 * AutoName: `Randlen: 7`; ComputeAutoNameDefault: `vs+options.Separator`).
 */
export const AWS_AUTONAME_RANDOM = 7;

/**
 * pulumi-kubernetes' auto-name: `<resource name>-<8 random>` (provider/pkg/metadata/naming.go,
 * AssignNameIfAutonamable: `NewUniqueName(randomSeed, urn.Name()+"-", 0, 0, nil)`, and a length of
 * 0 is 8 in NewUniqueName). No maximum: the API server is the one to refuse. The component that
 * sizes its names by it owns the figure (the `-` and the 8).
 */
export const K8S_AUTONAME_RANDOM = AUTONAME_SUFFIX_LENGTH - 1;

/** pulumi-aws gives every resource with a `name` input `AutoName("name", 255, "-")` unless a row overrides it (resources.go, setAutonaming). */
const PULUMI_AWS_DEFAULT_AUTONAME = 255;

/** kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const APIMACHINERY = "kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go";
const CORE_VALIDATION = "kubernetes pkg/apis/core/validation/validation.go";

interface AwsRule {
    /** The input that holds the name. */
    readonly field: string;
    /** The bridge's maximum when the program leaves the field unset; undefined: the program must set it. */
    readonly autoMax?: number;
    /** `bucketPrefix`-style: the prefix input and the generated characters appended to it. */
    readonly prefix?: { readonly field: string; readonly generated: number };
    readonly max: number;
    readonly pattern?: RegExp;
    readonly source: string;
}

/** The AWS types of the plans that take a name, and their limits. */
export const AWS_NAME_RULES: Readonly<Record<string, AwsRule>> = {
    "aws:iam/role:Role": {
        field: "name", autoMax: 64, max: 64,
        source: "pulumi-aws resources.go \"aws_iam_role\": AutoName(\"name\", 64, \"-\"); terraform-provider-aws internal/service/iam/role.go roleNameMaxLen = 64",
    },
    "aws:iam/rolePolicy:RolePolicy": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: 128,
        source: "pulumi-aws resources.go setAutonaming (255); terraform-provider-aws internal/service/iam/role_policy.go rolePolicyNameMaxLen = 128",
    },
    "aws:iam/policy:Policy": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: 128,
        source: "pulumi-aws resources.go setAutonaming (255); terraform-provider-aws internal/service/iam/policy.go policyNameMaxLen = 128",
    },
    "aws:eks/cluster:Cluster": {
        field: "name", max: 100, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/,
        source: "@pulumi/aws 7.48.0 eks/cluster.d.ts name: \"Must be between 1-100 characters ... ^[0-9A-Za-z][A-Za-z0-9\\-_]*$\"",
    },
    "aws:eks/nodeGroup:NodeGroup": {
        field: "nodeGroupName", autoMax: 255, max: 63,
        source: "pulumi-aws resources.go \"aws_eks_node_group\": AutoName(\"nodeGroupName\", 255, \"-\"); @pulumi/aws 7.48.0 eks/nodeGroup.d.ts: \"can't be longer than 63 characters\"",
    },
    "aws:rds/instance:Instance": {
        field: "identifier", max: 63, pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
        source: "RDS API CreateDBInstance DBInstanceIdentifier: \"1 to 63 letters, numbers, or hyphens; first a letter; no trailing or double hyphen\"; terraform-provider-aws internal/service/rds/validate.go validIdentifier (lower case)",
    },
    "aws:rds/snapshot:Snapshot": {
        field: "dbSnapshotIdentifier", max: 255, pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/i,
        source: "RDS API CreateDBSnapshot DBSnapshotIdentifier: \"1 to 255 alphanumeric characters or hyphens; first a letter; no trailing or double hyphen\"",
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: 255, pattern: /^[a-z](?!.*--)[0-9a-z.-]*[0-9a-z.]$/,
        source: "terraform-provider-aws internal/service/rds/validate.go validParamGroupName (255, lower case, a letter first, no double or trailing hyphen)",
    },
    "aws:rds/subnetGroup:SubnetGroup": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: 255, pattern: /^[0-9a-z_ .-]+$/,
        source: "terraform-provider-aws internal/service/rds/validate.go validSubnetGroupName (255, lower case)",
    },
    "aws:s3/bucket:Bucket": {
        field: "bucket", prefix: { field: "bucketPrefix", generated: 26 }, max: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
        source: "S3 User Guide bucketnamingrules.html (3 to 63 lower-case letters, digits, dots, hyphens); @pulumi/aws 7.48.0 s3/bucket.d.ts bucketPrefix: \"less than or equal to 37 characters\" (63 - 26)",
    },
    "aws:backup/vault:Vault": {
        field: "name", max: 50, pattern: /^[a-zA-Z0-9_-]{2,50}$/,
        source: "AWS Backup API CreateBackupVault backupVaultName: ^[a-zA-Z0-9\\-\\_]{2,50}$",
    },
    "aws:backup/plan:Plan": {
        field: "name", max: 50, pattern: /^[A-Za-z0-9_.-]+$/,
        source: "AWS Backup API BackupPlanInput BackupPlanName: \"1 to 50 alphanumeric or '-_.' characters\"",
    },
    "aws:backup/selection:Selection": {
        field: "name", max: 50, pattern: /^[A-Za-z0-9_.-]+$/,
        source: "AWS Backup API CreateBackupSelection SelectionName: \"1 to 50 alphanumeric or '-_.' characters\"",
    },
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": {
        field: "name", max: 50, pattern: /^[A-Za-z0-9_]+$/,
        source: "@pulumi/aws 7.48.0 backup/restoreTestingPlan.d.ts name: \"between 1 and 50 characters long ... only alphanumeric characters and underscores\"",
    },
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": {
        field: "name", max: 50, pattern: /^[A-Za-z0-9_]+$/,
        // The restore testing plan's rule; AWS documents none of its own for selections, and ours keep to it.
        source: "as the restore testing plan's name (@pulumi/aws 7.48.0 backup/restoreTestingPlan.d.ts)",
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: 512, pattern: /^[A-Za-z0-9_/.-]+$/,
        source: "pulumi-aws resources.go setAutonaming (255); CloudWatch Logs API CreateLogGroup: \"between 1 and 512 characters ... a-z, A-Z, 0-9, '_', '-', '/', '.'\"",
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: PULUMI_AWS_DEFAULT_AUTONAME,
        source: "pulumi-aws resources.go setAutonaming (255)",
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        field: "name", autoMax: PULUMI_AWS_DEFAULT_AUTONAME, max: PULUMI_AWS_DEFAULT_AUTONAME,
        source: "pulumi-aws resources.go setAutonaming (255)",
    },
    "aws:kms/alias:Alias": {
        field: "name", max: 256, pattern: /^alias\/[A-Za-z0-9/_-]+$/,
        source: "@pulumi/aws 7.48.0 kms/alias.d.ts name: \"must start with the word alias followed by a forward slash\"; KMS API CreateAlias AliasName: \"1-256 characters ... alphanumeric characters, forward slashes (/), underscores (_), and dashes (-)\"",
    },
    "aws:scheduler/schedule:Schedule": {
        field: "name", max: 64, pattern: /^[0-9a-zA-Z_.-]+$/,
        // The API model's schedule-name shapes (Name, NamePrefix, ScheduleGroupName): 1 to 64 of ^[0-9a-zA-Z-_.]+$.
        source: "EventBridge Scheduler API CreateSchedule Name: 1 to 64 of ^[0-9a-zA-Z-_.]+$ (components/restore-point.ts restorePointExpiryName keeps to it)",
    },
};

/**
 * Types whose objects have no name of the program's making (an id AWS assigns, a name fixed by
 * AWS, or a sub-resource addressed through its parent), or that are not AWS or Kubernetes objects.
 */
export const UNNAMED_TYPES: Readonly<Record<string, string>> = {
    "aws:ec2/vpc:Vpc": "AWS assigns the id",
    "aws:ec2/subnet:Subnet": "AWS assigns the id",
    "aws:ec2/eip:Eip": "AWS assigns the id",
    "aws:ec2/internetGateway:InternetGateway": "AWS assigns the id",
    "aws:ec2/natGateway:NatGateway": "AWS assigns the id",
    "aws:ec2/routeTable:RouteTable": "AWS assigns the id",
    "aws:ec2/route:Route": "addressed by its table and destination",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "AWS assigns the id",
    "aws:ec2/flowLog:FlowLog": "AWS assigns the id",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "the VPC's own, named `default` by AWS",
    "aws:eks/accessEntry:AccessEntry": "addressed by its cluster and principal",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "addressed by its cluster, principal and policy",
    "aws:eks/addon:Addon": "the add-on's own name, fixed by EKS",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "addressed by the issuer URL",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "addressed by its role and policy ARN",
    "aws:kms/key:Key": "AWS assigns the id",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "addressed by the instance ARN",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "a setting of its vault",
    // "An alias to associate with the scraper. This is for your use, and does not need to be unique"
    // (Amazon Managed Service for Prometheus API CreateScraper); no length limit found in the sources read.
    "aws:amp/workspace:Workspace": "AWS assigns the id; the alias is a label for people, not checked here",
    "aws:amp/scraper:Scraper": "AWS assigns the id; the alias is a label for people, not checked here",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "a setting of its bucket",
    "aws:s3/bucketLogging:BucketLogging": "a setting of its bucket",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "a setting of its bucket",
    "aws:s3/bucketPolicy:BucketPolicy": "a setting of its bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "a setting of its bucket",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "a setting of its bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "a setting of its bucket",
    "aws:s3/bucketVersioning:BucketVersioning": "a setting of its bucket",
    "grafana:alerting/contactPoint:ContactPoint": "a Grafana object, not AWS or Kubernetes",
    "grafana:alerting/muteTiming:MuteTiming": "a Grafana object, not AWS or Kubernetes",
    "grafana:alerting/notificationPolicy:NotificationPolicy": "a Grafana object, not AWS or Kubernetes",
    "grafana:alerting/ruleGroup:RuleGroup": "a Grafana object, not AWS or Kubernetes",
    "grafana:oss/dashboard:Dashboard": "a Grafana object, not AWS or Kubernetes",
    "grafana:oss/dataSource:DataSource": "a Grafana object, not AWS or Kubernetes",
    "grafana:oss/folder:Folder": "a Grafana object, not AWS or Kubernetes",
    "random:index/randomId:RandomId": "computed locally",
    "random:index/randomPassword:RandomPassword": "computed locally",
};

interface K8sRule {
    readonly max: number;
    readonly pattern: RegExp;
    readonly source: string;
}

const SUBDOMAIN: K8sRule = { max: 253, pattern: DNS1123_SUBDOMAIN, source: `${CORE_VALIDATION}: NameIsDNSSubdomain (${APIMACHINERY} DNS1123SubdomainMaxLength = 253)` };

/** The Kubernetes kinds of the plans and the name each accepts. */
export const K8S_NAME_RULES: Readonly<Record<string, K8sRule>> = {
    "kubernetes:core/v1:Namespace": { max: 63, pattern: DNS1123_LABEL, source: `${CORE_VALIDATION}: ValidateNamespaceName, a DNS-1123 label (${APIMACHINERY} DNS1123LabelMaxLength = 63)` },
    "kubernetes:core/v1:Service": { max: 63, pattern: DNS1035_LABEL, source: `${CORE_VALIDATION}: ValidateServiceName = NameIsDNS1035Label (${APIMACHINERY} DNS1035LabelMaxLength = 63)` },
    // The Job controller labels its pods `job-name: <job name>` (and `batch.kubernetes.io/job-name`),
    // and a label value is at most 63 (kubernetes pkg/apis/batch/validation/validation.go
    // ValidateGeneratedSelector; LabelValueMaxLength = 63 in the apimachinery file).
    "kubernetes:batch/v1:Job": { max: 63, pattern: DNS1123_LABEL, source: `kubernetes pkg/apis/batch/validation/validation.go ValidateGeneratedSelector: pods labelled job-name=<job name>; ${APIMACHINERY} LabelValueMaxLength = 63` },
    // Its Jobs are `<cronjob>-<minutes since epoch>`, 11 more characters within 63.
    "kubernetes:batch/v1:CronJob": { max: 52, pattern: DNS1123_LABEL, source: "kubernetes pkg/apis/batch/validation/validation.go ValidateCronJob: \"must be no more than 52 characters\" (63 - 11)" },
    "kubernetes:apps/v1:Deployment": SUBDOMAIN,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": SUBDOMAIN,
    "kubernetes:core/v1:ConfigMap": SUBDOMAIN,
    "kubernetes:core/v1:Secret": SUBDOMAIN,
    "kubernetes:core/v1:ServiceAccount": SUBDOMAIN,
    "kubernetes:networking.k8s.io/v1:Ingress": SUBDOMAIN,
    // kubernetes pkg/apis/networking/validation/validation.go ValidateNetworkPolicyName = NameIsDNSSubdomain.
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": SUBDOMAIN,
    "kubernetes:policy/v1:PodDisruptionBudget": SUBDOMAIN,
    "kubernetes:storage.k8s.io/v1:StorageClass": SUBDOMAIN,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": SUBDOMAIN,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": SUBDOMAIN,
    // And `<plural>.<group>` (kubernetes apiextensions-apiserver pkg/apis/apiextensions/validation ValidateCustomResourceDefinition).
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch": SUBDOMAIN,
    // pulumi-kubernetes installs through Helm's action.Install, which validates the release name
    // (provider/pkg/provider/helm_release.go; helm.sh/helm/v3 v3.20.2 in its go.mod).
    "kubernetes:helm.sh/v3:Release": { max: 53, pattern: DNS1123_SUBDOMAIN, source: "helm/helm pkg/chartutil/validate_name.go ValidateReleaseName: maxReleaseNameLen = 53" },
};

/** Provider objects and stack references: nothing is created under a name. */
const ENGINE_TYPES = /^pulumi:(providers:|pulumi:StackReference$)/;

function at(inputs: unknown, path: string): unknown {
    let cur = inputs;
    for (const key of path.split(".")) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<string, unknown>)[key];
    }
    return cur;
}

const random = (n: number) => "#".repeat(n);

/** The custom resources of `resources` whose type has no rule here: a new kind the table must learn. */
export function unruledTypes(resources: readonly PlannedResource[]): string[] {
    const known = (t: string) => t in AWS_NAME_RULES || t in K8S_NAME_RULES || t in UNNAMED_TYPES || ENGINE_TYPES.test(t);
    return [...new Set(resources.filter((r) => r.custom && !known(r.type)).map((r) => r.type))].sort();
}

/** The name(s) one resource is created under, as AWS or Kubernetes receives them; [] for an unnamed kind. */
export function physicalNames(r: PlannedResource): PhysicalName[] {
    const aws = AWS_NAME_RULES[r.type];
    if (aws !== undefined) {
        return [awsName(r, aws)];
    }
    const k8s = K8S_NAME_RULES[r.type];
    if (k8s !== undefined) {
        return kubernetesNames(r, k8s);
    }
    return [];
}

function awsName(r: PlannedResource, rule: AwsRule): PhysicalName {
    const base = { resource: r.name, type: r.type, pattern: rule.pattern, source: rule.source };
    const explicit = at(r.inputs, rule.field);
    if (typeof explicit === "string") {
        return { ...base, field: rule.field, value: explicit, max: rule.max };
    }
    const prefix = rule.prefix !== undefined ? at(r.inputs, rule.prefix.field) : undefined;
    if (rule.prefix !== undefined && typeof prefix === "string") {
        return { ...base, field: rule.prefix.field, value: prefix + random(rule.prefix.generated), max: rule.max };
    }
    if (rule.autoMax === undefined) {
        // A name the program must give: a missing one is a defect of its own, shown as an empty name.
        return { ...base, field: rule.field, value: "", max: rule.max };
    }
    // The bridge refuses past its own maximum, AWS past its own: the smaller is the one that holds.
    return { ...base, field: `${rule.field} (auto-named)`, value: `${r.name}-${random(AWS_AUTONAME_RANDOM)}`, max: Math.min(rule.autoMax, rule.max) };
}

function kubernetesNames(r: PlannedResource, rule: K8sRule): PhysicalName[] {
    // A Helm release's name is its `name` input; every other object's is `metadata.name`.
    const field = r.type === "kubernetes:helm.sh/v3:Release" ? "name" : "metadata.name";
    const explicit = at(r.inputs, field);
    const name = typeof explicit === "string"
        ? { field, value: explicit }
        : { field: `${field} (auto-named)`, value: `${r.name}-${random(K8S_AUTONAME_RANDOM)}` };
    const out: PhysicalName[] = [{ resource: r.name, type: r.type, ...name, max: rule.max, pattern: rule.pattern, source: rule.source }];
    for (const [path, value] of labelValues(r.inputs)) {
        out.push({ resource: r.name, type: r.type, field: path, value, max: 63, pattern: LABEL_VALUE, source: `${APIMACHINERY} IsValidLabelValue: LabelValueMaxLength = 63` });
    }
    // Label and annotation keys are qualified names, `[prefix/]name`: the name part at most 63 (the
    // ALB controller's `actions.<name>` annotation carries a service-derived name there).
    for (const [path, key] of metadataKeys(r.inputs)) {
        const slash = key.lastIndexOf("/");
        const prefix = slash < 0 ? undefined : key.slice(0, slash);
        out.push({ resource: r.name, type: r.type, field: `${path} key name`, value: key.slice(slash + 1), max: 63, pattern: LABEL_VALUE, source: `${APIMACHINERY} IsQualifiedName: qualifiedNameMaxLength = 63` });
        if (prefix !== undefined) {
            out.push({ resource: r.name, type: r.type, field: `${path} key prefix`, value: prefix, max: 253, pattern: DNS1123_SUBDOMAIN, source: `${APIMACHINERY} IsQualifiedName: the prefix is a DNS-1123 subdomain` });
        }
    }
    // An Ingress backend names a Service (or the ALB controller's action, which it reads as one).
    for (const [path, value] of backendServices(r.inputs)) {
        out.push({ resource: r.name, type: r.type, field: path, value, max: 63, pattern: DNS1035_LABEL, source: "kubernetes pkg/apis/networking/validation/validation.go: an Ingress backend's service name is validated with NameIsDNS1035Label" });
    }
    for (const [path, value] of podNames(r.inputs)) {
        const port = path.endsWith(".name") && path.includes(".ports[");
        out.push(port
            ? { resource: r.name, type: r.type, field: path, value, max: 15, pattern: /^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/, source: `${APIMACHINERY} IsValidPortName (IANA_SVC_NAME, at most 15)` }
            : { resource: r.name, type: r.type, field: path, value, max: 63, pattern: DNS1123_LABEL, source: `${CORE_VALIDATION}: container and volume names are DNS-1123 labels` });
    }
    return out;
}

/**
 * Walks `value` (objects and arrays, paths as `a.b[0].c`): at each entry `found` either returns the
 * `[path, text]` pairs that entry holds (and the walk does not go into it) or undefined (it does).
 */
function collect(value: unknown, found: (key: string, v: unknown, path: string) => [string, string][] | undefined, path = ""): [string, string][] {
    if (value === null || typeof value !== "object") {
        return [];
    }
    const out: [string, string][] = [];
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        // A CRD's schema describes fields (a `matchLabels`, `containers` property): it names nothing.
        if (key === "openAPIV3Schema") continue;
        const p = path === "" ? key : Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
        out.push(...(found(key, v, p) ?? collect(v, found, p)));
    }
    return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Every label value under `labels` or `matchLabels`, with its path. */
function labelValues(value: unknown): [string, string][] {
    return collect(value, (key, v, p) => (key === "labels" || key === "matchLabels") && isMap(v)
        ? Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string").map(([label, text]): [string, string] => [`${p}["${label}"]`, text])
        : undefined);
}

/** Every key of a `labels`, `matchLabels` or `annotations` map, with the map's path. */
function metadataKeys(value: unknown): [string, string][] {
    return collect(value, (key, v, p) => (key === "labels" || key === "matchLabels" || key === "annotations") && isMap(v)
        ? Object.keys(v).map((k): [string, string] => [`${p}["${k}"]`, k])
        : undefined);
}

/** The `service.name` of every `backend` and `defaultBackend` under `value`. */
function backendServices(value: unknown): [string, string][] {
    return collect(value, (key, v, p) => {
        const name = key === "backend" || key === "defaultBackend" ? at(v, "service.name") : undefined;
        return typeof name === "string" ? [[`${p}.service.name`, name]] : undefined;
    });
}

/** Names of containers, init containers, volumes and container ports in any pod spec under `value`. */
function podNames(value: unknown): [string, string][] {
    return collect(value, (key, v, p) => {
        if (!((key === "containers" || key === "initContainers" || key === "volumes") && Array.isArray(v))) {
            return undefined;
        }
        const out: [string, string][] = [];
        v.forEach((item: unknown, i) => {
            const name = at(item, "name");
            if (typeof name === "string") out.push([`${p}[${i}].name`, name]);
            const ports = at(item, "ports");
            if (Array.isArray(ports)) {
                ports.forEach((port: unknown, j) => {
                    const portName = at(port, "name");
                    if (typeof portName === "string") out.push([`${p}[${i}].ports[${j}].name`, portName]);
                });
            }
        });
        return out;
    });
}

/** Why a name is refused, or undefined when its service accepts it. */
export function nameProblem(n: PhysicalName): string | undefined {
    if (n.value.length > n.max) {
        return `${n.type} ${n.resource} ${n.field}: ${JSON.stringify(n.value)} is ${n.value.length} characters; at most ${n.max} (${n.source})`;
    }
    // The random part is hex or lower-case letters and digits: check the pattern on a stand-in.
    const shown = n.value.replace(/#/g, "0");
    if (n.pattern !== undefined && !n.pattern.test(shown)) {
        return `${n.type} ${n.resource} ${n.field}: ${JSON.stringify(n.value)} does not match ${String(n.pattern)} (${n.source})`;
    }
    return undefined;
}
