/**
 * What the first update after a new release id key does (docs/delivery.md, "A new release id key"):
 * `launchpad:services` made a secret with a `launchpad:releaseIdKey`, no image or env changed. Staging
 * is planned once as deployed (green live, green's migration to version 4 recorded), and again from
 * those outputs (`--previous-outputs`, as `pulumi stack output --json --show-secrets` gives them).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planCli } from "../scripts/plan";

interface Doc { resources: { type: string; name: string; inputs: { metadata?: { name?: string }; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } }[]; outputs: Record<string, unknown> }

const SCHEMA = [
    "launchpad:services.api.releases.blue.schema.version=3",
    "launchpad:services.api.releases.blue.schema.supports=[3,4]",
    "launchpad:services.api.releases.green.schema.version=4",
    "launchpad:services.api.releases.green.schema.supports=[4,5]",
];
const MIGRATE = 'launchpad:services.api.releases.green.migrate.command=["./migrate","up"]';
// The service's one env value made secure (same value): the services config becomes a secret.
const REKEY = ["--set-secret", "launchpad:services.api.env.LOG_LEVEL=info", "--set-secret", "launchpad:releaseIdKey=a-test-release-id-key-of-32-chars!"];
const sets = (list: readonly string[]) => list.flatMap((s) => ["--set", s]);
const REKEYED = "warning: service api: green was live when this update started and its env hash was recorded with another key (launchpad:services became a secret, or launchpad:releaseIdKey changed), " +
    "so this update cannot check that green's env is unchanged; its release id changes with the key, and its pods roll in place under live traffic, before any gate. Change nothing else of green in this update";

const dir = mkdtempSync(join(tmpdir(), "launchpad-rekey-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const previous = join(dir, "outputs.json");

async function planDoc(args: readonly string[]): Promise<{ doc: Doc; stderr: string }> {
    const r = await planCli(["--stack", "staging", "--json", ...args]);
    if (r.code !== 0) throw new Error(`the plan failed (exit ${r.code}): ${r.stderr}`);
    return { doc: JSON.parse(r.stdout) as Doc, stderr: r.stderr };
}
/** Each release Job's object name and each Deployment's release-id annotation, by resource name (the stack's grants Job is no release's). */
function releaseObjects(doc: Doc): Record<string, string | undefined> {
    return Object.fromEntries(doc.resources.flatMap((r) => {
        if (r.type === "kubernetes:batch/v1:Job" && !r.name.endsWith("-database-grants-job")) return [[r.name, r.inputs.metadata?.name]];
        if (r.type === "kubernetes:apps/v1:Deployment") return [[r.name, r.inputs.spec?.template?.metadata?.annotations?.["launchpad.dev/release-id"]]];
        return [];
    }));
}

let deployed: Doc;
beforeAll(async () => {
    deployed = (await planDoc([...sets([...SCHEMA, MIGRATE])])).doc;
    writeFileSync(previous, JSON.stringify(deployed.outputs));
});

describe("the first update after launchpad:services becomes a secret (a new release id key)", () => {
    it("as deployed: nothing pending, the same objects", async () => {
        const again = await planDoc([...sets([...SCHEMA, MIGRATE]), "--previous-outputs", previous]);
        expect(again.stderr).toBe("info: schema api: version 4, no migration\n");
        expect(releaseObjects(again.doc)).toEqual(releaseObjects(deployed));
    });

    it("rolls both colors, re-runs both gates and the live color's migration at the recorded version, and warns instead of comparing envs", async () => {
        const { doc, stderr } = await planDoc([...sets([...SCHEMA, MIGRATE]), ...REKEY, "--previous-outputs", previous]);
        expect(stderr).toBe(`${REKEYED}\ninfo: schema api: version 4 -> 4 (releases.green migrates)\n`);
        const before = releaseObjects(deployed);
        const after = releaseObjects(doc);
        expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
        expect(Object.keys(after).sort()).toEqual([
            "launchpad-staging-api-blue", "launchpad-staging-api-blue-gate", "launchpad-staging-api-green", "launchpad-staging-api-green-gate", "launchpad-staging-api-green-migrate",
        ]);
        // Every one is a new release id: Deployments roll, Jobs are new Jobs.
        expect(Object.keys(after).filter((k) => after[k] === before[k])).toEqual([]);
        expect(after["launchpad-staging-api-green-migrate"]).toMatch(/^api-green-migrate-[0-9a-f]{10}$/);
    });

    it("with migrate removed from the release whose migration is recorded: nothing re-runs, the version stays", async () => {
        const { doc, stderr } = await planDoc([...sets(SCHEMA), ...REKEY, "--previous-outputs", previous]);
        expect(stderr).toBe(`${REKEYED}\ninfo: schema api: version 4, no migration\n`);
        expect(Object.keys(releaseObjects(doc)).filter((k) => k.endsWith("-migrate"))).toEqual([]);
        expect((doc.outputs.schemaVersions as { api: { version: number } }).api.version).toBe(4);
    });
});
