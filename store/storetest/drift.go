package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

// fullDriftState sets every field, times with nanoseconds (one in another
// zone), so a round trip proves each is stored exactly.
func fullDriftState(repo, project string) plumb.DriftState {
	findings := []plumb.DriftFinding{
		{Address: "local_file.f", Kind: plumb.DriftOutOfBand, Action: "update",
			Attributes: []string{"content", `labels["app.kubernetes.io/name"]`}},
		{Address: "aws_s3_bucket.b", Kind: plumb.DriftPending, Action: "replace", Attributes: []string{},
			Acknowledged: &plumb.DriftAck{By: "alice", Reason: "known ✓", Until: at(48*time.Hour + 1)}},
	}
	return plumb.DriftState{
		Repo: repo, Project: project, Dir: "envs/dev/" + project, Workspace: "default",
		Status: plumb.DriftDriftedPending, Findings: findings, Error: "partial: ✗",
		FirstSeen: map[string]time.Time{
			plumb.FindingKey(findings[0]): at(time.Nanosecond),
			plumb.FindingKey(findings[1]): at(-time.Hour).In(time.FixedZone("x", 3600)),
		},
		Since: at(-2 * time.Hour), CheckedAt: at(0), LastClean: at(-3 * time.Hour),
		RunID: "run-" + project, Commit: "c0ffee", Tick: at(-time.Minute), Issue: 42,
	}
}

func testDriftStates(t *testing.T, open func(t *testing.T) plumb.Store) {
	get := func(t *testing.T, s plumb.Store, repo, project string) plumb.DriftState {
		t.Helper()
		got, err := s.DriftState(ctx(t), repo, project)
		must(t, err)
		return got
	}
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, want := range []plumb.DriftState{
			fullDriftState("acme/infra", "app"),
			// Zero times stay zero, nil stays nil.
			{Repo: "acme/infra", Project: "bare"},
			// Empty stays empty, not nil: the API shows [] and {}.
			{Repo: "acme/infra", Project: "clean", Status: plumb.DriftClean, Findings: []plumb.DriftFinding{},
				FirstSeen: map[string]time.Time{}, CheckedAt: at(0), LastClean: at(0)},
		} {
			must(t, s.SaveDriftState(ctx(t), want))
			if d := cmp.Diff(want, get(t, s, want.Repo, want.Project)); d != "" {
				t.Errorf("%s: round trip (-want +got):\n%s", want.Project, d)
			}
		}
	})
	t.Run("SaveReplaces", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.SaveDriftState(ctx(t), fullDriftState("acme/infra", "app")))
		// Every field changes or is cleared: nothing of the first survives.
		want := plumb.DriftState{Repo: "acme/infra", Project: "app", Dir: "elsewhere", Workspace: "prod",
			Status: plumb.DriftClean, Findings: []plumb.DriftFinding{}, CheckedAt: at(time.Hour),
			LastClean: at(time.Hour), RunID: "run-2", Commit: "bada55", Tick: at(time.Hour)}
		must(t, s.SaveDriftState(ctx(t), want))
		if d := cmp.Diff(want, get(t, s, "acme/infra", "app")); d != "" {
			t.Fatalf("after second save (-want +got):\n%s", d)
		}
		all, err := s.DriftStates(ctx(t), "")
		must(t, err)
		if d := cmp.Diff([]plumb.DriftState{want}, all); d != "" {
			t.Fatalf("DriftStates (-want +got):\n%s", d)
		}
	})
	t.Run("ListOrderAndRepo", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var (
			otherApp = fullDriftState("acme/other", "app")
			infraNet = fullDriftState("acme/infra", "net")
			infraApp = fullDriftState("acme/infra", "app")
			infraDB  = fullDriftState("acme/infra", "db")
		)
		// Saved out of order.
		for _, st := range []plumb.DriftState{otherApp, infraNet, infraApp, infraDB} {
			must(t, s.SaveDriftState(ctx(t), st))
		}
		for _, tc := range []struct {
			repo string
			want []plumb.DriftState
		}{
			{"", []plumb.DriftState{infraApp, infraDB, infraNet, otherApp}},
			{"acme/infra", []plumb.DriftState{infraApp, infraDB, infraNet}},
			{"acme/other", []plumb.DriftState{otherApp}},
		} {
			got, err := s.DriftStates(ctx(t), tc.repo)
			must(t, err)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("DriftStates(%q) (-want +got):\n%s", tc.repo, d)
			}
		}
		none, err := s.DriftStates(ctx(t), "nope")
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("DriftStates(nope) = %+v", none)
		}
	})
	t.Run("NotFoundAndInvalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.DriftState(ctx(t), "acme/infra", "app")
		wantCode(t, err, plumb.ENOTFOUND)
		must(t, s.SaveDriftState(ctx(t), fullDriftState("acme/infra", "app")))
		// The key is both: the same project in another repo is another one.
		_, err = s.DriftState(ctx(t), "acme/other", "app")
		wantCode(t, err, plumb.ENOTFOUND)
		_, err = s.DriftState(ctx(t), "acme/infra", "net")
		wantCode(t, err, plumb.ENOTFOUND)
		wantCode(t, s.SaveDriftState(ctx(t), plumb.DriftState{Project: "app", Status: plumb.DriftClean}), plumb.EINVALID)
		wantCode(t, s.SaveDriftState(ctx(t), plumb.DriftState{Repo: "acme/infra", Status: plumb.DriftClean}), plumb.EINVALID)
		all, err := s.DriftStates(ctx(t), "")
		must(t, err)
		if len(all) != 1 {
			t.Fatalf("invalid saves stored something: %+v", all)
		}
	})
}

