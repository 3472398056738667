/**
 * The Grafana organization a stack's alerting lives in, and the rules that keep it the stack's
 * own: production's is not staging's ({@link sharedGrafanaProblem}), and no stack replaces a tree
 * that routes another environment's alerts ({@link foreignPolicyTreeProblem}, on the tree
 * observability/grafana-policy-tree.ts reads from Grafana).
 *
 * A Grafana organization has exactly one notification policy tree, and `grafana.alerting.NotificationPolicy`
 * owns all of it: its create and update PUT the whole tree, its delete resets it (grafana/terraform-provider-grafana
 * internal/resources/grafana/resource_alerting_notification_policy.go at 3f9621f, `putNotificationPolicy`,
 * `deleteNotificationPolicy` calls `ResetPolicyTree`; its doc: "This resource manages the entire notification
 * policy tree and overwrites its policies"). Two stacks in one organization replace each other's
 * routes on every `pulumi up`: after staging's, production's alerts (`environment=production`) match no route and go to the root route's contact
 * point, staging's ticket receiver, and production's pages are lost.
 *
 * The organization is the one the stack's own data source was created in, as Grafana reports it:
 * the provider reads `org_id` from the data source Grafana returns (`datasourceToState`, after every
 * create: resource_data_source.go `CreateDataSource` calls `ReadDataSource`). Not
 * `grafana.oss.getOrganizationPreferences`: its `id` is `organization_preferences<orgID>` with the
 * provider's configured org (data_source_organization_preferences.go, `OAPIClientFromNewOrgResource`),
 * which is 0 for a token such as `grafana:auth` (pkg/provider/configure_clients.go `parseAuth`: an API
 * key's org is implicit, "API keys are already org-scoped"), so it would read the same for any two orgs.
 */

/** The stack output naming the stack's Grafana organization, which the promotion target reads from its source stack. */
export const GRAFANA_TARGET_OUTPUT = "grafanaTarget";

/** Where a stack's Grafana resources go: the server and the organization. Not secret: no credentials, no query string. */
export interface GrafanaTarget {
    /** `grafana:url`'s origin and path, lower-case host, no default port, no trailing slash ({@link grafanaServer}). */
    readonly url: string;
    /** The organization's id, as Grafana reports it for the stack's data source. */
    readonly orgId: string;
}

/**
 * `grafana:url` normalized to name one server: scheme, host and non-default port (WHATWG URL `origin`,
 * lower-case), then the path without its trailing slash, since the provider sends every request under
 * it (configure_clients.go: `url.JoinPath(<url path>, "api")`): two servers may share a host under
 * different paths. The query and fragment are left out.
 */
