/**
 * The trust policies of the AWS roles the workflows assume through GitHub's OIDC provider
 * (`AWS_PREVIEW_ROLE_ARN`, staging's for pull requests and production's in its preview environment;
 * `AWS_DEPLOY_ROLE_ARN`, one per environment). The roles live outside the stacks (a stack cannot
 * create the role that deploys it), so the operator creates them from these documents
 * (`npm run github-trust`; docs/operations.md, "The workflows' AWS roles"); tests/github-oidc-trust.test.ts derives each
 * job's `sub` claim from the workflow files and checks the documents admit exactly those.
 *
 * Sources:
 * - GitHub docs, "OpenID Connect" (security hardening with OpenID Connect), example subject claims:
 *   a job with an environment presents `repo:<owner>/<repo>:environment:<name>`, whatever its
 *   branch; a pull_request job without one `repo:<owner>/<repo>:pull_request`; otherwise
 *   `repo:<owner>/<repo>:ref:<ref>`. "Immutable subject claims" (OpenID Connect reference,
 *   github/docs content/actions/reference/security/oidc.md @ 051718f): a repository created after
 *   2026-07-15, renamed or transferred after it, or opted in, names itself
 *   `<owner>@<owner id>/<repo>@<repo id>` in that prefix instead, and never the name-only form.
 *   "Configuring OpenID Connect in Amazon Web Services": the audience is `sts.amazonaws.com` for
 *   aws-actions/configure-aws-credentials, and IAM recommends
 *   evaluating `token.actions.githubusercontent.com:sub` in every such role's trust policy.
 * - IAM User Guide, id_roles_create_for-idp_oidc ("Configuring a role for GitHub OIDC identity
 *   provider"): Principal Federated `arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com`,
 *   Action `sts:AssumeRoleWithWebIdentity`, `StringEquals` on `:aud` = `sts.amazonaws.com` and a
 *   condition on `:sub`.
 *
 * Every `sub` is matched with StringEquals, never StringLike: a `*` (`repo:<owner>/<repo>:*`, the
 * usual example) would let any branch, tag or pull request of the repository assume the deploy role.
 */
import { TIERS } from "../config/tier";

/** GitHub Actions' OIDC issuer host: the IAM provider's name and the prefix of its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience configure-aws-credentials asks for (its action.yml `audience` default). */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** A role the workflows assume through GitHub's OIDC provider. */
export interface WorkflowRoleSpec {
    /** The secret the workflows read its ARN from (`role-to-assume: ${{ secrets.<secret> }}`). */
    readonly secret: string;
    /**
     * The GitHub environment whose secret holds the ARN; absent: a repository secret. An environment
     * secret wins over a repository secret of the same name (GitHub docs, "Using secrets in GitHub
     * Actions"), so the same `secrets.AWS_DEPLOY_ROLE_ARN` names each environment's own role.
     */
    readonly environment?: string;
    /** The `sub` claims, after `repo:<owner>/<repo>:`, of the jobs that assume it. */
    readonly subjects: readonly string[];
}

/**
 * The GitHub environment deploy.yml's production-preview job runs in: production's read-only
 * credentials (its preview role, a Read token, production's passphrase), admitting main only, with no
 * reviewers, so the preview runs before the approval (PRODUCTION_APPROVAL_ENVIRONMENT).
 */
export const PRODUCTION_PREVIEW_ENVIRONMENT = "production-preview";

/**
 * The GitHub environment of production's approval (deploy.yml's production-approval job,
 * rollback.yml's approval job for production): the required reviewers, admitting main only, with no
 * secret, and no role trusts it. The approval is a job of its own so that no job holding a
 * `stack-<stack>` concurrency group ever waits for a human: the `production` environment, whose
 * secrets deploy, has no reviewers (docs/delivery.md, "How a change reaches production").
 */
export const PRODUCTION_APPROVAL_ENVIRONMENT = "production-approval";

