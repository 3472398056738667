/**
 * lib/scram.ts, the SCRAM-SHA-256 verifier the grants Job sends to PostgreSQL in place of the
 * application user's password: checked here against RFC 7677's own worked example (section 3), and in
 * tests/db-app-role.test.ts against what a real PostgreSQL 15 stores for the same password and salt.
 */
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { APP_PASSWORD_VERIFIER_KEY, appPasswordVerifier, PASSWORD_SPECIAL_CHARS } from "../components/database";
import { SCRAM_DEFAULT_ITERATIONS, SCRAM_SALT_BYTES, SCRAM_VERIFIER_PATTERN, scramSalt, scramSha256Verifier } from "../lib/scram";
import { thrown, valueOf } from "./support/values";

/** The parts of a verifier, decoded. */
function parse(verifier: string): { iterations: number; salt: Buffer; storedKey: Buffer; serverKey: Buffer } {
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    if (m === null) throw new Error(`not a verifier: ${verifier}`);
    const b = (s: string): Buffer => Buffer.from(s, "base64");
    return { iterations: Number(m[1]), salt: b(m[2]), storedKey: b(m[3]), serverKey: b(m[4]) };
}

describe("scramSha256Verifier: RFC 7677 section 3 (user \"user\", password \"pencil\")", () => {
    // The RFC's exchange: what a server holding only StoredKey and ServerKey must accept and answer.
    const SALT = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
    const AUTH_MESSAGE = [
        "n=user,r=rOprNGfwEbeRWgbNEkqO",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    ].join(",");
    const CLIENT_PROOF = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
    const SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    const v = parse(scramSha256Verifier("pencil", SALT, 4096));

    it("its StoredKey accepts the RFC's ClientProof (RFC 5802 section 3: H(ClientProof XOR HMAC(StoredKey, AuthMessage)) = StoredKey)", () => {
        const clientSignature = createHmac("sha256", v.storedKey).update(AUTH_MESSAGE).digest();
        const clientKey = Buffer.from(CLIENT_PROOF.map((byte, i) => byte ^ clientSignature[i]));
        expect(createHash("sha256").update(clientKey).digest().toString("base64")).toBe(v.storedKey.toString("base64"));
    });

    it("its ServerKey gives the RFC's ServerSignature (v=...)", () => {
        expect(createHmac("sha256", v.serverKey).update(AUTH_MESSAGE).digest("base64")).toBe(SERVER_SIGNATURE);
    });

    it("carries the salt and count as PostgreSQL writes them: SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>", () => {
        expect([v.iterations, v.salt.toString("base64")]).toEqual([4096, "W22ZaJ0SNY7soEsUEjb6gQ=="]);
        expect(scramSha256Verifier("pencil", SALT)).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
        expect(SCRAM_DEFAULT_ITERATIONS).toBe(4096);
    });
});

describe("scramSha256Verifier's inputs", () => {
    const salt = Buffer.alloc(SCRAM_SALT_BYTES, 7);

    it("every password the stack generates is taken: letters, digits and the special characters (printable ASCII, which SASLprep leaves as is)", () => {
        const all = `abcXYZ019${PASSWORD_SPECIAL_CHARS}`;
        expect(scramSha256Verifier(all, salt, 1)).toMatch(SCRAM_VERIFIER_PATTERN);
    });

    it("refuses what it cannot hash as PostgreSQL would (non-ASCII needs SASLprep), a salt of another length, a count out of range: all at once", () => {
        expect(thrown(() => scramSha256Verifier("pässword", Buffer.alloc(8), 0))).toEqual({
            type: "RangeError",
            message: "scramSha256Verifier: password: received a non-ASCII, NUL or empty value; expected ASCII (SASLprep leaves only ASCII unchanged); "
                + "salt: received 8 bytes; expected 16; iterations: received 0; expected an integer from 1 to 2147483647",
        });
        expect(thrown(() => scramSha256Verifier("", salt))).toMatchObject({ message: expect.stringContaining("password: received a non-ASCII, NUL or empty value") as unknown });
        expect(thrown(() => scramSha256Verifier("a\0b", salt))).toMatchObject({ message: expect.stringContaining("password: received a non-ASCII, NUL or empty value") as unknown });
    });

    it("app-role.sh checks the same shape before it sends one (a string PostgreSQL does not parse as a verifier would be hashed as a password)", () => {
        const script = readFileSync(join(__dirname, "..", "scripts", "db", "app-role.sh"), "utf8");
        const shell = /^readonly SCRAM_VERIFIER_PATTERN='(.+)'$/m.exec(script)?.[1];
        expect(shell).toBe(SCRAM_VERIFIER_PATTERN.source);
    });
});

describe("scramSalt: 16 bytes of the instance's and the user's names", () => {
    it("the same names give the same salt (the grants Job does not run again on every up); another instance or user, another salt", () => {
        const a = scramSalt("launchpad-staging-db", "launchpad_app");
        expect(a).toHaveLength(SCRAM_SALT_BYTES);
        expect(scramSalt("launchpad-staging-db", "launchpad_app").equals(a)).toBe(true);
        const others = [scramSalt("launchpad-production-db", "launchpad_app"), scramSalt("launchpad-staging-db", "shop_app")];
        expect(others.map((o) => o.equals(a))).toEqual([false, false]);
    });
});

describe("appPasswordVerifier: the app Secret's extra key, PostgreSQL only", () => {
    it("on PostgreSQL: the verifier of the password under the names' salt, a Pulumi secret", async () => {
        const extra = appPasswordVerifier({ engine: "postgres", appUsername: "launchpad_app" }, "launchpad-staging-db", pulumi.secret("Ap9!#$%&*()_=+"));
        expect(Object.keys(extra)).toEqual([APP_PASSWORD_VERIFIER_KEY]);
        const verifier = extra[APP_PASSWORD_VERIFIER_KEY];
        expect(await pulumi.isSecret(verifier)).toBe(true);
        expect(await valueOf(verifier)).toBe(scramSha256Verifier("Ap9!#$%&*()_=+", scramSalt("launchpad-staging-db", "launchpad_app")));
    });

    it("on MySQL: nothing (the server rewrites the statement before it logs it)", () => {
        expect(appPasswordVerifier({ engine: "mysql", appUsername: "launchpad_app" }, "launchpad-staging-db", pulumi.secret("x"))).toEqual({});
    });
});
