/**
 * Config refuses what AWS, RDS, EKS and Kubernetes would refuse at `pulumi up` (issue 13, class 2),
 * through the real CLI: `npm run plan -- --stack <name> --set ...` (its `planCli`, in-process, and
 * once as a real process), exit 2, nothing on stdout, the exact `<key>: received <value>; expected
 * <allowed>` line on stderr. The rules' sources are cited where they are written: config/cron.ts
 * (Kubernetes CronJob schedules), config/database.ts (RDS windows), lib/sql-names.ts (RDS master user),
 * lib/tags.ts (AWS tags), config/services.ts (DNS names).
 */
import { describe, expect, it } from "vitest";
import { specialPurposeRange } from "../config/cluster";
import { kubernetesScheduleProblem } from "../config/cron";
import { weeklyWindowMinutes, windowsOverlap } from "../config/database";
import { maintenanceFromRdsWindow } from "../config/observability";
import { masterUsernameProblem, MYSQL_RESERVED_WORDS, POSTGRES_RESERVED_WORDS } from "../lib/sql-names";
import { runPlan } from "../plan/engine";
import { planCli } from "../scripts/plan";
import { planEntryPoints } from "./support/compiled";
import { skipProcesses } from "./support/timing";
import { thrown } from "./support/values";
import { loadConfigFor, planWithSets, refused } from "./support/config";

const SKIP_PROCESSES = skipProcesses("tests/config-service-rules.test.ts", "the run of npm run plan as a process of its own (its in-process twin runs)");

const CRON = 'expected a five-field Kubernetes CronJob schedule (UTC) such as "15 2 * * *"';
const VERIFY_CRON = 'expected a five-field Kubernetes CronJob schedule (UTC) such as "45 4 * * *"';
const TAG_CHARS = "letters, digits, spaces and _ . : / = + - @";
const LONG_LABEL = "a".repeat(64);

