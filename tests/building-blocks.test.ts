/**
 * The shared building blocks (lib/kms.ts, lib/pod-security.ts) and that every resource of their
 * shape in both committed stacks is built by them: one shape, no drifted copy.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { safetyFor } from "../config/tier";
import { restrictedContainer, restrictedPod } from "../lib/pod-security";
import { REPO_ROOT } from "../plan/engine";
import { planStack, type PlannedResource } from "./support/plan";

/** Every pod security context in an object tree: a Pod spec's `securityContext` beside `containers`, or a chart's `securityContext` values. */
function podContexts(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
    if (Array.isArray(value)) {
        value.forEach((v) => podContexts(v, out));
    } else if (value !== null && typeof value === "object") {
        const o = value as Record<string, unknown>;
        const sc = o.securityContext as Record<string, unknown> | undefined;
        if (sc !== undefined && ("containers" in o || "containerSecurityContext" in o)) {
            out.push(sc);
        }
        Object.values(o).forEach((v) => podContexts(v, out));
    }
    return out;
}

describe("restrictedPod", () => {
    it("runs as the user and the same group, owns volumes by fsGroup, and always sets non-root and RuntimeDefault seccomp", () => {
        expect(restrictedPod({ uid: 1000, fsGroup: 2000 })).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } });
        expect(restrictedPod()).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(restrictedContainer(1000)).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false });
    });
});

describe.each(["staging", "production"])("%s", (stack) => {
    it("every KMS key is rotated, waits the tier's deletion window, is protected as the tier says, and is named by its own alias when it has one", async () => {
        const plan = await planStack(stack);
        const safety = safetyFor(stack === "production" ? "production" : "staging");
        const keys = plan.resources.filter((r) => r.type === "aws:kms/key:Key");
        expect(keys.length).toBeGreaterThanOrEqual(5);
        for (const key of keys) {
            expect({ name: key.name, ...key.inputs, protect: key.protect }).toMatchObject({
                name: key.name,
                enableKeyRotation: true,
                deletionWindowInDays: safety.kmsDeletionWindowDays,
                tags: { Name: key.name },
                protect: safety.protect,
            });
        }
        const aliases = plan.resources.filter((r) => r.type === "aws:kms/alias:Alias");
        for (const alias of aliases) {
            // <key>-alias, in the key's region.
            const key = keys.find((k: PlannedResource) => `${k.name}-alias` === alias.name);
            expect({ alias: alias.name, region: alias.inputs.region }).toEqual({ alias: `${key?.name ?? "(no key)"}-alias`, region: key?.inputs.region });
        }
    });

    it("every pod security context sets runAsGroup with runAsUser (no drifted copy), non-root and RuntimeDefault seccomp", async () => {
        const plan = await planStack(stack);
        const contexts = plan.resources.flatMap((r) => podContexts(r.inputs));
        expect(contexts.length).toBeGreaterThanOrEqual(5);
        for (const sc of contexts) {
            expect(sc).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(sc.runAsGroup).toBe(sc.runAsUser);
        }
    });
});

describe("no hand-written copy of a building block", () => {
    // A plan shows only the objects the committed stacks create: the load-test Job (a service with
    // performance.loadGate, or npm run loadtest) spelled its pod context by hand until this check.
    const sources = ["components", "lib", "loadtest", "smoke", "observability", "dashboards"].flatMap((dir) =>
        readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => `${dir}/${f}`));

    it("only lib/pod-security.ts spells a pod or container security context, only lib/kms.ts creates a KMS key, only SecureBucket a bucket", () => {
        const spelled = (pattern: RegExp): string[] => sources.filter((f) => pattern.test(readFileSync(join(REPO_ROOT, f), "utf8")));
        expect(sources.length).toBeGreaterThan(50);
        expect(spelled(/\brunAsNonRoot\s*:|\ballowPrivilegeEscalation\s*:|\bseccompProfile\s*:/)).toEqual(["lib/pod-security.ts"]);
        expect(spelled(/new aws\.kms\.(Key|Alias)\(/)).toEqual(["lib/kms.ts"]);
        expect(spelled(/new aws\.s3\.(Bucket|BucketV2|BucketVersioning|BucketServerSideEncryptionConfiguration|BucketPublicAccessBlock|BucketPolicy)\(/)).toEqual(["components/secure-bucket.ts"]);
    });
});
