/**
 * A stack's config as the Pulumi CLI would hand it to the program, computed without the CLI:
 * `Pulumi.<stack>.yaml` values, `Pulumi.yaml` defaults for absent keys (the CLI applies them, the
 * SDK does not), then `--set` overrides. Secure values are never decrypted: each becomes a
 * stand-in text and its top-level key is marked secret, as the CLI marks a key holding a secret.
 */
import { readFileSync, existsSync } from "node:fs";
import { basename, join } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, visit, YAMLError, type Document, type Node as YamlNode, type ScalarTag } from "yaml";
import { ConfigError } from "../config/errors";
import { OFFLINE_SECRET } from "../config/placeholders";
import { isSecureNode } from "../config/secure-node";

/**
 * What a secure value becomes: the program sees a secret, never the ciphertext or a plaintext. The
 * same text stands in for a required secret that is not set (`config/placeholders.ts`).
 */
export const SECRET_PLACEHOLDER = OFFLINE_SECRET;

/** A usage problem (bad `--set`, unknown stack): exit code 1, unlike invalid config values. */
export class PlanInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanInputError";
    }
}

export interface ProjectConfigDeclaration {
    readonly type?: string;
    readonly description?: string;
    readonly default?: unknown;
    readonly secret?: boolean;
    readonly items?: unknown;
}

export interface ProjectFile {
    readonly name: string;
    readonly config: Readonly<Record<string, ProjectConfigDeclaration>>;
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Full key to decoded value (objects as objects), secure values replaced by `SECRET_PLACEHOLDER`. */
    readonly values: Readonly<Record<string, unknown>>;
    readonly secretKeys: ReadonlySet<string>;
    /**
     * Paths of the secure leaves (`launchpad:alerting.slackWebhookUrl`, `launchpad:tags["cost center"]`
     * in `configPath` form): what the runtime cannot tell, since it marks whole keys.
     */
    readonly secretPaths: ReadonlySet<string>;
    /**
     * The stack file's `environment:` (Pulumi ESC environments the CLI opens and merges into config,
     * pulumi/pulumi sdk/go/common/workspace/project.go ProjectStack.Environment), which the offline
     * plan cannot open: config they provide reads as unset here.
     * @default - absent: the file imports no environment
     */
    readonly escEnvironment?: unknown;
}

/** Aliases a stack file may use: enough for any real config, far too few for an alias bomb. */
export const MAX_YAML_ALIASES = 50;

const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/;
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * Plain scalars that start with a digit or a sign, read as gopkg.in/yaml.v3 reads them, which is how
 * the Pulumi CLI hands them to the program: resolve.go (v3.0.1) drops every `_`, then tries Go's
 * `strconv.ParseInt(plain, 0, 64)` (so `0x1F`, `0o17`, `0b101`, and `017` an octal 15: "Octals from
 * the 1.1 spec, spelled as 0777, are still decoded by default in v3"), then its YAML-style float. The
 * yaml package's YAML 1.2 core schema reads `017` as 17 and `1_000` as a text: the plan would show
 * another value than `pulumi up` deploys. Anything else stays a text, as there.
 */
const goNumber: ScalarTag = {
    tag: "tag:yaml.org,2002:int",
    default: true,
    identify: (v) => typeof v === "number",
    test: /^[-+]?[0-9][0-9a-zA-Z_.+-]*$/,
    resolve(text: string): unknown {
        const plain = text.replace(/_/g, "");
        if (GO_INT.test(plain)) {
            const negative = plain.startsWith("-");
            const digits = plain.replace(/^[-+]/, "");
            const [base, body] = /^0[xX]/.test(digits) ? [16, digits.slice(2)] : /^0[oO]/.test(digits) ? [8, digits.slice(2)] : /^0[bB]/.test(digits) ? [2, digits.slice(2)] : /^0[0-7]/.test(digits) ? [8, digits.slice(1)] : [10, digits];
            const value = parseInt(body, base);
            return negative ? -value : value;
        }
        return GO_FLOAT.test(plain) ? parseFloat(plain) : text;
    },
};

/**
 * `!!binary` scalars as gopkg.in/yaml.v3 reads them for the CLI: base64 (line breaks ignored, as Go's
 * decoder ignores \r and \n), decoded into a string (decode.go `scalar`, v3.0.1: `resolved =
 * string(data)`), or the file is refused ("!!binary value contains invalid base64 data"). The yaml
 * package made a byte array of it, which config then showed as {"0":105,...} and refused.
 */
const goBinary: ScalarTag = {
    tag: "tag:yaml.org,2002:binary",
    identify: () => false,
    resolve(text: string, onError: (message: string) => void): unknown {
        const b64 = text.replace(/[\r\n]/g, "");
        if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
            onError("!!binary value contains invalid base64 data");
            return text;
        }
        return Buffer.from(b64, "base64").toString("utf8");
    },
};

