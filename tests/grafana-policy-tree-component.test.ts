/**
 * The Observability component in a real run (mocks without the offline plan's declaration, so
 * `isOfflinePlan()` is false): its notification policy waits on the read of the organization's
 * tree (observability/grafana-policy-tree.ts), and is never registered when that tree routes
 * another environment's alerts. The tree is served by a real HTTP server (node:http).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Observability } from "../components/observability";
import { isTargetedSwitch, TARGETED_SWITCH_ENV } from "../config";
import { switchWorkspace } from "../scripts/rollback";
import { alertContext } from "../observability/alerts";
import { loadConfigFor } from "./support/config";
import { grafanaDefaultTree, launchpadTree } from "./support/grafana-tree";

let tree: unknown = {};
let requests = 0;
let server: Server;
let base: string;
const registered: string[] = [];
const rejections: unknown[] = [];
const onRejection = (e: unknown): void => {
    rejections.push(e);
};

beforeAll(async () => {
    server = createServer((_req, res) => {
        requests += 1;
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(tree));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.on("unhandledRejection", onRejection);
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push(args.name);
            // Grafana reports the org the data source was created in (resource_data_source.go datasourceToState).
            const org = args.type === "grafana:oss/dataSource:DataSource" ? { orgId: "1" } : {};
            return { id: `${args.name}-id`, state: { ...(args.inputs as Record<string, unknown>), ...org } };
        },
        call: (args) => args.inputs as Record<string, unknown>,
    }, "launchpad", "staging", false);
});
afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Staging's Observability against the local Grafana, its backend a plain Prometheus URL; once settled, whether its notification policy registered. */
async function stagingAgainst(served: unknown, name: string): Promise<boolean> {
    tree = served;
    const config = await loadConfigFor("staging", [`grafana:url=${base}`]);
    const observability = { ...config.observability, backend: { kind: "prometheus" as const, url: "http://prometheus.example:9090" } };
    const obs = new Observability(name, {
        config: observability,
        alerts: alertContext({ ...config, observability }),
        identifier: `launchpad-${name}`,
        region: config.region,
        tags: config.tags,
        namespace: config.cluster.namespace,
        namespaceRef: config.cluster.namespace,
        k8sProvider: new k8s.Provider(`${name}-k8s`, {}),
        identityChecked: pulumi.output(true),
    });
    await new Promise<void>((resolve) => obs.grafanaTarget?.apply(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    return registered.includes(`${name}-policy`);
}

describe("staging's notification policy waits on its organization's tree", () => {
    it("Grafana's default tree: read once, the policy registered", async () => {
        const before = requests;
        expect(await stagingAgainst(grafanaDefaultTree(), "fresh")).toBe(true);
        expect(requests - before).toBe(1);
    });

    it("production's tree: a ResourceError naming production, and no policy registered", async () => {
        rejections.length = 0;
        expect(await stagingAgainst(launchpadTree("production"), "shared")).toBe(false);
        expect(registered).toContain("shared-prometheus");
        expect(rejections.map((e) => String(e))).toContainEqual(expect.stringContaining('grafana:url: stack "staging" would replace the notification policy tree of'));
    });
});

// A rollback's or promote's targeted update (`pulumi up --target` of the live Services and Ingresses)
// leaves the notification policy alone, and the engine does not tell the program its targets: the
// switch's workspace says so through the environment (scripts/rollback.ts switchWorkspace), and the
// organization checks warn there instead of refusing a rollback over a resource it does not change.
describe("in a color switch's targeted update, a foreign tree does not refuse the switch", () => {
    it("the switch's workspace sets what isTargetedSwitch reads; nothing else does", () => {
        expect(switchWorkspace().envVars).toEqual({ [TARGETED_SWITCH_ENV]: "true" });
        expect(isTargetedSwitch(switchWorkspace().envVars)).toBe(true);
        expect([isTargetedSwitch({}), isTargetedSwitch({ [TARGETED_SWITCH_ENV]: "1" }), isTargetedSwitch({ [TARGETED_SWITCH_ENV]: "false" })]).toEqual([false, false, false]);
    });

    it("production's tree under the switch's environment: no ResourceError, the program goes on (the engine does not update the untargeted policy)", async () => {
        rejections.length = 0;
        process.env[TARGETED_SWITCH_ENV] = "true";
        try {
            expect(await stagingAgainst(launchpadTree("production"), "switch")).toBe(true);
        } finally {
            delete process.env[TARGETED_SWITCH_ENV];
        }
        expect(rejections).toEqual([]);
    });
});
