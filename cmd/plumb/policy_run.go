package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/runner"
)

// runPolicy is --policy on plan and apply: a policy set every plan is
// checked against, as `plumb policy test` would check its show -json.
type runPolicy struct {
	dirs, data, namespaces []string
}

func (p *runPolicy) flags(f *pflag.FlagSet) {
	f.StringSliceVar(&p.dirs, "policy", nil, "check every plan against the Rego policies in DIR (conftest's rules; repeatable)")
	f.StringSliceVar(&p.data, "policy-data", nil, "JSON or YAML data documents for the policies (conftest's --data)")
	f.StringSliceVar(&p.namespaces, "policy-namespace", nil, "policy namespaces to check (default main)")
}

// check loads and compiles the set once for every plan of the selection,
// or returns nil without --policy. input.plumb gets each project's
// environment; a local run has no pull request, author or approvers.
func (p *runPolicy) check(sel *selection) (*runner.PolicyCheck, error) {
	if len(p.dirs) == 0 {
		return nil, nil
	}
	set, err := policy.Load(policy.Options{Policy: p.dirs, Data: p.data})
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, t := range sel.Targets {
		env[t.Project.Name] = t.Project.Environment
	}
	return &runner.PolicyCheck{Set: set, Namespaces: p.namespaces, Input: func(r *plumb.Run) plumb.PolicyInput {
		return plumb.PolicyInput{Environment: env[r.Project]}
	}}, nil
}

// printPolicy lists each plan's policy results under the plan table.
func printPolicy(w io.Writer, runs []*plumb.Run) {
	for _, r := range runs {
		if r == nil || r.Policy == nil {
			continue
		}
		for _, d := range r.Policy.Deny {
			fmt.Fprintf(w, "policy: %s: DENY %s.%s: %s\n", r.Project, d.Namespace, d.Rule, d.Message)
		}
		for _, d := range r.Policy.Warn {
			fmt.Fprintf(w, "policy: %s: WARN %s.%s: %s\n", r.Project, d.Namespace, d.Rule, d.Message)
		}
	}
}

// refuseDenied is ApplyOptions.Refuse for plans a policy denied: the
// target fails with every denial, and nothing of it is applied.
func refuseDenied(plans []*plumb.Run) func(int) string {
	return func(i int) string {
		if why := runner.PolicyDenied(plans[i]); why != "" {
			return why + "\n(fix the plan or the policy, then plan again)"
		}
		return ""
	}
}
