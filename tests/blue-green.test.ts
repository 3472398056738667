/**
 * Blue/green delivery under the plan engine: the objects per service and color, their selectors,
 * probes and security, the gate Job and what the live Service waits for, and the blast radius of a
 * color switch measured by diffing two real plans.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenService, deploymentSpec, deploymentTimeouts, gateDeadlineSeconds, gateJobId, gateJobName, gateRunId, progressDeadlineSeconds, ROLLOUT_POD_OVERHEAD_SECONDS, rolloutWaves, hpaMinReplicas, ingressAnnotations, ingressSpec, appliedPodShape, type PodTemplateContext, releaseId, SPREAD_MATCH_LABEL_KEYS, verifiedReleaseInfo } from "../components/blue-green-service";
import { EKS_VERSIONS } from "../lib/versions";
import { ANNOTATIONS } from "../lib/delivery";
import type { ServiceConfig } from "../config";
import { SMOKE_RUNNER_IMAGE } from "../lib/workload";
import { bundleRunner, RUNNER_FILE } from "../smoke/bundle";
import { validatePolicy } from "../smoke/policy";
import { REPO_ROOT } from "../plan/engine";
import { loadConfigFor } from "./support/config";
import { stackPodDatabase } from "../components/release-history";
import { validateKubernetesObject } from "./support/k8s-schema";
import { byUrn, input, named, planProgram, planStack, type Plan, type PlannedResource } from "./support/plan";

const DELIVERY_TYPES = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:batch/v1:Job",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:networking.k8s.io/v1:Ingress",
];

/** The zone spread a planned Deployment's pods were given (the tier's), which `gateRunId` hashes with the rest of the template. */
function zoneSpreadOf(d: PlannedResource): "DoNotSchedule" | "ScheduleAnyway" {
    return (input(d, "spec.template.spec.topologySpreadConstraints") as { whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" }[])[0].whenUnsatisfiable;
}

/** The children of the `api` BlueGreenService, by type. */
function deliveryCounts(plan: Plan): Record<string, number> {
    const parent = named(plan, `launchpad-${plan.stack}-api`).urn;
    const out: Record<string, number> = {};
    for (const r of plan.resources.filter((x) => x.parent === parent)) {
        out[r.type] = (out[r.type] ?? 0) + 1;
    }
    return out;
}

const RESTRICTED_CONTAINER = (uid: number) => ({
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
});

function labels(color: string, role: string, version: string, component = "server"): Record<string, string> {
    return {
        app: "api",
        color,
        "app.kubernetes.io/name": "api",
        "app.kubernetes.io/instance": `api-${color}`,
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "launchpad",
        "app.kubernetes.io/managed-by": "pulumi",
        "launchpad.dev/role": role,
    };
}

describe.each([
    { stack: "staging", active: "green", replicas: 2, max: 6, spread: "ScheduleAnyway", resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
    { stack: "production", active: "blue", replicas: 3, max: 12, spread: "DoNotSchedule", resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } } },
])("the $stack stack's api service", ({ stack, active, replicas, max, spread, resources }) => {
    const plan = () => planStack(stack);
    const prefix = `launchpad-${stack}-api`;

    it("has per color a Deployment, preview Service, PDB, HPA and gate Job, plus one live Service, Ingress, smoke ConfigMap and database CA fetch ConfigMap", async () => {
        expect(deliveryCounts(await plan())).toEqual({
            "kubernetes:apps/v1:Deployment": 2,
            "kubernetes:core/v1:Service": 3,
            "kubernetes:policy/v1:PodDisruptionBudget": 2,
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 2,
            "kubernetes:batch/v1:Job": 2,
            "kubernetes:core/v1:ConfigMap": 2,
            "kubernetes:networking.k8s.io/v1:Ingress": 1,
        });
    });

    it.each(["blue", "green"])("runs the %s Deployment with a fixed {app, color} selector, probes, limits, spread and a hardened pod", async (color) => {
        const d = named(await plan(), `${prefix}-${color}`);
        const version = color === "blue" ? "1.4.2" : "1.5.0";
        // The shape of the pod template it is applied with, on the Deployment's own metadata (it rolls no pod): the release history reads it back from the state.
        const config = await loadConfigFor(stack);
        const service = config.services[0];
        const shape = appliedPodShape(service, color as "blue" | "green", stackPodDatabase(config));
        // And the gate run its pods need (gateRunId), which its gate Job's name carries.
        const pods = gateRunId(service, color as "blue" | "green", { project: "launchpad", zoneSpread: zoneSpreadOf(d), database: config.database });
        expect(input(d, "metadata")).toEqual({ name: `api-${color}`, namespace: `launchpad-${stack}`, labels: labels(color, "workload", version), annotations: { "launchpad.dev/pod-shape": JSON.stringify(shape), "launchpad.dev/pod-template": pods } });
        expect(input(d, "spec.selector")).toEqual({ matchLabels: { app: "api", color } });
        expect(input(d, "spec.replicas")).toBe(replicas);
        expect(d.options.ignoreChanges).toEqual(["spec.replicas"]);
        // Four waves (maxReplicas >= 4) of the 120 s startup budget plus 180 s: past pulumi-kubernetes' default 10 minutes.
        expect(d.options.customTimeouts).toEqual({ create: "1200s", update: "1200s" });
        expect(input(d, "spec.progressDeadlineSeconds")).toBe(600);
        expect(input(d, "spec.strategy")).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } });
        const pod = input(d, "spec.template.spec") as Record<string, unknown>;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
        // Spread counts the incoming pod's ReplicaSet only (KEP-3243): a rollout's old pods do not skew the new ones.
        expect(pod.topologySpreadConstraints).toEqual([
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: spread, labelSelector: { matchLabels: { app: "api", color } }, matchLabelKeys: ["pod-template-hash"] },
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "api", color } }, matchLabelKeys: ["pod-template-hash"] },
        ]);
        const [c] = pod.containers as Record<string, unknown>[];
        expect(c.image).toBe(`ghcr.io/acme/api:${version}`);
        expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        expect(c.resources).toEqual(resources);
        expect(c.readinessProbe).toEqual({ httpGet: { path: "/health/ready", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
        expect(c.livenessProbe).toEqual({ httpGet: { path: "/health/live", port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
        expect(c.startupProbe).toEqual({ httpGet: { path: "/health/live", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 24 });
        expect(c.securityContext).toEqual(RESTRICTED_CONTAINER(10001));
        // Every emptyDir is listed for the Cluster Autoscaler, so the pod never pins its node (FAQ.md: "all of the pod's local volumes are listed").
        const emptyDirs = (pod.volumes as { name: string; emptyDir?: unknown }[]).filter((v) => v.emptyDir !== undefined).map((v) => v.name);
        expect(emptyDirs).toEqual(["tmp", "db-ca"]);
        expect((input(d, "spec.template.metadata.annotations") as Record<string, string>)["cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"]).toBe(emptyDirs.join(","));
        // An ending pod serves on for the ALB's whole deregistration delay, then has 30 s to stop.
        expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 30 } } });
        expect(pod.terminationGracePeriodSeconds).toBe(60);
        expect(c.env).toEqual([
            { name: "LOG_LEVEL", value: stack === "production" ? "warn" : "info" },
            ...["host", "port", "database", "username", "password", "engine"].map((key) => ({
                name: `DATABASE_${key.toUpperCase()}`,
                valueFrom: { secretKeyRef: { name: "database-app-connection", key } },
            })),
            // Both stacks run MySQL: the client verifies the chain and the host name (MySQL "Command Options for Encrypted Connections").
            { name: "DATABASE_TLS_MODE", value: "VERIFY_IDENTITY" },
            { name: "DATABASE_CA_FILE", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" },
        ]);
        // The bundle at DATABASE_CA_FILE, read-only to the app, fetched before it starts from the commercial partition's address.
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }, { name: "db-ca", mountPath: "/etc/launchpad/database-ca", readOnly: true }]);
        // Named, not auto-named: a changed script keeps the name, so it neither rolls the pods nor re-runs a migration Job.
        const fetchConfigMap = "api-db-ca-fetch";
        expect(pod.volumes).toEqual([
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            { name: "db-ca", emptyDir: { sizeLimit: "1Mi" } },
            { name: "db-ca-fetch", configMap: { name: fetchConfigMap, defaultMode: 0o555 } },
        ]);
        expect(pod.initContainers).toEqual([{
            name: "db-ca",
            image: "public.ecr.aws/aws-cli/aws-cli:2.22.35",
            command: ["bash", "/scripts/ca-fetch.sh"],
            env: [
                { name: "DB_SSL_CA_URL", value: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem" },
                { name: "DB_SSL_CA", value: "/etc/launchpad/database-ca/rds-ca-bundle.pem" },
                { name: "HOME", value: "/tmp" },
            ],
            volumeMounts: [
                { name: "db-ca-fetch", mountPath: "/scripts", readOnly: true },
                { name: "db-ca", mountPath: "/etc/launchpad/database-ca" },
                { name: "tmp", mountPath: "/tmp" },
            ],
            securityContext: RESTRICTED_CONTAINER(10001),
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } },
        }]);
    });

    it("ships the database CA fetch script and the library it sources, as they are in scripts/db/, and nothing else", async () => {
        const data = input(named(await plan(), `${prefix}-db-ca-fetch`), "data") as Record<string, string>;
        expect(Object.keys(data).sort()).toEqual(["ca-fetch.sh", "lib.sh"]);
        for (const file of ["ca-fetch.sh", "lib.sh"]) {
            expect(data[file]).toBe(readFileSync(join(REPO_ROOT, "scripts", "db", file), "utf8"));
        }
    });

    it("bounds each color with a PDB of one unavailable pod and an HPA from the replicas to the ceiling", async () => {
        const p = await plan();
        for (const color of ["blue", "green"]) {
            expect(input(named(p, `${prefix}-${color}-pdb`), "spec")).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { app: "api", color, "launchpad.dev/role": "workload" } } });
            expect(input(named(p, `${prefix}-${color}-hpa`), "spec")).toEqual({
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: `api-${color}` },
                minReplicas: replicas,
                maxReplicas: max,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            });
        }
    });

    it("gives each color a ClusterIP preview Service selecting only that color", async () => {
        const p = await plan();
        for (const color of ["blue", "green"]) {
            expect(input(named(p, `${prefix}-${color}-preview`), "spec")).toEqual({
                type: "ClusterIP",
                selector: { app: "api", color, "launchpad.dev/role": "workload" },
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            });
        }
    });

    // pulumi-kubernetes provider/pkg/await/service.go `checkAndLogStatus`: a Service's create or update ends
    // only when its Endpoints list no not-ready address (`!endpointsPending`, also checked at the timeout),
    // so one applied while its color's pods start waits for every one of them, 10 minutes by default.
    it("applies each preview Service after its color's Deployment, with the Deployment's timeouts (service.go awaits every selected pod's readiness)", async () => {
        const p = await plan();
        const service = (await loadConfigFor(stack)).services[0];
        for (const color of ["blue", "green"]) {
            const preview = named(p, `${prefix}-${color}-preview`);
            expect(preview.dependsOn.map((u) => byUrn(p, u).name)).toEqual([`${prefix}-${color}`]);
            expect(preview.options.customTimeouts).toEqual(deploymentTimeouts(service));
            expect(preview.options.customTimeouts).toEqual(named(p, `${prefix}-${color}`).options.customTimeouts);
        }
    });

    // kubernetes pkg/controller/disruption/disruption.go: a budget whose selector reaches a Job's pod
    // fails to sync ("jobs.batch does not implement the scale subresource", getScaleController) and
    // failSafe sets DisruptionsAllowed to 0, blocking every node drain; the gate and migration Jobs'
    // pods carry the app and color labels, so the selectors name the workload role too.
    it("selects with its PDBs and Services the Deployments' pods only, never a gate or migration Job's (a budget over a Job's pod blocks every drain)", async () => {
        const p = await plan();
        const matches = (selector: Record<string, unknown>, labels: Record<string, unknown>): boolean =>
            Object.entries(selector).every(([k, v]) => labels[k] === v);
        const selectors = p.resources.flatMap((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget"
            ? [{ name: r.name, selector: input(r, "spec.selector.matchLabels") as Record<string, unknown> }]
            : r.type === "kubernetes:core/v1:Service" ? [{ name: r.name, selector: input(r, "spec.selector") as Record<string, unknown> }] : []);
        const pods = p.resources.flatMap((r) => r.type === "kubernetes:batch/v1:Job" || r.type === "kubernetes:apps/v1:Deployment"
            ? [{ name: r.name, kind: r.type, labels: input(r, "spec.template.metadata.labels") as Record<string, unknown> }] : []);
        expect(pods.filter((j) => j.kind === "kubernetes:batch/v1:Job").length).toBeGreaterThanOrEqual(2);
        for (const { name, selector } of selectors.filter((x) => x.selector !== undefined && x.name.startsWith(prefix))) {
            const selected = pods.filter((pod) => matches(selector, pod.labels));
            expect({ name, kinds: [...new Set(selected.map((x) => x.kind))] }).toEqual({ name, kinds: ["kubernetes:apps/v1:Deployment"] });
        }
    });

    it("selects the active color in the live Service, which waits for that color's Deployment and gate Job, with bounded timeouts", async () => {
        const p = await plan();
        const live = named(p, `${prefix}-live`);
        expect(input(live, "spec")).toEqual({ type: "ClusterIP", selector: { app: "api", color: active, "launchpad.dev/role": "workload" }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] });
        expect(input(live, "metadata.name")).toBe("api");
        expect(live.dependsOn.map((u) => byUrn(p, u).name)).toEqual([`${prefix}-${active}`, `${prefix}-${active}-gate`]);
        expect(live.options.customTimeouts).toEqual({ create: "5m", update: "3m" });
    });

    it("routes its alb Ingress to a weighted action over both colors' preview Services: the live color 100, the idle one 0, after the same gate as the live Service", async () => {
        const p = await plan();
        const ingress = named(p, `${prefix}-ingress`);
        expect(input(ingress, "spec.rules")).toEqual([{
            host: stack === "production" ? "api.example.com" : "api.staging.example.com",
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api-colors", port: { name: "use-annotation" } } } }] },
        }]);
        const idle = active === "blue" ? "green" : "blue";
        const weights = { [active]: 100, [idle]: 0 };
        expect(input(ingress, "metadata.annotations")).toMatchObject({
            "alb.ingress.kubernetes.io/actions.api-colors":
                `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"api-blue","servicePort":"http","weight":${weights.blue}},{"serviceName":"api-green","servicePort":"http","weight":${weights.green}}]}}`,
        });
        // Both preview Services exist first (the controller fails an action naming a missing one); traffic moves after the active color's gate.
        expect(ingress.dependsOn.map((u) => byUrn(p, u).name)).toEqual([`launchpad-${stack}-platform-lbc`, `${prefix}-${active}`, `${prefix}-${active}-gate`, `${prefix}-blue-preview`, `${prefix}-green-preview`]);
    });

    it.each(["blue", "green"])("runs the %s gate Job against that color's preview Service, named by its pods (release included) and the smoke policy, failing fast", async (color) => {
        const p = await plan();
        const config = await loadConfigFor(stack);
        const service = config.services[0];
        const job = named(p, `${prefix}-${color}-gate`);
        const id = releaseId(service, color as "blue" | "green");
        const ctx: PodTemplateContext = { project: "launchpad", zoneSpread: zoneSpreadOf(named(p, `${prefix}-${color}`)), database: config.database };
        const pods = gateRunId(service, color as "blue" | "green", ctx);
        const deadline = gateDeadlineSeconds(service.smoke);
        // 180 s for the pod to start (a new node included), 60 s for the target to accept a connection
        // (smoke/reach.ts CONNECT_WAIT_DEFAULT_SECONDS), the requests, staging's load profile and its last
        // request's timeout, 5 s for the push.
        expect(deadline).toBe(stack === "staging" ? 391 : 369);
        // The name: the pods and the policy (gateJobId); the annotation: the pods alone, which rollback compares with the Deployment's.
        expect(input(job, "metadata.name")).toBe(`api-${color}-gate-${gateJobId(service, color as "blue" | "green", ctx)}`);
        expect(input(job, "metadata.annotations")).toEqual({
            "pulumi.com/replaceUnready": "true",
            "launchpad.dev/release-id": id,
            "launchpad.dev/image": service.releases[color as "blue" | "green"].image,
            "launchpad.dev/pod-template": pods,
        });
        expect(input(job, "spec.backoffLimit")).toBe(0);
        // A pod the cluster took away (drain, node group update, preemption) is run again, not counted as a failed gate.
        expect(input(job, "spec.podFailurePolicy")).toEqual({ rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });
        // Twice the run on the Job, the run on its pod: an evicted pod's replacement gets a whole run (lib/workload.ts retriedRunDeadlines).
        expect(input(job, "spec.activeDeadlineSeconds")).toBe(2 * deadline);
        expect(input(job, "spec.template.spec.activeDeadlineSeconds")).toBe(deadline);
        // The Cluster Autoscaler never removes the node under a running gate (its FAQ: safe-to-evict "false").
        // And the database connection its color's pods were rolled onto: a new one (a restore, a rotated
        // password) replaces the Job (a Job's .spec.template is force-new: pulumi-kubernetes provider/pkg/provider/diff.go `job`).
        const connection = (input(named(p, `${prefix}-${color}`), "spec.template.metadata.annotations") as Record<string, string>)["launchpad.dev/database-connection"];
        expect(connection).toMatch(/^[0-9a-f]{10}$/);
        expect(input(job, "spec.template.metadata.annotations")).toEqual({
            "launchpad.dev/release-id": id,
            "launchpad.dev/image": service.releases[color as "blue" | "green"].image,
            "launchpad.dev/database-connection": connection,
            "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
        });
        expect(job.options.customTimeouts).toEqual({ create: `${2 * deadline + 120}s`, update: `${2 * deadline + 120}s` });
        expect(job.dependsOn.map((u) => byUrn(p, u).name)).toEqual([`${prefix}-${color}`, `${prefix}-${color}-preview`, `${prefix}-smoke`]);
        const pod = input(job, "spec.template.spec") as { containers: Record<string, unknown>[]; restartPolicy: string; volumes: unknown };
        expect(pod.restartPolicy).toBe("Never");
        expect(pod.containers[0].image).toBe(SMOKE_RUNNER_IMAGE);
        expect(pod.containers[0].command).toEqual(["node", "/smoke/runner.cjs", "--policy", "/smoke/policy.json", "--target", `http://api-${color}.launchpad-${stack}.svc.cluster.local:80`]);
        expect(pod.containers[0].securityContext).toEqual(RESTRICTED_CONTAINER(1000));
        expect(pod.volumes).toEqual([{ name: "smoke", configMap: { name: "api-smoke" } }]);
    });

    it("ships the service's smoke policy with the tier's thresholds in the smoke ConfigMap", async () => {
        const data = input(named(await plan(), `${prefix}-smoke`), "data") as Record<string, string>;
        const policy = JSON.parse(data["policy.json"]) as unknown;
        expect(policy).toEqual(stack === "staging"
            ? {
                checks: [{ path: "/health/ready", method: "GET", expectStatus: 200 }, { path: "/api/v1/status", method: "GET", expectStatus: 200, bodyContains: '"status":"ok"', maxLatencyMs: 250 }],
                requests: 200, concurrency: 10, timeoutMs: 2000, warmupRequests: 10,
                thresholds: { p95Ms: 300, p99Ms: 1000, errorRate: 0.02 },
                load: { users: 100, durationSeconds: 60 },
            }
            : {
                checks: [{ path: "/health/ready", method: "GET", expectStatus: 200 }, { path: "/api/v1/status", method: "GET", expectStatus: 200, bodyContains: '"status":"ok"', maxLatencyMs: 200 }],
                requests: 300, concurrency: 10, timeoutMs: 2000, warmupRequests: 10,
                thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.01 },
            });
    });

    it("ships the bundled runner the gate Job runs, and a policy the runner accepts", async () => {
        const data = input(named(await plan(), `${prefix}-smoke`), "data") as Record<string, string>;
        expect(Object.keys(data).sort()).toEqual(["policy.json", RUNNER_FILE]);
        expect(data[RUNNER_FILE]).toBe(bundleRunner());
        expect(validatePolicy(JSON.parse(data["policy.json"]))).toEqual({ ok: true, policy: JSON.parse(data["policy.json"]) as unknown });
    });

    it("keys the spread on pod-template-hash, a label its selector does not name, which the Kubernetes schema checks (KEP-3243; core/v1 TopologySpreadConstraint: \"The same key is forbidden to exist in both MatchLabelKeys and LabelSelector\")", async () => {
        const d = named(await plan(), `${prefix}-blue`);
        const constraints = input(d, "spec.template.spec.topologySpreadConstraints") as { labelSelector: { matchLabels: Record<string, string> }; matchLabelKeys: string[] }[];
        for (const c of constraints) {
            expect(c.matchLabelKeys).toEqual([...SPREAD_MATCH_LABEL_KEYS]);
            expect(c.matchLabelKeys.filter((k) => k in c.labelSelector.matchLabels)).toEqual([]);
        }
        // The schema knows the field: a string where a list belongs is refused.
        const broken = JSON.parse(JSON.stringify(d.inputs)) as typeof d.inputs;
        (broken as { spec: { template: { spec: { topologySpreadConstraints: { matchLabelKeys: string }[] } } } }).spec.template.spec.topologySpreadConstraints[0].matchLabelKeys = "pod-template-hash";
        expect(() => validateKubernetesObject({ ...d, inputs: broken })).toThrow(/matchLabelKeys/);
    });

    it("plans only Kubernetes objects that are valid against the Kubernetes schema", async () => {
        const k8sObjects = (await plan()).resources.filter((r) => DELIVERY_TYPES.includes(r.type));
        expect(k8sObjects.length).toBeGreaterThanOrEqual(13);
        const invalid = k8sObjects.flatMap((r) => {
            try {
                validateKubernetesObject(r);
                return [];
            } catch (e) {
                return [`${r.name}: ${(e as Error).message}`];
            }
        });
        expect(invalid).toEqual([]);
    });
});

