import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Each file gets its own process: Pulumi's runtime state is process-global.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // The JSON file feeds the closing "N passed, N failed" line of .ci/run.
        reporters: ["default", ["json", { outputFile: "bin/vitest-results.json" }]],
    },
});
