/**
 * No import cycle anywhere in the program or its tooling (index.ts, config/, lib/, components/ and
 * the tools beside them), type-only imports included: the layers read as a tree (in config/,
 * `tier.ts` under the domain files, the domain files under `schema.ts`, `parse.ts` on top).
 *
 * The graph is TypeScript's own: `ts.preProcessFile` lists every import and re-export of a file
 * (`import type` too), and `ts.resolveModuleName` resolves each with the project's tsconfig, so the
 * test sees the imports the compiler sees, not what a regex over the text guesses.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
/** Every folder of program and tooling source: the whole graph reads as a tree. */
const LAYERS = ["config", "lib", "components", "observability", "dashboards", "loadtest", "smoke", "plan", "policies", "scripts"];

function compilerOptions(): ts.CompilerOptions {
    const file = ts.findConfigFile(ROOT, (f) => ts.sys.fileExists(f), "tsconfig.json");
    if (file === undefined) {
        throw new Error("tsconfig.json not found");
    }
    const read = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
    return ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT).options;
}

/**
 * Each repository module reachable from `roots`, to the repository modules it imports (node_modules
 * and declaration files left out: a package cannot import back into this repository).
 */
function importGraph(roots: readonly string[], host: ts.ModuleResolutionHost = ts.sys): Map<string, string[]> {
    const options = compilerOptions();
    const graph = new Map<string, string[]>();
    const pending = [...roots];
    while (pending.length > 0) {
        const file = pending.pop() as string;
        if (graph.has(file)) {
            continue;
        }
        const text = host.readFile(file);
        if (text === undefined) {
            throw new Error(`cannot read ${file}`);
        }
        const { importedFiles } = ts.preProcessFile(text, true, true);
        const targets = importedFiles
            .map((imp) => ts.resolveModuleName(imp.fileName, file, options, host).resolvedModule)
            .filter((m): m is ts.ResolvedModuleFull => m !== undefined && !m.isExternalLibraryImport && !m.resolvedFileName.endsWith(".d.ts"))
            .map((m) => path.resolve(m.resolvedFileName));
        graph.set(file, [...new Set(targets)].sort());
        pending.push(...targets);
    }
    return graph;
}

