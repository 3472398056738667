/**
 * Plain data (what JSON holds): the one deep copy the offline policy evaluation (policies/evaluate.ts,
 * a props copy per validation) and the plan engine (plan/struct.ts, a light Struct's answers) make.
 * Kept inside the policy pack's folder, which is published alone; the program imports it as `lib/data`.
 */

/** A deep copy of plain data: arrays and objects copied (own enumerable keys, in order), the rest kept. */
export function copyData(v: unknown): unknown {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(copyData);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copyData((v as Record<string, unknown>)[k]);
    return out;
}