/** One `--set` and the one problem `npm run plan` reports for it. */
const REFUSED: readonly { stack: string; sets: readonly string[]; problem: string }[] = [
    // Cron schedules: robfig/cron's grammar and bounds, and a schedule that never fires.
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 24 * * *"], problem: `launchpad:backup.dumpSchedule: received "0 24 * * *"; ${CRON}: hour 24 is out of range 0-23` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=75 2 * * *"], problem: `launchpad:backup.dumpSchedule: received "75 2 * * *"; ${CRON}: minute 75 is out of range 0-59` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 2 0 * *"], problem: `launchpad:backup.dumpSchedule: received "0 2 0 * *"; ${CRON}: day of month 0 is out of range 1-31` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 2 * 13 *"], problem: `launchpad:backup.dumpSchedule: received "0 2 * 13 *"; ${CRON}: month 13 is out of range 1-12` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 2 * * 7"], problem: `launchpad:backup.dumpSchedule: received "0 2 * * 7"; ${CRON}: day of week 7 is out of range 0-6 (0 is Sunday; Kubernetes has no 7)` },
    { stack: "staging", sets: ["launchpad:backup.verifySchedule=0 4 30 2 *"], problem: `launchpad:backup.verifySchedule: received "0 4 30 2 *"; ${VERIFY_CRON}: it matches no date, so the job would never run` },
    { stack: "staging", sets: ["launchpad:backup.verifySchedule=0 4 31 4,6,9,11 *"], problem: `launchpad:backup.verifySchedule: received "0 4 31 4,6,9,11 *"; ${VERIFY_CRON}: it matches no date, so the job would never run` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 2 L * *"], problem: `launchpad:backup.dumpSchedule: received "0 2 L * *"; ${CRON}: "L" is not a value of the day of month field` },
    { stack: "staging", sets: ["launchpad:backup.dumpSchedule=0 0 2 * * *"], problem: `launchpad:backup.dumpSchedule: received "0 0 2 * * *"; ${CRON}: 6 fields where a CronJob takes five (minute, hour, day of month, month, day of week)` },
    { stack: "staging", sets: ['launchpad:backup.dumpSchedule="@every 1h"'], problem: `launchpad:backup.dumpSchedule: received "@every 1h"; ${CRON}: "@every 1h" is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly` },
    { stack: "staging", sets: ['launchpad:backup.dumpSchedule="*/0 2 * * *"'], problem: `launchpad:backup.dumpSchedule: received "*/0 2 * * *"; ${CRON}: Syntax error, illegal stepping: 0` },
    // robfig/cron v3.0.1 parser.go: a descriptor is compared whole ("@daily " is unrecognized); a field of empty entries has no value.
    { stack: "staging", sets: ['launchpad:backup.dumpSchedule="@daily "'], problem: `launchpad:backup.dumpSchedule: received "@daily "; ${CRON}: "@daily " is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly` },
    { stack: "staging", sets: ['launchpad:backup.verifySchedule="0 4 , * *"'], problem: `launchpad:backup.verifySchedule: received "0 4 , * *"; ${VERIFY_CRON}: it matches no date, so the job would never run` },
    // ACM certificates are regional (config/services.ts): an Ingress's must be in aws:region (staging's us-east-1).
    { stack: "staging", sets: ["launchpad:services.api.expose.ingress.certificateArn=arn:aws:acm:us-west-2:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"], problem: 'launchpad:services.api.expose.ingress.certificateArn: received "arn:aws:acm:us-west-2:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c..., a certificate in "us-west-2"; expected an ACM certificate in aws:region "us-east-1", where the load balancer is: ACM certificates are regional and cannot be copied (request or import one there)' },
    // scheme and certificateArn are only ever the AWS Load Balancer Controller's annotations (components/blue-green-service.ts
    // albIngressAnnotations, on an "alb" Ingress alone): under another class nothing reads them, and "internal" would be a public service.
    { stack: "staging", sets: ["launchpad:services.api.expose.ingress.className=nginx", "launchpad:services.api.expose.ingress.scheme=internal"], problem: 'launchpad:services.api.expose.ingress.scheme: received "internal" with className "nginx"; expected it only with className "alb": it is the AWS Load Balancer Controller\'s scheme annotation, which no other ingress controller reads, so the service would be reached however that controller\'s load balancer is (use an internal controller\'s class instead)' },
    { stack: "staging", sets: ["launchpad:services.api.expose.ingress={ host: api.staging.example.com, scheme: internal }"], problem: 'launchpad:services.api.expose.ingress.scheme: received "internal" with no className (the cluster\'s default IngressClass); expected it only with className "alb": it is the AWS Load Balancer Controller\'s scheme annotation, which no other ingress controller reads, so the service would be reached however that controller\'s load balancer is (use an internal controller\'s class instead)' },
    { stack: "staging", sets: ["launchpad:services.api.expose.ingress.className=nginx", "launchpad:services.api.expose.ingress.certificateArn=arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"], problem: 'launchpad:services.api.expose.ingress.certificateArn: received "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c... with className "nginx"; expected it only with className "alb": it is the AWS Load Balancer Controller\'s certificate-arn annotation, which no other ingress controller reads: that controller serves the host with its own default certificate (docs/operations.md, Using an existing cluster)' },
    // RDS windows: at least 30 minutes each, and never overlapping.
    { stack: "staging", sets: ["launchpad:database.backupWindow=03:00-03:00"], problem: 'launchpad:database.backupWindow: received "03:00-03:00"; expected a window of at least 30 minutes (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.backupWindow=03:00-03:29"], problem: 'launchpad:database.backupWindow: received "03:00-03:29"; expected a window of at least 30 minutes (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.maintenanceWindow=sun:04:00-sun:04:00"], problem: 'launchpad:database.maintenanceWindow: received "sun:04:00-sun:04:00"; expected a window of at least 30 minutes (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.maintenanceWindow=sat:23:50-sun:00:10"], problem: 'launchpad:database.maintenanceWindow: received "sat:23:50-sun:00:10"; expected a window of at least 30 minutes (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.backupWindow=04:30-05:30"], problem: 'launchpad:database.backupWindow: received "04:30-05:30"; expected a daily window that does not overlap launchpad:database.maintenanceWindow ("sun:04:00-sun:05:00") (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.maintenanceWindow=sat:23:00-sun:03:01"], problem: 'launchpad:database.backupWindow: received "03:00-03:30"; expected a daily window that does not overlap launchpad:database.maintenanceWindow ("sat:23:00-sun:03:01") (an RDS rule)' },
    // RDS reads the maintenance window's day names in any case (the AWS provider lower-cases them): the
    // 30-minute rule is judged on "Sun" as on "sun", and the value received is quoted as given.
    { stack: "staging", sets: ["launchpad:database.maintenanceWindow=Sun:04:00-SUN:04:20"], problem: 'launchpad:database.maintenanceWindow: received "Sun:04:00-SUN:04:20"; expected a window of at least 30 minutes (an RDS rule)' },
    { stack: "staging", sets: ["launchpad:database.maintenanceWindow=Sunday:04:00-Sunday:05:00"], problem: 'launchpad:database.maintenanceWindow: received "Sunday:04:00-Sunday:05:00"; expected a UTC window such as "sun:04:00-sun:05:00"' },
    // Database and table names: RDS for MySQL takes 64 characters, RDS for PostgreSQL 63 (CreateDBInstance DBName, botocore 0e6e2404).
    { stack: "staging", sets: [`launchpad:database.name=d${"b".repeat(64)}`], problem: `launchpad:database.name: received "d${"b".repeat(64)}"; expected a letter then letters, digits or '_' (at most 64)` },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', `launchpad:database.name=d${"b".repeat(63)}`], problem: `launchpad:database.name: received "d${"b".repeat(63)}"; expected at most 63 characters (the PostgreSQL limit for a database name, 64 given)` },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', `launchpad:database.criticalTables[0]=t${"b".repeat(63)}`], problem: `launchpad:database.criticalTables[0]: received "t${"b".repeat(63)}"; expected at most 63 characters (the PostgreSQL limit for a table name, 64 given)` },
    // Critical tables as scripts/db/tables.sh takes them: schema-qualified on PostgreSQL only.
    { stack: "staging", sets: ["launchpad:database.criticalTables[0]=shop.orders"], problem: 'launchpad:database.criticalTables[0]: received "shop.orders"; expected a table of the database, without a schema (tables.sh takes schema-qualified names on postgres only)' },
    { stack: "staging", sets: ["launchpad:database.criticalTables[0]=cust omers"], problem: 'launchpad:database.criticalTables[0]: received "cust omers"; expected a table name: a letter or \'_\', then letters, digits, \'_\' or \'$\' (postgres: optionally schema-qualified, such as "public.orders")' },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', `launchpad:database.criticalTables[0]=public.t${"b".repeat(63)}`], problem: `launchpad:database.criticalTables[0]: received "public.t${"b".repeat(63)}"; expected at most 63 characters (the PostgreSQL limit for a schema or table name, 64 given)` },
    // The RDS master user: 16 characters, no reserved word of the engine, not RDS's own.
    { stack: "staging", sets: ["launchpad:database.username=launchpad_admin_x"], problem: 'launchpad:database.username: received "launchpad_admin_x"; expected at most 16 characters (an RDS limit for the master user, 17 given)' },
    { stack: "staging", sets: ["launchpad:database.username=Select"], problem: 'launchpad:database.username: received "Select"; expected a name that is not a MySQL reserved word (RDS refuses one as the master user)' },
    { stack: "staging", sets: ["launchpad:database.username=rdsadmin"], problem: 'launchpad:database.username: received "rdsadmin"; expected a name other than "rdsadmin", which RDS keeps for its own administration user' },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', "launchpad:database.username=user"], problem: 'launchpad:database.username: received "user"; expected a name that is not a PostgreSQL reserved word (RDS refuses one as the master user)' },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', "launchpad:database.username=pg_admin"], problem: 'launchpad:database.username: received "pg_admin"; expected a name not starting with "pg_": PostgreSQL reserves those role names' },
    // The application's user: the engine's user name length, not the master's, never RDS's own or the master.
    { stack: "staging", sets: [`launchpad:database.appUsername=${"a".repeat(33)}`], problem: `launchpad:database.appUsername: received "${"a".repeat(33)}"; expected at most 32 characters (the MySQL limit for a user name, 33 given)` },
    { stack: "staging", sets: ["launchpad:database.appUsername=Launchpad_Admin"], problem: 'launchpad:database.appUsername: received "Launchpad_Admin"; expected a name other than the master user\'s ("launchpad_admin"): the application must not connect as the user that owns the schema' },
    { stack: "staging", sets: ["launchpad:database.appUsername=rds_app"], problem: 'launchpad:database.appUsername: received "rds_app"; expected a name other than "rdsadmin" and not starting with "rds_", which RDS keeps for its own users and roles' },
    { stack: "staging", sets: ["launchpad:database.appUsername=Select"], problem: 'launchpad:database.appUsername: received "Select"; expected a name that is not a MySQL reserved word (a client that leaves it unquoted fails)' },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', "launchpad:database.appUsername=pg_app"], problem: 'launchpad:database.appUsername: received "pg_app"; expected a name not starting with "pg_": PostgreSQL reserves those role names' },
    { stack: "staging", sets: ["launchpad:database.name=order"], problem: 'launchpad:database.name: received "order"; expected a name that is not a MySQL reserved word (RDS refuses one as the database name)' },
    // A database every fresh server has: scripts/db/verify.sh's CREATE DATABASE in its throw-away server would fail every night.
    { stack: "staging", sets: ["launchpad:database.name=mysql"], problem: 'launchpad:database.name: received "mysql"; expected a database of the stack\'s own, not "mysql", "information_schema", "performance_schema" or "sys", which every MySQL server has already (the nightly restore check creates the database in a fresh server, and would fail every night)' },
    { stack: "staging", sets: ["launchpad:database.name=INFORMATION_SCHEMA"], problem: 'launchpad:database.name: received "INFORMATION_SCHEMA"; expected a database of the stack\'s own, not "mysql", "information_schema", "performance_schema" or "sys", which every MySQL server has already (the nightly restore check creates the database in a fresh server, and would fail every night)' },
    { stack: "staging", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', "launchpad:database.name=postgres"], problem: 'launchpad:database.name: received "postgres"; expected a database of the stack\'s own, not "postgres", "template0" or "template1", which every PostgreSQL server has already (the nightly restore check creates the database in a fresh server, and would fail every night)' },
    // AWS tags.
    { stack: "staging", sets: ["launchpad:tags.aws:team=platform"], problem: 'launchpad:tags: received the key "aws:team"; expected a tag key not starting with "aws:" (AWS reserves that prefix)' },
    { stack: "staging", sets: ["launchpad:tags.AWS:Team=platform"], problem: 'launchpad:tags: received the key "AWS:Team"; expected a tag key not starting with "aws:" (AWS reserves that prefix)' },
    { stack: "staging", sets: ["launchpad:tags.team#1=platform"], problem: `launchpad:tags: received the key "team#1"; expected a tag key of ${TAG_CHARS}` },
    { stack: "staging", sets: ["launchpad:tags.owner=<platform>"], problem: `launchpad:tags.owner: received "<platform>"; expected a tag value of ${TAG_CHARS}` },
    { stack: "staging", sets: [`launchpad:tags.owner=${"x".repeat(257)}`], problem: `launchpad:tags.owner: received "${"x".repeat(76)}...; expected at most 256 characters` },
    // Kubernetes names: reserved namespaces, DNS labels.
    { stack: "staging", sets: ["launchpad:cluster.namespace=kube-system"], problem: 'launchpad:cluster.namespace: received "kube-system"; expected a namespace of the stack\'s own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace' },
    { stack: "staging", sets: ["launchpad:cluster.namespace=default"], problem: 'launchpad:cluster.namespace: received "default"; expected a namespace of the stack\'s own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace' },
    { stack: "staging", sets: ["launchpad:cluster.namespace=kube-node-lease"], problem: 'launchpad:cluster.namespace: received "kube-node-lease"; expected a namespace of the stack\'s own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace' },
    { stack: "staging", sets: [`launchpad:cluster.namespace=${LONG_LABEL}`], problem: `launchpad:cluster.namespace: received "${LONG_LABEL}"; expected at most 63 characters` },
    { stack: "production", sets: [`launchpad:services.api.expose.ingress.host=${LONG_LABEL}.example.com`], problem: `launchpad:services.api.expose.ingress.host: received "${LONG_LABEL}.example.com"; expected a DNS host name such as "api.example.com" (lower-case labels of at most 63 characters, at most 253 in all)` },
    { stack: "production", sets: ["launchpad:services.api.expose.ingress.className=ALB_internal"], problem: `launchpad:services.api.expose.ingress.className: received "ALB_internal"; expected an IngressClass name: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')` },
    // Regions: the AWS provider validates the name against its own list (no skipRegionValidation), a pattern is not enough.
    { stack: "staging", sets: ["aws:region=us-east-9"], problem: 'aws:region: received "us-east-9"; expected an AWS region name such as "us-east-1" (one the AWS provider knows: the Region list of @pulumi/aws)' },
    { stack: "production", sets: ["launchpad:drRegion=eu-central-3"], problem: 'launchpad:drRegion: received "eu-central-3"; expected an AWS region name such as "us-east-1" (one the AWS provider knows: the Region list of @pulumi/aws)' },
    // EKS access entries: one per principal (EKS), and one child name per entry: `ops.admin` and
    // `ops_admin` both name theirs `<cluster>-access-ops-admin`, one URN twice, which the Pulumi engine
    // refuses (pulumi/pulumi pkg/resource/deploy/step_generator.go generateURN, "Duplicate resource URN").
    { stack: "staging", sets: ['launchpad:cluster.access=[{principalArn: "arn:aws:iam::111122223333:role/ops.admin", access: admin}, {principalArn: "arn:aws:iam::111122223333:role/ops_admin", access: view}]'], problem: 'launchpad:cluster.access[1].principalArn: received "arn:aws:iam::111122223333:role/ops_admin", whose access entry would be named "access-ops-admin" as "arn:aws:iam::111122223333:role/ops.admin"\'s is; expected role names that differ in more than case and the characters + = , . @ _' },
    { stack: "staging", sets: ['launchpad:cluster.access=[{principalArn: "arn:aws:iam::111122223333:role/deploy", access: admin}, {principalArn: "arn:aws:iam::111122223333:role/deploy", access: view}]'], problem: 'launchpad:cluster.access[1].principalArn: received "arn:aws:iam::111122223333:role/deploy" a second time; expected one entry per principal (EKS allows one access entry per principal)' },
    // EKS: the public endpoint admits public ranges only.
    { stack: "production", sets: ["launchpad:cluster.endpointPublicAccessCidrs[1]=10.0.0.0/8"], problem: 'launchpad:cluster.endpointPublicAccessCidrs[1]: received "10.0.0.0/8"; expected a public CIDR: EKS refuses a private range on the public endpoint (reach the API from inside the VPC with endpointAccess "private")' },
    { stack: "production", sets: ["launchpad:cluster.endpointPublicAccessCidrs[0]=192.168.4.0/24"], problem: 'launchpad:cluster.endpointPublicAccessCidrs[0]: received "192.168.4.0/24"; expected a public CIDR: EKS refuses a private range on the public endpoint (reach the API from inside the VPC with endpointAccess "private")' },
    // "The block cannot include reserved addresses" (EKS user guide, cluster-endpoint.adoc): a block
    // wholly inside one of ipaddr.js's special-purpose ranges (its own table, not retyped).
    ...([["100.64.0.0/10", "carrierGradeNat"], ["127.0.0.0/8", "loopback"], ["169.254.0.0/16", "linkLocal"], ["198.18.0.0/15", "reserved"], ["240.0.0.0/4", "reserved"], ["224.0.0.0/24", "multicast"]] as const).map(([cidr, range]) => (
        { stack: "production", sets: [`launchpad:cluster.endpointPublicAccessCidrs[0]=${cidr}`], problem: `launchpad:cluster.endpointPublicAccessCidrs[0]: received "${cidr}"; expected a public CIDR: it lies in a special-purpose range (${range}), and EKS refuses reserved addresses on the public endpoint` })),
    // The world, as the policy pack measures it (lib/ip-range.ts openToTheWorld: more public IPv4 addresses than
    // a /8 holds, private and special-purpose ranges left out), refused in both tiers as the pack refuses it.
    // 0.0.0.0/1 admits 2^31 less 0/8, 10/8, 127/8 and 100.64.0.0/10: 2092957696.
    ...([
        ["production", '["0.0.0.0/1"]', "2092957696"],
        ["staging", '["0.0.0.0/1"]', "2092957696"],
        ["production", '["0.0.0.0/2","64.0.0.0/2"]', "2092957696"],
        ["production", '["3.0.0.0/8","52.0.0.0/8"]', "33554432"],
        ["staging", '["0.0.0.0/0"]', "3702258432"],
    ] as const).map(([stack, cidrs, admitted]) => ({
        stack, sets: [`launchpad:cluster.endpointPublicAccessCidrs=${cidrs}`],
        problem: `launchpad:cluster.endpointPublicAccessCidrs: received ${cidrs}; expected CIDRs that together admit at most a /8's worth of public IPv4 addresses (16777216), the deploy runners' egress CIDRs: these admit ${admitted}, the world to the cluster's API`,
    })),
];

