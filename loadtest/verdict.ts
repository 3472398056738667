/**
 * The scenario's verdict from the run's report and the server's findings, one reason per broken rule.
 *
 * - load and soak: every threshold over the whole run (as k6 judges a run), and over each stage that
 *   holds its users (the plan's levels: 10, 50 and 100 users for load): over the whole run the
 *   lighter levels' requests outnumber a heavier level's slow ones (with the default load, a 100-user
 *   level with 8% of its requests over 200 ms still gives a whole-run p95 under 200 ms), and "the
 *   system handles 100 concurrent users" is said of that level;
 * - stress: every stage of at most `mustHoldUsers` users holds its thresholds; the breaking point
 *   (the first stage that fails) is reported, and is expected, further up;
 * - spike: the thresholds hold again, window by window, within `maxRecoverySeconds` of the spike's
 *   start (the errors during the spike are reported, not judged: a spike is allowed to hurt);
 * - every scenario: each server-side finding holds (restarts, database connections, and for the
 *   soak the memory slope and the pool's trend).
 * A zero-length stage (k6's instant jump, `"0s"`) starts no request, so no stage rule judges it.
 */
import type { Scenario, ServerBounds } from "./profile";
import type { Figures, RunReport } from "./runner";
import type { ServerFinding } from "./server";

export interface Verdict {
    readonly verdict: "pass" | "fail";
    readonly reasons: readonly string[];
}

const fmt = (v: number | null, metric: string): string => (v === null ? "nothing measured" : metric === "http_req_failed" ? `${Number((v * 100).toFixed(3))}%` : `${v.toFixed(1)} ms`);

function thresholdReasons(f: Figures, where: string): string[] {
    return f.thresholds.filter((t) => !t.ok).map((t) => `${where}: ${t.metric} ${JSON.stringify(t.expression)} failed (${fmt(t.actual, t.metric)})`);
}

/** `stoppedEarly`: the server-side watch stopped the run, so stages it never reached are not judged. */
export function judge(scenario: Scenario, run: RunReport, bounds: ServerBounds, server: readonly ServerFinding[] | null, stoppedEarly = false): Verdict {
    const reasons: string[] = [];
    // A zero-length stage (k6's instant jump) starts no request: it has nothing to judge.
    const judged = (st: { stage: number; requests: number }): boolean => scenario.stages[st.stage - 1]?.durationMs !== 0 && !(stoppedEarly && st.requests === 0);
    if (run.overall.requests === 0) {
        reasons.push("no request was sent, so nothing was measured");
    }
    switch (scenario.name) {
        case "load":
        case "soak":
            reasons.push(...thresholdReasons(run.overall, "whole run"));
            for (const s of run.stages) {
                if (s.fromUsers === s.toUsers && s.toUsers > 0 && judged(s)) {
                    reasons.push(...thresholdReasons(s, `stage ${s.stage} (${s.toUsers} users held)`));
                }
            }
            break;
        case "stress":
            for (const s of run.stages) {
                if (Math.max(s.fromUsers, s.toUsers) <= scenario.mustHoldUsers && judged(s)) {
                    reasons.push(...thresholdReasons(s, `stage ${s.stage} (${s.fromUsers}→${s.toUsers} users, within mustHoldUsers ${scenario.mustHoldUsers})`));
                }
            }
            break;
        case "spike": {
            const r = run.recovery;
            if (r === null || r.seconds === null) {
                reasons.push(`spike: the thresholds did not hold again before the run ended (windows of ${scenario.recoveryWindowMs} ms from stage ${r?.spikeStage ?? "?"})`);
            } else if (r.seconds > bounds.maxRecoverySeconds) {
                reasons.push(`spike: recovery took ${r.seconds} s, over the ${bounds.maxRecoverySeconds} s bound`);
            }
            break;
        }
    }
    for (const f of server ?? []) {
        if (!f.ok) reasons.push(`server: ${f.detail}`);
    }
    return { verdict: reasons.length === 0 ? "pass" : "fail", reasons };
}
