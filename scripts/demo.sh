#!/usr/bin/env bash
# make demo: shows what plumb does today on examples/, for real and offline.
# Each step is a small function so later verbs replace steps one by one:
# It ends with a drift: a file changed out of band, found by `plumb drift`.
# Its data stays in .demo/ (replaced by the next run) for `make dashboard`.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${PLUMB_TOOLS_DIR:-$REPO/.tools}
PLUMB=${PLUMB_BIN:-$REPO/bin/plumb}
WORK=${PLUMB_DEMO_DIR:-$REPO/.demo}
GH_REPO=acme/infra # what the demo repo's origin names it: the key plumb serve knows it by
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
  if [ -f "$WORK/dashboard.pid" ] && kill -0 "$(cat "$WORK/dashboard.pid")" 2>/dev/null; then
    die "make dashboard is serving $WORK (pid $(cat "$WORK/dashboard.pid")): stop it (Ctrl-C) first"
  fi
  # Only a directory an earlier demo made is replaced: PLUMB_DEMO_DIR may
  # point anywhere.
  if [ -e "$WORK" ] && [ ! -f "$WORK/.plumb-demo" ]; then
    die "$WORK exists and is not the demo's: move it away or set PLUMB_DEMO_DIR"
  fi
  rm -rf "$WORK"
  mkdir -p "$WORK"
  touch "$WORK/.plumb-demo"
  # plumb runs each commit in its own worktree, so files the examples write
  # go to one absolute place rather than next to the code.
  export TF_VAR_output_dir=$WORK/out
}

show_version() {
  step "plumb version: the engines plumb finds (built by make tools into $TOOLS/bin)"
  "$PLUMB" version | indent
}

# The examples go into a git repo of their own: plumb works on commits, and
# the demo must not leave state or files in your working copy. Its origin
# is only a name (nothing is pushed): runs and state are kept under
# acme/infra, as plumb serve knows the repository, so the dashboard shows them.
prepare_repo() {
  step "copy examples/ into a git repo of their own: $WORK/repo"
  cp -R "$REPO/examples" "$WORK/repo"
  git -C "$WORK/repo" init -q -b main
  git -C "$WORK/repo" add -A
  git -C "$WORK/repo" -c user.name=demo -c user.email=demo@plumb.invalid commit -q -m "examples"
  git -C "$WORK/repo" remote add origin "https://github.com/$GH_REPO.git"
  note "commit $(git -C "$WORK/repo" rev-parse --short HEAD); origin names it $GH_REPO (never pushed to)"
  DIR=$WORK/repo/$PROJECT
}

list_projects() {
  step "plumb validate + plumb projects: plumb.yaml checked, projects in apply order"
  "$PLUMB" validate --repo "$WORK/repo" | indent
  "$PLUMB" projects --repo "$WORK/repo" | indent
}

plan_all() {
  step "plumb plan: a real init + plan -out + show -json of every project, providers from the offline mirror"
  "$PLUMB" plan --repo "$WORK/repo" 2>&1 | grep -Ev '^\s*$' | grep -Ev '^  (planning|running) ' | tail -n 12 | indent
}

apply_all() {
  step "plumb apply --auto-approve: the saved plans, applied in order (depends_on, then dev -> staging -> prod) under locks"
  "$PLUMB" apply --repo "$WORK/repo" --auto-approve 2>&1 | grep -E '^(PROJECT|\S+ +envs/)' | tail -n 7 | indent
  note "state is kept by plumb in $WORK/repo/.plumb/state (0600), never in your tree"
}

pull_request() {
  step "a change on a branch: plumb affected says which projects it touches and why"
  git -C "$WORK/repo" checkout -q -b log-level
  sed -i 's/^    replicas = var.replicas$/    replicas = var.replicas\n    log      = "debug"/' "$WORK/repo/modules/app/main.tf"
  git -C "$WORK/repo" -c user.name=demo -c user.email=demo@plumb.invalid commit -qam "app: log at debug"
  note "modules/app: the rendered config gains log = \"debug\""
  "$PLUMB" affected --repo "$WORK/repo" --base main --head log-level | indent
  step "plumb plan --base main --head log-level --comment-out: the exact PR comment plumb would post"
  "$PLUMB" plan --repo "$WORK/repo" --base main --head log-level --comment-out "$WORK/comment.md" >/dev/null 2>&1 || true
  head -n 14 "$WORK/comment.md" | indent
  note "... ($(wc -c <"$WORK/comment.md") characters; the full body is split at GitHub's 65,536-character limit)"
  git -C "$WORK/repo" checkout -q main
}

