import type * as k8s from "@pulumi/kubernetes";

/** The `node` user of the official Node.js images. */
export const NODE_UID = 1000;

/**
 * Pod Security "restricted" for one container, as every Launchpad workload runs: non-root, no
 * privilege escalation, no capabilities, a read-only root filesystem, the runtime's seccomp profile.
 * The Restricted profile's controls, each as it checks these fields (kubernetes/website
 * content/en/docs/concepts/security/pod-security-standards.md, "Restricted"): Privilege Escalation
 * (`allowPrivilegeEscalation` false), Running as Non-root (`runAsNonRoot` true, pod or every container),
 * Running as Non-root user (`runAsUser` not 0), Seccomp (`RuntimeDefault` or `Localhost`, pod or every
 * container; absent is refused), Capabilities (drop includes `ALL`, add at most `NET_BIND_SERVICE`);
 * the read-only root filesystem is Launchpad's own, beyond the profile. They bind init and ephemeral
 * containers too, which is why every container gets this whole context. The app namespace enforces the
 * profile at `latest` (components/cluster.ts namespaceLabels).
 * `uid` runs it as that user and group; leave it out where the image or chart picks its own user.
 */
export function restrictedContainer(uid?: number): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        ...(uid !== undefined ? { runAsUser: uid, runAsGroup: uid } : {}),
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Pod Security "restricted" for a pod, the companion of `restrictedContainer`: non-root and the
 * runtime's seccomp profile always; `uid` runs every container as that user and group (both, so the
 * group cannot drift from the user); `fsGroup` owns the mounted volumes.
 */
export function restrictedPod(opts: { readonly uid?: number; readonly fsGroup?: number } = {}): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        ...(opts.uid !== undefined ? { runAsUser: opts.uid, runAsGroup: opts.uid } : {}),
        ...(opts.fsGroup !== undefined ? { fsGroup: opts.fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}
