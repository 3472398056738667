/**
 * scripts/db/drill-check.sh, the restore drill's validation, run for real against a MariaDB and a
 * PostgreSQL server from Debian's packages that speak TLS only, with a certificate for `localhost`
 * from a throw-away CA (tests/support/db-tls.ts), standing in for the drill's restored RDS instance
 * (holding the `shop` fixture: 3 customers, 5 orders, no refunds). AWS is the stub `aws` of
 * tests/support/aws-stub.ts, answering with the documented shapes (botocore 0e6e2404, backup
 * 2018-11-15 RestoreJobsListMember: Status, CreatedResourceArn, CompletionDate, ValidationStatus
 * FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING; rds DescribeDBInstances: DBInstanceStatus,
 * Endpoint.Address, Endpoint.Port) and recording every call, put-restore-validation-result included.
 *
 * Real servers: the opt-in family of tests/db-scripts.test.ts (`npm run test:db`, CI=true), skipped
 * loudly otherwise.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { RESTORE_VALIDATION_WINDOW_HOURS } from "../components/backup-plan";
import { AWS_STUB, hasJmespath } from "./support/aws-stub";
import type { Engine, TestDatabase } from "./support/db-servers";
import { holdLock, stallProxy, until } from "./support/db-stall";
import { startTlsServer, type TestCa } from "./support/db-tls";
import { APT_PACKAGES, describeRealServer, findTools, isRoot, missingTools, run, SELECTED_DB_ENGINES, traversableTempDir, type DbTools, type RunResult } from "./support/db-tools";

const SCRIPT = join(__dirname, "..", "scripts", "db", "drill-check.sh");
const tools = findTools();
const PASSWORD = `Lp-"x#7$q\\ z'!`;
const ROTATED = "Rotated-after-the-snapshot-9q";
const PLAN_ARN = "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:launchpad_staging_restore_drill-6f1c2a";
const RESTORED = "arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-8c2d1e";

if (SELECTED_DB_ENGINES.length < 2) {
    const bar = "!".repeat(100);
    const skipped = ["mysql", "postgres"].filter((e) => !SELECTED_DB_ENGINES.includes(e));
    console.warn(`\n${bar}\n*** drill-check: SKIPPING the restore drill validation suites for ${skipped.join(", ")} in tests/drill-check.test.ts (real servers).\n` +
        `Run them with: npm run test:db   (or LAUNCHPAD_DB_ENGINES=mysql,postgres; needs apt-get install -y ${APT_PACKAGES}; CI=true always runs them)\n${bar}\n`);
}

/** A restore job of the drill as ListRestoreJobs lists it (botocore RestoreJobsListMember). */
function restoreJob(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const completed = new Date(Date.now() - 20 * 60_000).toISOString();
    return {
        RestoreJobId: id, AccountId: "123456789012", Status: "COMPLETED", ResourceType: "RDS", CreatedResourceArn: RESTORED,
        CreationDate: new Date(Date.now() - 80 * 60_000).toISOString(), CompletionDate: completed, ...extra,
    };
}

const SPECS: readonly { engine: Engine; needed: (keyof DbTools)[] }[] = [
    { engine: "postgres", needed: ["pgBinDir", "openssl", ...(isRoot ? (["runuser"] as const) : [])] },
    { engine: "mysql", needed: ["mariadbd", "mariadbInstallDb", "mariadb", "openssl"] },
];

