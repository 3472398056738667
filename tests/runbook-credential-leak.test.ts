/**
 * docs/runbooks/credential-leak.md against the plan: the URN its grep finds, what a replaced
 * password changes (the page promises the preview shows exactly the password, the RDS instance and
 * the connection Secret), the Secret it names and the label selector it restarts by.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTION_SECRET_NAME } from "../components/database";
import { REPO_ROOT } from "../plan/engine";
import { ofType, planStack } from "./support/plan";

const PAGE = readFileSync(join(REPO_ROOT, "docs/runbooks/credential-leak.md"), "utf8");

/**
 * What the page's `grep -o '<pattern>'` prints from `pulumi stack --show-urns`, which lists each
 * resource's URN after "URN: " on a line of its own. grep matches line by line; the pattern holds
 * only literals and `[^ ]*`, which mean the same in a JavaScript pattern.
 */
function grepUrns(urns: readonly string[]): string[] {
    const m = /PASSWORD_URN=\$\(pulumi stack --show-urns \| grep -o '([^'$]+)'\)/.exec(PAGE);
    expect(m, "the page's grep for the password URN").not.toBeNull();
    const pattern = new RegExp(m![1]);
    return urns.map((urn) => pattern.exec(`    URN: ${urn}`)?.[0]).filter((u): u is string => u !== undefined);
}

/** The label selector of the page's `kubectl rollout restart deployment -l <selector>`. */
function restartSelector(): [string, string] {
    const m = /kubectl -n "\$NS" rollout restart deployment -l ([^=\s]+)=(\S+)/.exec(PAGE);
    expect(m, "the page's rollout restart").not.toBeNull();
    return [m![1], m![2]];
}

describe.each(["staging", "production"])("%s: the credential-leak runbook", (stack) => {
    it("finds exactly one URN, the generated master password's, in `pulumi stack --show-urns`", async () => {
        const p = await planStack(stack);
        expect(grepUrns(p.resources.map((r) => r.urn))).toEqual([ofType(p, "random:index/randomPassword:RandomPassword").find((r) => r.name.endsWith("-database-master-password"))!.urn]);
    });

    it("replacing it changes the RDS instance's password, the connection Secret and the digest of it on both colors' pod templates, nothing else (the preview the page asks for)", async () => {
        const p = await planStack(stack);
        const [password] = grepUrns(p.resources.map((r) => r.urn));
        // A replaced resource's new outputs reach only the resources that take an input from it.
        const dependants = p.resources.filter((r) => Object.values(r.propertyDependencies).some((urns) => urns.includes(password)));
        expect(dependants.map((r) => [r.type, Object.entries(r.propertyDependencies).filter(([, urns]) => urns.includes(password)).map(([k]) => k)])).toEqual([
            ["aws:rds/instance:Instance", ["password"]],
            ["kubernetes:core/v1:Secret", ["stringData"]],
            ["kubernetes:apps/v1:Deployment", ["spec"]],
            ["kubernetes:apps/v1:Deployment", ["spec"]],
        ]);
        const [secret] = ofType(p, "kubernetes:core/v1:Secret").filter((r) => dependants.includes(r));
        expect((secret.inputs.metadata as { name: string }).name).toBe(CONNECTION_SECRET_NAME);
        expect(PAGE).toContain(`The Secret \`${CONNECTION_SECRET_NAME}\` in \`$NS\``);
    });

    it("the rotation's own `pulumi up` rolls every color onto the new Secret: each Deployment's pod template carries the digest of the password with the rest of the settings, and waits for the Secret without taking an input from it (the page's preview and step 2)", async () => {
        const p = await planStack(stack);
        const secret = ofType(p, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as { name: string }).name === CONNECTION_SECRET_NAME)!;
        const [password] = grepUrns(p.resources.map((r) => r.urn));
        const deployments = ofType(p, "kubernetes:apps/v1:Deployment");
        expect(deployments.length).toBeGreaterThanOrEqual(2);
        for (const d of deployments) {
            const template = (d.inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
            // components/database.ts connectionDigest, in clear (10 hex digits).
            expect(template.metadata.annotations["launchpad.dev/database-connection"]).toMatch(/^[0-9a-f]{10}$/);
            expect(d.propertyDependencies.spec).toContain(password);
            // An input from the Secret would have the engine replace the Deployment, delete-first, with it
            // (pulumi/pulumi step_generator.go calculateDependentReplacements); dependsOn only orders.
            expect(d.propertyDependencies.spec).not.toContain(secret.urn);
            expect(d.dependencies).toContain(secret.urn);
        }
        expect(PAGE).toContain("Deployments of every service that connects updated, only their pod template's\n`launchpad.dev/database-connection` annotation");
        expect(PAGE).toContain("## 2. Watch the pods roll onto it");
    });

    it("restarts by a selector that holds every color's Deployment, and no chart's workload", async () => {
        const p = await planStack(stack);
        const [key, value] = restartSelector();
        const deployments = ofType(p, "kubernetes:apps/v1:Deployment");
        const selected = deployments.filter((d) => (d.inputs.metadata as { labels?: Record<string, string> }).labels?.[key] === value);
        expect(selected.length).toBe(deployments.length);
        const colors = selected.map((d) => (d.inputs.metadata as { labels: Record<string, string> }).labels.color).sort();
        expect(colors).toEqual([...colors].fill("blue", 0, colors.length / 2).fill("green", colors.length / 2));
        expect(selected.length).toBeGreaterThanOrEqual(2);
        // The charts in the services' namespace (the exporters) set no such label on what they deploy.
        const releases = ofType(p, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.namespace === (deployments[0].inputs.metadata as { namespace: string }).namespace);
        expect(releases.length).toBeGreaterThan(0);
        expect(releases.filter((r) => JSON.stringify(r.inputs.values ?? {}).includes(`"${key}":"${value}"`)).map((r) => r.name)).toEqual([]);
    });
});
