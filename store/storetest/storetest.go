package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call and close it when t ends; the subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("Runs", func(t *testing.T) { testRuns(t, open) })
	t.Run("RunLeases", func(t *testing.T) { testRunLeases(t, open) })
	t.Run("RunLogs", func(t *testing.T) { testRunLogs(t, open) })
	t.Run("Locks", func(t *testing.T) { testLocks(t, open) })
	t.Run("LockLine", func(t *testing.T) { testLockLine(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("DriftStates", func(t *testing.T) { testDriftStates(t, open) })
	t.Run("DriftAcks", func(t *testing.T) { testDriftAcks(t, open) })
	t.Run("RunDrift", func(t *testing.T) { testRunDrift(t, open) })
	t.Run("PolicyApprovals", func(t *testing.T) { testPolicyApprovals(t, open) })
	t.Run("Estate", func(t *testing.T) { testEstate(t, open) })
}

// t0 is a fixed instant with nanoseconds, to prove times round-trip exactly.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := plumb.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }
