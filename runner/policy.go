package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// PolicyCheck is the policy set every plan a Runner makes is checked
// against (plumb plan/apply --policy, and later the server's policy sets),
// loaded and compiled once.
type PolicyCheck struct {
	Set        *policy.Set
	Namespaces []string // nil: main, as conftest
	// Input, if set, gives what the caller knows of the run beyond the
	// runner: environment, pull request, author, approvers, changed files,
	// drift findings. The runner fills project, dir, workspace and commit.
	Input func(*plumb.Run) plumb.PolicyInput
}

// SetPolicy makes every later plan (not drift checks) carry its policy
// outcome in Run.Policy. Call it before the Runner runs anything.
func (r *Runner) SetPolicy(pc *PolicyCheck) { r.policy = pc }

// checkPolicy evaluates the plan as the engine showed it, real values
// included (policies see what conftest would see on `show -json`), and
// keeps only the verdicts, each message through the redactor: a message
// may quote a value from the plan. A policy that errors fails the run: a
// plan nobody could check must not look approved.
func (r *Runner) checkPolicy(ctx context.Context, run *plumb.Run, plan []byte) error {
	pc := r.policy
	if pc == nil || pc.Set == nil || run.Kind == plumb.RunDrift {
		return nil
	}
	var in plumb.PolicyInput
	if pc.Input != nil {
		in = pc.Input(run)
	}
	in.Project, in.Dir, in.Workspace, in.Commit = run.Project, run.Dir, run.Workspace, run.Commit
	out, err := pc.Set.Evaluate(ctx, "plan.json", plan, in, pc.Namespaces)
	if err != nil {
		return fmt.Errorf("policy check: %w", err) // redacted where run.Error is set
	}
	for _, list := range [][]plumb.PolicyResult{out.Deny, out.Warn, out.Exceptions} {
		for i := range list {
			list[i].Message = r.redactor.String(list[i].Message)
		}
	}
	run.Policy = &out
	return nil
}

// PolicyDenied says why a plan's policies forbid applying it ("" when
// they do not): every denial, with its rule, on one line each.
func PolicyDenied(run *plumb.Run) string {
	if run == nil || run.Policy == nil || run.Policy.Passed {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "policy denied the plan (%d):", len(run.Policy.Deny))
	for _, d := range run.Policy.Deny {
		fmt.Fprintf(&b, "\n  %s.%s: %s", d.Namespace, d.Rule, d.Message)
	}
	return b.String()
}
