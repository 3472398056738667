/**
 * The BlueGreenService's exported spec builders (components/blue-green-service.ts, the model
 * component of issue 16: "delegates to exported builders that tests call directly"), each called
 * directly with the committed staging stack's `api` service. Until now each was exercised only
 * through whole plans. One describe per builder: the fields that carry Kubernetes semantics, exact,
 * and one edge case with the rule of the real service it follows. Pure calls: no plan.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import { loadtestDeadlineSeconds, loadtestJobSpec } from "../loadtest/job";
import {
    APP_UID,
    MIGRATION_DEADLINE_SECONDS,
    albActionAnnotation,
    albActionName,
    colorReplicas,
    deploymentSpec,
    envSecretData,
    envSecretName,
    GATE_DEADLINE_ALLOWANCE_SECONDS,
    gateDeadlineSeconds,
    gateJobSpec,
    gateRequestSeconds,
    gateTimeouts,
    hpaSpec,
    isAlbIngress,
    liveServiceSpec,
    loadGateSpec,
    loadGateTimeouts,
    migrationJobSpec,
    pdbSpec,
    previewServiceSpec,
    recordedRelease,
    releaseEnv,
    releaseId,
    selectorOf,
    serviceLabels,
    smokeConfigMapData,
    smokePolicySecretName,
    smokePolicyText,
    smokeVolume,
    succeededFor,
    ROLLOUT_POD_OVERHEAD_SECONDS,
} from "../components/blue-green-service";
import type { ServiceConfig } from "../config";
import { caFetchContainer, type DatabaseClientPodInputs } from "../components/database-client";
import { connectionDigest } from "../components/database";
import { CONNECT_WAIT_DEFAULT_SECONDS } from "../smoke/reach";
import { PUSH_TIMEOUT_MS } from "../smoke/push";
import { runSmoke } from "../smoke/runner";
import { serviceFor } from "./support/config";
import { startServer } from "./support/http-server";
import { valueOf } from "./support/values";


/** The stack's database as a service's pods get it: a PostgreSQL in a commercial-partition region. */
const API_DB: DatabaseClientPodInputs = {
    secretName: "api-db",
    adminSecretName: "api-db-admin",
    connectionDigest: "5f0c1a8e3b",
    engine: "postgres",
    caBundleUrl: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    caFetchConfigMap: "api-db-ca-fetch",
};

let api: ServiceConfig;
/** api as if `launchpad:services` were secret config (with the release id key it then requires). */
let secretApi: ServiceConfig;
/** api whose green release declares a schema migration. */
let migratingApi: ServiceConfig;

beforeAll(async () => {
    api = await serviceFor("staging", "api");
    secretApi = { ...api, fromSecret: true, releaseIdKey: "a-test-release-id-key-of-32-chars!" };
    migratingApi = {
        ...api,
        releases: { ...api.releases, green: { ...api.releases.green, migrate: { image: "ghcr.io/acme/api-migrate:1.5.0", command: ["./migrate", "up"] } } },
    };
});

describe("the committed staging api service these tests build from", () => {
    it("is what the stack file says (two replicas, green active, an alb Ingress, a performance suite)", () => {
        expect([api.replicas, api.idleReplicas, api.activeColor, api.expose.ingress?.className, api.port]).toEqual([2, 2, "green", "alb", 8080]);
        expect(api.performance).toBeDefined();
    });
});

describe("serviceLabels (the live Service's, Ingress's and smoke ConfigMap's labels)", () => {
    it("are Kubernetes' recommended labels plus app and the Launchpad role, with no color and no version", () => {
        expect(serviceLabels(api, "launchpad", "live")).toEqual({
            app: "api",
            "app.kubernetes.io/name": "api",
            "app.kubernetes.io/instance": "api",
            "app.kubernetes.io/component": "server",
            "app.kubernetes.io/part-of": "launchpad",
            "app.kubernetes.io/managed-by": "pulumi",
            "launchpad.dev/role": "live",
        });
    });

    it("carry no color label: a service-wide object must not move with a switch", () => {
        expect(Object.keys(serviceLabels(api, "launchpad", "smoke-config"))).not.toContain("color");
    });
});

