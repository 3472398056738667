/**
 * A stub `aws` for scripts/db/dr-metrics.sh: answers `aws <service> <command>` with the JSON in
 * `$AWS_STUB_DIR/<service>-<command>.json` (the documented response; a CloudWatch call's
 * `<service>-<command>-<metric name>.json` or `.fail` where one exists; a call with `--region R`,
 * `<service>-<command>@R.json` or `.fail` where one exists; a call with `--db-instance-identifier I`,
 * `<service>-<command>~<I's last ':' segment>.json` or `.fail` where one exists), or fails with the text of
 * `<service>-<command>.fail` and exit 254, as the CLI does on an API error. It applies `--query`
 * with jmespath, the library the AWS CLI itself evaluates `--query` with (Debian's awscli depends
 * on python3-jmespath), and prints `--output text` as the CLI does (tab-separated, `None` for
 * null; a list of lists one row a line, awscli/text.py `_format_list`). Every call's arguments are
 * appended to `$AWS_STUB_DIR/calls.log`.
 *
 * It runs on Debian's /usr/bin/python3, the interpreter /usr/bin/aws itself runs on and the one apt's
 * python3-jmespath is installed for, not on the first `python3` on PATH: a version manager's shim
 * there (pyenv's on this machine: some twenty bash processes a call, about 65 ms of CPU) would be
 * started for each of the run's few dozen calls.
 */
import { spawnSync } from "node:child_process";

const STUB_PYTHON = "/usr/bin/python3";

export const AWS_STUB = `#!${STUB_PYTHON}
import json, os, sys
import jmespath
args = sys.argv[1:]
positional, opts, i = [], {}, 0
while i < len(args):
    if args[i].startswith("--"):
        opts[args[i]] = args[i + 1]
        i += 2
    else:
        positional.append(args[i])
        i += 1
d = os.environ["AWS_STUB_DIR"]
with open(os.path.join(d, "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\\n")
name = os.path.join(d, positional[0] + "-" + positional[1])
if "--metric-name" in opts and any(os.path.exists(name + "-" + opts["--metric-name"] + ext) for ext in (".json", ".fail")):
    name += "-" + opts["--metric-name"]
if "--db-instance-identifier" in opts:
    ided = name + "~" + opts["--db-instance-identifier"].split(":")[-1]
    if any(os.path.exists(ided + at + ext) for at in ("", "@" + opts.get("--region", "")) for ext in (".json", ".fail")):
        name = ided
if "--region" in opts and any(os.path.exists(name + "@" + opts["--region"] + ext) for ext in (".json", ".fail")):
    name += "@" + opts["--region"]
if os.path.exists(name + ".fail"):
    sys.stderr.write(open(name + ".fail").read())
    sys.exit(254)
value = jmespath.search(opts["--query"], json.load(open(name + ".json"))) if "--query" in opts else json.load(open(name + ".json"))
def text(v):
    if v is None:
        return "None"
    if isinstance(v, list):
        if any(isinstance(x, list) for x in v):
            return "\\n".join(text(x) for x in v)
        return "\\t".join(text(x) for x in v)
    return str(v)
print(text(value))
`;

/** Debian's python3 with jmespath, which the stub needs. */
export function hasJmespath(): boolean {
    return spawnSync(STUB_PYTHON, ["-c", "import jmespath"]).status === 0;
}
