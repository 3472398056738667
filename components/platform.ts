/**
 * Platform: what a fresh EKS cluster lacks and the stack's own objects need (EKS mode only).
 *
 * A new EKS cluster runs pods and nothing more: no controller answers an `alb` Ingress, no CSI
 * driver or default StorageClass binds a PersistentVolumeClaim, no metrics API feeds an HPA,
 * nothing grows the node groups, and a crashed pod's logs die with it. Per stack, pinned
 * (`lib/versions.ts` says where each version was read):
 *
 * - the core EKS add-ons coredns and kube-proxy as managed add-ons (vpc-cni, the third, comes with
 *   the cluster, before its nodes: components/cluster.ts), and the EBS CSI driver add-on with a
 *   default encrypted gp3 StorageClass;
 * - the AWS Load Balancer Controller (Helm), its IAM policy vendored from its release, its CRDs
 *   applied by Launchpad from the pinned chart (Helm would install them once and never upgrade them);
 * - metrics-server (Helm), the resource metrics API the HPAs read;
 * - the Cluster Autoscaler (Helm) with auto-discovery of the managed node groups (one per zone),
 *   which EKS tags for it (EKS user guide, managed-node-groups.adoc: "automatically tagged for
 *   auto-discovery"), balancing them (`--balance-similar-node-groups`);
 * - Fluent Bit (AWS for Fluent Bit, Helm) shipping every container's log to CloudWatch Logs, one log
 *   group per namespace with the tier's retention.
 *
 * Every AWS permission of these charts and of the EBS driver goes through IRSA to exactly one
 * service account (`components/irsa.ts`), as the VPC CNI's does in the cluster. Everything that
 * runs pods waits for every zone's node group; the builders are pure and exported.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { awsPartition } from "../config/region";
import { APP_LABELS, ROLE_LABEL, ROLES } from "../lib/delivery";
import { ALB_INGRESS_CLASS } from "../lib/alb";
import { deepFreeze } from "../lib/freeze";
import { managedPolicyArn } from "../lib/iam";
import { restrictedContainer } from "../lib/pod-security";
import { childTags, type Tags } from "../lib/tags";
import { AUTOSCALER_ANNOTATIONS, UNHEALTHY_POD_EVICTION_POLICY } from "../lib/workload";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, HELM_CHARTS, LOAD_BALANCER_CONTROLLER_CRD_FILES, type HelmChartPin } from "../lib/versions";
import { addonVersion, addonVersions, AFTER_NODES_ADDONS, EBS_CSI_CONFIGURATION, eksAddonArgs } from "./eks-addon";
import { serviceAccountRole, serviceAccountWithRole, type ServiceAccountRoleArgs } from "./irsa";

/** Where the platform's own workloads run. */
export const PLATFORM_NAMESPACE = "kube-system";

/** The default StorageClass: EBS gp3, encrypted. */
export const DEFAULT_STORAGE_CLASS = "gp3";

/** Service accounts of the platform's workloads (the EBS one is the add-on's own, fixed name). */
export const PLATFORM_SERVICE_ACCOUNTS = {
    loadBalancerController: "aws-load-balancer-controller",
    clusterAutoscaler: "cluster-autoscaler",
    fluentBit: "aws-for-fluent-bit",
    ebsCsiController: "ebs-csi-controller-sa",
} as const;

const VENDOR = join(__dirname, "..", "vendor");

/**
 * The controller's published IAM policy of each partition, verbatim from its release
 * (vendor/aws-load-balancer-controller/SOURCE.md): the same statements with the partition's ARNs, so
 * a GovCloud or China stack's controller is not denied every security group and load balancer call.
 */
export const LOAD_BALANCER_CONTROLLER_POLICY_FILES: Readonly<Record<string, string>> = {
    aws: "iam-policy.json",
    "aws-us-gov": "iam-policy-us-gov.json",
    "aws-cn": "iam-policy-cn.json",
    "aws-eusc": "iam-policy-eusc.json",
};

/** The controller's IAM policy for a partition (`aws` unless told). */
export function loadBalancerControllerPolicy(partition = "aws"): object {
    const file = LOAD_BALANCER_CONTROLLER_POLICY_FILES[partition];
    if (file === undefined) {
        throw new RangeError(`loadBalancerControllerPolicy: received partition ${JSON.stringify(partition)}; expected one of ${Object.keys(LOAD_BALANCER_CONTROLLER_POLICY_FILES).join(", ")} ` +
            "(the controller's docs/install/iam_policy_<partition>.json of the pinned release is not vendored: copy it as vendor/aws-load-balancer-controller/SOURCE.md says)");
    }
    return JSON.parse(readFileSync(join(VENDOR, "aws-load-balancer-controller", file), "utf8")) as object;
}

