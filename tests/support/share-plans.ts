/**
 * Every vitest worker shares identical plans across its files (plan/engine.ts sharePlans): the
 * committed stacks are planned with the same options by the CLI tests, the harness and the policy
 * tests, each of which used to plan them again (12 identical production plans in one run).
 */
import { sharePlans } from "../../plan/engine";

sharePlans(true);
