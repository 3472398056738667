/**
 * Kubernetes names of the platform's controllers (IRSA, ALB readiness gates). Owned by the policy
 * pack, which must publish them inside its own folder; the components read them from here.
 */
export * from "../policies/shared/kubernetes";
