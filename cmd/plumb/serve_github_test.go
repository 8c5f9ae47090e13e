package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// TestServePullRequests drives the real plumb serve binary with GitHub's
// own webhook payloads, against the OpenAPI-checked GitHub test server and
// real tofu: a PR is planned and commented, a push edits the same comment,
// a second PR is told who holds the lock and is planned once the first
// closes.
func TestServePullRequests(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	env := append(testenv.Env(t), "TF_VAR_out_dir="+t.TempDir(), "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	s := startServe(t, t.TempDir(), env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())
	deliver := func(action string, pr int, branch, head string) {
		t.Helper()
		resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload(action, pr, branch, head, false))
		if resp.StatusCode != 202 {
			t.Fatalf("pull_request.%s #%d: HTTP %d, want 202", action, pr, resp.StatusCode)
		}
	}
	// waitComment waits for PR pr to have exactly one comment containing want.
	waitComment := func(pr int, want string, within time.Duration) string {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			cs := w.comments(pr)
			if len(cs) == 1 && strings.Contains(cs[0].Body, want) {
				return cs[0].Body
			}
			if len(cs) > 1 || time.Now().After(deadline) {
				t.Fatalf("PR #%d: %d comments after %s, want one containing %q: %+v", pr, len(cs), within, want, cs)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	deliver("opened", 7, "label", head)
	body := waitComment(7, "module.app.local_file.config", 2*time.Minute)
	t.Logf("PR #7 comment as GitHub received it:\n%s\n(end of comment)", body) // make demo shows this
	if !strings.Contains(body, "calls modules/label") {
		t.Errorf("the comment does not say why the projects were planned:\n%s", body)
	}
	// Statuses follow the comment.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st := w.gh.LatestStatuses("acme", "infra", head)["plumb/plan: app-prod"]
		if st.State == "success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("app-prod status %+v, want success; the comment:\n%s", st, w.comments(7)[0].Body)
		}
	}

	head2 := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"api-${var.env}\"\n}\n")
	deliver("synchronize", 7, "label", head2)
	waitComment(7, head2[:12], 2*time.Minute)

	head8 := w.push("other", "envs/prod/app/extra.tf", "resource \"null_resource\" \"extra\" {}\n")
	deliver("opened", 8, "other", head8)
	waitComment(8, "PR #7", 2*time.Minute)

	deliver("closed", 7, "label", head2)
	// The queue retries PR #8 after its snooze and finds the lock free.
	waitComment(8, "null_resource.extra", 3*time.Minute)

	_, metrics := getBody(t, s.url("/metrics"))
	for _, want := range []string{`plumb_runs_total{kind="plan",status="changes"}`, `plumb_run_duration_seconds_count{kind="plan"}`, "plumb_locks_held 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if took, err := s.stop(syscall.SIGTERM); err != nil || took > 30*time.Second {
		t.Errorf("SIGTERM: %v after %s", err, took)
	}
}

// TestServeKill9MidPlan kills plumb serve while a pull request's plan is
// running, restarts it, and checks that the delivery is processed once
// more to the end, the interrupted run is reported as failed, and no lock
// is left with anyone but the pull request.
func TestServeKill9MidPlan(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	data := t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_out_dir="+t.TempDir(), "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	args := []string{"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL()}
	s := startServe(t, data, env, args...)
	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "label", head, false)); resp.StatusCode != 202 {
		t.Fatalf("delivery: HTTP %d", resp.StatusCode)
	}
	running := func() int {
		db, err := sqlite.Open(context.Background(), filepath.Join(data, "plumb.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		db.SQL().QueryRow(`SELECT count(*) FROM plumb_runs WHERE status = 'running'`).Scan(&n)
		return n
	}
	for deadline := time.Now().Add(90 * time.Second); running() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no run started within 90s")
		}
	}
	s.stop(syscall.SIGKILL)

	s2 := startServe(t, data, env, args...)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cs := w.comments(7)
		if len(cs) == 1 && strings.Contains(cs[0].Body, "module.app.local_file.config") && !strings.Contains(cs[0].Body, ":x:") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PR #7 after restart: %+v", cs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, processed, interrupted, stillRunning int
	// The comment is posted before the queue records the event as done.
	for deadline := time.Now().Add(30 * time.Second); processed == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		db.SQL().QueryRow(`SELECT count(*), sum(status = 'processed') FROM plumb_events`).Scan(&events, &processed)
	}
	db.SQL().QueryRow(`SELECT count(*) FROM plumb_runs WHERE status = 'failed' AND error LIKE 'interrupted:%'`).Scan(&interrupted)
	db.SQL().QueryRow(`SELECT count(*) FROM plumb_runs WHERE status IN ('running', 'queued')`).Scan(&stillRunning)
	if events != 1 || processed != 1 {
		t.Errorf("%d events, %d processed; want the one delivery processed once", events, processed)
	}
	if interrupted == 0 || stillRunning != 0 {
		t.Errorf("%d runs marked interrupted, %d still look alive; want the killed run reported failed", interrupted, stillRunning)
	}
	locks, _ := db.Locks(context.Background())
	for _, l := range locks {
		if l.Owner != "PR #7" {
			t.Errorf("lock on %s held by %s after the restart", l.Project, l.Owner)
		}
	}
	if len(locks) != 2 {
		t.Errorf("%d locks, want PR #7's two (app-dev, app-prod)", len(locks))
	}
	s2.stop(syscall.SIGTERM)
}
