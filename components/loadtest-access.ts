/**
 * The performance runs' access to the stack's AMP workspace: their ServiceAccount and its query-only
 * IRSA role (what and why: loadtest/access.ts, which owns the account's name and the policy).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../lib/tags";
import { LOADTEST_SERVICE_ACCOUNT, loadtestQueryPolicy } from "../loadtest/access";
import { serviceAccountWithRole, type ServiceAccountWithRole } from "./irsa";

export interface LoadtestAccessArgs {
    readonly workspaceArn: pulumi.Input<string>;
    readonly oidcProviderArn: pulumi.Input<string>;
    /** `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    readonly tags: Tags;
    /** Labels of the ServiceAccount. @default {} */
    readonly labels?: Readonly<Record<string, string>>;
}

/** The performance runs' ServiceAccount and its query-only IRSA role. */
export class LoadtestAccess extends pulumi.ComponentResource {
    public readonly serviceAccountName: string = LOADTEST_SERVICE_ACCOUNT;
    /** What a Job running as the account waits for: the account and the role's policy. */
    public readonly ready: readonly pulumi.Resource[];
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: LoadtestAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:loadtest:LoadtestAccess", name, {}, opts);
        const access: ServiceAccountWithRole = serviceAccountWithRole(this, name, {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuerUrl: args.oidcIssuerUrl,
            namespace: args.namespace,
            serviceAccountName: LOADTEST_SERVICE_ACCOUNT,
            inlinePolicy: pulumi.output(args.workspaceArn).apply((arn) => JSON.stringify(loadtestQueryPolicy(arn))),
            tags: args.tags,
            labels: args.labels ?? {},
            k8sProvider: args.k8sProvider,
        });
        this.ready = access.ready;
        this.roleArn = access.role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
