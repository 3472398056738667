/**
 * The repository's root directory, in a module of its own: a script that needs only the root (`npm run
 * pending-switches`) starts without loading the plan engine and, with it, the Pulumi SDK.
 */
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..");