break_something() {
  step "out-of-band change: delete a file the dev app manages, behind the engine's back"
  CONFIG=$(ls "$WORK"/out/app-dev-*.json 2>/dev/null | head -n 1)
  [ -n "$CONFIG" ] || die "no managed file of app-dev found in $WORK/out"
  rm "$CONFIG"
  note "rm ${CONFIG#$WORK/}"
}

detect_drift() {
  step "plumb drift: every project planned against its state; what changed outside told from unapplied config"
  local rc=0
  "$PLUMB" drift --repo "$WORK/repo" --report-out "$WORK/drift.html" >"$WORK/drift.txt" 2>"$WORK/drift.err" || rc=$?
  [ "$rc" = 2 ] || die "plumb drift exited $rc, want 2 (drift found): $(tail -n 20 "$WORK/drift.err")"
  indent <"$WORK/drift.txt"
  note "exit code $rc: drift found (0 all clean, 1 any error); app-dev's deleted file is out_of_band; the trigger it feeds is replaced by the restore, so it is not reported as pending"
  note "the HTML report (one self-contained page): $WORK/drift.html"
}

github_pr() {
  step "plumb serve on a pull request: GitHub's own webhook payload, the GitHub test server, real tofu"
  note "runs the end-to-end test TestServePullRequests (go test) and shows the comment GitHub received"
  local log=$WORK/serve-e2e.log
  (cd "$REPO" && go test ./cmd/plumb -run '^TestServePullRequests$' -count=1 -v) >"$log" 2>&1 ||
    die "TestServePullRequests failed: $(tail -n 30 "$log")"
  sed -n '/PR #7 comment as GitHub received it:/,/(end of comment)/p' "$log" | sed '1d;$d' | sed 's/^        //' | head -n 24 | indent
  note "... then a push edits that same comment, a second PR is told PR #7 holds the lock, and is planned once #7 closes"
}

github_merge() {
  step "the pull request merged: plumb applies it on the merge commit, in order, under the PR's locks"
  note "runs the end-to-end test TestServeMergeApplies/merge: approved, the base moves, merged, applied"
  local log=$WORK/merge-e2e.log
  (cd "$REPO" && go test ./cmd/plumb -run '^TestServeMergeApplies$/^merge$' -count=1 -v) >"$log" 2>&1 ||
    die "TestServeMergeApplies/merge failed: $(tail -n 30 "$log")"
  sed -n '/PR #7 apply comment as GitHub received it:/,/(end of comment)/p' "$log" | sed '1d;$d' | sed 's/^        //' | head -n 24 | indent
  note "... one apply comment, edited as each project finished; plumb/apply statuses on the merge commit; locks released"
}

main() {
  setup
  show_version
  prepare_repo
  list_projects
  # PLUMB_DEMO_QUICK=1 (the dashboard's test, internal/githubdemo) keeps
  # only the steps whose data the estate shows: applies and drift.
  if [ "${PLUMB_DEMO_QUICK:-}" != 1 ]; then
    plan_all
  fi
  apply_all
  if [ "${PLUMB_DEMO_QUICK:-}" != 1 ]; then
    pull_request
    github_pr
    github_merge
  fi
  break_something
  detect_drift
  touch "$WORK/complete"
  step "done: real plans, applies, a PR comment, a merge applied and a drift sweep of examples/, offline"
  note "the demo's repo, runs, state and drift are kept in $WORK (replaced by the next make demo)"
  local open="make dashboard"
  [ -z "${PLUMB_DEMO_DIR:-}" ] || open="PLUMB_DEMO_DIR=$WORK make dashboard"
  step "see them in plumb's dashboard: $open"
  note "it starts bin/plumb serve on $WORK with a GitHub test server for the login, and prints"
  note "the URL and the logins (alice may write, bob only reads); Ctrl-C stops both"
}

main "$@"
