import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Each file gets its own process: Pulumi's runtime state is process-global.
        pool: "forks",
        // Vitest leaves one core free by default; on a 2-core machine that is one worker.
        maxWorkers: 2,
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // The JSON file feeds the closing "N passed, N failed" line of .ci/run.
        reporters: ["default", ["json", { outputFile: "bin/vitest-results.json" }]],
    },
});
