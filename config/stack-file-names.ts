/**
 * The stacks that have a stack file, in a module of its own with no zod and no Pulumi SDK: a script
 * that lists them (`npm run pending-switches`, through scripts/cli.ts `stackFileProblem`) starts
 * without them (plan/root.ts).
 */
import { readdirSync } from "node:fs";

/**
 * The stacks with a stack file (`Pulumi.<stack>.yaml`) in the project directory `dir`, sorted; undefined
 * when the directory cannot be read. A real backend may hold stacks with no file here.
 */
export function stackFileNames(dir: string): string[] | undefined {
    try {
        return readdirSync(dir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
    } catch {
        return undefined;
    }
}
