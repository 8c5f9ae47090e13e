package main

import (
	"context"
	"fmt"
	"io"
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

// BenchmarkMergeApplyLatency is the merge → apply latency of a pull request
// that changes one project (app-prod of the mono fixture), against one real
// plumb serve on the GitHub test server: from the 202 of the merged
// pull_request.closed delivery to the edit of the apply comment that says
// the project applied, taken from the comment's UpdatedAt so polling adds
// nothing. Each iteration also applies the same change with raw tofu in a
// copy of the repository (init and plan -out untimed, apply timed), whose
// state follows plumb's, and reports the medians: overhead-s (latency minus
// raw apply), latency-s and raw-apply-s; each iteration's log line splits
// its latency at the server's own timestamps (phases). scripts/bench.sh
// runs it with -benchtime 3x; PLUMB_BENCH_SERVE_LOG keeps the server's
// JSON log there.
func BenchmarkMergeApplyLatency(b *testing.B) {
	if testing.Short() {
		b.Skip("starts plumb serve and real tofu")
	}
	w := newBenchWorld(b)
	var latency, raw, overhead []float64
	b.ResetTimer()
	for i := range b.N {
		m := w.mergeOne(i)
		l := m.commented.Sub(m.accepted)
		r := w.rawApply(i)
		b.Logf("iteration %d: latency %.3fs, raw apply %.3fs, overhead %.3fs; %s", i, l.Seconds(), r.Seconds(), (l - r).Seconds(), w.phases(m))
		latency, raw, overhead = append(latency, l.Seconds()), append(raw, r.Seconds()), append(overhead, (l-r).Seconds())
	}
	b.StopTimer()
	b.ReportMetric(median(overhead), "overhead-s")
	b.ReportMetric(median(latency), "latency-s")
	b.ReportMetric(median(raw), "raw-apply-s")
}

// benchWorld is acme/infra (the mono fixture) on a GitHub test server with
// one plumb serve on it, plus the raw copy the yardstick applies in. The
// end-to-end helpers (startServe, prWorld) take a *testing.T, which a
// benchmark does not have; this is their testing.TB subset.
type benchWorld struct {
	b      *testing.B
	gh     *githubtest.Server
	local  *testenv.Repo
	bare   string
	data   string     // plumb serve's data dir
	db     *sqlite.DB // its database, read beside it (WAL)
	events string     // plumb serve's /events URL
	log    string     // plumb serve's stderr
	raw    string     // the yardstick's copy of the repository
	rawEnv []string
	tofu   string
}

func newBenchWorld(b *testing.B) *benchWorld {
	w := &benchWorld{b: b, gh: githubtest.NewServer(b), local: testenv.NewRepo(b, "fixtures/mono"), tofu: testenv.Load(b).Tofu}
	w.bare = w.gh.InitRepo(b, "acme", "infra")
	w.local.Git("push", "-q", w.bare, "main")
	w.raw = filepath.Join(b.TempDir(), "infra")
	if err := os.CopyFS(w.raw, os.DirFS(w.local.Dir)); err != nil {
		b.Fatal(err)
	}
	w.rawEnv = append(testenv.Env(b), "TF_VAR_out_dir="+b.TempDir())
	w.serve(append(testenv.Env(b), "TF_VAR_out_dir="+b.TempDir(), "PLUMB_GITHUB_TOKEN="+w.gh.Token()))
	return w
}

// serve starts plumb serve as startServe does, its log kept in a file.
func (w *benchWorld) serve(env []string) {
	b := w.b
	w.log = os.Getenv("PLUMB_BENCH_SERVE_LOG")
	if w.log == "" {
		w.log = filepath.Join(b.TempDir(), "serve.log")
	}
	f, err := os.Create(w.log)
	if err != nil {
		b.Fatal(err)
	}
	w.data = b.TempDir()
	cmd := exec.Command(testenv.BuildPlumb(b), "serve", "--listen", "127.0.0.1:0", "--data-dir", w.data, "--log-format", "json",
		"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())
	cmd.Env = env
	addr := make(chan string, 1)
	cmd.Stderr = io.MultiWriter(f, &logWatch{addr: addr})
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		guard := time.AfterFunc(40*time.Second, func() { cmd.Process.Kill() })
		cmd.Wait()
		guard.Stop()
		f.Close()
	})
	select {
	case a := <-addr:
		w.events = "http://" + a + "/events"
	case <-time.After(60 * time.Second):
		b.Fatalf("plumb serve not listening after 60s:\n%s", w.logTail())
	}
	if w.db, err = sqlite.Open(context.Background(), filepath.Join(w.data, "plumb.db")); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.db.Close() })
}

