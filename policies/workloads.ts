/**
 * Workloads: every container the stack runs (Deployments, Jobs, CronJobs, ...) is sized, probed
 * where it runs long, unprivileged, and runs an image that cannot change under it.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { arr, containersOf, flag, k8sName, listText, LONG_RUNNING_KINDS, num, podSpecOfResource, rec, risky, TIER_PROPERTY, type ContainerRef, type LaunchpadResourcePolicy, type TierConfig } from "./lib";

/** Runs `check` on every container of a workload; other resources are not applicable. */
function eachContainer(check: (c: ContainerRef, pod: Record<string, unknown>, who: string, args: ResourceValidationArgs, report: (m: string) => void) => void) {
    return (args: ResourceValidationArgs, report: (m: string) => void): void => {
        const pod = podSpecOfResource(args);
        if (pod === undefined) {
            args.notApplicable("Policy only applies to workloads that run pods");
        }
        const who = k8sName(args.type, args.props, args.name);
        for (const c of containersOf(pod)) check(c, pod, who, args, report);
    };
}

export interface ContainerResourcesConfig {
    /** Resources every container must request. @default ["cpu", "memory"] */
    readonly requests: string[];
    /** Resources every container must limit. Memory only by default: a CPU limit throttles a pod that has idle CPU next to it. @default ["memory"] */
    readonly limits: string[];
}

export const containerResources: LaunchpadResourcePolicy = {
    name: "container-resources",
    description: "Every container has resource requests and limits.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requests: { type: "array", items: { type: "string" }, default: ["cpu", "memory"], description: "Resources every container must request." },
            limits: { type: "array", items: { type: "string" }, default: ["memory"], description: "Resources every container must limit." },
        },
    },
    validateResource: eachContainer((c, _pod, who, args, report) => {
        const cfg = args.getConfig<ContainerResourcesConfig>();
        const res = rec(c.spec.resources);
        const missingRequests = cfg.requests.filter((r) => rec(res.requests)[r] === undefined);
        const missingLimits = cfg.limits.filter((r) => rec(res.limits)[r] === undefined);
        const parts = [
            ...(missingRequests.length > 0 ? [`requests for ${listText(missingRequests)}`] : []),
            ...(missingLimits.length > 0 ? [`limits for ${listText(missingLimits)}`] : []),
        ];
        if (parts.length > 0) {
            report(`${who} ${c.label} has no ${parts.join(" and no ")}: set resources.requests and resources.limits.`);
        }
    }),
};

export const containerProbes: LaunchpadResourcePolicy = {
    name: "container-probes",
    description: "Every container of a long-running workload has readiness and liveness probes.",
    enforcementLevel: "mandatory",
    validateResource: eachContainer((c, _pod, who, args, report) => {
        // Jobs and CronJobs run to completion: readiness means nothing there.
        if (!LONG_RUNNING_KINDS.has(args.type) || c.init) return;
        const missing = (["readinessProbe", "livenessProbe"] as const).filter((p) => c.spec[p] === undefined || c.spec[p] === null);
        if (missing.length > 0) {
            report(`${who} ${c.label} has no ${listText(missing)}: add them so traffic reaches only ready pods and hung ones restart.`);
        }
    }),
};

export const containerNonRoot: LaunchpadResourcePolicy = {
    name: "container-non-root",
    description: "Every container runs as non-root, unprivileged, without privilege escalation.",
    enforcementLevel: "mandatory",
    validateResource: eachContainer((c, pod, who, _args, report) => {
        const sc = rec(c.spec.securityContext);
        const podSc = rec(pod.securityContext);
        // A container's own setting overrides the pod's.
        const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
        const user = sc.runAsUser ?? podSc.runAsUser;
        const problems: string[] = [];
        if (flag(nonRoot) !== true) problems.push("set securityContext.runAsNonRoot: true");
        if (num(user) === 0) problems.push("do not set runAsUser: 0");
        if (flag(sc.allowPrivilegeEscalation) !== false) problems.push("set securityContext.allowPrivilegeEscalation: false");
        if (risky(sc.privileged)) problems.push(flag(sc.privileged) === undefined ? `set securityContext.privileged to false, not ${JSON.stringify(sc.privileged)}` : "remove securityContext.privileged");
        if (problems.length > 0) {
            report(`${who} ${c.label} may run as root or escalate privileges: ${problems.join("; ")}.`);
        }
    }),
};

