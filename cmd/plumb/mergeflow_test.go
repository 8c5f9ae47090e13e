package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// The fixture's config at the base, and the pull request's change: the
// network's cidr and the label every app uses, so the PR affects net-dev,
// app-dev (which depends on net-dev) and app-prod.
const (
	netV2   = "resource \"null_resource\" \"network\" {\n  triggers = {\n    cidr = \"10.1.0.0/16\"\n  }\n}\n"
	labelV2 = "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n"
)

// waitFor polls cond until it holds, failing the test with its last
// explanation after within.
func waitFor(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s: %s", what, within, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kindComments are plumb's comments of one kind ("plan", "apply") on pr.
func (w *prWorld) kindComments(pr int, kind string) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range w.comments(pr) {
		if strings.HasPrefix(c.Body, "<!-- plumb:"+kind) {
			out = append(out, c)
		}
	}
	return out
}

// waitKindComment waits until pr has exactly one comment of kind holding
// every one of want, and returns it.
func (w *prWorld) waitKindComment(pr int, kind string, within time.Duration, want ...string) string {
	w.t.Helper()
	var body string
	waitFor(w.t, within, "PR comment of kind "+kind, func() (bool, string) {
		cs := w.kindComments(pr, kind)
		if len(cs) != 1 {
			return false, "comments: " + strings.Join(commentBodies(w.comments(pr)), "\n---\n")
		}
		body = cs[0].Body
		for _, s := range want {
			if !strings.Contains(body, s) {
				return false, "lacks " + s + ":\n" + body
			}
		}
		return true, ""
	})
	return body
}

func commentBodies(cs []githubtest.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.User+": "+c.Body)
	}
	return out
}

// pushMain commits a change straight to main (another team's commit: the
// base moves) and returns it.
func (w *prWorld) pushMain(file, content string) string {
	w.t.Helper()
	w.local.Git("checkout", "-q", "main")
	w.local.Git("pull", "-q", "--ff-only", w.bare, "main")
	w.local.Write(file, content)
	sha := w.local.Commit("unrelated change " + file)
	w.local.Git("push", "-q", w.bare, "main")
	return sha
}

// mergedPayload is the pull_request.closed delivery of a merged pull
// request, as the server now holds it (merge commit included).
func (w *prWorld) mergedPayload(pr int) []byte {
	w.t.Helper()
	p, ok := w.gh.Pull("acme", "infra", pr)
	if !ok || !p.Merged {
		w.t.Fatalf("PR #%d is not merged on the test server", pr)
	}
	return w.gh.PullRequestPayload(w.t, "closed", "acme", "infra", p)
}

// clone is a fresh clone of acme/infra at main whose origin is the test
// server's clone URL, as a user's working copy is.
func (w *prWorld) clone() string {
	w.t.Helper()
	dir := filepath.Join(w.t.TempDir(), "infra")
	for _, args := range [][]string{{"clone", "-q", w.bare, dir}, {"-C", dir, "remote", "set-url", "origin", w.gh.CloneURL("acme", "infra")}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			w.t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// plumbIn runs the plumb binary in dir with env.
func plumbIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	e := &e2e{t: t, bin: testenv.BuildPlumb(t), repo: &testenv.Repo{Dir: dir}, env: env}
	return e.plumb(args...)
}

func openStore(t testing.TB, data string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestServeMergeApplies is the merge-apply promise end to end, with the
// real plumb serve binary, the GitHub test server and real tofu, for each
// way GitHub merges: the pull request is planned, approved, the base moves
// with an unrelated commit, the pull request is merged, and plumb applies
// its projects on the merge commit in dependency order, edits one apply
// comment, sets the statuses, releases the locks; a plan of the default
// branch then shows no changes.
func TestServeMergeApplies(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"merge", "squash", "rebase"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			mergeFlow(t, method)
		})
	}
}

