/**
 * zizmor's workflow audits, ported: zizmor (a static analyser for GitHub Actions) is not on npm or
 * Debian, so each audit that applies to these workflows is re-stated here as a check over every
 * workflow file, from its documentation and source: zizmorcore/zizmor @ 11bbf7e6 (2026-08-22),
 * docs/audits.md (the section named by the rule) and crates/zizmor/src/audit/<rule>.rs. Where our
 * check is stricter than zizmor's, its row says how. Each rule also runs on a small workflow that
 * breaks it and must be flagged, so no check passes by finding nothing to look at.
 *
 * Audits not ported, and why:
 * - impostor-commit, ref-confusion, known-vulnerable-actions, archived-uses, stale-action-refs,
 *   ref-version-mismatch: online (they ask GitHub about the pinned commit). Offline, every `uses:` is a
 *   release's full commit whose action.yml is vendored at that commit with its tag
 *   (tests/workflows-actions.test.ts), and `forbidden-uses` below allows only the four owners vendored.
 * - use-trusted-publishing, github-app, superfluous-actions, unpinned-tools, insecure-url-scheme,
 *   misfeature's pip-install: about actions or files these workflows do not use (no package publish,
 *   no GitHub App token, no setup-python, no pre-commit config).
 * - dependabot-cooldown, dependabot-execution: about .github/dependabot.yml (tests/dependabot.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../plan/engine";

const WORKFLOWS = ["preview", "deploy", "rollback"] as const;

interface Step {
    uses?: string;
    run?: string;
    shell?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    "runs-on"?: unknown;
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    container?: string | { image: string; credentials?: { password?: string } };
    services?: Record<string, { image: string; credentials?: { password?: string } }>;
    secrets?: unknown;
    uses?: string;
    env?: Record<string, string>;
    steps?: Step[];
}
interface Doc {
    name?: string;
    on: Record<string, unknown> | string | string[];
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean | string };
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}
/** One workflow file as a rule reads it: its name, its text (for comments) and its parsed document. */
interface Workflow {
    readonly file: string;
    readonly text: string;
    readonly doc: Doc;
}
const workflow = (file: string, text: string): Workflow => ({ file, text, doc: parseYaml(text) as Doc });
const ours = (): Workflow[] => WORKFLOWS.map((w) => workflow(`${w}.yml`, readFileSync(join(REPO_ROOT, ".github", "workflows", `${w}.yml`), "utf8")));

const jobs = (w: Workflow) => Object.entries(w.doc.jobs);
const steps = (w: Workflow) => jobs(w).flatMap(([id, job]) => (job.steps ?? []).map((step, i) => ({ where: `${w.file} ${id} step ${i + 1}`, id, job, step, i })));
const triggers = (w: Workflow): string[] => (typeof w.doc.on === "string" ? [w.doc.on] : Array.isArray(w.doc.on) ? w.doc.on : Object.keys(w.doc.on));
const action = (s: Step) => s.uses?.split("@")[0];
const images = (job: Job) => [
    ...(job.container === undefined ? [] : [typeof job.container === "string" ? { image: job.container } : job.container]),
    ...Object.values(job.services ?? {}),
];
/** The job holds the deploy role: it runs in an environment (each environment's AWS_DEPLOY_ROLE_ARN, scripts/github-oidc.ts). */
const deploys = (job: Job) => job.environment !== undefined;
/** Every `if:` of the workflow: jobs' and steps'. */
const conditions = (w: Workflow) => [
    ...jobs(w).flatMap(([id, j]) => (j.if === undefined ? [] : [{ where: `${w.file} ${id}`, cond: j.if }])),
    ...steps(w).flatMap((s) => (s.step.if === undefined ? [] : [{ where: s.where, cond: s.step.if }])),
];

interface Rule {
    /** zizmor's audit id (docs/audits.md section, crates/zizmor/src/audit/<id with _>.rs). */
    readonly id: string;
    /** What is checked, and how it differs from zizmor's own audit. */
    readonly check: string;
    readonly findings: (w: Workflow) => string[];
    /** A workflow that breaks the rule: the check must flag it. */
    readonly bad: string;
}

