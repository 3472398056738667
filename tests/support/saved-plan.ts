/**
 * The policy pack on a saved, hand-edited plan, as an operator runs it: `npm run plan -- --json`
 * once, then per test an edit of the document, saved and checked by `npm run policy -- --plan <file>
 * --json` (tests/policy-preflight-plan.test.ts, tests/policy-pod-traffic.test.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Violation } from "../../policies/evaluate";
import { planCli } from "../../scripts/plan";
import { policyCli } from "../../scripts/policy";

/** The `npm run plan -- --json` document, as far as these tests read and edit it. */
export interface PlanDocument {
    stack: string;
    resources: DocResource[];
    [key: string]: unknown;
}

export interface DocResource {
    urn: string;
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    arn: string | null;
}

/** `npm run plan -- --stack <stack> --json` (with `--set`s), parsed; a failed plan fails loudly. */
export async function savedPlan(stack: string, sets: readonly string[] = []): Promise<PlanDocument> {
    const r = await planCli(["--stack", stack, "--json", ...sets.flatMap((x) => ["--set", x])]);
    if (r.code !== 0) throw new Error(`the ${stack} plan failed (exit ${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as PlanDocument;
}

/** `base` with `edit` applied, saved under `dir`, and checked by `npm run policy -- --plan <file> --json`: its exit code and every violation. */
export async function checkSaved(base: PlanDocument, dir: string, edit: (doc: PlanDocument) => void = () => undefined): Promise<{ code: number; violations: Violation[] }> {
    const doc = structuredClone(base);
    edit(doc);
    const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const r = await policyCli(["--plan", file, "--stack", String(doc.stack), "--json"]);
    expect(r.stderr).toBe("");
    return { code: r.code, violations: (JSON.parse(r.stdout) as { policy: { violations: Violation[] } }).policy.violations };
}