/**
 * The Kubernetes Pod Security Standards (kubernetes/website
 * `content/en/docs/concepts/security/pod-security-standards.md`): Baseline disallows sharing the
 * host namespaces (`hostNetwork`, `hostPID`, `hostIPC`) and host ports; Restricted requires every
 * container to drop `ALL` capabilities and add back at most `NET_BIND_SERVICE`.
 */
export const ADDABLE_CAPABILITIES: readonly string[] = ["NET_BIND_SERVICE"];

export const podHostNamespaces: LaunchpadResourcePolicy = {
    name: "pod-host-namespaces",
    description: "No pod shares the host's network, PID or IPC namespace, or binds a host port.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const pod = podSpecOfResource(args);
        if (pod === undefined) return;
        const who = k8sName(args.type, args.props, args.name);
        const shared = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => risky(pod[f]));
        const ports = containersOf(pod).filter((c) => arr(c.spec.ports).some((p) => rec(p).hostPort !== undefined && rec(p).hostPort !== null && num(rec(p).hostPort) !== 0));
        if (shared.length > 0) {
            report(`${who} shares the host's namespaces: remove ${listText(shared.map((f) => `${f}: ${JSON.stringify(pod[f])}`))} (Pod Security Standards, Baseline).`);
        }
        for (const c of ports) {
            report(`${who} ${c.label} binds a host port: remove ports[].hostPort and reach the pod through a Service (Pod Security Standards, Baseline).`);
        }
    },
};

/**
 * Baseline's "HostPath Volumes" control (the same page): `spec.volumes[*].hostPath` must be
 * undefined. A hostPath volume hands the pod the node's filesystem (its kubelet credentials, other
 * pods' logs and secrets), which no Launchpad workload needs. The namespace's Pod Security Admission
 * label enforces on Pods only, not on the Deployments and Jobs that template them (kubernetes/website
 * pod-security-admission.md, "Workload resources and Pod templates"): such a Deployment is accepted
 * and `pulumi up` then waits out its rollout for pods that are never admitted. This refuses it in the
 * preview. Helm releases are one resource each, so the charts' own DaemonSets (the log agent reads
 * /var/log) are not judged here.
 */
export const podHostPath: LaunchpadResourcePolicy = {
    name: "pod-host-path",
    description: "No pod mounts a hostPath volume.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const pod = podSpecOfResource(args);
        if (pod === undefined) return;
        const who = k8sName(args.type, args.props, args.name);
        const host = arr(pod.volumes).map(rec).filter((v) => v.hostPath !== undefined && v.hostPath !== null);
        if (host.length > 0) {
            const names = host.map((v) => (typeof v.name === "string" ? v.name : "?"));
            report(`${who} mounts the node's filesystem: remove the hostPath volume${names.length === 1 ? "" : "s"} ${listText(names)} (Pod Security Standards, Baseline).`);
        }
    },
};

export const containerCapabilities: LaunchpadResourcePolicy = {
    name: "container-capabilities",
    description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
    enforcementLevel: "mandatory",
    validateResource: eachContainer((c, _pod, who, _args, report) => {
        const caps = rec(rec(c.spec.securityContext).capabilities);
        // Capability names are case-sensitive in the API, with or without the CAP_ prefix in the runtime: compare both ways.
        const name = (v: unknown) => String(v).toUpperCase().replace(/^CAP_/, "");
        const added = arr(caps.add).map(name).filter((a) => !ADDABLE_CAPABILITIES.includes(a));
        const dropsAll = arr(caps.drop).map(name).includes("ALL");
        const problems = [
            ...(added.length > 0 ? [`remove ${listText(added)} from securityContext.capabilities.add (only ${listText([...ADDABLE_CAPABILITIES])} may be added)`] : []),
            ...(dropsAll ? [] : ['set securityContext.capabilities.drop: ["ALL"]']),
        ];
        if (problems.length > 0) {
            report(`${who} ${c.label} keeps Linux capabilities: ${problems.join("; ")} (Pod Security Standards, Restricted).`);
        }
    }),
};

/**
 * Restricted's "Seccomp" and "Volume Types" controls (kubernetes/website
 * content/en/docs/concepts/security/pod-security-standards.md): the seccomp profile "must be
 * explicitly set to one of the allowed values" (RuntimeDefault or Localhost) on the pod or on every
 * container, "Unconfined" nowhere; volumes only of the listed core types. Every Launchpad namespace
 * enforces Restricted, and the admission refuses Pods, not the templates (see pod-host-path): a
 * Deployment missing either is accepted and `pulumi up` waits out a rollout of pods never admitted.
 */
