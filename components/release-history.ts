/**
 * Release history: per service, the last N releases this stack made live (image, release id, color,
 * env hash, time), newest first, kept in the stack's `releaseHistory` output.
 *
 * The program reads the previous value back from the stack's own state through a StackReference to
 * itself: a reference reads the outputs of the stack's last completed update from the backend
 * (pulumi/pulumi `pkg/resource/deploy/builtins.go`: `readStackReference` answers with
 * `backendClient.GetStackOutputs(name)`, the outputs of the stack's latest checkpoint, which during
 * an update of the stack itself are still the previous update's: the root Stack resource registers
 * its new outputs only when the program ends),
 * never from `Pulumi.<stack>.yaml`. A pull request can edit config but not the state, so it cannot
 * forge an entry to sneak an unverified image past the promotion rule. A first update (no outputs
 * yet) reads nothing: an empty history.
 *
 * An entry is recorded only once the live Service's update completed (the output waits on it), so
 * a failed switch adds nothing: since pulumi/pulumi#15754 (fixing #14621, merged March 2024), the
 * engine holds the Stack's registered outputs until the deployment ends and, when it did not run to
 * completion, keeps the outputs it did not resolve as they were (`pkg/resource/deploy/step_executor.go`).
 *
 * A rollback's targeted update (`--target`) records too: the engine treats the root Stack as
 * implicitly targeted and never filters reads (StackReferences) by `--target`
 * (`pkg/resource/deploy/step_generator.go`: `isImplicitlyTargetedResource` includes
 * `RootStackType`; `GenerateReadSteps` has no `isIncludedInOperation` check). The Deployments it
 * does not target keep their recorded state, whatever config says, so an entry is recorded only for
 * the release the live color's Deployment names in the state (`LiveRelease.rolledOut`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { LaunchpadConfig, ServiceConfig } from "../config";
import { describeValue } from "../config/errors";
import { COLORS, otherColor } from "../lib/delivery";
import { PLAIN_DIGEST } from "../lib/release-digest";
import { envDigestKind, envHash, POD_PARTS, podShape, STACK_POD_PARTS, stackPodShape, type PodPart, type ReleaseInfo, type StackPodDatabase, type StackPodPart } from "./blue-green-service";

/** The stack output holding, per service, the releases it made live, newest first. */
export const RELEASE_HISTORY_OUTPUT = "releaseHistory";

/** The stack output holding, per service, its live Service's name and the color it is live on. */
export const LIVE_SERVICES_OUTPUT = "liveServices";

export interface HistoryEntry extends ReleaseInfo {
    /** When the release first went live in this stack (ISO 8601, the run's time). */
    readonly time: string;
    /**
     * The hash of the env the color ran (`envHash`), which the in-place rule compares.
     * @default - absent in entries recorded before the field existed: the rule compares the image only
     */
    readonly envHash?: string;
    /**
     * What `envHash` was made with (`envDigestKind`): an env hash made otherwise (the services made
     * secret, `launchpad:releaseIdKey` replaced) cannot be compared with it.
     * @default "sha256" - the plain hash, as every entry recorded before keys existed
     */
    readonly envDigest?: string;
    /**
     * The hashes of the rest of its pod template (`podShape`), which the in-place roll warning compares.
     * @default - absent in entries recorded before the field existed: no warning
     */
    readonly pod?: Readonly<Record<string, string>>;
    /**
     * When this stack switched straight back from it to the release live before it (a rollback, or
     * `npm run promote`'s switch back after a failed analysis); absent while it never was. A
     * reverted entry admits nothing: making that release live again needs the source stack's
     * verification (or break glass).
     * @default - never reverted
     */
    readonly reverted?: string;
}

export type ReleaseHistory = Readonly<Record<string, readonly HistoryEntry[]>>;

/** The release a service makes live in this update. */
export interface LiveRelease extends ReleaseInfo {
    readonly service: string;
    /** `envHash` of the color it goes live on. */
    readonly envHash: string;
    /**
     * What `envHash` was made with (`envDigestKind`).
     * @default "sha256" - the plain hash
     */
    readonly envDigest?: string;
    /**
     * The release id the color's Deployment names in the state once this update completed
     * (blue-green-service.ts `recordedRelease`). Another one than `releaseId` means this update did
     * not roll config's release out (a targeted rollback leaves the Deployments as they were), and
     * nothing is recorded for the service.
     * @default - taken as rolled out
     */
    readonly rolledOut?: string;
    /**
     * `podShape` of the color it goes live on, as its Deployment in the state records it (the shape
     * it was applied with, which a targeted update leaves as it was).
     * @default - none recorded (a Deployment applied before it carried its shape)
     */
    readonly pod?: Readonly<Record<string, string>>;
}

const isEntry = (e: unknown): e is HistoryEntry => {
    if (e === null || typeof e !== "object") return false;
    const r = e as Record<string, unknown>;
    return typeof r.image === "string" && typeof r.releaseId === "string" && typeof r.time === "string" &&
        (COLORS as readonly unknown[]).includes(r.color) && (r.reverted === undefined || typeof r.reverted === "string") && (r.envHash === undefined || typeof r.envHash === "string") &&
        (r.envDigest === undefined || typeof r.envDigest === "string") &&
        (r.pod === undefined || (r.pod !== null && typeof r.pod === "object" && Object.values(r.pod).every((v) => typeof v === "string")));
};

/**
 * The history as read from state. Anything that is not a list of entries (an older output shape, a
 * first update's `undefined`) reads as no history: the rule then falls back to the source stack.
 */
export function parseHistory(raw: unknown): ReleaseHistory {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([svc, list]) => [svc, Array.isArray(list) ? list.filter(isEntry) : []]));
}

const sameRelease = (e: HistoryEntry | undefined, l: ReleaseInfo): boolean => e !== undefined && e.releaseId === l.releaseId && e.color === l.color;

/**
 * The history after this update: each service's live release goes first unless it already is the
 * newest entry (same release id and color: an update that switched nothing records nothing), then
 * the list is cut to `limit`. An unchanged newest entry recorded before `envHash` existed gains it
 * (the same release id on the same color is the same env), so the in-place rule's env comparison
 * starts with the first update after the field was added, not with the next switch. A live release
 * whose Deployment does not run it (`rolledOut`) records nothing. A switch straight back to the entry below the newest (a rollback,
 * promote's switch back) marks the newest `reverted`: the switch's own update recorded it before
 * its analysis, and a release switched back from must not later pass as one this stack ran well.
 * Services no longer in the stack are dropped, unlike the schema record's (migrations.ts
 * `retainedRecords`): that one describes the database, which keeps a removed service's tables; the
 * history describes what the Deployments run, which go with the service. A re-added service runs
 * nothing, so a kept head would be wrong (`liveWhenStarted`, the in-place rule), and its old
 * releases would pass the promotion rule unverified; dropped, they need the source stack's verification again.
 */
export function nextHistory(previous: ReleaseHistory, live: readonly LiveRelease[], time: string, limit: number): ReleaseHistory {
    return Object.fromEntries(live.map((l) => {
        const before = previous[l.service] ?? [];
        if (l.rolledOut !== undefined && l.rolledOut !== l.releaseId) {
            return [l.service, before.slice(0, limit)];
        }
        const [head, below] = before;
        if (head !== undefined && sameRelease(head, l)) {
            // The pod template may change without a new release (a new port, probe or size): the entry keeps what the color runs now.
            const kept = { ...head, ...(head.envHash === undefined ? { envHash: l.envHash, ...keyedBy(l) } : {}), ...(l.pod !== undefined ? { pod: l.pod } : {}) };
            return [l.service, [kept, ...before.slice(1)].slice(0, limit)];
        }
        const entry: HistoryEntry = { color: l.color, image: l.image, releaseId: l.releaseId, envHash: l.envHash, ...keyedBy(l), ...(l.pod !== undefined ? { pod: l.pod } : {}), time };
        const older = head !== undefined && sameRelease(below, l) ? [{ ...head, reverted: head.reverted ?? time }, ...before.slice(1)] : before;
        return [l.service, [entry, ...older].slice(0, limit)];
    }));
}

