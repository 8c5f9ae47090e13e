package runner

import (
	"context"
	"fmt"
	"io"

	"github.com/plumbhq/plumb"
)

// ApplyOptions says how ApplyAll treats a batch.
type ApplyOptions struct {
	// Reviewed applies only what was reviewed: a target whose plan cannot
	// be applied as it is (another commit with other inputs, a state that
	// moved) is planned again and applied only when the new plan makes the
	// same changes as its reviewed plan. Otherwise nothing is applied for
	// it: its run fails naming the differences, and keeps the new plan
	// (Run.PlanID) for an explicit apply. Without Reviewed (the CLI, whose
	// user has just confirmed) a stale plan is planned again and applied.
	Reviewed bool
	// StopLaterEnvironments makes a failure also skip every later target
	// of another environment (targets come in promotion order), not only
	// the failed project's dependents.
	StopLaterEnvironments bool
	// Prior, if set, may return a run to keep as targets[i]'s outcome
	// instead of applying it (what an earlier attempt left).
	Prior func(i int) *plumb.Run
	// Refuse, if set, may give a reason not to apply targets[i] (an unmet
	// apply requirement): the target then fails with it, like an apply.
	Refuse func(i int) string
	// RefusePlan, if set, may give a reason not to apply plan to targets[i]
	// once it is known (the reviewed plan, or the one Reviewed made again):
	// a policy denial nobody approved ("not applied: " comes first). A
	// refused new plan is kept.
	RefusePlan func(i int, plan *plumb.Run) string
	// Finished, if set, hears about each target's run as it ends.
	Finished func(i int, run *plumb.Run)
	Progress Progress
	Log      io.Writer
}

// ApplyAll applies targets one after another in the order given (apply
// order: depends_on, then environment promotion). plans[i], if non-nil, is
// the saved (reviewed) plan for targets[i]; a failed one is not applied
// and counts as a failure. A project whose depends_on failed, was blocked
// or skipped is skipped too, and so is everything after a cancellation.
// It is the one apply path of the CLI and the server.
func (r *Runner) ApplyAll(ctx context.Context, targets []Target, plans []*plumb.Run, o ApplyOptions) []*plumb.Run {
	runs := make([]*plumb.Run, len(targets))
	bad := map[string]string{} // project name -> why its dependents are skipped
	stoppedAt := ""            // the environment whose failure stops later ones
	if o.RefusePlan == nil {
		o.RefusePlan = func(int, *plumb.Run) string { return "" }
	}
	// A run taken over (this replica was taken for dead) stops the batch:
	// the replica that recovered it retries the rest.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	for i, t := range targets {
		var plan *plumb.Run
		if i < len(plans) {
			plan = plans[i]
		}
		run, err := r.applyOne(ctx, i, t, plan, bad, stoppedAt, o)
		if cur, lost := r.takenOver(ctx, run); lost {
			r.logger.Warn("apply taken over: its lease expired and another replica recovered it", "run", run.ID, "project", run.Project)
			run = cur
			stop(errLeaseLost)
		}
		runs[i] = run
		switch run.Status {
		case plumb.RunFailed, plumb.RunBlocked, plumb.RunSkipped:
			bad[t.Project.Name] = string(run.Status)
			if o.StopLaterEnvironments && stoppedAt == "" && run.Status != plumb.RunSkipped {
				stoppedAt = t.Project.Environment
				if stoppedAt == "" {
					stoppedAt = t.Project.Name
				}
			}
		}
		if o.Progress != nil {
			o.Progress.Finished(t, run, err)
		}
		if o.Finished != nil {
			o.Finished(i, run)
		}
	}
	return runs
}

func (r *Runner) applyOne(ctx context.Context, i int, t Target, plan *plumb.Run, bad map[string]string, stoppedAt string, o ApplyOptions) (*plumb.Run, error) {
	if o.Prior != nil {
		if run := o.Prior(i); run != nil {
			return run, nil
		}
	}
	if plan != nil && plan.Status == plumb.RunFailed {
		return plan, nil
	}
	if why := skipReason(ctx, t, bad, stoppedAt); why != "" {
		return r.Record(ctx, t, plumb.RunApply, plumb.RunSkipped, why, ""), nil
	}
	if o.Refuse != nil {
		if why := o.Refuse(i); why != "" {
			return r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, why, ""), nil
		}
	}
	started := r.startedFunc(o.Progress, t, plumb.RunApply)
	if o.Reviewed {
		return r.applyReviewed(ctx, t, plan, o.Log, started, func(p *plumb.Run) string { return o.RefusePlan(i, p) })
	}
	return r.applyStarted(ctx, t, plan, o.Log, started, true)
}

