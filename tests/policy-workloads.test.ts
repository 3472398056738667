import { describe, expect, it } from "vitest";
import { containerNonRoot, containerProbes, containerResources, imagesPinned, parseImage, pdbDrainable, podHostPath, podSeccomp, podVolumeTypes, repositoryOf, WORKLOAD_POLICIES } from "../policies/workloads";
import { resource, violations, withInput } from "./support/policy";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A Deployment as the delivery component builds one: every workload policy passes. */
const DEPLOYMENT = resource("kubernetes:apps/v1:Deployment", "web-blue", {
    metadata: { name: "web-blue" },
    spec: {
        template: {
            spec: {
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{
                    name: "app",
                    image: "registry.example.com/web:1.4.2",
                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "256Mi" } },
                    readinessProbe: { httpGet: { path: "/health/ready", port: 8080 } },
                    livenessProbe: { httpGet: { path: "/health/live", port: 8080 } },
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                }],
            },
        },
    },
});
const C = "spec.template.spec.containers";
const container = (change: Record<string, unknown>) => withInput(DEPLOYMENT, C, [{ ...(DEPLOYMENT.inputs as { spec: { template: { spec: { containers: object[] } } } }).spec.template.spec.containers[0], ...change }]);

/** A CronJob (a pod template deeper down, no probes needed). */
const CRONJOB = resource("kubernetes:batch/v1:CronJob", "dump", {
    spec: {
        jobTemplate: {
            spec: {
                template: {
                    spec: {
                        securityContext: { runAsNonRoot: true },
                        initContainers: [{ name: "dump", image: `mysql:8.0.40@${DIGEST}`, resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } }, securityContext: { allowPrivilegeEscalation: false } }],
                        containers: [{ name: "upload", image: "public.ecr.aws/aws-cli/aws-cli:2.22.35", resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } }, securityContext: { allowPrivilegeEscalation: false } }],
                    },
                },
            },
        },
    },
});

