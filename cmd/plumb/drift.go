package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/progress"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/vcs"
)

func (m *Main) driftCmd() *cobra.Command {
	var repoDir, ref, reportOut string
	var names []string
	var asJSON bool
	var workers int
	cmd := &cobra.Command{
		Use:   "drift [--ref REF] [-p NAME]... [--json] [--report-out FILE.html]",
		Short: "Check every project (or the named ones) for drift at the default branch: out-of-band changes and unapplied config",
		Long: "plumb drift plans each project against its state with the real engine and tells what changed outside\n" +
			"Terraform (out_of_band) from what the configuration would still do (pending), per resource and attribute.\n" +
			"It changes nothing. Exit status: 0 all clean, 2 drift or pending found, 1 any error.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			if ref == "" {
				ref = repo.DefaultBranch()
			}
			sel, err := m.selectProjects(ctx, repo, "", "", ref, names, "drift")
			if err != nil {
				return err
			}
			sel.Targets = m.driftEnabled(sel.Targets, len(names) > 0)
			r, st, closeStore, err := m.newRunner(ctx, repo.Root, sel, workers)
			if err != nil {
				return err
			}
			defer closeStore()
			fmt.Fprintf(m.Stderr, "plumb: checking %d project(s) for drift at %s (%s)\n", len(sel.Targets), ref, short(sel.Head))
			started := time.Now().UTC()
			runs := withProgress(ctx, m, len(sel.Targets), func(p *progress.Batch) []*plumb.Run { return r.DriftAll(ctx, sel.Targets, p, nil) })
			checks := make([]drift.Check, len(runs))
			for i, run := range runs {
				checks[i] = drift.Check{Run: run}
				checks[i].State, checks[i].Result, err = jobs.RecordDrift(ctx, st, run, time.Now())
				if err != nil {
					return err
				}
			}
			finished := time.Now().UTC()
			if reportOut != "" {
				if err := writeDriftReport(reportOut, ref, sel.Head, started, finished, checks); err != nil {
					return err
				}
				fmt.Fprintf(m.Stderr, "plumb: report written to %s\n", reportOut)
			}
			if asJSON {
				if err := writeJSON(m.Stdout, drift.NewSweepJSON(ref, sel.Head, started, finished, checks)); err != nil {
					return err
				}
			} else {
				drift.WriteTable(m.Stdout, checks)
			}
			if code := drift.ExitCode(checks); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	f.StringVar(&ref, "ref", "", "check the projects at this revision (default: the default branch)")
	f.StringArrayVarP(&names, "project", "p", nil, "check only this project (repeatable)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&reportOut, "report-out", "", "write a self-contained HTML report to FILE.html")
	f.IntVar(&workers, "parallelism", 0, "projects checked at once (default: CPU count)")
	cmd.AddCommand(m.driftAckCmd(), m.driftAcksCmd(), m.driftUnackCmd())
	return cmd
}

// driftEnabled drops the projects whose plumb.yaml turns drift checks
// off, saying so, unless they were named with -p.
func (m *Main) driftEnabled(targets []runner.Target, named bool) []runner.Target {
	if named {
		return targets
	}
	var out []runner.Target
	for _, t := range targets {
		if !t.Project.Drift.Enabled {
			fmt.Fprintf(m.Stderr, "plumb: %s not checked: drift.enabled is false in plumb.yaml (name it with -p to check it)\n", t.Project)
			continue
		}
		out = append(out, t)
	}
	return out
}

func writeDriftReport(path, ref, commit string, started, finished time.Time, checks []drift.Check) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--report-out: %w", err)
	}
	if err := drift.Report(f, drift.NewSweep(ref, commit, started, finished, checks)); err != nil {
		f.Close()
		return fmt.Errorf("--report-out %s: %w", path, err)
	}
	return f.Close()
}

// openDriftStore opens the store of the repository at repoDir, for the
// ack verbs, with the repository's key.
func (m *Main) openDriftStore(ctx context.Context, repoDir string) (plumb.Store, string, error) {
	repo, err := openRepo(repoDir)
	if err != nil {
		return nil, "", err
	}
	st, err := m.openStore(ctx, repo.Root)
	if err != nil {
		return nil, "", err
	}
	return st, vcs.RepoKeyOf(repo.Root).Key, nil
}
