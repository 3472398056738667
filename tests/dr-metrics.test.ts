/**
 * scripts/db/dr-metrics.sh, run for real with bash and curl, against a stub `aws` on PATH that
 * answers with the JSON the AWS APIs document and applies the script's `--query` with jmespath,
 * the library the AWS CLI itself evaluates `--query` with (Debian's awscli depends on
 * python3-jmespath), printing `--output text` as the CLI does (tab-separated, `None` for null).
 * The push goes to the stand-in Pushgateway of tests/support/db-s3.ts.
 *
 * Documented shapes:
 * - DescribeDBInstances: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
 *   (`LatestRestorableTime`, `AllocatedStorage` in GiB, `InstanceCreateTime`: a timestamp, not among
 *   the shape's required members in botocore's rds model, data/rds/2014-10-31/service-2.json)
 * - GetMetricStatistics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
 *   (`Datapoints[].Timestamp`, `.Minimum`, `.Maximum`, `.Unit`); AWS/RDS `MaximumUsedTransactionIDs`
 *   (unit Count) applies to PostgreSQL only (Amazon RDS User Guide, rds-metrics)
 * - DescribeDBInstanceAutomatedBackups: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html
 *   (`RestoreWindow.EarliestTime`, `.LatestTime`)
 * - ListRestoreJobs: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreJobs.html
 *   (`RestoreJobs[].Status` PENDING | RUNNING | COMPLETED | ABORTED | FAILED, `.CreationDate`, `.CompletionDate`,
 *   `.ValidationStatus` FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING: botocore 0e6e2404 backup
 *   2018-11-15 RestoreJobsListMember, put by scripts/db/drill-check.sh)
 * - ListRestoreTestingPlans: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreTestingPlans.html
 *   (`RestoreTestingPlans[].RestoreTestingPlanArn`, `.CreationTime`: botocore backup RestoreTestingPlanForList)
 *
 * The DR drill's calls carry `--region <DR region>`: the stub answers them from `<file>@us-west-2.json`.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DR_METRICS, PUSH_JOBS } from "../observability/catalogue";
import { AWS_STUB, hasJmespath } from "./support/aws-stub";
import { parseExposition, startFakePushgateway, type FakePushgateway } from "./support/db-s3";
import { IN_CI } from "./support/db-tools";
import { scratchDir } from "./support/scratch";
import { skipProcesses } from "./support/timing";

const SCRIPT = join(__dirname, "..", "scripts", "db", "dr-metrics.sh");
const SKIP_PROCESSES = skipProcesses("tests/dr-metrics.test.ts", "dr-metrics.sh run by bash against a stub aws (python3 each call) and a stand-in Pushgateway");
const DB = "launchpad-production-db";

const missing = [...(hasJmespath() ? [] : ["python3 with jmespath (python3-jmespath)"]), ...(spawnSync("curl", ["--version"]).status === 0 ? [] : ["curl"])];
if (missing.length > 0 && !IN_CI) {
    console.warn(`\n${"!".repeat(100)}\nSKIPPING tests/dr-metrics.test.ts: not found: ${missing.join(", ")}. Install: apt-get install -y awscli curl\n${"!".repeat(100)}\n`);
}

let dir: string;
let gateway: FakePushgateway;

const epoch = (iso: string): number => Date.parse(iso) / 1000;

/** The documented responses of a healthy production database. */
function writeHealthy(): void {
    const files: Record<string, unknown> = {
        "rds-describe-db-instances": {
            DBInstances: [{ DBInstanceIdentifier: DB, DBInstanceStatus: "available", AllocatedStorage: 120, MaxAllocatedStorage: 500, LatestRestorableTime: "2026-12-06T01:05:00+00:00", InstanceCreateTime: "2026-03-02T09:14:27.512000+00:00", Engine: "postgres" }],
        },
        "cloudwatch-get-metric-statistics": {
            Label: "FreeStorageSpace",
            Datapoints: [
                { Timestamp: "2026-12-06T01:00:00+00:00", Minimum: 30000000000.0, Unit: "Bytes" },
                { Timestamp: "2026-12-06T01:05:00+00:00", Minimum: 25769803776.0, Unit: "Bytes" },
                { Timestamp: "2026-12-06T00:55:00+00:00", Minimum: 31000000000.0, Unit: "Bytes" },
            ],
        },
        // The stub answers a CloudWatch call with `<service>-<command>-<metric name>.json` where one exists.
        "cloudwatch-get-metric-statistics-MaximumUsedTransactionIDs": {
            Label: "MaximumUsedTransactionIDs",
            Datapoints: [
                { Timestamp: "2026-12-06T01:05:00+00:00", Maximum: 212345678.0, Unit: "Count" },
                { Timestamp: "2026-12-06T01:00:00+00:00", Maximum: 212000000.0, Unit: "Count" },
            ],
        },
        "rds-describe-db-instance-automated-backups": {
            DBInstanceAutomatedBackups: [{ DBInstanceIdentifier: DB, Status: "replicating", Region: "us-east-1", RestoreWindow: { EarliestTime: "2026-11-29T01:00:00+00:00", LatestTime: "2026-12-06T00:58:00+00:00" } }],
        },
        "backup-list-restore-jobs": {
            RestoreJobs: [
                { RestoreJobId: "r1", Status: "COMPLETED", ValidationStatus: "SUCCESSFUL", ResourceType: "RDS", CreationDate: "2026-10-15T06:00:00+00:00", CompletionDate: "2026-10-15T06:50:00+00:00" },
                { RestoreJobId: "r2", Status: "COMPLETED", ValidationStatus: "SUCCESSFUL", ValidationStatusMessage: "connected over verified TLS as admin; orders 5 rows", ResourceType: "RDS", CreationDate: "2026-11-15T06:00:00+00:00", CompletionDate: "2026-11-15T07:12:30+00:00" },
                { RestoreJobId: "r3", Status: "RUNNING", ResourceType: "RDS", CreationDate: "2026-12-06T00:30:00+00:00" },
            ],
        },
    };
    for (const [name, body] of Object.entries(files)) {
        writeFileSync(join(dir, `${name}.json`), JSON.stringify(body));
    }
}

