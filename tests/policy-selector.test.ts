/**
 * policies/shared/selector.ts: the one selector matcher of the policy pack, with Kubernetes' semantics.
 * Requirements as kubernetes/apimachinery pkg/labels/selector.go `Requirement.Matches`; empty
 * LabelSelector = every object (apimachinery pkg/apis/meta/v1/helpers.go `LabelSelectorAsSelector`,
 * v0.33.2); a Service with an empty selector has none and selects no pod (kubernetes/kubernetes
 * pkg/controller/endpoint/endpoints_controller.go `syncService`).
 */
import type { PolicyResource } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { selects as deliverySelects } from "../policies/delivery";
import { selects as deployabilitySelects } from "../policies/deployability";
import { labelSelectorMatches, meets, requirements, selectsEverything, serviceSelects } from "../policies/shared/selector";

const pod = { app: "api", color: "blue" };

describe("meets: one requirement, as labels.Requirement.Matches", () => {
    it.each([
        ["In, value listed", { key: "color", operator: "In", values: ["blue", "green"] }, true],
        ["In, value not listed", { key: "color", operator: "In", values: ["green"] }, false],
        ["In, key absent", { key: "tier", operator: "In", values: ["web"] }, false],
        ["NotIn, value not listed", { key: "color", operator: "NotIn", values: ["green"] }, true],
        ["NotIn, value listed", { key: "color", operator: "NotIn", values: ["blue"] }, false],
        ["NotIn, key absent (matches)", { key: "tier", operator: "NotIn", values: ["web"] }, true],
        ["Exists, key present", { key: "app", operator: "Exists", values: [] }, true],
        ["Exists, key absent", { key: "tier", operator: "Exists", values: [] }, false],
        ["DoesNotExist, key absent", { key: "tier", operator: "DoesNotExist", values: [] }, true],
        ["DoesNotExist, key present", { key: "app", operator: "DoesNotExist", values: [] }, false],
        ["an operator a LabelSelector does not have", { key: "app", operator: "Gt", values: ["1"] }, false],
        ["a key named like an Object member is a label like any other", { key: "constructor", operator: "Exists", values: [] }, false],
    ] as const)("%s", (_, r, expected) => {
        expect(meets(pod, r)).toBe(expected);
    });

    it("reads matchExpressions entries, keeping only string values", () => {
        expect(requirements([{ key: "app", operator: "In", values: ["api", 3] }, "junk"])).toEqual([
            { key: "app", operator: "In", values: ["api"] },
            { key: "", operator: "", values: [] },
        ]);
    });
});

describe("a LabelSelector (NetworkPolicy podSelector, webhook objectSelector): empty selects every pod", () => {
    it.each([
        ["empty", {}, true],
        ["empty matchLabels and matchExpressions", { matchLabels: {}, matchExpressions: [] }, true],
        ["matchLabels pair present", { matchLabels: { app: "api" } }, true],
        ["matchLabels pair with another value", { matchLabels: { app: "web" } }, false],
        ["matchLabels and matchExpressions are ANDed", { matchLabels: { app: "api" }, matchExpressions: [{ key: "color", operator: "In", values: ["green"] }] }, false],
        ["both hold", { matchLabels: { app: "api" }, matchExpressions: [{ key: "color", operator: "NotIn", values: ["green"] }] }, true],
    ] as const)("%s", (_, selector, expected) => {
        expect(labelSelectorMatches(selector, pod)).toBe(expected);
    });

    it("an empty selector is one of every pod; one with a requirement is not", () => {
        expect([selectsEverything({}), selectsEverything({ matchLabels: {}, matchExpressions: [] }), selectsEverything({ matchLabels: { app: "api" } }), selectsEverything({ matchExpressions: [{ key: "app", operator: "Exists" }] })]).toEqual([true, true, false, false]);
    });
});

describe("a Service's spec.selector: empty or absent is no selector, which selects no pod", () => {
    it.each([
        ["absent", undefined, false],
        ["empty", {}, false],
        ["every pair among the labels", { app: "api", color: "blue" }, true],
        ["a subset of the labels", { app: "api" }, true],
        ["a pair with another value", { app: "api", color: "green" }, false],
        ["a pair the pod lacks", { app: "api", tier: "web" }, false],
        ["a value that is not text", { app: 1 }, false],
    ] as const)("%s", (_, selector, expected) => {
        expect(serviceSelects(selector, pod)).toBe(expected);
    });
});

describe("the policies that ask: one answer", () => {
    const svc = (selector: unknown) => ({ type: "kubernetes:core/v1:Service", props: { metadata: { name: "api", namespace: "shop" }, spec: { selector } }, urn: "urn:svc", name: "api", dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource;
    const deployment = { type: "kubernetes:apps/v1:Deployment", props: { metadata: { name: "api-blue", namespace: "shop" }, spec: { template: { metadata: { labels: pod } } } }, urn: "urn:d", name: "api-blue", dependencies: [], propertyDependencies: {} } as unknown as PolicyResource;

    it.each([
        ["a Service with no selector", {}, false],
        ["a Service selecting the pods", { app: "api", color: "blue" }, true],
        ["a Service selecting the other color", { app: "api", color: "green" }, false],
    ] as const)("%s: delivery and deployability agree with serviceSelects", (_, selector, expected) => {
        expect([deliverySelects(svc(selector), deployment), deployabilitySelects(svc(selector), pod), serviceSelects(selector, pod)]).toEqual([expected, expected, expected]);
    });
});