for (const spec of SPECS) {
    const body = (): void => {
        let root = "";
        let stub = "";
        let db: TestDatabase | undefined;
        let serverCa: TestCa;
        let otherCa: TestCa;

        beforeAll(async () => {
            root = traversableTempDir(`launchpad-drill-check-${spec.engine}-`);
            ({ db, serverCa, otherCa } = await startTlsServer(spec.engine, tools, root, { database: "shop", user: "app", password: PASSWORD }, "localhost"));
        }, 120_000);
        afterAll(async () => {
            await db?.stop();
            if (root !== "") rmSync(root, { recursive: true, force: true });
        }, 60_000);
        beforeEach(() => {
            stub = traversableTempDir("stub-", root);
            writeFileSync(join(stub, "aws"), AWS_STUB, { mode: 0o755 });
            answer("backup-list-restore-jobs", { RestoreJobs: [restoreJob("job-1")] });
            answer("rds-describe-db-instances", { DBInstances: [{ DBInstanceIdentifier: "awsbackup-restore-test-8c2d1e", DBInstanceStatus: "available", Engine: spec.engine, Endpoint: { Address: "localhost", Port: db?.port } }] });
            answer("backup-put-restore-validation-result", {});
            return () => rmSync(stub, { recursive: true, force: true });
        });

        const answer = (name: string, json: unknown): void => writeFileSync(join(stub, `${name}.json`), JSON.stringify(json));
        const calls = (): string[][] => readFileSync(join(stub, "calls.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
        /** The validation results put, as [job id, status, message]. */
        const puts = (): string[][] => calls().filter((c) => c.includes("put-restore-validation-result"))
            .map((c) => ["--restore-job-id", "--validation-status", "--validation-status-message"].map((f) => c[c.indexOf(f) + 1]));

        /** The script as its CronJob runs it, all phases in one process, in a TMPDIR of its own that must be left empty. */
        async function check(env: Record<string, string> = {}): Promise<RunResult & { leftovers: string[] }> {
            const tmp = traversableTempDir("run-", root);
            const r = await run("bash", [SCRIPT], {
                env: {
                    PATH: [stub, tools.pgBinDir, "/usr/local/sbin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].filter((d) => d !== undefined).join(":"),
                    LANG: "C.UTF-8", TMPDIR: tmp, AWS_STUB_DIR: stub, AWS_REGION: "us-east-1", RESTORE_TESTING_PLAN_ARN: PLAN_ARN,
                    RESTORE_VALIDATION_WINDOW_HOURS: String(RESTORE_VALIDATION_WINDOW_HOURS), DB_SSL_CA: serverCa.cert, DB_CONNECT_TIMEOUT: "5",
                    DB_ENGINE: spec.engine, DB_NAME: "shop", DB_USER: "app", DB_PASSWORD: PASSWORD, CRITICAL_TABLES: "customers,orders", ...env,
                },
            });
            const leftovers = readdirSync(tmp);
            rmSync(tmp, { recursive: true, force: true });
            return { ...r, leftovers };
        }

        it("a good restore: connects over verified TLS, counts the critical tables, puts SUCCESSFUL", async () => {
            const started = Date.now();
            const r = await check();
            expect({ code: r.code, stderr: r.stderr, leftovers: r.leftovers }).toEqual({ code: 0, stderr: "", leftovers: [] });
            const message = "connected over verified TLS as app; customers 3 rows, orders 5 rows";
            expect(puts()).toEqual([["job-1", "SUCCESSFUL", message]]);
            expect(r.stdout).toBe(`drill-check.sh: restore job job-1 (${RESTORED}): SUCCESSFUL: ${message}\n`);
            // The drill's own plan, COMPLETED jobs of the validation window only; the restored instance by its ARN.
            const list = calls().find((c) => c.includes("list-restore-jobs")) as string[];
            expect(list).toEqual(expect.arrayContaining(["--by-restore-testing-plan-arn", PLAN_ARN, "--by-status", "COMPLETED"]));
            const after = Date.parse(list[list.indexOf("--by-complete-after") + 1]);
            expect(Math.abs(after - (started - RESTORE_VALIDATION_WINDOW_HOURS * 3_600_000))).toBeLessThan(60_000);
            expect(calls().find((c) => c.includes("describe-db-instances"))).toEqual(expect.arrayContaining(["--db-instance-identifier", RESTORED]));
        });

        it("a missing critical table: FAILED, the table named", async () => {
            const r = await check({ CRITICAL_TABLES: "customers,invoices" });
            expect({ code: r.code, stderr: r.stderr, leftovers: r.leftovers }).toEqual({ code: 0, stderr: "", leftovers: [] });
            expect(puts()).toEqual([["job-1", "FAILED", "critical table(s) missing after restore: invoices"]]);
        });

        it("an empty critical table: FAILED, the table named", async () => {
            const r = await check({ CRITICAL_TABLES: "customers,refunds" });
            expect(r.code).toBe(0);
            expect(puts()).toEqual([["job-1", "FAILED", "critical table(s) empty after restore: refunds"]]);
        });

        it("the master password rotated after the snapshot: FAILED, naming that cause, the password in no output", async () => {
            const r = await check({ DB_PASSWORD: ROTATED });
            expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
            const [[job, status, message]] = puts();
            expect([job, status]).toEqual(["job-1", "FAILED"]);
            expect(message).toMatch(/^the restored instance refused the master password of the connection Secret: it keeps the snapshot's master password, so the password was most likely rotated after the snapshot was taken; the data was not checked: /);
            expect(message).toMatch(spec.engine === "mysql" ? /ERROR 1045 \(28000\): Access denied for user 'app'/ : /password authentication failed for user "app"/);
            expect(`${r.stdout}${r.stderr}${readFileSync(join(stub, "calls.log"), "utf8")}`).not.toContain(ROTATED);
        });

        it("a server whose certificate does not chain to the bundle: FAILED, not trusted", async () => {
            const r = await check({ DB_SSL_CA: otherCa.cert });
            expect(r.code).toBe(0);
            const [[, status, message]] = puts();
            expect(status).toBe("FAILED");
            expect(message).toMatch(/^connecting to localhost:\d+\/shop as app over verified TLS failed: /);
        });

        it("nothing to validate: no call but the listing, exit 0, nothing printed", async () => {
            answer("backup-list-restore-jobs", { RestoreJobs: [] });
            const r = await check();
            expect({ code: r.code, stdout: r.stdout, stderr: r.stderr, leftovers: r.leftovers }).toEqual({ code: 0, stdout: "", stderr: "", leftovers: [] });
            expect(calls().map((c) => c.includes("list-restore-jobs"))).toEqual([true]);
        });

        it("an already validated job (SUCCESSFUL, FAILED or TIMED_OUT) is left alone; a VALIDATING one is validated", async () => {
            answer("backup-list-restore-jobs", { RestoreJobs: [
                restoreJob("job-ok", { ValidationStatus: "SUCCESSFUL", ValidationStatusMessage: "earlier run" }),
                restoreJob("job-bad", { ValidationStatus: "FAILED" }),
                restoreJob("job-late", { ValidationStatus: "TIMED_OUT" }),
            ] });
            const r = await check();
            expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
            expect(calls().filter((c) => !c.includes("list-restore-jobs"))).toEqual([]);
            answer("backup-list-restore-jobs", { RestoreJobs: [restoreJob("job-2", { ValidationStatus: "VALIDATING" })] });
            expect((await check()).code).toBe(0);
            expect(puts().map((p) => p.slice(0, 2))).toEqual([["job-2", "SUCCESSFUL"]]);
        });

        it("a restored instance not yet available: left for the next run, said on stderr", async () => {
            answer("rds-describe-db-instances", { DBInstances: [{ DBInstanceIdentifier: "awsbackup-restore-test-8c2d1e", DBInstanceStatus: "modifying", Endpoint: { Address: "localhost", Port: db?.port } }] });
            const r = await check();
            expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: `drill-check.sh: restore job job-1: the restored DB instance ${RESTORED} is modifying, not yet available: left for the next run\n` });
            expect(puts()).toEqual([]);
        });

        it("AWS refusing the result: one line naming the job and AWS's reason, exit 1", async () => {
            writeFileSync(join(stub, "backup-put-restore-validation-result.fail"), "\nAn error occurred (AccessDeniedException) when calling the PutRestoreValidationResult operation: not authorized\n");
            const r = await check();
            expect({ code: r.code, stderr: r.stderr, leftovers: r.leftovers }).toEqual({
                code: 1, leftovers: [],
                stderr: "drill-check.sh: putting the validation result SUCCESSFUL of restore job job-1 failed: An error occurred (AccessDeniedException) when calling the PutRestoreValidationResult operation: not authorized\n",
            });
        });

        // The statement clients' bound (scripts/db/lib.sh bounded_client): DB_CONNECT_TIMEOUT +
        // DB_QUERY_TIMEOUT, here 2 + 3 s. A stall after the login puts no verdict (a restored
        // instance's first reads are slow: the next run tries again) and exits 1 with one line.
        const BOUND = { DB_CONNECT_TIMEOUT: "2", DB_QUERY_TIMEOUT: "3" };
        const stallLine = (port: number | undefined): string => `drill-check.sh: restore job job-1: localhost:${port}/shop: no answer from the server within 5s ` +
            "(DB_CONNECT_TIMEOUT 2s to connect, then DB_QUERY_TIMEOUT 3s for the statements): the server or the network stalled, or a statement waits on a lock; no verdict put: left for the next run\n";
        // The count of `customers` waits: PostgreSQL's ACCESS EXCLUSIVE conflicts with its ACCESS SHARE
        // (PostgreSQL docs, explicit-locking.html, Table 13.2), MariaDB's LOCK TABLES ... WRITE keeps
        // every other session from reading the table (MariaDB KB, LOCK TABLES).
        const LOCK = spec.engine === "postgres" ? ["LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"] : ["LOCK TABLES customers WRITE"];
        const WAITING = spec.engine === "postgres"
            ? "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'launchpad-drill-check' AND wait_event_type = 'Lock'"
            : "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE user = 'app' AND state LIKE 'Waiting for table%'";

        it("a statement that waits on a lock after the login: exit 1 once DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT are over, one line naming them, no verdict put", async () => {
            const holder = await holdLock(db as TestDatabase, serverCa.cert, "localhost", "app", PASSWORD, LOCK);
            try {
                const started = Date.now();
                const r = await check(BOUND);
                const took = Date.now() - started;
                expect({ code: r.code, stdout: r.stdout, stderr: r.stderr, leftovers: r.leftovers }).toEqual({ code: 1, stdout: "", stderr: stallLine(db?.port), leftovers: [] });
                expect(puts()).toEqual([]);
                expect(took).toBeGreaterThanOrEqual(5_000);
                expect(took).toBeLessThan(5_000 + 5_000);
            } finally {
                await holder.release();
            }
        }, 30_000);

        it("a network that goes silent mid-query, after the login (the server answers, nothing arrives): the same line, within the same bound", async () => {
            const proxy = await stallProxy(db?.port as number);
            answer("rds-describe-db-instances", { DBInstances: [{ DBInstanceIdentifier: "awsbackup-restore-test-8c2d1e", DBInstanceStatus: "available", Engine: spec.engine, Endpoint: { Address: "localhost", Port: proxy.port } }] });
            const holder = await holdLock(db as TestDatabase, serverCa.cert, "localhost", "app", PASSWORD, LOCK);
            let released = false;
            try {
                const started = Date.now();
                const running = check(BOUND);
                // Logged in through the relay, its count waiting on the lock: then the relay goes silent and the lock goes.
                await until("the drill check's count waits on the lock", 4_000, async () => Number((await holder.peek(WAITING))[0].n) > 0);
                proxy.stall();
                await holder.release();
                released = true;
                const r = await running;
                const took = Date.now() - started;
                expect({ code: r.code, stdout: r.stdout, stderr: r.stderr, leftovers: r.leftovers }).toEqual({ code: 1, stdout: "", stderr: stallLine(proxy.port), leftovers: [] });
                expect(puts()).toEqual([]);
                expect(took).toBeGreaterThanOrEqual(5_000);
                expect(took).toBeLessThan(5_000 + 5_000);
            } finally {
                if (!released) await holder.release();
                await proxy.close();
            }
        }, 30_000);

        it("DB_QUERY_TIMEOUT that is no number of seconds: exit 2, before connecting", async () => {
            const r = await check({ DB_QUERY_TIMEOUT: "1m" });
            expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: "drill-check.sh: DB_QUERY_TIMEOUT '1m' is not a number of seconds (1 to 9999)\n" });
            expect(puts()).toEqual([]);
        });
    };
    const missing = [...missingTools(tools, spec.needed), ...(hasJmespath() ? [] : ["python3-jmespath (the stub aws)"])];
    describeRealServer(`scripts/db/drill-check.sh validates the restore drill's instance (${spec.engine}, over verified TLS)`, missing, body, SELECTED_DB_ENGINES.includes(spec.engine));
}
