/**
 * IPv4 CIDR arithmetic. Owned by the policy pack, which must publish it inside its own folder
 * (`pulumi policy publish` packs `policies/` alone); subnet planning and config read it from here.
 */
export * from "../policies/shared/cidr";
