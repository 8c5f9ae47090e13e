package runner

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"time"

	"github.com/plumbhq/plumb"
)

// active is a run that holds a worker slot and its project's key; done
// records how it ended and gives both back.
type active struct {
	r       *Runner
	run     *plumb.Run
	t       Target
	log     *runLog
	release []func()
	slot    func() // the worker slot, given back early once the engine is done
	prep    func() // a plan's place in the prepare pipeline, until it has a worker
}

// takeWorker waits for a worker slot, then gives the run's place in the
// prepare pipeline to the next plan.
func (a *active) takeWorker(ctx context.Context) error {
	slot, err := a.r.acquireSlot(ctx)
	if err != nil {
		return err
	}
	a.slot = slot
	a.freePrep()
	return nil
}

func (a *active) freePrep() {
	if a.prep != nil {
		a.prep()
		a.prep = nil
	}
}

// freeSlot gives the worker slot back; later calls do nothing.
func (a *active) freeSlot() {
	if a.slot != nil {
		a.slot()
		a.slot = nil
	}
}

// begin stores a new queued run, then waits for its project directory to
// be free (in this process and across processes) and for its start: a
// worker slot, or for a plan a place in the prepare pipeline (see
// Runner.plan). started, if set, is called once the run holds both.
func (r *Runner) begin(ctx context.Context, t Target, kind plumb.RunKind, progress io.Writer, started func()) (*plumb.Run, *active, error) {
	run, a, err := r.queued(ctx, t, kind, progress)
	if err != nil {
		return run, nil, err
	}
	fail := func(err error) (*plumb.Run, *active, error) {
		return run, nil, a.done(ctx, err)
	}
	// Runs of one directory take turns, whatever their workspace: they share
	// the worktree's copy of it (lock file, backend override).
	dirKey := pathKey(t.Repo, t.Project.Dir)
	key, err := r.keys.lock(ctx, dirKey)
	if err != nil {
		return fail(err)
	}
	a.release = append(a.release, key)
	flock, err := fileLock(ctx, filepath.Join(r.dataDir, "projects", dirKey+".lock"))
	if err != nil {
		return fail(err)
	}
	a.release = append(a.release, flock)
	// The slot comes last: a run waiting for its directory holds none.
	if kind == plumb.RunPlan {
		if a.prep, err = acquire(ctx, r.preps); err != nil {
			return fail(err)
		}
	} else if a.slot, err = r.acquireSlot(ctx); err != nil {
		return fail(err)
	}
	if err := a.running(ctx, started); err != nil {
		return fail(err)
	}
	return run, a, nil
}

// queued stores a new queued run of t.
func (r *Runner) queued(ctx context.Context, t Target, kind plumb.RunKind, progress io.Writer) (*plumb.Run, *active, error) {
	run := &plumb.Run{
		ID: r.newID(), Repo: t.Repo, Project: t.Project.Name, Dir: t.Project.Dir, Workspace: workspaceOf(t.Project),
		Kind: kind, Status: plumb.RunQueued, Trigger: t.Trigger, Commit: t.Commit, Base: t.Base,
		Engine: t.Project.Engine, Resources: []plumb.ResourceChange{}, CreatedAt: r.now().UTC(),
	}
	run.Lease = r.newLease(ctx)
	if err := r.store.CreateRun(ctx, run); err != nil {
		return run, nil, err
	}
	return run, &active{r: r, run: run, t: t, log: newRunLog(r.redactor, progress)}, nil
}

// running marks the run started.
func (a *active) running(ctx context.Context, started func()) error {
	a.run.Status, a.run.StartedAt = plumb.RunRunning, a.r.now().UTC()
	if err := a.r.store.UpdateRun(ctx, a.run); err != nil {
		return err
	}
	a.log.live(a.r.store, a.run.ID)
	if started != nil {
		started()
	}
	return nil
}

// storeEngine records the engine and version prepare chose, so the run's
// page names them while it goes on. It writes a copy that says running:
// an apply that planned again first carries that plan's outcome (changes)
// in run already, and a record saying so would end the run's live page.
// A failed write is only logged: the run's end writes them again.
func (r *Runner) storeEngine(ctx context.Context, run *plumb.Run) {
	cur := *run
	cur.Status = plumb.RunRunning
	if err := r.store.UpdateRun(ctx, &cur); err != nil {
		r.logger.Warn("store the run's engine", "run", run.ID, "err", err)
	}
}

// done finishes the run: a failure (including cancellation) is recorded
// as such, the log is stored, the audit trail written and the slot and key
// released. It returns err, redacted, for the caller.
func (a *active) done(ctx context.Context, err error) error {
	r, run := a.r, a.run
	a.freePrep()
	a.freeSlot()
	for i := len(a.release) - 1; i >= 0; i-- {
		a.release[i]()
	}
	a.release = nil
	// Recording the outcome must survive the cancellation that caused it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err != nil {
		run.Status = plumb.RunFailed
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			run.Error = "cancelled: " + r.redactor.String(err.Error())
		} else {
			run.Error = r.redactor.String(err.Error())
		}
		a.log.note("run failed: " + run.Error)
	}
	if !run.Status.Done() {
		run.Status = plumb.RunFailed
	}
	run.FinishedAt = r.now().UTC()
	if run.StartedAt.IsZero() {
		run.StartedAt = run.FinishedAt
	}
	run.PlanText = r.redactor.String(run.PlanText)
	var errs []error
	errs = append(errs, r.store.UpdateRun(ctx, run), a.endLog(ctx))
	errs = append(errs, r.store.RecordAudit(ctx, plumb.AuditEntry{
		ID: r.newID(), At: run.FinishedAt, Actor: run.Trigger, Action: string(run.Kind), Repo: run.Repo,
		Project: run.Project, Commit: run.Commit, RunID: run.ID, Result: string(run.Status),
	}))
	if r.finished != nil {
		r.finished(run)
	}
	if storeErr := errors.Join(errs...); storeErr != nil {
		r.logger.Error("record run", "run", run.ID, "project", run.Project, "err", storeErr)
		if err == nil {
			return storeErr
		}
	}
	if err != nil {
		// Message is the redacted text; Err keeps the chain for errors.Is.
		return &plumb.Error{Code: plumb.ErrorCode(err), Message: run.Error, Err: err}
	}
	return nil
}
