package drift_test

import (
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

func check(name string, drifted *plumb.DriftResult, runErr string) drift.Check {
	run := &plumb.Run{Project: name, Dir: "envs/" + name, Workspace: "default", Error: runErr}
	c := drift.Check{Run: run}
	if drifted != nil {
		run.Drift = drifted
		c.Result = *drifted
	}
	return c
}

func TestExitCode(t *testing.T) {
	clean := &plumb.DriftResult{Status: plumb.DriftClean}
	found := &plumb.DriftResult{Status: plumb.DriftDrifted, Resources: []plumb.DriftFinding{{Address: "a.b", Kind: plumb.DriftOutOfBand}}}
	pending := &plumb.DriftResult{Status: plumb.DriftPendingOnly, Resources: []plumb.DriftFinding{{Address: "a.b", Kind: plumb.DriftPending}}}
	for _, tc := range []struct {
		name   string
		checks []drift.Check
		want   int
	}{
		{"none", nil, 0},
		{"clean", []drift.Check{check("a", clean, "")}, 0},
		{"drifted", []drift.Check{check("a", clean, ""), check("b", found, "")}, 2},
		{"pending", []drift.Check{check("a", pending, "")}, 2},
		// A check that did not run says nothing of its project: the sweep failed.
		{"skipped beats drift", []drift.Check{check("a", found, ""), check("b", nil, "lock held by PR #4")}, 1},
		{"error", []drift.Check{check("a", &plumb.DriftResult{Status: plumb.DriftError, Error: "init failed"}, "")}, 1},
	} {
		if got := drift.ExitCode(tc.checks); got != tc.want {
			t.Errorf("%s: ExitCode = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestNewSweep(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := plumb.DriftFinding{Address: "local_file.a", Kind: plumb.DriftOutOfBand, Action: "create"}
	found := check("app", &plumb.DriftResult{Status: plumb.DriftDrifted, Resources: []plumb.DriftFinding{f}}, "")
	found.State.FirstSeen = map[string]time.Time{plumb.FindingKey(f): started.Add(-time.Hour)}
	skipped := check("db", nil, "lock held by PR #4")
	s := drift.NewSweep("main", "abc", started, started.Add(time.Minute), []drift.Check{found, skipped})
	if s.Ref != "main" || s.Commit != "abc" || len(s.Projects) != 2 {
		t.Fatalf("sweep = %+v", s)
	}
	app, db := s.Projects[0], s.Projects[1]
	if app.Status != plumb.DriftDrifted || len(app.Findings) != 1 || !app.Findings[0].FirstSeen.Equal(started.Add(-time.Hour)) {
		t.Errorf("app = %+v, want drifted with its finding first seen an hour before", app)
	}
	if db.Status != plumb.DriftError || db.Error != "lock held by PR #4" {
		t.Errorf("db = %+v, want an error saying why it did not run", db)
	}
}
