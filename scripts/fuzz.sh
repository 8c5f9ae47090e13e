#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME, default 3000 executions each) so
# `make test` keeps them honest; `FUZZTIME=5m scripts/fuzz.sh` fuzzes for real.
#
# The default is a count, not a duration: on go1.26 a duration's deadline
# races the fuzz coordinator's own shutdown and fails a clean target with a
# bare "context deadline exceeded" (golang/go#75804, fixed in go1.27). A count
# sets no deadline, so a loaded CI machine only runs it slower.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-3000x}
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
