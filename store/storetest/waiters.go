package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func waiter(owner string, since time.Time) plumb.LockWaiter {
	return plumb.LockWaiter{Key: keyA, Project: "app-dev", Owner: owner, Since: since, Expires: time.Now().Add(time.Hour)}
}

func testLockLine(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("PlacesInLine", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.AcquireLock(ctx(t), lockFor("l1", "PR #1", keyA, t0))
		must(t, err)
		for i, owner := range []string{"PR #2", "PR #3"} {
			place, err := s.WaitForLock(ctx(t), waiter(owner, at(time.Duration(i)*time.Second)))
			must(t, err)
			if place != i+1 {
				t.Fatalf("%s is at place %d, want %d", owner, place, i+1)
			}
		}
		// Waiting again keeps one's place (and first Since).
		place, err := s.WaitForLock(ctx(t), waiter("PR #2", at(time.Hour)))
		must(t, err)
		if place != 1 {
			t.Fatalf("PR #2 waiting again is at place %d, want 1", place)
		}
		ws, err := s.LockWaiters(ctx(t))
		must(t, err)
		if len(ws) != 2 || ws[0].Owner != "PR #2" || !ws[0].Since.Equal(t0) || ws[1].Owner != "PR #3" {
			t.Fatalf("waiters %+v, want PR #2 (since t0) then PR #3", ws)
		}
	})
	t.Run("FreeKeyGoesToFirstInLine", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.AcquireLock(ctx(t), lockFor("l1", "PR #1", keyA, t0))
		must(t, err)
		_, err = s.WaitForLock(ctx(t), waiter("PR #2", t0))
		must(t, err)
		_, err = s.WaitForLock(ctx(t), waiter("PR #3", at(time.Second)))
		must(t, err)
		must(t, s.ReleaseLock(ctx(t), "l1"))
		// A newcomer and the second in line are told who is first.
		for _, owner := range []string{"PR #9", "PR #3"} {
			got, err := s.AcquireLock(ctx(t), lockFor("x"+owner, owner, keyA, at(time.Minute)))
			wantCode(t, err, plumb.ECONFLICT)
			if got.Owner != "PR #2" || !strings.Contains(plumb.ErrorMessage(err), "PR #2") {
				t.Fatalf("%s: told %+v (%v), want PR #2 named as first in line", owner, got, err)
			}
		}
		got, err := s.AcquireLock(ctx(t), lockFor("l2", "PR #2", keyA, at(time.Minute)))
		must(t, err)
		if got.ID != "l2" {
			t.Fatalf("first in line got %+v", got)
		}
		ws, err := s.LockWaiters(ctx(t))
		must(t, err)
		if len(ws) != 1 || ws[0].Owner != "PR #3" {
			t.Fatalf("after PR #2 took the lock the line is %+v, want PR #3 alone", ws)
		}
	})
	t.Run("ExpiredWaitersDropOut", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		gone := waiter("PR #2", t0)
		gone.Expires = time.Now().Add(-time.Second)
		_, err := s.WaitForLock(ctx(t), gone)
		must(t, err)
		if _, err := s.AcquireLock(ctx(t), lockFor("l1", "PR #3", keyA, t0)); err != nil {
			t.Fatalf("an expired waiter still holds the line: %v", err)
		}
		ws, err := s.LockWaiters(ctx(t))
		must(t, err)
		if len(ws) != 0 {
			t.Fatalf("expired waiters listed: %+v", ws)
		}
	})
	t.Run("ReleaseOwnedByLeavesLines", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.AcquireLock(ctx(t), lockFor("l1", "PR #1", keyA, t0))
		must(t, err)
		_, err = s.WaitForLock(ctx(t), waiter("PR #2", t0))
		must(t, err)
		_, err = s.ReleaseLocksOwnedBy(ctx(t), "PR #2")
		must(t, err)
		ws, err := s.LockWaiters(ctx(t))
		must(t, err)
		if len(ws) != 0 {
			t.Fatalf("a closed PR still waits: %+v", ws)
		}
	})
	t.Run("WaitInvalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.WaitForLock(ctx(t), plumb.LockWaiter{Key: keyA, Owner: "PR #2"})
		wantCode(t, err, plumb.EINVALID)
	})
	t.Run("UpdateLock", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		l := lockFor("l1", "PR #1", keyA, t0)
		_, err := s.AcquireLock(ctx(t), l)
		must(t, err)
		l.Reason, l.RunID = "apply interrupted; state may be partial", "run-9"
		must(t, s.UpdateLock(ctx(t), l))
		locks, err := s.Locks(ctx(t))
		must(t, err)
		if d := cmp.Diff([]plumb.Lock{l}, locks); d != "" {
			t.Fatalf("updated lock (-want +got):\n%s", d)
		}
		wantCode(t, s.UpdateLock(ctx(t), plumb.Lock{ID: "nope"}), plumb.ENOTFOUND)
	})
}