/** `envDigest` for an entry: recorded only where it is not the plain hash (an absent one reads as plain). */
const keyedBy = (l: LiveRelease): { envDigest?: string } => (l.envDigest !== undefined && l.envDigest !== PLAIN_DIGEST ? { envDigest: l.envDigest } : {});

/** Whether the live entry's env hash was made as this update makes the service's (`envDigest`): otherwise the two cannot be compared. */
const sameDigest = (head: HistoryEntry, s: ServiceConfig): boolean => (head.envDigest ?? PLAIN_DIGEST) === envDigestKind(s);

/** The images of a service this stack made live and did not switch back from, newest first, without repeats. */
export function historyImages(history: ReleaseHistory, service: string): string[] {
    return [...new Set((history[service] ?? []).filter((e) => e.reverted === undefined).map((e) => e.image))];
}

/** Images of a service this stack switched back from and never otherwise kept live (they admit nothing). */
export function revertedImages(history: ReleaseHistory, service: string): string[] {
    const kept = historyImages(history, service);
    return [...new Set((history[service] ?? []).filter((e) => e.reverted !== undefined && !kept.includes(e.image)).map((e) => e.image))];
}

/**
 * The stack's own previous outputs, from its state (a read, nothing is created): the one reference
 * every reader of them shares (the release history here, the schema record in migrations.ts).
 */
export function previousOutputs(name: string, stackName: string, opts: pulumi.CustomResourceOptions): pulumi.StackReference {
    return new pulumi.StackReference(`${name}-history`, { name: stackName }, opts);
}

/**
 * The stack's previous `releaseHistory`, read from its previous outputs. Unsecreted: it is secret
 * where the services config is (`historyOutput`) only for its env hashes, which never leave the
 * comparison, and a secret history would mark secret everything derived from it (the release
 * annotation of every pod template, the promotion annotation).
 */
export function previousHistory(previous: pulumi.StackReference): pulumi.Output<ReleaseHistory> {
    return pulumi.unsecret(previous.getOutput(RELEASE_HISTORY_OUTPUT)).apply(parseHistory);
}

/**
 * The `releaseHistory` output: a secret when the services config is (`ServiceConfig.fromSecret`).
 * Its env hashes are then hashes of secret values, and a 40-bit hash of a short password in plain
 * state is that password to anyone who tries a dictionary against it; Pulumi encrypts a secret
 * output in the state, and the scripts still read it (the Automation API's `stackOutputs` reads
 * outputs with `--show-secrets`: `@pulumi/pulumi` automation/localWorkspace.js).
 */
export function historyOutput(history: pulumi.Output<ReleaseHistory>, services: readonly ServiceConfig[]): pulumi.Output<ReleaseHistory> {
    return services.some((s) => s.fromSecret) ? pulumi.secret(history) : history;
}

/** The release `service` was live on when this update started: the newest entry of the history (none before a first update). */
export function liveWhenStarted(history: ReleaseHistory, service: string): HistoryEntry | undefined {
    return history[service]?.[0];
}

/**
 * Blue/green's one rule the config alone cannot check: the color live when this update started (the
 * head of the history) keeps what its pods do, its image and its env (the service's env with the
 * release's overrides). A new one there would roll its pods in place, under live traffic and before
 * any gate (the Deployment updates before its gate Job runs; Argo Rollouts' blueGreen likewise never
 * updates the active ReplicaSet, it makes a new preview one). A new migration or schema contract
 * restarts the live pods (the release id changes) but runs the same container: allowed. A new smoke
 * policy is no new release: it re-runs the gates only (blue-green-service.ts `gateJobId`).
 * One line per service and changed part; none on a first update (no history), and no env line for an
 * entry recorded before `envHash` existed.
 */
