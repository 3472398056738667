import { defineConfig } from "vitest/config";

export default defineConfig({
    // One copy of each: after `cd policies && npm ci` (to publish the pack), policies/*.ts would
    // otherwise load policies/node_modules' copies next to the program's, twice the import time
    // and two Pulumi runtimes in one worker.
    resolve: { dedupe: ["@pulumi/pulumi", "@pulumi/policy", "@pulumi/aws", "@pulumi/kubernetes"] },
    test: {
        include: ["tests/**/*.test.ts"],
        // Worker processes, not threads: Pulumi's runtime state is process-global, and the plan engine
        // runs one plan at a time per process.
        pool: "forks",
        // Files share their worker's module cache: @pulumi/aws loads once per worker, not once per
        // file, and a stack planned by one file is reused by the next (plans are never mutated).
        isolate: false,
        // Vitest leaves one core free by default; on a 2-core machine that is one worker.
        maxWorkers: 2,
        // A bigger young generation for the workers: a plan allocates heavily (Outputs, promises,
        // protobuf), and V8's scavenger took about a third of a worker's CPU (--cpu-prof of rollback
        // and second-up). Node.js doc/api/cli.md, --max-semi-space-size: "may improve throughput ...
        // at the cost of more memory" (3 MiB of heap per MiB). rollback + second-up on 2 workers, mean
        // CPU-s of the run (user+sys): default 25.6 (6 runs), 32 MiB 25.2 (2), 64 MiB 22.6 (6), 128 MiB
        // 21.5 (3), with about 110 MB more peak memory a worker than the default.
        // --single-threaded-gc: V8 does its collections on the worker's own thread, no background
        // tasks (`node --v8-options`: "disable the use of background gc tasks"): with as many workers
        // as cores, helper threads only contend with the other worker. rollback, migrations,
        // identity-record and second-up on 2 workers, four alternating pairs, wall s (user+sys CPU-s):
        // without 20.8 (38.7), 21.5 (39.8), 20.2 (38.0), 21.2 (39.8); with 20.0 (37.5), 20.3 (38.3),
        // 19.0 (35.5), 19.5 (36.8).
        execArgv: ["--max-semi-space-size=128", "--single-threaded-gc"],
        // The version rules follow the EKS and RDS calendars on the day of the run: pin the day the
        // pins of lib/versions.ts were read, so the suite does not fail when the calendar moves.
        env: { LAUNCHPAD_TODAY: "2026-12-02" },
        // Identical plans are planned once per worker and shared, frozen (plan/engine.ts sharePlans);
        // each file's scratch directories are removed after it (tests/support/scratch.ts).
        setupFiles: ["tests/support/share-plans.ts", "tests/support/scratch-cleanup.ts"],
        // One scratch directory per run for the CLI bundles the process-level tests run; the run's own
        // TMPDIR, and the run fails if anything is left in it.
        globalSetup: ["tests/support/compiled-dir.ts", "tests/support/run-tmpdir.ts"],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // Each module's transform (TypeScript to JavaScript, done once per run in vitest's main process)
        // kept on disk between runs, keyed by the file's content (vitest.dev/config/experimental,
        // fsModuleCache, 4.0.11+; under node_modules/, so `npm ci` clears it): about 1 CPU-second of 11
        // on 40 of the lighter files, warm. CI starts clean, where writing the cache only costs.
        experimental: { fsModuleCache: process.env.CI !== "true" },
        // The JSON file feeds the closing "N passed, N failed" line of .ci/run.
        reporters: ["default", ["json", { outputFile: "bin/vitest-results.json" }]],
    },
});