describe("selectorOf (a Deployment's selector)", () => {
    it("is {app, color} and nothing else", () => {
        expect(selectorOf(api, "blue")).toEqual({ app: "api", color: "blue" });
    });

    // Kubernetes API, apps/v1 DeploymentSpec.selector: "It must match the pod template's labels"
    // and is immutable after creation; so it holds no label a release changes (version, role).
    it("is a subset of the pod template's labels and holds none that a release changes", () => {
        const sel = selectorOf(api, "green");
        const spec = deploymentSpec({ service: api, color: "green", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB });
        expect(spec.selector).toEqual({ matchLabels: sel });
        expect((spec.template as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject(sel);
        expect(Object.keys(sel)).not.toContain("app.kubernetes.io/version");
        expect(Object.keys(sel)).not.toContain("launchpad.dev/role");
    });
});

describe("deploymentSpec and the database (components/database-client.ts)", () => {
    type Pod = k8s.types.input.core.v1.PodSpec & { containers: k8s.types.input.core.v1.Container[] };
    const podOf = (spec: k8s.types.input.apps.v1.DeploymentSpec): { pod: Pod; annotations: Record<string, string> } => {
        const t = spec.template as { metadata: { annotations: Record<string, string> }; spec: Pod };
        return { pod: t.spec, annotations: t.metadata.annotations };
    };

    it("a service that connects fetches the CA bundle first, mounts it read-only and lists its emptyDir for the Cluster Autoscaler", () => {
        const { pod, annotations } = podOf(deploymentSpec({ service: { ...api, connectDatabase: true }, color: "blue", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB }));
        expect((pod.initContainers as k8s.types.input.core.v1.Container[]).map((c) => c.name)).toEqual(["db-ca"]);
        expect(pod.containers[0].volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }, { name: "db-ca", mountPath: "/etc/launchpad/database-ca", readOnly: true }]);
        expect(annotations["cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"]).toBe("tmp,db-ca");
    });

    it("a service that connects carries the digest of the connection settings on its pod template: new settings (restore, rotated password) roll its pods", () => {
        const { annotations } = podOf(deploymentSpec({ service: { ...api, connectDatabase: true }, color: "blue", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB }));
        expect(annotations["launchpad.dev/database-connection"]).toBe(API_DB.connectionDigest);
        const moved = podOf(deploymentSpec({ service: { ...api, connectDatabase: true }, color: "blue", project: "launchpad", zoneSpread: "DoNotSchedule", database: { ...API_DB, connectionDigest: "0b9e4f6d2c" } }));
        expect(moved.annotations["launchpad.dev/database-connection"]).toBe("0b9e4f6d2c");
    });

    it("connectionDigest: 10 hex digits over every setting, a new one for any changed setting (components/database.ts)", () => {
        const settings = { host: "a.rds.amazonaws.com", port: "5432", database: "app", username: "admin", password: "p".repeat(32), engine: "postgres" };
        const digest = connectionDigest(settings);
        expect(digest).toMatch(/^[0-9a-f]{10}$/);
        // Key order does not matter (the Secret's keys are read in CONNECTION_SECRET_KEYS order); every value does.
        expect(connectionDigest(Object.fromEntries(Object.entries(settings).reverse()))).toBe(digest);
        for (const key of Object.keys(settings)) {
            expect({ key, same: connectionDigest({ ...settings, [key]: `${settings[key as keyof typeof settings]}x` }) === digest }).toEqual({ key, same: false });
        }
    });

    it("a service that does not connect gets no init container, no bundle and no DATABASE_* at all, even with a database in the stack", () => {
        const { pod, annotations } = podOf(deploymentSpec({ service: { ...api, connectDatabase: false }, color: "blue", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB }));
        expect(pod.initContainers).toBeUndefined();
        expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
        expect((pod.containers[0].env as { name: string }[]).filter((e) => e.name.startsWith("DATABASE_"))).toEqual([]);
        expect(annotations["cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"]).toBe("tmp");
        expect(annotations).not.toHaveProperty(["launchpad.dev/database-connection"]);
    });

    it("a PostgreSQL database gives verify-full, the partition's bundle address goes to the init container only", () => {
        const { pod } = podOf(deploymentSpec({ service: { ...api, connectDatabase: true }, color: "blue", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB }));
        const env = pod.containers[0].env as { name: string; value?: string }[];
        expect(env.filter((e) => e.name === "DATABASE_TLS_MODE" || e.name === "DATABASE_CA_FILE")).toEqual([
            { name: "DATABASE_TLS_MODE", value: "verify-full" },
            { name: "DATABASE_CA_FILE", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" },
        ]);
        expect(env.some((e) => e.name.startsWith("DB_SSL"))).toBe(false);
        expect(((pod.initContainers as k8s.types.input.core.v1.Container[])[0].env as k8s.types.input.core.v1.EnvVar[])[0]).toEqual({ name: "DB_SSL_CA_URL", value: API_DB.caBundleUrl });
    });
});

describe("previewServiceSpec / liveServiceSpec (the color's and the users' Services)", () => {
    it("the preview Service is a ClusterIP on port 80 to the pods' named port, selecting the color's serving pods only", () => {
        expect(previewServiceSpec(api, "blue")).toEqual({
            type: "ClusterIP",
            selector: { app: "api", color: "blue", "launchpad.dev/role": "workload" },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        });
    });

    it("the live Service takes the stack's expose.type and selects the live color's serving pods", () => {
        expect(liveServiceSpec(api, "green")).toEqual({
            type: "ClusterIP",
            selector: { app: "api", color: "green", "launchpad.dev/role": "workload" },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        });
    });

    // A Service's selector that matched a gate Job's pod would list it among the endpoints (Kubernetes
    // EndpointSlice controller selects every pod matching the selector); the role label rules it out.
    it("a switch changes only the live Service's selector color, never its ports or type", () => {
        const blue = liveServiceSpec(api, "blue");
        const green = liveServiceSpec(api, "green");
        expect({ ...blue, selector: undefined }).toEqual({ ...green, selector: undefined });
        expect((blue.selector as Record<string, string>)["color"]).toBe("blue");
    });

    it("the live Service keeps the live color an Output when it is one (decided inside the update)", async () => {
        const spec = liveServiceSpec(api, pulumi.output("blue" as const));
        expect(await valueOf((spec.selector as Record<string, pulumi.Input<string>>)["color"])).toBe("blue");
    });
});

describe("pdbSpec (a color's PodDisruptionBudget)", () => {
    it("lets one pod go at a time and selects the color's serving pods only", () => {
        expect(pdbSpec(api, "green")).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { app: "api", color: "green", "launchpad.dev/role": "workload" } } });
    });

    // kubernetes pkg/controller/disruption/disruption.go: a budget whose selector reaches a Job's pod
    // cannot find its scale subresource, sets DisruptionsAllowed 0 and blocks every drain. The gate
    // Job's pods carry app and color; the role label (workload) is what keeps them out.
    it("does not select the color's gate Job pods (they carry app and color, role smoke-gate)", () => {
        const gate = gateJobSpec({ service: api, color: "green", project: "launchpad", namespace: "apps", configMapName: "api-smoke", runnerFile: "runner.cjs" });
        const gateLabels = (gate.template as { metadata: { labels: Record<string, string> } }).metadata.labels;
        const sel = (pdbSpec(api, "green").selector as { matchLabels: Record<string, string> }).matchLabels;
        expect(Object.entries(sel).every(([k, v]) => gateLabels[k] === v)).toBe(false);
    });
});