describe("workloads", () => {
    it("passes a compliant Deployment and CronJob on every workload policy", async () => {
        for (const p of [containerResources, containerProbes, containerNonRoot, imagesPinned]) {
            expect(await violations(p, DEPLOYMENT)).toEqual([]);
            expect(await violations(p, CRONJOB)).toEqual([]);
        }
    });

    it("does not apply to resources that run no pods", async () => {
        expect(await violations(containerResources, resource("kubernetes:core/v1:ConfigMap", "cm", { data: {} }))).toEqual([]);
    });

    it("container-resources: no CPU request and no memory limit", async () => {
        expect(await violations(containerResources, container({ resources: { requests: { memory: "256Mi" } } }))).toEqual([
            "Deployment web-blue container app has no requests for cpu and no limits for memory: set resources.requests and resources.limits.",
        ]);
    });

    // kubernetes/website pod-security-standards.md, Baseline "HostPath Volumes": spec.volumes[*].hostPath must be undefined/nil.
    it.each<[string, ReturnType<typeof resource>, string[]]>([
        ["a Deployment with emptyDir, Secret and projected volumes", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "tmp", emptyDir: {} }, { name: "s", secret: { secretName: "x" } }, { name: "p", projected: { sources: [] } }]), []],
        ["a Deployment whose volume says hostPath: null", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "tmp", hostPath: null, emptyDir: {} }]), []],
        ["a Deployment mounting the node's root", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "root", hostPath: { path: "/" } }]),
            ["Deployment web-blue mounts the node's filesystem: remove the hostPath volume root (Pod Security Standards, Baseline)."]],
        ["a CronJob's pod, deeper down", withInput(CRONJOB, "spec.jobTemplate.spec.template.spec.volumes", [{ name: "logs", hostPath: { path: "/var/log" } }, { name: "tmp", emptyDir: {} }]),
            ["CronJob dump mounts the node's filesystem: remove the hostPath volume logs (Pod Security Standards, Baseline)."]],
        ["a bare Pod", resource("kubernetes:core/v1:Pod", "debug", { metadata: { name: "debug" }, spec: { containers: [], volumes: [{ name: "a", hostPath: { path: "/etc" } }, { hostPath: { path: "/var" } }] } }),
            ["Pod debug mounts the node's filesystem: remove the hostPath volumes a and ? (Pod Security Standards, Baseline)."]],
    ])("pod-host-path: %s", async (_what, r, expected) => {
        expect(await violations(podHostPath, r)).toEqual(expected);
    });

    // Pod Security Standards, Restricted (kubernetes/website content/en/docs/concepts/security/
    // pod-security-standards.md): "Seccomp profile must be explicitly set to one of the allowed
    // values. Both the Unconfined profile and the absence of a profile are prohibited"; volumes only
    // configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret; and image,
    // which the admission plugin admits since 1.33 (policy/check_restrictedVolumes.go, v0.36.2).
    it("the fixture Deployment passes every workload policy", async () => {
        for (const p of WORKLOAD_POLICIES) expect([p.name, await violations(p, DEPLOYMENT)]).toEqual([p.name, []]);
    });

    it.each([
        ["the pod's profile, no container's", DEPLOYMENT, []],
        ["each container's own profile, none on the pod", withInput(container({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p.json" } } }), "spec.template.spec.securityContext", { runAsNonRoot: true }), []],
        ["no profile anywhere", withInput(DEPLOYMENT, "spec.template.spec.securityContext", { runAsNonRoot: true }),
            ["Deployment web-blue container app has no seccomp profile (neither its own nor the pod's): set securityContext.seccompProfile.type RuntimeDefault or Localhost (Pod Security Standards, Restricted)."]],
        ["a container's Unconfined under the pod's RuntimeDefault", container({ securityContext: { seccompProfile: { type: "Unconfined" } } }),
            ['Deployment web-blue container app sets seccompProfile.type "Unconfined": set securityContext.seccompProfile.type RuntimeDefault or Localhost (Pod Security Standards, Restricted).']],
        ["the pod's Unconfined, overridden by a container", withInput(container({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } }), "spec.template.spec.securityContext", { seccompProfile: { type: "Unconfined" } }),
            ['Deployment web-blue sets securityContext.seccompProfile.type "Unconfined": set RuntimeDefault or Localhost (Pod Security Standards, Restricted).']],
    ])("pod-seccomp: %s", async (_what, r, expected) => {
        expect(await violations(podSeccomp, r)).toEqual(expected);
    });

    it.each([
        ["the admitted types", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "tmp", emptyDir: {} }, { name: "cfg", configMap: { name: "c" } }, { name: "s", secret: { secretName: "s" } }, { name: "t", projected: { sources: [] } }, { name: "d", persistentVolumeClaim: { claimName: "d" } }, { name: "model", image: { reference: "ghcr.io/acme/model:1" } }]), []],
        ["an NFS and a gitRepo volume", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "share", nfs: { server: "10.0.0.9", path: "/" } }, { name: "src", gitRepo: { repository: "r" } }]),
            ["Deployment web-blue volume share is of type nfs: use one of configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret (Pod Security Standards, Restricted).",
                "Deployment web-blue volume src is of type gitRepo: use one of configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret (Pod Security Standards, Restricted)."]],
        // pod-host-path names it (Baseline), once.
        ["a hostPath volume", withInput(DEPLOYMENT, "spec.template.spec.volumes", [{ name: "logs", hostPath: { path: "/var/log" } }]), []],
    ])("pod-volume-types: %s", async (_what, r, expected) => {
        expect(await violations(podVolumeTypes, r)).toEqual(expected);
    });

    it("container-resources: the required limits come from the pack config", async () => {
        expect(await violations(containerResources, DEPLOYMENT, { limits: ["cpu", "memory"] })).toEqual([
            "Deployment web-blue container app has no limits for cpu: set resources.requests and resources.limits.",
        ]);
    });

    it("container-resources: an init container of a CronJob without resources", async () => {
        const init = withInput(CRONJOB, "spec.jobTemplate.spec.template.spec.initContainers", [{ name: "dump", image: "mysql:8.0.40", securityContext: { allowPrivilegeEscalation: false } }]);
        expect(await violations(containerResources, init)).toEqual([
            "CronJob dump init container dump has no requests for cpu and memory and no limits for memory: set resources.requests and resources.limits.",
        ]);
    });

    it("container-probes: no liveness probe", async () => {
        expect(await violations(containerProbes, container({ livenessProbe: undefined }))).toEqual([
            "Deployment web-blue container app has no livenessProbe: add them so traffic reaches only ready pods and hung ones restart.",
        ]);
    });

    it("container-non-root: the pod may run as root", async () => {
        expect(await violations(containerNonRoot, withInput(DEPLOYMENT, "spec.template.spec.securityContext", {}))).toEqual([
            "Deployment web-blue container app may run as root or escalate privileges: set securityContext.runAsNonRoot: true.",
        ]);
    });

    it("container-non-root: privilege escalation allowed, privileged, uid 0", async () => {
        expect(await violations(containerNonRoot, container({ securityContext: { privileged: true, runAsUser: 0 } }))).toEqual([
            "Deployment web-blue container app may run as root or escalate privileges: do not set runAsUser: 0; set securityContext.allowPrivilegeEscalation: false; remove securityContext.privileged.",
        ]);
    });

    it("images-pinned: latest, or no tag, anywhere", async () => {
        expect(await violations(imagesPinned, container({ image: "registry.example.com/web:latest" }), { tier: "staging" })).toEqual([
            'Deployment web-blue container app runs "registry.example.com/web:latest", which follows latest: pin a release tag or a digest (image@sha256:...).',
        ]);
        expect(await violations(imagesPinned, container({ image: "registry.example.com:5000/web" }), { tier: "staging" })).toEqual([
            'Deployment web-blue container app runs "registry.example.com:5000/web", which follows latest: pin a release tag or a digest (image@sha256:...).',
        ]);
    });

    it("images-pinned: a moving tag passes in staging, not in production; a digest passes everywhere", async () => {
        const moving = container({ image: "registry.example.com/web:1.4" });
        expect(await violations(imagesPinned, moving, { tier: "staging" })).toEqual([]);
        expect(await violations(imagesPinned, moving)).toEqual([
            'Deployment web-blue container app runs "registry.example.com/web:1.4" in production, a tag that can move: pin it by digest (image@sha256:...) or a full release tag.',
        ]);
        expect(await violations(imagesPinned, container({ image: `registry.example.com/web:main@${DIGEST}` }))).toEqual([]);
    });

    it("images-pinned: PostgreSQL's two-part release (17.11, the pinned dump image's) is a full release tag in production; its major alone, or two parts elsewhere, are not", async () => {
        for (const image of ["public.ecr.aws/docker/library/postgres:17.11", "postgres:16.6", "docker.io/library/postgres:17.11-trixie"]) {
            expect(await violations(imagesPinned, container({ image }))).toEqual([]);
        }
        for (const image of ["public.ecr.aws/docker/library/postgres:17", "postgres:9.6", "registry.example.com/web:17.11", "registry.example.com/postgres:17.11"]) {
            expect(await violations(imagesPinned, container({ image }))).toEqual([
                `Deployment web-blue container app runs ${JSON.stringify(image)} in production, a tag that can move: pin it by digest (image@sha256:...) or a full release tag.`,
            ]);
        }
    });

    it("reads tag and digest, not a registry port, from an image reference", () => {
        expect(parseImage("registry.example.com:5000/web")).toEqual({ tag: undefined, digest: undefined });
        expect(parseImage(`web:1.2.3@${DIGEST}`)).toEqual({ tag: "1.2.3", digest: DIGEST });
        expect(repositoryOf("registry.example.com:5000/web")).toBe("registry.example.com:5000/web");
        expect(repositoryOf(`public.ecr.aws/docker/library/postgres:17.11@${DIGEST}`)).toBe("public.ecr.aws/docker/library/postgres");
    });
});

