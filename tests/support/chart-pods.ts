/**
 * The pod a pinned Helm chart creates from Launchpad's values: the chart's values.yaml coalesced with
 * ours as Helm does, then the fields of the pod template that Pod Security Admission reads, rendered
 * as the chart's template renders them. No Helm binary is reachable here, so each renderer below
 * mirrors its template (vendored beside the chart's values.yaml, vendor/<chart>/templates/) line for
 * line for those fields; tests/pod-security-admission.test.ts checks the template still holds each
 * line a renderer relies on ({@link KSM_TEMPLATE_LINES}, {@link PUSHGATEWAY_TEMPLATE_LINES}).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../../plan/engine";
import type { ContainerLike, PodLike } from "./pod-security";

type Values = Record<string, unknown>;

const isTable = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Helm's `chartutil.CoalesceValues` for one chart without dependencies (helm/helm pkg/chartutil/coalesce.go
 * `coalesceValues`, `CoalesceTables`): "Scalar values and arrays are replaced, maps are merged", and a
 * null in the user's values removes the chart's key.
 */
export function coalesce(user: Values, chart: Values): Values {
    const out: Values = { ...user };
    for (const [key, val] of Object.entries(chart)) {
        if (!(key in out)) {
            out[key] = val;
        } else if (out[key] === null) {
            delete out[key];
        } else if (isTable(out[key]) && isTable(val)) {
            out[key] = coalesce(out[key], val);
        }
    }
    return out;
}

/** A chart's vendored values.yaml (vendor/<dir>/values.yaml, see its SOURCE.md). */
export function chartDefaults(dir: string): Values {
    return parse(readFileSync(join(REPO_ROOT, "vendor", dir, "values.yaml"), "utf8")) as Values;
}

/** A vendored template of a chart. */
export function chartTemplate(dir: string, file: string): string {
    return readFileSync(join(REPO_ROOT, "vendor", dir, "templates", file), "utf8");
}

/** Go template truthiness for `if`/`with`: false, 0, nil, and empty strings, maps and lists are false. */
function truthy(v: unknown): boolean {
    if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (isTable(v)) return Object.keys(v).length > 0;
    return true;
}
const get = (v: Values, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (isTable(o) ? o[k] : undefined), v);
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const table = (v: unknown): Values | undefined => (truthy(v) ? (v as Values) : undefined);
const withoutKey = (v: Values, key: string): Values => Object.fromEntries(Object.entries(v).filter(([k]) => k !== key));

/**
 * The lines of kube-state-metrics 8.4.0 templates/deployment.yaml that {@link kubeStateMetricsPod}
 * mirrors (whitespace as in the file). The file has no other `securityContext:`, `hostPort`, `hostPath`,
 * `hostPID`, `hostIPC`, `privileged`, `sysctls` or `procMount` (the test checks that too).
 */
export const KSM_TEMPLATE_LINES: readonly string[] = [
    "kind: StatefulSet\n{{- else }}\nkind: Deployment", // autosharding only changes the kind, not the pod template
    "hostNetwork: {{ .Values.hostNetwork }}",
    "{{- if kindIs \"bool\" .Values.hostUsers }}\n      hostUsers: {{ .Values.hostUsers }}",
    "{{- if .Values.securityContext.enabled }}\n      securityContext: {{- omit .Values.securityContext \"enabled\" | toYaml | nindent 8 }}",
    "{{- with .Values.initContainers }}\n      initContainers:\n      {{- toYaml . | nindent 6 }}",
    "- name: {{ template \"kube-state-metrics.name\" . }}",
    "{{- if eq .Values.kubeRBACProxy.enabled false }}\n        ports:\n        - containerPort: {{ .Values.service.port | default 8080}}\n          name: http\n        - containerPort: {{ $telemetryPort }}\n          name: metrics",
    "{{- if .Values.hostNetwork }}\n            host: 127.0.0.1",
    "{{- if .Values.containerSecurityContext }}\n        securityContext:\n{{ toYaml .Values.containerSecurityContext | indent 10 }}",
    "{{-  if .Values.kubeRBACProxy.enabled  }}\n      - name: kube-rbac-proxy-http",
    "{{-  if .Values.selfMonitor.enabled  }}\n      - name: kube-rbac-proxy-telemetry",
    "{{- if .Values.kubeRBACProxy.containerSecurityContext }}\n        securityContext:\n{{ toYaml .Values.kubeRBACProxy.containerSecurityContext | indent 10 }}",
    "{{- with .Values.containers }}\n      {{- toYaml . | nindent 6 }}",
    "{{- if .Values.kubeconfig.enabled}}\n        - name: kubeconfig\n          secret:",
    "{{- if .Values.kubeRBACProxy.enabled}}\n        - name: kube-rbac-proxy-config\n          configMap:",
    "{{- if .Values.customResourceState.enabled}}\n        - name: customresourcestate-config\n          configMap:",
    "{{- if .Values.volumes }}\n{{ toYaml .Values.volumes | indent 8 }}",
];

