package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// runRepos counts the data dir's runs by the repository key they name.
func runRepos(t *testing.T, dataDir string) map[string]int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().Query(`SELECT repo, count(*) FROM plumb_runs GROUP BY repo`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var repo string
		var n int
		if err := rows.Scan(&repo, &n); err != nil {
			t.Fatal(err)
		}
		out[repo] = n
	}
	return out
}

// commentRow is the summary table's row of project in a plan comment.
func commentRow(body, project string) string {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "| "+project+" |") {
			return line
		}
	}
	return ""
}

// TestCLIApplyThenServeOneState: plumb apply from a clone of acme/infra
// keys its state by owner/name, as plumb serve does, so the server's plan
// of a pull request on the same data dir finds the applied state (no
// changes) instead of planning everything anew.
func TestCLIApplyThenServeOneState(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	w.local.Git("remote", "add", "origin", w.gh.CloneURL("acme", "infra"))
	e := &e2e{t: t, bin: testenv.BuildPlumb(t), repo: w.local, data: t.TempDir(), outDir: t.TempDir()}
	e.env = append(testenv.Env(t), "TF_VAR_out_dir="+e.outDir)

	applied := e.runsOf(0, "apply", "--auto-approve", "--data-dir", e.data)
	for _, p := range []string{"net-dev", "app-dev", "app-prod"} {
		if st := statuses(applied)[p]; st != "applied" {
			t.Fatalf("CLI apply: %s %s, want applied", p, st)
		}
	}
	if got := runRepos(t, e.data); len(got) != 1 || got["acme/infra"] == 0 {
		t.Errorf("CLI runs by repo key %v, want all under acme/infra", got)
	}

	s := startServe(t, e.data, append(e.env, "PLUMB_GITHUB_TOKEN="+w.gh.Token()),
		"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())
	w.push("notes", "envs/dev/net/notes.tf", "# Network notes: no resources.\n")
	head := w.push("notes", "envs/dev/app/notes.tf", "# App notes: no resources.\n")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 3, "notes", head, false)); resp.StatusCode != 202 {
		t.Fatalf("delivery: HTTP %d", resp.StatusCode)
	}
	var body string
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if cs := w.comments(3); len(cs) == 1 && commentRow(cs[0].Body, "net-dev") != "" && commentRow(cs[0].Body, "app-dev") != "" {
			body = cs[0].Body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PR #3 not planned within 2m: %+v", w.comments(3))
		}
	}
	for _, p := range []string{"net-dev", "app-dev"} {
		if row := commentRow(body, p); !strings.Contains(row, "no changes") {
			t.Errorf("%s after the CLI applied it: %q, want no changes (one state, not two); the comment:\n%s", p, row, body)
		}
	}
	if got := runRepos(t, e.data); len(got) != 1 {
		t.Errorf("runs by repo key %v, want one key for the CLI's and the server's", got)
	}
}

// TestCLIStateKeyFollowsRemote: a repository without a GitHub remote keeps
// its state under its local path and the CLI says so once; once the remote
// is added, the state moves to owner/name (said once) and nothing is lost.
func TestCLIStateKeyFollowsRemote(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	const notice = "is known by its local path, since it has no remote"

	res := e.plumb("apply", "--auto-approve")
	if res.code != 0 || strings.Count(res.stderr, notice) != 1 || !strings.Contains(res.stderr, "git remote add origin") {
		t.Fatalf("first apply: exit %d, want 0 and the notice once on stderr:\n%s", res.code, res.stderr)
	}
	if res := e.plumb("plan", "--detailed-exitcode"); res.code != 0 || strings.Contains(res.stderr, notice) {
		t.Fatalf("plan after apply: exit %d, want 0 (no changes) and no second notice:\n%s", res.code, res.stderr)
	}

	e.repo.Git("remote", "add", "origin", "git@github.com:acme/infra.git")
	res = e.plumb("plan", "--detailed-exitcode")
	if res.code != 0 {
		t.Fatalf("plan once origin names acme/infra: exit %d, want 0 (the state moved, so no changes):\n%s", res.code, res.stderr)
	}
	if strings.Count(res.stderr, "moved the state of") != 1 || !strings.Contains(res.stderr, "to acme/infra") {
		t.Errorf("the move is not told once:\n%s", res.stderr)
	}
	if res := e.plumb("plan", "--detailed-exitcode"); res.code != 0 || strings.Contains(res.stderr, "moved the state") {
		t.Errorf("second plan under acme/infra: exit %d, want 0 and no move:\n%s", res.code, res.stderr)
	}
	got := runRepos(t, e.data)
	if got["acme/infra"] == 0 || len(got) != 2 {
		t.Errorf("runs by repo key %v, want the old ones under the local path and the new under acme/infra", got)
	}
}
