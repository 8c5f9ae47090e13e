package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/progress"
	"github.com/plumbhq/plumb/runner"
)

func (m *Main) applyCmd() *cobra.Command {
	var repoDir, ref string
	var names []string
	var asJSON, autoApprove bool
	var workers int
	var pol runPolicy
	cmd := &cobra.Command{
		Use:   "apply [--ref REF] [-p NAME]... [--auto-approve]",
		Short: "Plan and apply every (or each named) project at a commit, in apply order, under locks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			sel, err := m.selectProjects(ctx, repo, "", "", ref, names, "cli")
			if err != nil {
				return err
			}
			pc, err := pol.check(sel)
			if err != nil {
				return err
			}
			r, st, closeStore, err := m.newRunner(ctx, repo.Root, sel, workers)
			if err != nil {
				return err
			}
			defer closeStore()
			r.SetPolicy(pc)
			// A saved plan was checked against whatever policies were given
			// then, if any: with --policy every project is planned again.
			plans, err := m.plansFor(ctx, r, st, sel, pc != nil)
			if err != nil {
				return err
			}
			// With --json, stdout carries only JSON: people read the plans on stderr.
			human := m.Stdout
			if asJSON {
				human = m.Stderr
			}
			printRuns(human, plans)
			policy.WriteRuns(human, plans)
			var targets []runner.Target
			var toApply []*plumb.Run
			for i, p := range plans {
				if p.Status == plumb.RunChanges || p.Status == plumb.RunFailed {
					targets = append(targets, sel.Targets[i])
					toApply = append(toApply, p)
				}
			}
			final := plans
			if runner.CountStatus(toApply, plumb.RunChanges) == 0 {
				fmt.Fprintln(m.Stderr, "plumb: nothing to apply")
			} else if ok, err := m.confirm(autoApprove, runner.CountStatus(toApply, plumb.RunChanges)); err != nil {
				return err
			} else if !ok {
				fmt.Fprintln(m.Stderr, "plumb: apply cancelled; nothing was changed")
				return exitError{1}
			} else {
				fmt.Fprintf(m.Stderr, "plumb: applying %s\n", sel.describe())
				applied := withProgress(ctx, m, len(targets), func(p *progress.Batch) []*plumb.Run {
					return r.ApplyAll(ctx, targets, toApply, runner.ApplyOptions{Progress: p, Refuse: refuseDenied(toApply)})
				})
				final = runner.MergeRuns(plans, applied)
				printRuns(human, applied)
			}
			if asJSON {
				if err := writeJSON(m.Stdout, toRunsJSON(sel, final)); err != nil {
					return err
				}
			}
			return planExit(final, false)
		},
	}
	f := cmd.Flags()
	f.StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	f.StringVar(&ref, "ref", "", "revision to apply (default HEAD)")
	f.StringArrayVarP(&names, "project", "p", nil, "apply only this project (repeatable)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&autoApprove, "auto-approve", false, "apply without asking")
	f.IntVar(&workers, "parallelism", 0, "projects planned at once (default: CPU count); applies run one at a time")
	pol.flags(f)
	return cmd
}

// plansFor reuses the latest successful plan of each project at the
// selection's commit (Apply checks it is not stale) and plans the rest.
func (m *Main) plansFor(ctx context.Context, r *runner.Runner, st plumb.Store, sel *selection, fresh bool) ([]*plumb.Run, error) {
	plans := make([]*plumb.Run, len(sel.Targets))
	var missing []runner.Target
	var at []int
	for i, t := range sel.Targets {
		prev, err := r.LatestPlan(ctx, t, t.Commit, "")
		if err != nil {
			return nil, err
		}
		if prev != nil && !fresh {
			plans[i] = prev
			fmt.Fprintf(m.Stderr, "plumb: %s: using plan %s\n", t.Project.Name, prev.ID)
			continue
		}
		missing = append(missing, t)
		at = append(at, i)
	}
	if len(missing) > 0 {
		fmt.Fprintf(m.Stderr, "plumb: planning %d of %s\n", len(missing), sel.describe())
		fresh := withProgress(ctx, m, len(missing), func(p *progress.Batch) []*plumb.Run { return r.PlanAll(ctx, missing, p, nil) })
		for j, i := range at {
			plans[i] = fresh[j]
		}
	}
	return plans, nil
}

// confirm asks on the terminal unless --auto-approve; only "yes" applies.
func (m *Main) confirm(auto bool, n int) (bool, error) {
	if auto {
		return true, nil
	}
	fmt.Fprintf(m.Stderr, "\nApply the changes above to %d project(s)? Only 'yes' will be accepted: ", n)
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(m.Stderr)
		return false, plumb.Errorf(plumb.EINVALID, "no answer on stdin; use --auto-approve to apply without asking")
	}
	return strings.TrimSpace(line) == "yes", nil
}
