/**
 * The engine's `ReferenceCache` as files: `<dir>/<stack>.outputs.json`, one per stack, holding the
 * raw outputs of that stack's last plain plan (JSON: the runtime's secret and unknown markers are
 * plain objects and strings) and the key they were planned under. The key joins the engine's
 * fingerprint (config, day) with `programId`, the program's identity: a changed program, config or
 * day never reads an old entry. Written aside and renamed, so a concurrent plan never reads half a
 * file; an unreadable entry is a miss.
 *
 * What the identity leaves out: data files the program reads at run time (the vendored IAM policies,
 * the database scripts). They shape resource inputs, never a stack output (names, ids, endpoints),
 * which is all a reference reads.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ReferenceCache } from "./engine";

interface Entry {
    readonly key: string;
    readonly outputs: Record<string, unknown>;
}

export function fileReferenceCache(dir: string, programId: string): ReferenceCache {
    const keyOf = (fingerprint: string): string => crypto.createHash("sha256").update(`${programId}\0${fingerprint}`).digest("hex");
    const fileOf = (stack: string): string => path.join(dir, `${stack}.outputs.json`);
    return {
        read(stack, fingerprint) {
            try {
                const entry = JSON.parse(fs.readFileSync(fileOf(stack), "utf8")) as Entry;
                return entry.key === keyOf(fingerprint) ? entry.outputs : undefined;
            } catch {
                return undefined;
            }
        },
        write(stack, fingerprint, outputs) {
            const file = fileOf(stack);
            const aside = `${file}.${process.pid}.tmp`;
            try {
                fs.mkdirSync(dir, { recursive: true });
                fs.writeFileSync(aside, JSON.stringify({ key: keyOf(fingerprint), outputs } satisfies Entry));
                fs.renameSync(aside, file);
            } catch {
                // Only a slower next plan.
            }
        },
    };
}

/**
 * The identity of a precompiled program: the bundle's bytes (every project module is in it) and the
 * installed packages (npm's record of node_modules, rewritten by every install). Undefined when
 * either cannot be read: then nothing is cached.
 */
export function bundleProgramId(bundle: string, root: string): string | undefined {
    try {
        return crypto.createHash("sha256").update(fs.readFileSync(bundle)).update(fs.readFileSync(path.join(root, "node_modules", ".package-lock.json"))).digest("hex");
    } catch {
        return undefined;
    }
}
