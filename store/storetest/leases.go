package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

func leasedRun(id string, status plumb.RunStatus, owner string, expires time.Time) *plumb.Run {
	r := fullRun(id, t0)
	r.Status, r.FinishedAt, r.Lease = status, time.Time{}, plumb.RunLease{Owner: owner, Expires: expires}
	return r
}

func testRunLeases(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("RenewAndClaim", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		aRunning := leasedRun("a-running", plumb.RunRunning, "a", at(time.Minute))
		aRunning.Lease.Job = "job-7"
		must(t, s.CreateRun(ctx(t), aRunning))
		must(t, s.CreateRun(ctx(t), leasedRun("a-queued", plumb.RunQueued, "a", at(time.Minute))))
		must(t, s.CreateRun(ctx(t), leasedRun("a-done", plumb.RunApplied, "a", at(time.Minute))))
		must(t, s.CreateRun(ctx(t), leasedRun("b-running", plumb.RunRunning, "b", at(time.Minute))))
		must(t, s.CreateRun(ctx(t), leasedRun("no-lease", plumb.RunRunning, "", time.Time{})))

		// UpdateRun by the lease's owner leaves the lease as it is; by
		// anyone else it is refused (fencing: see RunFencing).
		r := leasedRun("a-running", plumb.RunRunning, "a", at(time.Hour))
		r.Error = "still going"
		must(t, s.UpdateRun(ctx(t), r))
		r.Lease.Owner, r.Error = "someone-else", "overwritten"
		wantCode(t, s.UpdateRun(ctx(t), r), plumb.ECONFLICT)
		if got, err := s.Run(ctx(t), "a-running"); err != nil || got.Lease != (plumb.RunLease{Owner: "a", Expires: at(time.Minute), Job: "job-7"}) || got.Error != "still going" {
			t.Fatalf("after UpdateRun: %+v, %v: want the lease CreateRun stored and the owner's update", got, err)
		}

		// a renews its two unfinished runs, not the finished one.
		n, err := s.RenewRunLeases(ctx(t), "a", at(3*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("RenewRunLeases(a) = %d, %v; want 2", n, err)
		}
		// At 2 minutes b's lease has ended, a's has not; the run without a
		// lease counts as expired.
		claimed, err := s.ClaimExpiredRuns(ctx(t), "c", at(2*time.Minute), at(4*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]plumb.RunLease{}
		for _, r := range claimed {
			got[r.ID] = r.Lease
		}
		want := plumb.RunLease{Owner: "c", Expires: at(4 * time.Minute)}
		if len(got) != 2 || got["b-running"] != want || got["no-lease"] != want {
			t.Fatalf("claimed %v, want b-running and no-lease leased to c", got)
		}
		if again, err := s.ClaimExpiredRuns(ctx(t), "d", at(2*time.Minute), at(4*time.Minute)); err != nil || len(again) != 0 {
			t.Fatalf("a second claim took %d runs (%v): a claimed run is the claimer's", len(again), err)
		}
		for id, lease := range map[string]plumb.RunLease{
			"a-running": {Owner: "a", Expires: at(3 * time.Minute), Job: "job-7"}, "a-done": {Owner: "a", Expires: at(time.Minute)}, "b-running": want,
		} {
			if r, err := s.Run(ctx(t), id); err != nil || r.Lease != lease {
				t.Errorf("%s: lease %+v (%v), want %+v", id, r.Lease, err, lease)
			}
		}
		// Once c's lease of them ends too, they are expired again; a
		// finished run never is.
		late, err := s.ClaimExpiredRuns(ctx(t), "e", at(time.Hour), at(2*time.Hour))
		if err != nil || len(late) != 4 {
			t.Errorf("claim at an hour took %d runs (%v), want the 4 unfinished ones", len(late), err)
		}
		_, err = s.RenewRunLeases(ctx(t), "", at(time.Hour))
		wantCode(t, err, plumb.EINVALID)
	})

	t.Run("RunFencing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		run := leasedRun("slow", plumb.RunRunning, "slow-replica", at(time.Minute))
		run.Lease.Job = "42"
		must(t, s.CreateRun(ctx(t), run))
		claimed, err := s.ClaimExpiredRuns(ctx(t), "live (recovering)", at(2*time.Minute), at(3*time.Minute))
		if err != nil || len(claimed) != 1 || claimed[0].Lease != (plumb.RunLease{Owner: "live (recovering)", Expires: at(3 * time.Minute), Job: "42"}) {
			t.Fatalf("claimed %+v, %v: want the run with its job, leased to the claimer", claimed, err)
		}
		interrupted := claimed[0]
		interrupted.Status, interrupted.Error, interrupted.FinishedAt = plumb.RunFailed, "interrupted: gone", at(2*time.Minute)
		must(t, s.UpdateRun(ctx(t), interrupted))
		// The replica taken for dead was only slow: its late write is
		// refused and the recovered outcome stands.
		run.Status, run.Error, run.FinishedAt = plumb.RunApplied, "", at(4*time.Minute)
		wantCode(t, s.UpdateRun(ctx(t), run), plumb.ECONFLICT)
		if got, err := s.Run(ctx(t), "slow"); err != nil || got.Status != plumb.RunFailed || got.Error != "interrupted: gone" {
			t.Fatalf("after the late write: %+v, %v: want the interrupted run", got, err)
		}
		// A run stored without a lease is updated by a writer without one.
		free := fullRun("free", t0)
		must(t, s.CreateRun(ctx(t), free))
		free.Error = "changed"
		must(t, s.UpdateRun(ctx(t), free))
		free.ID = "missing"
		wantCode(t, s.UpdateRun(ctx(t), free), plumb.ENOTFOUND)
	})

	t.Run("ClaimsRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const runs, claimers = 20, 6
		for i := range runs {
			must(t, s.CreateRun(ctx(t), leasedRun(string(rune('a'+i)), plumb.RunRunning, "dead", at(time.Second))))
		}
		var mu sync.Mutex
		owner := map[string][]string{}
		var wg sync.WaitGroup
		for c := range claimers {
			wg.Go(func() {
				me := string(rune('A' + c))
				got, err := s.ClaimExpiredRuns(ctx(t), me, at(time.Minute), at(time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, r := range got {
					owner[r.ID] = append(owner[r.ID], me)
				}
			})
		}
		wg.Wait()
		if len(owner) != runs {
			t.Errorf("%d of %d runs claimed", len(owner), runs)
		}
		for id, by := range owner {
			if len(by) != 1 {
				t.Errorf("run %s claimed by %v, want one claimer", id, by)
			}
		}
	})
}