/** Paths (dotted) where two JSON values differ. */
function diffPaths(a: unknown, b: unknown, at = ""): string[] {
    if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].flatMap((k) => diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at === "" ? k : `${at}.${k}`));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

/** Every resource whose inputs or options differ between two plans, with the differing paths. */
function planDiff(a: Plan, b: Plan): Record<string, string[]> {
    const index = (p: Plan) => new Map(p.resources.map((r): [string, PlannedResource] => [r.urn, r]));
    const ia = index(a);
    const ib = index(b);
    const out: Record<string, string[]> = {};
    for (const urn of new Set([...ia.keys(), ...ib.keys()])) {
        const ra = ia.get(urn);
        const rb = ib.get(urn);
        const paths = ra === undefined || rb === undefined ? ["(added or removed)"] : [...diffPaths(ra.inputs, rb.inputs), ...diffPaths(ra.options, rb.options).map((p) => `options.${p}`), ...(ra.protect === rb.protect ? [] : ["protect"])];
        if (paths.length > 0) {
            out[(ra ?? rb)?.name ?? urn] = paths;
        }
    }
    return out;
}

describe("a smoke policy change re-runs both gates and nothing else (the release id leaves the policy out; the gate Job's name carries it, gateJobId)", () => {
    // Production, green migrating 3 -> 4 while blue serves: a migration Job and a restore point are planned.
    const R = "launchpad:services.api.releases";
    const MIGRATING = [`${R}.blue.schema={version: 3, supports: [3, 4]}`, `${R}.green.image=ghcr.io/acme/api:1.5.0`, `${R}.green.migrate={command: ["./migrate", "up"]}`, `${R}.green.schema={version: 4, supports: [4, 5]}`];
    const prefix = "launchpad-production-api";

    it("a tighter p95 threshold: same Deployment pod templates, migration Job and restore point; new gate Job names for both colors; only the policy's ConfigMap else", async () => {
        const before = await planStack("production", MIGRATING);
        const after = await planStack("production", [...MIGRATING, "launchpad:services.api.smoke.thresholds.p95Ms=150"]);
        // The premise: the policy really changed, and the plan has a migration and a restore point to keep.
        expect((JSON.parse((input(named(after, `${prefix}-smoke`), "data") as Record<string, string>)["policy.json"]) as { thresholds: { p95Ms: number } }).thresholds.p95Ms).toBe(150);
        expect(named(after, `${prefix}-green-restore-point`).type).toBe("aws:rds/snapshot:Snapshot");
        const diff = planDiff(before, after);
        expect(diff).toEqual({
            [`${prefix}-smoke`]: ["data.policy.json"],
            [`${prefix}-blue-gate`]: ["metadata.name"],
            [`${prefix}-green-gate`]: ["metadata.name"],
        });
        const [was, now] = [(await loadConfigFor("production", MIGRATING)).services[0], (await loadConfigFor("production", [...MIGRATING, "launchpad:services.api.smoke.thresholds.p95Ms=150"])).services[0]];
        for (const color of ["blue", "green"] as const) {
            const d = named(after, `${prefix}-${color}`);
            const ctx: PodTemplateContext = { project: "launchpad", zoneSpread: zoneSpreadOf(d), database: (await loadConfigFor("production")).database };
            expect(releaseId(now, color)).toBe(releaseId(was, color));
            expect(gateRunId(now, color, ctx)).toBe(gateRunId(was, color, ctx));
            expect(input(named(after, `${prefix}-${color}-gate`), "metadata.name")).toBe(gateJobName(now, color, ctx));
            expect(gateJobName(now, color, ctx)).not.toBe(gateJobName(was, color, ctx));
            // The Job still records the pods it judges, which rollback compares with the Deployment's.
            expect((input(named(after, `${prefix}-${color}-gate`), "metadata.annotations") as Record<string, string>)[ANNOTATIONS.podTemplate]).toBe(gateRunId(now, color, ctx));
        }
        expect(input(named(after, `${prefix}-green-migrate`), "metadata.name")).toBe(`api-green-migrate-${releaseId(was, "green")}`);
    });
});