/**
 * A stack or project file as YAML. A file the CLI could not read either (bad syntax, tabs, duplicate
 * keys, too many aliases, a `<<` merge it refuses) is a config problem, exit 2: the file, line and
 * column, never a stack trace.
 */
function readYaml(path: string, stack: string): unknown {
    const file = basename(path);
    const text = readFileSync(path, "utf8");
    const known = parsedYaml.get(text);
    if (known !== undefined) {
        return structuredClone(known.value);
    }
    const value = parseYamlFile(text, file, stack);
    parsedYaml.set(text, { value: structuredClone(value) });
    if (parsedYaml.size > PARSED_YAML_KEPT) {
        parsedYaml.delete(parsedYaml.keys().next().value as string);
    }
    return value;
}

/**
 * The files parsed so far, by their text: every plan reads Pulumi.yaml and its stack file, and a
 * process that plans many times (a test worker, rollback's checks) parsed the same few texts each
 * time, about 4 ms a plan. Only files that parsed: a refusal is raised afresh. Callers get a copy.
 */
const parsedYaml = new Map<string, { readonly value: unknown }>();
const PARSED_YAML_KEPT = 32;

function parseYamlFile(text: string, file: string, stack: string): unknown {
    try {
        // The CLI reads stack files with gopkg.in/yaml.v3 (pulumi/pulumi sdk/go/common/encoding/marshal.go),
        // which resolves `<<` merge keys: so does this reading.
        const lineCounter = new LineCounter();
        const doc = parseDocument(text, { uniqueKeys: true, merge: true, lineCounter, customTags: (tags) => [goNumber, goBinary, ...(Array.isArray(tags) ? tags : [])] });
        if (doc.errors.length > 0) {
            throw doc.errors[0];
        }
        const merge = mergeProblem(doc, lineCounter);
        if (merge !== undefined) {
            throw new ConfigError(stack, [`${file} ${merge}`]);
        }
        return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
    } catch (e) {
        if (e instanceof YAMLError) {
            const at = e.linePos?.[0];
            const where = at !== undefined ? ` line ${at.line}, column ${at.col}` : "";
            const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
            throw new ConfigError(stack, [`${file}${where}: received YAML that does not parse (${reason}); expected a YAML mapping (spaces for indentation, each key once, at most ${MAX_YAML_ALIASES} aliases)`]);
        }
        if (e instanceof ReferenceError || e instanceof RangeError) {
            // yaml throws these for alias expansion beyond maxAliasCount.
            throw new ConfigError(stack, [`${file}: received YAML that does not parse (${e.message}); expected at most ${MAX_YAML_ALIASES} aliases`]);
        }
        throw e;
    }
}

/** What a YAML node is, for a message, without its text (a merged scalar could be anything). */
function describeNode(node: unknown): string {
    if (isSeq(node)) return "a list";
    if (isMap(node)) return "a mapping";
    if (!isScalar(node) || node.value === null) return "nothing";
    return typeof node.value === "string" ? "a text" : `a ${typeof node.value}`;
}

/**
 * The first `<<` merge key gopkg.in/yaml.v3 would refuse, as `line L, column C: <problem>`: a second
 * `<<` in one mapping (its decoder checks every key, `<<` included, for uniqueness: decode.go
 * `mapping`, "mapping key already defined"), or a merge of anything but a mapping, an alias of one, or
 * a list of those (decode.go `merge`, "map merge requires map or sequence of maps as the value";
 * v3.0.1). The yaml package merges the first silently and throws a bare Error for the second.
 */
