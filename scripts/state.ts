/**
 * The part of a stack's exported state (`pulumi stack export`, the Automation API's `exportStack`)
 * that the rollback and its readiness check read: each resource's URN, type, labels and annotations,
 * an autoscaler's minimum, a Service's selector, and a Job's or Deployment's status. Its own module so both read one shape without importing each
 * other.
 */
import { COLORS, SELECTOR_LABELS, type Color } from "../lib/delivery";

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

export const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

/** A color's HorizontalPodAutoscaler as the stack's state has it. */
export interface StateAutoscaler {
    readonly urn: string;
    readonly service: string;
    readonly color: Color;
    /** Its name in the cluster (the outputs' after an update, else the inputs'); undefined only in a hand-made state. */
    readonly name: string | undefined;
    readonly namespace: string | undefined;
    /** The minimum the program gave it (its inputs), which a switch may change. */
    readonly minReplicas: number | undefined;
}

/**
 * Every color's autoscaler in the state, by its service and color labels; not the old resource of
 * a replacement waiting for deletion (`delete`). The one reading of autoscalers the rollback's
 * targeted list (rollback.ts `hpaChanges`) and its live-size warning (readiness.ts) share.
 */
export function stateAutoscalers(resources: readonly StateResource[]): StateAutoscaler[] {
    return resources.flatMap((r) => {
        if (r.type !== HPA_TYPE || r.delete === true) return [];
        const labels = r.inputs?.metadata?.labels ?? {};
        const service = labels[SELECTOR_LABELS.app];
        const color = labels[SELECTOR_LABELS.color] as Color | undefined;
        if (service === undefined || color === undefined || !COLORS.includes(color)) return [];
        const out = (r.outputs?.metadata ?? {}) as { name?: string; namespace?: string };
        const inp = (r.inputs?.metadata ?? {}) as { name?: string; namespace?: string };
        return [{ urn: r.urn, service, color, name: out.name ?? inp.name, namespace: out.namespace ?? inp.namespace, minReplicas: r.inputs?.spec?.minReplicas }];
    });
}
