/**
 * Every pinned version Launchpad depends on, each next to the source it was read from.
 *
 * One owner: config rules (which EKS and RDS versions a stack may name), components (add-on and
 * chart versions) and tests read these tables; nothing else spells a version. To move a pin, read
 * the new value from its source, change it here, and update the source note beside it.
 *
 * Sources (read 2026-12-02; each row says which one it came from):
 * - [EKS-CAL] AWS EKS user guide, "Amazon EKS Kubernetes release calendar",
 *   awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc at commit
 *   013856044148d6eeed4723027a45aa2180536bcb (rows 1.29 to 1.34).
 * - [EOL-EKS] endoflife-date/release-data releases/amazon-eks.json at commit
 *   f626bdef8bf9d1503707c05034905184c3a795d6 (2026-08-22): the same AWS table, scraped
 *   ("release_table" of https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 *   per endoflife-date/endoflife.date products/amazon-eks.md), for 1.35 and 1.36, whose rows the
 *   awsdocs snapshot predates. Their release dates are the first EKS platform version of the minor
 *   in the same file (1.35-eks-3 on 2026-01-27, 1.36-eks-3 on 2026-06-02), scraped from
 *   https://docs.aws.amazon.com/eks/latest/userguide/platform-versions.html; for 1.34 that rule
 *   gives 2025-10-02, the calendar's own date.
 * - [EKS-COREDNS] https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-coredns.md,
 *   "CoreDNS versions" table (rows 1.36 .. 1.30).
 * - [EKS-KUBEPROXY] https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md,
 *   "kube-proxy versions" table (rows 1.36 .. 1.31).
 * - [EKS-VPCCNI] https://docs.amazonaws.cn/eks/latest/userguide/managing-vpc-cni.md,
 *   "Amazon VPC CNI versions" table (rows 1.35 .. 1.29, one version for every row), as an earlier
 *   session read it. Three later checks (2026-12-04 .. 06) could not open that page again: the
 *   indexed AWS copies of managing-vpc-cni / pod-networking stop at 1.33 (ja_jp) or are cut before
 *   the table (en .md), and the awsdocs/amazon-eks-user-guide snapshot (1ccc2ead, 2024-12-20)
 *   predates 1.35. So no vpc-cni value below is used: see EKS_ADDON_UNVERIFIED.
 * - [EBS-CSI] kubernetes-sigs/aws-ebs-csi-driver CHANGELOG.md at commit
 *   429e202e589798e55c0f8ddcc81b2850b7f000d0 (2026-08-19): newest driver release v1.64.0 (tag
 *   commit 6689789f192f8941878801f2730ea972a1196047); README.md:53 at that tag: "compatible with
 *   all Kubernetes versions supported by ... Amazon EKS". The repository names no EKS add-on build
 *   (`-eksbuild.N`) of the driver itself, and AWS publishes no add-on version table for it.
 * - [RDS] endoflife-date/release-data releases/amazon-rds-mysql.json (commit dbf06c93, 2026-08-22)
 *   and releases/amazon-rds-postgresql.json (commit e564d3d2, 2026-08-15), scraped from the AWS
 *   "Supported MySQL major versions on Amazon RDS" and "Release calendar for Amazon RDS for
 *   PostgreSQL" tables (column "RDS end of standard support date").
 */

/** One Kubernetes minor on EKS; dates are UTC `YYYY-MM-DD`. */
export interface EksVersion {
    readonly version: string;
    /** "Amazon EKS release" date. */
    readonly released: string;
    /** The version is in extended support (paid) from the start of this day, UTC. */
    readonly endOfStandardSupport: string;
    /** EKS upgrades the control plane after this day. */
    readonly endOfExtendedSupport: string;
    /** Where the row was read ([EKS-CAL] or [EOL-EKS], see the file header). */
    readonly source: string;
}

