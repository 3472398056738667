/**
 * Pod Security Admission's `restricted` level, ported check by check from the admission plugin's
 * own source: kubernetes/pod-security-admission (the staging repo of k8s.io/pod-security-admission)
 * at tag v0.36.2, commit 39b45cd167e1bd665aaeefc6e1acc1cc753259f2, the version Kubernetes 1.36 ships,
 * policy/check_*.go. Each check below names its file and the policy version its rule applies from.
 *
 * Which version runs: a namespace labelled `enforce-version: latest` is evaluated at the registry's
 * `maxVersion`, the highest `MinimumVersion` of any check (policy/registry.go `populate`, and
 * `EvaluatePod`: "if r.maxVersion.Older(lv.Version) { lv.Version = r.maxVersion }"). At v0.36.2 that
 * is 1.35 (check_runAsNonRoot.go, check_runAsUser.go, check_procMount_restricted.go); no check has a
 * 1.36 version. So on the minors Launchpad allows (1.35 and 1.36, lib/versions.ts) `latest` means
 * the checks as they stand from 1.35, which is what this file ports ({@link POLICY_VERSION}). The
 * plugin's own fixtures for that version (test/testdata/restricted/v1.35, vendored under
 * vendor/pod-security-admission/) are run through this port by tests/pod-security-admission.test.ts.
 *
 * Restricted = every baseline check that no restricted check overrides, then the restricted checks
 * (registry.go `populate`: `OverrideCheckIDs` drop a baseline check; baseline ids first, each group
 * sorted). What it reads is the Pod as the API server admits it: metadata.annotations and spec, its
 * init, regular and ephemeral containers alike (policy/visitor.go `visitContainers`).
 */

/** The policy version `enforce-version: latest` resolves to on Kubernetes 1.35 and 1.36 (see the file header). */
export const POLICY_VERSION = "v1.35";

/** The plugin's source this port was read from. */
export const PSA_SOURCE = "kubernetes/pod-security-admission v0.36.2 (39b45cd167e1bd665aaeefc6e1acc1cc753259f2) policy/";

type Obj = Readonly<Record<string, unknown>>;

/** A container as the checks read it (core/v1 Container; an EphemeralContainer has the same fields). */
export interface ContainerLike {
    readonly name?: string;
    readonly securityContext?: Obj;
    readonly ports?: readonly Obj[];
    readonly livenessProbe?: Obj;
    readonly readinessProbe?: Obj;
    readonly startupProbe?: Obj;
    readonly lifecycle?: Obj;
}

/** A pod spec as the checks read it: only the fields any check looks at. */
export interface PodSpecLike {
    readonly securityContext?: Obj;
    readonly hostNetwork?: boolean;
    readonly hostPID?: boolean;
    readonly hostIPC?: boolean;
    readonly hostUsers?: boolean;
    readonly os?: { readonly name?: string };
    readonly volumes?: readonly Obj[];
    readonly initContainers?: readonly ContainerLike[];
    readonly containers?: readonly ContainerLike[];
    readonly ephemeralContainers?: readonly ContainerLike[];
}

export interface PodLike {
    readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: PodSpecLike;
}

/** One forbidden result, as `CheckResult` (policy/checks.go): the check's id, its reason and detail. */
export interface Forbidden {
    readonly check: string;
    readonly reason: string;
    readonly detail: string;
}

type Verdict = { readonly reason: string; readonly detail: string } | undefined;

interface Check {
    readonly id: string;
    readonly level: "baseline" | "restricted";
    /** Source file under policy/ and the policy version the ported rule applies from. */
    readonly source: string;
    /** Baseline checks this one replaces at restricted (`OverrideCheckIDs`). */
    readonly overrides?: readonly string[];
    readonly check: (pod: PodLike) => Verdict;
}

