/**
 * docs/operations.md, "Who runs `pulumi up` by hand": the first real deploy (README, "The first real
 * deploy") is run from someone's machine, and the program's Kubernetes provider calls the new
 * cluster's API as whatever AWS credentials that run has. The cluster grants its creator nothing and
 * the committed admin (the deploy role) trusts only the workflow's jobs, so the docs' commands must
 * make the operator's own role an admin reached from their address, or the first `pulumi up` creates
 * the cluster and then fails on every Kubernetes object. These tests hold the docs' premises to the
 * code and run the docs' commands through the config parser.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildKubeconfig, eksClusterArgs } from "../components/cluster";
import { ConfigError, parseConfig, type EksClusterConfig } from "../config";
import { REPO_ROOT } from "../plan/engine";
import { loadStackConfig } from "../plan/stack-config";
import { githubOidcTrustPolicy, WORKFLOW_ROLES } from "../scripts/github-oidc";

const OPERATIONS = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
const HEADING = "**Who runs `pulumi up` by hand.**";

/** The paragraph and its command block, from the bold heading to the end of the block. */
function section(): { text: string; commands: string[] } {
    const start = OPERATIONS.indexOf(HEADING);
    if (start < 0) throw new Error(`docs/operations.md has no paragraph ${HEADING}`);
    const rest = OPERATIONS.slice(start);
    const block = /```sh\n([\s\S]*?)```/.exec(rest);
    if (block === null) throw new Error(`docs/operations.md: ${HEADING} is followed by no sh block`);
    return { text: rest.slice(0, block.index).replace(/\s+/g, " "), commands: block[1].split("\n").filter((l) => l.trim() !== "") };
}

/** Stand-ins for the docs' `<...>` placeholders: a role in an account that is none of the AWS docs' examples and a public address. */
const OWN_ROLE = "arn:aws:iam::349027186530:role/platform-admin";
const OWN_ADDRESS = "52.94.76.10";

/** Each `pulumi config set --path '<key>' <value> --stack staging` line as a `--set key=value`. */
function asSets(commands: readonly string[]): string[] {
    return commands.map((line) => {
        const m = /^pulumi config set --path '([^']+)' ((?:<[^>]+>|[^\s<])+) --stack staging$/.exec(line);
        if (m === null) throw new Error(`not a \`pulumi config set --path '<key>' <value> --stack staging\` line: ${line}`);
        const [, key, value] = m;
        return `${key}=${value.replace("<ARN of your IAM role>", OWN_ROLE).replace("<your public address>", OWN_ADDRESS)}`;
    });
}

function parse(sets: readonly string[], offlinePlan: boolean): { cluster?: EksClusterConfig; problems: readonly string[] } {
    const sc = loadStackConfig({ root: REPO_ROOT, stack: "staging", sets });
    try {
        const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, secretPaths: sc.secretPaths, offlinePlan });
        return { cluster: config.cluster as EksClusterConfig, problems: [] };
    } catch (e) {
        if (e instanceof ConfigError) return { problems: e.problems };
        throw e;
    }
}