describe("topology spread per ReplicaSet (KEP-3243, matchLabelKeys)", () => {
    it("is on by default wherever Launchpad runs: beta and on since Kubernetes 1.27 (kubernetes/website feature-gates/MatchLabelKeysInPodTopologySpread.md), older than every EKS version lib/versions.ts lists", () => {
        const minors = EKS_VERSIONS.map((v) => Number(v.version.split(".")[1]));
        expect(minors.length).toBeGreaterThan(0);
        expect(minors.filter((m) => m < 27)).toEqual([]);
    });
});

describe("a color switch (rollback) changes exactly the live Service's selector and the alb Ingress's weights", () => {
    it.each(["staging", "production"])("%s: blue vs green differs only in spec.selector.color of the live Service and the Ingress's weighted action", async (stack) => {
        const blue = await planStack(stack, ["launchpad:activeColor=blue"]);
        const green = await planStack(stack, ["launchpad:activeColor=green"]);
        expect(planDiff(blue, green)).toEqual({
            [`launchpad-${stack}-api-live`]: ["spec.selector.color"],
            [`launchpad-${stack}-api-ingress`]: ["metadata.annotations.alb.ingress.kubernetes.io/actions.api-colors"],
        });
        const action = (p: Plan) => JSON.parse((input(named(p, `launchpad-${stack}-api-ingress`), "metadata.annotations") as Record<string, string>)["alb.ingress.kubernetes.io/actions.api-colors"]) as unknown;
        expect(action(blue)).toEqual({ type: "forward", forwardConfig: { targetGroups: [{ serviceName: "api-blue", servicePort: "http", weight: 100 }, { serviceName: "api-green", servicePort: "http", weight: 0 }] } });
        expect(action(green)).toEqual({ type: "forward", forwardConfig: { targetGroups: [{ serviceName: "api-blue", servicePort: "http", weight: 0 }, { serviceName: "api-green", servicePort: "http", weight: 100 }] } });
    });

    it("a new image for the idle color changes that color's Deployment and gate Job only, not the live Service", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:services.api.releases.blue.image=ghcr.io/acme/api:1.5.1"]);
        const diff = planDiff(before, after);
        expect(Object.keys(diff).sort()).toEqual(["launchpad-staging-api-blue", "launchpad-staging-api-blue-gate"]);
        expect(diff["launchpad-staging-api-blue-gate"]).toContain("metadata.name");
    });
});

