/**
 * The trust policies of the roles the workflows assume (scripts/github-oidc.ts) against what the
 * workflows present. Each job that runs aws-actions/configure-aws-credentials is read from its
 * workflow file: the secret its role-to-assume names, its environment (rollback.yml's
 * `${{ inputs.stack }}` expands to the input's choices) and its trigger give the `sub` claim GitHub
 * puts in its token (GitHub docs, "OpenID Connect", example subject claims: environment first, then
 * `pull_request` for a pull_request job, else `ref:<ref>`). Every role must admit exactly its jobs'
 * claims, with the audience configure-aws-credentials asks for (its action.yml: `audience` default
 * sts.amazonaws.com), and IAM's evaluation (tests/support/iam-reference.ts `allows`) must refuse
 * another environment, branch, trigger or repository.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { TIERS } from "../config/tier";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, githubOidcTrustPolicy, WORKFLOW_ROLES } from "../scripts/github-oidc";
import { REPO_ROOT } from "../plan/engine";
import { main as githubTrustCli } from "../scripts/github-trust";
import { allows, type PolicyDocument } from "./support/iam-reference";

interface Job {
    environment?: string;
    steps: { uses?: string; with?: Record<string, string> }[];
}
interface Workflow {
    on: { push?: { branches: string[] }; pull_request?: unknown; workflow_dispatch?: { inputs: Record<string, { options?: string[] }> } };
    jobs: Record<string, Job>;
}

const REPO = "octo-org/launchpad";
const ACCOUNT = "123456789012";

/** One job that assumes a role: where it is, the secret naming the role, the environment and `sub` (after `repo:<owner>/<repo>:`). */
interface Assumer {
    readonly where: string;
    readonly secret: string;
    readonly environment: string | undefined;
    readonly claim: string;
}

function assumers(): Assumer[] {
    return ["preview", "deploy", "rollback"].flatMap((file) => {
        const wf = parseYaml(readFileSync(join(REPO_ROOT, ".github", "workflows", `${file}.yml`), "utf8")) as Workflow;
        return Object.entries(wf.jobs).flatMap(([id, job]) =>
            job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true).flatMap((s) => {
                const secret = /^\$\{\{ secrets\.(\w+) \}\}$/.exec(s.with?.["role-to-assume"] ?? "")?.[1] ?? `unreadable ${String(s.with?.["role-to-assume"])}`;
                const input = /^\$\{\{ inputs\.(\w+) \}\}$/.exec(job.environment ?? "")?.[1];
                const environments = input !== undefined ? (wf.on.workflow_dispatch?.inputs[input]?.options ?? [`no choices for ${input}`]) : [job.environment];
                return environments.map((environment): Assumer => ({
                    where: `${file}.yml ${id}${input === undefined ? "" : ` (${String(environment)})`}`,
                    secret,
                    environment,
                    claim:
                        environment !== undefined
                            ? `environment:${environment}`
                            : wf.on.pull_request !== undefined
                              ? "pull_request"
                              : (wf.on.push?.branches.map((b) => `ref:refs/heads/${b}`).join(" ") ?? "unknown trigger"),
                }));
            }),
        );
    });
}

/** The role a job gets: its secret, from its environment's secrets when the role is an environment's. */
const roleOf = (a: Assumer) =>
    Object.entries(WORKFLOW_ROLES).find(([, r]) => r.secret === a.secret && r.environment === a.environment)?.[0];

/** A trust policy as `allows` reads it (tests/iam-trust.test.ts): its resource is the role itself. */
const asAllows = (doc: PolicyDocument): PolicyDocument => ({ ...doc, Statement: doc.Statement.map((s) => ({ ...s, Resource: "*" })) });
const assume = (role: string, sub: string, aud = GITHUB_OIDC_AUDIENCE) =>
    allows(asAllows(githubOidcTrustPolicy(role, REPO, ACCOUNT)), {
        action: "sts:AssumeRoleWithWebIdentity",
        resource: "*",
        context: { [`${GITHUB_OIDC_HOST}:aud`]: aud, [`${GITHUB_OIDC_HOST}:sub`]: sub },
    });

