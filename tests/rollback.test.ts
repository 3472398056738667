/**
 * `npm run rollback` against a fake Automation API workspace: the stack's config and state come
 * from the real staging stack file and its offline plan, and the fake records every config change
 * and the targeted update, so the test sees exactly what the command would ask Pulumi to do.
 */
import { describe, expect, it } from "vitest";
import { OBJECT_KEYS } from "../config/schema";
import { stackConfigFor } from "../plan/engine";
import { rollback, type RollbackStack } from "../scripts/rollback";
import { named, planStack } from "./support/plan";

interface Recorded {
    readonly calls: string[];
    readonly targets: string[][];
}

/** A stack whose config is `Pulumi.<stack>.yaml` (with sets) and whose state is its offline plan. */
async function fakeStack(stack: string, sets: string[] = [], upResult: "succeeded" | Error = "succeeded"): Promise<{ stack: RollbackStack; recorded: Recorded }> {
    const sc = stackConfigFor({ stack, sets });
    const plan = await planStack(stack, sets);
    const recorded: Recorded = { calls: [], targets: [] };
    const config = Object.fromEntries(Object.entries(sc.values).map(([k, v]) => {
        const name = k.slice(k.indexOf(":") + 1);
        return [k, { value: k.startsWith("launchpad:") && OBJECT_KEYS.has(name) ? JSON.stringify(v) : String(v), secret: sc.secretKeys.has(k) }];
    }));
    return {
        recorded,
        stack: {
            getAllConfig: () => Promise.resolve(config),
            setConfig: (key, value, path) => {
                recorded.calls.push(`set ${key}=${value.value}${path === true ? " (path)" : ""}`);
                return Promise.resolve();
            },
            removeConfig: (key, path) => {
                recorded.calls.push(`rm ${key}${path === true ? " (path)" : ""}`);
                return Promise.resolve();
            },
            exportStack: () => Promise.resolve({ deployment: { resources: plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs as never })) } }),
            up: (opts) => {
                recorded.calls.push(`up targetDependents=${String(opts.targetDependents)}`);
                recorded.targets.push(opts.target);
                return upResult instanceof Error ? Promise.reject(upResult) : Promise.resolve({ summary: { result: upResult } });
            },
        },
    };
}

async function run(argv: string[], fake: { stack: RollbackStack }): Promise<Awaited<ReturnType<typeof rollback>>> {
    return rollback(argv, { selectStack: () => Promise.resolve(fake.stack) });
}

describe("npm run rollback", () => {
    it("switches every service to the other color and updates only the live Service", async () => {
        const fake = await fakeStack("staging");
        const live = named(await planStack("staging"), "launchpad-staging-api-live").urn;
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({
            code: 0,
            stdout: `api: green -> blue\nlive Service(s) switched: ${live}\ncommit Pulumi.staging.yaml: it now names the live color, and a deploy from an older copy would switch back\n`,
            stderr: "",
        });
        expect(fake.recorded.calls).toEqual([
            "set launchpad:activeColor=blue",
            "rm launchpad:services.api.activeColor (path)",
            "up targetDependents=false",
        ]);
        expect(fake.recorded.targets).toEqual([[live]]);
    });

    it("sets one service's color by path with --service and --to", async () => {
        const fake = await fakeStack("production");
        const live = named(await planStack("production"), "launchpad-production-api-live").urn;
        const r = await run(["--stack", "production", "--service", "api", "--to", "green"], fake);
        expect(r.code).toBe(0);
        expect(fake.recorded.calls).toEqual(["set launchpad:services.api.activeColor=green (path)", "up targetDependents=false"]);
        expect(fake.recorded.targets).toEqual([[live]]);
    });

    it("the config it sets plans as a change to the live selector only: the URN it targets", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:activeColor=blue"]);
        const changed = after.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.resources.find((b) => b.urn === r.urn)?.inputs));
        expect(changed.map((r) => r.urn)).toEqual([named(before, "launchpad-staging-api-live").urn]);
    });

    it("does nothing when the service is already live on that color", async () => {
        const fake = await fakeStack("staging");
        expect(await run(["--stack", "staging", "--service", "api", "--to", "green"], fake)).toEqual({ code: 0, stdout: "api: already live on green; nothing to do\n", stderr: "" });
        expect(fake.recorded.calls).toEqual([]);
    });

    it("refuses an unknown service or color with exit code 2 and changes nothing", async () => {
        const fake = await fakeStack("staging");
        expect(await run(["--stack", "staging", "--service", "web"], fake)).toEqual({ code: 2, stdout: "", stderr: '--service: received "web"; expected one of "api"\n' });
        expect(await run(["--stack", "staging", "--to", "purple"], fake)).toEqual({ code: 2, stdout: "", stderr: '--to: received "purple"; expected one of "blue", "green"\n' });
        expect((await run([], fake)).code).toBe(2);
        expect(fake.recorded.calls).toEqual([]);
    });

    it("exits 1 and says what state the stack is in when the update fails", async () => {
        const fake = await fakeStack("staging", [], new Error("timed out waiting for Service api to become ready"));
        const r = await run(["--stack", "staging"], fake);
        expect(r).toEqual({
            code: 1,
            stdout: "api: green -> blue\n",
            stderr: "the targeted update of the live Service(s) failed: timed out waiting for Service api to become ready\n" +
                "the stack's config now names blue; run `pulumi up --stack staging` again, or roll back to the previous color\n",
        });
    });

    it("asks for --service or --to when services are live on different colors", async () => {
        const sets = ["launchpad:services.web={releases: {blue: {image: ghcr.io/acme/web:1}, green: {image: ghcr.io/acme/web:2}}, activeColor: blue}"];
        const fake = await fakeStack("staging", sets);
        expect(await run(["--stack", "staging"], fake)).toEqual({ code: 2, stdout: "", stderr: "the services are live on different colors (api: green, web: blue); name --service or --to\n" });
    });
});
