/**
 * npm run --silent unfinished-jobs -- --stack <name>
 *
 * deploy.yml's preflight before each `pulumi up`: refuses while a Job that the update would replace
 * is still running in the stack's namespace. The migration, smoke gate and load gate Jobs carry
 * `pulumi.com/replaceUnready`, so pulumi-kubernetes reads each live Job on the next update and, unless
 * its `Complete` condition is true, replaces it, deleting it first since the name stays
 * (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go `Diff`, `checkjob.NewJobChecker` in
 * provider/pkg/await/checker/job/check.go `jobComplete`; `deleteBeforeReplace` when the name is
 * unchanged). After an update that was cut off (runner lost, job cancelled, credentials expired) the
 * Jobs carry on without it, and the next update would stop a migration halfway. A failed Job is not
 * waited for: replacing it is the retry docs/operations.md describes.
 *
 * The Jobs are read live through the Kubernetes API with the stack's `kubeconfig` output
 * (`@kubernetes/client-node`, as scripts/readiness.ts reads Deployments), found by the role label
 * the program puts on them (lib/delivery.ts) and the replaceUnready annotation (an operator's
 * `npm run loadtest` Job has neither that the update owns). Fail-closed: where the cluster cannot
 * be read there is no answer, and the state cannot stand in for one (a create cut off mid-wait is a
 * pending operation, not a status), so no answer is no go-ahead, as scripts/unmerged-rollback.sh.
 *
 * Exit codes: 0 no Job running (or nothing deployed yet: no kubeconfig output); 1 a Job is still
 * running (each named, with the command that waits for it to end: `waitCommand`); 2 bad arguments; 3 no answer
 * (the stack's outputs or the cluster cannot be read).
 */
import * as k8s from "@kubernetes/client-node";
import { ANNOTATIONS, ROLE_LABEL, ROLES, SELECTOR_LABELS } from "../lib/delivery";
import { REPLACE_UNREADY_ANNOTATION } from "../lib/kubernetes";
import { REPO_ROOT } from "../plan/root";
import { failed, parseFlags, runMain, type CliResult } from "./cli";
import { LIVE_READ_TIMEOUT_MS, withinTimeout } from "./readiness";

const USAGE = "usage: npm run --silent unfinished-jobs -- --stack <name>";

/** The roles of the Jobs an update owns and replaces when unready: what it must not meet running. */
export const REPLACED_ROLES = [ROLES.migration, ROLES.gate, ROLES.loadtest] as const;

/** The label selector that lists them: `launchpad.dev/role in (...)` (Kubernetes set-based selector syntax). */
export const JOB_SELECTOR = `${ROLE_LABEL} in (${[...REPLACED_ROLES].sort().join(",")})`;

/** The fields of a batch/v1 Job the check reads. */
export interface JobSummary {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly activeDeadlineSeconds?: number;
    readonly active?: number;
    readonly startTime?: string;
    /** `status.conditions` whose status is "True": `Complete`, `Failed`, `FailureTarget`, ... */
    readonly trueConditions: readonly string[];
}

/** Lists the Jobs of `namespace` that match `labelSelector`. Throws when the cluster cannot be read. */
export type JobLister = (namespace: string, labelSelector: string) => Promise<JobSummary[]>;

/** A lister through `@kubernetes/client-node` with this kubeconfig, each read bounded as readiness.ts bounds its own. */
export function kubernetesJobLister(kubeconfig: string, timeoutMs = LIVE_READ_TIMEOUT_MS): JobLister {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    return async (namespace, labelSelector) => {
        const list = await withinTimeout(batch.listNamespacedJob({ namespace, labelSelector }), timeoutMs);
        return list.items.map((j) => ({
            name: j.metadata?.name ?? "",
            labels: j.metadata?.labels ?? {},
            annotations: j.metadata?.annotations ?? {},
            activeDeadlineSeconds: j.spec?.activeDeadlineSeconds,
            active: j.status?.active,
            startTime: j.status?.startTime?.toISOString(),
            trueConditions: (j.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type),
        }));
    };
}

/**
 * Whether the next update would replace this Job while it runs: it carries replaceUnready and has
 * ended neither way. `Complete` is what pulumi-kubernetes calls ready (it leaves the Job alone);
 * `Failed` is ended (its replacement is the retry). Anything else, `FailureTarget` or
 * `SuccessCriteriaMet` alone included (the Job controller is still terminating its pods), is running.
 */
export function stillRunning(job: JobSummary): boolean {
    return job.annotations[REPLACE_UNREADY_ANNOTATION] === "true" && !job.trueConditions.some((c) => c === "Complete" || c === "Failed");
}

const WHAT: Readonly<Record<string, string>> = { [ROLES.migration]: "schema migration", [ROLES.gate]: "smoke gate", [ROLES.loadtest]: "load gate" };

/**
 * A command that returns once the Job ends, complete or failed, or after `timeoutSeconds`. One
 * `kubectl wait` cannot: `--for` is a single string flag (a second `--for` replaces the first:
 * kubernetes staging/src/k8s.io/kubectl/pkg/cmd/wait/wait.go `AddFlags`, `StringVar`), so
 * `--for=condition=complete` waits out its timeout on a Job that failed; a JSONPath of two
 * expressions is refused ("given jsonpath expression matches more than one list", `verifyParsedJSONPath`);
 * waiting for either condition is an open request (kubernetes/kubectl#1629; kubernetes/kubernetes#126583
 * closed unmerged). So both waits run, and the first to return ends the other (bash `wait -n`), with its status.
 */
