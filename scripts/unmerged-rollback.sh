#!/usr/bin/env bash
# usage: scripts/unmerged-rollback.sh <stack>
#
# Exits 1, naming the pull request, while a rollback of <stack> is unmerged: an open pull request
# from a `rollback/<stack>-<run id>` branch (rollback.yml opens one per rollback). deploy.yml runs it
# before each stack's update: the commit being deployed predates the rollback and names the old live
# color, so updating the stack now would switch traffic back. Needs `gh` with GH_TOKEN and
# GITHUB_REPOSITORY (both set in Actions).
set -euo pipefail
stack="${1:?usage: unmerged-rollback.sh <stack>}"
# One line per open pull request: "<head branch> <url>" (gh's --jq uses its built-in jq).
prs="$(gh pr list --repo "$GITHUB_REPOSITORY" --state open --limit 200 --json headRefName,url --jq '.[] | "\(.headRefName) \(.url)"')"
found=()
while read -r head url; do
  case "$head" in
    "rollback/${stack}-"*) found+=("$url") ;;
  esac
done <<< "$prs"
if [ "${#found[@]}" -gt 0 ]; then
  echo "::error::a rollback of ${stack} is not merged: ${found[*]}. Merge it (the stack file then names the live color) and re-run this deploy, or close it to let this deploy switch traffic back."
  exit 1
fi
echo "no unmerged rollback of ${stack}"