describe("colorReplicas / hpaSpec (a color's size and autoscaler)", () => {
    it("the autoscaler scales the color's Deployment on CPU, between its size and maxReplicas", () => {
        expect(hpaSpec(api, "blue", "api-blue-1a2b3c")).toEqual({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api-blue-1a2b3c" },
            minReplicas: 2,
            maxReplicas: 6,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
    });

    it("the active color keeps replicas, the idle one idleReplicas", () => {
        const small = { ...api, replicas: 3, idleReplicas: 1, maxReplicas: 6 };
        expect([colorReplicas(small, "green"), colorReplicas(small, "blue")]).toEqual([3, 1]);
    });

    // Kubernetes API, autoscaling/v2 HorizontalPodAutoscalerSpec.minReplicas: "defaults to 1 pod";
    // 0 is allowed only with the HPAScaleToZero alpha gate. idleReplicas is at least 1 in config.
    it("with idleReplicas below replicas, the color live when the update started keeps the live minimum (an Output)", async () => {
        const small = { ...api, replicas: 3, idleReplicas: 1 };
        const spec = hpaSpec(small, "blue", "api-blue-x", pulumi.output<"blue" | "green" | undefined>("blue"));
        expect(await valueOf(spec.minReplicas as pulumi.Input<number>)).toBe(3);
        const idle = hpaSpec(small, "blue", "api-blue-x", pulumi.output<"blue" | "green" | undefined>("green"));
        expect(await valueOf(idle.minReplicas as pulumi.Input<number>)).toBe(1);
        expect(await valueOf(idle.minReplicas as pulumi.Input<number>)).toBeGreaterThanOrEqual(1);
    });
});

describe("isAlbIngress / albActionName / albActionAnnotation (the alb Ingress's weighted action)", () => {
    it("staging's api is served by the AWS Load Balancer Controller under the action api-colors", () => {
        expect(isAlbIngress(api)).toBe(true);
        expect(albActionName(api)).toBe("api-colors");
        expect(albActionAnnotation(api)).toBe("alb.ingress.kubernetes.io/actions.api-colors");
    });

    it("an Ingress of another class, or none, is not an alb Ingress", () => {
        const nginx = { ...api, expose: { ...api.expose, ingress: { ...api.expose.ingress!, className: "nginx" } } };
        expect(isAlbIngress(nginx)).toBe(false);
        expect(isAlbIngress({ ...api, expose: { type: "ClusterIP" } })).toBe(false);
    });

    // Kubernetes annotation keys: an optional DNS prefix and a name part of at most 63 characters
    // (apimachinery validation IsQualifiedName). Service names are at most 32 characters in config.
    it("the annotation key's name part stays within 63 characters for a 32-character service name", () => {
        const longest = { ...api, name: "a".repeat(32) };
        const [prefix, namePart] = albActionAnnotation(longest).split("/");
        expect(prefix).toBe("alb.ingress.kubernetes.io");
        expect(namePart.length).toBeLessThanOrEqual(63);
    });
});

describe("envSecretName / smokePolicySecretName / releaseEnv / envSecretData (env from secret config)", () => {
    it("names the color's env Secret and the smoke policy Secret after the service", () => {
        expect(envSecretName(api, "blue")).toBe("api-blue-env");
        expect(smokePolicySecretName(api)).toBe("api-smoke-policy");
    });

    it("plain config: the color's env as literal values, sorted by name", () => {
        const multi = { ...api, releases: { ...api.releases, blue: { ...api.releases.blue, env: { ZED: "1", LOG_LEVEL: "debug" } } } };
        expect(releaseEnv(multi, "blue")).toEqual([{ name: "LOG_LEVEL", value: "debug" }, { name: "ZED", value: "1" }]);
        expect(envSecretData(multi, "blue")).toBeUndefined();
    });

    it("secret config: each variable is a secretKeyRef into the color's env Secret, no literal value in the pod spec", () => {
        expect(releaseEnv(secretApi, "green", "api-green-env")).toEqual([{ name: "LOG_LEVEL", valueFrom: { secretKeyRef: { name: "api-green-env", key: "LOG_LEVEL" } } }]);
    });

    it("secret config: the env Secret's data is one Pulumi secret", async () => {
        const data = envSecretData(secretApi, "green");
        expect(data).toBeDefined();
        expect(await pulumi.isSecret(data!)).toBe(true);
        expect(await valueOf(data!)).toEqual({ LOG_LEVEL: "info" });
    });

    it("secret config without an env Secret fails with the service and the color", () => {
        expect(() => releaseEnv(secretApi, "blue")).toThrow("service api takes its env from secret config, but no env Secret was given for blue");
    });
});

describe("smokePolicyText / smokeConfigMapData / smokeVolume (the gate's /smoke volume)", () => {
    const runner = { file: "smoke-runner.cjs", source: "// runner" };

    it("the policy file is the service's parsed smoke policy as indented JSON with a final newline", () => {
        const text = smokePolicyText(api);
        expect(text.endsWith("}\n")).toBe(true);
        expect(JSON.parse(text)).toEqual(api.smoke);
        expect((JSON.parse(text) as { timeoutMs: number }).timeoutMs).toBe(2000);
    });

    it("plain config: the ConfigMap holds the runner and the policy, mounted as a configMap volume", () => {
        expect(smokeConfigMapData(api, runner)).toEqual({ "smoke-runner.cjs": "// runner", "policy.json": smokePolicyText(api) });
        expect(smokeVolume({ service: api, configMapName: "api-smoke" })).toEqual({ name: "smoke", configMap: { name: "api-smoke" } });
    });

    // The policy's headers may carry credentials: from secret config it goes in a Secret, and the
    // ConfigMap and the Secret are projected into the one directory the runner reads (Kubernetes
    // docs, concepts/storage/projected-volumes: "A projected volume maps several existing volume sources
    // into the same directory", secret and configMap among them).
    it("secret config: the ConfigMap holds the runner only, and the volume projects it with the policy Secret", () => {
        expect(smokeConfigMapData(secretApi, runner)).toEqual({ "smoke-runner.cjs": "// runner" });
        expect(smokeVolume({ service: secretApi, configMapName: "api-smoke", policySecretName: "api-smoke-policy" })).toEqual({
            name: "smoke",
            projected: { sources: [{ configMap: { name: "api-smoke" } }, { secret: { name: "api-smoke-policy" } }] },
        });
        expect(() => smokeVolume({ service: secretApi, configMapName: "api-smoke" })).toThrow("no policy Secret was given");
    });
});

describe("gateJobSpec / gateTimeouts (the smoke gate Job)", () => {
    const inputs = () => ({ service: api, color: "blue" as const, project: "launchpad", namespace: "apps", configMapName: "api-smoke", runnerFile: "smoke-runner.cjs", pushgatewayUrl: "http://pushgateway.monitoring:9091" });

    // Kubernetes API, batch/v1 JobSpec: backoffLimit "Specifies the number of retries before marking
    // this job failed"; activeDeadlineSeconds bounds the Job, then it fails with DeadlineExceeded.
    it("runs once (backoffLimit 0), never restarts its pod, and is bounded by the policy's deadline", () => {
        const spec = gateJobSpec(inputs());
        expect(spec.backoffLimit).toBe(0);
        // 180 s to start the pod + 60 s waiting for the target to accept a connection (smoke/reach.ts) + 2 checks x
        // (ceil(10 / 10) + ceil(200 / 10)) rounds x 2 s + 60 s of load and its last request's 2 s timeout + 5 s to push.
        expect(gateDeadlineSeconds(api.smoke)).toBe(180 + 60 + 2 * 21 * 2 + 60 + 2 + 5);
        // The run's bound on the pod, twice it on the Job: a pod evicted late still gets a whole rerun (retriedRunDeadlines).
        expect((spec.template as { spec: { activeDeadlineSeconds: number } }).spec.activeDeadlineSeconds).toBe(391);
        expect(spec.activeDeadlineSeconds).toBe(2 * 391);
        expect((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy).toBe("Never");
    });

    it("labels its pod as the color's smoke gate and annotates the release it judges", () => {
        const meta = (gateJobSpec(inputs()).template as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }).metadata;
        expect(meta.labels).toMatchObject({ app: "api", color: "blue", "launchpad.dev/role": "smoke-gate", "app.kubernetes.io/component": "smoke-gate" });
        expect(meta.annotations).toEqual({ "launchpad.dev/release-id": releaseId(api, "blue"), "launchpad.dev/image": "ghcr.io/acme/api:1.4.2", "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" });
    });

    it("runs the runner as the node user under the restricted profile, against the color's preview Service", async () => {
        const pod = (gateJobSpec(inputs()).template as { spec: k8s.types.input.core.v1.PodSpec }).spec;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        const c = (pod.containers as k8s.types.input.core.v1.Container[])[0];
        expect(c.image).toBe("node:24.19.0-alpine3.24");
        expect(c.securityContext).toMatchObject({ runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        const command = await valueOf(pulumi.all(c.command as pulumi.Input<string>[]));
        expect(command).toEqual(["node", "/smoke/smoke-runner.cjs", "--policy", "/smoke/policy.json", "--target", "http://api-blue.apps.svc.cluster.local:80"]);
        expect(c.env).toEqual([{ name: "SMOKE_SERVICE", value: "api" }, { name: "SMOKE_COLOR", value: "blue" }, { name: "PUSHGATEWAY_URL", value: "http://pushgateway.monitoring:9091" }]);
        expect(c.volumeMounts).toEqual([{ name: "smoke", mountPath: "/smoke", readOnly: true }]);
        expect(pod.volumes).toEqual([{ name: "smoke", configMap: { name: "api-smoke" } }]);
    });

    // The deadline is the runner's worst case: every request times out. smoke/runner.ts runPhases sends,
    // per check, its warm-up requests in one burst and then its measured ones in another, each burst in
    // rounds of `concurrency`: ceil(warmup / c) + ceil(requests / c) rounds, not ceil((warmup + requests) / c).
    // The real runner against a server that never answers: 1 warm-up and 1 measured request at concurrency 2
    // are two rounds of 700 ms (one round by the old count, whose 1 s ceiling the run outlasts).
    it("gives the requests as long as the runner takes when every one times out: warm-up and measured requests are separate rounds", async () => {
        const policy = { checks: [{ path: "/hang" }], requests: 1, concurrency: 2, timeoutMs: 700, warmupRequests: 1, thresholds: { p95Ms: 300, p99Ms: 1000, errorRate: 0.02 } };
        expect(gateRequestSeconds(policy)).toBe(2);
        expect(gateDeadlineSeconds(policy)).toBe(ROLLOUT_POD_OVERHEAD_SECONDS + CONNECT_WAIT_DEFAULT_SECONDS + 2 + Math.ceil(PUSH_TIMEOUT_MS / 1000));
        const server = await startServer(() => undefined);
        try {
            const start = performance.now();
            const summary = await runSmoke(policy, server.url);
            const elapsedMs = performance.now() - start;
            expect(summary.statusHistogram).toEqual({ timeout: 1 });
            expect(summary.warmup).toEqual({ requests: 1, failures: 1 });
            expect(elapsedMs).toBeGreaterThanOrEqual(1_400);
            expect(elapsedMs).toBeLessThanOrEqual(gateRequestSeconds(policy) * 1000);
        } finally {
            await server.close();
        }
    });

    // activeDeadlineSeconds counts from the Job's start, not its pod's (kubernetes/website
    // concepts/workloads/controllers/job.md, "Job termination and cleanup"), so a pod that waits for a
    // node the Cluster Autoscaler adds spends the deadline waiting. The deadline leaves, besides the
    // runner's own phases, what a Deployment's new pod gets for the same start, the load phase's last
    // request (smoke/runner.ts runLoad awaits a request sent before the phase's end: up to timeoutMs
    // more) and the push (PUSH_TIMEOUT_MS).
    it("leaves room for the pod's start on a new node, the load phase's last request and the push", () => {
        const runner = (p: typeof api.smoke): number => CONNECT_WAIT_DEFAULT_SECONDS + gateRequestSeconds(p) + (p.load?.durationSeconds ?? 0);
        expect(GATE_DEADLINE_ALLOWANCE_SECONDS).toEqual({ start: ROLLOUT_POD_OVERHEAD_SECONDS, push: 5 });
        expect(api.smoke.load).toBeDefined();
        expect(gateDeadlineSeconds(api.smoke) - runner(api.smoke)).toBe(ROLLOUT_POD_OVERHEAD_SECONDS + Math.ceil(api.smoke.timeoutMs / 1000) + Math.ceil(PUSH_TIMEOUT_MS / 1000));
        const noLoad = { ...api.smoke, load: undefined };
        expect(gateDeadlineSeconds(noLoad) - runner(noLoad)).toBe(ROLLOUT_POD_OVERHEAD_SECONDS + Math.ceil(PUSH_TIMEOUT_MS / 1000));
    });

    // pulumi-kubernetes waits 10 minutes for a Job unless customTimeouts say otherwise
    // (provider/pkg/await/job.go DefaultJobTimeoutMins): the wait outlasts the Job's own deadline.
    it("Pulumi waits two minutes past the Job's deadline", () => {
        expect(gateTimeouts(api.smoke)).toEqual({ create: "902s", update: "902s" });
        expect(Number.parseInt(gateTimeouts(api.smoke).create, 10)).toBe(2 * gateDeadlineSeconds(api.smoke) + 120);
    });
});

describe("migrationJobSpec (the release's schema migration Job)", () => {
    it("names the restored instance it is to run on, when migrations.ts says so, on its pod template (force-new: the Job runs again there); else nothing", async () => {
        type Template = { metadata: { annotations: pulumi.Input<Record<string, string>> } };
        const annotations = (restoredInstance?: string) =>
            valueOf((migrationJobSpec({ service: migratingApi, color: "green", project: "launchpad", database: API_DB, restoredInstance }).template as Template).metadata.annotations);
        expect((await annotations("launchpad-production-db-r1a2b3c4d"))["launchpad.dev/restored-database"]).toBe("launchpad-production-db-r1a2b3c4d");
        expect(await annotations()).not.toHaveProperty(["launchpad.dev/restored-database"]);
    });

    it("runs the release's migration command once, bounded by 30 minutes, labelled as the color's migration", () => {
        const spec = migrationJobSpec({ service: migratingApi, color: "green", project: "launchpad", database: API_DB });
        expect(spec.backoffLimit).toBe(0);
        expect(spec.activeDeadlineSeconds).toBe(MIGRATION_DEADLINE_SECONDS);
        expect(MIGRATION_DEADLINE_SECONDS).toBe(1800);
        const t = spec.template as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: k8s.types.input.core.v1.PodSpec };
        expect(t.metadata.labels).toMatchObject({ app: "api", color: "green", "launchpad.dev/role": "schema-migration" });
        // A Job's template is force-new (pulumi-kubernetes provider/pkg/provider/diff.go), so any change to it
        // replaces every recorded migration Job and runs its migration again: unchanged since migrations shipped.
        expect(t.metadata.annotations).toEqual({ "launchpad.dev/release-id": releaseId(migratingApi, "green"), "launchpad.dev/image": "ghcr.io/acme/api-migrate:1.5.0" });
        expect(t.spec.restartPolicy).toBe("Never");
        expect(t.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: APP_UID, runAsGroup: APP_UID, fsGroup: APP_UID, seccompProfile: { type: "RuntimeDefault" } });
        const c = (t.spec.containers as k8s.types.input.core.v1.Container[])[0];
        expect([c.name, c.image, c.command]).toEqual(["migrate", "ghcr.io/acme/api-migrate:1.5.0", ["./migrate", "up"]]);
        expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
        // Read-only root: /tmp is its one writable place, as in the Deployment; the CA bundle is read-only.
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }, { name: "db-ca", mountPath: "/etc/launchpad/database-ca", readOnly: true }]);
        expect(t.spec.volumes).toEqual([
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            { name: "db-ca", emptyDir: { sizeLimit: "1Mi" } },
            { name: "db-ca-fetch", configMap: { name: "api-db-ca-fetch", defaultMode: 0o555 } },
        ]);
        // The bundle is fetched before the command runs; a failed fetch fails the Job (backoffLimit 0) with the command never run.
        expect(t.spec.initContainers).toEqual([caFetchContainer(API_DB.caBundleUrl, APP_UID, "tmp")]);
    });

    it("gets the release's env and then the master user's connection (its schema changes), where the Deployment gets the application user's", () => {
        const spec = migrationJobSpec({ service: migratingApi, color: "green", project: "launchpad", database: API_DB });
        const env = ((spec.template as { spec: k8s.types.input.core.v1.PodSpec }).spec.containers as k8s.types.input.core.v1.Container[])[0].env as k8s.types.input.core.v1.EnvVar[];
        expect(env[0]).toEqual({ name: "LOG_LEVEL", value: "info" });
        const fromSecret = (e: readonly k8s.types.input.core.v1.EnvVar[]) => (e as { name: string; valueFrom?: { secretKeyRef: { name: string } } }[])
            .filter((v) => v.name.startsWith("DATABASE_") && v.valueFrom !== undefined).map((v) => [v.name, v.valueFrom?.secretKeyRef.name]);
        const names = ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_DATABASE", "DATABASE_USERNAME", "DATABASE_PASSWORD", "DATABASE_ENGINE"];
        expect(fromSecret(env)).toEqual(names.map((n) => [n, "api-db-admin"]));
        const deployment = deploymentSpec({ service: { ...migratingApi, connectDatabase: true }, color: "green", project: "launchpad", zoneSpread: "DoNotSchedule", database: API_DB });
        const app = ((deployment.template as { spec: k8s.types.input.core.v1.PodSpec }).spec.containers as k8s.types.input.core.v1.Container[])[0].env as k8s.types.input.core.v1.EnvVar[];
        expect(fromSecret(app)).toEqual(names.map((n) => [n, "api-db"]));
        // The migration connects as the app does: verifying the server against the fetched bundle.
        expect(env.slice(-2)).toEqual([
            { name: "DATABASE_TLS_MODE", value: "verify-full" },
            { name: "DATABASE_CA_FILE", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" },
        ]);
    });

    // A drain evicts a running migration's pod (no budget covers it); the eviction API marks it
    // DisruptionTarget (kubernetes/website disruptions.md, "Pod disruption conditions"). An Ignore
    // rule on that condition, as the smoke gate has, would re-run a migration stopped at an arbitrary
    // statement, in place and unseen: the Job fails instead, and the next `pulumi up` re-runs it only
    // after someone looked (docs/operations.md, "Node drains and node group updates").
    it("fails when a drain evicts its pod: no podFailurePolicy, no retry", () => {
        const spec = migrationJobSpec({ service: migratingApi, color: "green", project: "launchpad", database: API_DB });
        expect(spec.backoffLimit).toBe(0);
        expect(spec.podFailurePolicy).toBeUndefined();
        expect(gateJobSpec({ service: api, color: "blue", project: "launchpad", namespace: "apps", configMapName: "api-smoke", runnerFile: "smoke-runner.cjs" }).podFailurePolicy).toEqual({
            rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }],
        });
    });

    // A gate or load run the cluster took away runs again (Ignore on DisruptionTarget), but the Job's
    // activeDeadlineSeconds counts from the Job's start whatever pods it made (kubernetes/website job.md,
    // "Job termination and cleanup"): with the run's bound there, a pod evicted near its end left its
    // replacement too little time and the Job failed only at the deadline, DeadlineExceeded, with no word of
    // the eviction. The pod carries the run's bound (PodSpec activeDeadlineSeconds counts from the pod's
    // StartTime; a pod stopped by it has no DisruptionTarget condition, disruptions.md, so backoffLimit 0
    // fails the Job then), the Job twice it.
    it.each([
        ["the smoke gate", () => {
            const spec = gateJobSpec({ service: api, color: "blue", project: "launchpad", namespace: "apps", configMapName: "api-smoke", runnerFile: "smoke-runner.cjs" });
            return { run: gateDeadlineSeconds(api.smoke), job: spec.activeDeadlineSeconds as number, pod: (spec.template as { spec: { activeDeadlineSeconds: number } }).spec.activeDeadlineSeconds };
        }],
        ["the load gate", () => {
            const spec = loadtestJobSpec({}, "x", api.performance!.scenarios.load);
            return { run: loadtestDeadlineSeconds({ scenario: api.performance!.scenarios.load }), job: spec.activeDeadlineSeconds as number, pod: (spec.template as { spec: { activeDeadlineSeconds: number } }).spec.activeDeadlineSeconds };
        }],
    ])("%s: a pod evicted at any moment of its run leaves its replacement the whole run before the Job's deadline; a run that hangs fails at its own bound", (_name, deadlines) => {
        const { run, job, pod } = deadlines();
        expect(pod).toBe(run);
        // Evicted at t seconds into the Job (its pod started at once and ran until then): the replacement,
        // started at t, may take the whole run's bound and still ends by the Job's deadline.
        for (const t of [0, 1, Math.floor(run / 2), run - 1, run]) {
            expect(t + pod).toBeLessThanOrEqual(job);
        }
    });

    it("a release with no migration is refused", () => {
        expect(() => migrationJobSpec({ service: api, color: "blue", project: "launchpad", database: API_DB })).toThrow("service api release blue declares no migration");
    });
});

