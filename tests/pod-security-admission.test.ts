/**
 * Every pod the stack puts in its application namespace, labelled `pod-security.kubernetes.io/enforce:
 * restricted` at `latest` (components/cluster.ts namespaceLabels), passes Pod Security Admission as
 * the admission plugin itself evaluates it: tests/support/pod-security.ts ports its checks from
 * kubernetes/pod-security-admission v0.36.2 policy/check_*.go and is first run against the plugin's
 * own fixtures for that policy version. A pod it refuses is never created: a Deployment's ReplicaSet
 * stays at zero pods, a Job never starts, an atomic Helm release times out and rolls back.
 *
 * Checked: the pod templates of every Deployment, Job and CronJob in both stacks' plans (and in the
 * plans that add the load gate's Job and a migration Job), init containers included, and the pods
 * the two Helm releases in the namespace create (kube-state-metrics, the Pushgateway), rendered from
 * the chart's vendored values.yaml and templates with our values (tests/support/chart-pods.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { PLATFORM_NAMESPACE } from "../components/platform";
import { loadtestCli } from "../loadtest/cli";
import { REPO_ROOT } from "../plan/engine";
import { chartDefaults, chartTemplate, coalesce, KSM_TEMPLATE_LINES, kubeStateMetricsPod, PUSHGATEWAY_TEMPLATE_LINES, pushgatewayPod } from "./support/chart-pods";
import { frozen, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";
import { RESTRICTED_VOLUME_TYPES, WORKLOAD_POLICIES } from "../policies/workloads";
import { evaluateCheck, evaluateRestricted, forbiddenMessage, OVERRIDDEN_BY, POLICY_VERSION, RESTRICTED_CHECKS, RESTRICTED_VOLUME_SOURCES, type PodLike, type PodSpecLike } from "./support/pod-security";
import { resource, violations } from "./support/policy";

const FIXTURES = join(REPO_ROOT, "vendor", "pod-security-admission", "restricted", POLICY_VERSION);
const fixtures = (dir: "pass" | "fail"): string[] => readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith(".yaml")).sort();
const readPod = (dir: string, file: string): PodLike => parse(readFileSync(join(FIXTURES, dir, file), "utf8")) as PodLike;

describe(`the port of Pod Security Admission "restricted" (${POLICY_VERSION}) against the plugin's own fixtures (test/testdata/restricted/${POLICY_VERSION})`, () => {
    it("runs the checks restricted runs at 1.35, in the plugin's order (policy/registry.go populate: baseline ids not overridden, then restricted ids, each sorted)", () => {
        expect(RESTRICTED_CHECKS.map((c) => c.id)).toEqual([
            "appArmorProfile", "hostNamespaces", "hostPorts", "hostProbesAndHostLifecycle", "privileged", "seLinuxOptions", "sysctls", "windowsHostProcess",
            "allowPrivilegeEscalation", "capabilities_restricted", "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
        ]);
        expect(OVERRIDDEN_BY).toEqual({
            capabilities_baseline: "capabilities_restricted",
            procMount: "procMount_restricted",
            hostPathVolumes: "restrictedVolumes",
            seccompProfile_baseline: "seccompProfile_restricted",
        });
    });

    it("admits every pass fixture (23)", () => {
        const files = fixtures("pass");
        expect(files).toHaveLength(23);
        expect(files.map((f) => [f, forbiddenMessage(evaluateRestricted(readPod("pass", f)))])).toEqual(files.map((f) => [f, ""]));
    });

    // The plugin's own fixture test asks only that the refusal names the check (test/fixtures.go
    // expectErrorSubstring); five fixtures fail a second check too, because the API's validation
    // shapes them: a privileged container may not set allowPrivilegeEscalation=false, a Windows
    // hostProcess pod must use hostNetwork, and allowprivilegeescalation3's container has no context at all.
    const ALSO_FAILS: Readonly<Record<string, string[]>> = {
        "allowprivilegeescalation3.yaml": ["allowPrivilegeEscalation", "capabilities_restricted"],
        "privileged0.yaml": ["privileged", "allowPrivilegeEscalation"],
        "privileged1.yaml": ["privileged", "allowPrivilegeEscalation"],
        "windowshostprocess0.yaml": ["hostNamespaces", "windowsHostProcess"],
        "windowshostprocess1.yaml": ["hostNamespaces", "windowsHostProcess"],
    };

    it("refuses every fail fixture (76) by the check its file is named after (or the restricted check that overrides it), and only by it but for five", () => {
        const files = fixtures("fail");
        expect(files).toHaveLength(76);
        const byLowerId = new Map(RESTRICTED_CHECKS.map((c) => [c.id.toLowerCase(), c.id]));
        const expected = (f: string): string => {
            const prefix = f.replace(/\d+\.yaml$/, "");
            const id = byLowerId.get(prefix) ?? Object.keys(OVERRIDDEN_BY).find((k) => k.toLowerCase() === prefix);
            return id === undefined ? `unknown check ${prefix}` : (OVERRIDDEN_BY[id] ?? id);
        };
        expect(files.map((f) => [f, evaluateRestricted(readPod("fail", f)).map((r) => r.check)])).toEqual(files.map((f) => [f, ALSO_FAILS[f] ?? [expected(f)]]));
        expect(Object.keys(ALSO_FAILS).filter((f) => !ALSO_FAILS[f].includes(expected(f)))).toEqual([]);
    });

    it("words a refusal as the plugin does (check_runAsNonRoot.go, check_capabilities_restricted.go, checks.go ForbiddenDetail)", () => {
        const pod: PodLike = { spec: { containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" } } }] } };
        expect(forbiddenMessage(evaluateRestricted(pod))).toBe(
            'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), ' +
            'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)',
        );
    });

    // The plugin's unit tests' expected details (policy/check_hostPorts_test.go; check_restrictedVolumes_test.go
    // less its volume with no source, which the API's defaulting makes an emptyDir before admission).
    it.each([
        ["hostPorts", { containers: [{ name: "a", ports: [{ hostPort: 0 }] }, { name: "b", ports: [{ hostPort: 0 }, { hostPort: 20 }] }] }, 'container "b" uses hostPort 20'],
        ["hostPorts", { containers: [{ name: "a", ports: [{ hostPort: 0 }] }, { name: "b", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 20 }] }, { name: "c", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 30 }] }] },
            'containers "b", "c" use hostPorts 10, 20, 30'],
        ["restrictedVolumes", {
            volumes: [
                ...["emptyDir", "secret", "persistentVolumeClaim", "downwardAPI", "configMap", "projected", "csi", "ephemeral", "image"].map((k, i) => ({ name: `a${i + 1}`, [k]: {} })),
                ...["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
                    "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos"].map((k, i) => ({ name: `b${i + 1}`, [k]: {} })),
            ],
        }, `volumes ${Array.from({ length: 21 }, (_, i) => `"b${i + 1}"`).join(", ")} use restricted volume types ` +
            '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", ' +
            '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume"'],
    ])("%s words its detail as the plugin's unit test expects (case %#)", (id, spec, detail) => {
        expect(evaluateCheck(id, { spec })?.detail).toBe(detail);
    });
});

/** The pod template of a workload, as the API server will create its pods. */
function podTemplate(r: PlannedResource): PodLike | undefined {
    const kind = r.type.split(":")[2];
    const spec = r.inputs.spec as Record<string, unknown> | undefined;
    const template = kind === "CronJob" ? ((spec?.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template)
        : ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(kind) ? spec?.template
        : kind === "Pod" ? r.inputs : undefined;
    return template as PodLike | undefined;
}

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Namespaces the plan labels `enforce: restricted`. */
function restrictedNamespaces(plan: Plan): string[] {
    return ofType(plan, "kubernetes:core/v1:Namespace")
        .filter((n) => (n.inputs.metadata as { labels?: Record<string, string> }).labels?.["pod-security.kubernetes.io/enforce"] === "restricted")
        .map((n) => (n.inputs.metadata as { name: string }).name);
}
const namespaceOf = (r: PlannedResource): string => (r.type === RELEASE ? r.inputs.namespace : (r.inputs.metadata as { namespace?: string } | undefined)?.namespace) as string;

/** The pods a release of a vendored chart creates, by chart name. */
const CHART_PODS: Readonly<Record<string, { dir: string; render: (values: Record<string, unknown>) => PodLike }>> = {
    "kube-state-metrics": { dir: "kube-state-metrics", render: kubeStateMetricsPod },
    "prometheus-pushgateway": { dir: "prometheus-pushgateway", render: pushgatewayPod },
};

/** Every pod (by resource name) the plan puts in a restricted namespace, workloads and chart releases alike. */
function restrictedPods(plan: Plan): Record<string, PodLike> {
    const namespaces = new Set(restrictedNamespaces(plan));
    const pods: Record<string, PodLike> = {};
    for (const r of plan.resources.filter((x) => namespaces.has(namespaceOf(x)))) {
        const kind = r.type.split(":")[2];
        if (r.type === RELEASE) {
            const chart = CHART_PODS[r.inputs.chart as string];
            if (chart === undefined) throw new Error(`${r.name}: chart ${JSON.stringify(r.inputs.chart)} in a restricted namespace has no renderer in tests/support/chart-pods.ts`);
            pods[r.name] = chart.render(coalesce(r.inputs.values as Record<string, unknown>, chartDefaults(chart.dir)));
        } else if (WORKLOAD_KINDS.has(kind)) {
            const t = podTemplate(r);
            if (t === undefined) throw new Error(`${r.name}: ${kind} without a pod template`);
            pods[r.name] = t;
        }
    }
    return pods;
}

const LOAD_GATE = 'launchpad:services.api.performance={"loadGate":true}';
const S = "launchpad:services.api.releases";
/** Staging, blue migrating its schema 3 -> 4 (as tests/migrations.test.ts plans it): the migration Job exists. */
const MIGRATION = [`${S}.green.schema={version: 3, supports: [3, 4]}`, `${S}.blue.migrate={command: ["./migrate", "up"]}`, `${S}.blue.schema={version: 4, supports: [4, 5]}`];
const PREVIOUS = { schemaVersions: { api: { version: 3, migrations: [] } } };

/**
 * The migration plan once for the file's three readers, frozen: planStack's cache keeps no plan with
 * previous outputs (a re-run may be the point elsewhere; here all three read the same plan).
 */
let migrationPlan: Promise<Plan> | undefined;
/** `exact`: the plan's pods are exactly `pods`; otherwise they include them (the plans adding one Job). */
const PLANS: readonly { readonly label: string; readonly plan: () => Promise<Plan>; readonly pods: readonly string[]; readonly exact: boolean }[] = [
    {
        label: "staging",
        plan: () => planStack("staging"),
        pods: ["api-blue", "api-blue-gate", "api-green", "api-green-gate", "database-grants-job", "logical-backup-drill", "logical-backup-dump", "logical-backup-recovery-metrics", "logical-backup-verify", "observability-kube-state-metrics", "observability-pushgateway"]
            .map((n) => `launchpad-staging-${n}`),
        exact: true,
    },
    {
        label: "production",
        plan: () => planStack("production"),
        pods: ["api-blue", "api-blue-gate", "api-green", "api-green-gate", "database-grants-job", "logical-backup-drill", "logical-backup-dump", "logical-backup-recovery-metrics", "logical-backup-verify", "observability-kube-state-metrics", "observability-pushgateway"]
            .map((n) => `launchpad-production-${n}`),
        exact: true,
    },
    { label: "staging with the load gate", plan: () => planStack("staging", [LOAD_GATE]), pods: ["launchpad-staging-api-blue-load", "launchpad-staging-api-green-load"], exact: false },
    { label: "staging with a migration", plan: () => (migrationPlan ??= planStack("staging", MIGRATION, { previousOutputs: PREVIOUS }).then(frozen)), pods: ["launchpad-staging-api-blue-migrate"], exact: false },
];

describe(`every pod in the restricted namespace passes Pod Security "restricted" at ${POLICY_VERSION}, what enforce-version: latest is on EKS 1.35 and 1.36`, () => {
    for (const p of PLANS) {
        it(`${p.label}: the pods it checks ${p.exact ? "are exactly every workload and both app-namespace charts" : `include ${p.pods.join(", ")}`}`, async () => {
            const names = Object.keys(restrictedPods(await p.plan()));
            expect((p.exact ? names : names.filter((n) => p.pods.includes(n))).sort()).toEqual([...p.pods].sort());
        });

        it(`${p.label}: every one is admitted (no forbidden result from any check)`, async () => {
            const pods = restrictedPods(await p.plan());
            expect(Object.entries(pods).map(([n, pod]) => [n, forbiddenMessage(evaluateRestricted(pod))])).toEqual(Object.keys(pods).map((n) => [n, ""]));
        });
    }

    it("an operator's `npm run loadtest` Job (created outside the stack, in the same namespace: loadtest/job.ts loadtestObjects) is admitted", async () => {
        const r = await loadtestCli(["--stack", "staging", "--service", "api", "--scenario", "load", "--color", "blue", "--print"], {});
        const job = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { namespace: string }; spec: { template: PodLike } }).find((o) => o.kind === "Job");
        expect([r.code, job?.metadata.namespace, job === undefined ? "no Job printed" : forbiddenMessage(evaluateRestricted(job.spec.template))]).toEqual([0, "launchpad-staging", ""]);
    });

    // An operator's `kubectl debug` adds an ephemeral container to a running pod, which admission checks
    // like any other (policy/visitor.go). Profiles as kubernetes/kubectl pkg/cmd/debug/profiles.go
    // (42e77da7) applies them to the ephemeral container: "general", the default (debug.go `--profile`),
    // adds SYS_PTRACE only; "restricted"
    // sets runAsNonRoot, drops ALL, allowPrivilegeEscalation false and the RuntimeDefault seccomp profile.
    it.each([
        ["restricted", "admitted", { runAsNonRoot: true, capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" } }, ""],
        ["general", "refused", { capabilities: { add: ["SYS_PTRACE"] } },
            'allowPrivilegeEscalation != false (container "debugger" must set securityContext.allowPrivilegeEscalation=false), ' +
            'unrestricted capabilities (container "debugger" must set securityContext.capabilities.drop=["ALL"]; container "debugger" must not include "SYS_PTRACE" in securityContext.capabilities.add)'],
    ])("kubectl debug --profile=%s on a serving pod: its ephemeral container is %s", async (_profile, _verdict, securityContext, refusal) => {
        const app = restrictedPods(await planStack("staging"))["launchpad-staging-api-blue"];
        const debugged: PodLike = { ...app, spec: { ...app.spec, ephemeralContainers: [{ name: "debugger", securityContext }] } };
        expect(forbiddenMessage(evaluateRestricted(debugged))).toBe(refusal);
    });

    it("every pod sets none of the fields whose rule differs between policy versions 1.25 and 1.35 (sysctls, seLinuxOptions, hostUsers), so the verdict holds on an older minor's `latest` too", async () => {
        const uses = (spec: PodSpecLike): string[] => [
            ...(spec.hostUsers !== undefined ? ["hostUsers"] : []),
            ...(spec.securityContext?.sysctls !== undefined ? ["sysctls"] : []),
            ...[spec.securityContext, ...[...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.securityContext)].some((s) => s?.seLinuxOptions !== undefined) ? ["seLinuxOptions"] : [],
        ];
        const all = Object.assign({}, ...(await Promise.all(PLANS.map(async (p) => restrictedPods(await p.plan()))))) as Record<string, PodLike>;
        expect(Object.entries(all).filter(([, pod]) => uses(pod.spec).length > 0).map(([n, pod]) => [n, uses(pod.spec)])).toEqual([]);
    });

    it(`the platform charts go to ${PLATFORM_NAMESPACE}, which Launchpad does not label: PSA applies the cluster's defaults there (privileged unless configured: pod-security-admission admission/api/v1/defaults.go), so they are not checked here`, async () => {
        for (const stack of ["staging", "production"]) {
            const plan = await planStack(stack);
            const restricted = restrictedNamespaces(plan);
            expect(restricted).toEqual([`launchpad-${stack}`]);
            expect(ofType(plan, RELEASE).filter((r) => !restricted.includes(namespaceOf(r))).map((r) => [r.inputs.chart, namespaceOf(r)]).sort()).toEqual([
                ["aws-for-fluent-bit", "kube-system"], ["aws-load-balancer-controller", "kube-system"], ["cluster-autoscaler", "kube-system"], ["metrics-server", "kube-system"],
            ]);
        }
    });
});

describe("the chart renderers mirror the pinned charts' templates (vendor/<chart>/templates, see SOURCE.md)", () => {
    const risky = ["hostPort", "hostPath", "hostPID", "hostIPC", "privileged", "sysctls", "procMount", "seLinuxOptions", "appArmorProfile", "windowsOptions"];

    it("kube-state-metrics 8.4.0 templates/deployment.yaml holds every line kubeStateMetricsPod mirrors, has four securityContext blocks, and none of the fields it does not render", () => {
        const t = chartTemplate("kube-state-metrics", "deployment.yaml");
        expect(KSM_TEMPLATE_LINES.filter((l) => !t.includes(l))).toEqual([]);
        expect(t.match(/securityContext:/g)).toHaveLength(4);
        expect(risky.filter((w) => t.includes(w))).toEqual([]);
    });

    it("prometheus-pushgateway 2.15.0 deployment.yaml and _helpers.tpl hold every line pushgatewayPod mirrors, two securityContext blocks, none of the fields it does not render", () => {
        for (const [file, lines] of Object.entries(PUSHGATEWAY_TEMPLATE_LINES)) {
            const t = chartTemplate("prometheus-pushgateway", file);
            expect([file, lines.filter((l) => !t.includes(l))]).toEqual([file, []]);
            expect([file, risky.filter((w) => t.includes(w))]).toEqual([file, []]);
        }
        expect(chartTemplate("prometheus-pushgateway", "_helpers.tpl").match(/securityContext:/g)).toHaveLength(2);
    });

    it("Helm's coalescing: ours override, maps merge, lists replace, null removes (helm pkg/chartutil/coalesce.go)", () => {
        expect(coalesce({ a: { x: 1 }, l: [2], n: null }, { a: { x: 0, y: 1 }, l: [1, 1], n: 5, k: "chart" })).toEqual({ a: { x: 1, y: 1 }, l: [2], k: "chart" });
    });

    it("with the chart's defaults alone, the Pushgateway's pod would be refused: no seccomp profile and no container context (values.yaml 2.15.0), which our values supply", () => {
        const pod = pushgatewayPod(chartDefaults("prometheus-pushgateway"));
        expect(evaluateRestricted(pod).map((r) => r.check)).toEqual(["allowPrivilegeEscalation", "capabilities_restricted", "seccompProfile_restricted"]);
    });

    it("kube-state-metrics renders its pod securityContext only while securityContext.enabled stays true: our values leave the chart's `enabled: true` in place", async () => {
        const release = ofType(await planStack("staging"), RELEASE).find((r) => r.inputs.chart === "kube-state-metrics");
        const merged = coalesce(release?.inputs.values as Record<string, unknown>, chartDefaults("kube-state-metrics"));
        expect((merged.securityContext as Record<string, unknown>).enabled).toBe(true);
        expect(kubeStateMetricsPod(merged).spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
    });
});

/**
 * The policy pack refuses in a preview what admission would refuse at deploy (policies/workloads.ts,
 * written from the Pod Security Standards page). Each policy that mirrors a control is run on every
 * fixture of the plugin, as a Pod, and must refuse exactly the fixtures the ported checks refuse.
 */
describe("the policy pack's Pod Security policies agree with the admission plugin on its fixtures", () => {
    const withoutHostPath = (p: PodLike): PodLike => ({ ...p, spec: { ...p.spec, volumes: (p.spec.volumes ?? []).filter((v) => v.hostPath == null) } });
    const refuses = (ids: readonly string[], p: PodLike): boolean => ids.some((id) => evaluateCheck(id, p) !== undefined);
    const MIRRORS: Readonly<Record<string, (p: PodLike) => boolean>> = {
        "container-non-root": (p) => refuses(["runAsNonRoot", "runAsUser", "allowPrivilegeEscalation", "privileged"], p),
        "container-capabilities": (p) => refuses(["capabilities_restricted"], p),
        "pod-host-namespaces": (p) => refuses(["hostNamespaces", "hostPorts"], p),
        "pod-host-path": (p) => refuses(["hostPathVolumes"], p),
        "pod-seccomp": (p) => refuses(["seccompProfile_restricted"], p),
        // hostPath is pod-host-path's, so it is left out here.
        "pod-volume-types": (p) => refuses(["restrictedVolumes"], withoutHostPath(p)),
    };
    // The one difference: the plugin exempts a pod with spec.os.name windows from these three checks
    // (check_allowPrivilegeEscalation.go, check_capabilities_restricted.go, check_seccompProfile_restricted.go,
    // from 1.25); the pack does not, and Launchpad's node groups are Linux only.
    const WINDOWS_STRICTER = ["pass/base_windows.yaml container-capabilities", "pass/base_windows.yaml container-non-root", "pass/base_windows.yaml pod-seccomp"];

    it("the volume types pod-volume-types admits are the plugin's (check_restrictedVolumes.go, image included)", () => {
        expect([...RESTRICTED_VOLUME_TYPES].sort()).toEqual([...RESTRICTED_VOLUME_SOURCES].sort());
    });

    it("each mirroring policy refuses a fixture exactly when the plugin's check does, Windows pods aside", async () => {
        const policies = WORKLOAD_POLICIES.filter((p) => p.name in MIRRORS);
        expect(policies.map((p) => p.name).sort()).toEqual(Object.keys(MIRRORS).sort());
        const disagree: string[] = [];
        for (const dir of ["pass", "fail"] as const) {
            for (const f of fixtures(dir)) {
                const pod = readPod(dir, f);
                for (const policy of policies) {
                    const policyRefuses = (await violations(policy, resource("kubernetes:core/v1:Pod", f, pod as unknown as Record<string, unknown>))).length > 0;
                    if (policyRefuses !== MIRRORS[policy.name](pod)) disagree.push(`${dir}/${f} ${policy.name}`);
                }
            }
        }
        expect(disagree.sort()).toEqual(WINDOWS_STRICTER);
    });
});
