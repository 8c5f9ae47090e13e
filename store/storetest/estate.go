package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

// testEstate: what the estate reads in bulk, brief runs and the plans of
// lock holders.
func testEstate(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("Brief", func(t *testing.T) { t.Parallel(); testBriefRuns(t, open(t)) })
	t.Run("LockHolderPlans", func(t *testing.T) { t.Parallel(); testLockHolderPlans(t, open(t)) })
}

// testBriefRuns: a brief read is the full one without the large fields.
func testBriefRuns(t *testing.T, s plumb.Store) {
	full := &plumb.Run{ID: "r1", Repo: "acme/infra", Project: "app", Dir: "app", Workspace: "default", Kind: plumb.RunApply,
		Status: plumb.RunApplied, Trigger: "PR #3", Commit: "c1", Engine: plumb.EngineTofu, EngineVersion: "1.10.6",
		Summary: plumb.PlanSummary{Add: 2, Destroy: 1}, PlanText: "Plan: 2 to add, 0 to change, 1 to destroy.",
		Resources:   []plumb.ResourceChange{{Address: "null_resource.a", Actions: []string{"create"}}},
		Policy:      &plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{}, Warn: []plumb.PolicyResult{{Rule: "warn", Message: "w"}}},
		Drift:       &plumb.DriftResult{Status: plumb.DriftClean, Resources: []plumb.DriftFinding{}},
		Differences: []string{"null_resource.a: now replaced"}, PlanSHA256: "abc",
		CreatedAt: at(0), StartedAt: at(time.Second), FinishedAt: at(time.Minute)}
	must(t, s.CreateRun(ctx(t), full))
	want, err := s.Run(ctx(t), "r1")
	must(t, err)
	want.PlanText, want.Resources, want.Policy, want.Drift, want.Differences, want.Lease = "", nil, nil, nil, nil, plumb.RunLease{}
	runs, err := s.Runs(ctx(t), plumb.RunFilter{Project: "app", Brief: true})
	must(t, err)
	latest, err := s.LatestRuns(ctx(t), plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunApplied, Brief: true})
	must(t, err)
	for what, got := range map[string][]*plumb.Run{"Runs": runs, "LatestRuns": latest} {
		if len(got) != 1 {
			t.Fatalf("%s brief: %d runs, want 1", what, len(got))
		}
		g := *got[0]
		if len(g.Resources) == 0 && len(g.Differences) == 0 {
			g.Resources, g.Differences = nil, nil
		}
		if !reflect.DeepEqual(&g, want) {
			t.Errorf("%s brief:\n got %+v\nwant %+v", what, &g, want)
		}
	}
	// Without Brief, everything is read.
	runs, err = s.Runs(ctx(t), plumb.RunFilter{Project: "app"})
	must(t, err)
	if r := runs[0]; r.PlanText == "" || len(r.Resources) != 1 || r.Policy == nil || r.Drift == nil || len(r.Differences) != 1 {
		t.Errorf("full read lost fields: %+v", r)
	}
}

// testLockHolderPlans: each lock's newest plan by its owner, whatever
// else ran since.
func testLockHolderPlans(t *testing.T, s plumb.Store) {
	mk := func(id, repo, project string, kind plumb.RunKind, trigger string, created time.Time) {
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: id, Repo: repo, Project: project, Dir: project, Kind: kind,
			Status: plumb.RunChanges, Trigger: trigger, PlanText: "big", CreatedAt: created}))
	}
	mk("p1", "acme/infra", "app", plumb.RunPlan, "PR #1", at(0))
	mk("p2", "acme/infra", "app", plumb.RunPlan, "PR #1", at(time.Minute)) // PR #1's newest
	mk("p3", "acme/infra", "app", plumb.RunPlan, "PR #2", at(2*time.Minute))
	mk("a1", "acme/infra", "app", plumb.RunApply, "PR #1", at(3*time.Minute))
	mk("p4", "acme/infra", "net", plumb.RunPlan, "PR #9", at(0)) // net is held by main
	mk("p5", "acme/other", "app", plumb.RunPlan, "PR #1", at(0)) // same name, other repo
	mk("p6", "acme/infra", "db", plumb.RunPlan, "PR #1", at(0))  // db is not locked
	mk("p7", "acme/other", "app", plumb.RunPlan, "PR #1", at(-time.Hour))
	for _, l := range []plumb.Lock{
		{Key: plumb.LockKey{Repo: "acme/infra", Dir: "app", Workspace: "default"}, Project: "app", Owner: "PR #1"},
		{Key: plumb.LockKey{Repo: "acme/infra", Dir: "net", Workspace: "default"}, Project: "net", Owner: "main"},
		{Key: plumb.LockKey{Repo: "acme/other", Dir: "app", Workspace: "default"}, Project: "app", Owner: "PR #1"},
	} {
		_, err := s.AcquireLock(ctx(t), l)
		must(t, err)
	}
	for _, tc := range []struct {
		repos []string
		want  []string
	}{
		{nil, []string{"p2", "p5"}},
		{[]string{"acme/other"}, []string{"p5"}},
		{[]string{"acme/none"}, []string{}},
	} {
		runs, err := s.LockHolderPlans(ctx(t), tc.repos)
		must(t, err)
		ids := []string{}
		for _, r := range runs {
			ids = append(ids, r.ID)
			if r.PlanText != "" {
				t.Errorf("LockHolderPlans(%v): %s read with its plan text: want brief", tc.repos, r.ID)
			}
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("LockHolderPlans(%v) = %v, want %v", tc.repos, ids, tc.want)
		}
	}
}