func driftAck(id string, created time.Time) plumb.DriftAckRecord {
	return plumb.DriftAckRecord{ID: id, Repo: "acme/infra", Project: "app", Address: "local_file.f",
		Findings: []plumb.DriftFinding{{Address: "local_file.f", Kind: plumb.DriftOutOfBand, Action: "update",
			Attributes: []string{"content"}}},
		By: "alice", Reason: "hotfix, reverted Monday", Until: created.Add(72*time.Hour + 1), CreatedAt: created}
}

func testDriftAcks(t *testing.T, open func(t *testing.T) plumb.Store) {
	list := func(t *testing.T, s plumb.Store) []plumb.DriftAckRecord {
		t.Helper()
		acks, err := s.DriftAcks(ctx(t))
		must(t, err)
		return acks
	}
	t.Run("CreateListDelete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// IDs sort otherwise than creation, which alone orders the list.
		a, b, c := driftAck("a", at(time.Minute)), driftAck("b", at(0)), driftAck("c", at(2*time.Minute))
		b.Address, b.Findings = "", []plumb.DriftFinding{}    // the whole project
		c.Until = time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC) // long expired, still listed
		for _, x := range []*plumb.DriftAckRecord{&a, &b, &c} {
			must(t, s.CreateDriftAck(ctx(t), x))
		}
		if d := cmp.Diff([]plumb.DriftAckRecord{b, a, c}, list(t, s)); d != "" {
			t.Fatalf("DriftAcks (-want +got):\n%s", d)
		}
		must(t, s.DeleteDriftAck(ctx(t), "a"))
		if d := cmp.Diff([]plumb.DriftAckRecord{b, c}, list(t, s)); d != "" {
			t.Fatalf("after delete (-want +got):\n%s", d)
		}
		wantCode(t, s.DeleteDriftAck(ctx(t), "a"), plumb.ENOTFOUND)
		wantCode(t, s.DeleteDriftAck(ctx(t), "nope"), plumb.ENOTFOUND)
	})
	t.Run("Stamps", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := driftAck("", time.Time{})
		a.Until = time.Now().Add(time.Hour)
		must(t, s.CreateDriftAck(ctx(t), &a))
		if a.ID == "" || a.CreatedAt.IsZero() {
			t.Fatalf("CreateDriftAck left ID %q, CreatedAt %v", a.ID, a.CreatedAt)
		}
		if d := cmp.Diff([]plumb.DriftAckRecord{a}, list(t, s)); d != "" {
			t.Fatalf("DriftAcks (-want +got):\n%s", d)
		}
		must(t, s.DeleteDriftAck(ctx(t), a.ID))
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for name, clear := range map[string]func(*plumb.DriftAckRecord){
			"repo":    func(a *plumb.DriftAckRecord) { a.Repo = "" },
			"project": func(a *plumb.DriftAckRecord) { a.Project = "" },
			"by":      func(a *plumb.DriftAckRecord) { a.By = "" },
			"reason":  func(a *plumb.DriftAckRecord) { a.Reason = "" },
			"until":   func(a *plumb.DriftAckRecord) { a.Until = time.Time{} },
		} {
			a := driftAck("x-"+name, t0)
			clear(&a)
			if err := s.CreateDriftAck(ctx(t), &a); plumb.ErrorCode(err) != plumb.EINVALID {
				t.Errorf("without %s: err %v, want %s", name, err, plumb.EINVALID)
			}
		}
		if acks := list(t, s); len(acks) != 0 {
			t.Fatalf("invalid acks stored: %+v", acks)
		}
	})
}

