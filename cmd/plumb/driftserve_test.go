package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// driftRuns counts the drift checks stored in a serve data dir, by
// project.
func driftRuns(t *testing.T, dataDir string) map[string]int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunDrift})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, r := range runs {
		if r.Status.Done() {
			n[r.Project]++
		}
	}
	return n
}

// TestServeDriftTickAcrossRestart: plumb serve sweeps a repository it
// knows only from --drift-repos (read from the GitHub API) at start; a
// tick that passes while it is stopped is swept once after the restart,
// and a restart within the same tick sweeps nothing again.
func TestServeDriftTickAcrossRestart(t *testing.T) {
	t.Parallel()
	w := newGitHubWorldOf(t, "fixtures/basic")
	data := t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_output_dir="+t.TempDir(), "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	args := []string{"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL(),
		"--drift-schedule", "* * * * *", "--drift-spread", "0s", "--drift-repos", "acme/infra"}
	var s *served
	waitRuns := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			n := driftRuns(t, data)["root"]
			if n == want {
				return
			}
			if n > want || time.Now().After(deadline) {
				t.Fatalf("%d drift checks of the project after %s, want %d (all: %v); log:\n%s", n, within, want, driftRuns(t, data), s.log.tail(60))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Start early in a minute, so the first sweep ends before the next tick.
	if s := time.Now().Second(); s > 40 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	s = startServe(t, data, env, args...)
	waitRuns(1, 90*time.Second)
	tick := time.Now().Truncate(time.Minute)
	if _, err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// The next tick passes while no plumb is up.
	time.Sleep(time.Until(tick.Add(time.Minute + time.Second)))
	s = startServe(t, data, env, args...)
	waitRuns(2, 90*time.Second)
	// Never applied, the project has everything still to create: pending.
	_, metrics := getBody(t, s.url("/metrics"))
	for _, want := range []string{`plumb_drift_status{project="root",repo="acme/infra"} 2`,
		`plumb_drift_resources{kind="pending",project="root",repo="acme/infra"} 3`, `plumb_drift_last_check_timestamp_seconds{project="root",repo="acme/infra"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if _, err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if time.Now().Truncate(time.Minute).After(tick.Add(time.Minute)) {
		t.Skip("a third tick passed before the second restart; the no-repeat half needs a quiet minute")
	}
	// Restarted within the same tick: it was swept, nothing runs again.
	s = startServe(t, data, env, args...)
	time.Sleep(5 * time.Second)
	if _, err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if n := driftRuns(t, data)["root"]; n != 2 {
		t.Errorf("%d drift checks after a restart within the swept tick, want 2 (once per tick)", n)
	}
	if strings.Contains(s.log.tail(200), `"level":"ERROR"`) {
		t.Errorf("errors in the log:\n%s", s.log.tail(200))
	}
}