interface PolicyStatement {
    Effect: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string>>;
}

/**
 * The autoscaler's recommended policy (vendor/cluster-autoscaler/SOURCE.md) with its second
 * statement, the one that changes capacity, limited to this cluster's node groups by their
 * auto-discovery tag, as the autoscaler's README asks ("only the second block of actions should be
 * updated to restrict the resources/add conditionals"). The condition asks for the tag's key, not
 * a value: auto-discovery matches keys only ("any value will be ignored and will be arbitrary - only
 * the tag name matters", cluster-autoscaler/cloudprovider/aws/README.md, Auto-Discovery Setup), and
 * the EKS user guide says managed node groups are tagged for it without documenting the value, so a
 * condition on one ("owned") would refuse every scale-up wherever EKS writes another.
 */
export function clusterAutoscalerPolicy(clusterName: string): object {
    const doc = JSON.parse(readFileSync(join(VENDOR, "cluster-autoscaler", "iam-policy.json"), "utf8")) as { Version: string; Statement: PolicyStatement[] };
    const [describe, change] = doc.Statement;
    return {
        Version: doc.Version,
        Statement: [describe, { ...change, Condition: { Null: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "false" } } }],
    };
}

/** CloudWatch Logs group of one namespace's container logs. */
export function containerLogGroupName(clusterName: string, namespace: string): string {
    return `/aws/eks/${clusterName}/containers/${namespace}`;
}

/**
 * Fluent Bit may write only to this cluster's container log groups, with exactly the requests its
 * `cloudwatch_logs` output makes (fluent/fluent-bit plugins/out_cloudwatch_logs/cloudwatch_api.c,
 * its X-Amz-Target headers): CreateLogGroup, PutRetentionPolicy (the chart's `logRetentionDays`,
 * on groups it creates), CreateLogStream and PutLogEvents. It never describes streams.
 */
export function fluentBitPolicy(logGroupArnPrefix: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutRetentionPolicy"],
            Resource: [`${logGroupArnPrefix}*`, `${logGroupArnPrefix}*:log-stream:*`],
        }],
    };
}

/**
 * The default StorageClass: EBS gp3 through the CSI driver, encrypted, bound where the pod lands.
 * The parameters are the driver's (kubernetes-sigs/aws-ebs-csi-driver docs/parameters.md at v1.64.0,
 * the release the add-on tracks: "type" gp3, "encrypted" "true" with the account's default EBS key
 * when no "kmsKeyId" is given, "csi.storage.k8s.io/fstype" ext4, case sensitive), and
 * `WaitForFirstConsumer` is the binding mode that page recommends for dynamic provisioning.
 */
export function storageClassArgs(): k8s.storage.v1.StorageClassArgs {
    return {
        metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // A volume is created in the zone of the pod that first uses it, never in another one.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
    };
}

/**
 * Annotations Launchpad adds to each vendored CRD, read by pulumi-kubernetes (provider/pkg/metadata/
 * annotations.go). `patchForce`: the apply takes over fields another manager holds with other values,
 * here Helm's, which created the CRDs on stacks deployed before Launchpad applied them and never updates
 * them (without it the apply fails with a conflict: await.go `patchForce`). `waitFor` Established: the
 * update waits until the API serves the new schema (metadata/overrides.go `ReadyCondition`), before the
 * chart's own custom resource (an IngressClassParams, templates/ingressclass.yaml) is installed.
 */
export const CRD_APPLY_ANNOTATIONS: Readonly<Record<string, string>> = {
    "pulumi.com/patchForce": "true",
    "pulumi.com/waitFor": "condition=Established",
};

/** One vendored CRD, as the chart ships it. */
export interface VendoredCrd {
    readonly apiVersion: "apiextensions.k8s.io/v1";
    readonly kind: "CustomResourceDefinition";
    readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
    readonly spec: Record<string, unknown>;
}

/** Where the vendored CRDs are kept parsed (`npm run vendor:crds` writes it from the chart's YAML files). */
export const PARSED_CRDS_FILE = join(VENDOR, "aws-load-balancer-controller", "crds.json");

/**
 * The CRDs of the pinned controller chart, parsed from the vendored YAML files
 * (`LOAD_BALANCER_CONTROLLER_CRD_FILES`, vendor/aws-load-balancer-controller/crds/), in file order:
 * what `npm run vendor:crds` writes to {@link PARSED_CRDS_FILE} and tests/platform.test.ts compares it with.
 */