const RULES: readonly Rule[] = [
    {
        id: "template-injection",
        check: "no `${{ }}` in any run: script; values reach the shell through env: (stricter: zizmor flags attacker-controllable contexts only)",
        findings: (w) => steps(w).filter((s) => s.step.run?.includes("${{") === true).map((s) => `${s.where}: expression in run:`),
        bad: 'name: x\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n',
    },
    {
        id: "excessive-permissions",
        check: "`permissions: {}` at the workflow level and a permissions map on every job (the audit's remediation: none by default, each job names its own)",
        findings: (w) => [
            ...(typeof w.doc.permissions === "object" && Object.keys(w.doc.permissions).length === 0 ? [] : [`${w.file}: workflow permissions ${JSON.stringify(w.doc.permissions)}`]),
            ...jobs(w).filter(([, j]) => typeof j.permissions !== "object").map(([id, j]) => `${w.file} ${id}: job permissions ${JSON.stringify(j.permissions)}`),
        ],
        bad: "name: x\non: push\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "undocumented-permissions",
        check: "every permission but `contents: read` has a comment on its line (zizmor reads comments in the permission's own line range: yamlpath feature_comments)",
        findings: (w) => w.text.split("\n").flatMap((line, n) => {
            const m = /^\s+([a-z-]+): (read|write)\s*(#.*)?$/.exec(line);
            return m !== null && !(m[1] === "contents" && m[2] === "read") && m[3] === undefined ? [`${w.file}:${n + 1}: ${line.trim()} without a comment`] : [];
        }),
        bad: "name: x\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - run: make\n",
    },
    {
        id: "artipacked",
        check: "every actions/checkout sets persist-credentials: false (stricter: zizmor's auditor persona also flags an explicit true); a step that pushes gets its token in its own env, handed to that git process alone (GIT_CONFIG_COUNT/KEY/VALUE), never in a URL or a -c on the command line",
        findings: (w) => [
            ...steps(w).filter((s) => action(s.step) === "actions/checkout" && s.step.with?.["persist-credentials"] !== false).map((s) => `${s.where}: persist-credentials ${String(s.step.with?.["persist-credentials"])}`),
            ...steps(w).flatMap((s) => {
                const pushes = (s.step.run ?? "").split("\n").map((l, n, all) => (n > 0 && all[n - 1].trimEnd().endsWith("\\") ? `${all[n - 1]}\n${l}` : l)).filter((l) => /\bgit push\b/.test(l));
                return pushes.flatMap((line) => [
                    ...(/GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http\.\$\{GITHUB_SERVER_URL\}\/\.extraheader" GIT_CONFIG_VALUE_0="AUTHORIZATION: basic \$\{auth\}"/.test(line) ? [] : [`${s.where}: git push without its own credential header`]),
                    ...(/git -c|https:\/\/[^\s@]*@|\$\{?\w*TOKEN/.test(line.slice(line.indexOf("git push"))) ? [`${s.where}: credential on git push's command line`] : []),
                ]);
            }),
        ],
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          persist-credentials: true\n      - run: git push \"https://x-access-token:${TOKEN}@github.com/o/r\" HEAD:refs/heads/b\n",
    },
    {
        id: "cache-poisoning",
        check: "no job holding the deploy role restores a cache: setup-node without `cache:` and with `package-manager-cache: false` (the audit's setup-node inputs), no actions/cache (stricter: zizmor looks at release and tag-push workflows; these deploy)",
        findings: (w) => steps(w).filter((s) => deploys(s.job)).flatMap((s) => {
            if (action(s.step) === "actions/cache" || action(s.step)?.startsWith("actions/cache/") === true) return [`${s.where}: ${String(s.step.uses)}`];
            if (action(s.step) !== "actions/setup-node") return [];
            const cache = s.step.with?.cache;
            const auto = s.step.with?.["package-manager-cache"];
            return cache === undefined && auto === false ? [] : [`${s.where}: setup-node cache ${JSON.stringify(cache)}, package-manager-cache ${JSON.stringify(auto)}`];
        }),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0\n        with:\n          cache: npm\n",
    },
    {
        id: "unpinned-uses",
        check: "every uses: is owner/repo@<40-hex commit> with its tag in a comment (zizmor's default policy for non-GitHub actions, applied to all)",
        findings: (w) => {
            const uses = [...steps(w).map((s) => ({ where: s.where, uses: s.step.uses })), ...jobs(w).map(([id, j]) => ({ where: `${w.file} ${id}`, uses: j.uses }))];
            return uses.filter((u) => u.uses !== undefined && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u.uses)).map((u) => `${u.where}: ${String(u.uses)}`);
        },
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v7\n",
    },
    {
        id: "forbidden-uses",
        check: "actions only from the owners whose action.yml is vendored (actions, aws-actions, pulumi): an allowlist, as the opt-in audit's `allow` config (also the offline half of typosquat-uses)",
        findings: (w) => steps(w).filter((s) => s.step.uses !== undefined && !["actions", "aws-actions", "pulumi"].includes(s.step.uses.split("/")[0])).map((s) => `${s.where}: ${String(s.step.uses)}`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: action/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n",
    },
    {
        id: "unpinned-images",
        check: "every container and service image carries a tag and @sha256 digest (zizmor: a tag other than latest passes by default, a digest only in pedantic mode; here the digest is required)",
        findings: (w) => jobs(w).flatMap(([id, j]) => images(j).filter((i) => !/^[^@:\s]+:[\w.-]+@sha256:[0-9a-f]{64}$/.test(i.image)).map((i) => `${w.file} ${id}: image ${i.image}`)),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: node:24-bookworm\n    steps:\n      - run: make\n",
    },
    {
        id: "hardcoded-container-credentials",
        check: "a container or service registry password is a secrets expression, never a literal",
        findings: (w) => jobs(w).flatMap(([id, j]) => images(j).filter((i) => i.credentials?.password !== undefined && !/^\$\{\{\s*secrets\.\w+\s*\}\}$/.test(i.credentials.password)).map(() => `${w.file} ${id}: literal registry password`)),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/o/i:1@sha256:" + "0".repeat(64) + "\n      credentials:\n        username: me\n        password: hunter2\n    steps:\n      - run: make\n",
    },
    {
        id: "dangerous-triggers",
        check: "no pull_request_target or workflow_run trigger",
        findings: (w) => triggers(w).filter((t) => t === "pull_request_target" || t === "workflow_run").map((t) => `${w.file}: on ${t}`),
        bad: "name: x\non: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "secrets-inherit",
        check: "no job passes `secrets: inherit` to a reusable workflow",
        findings: (w) => jobs(w).filter(([, j]) => j.secrets === "inherit").map(([id]) => `${w.file} ${id}: secrets: inherit`),
        bad: "name: x\non: push\njobs:\n  a:\n    uses: o/r/.github/workflows/w.yml@" + "0".repeat(40) + "\n    secrets: inherit\n",
    },
    {
        id: "overprovisioned-secrets",
        check: "the secrets context is read member by member: no toJSON(secrets), no secrets[...] indexing",
        findings: (w) => (/toJSON\(\s*secrets\s*\)|\bsecrets\s*\[/i.test(w.text) ? [`${w.file}: the whole secrets context`] : []),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy\n        env:\n          ALL: ${{ toJSON(secrets) }}\n",
    },
    {
        id: "unredacted-secrets",
        check: "no fromJSON(secrets.X) (a field of a JSON secret is not redacted in logs)",
        findings: (w) => (/fromJSON\(\s*secrets\./i.test(w.text) ? [`${w.file}: fromJSON(secrets.*)`] : []),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy\n        env:\n          P: ${{ fromJSON(secrets.CREDS).password }}\n",
    },
    {
        id: "github-env",
        check: "no run: writes GITHUB_ENV or GITHUB_PATH (stricter: zizmor flags it under dangerous triggers; the step summary is not an environment file)",
        findings: (w) => steps(w).filter((s) => /\bGITHUB_(ENV|PATH)\b/.test(s.step.run ?? "")).map((s) => `${s.where}: writes an environment file`),
        bad: 'name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "X=1" >> "$GITHUB_ENV"\n',
    },
    {
        id: "insecure-commands",
        check: "ACTIONS_ALLOW_UNSECURE_COMMANDS is set nowhere (workflow, job or step env)",
        findings: (w) => (w.text.includes("ACTIONS_ALLOW_UNSECURE_COMMANDS") ? [`${w.file}: ACTIONS_ALLOW_UNSECURE_COMMANDS`] : []),
        bad: "name: x\non: push\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "self-hosted-runner",
        check: "every runs-on is a GitHub-hosted ubuntu-* label (pedantic in zizmor)",
        findings: (w) => jobs(w).filter(([, j]) => j.uses === undefined && !(typeof j["runs-on"] === "string" && /^ubuntu-[\w.]+$/.test(j["runs-on"]))).map(([id, j]) => `${w.file} ${id}: runs-on ${JSON.stringify(j["runs-on"])}`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    steps:\n      - run: make\n",
    },
    {
        id: "bot-conditions",
        // As zizmor's own walk (crates/zizmor/src/audit/bot_conditions.rs @ 11bbf7e, walk_tree_for_bot_condition):
        // only `==` with a `[bot]` login is a bot condition, one that lets the bot in; `!=` keeps it out.
        check: "no condition trusts an actor name (github.actor / triggering_actor == a bot login: spoofable)",
        findings: (w) => conditions(w).filter((c) => /\b(github\.actor|github\.triggering_actor)\s*==\s*'[^']*\[bot\]'|'[^']*\[bot\]'\s*==\s*(github\.actor|github\.triggering_actor)\b/.test(c.cond)).map((c) => `${c.where}: ${c.cond}`),
        bad: "name: x\non: pull_request\njobs:\n  a:\n    if: github.actor == 'dependabot[bot]'\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "unsound-condition",
        check: "a condition with ${{ }} is one fenced expression and nothing else (text around it makes it a non-empty string, always true)",
        findings: (w) => conditions(w).filter((c) => c.cond.includes("${{") && !/^\$\{\{[^]*\}\}$/.test(c.cond)).map((c) => `${c.where}: ${JSON.stringify(c.cond)}`),
        bad: "name: x\non: push\njobs:\n  a:\n    if: |\n      ${{ false }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "unsound-contains",
        check: "no contains('<literal string>', ...) (a substring test, bypassed by a ref like refs/heads/ma)",
        findings: (w) => conditions(w).filter((c) => /contains\(\s*'/.test(c.cond)).map((c) => `${c.where}: ${c.cond}`),
        bad: "name: x\non: push\njobs:\n  a:\n    if: contains('refs/heads/main refs/heads/develop', github.ref)\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "unsound-ternary",
        check: "no `cond && <falsy> || fallback` pseudo-ternary",
        findings: (w) => (/&&\s*(''|0|false|null)\s*\|\|/.test(w.text) ? [`${w.file}: pseudo-ternary with a falsy arm`] : []),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n        env:\n          V: ${{ github.event_name == 'push' && '' || 'x' }}\n",
    },
    {
        id: "obfuscation",
        check: "no uses: path with `//`, `.` or `..` segments",
        findings: (w) => steps(w).filter((s) => s.step.uses !== undefined && /\/\/|\/\.\.?(\/|@)/.test(s.step.uses.split("@")[0] + "@")).map((s) => `${s.where}: ${String(s.step.uses)}`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout/./@3d3c42e5aac5ba805825da76410c181273ba90b1\n",
    },
    {
        id: "misfeature",
        check: "no `shell: cmd` (the audit's other case, setup-python pip-install, is not used here)",
        findings: (w) => steps(w).filter((s) => s.step.shell !== undefined && /^cmd\b/.test(s.step.shell)).map((s) => `${s.where}: shell ${String(s.step.shell)}`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: windows-latest\n    steps:\n      - run: dir\n        shell: cmd\n",
    },
    {
        id: "adhoc-packages",
        check: "run: installs packages only from the lockfile (npm ci): no npm install/i, pip, gem, cargo or go install, apt-get install in a run: block (.ci/run's apt-get is Debian's signed archive, a script, not a run: line)",
        findings: (w) => steps(w).filter((s) => /\bnpm (install|i|add)\b|\b(pip3?|gem|cargo|go) install\b|\bapt(-get)? install\b|\bnpx [^-]/.test(s.step.run ?? "")).map((s) => `${s.where}: ad-hoc install`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm install -g some-tool\n",
    },
    {
        id: "self-repository",
        check: "no in-repository `uses: ./...` (none here; one would use the `$/` syntax)",
        findings: (w) => steps(w).filter((s) => s.step.uses?.startsWith("./") === true).map((s) => `${s.where}: ${String(s.step.uses)}`),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/setup\n",
    },
    {
        id: "anonymous-definition",
        check: "every workflow has a name: (pedantic in zizmor)",
        findings: (w) => (typeof w.doc.name === "string" && w.doc.name !== "" ? [] : [`${w.file}: no name`]),
        bad: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    },
    {
        id: "concurrency-limits",
        check: "every workflow has a concurrency group, and every group (the workflow's, a job's) states cancel-in-progress; true unless the workflow deploys, where a deploy or rollback cancelled halfway would leave a stack mid-update, so they queue (pedantic in zizmor, crates/zizmor/src/audit/concurrency_limits.rs: a bare group is a finding, an explicit `cancel-in-progress: false` is not; deploy.yml's header)",
        findings: (w) => [
            ...(w.doc.concurrency === undefined
                ? [`${w.file}: no concurrency`]
                : w.doc.concurrency["cancel-in-progress"] === true || (w.doc.concurrency["cancel-in-progress"] === false && jobs(w).some(([, j]) => deploys(j)))
                  ? []
                  : [`${w.file}: group ${w.doc.concurrency.group} runs side by side`]),
            ...jobs(w).flatMap(([id, j]) => {
                const c = (j as Job & { concurrency?: Doc["concurrency"] }).concurrency;
                return c === undefined || typeof c["cancel-in-progress"] === "boolean" ? [] : [`${w.file} ${id}: job concurrency is missing cancel-in-progress`];
            }),
        ],
        bad: "name: x\non: push\nconcurrency:\n  group: x\n  cancel-in-progress: true\njobs:\n  a:\n    runs-on: ubuntu-latest\n    concurrency:\n      group: g\n    steps:\n      - run: make\n",
    },
    {
        id: "secrets-outside-env",
        check: "secrets (but github.token) are read only in jobs with an environment, except the preview job's listed below (auditor persona in zizmor)",
        findings: (w) => jobs(w).filter(([, j]) => j.environment === undefined).flatMap(([id, j]) => {
            const text = JSON.stringify(j);
            return [...new Set([...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]))].filter((s) => s !== "GITHUB_TOKEN").map((s) => `${w.file} ${id}: ${s}`);
        }),
        bad: "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy\n        env:\n          K: ${{ secrets.API_KEY }}\n",
    },
];

/**
 * Findings accepted on purpose, each with its reason. The preview job previews staging with staging's
 * read-only preview role; an environment on it would change its `sub` claim from `pull_request` to
 * `environment:<name>` (scripts/github-oidc.ts) and put every pull request behind that environment's
 * deployment-branch rule, so its secrets stay repository secrets, readable by every same-repository
 * pull request (fork pull requests get no secrets, and the job's `if` skips them): the PREVIEW_* ones,
 * read-only, never a deploy credential's name (tests/workflows.test.ts).
 */
const ACCEPTED: Readonly<Record<string, readonly string[]>> = {
    "secrets-outside-env": [
        "preview.yml preview: AWS_PREVIEW_ROLE_ARN",
        "preview.yml preview: PULUMI_CLOUD_URL",
        "preview.yml preview: PREVIEW_PULUMI_ACCESS_TOKEN",
        "preview.yml preview: PREVIEW_PULUMI_CONFIG_PASSPHRASE",
        "preview.yml preview: PREVIEW_GRAFANA_AUTH",
    ],
};

describe("zizmor's audits, ported, on every workflow", () => {
    it("reads the three workflows", () => {
        expect(ours().map((w) => [w.file, jobs(w).length])).toEqual([["preview.yml", 4], ["deploy.yml", 4], ["rollback.yml", 2]]);
    });

    it.each(RULES.map((r) => [r.id, r] as const))("%s: no finding but the accepted ones", (id, rule) => {
        expect(ours().flatMap(rule.findings)).toEqual(ACCEPTED[id] ?? []);
    });

    it.each(RULES.map((r) => [r.id, r] as const))("%s: flags a workflow that breaks it", (_id, rule) => {
        expect(rule.findings(workflow("bad.yml", rule.bad)).length).toBeGreaterThan(0);
    });

    it("the container image is the tag and index digest docker-library/repo-info records (vendor/node-image)", () => {
        const record = readFileSync(join(REPO_ROOT, "vendor", "node-image", "24.19.0-bookworm.md"), "utf8");
        const tag = /^## `(node:[\w.-]+)`$/m.exec(record)?.[1];
        const digest = /docker pull node@(sha256:[0-9a-f]{64})/.exec(record)?.[1];
        expect(record).toContain("Manifest MIME: `application/vnd.oci.image.index.v1+json`");
        const preview = ours().find((w) => w.file === "preview.yml");
        expect(preview?.doc.jobs.test.container).toBe(`${String(tag)}@${String(digest)}`);
    });
});