export function inPlaceReleaseProblems(services: readonly ServiceConfig[], history: ReleaseHistory): string[] {
    return services.flatMap((s) => {
        const head = liveWhenStarted(history, s.name);
        if (head === undefined) {
            return [];
        }
        const live = head.color;
        const idle = otherColor(live);
        const key = `launchpad:services.${s.name}.releases.${live}`;
        const why = (what: string) => `${live} was live when this update started (the stack's release history), and a new ${what} there would roll its pods in place under live traffic, before any gate.`;
        const image = s.releases[live].image;
        const env = envHash(s, live);
        // From secret config the env hash is a hash of secrets, and an error reaches CI logs: masked like every secret
        // value. Plain values are quoted whole (describeValue would cut a digest reference, which the user must restore).
        const show = (v: string) => (s.fromSecret ? describeValue(v, true) : JSON.stringify(v));
        return [
            ...(image !== head.image
                ? [`${key}.image: received ${show(image)}; expected ${show(head.image)}, the image ${live} serves now: ${why("image")} ` +
                    `Put the new image on ${idle}, the idle color, and make ${idle} live (activeColor) once its gate passed`]
                : []),
            ...(head.envHash !== undefined && sameDigest(head, s) && env !== head.envHash
                ? [`${key}.env: received env hash ${show(env)}; expected ${show(head.envHash)}, the hash of the env ${live} serves now ` +
                    `(the service's env with ${live}'s overrides): ${why("env")} Put the new env on ${idle} (launchpad:services.${s.name}.releases.${idle}.env), the idle color, ` +
                    `and make ${idle} live (activeColor) once its gate passed`]
                : []),
        ];
    });
}

/**
 * The plan's warnings, per service: where the env hash of the color live when this update started was
 * made with another key (`rekeyedWarning`), and where that color keeps its
 * release (image and env: `inPlaceReleaseProblems`) but its pod template changes in other parts
 * (`POD_PARTS`: port, probes, resources, the database connection's env, scrape annotations): its pods
 * roll in place under live traffic, and no gate runs before that traffic reaches them; only the
 * readiness probe and the rollout's `maxUnavailable: 0` guard them. Argo Rollouts would send any pod
 * template change through a new ReplicaSet and its analysis; these settings are service-wide, so no
 * idle color can take them first, and they are allowed with this warning (docs/delivery.md, "Changes
 * that roll the live color"). None without a history entry that recorded the pod template. The
 * entry's `pod` is the live Deployment's own record of the shape it was applied with (its
 * `ANNOTATIONS.podShape`, from the state: `BlueGreenService.rolledOutPod`), so a targeted update (a
 * rollback) that leaves the Deployment alone records the shape it still runs, and the update that
 * rolls it warns.
 */
export function inPlaceRollWarnings(services: readonly ServiceConfig[], history: ReleaseHistory, database?: StackPodDatabase): string[] {
    return services.flatMap((s) => {
        const head = liveWhenStarted(history, s.name);
        if (head === undefined) {
            return [];
        }
        return [...rekeyedWarning(s, head), ...podPartsWarning(s, head), ...stackPartsWarning(s, head, database)];
    });
}

/** The stack's database as `stackPodShape` reads it: the CA bundle's address, the application user and the engine. */
export function stackPodDatabase(config: Pick<LaunchpadConfig, "database">): StackPodDatabase {
    return { caBundleUrl: config.database.caBundleUrl, username: config.database.appUsername, engine: config.database.engine };
}

/**
 * The in-place roll of the live pods by a stack-wide setting (`STACK_POD_PARTS`: the CA bundle's
 * address, the application user, the engine's TLS mode), compared with the hashes the live Deployment recorded
 * (`stackPodShape`, in the entry's `pod`). Decided per setting, the same in every tier:
 * - none has a per-color value: the pods of both colors read the one `db-ca` address, the one engine and the one
 *   connection Secret (`database-app-connection`, by its fixed name: components/database-client.ts),
 *   so no idle color can take them first, and refusing in production would leave no way to make the
 *   change at all (a restore or a new CA bundle address cannot wait). They are allowed, with this
 *   warning naming what rolls where and what protects traffic.
 * - The idle color is judged in the same update: its gate Job's name follows the CA address
 *   (`gateRunId`) and its template the connection's digest (`gateConnectionAnnotations`), so its gate
 *   runs again; but the live Deployment rolls at the same time, not after that gate.
 * - What protects live traffic: the Deployment's strategy (`maxUnavailable: 0`, `deploymentSpec`)
 *   keeps the old pods serving until each new one is ready ("Once new pods are ready, old ReplicaSet
 *   can be scaled down further ... ensuring that the total number of pods available at all times during
 *   the update is at least" desired minus maxUnavailable: the apps/v1 RollingUpdateDeployment
 *   `maxUnavailable` field doc, as @pulumi/kubernetes types/input.d.ts carries it), and a pod whose bundle cannot be
 *   fetched never starts its app (`db-ca` fails closed), so such a rollout stalls and `pulumi up` fails
 *   at the progress deadline with the old pods still serving. A wrong but fetchable bundle, or a user
 *   the database refuses, is caught only by a readiness probe that checks the database.
 * None for an entry recorded before the parts existed, or without the stack's database.
 */
