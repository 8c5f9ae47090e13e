package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// The merge job and comment commands, in process: the jobs as plumb serve
// wires them, real tofu, real SQLite, the GitHub test server.

func (w *prWorld) handle(ev plumb.Event) error {
	w.t.Helper()
	return w.job.HandleEvent(context.Background(), ev)
}

func (w *prWorld) parse(event string, body []byte) plumb.Event {
	w.t.Helper()
	ev, err := vcs.ParseWebhook([]byte(githubtest.Secret), githubtest.Headers(event, body), body)
	if err != nil {
		w.t.Fatalf("parse %s: %v", event, err)
	}
	return ev
}

// merged merges pr on the test server with method and returns the merge
// commit and the closed delivery, parsed.
func (w *prWorld) merged(pr int, method string) (string, plumb.Event) {
	w.t.Helper()
	sha := w.gh.MergePull(w.t, "acme", "infra", pr, method)
	return sha, w.parse("pull_request", w.mergedPayload(pr))
}

// comment is login's comment on pr, as its delivery.
func (w *prWorld) comment(pr int, login, body string) (plumb.Event, int64) {
	w.t.Helper()
	payload, id := w.gh.CommentPayload(w.t, "acme", "infra", githubtest.CommentDelivery{PR: pr, Login: login, Body: body})
	return w.parse("issue_comment", payload), id
}

// applies maps project → its newest apply run at commit.
func (w *prWorld) applies(commit string) map[string]*plumb.Run {
	w.t.Helper()
	runs, err := w.store.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunApply, Commit: commit})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]*plumb.Run{}
	for _, r := range runs {
		if out[r.Project] == nil {
			out[r.Project] = r
		}
	}
	return out
}

func (w *prWorld) locks() map[string]plumb.Lock {
	w.t.Helper()
	ls, err := w.store.Locks(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]plumb.Lock{}
	for _, l := range ls {
		out[l.Project] = l
	}
	return out
}

// bumpChain opens pull request pr changing every chain project's trigger
// to version v, plans it and returns its head.
func (w *prWorld) bumpChain(pr int, branch, v string) string {
	w.t.Helper()
	var head string
	for _, p := range []string{"dev/base", "dev/app", "prod/app"} {
		b, err := os.ReadFile(filepath.Join(w.local.Dir, p, "main.tf"))
		if err != nil {
			w.t.Fatal(err)
		}
		head = w.push(branch, p+"/main.tf", strings.Replace(string(b), `version = "1"`, `version = "`+v+`"`, 1))
	}
	if err := w.handle(w.event("opened", pr, branch, head, false)); err != nil {
		w.t.Fatalf("PR #%d opened: %v", pr, err)
	}
	return head
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, runs map[string]*plumb.Run, project string, status plumb.RunStatus, msg string) {
	t.Helper()
	r := runs[project]
	if r == nil {
		t.Errorf("%s: no apply run", project)
		return
	}
	if r.Status != status || !strings.Contains(r.Error, msg) {
		t.Errorf("%s: apply %s (%q), want %s with %q", project, r.Status, r.Error, status, msg)
	}
}