export function parseVendoredCrds(): VendoredCrd[] {
    return LOAD_BALANCER_CONTROLLER_CRD_FILES.flatMap((file) =>
        parseAllDocuments(readFileSync(join(VENDOR, "aws-load-balancer-controller", "crds", file), "utf8"))
            .map((doc) => doc.toJS() as VendoredCrd | null)
            .filter((crd): crd is VendoredCrd => crd !== null));
}

/** The CRDs, read once per process: JSON, since parsing 4,300 lines of YAML took about 100 ms of a plan's start. */
let vendoredCrds: readonly VendoredCrd[] | undefined;

/** Every CRD of the pinned controller chart, in file order, exactly as vendored ({@link parseVendoredCrds}); frozen. */
export function loadBalancerControllerCrds(): readonly VendoredCrd[] {
    vendoredCrds ??= deepFreeze(JSON.parse(readFileSync(PARSED_CRDS_FILE, "utf8")) as VendoredCrd[]);
    return vendoredCrds;
}

/** A vendored CRD as Launchpad applies it: unchanged but for {@link CRD_APPLY_ANNOTATIONS}. */
export function crdPatchArgs(crd: VendoredCrd): k8s.apiextensions.v1.CustomResourceDefinitionPatchArgs {
    return { ...crd, metadata: { ...crd.metadata, annotations: { ...crd.metadata.annotations, ...CRD_APPLY_ANNOTATIONS } } };
}

export interface LoadBalancerControllerValuesArgs {
    readonly clusterName: string;
    readonly region: string;
    /**
     * An Input, placed as it is: values made whole in an `apply` on an id a preview does not know
     * yet would be one unknown value, and the policy pack's preflights that read the chart's values
     * would be skipped (tests/platform-preview-values.test.ts).
     */
    readonly vpcId: pulumi.Input<string>;
}

/**
 * Values of the aws-load-balancer-controller chart (keys from its values.yaml at the pinned
 * version). Region and VPC are given, not discovered: with IMDS at one hop the pod cannot read
 * them from the node. The chart passes them as --cluster-name, --aws-region and --aws-vpc-id
 * (templates/deployment.yaml:67-77 at the pinned commit), and ip as --default-target-type (:184).
 */