/** The AWS EKS Kubernetes version calendar, newest first. */
export const EKS_VERSIONS: readonly EksVersion[] = [
    { version: "1.36", released: "2026-06-02", endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02", source: "EOL-EKS" },
    { version: "1.35", released: "2026-01-27", endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27", source: "EOL-EKS" },
    // [EKS-CAL]: October 2, 2025 | December 2, 2026 | December 2, 2027
    { version: "1.34", released: "2025-10-02", endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02", source: "EKS-CAL" },
    // [EKS-CAL]: May 29, 2025 | July 29, 2026 | July 29, 2027
    { version: "1.33", released: "2025-05-29", endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29", source: "EKS-CAL" },
    // [EKS-CAL]: January 23, 2025 | March 23, 2026 | March 23, 2027
    { version: "1.32", released: "2025-01-23", endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23", source: "EKS-CAL" },
    // [EKS-CAL]: September 26, 2024 | November 26, 2025 | November 26, 2026
    { version: "1.31", released: "2024-09-26", endOfStandardSupport: "2025-11-26", endOfExtendedSupport: "2026-11-26", source: "EKS-CAL" },
    // [EKS-CAL]: May 23, 2024 | July 23, 2025 | July 23, 2026
    { version: "1.30", released: "2024-05-23", endOfStandardSupport: "2025-07-23", endOfExtendedSupport: "2026-07-23", source: "EKS-CAL" },
    // [EKS-CAL]: January 23, 2024 | March 23, 2025 | March 23, 2026
    { version: "1.29", released: "2024-01-23", endOfStandardSupport: "2025-03-23", endOfExtendedSupport: "2026-03-23", source: "EKS-CAL" },
];

/**
 * True when `v` is released and not yet past standard support on the UTC day `on` (`YYYY-MM-DD`).
 * AWS bills extended support "from the beginning of the day that the version reaches end of
 * standard support" [EKS-CAL], so that day itself is no longer standard support.
 */
export function inStandardSupport(v: EksVersion, on: string): boolean {
    return v.released <= on && on < v.endOfStandardSupport;
}

/** The calendar row of a minor, or undefined when EKS has no such version. */
export function eksVersion(version: string): EksVersion | undefined {
    return EKS_VERSIONS.find((v) => v.version === version);
}

/** Minors in standard support on the day `on`, newest first. */
export function eksVersionsInStandardSupport(on: string): string[] {
    return EKS_VERSIONS.filter((v) => inStandardSupport(v, on)).map((v) => v.version);
}

/** The EKS managed add-ons Launchpad installs. */
export type EksAddonName = "vpc-cni" | "coredns" | "kube-proxy" | "aws-ebs-csi-driver";

export const EKS_ADDON_NAMES: readonly EksAddonName[] = ["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"];

/**
 * Pinned add-on versions per Kubernetes minor (every version in standard support on 2026-12-02).
 *
 * Not every value could be read as an exact EKS add-on version (`vX.Y.Z-eksbuild.N`) for its minor:
 * those are listed in {@link EKS_ADDON_UNVERIFIED} with the sources checked, and are never sent to
 * EKS. In their place a deploy asks EKS for its default version of the add-on for the minor
 * (`aws.eks.getAddonVersion`, DescribeAddonVersions: components/eks-addon.ts `addonVersion`), which
 * a preview shows; `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>`
 * lists the same. Their values here are the upstream release, for reference only.
 */
export const EKS_ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<EksAddonName, string>>>> = {
    "1.36": {
        // Not used (EKS_ADDON_UNVERIFIED): resolved at deploy to EKS's default for 1.36.
        "vpc-cni": "v1.21.1-eksbuild.7",
        // [EKS-COREDNS] row 1.36
        coredns: "v1.14.3-eksbuild.3",
        // [EKS-KUBEPROXY] row 1.36
        "kube-proxy": "v1.36.0-eksbuild.14",
        // Not used (EKS_ADDON_UNVERIFIED): [EBS-CSI] upstream release; resolved at deploy to EKS's default for 1.36.
        "aws-ebs-csi-driver": "v1.64.0",
    },
    "1.35": {
        // Not used (EKS_ADDON_UNVERIFIED): [EKS-VPCCNI] row 1.35 as first read; resolved at deploy to EKS's default for 1.35.
        "vpc-cni": "v1.21.1-eksbuild.7",
        // [EKS-COREDNS] row 1.35
        coredns: "v1.14.3-eksbuild.3",
        // [EKS-KUBEPROXY] row 1.35
        "kube-proxy": "v1.35.3-eksbuild.13",
        // Not used (EKS_ADDON_UNVERIFIED): [EBS-CSI] upstream release; resolved at deploy to EKS's default for 1.35.
        "aws-ebs-csi-driver": "v1.64.0",
    },
};

/**
 * Entries of {@link EKS_ADDON_VERSIONS} that are not an EKS add-on version read from AWS for that
 * minor, each with the sources checked (last on 2026-12-06, fifth check). A deploy resolves each to EKS's own
 * default for the minor (`aws.eks.getAddonVersion`); the table's value is never sent.
 */
const VPC_CNI_UNVERIFIED =
    "no AWS table of VPC CNI add-on versions with this minor could be read: [EKS-VPCCNI] could not be opened again, the indexed AWS managing-vpc-cni pages list minors up to 1.33, " +
    "the awsdocs/amazon-eks-user-guide repository (fetched again 2026-12-06: newest commit 1ccc2ead, 2024-12-20; the newest stored managing-vpc-cni.adoc, 057948d9, ends at 1.33) predates 1.35, " +
    "and aws/amazon-vpc-cni-k8s (b5218838, 2026-08-20, newest tag v1.23.0) publishes no eksbuild versions of the add-on (only multus manifests)";
const EBS_CSI_UNVERIFIED =
    "AWS publishes no EBS CSI add-on version table; kubernetes-sigs/aws-ebs-csi-driver v1.64.0 (6689789f) README.md:53 says every EKS-supported minor is supported, but names no -eksbuild.N build " +
    "of the driver (charts/aws-ebs-csi-driver/CHANGELOG.md at 429e202e has eksbuild tags of its sidecar images only)";
export const EKS_ADDON_UNVERIFIED: readonly { readonly version: string; readonly addon: EksAddonName; readonly reason: string }[] = [
    { version: "1.36", addon: "vpc-cni", reason: VPC_CNI_UNVERIFIED },
    { version: "1.35", addon: "vpc-cni", reason: VPC_CNI_UNVERIFIED },
    { version: "1.36", addon: "aws-ebs-csi-driver", reason: EBS_CSI_UNVERIFIED },
    { version: "1.35", addon: "aws-ebs-csi-driver", reason: EBS_CSI_UNVERIFIED },
];

/**
 * The oldest VPC CNI add-on whose network policy enforcement Launchpad accepts: v1.19.3, the first
 * VPC CNI release that ships network policy agent v1.2.0 (aws/amazon-vpc-cni-k8s
 * charts/aws-vpc-cni/values.yaml `nodeAgent.image.tag` at tag v1.19.3; v1.19.2 has v1.1.6), the first
 * agent with "Fix standard mode return packet drop at pod startup" (aws/aws-network-policy-agent
 * 88497bf, #361, tag v1.2.0). Before it, a new pod in a namespace with a default-deny ingress policy,
 * Launchpad's, could lose the replies to its own first connections (a grants or migration Job's to
 * RDS, a dump's to S3) while its policies were programmed. EKS's own floor for network policy is
 * lower: "Select a `v1.14.0-eksbuild.3` or later version" (EKS user guide,
 * awsdocs/amazon-eks-user-guide latest/ug/networking/eks-networking-add-ons.adoc at 4d52b4d0, "Step 4:
 * Configure your cluster to use Kubernetes network policies"). Any EKS build of 1.19.3 counts
 * (`-eksbuild.1` and later).
 * The nodes' kernel must be 5.10 or later, which the EKS optimized Amazon Linux and Bottlerocket
 * AMIs have (its "Minimum Linux kernel version"), and the BPF file system mounted, which every EKS
 * AMI for 1.27 and later does (its Step 3): Launchpad's nodes run the EKS optimized Amazon Linux
 * 2023 AMI (`nodeGroup.amiType`) on 1.35 or later.
 */
export const VPC_CNI_NETWORK_POLICY_MINIMUM = { major: 1, minor: 19, patch: 3, build: 1 } as const;

/**
 * Why a VPC CNI add-on version is too old for Launchpad's network policies (below
 * {@link VPC_CNI_NETWORK_POLICY_MINIMUM}; from v1.14.0-eksbuild.3 it enforces them, with the startup
 * drop), or undefined when it is not, or is not an add-on version at all (`vX.Y.Z-eksbuild.N`; the
 * offline plan's placeholder for a version EKS resolves at deploy).
 */
export function vpcCniNetworkPolicyProblem(version: string): string | undefined {
    const m = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/.exec(version);
    if (m === null) return undefined;
    const got = m.slice(1).map(Number);
    const min = VPC_CNI_NETWORK_POLICY_MINIMUM;
    const want = [min.major, min.minor, min.patch, min.build];
    const i = got.findIndex((g, k) => g !== want[k]);
    if (i < 0 || got[i] > want[i]) return undefined;
    return `vpc-cni ${version} is too old for Launchpad's NetworkPolicies: they need v${min.major}.${min.minor}.${min.patch}-eksbuild.${min.build} or later (network policy agent v1.2.0: no dropped replies at pod startup; lib/versions.ts VPC_CNI_NETWORK_POLICY_MINIMUM)`;
}

/**
 * Default cluster version: the newest minor in standard support on 2026-12-02 that
 * {@link EKS_ADDON_VERSIONS} covers (1.34 leaves standard support that very day).
 */
export const DEFAULT_KUBERNETES_VERSION: string = "1.36";

/** A Helm chart pinned to one version, with the app version its Chart.yaml declares. */
export interface HelmChartPin {
    readonly repo: string;
    readonly chart: string;
    readonly version: string;
    readonly appVersion: string;
    /** Where the Chart.yaml at this version was read (repository, path, commit or tag). */
    readonly source: string;
}

export const HELM_CHARTS: {
    readonly awsLoadBalancerController: HelmChartPin;
    readonly metricsServer: HelmChartPin;
    readonly clusterAutoscaler: HelmChartPin;
    readonly fluentBit: HelmChartPin;
    readonly kubeStateMetrics: HelmChartPin;
    readonly pushgateway: HelmChartPin;
} = {
    // aws/eks-charts stable/aws-load-balancer-controller/Chart.yaml at commit 5239609242f3430be50fb0b714a24d3ef2b47983
    // ("aws-load-balancer-controller: v3.5.0 (#1354)", 2026-08-03); published in the gh-pages index.yaml
    // (created 2026-08-03T22:57:26Z, digest 45051f634b33e10baccb3354d0681b7de787c60445e599fa276e0c9aedd4ccd5).
    awsLoadBalancerController: {
        repo: "https://aws.github.io/eks-charts",
        chart: "aws-load-balancer-controller",
        version: "3.5.0",
        appVersion: "v3.5.0",
        source: "aws/eks-charts stable/aws-load-balancer-controller/Chart.yaml @ 5239609242f3430be50fb0b714a24d3ef2b47983",
    },
    // kubernetes-sigs/metrics-server charts/metrics-server/Chart.yaml at tag metrics-server-helm-chart-3.13.1
    // (commit 842dcc8c42f22cc19f10c7d5f2d32a9f4b6013b0); gh-pages index.yaml created 2026-06-11T10:23:35Z,
    // digest 084e6edb680cf4e2acc30bd496568c53fdf663cbacf6e17876b25785c35b7a13.
    metricsServer: {
        repo: "https://kubernetes-sigs.github.io/metrics-server/",
        chart: "metrics-server",
        version: "3.13.1",
        appVersion: "0.8.1",
        source: "kubernetes-sigs/metrics-server charts/metrics-server/Chart.yaml @ metrics-server-helm-chart-3.13.1 (842dcc8c42f22cc19f10c7d5f2d32a9f4b6013b0)",
    },
    // kubernetes/autoscaler cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml at tag cluster-autoscaler-chart-9.59.0
    // (commit 5a0b98e45f896e98132737240ac131a519d3b33d); gh-pages index.yaml created 2026-07-21T21:20:14Z,
    // digest 90276dafe65cf5d4328ef8313baf6cfb9d130683e0c9f3c28a03b4d8a9ed8f6e. Its default image is v1.35.0:
    // override image.tag with CLUSTER_AUTOSCALER_IMAGE_TAGS[<cluster minor>].
    clusterAutoscaler: {
        repo: "https://kubernetes.github.io/autoscaler",
        chart: "cluster-autoscaler",
        version: "9.59.0",
        appVersion: "1.35.0",
        source: "kubernetes/autoscaler cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml @ cluster-autoscaler-chart-9.59.0 (5a0b98e45f896e98132737240ac131a519d3b33d)",
    },
    // aws/eks-charts stable/aws-for-fluent-bit/Chart.yaml, last changed by commit 2942cdce0d98bd257822c64520779a05c25df2c2
    // ("Upgrade aws-for-fluent-bit chart to v0.2.0 (AWS for Fluent Bit 3.2.1)", 2026-02-03); unchanged at
    // 5239609242f3430be50fb0b714a24d3ef2b47983; gh-pages index.yaml digest 666c244b9cfca211be57cf97d9e224157f581d41f413eb89744575fbc9b8980c.
    fluentBit: {
        repo: "https://aws.github.io/eks-charts",
        chart: "aws-for-fluent-bit",
        version: "0.2.0",
        appVersion: "3.2.1",
        source: "aws/eks-charts stable/aws-for-fluent-bit/Chart.yaml @ 2942cdce0d98bd257822c64520779a05c25df2c2",
    },
    // prometheus-community/helm-charts charts/kube-state-metrics/Chart.yaml at tag kube-state-metrics-8.4.0
    // (commit 1982f1c5828920f5d4ea5d04956169e81f8c5129, "Update dependency kubernetes/kube-state-metrics to
    // v2.20.0 (#7197)", 2026-08-18), the only chart of app 2.20.0 and the newest in the 2026-08-22 snapshot.
    // kube-state-metrics is bound to the cluster's minor: see KUBE_STATE_METRICS_CLIENT_GO. Chart majors
    // passed since 5.27.0 (README "Upgrading"): 6.0.0 drops PodSecurityPolicy, 7.0.0 collects endpointslices
    // instead of endpoints, 8.0.0 drops CiliumNetworkPolicy; none touches a value Launchpad sets.
    kubeStateMetrics: {
        repo: "https://prometheus-community.github.io/helm-charts",
        chart: "kube-state-metrics",
        version: "8.4.0",
        appVersion: "2.20.0",
        source: "prometheus-community/helm-charts charts/kube-state-metrics/Chart.yaml @ kube-state-metrics-8.4.0 (1982f1c5828920f5d4ea5d04956169e81f8c5129)",
    },
    // prometheus-community/helm-charts charts/prometheus-pushgateway/Chart.yaml at tag prometheus-pushgateway-2.15.0
    // (commit 91576ef6567c803a79b47873fd19e69eb2894b08, "[prometheus-pushgateway] bump to 1.10.0 (#4887)", 2024-10-02).
    // Kept, unlike kube-state-metrics: the Pushgateway never talks to the Kubernetes API (prometheus/pushgateway
    // go.mod at tag v1.10.0, commit 17dd0704c6595396b8ca2550884bd9f0d66990bb, has no k8s.io module), and the chart picks its PodDisruptionBudget, Ingress and NetworkPolicy API
    // versions from .Capabilities (templates/_helpers.tpl) and otherwise renders apps/v1 and v1 objects only,
    // all served by 1.35 and 1.36. Newer charts (3.x, app v1.11) are a feature move, not a compatibility one.
    pushgateway: {
        repo: "https://prometheus-community.github.io/helm-charts",
        chart: "prometheus-pushgateway",
        version: "2.15.0",
        appVersion: "v1.10.0",
        source: "prometheus-community/helm-charts charts/prometheus-pushgateway/Chart.yaml @ prometheus-pushgateway-2.15.0 (91576ef6567c803a79b47873fd19e69eb2894b08)",
    },
};

/**
 * The files of the aws-load-balancer-controller chart's `crds/` directory at the pinned version, copied
 * verbatim to vendor/aws-load-balancer-controller/crds/ (SOURCE.md: commit, chart version, blobs;
 * tests/versions.test.ts ties them to `HELM_CHARTS.awsLoadBalancerController`). Helm installs every
 * file there on the first install (the chart's .helmignore leaves out only kustomization.yaml),
 * skips one that exists, and never touches them again: "There is no support at this time for
 * upgrading or deleting CRDs using Helm" (helm/helm-www content/en/docs/chart_best_practices/
 * custom_resource_definitions.md at 37ec57ee), which is why the chart's README at the pinned commit
 * applies them with `kubectl apply -k .../crds` ("CRDs need to be updated as follows"). So Launchpad
 * applies them itself (components/platform.ts).
 * The other pinned charts ship no CRD: none has a `crds/` directory or a CustomResourceDefinition
 * template at the commit its pin names (trees read 2026-12-07).
 */
export const LOAD_BALANCER_CONTROLLER_CRD_FILES: readonly string[] = ["crds.yaml", "gateway-crds.yaml"];

/** Values keys of a chart for the things every workload sets (dotted paths into the chart's values.yaml). */
export interface ChartValueKeys {
    readonly serviceAccountName: string;
    readonly serviceAccountAnnotations: string;
    readonly image: { readonly repository: string; readonly tag: string };
    readonly resources: string;
    readonly podSecurityContext: string;
    readonly containerSecurityContext: string;
}

/**
 * The service account, image and resources keys as most charts lay them out (`serviceAccount.*`,
 * `image.repository`/`image.tag`, `resources`); each chart below starts from them, says where it
 * departs, and adds its two security contexts, whose keys differ from chart to chart.
 */
const CONVENTIONAL_VALUE_KEYS = {
    serviceAccountName: "serviceAccount.name",
    serviceAccountAnnotations: "serviceAccount.annotations",
    image: { repository: "image.repository", tag: "image.tag" },
    resources: "resources",
} as const;

/**
 * Read from each chart's values.yaml at the pinned version (same commits as {@link HELM_CHARTS});
 * every chart's values.yaml is vendored under vendor/<chart>/ and the tests check these paths, and
 * every value Launchpad sets, against it (tests/platform.test.ts, tests/observability.test.ts).
 */
export const CHART_VALUE_KEYS: { readonly [K in keyof typeof HELM_CHARTS]: ChartValueKeys } = {
    // values.yaml: serviceAccount.{create,annotations,name}, image.{repository,tag} (default
    // public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0), podSecurityContext, securityContext, resources.
    awsLoadBalancerController: {
        ...CONVENTIONAL_VALUE_KEYS,
        podSecurityContext: "podSecurityContext",
        containerSecurityContext: "securityContext",
    },
    // values.yaml: serviceAccount.{create,annotations,name}, image.{repository,tag} (default
    // registry.k8s.io/metrics-server/metrics-server, tag "" = appVersion), podSecurityContext, securityContext, resources.
    metricsServer: {
        ...CONVENTIONAL_VALUE_KEYS,
        podSecurityContext: "podSecurityContext",
        containerSecurityContext: "securityContext",
    },
    // values.yaml: the service account is under rbac: rbac.serviceAccount.{annotations,create,name};
    // image.{repository,tag} (default registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0);
    // securityContext is the pod's, containerSecurityContext the container's; resources.
    clusterAutoscaler: {
        ...CONVENTIONAL_VALUE_KEYS,
        serviceAccountName: "rbac.serviceAccount.name",
        serviceAccountAnnotations: "rbac.serviceAccount.annotations",
        podSecurityContext: "securityContext",
        containerSecurityContext: "containerSecurityContext",
    },
    // values.yaml: serviceAccount.{create,annotations,name}, image.{repository,tag} (default
    // public.ecr.aws/aws-observability/aws-for-fluent-bit:3.2.1), podSecurityContext, containerSecurityContext, resources.
    fluentBit: {
        ...CONVENTIONAL_VALUE_KEYS,
        podSecurityContext: "podSecurityContext",
        containerSecurityContext: "containerSecurityContext",
    },
    // values.yaml at kube-state-metrics-8.4.0 (vendor/kube-state-metrics): serviceAccount.{create,name,annotations};
    // image.{registry,repository,tag} (default registry.k8s.io + kube-state-metrics/kube-state-metrics, tag "" =
    // v + appVersion); securityContext is the pod's (with a chart-only `enabled: true`, omitted from the
    // rendered pod), containerSecurityContext the container's; resources.
    kubeStateMetrics: {
        ...CONVENTIONAL_VALUE_KEYS,
        podSecurityContext: "securityContext",
        containerSecurityContext: "containerSecurityContext",
    },
    // values.yaml at prometheus-pushgateway-2.15.0 (vendor/prometheus-pushgateway): serviceAccount.{create,name} (templates/serviceaccount.yaml also reads
    // serviceAccount.annotations); image.{repository,tag} (default quay.io/prometheus/pushgateway, tag "" =
    // appVersion); securityContext is the pod's, containerSecurityContext the container's; resources.
    pushgateway: {
        ...CONVENTIONAL_VALUE_KEYS,
        podSecurityContext: "securityContext",
        containerSecurityContext: "containerSecurityContext",
    },
};

/**
 * The client-go minor each kube-state-metrics release is built with: kubernetes/kube-state-metrics
 * README.md "Compatibility matrix" at tag v2.20.0 (commit 4ffeda2ef866b0fef372849825a803296483b336,
 * 2026-08-17), rows v2.16.0 .. v2.20.0; v2.14.0's own README (commit
 * e763ea2aa37e7fa507775a8506387aaa95ff17d1) gives v1.31 for it. The README: "The supported Kubernetes
 * cluster version is determined by client-go ... All additional compatibility is only best effort",
 * and "the maintainers will only support the latest release". client-go's README (kubernetes/kubernetes
 * staging/src/k8s.io/client-go/README.md, "Compatibility matrix") marks only its own minor as exactly
 * matching; with an older cluster it is "+" (the client knows APIs the server may lack; "everything
 * they have in common (i.e., most APIs) will work"). So the pinned release is built for the default
 * minor and is no older than any minor Launchpad builds (tests/versions.test.ts).
 */
export const KUBE_STATE_METRICS_CLIENT_GO: Readonly<Record<string, string>> = {
    "2.14.0": "1.31",
    "2.16.0": "1.32",
    "2.17.0": "1.33",
    "2.18.0": "1.34",
    "2.19.0": "1.35",
    "2.20.0": "1.36",
};

/**
 * Cluster Autoscaler's image tag must match the cluster's minor: per minor, from the autoscaler releases.
 * Newest release tag of each minor in kubernetes/autoscaler (2026-08-22 snapshot):
 * cluster-autoscaler-1.36.1 (commit 35e8a280425c76a4040f57ae0fa232a952c02024, 2026-07-22) and
 * cluster-autoscaler-1.35.2 (commit 2d42588803c71fe9b35dcd9e3669ac6bb550ca22, 2026-07-22). The image
 * tag is `v` + the release, as the chart's default `image.tag: v1.35.0` for appVersion 1.35.0 shows.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
    "1.36": "v1.36.1",
    "1.35": "v1.35.2",
};

/** One RDS major engine version and the day its RDS standard support ends (UTC). */
export interface RdsMajor {
    readonly engine: "mysql" | "postgres";
    readonly major: string;
    /** From this day the instance is enrolled in (paid) RDS Extended Support. */
    readonly endOfStandardSupport: string;
}

/** [RDS] "RDS end of standard support date" per major, newest first per engine. */
export const RDS_MAJOR_VERSIONS: readonly RdsMajor[] = [
    { engine: "mysql", major: "8.4", endOfStandardSupport: "2029-07-31" },
    { engine: "mysql", major: "8.0", endOfStandardSupport: "2026-07-31" },
    { engine: "postgres", major: "18", endOfStandardSupport: "2031-02-28" },
    { engine: "postgres", major: "17", endOfStandardSupport: "2030-02-28" },
    { engine: "postgres", major: "16", endOfStandardSupport: "2029-02-28" },
    { engine: "postgres", major: "15", endOfStandardSupport: "2028-02-29" },
    { engine: "postgres", major: "14", endOfStandardSupport: "2027-02-28" },
    { engine: "postgres", major: "13", endOfStandardSupport: "2026-02-28" },
];

/** The major of an engine version: `8.4` for MySQL 8.4 or 8.4.7, `17` for PostgreSQL 17 or 17.6. */
export function rdsMajorOf(engine: RdsMajor["engine"], engineVersion: string): string {
    const parts = engineVersion.split(".");
    return engine === "mysql" ? parts.slice(0, 2).join(".") : parts[0];
}

/** True when the major is known and not past RDS standard support on the UTC day `on`. */
export function rdsInStandardSupport(m: RdsMajor, on: string): boolean {
    return on < m.endOfStandardSupport;
}

/** Majors of an engine in standard support on the day `on`, newest first. */
export function rdsMajorsInStandardSupport(engine: RdsMajor["engine"], on: string): string[] {
    return RDS_MAJOR_VERSIONS.filter((m) => m.engine === engine && rdsInStandardSupport(m, on)).map((m) => m.major);
}

/**
 * Pinned images with the client and server of each engine version: the client must be at least
 * the server's version (pg_dump refuses a newer server), the verify server of the same major.
 *
 * The MySQL 8.4 image is the newest 8.4 tag in docker-library/official-images at commit
 * 37079fb336f572a88700cf32e5e1f6be54a04e8f (2026-08-21): library/mysql "Tags: 8.4.11, 8.4, 8, ..."
 * (Oracle Linux 9, bash and mysqldump inside); the 8.0 tag was first published by its commit
 * 9817b5d2 (mysql 8.0.40, 2024-10-14).
 *
 * PostgreSQL: one image per major RDS supports (every major of `RDS_MAJOR_VERSIONS` in standard
 * support has one, tests/versions.test.ts), each the newest tag of its major in library/postgres
 * at the same commit, vendored as vendor/docker-official-images/library-postgres: "Tags: 18.6, 18,
 * latest, ...", "17.11, 17, ...", "16.15, 16, ...", "15.19, 15, ...", "14.24, 14, ..." (Debian, bash,
 * pg_dump, psql, initdb inside). Older patches are not safe here, because these clients dump the RDS
 * database and restore its dump with psql: "Versions before PostgreSQL 18.6, 17.11, 16.15, 15.19,
 * and 14.24 are affected" by CVE-2026-18408 (a superuser of the origin server injects code that
 * psql runs at restore, through `\restrict`), before 18.4 ... 14.23 by CVE-2026-6477 ("pg_dump
 * call[s] lo_read(), the server superuser can overwrite pg_dump or psql stack memory"), before
 * 17.6, 16.10, 15.14, 14.19 by CVE-2025-8714 (PostgreSQL's CVE records, CNA PostgreSQL,
 * https://www.postgresql.org/support/security/). The 14 to 16 pins were 14.15, 15.10 and 16.6
 * (2024-11-21), affected by all three.
 */
export const ENGINE_IMAGES: Readonly<Record<RdsMajor["engine"], Readonly<Record<string, string>>>> = {
    mysql: { "8.0": "public.ecr.aws/docker/library/mysql:8.0.40", "8.4": "public.ecr.aws/docker/library/mysql:8.4.11" },
    postgres: {
        "14": "public.ecr.aws/docker/library/postgres:14.24",
        "15": "public.ecr.aws/docker/library/postgres:15.19",
        "16": "public.ecr.aws/docker/library/postgres:16.15",
        "17": "public.ecr.aws/docker/library/postgres:17.11",
        "18": "public.ecr.aws/docker/library/postgres:18.6",
    },
};

/** Majors of an engine that have a pinned dump image (`ENGINE_IMAGES`), oldest first. */
export function pinnedEngineMajors(engine: RdsMajor["engine"]): string[] {
    return Object.keys(ENGINE_IMAGES[engine]);
}

/**
 * Kubernetes minors Launchpad can build an EKS cluster of: add-on versions and a Cluster Autoscaler
 * image pinned for each (`EKS_ADDON_VERSIONS`, `CLUSTER_AUTOSCALER_IMAGE_TAGS`), newest first.
 * Config refuses any other minor, so a missing pin is a config error and never a failure deep in
 * `components/platform.ts`.
 */
export function pinnedKubernetesVersions(): string[] {
    return EKS_VERSIONS.map((v) => v.version).filter((v) => EKS_ADDON_VERSIONS[v] !== undefined && CLUSTER_AUTOSCALER_IMAGE_TAGS[v] !== undefined);
}
