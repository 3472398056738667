/**
 * What the tests that run the load runner against a local app and judge the server side share: the
 * app's metric names, and a closed-model scenario of two users with lenient client thresholds (the
 * client's verdict is not what those tests look at).
 */
import type { RunSpec } from "../../loadtest/main";
import type { Scenario } from "../../loadtest/profile";

/** The local app's request and pool metrics (the common Prometheus client names). */
export const TEST_APP_METRICS: NonNullable<RunSpec["appMetrics"]> = {
    requestsTotal: "http_requests_total",
    requestDurationSeconds: "http_request_duration_seconds",
    dbPoolConnectionsInUse: "db_pool_connections_in_use",
    statusLabel: "code",
    serviceLabel: "service",
    colorLabel: "color",
};

/** Two users in a closed loop over `GET /` through `stages`, thresholds a healthy local app always meets. */
export function twoUserScenario(name: Scenario["name"], stages: Scenario["stages"]): Scenario {
    return {
        name,
        model: "closed",
        stages,
        thinkTimeMs: 50,
        checks: [{ path: "/", method: "GET", expectStatus: 200, weight: 1 }],
        thresholds: { http_req_duration: ["p(95)<5000"], http_req_failed: ["rate<0.5"] },
        timeoutMs: 2_000,
        mustHoldUsers: 2,
        recoveryWindowMs: 1_000,
    };
}
