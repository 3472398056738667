/**
 * Names the blue/green parts agree on: the Kubernetes labels and annotations that the delivery
 * component writes, the policy pack reads, the dashboards query and the rollback command targets.
 * One module, so none of them can spell a label differently.
 *
 * Kept inside the policy pack's folder, which is published alone (the delivery policies read these
 * names); the program imports it as `lib/delivery`.
 */

/** The two releases a service always has; the live Service selects one of them. */
export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

/** The color that is not `c`: the idle one when `c` is live. */
export function otherColor(c: Color): Color {
    return c === "blue" ? "green" : "blue";
}

/** Kubernetes' recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const APP_LABELS = {
    name: "app.kubernetes.io/name",
    instance: "app.kubernetes.io/instance",
    version: "app.kubernetes.io/version",
    component: "app.kubernetes.io/component",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
} as const;

/**
 * The two labels a Deployment's selector holds, `{app, color}`. They never change for a Deployment
 * (a changed selector replaces it), and the live Service selects `{app, color: <active>}`.
 */
export const SELECTOR_LABELS = { app: "app", color: "color" } as const;

/** Which part of the blue/green pair an object is. */
export const ROLE_LABEL = "launchpad.dev/role";
export const ROLES = {
    /** A color's Deployment, PodDisruptionBudget and HorizontalPodAutoscaler. */
    workload: "workload",
    /** A color's own ClusterIP Service (Argo Rollouts' previewService). */
    preview: "preview",
    /** The Service (and Ingress) users reach; its selector names the active color. */
    live: "live",
    /** The Job that runs the smoke runner against one color before traffic may move to it. */
    gate: "smoke-gate",
    /** The ConfigMap with the bundled smoke runner and the service's smoke policy. */
    smoke: "smoke-config",
    /** The Job that runs a release's schema migration before its color's Deployment rolls out. */
    migration: "schema-migration",
    /** The Job (and ConfigMap) of one performance run against a color, created by an operator's `npm run loadtest`. */
    loadtest: "loadtest",
} as const;

/** Annotations with what a reviewer, a policy or the rollback command needs to know. */
export const ANNOTATIONS = {
    /** Hash of color, image and smoke policy (never the active color): a new value re-runs the gate. */
    releaseId: "launchpad.dev/release-id",
    /** The image a color runs (on its pod template and gate Job). */
    image: "launchpad.dev/image",
    /**
     * On production's live Service, the rule that admitted its release: `verified` (staging's gate
     * passed for this image), `history` (this stack made the image live before, per its own state:
     * a rollback) or `unverified-allowed` (break-glass `launchpad:promotion.allowUnverified` was set).
     */
    promotion: "launchpad.dev/promotion",
    /** On a migration Job and its restore point: the schema version the release migrates to. */
    schemaVersion: "launchpad.dev/schema-version",
    /**
     * On a color's Deployment (its own metadata, so a new value rolls no pod): the per-part hashes of
     * the pod template it was applied with, as JSON; the release history reads the live color's from
     * the state, which a targeted update leaves as it was.
     */
    podShape: "launchpad.dev/pod-shape",
    /**
     * On a color's Deployment (its own metadata) and on its smoke and load gate Jobs: a digest of the
     * pod template as config builds it (components/blue-green-service.ts `gateRunId`). The gate Job's
     * name carries it, so pods that roll get a new gate run, and a switch admits a color only when its
     * Deployment's value is its gate Job's (scripts/rollback.ts `gateProblem`).
     */
    podTemplate: "launchpad.dev/pod-template",
    /**
     * On a color's pod template: what identifies the database connection Secret its pods read
     * (components/database-client.ts `databaseRolloutAnnotations`): a digest of its settings, so a
     * change of them (a restore's host, a rotated password) rolls the pods onto the new Secret.
     */
    databaseConnection: "launchpad.dev/database-connection",
    /**
     * On the grants Job's pod template: a digest of the scripts it runs (components/database-grants.ts
     * `grantsScriptsDigest`), so a change of what it grants runs it again, beside
     * `databaseConnection`, which runs it again for a new instance, user name or password.
     */
    databaseGrants: "launchpad.dev/database-grants",
    /**
     * On the pod template of the migration Job of a migration a restore undid: the restored
     * instance's identifier, so the Job runs its migration again there, once (components/migrations.ts
     * `migrationInstances`, components/database-client.ts `migrationRerunAnnotations`).
     */
    restoredDatabase: "launchpad.dev/restored-database",
} as const;

export const PROMOTION = { verified: "verified", history: "history", unverifiedAllowed: "unverified-allowed" } as const;

/**
 * The AWS Load Balancer Controller's weighted actions (v3.5.0), which an `alb` Ingress uses to move
 * traffic between the colors: a backend whose port is named `use-annotation` reads its action from
 * the annotation `alb.ingress.kubernetes.io/actions.<backend service name>`
 * (pkg/ingress/enhanced_backend_builder.go:21, :130, :201-220). A forward action's target group
 * weights are 0 to 999 (ELB user guide, load-balancer-listeners.md "Forward actions": "Each target
 * group weight is a value from 0 to 999"; the controller's NLB twin checks the same bound,
 * pkg/service/config_types.go:40).
 */
export const ALB_ACTIONS = {
    useAnnotation: "use-annotation",
    annotationPrefix: "alb.ingress.kubernetes.io/actions.",
    maxWeight: 999,
    /** `ip` or `instance` (controller docs, guide/ingress/annotations.md target-type): whether pods are the targets, and so get readiness gates. */
    targetTypeAnnotation: "alb.ingress.kubernetes.io/target-type",
    /** `internet-facing` or `internal`, the controller's default (same doc, scheme): which subnets the ALB is placed in, and so sends from; Launchpad always sets it. */
    schemeAnnotation: "alb.ingress.kubernetes.io/scheme",
} as const;

/**
 * The database connection contract's Secrets, in the application namespace (components/database.ts
 * writes them, keys `CONNECTION_SECRET_KEYS`): `master`, the RDS master user's, which only Jobs
 * read (migrations, the dumps, the grants); `app`, the application's own user's (data access only:
 * components/database-grants.ts), which the services read. The policy `database-master-jobs-only`
 * holds long-running workloads to it.
 */
export const DATABASE_SECRETS = { master: "database-connection", app: "database-app-connection" } as const;
