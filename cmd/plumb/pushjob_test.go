package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// pushEvent is the delivery of a push to main, the repository's default branch.
func (w *prWorld) pushEvent(before, after string) plumb.Event {
	w.t.Helper()
	body := githubtest.Edit(w.t, w.gh.PushPayload(w.t, "acme", "infra", "main", before, after), map[string]any{"repository.default_branch": "main"})
	return w.parse("push", body)
}

// A push to the default branch that no pull request made: its projects
// are planned and recorded, and applied only where they opt in with
// apply_on_push. A push that is a pull request's merge is left to the
// merge job.
func TestPushToDefaultBranch(t *testing.T) {
	t.Parallel()
	w := newPRWorldOf(t, "fixtures/mono", t.TempDir())
	ctx := context.Background()
	cfg, err := os.ReadFile(filepath.Join(w.local.Dir, "plumb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	before := w.main
	w.local.Write("plumb.yaml", strings.Replace(string(cfg), "    dir: envs/dev/net\n", "    dir: envs/dev/net\n    apply_on_push: true\n", 1))
	w.local.Write("envs/dev/net/main.tf", netV2)
	w.local.Write("envs/prod/app/extra.tf", "resource \"null_resource\" \"extra\" {}\n")
	after := w.local.Commit("hotfix straight to main")
	w.local.Git("push", "-q", w.bare, "main")
	if err := w.handle(w.pushEvent(before, after)); err != nil {
		t.Fatalf("push: %v", err)
	}
	plans, err := w.store.Runs(ctx, plumb.RunFilter{Kind: plumb.RunPlan, Commit: after})
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]plumb.RunStatus{}
	for _, r := range plans {
		planned[r.Project] = r.Status
		if r.Trigger != "main" {
			t.Errorf("%s planned by %q, want the branch", r.Project, r.Trigger)
		}
	}
	if planned["net-dev"] != plumb.RunChanges || planned["app-prod"] != plumb.RunChanges {
		t.Errorf("plans of the push: %v, want net-dev and app-prod with changes", planned)
	}
	runs := w.applies(after)
	wantStatus(t, runs, "net-dev", plumb.RunApplied, "")
	if r := runs["app-prod"]; r != nil {
		t.Errorf("app-prod does not opt in to apply_on_push but was applied: %+v", r)
	}
	st := w.gh.LatestStatuses("acme", "infra", after)
	if st["plumb/plan: app-prod"].State != "success" || st["plumb/apply: net-dev"].State != "success" {
		t.Errorf("statuses on the pushed commit: %s", toString(st))
	}

	// A push that is a pull request's merge: nothing here, the merge job applies it.
	head := w.push("label", "modules/label/main.tf", labelV2)
	if err := w.handle(w.event("opened", 7, "label", head, false)); err != nil {
		t.Fatal(err)
	}
	merge := w.gh.MergePull(t, "acme", "infra", 7, "squash")
	if err := w.handle(w.pushEvent(after, merge)); err != nil {
		t.Fatalf("push of a merge: %v", err)
	}
	if runs, _ := w.store.Runs(ctx, plumb.RunFilter{Commit: merge}); len(runs) != 0 {
		t.Errorf("the push of a merge started %d runs; the merge job applies it", len(runs))
	}
}
