/**
 * Reads the stack's config from the Pulumi runtime once and parses it.
 *
 * The runtime holds every value as a string (objects as JSON); this is the only place that knows
 * it. `index.ts` calls `loadConfig()` before it registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { parseConfig, type LaunchpadConfig } from "./parse";
import { OBJECT_KEYS } from "./schema";

/** Provider keys Launchpad reads besides its own namespace. */
const PROVIDER_KEYS = ["aws:region", "grafana:url", "grafana:auth"] as const;

// `isConfigSecret` is exported by the runtime module but left out of its typings.
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

/**
 * The runtime's config as `ConfigInput` values: `launchpad:*` and the provider keys, objects decoded.
 * A value that should be an object but is not JSON is passed on as the raw string, so the schema
 * reports it with the key's name like any other wrong type.
 */
export function readRuntimeConfig(): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const all = pulumi.runtime.allConfig();
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [key, raw] of Object.entries(all)) {
        const isOurs = key.startsWith(`launchpad:`) || (PROVIDER_KEYS as readonly string[]).includes(key);
        if (!isOurs) {
            continue;
        }
        const name = key.slice(key.indexOf(":") + 1);
        values[key] = key.startsWith("launchpad:") && OBJECT_KEYS.has(name) ? decodeJson(raw) : raw;
        if (runtime.isConfigSecret?.(key) === true) {
            secretKeys.add(key);
        }
    }
    return { values, secretKeys };
}

function decodeJson(raw: string): unknown {
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return raw;
    }
}

/** Loads and validates the current stack's config; throws `ConfigError` listing every problem. */
export function loadConfig(): LaunchpadConfig {
    const { values, secretKeys } = readRuntimeConfig();
    return parseConfig({ project: pulumi.getProject(), stack: pulumi.getStack(), values, secretKeys });
}

export { ConfigError };