export function loadBalancerControllerValues(a: LoadBalancerControllerValuesArgs): Record<string, unknown> {
    return {
        clusterName: a.clusterName,
        region: a.region,
        vpcId: a.vpcId,
        replicaCount: 2,
        serviceAccount: { create: false, name: PLATFORM_SERVICE_ACCOUNTS.loadBalancerController },
        ingressClass: ALB_INGRESS_CLASS,
        createIngressClassResource: true,
        // Pods are ALB targets themselves (target-type ip): a ClusterIP Service works, and readiness
        // gates can follow each pod's target health.
        defaultTargetType: "ip",
        // The chart registers `mservice.elbv2.k8s.aws` (enableServiceMutatorWebhook, default true) on
        // the CREATE of every Service in the cluster with failurePolicy Fail (templates/webhook.yaml,
        // values.yaml serviceMutatorWebhookConfig). Until the controller's pods are ready, every
        // Service create then fails with "no endpoints available for service
        // aws-load-balancer-webhook-service" (kubernetes-sigs/aws-load-balancer-controller#4140,
        // aws/eks-charts#1058): on the first deploy, the Services of the charts installed alongside
        // this one. Ignore lets them through; the webhook only gives `type: LoadBalancer` Services
        // this controller's class, and the one such Service Launchpad makes waits for this release.
        serviceMutatorWebhookConfig: { failurePolicy: "Ignore" },
        // The pod webhook (`mpod.elbv2.k8s.aws`) as the controller's docs recommend: "failurePolicy:
        // Fail combined with an explicit Object Selector" (controller v3.5.0
        // docs/deploy/pod_readiness_gate.md, "Recommended settings"). With the chart's Ignore, a pod
        // created while no controller endpoint answers (the controller down, or a pod Ready before
        // the webhook Service lists it) starts without its readiness gate and a rollout can end the
        // old color's pods before the new ones are healthy targets; with Fail it is refused and its
        // ReplicaSet retries until the webhook answers. The selector sends only the colors' serving
        // pods (`launchpad.dev/role: workload`, the label the preview Services select: components/
        // blue-green-service.ts servingSelector) so the gate, migration and load-test Jobs, the
        // backup CronJobs and the charts' pods in the namespace never wait on the controller. The
        // chart renders both into the mpod webhook (eks-charts@5239609 templates/webhook.yaml:22
        // and :36-48, after its own `app.kubernetes.io/name NotIn (aws-load-balancer-controller)`);
        // `webhookNamespaceSelectors` stays unset: it would also give the Fail-only `quicid` webhook
        // (:59-92) the readiness-gate namespace. policies/deployability.ts
        // `preflight-readiness-gate-controller` checks every target pod is selected and no other.
        podMutatorWebhookConfig: { failurePolicy: "Fail" },
        objectSelector: { matchLabels: { [ROLE_LABEL]: ROLES.workload } },
        // The chart writes the map into the budget's spec (eks-charts@5239609 templates/pdb.yaml:13);
        // unready controller pods never block a drain (lib/workload.ts UNHEALTHY_POD_EVICTION_POLICY).
        podDisruptionBudget: { maxUnavailable: 1, unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
}

/**
 * metrics-server's resource requests for a cluster of at most `maxNodes` nodes, from its README
 * (kubernetes-sigs/metrics-server README.md "Scaling" at metrics-server-helm-chart-3.13.1,
 * 842dcc8c): the chart's default requests, 100m CPU and 200MiB, "guarantee good performance for most
 * cluster configurations up to 100 nodes"; "For clusters of more than 100 nodes, allocate
 * additionally: 1m core per node, 2MiB memory per node". The memory limit is twice the request,
 * Launchpad's margin: a limit below what the README asks for kills the pod (OOMKilled) as the cluster
 * grows, and HPAs lose their metrics just when they scale.
 */
export function metricsServerResources(maxNodes: number): { requests: { cpu: string; memory: string }; limits: { memory: string } } {
    const beyond = Math.max(0, maxNodes - 100);
    const memoryMi = 200 + 2 * beyond;
    return { requests: { cpu: `${100 + beyond}m`, memory: `${memoryMi}Mi` }, limits: { memory: `${2 * memoryMi}Mi` } };
}

/**
 * Label selector of the metrics-server chart's pods: its `metrics-server.selectorLabels`
 * (templates/_helpers.tpl:51-54), the chart's name and the release's, which {@link Platform} names after the chart.
 */
export const METRICS_SERVER_POD_LABELS = deepFreeze({ [APP_LABELS.name]: HELM_CHARTS.metricsServer.chart, [APP_LABELS.instance]: HELM_CHARTS.metricsServer.chart });

/**
 * Values of the metrics-server chart: two replicas behind a PDB, so HPAs never lose their metrics to one
 * drain, kept apart by a preferred anti-affinity on the node, as the project's high-availability
 * manifest keeps them (manifests/components/high-availability/patch.yaml at metrics-server-helm-chart-3.13.1:
 * `podAntiAffinity` on `kubernetes.io/hostname`), so one node lost does not take both; preferred, not
 * that manifest's required, because it "requires having a cluster with at least 2 nodes" (README.md,
 * High Availability): on a one-node cluster the second replica would wait Pending and fail the release's wait.
 * Requests sized for `maxNodes` ({@link metricsServerResources}).
 * The chart mounts an emptyDir `tmp` in its pods (templates/deployment.yaml:142-144, `tmpVolume`)
 * for its self-signed serving certificate (`--cert-dir=/tmp`), which it writes again at start: named in
 * the Cluster Autoscaler's annotation, it does not keep the two nodes they run on from scaling down
 * (lib/workload.ts AUTOSCALER_ANNOTATIONS; the chart puts `podAnnotations` on the pod template, :31-34).
 */
export function metricsServerValues(maxNodes: number): Record<string, unknown> {
    return {
        replicas: 2,
        // unhealthyPodEvictionPolicy: the chart renders it on Kubernetes >= 1.27 (templates/pdb.yaml).
        podDisruptionBudget: { enabled: true, maxUnavailable: 1, unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY },
        podAnnotations: { [AUTOSCALER_ANNOTATIONS.safeToEvictLocalVolumes]: "tmp" },
        securityContext: restrictedContainer(),
        // templates/deployment.yaml:166-169 writes the map into the pod spec's affinity.
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                    weight: 100,
                    podAffinityTerm: { labelSelector: { matchLabels: { ...METRICS_SERVER_POD_LABELS } }, topologyKey: "kubernetes.io/hostname" },
                }],
            },
        },
        resources: metricsServerResources(maxNodes),
    };
}