// A dependency's failed apply skips its dependents and the later
// environments, and says so; the failed project's lock stays with the
// reason until a `plumb apply` comment succeeds.
func TestMergeFailedApplySkipsDependents(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	w := newPRWorldOf(t, "fixtures/chain", out)
	w.gh.SetPermission("acme", "infra", "alice", "write")
	w.bumpChain(7, "bump", "2")
	w.gh.AddReview("acme", "infra", 7, "alice", "APPROVED")
	touch(t, filepath.Join(out, "fail-base-dev"))
	merge, ev := w.merged(7, "merge")
	if err := w.handle(ev); err != nil {
		t.Fatalf("merged: %v", err)
	}
	runs := w.applies(merge)
	wantStatus(t, runs, "base-dev", plumb.RunFailed, "apply")
	wantStatus(t, runs, "app-dev", plumb.RunSkipped, "depends on base-dev, which failed")
	wantStatus(t, runs, "app-prod", plumb.RunSkipped, "later environments are not applied")
	body := w.kindComments(7, "apply")
	if len(body) != 1 || !strings.Contains(body[0].Body, "depends on base-dev, which failed") {
		t.Fatalf("apply comments %v, want one saying app-dev was skipped because base-dev failed", commentBodies(body))
	}
	if st := w.gh.LatestStatuses("acme", "infra", merge)["plumb/apply: base-dev"]; st.State != "failure" {
		t.Errorf("base-dev apply status %+v, want failure", st)
	}
	l, ok := w.locks()["base-dev"]
	if !ok || l.Owner != "PR #7" || !strings.Contains(l.Reason, "not done") {
		t.Fatalf("base-dev lock %+v, want PR #7's with the failure as its reason", l)
	}

	// The queue retrying the event applies nothing again by itself.
	if err := w.handle(ev); err != nil {
		t.Fatalf("merged, again: %v", err)
	}
	if n := len(w.applies(merge)); n != 3 {
		t.Fatalf("a retry of the merge event started new applies: %d", n)
	}

	// Fixed, a human retries. The failed apply left state behind (the
	// resource is tainted), so the first `plumb apply` shows the new plan
	// instead of applying what nobody reviewed; the next one applies it,
	// and then everything after it, and every lock goes.
	os.Remove(filepath.Join(out, "fail-base-dev"))
	cmd, id := w.comment(7, "alice", "plumb apply")
	if err := w.handle(cmd); err != nil {
		t.Fatalf("plumb apply: %v", err)
	}
	if r := w.gh.Reactions("acme", "infra", id); len(r) != 1 || r[0] != "eyes" {
		t.Errorf("reactions to the accepted command: %v, want eyes", r)
	}
	runs = w.applies(merge)
	if r := runs["base-dev"]; r.Status != plumb.RunFailed || !strings.Contains(strings.Join(r.Differences, "\n"), "null_resource.step") {
		t.Fatalf("base-dev after the first retry: %s %q %v; want the new plan (replace of the tainted step) shown, not applied", r.Status, r.Error, r.Differences)
	}
	cmd, _ = w.comment(7, "alice", "plumb apply")
	if err := w.handle(cmd); err != nil {
		t.Fatalf("plumb apply: %v", err)
	}
	runs = w.applies(merge)
	for _, p := range []string{"base-dev", "app-dev", "app-prod"} {
		wantStatus(t, runs, p, plumb.RunApplied, "")
	}
	if ls := w.locks(); len(ls) != 0 {
		t.Errorf("locks after the retry applied everything: %v", ls)
	}
}

// A merge without the approval a project requires applies nothing for it
// and says which requirement failed.
func TestMergeWithoutRequiredApproval(t *testing.T) {
	t.Parallel()
	w := newPRWorldOf(t, "fixtures/chain", t.TempDir())
	w.bumpChain(7, "bump", "2")
	w.gh.AddReview("acme", "infra", 7, "octocat", "APPROVED") // the author's own approval does not count
	merge, ev := w.merged(7, "squash")
	if err := w.handle(ev); err != nil {
		t.Fatalf("merged: %v", err)
	}
	runs := w.applies(merge)
	wantStatus(t, runs, "base-dev", plumb.RunApplied, "")
	wantStatus(t, runs, "app-dev", plumb.RunApplied, "")
	wantStatus(t, runs, "app-prod", plumb.RunFailed, "apply requirement not met: approved")
	if c := w.kindComments(7, "apply"); len(c) != 1 || !strings.Contains(c[0].Body, "requirement not met: approved") {
		t.Errorf("apply comment does not name the failed requirement: %v", commentBodies(c))
	}
	if l, ok := w.locks()["app-prod"]; !ok || !strings.Contains(l.Reason, "approved") {
		t.Errorf("app-prod lock %+v, want it kept with the requirement as its reason", l)
	}
}

// stateFile finds the plumb-kept state of the project whose dir is dir.
func (w *prWorld) stateFile(dir string) string {
	w.t.Helper()
	files, _ := filepath.Glob(filepath.Join(w.data, "state", "*"+strings.ReplaceAll(dir, "/", "-")+"-*", "terraform.tfstate"))
	if len(files) != 1 {
		w.t.Fatalf("state files of %s: %v", dir, files)
	}
	return files[0]
}