describe("docs/operations.md: who runs pulumi up by hand", () => {
    it("rests on the code: the creator gets no access, the kubeconfig signs as the run's own credentials, the deploy role trusts only GitHub's OIDC provider", () => {
        const config = { version: "1.36", endpointAccess: "public", endpointPublicAccessCidrs: [`${OWN_ADDRESS}/32`], logTypes: ["api"] } as const;
        const args = eksClusterArgs({ config, clusterName: "c", roleArn: "r", subnetIds: [], secretsKeyArn: "k", deletionProtection: false, tags: {} });
        expect(args.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
        const kubeconfig = buildKubeconfig({ clusterName: "c", endpoint: "https://x", certificateAuthority: "ca", region: "us-east-1" }) as {
            users: { user: { exec: { command: string; args: string[]; env?: unknown } } }[];
        };
        const exec = kubeconfig.users[0].user.exec;
        // No --role-arn, --profile or env: `aws eks get-token` signs with whatever credentials the run has.
        expect([exec.command, ...exec.args.slice(0, 2)]).toEqual(["aws", "eks", "get-token"]);
        expect(exec.args.filter((a) => a === "--role-arn" || a === "--profile")).toEqual([]);
        expect(exec.env).toBeUndefined();
        for (const role of ["deploy-staging", "deploy-production"]) {
            expect(Object.keys(WORKFLOW_ROLES)).toContain(role);
            const trust = githubOidcTrustPolicy(role, "octo-org/launchpad", "349027186530");
            expect(trust.Statement.map((s) => s.Principal)).toEqual([{ Federated: "arn:aws:iam::349027186530:oidc-provider/token.actions.githubusercontent.com" }]);
        }
        const { text } = section();
        expect(text).toContain("bootstrapClusterCreatorAdminPermissions: false");
        expect(text).toContain("`aws eks get-token`");
        expect(text).toContain("`allowedCidrs` in `policies/config/staging.json`");
        // EKS creates an access entry for an existing principal only: the roles come before the first up.
        expect(text).toContain("Every role `access` names must exist by then, the workflows' included (create them first: below)");
        const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).toContain("create the IAM roles `launchpad:cluster.access` names, add yours as an admin and your address to the API's CIDRs ([who runs `pulumi up`](docs/operations.md#deploying-for-real))");
    });

    it("its commands append to the committed lists (they overwrite nothing) and make the operator's role a cluster-wide admin reached from their address", () => {
        const committed = parse([], true).cluster as EksClusterConfig;
        const sets = asSets(section().commands);
        expect(sets.map((s) => s.slice(0, s.indexOf("=")))).toEqual([
            `launchpad:cluster.access[${committed.access.length}].principalArn`,
            `launchpad:cluster.access[${committed.access.length}].access`,
            `launchpad:cluster.endpointPublicAccessCidrs[${committed.endpointPublicAccessCidrs.length}]`,
        ]);
        const { cluster, problems } = parse(sets, true);
        expect(problems).toEqual([]);
        expect(cluster?.access).toEqual([...committed.access, { principalArn: OWN_ROLE, access: "admin" }]);
        expect(cluster?.endpointPublicAccessCidrs).toEqual([...committed.endpointPublicAccessCidrs, `${OWN_ADDRESS}/32`]);
        // A real run refuses the committed placeholders still there, none of the new values.
        const real = parse(sets, false).problems;
        expect(real.length).toBeGreaterThan(0);
        expect(real.filter((p) => p.includes("access[2]") || p.includes("endpointPublicAccessCidrs[1]") || p.includes(OWN_ROLE) || p.includes(OWN_ADDRESS))).toEqual([]);
    });

    it("asks for the role's IAM ARN, path included, as config refuses the assumed-role ARN `aws sts get-caller-identity` prints", () => {
        expect(section().text).toContain("not the `assumed-role` ARN `aws sts get-caller-identity` prints");
        const withRole = (arn: string) => asSets(section().commands).map((s) => s.replace(OWN_ROLE, arn));
        expect(parse(withRole("arn:aws:sts::349027186530:assumed-role/platform-admin/alice"), true).problems).toEqual([
            expect.stringMatching(/^launchpad:cluster\.access\[2\]\.principalArn: .*expected an IAM role ARN/),
        ]);
        // An IAM Identity Center (SSO) role, with the path the docs name: EKS takes it, and so does config.
        const sso = "arn:aws:iam::349027186530:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_0123456789abcdef";
        expect(section().text).toContain("`aws-reserved/sso.amazonaws.com/`");
        expect(parse(withRole(sso), true).cluster?.access.at(-1)).toEqual({ principalArn: sso, access: "admin" });
    });
});

/** README.md and every page under docs/, as paths from the repository's root. */
function pages(dir = "docs"): string[] {
    return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? pages(`${dir}/${e.name}`) : e.name.endsWith(".md") ? [`${dir}/${e.name}`] : []);
}

