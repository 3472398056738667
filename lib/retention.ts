/**
 * The backup retention presets. Owned by the policy pack, which must publish them inside its own
 * folder (`pulumi policy publish` packs `policies/` alone); the program reads them from here.
 */
export * from "../policies/shared/retention";
