package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPRPlanLatency is the webhook → comment latency of a pull
// request that changes one project (app-prod of the mono fixture), against
// one real plumb serve on the GitHub test server: from the 202 of the
// pull_request.opened delivery to the comment that shows the project's
// plan, taken from the comment's UpdatedAt so polling adds nothing. Each
// iteration also runs raw `tofu init && tofu plan -out` of the same change
// in a copy of the repository, timed, and reports the medians:
// overhead-s (latency minus raw), latency-s and raw-plan-s.
// scripts/bench.sh runs it with -benchtime 3x.
func BenchmarkPRPlanLatency(b *testing.B) {
	if testing.Short() {
		b.Skip("starts plumb serve and real tofu")
	}
	w := newBenchWorld(b)
	var latency, raw, overhead []float64
	b.ResetTimer()
	for i := range b.N {
		n, branch := i+10, fmt.Sprintf("plan%d", i)
		w.local.Git("checkout", "-q", "main")
		head := w.push(branch, benchFile(i), benchResource(i))
		delivery, accepted := w.deliver(w.payload("opened", n, branch, head, false), "opened")
		w.waitKindComment(n, "plan", 3*time.Minute, "null_resource.bench"+fmt.Sprint(i))
		w.waitProcessed(delivery)
		l := w.kindComments(n, "plan")[0].UpdatedAt.Sub(accepted)
		// Closed unmerged: its lock goes, so the next pull request plans.
		closed, _ := w.deliver(w.payload("closed", n, branch, head, false), "closed")
		w.waitProcessed(closed)
		r := w.rawPlan(i)
		b.Logf("iteration %d: latency %.3fs, raw init+plan %.3fs, overhead %.3fs", i, l.Seconds(), r.Seconds(), (l - r).Seconds())
		latency, raw, overhead = append(latency, l.Seconds()), append(raw, r.Seconds()), append(overhead, (l-r).Seconds())
	}
	b.StopTimer()
	b.ReportMetric(median(overhead), "overhead-s")
	b.ReportMetric(median(latency), "latency-s")
	b.ReportMetric(median(raw), "raw-plan-s")
}

// rawPlan makes change i in the raw copy and times `tofu init` and
// `tofu plan -out` of it, as a user's own loop would run them.
func (w *benchWorld) rawPlan(i int) time.Duration {
	path := filepath.Join(w.raw, benchFile(i))
	if err := os.WriteFile(path, []byte(benchResource(i)), 0o644); err != nil {
		w.t.Fatal(err)
	}
	dir := filepath.Dir(path)
	start := time.Now()
	w.tofuIn(dir, "init", "-input=false")
	w.tofuIn(dir, "plan", "-input=false", "-out=p.tfplan")
	d := time.Since(start)
	if err := os.Remove(path); err != nil {
		w.t.Fatal(err)
	}
	return d
}
