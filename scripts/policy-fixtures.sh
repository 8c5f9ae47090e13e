#!/usr/bin/env bash
# Regenerates policy/testdata/plans/*.json, the `tofu show -json` documents of
# real plans that the policy tests (and the conftest side-by-side test in
# cmd/plumb) check, from policy/testdata/config, with the engine and providers
# `make tools` serves offline: never applied (create), applied and planned
# again (no-op), then one variable changed per fixture. The plans hold only
# test values; the timestamp is fixed and no temporary path may leak, so a
# rerun differs only in the ids the providers generate.
# Usage: scripts/policy-fixtures.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${PLUMB_TOOLS_DIR:-$root/.tools}
if [ ! -f "$tools/env.sh" ]; then
  echo "policy-fixtures: tools not installed ($tools/env.sh is missing): run make tools first" >&2
  exit 1
fi
. "$tools/env.sh"
config="$root/policy/testdata/config"
out="$root/policy/testdata/plans"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n); fi

# tf runs tofu offline in the current project, its output kept for errors.
tf() {
  if ! "${offline[@]}" tofu "$@" -no-color >"$tmp/log" 2>&1; then
    echo "policy-fixtures: $(basename "$PWD"): tofu $*:" >&2
    cat "$tmp/log" >&2
    exit 1
  fi
}

# project NAME: a fresh working directory holding the config.
project() {
  mkdir "$tmp/$1"
  cp "$config"/*.tf "$tmp/$1/"
  cd "$tmp/$1"
  export TF_DATA_DIR="$tmp/$1/.tfdata"
  tf init -input=false
}

applied() {
  tf plan -input=false -out=apply.tfplan
  tf apply -input=false apply.tfplan
}

# plan FIXTURE [-var ...]: a normal plan, shown as JSON.
plan() {
  local name=$1
  shift
  tf plan -input=false -out=policy.tfplan "$@"
  "${offline[@]}" tofu show -json policy.tfplan |
    jq --sort-keys '.timestamp = "2026-01-01T00:00:00Z"' >"$out/$name.json"
  if grep -qF "$tmp" "$out/$name.json"; then
    echo "policy-fixtures: $name.json holds the temporary path $tmp" >&2
    exit 1
  fi
  echo "policy-fixtures: wrote policy/testdata/plans/$name.json"
}

mkdir -p "$out"
rm -f "$out"/*.json

(project create && plan create)
(project noop && applied && plan noop)
(project update && applied && plan update -var owner=team-b)
(project replace && applied && plan replace -var generation=2)
(project delete && applied && plan delete -var keep_legacy=false)
(project add && applied && plan add -var with_cache=true)
(project sensitive && applied && plan sensitive -var token=fixture-secret-two)
(project mixed && applied && plan mixed -var owner=team-b -var generation=2 -var keep_legacy=false \
  -var with_cache=true -var token=fixture-secret-two)
