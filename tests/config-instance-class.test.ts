/**
 * launchpad:database.instanceClass is `db.` and an EC2 instance type that exists (issue 13, class 2:
 * config refuses what CreateDBInstance would). "A DB instance class consists of both the DB instance
 * type and the size" (RDS User Guide, Concepts.DBInstanceClass); the types are checked against the EC2
 * catalogue vendored for node groups (vendor/cluster-autoscaler/ec2_instance_types.go). Which types
 * RDS offers per engine is not checked: no current copy of the RDS per-engine table was found (see
 * instanceClassProblem in config/database.ts).
 */
import { describe, expect, it } from "vitest";
import { instanceTypeCatalogueUpdated } from "../config/node-group";
import { planCli } from "../scripts/plan";
import { refused } from "./support/config";

const EXPECTED = `expected "db." and an EC2 instance type that exists (the EC2 catalogue vendor/cluster-autoscaler/ec2_instance_types.go, updated ${instanceTypeCatalogueUpdated()})`;

describe("npm run plan refuses an RDS instance class EC2 does not have: exit 2, one exact line", () => {
    const REFUSED: readonly { stack: string; value: string; problem: string }[] = [
        { stack: "staging", value: "db.t4g.gigantic", problem: `launchpad:database.instanceClass: received "db.t4g.gigantic"; ${EXPECTED}, such as "db.t4g.nano", "db.t4g.2xlarge" or "db.t4g.large"` },
        { stack: "staging", value: "db.r6g.larg", problem: `launchpad:database.instanceClass: received "db.r6g.larg"; ${EXPECTED}, such as "db.r6g.large", "db.r6g.xlarge" or "db.r6g.2xlarge"` },
        { stack: "production", value: "db.q9.large", problem: `launchpad:database.instanceClass: received "db.q9.large"; ${EXPECTED}: RDS classes are general purpose (db.m...), memory optimized (db.r..., db.x..., db.z...) or burstable (db.t...)` },
    ];
    it.each(REFUSED)("$stack $value", async ({ stack, value, problem }) => {
        expect(await planCli(["--stack", stack, "--set", `launchpad:database.instanceClass=${value}`])).toEqual(refused(stack, problem));
    });

    it.each(["db.r8g.large", "db.m7g.xlarge", "db.t3.medium"])("accepts %s, a current class the old @pulumi/aws enum lacks or the tests use", async (value) => {
        const r = await planCli(["--stack", "staging", "--set", `launchpad:database.instanceClass=${value}`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});

/**
 * The instance always enables Performance Insights (components/database.ts instanceArgs), which RDS
 * for MySQL does not offer on the smallest burstable classes: "Database Insights isn't supported for
 * the following instance classes: db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro,
 * db.t4g.small" (RDS User Guide, USER_DatabaseInsights.Engines, row "RDS for MySQL"), so
 * CreateDBInstance would refuse the instance.
 */
describe("npm run plan refuses a MySQL class without Performance Insights (RDS User Guide USER_DatabaseInsights.Engines): exit 2, one exact line", () => {
    const NONE_ON = '"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro" or "db.t4g.small"';
    it.each([
        { stack: "staging", value: "db.t4g.micro", suggestion: "db.t4g.medium" },
        { stack: "staging", value: "db.t3.small", suggestion: "db.t3.medium" },
        { stack: "production", value: "db.t2.micro", suggestion: "db.t2.medium" },
    ])("$stack $value", async ({ stack, value, suggestion }) => {
        expect(await planCli(["--stack", stack, "--set", `launchpad:database.instanceClass=${value}`])).toEqual(refused(stack,
            `launchpad:database.instanceClass: received "${value}"; expected a class with Performance Insights, which the instance always enables (RDS for mysql has none on ${NONE_ON}), such as "${suggestion}"`));
    });
});

/**
 * RDS for PostgreSQL has Performance Insights on every class: its row of the same table reads "N/A"
 * under "Instance class restrictions" (USER_DatabaseInsights.Engines, 2026; USER_PerfInsights.Overview.Engines
 * in the 2023 awsdocs copy), so the smallest burstable classes MySQL is refused on are accepted.
 */
describe("npm run plan accepts PostgreSQL on the classes MySQL has no Performance Insights on (RDS User Guide USER_DatabaseInsights.Engines, PostgreSQL row N/A)", () => {
    it.each(["db.t4g.micro", "db.t3.small"])("staging postgres on %s", async (value) => {
        const r = await planCli(["--stack", "staging", "--set", "launchpad:database.engine=postgres", "--set", 'launchpad:database.engineVersion="17"', "--set", `launchpad:database.instanceClass=${value}`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});
