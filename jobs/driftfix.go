package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/runner"
)

// remediate applies a fresh plan of a drifted project when its
// drift.remediate asks for it, under the project's lock, then checks it
// again, and reports either way. out_of_band remediates only a project
// whose findings are all out-of-band, and only with a plan that changes
// nothing but those resources (it restores what was applied); all
// applies whatever the configuration at the default branch says. A
// project with apply requirements is never remediated: those need a
// reviewed pull request.
func (j *DriftJob) remediate(ctx context.Context, t runner.Target, state plumb.DriftState) (plumb.DriftState, error) {
	mode := t.Project.Drift.Remediate
	counted := drift.Unacknowledged(state.Findings)
	if mode == "" || mode == plumb.RemediateOff || len(counted) == 0 || state.Status == plumb.DriftError {
		return j.report(ctx, t, state, "")
	}
	if mode == plumb.RemediateOutOfBand && state.Status != plumb.DriftDrifted {
		return j.report(ctx, t, state, "Not remediated: `remediate: out_of_band` reverts only out-of-band changes, and this project also has pending configuration changes, which need a reviewed apply.")
	}
	if len(t.Project.ApplyRequirements) > 0 {
		return j.report(ctx, t, state, fmt.Sprintf("Not remediated: the project's apply_requirements (%s) need a reviewed pull request.", strings.Join(t.Project.ApplyRequirements, ", ")))
	}
	lock, err := j.Runner.Lock(ctx, t, "drift remediation", "")
	if err != nil {
		if plumb.ErrorCode(err) == plumb.ECONFLICT {
			return j.report(ctx, t, state, fmt.Sprintf("Not remediated: %s holds the lock; the next check tries again.", lock.Owner))
		}
		return state, err
	}
	// The issue shows the drift before the apply changes anything.
	if state, err = j.report(ctx, t, state, "Remediating: applying a fresh plan under the project's lock."); err != nil {
		return state, errors.Join(err, j.Store.ReleaseLock(context.WithoutCancel(ctx), lock.ID))
	}
	note := j.fix(ctx, t, counted, mode)
	if err := j.Store.ReleaseLock(context.WithoutCancel(ctx), lock.ID); err != nil {
		j.logger().Warn("release the remediation lock", "project", t.Project.Name, "err", err)
	} else {
		j.released(ctx, t.LockKey())
	}
	// The check after the apply is what the issue shows.
	run, _ := j.Runner.Drift(ctx, t, nil)
	if run.Drift != nil {
		tick, issue := state.Tick, state.Issue
		if state, _, err = RecordDrift(ctx, j.Store, run, j.now()); err != nil {
			return state, err
		}
		state.Tick, state.Issue = tick, issue
	}
	return j.report(ctx, t, state, note)
}

// fix plans and applies t, held under its lock, and says what happened.
func (j *DriftJob) fix(ctx context.Context, t runner.Target, findings []plumb.DriftFinding, mode string) string {
	plan, err := j.Runner.Plan(ctx, t, nil)
	if err != nil || plan.Status == plumb.RunFailed {
		return fmt.Sprintf("Remediation failed: plan %s: %s", plan.ID, plan.Error)
	}
	if plan.Status == plumb.RunNoChanges {
		return fmt.Sprintf("Remediation: plan %s has nothing to apply (the drift changes nothing the configuration sets).", plan.ID)
	}
	if mode == plumb.RemediateOutOfBand {
		var beyond []string
		for _, rc := range plan.Resources {
			if !slices.ContainsFunc(findings, func(f plumb.DriftFinding) bool { return f.Address == rc.Address }) {
				beyond = append(beyond, rc.Address)
			}
		}
		if len(beyond) > 0 {
			return fmt.Sprintf("Not remediated: plan %s would also change %s, beyond the out-of-band drift.", plan.ID, strings.Join(beyond, ", "))
		}
	}
	run, err := j.Runner.Apply(ctx, t, plan, nil)
	if err != nil || run.Status != plumb.RunApplied {
		return fmt.Sprintf("Remediation failed: apply %s of plan %s: %s %s", run.ID, plan.ID, run.Status, run.Error)
	}
	return fmt.Sprintf("Remediated: apply %s of plan %s at %.12s (%s).", run.ID, plan.ID, t.Commit, summary(run.Summary))
}

func summary(s plumb.PlanSummary) string {
	return fmt.Sprintf("%d to add, %d to change, %d to destroy, %d to replace", s.Add, s.Change, s.Destroy, s.Replace)
}
