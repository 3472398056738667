/**
 * Temporary project directories for tests that need a stack file the repository does not have
 * (a `secure:` value, a missing key): the real Pulumi.yaml beside a stack file the test writes.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT } from "../../plan/engine";

export interface TempProject {
    readonly root: string;
    dispose(): void;
}

/** A project dir holding the repository's Pulumi.yaml and `Pulumi.<stack>.yaml` with `config`. */
export function tempProject(stack: string, config: Record<string, unknown>): TempProject {
    const root = mkdtempSync(join(tmpdir(), "launchpad-test-"));
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
    writeFileSync(join(root, `Pulumi.${stack}.yaml`), stringify({ config }));
    return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * The smallest valid `launchpad:services`: one service, both releases named, every other field its
 * default. Its images are no placeholders (`config/placeholders.ts`), so a real run accepts it too.
 */
export const MINIMAL_SERVICES = {
    web: { releases: { blue: { image: "ghcr.io/launchpad-test/web:1.0.0" }, green: { image: "ghcr.io/launchpad-test/web:1.0.1" } } },
} as const;

/** The one access entry an EKS stack needs: the role that deploys it, as a cluster-wide admin. */
export const DEPLOY_ACCESS = [{ principalArn: "arn:aws:iam::210987654321:role/deploy", access: "admin" }] as const;

/** The required keys of a valid staging stack; every other key takes its Pulumi.yaml default. */
export const REQUIRED_CONFIG = {
    "aws:region": "us-east-1",
    "launchpad:tier": "staging",
    "launchpad:drRegion": "us-west-2",
    "launchpad:cluster": { access: DEPLOY_ACCESS },
    "launchpad:services": MINIMAL_SERVICES,
} as const;

/** The base of a valid staging stack, for tests that change one thing. */
export function stagingConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...REQUIRED_CONFIG, ...extra };
}
