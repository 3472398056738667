/**
 * `launchpad:releaseIdKey`: the stack's secret key for the release id and env hash of services held
 * as a secret (lib/release-digest.ts says why a plain hash of secret values may not go in clear).
 */
import { z } from "zod";
import { RELEASE_ID_KEY_MIN_LENGTH } from "../lib/release-digest";
import type { ConfigInput } from "./input";

export const RELEASE_ID_KEY = "launchpad:releaseIdKey";

/** The command that sets it, as the problems and the placeholder list print it. */
export const RELEASE_ID_KEY_HINT = `pulumi config set --secret ${RELEASE_ID_KEY} "$(openssl rand -base64 32)"`;

export const releaseIdKeySchema = z.string().min(RELEASE_ID_KEY_MIN_LENGTH).meta({
    description:
        `Secret; required when launchpad:services is a secret. Keys the release id and env hash (HMAC-SHA256), which ` +
        `go in clear into Job names, labels and RDS snapshot names, so they reveal nothing of the services' secret env ` +
        `values and smoke headers. At least ${RELEASE_ID_KEY_MIN_LENGTH} characters of random text (\`${RELEASE_ID_KEY_HINT}\`). ` +
        `Changing it changes every release id: both colors' pods roll in place (the live one's under traffic), both gates and every declared migrate run again (the plan warns; docs/delivery.md, A new release id key, says how to do it safely): keep it for the stack's life.`,
});

/** Set in plain text, it keys nothing: anyone reading the stack file could rebuild the ids. */
export function releaseIdKeyProblems(value: string | undefined, input: ConfigInput): string[] {
    return value !== undefined && !input.secretKeys.has(RELEASE_ID_KEY)
        ? [`${RELEASE_ID_KEY}: received a plain-text value; expected a secret: set it with \`${RELEASE_ID_KEY_HINT}\``]
        : [];
}
