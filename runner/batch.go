package runner

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/plumbhq/plumb"
)

// Progress hears about runs of a batch as they start (a plan begins to
// prepare, an apply holds a worker: neither merely waits its turn) and end,
// so a CLI can show which project is running and for how long. A run that never starts (it failed or was
// skipped before) is only Finished. Calls come from several goroutines;
// implementations serialise their own output.
type Progress interface {
	Started(t Target, kind plumb.RunKind, at time.Time)
	Finished(t Target, run *plumb.Run, err error)
}

// PlanAll plans every target, as many at once as the pool allows, and
// returns the runs in the targets' order. A failed plan is a run with
// status failed, never a reason to stop the others.
func (r *Runner) PlanAll(ctx context.Context, targets []Target, p Progress, log io.Writer) []*plumb.Run {
	runs := make([]*plumb.Run, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			run, err := r.planStarted(ctx, t, log, r.startedFunc(p, t, plumb.RunPlan))
			runs[i] = run
			if p != nil {
				p.Finished(t, run, err)
			}
		})
	}
	wg.Wait()
	return runs
}

// startedFunc tells p, if any, that t's run has started.
func (r *Runner) startedFunc(p Progress, t Target, kind plumb.RunKind) func() {
	if p == nil {
		return nil
	}
	return func() { p.Started(t, kind, r.now()) }
}
