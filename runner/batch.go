package runner

import (
	"context"
	"fmt"
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

// ApplyAll applies targets one after another in the order given (apply
// order: depends_on, then environment promotion). plans[i], if non-nil, is
// the saved plan for targets[i]; a failed one is not applied and counts as
// a failure. A project whose depends_on failed, was blocked or skipped is
// skipped too, and so is everything after a cancellation.
func (r *Runner) ApplyAll(ctx context.Context, targets []Target, plans []*plumb.Run, p Progress, log io.Writer) []*plumb.Run {
	runs := make([]*plumb.Run, len(targets))
	bad := map[string]string{} // project name -> why its dependents are skipped
	for i, t := range targets {
		var plan *plumb.Run
		if i < len(plans) {
			plan = plans[i]
		}
		if plan != nil && plan.Status == plumb.RunFailed {
			runs[i] = plan
			bad[t.Project.Name] = "failed"
			continue
		}
		if why := r.skipReason(ctx, t, bad); why != "" {
			runs[i] = r.skipped(ctx, t, why)
			bad[t.Project.Name] = "skipped"
			if p != nil {
				p.Finished(t, runs[i], nil)
			}
			continue
		}
		run, err := r.applyStarted(ctx, t, plan, log, r.startedFunc(p, t, plumb.RunApply))
		runs[i] = run
		if run.Status == plumb.RunFailed || run.Status == plumb.RunBlocked {
			bad[t.Project.Name] = string(run.Status)
		}
		if p != nil {
			p.Finished(t, run, err)
		}
	}
	return runs
}

// startedFunc tells p, if any, that t's run has started.
func (r *Runner) startedFunc(p Progress, t Target, kind plumb.RunKind) func() {
	if p == nil {
		return nil
	}
	return func() { p.Started(t, kind, r.now()) }
}

func (r *Runner) skipReason(ctx context.Context, t Target, bad map[string]string) string {
	if ctx.Err() != nil {
		return "cancelled before it started"
	}
	for _, dep := range t.Project.DependsOn {
		if status, ok := bad[dep]; ok {
			return fmt.Sprintf("depends on %s, which %s", dep, map[string]string{
				"failed": "failed", "blocked": "is locked by another owner", "skipped": "was skipped"}[status])
		}
	}
	return ""
}

// skipped records a run that did not start, so the audit trail and the
// JSON output show it.
func (r *Runner) skipped(ctx context.Context, t Target, why string) *plumb.Run {
	return r.record(ctx, t, plumb.RunApply, plumb.RunSkipped, why, "")
}
