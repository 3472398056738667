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

writeFileSync(PARSED_CRDS_FILE, `${JSON.stringify(parseVendoredCrds())}\n`);
process.stdout.write(`wrote ${PARSED_CRDS_FILE}\n`);