export function grafanaServer(url: string): string {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/** A stack output read through a StackReference as a {@link GrafanaTarget}; undefined when absent or of another shape (a stack not yet updated). */
export function grafanaTargetOf(output: unknown): GrafanaTarget | undefined {
    if (typeof output !== "object" || output === null) {
        return undefined;
    }
    const { url, orgId } = output as Record<string, unknown>;
    return typeof url === "string" && typeof orgId === "string" ? { url, orgId } : undefined;
}

/**
 * The refusal when this stack's Grafana organization is its promotion source's, or undefined when
 * they differ or the source exports none (no `grafana:url` there, or not yet updated).
 */
export function sharedGrafanaProblem(here: { readonly stack: string; readonly target: GrafanaTarget }, source: { readonly stack: string; readonly target: GrafanaTarget | undefined }): string | undefined {
    const there = source.target;
    if (there === undefined || there.url !== here.target.url || there.orgId !== here.target.orgId) {
        return undefined;
    }
    return `grafana:url: stack "${here.stack}" and its promotion source "${source.stack}" both send alerting to ${here.target.url}, organization ${here.target.orgId}; ` +
        "expected a separate Grafana organization or server: an organization has one notification policy tree, which each stack's update replaces, " +
        "so one stack's alerts would match no route and reach the other's default contact point. Give this stack a token of another organization " +
        "(grafana:auth) or another grafana:url (docs/observability.md)";
}

/**
 * The label every alert of a stack carries with the stack's name, and on which its notification
 * policy routes (components/observability.ts `notificationPolicyArgs`, `environment=<stack>`).
 */
export const ENVIRONMENT_LABEL = "environment";

/**
 * The values a notification policy tree routes on with an equality matcher of {@link ENVIRONMENT_LABEL},
 * sorted, once each: the environments whose alerts the tree sends somewhere. `tree` is the body of
 * Grafana's `GET /api/v1/provisioning/policies`, a `definition.Route` (grafana/grafana
 * pkg/services/ngalert/api/tooling/definitions/provisioning_policies.go `RouteGetPolicyTree`, "200: Route";
 * the type is grafana/alerting definition/alertmanager.go `Route`, at 0ddb4820), whose nodes may say it
 * in three ways, all read here, at any depth of `routes`:
 * - `object_matchers`: `[[label, op, value], ...]` (`ObjectMatchers.MarshalJSON`), what the provider
 *   writes for each `matcher` block (terraform-provider-grafana resource_alerting_notification_policy.go
 *   `unpackPolicyMatcher`, at 3f9621f) and so what Launchpad's own tree reads back as;
 * - `matchers`: `["label=\"value\"", ...]`, Prometheus matchers as text (prometheus/alertmanager
 *   config.Matchers `MarshalJSON`, `labels.Matcher.String`);
 * - `match`: `{label: value}`, deprecated, an equality (`Route.AllMatchers`: `labels.MatchEqual`).
 * Only `=` counts: a regex or negative matcher names no one environment. Anything else in the body
 * is ignored, and a body that is no route yields none (an empty tree, Grafana's default, likewise).
 */
export function routedEnvironments(tree: unknown): string[] {
    const found = new Set<string>();
    const visit = (node: unknown): void => {
        if (typeof node !== "object" || node === null) {
            return;
        }
        const route = node as Record<string, unknown>;
        for (const m of Array.isArray(route.object_matchers) ? route.object_matchers : []) {
            if (Array.isArray(m) && m[0] === ENVIRONMENT_LABEL && m[1] === "=" && typeof m[2] === "string") {
                found.add(m[2]);
            }
        }
        for (const m of Array.isArray(route.matchers) ? route.matchers : []) {
            const value = typeof m === "string" ? equalityValue(m) : undefined;
            if (value !== undefined) {
                found.add(value);
            }
        }
        const match = route.match;
        if (typeof match === "object" && match !== null && typeof (match as Record<string, unknown>)[ENVIRONMENT_LABEL] === "string") {
            found.add((match as Record<string, string>)[ENVIRONMENT_LABEL]);
        }
        for (const child of Array.isArray(route.routes) ? route.routes : []) {
            visit(child);
        }
    };
    visit(tree);
    return [...found].sort();
}

/** The value of an `environment="x"` (or `environment=x`) matcher in Prometheus text form; undefined for another label or operator. */
function equalityValue(matcher: string): string | undefined {
    const m = /^\s*"?([^"=!~\s]+)"?\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(matcher);
    if (m === null || m[1] !== ENVIRONMENT_LABEL || m[2] !== "=") {
        return undefined;
    }
    const raw = m[3];
    if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) {
        try {
            return JSON.parse(raw) as string;
        } catch {
            return raw.slice(1, -1);
        }
    }
    return raw;
}

/**
 * The refusal when the organization's current notification policy tree routes another
 * environment's alerts, or undefined when it routes none but this stack's (the tree this stack
 * wrote before) or none at all (a fresh organization: Grafana's default tree, one root route to
 * `grafana-default-email`, grafana/grafana pkg/setting/setting_unified_alerting.go
 * `alertmanagerDefaultConfiguration`). This stack's update would replace that tree whole, and the
 * other environment's alerts would then reach this stack's root contact point. The counterpart of
 * {@link sharedGrafanaProblem} for a stack that reads no other stack (staging): it asks Grafana itself.
 */
export function foreignPolicyTreeProblem(here: { readonly stack: string; readonly target: GrafanaTarget }, tree: unknown): string | undefined {
    const others = routedEnvironments(tree).filter((e) => e !== here.stack);
    if (others.length === 0) {
        return undefined;
    }
    const named = others.map((e) => `"${e}"`).join(", ");
    const matchers = others.map((e) => `${ENVIRONMENT_LABEL}=${e}`).join(", ");
    return `grafana:url: stack "${here.stack}" would replace the notification policy tree of ${here.target.url}, organization ${here.target.orgId}, ` +
        `which routes the alerts of ${named} (${matchers}); expected an organization whose tree routes no other environment's alerts: ` +
        "an organization has one notification policy tree, which each stack's update replaces, so the other environment's alerts would match no route " +
        `and reach stack "${here.stack}"'s default contact point. Give this stack a token of another organization (grafana:auth) or another grafana:url (docs/observability.md)`;
}
