package jobs

import (
	"context"
	"fmt"

	"github.com/plumbhq/plumb"
)

// badConfig tells a pull request that plumb cannot read its configuration
// at head (plumb.yaml, or a project's HCL the planner reads): its plan (or,
// for a merge, apply) comment says where and why, the plumb/plan (apply)
// status on head fails, and the audit trail keeps it under the sender.
// err comes back for the queue, which marks the event failed: nothing is
// planned or applied until a push fixes it, and nothing is silent.
func (e *Env) badConfig(ctx context.Context, ev plumb.Event, kind plumb.RunKind, head string, err error) error {
	msg := err.Error()
	rep := plumb.PlanReport{Repo: ev.Repo, PR: ev.PR, Kind: kind, Head: head, Projects: []plumb.ProjectReport{}, Invalid: msg}
	var errs []error
	if rerr := e.Forge.ReportPlans(ctx, rep); rerr != nil {
		errs = append(errs, fmt.Errorf("report the invalid configuration on %s#%d: %w", ev.Repo, ev.PR, rerr))
	}
	e.status(ctx, ev.Repo, head, "plumb/"+string(kind), "failure", "Not "+done(kind)+": the configuration is invalid (see the comment)")
	if aerr := e.Store.RecordAudit(ctx, plumb.AuditEntry{At: e.now().UTC(), Actor: ev.Sender, Action: "config_error",
		Repo: ev.Repo, Commit: head, Result: msg}); aerr != nil {
		e.logger().Error("audit a configuration error", "repo", ev.Repo, "err", aerr)
	}
	if len(errs) > 0 {
		// Not reported: worth a retry, which the invalid code would prevent.
		return errs[0]
	}
	return err
}

// done is what a run of kind does to a change: planned, applied.
func done(kind plumb.RunKind) string {
	if kind == plumb.RunApply {
		return "applied"
	}
	return "planned"
}
