export { ConfigError } from "./errors";
export { loadConfig, readRuntimeConfig } from "./load";
export { maintenanceFromRdsWindow, parseConfig, windowMinutes } from "./parse";
export type { AppMetricsConfig, ContactPointsConfig, MaintenanceWindow, ObservabilityConfig, ThresholdsConfig, BackupConfig, ConfigInput, DatabaseConfig, RestoreConfig, EksClusterConfig, ExistingClusterConfig, LaunchpadConfig, NetworkConfig, NodeGroupConfig } from "./parse";
export type { Safety } from "./tier";
export type { Tier } from "./schema";