describe("loadGateSpec / loadGateTimeouts (the load gate's run)", () => {
    const metrics = { requestsTotal: "http_requests_total", requestDurationSeconds: "http_request_duration_seconds", dbPoolConnectionsInUse: "db_pool_connections_in_use", statusLabel: "status", serviceLabel: "service", colorLabel: "color" };

    it("runs the load scenario against the color's preview Service, with the image it judges", () => {
        const spec = loadGateSpec(api, "green", "apps", { runner: "r", appMetrics: metrics }, "http://pushgateway.monitoring:9091");
        expect(spec).toMatchObject({ service: "api", color: "green", namespace: "apps", target: "http://api-green.apps.svc.cluster.local:80", image: "ghcr.io/acme/api:1.5.0", pushgateway: "http://pushgateway.monitoring:9091" });
        expect(spec.scenario).toBe(api.performance!.scenarios.load);
        expect(spec.appMetrics).toEqual(metrics);
        expect(spec.prometheus).toBeUndefined();
    });

    it("judges server-side against the stack's Prometheus only when both the gate's and the URL are given, with the AMP region to sign in", () => {
        const gate = { runner: "r", appMetrics: metrics, prometheus: { url: "ignored", sigV4Region: "eu-west-1" } };
        expect(loadGateSpec(api, "green", "apps", gate, undefined, undefined, "https://aps.example/api/v1/query").prometheus).toEqual({ url: "https://aps.example/api/v1/query", sigV4Region: "eu-west-1" });
        expect(loadGateSpec(api, "green", "apps", gate).prometheus).toBeUndefined();
    });

    it("a service without a performance suite has no load gate", () => {
        expect(() => loadGateSpec({ ...api, performance: undefined }, "green", "apps", { runner: "r", appMetrics: metrics })).toThrow("service api has no performance suite, so no load gate");
    });

    // pulumi-kubernetes provider/pkg/await/job.go DefaultJobTimeoutMins (10): a load run of ~15 minutes
    // needs customTimeouts past its own deadline, or Pulumi gives up on a Job that is still running.
    it("Pulumi waits two minutes past the load Job's deadline (staging: 15 min of stages + 10 s + 5 min)", () => {
        const stagesSeconds = api.performance!.scenarios.load.stages.reduce((n, s) => n + s.durationMs, 0) / 1000;
        expect(stagesSeconds).toBe(900);
        // Twice the run's bound (one disrupted run and its replacement: retriedRunDeadlines) plus two minutes.
        expect(loadGateTimeouts(api)).toEqual({ create: `${2 * (900 + 10 + 300) + 120}s`, update: "2540s" });
        expect(Number.parseInt(loadGateTimeouts(api).create, 10)).toBeGreaterThan(10 * 60);
    });
});

