/**
 * Extracts a cobra CLI's command tree and flags from its Go source at one git commit, for the
 * vendored tables vendor/pulumi-cli/flags.json and vendor/gh-cli/flags.json (see their SOURCE.md):
 *
 *   npx tsx scripts/cobra-flags.ts <git dir> <commit> <root dir> <root function> <command path>... > flags.json
 *
 * Reads every non-test .go file under <root dir>. A function whose body builds a `cobra.Command{`
 * is a command: its `Use:` (first word) and `Aliases:`, the flags it defines
 * (`x.Flags().BoolVarP(&v, "name", "n", ...)`, `PersistentFlags()`, the `Var`/`P` and plain forms,
 * and helpers it calls with the command that define flags themselves, such as `remoteArgs.ApplyFlags(cmd)`),
 * and its children (`AddCommand(newXCmd(...))`, `Commands: []*cobra.Command{ newXCmd(), ... }`).
 * Only the command paths asked for are written, each with its own flags and its ancestors'
 * persistent ones (cobra's inherited flags). `Bool*` flags take no value; every other kind takes one.
 * A reading it cannot make fails loudly rather than writing a partial table.
 */
import { execFileSync } from "node:child_process";

interface Flag {
    readonly name: string;
    readonly short?: string;
    readonly bool: boolean;
    /** `Lookup(name).NoOptDefVal = ...`: a value flag that may stand alone (`--refresh`). */
    readonly optionalValue?: boolean;
    readonly persistent: boolean;
    /** In a helper that takes the name as a parameter: that parameter's position and the short's. */
    readonly param?: { readonly name: number; readonly short?: number };
    /** Why this flag could not be read. */
    readonly problem?: string;
}

interface GoFunc {
    readonly name: string;
    readonly file: string;
    readonly body: string;
    /** The parameter names, in order. */
    readonly params: string[];
    /** The file's imports: alias (or last path element) to the import path less `/vN`. */
    readonly imports: ReadonlyMap<string, string>;
    /** The string constants of the function's package (`flagGitHubRepo = "github-repo"`), by name. */
    readonly constants: Map<string, string>;
}

interface Command {
    readonly fn: string;
    readonly file: string;
    readonly use: string;
    readonly aliases: string[];
    readonly flags: Flag[];
    readonly children: string[];
}

const git = (gitDir: string, ...args: string[]) => execFileSync("git", ["-C", gitDir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

/** Every top-level function of a Go file: name (methods by method name) and body text. */
function functions(file: string, source: string, constants: Map<string, string>): GoFunc[] {
    // Package-level constants only: `const x = "..."` and the lines of `const ( ... )` blocks.
    const constLines = [...source.matchAll(/^const \(\n([\s\S]*?)\n\)/gm)].flatMap((m) => m[1].split("\n"));
    constLines.push(...[...source.matchAll(/^const (.*)$/gm)].map((m) => m[1]));
    for (const line of constLines) {
        const m = /^\s*(\w+)(?:\s+string)?\s*=\s*("(?:[^"\\]|\\.)*")\s*(?:\/\/.*)?$/.exec(line);
        const value = m ? goString(m[2]) : undefined;
        if (m && value !== undefined) constants.set(m[1], value);
    }
    const imports = new Map<string, string>();
    for (const m of source.matchAll(/^\s*(?:(\w+)\s+)?"([\w.-]+\/[\w/.-]+)"$/gm)) {
        // Without the module's major version (`pkg/v3/cmd/...` is the directory pkg/cmd/...).
        const path = m[2].replace(/\/v\d+(?=\/)/g, "");
        imports.set(m[1] ?? path.split("/").pop() ?? "", path);
    }
    const out: GoFunc[] = [];
    for (const m of source.matchAll(/^func (?:\([^)]*\) )?(\w+)\(([^)]*)\)[^\n]*\{$/gm)) {
        const end = source.indexOf("\n}\n", m.index);
        // `name, shorthand string` declares two: every comma-separated part's first word is a name.
        const params = m[2].split(",").map((p) => p.trim().split(/\s+/)[0]).filter((p) => p !== "");
        out.push({ name: m[1], file, body: source.slice(m.index, end < 0 ? source.length : end), params, imports, constants });
    }
    return out;
}

const dirOf = (file: string) => file.slice(0, file.lastIndexOf("/"));