function stackPartsWarning(s: ServiceConfig, head: HistoryEntry, database: StackPodDatabase | undefined): string[] {
    const was = head.pod;
    if (was === undefined || database === undefined) {
        return [];
    }
    const now = stackPodShape(s, database);
    const changed = (Object.keys(STACK_POD_PARTS) as StackPodPart[]).filter((p) => was[p] !== undefined && was[p] !== now[p]);
    if (changed.length === 0) {
        return [];
    }
    const live = head.color;
    const idle = otherColor(live);
    const parts = changed.map((p) => `${STACK_POD_PARTS[p].key} (${STACK_POD_PARTS[p].what})`).join(", ");
    return [`service ${s.name}: ${live} was live when this update started and its pods roll in place under live traffic, same release: the stack-wide ${parts} ${changed.length === 1 ? "changes" : "change"} in both colors' pod templates. ` +
        `${idle}, the idle color, rolls too and its gate runs again on it, but in the same update, not before ${live}'s new pods take live traffic. ` +
        `One value for both colors, so the idle color cannot take it first: only the rollout (maxUnavailable 0) and the new pods' readiness probe guard live traffic ` +
        `(a pod whose CA bundle cannot be fetched never becomes ready, ${live}'s old pods keep serving and the update fails). Change nothing else of ${live} in this update`];
}

/**
 * Where the live entry's env hash was made otherwise than this update's (`sameDigest`: the services
 * became a secret, or `launchpad:releaseIdKey` was replaced), the in-place rule cannot compare envs,
 * and refusing would leave no way out (the key is stack-wide, so no color can take it first); the
 * release id changes with the key, so the live pods roll in place: said, not refused.
 */
function rekeyedWarning(s: ServiceConfig, head: HistoryEntry): string[] {
    return head.envHash === undefined || sameDigest(head, s) ? [] : [
        `service ${s.name}: ${head.color} was live when this update started and its env hash was recorded with another key (launchpad:services became a secret, or launchpad:releaseIdKey changed), ` +
        `so this update cannot check that ${head.color}'s env is unchanged; its release id changes with the key, and its pods roll in place under live traffic, before any gate. ` +
        `Change nothing else of ${head.color} in this update`,
    ];
}

/** The in-place roll of the live pods with the same release, by the `POD_PARTS` that changed. */
function podPartsWarning(s: ServiceConfig, head: HistoryEntry): string[] {
    const was = head.pod;
    if (was === undefined) {
        return [];
    }
    const now = podShape(s, head.color);
    const changed = (Object.keys(POD_PARTS) as PodPart[]).filter((p) => was[p] !== undefined && was[p] !== now[p]);
    if (changed.length === 0) {
        return [];
    }
    const parts = changed.map((p) => `${p} (${POD_PARTS[p].map((k) => `launchpad:services.${s.name}.${k}`).join(", ")})`).join(", ");
    return [`service ${s.name}: ${head.color} was live when this update started and its pods roll in place under live traffic, same release: the pod template's ${parts} ${changed.length === 1 ? "changes" : "change"}. ` +
        `No gate runs before live traffic reaches the new pods; only their readiness probe and the rollout (maxUnavailable 0) guard them. These settings are service-wide, so the idle color cannot take them first`];
}
