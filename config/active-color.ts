/**
 * The color a service is live on: its own `activeColor`, else the stack's `launchpad:activeColor`,
 * else blue. One owner for the rule: the program (`buildServices`, with `activeColorSchema`'s default)
 * and `npm run pending-switches` (which reads the stack file's colors before an update) both ask here.
 * A module of its own, with no zod and no Pulumi SDK: pending-switches starts without them (plan/root.ts).
 */
import type { Color } from "../lib/delivery";

/** `launchpad:activeColor` when the stack file does not set it. */
export const DEFAULT_ACTIVE_COLOR: Color = "blue";

/** A service's live color: its own `activeColor` over the stack's (`launchpad:activeColor`, @default "blue"). */
export function serviceActiveColor(service: { readonly activeColor?: Color }, stackColor: Color | undefined): Color {
    return service.activeColor ?? stackColor ?? DEFAULT_ACTIVE_COLOR;
}
