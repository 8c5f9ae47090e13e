package runner

import (
	"context"
	"testing"

	"github.com/plumbhq/plumb"
)

// recorded is a store whose Run answers what the store holds now, as
// another process may have recorded it.
type recorded struct {
	nopStore
	run *plumb.Run
}

func (s *recorded) Run(context.Context, string) (*plumb.Run, error) { c := *s.run; return &c, nil }

// A run this runner made is taken over once the store holds it under
// another owner (a replica that took this one for dead recovered it;
// storetest's RunFencing holds the store to refusing the late write),
// and takenOver hands back what that replica recorded. cmd/plumb's
// TestRecoverHandsTheirJobsToRescue covers the recovery on a real store.
func TestRunTakenOver(t *testing.T) {
	st := &recorded{}
	r, err := New(Config{DataDir: t.TempDir(), Store: st, Replica: "live"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := plumb.WithJob(context.Background(), "21")
	run := &plumb.Run{ID: "apply", Kind: plumb.RunApply, Status: plumb.RunRunning, Lease: r.newLease(ctx)}
	if run.Lease.Job != "21" || run.Lease.Owner != "live" {
		t.Fatalf("lease %+v, want the job of ctx and this runner", run.Lease)
	}
	st.run = run
	if _, lost := r.takenOver(ctx, run); lost {
		t.Fatal("a run still this runner's taken for taken over")
	}
	st.run = &plumb.Run{ID: "apply", Kind: plumb.RunApply, Status: plumb.RunFailed, Error: interruptedApplyMsg,
		Lease: plumb.RunLease{Owner: "other (recovering)"}}
	cur, lost := r.takenOver(ctx, run)
	if !lost || !Interrupted(cur) {
		t.Fatalf("takenOver = %+v, %v; want the interrupted run", cur, lost)
	}
	foreign := *run
	foreign.Lease.Owner = "someone else"
	if _, lost := r.takenOver(ctx, &foreign); lost {
		t.Error("another runner's run taken for this one's, lost")
	}
}