/** The Go string literals and identifiers of one call's argument list, starting after its `(`. */
function callArgs(text: string, open: number): string[] {
    const args: string[] = [];
    let depth = 1;
    let cur = "";
    for (let i = open; i < text.length && depth > 0; i++) {
        const c = text[i];
        if (c === '"' || c === "`") {
            const close = c === "`" ? text.indexOf("`", i + 1) : findQuote(text, i + 1);
            cur += text.slice(i, close + 1);
            i = close;
        } else if (c === "(" || c === "{" || c === "[") {
            depth++;
            cur += c;
        } else if (c === ")" || c === "}" || c === "]") {
            depth--;
            if (depth > 0) cur += c;
        } else if (c === "," && depth === 1) {
            args.push(cur.trim());
            cur = "";
        } else cur += c;
    }
    if (cur.trim() !== "") args.push(cur.trim());
    return args;
}

function findQuote(text: string, from: number): number {
    for (let i = from; i < text.length; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === '"') return i;
    }
    throw new Error(`unterminated string at ${from}`);
}

/** A Go string literal's value; undefined for anything else (or an escape JSON does not share). */
function goString(arg: string | undefined): string | undefined {
    if (!arg || !/^"(?:[^"\\]|\\.)*"$/.test(arg)) return undefined;
    try {
        return JSON.parse(arg) as string;
    } catch {
        return undefined;
    }
}

