/**
 * The blue/green vocabulary of labels and annotations. Owned by the policy pack, which must publish
 * it inside its own folder (`pulumi policy publish` packs `policies/` alone); components, dashboards
 * and rollback read it from here. Constants (and `otherColor`) only: the smoke runner's bundle includes this module.
 */
export * from "../policies/shared/delivery";
