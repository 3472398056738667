/**
 * Launchpad: staging and production for a web service with a relational database.
 *
 * Load the stack's config once (every problem reported before any resource is registered), check
 * who deploys (a refused `pulumi up` registers nothing: components/cluster.ts deployerPreflight),
 * build the Environment, return its outputs as the stack outputs. An async entry point: the language
 * host calls the exported function and awaits its promise (@pulumi/pulumi v3.248.0 cmd/run/run.js
 * `runProgram`, "exported top level async functions"), inside the root Stack, which registers the
 * awaited value as the stack outputs (runtime/stack.js `Stack.initialize`: `await args.init()`).
 */
import { loadConfig } from "./config";
import { deployerPreflight } from "./components/cluster";
import { Environment } from "./components/environment";

export = async (): Promise<Record<string, unknown>> => {
    const config = loadConfig();
    await deployerPreflight(config.cluster);
    const environment = new Environment(config.identifier, { config });
    return environment.outputs;
};
