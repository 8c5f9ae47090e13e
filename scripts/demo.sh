#!/usr/bin/env bash
# make demo: shows what plumb does today on examples/, for real and offline.
# Each step is a small function so later verbs replace steps one by one:
#   plan_project/apply_project -> `plumb plan` / `plumb apply`, detect_drift -> `plumb drift`.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${PLUMB_TOOLS_DIR:-$REPO/.tools}
PLUMB=$REPO/bin/plumb
PROJECT=envs/dev/app # the example project the demo drives

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'demo: FAILED: %s\n' "$*" >&2; exit 1; }
indent() { sed 's/^/    | /'; }

setup() {
  [ -f "$TOOLS/env.sh" ] || die "$TOOLS/env.sh is missing: run \`make tools\` first"
  [ -x "$PLUMB" ] || die "$PLUMB is missing: run \`make build\` first"
  # shellcheck source=/dev/null
  . "$TOOLS/env.sh"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/plumb-demo.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
}

show_version() {
  step "plumb version: the engines plumb finds (built by make tools into $TOOLS/bin)"
  "$PLUMB" version | indent
}

# The examples go into a throwaway git repo: plumb works on commits, and the
# demo must not leave state or files in your working copy.
prepare_repo() {
  step "copy examples/ into a throwaway git repo: $WORK/repo"
  cp -R "$REPO/examples" "$WORK/repo"
  git -C "$WORK/repo" init -q -b main
  git -C "$WORK/repo" add -A
  git -C "$WORK/repo" -c user.name=demo -c user.email=demo@plumb.invalid commit -q -m "examples"
  note "commit $(git -C "$WORK/repo" rev-parse --short HEAD)"
  DIR=$WORK/repo/$PROJECT
}

list_projects() {
  step "plumb validate + plumb projects: plumb.yaml checked, projects in apply order"
  "$PLUMB" validate --repo "$WORK/repo" | indent
  "$PLUMB" projects --repo "$WORK/repo" | indent
}

tf() { tofu -chdir="$DIR" "$@" -no-color; }

plan_project() {
  step "tofu init + plan -out ($PROJECT): providers come from the offline mirror"
  tf init -input=false >/dev/null
  note "init: $(ls "$DIR/.terraform/providers/registry.opentofu.org/hashicorp" | paste -sd' ') from $TOOLS/mirror"
  tf plan -input=false -out=plan.tfplan | grep -E '^\s+# |^Plan:' | indent
}

apply_project() {
  step "tofu apply plan.tfplan"
  tf apply -input=false plan.tfplan | grep -E '^Apply complete' | indent
  note "files it manages:"
  (cd "$DIR" && ls -l out/) | tail -n +2 | indent
}

break_something() {
  step "out-of-band change: delete the app's config file behind the engine's back"
  CONFIG=$(cd "$DIR" && ls out/*.json)
  rm "$DIR/$CONFIG"
  note "rm $PROJECT/$CONFIG"
}

detect_drift() {
  step "tofu plan -detailed-exitcode: 0 = clean, 2 = changes"
  local rc=0
  tf plan -input=false -detailed-exitcode -out=drift.tfplan >"$WORK/drift.txt" || rc=$?
  sed -n '/changed outside/,/^Unless you have made/p' "$WORK/drift.txt" | grep -E '^\s+# .* has (been|changed)' | indent
  grep -E '^Plan:' "$WORK/drift.txt" | indent
  [ "$rc" = 2 ] || die "plan -detailed-exitcode exited $rc, want 2 (drift): $(cat "$WORK/drift.txt")"
  note "exit code $rc: drift found; tofu show -json lists it under resource_drift:"
  tf show -json drift.tfplan | grep -o '"resource_drift":\[{"address":"[^"]*"' | sed 's/.*"address":/resource_drift: /' | indent
}

main() {
  setup
  show_version
  prepare_repo
  list_projects
  plan_project
  apply_project
  break_something
  detect_drift
  step "done: a real init, plan, apply and drift check of $PROJECT, offline"
}

main "$@"
