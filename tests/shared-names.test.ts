/**
 * One owner for every shared name (issue 16, item 3), checked on the source rather than by eye:
 * the label and annotation keys, the pod scrape annotations, the Ingress annotations, the stack
 * identifier `<project>-<stack>` and the metric names are each spelled, outside comments, only in
 * the module that owns them; everything else imports them. (Pod security contexts, KMS keys and
 * buckets have the same check in tests/building-blocks.test.ts; the shell pushers' metric names are
 * checked against the catalogue in tests/catalogue.test.ts.) Stack outputs read back by name (by
 * SchemaGuard, the scripts, the deploy workflow, the runbooks) must be outputs the program writes; the
 * database connection contract (Secret keys, pod variables, the config's refusal) must agree.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { databaseEnv } from "../components/database-client";
import { CONNECTION_SECRET_KEYS, CONNECTION_TLS_KEYS, connectionTlsSettings } from "../components/database";
import { databaseTlsEnv } from "../components/database-client";
import { SCHEMA_MIGRATIONS_OUTPUT, SCHEMA_RECORD_OUTPUT } from "../components/migrations";
import { LIVE_SERVICES_OUTPUT } from "../components/release-history";
import { DATABASE_ENV_PREFIX } from "../config/services";
import * as catalogue from "../observability/catalogue";
import { REPO_ROOT, stackConfigFor } from "../plan/engine";
import { problemsOf } from "./support/config";
import { planStack } from "./support/plan";

/** The program and its tooling: what runs, not tests or docs. */
const SOURCE_DIRS = ["index.ts", "components", "config", "lib", "observability", "dashboards", "smoke", "loadtest", "plan", "policies", "scripts", "bench"];

/** Read from the disk, not from git: CI may run from a copy without git (.ci/run on bare Debian). */
const sourceFiles = (): string[] =>
    SOURCE_DIRS.flatMap((entry) => (entry.endsWith(".ts") ? [entry] : readdirSync(join(REPO_ROOT, entry), { recursive: true, encoding: "utf8" }).map((f) => join(entry, f))))
        .map((f) => f.split(sep).join("/"))
        .filter((f) => /\.(ts|cjs|sh)$/.test(f) && !f.includes("node_modules/"))
        .sort();

