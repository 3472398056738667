#!/usr/bin/env bash
# usage: scripts/unmerged-rollback.sh <stack>
#
# Exits 1, naming what to merge, while a rollback of <stack> is unmerged. rollback.yml pushes one
# branch `rollback/<stack>-<run id>` per rollback and opens a pull request from it. A rollback is
# unmerged while one of those branches has an open pull request, or none at all: the pull request
# step can fail after the branch was pushed (a token that may not open pull requests), and the
# branch alone must still hold the lock. A branch whose pull request was merged, or closed unmerged
# (a deliberate "switch back"), releases it. deploy.yml runs this before each stack's update: the
# commit being deployed predates the rollback and names the old live color, so updating the stack
# now would switch traffic back. Needs `gh` with GH_TOKEN (contents: read, pull-requests: read) and
# GITHUB_REPOSITORY (both set in Actions). Any gh failure fails the script (set -e): no answer is no
# go-ahead.
set -euo pipefail
stack="${1:?usage: unmerged-rollback.sh <stack>}"
# The stack's rollback branches: REST "List matching references" (GET
# /repos/{owner}/{repo}/git/matching-refs/{ref}) returns [{"ref": "refs/heads/...", ...}] for every
# ref that starts with the given one (docs.github.com/en/rest/git/refs). gh's --jq is gojq.
branches="$(gh api --paginate "repos/${GITHUB_REPOSITORY}/git/matching-refs/heads/rollback/${stack}-" --jq '.[].ref | ltrimstr("refs/heads/")')"
found=()
while read -r branch; do
  [ -n "$branch" ] || continue
  # Every pull request from that branch, in any state: "<STATE> <url>" (OPEN, CLOSED or MERGED). --head
  # filters by branch name alone (GraphQL pullRequests(headRefName:), cli/cli pkg/cmd/pr/list/http.go),
  # so a fork's pull request from a branch of the same name is listed too: only this repository's
  # own (isCrossRepository false) is the rollback's, or a stranger could lock or unlock the stack.
  prs="$(gh pr list --repo "$GITHUB_REPOSITORY" --head "$branch" --state all --json state,url,isCrossRepository --jq '.[] | select(.isCrossRepository | not) | "\(.state) \(.url)"')"
  if grep -q '^MERGED ' <<< "$prs"; then
    continue
  fi
  open="$(sed -n 's/^OPEN //p' <<< "$prs")"
  if [ -n "$open" ]; then
    found+=("$open")
  elif [ -z "$prs" ]; then
    found+=("branch ${branch} (no pull request: open one from it)")
  fi
done <<< "$branches"
if [ "${#found[@]}" -gt 0 ]; then
  echo "::error::a rollback of ${stack} is not merged: ${found[*]}. Merge it (the stack file then names the live color) and re-run this deploy, or close it (or delete a branch without one) to let this deploy switch traffic back."
  exit 1
fi
echo "no unmerged rollback of ${stack}"
