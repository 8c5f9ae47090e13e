package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// PolicyCheck is what every plan a Runner makes is checked against (plumb
// plan/apply --policy and plumb.yaml's policies; later the server's policy
// sets): sets loaded and compiled once, each for the runs it applies to.
type PolicyCheck struct {
	Sets []PolicySet
	// Input, if set, gives what the caller knows of the run beyond the
	// runner: environment, pull request, author, approvers, changed files,
	// drift findings. The runner fills project, dir, workspace and commit.
	Input func(*plumb.Run) plumb.PolicyInput
}

// PolicySet is one compiled policy set and the runs it checks.
type PolicySet struct {
	Name       string // for errors: the set's name or first directory
	Set        *policy.Set
	Namespaces []string              // nil: main, as conftest
	Applies    func(*plumb.Run) bool // nil: every run
}

// SetPolicy makes every later plan (not drift checks) carry its policy
// outcome in Run.Policy. Call it before the Runner runs anything.
func (r *Runner) SetPolicy(pc *PolicyCheck) { r.policy = pc }

// checkPolicy evaluates the plan as the engine showed it, real values
// included (policies see what conftest would see on `show -json`), and
// keeps only the verdicts, each message through the redactor: a message
// may quote a value from the plan. The outcomes of every set that applies
// add up; it passed when each passed. A policy that errors fails the run:
// a plan nobody could check must not look approved.
func (r *Runner) checkPolicy(ctx context.Context, pc *PolicyCheck, run *plumb.Run, plan []byte) error {
	if pc == nil {
		pc = r.policy
	}
	if pc == nil || run.Kind == plumb.RunDrift {
		return nil
	}
	var in plumb.PolicyInput
	if pc.Input != nil {
		in = pc.Input(run)
	}
	in.Project, in.Dir, in.Workspace, in.Commit = run.Project, run.Dir, run.Workspace, run.Commit
	var sum *plumb.PolicyOutcome
	for _, s := range pc.Sets {
		if s.Set == nil || (s.Applies != nil && !s.Applies(run)) {
			continue
		}
		out, err := s.Set.Evaluate(ctx, "plan.json", plan, in, s.Namespaces)
		if err != nil {
			return fmt.Errorf("policy check (%s): %w", s.Name, err) // redacted where run.Error is set
		}
		if sum == nil {
			sum = &plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{}, Warn: []plumb.PolicyResult{}}
		}
		sum.Passed = sum.Passed && out.Passed
		sum.Deny = append(sum.Deny, r.redacted(out.Deny)...)
		sum.Warn = append(sum.Warn, r.redacted(out.Warn)...)
		sum.Exceptions = append(sum.Exceptions, r.redacted(out.Exceptions)...)
	}
	run.Policy = sum
	return nil
}

func (r *Runner) redacted(results []plumb.PolicyResult) []plumb.PolicyResult {
	for i := range results {
		results[i].Message = r.redactor.String(results[i].Message)
	}
	return results
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
