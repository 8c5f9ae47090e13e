package keptstate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteReport prints one aligned line per project directory and a
// summary, and says whether every kept state is now in w (none refused
// or unknown).
func (w Where) WriteReport(out io.Writer, results []Result) (bool, error) {
	counts := map[Outcome]int{}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPO\tDIR\tPROJECTS\tWORKSPACES\tRESULT\tSTATE")
	for _, r := range results {
		counts[r.Outcome]++
		repo, dir := r.Project.Repo, r.Project.Dir
		if r.Outcome == Unknown {
			repo, dir = "?", r.Project.LocalDir
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", repo, dir, dash(strings.Join(r.Names, ",")),
			dash(strings.Join(r.Workspaces, ",")), r.Outcome, r.Detail)
	}
	if len(results) == 0 {
		fmt.Fprintln(out, "no state kept in the data dir: nothing to migrate")
		return true, nil
	}
	if err := tw.Flush(); err != nil {
		return false, err
	}
	fmt.Fprintf(out, "\n%d project %s: %d migrated, %d already there, %d refused, %d unknown\n", len(results),
		plural("directory", "directories", len(results)), counts[Migrated], counts[Already], counts[Refused], counts[Unknown])
	ok := counts[Refused]+counts[Unknown] == 0
	if ok {
		fmt.Fprintf(out, "Every kept state is in %s. The data dir's copies are left as they were: give the same --state-url to every plumb serve and CLI verb from now on.\n", w)
	}
	return ok, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(one, many string, n int) string {
	if n == 1 {
		return one
	}
	return many
}
