/**
 * npm run bench:rollback: what a rollback's targeted update touches, and how long preparing it
 * takes, for stacks of 1, 4 and 16 services (the offline plan engine is the state; a fake
 * Automation API workspace answers config and state). Per stack size: switching every service, and
 * switching one. Target: the targeted set grows with the services switched, not with the stack, at
 * most 2 resources per switched service.
 *
 * With `idleReplicas` below `replicas` the state matters, so it is measured three ways, each a
 * state the program itself produced:
 * - after a switch: the update before made the live color live, so the old color is still warm
 *   (its autoscaler at the live count: `hpaMinReplicas`). The rollback this command exists for.
 * - idle color cold: a later update that did not switch lowered its autoscaler to idleReplicas.
 *   The stand-in cluster runs every Deployment at its autoscaler's minimum, as a quiet cluster does,
 *   so the readiness precondition refuses (nothing is targeted).
 * - cold, pods up: the same state, with the stand-in cluster reporting the idle color at the live
 *   count anyway (scaled by hand, or inside the autoscaler's 300 s scale-down window): the switch
 *   must also raise that color's autoscaler minimum, or it shrinks under live traffic.
 *
 * Prints one Markdown table (docs/operations.md's figures). Wall time (median of five) is
 * `npm run rollback -- --dry-run`'s own work (config parse, state scan, preconditions), not the plan
 * that stands in for the state nor the policy pre-check's offline plan.
 */
import { performance } from "node:perf_hooks";
import { parseFlags, runMain, type CliResult } from "../scripts/cli";
import { encodeConfig } from "../config";
import { runPlan } from "../plan/engine";
import { rollback, type RollbackDeps, type RollbackStack } from "../scripts/rollback";
import type { ClusterReader, PodState } from "../scripts/readiness";
import { deployedConfig, OWN_VALUES } from "../tests/support/deployed";
import { GROWTH_SERVICE_COUNTS } from "./report";

export const MAX_PER_SERVICE = 2;

export type State = "idle = replicas" | "after a switch" | "idle color cold" | "cold, pods up";
const STATES: readonly State[] = ["idle = replicas", "after a switch", "idle color cold", "cold, pods up"];

/** N-1 more services beside api, each with two releases. */
function extraServices(n: number, idleBelow: boolean): string[] {
    const sets = Array.from({ length: n - 1 }, (_, i) =>
        `launchpad:services.svc${i + 1}={releases: {blue: {image: ghcr.io/launchpad-test/svc${i + 1}:1.0.0}, green: {image: ghcr.io/launchpad-test/svc${i + 1}:1.1.0}}${idleBelow ? ", replicas: 2, idleReplicas: 1" : ""}}`);
    return idleBelow ? ["launchpad:services.api.idleReplicas=1", ...sets] : sets;
}

interface Fake { stack: RollbackStack; resources: number; reader: ClusterReader }

async function fakeStack(sets: string[], state: State): Promise<Fake> {
    const { values, secretKeys } = deployedConfig("staging", sets);
    const all = [...OWN_VALUES.staging, ...sets];
    // "After a switch": the previous update started with the other color live (the head of the
    // history it read), so it kept that color's autoscaler at the live count.
    const before = state === "after a switch"
        ? (await runPlan({ stack: "staging", sets: [...all, `launchpad:activeColor=${values["launchpad:activeColor"] === "blue" ? "green" : "blue"}`] })).outputs
        : undefined;
    const plan = await runPlan({ stack: "staging", sets: all, previousOutputs: before });
    const resources = plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs as never, outputs: r.state as never }));
    // Each Deployment's pod count in a quiet cluster: its autoscaler's minimum.
    const minimum = new Map(plan.resources.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map((r) => {
        const inputs = r.inputs as { spec: { minReplicas: number; scaleTargetRef: { name: string } } };
        return [inputs.spec.scaleTargetRef.name, inputs.spec.minReplicas];
    }));
    const count = (name: string): number => (state === "cold, pods up" ? 100 : (minimum.get(name) ?? 0));
    // The color's Deployment and its pods (all ready, each with an IP), read live as scripts/readiness.ts reads them.
    const reader: ClusterReader = {
        deployment: (_namespace, name) => {
            const n = count(name);
            return Promise.resolve({ availableReplicas: n, updatedReplicas: n, specReplicas: n, replicas: n });
        },
        // Its pods: ready, so the unready-pod check names none (the Deployment's counts decide).
        pods: (_namespace, selector) => Promise.resolve([{ name: `${Object.values(selector).join("-")}-0`, phase: "Running", ready: true, hasIp: true, terminating: false } satisfies PodState]),
    };
    const config = encodeConfig(values, secretKeys);
    return {
        resources: resources.length,
        reader,
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

export interface Row { services: number; state: State; stackResources: number; switched: number; targeted: number | "refused"; ms: number }

/** One row: `npm run rollback -- --dry-run` on a stack of `n` services in `state`, every service switched or (`one`) api alone. */
export async function measure(n: number, state: State, one: boolean): Promise<Row> {
    const fake = await fakeStack(extraServices(n, state !== "idle = replicas"), state);
    const argv = ["--stack", "staging", "--dry-run", ...(one ? ["--service", "api"] : [])];
    // Typed, so a renamed dependency fails the type check instead of falling back to the real cluster reader.
    const deps: RollbackDeps = {
        selectStack: () => Promise.resolve(fake.stack),
        clusterReader: () => fake.reader,
        // The policy pre-check is one offline plan of the stack (about a second): left out, it is the
        // plan engine's time, not this command's.
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
    const refused = state === "idle color cold";
    if (refused ? r.code !== 1 || !r.stderr.includes("of the live replica count") : r.code !== 0) {
        throw new Error(`rollback --dry-run in state "${state}": exit ${r.code}: ${r.stderr}`);
    }
    const targeted = refused ? "refused" : r.stdout.split("\n").filter((l) => l.startsWith("  urn:")).length;
    return { services: n, state, stackResources: fake.resources, switched: one ? 1 : n, targeted, ms };
}

function perService(r: Row): string {
    if (r.targeted === "refused") {
        return "-";
    }
    const x = r.targeted / r.switched;
    return `${x.toFixed(1)}${x > MAX_PER_SERVICE ? " (over 2)" : ""}`;
}

const USAGE = "usage: npm run bench:rollback (no flags: prints the table of docs/operations.md, Rollback benchmark)";

/** The command: `--help` or an unknown flag stops before any stack is planned (they were ignored, and the bench ran). */
export async function benchRollbackCli(argv: readonly string[], table: () => Promise<string> = rollbackTable): Promise<CliResult> {
    const parsed = parseFlags(argv, {}, USAGE);
    return "result" in parsed ? parsed.result : { code: 0, stdout: await table(), stderr: "" };
}

async function rollbackTable(): Promise<string> {
    const rows: Row[] = [];
    for (const state of STATES) {
        for (const n of GROWTH_SERVICE_COUNTS) {
            rows.push(await measure(n, state, false));
            if (n > 1) rows.push(await measure(n, state, true));
        }
    }
    const lines = [
        "| services in stack | state | stack resources | services switched | targeted resources | per switched service | wall time (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.services} | ${r.state} | ${r.stackResources} | ${r.switched} | ${r.targeted === "refused" ? "refused: target at idleReplicas" : r.targeted} | ${perService(r)} | ${r.ms.toFixed(0)} |`),
    ];
    return `${lines.join("\n")}\n`;
}

if (require.main === module) {
    runMain((argv) => benchRollbackCli(argv));
}
