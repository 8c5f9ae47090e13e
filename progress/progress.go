package progress

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// Batch (a runner.Progress) prints one line when a project starts (not while it waits its
// turn) and one when it ends, and every few seconds the projects still
// running with their elapsed time and how many wait, so long work never
// looks hung. Give it stderr, keeping stdout for results.
type Batch struct {
	mu      sync.Mutex
	w       io.Writer
	total   int                  // projects in the batch
	running map[string]time.Time // started, not finished
	seen    map[string]bool      // started or finished
	now     func() time.Time
}

func New(w io.Writer, total int) *Batch {
	return &Batch{w: w, total: total, running: map[string]time.Time{}, seen: map[string]bool{}, now: time.Now}
}

func (p *Batch) Started(t runner.Target, kind plumb.RunKind, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[t.Project.Name] = at
	p.seen[t.Project.Name] = true
	fmt.Fprintf(p.w, "  %-8s %s\n", verbing(kind), t.Project.String())
}

func (p *Batch) Finished(t runner.Target, run *plumb.Run, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	started, ok := p.running[t.Project.Name]
	delete(p.running, t.Project.Name)
	p.seen[t.Project.Name] = true
	elapsed := ""
	if ok {
		elapsed = fmt.Sprintf(" (%s)", p.now().Sub(started).Round(100*time.Millisecond))
	}
	fmt.Fprintf(p.w, "  %-8s %s: %s%s\n", "done", t.Project.String(), Outcome(run), elapsed)
}

// tick reports what is still running every interval until ctx ends.
func (p *Batch) Tick(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.mu.Lock()
			if line := p.status(); line != "" {
				fmt.Fprintf(p.w, "  %-8s %s\n", "running", line)
			}
			p.mu.Unlock()
		}
	}
}

// status is what runs now and how many wait their turn: "a 12s, b 3s (4
// waiting)". The caller holds mu.
func (p *Batch) status() string {
	if len(p.running) == 0 {
		return ""
	}
	names := make([]string, 0, len(p.running))
	for name, at := range p.running {
		names = append(names, fmt.Sprintf("%s %s", name, p.now().Sub(at).Round(time.Second)))
	}
	sort.Strings(names)
	line := strings.Join(names, ", ")
	if waiting := p.total - len(p.seen); waiting > 0 {
		line += fmt.Sprintf(" (%d waiting)", waiting)
	}
	return line
}

func verbing(k plumb.RunKind) string {
	switch k {
	case plumb.RunApply:
		return "applying"
	case plumb.RunDrift:
		return "checking"
	}
	return "planning"
}

// outcome is a run's result in a few words: "+1 ~0 -0", "no changes", …
func Outcome(run *plumb.Run) string {
	if run == nil {
		return "not run"
	}
	switch run.Status {
	case plumb.RunChanges, plumb.RunApplied:
		s := run.Summary
		word := "changes"
		if run.Status == plumb.RunApplied {
			word = "applied"
		}
		return fmt.Sprintf("%s +%d ~%d -%d", word, s.Add, s.Change, s.Destroy)
	case plumb.RunNoChanges:
		return "no changes"
	case plumb.RunBlocked:
		return "blocked: locked by " + run.BlockedBy
	case plumb.RunSkipped:
		return "skipped: " + run.Error
	case plumb.RunFailed:
		return "failed: " + firstLine(run.Error)
	}
	return string(run.Status)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
