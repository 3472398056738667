/**
 * docs/runbooks/region-failure.md step 4, "Build the recovery stack", walked command by command from
 * the page itself, once per restore source of step 3 (a, b, c), in a scratch project holding the
 * repository's Pulumi.yaml and stack files: `pulumi stack init prod-dr --copy-config-from production`
 * starts from production's config, each `pulumi config set` edits it, `npm run plan -- ... --policy
 * --previous-outputs previous.json` is the offline plan of a first update with the policy pack, and
 * `pulumi preview` / `pulumi up` are that plan, whose claims (only creates; the instance's name) are
 * checked. A command the walker does not know fails the test, so the page cannot drift into commands
 * nothing checks.
 *
 * The promotion source is answered as a real night would find it: production's outputs as its
 * committed config leaves them, and staging's after staging moved past the image production serves
 * (staging's `verifiedReleases` then lists only the two releases it runs: components/environment.ts
 * `deliveryOutputs`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError } from "../config";
import { TODAY_ENV } from "../config/clock";
import { backupReplicationWarning } from "../config/rds-backup-replication";
import { CONNECTION_SECRET_KEYS } from "../components/database";
import { REPO_ROOT, runPlan, type Plan } from "../plan/engine";
import { RESTORED_SOURCE_DB_NAME, RESTORED_SOURCE_USERNAME } from "../plan/mocks";
import { stackIdentifierProblem } from "../lib/stack-name";
import { evaluatePlan, hasMandatory } from "../policies/evaluate";
import { planCli } from "../scripts/plan";
import { named, planStack } from "./support/plan";
import { scratchDir } from "./support/scratch";

const PAGE = "docs/runbooks/region-failure.md";
const STACK = "prod-dr";
const SERVICE = "api";
const page = fs.readFileSync(path.join(REPO_ROOT, PAGE), "utf8");

/** The text of a `## ` section, up to the next `## ` heading outside a fenced block. */
function section(heading: string): string {
    const start = page.indexOf(`\n${heading}\n`);
    expect(start, `${heading} in ${PAGE}`).toBeGreaterThanOrEqual(0);
    const lines = page.slice(start + heading.length + 2).split("\n");
    let fenced = false;
    const end = lines.findIndex((l) => {
        if (l.startsWith("```")) fenced = !fenced;
        return !fenced && /^## /.test(l);
    });
    return (end < 0 ? lines : lines.slice(0, end)).join("\n");
}

/** The ```sh blocks of a section, each as its commands: continuation lines joined, comment lines dropped, `# comment` split off. */
function shBlocks(text: string): { head: string; commands: { command: string; comment: string | undefined }[] }[] {
    return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => {
        const joined = m[1].replace(/\\\n\s*/g, "");
        const lines = joined.split("\n").filter((l) => l.trim() !== "");
        return {
            head: lines[0] ?? "",
            commands: lines.filter((l) => !l.startsWith("#")).map((l) => {
                const [command, comment] = l.split(/\s+#\s+/, 2) as [string, string | undefined];
                return { command: command.trim(), comment };
            }),
        };
    });
}

/** The shell variables step 1 exports with literal values (`export STACK=production ... DR_REGION=us-west-2`). */
function step1Variables(): Record<string, string> {
    const line = shBlocks(section("## 1. Detect")).flatMap((b) => b.commands).find((c) => c.command.startsWith("export STACK="));
    expect(line, "step 1 exports STACK and the regions").toBeDefined();
    return Object.fromEntries((line?.command ?? "").replace(/^export /, "").split(/\s+/).map((kv) => kv.split("=", 2) as [string, string]));
}

/** The page's `<...>` placeholders, filled with typed dummies; one the walker does not know fails the test. */
const DUMMIES: Record<string, string> = {
    "<account>": "210987654321",
    "<id>": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "<break-glass role>": "launchpad-break-glass",
    "<a Grafana outside the failed region>": "https://grafana-dr.acme-corp.net",
    "<a service-account token of the recovery organization>": "glsa_recovery_organization_token",
    "<the ping URL of a heartbeat check for prod-dr>": "https://hc-ping.com/3f1c5a2e-prod-dr",
};
function fill(value: string): string {
    return value.replace(/<[^<>]+>/g, (p) => {
        expect(Object.keys(DUMMIES), `a placeholder the walk knows: ${p}`).toContain(p);
        return DUMMIES[p];
    });
}

