package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
)

func (m *Main) validateCmd() *cobra.Command {
	var repoDir, ref string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check plumb.yaml and every project",
		Long: "Check plumb.yaml against its schema and every project: dirs exist, depends_on resolves, no cycles,\n" +
			"globs are valid, Terraform files parse, local module sources exist. Without --ref it checks the\n" +
			"working tree, so you can validate before committing. Errors go to stderr as FILE:LINE:COL: key.path: message.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			defer repo.Close()
			where := "working tree"
			fsys := worktree(repo)
			if ref != "" {
				tree, sha, err := repo.Tree(ref)
				if err != nil {
					return err
				}
				fsys, where = tree, short(sha)
			}
			idx, err := planner.Load(fsys)
			for _, p := range idx.Problems {
				fmt.Fprintln(m.Stderr, p.Error())
			}
			if err != nil && plumb.ErrorCode(err) != plumb.EINVALID {
				return err
			}
			if n := len(idx.Problems); n > 0 || err != nil {
				if n == 0 { // an error with no location, e.g. an ordering cycle
					fmt.Fprintln(m.Stderr, plumb.ErrorMessage(err))
				}
				fmt.Fprintf(m.Stderr, "plumb validate: %s is invalid (%d problems)\n", where, max(n, 1))
				return exitError{code: 1}
			}
			src := "no " + planner.ConfigFile + ", every root module discovered"
			if idx.Config != nil {
				src = planner.ConfigFile + " valid"
			}
			fmt.Fprintf(m.Stdout, "%s: %s; %d projects\n", where, src, len(idx.Projects))
			return nil
		},
	}
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	cmd.Flags().StringVar(&ref, "ref", "", "commit to check: branch, tag or sha (default: the working tree)")
	return cmd
}