// merged is one merge's timeline: the 202 of its delivery, and the edit of
// the apply comment that says it applied.
type merged struct {
	commit, delivery    string
	accepted, commented time.Time
}

// mergeOne opens pull request i+10 adding one resource to app-prod, waits
// for its plan, merges it and waits for the apply comment.
func (w *benchWorld) mergeOne(i int) merged {
	b, n := w.b, i+10
	branch := fmt.Sprintf("bench%d", i)
	w.local.Git("checkout", "-q", "main")
	w.local.Git("pull", "-q", "--ff-only", w.bare, "main")
	base := w.local.Head()
	w.local.Git("checkout", "-q", "-b", branch)
	w.local.Write(benchFile(i), benchResource(i))
	head := w.local.Commit("bench " + branch)
	w.local.Git("push", "-q", w.bare, branch)

	pr := githubtest.PullRequest{Number: n, Title: branch, HeadRef: branch, HeadSHA: head, BaseRef: "main", BaseSHA: base, State: "open"}
	w.gh.AddPull("acme", "infra", pr)
	opened, _ := w.deliver(w.gh.PullRequestPayload(b, "opened", "acme", "infra", pr), "opened")
	w.waitComment(n, "plan", 3*time.Minute, "null_resource."+branch)
	w.waitProcessed(opened)
	w.gh.AddReview("acme", "infra", n, "alice", "APPROVED")

	merge := w.gh.MergePull(b, "acme", "infra", n, "merge")
	p, _ := w.gh.Pull("acme", "infra", n)
	delivery, accepted := w.deliver(w.gh.PullRequestPayload(b, "closed", "acme", "infra", p), "closed (merged)")
	want := []string{merge[:12], "1 applied"}
	w.waitComment(n, "apply", 3*time.Minute, want...)
	// The job's end: its last edit of the comment is the one that counts,
	// and the yardstick then runs on an idle server.
	w.waitProcessed(delivery)
	c := w.waitComment(n, "apply", 0, want...)
	return merged{commit: merge, delivery: delivery, accepted: accepted, commented: c.UpdatedAt}
}

// waitProcessed waits until the server handled a delivery to the end.
func (w *benchWorld) waitProcessed(delivery string) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var status, msg string
		err := w.db.SQL().QueryRow(`SELECT status, error FROM plumb_events WHERE delivery = $1`, delivery).Scan(&status, &msg)
		switch {
		case err == nil && status == "processed":
			return
		case err == nil && status == "failed":
			w.b.Fatalf("delivery %s failed: %s\nserve log:\n%s", delivery, msg, w.logTail())
		case time.Now().After(deadline):
			w.b.Fatalf("delivery %s: status %q (%v) after 3m\nserve log:\n%s", delivery, status, err, w.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// phases splits a merge's latency at the timestamps the server's database
// holds: 202 → the queue's worker picks the event up (River's
// attempted_at; SQLite has no notifications, so workers poll) → the apply
// run is created (reading the pull request, fetch, affected set, reviewed
// plan, locks, pending statuses) → started (the project's turn and a
// worker slot) → finished (the worktree, init unless skipped, the engine's
// apply) → the comment (lock release, statuses, the comment's upsert).
func (w *benchWorld) phases(m merged) string {
	ctx, db := context.Background(), w.db
	runs, err := db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply, Commit: m.commit})
	if err != nil || len(runs) != 1 {
		return fmt.Sprintf("apply runs of %.12s: %d, %v", m.commit, len(runs), err)
	}
	r := runs[0]
	engineInit := "init ran"
	if lines, _ := db.RunLog(ctx, r.ID); slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "init skipped") }) {
		engineInit = "init skipped"
	}
	ms := func(from, to time.Time) int64 { return to.Sub(from).Milliseconds() }
	picked := r.CreatedAt // unknown: all of it counts as work before the run
	var at string
	if db.SQL().QueryRowContext(ctx, `SELECT attempted_at FROM river_job WHERE kind = 'plumb_event' AND json_extract(args, '$.delivery') = $1`, m.delivery).Scan(&at) == nil {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			picked = t
		}
	}
	return fmt.Sprintf("202 → picked up %d ms → run %d ms → started %d ms → applied %d ms (%s) → comment %d ms",
		ms(m.accepted, picked), ms(picked, r.CreatedAt), ms(r.CreatedAt, r.StartedAt), ms(r.StartedAt, r.FinishedAt), engineInit, ms(r.FinishedAt, m.commented))
}