/**
 * Node labels EKS puts on a managed node group's nodes that the autoscaler's AWS comparator does not
 * ignore when it decides whether two groups are "similar" (kubernetes/autoscaler
 * processors/nodegroupset/aws_nodegroups.go at cluster-autoscaler-1.36.1 and 1.35.2 ignores
 * `eks.amazonaws.com/nodegroup` only). The EKS user guide (awsdocs/amazon-eks-user-guide
 * latest/ug/nodes/managed-node-update-behavior.adoc, "Amazon EKS applied labels ... in a custom
 * launch template or AMI node group") lists these: the zones' groups share one launch template, so
 * they agree until a rolling update moves one group to a new AMI or template version before the
 * others; while they differ, the groups are not similar and scale-ups stop balancing the zones.
 * eks.amazonaws.com/sourceLaunchTemplateId is the label awsdocs/amazon-eks-user-guide#411 and
 * kubernetes/autoscaler#3515 found breaking --balance-similar-node-groups on per-zone groups.
 */
export const BALANCING_IGNORED_EKS_LABELS: readonly string[] = [
    "eks.amazonaws.com/nodegroup-image",
    "eks.amazonaws.com/sourceLaunchTemplateId",
    "eks.amazonaws.com/sourceLaunchTemplateVersion",
];

export interface ClusterAutoscalerValuesArgs {
    readonly clusterName: string;
    readonly region: string;
    readonly kubernetesVersion: string;
}

/**
 * Values of the cluster-autoscaler chart: auto-discovery by the node groups' EKS tags (the chart's
 * default `autoDiscovery.tags`, k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<clusterName>,
 * become `--node-group-auto-discovery=asg:tag=...`: charts/cluster-autoscaler values.yaml and
 * templates/deployment.yaml at the pinned chart), the image of the cluster's minor.
 * `balance-similar-node-groups` keeps the one-per-zone groups (components/cluster.ts) even on
 * scale-up, as the autoscaler's AWS README ("an ASG-per-AZ while enabling
 * --balance-similar-node-groups"), the EKS user guide (managed-node-groups.adoc) and the EKS
 * best-practices guide (autoscaling/cluster-autoscaler.adoc, "EBS Volumes") ask; the AWS comparator
 * ignores the labels that differ between such groups (eks.amazonaws.com/nodegroup,
 * topology.ebs.csi.aws.com/zone: processors/nodegroupset/aws_nodegroups.go), the zone labels too
 * (compare_nodegroups.go BasicIgnoredLabels); the labels EKS adds beyond those are ignored by
 * `--balancing-ignore-label` ({@link BALANCING_IGNORED_EKS_LABELS}; the chart passes `<flag>_<n>`
 * keys as repeated `--<flag>`, templates/deployment.yaml `mustRegexFind "^[^_]+"`).
 */
export function clusterAutoscalerValues(a: ClusterAutoscalerValuesArgs, component?: pulumi.Resource): Record<string, unknown> {
    const tag = CLUSTER_AUTOSCALER_IMAGE_TAGS[a.kubernetesVersion];
    if (tag === undefined) {
        throw new pulumi.ResourceError(`no Cluster Autoscaler image is pinned for Kubernetes ${a.kubernetesVersion} (lib/versions.ts CLUSTER_AUTOSCALER_IMAGE_TAGS has ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")})`, component);
    }
    return {
        cloudProvider: "aws",
        awsRegion: a.region,
        autoDiscovery: { clusterName: a.clusterName },
        image: { tag },
        rbac: { serviceAccount: { create: false, name: PLATFORM_SERVICE_ACCOUNTS.clusterAutoscaler } },
        extraArgs: {
            "balance-similar-node-groups": true,
            expander: "least-waste",
            "skip-nodes-with-system-pods": false,
            ...Object.fromEntries(BALANCING_IGNORED_EKS_LABELS.map((label, i) => [`balancing-ignore-label_${i + 1}`, label])),
        },
        containerSecurityContext: restrictedContainer(),
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    };
}

/** Retries of a failed CloudWatch Logs flush before Fluent Bit drops the chunk (its default is 1). */
export const FLUENT_BIT_RETRY_LIMIT = 5;

export interface FluentBitValuesArgs {
    readonly clusterName: string;
    readonly region: string;
    readonly retentionDays: number;
}

/**
 * Values of the aws-for-fluent-bit chart: CloudWatch Logs only, one group per namespace
 * (`logGroupTemplate`), streams per pod and container; the groups Launchpad does not create
 * itself get the same retention from Fluent Bit.
 *
 * The chart writes them as the `cloudwatch_logs` output's log_group_name, log_group_template,
 * log_stream_template, auto_create_group and log_retention_days (templates/configmap.yaml:109-140 at
 * the pinned commit). Fluent Bit's manual (pipeline/outputs/cloudwatch.md): the template uses
 * record_accessor syntax and falls back to log_group_name when it cannot be resolved; the retention
 * is set on groups the output creates. `$kubernetes[...]` is there because the chart's kubernetes
 * filter is on by default (values.yaml filter.enabled, matching the input's kube.* tag).
 */