describe("specialPurposeRange: only a block wholly inside a reserved range is refused", () => {
    it("leaves a public block that merely spans one, 0.0.0.0/0 (EKS's default), AS112's routed block, and the ranges other rules own", () => {
        expect(["100.0.0.0/8", "0.0.0.0/0", "0.0.0.0/1", "52.94.0.0/16", "192.31.196.0/24", "10.0.0.0/8", "203.0.113.0/24"].map(specialPurposeRange)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
        expect(["100.64.1.0/24", "0.0.0.0/8", "255.255.255.255/32"].map(specialPurposeRange)).toEqual(["carrierGradeNat", "unspecified", "broadcast"]);
    });
});

describe("npm run plan refuses config the services would refuse: exit 2, one exact line", () => {
    it.each(REFUSED)("$stack $sets", async ({ stack, sets, problem }) => {
        expect(await planWithSets(stack, sets)).toEqual(refused(stack, problem));
    });

    it.each([
        ["production", '["52.94.0.0/16"]'],
        ["production", '["3.0.0.0/8"]'],
        ["staging", '["3.0.0.0/9","52.94.0.0/16","198.51.100.7/32"]'],
    ])("%s accepts public endpoint CIDRs of at most a /8's worth of public IPv4: %s", async (stack, cidrs) => {
        const r = await planWithSets(stack, [`launchpad:cluster.endpointPublicAccessCidrs=${cidrs}`]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });

    it("accepts what the services accept: a named weekday, a descriptor, adjacent windows", async () => {
        const r = await planCli([
            "--stack", "staging",
            "--set", "launchpad:backup.dumpSchedule=15 2 * * sun",
            "--set", 'launchpad:backup.verifySchedule="@daily"',
            "--set", "launchpad:database.backupWindow=03:30-04:00",
            "--set", "launchpad:database.username=admin_2",
            "--set", "launchpad:tags.team=platform/db @ eu+1",
        ]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });

    it("passes what RDS and Kubernetes accept through to the resources: window days in any case (sent lower-case), a 64-character MySQL database and table, a step past the field", async () => {
        const name = `d${"b".repeat(63)}`;
        const table = `t${"b".repeat(63)}`;
        const sets = [
            "launchpad:database.maintenanceWindow=Sun:04:00-SUN:05:00",
            `launchpad:database.name=${name}`,
            `launchpad:database.criticalTables[0]=${table}`, // in place of Pulumi.staging.yaml's "users", before "orders"
            'launchpad:backup.dumpSchedule="*/90 2 * * *"',
        ];
        const plan = await runPlan({ stack: "staging", sets });
        const [instance] = plan.resources.filter((r) => r.type === "aws:rds/instance:Instance");
        expect({ maintenanceWindow: instance.inputs.maintenanceWindow, dbName: instance.inputs.dbName }).toEqual({ maintenanceWindow: "sun:04:00-sun:05:00", dbName: name });
        type Container = { env?: { name: string; value?: string }[] };
        type CronJobInputs = { spec: { schedule: string; jobTemplate: { spec: { template: { spec: { initContainers?: Container[]; containers: Container[] } } } } } };
        const cronJob = (suffix: string): CronJobInputs["spec"] => (plan.resources.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.name.endsWith(suffix))?.inputs as CronJobInputs).spec;
        const envOf = (spec: CronJobInputs["spec"], key: string): string[] => {
            const pod = spec.jobTemplate.spec.template.spec;
            return [...(pod.initContainers ?? []), ...pod.containers].flatMap((c) => c.env ?? []).filter((e) => e.name === key).map((e) => e.value ?? "");
        };
        const [dump, verify] = [cronJob("-dump"), cronJob("-verify")];
        expect({ schedule: dump.schedule, dbNames: [...new Set(envOf(dump, "DB_NAME"))], tables: envOf(verify, "CRITICAL_TABLES") }).toEqual({ schedule: "*/90 2 * * *", dbNames: [name], tables: [`${table},orders`] });
        // The mute timing the alerts take from the window reads its days as RDS does.
        expect((await loadConfigFor("staging", sets)).observability.maintenance).toEqual([{ weekdays: ["sunday"], start: "04:00", end: "05:00" }]);
    });

    it("takes the critical tables scripts/db/tables.sh takes: '_' first, '$' inside, schema-qualified on postgres", async () => {
        const config = await loadConfigFor("staging", ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"', 'launchpad:database.criticalTables=["public.orders", "_audit$log"]']);
        expect(config.database.criticalTables).toEqual(["public.orders", "_audit$log"]);
    });

    // Four rules of four domains in one run; `npm run plan`'s own command, in this process and as one of its own.
    const EVERY_PROBLEM_ARGS = [
        "--stack", "production",
        "--set", "launchpad:backup.dumpSchedule=0 2 * * 7",
        "--set", "launchpad:database.maintenanceWindow=sun:03:15-sun:03:15",
        "--set", "launchpad:cluster.namespace=kube-public",
        "--set", "launchpad:tags.aws:cost=platform",
    ];
    const EVERY_PROBLEM = {
        status: 2,
        stdout: "",
        stderr:
            'Invalid configuration for stack "production" (4 problems):\n' +
            `  - launchpad:backup.dumpSchedule: received "0 2 * * 7"; ${CRON}: day of week 7 is out of range 0-6 (0 is Sunday; Kubernetes has no 7)\n` +
            '  - launchpad:database.maintenanceWindow: received "sun:03:15-sun:03:15"; expected a window of at least 30 minutes (an RDS rule)\n' +
            '  - launchpad:tags: received the key "aws:cost"; expected a tag key not starting with "aws:" (AWS reserves that prefix)\n' +
            '  - launchpad:cluster.namespace: received "kube-public"; expected a namespace of the stack\'s own, not "default" or a "kube-" one: those belong to Kubernetes, and the stack creates (and on destroy deletes) its namespace\n',
    };

    it.for(planEntryPoints(SKIP_PROCESSES))("reports every problem of one run at once, $entry", async ({ plan }) => {
        expect(await plan(EVERY_PROBLEM_ARGS)).toEqual(EVERY_PROBLEM);
    });
});

/** A misspelt field at each depth and container kind: the message lists the fields allowed there, never an empty list. */
const MISSPELT: readonly { set: string; problem: string }[] = [
    { set: "launchpad:database.engin=mysql", problem: "launchpad:database.engin: received \"mysql\"; expected no such field (allowed: engine, engineVersion, instanceClass, allocatedStorageGb, maxAllocatedStorageGb, name, username, appUsername, backupWindow, maintenanceWindow, criticalTables, restore, caBundleUrl)" },
    { set: "launchpad:database.restore.snapshotId=snap-1", problem: "launchpad:database.restore.snapshotId: received \"snap-1\"; expected no such field (allowed: sourceInstance, time, snapshot)" },
    // Inside a map of services, then objects and lists below it.
    { set: "launchpad:services.api.replica=3", problem: "launchpad:services.api.replica: received 3; expected no such field (allowed: port, replicas, idleReplicas, autoscaling, resources, health, metricsPath, env, connectDatabase, expose, activeColor, releases, smoke, performance)" },
    { set: "launchpad:services.api.expose.ingress.hostname=api.example.com", problem: "launchpad:services.api.expose.ingress.hostname: received \"api.example.com\"; expected no such field (allowed: host, className, path, scheme, certificateArn)" },
    { set: "launchpad:services.api.releases.blue.img=ghcr.io/acme/api:1", problem: "launchpad:services.api.releases.blue.img: received \"ghcr.io/acme/api:1\"; expected no such field (allowed: image, env, migrate, schema)" },
    { set: "launchpad:services.api.smoke.checks[0].status=200", problem: "launchpad:services.api.smoke.checks[0].status: received 200; expected no such field (allowed: name, path, method, expectStatus, bodyContains, maxLatencyMs, headers, body)" },
    { set: "launchpad:cluster.access[0].role=admin", problem: "launchpad:cluster.access[0].role: received \"admin\"; expected no such field (allowed: principalArn, access, namespaces)" },
];

describe("npm run plan names the allowed fields of a misspelt one wherever it sits (maps and lists included)", () => {
    it.each(MISSPELT)("$set", async ({ set, problem }) => {
        expect(await planWithSets("staging", [set])).toEqual(refused("staging", problem));
    });
});

describe("the rules' building blocks", () => {
    const now = new Date("2026-12-06T00:00:00Z");

    it.each([
        ["15 2 * * *", undefined],
        ["15 2 * * SUN", undefined],
        ["15 2 * jan-mar mon-fri", undefined],
        ["0 0 29 2 *", undefined],
        ["5/15 * * * *", undefined],
        ["0 0 ? * *", undefined],
        ["@hourly", undefined],
        ["0 0 * * 5#2", '"5#2" is not a value of the day of week field'],
        ["0 0 * * sunday", '"sunday" is not a value of the day of week field'],
        ["10-5 * * * *", "From value is larger than to value: '10-5'"],
        // Found by tests/input-fuzz.test.ts: croner's message was "Syntax error, illegal lower range (NaN)".
        ["45 4 * * *-1", '"*-1" is a range with "*" or "?" as a bound: write "*" for every day of week, or a range of numbers or names'],
        ["*-5 * * * *", '"*-5" is a range with "*" or "?" as a bound: write "*" for every minute, or a range of numbers'],
        ["1-2-3 * * * *", '"1-2-3" has more than one "-"'],
        // Steps past the field's end: robfig/cron v3.0.1 parser.go getRange/getBits read the range's first value
        // alone (Kubernetes accepts them; croner alone refused "steps cannot be greater than maximum value of part").
        ["*/90 * * * *", undefined],
        ["0 */30 * * *", undefined],
        ["0 0 */40 * *", undefined],
        ["0 0 * */13 *", undefined],
        ["0 0 * * */9", undefined],
        ["10-20/15 2 * * *", undefined],
        ["0 0 1/40 2 *", undefined],
        ["0 0 30/40 2 *", "it matches no date, so the job would never run"],
        ["10-5/90 * * * *", "From value is larger than to value: '10-5/90'"],
        // robfig/cron v3.0.1 getRange keeps a `*` or `?` range's star bit unless its step is > 1, and spec.go
        // dayMatches then ANDs day of month and day of week: February 30th on any day of the week never comes.
        // croner took only a field of exactly "*" for a star and ORed these (every day of February).
        ["0 0 30 2 */1", "it matches no date, so the job would never run"],
        ["0 0 30 2 ?/1", "it matches no date, so the job would never run"],
        ["0 0 30 2 1,*", "it matches no date, so the job would never run"],
        ["0 0 30 2 0-6", undefined],
        ["0 0 30 2 */7", undefined],
        ["0 0 30 2 *,10-5", "day of week 10 is out of range 0-6 (0 is Sunday; Kubernetes has no 7)"],
        // Blanks: strings.Fields splits the fields, strings.FieldsFunc drops empty list entries; a descriptor is compared whole.
        [" 15 2 * * *", undefined],
        ["5, 2 * * *", undefined],
        ["0 4 , * *", "it matches no date, so the job would never run"],
        ["@daily ", '"@daily " is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly'],
    ])("schedule %j: %s", (schedule, problem) => {
        expect(kubernetesScheduleProblem(schedule, now)).toBe(problem);
    });

    it.each([
        ["sun:04:00-sun:05:00", 60],
        ["sun:23:45-mon:00:15", 30],
        ["mon:00:00-mon:00:00", 0],
        ["sat:22:00-sun:02:00", 240],
    ])("weekly window %s lasts %d minutes", (window, minutes) => {
        expect(weeklyWindowMinutes(window)).toBe(minutes);
    });

    it.each([
        ["03:00-03:30", "sun:04:00-sun:05:00", false],
        ["03:30-04:00", "sun:04:00-sun:05:00", false],
        ["03:30-04:01", "sun:04:00-sun:05:00", true],
        ["23:50-00:20", "mon:00:10-mon:01:00", true],
        ["23:50-00:20", "sun:23:00-sun:23:50", false],
    ])("daily %s against weekly %s overlaps: %s", (daily, weekly, overlaps) => {
        expect(windowsOverlap(daily, weekly)).toBe(overlaps);
    });

    it("never turns a zero-length maintenance window into a week-long mute timing", () => {
        expect(thrown(() => maintenanceFromRdsWindow("sun:04:00-sun:04:00"))).toEqual({ type: "Error", message: "a zero-length RDS maintenance window mutes nothing: sun:04:00-sun:04:00" });
    });

    it("keeps the engines' reserved words apart: a MySQL word may be a PostgreSQL name and back", () => {
        expect([MYSQL_RESERVED_WORDS.has("select"), POSTGRES_RESERVED_WORDS.has("select")]).toEqual([true, true]);
        expect(masterUsernameProblem("postgres", "database")).toBeUndefined();
        expect(masterUsernameProblem("mysql", "database")).toBe("expected a name that is not a MySQL reserved word (RDS refuses one as the master user)");
        expect(masterUsernameProblem("mysql", "user")).toBeUndefined();
        expect(masterUsernameProblem("mysql", "launchpad_admin")).toBeUndefined();
    });

    // MySQL bug #114874: 8.4.0 reserves MANUAL, PARALLEL, QUALIFY and TABLESAMPLE, which 8.0's list lacks.
    it.each(["manual", "Parallel", "QUALIFY", "tablesample"])("refuses %s, reserved since MySQL 8.4 (bug #114874), as a MySQL master user", (word) => {
        expect(MYSQL_RESERVED_WORDS.has(word.toLowerCase())).toBe(false);
        expect(masterUsernameProblem("mysql", word)).toBe("expected a name that is not a MySQL reserved word (RDS refuses one as the master user)");
        expect(masterUsernameProblem("postgres", word)).toBeUndefined();
    });
});
