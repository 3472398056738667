/**
 * Reads the stack's config from the Pulumi runtime once and parses it.
 *
 * The runtime holds every value as a string (objects as JSON); this is the only place that knows
 * it. `index.ts` calls `loadConfig()` before it registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { parseConfig, type LaunchpadConfig } from "./parse";
import { CONFIG_NAMESPACES, OBJECT_KEYS } from "./schema";
import { stackFileNames, stackFileSecretPaths } from "./stack-file";


/** Namespaces the Pulumi CLI itself reads: never warned about. */
const CLI_NAMESPACES = ["pulumi"] as const;

/** Config keys in a namespace nothing in this program reads (`launchpd:tier`), to warn about. */
export function ignoredKeys(keys: readonly string[]): string[] {
    const read = [...CONFIG_NAMESPACES, ...CLI_NAMESPACES] as readonly string[];
    return keys.filter((k) => !read.includes(k.slice(0, k.indexOf(":")))).sort();
}

// `isConfigSecret` is exported by the runtime module but left out of its typings.
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

/** One config value as the Pulumi runtime or the Automation API holds it: text, and whether it is secret. */
export interface StoredConfigValue {
    readonly value: string;
    /** @default false */
    readonly secret?: boolean;
}

/**
 * Stored config values as `ConfigInput` values: `launchpad:*` and the provider keys, objects decoded.
 * A value that should be an object but is not JSON is passed on as the raw string, so the schema
 * reports it with the key's name like any other wrong type. Every reader of a stack's config (the
 * program, `npm run rollback`) decodes through here.
 */
export function decodeConfig(stored: Readonly<Record<string, StoredConfigValue>>): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [key, { value, secret }] of Object.entries(stored)) {
        // Every key of our namespaces reaches the schema, which refuses one it does not know (`aws:regoin`).
        const isOurs = CONFIG_NAMESPACES.includes(key.slice(0, key.indexOf(":")));
        if (!isOurs) {
            continue;
        }
        values[key] = isObjectKey(key) ? decodeJson(value) : value;
        if (secret === true) {
            secretKeys.add(key);
        }
    }
    return { values, secretKeys };
}

/** The runtime's view: every value a string, objects and lists as JSON (as the CLI passes them). */
export function toRuntimeConfig(values: Readonly<Record<string, unknown>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** The inverse of `decodeConfig`: values as the Automation API returns them, for tools and tests that play a stack. */
export function encodeConfig(values: Readonly<Record<string, unknown>>, secretKeys: ReadonlySet<string>): Record<string, Required<StoredConfigValue>> {
    return Object.fromEntries(Object.entries(toRuntimeConfig(values)).map(([key, value]) => [key, { value, secret: secretKeys.has(key) }]));
}

function isObjectKey(key: string): boolean {
    return key.startsWith("launchpad:") && OBJECT_KEYS.has(key.slice("launchpad:".length));
}

/** The runtime's config as `ConfigInput` values (`decodeConfig`). */
export function readRuntimeConfig(): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const stored = Object.entries(pulumi.runtime.allConfig()).map(([key, value]) => [key, { value, secret: runtime.isConfigSecret?.(key) === true }] as const);
    return decodeConfig(Object.fromEntries(stored));
}

function decodeJson(raw: string): unknown {
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return raw;
    }
}

/**
 * The monitor of the offline plan being run, as `plan/engine.ts` declared it. Not an environment
 * variable or a flag a shell could leak into a real run: the declaration is one in-process call by
 * the engine, and it counts only while the runtime's monitor is that same mock monitor.
 */
let offlineMonitor: unknown;
/** The secure leaves of the offline plan's stack file, which the runtime's whole-key marking loses. */
let offlineSecretPaths: ReadonlySet<string> | undefined;
/** The stacks with a stack file in the offline plan's project directory (its `root`, not this process's). */
let offlineStackFiles: readonly string[] | undefined;
/** The offline plan was given no previous outputs: the stack's recorded identity is unknown, not empty. */
let offlineRecordIsUnknown = false;

/**
 * Called by the offline plan engine right after `pulumi.runtime.setMocks`: until the returned
 * function runs, `loadConfig` allows placeholders and stands in absent required secrets. Throws
 * outside the mock runtime, so a real run cannot declare itself offline.
 */
