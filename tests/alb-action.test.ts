/**
 * policies/shared/alb.ts: an action annotation read as the AWS Load Balancer Controller v3.5.0 reads
 * it (pkg/ingress/config_types.go: `Weight *int32`; `ForwardActionConfig.validate`: "weight must be
 * set when route to multiple target groups"; pkg/ingress/model_build_actions.go buildForwardAction:
 * a group's targetGroupARN, else its targetGroupName, else its Service; enhanced_backend_builder.go
 * buildActionViaAnnotation: `action.validate()` before any of that), and ELB's weight range (0 to
 * 999, ELB user guide "Forward actions").
 */
import { describe, expect, it } from "vitest";
import { forwardTargets, parseAlbAction, weightProblem } from "../lib/alb";

const forward = (...targetGroups: Record<string, unknown>[]) => JSON.stringify({ type: "forward", forwardConfig: { targetGroups } });

describe("parseAlbAction", () => {
    it("reads each kind of action the controller knows, and says which it does not", () => {
        expect(parseAlbAction("{nope")).toMatchObject({ kind: "not-json" });
        expect(parseAlbAction(JSON.stringify({ type: "redirect", redirectConfig: { statusCode: "HTTP_301" } }))).toEqual({ kind: "no-forward" });
        expect(parseAlbAction(JSON.stringify({ type: "fixed-response", fixedResponseConfig: { statusCode: "503" } }))).toEqual({ kind: "no-forward" });
        expect(parseAlbAction(JSON.stringify({ type: "authenticate-oidc" }))).toEqual({ kind: "unknown-type", type: "authenticate-oidc" });
        expect(parseAlbAction("[]")).toEqual({ kind: "unknown-type", type: undefined });
        expect(parseAlbAction(JSON.stringify({ type: "forward", targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1" }))).toEqual({ kind: "external" });
    });

    it("a group's target group ARN or name, else its Service, as buildForwardAction picks them", () => {
        const value = forward({ serviceName: "api-blue", servicePort: "http", weight: 1 }, { targetGroupName: "legacy", weight: 0 });
        const action = parseAlbAction(value);
        expect(action).toEqual({
            kind: "forward",
            groups: [
                { serviceName: "api-blue", servicePort: "http", external: false, weight: 1, refused: undefined },
                { serviceName: undefined, servicePort: undefined, external: true, weight: 0, refused: undefined },
            ],
        });
        expect(forwardTargets(value)).toEqual([{ serviceName: "api-blue", weight: 1 }]);
    });

    // Action.validate runs before buildForwardAction ever picks a group's target (enhanced_backend_builder.go
    // buildActionViaAnnotation), so these never reach the load balancer: the whole action is refused.
    it("refuses a group naming a Service and a target group, neither, or a Service without its port (TargetGroupTuple.validate)", () => {
        const cases: [Record<string, unknown>, string][] = [
            [{ serviceName: "api-green", servicePort: "http", targetGroupName: "legacy", weight: 0 }, "either serviceName or targetGroupARN/targetGroupName can be specified"],
            [{ serviceName: "api-green", servicePort: "http", targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1", weight: 0 }, "either serviceName or targetGroupARN/targetGroupName can be specified"],
            [{ weight: 0 }, "missing serviceName or targetGroupARN/targetGroupName"],
            [{ serviceName: "api-green", weight: 0 }, "missing servicePort"],
        ];
        for (const [group, reason] of cases) {
            const value = forward({ serviceName: "api-blue", servicePort: "http", weight: 100 }, group);
            const action = parseAlbAction(value);
            expect({ group, refused: action.kind === "forward" ? action.groups.map((g) => g.refused) : action, targets: forwardTargets(value) }).toEqual({ group, refused: [undefined, reason], targets: undefined });
        }
    });

    it("refuses an action of the wrong shape before any target group (Action.validate), in the controller's words", () => {
        const arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1";
        expect(parseAlbAction(JSON.stringify({ type: "fixed-response" }))).toEqual({ kind: "refused", reason: "missing FixedResponseConfig" });
        expect(parseAlbAction(JSON.stringify({ type: "fixed-response", fixedResponseConfig: { messageBody: "down" } }))).toEqual({ kind: "refused", reason: "invalid FixedResponseConfig: statusCode is required" });
        expect(parseAlbAction(JSON.stringify({ type: "redirect", redirectConfig: null }))).toEqual({ kind: "refused", reason: "missing RedirectConfig" });
        expect(parseAlbAction(JSON.stringify({ type: "redirect", redirectConfig: { statusCode: "" } }))).toEqual({ kind: "refused", reason: "invalid RedirectConfig: statusCode is required" });
        const both = JSON.stringify({ type: "forward", targetGroupARN: arn, forwardConfig: { targetGroups: [{ serviceName: "api-blue", servicePort: "http" }] } });
        expect(parseAlbAction(both)).toEqual({ kind: "refused", reason: "either ForwardConfig or TargetGroupARN/TargetGroupName can be specified" });
        expect(forwardTargets(both)).toBeUndefined();
    });
});

describe("weightProblem and forwardTargets", () => {
    it("a lone target group needs no weight (a JSON null leaves the controller's *int32 unset too) and gets all the traffic", () => {
        expect(forwardTargets(forward({ serviceName: "api-blue", servicePort: "http" }))).toEqual([{ serviceName: "api-blue", weight: 1 }]);
        expect(forwardTargets(forward({ serviceName: "api-blue", servicePort: "http", weight: null }))).toEqual([{ serviceName: "api-blue", weight: 1 }]);
    });

    it("several target groups need a weight each, or the controller refuses the whole action", () => {
        const value = forward({ serviceName: "api-blue", servicePort: "http", weight: 100 }, { serviceName: "api-green", servicePort: "http" });
        const action = parseAlbAction(value);
        expect(action.kind === "forward" ? action.groups.map((g) => weightProblem(g, 2)) : action).toEqual([undefined, "missing"]);
        expect(forwardTargets(value)).toBeUndefined();
    });

    it("a weight the controller cannot unmarshal into an int32 (text, a fraction) or ELB refuses (past 999, negative) refuses the action", () => {
        for (const weight of ["50", 0.5, 1000, -1, null]) {
            expect({ weight, targets: forwardTargets(forward({ serviceName: "api-blue", servicePort: "http", weight }, { serviceName: "api-green", servicePort: "http", weight: 0 })) }).toEqual({ weight, targets: undefined });
        }
        expect(forwardTargets(forward({ serviceName: "api-blue", servicePort: "http", weight: 999 }, { serviceName: "api-green", servicePort: "http", weight: 0 }))).toEqual([
            { serviceName: "api-blue", weight: 999 },
            { serviceName: "api-green", weight: 0 },
        ]);
    });

    it("an action with no target group, or none backed by a Service, forwards to no Service", () => {
        expect(forwardTargets(forward())).toBeUndefined();
        expect(forwardTargets(JSON.stringify({ type: "forward" }))).toBeUndefined();
        expect(forwardTargets(forward({ targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1", weight: 1 }))).toEqual([]);
        expect(forwardTargets("not json")).toBeUndefined();
    });
});
