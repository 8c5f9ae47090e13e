package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

type affectedJSON struct {
	FormatVersion string            `json:"format_version"`
	Base          string            `json:"base"`
	Head          string            `json:"head"`
	Projects      []affectedProject `json:"projects"`
	Removed       []removedProject  `json:"removed"`
	// Unplanned lists the changed Terraform files no project plans, by
	// directory, so nothing a change touches goes unplanned unsaid.
	Unplanned []plumb.Unplanned `json:"unplanned"`
}

type affectedProject struct {
	Name      string   `json:"name"`
	Dir       string   `json:"dir"`
	Workspace string   `json:"workspace"`
	Reasons   []string `json:"reasons"`
}

type removedProject struct {
	Name      string `json:"name"`
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
}

// Affected computes the projects a change between two revisions affects.
// It is what plumb affected prints and what plumb plan --base/--head plans.
func Affected(ctx context.Context, repo *vcs.Repo, base, head string) (plumb.Change, *planner.Index, error) {
	baseTree, baseSHA, err := repo.Tree(base)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	headTree, headSHA, err := repo.Tree(head)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	changes, err := repo.Changed(ctx, baseSHA, headSHA)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	fc := make([]planner.FileChange, len(changes))
	for i, c := range changes {
		fc[i] = planner.FileChange(c)
	}
	ch, idx, err := planner.NewLoader().ChangeBetween(baseTree, headTree, fc)
	if err != nil && plumb.ErrorCode(err) == plumb.EINVALID {
		return ch, idx, fmt.Errorf("%s at %s:\n%w", planner.ConfigFile, short(headSHA), err)
	}
	ch.Base, ch.Head = baseSHA, headSHA
	return ch, idx, err
}

func (m *Main) affectedCmd() *cobra.Command {
	var repoDir, base, head string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "affected --base REF --head REF",
		Short: "List the projects a change affects, with reasons, in apply order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			defer repo.Close()
			ch, idx, err := Affected(cmd.Context(), repo, base, head)
			if err != nil {
				return err
			}
			warn(m.Stderr, idx)
			if asJSON {
				return writeJSON(m.Stdout, toAffectedJSON(ch))
			}
			return m.printAffected(ch)
		},
	}
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	cmd.Flags().StringVar(&base, "base", "", "base revision: branch, tag or sha (required)")
	cmd.Flags().StringVar(&head, "head", "", "head revision: branch, tag or sha (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("base")
	_ = cmd.MarkFlagRequired("head")
	return cmd
}

func toAffectedJSON(ch plumb.Change) affectedJSON {
	out := affectedJSON{FormatVersion: "1", Base: ch.Base, Head: ch.Head, Projects: []affectedProject{}, Removed: []removedProject{},
		Unplanned: []plumb.Unplanned{}}
	for _, a := range ch.Projects {
		out.Projects = append(out.Projects, affectedProject{a.Project.Name, a.Project.Dir, a.Project.Workspace, a.Reasons})
	}
	for _, p := range ch.Removed {
		out.Removed = append(out.Removed, removedProject{p.Name, p.Dir, p.Workspace})
	}
	out.Unplanned = append(out.Unplanned, ch.Unplanned...)
	return out
}

func (m *Main) printAffected(ch plumb.Change) error {
	w := m.Stdout
	fmt.Fprintf(w, "%d projects affected by %s..%s, in apply order:\n", len(ch.Projects), short(ch.Base), short(ch.Head))
	for i, a := range ch.Projects {
		fmt.Fprintf(w, "%3d. %s  %s", i+1, a.Project, a.Project.Dir)
		fmt.Fprintln(w)
		for _, r := range a.Reasons {
			fmt.Fprintf(w, "       - %s\n", r)
		}
	}
	if len(ch.Removed) > 0 {
		fmt.Fprintf(w, "%d projects removed (their directory is gone at head):\n", len(ch.Removed))
		for _, p := range ch.Removed {
			fmt.Fprintf(w, "     - %s  %s\n", p, p.Dir)
		}
	}
	printUnplanned(w, ch.Unplanned)
	return nil
}

// printUnplanned prints the "not planned" section: each directory, the
// rule that keeps it out of every plan, and its files under the rule.
func printUnplanned(w io.Writer, us []plumb.Unplanned) {
	if len(us) == 0 {
		return
	}
	width := 0
	for _, u := range us {
		width = max(width, len(u.Dir))
	}
	fmt.Fprintf(w, "%d directories not planned (changed Terraform files no project plans):\n", len(us))
	for _, u := range us {
		fmt.Fprintf(w, "     - %-*s  %s\n", width, u.Dir, u.Reason)
		for _, f := range u.Files {
			fmt.Fprintf(w, "       %-*s  %s\n", width, "", f)
		}
	}
}