func mergeFlow(t *testing.T, method string) {
	w := newGitHubWorld(t)
	out, data := t.TempDir(), t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_out_dir="+out, "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	s := startServe(t, data, env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())

	// A pull request of two commits: the rebase merge lands both.
	w.push("change", "envs/dev/net/main.tf", netV2)
	head := w.push("change", "modules/label/main.tf", labelV2)
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "change", head, false)); resp.StatusCode != 202 {
		t.Fatalf("opened: HTTP %d", resp.StatusCode)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, "net-dev", "app-dev", "app-prod", "module.app.local_file.config")
	w.gh.AddReview("acme", "infra", 7, "alice", "APPROVED")
	w.pushMain("docs/NOTES.md", "notes of another team\n")
	merge := w.gh.MergePull(t, "acme", "infra", 7, method)
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.mergedPayload(7)); resp.StatusCode != 202 {
		t.Fatalf("closed (merged): HTTP %d", resp.StatusCode)
	}
	body := w.waitKindComment(7, "apply", 3*time.Minute, merge[:12])
	waitFor(t, 2*time.Minute, "every project applied", func() (bool, string) {
		st := w.gh.LatestStatuses("acme", "infra", merge)
		for _, p := range []string{"net-dev", "app-dev", "app-prod"} {
			if st["plumb/apply: "+p].State != "success" {
				return false, "statuses on the merge commit: " + toString(st) + "\ncomment:\n" + w.kindComments(7, "apply")[0].Body
			}
		}
		return true, ""
	})
	body = w.kindComments(7, "apply")[0].Body
	t.Logf("PR #7 apply comment as GitHub received it:\n%s\n(end of comment)", body) // make demo shows this
	if n := strings.Count(body, "applied"); n < 3 {
		t.Errorf("the apply comment does not say the three projects applied:\n%s", body)
	}
	if len(w.kindComments(7, "apply")) != 1 {
		t.Errorf("%d apply comments, want one edited in place", len(w.kindComments(7, "apply")))
	}
	// The world changed as the pull request said.
	for _, env := range []string{"dev", "prod"} {
		got, err := os.ReadFile(filepath.Join(out, "svc-"+env+".txt"))
		if err != nil || string(got) != "name = svc-"+env+"\n" {
			t.Errorf("svc-%s.txt: %q, %v; want the label the pull request set", env, got, err)
		}
	}
	if took, err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v after %s", err, took)
	}
	db := openStore(t, data)
	ctx := context.Background()
	applies, err := db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply, Commit: merge})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(applies, func(a, b *plumb.Run) int { return a.StartedAt.Compare(b.StartedAt) })
	var order []string
	for _, r := range applies {
		if r.Status != plumb.RunApplied {
			t.Errorf("%s: apply %s (%s), want applied", r.Project, r.Status, r.Error)
		}
		order = append(order, r.Project)
	}
	if want := []string{"net-dev", "app-dev", "app-prod"}; !slices.Equal(order, want) {
		t.Errorf("applied in order %v, want %v (depends_on, then environment)", order, want)
	}
	if locks, _ := db.Locks(ctx); len(locks) != 0 {
		t.Errorf("locks left after the merge applied: %+v", locks)
	}
	db.Close()
	// One state: a plan of the default branch from a clone, on the same
	// data dir, has nothing left to do.
	res := plumbIn(t, w.clone(), append(env, "PLUMB_DATA_DIR="+data), "plan", "--json")
	if res.code != 0 || strings.Count(res.stdout, `"status": "no_changes"`)+strings.Count(res.stdout, `"status":"no_changes"`) != 3 {
		t.Errorf("plumb plan of main after the merge: exit %d, want 3 projects without changes\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

func toString(st map[string]githubtest.Status) string {
	var out []string
	for k, v := range st {
		out = append(out, k+"="+v.State+" ("+v.Description+")")
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// Two pull requests on one project: the second waits in line for the
// first's lock, is planned once the first's merge applied and released
// it, and is applied after its own merge, with nobody commenting.
func TestServeLockLine(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	out, data := t.TempDir(), t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_out_dir="+out, "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	s := startServe(t, data, env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL(), "--lock-retry", "1m")
	deliver := func(body []byte) {
		t.Helper()
		if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", body); resp.StatusCode != 202 {
			t.Fatalf("delivery: HTTP %d", resp.StatusCode)
		}
	}
	head7 := w.push("seven", "envs/prod/app/seven.tf", "resource \"null_resource\" \"seven\" {}\n")
	deliver(w.payload("opened", 7, "seven", head7, false))
	w.waitKindComment(7, "plan", 2*time.Minute, "null_resource.seven")
	head8 := w.push("eight", "envs/prod/app/eight.tf", "resource \"null_resource\" \"eight\" {}\n")
	deliver(w.payload("opened", 8, "eight", head8, false))
	w.waitKindComment(8, "plan", 2*time.Minute, "PR #7", "place 1")
	_, metrics := getBody(t, s.url("/metrics"))
	if !strings.Contains(metrics, "plumb_apply_queue_waiting 1") {
		t.Errorf("/metrics does not count PR #8 waiting:\n%s", grepLines(metrics, "plumb_"))
	}

	merge7 := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	deliver(w.mergedPayload(7))
	w.waitKindComment(7, "apply", 2*time.Minute, "applied")
	// The release wakes PR #8 at once: its lock retry is a minute away.
	// Its plan, against the state PR #7's apply left, honestly destroys
	// what PR #7 added, since its branch predates it.
	w.waitKindComment(8, "plan", time.Minute, "null_resource.eight", "null_resource.seven")
	// Its author brings the branch up to date; the new head is planned
	// (the lock is PR #8's now) and applied after its own merge.
	w.local.Git("checkout", "-q", "eight")
	w.local.Git("pull", "-q", "--no-rebase", "--no-edit", w.bare, "main")
	head8 = w.local.Head()
	w.local.Git("push", "-q", w.bare, "eight")
	deliver(w.payload("synchronize", 8, "eight", head8, false))
	w.waitKindComment(8, "plan", 2*time.Minute, head8[:12], "null_resource.eight")
	merge8 := w.gh.MergePull(t, "acme", "infra", 8, "merge")
	deliver(w.mergedPayload(8))
	w.waitKindComment(8, "apply", 2*time.Minute, "applied")
	s.stop(syscall.SIGTERM)
	db := openStore(t, data)
	for _, m := range []string{merge7, merge8} {
		runs, _ := db.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunApply, Commit: m, Project: "app-prod"})
		if len(runs) != 1 || runs[0].Status != plumb.RunApplied {
			t.Errorf("apply of app-prod at %.12s: %+v", m, runs)
		}
	}
	if locks, _ := db.Locks(context.Background()); len(locks) != 0 {
		t.Errorf("locks left: %+v", locks)
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// kill -9 during an apply: after the restart the run is reported
// interrupted, the lock is held with that reason, and nothing is applied
// again by itself.
func TestServeKill9MidApply(t *testing.T) {
	t.Parallel()
	w := newGitHubWorldOf(t, "fixtures/chain")
	out, data := t.TempDir(), t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_out_dir="+out, "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	args := []string{"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL()}
	s := startServe(t, data, env, args...)
	var head string
	for _, p := range []string{"dev/base", "dev/app", "prod/app"} {
		b, _ := os.ReadFile(filepath.Join(w.local.Dir, p, "main.tf"))
		head = w.push("bump", p+"/main.tf", strings.Replace(string(b), `version = "1"`, `version = "2"`, 1))
	}
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "bump", head, false)); resp.StatusCode != 202 {
		t.Fatal(resp.StatusCode)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, "base-dev", "app-prod", "null_resource.step")
	w.gh.AddReview("acme", "infra", 7, "alice", "APPROVED")
	slow := filepath.Join(out, "slow-base-dev")
	touch(t, slow)
	merge := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.mergedPayload(7)); resp.StatusCode != 202 {
		t.Fatal(resp.StatusCode)
	}
	applying := func() int {
		db := openStore(t, data)
		defer db.Close()
		var n int
		db.SQL().QueryRow(`SELECT count(*) FROM plumb_runs WHERE kind = 'apply' AND status = 'running' AND project = 'base-dev'`).Scan(&n)
		return n
	}
	waitFor(t, 2*time.Minute, "base-dev's apply running", func() (bool, string) { return applying() == 1, "" })
	time.Sleep(time.Second) // into the engine's apply
	s.stop(syscall.SIGKILL)
	os.Remove(slow)

	s2 := startServe(t, data, env, args...)
	w.waitKindComment(7, "apply", 2*time.Minute, "interrupted")
	db := openStore(t, data)
	ctx := context.Background()
	waitFor(t, time.Minute, "the merge event handled after the restart", func() (bool, string) {
		var n int
		db.SQL().QueryRow(`SELECT count(*) FROM plumb_events WHERE status IN ('processed', 'failed')`).Scan(&n)
		return n == 2, ""
	})
	s2.stop(syscall.SIGTERM)
	runs, _ := db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply, Commit: merge})
	byProject := map[string][]*plumb.Run{}
	for _, r := range runs {
		byProject[r.Project] = append(byProject[r.Project], r)
	}
	if b := byProject["base-dev"]; len(b) != 1 || b[0].Status != plumb.RunFailed || !strings.HasPrefix(b[0].Error, "interrupted:") {
		t.Fatalf("base-dev applies after the restart: %+v; want the one, interrupted", b)
	}
	for _, p := range []string{"app-dev", "app-prod"} {
		for _, r := range byProject[p] {
			if r.Status == plumb.RunApplied {
				t.Errorf("%s applied after an interrupted apply of what it follows", p)
			}
		}
	}
	locks, _ := db.Locks(ctx)
	found := false
	for _, l := range locks {
		if l.Project == "base-dev" {
			found = l.Owner == "PR #7" && strings.Contains(l.Reason, "interrupted") && strings.Contains(l.Reason, "partial")
		}
	}
	if !found {
		t.Errorf("base-dev's lock after the restart: %+v; want PR #7's, saying the apply was interrupted", locks)
	}
}
