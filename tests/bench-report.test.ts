/**
 * The plan benchmark's report (bench/report.ts), on fixed samples: the start-up ratio of issue 16
 * (median plan wall time over the median of `node -e 'require("@pulumi/pulumi")'` measured in the same
 * run; targets staging <= 2.0, production <= 2.5), peak memory, and the two layouts.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bench, parseBenchArgs } from "../bench/plan.bench";
import { formatMarkdown, formatTable, growthLines, RATIO_TARGETS, spliceSection, verdict, type Machine, type StackResult } from "../bench/report";
import { scratchDir } from "./support/scratch";

const MACHINE: Machine = { cpuModel: "Test CPU", cpuCount: 2, memoryBytes: 8 * 2 ** 30, platform: "Linux x64", node: "v20.19.0", date: "2026-12-02" };

function result(stack: string, wallMs: number[], baselineMs: number[], services?: number): StackResult {
    return { stack, resources: 188 + (services ?? 0), runs: wallMs.length, wallMs, maxRssKb: wallMs.map(() => 180_000), planMs: wallMs.map((w) => w - 100), baselineMs, services };
}

describe("plan benchmark report", () => {
    it("keeps the issue's start-up targets", () => {
        expect(RATIO_TARGETS).toEqual({ staging: 2.0, production: 2.5 });
    });

    it("divides the median wall time by the median baseline of the same run, and judges it against the stack's target", () => {
        const staging = verdict(result("staging", [900, 1000, 3000], [400, 500, 450]));
        expect(staging.ratio).toBeCloseTo(1000 / 450, 10);
        expect(staging).toMatchObject({ wallMs: 1000, ratioTarget: 2.0, ratioOk: false, wallOk: true, peakRssBytes: 180_000 * 1024, rssOk: true, planMs: 900 });
        const production = verdict(result("production", [900, 1000, 3000], [400, 500, 450]));
        expect(production).toMatchObject({ ratioTarget: 2.5, ratioOk: true });
    });

    it("gives the growth rows no ratio target", () => {
        expect(verdict(result("staging", [5000], [100], 16))).toMatchObject({ ratioTarget: undefined, ratioOk: true });
    });

    it("writes one Markdown row per stack with the ratio and its verdict", () => {
        const md = formatMarkdown([result("staging", [1000], [450])], MACHINE).split("\n");
        expect(md).toContain("| staging | 188 | 1 | 1.00 s | 2.22 | 184 MB | 900 ms | ≤ 3.00 s: pass; ≤ 400 MB: pass; ratio ≤ 2.0: fail |");
    });

    it("lays the growth rows out as Markdown for the docs and as aligned columns, without Markdown rules, for the terminal", () => {
        const growth = [result("staging", [1000], [400], 1), result("staging", [1300], [400], 16)];
        expect(growthLines(growth).slice(2, 6)).toEqual([
            "| Services | Resources | Runs | Median wall | Median peak RSS | In-process median | Target |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            "| 1 | 189 | 1 | 1.00 s | 184 MB | 900 ms | ≤ 3.00 s: pass; ≤ 400 MB: pass |",
            "| 16 | 204 | 1 | 1.30 s | 184 MB | 1200 ms | ≤ 3.00 s: pass; ≤ 400 MB: pass |",
        ]);
        expect(growthLines(growth).at(-1)).toBe("Each further service adds 1 resources, 20 ms of wall time, 0 MB of peak RSS and 20 ms in process (the slope from 1 to 16 services).");
        const text = formatTable([result("staging", [1000], [450])], MACHINE, growth).split("\n");
        expect(text.filter((l) => l.includes("---") || l.includes("|"))).toEqual([]);
        expect(text).toContain("Services  Resources  Runs  Median wall  Median peak RSS  In-process median  Target");
        expect(text).toContain("16        204        1     1.30 s       184 MB           1200 ms            ≤ 3.00 s: pass; ≤ 400 MB: pass");
    });

    it("replaces only the text between the markers", () => {
        expect(spliceSection("a\n<!-- bench:start -->\nold\n<!-- bench:end -->\nb", "new")).toBe("a\n<!-- bench:start -->\nnew\n<!-- bench:end -->\nb");
        expect(() => spliceSection("no markers", "new")).toThrow("needs both");
    });
});

describe("npm run bench's flags (scripts/cli.ts parseFlags, as every npm run command)", () => {
    const usage = "usage: npm run bench -- [--runs N] [--markdown] [--write] [--readme <path>]\n";

    it("defaults to 5 runs, printing the table", () => {
        expect(parseBenchArgs([])).toEqual({ runs: 5, markdown: false, write: undefined });
        expect(parseBenchArgs(["--runs", "3", "--markdown"])).toEqual({ runs: 3, markdown: true, write: undefined });
    });

    it("prints the usage for --help, and refuses an unknown flag, a bad run count or --readme alone, with the usage", () => {
        expect(parseBenchArgs(["--help"])).toEqual({ code: 0, stdout: usage, stderr: "" });
        expect(parseBenchArgs(["--bogus"])).toEqual({ code: 1, stdout: "", stderr: `Unknown option '--bogus'\n${usage}` });
        expect(parseBenchArgs(["--runs", "0"])).toEqual({ code: 1, stdout: "", stderr: `--runs: received "0"; expected a whole number from 1 to 100\n${usage}` });
        expect(parseBenchArgs(["--readme", "x.md"])).toEqual({ code: 1, stdout: "", stderr: `--readme only applies with --write\n${usage}` });
    });

    it("refuses, before measuring anything, a --write file that is missing or has no bench markers (exit 1, the usage)", async () => {
        const dir = scratchDir("bench-");
        const missing = join(dir, "missing.md");
        expect(await bench(["--write", "--readme", missing])).toEqual({ code: 1, stdout: "", stderr: `error: --write: ${missing} does not exist\n${usage}` });
        const bare = join(dir, "bare.md");
        writeFileSync(bare, "# no markers\n");
        const r = await bench(["--write", "--readme", bare]);
        expect([r.code, r.stdout]).toEqual([1, ""]);
        expect(r.stderr).toMatch(new RegExp(`^error: --write: ${bare.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} needs both .+; nothing was measured or written\n${usage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    });
});
