#!/usr/bin/env bash
# `make bench`: performance figures against their targets, one section per
# area, printed as one table (metric, target, measured). Each section is a
# function that appends rows with `row METRIC TARGET MEASURED`; add yours
# below and call it from main.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=()
row() { ROWS+=("$1|$2|$3"); }

print_table() {
  local r m t v w=6
  for r in "${ROWS[@]}"; do
    IFS='|' read -r m t v <<<"$r"
    [ ${#m} -le "$w" ] || w=${#m}
  done
  printf "%-${w}s  %-10s %s\n" "metric" "target" "measured"
  printf "%-${w}s  %-10s %s\n" "------" "------" "--------"
  for r in "${ROWS[@]}"; do
    IFS='|' read -r m t v <<<"$r"
    printf "%-${w}s  %-10s %s\n" "$m" "$t" "$v"
  done
}

# bench_value BENCH_OUTPUT NAME UNIT: the value before UNIT on NAME's line.
bench_value() {
  awk -v name="$2" -v unit="$3" '$1 ~ "^"name"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1) }' <<<"$1" | tail -1
}

# --- planner: index and affected set of a 5,000-project monorepo ----------
section_planner() {
  local repo=${PLUMB_BENCH_REPO:-${TMPDIR:-/tmp}/plumb-bench-monorepo}
  echo "planner: generating/using the synthetic monorepo at $repo (5,000 projects, 300 modules)" >&2
  local out
  # The benchmarks index git trees through vcs, so they live in cmd/plumb
  # (bench_planner_test.go), where the planner and vcs meet.
  out=$(PLUMB_BENCH_REPO=$repo go test -run '^$' -bench '^BenchmarkPlanner(IndexCold|IndexNext|Affected)$' -benchtime 5x ./cmd/plumb/)
  echo "$out" >&2
  local cold next aff heap
  cold=$(bench_value "$out" BenchmarkPlannerIndexCold ns/op)
  next=$(bench_value "$out" BenchmarkPlannerIndexNext ns/op)
  aff=$(bench_value "$out" BenchmarkPlannerAffected ns/op)
  heap=$(bench_value "$out" BenchmarkPlannerIndexCold peak-heap-MB)
  row "planner: index, cold (5,000 projects)" "<= 2 s" "$(awk -v n="$cold" 'BEGIN { printf "%.2f s", n/1e9 }')"
  row "planner: index, next commit (tree-hash cache)" "-" "$(awk -v n="$next" 'BEGIN { printf "%.2f s", n/1e9 }')"
  row "planner: affected set, 500-file diff" "<= 50 ms" "$(awk -v n="$aff" 'BEGIN { printf "%.1f ms", n/1e6 }')"
  row "planner: peak heap while indexing" "<= 300 MB" "$(printf '%.0f MB' "$heap")"
  if [ -x bin/plumb ]; then
    local rss
    rss=$( { /usr/bin/time -f '%M' bin/plumb affected --repo "$repo" --base HEAD~1 --head HEAD --json >/dev/null; } 2>&1 | tail -1)
    row "planner: plumb affected end to end, max RSS" "-" "$((rss / 1024)) MB"
  fi
}

# --- runner: plumb plan against a raw tofu loop over 20 projects -----------
section_runner() {
  echo "runner: 20 generated projects, raw 'tofu init && tofu plan -out' loop vs plumb plan, one engine, 3 interleaved rounds (medians)" >&2
  local out raw serial par2 waff wall rawp2 rawshow rawcpu plumbcpu eng
  out=$(. .tools/env.sh && go run ./internal/benchrun -plumb bin/plumb)
  read -r raw serial par2 waff wall rawp2 rawshow rawcpu plumbcpu eng <<<"$out"
  row "runner: raw tofu loop, 20 projects, serial ($eng)" "-" "${raw} s"
  row "runner: plumb plan serial / raw loop serial" "<= 1.00" "$(awk -v a="$serial" -v b="$raw" 'BEGIN { printf "%.2f (%.1f s)", a/b, a }')"
  row "runner: plumb plan -parallelism 2 / raw loop 2 at a time" "<= 1.05" "$(awk -v a="$par2" -v b="$rawp2" 'BEGIN { printf "%.2f (%.1f s / %.1f s)", a/b, a, b }')"
  row "runner: CPU per project, plumb / raw loop" "<= 1.15" "$(awk -v a="$plumbcpu" -v b="$rawcpu" 'BEGIN { printf "%.2f (%.2f s / %.2f s)", a/b, a/20, b/20 }')"
  row "runner: warm re-plan, affected only / cold" "<= 0.33" "$(awk -v a="$waff" -v b="$serial" 'BEGIN { printf "%.2f (%.1f s)", a/b, a }')"
  row "runner: warm re-plan, all 20 / cold" "-" "$(awk -v a="$wall" -v b="$serial" 'BEGIN { printf "%.2f (%.1f s)", a/b, a }')"
  # Yardsticks on this machine (see internal/benchrun).
  row "runner: raw loop 2 at a time / raw loop serial" "-" "$(awk -v a="$rawp2" -v b="$raw" 'BEGIN { printf "%.2f (%.1f s)", a/b, a }')"
  row "runner: raw loop + show -json / raw loop" "-" "$(awk -v a="$rawshow" -v b="$raw" 'BEGIN { printf "%.2f (%.1f s)", a/b, a }')"
}

# --- webhook intake and job throughput, SQLite next to PostgreSQL ---------
section_webhook() {
  echo "webhook: bin/plumb serve on SQLite and on a throwaway PostgreSQL (stock settings), 2 interleaved rounds (medians); 10,000 signed deliveries, 16 in flight, from a second process; then queued jobs from first enqueue to completed (internal/benchwebhook)" >&2
  local out name
  local -A rate p50 p99 workers jobrate jobs jobsecs accept wworkers wrate wjobs wsecs
  out=$(go run ./internal/benchwebhook -plumb bin/plumb)
  local a b c d e f g h i j k l
  while read -r name a b c d e f g h i j k l; do
    rate[$name]=$a p50[$name]=$b p99[$name]=$c workers[$name]=$d jobrate[$name]=$e jobs[$name]=$f
    jobsecs[$name]=$g accept[$name]=$h wworkers[$name]=$i wrate[$name]=$j wjobs[$name]=$k wsecs[$name]=$l
  done <<<"$out"
  for name in sqlite postgres; do
    local db=SQLite
    [ "$name" = sqlite ] || db=PostgreSQL
    row "webhook: signed deliveries acknowledged, $db" ">= 2,000/s" "${rate[$name]}/s"
    row "webhook: p99 latency of a 202 (p50), $db" "< 20 ms" "${p99[$name]} ms (${p50[$name]} ms)"
  done
  row "webhook: deliveries/s, PostgreSQL / SQLite" "-" \
    "$(awk -v a="${rate[postgres]}" -v b="${rate[sqlite]}" 'BEGIN { printf "%.2f", a/b }')"
  # Jobs a draft pull request's delivery makes: the queue's own work per
  # job. The queue fetches at most every 10 ms (queue.DefaultFetchCooldown),
  # each fetch as many jobs as there are free workers: workers x 100/s.
  for name in sqlite postgres; do
    local db=SQLite
    [ "$name" = sqlite ] || db=PostgreSQL
    row "jobs: queued jobs completed per second, $db, ${workers[$name]} workers (serve's default)" "-" \
      "$(awk -v r="${jobrate[$name]}" -v n="${jobs[$name]}" -v s="${jobsecs[$name]}" -v a="${accept[$name]}" -v w="${workers[$name]}" 'BEGIN { printf "%.1f/s (%d in %.1f s, all queued in %.1f s; ceiling %d/s)", r, n, s, a, w*100 }')"
    row "jobs: queued jobs completed per second, $db, ${wworkers[$name]} workers" "-" \
      "$(awk -v r="${wrate[$name]}" -v n="${wjobs[$name]}" -v s="${wsecs[$name]}" -v w="${wworkers[$name]}" 'BEGIN { printf "%.1f/s (%d in %.1f s; ceiling %d/s)", r, n, s, w*100 }')"
  done
  row "jobs: jobs/s, PostgreSQL / SQLite, ${workers[sqlite]} and ${wworkers[sqlite]} workers" "-" \
    "$(awk -v a="${jobrate[postgres]}" -v b="${jobrate[sqlite]}" -v c="${wrate[postgres]}" -v d="${wrate[sqlite]}" 'BEGIN { printf "%.2f and %.2f", a/b, c/d }')"
}

# --- merge: merged pull request to apply comment, against raw tofu apply ---
section_merge() {
  echo "merge: plumb serve on the GitHub test server, 3 merged one-project pull requests; raw 'tofu apply' of the same change in a copy" >&2
  local out overhead latency raw
  if ! out=$(. .tools/env.sh && PLUMB_BENCH_TOFU=$PLUMB_TOOLS_DIR/engines/tofu_1.12.6 go test -run '^$' -bench MergeApplyLatency -benchtime 3x ./cmd/plumb); then
    echo "$out" >&2
    return 1
  fi
  echo "$out" >&2
  overhead=$(bench_value "$out" BenchmarkMergeApplyLatency overhead-s)
  latency=$(bench_value "$out" BenchmarkMergeApplyLatency latency-s)
  raw=$(bench_value "$out" BenchmarkMergeApplyLatency raw-apply-s)
  row "merge: apply latency, 1 project, minus raw tofu apply" "<= 1 s" \
    "$(awk -v o="$overhead" -v l="$latency" -v r="$raw" 'BEGIN { printf "%.2f s (latency %.2f s, raw apply %.2f s)", o, l, r }')"
}

# --- plan: pull request opened to plan comment, against raw tofu init + plan ---
section_plan() {
  echo "plan: plumb serve on the GitHub test server, 3 one-project pull requests; raw 'tofu init && tofu plan -out' of the same change in a copy (OpenTofu 1.12.6 on both sides)" >&2
  local out overhead latency raw
  if ! out=$(. .tools/env.sh && PLUMB_BENCH_TOFU=$PLUMB_TOOLS_DIR/engines/tofu_1.12.6 go test -run '^$' -bench PRPlanLatency -benchtime 3x ./cmd/plumb); then
    echo "$out" >&2
    return 1
  fi
  echo "$out" >&2
  overhead=$(bench_value "$out" BenchmarkPRPlanLatency overhead-s)
  latency=$(bench_value "$out" BenchmarkPRPlanLatency latency-s)
  raw=$(bench_value "$out" BenchmarkPRPlanLatency raw-plan-s)
  row "plan: webhook 202 to PR comment, 1 project, minus raw init+plan" "<= 0.5 s" \
    "$(awk -v o="$overhead" -v l="$latency" -v r="$raw" 'BEGIN { printf "%.2f s (latency %.2f s, raw init+plan %.2f s)", o, l, r }')"
}

# --- policy: the example policies on one real plan, against a conftest run ---
section_policy() {
  echo "policy: examples/policy on policy/testdata/plans/mixed.json, in-process vs one conftest test process" >&2
  local out eval plan=policy/testdata/plans/mixed.json n=5 start i conftest
  out=$(go test -run '^$' -bench '^BenchmarkEvaluate$' -benchtime 200x ./policy/)
  echo "$out" >&2
  eval=$(bench_value "$out" BenchmarkEvaluate ns/op)
  [ -x .tools/conftest ] || { echo "policy: .tools/conftest missing: run make tools" >&2; return 1; }
  # conftest exits 0 here (replace warnings only); a failure would stop the loop.
  start=$(date +%s%N)
  for ((i = 0; i < n; i++)); do .tools/conftest test --no-color -p examples/policy "$plan" >/dev/null; done
  conftest=$(( ($(date +%s%N) - start) / n ))
  row "policy: evaluation per plan, example policies" "< 50 ms" \
    "$(awk -v e="$eval" -v c="$conftest" 'BEGIN { printf "%.1f ms (one conftest run %.0f ms: %.3f of it)", e/1e6, c/1e6, e/c }')"
}

# --- drift: a sweep of 200 projects, against its checks one at a time ---
section_drift() {
  echo "drift: 200 generated projects, plumb drift one at a time (sum of check times) and with 2 workers (wall, peak RSS)" >&2
  local out wall sum workers rss n cpu cores
  out=$(. .tools/env.sh && go run ./internal/benchdrift -plumb bin/plumb)
  read -r wall sum workers rss n cpu cores <<<"$out"
  row "drift: sweep of $n projects, wall / (sum of checks / $workers workers)" "<= 1.15" \
    "$(awk -v w="$wall" -v s="$sum" -v k="$workers" 'BEGIN { printf "%.2f (%.1f s; checks %.1f s in all)", w/(s/k), w, s }')"
  # Yardstick: the sweep's CPU spread over every core, as a wall time.
  row "drift: CPU floor, (sweep CPU / $cores cores) / (sum of checks / $workers)" "-" \
    "$(awk -v c="$cpu" -v n="$cores" -v s="$sum" -v k="$workers" 'BEGIN { printf "%.2f (%.1f s CPU)", (c/n)/(s/k), c }')"
  row "drift: plumb's peak RSS during the sweep" "<= 200 MB" "$((rss / 1024)) MB"
}

# --- dashboard: the estate page and the audit and runs queries at scale ---
section_dashboard() {
  echo "dashboard: 5,000 projects, 1,000,000 runs and audit entries in SQLite; pages and API answers through HTTP" >&2
  local out v
  out=$(go test -run '^$' -bench '^BenchmarkDashboardScale$' -benchtime 10x ./cmd/plumb/)
  echo "$out" >&2
  row "dashboard: estate page, 5,000 projects, 1,000,000 runs (server-side)" "< 200 ms" \
    "$(bench_value "$out" BenchmarkDashboardScale/estate ms/op) ms"
  for v in audit-page audit-actor audit-project-since runs-project; do
    row "dashboard: GET /api/v1/ $v, a page of 50" "-" "$(bench_value "$out" "BenchmarkDashboardScale/$v" ms/op) ms"
  done
}

# scripts/bench.sh [planner|runner|webhook|plan|merge|policy|drift|dashboard]...: all sections, or the named ones.
main() {
  local sections=("$@")
  [ ${#sections[@]} -gt 0 ] || sections=(planner runner webhook plan merge policy drift dashboard)
  local s
  for s in "${sections[@]}"; do
    "section_$s"
  done
  print_table
}

main "$@"
