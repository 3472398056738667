/**
 * How the AWS Load Balancer Controller (v3.5.0) reads an `alb` Ingress's action annotation, the one
 * parser for the policies that check an Ingress (policies/deployability.ts, policies/delivery.ts)
 * and the rollback that reads which color the ALB serves (scripts/rollback.ts). Kept out of
 * ./delivery.ts, whose constants the smoke runner's bundle includes.
 *
 * The controller unmarshals the value into its `Action` (pkg/ingress/config_types.go): `weight` is
 * an `*int32`, so a weight that is not an integer fails the whole action; `Action.validate` and
 * `ForwardActionConfig.validate` then refuse several target groups when one has no weight ("weight
 * must be set when route to multiple target groups"); a lone one may go without and gets all the
 * traffic. ELB takes weights from 0 to `ALB_ACTIONS.maxWeight`. `Action.validate` runs before any
 * target group is built (enhanced_backend_builder.go `buildActionViaAnnotation`), so an action it
 * refuses for its shape (`TargetGroupTuple.validate`: a group naming a Service and a target group,
 * neither, or a Service without a port; a fixed-response or redirect without its config and status
 * code; a target group on the action beside a forwardConfig) is refused whole, whatever its weights.
 * A refused action changes no listener rule: traffic stays where it was.
 */
import { ALB_ACTIONS } from "./delivery";

/** The IngressClass the AWS Load Balancer Controller creates and serves (components/platform.ts installs it). */
export const ALB_INGRESS_CLASS = "alb";

/** One entry of `forwardConfig.targetGroups`, as written. */
export interface ForwardGroup {
    /** A Service of the Ingress's namespace, when the group names one (and no target group ARN or name). */
    readonly serviceName: string | undefined;
    readonly servicePort: unknown;
    /** The group is an existing target group, named by `targetGroupARN` or `targetGroupName`. */
    readonly external: boolean;
    /** As written: a weight only when it is a whole number from 0 to `ALB_ACTIONS.maxWeight`. */
    readonly weight: unknown;
    /** Why the controller refuses the entry (`TargetGroupTuple.validate`, its words); undefined when it takes it. */
    readonly refused: string | undefined;
}

/** An action annotation's value, read as the controller reads it. */
export type AlbAction =
    | { readonly kind: "not-json"; readonly error: string }
    /** `fixed-response` or `redirect`: nothing to forward. */
    | { readonly kind: "no-forward" }
    | { readonly kind: "unknown-type"; readonly type: unknown }
    /** Refused for its shape by `Action.validate` (its words), before any target group. */
    | { readonly kind: "refused"; readonly reason: string }
    /** A forward action to one existing target group (`targetGroupARN`/`targetGroupName` on the action). */
    | { readonly kind: "external" }
    | { readonly kind: "forward"; readonly groups: readonly ForwardGroup[] };

const name = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** Set, as the controller's pointer fields are: present and not null (encoding/json leaves a JSON null nil). */
const given = (v: unknown): boolean => v !== undefined && v !== null;

/** `TargetGroupTuple.validate`: one of a Service (with its port) or a target group. */
function tupleProblem(g: Record<string, unknown>): string | undefined {
    const group = given(g.targetGroupARN) || given(g.targetGroupName);
    if (!group && !given(g.serviceName)) return "missing serviceName or targetGroupARN/targetGroupName";
    if (group && given(g.serviceName)) return "either serviceName or targetGroupARN/targetGroupName can be specified";
    if (given(g.serviceName) && !given(g.servicePort)) return "missing servicePort";
    return undefined;
}

/** `Action.validate` of a fixed-response or redirect action: its config, with a status code. */
function configProblem(config: unknown, what: string): string | undefined {
    if (!given(config)) return `missing ${what}`;
    const code = record(config).statusCode;
    return typeof code === "string" && code !== "" ? undefined : `invalid ${what}: statusCode is required`;
}

/** Reads one action annotation's value. */
export function parseAlbAction(value: string): AlbAction {
    let action: Record<string, unknown>;
    try {
        action = record(JSON.parse(value));
    } catch (e) {
        return { kind: "not-json", error: (e as Error).message };
    }
    if (action.type === "fixed-response" || action.type === "redirect") {
        const problem = action.type === "fixed-response" ? configProblem(action.fixedResponseConfig, "FixedResponseConfig") : configProblem(action.redirectConfig, "RedirectConfig");
        return problem === undefined ? { kind: "no-forward" } : { kind: "refused", reason: problem };
    }
    if (action.type !== "forward") return { kind: "unknown-type", type: action.type };
    if ((given(action.targetGroupARN) || given(action.targetGroupName)) && given(action.forwardConfig)) {
        return { kind: "refused", reason: "either ForwardConfig or TargetGroupARN/TargetGroupName can be specified" };
    }
    if (name(action.targetGroupARN) !== undefined || name(action.targetGroupName) !== undefined) return { kind: "external" };
    const groups = record(action.forwardConfig).targetGroups;
    return {
        kind: "forward",
        groups: (Array.isArray(groups) ? groups : []).map(record).map((g) => {
            const external = name(g.targetGroupARN) !== undefined || name(g.targetGroupName) !== undefined;
            return { serviceName: external ? undefined : name(g.serviceName), servicePort: g.servicePort, external, weight: g.weight, refused: tupleProblem(g) };
        }),
    };
}

/** Why the controller refuses one group's weight among `count` groups: `missing` or `invalid`; undefined when it takes it. */
export function weightProblem(group: ForwardGroup, count: number): "missing" | "invalid" | undefined {
    const w = group.weight;
    if (!given(w)) return count > 1 ? "missing" : undefined;
    return typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= ALB_ACTIONS.maxWeight ? undefined : "invalid";
}

/** A Service-backed target group and the weight the load balancer gives it. */
export interface ForwardTarget {
    readonly serviceName: string;
    readonly weight: number;
}

/**
 * The Service-backed target groups of an action the controller applies, with their weights (a lone
 * group without one: all the traffic); undefined for an action it refuses or one that forwards to
 * no Service.
 */
export function forwardTargets(value: string): ForwardTarget[] | undefined {
    const action = parseAlbAction(value);
    if (action.kind !== "forward" || action.groups.length === 0) return undefined;
    if (action.groups.some((g) => g.refused !== undefined || weightProblem(g, action.groups.length) !== undefined)) return undefined;
    return action.groups.flatMap((g) => (g.serviceName === undefined ? [] : [{ serviceName: g.serviceName, weight: given(g.weight) ? (g.weight as number) : 1 }]));
}
