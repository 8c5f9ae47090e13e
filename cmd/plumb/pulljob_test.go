package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// prWorld is a GitHub test server hosting acme/infra (the mono fixture),
// and the pull request job wired as plumb serve wires it: real tofu, real
// SQLite, the real GitHub forge.
type prWorld struct {
	t     testing.TB
	gh    *githubtest.Server
	local *testenv.Repo
	job   *jobs.Dispatcher
	env   *jobs.Env
	store plumb.Store
	data  string // the runner's data dir
	main  string
	bare  string // the server's repository, pushed to as a directory
}

// newGitHubWorld hosts the mono fixture as acme/infra on a GitHub test server.
func newGitHubWorld(t testing.TB) *prWorld { return newGitHubWorldOf(t, "fixtures/mono") }

// newGitHubWorldOf hosts a testdata fixture as acme/infra on a GitHub test server.
func newGitHubWorldOf(t testing.TB, fixture string) *prWorld {
	t.Helper()
	w := &prWorld{t: t, gh: githubtest.NewServer(t), local: testenv.NewRepo(t, fixture)}
	w.bare = w.gh.InitRepo(t, "acme", "infra")
	w.main = w.local.Head()
	w.local.Git("push", "-q", w.bare, "main")
	return w
}

func newPRWorld(t *testing.T) *prWorld { return newPRWorldOf(t, "fixtures/mono", t.TempDir()) }

