/** IAM policy documents shared by components, as plain objects for `JSON.stringify`. */

/** An IAM `Condition` block: operator → key → value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/**
 * Trust policy letting one AWS service assume a role; with `condition`, only when the request
 * carries those keys (the confused-deputy guard, added only where the service's own docs show
 * the keys it sends when assuming that role: a key the service does not send denies every assume).
 */
export function servicePrincipalPolicy(service: string, actions: readonly string[] = ["sts:AssumeRole"], condition?: PolicyCondition): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: [...actions], ...(condition === undefined ? {} : { Condition: condition }) }],
    };
}

/**
 * Trust policy for EventBridge Scheduler, limited to schedules of this account (the confused-deputy
 * guard: https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role).
 */
export function schedulerTrustPolicy(accountId: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: ["sts:AssumeRole"], Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
    };
}

/**
 * A stable child-name suffix for an EKS access entry: the role's name (unique per account, case
 * insensitively), lower-cased, with the other characters IAM allows in it (`+=,.@_`) as `-`. Two
 * roles can therefore share one (`ops.admin`, `ops_admin`): config refuses such a pair, since two
 * children with one URN fail `pulumi preview`.
 */
export function accessEntrySuffix(principalArn: string): string {
    return (principalArn.split("/").pop() ?? principalArn).toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** ARN of an AWS-managed policy. */
export function managedPolicyArn(name: string, partition = "aws"): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Trust policy letting exactly one Kubernetes service account assume a role (IRSA), through the cluster's OIDC provider. */
export function serviceAccountTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): object {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                },
            },
        }],
    };
}
