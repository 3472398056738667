/**
 * Preloaded by the benchmark into the real CLI child (`node --import tsx --import ./bench/rss-probe.ts
 * scripts/plan.ts ...`): at exit it writes the process's peak resident set size, as one JSON line, to
 * the file descriptor named by `LAUNCHPAD_BENCH_RSS_FD`. Without that variable it does nothing, and it
 * never writes to stdout or stderr, so the CLI's own output and exit code are untouched.
 */
import { writeSync } from "node:fs";

const fd = Number(process.env.LAUNCHPAD_BENCH_RSS_FD);
if (Number.isInteger(fd) && fd > 2) {
    process.on("exit", () => {
        // Kilobytes (KiB on Linux), the peak over the whole process lifetime.
        writeSync(fd, `${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    });
}
