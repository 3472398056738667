/**
 * npm run --silent github-trust -- --role <preview-staging|preview-production|deploy-staging|deploy-production> --repository <owner>/<name> --account <id> [--partition aws]
 *
 * `--repository` as the repository's tokens name it: `<owner>/<name>`, or `<owner>@<owner id>/<name>@<repository id>`
 * for a repository with GitHub's immutable subject claims (created, renamed or transferred after 2026-07-15, or
 * opted in; docs/operations.md, "The workflows' AWS roles").
 *
 * Prints the trust policy of one of the AWS roles the workflows assume through GitHub's OIDC provider
 * (scripts/github-oidc.ts), for `aws iam create-role` or `update-assume-role-policy` (docs/operations.md,
 * "The workflows' AWS roles"). Exit 2 on bad arguments, with every problem.
 */
import { githubOidcTrustPolicy, WORKFLOW_ROLES } from "./github-oidc";
import { failed, parseFlags, runMain, type CliResult } from "./cli";

const USAGE = `usage: npm run --silent github-trust -- --role <${Object.keys(WORKFLOW_ROLES).join("|")}> --repository <owner>/<name>|<owner>@<owner id>/<name>@<repository id> --account <12-digit id> [--partition aws]`;

export function main(argv: readonly string[]): CliResult {
    const parsed = parseFlags(argv, { role: { type: "string" }, repository: { type: "string" }, account: { type: "string" }, partition: { type: "string", default: "aws" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const { role, repository, account, partition } = parsed.flags;
    if (role === undefined || repository === undefined || account === undefined) {
        return failed(2, `--role, --repository and --account are required\n${USAGE}\n`);
    }
    try {
        return { code: 0, stdout: `${JSON.stringify(githubOidcTrustPolicy(role, repository, account, partition), null, 2)}\n`, stderr: "" };
    } catch (e) {
        return failed(2, `${(e as Error).message}\n${USAGE}\n`);
    }
}

if (require.main === module) {
    runMain((argv) => Promise.resolve(main(argv)));
}
