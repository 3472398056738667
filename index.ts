/**
 * Launchpad: staging and production for a web service with a relational database.
 *
 * Load the stack's config once (every problem reported before any resource is registered), build
 * the Environment, return its outputs as the stack outputs.
 */
import { loadConfig } from "./config";
import { Environment } from "./components/environment";

export = (): Record<string, unknown> => {
    const config = loadConfig();
    const environment = new Environment(config.identifier, { config });
    return environment.outputs;
};
