/**
 * The one way a pod gets AWS permissions here: an IAM role that exactly one Kubernetes service
 * account may assume through the cluster's OIDC provider (IRSA), and that service account. Nodes
 * keep IMDS at one hop (components/cluster.ts), so a pod cannot borrow the node's role instead.
 *
 * A building block, not a component: the role and the service account are children of whichever
 * component needs them, named `${name}-role` and `${name}-sa`.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountTrustPolicy } from "../lib/iam";
import { IRSA_ROLE_ANNOTATION } from "../lib/kubernetes";
import { childTags, type Tags } from "../lib/tags";

export interface ServiceAccountRoleArgs {
    readonly oidcProviderArn: pulumi.Input<string>;
    /** `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly serviceAccountName: string;
    /** AWS-managed or customer policy ARNs attached to the role. @default [] */
    readonly policyArns?: readonly pulumi.Input<string>[];
    /** An inline policy document (JSON). @default - none */
    readonly inlinePolicy?: pulumi.Input<string>;
    readonly tags: Tags;
    /**
     * The `name` these children had before a rename: each is aliased to its old name
     * (`${previousName}-role` and so on), so `pulumi up` renames it in place instead of replacing
     * it, and an auto-named role keeps the name it was created with. @default - none: never renamed
     */
    readonly previousName?: string;
}

export interface ServiceAccountWithRoleArgs extends ServiceAccountRoleArgs {
    /** Labels of the ServiceAccount. @default {} */
    readonly labels?: Readonly<Record<string, string>>;
    readonly k8sProvider: k8s.Provider;
}

export interface ServiceAccountWithRole {
    readonly role: aws.iam.Role;
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    /**
     * What a workload using the account must wait for: the account (a pod naming a missing one is
     * refused) and the role's policies (its first AWS call needs them).
     */
    readonly ready: readonly pulumi.Resource[];
}

export interface ServiceAccountRole {
    readonly role: aws.iam.Role;
    /** The role's policies: whatever hands the role to a workload waits for them (its first AWS call needs them). */
    readonly ready: readonly pulumi.Resource[];
}

/** The role and its policies alone, for a service account someone else creates (an EKS add-on's). */
export function serviceAccountRole(parent: pulumi.Resource, name: string, args: ServiceAccountRoleArgs): ServiceAccountRole {
    const { role, policies } = roleWithPolicies(parent, name, args);
    return { role, ready: policies };
}

/** `{ name }` alone: the old URN under the same parent and type (`Alias` in @pulumi/pulumi resource.d.ts). */
export function renamedAliases(previousName: string | undefined, role: string): pulumi.Alias[] {
    return previousName === undefined ? [] : [{ name: `${previousName}-${role}` }];
}

function roleWithPolicies(parent: pulumi.Resource, name: string, args: ServiceAccountRoleArgs): { role: aws.iam.Role; policies: pulumi.Resource[] } {
    const opts = (role: string) => ({ parent, aliases: renamedAliases(args.previousName, role) });
    const role = new aws.iam.Role(`${name}-role`, {
        assumeRolePolicy: pulumi
            .all([args.oidcProviderArn, args.oidcIssuerUrl, args.namespace])
            .apply(([arn, url, ns]) => JSON.stringify(serviceAccountTrustPolicy(arn, url, ns, args.serviceAccountName))),
        tags: childTags(args.tags, `${name}-role`),
    }, opts("role"));
    const policies: pulumi.Resource[] = (args.policyArns ?? []).map((policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-policy-${i}`, { role: role.name, policyArn }, opts(`policy-${i}`)));
    if (args.inlinePolicy !== undefined) {
        policies.push(new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: args.inlinePolicy }, opts("policy")));
    }
    return { role, policies };
}

/** The role, its policies and the ServiceAccount annotated with it, as children of `parent`. */
export function serviceAccountWithRole(parent: pulumi.Resource, name: string, args: ServiceAccountWithRoleArgs): ServiceAccountWithRole {
    const { role, policies } = roleWithPolicies(parent, name, args);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
        metadata: {
            name: args.serviceAccountName,
            namespace: args.namespace,
            labels: { ...(args.labels ?? {}) },
            annotations: { [IRSA_ROLE_ANNOTATION]: role.arn },
        },
    }, { parent, provider: args.k8sProvider, aliases: renamedAliases(args.previousName, "sa") });
    return { role, serviceAccount, ready: [serviceAccount, ...policies] };
}