// EKS drains every node of a managed node group on an update and fails after 15 minutes of refused
// evictions (awsdocs/amazon-eks-user-guide managed-node-update-behavior.adoc, "Aggressive PDB");
// kubernetes/website safely-drain-node.md recommends unhealthyPodEvictionPolicy AlwaysAllow.
describe("pdb-drainable", () => {
    const PDB = resource("kubernetes:policy/v1:PodDisruptionBudget", "web-blue-pdb", {
        metadata: { name: "web-blue" },
        spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { app: "web", color: "blue" } } },
    });
    const KEEPS = (policy: string) => `PodDisruptionBudget web-blue keeps pods that are not Ready while too few are (unhealthyPodEvictionPolicy ${policy}): a release that never became Ready blocks every drain of its nodes; set spec.unhealthyPodEvictionPolicy: AlwaysAllow.`;
    it.each([
        ["the colors' budget", PDB, []],
        ["a minAvailable budget that leaves room", withInput(withInput(PDB, "spec.maxUnavailable", undefined), "spec.minAvailable", 1), []],
        ["no unhealthyPodEvictionPolicy (IfHealthyBudget by default)", withInput(PDB, "spec.unhealthyPodEvictionPolicy", undefined), [KEEPS("unset, IfHealthyBudget")]],
        ["IfHealthyBudget", withInput(PDB, "spec.unhealthyPodEvictionPolicy", "IfHealthyBudget"), [KEEPS('"IfHealthyBudget"')]],
        ["maxUnavailable 0", withInput(PDB, "spec.maxUnavailable", 0),
            ["PodDisruptionBudget web-blue never allows an eviction (maxUnavailable 0): every node drain and managed node group update stops at its pods; allow at least one pod to go."]],
        ["maxUnavailable 0%", withInput(PDB, "spec.maxUnavailable", "0%"),
            ['PodDisruptionBudget web-blue never allows an eviction (maxUnavailable "0%"): every node drain and managed node group update stops at its pods; allow at least one pod to go.']],
        ["minAvailable 100%", withInput(withInput(PDB, "spec.maxUnavailable", undefined), "spec.minAvailable", "100%"),
            ['PodDisruptionBudget web-blue never allows an eviction (minAvailable "100%"): every node drain and managed node group update stops at its pods; allow at least one pod to go.']],
    ])("%s", async (_what, r, expected) => {
        expect(await violations(pdbDrainable, r)).toEqual(expected);
    });

    it("does not apply to a Deployment", async () => {
        expect(await violations(pdbDrainable, DEPLOYMENT)).toEqual([]);
    });
});
