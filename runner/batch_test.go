package runner

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/store/sqlite"
)

// recorder is a Progress that remembers which projects started and ended.
type recorder struct {
	mu       sync.Mutex
	started  []string
	finished chan string
}

func (p *recorder) Started(t Target, _ plumb.RunKind, _ time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started = append(p.started, t.Project.Name)
}

func (p *recorder) Finished(t Target, _ *plumb.Run, _ error) { p.finished <- t.Project.Name }

func (p *recorder) startedSoFar() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.started)
}

// A plan waiting for its turn to prepare is queued, not started: progress
// hears of it only once it has that turn.
// oneWorkerRunner is a Runner with one worker, a real store and no engine
// installed, and a target for it: a plan of it fails in prepare.
func oneWorkerRunner(t *testing.T) (*Runner, plumb.Store, Target) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(Config{DataDir: t.TempDir(), Store: st, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Repo: "acme/infra", Commit: "0123456789abcdef0123456789abcdef01234567", Trigger: "cli",
		Tree: fstest.MapFS{"app/main.tf": {Data: []byte("")}}, Project: plumb.Project{Name: "app", Dir: "app"}}
	return r, st, target
}

func TestPlanAllStartsARunOnceItsTurnComes(t *testing.T) {
	ctx := context.Background()
	r, st, target := oneWorkerRunner(t)
	busy, err := acquire(ctx, r.preps) // another plan is preparing
	if err != nil {
		t.Fatal(err)
	}
	p := &recorder{finished: make(chan string, 1)}
	go r.PlanAll(ctx, []Target{target}, p, nil)

	// The run is stored queued before it waits for the worker.
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := st.Runs(ctx, plumb.RunFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status == plumb.RunQueued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no queued run after 10s: %+v", runs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.startedSoFar(); n != 0 {
		t.Fatalf("progress heard of %d started runs while another plan was preparing", n)
	}
	busy()
	// Now it starts; with no engine installed it then fails, and ends.
	if got := <-p.finished; got != "app" || p.startedSoFar() != 1 {
		t.Errorf("finished %q after %d starts, want app after 1", got, p.startedSoFar())
	}
}

// Preparing (worktree, init) does not wait for the worker: with the only
// one busy planning another project, a plan still starts and prepares; here,
// with no engine installed, it fails there.
func TestPlanPreparesWhileTheWorkerPlansAnother(t *testing.T) {
	r, st, target := oneWorkerRunner(t)
	busy, err := r.acquireSlot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer busy()
	p := &recorder{finished: make(chan string, 1)}
	go r.PlanAll(context.Background(), []Target{target}, p, nil)
	select {
	case <-p.finished:
	case <-time.After(10 * time.Second):
		t.Fatal("the plan waited for the busy worker before preparing")
	}
	runs, err := st.Runs(context.Background(), plumb.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != plumb.RunFailed || !strings.Contains(runs[0].Error, "no tofu binary found") {
		t.Errorf("runs = %+v, want one failed in prepare for want of an engine", runs)
	}
}
