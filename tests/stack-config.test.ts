import { afterAll, describe, expect, it } from "vitest";
import { toRuntimeConfig } from "../config";
import { PlanInputError, SECRET_PLACEHOLDER, loadStackConfig, parseConfigPath, parseSet } from "../plan/stack-config";
import { REPO_ROOT } from "../plan/engine";
import { stagingConfig, tempProject } from "./support/project";

describe("config paths, as pulumi config set --path reads them", () => {
    it.each([
        ["launchpad:nodeGroup.maxSize", ["launchpad:nodeGroup", "maxSize"]],
        ["nodeGroup.maxSize", ["launchpad:nodeGroup", "maxSize"]],
        ["aws:region", ["aws:region"]],
        ["launchpad:cluster.endpointPublicAccessCidrs[2]", ["launchpad:cluster", "endpointPublicAccessCidrs", 2]],
        ['launchpad:tags["kubernetes.io/role"]', ["launchpad:tags", "kubernetes.io/role"]],
        ['tags["a\\"b"].c[0]', ["launchpad:tags", 'a"b', "c", 0]],
    ])("%s", (path, expected) => {
        expect(parseConfigPath(path, "launchpad")).toEqual(expected);
    });

    it("rejects a path it cannot read, naming the part", () => {
        expect(() => parseConfigPath("launchpad:nodeGroup..x", "launchpad")).toThrow(
            new PlanInputError('--set: cannot read "..x" in the path "launchpad:nodeGroup..x" (use .field, [index] or ["quoted.field"])'),
        );
    });
});

describe("--set values are YAML", () => {
    it.each([
        ["launchpad:network.azCount=3", 3],
        ["launchpad:tier=production", "production"],
        ['launchpad:cluster.version="1.34"', "1.34"],
        ["launchpad:cluster.version=1.30", 1.3],
        ["launchpad:nodeGroup.instanceTypes=[m6i.large, m6a.large]", ["m6i.large", "m6a.large"]],
        ["launchpad:tags={team: payments}", { team: "payments" }],
        ["launchpad:tier=", null],
        ["launchpad:tier=a=b", "a=b"],
    ])("%s", (text, value) => {
        expect(parseSet(text, "launchpad").value).toEqual(value);
    });

    it("a value of several lines is text, as pulumi config set --path keeps it: a kubeconfig stays the string the program reads", () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster: { server: https://203.0.113.10 }\n";
        expect(parseSet(`cluster.kubeconfig=${kubeconfig}`, "launchpad")).toEqual({ key: "launchpad:cluster", path: ["kubeconfig"], value: kubeconfig });
        expect(parseSet("nodeGroup.maxSize=6\n", "launchpad").value).toBe(6);
    });

    it("a value that starts YAML syntax (an alias) is refused with the quoted form to use", () => {
        expect(() => parseSet("services.api.expose.ingress.host=*.example.com", "launchpad")).toThrow(new PlanInputError(
            `--set services.api.expose.ingress.host: received "*.example.com", which is not YAML (Unresolved alias (the anchor must be set before the alias): .example.com); expected a YAML value: quote a text, as in --set 'services.api.expose.ingress.host="*.example.com"'`,
        ));
        expect(parseSet('services.api.expose.ingress.host="*.example.com"', "launchpad").value).toBe("*.example.com");
    });
});

describe("a stack's config without the CLI", () => {
    it("applies Pulumi.yaml defaults to absent keys only", () => {
        const project = tempProject("bare", stagingConfig({ "launchpad:nodeGroup": { maxSize: 9 } }));
        try {
            const sc = loadStackConfig({ root: project.root, stack: "bare" });
            // An object key the stack sets replaces the project default whole, as the CLI does;
            // The domain schemas (config/network.ts, ...) fill the missing fields with the same defaults.
            expect(sc.values["launchpad:nodeGroup"]).toEqual({ maxSize: 9 });
            expect(sc.values["launchpad:network"]).toEqual({ cidr: "10.0.0.0/16", azCount: 2 });
            expect(sc.values["launchpad:tags"]).toEqual({});
            expect(sc.values["launchpad:tier"]).toBe("staging");
            expect([...sc.secretKeys]).toEqual([]);
        } finally {
            project.dispose();
        }
    });

    const secretProject = tempProject("sec", stagingConfig({ "launchpad:cluster": { kubeconfig: { secure: "v1:Zm9v" }, version: "1.34" } }));
    afterAll(() => secretProject.dispose());

    it("never decrypts a secure value: it becomes a placeholder and its key is secret", () => {
        const sc = loadStackConfig({ root: secretProject.root, stack: "sec" });
        expect(sc.values["launchpad:cluster"]).toEqual({ kubeconfig: SECRET_PLACEHOLDER, version: "1.34" });
        expect([...sc.secretKeys]).toEqual(["launchpad:cluster"]);
    });

    it("hands the runtime strings, objects as JSON, as the CLI does", () => {
        expect(toRuntimeConfig({ "a:s": "x", "a:n": 3, "a:b": true, "a:o": { k: [1] } })).toEqual({ "a:s": "x", "a:n": "3", "a:b": "true", "a:o": '{"k":[1]}' });
    });

    it("applies --set after defaults, creating objects and lists on the way", () => {
        const sc = loadStackConfig({ root: REPO_ROOT, stack: "staging", sets: ["launchpad:tags.team=payments", "launchpad:extra.list[0]=x"] });
        expect(sc.values["launchpad:tags"]).toEqual({ "cost-center": "platform", owner: "team-platform", team: "payments" });
        expect(sc.values["launchpad:extra"]).toEqual({ list: ["x"] });
    });

    it("refuses a --set path that does not fit the value there", () => {
        expect(() => loadStackConfig({ root: REPO_ROOT, stack: "staging", sets: ["launchpad:tier.x=1"] })).toThrow(
            new PlanInputError('--set launchpad:tier: "x" does not fit the value there (a plain value)'),
        );
    });
});
