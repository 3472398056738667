/**
 * The Grafana organization a stack's alerting lives in, and the rule that production's is not
 * staging's.
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