/** The strongly connected components with more than one module, or one importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const out: string[][] = [];
    const visit = (v: string): void => {
        index.set(v, next);
        low.set(v, next);
        next++;
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
            }
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop() as string;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
                out.push(component.sort());
            }
        }
    };
    for (const v of [...graph.keys()].sort()) {
        if (!index.has(v)) {
            visit(v);
        }
    }
    return out;
}

const relative = (files: readonly string[]): string[] => files.map((f) => path.relative(ROOT, f).split(path.sep).join("/"));

describe("import cycles", () => {
    it("finds a cycle, type-only imports included, and none in a tree (the checker itself)", () => {
        const sources: Record<string, string> = {
            [path.join(ROOT, "config", "a.ts")]: 'import { b } from "./b";\nexport const a = b;\n',
            [path.join(ROOT, "config", "b.ts")]: 'import type { C } from "./c";\nexport const b: C = 1;\n',
            [path.join(ROOT, "config", "c.ts")]: 'export type { A } from "./a";\nexport type C = number;\n',
            [path.join(ROOT, "config", "d.ts")]: 'import { a } from "./a";\nexport const d = a;\n',
        };
        // Fake modules beside the real ones: the resolver sees them through its host.
        const host = (files: Record<string, string>): ts.ModuleResolutionHost => ({
            fileExists: (f) => f in files || ts.sys.fileExists(f),
            readFile: (f) => files[f] ?? ts.sys.readFile(f),
        });
        const graph = importGraph([path.join(ROOT, "config", "d.ts")], host(sources));
        expect(cycles(graph).map(relative)).toEqual([["config/a.ts", "config/b.ts", "config/c.ts"]]);
        const tree = importGraph([path.join(ROOT, "config", "b.ts")], host({ ...sources, [path.join(ROOT, "config", "c.ts")]: "export type C = number;\n" }));
        expect(cycles(tree)).toEqual([]);
    });

    it("there is none in the program or its tooling", () => {
        const roots = [path.join(ROOT, "index.ts"), ...LAYERS.flatMap((dir) =>
            readdirSync(path.join(ROOT, dir))
                .filter((f) => f.endsWith(".ts"))
                .map((f) => path.join(ROOT, dir, f)),
        )];
        const graph = importGraph(roots);
        // Every module of those folders was read (the walk did not stop short).
        expect(relative([...graph.keys()].filter((f) => roots.includes(f))).sort()).toEqual(relative(roots).sort());
        expect(cycles(graph).map(relative)).toEqual([]);
    });
});

describe("the layers docs/architecture.md draws", () => {
    const roots = [path.join(ROOT, "index.ts"), ...LAYERS.flatMap((dir) =>
        readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, dir, f)))];
    const edges = [...importGraph(roots)].flatMap(([from, tos]) => tos.map((to) => relative([from, to]) as [string, string]));
    const folder = (file: string): string => file.slice(0, file.indexOf("/"));

    it("nothing under the components imports one (issue 16: observability/alerts.ts once imported components/database.ts); the load-test CLI, a tool, excepted", () => {
        const below = new Set(["config", "lib", "observability", "dashboards", "smoke", "loadtest"]);
        const up = edges.filter(([from, to]) => below.has(folder(from)) && folder(to) === "components" && from !== "loadtest/cli.ts");
        expect(edges.length).toBeGreaterThan(300);
        expect(up).toEqual([]);
    });

    it("lib/ imports nothing of the program but config/ types and the policy pack's shared/ it re-exports", () => {
        const out = edges.filter(([from, to]) => folder(from) === "lib" && folder(to) !== "lib");
        expect(out.map(([from, to]) => `${from} -> ${to}`).sort()).toEqual([
            "lib/alb.ts -> policies/shared/alb.ts",
            "lib/cidr.ts -> policies/shared/cidr.ts",
            "lib/data.ts -> policies/shared/data.ts",
            "lib/delivery.ts -> policies/shared/delivery.ts",
            "lib/ip-range.ts -> policies/shared/ip-range.ts",
            "lib/kms.ts -> config/tier.ts",
            "lib/kubernetes.ts -> policies/shared/kubernetes.ts",
            "lib/retention.ts -> policies/shared/retention.ts",
            "lib/stack-name.ts -> config/database.ts",
        ]);
    });

    it("config/: one file per domain holds the schema, rules and build; schema.ts only assembles, parse.ts only orchestrates (issue 16, item 4)", () => {
        const text = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
        const parse = text("config/parse.ts");
        const schema = text("config/schema.ts");
        // No field schema written in either: every key's shape is imported from its domain file.
        expect(parse.match(/\bz\.\w+\(/g)).toBeNull();
        expect(schema.match(/\bz\.\w+\(/g)).toEqual(["z.strictObject("]);
        const keyLines = [...schema.matchAll(/^ {4}"(launchpad|aws|grafana):\w+": (\w+)/gm)].map((m) => m[2]);
        expect(keyLines.length).toBeGreaterThan(10);
        const importedBySchema = new Set([...schema.matchAll(/^import \{([^}]+)\} from "\.\/[\w-]+";$/gm)].flatMap((m) => m[1].split(",").map((n) => n.trim())));
        expect(keyLines.filter((n) => !importedBySchema.has(n))).toEqual([]);
        // parse.ts defines no rule or build of its own: the fan-out (crossFieldProblems, build) calls the domains'.
        const declared = [...parse.matchAll(/^(?:export )?function (\w+)/gm)].map((m) => m[1]);
        expect(declared.filter((n) => /Problems?$|^build./.test(n) && n !== "crossFieldProblems")).toEqual([]);
        const calledRules = [...new Set([...parse.matchAll(/\b(\w+Problems?|build[A-Z]\w*)\(/g)].map((m) => m[1]))].filter((n) => !declared.includes(n));
        const importedByParse = new Set([...parse.matchAll(/^import \{([^}]+)\} from "[^"]+";$/gm)].flatMap((m) => m[1].split(",").map((n) => n.trim().replace(/^type /, ""))));
        expect(calledRules.length).toBeGreaterThan(15);
        expect(calledRules.filter((n) => !importedByParse.has(n))).toEqual([]);
        // Every domain schema.ts assembles has its rules or build run by parse.ts.
        const domains = edges.filter(([from, to]) => from === "config/schema.ts" && folder(to) === "config").map(([, to]) => to);
        const parseImports = new Set(edges.filter(([from]) => from === "config/parse.ts").map(([, to]) => to));
        expect(domains.length).toBeGreaterThan(8);
        expect(domains.filter((d) => !parseImports.has(d))).toEqual([]);
    });
});