/** The flags a function body defines: pflag's `<Kind>[Var][P](...)` on Flags() or PersistentFlags(). */
function flagsIn(fn: GoFunc): Flag[] {
    const where = `${fn.file} ${fn.name}`;
    // `f := cmd.Flags()` then `f.StringP(...)`: read as `cmd.Flags().StringP(...)`.
    let body = fn.body;
    for (const m of fn.body.matchAll(/\b(\w+) := \w+\.((?:Persistent)?Flags)\(\)\n/g)) {
        body = body.replace(new RegExp(`\\b${m[1]}\\.(?=[A-Z])`, "g"), `${m[2]}().`);
    }
    const optional = new Set([...body.matchAll(/Lookup\("([\w-]+)"\)\.NoOptDefVal\s*=/g)].map((m) => m[1]));
    const out: Flag[] = [];
    for (const m of body.matchAll(/\b(Persistent)?Flags\(\)\.(\w*?)(Var)?(PF?)?\(/g)) {
        const [, persistent, kind, isVar, isP] = m;
        if (!/^(Bool|String|StringSlice|StringArray|Int|Int32|Int64|Uint|Uint32|Float64|Duration|StringToString|IntSlice|)$/.test(kind)) continue; // Lookup, MarkHidden, ...
        if (kind === "" && !isVar) continue;
        const args = callArgs(body, m.index + m[0].length);
        const at = isVar ? 1 : 0;
        // A pflag.Value (`VarPF(newBoolValue(p), ...)`) is a bool flag when its value is (IsBoolFlag).
        const bool = kind === "Bool" || (kind === "" && /Bool/.test(args[0] ?? ""));
        const name = goString(args[at]) ?? fn.constants.get(args[at] ?? "");
        const short = isP ? goString(args[at + 1]) : undefined;
        if (name === undefined) {
            const index = fn.params.indexOf(args[at] ?? "");
            if (index < 0) {
                // Fails the extraction only if a command asked for has it (see `problems`).
                out.push({ name: `?${args[at] ?? ""}`, bool, persistent: persistent === "Persistent", problem: `${where}: a flag name that is no string literal, constant nor parameter: ${m[0]}${args.join(", ")})` });
                continue;
            }
            const shortIndex = isP ? fn.params.indexOf(args[at + 1] ?? "") : -1;
            out.push({ name: `$${index}`, bool, persistent: persistent === "Persistent", param: { name: index, ...(shortIndex >= 0 ? { short: shortIndex } : {}) } });
            continue;
        }
        out.push({ name, ...(short ? { short } : {}), bool, ...(optional.has(name) ? { optionalValue: true } : {}), persistent: persistent === "Persistent" });
    }
    return out;
}

/** The function a call names: `pkg.NewCmdX` through the file's imports, `newX` in the caller's package. */
function resolve(byName: ReadonlyMap<string, GoFunc[]>, caller: GoFunc, qualifier: string | undefined, name: string): GoFunc[] {
    if (qualifier === undefined) return (byName.get(name) ?? []).filter((f) => dirOf(f.file) === dirOf(caller.file));
    const path = caller.imports.get(qualifier);
    return (byName.get(name) ?? []).filter((f) => path !== undefined && `/${path}`.endsWith(`/${dirOf(f.file)}`));
}

/** Builds the tree and returns the asked-for paths' flags (own plus inherited persistent ones). */
export function extract(gitDir: string, commit: string, rootDir: string, rootFn: string, paths: readonly string[]): Record<string, unknown> {
    const files = git(gitDir, "ls-tree", "-r", "--name-only", commit, rootDir)
        .split("\n")
        .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"));
    const packages = new Map<string, Map<string, string>>();
    const funcs = files.flatMap((f) => {
        const constants = packages.get(dirOf(f)) ?? new Map<string, string>();
        packages.set(dirOf(f), constants);
        return functions(f, git(gitDir, "show", `${commit}:${f}`), constants);
    });
    const byName = new Map<string, GoFunc[]>();
    for (const f of funcs) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    const commands = new Map<string, Command>();
    const command = (fn: GoFunc): Command | undefined => {
        const use = /\bUse:\s*"([^"]*)"/.exec(fn.body);
        if (!fn.body.includes("cobra.Command{") || !use) return undefined;
        const aliases = /\bAliases:\s*\[\]string\{([^}]*)\}/.exec(fn.body)?.[1].match(/"[^"]*"/g)?.map((s) => JSON.parse(s) as string) ?? [];
        // Helpers called with the command (`x.ApplyFlags(cmd)`, `addFlags(cmd, ...)`) that define flags.
        const helperFlags: Flag[] = [];
        for (const m of fn.body.matchAll(/\b(?:(\w+)\.)?(\w+)\((?:cmd|\w+Cmd|\w+Command)\b[,)]/g)) {
            const helpers = [...resolve(byName, fn, m[1], m[2]), ...(m[1] === undefined ? [] : (byName.get(m[2]) ?? []).filter((g) => g.params.length > 0 && /ApplyFlags|Flags$/.test(g.name)))];
            const args = callArgs(fn.body, m.index + m[0].indexOf("(") + 1);
            for (const g of new Set(helpers)) {
                if (g.body.includes("cobra.Command{") || g.name === fn.name) continue;
                for (const f of flagsIn(g)) {
                    if (!f.param) {
                        helperFlags.push(f);
                        continue;
                    }
                    const name = goString(args[f.param.name]);
                    if (name === undefined) throw new Error(`${fn.file} ${fn.name}: ${g.name}'s flag name is no string literal: ${args.join(", ")}`);
                    const short = f.param.short === undefined ? undefined : goString(args[f.param.short]);
                    helperFlags.push({ name, ...(short ? { short } : {}), bool: f.bool, persistent: f.persistent });
                }
            }
        }
        const children = [...fn.body.matchAll(/\b(?:(\w+)\.)?(new\w*|New\w*)\(/g)].flatMap((m) => resolve(byName, fn, m[1], m[2])).filter((g) => g !== fn);
        return { fn: fn.name, file: fn.file, use: use[1].split(" ")[0], aliases, flags: [...flagsIn(fn), ...helperFlags], children: children.map((c) => `${c.file}#${c.name}`) };
    };
    for (const f of funcs) {
        const c = command(f);
        if (c) commands.set(`${f.file}#${f.name}`, c);
    }
    const roots = [...commands.values()].filter((c) => c.fn === rootFn);
    if (roots.length !== 1) throw new Error(`root ${rootFn}: found ${roots.length}`);
    const result: Record<string, unknown> = {};
    for (const path of paths) {
        const words = path === "" ? [] : path.split(" ");
        let chain = [roots[0]];
        for (const w of words) {
            const parent = chain[chain.length - 1];
            const next = parent.children.flatMap((k) => commands.get(k) ?? []).filter((c) => c.use === w || c.aliases.includes(w));
            const unique = [...new Map(next.map((c) => [`${c.file}#${c.fn}`, c])).values()];
            if (unique.length !== 1) throw new Error(`${path}: ${unique.length} commands named ${w} under ${parent.use} (${parent.file} ${parent.fn})`);
            chain = [...chain, unique[0]];
        }
        const own = chain[chain.length - 1];
        const inherited = chain.slice(0, -1).flatMap((c) => c.flags.filter((f) => f.persistent));
        const flags = [...own.flags, ...inherited];
        const problems = flags.flatMap((f) => f.problem ?? []);
        if (problems.length > 0) throw new Error(`${path}:\n${problems.join("\n")}`);
        const table: Record<string, { short?: string; value: "none" | "required" | "optional" }> = {};
        for (const f of flags) table[f.name] ??= { ...(f.short ? { short: f.short } : {}), value: f.bool ? "none" : f.optionalValue ? "optional" : "required" };
        result[path] = {
            files: [...new Set(chain.map((c) => c.file))],
            aliases: own.aliases,
            flags: Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b))),
        };
    }
    return result;
}

if (require.main === module) {
    const [gitDir, commit, rootDir, rootFn, ...paths] = process.argv.slice(2);
    process.stdout.write(`${JSON.stringify(extract(gitDir, commit, rootDir, rootFn, paths), null, 2)}\n`);
}
