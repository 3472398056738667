/**
 * The AWS Load Balancer Controller's reading of a weighted action. Owned by the policy pack, which
 * publishes it inside its own folder; scripts read it from here.
 */
export * from "../policies/shared/alb";
