#!/usr/bin/env bash
# npm test [-- <vitest arguments>]: `npm run check` (the type check and the linter) and `vitest run`;
# the run fails if either fails.
#
# Locally the two run side by side. With warm caches the check takes a second or two that the tests'
# own start-up would otherwise wait for; after an edit its re-check uses the moments the tests wait
# on a timer or a server. Its output is kept aside and printed as soon as it fails (the tests run
# on), then again at the end. Under CI=true (a clean clone: no caches, about 25 s of both cores)
# the check runs first and the tests only if it passes: .ci/run reads a missing
# bin/vitest-results.json as "vitest did not run".
set -uo pipefail

rm -f bin/vitest-results.json
if [[ "${CI:-}" == "true" ]]; then
    npm run check || exit
    exec vitest run "$@"
fi

log="$(mktemp)"
# The check in a process group of its own (job control), so that leaving early stops all of it
# (npm, tsc, eslint): Ctrl-C reaches the tests, not a background job.
set -m
(
    npm run check >"$log" 2>&1
    status=$?
    if ((status != 0)); then
        printf '\nnpm test: npm run check failed (exit %d); the tests run on, and the run will fail:\n' "$status" >&2
        cat "$log" >&2
    fi
    exit "$status"
) &
check=$!
set +m
trap 'kill -- "-$check" 2>/dev/null; rm -f "$log"' EXIT
# vitest exits on its own after Ctrl-C (130, not killed by the signal), so bash would go on to wait
# for the check: leave at once instead.
trap 'exit 130' INT
trap 'exit 143' TERM

vitest run "$@"
tests=$?
wait "$check"
checked=$?
if ((checked != 0)); then
    printf '\nnpm test: npm run check failed (exit %d):\n' "$checked" >&2
    cat "$log" >&2
    exit "$checked"
fi
exit "$tests"
