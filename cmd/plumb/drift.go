package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/runner"
)

// driftJSON is the contract's output of plumb drift --json.
type driftJSON struct {
	FormatVersion string             `json:"format_version"`
	Ref           string             `json:"ref"`
	Commit        string             `json:"commit"`
	StartedAt     time.Time          `json:"started_at"`
	FinishedAt    time.Time          `json:"finished_at"`
	Projects      []driftProjectJSON `json:"projects"`
}

type driftProjectJSON struct {
	Name      string               `json:"name"`
	Dir       string               `json:"dir"`
	Workspace string               `json:"workspace"`
	Status    string               `json:"status"`
	Resources []plumb.DriftFinding `json:"resources"`
	Error     string               `json:"error"`
	RunID     string               `json:"run_id,omitempty"`
	// DurationMS is how long the check took (not in the contract's
	// example; scripts may ignore it).
	DurationMS int64 `json:"duration_ms"`
}

// driftCheck is one project's check in a sweep: its run, its result with
// acknowledgements applied, and its state after.
type driftCheck struct {
	target runner.Target
	run    *plumb.Run
	result plumb.DriftResult
	state  plumb.DriftState
}

// status is the check's status for people and scripts: a check that did
// not run (skipped: its lock is held) is an error of the sweep, since
// nothing is known of the project.
func (c driftCheck) status() plumb.DriftStatus {
	if c.run.Drift == nil {
		return plumb.DriftError
	}
	return c.result.Status
}

func (c driftCheck) message() string {
	if c.run.Drift == nil {
		return c.run.Error
	}
	return c.result.Error
}

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
			runs := withProgress(ctx, m, len(sel.Targets), func(p *progress) []*plumb.Run { return r.DriftAll(ctx, sel.Targets, p, nil) })
			checks := make([]driftCheck, len(runs))
			for i, run := range runs {
				checks[i] = driftCheck{target: sel.Targets[i], run: run}
				checks[i].state, checks[i].result, err = jobs.RecordDrift(ctx, st, run, time.Now())
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
				if err := writeJSON(m.Stdout, toDriftJSON(ref, sel.Head, started, finished, checks)); err != nil {
					return err
				}
			} else {
				printDrift(m.Stdout, checks)
			}
			return driftExit(checks)
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

// driftExit is 1 when any check failed or did not run, else 2 when any
// project has drift or pending changes, else 0.
func driftExit(checks []driftCheck) error {
	found := false
	for _, c := range checks {
		switch c.status() {
		case plumb.DriftError:
			return exitError{1}
		case plumb.DriftClean:
		default:
			found = true
		}
	}
	if found {
		return exitError{2}
	}
	return nil
}

func toDriftJSON(ref, commit string, started, finished time.Time, checks []driftCheck) driftJSON {
	out := driftJSON{FormatVersion: "1", Ref: ref, Commit: commit, StartedAt: started, FinishedAt: finished, Projects: []driftProjectJSON{}}
	for _, c := range checks {
		res := c.result.Resources
		if res == nil {
			res = []plumb.DriftFinding{}
		}
		for i := range res {
			if res[i].Attributes == nil {
				res[i].Attributes = []string{}
			}
		}
		out.Projects = append(out.Projects, driftProjectJSON{
			Name: c.run.Project, Dir: c.run.Dir, Workspace: c.run.Workspace, Status: string(c.status()),
			Resources: res, Error: c.message(), RunID: c.run.ID, DurationMS: c.run.Duration().Milliseconds(),
		})
	}
	return out
}

// printDrift prints an aligned row per project, then each project's
// findings.
func printDrift(w io.Writer, checks []driftCheck) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tDIR\tWORKSPACE\tSTATUS\tFINDINGS\tSINCE\tTIME")
	for _, c := range checks {
		n := len(drift.Unacknowledged(c.result.Resources))
		findings := fmt.Sprint(n)
		if acked := len(c.result.Resources) - n; acked > 0 {
			findings += fmt.Sprintf(" (+%d acknowledged)", acked)
		}
		since := "-"
		if !c.state.Since.IsZero() && c.status() != plumb.DriftClean {
			since = c.state.Since.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.run.Project, c.run.Dir, c.run.Workspace, c.status(), findings, since,
			c.run.Duration().Round(100*time.Millisecond))
	}
	tw.Flush()
	for _, c := range checks {
		if msg := c.message(); msg != "" {
			fmt.Fprintf(w, "\n── %s: %s ──\n  %s\n", c.run.Project, c.status(), strings.ReplaceAll(strings.TrimSpace(msg), "\n", "\n  "))
			continue
		}
		if len(c.result.Resources) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n── %s: %s ──\n", c.run.Project, c.status())
		ft := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range c.result.Resources {
			note := ""
			if a := f.Acknowledged; a != nil {
				note = fmt.Sprintf("acknowledged by %s until %s: %s", a.By, a.Until.Format("2006-01-02"), a.Reason)
			}
			fmt.Fprintf(ft, "  %s\t%s\t%s\t%s\t%s\n", f.Address, f.Kind, f.Action, strings.Join(f.Attributes, ", "), note)
		}
		ft.Flush()
	}
}

func writeDriftReport(path, ref, commit string, started, finished time.Time, checks []driftCheck) error {
	s := drift.Sweep{Ref: ref, Commit: commit, StartedAt: started, FinishedAt: finished}
	for _, c := range checks {
		res := c.result
		if c.run.Drift == nil {
			res = plumb.DriftResult{Status: plumb.DriftError, Error: c.run.Error}
		}
		state := c.state
		s.Projects = append(s.Projects, drift.NewProject(c.run.Project, c.run.Dir, c.run.Workspace, res, c.run.FinishedAt,
			func(f plumb.DriftFinding) time.Time { return state.FirstSeen[plumb.FindingKey(f)] }))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--report-out: %w", err)
	}
	if err := drift.Report(f, s); err != nil {
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
	return st, repoKeyOf(repo.Root).Key, nil
}