/** A file's text with its comments blanked: a comment may name a key, only code spells it. */
function withoutComments(file: string, text: string): string {
    if (file.endsWith(".sh")) {
        return text.replace(/^\s*#.*$/gm, "");
    }
    return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

const codeCache = new Map<string, string>();
const codeOf = (file: string): string => {
    const cached = codeCache.get(file) ?? withoutComments(file, readFileSync(join(REPO_ROOT, file), "utf8"));
    codeCache.set(file, cached);
    return cached;
};

/** Files whose code matches `pattern`, as paths from the root. */
function spelledIn(pattern: RegExp, files: readonly string[]): string[] {
    return files.filter((f) => pattern.test(codeOf(f))).sort();
}

/** Every metric name the catalogue owns (the values of its `*_METRICS` tables). */
function catalogueMetricNames(): string[] {
    return Object.entries(catalogue)
        .filter(([name, table]) => name.endsWith("_METRICS") && typeof table === "object" && table !== null)
        .flatMap(([, table]) => Object.values(table as Record<string, unknown>))
        .filter((v): v is string => typeof v === "string");
}

describe("one owner for every shared name, in the source", () => {
    const files = sourceFiles();

    it("reads the program's sources", () => {
        expect(files).toEqual(expect.arrayContaining(["index.ts", "components/environment.ts", "lib/stack-name.ts", "observability/catalogue.ts", "scripts/db/dump.sh"]));
    });

    it("finds a spelling in code and not in a comment (the check itself)", () => {
        const ts = '// app.kubernetes.io/name in a comment\n/* prometheus.io/scrape */\nconst k = "app.kubernetes.io/name";';
        expect(withoutComments("x.ts", ts)).not.toContain("prometheus.io/");
        expect(withoutComments("x.ts", ts)).toContain('"app.kubernetes.io/name"');
        expect(withoutComments("x.sh", "# launchpad_backup_size_bytes\necho ok\n")).not.toContain("launchpad_");
    });

    it.each([
        ["Kubernetes recommended labels (app.kubernetes.io/*)", /app\.kubernetes\.io\//, ["policies/shared/delivery.ts"]],
        // restore-point.ts: the snapshot tag holding a restore point's time, an AWS tag read back only there.
        ["Launchpad's own label, annotation and tag keys (launchpad.dev/*)", /launchpad\.dev\//, ["components/restore-point.ts", "policies/shared/delivery.ts"]],
        ["the pod scrape annotations Prometheus reads (prometheus.io/*)", /prometheus\.io\//, ["policies/shared/kubernetes.ts"]],
        // The Ingress the BlueGreenService writes; the weighted-actions prefix that rollback and the pack read.
        ["the ALB Ingress annotations (alb.ingress.kubernetes.io/*)", /alb\.ingress\.kubernetes\.io\//, ["components/blue-green-service.ts", "policies/shared/delivery.ts"]],
        ["the Cluster Autoscaler's pod annotations (cluster-autoscaler.kubernetes.io/*)", /cluster-autoscaler\.kubernetes\.io\//, ["lib/workload.ts"]],
        ["the stack identifier built as `${project}-${stack}`", /\$\{[\w.]*project\w*\}-\$\{/, ["lib/stack-name.ts"]],
    ] as const)("%s: spelled only by its owner", (_, pattern, owners) => {
        expect(spelledIn(pattern, files)).toEqual([...owners]);
    });

    it("no component re-exports a name another module owns: one import path per name (issue 16: database.ts once re-exported the backup tag)", () => {
        const reexports = files
            .filter((f) => f.startsWith("components/"))
            .flatMap((f) => [...codeOf(f).matchAll(/^export \{([^}]*)\}( from "[^"]+")?;/gm)].map((m) => `${f}: export {${m[1]}}${m[2] ?? ""}`));
        expect(reexports).toEqual([]);
    });

    it("metric names: the TypeScript side spells each only in observability/catalogue.ts (the shell pushers: tests/catalogue.test.ts)", () => {
        const names = catalogueMetricNames();
        expect(names).toEqual(expect.arrayContaining(["launchpad_backup_size_bytes", "launchpad_restore_verify_last_run_success"]));
        expect(names.length).toBeGreaterThan(20);
        const code = files.filter((f) => !f.endsWith(".sh") && f !== "observability/catalogue.ts");
        const spelled = names.flatMap((n) => spelledIn(new RegExp(`["'\`]${n}["'\`{]`), code).map((f) => `${f}: ${n}`));
        expect(spelled).toEqual([]);
    });
});

describe("stack outputs read back by name", () => {
    // A stack output's name is a contract between the Environment that writes it and whoever reads it
    // back: SchemaGuard's StackReference to the stack's own previous outputs, the rollback and promote
    // commands, the deploy workflow and the runbooks' `pulumi stack output <name>` lines an on-call
    // engineer pastes. Renaming one side leaves the other reading nothing (SchemaGuard would take every
    // service for never deployed), so every name read back must be one the program writes.
    const PLACES = ["README.md", "docs", ".github/workflows", "components", "scripts", "plan", "smoke", "loadtest", "bench"];

    /** The files to read: the program's sources, the docs and runbooks, the workflows. */
    const places = (): string[] =>
        PLACES.flatMap((entry) => (/\.\w+$/.test(entry) ? [entry] : readdirSync(join(REPO_ROOT, entry), { recursive: true, encoding: "utf8" }).map((f) => join(entry, f))))
            .map((f) => f.split(sep).join("/"))
            .filter((f) => /\.(ts|sh|md|ya?ml)$/.test(f) && !f.includes("node_modules/"))
            .sort();

    /** `pulumi stack output [--json] [--show-secrets] [--stack s] <name>`, `getOutput("<name>")`, `outputs.<name>?.value`, deploy.yml's `stackOutputs.<name>` (all outputs as JSON). */
    function readBack(file: string, text: string): string[] {
        const patterns = [
            /pulumi stack output((?: --(?:json|show-secrets)| (?:--stack|-s) [\w/.-]+)*) ([A-Za-z]\w*)/g,
            /getOutput\("(\w+)"\)/g,
            /\boutputs\??\.(\w+)\?\.value\b/g,
            /\bstackOutputs\.(\w+)\b/g,
        ];
        return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => `${file}: ${m[m.length - 1]}`));
    }

    it("finds the names it checks (the reader itself)", () => {
        expect(readBack("x.md", "export NS=$(pulumi stack output namespace)\npulumi stack output --show-secrets --stack production kubeconfig > k")).toEqual(["x.md: namespace", "x.md: kubeconfig"]);
        expect(readBack("x.md", "pulumi stack output --json --show-secrets --stack production > previous.json")).toEqual([]);
        expect(readBack("x.ts", 'ref.getOutput("liveServices"); const u = outputs.prometheusQueryUrl?.value;')).toEqual(["x.ts: liveServices", "x.ts: prometheusQueryUrl"]);
        expect(readBack("x.yml", "JSON.stringify(stackOutputs.liveServices ?? null)")).toEqual(["x.yml: liveServices"]);
    });

    it("each is an output the program writes: a committed stack's, or a schema output's owner constant", async () => {
        const [staging, production] = await Promise.all([planStack("staging"), planStack("production")]);
        // The schema outputs exist once a service declares `migrate` or `schema`, which neither committed stack does.
        const written = new Set([...Object.keys(staging.outputs), ...Object.keys(production.outputs), SCHEMA_RECORD_OUTPUT, SCHEMA_MIGRATIONS_OUTPUT]);
        const reads = places().flatMap((f) => readBack(f, readFileSync(join(REPO_ROOT, f), "utf8")));
        // The program's own reads go through the owner constant (components/migrations.ts reads LIVE_SERVICES_OUTPUT).
        expect(written.has(LIVE_SERVICES_OUTPUT)).toBe(true);
        expect(reads).toEqual(expect.arrayContaining([
            ".github/workflows/deploy.yml: liveServices",
            "docs/runbooks/README.md: databaseIdentifier",
            "scripts/rollback.ts: kubeconfig",
            "scripts/promote.ts: prometheusQueryUrl",
        ]));
        expect(reads.filter((r) => !written.has(r.slice(r.lastIndexOf(" ") + 1)))).toEqual([]);
    });
});

describe("the database connection contract, from Secret to pod to config", () => {
    // Three modules hold one contract: components/database.ts names the connection Secret's keys,
    // BlueGreenService turns each into a pod variable, and config/services.ts refuses a service that
    // sets a variable of that prefix itself (its value would shadow the Secret's). A prefix changed on
    // one side only would leave the pods' variables unguarded.
    it("every key of the connection Secret reaches the pods as DATABASE_<KEY>, read from that key", () => {
        expect(databaseEnv("database-connection")).toEqual(CONNECTION_SECRET_KEYS.map((key) => ({
            name: `${DATABASE_ENV_PREFIX}${key.toUpperCase()}`,
            valueFrom: { secretKeyRef: { name: "database-connection", key } },
        })));
    });

    // The verifying half: plain values, the same prefix, so a service cannot set DATABASE_TLS_MODE=disable itself either.
    it("the TLS settings reach the pods as DATABASE_<KEY> too, plain values", () => {
        expect(databaseTlsEnv("postgres")).toEqual(CONNECTION_TLS_KEYS.map((key) => ({
            name: `${DATABASE_ENV_PREFIX}${key.toUpperCase()}`,
            value: connectionTlsSettings("postgres")[key],
        })));
    });

    it.each([...CONNECTION_SECRET_KEYS, ...CONNECTION_TLS_KEYS].map((key) => `${DATABASE_ENV_PREFIX}${key.toUpperCase()}`))("config refuses a service that sets %s itself", (name) => {
        const sc = stackConfigFor({ stack: "staging", sets: [`services.api.env.${name}=x`] });
        const problems = problemsOf({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
        expect(problems.filter((p) => p.includes(`.env.${name}:`))).toEqual([
            `launchpad:services.api.env.${name}: received "x"; expected no ${DATABASE_ENV_PREFIX}* variable while connectDatabase is true: those come from the database's Secret and TLS settings`,
        ]);
    });
});
