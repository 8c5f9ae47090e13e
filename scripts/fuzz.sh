#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME, default 3s each) so `make test`
# keeps them honest; `FUZZTIME=5m scripts/fuzz.sh` fuzzes for real.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-3s}
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz: $pkg $target ($FUZZTIME)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
    n=$((n+1))
  done
done
echo "fuzz: $n targets clean"
