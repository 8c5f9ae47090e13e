package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

func TestProgressCountsWaitingProjects(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, 4)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return at.Add(12 * time.Second) }
	target := func(name string) runner.Target { return runner.Target{Project: plumb.Project{Name: name, Dir: name}} }

	p.Started(target("a"), plumb.RunPlan, at)
	p.Started(target("b"), plumb.RunPlan, at.Add(9*time.Second))
	if got, want := p.status(), "a 12s, b 3s (2 waiting)"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	p.Finished(target("a"), &plumb.Run{Status: plumb.RunNoChanges}, nil)
	// A run that fails before it starts is never Started, only Finished.
	p.Finished(target("c"), &plumb.Run{Status: plumb.RunFailed, Error: "lock: context canceled"}, nil)
	if got, want := p.status(), "b 3s (1 waiting)"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if !strings.Contains(buf.String(), "done     a: no changes (12s)") {
		t.Errorf("output lacks a's done line:\n%s", buf.String())
	}
}