// The state changes out of band between the pull request's plan and its
// merge: the new plan differs, nothing is applied, the pull request says
// why; a read-only user's `plumb apply` is refused, a writer's applies.
func TestMergeRefusesAChangedPlan(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	w := newPRWorldOf(t, "fixtures/mono", out)
	w.gh.SetPermission("acme", "infra", "alice", "write")
	w.gh.SetPermission("acme", "infra", "rita", "read")
	label := func(prefix string) string {
		return "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"" + prefix + "-${var.env}\"\n}\n"
	}
	head5 := w.push("first", "modules/label/main.tf", label("svc"))
	if err := w.handle(w.event("opened", 5, "first", head5, false)); err != nil {
		t.Fatal(err)
	}
	merge5, ev5 := w.merged(5, "merge")
	if err := w.handle(ev5); err != nil {
		t.Fatal(err)
	}
	if runs := w.applies(merge5); runs["app-dev"] == nil || runs["app-dev"].Status != plumb.RunApplied {
		t.Fatalf("PR #5 did not apply app-dev: %+v", runs["app-dev"])
	}
	w.local.Git("checkout", "-q", "main")
	w.local.Git("pull", "-q", "--ff-only", w.bare, "main")
	w.main = w.local.Head()
	head7 := w.push("second", "modules/label/main.tf", label("api"))
	if err := w.handle(w.event("opened", 7, "second", head7, false)); err != nil {
		t.Fatal(err)
	}
	// Out of band: app-dev's resources vanish from its state.
	sf := w.stateFile("envs/dev/app")
	var st map[string]any
	b, _ := os.ReadFile(sf)
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st["resources"], st["serial"] = []any{}, st["serial"].(float64)+1
	b, _ = json.Marshal(st)
	if err := os.WriteFile(sf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	merge7, ev7 := w.merged(7, "merge")
	if err := w.handle(ev7); err != nil {
		t.Fatalf("merged: %v", err)
	}
	runs := w.applies(merge7)
	wantStatus(t, runs, "app-dev", plumb.RunFailed, "differs from the reviewed plan")
	if r := runs["app-dev"]; r == nil || len(r.Differences) == 0 || r.PlanID == "" {
		t.Fatalf("app-dev's refused apply names no differences or kept plan: %+v", r)
	}
	c := w.kindComments(7, "apply")
	if len(c) != 1 || !strings.Contains(c[0].Body, "module.app.local_file.config") || !strings.Contains(c[0].Body, "plumb apply") {
		t.Fatalf("the apply comment does not show the difference and what to do: %v", commentBodies(c))
	}
	if _, err := os.Stat(filepath.Join(out, "api-dev.txt")); err == nil {
		t.Fatal("app-dev was applied although its plan changed since review")
	}

	// A read-only user may not apply it.
	cmd, _ := w.comment(7, "rita", "plumb apply -p app-dev")
	if err := w.handle(cmd); err != nil {
		t.Fatal(err)
	}
	if last := w.comments(7); !strings.Contains(last[len(last)-1].Body, "needs write permission") {
		t.Fatalf("a read-only user's apply was not refused: %s", last[len(last)-1].Body)
	}
	if runs := w.applies(merge7); runs["app-dev"].Status != plumb.RunFailed {
		t.Fatal("a read-only user's command applied app-dev")
	}
	// A writer applies the new plan (and app-prod, skipped behind it).
	cmd, _ = w.comment(7, "alice", "plumb apply")
	if err := w.handle(cmd); err != nil {
		t.Fatal(err)
	}
	runs = w.applies(merge7)
	wantStatus(t, runs, "app-dev", plumb.RunApplied, "")
	wantStatus(t, runs, "app-prod", plumb.RunApplied, "")
	if got, err := os.ReadFile(filepath.Join(out, "api-dev.txt")); err != nil || string(got) != "name = api-dev\n" {
		t.Errorf("api-dev.txt %q, %v after the approved apply", got, err)
	}
}

// GitHub answers 502 and then a rate limit while plumb reports a merge's
// applies: the calls are retried, and the apply comment and the statuses
// end right, once.
func TestMergeReportSurvivesGitHubErrors(t *testing.T) {
	t.Parallel()
	w := newPRWorldOf(t, "fixtures/mono", t.TempDir())
	head := w.push("label", "modules/label/main.tf", labelV2)
	if err := w.handle(w.event("opened", 7, "label", head, false)); err != nil {
		t.Fatal(err)
	}
	merge, ev := w.merged(7, "merge")
	w.gh.FailRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 1, 502)
	w.gh.RateLimitRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 1)
	w.gh.FailRoute("POST", "/repos/{owner}/{repo}/statuses/{sha}", 1, 502)
	if err := w.handle(ev); err != nil {
		t.Fatalf("merged, with GitHub failing: %v", err)
	}
	c := w.kindComments(7, "apply")
	if len(c) != 1 || strings.Count(c[0].Body, "applied") < 2 {
		t.Fatalf("apply comments after GitHub's errors: %v; want one saying both projects applied", commentBodies(c))
	}
	st := w.gh.LatestStatuses("acme", "infra", merge)
	for _, p := range []string{"app-dev", "app-prod"} {
		if st["plumb/apply: "+p].State != "success" {
			t.Errorf("status of %s: %+v", p, st["plumb/apply: "+p])
		}
	}
	// The plan comment's one POST, then the apply comment's three: 502,
	// rate limited, created.
	posts := 0
	for _, r := range w.gh.Requests() {
		if strings.HasPrefix(r, "POST /api/v3/repos/acme/infra/issues/7/comments") {
			posts++
		}
	}
	if posts != 4 {
		t.Errorf("%d comment POSTs, want 4 (the plan's, then the apply's 502, rate limit and success)", posts)
	}
}
