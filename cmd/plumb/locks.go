package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb/server/dashboard"
)

func (m *Main) locksCmd() *cobra.Command {
	var (
		repoDir string
		asJSON  bool
	)
	list := func(cmd *cobra.Command, _ []string) error {
		root, err := m.storeRepoRoot(repoDir)
		if err != nil {
			return err
		}
		st, err := m.openStore(cmd.Context(), root)
		if err != nil {
			return err
		}
		defer st.Close()
		locks, err := st.Locks(cmd.Context())
		if err != nil {
			return err
		}
		if asJSON {
			out := struct {
				FormatVersion string               `json:"format_version"`
				Locks         []dashboard.LockJSON `json:"locks"`
			}{FormatVersion: "1", Locks: []dashboard.LockJSON{}}
			for _, l := range locks {
				out.Locks = append(out.Locks, dashboard.ToLockJSON(l))
			}
			return writeJSON(m.Stdout, out)
		}
		return dashboard.WriteLocksTable(m.Stdout, locks, time.Now())
	}
	cmd := &cobra.Command{
		Use:   "locks [list | release ID]",
		Short: "List the project locks plumb holds, or release one",
		Long: "A lock keeps one project directory and workspace to one owner (a pull request, main, drift, cli)\n" +
			"while it applies. Release one by hand only when its holder is gone: the release is audited.",
		Args: cobra.NoArgs,
		RunE: list,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&repoDir, "repo", "", "git repository whose .plumb/ data dir to use (default: the one holding the current directory)")
	pf.BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the held locks, oldest first",
		Args:  cobra.NoArgs,
		RunE:  list,
	}, &cobra.Command{
		Use:   "release ID",
		Short: "Release a lock by ID, whoever holds it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := m.storeRepoRoot(repoDir)
			if err != nil {
				return err
			}
			st, err := m.openStore(cmd.Context(), root)
			if err != nil {
				return err
			}
			defer st.Close()
			l, err := dashboard.ReleaseLock(cmd.Context(), st, args[0], "cli", "plumb locks release")
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(m.Stdout, struct {
					FormatVersion string             `json:"format_version"`
					Released      dashboard.LockJSON `json:"released"`
				}{"1", dashboard.ToLockJSON(l)})
			}
			fmt.Fprintf(m.Stdout, "released lock %s on %s (%s), held by %s\n", l.ID, dashboard.LockProject(l), l.Key, l.Owner)
			return nil
		},
	})
	return cmd
}
