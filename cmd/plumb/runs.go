package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
)

// plumb runs and plumb audit read the store as GET /api/v1/runs and
// /api/v1/audit do: the same filters (dashboard.RunQuery, AuditQuery) and
// the same JSON.

func (m *Main) runsCmd() *cobra.Command {
	var q dashboard.RunQuery
	cmd, list := m.storeList("runs [-p NAME] [--kind plan|apply|drift] [--status S] [--since T] [--limit N] [--json]",
		"List the runs in the store, newest first", &q.Project, &q.Since, &q.Limit, dashboard.DefaultLimit,
		func(st plumb.Store, cmd *cobra.Command, asJSON bool) error {
			f, err := q.Filter(time.Now())
			if err != nil {
				return err
			}
			runs, err := st.Runs(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return dashboard.WriteJSON(m.Stdout, dashboard.NewRunsPage(runs, f.Limit))
			}
			return dashboard.WriteRunsTable(m.Stdout, runs, time.Now())
		})
	list.StringVar(&q.Kind, "kind", "", "only runs of this kind: plan, apply or drift")
	list.StringVar(&q.Status, "status", "", "only runs with this status (queued, running, changes, no_changes, applied, failed, skipped, blocked)")
	return cmd
}

func (m *Main) auditCmd() *cobra.Command {
	var q dashboard.AuditQuery
	cmd, list := m.storeList("audit [-p NAME] [--actor WHO] [--kind ACTION] [--since T] [--limit N] [--json]",
		"List the audit trail, newest first", &q.Project, &q.Since, &q.Limit, 0,
		func(st plumb.Store, cmd *cobra.Command, asJSON bool) error {
			f, err := q.Filter(time.Now())
			if err != nil {
				return err
			}
			entries, err := st.Audit(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return dashboard.WriteJSON(m.Stdout, dashboard.NewAuditPage(entries, f.Limit))
			}
			return dashboard.WriteAuditTable(m.Stdout, entries)
		})
	list.StringVar(&q.Actor, "actor", "", "only what WHO did (a GitHub login, PR #12, cli, drift…)")
	list.StringVar(&q.Kind, "kind", "", "only this action (plan, apply, lock, unlock, approve_policies, drift_ack…)")
	return cmd
}

// storeList is a verb listing from the store with -p, --since, --limit,
// --repo and --json; it returns the flag set for the verb's own filters.
func (m *Main) storeList(use, short string, project, since *string, limit *int, defLimit int,
	run func(st plumb.Store, cmd *cobra.Command, asJSON bool) error) (*cobra.Command, *pflag.FlagSet) {
	var repoDir string
	var asJSON bool
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		root, err := m.storeRepoRoot(repoDir)
		if err != nil {
			return err
		}
		st, err := m.openStore(cmd.Context(), root)
		if err != nil {
			return err
		}
		defer st.Close()
		return run(st, cmd, asJSON)
	}}
	fs := cmd.Flags()
	fs.StringVarP(project, "project", "p", "", "only this project's")
	fs.StringVar(since, "since", "", "only since T: RFC 3339, a date (2026-01-02) or a duration ago (24h, 7d)")
	fs.IntVar(limit, "limit", defLimit, "at most N (0: all)")
	fs.StringVar(&repoDir, "repo", "", "git repository whose .plumb/ data dir to use (default: the one holding the current directory)")
	fs.BoolVar(&asJSON, "json", false, "print JSON, as the API under /api/v1/ answers")
	return cmd, fs
}
