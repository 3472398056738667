/**
 * The deep copy of plain data. Owned by the policy pack, which must publish it inside its own folder
 * (`pulumi policy publish` packs `policies/` alone); the plan engine reads it from here.
 */
export * from "../policies/shared/data";
