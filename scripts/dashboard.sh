#!/usr/bin/env bash
# make dashboard: the real plumb serve on make demo's data (.demo/), with a
# GitHub test server (internal/githubdemo) for the login, until Ctrl-C.
# The test server hosts the demo's repo as acme/infra: serve reads plumb.yaml
# there for the estate's layout and asks it who may write.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${PLUMB_TOOLS_DIR:-$REPO/.tools}
DEMO=${PLUMB_DEMO_DIR:-$REPO/.demo}
PLUMB=${PLUMB_BIN:-$REPO/bin/plumb}
GITHUBDEMO=${PLUMB_GITHUBDEMO:-$REPO/bin/githubdemo}
LISTEN=${PLUMB_DASHBOARD_LISTEN:-127.0.0.1:4141}
GH_REPO=acme/infra # the name demo.sh's origin gives the repo

die() { printf 'dashboard: %s\n' "$*" >&2; exit 1; }

[ -d "$DEMO" ] || die "no demo data in $DEMO: run \`make demo\` first (it applies examples/ with real tofu and keeps what it did there), then \`make dashboard\`"
[ -f "$DEMO/complete" ] || die "the last make demo in $DEMO did not finish: run \`make demo\` again, then \`make dashboard\`"
[ -f "$TOOLS/env.sh" ] || die "$TOOLS/env.sh is missing: run \`make tools\` first"
[ -x "$PLUMB" ] || die "$PLUMB is missing: run \`make build\` (or \`make dashboard\`, which builds it)"
[ -x "$GITHUBDEMO" ] || die "$GITHUBDEMO is missing: run \`make dashboard\`, which builds it"
if [ -f "$DEMO/dashboard.pid" ] && kill -0 "$(cat "$DEMO/dashboard.pid")" 2>/dev/null; then
  die "a dashboard is already serving $DEMO (pid $(cat "$DEMO/dashboard.pid"))"
fi
# shellcheck source=/dev/null
. "$TOOLS/env.sh"
# The same place the demo's applies wrote to: a drift check serve runs
# (the prod projects sweep hourly) then finds what the demo left.
export TF_VAR_output_dir=$DEMO/out

DATA=$DEMO/repo/.plumb
ENVFILE=$DEMO/github.env
GH_LOG=$DEMO/github.log
SERVE_LOG=$DEMO/serve.log
GH_PID= SERVE_PID=

# stop ends serve first (it drains), then the GitHub it talks to; it
# returns non-zero when either did not stop cleanly.
stop() {
  local rc=0
  if [ -n "$SERVE_PID" ]; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" || { rc=$?; printf 'dashboard: plumb serve exited %s; the end of %s:\n' "$rc" "$SERVE_LOG" >&2; tail -n 20 "$SERVE_LOG" >&2; }
    SERVE_PID=
  fi
  if [ -n "$GH_PID" ]; then
    kill -TERM "$GH_PID" 2>/dev/null || true
    local ghrc=0
    wait "$GH_PID" || { ghrc=$?; printf 'dashboard: githubdemo exited %s; the end of %s:\n' "$ghrc" "$GH_LOG" >&2; tail -n 20 "$GH_LOG" >&2; }
    [ "$ghrc" = 0 ] || rc=$ghrc
    GH_PID=
  fi
  rm -f "$DEMO/dashboard.pid" "$ENVFILE"
  return "$rc"
}
trap 'stop || true' EXIT

# http_get prints serve's whole answer to GET $1 as the admin, with bash's
# /dev/tcp (no curl needed).
http_get() {
  (
    exec 3<>"/dev/tcp/${LISTEN%:*}/${LISTEN##*:}" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n' "$1" "$LISTEN" "$ADMIN_TOKEN" >&3
    cat <&3
  ) 2>/dev/null
}

# estate_ready: serve answers and its estate lists the demo's projects,
# which it reads from the repo's mirror once its first drift sweep (at
# start) has fetched it; until then the estate would be empty.
estate_ready() { http_get /api/v1/projects | grep -q '"app-dev"'; }

# waitfor polls a condition for up to 60 s while pid lives.
waitfor() {
  local what=$1 pid=$2 log=$3
  shift 3
  for _ in $(seq 600); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited before it was up; the end of $log:
$(tail -n 20 "$log")"
    sleep 0.1
  done
  die "$what not up after 60 s; the end of $log:
$(tail -n 20 "$log")"
}

echo $$ >"$DEMO/dashboard.pid"
rm -f "$ENVFILE"
"$GITHUBDEMO" -repo "$DEMO/repo" -name "$GH_REPO" -write alice -read bob -env-file "$ENVFILE" >"$GH_LOG" 2>&1 &
GH_PID=$!
waitfor "the GitHub test server (githubdemo)" "$GH_PID" "$GH_LOG" test -f "$ENVFILE"
# shellcheck source=/dev/null
. "$ENVFILE"

ADMIN_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# Secrets go by environment, not argv (ps shows argv). --drift-repos names
# the repo, so serve knows it before any webhook: its estate layout and
# drift sweeps both come from there.
PLUMB_GITHUB_TOKEN=$GITHUB_TOKEN PLUMB_GITHUB_CLIENT_SECRET=$GITHUB_CLIENT_SECRET \
  PLUMB_WEBHOOK_SECRET=$GITHUB_WEBHOOK_SECRET PLUMB_ADMIN_TOKEN=$ADMIN_TOKEN \
  "$PLUMB" serve --data-dir "$DATA" --listen "$LISTEN" --github-url "$GITHUB_URL" \
  --github-client-id "$GITHUB_CLIENT_ID" --drift-repos "$GH_REPO" >"$SERVE_LOG" 2>&1 &
SERVE_PID=$!
waitfor "plumb serve" "$SERVE_PID" "$SERVE_LOG" estate_ready

URL=http://$LISTEN
cat <<EOF

  plumb's dashboard on make demo's data: $URL/

  Log in with GitHub: the GitHub test server's sign-in form ($GITHUB_URL) asks only for a user name:
    alice   may write on $GH_REPO (can release locks)
    bob     may only read
  The API:  curl -H 'Authorization: Bearer $ADMIN_TOKEN' $URL/api/v1/projects

  What runs: ${PLUMB#$REPO/} serve --data-dir ${DATA#$REPO/} --listen $LISTEN --github-url $GITHUB_URL \\
               --github-client-id $GITHUB_CLIENT_ID --drift-repos $GH_REPO   (secrets in PLUMB_* variables)
  Logs: ${SERVE_LOG#$REPO/} (plumb serve), ${GH_LOG#$REPO/} (the GitHub test server)
  Ctrl-C stops both.

EOF

interrupted=
trap 'interrupted=1' INT TERM
rc=0 ended=
wait -n -p ended "$SERVE_PID" "$GH_PID" || rc=$?
# Ctrl-C reaches the two servers as well: one may have ended (exit 0, as
# each does when told to stop) before the trap ran.
who= log=
if [ "${ended:-}" = "$SERVE_PID" ]; then
  SERVE_PID= who="plumb serve" log=$SERVE_LOG
elif [ -n "${ended:-}" ]; then
  GH_PID= who=githubdemo log=$GH_LOG
fi
if [ -n "$who" ] && [ "$rc" != 0 ]; then
  printf 'dashboard: %s exited %s; the end of %s:\n' "$who" "$rc" "$log" >&2
  tail -n 20 "$log" >&2
  exit 1 # the EXIT trap stops the other
fi
printf '\ndashboard: stopping\n'
trap - EXIT
stop
echo "dashboard: stopped"
