package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// driftWorld is the drift sweep's jobs wired as plumb serve wires them
// (real tofu, SQLite, the GitHub forge against the test server), with a
// clock the test moves and a queue that keeps jobs unique by kind and
// key, as River does, and runs them when told.
type driftWorld struct {
	*prWorld
	out   string
	job   *jobs.DriftJob
	mu    sync.Mutex
	now   time.Time
	keys  map[string]bool
	queue []plumb.Job
}

func newDriftWorld(t *testing.T) *driftWorld {
	out := t.TempDir()
	w := &driftWorld{prWorld: newPRWorldOf(t, "fixtures/driftissue", out), out: out, keys: map[string]bool{},
		now: time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)}
	w.env.Settings.DriftSchedule = "0 * * * *"
	w.env.Now = func() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
	w.env.Enqueue = func(_ context.Context, j plumb.Job) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		k := j.Kind + " " + j.Key
		if w.keys[k] {
			return true, nil
		}
		w.keys[k] = true
		w.queue = append(w.queue, j)
		return false, nil
	}
	w.job = &jobs.DriftJob{Env: w.env}
	return w
}

// tick moves the clock to hh:00:30 and runs that tick's sweep and checks;
// it returns how many checks the sweep queued.
func (w *driftWorld) tick(hh int) int {
	w.t.Helper()
	w.mu.Lock()
	w.now = time.Date(2026, 6, 1, hh, 0, 30, 0, time.UTC)
	at := w.now
	w.mu.Unlock()
	args, _ := json.Marshal(jobs.SweepArgs{Repo: "acme/infra", CloneURL: w.gh.CloneURL("acme", "infra"), DefaultBranch: "main", At: at})
	if err := w.job.HandleJob(context.Background(), plumb.Job{Kind: jobs.KindDriftSweep, Key: "t", Args: args}); err != nil {
		w.t.Fatalf("sweep at %s: %v", at, err)
	}
	w.mu.Lock()
	queued := w.queue
	w.queue = nil
	w.mu.Unlock()
	for _, j := range queued {
		if err := w.job.HandleJob(context.Background(), j); err != nil {
			w.t.Fatalf("check %s: %v", j.Key, err)
		}
	}
	return len(queued)
}

// applyAll applies every project at main, as after a reviewed merge.
func (w *driftWorld) applyAll() {
	w.t.Helper()
	ctx := context.Background()
	tree, err := w.env.Git.Tree(ctx, "acme/infra", w.main)
	if err != nil {
		if err := w.env.Git.Sync(ctx, "acme/infra", w.gh.CloneURL("acme", "infra")); err != nil {
			w.t.Fatal(err)
		}
		if tree, err = w.env.Git.Tree(ctx, "acme/infra", w.main); err != nil {
			w.t.Fatal(err)
		}
	}
	idx, err := planner.NewLoader().Load(tree)
	if err != nil {
		w.t.Fatal(err)
	}
	var targets []runner.Target
	for _, p := range idx.Projects {
		targets = append(targets, runner.Target{Repo: "acme/infra", Commit: w.main, Tree: tree, Project: p, Trigger: "PR #3"})
	}
	for _, r := range w.env.Runner.ApplyAll(ctx, targets, nil, runner.ApplyOptions{}) {
		if r.Status != plumb.RunApplied && r.Status != plumb.RunNoChanges {
			w.t.Fatalf("apply %s: %s %s", r.Project, r.Status, r.Error)
		}
	}
}

// issue is the one drift issue of project, failing when there are two.
func (w *driftWorld) issue(project string) *githubtest.Issue {
	w.t.Helper()
	var found *githubtest.Issue
	for _, is := range w.gh.Issues("acme", "infra") {
		if strings.Contains(is.Body, "project="+project+" ") {
			if found != nil {
				w.t.Fatalf("two drift issues of %s: #%d and #%d", project, found.Number, is.Number)
			}
			found = &is
		}
	}
	return found
}

// issueComment delivers a comment by login on drift issue number, as
// GitHub sends it, and handles it.
func (w *driftWorld) issueComment(number int, login, body string) {
	w.t.Helper()
	payload, _ := w.gh.CommentPayload(w.t, "acme", "infra", githubtest.CommentDelivery{PR: number, Login: login, Body: body})
	payload = githubtest.Edit(w.t, payload, map[string]any{"issue.pull_request": nil, "issue.labels": []any{map[string]any{"name": "drift"}}})
	ev := w.parse("issue_comment", payload)
	if !ev.OnIssue || ev.Ignored != "" {
		w.t.Fatalf("a comment on a drift issue parsed as %+v", ev)
	}
	if err := w.handle(ev); err != nil {
		w.t.Fatalf("comment on #%d: %v", number, err)
	}
}

func lastComment(is *githubtest.Issue) string {
	if is == nil || len(is.Comments) == 0 {
		return ""
	}
	return is.Comments[len(is.Comments)-1].Body
}

