/**
 * Preloaded by the benchmark into each measured child (`node -r ./bench/rss-probe.cjs
 * scripts/compiled.cjs plan ...`, and the `require("@pulumi/pulumi")` baseline): at exit it writes
 * the process's peak resident set size, as one JSON line, to the file descriptor named by
 * `LAUNCHPAD_BENCH_RSS_FD`. Without that variable it does nothing, and it never writes to stdout or
 * stderr, so the CLI's own output and exit code are untouched. Plain CommonJS: it must cost nothing
 * to load (no TypeScript loader in the measured process).
 */
"use strict";
const { writeSync } = require("node:fs");

const fd = Number(process.env.LAUNCHPAD_BENCH_RSS_FD);
if (Number.isInteger(fd) && fd > 2) {
    process.on("exit", () => {
        // Kilobytes (KiB on Linux), the peak over the whole process lifetime.
        writeSync(fd, `${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    });
}
