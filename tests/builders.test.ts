/**
 * Exported pure builders that the constructors delegate to, called directly (issue 16: "a constructor
 * that reads as a table of contents and delegates to exported builders that tests call directly").
 * Each was until now exercised only through whole plans. One describe per builder: what it returns for
 * a meaningful input, and one edge case, with the service whose rule the edge case follows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ABORT_INCOMPLETE_UPLOAD_DAYS, NONCURRENT_VERSION_DAYS, logLifecycleRules } from "../components/backup-storage";
import { servingSelector } from "../components/blue-green-service";
import { EKS_PROVIDES } from "../components/cluster";
import { eksAddonArgs } from "../components/eks-addon";
import { loadGatePrometheus, oidcIssuerFromProviderArn } from "../components/environment";
import { DB_IMAGE_UID, SCRIPT_FILES, cronJobSpec, dumpJobContainers, verifyJobContainers } from "../components/logical-backup";
import { MAX_AZS, planSubnets, subnetPlanProblem } from "../components/network";
import {
    DEFAULT_STORAGE_CLASS,
    PLATFORM_SERVICE_ACCOUNTS,
    containerLogGroupName,
    FLUENT_BIT_RETRY_LIMIT,
    fluentBitValues,
    loadBalancerControllerPolicy,
    loadBalancerControllerValues,
    METRICS_SERVER_POD_LABELS,
    metricsServerResources,
    metricsServerValues,
    storageClassArgs,
} from "../components/platform";
import { tlsOnlyPolicy, tlsOnlyStatements } from "../components/secure-bucket";
import { parseConfig, type LaunchpadConfig } from "../config";
import { TIERS, safetyFor } from "../config/tier";
import { accessEntrySuffix, serviceAccountTrustPolicy } from "../lib/iam";
import { restrictedContainer, restrictedPod } from "../lib/pod-security";
import { ROLES, ROLE_LABEL } from "../lib/delivery";
import { ALB_INGRESS_CLASS } from "../lib/alb";
import { HELM_CHARTS } from "../lib/versions";
import { EXISTING_NETWORK, loadConfigFor } from "./support/config";
import { stagingConfig } from "./support/project";
import { valueOf } from "./support/values";

const REPO_ROOT = join(__dirname, "..");

/** The pod spec of a CronJob spec the builder wrote as plain values. */
function podOf<T>(spec: ReturnType<typeof cronJobSpec>): T {
    return (spec.jobTemplate as { spec: { template: { spec: T } } }).spec.template.spec;
}


describe("logLifecycleRules (backup-storage: the access-log bucket's lifecycle)", () => {
    it("expires logs after the tier's retention, and their non-current versions and stalled uploads a week later", () => {
        expect(logLifecycleRules(30)).toEqual([{
            id: "expire-30d",
            status: "Enabled",
            filter: {},
            expiration: { days: 30 },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
        }]);
    });

    // S3 User Guide, "Lifecycle configuration elements" / versioning: in a versioning-enabled bucket
    // (every SecureBucket) Expiration only adds a delete marker; the data goes with NoncurrentVersionExpiration.
    it("every tier's rule also expires non-current versions (an Expiration alone only adds delete markers to a versioned bucket), under an id naming its retention", () => {
        const rules = TIERS.map((t) => logLifecycleRules(safetyFor(t).logRetentionDays)[0]);
        expect(rules.map((r) => r.id)).toEqual(["expire-30d", "expire-365d"]);
        for (const r of rules) {
            expect(r.noncurrentVersionExpiration).toEqual({ noncurrentDays: 7 });
        }
    });
});

