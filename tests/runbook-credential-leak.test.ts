/**
 * docs/runbooks/credential-leak.md against the plan: the URN its grep finds for each user, what a
 * replaced password changes (the page promises the preview shows exactly: for the master, the
 * password, the RDS instance and its Secret; for the application's, its Secret, the grants Job and
 * the colors' digest), the Secrets it names and the label selector it restarts by.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_CONNECTION_SECRET_NAME, CONNECTION_SECRET_NAME } from "../components/database";
import { GRANTS_JOB_NAME } from "../components/database-grants";
import { REPO_ROOT } from "../plan/engine";
import { ofType, planStack } from "./support/plan";

const PAGE = readFileSync(join(REPO_ROOT, "docs/runbooks/credential-leak.md"), "utf8");

/**
 * What the page's `grep -o "<pattern>"` prints from `pulumi stack --show-urns`, which lists each
 * resource's URN after "URN: " on a line of its own, with `$WHICH` set to `which`. grep matches line
 * by line; the pattern holds only literals and `[^ ]*`, which mean the same in a JavaScript pattern.
 */
function grepUrns(urns: readonly string[], which: "app" | "master"): string[] {
    const m = /PASSWORD_URN=\$\(pulumi stack --show-urns \| grep -o "([^"]+)"\)/.exec(PAGE);
    expect(m, "the page's grep for the password URN").not.toBeNull();
    const pattern = new RegExp(m![1].replace("$WHICH", which));
    return urns.map((urn) => pattern.exec(`    URN: ${urn}`)?.[0]).filter((u): u is string => u !== undefined);
}

/** The label selector of the page's `kubectl rollout restart deployment -l <selector>`. */
function restartSelector(): [string, string] {
    const m = /kubectl -n "\$NS" rollout restart deployment -l ([^=\s]+)=(\S+)/.exec(PAGE);
    expect(m, "the page's rollout restart").not.toBeNull();
    return [m![1], m![2]];
}

describe.each(["staging", "production"])("%s: the credential-leak runbook", (stack) => {
    it.each(["app", "master"] as const)("finds exactly one URN for WHICH=%s, that user's generated password, in `pulumi stack --show-urns`", async (which) => {
        const p = await planStack(stack);
        expect(grepUrns(p.resources.map((r) => r.urn), which)).toEqual([ofType(p, "random:index/randomPassword:RandomPassword").find((r) => r.name.endsWith(`-database-${which}-password`))!.urn]);
        expect(PAGE).toContain("`WHICH` is `app` or `master`");
    });

    /** What takes an input from `password`, by type and input: the only resources a replaced one's new outputs reach. */
    const dependantsOf = (p: Awaited<ReturnType<typeof planStack>>, password: string) => p.resources.filter((r) => Object.values(r.propertyDependencies).some((urns) => urns.includes(password)));
    const inputsFrom = (rs: readonly { type: string; propertyDependencies: Readonly<Record<string, readonly string[]>> }[], password: string) =>
        rs.map((r) => [r.type, Object.entries(r.propertyDependencies).filter(([, urns]) => urns.includes(password)).map(([k]) => k)]);

    it("WHICH=master: replacing it changes the RDS instance's password and the master user's Secret, nothing else: no Deployment, no Job (the preview the page asks for)", async () => {
        const p = await planStack(stack);
        const [password] = grepUrns(p.resources.map((r) => r.urn), "master");
        const dependants = dependantsOf(p, password);
        expect(inputsFrom(dependants, password)).toEqual([
            ["aws:rds/instance:Instance", ["password"]],
            ["kubernetes:core/v1:Secret", ["stringData"]],
        ]);
        const [secret] = ofType(p, "kubernetes:core/v1:Secret").filter((r) => dependants.includes(r));
        expect((secret.inputs.metadata as { name: string }).name).toBe(CONNECTION_SECRET_NAME);
        expect(PAGE).toContain(`| \`${CONNECTION_SECRET_NAME}\` | the migration Jobs, the dump CronJob, the grants Job`);
    });

    it("WHICH=app: replacing it changes the application user's Secret, the grants Job and the digest on both colors' pod templates, nothing else: not the instance (the preview the page asks for)", async () => {
        const p = await planStack(stack);
        const [password] = grepUrns(p.resources.map((r) => r.urn), "app");
        const dependants = dependantsOf(p, password);
        expect(inputsFrom(dependants, password)).toEqual([
            ["kubernetes:core/v1:Secret", ["stringData"]],
            ["kubernetes:batch/v1:Job", ["spec"]],
            ["kubernetes:apps/v1:Deployment", ["spec"]],
            ["kubernetes:apps/v1:Deployment", ["spec"]],
            ["kubernetes:batch/v1:Job", ["spec"]],
            ["kubernetes:batch/v1:Job", ["spec"]],
        ]);
        expect(dependants.map((r) => (r.inputs.metadata as { name?: string }).name).slice(0, 2)).toEqual([APP_CONNECTION_SECRET_NAME, GRANTS_JOB_NAME]);
        // The two later Jobs are the colors' gates, whose pod template carries the same digest (blue-green-service.ts gateConnectionAnnotations).
        expect(dependants.filter((r) => r.type === "kubernetes:batch/v1:Job").slice(1).map((r) => r.name)).toEqual([`launchpad-${stack}-api-blue-gate`, `launchpad-${stack}-api-green-gate`]);
        expect(PAGE).toContain("each such color's gate Job `<svc>-<color>-gate-<gate run>`\n  replaced for the same annotation on its pod template");
        expect(PAGE).toContain(`| \`${APP_CONNECTION_SECRET_NAME}\` | both colors' pods`);
        expect(PAGE).toContain(`the Job\n  \`${GRANTS_JOB_NAME}\` replaced (it runs again and sets the new password)`);
    });

    it("the application rotation's own `pulumi up` rolls every color onto the new Secret: each Deployment's pod template carries the digest of the password with the rest of the settings, and waits for the Secret and the grants Job without taking an input from either (the page's preview and step 2)", async () => {
        const p = await planStack(stack);
        const secret = ofType(p, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as { name: string }).name === APP_CONNECTION_SECRET_NAME)!;
        const grants = ofType(p, "kubernetes:batch/v1:Job").find((r) => (r.inputs.metadata as { name: string }).name === GRANTS_JOB_NAME)!;
        const [password] = grepUrns(p.resources.map((r) => r.urn), "app");
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
            expect(d.dependsOn).toEqual(expect.arrayContaining([secret.urn, grants.urn]));
        }
        expect(PAGE).toContain("Deployments of every service that connects updated, only their pod template's\n  `launchpad.dev/database-connection` annotation");
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
