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
    readonly state: "available" | "unavailable" | "constrained";
    readonly optInStatus: "opt-in-not-required" | "opted-in" | "not-opted-in";
}

interface ZoneQuery {
    readonly state?: string;
    readonly filters?: readonly { name: string; values: readonly string[] }[];
}

/**
 * The names `aws.getAvailabilityZones` returns for `query`: DescribeAvailabilityZones filtered on
 * `state` when set and on each filter, then sorted by zone name (terraform-provider-aws
 * internal/service/ec2/ec2_availability_zones_data_source.go, `dataSourceAvailabilityZonesRead`:
 * the `state` argument becomes a `state` filter; `sort.Slice` by ZoneName).
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
        .map((z) => z.name)
        .sort();
}

describe("the zones every subnet is placed in do not follow the zones' health", () => {
    // Listed out of order: "The order of the elements in the response ... might vary" (EC2 API,
    // DescribeAvailabilityZones); the provider sorts them.
    const region: Zone[] = [
        { name: "us-east-1c", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1a", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1-bos-1a", state: "available", optInStatus: "opted-in" },
        { name: "us-east-1b", state: "available", optInStatus: "opt-in-not-required" },
        { name: "us-east-1d", state: "available", optInStatus: "opt-in-not-required" },
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