/** A shell word as the shell gives it: quotes removed, `$VAR` and `"$VAR"` expanded from `vars`. */
function word(w: string, vars: Record<string, string>): string {
    const unquoted = w.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1");
    return unquoted.replace(/\$([A-Z_]+)/g, (_, v: string) => {
        expect(vars, `variable ${v} set by the page`).toHaveProperty(v);
        return vars[v];
    });
}

/** `pulumi config set --path` keys: `database.restore.time` is `launchpad:database.restore.time` (the project's namespace). */
const qualified = (key: string): string => (key.includes(":") ? key : `launchpad:${key}`);

/** Splits a config path into its top key and the steps below it (`launchpad:cluster.access[2].access`). */
function pathSteps(key: string): [string, (string | number)[]] {
    const q = qualified(key);
    const top = q.match(/^[^.[]+/)?.[0] ?? q;
    const steps = [...q.slice(top.length).matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
    return [top, steps];
}

function getPath(config: Record<string, unknown>, key: string): unknown {
    const [top, steps] = pathSteps(key);
    return steps.reduce<unknown>((cur, s) => (cur === undefined || cur === null ? undefined : (cur as Record<string | number, unknown>)[s]), config[top]);
}

function setPath(config: Record<string, unknown>, key: string, value: unknown): void {
    const [top, steps] = pathSteps(key);
    if (steps.length === 0) {
        config[top] = value;
        return;
    }
    config[top] ??= typeof steps[0] === "number" ? [] : {};
    let cur = config[top] as Record<string | number, unknown>;
    steps.forEach((s, i) => {
        if (i === steps.length - 1) {
            cur[s] = value;
            return;
        }
        cur[s] ??= typeof steps[i + 1] === "number" ? [] : {};
        cur = cur[s] as Record<string | number, unknown>;
    });
}

/**
 * What `pulumi config set --path` stores below a key, untyped: "true" and "false" as booleans, a
 * whole number (no leading zero) as a number, anything else as text (pulumi/pulumi 1b59498
 * sdk/go/common/resource/config/map.go `Set` -> value.go `coerceObject` -> object.go `coerce`).
 */
function coerced(value: string): unknown {
    if (value === "true" || value === "false") return value === "true";
    return /^(0|-?[1-9]\d*)$/.test(value) ? Number(value) : value;
}

const stackFileConfig = (stack: string): Record<string, unknown> =>
    structuredClone((parseYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config);

/** The recovery stack as the walk has left it. */
interface Walk {
    config: Record<string, unknown> | undefined;
    secretSets: string[];
    packConfig: string | undefined;
    previous: Record<string, unknown> | undefined;
    outputs: Record<string, unknown> | undefined;
    /** The last `pulumi up`'s plan. */
    plan?: Plan;
    vars: Record<string, string>;
    /** What each step checked, for the test's own assertion that the walk did something. */
    checked: string[];
}

/** The outputs the promotion's StackReference reads, as on the night: production as deployed, staging moved on. */
async function sources(): Promise<(name: string) => Record<string, unknown> | undefined> {
    const production = await planStack("production");
    // Staging made a newer release live on blue: it now verifies 1.6.0 and 1.5.0, no longer production's live 1.4.2.
    const staging = await planStack("staging", [`launchpad:services.${SERVICE}.releases.blue.image=ghcr.io/acme/api:1.6.0`, "launchpad:activeColor=blue"]);
    const verified = (staging.outputs.verifiedReleases as Record<string, { image: string }[]>)[SERVICE].map((r) => r.image).sort();
    expect(verified).toEqual(["ghcr.io/acme/api:1.5.0", "ghcr.io/acme/api:1.6.0"]);
    return (name) => (name.endsWith("/production") ? { ...production.outputs } : name.endsWith("/staging") ? { ...staging.outputs } : undefined);
}

/** The offline plan of the walk's config, in a scratch project holding the committed stack files beside it. */
async function planWalk(w: Walk, preview: boolean): Promise<Plan> {
    expect(w.config, "pulumi stack init ran first").toBeDefined();
    const root = scratchDir("launchpad-region-failure-");
    for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml"]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
    fs.writeFileSync(path.join(root, `Pulumi.${STACK}.yaml`), stringify({ config: w.config }));
    return runPlan({ stack: STACK, root, secretSets: w.secretSets, previousOutputs: w.previous, stackOutputs: await sources(), preview });
}

/** Exit code of `npm run plan -- --policy` for a plan that ran or was refused (scripts/plan.ts). */
async function planExit(w: Walk): Promise<{ code: number; stderr: string; log: readonly string[] }> {
    try {
        const plan = await planWalk(w, false);
        expect(w.packConfig, "the pack config copied before npm run plan -- --policy").toBeDefined();
        const violations = await evaluatePlan(plan, w.packConfig);
        return { code: hasMandatory(violations) ? 3 : 0, stderr: [...plan.log, ...violations.map((v) => JSON.stringify(v))].join("\n"), log: plan.log };
    } catch (e) {
        if (e instanceof ConfigError) return { code: 2, stderr: e.message, log: [] };
        throw e;
    }
}

/** The restore source a block sets: its first line, `# a. ...` or `# b. ...`. */
const sourceOf = (head: string): string | undefined => head.match(/^# ([abc])\. /)?.[1];

/** Runs the section's commands for one restore source; `skip` leaves out the commands it matches (what the page did before). */
async function walk(source: "a" | "b" | "c", skip: (command: string) => boolean = () => false): Promise<Walk> {
    const w: Walk = { config: undefined, secretSets: [], packConfig: undefined, previous: undefined, outputs: undefined, vars: step1Variables(), checked: [] };
    for (const block of shBlocks(section("## 4. Build the recovery stack"))) {
        const of = sourceOf(block.head);
        if (of !== undefined && of !== source) continue;
        for (const { command, comment } of block.commands) {
            for (const part of command.split("&&").map((c) => c.trim())) {
                if (skip(part)) continue;
                await run(w, part, comment);
            }
        }
    }
    return w;
}

async function run(w: Walk, part: string, comment: string | undefined): Promise<void> {
    let m: RegExpMatchArray | null;
    if (/^pulumi login '[^']+'$/.test(part)) {
        w.checked.push("login"); // the backend: nothing offline
    } else if (/^cp Pulumi\.\S+\.yaml /.test(part)) {
        // pulumi/pulumi pkg/cmd/pulumi/stack/io.go CopyEntireConfigMap (1b59498): only --copy-config-from re-encrypts the secure values for the new stack.
        throw new Error(`${part}: a copied stack file keeps secrets encrypted for the other stack; use pulumi stack init ${STACK} --copy-config-from production`);
    } else if ((m = part.match(/^pulumi stack init (\S+) --copy-config-from (\S+)$/)) !== null) {
        expect(m[1]).toBe(STACK);
        w.config = stackFileConfig(m[2]);
        w.checked.push(`stack init from ${m[2]}`);
    } else if ((m = part.match(/^pulumi config set --secret (\S+) ('[^']*'|\S+)$/)) !== null) {
        w.secretSets.push(`${qualified(word(m[1], w.vars))}=${fill(word(m[2], w.vars))}`);
    } else if ((m = part.match(/^pulumi config set (--path )?(\S+) ('[^']*'|\S+)$/)) !== null) {
        const value = fill(word(m[3], w.vars));
        const nested = m[1] !== undefined && pathSteps(word(m[2], w.vars))[1].length > 0;
        setPath(w.config ?? {}, word(m[2], w.vars), nested ? coerced(value) : value);
    } else if ((m = part.match(/^pulumi config get --path (\S+)$/)) !== null) {
        // The comment's claim: "not found" (a value copied from production is removed with config rm).
        expect(comment ?? "").toMatch(/^"not found"/);
        expect(getPath(w.config ?? {}, m[1]), `${part}: ${comment}`).toBeUndefined();
        w.checked.push(`no ${m[1]}`);
    } else if ((m = part.match(/^aws rds describe-source-regions --region (\S+) --query "SourceRegions\[\?RegionName=='\$DR_REGION'\]\.SupportsDBInstanceAutomatedBackupsReplication" --output text$/)) !== null) {
        // The live answer to what the vendored RDS table says (vendor/rds-backup-replication): True.
        expect(comment).toBe("True");
        expect(backupReplicationWarning(w.vars.DR_REGION, m[1], false)).toBeUndefined();
        w.checked.push(`replication ${w.vars.DR_REGION} -> ${m[1]}`);
    } else if ((m = part.match(/^cp policies\/config\/(\S+)\.json policies\/config\/(\S+)\.json$/)) !== null) {
        expect(m[2]).toBe(STACK);
        w.packConfig = path.join(REPO_ROOT, "policies", "config", `${m[1]}.json`);
    } else if (part === "pulumi stack output --json --show-secrets > previous.json") {
        // A new stack has no outputs: pulumi/pulumi (1b59498) pkg/backend/diy/backend.go CreateStack saves an empty
        // deployment, and state.go getSnapshotStackOutputs answers an empty map for a checkpoint without one.
        expect(comment).toMatch(/^\{\}: a new stack/);
        w.previous = { ...(w.outputs ?? {}) };
    } else if (part === `npm run plan -- --stack ${STACK} --policy --previous-outputs previous.json > /dev/null; echo "exit $?"`) {
        expect(w.previous, "previous.json written first").toBeDefined();
        const r = await planExit(w);
        expect(comment).toMatch(/^0: valid/);
        expect(r.code, `npm run plan: ${r.stderr}`).toBe(0);
        // Nothing to heed either: no warning (a replication pair, a version, a promotion source) on the night's check.
        expect(r.log).toEqual([]);
        w.checked.push("plan: exit 0");
    } else if (part === "pulumi preview" || part === "pulumi up") {
        const p = await planWalk(w, part === "pulumi preview");
        if (part === "pulumi preview") {
            // "only creates": nothing is read but the two StackReferences (its own empty history, production's verified releases).
            expect(p.resources.filter((r) => r.options.id !== undefined).map((r) => `${r.type} ${JSON.stringify(r.inputs.name)}`).sort()).toEqual([
                `pulumi:pulumi:StackReference "organization/launchpad/${STACK}"`,
                'pulumi:pulumi:StackReference "organization/launchpad/production"',
            ]);
            const id = named(p, `launchpad-${STACK}-database-instance`).inputs.identifier as string;
            expect(comment).toContain(`the RDS instance launchpad-${STACK}-db-r<8 hex> from the restore (c: launchpad-${STACK}-db, empty)`);
            expect(id).toMatch(w.config !== undefined && getPath(w.config, "database.restore") !== undefined ? new RegExp(`^launchpad-${STACK}-db-r[0-9a-f]{8}$`) : new RegExp(`^launchpad-${STACK}-db$`));
            w.checked.push(`preview: ${id}`);
        } else {
            w.outputs = { ...p.outputs };
            w.plan = p;
            w.checked.push("up");
        }
    } else if (part === `pulumi stack output --show-secrets kubeconfig > "$HOME/.kube/launchpad-${STACK}"`) {
        expect(w.outputs).toHaveProperty("kubeconfig");
    } else if (part === `export KUBECONFIG="$HOME/.kube/launchpad-${STACK}"`) {
        // the file above
    } else if (part.startsWith("export STACK=")) {
        const outputs = [...part.matchAll(/\$\(pulumi stack output (\w+)\)/g)].map((x) => x[1]);
        expect(outputs).toEqual(["namespace", "databaseIdentifier", "backupBucket"]);
        for (const o of outputs) expect(w.outputs, `pulumi stack output ${o}`).toHaveProperty(o);
        expect(part).toMatch(new RegExp(`^export STACK=${STACK} .* AWS_REGION="\\$DR_REGION" DR_REGION=${String(w.config?.["launchpad:drRegion"])}$`));
        w.checked.push("shell");
    } else {
        throw new Error(`a command the region-failure walk does not know: ${part}`);
    }
}

describe("docs/runbooks/region-failure.md step 4, walked from the page", () => {
    it.each(["a", "b", "c"] as const)("restore source %s: every command runs, the check exits 0, the preview only creates and names the instance as the page says", async (source) => {
        const w = await walk(source);
        expect(w.checked).toEqual([
            "login",
            "stack init from production",
            "replication us-west-2 -> us-east-2",
            "no launchpad:database.restore",
            "plan: exit 0",
            expect.stringMatching(source === "c" ? /^preview: launchpad-prod-dr-db$/ : /^preview: launchpad-prod-dr-db-r[0-9a-f]{8}$/),
            "up",
            "shell",
        ]);
        expect(w.config?.["aws:region"]).toBe("us-west-2");
        expect(getPath(w.config ?? {}, "database.restore")).toEqual(source === "a"
            ? { sourceInstance: `arn:aws:rds:us-west-2:${DUMMIES["<account>"]}:auto-backup:ab-${DUMMIES["<id>"]}`, time: "latest" }
            : source === "b" ? { snapshot: `awsbackup:copyjob-${DUMMIES["<id>"]}` } : undefined);
        // The recovery stack is production-tier, in the DR region, replicating to its own DR region.
        expect(w.outputs).toMatchObject({ tier: "production", region: "us-west-2", drRegion: "us-east-2", backupVault: "launchpad-prod-dr", backupDrVault: "launchpad-prod-dr-dr" });
        // Step 5.2: "The application is already deployed": both colors with production's releases, the live one production's.
        expect(page).toContain("2. The application is already deployed: `pulumi up` created both colors with the releases copied\n   from production, ran their gates, and pointed the live Service at the color production serves");
        const production = await planStack("production");
        expect(w.outputs?.liveServices).toEqual(production.outputs.liveServices);
        // Step 6.3: "protected like production": backups replicated to us-east-2, the AWS Backup plan, the daily dump.
        expect(page).toContain("3. The recovery stack is protected like production: automated backups with point in time in\n   `us-west-2`, replicated to `us-east-2`, the AWS Backup plan and the daily dump.");
        expect(named(w.plan as Plan, `launchpad-${STACK}-database-dr-backups`).inputs.region).toBe("us-east-2");
        expect(named(w.plan as Plan, `launchpad-${STACK}-database-instance`).inputs.backupRetentionPeriod).toBe(named(production, "launchpad-production-database-instance").inputs.backupRetentionPeriod);
        expect([named(w.plan as Plan, `launchpad-${STACK}-backup-plan-plan`).type, named(w.plan as Plan, `launchpad-${STACK}-logical-backup-dump`).type]).toEqual(["aws:backup/plan:Plan", "kubernetes:batch/v1:CronJob"]);
        expect((w.outputs?.verifiedReleases as Record<string, { image: string }[]>)[SERVICE].map((r) => r.image)).toEqual((production.outputs.verifiedReleases as Record<string, { image: string }[]>)[SERVICE].map((r) => r.image));
    }, 300_000);

    it("without promotion.fromStack production (the page before), production's own live image is refused once staging moved past it", async () => {
        const w = await walk("a", (c) => c.includes("promotion.fromStack") || c.startsWith("npm run plan") || c.startsWith("pulumi preview") || c.startsWith("pulumi up") || c.startsWith("export ") || c.includes("kubeconfig"));
        w.previous = {};
        const err = await planWalk(w, false).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([
            `launchpad:services.${SERVICE}.releases.blue.image: received "ghcr.io/acme/api:1.4.2"; expected an image whose smoke gate passed in stack "organization/launchpad/staging" ` +
            `(verified there: "ghcr.io/acme/api:1.6.0", "ghcr.io/acme/api:1.5.0"), an image this stack made live before (this stack's release history has none), or launchpad:promotion.allowUnverified set to true`,
        ]);
    }, 300_000);

    it("a restore source in the primary region is refused by the check, as the page says, before pulumi up builds anything", async () => {
        expect(page).toContain("an\nARN of another region than `aws:region`, such as the primary's, are refused with exit 2");
        const w = await walk("a", (c) => c.startsWith("pulumi preview") || c.startsWith("pulumi up") || c.startsWith("export ") || c.includes("kubeconfig") || c.startsWith("npm run plan"));
        setPath(w.config ?? {}, "database.restore.sourceInstance", `arn:aws:rds:us-east-1:${DUMMIES["<account>"]}:auto-backup:ab-${DUMMIES["<id>"]}`);
        const r = await planExit(w);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('an ARN in "us-east-1"; expected a source in aws:region "us-west-2", where RDS restores');
    }, 300_000);

    it("an Ingress certificate copied from production (its region's) is refused by the check, as the page says", async () => {
        expect(page).toContain("(the plan refuses one of another region than `aws:region`)");
        const w = await walk("c", (c) => c.startsWith("pulumi preview") || c.startsWith("pulumi up") || c.startsWith("export ") || c.includes("kubeconfig") || c.startsWith("npm run plan"));
        const certificate = `arn:aws:acm:us-east-1:${DUMMIES["<account>"]}:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`;
        setPath(w.config ?? {}, `launchpad:services.${SERVICE}.expose.ingress.certificateArn`, certificate);
        const r = await planExit(w);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`launchpad:services.${SERVICE}.expose.ingress.certificateArn: received`);
        expect(r.stderr).toContain('a certificate in "us-east-1"; expected an ACM certificate in aws:region "us-west-2"');
        setPath(w.config ?? {}, `launchpad:services.${SERVICE}.expose.ingress.certificateArn`, certificate.replace("us-east-1", "us-west-2"));
        expect((await planExit(w)).code).toBe(0);
    }, 300_000);

    it("promotion.requireLoad copied from production refuses every image (production runs no load scenario): the page turns it off", async () => {
        const withLoad = (skip: (c: string) => boolean) => async (): Promise<Walk> => {
            const w = await walk("c", (c) => skip(c) || c.startsWith("pulumi preview") || c.startsWith("pulumi up") || c.startsWith("export ") || c.includes("kubeconfig") || c.startsWith("npm run plan"));
            return w;
        };
        // Production's config as a team that requires the load scenario has it: the line runs after the copy.
        const copied = await withLoad((c) => c.includes("promotion.requireLoad"))();
        setPath(copied.config ?? {}, "launchpad:promotion.requireLoad", true);
        const refused = await planExit(copied);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain("expected an image whose smoke gate and load scenario passed in stack \"organization/launchpad/production\"");
        const w = await withLoad(() => false)();
        expect(getPath(w.config ?? {}, "launchpad:promotion.requireLoad")).toBe(false);
        expect((await planExit(w)).code).toBe(0);
    }, 300_000);

    it("the page's name rule is the program's: prod-dr fits, production-dr is refused for its length", () => {
        expect(page).toContain("refuses a stack name longer than 11 characters");
        expect(stackIdentifierProblem("launchpad", STACK)).toBeUndefined();
        expect(stackIdentifierProblem("launchpad", "production-dr")).toContain("of at most 11 characters");
    });

    it("the stack is built with --copy-config-from: the walker refuses a copied stack file", async () => {
        const w: Walk = { config: undefined, secretSets: [], packConfig: undefined, previous: undefined, outputs: undefined, vars: step1Variables(), checked: [] };
        await expect(run(w, "cp Pulumi.production.yaml Pulumi.prod-dr.yaml", undefined)).rejects.toThrow(/--copy-config-from production/);
    });

    it("the check judges as the first pulumi up: a Kubernetes version production keeps past standard support is refused with previous.json, only warned without", async () => {
        const before = process.env[TODAY_ENV];
        process.env[TODAY_ENV] = "2027-04-01"; // 1.35, production's, left EKS standard support on 2027-03-27 (lib/versions.ts)
        try {
            const w = await walk("a", (c) => c.startsWith("pulumi preview") || c.startsWith("pulumi up") || c.startsWith("export ") || c.includes("kubeconfig") || c.startsWith("npm run plan"));
            expect(w.previous).toEqual({});
            const refused = await planExit(w);
            expect(refused.code).toBe(2);
            expect(refused.stderr).toContain('launchpad:cluster.version: received "1.35"; expected a version in EKS standard support on 2027-04-01: "1.36"');
            // Without previous.json the same config only warns: the page's check would have said exit 0.
            const warned = await planWalk({ ...w, previous: undefined }, false);
            expect(warned.log.some((l) => l.includes("launchpad:cluster.version: EKS Kubernetes 1.35 left standard support on 2027-03-27"))).toBe(true);
            // The page's remedy: the version the message names.
            expect(page).toContain("set the version the message names (`pulumi config set --path\nlaunchpad:cluster.version <version>`)");
            setPath(w.config ?? {}, "launchpad:cluster.version", "1.36");
            expect((await planExit(w)).code).toBe(0);
        } finally {
            if (before === undefined) delete process.env[TODAY_ENV]; else process.env[TODAY_ENV] = before;
        }
    }, 300_000);
});

describe("a restored database in the offline plan", () => {
    it("its connection Secret has every key a real restore gives it, so production's plan --policy (deploy.yml) passes with database.restore set", async () => {
        // RDS reports the source's master user and database name for a restored instance (plan/mocks.ts):
        // before, the mock left them out and preflight-pod-references refused every restored stack (exit 3).
        const r = await planCli(["--stack", "production", "--policy", "--set", "launchpad:database.restore={snapshot: launchpad-production-db-snap}"]);
        expect(r.code, `npm run plan --policy: ${r.stdout.split("\n").filter((l) => l.includes("[mandatory]")).join("\n")}`).toBe(0);
        const plan = await planStack("production", ["launchpad:database.restore={snapshot: launchpad-production-db-snap}"]);
        const instance = plan.resources.find((x) => x.type === "aws:rds/instance:Instance");
        expect([instance?.state.username, instance?.state.dbName]).toEqual([RESTORED_SOURCE_USERNAME, RESTORED_SOURCE_DB_NAME]);
        expect(Object.keys(named(plan, "launchpad-production-database-connection").inputs.stringData as Record<string, unknown>).sort()).toEqual([...CONNECTION_SECRET_KEYS].sort());
    }, 300_000);
});