describe("pods that roll without a new release get a new gate run (gateRunId: the gate Job's name hashes the pod template, not only the release id)", () => {
    const gate = (p: Plan, color: string) => named(p, `launchpad-staging-api-${color}-gate`);
    it.each([
        ["resources", "launchpad:services.api.resources.requests.cpu=300m"],
        ["a probe's budget", "launchpad:services.api.health.startupSeconds=200"],
        ["the metrics path", "launchpad:services.api.metricsPath=/internal/metrics"],
    ])("%s: both colors' Deployments roll and both gate Jobs get new names (so a gate runs on the new pods before a switch), with the same release ids", async (_what, set) => {
        const before = await planStack("staging");
        const after = await planStack("staging", [set]);
        const diff = planDiff(before, after);
        for (const color of ["blue", "green"]) {
            expect(diff[`launchpad-staging-api-${color}`].some((path) => path.startsWith("spec.template."))).toBe(true);
            expect(diff[`launchpad-staging-api-${color}-gate`]).toContain("metadata.name");
            // The release id, which the release history and the migrations key on, stays; the pod template's digest does not.
            const annotations = (p: Plan) => input(gate(p, color), "metadata.annotations") as Record<string, string>;
            expect(annotations(after)[ANNOTATIONS.releaseId]).toBe(annotations(before)[ANNOTATIONS.releaseId]);
            expect(annotations(after)[ANNOTATIONS.podTemplate]).not.toBe(annotations(before)[ANNOTATIONS.podTemplate]);
            const ctx: PodTemplateContext = { project: "launchpad", zoneSpread: zoneSpreadOf(named(after, `launchpad-staging-api-${color}`)), database: (await loadConfigFor("staging", [set])).database };
            const s = (await loadConfigFor("staging", [set])).services[0];
            expect(gateRunId(s, color as "blue" | "green", ctx)).toBe(annotations(after)[ANNOTATIONS.podTemplate]);
            expect(input(gate(after, color), "metadata.name")).toBe(gateJobName(s, color as "blue" | "green", ctx));
            expect((input(named(after, `launchpad-staging-api-${color}`), "metadata.annotations") as Record<string, string>)[ANNOTATIONS.podTemplate]).toBe(annotations(after)[ANNOTATIONS.podTemplate]);
        }
        // Traffic stays: the live Service is not touched.
        expect(diff["launchpad-staging-api-live"]).toBeUndefined();
    });

    it("a change that does not touch the pods (the load scenario) renames no smoke gate Job and rolls no pod", async () => {
        const before = await planStack("staging");
        const after = await planStack("staging", ["launchpad:services.api.performance.scenarios.load.thinkTimeMs=500"]);
        const diff = planDiff(before, after);
        expect(Object.keys(diff).filter((n) => /-api-(blue|green)(-gate)?$/.test(n))).toEqual([]);
    });

    it("gateRunId follows every part of the pod template, never the active color or the smoke policy; gateJobId follows both the pods and the policy", async () => {
        const s = (await loadConfigFor("staging")).services[0];
        const ctx: PodTemplateContext = { project: "launchpad", zoneSpread: "DoNotSchedule" };
        const id = (x: ServiceConfig, c = ctx) => gateRunId(x, "blue", c);
        expect(id(s)).toMatch(/^[0-9a-f]{10}$/);
        expect(id({ ...s, activeColor: s.activeColor === "blue" ? "green" : "blue" })).toBe(id(s));
        expect(gateRunId(s, "green", ctx)).not.toBe(id(s));
        const changed: ServiceConfig[] = [
            { ...s, releases: { ...s.releases, blue: { ...s.releases.blue, image: "ghcr.io/acme/api:9" } } },
            { ...s, port: s.port + 1 },
            { ...s, health: { ...s.health, readinessPath: "/other-ready" } },
            { ...s, resources: { ...s.resources, limits: { ...s.resources.limits, memory: "1Gi" } } },
            { ...s, connectDatabase: !s.connectDatabase },
        ];
        expect(new Set([id(s), ...changed.map((x) => id(x))]).size).toBe(changed.length + 1);
        expect(id(s, { ...ctx, zoneSpread: "ScheduleAnyway" })).not.toBe(id(s));
        // The smoke policy is the gate's, not the pods': the run id stays, the Job's id (its name) changes.
        const stricter: ServiceConfig = { ...s, smoke: { ...s.smoke, requests: 1 } };
        expect(id(stricter)).toBe(id(s));
        expect(gateJobId(stricter, "blue", ctx)).not.toBe(gateJobId(s, "blue", ctx));
        expect(new Set([gateJobId(s, "blue", ctx), ...changed.map((x) => gateJobId(x, "blue", ctx))]).size).toBe(changed.length + 1);
        expect(gateJobId({ ...s, activeColor: s.activeColor === "blue" ? "green" : "blue" }, "blue", ctx)).toBe(gateJobId(s, "blue", ctx));
    });
});