export function fluentBitValues(a: FluentBitValuesArgs): Record<string, unknown> {
    return {
        serviceAccount: { create: false, name: PLATFORM_SERVICE_ACCOUNTS.fluentBit },
        // A node's log shipper must run on it even when app pods have filled it: with no priority
        // class the DaemonSet's pod waits Pending there and that node's logs never leave it. The
        // chart reads the key in templates/daemonset.yaml:33-34 and suggests this very value
        // (values.yaml:292, commented out); the other three charts run system-cluster-critical.
        priorityClassName: "system-node-critical",
        cloudWatchLogs: {
            enabled: true,
            region: a.region,
            logGroupName: containerLogGroupName(a.clusterName, "unknown"),
            logGroupTemplate: `${containerLogGroupName(a.clusterName, "$kubernetes['namespace_name']")}`,
            logStreamTemplate: "$kubernetes['pod_name'].$kubernetes['container_name']",
            autoCreateGroup: true,
            logRetentionDays: a.retentionDays,
            // Fluent Bit's default Retry_Limit is 1 (docs.fluentbit.io administration/scheduling-and-retries):
            // a chunk whose flush fails twice (a throttled or failed PutLogEvents, an STS hiccup) is
            // dropped. Five retries on the scheduler's backoff (base 5 s, doubling) ride out minutes;
            // still finite, so a lasting error (AccessDenied) does not hold the tail input paused at
            // Mem_Buf_Limit forever. The chart appends extraOutputs to this output's section
            // (templates/configmap.yaml:160-162 at the pinned commit; values.yaml has it commented out).
            extraOutputs: `Retry_Limit ${FLUENT_BIT_RETRY_LIMIT}`,
        },
        firehose: { enabled: false },
        kinesis: { enabled: false },
        elasticsearch: { enabled: false },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    };
}

export interface PlatformArgs {
    /** The EKS cluster's fixed name (log groups and the autoscaler's tag are named after it). */
    readonly clusterName: string;
    /** The cluster's Kubernetes minor: picks the add-on versions and the autoscaler image. */
    readonly kubernetesVersion: string;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuerUrl: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    /** Nodes to run on, every zone's group: every add-on and chart that runs pods waits for them all. */
    readonly nodeGroups: readonly pulumi.Resource[];
    /**
     * Most nodes the cluster runs at once: the node groups' `maxSize` total plus each zone's update
     * surge (config/node-group.ts UPDATE_SURGE_NODES_PER_ZONE). Sizes metrics-server ({@link metricsServerResources}).
     */
    readonly maxNodes: number;
    /** Namespaces whose container log groups Launchpad creates (with `logRetentionDays`). */
    readonly logNamespaces: readonly string[];
    readonly logRetentionDays: number;
    readonly tags: Tags;
}

export class Platform extends pulumi.ComponentResource {
    /** The Ingress class the controller serves. */
    public readonly ingressClass: string;
    /**
     * The controller's release. An Ingress depends on it, so the ALB is never asked of nobody; so
     * does every Deployment in the namespace labelled for readiness-gate injection (components/cluster.ts
     * namespaceLabels), because the controller's pod webhook gives a pod its gate only when the pod is
     * created (controller v3.5.0 docs/deploy/pod_readiness_gate.md, "the controller injects the config
     * to the pod spec only during pod creation") and, failing closed ({@link loadBalancerControllerValues}),
     * refuses a selected pod while no controller answers (same page, "FailurePolicy"). The release being created
     * means the webhook serves: pulumi-kubernetes installs with Helm's wait (provider/pkg/provider/
     * helm_release.go, `client.Wait = !SkipAwait`), which waits for the Deployment's ready replicas
     * (helm pkg/kube/ready.go deploymentReady), and a controller pod is ready only once its webhook
     * server has started (controller v3.5.0 main.go, `AddReadyzCheck("ready-webhook",
     * mgr.GetWebhookServer().StartedChecker())`, the chart's readinessProbe /readyz).
     * policies/deployability.ts `preflight-readiness-gate-controller` checks the dependency.
     */
    public readonly loadBalancerController: k8s.helm.v3.Release;
    public readonly storageClassName: pulumi.Output<string>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:platform:Platform", name, {}, opts);
        // Pins first: an unpinned Kubernetes minor fails here, naming this component, before anything is created.
        addonVersions(args.kubernetesVersion, this);
        const autoscalerValues = clusterAutoscalerValues({ clusterName: args.clusterName, region: args.region, kubernetesVersion: args.kubernetesVersion }, this);

