/**
 * Bundles the smoke runner (`smoke/cli.ts` and what it imports) into one CommonJS file that a stock
 * Node image (`SMOKE_RUNNER_IMAGE`, lib/workload.ts: Node 24) runs as `node /smoke/runner.cjs ...`:
 * the Pulumi program puts it in the gate's ConfigMap at plan time, so no image is built or pushed.
 * esbuild's target (runner-build.json) stays `node20`, the oldest Node the tests run the bundle on
 * (the machine's, `engines` in package.json); .ci/run runs them again on the image's Node.
 *
 * The output is deterministic: the same sources give the same bytes (paths in it are relative to the
 * repository root, and nothing records a time), so the ConfigMap, and the release id hashed from it,
 * change only when the runner does.
 */
import * as path from "node:path";
import type { BuildOptions } from "esbuild";
import RUNNER_BUILD from "./runner-build.json";

/** The file name of the bundle inside the ConfigMap and the gate pod's mount. */
export const RUNNER_FILE = RUNNER_BUILD.outfile;

/** The repository root: esbuild's working directory, so the paths in the bundle's comments are relative. */
const ROOT = path.resolve(__dirname, "..");

/**
 * The runner, built with the program by `scripts/compiled.cjs` (the precompiled CLIs), from the same
 * sources and options as `buildRunner`: esbuild replaces this name with the text. Undeclared under
 * tsx, vitest and `pulumi up`, which build it here.
 */
declare const __LAUNCHPAD_PREBUILT_RUNNER__: string | undefined;

let cached: string | undefined;

/** The bundled runner's source text, built once per process. */
export function bundleRunner(): string {
    cached ??= typeof __LAUNCHPAD_PREBUILT_RUNNER__ === "string" ? __LAUNCHPAD_PREBUILT_RUNNER__ : buildRunner();
    return cached;
}

/** Builds the bundle afresh; `bundleRunner` is the memoized one callers want. */
export function buildRunner(): string {
    // Loaded here, not at the top: a precompiled plan has the runner inlined and never starts esbuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildSync } = require("esbuild") as typeof import("esbuild");
    // The options live in runner-build.json, which scripts/compiled.cjs reads too: the same bytes either way.
    const result = buildSync({ ...(RUNNER_BUILD as BuildOptions), absWorkingDir: ROOT, write: false });
    if (result.errors.length > 0 || result.outputFiles.length !== 1) {
        throw new Error(`bundling the smoke runner failed: ${result.errors.map((e) => e.text).join("; ")}`);
    }
    return result.outputFiles[0].text;
}
