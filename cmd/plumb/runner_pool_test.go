package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/store/sqlite"
)

// The runner's pipeline with one worker, on the real store and with no
// engine installed (so a plan fails in prepare): a plan waiting for its
// turn to prepare is queued, not started, and preparing never waits for
// the worker. The run holding a turn is held there by its progress, whose
// Started is called once the run has its place: a prepare turn for a plan,
// the worker for an apply.

// holdingProgress is a runner.Progress whose Started blocks the first run
// it hears of until letGo is called; later runs go on.
type holdingProgress struct {
	mu       sync.Mutex
	started  []string
	held     chan string // the first run's project, once it is held
	release  chan struct{}
	letGo    func()
	finished chan *plumb.Run
}

// newHoldingProgress lets the held run go at the end of the test at the
// latest, so a failed test leaves no run behind.
func newHoldingProgress(t *testing.T) *holdingProgress {
	p := &holdingProgress{held: make(chan string, 1), release: make(chan struct{}), finished: make(chan *plumb.Run, 10)}
	p.letGo = sync.OnceFunc(func() { close(p.release) })
	t.Cleanup(p.letGo)
	return p
}

func (p *holdingProgress) Started(t runner.Target, _ plumb.RunKind, _ time.Time) {
	p.mu.Lock()
	p.started = append(p.started, t.Project.Name)
	first := len(p.started) == 1
	p.mu.Unlock()
	if first {
		p.held <- t.Project.Name
		<-p.release
	}
}

func (p *holdingProgress) Finished(_ runner.Target, run *plumb.Run, _ error) { p.finished <- run }

func (p *holdingProgress) startedSoFar() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.started...)
}

// waitFinished returns the next run to end, failing the test after 10s.
func (p *holdingProgress) waitFinished(t *testing.T, what string) *plumb.Run {
	t.Helper()
	select {
	case run := <-p.finished:
		return run
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no run ended within 10s (started: %v)", what, p.startedSoFar())
		return nil
	}
}

// oneWorkerRunner is a Runner with one worker, a real store and no engine
// installed, and targets for it: projects a and b.
func oneWorkerRunner(t *testing.T) (*runner.Runner, plumb.Store, []runner.Target) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := runner.New(runner.Config{DataDir: t.TempDir(), Store: st, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	tree := fstest.MapFS{"a/main.tf": {Data: []byte("")}, "b/main.tf": {Data: []byte("")}}
	var targets []runner.Target
	for _, name := range []string{"a", "b"} {
		targets = append(targets, runner.Target{Repo: "acme/infra", Commit: "0123456789abcdef0123456789abcdef01234567",
			Trigger: "cli", Tree: tree, Project: plumb.Project{Name: name, Dir: name}})
	}
	return r, st, targets
}

// runStatuses lists the stored runs as project=status, by project.
func runStatuses(t *testing.T, st plumb.Store) string {
	t.Helper()
	runs, err := st.Runs(context.Background(), plumb.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range runs {
		out = append(out, fmt.Sprintf("%s=%s", r.Project, r.Status))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// A plan waiting for its turn to prepare is stored queued, and progress
// hears of its start only once it has that turn.
func TestRunnerPlanStartsOnceItsTurnToPrepareComes(t *testing.T) {
	r, st, targets := oneWorkerRunner(t)
	p := newHoldingProgress(t)
	go r.PlanAll(context.Background(), targets, p, nil)
	first := <-p.held // preparing, so holding the only turn
	other := map[string]string{"a": "b", "b": "a"}[first]
	status := map[string]string{first: "running", other: "queued"}
	want := "a=" + status["a"] + " b=" + status["b"]
	waitFor(t, 10*time.Second, "the other plan stored queued", func() (bool, string) {
		got := runStatuses(t, st)
		return got == want, got
	})
	if got := p.startedSoFar(); len(got) != 1 {
		t.Fatalf("progress heard of %v starting while %s was preparing, want only %s", got, first, first)
	}
	p.letGo()
	for range 2 {
		if run := p.waitFinished(t, "after the release"); run.Status != plumb.RunFailed || !strings.Contains(run.Error, "no tofu binary found") {
			t.Errorf("run of %s: %s %q, want failed in prepare for want of an engine", run.Project, run.Status, run.Error)
		}
	}
	if got := p.startedSoFar(); len(got) != 2 || got[1] != other {
		t.Errorf("started %v, want %s then %s", got, first, other)
	}
}

// Preparing does not wait for the worker: with the only one held by an
// apply, a plan still starts and prepares (and here, with no engine
// installed, fails there).
func TestRunnerPlanPreparesWhileTheWorkerIsBusy(t *testing.T) {
	r, st, targets := oneWorkerRunner(t)
	busy := newHoldingProgress(t)
	go r.ApplyAll(context.Background(), targets[:1], nil, runner.ApplyOptions{Progress: busy})
	if got := <-busy.held; got != "a" {
		t.Fatalf("held %s, want the apply of a", got)
	}
	p := newHoldingProgress(t)
	p.letGo()
	go r.PlanAll(context.Background(), targets[1:], p, nil)
	run := p.waitFinished(t, "the plan of b, with the worker busy")
	if run.Status != plumb.RunFailed || !strings.Contains(run.Error, "no tofu binary found") {
		t.Errorf("plan of b: %s %q, want failed in prepare for want of an engine", run.Status, run.Error)
	}
	if got := runStatuses(t, st); got != "a=running b=failed" {
		t.Errorf("runs: %s, want the apply still running and the plan failed", got)
	}
	busy.letGo()
	busy.waitFinished(t, "the apply, released")
}
