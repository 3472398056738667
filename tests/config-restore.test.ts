/**
 * `launchpad:database.restore`: every malformed value is a config error with its exact message,
 * through the real plan CLI (exit 2, nothing on stdout), and the valid forms parse to the typed
 * restore the Database component reads.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseConfig, type ConfigInput } from "../config";
import { planCli } from "../scripts/plan";
import { DEPLOY_ACCESS, MINIMAL_SERVICES } from "./support/project";

const FORMS = 'either { sourceInstance, time } (time an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest") or { snapshot }';
const TIME = 'an ISO-8601 UTC time such as "2026-11-20T13:45:00Z", or "latest"';

/** A staging config whose only database setting is `restore`, parsed as of `now`. */
function restoreInput(restore: unknown, now: string): ConfigInput {
    return {
        project: "launchpad",
        stack: "staging",
        values: {
            "aws:region": "us-east-1",
            "launchpad:tier": "staging",
            "launchpad:drRegion": "us-west-2",
            "launchpad:cluster": { access: DEPLOY_ACCESS },
            "launchpad:database": { restore },
            "launchpad:services": MINIMAL_SERVICES,
        },
        secretKeys: new Set(),
        now: new Date(now),
    };
}

async function problemsFor(value: string): Promise<{ code: number; stdout: string; problems: string[] }> {
    const r = await planCli(["--stack", "staging", "--set", `launchpad:database.restore=${value}`]);
    const problems = r.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
    return { code: r.code, stdout: r.stdout, problems };
}

describe("malformed restore configs", () => {
    it.each([
        {
            name: "both forms at once",
            value: '{sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00Z", snapshot: snap-1}',
            problem: `launchpad:database.restore: received the fields sourceInstance, time, snapshot; expected ${FORMS}, not both`,
        },
        { name: "neither form", value: "{}", problem: `launchpad:database.restore: received {}; expected ${FORMS}` },
        {
            name: "a time that is not ISO-8601 UTC",
            value: '{sourceInstance: launchpad-production-db, time: "2026-11-01 10:00"}',
            problem: `launchpad:database.restore.time: received "2026-11-01 10:00"; expected ${TIME}`,
        },
        {
            name: "a time with an offset instead of Z",
            value: '{sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00+01:00"}',
            problem: `launchpad:database.restore.time: received "2026-11-01T10:00:00+01:00"; expected ${TIME}`,
        },
        {
            name: "a date that does not exist",
            value: '{sourceInstance: launchpad-production-db, time: "2026-02-30T10:00:00Z"}',
            problem: `launchpad:database.restore.time: received "2026-02-30T10:00:00Z"; expected ${TIME}`,
        },
        {
            name: "an empty source",
            value: '{sourceInstance: "", time: latest}',
            problem: 'launchpad:database.restore.sourceInstance: received ""; expected the identifier or ARN of the DB instance to restore from',
        },
        {
            name: "a source without a time",
            value: "{sourceInstance: launchpad-production-db}",
            problem: `launchpad:database.restore.time: received nothing (required); expected ${TIME}`,
        },
        {
            name: "a time without a source",
            value: "{time: latest}",
            problem: "launchpad:database.restore.sourceInstance: received nothing (required); expected the identifier or ARN of the DB instance to restore from",
        },
        { name: "an empty snapshot", value: '{snapshot: ""}', problem: 'launchpad:database.restore.snapshot: received ""; expected a DB snapshot identifier or ARN' },
        {
            name: "an unknown field",
            value: "{snapshot: snap-1, when: latest}",
            problem: 'launchpad:database.restore.when: received "latest"; expected no such field (allowed: sourceInstance, time, snapshot)',
        },
        { name: "a number for the time", value: "{sourceInstance: db1, time: 5}", problem: "launchpad:database.restore.time: received 5; expected a string" },
    ])("$name", async ({ value, problem }) => {
        expect(await problemsFor(value)).toEqual({ code: 2, stdout: "", problems: [problem] });
    });

    it("a time in the future, against a fixed now", () => {
        const input = restoreInput({ sourceInstance: "launchpad-production-db", time: "2026-11-22T10:00:01Z" }, "2026-11-22T10:00:00Z");
        const problems = (() => {
            try {
                parseConfig(input);
                return [];
            } catch (e) {
                return e instanceof ConfigError ? e.problems : [String(e)];
            }
        })();
        expect(problems).toEqual([
            'launchpad:database.restore.time: received "2026-11-22T10:00:01Z"; expected a time in the past (now is 2026-11-22T10:00:00Z)',
        ]);
        expect(parseConfig({ ...input, now: new Date("2026-11-22T10:00:01Z") }).database.restore).toEqual({
            kind: "pointInTime",
            sourceInstance: "launchpad-production-db",
            time: "2026-11-22T10:00:01Z",
        });
    });
});

