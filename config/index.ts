export { ConfigError } from "./errors";
export { loadConfig, readRuntimeConfig } from "./load";
export { parseConfig } from "./parse";
export type { ConfigInput, EksClusterConfig, ExistingClusterConfig, LaunchpadConfig, NetworkConfig, NodeGroupConfig } from "./parse";
export type { Safety } from "./tier";
export type { Tier } from "./schema";