// policy/helpers.go
const joinQuote = (items: readonly string[]): string => (items.length === 0 ? "" : `"${items.join('", "')}"`);
const pluralize = (singular: string, plural: string, n: number): string => (n === 1 ? singular : plural);
/** `relaxPolicyForUserNamespacePod`: `hostUsers` set and false. */
const userNamespacePod = (spec: PodSpecLike): boolean => spec.hostUsers === false;
/** Go `sets.String.List()`: unique and sorted. */
const sortedSet = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/** policy/visitor.go `visitContainers`: init, then regular, then ephemeral containers. */
function containers(spec: PodSpecLike): ContainerLike[] {
    return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
/** A Go string field: "" when unset. */
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const nameOf = (c: ContainerLike): string => c.name ?? "";
const sc = (c: ContainerLike): Obj | undefined => c.securityContext;
const field = <T>(o: Obj | undefined, key: string): T | undefined => (o?.[key] ?? undefined) as T | undefined;
const isWindows = (spec: PodSpecLike): boolean => spec.os?.name === "windows";

/** `containers "a", "b" use hostPorts 80, 81` as hostPorts, hostProbesAndHostLifecycle and restrictedVolumes word it. */
function usesDetail(who: "container" | "volume", names: readonly string[], what: string, values: readonly string[], quoted: boolean): string {
    return `${pluralize(who, `${who}s`, names.length)} ${joinQuote(names)} ${pluralize("uses", "use", names.length)} ${pluralize(what, what === "hostPort" ? "hostPorts" : `${what}s`, values.length)} ${quoted ? joinQuote(values) : values.join(", ")}`;
}

/** "pod and containers "a", "b"" as the plugin joins its bad setters. */
function setters(pod: boolean, bad: readonly string[]): string[] {
    return [...(pod ? ["pod"] : []), ...(bad.length > 0 ? [`${pluralize("container", "containers", bad.length)} ${joinQuote(bad)}`] : [])];
}

/** The inline volume sources restricted admits (check_restrictedVolumes.go `restrictedVolumes_1_0`). */
export const RESTRICTED_VOLUME_SOURCES: readonly string[] = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];

