#!/usr/bin/env bash
# Regenerates drift/testdata/plans/*.json, the `tofu show -json` documents of
# real plans that drift's table tests classify, from the configurations in
# drift/testdata/configs (X-next is X after a merge that was not applied),
# with the engine and providers `make tools` serves offline. The plans hold
# only test values; the timestamp is fixed and no temporary path may leak,
# so a rerun differs only in the ids the providers generate.
# Usage: scripts/drift-fixtures.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/.tools/env.sh" ]; then
  echo "drift-fixtures: tools not installed: run make tools first" >&2
  exit 1
fi
. "$root/.tools/env.sh"
configs="$root/drift/testdata/configs"
out="$root/drift/testdata/plans"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n); fi

# tf runs tofu offline in the current project, its output kept for errors.
tf() {
  if ! "${offline[@]}" tofu "$@" -no-color >"$tmp/log" 2>&1; then
    echo "drift-fixtures: $(basename "$PWD"): tofu $*:" >&2
    cat "$tmp/log" >&2
    exit 1
  fi
}

# project NAME CONFIG: a fresh working directory holding CONFIG.
project() {
  mkdir "$tmp/$1"
  cp "$configs/$2"/*.tf "$tmp/$1/"
  cd "$tmp/$1"
  export TF_DATA_DIR="$tmp/$1/.tfdata"
  tf init -input=false
}

applied() {
  tf plan -input=false -out=apply.tfplan
  tf apply -input=false apply.tfplan
}

# merged CONFIG: the configuration a merge brought, not applied.
merged() {
  rm -f ./*.tf
  cp "$configs/$1"/*.tf .
}

# plan FIXTURE: a normal plan (refresh included), shown as JSON.
plan() {
  tf plan -input=false -out=drift.tfplan
  "${offline[@]}" tofu show -json drift.tfplan |
    jq --sort-keys '.timestamp = "2026-01-01T00:00:00Z"' >"$out/$1.json"
  if grep -qF "$tmp" "$out/$1.json"; then
    echo "drift-fixtures: $1.json holds the temporary path $tmp" >&2
    exit 1
  fi
  echo "drift-fixtures: wrote drift/testdata/plans/$1.json"
}

mkdir -p "$out"
rm -f "$out"/*.json

(project deleted_file base && applied && rm out/a.txt && plan deleted_file)
(project edited_file base && applied && echo "edited outside" >out/b.txt && plan edited_file)
(project expired_rotating rotating && applied && plan expired_rotating)
(project pending base && applied && merged base-next && plan pending)
(project never_applied base && plan never_applied)
(project both base && applied && rm out/a.txt && echo "edited outside" >out/b.txt &&
  merged base-next && plan both)
(project sensitive_changed secret && applied && merged secret-next && plan sensitive_changed)
(project sensitive_deleted secret && applied && rm out/s.txt && plan sensitive_deleted)
(project state_only state-only && applied && merged state-only-next && plan state_only)
(project clean base && applied && plan clean_1 && plan clean_2)
(project knockon knockon && applied && rm out/a.txt && plan knockon)
(project knockon_pending knockon && applied && rm out/a.txt && merged knockon-next && plan knockon_pending)