/**
 * The roles, by name. preview.yml's preview job runs on pull_request with no environment and previews
 * staging only: any branch of the repository can run its own version of that job, so its role reads
 * staging and nothing of production. Production is previewed from main, in
 * PRODUCTION_PREVIEW_ENVIRONMENT, whose own `AWS_PREVIEW_ROLE_ARN` (an environment secret wins over
 * the repository secret of the same name) is production's preview role. deploy.yml's other jobs and
 * rollback.yml's job run in the stack's environment, and each environment's `AWS_DEPLOY_ROLE_ARN`
 * names a role only a job in that environment may assume: one role trusted by both
 * `environment:staging` and `environment:production` would hand production to any workflow a branch
 * can run in `staging`, which has no reviewers. Which branches may run in an environment is the
 * environment's deployment-branch rule (docs/delivery.md, "Who can assume the AWS roles").
 */
export const WORKFLOW_ROLES: Readonly<Record<string, WorkflowRoleSpec>> = {
    "preview-staging": { secret: "AWS_PREVIEW_ROLE_ARN", subjects: ["pull_request"] },
    "preview-production": { secret: "AWS_PREVIEW_ROLE_ARN", environment: PRODUCTION_PREVIEW_ENVIRONMENT, subjects: [`environment:${PRODUCTION_PREVIEW_ENVIRONMENT}`] },
    ...Object.fromEntries(TIERS.map((stack) => [`deploy-${stack}`, { secret: "AWS_DEPLOY_ROLE_ARN", environment: stack, subjects: [`environment:${stack}`] }])),
};

/**
 * A GitHub repository as its tokens' `sub` names it: `owner/name` (GitHub's own limits: owner letters,
 * digits and single hyphens; name also `.` and `_`), or with immutable subject claims
 * `owner@<owner id>/name@<repository id>`, both IDs (`@` appears in no GitHub name: GitHub docs,
 * "Immutable subject claims").
 */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\/[A-Za-z0-9._-]{1,100}|@\d+\/[A-Za-z0-9._-]{1,100}@\d+)$/;

export interface TrustPolicy {
    readonly Version: "2012-10-17";
    readonly Statement: readonly [{
        readonly Effect: "Allow";
        readonly Principal: { readonly Federated: string };
        readonly Action: "sts:AssumeRoleWithWebIdentity";
        readonly Condition: { readonly StringEquals: Readonly<Record<string, string | readonly string[]>> };
    }];
}

/**
 * The trust policy of `role` for `repository` in `account`: GitHub's provider, the audience pinned,
 * and `sub` equal to one of the role's claims exactly. Throws every problem of the arguments at once.
 */
export function githubOidcTrustPolicy(role: string, repository: string, account: string, partition = "aws"): TrustPolicy {
    const spec = WORKFLOW_ROLES[role] as WorkflowRoleSpec | undefined;
    const problems = [
        ...(spec !== undefined ? [] : [`role: received ${JSON.stringify(role)}; expected one of ${Object.keys(WORKFLOW_ROLES).join(", ")}`]),
        ...(REPOSITORY.test(repository) ? [] : [`repository: received ${JSON.stringify(repository)}; expected <owner>/<name> of a GitHub repository, or <owner>@<owner id>/<name>@<repository id> where its tokens use immutable subject claims; no wildcard`]),
        ...(/^\d{12}$/.test(account) ? [] : [`account: received ${JSON.stringify(account)}; expected a 12-digit AWS account id`]),
        ...(/^aws(-[a-z]+)*$/.test(partition) ? [] : [`partition: received ${JSON.stringify(partition)}; expected an AWS partition (aws, aws-cn, aws-us-gov)`]),
    ];
    if (spec === undefined || problems.length > 0) throw new Error(problems.join("\n"));
    const subjects = spec.subjects.map((claim) => `repo:${repository}:${claim}`);
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
                    [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
                },
            },
        }],
    };
}
