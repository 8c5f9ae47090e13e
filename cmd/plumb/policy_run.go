package main

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/runner"
)

// runPolicy is --policy on plan and apply: a policy set every plan is
// checked against, as `plumb policy test` would check its show -json, on
// top of plumb.yaml's policies.
type runPolicy struct {
	dirs, data, namespaces []string
}

func (p *runPolicy) flags(f *pflag.FlagSet) {
	f.StringSliceVar(&p.dirs, "policy", nil, "check every plan against the Rego policies in DIR (conftest's rules; repeatable)")
	f.StringSliceVar(&p.data, "policy-data", nil, "JSON or YAML data documents for the policies (conftest's --data)")
	f.StringSliceVar(&p.namespaces, "policy-namespace", nil, "policy namespaces to check (default main)")
}

// check loads and compiles, once for every plan of the selection, the
// policy sets of plumb.yaml at the selection's commit (read from that
// commit's tree, as the projects are) and the --policy set, or returns nil
// when there are none. input.plumb gets each project's environment; a
// local run has no pull request, author or approvers.
func (p *runPolicy) check(sel *selection) (*runner.PolicyCheck, error) {
	projects := map[string]plumb.Project{}
	for _, t := range sel.Targets {
		projects[t.Project.Name] = t.Project
	}
	pc := &runner.PolicyCheck{Input: func(r *plumb.Run) plumb.PolicyInput {
		return plumb.PolicyInput{Environment: projects[r.Project].Environment}
	}}
	if len(sel.Targets) > 0 {
		tree := sel.Targets[0].Tree
		if data, err := fs.ReadFile(tree, planner.ConfigFile); err == nil {
			cfg, errs := planner.ParseConfig(planner.ConfigFile, data)
			if errs != nil {
				return nil, errs
			}
			for _, ps := range cfg.Policies {
				set, err := policy.Load(policy.Options{FS: tree, Policy: ps.Dirs, Data: ps.Data})
				if err != nil {
					return nil, fmt.Errorf("%s: policies %q: %w", planner.ConfigFile, ps.Name, err)
				}
				pc.Sets = append(pc.Sets, runner.PolicySet{Name: ps.Name, Set: set, Namespaces: ps.Namespaces,
					Applies: func(r *plumb.Run) bool { return ps.Applies(projects[r.Project]) }})
			}
		}
	}
	if len(p.dirs) > 0 {
		set, err := policy.Load(policy.Options{Policy: p.dirs, Data: p.data})
		if err != nil {
			return nil, err
		}
		pc.Sets = append(pc.Sets, runner.PolicySet{Name: strings.Join(p.dirs, ","), Set: set, Namespaces: p.namespaces})
	}
	if len(pc.Sets) == 0 {
		return nil, nil
	}
	return pc, nil
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
