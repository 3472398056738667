/**
 * Which leaves of the stack's config are secure, read from `Pulumi.<stack>.yaml` beside the program.
 *
 * The Pulumi runtime marks whole keys secret: a plain-text Slack webhook beside a secure PagerDuty
 * key arrives as one secret object, and a per-leaf rule ("this field must be secure") could not
 * tell. The stack file the CLI read says it per leaf (`secure:` nodes), so a real preview or update
 * checks the same per-leaf rules as the offline plan. Only when the file accounts for every secret
 * key the runtime reports: config that came from elsewhere (an ESC environment, `--config`) falls
 * back to per-key secretness rather than be judged by a file that does not describe it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { configPath } from "./placeholders";
import { isSecureNode } from "./secure-node";

type PathPart = string | number;

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Every `secure:` leaf under `value`, as `pulumi config set --path` spells it. */
function collect(value: unknown, key: string, parts: PathPart[], out: Set<string>): void {
    if (isRecord(value)) {
        if (isSecureNode(value)) {
            out.add(configPath(key, parts));
            return;
        }
        for (const [k, v] of Object.entries(value)) collect(v, key, [...parts, k], out);
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => collect(v, key, [...parts, i], out));
    }
}

/** The secure leaves of a stack file's `config:` section, keys in full (`<project>:<key>` where the file omits the namespace). */
export function secureLeafPaths(doc: unknown, project: string): Set<string> {
    const out = new Set<string>();
    const config = isRecord(doc) && isRecord(doc.config) ? doc.config : {};
    for (const [key, value] of Object.entries(config)) {
        collect(value, key.includes(":") ? key : `${project}:${key}`, [], out);
    }
    return out;
}

/**
 * The secure leaves of `Pulumi.<stack>.yaml` in `dir`, or undefined when there is no such file, it
 * does not parse, or it does not account for every key in `secretKeys` (see above).
 */
export function stackFileSecretPaths(dir: string, project: string, stack: string, secretKeys: ReadonlySet<string>): Set<string> | undefined {
    const file = join(dir, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(file)) {
        return undefined;
    }
    let paths: Set<string>;
    try {
        // Merge keys resolved, as the CLI's gopkg.in/yaml.v3 resolves them.
        paths = secureLeafPaths(parseYaml(readFileSync(file, "utf8"), { merge: true }), project);
    } catch {
        return undefined;
    }
    const keysOfPaths = new Set([...paths].map((p) => /^[^.[]+/.exec(p)?.[0] ?? p));
    return [...secretKeys].every((k) => keysOfPaths.has(k)) ? paths : undefined;
}

export { stackFileNames } from "./stack-file-names";
