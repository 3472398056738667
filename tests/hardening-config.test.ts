/**
 * Issue 13, class 2, third pass: config the real run could not take, through `npm run plan` (its
 * `planCli`, in-process) and, for stack files, the plan engine on a file of its own. Exit 2, the
 * exact `<key>: received <value>; expected <allowed>` line, never a crash.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { REPO_ROOT, runPlan } from "../plan/engine";
import { planCli } from "../scripts/plan";
import { planWithSets, refused } from "./support/config";


const MEMBER = "expected a name that is not a member of JavaScript's Object.prototype (constructor, __proto__, toString, valueOf, ...): the program keeps these maps as plain objects";
const NEW_SERVICE = '{port: 8080, releases: {blue: {image: "ghcr.io/acme/web:1.0.0"}, green: {image: "ghcr.io/acme/web:1.0.1"}}}';

const REFUSED: readonly { name: string; stack: string; sets: readonly string[]; problem: string }[] = [
    // Before: `services.constructor` walked into Object.prototype.constructor, exit 1 "does not fit the
    // value there (a plain value)"; `services.__proto__.port=1` polluted Object.prototype and every
    // object of the config reported a stray `port` (20 problems). A service named `constructor` then
    // crashed the program ("before is not iterable": its release history read the Object function).
    { name: "a service named constructor (a valid DNS label)", stack: "staging", sets: [`launchpad:services.constructor=${NEW_SERVICE}`], problem: `launchpad:services.constructor: received the key "constructor"; ${MEMBER}` },
    { name: "a service named __proto__", stack: "staging", sets: ["launchpad:services.__proto__.port=1"], problem: `launchpad:services.__proto__: received the key "__proto__"; ${MEMBER}` },
    { name: "a tag named __proto__ (was dropped without a word)", stack: "staging", sets: ["launchpad:tags.__proto__=x"], problem: `launchpad:tags.__proto__: received the key "__proto__"; ${MEMBER}` },
    { name: "an env variable named toString", stack: "production", sets: ["launchpad:services.api.env.toString=x"], problem: `launchpad:services.api.env.toString: received the key "toString"; ${MEMBER}` },
    { name: "a smoke header named hasOwnProperty", stack: "staging", sets: ["launchpad:services.api.smoke.checks[0].headers.hasOwnProperty=x"], problem: `launchpad:services.api.smoke.checks[0].headers.hasOwnProperty: received the key "hasOwnProperty"; ${MEMBER}` },
    // RDS storage autoscaling: the ceiling at least 10% above the allocation (RDS User Guide,
    // USER_PIOPS.Autoscaling, "Invalid max storage size"); 51 and 54 were accepted before.
    { name: "a storage ceiling 2% above the allocation", stack: "staging", sets: ["launchpad:database.maxAllocatedStorageGb=51"], problem: "launchpad:database.maxAllocatedStorageGb: received 51; expected a number >= 55, 10% above launchpad:database.allocatedStorageGb (50): RDS storage autoscaling refuses a lower ceiling" },
    { name: "a storage ceiling equal to the allocation", stack: "production", sets: ["launchpad:database.allocatedStorageGb=1000", "launchpad:database.maxAllocatedStorageGb=1000"], problem: "launchpad:database.maxAllocatedStorageGb: received 1000; expected a number >= 1100, 10% above launchpad:database.allocatedStorageGb (1000): RDS storage autoscaling refuses a lower ceiling" },
    { name: "a storage ceiling below the allocation", stack: "staging", sets: ["launchpad:database.allocatedStorageGb=300"], problem: "launchpad:database.maxAllocatedStorageGb: received 200; expected a number >= 330, 10% above launchpad:database.allocatedStorageGb (300): RDS storage autoscaling refuses a lower ceiling" },
];

describe("npm run plan refuses config a real run could not take (third pass): exit 2, one exact line", () => {
    it.each(REFUSED)("$name", async ({ stack, sets, problem }) => {
        expect(await planWithSets(stack, sets)).toEqual(refused(stack, problem));
    });

    it("accepts what RDS accepts: a ceiling exactly 10% above, and a tag or env named like an Object.prototype member in other case", async () => {
        const r = await planCli([
            "--stack", "staging",
            "--set", "launchpad:database.allocatedStorageGb=100",
            "--set", "launchpad:database.maxAllocatedStorageGb=110",
            "--set", "launchpad:tags.Constructor=x",
            "--set", "launchpad:services.api.env.VALUE_OF=x",
        ]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});

describe("a stack file holding an Object.prototype member as a key", () => {
    const roots: string[] = [];
    afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

    it.each([
        { name: "service constructor", from: /^ {4}api:$/m, to: "    constructor:", problem: `launchpad:services.constructor: received the key "constructor"; ${MEMBER}` },
        { name: "tag __proto__", from: /^ {4}cost-center: platform$/m, to: "    cost-center: platform\n    __proto__: x", problem: `launchpad:tags.__proto__: received the key "__proto__"; ${MEMBER}` },
    ])("$name: a config error, not a crash or a silent drop", async ({ from, to, problem }) => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-hardening-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        const text = readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8");
        expect(text).toMatch(from);
        writeFileSync(join(root, "Pulumi.s.yaml"), text.replace(from, to));
        const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([problem]);
    });
});

describe("a stack file holding YAML's infinity or NaN in a number field", () => {
    const roots: string[] = [];
    afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

    // go-yaml v3 (the CLI's YAML) reads `.inf`, `-.Inf` and `.nan` as floats; the message showed them as `null` (JSON has neither).
    it.each([
        { written: ".inf", shown: ".inf" },
        { written: "-.Inf", shown: "-.inf" },
        { written: ".nan", shown: ".nan" },
    ])("$written is named as the file spells it, not as null", async ({ written, shown }) => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-hardening-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        const text = readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8");
        const from = /^ {4}azCount: 2$/m;
        expect(text).toMatch(from);
        writeFileSync(join(root, "Pulumi.s.yaml"), text.replace(from, `    azCount: ${written}`));
        const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        const problems = (error as ConfigError).problems;
        expect(problems.some((p) => p.startsWith(`launchpad:network.azCount: received ${shown};`))).toBe(true);
        expect(problems.join("\n")).not.toContain("received null");
    });
});


describe("a stack file importing Pulumi ESC environments (environment:)", () => {
    const roots: string[] = [];
    afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

    // pulumi/pulumi sdk/go/common/workspace/project.go ProjectStack.Environment: the CLI opens them and
    // merges their config; the offline plan cannot, and used to plan as if the file had no such key.
    it("plans, saying that the environments were not opened, so their config reads as unset", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-hardening-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        const text = readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8");
        writeFileSync(join(root, "Pulumi.s.yaml"), `environment:\n  - launchpad/staging-secrets\n${text}`);
        const plan = await runPlan({ stack: "s", root });
        expect(plan.log.filter((l) => l.includes("environment:"))).toEqual([
            'warning: Pulumi.s.yaml environment: ["launchpad/staging-secrets"] is not opened by the offline plan (it reaches no Pulumi ESC): ' +
            "config those environments provide reads as unset here; `pulumi preview` opens them",
        ]);
    });
});

/** apimachinery pkg/util/validation/validation.go: labelValueFmt (qualifiedNameFmt, optional), LabelValueMaxLength 63. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every `metadata.labels` and pod template label value in a plan document, with where it sits. */
function labelValues(value: unknown, at: string, out: [string, string][] = []): [string, string][] {
    if (Array.isArray(value)) value.forEach((v, i) => labelValues(v, `${at}[${i}]`, out));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if (k === "labels" && v !== null && typeof v === "object") for (const [name, text] of Object.entries(v as Record<string, unknown>)) out.push([`${at}.labels.${name}`, String(text)]);
            else labelValues(v, `${at}.${k}`, out);
        }
    }
    return out;
}