// deliver sends a pull_request delivery and returns its ID and when its
// 202 came back.
func (w *benchWorld) deliver(body []byte, what string) (string, time.Time) {
	resp := githubtest.Deliver(w.b, w.events, "pull_request", body)
	at := time.Now()
	if resp.StatusCode != 202 {
		w.b.Fatalf("%s: HTTP %d", what, resp.StatusCode)
	}
	return resp.Request.Header.Get("X-GitHub-Delivery"), at
}

// waitComment waits until pr has one plumb comment of kind holding every
// one of want, and returns it; a comment that says failed ends the run.
func (w *benchWorld) waitComment(pr int, kind string, within time.Duration, want ...string) githubtest.Comment {
	deadline := time.Now().Add(within)
	for {
		var cs []githubtest.Comment
		for _, c := range w.gh.Comments("acme", "infra", pr) {
			if strings.HasPrefix(c.Body, "<!-- plumb:"+kind) {
				cs = append(cs, c)
			}
		}
		if len(cs) == 1 {
			if !slices.ContainsFunc(want, func(s string) bool { return !strings.Contains(cs[0].Body, s) }) {
				return cs[0]
			}
			if strings.Contains(cs[0].Body, "failed") {
				w.b.Fatalf("PR #%d: the %s comment says failed:\n%s\nserve log:\n%s", pr, kind, cs[0].Body, w.logTail())
			}
		}
		if time.Now().After(deadline) {
			w.b.Fatalf("PR #%d: no %s comment holding %q after %s: %d comments %v\nserve log:\n%s",
				pr, kind, want, within, len(cs), commentBodies(cs), w.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawApply makes change i in the raw copy and times `tofu apply` of its
// saved plan, after an untimed init and plan.
func (w *benchWorld) rawApply(i int) time.Duration {
	path := filepath.Join(w.raw, benchFile(i))
	if err := os.WriteFile(path, []byte(benchResource(i)), 0o644); err != nil {
		w.b.Fatal(err)
	}
	dir := filepath.Dir(path)
	w.tofuIn(dir, "init", "-input=false")
	w.tofuIn(dir, "plan", "-input=false", "-out=p.tfplan")
	start := time.Now()
	w.tofuIn(dir, "apply", "-input=false", "p.tfplan")
	return time.Since(start)
}

func (w *benchWorld) tofuIn(dir string, args ...string) {
	cmd := exec.Command(w.tofu, args...)
	cmd.Dir, cmd.Env = dir, w.rawEnv
	if out, err := cmd.CombinedOutput(); err != nil {
		w.b.Fatalf("tofu %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (w *benchWorld) logTail() string {
	data, _ := os.ReadFile(w.log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

func benchFile(i int) string { return fmt.Sprintf("envs/prod/app/bench%d.tf", i) }

func benchResource(i int) string {
	return fmt.Sprintf("resource \"null_resource\" \"bench%d\" {}\n", i)
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
