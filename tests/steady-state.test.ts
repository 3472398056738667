/**
 * The steady state: after a successful `pulumi up`, a second one with nothing changed is empty, and
 * a `pulumi refresh` shows no drift the program itself causes. Each case is an input the program
 * computes from something other than its config (a live query, the clock, an object Kubernetes
 * deletes by itself), checked against the rule of the provider that reads it back.
 * docs/operations.md ("A second `pulumi up` is empty") lists what else was read and found already
 * normalised by the providers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AVAILABILITY_ZONES_QUERY } from "../components/network";
import { planChanges } from "../plan/changes";
import { runPlan } from "../plan/engine";
import { input, named, ofType, planStack } from "./support/plan";

interface Zone {
    readonly name: string;
    /** The zone's ID, the same in every account (its name maps to a different one per account). */
    readonly zoneId: string;
    readonly state: "available" | "unavailable" | "constrained";
    readonly optInStatus: "opt-in-not-required" | "opted-in" | "not-opted-in";
}

interface ZoneQuery {
    readonly state?: string;
    readonly filters?: readonly { name: string; values: readonly string[] }[];
    readonly excludeZoneIds?: readonly string[];
}

/**
 * The names `aws.getAvailabilityZones` returns for `query`: DescribeAvailabilityZones filtered on
 * `state` when set and on each filter, then sorted by zone name (terraform-provider-aws
 * internal/service/ec2/ec2_availability_zones_data_source.go, `dataSourceAvailabilityZonesRead`:
 * the `state` argument becomes a `state` filter; `sort.Slice` by ZoneName; then a zone whose ID is in
 * `exclude_zone_ids` is skipped).
 */
function zoneNames(query: ZoneQuery, zones: readonly Zone[]): string[] {
    const field = { state: (z: Zone) => z.state, "opt-in-status": (z: Zone) => z.optInStatus } as const;
    const filters = [...(query.state !== undefined ? [{ name: "state", values: [query.state] }] : []), ...(query.filters ?? [])];
    return zones
        .filter((z) => filters.every((f) => {
            const read = field[f.name as keyof typeof field] as ((z: Zone) => string) | undefined;
            if (read === undefined) throw new Error(`zoneNames: no rule for filter ${f.name}`);
            return f.values.includes(read(z));
        }))
        .filter((z) => !(query.excludeZoneIds ?? []).includes(z.zoneId))
        .map((z) => z.name)
        .sort();
}

