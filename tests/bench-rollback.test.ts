/**
 * `npm run bench:rollback` (bench/rollback.bench.ts) runs: its stand-in cluster reader is the one
 * `npm run rollback` reads through (`RollbackDeps.clusterReader`, scripts/readiness.ts). It once
 * passed a dependency the command no longer had (`deploymentReader`), so the command fell back to
 * the real `@kubernetes/client-node` reader with the fake kubeconfig and the bench died with
 * "No active cluster!" before printing a row. Issue 17's benchmark target, checked on two rows: the
 * targeted set is at most 2 resources per switched service, whatever the stack's size.
 */
import { describe, expect, it } from "vitest";
import { MAX_PER_SERVICE, measure } from "../bench/rollback.bench";

describe("npm run bench:rollback", () => {
    it("one service switched in a 4-service stack just after a switch: 2 resources targeted (its live Service and its alb Ingress)", async () => {
        const row = await measure(4, "after a switch", true);
        expect({ services: row.services, switched: row.switched, targeted: row.targeted }).toEqual({ services: 4, switched: 1, targeted: 2 });
        expect(row.targeted).toBeLessThanOrEqual(MAX_PER_SERVICE);
    }, 60_000);

    it("a cold idle color the stand-in cluster runs at idleReplicas: refused by the live readiness check, nothing targeted", async () => {
        const row = await measure(1, "idle color cold", false);
        expect(row.targeted).toBe("refused");
    }, 60_000);
});
