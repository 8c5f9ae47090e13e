package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/store/sqlite"
)

func leaseRunner(t *testing.T) (*runner.Runner, plumb.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := runner.New(runner.Config{DataDir: t.TempDir(), Store: st, Replica: "live"})
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

func leased(id string, kind plumb.RunKind, owner, job string, expires time.Time) *plumb.Run {
	return &plumb.Run{ID: id, Repo: "acme/infra", Project: id, Dir: id, Workspace: "default", Kind: kind,
		Status: plumb.RunRunning, Trigger: "PR #7", Resources: []plumb.ResourceChange{},
		CreatedAt: expires.Add(-time.Hour), StartedAt: expires.Add(-time.Hour),
		Lease: plumb.RunLease{Owner: owner, Expires: expires, Job: job}}
}

// The queue jobs of the runs a recovery marks interrupted go to the
// rescue, each once, after the runs are marked (the job's retry must find
// the interruption); a live replica's run and its job are left alone.
func TestRecoverHandsTheirJobsToRescue(t *testing.T) {
	r, st := leaseRunner(t)
	ctx := context.Background()
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	for _, run := range []*plumb.Run{
		leased("apply", plumb.RunApply, "dead", "11", past), leased("plan", plumb.RunPlan, "dead", "11", past),
		leased("drift", plumb.RunDrift, "dead", "12", past), leased("alive", plumb.RunPlan, "other", "13", future),
	} {
		if err := st.CreateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	var rescued []string
	r.RescueJobsWith(func(ctx context.Context, jobs []string) (int, error) {
		for _, id := range []string{"apply", "plan", "drift"} {
			if run, err := st.Run(ctx, id); err != nil || !runner.Interrupted(run) {
				t.Errorf("%s not marked interrupted before its job's rescue: %+v, %v", id, run, err)
			}
		}
		rescued = append(rescued, jobs...)
		return len(jobs), nil
	})
	n, err := r.RecoverInterrupted(ctx, false)
	if err != nil || n != 3 {
		t.Fatalf("RecoverInterrupted = %d, %v; want the 3 runs of the dead replica", n, err)
	}
	slices.Sort(rescued)
	if !slices.Equal(rescued, []string{"11", "12"}) {
		t.Errorf("rescued jobs %v, want 11 and 12 once each", rescued)
	}
	if run, _ := st.Run(ctx, "alive"); run.Status != plumb.RunRunning {
		t.Errorf("a live replica's run was recovered: %s", run.Status)
	}
}
