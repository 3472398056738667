/**
 * V8's code cache for every CommonJS module a compiled script loads (the bundle and the packages in
 * node_modules): a start compiles each module from its cached bytecode instead of from source. Node
 * 22 does this itself (`NODE_COMPILE_CACHE` since 22.1, `module.enableCompileCache()` since 22.8,
 * nodejs/node#54501); this project supports Node 20.19+, which has neither, so this is the same idea
 * on `vm.Script`'s `cachedData` (the approach of the `v8-compile-cache` package). Replace it with
 * `module.enableCompileCache()` once `engines` requires Node 22.8.
 *
 * - The cache is produced at exit, after the run, so it holds the functions the run compiled
 *   lazily too, not only each module's top level: most of a plan's compile time.
 * - Keyed by file name and the SHA-1 of the exact source compiled (a file changed, or rewritten by
 *   lean-sdk.cjs, is compiled afresh), and V8 rejects data from another V8 version or flags by
 *   itself (`cachedDataRejected`). A cache that cannot be read or written is only a slower start.
 * - One file, written aside and renamed: concurrent runs never read a half-written one.
 * - A module whose text holds `import(` is left to Node (see below): the bundle and the SDK have none.
 *
 * Used by scripts/compiled.cjs only; tests/code-cache.test.ts.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const FORMAT = "launchpad-code-cache-1";

/** `Map<filename, { hash, data }>` from `file`; empty when it is missing or not this format. */
function read(file) {
    const entries = new Map();
    let buf;
    try {
        buf = fs.readFileSync(file);
    } catch {
        return entries;
    }
    try {
        const headerLength = buf.readUInt32LE(0);
        const header = JSON.parse(buf.toString("utf8", 4, 4 + headerLength));
        if (header.format !== FORMAT) {
            return entries;
        }
        let offset = 4 + headerLength;
        for (const [filename, hash, length] of header.entries) {
            entries.set(filename, { hash, data: buf.subarray(offset, offset + length) });
            offset += length;
        }
    } catch {
        entries.clear();
    }
    return entries;
}

function write(file, entries) {
    const list = [...entries];
    const header = Buffer.from(JSON.stringify({ format: FORMAT, entries: list.map(([filename, e]) => [filename, e.hash, e.data.length]) }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const aside = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(aside, Buffer.concat([length, header, ...list.map(([, e]) => e.data)]));
    fs.renameSync(aside, file);
}

/** Node's own `require` for a module (lib/internal/modules/helpers.js `makeRequireFunction`). */
function makeRequire(mod) {
    const require = (id) => mod.require(id);
    const resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.resolve = resolve;
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

/**
 * Compiles every CommonJS module from here on through the cache in `file`, and saves the cache at
 * exit when a module was compiled without it. Returns live counters (for tests and the curious).
 */
function install(file) {
    const entries = read(file);
    const stats = { hits: 0, misses: 0, uncached: 0 };
    const compiled = [];
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename) {
        // A vm.Script runs import() only through Node's experimental USE_MAIN_CONTEXT_DEFAULT_LOADER
        // (a warning on stderr): a module that may call it is compiled by Node, without the cache.
        if (/\bimport\s*\(/.test(content)) {
            stats.uncached++;
            return compile.call(this, content, filename);
        }
        // A shebang line is valid at the top of a file only; the wrapper puts code before it.
        const source = content.startsWith("#!") ? `//${content}` : content;
        const hash = crypto.createHash("sha1").update(source).digest("base64");
        const cached = entries.get(filename);
        const script = new vm.Script(Module.wrap(source), {
            filename,
            cachedData: cached?.hash === hash ? cached.data : undefined,
        });
        if (cached?.hash === hash && !script.cachedDataRejected) {
            stats.hits++;
        } else {
            stats.misses++;
            compiled.push({ filename, hash, script });
        }
        const wrapper = script.runInThisContext({ displayErrors: true });
        return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
    };
    process.once("exit", () => {
        if (compiled.length === 0) {
            return;
        }
        for (const { filename, hash, script } of compiled) {
            entries.set(filename, { hash, data: script.createCachedData() });
        }
        try {
            write(file, entries);
        } catch {
            // Only a slower next start.
        }
    });
    return stats;
}

module.exports = { install };