describe("recordedRelease / succeededFor (what the state says a Job ran)", () => {
    it("reads the release id and image a Job's annotations name, or nothing when either is missing", () => {
        expect(recordedRelease({ "launchpad.dev/release-id": "abc", "launchpad.dev/image": "ghcr.io/acme/api:1.5.0", other: "x" })).toEqual({ releaseId: "abc", image: "ghcr.io/acme/api:1.5.0" });
        expect(recordedRelease({ "launchpad.dev/release-id": "abc" })).toBeUndefined();
        expect(recordedRelease(undefined)).toBeUndefined();
    });

    /** A Job as the state holds it: its annotations and how many pods succeeded. */
    const job = (releaseIdValue: string, succeeded: number): k8s.batch.v1.Job =>
        ({ metadata: pulumi.output({ annotations: { "launchpad.dev/release-id": releaseIdValue, "launchpad.dev/image": "i" } }), status: pulumi.output({ succeeded }) }) as unknown as k8s.batch.v1.Job;

    // A targeted update (pulumi up --target) keeps an untargeted Job's old state (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go NewUntargetedSameStep): its success may be an older release's.
    it("a Job succeeded for an id only when it succeeded and its own annotation names that id", async () => {
        expect(await valueOf(succeededFor(job("r1", 1), "r1"))).toBe(true);
        expect(await valueOf(succeededFor(job("r0", 1), "r1"))).toBe(false);
        expect(await valueOf(succeededFor(job("r1", 0), "r1"))).toBe(false);
    });
});
