package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

// fullRun sets every field, so a round trip proves each column is stored.
func fullRun(id string, created time.Time) *plumb.Run {
	return &plumb.Run{
		ID: id, Repo: "acme/infra", Project: "app-dev", Dir: "envs/dev/app", Workspace: "default",
		Kind: plumb.RunPlan, Status: plumb.RunChanges, Trigger: "PR #12", Commit: "c0ffee", Base: "bada55",
		Engine: plumb.EngineTofu, EngineVersion: "1.10.6",
		Summary:        plumb.PlanSummary{Add: 1, Change: 2, Destroy: 3, Replace: 4, Import: 5},
		ChangesOutside: 6,
		Resources:      []plumb.ResourceChange{{Address: "local_file.f", Actions: []string{"delete", "create"}}},
		PlanText:       "Plan: 1 to add.\n  + ünïcode ✓\n",
		PlanSHA256:     "e3b0c442",
		Policy: &plumb.PolicyOutcome{Passed: false, Deny: []plumb.PolicyResult{{Namespace: "main", Rule: "deny", Message: "no"}},
			Warn: []plumb.PolicyResult{}},
		Drift: &plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{
			{Address: "local_file.f", Kind: plumb.DriftOutOfBand, Action: "delete", Attributes: []string{}}}, Error: "refresh failed"},
		Replanned: "stale plan", Error: "boom", BlockedBy: "PR #7", PlanID: "plan-1",
		Differences: []string{"`local_file.f`: reviewed update (content), now replace (content)"},
		CreatedAt:   created, StartedAt: created.Add(time.Second), FinishedAt: created.Add(2 * time.Second),
		Lease: plumb.RunLease{Owner: "replica-a", Expires: created.Add(time.Minute)},
	}
}

func testRuns(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := fullRun("r1", t0)
		must(t, s.CreateRun(ctx(t), want))
		got, err := s.Run(ctx(t), "r1")
		must(t, err)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
	})
	t.Run("MinimalRoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := &plumb.Run{ID: "r1", Kind: plumb.RunApply, Status: plumb.RunQueued}
		must(t, s.CreateRun(ctx(t), r))
		if r.CreatedAt.IsZero() {
			t.Fatal("CreateRun left CreatedAt zero")
		}
		got, err := s.Run(ctx(t), "r1")
		must(t, err)
		if got.Policy != nil || !got.StartedAt.IsZero() || !got.FinishedAt.IsZero() || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("CreateInvalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantCode(t, s.CreateRun(ctx(t), &plumb.Run{}), plumb.EINVALID)
		must(t, s.CreateRun(ctx(t), fullRun("r1", t0)))
		wantCode(t, s.CreateRun(ctx(t), fullRun("r1", t0)), plumb.EINVALID)
	})
	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Run(ctx(t), "nope")
		wantCode(t, err, plumb.ENOTFOUND)
		wantCode(t, s.UpdateRun(ctx(t), fullRun("nope", t0)), plumb.ENOTFOUND)
	})
	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := &plumb.Run{ID: "r1", Project: "app", Kind: plumb.RunApply, Status: plumb.RunRunning, CreatedAt: t0,
			Lease: plumb.RunLease{Owner: "replica-a", Expires: at(time.Hour), Job: "9"}}
		must(t, s.CreateRun(ctx(t), r))
		want := fullRun("r1", t0)
		must(t, s.UpdateRun(ctx(t), want))
		want.Lease = r.Lease // UpdateRun leaves the lease CreateRun stored
		got, err := s.Run(ctx(t), "r1")
		must(t, err)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("after update (-want +got):\n%s", d)
		}
		want.Policy, want.StartedAt = nil, time.Time{}
		must(t, s.UpdateRun(ctx(t), want))
		got, err = s.Run(ctx(t), "r1")
		must(t, err)
		if got.Policy != nil || !got.StartedAt.IsZero() {
			t.Fatalf("policy and started_at not cleared: %+v", got)
		}
	})
	t.Run("FilterAndOrder", func(t *testing.T) { t.Parallel(); testRunFilters(t, open(t)) })
	t.Run("Latest", func(t *testing.T) { t.Parallel(); testLatestRuns(t, open(t)) })
	t.Run("LatestFollowsUpdates", func(t *testing.T) { t.Parallel(); testLatestRunsUpdates(t, open(t)) })
}