export function declareOfflinePlan(secretPaths?: ReadonlySet<string>, stackFiles?: readonly string[], recordUnknown = false): () => void {
    const monitor = pulumi.runtime.getMonitor();
    if (!(monitor instanceof MockMonitor)) {
        throw new Error("declareOfflinePlan: only the offline plan engine, under pulumi.runtime.setMocks, runs offline");
    }
    offlineMonitor = monitor;
    offlineSecretPaths = secretPaths;
    offlineStackFiles = stackFiles;
    offlineRecordIsUnknown = recordUnknown;
    return () => {
        if (offlineMonitor === monitor) {
            offlineMonitor = undefined;
            offlineSecretPaths = undefined;
            offlineStackFiles = undefined;
            offlineRecordIsUnknown = false;
        }
    };
}

/**
 * True while the offline plan runs without the stack's previous outputs (`npm run plan` with no
 * `--previous-outputs`, as the pull-request and deploy workflows run it): the self-reference reads
 * nothing, but that says nothing of the live stack, so a rule that needs the record to tell a kept
 * value from a chosen one (the support calendar) cannot refuse on it. Never true in a real run.
 */
export function offlineRecordUnknown(): boolean {
    return offlineRecordIsUnknown && isOfflinePlan();
}

/**
 * The environment variable a rollback and `npm run promote` set (to "true") for the targeted `pulumi
 * up` of a color switch (their workspaces' `envVars`, which the CLI and so the program inherit): the
 * engine updates only the live Services and Ingresses then, and tells the program nothing of its
 * `--target` list.
 */
export const TARGETED_SWITCH_ENV = "LAUNCHPAD_TARGETED_SWITCH";

/**
 * True in the targeted update of a color switch ({@link TARGETED_SWITCH_ENV}): a check that guards a
 * resource the switch leaves alone (the Grafana notification policy) warns instead of refusing, since
 * refusing would block a rollback over something it does not change; the next full `pulumi up`
 * refuses it.
 */
export function isTargetedSwitch(env: NodeJS.ProcessEnv = process.env): boolean {
    return env[TARGETED_SWITCH_ENV] === "true";
}

/** True while the offline plan engine runs the program: the runtime's monitor is the mock it declared. */
export function isOfflinePlan(): boolean {
    const monitor = pulumi.runtime.getMonitor();
    return monitor !== undefined && monitor === offlineMonitor && monitor instanceof MockMonitor;
}

/**
 * Loads and validates the current stack's config; throws `ConfigError` listing every problem. In a
 * real preview or update (anything but the offline plan engine) every placeholder is one of them.
 */
export function loadConfig(opts: { /** Log the ignored keys and the config's warnings. @default true */ readonly warn?: boolean } = {}): LaunchpadConfig {
    const { values, secretKeys } = readRuntimeConfig();
    for (const key of (opts.warn ?? true) ? ignoredKeys(Object.keys(pulumi.runtime.allConfig())) : []) {
        const namespace = key.slice(0, key.indexOf(":"));
        // `pulumi config set <key>` without a namespace writes the project's: a renamed project's is not launchpad.
        const why = namespace === pulumi.getProject() ? `, the project's, where \`pulumi config set\` puts a key written without one: set launchpad:${key.slice(namespace.length + 1)}` : "";
        void pulumi.log.warn(`${key} is ignored: nothing in this program reads the "${namespace}" namespace (Launchpad's own keys are launchpad:*)${why}`);
    }
    const offlinePlan = isOfflinePlan();
    const config = parseConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values,
        secretKeys,
        // A real run reads the per-leaf marks from the stack file the CLI read (config/stack-file.ts).
        secretPaths: offlinePlan ? offlineSecretPaths : stackFileSecretPaths(process.cwd(), pulumi.getProject(), pulumi.getStack(), secretKeys),
        offlinePlan,
        // The Grafana provider falls back to GRAFANA_AUTH in this process's environment; the offline plan reads none.
        env: offlinePlan ? {} : { GRAFANA_AUTH: process.env.GRAFANA_AUTH },
        // A real run runs in the project directory, beside the stack files (as stackFileSecretPaths reads them).
        stackFiles: offlinePlan ? offlineStackFiles : stackFileNames(process.cwd()),
    });
    for (const warning of (opts.warn ?? true) ? config.warnings : []) {
        void pulumi.log.warn(warning);
    }
    return config;
}
