/**
 * What the parser is given (`ConfigInput`), and the helpers rules use to read it as the stack wrote
 * it: whether a field was set or defaulted, one field parsed on its own.
 */
import { z } from "zod";

export interface ConfigInput {
    readonly project: string;
    readonly stack: string;
    /** Full key (`launchpad:network`, `aws:region`) to its value, objects already decoded from JSON. */
    readonly values: Readonly<Record<string, unknown>>;
    /** Full keys the stack holds as secrets (a key is secret when any value inside it is). */
    readonly secretKeys: ReadonlySet<string>;
    /**
     * The secure leaves (`launchpad:alerting.slackWebhookUrl`), where the caller knows them: the
     * offline plan reads the stack file; a real run's runtime marks whole keys only.
     * @default - unknown: a leaf counts as secure when its key is secret
     */
    readonly secretPaths?: ReadonlySet<string>;
    /**
     * The current time, for rules about times: a restore time may not be in the future, and the EKS
     * and RDS versions must be in standard support on this (UTC) day.
     * Default: `runDate()`, i.e. `LAUNCHPAD_TODAY` when set, else now.
     */
    readonly now?: Date;
    /**
     * True only for the offline plan (`plan/engine.ts`, and offline tools reading a stack file):
     * placeholders are allowed and listed in `LaunchpadConfig.placeholders`, and an absent required
     * secret is stood in by a secret. Unset, as in every real run, each placeholder is a problem.
     */
    readonly offlinePlan?: boolean;
    /** Environment variables a provider reads in place of config (`GRAFANA_AUTH`). Default: none. */
    readonly env?: Readonly<Record<string, string | undefined>>;
    /**
     * The stacks with a stack file in the project directory (`stackFileNames`, config/stack-file.ts), where
     * the caller knows them: a promotion source among none of them is a warning.
     * @default - unknown: no such warning
     */
    readonly stackFiles?: readonly string[];
}

/** `"1.36" or "1.35"`: allowed values as a message lists them. */
export function either(values: readonly string[]): string {
    const quoted = values.map((v) => JSON.stringify(v));
    if (quoted.length === 0) {
        return "none is listed (lib/versions.ts needs the newer calendar)";
    }
    return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/** True when the stack sets `field` inside the object key `key` (as opposed to taking its default). */
export function isSet(input: ConfigInput, key: string, field: string): boolean {
    const value = input.values[key];
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[field] !== undefined;
}

/**
 * A field of an object key as the field's own schema reads it (its default applied when unset), so
 * a rule on it runs even when another field of the same key is wrong. Undefined when the key is not
 * an object or the field itself does not parse (its own problem is reported already).
 */
export function fieldOf<T>(schema: z.ZodType<T>, input: ConfigInput, key: string, field: string): T | undefined {
    const value = input.values[key] ?? {};
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return undefined;
    }
    const parsed = schema.safeParse((value as Record<string, unknown>)[field]);
    return parsed.success ? parsed.data : undefined;
}

/** Describes a value for a message, masked when any of `keys` is held as a secret. */
export type Show = (value: unknown, ...keys: string[]) => string;

/**
 * Decimal text, as the Pulumi CLI stores a fraction: `pulumi config set --path <key> 0.05` types only
 * `true`/`false` and base-10 integers without a leading zero, and keeps every other value as text
 * (pulumi/pulumi sdk/go/common/resource/config/object.go `coerce`), so a real run hands the program
 * `"0.05"` where the offline plan's YAML read 0.05.
 */
const DECIMAL_TEXT_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A number field that also takes the decimal text the CLI stores (`DECIMAL_TEXT_RE`), read as the
 * number it spells, as the Node SDK's own `Config.getNumber` reads a string value; any other text
 * stays a problem of `schema`.
 */
export function cliNumber<T extends z.ZodType<number, number>>(schema: T): z.ZodPreprocess<T, unknown> {
    return z.preprocess((v) => (typeof v === "string" && DECIMAL_TEXT_RE.test(v) ? Number(v) : v), schema);
}
