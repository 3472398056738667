/**
 * npm run --silent pending-switches -- --stack <name> --live <liveServices.json>
 *
 * The switches a deploy would make: one line `<service> <live color> <color the stack file names>`
 * per service whose color in `Pulumi.<stack>.yaml` (its `activeColor`, else `launchpad:activeColor`, else
 * blue: `serviceActiveColor`, the program's rule)
 * differs from the color it is live on now (`liveServices` of `pulumi stack output --json`). deploy.yml
 * holds each such service on its live color for `pulumi up` (which then only rolls out and gates
 * the idle color), and makes each switch with `npm run promote` (post-switch analysis, switch back
 * on a breach). A first deploy (no outputs yet) has nothing live: nothing to promote. Exit 2 when
 * the stack file holds a color encrypted (`unreadableColors`): it cannot tell what moves; and for bad
 * arguments: a `--stack` with no stack file, a `--live` file that is not a JSON object (or null).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { serviceActiveColor } from "../config/active-color";
import { isSecureNode } from "../config/secure-node";
import type { Color } from "../lib/delivery";
import { REPO_ROOT } from "../plan/root";
import { failed, parseFlags, runMain, stackFileProblem, type CliResult } from "./cli";

const USAGE = "usage: npm run --silent pending-switches -- --stack <name> --live <liveServices.json>";

interface StackFile {
    config?: Record<string, unknown>;
}

/**
 * The keys whose colors the stack file holds encrypted, which this command cannot read: reading
 * nothing there would find no switch, hold nothing, and let the up move traffic with no analysis.
 */
export function unreadableColors(stackFile: StackFile): string[] {
    const config = stackFile.config ?? {};
    const services = config["launchpad:services"];
    if (isSecureNode(services)) return ["launchpad:services"];
    return [
        ...(isSecureNode(config["launchpad:activeColor"]) ? ["launchpad:activeColor"] : []),
        ...Object.entries((services ?? {}) as Record<string, { activeColor?: unknown } | null>).filter(([, s]) => isSecureNode(s?.activeColor)).map(([name]) => `launchpad:services.${name}.activeColor`),
    ];
}

/** `<service> <live> <wanted>` per service the stack file moves off its live color. */
export function pendingSwitches(stackFile: StackFile, live: Readonly<Record<string, { color?: string }>> | null): string[] {
    const config = stackFile.config ?? {};
    const stackColor = config["launchpad:activeColor"] as Color | undefined;
    const services = (config["launchpad:services"] ?? {}) as Record<string, { activeColor?: Color }>;
    return Object.entries(services).flatMap(([name, s]) => {
        // The program's own rule (config/active-color.ts), not a copy of it.
        const want = serviceActiveColor(s, stackColor);
        const now = live?.[name]?.color;
        return now !== undefined && now !== want ? [`${name} ${now} ${want}`] : [];
    });
}

export function main(argv: readonly string[], root = REPO_ROOT): CliResult {
    const parsed = parseFlags(argv, { stack: { type: "string" }, live: { type: "string" } }, USAGE, 2);
    if ("result" in parsed) {
        return parsed.result;
    }
    const { stack, live } = parsed.flags;
    if (stack === undefined || live === undefined) {
        return failed(2, `--stack and --live are required\n${USAGE}\n`);
    }
    const noFile = stackFileProblem(root, stack);
    if (noFile !== undefined) {
        return failed(2, `${noFile}\n`);
    }
    const file = parseYaml(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as StackFile;
    const unreadable = unreadableColors(file);
    if (unreadable.length > 0) {
        return failed(2, unreadable.map((key) => `${key}: received [secret] in Pulumi.${stack}.yaml; expected the color in clear: pending-switches reads the colors from the stack file to hold each service on its live color for npm run promote, and cannot decrypt it (encrypt only the secret leaves: pulumi config set --secret --path launchpad:services.<service>.env.<NAME> <value>)\n`).join(""));
    }
    const text = fs.existsSync(live) ? fs.readFileSync(live, "utf8").trim() : "";
    let liveServices: unknown = null;
    try {
        liveServices = text === "" ? null : JSON.parse(text);
    } catch (e) {
        return failed(2, `--live: ${live} is not valid JSON (${(e as Error).message}); expected the stack's liveServices output: pulumi stack output liveServices --json\n`);
    }
    if (liveServices !== null && (typeof liveServices !== "object" || Array.isArray(liveServices))) {
        return failed(2, `--live: received ${Array.isArray(liveServices) ? "a list" : JSON.stringify(liveServices)} in ${live}; expected the stack's liveServices output, an object by service name: pulumi stack output liveServices --json\n`);
    }
    const lines = pendingSwitches(file, liveServices as Record<string, { color?: string }> | null);
    return { code: 0, stdout: lines.map((l) => `${l}\n`).join(""), stderr: "" };
}

if (require.main === module) {
    runMain((argv) => Promise.resolve(main(argv)));
}
