/**
 * A PostgreSQL SCRAM-SHA-256 password verifier, built here so that the application user's password
 * never reaches the server in clear. `ALTER ROLE ... PASSWORD '<plaintext>'` sends the password in
 * the statement, which the server may log (PostgreSQL docs, ALTER ROLE "Notes": it "will be
 * transmitted to the server in cleartext, and it might also be logged in the client's command
 * history or the server log"); RDS exports that log to CloudWatch. A string the server recognizes as
 * a verifier is stored as it is (src/backend/libpq/crypt.c `encrypt_password`: "If the password is
 * already in encrypted form ... it is stored as it is"), which is what psql's `\password` sends
 * (libpq fe-auth-scram.c `pg_fe_scram_build_secret`).
 *
 * The format and the keys are PostgreSQL's src/common/scram-common.c `scram_build_secret` (RFC 5802
 * section 3, RFC 7677): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each part
 * standard base64 with padding, where SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt,
 * iterations, 32 bytes), ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = SHA-256(ClientKey),
 * ServerKey = HMAC(SaltedPassword, "Server Key").
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** PostgreSQL's default iteration count (scram-common.h `SCRAM_SHA_256_DEFAULT_ITERATIONS`, the `scram_iterations` default). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
/** PostgreSQL's salt length (scram-common.h `SCRAM_DEFAULT_SALT_LEN`). */
export const SCRAM_SALT_BYTES = 16;
const KEY_BYTES = 32;

/** What PostgreSQL's `parse_scram_secret` (src/backend/libpq/auth-scram.c) accepts as a SHA-256 verifier, 16-byte salt. */
export const SCRAM_VERIFIER_PATTERN = /^SCRAM-SHA-256\$[1-9][0-9]{0,9}:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/;

/**
 * `password`'s verifier under `salt` ({@link SCRAM_SALT_BYTES} bytes) and `iterations`, byte for byte
 * what PostgreSQL stores in `pg_authid.rolpassword` for that password, salt and count.
 *
 * SASLprep: PostgreSQL normalizes the password with SASLprep first, except that "an ASCII string
 * requires no further processing" (src/common/saslprep.c `pg_saslprep`). This builder implements no
 * normalization, so it takes ASCII only and throws otherwise; the generated passwords are printable
 * ASCII (components/database.ts `MASTER_PASSWORD_SPEC`: letters, digits, `PASSWORD_SPECIAL_CHARS`).
 */
export function scramSha256Verifier(password: string, salt: Buffer, iterations: number = SCRAM_DEFAULT_ITERATIONS): string {
    const problems: string[] = [];
    // NUL excluded: PostgreSQL reads the password as a C string.
    if (!/^[\x01-\x7f]+$/.test(password)) {
        problems.push("password: received a non-ASCII, NUL or empty value; expected ASCII (SASLprep leaves only ASCII unchanged)");
    }
    if (salt.length !== SCRAM_SALT_BYTES) {
        problems.push(`salt: received ${salt.length} bytes; expected ${SCRAM_SALT_BYTES}`);
    }
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 31 - 1) {
        problems.push(`iterations: received ${iterations}; expected an integer from 1 to ${2 ** 31 - 1}`);
    }
    if (problems.length > 0) {
        throw new RangeError(`scramSha256Verifier: ${problems.join("; ")}`);
    }
    const salted = pbkdf2Sync(Buffer.from(password, "ascii"), salt, iterations, KEY_BYTES, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * The salt of the application user's verifier: the first {@link SCRAM_SALT_BYTES} bytes of SHA-256
 * over the instance's identifier and the user's name, names that are not secret and stay the same
 * from one `pulumi up` to the next, so the verifier (and the grants Job that carries it) changes only
 * with the password, the user or the instance.
 *
 * Why not random, as PostgreSQL's own salts are: a salt defeats tables precomputed for many users at
 * once, and the password it salts is 32 random characters of 86 (components/database.ts
 * `MASTER_PASSWORD_SPEC`, about 200 bits), which no table or dictionary covers; this salt is still
 * unique per instance and user. A `random.RandomBytes` salt would buy nothing more and add a resource
 * type that the plan engine's vendored force-new tables (vendor/provider-force-new) do not list.
 * Never from the password: the salt is stored in clear inside the verifier.
 */
export function scramSalt(instanceIdentifier: string, username: string): Buffer {
    return createHash("sha256").update(`launchpad scram-sha-256 salt\0${instanceIdentifier}\0${username}`).digest().subarray(0, SCRAM_SALT_BYTES);
}
