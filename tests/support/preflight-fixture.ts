/**
 * A compliant EKS cluster and one application for the deployability preflight's unit tests, in
 * the plan's shape (pulumi-policy-aws's style: one compliant fixture, one change per test).
 *
 * Namespace `shop` with a Deployment `app` that reads Secret `db` (keys host, password), ConfigMap
 * `settings` (key app.yaml) and runs as ServiceAccount `app`, whose IRSA role trusts exactly
 * `system:serviceaccount:shop:app`; an Ingress of class `alb`, an HPA on CPU, a PVC of the default
 * class. The platform: the AWS Load Balancer Controller and metrics-server charts, the EBS CSI
 * add-on with its own role, the default `gp3` StorageClass, a persisted Pushgateway chart.
 */
import { serviceAccountTrustPolicy } from "../../lib/iam";
import type { PlanResourceLike } from "../../policies/evaluate";
import { resource } from "./policy";

export const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
export const ISSUER_URL = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC";
export const APP_ROLE_ARN = "arn:aws:iam::123456789012:role/app-role";
export const EBS_ROLE_ARN = "arn:aws:iam::123456789012:role/ebs-csi-role";

/** A role's trust policy for one service account, written the way the stack writes it (components/logical-backup.ts). */
export function trustFor(namespace: string, serviceAccount: string): string {
    return JSON.stringify(serviceAccountTrustPolicy(OIDC_ARN, ISSUER_URL, namespace, serviceAccount));
}

const oidc = resource("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "oidc", { url: ISSUER_URL, clientIdLists: ["sts.amazonaws.com"] }, { arn: OIDC_ARN });
const ns = resource("kubernetes:core/v1:Namespace", "shop-ns", { metadata: { name: "shop" } }, { id: "shop" });
const inShop = { dependencies: [ns.urn] };
const appRole = resource("aws:iam/role:Role", "app-role", { assumeRolePolicy: trustFor("shop", "app") }, { arn: APP_ROLE_ARN, dependencies: [oidc.urn] });
const sa = resource("kubernetes:core/v1:ServiceAccount", "app-sa", { metadata: { name: "app", namespace: "shop", annotations: { "eks.amazonaws.com/role-arn": APP_ROLE_ARN } } }, { dependencies: [ns.urn, appRole.urn] });
const secret = resource("kubernetes:core/v1:Secret", "db", { metadata: { name: "db", namespace: "shop" }, stringData: { host: "[secret]", password: "[secret]" } }, inShop);
const settings = resource("kubernetes:core/v1:ConfigMap", "settings", { metadata: { name: "settings", namespace: "shop" }, data: { "app.yaml": "log: info\n" } }, inShop);
const deployment = resource("kubernetes:apps/v1:Deployment", "app", {
    metadata: { name: "app", namespace: "shop" },
    spec: {
        template: {
            spec: {
                serviceAccountName: "app",
                containers: [{
                    name: "app",
                    image: "ghcr.io/acme/app:1.0.0",
                    env: [
                        { name: "DB_HOST", valueFrom: { secretKeyRef: { name: "db", key: "host" } } },
                        { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
                        { name: "FEATURE", valueFrom: { configMapKeyRef: { name: "flags", key: "beta", optional: true } } },
                    ],
                    volumeMounts: [{ name: "settings", mountPath: "/etc/app" }],
                }],
                volumes: [{ name: "settings", configMap: { name: "settings", items: [{ key: "app.yaml", path: "app.yaml" }] } }],
            },
        },
    },
}, { dependencies: [ns.urn, secret.urn, settings.urn, sa.urn] });
const ingress = resource("kubernetes:networking.k8s.io/v1:Ingress", "app-ingress", { metadata: { name: "app", namespace: "shop" }, spec: { ingressClassName: "alb" } }, inShop);
const hpa = resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-hpa", {
    metadata: { name: "app", namespace: "shop" },
    spec: { minReplicas: 2, maxReplicas: 4, scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "app" }, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }] },
}, inShop);
const pvc = resource("kubernetes:core/v1:PersistentVolumeClaim", "data", { metadata: { name: "data", namespace: "shop" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }, inShop);
const gp3 = resource("kubernetes:storage.k8s.io/v1:StorageClass", "gp3", {
    metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3", encrypted: "true" },
});
const ebsRole = resource("aws:iam/role:Role", "ebs-csi-role", { assumeRolePolicy: trustFor("kube-system", "ebs-csi-controller-sa") }, { arn: EBS_ROLE_ARN, dependencies: [oidc.urn] });
const ebs = resource("aws:eks/addon:Addon", "ebs-csi", { addonName: "aws-ebs-csi-driver", clusterName: "shop", serviceAccountRoleArn: EBS_ROLE_ARN }, { dependencies: [ebsRole.urn] });
const release = (name: string, chart: string, version: string, repo: string, namespace: string, values: Record<string, unknown> = {}, deps: string[] = []) =>
    resource("kubernetes:helm.sh/v3:Release", name, { name, chart, version, namespace, repositoryOpts: { repo }, values }, { dependencies: deps });
const alb = release("aws-load-balancer-controller", "aws-load-balancer-controller", "1.13.0", "https://aws.github.io/eks-charts", "kube-system", { clusterName: "shop", serviceAccount: { create: false, name: "aws-load-balancer-controller" } });
const metrics = release("metrics-server", "metrics-server", "3.12.2", "https://kubernetes-sigs.github.io/metrics-server/", "kube-system");
const pushgateway = release("pushgateway", "prometheus-pushgateway", "2.15.0", "https://prometheus-community.github.io/helm-charts", "shop", { persistentVolume: { enabled: true, size: "1Gi" } }, [ns.urn]);

/** The compliant cluster, each resource by a short name. */
export const CLUSTER = { oidc, ns, appRole, sa, secret, settings, deployment, ingress, hpa, pvc, gp3, ebsRole, ebs, alb, metrics, pushgateway } as const;
export type ClusterPart = keyof typeof CLUSTER;

/** The cluster with some parts replaced (a part mapped to undefined is removed) and others added. */
export function cluster(changes: Partial<Record<ClusterPart, PlanResourceLike | undefined>> = {}, extra: readonly PlanResourceLike[] = []): PlanResourceLike[] {
    const parts = (Object.keys(CLUSTER) as ClusterPart[]).map((k) => (k in changes ? changes[k] : CLUSTER[k]));
    return [...parts.filter((p): p is PlanResourceLike => p !== undefined), ...extra];
}

/** The `launchpad:cluster:Cluster` component of an existing cluster, declaring what it provides. */
export function existingCluster(provides: Record<string, unknown>): PlanResourceLike {
    return resource("launchpad:cluster:Cluster", "existing", { provides });
}
