/**
 * npm run vendor:crds
 *
 * Writes vendor/aws-load-balancer-controller/crds.json, the load balancer controller chart's CRDs
 * parsed from the vendored YAML files (components/platform.ts `parseVendoredCrds`), which the program
 * reads instead of parsing the YAML at every start. Run it after copying the chart's crds/ files
 * for a new pin (vendor/aws-load-balancer-controller/SOURCE.md); tests/platform.test.ts fails while
 * the JSON and the YAML differ.
 */
import { writeFileSync } from "node:fs";
import { parseVendoredCrds, PARSED_CRDS_FILE } from "../components/platform";
import { parseFlags, runMain, type CliResult } from "./cli";

const USAGE = "usage: npm run vendor:crds (no flags: writes vendor/aws-load-balancer-controller/crds.json from the vendored YAML)";

/** The command: `--help` or an unknown flag writes nothing (they were ignored, and the file rewritten). */
export function vendorCrdsCli(argv: readonly string[], write: (file: string, text: string) => void = writeFileSync): CliResult {
    const parsed = parseFlags(argv, {}, USAGE);
    if ("result" in parsed) {
        return parsed.result;
    }
    write(PARSED_CRDS_FILE, `${JSON.stringify(parseVendoredCrds())}\n`);
    return { code: 0, stdout: `wrote ${PARSED_CRDS_FILE}\n`, stderr: "" };
}

if (require.main === module) {
    runMain((argv) => vendorCrdsCli(argv));
}