export const SECCOMP_PROFILES: readonly string[] = ["RuntimeDefault", "Localhost"];
// As the admission plugin admits them (kubernetes/pod-security-admission policy/check_restrictedVolumes.go
// at v0.36.2): `image` too, since "Allow ImageVolume for Restricted PSA profiles" (ca569ec, 2025-02-24,
// Kubernetes 1.33), which the Standards page's list predates. tests/pod-security-admission.test.ts
// compares this list with its port of that check.
export const RESTRICTED_VOLUME_TYPES: readonly string[] = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];

export const podSeccomp: LaunchpadResourcePolicy = {
    name: "pod-seccomp",
    description: "Every pod runs under the runtime's (or a node-local) seccomp profile, set on the pod or on each container, and never Unconfined.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const pod = podSpecOfResource(args);
        if (pod === undefined) return;
        const who = k8sName(args.type, args.props, args.name);
        const typeOf = (sc: unknown): unknown => rec(rec(sc).seccompProfile).type;
        const podType = typeOf(pod.securityContext);
        const allowed = (t: unknown): boolean => typeof t === "string" && SECCOMP_PROFILES.includes(t);
        if (podType !== undefined && podType !== null && !allowed(podType)) {
            report(`${who} sets securityContext.seccompProfile.type ${JSON.stringify(podType)}: set ${SECCOMP_PROFILES.join(" or ")} (Pod Security Standards, Restricted).`);
        }
        for (const c of containersOf(pod)) {
            const own = typeOf(c.spec.securityContext);
            if (own !== undefined && own !== null ? !allowed(own) : !allowed(podType)) {
                const seen = own !== undefined && own !== null ? `sets seccompProfile.type ${JSON.stringify(own)}` : "has no seccomp profile (neither its own nor the pod's)";
                report(`${who} ${c.label} ${seen}: set securityContext.seccompProfile.type ${SECCOMP_PROFILES.join(" or ")} (Pod Security Standards, Restricted).`);
            }
        }
    },
};

export const podVolumeTypes: LaunchpadResourcePolicy = {
    name: "pod-volume-types",
    description: `Every pod volume is of a type Pod Security Restricted admits (${RESTRICTED_VOLUME_TYPES.join(", ")}).`,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const pod = podSpecOfResource(args);
        if (pod === undefined) return;
        const who = k8sName(args.type, args.props, args.name);
        for (const v of arr(pod.volumes).map(rec)) {
            const kinds = Object.keys(v).filter((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
            // hostPath is pod-host-path's (Baseline already refuses it).
            const refused = kinds.filter((k) => k !== "hostPath" && !RESTRICTED_VOLUME_TYPES.includes(k));
            if (refused.length > 0) {
                report(`${who} volume ${typeof v.name === "string" ? v.name : "?"} is of type ${listText(refused)}: use one of ${listText([...RESTRICTED_VOLUME_TYPES])} (Pod Security Standards, Restricted).`);
            }
        }
    },
};

export interface ImagePinningConfig {
    /** Tags production accepts without a digest: releases that are never re-pushed. @default "^v?\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?$" */
    readonly immutableTagPattern: string;
    readonly tier: TierConfig["tier"];
}

/** Splits `registry/repo:tag@sha256:...` into its tag and digest. */
export function parseImage(image: string): { tag: string | undefined; digest: string | undefined } {
    const [ref, digest] = image.split("@", 2);
    const last = ref.split("/").pop() ?? ref;
    const colon = last.lastIndexOf(":");
    return { tag: colon === -1 ? undefined : last.slice(colon + 1), digest };
}

/**
 * The Docker official PostgreSQL image, under the names it is pulled by (Docker Hub's and its Amazon
 * ECR Public mirror's, which lib/versions.ts ENGINE_IMAGES uses). Its releases have two parts:
 * "Beginning with PostgreSQL 10, this is the second part of the version number, e.g. 10.0 to 10.1"
 * (postgres/pgweb templates/support/versioning.html, "Version Numbering"), so `17.11` is a full
 * release, as `8.4.11` is MySQL's, and `17` is the tag that moves.
 */
const POSTGRES_REPOSITORIES: readonly string[] = ["postgres", "library/postgres", "docker.io/library/postgres", "public.ecr.aws/docker/library/postgres"];
/** A PostgreSQL 10+ release (major.minor), optionally of one variant (`17.11-trixie`). */
const POSTGRES_RELEASE_TAG = /^([1-9]\d+)\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The repository of an image reference: `public.ecr.aws/docker/library/postgres` of `...postgres:17.11`. */
export function repositoryOf(image: string): string {
    const ref = image.split("@", 1)[0];
    const slash = ref.lastIndexOf("/");
    const colon = ref.lastIndexOf(":");
    return colon > slash ? ref.slice(0, colon) : ref;
}

/** A full release tag: the pattern's (three parts by default), or a PostgreSQL image's two-part release. */
function releaseTag(image: string, tag: string, pattern: string): boolean {
    return new RegExp(pattern).test(tag) || (POSTGRES_REPOSITORIES.includes(repositoryOf(image)) && POSTGRES_RELEASE_TAG.test(tag));
}

export const imagesPinned: LaunchpadResourcePolicy = {
    name: "images-pinned",
    description: "No container runs `latest` (or no tag); in production every image is pinned by digest or an immutable release tag.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            immutableTagPattern: {
                type: "string",
                default: "^v?\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?$",
                description: "Tags production accepts without a digest (full release versions, never re-pushed).",
            },
            ...TIER_PROPERTY,
        },
    },
    validateResource: eachContainer((c, _pod, who, args, report) => {
        const cfg = args.getConfig<ImagePinningConfig>();
        const image = typeof c.spec.image === "string" ? c.spec.image : "";
        const { tag, digest } = parseImage(image);
        const pinned = digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest);
        if (!pinned && (tag === undefined || tag === "latest")) {
            report(`${who} ${c.label} runs ${JSON.stringify(image)}, which follows latest: pin a release tag or a digest (image@sha256:...).`);
        } else if (cfg.tier === "production" && !pinned && !releaseTag(image, tag ?? "", cfg.immutableTagPattern)) {
            report(`${who} ${c.label} runs ${JSON.stringify(image)} in production, a tag that can move: pin it by digest (image@sha256:...) or a full release tag.`);
        }
    }),
};

