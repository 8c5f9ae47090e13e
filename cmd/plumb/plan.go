package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/progress"
	"github.com/plumbhq/plumb/vcs/markdown"
)

// runsJSON is the contract's output of plumb plan --json and apply --json.
type runsJSON struct {
	FormatVersion string    `json:"format_version"`
	Base          string    `json:"base"`
	Head          string    `json:"head"`
	Runs          []runJSON `json:"runs"`
}

type runJSON struct {
	ID             string                 `json:"id"`
	Project        string                 `json:"project"`
	Dir            string                 `json:"dir"`
	Workspace      string                 `json:"workspace"`
	Engine         string                 `json:"engine"`
	EngineVersion  string                 `json:"engine_version"`
	Kind           string                 `json:"kind"`
	Status         string                 `json:"status"`
	Summary        plumb.PlanSummary      `json:"summary"`
	ChangesOutside int                    `json:"changes_outside"`
	Resources      []plumb.ResourceChange `json:"resources"`
	Policy         plumb.PolicyOutcome    `json:"policy"`
	Error          string                 `json:"error"`
	BlockedBy      string                 `json:"blocked_by"`
	Reasons        []string               `json:"reasons,omitempty"`
	Replanned      string                 `json:"replanned,omitempty"`
	DurationMS     int64                  `json:"duration_ms"`
}

func toRunsJSON(sel *selection, runs []*plumb.Run) runsJSON {
	out := runsJSON{FormatVersion: "1", Base: sel.Base, Head: sel.Head, Runs: []runJSON{}}
	for _, r := range runs {
		if r == nil {
			continue
		}
		pol := plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{}, Warn: []plumb.PolicyResult{}}
		if r.Policy != nil {
			pol = *r.Policy
		}
		res := r.Resources
		if res == nil {
			res = []plumb.ResourceChange{}
		}
		out.Runs = append(out.Runs, runJSON{
			ID: r.ID, Project: r.Project, Dir: r.Dir, Workspace: r.Workspace, Engine: string(r.Engine),
			EngineVersion: r.EngineVersion, Kind: string(r.Kind), Status: string(r.Status), Summary: r.Summary,
			ChangesOutside: r.ChangesOutside, Resources: res, Policy: pol, Error: r.Error, BlockedBy: r.BlockedBy,
			Reasons: sel.Reasons[r.Project], Replanned: r.Replanned, DurationMS: r.Duration().Milliseconds(),
		})
	}
	return out
}

func (m *Main) planCmd() *cobra.Command {
	var repoDir, base, head, ref, commentOut string
	var names []string
	var asJSON, detailed bool
	var workers int
	var pol runPolicy
	cmd := &cobra.Command{
		Use:   "plan [--base REF --head REF | --ref REF] [-p NAME]...",
		Short: "Plan the projects a change affects (or every project at a commit) with the real engine",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			sel, err := m.selectProjects(ctx, repo, base, head, ref, names, "cli")
			if err != nil {
				return err
			}
			pc, err := pol.check(sel)
			if err != nil {
				return err
			}
			r, _, closeStore, err := m.newRunner(ctx, repo.Root, sel, workers)
			if err != nil {
				return err
			}
			defer closeStore()
			r.SetPolicy(pc)
			fmt.Fprintf(m.Stderr, "plumb: planning %s\n", sel.describe())
			runs := withProgress(ctx, m, len(sel.Targets), func(p *progress.Batch) []*plumb.Run { return r.PlanAll(ctx, sel.Targets, p, nil) })
			if commentOut != "" {
				if err := writeComment(commentOut, sel, runs); err != nil {
					return err
				}
			}
			if asJSON {
				if err := writeJSON(m.Stdout, toRunsJSON(sel, runs)); err != nil {
					return err
				}
			} else {
				printRuns(m.Stdout, runs)
				policy.WriteRuns(m.Stdout, runs)
				printReasons(m.Stdout, sel, runs)
			}
			return planExit(runs, detailed)
		},
	}
	f := cmd.Flags()
	f.StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	f.StringVar(&base, "base", "", "plan the projects affected between --base and --head")
	f.StringVar(&head, "head", "", "see --base")
	f.StringVar(&ref, "ref", "", "plan every project at this revision (default HEAD)")
	f.StringArrayVarP(&names, "project", "p", nil, "plan only this project (repeatable)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&commentOut, "comment-out", "", "write the GitHub comment body plumb would post to FILE (FILE.2, FILE.3… when it is split)")
	f.BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when any plan has changes")
	f.IntVar(&workers, "parallelism", 0, "projects planned at once (default: CPU count)")
	pol.flags(f)
	return cmd
}

// planExit is 1 when any run failed or was blocked, else 2 with
// --detailed-exitcode when any plan has changes, else 0.
func planExit(runs []*plumb.Run, detailed bool) error {
	changes := false
	for _, r := range runs {
		switch r.Status {
		case plumb.RunFailed, plumb.RunBlocked, plumb.RunSkipped:
			return exitError{1}
		case plumb.RunChanges:
			changes = true
		}
	}
	if detailed && changes {
		return exitError{2}
	}
	return nil
}

// withProgress runs work while a ticker reports what is still running.
// total is the number of projects work runs.
func withProgress(ctx context.Context, m *Main, total int, work func(*progress.Batch) []*plumb.Run) []*plumb.Run {
	p := progress.New(m.Stderr, total)
	tickCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { p.Tick(tickCtx, 10*time.Second) })
	runs := work(p)
	stop()
	wg.Wait()
	return runs
}

func writeComment(path string, sel *selection, runs []*plumb.Run) error {
	rep := plumb.PlanReport{Base: sel.Base, Head: sel.Head, Unplanned: sel.Unplanned}
	for _, r := range runs {
		rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: r, Reasons: sel.Reasons[r.Project]})
	}
	for i, body := range markdown.RenderComment(rep, 0) {
		name := path
		if i > 0 {
			name = fmt.Sprintf("%s.%d", path, i+1)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			return fmt.Errorf("--comment-out: %w", err)
		}
	}
	return nil
}

// printReasons says why each project of a change was planned.
func printReasons(w io.Writer, sel *selection, runs []*plumb.Run) {
	if sel.Base == "" {
		return
	}
	fmt.Fprintf(w, "\nwhy (%s..%s):\n", short(sel.Base), short(sel.Head))
	for _, r := range runs {
		for _, why := range sel.Reasons[r.Project] {
			fmt.Fprintf(w, "  %s: %s\n", r.Project, why)
		}
	}
}

// printRuns prints one aligned row per run, then the plan of each project
// with changes.
func printRuns(w io.Writer, runs []*plumb.Run) {
	for _, r := range runs {
		if r.Status == plumb.RunChanges && r.PlanText != "" {
			fmt.Fprintf(w, "\n── %s (%s) ──\n%s", r.Project, r.Dir, r.PlanText)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tDIR\tWORKSPACE\tRESULT\tTIME\tRUN")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Project, r.Dir, r.Workspace, progress.Outcome(r), r.Duration().Round(100*time.Millisecond), r.ID)
	}
	tw.Flush()
	for _, r := range runs {
		if r.Replanned != "" {
			fmt.Fprintf(w, "note: %s was planned again: %s\n", r.Project, r.Replanned)
		}
	}
}