        const ebs = this.createAddons(name, args);
        this.storageClassName = this.createStorageClass(name, args, ebs);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        this.loadBalancerController = this.createLoadBalancerController(name, args);
        this.ingressClass = ALB_INGRESS_CLASS;
        this.release(`${name}-metrics-server`, HELM_CHARTS.metricsServer, metricsServerValues(args.maxNodes), args);
        this.createAutoscaler(name, args, autoscalerValues);
        this.createContainerLogs(name, args, accountId);

        this.registerOutputs({ ingressClass: this.ingressClass, storageClassName: this.storageClassName });
    }

    /** IRSA for a platform service account in the platform namespace. */
    private irsa(args: PlatformArgs): Omit<ServiceAccountRoleArgs, "serviceAccountName"> {
        return { oidcProviderArn: args.oidcProviderArn, oidcIssuerUrl: args.oidcIssuerUrl, namespace: PLATFORM_NAMESPACE, tags: args.tags };
    }

    /** The default gp3 StorageClass, once the EBS CSI driver that provisions it is there. */
    private createStorageClass(name: string, args: PlatformArgs, ebs: aws.eks.Addon): pulumi.Output<string> {
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, storageClassArgs(), { parent: this, provider: args.k8sProvider, dependsOn: [ebs] });
        return storageClass.metadata.name;
    }

    /** The AWS Load Balancer Controller: its vendored IAM policy, its IRSA service account, its chart. */
    private createLoadBalancerController(name: string, args: PlatformArgs): k8s.helm.v3.Release {
        const { clusterName, region } = args;
        const lbcPolicy = new aws.iam.Policy(`${name}-lbc-policy`, {
            description: "AWS Load Balancer Controller (vendor/aws-load-balancer-controller)",
            policy: JSON.stringify(loadBalancerControllerPolicy(awsPartition(region))),
            tags: childTags(args.tags, `${name}-lbc-policy`),
        }, { parent: this });
        const account = serviceAccountWithRole(this, `${name}-lbc`, { ...this.irsa(args), serviceAccountName: PLATFORM_SERVICE_ACCOUNTS.loadBalancerController, policyArns: [lbcPolicy.arn], k8sProvider: args.k8sProvider });
        const crds = this.createLoadBalancerControllerCrds(name, args);
        return this.release(`${name}-lbc`, HELM_CHARTS.awsLoadBalancerController, loadBalancerControllerValues({ clusterName, region, vpcId: args.vpcId }), args, [...account.ready, ...crds], { skipCrds: true });
    }

    /**
     * The controller chart's CRDs, applied by Launchpad from the vendored files of the pinned chart, so a
     * pin bump shows their change in `pulumi preview` and applies it before the controller's upgrade (the
     * release depends on them; Helm, `skipCrds`, installs none). A Patch resource, not a
     * CustomResourceDefinition: pulumi-kubernetes creates a plain resource with a create that fails on an
     * existing object (since 4.29.0, provider/pkg/await/await.go `Creation`, unless the whole provider
     * sets `upsertExistingObjects`, whose doc in the installed provider.d.ts says the same), and on every stack deployed before this the chart's install created
     * them; a Patch is applied server-side ("we always upsert the object", same function), so it creates
     * them on a new cluster and adopts Helm's on an old one. Never deleted (`retainOnDelete`): deleting a
     * CRD deletes every object of its kind in the cluster, every TargetGroupBinding included (Helm
     * refuses to, "due to the danger for unintentional data loss": helm-www chart_best_practices/
     * custom_resource_definitions.md); a Patch's delete would only give up its fields, which the API
     * refuses for required ones (provider.go `Delete`); and the CRDs go with the cluster when the
     * stack is destroyed.
     */
    private createLoadBalancerControllerCrds(name: string, args: PlatformArgs): k8s.apiextensions.v1.CustomResourceDefinitionPatch[] {
        return loadBalancerControllerCrds().map((crd) => new k8s.apiextensions.v1.CustomResourceDefinitionPatch(`${name}-lbc-crd-${crd.metadata.name}`, crdPatchArgs(crd), {
            parent: this,
            provider: args.k8sProvider,
            retainOnDelete: true,
        }));
    }

    /** The Cluster Autoscaler: its IRSA service account limited to this cluster's node groups, its chart. */
    private createAutoscaler(name: string, args: PlatformArgs, values: Record<string, unknown>): void {
        const account = serviceAccountWithRole(this, `${name}-autoscaler`, {
            ...this.irsa(args),
            serviceAccountName: PLATFORM_SERVICE_ACCOUNTS.clusterAutoscaler,
            inlinePolicy: JSON.stringify(clusterAutoscalerPolicy(args.clusterName)),
            k8sProvider: args.k8sProvider,
        });
        this.release(`${name}-autoscaler`, HELM_CHARTS.clusterAutoscaler, values, args, account.ready);
    }

    /** Container logs: the log groups Launchpad owns (with the tier's retention) and Fluent Bit shipping to them. */
    private createContainerLogs(name: string, args: PlatformArgs, accountId: pulumi.Output<string>): void {
        const { clusterName, region } = args;
        const groups = args.logNamespaces.map((ns) => new aws.cloudwatch.LogGroup(`${name}-logs-${ns}`, {
            name: containerLogGroupName(clusterName, ns),
            retentionInDays: args.logRetentionDays,
            tags: childTags(args.tags, `${name}-logs-${ns}`),
        }, { parent: this }));
        const account = serviceAccountWithRole(this, `${name}-fluent-bit`, {
            ...this.irsa(args),
            serviceAccountName: PLATFORM_SERVICE_ACCOUNTS.fluentBit,
            inlinePolicy: accountId.apply((account) => JSON.stringify(fluentBitPolicy(`arn:${awsPartition(region)}:logs:${region}:${account}:log-group:${containerLogGroupName(clusterName, "")}`))),
            k8sProvider: args.k8sProvider,
        });
        // After the groups Launchpad owns, and removed before them: Fluent Bit creates any group it
        // writes to that is missing (`autoCreateGroup`), which would take the name from Pulumi's
        // create ("ResourceAlreadyExistsException") or outlive Pulumi's delete.
        this.release(`${name}-fluent-bit`, HELM_CHARTS.fluentBit, fluentBitValues({ clusterName, region, retentionDays: args.logRetentionDays }), args, [...account.ready, ...groups]);
    }

    /**
     * The managed add-ons that run on nodes (the VPC CNI comes with the cluster, before them);
     * returns the EBS CSI driver's, which the StorageClass needs.
     */
    private createAddons(name: string, args: PlatformArgs): aws.eks.Addon {
        const ebs = serviceAccountRole(this, `${name}-ebs-csi`, {
            ...this.irsa(args),
            serviceAccountName: PLATFORM_SERVICE_ACCOUNTS.ebsCsiController,
            policyArns: [managedPolicyArn("service-role/AmazonEBSCSIDriverPolicy", awsPartition(args.region))],
        });
        const addons = AFTER_NODES_ADDONS.map((addonName) => new aws.eks.Addon(`${name}-${addonName}`, eksAddonArgs({
            clusterName: args.clusterName,
            addonName,
            addonVersion: addonVersion(this, args.kubernetesVersion, addonName),
            ...(addonName === "aws-ebs-csi-driver" ? { serviceAccountRoleArn: ebs.role.arn, configurationValues: EBS_CSI_CONFIGURATION } : {}),
            tags: childTags(args.tags, `${name}-${addonName}`),
        }), {
            parent: this,
            // The driver's controller calls EC2 as soon as it runs: after its role's policy too.
            dependsOn: [...args.nodeGroups, ...(addonName === "aws-ebs-csi-driver" ? ebs.ready : [])],
        }));
        return addons[AFTER_NODES_ADDONS.indexOf("aws-ebs-csi-driver")];
    }

    /**
     * A pinned chart in the platform namespace, atomic, after the nodes exist and `after` (its IRSA
     * service account and grants: the chart's pods name an account it does not create, and the CRDs
     * its templates use). `extra.skipCrds`: for a chart whose CRDs Launchpad applies itself. The other
     * pinned charts ship none (no `crds/` directory nor CRD template at their pinned commits).
     */
    private release(name: string, pin: HelmChartPin, values: pulumi.Input<Record<string, unknown>>, args: PlatformArgs, after: readonly pulumi.Resource[] = [], extra: Pick<k8s.helm.v3.ReleaseArgs, "skipCrds"> = {}): k8s.helm.v3.Release {
        return new k8s.helm.v3.Release(name, {
            name: pin.chart,
            namespace: PLATFORM_NAMESPACE,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
            values,
            atomic: true,
            ...extra,
        }, { parent: this, dependsOn: [...args.nodeGroups, ...after], provider: args.k8sProvider });
    }
}