describe("the zones every subnet is placed in do not follow the zones' health", () => {
    // Listed out of order: "The order of the elements in the response ... might vary" (EC2 API,
    // DescribeAvailabilityZones); the provider sorts them.
    const region: Zone[] = [
        { name: "us-east-1c", zoneId: "use1-az1", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1a", zoneId: "use1-az6", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1-bos-1a", zoneId: "use1-bos1-az1", state: "available", optInStatus: "opted-in" },
        { name: "us-east-1b", zoneId: "use1-az2", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1d", zoneId: "use1-az4", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1e", zoneId: "use1-az5", state: "available", optInStatus: "opt-in-not-required" },
    ];
    const troubled = (name: string, state: Zone["state"]): Zone[] => region.map((z) => (z.name === name ? { ...z, state } : z));

    it.each(["unavailable", "constrained"] as const)("a zone turning %s keeps every subnet in its zone (availability_zone is ForceNew: vpc_subnet.go; botocore ec2 AvailabilityZone.State)", (state) => {
        const healthy = zoneNames(AVAILABILITY_ZONES_QUERY, region);
        expect(healthy.slice(0, 3)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
        for (const name of healthy) expect(zoneNames(AVAILABILITY_ZONES_QUERY, troubled(name, state))).toEqual(healthy);
        // What the `state: "available"` filter did: us-east-1a in trouble moved AZ 0 to us-east-1b.
        expect(zoneNames({ ...AVAILABILITY_ZONES_QUERY, state: "available" }, troubled("us-east-1a", state)).slice(0, 3)).toEqual(["us-east-1b", "us-east-1c", "us-east-1d"]);
    });

    it("Local Zones and Wavelength Zones stay out (opt-in-status; a regular AZ's is always opt-in-not-required)", () => {
        expect(zoneNames(AVAILABILITY_ZONES_QUERY, region)).not.toContain("us-east-1-bos-1a");
    });

    // EKS refuses a cluster's subnets in use1-az3 (awsdocs/amazon-eks-user-guide network-reqs.adoc,
    // "The subnets can't reside in the following Availability Zones"), whichever name an account gives it.
    it("a zone EKS refuses stays out whatever its name in the account, and the list stays the same from run to run", () => {
        const withRefused = region.map((z) => (z.name === "us-east-1b" ? { ...z, zoneId: "use1-az3" } : z));
        expect(zoneNames(AVAILABILITY_ZONES_QUERY, withRefused)).toEqual(["us-east-1a", "us-east-1c", "us-east-1d", "us-east-1e"]);
        for (const state of ["unavailable", "constrained"] as const) {
            const troubled = withRefused.map((z) => (z.name === "us-east-1c" ? { ...z, state } : z));
            expect(zoneNames(AVAILABILITY_ZONES_QUERY, troubled)).toEqual(zoneNames(AVAILABILITY_ZONES_QUERY, withRefused));
        }
    });
});

describe("no input follows the clock or the machine's time zone", () => {
    const saved = { today: process.env.LAUNCHPAD_TODAY, tz: process.env.TZ };
    afterEach(() => {
        for (const [key, value] of [["LAUNCHPAD_TODAY", saved.today], ["TZ", saved.tz]] as const) {
            if (value === undefined) delete process.env[key]; else process.env[key] = value;
        }
    });

    // A later day inside every pinned version's support window, and a time zone west of UTC: an input
    // computed from either would change on every run, an update (or a replacement) each time.
    it.each(["staging", "production"])("%s: planned on another day in another time zone, nothing changes", async (stack) => {
        const before = await planStack(stack);
        process.env.LAUNCHPAD_TODAY = "2027-02-15";
        process.env.TZ = "America/Los_Angeles";
        const later = await runPlan({ stack });
        expect(planChanges(before, later)).toEqual([]);
        expect(later.resources.length).toBe(before.resources.length);
    });
});

describe("no Kubernetes object the stack owns deletes itself", () => {
    // A Job with ttlSecondsAfterFinished is deleted by Kubernetes' TTL controller; `pulumi refresh`
    // then drops it from the state (pulumi-kubernetes provider/pkg/provider/provider.go `Read`: a 404
    // returns `deleteResponse`, "this resource was probably deleted") and the next `pulumi up` creates
    // it again: the smoke gate would run again with nothing changed. CronJobs' Jobs are the CronJob's,
    // not the stack's, so their TTL is fine.
    it.each(["staging", "production"])("%s: every Job (the smoke gates) has no ttlSecondsAfterFinished", async (stack) => {
        const jobs = ofType(await planStack(stack), "kubernetes:batch/v1:Job");
        expect(jobs.length).toBeGreaterThan(0);
        expect(jobs.filter((j) => input(j, "spec.ttlSecondsAfterFinished") !== undefined).map((j) => j.name)).toEqual([]);
    });
});

describe("a ForceNew input the provider rewrites on create", () => {
    // terraform-provider-aws internal/service/ec2/vpc_flow_log.go: create sends
    // `strings.TrimSuffix(log_destination, ":*")`, read stores DescribeFlowLogs' LogDestination as it
    // is, and `log_destination` is ForceNew: a destination written with the `:*` of the CloudWatch
    // Logs ARN form would replace the flow log on every `pulumi up`. The log group's `arn` output
    // has no `:*` (the provider removes the suffix the API adds).
    it.each(["staging", "production"])("%s: the flow log writes to its log group's ARN, with no `:*`", async (stack) => {
        const plan = await planStack(stack);
        const [flowLog] = ofType(plan, "aws:ec2/flowLog:FlowLog");
        const destination = input(flowLog, "logDestination");
        expect(destination).toBe(named(plan, `launchpad-${stack}-network-flow-logs`).arn);
        expect(String(destination)).not.toMatch(/:\*$/);
    });
});

/** prometheus/common model/time.go `ParseDuration`: "0", or y w d h m s ms parts, in that order. */
function parsePromDuration(text: string): number {
    if (text === "0") return 0;
    const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
    if (m === null || text === "") throw new Error(`not a Prometheus duration: ${text}`);
    const units = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
    return units.reduce((sum, mult, i) => sum + Number(m[i + 1] ?? 0) * mult, 0);
}

/** prometheus/common model/time.go `Duration.String`, which `MarshalJSON` returns: years and weeks only when exact. */
function formatPromDuration(ms: number): string {
    if (ms === 0) return "0s";
    let rest = ms;
    let out = "";
    for (const [unit, mult, exact] of [["y", 365 * 86_400_000, true], ["w", 7 * 86_400_000, true], ["d", 86_400_000, false], ["h", 3_600_000, false], ["m", 60_000, false], ["s", 1000, false], ["ms", 1, false]] as const) {
        if (exact && rest % mult !== 0) continue;
        const v = Math.floor(rest / mult);
        if (v > 0) {
            out += `${v}${unit}`;
            rest -= v * mult;
        }
    }
    return out;
}

interface PolicyNode { groupWait?: string; groupInterval?: string; repeatInterval?: string; policies?: PolicyNode[] }

function policyDurations(node: PolicyNode): string[] {
    return [node.groupWait, node.groupInterval, node.repeatInterval].filter((d): d is string => d !== undefined).concat((node.policies ?? []).flatMap(policyDurations));
}

describe("Grafana reads the notification policy and the mute timing back in its own form, and the provider compares them as text", () => {
    // The policy's group_wait, group_interval and repeat_interval are plain strings, set from Grafana's
    // answer with no DiffSuppressFunc (terraform-provider-grafana v4.45.1
    // internal/resources/grafana/resource_alerting_notification_policy.go `packSpecificPolicy`), and
    // Grafana holds them as Prometheus durations (its definitions.Route: `GroupWait *model.Duration`),
    // which marshal as `Duration.String()`: "24h" comes back "1d", "90m" as "1h30m", a perpetual diff.
    it("the String form round-trips, and a non-canonical one does not (the port bites)", () => {
        expect(["0s", "30s", "1m30s", "1h", "1d", "2w", "90d"].map((d) => formatPromDuration(parsePromDuration(d)))).toEqual(["0s", "30s", "1m30s", "1h", "1d", "2w", "90d"]);
        expect(["24h", "90m", "60s", "14d"].map((d) => formatPromDuration(parsePromDuration(d)))).toEqual(["1d", "1h30m", "1m", "2w"]);
    });

    it.each(["staging", "production"])("%s: every duration of the notification policy is in that form", async (stack) => {
        const [policy] = ofType(await planStack(stack), "grafana:alerting/notificationPolicy:NotificationPolicy");
        const durations = policyDurations(policy.inputs);
        expect(durations.length).toBeGreaterThan(3);
        expect(durations.filter((d) => formatPromDuration(parsePromDuration(d)) !== d)).toEqual([]);
    });

    // Mute timings are Alertmanager time intervals (prometheus/alertmanager timeinterval/timeinterval.go):
    // weekdays are lower-cased when parsed and marshalled back as one name per single-day range,
    // times as "%02d:%02d", the location as its IANA name; the provider stores them as read
    // (resource_alerting_mute_timing.go `packIntervals`).
    it.each(["staging", "production"])("%s: the mute timing's weekdays, times and location are in Alertmanager's marshalled form", async (stack) => {
        const [timing] = ofType(await planStack(stack), "grafana:alerting/muteTiming:MuteTiming");
        const intervals = input(timing, "intervals") as { weekdays: string[]; times: { start: string; end: string }[]; location: string }[];
        expect(intervals.length).toBeGreaterThan(0);
        const days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
        const hhmm = (t: string): string => {
            const [h, m] = t.split(":").map(Number);
            return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
        };
        for (const i of intervals) {
            expect(i.weekdays.filter((d) => !days.includes(d))).toEqual([]);
            expect(i.times.flatMap((t) => [t.start, t.end]).filter((t) => hhmm(t) !== t)).toEqual([]);
            expect(i.location).toBe("UTC");
        }
    });
});
