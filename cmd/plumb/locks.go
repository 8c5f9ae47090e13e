package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
)

// lockJSON is the flat, stable shape of a lock in --json output.
type lockJSON struct {
	ID         string    `json:"id"`
	Project    string    `json:"project"`
	Repo       string    `json:"repo"`
	Dir        string    `json:"dir"`
	Workspace  string    `json:"workspace"`
	Owner      string    `json:"owner"`
	Reason     string    `json:"reason"`
	RunID      string    `json:"run_id"`
	AcquiredAt time.Time `json:"acquired_at"`
}

func toLockJSON(l plumb.Lock) lockJSON {
	return lockJSON{l.ID, l.Project, l.Key.Repo, l.Key.Dir, l.Key.Workspace, l.Owner, l.Reason, l.RunID, l.AcquiredAt}
}

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
				FormatVersion string     `json:"format_version"`
				Locks         []lockJSON `json:"locks"`
			}{FormatVersion: "1", Locks: []lockJSON{}}
			for _, l := range locks {
				out.Locks = append(out.Locks, toLockJSON(l))
			}
			return writeJSON(m.Stdout, out)
		}
		return printLocks(m.Stdout, locks, time.Now())
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
			l, err := releaseLock(cmd, st, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(m.Stdout, struct {
					FormatVersion string   `json:"format_version"`
					Released      lockJSON `json:"released"`
				}{"1", toLockJSON(l)})
			}
			fmt.Fprintf(m.Stdout, "released lock %s on %s (%s), held by %s\n", l.ID, lockProject(l), l.Key, l.Owner)
			return nil
		},
	})
	return cmd
}

// releaseLock frees lock id and records who freed what in the audit trail.
func releaseLock(cmd *cobra.Command, st plumb.Store, id string) (plumb.Lock, error) {
	ctx := cmd.Context()
	locks, err := st.Locks(ctx)
	if err != nil {
		return plumb.Lock{}, err
	}
	var l plumb.Lock
	for _, x := range locks {
		if x.ID == id {
			l = x
		}
	}
	if l.ID == "" {
		return l, plumb.Errorf(plumb.ENOTFOUND, "no lock with id %q: see plumb locks list", id)
	}
	if err := st.ReleaseLock(ctx, id); err != nil {
		if plumb.ErrorCode(err) == plumb.ENOTFOUND {
			return l, plumb.Errorf(plumb.ENOTFOUND, "lock %s was released meanwhile", id)
		}
		return l, err
	}
	err = st.RecordAudit(ctx, plumb.AuditEntry{
		Actor: "cli", Action: "unlock", Repo: l.Key.Repo, Project: l.Project, RunID: l.RunID,
		Result: fmt.Sprintf("released %s held by %s", l.Key, l.Owner),
	})
	if err != nil {
		return l, fmt.Errorf("lock %s released, but not audited: %w", id, err)
	}
	return l, nil
}

func lockProject(l plumb.Lock) string {
	if l.Project == "" {
		return l.Key.Dir
	}
	return l.Project
}

func printLocks(w io.Writer, locks []plumb.Lock, now time.Time) error {
	if len(locks) == 0 {
		_, err := fmt.Fprintln(w, "no locks held")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECT\tDIR\tWORKSPACE\tOWNER\tREASON\tAGE")
	for _, l := range locks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, lockProject(l), l.Key.Dir, l.Key.Workspace, l.Owner,
			l.Reason, age(now.Sub(l.AcquiredAt)))
	}
	return tw.Flush()
}

// age is a short, human duration: 45s, 12m, 3h05m, 2d4h.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
