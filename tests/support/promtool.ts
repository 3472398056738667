/**
 * promtool (Debian's `prometheus` package) for the alert-rule tests, found once, run once per file.
 *
 * Missing on a developer's machine: the suites are skipped with a loud message. With CI=true they
 * run and fail instead, so CI can never pass by skipping.
 */
import { describe, it } from "vitest";
import { IN_CI, run, which, type RunResult } from "./db-tools";

export const PROMTOOL = which("promtool");

/** What `.ci/run` installs for promtool. */
export const PROMTOOL_PACKAGE = "prometheus";

/** Throws the install line (reached only under CI=true, where a missing promtool must fail). */
export function assertPromtool(): void {
    if (PROMTOOL === undefined) {
        throw new Error(`promtool not found; CI must install it: apt-get install -y ${PROMTOOL_PACKAGE}`);
    }
}

/** True when the suite must be skipped: no promtool and not CI. Says so loudly. */
function skipWithoutPromtool(title: string): boolean {
    if (PROMTOOL !== undefined || IN_CI) {
        return false;
    }
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n*** alert rules: SKIPPING "${title}": promtool not found on this machine.\n` +
        `Install it with: apt-get install -y ${PROMTOOL_PACKAGE}\n(With CI=true these tests fail instead of skipping.)\n${bar}\n`);
    return true;
}

/** `describe` when promtool is there; otherwise a loud skip, or under CI=true one failing test. */
export function describeWithPromtool(title: string, body: (promtool: string) => void): void {
    if (PROMTOOL === undefined && IN_CI) {
        describe(`${title}`, () => {
            it("has promtool", () => assertPromtool());
        });
        return;
    }
    describe.skipIf(skipWithoutPromtool(title))(`${title}`, () => {
        body(PROMTOOL ?? "promtool");
    });
}

/**
 * promtool with Go's collector at GOGC=400 (unless the caller's environment sets GOGC): "A collection
 * is triggered when the ratio of freshly allocated data to live data remaining after the previous
 * collection reaches this percentage. The default is GOGC=100" (Go runtime package docs,
 * pkg.go.dev/runtime, Environment Variables). Collection only: the same rules, the same output. The
 * 24 alert test files in one `promtool test rules`, twice each: 3.38 and 3.42 CPU-s at 100, 2.94 and
 * 3.07 at 400, peak memory 130 MB to about 330 MB.
 */
export function promtool(path: string, args: readonly string[]): Promise<RunResult> {
    return run(path, args, { env: { ...process.env, GOGC: process.env.GOGC ?? "400" } });
}