// newPRWorldOf is newPRWorld on a fixture, with local_file writing to out.
func newPRWorldOf(t testing.TB, fixture, out string) *prWorld {
	t.Helper()
	ctx := context.Background()
	w := newGitHubWorldOf(t, fixture)
	data := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.store, w.data = st, data
	red := plumb.NewRedactor(w.gh.Token())
	// Short retry waits: a rate limit here resets in a minute, not worth waiting for.
	forge, err := vcs.NewGitHub(vcs.GitHubConfig{BaseURL: w.gh.EnterpriseURL(), Token: w.gh.Token(), Redactor: red,
		RetryBaseWait: 10 * time.Millisecond, RetryMaxWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	r, err := runner.New(runner.Config{DataDir: data, Store: st, Engines: engine.Find(ctx, engine.Search{Dirs: []string{testenv.Load(t).BinDir}}),
		Env: append(testenv.Env(t), "TF_VAR_out_dir="+out), Redactor: red, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	w.env = &jobs.Env{Runner: r, Store: st, Forge: forge, Logger: logger,
		Git: gitSource{&vcs.Mirrors{Dir: filepath.Join(data, "repos"), Credentials: forge.GitCredentials}}}
	w.job = jobs.New(w.env)
	return w
}

// savedPlans counts the saved plan files of trigger's plan runs at commit.
func (w *prWorld) savedPlans(trigger, commit string) int {
	w.t.Helper()
	runs, err := w.store.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunPlan, Trigger: trigger, Commit: commit})
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, r := range runs {
		if _, err := os.Stat(filepath.Join(w.data, "runs", r.ID, "plan.tfplan")); err == nil {
			n++
		}
	}
	return n
}

// push commits a change to branch (created from main when new) and pushes it.
func (w *prWorld) push(branch, file, content string) string {
	w.t.Helper()
	if out := w.local.Git("branch", "--list", branch); out == "" {
		w.local.Git("checkout", "-q", "-b", branch, "main")
	} else {
		w.local.Git("checkout", "-q", branch)
	}
	w.local.Write(file, content)
	sha := w.local.Commit("change " + file)
	w.local.Git("push", "-q", "-f", w.bare, branch)
	return sha
}

// event builds the pull_request delivery GitHub would send and parses it
// as plumb serve does.
func (w *prWorld) event(action string, pr int, branch, head string, merged bool) plumb.Event {
	w.t.Helper()
	body := w.payload(action, pr, branch, head, merged)
	ev, err := vcs.ParseWebhook([]byte(githubtest.Secret), githubtest.Headers("pull_request", body), body)
	if err != nil {
		w.t.Fatalf("parse pull_request.%s: %v", action, err)
	}
	return ev
}

// payload is GitHub's own example pull_request delivery, edited to this
// pull request; the server learns of the pull request too.
func (w *prWorld) payload(action string, pr int, branch, head string, merged bool) []byte {
	w.t.Helper()
	state := "open"
	if action == "closed" {
		state = "closed"
	}
	w.gh.AddPull("acme", "infra", githubtest.PullRequest{Number: pr, Title: branch, HeadRef: branch, HeadSHA: head,
		BaseRef: "main", BaseSHA: w.main, Merged: merged, State: state})
	name := "pull_request." + action
	body := w.gh.SetRepo(w.t, githubtest.Payload(w.t, name), "acme", "infra")
	body = githubtest.Edit(w.t, body, map[string]any{
		"number": pr, "pull_request.number": pr, "pull_request.merged": merged,
		"pull_request.head.sha": head, "pull_request.head.ref": branch,
		"pull_request.base.sha": w.main, "pull_request.base.ref": "main",
	})
	return body
}

func (w *prWorld) comments(pr int) []githubtest.Comment { return w.gh.Comments("acme", "infra", pr) }

func TestPullRequestPlannedCommentedLockedReleased(t *testing.T) {
	t.Parallel()
	w := newPRWorld(t)
	ctx := context.Background()

	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	if err := w.job.HandleEvent(ctx, w.event("opened", 7, "label", head, false)); err != nil {
		t.Fatalf("PR #7 opened: %v", err)
	}
	cs := w.comments(7)
	if len(cs) != 1 {
		t.Fatalf("PR #7 has %d comments, want 1", len(cs))
	}
	for _, want := range []string{"app-dev", "app-prod", "calls modules/label", "module.app.local_file.config", "```diff"} {
		if !strings.Contains(cs[0].Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, cs[0].Body)
		}
	}
	if strings.Contains(cs[0].Body, "net-dev") {
		t.Error("net-dev does not call modules/label but was planned")
	}
	st := w.gh.LatestStatuses("acme", "infra", head)
	if s := st["plumb/plan: app-dev"]; s.State != "success" || !strings.Contains(s.Description, "+1") {
		t.Errorf("app-dev status %+v, want success with the summary", s)
	}

	// A new push: the same comment is edited, never a second one.
	head2 := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"api-${var.env}\"\n}\n")
	if err := w.job.HandleEvent(ctx, w.event("synchronize", 7, "label", head2, false)); err != nil {
		t.Fatalf("PR #7 synchronize: %v", err)
	}
	if cs2 := w.comments(7); len(cs2) != 1 || cs2[0].ID != cs[0].ID || !strings.Contains(cs2[0].Body, head2[:12]) {
		t.Fatalf("after a push PR #7 has %d comments (want the one comment edited to %s)", len(cs2), head2[:12])
	}
	// The old head's saved plans can never be applied: the push deleted them.
	if n, n2 := w.savedPlans("PR #7", head), w.savedPlans("PR #7", head2); n != 0 || n2 != 2 {
		t.Errorf("saved plans of PR #7: %d at the old head, %d at the new; want 0 and 2", n, n2)
	}
	// The first event again (a queue retry, say) is outdated: it must not
	// put the old head's plan back.
	stale := w.event("opened", 7, "label", head, false)
	w.gh.AddPull("acme", "infra", githubtest.PullRequest{Number: 7, Title: "label", HeadRef: "label", HeadSHA: head2, BaseRef: "main", BaseSHA: w.main, State: "open"})
	if err := w.job.HandleEvent(ctx, stale); err != nil {
		t.Fatalf("stale event: %v", err)
	}
	if cs2 := w.comments(7); len(cs2) != 1 || !strings.Contains(cs2[0].Body, head2[:12]) {
		t.Fatalf("a stale event rewrote PR #7's comment to the old head")
	}

	// A second PR on a project PR #7 holds: told who holds it.
	head8 := w.push("other", "envs/prod/app/extra.tf", "resource \"null_resource\" \"extra\" {}\n")
	err := w.job.HandleEvent(ctx, w.event("opened", 8, "other", head8, false))
	if plumb.ErrorCode(err) != plumb.ECONFLICT {
		t.Fatalf("PR #8 on a locked project: %v, want a conflict for the queue to retry", err)
	}
	if cs8 := w.comments(8); len(cs8) != 1 || !strings.Contains(cs8[0].Body, "PR #7") || !strings.Contains(cs8[0].Body, "place 1 in line") {
		t.Fatalf("PR #8 comments %v, want one naming PR #7 as the holder and its place in line", cs8)
	}
	// A lock held past the server's limit is flagged, never broken.
	w.env.Settings.LockMaxAge = time.Millisecond
	if err := w.job.HandleEvent(ctx, w.event("opened", 8, "other", head8, false)); plumb.ErrorCode(err) != plumb.ECONFLICT {
		t.Fatalf("PR #8 again: %v", err)
	}
	if cs8 := w.comments(8); len(cs8) != 1 || !strings.Contains(cs8[0].Body, "longer than this server's limit") {
		t.Fatalf("PR #8's comment does not flag PR #7's old lock: %v", cs8)
	}
	w.env.Settings.LockMaxAge = 0

	// PR #7 closed without merging: its locks go, and PR #8's retry plans.
	if err := w.job.HandleEvent(ctx, w.event("closed", 7, "label", head2, false)); err != nil {
		t.Fatalf("PR #7 closed: %v", err)
	}
	locks, _ := w.store.Locks(ctx)
	for _, l := range locks {
		if l.Owner == "PR #7" {
			t.Errorf("PR #7's lock on %s survived its closing", l.Project)
		}
	}
	if err := w.job.HandleEvent(ctx, w.event("opened", 8, "other", head8, false)); err != nil {
		t.Fatalf("PR #8 retried after the lock freed: %v", err)
	}
	if cs8 := w.comments(8); len(cs8) != 1 || !strings.Contains(cs8[0].Body, "null_resource.extra") {
		t.Fatalf("PR #8 was not planned after the lock freed:\n%v", cs8)
	}
}