describe("the workflows' OIDC roles", () => {
    it("reads every job that assumes a role: staging's preview for pull requests, production's preview in its environment, one per stack for deploy and rollback", () => {
        expect(assumers().map((a) => `${a.where}: ${a.secret} as ${a.claim}`)).toEqual([
            "preview.yml preview: AWS_PREVIEW_ROLE_ARN as pull_request",
            "deploy.yml staging: AWS_DEPLOY_ROLE_ARN as environment:staging",
            "deploy.yml production-preview: AWS_PREVIEW_ROLE_ARN as environment:production-preview",
            "deploy.yml production: AWS_DEPLOY_ROLE_ARN as environment:production",
            "rollback.yml rollback (staging): AWS_DEPLOY_ROLE_ARN as environment:staging",
            "rollback.yml rollback (production): AWS_DEPLOY_ROLE_ARN as environment:production",
        ]);
    });

    it("each role admits exactly the claims of the jobs that assume it, and every role has a job", () => {
        const all = assumers();
        expect(all.filter((a) => roleOf(a) === undefined).map((a) => a.where)).toEqual([]);
        const claimsOf = (role: string) => [...new Set(all.filter((a) => roleOf(a) === role).map((a) => a.claim))].sort();
        expect(Object.fromEntries(Object.entries(WORKFLOW_ROLES).map(([role, r]) => [role, [...r.subjects].sort()]))).toEqual(
            Object.fromEntries(Object.keys(WORKFLOW_ROLES).map((role) => [role, claimsOf(role)])),
        );
        expect(Object.keys(WORKFLOW_ROLES)).toEqual(["preview-staging", "preview-production", ...TIERS.map((t) => `deploy-${t}`)]);
    });

    it.each(Object.keys(WORKFLOW_ROLES))("%s: its own claim with the audience, nothing else (no other environment, branch, trigger, repository or audience)", (role) => {
        const own = WORKFLOW_ROLES[role].subjects.map((s) => `repo:${REPO}:${s}`);
        expect(own.map((sub) => assume(role, sub))).toEqual(own.map(() => true));
        const others = [
            ...Object.entries(WORKFLOW_ROLES).filter(([r]) => r !== role).flatMap(([, r]) => r.subjects.map((s) => `repo:${REPO}:${s}`)),
            `repo:${REPO}:ref:refs/heads/main`,
            `repo:${REPO}:ref:refs/heads/rollback/production-1`,
            `repo:${REPO}:environment:production-copy`,
            `repo:${REPO}-fork:${WORKFLOW_ROLES[role].subjects[0]}`,
            `repo:someone/launchpad:${WORKFLOW_ROLES[role].subjects[0]}`,
        ];
        expect(others.filter((sub) => assume(role, sub))).toEqual([]);
        expect(own.map((sub) => assume(role, sub, "sigstore"))).toEqual(own.map(() => false));
    });

    it("the document: GitHub's provider in the account and partition given, StringEquals on aud and sub (IAM User Guide, GitHub OIDC identity provider)", () => {
        expect(githubOidcTrustPolicy("deploy-production", "acme/shop", "111122223333", "aws-cn")).toEqual({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: "arn:aws-cn:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": "repo:acme/shop:environment:production",
                    },
                },
            }],
        });
    });

    // GitHub docs, "OpenID Connect reference" (github/docs content/actions/reference/security/oidc.md
    // @ 051718f, "Immutable subject claims"): a repository created after 2026-07-15, renamed or
    // transferred after it, or opted in, presents `repo:OWNER@OWNER-ID/REPO@REPO-ID:...`, never the
    // name-only form. A trust policy written with the name-only form refuses every one of its jobs.
    it("a repository with GitHub's immutable subject claims: each role admits `repo:<owner>@<owner id>/<repo>@<repo id>:<claim>`, and not the name-only form", () => {
        const immutable = "octo-org@123456/launchpad@456789";
        for (const [role, spec] of Object.entries(WORKFLOW_ROLES)) {
            const doc = asAllows(githubOidcTrustPolicy(role, immutable, ACCOUNT));
            const presented = (sub: string) => allows(doc, {
                action: "sts:AssumeRoleWithWebIdentity",
                resource: "*",
                context: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: sub },
            });
            expect([role, spec.subjects.map((s) => presented(`repo:${immutable}:${s}`))]).toEqual([role, spec.subjects.map(() => true)]);
            // Another repository that once had the name (the recycling the IDs exist against), or the name alone.
            expect([role, spec.subjects.filter((s) => presented(`repo:${REPO}:${s}`) || presented(`repo:octo-org@123456/launchpad@999:${s}`))]).toEqual([role, []]);
        }
        expect(githubOidcTrustPolicy("deploy-production", immutable, ACCOUNT).Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`]).toBe(`repo:${immutable}:environment:production`);
        // Both IDs or none: GitHub appends both (the docs' syntax), so one alone is a typo.
        for (const half of ["octo-org@123456/launchpad", "octo-org/launchpad@456789", "octo-org@/launchpad@1", "octo-org@12a/launchpad@1"]) {
            expect(() => githubOidcTrustPolicy("deploy-staging", half, ACCOUNT)).toThrow(`repository: received ${JSON.stringify(half)}`);
        }
        const cli = githubTrustCli(["--role", "preview-staging", "--repository", immutable, "--account", ACCOUNT]);
        expect(cli.code).toBe(0);
        expect(JSON.parse(cli.stdout)).toEqual(githubOidcTrustPolicy("preview-staging", immutable, ACCOUNT));
    });

    it("refuses a wildcard repository, a bad account and an unknown role, all at once", () => {
        expect(() => githubOidcTrustPolicy("deploy", "acme/*", "1234")).toThrow(
            [
                'role: received "deploy"; expected one of preview-staging, preview-production, deploy-staging, deploy-production',
                'repository: received "acme/*"; expected <owner>/<name> of a GitHub repository, or <owner>@<owner id>/<name>@<repository id> where its tokens use immutable subject claims; no wildcard',
                'account: received "1234"; expected a 12-digit AWS account id',
            ].join("\n"),
        );
        expect(() => githubOidcTrustPolicy("preview-staging", "*/launchpad", ACCOUNT)).toThrow('repository: received "*/launchpad"');
    });

    it("npm run github-trust prints the document; bad arguments exit 2 with the usage", () => {
        const ok = githubTrustCli(["--role", "preview-staging", "--repository", REPO, "--account", ACCOUNT]);
        expect(ok).toEqual({ code: 0, stdout: `${JSON.stringify(githubOidcTrustPolicy("preview-staging", REPO, ACCOUNT), null, 2)}\n`, stderr: "" });
        const bad = githubTrustCli(["--role", "deploy-production", "--repository", "acme/*", "--account", ACCOUNT]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/^repository: received "acme\/\*"; .*\nusage: npm run --silent github-trust /);
        expect(githubTrustCli(["--role", "preview-staging"]).code).toBe(2);
        // The role's old name, from before production's preview left pull requests.
        expect(githubTrustCli(["--role", "preview", "--repository", REPO, "--account", ACCOUNT]).code).toBe(2);
    });

    it("docs/operations.md creates each role from the command, with the session the deploy roles need", () => {
        const ops = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
        for (const role of Object.keys(WORKFLOW_ROLES)) {
            expect(ops).toContain(`npm run --silent github-trust -- --role ${role} `);
        }
    });
});