// testLatestRuns: each project's newest matching run, what the estate
// shows as the last apply.
func testLatestRuns(t *testing.T, s plumb.Store) {
	mk := func(id, repo, project string, kind plumb.RunKind, status plumb.RunStatus, created time.Time) {
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: id, Repo: repo, Project: project, Kind: kind, Status: status,
			CreatedAt: created}))
	}
	mk("a1", "acme/infra", "app", plumb.RunApply, plumb.RunApplied, at(0))
	mk("a2", "acme/infra", "app", plumb.RunApply, plumb.RunApplied, at(2*time.Minute))
	mk("a3", "acme/infra", "app", plumb.RunApply, plumb.RunFailed, at(3*time.Minute))
	mk("p1", "acme/infra", "app", plumb.RunPlan, plumb.RunChanges, at(4*time.Minute))
	mk("n1", "acme/infra", "net", plumb.RunApply, plumb.RunApplied, at(time.Minute))
	// Same time: the larger ID is the newer, as in Runs.
	mk("o1", "acme/other", "app", plumb.RunApply, plumb.RunApplied, at(time.Minute))
	mk("o2", "acme/other", "app", plumb.RunApply, plumb.RunApplied, at(time.Minute))
	for _, tc := range []struct {
		name string
		f    plumb.RunFilter
		want []string
	}{
		{"applied", plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunApplied}, []string{"a2", "n1", "o2"}},
		{"any apply", plumb.RunFilter{Kind: plumb.RunApply}, []string{"a3", "n1", "o2"}},
		{"any", plumb.RunFilter{}, []string{"p1", "n1", "o2"}},
		{"repo", plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunApplied, Repos: []string{"acme/other"}}, []string{"o2"}},
		{"none", plumb.RunFilter{Kind: plumb.RunDrift}, []string{}},
	} {
		runs, err := s.LatestRuns(ctx(t), tc.f)
		must(t, err)
		got := []string{}
		for _, r := range runs {
			got = append(got, r.ID)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, d)
		}
	}
}

// testLatestRunsUpdates: the newest run of a status follows runs as they
// change status: a run that becomes applied is the last apply; one that
// leaves it (a later status fix) hands the place back to the one before.
func testLatestRunsUpdates(t *testing.T, s plumb.Store) {
	applied := plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunApplied}
	latest := func(f plumb.RunFilter) []string {
		t.Helper()
		runs, err := s.LatestRuns(ctx(t), f)
		must(t, err)
		ids := []string{}
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	run := func(id string, created time.Duration, status plumb.RunStatus) *plumb.Run {
		r := &plumb.Run{ID: id, Repo: "acme/infra", Project: "app", Kind: plumb.RunApply, Status: status, CreatedAt: at(created)}
		must(t, s.CreateRun(ctx(t), r))
		return r
	}
	first := run("u1", 0, plumb.RunApplied)
	second := run("u2", time.Minute, plumb.RunRunning)
	if got := latest(applied); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("applied while u2 runs: %v, want u1", got)
	}
	second.Status = plumb.RunApplied
	must(t, s.UpdateRun(ctx(t), second))
	if got := latest(applied); !slices.Equal(got, []string{"u2"}) {
		t.Errorf("applied once u2 applied: %v, want u2", got)
	}
	if got := latest(plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunRunning}); len(got) != 0 {
		t.Errorf("running after u2 finished: %v, want none", got)
	}
	second.Status = plumb.RunFailed
	must(t, s.UpdateRun(ctx(t), second))
	if got := latest(applied); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("applied after u2 turned failed: %v, want u1 again", got)
	}
	first.Status = plumb.RunFailed
	must(t, s.UpdateRun(ctx(t), first))
	if got := latest(applied); len(got) != 0 {
		t.Errorf("applied with none left: %v, want none", got)
	}
	if got := latest(plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunFailed, Project: "app"}); !slices.Equal(got, []string{"u2"}) {
		t.Errorf("failed: %v, want u2 (the newer)", got)
	}
}

