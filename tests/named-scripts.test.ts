/**
 * The suites a local `npm test` skips (real servers, real time, real processes) run locally through
 * a named script (`npm run test:timing`, `test:db`, ...) that lists its files by hand in
 * package.json. A suite that gates itself on the script's switch but is missing from the list would
 * then only ever run under CI=true, and a listed file that no longer gates runs twice for nothing:
 * each script's list is the set of files that read its switch.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../plan/engine";

/** Each named script and the text by which a test file shows it gates on that script's switch. */
const GATES: Readonly<Record<string, RegExp>> = {
    "test:timing": /\bskipTiming\(/,
    "test:db": /\bSELECTED_DB_ENGINES\b/,
    "test:prometheus": /\bLAUNCHPAD_PROMETHEUS_TEST\b/,
    "test:alerts": /\bLAUNCHPAD_ALERTS_TEST\b/,
    "test:cli": /\bLAUNCHPAD_CLI_TEST\b/,
    "test:processes": /\bskipProcesses\(/,
    "test:promote": /\bLAUNCHPAD_PROMOTE_TEST\b/,
    "test:pack": /\bLAUNCHPAD_PACK_TEST\b|\bskipPack\(/,
};

const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const testFiles = readdirSync(join(REPO_ROOT, "tests")).filter((f) => f.endsWith(".test.ts")).sort();

/** The test files a `VAR=1 vitest run <files>` script names, as `tests/<file>`. */
function listed(script: string): string[] {
    const files = /\bvitest run (.+)$/.exec(script)?.[1].split(/\s+/) ?? [];
    return files.filter((f) => f.startsWith("tests/")).sort();
}

describe("the named test scripts of package.json", () => {
    it("every script that runs chosen vitest files is one of the gates above (a new one needs its switch here)", () => {
        const named = Object.entries(scripts).filter(([, s]) => / vitest run tests\//.test(s)).map(([name]) => name).sort();
        expect(named).toEqual(Object.keys(GATES).sort());
    });

    it.each(Object.entries(GATES))("%s lists exactly the test files that gate on its switch", (name, gate) => {
        const gated = testFiles.filter((f) => gate.test(readFileSync(join(REPO_ROOT, "tests", f), "utf8"))).map((f) => `tests/${f}`);
        expect(gated.length).toBeGreaterThan(0);
        expect(listed(scripts[name] ?? "")).toEqual(gated);
    });
});
