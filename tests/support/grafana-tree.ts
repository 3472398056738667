/**
 * Notification policy trees as Grafana's `GET /api/v1/provisioning/policies` answers them, for the
 * tests of observability/grafana-target.ts and observability/grafana-policy-tree.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { notificationPolicyArgs } from "../../components/observability";
import { REPO_ROOT } from "../../plan/engine";

interface PolicyArgs { contactPoint?: unknown; groupBies?: unknown; matchers?: unknown; policies?: unknown; muteTimings?: unknown; groupWait?: unknown; groupInterval?: unknown; repeatInterval?: unknown }

/**
 * A `NotificationPolicyArgs` (or one of its `policies`) as the tree Grafana keeps after the provider's
 * PUT: `contact_point` is `receiver`, each `matcher` block an `object_matchers` triple `[label, match, value]`,
 * `policy` blocks are `routes` (terraform-provider-grafana resource_alerting_notification_policy.go
 * `unpackNotifPolicy`, `unpackSpecificPolicy`, `unpackPolicyMatcher`, at 3f9621f; the JSON names are
 * grafana/alerting definition/alertmanager.go `Route`'s tags).
 */
export function asGrafanaRoute(p: PolicyArgs): Record<string, unknown> {
    const matchers = (p.matchers ?? []) as { label: string; match: string; value: string }[];
    const routes = (p.policies ?? []) as PolicyArgs[];
    return {
        receiver: p.contactPoint,
        group_by: p.groupBies,
        ...(matchers.length > 0 ? { object_matchers: matchers.map((m) => [m.label, m.match, m.value]) } : {}),
        ...(p.muteTimings !== undefined ? { mute_time_intervals: p.muteTimings } : {}),
        ...(p.groupWait !== undefined ? { group_wait: p.groupWait } : {}),
        ...(p.groupInterval !== undefined ? { group_interval: p.groupInterval } : {}),
        ...(p.repeatInterval !== undefined ? { repeat_interval: p.repeatInterval } : {}),
        ...(routes.length > 0 ? { routes: routes.map(asGrafanaRoute) } : {}),
        provenance: "api",
    };
}

/** The tree a stack's own `pulumi up` leaves in its organization: Launchpad's builder, as Grafana stores it. */
export function launchpadTree(stack: string): Record<string, unknown> {
    return asGrafanaRoute(notificationPolicyArgs(stack, { page: `launchpad-${stack}-pagerduty`, ticket: `launchpad-${stack}-slack`, heartbeat: `launchpad-${stack}-heartbeat` }, `launchpad-${stack}-maintenance`, "service"));
}

/** A fresh organization's tree: Grafana's default route (vendor/grafana-default-policy/SOURCE.md). */
export function grafanaDefaultTree(): unknown {
    const config = JSON.parse(readFileSync(join(REPO_ROOT, "vendor", "grafana-default-policy", "default-configuration.json"), "utf8")) as { alertmanager_config: { route: unknown } };
    return config.alertmanager_config.route;
}
