/**
 * The part of a stack's exported state (`pulumi stack export`, the Automation API's `exportStack`)
 * that the rollback and its readiness check read: each resource's URN, type, labels and annotations,
 * an autoscaler's minimum, a Service's selector, and a Job's or Deployment's status. Its own module so both read one shape without importing each
 * other.
 */
export interface StateMetadata {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
}

export interface StateSpec {
    readonly minReplicas?: number;
    readonly selector?: Readonly<Record<string, string>>;
    /** A Deployment's pod template: its release annotation says which release its pods run. */
    readonly template?: { readonly metadata?: StateMetadata };
}

export interface StateResource {
    readonly urn: string;
    readonly type: string;
    /**
     * The old resource of a create-before-replace, waiting for deletion (pulumi/pulumi
     * sdk/go/common/apitype/core.go ResourceV3 `delete`): what was, no longer what is.
     */
    readonly delete?: boolean;
    /** `spec.minReplicas`: an autoscaler's minimum, which a switch may change; `spec.selector`: a Service's. */
    readonly inputs?: { readonly metadata?: StateMetadata; readonly spec?: StateSpec };
    readonly outputs?: { readonly metadata?: StateMetadata; readonly spec?: StateSpec; readonly status?: { readonly succeeded?: number; readonly failed?: number } & Readonly<Record<string, unknown>> } & Readonly<Record<string, unknown>>;
}
