/**
 * IPv4 and IPv6 address ranges, and what "the world" means to ingress rules. Owned by the policy pack,
 * which must publish it inside its own folder (`pulumi policy publish` packs `policies/` alone); config
 * reads it from here, so the config check and the policy draw the same line.
 */
export * from "../policies/shared/ip-range";