describe("tlsOnlyStatements (secure-bucket: every bucket's TLS-only policy)", () => {
    const bucket = "arn:aws:s3:::launchpad-staging-backups-eu";

    it("denies to everyone, on the bucket and every object, requests without TLS and requests with TLS older than 1.2", () => {
        expect(tlsOnlyStatements(bucket)).toEqual([
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, `${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
            { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, `${bucket}/*`], Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
        ]);
    });

    // IAM User Guide, "IAM JSON policy elements: Sid": Sids must be unique within a policy; a bucket
    // policy that adds its own statements (backup-storage's replication denies) appends to these.
    it("its Sids are unique, so a bucket's own statements can be appended, and the default policy is exactly these two", () => {
        const sids = tlsOnlyStatements(bucket).map((s) => (s as { Sid: string }).Sid);
        expect(new Set(sids).size).toBe(sids.length);
        expect(tlsOnlyPolicy(bucket)).toEqual({ Version: "2012-10-17", Statement: tlsOnlyStatements(bucket) });
    });
});

describe("cronJobSpec (logical-backup: the dump and verify CronJobs)", () => {
    const parts = {
        engine: "mysql",
        databaseName: "app",
        bucketName: "launchpad-staging-dumps",
        region: "eu-west-1",
        criticalTables: ["orders"],
        connectionSecretName: "database-connection",
        backup: { weeklyDay: 7 },
        dbImage: "mysql:8.4",
    } as const;
    const labels = { "app.kubernetes.io/name": "database-dump" };

    it("runs on the schedule in UTC, never overlapping itself, one retry, history of three, the pod restricted with the DB image's group on its volumes", () => {
        const jobs = dumpJobContainers(parts);
        const spec = cronJobSpec({ schedule: "15 2 * * *", serviceAccountName: "dump", activeDeadlineSeconds: 7200, ...jobs }, "scripts-cm", labels);
        expect(spec).toMatchObject({
            schedule: "15 2 * * *",
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: { metadata: { labels }, spec: { backoffLimit: 1, activeDeadlineSeconds: 7200, template: { metadata: { labels } } } },
        });
        const pod = podOf<{ restartPolicy: string; serviceAccountName: string; securityContext: unknown; initContainers: unknown; containers: unknown }>(spec);
        expect(pod.restartPolicy).toBe("Never");
        expect(pod.serviceAccountName).toBe("dump");
        expect(pod.securityContext).toEqual(restrictedPod({ fsGroup: DB_IMAGE_UID }));
        expect({ initContainers: pod.initContainers, containers: pod.containers }).toEqual(jobs);
    });

    // A pod whose container mounts a volume the pod does not declare is refused by the API server
    // (Kubernetes validation: "volumeMounts[].name: Not found"): every mount of both jobs' real
    // containers must name one of the spec's volumes, and the scripts run from the ConfigMap's mount.
    it("declares every volume the dump's and the verify's containers mount, the scripts read-only and executable", () => {
        for (const jobs of [dumpJobContainers(parts), verifyJobContainers(parts)]) {
            const pod = podOf<{
                volumes: { name: string; configMap?: { name: string; defaultMode: number } }[];
                initContainers: { volumeMounts?: { name: string; mountPath: string }[]; command?: string[] }[];
                containers: { volumeMounts?: { name: string; mountPath: string }[]; command?: string[] }[];
            }>(cronJobSpec({ schedule: "0 4 * * 0", serviceAccountName: "sa", activeDeadlineSeconds: 60, ...jobs }, "scripts-cm", labels));
            const volumes = pod.volumes.map((v) => v.name);
            const containers = [...pod.initContainers, ...pod.containers];
            const mounted = containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name));
            expect(mounted.length).toBeGreaterThan(0);
            expect(mounted.filter((m) => !volumes.includes(m))).toEqual([]);
            expect(pod.volumes.find((v) => v.name === "scripts")?.configMap).toEqual({ name: "scripts-cm", defaultMode: 0o555 });
            const scriptsAt = containers.flatMap((c) => c.volumeMounts ?? []).find((m) => m.name === "scripts")?.mountPath;
            const scripts = containers.flatMap((c) => c.command ?? []).filter((a) => a.startsWith(`${scriptsAt}/`));
            expect(scripts.length).toBeGreaterThan(0);
            expect(scripts.filter((s) => !(SCRIPT_FILES as readonly string[]).includes(s.slice(`${scriptsAt}/`.length)))).toEqual([]);
        }
    });
});

describe("subnetPlanProblem (network: what planSubnets cannot carve)", () => {
    it("accepts a network address with 1 to 6 AZs, the range planSubnets carves", () => {
        expect(subnetPlanProblem("10.0.0.0/16", 1)).toBeUndefined();
        expect(subnetPlanProblem("10.20.0.0/20", MAX_AZS)).toBeUndefined();
        expect(planSubnets("10.20.0.0/20", MAX_AZS).private).toHaveLength(6);
    });

    it.each([
        ["10.0.0.1/16", 2, 'cidr: received "10.0.0.1/16"; expected an IPv4 CIDR such as 10.0.0.0/16'],
        ["10.0.0.0", 2, 'cidr: received "10.0.0.0"; expected an IPv4 CIDR such as 10.0.0.0/16'],
        ["10.0.0.0/16", 0, "azCount: received 0; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", 7, "azCount: received 7; expected a whole number from 1 to 6"],
        ["10.0.0.0/16", 2.5, "azCount: received 2.5; expected a whole number from 1 to 6"],
    ])("%s over %d AZs: %s (and planSubnets throws exactly that)", (cidr, azCount, problem) => {
        expect(subnetPlanProblem(cidr, azCount)).toBe(problem);
        expect(() => planSubnets(cidr, azCount)).toThrow(new RangeError(problem));
    });
});

describe("eksAddonArgs (eks-addon: one managed add-on)", () => {
    // EKS API CreateAddon/UpdateAddon resolveConflicts: OVERWRITE replaces the values of the
    // self-managed copy EKS installed on a new cluster; PRESERVE is not accepted on create
    // (pulumi-aws eks.Addon docs: "PRESERVE can only be used for upgrading the add-ons").
    it("adopts what EKS installed itself (OVERWRITE on create and on update) and runs as its IRSA role", () => {
        expect(eksAddonArgs({ clusterName: "launchpad-staging", addonName: "vpc-cni", addonVersion: "v1.20.4-eksbuild.2", serviceAccountRoleArn: "arn:aws:iam::111122223333:role/cni", tags: { project: "launchpad" } })).toEqual({
            clusterName: "launchpad-staging",
            addonName: "vpc-cni",
            addonVersion: "v1.20.4-eksbuild.2",
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            serviceAccountRoleArn: "arn:aws:iam::111122223333:role/cni",
            tags: { project: "launchpad" },
        });
    });

    it("an add-on with no AWS permission gets no serviceAccountRoleArn key at all (it then runs as the node's role)", () => {
        const args = eksAddonArgs({ clusterName: "c", addonName: "coredns", addonVersion: "v1", tags: {} });
        expect("serviceAccountRoleArn" in args).toBe(false);
        expect(args.resolveConflictsOnCreate).toBe("OVERWRITE");
    });
});

describe("accessEntrySuffix (cluster: an access entry's child name)", () => {
    it("is the role's name, lower-cased, its path left out", () => {
        expect(accessEntrySuffix("arn:aws:iam::111122223333:role/launchpad-staging-deploy")).toBe("launchpad-staging-deploy");
        expect(accessEntrySuffix("arn:aws:iam::111122223333:role/teams/platform/Deploy")).toBe("deploy");
    });

    // IAM role names may hold + = , . @ _ (IAM API Reference, CreateRole RoleName pattern [\w+=,.@-]+);
    // a Pulumi child name takes them, but the suffix keeps to what a Kubernetes-style name allows.
    // Two roles can then share a suffix: config refuses that pair (tests/config-service-rules.test.ts).
    it("maps the other characters IAM allows in a role name to '-', so ops.admin and ops_admin share one", () => {
        expect(accessEntrySuffix("arn:aws:iam::111122223333:role/ops.admin")).toBe("ops-admin");
        expect(accessEntrySuffix("arn:aws:iam::111122223333:role/ops_admin")).toBe("ops-admin");
        expect(accessEntrySuffix("arn:aws:iam::111122223333:role/a+b=c,d@e")).toBe("a-b-c-d-e");
    });
});

describe("what the cluster declares to the preflight (EksCluster: EKS_PROVIDES, ExistingCluster: cluster.provides)", () => {
    const existing = (provides?: Record<string, unknown>): LaunchpadConfig => parseConfig({
        project: "launchpad",
        stack: "shared",
        values: stagingConfig({ "launchpad:cluster": { kubeconfig: "apiVersion: v1", ...(provides !== undefined ? { provides } : {}) } }),
        secretKeys: new Set(["launchpad:cluster"]),
        offlinePlan: true,
    });
    // What ExistingCluster declares (its `provides`); undefined for Launchpad's EKS, so the assertions below fail on it.
    const existingProvides = (c: LaunchpadConfig["cluster"]) => (c.mode === "existing" ? c.provides : undefined);

    it("an existing cluster provides what its config declares", () => {
        expect(existingProvides(existing({ ingressClasses: ["nginx"], metricsApi: true }).cluster)).toEqual({
            ingressClasses: ["nginx"], storageClasses: [], defaultStorageClass: false, metricsApi: true, containerMetrics: false,
        });
    });

    it("Launchpad's EKS declares nothing, and an existing cluster that declares nothing provides nothing", async () => {
        const nothing = { ingressClasses: [], storageClasses: [], defaultStorageClass: false, metricsApi: false, containerMetrics: false };
        expect((await loadConfigFor("staging")).cluster.mode).toBe("eks");
        expect(EKS_PROVIDES).toEqual(nothing);
        expect(existingProvides(existing().cluster)).toEqual(nothing);
    });
});

describe("the platform charts' builders (platform)", () => {
    const vendored = (dir: string, file: string): string => readFileSync(join(REPO_ROOT, "vendor", dir, file), "utf8");

    it("loadBalancerControllerPolicy is the controller's published policy, which grants the target-health read readiness gates use", () => {
        const policy = loadBalancerControllerPolicy() as { Statement: { Action: string | string[] }[] };
        expect(policy).toEqual(JSON.parse(vendored("aws-load-balancer-controller", "iam-policy.json")));
        expect(policy.Statement.flatMap((s) => s.Action)).toContain("elasticloadbalancing:DescribeTargetHealth");
    });

    it("storageClassArgs: the one default class, gp3 through the EBS CSI driver, encrypted, created where the pod lands", () => {
        expect(storageClassArgs()).toEqual({
            metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: "Delete",
        });
    });

    it("loadBalancerControllerValues takes cluster, region and VPC from its arguments (never discovered through IMDS)", () => {
        const values = loadBalancerControllerValues({ clusterName: "launchpad-production", region: "eu-west-1", vpcId: "vpc-0a1b2c3d4e5f60718" });
        expect(values).toMatchObject({
            clusterName: "launchpad-production", region: "eu-west-1", vpcId: "vpc-0a1b2c3d4e5f60718",
            serviceAccount: { create: false, name: PLATFORM_SERVICE_ACCOUNTS.loadBalancerController },
            ingressClass: ALB_INGRESS_CLASS,
            defaultTargetType: "ip",
        });
    });

    // Edge: the pod webhook (failurePolicy Fail) must select every serving pod of both colors, and no
    // other pod of the namespace (a gate Job's pod would wait on the controller).
    it("loadBalancerControllerValues' pod webhook selects the serving pods of both colors and not a gate Job's pod", async () => {
        const { objectSelector } = loadBalancerControllerValues({ clusterName: "c", region: "us-east-1", vpcId: "vpc-1" }) as { objectSelector: { matchLabels: Record<string, string> } };
        const service = (await loadConfigFor("staging")).services[0];
        const selects = (podLabels: Record<string, unknown>): boolean => Object.entries(objectSelector.matchLabels).every(([k, v]) => podLabels[k] === v);
        expect(selects(servingSelector(service, "blue"))).toBe(true);
        expect(selects(servingSelector(service, "green"))).toBe(true);
        expect(selects({ ...servingSelector(service, "blue"), [ROLE_LABEL]: ROLES.gate })).toBe(false);
    });

    it("metricsServerValues: a drain leaves one of two replicas serving the HPAs, each container restricted, keys of the pinned chart", () => {
        const values = metricsServerValues(8) as { replicas: number; podDisruptionBudget: { enabled: boolean; maxUnavailable: number }; securityContext: unknown };
        expect(values.podDisruptionBudget.enabled).toBe(true);
        expect(values.replicas - values.podDisruptionBudget.maxUnavailable).toBe(1);
        expect(values.securityContext).toEqual(restrictedContainer());
        const chart = parseYaml(vendored("metrics-server", "values.yaml")) as Record<string, unknown>;
        expect(Object.keys(values).filter((k) => !(k in chart))).toEqual([]);
    });

    // kubernetes-sigs/metrics-server README.md "Scaling" (metrics-server-helm-chart-3.13.1): 100m and 200MiB
    // up to 100 nodes, then 1m and 2MiB more per node. Launchpad's old 50m/64Mi with a 256Mi limit was
    // below it at any size, and the limit OOM-killed the pods past ~128 nodes (nodeGroup.maxSize reaches 450).
    it("metricsServerResources: the README's requests up to 100 nodes and per node beyond, the limit twice the memory request", () => {
        expect(metricsServerResources(8)).toEqual({ requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } });
        expect(metricsServerResources(100)).toEqual({ requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } });
        expect(metricsServerResources(450 + 2 * 3)).toEqual({ requests: { cpu: "456m", memory: "912Mi" }, limits: { memory: "1824Mi" } });
        const chart = parseYaml(vendored("metrics-server", "values.yaml")) as { resources: { requests: { cpu: string; memory: string } } };
        expect(metricsServerResources(1).requests).toEqual(chart.resources.requests);
    });

    // manifests/components/high-availability/patch.yaml (metrics-server-helm-chart-3.13.1) keeps the two
    // replicas on different nodes by podAntiAffinity on kubernetes.io/hostname; preferred here, so a
    // one-node cluster still runs both. The selector must be the chart's own pod labels.
    it("metricsServerValues: the two replicas prefer different nodes, selected by the chart's pod labels", () => {
        const values = metricsServerValues(8) as { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { labelSelector: { matchLabels: Record<string, string> }; topologyKey: string } }[] } } };
        const [term] = values.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
        expect(term.podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
        // templates/_helpers.tpl:51-54 selectorLabels: name (the chart's, no nameOverride) and instance (the release's).
        expect(term.podAffinityTerm.labelSelector.matchLabels).toEqual({ "app.kubernetes.io/name": HELM_CHARTS.metricsServer.chart, "app.kubernetes.io/instance": HELM_CHARTS.metricsServer.chart });
        expect(METRICS_SERVER_POD_LABELS).toEqual(term.podAffinityTerm.labelSelector.matchLabels);
    });

    // CloudWatch Logs API, PutRetentionPolicy retentionInDays: "Possible values are: 1, 3, 5, 7, 14, 30,
    // 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653".
    // Fluent Bit sets it on every group it creates (log_retention_days): another value fails there.
    it("fluentBitValues: one group per namespace, the platform's own name for it, and a retention CloudWatch accepts for every tier", () => {
        const values = fluentBitValues({ clusterName: "launchpad-staging", region: "eu-west-1", retentionDays: 30 }) as { cloudWatchLogs: Record<string, unknown> };
        expect(values.cloudWatchLogs).toMatchObject({ enabled: true, region: "eu-west-1", logRetentionDays: 30, autoCreateGroup: true, logGroupName: containerLogGroupName("launchpad-staging", "unknown") });
        // The record accessor resolved for namespace "shop" is the group the platform names for it.
        const template = String(values.cloudWatchLogs.logGroupTemplate);
        expect(template.replace("$kubernetes['namespace_name']", "shop")).toBe(containerLogGroupName("launchpad-staging", "shop"));
        const accepted = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
        expect(TIERS.filter((tier) => !accepted.includes(safetyFor(tier).logRetentionDays))).toEqual([]);
    });
});

/**
 * The `cloudwatch_logs` [OUTPUT] section the pinned chart writes from `values` (vendor/aws-for-fluent-bit/
 * templates/configmap.yaml, blob b035d0e8 at eks-charts 2942cdce): only the template's own
 * `{{- if .Values.cloudWatchLogs.K }} line {{- end }}` guards, value substitutions and the
 * `extraOutputs | indent 8` line, which are all that section uses. Returns its "key value" lines.
 */
function renderCloudWatchLogsOutput(values: Record<string, unknown>): string[] {
    const template = readFileSync(join(REPO_ROOT, "vendor", "aws-for-fluent-bit", "templates", "configmap.yaml"), "utf8");
    const start = template.indexOf("{{- if .Values.cloudWatchLogs.enabled }}");
    const end = template.indexOf("{{- if .Values.firehose.enabled }}");
    expect(start).toBeGreaterThan(0);
    const section = template.slice(start, end).split("\n").slice(1);
    const out: string[] = [];
    let skipping = false;
    for (const line of section) {
        const guard = /\{\{- if \.Values\.cloudWatchLogs\.(\w+) \}\}/.exec(line);
        if (guard) { skipping = !values[guard[1]]; continue; }
        if (/\{\{- end -?\}\}/.test(line)) { skipping = false; continue; }
        if (skipping || line.trim() === "") continue;
        const indented = /^\{\{ \.Values\.cloudWatchLogs\.(\w+) \| indent 8 \}\}$/.exec(line);
        if (indented) { out.push(...String(values[indented[1]]).split("\n").filter((l) => l.trim() !== "").map((l) => l.trim())); continue; }
        const unhandled = line.replace(/\{\{ +\.Values\.cloudWatchLogs\.(\w+) \}\}/g, (_m, key: string) => String(values[key]));
        expect(unhandled, `a template construct this renderer does not know: ${line}`).not.toContain("{{");
        out.push(unhandled.trim().replace(/\s+/g, " "));
    }
    return out;
}

describe("the aws-for-fluent-bit chart's cloudwatch_logs output, rendered from the vendored template", () => {
    // fluent/fluent-bit plugins/out_cloudwatch_logs/cloudwatch_api.c: get_log_stream resolves
    // log_group_template (record accessor) and falls back to log_group_name; create_log_stream creates
    // a missing group only with auto_create_group, then PutRetentionPolicy with log_retention_days.
    // docs.fluentbit.io administration/scheduling-and-retries: Retry_Limit defaults to 1.
    it("writes each namespace to the platform's group, creates the missing ones with the tier's retention, and retries a failed flush five times", () => {
        const values = fluentBitValues({ clusterName: "launchpad-staging", region: "eu-west-1", retentionDays: 30 }) as { cloudWatchLogs: Record<string, unknown> };
        // Helm merges ours over the chart's values.yaml defaults (match "*", logStreamPrefix "fluentbit-").
        const defaults = (parseYaml(readFileSync(join(REPO_ROOT, "vendor", "aws-for-fluent-bit", "values.yaml"), "utf8")) as { cloudWatchLogs: Record<string, unknown> }).cloudWatchLogs;
        expect(renderCloudWatchLogsOutput({ ...defaults, ...values.cloudWatchLogs })).toEqual([
            "[OUTPUT]",
            "Name cloudwatch_logs",
            "Match *",
            "region eu-west-1",
            `log_group_name ${containerLogGroupName("launchpad-staging", "unknown")}`,
            `log_group_template ${containerLogGroupName("launchpad-staging", "$kubernetes['namespace_name']")}`,
            // The chart's default prefix: used only where the stream template does not resolve (get_log_stream).
            "log_stream_prefix fluentbit-",
            "log_stream_template $kubernetes['pod_name'].$kubernetes['container_name']",
            "auto_create_group true",
            "log_retention_days 30",
            `Retry_Limit ${FLUENT_BIT_RETRY_LIMIT}`,
        ]);
    });
});

describe("oidcIssuerFromProviderArn (environment: an existing network's OIDC issuer)", () => {
    // IAM User Guide, "Creating OpenID Connect (OIDC) identity providers": the provider's ARN is
    // arn:<partition>:iam::<account>:oidc-provider/<issuer URL without https://>.
    it("is the ARN's provider part behind https://, in any partition", () => {
        expect(oidcIssuerFromProviderArn(EXISTING_NETWORK.oidcProviderArn)).toBe("https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE");
        expect(oidcIssuerFromProviderArn("arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/X1")).toBe("https://oidc.eks.cn-north-1.amazonaws.com.cn/id/X1");
    });

    it("the issuer it gives makes an IRSA trust policy whose condition keys name the same provider as its Federated principal", () => {
        const arn = EXISTING_NETWORK.oidcProviderArn;
        const trust = serviceAccountTrustPolicy(arn, oidcIssuerFromProviderArn(arn), "shop", "api") as { Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[] };
        const host = arn.slice(arn.indexOf("oidc-provider/") + "oidc-provider/".length);
        expect(trust.Statement[0].Principal.Federated).toBe(arn);
        expect(Object.keys(trust.Statement[0].Condition.StringEquals).sort()).toEqual([`${host}:aud`, `${host}:sub`]);
    });
});

describe("loadGatePrometheus (environment: where the load gate reads its metrics)", () => {
    const access = { serviceAccountName: "loadtest", ready: [] };

    it("a self-hosted Prometheus is read as it is: its URL, unsigned, with no IRSA account", async () => {
        const config = await loadConfigFor("staging", ["launchpad:observability.prometheusUrl=https://prometheus.shop.internal"]);
        expect(loadGatePrometheus(config, { scrapedQueryUrl: undefined }, access)).toEqual({ prometheus: { url: "https://prometheus.shop.internal" } });
    });

    it("AMP is read through the workspace's query URL, signed in the stack's region by the load-test account", async () => {
        const config = await loadConfigFor("staging");
        const url = pulumi.output("https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/");
        const gate = loadGatePrometheus(config, { scrapedQueryUrl: url }, access);
        expect(gate.prometheus?.sigV4Region).toBe(config.region);
        expect(await valueOf(gate.prometheus?.url as pulumi.Input<string>)).toBe("https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/");
        expect(gate.access).toEqual(access);
    });

    // Edge: AMP needs both a workspace and an account that may sign; with either missing the gate
    // gets no Prometheus at all rather than an unsigned request AMP would answer 403.
    it("AMP without its workspace or without the signing account gives the gate nothing", async () => {
        const config = await loadConfigFor("staging");
        expect(loadGatePrometheus(config, { scrapedQueryUrl: undefined }, access)).toEqual({});
        expect(loadGatePrometheus(config, { scrapedQueryUrl: pulumi.output("https://aps") }, undefined)).toEqual({});
    });
});