function mergeProblem(doc: Document, lines: LineCounter): string | undefined {
    const at = (node: { range?: readonly number[] | null } | null | undefined): string => {
        const pos = lines.linePos(node?.range?.[0] ?? 0);
        return `line ${pos.line}, column ${pos.col}`;
    };
    const source = (node: unknown): YamlNode | null => (isAlias(node) ? (node.resolve(doc) ?? null) : (node as YamlNode | null));
    let problem: string | undefined;
    visit(doc, {
        Map(_, map) {
            const merges = map.items.filter((p) => isScalar(p.key) && typeof p.key.value === "symbol" && p.key.value.description === "<<");
            if (merges.length > 1) {
                problem = `${at(merges[1].key as YamlNode)}: received a second "<<" merge key in one mapping (the first at ${at(merges[0].key as YamlNode)}); expected each key once, as the Pulumi CLI's YAML reader requires: merge several mappings with "<<: [*a, *b]"`;
                return visit.BREAK;
            }
            for (const pair of merges) {
                // A list written in place merges each of its mappings; an alias must name a mapping itself (yaml.v3's AliasNode case).
                const items = isSeq(pair.value) ? pair.value.items.map((item) => ({ node: item, resolved: source(item) })) : [{ node: pair.value, resolved: source(pair.value) }];
                const bad = items.find((item) => !isMap(item.resolved));
                if (bad !== undefined) {
                    problem = `${at((bad.node ?? pair.key) as YamlNode)}: received a "<<" merge of ${isAlias(bad.node) ? "an alias of " : ""}${describeNode(bad.resolved)}; expected a mapping, an alias of a mapping, or a list written in place of those (the Pulumi CLI's YAML reader refuses anything else)`;
                    return visit.BREAK;
                }
            }
            return undefined;
        },
    });
    return problem;
}

/** What a YAML node is, for a message: a list, a text, a number. */
function describeYaml(v: unknown): string {
    return Array.isArray(v) ? "a list" : typeof v === "string" ? `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}` : `the ${typeof v} ${JSON.stringify(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Full config key: project keys may be written without their namespace. */
export function fullKey(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * What the Pulumi CLI refuses in a Pulumi.yaml `config:` entry, refusing the whole project file
 * (pulumi/pulumi sdk/go/common/workspace/project.go `Project.Validate`, commit 0351806): a key of
 * another namespace than the project's (`configKeyIsNamespacedByProject`: no ':' or `<project>:`) may
 * not declare a type or a default, and must give a value. The block Launchpad generates declares its
 * `launchpad:` keys, which the project's own namespace only while it is named launchpad: renamed, the
 * CLI refuses every command, so the offline plan does too, with the way out.
 */
export function projectConfigProblem(project: string, key: string, decl: unknown): string | undefined {
    if (!key.includes(":") || key.startsWith(`${project}:`) || !isRecord(decl)) {
        return undefined;
    }
    const pulumiSays = "type" in decl
        ? `Configuration key '${key}' is not namespaced by the project and should not define a type`
        : "default" in decl
          ? `Configuration key '${key}' is not namespaced by the project and should not define a default value`
          : !("value" in decl)
            ? `Configuration key '${key}' is namespaced and must provide an attribute 'value'`
            : undefined;
    return pulumiSays === undefined
        ? undefined
        : `Pulumi.yaml: ${pulumiSays} (the Pulumi CLI refuses the project file: pulumi/pulumi sdk/go/common/workspace/project.go Project.Validate); ` +
            `the project is named ${JSON.stringify(project)}, so the config block may no longer declare Launchpad's keys: run \`npm run docs:config\`, which writes the block a renamed project can have (docs/operations.md, "Renaming the project")`;
}

export function readProjectFile(root: string): ProjectFile {
    const doc = readYaml(join(root, "Pulumi.yaml"), "(project)");
    if (!isRecord(doc) || typeof doc.name !== "string") {
        throw new PlanInputError("Pulumi.yaml: expected a mapping with a `name`");
    }
    const config: Record<string, ProjectConfigDeclaration> = {};
    for (const [key, decl] of Object.entries(isRecord(doc.config) ? doc.config : {})) {
        const problem = projectConfigProblem(doc.name, key, decl);
        if (problem !== undefined) {
            throw new PlanInputError(problem);
        }
        // A bare value in project config is a default with no declaration.
        config[fullKey(key, doc.name)] = isRecord(decl) && ("type" in decl || "default" in decl || "description" in decl) ? decl : { default: decl };
    }
    return { name: doc.name, config };
}

/** Replaces every `{ secure: ... }` node by `SECRET_PLACEHOLDER`, adding each one's path to `secrets`. */
function stripSecure(value: unknown, path: string, secrets: Set<string>): unknown {
    if (isRecord(value)) {
        if (isSecureNode(value)) {
            secrets.add(path);
            return SECRET_PLACEHOLDER;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripSecure(v, configPath(path, [k]), secrets)]));
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => stripSecure(v, configPath(path, [i]), secrets));
    }
    return value;
}