export function waitCommand(namespace: string, job: string, timeoutSeconds: number | undefined): string {
    const timeout = timeoutSeconds !== undefined ? ` --timeout=${timeoutSeconds}s` : "";
    const wait = (condition: string): string => `kubectl -n ${namespace} wait --for=condition=${condition}${timeout} job/${job}`;
    return `bash -c '${wait("complete")} & ${wait("failed")} & wait -n; s=$?; kill $(jobs -p) 2>/dev/null; exit $s'`;
}

/** `  - job/<name> (schema migration of api green, to schema version 4; active 1, started <t>): bash -c 'kubectl -n <ns> wait ...'`. */
export function runningJobLine(namespace: string, job: JobSummary): string {
    const what = WHAT[job.labels[ROLE_LABEL]] ?? job.labels[ROLE_LABEL];
    const version = job.annotations[ANNOTATIONS.schemaVersion];
    const of = `${what} of ${job.labels[SELECTOR_LABELS.app]} ${job.labels[SELECTOR_LABELS.color]}${version !== undefined ? `, to schema version ${version}` : ""}`;
    const state = `active ${job.active ?? 0}${job.startTime !== undefined ? `, started ${job.startTime}` : ", not started"}`;
    // Its deadline is the longest it can still run (activeDeadlineSeconds counts from its start).
    return `  - job/${job.name} (${of}; ${state}): ${waitCommand(namespace, job.name, job.activeDeadlineSeconds)}\n`;
}

/** Why the cluster could not be read, in a line: the API server's own message for an HTTP error. */
function readError(e: unknown): string {
    if (e instanceof k8s.ApiException) {
        const body = typeof e.body === "string" ? e.body : JSON.stringify(e.body);
        let message: unknown;
        try {
            message = (JSON.parse(body) as { message?: unknown }).message;
        } catch {
            message = undefined;
        }
        return `the API server answered ${e.code}${typeof message === "string" ? `: ${message}` : ""}`;
    }
    return e instanceof Error ? e.message : String(e);
}

/** The part of an Automation API `Stack` the check uses. */
export interface JobsStack {
    outputs(): Promise<Record<string, { value: unknown; secret?: boolean }>>;
}

export interface UnfinishedJobsDeps {
    /** Selects the stack in the project at `workDir` (a `LocalWorkspace`). */
    selectStack(stackName: string, workDir: string): Promise<JobsStack>;
    /** Lists Jobs live with the stack's kubeconfig. @default - `kubernetesJobLister` (`@kubernetes/client-node`) */
    jobLister?: (kubeconfig: string) => JobLister;
}

const RUNBOOK = 'docs/operations.md, "When the update itself was cut off"';

export async function unfinishedJobs(argv: readonly string[], deps: UnfinishedJobsDeps): Promise<CliResult> {
    const parsed = parseFlags(argv, { stack: { type: "string" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const stackName = parsed.flags.stack;
    if (stackName === undefined) {
        return failed(2, `--stack is required\n${USAGE}\n`);
    }
    let outputs: Record<string, { value: unknown }>;
    try {
        outputs = await (await deps.selectStack(stackName, REPO_ROOT)).outputs();
    } catch (e) {
        return failed(3, `no answer: stack ${stackName}'s outputs cannot be read (${readError(e)}), so its cluster cannot be asked for running Jobs; no answer is no go-ahead (${RUNBOOK})\n`);
    }
    const kubeconfig = outputs.kubeconfig?.value;
    if (typeof kubeconfig !== "string" || kubeconfig === "") {
        return { code: 0, stdout: `stack ${stackName} has no kubeconfig output yet (a first deploy): no Job an update could meet running\n`, stderr: "" };
    }
    const namespace = outputs.namespace?.value;
    if (typeof namespace !== "string" || namespace === "") {
        return failed(3, `no answer: stack ${stackName} has a kubeconfig output but no namespace output, so there is no namespace to ask for running Jobs; no answer is no go-ahead (${RUNBOOK})\n`);
    }
    let jobs: JobSummary[];
    try {
        jobs = await (deps.jobLister ?? kubernetesJobLister)(kubeconfig)(namespace, JOB_SELECTOR);
    } catch (e) {
        return failed(3, `no answer: the Jobs of namespace ${namespace} cannot be read (${readError(e)}); a migration cut off with the last update may still be running, and this update would delete it. ` +
            `Check with \`kubectl -n ${namespace} get jobs -l '${JOB_SELECTOR}'\` where the cluster is reachable; no answer is no go-ahead (${RUNBOOK})\n`);
    }
    const running = jobs.filter(stillRunning).sort((a, b) => a.name.localeCompare(b.name));
    if (running.length === 0) {
        return { code: 0, stdout: `no migration or gate Job running in namespace ${namespace}\n`, stderr: "" };
    }
    return failed(1, `refused before the update: ${running.length} Job${running.length === 1 ? "" : "s"} in namespace ${namespace} still running, which this update would delete and start again ` +
        `(${REPLACE_UNREADY_ANNOTATION}: pulumi-kubernetes replaces a Job that is not complete, deleting it first), stopping a migration halfway:\n` +
        running.map((j) => runningJobLine(namespace, j)).join("") +
        `Wait for each to end (complete, or failed: its replacement is the retry), then run the deploy again (${RUNBOOK}).\n`);
}

if (require.main === module) {
    runMain(async (argv) => {
        // Loaded here only: the Automation API drives the Pulumi CLI, which tests never need.
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return unfinishedJobs(argv, { selectStack: (stackName, workDir) => LocalWorkspace.selectStack({ stackName, workDir }) });
    });
}