describe("valid restore configs", () => {
    it.each([
        ['{sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00Z"}', { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00Z" }],
        ['{sourceInstance: launchpad-production-db, time: "2026-11-01T10:00:00.250Z"}', { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "2026-11-01T10:00:00.250Z" }],
        ["{sourceInstance: launchpad-production-db, time: latest}", { kind: "pointInTime", sourceInstance: "launchpad-production-db", time: "latest" }],
        ["{snapshot: launchpad-production-db-final-0a1b2c3d}", { kind: "snapshot", snapshot: "launchpad-production-db-final-0a1b2c3d" }],
    ])("%s", (value, expected) => {
        const parsed = parseConfig(restoreInput(parseYaml(value) as unknown, "2026-11-22T00:00:00Z"));
        expect(parsed.database.restore).toEqual(expected);
    });
});

describe("a restore source in another region", () => {
    // RDS restores in the region it is called in (config/database.ts restoreRegionProblems): the
    // region-failure runbook's recovery stack restores the backups replicated to its own aws:region.
    const REGION = 'expected a source in aws:region "us-east-1", where RDS restores: replicated automated backups\' ARN in the region they are replicated to, a snapshot copied there first (aws rds copy-db-snapshot)';
    it.each([
        {
            name: "replicated automated backups of the DR region, restored from the primary",
            value: { sourceInstance: "arn:aws:rds:us-west-2:210987654321:auto-backup:ab-q7x2l4", time: "latest" },
            problem: `launchpad:database.restore.sourceInstance: received "arn:aws:rds:us-west-2:210987654321:auto-backup:ab-q7x2l4", an ARN in "us-west-2"; ${REGION}`,
        },
        {
            name: "a snapshot ARN of another region",
            value: { snapshot: "arn:aws:rds:eu-west-1:210987654321:snapshot:lp-failback" },
            problem: `launchpad:database.restore.snapshot: received "arn:aws:rds:eu-west-1:210987654321:snapshot:lp-failback", an ARN in "eu-west-1"; ${REGION}`,
        },
    ])("$name is refused before anything is built", ({ value, problem }) => {
        const thrown = (() => {
            try {
                parseConfig(restoreInput(value, "2026-12-02T00:00:00Z"));
                return undefined;
            } catch (e) {
                return e;
            }
        })();
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).problems).toEqual([problem]);
    });

    it.each([
        { sourceInstance: "arn:aws:rds:us-east-1:210987654321:auto-backup:ab-q7x2l4", time: "latest" },
        { sourceInstance: "launchpad-staging-db", time: "latest" },
        { snapshot: "awsbackup:copyjob-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" },
        { snapshot: "arn:aws:rds:us-east-1:210987654321:snapshot:lp-failback" },
    ])("a source in aws:region, or an identifier, passes: %o", (value) => {
        expect(parseConfig(restoreInput(value, "2026-12-02T00:00:00Z")).database?.restore).toBeDefined();
    });
});
