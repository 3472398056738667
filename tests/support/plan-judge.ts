/**
 * The production plan as `npm run plan -- --json` writes it, edited by hand and judged by
 * `npm run policy` on the saved file: how the policy tests break one promise at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Violation } from "../../policies/evaluate";
import { planCli } from "../../scripts/plan";
import { policyCli } from "../../scripts/policy";

export interface PlanDocResource { urn: string; type: string; name: string; inputs: Record<string, unknown> }
export interface PlanDoc { stack: string; resources: PlanDocResource[] }

/**
 * Plans production once for the calling file (in `beforeAll`) and returns its document and a judge:
 * the plan with `edit` applied, saved and run through `npm run policy` under `config` (default:
 * production's pack config). Throws when the command prints no verdict.
 */
export function productionPlanJudge(prefix: string): {
    base: () => PlanDoc;
    judged: (edit: (doc: PlanDoc) => void, config?: string) => Promise<{ code: number; violations: Violation[] }>;
} {
    const dir = mkdtempSync(join(tmpdir(), `launchpad-${prefix}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    let base: PlanDoc | undefined;
    beforeAll(async () => {
        const r = await planCli(["--stack", "production", "--json"]);
        if (r.code !== 0) throw new Error(`the production plan failed (exit ${r.code}): ${r.stderr}`);
        base = JSON.parse(r.stdout) as PlanDoc;
    });
    const doc = (): PlanDoc => {
        if (base === undefined) throw new Error("the production plan is read in beforeAll");
        return base;
    };
    return {
        base: doc,
        judged: async (edit, config) => {
            const edited = structuredClone(doc());
            edit(edited);
            const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.json`);
            writeFileSync(file, JSON.stringify(edited));
            const out = await policyCli(["--plan", file, "--stack", "production", "--json", ...(config !== undefined ? ["--config", config] : [])]);
            if (out.stdout === "") throw new Error(`npm run policy failed (exit ${out.code}): ${out.stderr}`);
            return { code: out.code, violations: (JSON.parse(out.stdout) as { policy: { violations: Violation[] } }).policy.violations };
        },
    };
}
