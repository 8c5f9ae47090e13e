package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// Record stores a run that never reached the engine (blocked by a lock,
// skipped, refused by configuration), so it is shown and audited like any
// other.
func (r *Runner) Record(ctx context.Context, t Target, kind plumb.RunKind, status plumb.RunStatus, msg, blockedBy string) *plumb.Run {
	now := r.now().UTC()
	run := &plumb.Run{
		ID: r.newID(), Repo: t.Repo, Project: t.Project.Name, Dir: t.Project.Dir, Workspace: workspaceOf(t.Project),
		Kind: kind, Status: status, Trigger: t.Trigger, Commit: t.Commit, Base: t.Base, Engine: t.Project.Engine,
		Resources: []plumb.ResourceChange{}, Error: r.redactor.String(msg), BlockedBy: blockedBy,
		CreatedAt: now, StartedAt: now, FinishedAt: now,
	}
	ctx = context.WithoutCancel(ctx)
	if err := r.store.CreateRun(ctx, run); err != nil {
		r.logger.Error("record run", "project", t.Project.Name, "status", status, "err", err)
	}
	return run
}

// Lock takes t's lock for t.Trigger; on a conflict it returns the holder's
// lock with the ECONFLICT error.
func (r *Runner) Lock(ctx context.Context, t Target, reason, runID string) (plumb.Lock, error) {
	return r.store.AcquireLock(ctx, plumb.Lock{
		ID: r.newID(), Key: t.LockKey(), Project: t.Project.Name, Owner: t.Trigger,
		Reason: fmt.Sprintf("%s %.12s", reason, t.Commit), RunID: runID, AcquiredAt: r.now().UTC(),
	})
}

// DiscardPlans deletes the saved plans of every run trigger made in repo,
// and returns how many it deleted: a closed pull request's plans must
// never be applied.
func (r *Runner) DiscardPlans(ctx context.Context, repo, trigger string) int {
	runs, err := r.store.Runs(ctx, plumb.RunFilter{Repo: repo, Kind: plumb.RunPlan})
	if err != nil {
		r.logger.Error("list runs to discard", "repo", repo, "err", err)
		return 0
	}
	n := 0
	for _, run := range runs {
		if run.Trigger != trigger {
			continue
		}
		if r.removePlan(ctx, run.ID) {
			n++
		}
	}
	return n
}

// supersededPlans bounds how far back supersede looks: each finished plan
// deletes the saved plans before it, so only the few runs since the last
// one can still hold a file.
const supersededPlans = 20

// supersede deletes the saved plans of the plan runs t's trigger made of
// the same project before latest, at latest's commit or, if
// t.AnyCommitSuperseded, at any. Nothing may apply them any more (an apply
// takes the newest plan of its commit; a pull request's new push replans
// it), and each holds real values. It returns how many it deleted.
func (r *Runner) supersede(ctx context.Context, t Target, latest *plumb.Run) int {
	f := plumb.RunFilter{Repo: latest.Repo, Project: latest.Project, Kind: plumb.RunPlan, Trigger: latest.Trigger,
		Commit: latest.Commit, Limit: supersededPlans}
	if t.AnyCommitSuperseded {
		f.Commit = ""
	}
	runs, err := r.store.Runs(ctx, f)
	if err != nil {
		r.logger.Error("list runs to supersede", "project", latest.Project, "err", err)
		return 0
	}
	n := 0
	for _, run := range runs {
		if run.ID == latest.ID || !run.CreatedAt.Before(latest.CreatedAt) {
			continue
		}
		if r.removePlan(ctx, run.ID) {
			n++
		}
	}
	return n
}

// interruptedMsg marks runs a dead process left unfinished.
const (
	interruptedMsg      = "interrupted: plumb stopped while this run was in progress (crash or kill); the event that asked for it is retried"
	interruptedApplyMsg = "interrupted: plumb stopped while this apply was in progress (crash or kill); the state may be partial. It is not applied again by itself: check the state, then comment `plumb apply` to try again or `plumb unlock` to give up"
)

// Interrupted reports whether a run was cut short by plumb stopping.
func Interrupted(run *plumb.Run) bool {
	return run != nil && run.Status == plumb.RunFailed && strings.HasPrefix(run.Error, "interrupted:")
}

// RecoverInterrupted marks failed the runs whose process is gone: those
// still queued or running whose lease expired (their replica stopped
// renewing it) or, with all, every one still queued or running (at start,
// when this process alone uses the store, as serve on SQLite under the
// data dir lock). It claims them first, so of replicas recovering at once
// each run is marked by one, and a live replica's runs are never touched.
// An interrupted apply keeps its project's lock, whose reason then says
// the state may be partial: a human decides what happens next. Then the
// queue jobs of the marked runs go to the rescue of RescueJobsWith. It
// returns how many runs it marked.
func (r *Runner) RecoverInterrupted(ctx context.Context, all bool) (n int, err error) {
	now := r.now().UTC()
	if all {
		now = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// Not this runner's own owner: KeepLeases must not renew a claimed run
	// left unmarked by an error, so that it expires and is claimed again.
	runs, err := r.store.ClaimExpiredRuns(ctx, r.lease.owner+" (recovering)", now, r.newLease(ctx).Expires)
	if err != nil || len(runs) == 0 {
		return 0, err
	}
	locks, err := r.store.Locks(ctx)
	if err != nil {
		return 0, err
	}
	var jobs []string
	defer func() {
		if len(jobs) > 0 && r.lease.rescue != nil {
			_, rerr := r.lease.rescue(ctx, jobs)
			err = errors.Join(err, rerr)
		}
	}()
	for _, run := range runs {
		if run.Status.Done() {
			continue
		}
		run.Status, run.Error, run.FinishedAt = plumb.RunFailed, interruptedMsg, r.now().UTC()
		if run.Kind == plumb.RunApply && run.Status == plumb.RunFailed && !run.StartedAt.IsZero() {
			run.Error = interruptedApplyMsg
		}
		if err := r.store.UpdateRun(ctx, run); err != nil {
			return n, err
		}
		// A saved plan of an interrupted run is not trusted.
		r.removePlan(ctx, run.ID)
		n++
		if run.Lease.Job != "" && !slices.Contains(jobs, run.Lease.Job) {
			jobs = append(jobs, run.Lease.Job)
		}
		if run.Error != interruptedApplyMsg {
			continue
		}
		key := plumb.LockKey{Repo: run.Repo, Dir: run.Dir, Workspace: run.Workspace}
		for _, l := range locks {
			if l.Key == key && (l.Owner == run.Trigger || l.RunID == run.ID) {
				l.Reason = fmt.Sprintf("apply interrupted at %s (run %s); state may be partial", run.StartedAt.UTC().Format(time.RFC3339), run.ID)
				l.RunID = run.ID
				if err := r.store.UpdateLock(ctx, l); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}