describe("autoscaler minimums with idleReplicas below replicas: the old color stays warm through a switch (Argo's scaleDownDelaySeconds)", () => {
    const api = { activeColor: "blue", replicas: 4, idleReplicas: 1 } as ServiceConfig;
    it.each([
        ["the active color", "blue", "blue", 4],
        ["the idle color, live on neither side of the update", "green", "blue", 1],
        ["the color live when the update started, switched away from in it", "green", "green", 4],
        ["the idle color of a first update (no history)", "green", undefined, 1],
    ] as const)("%s: %s with previous live %s -> %i", (_, color, previous, min) => {
        expect(hpaMinReplicas(api, color, previous)).toBe(min);
    });

    const sets = ["launchpad:services.api.replicas=3", "launchpad:services.api.idleReplicas=1"];
    const mins = (p: Plan) => ["blue", "green"].map((c) => (input(named(p, `launchpad-staging-api-${c}-hpa`), "spec") as { minReplicas: number }).minReplicas);

    it("through the program: the switch raises the new live color's minimum and keeps the old one's; the next update that does not switch lowers it", async () => {
        // Staging's api is live on green; its last update recorded that in the release history.
        const deployed = await planStack("staging", sets);
        expect(mins(deployed)).toEqual([1, 3]);
        const switched = await planStack("staging", [...sets, "launchpad:activeColor=blue"], { previousOutputs: deployed.outputs });
        expect(mins(switched)).toEqual([3, 3]);
        const next = await planStack("staging", [...sets, "launchpad:activeColor=blue"], { previousOutputs: switched.outputs });
        expect(mins(next)).toEqual([3, 1]);
    });
});

