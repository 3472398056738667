/**
 * Placeholders: what lets the committed stacks plan offline from a fresh clone, but is nobody's real
 * setting, so a real `pulumi preview` or `pulumi up` refuses it.
 *
 * - Documentation addresses (RFC 5737): 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, and any
 *   block or address inside them. No real network uses them.
 * - Reserved example domains (RFC 2606 and RFC 6761): example.com, example.net, example.org, their
 *   subdomains and the `.example` top-level domain, as a host name, in a URL or in an e-mail address.
 * - Images of the example organization `acme` (`ghcr.io/acme/api:1.4.2`, `acme/api:1`), and its
 *   repositories on a public code host (`https://github.com/acme/launchpad/...`), the default
 *   `launchpad:observability.runbookBaseUrl` included: once `grafana:url` is set every alert links
 *   its runbook there.
 * - A secret the stack's own choices require (`grafana:auth` once `grafana:url` is set, say) that
 *   nobody has set. Stack files hold no fake ciphertext: a `secure:` value that no secrets provider
 *   encrypted stops the real CLI before the program runs (the passphrase provider answers "bad
 *   value", pulumi/pulumi `sdk/go/common/resource/config/crypt.go`; Pulumi Cloud's base64 decoding
 *   "illegal base64 data", `pkg/secrets/service/manager.go`).
 *
 * This module is the one place that knows them. Each placeholder names its config key as
 * `pulumi config set --path` spells it and the exact command that replaces it.
 */
import { contains, DOCUMENTATION_RANGES, parseCidr } from "../lib/cidr";
import { parseImageRef } from "../lib/image";
import { isUnder } from "./errors";
import { DEFAULT_RUNBOOK_BASE_URL } from "./observability";
import { RELEASE_ID_KEY } from "./release-key";
import { SECRET_PATHS, type RawConfig } from "./schema";
import type { Safety } from "./tier";

/** The value an absent required secret takes in the offline plan: always wrapped as a secret, never shown. */
export const OFFLINE_SECRET = "offline-plan-secret-placeholder";

/** The offline plan's stand-in for a required plain value that is not set (a real run refuses it). */
export const OFFLINE_REQUIRED = "https://not-set.invalid/required-before-the-first-deploy";

/** RFC 2606 section 3: second-level domains reserved for examples. */
export const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org"] as const;

/** RFC 2606 section 2: the top-level domain reserved for examples. */
const EXAMPLE_TLD = "example";

/** The organization the committed stacks' images use as an example. */
export const EXAMPLE_IMAGE_ORG = "acme";

/** Public code hosts whose first path segment is the owner: `https://github.com/acme/...` is the example organization's. */
export const CODE_HOSTS = ["github.com", "gitlab.com", "bitbucket.org"] as const;

/** Account IDs the AWS documentation writes its example ARNs with. */
export const EXAMPLE_ACCOUNT_IDS = ["111122223333", "123456789012", "444455556666"] as const;

export type PlaceholderKind = "secret" | "required" | "documentation-range" | "example-domain" | "example-image" | "example-repository" | "example-account";

export interface Placeholder {
    /** The config key as `pulumi config set --path` spells it: `launchpad:cluster.endpointPublicAccessCidrs[0]`. */
    readonly key: string;
    readonly kind: PlaceholderKind;
    /** The value the stack holds; `"[secret]"` inside a key the stack holds as a secret; null when a required secret is not set. */
    readonly value: string | null;
    /** Why a real run refuses it: "a documentation range (RFC 5737)", "required since grafana:url is set". */
    readonly reason: string;
    /** The exact command that replaces it, with `<what to put>` for the value. */
    readonly fix: string;
}

export interface PlaceholderContext {
    readonly stack: string;
    /** Top-level keys the stack holds as secrets: no value inside them is shown. */
    readonly secretKeys: ReadonlySet<string>;
    /** The tier's rules; undefined when the tier did not parse (no tier-driven secret is then required). */
    readonly safety: Safety | undefined;
    /** Environment variables providers read in place of config: `GRAFANA_AUTH`. Empty offline. */
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Keys the stack sets but that did not parse: their problems are reported already, so none of them is "not set". */
    readonly failedKeys: ReadonlySet<string>;
}

type Parsed = Partial<RawConfig>;
type PathPart = string | number;

/** A path as `pulumi config set --path` takes it: `.field`, `[index]`, `["odd-field"]`. */
export function configPath(key: string, parts: readonly PathPart[]): string {
    let out = key;
    for (const part of parts) {
        out += typeof part === "number" ? `[${part}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
    }
    return out;
}

/** The command that sets `key` to `value` in `stack`, quoted for a POSIX shell where the key needs it. */
export function setCommand(key: string, value: string, stack: string, secret: boolean): string {
    const path = key.includes(".") || key.includes("[");
    const quoted = /^[A-Za-z0-9_:.-]+$/.test(key) ? key : `'${key}'`;
    return `pulumi config set${secret ? " --secret" : ""}${path ? " --path" : ""} ${quoted} ${value} --stack ${stack}`;
}

/** True for a reserved example domain or a name under one (case and a trailing dot ignored). */
export function isExampleDomain(host: string): boolean {
    const h = host.toLowerCase().replace(/\.$/, "");
    return h === EXAMPLE_TLD || h.endsWith(`.${EXAMPLE_TLD}`) || EXAMPLE_DOMAINS.some((d) => h === d || h.endsWith(`.${d}`));
}

const IPV4_RE = /^\d+\.\d+\.\d+\.\d+$/;

/** True for an address or a block inside a documentation range. */
export function isDocumentationAddress(text: string): boolean {
    const block = parseCidr(IPV4_RE.test(text) ? `${text}/32` : text);
    return block !== undefined && DOCUMENTATION_RANGES.some((r) => contains(r, block));
}

const HOST_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?\.?$/i;

/** The host a value names: a URL's, an e-mail address's domain, or the value itself when it is a host name. */
function hostOf(value: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        try {
            return new URL(value).hostname;
        } catch {
            return undefined;
        }
    }
    const at = /^[^@\s]+@([^@\s]+)$/.exec(value);
    if (at !== null) {
        return at[1];
    }
    return HOST_RE.test(value) ? value : undefined;
}

/** Registry host and repository path of an image reference (Docker Hub when the first part is no host). */
function imageParts(image: string): { registry: string | undefined; path: string[] } | undefined {
    const ref = parseImageRef(image);
    if (ref === undefined) {
        return undefined;
    }
    const parts = ref.repository.split("/");
    const hasRegistry = parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost");
    return hasRegistry ? { registry: parts[0].replace(/:\d+$/, ""), path: parts.slice(1) } : { registry: undefined, path: parts };
}

const DOCUMENTATION_REASON = "a documentation range (RFC 5737)";
const EXAMPLE_DOMAIN_REASON = "a reserved example domain (RFC 2606)";
const EXAMPLE_IMAGE_REASON = `an image of the example organization "${EXAMPLE_IMAGE_ORG}"`;
const EXAMPLE_ACCOUNT_REASON = "an ARN in an example AWS account (the AWS documentation's)";
const EXAMPLE_REPOSITORY_REASON = `a repository of the example organization "${EXAMPLE_IMAGE_ORG}"`;

/** A URL into a repository of the example organization on a public code host (`https://github.com/acme/launchpad`). */
export function isExampleRepositoryUrl(value: string): boolean {
    if (!/^https?:\/\//i.test(value)) {
        return false;
    }
    try {
        const url = new URL(value);
        return (CODE_HOSTS as readonly string[]).includes(url.hostname.toLowerCase()) && url.pathname.split("/")[1]?.toLowerCase() === EXAMPLE_IMAGE_ORG;
    } catch {
        return false;
    }
}

/** An ARN (`arn:<partition>:<service>:<region>:<account>:...`) in one of the example accounts. */
export function isExampleAccountArn(value: string): boolean {
    const parts = value.split(":");
    return parts.length >= 6 && parts[0] === "arn" && (EXAMPLE_ACCOUNT_IDS as readonly string[]).includes(parts[4]);
}

/** What a string value is a placeholder of, if anything. `field`: the field it sits in. */
function classify(value: string, field: string | undefined): { kind: PlaceholderKind; reason: string } | undefined {
    if (field === "image") {
        const image = imageParts(value);
        if (image?.registry !== undefined && isExampleDomain(image.registry)) {
            return { kind: "example-domain", reason: EXAMPLE_DOMAIN_REASON };
        }
        return image !== undefined && image.path.length > 1 && image.path[0] === EXAMPLE_IMAGE_ORG ? { kind: "example-image", reason: EXAMPLE_IMAGE_REASON } : undefined;
    }
    if (isDocumentationAddress(value)) {
        return { kind: "documentation-range", reason: DOCUMENTATION_REASON };
    }
    if (isExampleAccountArn(value)) {
        return { kind: "example-account", reason: EXAMPLE_ACCOUNT_REASON };
    }
    if (isExampleRepositoryUrl(value)) {
        return { kind: "example-repository", reason: EXAMPLE_REPOSITORY_REASON };
    }
    const host = hostOf(value);
    if (host !== undefined && isExampleDomain(host)) {
        return { kind: "example-domain", reason: EXAMPLE_DOMAIN_REASON };
    }
    if (host !== undefined && isDocumentationAddress(host)) {
        return { kind: "documentation-range", reason: DOCUMENTATION_REASON };
    }
    return undefined;
}

/** What to put in place of a placeholder, by the field it sits in, else by its kind. */
const FIELD_HINTS: Readonly<Record<string, string>> = {
    endpointPublicAccessCidrs: "<your runners' egress CIDR>",
    principalArn: "<the IAM role's ARN>",
    certificateArn: "<your ACM certificate's ARN>",
    oidcProviderArn: "<the cluster's IAM OIDC provider ARN>",
    emailAddresses: "<your team's e-mail address>",
    host: "<your host name>",
    image: "<your image>",
    prometheusUrl: "<your Prometheus query URL>",
    runbookBaseUrl: "<your runbooks' URL>",
    heartbeatUrl: "<heartbeat ping URL>",
    "grafana:url": "<your Grafana URL>",
    allowedCidrs: "<the CIDRs in launchpad:cluster.endpointPublicAccessCidrs>",
};

function hint(field: string | undefined, kind: PlaceholderKind): string {
    return (field !== undefined ? FIELD_HINTS[field] : undefined) ?? (kind === "documentation-range" ? "<your CIDR>" : "<your value>");
}

function isSecretPath(path: string): boolean {
    return isUnder(path, SECRET_PATHS);
}


/**
 * Every string inside `value` that `classify` finds a placeholder, with its path and the field it sits
 * in (the last name on the path), in the order `value` holds them. `prune` skips a path and all under it.
 */
function placeholderStrings(value: unknown, field0: string | undefined, prune: (parts: readonly PathPart[]) => boolean): { parts: PathPart[]; field: string | undefined; text: string; kind: PlaceholderKind; reason: string }[] {
    const out: { parts: PathPart[]; field: string | undefined; text: string; kind: PlaceholderKind; reason: string }[] = [];
    const walk = (v: unknown, parts: PathPart[]): void => {
        if (prune(parts)) {
            return;
        }
        if (typeof v === "string") {
            const field = parts.filter((x): x is string => typeof x === "string").pop() ?? field0;
            const found = classify(v, field);
            if (found !== undefined) {
                out.push({ parts, field, text: v, ...found });
            }
        } else if (Array.isArray(v)) {
            v.forEach((item, i) => walk(item, [...parts, i]));
        } else if (v !== null && typeof v === "object") {
            for (const [k, item] of Object.entries(v)) {
                walk(item, [...parts, k]);
            }
        }
    };
    walk(value, []);
    return out;
}

/** Every placeholder value inside one key, in the order the key holds them. */
function valuePlaceholders(key: string, value: unknown, ctx: PlaceholderContext): Placeholder[] {
    // A secret's value is never shown or judged here; an unset required one is (requiredSecrets).
    return placeholderStrings(value, key, (parts) => isSecretPath(configPath(key, parts))).map((f) => {
        const path = configPath(key, f.parts);
        return { key: path, kind: f.kind, value: ctx.secretKeys.has(key) ? "[secret]" : f.text, reason: f.reason, fix: setCommand(path, hint(f.field, f.kind), ctx.stack, false) };
    });
}

interface RequiredSecret {
    readonly key: string;
    readonly present: boolean;
    readonly reason: string;
    readonly hint: string;
    /**
     * Set as a secret.
     * @default true
     */
    readonly secret?: boolean;
}

/**
 * Secrets the stack's choices require, by top-level key: `launchpad:releaseIdKey` when
 * `launchpad:services` is a secret; the others are used only by Grafana's provider and contact
 * points, so none of them is required without `grafana:url`:
 *
 * - `grafana:auth`, unless `GRAFANA_AUTH` is in the environment (the provider's own fallback);
 * - `launchpad:alerting.slackWebhookUrl` when `launchpad:alerting.slack` is true;
 * - `launchpad:alerting.pagerDutyIntegrationKey` when `launchpad:alerting.pagerDuty` is true or the
 *   tier requires paging (`Safety.requirePaging`: production);
 * - `launchpad:alerting.heartbeatUrl` when the tier requires a heartbeat (`Safety.requireHeartbeat`:
 *   production).
 */
function requiredSecrets(p: Parsed, ctx: PlaceholderContext): ReadonlyMap<string, readonly RequiredSecret[]> {
    const out = new Map<string, RequiredSecret[]>();
    const add = (key: string, s: RequiredSecret): void => {
        out.set(key, [...(out.get(key) ?? []), s]);
    };
    if (ctx.secretKeys.has("launchpad:services")) {
        add(RELEASE_ID_KEY, { key: RELEASE_ID_KEY, present: p[RELEASE_ID_KEY] !== undefined, reason: "required since launchpad:services is a secret (it keys the release id, which goes in clear into Job names and labels)", hint: '"$(openssl rand -base64 32)"' });
    }
    if (p["grafana:url"] === undefined) {
        return out;
    }
    const alerting = p["launchpad:alerting"];
    if (alerting?.slack === true) {
        add("launchpad:alerting", { key: "launchpad:alerting.slackWebhookUrl", present: alerting.slackWebhookUrl !== undefined, reason: "required since launchpad:alerting.slack is true", hint: "<Slack incoming-webhook URL>" });
    }
    if (alerting !== undefined && (alerting.pagerDuty ?? ctx.safety?.requirePaging) === true) {
        const reason = alerting.pagerDuty === true
            ? "required since launchpad:alerting.pagerDuty is true"
            : `required since the ${p["launchpad:tier"] ?? ""} tier pages through PagerDuty when grafana:url is set`;
        add("launchpad:alerting", { key: "launchpad:alerting.pagerDutyIntegrationKey", present: alerting.pagerDutyIntegrationKey !== undefined, reason, hint: "<PagerDuty integration key>" });
    }
    if (alerting !== undefined && ctx.safety?.requireHeartbeat === true) {
        const reason = `required since the ${p["launchpad:tier"] ?? ""} tier watches its alerting pipeline (LaunchpadWatchdog) when grafana:url is set`;
        // Plain text: Grafana keeps a webhook URL as a plain setting (see SECRET_PATHS in config/schema.ts).
        add("launchpad:alerting", { key: "launchpad:alerting.heartbeatUrl", present: alerting.heartbeatUrl !== undefined, reason, hint: "<heartbeat ping URL>", secret: false });
    }
    const envAuth = ctx.env.GRAFANA_AUTH;
    add("grafana:auth", { key: "grafana:auth", present: p["grafana:auth"] !== undefined || (envAuth !== undefined && envAuth !== ""), reason: "required since grafana:url is set", hint: "<service-account token>" });
    return out;
}

/**
 * Defaults that are placeholders, by top-level key: a key left unset takes them. Only
 * `launchpad:observability.runbookBaseUrl`, whose default is this repository's runbooks under the
 * example organization (config/observability.ts `DEFAULT_RUNBOOK_BASE_URL`); its links are in the
 * Grafana alert rules only, so it matters once `grafana:url` is set, like the secrets above.
 */
function defaultPlaceholders(p: Parsed, ctx: PlaceholderContext): ReadonlyMap<string, readonly Placeholder[]> {
    const out = new Map<string, Placeholder[]>();
    if (p["grafana:url"] !== undefined && p["launchpad:observability"]?.runbookBaseUrl === undefined && isExampleRepositoryUrl(DEFAULT_RUNBOOK_BASE_URL)) {
        const key = "launchpad:observability.runbookBaseUrl";
        out.set("launchpad:observability", [{
            key,
            kind: "example-repository",
            value: DEFAULT_RUNBOOK_BASE_URL,
            reason: `the default, ${EXAMPLE_REPOSITORY_REASON} (alerts link their runbooks there)`,
            fix: setCommand(key, hint("runbookBaseUrl", "example-repository"), ctx.stack, false),
        }]);
    }
    return out;
}

/**
 * Every placeholder of a parsed config, key by key in schema order: the placeholder values inside a
 * key, the placeholder defaults it takes, then the required secrets it lacks. Keys that did not
 * parse are skipped (their problems are reported already).
 */
export function findPlaceholders(p: Parsed, keys: readonly string[], ctx: PlaceholderContext): Placeholder[] {
    const secrets = requiredSecrets(p, ctx);
    const defaults = defaultPlaceholders(p, ctx);
    const out: Placeholder[] = [];
    for (const key of keys) {
        const value = (p as Record<string, unknown>)[key];
        if (value !== undefined) {
            out.push(...valuePlaceholders(key, value, ctx));
        }
        if (!ctx.failedKeys.has(key)) {
            out.push(...(defaults.get(key) ?? []));
        }
        for (const s of secrets.get(key) ?? []) {
            if (!s.present && !ctx.failedKeys.has(key)) {
                const secret = s.secret ?? true;
                out.push({ key: s.key, kind: secret ? "secret" : "required", value: null, reason: s.reason, fix: setCommand(s.key, s.hint, ctx.stack, secret) });
            }
        }
    }
    return out;
}

/** A real run's config problem: `<key>: received <value>; expected <what>: set it with <command>`. */
export function placeholderProblem(p: Placeholder): string {
    if (p.value === null) {
        return `${p.key}: received nothing (the key is not set); expected ${p.kind === "secret" ? "a secret" : "a value"} (${p.reason}): set it with \`${p.fix}\``;
    }
    const received = p.value === "[secret]" ? p.value : JSON.stringify(p.value);
    return `${p.key}: received ${received}; expected a value of your own, not ${p.reason}: set it with \`${p.fix}\``;
}

/** Pack policies that judge only the public API endpoint of the EKS cluster Launchpad creates (aws.eks.Cluster). */
const PUBLIC_EKS_ENDPOINT_POLICIES: readonly string[] = ["eks-public-endpoint-restricted"];

/**
 * The placeholders in a stack's policy pack config (`policies/config/<stack>.json`, shown as
 * `file`): the committed one allows the EKS endpoint only the documentation range the stack file
 * starts with, so a team that replaces the stack's CIDR but not the pack's has every preview and
 * update refused by `eks-public-endpoint-restricted`. The offline plan lists them beside the
 * config's; the program does not read the pack's config, the pack does.
 */
export function packConfigPlaceholders(file: string, pack: unknown, opts: { readonly publicEksEndpoint: boolean } = { publicEksEndpoint: true }): Placeholder[] {
    // A policy that judges only the public endpoint of Launchpad's own EKS cluster refuses nothing
    // where the plan has none (an existing cluster, or endpointAccess "private": the policy returns
    // at once, policies/network.ts): its allow-list is then no placeholder of a real run.
    const prune = (parts: readonly PathPart[]): boolean => !opts.publicEksEndpoint && parts.length > 0 && PUBLIC_EKS_ENDPOINT_POLICIES.includes(String(parts[0]));
    return placeholderStrings(pack, undefined, prune).map((f) => {
        const at = configPath(String(f.parts[0]), f.parts.slice(1));
        return { key: `${file}: ${at}`, kind: f.kind, value: f.text, reason: f.reason, fix: `edit ${file}: ${at} = ${hint(f.field, f.kind)}` };
    });
}

/** One line of the offline plan's list: `<key>: <value>, <reason>`. */
export function placeholderLine(p: Placeholder): string {
    const value = p.value === null ? "not set" : p.value === "[secret]" ? p.value : JSON.stringify(p.value);
    return `${p.key}: ${value}, ${p.reason}`;
}

/**
 * The parsed config with every absent required secret stood in by `OFFLINE_SECRET`, for the offline
 * plan only: the program then builds what a real run builds, and the secret renders as `[secret]`.
 */
export function standInSecrets(p: Parsed, placeholders: readonly Placeholder[]): Parsed {
    const out: Record<string, unknown> = { ...p };
    for (const ph of placeholders.filter((x) => x.kind === "secret" || x.kind === "required")) {
        // A required secret is a top-level key (`grafana:auth`) or one field of one (`launchpad:alerting.slackWebhookUrl`).
        // A required plain value (the heartbeat URL) is stood in by a text that says what it is.
        const standIn = ph.kind === "secret" ? OFFLINE_SECRET : OFFLINE_REQUIRED;
        const [key, field] = ph.key.split(".", 2);
        out[key] = field === undefined ? standIn : { ...(out[key] as object), [field]: standIn };
    }
    return out;
}