// TestDriftIssueLifecycle: one issue per drifted project through its
// life (opened, edited, closed, reopened; found by its marker after a
// restart lost its number and someone renamed it), each tick checked
// once, acknowledgements that hide drift until they expire, and a
// remediation that reverts an out-of-band change and closes its issue.
func TestDriftIssueLifecycle(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	w.applyAll()
	ctx := context.Background()

	if n := w.tick(10); n != 2 {
		t.Fatalf("the first sweep queued %d checks, want 2", n)
	}
	if n := w.tick(10); n != 0 {
		t.Errorf("the same tick swept again queued %d checks, want 0 (each tick once)", n)
	}
	if is := w.issue("files"); is != nil {
		t.Fatalf("an issue for a clean project: %+v", is)
	}

	// Out of band: files.txt deleted → one issue.
	must(t, os.Remove(filepath.Join(w.out, "files.txt")))
	w.tick(11)
	is := w.issue("files")
	if is == nil || is.State != "open" || is.Title != "plumb drift: files" || !strings.Contains(is.Body, "local_file.f") ||
		len(is.Labels) != 1 || is.Labels[0] != "drift" {
		t.Fatalf("after drift: %+v", is)
	}
	number := is.Number
	st, err := w.store.DriftState(ctx, "acme/infra", "files")
	if err != nil || st.Issue != number || st.Status != plumb.DriftDrifted || !st.Since.Equal(time.Date(2026, 6, 1, 11, 0, 30, 0, time.UTC)) {
		t.Fatalf("drift state: %+v %v", st, err)
	}
	if !strings.Contains(is.Body, "PR #3") {
		t.Errorf("the issue does not say who last applied the project:\n%s", is.Body)
	}

	// Still drifting: the same issue, edited in place.
	w.tick(12)
	if is = w.issue("files"); is.Number != number || is.State != "open" || len(is.Comments) != 0 {
		t.Errorf("still drifting: %+v, want #%d open, edited in place", is, number)
	}

	// Clean again (re-applied) → closed with a comment.
	w.applyAll()
	w.tick(13)
	if is = w.issue("files"); is.State != "closed" || !strings.Contains(lastComment(is), "Clean again") {
		t.Errorf("clean again: %+v", is)
	}

	// Drifts again → the same issue reopened.
	must(t, os.Remove(filepath.Join(w.out, "files.txt")))
	w.tick(14)
	if is = w.issue("files"); is.Number != number || is.State != "open" || !strings.Contains(lastComment(is), "Drifted again") {
		t.Errorf("drifted again: %+v", is)
	}

	// A restart lost the number and someone renamed the issue: still one.
	st, _ = w.store.DriftState(ctx, "acme/infra", "files")
	st.Issue = 0
	must(t, w.store.SaveDriftState(ctx, st))
	w.gh.RenameIssue("acme", "infra", number, "files bucket drift (triage)")
	w.tick(15)
	if is = w.issue("files"); is.Number != number {
		t.Errorf("after a restart and a rename: issue #%d, want #%d", is.Number, number)
	}

	// Acknowledged until 16:30: the 16:00 check is clean and the issue
	// closes; at 17:00 the acknowledgement has expired and it reopens.
	// The acknowledgement is a comment on the issue; only write permission
	// may make it.
	w.gh.SetPermission("acme", "infra", "ana", "write")
	w.gh.SetPermission("acme", "infra", "rex", "read")
	w.issueComment(number, "rex", `plumb drift ack --until 2026-06-01T16:30:00Z --reason "not mine to say"`)
	if c := lastComment(w.issue("files")); !strings.Contains(c, "needs write permission") {
		t.Errorf("an ack by a reader: answered %q", c)
	}
	w.issueComment(number, "ana", `plumb drift ack --until 2026-06-01T16:30:00Z --reason "moving the file"`)
	if c := lastComment(w.issue("files")); !strings.Contains(c, "acknowledged 1 finding(s) of files") {
		t.Fatalf("an ack by a writer: answered %q", c)
	}
	w.tick(16)
	if is = w.issue("files"); is.State != "closed" {
		t.Errorf("all findings acknowledged: issue %s, want closed", is.State)
	}
	w.tick(17)
	if is = w.issue("files"); is.State != "open" || is.Number != number {
		t.Errorf("the acknowledgement expired: %+v, want #%d open", is, number)
	}

	// Remediation on: healing.txt deleted is put back by an apply, and the
	// issue says so and closes.
	must(t, os.Remove(filepath.Join(w.out, "healing.txt")))
	w.tick(18)
	heal := w.issue("healing")
	if heal == nil || heal.State != "closed" || !strings.Contains(lastComment(heal), "Remediated") {
		t.Fatalf("remediation: %+v", heal)
	}
	if b, err := os.ReadFile(filepath.Join(w.out, "healing.txt")); err != nil || string(b) != "healing\n" {
		t.Errorf("healing.txt after remediation: %q, %v", b, err)
	}
	if st, _ := w.store.DriftState(ctx, "acme/infra", "healing"); st.Status != plumb.DriftClean {
		t.Errorf("healing after remediation: %s", st.Status)
	}
	// files has no remediation: still drifted, still the one issue.
	if is = w.issue("files"); is.State != "open" {
		t.Errorf("files (no remediation): %s", is.State)
	}
}