/** Every env entry of a container, for the secrets module. */
export function envOf(c: ContainerRef): Record<string, unknown>[] {
    return arr(c.spec.env).map(rec);
}

const PDB_TYPE = "kubernetes:policy/v1:PodDisruptionBudget";

/**
 * A budget a node drain can get through. EKS drains every node of a managed node group on an update
 * and fails it after 15 minutes with `PodEvictionFailure` when a budget refuses ("Aggressive PDB",
 * awsdocs/amazon-eks-user-guide latest/ug/nodes/managed-node-update-behavior.adoc). A budget of
 * `maxUnavailable` 0 or `minAvailable` 100% never allows an eviction; one that leaves
 * `unhealthyPodEvictionPolicy` at IfHealthyBudget refuses to evict pods that are not Ready whenever
 * too few are, so a release that never became Ready blocks every drain of its nodes (Kubernetes
 * recommends AlwaysAllow: kubernetes/website content/en/docs/tasks/administer-cluster/safely-drain-node.md).
 */
export const pdbDrainable: LaunchpadResourcePolicy = {
    name: "pdb-drainable",
    description: "Every PodDisruptionBudget lets a node drain evict: some pod may always go, and pods that are not Ready may always go.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== PDB_TYPE) {
            args.notApplicable("Policy only applies to PodDisruptionBudgets");
        }
        const spec = rec(args.props.spec);
        const who = k8sName(args.type, args.props, args.name);
        if (spec.maxUnavailable === 0 || spec.maxUnavailable === "0%" || spec.minAvailable === "100%") {
            report(`${who} never allows an eviction (${spec.maxUnavailable !== undefined ? `maxUnavailable ${JSON.stringify(spec.maxUnavailable)}` : `minAvailable ${JSON.stringify(spec.minAvailable)}`}): every node drain and managed node group update stops at its pods; allow at least one pod to go.`);
        }
        if (spec.unhealthyPodEvictionPolicy !== "AlwaysAllow") {
            report(`${who} keeps pods that are not Ready while too few are (unhealthyPodEvictionPolicy ${spec.unhealthyPodEvictionPolicy === undefined ? "unset, IfHealthyBudget" : JSON.stringify(spec.unhealthyPodEvictionPolicy)}): a release that never became Ready blocks every drain of its nodes; set spec.unhealthyPodEvictionPolicy: AlwaysAllow.`);
        }
    },
};

export const WORKLOAD_POLICIES = [containerResources, containerProbes, containerNonRoot, containerCapabilities, podHostNamespaces, podHostPath, podSeccomp, podVolumeTypes, imagesPinned, pdbDrainable] as const;