func testRunFilters(t *testing.T, s plumb.Store) {
	mk := func(id, repo, project string, kind plumb.RunKind, commit string, created time.Time) {
		trigger := "cli"
		if id == "b" {
			trigger = "PR #7"
		}
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: id, Repo: repo, Project: project, Kind: kind, Commit: commit,
			Trigger: trigger, Status: plumb.RunQueued, CreatedAt: created}))
	}
	// Inserted out of order; b and c share a time so the ID breaks the tie.
	mk("d", "acme/infra", "app", plumb.RunApply, "c2", at(3*time.Minute))
	mk("a", "acme/infra", "app", plumb.RunPlan, "c1", at(0))
	mk("c", "acme/infra", "net", plumb.RunPlan, "c1", at(time.Minute))
	mk("b", "acme/infra", "app", plumb.RunPlan, "c1", at(time.Minute))
	mk("e", "acme/other", "app", plumb.RunDrift, "c3", at(500*time.Millisecond))
	// A fraction-less time must still sort after one with a fraction.
	mk("f", "acme/infra", "db", plumb.RunPlan, "c4", time.Date(2026, 1, 2, 3, 9, 0, 0, time.UTC))

	for _, tc := range []struct {
		name string
		f    plumb.RunFilter
		want []string
	}{
		{"all", plumb.RunFilter{}, []string{"f", "d", "c", "b", "e", "a"}},
		{"repo", plumb.RunFilter{Repo: "acme/other"}, []string{"e"}},
		{"project", plumb.RunFilter{Project: "app"}, []string{"d", "b", "e", "a"}},
		{"kind", plumb.RunFilter{Kind: plumb.RunPlan}, []string{"f", "c", "b", "a"}},
		{"commit", plumb.RunFilter{Commit: "c1"}, []string{"c", "b", "a"}},
		{"trigger", plumb.RunFilter{Trigger: "PR #7"}, []string{"b"}},
		{"project and trigger", plumb.RunFilter{Project: "app", Trigger: "cli"}, []string{"d", "e", "a"}},
		{"combined", plumb.RunFilter{Repo: "acme/infra", Project: "app", Kind: plumb.RunPlan}, []string{"b", "a"}},
		{"limit", plumb.RunFilter{Limit: 2}, []string{"f", "d"}},
		{"none", plumb.RunFilter{Project: "nope"}, []string{}},
		{"repos", plumb.RunFilter{Repos: []string{"acme/other", "acme/none"}}, []string{"e"}},
		{"since", plumb.RunFilter{Since: at(time.Minute)}, []string{"f", "d", "c", "b"}},
		{"before", plumb.RunFilter{Before: plumb.Cursor{At: at(time.Minute), ID: "c"}}, []string{"b", "e", "a"}},
		{"page", plumb.RunFilter{Before: plumb.Cursor{At: at(3 * time.Minute), ID: "d"}, Limit: 2}, []string{"c", "b"}},
		{"since and before", plumb.RunFilter{Since: at(0), Before: plumb.Cursor{At: at(time.Minute), ID: "b"}, Kind: plumb.RunPlan},
			[]string{"a"}},
	} {
		runs, err := s.Runs(ctx(t), tc.f)
		must(t, err)
		got := []string{}
		for _, r := range runs {
			got = append(got, r.ID)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, d)
		}
	}
}

func testRunLogs(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("AppendAndRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: "r1", CreatedAt: t0}))
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: "r2", CreatedAt: t0}))
		lines, err := s.RunLog(ctx(t), "r1")
		must(t, err)
		if len(lines) != 0 {
			t.Fatalf("new run log = %q", lines)
		}
		must(t, s.AppendRunLog(ctx(t), "r1", "one", "two"))
		must(t, s.AppendRunLog(ctx(t), "r2", "other"))
		must(t, s.AppendRunLog(ctx(t), "r1"))
		must(t, s.AppendRunLog(ctx(t), "r1", "three", ""))
		lines, err = s.RunLog(ctx(t), "r1")
		must(t, err)
		if d := cmp.Diff([]string{"one", "two", "three", ""}, lines); d != "" {
			t.Fatalf("log (-want +got):\n%s", d)
		}
	})
	t.Run("UnknownRun", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantCode(t, s.AppendRunLog(ctx(t), "nope", "x"), plumb.ENOTFOUND)
		_, err := s.RunLog(ctx(t), "nope")
		wantCode(t, err, plumb.ENOTFOUND)
	})
	t.Run("ConcurrentAppend", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.CreateRun(ctx(t), &plumb.Run{ID: "r1", CreatedAt: t0}))
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					errs <- s.AppendRunLog(ctx(t), "r1", fmt.Sprintf("%d:%d", w, i))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		lines, err := s.RunLog(ctx(t), "r1")
		must(t, err)
		if len(lines) != writers*each {
			t.Fatalf("got %d lines, want %d", len(lines), writers*each)
		}
		next := make([]int, writers)
		for _, l := range lines {
			var w, i int
			fmt.Sscanf(l, "%d:%d", &w, &i)
			if i != next[w] {
				t.Fatalf("writer %d: line %d before %d", w, i, next[w])
			}
			next[w]++
		}
	})
}