/** The pod kube-state-metrics 8.4.0 templates/deployment.yaml renders from coalesced values `v`: the fields PSA reads. */
export function kubeStateMetricsPod(v: Values): PodLike {
    const hostNetwork = get(v, "hostNetwork") === true;
    const probe = hostNetwork ? { httpGet: { host: "127.0.0.1" } } : { httpGet: {} };
    const rbacProxy = truthy(get(v, "kubeRBACProxy.enabled"));
    const proxy = (name: string): ContainerLike => ({ name, securityContext: table(get(v, "kubeRBACProxy.containerSecurityContext")) });
    const main: ContainerLike = {
        name: "kube-state-metrics",
        ports: rbacProxy ? [] : [{ name: "http" }, { name: "metrics" }],
        ...(truthy(get(v, "startupProbe.enabled")) ? { startupProbe: probe } : {}),
        livenessProbe: probe,
        readinessProbe: probe,
        securityContext: table(get(v, "containerSecurityContext")),
    };
    const podSc = get(v, "securityContext");
    return {
        metadata: { annotations: table(get(v, "podAnnotations")) as Record<string, string> | undefined },
        spec: {
            hostNetwork,
            ...(typeof get(v, "hostUsers") === "boolean" ? { hostUsers: get(v, "hostUsers") as boolean } : {}),
            ...(isTable(podSc) && truthy(podSc.enabled) ? { securityContext: withoutKey(podSc, "enabled") } : {}),
            initContainers: list<ContainerLike>(get(v, "initContainers")),
            containers: [
                main,
                ...(rbacProxy ? [proxy("kube-rbac-proxy-http"), ...(truthy(get(v, "selfMonitor.enabled")) ? [proxy("kube-rbac-proxy-telemetry")] : [])] : []),
                ...list<ContainerLike>(get(v, "containers")),
            ],
            volumes: [
                ...(truthy(get(v, "kubeconfig.enabled")) ? [{ name: "kubeconfig", secret: {} }] : []),
                ...(rbacProxy ? [{ name: "kube-rbac-proxy-config", configMap: {} }] : []),
                ...(truthy(get(v, "customResourceState.enabled")) ? [{ name: "customresourcestate-config", configMap: {} }] : []),
                ...list<Record<string, unknown>>(get(v, "volumes")),
            ],
        },
    };
}

/**
 * The lines of prometheus-pushgateway 2.15.0 templates/deployment.yaml and templates/_helpers.tpl
 * (`prometheus-pushgateway.podSpec`) that {@link pushgatewayPod} mirrors.
 */
export const PUSHGATEWAY_TEMPLATE_LINES: Readonly<Record<"deployment.yaml" | "_helpers.tpl", readonly string[]>> = {
    "deployment.yaml": [
        "{{- if not .Values.runAsStatefulSet }}",
        "{{- with .Values.podAnnotations }}\n      annotations:",
        "{{- include \"prometheus-pushgateway.podSpec\" . | nindent 6 }}",
    ],
    "_helpers.tpl": [
        "{{- with .Values.extraInitContainers }}\ninitContainers:\n  {{- toYaml . | nindent 2 }}",
        "containers:\n  {{- with .Values.extraContainers }}\n  {{- toYaml . | nindent 2 }}\n  {{- end }}\n  - name: pushgateway",
        "    ports:\n      - name: metrics\n        containerPort: 9091\n        protocol: TCP",
        "      httpGet:\n        path: {{ .httpGet.path }}\n        port: {{ .httpGet.port }}",
        "{{- with .Values.containerSecurityContext }}\n    securityContext:\n      {{- toYaml . | nindent 6 }}",
        "{{- with .Values.securityContext }}\nsecurityContext:\n  {{- toYaml . | nindent 2 }}",
        "  - name: storage-volume\n  {{- if .Values.persistentVolume.enabled }}\n    persistentVolumeClaim:",
        "  {{- else }}\n    emptyDir: {}",
        "  - name: web-config\n    secret:",
        "{{- toYaml .Values.extraVolumes  | nindent 2 }}",
    ],
};

/** The pod prometheus-pushgateway 2.15.0 renders (Deployment, templates/_helpers.tpl podSpec) from coalesced values `v`. */
export function pushgatewayPod(v: Values): PodLike {
    const asPvcTemplate = truthy(get(v, "runAsStatefulSet")) && truthy(get(v, "persistentVolume.enabled"));
    const web = truthy(get(v, "webConfiguration"));
    const probe = { httpGet: {} }; // path and port only: the template writes no host
    return {
        metadata: { annotations: table(get(v, "podAnnotations")) as Record<string, string> | undefined },
        spec: {
            initContainers: list<ContainerLike>(get(v, "extraInitContainers")),
            containers: [
                ...list<ContainerLike>(get(v, "extraContainers")),
                {
                    name: "pushgateway",
                    ports: [{ name: "metrics", containerPort: 9091 }],
                    ...(truthy(get(v, "liveness.enabled")) ? { livenessProbe: probe } : {}),
                    ...(truthy(get(v, "readiness.enabled")) ? { readinessProbe: probe } : {}),
                    securityContext: table(get(v, "containerSecurityContext")),
                },
            ],
            securityContext: table(get(v, "securityContext")),
            volumes: [
                ...(asPvcTemplate ? [] : [
                    truthy(get(v, "persistentVolume.enabled")) ? { name: "storage-volume", persistentVolumeClaim: {} } : { name: "storage-volume", emptyDir: {} },
                    ...(web ? [{ name: "web-config", secret: {} }] : []),
                ]),
                ...(truthy(get(v, "extraVolumes")) ? list<Record<string, unknown>>(get(v, "extraVolumes")) : asPvcTemplate && web ? [{ name: "web-config", secret: {} }] : []),
            ],
        },
    };
}