describe("an Ingress of another class", () => {
    it("keeps the live Service as its backend and gets no ALB annotations: use-annotation actions are the ALB controller's alone", async () => {
        const s = (await loadConfigFor("staging")).services[0];
        const nginx = { ...s, expose: { ...s.expose, ingress: { ...(s.expose.ingress as NonNullable<typeof s.expose.ingress>), className: "nginx" } } };
        expect((ingressSpec(nginx, "api")?.rules as unknown[])[0]).toEqual({ host: "api.staging.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "api", port: { name: "http" } } } }] } });
        expect(ingressAnnotations(nginx, "green")).toBeUndefined();
    });
});

describe("docs/delivery.md's weighted action", () => {
    it("is the staging plan's alb Ingress annotation, green live", async () => {
        const doc = readFileSync(join(REPO_ROOT, "docs", "delivery.md"), "utf8");
        const sample = /```json\n(\{"type":"forward".*\})\n```/.exec(doc)?.[1];
        const planned = (input(named(await planStack("staging"), "launchpad-staging-api-ingress"), "metadata.annotations") as Record<string, string>)["alb.ingress.kubernetes.io/actions.api-colors"];
        expect(sample).toBe(planned);
    });
});

describe("an ending pod behind the ALB (EKS best practices, networking/loadbalancing.adoc: a PreStop sleep, a grace period that covers it)", () => {
    it("sleeps before SIGTERM at least as long as the planned Ingress's deregistration delay, and its grace period outlasts the sleep", async () => {
        const p = await planStack("staging");
        const attrs = (input(named(p, "launchpad-staging-api-ingress"), "metadata.annotations") as Record<string, string>)["alb.ingress.kubernetes.io/target-group-attributes"];
        const delay = Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(attrs)?.[1]);
        expect(delay).toBe(30);
        for (const color of ["blue", "green"]) {
            const pod = input(named(p, `launchpad-staging-api-${color}`), "spec.template.spec") as { terminationGracePeriodSeconds: number; containers: { lifecycle: { preStop: { sleep: { seconds: number } } } }[] };
            const sleep = pod.containers[0].lifecycle.preStop.sleep.seconds;
            expect(sleep).toBeGreaterThanOrEqual(delay);
            expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep);
        }
    });
});