func testRunDrift(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		st := fullDriftState("acme/infra", "app")
		drifted := &plumb.Run{ID: "d1", Repo: "acme/infra", Project: "app", Kind: plumb.RunDrift,
			Status: plumb.RunChanges, Trigger: "drift", CreatedAt: at(0),
			Drift: &plumb.DriftResult{Status: plumb.DriftDrifted, Resources: st.Findings, Error: "x"}}
		// A clean check's empty Resources must stay [], not turn null.
		clean := &plumb.Run{ID: "d2", Kind: plumb.RunDrift, Status: plumb.RunNoChanges, CreatedAt: at(time.Second),
			Drift: &plumb.DriftResult{Status: plumb.DriftClean, Resources: []plumb.DriftFinding{}}}
		plan := &plumb.Run{ID: "p1", Kind: plumb.RunPlan, Status: plumb.RunQueued, CreatedAt: at(2 * time.Second)}
		for _, r := range []*plumb.Run{drifted, clean, plan} {
			must(t, s.CreateRun(ctx(t), r))
			got, err := s.Run(ctx(t), r.ID)
			must(t, err)
			if d := cmp.Diff(r, got); d != "" {
				t.Errorf("%s: round trip (-want +got):\n%s", r.ID, d)
			}
		}
		runs, err := s.Runs(ctx(t), plumb.RunFilter{Kind: plumb.RunDrift})
		must(t, err)
		if d := cmp.Diff([]*plumb.Run{clean, drifted}, runs); d != "" {
			t.Errorf("Runs (-want +got):\n%s", d)
		}
		// UpdateRun replaces the result, and clears it.
		plan.Drift = clean.Drift
		drifted.Drift = nil
		for _, r := range []*plumb.Run{plan, drifted} {
			must(t, s.UpdateRun(ctx(t), r))
			got, err := s.Run(ctx(t), r.ID)
			must(t, err)
			if d := cmp.Diff(r, got); d != "" {
				t.Errorf("%s: after update (-want +got):\n%s", r.ID, d)
			}
		}
	})
	t.Run("FilterByStatus", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, r := range []struct {
			id     string
			kind   plumb.RunKind
			status plumb.RunStatus
		}{
			{"a", plumb.RunPlan, plumb.RunFailed}, {"b", plumb.RunApply, plumb.RunRunning},
			{"c", plumb.RunDrift, plumb.RunFailed}, {"d", plumb.RunPlan, plumb.RunQueued},
			{"e", plumb.RunPlan, plumb.RunFailed},
		} {
			must(t, s.CreateRun(ctx(t), &plumb.Run{ID: r.id, Kind: r.kind, Status: r.status,
				CreatedAt: at(time.Duration(i) * time.Minute)}))
		}
		for _, tc := range []struct {
			f    plumb.RunFilter
			want []string
		}{
			{plumb.RunFilter{Status: plumb.RunFailed}, []string{"e", "c", "a"}},
			{plumb.RunFilter{Status: plumb.RunRunning}, []string{"b"}},
			{plumb.RunFilter{Status: plumb.RunFailed, Kind: plumb.RunPlan}, []string{"e", "a"}},
			{plumb.RunFilter{Status: plumb.RunFailed, Limit: 1}, []string{"e"}},
			{plumb.RunFilter{Status: plumb.RunApplied}, []string{}},
		} {
			runs, err := s.Runs(ctx(t), tc.f)
			must(t, err)
			got := []string{}
			for _, r := range runs {
				got = append(got, r.ID)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%+v: ids (-want +got):\n%s", tc.f, d)
			}
		}
	})
}