const CHECKS: readonly Check[] = [
    {
        id: "appArmorProfile", level: "baseline", source: "check_appArmorProfile.go, 1.0",
        check: ({ metadata, spec }) => {
            const allowedType = (t: unknown): boolean => t === "RuntimeDefault" || t === "Localhost";
            const allowedAnnotation = (v: string): boolean => v.length === 0 || v === "runtime/default" || v.startsWith("localhost/");
            const badValues: string[] = [];
            const podProfile = field<Obj>(spec.securityContext, "appArmorProfile");
            const podBad = podProfile !== undefined && !allowedType(podProfile.type);
            if (podBad) badValues.push(str(podProfile.type));
            const bad = containers(spec).filter((c) => {
                const p = field<Obj>(sc(c), "appArmorProfile");
                if (p !== undefined && !allowedType(p.type)) {
                    badValues.push(str(p.type));
                    return true;
                }
                return false;
            }).map(nameOf);
            const annotations = Object.entries(metadata?.annotations ?? {})
                .filter(([k, v]) => k.startsWith("container.apparmor.security.beta.kubernetes.io/") && !allowedAnnotation(v))
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort();
            const list = [...sortedSet(badValues), ...annotations];
            const who = [...setters(podBad, bad), ...(annotations.length > 0 ? [pluralize("annotation", "annotations", annotations.length)] : [])];
            return who.length === 0 ? undefined : {
                reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", list.length),
                detail: `${who.join(" and ")} must not set AppArmor profile type to ${joinQuote(list)}`,
            };
        },
    },
    {
        id: "capabilities_baseline", level: "baseline", source: "check_capabilities_baseline.go, 1.0",
        check: ({ spec }) => {
            const allowed = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
            const caps: string[] = [];
            const bad = containers(spec).filter((c) => {
                const add = field<string[]>(field<Obj>(sc(c), "capabilities"), "add") ?? [];
                const extra = add.filter((x) => !allowed.has(x));
                caps.push(...extra);
                return extra.length > 0;
            }).map(nameOf);
            return bad.length === 0 ? undefined : {
                reason: "non-default capabilities",
                detail: `${pluralize("container", "containers", bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
            };
        },
    },
    {
        id: "hostNamespaces", level: "baseline", source: "check_hostNamespaces.go, 1.0",
        check: ({ spec }) => {
            const set = [...(spec.hostNetwork === true ? ["hostNetwork=true"] : []), ...(spec.hostPID === true ? ["hostPID=true"] : []), ...(spec.hostIPC === true ? ["hostIPC=true"] : [])];
            return set.length === 0 ? undefined : { reason: "host namespaces", detail: set.join(", ") };
        },
    },
    {
        id: "hostPathVolumes", level: "baseline", source: "check_hostPathVolumes.go, 1.0",
        check: ({ spec }) => {
            const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => str(v.name));
            return bad.length === 0 ? undefined : { reason: "hostPath volumes", detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}` };
        },
    },
    {
        id: "hostPorts", level: "baseline", source: "check_hostPorts.go, 1.0",
        check: ({ spec }) => {
            const ports: string[] = [];
            const bad = containers(spec).filter((c) => {
                const used = (c.ports ?? []).map((p) => Number(p.hostPort ?? 0)).filter((p) => p !== 0);
                ports.push(...used.map(String));
                return used.length > 0;
            }).map(nameOf);
            const list = sortedSet(ports);
            return bad.length === 0 ? undefined : {
                reason: "hostPort",
                detail: usesDetail("container", bad, "hostPort", list, false),
            };
        },
    },
    {
        id: "hostProbesAndHostLifecycle", level: "baseline", source: "check_hostProbesAndhostLifecycle.go, 1.34",
        check: ({ spec }) => {
            const hosts = (h: Obj | undefined): string[] => [field<string>(field<Obj>(h, "httpGet"), "host"), field<string>(field<Obj>(h, "tcpSocket"), "host")]
                .filter((x): x is string => x !== undefined && x !== "");
            const bad = new Set<string>();
            const forbidden: string[] = [];
            for (const c of containers(spec)) {
                const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, field<Obj>(c.lifecycle, "postStart"), field<Obj>(c.lifecycle, "preStop")].flatMap(hosts);
                if (found.length > 0) {
                    bad.add(nameOf(c));
                    forbidden.push(...found);
                }
            }
            const names = sortedSet(bad);
            const list = sortedSet(forbidden);
            return names.length === 0 ? undefined : {
                reason: "probe or lifecycle host",
                detail: usesDetail("container", names, "probe or lifecycle host", list, true),
            };
        },
    },
    {
        id: "privileged", level: "baseline", source: "check_privileged.go, 1.0",
        check: ({ spec }) => {
            const bad = containers(spec).filter((c) => field<boolean>(sc(c), "privileged") === true).map(nameOf);
            return bad.length === 0 ? undefined : { reason: "privileged", detail: `${pluralize("container", "containers", bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true` };
        },
    },
    {
        // 1.35 adds the user-namespace relaxation (check_procMount_baseline.go procMount1_35baseline);
        // at restricted, procMount_restricted overrides it.
        id: "procMount", level: "baseline", source: "check_procMount_baseline.go, 1.35",
        check: (pod) => (userNamespacePod(pod.spec) ? undefined : procMount(pod)),
    },
    {
        id: "seLinuxOptions", level: "baseline", source: "check_seLinuxOptions.go, 1.31 (adds container_engine_t)",
        check: ({ spec }) => {
            const allowed = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
            const types: string[] = [];
            let user = false;
            let role = false;
            const valid = (o: Obj): boolean => {
                let ok = true;
                const t = str(o.type);
                if (!allowed.has(t)) {
                    ok = false;
                    types.push(t);
                }
                if (str(o.user).length > 0) {
                    ok = false;
                    user = true;
                }
                if (str(o.role).length > 0) {
                    ok = false;
                    role = true;
                }
                return ok;
            };
            const podOpts = field<Obj>(spec.securityContext, "seLinuxOptions");
            const podBad = podOpts !== undefined && !valid(podOpts);
            const bad = containers(spec).filter((c) => {
                const o = field<Obj>(sc(c), "seLinuxOptions");
                return o !== undefined && !valid(o);
            }).map(nameOf);
            const who = setters(podBad, bad);
            const list = sortedSet(types);
            const data = [...(list.length > 0 ? [`${pluralize("type", "types", list.length)} ${joinQuote(list)}`] : []), ...(user ? ["user may not be set"] : []), ...(role ? ["role may not be set"] : [])];
            return who.length === 0 ? undefined : { reason: "seLinuxOptions", detail: `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}` };
        },
    },
    {
        id: "seccompProfile_baseline", level: "baseline", source: "check_seccompProfile_baseline.go, 1.19",
        check: ({ spec }) => seccomp(spec, false),
    },
    {
        id: "sysctls", level: "baseline", source: "check_sysctls.go, 1.32",
        check: ({ spec }) => {
            const allowed = new Set([
                "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.ip_local_reserved_ports", // 1.27
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", // 1.29
                "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", // 1.32
            ]);
            const bad = (field<Obj[]>(spec.securityContext, "sysctls") ?? []).map((s) => str(s.name)).filter((n) => !allowed.has(n));
            return bad.length === 0 ? undefined : { reason: "forbidden sysctls", detail: bad.join(", ") };
        },
    },
    {
        id: "windowsHostProcess", level: "baseline", source: "check_windowsHostProcess.go, 1.0",
        check: ({ spec }) => {
            const hostProcess = (o: Obj | undefined): boolean => field<boolean>(field<Obj>(o, "windowsOptions"), "hostProcess") === true;
            const bad = containers(spec).filter((c) => hostProcess(sc(c))).map(nameOf);
            const who = setters(hostProcess(spec.securityContext), bad);
            return who.length === 0 ? undefined : { reason: "hostProcess", detail: `${who.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true` };
        },
    },
    {
        id: "allowPrivilegeEscalation", level: "restricted", source: "check_allowPrivilegeEscalation.go, 1.25 (Windows pods exempt)",
        check: ({ spec }) => {
            if (isWindows(spec)) return undefined;
            const bad = containers(spec).filter((c) => field<boolean>(sc(c), "allowPrivilegeEscalation") !== false).map(nameOf);
            return bad.length === 0 ? undefined : {
                reason: "allowPrivilegeEscalation != false",
                detail: `${pluralize("container", "containers", bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
            };
        },
    },
    {
        id: "capabilities_restricted", level: "restricted", source: "check_capabilities_restricted.go, 1.25 (Windows pods exempt)", overrides: ["capabilities_baseline"],
        check: ({ spec }) => {
            if (isWindows(spec)) return undefined;
            const missingDropAll: string[] = [];
            const adding: string[] = [];
            const caps: string[] = [];
            for (const c of containers(spec)) {
                const capabilities = field<Obj>(sc(c), "capabilities");
                if (capabilities === undefined) {
                    missingDropAll.push(nameOf(c));
                    continue;
                }
                if (!(field<string[]>(capabilities, "drop") ?? []).includes("ALL")) missingDropAll.push(nameOf(c));
                const extra = (field<string[]>(capabilities, "add") ?? []).filter((x) => x !== "NET_BIND_SERVICE");
                if (extra.length > 0) {
                    adding.push(nameOf(c));
                    caps.push(...extra);
                }
            }
            const details = [
                ...(missingDropAll.length > 0 ? [`${pluralize("container", "containers", missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : []),
                ...(adding.length > 0 ? [`${pluralize("container", "containers", adding.length)} ${joinQuote(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`] : []),
            ];
            return details.length === 0 ? undefined : { reason: "unrestricted capabilities", detail: details.join("; ") };
        },
    },
    {
        id: "procMount_restricted", level: "restricted", source: "check_procMount_restricted.go, 1.35", overrides: ["procMount"],
        check: procMount,
    },
    {
        id: "restrictedVolumes", level: "restricted", source: "check_restrictedVolumes.go, 1.0", overrides: ["hostPathVolumes"],
        check: ({ spec }) => {
            const restricted = ["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc",
                "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"];
            const badTypes: string[] = [];
            const bad = (spec.volumes ?? []).filter((v) => {
                if (RESTRICTED_VOLUME_SOURCES.some((k) => v[k] != null)) return false;
                badTypes.push(restricted.find((k) => v[k] != null) ?? "unknown");
                return true;
            }).map((v) => str(v.name));
            const types = sortedSet(badTypes);
            return bad.length === 0 ? undefined : {
                reason: "restricted volume types",
                detail: usesDetail("volume", bad, "restricted volume type", types, true),
            };
        },
    },
    {
        // Pod-level true covers every container that leaves the field unset; a container's own false always fails.
        id: "runAsNonRoot", level: "restricted", source: "check_runAsNonRoot.go, 1.35 (user-namespace pods exempt)",
        check: ({ spec }) => {
            if (userNamespacePod(spec)) return undefined;
            const podValue = field<boolean>(spec.securityContext, "runAsNonRoot");
            const explicit: string[] = [];
            const implicit: string[] = [];
            for (const c of containers(spec)) {
                const v = field<boolean>(sc(c), "runAsNonRoot");
                if (v !== undefined) {
                    if (!v) explicit.push(nameOf(c));
                } else if (podValue !== true) {
                    implicit.push(nameOf(c));
                }
            }
            const who = setters(podValue === false, explicit);
            if (who.length > 0) return { reason: "runAsNonRoot != true", detail: `${who.join(" and ")} must not set securityContext.runAsNonRoot=false` };
            return implicit.length === 0 ? undefined : {
                reason: "runAsNonRoot != true",
                detail: `pod or ${pluralize("container", "containers", implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true`,
            };
        },
    },
    {
        id: "runAsUser", level: "restricted", source: "check_runAsUser.go, 1.35 (user-namespace pods exempt)",
        check: ({ spec }) => {
            if (userNamespacePod(spec)) return undefined;
            const bad = containers(spec).filter((c) => field<number>(sc(c), "runAsUser") === 0).map(nameOf);
            const who = setters(field<number>(spec.securityContext, "runAsUser") === 0, bad);
            return who.length === 0 ? undefined : { reason: "runAsUser=0", detail: `${who.join(" and ")} must not set runAsUser=0` };
        },
    },
    {
        id: "seccompProfile_restricted", level: "restricted", source: "check_seccompProfile_restricted.go, 1.25 (Windows pods exempt)", overrides: ["seccompProfile_baseline"],
        check: ({ spec }) => (isWindows(spec) ? undefined : seccomp(spec, true)),
    },
];