// applyReviewed applies reviewed if it is valid for t as it is; else it
// plans t again and applies that plan only if it makes the same changes.
func (r *Runner) applyReviewed(ctx context.Context, t Target, reviewed *plumb.Run, log io.Writer, started func(), refuse func(*plumb.Run) string) (*plumb.Run, error) {
	_, why := r.usablePlan(ctx, t, reviewed)
	if why == "" {
		if no := refuse(reviewed); no != "" {
			return r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, "not applied: "+no, ""), nil
		}
		return r.applyStarted(ctx, t, reviewed, log, started, false)
	}
	fresh, err := r.planStarted(ctx, t, log, nil)
	if err != nil || fresh.Status == plumb.RunFailed {
		msg := fmt.Sprintf("not applied: %s, and planning again at %.12s failed: %s", why, t.Commit, fresh.Error)
		run := r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, msg, "")
		return r.withPlan(ctx, run, fresh, why, nil), nil
	}
	if reviewed == nil {
		if fresh.Status == plumb.RunNoChanges {
			run := r.Record(ctx, t, plumb.RunApply, plumb.RunNoChanges, "", "")
			return r.withPlan(ctx, run, fresh, why, nil), nil
		}
		msg := fmt.Sprintf("not applied: no plan of %s was reviewed; plan %s at %.12s is shown for review", t.Project.Name, fresh.ID, t.Commit)
		run := r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, msg, "")
		return r.withPlan(ctx, run, fresh, why, DiffChanges(nil, fresh)), nil
	}
	if diffs := DiffChanges(reviewed, fresh); len(diffs) > 0 {
		msg := fmt.Sprintf("not applied: %s, and the new plan %s differs from the reviewed plan %s", why, fresh.ID, reviewed.ID)
		run := r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, msg, "")
		return r.withPlan(ctx, run, fresh, why, diffs), nil
	}
	if no := refuse(fresh); no != "" { // a new plan: checked anew, and approved anew
		run := r.Record(ctx, t, plumb.RunApply, plumb.RunFailed, fmt.Sprintf("not applied: %s, and the new plan %s: %s", why, fresh.ID, no), "")
		return r.withPlan(ctx, run, fresh, why, nil), nil
	}
	run, err := r.applyStarted(ctx, t, fresh, log, started, false)
	run.Replanned = fmt.Sprintf("%s; the new plan %s makes the same changes as the reviewed plan %s", why, fresh.ID, reviewed.ID)
	return run, errorsJoin(err, r.store.UpdateRun(context.WithoutCancel(ctx), run))
}

// withPlan records on a refused apply the plan it made and why.
func (r *Runner) withPlan(ctx context.Context, run, plan *plumb.Run, why string, diffs []string) *plumb.Run {
	run.PlanID, run.Replanned, run.Differences = plan.ID, why, diffs
	run.Summary, run.Resources, run.PlanText = plan.Summary, plan.Resources, plan.PlanText
	run.Engine, run.EngineVersion = plan.Engine, plan.EngineVersion
	if err := r.store.UpdateRun(context.WithoutCancel(ctx), run); err != nil {
		r.logger.Error("record run", "run", run.ID, "project", run.Project, "err", err)
	}
	return run
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func skipReason(ctx context.Context, t Target, bad map[string]string, stoppedAt string) string {
	if ctx.Err() != nil {
		return "cancelled before it started"
	}
	for _, dep := range t.Project.DependsOn {
		if status, ok := bad[dep]; ok {
			return fmt.Sprintf("depends on %s, which %s", dep, map[string]string{
				"failed": "failed", "blocked": "is locked by another owner", "skipped": "was skipped"}[status])
		}
	}
	if stoppedAt != "" && t.Project.Environment != stoppedAt {
		return fmt.Sprintf("an apply in %s failed, so later environments are not applied", stoppedAt)
	}
	return ""
}

// LatestPlan returns the newest successful plan of t's project and
// workspace at commit made by trigger ("" = anyone), or nil.
func (r *Runner) LatestPlan(ctx context.Context, t Target, commit, trigger string) (*plumb.Run, error) {
	runs, err := r.store.Runs(ctx, plumb.RunFilter{Repo: t.Repo, Project: t.Project.Name, Kind: plumb.RunPlan, Commit: commit, Trigger: trigger, Limit: 5})
	if err != nil {
		return nil, err
	}
	for _, p := range runs {
		if p.Workspace == workspaceOf(t.Project) {
			if p.Status == plumb.RunChanges || p.Status == plumb.RunNoChanges {
				return p, nil
			}
			return nil, nil // the newest plan failed: nothing reviewed stands
		}
	}
	return nil, nil
}

// CountStatus counts the runs with status s.
func CountStatus(runs []*plumb.Run, s plumb.RunStatus) int {
	n := 0
	for _, r := range runs {
		if r != nil && r.Status == s {
			n++
		}
	}
	return n
}

// MergeRuns replaces each project's plan with its apply run.
func MergeRuns(plans, applied []*plumb.Run) []*plumb.Run {
	byProject := map[string]*plumb.Run{}
	for _, a := range applied {
		if a != nil {
			byProject[a.Project+"\x00"+a.Workspace] = a
		}
	}
	out := make([]*plumb.Run, len(plans))
	for i, p := range plans {
		out[i] = p
		if a, ok := byProject[p.Project+"\x00"+p.Workspace]; ok {
			out[i] = a
		}
	}
	return out
}