describe("disruption budgets and node drains (EKS managed-node-update-behavior.adoc: a drain that cannot evict fails the node group update after 15 minutes)", () => {
    it.each(["staging", "production"])("every PodDisruptionBudget in the %s plan lets a drain evict pods that are not Ready (kubernetes/website safely-drain-node.md recommends AlwaysAllow)", async (stack) => {
        const pdbs = (await planStack(stack)).resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
        expect(pdbs.length).toBeGreaterThanOrEqual(2);
        expect(pdbs.map((r) => [r.name, input(r, "spec.unhealthyPodEvictionPolicy")])).toEqual(pdbs.map((r) => [r.name, "AlwaysAllow"]));
    });
});

describe("run-once pods and the Cluster Autoscaler (kubernetes/autoscaler cluster-autoscaler FAQ.md: safe-to-evict \"false\" keeps a pod's node)", () => {
    it.each(["staging", "production"])("in the %s plan every Job's pod (smoke gate, load gate) keeps its node while it runs", async (stack) => {
        const jobs = (await planStack(stack)).resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
        expect(jobs.length).toBeGreaterThanOrEqual(2);
        for (const job of jobs) {
            expect([job.name, (input(job, "spec.template.metadata.annotations") as Record<string, string>)["cluster-autoscaler.kubernetes.io/safe-to-evict"]]).toEqual([job.name, "false"]);
        }
    });
});

