package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
// runs it with -benchtime 3x.
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

// benchWorld is the GitHub world of the end-to-end tests with one plumb
// serve on it, plus the raw copy of the repository the yardstick applies in.
type benchWorld struct {
	*prWorld
	s      *served
	data   string     // plumb serve's data dir
	db     *sqlite.DB // its database, read beside it (WAL)
	raw    string     // the yardstick's copy of the repository
	rawEnv []string
	tofu   string
}

func newBenchWorld(b *testing.B) *benchWorld {
	w := &benchWorld{prWorld: newGitHubWorld(b), data: b.TempDir(), tofu: testenv.Load(b).Tofu}
	w.raw = filepath.Join(b.TempDir(), "infra")
	if err := os.CopyFS(w.raw, os.DirFS(w.local.Dir)); err != nil {
		b.Fatal(err)
	}
	w.rawEnv = append(testenv.Env(b), "TF_VAR_out_dir="+b.TempDir())
	env := append(testenv.Env(b), "TF_VAR_out_dir="+b.TempDir(), "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	// PLUMB_BENCH_TOFU (scripts/bench.sh: the newest OpenTofu built) runs
	// on both sides: the raw yardstick, and plumb, for which it is the
	// newest engine installed, so the one a project without a version picks.
	if tofu := os.Getenv("PLUMB_BENCH_TOFU"); tofu != "" {
		dir := b.TempDir()
		if err := os.Symlink(tofu, filepath.Join(dir, "tofu")); err != nil {
			b.Fatal(err)
		}
		w.tofu, env = tofu, append(env, "PLUMB_BIN_DIR="+dir)
	}
	w.s = startServe(b, w.data, env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())
	w.db = openStore(b, w.data)
	return w
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
	n, branch := i+10, fmt.Sprintf("bench%d", i)
	w.local.Git("checkout", "-q", "main")
	w.local.Git("pull", "-q", "--ff-only", w.bare, "main")
	w.main = w.local.Head()
	head := w.push(branch, benchFile(i), benchResource(i))
	opened, _ := w.deliver(w.payload("opened", n, branch, head, false), "opened")
	w.waitKindComment(n, "plan", 3*time.Minute, "null_resource."+branch)
	// The plan job ends before the merge, so nothing overlaps the measurement.
	w.waitProcessed(opened)
	w.gh.AddReview("acme", "infra", n, "alice", "APPROVED")
	merge := w.gh.MergePull(w.t, "acme", "infra", n, "merge")
	delivery, accepted := w.deliver(w.mergedPayload(n), "closed (merged)")
	w.waitKindComment(n, "apply", 3*time.Minute, merge[:12], "1 applied")
	// The job's end: its last edit of the comment is the one that counts,
	// and the yardstick then runs on an idle server.
	w.waitProcessed(delivery)
	c := w.kindComments(n, "apply")[0]
	return merged{commit: merge, delivery: delivery, accepted: accepted, commented: c.UpdatedAt}
}

// waitProcessed waits until the server handled a delivery to the end.
func (w *benchWorld) waitProcessed(delivery string) {
	if status, _, msg := waitHandled(w.t, w.data, delivery); status != "processed" {
		w.t.Fatalf("delivery %s %s: %s\nserve log:\n%s", delivery, status, msg, w.s.log.tail(40))
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
	resp := githubtest.Deliver(w.t, w.s.url("/events"), "pull_request", body)
	at := time.Now()
	if resp.StatusCode != 202 {
		w.t.Fatalf("%s: HTTP %d", what, resp.StatusCode)
	}
	return resp.Request.Header.Get("X-GitHub-Delivery"), at
}

// rawApply makes change i in the raw copy and times `tofu apply` of its
// saved plan, after an untimed init and plan.
func (w *benchWorld) rawApply(i int) time.Duration {
	path := filepath.Join(w.raw, benchFile(i))
	if err := os.WriteFile(path, []byte(benchResource(i)), 0o644); err != nil {
		w.t.Fatal(err)
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
		w.t.Fatalf("tofu %s: %v\n%s", strings.Join(args, " "), err, out)
	}
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