describe("npm run plan: image tags Docker accepts give version labels the Kubernetes API server accepts", () => {
    // Before, the app.kubernetes.io/version label was the tag cut to 63 characters as it was: "1.5.0-",
    // "_build" and a long tag cut after a "-" planned with exit 0, and the API server would refuse the
    // Deployment and the gate Job at `pulumi up`.
    it.each([
        ["a tag ending in '-'", "1.5.0-", "1.5.0"],
        ["a tag starting with '_'", "_build.7", "build.7"],
        ["a tag ending in '_' and '.'", "1.5.0_.", "1.5.0"],
        ["a 100-character tag whose 63rd character is '-'", `${"a".repeat(62)}-${"b".repeat(37)}`, "a".repeat(62)],
        ["an ordinary tag, unchanged", "1.5.0-rc.1", "1.5.0-rc.1"],
    ])("%s (%s): the green release's pods carry version %s", async (_what, tag, label) => {
        const r = await planCli(["--stack", "staging", "--json", "--set", `launchpad:services.api.releases.green.image=ghcr.io/acme/api:${tag}`]);
        expect([r.code, r.stderr]).toEqual([0, ""]);
        const doc = JSON.parse(r.stdout) as { resources: { type: string; name: string; inputs: Record<string, unknown> }[] };
        const labels = doc.resources.flatMap((res) => labelValues(res.inputs, `${res.type} ${res.name}`));
        expect(labels.filter(([, v]) => v.length > 63 || !LABEL_VALUE.test(v))).toEqual([]);
        const green = doc.resources.find((res) => res.type === "kubernetes:apps/v1:Deployment" && res.name.includes("green"));
        expect((green?.inputs.metadata as { labels: Record<string, string> }).labels["app.kubernetes.io/version"]).toBe(label);
    });
});