describe("a color's rollout budget (pulumi-kubernetes waits 10 minutes for a Deployment unless told otherwise: provider/pkg/await/deployment.go DefaultDeploymentTimeoutMins)", () => {
    it("counts the rollout's waves as the Deployment controller makes them: maxSurge 25% rounded up, maxUnavailable 0, never more than 4", () => {
        expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 100, 500].map(rolloutWaves)).toEqual([1, 2, 3, 4, 3, 3, 4, 4, 3, 4, 4, 4, 4]);
        for (let r = 1; r <= 500; r++) expect(rolloutWaves(r)).toBeLessThanOrEqual(4);
    });

    it.each([
        { startupSeconds: 120, maxReplicas: 1, timeout: "600s", progress: 600 },
        { startupSeconds: 120, maxReplicas: 3, timeout: "900s", progress: 600 },
        { startupSeconds: 120, maxReplicas: 12, timeout: "1200s", progress: 600 },
        { startupSeconds: 600, maxReplicas: 12, timeout: "3120s", progress: 780 },
        { startupSeconds: 600, maxReplicas: 2, timeout: "1560s", progress: 780 },
    ])("startupSeconds $startupSeconds, maxReplicas $maxReplicas: Pulumi waits $timeout, the progress deadline is $progress s", async ({ startupSeconds, maxReplicas, timeout, progress }) => {
        const base = (await loadConfigFor("production")).services[0];
        const s: ServiceConfig = { ...base, maxReplicas, health: { ...base.health, startupSeconds } };
        expect(deploymentTimeouts(s)).toEqual({ create: timeout, update: timeout });
        expect(progressDeadlineSeconds(s)).toBe(progress);
        expect(deploymentSpec({ service: s, color: "blue", project: "p", zoneSpread: "DoNotSchedule", database: { secretName: "db", adminSecretName: "db-admin", connectionDigest: "0a1b2c3d4e", engine: "postgres", caBundleUrl: undefined, caFetchConfigMap: "db-ca" } }).progressDeadlineSeconds).toBe(progress);
        // One wave always fits: the startup probe's whole budget plus the pod overhead.
        expect(progress).toBeGreaterThanOrEqual(startupSeconds + ROLLOUT_POD_OVERHEAD_SECONDS);
    });
});

describe("release ids", () => {
    it("hash color, image and env, and never the active color or the smoke policy (the gate's: gateJobId)", async () => {
        const config = await loadConfigFor("staging");
        const s = config.services[0];
        const flipped = { ...s, activeColor: s.activeColor === "blue" ? "green" : "blue" } as const;
        expect(releaseId(flipped, "blue")).toBe(releaseId(s, "blue"));
        expect(releaseId(s, "blue")).not.toBe(releaseId(s, "green"));
        expect(releaseId({ ...s, releases: { ...s.releases, blue: { ...s.releases.blue, image: "ghcr.io/acme/api:9" } } }, "blue")).not.toBe(releaseId(s, "blue"));
        expect(releaseId({ ...s, releases: { ...s.releases, blue: { ...s.releases.blue, env: { X: "1" } } } }, "blue")).not.toBe(releaseId(s, "blue"));
        expect(releaseId({ ...s, smoke: { ...s.smoke, requests: 1 } }, "blue")).toBe(releaseId(s, "blue"));
        expect(releaseId(s, "blue")).toMatch(/^[0-9a-f]{10}$/);
    });
});

describe("BlueGreenService args", () => {
    it("fails as a ResourceError of the component when the service connects to the database and no Secret is given", async () => {
        const config = await loadConfigFor("staging");
        const service = { ...config.services[0], connectDatabase: true };
        const program = () => {
            new BlueGreenService("svc", { service } as unknown as ConstructorParameters<typeof BlueGreenService>[1]);
            return {};
        };
        await expect(planProgram(program, "staging")).rejects.toThrow(`BlueGreenService svc: service ${service.name} connects to the database, but no database was given`);
    });
});

describe("verifiedReleaseInfo", () => {
    it("lists each color whose smoke gate passed, as its Job names the release, marked load-verified only when its load gate Job completed too", async () => {
        const api = (await loadConfigFor("staging")).services[0];
        const release = (color: "blue" | "green") => ({ color, image: api.releases[color].image, releaseId: releaseId(api, color) });
        const ran = (color: "blue" | "green") => ({ releaseId: releaseId(api, color), image: api.releases[color].image });
        expect(verifiedReleaseInfo([{ color: "blue", release: ran("blue"), smoked: true, loaded: false }, { color: "green", release: ran("green"), smoked: true, loaded: true }])).toEqual([
            release("blue"),
            { ...release("green"), load: "pass" },
        ]);
        // A load gate that completed for a color whose smoke gate did not pass verifies nothing.
        expect(verifiedReleaseInfo([{ color: "blue", release: ran("blue"), smoked: false, loaded: true }, { color: "green", release: ran("green"), smoked: false, loaded: false }])).toEqual([]);
        // The release is the one the Job ran (its annotations in the state), not the one config now gives the color.
        expect(verifiedReleaseInfo([{ color: "blue", release: { releaseId: "0ld0ld0ld0", image: "ghcr.io/acme/api:1.3.0" }, smoked: true, loaded: false }])).toEqual([
            { color: "blue", image: "ghcr.io/acme/api:1.3.0", releaseId: "0ld0ld0ld0" },
        ]);
        // A Job that names no release vouches for none.
        expect(verifiedReleaseInfo([{ color: "blue", release: undefined, smoked: true, loaded: true }])).toEqual([]);
    });
});

describe("builder failures", () => {
    it("are ResourceErrors against the component that called the builder", async () => {
        const api = (await loadConfigFor("staging")).services[0];
        const owner = { name: "the component" } as unknown as pulumi.Resource;
        const caught = (f: () => unknown): unknown => {
            try {
                f();
            } catch (e) {
                return e;
            }
            throw new Error("expected a failure");
        };
        const e = caught(() => deploymentSpec({ service: { ...api, connectDatabase: true }, color: "blue", project: "launchpad", zoneSpread: "ScheduleAnyway", owner }));
        expect(e).toBeInstanceOf(pulumi.ResourceError);
        expect([(e as pulumi.ResourceError).message, (e as pulumi.ResourceError).resource]).toEqual([`service ${api.name} connects to the database, but no database Secret was given`, owner]);
    });
});