describe("docs/operations.md's prerequisites", () => {
    // What the Prerequisites section calls each command-line tool a page's sh block may run.
    const TOOLS: Readonly<Record<string, string>> = {
        pulumi: "the Pulumi CLI",
        aws: "the AWS CLI",
        kubectl: "`kubectl`",
        helm: "`helm`",
        jq: "`jq`",
        gh: "`gh`",
    };

    it("name every tool the docs' shell blocks run (kubectl and helm after a failed pulumi up, jq in the runbooks)", () => {
        const prerequisites = /^## Prerequisites\n([\s\S]*?)^## /m.exec(OPERATIONS)?.[1] ?? "";
        expect(prerequisites).toContain("For real deployments, also:");
        const blocks = ["README.md", ...pages()].flatMap((f) => [...readFileSync(join(REPO_ROOT, f), "utf8").matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => ({ file: f, text: m[1] })));
        const used = new Map<string, string>();
        for (const { file, text } of blocks) {
            for (const line of text.split("\n").map((l) => l.replace(/\s#\s.*$/, ""))) {
                for (const tool of Object.keys(TOOLS)) {
                    if (!used.has(tool) && new RegExp(`(^|[|;&(]|\\$\\()\\s*${tool}\\s`).test(line)) used.set(tool, file);
                }
            }
        }
        // The extractor finds the tools the failed-update section and the runbooks run.
        expect([...used.keys()]).toEqual(expect.arrayContaining(["pulumi", "aws", "kubectl", "helm", "jq"]));
        expect([...used].filter(([tool]) => !prerequisites.includes(TOOLS[tool])).map(([tool, file]) => `${tool} (run in ${file})`)).toEqual([]);
    });
});

describe("docs/operations.md's before the first deploy", () => {
    // The placeholder fixes edit tracked files; the deploy workflow runs `pulumi up` on a checkout.
    it("says to commit the stack file the config set commands write, salt and ciphertext included", () => {
        const section = /^## Before the first deploy\n([\s\S]*?)^### /m.exec(OPERATIONS)?.[1].replace(/\s+/g, " ") ?? "";
        expect(section).toContain("Each `pulumi config set` writes `Pulumi.<stack>.yaml`");
        expect(section).toContain("`encryptionsalt`, which `pulumi stack init` writes there");
        expect(section).toContain("Commit the stack file with the pack config");
        const deploy = readFileSync(join(REPO_ROOT, ".github", "workflows", "deploy.yml"), "utf8");
        expect(deploy).toMatch(/uses: actions\/checkout@/);
        expect(deploy).toContain("--policy-pack-config");
    });
});

describe("docs/operations.md's backend for the first deploy", () => {
    // pulumi/actions selects an existing stack unless `upsert: true`, and the run steps select without --create:
    // a stack first deployed into a local directory is one the workflows never find.
    it("says a local directory is this machine's alone, and the README's login offers the workflows' bucket", () => {
        const deploy = readFileSync(join(REPO_ROOT, ".github", "workflows", "deploy.yml"), "utf8");
        expect(deploy).not.toMatch(/upsert:\s*true/);
        expect(deploy).toContain('pulumi stack select "$STACK"\n');
        expect(deploy).not.toMatch(/stack select[^\n]*(--create|-c\b)/);
        expect(deploy).toContain("PULUMI_BACKEND_URL: ${{ secrets.PULUMI_CLOUD_URL }}");
        const text = OPERATIONS.replace(/\s+/g, " ");
        expect(text).toContain("A local directory keeps it on this machine alone, where the workflows (their backend is `PULUMI_CLOUD_URL`; `deploy.yml` selects the stack and never creates it)");
        for (const file of ["README.md", "docs/operations.md"]) {
            expect(readFileSync(join(REPO_ROOT, file), "utf8")).toContain("pulumi login file://~/.pulumi-state   # or the workflows' backend: pulumi login s3://<bucket>\n");
        }
    });
});
