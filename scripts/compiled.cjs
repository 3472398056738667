#!/usr/bin/env node
/**
 * node scripts/compiled.cjs <script> [args...]
 *
 * Runs `scripts/<script>.ts` from a precompiled CommonJS bundle, `bin/<script>.cjs`, instead of
 * transpiling every module on each start with tsx: `npm run plan` starts in about half the time
 * (figures in docs and `npm run bench`). The bundle holds the project's own code only; packages stay
 * in node_modules (esbuild `packages: "external"`), so it behaves as the sources do.
 *
 * Never stale: esbuild's metafile lists every file the bundle was built from, and with this file,
 * tsconfig.json and esbuild's version (the recipe) their sizes and modification times are kept
 * beside it in `bin/<script>.inputs.json`; any change to one of them (or a file gone) rebuilds
 * before running. A new file can only enter through an import in a changed one.
 *
 * The smoke runner the program puts in the gate's ConfigMap (`smoke/bundle.ts`) is built in the same
 * step, from the same sources, and inlined: the same bytes `bundleRunner()` would build at run time,
 * without a second esbuild start per plan. It is one more input set of the same metafile check.
 *
 * Two more start-up savings, both for the bundle's run only (a plain `node -e 'require(...)'`, the
 * benchmark's baseline, is untouched): every module compiles from V8's code cache of the previous
 * run, `bin/<script>.v8cache` (code-cache.cjs), and the Pulumi SDK loads its Automation API and
 * closure serializer only if something reads them (lean-sdk.cjs).
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
/** Where bundles are kept: bin/, or `LAUNCHPAD_COMPILED_DIR` (a test's scratch directory). */
const OUT_DIR = path.resolve(ROOT, process.env.LAUNCHPAD_COMPILED_DIR || "bin");

/** `{ file: [size, mtimeMs] }` for each input, relative to the root; undefined when one is missing. */
function fingerprint(files) {
    const result = {};
    for (const file of files) {
        let st;
        try {
            st = fs.statSync(path.join(ROOT, file));
        } catch {
            return undefined;
        }
        result[file] = [st.size, st.mtimeMs];
    }
    return result;
}

function upToDate(bundle, inputsFile) {
    let recorded;
    try {
        recorded = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
        fs.accessSync(bundle);
    } catch {
        return false;
    }
    const now = fingerprint(Object.keys(recorded.inputs ?? {}));
    return now !== undefined && JSON.stringify(now) === JSON.stringify(recorded.inputs);
}

/**
 * Keeps each project file's own `__dirname`: in one bundle every module would otherwise see the
 * bundle's directory (the vendored IAM policies, the database scripts, the pack config are found
 * relative to their module). The path is absolute: bundles are local build output, never committed.
 */
const ownDirname = {
    name: "own-dirname",
    setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (args) => {
            if (args.path.includes(`${path.sep}node_modules${path.sep}`)) {
                return undefined;
            }
            const source = fs.readFileSync(args.path, "utf8");
            if (!/\b__dirname\b/.test(source)) {
                return undefined;
            }
            return { contents: `const __dirname = ${JSON.stringify(path.dirname(args.path))};\n${source}`, loader: "ts" };
        });
    },
};

function writeAtomically(file, data) {
    const aside = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(aside, data);
    fs.renameSync(aside, file);
}

/** Builds `bin/<script>.cjs` (and inlines the smoke runner) and records its inputs. */
async function build(script, bundle, inputsFile) {
    // Loaded only when a build is needed: esbuild's start-up is part of what this saves.
    const esbuild = require("esbuild");
    const started = Date.now();
    // The same options as smoke/bundle.ts's buildRunner, so the inlined text is the same bytes.
    // The options smoke/bundle.ts's buildRunner uses (one file for both), so the inlined text is the same bytes.
    const runner = await esbuild.build({ ...require("../smoke/runner-build.json"), absWorkingDir: ROOT, write: false, metafile: true });
    const program = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [`scripts/${script}.ts`],
        bundle: true,
        packages: "external",
        platform: "node",
        target: "node20",
        format: "cjs",
        outfile: bundle,
        write: false,
        sourcemap: false,
        logLevel: "error",
        metafile: true,
        define: { __LAUNCHPAD_PREBUILT_RUNNER__: JSON.stringify(runner.outputFiles[0].text), __LAUNCHPAD_BUNDLE__: "true" },
        plugins: [ownDirname],
    });
    // The recipe is an input too: this file, the compiler options it reads, and esbuild's version.
    const recipe = ["scripts/compiled.cjs", "smoke/runner-build.json", "tsconfig.json", "node_modules/esbuild/package.json"];
    const inputs = [...new Set([...recipe, ...Object.keys(runner.metafile.inputs), ...Object.keys(program.metafile.inputs)])].sort();
    // Written aside and renamed: two plans started at once never load a half-written bundle.
    writeAtomically(bundle, program.outputFiles[0].contents);
    // A file saved while esbuild ran may be in the bundle as it was before: recorded as unknown
    // (size -1), so the next run builds again.
    const recorded = fingerprint(inputs) ?? {};
    for (const [file, [, mtimeMs]] of Object.entries(recorded)) {
        if (mtimeMs >= started) {
            recorded[file] = [-1, mtimeMs];
        }
    }
    writeAtomically(inputsFile, `${JSON.stringify({ inputs: recorded })}\n`);
}

async function main() {
    const script = process.argv[2];
    if (script === undefined || !/^[a-z][a-z0-9-]*$/.test(script) || !fs.existsSync(path.join(ROOT, "scripts", `${script}.ts`))) {
        process.stderr.write("usage: node scripts/compiled.cjs <script in scripts/, without .ts> [args...]\n");
        process.exit(1);
    }
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const bundle = path.join(OUT_DIR, `${script}.cjs`);
    const inputsFile = path.join(OUT_DIR, `${script}.inputs.json`);
    if (!upToDate(bundle, inputsFile)) {
        await build(script, bundle, inputsFile);
    }
    // Every module compiled from V8's cached bytecode of the last run; the SDK without its
    // Automation API and closure serializer until something reads them.
    require("./code-cache.cjs").install(path.join(OUT_DIR, `${script}.v8cache`));
    require("./lean-sdk.cjs").install(ROOT);
    // Run as the main module, so `require.main === module` holds in it and process.argv.slice(2) are
    // its own arguments, as under tsx.
    process.argv.splice(1, 2, bundle);
    require("node:module").runMain();
}

main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
});
