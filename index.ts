/**
 * Launchpad: staging and production for a web service with a relational database.
 *
 * Load the stack's config once (every problem reported before any resource is registered), build
 * the Environment, return its outputs as the stack outputs.
 */
import { loadConfig } from "./config";
import { Environment } from "./components/environment";
import { stackIdentifier } from "./lib/stack-name";

export = (): Record<string, unknown> => {
    const config = loadConfig();
    const environment = new Environment(stackIdentifier(config.project, config.stack), { config });
    return environment.outputs;
};
