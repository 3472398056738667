/**
 * npm run bench:rollback: what a rollback's targeted update touches, and how long preparing it
 * takes, for stacks of 1, 4 and 16 services (the offline plan engine is the state; a fake
 * Automation API workspace answers config and state; a stub cluster reader says every Deployment is
 * ready). Per stack size: switching every service, and switching one. Target: the targeted set
 * grows with the services switched, not with the stack, at most 2 resources per switched service
 * (the live Service and, with idleReplicas below replicas, the new live color's autoscaler).
 *
 * Prints one Markdown table (the README's figures). Wall time (median of five) is `npm run rollback --dry-run`'s
 * own work (config parse, state scan, preconditions), not the plan that stands in for the state nor
 * the policy pre-check's offline plan.
 */
import { performance } from "node:perf_hooks";
import { encodeConfig } from "../config";
import { runPlan } from "../plan/engine";
import { rollback, type RollbackStack } from "../scripts/rollback";
import { deployedConfig, OWN_VALUES } from "../tests/support/deployed";
import { GROWTH_SERVICE_COUNTS } from "./report";

const MAX_PER_SERVICE = 2;

/** N-1 more services beside api, each with two releases. */
function extraServices(n: number, idleBelow: boolean): string[] {
    const sets = Array.from({ length: n - 1 }, (_, i) =>
        `launchpad:services.svc${i + 1}={releases: {blue: {image: ghcr.io/launchpad-test/svc${i + 1}:1.0.0}, green: {image: ghcr.io/launchpad-test/svc${i + 1}:1.1.0}}${idleBelow ? ", replicas: 2, idleReplicas: 1" : ""}}`);
    return idleBelow ? ["launchpad:services.api.idleReplicas=1", ...sets] : sets;
}

async function fakeStack(sets: string[]): Promise<{ stack: RollbackStack; resources: number }> {
    const { values, secretKeys } = deployedConfig("staging", sets);
    const plan = await runPlan({ stack: "staging", sets: [...OWN_VALUES.staging, ...sets] });
    const resources = plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs as never, outputs: r.state as never }));
    const config = encodeConfig(values, secretKeys);
    return {
        resources: resources.length,
        stack: {
            getAllConfig: () => Promise.resolve(config),
            setConfig: () => Promise.resolve(),
            removeConfig: () => Promise.resolve(),
            exportStack: () => Promise.resolve({ deployment: { resources } }),
            // A deployed stack's outputs: its release history names the color each service is live on.
            outputs: () => Promise.resolve({ kubeconfig: { value: "stub", secret: true }, releaseHistory: { value: plan.outputs.releaseHistory } }),
            up: () => Promise.resolve({ summary: { result: "succeeded" } }),
        },
    };
}

interface Row { services: number; idleBelow: boolean; stackResources: number; switched: number; targeted: number; ms: number }

async function measure(n: number, idleBelow: boolean, one: boolean): Promise<Row> {
    const fake = await fakeStack(extraServices(n, idleBelow));
    const argv = ["--stack", "staging", "--dry-run", ...(one ? ["--service", "api"] : [])];
    const deps = {
        selectStack: () => Promise.resolve(fake.stack),
        // A stub cluster: every Deployment ready at any count.
        deploymentReader: () => () => Promise.resolve({ availableReplicas: 100, updatedReplicas: 100, specReplicas: 100 }),
        // The policy pre-check plans the committed stack file (one offline plan, about a second),
        // which lacks the services added here: left out, it is the plan engine's time, not this command's.
        policyCheck: () => Promise.resolve([]),
    };
    await rollback(argv, deps); // warm-up
    const times: number[] = [];
    let r = await rollback(argv, deps);
    for (let i = 0; i < 5; i++) {
        const start = performance.now();
        r = await rollback(argv, deps);
        times.push(performance.now() - start);
    }
    // The median of five runs: one run on a shared machine is mostly noise.
    const ms = times.sort((a, b) => a - b)[2];
    if (r.code !== 0) {
        throw new Error(`rollback --dry-run failed: ${r.stderr}`);
    }
    const targeted = r.stdout.split("\n").filter((l) => l.startsWith("  urn:")).length;
    return { services: n, idleBelow, stackResources: fake.resources, switched: one ? 1 : n, targeted, ms };
}

async function main(): Promise<void> {
    const rows: Row[] = [];
    for (const idleBelow of [false, true]) {
        for (const n of GROWTH_SERVICE_COUNTS) {
            rows.push(await measure(n, idleBelow, false));
            if (n > 1) rows.push(await measure(n, idleBelow, true));
        }
    }
    const lines = [
        "| services in stack | idleReplicas | stack resources | services switched | targeted resources | per switched service | wall time (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.services} | ${r.idleBelow ? "< replicas" : "= replicas"} | ${r.stackResources} | ${r.switched} | ${r.targeted} | ${(r.targeted / r.switched).toFixed(1)}${r.targeted / r.switched > MAX_PER_SERVICE ? " (over 2)" : ""} | ${r.ms.toFixed(0)} |`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
});
