/**
 * policies/shared/alb.ts: an action annotation read as the AWS Load Balancer Controller v3.5.0 reads
 * it (pkg/ingress/config_types.go: `Weight *int32`; `ForwardActionConfig.validate`: "weight must be
 * set when route to multiple target groups"; pkg/ingress/model_build_actions.go buildForwardAction:
 * a group's targetGroupARN, else its targetGroupName, else its Service), and ELB's weight range
 * (0 to 999, ELB user guide "Forward actions").
 */
import { describe, expect, it } from "vitest";
import { forwardTargets, parseAlbAction, weightProblem } from "../lib/alb";

const forward = (...targetGroups: Record<string, unknown>[]) => JSON.stringify({ type: "forward", forwardConfig: { targetGroups } });

describe("parseAlbAction", () => {
    it("reads each kind of action the controller knows, and says which it does not", () => {
        expect(parseAlbAction("{nope")).toMatchObject({ kind: "not-json" });
        expect(parseAlbAction(JSON.stringify({ type: "redirect", redirectConfig: { statusCode: "HTTP_301" } }))).toEqual({ kind: "no-forward" });
        expect(parseAlbAction(JSON.stringify({ type: "fixed-response" }))).toEqual({ kind: "no-forward" });
        expect(parseAlbAction(JSON.stringify({ type: "authenticate-oidc" }))).toEqual({ kind: "unknown-type", type: "authenticate-oidc" });
        expect(parseAlbAction("[]")).toEqual({ kind: "unknown-type", type: undefined });
        expect(parseAlbAction(JSON.stringify({ type: "forward", targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1" }))).toEqual({ kind: "external" });
    });

    it("a group's target group ARN or name wins over its Service, as buildForwardAction picks them", () => {
        const action = parseAlbAction(forward({ serviceName: "api-blue", servicePort: "http", weight: 1 }, { serviceName: "api-green", targetGroupName: "legacy", weight: 0 }));
        expect(action).toEqual({
            kind: "forward",
            groups: [
                { serviceName: "api-blue", servicePort: "http", external: false, weight: 1 },
                { serviceName: undefined, servicePort: undefined, external: true, weight: 0 },
            ],
        });
    });
});

describe("weightProblem and forwardTargets", () => {
    it("a lone target group needs no weight and gets all the traffic", () => {
        const value = forward({ serviceName: "api-blue", servicePort: "http" });
        expect(forwardTargets(value)).toEqual([{ serviceName: "api-blue", weight: 1 }]);
    });

    it("several target groups need a weight each, or the controller refuses the whole action", () => {
        const value = forward({ serviceName: "api-blue", servicePort: "http", weight: 100 }, { serviceName: "api-green", servicePort: "http" });
        const action = parseAlbAction(value);
        expect(action.kind === "forward" ? action.groups.map((g) => weightProblem(g, 2)) : action).toEqual([undefined, "missing"]);
        expect(forwardTargets(value)).toBeUndefined();
    });

    it("a weight the controller cannot unmarshal into an int32 (text, a fraction) or ELB refuses (past 999, negative) refuses the action", () => {
        for (const weight of ["50", 0.5, 1000, -1, null]) {
            expect({ weight, targets: forwardTargets(forward({ serviceName: "api-blue", weight }, { serviceName: "api-green", weight: 0 })) }).toEqual({ weight, targets: undefined });
        }
        expect(forwardTargets(forward({ serviceName: "api-blue", weight: 999 }, { serviceName: "api-green", weight: 0 }))).toEqual([
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
