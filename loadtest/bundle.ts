/**
 * Bundles the performance runner (`loadtest/main.ts` and what it imports) into one CommonJS file a
 * stock Node image runs (`SMOKE_RUNNER_IMAGE`; target `node20`, the oldest the tests run it on), as
 * `smoke/bundle.ts` does for the gate: the Job's ConfigMap carries it,
 * so no image is built or pushed. Deterministic: the same sources give the same bytes.
 *
 * Size: a ConfigMap's data may total at most 1 MiB (kubernetes pkg/apis/core/validation
 * `ValidateConfigMap`: `totalSize > core.MaxSecretSize` is refused). The AWS SDK's signer and
 * credential chain (an AMP workspace's SigV4) came to 1.1 MB as CommonJS; bundled from the
 * packages' ES module builds (`module` before `main`, so esbuild drops what is never imported) and
 * minified with names kept, the runner is about a third of that (`LOADTEST_RUNNER_MAX_BYTES`,
 * tested). Still over the 256 KiB all annotations of an object may hold (apimachinery
 * `TotalAnnotationSizeLimitB`), so a client-side `kubectl apply`, whose last-applied annotation
 * copies the object, refuses it: the printed Job is for `kubectl create`, and Pulumi's load gate
 * ConfigMap is applied server-side (pulumi-kubernetes provider.go: `enableServerSideApply`
 * defaults to true), which writes no such annotation.
 */
import * as path from "node:path";
import { buildSync } from "esbuild";

export const LOADTEST_RUNNER_FILE = "runner.cjs";

/** The bundle's budget: under half a ConfigMap's 1 MiB, leaving room for the spec and growth. */
export const LOADTEST_RUNNER_MAX_BYTES = 512 * 1024;

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
        mainFields: ["module", "main"],
        minify: true,
        keepNames: true,
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