function run(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [SCRIPT], {
            // The run's TMPDIR (tests/support/run-tmpdir.ts): the script's error log must not outlive it.
            env: { PATH: `${dir}:${process.env.PATH ?? ""}`, TMPDIR: tmpdir(), AWS_STUB_DIR: dir, AWS_REGION: "us-east-1", DB_INSTANCE_ID: DB, PUSHGATEWAY_URL: gateway.url, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

const DRILL = { RESTORE_TESTING_PLAN_ARN: "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:launchpad_production_restore_drill-abc" };
const DR = { DR_REGION: "us-west-2", DR_BACKUPS_ARN: "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-EXAMPLE" };
const DR_DRILL_PLAN = "arn:aws:backup:us-west-2:123456789012:restore-testing-plan:launchpad_production_dr_restore_drill-def";
const DR_DRILL = { DR_REGION: "us-west-2", DR_RESTORE_TESTING_PLAN_ARN: DR_DRILL_PLAN };

/** The DR region's answers: the DR drill's plan (beside another stack's) and its restore jobs. */
function writeDrDrill(jobs: Record<string, unknown>[]): void {
    writeFileSync(join(dir, "backup-list-restore-testing-plans@us-west-2.json"), JSON.stringify({
        RestoreTestingPlans: [
            { RestoreTestingPlanArn: "arn:aws:backup:us-west-2:123456789012:restore-testing-plan:launchpad_staging_dr_restore_drill-abc", RestoreTestingPlanName: "launchpad_staging_dr_restore_drill", CreationTime: "2026-01-05T10:00:00+00:00", ScheduleExpression: "cron(0 6 15 * ? *)" },
            { RestoreTestingPlanArn: DR_DRILL_PLAN, RestoreTestingPlanName: "launchpad_production_dr_restore_drill", CreationTime: "2026-12-01T10:30:00.250000+00:00", ScheduleExpression: "cron(0 6 15 * ? *)" },
        ],
    }));
    writeFileSync(join(dir, "backup-list-restore-jobs@us-west-2.json"), JSON.stringify({ RestoreJobs: jobs }));
}

/** The DR drill metrics pushed: [plan created, last run success, its completion, duration, last success]. */
function drDrillPushed(): (number | undefined)[] {
    const pushed = parseExposition(gateway.pushes[0].body);
    return [DR_METRICS.drDrillPlanCreateTimestamp, DR_METRICS.drDrillLastRunSuccess, DR_METRICS.drDrillLastCompletionTimestamp, DR_METRICS.drDrillDuration, DR_METRICS.drDrillLastSuccessTimestamp].map((m) => pushed[m]);
}

describe.skipIf(SKIP_PROCESSES || (missing.length > 0 && !IN_CI))("scripts/db/dr-metrics.sh with a stub aws and a stand-in Pushgateway", () => {
    beforeAll(async () => {
        gateway = await startFakePushgateway();
    });
    afterAll(async () => {
        await gateway.close();
    });
    beforeEach(() => {
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        dir = scratchDir("launchpad-dr-metrics-");
        writeFileSync(join(dir, "aws"), AWS_STUB, { mode: 0o755 });
        writeHealthy();
        gateway.pushes.length = 0;
    });

    it("has what it needs (CI installs it)", () => {
        expect(missing).toEqual([]);
    });

    it("PUTs the point-in-time and DR restorable times, allocated and free storage, and the newest finished drill", async () => {
        const r = await run({ ...DRILL, ...DR });
        expect(r).toEqual({ status: 0, stdout: `pushed recovery metrics of ${DB}\n`, stderr: "" });
        expect(gateway.pushes.map((p) => [p.method, p.path])).toEqual([["PUT", `/metrics/job/${PUSH_JOBS.dr}/db_instance/${DB}`]]);
        expect(parseExposition(gateway.pushes[0].body)).toEqual({
            [DR_METRICS.latestRestorable]: epoch("2026-12-06T01:05:00Z"),
            [DR_METRICS.allocatedStorage]: 120 * 2 ** 30,
            // Whole seconds: the reference age of LaunchpadRestoreDrillMissing needs no more.
            [DR_METRICS.instanceCreateTimestamp]: epoch("2026-03-02T09:14:27Z"),
            // The newest datapoint, whatever the order CloudWatch returns them in.
            [DR_METRICS.freeStorage]: 25769803776,
            // Engine postgres: the newest 5-minute Maximum of MaximumUsedTransactionIDs.
            [DR_METRICS.maximumUsedTransactionIds]: 212345678,
            [DR_METRICS.drLatestRestorable]: epoch("2026-12-06T00:58:00Z"),
            // r2: the newest finished job (r3 still runs), 1 h 12 min 30 s.
            [DR_METRICS.drillLastRunSuccess]: 1,
            [DR_METRICS.drillLastCompletionTimestamp]: epoch("2026-11-15T07:12:30Z"),
            [DR_METRICS.drillDuration]: 4350,
            // No job's restored instance left undeleted (none has a DeletionStatus FAILED or DELETING).
            [DR_METRICS.drillUndeletedInstances]: 0,
        });
        const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
        // The drill's own plan, the DR region for the replicated backups.
        expect(calls.find((c) => c.includes("list-restore-jobs"))).toEqual(expect.arrayContaining(["--by-restore-testing-plan-arn", DRILL.RESTORE_TESTING_PLAN_ARN]));
        expect(calls.find((c) => c.includes("describe-db-instance-automated-backups"))).toEqual(expect.arrayContaining(["--region", "us-west-2", "--db-instance-automated-backups-arn", DR.DR_BACKUPS_ARN]));
        // Every call bounded (issue 13: connect and read timeouts on every client), the DR region's too, and in one region each.
        expect(calls.find((c) => c.includes("MaximumUsedTransactionIDs"))).toEqual(expect.arrayContaining(["--namespace", "AWS/RDS", "--period", "300", "--statistics", "Maximum", "--dimensions", `Name=DBInstanceIdentifier,Value=${DB}`]));
        for (const c of calls) {
            expect(c).toEqual(expect.arrayContaining(["--cli-connect-timeout", "15", "--cli-read-timeout", "60"]));
            expect(c.filter((a) => a === "--region")).toHaveLength(1);
        }
    });

    it("a MySQL instance: MaximumUsedTransactionIDs is neither read (RDS publishes it for PostgreSQL only) nor pushed", async () => {
        const instances = JSON.parse(readFileSync(join(dir, "rds-describe-db-instances.json"), "utf8")) as { DBInstances: Record<string, unknown>[] };
        instances.DBInstances[0].Engine = "mysql";
        writeFileSync(join(dir, "rds-describe-db-instances.json"), JSON.stringify(instances));
        const r = await run({});
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
        const pushed = parseExposition(gateway.pushes[0].body);
        expect([pushed[DR_METRICS.maximumUsedTransactionIds], pushed[DR_METRICS.freeStorage]]).toEqual([undefined, 25769803776]);
        const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
        expect(calls.filter((c) => c.includes("get-metric-statistics")).map((c) => c[c.indexOf("--metric-name") + 1])).toEqual(["FreeStorageSpace"]);
    });

    it("PostgreSQL with no MaximumUsedTransactionIDs point yet: says so on stderr, pushes the rest", async () => {
        writeFileSync(join(dir, "cloudwatch-get-metric-statistics-MaximumUsedTransactionIDs.json"), JSON.stringify({ Label: "MaximumUsedTransactionIDs", Datapoints: [] }));
        const r = await run({});
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: `dr-metrics.sh: no MaximumUsedTransactionIDs point for ${DB} in the last 15 minutes: used transaction IDs not pushed\n` });
        const pushed = parseExposition(gateway.pushes[0].body);
        expect([pushed[DR_METRICS.maximumUsedTransactionIds], pushed[DR_METRICS.freeStorage]]).toEqual([undefined, 25769803776]);
    });

    it("PostgreSQL, CloudWatch refusing MaximumUsedTransactionIDs: one line naming the metric and AWS's reason, exit 1, nothing pushed", async () => {
        writeFileSync(join(dir, "cloudwatch-get-metric-statistics-MaximumUsedTransactionIDs.fail"), "\nAn error occurred (AccessDenied) when calling the GetMetricStatistics operation: User is not authorized\n");
        const r = await run({});
        expect(r).toEqual({
            status: 1,
            stdout: "",
            stderr: `dr-metrics.sh: reading MaximumUsedTransactionIDs of ${DB} from CloudWatch failed: An error occurred (AccessDenied) when calling the GetMetricStatistics operation: User is not authorized\n`,
        });
        expect(gateway.pushes).toEqual([]);
    });

    it("a failed newest drill: success 0, its end time, no duration", async () => {
        writeFileSync(join(dir, "backup-list-restore-jobs.json"), JSON.stringify({
            RestoreJobs: [
                { RestoreJobId: "r1", Status: "COMPLETED", CreationDate: "2026-10-15T06:00:00+00:00", CompletionDate: "2026-10-15T06:50:00+00:00" },
                { RestoreJobId: "r2", Status: "FAILED", StatusMessage: "Insufficient capacity", CreationDate: "2026-11-15T06:00:00+00:00", CompletionDate: "2026-11-15T06:20:00+00:00" },
            ],
        }));
        const r = await run(DRILL);
        expect(r.status).toBe(0);
        const pushed = parseExposition(gateway.pushes[0].body);
        expect([pushed[DR_METRICS.drillLastRunSuccess], pushed[DR_METRICS.drillLastCompletionTimestamp], pushed[DR_METRICS.drillDuration]]).toEqual([0, epoch("2026-11-15T06:20:00Z"), undefined]);
        // Without DR_REGION no DR lag is read or pushed.
        expect(pushed[DR_METRICS.drLatestRestorable]).toBeUndefined();
    });

    /** The drill metrics pushed: [success, completion time, duration]. */
    const drill = (): (number | undefined)[] => {
        const pushed = parseExposition(gateway.pushes[0].body);
        return [pushed[DR_METRICS.drillLastRunSuccess], pushed[DR_METRICS.drillLastCompletionTimestamp], pushed[DR_METRICS.drillDuration]];
    };
    const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00");
    const listJobs = (jobs: Record<string, unknown>[]): void => writeFileSync(join(dir, "backup-list-restore-jobs.json"), JSON.stringify({ RestoreJobs: jobs }));
    const r1 = { RestoreJobId: "r1", Status: "COMPLETED", ValidationStatus: "SUCCESSFUL", CreationDate: "2026-10-15T06:00:00+00:00", CompletionDate: "2026-10-15T06:50:00+00:00" };

    it.each(["FAILED", "TIMED_OUT"])("a restored drill whose validation is %s: a failed drill (success 0), its end time and restore time", async (validation) => {
        listJobs([r1, { RestoreJobId: "r2", Status: "COMPLETED", ValidationStatus: validation, ValidationStatusMessage: "critical table(s) empty after restore: orders", CreationDate: "2026-11-15T06:00:00+00:00", CompletionDate: "2026-11-15T07:12:30+00:00" }]);
        expect((await run(DRILL)).status).toBe(0);
        expect(drill()).toEqual([0, epoch("2026-11-15T07:12:30Z"), 4350]);
    });

    it.each([["no ValidationStatus", {}], ["VALIDATING", { ValidationStatus: "VALIDATING" }]])("a restored drill within its validation window, %s: not finished yet, the drill before it is reported", async (_, validation) => {
        const now = Math.floor(Date.now() / 1000);
        listJobs([r1, { RestoreJobId: "r2", Status: "COMPLETED", CreationDate: iso(now - 3 * 3600), CompletionDate: iso(now - 3600), ...validation }]);
        const r = await run({ ...DRILL, RESTORE_VALIDATION_WINDOW_HOURS: "4" });
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
        expect(drill()).toEqual([1, epoch("2026-10-15T06:50:00Z"), 3000]);
    });

    it("a restored drill never validated once its window is over (the drill check did not run): a failed drill", async () => {
        const now = Math.floor(Date.now() / 1000);
        listJobs([r1, { RestoreJobId: "r2", Status: "COMPLETED", CreationDate: iso(now - 7 * 3600), CompletionDate: iso(now - 5 * 3600) }]);
        expect((await run({ ...DRILL, RESTORE_VALIDATION_WINDOW_HOURS: "4" })).status).toBe(0);
        expect(drill()).toEqual([0, now - 5 * 3600, 2 * 3600]);
    });

    it("only a drill still waiting for its validation: no drill metric yet, said on stderr", async () => {
        const now = Math.floor(Date.now() / 1000);
        listJobs([{ RestoreJobId: "r2", Status: "COMPLETED", CreationDate: iso(now - 3 * 3600), CompletionDate: iso(now - 3600) }]);
        const r = await run(DRILL);
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "dr-metrics.sh: no finished restore drill in the last 40 days: drill metrics not pushed\n" });
        expect(drill()).toEqual([undefined, undefined, undefined]);
    });

    it("no finished drill yet and no CloudWatch point: says so on stderr and pushes the rest", async () => {
        writeFileSync(join(dir, "backup-list-restore-jobs.json"), JSON.stringify({ RestoreJobs: [] }));
        writeFileSync(join(dir, "cloudwatch-get-metric-statistics.json"), JSON.stringify({ Label: "FreeStorageSpace", Datapoints: [] }));
        writeFileSync(join(dir, "cloudwatch-get-metric-statistics-MaximumUsedTransactionIDs.json"), JSON.stringify({ Label: "MaximumUsedTransactionIDs", Datapoints: [] }));
        const r = await run(DRILL);
        expect(r.status).toBe(0);
        expect(r.stderr).toBe([
            `dr-metrics.sh: no FreeStorageSpace point for ${DB} in the last 15 minutes: free storage not pushed`,
            `dr-metrics.sh: no MaximumUsedTransactionIDs point for ${DB} in the last 15 minutes: used transaction IDs not pushed`,
            "dr-metrics.sh: no finished restore drill in the last 40 days: drill metrics not pushed",
            "",
        ].join("\n"));
        // The instance's creation time still goes: with it, LaunchpadRestoreDrillMissing knows whether a drill was due.
        // So does the count of restored instances not deleted (0), which needs no finished drill.
        expect(Object.keys(parseExposition(gateway.pushes[0].body)).sort()).toEqual([DR_METRICS.allocatedStorage, DR_METRICS.instanceCreateTimestamp, DR_METRICS.latestRestorable, DR_METRICS.drillUndeletedInstances].sort());
    });

    it("no InstanceCreateTime (not a required member of DBInstance): the rest pushed, no reference age, so no drill counts as due", async () => {
        writeFileSync(join(dir, "rds-describe-db-instances.json"), JSON.stringify({
            DBInstances: [{ DBInstanceIdentifier: DB, DBInstanceStatus: "available", AllocatedStorage: 120, LatestRestorableTime: "2026-12-06T01:05:00+00:00" }],
        }));
        const r = await run(DRILL);
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
        const pushed = parseExposition(gateway.pushes[0].body);
        expect(pushed[DR_METRICS.instanceCreateTimestamp]).toBeUndefined();
        expect(pushed[DR_METRICS.latestRestorable]).toBe(epoch("2026-12-06T01:05:00Z"));
    });

    it("an AWS error: one line naming the call and AWS's reason, exit 1, nothing pushed (the lag alert then grows)", async () => {
        writeFileSync(join(dir, "rds-describe-db-instances.fail"), "\nAn error occurred (AccessDenied) when calling the DescribeDBInstances operation: User is not authorized\n");
        const r = await run(DRILL);
        expect(r).toEqual({
            status: 1,
            stdout: "",
            stderr: `dr-metrics.sh: describing the DB instance ${DB} failed: An error occurred (AccessDenied) when calling the DescribeDBInstances operation: User is not authorized\n`,
        });
        expect(gateway.pushes).toEqual([]);
    });

    it("refuses to start without its environment, a DR ARN without DR_REGION, or DR_REGION with nothing to read there", async () => {
        expect(await run({ PUSHGATEWAY_URL: "", DB_INSTANCE_ID: "" })).toEqual({ status: 2, stdout: "", stderr: "dr-metrics.sh: missing required environment variable(s): DB_INSTANCE_ID PUSHGATEWAY_URL\n" });
        expect(await run({ DR_REGION: "us-west-2" })).toEqual({ status: 2, stdout: "", stderr: "dr-metrics.sh: DR_REGION is set without DR_BACKUPS_ARN or DR_RESTORE_TESTING_PLAN_ARN: nothing to read there\n" });
        expect(await run({ DR_BACKUPS_ARN: DR.DR_BACKUPS_ARN })).toEqual({ status: 2, stdout: "", stderr: "dr-metrics.sh: missing required environment variable(s): DR_REGION\n" });
        expect(await run({ DR_RESTORE_TESTING_PLAN_ARN: DR_DRILL_PLAN })).toEqual({ status: 2, stdout: "", stderr: "dr-metrics.sh: missing required environment variable(s): DR_REGION\n" });
        expect(gateway.pushes).toEqual([]);
    });

    /**
     * A drill's restored instance AWS Backup did not delete: RestoreJobsListMember `DeletionStatus`
     * (RestoreDeletionStatus DELETING | FAILED | SUCCESSFUL) and `DeletionStatusMessage`, botocore
     * backup 2018-11-15 (vendor/botocore-models/backup). ListRestoreJobs has no filter on it.
     */
    describe("restored instances AWS Backup failed to delete (DeletionStatus)", () => {
        const now = Math.floor(Date.now() / 1000);
        const job = (id: string, completedHoursAgo: number, deletion: Record<string, string>) => ({
            RestoreJobId: id, Status: "COMPLETED", ValidationStatus: "SUCCESSFUL", ResourceType: "RDS",
            CreatedResourceArn: `arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-${id}`,
            CreationDate: iso(now - (completedHoursAgo + 1) * 3600), CompletionDate: iso(now - completedHoursAgo * 3600), ...deletion,
        });
        const undeleted = (): (number | undefined)[] => {
            const pushed = parseExposition(gateway.pushes[0].body);
            return [pushed[DR_METRICS.drillUndeletedInstances], pushed[DR_METRICS.drDrillUndeletedInstances]];
        };

        it("FAILED: counted, whatever the drill's own result; SUCCESSFUL and none: not", async () => {
            listJobs([
                job("a", 500, { DeletionStatus: "SUCCESSFUL" }),
                job("b", 300, { DeletionStatus: "FAILED", DeletionStatusMessage: "Cannot delete protected DB Instance" }),
                { ...job("c", 100, { DeletionStatus: "FAILED" }), Status: "FAILED", ValidationStatus: undefined },
                job("d", 2, {}),
            ]);
            const r = await run(DRILL);
            expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
            expect(undeleted()).toEqual([2, undefined]);
            const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
            const deletion = calls.filter((c) => c.includes("list-restore-jobs") && c[c.indexOf("--query") + 1].includes("DeletionStatus"));
            expect(deletion).toHaveLength(1);
            expect(deletion[0]).toEqual(expect.arrayContaining(["--by-restore-testing-plan-arn", DRILL.RESTORE_TESTING_PLAN_ARN, "--by-created-after"]));
        });

        it.each([
            ["SUCCESSFUL only", [job("a", 500, { DeletionStatus: "SUCCESSFUL" })]],
            ["no DeletionStatus yet (inside the validation window)", [job("a", 1, {})]],
            ["no job at all", []],
        ])("%s: 0 pushed", async (_, jobs) => {
            listJobs(jobs);
            expect((await run(DRILL)).status).toBe(0);
            expect(undeleted()).toEqual([0, undefined]);
        });

        it("DELETING: counted only once it is a day past the validation window (4 h + 24 h after completion)", async () => {
            listJobs([job("a", 29, { DeletionStatus: "DELETING" }), job("b", 27, { DeletionStatus: "DELETING" }), job("c", 5, { DeletionStatus: "DELETING" })]);
            expect((await run({ ...DRILL, RESTORE_VALIDATION_WINDOW_HOURS: "4" })).status).toBe(0);
            expect(undeleted()).toEqual([1, undefined]);
        });

        it("the DR drill's plan, read in the DR region: a count of its own beside the primary plan's; without the primary plan, the DR count alone", async () => {
            listJobs([job("a", 300, { DeletionStatus: "FAILED" })]);
            writeDrDrill([job("d1", 400, { DeletionStatus: "FAILED" }), job("d2", 300, { DeletionStatus: "FAILED" }), job("d3", 200, { DeletionStatus: "SUCCESSFUL" })]);
            expect((await run({ ...DRILL, ...DR_DRILL })).status).toBe(0);
            expect(undeleted()).toEqual([1, 2]);
            writeDrDrill([job("d3", 200, { DeletionStatus: "SUCCESSFUL" })]);
            gateway.pushes.length = 0;
            expect((await run(DR_DRILL)).status).toBe(0);
            expect(undeleted()).toEqual([undefined, 0]);
        });

        /**
         * AWS Backup never revisits a job's DeletionStatus: the instance the runbook deleted by hand must
         * stop counting at the next run, not 40 days later. DescribeDBInstances takes the ARN and answers
         * DBInstanceNotFound for none (botocore rds 2014-10-31 DescribeDBInstancesMessage,
         * DBInstanceNotFoundFault); the CLI prints botocore's ClientError MSG_TEMPLATE.
         */
        const gone = (id: string, region?: string): void => writeFileSync(join(dir, `rds-describe-db-instances~awsbackup-restore-test-${id}${region !== undefined ? `@${region}` : ""}.fail`),
            `\nAn error occurred (DBInstanceNotFound) when calling the DescribeDBInstances operation: DBInstance awsbackup-restore-test-${id} not found.\n`);
        const describes = (): string[][] => readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[])
            .filter((c) => c.includes("describe-db-instances") && c[c.indexOf("--db-instance-identifier") + 1].includes("awsbackup-restore-test"));

        it("an instance deleted by hand since (DescribeDBInstances: DBInstanceNotFound) is not counted; one still there is, looked up by the job's CreatedResourceArn in the plan's region", async () => {
            listJobs([job("a", 300, { DeletionStatus: "FAILED" }), job("b", 300, { DeletionStatus: "FAILED" }), job("c", 300, { DeletionStatus: "SUCCESSFUL" })]);
            gone("a");
            writeDrDrill([job("d1", 400, { DeletionStatus: "FAILED" }), job("d2", 300, { DeletionStatus: "FAILED" })]);
            gone("d1", "us-west-2");
            const r = await run({ ...DRILL, ...DR_DRILL });
            expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
            expect(undeleted()).toEqual([1, 1]);
            const looked = describes().map((c) => [c[c.indexOf("--db-instance-identifier") + 1], c.includes("--region") ? c[c.indexOf("--region") + 1] : ""]);
            expect(looked).toEqual([
                ["arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-a", "us-east-1"],
                ["arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-b", "us-east-1"],
                ["arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-d1", "us-west-2"],
                ["arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-d2", "us-west-2"],
            ]);
        });

        it("a job with no CreatedResourceArn is counted without a look-up; a look-up that fails otherwise (AccessDenied) ends the run and pushes nothing", async () => {
            listJobs([{ ...job("a", 300, { DeletionStatus: "FAILED" }), CreatedResourceArn: undefined }]);
            expect((await run(DRILL)).status).toBe(0);
            expect(undeleted()).toEqual([1, undefined]);
            expect(describes()).toEqual([]);
            gateway.pushes.length = 0;
            listJobs([job("b", 300, { DeletionStatus: "FAILED" })]);
            writeFileSync(join(dir, "rds-describe-db-instances~awsbackup-restore-test-b.fail"),
                "\nAn error occurred (AccessDenied) when calling the DescribeDBInstances operation: User is not authorized to perform: rds:DescribeDBInstances\n");
            const r = await run(DRILL);
            expect(r.status).toBe(1);
            expect(r.stderr).toBe("dr-metrics.sh: describing the restored instance arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-b failed: An error occurred (AccessDenied) when calling the DescribeDBInstances operation: User is not authorized to perform: rds:DescribeDBInstances\n");
            expect(gateway.pushes).toEqual([]);
        });
    });

    describe("the DR drill (the DR vault's copy restored in the DR region; nothing validates it)", () => {
        const dr1 = { RestoreJobId: "d1", Status: "COMPLETED", ResourceType: "RDS", CreationDate: "2026-10-15T06:10:00+00:00", CompletionDate: "2026-10-15T07:05:00+00:00" };

        it("a completed newest DR drill: success 1, its end, its restore time, the last success; the plan's creation time; all read in the DR region", async () => {
            writeDrDrill([dr1, { RestoreJobId: "d2", Status: "COMPLETED", ResourceType: "RDS", CreationDate: "2026-11-15T06:20:00+00:00", CompletionDate: "2026-11-15T07:40:00+00:00" }, { RestoreJobId: "d3", Status: "RUNNING", CreationDate: "2026-12-06T00:40:00+00:00" }]);
            const started = Date.now();
            const r = await run({ ...DRILL, ...DR, DR_RESTORE_TESTING_PLAN_ARN: DR_DRILL_PLAN });
            const ended = Date.now();
            expect(r).toEqual({ status: 0, stdout: `pushed recovery metrics of ${DB}\n`, stderr: "" });
            expect(drDrillPushed()).toEqual([epoch("2026-12-01T10:30:00Z"), 1, epoch("2026-11-15T07:40:00Z"), 4800, epoch("2026-11-15T07:40:00Z")]);
            // The primary drill's metrics still come from the primary region's jobs.
            expect(parseExposition(gateway.pushes[0].body)[DR_METRICS.drillLastCompletionTimestamp]).toBe(epoch("2026-11-15T07:12:30Z"));
            const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
            const jobs = calls.filter((c) => c.includes("list-restore-jobs"));
            // Each plan twice: its finished jobs, then its jobs' deletion status.
            expect(jobs.map((c) => [c[c.indexOf("--region") + 1], c[c.indexOf("--by-restore-testing-plan-arn") + 1]])).toEqual([
                ["us-east-1", DRILL.RESTORE_TESTING_PLAN_ARN],
                ["us-east-1", DRILL.RESTORE_TESTING_PLAN_ARN],
                ["us-west-2", DR_DRILL_PLAN],
                ["us-west-2", DR_DRILL_PLAN],
            ]);
            // Both drills' jobs from one moment: DRILL_LOOKBACK_DAYS' default, 40 days before the run (whole seconds).
            const since = jobs.map((c) => c[c.indexOf("--by-created-after") + 1]);
            expect(new Set(since).size).toBe(1);
            const lookback = 40 * 86_400_000;
            expect(Date.parse(since[0])).toBeGreaterThanOrEqual(Math.floor((started - lookback) / 1000) * 1000);
            expect(Date.parse(since[0])).toBeLessThanOrEqual(ended - lookback);
            expect(calls.find((c) => c.includes("list-restore-testing-plans"))).toEqual(expect.arrayContaining(["--region", "us-west-2"]));
        });

        it("a failed newest DR drill: success 0 and its end, no duration; the last success is the completed one before it", async () => {
            writeDrDrill([dr1, { RestoreJobId: "d2", Status: "FAILED", StatusMessage: "Access denied to KMS key", CreationDate: "2026-11-15T06:20:00+00:00", CompletionDate: "2026-11-15T06:31:00+00:00" }]);
            expect((await run(DR_DRILL)).status).toBe(0);
            expect(drDrillPushed()).toEqual([epoch("2026-12-01T10:30:00Z"), 0, epoch("2026-11-15T06:31:00Z"), undefined, epoch("2026-10-15T07:05:00Z")]);
        });

        it("no completed DR drill in the lookback: no last success (the alert then measures from the plan's creation); an aborted one is still reported", async () => {
            writeDrDrill([{ RestoreJobId: "d2", Status: "ABORTED", CreationDate: "2026-11-15T06:20:00+00:00" }]);
            expect((await run(DR_DRILL)).status).toBe(0);
            expect(drDrillPushed()).toEqual([epoch("2026-12-01T10:30:00Z"), 0, epoch("2026-11-15T06:20:00Z"), undefined, undefined]);
        });

        it("no finished DR drill and the plan gone from the list: says both on stderr, pushes the rest (the alert then measures from the instance)", async () => {
            writeDrDrill([]);
            writeFileSync(join(dir, "backup-list-restore-testing-plans@us-west-2.json"), JSON.stringify({ RestoreTestingPlans: [] }));
            const r = await run(DR_DRILL);
            expect({ status: r.status, stderr: r.stderr }).toEqual({
                status: 0,
                stderr: `dr-metrics.sh: no restore testing plan ${DR_DRILL_PLAN} in us-west-2: its creation time not pushed\ndr-metrics.sh: no finished DR restore drill in the last 40 days: DR drill metrics not pushed\n`,
            });
            expect(drDrillPushed()).toEqual([undefined, undefined, undefined, undefined, undefined]);
            expect(parseExposition(gateway.pushes[0].body)[DR_METRICS.instanceCreateTimestamp]).toBe(epoch("2026-03-02T09:14:27Z"));
        });

        it("an AWS error in the DR region: one line naming the call and the region, exit 1, nothing pushed", async () => {
            writeDrDrill([dr1]);
            writeFileSync(join(dir, "backup-list-restore-jobs@us-west-2.fail"), "\nAn error occurred (AccessDeniedException) when calling the ListRestoreJobs operation: not authorized\n");
            const r = await run(DR_DRILL);
            expect(r).toEqual({ status: 1, stdout: "", stderr: "dr-metrics.sh: listing the restore jobs of the DR restore testing plan in us-west-2 failed: An error occurred (AccessDeniedException) when calling the ListRestoreJobs operation: not authorized\n" });
            expect(gateway.pushes).toEqual([]);
        });
    });
});
