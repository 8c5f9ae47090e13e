package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/plumbhq/plumb"
)

// errPreempted ends a drift check whose project a plan or apply asked for.
var errPreempted = errors.New("preempted: a plan or apply of this project started; the next sweep checks it again")

// Drift checks one project for drift at t.Commit: a real plan (with
// refresh) against the project's state, classified by package drift into
// out-of-band and pending findings. It never makes a plan or apply wait
// and never takes a lock: a project whose lock is held (a pull request's
// plan, an apply) or that a run of this process or another is using is
// not checked but recorded as skipped, with why; a plan or apply that
// asks for the project while it is being checked cancels the check,
// which is recorded as skipped too. It changes no state and keeps no
// saved plan.
//
// The returned run is always non-nil and stored; its Drift holds the
// result unless the run was skipped (Status skipped, Error saying why).
// err says why a check failed; its result is then status error.
func (r *Runner) Drift(ctx context.Context, t Target, progress io.Writer) (*plumb.Run, error) {
	return r.driftStarted(ctx, t, progress, nil)
}

func (r *Runner) driftStarted(ctx context.Context, t Target, progress io.Writer, started func()) (*plumb.Run, error) {
	if holder, ok := r.lockHolder(ctx, t); ok {
		run := r.Record(ctx, t, plumb.RunDrift, plumb.RunSkipped,
			fmt.Sprintf("not checked: %s holds the lock (%s); drift is checked once it is released", holder.Owner, holder.Reason), holder.Owner)
		return run, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run, a, err := r.queued(ctx, t, plumb.RunDrift, progress)
	if err != nil {
		return run, err
	}
	// A place in the plan pipeline first (see Runner.plan: this check
	// inits while another plans): waiting for it holds nothing a plan or
	// apply could want; the project is then taken only if it is free.
	if a.prep, err = acquire(ctx, r.preps); err != nil {
		return run, a.fail(ctx, err)
	}
	dirKey := pathKey(t.Repo, t.Project.Dir)
	key, ok := r.keys.tryLockPreemptible(dirKey, func() { cancel(errPreempted) })
	if !ok {
		return run, a.skip(ctx, "not checked: a plan or apply of this project is running; the next sweep checks it")
	}
	a.release = append(a.release, key)
	flock, ok, err := tryFileLock(filepath.Join(r.dataDir, "projects", dirKey+".lock"))
	if err != nil {
		return run, a.fail(ctx, err)
	}
	if !ok {
		return run, a.skip(ctx, "not checked: another plumb process is running this project; the next sweep checks it")
	}
	a.release = append(a.release, flock)
	if err := a.running(ctx, started); err != nil {
		return run, a.fail(ctx, err)
	}
	return run, a.drifted(ctx, r.plan(ctx, t, run, a.log, a))
}

// DriftAll checks every target for drift, as many at once as the pool
// allows, and returns the runs in the targets' order. Targets sharing a
// directory (workspaces of one project dir) are checked one after the
// other, so they never skip each other.
func (r *Runner) DriftAll(ctx context.Context, targets []Target, p Progress, log io.Writer) []*plumb.Run {
	runs := make([]*plumb.Run, len(targets))
	groups := map[string][]int{}
	var order []string
	for i, t := range targets {
		k := pathKey(t.Repo, t.Project.Dir)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Go(func() {
			for _, i := range groups[k] {
				t := targets[i]
				run, err := r.driftStarted(ctx, t, log, r.startedFunc(p, t, plumb.RunDrift))
				runs[i] = run
				if p != nil {
					p.Finished(t, run, err)
				}
			}
		})
	}
	wg.Wait()
	return runs
}

// lockHolder is who holds t's lock, if anyone does.
func (r *Runner) lockHolder(ctx context.Context, t Target) (plumb.Lock, bool) {
	locks, err := r.store.Locks(ctx)
	if err != nil {
		r.logger.Warn("drift: list locks", "err", err)
		return plumb.Lock{}, false
	}
	for _, l := range locks {
		if l.Key == t.LockKey() {
			return l, true
		}
	}
	return plumb.Lock{}, false
}

// drifted finishes a drift check: its result is the classification the
// plan made, or status error with why it failed; a preempted check is
// skipped. The saved plan is removed: nobody reviewed it.
func (a *active) drifted(ctx context.Context, err error) error {
	run := a.run
	_ = os.Remove(filepath.Join(a.r.runDir(run.ID), planFile))
	if errors.Is(context.Cause(ctx), errPreempted) {
		return a.skip(ctx, "not checked: "+errPreempted.Error())
	}
	if err != nil {
		msg := a.r.redactor.String(err.Error())
		run.Drift = &plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{}, Error: msg}
		return a.done(ctx, err)
	}
	if run.Drift == nil { // the plan never reached its read-back
		return a.fail(ctx, errors.New("drift: the plan produced no result"))
	}
	run.Status = plumb.RunNoChanges
	if run.Drift.Status != plumb.DriftClean {
		run.Status = plumb.RunChanges
	}
	return a.done(ctx, nil)
}

// skip records the run as skipped, saying why.
func (a *active) skip(ctx context.Context, why string) error {
	a.run.Status, a.run.Error = plumb.RunSkipped, why
	a.log.note(why)
	return a.done(context.WithoutCancel(ctx), nil)
}

// fail records a drift check that could not run as status error.
func (a *active) fail(ctx context.Context, err error) error {
	a.run.Drift = &plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{}, Error: a.r.redactor.String(err.Error())}
	return a.done(context.WithoutCancel(ctx), err)
}