/** check_procMount_baseline.go `procMount_1_0`: only unset or "Default". */
function procMount({ spec }: PodLike): Verdict {
    const types: string[] = [];
    const bad = containers(spec).filter((c) => {
        const v = field<string>(sc(c), "procMount");
        if (v !== undefined && v !== "Default") {
            types.push(v);
            return true;
        }
        return false;
    }).map(nameOf);
    return bad.length === 0 ? undefined : {
        reason: "procMount",
        detail: `${pluralize("container", "containers", bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
    };
}

/**
 * check_seccompProfile_baseline.go `seccompProfileBaseline_1_19` (`required` false: a set type must be
 * RuntimeDefault or Localhost) and check_seccompProfile_restricted.go `seccompProfileRestricted_1_19`
 * (`required`: also set, on the pod or on every container that does not set its own).
 */
function seccomp(spec: PodSpecLike, required: boolean): Verdict {
    const valid = (p: Obj): boolean => p.type === "RuntimeDefault" || p.type === "Localhost";
    const badValues: string[] = [];
    const podProfile = field<Obj>(spec.securityContext, "seccompProfile");
    const podBad = podProfile !== undefined && !valid(podProfile);
    if (podBad) badValues.push(str(podProfile.type));
    const podSet = podProfile !== undefined && !podBad;
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
        const p = field<Obj>(sc(c), "seccompProfile");
        if (p !== undefined) {
            if (!valid(p)) {
                explicit.push(nameOf(c));
                badValues.push(str(p.type));
            }
        } else if (!podSet) {
            implicit.push(nameOf(c));
        }
    }
    const who = setters(podBad, explicit);
    if (who.length > 0) return { reason: "seccompProfile", detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}` };
    return !required || implicit.length === 0 ? undefined : {
        reason: "seccompProfile",
        detail: `pod or ${pluralize("container", "containers", implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
}

/** The baseline checks a restricted check replaces, by id (`OverrideCheckIDs`). */
export const OVERRIDDEN_BY: Readonly<Record<string, string>> = Object.fromEntries(
    CHECKS.flatMap((c) => (c.overrides ?? []).map((o) => [o, c.id])),
);

/** The checks the restricted level runs, in the plugin's order: baseline ids sorted, then restricted ids sorted. */
export const RESTRICTED_CHECKS: readonly { readonly id: string; readonly source: string }[] = [
    ...CHECKS.filter((c) => c.level === "baseline" && OVERRIDDEN_BY[c.id] === undefined).sort((a, b) => (a.id < b.id ? -1 : 1)),
    ...CHECKS.filter((c) => c.level === "restricted").sort((a, b) => (a.id < b.id ? -1 : 1)),
].map((c) => ({ id: c.id, source: c.source }));

/**
 * The pod after the API server's defaulting, which runs before admission, for what the checks read:
 * a volume that names no source becomes an emptyDir, and with `hostNetwork` every container port
 * gets its `hostPort` (kubernetes/kubernetes pkg/apis/core/v1/defaults.go `SetDefaults_Volume`,
 * `SetDefaults_Pod` with `defaultHostNetworkPorts`, at commit 023f88a32c95647b94e47df54948a0af9517dd0c). The plugin's fixture restricted/v1.35/pass/restrictedvolumes0.yaml has
 * such a volume (`- name: volume0`), and passes.
 */
export function defaulted(pod: PodLike): PodLike {
    const sourceKeys = (v: Obj): string[] => Object.keys(v).filter((k) => k !== "name" && v[k] != null);
    const hostPorts = (c: ContainerLike): ContainerLike => ({ ...c, ports: (c.ports ?? []).map((p) => (Number(p.hostPort ?? 0) === 0 ? { ...p, hostPort: p.containerPort } : p)) });
    const spec = pod.spec;
    return {
        ...pod,
        spec: {
            ...spec,
            ...(spec.volumes !== undefined ? { volumes: spec.volumes.map((v) => (sourceKeys(v).length === 0 ? { ...v, emptyDir: {} } : v)) } : {}),
            ...(spec.hostNetwork === true ? { initContainers: spec.initContainers?.map(hostPorts), containers: spec.containers?.map(hostPorts) } : {}),
        },
    };
}

/** Every forbidden result of the `restricted` level at {@link POLICY_VERSION} for the pod as admission sees it; empty when admitted. */
export function evaluateRestricted(input: PodLike): Forbidden[] {
    const byId = new Map(CHECKS.map((c) => [c.id, c]));
    const pod = defaulted(input);
    return RESTRICTED_CHECKS.flatMap(({ id }) => {
        const v = byId.get(id)?.check(pod);
        return v === undefined ? [] : [{ check: id, ...v }];
    });
}

/** One check's forbidden result (any check, a baseline one a restricted check overrides too) for the defaulted pod. */
export function evaluateCheck(id: string, input: PodLike): Forbidden | undefined {
    const c = CHECKS.find((x) => x.id === id);
    if (c === undefined) throw new Error(`no check ${id}: ${CHECKS.map((x) => x.id).join(", ")}`);
    const v = c.check(defaulted(input));
    return v === undefined ? undefined : { check: id, ...v };
}

/**
 * What the API server's refusal says after `violates PodSecurity "restricted:latest": `
 * (admission/admission.go, from policy/checks.go `AggregateCheckResult.ForbiddenDetail`):
 * `reason (detail), reason (detail)`.
 */
export function forbiddenMessage(results: readonly Forbidden[]): string {
    return results.map((r) => (r.detail === "" ? r.reason : `${r.reason} (${r.detail})`)).join(", ");
}
