/**
 * Bundles the performance runner (`loadtest/main.ts` and what it imports) into one CommonJS file a
 * stock Node 20 image runs, as `smoke/bundle.ts` does for the gate: the Job's ConfigMap carries it,
 * so no image is built or pushed. Deterministic: the same sources give the same bytes.
 */
import * as path from "node:path";
import { buildSync } from "esbuild";

export const LOADTEST_RUNNER_FILE = "runner.cjs";

const ROOT = path.resolve(__dirname, "..");

let cached: string | undefined;

export function bundleLoadtestRunner(): string {
    cached ??= build();
    return cached;
}

function build(): string {
    const result = buildSync({
        absWorkingDir: ROOT,
        entryPoints: ["loadtest/main.ts"],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        write: false,
        outfile: LOADTEST_RUNNER_FILE,
        sourcemap: false,
        legalComments: "none",
        charset: "utf8",
        logLevel: "silent",
        banner: { js: "// Launchpad performance runner, bundled from loadtest/main.ts by loadtest/bundle.ts. Do not edit." },
    });
    if (result.errors.length > 0 || result.outputFiles.length !== 1) {
        throw new Error(`bundling the performance runner failed: ${result.errors.map((e) => e.text).join("; ")}`);
    }
    return result.outputFiles[0].text;
}
