/**
 * Turns Pulumi's wire format (as the resource monitor receives it) into plain JSON for the plan:
 * secrets become "[secret]", resource references their URN, unknowns "[unknown]", assets a label.
 *
 * A secret map shows its keys, each value "[secret]": `@pulumi/kubernetes` wraps a Secret's whole
 * `data` and `stringData` in one secret (`core/v1/secret.js`), and the keys are what a pod's
 * `secretKeyRef` must name (the deployability preflight checks them). Values never show.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The marker key of Pulumi's special wire values and the signatures of each kind. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_TEXT = "[secret]";
export const UNKNOWN_TEXT = "[unknown]";

/** A secret's rendering: a plain map as its sorted keys with every value "[secret]"; anything else "[secret]". */
function secretText(value: unknown): Json {
    if (value === null || typeof value !== "object" || Array.isArray(value) || SIG_KEY in value) {
        return SECRET_TEXT;
    }
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
        if ((value as Record<string, unknown>)[key] !== undefined) out[key] = SECRET_TEXT;
    }
    return out;
}

export function renderValue(value: unknown): Json {
    if (value === undefined || value === null) {
        return null;
    }
    if (value === UNKNOWN) {
        return UNKNOWN_TEXT;
    }
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map(renderValue);
    }
    if (typeof value === "object") {
        const obj = value as Record<string, unknown>;
        switch (obj[SIG_KEY]) {
            case SECRET_SIG:
                return secretText(obj.value);
            case RESOURCE_SIG:
                return typeof obj.urn === "string" ? obj.urn : UNKNOWN_TEXT;
            case OUTPUT_SIG:
                return obj.secret === true ? ("value" in obj ? secretText(obj.value) : SECRET_TEXT) : "value" in obj ? renderValue(obj.value) : UNKNOWN_TEXT;
            case ASSET_SIG:
                return `[asset ${typeof obj.path === "string" ? obj.path : typeof obj.uri === "string" ? obj.uri : "text"}]`;
            case ARCHIVE_SIG:
                return "[archive]";
            default: {
                const out: { [key: string]: Json } = {};
                for (const key of Object.keys(obj).sort()) {
                    if (obj[key] !== undefined) {
                        out[key] = renderValue(obj[key]);
                    }
                }
                return out;
            }
        }
    }
    return typeof value === "bigint" ? value.toString() : null;
}
