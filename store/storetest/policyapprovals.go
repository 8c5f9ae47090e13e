package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func testPolicyApprovals(t *testing.T, open func(t *testing.T) plumb.Store) {
	approval := func(id, run string, d time.Duration) plumb.PolicyApproval {
		return plumb.PolicyApproval{ID: id, Repo: "acme/infra", Project: "app-prod", RunID: run,
			PlanSHA256: "sha-" + run, By: "alice ✓", CreatedAt: at(d)}
	}
	t.Run("ByRunOldestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b, other := approval("a", "run-1", time.Minute), approval("b", "run-1", time.Nanosecond), approval("c", "run-2", 0)
		for _, x := range []plumb.PolicyApproval{a, b, other} {
			must(t, s.CreatePolicyApproval(ctx(t), &x))
		}
		got, err := s.PolicyApprovals(ctx(t), "run-1")
		must(t, err)
		if d := cmp.Diff([]plumb.PolicyApproval{b, a}, got); d != "" {
			t.Fatalf("PolicyApprovals(run-1) (-want +got):\n%s", d)
		}
		none, err := s.PolicyApprovals(ctx(t), "run-3")
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("PolicyApprovals(run-3) = %#v, want an empty list", none)
		}
	})
	t.Run("Stamps", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := approval("", "run-1", 0)
		a.CreatedAt = time.Time{}
		must(t, s.CreatePolicyApproval(ctx(t), &a))
		if a.ID == "" || a.CreatedAt.IsZero() {
			t.Fatalf("ID or CreatedAt not filled in: %+v", a)
		}
		got, err := s.PolicyApprovals(ctx(t), "run-1")
		must(t, err)
		if len(got) != 1 || got[0].ID != a.ID || !got[0].CreatedAt.Equal(a.CreatedAt) {
			t.Fatalf("got %+v, want %+v", got, a)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, clear := range []func(*plumb.PolicyApproval){
			func(a *plumb.PolicyApproval) { a.Repo = "" },
			func(a *plumb.PolicyApproval) { a.Project = "" },
			func(a *plumb.PolicyApproval) { a.RunID = "" },
			func(a *plumb.PolicyApproval) { a.PlanSHA256 = "" },
			func(a *plumb.PolicyApproval) { a.By = "" },
		} {
			a := approval("x", "run-1", 0)
			clear(&a)
			wantCode(t, s.CreatePolicyApproval(ctx(t), &a), plumb.EINVALID)
		}
		a := approval("dup", "run-1", 0)
		must(t, s.CreatePolicyApproval(ctx(t), &a))
		wantCode(t, s.CreatePolicyApproval(ctx(t), &a), plumb.EINVALID)
	})
}
