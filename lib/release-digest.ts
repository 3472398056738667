/**
 * The 10-hex digests behind the release id and the env hash (components/blue-green-service.ts
 * `releaseId`, `envHash`). Both go in clear where anyone who can list Jobs, read labels or RDS
 * snapshot names sees them, and their input holds the services' env values and smoke headers. A
 * plain hash of 40 bits is then an oracle: a low-entropy secret (a 6-digit PIN, a short password)
 * is recovered by hashing every candidate with the rest of the input, which the cluster shows.
 * So where those values are secret (`launchpad:services` held as a secret) the digest is an
 * HMAC-SHA256 keyed by the stack's own secret `launchpad:releaseIdKey` (RFC 2104: without the key,
 * the tag says nothing about the message). Stacks whose services are plain text keep the plain
 * hash, and so their ids: their env is a pod-spec literal anyway.
 */
import { createHash, createHmac } from "node:crypto";

/** At least this many characters (`openssl rand -base64 32` gives 44): an HMAC key must not be guessable itself. */
export const RELEASE_ID_KEY_MIN_LENGTH = 24;

/** `digestKind` of the plain hash: what every digest of plain-text services, and every one recorded before keys existed, is. */
export const PLAIN_DIGEST = "sha256";

/**
 * What a digest was made with: `PLAIN_DIGEST`, or `hmac:` and 8 hex digits of the key's HMAC of a fixed
 * label. The release history records it next to an env hash, so a digest keyed otherwise (the services
 * made secret, the key replaced) is not read as a changed env. It says nothing of the key: an HMAC tag
 * of a known text under a key of 24+ characters cannot be inverted or searched.
 */
export function digestKind(key: string | undefined): string {
    return key === undefined ? PLAIN_DIGEST : `hmac:${createHmac("sha256", key).update("launchpad:releaseIdKey").digest("hex").slice(0, 8)}`;
}

/** SHA-256 of `text`, or HMAC-SHA256 under `key` when one is given, as the first 10 hex digits. */
export function releaseDigest(text: string, key: string | undefined): string {
    const h = key === undefined ? createHash("sha256") : createHmac("sha256", key);
    return h.update(text).digest("hex").slice(0, 10);
}
