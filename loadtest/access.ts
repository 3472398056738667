/**
 * What a performance run's pod needs to read the stack's AMP workspace: its own ServiceAccount,
 * whose IRSA role (components/irsa.ts) exactly that namespace:name may assume through the cluster's
 * OIDC provider, allowed one action, `aps:QueryMetrics`, on that workspace alone. AMP serves both
 * `query` and `query_range` as that one operation
 * (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-APIReference-QueryMetrics.html), and
 * takes the workspace as its resource (Service Authorization Reference, "Actions defined by Amazon
 * Managed Service for Prometheus": QueryMetrics, resource type `workspace*`). Signing needs no
 * permission, and the web-identity exchange needs none on the role's side: the trust policy allows
 * it (`sts:AssumeRoleWithWebIdentity`).
 *
 * The pod gets the credentials from EKS's pod identity webhook, which reads the ServiceAccount's
 * `eks.amazonaws.com/role-arn` annotation and adds to each container `AWS_ROLE_ARN`,
 * `AWS_WEB_IDENTITY_TOKEN_FILE` and a projected volume of its own (`aws-iam-token`, a
 * `serviceAccountToken` projection with audience `sts.amazonaws.com`)
 * (aws/amazon-eks-pod-identity-webhook README "Usage", pkg/handler/handler.go at 3bf80a34). That
 * volume is not the API token that `automountServiceAccountToken` governs, and the webhook never
 * reads that field: the Job keeps `automountServiceAccountToken: false` (the runner never calls the
 * Kubernetes API) and still gets its web identity. The AWS SDK's default chain in the bundled
 * runner reads it (`fromTokenFile`), after the environment and shared files.
 *
 * The component that creates them: components/loadtest-access.ts.
 *
 * One ServiceAccount per stack serves every service's runs (each only reads the same workspace): the
 * load gate Jobs Pulumi creates and the operator's `npm run loadtest` Jobs.
 */

/** The ServiceAccount of every performance run in a stack's namespace that reads an AMP workspace. */
export const LOADTEST_SERVICE_ACCOUNT = "launchpad-loadtest";

/** The one permission a run needs: query this workspace. */
export function loadtestQueryPolicy(workspaceArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["aps:QueryMetrics"], Resource: workspaceArn }],
    };
}

/** The container env a signed run needs beyond the webhook's: the region of the SDK's STS call. */
export function loadtestAwsEnv(region: string): { name: string; value: string }[] {
    // The webhook sets AWS_REGION only when it runs with --aws-default-region, and never overrides it.
    return [{ name: "AWS_REGION", value: region }];
}
