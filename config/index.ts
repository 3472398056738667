export { ConfigError } from "./errors";
export { declareOfflinePlan, isOfflinePlan, loadConfig, readRuntimeConfig } from "./load";
export { OFFLINE_SECRET, type Placeholder } from "./placeholders";
export { maintenanceFromRdsWindow, parseConfig, windowMinutes } from "./parse";
export type { AppMetricsConfig, ContactPointsConfig, MaintenanceWindow, ObservabilityConfig, ThresholdsConfig, BackupConfig, ConfigInput, DatabaseConfig, RestoreConfig, ClusterAccess, ClusterProvides, EksClusterConfig, ExistingClusterConfig, ExistingNetworkConfig, LaunchpadConfig, NetworkConfig, NodeGroupConfig, PromotionConfig } from "./parse";
export type { ReleaseConfig, ServiceConfig, SmokePolicy } from "./services";
export type { Safety } from "./tier";
export type { Tier } from "./schema";