describe("npm run plan: two services' Ingresses on one host", () => {
    const web = (ingress: string) => `launchpad:services.web={port: 8080, releases: {blue: {image: "ghcr.io/acme/web:1.0.0"}, green: {image: "ghcr.io/acme/web:1.0.1"}}, expose: {ingress: ${ingress}}}`;
    const HOST = "launchpad:services.web.expose.ingress.host: received \"api.staging.example.com\"; expected a host no other service's Ingress serves: services.api serves \"api.staging.example.com\" too";
    // Before, each planned with exit 0: the second service's Ingress would be unreachable at `pulumi up`.
    it.each([
        ["the same host and path", "{host: api.staging.example.com, className: alb}", `${HOST} (on the same path "/": one of them would get every request)`],
        // aws-load-balancer-controller docs/guide/ingress/annotations.md: an Ingress without group.name is its own implicit IngressGroup, one ALB.
        ["the same host on another path, both alb", "{host: api.staging.example.com, className: alb, path: /web}", `${HOST} (an "alb" Ingress gets a load balancer of its own, and the host's DNS record can name only one)`],
    ])("%s: exit 2", async (_what, ingress, problem) => {
        expect(await planCli(["--stack", "staging", "--set", web(ingress)])).toEqual(refused("staging", problem));
    });

    it("another host plans", async () => {
        expect((await planCli(["--stack", "staging", "--set", web("{host: web.staging.example.com, className: alb}")])).code).toBe(0);
    });
});

// Fifth pass (issue 13, class 2): one value, one problem; and values the real services would take
// differently from what the stack says.
const IN_CLEAR = "received [secret]; expected plain text: Launchpad writes this value where it is kept in clear (a pod spec, an AWS setting, a ConfigMap), so a secret goes only in a service's env values, a smoke check's headers or body, or one of cluster.kubeconfig, alerting.slackWebhookUrl, alerting.pagerDutyIntegrationKey, releaseIdKey, grafana:auth";
const PATH = 'expected an absolute URL path such as "/health/ready" (not starting with "//", which reads as a host name)';

