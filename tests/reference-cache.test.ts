import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { referenceFingerprint, REPO_ROOT, runPlan, stackConfigFor, type ReferenceCache } from "../plan/engine";
import { bundleProgramId, fileReferenceCache } from "../plan/reference-cache";
import { planStack } from "./support/plan";

/** A cache in memory that records what the engine asked. */
class MemoryCache implements ReferenceCache {
    readonly entries = new Map<string, { fingerprint: string; outputs: Record<string, unknown> }>();
    readonly reads: string[] = [];
    readonly writes: string[] = [];
    read(stack: string, fingerprint: string): Record<string, unknown> | undefined {
        this.reads.push(stack);
        const e = this.entries.get(stack);
        return e?.fingerprint === fingerprint ? e.outputs : undefined;
    }
    write(stack: string, fingerprint: string, outputs: Record<string, unknown>): void {
        this.writes.push(stack);
        this.entries.set(stack, { fingerprint, outputs });
    }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-references-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("plan/reference-cache.ts: plain plans' outputs kept between processes", () => {
    it("reads back what it wrote, under the same program and fingerprint only", () => {
        const outputs = { clusterName: "launchpad-staging", secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "x" } };
        fileReferenceCache(dir, "program-a").write("staging", "fp-1", outputs);
        expect(fileReferenceCache(dir, "program-a").read("staging", "fp-1")).toEqual(outputs);
        expect(fileReferenceCache(dir, "program-a").read("staging", "fp-2")).toBeUndefined();
        expect(fileReferenceCache(dir, "program-b").read("staging", "fp-1")).toBeUndefined();
        expect(fileReferenceCache(dir, "program-a").read("production", "fp-1")).toBeUndefined();
        fs.writeFileSync(path.join(dir, "staging.outputs.json"), "{ half a fi");
        expect(fileReferenceCache(dir, "program-a").read("staging", "fp-1")).toBeUndefined();
    });

    it("identifies a bundle by its bytes and the installed packages, and gives no identity without them", () => {
        const bundle = path.join(dir, "bundle.cjs");
        fs.writeFileSync(bundle, "one");
        const first = bundleProgramId(bundle, REPO_ROOT);
        expect(first).toMatch(/^[0-9a-f]{64}$/);
        fs.writeFileSync(bundle, "two");
        expect(bundleProgramId(bundle, REPO_ROOT)).not.toBe(first);
        expect(bundleProgramId(bundle, dir)).toBeUndefined();
    });
});

describe("the engine with a reference cache: production reads staging's outputs without planning staging again", () => {
    it("the fingerprint follows the stack's config and the day of the run", () => {
        const staging = stackConfigFor({ stack: "staging" });
        const fp = referenceFingerprint(staging, REPO_ROOT);
        expect(referenceFingerprint(stackConfigFor({ stack: "staging" }), REPO_ROOT)).toBe(fp);
        expect(referenceFingerprint({ ...staging, values: { ...staging.values, "launchpad:x": 1 } }, REPO_ROOT)).not.toBe(fp);
        expect(referenceFingerprint(stackConfigFor({ stack: "production" }), REPO_ROOT)).not.toBe(fp);
        const day = process.env.LAUNCHPAD_TODAY;
        try {
            process.env.LAUNCHPAD_TODAY = "2031-01-01";
            expect(referenceFingerprint(staging, REPO_ROOT)).not.toBe(fp);
        } finally {
            process.env.LAUNCHPAD_TODAY = day;
        }
    });

    it("plans staging once, keeps it, and reads it from the cache on the next plan; the plan is the one without a cache", async () => {
        const cache = new MemoryCache();
        const first = await runPlan({ stack: "production", referenceCache: cache });
        // Staging planned for the reference (and kept), then production's own plain plan kept.
        expect(cache.writes).toEqual(["staging", "production"]);
        expect(first).toEqual(await planStack("production"));

        const kept = cache.entries.get("staging");
        expect(kept).toBeDefined();
        cache.entries.set("staging", { fingerprint: kept?.fingerprint ?? "", outputs: { ...kept?.outputs, marker: "from the cache" } });
        const second = await runPlan({ stack: "production", referenceCache: cache });
        // Read, not planned: no second staging write, and the marker reached the reference's state.
        expect(cache.writes).toEqual(["staging", "production", "production"]);
        const ref = second.resources.find((r) => r.type === "pulumi:pulumi:StackReference" && (r.state.outputs as Record<string, unknown> | undefined)?.marker !== undefined);
        expect((ref?.state.outputs as Record<string, unknown>).marker).toBe("from the cache");
    });

    it("keeps no plan with overrides", async () => {
        const cache = new MemoryCache();
        await runPlan({ stack: "staging", sets: ["launchpad:activeColor=green"], referenceCache: cache });
        expect(cache.writes).toEqual([]);
    });
});
