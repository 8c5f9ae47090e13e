package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

var keyA = plumb.LockKey{Repo: "acme/infra", Dir: "envs/dev/app", Workspace: "default"}

func lockFor(id, owner string, key plumb.LockKey, acquired time.Time) plumb.Lock {
	return plumb.Lock{ID: id, Key: key, Project: "app-dev", Owner: owner, Reason: "apply c0ffee", RunID: "run-" + id,
		AcquiredAt: acquired}
}

func testLocks(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("Acquire", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := lockFor("l1", "PR #12", keyA, t0)
		got, err := s.AcquireLock(ctx(t), want)
		must(t, err)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("acquired (-want +got):\n%s", d)
		}
		locks, err := s.Locks(ctx(t))
		must(t, err)
		if d := cmp.Diff([]plumb.Lock{want}, locks); d != "" {
			t.Fatalf("Locks (-want +got):\n%s", d)
		}
	})
	t.Run("StampsIDAndTime", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		got, err := s.AcquireLock(ctx(t), plumb.Lock{Key: keyA, Owner: "cli"})
		must(t, err)
		if got.ID == "" || got.AcquiredAt.IsZero() {
			t.Fatalf("lock not stamped: %+v", got)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.AcquireLock(ctx(t), plumb.Lock{Key: keyA})
		wantCode(t, err, plumb.EINVALID)
		_, err = s.AcquireLock(ctx(t), plumb.Lock{Owner: "cli"})
		wantCode(t, err, plumb.EINVALID)
	})
	t.Run("Conflict", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		holder := lockFor("l1", "PR #12", keyA, t0)
		_, err := s.AcquireLock(ctx(t), holder)
		must(t, err)
		got, err := s.AcquireLock(ctx(t), lockFor("l2", "main", keyA, at(time.Minute)))
		wantCode(t, err, plumb.ECONFLICT)
		if d := cmp.Diff(holder, got); d != "" {
			t.Fatalf("conflict returned (-holder +got):\n%s", d)
		}
		if msg := plumb.ErrorMessage(err); !strings.Contains(msg, "PR #12") || !strings.Contains(msg, "app-dev") {
			t.Fatalf("conflict message %q does not name the project and holder", msg)
		}
	})
	t.Run("Reentrant", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		first := lockFor("l1", "PR #12", keyA, t0)
		_, err := s.AcquireLock(ctx(t), first)
		must(t, err)
		got, err := s.AcquireLock(ctx(t), lockFor("l2", "PR #12", keyA, at(time.Minute)))
		must(t, err)
		if d := cmp.Diff(first, got); d != "" {
			t.Fatalf("re-acquire returned (-first +got):\n%s", d)
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		keys := []plumb.LockKey{keyA,
			{Repo: keyA.Repo, Dir: keyA.Dir, Workspace: "staging"},
			{Repo: keyA.Repo, Dir: "envs/prod/app", Workspace: keyA.Workspace},
			{Repo: "acme/other", Dir: keyA.Dir, Workspace: keyA.Workspace}}
		for i, k := range keys {
			_, err := s.AcquireLock(ctx(t), lockFor(fmt.Sprint("l", i), fmt.Sprint("owner", i), k, at(time.Duration(i))))
			must(t, err)
		}
		locks, err := s.Locks(ctx(t))
		must(t, err)
		if len(locks) != len(keys) {
			t.Fatalf("got %d locks, want %d", len(locks), len(keys))
		}
	})
	t.Run("Release", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.AcquireLock(ctx(t), lockFor("l1", "PR #12", keyA, t0))
		must(t, err)
		must(t, s.ReleaseLock(ctx(t), "l1"))
		wantCode(t, s.ReleaseLock(ctx(t), "l1"), plumb.ENOTFOUND)
		got, err := s.AcquireLock(ctx(t), lockFor("l2", "main", keyA, t0))
		must(t, err)
		if got.ID != "l2" {
			t.Fatalf("after release, acquire got %s, want l2", got.ID)
		}
	})
	t.Run("ReleaseOwnedBy", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var mine []plumb.Lock
		for i, ws := range []string{"c", "a", "b"} {
			k := keyA
			k.Workspace = ws
			l := lockFor("pr"+ws, "PR #12", k, at(time.Duration(i)*time.Second))
			_, err := s.AcquireLock(ctx(t), l)
			must(t, err)
			mine = append(mine, l)
		}
		other := lockFor("m", "main", keyA, at(time.Hour))
		_, err := s.AcquireLock(ctx(t), other)
		must(t, err)

		released, err := s.ReleaseLocksOwnedBy(ctx(t), "PR #12")
		must(t, err)
		if d := cmp.Diff(mine, released); d != "" {
			t.Fatalf("released (-want +got):\n%s", d)
		}
		left, err := s.Locks(ctx(t))
		must(t, err)
		if d := cmp.Diff([]plumb.Lock{other}, left); d != "" {
			t.Fatalf("left (-want +got):\n%s", d)
		}
		none, err := s.ReleaseLocksOwnedBy(ctx(t), "PR #99")
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("released %v for an owner with no locks", none)
		}
	})
	t.Run("ListOldestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, ws := range []string{"x", "y", "z"} {
			k := keyA
			k.Workspace = ws
			_, err := s.AcquireLock(ctx(t), lockFor(ws, "o", k, at(time.Duration(3-i)*time.Second)))
			must(t, err)
		}
		locks, err := s.Locks(ctx(t))
		must(t, err)
		var ids []string
		for _, l := range locks {
			ids = append(ids, l.ID)
		}
		if d := cmp.Diff([]string{"z", "y", "x"}, ids); d != "" {
			t.Fatalf("order (-want +got):\n%s", d)
		}
	})
	t.Run("ConcurrentAcquire", func(t *testing.T) { t.Parallel(); ConcurrentAcquire(t, open(t)) })
}

// ConcurrentAcquire has many goroutines, split across the given handles to
// one store, race for one key: exactly one must win and every loser must
// be told that winner. A store that can be opened twice (two processes on
// one database) passes two handles.
func ConcurrentAcquire(t *testing.T, handles ...plumb.Store) {
	const n = 16
	var wg sync.WaitGroup
	type result struct {
		lock plumb.Lock
		err  error
	}
	results := make([]result, n)
	start := make(chan struct{})
	for i := range n {
		s := handles[i%len(handles)]
		wg.Go(func() {
			<-start
			l, err := s.AcquireLock(ctx(t), lockFor(fmt.Sprint("l", i), fmt.Sprint("owner", i), keyA, t0))
			results[i] = result{l, err}
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, r := range results {
		switch {
		case r.err == nil:
			if winner != "" {
				t.Fatalf("two winners: %s and %s", winner, r.lock.ID)
			}
			winner = r.lock.ID
			if r.lock.ID != fmt.Sprint("l", i) {
				t.Fatalf("goroutine %d got lock %s without error", i, r.lock.ID)
			}
		case plumb.ErrorCode(r.err) != plumb.ECONFLICT:
			t.Fatalf("goroutine %d: %v", i, r.err)
		}
	}
	if winner == "" {
		t.Fatal("nobody won the lock")
	}
	for i, r := range results {
		if r.err != nil && r.lock.ID != winner {
			t.Fatalf("goroutine %d was told holder %q, winner is %q", i, r.lock.ID, winner)
		}
	}
}