describe("npm run plan, fifth pass: exit 2 and one exact line per value", () => {
    it.each([
        // Before: exit 0. url.Parse reads "//evil.example.com/x" as a host, and the kubelet's probe then
        // requests "/x" on the pod (kubernetes pkg/probe/http/request.go formatURL keeps the parsed path).
        { name: "a readiness path starting with //", sets: ["--set", "launchpad:services.api.health.readinessPath=//evil.example.com/x"], problem: `launchpad:services.api.health.readinessPath: received "//evil.example.com/x"; ${PATH}` },
        // Before: exit 0 (our own rule: a covered entry admits nothing new and takes one of EKS's 40 places).
        { name: "a public-endpoint CIDR listed twice", sets: ["--set", 'launchpad:cluster.endpointPublicAccessCidrs=["203.0.113.0/24","203.0.113.0/24"]'], problem: 'launchpad:cluster.endpointPublicAccessCidrs[1]: received "203.0.113.0/24"; expected a CIDR no earlier entry covers (endpointPublicAccessCidrs[0] is "203.0.113.0/24"): it admits nothing new' },
        { name: "a public-endpoint CIDR inside an earlier one", sets: ["--set", 'launchpad:cluster.endpointPublicAccessCidrs=["203.0.113.0/24","203.0.113.128/25"]'], problem: 'launchpad:cluster.endpointPublicAccessCidrs[1]: received "203.0.113.128/25"; expected a CIDR no earlier entry covers (endpointPublicAccessCidrs[0] is "203.0.113.0/24"): it admits nothing new' },
        // Before: two problems each, the safe-integer bound zod's int implies and the field's own.
        { name: "a storage size of 1e20", sets: ["--set", "launchpad:database.allocatedStorageGb=1e20"], problem: "launchpad:database.allocatedStorageGb: received 100000000000000000000; expected a number <= 65536" },
        { name: "a storage size of -1e20", sets: ["--set", "launchpad:database.allocatedStorageGb=-1e20"], problem: "launchpad:database.allocatedStorageGb: received -100000000000000000000; expected a number >= 20" },
        // Before: two problems each ("an http(s) URL" and "an https URL"), about the offline stand-in or the upper-case scheme.
        { name: "grafana:url set as a secret", sets: ["--set-secret", "grafana:url=https://grafana.example.com"], problem: `grafana:url: ${IN_CLEAR}` },
        { name: "grafana:url with an upper-case scheme", sets: ["--set", "grafana:url=HTTP://grafana.example.com"], problem: 'grafana:url: received "HTTP://grafana.example.com"; expected an http(s) URL such as "https://grafana.example.com"' },
        // Before: exit 0, and a webhook contact point to "hc-ping" (issue 12: the Watchdog goes to a heartbeat URL from config).
        { name: "a heartbeat URL that is no URL", sets: ["--set", "launchpad:alerting.heartbeatUrl=hc-ping"], problem: 'launchpad:alerting.heartbeatUrl: received "hc-ping"; expected an http(s) URL such as "https://hc-ping.com/<check uuid>"' },
    ])("$name", async ({ sets, problem }) => {
        expect(await planCli(["--stack", "staging", ...sets])).toEqual(refused("staging", problem));
    });

    it("accepts distinct CIDRs and a path with // after its first segment", async () => {
        const r = await planCli(["--stack", "staging", "--set", 'launchpad:cluster.endpointPublicAccessCidrs=["203.0.113.0/25","203.0.113.128/25"]', "--set", "launchpad:services.api.health.readinessPath=/health//ready"]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });
});

describe("a stack file whose env values pass what a Kubernetes Secret holds", () => {
    const roots: string[] = [];
    afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

    it("1 MiB and one byte of values on a color: exit 2, named (before: planned, and the API server would refuse it)", async () => {
        const root = mkdtempSync(join(tmpdir(), "launchpad-hardening-"));
        roots.push(root);
        copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
        const text = readFileSync(join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8");
        const from = /^ {8}LOG_LEVEL: info$/m;
        expect(text).toMatch(from);
        // "info" stays (4 bytes): BIG brings the color's values to 1 MiB + 1.
        writeFileSync(join(root, "Pulumi.s.yaml"), text.replace(from, `        LOG_LEVEL: info\n        BIG: ${"a".repeat(1024 * 1024 - 3)}`));
        const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual(["blue", "green"].map((c) => `launchpad:services.api.releases.${c}.env: received 1048577 bytes of values (the service's env with this color's); expected at most 1048576: a Kubernetes Secret holds at most 1 MiB (MaxSecretSize)`));
    });
});

describe("a long text where a short one belongs (found by tests/input-fuzz.test.ts)", () => {
    it("1 MB in an enum field: refused at once, shortened; before, hiding URL passwords in the message took minutes (quadratic)", async () => {
        const started = performance.now();
        expect(await planWithSets("staging", [`launchpad:cluster.access[0].access=${"x".repeat(1_000_000)}`])).toEqual(
            refused("staging", `launchpad:cluster.access[0].access: received "${"x".repeat(76)}...; expected one of "admin", "edit", "view"`),
        );
        // Before: 4 s for 40 KB, growing with the square of the length; now milliseconds (a bound for a loaded machine).
        expect(performance.now() - started).toBeLessThan(20_000);
    });
});

describe("a field name that would not read as one is quoted as `pulumi config set --path` takes it (found by tests/input-fuzz.test.ts)", () => {
    const ALLOWED = "expected no such field (allowed: cidr, azCount, natGateways, existing)";
    it.each([
        // Before: "launchpad:network. : received 3600", a field no one could find.
        { set: 'launchpad:network[" "]=3600', problem: `launchpad:network[" "]: received 3600; ${ALLOWED}` },
        // Before: "launchpad:network.a.b", read as field b of field a.
        { set: 'launchpad:network["a.b"]=1', problem: `launchpad:network["a.b"]: received 1; ${ALLOWED}` },
        { set: 'launchpad:network["tab\\there"]=1', problem: `launchpad:network["tab\\there"]: received 1; ${ALLOWED}` },
        // Before: a key with a line break split the problem over two lines.
        { set: 'launchpad:network["cidr\\nb"]=1', problem: `launchpad:network["cidr\\nb"]: received 1; ${ALLOWED}` },
        // A plain name, hyphens and unicode included, stays as it was.
        { set: "launchpad:network.cidr-x=1", problem: `launchpad:network.cidr-x: received 1; ${ALLOWED}` },
        { set: "launchpad:network.zählen=1", problem: `launchpad:network.zählen: received 1; ${ALLOWED}` },
    ])("$set", async ({ set, problem }) => {
        expect(await planWithSets("staging", [set])).toEqual(refused("staging", problem));
    });
});
