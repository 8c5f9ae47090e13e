package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

// RecordDrift folds a finished drift check into its project's drift
// state: the project's acknowledgements are applied to the result (the
// run is updated to show them), findings keep when they were first seen,
// and the state is saved. It returns the new state and the acknowledged
// result. A skipped check (no result) changes nothing and returns the
// state as it was. `plumb drift` and the sweep both record through it.
func RecordDrift(ctx context.Context, st plumb.Store, run *plumb.Run, now time.Time) (plumb.DriftState, plumb.DriftResult, error) {
	prev, err := st.DriftState(ctx, run.Repo, run.Project)
	if err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
		return prev, plumb.DriftResult{}, fmt.Errorf("drift state of %s: %w", run.Project, err)
	}
	if run.Drift == nil {
		return prev, plumb.DriftResult{}, nil
	}
	acks, err := projectAcks(ctx, st, run.Repo, run.Project)
	if err != nil {
		return prev, *run.Drift, err
	}
	res := drift.Acknowledge(*run.Drift, acks, now)
	if len(acks) > 0 {
		run.Drift = &res
		if err := st.UpdateRun(ctx, run); err != nil {
			return prev, res, fmt.Errorf("record acknowledgements on run %s: %w", run.ID, err)
		}
	}
	next := drift.Next(prev, run, res, now.UTC())
	if err := st.SaveDriftState(ctx, next); err != nil {
		return prev, res, fmt.Errorf("save drift state of %s: %w", run.Project, err)
	}
	return next, res, nil
}

// projectAcks is the acknowledgements of one project.
func projectAcks(ctx context.Context, st plumb.Store, repo, project string) ([]plumb.DriftAckRecord, error) {
	all, err := st.DriftAcks(ctx)
	if err != nil {
		return nil, fmt.Errorf("drift acknowledgements: %w", err)
	}
	var out []plumb.DriftAckRecord
	for _, a := range all {
		if a.Repo == repo && a.Project == project {
			out = append(out, a)
		}
	}
	return out, nil
}

// Acknowledge records an acknowledgement by who of project's current
// findings at address ("" = all of them) until until, and returns it. It
// needs a drift check of the project first: what is acknowledged is the
// findings as that check saw them. ENOTFOUND when the project was never
// checked, EINVALID when it has no finding at address or until has passed.
func Acknowledge(ctx context.Context, st plumb.Store, repo, project, address, by, reason string, until, now time.Time) (plumb.DriftAckRecord, error) {
	if !until.After(now) {
		return plumb.DriftAckRecord{}, plumb.Errorf(plumb.EINVALID, "--until %s has passed: give a date in the future", until.Format(time.RFC3339))
	}
	s, err := st.DriftState(ctx, repo, project)
	if plumb.ErrorCode(err) == plumb.ENOTFOUND {
		return plumb.DriftAckRecord{}, plumb.Errorf(plumb.ENOTFOUND, "%s has no drift check yet: run `plumb drift -p %s` first, then acknowledge what it finds", project, project)
	} else if err != nil {
		return plumb.DriftAckRecord{}, err
	}
	found := drift.Covered(plumb.DriftResult{Status: s.Status, Resources: s.Findings}, address)
	if len(found) == 0 {
		where := ""
		if address != "" {
			where = " at " + address
		}
		return plumb.DriftAckRecord{}, plumb.Errorf(plumb.EINVALID, "%s has no drift finding%s in its last check (%s, %s): nothing to acknowledge", project, where, s.Status, s.CheckedAt.Format(time.RFC3339))
	}
	a := plumb.DriftAckRecord{Repo: repo, Project: project, Address: address, Findings: found, By: by, Reason: reason, Until: until.UTC(), CreatedAt: now.UTC()}
	if err := st.CreateDriftAck(ctx, &a); err != nil {
		return a, err
	}
	err = st.RecordAudit(ctx, plumb.AuditEntry{At: now.UTC(), Actor: by, Action: "drift_ack", Repo: repo, Project: project, Commit: s.Commit,
		RunID: s.RunID, Result: fmt.Sprintf("acknowledged %d finding(s) until %s: %s", len(found), a.Until.Format(time.RFC3339), reason)})
	if err != nil {
		return a, fmt.Errorf("acknowledgement %s stored, but not its audit entry: %w", a.ID, err)
	}
	return a, nil
}
