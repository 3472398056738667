/**
 * Loads the Pulumi SDK without the two parts a program run never touches, on first use instead of
 * at `require("@pulumi/pulumi")`: the Automation API (`pulumi.automation`) and the closure
 * serializer (`pulumi.runtime.serializeFunction`, `computeCodePaths`, for dynamic providers and
 * function serialization). Their imports pull in TypeScript's compiler and npm's Arborist: about
 * three quarters of the SDK's load time and 50 MB of memory (`npm run bench`, measured with a
 * require-time trace). Everything else loads as before, in the same order.
 *
 * How: the SDK's own `index.js` and `runtime/index.js` are compiled with those eager imports
 * replaced by getters that require the same file when read; every export keeps its name and value.
 * Each rewrite names the exact text of the pinned SDK (3.248.0); when a file no longer holds it (an
 * SDK upgrade), that file loads unmodified: slower, never different. tests/lean-sdk.test.ts fails
 * then, so an upgrade revisits this table.
 *
 * Used by scripts/compiled.cjs (the precompiled `npm run plan` and `npm run policy`) only.
 */
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

/** A getter in place of an eager `exports.<name> = <expr>`: the module is required when read. */
const lazy = (name, expr) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, configurable: true, get: () => ${expr} });`;

/** Per SDK file (relative to the package): the exact text replaced and its lazy equivalent. */
const REWRITES = {
    "index.js": [
        [
            'const automation = __importStar(require("./automation"));\nexports.automation = automation;',
            lazy("automation", '__importStar(require("./automation"))'),
        ],
    ],
    "runtime/index.js": [
        [
            [
                'var serializeClosure_1 = require("./closure/serializeClosure");',
                "exports.serializeFunctionAsync = serializeClosure_1.serializeFunctionAsync;",
                "exports.serializeFunction = serializeClosure_1.serializeFunction;",
                'var codePaths_1 = require("./closure/codePaths");',
                "exports.computeCodePaths = codePaths_1.computeCodePaths;",
            ].join("\n"),
            [
                lazy("serializeFunctionAsync", 'require("./closure/serializeClosure").serializeFunctionAsync'),
                lazy("serializeFunction", 'require("./closure/serializeClosure").serializeFunction'),
                lazy("computeCodePaths", 'require("./closure/codePaths").computeCodePaths'),
            ].join("\n"),
        ],
    ],
};

/** `source` with every rewrite of `file` applied, or undefined when one does not match exactly once. */
function rewrite(file, source) {
    let out = source;
    for (const [from, to] of REWRITES[file] ?? []) {
        const at = out.indexOf(from);
        if (at < 0 || out.indexOf(from, at + 1) >= 0) {
            return undefined;
        }
        out = out.slice(0, at) + to + out.slice(at + from.length);
    }
    return out;
}

/** Installs the rewrites for the SDK that `fromDir` resolves. Returns the absolute paths it will rewrite. */
function install(fromDir) {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [fromDir] }));
    const targets = new Map(Object.keys(REWRITES).map((file) => [path.join(sdk, file), file]));
    const loadJs = Module._extensions[".js"];
    Module._extensions[".js"] = function (module, filename) {
        const file = targets.get(filename);
        const source = file === undefined ? undefined : rewrite(file, fs.readFileSync(filename, "utf8"));
        if (source === undefined) {
            return loadJs.call(this, module, filename);
        }
        module._compile(source, filename);
    };
    return [...targets.keys()];
}

module.exports = { REWRITES, rewrite, install };