/** `value` with every scalar leaf a secret (`pulumi config set --secret` of a list or map), each path recorded. */
function secureLeaves(value: unknown, path: string, secrets: Set<string>): unknown {
    if (Array.isArray(value)) return value.map((v, i) => secureLeaves(v, configPath(path, [i]), secrets));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secureLeaves(v, configPath(path, [k]), secrets)]));
    secrets.add(path);
    return SECRET_PLACEHOLDER;
}

type PathPart = string | number;

/**
 * Parses a `pulumi config set --path` key: `launchpad:nodeGroup.maxSize`, `tags["cost-center"]`,
 * `cluster.endpointPublicAccessCidrs[0]`. The first part is the config key (namespace optional).
 */
export function parseConfigPath(path: string, project: string): [string, ...PathPart[]] {
    const head = /^[^.[\]]+/.exec(path);
    if (!head) {
        throw new PlanInputError(`--set: cannot read the key in ${JSON.stringify(path)}`);
    }
    const parts: PathPart[] = [];
    let rest = path.slice(head[0].length);
    const step = /^(?:\.([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;
    while (rest.length > 0) {
        const m = step.exec(rest);
        if (!m) {
            throw new PlanInputError(`--set: cannot read ${JSON.stringify(rest)} in the path ${JSON.stringify(path)} (use .field, [index] or ["quoted.field"])`);
        }
        parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`) as string));
        rest = rest.slice(m[0].length);
    }
    return [fullKey(head[0], project), ...parts];
}

/** A leaf's path as `--set` writes it: `.field` where the field is a plain word, `["field"]` otherwise, `[index]`. */
export function configPath(key: string, path: readonly PathPart[]): string {
    return key + path.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join("");
}

/** True when `path` is `prefix` or lies inside it. */
function within(path: string, prefix: string): boolean {
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Sets `value` at `path` inside `root`, creating objects and lists on the way as the CLI does. */
function setPath(root: Record<string, unknown>, key: string, path: readonly PathPart[], value: unknown): void {
    if (path.length === 0) {
        own(root, key, value);
        return;
    }
    let container: Record<string | number, unknown> | unknown[] = (ownValue(root, key) ?? own(root, key, typeof path[0] === "number" ? [] : {})) as Record<string, unknown>;
    for (let i = 0; i < path.length; i++) {
        const part = path[i];
        const last = i === path.length - 1;
        if (typeof part === "number" ? !Array.isArray(container) : !isRecord(container)) {
            // The value there is not shown: it may be a secret.
            throw new PlanInputError(`--set ${key}: ${JSON.stringify(part)} does not fit the value there (${Array.isArray(container) ? "a list" : container === null || typeof container !== "object" ? "a plain value" : "an object"})`);
        }
        const slot: Record<string | number, unknown> = container;
        if (last) {
            own(slot, part, value);
        } else {
            container = (ownValue(slot, part) ?? own(slot, part, typeof path[i + 1] === "number" ? [] : {})) as Record<string, unknown>;
        }
    }
}

// A path's fields are the object's own: `services.constructor` or `tags.__proto__` must reach (or
// make) that key, as the CLI's map does, not Object.prototype's member of that name.
function ownValue(container: Record<string | number, unknown>, part: string | number): unknown {
    return Object.hasOwn(container, part) ? container[part] ?? undefined : undefined;
}

function own<T>(container: Record<string | number, unknown>, part: string | number, value: T): T {
    Object.defineProperty(container, part, { value, writable: true, enumerable: true, configurable: true });
    return value;
}

/**
 * Parses `key=value`; the value is YAML (`5`, `true`, `[a, b]`, `{x: 1}`, `"text"`), but a value of
 * several lines is text: a kubeconfig or a certificate (`--set-secret "cluster.kubeconfig=$(cat
 * kubeconfig.yaml)"`), which `pulumi config set --path` also keeps as a string (only `true`, `false`
 * and integers are typed), not the YAML document it happens to be.
 */
export function parseSet(text: string, project: string, flag: "--set" | "--set-secret" = "--set"): { key: string; path: PathPart[]; value: unknown } {
    const eq = text.indexOf("=");
    if (eq <= 0) {
        // A --set-secret's text is never shown: without its "=" it may be the secret alone (`--set-secret tok3n`).
        throw new PlanInputError(`${flag} expects <key>=<value>, received ${flag === "--set-secret" ? "a text without a key before an \"=\" (not shown: it may be the secret)" : JSON.stringify(text)}`);
    }
    const [name, raw] = [text.slice(0, eq), text.slice(eq + 1)];
    const [key, ...path] = parseConfigPath(name, project);
    if (raw.trim().includes("\n")) {
        return { key, path, value: raw };
    }
    let value: unknown;
    try {
        value = parseYaml(raw) as unknown;
    } catch (e) {
        // `*`, `&`, `!`, `{`, `[`, `:` and friends start YAML syntax; a text beginning with one is quoted.
        if (flag === "--set-secret") {
            // The parser's message quotes the text (an alias's name, the line): none of a secret reaches the terminal or a CI log.
            throw new PlanInputError(`--set-secret ${name}: received a value that is not YAML (not shown: it is a secret); expected a YAML value: quote a text, as in --set-secret '${name}="<value>"'`);
        }
        throw new PlanInputError(`--set ${name}: received ${JSON.stringify(raw)}, which is not YAML (${(e as Error).message.split("\n")[0]}); expected a YAML value: quote a text, as in --set '${name}="${raw.replace(/"/g, '\\"')}"'`);
    }
    return { key, path, value: value ?? null };
}

export interface LoadStackOptions {
    readonly root: string;
    readonly stack: string;
    /** `key=value` overrides, applied in order after defaults; each leaves the value it sets plain. */
    readonly sets?: readonly string[];
    /**
     * `key=value` overrides held as secrets (`pulumi config set --secret --path`), applied after
     * `sets`: each value becomes `SECRET_PLACEHOLDER` and its path secret. @default none
     */
    readonly secretSets?: readonly string[];
}

/** The config the CLI would give the program for this stack, plus the overrides. */
export function loadStackConfig(opts: LoadStackOptions): StackConfig {
    const project = readProjectFile(opts.root);
    const stackPath = join(opts.root, `Pulumi.${opts.stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.stack) || !existsSync(stackPath)) {
        throw new PlanInputError(`unknown stack ${JSON.stringify(opts.stack)}: no Pulumi.${opts.stack}.yaml in ${opts.root}`);
    }
    const doc = readYaml(stackPath, opts.stack);
    // The CLI unmarshals the file into a ProjectStack whose `config` is a map (pulumi/pulumi
    // sdk/go/common/workspace/loaders.go LoadProjectStackBytes): anything else it refuses; an empty file is no config.
    const file = `Pulumi.${opts.stack}.yaml`;
    if (doc !== null && doc !== undefined && !isRecord(doc)) {
        throw new ConfigError(opts.stack, [`${file}: received ${describeYaml(doc)}; expected a mapping (a \`config:\` key holding the stack's settings)`]);
    }
    const config = doc?.config;
    if (config !== undefined && config !== null && !isRecord(config)) {
        throw new ConfigError(opts.stack, [`${file} config: received ${describeYaml(config)}; expected a mapping of config keys to values`]);
    }
    const raw = config ?? {};
    const values: Record<string, unknown> = {};
    const secretPaths = new Set<string>();
    for (const [key, value] of Object.entries(raw)) {
        const k = fullKey(key, project.name);
        own(values, k, stripSecure(value, k, secretPaths));
    }
    for (const [key, decl] of Object.entries(project.config)) {
        if (!(key in values) && decl.default !== undefined) {
            values[key] = structuredClone(decl.default);
        }
    }
    const overrides = [...(opts.sets ?? []).map((text) => ({ text, secret: false })), ...(opts.secretSets ?? []).map((text) => ({ text, secret: true }))];
    for (const { text, secret } of overrides) {
        const { key, path, value } = parseSet(text, project.name, secret ? "--set-secret" : "--set");
        const at = configPath(key, path);
        // What was secret at or under this path is replaced: it keeps no secret marking.
        for (const p of [...secretPaths]) {
            if (within(p, at)) secretPaths.delete(p);
        }
        setPath(values, key, path, secret ? secureLeaves(value, at, secretPaths) : value);
    }
    // The keys holding a secure leaf, found from the keys themselves: a key may hold "." or "[" (`grafana:a[b]`), so
    // the text of a path up to its first "." or "[" is not always its key (it named `grafana:a`, and the offline plan
    // then printed the key's stand-in where a real run, marking the whole key secret, prints [secret]).
    const secretKeys = new Set(Object.keys(values).filter((k) => [...secretPaths].some((p) => within(p, k))));
    const escEnvironment = doc?.environment ?? undefined;
    return { project: project.name, stack: opts.stack, values, secretKeys, secretPaths, ...(escEnvironment !== undefined ? { escEnvironment } : {}) };
}
